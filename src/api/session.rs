//! The desktop app's session over one [`Home`]: the unlocked file-keystore passphrase (if the
//! user chose that store), the messages opened in this session (so their attachments can be
//! saved) and the use cases the app's commands call, one method each (`docs/ipc.md`).
//!
//! Plaintext of opened messages lives only in memory, in zeroizing buffers, and only for the
//! last few messages.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{ApiError, CertDto, CipherChoice, ErrorCode, ExportFormat, Home, ImportResult, Report};
use crate::keystore;
use crate::pki::cert::Cert;
use crate::pki::validate::{self, Purpose, TrustContext};
use crate::store::CertKind;

/// Largest certificate or PKCS#12 file the app reads.
const MAX_CERT_FILE: u64 = 16 * 1024 * 1024;
/// Largest message file the app opens.
const MAX_MESSAGE_FILE: u64 = 512 * 1024 * 1024;
/// Largest total of attachments a composed message may carry.
const MAX_ATTACHMENTS: u64 = 256 * 1024 * 1024;
/// How many opened messages keep their plaintext for saving attachments.
const KEEP_OPENED: usize = 8;

/// The keystore in use and whether it can be used now.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct KeystoreStatus {
    /// "os" (the platform keystore) or "file" (a passphrase-protected key file).
    pub kind: String,
    pub available: bool,
    pub unlocked: bool,
    /// Plain words for the status line.
    pub detail: String,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AppStatus {
    pub version: String,
    pub home: String,
    pub keystore: KeystoreStatus,
    pub identities: u32,
    pub people: u32,
    pub authorities: u32,
}

/// Everything the details view shows about one certificate.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CertDetails {
    pub cert: CertDto,
    /// Issuers known to this home, nearest first.
    pub chain: Vec<CertDto>,
    pub sha1_fingerprint: String,
    /// Whole days until `not_after` (negative once expired).
    pub days_left: i32,
    /// "valid", "expired" or "not-yet-valid".
    pub validity: String,
    /// Whether the certificate chains to an authority trusted in this home.
    pub trusted_path: bool,
    /// The trust verdict in plain words.
    pub trust: String,
    pub has_private_key: bool,
}

#[derive(Clone, Debug, Default, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct MessageHeaders {
    pub from: String,
    pub to: String,
    pub cc: String,
    pub subject: String,
    pub date: String,
    pub message_id: String,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Attachment {
    pub index: u32,
    pub filename: String,
    pub content_type: String,
    #[cfg_attr(test, ts(type = "number"))]
    pub size: u64,
}

/// An opened message: the security report (drawn by the app, never by the message), the
/// headers, the body and the attachments.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct MessageView {
    pub id: u32,
    pub report: Report,
    pub headers: MessageHeaders,
    pub text: Option<String>,
    /// HTML with scripts, frames, forms, remote references and refreshes removed; the app
    /// still shows it only in a sandboxed frame whose policy forbids every request.
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct RecipientStatus {
    pub email: String,
    pub has_certificate: bool,
    pub fingerprint: Option<String>,
    /// Why no usable certificate is known, in plain words.
    pub problem: Option<String>,
}

/// A message being composed.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Draft {
    pub from: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub body: String,
    /// Paths of files to attach.
    pub attachments: Vec<String>,
    pub sign: bool,
    pub encrypt: bool,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ComposeResult {
    pub path: String,
    #[cfg_attr(test, ts(type = "number"))]
    pub size: u64,
    pub signed: bool,
    pub encrypted: bool,
    pub cipher: Option<String>,
    /// Everyone the message is encrypted to, the sender included.
    pub recipients: Vec<String>,
}

/// Progress of a long operation, sent to the app as the `progress` event.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Progress {
    pub operation: String,
    pub done: u32,
    pub total: u32,
    pub detail: String,
}

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

/// Callback for progress reports.
pub type ProgressSink<'a> = &'a dyn Fn(Progress);

pub struct Session {
    home: Home,
    passphrase: Option<Zeroizing<String>>,
    opened: Vec<(u32, Zeroizing<Vec<u8>>)>,
    next_id: u32,
}

