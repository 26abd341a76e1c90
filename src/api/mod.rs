//! Use cases shared by the `sealpost` CLI and the desktop app. Each takes and returns plain
//! data (DTOs that serialise to the JSON both front ends show); errors carry a small
//! [`ErrorCode`] the front ends branch on and a plain-words message.

pub mod address;
#[cfg(test)]
mod bindings;
pub mod ca;
pub mod check;
pub mod continuity;
pub mod mail;
pub mod mail_desk;
pub mod message;
pub mod report;
pub mod revocation;
pub mod session;

use std::path::{Path, PathBuf};

use serde::Serialize;
use zeroize::Zeroizing;

use crate::cms::envelope::{ContentCipher, KeyHolder, Recipient, RsaTransport};
use crate::keystore::{self, Kek, KeyStore, KeyStoreError, file::FileKeyStore, os::OsKeyStore};
use crate::pki::cert::{Cert, CertInfo};
use crate::pki::keys::PrivateKey;
use crate::pki::pkcs12::{self, Pkcs12Error, Pkcs12Format};
use crate::pki::validate::{self, AnchorInfo, AnchorSource, Purpose, TrustContext};
use crate::smime::{self, SmimeError};
use crate::store::{CertKind, Store, StoreError, StoredCert};
pub use report::{Report, SignatureReport};

/// What a front end branches on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    BadInput,
    NotFound,
    Ambiguous,
    WrongPassword,
    KeystoreUnavailable,
    /// The passphrase-protected key file must be unlocked first.
    KeystoreLocked,
    DecryptionFailed,
    SignatureInvalid,
    Storage,
    /// A mail server could not be reached or used (DNS, TCP, TLS, timeout, refusal); the
    /// message names the server and the stage.
    Network,
}

#[derive(Debug, Serialize, thiserror::Error)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::new(ErrorCode::Storage, e.to_string())
    }
}

impl From<KeyStoreError> for ApiError {
    fn from(e: KeyStoreError) -> Self {
        let code = match e {
            KeyStoreError::Unavailable { .. } => ErrorCode::KeystoreUnavailable,
            KeyStoreError::WrongPassphrase => ErrorCode::WrongPassword,
            _ => ErrorCode::Storage,
        };
        ApiError::new(code, e.to_string())
    }
}

impl From<Pkcs12Error> for ApiError {
    fn from(e: Pkcs12Error) -> Self {
        let code = match e {
            Pkcs12Error::WrongPassword => ErrorCode::WrongPassword,
            _ => ErrorCode::BadInput,
        };
        ApiError::new(code, e.to_string())
    }
}

impl From<SmimeError> for ApiError {
    fn from(e: SmimeError) -> Self {
        use crate::cms::CmsError;
        let code = match &e {
            SmimeError::Cms(CmsError::DecryptionFailed) => ErrorCode::DecryptionFailed,
            SmimeError::Cms(CmsError::NoRecipientKey) => ErrorCode::NotFound,
            SmimeError::Cms(CmsError::ContentTwice | CmsError::NoContent) => {
                ErrorCode::SignatureInvalid
            }
            SmimeError::NotSmime => ErrorCode::SignatureInvalid,
            _ => ErrorCode::BadInput,
        };
        ApiError::new(code, e.to_string())
    }
}

/// A source of the file keystore's passphrase (a prompt, a file), asked only when needed.
pub type PassphraseSource<'a> = &'a dyn Fn() -> Result<Zeroizing<String>, ApiError>;

/// A Sealpost data directory: the database plus the choice of keystore.
pub struct Home {
    dir: PathBuf,
    store: Store,
    /// The key-encryption key, when a caller asked to hold it ([`Home::hold_keys`]).
    held_kek: std::sync::Mutex<Option<Kek>>,
}

/// The platform data directory, unless overridden.
pub fn default_home() -> PathBuf {
    directories::ProjectDirs::from("org", "Sealpost", "Sealpost")
        .map(|p| p.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".sealpost"))
}

