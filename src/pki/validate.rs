//! Certification path building and validation for S/MIME (RFC 5280 §6, RFC 8550 §4).
//!
//! Anchors are Mozilla's email-trust roots ([`mozilla_email_roots`], CCADB snapshot, with the
//! S/MIME distrust-after dates Mozilla applies outside the certificates) plus the certificates
//! the user trusted explicitly. Intermediates come from the caller (store, message, `.p12`).
//!
//! A path is built depth-first from the end entity towards an anchor (names compared per
//! RFC 5280 §7.1, so case and whitespace differences chain), and every complete candidate is
//! then checked as a whole:
//! - the algorithm policy ([`crate::policy::algorithms`]): key sizes, MD5, dated SHA-1;
//! - each certificate's signature by the next one (§6.1.3 (a)(1));
//! - validity at the validation time (§6.1.3 (a)(2));
//! - critical extensions we do not understand (§6.1.4 (o)): refused;
//! - CA certificates: basicConstraints cA, keyCertSign, pathLenConstraint counting only
//!   non-self-issued intermediates (§6.1.4 (k), (l), (m), (n));
//! - name constraints (§4.2.1.10, §6.1.3 (b)/(c)) for rfc822Name (also the subject's
//!   emailAddress), dNSName, directoryName, URI and iPAddress; a constrained name form we
//!   cannot process fails closed;
//! - Mozilla's distrust-after date for S/MIME when the anchor is a built-in root.
//!
//! Not processed: certificate policies (the PKITS default inputs: any-policy, no explicit
//! policy required), so critical policyConstraints / policyMappings / inhibitAnyPolicy are
//! refused as not understood. Revocation is a separate step at the api level.
//!
//! [`validate_signed`] judges the path both now and at the message's signing time, so a report
//! can say "expired now, but valid when signed".

use std::sync::OnceLock;

use der::{Encode, Tagged};
use serde::Serialize;
use x509_cert::ext::pkix::constraints::name::{GeneralSubtree, NameConstraints};
use x509_cert::ext::pkix::{SubjectAltName, name::GeneralName};
use x509_cert::name::{Name, RelativeDistinguishedName};

use super::cert::{Cert, rfc3339};
use super::keys::PublicKey;
use super::signature;
use crate::policy::algorithms::{self, Refusal};

/// Longest path accepted (anchor excluded).
const MAX_PATH: usize = 8;
/// Complete candidate paths checked before giving up (hostile pools of look-alike issuers).
const MAX_CANDIDATES: usize = 64;
/// Search steps before giving up.
const MAX_STEPS: usize = 512;

const OID_EMAIL_ADDRESS_ATTR: &str = "1.2.840.113549.1.9.1";

/// Extensions we process or that never change a path's validity when critical.
const UNDERSTOOD_EXTENSIONS: &[&str] = &[
    "2.5.29.14",          // subjectKeyIdentifier
    "2.5.29.15",          // keyUsage
    "2.5.29.17",          // subjectAltName
    "2.5.29.18",          // issuerAltName
    "2.5.29.19",          // basicConstraints
    "2.5.29.30",          // nameConstraints
    "2.5.29.31",          // cRLDistributionPoints (revocation is checked elsewhere)
    "2.5.29.32",          // certificatePolicies (initial policy set = any-policy)
    "2.5.29.35",          // authorityKeyIdentifier
    "2.5.29.37",          // extKeyUsage (checked for the end entity)
    "2.5.29.46",          // freshestCRL
    "1.3.6.1.5.5.7.1.1",  // authorityInfoAccess
    "1.3.6.1.5.5.7.1.11", // subjectInfoAccess
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Sign,
    Encrypt,
}

/// Why a certificate cannot be relied upon. Each variant is its own reason; [`PathError::status`]
/// folds them into the few statuses a report shows, [`PathError::kind`] names the reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum PathError {
    #[error("the certificate {subject} expired on {not_after}")]
    Expired { subject: String, not_after: String },
    #[error("the certificate {subject} is not valid before {not_before}")]
    NotYetValid { subject: String, not_before: String },
    #[error(
        "the certificate {subject} expired on {not_after}; it was valid when the message was signed ({signed_at})"
    )]
    ExpiredSinceSigning {
        subject: String,
        not_after: String,
        signed_at: String,
    },
    #[error(
        "the message claims to be signed at {signed_at}, when the signer's path was not valid: {cause}"
    )]
    NotValidWhenSigned {
        signed_at: String,
        cause: String,
        /// The status of the failure at the signing time.
        #[serde(skip)]
        then_status: &'static str,
    },
    #[error("the certificate cannot be used for this: {reason}")]
    WrongUsage { reason: String },
    #[error("no chain to a trusted authority: no known authority issued {subject}")]
    IssuerUnknown { subject: String },
    #[error("no chain to a trusted authority: {subject} is self-signed and not trusted")]
    UntrustedRoot { subject: String },
    #[error("no chain to a trusted authority: {reason}")]
    Untrusted { reason: String },
    #[error("the signature on {subject} is not valid")]
    BadCertificateSignature { subject: String },
    #[error("{subject} is not a certification authority")]
    NotCa { subject: String },
    #[error("{subject} may not sign certificates (key usage lacks keyCertSign)")]
    CaKeyUsage { subject: String },
    #[error("the path length constraint of {subject} is exceeded")]
    PathLength { subject: String },
    #[error("{name} in {subject} is outside the name constraints of {authority}")]
    NameConstraints {
        subject: String,
        name: String,
        authority: String,
    },
    #[error("{authority} constrains {form} names, which cannot be checked ({subject} has one)")]
    UnsupportedNameConstraint {
        subject: String,
        form: String,
        authority: String,
    },
    #[error("{subject} has a critical extension that is not understood ({oid})")]
    UnknownCriticalExtension { subject: String, oid: String },
    #[error(
        "{root} is distrusted by Mozilla for e-mail certificates issued after {after}, and {subject} was issued later"
    )]
    DistrustedRoot {
        root: String,
        after: String,
        subject: String,
    },
    #[error("{subject} is signed with {algorithm}, which is never accepted")]
    Md5Signature { subject: String, algorithm: String },
    #[error("{subject} is signed with SHA-1, not accepted after {cutoff}")]
    Sha1Signature { subject: String, cutoff: String },
    #[error("{subject} is signed with an unsupported algorithm ({algorithm})")]
    UnsupportedSignatureAlgorithm { subject: String, algorithm: String },
    #[error("RSA key of {bits} bits in {subject} (at least 2048 are required)")]
    WeakKey { subject: String, bits: u32 },
}

impl PathError {
    /// The report status: expired, not-yet-valid, wrong-usage, untrusted or
    /// unsupported-algorithm.
    pub fn status(&self) -> &'static str {
        match self {
            PathError::Expired { .. } | PathError::ExpiredSinceSigning { .. } => "expired",
            PathError::NotYetValid { .. } => "not-yet-valid",
            PathError::NotValidWhenSigned { then_status, .. } => then_status,
            PathError::WrongUsage { .. } => "wrong-usage",
            PathError::Md5Signature { .. }
            | PathError::Sha1Signature { .. }
            | PathError::UnsupportedSignatureAlgorithm { .. }
            | PathError::WeakKey { .. } => "unsupported-algorithm",
            PathError::IssuerUnknown { .. }
            | PathError::UntrustedRoot { .. }
            | PathError::Untrusted { .. }
            | PathError::BadCertificateSignature { .. }
            | PathError::NotCa { .. }
            | PathError::CaKeyUsage { .. }
            | PathError::PathLength { .. }
            | PathError::NameConstraints { .. }
            | PathError::UnsupportedNameConstraint { .. }
            | PathError::UnknownCriticalExtension { .. }
            | PathError::DistrustedRoot { .. } => "untrusted",
        }
    }

    /// The precise reason, as the serde tag spells it (`name-constraints`, `path-length`, …).
    pub fn kind(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_string))
            .unwrap_or_default()
    }
}

/// Where a trust anchor comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum AnchorSource {
    /// Built in: Mozilla's root program, email trust bit.
    Mozilla,
    /// Trusted explicitly by the user.
    User,
}

/// The anchor a valid path ended at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AnchorInfo {
    /// The root's name: CCADB's name for a built-in root, else the common name or subject.
    pub name: String,
    pub source: AnchorSource,
    /// SHA-256 of the anchor certificate.
    pub fingerprint: String,
}

impl AnchorInfo {
    /// "Trusted through <root> (Mozilla root program)" or "… (trusted by you)".
    pub fn wording(&self) -> String {
        match self.source {
            AnchorSource::Mozilla => {
                format!("Trusted through {} (Mozilla root program)", self.name)
            }
            AnchorSource::User => format!("Trusted through {} (trusted by you)", self.name),
        }
    }
}

