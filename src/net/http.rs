//! A small HTTP/1.1 client for CRL (GET, RFC 5280 §4.2.1.13) and OCSP (POST, RFC 6960
//! Appendix A.1) over plain http://: both objects are signed, so TLS adds nothing, and
//! responders serve http by design. Connect, read and write time out; bodies are capped;
//! redirects are followed a few times and only to other http:// URLs. No cookies, no
//! credentials, no proxies: the request carries the URL and nothing about the user.
//!
//! The URLs come from certificates (CRL distribution points, AIA), that is from whoever made
//! them, and from redirects. So that they cannot make us reach into the user's own network
//! (blind SSRF), the host name is resolved under the deadline and the request goes only to
//! public addresses: loopback, private (RFC 1918, fc00::/7), link-local, unspecified, multicast
//! and broadcast addresses are refused, for the first URL and for every redirect. Where CRLs
//! really sit on an intranet, `SEALPOST_REVOCATION_ALLOW_PRIVATE=1` lifts the refusal of
//! loopback, private and link-local addresses.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use crate::pki::revocation::url::{BadUrl, Url};

const TIMEOUT: Duration = Duration::from_secs(15);
/// The longest a whole answer may take to arrive.
const DEADLINE: Duration = Duration::from_secs(60);
const MAX_REDIRECTS: usize = 3;
const MAX_HEADER_BYTES: usize = 32 * 1024;

/// The setting that lets requests reach loopback, private and link-local addresses ("1").
pub const ALLOW_PRIVATE_ENV: &str = "SEALPOST_REVOCATION_ALLOW_PRIVATE";

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum HttpError {
    #[error("not an http:// URL: {0}")]
    BadUrl(String),
    #[error("cannot reach {host}: {detail}")]
    Connect { host: String, detail: String },
    #[error("{url}: {detail}")]
    Io { url: String, detail: String },
    #[error("{url}: the server answered {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: the answer is larger than {limit} bytes")]
    TooLarge { url: String, limit: usize },
    #[error("{url}: malformed HTTP answer ({detail})")]
    Malformed { url: String, detail: String },
    #[error("{url}: too many redirects, or a redirect away from http://")]
    Redirect { url: String },
    #[error(
        "{}: revocation requests go only to public addresses{}",
        forbidden_text(host, address, kind),
        if *lifted_by_setting { " (set SEALPOST_REVOCATION_ALLOW_PRIVATE=1 for an intranet CA)" } else { "" }
    )]
    ForbiddenAddress {
        host: String,
        address: IpAddr,
        kind: &'static str,
        /// True when SEALPOST_REVOCATION_ALLOW_PRIVATE=1 would allow the address.
        lifted_by_setting: bool,
    },
}

impl From<BadUrl> for HttpError {
    fn from(e: BadUrl) -> Self {
        HttpError::BadUrl(e.0)
    }
}

/// "10.0.0.1 is a private address", or "crl.example resolves to 10.0.0.1, a private address".
fn forbidden_text(host: &str, address: &IpAddr, kind: &str) -> String {
    let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    if host.parse::<IpAddr>().ok().as_ref() == Some(address) {
        format!("{address} is {article} {kind} address")
    } else {
        format!("{host} resolves to {address}, {article} {kind} address")
    }
}

/// Which destinations a request may reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Destinations {
    /// Public addresses only (the default).
    Public,
    /// Also loopback, private and link-local addresses (`SEALPOST_REVOCATION_ALLOW_PRIVATE=1`).
    AlsoPrivate,
}

impl Destinations {
    /// From the environment: `SEALPOST_REVOCATION_ALLOW_PRIVATE=1` allows private addresses.
    pub fn from_env() -> Destinations {
        match std::env::var(ALLOW_PRIVATE_ENV) {
            Ok(v) if v.trim() == "1" => Destinations::AlsoPrivate,
            _ => Destinations::Public,
        }
    }
}

