//! The desktop app's use cases (`sealpost::api::session`, what every Tauri command calls) on the
//! generated test PKI: import with wrong and right passwords, details, trust, recipients,
//! compose signed+encrypted with an attachment, open it again, the output read by
//! `openssl cms`, and the locked passphrase store. One test crosses the real OS keystore
//! (Secret Service inside `dbus-run-session` in `tests/run-all.sh`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::pki;
use sealpost::api::ErrorCode;
use sealpost::api::{Draft, Session};
use sealpost::store::CertKind;

fn p(name: &str) -> PathBuf {
    pki().join(name)
}

fn no_progress(_: sealpost::api::Progress) {}

/// A session on a fresh home using the passphrase file store (no OS keystore needed).
fn file_session(dir: &Path) -> Session {
    let mut s = Session::open(dir).expect("open the home");
    s.use_file_keystore("correct horse battery")
        .expect("create the key file");
    s
}

fn draft(from: &str, to: &[&str], sign: bool, encrypt: bool, attachments: Vec<String>) -> Draft {
    Draft {
        from: from.into(),
        to: to.iter().map(|s| s.to_string()).collect(),
        cc: vec![],
        bcc: vec![],
        subject: "Lab results for patient 4711".into(),
        body: "Dear Bob,\nthe results are attached.\nAlice\n".into(),
        html: None,
        attachments,
        sign,
        encrypt,
    }
}

