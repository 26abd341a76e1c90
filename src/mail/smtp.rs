//! SMTP submission (RFC 6409) with lettre's connection API, step by step so that each failure
//! has its stage: TLS from the start or STARTTLS (RFC 3207, which must be offered), then
//! AUTH PLAIN/LOGIN only on the encrypted connection, then MAIL/RCPT/DATA.
//!
//! TCP and TLS are ours (`net`), as for IMAP; lettre gets the TLS stream. lettre's own
//! STARTTLS keeps its plaintext read buffer across the upgrade, so lines a man in the middle
//! appends to the `220` reply would be read as the server's post-TLS replies (the response
//! injection of CVE-2011-0411, "NO STARTTLS" 2021). Here the plaintext phase (greeting, EHLO,
//! STARTTLS) is spoken by hand one byte at a time, and a server that sends anything after its
//! reply to STARTTLS is refused before the handshake.

use std::net::Ipv4Addr;
use std::pin::Pin;
use std::task::{Context, Poll};

use lettre::Address;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream};
use lettre::transport::smtp::extension::ClientId;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use super::net::{self, STEP_TIMEOUT, read_line, step, write_all};
use super::{Endpoint, Login, MailError, TlsMode, sanitize};

/// A logged-in submission session.
pub struct Smtp {
    ep: Endpoint,
    conn: AsyncSmtpConnection,
}

/// The EHLO name: an address literal, so the machine's host name is not disclosed.
fn hello() -> ClientId {
    ClientId::Ipv4(Ipv4Addr::LOCALHOST)
}

/// At most this many lines in one reply before TLS (a multi-line EHLO reply is ~10).
const MAX_REPLY_LINES: usize = 64;

/// Reads one reply (RFC 5321 §4.2: `code-text` lines, then `code text`); returns its code and
/// the text of each line.
async fn read_reply(ep: &Endpoint, s: &mut TcpStream) -> Result<(u16, Vec<String>), MailError> {
    let mut lines = Vec::new();
    for _ in 0..MAX_REPLY_LINES {
        let line = read_line(ep, s).await?;
        let bad = || MailError::Protocol {
            server: ep.label(),
            detail: format!("not an SMTP reply: {}", sanitize(&line)),
        };
        let code = line
            .get(..3)
            .filter(|c| c.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|c| c.parse::<u16>().ok())
            .ok_or_else(bad)?;
        let sep = line.as_bytes().get(3).copied();
        lines.push(line.get(4..).unwrap_or("").to_string());
        match sep {
            None | Some(b' ') => return Ok((code, lines)),
            Some(b'-') => {}
            Some(_) => return Err(bad()),
        }
    }
    Err(MailError::Protocol {
        server: ep.label(),
        detail: "a reply of too many lines before TLS".into(),
    })
}

/// The plaintext phase of RFC 3207 §4: greeting, EHLO (STARTTLS must be offered), STARTTLS
/// and its `220`. Sends nothing else, and nothing the server said here is kept: the EHLO
/// after TLS learns the extensions anew (§4.2).
async fn starttls(ep: &Endpoint, s: &mut TcpStream) -> Result<(), MailError> {
    let (code, greeting) = read_reply(ep, s).await?;
    if code != 220 {
        return Err(MailError::Protocol {
            server: ep.label(),
            detail: format!("greeting {code} {}", sanitize(&greeting.join(" "))),
        });
    }
    write_all(ep, s, format!("EHLO {}\r\n", hello()).as_bytes()).await?;
    let (code, ehlo) = read_reply(ep, s).await?;
    if code != 250 {
        return Err(MailError::Protocol {
            server: ep.label(),
            detail: format!("EHLO {code} {}", sanitize(&ehlo.join(" "))),
        });
    }
    // The first line is the server's name; each further line names one extension.
    let offered = ehlo.iter().skip(1).any(|l| {
        l.split_ascii_whitespace()
            .next()
            .is_some_and(|k| k.eq_ignore_ascii_case("STARTTLS"))
    });
    if !offered {
        return Err(MailError::StarttlsMissing { server: ep.label() });
    }
    write_all(ep, s, b"STARTTLS\r\n").await?;
    let (code, _) = read_reply(ep, s).await?;
    if code != 220 {
        return Err(MailError::StarttlsMissing { server: ep.label() });
    }
    net::nothing_after_starttls_reply(ep, s)
}

