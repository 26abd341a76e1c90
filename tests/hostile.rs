//! Hostile senders made with `openssl cms` (issue 11): what the user sees is what was checked.
//!
//! - Johnny identity: a signed part that carries its own From, a message/rfc822 wrapper with
//!   another From, and From values whose comment or quoted name holds the signer's address.
//!   Each must end not valid (mismatched-sender) in `verify --json`, in `decrypt --json`, and in
//!   what the app's view shows, and the `"from"` the CLI names is the From the app shows.
//! - REPLY oracle: a signature wrapped around someone else's ciphertext is a signature over
//!   encrypted data, never a valid signed message, and its certificate is not harvested.
//!
//! Roles: alice (rsa2048) is the attacker with a valid certificate of the trusted test CA, bob
//! (rsa3072) the victim who reads, carol (p256) the one who wraps a captured ciphertext.

mod common;

use common::{Cli, openssl, pki_file};
use serde_json::Value;

const ALICE: &str = "alice@example.test";
const BOB: &str = "bob@example.test";
const CAROL: &str = "carol@example.test";
const CEO: &str = "ceo@example.test";

/// Bob's home: his identity, the test CA trusted.
fn bob() -> Cli {
    let c = Cli::new();
    c.import_identity("rsa3072");
    c.trust_test_ca();
    c
}

fn write(c: &Cli, name: &str, data: &[u8]) -> String {
    let p = c.path(name);
    std::fs::write(&p, data).expect("write");
    p
}

/// `openssl cms -sign` of `entity` by `signer` (a PKI name), detached, with the outer header
/// `From: <from>` exactly as given.
fn sign(c: &Cli, entity: &[u8], signer: &str, from: &str) -> Vec<u8> {
    let (i, o) = (write(c, "entity.txt", entity), c.path("signed.eml"));
    let (pem, key) = (
        pki_file(&format!("{signer}.pem")),
        pki_file(&format!("{signer}.key")),
    );
    openssl(&[
        "cms", "-sign", "-binary", "-crlfeol", "-in", &i, "-signer", &pem, "-inkey", &key, "-from",
        from, "-to", BOB, "-subject", "Q3", "-out", &o,
    ]);
    std::fs::read(&o).expect("signed")
}

/// `openssl cms -encrypt` of a MIME entity to bob (AES-256-GCM), with the outer `From: <from>`.
fn encrypt_to_bob(c: &Cli, entity: &[u8], from: &str) -> Vec<u8> {
    let (i, o) = (write(c, "to-encrypt.txt", entity), c.path("encrypted.eml"));
    let bob = pki_file("rsa3072.pem");
    openssl(&[
        "cms",
        "-encrypt",
        "-binary",
        "-aes-256-gcm",
        "-in",
        &i,
        "-from",
        from,
        "-to",
        BOB,
        "-subject",
        "Q3",
        "-out",
        &o,
        &bob,
    ]);
    std::fs::read(&o).expect("encrypted")
}

