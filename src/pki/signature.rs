//! Signature algorithms shared by certificate and CMS verification (RFC 5754, RFC 4056,
//! RFC 5753, RFC 8419): RSA PKCS#1 v1.5 and PSS, ECDSA P-256/P-384, Ed25519.

use der::asn1::ObjectIdentifier;
use der::{Any, Decode};
use sha2::Digest;
use spki::AlgorithmIdentifierOwned;
use thiserror::Error;

use super::keys::{KeyError, PrivateKey, PublicKey};

#[derive(Debug, Error, PartialEq, Eq)]
pub enum SigError {
    #[error("the signature does not match")]
    Invalid,
    #[error("unsupported signature algorithm {0}")]
    Unsupported(String),
    #[error("the signature algorithm {alg} does not fit a {key} key")]
    KeyMismatch { alg: String, key: String },
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
const OID_RSA_ENC: &str = "1.2.840.113549.1.1.1";
const OID_RSA_SHA1: &str = "1.2.840.113549.1.1.5";
const OID_RSA_PSS: &str = "1.2.840.113549.1.1.10";
const OID_RSA_SHA256: &str = "1.2.840.113549.1.1.11";
const OID_RSA_SHA384: &str = "1.2.840.113549.1.1.12";
const OID_RSA_SHA512: &str = "1.2.840.113549.1.1.13";
const OID_ECDSA_SHA1: &str = "1.2.840.10045.4.1";
const OID_ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
const OID_ECDSA_SHA384: &str = "1.2.840.10045.4.3.3";
const OID_ECDSA_SHA512: &str = "1.2.840.10045.4.3.4";
const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_ED25519: &str = "1.3.101.112";

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

fn alg_id(oid: &str, null_params: bool) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: ObjectIdentifier::new_unwrap(oid),
        parameters: if null_params { Some(Any::null()) } else { None },
    }
}

