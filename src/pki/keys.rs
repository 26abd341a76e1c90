//! Private and public keys of the algorithms S/MIME uses (RFC 8551 §2): RSA, ECDSA/ECDH on
//! P-256 and P-384, Ed25519. Private keys come in and go out as PKCS#8 DER only; the parsed
//! forms zeroize themselves on drop (RustCrypto key types do).

use pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey};
use thiserror::Error;
use zeroize::Zeroizing;

pub use crate::alg::KeyKind;

#[derive(Debug, Error)]
pub enum KeyError {
    #[error("unsupported key algorithm {0}")]
    Unsupported(String),
    #[error("the private key is malformed")]
    MalformedPrivate,
    #[error("the public key is malformed")]
    MalformedPublic,
    #[error("{0} keys cannot do this")]
    WrongOperation(&'static str),
    #[error("cryptographic operation failed")]
    Crypto,
}

pub const OID_RSA: &str = "1.2.840.113549.1.1.1";
pub const OID_EC: &str = "1.2.840.10045.2.1";
pub const OID_P256: &str = "1.2.840.10045.3.1.7";
pub const OID_P384: &str = "1.3.132.0.34";
pub const OID_ED25519: &str = "1.3.101.112";
pub const OID_X25519: &str = "1.3.101.110";

/// A public key usable for verifying and encrypting.
pub enum PublicKey {
    Rsa(rsa::PublicKey),
    P256(p256::PublicKey),
    P384(p384::PublicKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl PublicKey {
    /// Parses a DER SubjectPublicKeyInfo.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let spki =
            spki::SubjectPublicKeyInfoRef::try_from(der).map_err(|_| KeyError::MalformedPublic)?;
        let oid = spki.algorithm.oid.to_string();
        match oid.as_str() {
            OID_RSA => rsa::PublicKey::from_public_key_der(der)
                .map(PublicKey::Rsa)
                .map_err(|_| KeyError::MalformedPublic),
            OID_EC => {
                let params = spki.algorithm.parameters;
                let curve = params
                    .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok())
                    .map(|o| o.to_string())
                    .unwrap_or_default();
                match curve.as_str() {
                    OID_P256 => p256::PublicKey::from_public_key_der(der)
                        .map(PublicKey::P256)
                        .map_err(|_| KeyError::MalformedPublic),
                    OID_P384 => p384::PublicKey::from_public_key_der(der)
                        .map(PublicKey::P384)
                        .map_err(|_| KeyError::MalformedPublic),
                    _ => {
                        // specifiedCurve: accepted when it is P-256 or P-384 spelt out.
                        let explicit = params
                            .and_then(|p| der::Encode::to_der(&p).ok())
                            .and_then(|p| explicit_curve(&p));
                        let point = spki.subject_public_key.raw_bytes();
                        match explicit {
                            Some(OID_P256) => p256::PublicKey::from_sec1_bytes(point)
                                .map(PublicKey::P256)
                                .map_err(|_| KeyError::MalformedPublic),
                            Some(_) => p384::PublicKey::from_sec1_bytes(point)
                                .map(PublicKey::P384)
                                .map_err(|_| KeyError::MalformedPublic),
                            None => Err(KeyError::Unsupported(format!("EC curve {curve}"))),
                        }
                    }
                }
            }
            OID_ED25519 => ed25519_dalek::VerifyingKey::from_public_key_der(der)
                .map(PublicKey::Ed25519)
                .map_err(|_| KeyError::MalformedPublic),
            other => Err(KeyError::Unsupported(other.to_string())),
        }
    }

    pub fn kind(&self) -> KeyKind {
        match self {
            PublicKey::Rsa(k) => {
                use rsa::traits::PublicKeyParts;
                KeyKind::Rsa {
                    bits: k.n_bits_precision(),
                }
            }
            PublicKey::P256(_) => KeyKind::P256,
            PublicKey::P384(_) => KeyKind::P384,
            PublicKey::Ed25519(_) => KeyKind::Ed25519,
        }
    }

