//! EnvelopedData (RFC 5652 §6) and AuthEnvelopedData (RFC 5083, AES-GCM per RFC 5084):
//! encryption to RSA recipients (PKCS#1 v1.5 or OAEP, RFC 3560) and EC recipients
//! (ephemeral-static ECDH with the X9.63 KDF and AES key wrap, RFC 5753 §3.1), and
//! decryption of the same plus 3DES-CBC content for old mail.
//!
//! A GCM tag failure returns an error and no plaintext: decryption runs into a buffer that is
//! only handed out after the tag checked.

use aes_gcm::aead::KeyInit;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
use cms::authenveloped_data::AuthEnvelopedData;
use cms::content_info::CmsVersion;
use cms::enveloped_data::{
    EnvelopedData, KeyAgreeRecipientIdentifier, KeyAgreeRecipientInfo, KeyTransRecipientInfo,
    OriginatorIdentifierOrKey, OriginatorPublicKey, RecipientEncryptedKey, RecipientIdentifier,
    RecipientInfo,
};
use der::asn1::{BitString, ObjectIdentifier, OctetString};
use der::{Any, Decode, Encode, Sequence};
use serde::Serialize;
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use super::{CmsError, OID_AUTH_ENVELOPED_DATA, OID_DATA, OID_ENVELOPED_DATA};
use crate::pki::cert::Cert;
use crate::pki::keys::{PrivateKey, PublicKey};
use crate::pki::signature::HashAlg;

const OID_RSA_ENC: &str = "1.2.840.113549.1.1.1";
const OID_RSAES_OAEP: &str = "1.2.840.113549.1.1.7";
const OID_MGF1: &str = "1.2.840.113549.1.1.8";
const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_ECDH_SHA1_KDF: &str = "1.3.133.16.840.63.0.2";
const OID_ECDH_SHA224_KDF: &str = "1.3.132.1.11.0";
const OID_ECDH_SHA256_KDF: &str = "1.3.132.1.11.1";
const OID_ECDH_SHA384_KDF: &str = "1.3.132.1.11.2";
const OID_ECDH_SHA512_KDF: &str = "1.3.132.1.11.3";
const OID_AES128_WRAP: &str = "2.16.840.1.101.3.4.1.5";
const OID_AES192_WRAP: &str = "2.16.840.1.101.3.4.1.25";
const OID_AES256_WRAP: &str = "2.16.840.1.101.3.4.1.45";
const OID_AES128_CBC: &str = "2.16.840.1.101.3.4.1.2";
const OID_AES192_CBC: &str = "2.16.840.1.101.3.4.1.22";
const OID_AES256_CBC: &str = "2.16.840.1.101.3.4.1.42";
const OID_AES128_GCM: &str = "2.16.840.1.101.3.4.1.6";
const OID_AES192_GCM: &str = "2.16.840.1.101.3.4.1.26";
const OID_AES256_GCM: &str = "2.16.840.1.101.3.4.1.46";
const OID_DES_EDE3_CBC: &str = "1.2.840.113549.3.7";

/// Content-encryption algorithms. 3DES is decrypt-only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContentCipher {
    Aes128Cbc,
    Aes192Cbc,
    Aes256Cbc,
    Aes128Gcm,
    Aes192Gcm,
    Aes256Gcm,
    DesEde3Cbc,
}

impl ContentCipher {
    pub fn name(&self) -> &'static str {
        match self {
            ContentCipher::Aes128Cbc => "aes-128-cbc",
            ContentCipher::Aes192Cbc => "aes-192-cbc",
            ContentCipher::Aes256Cbc => "aes-256-cbc",
            ContentCipher::Aes128Gcm => "aes-128-gcm",
            ContentCipher::Aes192Gcm => "aes-192-gcm",
            ContentCipher::Aes256Gcm => "aes-256-gcm",
            ContentCipher::DesEde3Cbc => "des-ede3-cbc",
        }
    }

    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "aes-128-cbc" => ContentCipher::Aes128Cbc,
            "aes-256-cbc" => ContentCipher::Aes256Cbc,
            "aes-128-gcm" => ContentCipher::Aes128Gcm,
            "aes-256-gcm" => ContentCipher::Aes256Gcm,
            _ => return None,
        })
    }

    pub fn is_aead(&self) -> bool {
        matches!(
            self,
            ContentCipher::Aes128Gcm | ContentCipher::Aes192Gcm | ContentCipher::Aes256Gcm
        )
    }

    fn key_len(&self) -> usize {
        match self {
            ContentCipher::Aes128Cbc | ContentCipher::Aes128Gcm => 16,
            ContentCipher::Aes192Cbc | ContentCipher::Aes192Gcm | ContentCipher::DesEde3Cbc => 24,
            ContentCipher::Aes256Cbc | ContentCipher::Aes256Gcm => 32,
        }
    }

    fn oid(&self) -> &'static str {
        match self {
            ContentCipher::Aes128Cbc => OID_AES128_CBC,
            ContentCipher::Aes192Cbc => OID_AES192_CBC,
            ContentCipher::Aes256Cbc => OID_AES256_CBC,
            ContentCipher::Aes128Gcm => OID_AES128_GCM,
            ContentCipher::Aes192Gcm => OID_AES192_GCM,
            ContentCipher::Aes256Gcm => OID_AES256_GCM,
            ContentCipher::DesEde3Cbc => OID_DES_EDE3_CBC,
        }
    }

    fn from_oid(oid: &str) -> Option<Self> {
        Some(match oid {
            OID_AES128_CBC => ContentCipher::Aes128Cbc,
            OID_AES192_CBC => ContentCipher::Aes192Cbc,
            OID_AES256_CBC => ContentCipher::Aes256Cbc,
            OID_AES128_GCM => ContentCipher::Aes128Gcm,
            OID_AES192_GCM => ContentCipher::Aes192Gcm,
            OID_AES256_GCM => ContentCipher::Aes256Gcm,
            OID_DES_EDE3_CBC => ContentCipher::DesEde3Cbc,
            _ => return None,
        })
    }
}

