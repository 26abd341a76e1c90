//! Algorithm identifiers shared by the policy and the PKI layers (a leaf: it uses only
//! [`crate::asn1`]): hash algorithms (RFC 5754), what a signature algorithm implies for its hash
//! (RFC 4055 §3.1 for RSASSA-PSS), and the kinds of key S/MIME uses (RFC 8551 §2).
//!
//! They live below [`crate::policy`] and [`crate::pki`] so that the dated policy table can name
//! them without importing the PKI that consults it.

use der::asn1::ObjectIdentifier;
use serde::Serialize;
use sha2::Digest;
use spki::AlgorithmIdentifierOwned;
use thiserror::Error;

/// Why RSASSA-PSS parameters cannot be used.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AlgError {
    #[error("PSS parameters")]
    PssParameters,
    #[error("PSS hash {0}")]
    PssHash(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashAlg {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

pub const OID_SHA1: &str = "1.3.14.3.2.26";
pub const OID_SHA256: &str = "2.16.840.1.101.3.4.2.1";
pub const OID_SHA384: &str = "2.16.840.1.101.3.4.2.2";
pub const OID_SHA512: &str = "2.16.840.1.101.3.4.2.3";
pub const OID_RSA_ENC: &str = "1.2.840.113549.1.1.1";
pub const OID_RSA_SHA1: &str = "1.2.840.113549.1.1.5";
pub const OID_RSA_PSS: &str = "1.2.840.113549.1.1.10";
pub const OID_RSA_SHA256: &str = "1.2.840.113549.1.1.11";
pub const OID_RSA_SHA384: &str = "1.2.840.113549.1.1.12";
pub const OID_RSA_SHA512: &str = "1.2.840.113549.1.1.13";
pub const OID_ECDSA_SHA1: &str = "1.2.840.10045.4.1";
pub const OID_ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
pub const OID_ECDSA_SHA384: &str = "1.2.840.10045.4.3.3";
pub const OID_ECDSA_SHA512: &str = "1.2.840.10045.4.3.4";
pub const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
pub const OID_ED25519: &str = "1.3.101.112";

impl HashAlg {
    pub fn from_oid(oid: &str) -> Option<HashAlg> {
        match oid {
            OID_SHA1 => Some(HashAlg::Sha1),
            OID_SHA256 => Some(HashAlg::Sha256),
            OID_SHA384 => Some(HashAlg::Sha384),
            OID_SHA512 => Some(HashAlg::Sha512),
            _ => None,
        }
    }

    pub fn oid(&self) -> ObjectIdentifier {
        ObjectIdentifier::new_unwrap(match self {
            HashAlg::Sha1 => OID_SHA1,
            HashAlg::Sha256 => OID_SHA256,
            HashAlg::Sha384 => OID_SHA384,
            HashAlg::Sha512 => OID_SHA512,
        })
    }

    /// The `micalg` parameter name (RFC 8551 §3.5.3.2).
    pub fn micalg(&self) -> &'static str {
        match self {
            HashAlg::Sha1 => "sha-1",
            HashAlg::Sha256 => "sha-256",
            HashAlg::Sha384 => "sha-384",
            HashAlg::Sha512 => "sha-512",
        }
    }

    pub fn digest(&self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlg::Sha1 => sha1::Sha1::digest(data).to_vec(),
            HashAlg::Sha256 => sha2::Sha256::digest(data).to_vec(),
            HashAlg::Sha384 => sha2::Sha384::digest(data).to_vec(),
            HashAlg::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
}

/// Incremental hashing for large content.
pub enum Hasher {
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl Hasher {
    pub fn new(alg: HashAlg) -> Self {
        match alg {
            HashAlg::Sha1 => Hasher::Sha1(sha1::Sha1::new()),
            HashAlg::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            HashAlg::Sha384 => Hasher::Sha384(sha2::Sha384::new()),
            HashAlg::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
        }
    }
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha1(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha384(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }
    pub fn finish(self) -> Vec<u8> {
        match self {
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha384(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

/// Which hash a signature algorithm implies; `digest` is the CMS digestAlgorithm, used when
/// the signature algorithm names only the key type (rsaEncryption, id-ecPublicKey).
pub fn implied_hash(
    sig_alg: &AlgorithmIdentifierOwned,
    digest: Option<HashAlg>,
) -> Option<HashAlg> {
    match sig_alg.oid.to_string().as_str() {
        OID_RSA_SHA1 | OID_ECDSA_SHA1 => Some(HashAlg::Sha1),
        OID_RSA_SHA256 | OID_ECDSA_SHA256 => Some(HashAlg::Sha256),
        OID_RSA_SHA384 | OID_ECDSA_SHA384 => Some(HashAlg::Sha384),
        OID_RSA_SHA512 | OID_ECDSA_SHA512 => Some(HashAlg::Sha512),
        OID_RSA_PSS => pss_params(sig_alg).map(|(h, _)| h).ok(),
        OID_ED25519 => Some(HashAlg::Sha512),
        _ => digest,
    }
}

/// RSASSA-PSS-params (RFC 4055 §3.1): hash, salt length. MGF1 must use the same hash.
pub fn pss_params(alg: &AlgorithmIdentifierOwned) -> Result<(HashAlg, usize), AlgError> {
    let Some(params) = &alg.parameters else {
        // Absent parameters mean SHA-1, MGF1-SHA-1, salt 20.
        return Ok((HashAlg::Sha1, 20));
    };
    // Parsed by hand: salt lengths above 255 (OpenSSL's default for RSA-3072 is 350) do not fit
    // the u8 of `rsa::pkcs1::RsaPssParams`.
    let bad = || AlgError::PssParameters;
    let der = der::Encode::to_der(params).map_err(|_| bad())?;
    let seq = crate::asn1::parse_one(&der).map_err(|_| bad())?;
    let mut hash = HashAlg::Sha1;
    let mut salt = 20usize;
    for child in seq.children() {
        let child = child.map_err(|_| bad())?;
        match child.tag {
            0xa0 => {
                let alg = child
                    .children()
                    .next()
                    .ok_or_else(bad)?
                    .map_err(|_| bad())?;
                let oid = alg.children().next().ok_or_else(bad)?.map_err(|_| bad())?;
                let oid = ObjectIdentifier::from_bytes(oid.value).map_err(|_| bad())?;
                hash = HashAlg::from_oid(&oid.to_string())
                    .ok_or_else(|| AlgError::PssHash(oid.to_string()))?;
            }
            0xa2 => {
                let int = child
                    .children()
                    .next()
                    .ok_or_else(bad)?
                    .map_err(|_| bad())?;
                if int.tag != 0x02 || int.value.is_empty() || int.value.len() > 4 {
                    return Err(bad());
                }
                salt = int.value.iter().fold(0usize, |a, b| (a << 8) | *b as usize);
            }
            _ => {}
        }
    }
    Ok((hash, salt))
}

/// What kind of key a certificate or identity holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyKind {
    Rsa { bits: u32 },
    P256,
    P384,
    Ed25519,
    X25519,
    Other,
}

impl KeyKind {
    pub fn label(&self) -> String {
        match self {
            KeyKind::Rsa { bits } => format!("RSA {bits}"),
            KeyKind::P256 => "ECDSA P-256".into(),
            KeyKind::P384 => "ECDSA P-384".into(),
            KeyKind::Ed25519 => "Ed25519".into(),
            KeyKind::X25519 => "X25519".into(),
            KeyKind::Other => "unsupported".into(),
        }
    }
}
