//! The security report of an opened message: per layer, whether it was encrypted and with
//! what, and per signature its status. The status belongs to the whole message: it is valid
//! only when every signature is (RFC 8551 §2.5, "Johnny, you are fired" C2).

use crate::api::json::{LayerReport, Report, SignatureReport, SignatureStatus};
use crate::cms::verify::SignerFailure;
use crate::message::address;
use crate::pki::cert::Cert;
use crate::pki::validate::{self, TrustContext};
use crate::smime::mime::HeaderField;
use crate::smime::{Layer, Opened};

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
        status: SignatureStatus::Valid,
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
            SignerFailure::Unsupported(_) => SignatureStatus::UnsupportedAlgorithm,
            SignerFailure::CertificateMissing => SignatureStatus::Untrusted,
            _ => SignatureStatus::Invalid,
        };
        rep.reason = f.to_string();
        return rep;
    }
    let Some(cert) = &s.cert else {
        rep.status = SignatureStatus::Untrusted;
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
            rep.status = SignatureStatus::named(e.status());
            rep.reason = e.to_string();
            rep.reason_code = Some(e.kind());
            return rep;
        }
    }
    // RFC 8550 §3: the From address must be in the certificate; several From addresses or
    // none cannot be matched to one signer.
    if from.len() != 1 {
        rep.status = SignatureStatus::MismatchedSender;
        rep.reason = format!("the message has {} From addresses", from.len());
    } else if !cert.has_email(&from[0]) {
        rep.status = SignatureStatus::MismatchedSender;
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
            from: None,
            protected_headers: Vec::new(),
            header_mismatches: Vec::new(),
            layers: Vec::new(),
            cert_changes: Vec::new(),
        }
    }
}

/// The From a message is checked against and shown with: the protected From when the
/// content carries one, else the outer From.
fn checked_from(opened: &Opened) -> Vec<String> {
    let from_of = |fields: &[HeaderField]| -> Vec<String> {
        fields
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case("From"))
            .flat_map(|h| address::addresses(&h.value()))
            .collect()
    };
    let inner = from_of(&opened.protected);
    if opened
        .protected
        .iter()
        .any(|h| h.name.eq_ignore_ascii_case("From"))
    {
        inner
    } else {
        from_of(&opened.outer)
    }
}

/// What a header protector may put outside instead of the real subject (RFC 9788 §4.1 "[...]",
/// Thunderbird "..."): hidden, not contradicting.
fn obscured(subject: &str) -> bool {
    matches!(subject.trim(), "" | "..." | "[...]")
}

/// Names of protected fields whose outer copy says something else. Address fields compare as
/// sets of addresses, Subject as text (an obscured outer subject is no disagreement).
fn mismatches(opened: &Opened) -> Vec<String> {
    let values = |fields: &[HeaderField], name: &str| -> Vec<String> {
        fields
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(name))
            .map(HeaderField::value)
            .collect()
    };
    let addrs = |v: &[String]| -> std::collections::BTreeSet<String> {
        v.iter()
            .flat_map(|x| address::addresses(x))
            .map(|a| a.to_ascii_lowercase())
            .collect()
    };
    let mut out = Vec::new();
    for name in ["from", "sender", "reply-to", "to", "cc", "subject"] {
        let (inner, outer) = (values(&opened.protected, name), values(&opened.outer, name));
        if inner.is_empty() || outer.is_empty() {
            continue;
        }
        let differs = if name == "subject" {
            !outer.iter().all(|o| obscured(o)) && outer != inner
        } else {
            addrs(&inner) != addrs(&outer)
        };
        if differs {
            out.push(name.to_string());
        }
    }
    out
}

/// For each layer: whether it lies outside (encloses) an encryption layer.
fn outside_encryption(opened: &Opened) -> Vec<bool> {
    opened
        .layers
        .iter()
        .enumerate()
        .map(|(i, _)| {
            opened.layers[i + 1..]
                .iter()
                .any(|l| matches!(l, Layer::Encrypted { .. }))
        })
        .collect()
}

/// A signature that is fine by itself but lies over encrypted data.
fn mark_outside(rep: &mut SignatureReport) {
    if matches!(
        rep.status,
        SignatureStatus::Valid | SignatureStatus::MismatchedSender
    ) {
        rep.status = SignatureStatus::OutsideEncryption;
        rep.reason = "the signature covers only the encrypted data, not the content: the \
                      signer may never have read it, and it vouches for none of it"
            .into();
        rep.reason_code = None;
    }
}

pub fn build(opened: &Opened, anchors: &[Cert], pool: &[Cert], now: u64) -> Report {
    let from = checked_from(opened);
    let header_mismatches = mismatches(opened);
    let outside = outside_encryption(opened);
    let mut layers = Vec::new();
    let mut any_sig = false;
    let mut all_valid = true;
    for (l, outside) in opened.layers.iter().zip(outside) {
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
                let mut sigs: Vec<SignatureReport> = verified
                    .signers
                    .iter()
                    .map(|s| signature_report(s, &verified.certificates, &from, anchors, pool, now))
                    .collect();
                for s in &mut sigs {
                    if outside {
                        mark_outside(s);
                    } else if s.status == SignatureStatus::Valid
                        && header_mismatches.iter().any(|m| m == "from")
                    {
                        s.status = SignatureStatus::MismatchedSender;
                        s.reason = "the protected From differs from the outer From".into();
                    }
                }
                if !outside {
                    any_sig = true;
                    if sigs.is_empty() || sigs.iter().any(|s| s.status != SignatureStatus::Valid) {
                        all_valid = false;
                    }
                }
                layers.push(LayerReport::Signed {
                    form: *form,
                    signatures: sigs,
                });
            }
        }
    }
    let mut protected_headers: Vec<String> = opened
        .protected
        .iter()
        .map(|h| h.name.to_ascii_lowercase())
        .collect();
    protected_headers.sort();
    protected_headers.dedup();
    Report {
        encrypted: opened
            .layers
            .iter()
            .any(|l| matches!(l, Layer::Encrypted { .. })),
        signed: any_sig,
        valid: any_sig && all_valid,
        from: (!from.is_empty()).then(|| from.join(", ")),
        protected_headers,
        header_mismatches,
        layers,
        cert_changes: Vec::new(),
    }
}
