//! Mail use cases on a [`Home`]: accounts, sending through the outbox, syncing and reading.
//!
//! Each function is synchronous: it runs the async transport of [`crate::mail`] on its own
//! current-thread tokio runtime, so the CLI calls it directly and the app from a blocking task
//! (never from inside an async runtime thread).
//!
//! Custody: account passwords live only in the home's keystore (OS keystore or passphrase file)
//! under `mail-account/NAME`; SQLite holds the public settings. Sending is recorded in the
//! outbox before and after the SMTP transaction (see [`OutboxState`]), so a message is never
//! lost on failure and never sent twice by a retry.

use std::future::Future;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::message::DraftView;
use super::{ApiError, CipherChoice, ErrorCode, Home, PassphraseSource, Report, addresses, now};
use crate::mail::imap::{Imap, MAX_MESSAGE, SpecialUse};
use crate::mail::smtp::Smtp;
use crate::mail::{self, Endpoint, Login, MailError, MailErrorKind, TlsMode};
use crate::smime::{self, mime::Entity, mime::HeaderField};
use crate::store::mail::{AccountRow, MessageRow, NewMessage, OutboxRow, OutboxState};

/// One server of an account.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    /// Implicit TLS or STARTTLS; by default implicit on 993/465, STARTTLS elsewhere.
    pub tls: Option<TlsMode>,
}

/// What `account add` takes (the password travels separately).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct NewAccount {
    pub name: String,
    pub email: String,
    /// Login name; the e-mail address when absent.
    pub username: Option<String>,
    pub imap: ServerSettings,
    pub smtp: ServerSettings,
    /// Path of a PEM/DER file with the private CA that issued the servers' certificates. When
    /// given, it is the only trust anchor for this account.
    pub ca_file: Option<String>,
}

/// New settings for an existing account (the password travels separately; none keeps the
/// stored one).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AccountChange {
    /// The settings; `name` says which account (names do not change).
    pub settings: NewAccount,
    /// Without a new `settings.ca_file`: keep the account's private CA (`true`) or trust the
    /// public CAs again (`false`).
    pub keep_private_ca: bool,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ServerDto {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AccountDto {
    pub name: String,
    pub email: String,
    pub username: String,
    pub imap: ServerDto,
    pub smtp: ServerDto,
    /// Subject of the private CA when the account has one.
    pub private_ca: Option<String>,
}

/// The result of checking one server.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ServerCheck {
    pub server: String,
    pub ok: bool,
    /// The stage that failed.
    pub failed_at: Option<MailErrorKind>,
    pub message: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ConnectionCheck {
    pub account: String,
    pub ok: bool,
    pub imap: ServerCheck,
    pub smtp: ServerCheck,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct OutboxEntry {
    #[cfg_attr(test, ts(type = "number"))]
    pub id: i64,
    pub account: String,
    pub message_id: String,
    pub subject: String,
    pub from: String,
    pub recipients: Vec<String>,
    /// queued, sending (uncertain when left over), sent, failed.
    pub state: String,
    /// A copy is in the Sent folder.
    pub appended: bool,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub last_error_kind: Option<MailErrorKind>,
    pub created: String,
    pub updated: String,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SendResult {
    /// Accepted by the SMTP server.
    pub delivered: bool,
    pub signed: bool,
    pub encrypted: bool,
    pub cipher: Option<String>,
    /// Everyone the message is encrypted to, the sender included.
    pub encrypted_to: Vec<String>,
    /// The outbox entry of the message (the one whose copy goes to Sent).
    pub entry: OutboxEntry,
    /// With encryption, each Bcc recipient gets a separate copy encrypted to them and the
    /// sender: their outbox entries (empty otherwise).
    pub bcc_copies: Vec<OutboxEntry>,
    /// Recipients without a certificate who got a separate unencrypted copy, only because
    /// the sender chose so explicitly (`unencrypted_to`); empty otherwise.
    pub unencrypted_to: Vec<String>,
    /// The outbox entry of that unencrypted copy.
    pub unencrypted_copy: Option<OutboxEntry>,
}

/// Where a draft was saved.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct DraftSaved {
    pub folder: String,
    /// Its UID in that folder (to replace it on the next save), when the server told.
    pub uid: Option<u32>,
    /// Stored encrypted to the sender.
    pub encrypted: bool,
}

/// Result of `outbox --retry` for one entry.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct RetryOutcome {
    /// sent, appended, failed, skipped-uncertain, nothing-to-do
    pub action: String,
    pub entry: OutboxEntry,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SyncResult {
    pub account: String,
    pub folder: String,
    pub uidvalidity: u32,
    /// The cache was dropped because UIDVALIDITY changed (RFC 3501 §2.3.1.1).
    pub uidvalidity_changed: bool,
    pub new: u32,
    pub flags_updated: u32,
    pub removed: u32,
    /// Flag items of already cached messages the server sent: all of them without CONDSTORE,
    /// only those changed since the last sync with it (RFC 7162), 0 for an unchanged folder.
    pub flags_fetched: u32,
    /// New messages larger than the cache limit: listed, their bodies not downloaded.
    pub skipped_large: u32,
    /// Bodies downloaded by this sync (new messages and ones left header-only before).
    pub downloaded: u32,
    pub total: u32,
}

/// What a sync learnt about the messages it had cached before.
enum Known {
    /// Flags of every message still on the server (no usable mod-sequence).
    Full(Vec<(u32, Vec<String>)>),
    /// Flags changed since the stored HIGHESTMODSEQ, and the UIDs still on the server when
    /// some were expunged (`None`: none were).
    Changes(
        Vec<(u32, Vec<String>)>,
        Option<std::collections::HashSet<u32>>,
    ),
}

/// What a background watcher found: new mail in a folder, already synced into the cache (the
/// app's `mail-changed` event).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct MailChanged {
    pub account: String,
    pub folder: String,
    /// Messages new in the cache from the sync the change caused.
    pub new: u32,
    /// How many the cache now holds.
    pub total: u32,
}

/// The server and login of an account's IMAP side, read once (under whatever lock the caller
/// holds) and then used to wait with IDLE without it.
pub struct IdleTarget {
    ep: Endpoint,
    login: Login,
}

impl IdleTarget {
    /// Waits until `folder` changes on the server (RFC 2177 IDLE, re-issued every
    /// [`crate::mail::imap::IDLE_MAX`] at most) or `max` passes: `true` when it changed. A
    /// server without IDLE is an error, so the caller can poll instead.
    pub fn wait_for_change(
        &self,
        folder: &str,
        max: std::time::Duration,
    ) -> Result<bool, ApiError> {
        let event = block_on(crate::mail::imap::wait_for_change(
            &self.ep,
            &self.login,
            folder,
            max,
        ))?
        .map_err(mail_error)?;
        Ok(event == crate::mail::imap::IdleEvent::Changed)
    }
}

/// The S/MIME form of a message, from its top-level Content-Type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum SmimeKind {
    Signed,
    Encrypted,
    None,
}

impl SmimeKind {
    fn as_str(self) -> &'static str {
        match self {
            SmimeKind::Signed => "signed",
            SmimeKind::Encrypted => "encrypted",
            SmimeKind::None => "none",
        }
    }
    fn parse(s: &str) -> SmimeKind {
        match s {
            "signed" => SmimeKind::Signed,
            "encrypted" => SmimeKind::Encrypted,
            _ => SmimeKind::None,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct MessageSummary {
    pub uid: u32,
    pub from: String,
    /// The recipients (To, else Cc), as the list shows them for sent mail and drafts; empty
    /// for messages cached before this was kept.
    pub to: String,
    pub subject: String,
    /// The Date header (RFC 3339), else the server's INTERNALDATE.
    pub date: Option<String>,
    pub message_id: Option<String>,
    pub flags: Vec<String>,
    pub smime: SmimeKind,
}

/// One folder of an account.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct FolderDto {
    pub name: String,
    /// The hierarchy delimiter ("/" or "."), when the server has one.
    pub delimiter: Option<String>,
    pub special: Option<SpecialUse>,
    /// False for hierarchy nodes that hold no messages (\Noselect).
    pub selectable: bool,
}

/// A flag the user may set or clear on a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum MessageFlag {
    Seen,
    Flagged,
}

impl MessageFlag {
    fn imap_name(self) -> &'static str {
        match self {
            MessageFlag::Seen => "\\Seen",
            MessageFlag::Flagged => "\\Flagged",
        }
    }
}

