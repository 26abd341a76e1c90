//! SignedData production (RFC 5652 §5, RFC 8551 §2.5): one signer, signed attributes
//! contentType, messageDigest, signingTime, SMIMECapabilities, SMIMEEncryptionKeyPreference and
//! signingCertificateV2 (RFC 5035, RFC 8550 §4), the signer's certificate and chain included.

use cms::cert::CertificateChoices;
use cms::content_info::CmsVersion;
use cms::signed_data::{
    EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{ObjectIdentifier, OctetString, SetOfVec, UtcTime};
use der::{Any, Decode, Encode, Sequence};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;

use super::{CmsError, OID_DATA, OID_SIGNED_DATA};
use crate::pki::cert::Cert;
use crate::pki::keys::PrivateKey;
use crate::pki::signature::{self, HashAlg, RsaPadding};

/// SMIMECapability (RFC 8551 §2.5.2).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SmimeCapability {
    pub capability_id: ObjectIdentifier,
    #[asn1(optional = "true")]
    pub parameters: Option<Any>,
}

/// What we announce, strongest first: AES-GCM (RFC 5084), AES-CBC, RSA-OAEP.
pub const OUR_CAPABILITIES: &[&str] = &[
    "2.16.840.1.101.3.4.1.46", // aes256-GCM
    "2.16.840.1.101.3.4.1.6",  // aes128-GCM
    "2.16.840.1.101.3.4.1.42", // aes256-CBC
    "2.16.840.1.101.3.4.1.2",  // aes128-CBC
    "1.2.840.113549.1.1.7",    // RSAES-OAEP
];

/// How the signer is identified in SignerInfo.sid (RFC 5652 §5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignerId {
    IssuerAndSerial,
    SubjectKeyId,
}

pub struct SignOptions {
    pub hash: Option<HashAlg>,
    pub rsa_padding: RsaPadding,
    pub sid: SignerId,
    /// Include the content (opaque signing) or not (detached, for multipart/signed).
    pub attached: bool,
    /// signingTime value, seconds since the epoch.
    pub signing_time: u64,
}

impl Default for SignOptions {
    fn default() -> Self {
        SignOptions {
            hash: None,
            rsa_padding: RsaPadding::Pkcs1v15,
            sid: SignerId::IssuerAndSerial,
            attached: false,
            signing_time: crate::clock::Clock::now(&crate::clock::SystemClock),
        }
    }
}

fn attr(oid: &str, value: Any) -> Result<Attribute, CmsError> {
    let mut values = SetOfVec::new();
    values.insert(value)?;
    Ok(Attribute {
        oid: ObjectIdentifier::new(oid).map_err(|e| CmsError::Malformed(e.to_string()))?,
        values,
    })
}

