//! Reading and building plain RFC 5322 messages for the app: the view of a decrypted message
//! (headers, body, attachments) and a new message from a draft. S/MIME is not done here; the
//! [`super::Home`] use cases wrap and unwrap.

use mail_parser::{MessageParser, MimeHeaders, PartType};

use serde::Serialize;

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
pub fn view(raw: &[u8]) -> Result<MessageParts, ApiError> {
    if too_deep(raw) {
        return Err(ApiError::new(
            ErrorCode::BadInput,
            format!("the message nests more than {MAX_DEPTH} MIME levels; it is not shown"),
        ));
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
pub fn attachment(raw: &[u8], index: u32) -> Result<Vec<u8>, ApiError> {
    let m = parse(raw)?;
    m.attachments()
        .nth(index as usize)
        .map(|p| p.contents().to_vec())
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "the message has no such attachment"))
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
    pub reply: super::mail_desk::ReplyContext,
    /// The draft's attachments, kept by the core until the draft is sent or replaced.
    pub carried: Vec<Attachment>,
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
) -> Result<DraftView, ApiError> {
    if too_deep(raw) {
        return Err(ApiError::new(
            ErrorCode::BadInput,
            format!("the draft nests more than {MAX_DEPTH} MIME levels"),
        ));
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
        reply: super::mail_desk::ReplyContext {
            in_reply_to,
            references,
        },
        carried,
    })
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
) -> Result<Vec<u8>, ApiError> {
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
) -> Result<Vec<u8>, ApiError> {
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
    if to.is_empty() && cc.is_empty() && bcc.is_empty() && !as_draft {
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
        b = b.attachment(super::session::media_type(name), name.clone(), data.clone());
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

fn safe_url(attr: &str, value: &str, web_links: bool) -> bool {
    let v: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    match attr {
        "href" => {
            v.starts_with("mailto:")
                || v.starts_with('#')
                || (web_links && (v.starts_with("https://") || v.starts_with("http://")))
        }
        "src" => {
            v.starts_with("data:image/png")
                || v.starts_with("data:image/jpeg")
                || v.starts_with("data:image/gif")
        }
        _ => true,
    }
}

/// A `mailto:` link keeps only its address: `?body=`, `?attach=`, `?cc=` would let a message
/// write (or attach) what the user sends by clicking ("Mailto: me your secrets").
fn mailto_without_query(href: &str) -> String {
    let t = href.trim();
    if t.get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("mailto:"))
    {
        t.split(['?', '#']).next().unwrap_or("").to_string()
    } else {
        href.to_string()
    }
}

/// CSS properties a message may style its text with when read; those we send (and reopen
/// in the editor from a draft) keep only what the editor itself writes, so no content can
/// position itself over the app's own window.
const READ_CSS: &[&str] = &[
    "color",
    "background-color",
    "font-weight",
    "font-style",
    "font-size",
    "font-family",
    "text-decoration",
    "text-align",
    "text-indent",
    "line-height",
    "vertical-align",
    "white-space",
    "list-style-type",
    "margin",
    "margin-top",
    "margin-bottom",
    "margin-left",
    "margin-right",
    "padding",
    "padding-top",
    "padding-bottom",
    "padding-left",
    "padding-right",
    "border",
    "border-top",
    "border-bottom",
    "border-left",
    "border-right",
    "border-collapse",
    "width",
    "max-width",
];
const SEND_CSS: &[&str] = &[
    "color",
    "background-color",
    "font-weight",
    "font-style",
    "text-decoration",
    "text-align",
];

/// The declarations of a `style` attribute whose property is allowed and whose value is
/// plain: no function but colours, no escapes, comments, at-rules or markup. CSS escapes
/// (`u\72 l(`) and `image-set("http://…")` are refused as a whole value, never decoded.
fn clean_style(css: &str, outgoing: bool) -> Option<String> {
    let allowed = if outgoing { SEND_CSS } else { READ_CSS };
    let kept: Vec<String> = css
        .split(';')
        .filter_map(|decl| {
            let (prop, value) = decl.split_once(':')?;
            let prop = prop.trim().to_ascii_lowercase();
            let value = value.trim();
            (allowed.contains(&prop.as_str()) && plain_css_value(value))
                .then(|| format!("{prop}:{value}"))
        })
        .collect();
    (!kept.is_empty()).then(|| kept.join(";"))
}

fn plain_css_value(v: &str) -> bool {
    if v.is_empty() || v.len() > 200 {
        return false;
    }
    if v.chars()
        .any(|c| matches!(c, '\\' | '@' | '<' | '>' | '{' | '}' | ':' | '!') || c.is_control())
        || v.contains("/*")
    {
        return false;
    }
    // Parentheses only as colour functions: rgb( rgba( hsl( hsla(.
    let lower = v.to_ascii_lowercase();
    lower.match_indices('(').all(|(i, _)| {
        let name_start = lower[..i]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .map_or(0, |j| j + 1);
        matches!(&lower[name_start..i], "rgb" | "rgba" | "hsl" | "hsla")
    })
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
    sanitize(html, false)
}

/// [`sanitize_html`] for HTML we send: the same rules (no scripts, styles sheets, event
/// handlers, frames, forms; no images at all), except that links to http(s) addresses the user
/// wrote are kept (following one needs a click; nothing loads by itself).
pub fn sanitize_outgoing_html(html: &str) -> String {
    sanitize(html, true)
}

/// A piece of HTML as the sanitiser and the plain-text renderer see it.
enum Token<'a> {
    Text(&'a str),
    /// A tag other than those dropped with their content: its lower-case name and what
    /// follows the name inside the brackets (the attributes).
    Open(String, &'a str),
    Close(String),
}

/// Splits HTML into text and tags; comments, declarations and processing instructions vanish,
/// and the elements of [`DROP_WITH_CONTENT`] vanish with everything inside them.
fn tokens(html: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = html;
    let mut skip_until: Option<String> = None;
    while let Some(lt) = rest.find('<') {
        let (text, after) = rest.split_at(lt);
        if skip_until.is_none() && !text.is_empty() {
            out.push(Token::Text(text));
        }
        if after.starts_with("<!--") {
            rest = after.find("-->").map_or("", |e| &after[e + 3..]);
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
        out.push(if closing {
            Token::Close(name)
        } else {
            Token::Open(name, &body[name_end..])
        });
    }
    if skip_until.is_none() && !rest.is_empty() {
        out.push(Token::Text(rest));
    }
    out
}

/// The http(s) address of a link's `href`, as written (whitespace and controls removed).
fn web_address(attrs: &str) -> Option<String> {
    attributes(attrs)
        .into_iter()
        .find(|(k, _)| k == "href")
        .map(|(_, v)| {
            decode_entities(&v)
                .chars()
                .filter(|c| !c.is_whitespace() && !c.is_control())
                .collect::<String>()
        })
        .filter(|v| {
            let l = v.to_ascii_lowercase();
            l.starts_with("https://") || l.starts_with("http://")
        })
}

/// The text of an HTML fragment (tags removed), for comparing a link's text with its address.
fn fragment_text(html: &str) -> String {
    tokens(html)
        .into_iter()
        .filter_map(|t| match t {
            Token::Text(t) => Some(decode_entities(t)),
            _ => None,
        })
        .collect::<String>()
}

fn sanitize(html: &str, web_links: bool) -> String {
    let mut out = String::with_capacity(html.len());
    // Reading: a web link is not followed from the message (no network while reading), but
    // where it leads is shown after its text, so a misleading text cannot hide it.
    // Links do not nest (a new one ends the open one, as HTML parsers do), so each stretch of
    // output is compared with an address at most once: linear in the input.
    let mut link: Option<(usize, String)> = None;
    let show_address = |out: &mut String, link: Option<(usize, String)>| {
        if let Some((start, url)) = link
            && fragment_text(&out[start..]).trim() != url
        {
            out.push_str(&format!(
                "<span style=\"color:#57606a\"> ({})</span>",
                escape_attr(&url)
            ));
        }
    };
    for token in tokens(html) {
        let (name, attrs) = match token {
            Token::Text(t) => {
                out.push_str(t);
                continue;
            }
            Token::Open(name, attrs) => (name, Some(attrs)),
            Token::Close(name) => (name, None),
        };
        // The compose editor makes no images; whatever claims to be one is dropped.
        if !ALLOWED.contains(&name.as_str()) || (web_links && name == "img") {
            continue;
        }
        let Some(attrs) = attrs else {
            out.push_str(&format!("</{name}>"));
            if name == "a" {
                show_address(&mut out, link.take());
            }
            continue;
        };
        if name == "a" {
            show_address(&mut out, link.take());
            link = (!web_links)
                .then(|| web_address(attrs))
                .flatten()
                .map(|url| (out.len(), url));
        }
        out.push('<');
        out.push_str(&name);
        for (k, v) in attributes(attrs) {
            if !ALLOWED_ATTRS.contains(&k.as_str()) || !safe_url(&k, &v, web_links) {
                continue;
            }
            let v = match k.as_str() {
                "style" => match clean_style(&v, web_links) {
                    Some(css) => css,
                    None => continue,
                },
                "href" => mailto_without_query(&v),
                _ => v,
            };
            out.push_str(&format!(" {k}=\"{}\"", escape_attr(&v)));
        }
        out.push('>');
    }
    out
}

/// What wraps the sanitised fragment of a formatted message.
const HTML_HEAD: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>";
const HTML_TAIL: &str = "</body></html>\n";

/// Decodes the character references of HTML text (named ones an editor writes, numeric ones).
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after
            .char_indices()
            .take(12)
            .find(|&(_, c)| c == ';')
            .map(|(i, _)| i);
        let decoded = end.and_then(|e| {
            let name = &after[..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => {
                    let n = if let Some(h) =
                        name.strip_prefix("#x").or_else(|| name.strip_prefix("#X"))
                    {
                        u32::from_str_radix(h, 16).ok()
                    } else {
                        name.strip_prefix('#').and_then(|d| d.parse().ok())
                    };
                    n.and_then(char::from_u32)
                }
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Builds readable plain text: paragraphs apart by a blank line, line breaks kept, list items as
/// "- " or "1. ", quoted lines with "> ", links as "text <url>".
#[derive(Default)]
struct PlainText {
    out: String,
    /// Newlines owed before the next text (0, 1 or more for `<br>` runs).
    breaks: usize,
    /// Quote depth for the blank lines owed (the shallower of the two sides).
    gap_quote: usize,
    quote: usize,
    /// Open lists: `None` bulleted, `Some(next number)` numbered.
    lists: Vec<Option<u32>>,
    /// The marker of a list item not written yet.
    marker: Option<String>,
    pending_space: bool,
    pre: usize,
    /// The open link (links do not nest): its address and where its text starts in `out`.
    link: Option<(String, usize)>,
}

impl PlainText {
    fn block(&mut self, n: usize) {
        if self.breaks == 0 {
            self.gap_quote = self.quote;
        }
        self.gap_quote = self.gap_quote.min(self.quote);
        self.breaks = self.breaks.max(n);
        self.pending_space = false;
    }

    fn line_break(&mut self) {
        if self.breaks == 0 {
            self.gap_quote = self.quote;
        }
        self.breaks += 1;
        self.pending_space = false;
    }

    fn start_text(&mut self) {
        if self.out.is_empty() {
            self.breaks = 0;
        }
        let at_start = self.out.is_empty() || self.breaks > 0;
        if self.breaks > 0 {
            for i in 0..self.breaks {
                self.out.push('\n');
                if i + 1 < self.breaks && self.gap_quote > 0 {
                    self.out.push_str(&">".repeat(self.gap_quote));
                }
            }
            self.breaks = 0;
        }
        if at_start {
            if self.quote > 0 {
                self.out.push_str(&"> ".repeat(self.quote));
            }
            match self.marker.take() {
                Some(m) => {
                    self.out
                        .push_str(&"   ".repeat(self.lists.len().saturating_sub(1)));
                    self.out.push_str(&m);
                }
                None if !self.lists.is_empty() => {
                    self.out.push_str(&"   ".repeat(self.lists.len()));
                }
                None => {}
            }
            self.pending_space = false;
        } else if self.pending_space {
            self.out.push(' ');
            self.pending_space = false;
        }
    }

    fn text(&mut self, raw: &str) {
        let t = decode_entities(raw);
        if self.pre > 0 {
            for (i, line) in t.split('\n').enumerate() {
                if i > 0 {
                    self.line_break();
                }
                if !line.is_empty() {
                    self.start_text();
                    self.out.push_str(&line.replace('\u{a0}', " "));
                }
            }
            return;
        }
        // HTML white space collapses (ASCII only: not the no-break spaces an editor writes).
        let mut words = t.split(|c: char| c.is_ascii_whitespace()).peekable();
        let leading = t.starts_with(|c: char| c.is_ascii_whitespace());
        if leading {
            self.pending_space = true;
        }
        while let Some(w) = words.next() {
            if !w.is_empty() {
                self.start_text();
                self.out.push_str(&w.replace('\u{a0}', " "));
            }
            if words.peek().is_some() {
                self.pending_space = true;
            }
        }
    }

    fn open(&mut self, name: &str, attrs: &str) {
        match name {
            "br" => self.line_break(),
            "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "table" | "dl" => self.block(2),
            "div" | "tr" | "dt" | "dd" | "center" | "caption" => self.block(1),
            "pre" => {
                self.block(2);
                self.pre += 1;
            }
            "hr" => {
                self.block(1);
                self.start_text();
                self.out.push_str("----");
                self.block(1);
            }
            "blockquote" => {
                self.block(2);
                self.quote += 1;
            }
            "ul" | "ol" => {
                self.block(if self.lists.is_empty() { 2 } else { 1 });
                self.lists.push((name == "ol").then_some(1));
            }
            "li" => {
                self.block(1);
                self.marker = Some(match self.lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}. ", *n - 1)
                    }
                    _ => "- ".into(),
                });
            }
            "td" | "th" => self.pending_space = true,
            "a" => {
                let href = attributes(attrs)
                    .into_iter()
                    .find(|(k, _)| k == "href")
                    .map(|(_, v)| decode_entities(&v))
                    .unwrap_or_default();
                // Links do not nest: a new one ends the open one (linear work on any input).
                self.close("a");
                self.start_text_marker();
                self.link = Some((href, self.out.len()));
            }
            _ => {}
        }
    }

    /// Writes what a new line owes (breaks, quote, list marker) before a link's text starts, so
    /// the text recorded for the link is only its own.
    fn start_text_marker(&mut self) {
        if self.breaks > 0 || self.marker.is_some() || self.out.is_empty() {
            self.start_text();
        }
    }

    fn close(&mut self, name: &str) {
        match name {
            "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "table" | "dl" => self.block(2),
            "div" | "tr" | "dt" | "dd" | "center" | "caption" | "li" => self.block(1),
            "pre" => {
                self.pre = self.pre.saturating_sub(1);
                self.block(2);
            }
            "blockquote" => {
                self.quote = self.quote.saturating_sub(1);
                self.block(2);
            }
            "ul" | "ol" => {
                self.lists.pop();
                self.marker = None;
                self.block(if self.lists.is_empty() { 2 } else { 1 });
            }
            "a" => {
                let Some((href, start)) = self.link.take() else {
                    return;
                };
                let text = self.out.get(start..).unwrap_or("").trim().to_string();
                let shown = href.strip_prefix("mailto:").unwrap_or(&href);
                if href.is_empty() || href.starts_with('#') || text == href || text == shown {
                    return;
                }
                if text.is_empty() {
                    self.start_text();
                    self.out.push_str(shown);
                } else {
                    self.out.push_str(&format!(" <{shown}>"));
                }
            }
            _ => {}
        }
    }

    fn finish(self) -> String {
        let mut lines: Vec<&str> = self.out.lines().map(str::trim_end).collect();
        while lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        let mut s = lines.join("\n");
        s.push('\n');
        s
    }
}

/// A readable plain-text rendering of (sanitised) HTML: the text/plain alternative of a
/// formatted message.
pub fn html_to_text(html: &str) -> String {
    let mut p = PlainText::default();
    for token in tokens(html) {
        match token {
            Token::Text(t) => p.text(t),
            Token::Open(name, attrs) => p.open(&name, attrs),
            Token::Close(name) => p.close(&name),
        }
    }
    p.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_are_allow_listed_and_mailto_keeps_only_the_address() {
        assert_eq!(
            clean_style("color: red; background-color: rgb(1, 2, 3)", false).as_deref(),
            Some("color:red;background-color:rgb(1, 2, 3)")
        );
        for css in [
            "background:u\\72 l(http://x.test/)",
            "background-image:image-set(\"http://x.test/\" 1x)",
            "color: red /* */",
            "width: expression(alert(1))",
            "color: var(--x)",
        ] {
            assert_eq!(clean_style(css, false), None, "{css}");
        }
        // what we send (and what a draft puts back into the editor) cannot position itself
        assert_eq!(
            clean_style(
                "position:fixed; top:0; z-index:9; width:100%; color:red",
                true
            )
            .as_deref(),
            Some("color:red")
        );
        assert_eq!(
            mailto_without_query("mailto:a@x.test?body=SECRET&attach=/etc/passwd"),
            "mailto:a@x.test"
        );
        assert_eq!(mailto_without_query("MAILTO:a@x.test#x"), "MAILTO:a@x.test");
        assert_eq!(mailto_without_query("#top"), "#top");
        let out = sanitize_html("<a href=\"mailto:evil@x.test?body=secret\">m</a>");
        assert!(
            out.contains("href=\"mailto:evil@x.test\"") && !out.contains("secret"),
            "{out}"
        );
    }

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
        // The link's address is shown as text after it, and nothing else of evil.test stays.
        let shown = "<a>link</a><span style=\"color:#57606a\"> (https://evil.test/x)</span>";
        assert!(clean.contains(shown), "{clean}");
        let clean = clean.replace(shown, "");
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
            html: None,
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
    fn drafts_keep_every_field_and_the_toggles() {
        let mut draft = formatted("<p>Hello <b>Bob</b></p><ul><li>one</li></ul>");
        draft.bcc = vec!["carol@example.test".into()];
        draft.cc = vec!["dave@example.test".into()];
        draft.sign = true;
        draft.encrypt = true;
        let files = vec![("notes.txt".to_string(), b"a\nb\n".to_vec())];
        let raw = build_draft(&draft, &files, 1_790_000_000).unwrap();
        assert!(String::from_utf8_lossy(&raw).contains("X-Sealpost-Draft: sign=yes; encrypt=yes"));
        let raw = crate::smime::canonicalize(&raw);
        let got = draft_content(&raw, false, false).unwrap();
        assert_eq!(got.draft.from, "alice@example.test");
        assert_eq!(got.draft.to, vec!["bob@example.test".to_string()]);
        assert_eq!(got.draft.cc, vec!["dave@example.test".to_string()]);
        assert_eq!(got.draft.bcc, vec!["carol@example.test".to_string()]);
        assert_eq!(got.draft.subject, "Formatted ✓");
        assert_eq!(
            got.draft.html.as_deref(),
            Some("<p>Hello <b>Bob</b></p><ul><li>one</li></ul>")
        );
        assert!(got.draft.body.contains("Hello Bob"), "{}", got.draft.body);
        assert!(got.draft.sign && got.draft.encrypt);
        assert_eq!(got.carried.len(), 1);
        assert_eq!(got.carried[0].filename, "notes.txt");
        assert_eq!(attachment(&raw, 0).unwrap(), b"a\nb\n");
        assert_eq!(got.reply.in_reply_to, None);

        // A draft may have no recipient yet (a message may not), and keeps "off" toggles.
        let mut empty = formatted("x");
        empty.to.clear();
        empty.html = None;
        empty.body = "just started".into();
        assert!(build(&empty, &[], 1).is_err());
        let raw = build_draft(&empty, &[], 1).unwrap();
        let got = draft_content(&raw, true, true).unwrap();
        assert!(got.draft.to.is_empty());
        assert_eq!(got.draft.html, None);
        assert_eq!(got.draft.body.trim_end(), "just started");
        assert!(!got.draft.sign, "our header wins over how it was stored");
        assert!(
            got.draft.encrypt,
            "a draft stored encrypted never reopens with Encrypt off (draft oracle)"
        );
        assert!(!draft_content(&raw, true, false).unwrap().draft.encrypt);

        // Another client's draft: the toggles follow how it was stored; threading is kept.
        let other = b"From: a@x.test\r\nTo: b@x.test\r\nSubject: Re: hi\r\nIn-Reply-To: <p@x.test>\r\nReferences: <r@x.test> <p@x.test>\r\n\r\nbody\r\n";
        let got = draft_content(other, true, false).unwrap();
        assert!(got.draft.sign && !got.draft.encrypt);
        assert_eq!(got.reply.in_reply_to.as_deref(), Some("<p@x.test>"));
        assert_eq!(
            got.reply.references,
            vec!["<r@x.test>".to_string(), "<p@x.test>".to_string()]
        );
        // Absurd nesting is refused with a clear error.
        let deep = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n".repeat(60);
        let err = draft_content(deep.as_bytes(), false, false).unwrap_err();
        assert!(err.message.contains("nests more than"), "{}", err.message);
    }

    fn formatted(html: &str) -> Draft {
        Draft {
            from: "alice@example.test".into(),
            to: vec!["bob@example.test".into()],
            cc: vec![],
            bcc: vec![],
            subject: "Formatted ✓".into(),
            body: "ignored when html is set".into(),
            html: Some(html.into()),
            attachments: vec![],
            sign: false,
            encrypt: false,
        }
    }

    #[test]
    fn formatted_draft_is_multipart_alternative_text_first_utf8() {
        let html =
            "<div>Grüße, <b>Bob</b> — <i>ünïcode</i> ✓</div><ul><li>one</li><li>two</li></ul>";
        let raw = build(&formatted(html), &[], 1_790_000_000).unwrap();
        let s = String::from_utf8(raw.clone()).unwrap();
        assert!(s.contains("Content-Type: multipart/alternative"), "{s}");
        let plain_at = s
            .find("Content-Type: text/plain")
            .expect("a text/plain part");
        let html_at = s.find("Content-Type: text/html").expect("a text/html part");
        assert!(plain_at < html_at, "text/plain comes first: {s}");
        assert!(!s.contains("multipart/mixed"), "{s}");
        assert_eq!(s.matches("charset=\"utf-8\"").count(), 2, "{s}");
        let m = parse(&raw).unwrap();
        let text = m.body_text(0).unwrap();
        assert_eq!(text, "Grüße, Bob — ünïcode ✓\n\n- one\n- two\n");
        let sent_html = m.body_html(0).unwrap();
        assert!(
            sent_html.starts_with(
                "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><div>Grüße, <b>Bob</b>"
            ),
            "{sent_html}"
        );
        assert!(sent_html.contains("<ul><li>one</li><li>two</li></ul></body></html>"));
        // Reading it back shows both (the HTML sanitised for reading).
        let (h, text, html, att) = view(&raw).unwrap();
        assert_eq!(h.subject, "Formatted ✓");
        assert!(text.unwrap().contains("- two"));
        assert!(html.unwrap().contains("<b>Bob</b>"));
        assert!(att.is_empty());
    }

    #[test]
    fn formatted_draft_with_attachments_is_mixed_around_the_alternative() {
        let files = vec![("notes.txt".to_string(), b"n".to_vec())];
        let raw = build(&formatted("<p>See <u>notes</u></p>"), &files, 0).unwrap();
        let s = String::from_utf8(raw.clone()).unwrap();
        let mixed = s.find("Content-Type: multipart/mixed").expect("mixed");
        let alt = s
            .find("Content-Type: multipart/alternative")
            .expect("alternative");
        let att = s.find("notes.txt").expect("the attachment");
        assert!(mixed < alt && alt < att, "{s}");
        let (_, text, html, att) = view(&raw).unwrap();
        assert_eq!(text.unwrap().replace("\r\n", "\n"), "See notes\n");
        assert!(html.unwrap().contains("<u>notes</u>"));
        assert_eq!(att.len(), 1);
    }

    #[test]
    fn outgoing_html_is_sanitised() {
        let dirty = r#"<div onclick="steal()">Hi <script>alert(1)</script><b onmouseover="x()">there</b></div>
<style>body{background:url(https://evil.test/s)}</style><img src="https://evil.test/pixel.gif">
<img src=http://evil.test/a.png><iframe src="https://evil.test/f"></iframe>
<a href="javascript:alert(1)">js</a> <a href="https://example.org/page">site</a>
<p style="background:url(https://evil.test/b)">bg</p>"#;
        let raw = build(&formatted(dirty), &[], 0).unwrap();
        let m = parse(&raw).unwrap();
        let html = m.body_html(0).unwrap();
        for bad in [
            "script",
            "onclick",
            "onmouseover",
            "evil",
            "<img",
            "javascript",
            "<style",
            "iframe",
        ] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
        assert!(html.contains("<b>there</b>"), "{html}");
        assert!(
            html.contains("<a href=\"https://example.org/page\">site</a>"),
            "{html}"
        );
        // Reading keeps refusing web links (EFAIL, no network): the address is only shown;
        // sending keeps the links the user wrote.
        let read = sanitize_html(&html);
        assert!(!read.contains("href=\"https://example.org"), "{read}");
        assert!(
            read.contains(
                "<a>site</a><span style=\"color:#57606a\"> (https://example.org/page)</span>"
            ),
            "{read}"
        );
        let text = m.body_text(0).unwrap();
        assert!(!text.contains("alert"), "{text}");
        assert!(text.contains("site <https://example.org/page>"), "{text}");
    }

    #[test]
    fn a_link_shows_where_it_leads_unless_its_text_says_it() {
        let read = sanitize_html(
            r##"<a href="https://bank.example/login">https://bank.example/login</a> <a href=" https://evil.test/&quot;x">Your bank</a> <a href="#top">top</a> </a><a href="https://a.test/">un<b>closed"##,
        );
        // Text that is the address: not repeated.
        assert!(
            read.starts_with("<a>https://bank.example/login</a> <a>"),
            "{read}"
        );
        // A misleading text: the real address follows it (character references decoded,
        // then escaped again).
        assert!(
            read.contains(
                "<a>Your bank</a><span style=\"color:#57606a\"> (https://evil.test/&quot;x)</span>"
            ),
            "{read}"
        );
        // In-message anchors keep working; stray and unclosed tags do no harm.
        assert!(read.contains("<a href=\"#top\">top</a>"), "{read}");
        // Links do not nest: a new one ends the open one, whose address is shown then.
        let read =
            sanitize_html(r#"<a href="https://a.test/">one<a href="https://b.test/">two</a>"#);
        assert_eq!(
            read,
            "<a>one<span style=\"color:#57606a\"> (https://a.test/)</span><a>two</a><span style=\"color:#57606a\"> (https://b.test/)</span>"
        );
        assert_eq!(
            html_to_text(r#"<a href="https://a.test/">one<a href="https://b.test/">two</a>"#),
            "one <https://a.test/>two <https://b.test/>\n"
        );
        assert!(!read.contains("href=\"https"), "{read}");
    }

    #[test]
    fn empty_formatted_body_falls_back_to_plain_text() {
        let mut d = formatted("<script>x</script>");
        d.body = "plain".into();
        let s = String::from_utf8(build(&d, &[], 0).unwrap()).unwrap();
        assert!(!s.contains("multipart/alternative"), "{s}");
        assert!(s.contains("plain"), "{s}");
    }

    #[test]
    fn plain_alternative_reads_like_the_formatted_text() {
        let cases: &[(&str, &str)] = &[
            ("Hello", "Hello\n"),
            ("a<br>b<br><br>c", "a\nb\n\nc\n"),
            // what contenteditable writes for Enter, and for an empty line
            (
                "first<div>second</div><div><br></div><div>fourth</div>",
                "first\nsecond\n\nfourth\n",
            ),
            ("<p>One</p><p>Two  \n  words</p>", "One\n\nTwo words\n"),
            ("<ul><li>milk</li><li>eggs</li></ul>", "- milk\n- eggs\n"),
            (
                "Intro<ol><li>one</li><li>two</li></ol>After",
                "Intro\n\n1. one\n2. two\n\nAfter\n",
            ),
            (
                "<ul><li>a<ul><li>a1</li></ul></li><li>b</li></ul>",
                "- a\n   - a1\n- b\n",
            ),
            (
                "See <a href=\"https://example.org/x?a=1&amp;b=2\">the page</a>.",
                "See the page <https://example.org/x?a=1&b=2>.\n",
            ),
            (
                "<a href=\"https://example.org/\">https://example.org/</a>",
                "https://example.org/\n",
            ),
            (
                "<a href=\"mailto:bob@example.test\">Bob</a>",
                "Bob <bob@example.test>\n",
            ),
            (
                "<ul><li><a href=\"https://e.test/\">e</a></li></ul>",
                "- e <https://e.test/>\n",
            ),
            (
                "Bob wrote:<blockquote>Hi<br>there<p>para</p></blockquote>Thanks",
                "Bob wrote:\n\n> Hi\n> there\n>\n> para\n\nThanks\n",
            ),
            (
                "<blockquote>outer<blockquote>inner</blockquote></blockquote>",
                "> outer\n>\n> > inner\n",
            ),
            (
                "<b>bold</b> <i>it</i>&nbsp;&nbsp;x &lt;tag&gt; &#233;&#x263A;",
                "bold it  x <tag> é☺\n",
            ),
            ("<pre>  code\n    indented</pre>", "  code\n    indented\n"),
            ("a<script>hidden</script>b<style>p{}</style>", "ab\n"),
            ("em\u{2003}space", "em\u{2003}space\n"),
        ];
        for (html, want) in cases {
            assert_eq!(html_to_text(html), *want, "for {html:?}");
        }
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
            html: None,
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
            html: None,
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
