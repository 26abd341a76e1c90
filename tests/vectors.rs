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
    assert_eq!(out.content[..], EX_CONTENT[..]);
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
    let certs = sealpost::cms::parse_certificates(&certs_only).unwrap();
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

// ================================================================================================
// MimeKit test PKI (README §3) and the vectors generated with it (README §7)
// ================================================================================================

const MIMEKIT_PASSWORD: &str = "no.secret";
/// 2026-11-28 12:00 UTC, when generated-openssl/ was made (inside every MimeKit validity).
const GENERATED_AT: u64 = 1_795_867_200;

fn mimekit_identity(v: &std::path::Path, name: &str) -> pkcs12::Identity {
    pkcs12::parse(&read(v.join("mimekit-smime").join(name)), MIMEKIT_PASSWORD)
        .unwrap_or_else(|e| panic!("mimekit-smime/{name}: {e}"))
}

fn key_of(id: &pkcs12::Identity) -> PrivateKey {
    PrivateKey::from_pkcs8_der(&id.key_pkcs8).expect("PKCS#8 key from the pfx")
}

/// The DER inside an application/pkcs7-mime message (base64 body).
fn pkcs7_der(eml: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    let (_, entity) = sealpost::smime::split_message(eml).expect("a message");
    let clean: Vec<u8> = entity
        .body
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(clean)
        .expect("base64 body")
}

#[test]
fn mimekit_pfx_files_import() {
    let Some(v) = vectors() else { return };
    // rsa: 1 key + 4 certificates (leaf and a chain of 3); address from the DN emailAddress only.
    let rsa = mimekit_identity(&v, "rsa/smime.pfx");
    assert_eq!(rsa.chain.len(), 3, "rsa/smime.pfx chain");
    assert_eq!(rsa.cert.emails(), vec!["rsa@mimekit.net".to_string()]);
    assert!(rsa.cert.has_email("rsa@mimekit.net"));
    assert!(matches!(
        key_of(&rsa).public(),
        sealpost::pki::keys::PublicKey::Rsa(_)
    ));
    // Wrong password: reported as such (our own MAC check on this BER file).
    assert!(matches!(
        pkcs12::parse(&read(v.join("mimekit-smime/rsa/smime.pfx")), "wrong"),
        Err(pkcs12::Pkcs12Error::WrongPassword)
    ));
    // ec: ECDSA P-384 with keyAgreement.
    let ec = mimekit_identity(&v, "ec/smime.pfx");
    assert!(ec.cert.has_email("ec@mimekit.net"));
    assert!(matches!(
        key_of(&ec).public(),
        sealpost::pki::keys::PublicKey::P384(_)
    ));
    // dnsnames: no e-mail address at all.
    let dns = mimekit_identity(&v, "dnsnames/smime.pfx");
    assert!(dns.cert.emails().is_empty(), "{:?}", dns.cert.emails());
    // nochain: only the leaf.
    let nochain = mimekit_identity(&v, "nochain/smime.pfx");
    assert!(nochain.chain.is_empty());
    assert!(nochain.cert.has_email("nochain@mimekit.net"));
    for (f, who) in [
        ("revoked/smime.pfx", "revoked@mimekit.net"),
        ("revokednochain/smime.pfx", "revokednochain@mimekit.net"),
        ("revokedsubca/smime.pfx", "revokedsubca@mimekit.net"),
    ] {
        assert!(mimekit_identity(&v, f).cert.has_email(who), "{f}");
    }
    // The CA pfx files hold a key and the CA certificate.
    for f in [
        "certificate-authority.pfx",
        "intermediate1.pfx",
        "intermediate2.pfx",
    ] {
        assert!(mimekit_identity(&v, f).cert.is_ca(), "{f}");
    }
    // dsa: DSA-1024 is historic; the import is refused with a clean error, not a panic.
    let dsa = pkcs12::parse(
        &read(v.join("mimekit-smime/dsa/smime.pfx")),
        MIMEKIT_PASSWORD,
    );
    assert!(
        matches!(dsa, Err(pkcs12::Pkcs12Error::BadKey(_))),
        "dsa: {:?}",
        dsa.err()
    );
}

