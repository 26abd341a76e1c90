//! TLS client configuration shared by everything that speaks TLS (IMAP, SMTP; the directory
//! and policy fetches to come): rustls with the ring provider, TLS 1.2 and 1.3, and the trust
//! anchors of an endpoint.

use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

/// Why a TLS client configuration cannot be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TlsConfigError {
    #[error("the CA file holds no usable certificate: {0}")]
    UnreadableCa(String),
    #[error("the CA file holds no certificate")]
    EmptyCa,
    #[error("the CA certificate is not usable: {0}")]
    UnusableCa(String),
    #[error("TLS configuration: {0}")]
    Rustls(String),
}

/// The DER certificates in a PEM or DER CA file.
pub fn ca_certificates(data: &[u8]) -> Result<Vec<CertificateDer<'static>>, TlsConfigError> {
    let certs = crate::cms::parse_certificates(data)
        .map_err(|e| TlsConfigError::UnreadableCa(e.to_string()))?;
    if certs.is_empty() {
        return Err(TlsConfigError::EmptyCa);
    }
    Ok(certs
        .iter()
        .map(|c| CertificateDer::from(c.der().to_vec()))
        .collect())
}

/// The trust anchors for an endpoint: only its private CA when it has one (a private server
/// has no business presenting a public certificate, and a public CA has no business vouching
/// for it), else the Mozilla TLS roots of `webpki-roots`.
pub fn root_store(ca: Option<&[u8]>) -> Result<RootCertStore, TlsConfigError> {
    let mut roots = RootCertStore::empty();
    match ca {
        Some(data) => {
            for der in ca_certificates(data)? {
                roots
                    .add(der)
                    .map_err(|e| TlsConfigError::UnusableCa(e.to_string()))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    Ok(roots)
}

/// A client configuration trusting [`root_store`]`(ca)`, without client certificates.
pub fn client_config(ca: Option<&[u8]>) -> Result<Arc<ClientConfig>, TlsConfigError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsConfigError::Rustls(e.to_string()))?
        .with_root_certificates(root_store(ca)?)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_without_a_certificate_is_refused() {
        assert!(matches!(
            ca_certificates(b"not a certificate"),
            Err(TlsConfigError::UnreadableCa(_))
        ));
        assert!(
            root_store(Some(
                b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"
            ))
            .is_err()
        );
        let public = root_store(None).expect("the public roots");
        assert!(
            public.len() > 50,
            "webpki-roots holds the Mozilla TLS roots"
        );
        assert!(client_config(None).is_ok());
    }
}