const META_HOME_ID: &str = "home_id";
const META_KEYSTORE: &str = "keystore";
const KEYFILE: &str = "keys.sealed";

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CertDto {
    pub kind: CertKind,
    /// The user trusts this certificate as an authority (an anchor of this home).
    pub trusted: bool,
    /// An authority that chains to a trusted anchor (the user's or a built-in root) now, or is
    /// one: the list shows the same trust status as the details.
    pub trusted_path: bool,
    #[serde(flatten)]
    pub info: CertInfo,
    /// Revocation status from the cache (never fetched while building this).
    pub revocation: revocation::RevocationInfo,
}

/// Whether and through which anchor a certificate is trusted in this home.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct TrustVerdict {
    /// Whether the certificate chains to an anchor (or is one).
    pub trusted_path: bool,
    /// The verdict in plain words: "Trusted through <root> (Mozilla root program)",
    /// "… (trusted by you)", or "Not trusted: <reason>".
    pub trust: String,
    /// The anchor the path ended at.
    pub anchor: Option<AnchorInfo>,
    /// The precise failure (`path-length`, `name-constraints`, …) when not trusted.
    pub reason_code: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ImportResult {
    pub imported: Vec<CertDto>,
    /// CRLs imported by hand (`.crl`, DER or PEM).
    pub crls: Vec<revocation::CrlImported>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Pem,
    Der,
    P7c,
    P12,
}

/// Which cipher to encrypt with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CipherChoice {
    Auto,
    Fixed(ContentCipher),
}

pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

pub use address::addresses;

impl Home {
    /// Opens (creating if needed) the home at `dir`.
    pub fn open(dir: &Path) -> Result<Home, ApiError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            ApiError::new(
                ErrorCode::Storage,
                format!("cannot create the data directory {}: {e}", dir.display()),
            )
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
        let store = Store::open(&dir.join("sealpost.db"))?;
        if store.meta(META_HOME_ID)?.is_none() {
            let mut id = [0u8; 16];
            rand::Rng::fill_bytes(&mut rand::rng(), &mut id);
            store.set_meta(META_HOME_ID, &hex::encode(id))?;
        }
        Ok(Home {
            dir: dir.to_path_buf(),
            store,
            held_kek: std::sync::Mutex::new(None),
        })
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Checks a passphrase against the key file without changing anything.
    pub fn check_file_keystore(&self, passphrase: &str) -> Result<(), ApiError> {
        FileKeyStore::open(self.dir.join(KEYFILE), passphrase.as_bytes())?;
        Ok(())
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// "os" or "file".
    pub fn keystore_kind(&self) -> Result<String, ApiError> {
        Ok(self
            .store
            .meta(META_KEYSTORE)?
            .unwrap_or_else(|| "os".to_string()))
    }

    /// Switches this home to the passphrase-protected file store (creating it).
    pub fn use_file_keystore(&self, passphrase: &str) -> Result<(), ApiError> {
        if self.has_private_keys()? && self.keystore_kind()? != "file" {
            return Err(ApiError::new(
                ErrorCode::BadInput,
                "this home already holds private keys under the OS keystore; export them first",
            ));
        }
        let path = self.dir.join(KEYFILE);
        if !FileKeyStore::exists(&path) {
            if passphrase.chars().count() < 8 {
                return Err(ApiError::new(
                    ErrorCode::BadInput,
                    "the passphrase must have at least 8 characters",
                ));
            }
            FileKeyStore::create(&path, passphrase.as_bytes())?;
        } else {
            FileKeyStore::open(&path, passphrase.as_bytes())?;
        }
        self.store.set_meta(META_KEYSTORE, "file")?;
        self.forget_held_keys();
        Ok(())
    }

    /// Switches this home to the OS keystore, checking that it is reachable.
    pub fn use_os_keystore(&self) -> Result<(), ApiError> {
        if self.has_private_keys()? && self.keystore_kind()? != "os" {
            return Err(ApiError::new(
                ErrorCode::BadInput,
                "this home already holds private keys under the file keystore",
            ));
        }
        keystore::os::probe()?;
        self.store.set_meta(META_KEYSTORE, "os")?;
        self.forget_held_keys();
        Ok(())
    }

    /// Whether any private key (an identity's, a CA's or a waiting request's) is held.
    fn has_private_keys(&self) -> Result<bool, ApiError> {
        Ok(self.store.private_key_count()? > 0)
    }

    fn keystore(&self, passphrase: PassphraseSource) -> Result<Box<dyn KeyStore>, ApiError> {
        match self.keystore_kind()?.as_str() {
            "file" => {
                let pass = passphrase()?;
                Ok(Box::new(FileKeyStore::open(
                    self.dir.join(KEYFILE),
                    pass.as_bytes(),
                )?))
            }
            _ => {
                let id = self
                    .store
                    .meta(META_HOME_ID)?
                    .ok_or_else(|| ApiError::new(ErrorCode::Storage, "home id missing"))?;
                Ok(Box::new(OsKeyStore::new(&id)?))
            }
        }
    }

    fn dto(&self, cert: &Cert) -> Result<CertDto, ApiError> {
        let fp = cert.fingerprint();
        let stored = self.store.by_fingerprint_prefix(&fp)?;
        let (kind, trusted) = stored
            .first()
            .map(|s| (s.kind, s.trusted))
            .unwrap_or((CertKind::Person, false));
        let pool: Vec<Cert> = self.store.all()?.into_iter().map(|s| s.cert).collect();
        let anchors = self.store.anchors()?;
        let ctx = TrustContext::new(&anchors, &pool, now());
        Ok(CertDto {
            kind,
            trusted,
            trusted_path: authority_trusted(cert, &ctx),
            info: cert.info(),
            revocation: self.revocation_info(cert)?,
        })
    }

    fn put_public(&self, cert: &Cert) -> Result<(), ApiError> {
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
        let certs = match crate::pki::parse_certificates(data) {
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
        let at = now();
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
        Ok((self.dto(&c)?, self.trust_verdict(&c, now())?))
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

    fn private_key(
        &self,
        cert: &Cert,
        passphrase: PassphraseSource,
    ) -> Result<PrivateKey, ApiError> {
        let fp = cert.fingerprint();
        let wrapped = self.store.private_key(&fp)?.ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                format!("no private key for {}", cert.subject()),
            )
        })?;
        unwrap_private_key(&self.kek(passphrase)?, &fp, &wrapped)
    }

