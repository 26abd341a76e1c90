//! SignedData verification (RFC 5652 §5.4-5.6, RFC 8551 §2.5). Every SignerInfo is verified
//! separately; trust in the signer's certificate is decided by the caller (pki::validate).
//! Signed attributes are verified over the exact bytes the signer sent, since the `der` crate
//! re-sorts SET OF on decoding.

use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{Int, OctetString};
use der::{Any, Decode, Sequence};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::pkix::name::{GeneralName, GeneralNames};

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
    #[error("a signed attribute is malformed: {0}")]
    MalformedAttribute(&'static str),
    /// The signature names its signing certificate (ESS signingCertificate or
    /// signingCertificateV2, RFC 8550 §4) and no certificate matching the SignerInfo is that one:
    /// the certificate offered was swapped for another with the same key.
    #[error(
        "the signature was made for another certificate: it names the certificate with {algorithm} hash {cert_hash}, not {}",
        offered.join(", ")
    )]
    SigningCertificateMismatch {
        /// The hash algorithm of the ESSCertID(v2), e.g. "sha-256".
        algorithm: String,
        /// certHash from the attribute, lower-case hex.
        cert_hash: String,
        /// SHA-256 fingerprints of the certificates that match the signer identifier.
        offered: Vec<String>,
    },
    /// No signingCertificate attribute binds the signer, and certificates for different
    /// addresses share the signer's key: which identity signed cannot be told.
    #[error(
        "several certificates with different addresses share the signer's key and the signature names none of them: {}",
        fingerprints.join(", ")
    )]
    AmbiguousSigner { fingerprints: Vec<String> },
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

/// At most this many certificates matching one signer identifier are tried (each costs a
/// signature verification; a hostile message may carry many with the same SKI).
const MAX_SIGNER_CANDIDATES: usize = 16;

/// Every distinct certificate matching the signer identifier: the message's first, then the
/// pool's. Several can match: an SKI is shared by every certificate on the same key, and an
/// issuer and serial can be copied into a forged certificate.
fn signer_candidates(sid: &SignerIdentifier, certs: &[Cert], pool: &[Cert]) -> Vec<Cert> {
    let mut out: Vec<Cert> = Vec::new();
    for c in certs.iter().chain(pool.iter()) {
        let matches = match sid {
            SignerIdentifier::IssuerAndSerialNumber(ias) => super::matches_issuer_serial(c, ias),
            SignerIdentifier::SubjectKeyIdentifier(ski) => {
                c.subject_key_id().as_deref() == Some(ski.0.as_bytes())
            }
        };
        if matches && !out.iter().any(|o| o.der() == c.der()) {
            out.push(c.clone());
            if out.len() == MAX_SIGNER_CANDIDATES {
                break;
            }
        }
    }
    out
}

/// IssuerSerial (RFC 5035 §4, from RFC 2634 §5.4.1): `SEQUENCE { issuer GeneralNames,
/// serialNumber CertificateSerialNumber }`. The serial is read as a plain INTEGER, so that a
/// non-conforming one still compares.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct IssuerSerial {
    pub(crate) issuer: GeneralNames,
    pub(crate) serial_number: Int,
}

/// ESSCertIDv2 (RFC 5035 §4): `SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT
/// {algorithm id-sha256}, certHash OCTET STRING, issuerSerial IssuerSerial OPTIONAL }`.
/// The DEFAULT is read as OPTIONAL (absent means SHA-256); DER leaves it out.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct EssCertIdV2 {
    #[asn1(optional = "true")]
    pub(crate) hash_algorithm: Option<AlgorithmIdentifierOwned>,
    pub(crate) cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub(crate) issuer_serial: Option<IssuerSerial>,
}

/// SigningCertificateV2 (RFC 5035 §3): `SEQUENCE { certs SEQUENCE OF ESSCertIDv2,
/// policies SEQUENCE OF PolicyInformation OPTIONAL }`; policies are not read.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct SigningCertificateV2 {
    pub(crate) certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    pub(crate) policies: Option<Any>,
}

