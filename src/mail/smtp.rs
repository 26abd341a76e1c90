//! SMTP submission (RFC 6409) with lettre's connection API, step by step so that each failure
//! has its stage: TLS from the start or STARTTLS (RFC 3207, which must be offered), then
//! AUTH PLAIN/LOGIN only on the encrypted connection, then MAIL/RCPT/DATA.

use std::net::{IpAddr, Ipv4Addr};

use lettre::Address;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{
    AsyncSmtpConnection, Certificate, CertificateStore, TlsParameters,
};
use lettre::transport::smtp::extension::ClientId;

use super::net::{self, STEP_TIMEOUT, step};
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

fn tls_parameters(ep: &Endpoint) -> Result<TlsParameters, MailError> {
    let mut b = TlsParameters::builder(ep.host.clone());
    match &ep.ca {
        Some(data) => {
            b = b.certificate_store(CertificateStore::None);
            for der in net::ca_certificates(data)? {
                let c = Certificate::from_der(der.to_vec())
                    .map_err(|e| MailError::Config(format!("the CA certificate: {e}")))?;
                b = b.add_root_certificate(c);
            }
        }
        None => b = b.certificate_store(CertificateStore::WebpkiRoots),
    }
    b.build_rustls()
        .map_err(|e| MailError::Config(format!("TLS configuration: {e}")))
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
        let addrs = net::resolve(ep).await?;
        let implicit = match ep.tls {
            TlsMode::Implicit => Some(tls_parameters(ep)?),
            TlsMode::Starttls => None,
        };
        let mut conn = step(ep, "connecting", async {
            AsyncSmtpConnection::connect_tokio1(
                addrs.as_slice(),
                Some(STEP_TIMEOUT),
                &hello(),
                implicit,
                None::<IpAddr>,
            )
            .await
            .map_err(|e| smtp_error(ep, &e, false))
        })
        .await?;
        if ep.tls == TlsMode::Starttls {
            if !conn.can_starttls() {
                conn.abort().await;
                return Err(MailError::StarttlsMissing { server: ep.label() });
            }
            let params = tls_parameters(ep)?;
            step(ep, "negotiating STARTTLS", async {
                conn.starttls(params, &hello())
                    .await
                    .map_err(|e| smtp_error(ep, &e, false))
            })
            .await?;
        }
        if !conn.is_encrypted() {
            // Unreachable by construction; kept so no later edit can send a password in clear.
            conn.abort().await;
            return Err(MailError::Tls {
                server: ep.label(),
                detail: "the connection is not encrypted".into(),
            });
        }
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
