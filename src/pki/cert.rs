//! The certificate model (RFC 5280 §4, RFC 8550 §4.4): what a user and the S/MIME engine need
//! to know about a certificate, computed once from its DER.

use der::{Decode, Encode};
use serde::Serialize;
use sha2::{Digest, Sha256};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAltName,
    SubjectKeyIdentifier, name::GeneralName,
};

use super::keys::{KeyKind, classify_spki};

pub const OID_EMAIL_PROTECTION: &str = "1.3.6.1.5.5.7.3.4";
pub const OID_ANY_EKU: &str = "2.5.29.37.0";
const OID_EMAIL_ADDRESS_ATTR: &str = "1.2.840.113549.1.9.1";
/// id-on-SmtpUTF8Mailbox (RFC 9598 §3).
const OID_SMTP_UTF8_MAILBOX: &str = "1.3.6.1.5.5.7.8.9";

#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("not a valid X.509 certificate: {0}")]
    Malformed(String),
}

/// A parsed certificate together with its exact DER.
#[derive(Clone, Debug)]
pub struct Cert {
    der: Vec<u8>,
    x509: x509_cert::Certificate,
}

impl PartialEq for Cert {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Cert {
    pub fn from_der(der: &[u8]) -> Result<Self, CertError> {
        let x509 = x509_cert::Certificate::from_der(der)
            .map_err(|e| CertError::Malformed(e.to_string()))?;
        Ok(Cert {
            der: der.to_vec(),
            x509,
        })
    }

    pub fn from_x509(x509: x509_cert::Certificate) -> Result<Self, CertError> {
        let der = x509
            .to_der()
            .map_err(|e| CertError::Malformed(e.to_string()))?;
        Ok(Cert { der, x509 })
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    pub fn x509(&self) -> &x509_cert::Certificate {
        &self.x509
    }

    /// SHA-256 over the DER, lower-case hex: the identifier users and the CLI see.
    pub fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(&self.der))
    }

    /// SHA-1 fingerprint (hex), shown because other tools (Windows, Outlook) still print it.
    pub fn sha1_fingerprint(&self) -> String {
        hex::encode(sha1::Sha1::digest(&self.der))
    }

    pub fn subject(&self) -> String {
        self.x509.tbs_certificate().subject().to_string()
    }

    pub fn issuer(&self) -> String {
        self.x509.tbs_certificate().issuer().to_string()
    }

    pub fn subject_der(&self) -> Vec<u8> {
        self.x509
            .tbs_certificate()
            .subject()
            .to_der()
            .unwrap_or_default()
    }

    pub fn issuer_der(&self) -> Vec<u8> {
        self.x509
            .tbs_certificate()
            .issuer()
            .to_der()
            .unwrap_or_default()
    }

    pub fn serial_hex(&self) -> String {
        hex::encode(self.x509.tbs_certificate().serial_number().as_bytes())
    }

    pub fn spki_der(&self) -> Vec<u8> {
        self.x509
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .unwrap_or_default()
    }

    pub fn common_name(&self) -> Option<String> {
        self.x509
            .tbs_certificate()
            .subject()
            .common_name()
            .ok()
            .flatten()
            .map(|d| d.value().into_owned())
    }

    /// Every e-mail address: SAN rfc822Name and SmtpUTF8Mailbox (RFC 9598, the form for
    /// non-ASCII local parts) first, then DN emailAddress (RFC 8550 §3), deduplicated
    /// case-insensitively.
    pub fn emails(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let tbs = self.x509.tbs_certificate();
        if let Ok(Some((_, san))) = tbs.get_extension::<SubjectAltName>() {
            for name in san.0.iter() {
                match name {
                    GeneralName::Rfc822Name(addr) => out.push(addr.to_string()),
                    GeneralName::OtherName(other)
                        if other.type_id.to_string() == OID_SMTP_UTF8_MAILBOX =>
                    {
                        if let Ok(addr) = other.value.decode_as::<der::asn1::Utf8StringRef>() {
                            out.push(addr.as_str().to_string());
                        }
                    }
                    _ => {}
                }
            }
        }
        for atv in tbs.subject().iter() {
            if atv.oid.to_string() == OID_EMAIL_ADDRESS_ATTR
                && let Ok(s) = atv.value.decode_as::<der::asn1::Ia5String>()
            {
                out.push(s.to_string());
            }
        }
        let mut seen = std::collections::HashSet::new();
        out.retain(|e| seen.insert(e.to_ascii_lowercase()));
        out
    }

