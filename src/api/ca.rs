//! The internal CA's use cases: create a CA, issue mailbox certificates as `.p12`, revoke,
//! publish a CRL; and certificate requests whose key waits in this home until the certificate
//! comes back (then [`Home::import`] pairs them into an identity).
//!
//! Every private key made here is wrapped under the key-encryption key of the home's keystore
//! before it touches the database; the subscriber keys of issued certificates are never stored,
//! they leave only inside the password-protected `.p12`.

use zeroize::Zeroizing;

use crate::api::json::{
    CaPublication, CertDto, CertRequest, CrlEntryInfo, CrlInfo, IssuedCert, Revocation,
};
use crate::api::{ApiError, ErrorCode, Home, PassphraseSource};
use crate::keystore;
use crate::pki::cert::{Cert, rfc3339};
use crate::pki::issue::{
    self, IssueError, KeyAlgorithm, MailboxCertRequest, RevocationReason, RevokedEntry,
};
use crate::pki::keys::PrivateKey;
use crate::pki::pkcs12::{self, Pkcs12Format};
use crate::store::{CaSettings, CertKind, IssuedRecord};

impl From<IssueError> for ApiError {
    fn from(e: IssueError) -> Self {
        let code = match e {
            IssueError::Encoding(_) | IssueError::Key(_) => ErrorCode::Storage,
            _ => ErrorCode::BadInput,
        };
        ApiError::new(code, e.to_string())
    }
}

/// Days a CRL stays current unless told otherwise (SBR §4.10: at most 10 days for a CRL of
/// subscriber certificates).
pub const DEFAULT_CRL_DAYS: u32 = 7;
const MAX_CRL_DAYS: u32 = 10;

fn pending_aad(spki_id: &str) -> Vec<u8> {
    format!("pending:{spki_id}").into_bytes()
}

impl Home {
    /// The certificate and private key of one of this home's CAs.
    fn own_ca(
        &self,
        selector: &str,
        passphrase: PassphraseSource,
    ) -> Result<(Cert, PrivateKey), ApiError> {
        let ca = self.select(selector)?;
        if !ca.is_ca() || self.store.private_key(&ca.fingerprint())?.is_none() {
            return Err(ApiError::new(
                ErrorCode::BadInput,
                format!(
                    "{} is not a certification authority of this home (no private key)",
                    ca.subject()
                ),
            ));
        }
        let key = self.private_key(&ca, passphrase)?;
        Ok((ca, key))
    }

    /// Creates a self-signed CA, keeps its key wrapped in this home and trusts it as an anchor.
    pub fn ca_create(
        &self,
        name: &str,
        key: KeyAlgorithm,
        days: u32,
        publication: &CaPublication,
        passphrase: PassphraseSource,
    ) -> Result<CertDto, ApiError> {
        for url in [&publication.crl_url, &publication.ca_issuers_url]
            .into_iter()
            .flatten()
        {
            issue::check_crl_url(url)?;
        }
        // Unlock first: nothing is generated or stored if the keystore is unavailable.
        let ks = self.keystore(passphrase)?;
        let kek = keystore::key_encryption_key(ks.as_ref())?;
        let private = key.generate().map_err(IssueError::from)?;
        let cert = issue::self_signed_ca(&private, name, days, self.now())?;
        let pkcs8 = private.to_pkcs8_der().map_err(IssueError::from)?;
        let fp = cert.fingerprint();
        let wrapped = kek.wrap(fp.as_bytes(), &pkcs8);
        self.store.put_cert(&cert, CertKind::Authority)?;
        self.store.put_private_key(&fp, &wrapped)?;
        self.store.set_trusted(&fp, true)?;
        self.store.set_ca_settings(
            &fp,
            &CaSettings {
                crl_url: publication.crl_url.clone(),
                ca_issuers_url: publication.ca_issuers_url.clone(),
            },
        )?;
        self.dto(&cert)
    }

