//! Which certificate signed (RFC 8550 §4, RFC 5035): a signature that names its certificate in
//! signingCertificateV2 (ESSCertIDv2) or signingCertificate (ESSCertID, SHA-1) is valid only
//! with that certificate, and several certificates matching the signer identifier are all tried
//! instead of taking the first one the message (or the store) happens to list.
//!
//! The decoy: a second certificate, issued by the test CA to eve@example.test on *alice's* key
//! (a CA that does not check proof of possession), so it has alice's subject key identifier.
//! Whoever holds it can take any of alice's signatures and offer the decoy as the signer's
//! certificate. `openssl cms -sign` adds the ESS attributes only with `-cades` (OpenSSL 3.0:
//! signingCertificateV2 with SHA-256, or signingCertificate with `-md sha1`).

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::{openssl, pki, pki_file};
use sealpost::cms::verify::{self, SignerFailure};
use sealpost::pki::cert::Cert;

const CONTENT: &[u8] = b"Content-Type: text/plain\r\n\r\nPay invoice 42 by Friday.\r\n";

/// A directory with the decoy certificate (`eve-on-alice-key.pem`) and the content.
fn dir() -> &'static Path {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DIR.get_or_init(|| {
        let tmp = tempfile::tempdir().expect("tempdir");
        let d = tmp.path().to_path_buf();
        let p = |n: &str| d.join(n).to_string_lossy().into_owned();
        std::fs::write(d.join("content.txt"), CONTENT).expect("content");
        std::fs::write(
            d.join("ext.cnf"),
            "[v3]\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n\
             basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n\
             extendedKeyUsage=emailProtection\nsubjectAltName=email:eve@example.test\n",
        )
        .expect("ext.cnf");
        openssl(&[
            "req",
            "-new",
            "-key",
            &pki_file("rsa2048.key"),
            "-subj",
            "/CN=Eve/emailAddress=eve@example.test",
            "-out",
            &p("eve.csr"),
        ]);
        openssl(&[
            "x509",
            "-req",
            "-in",
            &p("eve.csr"),
            "-CA",
            &pki_file("ca.pem"),
            "-CAkey",
            &pki_file("ca.key"),
            "-set_serial",
            "4242",
            "-days",
            "3650",
            "-extfile",
            &p("ext.cnf"),
            "-extensions",
            "v3",
            "-out",
            &p("eve-on-alice-key.pem"),
        ]);
        (tmp, d)
    })
    .1
}

fn file(name: &str) -> String {
    dir().join(name).to_string_lossy().into_owned()
}

fn cert(path: &str) -> Cert {
    let pem = std::fs::read_to_string(path).expect("pem");
    let (_, der) = sealpost::pki::pem_blocks(&pem)
        .into_iter()
        .find(|(label, _)| label == "CERTIFICATE")
        .expect("a certificate");
    Cert::from_der(&der).expect("certificate")
}

fn alice() -> Cert {
    cert(&pki_file("rsa2048.pem"))
}

fn decoy() -> Cert {
    cert(&file("eve-on-alice-key.pem"))
}

/// Alice's detached signature over CONTENT by `openssl cms -sign`, DER, with `extra` arguments.
fn alice_signs(name: &str, extra: &[&str]) -> Vec<u8> {
    let (out, input) = (file(name), file("content.txt"));
    let (pem, key) = (pki_file("rsa2048.pem"), pki_file("rsa2048.key"));
    let mut args = vec![
        "cms", "-sign", "-binary", "-outform", "DER", "-in", &input, "-signer", &pem, "-inkey",
        &key, "-out", &out,
    ];
    args.extend_from_slice(extra);
    openssl(&args);
    std::fs::read(&out).expect("signature")
}

fn only_signer(v: &verify::Verified) -> &verify::SignerResult {
    assert_eq!(v.signers.len(), 1, "{v:?}");
    &v.signers[0]
}

#[test]
fn the_decoy_shares_alices_key_and_key_identifier() {
    let (a, e) = (alice(), decoy());
    assert_eq!(a.spki_der(), e.spki_der());
    assert!(a.subject_key_id().is_some());
    assert_eq!(a.subject_key_id(), e.subject_key_id());
    assert_ne!(a.fingerprint(), e.fingerprint());
    assert!(e.has_email("eve@example.test") && !e.has_email("alice@example.test"));
}

