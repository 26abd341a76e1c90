//! The certificate self-test (what Thunderbird's "Test" button answers): does the certificate
//! chain to an authority trusted here, may it sign and encrypt (RFC 8550 §4.4), is it within
//! its validity (warning 30, 14 and 7 days ahead), which addresses does it carry, is it revoked
//! (this home's CA, or a cached CRL or OCSP answer; with "required", is there a current answer), and is its private key held (and, when unlocked, does it work).
//! Each finding is one line in plain words; the verdict is `usable`.

use crate::api::json::{
    CertCheck, CheckItem, CheckLevel, CheckLine, ExpiryNotice, RevocationState, Validity,
};
use crate::api::{ApiError, Home, PassphraseSource};
use crate::pki::cert::{Cert, rfc3339};
use crate::pki::signature::{self, RsaPadding};
use crate::pki::validate::{self, TrustContext};
use crate::store::CertKind;

/// Expiry warnings, in days before notAfter, tightest last.
pub const EXPIRY_WARNINGS: [u32; 3] = [30, 14, 7];

impl CertCheck {
    fn line(&mut self, item: CheckItem, level: CheckLevel, text: impl Into<String>) {
        self.lines.push(CheckLine {
            item,
            level,
            text: text.into(),
        });
    }
}

fn days_word(n: i64) -> String {
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
}

/// The tightest of [`EXPIRY_WARNINGS`] reached with `days_left` days to go; 0 once expired.
pub fn expiry_threshold(days_left: i64) -> Option<u32> {
    if days_left < 0 {
        return Some(0);
    }
    EXPIRY_WARNINGS
        .iter()
        .copied()
        .filter(|w| days_left < i64::from(*w))
        .min()
}

impl Home {
    /// Self-tests the selected certificate now. With `unlock`, an identity's private key is
    /// unwrapped, compared with the certificate and used for a test signature.
    pub fn check(
        &self,
        selector: &str,
        unlock: Option<PassphraseSource>,
    ) -> Result<CertCheck, ApiError> {
        let cert = self.select(selector)?;
        self.check_at(&cert, self.now(), unlock)
    }

    /// The user's identities that expire within 30 days of `at` (or have expired), except
    /// those renewed already: another identity for every one of their addresses lasts longer.
    pub fn expiry_notices(&self, at: u64) -> Result<Vec<ExpiryNotice>, ApiError> {
        let identities: Vec<Cert> = self
            .store
            .all()?
            .into_iter()
            .filter(|s| s.kind == CertKind::Identity && !s.cert.is_ca())
            .map(|s| s.cert)
            .collect();
        let mut out = Vec::new();
        for cert in &identities {
            let days_left = (cert.not_after() as i64 - at as i64).div_euclid(86_400);
            let Some(threshold) = expiry_threshold(days_left) else {
                continue;
            };
            let emails = cert.emails();
            let renewed = !emails.is_empty()
                && emails.iter().all(|e| {
                    identities.iter().any(|o| {
                        o.not_after() > cert.not_after()
                            && o.not_before() <= at
                            && o.emails().iter().any(|x| x.eq_ignore_ascii_case(e))
                    })
                });
            if renewed {
                continue;
            }
            out.push(ExpiryNotice {
                fingerprint: cert.fingerprint(),
                subject: cert.subject(),
                emails,
                not_after: rfc3339(cert.not_after()),
                days_left: days_left.clamp(i32::MIN as i64, i32::MAX as i64) as i32,
                threshold,
            });
        }
        out.sort_by_key(|n| n.days_left);
        Ok(out)
    }

    pub(crate) fn check_at(
        &self,
        cert: &Cert,
        at: u64,
        unlock: Option<PassphraseSource>,
    ) -> Result<CertCheck, ApiError> {
        let (mut r, trusted_anchor) = self.blank_check(cert, at)?;
        self.check_chain(&mut r, cert, trusted_anchor, at)?;
        self.check_revocation(&mut r, cert, at)?;
        let in_validity = check_validity(&mut r, cert, at);
        if cert.is_ca() {
            check_authority(&mut r);
            r.usable = r.trusted_path && in_validity;
            return Ok(r);
        }
        check_addresses(&mut r);
        let key_ok = self.check_private_key(&mut r, cert, unlock);
        check_uses(&mut r, cert, in_validity, key_ok);
        Ok(r)
    }

