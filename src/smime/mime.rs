//! Just enough MIME (RFC 2045/2046, RFC 5322) to frame and unframe S/MIME exactly: header
//! fields are kept as received (folding included) so that signed bytes are reproduced byte for
//! byte, and multipart bodies are split on their boundary lines without re-encoding.

/// One header field, with its raw (possibly folded) value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderField {
    pub name: String,
    /// The value as it appeared after the colon, including folding CRLFs, without the final CRLF.
    pub raw_value: Vec<u8>,
}

impl HeaderField {
    pub fn new(name: &str, value: &str) -> Self {
        HeaderField {
            name: name.to_string(),
            raw_value: format!(" {value}").into_bytes(),
        }
    }

    /// The unfolded value, trimmed.
    pub fn value(&self) -> String {
        let s = String::from_utf8_lossy(&self.raw_value);
        s.replace("\r\n", "").replace('\n', "").trim().to_string()
    }

    /// Content-* and MIME-Version belong to the MIME entity, everything else to the message.
    pub fn is_mime(&self) -> bool {
        let n = self.name.to_ascii_lowercase();
        n.starts_with("content-") || n == "mime-version"
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.name.as_bytes());
        out.push(b':');
        out.extend_from_slice(&self.raw_value);
        out.extend_from_slice(b"\r\n");
    }
}

/// A MIME entity: header fields and the raw body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entity {
    pub headers: Vec<HeaderField>,
    pub body: Vec<u8>,
}

/// Parsed Content-Type.
pub struct ContentType {
    pub mime_type: String,
    params: Vec<(String, String)>,
}

impl ContentType {
    pub fn param(&self, name: &str) -> Option<String> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }
}

/// Parses `type/subtype; a=b; c="d e"` (RFC 2045 §5.1), tolerating comments-free junk.
pub fn parse_content_type(value: &str) -> ContentType {
    let mut parts = split_params(value);
    let mime_type = if parts.is_empty() {
        String::new()
    } else {
        parts.remove(0).trim().to_ascii_lowercase()
    };
    let params = parts
        .into_iter()
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .map(|v| v.replace("\\\"", "\"").replace("\\\\", "\\"))
                .unwrap_or_else(|| v.to_string());
            Some((k.trim().to_string(), v))
        })
        .collect();
    ContentType { mime_type, params }
}

/// Splits on `;` outside quotes.
fn split_params(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in value.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' if quoted => {
                cur.push(c);
                escaped = true;
            }
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            ';' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

impl Entity {
    /// Parses a header block and body. A missing blank line means an empty body.
    pub fn parse(data: &[u8]) -> Result<Entity, String> {
        let (headers, body_start) = Self::parse_head(data)?;
        Ok(Entity {
            headers,
            body: data[body_start..].to_vec(),
        })
    }

    /// [`Entity::parse`] that keeps `data`'s allocation as the body: the header lines are
    /// removed in place, so a large message is never held twice.
    pub fn parse_owned(mut data: Vec<u8>) -> Result<Entity, String> {
        let (headers, body_start) = Self::parse_head(&data)?;
        data.drain(..body_start);
        Ok(Entity {
            headers,
            body: data,
        })
    }

    /// The header fields and the offset where the body starts (`data.len()` when there is no
    /// body).
    pub(crate) fn parse_head(data: &[u8]) -> Result<(Vec<HeaderField>, usize), String> {
        let mut headers: Vec<HeaderField> = Vec::new();
        let mut pos = 0usize;
        loop {
            if pos >= data.len() {
                return Ok((headers, data.len()));
            }
            let line_end = data[pos..]
                .iter()
                .position(|b| *b == b'\n')
                .map(|i| pos + i + 1)
                .unwrap_or(data.len());
            let line = &data[pos..line_end];
            let content = line
                .strip_suffix(b"\r\n")
                .or_else(|| line.strip_suffix(b"\n"))
                .unwrap_or(line);
            if content.is_empty() {
                return Ok((headers, line_end));
            }
            if content[0] == b' ' || content[0] == b'\t' {
                let last = headers
                    .last_mut()
                    .ok_or_else(|| "the first header line is a continuation".to_string())?;
                last.raw_value.extend_from_slice(b"\r\n");
                last.raw_value.extend_from_slice(content);
            } else {
                let colon = content
                    .iter()
                    .position(|b| *b == b':')
                    .ok_or_else(|| "a header line has no colon".to_string())?;
                let name = std::str::from_utf8(&content[..colon])
                    .map_err(|_| "a header name is not ASCII".to_string())?
                    .trim_end();
                if name.is_empty() || name.bytes().any(|b| !(33..=126).contains(&b)) {
                    return Err("invalid header name".into());
                }
                headers.push(HeaderField {
                    name: name.to_string(),
                    raw_value: content[colon + 1..].to_vec(),
                });
            }
            pos = line_end;
        }
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value())
    }

    pub fn content_type(&self) -> ContentType {
        parse_content_type(
            &self
                .header("Content-Type")
                .unwrap_or_else(|| "text/plain".into()),
        )
    }

    pub fn disposition_filename(&self) -> Option<String> {
        self.header("Content-Disposition")
            .map(|d| parse_content_type(&d))
            .and_then(|d| d.param("filename"))
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.header_bytes(self.body.len());
        out.extend_from_slice(&self.body);
        out
    }

    /// The header block and the blank line that ends it (`to_bytes` without the body), in a
    /// buffer with room for `extra` more bytes.
    pub fn header_bytes(&self, extra: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(extra + 256);
        for h in &self.headers {
            h.write(&mut out);
        }
        out.extend_from_slice(b"\r\n");
        out
    }
}