#[test]
fn openssl_cades_signatures_carry_signing_certificate_v2_and_verify() {
    for (name, extra) in [
        ("cades-ias.p7s", &["-cades"][..]),
        ("cades-ski.p7s", &["-cades", "-keyid"][..]),
    ] {
        let sig = alice_signs(name, extra);
        let print = openssl(&[
            "cms",
            "-cmsout",
            "-print",
            "-inform",
            "DER",
            "-in",
            &file(name),
        ]);
        assert!(
            String::from_utf8_lossy(&print.stdout).contains("signingCertificateV2"),
            "{name}: no signingCertificateV2 attribute"
        );
        let v = verify::verify(&sig, Some(CONTENT), &[]).expect("verify");
        let s = only_signer(&v);
        assert_eq!(s.outcome, Ok(()), "{name}");
        assert_eq!(
            s.cert.as_ref().map(Cert::fingerprint),
            Some(alice().fingerprint())
        );
    }
}

#[test]
fn a_decoy_certificate_in_the_message_is_refused_with_signing_certificate_v2() {
    // The message carries only the decoy; the signature names alice's certificate.
    let sig = alice_signs(
        "swapped-v2.p7s",
        &[
            "-cades",
            "-keyid",
            "-nocerts",
            "-certfile",
            &file("eve-on-alice-key.pem"),
        ],
    );
    let v = verify::verify(&sig, Some(CONTENT), &[]).expect("verify");
    assert_eq!(v.certificates.len(), 1);
    let s = only_signer(&v);
    match &s.outcome {
        Err(SignerFailure::SigningCertificateMismatch {
            algorithm,
            cert_hash,
            offered,
        }) => {
            assert_eq!(algorithm, "sha-256");
            assert_eq!(
                cert_hash,
                &alice().fingerprint(),
                "names alice's certificate"
            );
            assert_eq!(offered, &vec![decoy().fingerprint()]);
        }
        other => panic!("the decoy was accepted as the signer: {other:?}"),
    }
}

#[test]
fn a_decoy_certificate_is_refused_with_the_sha1_signing_certificate() {
    let sig = alice_signs(
        "swapped-v1.p7s",
        &[
            "-cades",
            "-md",
            "sha1",
            "-keyid",
            "-nocerts",
            "-certfile",
            &file("eve-on-alice-key.pem"),
        ],
    );
    let print = openssl(&[
        "cms",
        "-cmsout",
        "-print",
        "-inform",
        "DER",
        "-in",
        &file("swapped-v1.p7s"),
    ]);
    assert!(String::from_utf8_lossy(&print.stdout).contains("id-smime-aa-signingCertificate "));
    let v = verify::verify(&sig, Some(CONTENT), &[]).expect("verify");
    assert!(
        matches!(
            &only_signer(&v).outcome,
            Err(SignerFailure::SigningCertificateMismatch { algorithm, .. }) if algorithm == "sha-1"
        ),
        "{v:?}"
    );
}

#[test]
fn a_decoy_listed_first_in_the_store_does_not_pick_the_signer() {
    // No certificate in the message: the store holds the decoy first, then alice's.
    let sig = alice_signs("pool.p7s", &["-cades", "-keyid", "-nocerts"]);
    let v = verify::verify(&sig, Some(CONTENT), &[decoy(), alice()]).expect("verify");
    let s = only_signer(&v);
    assert_eq!(s.outcome, Ok(()));
    assert_eq!(
        s.cert.as_ref().map(Cert::fingerprint),
        Some(alice().fingerprint()),
        "the signer is the certificate the signature names"
    );
    // With only the decoy at hand, the signature is not valid.
    let v = verify::verify(&sig, Some(CONTENT), &[decoy()]).expect("verify");
    assert!(matches!(
        only_signer(&v).outcome,
        Err(SignerFailure::SigningCertificateMismatch { .. })
    ));
}

