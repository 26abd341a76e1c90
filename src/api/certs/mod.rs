//! Certificates: import (PEM, DER, PKCS#7, PKCS#12), the list, selecting one, its trust
//! verdict, trusting and un-trusting an authority, deleting, exporting; with the self-test,
//! continuity of correspondents' keys and revocation in the sibling modules.

pub mod check;
pub mod continuity;
pub mod revocation;

use zeroize::Zeroizing;

use crate::api::json::{
    CertDto, CertListEntry, CertShown, ExportFormat, ImportResult, TrustVerdict,
};
use crate::api::{ApiError, ErrorCode, Home, PassphraseSource};
use crate::keystore;
use crate::pki::cert::Cert;
use crate::pki::pkcs12::{self, Pkcs12Format};
use crate::pki::validate::{self, AnchorInfo, AnchorSource, Purpose, TrustContext};
use crate::store::CertKind;

impl Home {
    pub(crate) fn dto(&self, cert: &Cert) -> Result<CertDto, ApiError> {
        let fp = cert.fingerprint();
        let stored = self.store.by_fingerprint_prefix(&fp)?;
        let (kind, trusted) = stored
            .first()
            .map(|s| (s.kind, s.trusted))
            .unwrap_or((CertKind::Person, false));
        let pool: Vec<Cert> = self.store.all()?.into_iter().map(|s| s.cert).collect();
        let anchors = self.store.anchors()?;
        let ctx = TrustContext::new(&anchors, &pool, self.now());
        Ok(CertDto {
            kind,
            trusted,
            trusted_path: authority_trusted(cert, &ctx),
            info: cert.info(),
            revocation: self.revocation_info(cert)?,
        })
    }

    pub(crate) fn put_public(&self, cert: &Cert) -> Result<(), ApiError> {
        let kind = if cert.is_ca() {
            CertKind::Authority
        } else {
            CertKind::Person
        };
        self.store.put_cert(cert, kind)?;
        Ok(())
    }