/// A built-in root with the policy Mozilla applies to it outside the certificate.
#[derive(Clone, Debug)]
pub struct BuiltinRoot {
    pub cert: Cert,
    pub name: String,
    /// End of the day after which newly issued S/MIME certificates under this root are
    /// distrusted (seconds since the epoch).
    pub distrust_smime_after: Option<u64>,
}

/// Mozilla's roots with the email trust bit, parsed once.
pub fn mozilla_email_roots() -> &'static [BuiltinRoot] {
    static ROOTS: OnceLock<Vec<BuiltinRoot>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        certval_stores_mozilla::ROOTS
            .iter()
            .filter(|r| r.email)
            .filter_map(|r| {
                let cert = Cert::from_der(r.der).ok()?;
                Some(BuiltinRoot {
                    cert,
                    name: r.common_name.to_string(),
                    distrust_smime_after: r
                        .distrust_for_smime_after
                        .and_then(parse_date)
                        .map(|d| d + 86_399),
                })
            })
            .collect()
    })
}

/// `YYYY-MM-DD` as seconds since the epoch (00:00:00Z).
fn parse_date(s: &str) -> Option<u64> {
    let mut it = s.split('-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let d: i64 = it.next()?.parse().ok()?;
    if it.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Days from civil (proleptic Gregorian), H. Hinnant's algorithm.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400).ok()
}

pub struct TrustContext<'a> {
    /// Anchors the user trusted explicitly.
    pub anchors: &'a [Cert],
    /// Built-in anchors ([`mozilla_email_roots`], or none in tests that want a closed world).
    pub builtin: &'a [BuiltinRoot],
    pub intermediates: &'a [Cert],
    /// Validation time, seconds since the epoch.
    pub at: u64,
}

impl<'a> TrustContext<'a> {
    /// The user's anchors plus Mozilla's email roots.
    pub fn new(anchors: &'a [Cert], intermediates: &'a [Cert], at: u64) -> Self {
        TrustContext {
            anchors,
            builtin: mozilla_email_roots(),
            intermediates,
            at,
        }
    }

    fn at(&self, at: u64) -> TrustContext<'a> {
        TrustContext {
            anchors: self.anchors,
            builtin: self.builtin,
            intermediates: self.intermediates,
            at,
        }
    }
}

/// A validated path: leaf first, anchor last.
#[derive(Clone, Debug)]
pub struct ValidPath {
    pub certs: Vec<Cert>,
    pub anchor: AnchorInfo,
}

#[derive(Clone, Copy)]
enum AnchorRef<'a> {
    User,
    Builtin(&'a BuiltinRoot),
}

fn anchor_info(cert: &Cert, r: AnchorRef) -> AnchorInfo {
    match r {
        AnchorRef::User => AnchorInfo {
            name: cert.common_name().unwrap_or_else(|| cert.subject()),
            source: AnchorSource::User,
            fingerprint: cert.fingerprint(),
        },
        AnchorRef::Builtin(b) => AnchorInfo {
            name: b.name.clone(),
            source: AnchorSource::Mozilla,
            fingerprint: cert.fingerprint(),
        },
    }
}

fn check_time(c: &Cert, at: u64) -> Result<(), PathError> {
    if at > c.not_after() {
        return Err(PathError::Expired {
            subject: c.subject(),
            not_after: rfc3339(c.not_after()),
        });
    }
    if at < c.not_before() {
        return Err(PathError::NotYetValid {
            subject: c.subject(),
            not_before: rfc3339(c.not_before()),
        });
    }
    Ok(())
}

fn refusal(c: &Cert, r: Refusal) -> PathError {
    let subject = c.subject();
    match r {
        Refusal::Md5 { algorithm } => PathError::Md5Signature { subject, algorithm },
        Refusal::Sha1 { cutoff } => PathError::Sha1Signature {
            subject,
            cutoff: rfc3339(cutoff),
        },
        Refusal::Unknown { algorithm } => {
            PathError::UnsupportedSignatureAlgorithm { subject, algorithm }
        }
        Refusal::RsaKeyTooSmall { bits } => PathError::WeakKey { subject, bits },
    }
}

fn check_key_policy(c: &Cert) -> Result<(), PathError> {
    algorithms::check_key(&c.key_kind()).map_err(|r| refusal(c, r))
}

/// Verifies that `issuer` signed `child` and that the names chain. No policy: callers that
/// only display a chain use this; [`validate`] adds the algorithm policy.
pub fn issued_by(child: &Cert, issuer: &Cert) -> Result<(), PathError> {
    if !names_equal(
        child.x509().tbs_certificate().issuer(),
        issuer.x509().tbs_certificate().subject(),
    ) {
        return Err(PathError::IssuerUnknown {
            subject: child.subject(),
        });
    }
    if let (Some(aki), Some(ski)) = (child.authority_key_id(), issuer.subject_key_id())
        && aki != ski
    {
        return Err(PathError::IssuerUnknown {
            subject: child.subject(),
        });
    }
    let bad = || PathError::BadCertificateSignature {
        subject: child.subject(),
    };
    let pk = PublicKey::from_spki_der(&issuer.spki_der()).map_err(|_| {
        PathError::UnsupportedSignatureAlgorithm {
            subject: child.subject(),
            algorithm: format!("key of {}", issuer.subject()),
        }
    })?;
    let alg = child.x509().signature_algorithm().clone();
    // The signature covers the TBSCertificate exactly as received: re-encoding it from the
    // decoded form can change it (a GeneralizedTime before 2050 comes back as UTCTime).
    let tbs = crate::asn1::first_child(child.der())
        .map(|t| t.raw.to_vec())
        .or_else(|_| child.x509().tbs_certificate().to_der())
        .map_err(|_| bad())?;
    let sig = child.x509().signature().raw_bytes();
    signature::verify(&pk, &alg, None, &tbs, sig).map_err(|e| match e {
        signature::SigError::Unsupported(a) => PathError::UnsupportedSignatureAlgorithm {
            subject: child.subject(),
            algorithm: a,
        },
        _ => bad(),
    })
}

/// Checks that the end entity may be used for `purpose` (RFC 8550 §4.4: KU, EKU, address).
pub fn check_usage(leaf: &Cert, purpose: Purpose) -> Result<(), PathError> {
    let problem = match purpose {
        Purpose::Sign => leaf.sign_problem(),
        Purpose::Encrypt => leaf.encrypt_problem(),
    };
    match problem {
        Some(reason) => Err(PathError::WrongUsage { reason }),
        None => Ok(()),
    }
}

/// What can be judged of an end entity without its issuers, at time `at`: fitness for
/// `purpose`, key size, the algorithm of its signature, validity, critical extensions. Used on
/// certificates that arrive alone (a profile check, the pkilint corpus); [`validate`] does
/// all of this and the path.
pub fn check_end_entity(leaf: &Cert, purpose: Purpose, at: u64) -> Result<(), PathError> {
    check_usage(leaf, purpose)?;
    check_key_policy(leaf)?;
    algorithms::check_signature_algorithm(leaf.x509().signature_algorithm(), at)
        .map_err(|r| refusal(leaf, r))?;
    check_time(leaf, at)?;
    check_critical_extensions(leaf)
}

/// Builds and validates a path from `leaf` to an anchor for `purpose`.
pub fn validate(leaf: &Cert, purpose: Purpose, ctx: &TrustContext) -> Result<ValidPath, PathError> {
    check_usage(leaf, purpose)?;
    validate_path(leaf, ctx)
}

/// [`validate`] for a signature: the path must be valid now (`ctx.at`) and at the signing
/// time when the message states one. Expired now but valid when signed is its own reason
/// ([`PathError::ExpiredSinceSigning`]); the signing time is the signer's claim, so it never
/// turns a failure now into a success.
pub fn validate_signed(
    leaf: &Cert,
    ctx: &TrustContext,
    signing_time: Option<u64>,
) -> Result<ValidPath, PathError> {
    let now = validate(leaf, Purpose::Sign, ctx);
    let Some(t) = signing_time.filter(|t| *t != ctx.at) else {
        return now;
    };
    let then = validate(leaf, Purpose::Sign, &ctx.at(t));
    match (now, then) {
        (Ok(p), Ok(_)) => Ok(p),
        (Ok(_), Err(e)) => Err(PathError::NotValidWhenSigned {
            signed_at: rfc3339(t),
            cause: e.to_string(),
            then_status: e.status(),
        }),
        (Err(PathError::Expired { subject, not_after }), Ok(_)) if t < ctx.at => {
            Err(PathError::ExpiredSinceSigning {
                subject,
                not_after,
                signed_at: rfc3339(t),
            })
        }
        (Err(e), _) => Err(e),
    }
}