#[test]
fn import_details_compose_and_open_round_trip() {
    let home = tempfile::tempdir().unwrap();
    let s = file_session(home.path());
    let st = s.status().unwrap();
    assert_eq!(st.identities, 0);
    assert_eq!(st.keystore.kind.as_str(), "file");
    assert!(st.keystore.unlocked);

    // A wrong password is reported as such and imports nothing.
    let e = s
        .import_files(&[p("rsa2048.p12")], Some("not the password"), &no_progress)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::WrongPassword, "{}", e.message);
    assert!(s.list().unwrap().is_empty());
    // No password at all for a .p12: the app is told to ask for one.
    let e = s
        .import_files(&[p("rsa2048.p12")], None, &no_progress)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::WrongPassword);

    let seen = std::cell::RefCell::new(Vec::new());
    let r = s
        .import_files(&[p("rsa2048.p12")], Some("secret"), &|pr| {
            seen.borrow_mut().push((pr.done, pr.total))
        })
        .unwrap();
    assert_eq!(seen.borrow().first(), Some(&(0, 1)));
    assert_eq!(seen.borrow().last(), Some(&(1, 1)));
    let alice = r
        .imported
        .iter()
        .find(|c| c.kind == CertKind::Identity)
        .expect("identity imported");
    assert_eq!(alice.info.emails, vec!["alice@example.test"]);
    assert!(alice.info.can_sign && alice.info.can_encrypt);
    // Bob's public certificate, and the CA.
    s.import_files(&[p("rsa3072.pem"), p("ca.pem")], None, &no_progress)
        .unwrap();
    let st = s.status().unwrap();
    assert_eq!((st.identities, st.people, st.authorities), (1, 1, 1));

    // Details before and after trusting the CA.
    let d = s.details(&alice.info.fingerprint).unwrap();
    assert!(d.has_private_key);
    assert_eq!(d.validity, sealpost::api::Validity::Valid);
    assert!(d.days_left > 0);
    assert_eq!(d.chain.len(), 1, "the CA is the issuer");
    assert_eq!(d.sha1_fingerprint.len(), 40);
    assert!(!d.trusted_path, "{}", d.trust);
    let ca = d.chain[0].info.fingerprint.clone();
    s.trust(&ca).unwrap();
    let d = s.details(&alice.info.fingerprint).unwrap();
    assert!(d.trusted_path, "{}", d.trust);
    // The view says which anchor, and that the user trusted it.
    let anchor = d.anchor.as_ref().expect("anchor of a trusted path");
    assert_eq!(anchor.source, sealpost::pki::validate::AnchorSource::User);
    assert_eq!(anchor.fingerprint, ca);
    assert_eq!(
        d.trust,
        format!("Trusted through {} (trusted by you)", anchor.name)
    );
    // Trusting a person's certificate is refused.
    assert_eq!(
        s.trust(&alice.info.fingerprint).unwrap_err().code,
        ErrorCode::BadInput
    );

    // Recipients: bob is known, dave is not.
    let rs = s
        .recipient_status(&["bob@example.test".into(), "dave@nowhere.test".into()])
        .unwrap();
    assert!(rs[0].has_certificate && rs[0].problem.is_none());
    assert!(!rs[1].has_certificate);
    assert!(
        rs[1]
            .problem
            .as_deref()
            .unwrap_or("")
            .contains("dave@nowhere.test")
    );

    // Encrypting to someone without a certificate fails and writes nothing.
    let out_dir = tempfile::tempdir().unwrap();
    let bad = out_dir.path().join("bad.eml");
    let e = s
        .compose(
            &draft(
                "alice@example.test",
                &["dave@nowhere.test"],
                true,
                true,
                vec![],
            ),
            &bad,
            &no_progress,
        )
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    assert!(!bad.exists());

    // Signed and encrypted, with a binary attachment.
    let att = out_dir.path().join("results.pdf");
    let att_bytes: Vec<u8> = (0..70_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&att, &att_bytes).unwrap();
    let eml = out_dir.path().join("out.eml");
    let res = s
        .compose(
            &draft(
                "alice@example.test",
                &["bob@example.test"],
                true,
                true,
                vec![att.display().to_string()],
            ),
            &eml,
            &no_progress,
        )
        .unwrap();
    assert!(res.signed && res.encrypted);
    assert_eq!(
        res.cipher.as_deref(),
        Some("aes-256-cbc"),
        "bob's capabilities are unknown"
    );
    assert_eq!(
        res.recipients,
        vec!["bob@example.test", "alice@example.test"]
    );
    let raw = std::fs::read(&eml).unwrap();
    assert_eq!(raw.len() as u64, res.size);
    let text = String::from_utf8_lossy(&raw);
    assert!(text.contains("application/pkcs7-mime"));
    assert!(
        !text.contains("patient 4711\r\n\r\nDear"),
        "body must not be in clear"
    );
    assert!(!text.contains("Dear Bob"));

    // Bob's side: openssl cms decrypts what the app produced and verifies the signature.
    let dec = Command::new("openssl")
        .args(["cms", "-decrypt", "-in"])
        .arg(&eml)
        .arg("-recip")
        .arg(p("rsa3072.pem"))
        .arg("-inkey")
        .arg(p("rsa3072.key"))
        .output()
        .expect("openssl");
    assert!(
        dec.status.success(),
        "{}",
        String::from_utf8_lossy(&dec.stderr)
    );
    let inner = out_dir.path().join("inner.eml");
    std::fs::write(&inner, &dec.stdout).unwrap();
    let ver = Command::new("openssl")
        .args(["cms", "-verify", "-in"])
        .arg(&inner)
        .arg("-CAfile")
        .arg(p("ca.pem"))
        .output()
        .expect("openssl");
    assert!(
        ver.status.success(),
        "{}",
        String::from_utf8_lossy(&ver.stderr)
    );
    assert!(String::from_utf8_lossy(&ver.stdout).contains("Dear Bob"));

    // Alice reopens her sent copy (she is a recipient of everything she encrypts).
    let mut s = s;
    let view = s.open_message(&eml, &no_progress).unwrap();
    assert!(view.report.encrypted && view.report.signed && view.report.valid);
    assert_eq!(view.headers.subject, "Lab results for patient 4711");
    assert!(view.text.as_deref().unwrap_or("").contains("Dear Bob"));
    assert_eq!(view.attachments.len(), 1);
    assert_eq!(view.attachments[0].filename, "results.pdf");
    let saved = out_dir.path().join("saved.pdf");
    s.save_attachment(view.id, 0, &saved).unwrap();
    assert_eq!(std::fs::read(&saved).unwrap(), att_bytes);
    assert_eq!(
        s.save_attachment(view.id + 100, 0, &saved)
            .unwrap_err()
            .code,
        ErrorCode::NotFound
    );

    // Export: the identity as .p12 needs a real password; the public cert as PEM.
    let pem = out_dir.path().join("alice.pem");
    s.export(
        &alice.info.fingerprint,
        sealpost::api::ExportFormat::Pem,
        &pem,
        None,
    )
    .unwrap();
    assert!(
        std::fs::read_to_string(&pem)
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    let p12 = out_dir.path().join("alice.p12");
    assert_eq!(
        s.export(
            &alice.info.fingerprint,
            sealpost::api::ExportFormat::P12,
            &p12,
            Some("short")
        )
        .unwrap_err()
        .code,
        ErrorCode::BadInput
    );
    s.export(
        &alice.info.fingerprint,
        sealpost::api::ExportFormat::P12,
        &p12,
        Some("a new long password"),
    )
    .unwrap();
    let check = Command::new("openssl")
        .args(["pkcs12", "-in"])
        .arg(&p12)
        .args(["-nokeys", "-passin", "pass:a new long password"])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&p12).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "an exported identity is private");
    }

    // Deleting bob's certificate makes him unknown again.
    let bob = s
        .list()
        .unwrap()
        .into_iter()
        .find(|c| c.info.emails.contains(&"bob@example.test".to_string()))
        .unwrap();
    s.delete(&bob.info.fingerprint).unwrap();
    let rs = s.recipient_status(&["bob@example.test".into()]).unwrap();
    assert!(!rs[0].has_certificate);
}