/// ESSCertID (RFC 2634 §5.4.1): `SEQUENCE { certHash OCTET STRING (SHA-1),
/// issuerSerial IssuerSerial OPTIONAL }`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct EssCertId {
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<IssuerSerial>,
}

/// SigningCertificate (RFC 2634 §5.4): `SEQUENCE { certs SEQUENCE OF ESSCertID,
/// policies SEQUENCE OF PolicyInformation OPTIONAL }`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct SigningCertificate {
    certs: Vec<EssCertId>,
    #[asn1(optional = "true")]
    policies: Option<Any>,
}

/// The signing certificate a signature names: only the first ESSCertID(v2) counts, since
/// "the first certificate identified in the sequence ... MUST be the certificate used to verify
/// the signature" (RFC 2634 §5.4, RFC 5035 §3); the others may name its chain.
#[derive(Clone, Debug)]
struct CertRef {
    hash: HashAlg,
    cert_hash: Vec<u8>,
    issuer_serial: Option<IssuerSerial>,
}

impl CertRef {
    fn matches(&self, cert: &Cert) -> bool {
        if self.hash.digest(cert.der()).as_slice() != self.cert_hash.as_slice() {
            return false;
        }
        let Some(is) = &self.issuer_serial else {
            return true;
        };
        let issuer = cert.issuer_der();
        let serial = der::Encode::to_der(cert.x509().tbs_certificate().serial_number())
            .ok()
            .and_then(|d| Int::from_der(&d).ok());
        serial.as_ref() == Some(&is.serial_number)
            && is.issuer.iter().any(|n| match n {
                GeneralName::DirectoryName(name) => {
                    der::Encode::to_der(name).ok().as_deref() == Some(issuer.as_slice())
                }
                _ => false,
            })
    }

    fn mismatch(&self, offered: &[Cert]) -> SignerFailure {
        SignerFailure::SigningCertificateMismatch {
            algorithm: self.hash.micalg().to_string(),
            cert_hash: self.cert_hash.iter().map(|b| format!("{b:02x}")).collect(),
            offered: offered.iter().map(|c| c.fingerprint()).collect(),
        }
    }
}

/// Reads signingCertificateV2 and signingCertificate (RFC 8550 §4). Each may occur once with
/// one value; when both do, both must name the certificate.
fn signing_certificate_refs(
    attrs: &x509_cert::attr::Attributes,
) -> Result<Vec<CertRef>, SignerFailure> {
    let mut refs = Vec::new();
    let mut seen_v1 = false;
    let mut seen_v2 = false;
    for a in attrs.iter() {
        let oid = a.oid.to_string();
        let is_v2 = oid == super::OID_SIGNING_CERTIFICATE_V2;
        if !is_v2 && oid != super::OID_SIGNING_CERTIFICATE {
            continue;
        }
        let name = if is_v2 {
            "signingCertificateV2"
        } else {
            "signingCertificate"
        };
        let seen = if is_v2 { &mut seen_v2 } else { &mut seen_v1 };
        if *seen || a.values.len() != 1 {
            return Err(SignerFailure::MalformedAttribute(name));
        }
        *seen = true;
        let value = a
            .values
            .iter()
            .next()
            .ok_or(SignerFailure::MalformedAttribute(name))?;
        let first = if is_v2 {
            let sc = value
                .decode_as::<SigningCertificateV2>()
                .map_err(|_| SignerFailure::MalformedAttribute(name))?;
            let first = sc
                .certs
                .into_iter()
                .next()
                .ok_or(SignerFailure::MalformedAttribute(name))?;
            let hash = match &first.hash_algorithm {
                None => HashAlg::Sha256,
                Some(alg) => HashAlg::from_oid(&alg.oid.to_string()).ok_or_else(|| {
                    SignerFailure::Unsupported(format!("signingCertificateV2 hash {}", alg.oid))
                })?,
            };
            CertRef {
                hash,
                cert_hash: first.cert_hash.into_bytes().into_vec(),
                issuer_serial: first.issuer_serial,
            }
        } else {
            let sc = value
                .decode_as::<SigningCertificate>()
                .map_err(|_| SignerFailure::MalformedAttribute(name))?;
            let first = sc
                .certs
                .into_iter()
                .next()
                .ok_or(SignerFailure::MalformedAttribute(name))?;
            CertRef {
                hash: HashAlg::Sha1,
                cert_hash: first.cert_hash.into_bytes().into_vec(),
                issuer_serial: first.issuer_serial,
            }
        };
        refs.push(first);
    }
    Ok(refs)
}