/// Signs `content` (already canonical MIME, CRLF) and returns a DER ContentInfo.
pub fn sign(
    content: &[u8],
    key: &PrivateKey,
    cert: &Cert,
    chain: &[Cert],
    opts: &SignOptions,
) -> Result<Vec<u8>, CmsError> {
    let hash = opts.hash.unwrap_or_else(|| signature::default_hash(key));
    let digest = hash.digest(content);
    let digest_alg = AlgorithmIdentifierOwned {
        oid: hash.oid(),
        parameters: None,
    };

    let mut attrs = SetOfVec::new();
    attrs.insert(attr(
        super::OID_CONTENT_TYPE,
        Any::encode_from(&ObjectIdentifier::new_unwrap(OID_DATA))?,
    )?)?;
    attrs.insert(attr(
        super::OID_MESSAGE_DIGEST,
        Any::encode_from(&OctetString::new(digest)?)?,
    )?)?;
    let when = UtcTime::from_unix_duration(std::time::Duration::from_secs(opts.signing_time))
        .map_err(|e| CmsError::Signing(format!("signing time: {e}")))?;
    attrs.insert(attr(super::OID_SIGNING_TIME, Any::encode_from(&when)?)?)?;
    let caps: Vec<SmimeCapability> = OUR_CAPABILITIES
        .iter()
        .map(|o| SmimeCapability {
            capability_id: ObjectIdentifier::new_unwrap(o),
            parameters: None,
        })
        .collect();
    attrs.insert(attr(
        super::OID_SMIME_CAPABILITIES,
        Any::encode_from(&caps)?,
    )?)?;
    // SMIMEEncryptionKeyPreference ::= CHOICE { issuerAndSerialNumber [0] IMPLICIT ... }:
    // the signing certificate is also our encryption certificate when it can encrypt.
    if cert.encrypt_problem().is_none() {
        let ias = super::issuer_and_serial(cert).to_der()?;
        let mut pref = ias;
        if let Some(first) = pref.first_mut() {
            *first = 0xa0;
        }
        attrs.insert(attr(
            super::OID_ENCRYPTION_KEY_PREFERENCE,
            Any::from_der(&pref)?,
        )?)?;
    }

    // signingCertificateV2 (RFC 5035 §3) binds the certificate to the signature, so that
    // another certificate on the same key cannot be offered as the signer's (RFC 8550 §4).
    let ess = super::verify::SigningCertificateV2 {
        certs: vec![super::verify::EssCertIdV2 {
            // SHA-256, the DEFAULT, so left out (DER).
            hash_algorithm: None,
            cert_hash: OctetString::new(HashAlg::Sha256.digest(cert.der()))?,
            issuer_serial: Some(super::verify::IssuerSerial {
                issuer: vec![x509_cert::ext::pkix::name::GeneralName::DirectoryName(
                    cert.x509().tbs_certificate().issuer().clone(),
                )],
                serial_number: der::asn1::Int::from_der(
                    &cert.x509().tbs_certificate().serial_number().to_der()?,
                )?,
            }),
        }],
        policies: None,
    };
    attrs.insert(attr(
        super::OID_SIGNING_CERTIFICATE_V2,
        Any::encode_from(&ess)?,
    )?)?;

    let signed_bytes = attrs.to_der()?;
    let (sig_alg, sig) = signature::sign(key, hash, opts.rsa_padding, &signed_bytes)
        .map_err(|e| CmsError::Signing(e.to_string()))?;

    let (version, sid) = match opts.sid {
        SignerId::IssuerAndSerial => (
            CmsVersion::V1,
            SignerIdentifier::IssuerAndSerialNumber(super::issuer_and_serial(cert)),
        ),
        SignerId::SubjectKeyId => {
            let ski = cert.subject_key_id().ok_or_else(|| {
                CmsError::Signing("the certificate has no subject key identifier".into())
            })?;
            (
                CmsVersion::V3,
                SignerIdentifier::SubjectKeyIdentifier(x509_cert::ext::pkix::SubjectKeyIdentifier(
                    OctetString::new(ski)?,
                )),
            )
        }
    };
    let signer = SignerInfo {
        version,
        sid,
        digest_alg: digest_alg.clone(),
        signed_attrs: Some(attrs),
        signature_algorithm: sig_alg,
        signature: OctetString::new(sig)?,
        unsigned_attrs: None,
    };

    let mut certs = SetOfVec::new();
    for c in std::iter::once(cert).chain(chain.iter()) {
        let choice = CertificateChoices::Certificate(c.x509().clone());
        if !certs.iter().any(|x| x == &choice) {
            certs.insert(choice)?;
        }
    }
    let mut digest_algs = SetOfVec::new();
    digest_algs.insert(digest_alg)?;
    let econtent = if opts.attached {
        Some(Any::encode_from(&OctetString::new(content.to_vec())?)?)
    } else {
        None
    };
    let sd = SignedData {
        version: if opts.sid == SignerId::SubjectKeyId {
            CmsVersion::V3
        } else {
            CmsVersion::V1
        },
        digest_algorithms: digest_algs,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ObjectIdentifier::new_unwrap(OID_DATA),
            econtent,
        },
        certificates: Some(cms::signed_data::CertificateSet(certs)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer])?),
    };
    super::content_info(OID_SIGNED_DATA, &sd)
}

/// A certs-only SignedData (`.p7c`, RFC 8551 §3.6): no content, no signers.
pub fn certs_only(certs: &[Cert]) -> Result<Vec<u8>, CmsError> {
    let mut set = SetOfVec::new();
    for c in certs {
        set.insert(CertificateChoices::Certificate(c.x509().clone()))?;
    }
    let sd = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::new(),
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ObjectIdentifier::new_unwrap(OID_DATA),
            econtent: None,
        },
        certificates: Some(cms::signed_data::CertificateSet(set)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::new()),
    };
    super::content_info(OID_SIGNED_DATA, &sd)
}
