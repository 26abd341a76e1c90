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

use zeroize::Zeroizing;

use crate::api::json::*;
use crate::api::{ApiError, ErrorCode, Home, PassphraseSource};
use crate::mail::imap::{Imap, MAX_MESSAGE, SpecialUse};
use crate::mail::smtp::Smtp;
use crate::mail::{self, Endpoint, Login, MailError, MailErrorKind, TlsMode};
use crate::message::address::addresses;
use crate::smime::{self, mime::Entity, mime::HeaderField};
use crate::store::mail::{AccountRow, MessageRow, NewMessage, OutboxRow, OutboxState};

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

impl MessageFlag {
    fn imap_name(self) -> &'static str {
        match self {
            MessageFlag::Seen => "\\Seen",
            MessageFlag::Flagged => "\\Flagged",
        }
    }
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
    Ok(account::connection_check(
        a.name, &imap_ep, imap, &smtp_ep, smtp,
    ))
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
        state: r.state,
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
        crate::cms::parse_certificates(pem)
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
fn certificate_request(from: &str, to: &str, at: u64) -> Result<Vec<u8>, ApiError> {
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
        .date(at as i64)
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
        // A value this version cannot read counts as not checked.
        checked: m.checked.and_then(|c| serde_json::from_str(&c).ok()),
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
            crate::net::tls::ca_certificates(&data)
                .map_err(|e| mail_error(mail::net::config_error(e)))?;
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

pub mod account;
pub mod desk;
pub mod draft;
pub mod outbox;
pub mod send;
pub mod sync;
pub mod watch;

#[cfg(test)]
mod tests {
    use super::draft::{seal_draft, unseal_draft};
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
    fn the_list_keeps_what_opening_found_until_the_message_is_cached_again() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::open(dir.path()).unwrap();
        let raw = b"From: a@x.test\r\nSubject: s\r\n\r\nhi\r\n";
        let flags: Vec<String> = Vec::new();
        let cache = || {
            let m = NewMessage {
                uid: 7,
                flags: &flags,
                internal_date: None,
                from: "a@x.test",
                to: "",
                subject: "s",
                date: None,
                message_id: None,
                smime: "encrypted",
                raw,
                complete: true,
                size: raw.len() as u32,
            };
            home.store.put_messages("acc", "INBOX", &[m]).unwrap();
        };
        let listed = || summary_dto(home.store.messages("acc", "INBOX").unwrap().remove(0));
        cache();
        assert_eq!(listed().checked, None, "nothing was opened yet");
        let report = Report {
            encrypted: true,
            signed: true,
            valid: false,
            ..Report::unprotected()
        };
        home.remember_check("acc", "INBOX", 7, Some(&report))
            .unwrap();
        let seen = CheckedVerdict {
            encrypted: true,
            signed: true,
            valid: false,
        };
        assert_eq!(listed().checked, Some(seen));
        home.remember_check("acc", "INBOX", 7, None).unwrap();
        assert_eq!(
            listed().checked.map(|c| c.signed || c.encrypted),
            Some(false)
        );
        // Cached again (a re-sync): what was found no longer applies.
        cache();
        assert_eq!(listed().checked, None);
        // A stored value this version cannot read counts as not checked, never as valid.
        home.store
            .set_message_checked("acc", "INBOX", 7, "{\"valid\":true}")
            .unwrap();
        assert_eq!(listed().checked, None);
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