/// GCMParameters (RFC 5084 §3.2).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct GcmParameters {
    nonce: OctetString,
    #[asn1(default = "default_icv_len")]
    icv_len: u8,
}

fn default_icv_len() -> u8 {
    12
}

/// ECC-CMS-SharedInfo (RFC 5753 §7.2).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct EccCmsSharedInfo {
    key_info: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    entity_u_info: Option<OctetString>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT")]
    supp_pub_info: OctetString,
}

/// How to transport the content key to an RSA recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RsaTransport {
    Pkcs1v15,
    /// RSAES-OAEP with SHA-256 and MGF1-SHA-256.
    OaepSha256,
}

pub struct Recipient<'a> {
    pub cert: &'a Cert,
    pub rsa: RsaTransport,
}

/// RecipientInfos tried with the user's keys per message, at most.
const MAX_KEY_TRIES: usize = 16;

fn random_bytes(n: usize) -> Zeroizing<Vec<u8>> {
    let mut v = Zeroizing::new(vec![0u8; n]);
    rand::Rng::fill_bytes(&mut rand::rng(), v.as_mut_slice());
    v
}

/// The implicit-rejection key for a PKCS#1 v1.5 key transport (as OpenSSL 3.2 and
/// draft-irtf-cfrg-rsa-guidance do): HMAC-SHA-256 of the ciphertext under a key derived from
/// the private exponent, expanded with a counter to `len` bytes. Deterministic per ciphertext.
fn synthetic_cek(key: &rsa::PrivateKey, ct: &[u8], len: usize) -> Zeroizing<Vec<u8>> {
    use hmac::{KeyInit as _, Mac};
    use rsa::traits::PrivateKeyParts;
    use sha2::Digest;
    let d = Zeroizing::new(key.d().to_be_bytes().to_vec());
    let kdk = Zeroizing::new(sha2::Sha256::digest(&d[..]).to_vec());
    let mut out = Zeroizing::new(Vec::with_capacity(len + 32));
    let mut counter = 0u32;
    while out.len() < len {
        let Ok(mut m) = hmac::Hmac::<sha2::Sha256>::new_from_slice(&kdk) else {
            break; // HMAC takes a key of any length
        };
        m.update(b"sealpost pkcs1 implicit rejection");
        m.update(&counter.to_be_bytes());
        m.update(ct);
        out.extend_from_slice(&m.finalize().into_bytes());
        counter += 1;
    }
    out.truncate(len);
    out
}

fn oid(s: &str) -> ObjectIdentifier {
    ObjectIdentifier::new_unwrap(s)
}

fn alg(o: &str, parameters: Option<Any>) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: oid(o),
        parameters,
    }
}

/// Encrypts `content` to every recipient with `cipher` (never 3DES) and returns a DER
/// ContentInfo: EnvelopedData for CBC, AuthEnvelopedData for GCM.
pub fn encrypt(
    content: &[u8],
    recipients: &[Recipient],
    cipher: ContentCipher,
) -> Result<Vec<u8>, CmsError> {
    encrypt_parts(&[content], recipients, cipher)
}