    /// The check before any line: what the store knows of the certificate, and whether the
    /// user trusts it as an anchor.
    fn blank_check(&self, cert: &Cert, at: u64) -> Result<(CertCheck, bool), ApiError> {
        let fp = cert.fingerprint();
        let stored = self.store.by_fingerprint_prefix(&fp)?;
        let kind = stored.first().map(|s| s.kind).unwrap_or(CertKind::Person);
        let trusted_anchor = stored.first().is_some_and(|s| s.trusted);
        let has_private_key = self.store.private_key(&fp)?.is_some();
        let days_left = (cert.not_after() as i64 - at as i64).div_euclid(86_400);
        let check = CertCheck {
            fingerprint: fp,
            subject: cert.subject(),
            kind,
            emails: cert.emails(),
            usable: false,
            can_sign: false,
            can_encrypt: false,
            trusted_path: false,
            chain: Vec::new(),
            revoked: false,
            has_private_key,
            days_left: days_left.clamp(i32::MIN as i64, i32::MAX as i64) as i32,
            expiry_warning: None,
            lines: Vec::new(),
        };
        Ok((check, trusted_anchor))
    }

    /// The chain, judged inside the certificate's own validity so that expiry is reported
    /// once, on its own line.
    fn check_chain(
        &self,
        r: &mut CertCheck,
        cert: &Cert,
        trusted_anchor: bool,
        at: u64,
    ) -> Result<(), ApiError> {
        if cert.is_ca() && trusted_anchor {
            r.trusted_path = true;
            r.chain = vec![cert.subject()];
            let text = "You trust this authority: certificates it issues are accepted";
            r.line(CheckItem::Chain, CheckLevel::Ok, text);
            return Ok(());
        }
        let anchors = self.store.anchors()?;
        let pool: Vec<Cert> = self.store.all()?.into_iter().map(|s| s.cert).collect();
        let chain_at = at.clamp(cert.not_before(), cert.not_after());
        let ctx = TrustContext::new(&anchors, &pool, chain_at);
        match validate::validate_path(cert, &ctx) {
            Ok(path) => {
                r.trusted_path = true;
                r.chain = path.certs.iter().map(Cert::subject).collect();
                r.line(CheckItem::Chain, CheckLevel::Ok, path.anchor.wording());
            }
            Err(e) => r.line(
                CheckItem::Chain,
                CheckLevel::Problem,
                format!("Not trusted: {e}"),
            ),
        }
        Ok(())
    }

    /// Revocation, from the cache and by the home's mode.
    fn check_revocation(&self, r: &mut CertCheck, cert: &Cert, at: u64) -> Result<(), ApiError> {
        let mode = self.store.revocation_mode()?;
        let issuer = {
            let pool: Vec<Cert> = self.store.all()?.into_iter().map(|s| s.cert).collect();
            Self::issuer_in(cert, &pool).cloned()
        };
        let rev = self.revocation_info_in(cert, issuer.as_ref(), mode, at)?;
        let problem = rev.problem(mode);
        r.revoked = problem.is_some();
        let level = match (rev.state, &problem) {
            (_, Some(_)) => CheckLevel::Problem,
            (RevocationState::Good, None) => CheckLevel::Ok,
            (RevocationState::Stale | RevocationState::Unknown, None) => CheckLevel::Warning,
            _ => CheckLevel::Info,
        };
        let text = match (rev.state, problem) {
            (RevocationState::Revoked, _) => rev.text.clone(),
            (_, Some((_, why))) => format!("Not usable: {why}"),
            (RevocationState::NotChecked, None) => {
                "Not checked yet: refresh revocation (`sealpost cert refresh`) to fetch its CRL or OCSP answer".into()
            }
            _ => rev.text.clone(),
        };
        r.line(CheckItem::Revocation, level, text);
        Ok(())
    }

