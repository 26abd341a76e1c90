//! The algorithm policy for certificates (RFC 8551 §2.2 and §6, RFC 8550 §4.3 and §6,
//! CA/Browser Forum S/MIME BR §7.1.3), as a dated table.
//!
//! | what | decision |
//! |---|---|
//! | MD2, MD5 signatures | never (collisions since 2004; chosen-prefix certificate forgery 2008) |
//! | SHA-1 signatures | accepted only when the validation time is before [`SHA1_CUTOFF`] |
//! | SHA-256/384/512 with RSA PKCS#1 v1.5, RSASSA-PSS, ECDSA; Ed25519 | always |
//! | anything else (DSA, SHA-224, GOST, unknown OIDs) | never: we cannot vouch for it |
//! | RSA keys | at least [`MIN_RSA_BITS`] bits |
//!
//! **The SHA-1 cut-off is 2017-01-01T00:00:00Z.** The CA/Browser Forum forbade issuing SHA-1
//! subscriber certificates from 2016-01-01, Mozilla's Root Store Policy (§5.1.1) has since
//! allowed only SHA-256 or stronger for certificates chaining to its roots (S/MIME included),
//! and NSS and the browsers stopped accepting SHA-1 certificate signatures in early 2017;
//! RFC 8551 (2019) lists SHA-1 as historic only. The cut-off is compared with the *validation
//! time*, never with a date the certificate claims for itself (a forger picks its own
//! notBefore): a chain judged today with a SHA-1 link is refused, while the same chain judged
//! at a signing time before 2017 (an old archived message) may still be accepted for that time.

use crate::alg::{HashAlg, KeyKind};
use x509_cert::spki::AlgorithmIdentifierOwned;

/// SHA-1 certificate signatures are refused at validation times from this instant on
/// (2017-01-01T00:00:00Z; see the module documentation for the sources).
pub const SHA1_CUTOFF: u64 = 1_483_228_800;

/// Smallest RSA modulus accepted anywhere in a path (RFC 8551 §2.2: "≤2047: MUST NOT" for
/// senders, "SHOULD NOT" for receivers; CA/B S/MIME BR §6.1.5).
pub const MIN_RSA_BITS: u32 = 2048;

/// How the table treats one signature algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Acceptance {
    Always,
    Never,
    /// Accepted while the validation time is before the instant (seconds since the epoch).
    Before(u64),
}

/// Signature algorithms by OID: (OID, name, acceptance).
const SIGNATURE_TABLE: &[(&str, &str, Acceptance)] = &[
    (
        "1.2.840.113549.1.1.2",
        "md2WithRSAEncryption",
        Acceptance::Never,
    ),
    (
        "1.2.840.113549.1.1.4",
        "md5WithRSAEncryption",
        Acceptance::Never,
    ),
    (
        "1.2.840.113549.1.1.5",
        "sha1WithRSAEncryption",
        Acceptance::Before(SHA1_CUTOFF),
    ),
    (
        "1.2.840.10045.4.1",
        "ecdsa-with-SHA1",
        Acceptance::Before(SHA1_CUTOFF),
    ),
    (
        "1.2.840.113549.1.1.11",
        "sha256WithRSAEncryption",
        Acceptance::Always,
    ),
    (
        "1.2.840.113549.1.1.12",
        "sha384WithRSAEncryption",
        Acceptance::Always,
    ),
    (
        "1.2.840.113549.1.1.13",
        "sha512WithRSAEncryption",
        Acceptance::Always,
    ),
    // RSASSA-PSS: the hash comes from the parameters and is judged like the others below.
    ("1.2.840.113549.1.1.10", "RSASSA-PSS", Acceptance::Always),
    (
        "1.2.840.10045.4.3.2",
        "ecdsa-with-SHA256",
        Acceptance::Always,
    ),
    (
        "1.2.840.10045.4.3.3",
        "ecdsa-with-SHA384",
        Acceptance::Always,
    ),
    (
        "1.2.840.10045.4.3.4",
        "ecdsa-with-SHA512",
        Acceptance::Always,
    ),
    ("1.3.101.112", "Ed25519", Acceptance::Always),
];

/// Why the policy refuses an algorithm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// MD2 or MD5: never acceptable.
    Md5 { algorithm: String },
    /// SHA-1 at a validation time on or after [`SHA1_CUTOFF`].
    Sha1 { cutoff: u64 },
    /// Not in the table (DSA, SHA-224, unknown OIDs) or with unusable parameters.
    Unknown { algorithm: String },
    /// An RSA key below [`MIN_RSA_BITS`].
    RsaKeyTooSmall { bits: u32 },
}