#[test]
fn mimekit_ec_identity_signs_and_encrypts() {
    let Some(v) = vectors() else { return };
    let ec = mimekit_identity(&v, "ec/smime.pfx");
    let key = key_of(&ec);
    let signed = cms::sign::sign(
        EX_CONTENT,
        &key,
        &ec.cert,
        &ec.chain,
        &cms::sign::SignOptions {
            attached: true,
            ..Default::default()
        },
    )
    .unwrap();
    let r = cms::verify::verify(&signed, None, &[]).unwrap();
    assert!(r.signers[0].outcome.is_ok(), "{:?}", r.signers[0].outcome);
    assert!(r.signers[0].algorithm.to_lowercase().contains("ecdsa"));
    let env = cms::envelope::encrypt(
        EX_CONTENT,
        &[cms::envelope::Recipient {
            cert: &ec.cert,
            rsa: cms::envelope::RsaTransport::Pkcs1v15,
        }],
        cms::envelope::ContentCipher::Aes256Gcm,
    )
    .unwrap();
    let d = cms::envelope::decrypt(
        &env,
        &[KeyHolder {
            cert: &ec.cert,
            key: &key,
        }],
    )
    .unwrap();
    assert_eq!(d.content[..], EX_CONTENT[..]);
}

#[test]
fn mimekit_openssl_test_pems_parse_or_fail_cleanly() {
    let Some(v) = vectors() else { return };
    let d = v.join("mimekit-smime");
    for f in [
        "smroot.pem",
        "smrsa1.pem",
        "smrsa2.pem",
        "smrsa3.pem",
        "smdsa1.pem",
        "smdsa2.pem",
        "smdsa3.pem",
        "smec1.pem",
        "smec2.pem",
        "smec3.pem",
        "smdh.pem",
    ] {
        let data = read(d.join(f));
        let certs = sealpost::cms::parse_certificates(&data).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert_eq!(certs.len(), 1, "{f}");
        // no e-mail addresses in any of them
        assert!(certs[0].emails().is_empty(), "{f}: {:?}", certs[0].emails());
        // expired 2023 (smec3: 2027)
        let expires = certs[0].not_after();
        assert!(expires < 1_830_000_000, "{f}: not after {expires}");
    }
    // Odd keys: a binary curve (smec2) and X9.42 DH (smdh) give a clean error.
    for f in ["smec2.pem", "smdh.pem"] {
        let text = String::from_utf8(read(d.join(f))).unwrap();
        let key = sealpost::pki::pem_blocks(&text)
            .into_iter()
            .find(|(l, _)| l.contains("PRIVATE KEY"))
            .unwrap_or_else(|| panic!("{f}: no private key block"));
        assert!(PrivateKey::from_pkcs8_der(&key.1).is_err(), "{f}");
    }
    // smdsap.pem holds DSA parameters only: not a certificate file.
    assert!(sealpost::cms::parse_certificates(&read(d.join("smdsap.pem"))).is_err());
}