/// A message read from the cache.
pub struct ReadMessage {
    /// `None` for a message that is neither signed nor encrypted.
    pub report: Option<Report>,
    pub smime: SmimeKind,
    /// Decrypted content (or the raw message when it has no S/MIME layer).
    pub message: Vec<u8>,
}

const SECRET_PREFIX: &str = "mail-account/";

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::BadInput, msg)
}

fn mail_error(e: MailError) -> ApiError {
    let code = match e.kind() {
        MailErrorKind::Authentication => ErrorCode::WrongPassword,
        MailErrorKind::Config => ErrorCode::BadInput,
        _ => ErrorCode::Network,
    };
    ApiError::new(code, e.to_string())
}

fn runtime() -> Result<tokio::runtime::Runtime, ApiError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ApiError::new(ErrorCode::Storage, format!("cannot start the runtime: {e}")))
}

fn block_on<F: Future>(f: F) -> Result<F::Output, ApiError> {
    Ok(runtime()?.block_on(f))
}

/// Connects to both servers of `a` and logs in, naming the stage that failed for each.
fn check_servers(a: AccountRow, login: &Login) -> Result<ConnectionCheck, ApiError> {
    let (imap_ep, smtp_ep) = (endpoint(&a, true), endpoint(&a, false));
    let (imap, smtp) = block_on(async {
        (
            mail::imap::check(&imap_ep, login).await,
            mail::smtp::check(&smtp_ep, login).await,
        )
    })?;
    Ok(connection_check(a.name, &imap_ep, imap, &smtp_ep, smtp))
}

/// Bodies fetched per UID FETCH during a sync; each batch is stored as it arrives.
const BODY_CHUNK: usize = 50;

fn check_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@+".contains(c));
    if ok {
        Ok(())
    } else {
        Err(bad(format!(
            "{name:?} is not a valid account name (1-64 letters, digits, . _ - @ +)"
        )))
    }
}

fn check_host(host: &str) -> Result<(), ApiError> {
    let ok = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
    if ok {
        Ok(())
    } else {
        Err(bad(format!("{host:?} is not a valid host name")))
    }
}

fn time(secs: i64) -> String {
    crate::pki::cert::rfc3339(secs.max(0) as u64)
}

fn entry_dto(r: OutboxRow) -> OutboxEntry {
    let kind = r.last_error.as_deref().and_then(error_kind_of);
    OutboxEntry {
        id: r.id,
        account: r.account,
        message_id: r.message_id,
        subject: r.subject,
        from: r.mail_from,
        recipients: r.recipients,
        state: r.state.as_str().to_string(),
        appended: r.appended,
        attempts: r.attempts,
        last_error: r.last_error.map(|e| strip_kind(&e).to_string()),
        last_error_kind: kind,
        created: time(r.created),
        updated: time(r.updated),
    }
}

/// Stored errors carry their kind as a `[kind] ` prefix.
fn stored_error(e: &MailError) -> String {
    let kind = serde_json::to_value(e.kind())
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    format!("[{kind}] {e}")
}

fn error_kind_of(s: &str) -> Option<MailErrorKind> {
    let inner = s.strip_prefix('[')?.split_once(']')?.0;
    [
        MailErrorKind::Dns,
        MailErrorKind::Tcp,
        MailErrorKind::TlsCertificate,
        MailErrorKind::Tls,
        MailErrorKind::StarttlsMissing,
        MailErrorKind::Authentication,
        MailErrorKind::Timeout,
        MailErrorKind::ConnectionLost,
        MailErrorKind::Protocol,
        MailErrorKind::Rejected,
        MailErrorKind::Config,
    ]
    .into_iter()
    .find(|k| {
        serde_json::to_value(k)
            .ok()
            .and_then(|v| v.as_str().map(|s| s == inner))
            == Some(true)
    })
}

fn strip_kind(s: &str) -> &str {
    match s.strip_prefix('[').and_then(|r| r.split_once("] ")) {
        Some((_, rest)) => rest,
        None => s,
    }
}

fn endpoint(a: &AccountRow, imap: bool) -> Endpoint {
    let (protocol, host, port, tls) = if imap {
        ("IMAP", &a.imap_host, a.imap_port, &a.imap_tls)
    } else {
        ("SMTP", &a.smtp_host, a.smtp_port, &a.smtp_tls)
    };
    Endpoint {
        protocol,
        host: host.clone(),
        port,
        tls: TlsMode::parse(tls).unwrap_or(TlsMode::Implicit),
        ca: a.ca_pem.clone(),
    }
}

fn account_dto(a: &AccountRow) -> AccountDto {
    let private_ca = a.ca_pem.as_deref().and_then(|pem| {
        crate::pki::parse_certificates(pem)
            .ok()
            .and_then(|c| c.first().map(|c| c.subject()))
    });
    let server = |imap: bool| {
        let e = endpoint(a, imap);
        ServerDto {
            host: e.host,
            port: e.port,
            tls: e.tls,
        }
    };
    AccountDto {
        name: a.name.clone(),
        email: a.email.clone(),
        username: a.username.clone(),
        imap: server(true),
        smtp: server(false),
        private_ca,
    }
}

/// The S/MIME form from the top-level Content-Type (RFC 8551 §3.2, §3.5).
pub fn smime_kind(raw: &[u8]) -> SmimeKind {
    // Only the header block matters; bound the work on hostile input.
    let head_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n").map(|p| p + 2))
        .unwrap_or(raw.len())
        .min(256 * 1024);
    let Ok(entity) = Entity::parse(&smime::canonicalize(&raw[..head_end])) else {
        return SmimeKind::None;
    };
    let ct = entity.content_type();
    let name = ct.param("name").unwrap_or_default().to_ascii_lowercase();
    match ct.mime_type.as_str() {
        "multipart/signed" => {
            let protocol = ct
                .param("protocol")
                .unwrap_or_default()
                .to_ascii_lowercase();
            if protocol.contains("pkcs7-signature") {
                SmimeKind::Signed
            } else {
                SmimeKind::None
            }
        }
        "application/pkcs7-mime" | "application/x-pkcs7-mime" => {
            match ct
                .param("smime-type")
                .unwrap_or_default()
                .to_ascii_lowercase()
                .as_str()
            {
                "signed-data" => SmimeKind::Signed,
                "certs-only" => SmimeKind::None,
                _ => SmimeKind::Encrypted,
            }
        }
        "application/octet-stream" if name.ends_with(".p7m") => SmimeKind::Encrypted,
        _ => SmimeKind::None,
    }
}

/// From, Subject, Date (RFC 3339) and Message-ID of a raw message.
/// What the message list shows of a message, from its header block.
struct SummaryFields {
    from: String,
    /// To, else Cc (else Bcc, in the sender's own copies), comma-separated.
    to: String,
    subject: String,
    date: Option<String>,
    message_id: Option<String>,
}

fn summary_fields(raw: &[u8]) -> SummaryFields {
    let Some(m) = mail_parser::MessageParser::default().parse_headers(raw) else {
        return SummaryFields {
            from: String::new(),
            to: String::new(),
            subject: String::new(),
            date: None,
            message_id: None,
        };
    };
    let shown = |a: &mail_parser::Addr<'_>| {
        let addr = a.address().unwrap_or("");
        match a.name() {
            Some(n) if !n.is_empty() => format!("{n} <{addr}>"),
            _ => addr.to_string(),
        }
    };
    let from = m
        .from()
        .and_then(|a| a.first())
        .map(shown)
        .unwrap_or_default();
    let to = [m.to(), m.cc(), m.bcc()]
        .into_iter()
        .flatten()
        .map(|list| list.iter().map(shown).collect::<Vec<_>>().join(", "))
        .find(|s| !s.is_empty())
        .unwrap_or_default();
    SummaryFields {
        from,
        to,
        subject: m.subject().unwrap_or("").to_string(),
        date: m.date().map(|d| d.to_rfc3339()),
        message_id: m.message_id().map(|s| format!("<{s}>")),
    }
}

fn header_values(e: &Entity, name: &str) -> Vec<String> {
    e.headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value())
        .collect()
}

