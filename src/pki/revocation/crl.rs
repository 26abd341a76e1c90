//! Certificate revocation lists (RFC 5280 §5): parsing (DER or PEM), verification against the
//! issuer found by path validation (§6.3.3: same issuer name, the issuer's key or a CRL signer
//! it certified, cRLSign), validity (thisUpdate/nextUpdate), the issuing distribution point's
//! scope (§5.2.5), and serial lookup with the revocation date and reason (§5.3.1).
//!
//! Delta CRLs, indirect CRLs and CRLs partitioned by reason are refused with a clear error:
//! none of them can say "not revoked" on its own.

use der::asn1::{Any, BitString};
use der::{Decode, Encode, Sequence};
use spki::AlgorithmIdentifierOwned;
use x509_cert::crl::TbsCertList;
use x509_cert::ext::pkix::IssuingDistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};

use super::{CertStatus, RevocationError, SKEW_SECS, serial_magnitude};
use crate::pki::cert::{Cert, rfc3339};
use crate::pki::keys::PublicKey;
use crate::pki::signature::{self, HashAlg};

const WHAT: &str = "CRL";
/// Largest CRL accepted, from a file or the network.
pub const MAX_CRL_BYTES: usize = 20 * 1024 * 1024;
/// How long a CRL without nextUpdate is taken as current (RFC 5280 requires nextUpdate; a
/// CRL without it is trusted for a day only).
const NO_NEXT_UPDATE_SECS: u64 = 86_400;

const OID_AKI: &str = "2.5.29.35";
const OID_CRL_NUMBER: &str = "2.5.29.20";
const OID_IDP: &str = "2.5.29.28";
const OID_DELTA_CRL_INDICATOR: &str = "2.5.29.27";
const OID_FRESHEST_CRL: &str = "2.5.29.46";
const OID_REASON_CODE: &str = "2.5.29.21";
const OID_INVALIDITY_DATE: &str = "2.5.29.24";
const OID_CERTIFICATE_ISSUER: &str = "2.5.29.29";

/// `CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue }`, with
/// the to-be-signed part kept as its exact bytes.
#[derive(Sequence)]
struct SignedCrl {
    tbs: Any,
    algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    serial: Vec<u8>,
    at: u64,
    reason: Option<u32>,
}

/// A parsed CRL. Nothing in it may be relied on before [`Crl::verify`] succeeded.
#[derive(Clone, Debug)]
pub struct Crl {
    der: Vec<u8>,
    tbs_der: Vec<u8>,
    algorithm: AlgorithmIdentifierOwned,
    signature: Vec<u8>,
    issuer_der: Vec<u8>,
    issuer: String,
    this_update: u64,
    next_update: Option<u64>,
    crl_number: Option<Vec<u8>>,
    aki: Option<Vec<u8>>,
    idp: Option<IssuingDistributionPoint>,
    entries: Vec<Entry>,
}

fn malformed(detail: impl Into<String>) -> RevocationError {
    RevocationError::Malformed {
        what: WHAT,
        detail: detail.into(),
    }
}

fn unsupported(detail: impl Into<String>) -> RevocationError {
    RevocationError::Unsupported {
        what: WHAT,
        detail: detail.into(),
    }
}

/// Reads a CRLReason extension value (`ENUMERATED`, one to four content octets).
pub(crate) fn parse_enumerated(v: &[u8]) -> Option<u32> {
    match v {
        [0x0a, len @ 1..=4, rest @ ..] if rest.len() == *len as usize => {
            Some(rest.iter().fold(0u32, |a, b| (a << 8) | u32::from(*b)))
        }
        _ => None,
    }
}

impl Crl {
    /// Parses a CRL from DER or PEM (`X509 CRL`).
    pub fn parse(data: &[u8]) -> Result<Crl, RevocationError> {
        if data.len() > MAX_CRL_BYTES {
            return Err(malformed(format!(
                "larger than {} MiB",
                MAX_CRL_BYTES / (1024 * 1024)
            )));
        }
        let trimmed = {
            let n = data.iter().take_while(|b| b.is_ascii_whitespace()).count();
            data.get(n..).unwrap_or(&[])
        };
        if trimmed.starts_with(b"-----BEGIN") {
            let text = String::from_utf8_lossy(trimmed);
            let der = crate::pki::pem_blocks(&text)
                .into_iter()
                .find(|(l, _)| l == "X509 CRL")
                .map(|(_, d)| d)
                .ok_or_else(|| malformed("no X509 CRL block in the PEM file"))?;
            return Self::from_der(&der);
        }
        Self::from_der(data)
    }