/// Why an address is no place for a revocation request: its kind, and whether the setting
/// lifts the refusal. None for a public address.
pub fn non_public(ip: IpAddr) -> Option<(&'static str, bool)> {
    let v4 = match ip {
        IpAddr::V4(a) => Some(a),
        // ::ffff:a.b.c.d reaches the IPv4 address a.b.c.d.
        IpAddr::V6(a) => a.to_ipv4_mapped(),
    };
    if let Some(a) = v4 {
        let o = a.octets();
        return if a.is_unspecified() || o[0] == 0 {
            Some(("unspecified", false))
        } else if a.is_broadcast() {
            Some(("broadcast", false))
        } else if a.is_multicast() {
            Some(("multicast", false))
        } else if a.is_loopback() {
            Some(("loopback", true))
        } else if a.is_private() {
            Some(("private", true))
        } else if a.is_link_local() {
            Some(("link-local", true))
        } else {
            None
        };
    }
    let IpAddr::V6(a) = ip else {
        return None;
    };
    let first = a.segments()[0];
    if a.is_unspecified() {
        Some(("unspecified", false))
    } else if a.is_multicast() {
        Some(("multicast", false))
    } else if a.is_loopback() {
        Some(("loopback", true))
    } else if first & 0xfe00 == 0xfc00 {
        // Unique local addresses, fc00::/7 (RFC 4193).
        Some(("private", true))
    } else if first & 0xffc0 == 0xfe80 || first & 0xffc0 == 0xfec0 {
        // Link-local fe80::/10, and the deprecated site-local fec0::/10.
        Some(("link-local", true))
    } else {
        None
    }
}

/// Resolves `host` within `within` (the system resolver has no timeout of its own, so it runs
/// on a thread that is left behind if it does not answer in time).
fn lookup(host: &str, port: u16, within: Duration) -> Result<Vec<SocketAddr>, HttpError> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let failed = |detail: String| HttpError::Connect {
        host: host.to_string(),
        detail,
    };
    let (tx, rx) = std::sync::mpsc::channel();
    let name = host.to_string();
    std::thread::Builder::new()
        .name("sealpost-dns".into())
        .spawn(move || {
            let r = (name.as_str(), port)
                .to_socket_addrs()
                .map(|it| it.collect::<Vec<_>>());
            let _ = tx.send(r);
        })
        .map_err(|e| failed(e.to_string()))?;
    match rx.recv_timeout(within) {
        Ok(Ok(addrs)) => Ok(addrs),
        Ok(Err(e)) => Err(failed(e.to_string())),
        Err(_) => Err(failed(format!(
            "the name did not resolve within {} seconds",
            within.as_secs()
        ))),
    }
}

/// The resolved addresses a request may go to; an error naming the first refused address
/// when none is left.
fn permitted(
    host: &str,
    addrs: Vec<SocketAddr>,
    allowed: Destinations,
) -> Result<Vec<SocketAddr>, HttpError> {
    let mut refused = None;
    let mut out = Vec::new();
    for a in addrs {
        match non_public(a.ip()) {
            None => out.push(a),
            Some((_, true)) if allowed == Destinations::AlsoPrivate => out.push(a),
            Some((kind, lifted_by_setting)) => {
                refused.get_or_insert(HttpError::ForbiddenAddress {
                    host: host.to_string(),
                    address: a.ip(),
                    kind,
                    lifted_by_setting,
                });
            }
        }
    }
    match (out.is_empty(), refused) {
        (true, Some(e)) => Err(e),
        _ => Ok(out),
    }
}

/// GETs `url` (a CRL), following http:// redirects; at most `limit` body bytes.
pub fn get(url: &str, limit: usize) -> Result<Vec<u8>, HttpError> {
    request(url, None, limit)
}

/// POSTs `body` as application/ocsp-request and returns the body of the answer.
pub fn post_ocsp(url: &str, body: &[u8], limit: usize) -> Result<Vec<u8>, HttpError> {
    request(url, Some(body), limit)
}

fn request(url: &str, body: Option<&[u8]>, limit: usize) -> Result<Vec<u8>, HttpError> {
    request_to(url, body, limit, Destinations::from_env())
}