/// A human name for a signature algorithm, for reports.
pub fn describe(sig_alg: &str, digest: Option<HashAlg>) -> String {
    let h = |d: Option<HashAlg>| match d {
        Some(HashAlg::Sha1) => "sha1",
        Some(HashAlg::Sha256) => "sha256",
        Some(HashAlg::Sha384) => "sha384",
        Some(HashAlg::Sha512) => "sha512",
        None => "?",
    };
    match sig_alg {
        OID_RSA_ENC => format!("rsa-pkcs1-{}", h(digest)),
        OID_RSA_SHA1 => "rsa-pkcs1-sha1".into(),
        OID_RSA_SHA256 => "rsa-pkcs1-sha256".into(),
        OID_RSA_SHA384 => "rsa-pkcs1-sha384".into(),
        OID_RSA_SHA512 => "rsa-pkcs1-sha512".into(),
        OID_RSA_PSS => format!("rsa-pss-{}", h(digest)),
        OID_ECDSA_SHA1 => "ecdsa-sha1".into(),
        OID_ECDSA_SHA256 => "ecdsa-sha256".into(),
        OID_ECDSA_SHA384 => "ecdsa-sha384".into(),
        OID_ECDSA_SHA512 => "ecdsa-sha512".into(),
        OID_EC_PUBLIC_KEY => format!("ecdsa-{}", h(digest)),
        OID_ED25519 => "ed25519".into(),
        other => other.to_string(),
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
fn pss_params(alg: &AlgorithmIdentifierOwned) -> Result<(HashAlg, usize), SigError> {
    let Some(params) = &alg.parameters else {
        // Absent parameters mean SHA-1, MGF1-SHA-1, salt 20.
        return Ok((HashAlg::Sha1, 20));
    };
    // Parsed by hand: salt lengths above 255 (OpenSSL's default for RSA-3072 is 350) do not fit
    // the u8 of `rsa::pkcs1::RsaPssParams`.
    let bad = || SigError::Unsupported("PSS parameters".into());
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
                    .ok_or_else(|| SigError::Unsupported(format!("PSS hash {oid}")))?;
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

/// Verifies `sig` over `msg` (the to-be-signed bytes, not a hash).
pub fn verify(
    key: &PublicKey,
    sig_alg: &AlgorithmIdentifierOwned,
    digest: Option<HashAlg>,
    msg: &[u8],
    sig: &[u8],
) -> Result<(), SigError> {
    let oid = sig_alg.oid.to_string();
    let mismatch = || SigError::KeyMismatch {
        alg: describe(&oid, digest),
        key: key.kind().label(),
    };
    match (oid.as_str(), key) {
        (OID_ED25519, PublicKey::Ed25519(vk)) => {
            let s = ed25519_dalek::Signature::from_slice(sig).map_err(|_| SigError::Invalid)?;
            vk.verify_strict(msg, &s).map_err(|_| SigError::Invalid)
        }
        (OID_ED25519, _) => Err(mismatch()),
        (OID_RSA_PSS, PublicKey::Rsa(pk)) => {
            let (hash, salt) = pss_params(sig_alg)?;
            let hashed = hash.digest(msg);
            let r = match hash {
                HashAlg::Sha1 => pk.verify(
                    rsa::pss::Pss::<sha1::Sha1>::new_with_salt(salt),
                    &hashed,
                    sig,
                ),
                HashAlg::Sha256 => pk.verify(
                    rsa::pss::Pss::<sha2::Sha256>::new_with_salt(salt),
                    &hashed,
                    sig,
                ),
                HashAlg::Sha384 => pk.verify(
                    rsa::pss::Pss::<sha2::Sha384>::new_with_salt(salt),
                    &hashed,
                    sig,
                ),
                HashAlg::Sha512 => pk.verify(
                    rsa::pss::Pss::<sha2::Sha512>::new_with_salt(salt),
                    &hashed,
                    sig,
                ),
            };
            r.map_err(|_| SigError::Invalid)
        }
        (
            OID_RSA_ENC | OID_RSA_SHA1 | OID_RSA_SHA256 | OID_RSA_SHA384 | OID_RSA_SHA512,
            PublicKey::Rsa(pk),
        ) => {
            let hash = implied_hash(sig_alg, digest)
                .ok_or_else(|| SigError::Unsupported("RSA without a digest".into()))?;
            let hashed = hash.digest(msg);
            let scheme = match hash {
                HashAlg::Sha1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
                HashAlg::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                HashAlg::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                HashAlg::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
            };
            pk.verify(scheme, &hashed, sig)
                .map_err(|_| SigError::Invalid)
        }
        (
            OID_ECDSA_SHA1 | OID_ECDSA_SHA256 | OID_ECDSA_SHA384 | OID_ECDSA_SHA512
            | OID_EC_PUBLIC_KEY,
            PublicKey::P256(_) | PublicKey::P384(_),
        ) => {
            use signature::hazmat::PrehashVerifier;
            let hash = implied_hash(sig_alg, digest)
                .ok_or_else(|| SigError::Unsupported("ECDSA without a digest".into()))?;
            let hashed = hash.digest(msg);
            match key {
                PublicKey::P256(pk) => {
                    let vk = p256::ecdsa::VerifyingKey::from(pk);
                    let s = p256::ecdsa::Signature::from_der(sig).map_err(|_| SigError::Invalid)?;
                    vk.verify_prehash(&hashed, &s)
                        .map_err(|_| SigError::Invalid)
                }
                PublicKey::P384(pk) => {
                    let vk = p384::ecdsa::VerifyingKey::from(pk);
                    let s = p384::ecdsa::Signature::from_der(sig).map_err(|_| SigError::Invalid)?;
                    vk.verify_prehash(&hashed, &s)
                        .map_err(|_| SigError::Invalid)
                }
                _ => Err(mismatch()),
            }
        }
        (
            OID_RSA_ENC | OID_RSA_SHA1 | OID_RSA_SHA256 | OID_RSA_SHA384 | OID_RSA_SHA512
            | OID_RSA_PSS | OID_ECDSA_SHA1 | OID_ECDSA_SHA256 | OID_ECDSA_SHA384 | OID_ECDSA_SHA512
            | OID_EC_PUBLIC_KEY,
            _,
        ) => Err(mismatch()),
        (other, _) => Err(SigError::Unsupported(other.to_string())),
    }
}

/// How to sign with an RSA key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RsaPadding {
    Pkcs1v15,
    Pss,
}

/// Signs `msg`; returns the signatureAlgorithm to put in a SignerInfo and the signature.
pub fn sign(
    key: &PrivateKey,
    hash: HashAlg,
    padding: RsaPadding,
    msg: &[u8],
) -> Result<(AlgorithmIdentifierOwned, Vec<u8>), KeyError> {
    match key {
        PrivateKey::Rsa(k) => {
            let hashed = hash.digest(msg);
            match padding {
                RsaPadding::Pkcs1v15 => {
                    let (scheme, oid) = match hash {
                        HashAlg::Sha1 => return Err(KeyError::WrongOperation("SHA-1 signing")),
                        HashAlg::Sha256 => {
                            (rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), OID_RSA_SHA256)
                        }
                        HashAlg::Sha384 => {
                            (rsa::Pkcs1v15Sign::new::<sha2::Sha384>(), OID_RSA_SHA384)
                        }
                        HashAlg::Sha512 => {
                            (rsa::Pkcs1v15Sign::new::<sha2::Sha512>(), OID_RSA_SHA512)
                        }
                    };
                    let sig = k.sign(scheme, &hashed).map_err(|_| KeyError::Crypto)?;
                    Ok((alg_id(oid, true), sig))
                }
                RsaPadding::Pss => {
                    let mut rng = rand::rng();
                    let sig = match hash {
                        HashAlg::Sha256 => k.sign_with_rng(
                            &mut rng,
                            rsa::pss::Pss::<sha2::Sha256>::new_with_salt(32),
                            &hashed,
                        ),
                        HashAlg::Sha384 => k.sign_with_rng(
                            &mut rng,
                            rsa::pss::Pss::<sha2::Sha384>::new_with_salt(48),
                            &hashed,
                        ),
                        HashAlg::Sha512 => k.sign_with_rng(
                            &mut rng,
                            rsa::pss::Pss::<sha2::Sha512>::new_with_salt(64),
                            &hashed,
                        ),
                        HashAlg::Sha1 => return Err(KeyError::WrongOperation("SHA-1 signing")),
                    }
                    .map_err(|_| KeyError::Crypto)?;
                    Ok((pss_alg_id(hash)?, sig))
                }
            }
        }
        PrivateKey::P256(k) => {
            use signature::hazmat::PrehashSigner;
            let sk = p256::ecdsa::SigningKey::from(k);
            let s: p256::ecdsa::Signature = sk
                .sign_prehash(&hash.digest(msg))
                .map_err(|_| KeyError::Crypto)?;
            Ok((
                alg_id(ecdsa_oid(hash)?, false),
                s.to_der().as_bytes().to_vec(),
            ))
        }
        PrivateKey::P384(k) => {
            use signature::hazmat::PrehashSigner;
            let sk = p384::ecdsa::SigningKey::from(k);
            let s: p384::ecdsa::Signature = sk
                .sign_prehash(&hash.digest(msg))
                .map_err(|_| KeyError::Crypto)?;
            Ok((
                alg_id(ecdsa_oid(hash)?, false),
                s.to_der().as_bytes().to_vec(),
            ))
        }
        PrivateKey::Ed25519(k) => {
            use ed25519_dalek::Signer;
            let s = k.sign(msg);
            Ok((alg_id(OID_ED25519, false), s.to_bytes().to_vec()))
        }
    }
}

fn ecdsa_oid(hash: HashAlg) -> Result<&'static str, KeyError> {
    Ok(match hash {
        HashAlg::Sha1 => return Err(KeyError::WrongOperation("SHA-1 signing")),
        HashAlg::Sha256 => OID_ECDSA_SHA256,
        HashAlg::Sha384 => OID_ECDSA_SHA384,
        HashAlg::Sha512 => OID_ECDSA_SHA512,
    })
}