#[test]
fn without_signing_certificate_two_identities_on_one_key_are_ambiguous() {
    // No ESS attribute binds a certificate; both certificates verify and name different people.
    let sig = alice_signs(
        "no-ess.p7s",
        &["-keyid", "-certfile", &file("eve-on-alice-key.pem")],
    );
    let print = openssl(&[
        "cms",
        "-cmsout",
        "-print",
        "-inform",
        "DER",
        "-in",
        &file("no-ess.p7s"),
    ]);
    assert!(!String::from_utf8_lossy(&print.stdout).contains("signingCertificate"));
    let v = verify::verify(&sig, Some(CONTENT), &[]).expect("verify");
    match &only_signer(&v).outcome {
        Err(SignerFailure::AmbiguousSigner { fingerprints }) => {
            let mut got = fingerprints.clone();
            got.sort();
            let mut want = vec![alice().fingerprint(), decoy().fingerprint()];
            want.sort();
            assert_eq!(got, want);
        }
        other => panic!("one identity was picked by order: {other:?}"),
    }
    // Alice's certificate in the message and the decoy in the store: just as ambiguous.
    let sig = alice_signs("no-ess-plain.p7s", &["-keyid"]);
    let v = verify::verify(&sig, Some(CONTENT), &[decoy()]).expect("verify");
    let s = only_signer(&v);
    assert!(
        matches!(s.outcome, Err(SignerFailure::AmbiguousSigner { .. })),
        "the store's decoy verifies too: {s:?}"
    );
    // Without the decoy at hand, the same signature is valid.
    let v = verify::verify(&sig, Some(CONTENT), &[]).expect("verify");
    assert_eq!(only_signer(&v).outcome, Ok(()));
}

#[test]
fn our_signatures_name_their_certificate_and_openssl_checks_it() {
    let p12 = std::fs::read(pki().join("rsa2048.p12")).expect("alice's p12");
    let id = sealpost::pki::pkcs12::parse(&p12, "secret").expect("parse p12");
    let key = sealpost::pki::keys::PrivateKey::from_pkcs8_der(&id.key_pkcs8).expect("key");
    let opts = sealpost::cms::sign::SignOptions {
        sid: sealpost::cms::sign::SignerId::SubjectKeyId,
        ..Default::default()
    };
    let der = sealpost::cms::sign::sign(CONTENT, &key, &id.cert, &[], &opts).expect("sign");
    std::fs::write(dir().join("ours.p7s"), &der).expect("write");
    let print = openssl(&[
        "cms",
        "-cmsout",
        "-print",
        "-inform",
        "DER",
        "-in",
        &file("ours.p7s"),
    ]);
    assert!(String::from_utf8_lossy(&print.stdout).contains("signingCertificateV2"));
    // OpenSSL 3 checks signingCertificate(V2) against the signer certificate it uses.
    openssl(&[
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        &file("ours.p7s"),
        "-content",
        &file("content.txt"),
        "-CAfile",
        &pki_file("ca.pem"),
        "-purpose",
        "any",
        "-out",
        "/dev/null",
    ]);
    let v = verify::verify(&der, Some(CONTENT), &[]).expect("verify");
    assert_eq!(only_signer(&v).outcome, Ok(()));
    // Our own signature with the decoy offered in the store instead is refused.
    let sig = sealpost::cms::sign::sign(CONTENT, &key, &id.cert, &[], &opts).expect("sign");
    let stripped = strip_certificates(&sig);
    let v = verify::verify(&stripped, Some(CONTENT), &[decoy()]).expect("verify");
    assert!(
        matches!(
            only_signer(&v).outcome,
            Err(SignerFailure::SigningCertificateMismatch { .. })
        ),
        "{v:?}"
    );
}

/// The same SignedData without its certificates (`openssl cms -cmsout` cannot drop them).
fn strip_certificates(sig: &[u8]) -> Vec<u8> {
    use der::{Decode, Encode};
    let ci = cms::content_info::ContentInfo::from_der(sig).expect("ContentInfo");
    let mut sd: cms::signed_data::SignedData = ci.content.decode_as().expect("SignedData");
    sd.certificates = None;
    cms::content_info::ContentInfo {
        content_type: ci.content_type,
        content: der::Any::encode_from(&sd).expect("encode"),
    }
    .to_der()
    .expect("encode")
}
