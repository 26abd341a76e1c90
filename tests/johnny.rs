//! Regression tests for the "Johnny, you are fired" S/MIME signature-spoofing cases (Müller et
//! al., USENIX Security 2019), read from `../shared/vectors/johnny-you-are-fired` (not copied
//! into this repository: the files have no licence). Each case yields what the vectors README
//! says. The certificates expired in 2022, so chains are validated at 2019-03-01 with the
//! issuing intermediate as the trust anchor (its GlobalSign root is not included).
//!
//! What the user would see is [`sealpost::api::Report`]: `valid` only when every
//! signature is valid, chains to a trusted authority and carries the one From address.

use std::path::{Path, PathBuf};

use sealpost::api::message::report::build;
use sealpost::api::{LayerReport, Report};
use sealpost::pki::cert::Cert;

/// 2019-03-01T00:00:00Z
const AT: u64 = 1_551_398_400;

fn dir() -> Option<PathBuf> {
    let d =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors/johnny-you-are-fired");
    if d.is_dir() {
        Some(d)
    } else {
        println!(
            "NOT TESTED: {} is absent (the Johnny vectors are not part of this repository)",
            d.display()
        );
        None
    }
}

fn anchor(d: &Path) -> Vec<Cert> {
    let pem = std::fs::read(d.join("assets/certificates/intermediate_ca.crt")).expect("ca");
    sealpost::cms::parse_certificates(&pem).expect("parse the intermediate")
}

enum Outcome {
    /// The message could not be read as S/MIME at all (an error, never "signed").
    Error(String),
    Report(Report),
}