#[test]
fn a_locked_key_file_must_be_unlocked_first() {
    let home = tempfile::tempdir().unwrap();
    {
        let s = file_session(home.path());
        s.import_files(&[p("p256.p12")], Some("secret"), &no_progress)
            .unwrap();
    }
    // A new app start: the key file is locked.
    let mut s = Session::open(home.path()).unwrap();
    let st = s.status().unwrap();
    assert_eq!(st.keystore.kind.as_str(), "file");
    assert!(!st.keystore.unlocked);
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("signed.eml");
    let d = draft(
        "carol@example.test",
        &["bob@example.test"],
        true,
        false,
        vec![],
    );
    assert_eq!(
        s.compose(&d, &path, &no_progress).unwrap_err().code,
        ErrorCode::KeystoreLocked
    );
    assert_eq!(
        s.unlock_keystore("wrong passphrase").unwrap_err().code,
        ErrorCode::WrongPassword
    );
    assert!(!s.status().unwrap().keystore.unlocked);
    assert!(
        s.unlock_keystore("correct horse battery")
            .unwrap()
            .keystore
            .unlocked
    );
    let r = s.compose(&d, &path, &no_progress).unwrap();
    assert!(r.signed && !r.encrypted && r.cipher.is_none());
    let view = s.open_message(&path, &no_progress).unwrap();
    assert!(view.report.signed && !view.report.encrypted);
    // Nobody trusted the CA in this home: the signature verifies but is untrusted.
    assert!(!view.report.valid);
}

#[test]
fn hostile_files_give_clear_errors() {
    let home = tempfile::tempdir().unwrap();
    let mut s = file_session(home.path());
    let dir = tempfile::tempdir().unwrap();
    let trunc = dir.path().join("truncated.p12");
    let full = std::fs::read(p("rsa2048.p12")).unwrap();
    std::fs::write(&trunc, &full[..full.len() / 2]).unwrap();
    let e = s
        .import_files(&[trunc], Some("secret"), &no_progress)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::BadInput, "{}", e.message);
    let junk = dir.path().join("junk.pem");
    std::fs::write(
        &junk,
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    assert_eq!(
        s.import_files(&[junk], None, &no_progress)
            .unwrap_err()
            .code,
        ErrorCode::BadInput
    );
    assert_eq!(
        s.import_files(&[dir.path().join("missing.cer")], None, &no_progress)
            .unwrap_err()
            .code,
        ErrorCode::NotFound
    );
    // A plain message opens as it is, reported as neither signed nor encrypted.
    let plain = s.open_message(&p("msg.eml"), &no_progress).unwrap();
    assert!(!plain.report.signed && !plain.report.encrypted && !plain.report.valid);
    assert!(plain.report.layers.is_empty());
    assert_eq!(plain.headers.subject, "Quarterly figures");
    assert!(plain.text.unwrap_or_default().contains("Hello Bob"));
    let not_mail = dir.path().join("x.eml");
    std::fs::write(&not_mail, [0u8, 159, 146, 150]).unwrap();
    assert!(s.open_message(&not_mail, &no_progress).is_err());
    assert!(s.list().unwrap().is_empty());
}

