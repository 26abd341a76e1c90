//! The desktop app's session over one [`Home`]: the unlocked file-keystore passphrase (if the
//! user chose that store), the messages opened in this session (so their attachments can be
//! saved) and the use cases the app's commands call, one method each (`docs/ipc.md`).
//!
//! Plaintext of opened messages lives only in memory, in zeroizing buffers, and only for the
//! last few messages.

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::api::ca::DEFAULT_CRL_DAYS;
use crate::api::certs::check::expiry_threshold;
use crate::api::files::{draft_files, file_name, read_limited};
use crate::api::json::*;
use crate::api::{ApiError, ErrorCode, Home};
use crate::keystore::{self, KeyStoreKind};
use crate::pki::cert::{Cert, rfc3339};
use crate::pki::issue::{KeyAlgorithm, RevocationReason};
use crate::store::{CertKind, RevocationMode};

/// Largest certificate or PKCS#12 file the app reads.
const MAX_CERT_FILE: u64 = 16 * 1024 * 1024;
/// Largest message file the app opens.
const MAX_MESSAGE_FILE: u64 = 512 * 1024 * 1024;
/// How many opened messages keep their plaintext for saving attachments.
const KEEP_OPENED: usize = 8;

impl Progress {
    fn new(operation: &str, done: u32, total: u32, detail: impl Into<String>) -> Progress {
        Progress {
            operation: operation.into(),
            done,
            total,
            detail: detail.into(),
        }
    }
}

pub struct Session {
    home: Home,
    passphrase: Option<Zeroizing<String>>,
    opened: Vec<(u32, Zeroizing<Vec<u8>>)>,
    next_id: u32,
    /// The draft being edited (its token and plaintext), for the attachments it carries.
    editing: Option<(u32, Zeroizing<Vec<u8>>)>,
}