#[test]
fn mimekit_thunderbird_message_verifies() {
    let Some(v) = vectors() else { return };
    let d = v.join("mimekit-smime");
    let msg = read(d.join("thunderbird-signed.txt"));
    let opened = sealpost::smime::open(&msg, &[], &[]).unwrap();
    let [sealpost::smime::Layer::Signed { form, verified }] = opened.layers.as_slice() else {
        panic!("one signed layer expected");
    };
    assert_eq!(*form, sealpost::smime::SignedForm::MultipartSigned);
    let s = &verified.signers[0];
    assert!(s.outcome.is_ok(), "{:?}", s.outcome);
    assert_eq!(s.digest, Some(sealpost::pki::signature::HashAlg::Sha1));
    let cert = s.cert.as_ref().unwrap();
    assert!(cert.has_email("fejj@gnome.org"));
    // The chain (StartCom, distrusted and expired) validates only at the signing time.
    let root =
        sealpost::cms::parse_certificates(&read(d.join("StartComCertificationAuthority.crt")))
            .unwrap();
    let inter = sealpost::cms::parse_certificates(&read(
        d.join("StartComClass1PrimaryIntermediateClientCA.crt"),
    ))
    .unwrap();
    let ctx = |at| sealpost::pki::validate::TrustContext {
        anchors: &root,
        builtin: &[],
        intermediates: &inter,
        at,
    };
    let sign = sealpost::pki::validate::Purpose::Sign;
    let now = sealpost::pki::validate::validate(cert, sign, &ctx(GENERATED_AT));
    assert_eq!(now.err().map(|e| e.status()), Some("expired"));
    // At the signing time (2013) the chain builds: its SHA-1 signatures predate the policy's
    // cut-off (2017-01-01), judged at the validation time.
    let then = sealpost::pki::validate::validate(cert, sign, &ctx(1_383_420_000));
    let path = then.unwrap_or_else(|e| panic!("valid at the signing time: {e}"));
    assert_eq!(path.certs.len(), 3);
    assert_eq!(
        path.anchor.source,
        sealpost::pki::validate::AnchorSource::User
    );
    // Judged now with the signing time: expired now, valid when signed, which is its own
    // reason and still not a valid signature.
    let err = sealpost::pki::validate::validate_signed(cert, &ctx(GENERATED_AT), s.signing_time)
        .unwrap_err();
    assert_eq!(err.kind(), "expired-since-signing", "{err}");
    assert_eq!(err.status(), "expired");
    // The report the CLI and the app show says the same.
    let report = sealpost::api::message::report::build(&opened, &root, &inter, GENERATED_AT);
    assert_eq!(report.from.as_deref(), Some("fejj@gnome.org"));
    let sealpost::api::LayerReport::Signed { signatures, .. } = &report.layers[0] else {
        panic!("signed layer");
    };
    assert_eq!(signatures[0].status.as_str(), "expired");
    assert_eq!(
        signatures[0].reason_code.as_deref(),
        Some("expired-since-signing")
    );
    assert!(!report.valid);
}

fn generated(v: &std::path::Path, f: &str) -> Vec<u8> {
    read(v.join("generated-openssl").join(f))
}

#[test]
fn generated_openssl_envelopes_decrypt() {
    let Some(v) = vectors() else { return };
    let rsa = mimekit_identity(&v, "rsa/smime.pfx");
    let rsa_key = key_of(&rsa);
    let ec = mimekit_identity(&v, "ec/smime.pfx");
    let ec_key = key_of(&ec);
    let inner = generated(&v, "inner-plaintext.mime");
    assert_eq!(inner.len(), 119);
    let rsa_holder = [KeyHolder {
        cert: &rsa.cert,
        key: &rsa_key,
    }];
    let ec_holder = [KeyHolder {
        cert: &ec.cert,
        key: &ec_key,
    }];
    for (f, holder, cipher, authenticated) in [
        (
            "encrypted-rsa-aes-128-gcm.eml",
            &rsa_holder,
            "aes-128-gcm",
            true,
        ),
        (
            "encrypted-rsa-aes-256-gcm.eml",
            &rsa_holder,
            "aes-256-gcm",
            true,
        ),
        (
            "encrypted-rsaoaep-aes-256-gcm.eml",
            &rsa_holder,
            "aes-256-gcm",
            true,
        ),
        (
            "encrypted-ecdh-p384-aes-256-gcm.eml",
            &ec_holder,
            "aes-256-gcm",
            true,
        ),
        (
            "encrypted-rsa-aes-128-cbc.eml",
            &rsa_holder,
            "aes-128-cbc",
            false,
        ),
        (
            "encrypted-rsa-aes-256-cbc.eml",
            &rsa_holder,
            "aes-256-cbc",
            false,
        ),
        (
            "authenveloped-rsa-aes-128-gcm.der",
            &rsa_holder,
            "aes-128-gcm",
            true,
        ),
        (
            "enveloped-rsa-aes-128-cbc.der",
            &rsa_holder,
            "aes-128-cbc",
            false,
        ),
    ] {
        let data = generated(&v, f);
        let der = if f.ends_with(".eml") {
            pkcs7_der(&data)
        } else {
            data.clone()
        };
        let d =
            cms::envelope::decrypt(&der, holder.as_slice()).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert_eq!(d.content[..], inner[..], "{f}: plaintext byte for byte");
        assert_eq!(d.cipher.name(), cipher, "{f}");
        // CBC carries no integrity protection: reported as not authenticated.
        assert_eq!(d.authenticated, authenticated, "{f}");
        if f.ends_with(".eml") {
            let opened = sealpost::smime::open(&data, holder.as_slice(), &[]).unwrap();
            assert!(matches!(
                opened.layers.as_slice(),
                [sealpost::smime::Layer::Encrypted { authenticated: a, .. }] if *a == authenticated
            ));
        }
    }
    // GCM with one flipped bit: an error and no plaintext; the same error as for a key that
    // cannot open the content (no oracle).
    let tampered = cms::envelope::decrypt(
        &generated(&v, "authenveloped-rsa-aes-128-gcm-TAMPERED.der"),
        &rsa_holder,
    );
    assert!(
        matches!(tampered, Err(cms::CmsError::DecryptionFailed)),
        "{:?}",
        tampered.err()
    );
    // CBC is malleable: the tampered file decrypts without error, "10:00" became "11:00".
    let d = cms::envelope::decrypt(
        &generated(&v, "enveloped-rsa-aes-128-cbc-TAMPERED.der"),
        &rsa_holder,
    )
    .unwrap();
    assert!(!d.authenticated);
    let text = String::from_utf8_lossy(&d.content);
    assert!(text.contains("11:00") && !text.contains("10:00"), "{text}");
}