fn pss_alg_id(hash: HashAlg) -> Result<AlgorithmIdentifierOwned, KeyError> {
    let h = AlgorithmIdentifierOwned {
        oid: hash.oid(),
        parameters: None,
    };
    let salt = match hash {
        HashAlg::Sha256 => 32,
        HashAlg::Sha384 => 48,
        _ => 64,
    };
    let params = rsa::pkcs1::RsaPssParamsOwned {
        hash: h.clone(),
        mask_gen: spki::AlgorithmIdentifier {
            oid: ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.8"),
            parameters: Some(h),
        },
        salt_len: salt,
        trailer_field: Default::default(),
    };
    let der = der::Encode::to_der(&params).map_err(|_| KeyError::Crypto)?;
    Ok(AlgorithmIdentifierOwned {
        oid: ObjectIdentifier::new_unwrap(OID_RSA_PSS),
        parameters: Some(Any::from_der(&der).map_err(|_| KeyError::Crypto)?),
    })
}

/// The default digest for a key (RFC 8551 §2.1; Ed25519 uses SHA-512 per RFC 8419 §3).
pub fn default_hash(key: &PrivateKey) -> HashAlg {
    match key {
        PrivateKey::P384(_) => HashAlg::Sha384,
        PrivateKey::Ed25519(_) => HashAlg::Sha512,
        _ => HashAlg::Sha256,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::keys::KeyKind;

    #[test]
    fn sign_verify_each_key_type_and_reject_tampering() {
        for kind in [KeyKind::P256, KeyKind::P384, KeyKind::Ed25519] {
            let k = PrivateKey::generate(kind).unwrap();
            let h = default_hash(&k);
            let (alg, sig) = sign(&k, h, RsaPadding::Pkcs1v15, b"hello").unwrap();
            let pk = k.public();
            verify(&pk, &alg, Some(h), b"hello", &sig).unwrap();
            assert_eq!(
                verify(&pk, &alg, Some(h), b"hellO", &sig),
                Err(SigError::Invalid)
            );
        }
    }
}