/// [`encrypt`] of the concatenation of `parts`. The output is laid out in one buffer of its
/// final size: headers first, then the plaintext copied in once and encrypted in place, so a
/// large message costs one copy of itself and no plaintext copy outlives the call.
pub fn encrypt_parts(
    parts: &[&[u8]],
    recipients: &[Recipient],
    cipher: ContentCipher,
) -> Result<Vec<u8>, CmsError> {
    use crate::asn1::encode_header;
    if cipher == ContentCipher::DesEde3Cbc {
        return Err(CmsError::UnsupportedAlgorithm(
            "3DES is accepted for reading old mail only".into(),
        ));
    }
    if recipients.is_empty() {
        return Err(CmsError::BadRecipient("no recipients".into()));
    }
    let content_len: usize = parts.iter().map(|p| p.len()).sum();
    let cek = random_bytes(cipher.key_len());
    let mut infos = Vec::new();
    for r in recipients {
        infos.push(recipient_info(r, &cek)?);
    }
    let recip_infos = recipient_infos_in_order(&infos)?;
    let aead = cipher.is_aead();
    let nonce_or_iv = random_bytes(if aead { 12 } else { 16 });
    let (outer_oid, version, alg_der, ct_len, tag_len) = if aead {
        // AuthEnvelopedData (RFC 5083): version 0, no originatorInfo, authAttrs or
        // unauthAttrs; the 16-byte tag follows as `mac OCTET STRING`.
        let params = GcmParameters {
            nonce: OctetString::new(nonce_or_iv.to_vec())?,
            icv_len: 16,
        };
        let alg_der = alg(cipher.oid(), Some(Any::encode_from(&params)?)).to_der()?;
        (
            OID_AUTH_ENVELOPED_DATA,
            CmsVersion::V0,
            alg_der,
            content_len,
            16,
        )
    } else {
        // RFC 5652 §6.1: version 2 when any RecipientInfo is not v0 KTRI... KARI is v3,
        // which still yields EnvelopedData version 2. No originatorInfo, no unprotectedAttrs.
        let kari = recipients.iter().any(|r| {
            !matches!(
                PublicKey::from_spki_der(&r.cert.spki_der()),
                Ok(PublicKey::Rsa(_))
            )
        });
        let params = Any::encode_from(&OctetString::new(nonce_or_iv.to_vec())?)?;
        let alg_der = alg(cipher.oid(), Some(params)).to_der()?;
        let version = if kari { CmsVersion::V2 } else { CmsVersion::V0 };
        (
            OID_ENVELOPED_DATA,
            version,
            alg_der,
            (content_len / 16 + 1) * 16,
            0,
        )
    };
    let version = version.to_der()?;
    let data_oid = oid(OID_DATA).to_der()?;
    let ct_hdr = encode_header(0x80, ct_len); // [0] IMPLICIT encryptedContent
    let eci_len = data_oid.len() + alg_der.len() + ct_hdr.len() + ct_len;
    let eci_hdr = encode_header(0x30, eci_len);
    let tag_tlv_len = if aead { 2 + tag_len } else { 0 };
    let ed_len = version.len() + recip_infos.len() + eci_hdr.len() + eci_len + tag_tlv_len;
    let ed_hdr = encode_header(0x30, ed_len);
    let explicit_hdr = encode_header(0xa0, ed_hdr.len() + ed_len);
    let type_oid = oid(outer_oid).to_der()?;
    let ci_len = type_oid.len() + explicit_hdr.len() + ed_hdr.len() + ed_len;
    let ci_hdr = encode_header(0x30, ci_len);
    let mut out = Vec::with_capacity(ci_hdr.len() + ci_len);
    for piece in [
        &ci_hdr,
        &type_oid,
        &explicit_hdr,
        &ed_hdr,
        &version,
        &recip_infos,
        &eci_hdr,
        &data_oid,
        &alg_der,
        &ct_hdr,
    ] {
        out.extend_from_slice(piece);
    }
    let start = out.len();
    for p in parts {
        out.extend_from_slice(p);
    }
    if aead {
        let tag = gcm_seal_in_place(cipher, &cek, &nonce_or_iv, &mut out[start..])?;
        out.extend_from_slice(&[0x04, tag_len as u8]);
        out.extend_from_slice(&tag);
    } else {
        out.resize(start + ct_len, 0);
        cbc_encrypt_in_place(cipher, &cek, &nonce_or_iv, &mut out[start..], content_len)?;
    }
    debug_assert_eq!(out.len(), ci_hdr.len() + ci_len);
    Ok(out)
}

/// The `RecipientInfos` SET in the order of `recipients`, not sorted by encoding.
///
/// RFC 5652 types it SET OF, but CMS is BER and only signed attributes must be DER-sorted;
/// OpenSSL and NSS also keep the caller's order. Order matters to GnuPG 2.2: `gpgsm --decrypt`
/// exits 2 when a RecipientInfo it has no key for precedes its own, although it decrypts. A
/// DER sort put an RSA-2048 sender's copy before an RSA-3072 recipient's; in the caller's order
/// the sender's own copy (added last by the API) never comes first.
fn recipient_infos_in_order(infos: &[RecipientInfo]) -> Result<Vec<u8>, CmsError> {
    let mut body = Vec::new();
    for ri in infos {
        body.extend_from_slice(&ri.to_der()?);
    }
    Ok(crate::asn1::encode_tlv(0x31, &body))
}

fn recipient_info(r: &Recipient, cek: &[u8]) -> Result<RecipientInfo, CmsError> {
    let key = PublicKey::from_spki_der(&r.cert.spki_der())
        .map_err(|e| CmsError::BadRecipient(format!("{}: {e}", r.cert.subject())))?;
    let mut rng = rand::rng();
    match key {
        PublicKey::Rsa(pk) => {
            let (key_enc_alg, enc) = match r.rsa {
                RsaTransport::Pkcs1v15 => (
                    alg(OID_RSA_ENC, Some(Any::null())),
                    pk.encrypt(&mut rng, rsa::Pkcs1v15Encrypt, cek),
                ),
                RsaTransport::OaepSha256 => {
                    let sha256 = alg(crate::pki::signature::OID_SHA256, None);
                    let params = rsa::pkcs1::RsaOaepParamsOwned {
                        hash: sha256.clone(),
                        mask_gen: spki::AlgorithmIdentifier {
                            oid: oid(OID_MGF1),
                            parameters: Some(sha256.clone()),
                        },
                        p_source: rsa::pkcs1::RsaOaepParamsOwned::default().p_source,
                    };
                    (
                        alg(OID_RSAES_OAEP, Some(Any::from_der(&params.to_der()?)?)),
                        pk.encrypt(&mut rng, rsa::Oaep::<sha2::Sha256>::new(), cek),
                    )
                }
            };
            let enc = enc.map_err(|_| CmsError::BadRecipient("RSA encryption failed".into()))?;
            Ok(RecipientInfo::Ktri(KeyTransRecipientInfo {
                version: CmsVersion::V0,
                rid: RecipientIdentifier::IssuerAndSerialNumber(super::issuer_and_serial(r.cert)),
                key_enc_alg,
                enc_key: OctetString::new(enc)?,
            }))
        }
        PublicKey::P256(pk) => {
            let eph = <p256::SecretKey as elliptic_curve::Generate>::generate_from_rng(&mut rng);
            let shared = p256::ecdh::diffie_hellman(eph.to_nonzero_scalar(), pk.as_affine());
            let eph_point = eph.public_key().to_sec1_bytes();
            kari(
                r.cert,
                cek,
                shared.raw_secret_bytes(),
                &eph_point,
                HashAlg::Sha256,
                OID_ECDH_SHA256_KDF,
            )
        }
        PublicKey::P384(pk) => {
            let eph = <p384::SecretKey as elliptic_curve::Generate>::generate_from_rng(&mut rng);
            let shared = p384::ecdh::diffie_hellman(eph.to_nonzero_scalar(), pk.as_affine());
            let eph_point = eph.public_key().to_sec1_bytes();
            kari(
                r.cert,
                cek,
                shared.raw_secret_bytes(),
                &eph_point,
                HashAlg::Sha384,
                OID_ECDH_SHA384_KDF,
            )
        }
        PublicKey::Ed25519(_) => Err(CmsError::BadRecipient(format!(
            "{}: an Ed25519 key cannot receive encrypted mail",
            r.cert.subject()
        ))),
    }
}

