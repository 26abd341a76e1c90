//! New RFC 5322 messages from a [`Draft`] (RFC 2046 multipart/mixed and multipart/alternative,
//! built by `mail-builder`), and the drafts Sealpost saves.

use super::html::{HTML_HEAD, HTML_TAIL, html_to_text, sanitize_outgoing_html};
use super::{Draft, MessageError};

fn valid_address(a: &str) -> bool {
    let a = a.trim();
    match a.split_once('@') {
        Some((l, d)) => {
            !l.is_empty()
                && d.contains('.')
                && !d.starts_with('.')
                && !d.ends_with('.')
                && !a
                    .chars()
                    .any(|c| c.is_whitespace() || "<>,;\"()[]\\".contains(c))
        }
        None => false,
    }
}

/// A new message (multipart/mixed when there are attachments) from a draft.
pub fn build(
    draft: &Draft,
    files: &[(String, Vec<u8>)],
    now: u64,
) -> Result<Vec<u8>, MessageError> {
    assemble(draft, files, now, false)
}

/// Marks a message as one of our drafts and keeps the Sign and Encrypt toggles with it
/// (`sign=yes; encrypt=no`). Never in what is sent: sending builds anew with [`build`].
pub const DRAFT_HEADER: &str = "X-Sealpost-Draft";

/// A draft to save in the Drafts folder: as [`build`], but it may have no recipient yet, and
/// it carries [`DRAFT_HEADER`].
pub fn build_draft(
    draft: &Draft,
    files: &[(String, Vec<u8>)],
    now: u64,
) -> Result<Vec<u8>, MessageError> {
    assemble(draft, files, now, true)
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn assemble(
    draft: &Draft,
    files: &[(String, Vec<u8>)],
    now: u64,
    as_draft: bool,
) -> Result<Vec<u8>, MessageError> {
    if !valid_address(&draft.from) {
        return Err(MessageError::NotAnAddress(draft.from.clone()));
    }
    let clean = |v: &[String]| -> Result<Vec<String>, MessageError> {
        v.iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| {
                if valid_address(s) {
                    Ok(s.to_string())
                } else {
                    Err(MessageError::NotAnAddress(s.to_string()))
                }
            })
            .collect()
    };
    let to = clean(&draft.to)?;
    let cc = clean(&draft.cc)?;
    let bcc = clean(&draft.bcc)?;
    if to.is_empty() && cc.is_empty() && bcc.is_empty() && !as_draft {
        return Err(MessageError::NoRecipient);
    }
    let mut id = [0u8; 12];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut id);
    let domain = draft
        .from
        .rsplit_once('@')
        .map(|(_, d)| d.trim().to_string())
        .unwrap_or_else(|| "sealpost.invalid".into());
    let mut b = mail_builder::MessageBuilder::new()
        .from(draft.from.trim().to_string())
        .subject(draft.subject.clone())
        .date(now as i64)
        .message_id(format!("{}@{domain}", hex::encode(id)));
    // Formatted text: multipart/alternative, text/plain first (the least preferred, RFC 2046
    // §5.1.4), then the sanitised HTML. The plain part is rendered from that same HTML.
    let html = draft
        .html
        .as_deref()
        .map(sanitize_outgoing_html)
        .filter(|h| !h.trim().is_empty());
    b = match html {
        Some(h) => b
            .text_body(html_to_text(&h))
            .html_body(format!("{HTML_HEAD}{h}{HTML_TAIL}")),
        None => b.text_body(draft.body.replace("\r\n", "\n")),
    };
    if !to.is_empty() {
        b = b.to(to);
    }
    if !cc.is_empty() {
        b = b.cc(cc);
    }
    // Kept in the built message for the sender (a saved .eml, the Sent copy); sending removes
    // it from every copy a recipient gets.
    if !bcc.is_empty() {
        b = b.bcc(bcc);
    }
    for (name, data) in files {
        b = b.attachment(super::media_type(name), name.clone(), data.clone());
    }
    if as_draft {
        b = b.header(
            DRAFT_HEADER,
            mail_builder::headers::raw::Raw::new(format!(
                "sign={}; encrypt={}",
                yes(draft.sign),
                yes(draft.encrypt)
            )),
        );
    }
    b.write_to_vec()
        .map_err(|e| MessageError::Build(e.to_string()))
}