    /// DER SubjectPublicKeyInfo, for comparing a key with a certificate.
    pub fn to_spki_der(&self) -> Result<Vec<u8>, KeyError> {
        let doc = match self {
            PublicKey::Rsa(k) => k.to_public_key_der(),
            PublicKey::P256(k) => k.to_public_key_der(),
            PublicKey::P384(k) => k.to_public_key_der(),
            PublicKey::Ed25519(k) => k.to_public_key_der(),
        };
        doc.map(|d| d.as_bytes().to_vec())
            .map_err(|_| KeyError::MalformedPublic)
    }
}

/// P-256 and P-384 domain parameters (SEC 2 / FIPS 186-4): p, a, b, G (uncompressed), n.
const EXPLICIT_CURVES: [(&str, [&str; 5]); 2] = [
    (
        OID_P256,
        [
            "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
            "ffffffff00000001000000000000000000000000fffffffffffffffffffffffc",
            "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
            "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296\
             4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
            "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
        ],
    ),
    (
        OID_P384,
        [
            "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
            "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffffffc",
            "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef",
            "04aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7\
             3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f",
            "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
        ],
    ),
];

/// The named curve that explicit `ECParameters` (RFC 3279 §2.3.5: version, prime field, curve
/// a/b with optional seed, base point, order, cofactor) spell out, if it is P-256 or P-384.
/// MimeKit's test keys and some old tools write these instead of the curve's OID.
fn explicit_curve(params_der: &[u8]) -> Option<&'static str> {
    let strip = |v: &[u8]| -> Vec<u8> {
        let zeros = v.iter().take_while(|b| **b == 0).count();
        v[zeros..].to_vec()
    };
    let top = crate::asn1::parse_one(params_der).ok()?;
    let f: Vec<_> = top.children().collect::<Result<_, _>>().ok()?;
    if top.tag != 0x30 || f.len() < 5 || f[1].tag != 0x30 || f[2].tag != 0x30 {
        return None;
    }
    let field: Vec<_> = f[1].children().collect::<Result<_, _>>().ok()?;
    let curve: Vec<_> = f[2].children().collect::<Result<_, _>>().ok()?;
    // fieldType prime-field (1.2.840.10045.1.1)
    if field.len() != 2 || field[0].value != [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x01, 0x01] {
        return None;
    }
    if curve.len() < 2 || f[3].tag != 0x04 || f[4].tag != 0x02 {
        return None;
    }
    if let Some(h) = f.get(5)
        && strip(h.value) != [1]
    {
        return None;
    }
    let got = [
        strip(field[1].value),
        strip(curve[0].value),
        strip(curve[1].value),
        f[3].value.to_vec(),
        strip(f[4].value),
    ];
    EXPLICIT_CURVES.iter().find_map(|(oid, want)| {
        let equal = want
            .iter()
            .zip(got.iter())
            .all(|(w, g)| hex::decode(w).is_ok_and(|w| strip(&w) == *g));
        equal.then_some(*oid)
    })
}

/// PKCS#8 with specifiedCurve parameters: the ECPrivateKey scalar on the curve they name.
fn explicit_ec_private(der: &[u8]) -> Result<PrivateKey, KeyError> {
    let unsupported = || KeyError::Unsupported("EC curve".into());
    let top = crate::asn1::parse_one(der).map_err(|_| KeyError::MalformedPrivate)?;
    let f: Vec<_> = top
        .children()
        .collect::<Result<_, _>>()
        .map_err(|_| KeyError::MalformedPrivate)?;
    if f.len() < 3 || f[1].tag != 0x30 || f[2].tag != 0x04 {
        return Err(KeyError::MalformedPrivate);
    }
    let params = f[1]
        .children()
        .nth(1)
        .and_then(Result::ok)
        .ok_or_else(unsupported)?;
    let curve = explicit_curve(params.raw).ok_or_else(unsupported)?;
    // ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, [0] params, [1] key }
    let ec = crate::asn1::parse_one(f[2].value).map_err(|_| KeyError::MalformedPrivate)?;
    let scalar = ec
        .children()
        .nth(1)
        .and_then(Result::ok)
        .filter(|t| t.tag == 0x04)
        .ok_or(KeyError::MalformedPrivate)?;
    match curve {
        OID_P256 => p256::SecretKey::from_slice(scalar.value).map(PrivateKey::P256),
        _ => p384::SecretKey::from_slice(scalar.value).map(PrivateKey::P384),
    }
    .map_err(|_| KeyError::MalformedPrivate)
}

/// Classifies an SPKI without fully parsing the key (for display of any certificate).
pub fn classify_spki(der: &[u8]) -> KeyKind {
    match PublicKey::from_spki_der(der) {
        Ok(k) => k.kind(),
        Err(_) => {
            let oid = spki::SubjectPublicKeyInfoRef::try_from(der)
                .map(|s| s.algorithm.oid.to_string())
                .unwrap_or_default();
            if oid == OID_X25519 {
                KeyKind::X25519
            } else {
                KeyKind::Other
            }
        }
    }
}

/// A private key. Held only transiently in memory after unwrapping from the store.
pub enum PrivateKey {
    Rsa(Box<rsa::PrivateKey>),
    P256(p256::SecretKey),
    P384(p384::SecretKey),
    Ed25519(Box<ed25519_dalek::SigningKey>),
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey({})", self.public().kind().label())
    }
}