fn open(d: &Path, rel: &str) -> Outcome {
    let msg = std::fs::read(d.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let opened = match sealpost::smime::open(&msg, &[], &[]) {
        Ok(o) => o,
        Err(e) => return Outcome::Error(e.to_string()),
    };
    Outcome::Report(build(&opened, &anchor(d), &[], AT))
}

fn statuses(r: &Report) -> Vec<(String, Vec<String>)> {
    r.layers
        .iter()
        .filter_map(|l| match l {
            LayerReport::Signed { signatures, .. } => Some(signatures),
            _ => None,
        })
        .flatten()
        .map(|s| (s.status.to_string(), s.emails.clone()))
        .collect()
}

/// Valid, signed by `email`, From matches.
fn assert_valid(d: &Path, rel: &str, email: &str) {
    match open(d, rel) {
        Outcome::Error(e) => panic!("{rel}: expected a valid signature, got an error: {e}"),
        Outcome::Report(r) => {
            assert!(r.signed && r.valid, "{rel}: {:?}", statuses(&r));
            assert_eq!(
                statuses(&r),
                vec![("valid".to_string(), vec![email.to_string()])],
                "{rel}"
            );
        }
    }
}

/// The signature is mathematically fine and trusted, but the signer is not the sender.
fn assert_mismatch(d: &Path, rel: &str) {
    match open(d, rel) {
        Outcome::Error(e) => panic!("{rel}: expected a mismatch report, got an error: {e}"),
        Outcome::Report(r) => {
            assert!(r.signed && !r.valid, "{rel}: {:?}", statuses(&r));
            let st = statuses(&r);
            assert_eq!(st.len(), 1, "{rel}");
            assert_eq!(st[0].0, "mismatched-sender", "{rel}: {st:?}");
            assert_eq!(st[0].1, vec!["eve@bigcorporation.de".to_string()], "{rel}");
        }
    }
}

/// Never shown as a valid signature: an error, not signed, or invalid.
fn assert_not_valid(d: &Path, rel: &str) -> Outcome {
    let out = open(d, rel);
    if let Outcome::Report(r) = &out {
        assert!(!r.valid, "{rel} must not be valid: {:?}", statuses(r));
    }
    out
}

#[test]
fn controls_are_valid() {
    let Some(d) = dir() else { return };
    assert_valid(
        &d,
        "01-cms/valid_email_from_manager.eml",
        "manager@bigcorporation.de",
    );
    assert_valid(
        &d,
        "assets/valid-signed/manager-smime.eml",
        "manager@bigcorporation.de",
    );
    assert_valid(
        &d,
        "assets/valid-signed/eve-smime.eml",
        "eve@bigcorporation.de",
    );
}

#[test]
fn c1_econtent_confusion_is_an_error() {
    let Some(d) = dir() else { return };
    for rel in [
        "01-cms/c1_eContent-confusion/eContent_confusion.eml",
        "01-cms/c1_eContent-confusion/eContent_confusion_refinement.eml",
    ] {
        match assert_not_valid(&d, rel) {
            Outcome::Error(e) => assert!(e.contains("content"), "{rel}: {e}"),
            Outcome::Report(r) => panic!("{rel}: expected an error, got {:?}", statuses(&r)),
        }
    }
}

#[test]
fn c2_every_signer_counts_in_either_order() {
    let Some(d) = dir() else { return };
    for rel in [
        "01-cms/c2_multiple-signerInfos/multiple_signerInfos_append_johnny.eml",
        "01-cms/c2_multiple-signerInfos/multiple_signerInfos_prepend_johnny.eml",
    ] {
        match assert_not_valid(&d, rel) {
            Outcome::Error(e) => panic!("{rel}: expected a per-signer report, got {e}"),
            Outcome::Report(r) => {
                let st = statuses(&r);
                assert_eq!(st.len(), 2, "{rel}: both signers reported: {st:?}");
                assert!(
                    st.iter().any(|(s, _)| s == "invalid"),
                    "{rel}: the copied signature is invalid: {st:?}"
                );
                assert!(
                    !st.iter().any(|(s, e)| s == "valid"
                        && e.contains(&"manager@bigcorporation.de".to_string())),
                    "{rel}: never valid from manager: {st:?}"
                );
            }
        }
    }
}

#[test]
fn c3_no_signer_is_not_signed() {
    let Some(d) = dir() else { return };
    for rel in [
        "01-cms/c3_no-signerInfos/no_signerInfos_detached.eml",
        "01-cms/c3_no-signerInfos/no certificates/no_signerInfos_no_certificates_detached.eml",
    ] {
        // Readable, as the unsigned message it is: no signature shown, not "signed".
        match assert_not_valid(&d, rel) {
            Outcome::Error(e) => panic!("{rel}: the text must still be readable, got: {e}"),
            Outcome::Report(r) => {
                assert!(!r.signed, "{rel}");
                assert!(
                    statuses(&r).is_empty(),
                    "{rel}: no signature may be shown: {:?}",
                    statuses(&r)
                );
            }
        }
    }
}

#[test]
fn crash_case_is_a_clean_error() {
    let Some(d) = dir() else { return };
    match assert_not_valid(&d, "01-cms/crashes/crash_01.eml") {
        Outcome::Error(e) => assert!(!e.is_empty()),
        Outcome::Report(r) => assert!(statuses(&r).iter().all(|(s, _)| s != "valid")),
    }
}

#[test]
fn m_signed_part_hidden_in_an_unsigned_message_does_not_sign_it() {
    let Some(d) = dir() else { return };
    for rel in [
        "03-mime/m1-prepending-text/m1-smime.eml",
        "03-mime/m2-hiding-with-html/m2-smime-mix.eml",
        "03-mime/m3-hiding-in-reference/m3-smime.eml",
        "03-mime/m4-hiding-as-attachment/m4-smime.eml",
        "05-ui/u1-ui-redressing/u1-generic.eml",
    ] {
        match open(&d, rel) {
            Outcome::Error(e) => {
                assert!(e.contains("not signed or encrypted"), "{rel}: {e}")
            }
            Outcome::Report(r) => {
                assert!(!r.valid && !r.signed, "{rel}: {:?}", statuses(&r))
            }
        }
    }
}

#[test]
fn i_the_from_address_must_be_the_signers() {
    let Some(d) = dir() else { return };
    // I1: From manager@, signed by eve@.
    assert_mismatch(
        &d,
        "04-id/i1-sender-signer-checks/i1-from-unequals-signer-smime.eml",
    );
    // I2: display names never count, only the address.
    for rel in [
        "04-id/i2-display-name-confusion/i2-from-contains-signer-smime.eml",
        "04-id/i2-display-name-confusion/i2-from-is-sender-signer-a-smime.eml",
        "04-id/i2-display-name-confusion/i2-from-is-sender-signer-b-smime.eml",
    ] {
        // The address is eve@, who signed: valid, and the report names eve@.
        assert_valid(&d, rel, "eve@bigcorporation.de");
    }
    for rel in [
        "04-id/i2-display-name-confusion/i2-from-is-signer-sender-a-smime.eml",
        "04-id/i2-display-name-confusion/i2-from-is-signer-sender-b-smime.eml",
        "04-id/i2-display-name-confusion/i2-from-is-empty-smime.eml",
        "04-id/i2-display-name-confusion/i2-from-is-nonexistent-smime.eml",
        "04-id/i2-display-name-confusion/i2-from-is-only-a-name-smime.eml",
    ] {
        assert_mismatch(&d, rel);
    }
    // I3: several From mailboxes or fields, or a Sender that is the signer: never plain valid.
    for rel in [
        "04-id/i3-from-sender-confusion/i3-from-is-sender-sender-signer-smime.eml",
        "04-id/i3-from-sender-confusion/i3-from-is-sender-signer-sender-smime.eml",
        "04-id/i3-from-sender-confusion/i3-from1-sender-from2-signer-smime.eml",
        "04-id/i3-from-sender-confusion/i3-from1-signer-from2-sender-smime.eml",
        "04-id/i3-from-sender-confusion/i3-from-sender-others-signer-smime.eml",
    ] {
        assert_mismatch(&d, rel);
    }
    assert_valid(
        &d,
        "04-id/i3-from-sender-confusion/i3-from-signer-others-sender-smime.eml",
        "eve@bigcorporation.de",
    );
}