/// The OS keystore path, as the app uses it by default: inside `tests/run-all.sh` this is
/// gnome-keyring over D-Bus (SEALPOST_REQUIRE_SECRET_SERVICE=1 makes its absence a failure).
#[test]
fn os_keystore_import_and_sign() {
    let home = tempfile::tempdir().unwrap();
    let s = Session::open(home.path()).unwrap();
    let st = s.status().unwrap();
    assert_eq!(st.keystore.kind.as_str(), "os");
    if !st.keystore.available {
        assert!(
            std::env::var_os("SEALPOST_REQUIRE_SECRET_SERVICE").is_none(),
            "the Secret Service is required here but unavailable: {}",
            st.keystore.detail
        );
        println!(
            "NOT TESTED here (no Secret Service outside tests/run-all.sh): {}",
            st.keystore.detail
        );
        return;
    }
    s.import_files(&[p("p384.p12")], Some("secret"), &no_progress)
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("signed.eml");
    let r = s
        .compose(
            &draft(
                "dave@example.test",
                &["bob@example.test"],
                true,
                false,
                vec![],
            ),
            &path,
            &no_progress,
        )
        .unwrap();
    assert!(r.signed);
    let ver = Command::new("openssl")
        .args(["cms", "-verify", "-in"])
        .arg(&path)
        .arg("-CAfile")
        .arg(p("ca.pem"))
        .output()
        .unwrap();
    assert!(
        ver.status.success(),
        "{}",
        String::from_utf8_lossy(&ver.stderr)
    );
}