/// The text of a certificate request from `from` to `to` (an unsigned RFC 5322 message).
fn certificate_request(from: &str, to: &str) -> Result<Vec<u8>, ApiError> {
    let body = format!(
        "Hello,\n\n\
         {from} would like to send you encrypted e-mail, but has no certificate (digital ID) \
         for {to} yet.\n\n\
         This message is signed and carries {from}'s certificate. To let {from} encrypt mail \
         to you, reply with a signed message: your mail program attaches your certificate to \
         every message it signs (Outlook: Options > Sign; Thunderbird: Security > Digitally \
         Sign; Apple Mail: the Sign button).\n\n\
         If you have no S/MIME certificate for {to} yet, your IT department or a certificate \
         authority can issue one.\n\n\
         Sent by Sealpost on behalf of {from}.\n"
    );
    mail_builder::MessageBuilder::new()
        .from(from.to_string())
        .to(to.to_string())
        .subject(format!("Request for your e-mail certificate ({from})"))
        .date(now() as i64)
        .message_id(
            new_message_id(from)
                .trim_matches(|c| c == '<' || c == '>')
                .to_string(),
        )
        .header(
            "X-Sealpost-Certificate-Request",
            mail_builder::headers::raw::Raw::new("1"),
        )
        .text_body(body)
        .write_to_vec()
        .map_err(|e| ApiError::new(ErrorCode::Storage, format!("cannot build the message: {e}")))
}

fn new_message_id(from: &str) -> String {
    let mut r = [0u8; 16];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut r);
    let domain = from
        .rsplit_once('@')
        .map(|(_, d)| d)
        .filter(|d| !d.is_empty())
        .unwrap_or("sealpost.invalid");
    format!("<{}@{domain}>", hex::encode(r))
}

fn summary_dto(m: MessageRow) -> MessageSummary {
    MessageSummary {
        uid: m.uid,
        from: m.from,
        to: m.to,
        subject: m.subject,
        date: m.date.or(m.internal_date),
        message_id: m.message_id,
        flags: m.flags,
        smime: SmimeKind::parse(&m.smime),
    }
}

/// The settings row of a new account, checked (the password only for being present).
fn account_row_from(new: &NewAccount, password: &str) -> Result<AccountRow, ApiError> {
    if password.is_empty() {
        return Err(bad("the password is empty"));
    }
    settings_row(new)
}

/// The settings row of an account, checked.
fn settings_row(new: &NewAccount) -> Result<AccountRow, ApiError> {
    check_name(&new.name)?;
    check_host(&new.imap.host)?;
    check_host(&new.smtp.host)?;
    let email = new.email.trim().to_string();
    if addresses(&email) != vec![email.clone()] {
        return Err(bad(format!("{email:?} is not an e-mail address")));
    }
    if new.imap.port == 0 || new.smtp.port == 0 {
        return Err(bad("a port must be between 1 and 65535"));
    }
    let ca_pem = match &new.ca_file {
        Some(path) => {
            let data = std::fs::read(path).map_err(|e| bad(format!("{path}: {e}")))?;
            mail::net::ca_certificates(&data).map_err(mail_error)?;
            Some(data)
        }
        None => None,
    };
    let row = AccountRow {
        name: new.name.clone(),
        email: email.clone(),
        username: new
            .username
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_string)
            .unwrap_or(email),
        imap_host: new.imap.host.clone(),
        imap_port: new.imap.port,
        imap_tls: new
            .imap
            .tls
            .unwrap_or(TlsMode::for_port(new.imap.port))
            .as_str()
            .into(),
        smtp_host: new.smtp.host.clone(),
        smtp_port: new.smtp.port,
        smtp_tls: new
            .smtp
            .tls
            .unwrap_or(TlsMode::for_port(new.smtp.port))
            .as_str()
            .into(),
        ca_pem,
    };
    Ok(row)
}

impl Home {
    fn account_row(&self, name: &str) -> Result<AccountRow, ApiError> {
        self.store
            .account(name)?
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no account named {name:?}")))
    }

    fn account_login(
        &self,
        a: &AccountRow,
        passphrase: PassphraseSource,
    ) -> Result<Login, ApiError> {
        let ks = self.keystore(passphrase)?;
        let secret = ks
            .get(&format!("{SECRET_PREFIX}{}", a.name))?
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NotFound,
                    format!(
                        "no password is stored for the account {:?}; add the account again",
                        a.name
                    ),
                )
            })?;
        let password =
            Zeroizing::new(String::from_utf8(secret.to_vec()).map_err(|_| {
                ApiError::new(ErrorCode::Storage, "the stored password is damaged")
            })?);
        Ok(Login {
            user: a.username.clone(),
            password,
        })
    }

    /// Adds a mail account; its password goes to the keystore, never to the database.
    pub fn add_account(
        &self,
        new: &NewAccount,
        password: &str,
        passphrase: PassphraseSource,
    ) -> Result<AccountDto, ApiError> {
        let row = account_row_from(new, password)?;
        if self.store.account(&row.name)?.is_some() {
            return Err(bad(format!("an account named {:?} exists", row.name)));
        }
        // Keystore first: an account without its password would be useless.
        let ks = self.keystore(passphrase)?;
        ks.set(&format!("{SECRET_PREFIX}{}", row.name), password.as_bytes())?;
        if !self.store.add_account(&row)? {
            return Err(bad(format!("an account named {:?} exists", row.name)));
        }
        Ok(account_dto(&row))
    }

    pub fn accounts(&self) -> Result<Vec<AccountDto>, ApiError> {
        Ok(self.store.accounts()?.iter().map(account_dto).collect())
    }

    /// The stored account and its settings after `change`, checked.
    fn changed_row(&self, change: &AccountChange) -> Result<(AccountRow, AccountRow), ApiError> {
        let old = self.account_row(&change.settings.name)?;
        let mut row = settings_row(&change.settings)?;
        if change.settings.ca_file.is_none() && change.keep_private_ca {
            row.ca_pem = old.ca_pem.clone();
        }
        Ok((old, row))
    }

    /// Changes an account's settings, and its password when `password` is given and not empty.
    /// When the IMAP server or login changes, the cached mail of the account is dropped (it
    /// belongs to the other mailbox) and the next sync fetches the new one; queued outbox
    /// entries stay and go out through the new SMTP settings.
    pub fn update_account(
        &self,
        change: &AccountChange,
        password: Option<&str>,
        passphrase: PassphraseSource,
    ) -> Result<AccountDto, ApiError> {
        let (old, row) = self.changed_row(change)?;
        if let Some(pw) = password.filter(|p| !p.is_empty()) {
            let ks = self.keystore(passphrase)?;
            ks.set(&format!("{SECRET_PREFIX}{}", row.name), pw.as_bytes())?;
        }
        let other_mailbox = !old.imap_host.eq_ignore_ascii_case(&row.imap_host)
            || old.imap_port != row.imap_port
            || old.username != row.username;
        if !self.store.update_account(&row, other_mailbox)? {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                format!("no account named {:?}", row.name),
            ));
        }
        Ok(account_dto(&row))
    }

    /// Checks changed settings before they are saved, with `password` or else the stored one.
    pub fn test_change(
        &self,
        change: &AccountChange,
        password: Option<&str>,
        passphrase: PassphraseSource,
    ) -> Result<ConnectionCheck, ApiError> {
        let (old, row) = self.changed_row(change)?;
        let login = match password.filter(|p| !p.is_empty()) {
            Some(pw) => Login {
                user: row.username.clone(),
                password: Zeroizing::new(pw.to_string()),
            },
            None => Login {
                user: row.username.clone(),
                password: self.account_login(&old, passphrase)?.password,
            },
        };
        check_servers(row, &login)
    }

    /// Removes an account, its password, outbox entries and cached mail.
    pub fn remove_account(
        &self,
        name: &str,
        passphrase: PassphraseSource,
    ) -> Result<AccountDto, ApiError> {
        let a = self.account_row(name)?;
        let ks = self.keystore(passphrase)?;
        ks.delete(&format!("{SECRET_PREFIX}{name}"))?;
        self.store.remove_account(name)?;
        Ok(account_dto(&a))
    }

    /// Connects to both servers and logs in, naming the stage that failed for each.
    pub fn test_account(
        &self,
        name: &str,
        passphrase: PassphraseSource,
    ) -> Result<ConnectionCheck, ApiError> {
        let a = self.account_row(name)?;
        let login = self.account_login(&a, passphrase)?;
        check_servers(a, &login)
    }

    /// Checks settings before they are saved: connects to both servers and logs in with
    /// `password`, naming the stage that failed for each. Nothing is stored.
    pub fn test_settings(
        &self,
        new: &NewAccount,
        password: &str,
    ) -> Result<ConnectionCheck, ApiError> {
        let a = account_row_from(new, password)?;
        let login = Login {
            user: a.username.clone(),
            password: Zeroizing::new(password.to_string()),
        };
        check_servers(a, &login)
    }

    /// The folders of an account, INBOX first, then the special-use ones, then by name.
    pub fn folders(
        &self,
        account: &str,
        passphrase: PassphraseSource,
    ) -> Result<Vec<FolderDto>, ApiError> {
        let a = self.account_row(account)?;
        let login = self.account_login(&a, passphrase)?;
        let ep = endpoint(&a, true);
        let folders = block_on(async {
            let mut imap = Imap::login(&ep, &login).await?;
            let f = imap.folders().await?;
            imap.logout().await;
            Ok::<_, MailError>(f)
        })?
        .map_err(mail_error)?;
        let mut out: Vec<FolderDto> = folders
            .into_iter()
            .map(|f| FolderDto {
                name: f.name,
                delimiter: f.delimiter,
                special: f.special,
                selectable: f.selectable,
            })
            .collect();
        let rank = |f: &FolderDto| match f.special {
            Some(SpecialUse::Inbox) => 0,
            Some(SpecialUse::Drafts) => 1,
            Some(SpecialUse::Sent) => 2,
            Some(SpecialUse::Archive) => 3,
            Some(SpecialUse::Junk) => 4,
            Some(SpecialUse::Trash) => 5,
            None => 6,
        };
        out.sort_by(|x, y| rank(x).cmp(&rank(y)).then_with(|| x.name.cmp(&y.name)));
        Ok(out)
    }

    /// Sets or clears `\Seen` or `\Flagged` on one message, on the server and in the cache.
    /// Returns the message's flags afterwards.
    pub fn set_flag(
        &self,
        account: &str,
        folder: &str,
        uid: u32,
        flag: MessageFlag,
        on: bool,
        passphrase: PassphraseSource,
    ) -> Result<Vec<String>, ApiError> {
        let a = self.account_row(account)?;
        let login = self.account_login(&a, passphrase)?;
        let ep = endpoint(&a, true);
        let name = flag.imap_name();
        block_on(async {
            let mut imap = Imap::login(&ep, &login).await?;
            imap.select(folder).await?;
            imap.set_flag(uid, name, on).await?;
            imap.logout().await;
            Ok::<_, MailError>(())
        })?
        .map_err(mail_error)?;
        let mut flags = self
            .store
            .message_flags(&a.name, folder, uid)?
            .unwrap_or_default();
        flags.retain(|f| !f.eq_ignore_ascii_case(name));
        if on {
            flags.push(name.to_string());
        }
        self.store.set_message_flags(&a.name, folder, uid, &flags)?;
        Ok(flags)
    }

    /// Moves one message to another folder of the same account (it arrives there with a new
    /// UID at the next sync of that folder).
    pub fn move_message(
        &self,
        account: &str,
        folder: &str,
        uid: u32,
        dest: &str,
        passphrase: PassphraseSource,
    ) -> Result<(), ApiError> {
        if dest == folder {
            return Err(bad("the message is already in that folder"));
        }
        let a = self.account_row(account)?;
        let login = self.account_login(&a, passphrase)?;
        let ep = endpoint(&a, true);
        block_on(async {
            let mut imap = Imap::login(&ep, &login).await?;
            imap.select(folder).await?;
            imap.move_to(uid, dest).await?;
            imap.logout().await;
            Ok::<_, MailError>(())
        })?
        .map_err(mail_error)?;
        self.store.remove_message(&a.name, folder, uid)?;
        Ok(())
    }

    /// Deletes one message: moved to the Trash folder (RFC 6154 \Trash) when the account
    /// has one and the message is elsewhere, else removed for good (UID EXPUNGE). Returns
    /// the Trash folder it went to, if any.
    pub fn delete_message(
        &self,
        account: &str,
        folder: &str,
        uid: u32,
        passphrase: PassphraseSource,
    ) -> Result<Option<String>, ApiError> {
        let a = self.account_row(account)?;
        let login = self.account_login(&a, passphrase)?;
        let ep = endpoint(&a, true);
        let trash = block_on(async {
            let mut imap = Imap::login(&ep, &login).await?;
            let trash = imap
                .folders()
                .await?
                .into_iter()
                .find(|f| f.special == Some(SpecialUse::Trash) && f.name != folder)
                .map(|f| f.name);
            imap.select(folder).await?;
            match &trash {
                Some(t) => imap.move_to(uid, t).await?,
                None => imap.expunge(uid).await?,
            }
            imap.logout().await;
            Ok::<_, MailError>(trash)
        })?
        .map_err(mail_error)?;
        self.store.remove_message(&a.name, folder, uid)?;
        Ok(trash)
    }
}