/// The TLS stream handed to lettre. After STARTTLS the server sends no second greeting, but
/// lettre reads one before its EHLO: `greeting` is that line, made here, never read from the
/// network (lettre discards it).
struct Secured {
    tls: TlsStream<TcpStream>,
    greeting: &'static [u8],
}

/// What lettre reads first after our STARTTLS, in place of a greeting.
const AFTER_STARTTLS: &[u8] = b"220 TLS established by the client\r\n";

impl std::fmt::Debug for Secured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secured").finish_non_exhaustive()
    }
}

impl AsyncRead for Secured {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if !this.greeting.is_empty() {
            let n = this.greeting.len().min(buf.remaining());
            let (now, later) = this.greeting.split_at(n);
            buf.put_slice(now);
            this.greeting = later;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.tls).poll_read(cx, buf)
    }
}

impl AsyncWrite for Secured {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().tls).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().tls).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().tls).poll_shutdown(cx)
    }
}

impl AsyncTokioStream for Secured {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.tls.get_ref().0.peer_addr()
    }
}

/// Maps a lettre error: a TLS or I/O cause in its chain first, then SMTP reply codes.
fn smtp_error(ep: &Endpoint, e: &lettre::transport::smtp::Error, auth: bool) -> MailError {
    if let Some(m) = net::cause_in_chain(ep, e) {
        return m;
    }
    let detail = sanitize(&e.to_string());
    if e.is_permanent() || e.is_transient() {
        if auth {
            return MailError::Authentication {
                server: ep.label(),
                detail,
            };
        }
        return MailError::Rejected {
            server: ep.label(),
            detail,
        };
    }
    if e.is_tls() {
        return MailError::Tls {
            server: ep.label(),
            detail,
        };
    }
    if e.is_timeout() {
        return MailError::Timeout {
            server: ep.label(),
            stage: "talking to the server",
            seconds: STEP_TIMEOUT.as_secs(),
        };
    }
    if e.is_response() || e.is_client() {
        return MailError::Protocol {
            server: ep.label(),
            detail,
        };
    }
    MailError::ConnectionLost {
        server: ep.label(),
        detail,
    }
}

impl Smtp {
    /// Connects, secures the connection and authenticates.
    pub async fn login(ep: &Endpoint, login: &Login) -> Result<Smtp, MailError> {
        let mut tcp = net::connect_tcp(ep).await?;
        let greeting = match ep.tls {
            TlsMode::Starttls => {
                step(ep, "negotiating STARTTLS", starttls(ep, &mut tcp)).await?;
                AFTER_STARTTLS
            }
            // RFC 8314 §3: the greeting comes over TLS.
            TlsMode::Implicit => &[],
        };
        let tls = net::tls_handshake(ep, tcp).await?;
        // Everything lettre reads and writes from here on is inside TLS.
        let stream = Box::new(Secured { tls, greeting });
        let mut conn = step(ep, "greeting the server", async {
            AsyncSmtpConnection::connect_with_transport(stream, &hello())
                .await
                .map_err(|e| smtp_error(ep, &e, false))
        })
        .await?;
        let creds = Credentials::new(login.user.clone(), login.password.to_string());
        step(ep, "authenticating", async {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], &creds)
                .await
                .map_err(|e| {
                    if e.is_client() {
                        MailError::Authentication {
                            server: ep.label(),
                            detail: "the server offers neither AUTH PLAIN nor AUTH LOGIN".into(),
                        }
                    } else {
                        smtp_error(ep, &e, true)
                    }
                })
        })
        .await?;
        Ok(Smtp {
            ep: ep.clone(),
            conn,
        })
    }

    /// Sends `raw` (CRLF line ends) from `from` to `to`; Ok once the server accepted it (250).
    pub async fn send(&mut self, from: &str, to: &[String], raw: &[u8]) -> Result<(), MailError> {
        let parse = |a: &str| {
            a.parse::<Address>()
                .map_err(|e| MailError::Config(format!("{a:?} is not a valid address: {e}")))
        };
        let rcpt = to.iter().map(|a| parse(a)).collect::<Result<Vec<_>, _>>()?;
        let envelope = Envelope::new(Some(parse(from)?), rcpt)
            .map_err(|e| MailError::Config(format!("envelope: {e}")))?;
        let ep = self.ep.clone();
        let conn = &mut self.conn;
        // A message may be large: allow one step per 64 KiB on top of the base timeout.
        let limit = STEP_TIMEOUT * (1 + (raw.len() / (64 * 1024)) as u32);
        match tokio::time::timeout(limit, conn.send(&envelope, raw)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(smtp_error(&ep, &e, false)),
            Err(_) => Err(MailError::Timeout {
                server: ep.label(),
                stage: "sending the message",
                seconds: limit.as_secs(),
            }),
        }
    }

    pub async fn quit(mut self) {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), self.conn.quit()).await;
    }
}