/// Whether a certificate (or CRL) signature algorithm is acceptable at validation time `at`.
pub fn check_signature_algorithm(alg: &AlgorithmIdentifierOwned, at: u64) -> Result<(), Refusal> {
    let oid = alg.oid.to_string();
    let Some((_, name, acceptance)) = SIGNATURE_TABLE.iter().find(|(o, _, _)| *o == oid) else {
        return Err(Refusal::Unknown { algorithm: oid });
    };
    let acceptance = if oid == "1.2.840.113549.1.1.10" {
        // PSS names its hash in the parameters (RFC 4055 §3.1); absent parameters mean SHA-1.
        match crate::alg::implied_hash(alg, None) {
            Some(HashAlg::Sha1) => Acceptance::Before(SHA1_CUTOFF),
            Some(_) => Acceptance::Always,
            None => {
                return Err(Refusal::Unknown {
                    algorithm: "RSASSA-PSS with unusable parameters".into(),
                });
            }
        }
    } else {
        *acceptance
    };
    match acceptance {
        Acceptance::Always => Ok(()),
        Acceptance::Never => Err(Refusal::Md5 {
            algorithm: (*name).to_string(),
        }),
        Acceptance::Before(cutoff) if at < cutoff => Ok(()),
        Acceptance::Before(cutoff) => Err(Refusal::Sha1 { cutoff }),
    }
}

/// Whether a public key is strong enough to appear in a certification path.
pub fn check_key(kind: &KeyKind) -> Result<(), Refusal> {
    match kind {
        KeyKind::Rsa { bits } if *bits < MIN_RSA_BITS => {
            Err(Refusal::RsaKeyTooSmall { bits: *bits })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::asn1::ObjectIdentifier;

    fn alg(oid: &str) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap(oid),
            parameters: None,
        }
    }

    #[test]
    fn md5_is_never_accepted() {
        assert!(matches!(
            check_signature_algorithm(&alg("1.2.840.113549.1.1.4"), 0),
            Err(Refusal::Md5 { .. })
        ));
        assert!(matches!(
            check_signature_algorithm(&alg("1.2.840.113549.1.1.2"), 0),
            Err(Refusal::Md5 { .. })
        ));
    }

    #[test]
    fn sha1_is_accepted_only_before_the_cutoff() {
        let sha1 = alg("1.2.840.113549.1.1.5");
        assert_eq!(check_signature_algorithm(&sha1, SHA1_CUTOFF - 1), Ok(()));
        assert_eq!(
            check_signature_algorithm(&sha1, SHA1_CUTOFF),
            Err(Refusal::Sha1 {
                cutoff: SHA1_CUTOFF
            })
        );
        assert_eq!(crate::clock::rfc3339(SHA1_CUTOFF), "2017-01-01T00:00:00Z");
        // PSS without parameters is PSS over SHA-1.
        assert!(check_signature_algorithm(&alg("1.2.840.113549.1.1.10"), SHA1_CUTOFF).is_err());
    }

    #[test]
    fn modern_algorithms_are_accepted_and_unknown_ones_refused() {
        for oid in [
            "1.2.840.113549.1.1.11",
            "1.2.840.10045.4.3.2",
            "1.3.101.112",
        ] {
            assert_eq!(
                check_signature_algorithm(&alg(oid), u64::MAX),
                Ok(()),
                "{oid}"
            );
        }
        // dsa-with-SHA256, sha224WithRSAEncryption, a made-up OID
        for oid in ["2.16.840.1.101.3.4.3.2", "1.2.840.113549.1.1.14", "1.2.3.4"] {
            assert!(matches!(
                check_signature_algorithm(&alg(oid), 0),
                Err(Refusal::Unknown { .. })
            ));
        }
    }

    #[test]
    fn rsa_keys_below_2048_bits_are_refused() {
        assert_eq!(
            check_key(&KeyKind::Rsa { bits: 1024 }),
            Err(Refusal::RsaKeyTooSmall { bits: 1024 })
        );
        assert_eq!(check_key(&KeyKind::Rsa { bits: 2048 }), Ok(()));
        assert_eq!(check_key(&KeyKind::P256), Ok(()));
    }
}