    /// The private key: held, and if unlocked, working. `true` when it is held and nothing
    /// was found wrong with it.
    fn check_private_key(
        &self,
        r: &mut CertCheck,
        cert: &Cert,
        unlock: Option<PassphraseSource>,
    ) -> bool {
        if !r.has_private_key {
            r.line(
                CheckItem::PrivateKey,
                CheckLevel::Info,
                "No private key is held: you can encrypt to it and verify its signatures, \
                 not sign or decrypt with it",
            );
            return false;
        }
        let Some(pass) = unlock else {
            let text = "The private key is held (not unlocked for this test)";
            r.line(CheckItem::PrivateKey, CheckLevel::Ok, text);
            return true;
        };
        let outcome = match self.private_key(cert, pass) {
            Ok(key) if !key.matches_spki(&cert.spki_der()) => {
                Err("The stored private key does not belong to this certificate".to_string())
            }
            Ok(key) => test_signature(&key, cert),
            Err(e) => Err(format!("The private key cannot be used: {e}")),
        };
        match outcome {
            Ok(()) => {
                let text = "The private key unlocks and made a test signature that verifies";
                r.line(CheckItem::PrivateKey, CheckLevel::Ok, text);
                true
            }
            Err(why) => {
                r.line(CheckItem::PrivateKey, CheckLevel::Problem, why);
                false
            }
        }
    }
}

/// Validity now: expired, not yet valid, expiring soon, or fine. `true` inside the validity.
fn check_validity(r: &mut CertCheck, cert: &Cert, at: u64) -> bool {
    let not_after = rfc3339(cert.not_after());
    match Validity::at(cert.not_before(), cert.not_after(), at) {
        Validity::Expired => {
            let text = format!("Expired on {not_after}");
            r.line(CheckItem::Validity, CheckLevel::Problem, text);
            return false;
        }
        Validity::NotYetValid => {
            let text = format!("Not valid before {}", rfc3339(cert.not_before()));
            r.line(CheckItem::Validity, CheckLevel::Problem, text);
            return false;
        }
        Validity::Valid => {}
    }
    let days_left = i64::from(r.days_left);
    r.expiry_warning = expiry_threshold(days_left);
    let days = days_word(days_left);
    match r.expiry_warning {
        Some(_) => r.line(
            CheckItem::Validity,
            CheckLevel::Warning,
            format!("Expires in {days} (on {not_after}): renew it now"),
        ),
        None => r.line(
            CheckItem::Validity,
            CheckLevel::Ok,
            format!("Valid until {not_after} ({days} left)"),
        ),
    }
    true
}

/// An authority signs certificates, not mail; its key issues them.
fn check_authority(r: &mut CertCheck) {
    let text = "An authority certificate: it signs certificates, not mail";
    r.line(CheckItem::Signing, CheckLevel::Info, text);
    let key = if r.has_private_key {
        "Its private key is held here: you can issue certificates with it"
    } else {
        "No private key is held for it"
    };
    r.line(CheckItem::PrivateKey, CheckLevel::Info, key);
}

fn check_addresses(r: &mut CertCheck) {
    if r.emails.is_empty() {
        let text = "It carries no e-mail address";
        r.line(CheckItem::Addresses, CheckLevel::Problem, text);
    } else {
        let text = format!("For {}", r.emails.join(", "));
        r.line(CheckItem::Addresses, CheckLevel::Ok, text);
    }
}