fn request_to(
    url: &str,
    body: Option<&[u8]>,
    limit: usize,
    allowed: Destinations,
) -> Result<Vec<u8>, HttpError> {
    let started = Instant::now();
    let mut current = url.to_string();
    for _ in 0..=MAX_REDIRECTS {
        match once(&current, body, limit, allowed, started)? {
            Answer::Body(b) => return Ok(b),
            Answer::Redirect(location) => {
                let next = resolve(&current, &location).ok_or_else(|| HttpError::Redirect {
                    url: current.clone(),
                })?;
                Url::parse(&next).map_err(|_| HttpError::Redirect {
                    url: current.clone(),
                })?;
                current = next;
            }
        }
    }
    Err(HttpError::Redirect { url: current })
}

/// A Location value made absolute against `base`; None for other schemes.
fn resolve(base: &str, location: &str) -> Option<String> {
    let loc = location.trim();
    if loc.len() > 7
        && loc
            .get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("http://"))
    {
        return Some(loc.to_string());
    }
    if loc.contains("://") || loc.starts_with("//") {
        return None;
    }
    let b = Url::parse(base).ok()?;
    let path = if loc.starts_with('/') {
        loc.to_string()
    } else {
        let dir = b.target.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        format!("{dir}/{loc}")
    };
    Some(format!("http://{}{}", b.host_header(), path))
}

enum Answer {
    Body(Vec<u8>),
    Redirect(String),
}

