//! Mail transport: IMAP (async-imap on tokio) and SMTP (lettre), both over rustls with the
//! ring provider.
//!
//! Rules this module enforces, whatever the caller asks:
//! - TLS always: implicit TLS (RFC 8314 §3) or STARTTLS (RFC 3501 §6.2.1, RFC 3207). A server
//!   that does not offer STARTTLS makes the connection fail *before* any credential is sent;
//!   there is no plaintext fallback.
//! - Credentials are sent only after the TLS handshake succeeded and the certificate was
//!   verified (webpki roots, or only the account's private CA when it has one).
//! - Every failure names the stage it happened at ([`MailErrorKind`]): DNS, TCP, the TLS
//!   certificate, the rest of TLS, a missing STARTTLS, authentication, the protocol, or a
//!   rejection. Server text is sanitised and truncated; no password ever appears in an error.
//!
//! The functions here are `async`; the mail use cases (`api::mail`) run them on a current-thread tokio
//! runtime so the CLI and the app call plain functions.

pub mod imap;
pub mod net;
pub mod smtp;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// How TLS is reached on an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// TLS from the first byte (IMAPS 993, submissions 465).
    Implicit,
    /// Plain connection upgraded with STARTTLS, which must be offered.
    Starttls,
}

impl TlsMode {
    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::Implicit => "implicit",
            TlsMode::Starttls => "starttls",
        }
    }

    pub fn parse(s: &str) -> Option<TlsMode> {
        match s {
            "implicit" => Some(TlsMode::Implicit),
            "starttls" => Some(TlsMode::Starttls),
            _ => None,
        }
    }

    /// The usual mode for a port: implicit on 993 and 465, STARTTLS elsewhere.
    pub fn for_port(port: u16) -> TlsMode {
        if port == 993 || port == 465 {
            TlsMode::Implicit
        } else {
            TlsMode::Starttls
        }
    }
}

/// A server to connect to.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// "IMAP" or "SMTP", for messages.
    pub protocol: &'static str,
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    /// PEM or DER certificates of a private CA: when set, the only trust anchors.
    pub ca: Option<Vec<u8>>,
}

impl Endpoint {
    /// "IMAP mail.example.test:993", for messages.
    pub fn label(&self) -> String {
        format!("{} {}:{}", self.protocol, self.host, self.port)
    }
}

/// A user name and its password; the password is zeroised on drop and never printed.
pub struct Login {
    pub user: String,
    pub password: Zeroizing<String>,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// The stage a connection or transfer failed at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum MailErrorKind {
    Dns,
    Tcp,
    TlsCertificate,
    Tls,
    StarttlsMissing,
    Authentication,
    Timeout,
    /// The connection broke after it was established.
    ConnectionLost,
    /// The server answered something we cannot use.
    Protocol,
    /// The server refused a command (a recipient, the message, a mailbox).
    Rejected,
    /// A local problem (bad certificate file, bad address).
    Config,
}

/// A failure talking to a mail server. Messages name the server and the stage.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("{server}: cannot resolve the host name: {detail}")]
    Dns { server: String, detail: String },
    #[error("{server}: cannot open a TCP connection: {detail}")]
    Tcp { server: String, detail: String },
    #[error("{server}: the server's TLS certificate is not accepted: {detail}")]
    TlsCertificate { server: String, detail: String },
    #[error("{server}: TLS failed: {detail}")]
    Tls { server: String, detail: String },
    #[error(
        "{server}: the server does not offer STARTTLS; nothing was sent (no plaintext fallback)"
    )]
    StarttlsMissing { server: String },
    #[error("{server}: authentication failed: {detail}")]
    Authentication { server: String, detail: String },
    #[error("{server}: no answer within {seconds} s while {stage}")]
    Timeout {
        server: String,
        stage: &'static str,
        seconds: u64,
    },
    #[error("{server}: the connection was lost: {detail}")]
    ConnectionLost { server: String, detail: String },
    #[error("{server}: unexpected answer: {detail}")]
    Protocol { server: String, detail: String },
    #[error("{server}: refused: {detail}")]
    Rejected { server: String, detail: String },
    #[error("{0}")]
    Config(String),
}

impl MailError {
    pub fn kind(&self) -> MailErrorKind {
        match self {
            MailError::Dns { .. } => MailErrorKind::Dns,
            MailError::Tcp { .. } => MailErrorKind::Tcp,
            MailError::TlsCertificate { .. } => MailErrorKind::TlsCertificate,
            MailError::Tls { .. } => MailErrorKind::Tls,
            MailError::StarttlsMissing { .. } => MailErrorKind::StarttlsMissing,
            MailError::Authentication { .. } => MailErrorKind::Authentication,
            MailError::Timeout { .. } => MailErrorKind::Timeout,
            MailError::ConnectionLost { .. } => MailErrorKind::ConnectionLost,
            MailError::Protocol { .. } => MailErrorKind::Protocol,
            MailError::Rejected { .. } => MailErrorKind::Rejected,
            MailError::Config(_) => MailErrorKind::Config,
        }
    }
}

/// Server-supplied text made safe to show: printable ASCII only, at most 200 characters.
pub(crate) fn sanitize(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .take(200)
        .collect();
    if text.chars().count() > 200 {
        out.push_str("...");
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_strips_controls_and_truncates() {
        assert_eq!(
            sanitize("535 5.7.8 bad\r\n\x1b[31m"),
            "535 5.7.8 bad???[31m"
        );
        let long = "x".repeat(500);
        assert_eq!(sanitize(&long).len(), 203);
    }

    #[test]
    fn port_defaults() {
        assert_eq!(TlsMode::for_port(993), TlsMode::Implicit);
        assert_eq!(TlsMode::for_port(465), TlsMode::Implicit);
        assert_eq!(TlsMode::for_port(587), TlsMode::Starttls);
        assert_eq!(TlsMode::for_port(143), TlsMode::Starttls);
    }

    #[test]
    fn login_debug_hides_the_password() {
        let l = Login {
            user: "alice".into(),
            password: Zeroizing::new("hunter2".into()),
        };
        assert!(!format!("{l:?}").contains("hunter2"));
    }
}