/// Signing and encryption, and the verdict: usable for what.
fn check_uses(r: &mut CertCheck, cert: &Cert, in_validity: bool, key_ok: bool) {
    let has_key = r.has_private_key;
    let healthy = r.trusted_path && in_validity && !r.revoked && !r.emails.is_empty();
    let sign_problem = cert.sign_problem();
    let encrypt_problem = cert.encrypt_problem();
    let (level, text) = match &sign_problem {
        None if has_key && key_ok => (CheckLevel::Ok, "Can sign mail".to_string()),
        None if has_key => (
            CheckLevel::Problem,
            "Fit for signing, but the private key does not work".to_string(),
        ),
        None => (
            CheckLevel::Ok,
            "Its signatures on mail can be verified".to_string(),
        ),
        Some(p) if has_key => (CheckLevel::Problem, format!("Cannot sign mail: {p}")),
        Some(p) => (CheckLevel::Info, format!("Cannot sign mail: {p}")),
    };
    r.line(CheckItem::Signing, level, text);
    let (level, text) = match &encrypt_problem {
        None if has_key => (
            CheckLevel::Ok,
            "Mail can be encrypted to it, and you can decrypt it".to_string(),
        ),
        None => (CheckLevel::Ok, "Mail can be encrypted to it".to_string()),
        Some(p) => (
            CheckLevel::Info,
            format!("Mail cannot be encrypted to it: {p}"),
        ),
    };
    r.line(CheckItem::Encryption, level, text);
    r.can_sign = healthy && has_key && key_ok && sign_problem.is_none();
    r.can_encrypt = healthy && encrypt_problem.is_none();
    r.usable = if has_key {
        r.can_sign || (r.can_encrypt && key_ok)
    } else {
        r.can_encrypt || (healthy && sign_problem.is_none())
    };
}