impl PrivateKey {
    /// Parses an unencrypted PKCS#8 DER private key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let info =
            pkcs8::PrivateKeyInfoRef::try_from(der).map_err(|_| KeyError::MalformedPrivate)?;
        let oid = info.algorithm.oid.to_string();
        match oid.as_str() {
            OID_RSA => rsa::PrivateKey::from_pkcs8_der(der)
                .map(|k| PrivateKey::Rsa(Box::new(k)))
                .map_err(|_| KeyError::MalformedPrivate),
            OID_EC => {
                if let Ok(k) = p256::SecretKey::from_pkcs8_der(der) {
                    Ok(PrivateKey::P256(k))
                } else if let Ok(k) = p384::SecretKey::from_pkcs8_der(der) {
                    Ok(PrivateKey::P384(k))
                } else {
                    explicit_ec_private(der)
                }
            }
            OID_ED25519 => ed25519_dalek::SigningKey::from_pkcs8_der(der)
                .map(|k| PrivateKey::Ed25519(Box::new(k)))
                .map_err(|_| KeyError::MalformedPrivate),
            other => Err(KeyError::Unsupported(other.to_string())),
        }
    }

    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        use pkcs8::EncodePrivateKey;
        let doc = match self {
            PrivateKey::Rsa(k) => k.to_pkcs8_der(),
            PrivateKey::P256(k) => k.to_pkcs8_der(),
            PrivateKey::P384(k) => k.to_pkcs8_der(),
            PrivateKey::Ed25519(k) => k.to_pkcs8_der(),
        }
        .map_err(|_| KeyError::MalformedPrivate)?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    }

    pub fn public(&self) -> PublicKey {
        match self {
            PrivateKey::Rsa(k) => PublicKey::Rsa(k.to_public_key()),
            PrivateKey::P256(k) => PublicKey::P256(k.public_key()),
            PrivateKey::P384(k) => PublicKey::P384(k.public_key()),
            PrivateKey::Ed25519(k) => PublicKey::Ed25519(k.verifying_key()),
        }
    }

    /// Whether this key belongs to the certificate whose SPKI DER is given.
    pub fn matches_spki(&self, spki_der: &[u8]) -> bool {
        let Ok(theirs) = PublicKey::from_spki_der(spki_der) else {
            return false;
        };
        match (self.public().to_spki_der(), theirs.to_spki_der()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
    }

    /// Generates a key (for tests and, later, requests and the internal CA).
    pub fn generate(kind: KeyKind) -> Result<Self, KeyError> {
        let mut rng = rand::rng();
        Ok(match kind {
            KeyKind::Rsa { bits } => PrivateKey::Rsa(Box::new(
                rsa::PrivateKey::new(&mut rng, bits as usize).map_err(|_| KeyError::Crypto)?,
            )),
            KeyKind::P256 => PrivateKey::P256(
                <p256::SecretKey as elliptic_curve::Generate>::generate_from_rng(&mut rng),
            ),
            KeyKind::P384 => PrivateKey::P384(
                <p384::SecretKey as elliptic_curve::Generate>::generate_from_rng(&mut rng),
            ),
            KeyKind::Ed25519 => {
                let mut seed = Zeroizing::new([0u8; 32]);
                rand::Rng::fill_bytes(&mut rng, seed.as_mut());
                PrivateKey::Ed25519(Box::new(ed25519_dalek::SigningKey::from_bytes(&seed)))
            }
            KeyKind::X25519 | KeyKind::Other => return Err(KeyError::Unsupported(kind.label())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs8_round_trip_and_spki_match() {
        for kind in [KeyKind::P256, KeyKind::P384, KeyKind::Ed25519] {
            let k = PrivateKey::generate(kind).unwrap();
            let der = k.to_pkcs8_der().unwrap();
            let back = PrivateKey::from_pkcs8_der(&der).unwrap();
            let spki = k.public().to_spki_der().unwrap();
            assert!(back.matches_spki(&spki));
            assert_eq!(classify_spki(&spki), kind);
            let other = PrivateKey::generate(kind).unwrap();
            assert!(!other.matches_spki(&spki));
        }
    }

    #[test]
    fn garbage_keys_are_errors() {
        assert!(PrivateKey::from_pkcs8_der(&[0x30, 0x03, 0x02, 0x01, 0x00]).is_err());
        assert!(PublicKey::from_spki_der(&[]).is_err());
        assert_eq!(classify_spki(&[1, 2, 3]), KeyKind::Other);
    }
}
