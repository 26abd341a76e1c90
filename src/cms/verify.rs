//! SignedData verification (RFC 5652 §5.4-5.6, RFC 8551 §2.5). Every SignerInfo is verified
//! separately; trust in the signer's certificate is decided by the caller (pki::validate).
//! Signed attributes are verified over the exact bytes the signer sent, since the `der` crate
//! re-sorts SET OF on decoding.

use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::Decode;

use super::sign::SmimeCapability;
use super::{CmsError, OID_SIGNED_DATA};
use crate::asn1;
use crate::pki::cert::Cert;
use crate::pki::keys::PublicKey;
use crate::pki::signature::{self, HashAlg, SigError};

/// The outcome for one SignerInfo.
#[derive(Debug)]
pub struct SignerResult {
    /// The signer's certificate, when it was found in the message or the supplied pool.
    pub cert: Option<Cert>,
    /// Ok when the signature is mathematically valid over the content.
    pub outcome: Result<(), SignerFailure>,
    pub algorithm: String,
    pub digest: Option<HashAlg>,
    /// signingTime, seconds since the epoch.
    pub signing_time: Option<u64>,
    /// SMIMECapabilities OIDs, strongest first as the signer listed them.
    pub capabilities: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignerFailure {
    #[error("the signer's certificate is not in the message")]
    CertificateMissing,
    #[error("the content does not match the signature (message digest mismatch)")]
    DigestMismatch,
    #[error("the signature is not valid")]
    BadSignature,
    #[error("the signed content type does not match")]
    ContentTypeMismatch,
    #[error("a required signed attribute is missing: {0}")]
    MissingAttribute(&'static str),
    #[error("unsupported algorithm: {0}")]
    Unsupported(String),
}

/// Everything learnt from a SignedData. Its `Debug` gives the content's length only.
pub struct Verified {
    /// The signed content: the encapsulated one, or the detached one given.
    pub content: Vec<u8>,
    pub signers: Vec<SignerResult>,
    /// Certificates carried in the message (possibly intermediates).
    pub certificates: Vec<Cert>,
}

impl std::fmt::Debug for Verified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verified")
            .field("content", &format_args!("<{} bytes>", self.content.len()))
            .field("signers", &self.signers)
            .field("certificates", &self.certificates.len())
            .finish()
    }
}

/// Verifies a SignedData. `detached` is the content of a multipart/signed first part.
/// `pool` supplies certificates from the store for signers that did not include theirs.
pub fn verify(data: &[u8], detached: Option<&[u8]>, pool: &[Cert]) -> Result<Verified, CmsError> {
    verify_inner(data, detached.map(std::borrow::Cow::Borrowed), pool)
}

/// [`verify`] of a detached signature over `content`, which is moved into
/// [`Verified::content`] instead of copied (a large multipart/signed first part).
pub fn verify_detached_owned(
    data: &[u8],
    content: Vec<u8>,
    pool: &[Cert],
) -> Result<Verified, CmsError> {
    verify_inner(data, Some(std::borrow::Cow::Owned(content)), pool)
}

