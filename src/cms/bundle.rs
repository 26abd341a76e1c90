//! Public certificate files: PEM (several blocks), DER, and PKCS#7 certs-only bundles
//! (`.p7b`/`.p7c`: a SignedData with certificates and no signer, RFC 5652 §5, RFC 8551 §3.6),
//! DER or PEM. The bundle form needs the CMS parser, so this lives here rather than in
//! [`crate::pki`].

use crate::pki::cert::Cert;
use crate::pki::{ParseError, pem_blocks, trim_ascii_start};

/// Reads every certificate from a PEM (several blocks), DER, or PKCS#7 certs-only
/// (`.p7b`/`.p7c`, DER or PEM) file.
pub fn parse_certificates(data: &[u8]) -> Result<Vec<Cert>, ParseError> {
    let trimmed = trim_ascii_start(data);
    if trimmed.starts_with(b"-----BEGIN") {
        let text = String::from_utf8_lossy(trimmed);
        let mut out = Vec::new();
        for (label, der) in pem_blocks(&text) {
            match label.as_str() {
                "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {
                    out.push(Cert::from_der(&der)?)
                }
                "PKCS7" | "CMS" => out.extend(certs_from_pkcs7(&der)?),
                _ => {}
            }
        }
        if out.is_empty() {
            return Err(ParseError::Empty);
        }
        return Ok(out);
    }
    if let Ok(c) = Cert::from_der(data) {
        return Ok(vec![c]);
    }
    let certs = certs_from_pkcs7(data)?;
    if certs.is_empty() {
        return Err(ParseError::Empty);
    }
    Ok(certs)
}

/// Certificates carried in a SignedData (certs-only or not), BER or DER.
pub fn certs_from_pkcs7(data: &[u8]) -> Result<Vec<Cert>, ParseError> {
    super::certificates_in_signed_data(data).map_err(|e| ParseError::Unrecognised(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_not_a_certificate() {
        assert!(parse_certificates(b"hello").is_err());
        assert!(matches!(
            parse_certificates(b"-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n"),
            Err(ParseError::Empty)
        ));
    }
}