/// X9.63 KDF (SEC 1 §3.6.1) as RFC 5753 uses it: Hash(Z || counter || SharedInfo).
fn x963_kdf(hash: HashAlg, z: &[u8], shared_info: &[u8], len: usize) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(len + 64));
    let mut counter: u32 = 1;
    while out.len() < len {
        let mut input = Zeroizing::new(Vec::with_capacity(z.len() + 4 + shared_info.len()));
        input.extend_from_slice(z);
        input.extend_from_slice(&counter.to_be_bytes());
        input.extend_from_slice(shared_info);
        out.extend_from_slice(&hash.digest(&input));
        counter += 1;
    }
    out.truncate(len);
    out
}

fn shared_info(wrap_oid: &str, kek_len: usize, ukm: Option<&[u8]>) -> Result<Vec<u8>, CmsError> {
    let info = EccCmsSharedInfo {
        key_info: alg(wrap_oid, None),
        entity_u_info: match ukm {
            Some(u) => Some(OctetString::new(u.to_vec())?),
            None => None,
        },
        supp_pub_info: OctetString::new(((kek_len * 8) as u32).to_be_bytes().to_vec())?,
    };
    Ok(info.to_der()?)
}

fn aes_wrap(kek: &[u8], cek: &[u8]) -> Result<Vec<u8>, CmsError> {
    let mut buf = vec![0u8; cek.len() + 8];
    let fail = |_| CmsError::BadRecipient("key wrap failed".into());
    let out = match kek.len() {
        16 => aes_kw::KwAes128::new_from_slice(kek)
            .map_err(|_| CmsError::DecryptionFailed)?
            .wrap_key(cek, &mut buf)
            .map_err(fail)?
            .to_vec(),
        24 => aes_kw::KwAes192::new_from_slice(kek)
            .map_err(|_| CmsError::DecryptionFailed)?
            .wrap_key(cek, &mut buf)
            .map_err(fail)?
            .to_vec(),
        _ => aes_kw::KwAes256::new_from_slice(kek)
            .map_err(|_| CmsError::DecryptionFailed)?
            .wrap_key(cek, &mut buf)
            .map_err(fail)?
            .to_vec(),
    };
    Ok(out)
}

