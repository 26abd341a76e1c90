//! RSA-PSS SignedData (RFC 4056) produced by our CMS layer and checked by OpenSSL, and our own
//! verifier on the same output: SHA-256/384/512, detached and attached, IssuerAndSerial and
//! SubjectKeyIdentifier signer ids. (Verifying OpenSSL's PSS output is in tests/interop.rs.)

mod common;

use std::process::Command;

use common::pki;
use sealpost::cms::sign::{SignOptions, SignerId, sign};
use sealpost::pki::keys::PrivateKey;
use sealpost::pki::signature::{HashAlg, RsaPadding};

#[test]
fn openssl_verifies_our_rsa_pss_signatures() {
    let p12 = std::fs::read(pki().join("rsa3072.p12")).expect("bob's p12");
    let id = sealpost::pki::pkcs12::parse(&p12, "secret").expect("parse p12");
    let key = PrivateKey::from_pkcs8_der(&id.key_pkcs8).expect("key");
    let content = b"Content-Type: text/plain\r\n\r\nPSS-signed by Bob\r\n".to_vec();
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        (
            HashAlg::Sha256,
            SignerId::IssuerAndSerial,
            true,
            "rsassa-pss-sha256",
        ),
        (
            HashAlg::Sha384,
            SignerId::SubjectKeyId,
            false,
            "rsassa-pss-sha384",
        ),
        (
            HashAlg::Sha512,
            SignerId::IssuerAndSerial,
            false,
            "rsassa-pss-sha512",
        ),
    ];
    for (hash, sid, attached, name) in cases {
        let opts = SignOptions {
            hash: Some(hash),
            rsa_padding: RsaPadding::Pss,
            sid,
            attached,
            ..SignOptions::default()
        };
        let der = sign(&content, &key, &id.cert, &id.chain, &opts).expect("sign");
        let sig = dir.path().join(format!("{name}.p7s"));
        let data = dir.path().join("content.txt");
        std::fs::write(&sig, &der).expect("write");
        std::fs::write(&data, &content).expect("write");
        // The printed structure names RSASSA-PSS with the matching hash.
        let print = Command::new("openssl")
            .args(["cms", "-cmsout", "-print", "-inform", "DER", "-in"])
            .arg(&sig)
            .output()
            .expect("openssl");
        let text = String::from_utf8_lossy(&print.stdout).to_string();
        assert!(text.contains("rsassaPss"), "{name}: {text}");
        let mut cmd = Command::new("openssl");
        cmd.args(["cms", "-verify", "-inform", "DER", "-in"])
            .arg(&sig)
            .arg("-CAfile")
            .arg(pki().join("ca.pem"))
            .args(["-purpose", "any"]);
        if !attached {
            cmd.arg("-content").arg(&data);
        }
        let out = cmd.output().expect("openssl");
        assert!(
            out.status.success(),
            "{name}: openssl cms -verify failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, content, "{name}: verified content");
        // A changed byte is refused by OpenSSL.
        if !attached {
            let mut bad = content.clone();
            bad[40] ^= 1;
            std::fs::write(&data, &bad).expect("write");
            let out = Command::new("openssl")
                .args(["cms", "-verify", "-inform", "DER", "-in"])
                .arg(&sig)
                .arg("-CAfile")
                .arg(pki().join("ca.pem"))
                .args(["-purpose", "any", "-content"])
                .arg(&data)
                .output()
                .expect("openssl");
            assert!(!out.status.success(), "{name}: tampered content verified");
        }
    }
}