fn connection_check(
    account: String,
    imap_ep: &Endpoint,
    imap: Result<(), MailError>,
    smtp_ep: &Endpoint,
    smtp: Result<(), MailError>,
) -> ConnectionCheck {
    let check = |ep: &Endpoint, r: Result<(), MailError>| match r {
        Ok(()) => ServerCheck {
            server: ep.label(),
            ok: true,
            failed_at: None,
            message: None,
        },
        Err(e) => ServerCheck {
            server: ep.label(),
            ok: false,
            failed_at: Some(e.kind()),
            message: Some(e.to_string()),
        },
    };
    let imap = check(imap_ep, imap);
    let smtp = check(smtp_ep, smtp);
    ConnectionCheck {
        account,
        ok: imap.ok && smtp.ok,
        imap,
        smtp,
    }
}

impl Home {
    /// Sends a whole RFC 5322 message through the account, signing and/or encrypting it with
    /// the same rules as composing in the app: encrypted to every To/Cc/Bcc recipient and the
    /// sender, refused (nothing queued) when a recipient has no usable certificate. No copy a
    /// recipient gets carries the Bcc header; with encryption each Bcc recipient gets a separate
    /// copy (see below), and the Sent copy keeps the Bcc header. The message is queued in the outbox first; when SMTP fails it
    /// stays there (`delivered: false`) for [`Home::retry_outbox`].
    ///
    /// `unencrypted_to` names recipients (of To, Cc or Bcc) who get a separate copy that is not
    /// encrypted (signed when `sign`): the sender's explicit choice for correspondents without
    /// a certificate, never a default. It applies only to encrypted mail; the encrypted copies
    /// and the Sent copy are encrypted to everyone else, and at least one recipient must be left
    /// for them.
    pub fn send_message(
        &self,
        account: &str,
        msg: &[u8],
        sign: bool,
        encrypt: bool,
        unencrypted_to: &[String],
        passphrase: PassphraseSource,
    ) -> Result<SendResult, ApiError> {
        let a = self.account_row(account)?;
        let canon = smime::canonicalize(msg);
        let entity = Entity::parse(&canon).map_err(|e| bad(format!("not a message: {e}")))?;
        let from = header_values(&entity, "From")
            .iter()
            .flat_map(|v| addresses(v))
            .next()
            .ok_or_else(|| bad("the message has no From address"))?;
        // Visible recipients (To, Cc) and blind ones (Bcc), each address once; an address
        // that is both visible and blind is a visible recipient.
        let mut visible: Vec<String> = Vec::new();
        let mut blind: Vec<String> = Vec::new();
        for h in ["To", "Cc", "Bcc"] {
            for v in header_values(&entity, h) {
                for r in addresses(&v) {
                    let known = visible
                        .iter()
                        .chain(blind.iter())
                        .any(|x| x.eq_ignore_ascii_case(&r));
                    if !known {
                        if h == "Bcc" {
                            blind.push(r);
                        } else {
                            visible.push(r);
                        }
                    }
                }
            }
        }
        if visible.is_empty() && blind.is_empty() {
            return Err(bad("the message has no recipient (To, Cc or Bcc)"));
        }
        // Recipients the sender chose to send a separate unencrypted copy to: taken out of the
        // encrypted copies (they could not read them anyway).
        let mut plain: Vec<String> = Vec::new();
        for r in unencrypted_to
            .iter()
            .map(|r| r.trim())
            .filter(|r| !r.is_empty())
        {
            if !encrypt {
                return Err(bad(
                    "an unencrypted copy applies only to an encrypted message",
                ));
            }
            let found = visible
                .iter()
                .chain(blind.iter())
                .find(|x| x.eq_ignore_ascii_case(r))
                .cloned()
                .ok_or_else(|| bad(format!("{r} is not a recipient of the message")))?;
            if !plain.contains(&found) {
                plain.push(found);
            }
        }
        visible.retain(|r| !plain.contains(r));
        blind.retain(|r| !plain.contains(r));
        if !plain.is_empty() && visible.is_empty() && blind.is_empty() {
            return Err(bad(
                "every recipient would get the unencrypted copy: turn encryption off to send it unencrypted",
            ));
        }
        let recipients: Vec<String> = visible.iter().chain(blind.iter()).cloned().collect();
        let existing_id = header_values(&entity, "Message-ID").into_iter().next();
        let message_id = existing_id.clone().unwrap_or_else(|| new_message_id(&from));
        let subject = header_values(&entity, "Subject")
            .into_iter()
            .next()
            .unwrap_or_default();
        let mut headers: Vec<HeaderField> = Vec::new();
        if existing_id.is_none() {
            headers.push(HeaderField::new("Message-ID", &message_id));
        }
        if header_values(&entity, "Date").is_empty() {
            let date = mail_builder::headers::date::Date::new(now() as i64).to_rfc822();
            headers.push(HeaderField::new("Date", &date));
        }
        headers.extend(entity.headers);
        // What the recipients get carries no Bcc header (RFC 5322 §3.6.3); the sender's Sent
        // copy keeps it so the sender still knows who got the message blind.
        let with_bcc = Entity {
            headers: headers.clone(),
            body: entity.body.clone(),
        }
        .to_bytes();
        let prepared = Entity {
            headers: headers
                .into_iter()
                .filter(|h| !h.name.eq_ignore_ascii_case("Bcc"))
                .collect(),
            body: entity.body,
        }
        .to_bytes();
        let prepared_plain = if plain.is_empty() {
            Vec::new()
        } else {
            prepared.clone()
        };
        // The message as sent, its cipher, and everyone it is encrypted to.
        type Protected = (Vec<u8>, Option<String>, Vec<String>);
        let protect = |content: Vec<u8>, to: &[String]| -> Result<Protected, ApiError> {
            if encrypt {
                let (out, cipher, to) = self.encrypt_message_detailed(
                    content,
                    to,
                    sign.then_some(from.as_str()),
                    CipherChoice::Auto,
                    passphrase,
                )?;
                Ok((out, Some(cipher.name().to_string()), to))
            } else if sign {
                Ok((
                    self.sign_message(&content, &from, false, passphrase)?,
                    None,
                    Vec::new(),
                ))
            } else {
                Ok((content, None, Vec::new()))
            }
        };
        // Every copy is made before anything is queued, so a recipient without a certificate
        // (or a locked keystore) queues nothing.
        //
        // Encrypted mail with Bcc: a shared EnvelopedData would name every Bcc recipient in
        // its RecipientInfos (the issuer and serial of their certificates), readable by every
        // To/Cc recipient, which defeats the blind copy. So the To/Cc message is encrypted
        // to To, Cc and the sender only, and each Bcc recipient gets a separate copy
        // encrypted to that recipient and the sender (RFC 5322 §3.6.3, second method).
        // Unencrypted mail has nothing that names them: one SMTP transaction carries all.
        struct Copy {
            envelope: Vec<String>,
            raw: Vec<u8>,
        }
        let mut copies: Vec<Copy> = Vec::new();
        let mut cipher = None;
        let mut encrypted_to: Vec<String> = Vec::new();
        let mut note = |to: Vec<String>| {
            for r in to {
                if !encrypted_to.iter().any(|x| x.eq_ignore_ascii_case(&r)) {
                    encrypted_to.push(r);
                }
            }
        };
        if encrypt && !blind.is_empty() {
            if !visible.is_empty() {
                let (out, c, to) = protect(prepared.clone(), &visible)?;
                cipher = c;
                note(to);
                copies.push(Copy {
                    envelope: visible.clone(),
                    raw: out,
                });
            }
            for b in &blind {
                let one = std::slice::from_ref(b);
                let (out, c, to) = protect(prepared.clone(), one)?;
                cipher = cipher.or(c);
                note(to);
                copies.push(Copy {
                    envelope: one.to_vec(),
                    raw: out,
                });
            }
        } else {
            let (out, c, to) = protect(prepared, &recipients)?;
            cipher = c;
            note(to);
            copies.push(Copy {
                envelope: recipients.clone(),
                raw: out,
            });
        }
        let sent_copy = if blind.is_empty() {
            None
        } else {
            Some(protect(with_bcc, &recipients)?.0)
        };
        // The unencrypted copy: no Bcc header (it would name the blind recipients to anyone
        // reading it), signed when the message is; one SMTP transaction for all of them.
        let plain_copy = if plain.is_empty() {
            None
        } else if sign {
            Some(self.sign_message(&prepared_plain, &from, false, passphrase)?)
        } else {
            Some(prepared_plain.clone())
        };
        // The password is fetched before queueing so a locked keystore queues nothing.
        let login = self.account_login(&a, passphrase)?;
        let mut ids = Vec::new();
        for (i, c) in copies.iter().enumerate() {
            // The first copy carries the Sent copy; the others go to no folder.
            let id = self.store.outbox_add(
                &a.name,
                &message_id,
                &subject,
                &a.email,
                &c.envelope,
                &c.raw,
                if i == 0 { sent_copy.as_deref() } else { None },
            )?;
            if i > 0 {
                self.store.outbox_set_appended(id, None)?;
            }
            ids.push(id);
        }
        let plain_id = match &plain_copy {
            Some(raw) => {
                let id = self.store.outbox_add(
                    &a.name,
                    &message_id,
                    &subject,
                    &a.email,
                    &plain,
                    raw,
                    None,
                )?;
                self.store.outbox_set_appended(id, None)?;
                Some(id)
            }
            None => None,
        };
        let mut delivered = true;
        let mut entries = Vec::new();
        for id in ids {
            let (ok, entry) = self.deliver(&a, &login, id, false)?;
            delivered &= ok;
            entries.push(entry);
        }
        let unencrypted_copy = match plain_id {
            Some(id) => {
                let (ok, entry) = self.deliver(&a, &login, id, false)?;
                delivered &= ok;
                Some(entry)
            }
            None => None,
        };
        let mut entries = entries.into_iter();
        let entry = entries
            .next()
            .ok_or_else(|| bad("the message has no recipient (To, Cc or Bcc)"))?;
        Ok(SendResult {
            delivered,
            signed: sign,
            encrypted: encrypt,
            cipher,
            encrypted_to,
            entry,
            bcc_copies: entries.collect(),
            unencrypted_to: plain,
            unencrypted_copy,
        })
    }

