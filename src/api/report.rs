//! The security report of an opened message: per layer, whether it was encrypted and with
//! what, and per signature its status. The status belongs to the whole message: it is valid
//! only when every signature is (RFC 8551 §2.5, "Johnny, you are fired" C2).

use serde::Serialize;

use crate::cms::verify::SignerFailure;
use crate::pki::cert::Cert;
use crate::pki::validate::{self, AnchorInfo, TrustContext};
use crate::smime::{Layer, Opened, SignedForm};

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SignatureReport {
    /// valid, invalid, untrusted, expired, not-yet-valid, revoked, revocation-unknown (no
    /// current CRL/OCSP answer while revocation is "required"), mismatched-sender,
    /// wrong-usage, unsupported-algorithm.
    pub status: String,
    pub reason: String,
    pub emails: Vec<String>,
    pub fingerprint: Option<String>,
    pub algorithm: String,
    pub signing_time: Option<String>,
    /// The precise path-validation failure (`expired-since-signing`, `name-constraints`,
    /// `path-length`, `distrusted-root`, …), when the path is what failed.
    pub reason_code: Option<String>,
    /// The trust anchor the signer's path ended at, built in (Mozilla) or trusted by the user.
    pub anchor: Option<AnchorInfo>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum LayerReport {
    Enveloped {
        cipher: String,
    },
    AuthEnveloped {
        cipher: String,
    },
    Signed {
        form: SignedForm,
        signatures: Vec<SignatureReport>,
    },
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Report {
    pub encrypted: bool,
    pub signed: bool,
    /// Every signature valid (and at least one present).
    pub valid: bool,
    pub layers: Vec<LayerReport>,
    /// Signers whose certificate differs (another key or issuing CA) from the one accepted
    /// for their address: shown until the user accepts the new one.
    pub cert_changes: Vec<super::continuity::CertChange>,
}

fn signature_report(
    s: &crate::cms::verify::SignerResult,
    extra: &[Cert],
    from: &[String],
    anchors: &[Cert],
    pool: &[Cert],
    now: u64,
) -> SignatureReport {
    let emails = s.cert.as_ref().map(|c| c.emails()).unwrap_or_default();
    let mut rep = SignatureReport {
        status: "valid".into(),
        reason: "the signature is valid and the signer is trusted".into(),
        emails,
        fingerprint: s.cert.as_ref().map(|c| c.fingerprint()),
        algorithm: s.algorithm.clone(),
        signing_time: s.signing_time.map(crate::pki::cert::rfc3339),
        reason_code: None,
        anchor: None,
    };
    if let Err(f) = &s.outcome {
        rep.status = match f {
            SignerFailure::Unsupported(_) => "unsupported-algorithm",
            SignerFailure::CertificateMissing => "untrusted",
            _ => "invalid",
        }
        .into();
        rep.reason = f.to_string();
        return rep;
    }
    let Some(cert) = &s.cert else {
        rep.status = "untrusted".into();
        rep.reason = "the signer's certificate is missing".into();
        return rep;
    };
    let intermediates: Vec<Cert> = pool.iter().chain(extra.iter()).cloned().collect();
    let ctx = TrustContext::new(anchors, &intermediates, now);
    // Judged now and at the signing time the message states (RFC 5280 §6.1 at two times).
    match validate::validate_signed(cert, &ctx, s.signing_time) {
        Ok(path) => {
            rep.reason = format!("the signature is valid. {}", path.anchor.wording());
            rep.anchor = Some(path.anchor);
        }
        Err(e) => {
            rep.status = e.status().into();
            rep.reason = e.to_string();
            rep.reason_code = Some(e.kind());
            return rep;
        }
    }
    // RFC 8550 §3: the From address must be in the certificate; several From addresses or
    // none cannot be matched to one signer.
    if from.len() != 1 {
        rep.status = "mismatched-sender".into();
        rep.reason = format!("the message has {} From addresses", from.len());
    } else if !cert.has_email(&from[0]) {
        rep.status = "mismatched-sender".into();
        rep.reason = format!(
            "signed by {}, but the message claims to be from {}",
            cert.emails().join(", "),
            from[0]
        );
    }
    rep
}

impl Report {
    /// A message with no S/MIME layer at all.
    pub fn unprotected() -> Report {
        Report {
            encrypted: false,
            signed: false,
            valid: false,
            layers: Vec::new(),
            cert_changes: Vec::new(),
        }
    }
}

pub fn build(
    opened: &Opened,
    from: &[String],
    anchors: &[Cert],
    pool: &[Cert],
    now: u64,
) -> Report {
    let mut layers = Vec::new();
    let mut any_sig = false;
    let mut all_valid = true;
    for l in &opened.layers {
        match l {
            Layer::Encrypted {
                cipher,
                authenticated,
                ..
            } => layers.push(if *authenticated {
                LayerReport::AuthEnveloped {
                    cipher: cipher.name().into(),
                }
            } else {
                LayerReport::Enveloped {
                    cipher: cipher.name().into(),
                }
            }),
            Layer::Signed { form, verified } => {
                let sigs: Vec<SignatureReport> = verified
                    .signers
                    .iter()
                    .map(|s| signature_report(s, &verified.certificates, from, anchors, pool, now))
                    .collect();
                any_sig = true;
                if sigs.is_empty() || sigs.iter().any(|s| s.status != "valid") {
                    all_valid = false;
                }
                layers.push(LayerReport::Signed {
                    form: *form,
                    signatures: sigs,
                });
            }
        }
    }
    Report {
        encrypted: opened
            .layers
            .iter()
            .any(|l| matches!(l, Layer::Encrypted { .. })),
        signed: any_sig,
        valid: any_sig && all_valid,
        layers,
        cert_changes: Vec::new(),
    }
}
