//! Signature algorithms shared by certificate and CMS verification (RFC 5754, RFC 4056,
//! RFC 5753, RFC 8419): RSA PKCS#1 v1.5 and PSS, ECDSA P-256/P-384, Ed25519.

use der::asn1::ObjectIdentifier;
use der::{Any, Decode};
use spki::AlgorithmIdentifierOwned;
use thiserror::Error;

use super::keys::{KeyError, PrivateKey, PublicKey};
pub use crate::alg::{HashAlg, Hasher, OID_SHA1, OID_SHA256, OID_SHA384, OID_SHA512, implied_hash};
use crate::alg::{
    OID_EC_PUBLIC_KEY, OID_ECDSA_SHA1, OID_ECDSA_SHA256, OID_ECDSA_SHA384, OID_ECDSA_SHA512,
    OID_ED25519, OID_RSA_ENC, OID_RSA_PSS, OID_RSA_SHA1, OID_RSA_SHA256, OID_RSA_SHA384,
    OID_RSA_SHA512, pss_params as pss_params_raw,
};

fn pss_params(alg: &AlgorithmIdentifierOwned) -> Result<(HashAlg, usize), SigError> {
    pss_params_raw(alg).map_err(|e| SigError::Unsupported(e.to_string()))
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum SigError {
    #[error("the signature does not match")]
    Invalid,
    #[error("unsupported signature algorithm {0}")]
    Unsupported(String),
    #[error("the signature algorithm {alg} does not fit a {key} key")]
    KeyMismatch { alg: String, key: String },
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