/// Writes `data` to `path` through a sibling temporary file, so a failure never leaves half a
/// file. `private` files (a .p12) are readable by the owner only.
fn write_file(path: &Path, data: &[u8], private: bool) -> Result<(), ApiError> {
    use std::io::Write;
    let err = |e: std::io::Error| {
        ApiError::new(
            ErrorCode::Storage,
            format!("cannot write {}: {e}", path.display()),
        )
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sealpost".into());
    // A fresh random name, created exclusively: a file or symlink planted at a predictable
    // name in a shared directory never receives the data.
    let mut nonce = [0u8; 8];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut nonce);
    let tmp = dir.join(format!(".{name}.{}.sealpost-partial", hex::encode(nonce)));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let result = (|| {
        let mut f = opts.open(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(err(e));
    }
    Ok(())
}

impl Session {
    pub fn open(dir: &Path) -> Result<Session, ApiError> {
        Ok(Session {
            home: Home::open(dir)?,
            passphrase: None,
            opened: Vec::new(),
            next_id: 1,
            editing: None,
        })
    }

    pub fn home(&self) -> &Home {
        &self.home
    }

    fn passphrase(&self) -> Result<Zeroizing<String>, ApiError> {
        self.passphrase.clone().ok_or_else(|| {
            ApiError::new(
                ErrorCode::KeystoreLocked,
                "the key file is locked: enter its passphrase to unlock it",
            )
        })
    }

    pub fn status(&self) -> Result<AppStatus, ApiError> {
        let kind = self.home.keystore_kind()?;
        let keystore = if kind == KeyStoreKind::File {
            let unlocked = self.passphrase.is_some();
            KeystoreStatus {
                kind,
                available: true,
                unlocked,
                detail: if unlocked {
                    "Private keys are in a passphrase-protected key file (unlocked)".into()
                } else {
                    "Private keys are in a passphrase-protected key file (locked)".into()
                },
            }
        } else {
            match keystore::os::probe() {
                Ok(()) => KeystoreStatus {
                    kind,
                    available: true,
                    unlocked: true,
                    detail: "Private keys are protected by the system keystore".into(),
                },
                Err(e) => KeystoreStatus {
                    kind,
                    available: false,
                    unlocked: false,
                    detail: format!("The system keystore cannot be reached: {e}"),
                },
            }
        };
        let all = self.home.store().all()?;
        let count = |k: CertKind| all.iter().filter(|s| s.kind == k).count() as u32;
        Ok(AppStatus {
            version: env!("CARGO_PKG_VERSION").into(),
            home: self.home.dir().display().to_string(),
            keystore,
            identities: count(CertKind::Identity),
            people: count(CertKind::Person),
            authorities: count(CertKind::Authority),
            expiring: self.home.expiry_notices(self.home.now())?,
        })
    }

    pub fn use_file_keystore(&mut self, passphrase: &str) -> Result<AppStatus, ApiError> {
        self.home.use_file_keystore(passphrase)?;
        self.passphrase = Some(Zeroizing::new(passphrase.to_string()));
        self.status()
    }

    pub fn unlock_keystore(&mut self, passphrase: &str) -> Result<AppStatus, ApiError> {
        if self.home.keystore_kind()? != KeyStoreKind::File {
            return Err(ApiError::new(
                ErrorCode::BadInput,
                "the system keystore needs no passphrase here",
            ));
        }
        self.home.check_file_keystore(passphrase)?;
        self.passphrase = Some(Zeroizing::new(passphrase.to_string()));
        self.status()
    }

    pub fn use_os_keystore(&mut self) -> Result<AppStatus, ApiError> {
        self.home.use_os_keystore()?;
        self.passphrase = None;
        self.status()
    }

    /// How revocation answers are used (off, when-available, required).
    pub fn revocation_mode(&self) -> Result<RevocationMode, ApiError> {
        self.home.revocation_mode()
    }

    pub fn set_revocation_mode(&self, mode: RevocationMode) -> Result<RevocationMode, ApiError> {
        self.home.set_revocation_mode(mode)
    }

    /// The fetches a revocation refresh would make. The shell then calls
    /// [`crate::api::certs::revocation::fetch`] without holding the session, and hands the result to
    /// [`Session::store_fetched`].
    pub fn revocation_plan(&self) -> Result<RevocationPlan, ApiError> {
        self.home.revocation_plan()
    }

    pub fn store_fetched(&self, fetched: Vec<Fetched>) -> Result<RevocationRefresh, ApiError> {
        self.home.store_fetched(fetched)
    }

    pub fn list(&self) -> Result<Vec<CertDto>, ApiError> {
        self.home.list()
    }

    fn by_fingerprint(&self, fingerprint: &str) -> Result<Cert, ApiError> {
        let fp = fingerprint.trim();
        if fp.len() < 8 || !fp.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(ApiError::new(
                ErrorCode::BadInput,
                "a certificate is chosen by its SHA-256 fingerprint",
            ));
        }
        self.home.select(fp)
    }

    pub fn details(&self, fingerprint: &str) -> Result<CertDetails, ApiError> {
        self.details_at(fingerprint, self.home.now())
    }

    fn details_at(&self, fingerprint: &str, at: u64) -> Result<CertDetails, ApiError> {
        let cert = self.by_fingerprint(fingerprint)?;
        let dto = self.home.show(&cert.fingerprint())?;
        let chain_certs = self.home.issuers_of(&cert)?;
        let mut chain = Vec::new();
        for c in &chain_certs {
            chain.push(self.home.show(&c.fingerprint())?);
        }
        let validity = Validity::at(cert.not_before(), cert.not_after(), at);
        let days_left = (cert.not_after() as i64 - at as i64).div_euclid(86_400);
        let verdict = self.home.trust_verdict(&cert, at)?;
        let has_private_key = self
            .home
            .store()
            .private_key(&cert.fingerprint())?
            .is_some();
        let store = self.home.store();
        let issued = store
            .issued(&cert.fingerprint())?
            .map(|r| self.issued_entry(r))
            .transpose()?;
        let issued_certs = if cert.is_ca() && has_private_key {
            store
                .issued_by(&cert.fingerprint())?
                .into_iter()
                .map(|r| self.issued_entry(r))
                .collect::<Result<_, _>>()?
        } else {
            Vec::new()
        };
        let mut changes = Vec::new();
        if dto.kind == CertKind::Person {
            for e in cert.emails() {
                if let Some(c) = self.home.cert_change(&e, &cert)? {
                    changes.push(c);
                }
            }
        }
        Ok(CertDetails {
            cert: dto,
            chain,
            sha1_fingerprint: cert.sha1_fingerprint(),
            days_left: days_left.clamp(i32::MIN as i64, i32::MAX as i64) as i32,
            validity,
            trusted_path: verdict.trusted_path,
            trust: verdict.trust,
            anchor: verdict.anchor,
            has_private_key,
            expiry_warning: if cert.is_ca() {
                None
            } else {
                expiry_threshold(days_left)
            },
            issued,
            issued_certs,
            changes,
            history: self.home.cert_history(&cert)?,
        })
    }

    fn issued_entry(&self, r: crate::store::IssuedRecord) -> Result<IssuedEntry, ApiError> {
        let cert = self
            .home
            .store()
            .by_fingerprint_prefix(&r.fingerprint)?
            .into_iter()
            .next()
            .map(|s| s.cert);
        let emails = cert.as_ref().map(Cert::emails).unwrap_or_default();
        let name = cert
            .as_ref()
            .and_then(Cert::common_name)
            .or_else(|| emails.first().cloned())
            .unwrap_or_else(|| format!("serial {}", r.serial));
        Ok(IssuedEntry {
            fingerprint: r.fingerprint,
            name,
            emails,
            serial: r.serial,
            not_after: rfc3339(r.not_after),
            ca_fingerprint: r.ca_fingerprint,
            revoked_at: r.revoked_at.map(rfc3339),
            reason: r.revoked_at.map(|_| {
                r.reason
                    .and_then(RevocationReason::from_code)
                    .unwrap_or(RevocationReason::Unspecified)
            }),
        })
    }

    /// The passphrase source for operations that need a private key, and whether the key file
    /// (if that is the store) is unlocked.
    fn unlocked(&self) -> Result<bool, ApiError> {
        Ok(self.home.keystore_kind()? != KeyStoreKind::File || self.passphrase.is_some())
    }

    /// Accepts a correspondent's changed certificate: the change alerts about it stop.
    pub fn accept(&self, fingerprint: &str) -> Result<CertDto, ApiError> {
        let c = self.by_fingerprint(fingerprint)?;
        self.home.accept_cert(&c.fingerprint())
    }

    /// Creates an organisation CA (ECDSA P-384, RSA 3072 or RSA 4096) whose key stays in this
    /// home; it is trusted here at once.
    pub fn ca_create(&self, name: &str, key: KeyAlgorithm, days: u32) -> Result<CertDto, ApiError> {
        if !matches!(
            key,
            KeyAlgorithm::P384 | KeyAlgorithm::Rsa3072 | KeyAlgorithm::Rsa4096
        ) {
            return Err(ApiError::new(
                ErrorCode::BadInput,
                "an organisation CA uses ECDSA P-384, RSA 3072 or RSA 4096",
            ));
        }
        let name = name.trim();
        if name.is_empty() {
            return Err(ApiError::new(ErrorCode::BadInput, "the CA needs a name"));
        }
        let pass = || self.passphrase();
        self.home
            .ca_create(name, key, days, &CaPublication::default(), &pass)
    }

    /// Issues a mailbox certificate with a fresh key from one of this home's CAs and saves it
    /// with its key and the CA certificate as a `.p12` at `path`, protected by `password`.
    #[allow(clippy::too_many_arguments)]
    pub fn ca_issue(
        &self,
        ca_fingerprint: &str,
        emails: &[String],
        name: Option<&str>,
        key: KeyAlgorithm,
        days: u32,
        password: &str,
        path: &Path,
    ) -> Result<IssuedCert, ApiError> {
        if key == KeyAlgorithm::Rsa4096 {
            return Err(ApiError::new(
                ErrorCode::BadInput,
                "a user certificate uses ECDSA P-256 or P-384, or RSA 2048 or 3072",
            ));
        }
        if password.chars().count() < 8 {
            return Err(ApiError::new(
                ErrorCode::BadInput,
                "protect the identity file with a password of at least 8 characters",
            ));
        }
        let emails: Vec<String> = emails
            .iter()
            .map(|e| e.trim().to_string())
            .filter(|e| !e.is_empty())
            .collect();
        let ca = self.by_fingerprint(ca_fingerprint)?;
        let pass = || self.passphrase();
        let issued =
            self.home
                .ca_issue(&ca.fingerprint(), &emails, name, key, days, password, &pass)?;
        let p12 = Zeroizing::new(issued.p12);
        write_file(path, &p12, true)?;
        Ok(IssuedCert {
            p12: Zeroizing::new(Vec::new()),
            ..issued
        })
    }

    /// Revokes a certificate one of this home's CAs issued.
    pub fn ca_revoke(
        &self,
        fingerprint: &str,
        reason: RevocationReason,
    ) -> Result<Revocation, ApiError> {
        let c = self.by_fingerprint(fingerprint)?;
        self.home.ca_revoke(&c.fingerprint(), reason)
    }

    /// Signs a CRL of everything the CA revoked, current for `days` (default 7), and saves it
    /// (DER) at `path`.
    pub fn ca_crl(
        &self,
        ca_fingerprint: &str,
        days: Option<u32>,
        path: &Path,
    ) -> Result<CrlInfo, ApiError> {
        let ca = self.by_fingerprint(ca_fingerprint)?;
        let pass = || self.passphrase();
        let crl = self
            .home
            .ca_crl(&ca.fingerprint(), days.unwrap_or(DEFAULT_CRL_DAYS), &pass)?;
        write_file(path, &crl.der, false)?;
        Ok(crl)
    }

    /// The self-test of a certificate; an identity's key is tried when the keystore is open.
    pub fn check(&self, fingerprint: &str) -> Result<CertCheck, ApiError> {
        let c = self.by_fingerprint(fingerprint)?;
        let pass = || self.passphrase();
        let unlock: Option<super::PassphraseSource> =
            if self.unlocked()? { Some(&pass) } else { None };
        self.home.check(&c.fingerprint(), unlock)
    }

    /// Imports files by name: `.p12`/`.pfx` need `password`; every other file is read as
    /// certificates. Stops at the first failure, having kept what was imported before it.
    pub fn import_files(
        &self,
        paths: &[PathBuf],
        password: Option<&str>,
        progress: ProgressSink,
    ) -> Result<ImportResult, ApiError> {
        let total = paths.len() as u32;
        let mut imported = Vec::new();
        let mut crls = Vec::new();
        for (i, path) in paths.iter().enumerate() {
            let name = file_name(path);
            progress(Progress::new("import", i as u32, total, name.clone()));
            let data = Zeroizing::new(read_limited(path, MAX_CERT_FILE, "a certificate file")?);
            let pw = || -> Result<Zeroizing<String>, ApiError> {
                password
                    .map(|p| Zeroizing::new(p.to_string()))
                    .ok_or_else(|| {
                        ApiError::new(
                            ErrorCode::WrongPassword,
                            format!("{name} is protected by a password"),
                        )
                    })
            };
            let pass = || self.passphrase();
            let r = self.home.import(&name, &data, Some(&pw), &pass)?;
            crls.extend(r.crls);
            for c in r.imported {
                if !imported
                    .iter()
                    .any(|x: &CertDto| x.info.fingerprint == c.info.fingerprint)
                {
                    imported.push(c);
                }
            }
        }
        progress(Progress::new("import", total, total, "done"));
        Ok(ImportResult { imported, crls })
    }

    pub fn export(
        &self,
        fingerprint: &str,
        format: ExportFormat,
        path: &Path,
        password: Option<&str>,
    ) -> Result<(), ApiError> {
        let cert = self.by_fingerprint(fingerprint)?;
        if format == ExportFormat::P12 {
            match password {
                Some(p) if p.chars().count() >= 8 => {}
                _ => {
                    return Err(ApiError::new(
                        ErrorCode::BadInput,
                        "protect the exported identity with a password of at least 8 characters",
                    ));
                }
            }
        }
        let pass = || self.passphrase();
        let data =
            Zeroizing::new(
                self.home
                    .export(&cert.fingerprint(), format, password, &pass)?,
            );
        write_file(path, &data, format == ExportFormat::P12)
    }

    pub fn trust(&self, fingerprint: &str) -> Result<CertDto, ApiError> {
        let c = self.by_fingerprint(fingerprint)?;
        self.home.trust(&c.fingerprint())
    }

    pub fn untrust(&self, fingerprint: &str) -> Result<CertDto, ApiError> {
        let c = self.by_fingerprint(fingerprint)?;
        self.home.untrust(&c.fingerprint())
    }

    pub fn delete(&self, fingerprint: &str) -> Result<CertDto, ApiError> {
        let c = self.by_fingerprint(fingerprint)?;
        self.home.delete(&c.fingerprint())
    }

    /// Opens a message file: decrypts and verifies every layer without any network access.
    pub fn open_message(
        &mut self,
        path: &Path,
        progress: ProgressSink,
    ) -> Result<MessageView, ApiError> {
        progress(Progress::new("open", 0, 2, file_name(path)));
        let raw = read_limited(path, MAX_MESSAGE_FILE, "a message")?;
        self.view_raw(raw, progress)
    }

    /// Decrypts and verifies `raw` (no network), keeps the plaintext for attachments (the last
    /// few messages, zeroized when dropped) and returns what the reader shows.
    fn view_raw(&mut self, raw: Vec<u8>, progress: ProgressSink) -> Result<MessageView, ApiError> {
        let pass = || self.passphrase();
        let (report, plain) = self.home.view_message(raw, &pass)?;
        progress(Progress::new("open", 1, 2, "reading the message"));
        // A whole message wrapped inside (RFC 8551 §3.1; our encrypted drafts) is already the
        // message itself: the core shows what it checked.
        let plain = Zeroizing::new(plain);
        let (headers, text, html, attachments) = crate::message::view(&plain)?;
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        self.opened.push((id, plain));
        if self.opened.len() > KEEP_OPENED {
            self.opened.remove(0);
        }
        progress(Progress::new("open", 2, 2, "done"));
        Ok(MessageView {
            id,
            report,
            headers,
            text,
            html,
            attachments,
        })
    }

    pub fn save_attachment(
        &self,
        message_id: u32,
        index: u32,
        path: &Path,
    ) -> Result<(), ApiError> {
        let (_, plain) = self
            .opened
            .iter()
            .find(|(id, _)| *id == message_id)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NotFound,
                    "that message is no longer open; open it again",
                )
            })?;
        // Decrypted content: readable by the user alone.
        let data = Zeroizing::new(crate::message::attachment(plain, index)?);
        write_file(path, &data, true)
    }

    pub fn recipient_status(&self, emails: &[String]) -> Result<Vec<RecipientStatus>, ApiError> {
        emails
            .iter()
            .map(|e| {
                let email = e.trim().to_string();
                Ok(match self.home.encryption_cert(&email, false) {
                    Ok(c) => RecipientStatus {
                        change: self.home.cert_change(&email, &c)?,
                        email,
                        has_certificate: true,
                        fingerprint: Some(c.fingerprint()),
                        problem: None,
                    },
                    Err(err) if err.code == ErrorCode::NotFound => RecipientStatus {
                        email,
                        has_certificate: false,
                        fingerprint: None,
                        problem: Some(err.message),
                        change: None,
                    },
                    Err(err) => return Err(err),
                })
            })
            .collect()
    }

    /// Builds, signs and/or encrypts a message and writes it to `path` as an `.eml` file.
    pub fn compose(
        &self,
        draft: &Draft,
        path: &Path,
        progress: ProgressSink,
    ) -> Result<ComposeResult, ApiError> {
        let steps = 3;
        progress(Progress::new("compose", 0, steps, "reading attachments"));
        let files = draft_files(draft, Vec::new())?;
        let msg = crate::message::build(draft, &files, self.home.now())?;
        let recipients: Vec<String> = draft
            .to
            .iter()
            .chain(draft.cc.iter())
            // A saved file is the sender's own: it keeps the Bcc header, and Bcc recipients
            // can read it. Sending splits blind copies off (Home::send_message).
            .chain(draft.bcc.iter())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let pass = || self.passphrase();
        let doing = match (draft.sign, draft.encrypt) {
            (true, true) => "signing and encrypting",
            (false, true) => "encrypting",
            (true, false) => "signing",
            (false, false) => "building",
        };
        progress(Progress::new("compose", 1, steps, doing));
        let (out, cipher, enc_to) = self.home.protect_message(
            msg,
            &recipients,
            &draft.from,
            draft.sign,
            draft.encrypt,
            &pass,
        )?;
        progress(Progress::new("compose", 2, steps, "saving"));
        write_file(path, &out, false)?;
        progress(Progress::new("compose", steps, steps, "done"));
        Ok(ComposeResult {
            path: path.display().to_string(),
            size: out.len() as u64,
            signed: draft.sign,
            encrypted: draft.encrypt,
            cipher,
            recipients: enc_to,
        })
    }

    /// Opens a cached draft for editing: decrypted in memory (no network), its fields for the
    /// compose form, and its plaintext kept (replacing the previous draft's) so its
    /// attachments can go with the next save or the send.
    pub fn open_draft(
        &mut self,
        account: &str,
        folder: &str,
        uid: u32,
    ) -> Result<crate::message::DraftView, ApiError> {
        let pass = || self.passphrase();
        let (mut view, plain) = self.home.open_draft(account, folder, uid, &pass)?;
        let token = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        view.token = token;
        self.editing = Some((token, plain));
        Ok(view)
    }

    /// The attachments `indices` of the draft opened as `token`, with their file names.
    pub fn carried(&self, token: u32, indices: &[u32]) -> Result<Vec<(String, Vec<u8>)>, ApiError> {
        if indices.is_empty() {
            return Ok(Vec::new());
        }
        let plain = match &self.editing {
            Some((t, plain)) if *t == token => plain,
            _ => {
                return Err(ApiError::new(
                    ErrorCode::NotFound,
                    "the draft's attachments are no longer at hand; open the draft again",
                ));
            }
        };
        let (_, _, _, list) = crate::message::view(plain)?;
        indices
            .iter()
            .map(|&i| {
                let name = list
                    .iter()
                    .find(|a| a.index == i)
                    .map(|a| a.filename.clone())
                    .ok_or_else(|| {
                        ApiError::new(ErrorCode::NotFound, "the draft has no such attachment")
                    })?;
                Ok((name, crate::message::attachment(plain, i)?))
            })
            .collect()
    }

    /// Forgets the draft opened as `token` (sent or discarded).
    pub fn close_draft(&mut self, token: u32) {
        if self.editing.as_ref().is_some_and(|(t, _)| *t == token) {
            self.editing = None;
        }
    }

    /// The file-keystore passphrase while it is unlocked, lent to the app's mail desk for one
    /// call (`None` with the OS keystore or while the key file is locked).
    pub fn unlocked_passphrase(&self) -> Option<Zeroizing<String>> {
        self.passphrase.clone()
    }

    /// Opens a message from the mail cache like [`Session::open_message`] opens a file: the
    /// cache holds it as received (still encrypted); it is decrypted and verified here, in
    /// memory, with no network access, and certificates are harvested from valid signatures.
    pub fn read_mail(
        &mut self,
        account: &str,
        folder: &str,
        uid: u32,
        progress: ProgressSink,
    ) -> Result<MessageView, ApiError> {
        progress(Progress::new(
            "open",
            0,
            2,
            format!("message {uid} of {folder}"),
        ));
        let raw = self.home.cached_message(account, folder, uid)?;
        let view = self.view_raw(raw, progress)?;
        self.home
            .remember_check(account, folder, uid, Some(&view.report))?;
        Ok(view)
    }
}