/// Signs a fixed text with `key` and verifies it with the certificate's public key.
fn test_signature(key: &crate::pki::keys::PrivateKey, cert: &Cert) -> Result<(), String> {
    const TEXT: &[u8] = b"sealpost self-test";
    let hash = signature::default_hash(key);
    let (alg, sig) = signature::sign(key, hash, RsaPadding::Pkcs1v15, TEXT)
        .map_err(|e| format!("The private key cannot sign: {e}"))?;
    let public = crate::pki::keys::PublicKey::from_spki_der(&cert.spki_der())
        .map_err(|e| format!("The certificate's key cannot be read: {e}"))?;
    signature::verify(&public, &alg, Some(hash), TEXT, &sig)
        .map_err(|_| "The test signature does not verify with the certificate".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ErrorCode;
    use crate::api::json::CaPublication;
    use crate::pki::issue::{KeyAlgorithm, RevocationReason};
    use zeroize::Zeroizing;

    const PASS: &str = "correct horse battery";

    fn pass() -> Result<Zeroizing<String>, ApiError> {
        Ok(Zeroizing::new(PASS.to_string()))
    }

    fn home() -> (tempfile::TempDir, Home) {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::open(dir.path()).unwrap();
        home.use_file_keystore(PASS).unwrap();
        (dir, home)
    }

    fn level(c: &CertCheck, item: CheckItem) -> CheckLevel {
        c.lines
            .iter()
            .find(|l| l.item == item)
            .map(|l| l.level)
            .unwrap_or_else(|| panic!("no {item:?} line in {:#?}", c.lines))
    }

    #[test]
    fn issued_identity_passes_and_each_failure_is_reported() {
        let (_dir, home) = home();
        let ca = home
            .ca_create(
                "Check Test CA",
                KeyAlgorithm::P256,
                3650,
                &CaPublication::default(),
                &pass,
            )
            .unwrap();
        let issued = home
            .ca_issue(
                "Check Test CA",
                &["ivy@example.test".to_string()],
                None,
                KeyAlgorithm::P256,
                365,
                "p12-password",
                &pass,
            )
            .unwrap();
        // Before the .p12 is imported this home holds only the public certificate.
        let c = home.check("ivy@example.test", Some(&pass)).unwrap();
        assert!(
            c.usable && c.can_encrypt && !c.can_sign && !c.has_private_key,
            "{c:#?}"
        );
        assert_eq!(level(&c, CheckItem::PrivateKey), CheckLevel::Info);

        home.import(
            "ivy.p12",
            &issued.p12,
            Some(&|| Ok(Zeroizing::new("p12-password".into()))),
            &pass,
        )
        .unwrap();
        let c = home.check("ivy@example.test", Some(&pass)).unwrap();
        assert!(
            c.usable && c.can_sign && c.can_encrypt && c.has_private_key,
            "{c:#?}"
        );
        assert_eq!(c.kind, CertKind::Identity);
        assert_eq!(c.chain.len(), 2);
        assert_eq!(c.emails, vec!["ivy@example.test".to_string()]);
        assert_eq!(c.expiry_warning, None);
        assert!(
            c.lines.iter().all(|l| l.level != CheckLevel::Problem),
            "{c:#?}"
        );
        assert_eq!(level(&c, CheckItem::PrivateKey), CheckLevel::Ok);

        // Expiry warnings at 30, 14 and 7 days, then expired.
        let cert = home.select("ivy@example.test").unwrap();
        for (days_before, warn) in [(40, None), (29, Some(30)), (13, Some(14)), (3, Some(7))] {
            let at = cert.not_after() - days_before * 86_400;
            let c = home.check_at(&cert, at, None).unwrap();
            assert_eq!(c.expiry_warning, warn, "{days_before} days before");
            assert!(c.usable, "still usable {days_before} days before");
        }
        let c = home.check_at(&cert, cert.not_after() + 1, None).unwrap();
        assert!(!c.usable && !c.can_sign);
        assert_eq!(level(&c, CheckItem::Validity), CheckLevel::Problem);

        // The CA itself: a trusted anchor holding its key.
        let c = home.check(&ca.info.fingerprint[..16], None).unwrap();
        assert!(c.usable && c.trusted_path && c.has_private_key);
        assert_eq!(c.kind, CertKind::Authority);

        // Revoked: no longer usable, whatever else holds.
        home.ca_revoke("ivy@example.test", RevocationReason::KeyCompromise)
            .unwrap();
        let c = home.check("ivy@example.test", None).unwrap();
        assert!(c.revoked && !c.usable && !c.can_sign && !c.can_encrypt);
        assert_eq!(level(&c, CheckItem::Revocation), CheckLevel::Problem);
        // A second revocation is refused.
        let e = home
            .ca_revoke("ivy@example.test", RevocationReason::Superseded)
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::BadInput);
    }

    #[test]
    fn untrusted_chain_and_wrong_passphrase_are_problems() {
        let (_dir, home) = home();
        home.ca_create(
            "Lab CA",
            KeyAlgorithm::P256,
            3650,
            &CaPublication::default(),
            &pass,
        )
        .unwrap();
        let issued = home
            .ca_issue(
                "Lab CA",
                &["kim@example.test".to_string()],
                Some("Kim"),
                KeyAlgorithm::Rsa2048,
                30,
                "pw",
                &pass,
            )
            .unwrap();
        home.import(
            "kim.p12",
            &issued.p12,
            Some(&|| Ok(Zeroizing::new("pw".into()))),
            &pass,
        )
        .unwrap();
        // The short validity already warns.
        let c = home.check("kim@example.test", None).unwrap();
        assert_eq!(c.expiry_warning, Some(30));
        assert!(c.usable);

        let wrong = || Ok(Zeroizing::new("not the passphrase".to_string()));
        let c = home.check("kim@example.test", Some(&wrong)).unwrap();
        assert!(!c.usable && !c.can_sign, "{c:#?}");
        assert_eq!(level(&c, CheckItem::PrivateKey), CheckLevel::Problem);

        // Take away the trust in the CA: the chain fails.
        let ca = home.select("Lab CA").unwrap();
        home.store().set_trusted(&ca.fingerprint(), false).unwrap();
        let c = home.check("kim@example.test", Some(&pass)).unwrap();
        assert!(!c.trusted_path && !c.usable, "{c:#?}");
        assert_eq!(level(&c, CheckItem::Chain), CheckLevel::Problem);
        let c = home.check("Lab CA", None).unwrap();
        assert!(!c.usable);
    }

    fn issue_identity(home: &Home, ca: &str, email: &str, days: u32) -> Cert {
        let issued = home
            .ca_issue(
                ca,
                &[email.to_string()],
                None,
                KeyAlgorithm::P256,
                days,
                "p12-password",
                &pass,
            )
            .unwrap();
        home.import(
            "id.p12",
            &issued.p12,
            Some(&|| Ok(Zeroizing::new("p12-password".into()))),
            &pass,
        )
        .unwrap();
        home.select(&issued.cert.info.fingerprint).unwrap()
    }

    #[test]
    fn expiry_thresholds_are_30_14_7_then_expired() {
        for (days, want) in [
            (400, None),
            (30, None),
            (29, Some(30)),
            (14, Some(30)),
            (13, Some(14)),
            (7, Some(14)),
            (6, Some(7)),
            (0, Some(7)),
            (-1, Some(0)),
        ] {
            assert_eq!(expiry_threshold(days), want, "{days} days left");
        }
    }

    #[test]
    fn the_homes_clock_decides_what_a_check_sees() {
        // Everything is made at one fixed time; the same check is then asked at later ones,
        // only by moving the home's clock.
        let start = 1_900_000_000;
        let clock = std::sync::Arc::new(crate::clock::FixedClock::new(start));
        let dir = tempfile::tempdir().unwrap();
        let home = Home::open_with_clock(dir.path(), clock.clone()).unwrap();
        home.use_file_keystore(PASS).unwrap();
        let ca = CaPublication::default();
        home.ca_create("Clock CA", KeyAlgorithm::P256, 3650, &ca, &pass)
            .unwrap();
        let id = issue_identity(&home, "Clock CA", "tia@example.test", 60);
        assert!(id.not_before() <= start && id.not_after() > start + 59 * 86_400);
        let days_left = |at: u64| ((id.not_after() - at) / 86_400) as i32;
        let fp = id.fingerprint();
        let c = home.check(&fp, None).unwrap();
        assert!(c.usable, "{:#?}", c.lines);
        assert_eq!((c.days_left, c.expiry_warning), (days_left(start), None));
        clock.advance(50 * 86_400);
        let c = home.check(&fp, None).unwrap();
        let later = days_left(start + 50 * 86_400);
        assert!((9..=10).contains(&later));
        assert_eq!((c.days_left, c.expiry_warning), (later, Some(14)));
        assert_eq!(level(&c, CheckItem::Validity), CheckLevel::Warning);
        clock.advance(11 * 86_400);
        let c = home.check(&fp, None).unwrap();
        assert!(!c.usable);
        assert_eq!(level(&c, CheckItem::Validity), CheckLevel::Problem);
        assert!(c.lines.iter().any(|l| l.text.starts_with("Expired on")));
        // The store's time stamps come from the same clock.
        assert_eq!(
            home.store.now(),
            i64::try_from(start + 61 * 86_400).unwrap()
        );
    }

    #[test]
    fn expiry_notices_warn_for_own_identities_until_renewed() {
        let (_dir, home) = home();
        home.ca_create(
            "Notice CA",
            KeyAlgorithm::P256,
            3650,
            &CaPublication::default(),
            &pass,
        )
        .unwrap();
        let old = issue_identity(&home, "Notice CA", "lea@example.test", 100);
        // A correspondent's certificate (never imported with a key) does not warn.
        home.ca_issue(
            "Notice CA",
            &["max@example.test".to_string()],
            None,
            KeyAlgorithm::P256,
            10,
            "p12-password",
            &pass,
        )
        .unwrap();

        let day = 86_400;
        let at = |days_before: u64| old.not_after() - days_before * day;
        assert!(home.expiry_notices(at(40)).unwrap().is_empty());
        for (days_before, threshold) in [(29, 30), (13, 14), (6, 7)] {
            let n = home.expiry_notices(at(days_before)).unwrap();
            assert_eq!(n.len(), 1, "{days_before} days before");
            assert_eq!(n[0].fingerprint, old.fingerprint());
            assert_eq!(n[0].threshold, threshold);
            assert_eq!(n[0].emails, vec!["lea@example.test".to_string()]);
        }
        let n = home.expiry_notices(old.not_after() + 2 * day).unwrap();
        assert_eq!((n[0].threshold, n[0].days_left), (0, -2));

        // Renewed: a newer identity for the same mailbox silences the old one.
        let new = issue_identity(&home, "Notice CA", "lea@example.test", 400);
        let n = home.expiry_notices(at(6)).unwrap();
        assert!(n.is_empty(), "{n:#?}");
        // ...which warns in its own time.
        let n = home.expiry_notices(new.not_after() - 3 * day).unwrap();
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].fingerprint, new.fingerprint());
    }
}
