//! An opened message and the result of composing one to a file.

use super::{Attachment, MessageHeaders, Report};
use crate::message::redacted;
use serde::Serialize;

/// An opened message: the security report (drawn by the app, never by the message), the
/// headers, the body and the attachments. Its `Debug` leaves the decrypted body out.
#[derive(Clone, Serialize)]
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

impl std::fmt::Debug for MessageView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageView")
            .field("id", &self.id)
            .field("report", &self.report)
            .field("headers", &self.headers)
            .field("text", &redacted(&self.text))
            .field("html", &redacted(&self.html))
            .field("attachments", &self.attachments)
            .finish()
    }
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