    /// Imports a file by its name: `.p12`/`.pfx` as an identity (needs `password`), anything
    /// else as public certificates (PEM, DER, PKCS#7).
    pub fn import(
        &self,
        name: &str,
        data: &[u8],
        password: Option<&dyn Fn() -> Result<Zeroizing<String>, ApiError>>,
        passphrase: PassphraseSource,
    ) -> Result<ImportResult, ApiError> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".p12") || lower.ends_with(".pfx") {
            let password = password
                .ok_or_else(|| ApiError::new(ErrorCode::BadInput, "a password is needed"))?(
            )?;
            let id = pkcs12::parse(data, &password)?;
            let ks = self.keystore(passphrase)?;
            let kek = keystore::key_encryption_key(ks.as_ref())?;
            let fp = id.cert.fingerprint();
            let wrapped = kek.wrap(fp.as_bytes(), &id.key_pkcs8);
            self.store.put_cert(&id.cert, CertKind::Identity)?;
            self.store.put_private_key(&fp, &wrapped)?;
            let mut imported = vec![self.dto(&id.cert)?];
            for c in &id.chain {
                self.put_public(c)?;
                imported.push(self.dto(c)?);
            }
            return Ok(ImportResult {
                imported,
                crls: Vec::new(),
            });
        }
        if lower.ends_with(".crl") {
            return Ok(ImportResult {
                imported: Vec::new(),
                crls: vec![self.import_crl(name, data)?],
            });
        }
        let certs = match crate::cms::parse_certificates(data) {
            Ok(c) => c,
            // A CRL under another name (.pem, .der) is still a CRL.
            Err(e) => match crate::pki::revocation::crl::Crl::parse(data) {
                Ok(_) => {
                    return Ok(ImportResult {
                        imported: Vec::new(),
                        crls: vec![self.import_crl(name, data)?],
                    });
                }
                Err(_) => {
                    return Err(ApiError::new(ErrorCode::BadInput, format!("{name}: {e}")));
                }
            },
        };
        let mut imported = Vec::new();
        // Unlocked only if a certificate answers one of our own requests.
        let mut kek = None;
        for c in &certs {
            self.put_public(c)?;
            self.pair_pending_key(c, &mut kek, passphrase)?;
            imported.push(self.dto(c)?);
        }
        Ok(ImportResult {
            imported,
            crls: Vec::new(),
        })
    }

    pub fn list(&self) -> Result<Vec<CertDto>, ApiError> {
        let all = self.store.all()?;
        let pool: Vec<Cert> = all.iter().map(|s| s.cert.clone()).collect();
        let mode = self.store.revocation_mode()?;
        let at = self.now();
        let anchors = self.store.anchors()?;
        let ctx = TrustContext::new(&anchors, &pool, at);
        all.iter()
            .map(|s| {
                let issuer = Self::issuer_in(&s.cert, &pool);
                Ok(CertDto {
                    kind: s.kind,
                    trusted: s.trusted,
                    trusted_path: authority_trusted(&s.cert, &ctx),
                    info: s.cert.info(),
                    revocation: self.revocation_info_in(&s.cert, issuer, mode, at)?,
                })
            })
            .collect()
    }

    /// Resolves a selector: an e-mail address, a SHA-256 fingerprint prefix (>= 8 hex digits),
    /// or an unambiguous common name.
    pub fn select(&self, selector: &str) -> Result<Cert, ApiError> {
        let sel = selector.trim();
        let by_common_name = || -> Result<Vec<_>, ApiError> {
            Ok(self
                .store
                .all()?
                .into_iter()
                .filter(|s| s.cert.common_name().as_deref() == Some(sel))
                .collect())
        };
        let found = if sel.contains('@') {
            // A mailbox-validated certificate's common name is its address, so an address
            // matches through the address table already.
            self.store.by_email(sel)?
        } else if sel.len() >= 8 && sel.chars().all(|c| c.is_ascii_hexdigit()) {
            // A common name may look like hex ("CAFEBABE"): fall back to it.
            let by_fp = self.store.by_fingerprint_prefix(sel)?;
            if by_fp.is_empty() {
                by_common_name()?
            } else {
                by_fp
            }
        } else {
            by_common_name()?
        };
        match found.len() {
            0 => Err(ApiError::new(
                ErrorCode::NotFound,
                format!("no certificate matches {sel:?}"),
            )),
            1 => Ok(found
                .into_iter()
                .next()
                .map(|s| s.cert)
                .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no certificate"))?),
            n => {
                // Several for one address: prefer an identity, then the newest.
                if sel.contains('@')
                    && let Some(id) = found.iter().find(|s| s.kind == CertKind::Identity)
                {
                    return Ok(id.cert.clone());
                }
                Err(ApiError::new(
                    ErrorCode::Ambiguous,
                    format!("{n} certificates match {sel:?}; give a longer fingerprint prefix"),
                ))
            }
        }
    }

    pub fn show(&self, selector: &str) -> Result<CertDto, ApiError> {
        let c = self.select(selector)?;
        self.dto(&c)
    }

    /// [`Home::show`] with the trust verdict now: which anchor, built in or the user's.
    pub fn show_with_trust(&self, selector: &str) -> Result<(CertDto, TrustVerdict), ApiError> {
        let c = self.select(selector)?;
        Ok((self.dto(&c)?, self.trust_verdict(&c, self.now())?))
    }

    /// How `cert` is trusted at `at`: as an anchor itself, or through the path to one (for an
    /// end entity, fit for signing, else for encryption).
    pub fn trust_verdict(&self, cert: &Cert, at: u64) -> Result<TrustVerdict, ApiError> {
        let anchors = self.store.anchors()?;
        let pool: Vec<Cert> = self.store.all()?.into_iter().map(|s| s.cert).collect();
        let ctx = TrustContext::new(&anchors, &pool, at);
        if anchors.iter().any(|a| a == cert) {
            return Ok(TrustVerdict {
                trusted_path: true,
                trust: "You trust this authority: certificates it issues are accepted".into(),
                anchor: Some(AnchorInfo {
                    name: cert.common_name().unwrap_or_else(|| cert.subject()),
                    source: AnchorSource::User,
                    fingerprint: cert.fingerprint(),
                }),
                reason_code: None,
            });
        }
        if let Some(b) = ctx.builtin.iter().find(|b| &b.cert == cert) {
            return Ok(TrustVerdict {
                trusted_path: true,
                trust: format!(
                    "{} is a root of the Mozilla root program, trusted for e-mail",
                    b.name
                ),
                anchor: Some(AnchorInfo {
                    name: b.name.clone(),
                    source: AnchorSource::Mozilla,
                    fingerprint: cert.fingerprint(),
                }),
                reason_code: None,
            });
        }
        let result = if cert.is_ca() {
            validate::validate_path(cert, &ctx)
        } else if cert.sign_problem().is_none() {
            validate::validate(cert, Purpose::Sign, &ctx)
        } else {
            validate::validate(cert, Purpose::Encrypt, &ctx)
        };
        Ok(match result {
            Ok(path) => TrustVerdict {
                trusted_path: true,
                trust: path.anchor.wording(),
                anchor: Some(path.anchor),
                reason_code: None,
            },
            Err(e) => TrustVerdict {
                trusted_path: false,
                trust: format!("Not trusted: {e}"),
                anchor: None,
                reason_code: Some(e.kind()),
            },
        })
    }

    pub fn trust(&self, selector: &str) -> Result<CertDto, ApiError> {
        let c = self.select(selector)?;
        if !c.is_ca() && !c.is_self_issued() {
            return Err(ApiError::new(
                ErrorCode::BadInput,
                format!("{} is not a certification authority", c.subject()),
            ));
        }
        self.store.set_trusted(&c.fingerprint(), true)?;
        self.dto(&c)
    }

    /// Stops trusting an authority the user trusted: signatures from the people it certified
    /// are no longer valid unless another trusted path exists. The certificate stays.
    pub fn untrust(&self, selector: &str) -> Result<CertDto, ApiError> {
        let c = self.select(selector)?;
        self.store.set_trusted(&c.fingerprint(), false)?;
        self.dto(&c)
    }

    pub fn delete(&self, selector: &str) -> Result<CertDto, ApiError> {
        let c = self.select(selector)?;
        let dto = self.dto(&c)?;
        self.store.delete_cert(&c.fingerprint())?;
        Ok(dto)
    }

    /// The issuers of `cert` known to this home, nearest first, the root included.
    pub fn issuers_of(&self, cert: &Cert) -> Result<Vec<Cert>, ApiError> {
        let pool: Vec<Cert> = self.store.all()?.into_iter().map(|s| s.cert).collect();
        let mut chain: Vec<Cert> = Vec::new();
        let mut cur = cert.clone();
        for _ in 0..8 {
            if cur.is_self_issued() {
                break;
            }
            let Some(issuer) = pool.iter().find(|c| {
                c.subject_der() == cur.issuer_der()
                    && *c != &cur
                    && validate::issued_by(&cur, c).is_ok()
            }) else {
                break;
            };
            if chain.contains(issuer) {
                break;
            }
            chain.push(issuer.clone());
            cur = issuer.clone();
        }
        Ok(chain)
    }

    /// The chain sent with our signatures: the known issuers without self-signed roots.
    pub(crate) fn chain_for(&self, cert: &Cert) -> Result<Vec<Cert>, ApiError> {
        let mut chain = self.issuers_of(cert)?;
        chain.retain(|c| !c.is_self_issued());
        Ok(chain)
    }

    pub fn export(
        &self,
        selector: &str,
        format: ExportFormat,
        password: Option<&str>,
        passphrase: PassphraseSource,
    ) -> Result<Vec<u8>, ApiError> {
        let c = self.select(selector)?;
        Ok(match format {
            ExportFormat::Der => c.der().to_vec(),
            ExportFormat::Pem => crate::pki::to_pem("CERTIFICATE", c.der()).into_bytes(),
            ExportFormat::P7c => crate::cms::sign::certs_only(&[c])
                .map_err(|e| ApiError::new(ErrorCode::BadInput, e.to_string()))?,
            ExportFormat::P12 => {
                let password = password.ok_or_else(|| {
                    ApiError::new(ErrorCode::BadInput, "a password for the .p12 is needed")
                })?;
                let key = self.private_key(&c, passphrase)?;
                let pkcs8 = key
                    .to_pkcs8_der()
                    .map_err(|e| ApiError::new(ErrorCode::Storage, e.to_string()))?;
                let chain = self.chain_for(&c)?;
                let name = c
                    .emails()
                    .first()
                    .cloned()
                    .or_else(|| c.common_name())
                    .unwrap_or_else(|| "sealpost".into());
                pkcs12::write(&pkcs8, &c, &chain, &name, password, Pkcs12Format::Modern)?
            }
        })
    }
}