/// The addresses a certificate binds, normalised, to tell identities apart.
fn identity(cert: &Cert) -> Vec<String> {
    let mut e: Vec<String> = cert.emails().iter().map(|a| a.to_lowercase()).collect();
    e.sort();
    e.dedup();
    e
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
    let candidates = signer_candidates(&si.sid, certs, pool);
    let mut result = SignerResult {
        cert: candidates.first().cloned(),
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
    if candidates.is_empty() {
        result.outcome = Err(SignerFailure::CertificateMissing);
        return result;
    }
    let signature_bytes = si.signature.as_bytes();
    let mut cert_refs = Vec::new();
    let signed_message: Vec<u8> = match (&si.signed_attrs, raw_attrs) {
        (Some(attrs), Some(raw)) => {
            let mut md = None;
            let mut ct = None;
            for a in attrs.iter() {
                let oid = a.oid.to_string();
                let first = a.values.iter().next();
                match oid.as_str() {
                    super::OID_MESSAGE_DIGEST => {
                        md = first.and_then(|v| v.decode_as::<OctetString>().ok())
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
            match signing_certificate_refs(attrs) {
                Ok(r) => cert_refs = r,
                Err(f) => {
                    result.outcome = Err(f);
                    return result;
                }
            }
            raw
        }
        _ => content.to_vec(),
    };

    // RFC 8550 §4: when the signature names its certificate, only that one may be the signer.
    let named: Vec<&Cert> = candidates
        .iter()
        .filter(|c| cert_refs.iter().all(|r| r.matches(c)))
        .collect();
    if let (true, Some(r)) = (named.is_empty(), cert_refs.first()) {
        result.outcome = Err(r.mismatch(&candidates));
        return result;
    }
    // Every candidate is tried, so neither the order of the message's certificates nor a
    // decoy with the same identifier decides which certificate is the signer.
    let mut verified: Vec<&Cert> = Vec::new();
    let mut failure = None;
    for cert in &named {
        let key = match PublicKey::from_spki_der(&cert.spki_der()) {
            Ok(k) => k,
            Err(e) => {
                failure.get_or_insert(SignerFailure::Unsupported(e.to_string()));
                continue;
            }
        };
        let check = signature::verify(
            &key,
            &si.signature_algorithm,
            Some(digest),
            &signed_message,
            signature_bytes,
        );
        match check {
            Ok(()) => verified.push(cert),
            Err(SigError::Invalid) => {
                failure.get_or_insert(if si.signed_attrs.is_none() {
                    SignerFailure::DigestMismatch
                } else {
                    SignerFailure::BadSignature
                });
            }
            Err(e) => {
                failure.get_or_insert(SignerFailure::Unsupported(e.to_string()));
            }
        }
    }
    let Some(first) = verified.first() else {
        result.cert = named.first().map(|c| (*c).clone());
        result.outcome = Err(failure.unwrap_or(SignerFailure::BadSignature));
        return result;
    };
    result.cert = Some((*first).clone());
    // Several certificates on one key, none named by the signature: the first is the signer
    // only when they all bind the same addresses.
    if verified.iter().any(|c| identity(c) != identity(first)) {
        result.outcome = Err(SignerFailure::AmbiguousSigner {
            fingerprints: verified.iter().map(|c| c.fingerprint()).collect(),
        });
    }
    result
}
