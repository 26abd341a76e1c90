//! OCSP (RFC 6960): requests (§4.1, one certificate each, SHA-1 CertID as deployed responders
//! expect, an optional RFC 8954 nonce) and responses (§4.2): the BasicOCSPResponse must be
//! signed by the issuer itself or by a responder certificate the issuer issued with
//! id-kp-OCSPSigning (§4.2.2.2); thisUpdate/nextUpdate bound its use (§4.2.2.1).
//!
//! The ASN.1 types are written here on the `der` 0.8 generation the rest of the crate uses
//! (`x509-ocsp` is still on der 0.7, notes/crates.md §3).

use der::asn1::{Any, BitString, GeneralizedTime, Int, Null, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Sequence};
use sha1::Digest;
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::Extension;

use super::crl::{parse_enumerated, verify_signed};
use super::{CertStatus, RevocationError, SKEW_SECS, serial_magnitude};
use crate::pki::cert::{Cert, rfc3339};

const WHAT: &str = "OCSP response";
/// Largest OCSP response accepted.
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;
/// How long an answer without nextUpdate is used (RFC 6960 §4.2.2.1: newer information is
/// always available; we ask again within the hour).
const NO_NEXT_UPDATE_SECS: u64 = 3600;

pub const OID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
pub const OID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
pub const OID_OCSP_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");
pub const OID_OCSP_NONCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");
pub const OID_KP_OCSP_SIGNING: &str = "1.3.6.1.5.5.7.3.9";

/// `CertID ::= SEQUENCE { hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber }`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct CertId {
    pub hash_algorithm: AlgorithmIdentifierOwned,
    pub issuer_name_hash: OctetString,
    pub issuer_key_hash: OctetString,
    pub serial_number: Int,
}

/// `Request ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] OPTIONAL }`.
#[derive(Clone, Debug, Sequence)]
struct Request {
    req_cert: CertId,
}

/// `TBSRequest` with the default version and no requestorName (both left out in DER).
#[derive(Clone, Debug, Sequence)]
struct TbsRequest {
    request_list: Vec<Request>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    request_extensions: Option<Vec<Extension>>,
}

/// `OCSPRequest ::= SEQUENCE { tbsRequest, optionalSignature [0] OPTIONAL }` (unsigned).
#[derive(Clone, Debug, Sequence)]
struct OcspRequestAsn1 {
    tbs_request: TbsRequest,
}

#[derive(Clone, Debug, Sequence)]
struct OcspResponseAsn1 {
    /// ENUMERATED, read by hand so an unknown value is an error message, not a decode error.
    response_status: Any,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    response_bytes: Option<ResponseBytes>,
}

#[derive(Clone, Debug, Sequence)]
struct ResponseBytes {
    response_type: ObjectIdentifier,
    response: OctetString,
}

#[derive(Clone, Debug, Sequence)]
struct BasicOcspResponse {
    tbs_response_data: Any,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    certs: Option<Vec<Any>>,
}

#[derive(Clone, Debug, Sequence)]
struct ResponseData {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    version: Option<u8>,
    /// `ResponderID ::= CHOICE { byName [1] Name, byKey [2] KeyHash }` (explicit tags).
    responder_id: Any,
    produced_at: GeneralizedTime,
    responses: Vec<SingleResponse>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    response_extensions: Option<Vec<Extension>>,
}

#[derive(Clone, Debug, Sequence)]
struct SingleResponse {
    cert_id: CertId,
    /// `CertStatus ::= CHOICE { good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo,
    /// unknown [2] IMPLICIT UnknownInfo }`.
    cert_status: Any,
    this_update: GeneralizedTime,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    next_update: Option<GeneralizedTime>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    single_extensions: Option<Vec<Extension>>,
}

#[derive(Clone, Debug, Sequence)]
struct RevokedInfo {
    revocation_time: GeneralizedTime,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    revocation_reason: Option<Any>,
}

fn malformed(detail: impl Into<String>) -> RevocationError {
    RevocationError::Malformed {
        what: WHAT,
        detail: detail.into(),
    }
}

/// A request ready to POST, with what the answer must match.
#[derive(Clone, Debug)]
pub struct OcspRequest {
    pub der: Vec<u8>,
    pub cert_id: CertId,
    pub nonce: Option<Vec<u8>>,
}

fn key_bits(c: &Cert) -> &[u8] {
    c.x509()
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes()
}

fn hash_with(alg: &ObjectIdentifier, data: &[u8]) -> Option<Vec<u8>> {
    if *alg == OID_SHA1 {
        Some(sha1::Sha1::digest(data).to_vec())
    } else if *alg == OID_SHA256 {
        Some(sha2::Sha256::digest(data).to_vec())
    } else {
        None
    }
}