/// The app's internal-CA and self-test use cases: create a CA (only the CA key types), issue a
/// user certificate straight into a private `.p12` file, import it as an identity, self-test
/// it, see it in the CA's details, revoke it and publish a CRL that `openssl crl` reads.
#[test]
fn internal_ca_issue_import_self_test_revoke_and_crl() {
    use sealpost::api::{CheckItem, CheckLevel};
    use sealpost::pki::issue::{KeyAlgorithm, RevocationReason};

    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let s = file_session(home.path());

    // A CA takes P-384 or RSA 3072/4096 only, and a name.
    let e = s.ca_create("Lab CA", KeyAlgorithm::P256, 3650).unwrap_err();
    assert_eq!(e.code, ErrorCode::BadInput);
    assert!(e.message.contains("P-384"), "{e}");
    assert_eq!(
        s.ca_create("  ", KeyAlgorithm::P384, 3650)
            .unwrap_err()
            .code,
        ErrorCode::BadInput
    );
    let ca = s.ca_create("Lab CA", KeyAlgorithm::P384, 3650).unwrap();
    assert_eq!(ca.kind, CertKind::Authority);
    assert!(ca.trusted && ca.info.is_ca);
    let d = s.details(&ca.info.fingerprint).unwrap();
    assert!(d.has_private_key && d.issued_certs.is_empty() && d.issued.is_none());
    assert_eq!(d.expiry_warning, None);

    // Issue: a short password, more than 825 days and a CA-only key size are refused, and
    // nothing is written.
    let p12 = out.path().join("ivy.p12");
    let emails = vec!["ivy@example.test".to_string(), " ".to_string()];
    let issue = |key, days, pw: &str| {
        s.ca_issue(
            &ca.info.fingerprint,
            &emails,
            Some("Ivy"),
            key,
            days,
            pw,
            &p12,
        )
    };
    assert_eq!(
        issue(KeyAlgorithm::P256, 365, "short").unwrap_err().code,
        ErrorCode::BadInput
    );
    assert_eq!(
        issue(KeyAlgorithm::P256, 826, "long enough")
            .unwrap_err()
            .code,
        ErrorCode::BadInput
    );
    assert_eq!(
        issue(KeyAlgorithm::Rsa4096, 365, "long enough")
            .unwrap_err()
            .code,
        ErrorCode::BadInput
    );
    assert!(!p12.exists());
    let issued = issue(KeyAlgorithm::P256, 20, "long enough").unwrap();
    assert_eq!(
        issued.cert.info.emails,
        vec!["ivy@example.test".to_string()]
    );
    assert!(
        issued.p12.is_empty(),
        "the .p12 goes to the file, not over IPC"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&p12).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the .p12 is private to its owner");
    }
    let info = Command::new("openssl")
        .args(["pkcs12", "-in"])
        .arg(&p12)
        .args(["-passin", "pass:long enough", "-nokeys", "-clcerts"])
        .output()
        .unwrap();
    assert!(info.status.success(), "{info:?}");
    assert!(String::from_utf8_lossy(&info.stdout).contains("ivy@example.test"));

    // The CA's details list what it issued.
    let d = s.details(&ca.info.fingerprint).unwrap();
    assert_eq!(d.issued_certs.len(), 1);
    assert_eq!(d.issued_certs[0].fingerprint, issued.cert.info.fingerprint);
    assert_eq!(d.issued_certs[0].serial, issued.serial);
    assert!(d.issued_certs[0].revoked_at.is_none());

    // Imported, it is an identity: 20 days left warns at 30, in the details and the status.
    s.import_files(
        std::slice::from_ref(&p12),
        Some("long enough"),
        &no_progress,
    )
    .unwrap();
    let fp = issued.cert.info.fingerprint.clone();
    let d = s.details(&fp).unwrap();
    assert_eq!(d.cert.kind, CertKind::Identity);
    assert_eq!(d.expiry_warning, Some(30));
    assert_eq!(
        d.issued.as_ref().map(|i| i.ca_fingerprint.as_str()),
        Some(ca.info.fingerprint.as_str())
    );
    let st = s.status().unwrap();
    assert_eq!(st.expiring.len(), 1);
    assert_eq!(st.expiring[0].fingerprint, fp);
    assert_eq!(st.expiring[0].threshold, 30);
    assert!((18..=20).contains(&st.expiring[0].days_left));

    // The self-test, with the key file unlocked: the key makes a test signature.
    let c = s.check(&fp).unwrap();
    assert!(c.usable && c.can_sign && c.can_encrypt, "{c:#?}");
    assert_eq!(c.expiry_warning, Some(30));
    let line = |c: &sealpost::api::CertCheck, item| {
        c.lines.iter().find(|l| l.item == item).cloned().unwrap()
    };
    assert_eq!(line(&c, CheckItem::PrivateKey).level, CheckLevel::Ok);
    assert_eq!(line(&c, CheckItem::Validity).level, CheckLevel::Warning);
    assert!(line(&c, CheckItem::Chain).text.contains("Lab CA"));

    // Revoke: refused for a certificate this home did not issue, then done once.
    assert_eq!(
        s.ca_revoke(&ca.info.fingerprint, RevocationReason::Superseded)
            .unwrap_err()
            .code,
        ErrorCode::NotFound
    );
    let r = s.ca_revoke(&fp, RevocationReason::KeyCompromise).unwrap();
    assert_eq!(r.serial, issued.serial);
    assert_eq!(
        s.ca_revoke(&fp, RevocationReason::KeyCompromise)
            .unwrap_err()
            .code,
        ErrorCode::BadInput
    );
    let d = s.details(&fp).unwrap();
    assert!(d.issued.as_ref().unwrap().revoked_at.is_some());
    assert_eq!(
        d.issued.as_ref().unwrap().reason,
        Some(RevocationReason::KeyCompromise)
    );
    let c = s.check(&fp).unwrap();
    assert!(c.revoked && !c.usable);
    assert_eq!(line(&c, CheckItem::Revocation).level, CheckLevel::Problem);

    // The CRL: saved as DER, lists the serial with its reason.
    let crl_path = out.path().join("lab.crl");
    assert_eq!(
        s.ca_crl(&ca.info.fingerprint, Some(11), &crl_path)
            .unwrap_err()
            .code,
        ErrorCode::BadInput
    );
    let crl = s.ca_crl(&ca.info.fingerprint, None, &crl_path).unwrap();
    assert_eq!(crl.revoked.len(), 1);
    let text = Command::new("openssl")
        .args(["crl", "-inform", "DER", "-noout", "-text", "-in"])
        .arg(&crl_path)
        .output()
        .unwrap();
    assert!(text.status.success(), "{text:?}");
    let text = String::from_utf8_lossy(&text.stdout).to_ascii_uppercase();
    assert!(text.contains(&issued.serial.to_ascii_uppercase()), "{text}");
    assert!(text.contains("KEY COMPROMISE"), "{text}");
    // A certificate that is no CA of this home signs no CRL.
    assert_eq!(
        s.ca_crl(&fp, None, &out.path().join("x.crl"))
            .unwrap_err()
            .code,
        ErrorCode::BadInput
    );
}