/// [`validate`] without the end entity's usage check: key policy, validity and the path to an
/// anchor (what a self-test reports separately from signing and encryption fitness).
pub fn validate_path(leaf: &Cert, ctx: &TrustContext) -> Result<ValidPath, PathError> {
    check_key_policy(leaf)?;
    check_time(leaf, ctx.at)?;
    if ctx.anchors.iter().any(|a| a == leaf) {
        return Ok(ValidPath {
            certs: vec![leaf.clone()],
            anchor: anchor_info(leaf, AnchorRef::User),
        });
    }
    if let Some(b) = ctx.builtin.iter().find(|b| &b.cert == leaf) {
        return Ok(ValidPath {
            certs: vec![leaf.clone()],
            anchor: anchor_info(leaf, AnchorRef::Builtin(b)),
        });
    }
    let mut search = Search {
        ctx,
        first_error: None,
        dead_end: None,
        candidates: 0,
        steps: 0,
    };
    let mut path = vec![leaf.clone()];
    if let Some(p) = search.extend(&mut path) {
        return Ok(p);
    }
    Err(search.first_error.unwrap_or_else(|| match search.dead_end {
        Some(top) if top.is_self_issued() => PathError::UntrustedRoot {
            subject: top.subject(),
        },
        Some(top) => PathError::IssuerUnknown {
            subject: top.subject(),
        },
        None => PathError::IssuerUnknown {
            subject: leaf.subject(),
        },
    }))
}

struct Search<'c, 'a> {
    ctx: &'c TrustContext<'a>,
    /// The most specific failure of a complete candidate path ([`rank`]).
    first_error: Option<PathError>,
    /// The first certificate whose issuer was not found.
    dead_end: Option<Cert>,
    candidates: usize,
    steps: usize,
}

impl Search<'_, '_> {
    fn extend(&mut self, path: &mut Vec<Cert>) -> Option<ValidPath> {
        self.steps += 1;
        if self.steps > MAX_STEPS || self.candidates >= MAX_CANDIDATES {
            return None;
        }
        let current = path.last()?.clone();
        let issuer_name = current.x509().tbs_certificate().issuer();
        let ctx = self.ctx;
        let anchors = ctx
            .anchors
            .iter()
            .map(|c| (c, AnchorRef::User))
            .chain(ctx.builtin.iter().map(|b| (&b.cert, AnchorRef::Builtin(b))));
        let mut found_any = false;
        for (anchor, r) in anchors {
            if path.contains(anchor)
                || !names_equal(anchor.x509().tbs_certificate().subject(), issuer_name)
                || !key_ids_agree(&current, anchor)
            {
                continue;
            }
            found_any = true;
            if self.candidates >= MAX_CANDIDATES {
                return None;
            }
            self.candidates += 1;
            path.push(anchor.clone());
            let result = check_path(path, r, ctx.at);
            match result {
                Ok(()) => {
                    return Some(ValidPath {
                        certs: path.clone(),
                        anchor: anchor_info(anchor, r),
                    });
                }
                Err(e) => {
                    // The most specific failure wins: one found on a path whose signatures
                    // all verified says more than "this issuer did not sign it".
                    if self.first_error.as_ref().is_none_or(|f| rank(&e) > rank(f)) {
                        self.first_error = Some(e);
                    }
                }
            }
            path.pop();
        }
        if path.len() <= MAX_PATH {
            for cand in ctx.intermediates {
                if path.contains(cand)
                    || !names_equal(cand.x509().tbs_certificate().subject(), issuer_name)
                    || !key_ids_agree(&current, cand)
                {
                    continue;
                }
                found_any = true;
                path.push(cand.clone());
                if let Some(p) = self.extend(path) {
                    return Some(p);
                }
                path.pop();
            }
        }
        if !found_any && self.dead_end.is_none() {
            self.dead_end = Some(current);
        }
        None
    }
}

/// How much a failure says about a path: chaining failures least.
fn rank(e: &PathError) -> u8 {
    match e {
        PathError::IssuerUnknown { .. } | PathError::UntrustedRoot { .. } => 0,
        PathError::BadCertificateSignature { .. } => 1,
        _ => 2,
    }
}

/// Whether `cand`'s key identifier can be the one `child` names (a hint, RFC 5280 §4.2.1.1).
fn key_ids_agree(child: &Cert, cand: &Cert) -> bool {
    match (child.authority_key_id(), cand.subject_key_id()) {
        (Some(aki), Some(ski)) => aki == ski,
        _ => true,
    }
}

/// RFC 5280 §6.1 over a complete path (leaf first, anchor last) at time `at`. Every link's
/// signature is checked before anything else, so that any later failure belongs to a path
/// that really chains.
fn check_path(path: &[Cert], anchor: AnchorRef, at: u64) -> Result<(), PathError> {
    let n = path.len();
    let Some(root) = path.last() else {
        return Err(PathError::Untrusted {
            reason: "empty path".into(),
        });
    };
    for c in path {
        check_key_policy(c)?;
    }
    // The anchor's own signature and validity are not relied on (RFC 5280 §6.1.1 (d)); what
    // it states about itself as a CA is honoured.
    if let Some((_, bc)) = root
        .x509()
        .tbs_certificate()
        .get_extension::<x509_cert::ext::pkix::BasicConstraints>()
        .ok()
        .flatten()
        && !bc.ca
    {
        return Err(PathError::NotCa {
            subject: root.subject(),
        });
    }
    if let Some(ku) = root.key_usage()
        && !ku.key_cert_sign()
    {
        return Err(PathError::CaKeyUsage {
            subject: root.subject(),
        });
    }
    // From the anchor down (§6.1.3).
    for i in (0..n - 1).rev() {
        let (cert, issuer) = (&path[i], &path[i + 1]);
        algorithms::check_signature_algorithm(cert.x509().signature_algorithm(), at)
            .map_err(|r| refusal(cert, r))?;
        issued_by(cert, issuer)?;
    }
    for i in (0..n - 1).rev() {
        let cert = &path[i];
        check_time(cert, at)?;
        check_critical_extensions(cert)?;
        if i >= 1 {
            if !cert.is_ca() {
                return Err(PathError::NotCa {
                    subject: cert.subject(),
                });
            }
            if let Some(ku) = cert.key_usage()
                && !ku.key_cert_sign()
            {
                return Err(PathError::CaKeyUsage {
                    subject: cert.subject(),
                });
            }
        }
    }
    // pathLenConstraint: non-self-issued intermediates below each CA (§6.1.4 (l), (m)).
    for k in 1..n {
        if let Some(max) = path[k].path_len() {
            let below = (1..k).filter(|&j| !path[j].is_self_issued()).count();
            if below > max as usize {
                return Err(PathError::PathLength {
                    subject: path[k].subject(),
                });
            }
        }
    }
    // Name constraints of every CA (anchor included) on every certificate below it, except
    // self-issued intermediates (§6.1.3 (b)).
    for k in 1..n {
        let Some(nc) = name_constraints(&path[k])? else {
            continue;
        };
        for (j, cert) in path.iter().enumerate().take(k) {
            if j >= 1 && cert.is_self_issued() {
                continue;
            }
            check_name_constraints(cert, &nc, &path[k])?;
        }
    }
    if let AnchorRef::Builtin(b) = anchor
        && let Some(after) = b.distrust_smime_after
        && path[0].not_before() > after
    {
        return Err(PathError::DistrustedRoot {
            root: b.name.clone(),
            after: rfc3339(after),
            subject: path[0].subject(),
        });
    }
    Ok(())
}

fn check_critical_extensions(c: &Cert) -> Result<(), PathError> {
    for ext in c
        .x509()
        .tbs_certificate()
        .extensions()
        .into_iter()
        .flatten()
    {
        let oid = ext.extn_id.to_string();
        if ext.critical && !UNDERSTOOD_EXTENSIONS.contains(&oid.as_str()) {
            return Err(PathError::UnknownCriticalExtension {
                subject: c.subject(),
                oid,
            });
        }
    }
    Ok(())
}

/// The CA's name constraints; an extension that does not decode fails closed.
fn name_constraints(ca: &Cert) -> Result<Option<NameConstraints>, PathError> {
    match ca
        .x509()
        .tbs_certificate()
        .get_extension::<NameConstraints>()
    {
        Ok(found) => Ok(found.map(|(_, nc)| nc)),
        Err(_) => Err(PathError::UnsupportedNameConstraint {
            subject: ca.subject(),
            form: "undecodable".into(),
            authority: ca.subject(),
        }),
    }
}

/// The name forms of RFC 5280 §4.2.1.10 we process.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Rfc822,
    Dns,
    Directory,
    Uri,
    Ip,
    Other,
}

fn form_of(g: &GeneralName) -> Form {
    match g {
        GeneralName::Rfc822Name(_) => Form::Rfc822,
        GeneralName::DnsName(_) => Form::Dns,
        GeneralName::DirectoryName(_) => Form::Directory,
        GeneralName::UniformResourceIdentifier(_) => Form::Uri,
        GeneralName::IpAddress(_) => Form::Ip,
        _ => Form::Other,
    }
}

