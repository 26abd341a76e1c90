//! Certificate change alerts (key continuity): each correspondent's address has one accepted
//! certificate, the first one this home knew for it unless the user accepted another. When
//! the certificate a message is encrypted to, or signed with, carries another key or comes
//! from another issuing CA, the recipient status, the message report and the CLI say so until
//! the user accepts the new certificate ([`Home::accept_cert`]). A renewal with the same key
//! from the same CA is no change: it becomes the accepted certificate silently.

use crate::api::json::{CertChange, CertDto, HistoryEntry};
use crate::api::{ApiError, ErrorCode, Home};
use crate::pki::cert::{Cert, rfc3339};
use crate::pki::issue::spki_id;
use crate::store::{AcceptedCert, CertKind};

/// What is recorded of an accepted certificate: fingerprint, key (SPKI SHA-256) and issuer.
fn accepted_of(cert: &Cert) -> (String, String, String) {
    (cert.fingerprint(), spki_id(&cert.spki_der()), cert.issuer())
}

impl Home {
    /// The accepted certificate of `email`; when none is recorded yet, the oldest
    /// correspondent certificate this home holds for it (else `seen`) becomes it.
    fn accepted_for(&self, email: &str, seen: &Cert) -> Result<AcceptedCert, ApiError> {
        if let Some(a) = self.store.accepted_cert(email)? {
            return Ok(a);
        }
        let first = self
            .store
            .by_email(email)?
            .into_iter()
            .filter(|s| s.kind == CertKind::Person && !s.cert.is_ca())
            .map(|s| s.cert)
            .next_back()
            .unwrap_or_else(|| seen.clone());
        let (fp, spki, issuer) = accepted_of(&first);
        self.store.set_accepted_cert(email, &fp, &spki, &issuer)?;
        self.store.accepted_cert(email)?.ok_or_else(|| {
            ApiError::new(ErrorCode::Storage, "the accepted certificate was not kept")
        })
    }

    /// Whether `cert`, used for `email` (a correspondent, not one of the user's identities),
    /// differs in key or issuing CA from the certificate accepted for that address.
    pub fn cert_change(&self, email: &str, cert: &Cert) -> Result<Option<CertChange>, ApiError> {
        let email = email.trim().to_ascii_lowercase();
        if email.is_empty() || cert.is_ca() {
            return Ok(None);
        }
        let own = self
            .store
            .by_email(&email)?
            .iter()
            .any(|s| s.kind == CertKind::Identity);
        if own {
            return Ok(None);
        }
        let accepted = self.accepted_for(&email, cert)?;
        let (fp, spki, issuer) = accepted_of(cert);
        if accepted.fingerprint == fp {
            return Ok(None);
        }
        let key_changed = accepted.spki_sha256 != spki;
        let issuer_changed = accepted.issuer != issuer;
        if !key_changed && !issuer_changed {
            // The same key from the same CA: a renewal, nothing to check.
            self.store.set_accepted_cert(&email, &fp, &spki, &issuer)?;
            return Ok(None);
        }
        let what = match (key_changed, issuer_changed) {
            (true, true) => format!("another key, issued by another authority ({issuer})"),
            (true, false) => "another key".to_string(),
            _ => format!("another issuing authority ({issuer})"),
        };
        let text = format!(
            "The certificate of {email} changed: {what} than the one accepted for this address. \
             Make sure it is really theirs (ask them, compare fingerprints) before you accept it."
        );
        Ok(Some(CertChange {
            email,
            key_changed,
            issuer_changed,
            accepted_fingerprint: accepted.fingerprint,
            accepted_issuer: accepted.issuer,
            accepted_at: rfc3339(accepted.accepted_at),
            new_fingerprint: fp,
            new_issuer: issuer,
            text,
        }))
    }

    /// The other certificates of the same kind (identity or correspondent) for any of the
    /// mailboxes of `cert`, newest first.
    pub fn cert_history(&self, cert: &Cert) -> Result<Vec<HistoryEntry>, ApiError> {
        let fp = cert.fingerprint();
        let kind = self
            .store
            .by_fingerprint_prefix(&fp)?
            .first()
            .map(|s| s.kind)
            .unwrap_or(CertKind::Person);
        if cert.is_ca() || kind == CertKind::Authority {
            return Ok(Vec::new());
        }
        let mut others: Vec<Cert> = Vec::new();
        for e in cert.emails() {
            for s in self.store.by_email(&e)? {
                if s.kind == kind
                    && s.cert.fingerprint() != fp
                    && !others
                        .iter()
                        .any(|o| o.fingerprint() == s.cert.fingerprint())
                {
                    others.push(s.cert);
                }
            }
        }
        // Newest by validity; certificates issued in the same second by the order they came
        // into this home (a renewal is imported after what it renews).
        let age = |c: &Cert| -> Result<(u64, u64, i64), ApiError> {
            Ok((
                c.not_before(),
                c.not_after(),
                self.store.insertion_order(&c.fingerprint())?,
            ))
        };
        let this = age(cert)?;
        let mut aged = others
            .into_iter()
            .map(|c| Ok((age(&c)?, c)))
            .collect::<Result<Vec<_>, ApiError>>()?;
        aged.sort_by_key(|(a, _)| std::cmp::Reverse(*a));
        aged.iter()
            .map(|(a, c)| {
                Ok(HistoryEntry {
                    cert: self.dto(c)?,
                    has_private_key: self.store.private_key(&c.fingerprint())?.is_some(),
                    newer: *a > this,
                })
            })
            .collect()
    }

