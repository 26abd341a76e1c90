//! Plain RFC 5322 messages (RFC 2045-2049 MIME) for the app and the CLI, below S/MIME's use
//! cases: what a decrypted message shows ([`view`]), new messages and drafts from the compose
//! fields ([`build`], [`build_draft`]), the HTML sanitiser for reading and sending and the
//! plain-text rendering of formatted mail ([`html`]), and the one strict RFC 5322 address parser
//! that serves the signature check, the display and sending ([`address`]).
//!
//! Nothing here does I/O or cryptography; [`crate::smime`] wraps and unwraps, the use cases in
//! `api` decide.

pub mod address;
mod build;
pub mod html;
#[cfg(test)]
mod tests;
mod view;

use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use build::{DRAFT_HEADER, build, build_draft};
pub use html::{html_to_text, sanitize_html, sanitize_outgoing_html};
pub use view::{MessageParts, attachment, draft_content, view};

/// Why a message cannot be read or built.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum MessageError {
    #[error("this is not an e-mail message")]
    NotAMessage,
    #[error("the message nests more than {max} MIME levels; it is not shown")]
    TooDeep { max: usize },
    #[error("the message has no such attachment")]
    NoSuchAttachment,
    #[error("{0:?} is not an e-mail address")]
    NotAnAddress(String),
    #[error("add at least one recipient")]
    NoRecipient,
    #[error("cannot build the message: {0}")]
    Build(String),
}

#[derive(Clone, Debug, Default, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct MessageHeaders {
    pub from: String,
    /// The display name of a From mailbox holds an address itself (`"alice@bar.test"
    /// <carol@bar.test>`): the reader must be told which address is the real one.
    pub from_name_looks_like_address: bool,
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

/// A message being composed. Its `Debug` leaves the text out.
#[derive(Clone, Deserialize, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Draft {
    pub from: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// Blind copies: delivered, never named in what To and Cc receive (RFC 5322 §3.6.3).
    #[serde(default)]
    pub bcc: Vec<String>,
    pub subject: String,
    /// The plain text. When `html` is set the core sends its own plain-text rendering of the
    /// HTML as the text/plain alternative instead (so the two always agree).
    pub body: String,
    /// The formatted body (HTML fragment) when the user wrote formatted text; `None` for plain
    /// text. Sent sanitised as text/html next to a text/plain alternative.
    #[serde(default)]
    pub html: Option<String>,
    /// Paths of files to attach.
    pub attachments: Vec<String>,
    pub sign: bool,
    pub encrypt: bool,
}

impl std::fmt::Debug for Draft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Draft")
            .field("from", &self.from)
            .field("to", &self.to)
            .field("cc", &self.cc)
            .field("bcc", &self.bcc)
            .field("body", &redacted(&Some(self.body.clone())))
            .field("html", &redacted(&self.html))
            .field("attachments", &self.attachments)
            .field("sign", &self.sign)
            .field("encrypt", &self.encrypt)
            .finish_non_exhaustive()
    }
}

/// The message a reply or forward answers, for threading (RFC 5322 §3.6.4).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ReplyContext {
    /// The Message-ID of the message answered, with its angle brackets.
    pub in_reply_to: Option<String>,
    /// Its References header, oldest first.
    pub references: Vec<String>,
}

/// What a saved draft holds, to fill the compose form again.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct DraftView {
    /// Names the opened draft when its attachments are carried into a save or send (set by
    /// the app's session; 0 otherwise).
    pub token: u32,
    /// The fields; `attachments` (paths) is empty: the draft's own attachments are `carried`.
    pub draft: Draft,
    /// Threading of a reply or forward the draft was.
    pub reply: ReplyContext,
    /// The draft's attachments, kept by the core until the draft is sent or replaced.
    pub carried: Vec<Attachment>,
}

/// How many bytes a redacted text had, for `Debug` output.
pub(crate) fn redacted(t: &Option<String>) -> String {
    match t {
        Some(t) => format!("<{} bytes>", t.len()),
        None => "None".into(),
    }
}

/// A guess of the media type of an attachment from its name.
pub fn media_type(name: &str) -> &'static str {
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