fn form_label(g: &GeneralName) -> &'static str {
    match g {
        GeneralName::OtherName(_) => "otherName",
        GeneralName::Rfc822Name(_) => "rfc822Name",
        GeneralName::DnsName(_) => "dNSName",
        GeneralName::DirectoryName(_) => "directoryName",
        GeneralName::EdiPartyName(_) => "ediPartyName",
        GeneralName::UniformResourceIdentifier(_) => "URI",
        GeneralName::IpAddress(_) => "iPAddress",
        GeneralName::RegisteredId(_) => "registeredID",
    }
}

/// The names of `cert` that name constraints apply to: the subject DN (when not empty), the
/// subject's emailAddress attributes as rfc822Names, and every subjectAltName.
fn constrained_names(cert: &Cert) -> Result<Vec<GeneralName>, PathError> {
    let tbs = cert.x509().tbs_certificate();
    let mut out = Vec::new();
    if !tbs.subject().is_empty() {
        out.push(GeneralName::DirectoryName(tbs.subject().clone()));
    }
    for atv in tbs.subject().iter() {
        if atv.oid.to_string() == OID_EMAIL_ADDRESS_ATTR {
            match atv.value.decode_as::<der::asn1::Ia5String>() {
                Ok(s) => out.push(GeneralName::Rfc822Name(s)),
                Err(_) => {
                    return Err(PathError::NameConstraints {
                        subject: cert.subject(),
                        name: "a malformed emailAddress".into(),
                        authority: "RFC 5280".into(),
                    });
                }
            }
        }
    }
    match tbs.get_extension::<SubjectAltName>() {
        Ok(Some((_, san))) => out.extend(san.0),
        Ok(None) => {}
        // A SAN we cannot read may hide a constrained name: fail closed.
        Err(_) => {
            return Err(PathError::UnsupportedNameConstraint {
                subject: cert.subject(),
                form: "undecodable subjectAltName".into(),
                authority: cert.issuer(),
            });
        }
    }
    Ok(out)
}

/// RFC 5280 §4.2.1.10: every name of a form the CA constrains must lie in one of its
/// permitted subtrees of that form (when it has any) and in none of its excluded subtrees.
fn check_name_constraints(cert: &Cert, nc: &NameConstraints, ca: &Cert) -> Result<(), PathError> {
    let permitted: &[GeneralSubtree] = nc.permitted_subtrees.as_deref().unwrap_or(&[]);
    let excluded: &[GeneralSubtree] = nc.excluded_subtrees.as_deref().unwrap_or(&[]);
    for name in constrained_names(cert)? {
        let form = form_of(&name);
        let of_form = |t: &&GeneralSubtree| form_of(&t.base) == form;
        let perm: Vec<&GeneralSubtree> = permitted.iter().filter(of_form).collect();
        let excl: Vec<&GeneralSubtree> = excluded.iter().filter(of_form).collect();
        if perm.is_empty() && excl.is_empty() {
            continue;
        }
        let unsupported = || PathError::UnsupportedNameConstraint {
            subject: cert.subject(),
            form: form_label(&name).into(),
            authority: ca.subject(),
        };
        if form == Form::Other
            || perm
                .iter()
                .chain(excl.iter())
                .any(|t| t.minimum != 0 || t.maximum.is_some())
        {
            return Err(unsupported());
        }
        let violation = || PathError::NameConstraints {
            subject: cert.subject(),
            name: describe_name(&name),
            authority: ca.subject(),
        };
        let mut within_permitted = perm.is_empty();
        for t in &perm {
            match within(&name, &t.base) {
                Some(true) => within_permitted = true,
                Some(false) => {}
                None => return Err(violation()),
            }
        }
        if !within_permitted {
            return Err(violation());
        }
        for t in &excl {
            match within(&name, &t.base) {
                Some(false) => {}
                // Inside an excluded subtree, or a name we cannot judge: refused.
                _ => return Err(violation()),
            }
        }
    }
    Ok(())
}

fn describe_name(g: &GeneralName) -> String {
    match g {
        GeneralName::Rfc822Name(s) => format!("e-mail address {s}"),
        GeneralName::DnsName(s) => format!("DNS name {s}"),
        GeneralName::UniformResourceIdentifier(s) => format!("URI {s}"),
        GeneralName::DirectoryName(n) => format!("name {n}"),
        GeneralName::IpAddress(o) => format!("IP address {}", hex::encode(o.as_bytes())),
        other => form_label(other).to_string(),
    }
}

/// Whether `name` lies within the subtree `base` (same form). None: the name is malformed
/// for its form, which the caller treats as a violation.
fn within(name: &GeneralName, base: &GeneralName) -> Option<bool> {
    match (name, base) {
        (GeneralName::Rfc822Name(n), GeneralName::Rfc822Name(b)) => {
            rfc822_within(n.as_str(), b.as_str())
        }
        (GeneralName::DnsName(n), GeneralName::DnsName(b)) => {
            Some(dns_within(n.as_str(), b.as_str()))
        }
        (GeneralName::UniformResourceIdentifier(n), GeneralName::UniformResourceIdentifier(b)) => {
            let host = uri_host(n.as_str())?;
            Some(host_within(&host, b.as_str()))
        }
        (GeneralName::DirectoryName(n), GeneralName::DirectoryName(b)) => Some(dn_within(n, b)),
        (GeneralName::IpAddress(n), GeneralName::IpAddress(b)) => {
            ip_within(n.as_bytes(), b.as_bytes())
        }
        _ => Some(false),
    }
}

/// rfc822Name constraints: a mailbox ("a@host"), every mailbox at a host ("host"), or every
/// mailbox in the subdomains of a domain (".domain"). Domains compare case-insensitively.
fn rfc822_within(addr: &str, constraint: &str) -> Option<bool> {
    let (local, domain) = addr.rsplit_once('@')?;
    if local.is_empty() || domain.is_empty() {
        return None;
    }
    Some(if let Some((cl, cd)) = constraint.rsplit_once('@') {
        cl == local && cd.eq_ignore_ascii_case(domain)
    } else if constraint.starts_with('.') {
        ends_with_ignore_case(domain, constraint)
    } else {
        domain.eq_ignore_ascii_case(constraint)
    })
}

/// dNSName constraints: the name itself or any name with labels added on the left; a
/// leading "." admits only the subdomains; an empty constraint admits every name.
fn dns_within(name: &str, constraint: &str) -> bool {
    let name = name.trim_end_matches('.');
    let constraint = constraint.trim_end_matches('.');
    if constraint.is_empty() {
        return true;
    }
    if constraint.starts_with('.') {
        return ends_with_ignore_case(name, constraint);
    }
    name.eq_ignore_ascii_case(constraint) || ends_with_ignore_case(name, &format!(".{constraint}"))
}

/// URI constraints name a host ("host") or the hosts of a domain (".domain").
fn host_within(host: &str, constraint: &str) -> bool {
    if constraint.starts_with('.') {
        ends_with_ignore_case(host, constraint)
    } else {
        host.eq_ignore_ascii_case(constraint)
    }
}