    /// Every identity's private key, the key-encryption key unlocked once for all of them.
    fn identity_keys(
        &self,
        identities: &[&StoredCert],
        passphrase: PassphraseSource,
    ) -> Result<Vec<(Cert, PrivateKey)>, ApiError> {
        let mut wrapped = Vec::new();
        for s in identities {
            let fp = s.cert.fingerprint();
            if let Some(w) = self.store.private_key(&fp)? {
                wrapped.push((s.cert.clone(), fp, w));
            }
        }
        if wrapped.is_empty() {
            return Ok(Vec::new());
        }
        let kek = self.kek(passphrase)?;
        wrapped
            .into_iter()
            .map(|(cert, fp, w)| Ok((cert, unwrap_private_key(&kek, &fp, &w)?)))
            .collect()
    }

    /// The key-encryption key: the held one, else unlocked from the keystore now.
    fn kek(&self, passphrase: PassphraseSource) -> Result<Kek, ApiError> {
        if let Some(k) = self.held_kek.lock().ok().and_then(|g| g.clone()) {
            return Ok(k);
        }
        let ks = self.keystore(passphrase)?;
        Ok(keystore::key_encryption_key(ks.as_ref())?)
    }

    /// Unlocks the key-encryption key now and keeps it (zeroized on drop) for this `Home`'s
    /// later calls, so that a one-shot command can pay for the file keystore's Argon2id (64 MiB
    /// of working memory) before it reads a large message, not while holding it. Does nothing
    /// when there are no private keys. Switching keystores forgets it.
    pub fn hold_keys(&self, passphrase: PassphraseSource) -> Result<(), ApiError> {
        if !self.has_private_keys()? {
            return Ok(());
        }
        let ks = self.keystore(passphrase)?;
        let kek = keystore::key_encryption_key(ks.as_ref())?;
        if let Ok(mut g) = self.held_kek.lock() {
            *g = Some(kek);
        }
        Ok(())
    }

