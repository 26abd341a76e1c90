//! http:// URLs as certificates name them for CRLs (RFC 5280 §4.2.1.13) and OCSP (RFC 5280
//! §4.2.2.1): split into host, port and request target, with no credentials and nothing
//! outside printable ASCII. Pure syntax; the requests themselves are `crate::net::http`'s.

/// The longest URL accepted.
const MAX_URL: usize = 2048;

/// Not an http:// URL a revocation request can be made to (the URL, cut to 200 characters).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not an http:// URL: {0}")]
pub struct BadUrl(pub String);

/// An http:// URL split into what a request needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    pub host: String,
    pub port: u16,
    /// Path and query, starting with '/'.
    pub target: String,
}

impl Url {
    pub fn parse(url: &str) -> Result<Url, BadUrl> {
        let bad = || BadUrl(url.chars().take(200).collect());
        if url.len() > MAX_URL
            || !url.is_ascii()
            || url.chars().any(|c| c.is_ascii_control() || c == ' ')
        {
            return Err(bad());
        }
        let rest = url
            .get(..7)
            .filter(|p| p.eq_ignore_ascii_case("http://"))
            .and_then(|_| url.get(7..))
            .ok_or_else(bad)?;
        let (authority, target) = match rest.find(['/', '?']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let target = target.split('#').next().unwrap_or("/");
        let target = if target.starts_with('?') {
            format!("/{target}")
        } else {
            target.to_string()
        };
        if authority.contains('@') {
            // No credentials in URLs.
            return Err(bad());
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(bad)?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse::<u16>().map_err(|_| bad())?,
                None if after.is_empty() => 80,
                None => return Err(bad()),
            };
            (h.to_string(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), p.parse::<u16>().map_err(|_| bad())?),
                None => (authority.to_string(), 80),
            }
        };
        if host.is_empty()
            || port == 0
            || !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'))
        {
            return Err(bad());
        }
        Ok(Url { host, port, target })
    }

    /// The Host header's value (RFC 9110 §7.2): the port only when it is not 80.
    pub fn host_header(&self) -> String {
        let h = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == 80 {
            h
        } else {
            format!("{h}:{}", self.port)
        }
    }
}