/// The MIME entity of a message: its header without the outer (non-MIME) fields.
fn entity_of(mail: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(mail).replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n").expect("header and body");
    let mut out = String::new();
    let mut keep = false;
    for line in head.lines() {
        if !line.starts_with([' ', '\t']) {
            let l = line.to_ascii_lowercase();
            keep = l.starts_with("content-") || l.starts_with("mime-version");
        }
        if keep {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("\r\n");
    out.push_str(&body.replace('\n', "\r\n"));
    out.into_bytes()
}

fn json(o: &std::process::Output, what: &str) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {}", common::text(o)))
}

fn statuses(r: &Value) -> Vec<String> {
    r["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .filter(|l| l["type"] == "signed")
        .flat_map(|l| l["signatures"].as_array().cloned().unwrap_or_default())
        .map(|s| s["status"].as_str().unwrap_or("").to_string())
        .collect()
}

/// `sealpost --json verify`: exit 1, not valid, the checked From named.
fn verify_json(c: &Cli, mail: &[u8], case: &str) -> Value {
    let f = write(c, "in.eml", mail);
    let o = c.run(&["--json", "verify", "--in", &f], None);
    assert_eq!(o.status.code(), Some(1), "{case}: {}", common::text(&o));
    json(&o, case)
}

/// `sealpost --json decrypt --out F`: the report, exit status and whether plaintext was written.
fn decrypt_json(c: &Cli, mail: &[u8], case: &str) -> (Value, Option<i32>, bool) {
    let (f, out) = (write(c, "in.eml", mail), c.path("out.eml"));
    let _ = std::fs::remove_file(&out);
    let o = c.run(&["--json", "decrypt", "--in", &f, "--out", &out], None);
    let written = std::fs::metadata(&out).is_ok_and(|m| m.len() > 0);
    (json(&o, case), o.status.code(), written)
}

/// What the app shows for `mail`: the report and the From of the header card.
fn app_view(c: &Cli, mail: &[u8]) -> sealpost::api::MessageView {
    let f = write(c, "app.eml", mail);
    let mut s = sealpost::api::Session::open(&c.data()).expect("session");
    s.unlock_keystore(common::KEYSTORE_PASSPHRASE)
        .expect("unlock");
    s.open_message(std::path::Path::new(&f), &|_| {})
        .expect("the app opens the message")
}

/// Signed by alice, the shown and checked From is `shown`: mismatched-sender everywhere (also
/// once encrypted to bob under the outer `From: <outer_from>`).
fn assert_spoof_caught(c: &Cli, signed: &[u8], outer_from: &str, shown: &str, case: &str) {
    let r = verify_json(c, signed, case);
    assert_eq!(r["valid"], false, "{case}: {r}");
    assert_eq!(statuses(&r), vec!["mismatched-sender"], "{case}: {r}");
    assert_eq!(
        r["from"], shown,
        "{case}: the From checked is the From shown"
    );

    let enc = encrypt_to_bob(c, &entity_of(signed), outer_from);
    let (d, code, written) = decrypt_json(c, &enc, case);
    assert_eq!(code, Some(1), "{case}: decrypt exit status, report {d}");
    assert!(
        !written,
        "{case}: no plaintext written for a spoofed sender"
    );
    assert_eq!(d["valid"], false, "{case}: {d}");
    assert_eq!(statuses(&d), vec!["mismatched-sender"], "{case}: {d}");
    assert_eq!(d["from"], shown, "{case}: decrypt names the From shown");

    for (what, mail) in [("signed", signed), ("signed, then encrypted", &enc[..])] {
        let v = app_view(c, mail);
        assert!(
            !v.report.valid,
            "{case} ({what}): the app must not say valid"
        );
        assert_eq!(v.report.from.as_deref(), Some(shown), "{case} ({what})");
        assert!(
            v.headers.from.ends_with(&format!("<{shown}>")) || v.headers.from == shown,
            "{case} ({what}): the app shows From {:?}, the check used {shown}",
            v.headers.from
        );
    }
}

#[test]
fn a_signed_part_with_its_own_from_is_checked_and_shown_as_that_from() {
    let c = bob();
    let entity = format!(
        "From: CEO <{CEO}>\r\nContent-Type: text/plain\r\n\r\nPlease wire 50 000 EUR today.\r\n"
    );
    let signed = sign(&c, entity.as_bytes(), "rsa2048", ALICE);
    assert_spoof_caught(
        &c,
        &signed,
        ALICE,
        CEO,
        "inner From differs from the outer one",
    );
    let r = verify_json(&c, &signed, "inner From");
    assert_eq!(r["header_mismatches"], serde_json::json!(["from"]), "{r}");
    assert!(
        r["protected_headers"]
            .as_array()
            .unwrap()
            .contains(&"from".into())
    );
}

#[test]
fn an_rfc822_wrapper_with_another_from_is_checked_and_shown_as_that_from() {
    let c = bob();
    let entity = format!(
        "Content-Type: message/rfc822\r\n\r\nFrom: {CEO}\r\nTo: {BOB}\r\nSubject: Lunch\r\n\r\nWire it.\r\n"
    );
    let signed = sign(&c, entity.as_bytes(), "rsa2048", ALICE);
    assert_spoof_caught(&c, &signed, ALICE, CEO, "rfc822 wrapper with another From");
    let v = app_view(&c, &signed);
    assert_eq!(v.headers.subject, "Lunch", "the protected Subject is shown");
    assert!(v.report.header_mismatches.contains(&"subject".to_string()));
}

#[test]
fn comments_and_quoted_names_do_not_supply_the_checked_address() {
    let c = bob();
    let entity = b"Content-Type: text/plain\r\n\r\nPlease wire 50 000 EUR today.\r\n";
    for from in [
        format!("{BOB} (<{ALICE}>)"),
        format!("\"<{ALICE}>\" {BOB}"),
        format!("Bob <{BOB}> (<{ALICE}>)"),
    ] {
        let signed = sign(&c, entity, "rsa2048", &from);
        assert_spoof_caught(&c, &signed, &from, BOB, &format!("From: {from}"));
        let v = app_view(&c, &signed);
        assert!(
            v.headers.from_name_looks_like_address,
            "From: {from}: the address-like name is flagged ({:?})",
            v.headers.from
        );
        assert!(v.headers.from.starts_with('"'), "{:?}", v.headers.from);
    }
}

#[test]
fn an_honest_signature_stays_valid_and_names_its_from() {
    let c = bob();
    let entity = b"Content-Type: text/plain\r\n\r\nLunch on Friday?\r\n";
    let signed = sign(&c, entity, "rsa2048", &format!("Alice <{ALICE}>"));
    let f = write(&c, "in.eml", &signed);
    let o = c.run(&["--json", "verify", "--in", &f], None);
    assert!(o.status.success(), "{}", common::text(&o));
    let r = json(&o, "honest");
    assert_eq!(r["valid"], true, "{r}");
    assert_eq!(r["from"], ALICE);
    assert_eq!(r["header_mismatches"], serde_json::json!([]));
    let v = app_view(&c, &signed);
    assert!(v.report.valid);
    assert_eq!(v.headers.from, format!("Alice <{ALICE}>"));
    assert!(!v.headers.from_name_looks_like_address);
}

#[test]
fn a_signature_over_someone_elses_ciphertext_is_not_a_signed_message() {
    let c = bob();
    // alice encrypted to bob; carol captured the pkcs7-mime entity and signs it as her own
    let secret = b"Content-Type: text/plain\r\n\r\nThe merger closes on Monday.\r\n";
    let captured = encrypt_to_bob(&c, secret, ALICE);
    let resent = sign(&c, &entity_of(&captured), "p256", CAROL);
    let (d, code, written) = decrypt_json(&c, &resent, "REPLY");
    assert_eq!(code, Some(0), "decrypting still works: {d}");
    assert!(written, "the plaintext is still readable");
    assert_eq!(d["valid"], false, "{d}");
    assert_eq!(d["signed"], false, "the content is not signed: {d}");
    assert_eq!(d["encrypted"], true);
    assert_eq!(statuses(&d), vec!["outside-encryption"], "{d}");
    // verify says it is not a valid signed message
    let f = write(&c, "in.eml", &resent);
    let o = c.run(&["--json", "verify", "--in", &f], None);
    assert_eq!(o.status.code(), Some(1), "{}", common::text(&o));
    // carol's certificate was not harvested: bob cannot encrypt to her
    let o = c.run(&["--json", "cert", "list"], None);
    assert!(o.status.success());
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains(CAROL),
        "carol's certificate must not be harvested from a signature over ciphertext"
    );
    let v = app_view(&c, &resent);
    assert!(!v.report.valid && !v.report.signed && v.report.encrypted);
    assert_eq!(
        v.text.as_deref().map(str::trim),
        Some("The merger closes on Monday.")
    );
}

#[test]
fn a_binary_p7m_file_opens_as_the_message_it_holds() {
    // What Windows and many tools save: bare DER, no MIME header.
    let c = bob();
    let (i, o) = (
        write(
            &c,
            "plain.txt",
            b"Content-Type: text/plain\r\n\r\nThe minutes.\r\n",
        ),
        c.path("minutes.p7m"),
    );
    let bob_cert = pki_file("rsa3072.pem");
    openssl(&[
        "cms",
        "-encrypt",
        "-binary",
        "-aes-256-gcm",
        "-outform",
        "DER",
        "-in",
        &i,
        "-out",
        &o,
        &bob_cert,
    ]);
    let der = std::fs::read(&o).expect("p7m");
    assert_eq!(der[0], 0x30, "binary DER");
    let v = app_view(&c, &der);
    assert!(v.report.encrypted, "{:?}", v.report);
    assert_eq!(v.text.as_deref().map(str::trim), Some("The minutes."));
    let (d, code, written) = decrypt_json(&c, &der, "p7m");
    assert_eq!(code, Some(0), "{d}");
    assert!(written);
}

#[test]
fn an_authority_no_longer_trusted_no_longer_makes_signatures_valid() {
    let c = bob();
    let signed = sign(
        &c,
        b"Content-Type: text/plain\r\n\r\nLunch?\r\n",
        "rsa2048",
        ALICE,
    );
    let f = write(&c, "in.eml", &signed);
    assert!(c.run(&["verify", "--in", &f], None).status.success());
    let ca_trusted = || {
        let s = sealpost::api::Session::open(&c.data()).expect("session");
        let list = s.list().expect("list");
        let ca = list
            .iter()
            .find(|d| d.info.subject.contains("Sealpost Test CA"));
        ca.map(|d| (d.trusted, d.trusted_path))
            .expect("the CA is listed")
    };
    assert_eq!(ca_trusted(), (true, true));
    c.ok(&["cert", "untrust", "Sealpost Test CA"]);
    assert_eq!(ca_trusted(), (false, false), "the list says so too");
    let r = verify_json(&c, &signed, "after untrust");
    assert_eq!(statuses(&r), vec!["untrusted"], "{r}");
    c.trust_test_ca();
    assert!(c.run(&["verify", "--in", &f], None).status.success());
}