fn once(
    url: &str,
    body: Option<&[u8]>,
    limit: usize,
    allowed: Destinations,
    started: Instant,
) -> Result<Answer, HttpError> {
    let u = Url::parse(url)?;
    let io = |e: std::io::Error| HttpError::Io {
        url: url.to_string(),
        detail: e.to_string(),
    };
    // Resolved once and checked: the connection goes to an address that was checked, so a
    // second, different DNS answer (rebinding) cannot slip in.
    let left = DEADLINE.saturating_sub(started.elapsed()).min(TIMEOUT);
    let addrs = permitted(&u.host, lookup(&u.host, u.port, left)?, allowed)?;
    let mut stream = None;
    let mut last = String::from("no address");
    for a in &addrs {
        match TcpStream::connect_timeout(a, TIMEOUT) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = e.to_string(),
        }
    }
    let mut s = stream.ok_or_else(|| HttpError::Connect {
        host: u.host_header(),
        detail: last,
    })?;
    s.set_read_timeout(Some(TIMEOUT)).map_err(io)?;
    s.set_write_timeout(Some(TIMEOUT)).map_err(io)?;
    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: sealpost\r\nAccept: */*\r\nConnection: close\r\n",
        if body.is_some() { "POST" } else { "GET" },
        u.target,
        u.host_header()
    );
    if let Some(b) = body {
        head.push_str(&format!(
            "Content-Type: application/ocsp-request\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).map_err(io)?;
    if let Some(b) = body {
        s.write_all(b).map_err(io)?;
    }
    s.flush().map_err(io)?;
    // Read everything up to the cap (the server closes: Connection: close).
    // A slow server cannot hold us longer than DEADLINE in total, whatever each read does.
    let cap = limit.saturating_add(MAX_HEADER_BYTES).saturating_add(1);
    let reading = Instant::now();
    let mut raw = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if reading.elapsed() > DEADLINE {
            return Err(HttpError::Io {
                url: url.to_string(),
                detail: format!("no complete answer within {} seconds", DEADLINE.as_secs()),
            });
        }
        let n = s.read(&mut chunk).map_err(io)?;
        if n == 0 {
            break;
        }
        raw.extend_from_slice(chunk.get(..n).unwrap_or(&[]));
        if raw.len() >= cap {
            break;
        }
    }
    parse_response(url, &raw, limit)
}

fn parse_response(url: &str, raw: &[u8], limit: usize) -> Result<Answer, HttpError> {
    let malformed = |d: &str| HttpError::Malformed {
        url: url.to_string(),
        detail: d.to_string(),
    };
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .filter(|p| *p <= MAX_HEADER_BYTES)
        .ok_or_else(|| malformed("no end of headers"))?;
    let head = std::str::from_utf8(&raw[..end]).map_err(|_| malformed("headers not text"))?;
    let body = &raw[end + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    if !version.starts_with("HTTP/1.") {
        return Err(malformed("not HTTP/1.x"));
    }
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| malformed("status code"))?;
    let mut length: Option<usize> = None;
    let mut chunked = false;
    let mut location = None;
    for l in lines {
        let Some((name, value)) = l.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => {
                length = Some(value.parse().map_err(|_| malformed("content-length"))?)
            }
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            "location" => location = Some(value.to_string()),
            _ => {}
        }
    }
    if matches!(status, 301 | 302 | 303 | 307 | 308) {
        return location
            .map(Answer::Redirect)
            .ok_or_else(|| malformed("redirect without Location"));
    }
    if status != 200 {
        return Err(HttpError::Status {
            url: url.to_string(),
            status,
        });
    }
    let too_large = || HttpError::TooLarge {
        url: url.to_string(),
        limit,
    };
    let out = if chunked {
        dechunk(body, limit).ok_or_else(|| malformed("bad chunked encoding"))??
    } else if let Some(n) = length {
        if n > limit {
            return Err(too_large());
        }
        body.get(..n)
            .ok_or_else(|| malformed("the connection closed before the end of the body"))?
            .to_vec()
    } else {
        body.to_vec()
    };
    if out.len() > limit {
        return Err(too_large());
    }
    Ok(Answer::Body(out))
}

/// Decodes a chunked body; None when malformed, Some(Err) when over the limit.
fn dechunk(mut data: &[u8], limit: usize) -> Option<Result<Vec<u8>, HttpError>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size_text = size_text.split(';').next()?.trim();
        let size = usize::from_str_radix(size_text, 16).ok()?;
        data = data.get(line_end + 2..)?;
        if size == 0 {
            return Some(Ok(out));
        }
        if out.len().saturating_add(size) > limit {
            return Some(Err(HttpError::TooLarge {
                url: String::new(),
                limit,
            }));
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size..)?;
        data = data.strip_prefix(b"\r\n")?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_http_only_without_credentials() {
        let u = Url::parse("http://127.0.0.1:8080/ca.crl").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.target.as_str()),
            ("127.0.0.1", 8080, "/ca.crl")
        );
        let u = Url::parse("HTTP://ocsp.example.test").unwrap();
        assert_eq!((u.port, u.target.as_str()), (80, "/"));
        let u = Url::parse("http://[::1]:99/x?y=1").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.target.as_str()),
            ("::1", 99, "/x?y=1")
        );
        for bad in [
            "https://example.test/ca.crl",
            "ldap://example.test/cn=x",
            "http://user:pw@example.test/",
            "http://",
            "http://host:0/",
            "http://host:99999/",
            "http://ho st/",
            "file:///etc/passwd",
        ] {
            assert!(Url::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn responses_parse_with_length_chunks_and_limits() {
        let r = parse_response(
            "u",
            b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabcdef",
            10,
        )
        .unwrap();
        assert!(matches!(r, Answer::Body(b) if b == b"abc"));
        let r = parse_response(
            "u",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
            10,
        )
        .unwrap();
        assert!(matches!(r, Answer::Body(b) if b == b"abcde"));
        assert!(matches!(
            parse_response("u", b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\nabc", 10),
            Err(HttpError::TooLarge { .. })
        ));
        assert!(matches!(
            parse_response("u", b"HTTP/1.1 200 OK\r\n\r\n0123456789ab", 10),
            Err(HttpError::TooLarge { .. })
        ));
        assert!(matches!(
            parse_response("u", b"HTTP/1.1 404 Not Found\r\n\r\n", 10),
            Err(HttpError::Status { status: 404, .. })
        ));
        assert!(parse_response("u", b"garbage", 10).is_err());
        assert!(matches!(
            parse_response("u", b"HTTP/1.1 302 Found\r\nLocation: /b\r\n\r\n", 10),
            Ok(Answer::Redirect(l)) if l == "/b"
        ));
    }

    #[test]
    fn only_public_addresses_are_destinations() {
        let kind = |a: &str| non_public(a.parse().unwrap());
        for public in ["93.184.216.34", "8.8.8.8", "2001:db8::1", "2606:4700::1111"] {
            assert_eq!(kind(public), None, "{public}");
        }
        for (a, k, lifted) in [
            ("127.0.0.1", "loopback", true),
            ("127.8.9.10", "loopback", true),
            ("10.1.2.3", "private", true),
            ("172.16.0.1", "private", true),
            ("172.31.255.254", "private", true),
            ("192.168.1.1", "private", true),
            ("169.254.169.254", "link-local", true),
            ("0.0.0.0", "unspecified", false),
            ("0.1.2.3", "unspecified", false),
            ("224.0.0.1", "multicast", false),
            ("255.255.255.255", "broadcast", false),
            ("::1", "loopback", true),
            ("::", "unspecified", false),
            ("fc00::1", "private", true),
            ("fd12:3456::1", "private", true),
            ("fe80::1", "link-local", true),
            ("ff02::1", "multicast", false),
            ("::ffff:127.0.0.1", "loopback", true),
            ("::ffff:192.168.0.1", "private", true),
        ] {
            assert_eq!(kind(a), Some((k, lifted)), "{a}");
        }
        assert_eq!(kind("172.32.0.1"), None);
        assert_eq!(kind("11.0.0.1"), None);
    }

    /// A listener on 127.0.0.1 that never accepts by itself: `connected` tells whether anyone
    /// connected to it.
    struct Witness(std::net::TcpListener);

    impl Witness {
        fn new() -> Witness {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.set_nonblocking(true).unwrap();
            Witness(l)
        }
        fn port(&self) -> u16 {
            self.0.local_addr().unwrap().port()
        }
        fn connected(&self) -> bool {
            std::thread::sleep(Duration::from_millis(100));
            self.0.accept().is_ok()
        }
    }

    #[test]
    fn loopback_is_refused_without_connecting() {
        let w = Witness::new();
        for url in [
            format!("http://127.0.0.1:{}/ca.crl", w.port()),
            format!("http://localhost:{}/ca.crl", w.port()),
            format!("http://[::ffff:127.0.0.1]:{}/ca.crl", w.port()),
        ] {
            match request_to(&url, None, 1024, Destinations::Public) {
                Err(e @ HttpError::ForbiddenAddress { .. }) => {
                    let text = e.to_string();
                    assert!(text.contains("loopback"), "{text}");
                    assert!(text.contains(ALLOW_PRIVATE_ENV), "{text}");
                }
                other => panic!("{url}: {other:?}"),
            }
        }
        assert!(!w.connected(), "a refused URL was connected to");
    }

    /// Serves one request on 127.0.0.1 with `answer`; returns the port.
    fn serve_once(answer: String) -> u16 {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = l.accept() {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                let _ = s.write_all(answer.as_bytes());
            }
        });
        port
    }

    #[test]
    fn the_setting_allows_loopback_but_a_redirect_is_checked_again() {
        let port = serve_once("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nCRL".into());
        let url = format!("http://127.0.0.1:{port}/ca.crl");
        assert_eq!(
            request_to(&url, None, 1024, Destinations::AlsoPrivate).unwrap(),
            b"CRL"
        );
        // 0.0.0.0 reaches this machine on Linux: refused even with the setting, after a redirect.
        let w = Witness::new();
        let port = serve_once(format!(
            "HTTP/1.1 302 Found\r\nLocation: http://0.0.0.0:{}/x\r\n\r\n",
            w.port()
        ));
        let url = format!("http://127.0.0.1:{port}/ca.crl");
        assert!(matches!(
            request_to(&url, None, 1024, Destinations::AlsoPrivate),
            Err(HttpError::ForbiddenAddress {
                kind: "unspecified",
                lifted_by_setting: false,
                ..
            })
        ));
        assert!(!w.connected(), "the redirect target was connected to");
    }

    #[test]
    fn redirects_stay_on_http() {
        assert_eq!(
            resolve("http://h:81/a/b.crl", "c.crl").as_deref(),
            Some("http://h:81/a/c.crl")
        );
        assert_eq!(resolve("http://h/a", "/x").as_deref(), Some("http://h/x"));
        assert_eq!(resolve("http://h/a", "https://h/x"), None);
        assert_eq!(resolve("http://h/a", "file:///etc/passwd"), None);
        assert_eq!(resolve("http://h/a", "//evil/x"), None);
        // A multi-byte character where the scheme would end is no panic.
        assert_eq!(
            resolve("http://h/a", "httpé//x/y"),
            Some("http://h/httpé//x/y".into())
        );
        assert!(
            Url::parse("http://h/httpé//x/y").is_err(),
            "non-ASCII URLs are refused"
        );
    }
}
