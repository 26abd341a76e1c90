//! DNS, TCP and TLS for both protocols, each step with its own error so a connection test can
//! say exactly what failed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::{Endpoint, MailError};

/// How long any single network step may take.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs `fut` with [`STEP_TIMEOUT`], naming the stage on expiry.
pub(crate) async fn step<T>(
    ep: &Endpoint,
    stage: &'static str,
    fut: impl std::future::Future<Output = Result<T, MailError>>,
) -> Result<T, MailError> {
    match tokio::time::timeout(STEP_TIMEOUT, fut).await {
        Ok(r) => r,
        Err(_) => Err(MailError::Timeout {
            server: ep.label(),
            stage,
            seconds: STEP_TIMEOUT.as_secs(),
        }),
    }
}

/// The TLS configuration for an endpoint (its private CA, else the public roots).
pub(crate) fn client_config(ep: &Endpoint) -> Result<Arc<ClientConfig>, MailError> {
    crate::net::tls::client_config(ep.ca.as_deref()).map_err(config_error)
}

/// A TLS configuration problem, as the mail transport reports it.
pub fn config_error(e: crate::net::tls::TlsConfigError) -> MailError {
    MailError::Config(e.to_string())
}

/// The longest line accepted before TLS.
const MAX_LINE: usize = 16 * 1024;

/// Reads one line of the plaintext phase before STARTTLS, one byte at a time: nothing past
/// the line is taken from the socket, so nothing the server (or a man in the middle) sends
/// before the handshake can be buffered and later mistaken for protected data (the STARTTLS
/// injection of CVE-2011-0411).
pub(crate) async fn read_line(ep: &Endpoint, s: &mut TcpStream) -> Result<String, MailError> {
    let mut line = Vec::new();
    loop {
        let b = s.read_u8().await.map_err(|e| MailError::ConnectionLost {
            server: ep.label(),
            detail: e.to_string(),
        })?;
        line.push(b);
        if b == b'\n' {
            return Ok(String::from_utf8_lossy(&line).trim_end().to_string());
        }
        if line.len() > MAX_LINE {
            return Err(MailError::Protocol {
                server: ep.label(),
                detail: "a line longer than 16 KiB before TLS".into(),
            });
        }
    }
}

/// Writes a command of the plaintext phase.
pub(crate) async fn write_all(
    ep: &Endpoint,
    s: &mut TcpStream,
    data: &[u8],
) -> Result<(), MailError> {
    s.write_all(data)
        .await
        .map_err(|e| MailError::ConnectionLost {
            server: ep.label(),
            detail: e.to_string(),
        })
}

/// Refuses a server that sent more than the reply to STARTTLS before the handshake: whatever
/// follows that reply in the clear is an injection (RFC 3207 §4.2 lets nothing pass).
pub(crate) fn nothing_after_starttls_reply(ep: &Endpoint, s: &TcpStream) -> Result<(), MailError> {
    let mut probe = [0u8; 1];
    match s.try_read(&mut probe) {
        Ok(0) => Err(MailError::ConnectionLost {
            server: ep.label(),
            detail: "the server closed the connection after agreeing to STARTTLS".into(),
        }),
        Ok(_) => Err(MailError::Protocol {
            server: ep.label(),
            detail: "the server sent data after its reply to STARTTLS and before TLS \
                     (refused: a man in the middle may be injecting replies)"
                .into(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(()),
        Err(e) => Err(MailError::ConnectionLost {
            server: ep.label(),
            detail: e.to_string(),
        }),
    }
}

/// Resolves the host name (DNS stage).
pub async fn resolve(ep: &Endpoint) -> Result<Vec<SocketAddr>, MailError> {
    let target = (ep.host.as_str(), ep.port);
    let addrs: Vec<SocketAddr> = step(ep, "resolving the host name", async {
        tokio::net::lookup_host(target)
            .await
            .map(|it| it.collect())
            .map_err(|e| MailError::Dns {
                server: ep.label(),
                detail: e.to_string(),
            })
    })
    .await?;
    if addrs.is_empty() {
        return Err(MailError::Dns {
            server: ep.label(),
            detail: "no address".into(),
        });
    }
    Ok(addrs)
}

/// Resolves and connects to the first address that accepts (DNS, then TCP stage).
pub async fn connect_tcp(ep: &Endpoint) -> Result<TcpStream, MailError> {
    let addrs = resolve(ep).await?;
    let mut last = String::new();
    for a in &addrs {
        match tokio::time::timeout(STEP_TIMEOUT, TcpStream::connect(a)).await {
            Ok(Ok(s)) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Ok(Err(e)) => last = format!("{a}: {e}"),
            Err(_) => last = format!("{a}: no answer within {} s", STEP_TIMEOUT.as_secs()),
        }
    }
    Err(MailError::Tcp {
        server: ep.label(),
        detail: last,
    })
}

/// Performs the TLS handshake, verifying the certificate for `ep.host`.
pub async fn tls_handshake(
    ep: &Endpoint,
    tcp: TcpStream,
) -> Result<TlsStream<TcpStream>, MailError> {
    let config = client_config(ep)?;
    let name = ServerName::try_from(ep.host.clone())
        .map_err(|e| MailError::Config(format!("{}: not a valid TLS server name: {e}", ep.host)))?;
    let connector = TlsConnector::from(config);
    step(ep, "negotiating TLS", async {
        connector
            .connect(name, tcp)
            .await
            .map_err(|e| io_error(ep, &e))
    })
    .await
}

/// Classifies an I/O error from a TLS stream: certificate, other TLS, or a lost connection.
pub(crate) fn io_error(ep: &Endpoint, e: &std::io::Error) -> MailError {
    if let Some(r) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        return tls_error(ep, r);
    }
    use std::io::ErrorKind as K;
    if matches!(
        e.kind(),
        K::ConnectionRefused | K::HostUnreachable | K::NetworkUnreachable | K::AddrNotAvailable
    ) {
        return MailError::Tcp {
            server: ep.label(),
            detail: e.to_string(),
        };
    }
    MailError::ConnectionLost {
        server: ep.label(),
        detail: e.to_string(),
    }
}

pub(crate) fn tls_error(ep: &Endpoint, e: &rustls::Error) -> MailError {
    match e {
        rustls::Error::InvalidCertificate(c) => MailError::TlsCertificate {
            server: ep.label(),
            detail: certificate_problem(c),
        },
        other => MailError::Tls {
            server: ep.label(),
            detail: other.to_string(),
        },
    }
}

fn certificate_problem(e: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    match e {
        C::UnknownIssuer => {
            "it is not issued by a trusted CA (give the account's CA with --ca-file)".into()
        }
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            "it is not valid for this host name".into()
        }
        C::Expired | C::ExpiredContext { .. } => "it has expired".into(),
        C::NotValidYet | C::NotValidYetContext { .. } => "it is not valid yet".into(),
        C::Revoked => "it is revoked".into(),
        other => format!("{other:?}"),
    }
}

/// Finds a rustls or I/O cause in an error chain (lettre wraps them).
pub(crate) fn cause_in_chain(
    ep: &Endpoint,
    e: &(dyn std::error::Error + 'static),
) -> Option<MailError> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    let mut depth = 0;
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<rustls::Error>() {
            return Some(tls_error(ep, r));
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return Some(io_error(ep, io));
        }
        depth += 1;
        if depth > 16 {
            break;
        }
        cur = err.source();
    }
    None
}