/// With the key file locked the self-test still runs, without trying the private key.
#[test]
fn self_test_with_a_locked_key_file_does_not_unlock() {
    use sealpost::api::{CheckItem, CheckLevel};
    use sealpost::pki::issue::KeyAlgorithm;

    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let p12 = out.path().join("kim.p12");
    let fp = {
        let s = file_session(home.path());
        let ca = s.ca_create("Kim CA", KeyAlgorithm::P384, 3650).unwrap();
        let issued = s
            .ca_issue(
                &ca.info.fingerprint,
                &["kim@example.test".to_string()],
                None,
                KeyAlgorithm::P256,
                365,
                "long enough",
                &p12,
            )
            .unwrap();
        s.import_files(
            std::slice::from_ref(&p12),
            Some("long enough"),
            &no_progress,
        )
        .unwrap();
        issued.cert.info.fingerprint
    };
    let s = Session::open(home.path()).unwrap();
    assert!(!s.status().unwrap().keystore.unlocked);
    let c = s.check(&fp).unwrap();
    let key = c
        .lines
        .iter()
        .find(|l| l.item == CheckItem::PrivateKey)
        .unwrap();
    assert_eq!(key.level, CheckLevel::Ok);
    assert!(key.text.contains("not unlocked"), "{}", key.text);
    assert!(c.usable && c.has_private_key);
    assert!(s.status().unwrap().expiring.is_empty());
}

/// An expired recipient certificate is never used to encrypt: the recipient status and the
/// refusal to compose both name the recipient and say why.
#[test]
fn an_expired_recipient_certificate_is_never_used_and_the_reason_is_named() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let s = file_session(home.path());
    s.import_files(&[p("rsa2048.p12")], Some("secret"), &no_progress)
        .unwrap();
    s.import_files(
        &[p("ca.pem"), p("expired.pem"), p("rsa3072.pem")],
        None,
        &no_progress,
    )
    .unwrap();
    let st = s
        .recipient_status(&["frank@example.test".into(), "bob@example.test".into()])
        .unwrap();
    assert!(!st[0].has_certificate && st[0].fingerprint.is_none());
    let why = st[0].problem.as_deref().unwrap_or_default();
    assert!(
        why.contains("frank@example.test") && why.contains("expired on 2021-01-01"),
        "{why}"
    );
    assert!(st[1].has_certificate && st[1].problem.is_none());

    let path = out.path().join("to-frank.eml");
    let d = draft(
        "alice@example.test",
        &["bob@example.test", "frank@example.test"],
        true,
        true,
        vec![],
    );
    let e = s.compose(&d, &path, &no_progress).unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    assert!(
        e.message.contains("frank@example.test") && e.message.contains("expired"),
        "{e}"
    );
    assert!(!path.exists(), "nothing is written");
}

/// The details of an identity list the other certificates of its mailbox, with their keys.
#[test]
fn details_list_the_key_history_of_a_mailbox() {
    use sealpost::pki::issue::KeyAlgorithm;

    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let s = file_session(home.path());
    let ca = s.ca_create("History CA", KeyAlgorithm::P384, 3650).unwrap();
    let mut fps = Vec::new();
    for (i, days) in [(0, 30u32), (1, 400)] {
        let p12 = out.path().join(format!("lou{i}.p12"));
        let issued = s
            .ca_issue(
                &ca.info.fingerprint,
                &["lou@example.test".to_string()],
                None,
                KeyAlgorithm::P256,
                days,
                "long enough",
                &p12,
            )
            .unwrap();
        s.import_files(&[p12], Some("long enough"), &no_progress)
            .unwrap();
        fps.push(issued.cert.info.fingerprint);
    }
    let old = s.details(&fps[0]).unwrap();
    assert_eq!(old.history.len(), 1);
    assert_eq!(old.history[0].cert.info.fingerprint, fps[1]);
    assert!(old.history[0].has_private_key && old.history[0].newer);
    let new = s.details(&fps[1]).unwrap();
    assert_eq!(new.history[0].cert.info.fingerprint, fps[0]);
    assert!(new.history[0].has_private_key && !new.history[0].newer);
    // The renewed identity silences the expiry warning of the old one.
    assert!(s.status().unwrap().expiring.is_empty());
    // An authority has no history.
    assert!(s.details(&ca.info.fingerprint).unwrap().history.is_empty());
}