fn aes_unwrap(kek: &[u8], wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, CmsError> {
    if wrapped.len() < 24 || !wrapped.len().is_multiple_of(8) {
        return Err(CmsError::DecryptionFailed);
    }
    let mut buf = Zeroizing::new(vec![0u8; wrapped.len() - 8]);
    let n = match kek.len() {
        16 => aes_kw::KwAes128::new_from_slice(kek)
            .map_err(|_| CmsError::DecryptionFailed)?
            .unwrap_key(wrapped, &mut buf)
            .map_err(|_| CmsError::DecryptionFailed)?
            .len(),
        24 => aes_kw::KwAes192::new_from_slice(kek)
            .map_err(|_| CmsError::DecryptionFailed)?
            .unwrap_key(wrapped, &mut buf)
            .map_err(|_| CmsError::DecryptionFailed)?
            .len(),
        32 => aes_kw::KwAes256::new_from_slice(kek)
            .map_err(|_| CmsError::DecryptionFailed)?
            .unwrap_key(wrapped, &mut buf)
            .map_err(|_| CmsError::DecryptionFailed)?
            .len(),
        _ => return Err(CmsError::DecryptionFailed),
    };
    buf.truncate(n);
    Ok(buf)
}

fn kari(
    cert: &Cert,
    cek: &[u8],
    z: &[u8],
    eph_point: &[u8],
    hash: HashAlg,
    kdf_oid: &str,
) -> Result<RecipientInfo, CmsError> {
    let ukm = random_bytes(32);
    let info = shared_info(OID_AES256_WRAP, 32, Some(&ukm))?;
    let kek = x963_kdf(hash, z, &info, 32);
    let wrapped = aes_wrap(&kek, cek)?;
    let keys = vec![RecipientEncryptedKey {
        rid: KeyAgreeRecipientIdentifier::IssuerAndSerialNumber(super::issuer_and_serial(cert)),
        enc_key: OctetString::new(wrapped)?,
    }];
    Ok(RecipientInfo::Kari(KeyAgreeRecipientInfo {
        version: CmsVersion::V3,
        originator: OriginatorIdentifierOrKey::OriginatorKey(OriginatorPublicKey {
            algorithm: alg(OID_EC_PUBLIC_KEY, None),
            public_key: BitString::from_bytes(eph_point)?,
        }),
        ukm: Some(OctetString::new(ukm.to_vec())?),
        key_enc_alg: alg(
            kdf_oid,
            Some(Any::encode_from(&alg(OID_AES256_WRAP, None))?),
        ),
        recipient_enc_keys: keys,
    }))
}

/// CBC with PKCS#7 padding in place: `buf` holds `msg_len` plaintext bytes and room for the
/// padding (its length is the padded length).
fn cbc_encrypt_in_place(
    cipher: ContentCipher,
    key: &[u8],
    iv: &[u8],
    buf: &mut [u8],
    msg_len: usize,
) -> Result<(), CmsError> {
    let bad = |_| CmsError::UnsupportedAlgorithm(cipher.name().into());
    let r = match cipher {
        ContentCipher::Aes128Cbc => cbc::Encryptor::<aes::Aes128>::new_from_slices(key, iv)
            .map_err(bad)?
            .encrypt_padded::<Pkcs7>(buf, msg_len)
            .map(|c| c.len()),
        ContentCipher::Aes192Cbc => cbc::Encryptor::<aes::Aes192>::new_from_slices(key, iv)
            .map_err(bad)?
            .encrypt_padded::<Pkcs7>(buf, msg_len)
            .map(|c| c.len()),
        ContentCipher::Aes256Cbc => cbc::Encryptor::<aes::Aes256>::new_from_slices(key, iv)
            .map_err(bad)?
            .encrypt_padded::<Pkcs7>(buf, msg_len)
            .map(|c| c.len()),
        _ => return Err(CmsError::UnsupportedAlgorithm(cipher.name().into())),
    };
    match r {
        Ok(n) if n == buf.len() => Ok(()),
        _ => Err(CmsError::UnsupportedAlgorithm("CBC padding".into())),
    }
}

fn cbc_decrypt(
    cipher: ContentCipher,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, CmsError> {
    let bad = |_| CmsError::DecryptionFailed;
    let r = match cipher {
        ContentCipher::Aes128Cbc => cbc::Decryptor::<aes::Aes128>::new_from_slices(key, iv)
            .map_err(bad)?
            .decrypt_padded_vec::<Pkcs7>(data),
        ContentCipher::Aes192Cbc => cbc::Decryptor::<aes::Aes192>::new_from_slices(key, iv)
            .map_err(bad)?
            .decrypt_padded_vec::<Pkcs7>(data),
        ContentCipher::Aes256Cbc => cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv)
            .map_err(bad)?
            .decrypt_padded_vec::<Pkcs7>(data),
        ContentCipher::DesEde3Cbc => cbc::Decryptor::<des::TdesEde3>::new_from_slices(key, iv)
            .map_err(bad)?
            .decrypt_padded_vec::<Pkcs7>(data),
        _ => return Err(CmsError::DecryptionFailed),
    };
    r.map_err(|_| CmsError::DecryptionFailed)
}

/// AES-GCM in place; returns the 16-byte tag.
fn gcm_seal_in_place(
    cipher: ContentCipher,
    key: &[u8],
    nonce: &[u8],
    buf: &mut [u8],
) -> Result<Vec<u8>, CmsError> {
    use aes_gcm::aead::AeadInOut;
    let nonce: [u8; 12] = nonce.try_into().map_err(|_| CmsError::DecryptionFailed)?;
    let r = match cipher {
        ContentCipher::Aes128Gcm => aes_gcm::Aes128Gcm::new_from_slice(key)
            .map_err(|_| CmsError::DecryptionFailed)?
            .encrypt_inout_detached(&nonce.into(), &[], buf.into())
            .map(|t| t.to_vec()),
        ContentCipher::Aes256Gcm => aes_gcm::Aes256Gcm::new_from_slice(key)
            .map_err(|_| CmsError::DecryptionFailed)?
            .encrypt_inout_detached(&nonce.into(), &[], buf.into())
            .map(|t| t.to_vec()),
        _ => return Err(CmsError::UnsupportedAlgorithm(cipher.name().into())),
    };
    r.map_err(|_| CmsError::UnsupportedAlgorithm("GCM".into()))
}

/// AES-GCM decryption of a copy of `ct`; the tag is checked before any plaintext exists, and
/// nothing is returned when it does not match.
fn gcm_open(
    cipher: ContentCipher,
    key: &[u8],
    nonce: &[u8],
    ct: &[u8],
    tag: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>, CmsError> {
    use aes_gcm::aead::AeadInOut;
    let nonce: [u8; 12] = nonce
        .try_into()
        .map_err(|_| CmsError::UnsupportedAlgorithm("GCM nonce that is not 12 bytes".into()))?;
    let tag: [u8; 16] = tag.try_into().map_err(|_| CmsError::DecryptionFailed)?;
    let mut buf = ct.to_vec();
    let r = match cipher {
        ContentCipher::Aes128Gcm => aes_gcm::Aes128Gcm::new_from_slice(key)
            .map_err(|_| CmsError::DecryptionFailed)?
            .decrypt_inout_detached(&nonce.into(), aad, buf.as_mut_slice().into(), &tag.into()),
        ContentCipher::Aes256Gcm => aes_gcm::Aes256Gcm::new_from_slice(key)
            .map_err(|_| CmsError::DecryptionFailed)?
            .decrypt_inout_detached(&nonce.into(), aad, buf.as_mut_slice().into(), &tag.into()),
        _ => return Err(CmsError::UnsupportedAlgorithm(cipher.name().into())),
    };
    match r {
        Ok(()) => Ok(buf),
        Err(_) => {
            zeroize::Zeroize::zeroize(&mut buf);
            Err(CmsError::DecryptionFailed)
        }
    }
}

/// A private key with its certificate, as the decryptor needs it.
pub struct KeyHolder<'a> {
    pub cert: &'a Cert,
    pub key: &'a PrivateKey,
}

/// The result of a successful decryption.
pub struct Decrypted {
    /// The plaintext, wiped when dropped.
    pub content: zeroize::Zeroizing<Vec<u8>>,
    pub cipher: ContentCipher,
    pub authenticated: bool,
    /// Fingerprint of the certificate whose key opened the message.
    pub recipient: String,
}

/// Which certificates a message is addressed to (IssuerAndSerial or SKI of each recipient).
fn ktri_matches(rid: &RecipientIdentifier, cert: &Cert) -> bool {
    match rid {
        RecipientIdentifier::IssuerAndSerialNumber(ias) => super::matches_issuer_serial(cert, ias),
        RecipientIdentifier::SubjectKeyIdentifier(ski) => {
            cert.subject_key_id().as_deref() == Some(ski.0.as_bytes())
        }
    }
}

fn kari_matches(rid: &KeyAgreeRecipientIdentifier, cert: &Cert) -> bool {
    match rid {
        KeyAgreeRecipientIdentifier::IssuerAndSerialNumber(ias) => {
            super::matches_issuer_serial(cert, ias)
        }
        KeyAgreeRecipientIdentifier::RKeyId(r) => {
            cert.subject_key_id().as_deref() == Some(r.subject_key_identifier.0.as_bytes())
        }
    }
}

fn oaep_decrypt(
    key: &rsa::PrivateKey,
    params: Option<&Any>,
    ct: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CmsError> {
    let hash = match params {
        None => HashAlg::Sha1,
        Some(p) => {
            let p = rsa::pkcs1::RsaOaepParamsOwned::from_der(&p.to_der()?)
                .map_err(|_| CmsError::UnsupportedAlgorithm("OAEP parameters".into()))?;
            let h = HashAlg::from_oid(&p.hash.oid.to_string()).ok_or_else(|| {
                CmsError::UnsupportedAlgorithm(format!("OAEP hash {}", p.hash.oid))
            })?;
            if let Some(mgf) = p.mask_gen.parameters.as_ref()
                && HashAlg::from_oid(&mgf.oid.to_string()) != Some(h)
            {
                return Err(CmsError::UnsupportedAlgorithm(
                    "OAEP with a different MGF1 hash".into(),
                ));
            }
            h
        }
    };
    let r = match hash {
        HashAlg::Sha1 => key.decrypt(rsa::Oaep::<sha1::Sha1>::new(), ct),
        HashAlg::Sha256 => key.decrypt(rsa::Oaep::<sha2::Sha256>::new(), ct),
        HashAlg::Sha384 => key.decrypt(rsa::Oaep::<sha2::Sha384>::new(), ct),
        HashAlg::Sha512 => key.decrypt(rsa::Oaep::<sha2::Sha512>::new(), ct),
    };
    r.map(Zeroizing::new)
        .map_err(|_| CmsError::DecryptionFailed)
}

fn unwrap_for(
    ri: &RecipientInfo,
    holder: &KeyHolder,
    cek_len: usize,
) -> Option<Result<Zeroizing<Vec<u8>>, CmsError>> {
    match ri {
        RecipientInfo::Ktri(k) => {
            if !ktri_matches(&k.rid, holder.cert) {
                return None;
            }
            let PrivateKey::Rsa(key) = holder.key else {
                return Some(Err(CmsError::NoRecipientKey));
            };
            let ct = k.enc_key.as_bytes();
            Some(match k.key_enc_alg.oid.to_string().as_str() {
                OID_RSAES_OAEP => oaep_decrypt(key, k.key_enc_alg.parameters.as_ref(), ct),
                OID_RSA_ENC => {
                    // PKCS#1 v1.5: on a padding failure continue with a synthetic key, so the
                    // failure shows up only as a content decryption failure (RFC 3218 §2.3.2).
                    // It is computed before the padding is known, and the same ciphertext
                    // always yields the same one, so repeating a ciphertext tells nothing.
                    let synthetic = synthetic_cek(key, ct, cek_len);
                    match key.decrypt(rsa::Pkcs1v15Encrypt, ct) {
                        Ok(k) if k.len() == cek_len => Ok(Zeroizing::new(k)),
                        _ => Ok(synthetic),
                    }
                }
                other => Err(CmsError::UnsupportedAlgorithm(format!(
                    "key transport {other}"
                ))),
            })
        }
        RecipientInfo::Kari(k) => {
            let rek = k
                .recipient_enc_keys
                .iter()
                .find(|r| kari_matches(&r.rid, holder.cert))?;
            Some(kari_unwrap(k, rek.enc_key.as_bytes(), holder.key))
        }
        _ => None,
    }
}

fn kari_unwrap(
    k: &KeyAgreeRecipientInfo,
    wrapped: &[u8],
    key: &PrivateKey,
) -> Result<Zeroizing<Vec<u8>>, CmsError> {
    let OriginatorIdentifierOrKey::OriginatorKey(orig) = &k.originator else {
        return Err(CmsError::UnsupportedAlgorithm("static-static ECDH".into()));
    };
    let point = orig
        .public_key
        .as_bytes()
        .ok_or_else(|| CmsError::Malformed("originator key".into()))?;
    let z: Zeroizing<Vec<u8>> = match key {
        PrivateKey::P256(sk) => {
            let pk =
                p256::PublicKey::from_sec1_bytes(point).map_err(|_| CmsError::DecryptionFailed)?;
            Zeroizing::new(
                p256::ecdh::diffie_hellman(sk.to_nonzero_scalar(), pk.as_affine())
                    .raw_secret_bytes()
                    .to_vec(),
            )
        }
        PrivateKey::P384(sk) => {
            let pk =
                p384::PublicKey::from_sec1_bytes(point).map_err(|_| CmsError::DecryptionFailed)?;
            Zeroizing::new(
                p384::ecdh::diffie_hellman(sk.to_nonzero_scalar(), pk.as_affine())
                    .raw_secret_bytes()
                    .to_vec(),
            )
        }
        _ => return Err(CmsError::NoRecipientKey),
    };
    let kdf_hash = match k.key_enc_alg.oid.to_string().as_str() {
        OID_ECDH_SHA1_KDF => HashAlg::Sha1,
        OID_ECDH_SHA256_KDF => HashAlg::Sha256,
        OID_ECDH_SHA384_KDF => HashAlg::Sha384,
        OID_ECDH_SHA512_KDF => HashAlg::Sha512,
        OID_ECDH_SHA224_KDF => {
            return Err(CmsError::UnsupportedAlgorithm(
                "ECDH with SHA-224 KDF".into(),
            ));
        }
        other => {
            return Err(CmsError::UnsupportedAlgorithm(format!(
                "key agreement {other}"
            )));
        }
    };
    let wrap = k
        .key_enc_alg
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<AlgorithmIdentifierOwned>().ok())
        .ok_or_else(|| CmsError::Malformed("key wrap algorithm missing".into()))?;
    let wrap_oid = wrap.oid.to_string();
    let kek_len = match wrap_oid.as_str() {
        OID_AES128_WRAP => 16,
        OID_AES192_WRAP => 24,
        OID_AES256_WRAP => 32,
        other => return Err(CmsError::UnsupportedAlgorithm(format!("key wrap {other}"))),
    };
    let info = shared_info(&wrap_oid, kek_len, k.ukm.as_ref().map(|u| u.as_bytes()))?;
    let kek = x963_kdf(kdf_hash, &z, &info, kek_len);
    aes_unwrap(&kek, wrapped)
}

/// Decrypts an EnvelopedData or AuthEnvelopedData with whichever of `keys` it was sent to.
pub fn decrypt(data: &[u8], keys: &[KeyHolder]) -> Result<Decrypted, CmsError> {
    decrypt_cow(std::borrow::Cow::Borrowed(data), keys)
}

/// [`decrypt`] taking the CMS object by value: it is freed as soon as its content is decoded,
/// before the plaintext is made (a large message is then held twice at most, not three times).
pub fn decrypt_owned(data: Vec<u8>, keys: &[KeyHolder]) -> Result<Decrypted, CmsError> {
    decrypt_cow(std::borrow::Cow::Owned(data), keys)
}

fn decrypt_cow(
    data: std::borrow::Cow<'_, [u8]>,
    keys: &[KeyHolder],
) -> Result<Decrypted, CmsError> {
    if data.len() > super::MAX_CMS_SIZE {
        return Err(CmsError::TooLarge);
    }
    // Read at the TLV level down to the content and decode only that: DER input is not
    // copied, so the ciphertext is copied once (into the typed structure).
    let der = match crate::asn1::ber_to_der_cow(&data)? {
        std::borrow::Cow::Borrowed(_) => data,
        std::borrow::Cow::Owned(rewritten) => std::borrow::Cow::Owned(rewritten),
    };
    let ci = crate::asn1::parse_one(&der)?;
    let mut fields = ci.children();
    let (Some(Ok(type_tlv)), Some(Ok(explicit)), None) =
        (fields.next(), fields.next(), fields.next())
    else {
        return Err(CmsError::Malformed("ContentInfo".into()));
    };
    let content = match explicit.children().next() {
        Some(Ok(c)) if explicit.tag == 0xa0 && type_tlv.tag == 0x06 => c.raw,
        _ => return Err(CmsError::Malformed("ContentInfo".into())),
    };
    let ct: ObjectIdentifier = ObjectIdentifier::from_der(type_tlv.raw)?;
    let ct = ct.to_string();
    let decoded = match ct.as_str() {
        OID_ENVELOPED_DATA => {
            let ed = EnvelopedData::from_der(content)?;
            (ed.recip_infos, ed.encrypted_content, None)
        }
        OID_AUTH_ENVELOPED_DATA => {
            let aed = AuthEnvelopedData::from_der(content)?;
            let aad = match &aed.auth_attrs {
                Some(a) => a.to_der()?,
                None => Vec::new(),
            };
            (
                aed.recip_infos,
                aed.auth_encrypted_content_info,
                Some((aed.mac.as_bytes().to_vec(), aad)),
            )
        }
        other => return Err(CmsError::UnexpectedContentType(other.to_string())),
    };
    drop(der);
    let (recips, eci, aead_parts) = decoded;
    let cipher_oid = eci.content_enc_alg.oid.to_string();
    let cipher = ContentCipher::from_oid(&cipher_oid)
        .ok_or_else(|| CmsError::UnsupportedAlgorithm(format!("content cipher {cipher_oid}")))?;
    if cipher.is_aead() != aead_parts.is_some() {
        return Err(CmsError::UnsupportedAlgorithm(format!(
            "{} in {}",
            cipher.name(),
            if aead_parts.is_some() {
                "AuthEnvelopedData"
            } else {
                "EnvelopedData"
            }
        )));
    }
    let ciphertext = eci
        .encrypted_content
        .as_ref()
        .ok_or_else(|| CmsError::Malformed("no encrypted content".into()))?
        .as_bytes();

    let mut last_err = CmsError::NoRecipientKey;
    let mut tried = 0;
    for holder in keys {
        for ri in recips.0.iter() {
            let Some(cek) = unwrap_for(ri, holder, cipher.key_len()) else {
                continue;
            };
            // Each try is a private-key operation: a message naming our certificate in
            // hundreds of RecipientInfos costs at most this many.
            tried += 1;
            if tried > MAX_KEY_TRIES {
                return Err(CmsError::Malformed(format!(
                    "more than {MAX_KEY_TRIES} RecipientInfos for this user's keys"
                )));
            }
            let cek = match cek {
                Ok(c) => c,
                Err(e) => {
                    last_err = e;
                    continue;
                }
            };
            let params = eci
                .content_enc_alg
                .parameters
                .as_ref()
                .ok_or_else(|| CmsError::Malformed("cipher parameters missing".into()))?;
            let content = if let Some((mac, aad)) = &aead_parts {
                let p: GcmParameters = params.decode_as()?;
                if p.icv_len as usize != mac.len() || !(12..=16).contains(&mac.len()) {
                    return Err(CmsError::UnsupportedAlgorithm("GCM tag length".into()));
                }
                if mac.len() != 16 {
                    return Err(CmsError::UnsupportedAlgorithm(
                        "GCM tags shorter than 16 bytes".into(),
                    ));
                }
                gcm_open(cipher, &cek, p.nonce.as_bytes(), ciphertext, mac, aad)
            } else {
                let iv: OctetString = params.decode_as()?;
                cbc_decrypt(cipher, &cek, iv.as_bytes(), ciphertext)
            };
            match content {
                Ok(c) => {
                    return Ok(Decrypted {
                        content: zeroize::Zeroizing::new(c),
                        cipher,
                        authenticated: aead_parts.is_some(),
                        recipient: holder.cert.fingerprint(),
                    });
                }
                Err(e) => last_err = e,
            }
        }
    }
    Err(last_err)
}

/// Recipients a message is addressed to, for "which key do I need" messages.
pub fn recipient_count(data: &[u8]) -> Result<usize, CmsError> {
    let (ci, _) = super::parse_content_info(data)?;
    Ok(match ci.content_type.to_string().as_str() {
        OID_ENVELOPED_DATA => ci.content.decode_as::<EnvelopedData>()?.recip_infos.0.len(),
        OID_AUTH_ENVELOPED_DATA => ci
            .content
            .decode_as::<AuthEnvelopedData>()?
            .recip_infos
            .0
            .len(),
        other => return Err(CmsError::UnexpectedContentType(other.to_string())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A padding failure gives the same key for the same ciphertext, another for another.
    #[test]
    fn implicit_rejection_key_is_deterministic_per_ciphertext() {
        let key = rsa::PrivateKey::new(&mut rand::rng(), 1024).unwrap();
        let a = synthetic_cek(&key, b"ciphertext one", 32);
        assert_eq!(a.len(), 32);
        assert_eq!(a, synthetic_cek(&key, b"ciphertext one", 32));
        assert_ne!(a, synthetic_cek(&key, b"ciphertext two", 32));
        assert_eq!(synthetic_cek(&key, b"x", 40).len(), 40);
        let other = rsa::PrivateKey::new(&mut rand::rng(), 1024).unwrap();
        assert_ne!(a, synthetic_cek(&other, b"ciphertext one", 32));
    }

    /// The `cms` crate's KARI builder wraps under an all-zero key (notes/crates.md §1.3). Ours
    /// wraps under the X9.63-derived KEK: the zero key must not open it, the derived one must.
    #[test]
    fn ecdh_wrap_does_not_open_with_all_zero_kek() {
        let eph =
            <p256::SecretKey as elliptic_curve::Generate>::generate_from_rng(&mut rand::rng());
        let peer =
            <p256::SecretKey as elliptic_curve::Generate>::generate_from_rng(&mut rand::rng());
        let z = p256::ecdh::diffie_hellman(eph.to_nonzero_scalar(), peer.public_key().as_affine());
        let info = shared_info(OID_AES256_WRAP, 32, Some(b"ukm")).unwrap();
        let kek = x963_kdf(HashAlg::Sha256, z.raw_secret_bytes(), &info, 32);
        assert_ne!(kek.as_slice(), &[0u8; 32]);
        let cek = random_bytes(32);
        let wrapped = aes_wrap(&kek, &cek).unwrap();
        assert!(aes_unwrap(&[0u8; 32], &wrapped).is_err());
        assert_eq!(
            aes_unwrap(&kek, &wrapped).unwrap().as_slice(),
            cek.as_slice()
        );
        // The recipient side derives the same KEK from its own private key.
        let z2 = p256::ecdh::diffie_hellman(peer.to_nonzero_scalar(), eph.public_key().as_affine());
        assert_eq!(
            x963_kdf(HashAlg::Sha256, z2.raw_secret_bytes(), &info, 32).as_slice(),
            kek.as_slice()
        );
    }

    #[test]
    fn x963_kdf_known_answer() {
        // SEC 1 X9.63 KDF with SHA-256, Z = 32 zero bytes, no shared info, 32 bytes out:
        // SHA-256(Z || 00000001).
        let mut input = vec![0u8; 32];
        input.extend_from_slice(&[0, 0, 0, 1]);
        let expected = HashAlg::Sha256.digest(&input);
        assert_eq!(
            x963_kdf(HashAlg::Sha256, &[0u8; 32], &[], 32).as_slice(),
            expected.as_slice()
        );
        assert_eq!(x963_kdf(HashAlg::Sha256, &[0u8; 32], &[], 40).len(), 40);
    }

    #[test]
    fn garbage_cms_is_an_error_not_a_panic() {
        for bad in [
            &b""[..],
            b"\x30\x80",
            b"\x30\x03\x06\x01\x2a",
            &[
                0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03,
            ],
        ] {
            assert!(decrypt(bad, &[]).is_err());
        }
    }

    #[test]
    fn triple_des_is_never_used_for_sending() {
        assert!(matches!(
            encrypt(b"x", &[], ContentCipher::DesEde3Cbc),
            Err(CmsError::UnsupportedAlgorithm(_))
        ));
    }
}