fn ends_with_ignore_case(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len()
        && s.is_char_boundary(s.len() - suffix.len())
        && s[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

/// The host of a URI with an authority (`scheme://[user@]host[:port]/…`); None without one
/// (RFC 5280: such a URI cannot satisfy a host constraint).
fn uri_host(uri: &str) -> Option<String> {
    let (_, rest) = uri.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(stripped) = hostport.strip_prefix('[') {
        stripped.split(']').next()?
    } else {
        hostport.split(':').next()?
    };
    if host.is_empty() {
        None
    } else {
        Some(host.to_string())
    }
}

/// iPAddress constraints: address and mask, 8 bytes for IPv4, 32 for IPv6 (§4.2.1.10).
fn ip_within(addr: &[u8], constraint: &[u8]) -> Option<bool> {
    let n = addr.len();
    if n != 4 && n != 16 {
        return None;
    }
    if constraint.len() != 2 * n {
        return Some(false);
    }
    let (net, mask) = constraint.split_at(n);
    Some(
        addr.iter()
            .zip(net)
            .zip(mask)
            .all(|((a, n), m)| a & m == n & m),
    )
}

/// A directoryName lies within a subtree when the subtree's RDNs are its leading RDNs.
fn dn_within(name: &Name, base: &Name) -> bool {
    let n: Vec<&RelativeDistinguishedName> = name.iter_rdn().collect();
    let b: Vec<&RelativeDistinguishedName> = base.iter_rdn().collect();
    b.len() <= n.len() && b.iter().zip(&n).all(|(x, y)| rdn_equal(x, y))
}

/// Name equality per RFC 5280 §7.1: same RDNs in the same order; attribute values compared
/// as strings after case folding and whitespace compression (a simplified LDAP StringPrep),
/// whatever their string type; other values byte for byte.
pub fn names_equal(a: &Name, b: &Name) -> bool {
    if a == b {
        return true;
    }
    a.len() == b.len() && a.iter_rdn().zip(b.iter_rdn()).all(|(x, y)| rdn_equal(x, y))
}

fn rdn_equal(a: &RelativeDistinguishedName, b: &RelativeDistinguishedName) -> bool {
    a.len() == b.len()
        && a.iter().all(|x| {
            b.iter()
                .any(|y| x.oid == y.oid && attribute_values_equal(&x.value, &y.value))
        })
}

fn attribute_values_equal(a: &der::Any, b: &der::Any) -> bool {
    if a == b {
        return true;
    }
    match (directory_string(a), directory_string(b)) {
        (Some(x), Some(y)) => fold(&x) == fold(&y),
        _ => false,
    }
}

/// The text of a DirectoryString-like value, whatever its string type.
fn directory_string(v: &der::Any) -> Option<String> {
    let bytes = v.value();
    match v.tag().number().value() {
        // UTF8String, PrintableString, IA5String, VisibleString
        12 | 19 | 22 | 26 => std::str::from_utf8(bytes).ok().map(str::to_string),
        // TeletexString: read as Latin-1 (what it holds in practice)
        20 => Some(bytes.iter().map(|&c| c as char).collect()),
        // BMPString: UTF-16BE
        30 => {
            if !bytes.len().is_multiple_of(2) {
                return None;
            }
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        // UniversalString: UTF-32BE
        28 => {
            if !bytes.len().is_multiple_of(4) {
                return None;
            }
            bytes
                .chunks_exact(4)
                .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
                .collect()
        }
        _ => None,
    }
}

fn fold(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    //! Every failure reason on a generated PKI, with a fixed clock.

    use std::str::FromStr;
    use std::time::Duration;

    use ::signature::hazmat::PrehashSigner;
    use der::asn1::{Any, BitString, Ia5String, ObjectIdentifier, OctetString, UtcTime};
    use der::{DateTime, Decode, Encode, Sequence};
    use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
    use x509_cert::ext::pkix::{
        AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
        SubjectKeyIdentifier,
    };
    use x509_cert::ext::{Extension, Extensions};
    use x509_cert::serial_number::SerialNumber;
    use x509_cert::time::{Time, Validity};

    use super::*;
    use crate::pki::keys::{KeyKind, PrivateKey};
    use crate::policy::algorithms::SHA1_CUTOFF;

    const NOW: u64 = 1_800_000_000; // 2027-01-15
    const YEAR: u64 = 365 * 86_400;
    const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
    const ECDSA_SHA1: &str = "1.2.840.10045.4.1";

    #[derive(Sequence)]
    struct Tbs {
        #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
        version: x509_cert::Version,
        serial_number: SerialNumber,
        signature: AlgorithmIdentifierOwned,
        issuer: Name,
        validity: Validity,
        subject: Name,
        subject_public_key_info: SubjectPublicKeyInfoOwned,
        #[asn1(context_specific = "3", tag_mode = "EXPLICIT")]
        extensions: Extensions,
    }

    #[derive(Sequence)]
    struct Signed {
        tbs: Any,
        algorithm: AlgorithmIdentifierOwned,
        signature: BitString,
    }

    enum Sig {
        Good,
        /// A genuine ECDSA-SHA256 signature by the issuer, over other bytes.
        Wrong,
        Sha1,
        /// This algorithm OID over a signature of zeros.
        Claimed(&'static str),
    }

    struct Spec {
        dn: String,
        /// The issuer name to write, when not the issuer's subject as encoded.
        issuer_dn: Option<String>,
        emails: Vec<&'static str>,
        /// Some(pathLen) makes a CA.
        ca: Option<Option<u8>>,
        ku: Option<KeyUsage>,
        eku: Option<Vec<&'static str>>,
        nc: Option<NameConstraints>,
        san: Vec<GeneralName>,
        extra: Vec<Extension>,
        not_before: u64,
        not_after: u64,
        sig: Sig,
    }

    fn spec(cn: &str) -> Spec {
        Spec {
            dn: format!("CN={cn},O=Sealpost Tests"),
            issuer_dn: None,
            emails: Vec::new(),
            ca: None,
            ku: None,
            eku: None,
            nc: None,
            san: Vec::new(),
            extra: Vec::new(),
            not_before: NOW - YEAR,
            not_after: NOW + YEAR,
            sig: Sig::Good,
        }
    }

    fn ca_spec(cn: &str) -> Spec {
        Spec {
            ca: Some(None),
            ku: Some(KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign)),
            not_before: NOW - 5 * YEAR,
            not_after: NOW + 5 * YEAR,
            ..spec(cn)
        }
    }

    fn leaf_spec(cn: &str, email: &'static str) -> Spec {
        Spec {
            emails: vec![email],
            ku: Some(KeyUsage(
                KeyUsages::DigitalSignature | KeyUsages::KeyAgreement,
            )),
            eku: Some(vec![crate::pki::cert::OID_EMAIL_PROTECTION]),
            ..spec(cn)
        }
    }

    fn key() -> PrivateKey {
        PrivateKey::generate(KeyKind::P256).unwrap()
    }

    fn time(secs: u64) -> Time {
        Time::UtcTime(
            UtcTime::from_date_time(
                DateTime::from_unix_duration(Duration::from_secs(secs)).unwrap(),
            )
            .unwrap(),
        )
    }

    fn ext<T: Encode + const_oid::AssociatedOid>(v: &T, critical: bool) -> Extension {
        Extension {
            extn_id: T::OID,
            critical,
            extn_value: OctetString::new(v.to_der().unwrap()).unwrap(),
        }
    }

    fn ski_of(key: &PrivateKey) -> Vec<u8> {
        let spki = key.public().to_spki_der().unwrap();
        use sha2::Digest;
        sha2::Sha256::digest(&spki)[..20].to_vec()
    }

    /// Issues `s` for `subject_key`, signed by `issuer` (a P-256 CA) or self-signed.
    fn make(s: Spec, subject_key: &PrivateKey, issuer: Option<(&Cert, &PrivateKey)>) -> Cert {
        let subject = Name::from_str(&s.dn).unwrap();
        let (issuer_name, signer) = match issuer {
            Some((c, k)) => (Name::from_der(&c.subject_der()).unwrap(), k),
            None => (subject.clone(), subject_key),
        };
        let issuer_name = s
            .issuer_dn
            .as_deref()
            .map(|d| Name::from_str(d).unwrap())
            .unwrap_or(issuer_name);
        let mut extensions = Vec::new();
        if let Some(path_len) = s.ca {
            extensions.push(ext(
                &BasicConstraints {
                    ca: true,
                    path_len_constraint: path_len,
                },
                true,
            ));
        }
        if let Some(ku) = s.ku {
            extensions.push(ext(&ku, true));
        }
        if let Some(eku) = &s.eku {
            extensions.push(ext(
                &ExtendedKeyUsage(
                    eku.iter()
                        .map(|o| ObjectIdentifier::new_unwrap(o))
                        .collect(),
                ),
                false,
            ));
        }
        let mut san: Vec<GeneralName> = s
            .emails
            .iter()
            .map(|e| GeneralName::Rfc822Name(Ia5String::new(e).unwrap()))
            .collect();
        san.extend(s.san);
        if !san.is_empty() {
            extensions.push(ext(&SubjectAltName(san), false));
        }
        if let Some(nc) = &s.nc {
            extensions.push(ext(nc, true));
        }
        extensions.push(ext(
            &SubjectKeyIdentifier(OctetString::new(ski_of(subject_key)).unwrap()),
            false,
        ));
        extensions.push(ext(
            &AuthorityKeyIdentifier {
                key_identifier: Some(OctetString::new(ski_of(signer)).unwrap()),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            },
            false,
        ));
        extensions.extend(s.extra);
        let alg_oid = match s.sig {
            Sig::Good | Sig::Wrong => ECDSA_SHA256,
            Sig::Sha1 => ECDSA_SHA1,
            Sig::Claimed(oid) => oid,
        };
        let alg = AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap(alg_oid),
            parameters: None,
        };
        let mut serial = [0u8; 8];
        rand::Rng::fill_bytes(&mut rand::rng(), &mut serial);
        serial[0] = (serial[0] & 0x7f) | 0x40;
        let tbs = Tbs {
            version: x509_cert::Version::V3,
            serial_number: SerialNumber::new(&serial).unwrap(),
            signature: alg.clone(),
            issuer: issuer_name,
            validity: Validity::new(time(s.not_before), time(s.not_after)),
            subject,
            subject_public_key_info: SubjectPublicKeyInfoOwned::from_der(
                &subject_key.public().to_spki_der().unwrap(),
            )
            .unwrap(),
            extensions,
        };
        let tbs_der = tbs.to_der().unwrap();
        let PrivateKey::P256(sk) = signer else {
            panic!("test issuers are P-256");
        };
        let signing = p256::ecdsa::SigningKey::from(sk);
        let sig = match s.sig {
            Sig::Good => {
                let (used, sig) = signature::sign(
                    signer,
                    signature::HashAlg::Sha256,
                    signature::RsaPadding::Pkcs1v15,
                    &tbs_der,
                )
                .unwrap();
                assert_eq!(used.oid, alg.oid);
                sig
            }
            Sig::Wrong => {
                let digest = signature::HashAlg::Sha256.digest(b"something else");
                let sig: p256::ecdsa::Signature = signing.sign_prehash(&digest).unwrap();
                sig.to_der().as_bytes().to_vec()
            }
            Sig::Sha1 => {
                let digest = signature::HashAlg::Sha1.digest(&tbs_der);
                let sig: p256::ecdsa::Signature = signing.sign_prehash(&digest).unwrap();
                sig.to_der().as_bytes().to_vec()
            }
            Sig::Claimed(_) => vec![0u8; 64],
        };
        let der = Signed {
            tbs: Any::from_der(&tbs_der).unwrap(),
            algorithm: alg,
            signature: BitString::from_bytes(&sig).unwrap(),
        }
        .to_der()
        .unwrap();
        Cert::from_der(&der).unwrap()
    }

    /// Root -> intermediate -> leaf, P-256, valid around NOW.
    struct Pki {
        root: Cert,
        root_key: PrivateKey,
        inter: Cert,
        inter_key: PrivateKey,
    }

    fn pki() -> Pki {
        let root_key = key();
        let root = make(ca_spec("Test Root"), &root_key, None);
        let inter_key = key();
        let inter = make(
            ca_spec("Test Intermediate"),
            &inter_key,
            Some((&root, &root_key)),
        );
        Pki {
            root,
            root_key,
            inter,
            inter_key,
        }
    }

    impl Pki {
        fn leaf(&self, s: Spec) -> Cert {
            make(s, &key(), Some((&self.inter, &self.inter_key)))
        }

        fn check(&self, leaf: &Cert, at: u64) -> Result<ValidPath, PathError> {
            let anchors = [self.root.clone()];
            let inter = [self.inter.clone()];
            validate(
                leaf,
                Purpose::Sign,
                &TrustContext {
                    anchors: &anchors,
                    builtin: &[],
                    intermediates: &inter,
                    at,
                },
            )
        }
    }

    fn kind(r: Result<ValidPath, PathError>) -> String {
        match r {
            Ok(_) => "valid".into(),
            Err(e) => e.kind(),
        }
    }

    #[test]
    fn a_good_path_ends_at_the_user_anchor() {
        let p = pki();
        let leaf = p.leaf(leaf_spec("Alice", "alice@example.test"));
        let path = p.check(&leaf, NOW).unwrap();
        assert_eq!(path.certs.len(), 3);
        assert_eq!(path.anchor.source, AnchorSource::User);
        assert_eq!(path.anchor.name, "Test Root");
        assert_eq!(
            path.anchor.wording(),
            "Trusted through Test Root (trusted by you)"
        );
        assert_eq!(path.anchor.fingerprint, p.root.fingerprint());
    }

    #[test]
    fn validity_of_every_certificate_is_checked_at_the_validation_time() {
        let p = pki();
        let leaf = p.leaf(leaf_spec("Alice", "alice@example.test"));
        assert_eq!(kind(p.check(&leaf, NOW + 2 * YEAR)), "expired");
        assert_eq!(kind(p.check(&leaf, NOW - 2 * YEAR)), "not-yet-valid");
        // An expired intermediate breaks a path whose leaf is still valid.
        let inter_key = key();
        let old_inter = make(
            Spec {
                not_before: NOW - 3 * YEAR,
                not_after: NOW - YEAR / 2,
                ..ca_spec("Old Intermediate")
            },
            &inter_key,
            Some((&p.root, &p.root_key)),
        );
        let leaf = make(
            Spec {
                not_before: NOW - YEAR,
                ..leaf_spec("Bob", "bob@example.test")
            },
            &key(),
            Some((&old_inter, &inter_key)),
        );
        let anchors = [p.root.clone()];
        let inter = [old_inter.clone()];
        let ctx = TrustContext {
            anchors: &anchors,
            builtin: &[],
            intermediates: &inter,
            at: NOW,
        };
        let err = validate(&leaf, Purpose::Sign, &ctx).unwrap_err();
        assert_eq!(err.kind(), "expired");
        assert!(err.to_string().contains("Old Intermediate"), "{err}");
    }

    #[test]
    fn the_signing_time_is_checked_too() {
        let p = pki();
        let leaf = p.leaf(leaf_spec("Alice", "alice@example.test"));
        let anchors = [p.root.clone()];
        let inter = [p.inter.clone()];
        let ctx = |at| TrustContext {
            anchors: &anchors,
            builtin: &[],
            intermediates: &inter,
            at,
        };
        // Valid now and when signed.
        assert!(validate_signed(&leaf, &ctx(NOW), Some(NOW - 86_400)).is_ok());
        // Expired now, valid when signed: its own reason, status expired.
        let e = validate_signed(&leaf, &ctx(NOW + 2 * YEAR), Some(NOW)).unwrap_err();
        assert_eq!(e.kind(), "expired-since-signing");
        assert_eq!(e.status(), "expired");
        assert!(
            e.to_string().contains("valid when the message was signed"),
            "{e}"
        );
        // Expired now and when signed: plain expired.
        let e = validate_signed(&leaf, &ctx(NOW + 3 * YEAR), Some(NOW + 2 * YEAR)).unwrap_err();
        assert_eq!(e.kind(), "expired");
        // Valid now, but the claimed signing time precedes the certificate.
        let e = validate_signed(&leaf, &ctx(NOW), Some(NOW - 2 * YEAR)).unwrap_err();
        assert_eq!(e.kind(), "not-valid-when-signed");
        assert_eq!(e.status(), "not-yet-valid");
        // A signing time in the future never rescues an expired certificate.
        let e = validate_signed(&leaf, &ctx(NOW + 2 * YEAR), Some(NOW + 3 * YEAR)).unwrap_err();
        assert_eq!(e.kind(), "expired");
    }

    #[test]
    fn the_end_entity_must_fit_the_purpose() {
        let p = pki();
        let server = p.leaf(Spec {
            eku: Some(vec!["1.3.6.1.5.5.7.3.1"]),
            ..leaf_spec("Server", "srv@example.test")
        });
        assert_eq!(kind(p.check(&server, NOW)), "wrong-usage");
        let agreement_only = p.leaf(Spec {
            ku: Some(KeyUsage(KeyUsages::KeyAgreement.into())),
            ..leaf_spec("Agree", "agree@example.test")
        });
        assert_eq!(kind(p.check(&agreement_only, NOW)), "wrong-usage");
        let anchors = [p.root.clone()];
        let inter = [p.inter.clone()];
        let ctx = TrustContext {
            anchors: &anchors,
            builtin: &[],
            intermediates: &inter,
            at: NOW,
        };
        assert!(validate(&agreement_only, Purpose::Encrypt, &ctx).is_ok());
        let sign_only = p.leaf(Spec {
            ku: Some(KeyUsage(KeyUsages::DigitalSignature.into())),
            ..leaf_spec("Sign", "sign@example.test")
        });
        assert_eq!(
            kind(validate(&sign_only, Purpose::Encrypt, &ctx)),
            "wrong-usage"
        );
    }

    #[test]
    fn chaining_failures() {
        let p = pki();
        let leaf = p.leaf(leaf_spec("Alice", "alice@example.test"));
        // No anchor at all.
        let inter = [p.inter.clone()];
        let ctx = TrustContext {
            anchors: &[],
            builtin: &[],
            intermediates: &inter,
            at: NOW,
        };
        let e = validate(&leaf, Purpose::Sign, &ctx).unwrap_err();
        assert_eq!(e.kind(), "issuer-unknown");
        assert!(e.to_string().contains("Test Intermediate"), "{e}");
        // The chain reaches a self-signed root nobody trusts.
        let with_root = [p.inter.clone(), p.root.clone()];
        let ctx = TrustContext {
            anchors: &[],
            builtin: &[],
            intermediates: &with_root,
            at: NOW,
        };
        let e = validate(&leaf, Purpose::Sign, &ctx).unwrap_err();
        assert_eq!(e.kind(), "untrusted-root");
        assert!(e.to_string().contains("Test Root"), "{e}");
        // Signed by another key under the intermediate's name.
        let impostor_key = key();
        let impostor = make(
            ca_spec("Test Intermediate"),
            &impostor_key,
            Some((&p.root, &p.root_key)),
        );
        let forged = make(
            leaf_spec("Mallory", "m@example.test"),
            &key(),
            Some((&impostor, &impostor_key)),
        );
        // The forged leaf names the impostor's key: the genuine intermediate is no candidate.
        let anchors = [p.root.clone()];
        let only_genuine = [p.inter.clone()];
        let ctx = TrustContext {
            anchors: &anchors,
            builtin: &[],
            intermediates: &only_genuine,
            at: NOW,
        };
        assert_eq!(
            kind(validate(&forged, Purpose::Sign, &ctx)),
            "issuer-unknown"
        );
        // Right names and key identifiers, but the signature does not verify.
        let liar = p.leaf(Spec {
            sig: Sig::Wrong,
            ..leaf_spec("Mallory", "m@example.test")
        });
        assert_eq!(kind(p.check(&liar, NOW)), "bad-certificate-signature");
    }

    #[test]
    fn ca_constraints() {
        let p = pki();
        // An intermediate that is not a CA.
        let not_ca_key = key();
        let not_ca = make(
            Spec {
                ku: Some(KeyUsage(KeyUsages::KeyCertSign.into())),
                ..spec("Not A CA")
            },
            &not_ca_key,
            Some((&p.root, &p.root_key)),
        );
        // An intermediate CA without keyCertSign.
        let no_sign_key = key();
        let no_sign = make(
            Spec {
                ku: Some(KeyUsage(KeyUsages::CRLSign.into())),
                ..ca_spec("CRL Only CA")
            },
            &no_sign_key,
            Some((&p.root, &p.root_key)),
        );
        // A root allowing no intermediate, and one allowing one.
        let strict_root_key = key();
        let strict_root = make(
            Spec {
                ca: Some(Some(0)),
                ..ca_spec("Strict Root")
            },
            &strict_root_key,
            None,
        );
        let sub_key = key();
        let sub = make(
            ca_spec("Sub CA"),
            &sub_key,
            Some((&strict_root, &strict_root_key)),
        );
        for (issuer, issuer_key, anchor, expected) in [
            (&not_ca, &not_ca_key, &p.root, "not-ca"),
            (&no_sign, &no_sign_key, &p.root, "ca-key-usage"),
            (&sub, &sub_key, &strict_root, "path-length"),
        ] {
            let leaf = make(
                leaf_spec("Alice", "alice@example.test"),
                &key(),
                Some((issuer, issuer_key)),
            );
            let anchors = [anchor.clone()];
            let inter = [issuer.clone()];
            let ctx = TrustContext {
                anchors: &anchors,
                builtin: &[],
                intermediates: &inter,
                at: NOW,
            };
            assert_eq!(kind(validate(&leaf, Purpose::Sign, &ctx)), expected);
        }
        // A self-issued intermediate (key rollover) does not count against pathLen 0.
        let new_key = key();
        let rollover = make(
            Spec {
                dn: "CN=Strict Root,O=Sealpost Tests".into(),
                ..ca_spec("unused")
            },
            &new_key,
            Some((&strict_root, &strict_root_key)),
        );
        assert!(rollover.is_self_issued());
        let leaf = make(
            leaf_spec("Alice", "alice@example.test"),
            &key(),
            Some((&rollover, &new_key)),
        );
        let anchors = [strict_root.clone()];
        let inter = [rollover.clone()];
        let ctx = TrustContext {
            anchors: &anchors,
            builtin: &[],
            intermediates: &inter,
            at: NOW,
        };
        assert_eq!(validate(&leaf, Purpose::Sign, &ctx).unwrap().certs.len(), 3);
    }

    fn subtree(base: GeneralName) -> GeneralSubtree {
        GeneralSubtree {
            base,
            minimum: 0,
            maximum: None,
        }
    }

    fn rfc822(s: &str) -> GeneralName {
        GeneralName::Rfc822Name(Ia5String::new(s).unwrap())
    }

    /// A root constraining names as `nc`, an intermediate, and a leaf for `email`.
    fn constrained(nc: NameConstraints, leaf: Spec) -> Result<ValidPath, PathError> {
        let root_key = key();
        let root = make(
            Spec {
                nc: Some(nc),
                ..ca_spec("Constrained Root")
            },
            &root_key,
            None,
        );
        let inter_key = key();
        let inter = make(
            ca_spec("Constrained Sub"),
            &inter_key,
            Some((&root, &root_key)),
        );
        let leaf = make(leaf, &key(), Some((&inter, &inter_key)));
        let anchors = [root];
        let inters = [inter];
        validate(
            &leaf,
            Purpose::Sign,
            &TrustContext {
                anchors: &anchors,
                builtin: &[],
                intermediates: &inters,
                at: NOW,
            },
        )
    }

    fn permitted(names: Vec<GeneralName>) -> NameConstraints {
        NameConstraints {
            permitted_subtrees: Some(names.into_iter().map(subtree).collect()),
            excluded_subtrees: None,
        }
    }

    #[test]
    fn rfc822_name_constraints_in_all_three_forms() {
        let leaf = |e: &'static str| leaf_spec("Alice", e);
        // host form: exactly that host
        assert_eq!(
            kind(constrained(
                permitted(vec![rfc822("example.test")]),
                leaf("a@example.test")
            )),
            "valid"
        );
        assert_eq!(
            kind(constrained(
                permitted(vec![rfc822("example.test")]),
                leaf("a@sub.example.test")
            )),
            "name-constraints"
        );
        // .domain form: subdomains only
        assert_eq!(
            kind(constrained(
                permitted(vec![rfc822(".example.test")]),
                leaf("a@sub.EXAMPLE.test")
            )),
            "valid"
        );
        assert_eq!(
            kind(constrained(
                permitted(vec![rfc822(".example.test")]),
                leaf("a@example.test")
            )),
            "name-constraints"
        );
        // mailbox form
        assert_eq!(
            kind(constrained(
                permitted(vec![rfc822("boss@example.test")]),
                leaf("boss@example.test")
            )),
            "valid"
        );
        assert_eq!(
            kind(constrained(
                permitted(vec![rfc822("boss@example.test")]),
                leaf("eve@example.test")
            )),
            "name-constraints"
        );
        // excluded wins
        let nc = NameConstraints {
            permitted_subtrees: None,
            excluded_subtrees: Some(vec![subtree(rfc822("evil.test"))]),
        };
        assert_eq!(
            kind(constrained(nc.clone(), leaf("x@evil.test"))),
            "name-constraints"
        );
        assert_eq!(kind(constrained(nc, leaf("x@good.test"))), "valid");
        // The subject's emailAddress attribute is constrained like a SAN rfc822Name.
        let dn_email = Spec {
            dn: "CN=Eve,emailAddress=eve@other.test,O=Sealpost Tests".into(),
            ..leaf("eve@example.test")
        };
        let e = constrained(permitted(vec![rfc822("example.test")]), dn_email).unwrap_err();
        assert_eq!(e.kind(), "name-constraints");
        assert!(e.to_string().contains("eve@other.test"), "{e}");
    }

    #[test]
    fn directory_and_dns_name_constraints() {
        let dn = |s: &str| GeneralName::DirectoryName(Name::from_str(s).unwrap());
        let ok = permitted(vec![dn("O=Sealpost Tests")]);
        assert_eq!(
            kind(constrained(ok, leaf_spec("Alice", "a@example.test"))),
            "valid"
        );
        let other = permitted(vec![dn("O=Someone Else")]);
        assert_eq!(
            kind(constrained(other, leaf_spec("Alice", "a@example.test"))),
            "name-constraints"
        );
        let dns = |s: &str| GeneralName::DnsName(Ia5String::new(s).unwrap());
        let with_dns = |host: &str| Spec {
            san: vec![dns(host)],
            ..leaf_spec("Host", "h@example.test")
        };
        assert_eq!(
            kind(constrained(
                permitted(vec![dns("example.test")]),
                with_dns("mail.example.test")
            )),
            "valid"
        );
        assert_eq!(
            kind(constrained(
                permitted(vec![dns("example.test")]),
                with_dns("example.test.evil")
            )),
            "name-constraints"
        );
        // Names of a form the CA does not constrain are unaffected.
        assert_eq!(
            kind(constrained(
                permitted(vec![dns("example.test")]),
                leaf_spec("A", "a@anything.test")
            )),
            "valid"
        );
    }

    #[test]
    fn an_unsupported_constrained_name_form_fails_closed() {
        let rid = |s: &str| GeneralName::RegisteredId(ObjectIdentifier::new_unwrap(s));
        let nc = permitted(vec![rid("1.2.3.4")]);
        let with_rid = Spec {
            san: vec![rid("1.2.3.4.5")],
            ..leaf_spec("R", "r@example.test")
        };
        let e = constrained(nc.clone(), with_rid).unwrap_err();
        assert_eq!(e.kind(), "unsupported-name-constraint");
        assert!(e.to_string().contains("registeredID"), "{e}");
        // Without a name of that form the constraint has nothing to judge.
        assert_eq!(
            kind(constrained(nc, leaf_spec("R", "r@example.test"))),
            "valid"
        );
    }

    #[test]
    fn an_unknown_critical_extension_is_refused() {
        let p = pki();
        let leaf = p.leaf(Spec {
            extra: vec![Extension {
                extn_id: ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1"),
                critical: true,
                extn_value: OctetString::new(vec![5, 0]).unwrap(),
            }],
            ..leaf_spec("Alice", "alice@example.test")
        });
        assert_eq!(kind(p.check(&leaf, NOW)), "unknown-critical-extension");
        // The same extension, not critical, is ignored.
        let leaf = p.leaf(Spec {
            extra: vec![Extension {
                extn_id: ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1"),
                critical: false,
                extn_value: OctetString::new(vec![5, 0]).unwrap(),
            }],
            ..leaf_spec("Alice", "alice@example.test")
        });
        assert_eq!(kind(p.check(&leaf, NOW)), "valid");
    }

    #[test]
    fn the_algorithm_policy_applies_to_every_link() {
        let p = pki();
        let md5 = p.leaf(Spec {
            sig: Sig::Claimed("1.2.840.113549.1.1.4"),
            ..leaf_spec("Alice", "alice@example.test")
        });
        assert_eq!(kind(p.check(&md5, NOW)), "md5-signature");
        let dsa = p.leaf(Spec {
            sig: Sig::Claimed("2.16.840.1.101.3.4.3.2"),
            ..leaf_spec("Alice", "alice@example.test")
        });
        assert_eq!(kind(p.check(&dsa, NOW)), "unsupported-signature-algorithm");
        // SHA-1: refused after the cut-off, a genuine signature accepted before it.
        let old = |s: Spec| Spec {
            not_before: SHA1_CUTOFF - 5 * YEAR,
            not_after: NOW + YEAR,
            ..s
        };
        let root_key = key();
        let root = make(old(ca_spec("Old Root")), &root_key, None);
        let sha1_leaf = make(
            Spec {
                sig: Sig::Sha1,
                ..old(leaf_spec("Alice", "alice@example.test"))
            },
            &key(),
            Some((&root, &root_key)),
        );
        let anchors = [root];
        let ctx = |at| TrustContext {
            anchors: &anchors,
            builtin: &[],
            intermediates: &[],
            at,
        };
        let e = validate(&sha1_leaf, Purpose::Sign, &ctx(NOW)).unwrap_err();
        assert_eq!(e.kind(), "sha1-signature");
        assert!(e.to_string().contains("2017-01-01"), "{e}");
        assert!(validate(&sha1_leaf, Purpose::Sign, &ctx(SHA1_CUTOFF - YEAR)).is_ok());
        // RSA below 2048 bits, anywhere in the path.
        let weak = make(
            leaf_spec("Weak", "weak@example.test"),
            &PrivateKey::generate(KeyKind::Rsa { bits: 1024 }).unwrap(),
            Some((&p.inter, &p.inter_key)),
        );
        let e = p.check(&weak, NOW).unwrap_err();
        assert_eq!(e.kind(), "weak-key");
        assert_eq!(e.status(), "unsupported-algorithm");
    }

    #[test]
    fn names_chain_regardless_of_case_and_spaces() {
        let p = pki();
        let leaf = p.leaf(Spec {
            issuer_dn: Some("CN=test   INTERMEDIATE,O= sealpost tests".into()),
            ..leaf_spec("Alice", "alice@example.test")
        });
        assert_ne!(leaf.issuer_der(), p.inter.subject_der());
        assert_eq!(kind(p.check(&leaf, NOW)), "valid");
        // A different name does not chain.
        let leaf = p.leaf(Spec {
            issuer_dn: Some("CN=Test Intermediate 2,O=Sealpost Tests".into()),
            ..leaf_spec("Alice", "alice@example.test")
        });
        assert_eq!(kind(p.check(&leaf, NOW)), "issuer-unknown");
    }

    #[test]
    fn built_in_roots_and_their_distrust_date() {
        let p = pki();
        let leaf = p.leaf(leaf_spec("Alice", "alice@example.test"));
        let inter = [p.inter.clone()];
        let builtin = |after: Option<u64>| {
            vec![BuiltinRoot {
                cert: p.root.clone(),
                name: "Example Root R1".into(),
                distrust_smime_after: after,
            }]
        };
        let trusted = builtin(None);
        let ctx = TrustContext {
            anchors: &[],
            builtin: &trusted,
            intermediates: &inter,
            at: NOW,
        };
        let path = validate(&leaf, Purpose::Sign, &ctx).unwrap();
        assert_eq!(path.anchor.source, AnchorSource::Mozilla);
        assert_eq!(
            path.anchor.wording(),
            "Trusted through Example Root R1 (Mozilla root program)"
        );
        // Distrusted for S/MIME certificates issued after a date before the leaf's notBefore.
        let distrusted = builtin(Some(leaf.not_before() - 86_400));
        let ctx = TrustContext {
            anchors: &[],
            builtin: &distrusted,
            intermediates: &inter,
            at: NOW,
        };
        let e = validate(&leaf, Purpose::Sign, &ctx).unwrap_err();
        assert_eq!(e.kind(), "distrusted-root");
        assert_eq!(e.status(), "untrusted");
        // Certificates issued before the date stay trusted.
        let later = builtin(Some(leaf.not_before() + 86_400));
        let ctx = TrustContext {
            anchors: &[],
            builtin: &later,
            intermediates: &inter,
            at: NOW,
        };
        assert!(validate(&leaf, Purpose::Sign, &ctx).is_ok());
        // The user's own trust takes precedence over the built-in record.
        let anchors = [p.root.clone()];
        let ctx = TrustContext {
            anchors: &anchors,
            builtin: &distrusted,
            intermediates: &inter,
            at: NOW,
        };
        assert_eq!(
            validate(&leaf, Purpose::Sign, &ctx).unwrap().anchor.source,
            AnchorSource::User
        );
    }

    #[test]
    fn the_mozilla_email_roots_load() {
        let roots = mozilla_email_roots();
        assert!(roots.len() >= 50, "{} email roots", roots.len());
        assert!(roots.iter().all(|r| !r.name.is_empty() && r.cert.is_ca()));
        // Every one is in the snapshot with the email trust bit.
        for r in roots {
            let fp = r.cert.fingerprint();
            let entry = certval_stores_mozilla::find_by_sha256(&fp).expect("in the snapshot");
            assert!(entry.email);
        }
        assert_eq!(parse_date("2026-10-25"), Some(1_792_886_400));
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("soon"), None);
    }

    #[test]
    fn a_pool_of_look_alike_issuers_is_bounded() {
        let p = pki();
        let leaf = p.leaf(leaf_spec("Alice", "alice@example.test"));
        // Many certificates under the intermediate's name, none signed the leaf, each itself
        // issued under the same name: the search stops within its bounds.
        let mut pool = Vec::new();
        for _ in 0..40 {
            let k = key();
            let mut s = ca_spec("Test Intermediate");
            s.issuer_dn = Some("CN=Test Intermediate,O=Sealpost Tests".into());
            pool.push(make(s, &k, Some((&p.inter, &p.inter_key))));
        }
        let anchors = [p.root.clone()];
        let ctx = TrustContext {
            anchors: &anchors,
            builtin: &[],
            intermediates: &pool,
            at: NOW,
        };
        let started = std::time::Instant::now();
        let r = validate(&leaf, Purpose::Sign, &ctx);
        assert!(r.is_err());
        assert!(started.elapsed() < Duration::from_secs(20));
    }

    #[test]
    fn matchers() {
        assert_eq!(rfc822_within("a@example.test", "EXAMPLE.test"), Some(true));
        assert_eq!(rfc822_within("not-an-address", "example.test"), None);
        assert!(dns_within("a.b.example.test", "example.test"));
        assert!(!dns_within("badexample.test", "example.test"));
        assert!(dns_within("anything", ""));
        assert_eq!(
            uri_host("https://user@Host.example.test:8443/x?y"),
            Some("Host.example.test".into())
        );
        assert_eq!(uri_host("urn:isbn:123"), None);
        assert_eq!(
            ip_within(&[10, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]),
            Some(true)
        );
        assert_eq!(
            ip_within(&[11, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]),
            Some(false)
        );
        assert_eq!(ip_within(&[1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]), None);
        assert!(!ends_with_ignore_case("é", "xx"));
    }
}