    /// Issues a mailbox-validated (strict) certificate with a fresh key and returns it with a
    /// `.p12` holding the key, the certificate and the CA certificate. `friendly_name` becomes
    /// the `.p12` friendlyName (a personal name may not appear in a mailbox-validated subject).
    #[allow(clippy::too_many_arguments)]
    pub fn ca_issue(
        &self,
        ca_selector: &str,
        emails: &[String],
        friendly_name: Option<&str>,
        key: KeyAlgorithm,
        days: u32,
        p12_password: &str,
        passphrase: PassphraseSource,
    ) -> Result<IssuedCert, ApiError> {
        if p12_password.is_empty() {
            return Err(ApiError::new(
                ErrorCode::BadInput,
                "the .p12 needs a password: it holds a private key",
            ));
        }
        let (ca, ca_key) = self.own_ca(ca_selector, passphrase)?;
        let settings = self.store.ca_settings(&ca.fingerprint())?;
        let subscriber = key.generate().map_err(IssueError::from)?;
        let spki = subscriber
            .public()
            .to_spki_der()
            .map_err(IssueError::from)?;
        let at = self.now();
        let cert = issue::issue_mailbox(
            &ca,
            &ca_key,
            &MailboxCertRequest {
                emails,
                spki_der: &spki,
                days,
                crl_url: settings.crl_url.as_deref(),
                ca_issuers_url: settings.ca_issuers_url.as_deref(),
                now: at,
            },
        )?;
        let pkcs8 = subscriber.to_pkcs8_der().map_err(IssueError::from)?;
        let name = friendly_name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .or_else(|| cert.emails().first().cloned())
            .unwrap_or_else(|| "sealpost".into());
        let p12 = pkcs12::write(
            &pkcs8,
            &cert,
            std::slice::from_ref(&ca),
            &name,
            p12_password,
            Pkcs12Format::Modern,
        )?;
        let serial = hex::encode(cert.x509().tbs_certificate().serial_number().as_bytes());
        self.store.put_cert(&cert, CertKind::Person)?;
        self.store.record_issued(&IssuedRecord {
            fingerprint: cert.fingerprint(),
            ca_fingerprint: ca.fingerprint(),
            serial: serial.clone(),
            not_after: cert.not_after(),
            issued_at: at,
            revoked_at: None,
            reason: None,
        })?;
        Ok(IssuedCert {
            cert: self.dto(&cert)?,
            ca_fingerprint: ca.fingerprint(),
            serial,
            p12: zeroize::Zeroizing::new(p12),
        })
    }

