//! Revocation (RFC 5280 §5 CRLs, RFC 6960 OCSP): reading where a certificate's status is
//! published, verifying CRLs and OCSP responses against the issuer the path validation found,
//! and the plain HTTP transport both use ([`http`]).
//!
//! Nothing here touches the network by itself: [`http`] is called only by an explicit refresh
//! (`Home::refresh_revocation`, the app's background timer), never while a message is opened,
//! since a fetch there would tell the sender that and when the message was read.

pub mod crl;
pub mod ocsp;
pub mod url;

use const_oid::ObjectIdentifier;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{AuthorityInfoAccessSyntax, CrlDistributionPoints};

use super::cert::Cert;

/// id-ad-ocsp (RFC 5280 §4.2.2.1).
pub const OID_AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");

/// Clock skew tolerated on thisUpdate (a responder's clock may run ahead of ours).
pub const SKEW_SECS: u64 = 300;

/// Why a CRL or OCSP response is not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RevocationError {
    #[error("malformed {what}: {detail}")]
    Malformed { what: &'static str, detail: String },
    #[error("the {what} is not signed by the issuer ({detail})")]
    BadSignature { what: &'static str, detail: String },
    #[error("the {what} is for another issuer")]
    WrongIssuer { what: &'static str },
    #[error("the {what} expired on {next_update}")]
    Stale {
        what: &'static str,
        next_update: String,
    },
    #[error("the {what} is dated in the future ({this_update})")]
    NotYetValid {
        what: &'static str,
        this_update: String,
    },
    #[error("the {what} has a scope this program does not support: {detail}")]
    Unsupported { what: &'static str, detail: String },
    #[error("the OCSP responder refused: {0}")]
    ResponderStatus(String),
    #[error("the OCSP response does not answer for this certificate")]
    NoAnswer,
    #[error("the OCSP response does not echo our nonce")]
    NonceMismatch,
}

/// What one verified source says about one certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertStatus {
    Good,
    /// Revoked at a time (seconds since the epoch), with the RFC 5280 CRLReason code if given.
    Revoked {
        at: u64,
        reason: Option<u32>,
    },
    /// The responder does not know the certificate (RFC 6960 §2.2).
    Unknown,
}

/// The http:// URLs in the certificate's CRL distribution points (fullName URIs only;
/// RFC 5280 §4.2.1.13). Other schemes (ldap://, https://) are skipped: CRLs are signed
/// objects fetched over plain HTTP by design, and ldap would need a directory client.
pub fn crl_urls(cert: &Cert) -> Vec<String> {
    let Ok(Some((_, dps))) = cert
        .x509()
        .tbs_certificate()
        .get_extension::<CrlDistributionPoints>()
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for dp in dps.0 {
        // A CRL issued by someone else (indirect CRL) is not supported: skip such points.
        if dp.crl_issuer.is_some() {
            continue;
        }
        if let Some(DistributionPointName::FullName(names)) = dp.distribution_point {
            for n in names {
                if let GeneralName::UniformResourceIdentifier(u) = n {
                    let u = u.to_string();
                    if is_http_url(&u) && !out.contains(&u) {
                        out.push(u);
                    }
                }
            }
        }
    }
    out
}

/// The http:// OCSP responder URLs of the certificate's authorityInfoAccess (RFC 5280 §4.2.2.1).
pub fn ocsp_urls(cert: &Cert) -> Vec<String> {
    let Ok(Some((_, aia))) = cert
        .x509()
        .tbs_certificate()
        .get_extension::<AuthorityInfoAccessSyntax>()
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for ad in aia.0 {
        if ad.access_method != OID_AD_OCSP {
            continue;
        }
        if let GeneralName::UniformResourceIdentifier(u) = ad.access_location {
            let u = u.to_string();
            if is_http_url(&u) && !out.contains(&u) {
                out.push(u);
            }
        }
    }
    out
}

fn is_http_url(u: &str) -> bool {
    url::Url::parse(u).is_ok()
}

/// A serial number's two's-complement content octets in minimal form, for comparing serials
/// encoded by different tools: redundant leading 0x00 (before a byte below 0x80) and 0xFF
/// (before a byte of 0x80 or more) are dropped, never a sign octet, so 255 (`00 FF`) and -1
/// (`FF`) stay different (PKITS 4.4.14/15).
pub(crate) fn serial_magnitude(bytes: &[u8]) -> &[u8] {
    let mut s = bytes;
    while let [first, next, ..] = s {
        let redundant = (*first == 0x00 && *next < 0x80) || (*first == 0xFF && *next >= 0x80);
        if !redundant {
            break;
        }
        s = &s[1..];
    }
    s
}

#[cfg(test)]
mod serial_tests {
    use super::serial_magnitude;

    #[test]
    fn serials_keep_their_sign() {
        assert_eq!(serial_magnitude(&[0x00, 0xFF]), &[0x00, 0xFF]);
        assert_eq!(serial_magnitude(&[0xFF]), &[0xFF]);
        assert_eq!(serial_magnitude(&[0x00, 0x00, 0x7F]), &[0x7F]);
        assert_eq!(serial_magnitude(&[0xFF, 0xFF, 0x80]), &[0x80]);
        assert_eq!(serial_magnitude(&[0x00]), &[0x00]);
        assert_eq!(serial_magnitude(&[]), &[] as &[u8]);
        assert_ne!(serial_magnitude(&[0x00, 0xFF]), serial_magnitude(&[0xFF]));
    }
}

/// Human name of an RFC 5280 CRLReason code.
pub fn reason_label(code: u32) -> &'static str {
    match code {
        0 => "unspecified",
        1 => "key compromise",
        2 => "CA compromise",
        3 => "affiliation changed",
        4 => "superseded",
        5 => "cessation of operation",
        6 => "certificate hold",
        8 => "removed from CRL",
        9 => "privilege withdrawn",
        10 => "AA compromise",
        _ => "unknown reason",
    }
}

#[cfg(test)]
pub(crate) mod tests;