    /// Sends each address a signed message asking for their certificate: the signature carries
    /// the sender's certificate, and a signed reply brings theirs (harvested when it is read),
    /// after which mail to them can be encrypted. One message per address, so the addresses are
    /// not disclosed to each other. Nothing is sent when the sender cannot sign.
    pub fn request_certificates(
        &self,
        account: &str,
        emails: &[String],
        passphrase: PassphraseSource,
    ) -> Result<Vec<SendResult>, ApiError> {
        let a = self.account_row(account)?;
        let mut to: Vec<String> = Vec::new();
        for e in emails.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
            if addresses(e) != vec![e.to_string()] {
                return Err(bad(format!("{e:?} is not an e-mail address")));
            }
            if !to.iter().any(|x| x.eq_ignore_ascii_case(e)) {
                to.push(e.to_string());
            }
        }
        if to.is_empty() {
            return Err(bad("name at least one address to ask for a certificate"));
        }
        let messages = to
            .iter()
            .map(|r| certificate_request(&a.email, r))
            .collect::<Result<Vec<_>, _>>()?;
        // Signing each first: a sender without a signing identity (or a locked keystore) sends
        // nothing.
        let signed = messages
            .iter()
            .map(|m| self.sign_message(m, &a.email, false, passphrase))
            .collect::<Result<Vec<_>, _>>()?;
        signed
            .iter()
            .map(|m| {
                let mut r = self.send_message(account, m, false, false, &[], passphrase)?;
                r.signed = true;
                Ok(r)
            })
            .collect()
    }

    /// Saves a draft (built by `message::build_draft`) in the account's Drafts folder (\\Drafts
    /// special use, else "Drafts", created when missing) with \\Draft and \\Seen. With
    /// `encrypt` it is stored encrypted to the sender alone (so the server keeps no plaintext
    /// of a message that is to go out encrypted); `replace` is the UID of the previous version,
    /// removed once the new one is stored.
    pub fn save_draft(
        &self,
        account: &str,
        msg: &[u8],
        encrypt: bool,
        replace: Option<u32>,
        passphrase: PassphraseSource,
    ) -> Result<DraftSaved, ApiError> {
        let a = self.account_row(account)?;
        let canon = smime::canonicalize(msg);
        let entity = Entity::parse(&canon).map_err(|e| bad(format!("not a message: {e}")))?;
        let from = header_values(&entity, "From")
            .iter()
            .flat_map(|v| addresses(v))
            .next();
        if !from.is_some_and(|f| f.eq_ignore_ascii_case(&a.email)) {
            return Err(bad(format!(
                "a draft of the account {:?} is from {}",
                a.name, a.email
            )));
        }
        let message_id = header_values(&entity, "Message-ID")
            .into_iter()
            .next()
            .ok_or_else(|| bad("the draft has no Message-ID"))?;
        let raw = if encrypt {
            self.encryption_cert(&a.email, true).map_err(|e| {
                ApiError::new(
                    e.code,
                    format!(
                        "the draft cannot be stored encrypted: {} (turn Encrypt off to save it unencrypted)",
                        e.message
                    ),
                )
            })?;
            // The whole draft goes inside as message/rfc822 (RFC 8551 §3.1), so its Bcc list
            // is not in the clear on the server; the outer header keeps what the Drafts list
            // shows.
            let mut headers: Vec<HeaderField> = entity
                .headers
                .iter()
                .filter(|h| !h.is_mime() && !h.name.eq_ignore_ascii_case("Bcc"))
                .cloned()
                .collect();
            headers.push(HeaderField::new("MIME-Version", "1.0"));
            headers.push(HeaderField::new("Content-Type", "message/rfc822"));
            drop(entity);
            let wrapped = Entity {
                headers,
                body: canon,
            }
            .to_bytes();
            self.encrypt_message_detailed(wrapped, &[], None, CipherChoice::Auto, passphrase)?
                .0
        } else {
            drop(entity);
            canon
        };
        let kek = self.kek(passphrase)?;
        let login = self.account_login(&a, passphrase)?;
        let ep = endpoint(&a, true);
        let (folder, uid) = block_on(async {
            let mut imap = Imap::login(&ep, &login).await?;
            let folder = imap.drafts_folder().await?;
            let raw = seal_draft(&kek, &a.email, &folder, &raw);
            let uid = imap.append_draft(&folder, &raw, &message_id).await?;
            if let Some(old) = replace.filter(|old| Some(*old) != uid) {
                imap.expunge(old).await?;
            }
            imap.logout().await;
            Ok::<_, MailError>((folder, uid))
        })?
        .map_err(mail_error)?;
        if let Some(old) = replace {
            self.store.remove_message(&a.name, &folder, old)?;
        }
        Ok(DraftSaved {
            folder,
            uid,
            encrypted: encrypt,
        })
    }

    /// Removes a draft from the Drafts folder for good (it was sent, or discarded).
    pub fn discard_draft(
        &self,
        account: &str,
        folder: &str,
        uid: u32,
        passphrase: PassphraseSource,
    ) -> Result<(), ApiError> {
        let a = self.account_row(account)?;
        let login = self.account_login(&a, passphrase)?;
        let ep = endpoint(&a, true);
        block_on(async {
            let mut imap = Imap::login(&ep, &login).await?;
            imap.select(folder).await?;
            imap.expunge(uid).await?;
            imap.logout().await;
            Ok::<_, MailError>(())
        })?
        .map_err(mail_error)?;
        self.store.remove_message(&a.name, folder, uid)?;
        Ok(())
    }

    /// A cached draft, decrypted in memory (no network), as compose fields; with its plaintext
    /// for the attachments it carries.
    pub fn open_draft(
        &self,
        account: &str,
        folder: &str,
        uid: u32,
        passphrase: PassphraseSource,
    ) -> Result<(DraftView, Zeroizing<Vec<u8>>), ApiError> {
        let a = self.account_row(account)?;
        let stored = self.cached_message(&a.name, folder, uid)?;
        let raw = unseal_draft(&self.kek(passphrase)?, &a.email, folder, &stored)?.to_vec();
        drop(stored);
        let (report, plain) = self.view_message(raw, passphrase)?;
        // An encrypted draft of ours holds the whole message as message/rfc822: the core
        // has unwrapped it.
        let plain = Zeroizing::new(plain);
        let view = super::message::draft_content(&plain, report.signed, report.encrypted)?;
        Ok((view, plain))
    }

    fn outbox_dto(&self, id: i64) -> Result<OutboxEntry, ApiError> {
        self.store
            .outbox_entry(id)?
            .map(entry_dto)
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no outbox entry {id}")))
    }

    /// Claims, sends, records; then appends to Sent. Returns whether SMTP accepted it now.
    fn deliver(
        &self,
        a: &AccountRow,
        login: &Login,
        id: i64,
        force: bool,
    ) -> Result<(bool, OutboxEntry), ApiError> {
        if !self.store.outbox_claim(id, force)? {
            return Ok((false, self.outbox_dto(id)?));
        }
        let entry = self
            .store
            .outbox_entry(id)?
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no outbox entry {id}")))?;
        let raw = self.store.outbox_raw(id)?.unwrap_or_default();
        let ep = endpoint(a, false);
        let result = block_on(async {
            let mut s = Smtp::login(&ep, login).await?;
            s.send(&entry.mail_from, &entry.recipients, &raw).await?;
            s.quit().await;
            Ok::<(), MailError>(())
        })?;
        match result {
            Ok(()) => self.store.outbox_set_state(id, OutboxState::Sent, None)?,
            Err(e) => {
                self.store
                    .outbox_set_state(id, OutboxState::Failed, Some(&stored_error(&e)))?;
                return Ok((false, self.outbox_dto(id)?));
            }
        }
        if !entry.appended {
            let copy = self.store.outbox_sent_copy(id)?.unwrap_or(raw);
            self.append_sent(a, login, id, &copy)?;
        }
        Ok((true, self.outbox_dto(id)?))
    }

    fn append_sent(
        &self,
        a: &AccountRow,
        login: &Login,
        id: i64,
        raw: &[u8],
    ) -> Result<(), ApiError> {
        let ep = endpoint(a, true);
        let r = block_on(async {
            let mut imap = Imap::login(&ep, login).await?;
            let folder = imap.sent_folder().await?;
            imap.append(&folder, raw).await?;
            imap.logout().await;
            Ok::<(), MailError>(())
        })?;
        match r {
            Ok(()) => self.store.outbox_set_appended(id, None)?,
            Err(e) => self
                .store
                .outbox_set_appended(id, Some(&stored_error(&e)))?,
        }
        Ok(())
    }

    pub fn outbox(&self) -> Result<Vec<OutboxEntry>, ApiError> {
        Ok(self.store.outbox()?.into_iter().map(entry_dto).collect())
    }

    /// Sends every queued or failed entry again and appends sent ones missing from Sent.
    /// Entries left `sending` by an interrupted run are uncertain (the server may have
    /// accepted them): they are skipped unless `force`.
    pub fn retry_outbox(
        &self,
        force: bool,
        passphrase: PassphraseSource,
    ) -> Result<Vec<RetryOutcome>, ApiError> {
        let mut out = Vec::new();
        for e in self.store.outbox()? {
            out.push(self.retry_row(e, force, passphrase)?);
        }
        Ok(out)
    }

    /// [`Home::retry_outbox`] for one entry.
    pub fn retry_outbox_entry(
        &self,
        id: i64,
        force: bool,
        passphrase: PassphraseSource,
    ) -> Result<RetryOutcome, ApiError> {
        let e = self
            .store
            .outbox_entry(id)?
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no outbox entry {id}")))?;
        self.retry_row(e, force, passphrase)
    }

    fn retry_row(
        &self,
        e: OutboxRow,
        force: bool,
        passphrase: PassphraseSource,
    ) -> Result<RetryOutcome, ApiError> {
        let sendable = matches!(e.state, OutboxState::Queued | OutboxState::Failed)
            || (force && e.state == OutboxState::Sending);
        let needs_append = e.state == OutboxState::Sent && !e.appended;
        if !sendable && !needs_append {
            let action = if e.state == OutboxState::Sending {
                "skipped-uncertain"
            } else {
                "nothing-to-do"
            };
            return Ok(RetryOutcome {
                action: action.into(),
                entry: entry_dto(e),
            });
        }
        let a = self.account_row(&e.account)?;
        let login = self.account_login(&a, passphrase)?;
        let action = if sendable {
            let (delivered, _) = self.deliver(&a, &login, e.id, force)?;
            if delivered { "sent" } else { "failed" }
        } else {
            let copy = self.store.outbox_sent_copy(e.id)?.unwrap_or_default();
            self.append_sent(&a, &login, e.id, &copy)?;
            "appended"
        };
        Ok(RetryOutcome {
            action: action.into(),
            entry: self.outbox_dto(e.id)?,
        })
    }

    /// Brings the local cache of `folder` up to date: new messages by UID from the last
    /// UIDNEXT, flags of known ones (only those changed since the last HIGHESTMODSEQ where the
    /// server offers CONDSTORE, RFC 7162), expunged ones removed; everything again when UIDVALIDITY
    /// changed. Headers first (one round trip for all new messages), then every missing body
    /// up to the size limit. Raw messages are stored as received.
    pub fn sync(
        &self,
        account: &str,
        folder: &str,
        passphrase: PassphraseSource,
    ) -> Result<SyncResult, ApiError> {
        self.sync_folder(account, folder, passphrase, true)
    }

    /// [`Home::sync`] without downloading bodies: the message list is complete and current,
    /// and a later [`Home::sync`] fetches the bodies still missing.
    pub fn sync_headers(
        &self,
        account: &str,
        folder: &str,
        passphrase: PassphraseSource,
    ) -> Result<SyncResult, ApiError> {
        self.sync_folder(account, folder, passphrase, false)
    }

    fn sync_folder(
        &self,
        account: &str,
        folder: &str,
        passphrase: PassphraseSource,
        bodies: bool,
    ) -> Result<SyncResult, ApiError> {
        let a = self.account_row(account)?;
        let login = self.account_login(&a, passphrase)?;
        let ep = endpoint(&a, true);
        let stored = self.store.folder_state(&a.name, folder)?;
        let stored_modseq = self.store.folder_modseq(&a.name, folder)?;
        let cached_below = match stored {
            Some((_, next)) => self.store.message_count_below(&a.name, folder, next)?,
            None => 0,
        };
        let rt = runtime()?;
        let (mut imap, mb, changed, start, known, headers) = rt
            .block_on(async {
                let mut imap = Imap::login(&ep, &login).await?;
                let condstore = imap.enable_condstore().await?;
                let mb = imap.examine(folder).await?;
                let changed = stored.is_some_and(|(v, _)| v != mb.uid_validity);
                let start = match stored {
                    Some((v, next)) if v == mb.uid_validity => next.max(1),
                    _ => 1,
                };
                let mut known = Known::Full(Vec::new());
                let mut headers = Vec::new();
                // RFC 7162 §3.1.4: with the HIGHESTMODSEQ of the last sync, only the flags
                // changed since then are fetched (none when it did not move).
                let since = match (condstore, stored_modseq, mb.highest_modseq) {
                    (true, Some(old), Some(now)) if start > 1 && !changed => Some((old, now)),
                    _ => None,
                };
                if mb.exists > 0 {
                    if let Some((old, now)) = since {
                        let changes = if now == old {
                            Vec::new()
                        } else {
                            imap.flags_changed_since(start, old).await?
                        };
                        known = Known::Changes(changes, None);
                    } else if start > 1 {
                        let mut all = imap.flags_from(1).await?;
                        all.retain(|(uid, _)| *uid < start);
                        known = Known::Full(all);
                    }
                    headers = imap.headers_from(start).await?;
                    headers.retain(|f| f.uid >= start);
                    // Expunged messages: the folder holds `exists` messages, the new ones among
                    // them; when the rest matches the cache in number, nothing was removed
                    // (UIDs only grow), else one UID SEARCH says which are left.
                    if let Known::Changes(_, present) = &mut known {
                        let old_present = mb.exists.saturating_sub(headers.len() as u32);
                        if old_present != cached_below {
                            *present = Some(imap.uids_below(start).await?);
                        }
                    }
                }
                Ok::<_, MailError>((imap, mb, changed, start, known, headers))
            })
            .map_err(mail_error)?;
        if changed || stored.is_none() {
            self.store.clear_folder(&a.name, folder)?;
        }
        let flags_fetched = match &known {
            Known::Full(all) => all.len(),
            Known::Changes(changes, _) => changes.len(),
        } as u32;
        let (updated, removed) = if changed {
            (0, 0)
        } else {
            match &known {
                Known::Full(all) => self.store.reconcile_folder(&a.name, folder, start, all)?,
                Known::Changes(changes, present) => self.store.apply_flag_changes(
                    &a.name,
                    folder,
                    start,
                    changes,
                    present.as_ref(),
                )?,
            }
        };
        let fields: Vec<_> = headers.iter().map(|f| summary_fields(&f.raw)).collect();
        let new_rows: Vec<NewMessage> = headers
            .iter()
            .zip(&fields)
            .map(|(f, s)| NewMessage {
                uid: f.uid,
                flags: &f.flags,
                internal_date: f.internal_date.as_deref(),
                from: &s.from,
                to: &s.to,
                subject: &s.subject,
                date: s.date.as_deref(),
                message_id: s.message_id.as_deref(),
                smime: smime_kind(&f.raw).as_str(),
                raw: &f.raw,
                complete: false,
                size: f.size.unwrap_or(0),
            })
            .collect();
        self.store.put_messages(&a.name, folder, &new_rows)?;
        let new = new_rows.len() as u32;
        let skipped_large = new_rows.iter().filter(|m| m.size > MAX_MESSAGE).count() as u32;
        let max_uid = headers
            .iter()
            .map(|f| f.uid)
            .max()
            .unwrap_or(0)
            .max(start.saturating_sub(1));
        drop(new_rows);
        drop(headers);
        let next = mb
            .uid_next
            .unwrap_or(max_uid.saturating_add(1))
            .max(max_uid.saturating_add(1))
            .max(start);
        // The list is complete now; bodies missing after an interrupted download are fetched
        // by the next sync, since they stay marked as header-only.
        self.store
            .set_folder_state(&a.name, folder, mb.uid_validity, next, mb.highest_modseq)?;
        let mut downloaded = 0u32;
        if bodies {
            let missing = self
                .store
                .messages_without_body(&a.name, folder, MAX_MESSAGE)?;
            for chunk in missing.chunks(BODY_CHUNK) {
                let got = rt.block_on(imap.messages(chunk)).map_err(mail_error)?;
                let bodies: Vec<(u32, &[u8])> = got
                    .iter()
                    .filter(|f| chunk.contains(&f.uid) && !f.raw.is_empty())
                    .map(|f| (f.uid, f.raw.as_slice()))
                    .collect();
                downloaded += self.store.set_message_bodies(&a.name, folder, &bodies)? as u32;
            }
        }
        rt.block_on(imap.logout());
        let total = self.store.message_count(&a.name, folder)?;
        Ok(SyncResult {
            account: a.name,
            folder: folder.to_string(),
            uidvalidity: mb.uid_validity,
            uidvalidity_changed: changed,
            new,
            flags_updated: updated as u32,
            removed: removed as u32,
            flags_fetched,
            skipped_large,
            downloaded,
            total,
        })
    }

    /// The IMAP server and login of `account`, for a watcher that waits for new mail without
    /// holding this home ([`IdleTarget::wait_for_change`]).
    pub fn idle_target(
        &self,
        account: &str,
        passphrase: PassphraseSource,
    ) -> Result<IdleTarget, ApiError> {
        let a = self.account_row(account)?;
        let login = self.account_login(&a, passphrase)?;
        Ok(IdleTarget {
            ep: endpoint(&a, true),
            login,
        })
    }

    /// Searches `folder` on the server (headers and bodies; encrypted bodies are ciphertext
    /// to the server, so those are found by their headers) and returns the matching messages
    /// of the local cache, in UID order. Matches not in the cache yet are left out: sync
    /// first.
    pub fn search_messages(
        &self,
        account: &str,
        folder: &str,
        text: &str,
        passphrase: PassphraseSource,
    ) -> Result<Vec<MessageSummary>, ApiError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(bad("search for some text"));
        }
        if text.len() > 200 || text.chars().any(char::is_control) {
            return Err(bad(
                "search text must be one line of at most 200 characters",
            ));
        }
        let a = self.account_row(account)?;
        let login = self.account_login(&a, passphrase)?;
        let ep = endpoint(&a, true);
        let uids = block_on(async {
            let mut imap = Imap::login(&ep, &login).await?;
            imap.examine(folder).await?;
            let uids = imap.search(text).await?;
            imap.logout().await;
            Ok::<_, MailError>(uids)
        })?
        .map_err(mail_error)?;
        let wanted: std::collections::HashSet<u32> = uids.into_iter().collect();
        Ok(self
            .store
            .messages(&a.name, folder)?
            .into_iter()
            .filter(|m| wanted.contains(&m.uid))
            .map(summary_dto)
            .collect())
    }

    /// The cached messages of a folder (run [`Home::sync`] first); no network.
    pub fn list_messages(
        &self,
        account: &str,
        folder: &str,
    ) -> Result<Vec<MessageSummary>, ApiError> {
        let a = self.account_row(account)?;
        Ok(self
            .store
            .messages(&a.name, folder)?
            .into_iter()
            .map(summary_dto)
            .collect())
    }

    /// The cached bytes of a whole message; a clear error when it is not cached, or only its
    /// header block is (too large to download, or not downloaded yet). No network.
    pub(crate) fn cached_message(
        &self,
        account: &str,
        folder: &str,
        uid: u32,
    ) -> Result<Vec<u8>, ApiError> {
        let (raw, complete) = self
            .store
            .message_raw(account, folder, uid)?
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NotFound,
                    format!(
                        "no message with UID {uid} in {folder} of {account}; sync the folder first"
                    ),
                )
            })?;
        if complete {
            return Ok(raw);
        }
        let size = self
            .store
            .messages(account, folder)?
            .into_iter()
            .find(|m| m.uid == uid)
            .map(|m| m.size)
            .unwrap_or(0);
        let why = if size > MAX_MESSAGE {
            format!(
                "message {uid} is {} MiB, larger than the {} MiB this app downloads",
                size / (1024 * 1024),
                MAX_MESSAGE / (1024 * 1024)
            )
        } else {
            format!(
                "only the header of message {uid} has been downloaded so far; sync {folder} to download its body"
            )
        };
        Err(ApiError::new(ErrorCode::NotFound, why))
    }

    /// Opens a cached message: decrypted and verified like `decrypt` (certificates harvested
    /// from valid signatures). No network.
    pub fn read_message(
        &self,
        account: &str,
        folder: &str,
        uid: u32,
        passphrase: PassphraseSource,
    ) -> Result<ReadMessage, ApiError> {
        let a = self.account_row(account)?;
        let raw = self.cached_message(&a.name, folder, uid)?;
        let kind = smime_kind(&raw);
        if kind == SmimeKind::None {
            return Ok(ReadMessage {
                report: None,
                smime: kind,
                message: raw,
            });
        }
        let (report, message) = self.open_message(raw, passphrase)?;
        Ok(ReadMessage {
            report: Some(report),
            smime: kind,
            message,
        })
    }
}