#[test]
fn generated_openssl_efail_and_mixed_messages_are_not_decrypted_as_the_message() {
    let Some(v) = vectors() else { return };
    let rsa = mimekit_identity(&v, "rsa/smime.pfx");
    let rsa_key = key_of(&rsa);
    let holder = [KeyHolder {
        cert: &rsa.cert,
        key: &rsa_key,
    }];
    // The encrypted part is not the root: the message is not opened at all, so no decrypted
    // text is ever joined with the attacker's sibling parts.
    for f in [
        "efail-direct-exfil-aes-128-gcm.eml",
        "efail-direct-exfil-aes-128-cbc.eml",
        "mixed-plaintext-and-encrypted.eml",
    ] {
        let r = sealpost::smime::open(&generated(&v, f), &holder, &[]);
        assert!(
            matches!(r, Err(sealpost::smime::SmimeError::NotSmime)),
            "{f}: {:?}",
            r.as_ref().err()
        );
    }
}

/// smime::open + the report the CLI and app show, with the MimeKit root as the only anchor.
fn generated_report(
    v: &std::path::Path,
    f: &str,
    keys: &[KeyHolder],
    pool: &[Cert],
) -> (sealpost::smime::Opened, sealpost::api::Report) {
    let msg = generated(v, f);
    let opened = sealpost::smime::open(&msg, keys, pool).unwrap_or_else(|e| panic!("{f}: {e}"));
    let root = mimekit_identity(v, "certificate-authority.pfx").cert;
    let report = sealpost::api::message::report::build(&opened, &[root], pool, GENERATED_AT);
    (opened, report)
}

fn signature_statuses(r: &sealpost::api::Report) -> Vec<String> {
    r.layers
        .iter()
        .filter_map(|l| match l {
            sealpost::api::LayerReport::Signed { signatures, .. } => Some(signatures),
            _ => None,
        })
        .flatten()
        .map(|s| s.status.to_string())
        .collect()
}