fn verify_inner(
    data: &[u8],
    detached: Option<std::borrow::Cow<'_, [u8]>>,
    pool: &[Cert],
) -> Result<Verified, CmsError> {
    let (ci, der) = super::parse_content_info(data)?;
    if ci.content_type.to_string() != OID_SIGNED_DATA {
        return Err(CmsError::UnexpectedContentType(ci.content_type.to_string()));
    }
    let outline = super::SignedDataOutline::read(&der)?;
    if outline.is_certificates_only() {
        return Err(CmsError::CertificatesOnly);
    }
    let sd: SignedData = super::decode_signed_data(&outline)?;
    // Taken as received (not re-encoded from the decoded form), so fingerprints and the
    // signatures on them are over the exact bytes.
    let certificates = outline
        .raw_certificates()?
        .into_iter()
        .map(|raw| Cert::from_der(raw).map_err(|e| CmsError::Malformed(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    if sd.signer_infos.0.is_empty() {
        return Err(CmsError::CertificatesOnly);
    }
    let econtent = match &sd.encap_content_info.econtent {
        Some(any) => Some(
            any.decode_as::<der::asn1::OctetString>()?
                .into_bytes()
                .into_vec(),
        ),
        None => None,
    };
    let content = match (econtent, detached) {
        (Some(_), Some(_)) => return Err(CmsError::ContentTwice),
        (Some(c), None) => c,
        (None, Some(d)) => d.into_owned(),
        (None, None) => return Err(CmsError::NoContent),
    };
    let econtent_type = sd.encap_content_info.econtent_type.to_string();

    let raw_signers = raw_signer_infos(&der)?;
    let mut signers = Vec::new();
    for raw in raw_signers {
        let si = SignerInfo::from_der(raw)?;
        let raw_attrs = raw_signed_attrs(raw)?;
        signers.push(verify_one(
            &si,
            raw_attrs,
            &content,
            &econtent_type,
            &certificates,
            pool,
        ));
    }
    Ok(Verified {
        content,
        signers,
        certificates,
    })
}

/// The raw DER of each SignerInfo: ContentInfo -> [0] -> SignedData -> last element.
fn raw_signer_infos(der: &[u8]) -> Result<Vec<&[u8]>, CmsError> {
    let ci = asn1::parse_one(der)?;
    let explicit = ci
        .children()
        .nth(1)
        .ok_or(CmsError::Malformed("ContentInfo without content".into()))??;
    let sd = explicit
        .children()
        .next()
        .ok_or(CmsError::Malformed("empty SignedData".into()))??;
    let last = sd
        .children()
        .last()
        .ok_or(CmsError::Malformed("SignedData without SignerInfos".into()))??;
    if last.tag != 0x31 {
        return Err(CmsError::Malformed("SignerInfos is not a SET".into()));
    }
    last.children()
        .map(|r| r.map(|t| t.raw).map_err(CmsError::from))
        .collect()
}

/// The signed attributes of a raw SignerInfo, re-tagged as the SET OF that is signed.
fn raw_signed_attrs(raw: &[u8]) -> Result<Option<Vec<u8>>, CmsError> {
    let si = asn1::parse_one(raw)?;
    for child in si.children() {
        let child = child?;
        if child.tag == 0xa0 {
            let mut v = child.raw.to_vec();
            v[0] = 0x31;
            return Ok(Some(v));
        }
    }
    Ok(None)
}

fn find_signer(sid: &SignerIdentifier, certs: &[Cert], pool: &[Cert]) -> Option<Cert> {
    certs
        .iter()
        .chain(pool.iter())
        .find(|c| match sid {
            SignerIdentifier::IssuerAndSerialNumber(ias) => super::matches_issuer_serial(c, ias),
            SignerIdentifier::SubjectKeyIdentifier(ski) => {
                c.subject_key_id().as_deref() == Some(ski.0.as_bytes())
            }
        })
        .cloned()
}

fn verify_one(
    si: &SignerInfo,
    raw_attrs: Option<Vec<u8>>,
    content: &[u8],
    econtent_type: &str,
    certs: &[Cert],
    pool: &[Cert],
) -> SignerResult {
    let digest = HashAlg::from_oid(&si.digest_alg.oid.to_string());
    let sig_oid = si.signature_algorithm.oid.to_string();
    let mut result = SignerResult {
        cert: find_signer(&si.sid, certs, pool),
        outcome: Ok(()),
        algorithm: signature::describe(&sig_oid, digest),
        digest,
        signing_time: None,
        capabilities: Vec::new(),
    };
    let Some(digest) = digest else {
        result.outcome = Err(SignerFailure::Unsupported(format!(
            "digest {}",
            si.digest_alg.oid
        )));
        return result;
    };
    let Some(cert) = result.cert.clone() else {
        result.outcome = Err(SignerFailure::CertificateMissing);
        return result;
    };
    let key = match PublicKey::from_spki_der(&cert.spki_der()) {
        Ok(k) => k,
        Err(e) => {
            result.outcome = Err(SignerFailure::Unsupported(e.to_string()));
            return result;
        }
    };
    let signature_bytes = si.signature.as_bytes();
    let signed_message: Vec<u8> = match (&si.signed_attrs, raw_attrs) {
        (Some(attrs), Some(raw)) => {
            let mut md = None;
            let mut ct = None;
            for a in attrs.iter() {
                let oid = a.oid.to_string();
                let first = a.values.iter().next();
                match oid.as_str() {
                    super::OID_MESSAGE_DIGEST => {
                        md = first.and_then(|v| v.decode_as::<der::asn1::OctetString>().ok())
                    }
                    super::OID_CONTENT_TYPE => {
                        ct = first.and_then(|v| v.decode_as::<der::asn1::ObjectIdentifier>().ok())
                    }
                    super::OID_SIGNING_TIME => {
                        result.signing_time = first
                            .and_then(|v| v.decode_as::<x509_cert::time::Time>().ok())
                            .map(|t| t.to_unix_duration().as_secs())
                    }
                    super::OID_SMIME_CAPABILITIES => {
                        if let Some(caps) =
                            first.and_then(|v| v.decode_as::<Vec<SmimeCapability>>().ok())
                        {
                            result.capabilities =
                                caps.iter().map(|c| c.capability_id.to_string()).collect();
                        }
                    }
                    _ => {}
                }
            }
            let Some(md) = md else {
                result.outcome = Err(SignerFailure::MissingAttribute("messageDigest"));
                return result;
            };
            match ct {
                None => {
                    result.outcome = Err(SignerFailure::MissingAttribute("contentType"));
                    return result;
                }
                Some(ct) if ct.to_string() != econtent_type => {
                    result.outcome = Err(SignerFailure::ContentTypeMismatch);
                    return result;
                }
                _ => {}
            }
            if md.as_bytes() != digest.digest(content).as_slice() {
                result.outcome = Err(SignerFailure::DigestMismatch);
                return result;
            }
            raw
        }
        _ => content.to_vec(),
    };
    let check = signature::verify(
        &key,
        &si.signature_algorithm,
        Some(digest),
        &signed_message,
        signature_bytes,
    );
    result.outcome = match check {
        Ok(()) => Ok(()),
        Err(SigError::Invalid) => Err(if si.signed_attrs.is_none() {
            SignerFailure::DigestMismatch
        } else {
            SignerFailure::BadSignature
        }),
        Err(e) => Err(SignerFailure::Unsupported(e.to_string())),
    };
    result
}