/// The first header field of every draft Sealpost stores: a MAC, under a key only this
/// keystore holds, of the account, the folder and the rest of the draft. A message planted in
/// Drafts by whoever can write to the mailbox (a captured ciphertext with `To: attacker` and
/// `X-Sealpost-Draft: encrypt=no`) has none, so it never opens into the compose form.
const DRAFT_SEAL: &str = "X-Sealpost-Draft-Seal";
const DRAFT_SEAL_PURPOSE: &str = "draft seal v1";

fn draft_seal_tag(kek: &crate::keystore::Kek, email: &str, folder: &str, raw: &[u8]) -> [u8; 32] {
    let email = email.to_ascii_lowercase();
    kek.mac(
        DRAFT_SEAL_PURPOSE,
        &[email.as_bytes(), folder.as_bytes(), raw],
    )
}

fn seal_draft(kek: &crate::keystore::Kek, email: &str, folder: &str, raw: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    let tag = draft_seal_tag(kek, email, folder, raw);
    let b64 = base64::engine::general_purpose::STANDARD.encode(tag);
    let mut out = format!("{DRAFT_SEAL}: v1 {b64}\r\n").into_bytes();
    out.extend_from_slice(raw);
    out
}

/// The draft under a valid seal of this keystore, for this account and folder.
fn unseal_draft<'a>(
    kek: &crate::keystore::Kek,
    email: &str,
    folder: &str,
    stored: &'a [u8],
) -> Result<&'a [u8], ApiError> {
    use base64::Engine as _;
    let refuse = || {
        ApiError::new(
            ErrorCode::BadInput,
            "this draft was not saved by Sealpost with this keystore in this folder, or it was \
             changed on the server since: it is not opened for editing (it can still be read \
             as a message)",
        )
    };
    let prefix = format!("{DRAFT_SEAL}: v1 ");
    let rest = stored.strip_prefix(prefix.as_bytes()).ok_or_else(refuse)?;
    let end = rest
        .windows(2)
        .take(64)
        .position(|w| w == b"\r\n")
        .ok_or_else(refuse)?;
    let tag = base64::engine::general_purpose::STANDARD
        .decode(&rest[..end])
        .map_err(|_| refuse())?;
    let body = &rest[end + 2..];
    let email = email.to_ascii_lowercase();
    let parts: [&[u8]; 3] = [email.as_bytes(), folder.as_bytes(), body];
    if kek.mac_matches(DRAFT_SEAL_PURPOSE, &parts, &tag) {
        Ok(body)
    } else {
        Err(refuse())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_drafts_sealed_by_this_keystore_for_this_folder_open() {
        let (kek, other) = (
            crate::keystore::Kek::generate(),
            crate::keystore::Kek::generate(),
        );
        let draft = b"From: a@x.test\r\nX-Sealpost-Draft: sign=yes; encrypt=yes\r\n\r\nhi\r\n";
        let sealed = seal_draft(&kek, "A@x.test", "Drafts", draft);
        assert_eq!(
            unseal_draft(&kek, "a@x.test", "Drafts", &sealed).unwrap(),
            draft
        );
        for (k, email, folder, stored) in [
            (&other, "a@x.test", "Drafts", sealed.clone()),
            (&kek, "b@x.test", "Drafts", sealed.clone()),
            (&kek, "a@x.test", "INBOX", sealed.clone()),
            (&kek, "a@x.test", "Drafts", draft.to_vec()),
            (&kek, "a@x.test", "Drafts", [&sealed[..], b"x"].concat()),
            (&kek, "a@x.test", "Drafts", sealed[..40].to_vec()),
        ] {
            assert!(unseal_draft(k, email, folder, &stored).is_err());
        }
    }

    #[test]
    fn the_list_shows_to_else_cc() {
        let f = summary_fields(
            b"From: Alice <a@x.test>\r\nTo: Bob <b@x.test>, c@x.test\r\nCc: d@x.test\r\nSubject: Hi\r\nMessage-ID: <m@x.test>\r\n\r\n",
        );
        assert_eq!(f.from, "Alice <a@x.test>");
        assert_eq!(f.to, "Bob <b@x.test>, c@x.test");
        assert_eq!(f.subject, "Hi");
        assert_eq!(f.message_id.as_deref(), Some("<m@x.test>"));
        let f = summary_fields(b"From: a@x.test\r\nCc: d@x.test\r\n\r\n");
        assert_eq!(f.to, "d@x.test");
        let f = summary_fields(b"From: a@x.test\r\nBcc: e@x.test\r\n\r\n");
        assert_eq!(f.to, "e@x.test", "a sender's own Bcc-only copy");
        assert_eq!(summary_fields(b"Subject: none\r\n\r\n").to, "");
    }

    #[test]
    fn smime_kinds_from_content_type() {
        assert_eq!(
            smime_kind(b"Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n\r\nMIAG"),
            SmimeKind::Encrypted
        );
        assert_eq!(
            smime_kind(
                b"Content-Type: application/pkcs7-mime; smime-type=authEnveloped-data\r\n\r\nx"
            ),
            SmimeKind::Encrypted
        );
        assert_eq!(
            smime_kind(b"Content-Type: application/x-pkcs7-mime; smime-type=signed-data\n\nx"),
            SmimeKind::Signed
        );
        assert_eq!(
            smime_kind(b"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=b\r\n\r\n"),
            SmimeKind::Signed
        );
        assert_eq!(
            smime_kind(b"Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; boundary=b\r\n\r\n"),
            SmimeKind::None
        );
        assert_eq!(smime_kind(b"Subject: hi\r\n\r\nbody"), SmimeKind::None);
        assert_eq!(smime_kind(b""), SmimeKind::None);
        assert_eq!(smime_kind(&[0xff; 100]), SmimeKind::None);
    }

    #[test]
    fn stored_errors_keep_their_kind() {
        let e = MailError::StarttlsMissing {
            server: "SMTP h:1".into(),
        };
        let s = stored_error(&e);
        assert_eq!(error_kind_of(&s), Some(MailErrorKind::StarttlsMissing));
        assert!(strip_kind(&s).starts_with("SMTP h:1: the server does not offer STARTTLS"));
        assert_eq!(error_kind_of("plain"), None);
    }

    #[test]
    fn account_names_and_hosts_are_checked() {
        assert!(check_name("work").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a/b").is_err());
        assert!(check_host("mail.example.test").is_ok());
        assert!(check_host("127.0.0.1").is_ok());
        assert!(check_host("a b").is_err());
    }
}