    fn forget_held_keys(&self) {
        if let Ok(mut g) = self.held_kek.lock() {
            *g = None;
        }
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
    fn chain_for(&self, cert: &Cert) -> Result<Vec<Cert>, ApiError> {
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

    /// The identity used to sign as `from`.
    fn signing_identity(
        &self,
        from: &str,
        passphrase: PassphraseSource,
    ) -> Result<(Cert, PrivateKey), ApiError> {
        let at = now();
        let candidates: Vec<_> = self
            .store
            .by_email(from)?
            .into_iter()
            .filter(|s| s.kind == CertKind::Identity)
            .collect();
        if candidates.is_empty() {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                format!("no identity (certificate with private key) for {from}"),
            ));
        }
        let usable = candidates
            .iter()
            .find(|s| {
                s.cert.sign_problem().is_none()
                    && s.cert.not_after() >= at
                    && s.cert.not_before() <= at
                    && matches!(self.revoked_own_note(&s.cert), Ok(None))
            })
            .ok_or_else(|| {
                let first = &candidates[0].cert;
                let why = first
                    .sign_problem()
                    .or_else(|| self.revoked_own_note(first).ok().flatten())
                    .unwrap_or_else(|| "it is expired or not yet valid".into());
                ApiError::new(ErrorCode::BadInput, format!("cannot sign as {from}: {why}"))
            })?;
        let key = self.private_key(&usable.cert, passphrase)?;
        Ok((usable.cert.clone(), key))
    }