    pub fn from_der(der: &[u8]) -> Result<Crl, RevocationError> {
        let signed = SignedCrl::from_der(der).map_err(|e| malformed(e.to_string()))?;
        let tbs_der = signed.tbs.to_der().map_err(|e| malformed(e.to_string()))?;
        let tbs: TbsCertList =
            TbsCertList::from_der(&tbs_der).map_err(|e| malformed(e.to_string()))?;
        if tbs.signature != signed.algorithm {
            return Err(malformed("the inner and outer signature algorithms differ"));
        }
        let signature = signed
            .signature
            .as_bytes()
            .ok_or_else(|| malformed("the signature has unused bits"))?
            .to_vec();
        let issuer_der = tbs.issuer.to_der().map_err(|e| malformed(e.to_string()))?;
        let mut crl = Crl {
            der: der.to_vec(),
            tbs_der,
            algorithm: signed.algorithm,
            signature,
            issuer_der,
            issuer: tbs.issuer.to_string(),
            this_update: tbs.this_update.to_unix_duration().as_secs(),
            next_update: tbs.next_update.map(|t| t.to_unix_duration().as_secs()),
            crl_number: None,
            aki: None,
            idp: None,
            entries: Vec::new(),
        };
        for ext in tbs.crl_extensions.iter().flatten() {
            let value = ext.extn_value.as_bytes();
            match ext.extn_id.to_string().as_str() {
                OID_AKI => {
                    let aki = x509_cert::ext::pkix::AuthorityKeyIdentifier::from_der(value)
                        .map_err(|e| malformed(format!("authority key identifier: {e}")))?;
                    crl.aki = aki.key_identifier.map(|k| k.as_bytes().to_vec());
                }
                OID_CRL_NUMBER => {
                    let n = x509_cert::ext::pkix::CrlNumber::from_der(value)
                        .map_err(|e| malformed(format!("CRL number: {e}")))?;
                    crl.crl_number = Some(n.0.as_bytes().to_vec());
                }
                OID_IDP => {
                    let idp = IssuingDistributionPoint::from_der(value)
                        .map_err(|e| malformed(format!("issuing distribution point: {e}")))?;
                    if idp.indirect_crl {
                        return Err(unsupported("indirect CRL"));
                    }
                    if idp.only_contains_attribute_certs {
                        return Err(unsupported("attribute certificates only"));
                    }
                    if idp.only_some_reasons.is_some() {
                        return Err(unsupported("partitioned by revocation reason"));
                    }
                    crl.idp = Some(idp);
                }
                OID_DELTA_CRL_INDICATOR => return Err(unsupported("delta CRL")),
                OID_FRESHEST_CRL => {}
                other if ext.critical => {
                    return Err(unsupported(format!("critical extension {other}")));
                }
                _ => {}
            }
        }
        for rc in tbs.revoked_certificates.iter().flatten() {
            let mut reason = None;
            for ext in rc.crl_entry_extensions.iter().flatten() {
                match ext.extn_id.to_string().as_str() {
                    OID_REASON_CODE => {
                        reason = Some(
                            parse_enumerated(ext.extn_value.as_bytes())
                                .ok_or_else(|| malformed("reason code"))?,
                        );
                    }
                    OID_INVALIDITY_DATE => {}
                    OID_CERTIFICATE_ISSUER => return Err(unsupported("indirect CRL entries")),
                    other if ext.critical => {
                        return Err(unsupported(format!("critical entry extension {other}")));
                    }
                    _ => {}
                }
            }
            crl.entries.push(Entry {
                serial: serial_magnitude(rc.serial_number.as_bytes()).to_vec(),
                at: rc.revocation_date.to_unix_duration().as_secs(),
                reason,
            });
        }
        Ok(crl)
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The issuer's distinguished name, DER.
    pub fn issuer_der(&self) -> &[u8] {
        &self.issuer_der
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn this_update(&self) -> u64 {
        self.this_update
    }

    pub fn next_update(&self) -> Option<u64> {
        self.next_update
    }

    /// Until when this CRL may be used: nextUpdate, or a day after thisUpdate without one.
    pub fn valid_until(&self) -> u64 {
        self.next_update
            .unwrap_or_else(|| self.this_update.saturating_add(NO_NEXT_UPDATE_SECS))
    }

    /// The CRL number (big-endian magnitude), when present.
    pub fn crl_number(&self) -> Option<&[u8]> {
        self.crl_number.as_deref()
    }

    pub fn revoked_count(&self) -> usize {
        self.entries.len()
    }

    /// Checks that `issuer` (the certificate path validation found as the issuer of the
    /// certificates this CRL is for) or a CRL signer it certified (one of `signers`: same
    /// name, cRLSign, issued by `issuer`) signed this CRL. Time is not checked here; see
    /// [`Crl::check_time`].
    pub fn verify_signature(&self, issuer: &Cert, signers: &[Cert]) -> Result<(), RevocationError> {
        if self.issuer_der != issuer.subject_der() {
            return Err(RevocationError::WrongIssuer { what: WHAT });
        }
        let direct = self.signed_by(issuer);
        if direct.is_ok() {
            return Ok(());
        }
        for s in signers {
            if s == issuer || s.subject_der() != self.issuer_der {
                continue;
            }
            if crate::pki::validate::issued_by(s, issuer).is_ok() && self.signed_by(s).is_ok() {
                return Ok(());
            }
        }
        direct
    }

    fn signed_by(&self, signer: &Cert) -> Result<(), RevocationError> {
        if let Some(ku) = signer.key_usage()
            && !ku.crl_sign()
        {
            return Err(RevocationError::BadSignature {
                what: WHAT,
                detail: format!("{} may not sign CRLs", signer.subject()),
            });
        }
        if let (Some(aki), Some(ski)) = (&self.aki, signer.subject_key_id())
            && *aki != ski
        {
            return Err(RevocationError::BadSignature {
                what: WHAT,
                detail: "authority key identifier does not match".into(),
            });
        }
        verify_signed(
            WHAT,
            signer,
            &self.algorithm,
            &self.tbs_der,
            &self.signature,
        )
    }

    /// thisUpdate not in the future (beyond [`SKEW_SECS`]), nextUpdate not passed.
    pub fn check_time(&self, at: u64) -> Result<(), RevocationError> {
        if self.this_update > at.saturating_add(SKEW_SECS) {
            return Err(RevocationError::NotYetValid {
                what: WHAT,
                this_update: rfc3339(self.this_update),
            });
        }
        if at > self.valid_until() {
            return Err(RevocationError::Stale {
                what: WHAT,
                next_update: rfc3339(self.valid_until()),
            });
        }
        Ok(())
    }

    /// Whether this CRL's scope (issuing distribution point, RFC 5280 §5.2.5) includes `cert`:
    /// user-only CRLs do not cover CAs and CA-only CRLs do not cover end entities; a CRL
    /// naming its distribution point covers only certificates that point at it.
    pub fn covers(&self, cert: &Cert) -> bool {
        if cert.issuer_der() != self.issuer_der {
            return false;
        }
        let Some(idp) = &self.idp else {
            return true;
        };
        if idp.only_contains_user_certs && cert.is_ca() {
            return false;
        }
        if idp.only_contains_ca_certs && !cert.is_ca() {
            return false;
        }
        match &idp.distribution_point {
            None => {}
            // A CRL naming its distribution point is partitioned (§6.3.3 (b)(2)(i)): it covers
            // only certificates whose own CRL distribution point names the same place; a
            // certificate naming none is covered only by a complete CRL.
            Some(DistributionPointName::FullName(names)) => {
                let idp_urls: Vec<String> = names
                    .iter()
                    .filter_map(|n| match n {
                        GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
                        _ => None,
                    })
                    .collect();
                if !super::crl_urls(cert).iter().any(|u| idp_urls.contains(u)) {
                    return false;
                }
            }
            Some(DistributionPointName::NameRelativeToCRLIssuer(_)) => return false,
        }
        true
    }

    /// The status of the certificate with this serial (DER INTEGER content octets).
    pub fn lookup(&self, serial: &[u8]) -> CertStatus {
        let want = serial_magnitude(serial);
        match self.entries.iter().find(|e| e.serial == want) {
            // removeFromCRL (8) appears only in delta CRLs, which are refused above.
            Some(e) => CertStatus::Revoked {
                at: e.at,
                reason: e.reason,
            },
            None => CertStatus::Good,
        }
    }

    /// The status of `cert` (its serial; the caller checked [`Crl::covers`]).
    pub fn status_of(&self, cert: &Cert) -> CertStatus {
        self.lookup(cert.x509().tbs_certificate().serial_number().as_bytes())
    }
}

/// Verifies a signature made by `signer` over `tbs` (SHA-1 refused, as for certificates).
pub(crate) fn verify_signed(
    what: &'static str,
    signer: &Cert,
    alg: &AlgorithmIdentifierOwned,
    tbs: &[u8],
    sig: &[u8],
) -> Result<(), RevocationError> {
    let bad = |detail: String| RevocationError::BadSignature { what, detail };
    let pk = PublicKey::from_spki_der(&signer.spki_der()).map_err(|e| bad(e.to_string()))?;
    if signature::implied_hash(alg, None) == Some(HashAlg::Sha1) {
        return Err(bad("SHA-1 signatures are not accepted".into()));
    }
    signature::verify(&pk, alg, None, tbs, sig).map_err(|e| match e {
        signature::SigError::Unsupported(a) => bad(format!("unsupported algorithm {a}")),
        _ => bad(format!(
            "the signature does not verify with {}",
            signer.subject()
        )),
    })
}
