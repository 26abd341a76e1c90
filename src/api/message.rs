//! Reading and building plain RFC 5322 messages for the app: the view of a decrypted message
//! (headers, body, attachments) and a new message from a draft. S/MIME is not done here; the
//! [`super::Home`] use cases wrap and unwrap.

use mail_parser::{MessageParser, MimeHeaders, PartType};

use super::session::{Attachment, Draft, MessageHeaders};
use super::{ApiError, ErrorCode};

/// Nesting deeper than this is refused (hostile input).
const MAX_DEPTH: usize = 40;

fn parse(raw: &[u8]) -> Result<mail_parser::Message<'_>, ApiError> {
    MessageParser::default()
        .parse(raw)
        .ok_or_else(|| ApiError::new(ErrorCode::BadInput, "this is not an e-mail message"))
}

fn addresses(a: Option<&mail_parser::Address<'_>>) -> String {
    let Some(a) = a else {
        return String::new();
    };
    a.iter()
        .map(|x| {
            let addr = x.address().unwrap_or("");
            match x.name() {
                Some(n) if !n.is_empty() => format!("{n} <{addr}>"),
                _ => addr.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
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
pub fn view(raw: &[u8]) -> Result<MessageParts, ApiError> {
    if too_deep(raw) {
        return Err(ApiError::new(
            ErrorCode::BadInput,
            format!("the message nests more than {MAX_DEPTH} MIME levels; it is not shown"),
        ));
    }
    let m = parse(raw)?;
    let headers = MessageHeaders {
        from: addresses(m.from()),
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
pub fn attachment(raw: &[u8], index: u32) -> Result<Vec<u8>, ApiError> {
    let m = parse(raw)?;
    m.attachments()
        .nth(index as usize)
        .map(|p| p.contents().to_vec())
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "the message has no such attachment"))
}

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
pub fn build(draft: &Draft, files: &[(String, Vec<u8>)], now: u64) -> Result<Vec<u8>, ApiError> {
    if !valid_address(&draft.from) {
        return Err(ApiError::new(
            ErrorCode::BadInput,
            format!("{:?} is not an e-mail address", draft.from),
        ));
    }
    let clean = |v: &[String]| -> Result<Vec<String>, ApiError> {
        v.iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| {
                if valid_address(s) {
                    Ok(s.to_string())
                } else {
                    Err(ApiError::new(
                        ErrorCode::BadInput,
                        format!("{s:?} is not an e-mail address"),
                    ))
                }
            })
            .collect()
    };
    let to = clean(&draft.to)?;
    let cc = clean(&draft.cc)?;
    let bcc = clean(&draft.bcc)?;
    if to.is_empty() && cc.is_empty() && bcc.is_empty() {
        return Err(ApiError::new(
            ErrorCode::BadInput,
            "add at least one recipient",
        ));
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
        .message_id(format!("{}@{domain}", hex::encode(id)))
        .text_body(draft.body.replace("\r\n", "\n"));
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
        b = b.attachment(super::session::media_type(name), name.clone(), data.clone());
    }
    b.write_to_vec()
        .map_err(|e| ApiError::new(ErrorCode::Storage, format!("cannot build the message: {e}")))
}

const DROP_WITH_CONTENT: &[&str] = &[
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "noscript",
    "template", "svg", "math", "title", "head",
];
const ALLOWED: &[&str] = &[
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
    "center",
    "body",
    "html",
];
const ALLOWED_ATTRS: &[&str] = &[
    "align",
    "alt",
    "border",
    "cellpadding",
    "cellspacing",
    "color",
    "colspan",
    "dir",
    "face",
    "height",
    "lang",
    "rowspan",
    "size",
    "style",
    "title",
    "valign",
    "width",
    "href",
    "src",
];

fn safe_url(attr: &str, value: &str) -> bool {
    let v: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    match attr {
        "href" => v.starts_with("mailto:") || v.starts_with('#'),
        "src" => {
            v.starts_with("data:image/png")
                || v.starts_with("data:image/jpeg")
                || v.starts_with("data:image/gif")
        }
        _ => true,
    }
}

fn escape_attr(v: &str) -> String {
    v.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Parses the attributes of a tag body (after the name).
fn attributes(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let b: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i].is_whitespace() || b[i] == '/') {
            i += 1;
        }
        let start = i;
        while i < b.len() && !b[i].is_whitespace() && b[i] != '=' && b[i] != '/' {
            i += 1;
        }
        let name: String = b[start..i].iter().collect::<String>().to_ascii_lowercase();
        while i < b.len() && b[i].is_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < b.len() && b[i] == '=' {
            i += 1;
            while i < b.len() && b[i].is_whitespace() {
                i += 1;
            }
            if i < b.len() && (b[i] == '"' || b[i] == '\'') {
                let q = b[i];
                i += 1;
                let vs = i;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                value = b[vs..i].iter().collect();
                i += 1;
            } else {
                let vs = i;
                while i < b.len() && !b[i].is_whitespace() {
                    i += 1;
                }
                value = b[vs..i].iter().collect();
            }
        }
        if !name.is_empty() {
            out.push((name, value));
        }
    }
    out
}

/// Keeps only harmless formatting: no scripts, frames, forms, styles sheets, event handlers,
/// remote images or links (EFAIL: nothing in a message may cause a request). The app shows the
/// result in a sandboxed frame that forbids all requests as well.
pub fn sanitize_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let mut skip_until: Option<String> = None;
    while let Some(lt) = rest.find('<') {
        let (text, after) = rest.split_at(lt);
        if skip_until.is_none() {
            out.push_str(text);
        }
        // Comments and declarations vanish.
        if after.starts_with("<!--") {
            rest = match after.find("-->") {
                Some(e) => &after[e + 3..],
                None => "",
            };
            continue;
        }
        let Some(gt) = after.find('>') else {
            rest = "";
            break;
        };
        let tag = &after[1..gt];
        rest = &after[gt + 1..];
        if tag.starts_with('!') || tag.starts_with('?') {
            continue;
        }
        let closing = tag.starts_with('/');
        let body = tag.trim_start_matches('/');
        let name_end = body
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(body.len());
        let name = body[..name_end].to_ascii_lowercase();
        if let Some(until) = &skip_until {
            if closing && &name == until {
                skip_until = None;
            }
            continue;
        }
        if DROP_WITH_CONTENT.contains(&name.as_str()) {
            if !closing && !body.trim_end().ends_with('/') {
                skip_until = Some(name);
            }
            continue;
        }
        if !ALLOWED.contains(&name.as_str()) {
            continue;
        }
        if closing {
            out.push_str(&format!("</{name}>"));
            continue;
        }
        out.push('<');
        out.push_str(&name);
        for (k, v) in attributes(&body[name_end..]) {
            if !ALLOWED_ATTRS.contains(&k.as_str()) || !safe_url(&k, &v) {
                continue;
            }
            if k == "style" {
                let lower = v.to_ascii_lowercase();
                if lower.contains("url(")
                    || lower.contains("expression")
                    || lower.contains("@import")
                {
                    continue;
                }
            }
            out.push_str(&format!(" {k}=\"{}\"", escape_attr(&v)));
        }
        out.push('>');
    }
    if skip_until.is_none() {
        out.push_str(rest);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizer_removes_active_and_remote_content() {
        let dirty = r#"<html><head><title>x</title><meta http-equiv="refresh" content="0;url=https://evil.test/"></head>
<body onload="steal()"><p style="color:red">Hi <b>there</b></p>
<script>alert(1)</script><img src="https://evil.test/pixel.gif" alt="pixel">
<img src="data:image/png;base64,AAAA"><a href="https://evil.test/x">link</a>
<a href=mailto:bob@example.test>mail</a><div style="background:url(https://evil.test/b)">bg</div>
<iframe src="https://evil.test"></iframe><form action="https://evil.test"><input name=a></form>
<img src="http://evil.test/a.png
</body></html>"#;
        let clean = sanitize_html(dirty);
        assert!(!clean.contains("evil"), "{clean}");
        assert!(!clean.contains("script"), "{clean}");
        assert!(!clean.contains("onload"), "{clean}");
        assert!(!clean.contains("refresh"), "{clean}");
        assert!(
            clean.contains("<p style=\"color:red\">Hi <b>there</b></p>"),
            "{clean}"
        );
        assert!(
            clean.contains("src=\"data:image/png;base64,AAAA\""),
            "{clean}"
        );
        assert!(
            clean.contains("href=\"mailto:bob@example.test\""),
            "{clean}"
        );
    }

    #[test]
    fn build_and_view_round_trip() {
        let draft = Draft {
            from: "alice@example.test".into(),
            to: vec!["bob@example.test".into()],
            cc: vec![" ".into(), "carol@example.test".into()],
            bcc: vec![],
            subject: "Quarterly ✓".into(),
            body: "Line one\nLine two — ünïcode\n".into(),
            attachments: vec![],
            sign: false,
            encrypt: false,
        };
        let files = vec![("report.pdf".to_string(), vec![0u8, 1, 2, 255])];
        let raw = build(&draft, &files, 1_790_000_000).unwrap();
        let (h, text, html, att) = view(&raw).unwrap();
        assert_eq!(h.from, "alice@example.test");
        assert_eq!(h.to, "bob@example.test");
        assert_eq!(h.cc, "carol@example.test");
        assert_eq!(h.subject, "Quarterly ✓");
        assert!(h.message_id.ends_with("@example.test"));
        assert!(text.unwrap().contains("Line two — ünïcode"));
        assert!(html.is_none());
        assert_eq!(att.len(), 1);
        assert_eq!(att[0].filename, "report.pdf");
        assert_eq!(att[0].content_type, "application/pdf");
        assert_eq!(attachment(&raw, 0).unwrap(), vec![0u8, 1, 2, 255]);
        assert_eq!(attachment(&raw, 1).unwrap_err().code, ErrorCode::NotFound);
    }

    #[test]
    fn bcc_alone_is_a_recipient_and_is_written_for_the_sender() {
        let draft = Draft {
            from: "alice@example.test".into(),
            to: vec![],
            cc: vec![],
            bcc: vec!["carol@example.test".into()],
            subject: "s".into(),
            body: "b".into(),
            attachments: vec![],
            sign: false,
            encrypt: false,
        };
        let raw = String::from_utf8(build(&draft, &[], 0).unwrap()).unwrap();
        assert!(raw.contains("Bcc: <carol@example.test>\r\n"), "{raw}");
        let mut bad = draft.clone();
        bad.bcc = vec!["carol".into()];
        assert_eq!(build(&bad, &[], 0).unwrap_err().code, ErrorCode::BadInput);
    }

    #[test]
    fn build_refuses_bad_addresses() {
        let mut draft = Draft {
            from: "alice@example.test".into(),
            to: vec!["not an address".into()],
            cc: vec![],
            bcc: vec![],
            subject: String::new(),
            body: String::new(),
            attachments: vec![],
            sign: false,
            encrypt: false,
        };
        assert_eq!(build(&draft, &[], 0).unwrap_err().code, ErrorCode::BadInput);
        draft.to.clear();
        assert!(
            build(&draft, &[], 0)
                .unwrap_err()
                .message
                .contains("recipient")
        );
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut raw = String::new();
        for i in 0..60 {
            raw.push_str(&format!(
                "Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n"
            ));
        }
        assert_eq!(view(raw.as_bytes()).unwrap_err().code, ErrorCode::BadInput);
    }
}
