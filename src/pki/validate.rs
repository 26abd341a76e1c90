//! Certification path building and validation for S/MIME (RFC 5280 §6, RFC 8550 §4):
//! signatures, validity at a given time, CA basic constraints and path length, keyCertSign,
//! and the end entity's fitness for e-mail (EKU, key usage). Anchors are the user's explicitly
//! trusted certificates; candidates for intermediates come from the store and the message.

use super::cert::Cert;
use super::keys::{KeyKind, PublicKey};
use super::signature::{self, HashAlg};
use serde::Serialize;

/// Longest path accepted (anchor excluded).
const MAX_PATH: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Sign,
    Encrypt,
}

/// Why a certificate cannot be relied upon; each maps to a report status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum PathError {
    #[error("the certificate expired on {not_after}")]
    Expired { subject: String, not_after: String },
    #[error("the certificate is not valid before {not_before}")]
    NotYetValid { subject: String, not_before: String },
    #[error("the certificate cannot be used for this: {reason}")]
    WrongUsage { reason: String },
    #[error("no chain to a trusted authority: {reason}")]
    Untrusted { reason: String },
    #[error("weak or unsupported algorithm: {reason}")]
    WeakAlgorithm { reason: String },
}

impl PathError {
    pub fn status(&self) -> &'static str {
        match self {
            PathError::Expired { .. } => "expired",
            PathError::NotYetValid { .. } => "not-yet-valid",
            PathError::WrongUsage { .. } => "wrong-usage",
            PathError::Untrusted { .. } => "untrusted",
            PathError::WeakAlgorithm { .. } => "unsupported-algorithm",
        }
    }
}

pub struct TrustContext<'a> {
    pub anchors: &'a [Cert],
    pub intermediates: &'a [Cert],
    /// Validation time, seconds since the epoch.
    pub at: u64,
}

fn check_time(c: &Cert, at: u64) -> Result<(), PathError> {
    if at > c.not_after() {
        return Err(PathError::Expired {
            subject: c.subject(),
            not_after: super::cert::rfc3339(c.not_after()),
        });
    }
    if at < c.not_before() {
        return Err(PathError::NotYetValid {
            subject: c.subject(),
            not_before: super::cert::rfc3339(c.not_before()),
        });
    }
    Ok(())
}

/// Algorithm policy for certificate keys (RFC 8551 §4.1, GUIDE §3): RSA below 2048 bits is
/// refused, as are SHA-1 and MD5 certificate signatures (except on the trust anchor itself,
/// whose signature is never relied on).
fn check_key_policy(c: &Cert) -> Result<(), PathError> {
    if let KeyKind::Rsa { bits } = c.key_kind()
        && bits < 2048
    {
        return Err(PathError::WeakAlgorithm {
            reason: format!("RSA key of {bits} bits in {}", c.subject()),
        });
    }
    Ok(())
}

/// Verifies that `issuer` signed `child`.
pub fn issued_by(child: &Cert, issuer: &Cert) -> Result<(), PathError> {
    if child.issuer_der() != issuer.subject_der() {
        return Err(PathError::Untrusted {
            reason: "issuer name does not match".into(),
        });
    }
    if let (Some(aki), Some(ski)) = (child.authority_key_id(), issuer.subject_key_id())
        && aki != ski
    {
        return Err(PathError::Untrusted {
            reason: "authority key identifier does not match".into(),
        });
    }
    let pk =
        PublicKey::from_spki_der(&issuer.spki_der()).map_err(|e| PathError::WeakAlgorithm {
            reason: e.to_string(),
        })?;
    let alg = child.x509().signature_algorithm().clone();
    if signature::implied_hash(&alg, None) == Some(HashAlg::Sha1) {
        return Err(PathError::WeakAlgorithm {
            reason: format!("SHA-1 signature on {}", child.subject()),
        });
    }
    let tbs =
        der::Encode::to_der(child.x509().tbs_certificate()).map_err(|_| PathError::Untrusted {
            reason: "certificate cannot be re-encoded".into(),
        })?;
    let sig = child.x509().signature().raw_bytes();
    signature::verify(&pk, &alg, None, &tbs, sig).map_err(|e| match e {
        signature::SigError::Unsupported(a) => PathError::WeakAlgorithm { reason: a },
        _ => PathError::Untrusted {
            reason: format!("the signature on {} is not valid", child.subject()),
        },
    })
}

fn check_ca(ca: &Cert, below: usize) -> Result<(), PathError> {
    if !ca.is_ca() {
        return Err(PathError::Untrusted {
            reason: format!("{} is not a certification authority", ca.subject()),
        });
    }
    if let Some(ku) = ca.key_usage()
        && !ku.key_cert_sign()
    {
        return Err(PathError::Untrusted {
            reason: format!("{} may not sign certificates", ca.subject()),
        });
    }
    if let Some(max) = ca.path_len()
        && below > max as usize
    {
        return Err(PathError::Untrusted {
            reason: format!("path length constraint of {} exceeded", ca.subject()),
        });
    }
    Ok(())
}

/// Checks that the end entity may be used for `purpose`.
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

/// Builds and validates a path from `leaf` to an anchor. Returns the path (leaf first,
/// anchor last). The most specific error is reported when no path validates.
pub fn validate(leaf: &Cert, purpose: Purpose, ctx: &TrustContext) -> Result<Vec<Cert>, PathError> {
    check_usage(leaf, purpose)?;
    validate_path(leaf, ctx)
}

/// [`validate`] without the end entity's usage check: key policy, validity and the path to an
/// anchor (what a self-test reports separately from signing and encryption fitness).
pub fn validate_path(leaf: &Cert, ctx: &TrustContext) -> Result<Vec<Cert>, PathError> {
    check_key_policy(leaf)?;
    check_time(leaf, ctx.at)?;
    if ctx.anchors.iter().any(|a| a == leaf) {
        return Ok(vec![leaf.clone()]);
    }
    let mut best: Option<PathError> = None;
    let mut path = vec![leaf.clone()];
    if extend(&mut path, ctx, &mut best) {
        return Ok(path);
    }
    Err(best.unwrap_or(PathError::Untrusted {
        reason: format!("no trusted authority issued {}", leaf.subject()),
    }))
}

fn extend(path: &mut Vec<Cert>, ctx: &TrustContext, best: &mut Option<PathError>) -> bool {
    if path.len() > MAX_PATH {
        return false;
    }
    let Some(current) = path.last().cloned() else {
        return false;
    };
    let below = path.len() - 1;
    let candidates = ctx
        .anchors
        .iter()
        .map(|c| (c, true))
        .chain(ctx.intermediates.iter().map(|c| (c, false)));
    for (cand, is_anchor) in candidates {
        if cand.subject_der() != current.issuer_der() || path.contains(cand) {
            continue;
        }
        let step = issued_by(&current, cand)
            .and_then(|_| {
                if is_anchor {
                    Ok(())
                } else {
                    check_time(cand, ctx.at)
                }
            })
            .and_then(|_| check_ca(cand, below))
            .and_then(|_| check_key_policy(cand));
        match step {
            Err(e) => {
                if best.is_none() || matches!(best, Some(PathError::Untrusted { .. })) {
                    *best = Some(e);
                }
            }
            Ok(()) => {
                path.push(cand.clone());
                if is_anchor || extend(path, ctx, best) {
                    return true;
                }
                path.pop();
            }
        }
    }
    // An anchor may also be known only by equality with an intermediate's DER.
    false
}
