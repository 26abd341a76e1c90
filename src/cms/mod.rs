//! Cryptographic Message Syntax (RFC 5652) for S/MIME (RFC 8551): SignedData, EnvelopedData
//! and AuthEnvelopedData (RFC 5083/5084), producing and consuming.
//!
//! The `cms` crate supplies the ASN.1 types only; assembly, verification, key transport
//! (RSA PKCS#1 v1.5 and OAEP, RFC 8017 / RFC 3560), key agreement (ECDH with the X9.63 KDF,
//! RFC 5753) and content encryption are written here and proven against OpenSSL, GnuPG and NSS
//! by the interop tests. Input may be BER: it is normalised by [`crate::asn1::ber_to_der`]
//! before typed decoding.

pub mod bundle;
pub mod envelope;
pub mod sign;
pub mod verify;

pub use bundle::{certs_from_pkcs7, parse_certificates};

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::{Decode, Encode};
use thiserror::Error;

use crate::pki::cert::Cert;

pub const OID_DATA: &str = "1.2.840.113549.1.7.1";
pub const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
pub const OID_ENVELOPED_DATA: &str = "1.2.840.113549.1.7.3";
pub const OID_AUTH_ENVELOPED_DATA: &str = "1.2.840.113549.1.9.16.1.23";
pub const OID_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
pub const OID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
pub const OID_SIGNING_TIME: &str = "1.2.840.113549.1.9.5";
pub const OID_SMIME_CAPABILITIES: &str = "1.2.840.113549.1.9.15";
pub const OID_ENCRYPTION_KEY_PREFERENCE: &str = "1.2.840.113549.1.9.16.2.11";
/// id-aa-signingCertificate (RFC 2634 §5.4): ESSCertID, SHA-1.
pub const OID_SIGNING_CERTIFICATE: &str = "1.2.840.113549.1.9.16.2.12";
/// id-aa-signingCertificateV2 (RFC 5035 §3): ESSCertIDv2, any hash.
pub const OID_SIGNING_CERTIFICATE_V2: &str = "1.2.840.113549.1.9.16.2.47";

/// Largest CMS object we accept (the 25 MB attachment goal, base64 and framing included).
pub const MAX_CMS_SIZE: usize = 256 * 1024 * 1024;

#[derive(Debug, Error)]
pub enum CmsError {
    #[error("malformed CMS: {0}")]
    Malformed(String),
    #[error("the CMS content type {0} is not supported here")]
    UnexpectedContentType(String),
    #[error("this is a certificate bundle, not a signed message")]
    CertificatesOnly,
    #[error("the signature carries its own copy of the content as well as a detached one")]
    ContentTwice,
    #[error("the signature has no content to verify against")]
    NoContent,
    #[error("no private key for any recipient of this message")]
    NoRecipientKey,
    #[error("decryption failed: the message was damaged or altered, or the key is wrong")]
    DecryptionFailed,
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    #[error("a recipient certificate cannot be used for encryption: {0}")]
    BadRecipient(String),
    #[error("signing failed: {0}")]
    Signing(String),
    #[error("the CMS object is too large")]
    TooLarge,
}

impl From<der::Error> for CmsError {
    fn from(e: der::Error) -> Self {
        CmsError::Malformed(e.to_string())
    }
}

impl From<crate::asn1::Asn1Error> for CmsError {
    fn from(e: crate::asn1::Asn1Error) -> Self {
        CmsError::Malformed(e.to_string())
    }
}

/// Normalises BER to DER and decodes the outer ContentInfo.
pub fn parse_content_info(data: &[u8]) -> Result<(ContentInfo, Vec<u8>), CmsError> {
    if data.len() > MAX_CMS_SIZE {
        return Err(CmsError::TooLarge);
    }
    let der = crate::asn1::ber_to_der(data)?;
    let ci = ContentInfo::from_der(&der)?;
    Ok((ci, der))
}

/// The content type of a CMS object, without decoding (or copying) the rest.
pub fn content_type(data: &[u8]) -> Result<String, CmsError> {
    if data.len() > MAX_CMS_SIZE {
        return Err(CmsError::TooLarge);
    }
    let oid = crate::asn1::first_child(data)?;
    if oid.tag != 0x06 {
        return Err(CmsError::Malformed(
            "ContentInfo without content type".into(),
        ));
    }
    let oid: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::from_der(oid.raw)?;
    Ok(oid.to_string())
}

pub fn parse_signed_data(data: &[u8]) -> Result<SignedData, CmsError> {
    let (ci, der) = parse_content_info(data)?;
    if ci.content_type.to_string() != OID_SIGNED_DATA {
        return Err(CmsError::UnexpectedContentType(ci.content_type.to_string()));
    }
    decode_signed_data(&SignedDataOutline::read(&der)?)
}

/// A SignedData read at the TLV level, before typed decoding (RFC 5652 §5.1):
/// `SEQUENCE { version, digestAlgorithms, encapContentInfo, [0] certificates OPTIONAL,
/// [1] crls OPTIONAL, signerInfos }`.
///
/// Typed decoding of the `crls` field fails on real files (RFC 4134 4.11 carries a v1 CRL, whose
/// TBSCertList has no version), and a certificate bundle must be recognised as one before any
/// of that: the outline answers both without decoding CRLs at all.
pub(crate) struct SignedDataOutline<'a> {
    /// Every element of the SignedData SEQUENCE, in order, as raw DER.
    fields: Vec<crate::asn1::Tlv<'a>>,
}