    fn from_address(entity_outer: &[crate::smime::mime::HeaderField]) -> Option<String> {
        entity_outer
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("From"))
            .and_then(|h| addresses(&h.value()).into_iter().next())
    }

    /// Signs a whole RFC 5322 message.
    pub fn sign_message(
        &self,
        msg: &[u8],
        from: &str,
        opaque: bool,
        passphrase: PassphraseSource,
    ) -> Result<Vec<u8>, ApiError> {
        let (outer, entity) = smime::split_message(msg)?;
        let (cert, key) = self.signing_identity(from, passphrase)?;
        let chain = self.chain_for(&cert)?;
        let signer = smime::SignerParams {
            key: &key,
            cert: &cert,
            chain: &chain,
        };
        let signed = if opaque {
            smime::sign_opaque(&entity, &signer)?
        } else {
            smime::sign_detached(&entity, &signer)?
        };
        Ok(smime::assemble(&outer, &signed))
    }

    /// The certificate to encrypt to for `email`: usable for encryption and valid now.
    pub(crate) fn encryption_cert(&self, email: &str, own: bool) -> Result<Cert, ApiError> {
        let at = now();
        let all = self.store.by_email(email)?;
        let mut reasons = Vec::new();
        for s in &all {
            if own && s.kind != CertKind::Identity {
                continue;
            }
            if let Some(p) = s.cert.encrypt_problem() {
                reasons.push(p);
                continue;
            }
            if let Some(why) = self.revoked_note(&s.cert)? {
                reasons.push(why);
                continue;
            }
            if s.cert.not_after() < at {
                reasons.push(format!(
                    "the certificate expired on {}",
                    crate::pki::cert::rfc3339(s.cert.not_after())
                ));
                continue;
            }
            if s.cert.not_before() > at {
                reasons.push("the certificate is not valid yet".into());
                continue;
            }
            return Ok(s.cert.clone());
        }
        Err(ApiError::new(
            ErrorCode::NotFound,
            if reasons.is_empty() {
                format!("no certificate is known for {email}")
            } else {
                format!("no usable certificate for {email}: {}", reasons.join("; "))
            },
        ))
    }

    /// Encrypts (optionally signing first) a whole RFC 5322 message to `to` and the sender.
    pub fn encrypt_message(
        &self,
        msg: &[u8],
        to: &[String],
        sign_from: Option<&str>,
        cipher: CipherChoice,
        passphrase: PassphraseSource,
    ) -> Result<Vec<u8>, ApiError> {
        Ok(self
            .encrypt_message_detailed(msg.to_vec(), to, sign_from, cipher, passphrase)?
            .0)
    }

    /// [`Home::encrypt_message`], consuming the message (each stage is freed as soon as the next
    /// exists), and naming the content cipher chosen and every address the message was
    /// encrypted to (the sender included).
    pub fn encrypt_message_detailed(
        &self,
        msg: Vec<u8>,
        to: &[String],
        sign_from: Option<&str>,
        cipher: CipherChoice,
        passphrase: PassphraseSource,
    ) -> Result<(Vec<u8>, ContentCipher, Vec<String>), ApiError> {
        let (outer, mut entity) = smime::split_message(&msg)?;
        drop(msg);
        let sender = sign_from
            .map(str::to_string)
            .or_else(|| Self::from_address(&outer));
        let mut certs: Vec<(String, Cert)> = Vec::new();
        for r in to {
            let c = self.encryption_cert(r, false)?;
            if !certs.iter().any(|(_, x)| x == &c) {
                certs.push((r.clone(), c));
            }
        }
        // RFC 8551 §3.3 practice: the sender can read its own sent mail.
        if let Some(s) = &sender
            && let Ok(c) = self.encryption_cert(s, true)
            && !certs.iter().any(|(_, x)| x == &c)
        {
            certs.push((s.clone(), c));
        }
        let caps: Vec<Option<Vec<String>>> = certs
            .iter()
            .map(|(email, c)| {
                if self
                    .store
                    .by_fingerprint_prefix(&c.fingerprint())
                    .ok()
                    .and_then(|v| v.into_iter().next())
                    .is_some_and(|s| s.kind == CertKind::Identity)
                {
                    // Our own client reads everything we send.
                    Some(
                        crate::cms::sign::OUR_CAPABILITIES
                            .iter()
                            .map(|s| s.to_string())
                            .collect(),
                    )
                } else {
                    self.store.capabilities(email).ok().flatten()
                }
            })
            .collect();
        let cipher = match cipher {
            CipherChoice::Fixed(c) => c,
            CipherChoice::Auto => {
                let all_gcm = caps.iter().all(|c| {
                    c.as_ref()
                        .is_some_and(|v| v.iter().any(|o| o == "2.16.840.1.101.3.4.1.46"))
                });
                if all_gcm {
                    ContentCipher::Aes256Gcm
                } else {
                    ContentCipher::Aes256Cbc
                }
            }
        };
        if let Some(from) = sign_from {
            let (cert, key) = self.signing_identity(from, passphrase)?;
            let chain = self.chain_for(&cert)?;
            entity = smime::sign_detached(
                &entity,
                &smime::SignerParams {
                    key: &key,
                    cert: &cert,
                    chain: &chain,
                },
            )?;
        }
        let recipients: Vec<Recipient> = certs
            .iter()
            .zip(caps.iter())
            .map(|((_, c), cap)| Recipient {
                cert: c,
                rsa: if cap
                    .as_ref()
                    .is_some_and(|v| v.iter().any(|o| o == "1.2.840.113549.1.1.7"))
                {
                    RsaTransport::OaepSha256
                } else {
                    RsaTransport::Pkcs1v15
                },
            })
            .collect();
        let enc = smime::encrypt_owned(entity, &recipients, cipher)?;
        let emails = certs.iter().map(|(e, _)| e.clone()).collect();
        Ok((smime::assemble_owned(&outer, enc), cipher, emails))
    }

    /// Unwraps, decrypts and verifies a message. Keys are unlocked only when the message is
    /// encrypted. Certificates and capabilities are harvested from valid signatures only.
    /// A message that is neither signed nor encrypted is an error here (`verify`, `decrypt`).
    pub fn open_message(
        &self,
        msg: Vec<u8>,
        passphrase: PassphraseSource,
    ) -> Result<(Report, Vec<u8>), ApiError> {
        self.open_message_inner(msg, passphrase, false)
    }

    /// [`Home::open_message`] for reading: a plain message is shown as it is, with a report
    /// that says it is neither signed nor encrypted.
    pub fn view_message(
        &self,
        msg: Vec<u8>,
        passphrase: PassphraseSource,
    ) -> Result<(Report, Vec<u8>), ApiError> {
        self.open_message_inner(msg, passphrase, true)
    }

    fn open_message_inner(
        &self,
        msg: Vec<u8>,
        passphrase: PassphraseSource,
        allow_plain: bool,
    ) -> Result<(Report, Vec<u8>), ApiError> {
        let all = self.store.all()?;
        let pool: Vec<Cert> = all.iter().map(|s| s.cert.clone()).collect();
        let anchors = self.store.anchors()?;
        let msg = smime::frame_bare_cms(msg);
        if allow_plain && !smime::is_smime(&msg) {
            return Ok((Report::unprotected(), msg));
        }
        let needs_keys = msg_is_encrypted(&msg);
        let owned_keys = if needs_keys {
            let ids: Vec<&StoredCert> = all
                .iter()
                .filter(|s| s.kind == CertKind::Identity)
                .collect();
            self.identity_keys(&ids, passphrase)?
        } else {
            Vec::new()
        };
        let holders: Vec<KeyHolder> = owned_keys
            .iter()
            .map(|(c, k)| KeyHolder { cert: c, key: k })
            .collect();
        // By value: the message is not held twice while its layers are unwrapped.
        let opened = smime::open_owned(msg, &holders, &pool)?;
        let at = now();
        let mut report = report::build(&opened, &anchors, &pool, at);
        // Revocation from the cache only: no network while a message is opened.
        self.apply_revocations(&mut report, &opened, &anchors, &pool, at)?;
        self.harvest(&mut report, &opened)?;
        Ok((report, opened.message))
    }

    /// Harvest (RFC 8551 §2.5.2): the certificate and capabilities of each signature whose
    /// report is `valid` (over the content, path trusted, not revoked, its address the From
    /// shown), for that From address only. A signature over encrypted data is never one.
    fn harvest(&self, report: &mut Report, opened: &smime::Opened) -> Result<(), ApiError> {
        let Some(from) = report.from.clone() else {
            return Ok(());
        };
        let mut kept = Vec::new();
        for (layer, opened_layer) in report.layers.iter().zip(&opened.layers) {
            let (
                report::LayerReport::Signed { signatures, .. },
                smime::Layer::Signed { verified, .. },
            ) = (layer, opened_layer)
            else {
                continue;
            };
            for (rep, s) in signatures.iter().zip(&verified.signers) {
                if let (true, Some(cert)) = (rep.status == "valid", &s.cert) {
                    kept.push((cert, &s.capabilities, s.signing_time));
                }
            }
        }
        let at = now();
        for (cert, capabilities, signed_at) in kept {
            if !cert.has_email(&from) {
                continue;
            }
            // Compared with the accepted certificate before this one is kept.
            if let Some(change) = self.cert_change(&from, cert)?
                && !report.cert_changes.contains(&change)
            {
                report.cert_changes.push(change);
            }
            self.store.put_cert(cert, CertKind::Person)?;
            // A signing time in the future counts as now (it cannot pin newer ones out).
            let signed_at = signed_at.unwrap_or(at).min(at);
            if !capabilities.is_empty() {
                self.store
                    .set_capabilities(&from, capabilities, signed_at)?;
            }
        }
        Ok(())
    }
}