pub(crate) fn read_limited(path: &Path, max: u64, what: &str) -> Result<Vec<u8>, ApiError> {
    let meta = std::fs::metadata(path).map_err(|e| {
        ApiError::new(
            ErrorCode::NotFound,
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    if !meta.is_file() {
        return Err(ApiError::new(
            ErrorCode::BadInput,
            format!("{} is not a file", path.display()),
        ));
    }
    if meta.len() > max {
        return Err(ApiError::new(
            ErrorCode::BadInput,
            format!(
                "{} is too large for {what} ({} MB; at most {} MB)",
                path.display(),
                meta.len() / (1024 * 1024),
                max / (1024 * 1024)
            ),
        ));
    }
    std::fs::read(path).map_err(|e| {
        ApiError::new(
            ErrorCode::NotFound,
            format!("cannot read {}: {e}", path.display()),
        )
    })
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
    let tmp = dir.join(format!(".{name}.sealpost-partial"));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
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

pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// A guess of the media type of an attachment from its name.
pub(crate) fn media_type(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit('.').next().unwrap_or("");
    match ext {
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "zip" => "application/zip",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "eml" => "message/rfc822",
        "cer" | "crt" | "der" => "application/pkix-cert",
        _ => "application/octet-stream",
    }
}

impl Session {
    pub fn open(dir: &Path) -> Result<Session, ApiError> {
        Ok(Session {
            home: Home::open(dir)?,
            passphrase: None,
            opened: Vec::new(),
            next_id: 1,
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
        let keystore = if kind == "file" {
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
        })
    }

    pub fn use_file_keystore(&mut self, passphrase: &str) -> Result<AppStatus, ApiError> {
        self.home.use_file_keystore(passphrase)?;
        self.passphrase = Some(Zeroizing::new(passphrase.to_string()));
        self.status()
    }

    pub fn unlock_keystore(&mut self, passphrase: &str) -> Result<AppStatus, ApiError> {
        if self.home.keystore_kind()? != "file" {
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
        self.details_at(fingerprint, super::now())
    }

    fn details_at(&self, fingerprint: &str, at: u64) -> Result<CertDetails, ApiError> {
        let cert = self.by_fingerprint(fingerprint)?;
        let dto = self.home.show(&cert.fingerprint())?;
        let chain_certs = self.home.issuers_of(&cert)?;
        let mut chain = Vec::new();
        for c in &chain_certs {
            chain.push(self.home.show(&c.fingerprint())?);
        }
        let validity = if at > cert.not_after() {
            "expired"
        } else if at < cert.not_before() {
            "not-yet-valid"
        } else {
            "valid"
        };
        let days_left = (cert.not_after() as i64 - at as i64).div_euclid(86_400);
        let anchors = self.home.store().anchors()?;
        let pool: Vec<Cert> = self
            .home
            .store()
            .all()?
            .into_iter()
            .map(|s| s.cert)
            .collect();
        let purpose = if cert.is_ca() {
            None
        } else if cert.sign_problem().is_none() {
            Some(Purpose::Sign)
        } else {
            Some(Purpose::Encrypt)
        };
        let ctx = TrustContext {
            anchors: &anchors,
            intermediates: &pool,
            at,
        };
        let (trusted_path, trust) = if anchors.iter().any(|a| a == &cert) {
            (
                true,
                "You trust this authority: certificates it issues are accepted".to_string(),
            )
        } else {
            match purpose.map(|p| validate::validate(&cert, p, &ctx)) {
                Some(Ok(_)) => (
                    true,
                    "Trusted: the certificate chains to an authority you trust".to_string(),
                ),
                Some(Err(e)) => (false, format!("Not trusted: {e}")),
                None => (
                    false,
                    "Not trusted: this authority is not one of your trust anchors".to_string(),
                ),
            }
        };
        let has_private_key = self
            .home
            .store()
            .private_key(&cert.fingerprint())?
            .is_some();
        Ok(CertDetails {
            cert: dto,
            chain,
            sha1_fingerprint: cert.sha1_fingerprint(),
            days_left: days_left.clamp(i32::MIN as i64, i32::MAX as i64) as i32,
            validity: validity.into(),
            trusted_path,
            trust,
            has_private_key,
        })
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
        Ok(ImportResult { imported })
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
        let pass = || self.passphrase();
        let (report, plain) = self.home.view_message(&raw, &pass)?;
        progress(Progress::new("open", 1, 2, "reading the message"));
        let plain = Zeroizing::new(plain);
        let (headers, text, html, attachments) = super::message::view(&plain)?;
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
        let data = super::message::attachment(plain, index)?;
        write_file(path, &data, false)
    }

    pub fn recipient_status(&self, emails: &[String]) -> Result<Vec<RecipientStatus>, ApiError> {
        emails
            .iter()
            .map(|e| {
                let email = e.trim().to_string();
                Ok(match self.home.encryption_cert(&email, false) {
                    Ok(c) => RecipientStatus {
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
        let mut files = Vec::new();
        let mut total = 0u64;
        for a in &draft.attachments {
            let p = PathBuf::from(a);
            let data = read_limited(&p, MAX_ATTACHMENTS, "an attachment")?;
            total += data.len() as u64;
            if total > MAX_ATTACHMENTS {
                return Err(ApiError::new(
                    ErrorCode::BadInput,
                    format!(
                        "the attachments are larger than {} MB together",
                        MAX_ATTACHMENTS / (1024 * 1024)
                    ),
                ));
            }
            files.push((file_name(&p), data));
        }
        let msg = super::message::build(draft, &files, super::now())?;
        let recipients: Vec<String> = draft
            .to
            .iter()
            .chain(draft.cc.iter())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let pass = || self.passphrase();
        let (out, cipher, enc_to) = if draft.encrypt {
            progress(Progress::new(
                "compose",
                1,
                steps,
                if draft.sign {
                    "signing and encrypting"
                } else {
                    "encrypting"
                },
            ));
            let (out, cipher, to) = self.home.encrypt_message_detailed(
                msg,
                &recipients,
                draft.sign.then_some(draft.from.as_str()),
                CipherChoice::Auto,
                &pass,
            )?;
            (out, Some(cipher.name().to_string()), to)
        } else if draft.sign {
            progress(Progress::new("compose", 1, steps, "signing"));
            (
                self.home.sign_message(&msg, &draft.from, false, &pass)?,
                None,
                Vec::new(),
            )
        } else {
            (msg, None, Vec::new())
        };
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
        let raw = self
            .home
            .store()
            .message_raw(account, folder, uid)?
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NotFound,
                    format!("message {uid} of {folder} is not in the cache; sync the folder"),
                )
            })?;
        let pass = || self.passphrase();
        let (report, plain) = self.home.view_message(&raw, &pass)?;
        progress(Progress::new("open", 1, 2, "reading the message"));
        let plain = Zeroizing::new(plain);
        let (headers, text, html, attachments) = super::message::view(&plain)?;
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
}