/// Body parts of a multipart body (RFC 2046 §5.1.1): the bytes between a delimiter line and the
/// CRLF that precedes the next delimiter.
pub fn split_multipart(body: &[u8], boundary: &str) -> Result<Vec<Vec<u8>>, String> {
    let delim = format!("--{boundary}");
    let d = delim.as_bytes();
    let mut parts = Vec::new();
    let mut current_start: Option<usize> = None;
    let mut pos = 0usize;
    let mut closed = false;
    while pos < body.len() {
        let line_end = body[pos..]
            .iter()
            .position(|b| *b == b'\n')
            .map(|i| pos + i + 1)
            .unwrap_or(body.len());
        let line = &body[pos..line_end];
        if line.starts_with(d) {
            let rest = &line[d.len()..];
            let rest_trim: Vec<u8> = rest
                .iter()
                .copied()
                .filter(|b| !b" \t\r\n".contains(b))
                .collect();
            if rest_trim.is_empty() || rest_trim == b"--" {
                if let Some(start) = current_start {
                    // The CRLF before the delimiter belongs to the delimiter.
                    let mut end = pos;
                    if end >= start + 2 && &body[end - 2..end] == b"\r\n" {
                        end -= 2;
                    } else if end > start && body[end - 1] == b'\n' {
                        end -= 1;
                    }
                    parts.push(body[start..end.max(start)].to_vec());
                }
                if rest_trim == b"--" {
                    closed = true;
                    break;
                }
                current_start = Some(line_end);
            }
        }
        pos = line_end;
    }
    if !closed {
        return Err("the closing boundary is missing".into());
    }
    Ok(parts)
}

/// Whether a body can travel as 7bit: ASCII, no NUL, lines of at most 998 octets.
pub fn is_7bit_safe(body: &[u8]) -> bool {
    let mut line = 0usize;
    for &b in body {
        if b >= 0x80 || b == 0 {
            return false;
        }
        if b == b'\n' {
            line = 0;
        } else {
            line += 1;
            if line > 998 {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_round_trips_folded_headers() {
        let raw =
            b"Subject: a\r\n b\r\nContent-Type: text/plain;\r\n\tcharset=\"utf-8\"\r\n\r\nbody\r\n";
        let e = Entity::parse(raw).unwrap();
        assert_eq!(e.header("subject").as_deref(), Some("a b"));
        assert_eq!(e.content_type().param("charset").as_deref(), Some("utf-8"));
        assert_eq!(e.to_bytes(), raw.to_vec());
    }

    #[test]
    fn multipart_split_exact_bytes() {
        let body = b"preamble\r\n--b\r\nA: 1\r\n\r\nx\r\n--b\r\nB: 2\r\n\r\ny\r\n--b--\r\n";
        let parts = split_multipart(body, "b").unwrap();
        assert_eq!(
            parts,
            vec![b"A: 1\r\n\r\nx".to_vec(), b"B: 2\r\n\r\ny".to_vec()]
        );
        assert!(split_multipart(b"--b\r\nx\r\n", "b").is_err());
    }

    #[test]
    fn content_type_params_with_quotes() {
        let ct = parse_content_type(
            "multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"a;b\"",
        );
        assert_eq!(ct.mime_type, "multipart/signed");
        assert_eq!(ct.param("boundary").as_deref(), Some("a;b"));
        assert_eq!(ct.param("MICALG").as_deref(), Some("sha-256"));
    }

    #[test]
    fn hostile_headers() {
        assert!(Entity::parse(b" continuation\r\n\r\n").is_err());
        assert!(Entity::parse(b"no colon\r\n\r\n").is_err());
        assert!(is_7bit_safe(b"abc\r\n"));
        assert!(!is_7bit_safe("\u{e9}".as_bytes()));
    }
}