/// Checks that the account can authenticate (for `account test`).
pub async fn check(ep: &Endpoint, login: &Login) -> Result<(), MailError> {
    let s = Smtp::login(ep, login).await?;
    s.quit().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::time::Duration;

    use super::*;

    /// A scripted submission server on 127.0.0.1: greeting, `ehlo` as the EHLO reply, then
    /// `starttls_reply` to STARTTLS in one write. Returns the port and a handle giving what the
    /// client sent after that reply (empty when it only closed the connection).
    fn fake_server(
        ehlo: &'static [u8],
        starttls_reply: &'static [u8],
    ) -> (u16, std::thread::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let handle = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().expect("accept");
            s.set_read_timeout(Some(Duration::from_secs(20)))
                .expect("timeout");
            let mut r = BufReader::new(s.try_clone().expect("clone"));
            let mut line = String::new();
            s.write_all(b"220 fake.test ESMTP\r\n").expect("greeting");
            r.read_line(&mut line).expect("EHLO");
            assert!(line.starts_with("EHLO "), "{line:?}");
            s.write_all(ehlo).expect("EHLO reply");
            line.clear();
            if r.read_line(&mut line).unwrap_or(0) == 0 || line != "STARTTLS\r\n" {
                return line.into_bytes();
            }
            s.write_all(starttls_reply).expect("STARTTLS reply");
            let mut after = vec![0u8; 4096];
            let n = r.read(&mut after).unwrap_or(0);
            after.truncate(n);
            after
        });
        (port, handle)
    }

    fn login(port: u16) -> Result<(), MailError> {
        let ep = Endpoint {
            protocol: "SMTP",
            host: "127.0.0.1".into(),
            port,
            tls: TlsMode::Starttls,
            ca: None,
        };
        let login = Login {
            user: "alice".into(),
            password: zeroize::Zeroizing::new("hunter2".into()),
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(Smtp::login(&ep, &login)).map(|_| ())
    }

    const EHLO: &[u8] =
        b"250-fake.test\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n";

    #[test]
    fn a_reply_injected_after_the_starttls_220_is_refused_before_tls() {
        // A man in the middle appends a fake post-TLS EHLO reply to the server's 220.
        let (port, server) = fake_server(EHLO, b"220 go ahead\r\n250 injected\r\n");
        let err = login(port).expect_err("the injection was accepted");
        match &err {
            MailError::Protocol { detail, .. } => {
                assert!(detail.contains("after its reply to STARTTLS"), "{err}")
            }
            other => panic!("not a protocol error: {other:?}"),
        }
        let after = server.join().expect("server");
        assert!(
            after.is_empty(),
            "the client sent {} bytes after the injected reply",
            after.len()
        );
    }

    #[test]
    fn a_clean_220_leads_straight_to_the_tls_handshake() {
        // The same server without the injection: the next bytes are a TLS ClientHello
        // (record type 22), nothing in plaintext; the fake server then hangs up.
        let (port, server) = fake_server(EHLO, b"220 go ahead\r\n");
        let err = login(port).expect_err("no TLS server here");
        let after = server.join().expect("server");
        assert_eq!(after.first(), Some(&0x16), "{after:?}");
        assert!(
            matches!(
                err,
                MailError::Tls { .. } | MailError::ConnectionLost { .. }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn a_server_without_starttls_gets_no_credentials() {
        let (port, server) = fake_server(b"250-fake.test\r\n250 AUTH PLAIN LOGIN\r\n", b"");
        let err = login(port).expect_err("no STARTTLS");
        assert!(matches!(err, MailError::StarttlsMissing { .. }), "{err:?}");
        let sent = String::from_utf8_lossy(&server.join().expect("server")).into_owned();
        assert!(sent.is_empty() || sent == "QUIT\r\n", "{sent:?}");
    }
}