    /// Revokes a certificate one of this home's CAs issued; the next CRL lists it.
    pub fn ca_revoke(
        &self,
        selector: &str,
        reason: RevocationReason,
    ) -> Result<Revocation, ApiError> {
        let cert = self.select(selector)?;
        let fp = cert.fingerprint();
        let rec = self.store.issued(&fp)?.ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                format!("{} was not issued by a CA of this home", cert.subject()),
            )
        })?;
        if let Some(at) = rec.revoked_at {
            return Err(ApiError::new(
                ErrorCode::BadInput,
                format!("{} was already revoked on {}", cert.subject(), rfc3339(at)),
            ));
        }
        let at = self.now();
        self.store.revoke(&fp, at, reason.code())?;
        Ok(Revocation {
            fingerprint: fp,
            subject: cert.subject(),
            serial: rec.serial,
            ca_fingerprint: rec.ca_fingerprint,
            reason,
            revoked_at: rfc3339(at),
        })
    }

    /// Whether one of this home's CAs revoked `cert`: the revocation time and reason.
    pub fn revocation_of(&self, cert: &Cert) -> Result<Option<(u64, RevocationReason)>, ApiError> {
        Ok(self.store.issued(&cert.fingerprint())?.and_then(|r| {
            r.revoked_at.map(|at| {
                (
                    at,
                    r.reason
                        .and_then(RevocationReason::from_code)
                        .unwrap_or(RevocationReason::Unspecified),
                )
            })
        }))
    }

    /// Signs a CRL v2 of everything the CA revoked, current for `days` (1..=10).
    pub fn ca_crl(
        &self,
        ca_selector: &str,
        days: u32,
        passphrase: PassphraseSource,
    ) -> Result<CrlInfo, ApiError> {
        if days == 0 || days > MAX_CRL_DAYS {
            return Err(ApiError::new(
                ErrorCode::BadInput,
                format!("a CRL is current for 1..={MAX_CRL_DAYS} days"),
            ));
        }
        let (ca, ca_key) = self.own_ca(ca_selector, passphrase)?;
        let fp = ca.fingerprint();
        let mut entries = Vec::new();
        let mut revoked = Vec::new();
        for r in self.store.revoked_by(&fp)? {
            let reason = r
                .reason
                .and_then(RevocationReason::from_code)
                .unwrap_or(RevocationReason::Unspecified);
            let revoked_at = r.revoked_at.unwrap_or(r.issued_at);
            let serial = hex::decode(&r.serial).map_err(|_| {
                ApiError::new(ErrorCode::Storage, "a stored serial number is damaged")
            })?;
            entries.push(RevokedEntry {
                serial,
                revoked_at,
                reason,
            });
            revoked.push(CrlEntryInfo {
                serial: r.serial,
                reason,
                revoked_at: rfc3339(revoked_at),
            });
        }
        let this_update = self.now();
        let next_update = this_update + u64::from(days) * 86_400;
        let crl_number = self.store.take_crl_number(&fp)?;
        let der = issue::build_crl(&ca, &ca_key, &entries, crl_number, this_update, next_update)?;
        Ok(CrlInfo {
            ca_fingerprint: fp,
            crl_number,
            this_update: rfc3339(this_update),
            next_update: rfc3339(next_update),
            revoked,
            der,
        })
    }

    /// Makes a key and a PKCS#10 request for `emails`. The key waits, wrapped, in this home;
    /// importing the certificate a CA issues for it makes it an identity.
    pub fn cert_request(
        &self,
        emails: &[String],
        key: KeyAlgorithm,
        passphrase: PassphraseSource,
    ) -> Result<CertRequest, ApiError> {
        let ks = self.keystore(passphrase)?;
        let kek = keystore::key_encryption_key(ks.as_ref())?;
        let private = key.generate().map_err(IssueError::from)?;
        let csr = issue::build_csr(&private, emails)?;
        let spki = private.public().to_spki_der().map_err(IssueError::from)?;
        let id = issue::spki_id(&spki);
        let pkcs8 = private.to_pkcs8_der().map_err(IssueError::from)?;
        let wrapped = kek.wrap(&pending_aad(&id), &pkcs8);
        let emails: Vec<String> = emails.iter().map(|e| e.trim().to_string()).collect();
        self.store.put_pending_key(&id, &wrapped, &emails)?;
        Ok(CertRequest {
            key_id: id,
            emails,
            key: private.public().kind().label(),
            pem: crate::pki::to_pem("CERTIFICATE REQUEST", &csr),
        })
    }

    /// If a request key waits for `cert`, moves it under the certificate and makes the
    /// certificate an identity. Returns whether it did.
    pub(crate) fn pair_pending_key(
        &self,
        cert: &Cert,
        kek: &mut Option<keystore::Kek>,
        passphrase: PassphraseSource,
    ) -> Result<bool, ApiError> {
        let id = issue::spki_id(&cert.spki_der());
        let Some(pending) = self.store.pending_key(&id)? else {
            return Ok(false);
        };
        if cert.is_ca() {
            return Ok(false);
        }
        let kek = match kek {
            Some(k) => k,
            None => {
                let ks = self.keystore(passphrase)?;
                kek.insert(keystore::key_encryption_key(ks.as_ref())?)
            }
        };
        let pkcs8: Zeroizing<Vec<u8>> = kek.unwrap(&pending_aad(&id), &pending.wrapped)?;
        let key = PrivateKey::from_pkcs8_der(&pkcs8)
            .map_err(|e| ApiError::new(ErrorCode::Storage, format!("waiting key: {e}")))?;
        if !key.matches_spki(&cert.spki_der()) {
            return Ok(false);
        }
        let fp = cert.fingerprint();
        let wrapped = kek.wrap(fp.as_bytes(), &pkcs8);
        self.store.put_cert(cert, CertKind::Identity)?;
        self.store.put_private_key(&fp, &wrapped)?;
        self.store.delete_pending_key(&id)?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ErrorCode;

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

    fn ca(home: &Home, name: &str) -> CertDto {
        home.ca_create(
            name,
            KeyAlgorithm::P256,
            365,
            &CaPublication::default(),
            &pass,
        )
        .unwrap()
    }

    #[test]
    fn an_unambiguous_common_name_selects_and_an_ambiguous_one_is_refused() {
        let (_dir, home) = home();
        let a = ca(&home, "Example Root CA");
        // Spaces and case as given; a hex-looking name falls back from fingerprints to names.
        assert_eq!(
            home.select("Example Root CA").unwrap().fingerprint(),
            a.info.fingerprint
        );
        assert_eq!(
            home.select("example root ca").unwrap_err().code,
            ErrorCode::NotFound
        );
        let hex = ca(&home, "CAFEBABE");
        assert_eq!(
            home.select("CAFEBABE").unwrap().fingerprint(),
            hex.info.fingerprint
        );
        // Every command that takes a selector resolves it the same way.
        let issued = home
            .ca_issue(
                "Example Root CA",
                &["nina@example.test".to_string()],
                None,
                KeyAlgorithm::P256,
                30,
                "pw",
                &pass,
            )
            .unwrap();
        assert_eq!(issued.ca_fingerprint, a.info.fingerprint);
        // The subscriber's common name is its address.
        assert_eq!(
            home.show("nina@example.test").unwrap().info.fingerprint,
            issued.cert.info.fingerprint
        );
        home.ca_crl("Example Root CA", 7, &pass).unwrap();
        // A second CA with the same name makes the name ambiguous.
        ca(&home, "Example Root CA");
        let e = home.select("Example Root CA").unwrap_err();
        assert_eq!(e.code, ErrorCode::Ambiguous, "{}", e.message);
        let e = home.ca_crl("Example Root CA", 7, &pass).unwrap_err();
        assert_eq!(e.code, ErrorCode::Ambiguous);
        // The fingerprint still picks one.
        home.ca_crl(&a.info.fingerprint[..12], 7, &pass).unwrap();
    }

    #[test]
    fn only_own_cas_issue_and_crl_numbers_increase() {
        let (_dir, home) = home();
        let root = ca(&home, "Numbers CA");
        let first = home.ca_crl("Numbers CA", 7, &pass).unwrap();
        let second = home.ca_crl("Numbers CA", 7, &pass).unwrap();
        assert_eq!((first.crl_number, second.crl_number), (1, 2));
        assert!(second.revoked.is_empty());
        for days in [0, 11] {
            assert_eq!(
                home.ca_crl("Numbers CA", days, &pass).unwrap_err().code,
                ErrorCode::BadInput
            );
        }
        let issued = home
            .ca_issue(
                "Numbers CA",
                &["olga@example.test".into(), "o@example.test".into()],
                Some("Olga"),
                KeyAlgorithm::P256,
                30,
                "pw",
                &pass,
            )
            .unwrap();
        assert_eq!(issued.cert.kind, CertKind::Person);
        // The .p12 opens with its password and carries key, certificate and CA.
        let id = pkcs12::parse(&issued.p12, "pw").unwrap();
        assert_eq!(id.cert.fingerprint(), issued.cert.info.fingerprint);
        assert_eq!(id.chain.len(), 1);
        assert_eq!(id.chain[0].fingerprint(), root.info.fingerprint);
        // An end-entity certificate, or a CA without its key here, does not issue.
        let e = home
            .ca_issue(
                "olga@example.test",
                &["x@example.test".into()],
                None,
                KeyAlgorithm::P256,
                30,
                "pw",
                &pass,
            )
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::BadInput);
        let e = home
            .ca_issue(
                "Numbers CA",
                &["x@example.test".into()],
                None,
                KeyAlgorithm::P256,
                30,
                "",
                &pass,
            )
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::BadInput, "empty .p12 password");
        let r = home
            .ca_revoke("o@example.test", RevocationReason::Superseded)
            .unwrap();
        assert_eq!(r.serial, issued.serial);
        let third = home.ca_crl("Numbers CA", 7, &pass).unwrap();
        assert_eq!(third.crl_number, 3);
        assert_eq!(third.revoked.len(), 1);
        assert_eq!(third.revoked[0].serial, issued.serial);
        assert_eq!(third.revoked[0].reason, RevocationReason::Superseded);
        // A certificate not issued here cannot be revoked here.
        assert_eq!(
            home.ca_revoke("Numbers CA", RevocationReason::KeyCompromise)
                .unwrap_err()
                .code,
            ErrorCode::NotFound
        );
    }

    #[test]
    fn a_request_key_pairs_with_its_certificate_on_import() {
        let (_dir, home) = home();
        let req = home
            .cert_request(&["pia@example.test".into()], KeyAlgorithm::P256, &pass)
            .unwrap();
        assert!(req.pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----"));
        // A CA elsewhere (here: a second home) certifies the requested key.
        let (_dir2, other) = self::home();
        other
            .ca_create(
                "Other CA",
                KeyAlgorithm::P256,
                365,
                &CaPublication::default(),
                &pass,
            )
            .unwrap();
        let (ca_cert, ca_key) = other.own_ca("Other CA", &pass).unwrap();
        let csr = crate::pki::pem_blocks(&req.pem).remove(0).1;
        let csr = <x509_cert::request::CertReq as der::Decode>::from_der(&csr).unwrap();
        let spki = der::Encode::to_der(&csr.info.public_key).unwrap();
        let cert = issue::issue_mailbox(
            &ca_cert,
            &ca_key,
            &MailboxCertRequest {
                emails: &["pia@example.test".to_string()],
                spki_der: &spki,
                days: 30,
                crl_url: None,
                ca_issuers_url: None,
                now: home.now(),
            },
        )
        .unwrap();
        // Importing an unrelated certificate pairs nothing.
        let stranger = other.select("Other CA").unwrap();
        let r = home
            .import(
                "ca.pem",
                &crate::pki::to_pem("CERTIFICATE", stranger.der()).into_bytes(),
                None,
                &pass,
            )
            .unwrap();
        assert_eq!(r.imported[0].kind, CertKind::Authority);
        let r = home
            .import(
                "pia.pem",
                &crate::pki::to_pem("CERTIFICATE", cert.der()).into_bytes(),
                None,
                &pass,
            )
            .unwrap();
        assert_eq!(r.imported[0].kind, CertKind::Identity);
        assert!(home.store.pending_key(&req.key_id).unwrap().is_none());
        // The identity signs.
        let msg = b"From: pia@example.test\r\nTo: x@example.test\r\nSubject: t\r\n\r\nhi\r\n";
        home.sign_message(msg, "pia@example.test", false, &pass)
            .unwrap();
    }

    /// The DTOs the app will receive render as TypeScript, without the byte payloads.
    /// (They join `ui/src/lib/ipc/types.ts` when the app takes these use cases up.)
    #[test]
    fn new_dtos_render_for_typescript() {
        use crate::api::json::{CertCheck, CheckItem, CheckLevel, CheckLine};
        use ts_rs::{Config, TS};
        let cfg = Config::new();
        let all = [
            IssuedCert::decl(&cfg),
            Revocation::decl(&cfg),
            CrlInfo::decl(&cfg),
            CrlEntryInfo::decl(&cfg),
            CertRequest::decl(&cfg),
            CaPublication::decl(&cfg),
            KeyAlgorithm::decl(&cfg),
            RevocationReason::decl(&cfg),
            CertCheck::decl(&cfg),
            CheckLine::decl(&cfg),
            CheckLevel::decl(&cfg),
            CheckItem::decl(&cfg),
        ]
        .join("\n");
        for want in [
            "type IssuedCert = { cert: CertDto,",
            "crl_number: number",
            "\"key-compromise\"",
            "\"rsa3072\"",
            "usable: boolean",
            "expiry_warning: number | null",
            "\"private-key\"",
        ] {
            assert!(all.contains(want), "{want:?} not in\n{all}");
        }
        assert!(!all.contains("p12") && !all.contains("der:"), "{all}");
    }
}