/// The SHA-1 CertID of `cert` issued by `issuer` (RFC 6960 §4.1.1).
pub fn cert_id(cert: &Cert, issuer: &Cert) -> Result<CertId, RevocationError> {
    let enc = |e: der::Error| malformed(e.to_string());
    Ok(CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: OID_SHA1,
            parameters: Some(Any::encode_from(&Null).map_err(enc)?),
        },
        issuer_name_hash: OctetString::new(sha1::Sha1::digest(issuer.subject_der()).to_vec())
            .map_err(enc)?,
        issuer_key_hash: OctetString::new(sha1::Sha1::digest(key_bits(issuer)).to_vec())
            .map_err(enc)?,
        serial_number: Int::new(cert.x509().tbs_certificate().serial_number().as_bytes())
            .map_err(enc)?,
    })
}

/// Builds a request for `cert`; with `nonce`, a 16-byte random nonce the answer must echo
/// if it carries one.
pub fn build_request(
    cert: &Cert,
    issuer: &Cert,
    nonce: bool,
) -> Result<OcspRequest, RevocationError> {
    let enc = |e: der::Error| malformed(e.to_string());
    let id = cert_id(cert, issuer)?;
    let nonce_bytes = if nonce {
        let mut n = [0u8; 16];
        rand::Rng::fill_bytes(&mut rand::rng(), &mut n);
        Some(n.to_vec())
    } else {
        None
    };
    let request_extensions = match &nonce_bytes {
        Some(n) => Some(vec![Extension {
            extn_id: OID_OCSP_NONCE,
            critical: false,
            extn_value: OctetString::new(
                OctetString::new(n.clone())
                    .map_err(enc)?
                    .to_der()
                    .map_err(enc)?,
            )
            .map_err(enc)?,
        }]),
        None => None,
    };
    let req = OcspRequestAsn1 {
        tbs_request: TbsRequest {
            request_list: vec![Request {
                req_cert: id.clone(),
            }],
            request_extensions,
        },
    };
    Ok(OcspRequest {
        der: req.to_der().map_err(enc)?,
        cert_id: id,
        nonce: nonce_bytes,
    })
}

/// A verified answer about one certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcspAnswer {
    pub status: CertStatus,
    pub this_update: u64,
    pub next_update: Option<u64>,
    pub produced_at: u64,
    /// Who signed: the issuer or a delegated responder (subject).
    pub responder: String,
}

impl OcspAnswer {
    /// Until when the answer may be used.
    pub fn valid_until(&self) -> u64 {
        self.next_update
            .unwrap_or_else(|| self.this_update.saturating_add(NO_NEXT_UPDATE_SECS))
    }
}

fn status_name(code: u32) -> String {
    match code {
        1 => "malformed request".into(),
        2 => "internal error".into(),
        3 => "try later".into(),
        5 => "signature required".into(),
        6 => "unauthorized".into(),
        n => format!("status {n}"),
    }
}

fn matches_id(id: &CertId, cert: &Cert, issuer: &Cert) -> bool {
    let oid = &id.hash_algorithm.oid;
    let (Some(name), Some(key)) = (
        hash_with(oid, &issuer.subject_der()),
        hash_with(oid, key_bits(issuer)),
    ) else {
        return false;
    };
    id.issuer_name_hash.as_bytes() == name.as_slice()
        && id.issuer_key_hash.as_bytes() == key.as_slice()
        && serial_magnitude(id.serial_number.as_bytes())
            == serial_magnitude(cert.x509().tbs_certificate().serial_number().as_bytes())
}

/// Whether the ResponderID names `c` (byName: subject; byKey: SHA-1 of the key bits).
fn responder_is(responder_id: &Any, c: &Cert) -> bool {
    let Ok(der) = responder_id.to_der() else {
        return false;
    };
    match der.first() {
        Some(0xa1) => responder_id.value() == c.subject_der().as_slice(),
        Some(0xa2) => OctetString::from_der(responder_id.value())
            .is_ok_and(|k| k.as_bytes() == sha1::Sha1::digest(key_bits(c)).as_slice()),
        _ => false,
    }
}

fn parse_status(a: &Any) -> Result<CertStatus, RevocationError> {
    let der = a.to_der().map_err(|e| malformed(e.to_string()))?;
    match der.first() {
        Some(0x80) => Ok(CertStatus::Good),
        Some(0xa1) => {
            let seq = Any::new(der::Tag::Sequence, a.value().to_vec())
                .and_then(|s| s.to_der())
                .map_err(|e| malformed(e.to_string()))?;
            let info = RevokedInfo::from_der(&seq).map_err(|e| malformed(e.to_string()))?;
            let reason = match &info.revocation_reason {
                Some(r) => Some(
                    parse_enumerated(&r.to_der().map_err(|e| malformed(e.to_string()))?)
                        .ok_or_else(|| malformed("revocation reason"))?,
                ),
                None => None,
            };
            Ok(CertStatus::Revoked {
                at: info.revocation_time.to_unix_duration().as_secs(),
                reason,
            })
        }
        Some(0x82) => Ok(CertStatus::Unknown),
        _ => Err(malformed("unknown certificate status")),
    }
}

