//! HTML for reading and sending: an allow-list sanitiser (no scripts, handlers, frames, forms,
//! style sheets, remote references; styles allow-listed per property) and the plain-text
//! rendering sent as the text/plain alternative. One tokenizer serves both, linear on hostile
//! input (links never nest).

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
pub(super) fn mailto_without_query(href: &str) -> String {
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
pub(super) fn clean_style(css: &str, outgoing: bool) -> Option<String> {
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
pub(crate) const HTML_HEAD: &str =
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>";
pub(crate) const HTML_TAIL: &str = "</body></html>\n";

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