impl<'a> SignedDataOutline<'a> {
    /// `der` is a whole DER ContentInfo whose content type is SignedData.
    pub(crate) fn read(der: &'a [u8]) -> Result<Self, CmsError> {
        let ci = crate::asn1::parse_one(der)?;
        let explicit = ci
            .children()
            .nth(1)
            .ok_or(CmsError::Malformed("ContentInfo without content".into()))??;
        if explicit.tag != 0xa0 {
            return Err(CmsError::Malformed("ContentInfo content is not [0]".into()));
        }
        let sd = explicit
            .children()
            .next()
            .ok_or(CmsError::Malformed("empty SignedData".into()))??;
        if sd.tag != 0x30 {
            return Err(CmsError::Malformed("SignedData is not a SEQUENCE".into()));
        }
        let fields = sd.children().collect::<Result<Vec<_>, _>>()?;
        let outline = SignedDataOutline { fields };
        if outline.fields.len() < 4 || outline.signer_infos().tag != 0x31 {
            return Err(CmsError::Malformed("SignedData without SignerInfos".into()));
        }
        Ok(outline)
    }

    fn signer_infos(&self) -> crate::asn1::Tlv<'a> {
        self.fields[self.fields.len() - 1]
    }

    /// No SignerInfo at all: a certificate (and CRL) bundle, not a signature (RFC 8551 §3.8).
    pub(crate) fn is_certificates_only(&self) -> bool {
        self.signer_infos().value.is_empty()
    }

    /// The raw DER of every X.509 certificate in `certificates` (other choices skipped).
    pub(crate) fn raw_certificates(&self) -> Result<Vec<&'a [u8]>, CmsError> {
        let mut out = Vec::new();
        for f in &self.fields[3..self.fields.len() - 1] {
            if f.tag == 0xa0 {
                for c in f.children() {
                    let c = c?;
                    if c.tag == 0x30 {
                        out.push(c.raw);
                    }
                }
            }
        }
        Ok(out)
    }

    /// The SignedData re-encoded without its `crls` field, which nothing here reads.
    fn without_crls(&self) -> Vec<u8> {
        let mut body = Vec::new();
        for f in &self.fields {
            if f.tag != 0xa1 {
                body.extend_from_slice(f.raw);
            }
        }
        crate::asn1::encode_tlv(0x30, &body)
    }
}

/// Typed decoding of a SignedData (its CRLs left out).
pub(crate) fn decode_signed_data(outline: &SignedDataOutline<'_>) -> Result<SignedData, CmsError> {
    Ok(SignedData::from_der(&outline.without_crls())?)
}

/// The certificates of a SignedData (a certs-only bundle or a signed message), BER or DER,
/// without decoding the rest of it.
pub fn certificates_in_signed_data(data: &[u8]) -> Result<Vec<Cert>, CmsError> {
    let (ci, der) = parse_content_info(data)?;
    if ci.content_type.to_string() != OID_SIGNED_DATA {
        return Err(CmsError::UnexpectedContentType(ci.content_type.to_string()));
    }
    SignedDataOutline::read(&der)?
        .raw_certificates()?
        .into_iter()
        .map(|raw| Cert::from_der(raw).map_err(|e| CmsError::Malformed(e.to_string())))
        .collect()
}

/// The X.509 certificates inside a SignedData (other certificate formats are skipped).
pub fn embedded_certificates(sd: &SignedData) -> Result<Vec<Cert>, CmsError> {
    let mut out = Vec::new();
    if let Some(set) = &sd.certificates {
        for choice in set.0.iter() {
            if let cms::cert::CertificateChoices::Certificate(c) = choice {
                out.push(
                    Cert::from_der(&c.to_der()?).map_err(|e| CmsError::Malformed(e.to_string()))?,
                );
            }
        }
    }
    Ok(out)
}

/// Wraps a typed content into a DER ContentInfo.
pub(crate) fn content_info<T: Encode + der::EncodeValue + der::Tagged>(
    oid: &str,
    content: &T,
) -> Result<Vec<u8>, CmsError> {
    let ci = ContentInfo {
        content_type: der::asn1::ObjectIdentifier::new(oid)
            .map_err(|e| CmsError::Malformed(e.to_string()))?,
        content: der::Any::encode_from(content)?,
    };
    Ok(ci.to_der()?)
}

/// IssuerAndSerialNumber of a certificate (RFC 5652 §10.2.4).
pub(crate) fn issuer_and_serial(cert: &Cert) -> cms::cert::IssuerAndSerialNumber {
    let tbs = cert.x509().tbs_certificate();
    cms::cert::IssuerAndSerialNumber {
        issuer: tbs.issuer().clone(),
        serial_number: tbs.serial_number().clone(),
    }
}

pub(crate) fn matches_issuer_serial(cert: &Cert, ias: &cms::cert::IssuerAndSerialNumber) -> bool {
    let tbs = cert.x509().tbs_certificate();
    tbs.serial_number().as_bytes() == ias.serial_number.as_bytes()
        && ias.issuer.to_der().ok() == Some(cert.issuer_der())
}
