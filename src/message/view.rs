//! The view of a (decrypted) message: headers, text, sanitised HTML, attachments; and the
//! compose fields of a saved draft.

use mail_parser::{MessageParser, MimeHeaders, PartType};

use super::build::DRAFT_HEADER;
use super::html::{sanitize_html, sanitize_outgoing_html};
use super::{Attachment, Draft, DraftView, MessageError, MessageHeaders, ReplyContext};

const MAX_DEPTH: usize = 40;

pub(super) fn parse(raw: &[u8]) -> Result<mail_parser::Message<'_>, MessageError> {
    MessageParser::default()
        .parse(raw)
        .ok_or(MessageError::NotAMessage)
}

fn addresses(a: Option<&mail_parser::Address<'_>>) -> String {
    super::address::display_list(&super::address::from_parsed(a))
}

fn too_deep(raw: &[u8]) -> bool {
    // Count nested multipart boundaries cheaply: mail-parser limits nesting itself, this keeps
    // a clear error for absurd input.
    let mut depth = 0usize;
    for line in raw.split(|&b| b == b'\n').take(200_000) {
        let l = line.to_ascii_lowercase();
        if l.starts_with(b"content-type:") && l.windows(10).any(|w| w == b"multipart/") {
            depth += 1;
            if depth > MAX_DEPTH {
                return true;
            }
        }
    }
    false
}

/// What the app shows of a message: headers, text, sanitised HTML, attachments.
pub type MessageParts = (
    MessageHeaders,
    Option<String>,
    Option<String>,
    Vec<Attachment>,
);

/// Headers, text, sanitised HTML and the attachment list of a (decrypted) message.
pub fn view(raw: &[u8]) -> Result<MessageParts, MessageError> {
    if too_deep(raw) {
        return Err(MessageError::TooDeep { max: MAX_DEPTH });
    }
    let m = parse(raw)?;
    let from = super::address::from_parsed(m.from());
    let headers = MessageHeaders {
        from: super::address::display_list(&from),
        from_name_looks_like_address: from.iter().any(|f| f.name_looks_like_address()),
        to: addresses(m.to()),
        cc: addresses(m.cc()),
        subject: m.subject().unwrap_or("").to_string(),
        date: m.date().map(|d| d.to_rfc3339()).unwrap_or_default(),
        message_id: m.message_id().unwrap_or("").to_string(),
    };
    let text = m
        .text_bodies()
        .find_map(|p| match &p.body {
            PartType::Text(t) => Some(t.to_string()),
            _ => None,
        })
        .or_else(|| {
            m.html_bodies().find_map(|p| match &p.body {
                PartType::Html(h) => Some(mail_parser::decoders::html::html_to_text(h)),
                _ => None,
            })
        });
    let html = m.html_bodies().find_map(|p| match &p.body {
        PartType::Html(h) => Some(sanitize_html(h)),
        _ => None,
    });
    let attachments = m
        .attachments()
        .enumerate()
        .map(|(i, p)| Attachment {
            index: i as u32,
            filename: p
                .attachment_name()
                .map(str::to_string)
                .unwrap_or_else(|| format!("attachment-{}", i + 1)),
            content_type: p
                .content_type()
                .map(|c| match c.subtype() {
                    Some(s) => format!("{}/{}", c.ctype(), s),
                    None => c.ctype().to_string(),
                })
                .unwrap_or_else(|| "application/octet-stream".into()),
            size: p.contents().len() as u64,
        })
        .collect();
    Ok((headers, text, html, attachments))
}

/// The decoded bytes of attachment `index`.
pub fn attachment(raw: &[u8], index: u32) -> Result<Vec<u8>, MessageError> {
    let m = parse(raw)?;
    m.attachments()
        .nth(index as usize)
        .map(|p| p.contents().to_vec())
        .ok_or(MessageError::NoSuchAttachment)
}

fn address_list(a: Option<&mail_parser::Address<'_>>) -> Vec<String> {
    a.map(|a| {
        a.iter()
            .filter_map(|x| x.address())
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

/// The compose fields of a (decrypted) draft: ours with its toggles, or another client's
/// (then Sign follows whether it was signed and Encrypt whether it was encrypted, as given).
pub fn draft_content(
    raw: &[u8],
    was_signed: bool,
    was_encrypted: bool,
) -> Result<DraftView, MessageError> {
    if too_deep(raw) {
        return Err(MessageError::TooDeep { max: MAX_DEPTH });
    }
    let m = parse(raw)?;
    let toggles = m
        .header_raw(DRAFT_HEADER)
        .map(|v| v.to_ascii_lowercase().replace(' ', ""));
    let toggle = |name: &str, default: bool| match &toggles {
        Some(t) => t.split(';').any(|kv| kv.trim() == format!("{name}=yes")),
        None => default,
    };
    let (_, text, _, carried) = view(raw)?;
    let html = m.html_bodies().find_map(|p| match &p.body {
        PartType::Html(h) => Some(sanitize_outgoing_html(h)),
        _ => None,
    });
    let html = html.map(|h| {
        // Our own HTML comes wrapped in a document; the editor wants the body.
        let lower = h.to_ascii_lowercase();
        match (lower.find("<body"), lower.rfind("</body>")) {
            (Some(start), Some(end)) if start < end => match h[start..end].find('>') {
                Some(gt) => h[start + gt + 1..end].trim().to_string(),
                None => h,
            },
            _ => h,
        }
    });
    let ids = |v: Option<&mail_parser::HeaderValue<'_>>| -> Vec<String> {
        match v {
            Some(mail_parser::HeaderValue::Text(t)) => vec![format!("<{t}>")],
            Some(mail_parser::HeaderValue::TextList(l)) => {
                l.iter().map(|t| format!("<{t}>")).collect()
            }
            _ => Vec::new(),
        }
    };
    let in_reply_to = ids(Some(m.in_reply_to())).into_iter().next();
    let references = ids(Some(m.references()));
    Ok(DraftView {
        token: 0,
        draft: Draft {
            from: address_list(m.from())
                .into_iter()
                .next()
                .unwrap_or_default(),
            to: address_list(m.to()),
            cc: address_list(m.cc()),
            bcc: address_list(m.bcc()),
            subject: m.subject().unwrap_or("").to_string(),
            body: text.unwrap_or_default(),
            html,
            attachments: Vec::new(),
            sign: toggle("sign", was_signed),
            // A draft that was stored encrypted stays encrypted until the user turns it off.
            encrypt: was_encrypted || toggle("encrypt", false),
        },
        reply: ReplyContext {
            in_reply_to,
            references,
        },
        carried,
    })
}