/// Parses and verifies a response to a request about `cert` (issued by `issuer`), at time
/// `at`. `nonce` is the nonce sent, if any: a response that carries a nonce must echo it.
pub fn verify_response(
    der: &[u8],
    cert: &Cert,
    issuer: &Cert,
    nonce: Option<&[u8]>,
    at: u64,
) -> Result<OcspAnswer, RevocationError> {
    if der.len() > MAX_RESPONSE_BYTES {
        return Err(malformed("too large"));
    }
    let resp = OcspResponseAsn1::from_der(der).map_err(|e| malformed(e.to_string()))?;
    let status = parse_enumerated(
        &resp
            .response_status
            .to_der()
            .map_err(|e| malformed(e.to_string()))?,
    )
    .ok_or_else(|| malformed("response status"))?;
    if status != 0 {
        return Err(RevocationError::ResponderStatus(status_name(status)));
    }
    let bytes = resp
        .response_bytes
        .ok_or_else(|| malformed("a successful response without a body"))?;
    if bytes.response_type != OID_OCSP_BASIC {
        return Err(RevocationError::Unsupported {
            what: WHAT,
            detail: format!("response type {}", bytes.response_type),
        });
    }
    let basic = BasicOcspResponse::from_der(bytes.response.as_bytes())
        .map_err(|e| malformed(e.to_string()))?;
    let tbs_der = basic
        .tbs_response_data
        .to_der()
        .map_err(|e| malformed(e.to_string()))?;
    let data = ResponseData::from_der(&tbs_der).map_err(|e| malformed(e.to_string()))?;
    if data.version.is_some_and(|v| v != 0) {
        return Err(malformed("unknown version"));
    }
    let sig = basic
        .signature
        .as_bytes()
        .ok_or_else(|| malformed("the signature has unused bits"))?;
    // Who signed: the issuer, or a delegated responder the issuer certified (§4.2.2.2).
    let responder = if responder_is(&data.responder_id, issuer) {
        verify_signed(WHAT, issuer, &basic.signature_algorithm, &tbs_der, sig)?;
        issuer.subject()
    } else {
        let mut last = RevocationError::BadSignature {
            what: WHAT,
            detail: "the responder is neither the issuer nor certified by it".into(),
        };
        let mut found = None;
        for any in basic.certs.iter().flatten() {
            let Ok(c) = any
                .to_der()
                .map_err(|_| ())
                .and_then(|d| Cert::from_der(&d).map_err(|_| ()))
            else {
                continue;
            };
            if !responder_is(&data.responder_id, &c) {
                continue;
            }
            let step = delegated_ok(&c, issuer, at)
                .and_then(|_| verify_signed(WHAT, &c, &basic.signature_algorithm, &tbs_der, sig));
            match step {
                Ok(()) => {
                    found = Some(c.subject());
                    break;
                }
                Err(e) => last = e,
            }
        }
        found.ok_or(last)?
    };
    if let Some(sent) = nonce {
        let echoed = data
            .response_extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == OID_OCSP_NONCE);
        if let Some(e) = echoed {
            let inner = OctetString::from_der(e.extn_value.as_bytes())
                .map(|o| o.as_bytes().to_vec())
                .unwrap_or_else(|_| e.extn_value.as_bytes().to_vec());
            if inner != sent {
                return Err(RevocationError::NonceMismatch);
            }
        }
    }
    let single = data
        .responses
        .iter()
        .find(|r| matches_id(&r.cert_id, cert, issuer))
        .ok_or(RevocationError::NoAnswer)?;
    let answer = OcspAnswer {
        status: parse_status(&single.cert_status)?,
        this_update: single.this_update.to_unix_duration().as_secs(),
        next_update: single.next_update.map(|t| t.to_unix_duration().as_secs()),
        produced_at: data.produced_at.to_unix_duration().as_secs(),
        responder,
    };
    if answer.this_update > at.saturating_add(SKEW_SECS) {
        return Err(RevocationError::NotYetValid {
            what: WHAT,
            this_update: rfc3339(answer.this_update),
        });
    }
    if at > answer.valid_until() {
        return Err(RevocationError::Stale {
            what: WHAT,
            next_update: rfc3339(answer.valid_until()),
        });
    }
    Ok(answer)
}

/// A delegated responder: issued by the issuer, id-kp-OCSPSigning, valid now (§4.2.2.2).
fn delegated_ok(c: &Cert, issuer: &Cert, at: u64) -> Result<(), RevocationError> {
    let bad = |detail: String| RevocationError::BadSignature { what: WHAT, detail };
    crate::pki::validate::issued_by(c, issuer)
        .map_err(|e| bad(format!("responder {}: {e}", c.subject())))?;
    if !c
        .extended_key_usage()
        .is_some_and(|v| v.iter().any(|o| o == OID_KP_OCSP_SIGNING))
    {
        return Err(bad(format!(
            "responder {} is not authorised for OCSP signing",
            c.subject()
        )));
    }
    if at < c.not_before() || at > c.not_after() {
        return Err(bad(format!(
            "responder certificate {} is outside its validity",
            c.subject()
        )));
    }
    Ok(())
}