fn unwrap_private_key(kek: &Kek, fp: &str, wrapped: &[u8]) -> Result<PrivateKey, ApiError> {
    let pkcs8 = kek.unwrap(fp.as_bytes(), wrapped)?;
    PrivateKey::from_pkcs8_der(&pkcs8)
        .map_err(|e| ApiError::new(ErrorCode::Storage, format!("stored key: {e}")))
}

/// An authority that is, or chains to, a trusted anchor (false for anyone else's certificate).
fn authority_trusted(cert: &Cert, ctx: &TrustContext) -> bool {
    cert.is_ca() && validate::validate_path(cert, ctx).is_ok()
}

/// Cheap look at the top-level Content-Type: do we need private keys?
fn msg_is_encrypted(msg: &[u8]) -> bool {
    let head_end = msg
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .or_else(|| msg.windows(2).position(|w| w == b"\n\n"))
        .unwrap_or(msg.len().min(64 * 1024));
    let head = String::from_utf8_lossy(&msg[..head_end]).to_ascii_lowercase();
    if head.contains("pkcs7-mime") || head.contains(".p7m") {
        return true;
    }
    // A signature around an encrypted entity (triple wrap, or someone else's ciphertext
    // signed again): the signed part's own header says so, near the top.
    head.contains("multipart/signed") && {
        let near = &msg[..msg.len().min(64 * 1024)];
        String::from_utf8_lossy(near)
            .to_ascii_lowercase()
            .contains("pkcs7-mime")
    }
}
