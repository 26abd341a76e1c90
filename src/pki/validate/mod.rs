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
mod tests;