/// An authority that is, or chains to, a trusted anchor (false for anyone else's certificate).
fn authority_trusted(cert: &Cert, ctx: &TrustContext) -> bool {
    cert.is_ca() && validate::validate_path(cert, ctx).is_ok()
}

impl Home {
    /// Every certificate with the expiry warning of the user's own identities (`sealpost cert
    /// list`).
    pub fn list_with_warnings(&self) -> Result<Vec<CertListEntry>, ApiError> {
        let notices = self.expiry_notices(self.now())?;
        Ok(self
            .list()?
            .into_iter()
            .map(|cert| {
                let expiry_warning = notices
                    .iter()
                    .find(|n| n.fingerprint == cert.info.fingerprint)
                    .map(|n| n.threshold);
                CertListEntry {
                    cert,
                    expiry_warning,
                }
            })
            .collect())
    }

    /// A certificate with its trust verdict and the other certificates of its mailbox
    /// (`sealpost cert show`).
    pub fn show_certificate(&self, selector: &str) -> Result<CertShown, ApiError> {
        let (mut cert, verdict) = self.show_with_trust(selector)?;
        let history = self.cert_history(&self.select(&cert.info.fingerprint)?)?;
        cert.trusted_path = verdict.trusted_path;
        Ok(CertShown {
            cert,
            trust: verdict.trust,
            anchor: verdict.anchor,
            reason_code: verdict.reason_code,
            history,
        })
    }
}