#[test]
fn generated_openssl_signed_messages() {
    let Some(v) = vectors() else { return };
    for (f, status) in [
        // valid, chain to the MimeKit root, From = DN emailAddress
        ("signed-detached-from-match.eml", "valid"),
        ("signed-opaque-from-match.eml", "valid"),
        // valid signature, but From is not the certificate's address
        ("signed-detached-from-mismatch.eml", "mismatched-sender"),
        ("signed-detached-displayname-spoof.eml", "mismatched-sender"),
        // body changed after signing
        ("signed-detached-TAMPERED-body.eml", "invalid"),
        // no certificates in the message and none in the store
        ("signed-detached-nocerts.eml", "untrusted"),
    ] {
        let (_, r) = generated_report(&v, f, &[], &[]);
        assert!(r.signed && !r.encrypted, "{f}");
        assert_eq!(signature_statuses(&r), vec![status.to_string()], "{f}");
        assert_eq!(r.valid, status == "valid", "{f}");
    }
    // The tampered body is a digest mismatch, never "untrusted" or a parse error.
    let (opened, _) = generated_report(&v, "signed-detached-TAMPERED-body.eml", &[], &[]);
    let sealpost::smime::Layer::Signed { verified, .. } = &opened.layers[0] else {
        panic!("signed layer");
    };
    assert_eq!(
        verified.signers[0].outcome,
        Err(cms::verify::SignerFailure::DigestMismatch)
    );
    // nocerts: valid once the leaf and intermediates are known locally.
    let rsa = mimekit_identity(&v, "rsa/smime.pfx");
    let mut pool = vec![rsa.cert.clone()];
    pool.extend(rsa.chain.iter().cloned());
    let (_, r) = generated_report(&v, "signed-detached-nocerts.eml", &[], &pool);
    assert_eq!(signature_statuses(&r), vec!["valid".to_string()]);
    // signed, then encrypted (AES-256-GCM): both layers, signature valid, From matches.
    let key = key_of(&rsa);
    let holder = [KeyHolder {
        cert: &rsa.cert,
        key: &key,
    }];
    let (_, r) = generated_report(&v, "signed-then-encrypted-aes-256-gcm.eml", &holder, &[]);
    assert!(r.encrypted && r.signed && r.valid, "{r:?}");
    assert!(matches!(
        r.layers[0],
        sealpost::api::LayerReport::AuthEnveloped { .. }
    ));
    // message/rfc822 wrapper: the signature is valid and the protected inner header (Subject
    // "Lunch on Friday?") is what was signed and what is shown; the outer Subject differs
    // from it, and the report says so.
    let (opened, r) = generated_report(
        &v,
        "signed-rfc822-wrapper-outer-subject-differs.eml",
        &[],
        &[],
    );
    assert_eq!(signature_statuses(&r), vec!["valid".to_string()]);
    let outer_subject = opened
        .outer
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("Subject"))
        .map(|h| h.value());
    assert_eq!(
        outer_subject.as_deref(),
        Some("URGENT: wire 50000 EUR today")
    );
    assert_eq!(r.header_mismatches, vec!["subject".to_string()]);
    assert!(r.protected_headers.contains(&"subject".to_string()));
    let shown = sealpost::smime::mime::Entity::parse(&opened.message).unwrap();
    assert_eq!(
        shown.header("Subject").map(|s| s.trim().to_string()),
        Some("Lunch on Friday?".to_string())
    );
    assert_eq!(
        shown
            .headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case("Subject"))
            .count(),
        1
    );
}

/// AS2 message: multipart/signed with a bare-LF application/octet-stream part and a raw binary
/// (not base64) signature part. Signed byte for byte: it verifies when hashed exactly as
/// received, with no line-ending canonicalisation.
#[test]
fn mimekit_as2_binary_multipart_signed_verifies_byte_exact() {
    let Some(v) = vectors() else { return };
    let msg = read(v.join("mimekit-smime/octet-stream-with-mixed-line-endings.dat"));
    assert_ne!(sealpost::smime::canonicalize(&msg), msg, "has bare LFs");
    let opened = sealpost::smime::open(&msg, &[], &[]).unwrap();
    let [sealpost::smime::Layer::Signed { form, verified }] = opened.layers.as_slice() else {
        panic!("one signed layer expected");
    };
    assert_eq!(*form, sealpost::smime::SignedForm::MultipartSigned);
    assert_eq!(verified.signers.len(), 1);
    assert!(
        verified.signers[0].outcome.is_ok(),
        "{:?}",
        verified.signers[0].outcome
    );
    assert_eq!(
        verified.content,
        b"Content-Type: application/octet-stream\r\n\r\nThis is a test from OT GXS. Please ignore.\n"
    );
    // One changed byte in the signed part is a digest mismatch, not a parse error.
    let pos = msg
        .windows(6)
        .position(|w| w == b"ignore")
        .expect("signed text");
    let mut tampered = msg.clone();
    tampered[pos] = b'I';
    let opened = sealpost::smime::open(&tampered, &[], &[]).unwrap();
    let sealpost::smime::Layer::Signed { verified, .. } = &opened.layers[0] else {
        panic!("signed layer");
    };
    assert_eq!(
        verified.signers[0].outcome,
        Err(cms::verify::SignerFailure::DigestMismatch)
    );
}
