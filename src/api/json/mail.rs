//! Mail accounts, folders, the message list, sending, drafts and the outbox.

use super::Report;
use crate::mail::imap::SpecialUse;
use crate::mail::{MailErrorKind, TlsMode};
use crate::store::mail::OutboxState;
use serde::{Deserialize, Serialize};

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

#[derive(Clone, Debug, Default, Serialize)]
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
    pub state: OutboxState,
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

#[derive(Clone, Debug, Default, Serialize)]
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

/// The S/MIME form of a message, from its top-level Content-Type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum SmimeKind {
    Signed,
    Encrypted,
    None,
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
    /// From the Content-Type alone: what the message claims to be, before anything is checked.
    pub smime: SmimeKind,
    /// What opening it last found (decrypted, signatures checked); `null` until it is opened.
    pub checked: Option<CheckedVerdict>,
}

/// What opening a message found, kept for the message list: the verdict the banner showed,
/// never a guess from the Content-Type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CheckedVerdict {
    pub encrypted: bool,
    /// Signed inside any encryption (a signature over ciphertext does not count).
    pub signed: bool,
    /// Signed, and every signature valid for the From shown.
    pub valid: bool,
}

impl CheckedVerdict {
    /// The verdict of an opened message; `None` for one without S/MIME.
    pub fn of(report: Option<&Report>) -> CheckedVerdict {
        match report {
            Some(r) => CheckedVerdict {
                encrypted: r.encrypted,
                signed: r.signed,
                valid: r.signed && r.valid,
            },
            None => CheckedVerdict {
                encrypted: false,
                signed: false,
                valid: false,
            },
        }
    }
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

/// A message read from the cache.
pub struct ReadMessage {
    /// `None` for a message that is neither signed nor encrypted.
    pub report: Option<Report>,
    pub smime: SmimeKind,
    /// Decrypted content (or the raw message when it has no S/MIME layer).
    pub message: Vec<u8>,
}

/// What goes with a draft beyond its fields when it is sent. (No Debug: it holds the plaintext
/// of attachments.)
#[derive(Default)]
pub struct SendExtras {
    /// Recipients the user explicitly chose to get a separate unencrypted copy.
    pub unencrypted_to: Vec<String>,
    /// Attachments carried over from an opened draft (file name, bytes).
    pub carried: Vec<(String, Vec<u8>)>,
}