    /// Whether `addr` is one of the certificate's addresses. The local part is compared
    /// exactly, the domain case-insensitively (RFC 8550 §3, RFC 5321 §2.4).
    pub fn has_email(&self, addr: &str) -> bool {
        self.emails().iter().any(|e| email_eq(e, addr))
    }

    pub fn not_before(&self) -> u64 {
        self.x509
            .tbs_certificate()
            .validity()
            .not_before
            .to_unix_duration()
            .as_secs()
    }

    pub fn not_after(&self) -> u64 {
        self.x509
            .tbs_certificate()
            .validity()
            .not_after
            .to_unix_duration()
            .as_secs()
    }

    pub fn key_kind(&self) -> KeyKind {
        classify_spki(&self.spki_der())
    }

    pub fn key_usage(&self) -> Option<KeyUsage> {
        self.x509
            .tbs_certificate()
            .get_extension::<KeyUsage>()
            .ok()
            .flatten()
            .map(|(_, ku)| ku)
    }

    /// EKU OIDs, or None when the extension is absent (which means any purpose).
    pub fn extended_key_usage(&self) -> Option<Vec<String>> {
        self.x509
            .tbs_certificate()
            .get_extension::<ExtendedKeyUsage>()
            .ok()
            .flatten()
            .map(|(_, eku)| eku.0.iter().map(|o| o.to_string()).collect())
    }

    pub fn is_ca(&self) -> bool {
        self.x509
            .tbs_certificate()
            .get_extension::<BasicConstraints>()
            .ok()
            .flatten()
            .map(|(_, bc)| bc.ca)
            .unwrap_or(false)
    }

    pub fn path_len(&self) -> Option<u8> {
        self.x509
            .tbs_certificate()
            .get_extension::<BasicConstraints>()
            .ok()
            .flatten()
            .and_then(|(_, bc)| bc.path_len_constraint)
    }

    pub fn subject_key_id(&self) -> Option<Vec<u8>> {
        self.x509
            .tbs_certificate()
            .get_extension::<SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .map(|(_, s)| s.0.as_bytes().to_vec())
    }

    pub fn authority_key_id(&self) -> Option<Vec<u8>> {
        self.x509
            .tbs_certificate()
            .get_extension::<AuthorityKeyIdentifier>()
            .ok()
            .flatten()
            .and_then(|(_, a)| a.key_identifier.map(|k| k.as_bytes().to_vec()))
    }

    pub fn is_self_issued(&self) -> bool {
        self.subject_der() == self.issuer_der()
    }

    fn eku_allows_email(&self) -> bool {
        match self.extended_key_usage() {
            None => true,
            Some(list) => list
                .iter()
                .any(|o| o == OID_EMAIL_PROTECTION || o == OID_ANY_EKU),
        }
    }

    /// Why this certificate cannot sign S/MIME, or None when it can (RFC 8550 §4.4).
    pub fn sign_problem(&self) -> Option<String> {
        if self.is_ca() {
            return Some("it is a certification authority certificate".into());
        }
        if !self.eku_allows_email() {
            return Some("its extended key usage does not include e-mail protection".into());
        }
        match self.key_kind() {
            KeyKind::Rsa { .. } | KeyKind::P256 | KeyKind::P384 | KeyKind::Ed25519 => {}
            KeyKind::X25519 => return Some("an X25519 key can only agree keys".into()),
            KeyKind::Other => return Some("its key algorithm is not supported".into()),
        }
        if let Some(ku) = self.key_usage()
            && !(ku.digital_signature() || ku.non_repudiation())
        {
            return Some("its key usage does not allow digital signatures".into());
        }
        if self.emails().is_empty() {
            return Some("it carries no e-mail address".into());
        }
        None
    }

    /// Why this certificate cannot receive encrypted S/MIME, or None when it can.
    pub fn encrypt_problem(&self) -> Option<String> {
        if self.is_ca() {
            return Some("it is a certification authority certificate".into());
        }
        if !self.eku_allows_email() {
            return Some("its extended key usage does not include e-mail protection".into());
        }
        let ku = self.key_usage();
        match self.key_kind() {
            KeyKind::Rsa { .. } => {
                if let Some(ku) = ku
                    && !ku.key_encipherment()
                {
                    return Some("its key usage does not allow key encipherment".into());
                }
            }
            KeyKind::P256 | KeyKind::P384 => {
                if let Some(ku) = ku
                    && !ku.key_agreement()
                {
                    return Some("its key usage does not allow key agreement".into());
                }
            }
            KeyKind::Ed25519 => return Some("an Ed25519 key can only sign".into()),
            KeyKind::X25519 => return Some("X25519 key agreement is not supported yet".into()),
            KeyKind::Other => return Some("its key algorithm is not supported".into()),
        }
        if self.emails().is_empty() {
            return Some("it carries no e-mail address".into());
        }
        None
    }

