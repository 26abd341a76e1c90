//! Certificates and keys: the certificate model, PEM, PKCS#12 import and export, and path
//! validation. (Certificate files that may be PKCS#7 bundles are read by
//! [`crate::cms::parse_certificates`], one layer up.)

pub mod cert;
pub mod issue;
pub mod keys;
pub mod pkcs12;
pub mod revocation;
pub mod signature;
pub mod validate;

use base64::Engine;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ParseError {
    #[error("the file holds no certificate")]
    Empty,
    #[error("not a certificate file (PEM, DER or PKCS#7): {0}")]
    Unrecognised(String),
    #[error(transparent)]
    Cert(#[from] cert::CertError),
}

/// `d` without its leading ASCII white space.
pub fn trim_ascii_start(d: &[u8]) -> &[u8] {
    let n = d.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &d[n..]
}

/// Splits PEM text into (label, DER) blocks; text between blocks is ignored.
pub fn pem_blocks(text: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut label: Option<String> = None;
    let mut b64 = String::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("-----BEGIN ") {
            label = Some(rest.trim_end_matches('-').to_string());
            b64.clear();
        } else if line.starts_with("-----END ") {
            if let Some(l) = label.take()
                && let Ok(der) = base64::engine::general_purpose::STANDARD.decode(b64.as_bytes())
            {
                out.push((l, der));
            }
            b64.clear();
        } else if label.is_some() && !line.contains(':') {
            b64.push_str(line);
        }
    }
    out
}

/// PEM-encodes DER with 64-column lines.
pub fn to_pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut s = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        s.push_str(&String::from_utf8_lossy(chunk));
        s.push('\n');
    }
    s.push_str(&format!("-----END {label}-----\n"));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_blocks_skip_headers_and_junk() {
        let text = "junk\n-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n-----BEGIN X-----\nAw==\n-----END X-----\n";
        let blocks = pem_blocks(text);
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0], ("CERTIFICATE".to_string(), vec![0, 1, 2]));
        assert_eq!(blocks[1].1, vec![3]);
        let round = pem_blocks(&to_pem("CERTIFICATE", &[9; 100]));
        assert_eq!(round[0].1, vec![9; 100]);
    }
}