    /// The change alerts about the certificates mail to `recipients` would be encrypted to.
    pub fn recipient_changes(&self, recipients: &[String]) -> Result<Vec<CertChange>, ApiError> {
        let mut out = Vec::new();
        for r in recipients {
            if let Ok(c) = self.encryption_cert(r, false)
                && let Some(change) = self.cert_change(r, &c)?
            {
                out.push(change);
            }
        }
        Ok(out)
    }

    /// Accepts the selected correspondent certificate for every address it carries: change
    /// alerts about it stop.
    pub fn accept_cert(&self, selector: &str) -> Result<CertDto, ApiError> {
        let cert = self.select(selector)?;
        if cert.is_ca() {
            return Err(ApiError::new(
                ErrorCode::BadInput,
                "an authority is trusted, not accepted: use trust for a CA",
            ));
        }
        let emails = cert.emails();
        if emails.is_empty() {
            return Err(ApiError::new(
                ErrorCode::BadInput,
                format!(
                    "{} carries no e-mail address to accept it for",
                    cert.subject()
                ),
            ));
        }
        for e in &emails {
            let (fp, spki, issuer) = accepted_of(&cert);
            self.store.set_accepted_cert(e, &fp, &spki, &issuer)?;
        }
        self.dto(&cert)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::issue::{self, KeyAlgorithm, MailboxCertRequest};
    use crate::pki::keys::PrivateKey;

    const NOW: u64 = 1_800_000_000; // 2027-01-15

    struct Ca {
        cert: Cert,
        key: PrivateKey,
    }

    fn ca(name: &str) -> Ca {
        let key = KeyAlgorithm::P256.generate().unwrap();
        let cert = issue::self_signed_ca(&key, name, 3650, NOW).unwrap();
        Ca { cert, key }
    }

    fn mailbox(ca: &Ca, email: &str, key: &PrivateKey, now: u64) -> Cert {
        let spki = key.public().to_spki_der().unwrap();
        issue::issue_mailbox(
            &ca.cert,
            &ca.key,
            &MailboxCertRequest {
                emails: &[email.to_string()],
                spki_der: &spki,
                days: 365,
                crl_url: None,
                ca_issuers_url: None,
                now,
            },
        )
        .unwrap()
    }

    #[test]
    fn key_or_issuer_changes_alert_until_accepted_and_renewals_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::open(dir.path()).unwrap();
        let (ca1, ca2) = (ca("Continuity CA 1"), ca("Continuity CA 2"));
        let k1 = KeyAlgorithm::P256.generate().unwrap();
        let k2 = KeyAlgorithm::P256.generate().unwrap();
        let pat = "pat@example.test";
        let first = mailbox(&ca1, pat, &k1, NOW);
        home.store.put_cert(&first, CertKind::Person).unwrap();
        // The first certificate known is the accepted one.
        assert_eq!(home.cert_change(pat, &first).unwrap(), None);

        // A renewal: the same key from the same CA, a day later. Silently accepted.
        let renewed = mailbox(&ca1, pat, &k1, NOW + 86_400);
        assert_ne!(renewed.fingerprint(), first.fingerprint());
        assert_eq!(home.cert_change(pat, &renewed).unwrap(), None);
        assert_eq!(
            home.store.accepted_cert(pat).unwrap().unwrap().fingerprint,
            renewed.fingerprint()
        );

        // Another key.
        let rekeyed = mailbox(&ca1, pat, &k2, NOW + 2 * 86_400);
        let c = home
            .cert_change("PAT@example.test", &rekeyed)
            .unwrap()
            .unwrap();
        assert!(c.key_changed && !c.issuer_changed, "{c:?}");
        assert_eq!(c.email, pat);
        assert_eq!(c.accepted_fingerprint, renewed.fingerprint());
        assert_eq!(c.new_fingerprint, rekeyed.fingerprint());
        assert!(c.text.contains("another key"), "{}", c.text);
        // Asking again changes nothing: the alert stays until accepted.
        assert_eq!(home.cert_change(pat, &rekeyed).unwrap(), Some(c));

        // Another CA, same key as accepted.
        let moved = mailbox(&ca2, pat, &k1, NOW);
        let c = home.cert_change(pat, &moved).unwrap().unwrap();
        assert!(!c.key_changed && c.issuer_changed, "{c:?}");
        assert!(c.text.contains("Continuity CA 2"), "{}", c.text);

        // Accepting the re-keyed one silences it, and now the old key is the change.
        home.store.put_cert(&rekeyed, CertKind::Person).unwrap();
        home.accept_cert(&rekeyed.fingerprint()).unwrap();
        assert_eq!(home.cert_change(pat, &rekeyed).unwrap(), None);
        assert!(home.cert_change(pat, &first).unwrap().unwrap().key_changed);

        // Authorities are trusted, not accepted.
        home.store.put_cert(&ca1.cert, CertKind::Authority).unwrap();
        let e = home.accept_cert(&ca1.cert.fingerprint()).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadInput);
    }

    #[test]
    fn the_users_own_addresses_never_alert() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::open(dir.path()).unwrap();
        let ca1 = ca("Own CA");
        let me = "me@example.test";
        let mine = mailbox(&ca1, me, &KeyAlgorithm::P256.generate().unwrap(), NOW);
        home.store.put_cert(&mine, CertKind::Identity).unwrap();
        let other = mailbox(&ca1, me, &KeyAlgorithm::P256.generate().unwrap(), NOW);
        assert_eq!(home.cert_change(me, &other).unwrap(), None);
        assert_eq!(home.store.accepted_cert(me).unwrap(), None);
    }
}