    pub fn info(&self) -> CertInfo {
        let ku = self.key_usage();
        let mut usages = Vec::new();
        if let Some(ku) = ku {
            for (on, name) in [
                (ku.digital_signature(), "digitalSignature"),
                (ku.non_repudiation(), "nonRepudiation"),
                (ku.key_encipherment(), "keyEncipherment"),
                (ku.data_encipherment(), "dataEncipherment"),
                (ku.key_agreement(), "keyAgreement"),
                (ku.key_cert_sign(), "keyCertSign"),
                (ku.crl_sign(), "cRLSign"),
            ] {
                if on {
                    usages.push(name.to_string());
                }
            }
        }
        let sign_problem = self.sign_problem();
        let encrypt_problem = self.encrypt_problem();
        CertInfo {
            fingerprint: self.fingerprint(),
            subject: self.subject(),
            issuer: self.issuer(),
            common_name: self.common_name(),
            serial: self.serial_hex(),
            emails: self.emails(),
            not_before: rfc3339(self.not_before()),
            not_after: rfc3339(self.not_after()),
            key: self.key_kind().label(),
            key_usage: usages,
            extended_key_usage: self
                .extended_key_usage()
                .map(|v| v.iter().map(|o| eku_name(o)).collect()),
            is_ca: self.is_ca(),
            subject_key_id: self.subject_key_id().map(hex::encode),
            authority_key_id: self.authority_key_id().map(hex::encode),
            can_sign: sign_problem.is_none() && !self.is_ca(),
            can_encrypt: encrypt_problem.is_none() && !self.is_ca(),
            sign_problem,
            encrypt_problem,
        }
    }
}

fn eku_name(oid: &str) -> String {
    match oid {
        OID_EMAIL_PROTECTION => "emailProtection".into(),
        "1.3.6.1.5.5.7.3.1" => "serverAuth".into(),
        "1.3.6.1.5.5.7.3.2" => "clientAuth".into(),
        "1.3.6.1.5.5.7.3.3" => "codeSigning".into(),
        OID_ANY_EKU => "anyExtendedKeyUsage".into(),
        other => other.into(),
    }
}

/// Compares two addresses: local part exact, domain case-insensitive.
pub fn email_eq(a: &str, b: &str) -> bool {
    let (al, ad) = a.trim().rsplit_once('@').unwrap_or((a.trim(), ""));
    let (bl, bd) = b.trim().rsplit_once('@').unwrap_or((b.trim(), ""));
    // Most mail systems treat local parts case-insensitively too; RFC 8550 §3 asks for a
    // case-insensitive comparison of the whole address in practice (Thunderbird, Outlook).
    al.eq_ignore_ascii_case(bl) && ad.eq_ignore_ascii_case(bd)
}

pub use crate::clock::rfc3339;

/// What the UI and `--json` show about a certificate.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CertInfo {
    pub fingerprint: String,
    pub subject: String,
    pub issuer: String,
    pub common_name: Option<String>,
    pub serial: String,
    pub emails: Vec<String>,
    pub not_before: String,
    pub not_after: String,
    pub key: String,
    pub key_usage: Vec<String>,
    pub extended_key_usage: Option<Vec<String>>,
    pub is_ca: bool,
    pub subject_key_id: Option<String>,
    pub authority_key_id: Option<String>,
    pub can_sign: bool,
    pub can_encrypt: bool,
    pub sign_problem: Option<String>,
    pub encrypt_problem: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_798_761_599), "2026-12-31T23:59:59Z");
    }

    #[test]
    fn email_comparison() {
        assert!(email_eq("Alice@Example.TEST", "alice@example.test"));
        assert!(!email_eq("alice@example.test", "alice@examples.test"));
        assert!(!email_eq("alice@example.test", "alice"));
    }

    #[test]
    fn malformed_der_is_an_error() {
        assert!(Cert::from_der(&[0x30, 0x03, 0x02, 0x01, 0x01]).is_err());
        assert!(Cert::from_der(&[]).is_err());
    }
}
