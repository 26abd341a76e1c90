//! Public test vectors from ../shared/vectors (see its README for the expected result of each).
//! When the folder is absent the tests print a notice and check nothing else.

use std::path::PathBuf;

use sealpost::cms::{self, envelope::KeyHolder};
use sealpost::pki::{cert::Cert, keys::PrivateKey, pkcs12};

fn vectors() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors");
    if p.is_dir() {
        Some(p)
    } else {
        println!("notice: ../shared/vectors is absent; vector tests not run");
        None
    }
}

fn read(p: PathBuf) -> Vec<u8> {
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

const EX_CONTENT: &[u8] = b"This is some sample content.";

#[test]
fn rfc4134_ber_data_and_3des_enveloped() {
    let Some(v) = vectors() else { return };
    let d = v.join("rfc4134");
    // 3.1: id-data in indefinite-length BER.
    let der = sealpost::asn1::ber_to_der(&read(d.join("3.1.bin"))).unwrap();
    assert!(der.windows(EX_CONTENT.len()).any(|w| w == EX_CONTENT));
    // 5.1: EnvelopedData, 3DES-CBC, RSA key transport to Bob: decrypts (old mail stays readable).
    let bob = Cert::from_der(&read(d.join("BobRSASignByCarl.cer"))).unwrap();
    let key = PrivateKey::from_pkcs8_der(&read(d.join("BobPrivRSAEncrypt.pri"))).unwrap();
    let out = cms::envelope::decrypt(
        &read(d.join("5.1.bin")),
        &[KeyHolder {
            cert: &bob,
            key: &key,
        }],
    )
    .unwrap();
    assert_eq!(out.content, EX_CONTENT);
    assert_eq!(out.cipher.name(), "des-ede3-cbc");
    // 5.2 (RC2) is refused cleanly.
    assert!(
        cms::envelope::decrypt(
            &read(d.join("5.2.bin")),
            &[KeyHolder {
                cert: &bob,
                key: &key
            }]
        )
        .is_err()
    );
    // 7.1 EncryptedData: a clean error, no crash.
    assert!(cms::envelope::decrypt(&read(d.join("7.1.bin")), &[]).is_err());
}

#[test]
fn rfc4134_signed_data() {
    let Some(v) = vectors() else { return };
    let d = v.join("rfc4134");
    // 4.2 (RSA, attached), 4.5 (BER), 4.7 (signer by SubjectKeyIdentifier), 4.10 (many attributes).
    for f in ["4.2.bin", "4.5.bin"] {
        let r = cms::verify::verify(&read(d.join(f)), None, &[]).unwrap();
        assert_eq!(r.content, EX_CONTENT, "{f}");
        assert_eq!(r.signers.len(), 1, "{f}");
        assert!(
            r.signers[0].outcome.is_ok(),
            "{f}: {:?}",
            r.signers[0].outcome
        );
        println!("{f}: valid ({})", r.signers[0].algorithm);
    }
    // 4.10: many signed attributes (unknown ones tolerated); DSA signer found, reported unsupported.
    let r = cms::verify::verify(&read(d.join("4.10.bin")), None, &[]).unwrap();
    assert_eq!(r.content, EX_CONTENT);
    assert!(r.signers[0].cert.is_some());
    // 4.7: the signer is found by SubjectKeyIdentifier; its DSA key is reported unsupported.
    let r = cms::verify::verify(&read(d.join("4.7.bin")), None, &[]).unwrap();
    assert!(r.signers[0].cert.is_some());
    assert!(matches!(
        r.signers[0].outcome,
        Err(cms::verify::SignerFailure::Unsupported(_))
    ));
    // 4.1: DSA is not supported: reported per signer, not as valid.
    let r = cms::verify::verify(&read(d.join("4.1.bin")), None, &[]).unwrap();
    assert!(r.signers[0].outcome.is_err());
    // 4.11: certs-only (no content, no signers, Alice + Carl certificates and a v1 CRL) is not
    // a signed message: a CertificatesOnly error, with or without detached content, and the two
    // certificates import.
    let certs_only = read(d.join("4.11.bin"));
    for detached in [None, Some(EX_CONTENT)] {
        let r = cms::verify::verify(&certs_only, detached, &[]);
        assert!(
            matches!(r, Err(cms::CmsError::CertificatesOnly)),
            "4.11 with detached {detached:?}: {r:?}"
        );
    }
    let certs = sealpost::pki::parse_certificates(&certs_only).unwrap();
    let subjects: Vec<String> = certs.iter().map(|c| c.subject()).collect();
    assert_eq!(certs.len(), 2, "4.11 certificates: {subjects:?}");
    assert!(
        subjects.iter().any(|s| s.contains("AliceDSS"))
            && subjects.iter().any(|s| s.contains("CarlDSS")),
        "4.11 certificates: {subjects:?}"
    );
}

#[test]
fn pyca_pkcs12_files() {
    let Some(v) = vectors() else { return };
    let d = v.join("pyca-cryptography-vectors/pkcs12");
    let mut ok = 0;
    for name in [
        "cert-key-aes256cbc.p12",
        "cert-aes256cbc-no-key.p12",
        "no-password.p12",
    ] {
        let p = d.join(name);
        if !p.exists() {
            continue;
        }
        match pkcs12::parse(&read(p), "cryptography") {
            Ok(_) => ok += 1,
            Err(e) => println!("{name}: {e}"),
        }
    }
    println!("pyca: {ok} identities read");
    // Wrong password on a real file is reported as such.
    let p = d.join("cert-key-aes256cbc.p12");
    if p.exists() {
        assert!(matches!(
            pkcs12::parse(&read(p), "wrong"),
            Err(pkcs12::Pkcs12Error::WrongPassword)
        ));
    }
}
