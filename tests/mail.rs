//! Mail end to end with real servers: Dovecot (IMAPS, IMAP+STARTTLS, LMTP) and Postfix
//! (submission with STARTTLS + AUTH, delivery to Dovecot over LMTP) started on free loopback
//! ports by `tests/mail/start.sh`, with a test CA for their certificates. Everything goes
//! through the `sealpost` CLI:
//!
//! - account checks that name the failing stage (DNS, TCP, TLS certificate, authentication);
//! - alice sends bob a signed + encrypted message; bob syncs, lists (smime=encrypted), reads
//!   (signature valid, body intact, still encrypted in the cache); bob cannot encrypt to alice
//!   before reading her message and can after (certificate harvested); alice reads the reply;
//! - messages made by `openssl cms` and by GnuPG `gpgsm` (sign, then encrypt) delivered
//!   through Postfix read;
//! - a proxy stripping STARTTLS from the capabilities makes IMAP and SMTP fail with no
//!   credential sent (the proxy saw no LOGIN/AUTH and no password);
//! - SMTP cut mid-DATA leaves the message in the outbox; a retry delivers it exactly once.
//!
//! Needs root and dovecot/postfix; otherwise it prints a notice and passes, unless
//! SEALPOST_REQUIRE_MAIL_SERVERS is set (tests/run-all.sh sets it), then it fails.

#![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed test

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_sealpost");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn servers_available() -> Result<(), String> {
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    if uid != "0" {
        return Err(format!("not root (uid {uid:?})"));
    }
    for b in ["/usr/sbin/dovecot", "/usr/sbin/postfix", "/usr/bin/openssl"] {
        if !Path::new(b).exists() {
            return Err(format!("{b} is missing"));
        }
    }
    if !Path::new("/usr/lib/dovecot/lmtp").exists() {
        return Err("dovecot-lmtpd is missing".into());
    }
    Ok(())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Servers {
    dir: tempfile::TempDir,
    imap: u16,
    imaps: u16,
    submission: u16,
    /// Submission over implicit TLS (RFC 8314, port 465 in the wild).
    submissions: u16,
}

impl Servers {
    fn start() -> Servers {
        let dir = tempfile::Builder::new()
            .prefix("sealpost-mail")
            .tempdir()
            .unwrap();
        let s = Servers {
            dir,
            imap: free_port(),
            imaps: free_port(),
            submission: free_port(),
            submissions: free_port(),
        };
        let t = Instant::now();
        // Output to a file, not a pipe: the daemons outlive the script.
        let log_path = s.dir.path().join("start.out");
        let log = std::fs::File::create(&log_path).unwrap();
        let status = Command::new("bash")
            .arg(root().join("tests/mail/start.sh"))
            .arg(s.dir.path())
            .env("IMAP_PORT", s.imap.to_string())
            .env("IMAPS_PORT", s.imaps.to_string())
            .env("LMTP_PORT", free_port().to_string())
            .env("SMTP_PORT", free_port().to_string())
            .env("SUBMISSION_PORT", s.submission.to_string())
            .env("SUBMISSIONS_PORT", s.submissions.to_string())
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .status()
            .unwrap();
        assert!(
            status.success(),
            "start.sh failed: {}",
            std::fs::read_to_string(&log_path).unwrap_or_default()
        );
        eprintln!("mail servers started in {:.2?}", t.elapsed());
        s
    }

    fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(root().join("tests/mail/stop.sh"))
            .arg(self.dir.path())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

/// A sealpost home using the passphrase file keystore.
mod common;
use common::pki;

struct User {
    home: tempfile::TempDir,
    passfile: PathBuf,
}

impl User {
    fn new(p12: &Path) -> User {
        let home = tempfile::tempdir().unwrap();
        let passfile = home.path().join("passphrase");
        std::fs::write(&passfile, "correct horse battery\n").unwrap();
        let u = User { home, passfile };
        u.ok(&[
            "keystore",
            "use",
            "file",
            "--password-file",
            u.passfile.to_str().unwrap(),
        ]);
        let pw = u.home.path().join("p12pw");
        std::fs::write(&pw, "secret").unwrap();
        u.ok(&[
            "cert",
            "import",
            p12.to_str().unwrap(),
            "--password-file",
            pw.to_str().unwrap(),
        ]);
        u.ok(&["cert", "trust", "Sealpost Test CA"]);
        u
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .arg("--home")
            .arg(self.home.path())
            .args(args)
            .env("SEALPOST_PASSPHRASE_FILE", &self.passfile)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> Output {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "sealpost {args:?} failed ({:?}): {}{}",
            o.status.code(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        o
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        let o = self.ok(&a);
        serde_json::from_slice(&o.stdout).unwrap()
    }

    fn file(&self, name: &str, data: &[u8]) -> String {
        let p = self.home.path().join(name);
        std::fs::write(&p, data).unwrap();
        p.display().to_string()
    }

    #[allow(clippy::too_many_arguments)]
    fn add_account(
        &self,
        name: &str,
        email: &str,
        password: &str,
        imap: String,
        imap_tls: &str,
        smtp: String,
        ca: Option<&Path>,
    ) {
        let pw = self.file(&format!("{name}.pw"), password.as_bytes());
        let mut args = vec![
            "account".to_string(),
            "add".into(),
            "--name".into(),
            name.into(),
            "--email".into(),
            email.into(),
            "--imap".into(),
            imap,
            "--imap-tls".into(),
            imap_tls.into(),
            "--smtp".into(),
            smtp,
            "--smtp-tls".into(),
            "starttls".into(),
            "--password-file".into(),
            pw,
        ];
        if let Some(ca) = ca {
            args.push("--ca-file".into());
            args.push(ca.display().to_string());
        }
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        self.ok(&a);
    }

    /// Syncs `folder` until a message with `subject` is cached; returns its summary.
    fn wait_for(&self, account: &str, folder: &str, subject: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            self.json(&["sync", "--account", account, "--folder", folder]);
            let list = self.json(&["list", "--account", account, "--folder", folder]);
            if let Some(m) = list
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["subject"] == subject)
            {
                return m.clone();
            }
            assert!(
                Instant::now() < deadline,
                "{subject:?} never arrived in {account}/{folder}: {list}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn count(&self, account: &str, folder: &str, subject: &str) -> usize {
        self.json(&["sync", "--account", account, "--folder", folder]);
        let list = self.json(&["list", "--account", account, "--folder", folder]);
        list.as_array()
            .unwrap()
            .iter()
            .filter(|m| m["subject"] == subject)
            .count()
    }
}

const MODE_PASS: u8 = 0;
const MODE_STRIP_STARTTLS: u8 = 1;
const MODE_CUT_ONCE: u8 = 2;

/// A loopback TCP proxy that logs what the client sent and can strip STARTTLS from the
/// server's capabilities or cut the first connection after some bytes.
struct Proxy {
    port: u16,
    client_bytes: Arc<Mutex<Vec<u8>>>,
    mode: Arc<AtomicU8>,
    cut: Arc<AtomicBool>,
}

const CUT_AFTER: usize = 40_000;

impl Proxy {
    fn start(upstream: u16, mode: u8) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let client_bytes = Arc::new(Mutex::new(Vec::new()));
        let mode = Arc::new(AtomicU8::new(mode));
        let cut = Arc::new(AtomicBool::new(false));
        let (log, m, c) = (client_bytes.clone(), mode.clone(), cut.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(client) = conn else { break };
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                let mode_now = m.load(Ordering::SeqCst);
                let (log, c) = (log.clone(), c.clone());
                let (c_read, s_write) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let (s_read, c_write) = (server, client);
                let (s_kill, c_kill) = (s_write.try_clone().unwrap(), c_write.try_clone().unwrap());
                // client -> server
                std::thread::spawn(move || {
                    let (mut r, mut w) = (c_read, s_write);
                    let mut buf = [0u8; 8192];
                    let mut total = 0usize;
                    loop {
                        let n = match r.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        log.lock().unwrap().extend_from_slice(&buf[..n]);
                        total += n;
                        if mode_now == MODE_CUT_ONCE
                            && total > CUT_AFTER
                            && !c.swap(true, Ordering::SeqCst)
                        {
                            // The server never sees the end of DATA.
                            let _ = s_kill.shutdown(Shutdown::Both);
                            let _ = c_kill.shutdown(Shutdown::Both);
                            break;
                        }
                        if w.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = w.shutdown(Shutdown::Write);
                });
                // server -> client
                std::thread::spawn(move || {
                    let mut w = c_write;
                    if mode_now == MODE_STRIP_STARTTLS {
                        let mut r = BufReader::new(s_read);
                        let mut line = Vec::new();
                        loop {
                            line.clear();
                            match r.read_until(b'\n', &mut line) {
                                Ok(0) | Err(_) => break,
                                Ok(_) => {}
                            }
                            let text = String::from_utf8_lossy(&line).to_string();
                            let upper = text.to_ascii_uppercase();
                            let out = if upper.starts_with("250-STARTTLS")
                                || upper.starts_with("250 STARTTLS")
                            {
                                String::new()
                            } else {
                                text.replace(" STARTTLS", "")
                            };
                            if w.write_all(out.as_bytes()).is_err() {
                                break;
                            }
                        }
                    } else {
                        let mut r = s_read;
                        let _ = std::io::copy(&mut r, &mut w);
                    }
                    let _ = w.shutdown(Shutdown::Write);
                });
            }
        });
        Proxy {
            port,
            client_bytes,
            mode,
            cut,
        }
    }

    fn seen(&self) -> String {
        String::from_utf8_lossy(&self.client_bytes.lock().unwrap()).to_string()
    }
}

fn message(from: &str, to: &str, subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    )
    .into_bytes()
}

fn read_report(u: &User, account: &str, folder: &str, uid: u64) -> (Value, String) {
    let out = u.home.path().join(format!("read-{account}-{uid}.eml"));
    let o = u.ok(&[
        "--json",
        "read",
        "--account",
        account,
        "--folder",
        folder,
        "--uid",
        &uid.to_string(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    (report, std::fs::read_to_string(out).unwrap())
}

#[test]
fn mail_through_dovecot_and_postfix() {
    if let Err(why) = servers_available() {
        eprintln!(
            "\n!!!!!!!! MAIL SERVER TESTS NOT RUN: {why}. Needs root and\n!!!!!!!! apt-get install dovecot-imapd dovecot-lmtpd postfix (see tests/mail/start.sh)\n"
        );
        assert!(
            std::env::var_os("SEALPOST_REQUIRE_MAIL_SERVERS").is_none(),
            "SEALPOST_REQUIRE_MAIL_SERVERS is set but the mail servers cannot run: {why}"
        );
        return;
    }
    let t0 = Instant::now();
    let pki = pki();
    let srv = Servers::start();
    let ca = srv.ca();
    let host = |p: u16| format!("localhost:{p}");
    let alice = User::new(&pki.join("rsa2048.p12"));
    let bob = User::new(&pki.join("rsa3072.p12"));
    // alice knows bob's certificate; bob will learn alice's from her signed mail.
    alice.ok(&["cert", "import", pki.join("rsa3072.pem").to_str().unwrap()]);
    alice.add_account(
        "alice",
        "alice@example.test",
        "alicepw",
        host(srv.imaps),
        "implicit",
        host(srv.submission),
        Some(&ca),
    );
    bob.add_account(
        "bob",
        "bob@example.test",
        "bobpw",
        host(srv.imap),
        "starttls",
        host(srv.submission),
        Some(&ca),
    );

    // --- accounts: listing, a working check, and each failure named by its stage ---
    let list = alice.json(&["account", "list"]);
    assert_eq!(list[0]["name"], "alice");
    assert_eq!(list[0]["imap"]["tls"], "implicit");
    assert_eq!(list[0]["smtp"]["tls"], "starttls");
    assert_eq!(list[0]["private_ca"], "CN=Sealpost Mail Test CA");
    // The password is in the keystore, not in the database.
    let db = std::fs::read(alice.home.path().join("sealpost.db")).unwrap();
    assert!(!db.windows(7).any(|w| w == b"alicepw"));
    let c = alice.json(&["account", "test", "alice"]);
    assert_eq!(c["ok"], true, "{c}");
    let c = bob.json(&["account", "test", "bob"]);
    assert_eq!(c["ok"], true, "{c}");

    let failing = |name: &str, pw: &str, imap: String, ca: Option<&Path>| {
        alice.add_account(
            name,
            "alice@example.test",
            pw,
            imap,
            "implicit",
            host(srv.submission),
            ca,
        );
        let o = alice.run(&["--json", "account", "test", name]);
        assert_eq!(o.status.code(), Some(3), "{name}");
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        let msg = v.to_string();
        assert!(
            !msg.contains(pw) || pw == "alicepw",
            "password leaked: {msg}"
        );
        v
    };
    let v = failing("noca", "alicepw", host(srv.imaps), None);
    assert_eq!(v["imap"]["failed_at"], "tls-certificate", "{v}");
    assert_eq!(v["smtp"]["failed_at"], "tls-certificate", "{v}");
    assert!(
        v["imap"]["message"]
            .as_str()
            .unwrap()
            .contains("not issued by a trusted CA")
    );
    let v = failing("wrongpw", "not-the-password", host(srv.imaps), Some(&ca));
    assert_eq!(v["imap"]["failed_at"], "authentication", "{v}");
    assert_eq!(v["smtp"]["failed_at"], "authentication", "{v}");
    let v = failing("closed", "alicepw", host(free_port()), Some(&ca));
    assert_eq!(v["imap"]["failed_at"], "tcp", "{v}");
    let v = failing(
        "nodns",
        "alicepw",
        "no-such-host.invalid:993".into(),
        Some(&ca),
    );
    assert_eq!(v["imap"]["failed_at"], "dns", "{v}");
    eprintln!("account checks done at {:.2?}", t0.elapsed());

    // --- alice -> bob, signed and encrypted ---
    let subject = "Quarterly figures";
    let body = "Dear Bob,\r\nthe figures: 4711 units, 0815 returns.\r\nAlice\r\n";
    let f = alice.file(
        "q.eml",
        &message(
            "Alice <alice@example.test>",
            "Bob <bob@example.test>",
            subject,
            body,
        ),
    );
    let r = alice.json(&[
        "send",
        "--account",
        "alice",
        "--sign",
        "--encrypt",
        "--in",
        &f,
    ]);
    assert_eq!(r["delivered"], true, "{r}");
    assert_eq!(r["entry"]["state"], "sent");
    assert_eq!(r["entry"]["appended"], true, "{r}");
    let to: Vec<&str> = r["encrypted_to"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(to.contains(&"bob@example.test") && to.contains(&"alice@example.test"));

    // Nobody without a certificate gets mail encrypted to them; nothing is queued.
    let f2 = alice.file(
        "carol.eml",
        &message("alice@example.test", "carol@example.test", "x", "x\r\n"),
    );
    let o = alice.run(&["send", "--account", "alice", "--encrypt", "--in", &f2]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(alice.json(&["outbox"]).as_array().unwrap().len(), 1);

    // bob cannot encrypt to alice yet: no certificate.
    let reply_subject = "Re: Quarterly figures";
    let reply = bob.file(
        "reply.eml",
        &message(
            "bob@example.test",
            "alice@example.test",
            reply_subject,
            "Thanks, received.\r\n",
        ),
    );
    let o = bob.run(&[
        "send",
        "--account",
        "bob",
        "--sign",
        "--encrypt",
        "--in",
        &reply,
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    let m = bob.wait_for("bob", "INBOX", subject);
    assert_eq!(m["smime"], "encrypted", "{m}");
    assert_eq!(m["from"], "Alice <alice@example.test>");
    assert!(m["date"].is_string());
    let uid = m["uid"].as_u64().unwrap();
    // Still encrypted at rest in the cache.
    let store = sealpost::store::Store::open(&bob.home.path().join("sealpost.db")).unwrap();
    let (raw, complete) = store
        .message_raw("bob", "INBOX", uid as u32)
        .unwrap()
        .unwrap();
    assert!(complete, "a full sync caches the whole message");
    assert!(String::from_utf8_lossy(&raw).contains("application/pkcs7-mime"));
    assert!(!raw.windows(4).any(|w| w == b"4711"));
    drop(store);
    let (report, plain) = read_report(&bob, "bob", "INBOX", uid);
    assert_eq!(report["encrypted"], true, "{report}");
    assert_eq!(report["signed"], true, "{report}");
    assert_eq!(report["valid"], true, "{report}");
    assert!(
        plain.contains("the figures: 4711 units, 0815 returns."),
        "{plain}"
    );
    assert!(!plain.contains("Bcc"));

    // Harvested: now bob can encrypt to alice.
    let r = bob.json(&[
        "send",
        "--account",
        "bob",
        "--sign",
        "--encrypt",
        "--in",
        &reply,
    ]);
    assert_eq!(r["delivered"], true, "{r}");
    let m = alice.wait_for("alice", "INBOX", reply_subject);
    assert_eq!(m["smime"], "encrypted");
    let (report, plain) = read_report(&alice, "alice", "INBOX", m["uid"].as_u64().unwrap());
    assert_eq!(report["valid"], true, "{report}");
    assert!(plain.contains("Thanks, received."));
    // alice's copy in Sent, readable by her (encrypted to the sender too).
    let s = alice.wait_for("alice", "Sent", subject);
    let (report, plain) = read_report(&alice, "alice", "Sent", s["uid"].as_u64().unwrap());
    assert_eq!(report["valid"], true, "{report}");
    assert!(plain.contains("4711 units"));
    eprintln!("alice <-> bob done at {:.2?}", t0.elapsed());

    // --- a message made by openssl cms (sign, then encrypt), delivered through Postfix ---
    let work = alice.home.path();
    std::fs::write(
        work.join("inner.txt"),
        "Content-Type: text/plain; charset=us-ascii\r\n\r\nhello from openssl cms 2718\r\n",
    )
    .unwrap();
    let sh = format!(
        "set -e; cd {w}; openssl cms -sign -in inner.txt -signer {p}/rsa2048.pem -inkey {p}/rsa2048.key -out signed.txt; \
         openssl cms -encrypt -aes256 -in signed.txt -from alice@example.test -to bob@example.test -subject 'From OpenSSL' -out openssl.eml {p}/rsa3072.pem",
        w = work.display(),
        p = pki.display()
    );
    let st = Command::new("bash").arg("-c").arg(&sh).status().unwrap();
    assert!(st.success());
    let r = alice.json(&[
        "send",
        "--account",
        "alice",
        "--in",
        work.join("openssl.eml").to_str().unwrap(),
    ]);
    assert_eq!(r["delivered"], true);
    let m = bob.wait_for("bob", "INBOX", "From OpenSSL");
    assert_eq!(m["smime"], "encrypted");
    let (report, plain) = read_report(&bob, "bob", "INBOX", m["uid"].as_u64().unwrap());
    assert_eq!(report["encrypted"], true);
    assert_eq!(report["valid"], true, "{report}");
    assert!(plain.contains("hello from openssl cms 2718"));

    // --- a message made by GnuPG gpgsm (sign, then encrypt), delivered through Postfix ---
    std::fs::write(
        work.join("inner-gpgsm.txt"),
        "Content-Type: text/plain; charset=us-ascii\r\n\r\nhello from gpgsm 1618\r\n",
    )
    .unwrap();
    let sh = format!(
        r#"set -e; cd {w}; export GNUPGHOME="$(mktemp -d)"; chmod 700 "$GNUPGHOME"; export LC_ALL=C
printf 'disable-dirmngr\ndisable-crl-checks\n' > "$GNUPGHOME/gpgsm.conf"
echo allow-loopback-pinentry > "$GNUPGHOME/gpg-agent.conf"
fpr=$(openssl x509 -in {p}/ca.pem -noout -fingerprint -sha1 | cut -d= -f2 | tr -d :)
echo "$fpr S relax" > "$GNUPGHOME/trustlist.txt"
G="gpgsm --batch --pinentry-mode loopback"
$G --import {p}/ca.pem
$G --passphrase-fd 0 --import {p}/rsa2048-3des.p12 < {p}/password.txt
$G --import {p}/rsa3072.pem
$G --passphrase-fd 0 -u alice@example.test -o signed.p7m --sign inner-gpgsm.txt < {p}/password.txt
{{ printf 'Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\n'; base64 signed.p7m | sed 's/$/\r/'; }} > signed-entity.txt
$G -r bob@example.test --cipher-algo AES256 -o enveloped.p7m --encrypt signed-entity.txt
gpgconf --kill gpg-agent || true
rm -rf "$GNUPGHOME"
{{ printf 'From: alice@example.test\r\nTo: bob@example.test\r\nSubject: From gpgsm\r\nMIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=smime.p7m\r\n\r\n'; base64 enveloped.p7m | sed 's/$/\r/'; }} > gpgsm.eml"#,
        w = work.display(),
        p = pki.display()
    );
    let o = Command::new("bash").arg("-c").arg(&sh).output().unwrap();
    assert!(
        o.status.success(),
        "gpgsm: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r = alice.json(&[
        "send",
        "--account",
        "alice",
        "--in",
        work.join("gpgsm.eml").to_str().unwrap(),
    ]);
    assert_eq!(r["delivered"], true);
    let m = bob.wait_for("bob", "INBOX", "From gpgsm");
    assert_eq!(m["smime"], "encrypted");
    let (report, plain) = read_report(&bob, "bob", "INBOX", m["uid"].as_u64().unwrap());
    assert_eq!(report["encrypted"], true);
    assert_eq!(report["valid"], true, "{report}");
    assert!(plain.contains("hello from gpgsm 1618"), "{plain}");

    // --- STARTTLS stripped by a man in the middle: fail before any credential ---
    let imap_mitm = Proxy::start(srv.imap, MODE_STRIP_STARTTLS);
    let smtp_mitm = Proxy::start(srv.submission, MODE_STRIP_STARTTLS);
    let pw = bob.file("mitm.pw", b"bobpw");
    bob.ok(&[
        "account",
        "add",
        "--name",
        "mitm",
        "--email",
        "bob@example.test",
        "--imap",
        &host(imap_mitm.port),
        "--smtp",
        &host(smtp_mitm.port),
        "--tls",
        "starttls",
        "--ca-file",
        ca.to_str().unwrap(),
        "--password-file",
        &pw,
    ]);
    let o = bob.run(&["--json", "account", "test", "mitm"]);
    assert_eq!(o.status.code(), Some(3));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["imap"]["failed_at"], "starttls-missing", "{v}");
    assert_eq!(v["smtp"]["failed_at"], "starttls-missing", "{v}");
    let o = bob.run(&["sync", "--account", "mitm"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not offer STARTTLS"));
    for (name, p) in [("IMAP", &imap_mitm), ("SMTP", &smtp_mitm)] {
        let seen = p.seen();
        assert!(!seen.is_empty(), "{name}: the proxy saw nothing");
        let upper = seen.to_ascii_uppercase();
        for bad in ["LOGIN", "AUTH", "BOBPW", "AGJvYkBleGFtcGxlLnRlc3QAYm9icHc="] {
            assert!(
                !upper.contains(&bad.to_ascii_uppercase()),
                "{name}: {bad} was sent: {seen:?}"
            );
        }
        eprintln!("{name} through the STARTTLS-stripping proxy sent only: {seen:?}");
    }

    // --- SMTP cut mid-DATA: the outbox keeps it, a retry delivers exactly once ---
    let flaky = Proxy::start(srv.submission, MODE_CUT_ONCE);
    let pw = alice.file("flaky.pw", b"alicepw");
    alice.ok(&[
        "account",
        "add",
        "--name",
        "flaky",
        "--email",
        "alice@example.test",
        "--imap",
        &host(srv.imaps),
        "--imap-tls",
        "implicit",
        "--smtp",
        &host(flaky.port),
        "--smtp-tls",
        "starttls",
        "--ca-file",
        ca.to_str().unwrap(),
        "--password-file",
        &pw,
    ]);
    let big_subject = "Large report";
    let mut big = String::from("The report follows.\r\n");
    for i in 0..3000 {
        big.push_str(&format!(
            "line {i:05} of the large report, padded to be long enough\r\n"
        ));
    }
    let f = alice.file(
        "big.eml",
        &message("alice@example.test", "bob@example.test", big_subject, &big),
    );
    let o = alice.run(&[
        "--json",
        "send",
        "--account",
        "flaky",
        "--sign",
        "--encrypt",
        "--in",
        &f,
    ]);
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(flaky.cut.load(Ordering::SeqCst), "the proxy never cut");
    let ob = alice.json(&["outbox"]);
    let e = ob
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["subject"] == big_subject)
        .unwrap()
        .clone();
    assert_eq!(e["state"], "failed", "{e}");
    assert_eq!(e["attempts"], 1);
    eprintln!("cut mid-send: {}", e["last_error"]);
    flaky.mode.store(MODE_PASS, Ordering::SeqCst);
    let r = alice.json(&["outbox", "--retry"]);
    let sent: Vec<&Value> = r
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["action"] == "sent")
        .collect();
    assert_eq!(sent.len(), 1, "{r}");
    assert_eq!(sent[0]["entry"]["subject"], big_subject);
    assert_eq!(sent[0]["entry"]["state"], "sent");
    assert_eq!(sent[0]["entry"]["appended"], true, "{r}");
    assert_eq!(sent[0]["entry"]["attempts"], 2);
    // A second retry has nothing to do.
    let r = alice.json(&["outbox", "--retry"]);
    assert!(
        r.as_array()
            .unwrap()
            .iter()
            .all(|o| o["action"] == "nothing-to-do"),
        "{r}"
    );
    let m = bob.wait_for("bob", "INBOX", big_subject);
    let (report, plain) = read_report(&bob, "bob", "INBOX", m["uid"].as_u64().unwrap());
    assert_eq!(report["valid"], true);
    assert!(plain.contains("line 02999 of the large report"));
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        bob.count("bob", "INBOX", big_subject),
        1,
        "delivered more than once"
    );
    assert_eq!(alice.count("alice", "Sent", big_subject), 1);

    // Incremental sync: nothing new, and the cache survives.
    let s = bob.json(&["sync", "--account", "bob"]);
    assert_eq!(s["new"], 0, "{s}");
    assert_eq!(s["downloaded"], 0, "{s}");
    // alice's message, the one made by openssl, the one made by gpgsm, the large report.
    assert_eq!(s["total"], 4, "{s}");

    app_mail_desk(&srv, &alice, &bob, big_subject);
    let carol = blind_copies(&srv, pki, &alice, &bob);
    mixed_recipients(&alice, &bob, &carol);
    account_edit(&srv, &carol);
    drafts(&srv, pki, &alice);

    // Headers first: the list is complete before any body is downloaded, and a later sync
    // fetches exactly the bodies still missing.
    let hf_subject = "Headers first";
    let f3 = alice.file(
        "headers-first.eml",
        &message(
            "alice@example.test",
            "bob@example.test",
            hf_subject,
            "The body comes later.\r\n",
        ),
    );
    alice.ok(&["send", "--account", "alice", "--sign", "--in", &f3]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let m = loop {
        let s = bob.json(&["sync", "--account", "bob", "--headers-only"]);
        assert_eq!(s["downloaded"], 0, "{s}");
        let list = bob.json(&["list", "--account", "bob"]);
        if let Some(m) = list
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["subject"] == hf_subject)
        {
            break m.clone();
        }
        assert!(
            Instant::now() < deadline,
            "{hf_subject:?} never arrived: {list}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(
        m["smime"], "signed",
        "the S/MIME marker comes from the header: {m}"
    );
    assert_eq!(m["from"], "alice@example.test");
    let uid = m["uid"].as_u64().unwrap().to_string();
    let o = bob.run(&["read", "--account", "bob", "--uid", &uid]);
    assert_ne!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("only the header"), "{err}");
    let s = bob.json(&["sync", "--account", "bob"]);
    assert_eq!(
        (s["new"].as_u64(), s["downloaded"].as_u64()),
        (Some(0), Some(1)),
        "{s}"
    );
    let (report, plain) = read_report(&bob, "bob", "INBOX", uid.parse().unwrap());
    assert_eq!(report["valid"], true, "{report}");
    assert!(plain.contains("The body comes later."), "{plain}");

    // Server-side search: by subject text, nothing for text nobody wrote, and a clear refusal
    // of a multi-line query (nothing sent).
    let found = bob.json(&["search", "--account", "bob", "headers FIRST"]);
    let found = found.as_array().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["subject"], hf_subject);
    let none = bob.json(&["search", "--account", "bob", "zebra-crossing-7731"]);
    assert!(none.as_array().unwrap().is_empty(), "{none}");
    let o = bob.run(&["search", "--account", "bob", "two\nlines"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    condstore(&srv, &bob, uid.parse().unwrap());
    idle(&srv);
    cli_watch(&srv, &bob);
    smtp_tls_modes(&srv);
    eprintln!("mail test done in {:.2?}", t0.elapsed());
}

/// CONDSTORE (RFC 7162) on Dovecot: an unchanged folder fetches no flags, a flag set by another
/// client is the only one fetched, and a message another client expunged leaves the cache.
fn condstore(srv: &Servers, bob: &User, uid: u32) {
    use sealpost::mail::imap::Imap;
    // A second client (bob elsewhere): flags the message, or expunges it.
    let other = |expunge: bool| {
        let (ep, login) = (imaps(srv), login("bob@example.test", "bobpw"));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut imap = Imap::login(&ep, &login).await.unwrap();
            imap.select("INBOX").await.unwrap();
            if expunge {
                imap.expunge(uid).await.unwrap();
            } else {
                imap.set_flag(uid, "\\Flagged", true).await.unwrap();
            }
            imap.logout().await;
        });
    };
    let s = bob.json(&["sync", "--account", "bob", "--headers-only"]);
    assert_eq!(s["flags_fetched"], 0, "unchanged folder: {s}");
    assert_eq!(
        (s["new"].as_u64(), s["removed"].as_u64()),
        (Some(0), Some(0)),
        "{s}"
    );
    let total = s["total"].as_u64().unwrap();
    assert!(total >= 2, "{s}");

    other(false);
    let s = bob.json(&["sync", "--account", "bob", "--headers-only"]);
    assert_eq!(
        (s["flags_fetched"].as_u64(), s["flags_updated"].as_u64()),
        (Some(1), Some(1)),
        "only the changed flag is fetched: {s}"
    );
    let list = bob.json(&["list", "--account", "bob"]);
    let m = list
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["uid"] == uid)
        .unwrap();
    assert!(m["flags"].to_string().contains("Flagged"), "{m}");
    let s = bob.json(&["sync", "--account", "bob", "--headers-only"]);
    assert_eq!(s["flags_fetched"], 0, "{s}");

    other(true);
    let s = bob.json(&["sync", "--account", "bob", "--headers-only"]);
    assert_eq!(s["removed"], 1, "{s}");
    assert_eq!(s["total"].as_u64(), Some(total - 1), "{s}");
    let list = bob.json(&["list", "--account", "bob"]);
    assert!(
        list.as_array().unwrap().iter().all(|m| m["uid"] != uid),
        "{list}"
    );
}

/// IDLE (RFC 2177): a wait on a quiet folder ends at its time limit; a message arriving while
/// waiting ends it within seconds.
/// SMTP login over both TLS modes against Postfix (the TLS stream is ours, handed to lettre):
/// implicit TLS and STARTTLS authenticate; a wrong password fails at authentication, inside TLS.
fn smtp_tls_modes(srv: &Servers) {
    use sealpost::mail::{Endpoint, MailError, TlsMode, smtp};
    let ep = |port, tls| Endpoint {
        protocol: "SMTP",
        host: "localhost".into(),
        port,
        tls,
        ca: Some(std::fs::read(srv.ca()).unwrap()),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for (port, tls) in [
        (srv.submissions, TlsMode::Implicit),
        (srv.submission, TlsMode::Starttls),
    ] {
        rt.block_on(smtp::check(
            &ep(port, tls),
            &login("alice@example.test", "alicepw"),
        ))
        .unwrap_or_else(|e| panic!("SMTP {tls:?}: {e}"));
        let wrong = rt.block_on(smtp::check(
            &ep(port, tls),
            &login("alice@example.test", "nope"),
        ));
        assert!(
            matches!(wrong, Err(MailError::Authentication { .. })),
            "SMTP {tls:?}: {wrong:?}"
        );
    }
}

/// The test Dovecot's implicit-TLS IMAP endpoint, under the test CA.
fn imaps(srv: &Servers) -> sealpost::mail::Endpoint {
    sealpost::mail::Endpoint {
        protocol: "IMAP",
        host: "localhost".into(),
        port: srv.imaps,
        tls: sealpost::mail::TlsMode::Implicit,
        ca: Some(std::fs::read(srv.ca()).unwrap()),
    }
}

fn login(user: &str, password: &str) -> sealpost::mail::Login {
    sealpost::mail::Login {
        user: user.into(),
        password: password.to_string().into(),
    }
}

fn idle(srv: &Servers) {
    use sealpost::mail::imap::{IdleEvent, Imap, wait_for_change};
    let ep = imaps(srv);
    let bob = || login("bob@example.test", "bobpw");
    let login = bob();
    let rt = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let t = Instant::now();
    let quiet = rt()
        .block_on(wait_for_change(
            &ep,
            &login,
            "INBOX",
            Duration::from_secs(2),
        ))
        .unwrap();
    assert_eq!(quiet, IdleEvent::Timeout);
    assert!(
        t.elapsed() >= Duration::from_secs(2) && t.elapsed() < Duration::from_secs(10),
        "{:?}",
        t.elapsed()
    );

    let waiter = {
        let (ep, login) = (ep.clone(), bob());
        std::thread::spawn(move || {
            let r = rt().block_on(wait_for_change(
                &ep,
                &login,
                "INBOX",
                Duration::from_secs(120),
            ));
            (r.unwrap(), Instant::now())
        })
    };
    // Let the waiter reach IDLE, then deliver as another client would.
    std::thread::sleep(Duration::from_secs(2));
    let delivered = Instant::now();
    rt().block_on(async {
        let mut imap = Imap::login(&ep, &login).await.unwrap();
        imap.append(
            "INBOX",
            &message(
                "carol@example.test",
                "bob@example.test",
                "While idling",
                "news\r\n",
            ),
        )
        .await
        .unwrap();
        imap.logout().await;
    });
    let (event, at) = waiter.join().unwrap();
    assert_eq!(event, IdleEvent::Changed);
    let after = at.saturating_duration_since(delivered);
    assert!(
        after < Duration::from_secs(10),
        "IDLE returned {after:?} after delivery"
    );
    eprintln!("IDLE saw the new message {after:?} after delivery");
}

/// `sealpost mail watch`: the core's watcher, run by the CLI. Its first round syncs what came
/// while nobody watched (the message `idle` delivered); then a message delivered while it waits
/// in IDLE is synced and reported as one JSON line, within seconds.
fn cli_watch(srv: &Servers, bob: &User) {
    use sealpost::mail::imap::Imap;
    use std::io::BufRead;
    let mut child = Command::new(BIN)
        .args(["--home", bob.home.path().to_str().unwrap()])
        .args(["--json", "mail", "watch", "--account", "bob"])
        .env("SEALPOST_PASSPHRASE_FILE", &bob.passfile)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let next = |what: &str| -> Value {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|e| panic!("no line from `mail watch` for {what}: {e}"));
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line:?}: {e}"))
    };
    let first = next("the first sync");
    assert_eq!(first["account"], "bob", "{first}");
    assert_eq!(first["folder"], "INBOX", "{first}");
    assert!(
        first["new"].as_u64().unwrap() >= 1,
        "the message idle() delivered: {first}"
    );
    // Let the watcher reach IDLE, then deliver as another client would.
    std::thread::sleep(Duration::from_secs(5));
    let delivered = Instant::now();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let login = login("bob@example.test", "bobpw");
        let mut imap = Imap::login(&imaps(srv), &login).await.unwrap();
        let m = message("dave@example.test", "bob@example.test", "Watched", "hi\r\n");
        imap.append("INBOX", &m).await.unwrap();
        imap.logout().await;
    });
    let news = next("the delivered message");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        (news["account"].as_str(), news["new"].as_u64()),
        (Some("bob"), Some(1))
    );
    assert_eq!(
        news["total"],
        first["total"].as_u64().unwrap() + 1,
        "{news}"
    );
    assert!(
        delivered.elapsed() < Duration::from_secs(30),
        "{:?}",
        delivered.elapsed()
    );
    let list = bob.json(&["list", "--account", "bob"]);
    let subjects: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["subject"].as_str())
        .collect();
    assert!(
        subjects.contains(&"Watched"),
        "synced by the watcher: {subjects:?}"
    );
}

/// The app's mail use cases (`MailDesk`) on the same servers: testing settings before saving,
/// folders, read/unread on the server, move, delete (expunge), and an encrypted reply with
/// threading headers.
fn app_mail_desk(srv: &Servers, alice: &User, bob: &User, big_subject: &str) {
    use sealpost::api::Draft;
    use sealpost::api::{MailDesk, ReplyContext};
    use sealpost::api::{MessageFlag, NewAccount, ServerSettings};
    use sealpost::mail::TlsMode;
    use zeroize::Zeroizing;

    let pass = Zeroizing::new("correct horse battery".to_string());
    let pass = Some(&pass);
    let no_progress = |_: sealpost::api::Progress| {};
    let desk = MailDesk::open(bob.home.path()).unwrap();
    let accounts_before = desk.accounts().unwrap().len();

    // Settings are tested before anything is stored; each failure names its stage.
    let ca = srv.ca().display().to_string();
    let settings = |imap_port: u16, ca: Option<&str>| NewAccount {
        name: "probe".into(),
        email: "bob@example.test".into(),
        username: None,
        imap: ServerSettings {
            host: "localhost".into(),
            port: imap_port,
            tls: Some(TlsMode::Implicit),
        },
        smtp: ServerSettings {
            host: "localhost".into(),
            port: srv.submission,
            tls: Some(TlsMode::Starttls),
        },
        ca_file: ca.map(str::to_string),
    };
    let c = desk
        .test_settings(&settings(srv.imaps, Some(&ca)), "bobpw")
        .unwrap();
    assert!(c.ok, "{c:?}");
    let c = desk
        .test_settings(&settings(srv.imaps, Some(&ca)), "not-bobs")
        .unwrap();
    assert_eq!(
        serde_json::to_value(c.imap.failed_at).unwrap(),
        "authentication",
        "{c:?}"
    );
    assert!(!format!("{c:?}").contains("not-bobs"), "password leaked");
    let c = desk
        .test_settings(&settings(srv.imaps, None), "bobpw")
        .unwrap();
    assert_eq!(
        serde_json::to_value(c.imap.failed_at).unwrap(),
        "tls-certificate",
        "{c:?}"
    );
    let c = desk
        .test_settings(&settings(free_port(), Some(&ca)), "bobpw")
        .unwrap();
    assert_eq!(serde_json::to_value(c.imap.failed_at).unwrap(), "tcp");
    assert_eq!(
        desk.accounts().unwrap().len(),
        accounts_before,
        "testing stored nothing"
    );
    // A sync against a closed port is a network error, not bad input.
    let mut broken = settings(free_port(), Some(&ca));
    broken.name = "broken".into();
    desk.add_account(&broken, "bobpw", pass).unwrap();
    let e = desk
        .sync("broken", "INBOX", pass, &no_progress)
        .unwrap_err();
    assert_eq!(e.code, sealpost::api::ErrorCode::Network, "{e}");
    desk.remove_account("broken", pass).unwrap();

    // Folders: INBOX first, Sent by its special use.
    let folders = desk.folders("bob", pass).unwrap();
    let names: Vec<(&str, Value)> = folders
        .iter()
        .map(|f| (f.name.as_str(), serde_json::to_value(f.special).unwrap()))
        .collect();
    assert_eq!(names[0], ("INBOX", Value::from("inbox")), "{names:?}");
    assert!(names.contains(&("Sent", Value::from("sent"))), "{names:?}");

    // The app opens cached mail through its session: decrypted and verified from the cache.
    let mut session = sealpost::api::Session::open(bob.home.path()).unwrap();
    session.unlock_keystore("correct horse battery").unwrap();
    let q_uid = desk
        .list_messages("bob", "INBOX")
        .unwrap()
        .iter()
        .find(|m| m.subject == "Quarterly figures")
        .unwrap()
        .uid;
    let view = session
        .read_mail("bob", "INBOX", q_uid, &no_progress)
        .unwrap();
    assert!(
        view.report.encrypted && view.report.valid,
        "{:?}",
        view.report
    );
    assert!(view.text.as_deref().unwrap_or("").contains("4711 units"));
    assert_eq!(view.headers.subject, "Quarterly figures");
    let e = session
        .read_mail("bob", "INBOX", 999_999, &no_progress)
        .unwrap_err();
    assert_eq!(e.code, sealpost::api::ErrorCode::NotFound);
    // The cache still holds it encrypted.
    let (raw, complete) = desk
        .home()
        .store()
        .message_raw("bob", "INBOX", q_uid)
        .unwrap()
        .unwrap();
    assert!(complete);
    assert!(!raw.windows(10).any(|w| w == b"4711 units"));

    // Newest first; opened messages get \Seen on the server (the cache is rebuilt from it).
    let list = desk.list_messages("bob", "INBOX").unwrap();
    assert_eq!(list.len(), 4);
    assert!(list.windows(2).all(|w| w[0].uid > w[1].uid));
    let q = list
        .iter()
        .find(|m| m.subject == "Quarterly figures")
        .unwrap()
        .clone();
    let seen = |desk: &MailDesk, uid: u32| {
        desk.list_messages("bob", "INBOX")
            .unwrap()
            .iter()
            .find(|m| m.uid == uid)
            .map(|m| m.flags.iter().any(|f| f == "\\Seen"))
    };
    let flags = desk
        .set_flag("bob", "INBOX", q.uid, MessageFlag::Seen, true, pass)
        .unwrap();
    assert!(flags.contains(&"\\Seen".to_string()));
    desk.home()
        .store()
        .set_message_flags("bob", "INBOX", q.uid, &[])
        .unwrap();
    let s = desk.sync("bob", "INBOX", pass, &no_progress).unwrap();
    // (\Recent goes away on the others once a session SELECTed the folder.)
    assert!(s.flags_updated >= 1, "{s:?}");
    assert_eq!(seen(&desk, q.uid), Some(true), "\\Seen is on the server");
    desk.set_flag("bob", "INBOX", q.uid, MessageFlag::Seen, false, pass)
        .unwrap();
    desk.home()
        .store()
        .set_message_flags("bob", "INBOX", q.uid, &["\\Seen".into()])
        .unwrap();
    desk.sync("bob", "INBOX", pass, &no_progress).unwrap();
    assert_eq!(
        seen(&desk, q.uid),
        Some(false),
        "\\Seen cleared on the server"
    );

    // Move the big one to Sent; delete the others (no Trash here: expunged).
    let big = list.iter().find(|m| m.subject == big_subject).unwrap().uid;
    let others: Vec<_> = list
        .iter()
        .filter(|m| m.uid != big && m.uid != q.uid)
        .cloned()
        .collect();
    assert_eq!(others.len(), 2);
    desk.move_message("bob", "INBOX", big, "Sent", pass)
        .unwrap();
    for other in &others {
        assert_eq!(
            desk.delete_message("bob", "INBOX", other.uid, pass)
                .unwrap(),
            None
        );
    }
    let s = desk.sync("bob", "INBOX", pass, &no_progress).unwrap();
    assert_eq!(s.total, 1, "{s:?}");
    let left = desk.list_messages("bob", "INBOX").unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].uid, q.uid);
    desk.sync("bob", "Sent", pass, &no_progress).unwrap();
    assert!(
        desk.list_messages("bob", "Sent")
            .unwrap()
            .iter()
            .any(|m| m.subject == big_subject),
        "the moved message is in Sent"
    );

    // An encrypted reply from the app, threaded to alice's message.
    let draft = Draft {
        from: "bob@example.test".into(),
        to: vec!["alice@example.test".into()],
        cc: vec![],
        bcc: vec![],
        subject: "Re: Quarterly figures (app)".into(),
        body: "Got it.\n\n> Dear Bob,\n".into(),
        html: None,
        attachments: vec![],
        sign: true,
        encrypt: true,
    };
    let reply = ReplyContext {
        in_reply_to: q.message_id.clone(),
        references: vec![],
    };
    let r = desk
        .send(
            "bob",
            &draft,
            &reply,
            Default::default(),
            pass,
            &no_progress,
        )
        .unwrap();
    assert!(r.delivered && r.encrypted && r.entry.appended, "{r:?}");
    let mut wrong = draft.clone();
    wrong.from = "mallory@example.test".into();
    let e = desk
        .send(
            "bob",
            &wrong,
            &reply,
            Default::default(),
            pass,
            &no_progress,
        )
        .unwrap_err();
    assert_eq!(e.code, sealpost::api::ErrorCode::BadInput);
    let m = alice.wait_for("alice", "INBOX", "Re: Quarterly figures (app)");
    assert_eq!(m["smime"], "encrypted");
    let (report, plain) = read_report(alice, "alice", "INBOX", m["uid"].as_u64().unwrap());
    assert_eq!(report["valid"], true, "{report}");
    assert!(plain.contains("Got it."), "{plain}");
    let parent = q.message_id.unwrap();
    assert!(
        plain.contains(&format!("In-Reply-To: {parent}")),
        "threaded: {plain}"
    );
}

/// Bcc from the app with encryption: the To copy names no Bcc recipient (no header, and the
/// blind recipient cannot decrypt it, so no RecipientInfo of theirs is in it); the blind
/// recipient gets a separate encrypted copy; the sender's Sent copy keeps the Bcc header.
fn blind_copies(srv: &Servers, pki: &Path, alice: &User, bob: &User) -> User {
    use sealpost::api::Draft;
    use sealpost::api::{MailDesk, ReplyContext};
    use zeroize::Zeroizing;

    let host = |p: u16| format!("localhost:{p}");
    let carol = User::new(&pki.join("p256.p12"));
    carol.add_account(
        "carol",
        "carol@example.test",
        "carolpw",
        host(srv.imaps),
        "implicit",
        host(srv.submission),
        Some(&srv.ca()),
    );
    bob.ok(&["cert", "import", pki.join("p256.pem").to_str().unwrap()]);
    let pass = Zeroizing::new("correct horse battery".to_string());
    let pass = Some(&pass);
    let no_progress = |_: sealpost::api::Progress| {};
    let desk = MailDesk::open(bob.home.path()).unwrap();
    let subject = "Board minutes (blind copy)";
    let draft = Draft {
        from: "bob@example.test".into(),
        to: vec!["alice@example.test".into()],
        cc: vec![],
        bcc: vec!["carol@example.test".into()],
        subject: subject.into(),
        body: "Minutes attached in spirit.\n".into(),
        html: None,
        attachments: vec![],
        sign: true,
        encrypt: true,
    };
    let r = desk
        .send(
            "bob",
            &draft,
            &ReplyContext::default(),
            Default::default(),
            pass,
            &no_progress,
        )
        .unwrap();
    assert!(r.delivered && r.encrypted, "{r:?}");
    assert_eq!(r.entry.recipients, vec!["alice@example.test".to_string()]);
    assert!(r.entry.appended, "{r:?}");
    assert_eq!(r.bcc_copies.len(), 1, "{r:?}");
    assert_eq!(
        r.bcc_copies[0].recipients,
        vec!["carol@example.test".to_string()]
    );

    // alice's copy: no Bcc header, and carol is not among its recipients.
    let m = alice.wait_for("alice", "INBOX", subject);
    assert_eq!(m["smime"], "encrypted");
    let (report, plain) = read_report(alice, "alice", "INBOX", m["uid"].as_u64().unwrap());
    assert_eq!(report["valid"], true, "{report}");
    assert!(plain.contains("Minutes attached in spirit."), "{plain}");
    assert!(!plain.to_ascii_lowercase().contains("bcc:"), "{plain}");
    assert!(!plain.contains("carol"), "{plain}");
    let alice_desk = MailDesk::open(alice.home.path()).unwrap();
    let (raw, _) = alice_desk
        .home()
        .store()
        .message_raw("alice", "INBOX", m["uid"].as_u64().unwrap() as u32)
        .unwrap()
        .unwrap();
    let to_copy = carol.file("to-copy.eml", &raw);
    let o = carol.run(&["decrypt", "--in", &to_copy]);
    assert!(
        !o.status.success(),
        "carol could decrypt the To copy: she is in its envelope"
    );

    // carol's own copy: encrypted, signed by bob, readable by her.
    let m = carol.wait_for("carol", "INBOX", subject);
    assert_eq!(m["smime"], "encrypted");
    let (report, plain) = read_report(&carol, "carol", "INBOX", m["uid"].as_u64().unwrap());
    assert_eq!(report["valid"], true, "{report}");
    assert!(plain.contains("Minutes attached in spirit."), "{plain}");
    assert!(
        plain
            .lines()
            .any(|l| l.starts_with("To:") && l.contains("alice@example.test")),
        "{plain}"
    );
    assert!(!plain.to_ascii_lowercase().contains("bcc:"), "{plain}");

    // bob's Sent: exactly one copy, and it keeps the Bcc list for him.
    assert_eq!(bob.count("bob", "Sent", subject), 1);
    let m = bob.wait_for("bob", "Sent", subject);
    let (report, plain) = read_report(bob, "bob", "Sent", m["uid"].as_u64().unwrap());
    assert!(
        report["encrypted"] == true && report["valid"] == true,
        "{report}"
    );
    assert!(plain.contains("Bcc: <carol@example.test>"), "{plain}");

    // Signed only: nothing names the blind recipient, so one SMTP transaction carries all.
    let subject = "Board minutes (signed, blind copy)";
    let mut signed = draft.clone();
    signed.subject = subject.into();
    signed.encrypt = false;
    let r = desk
        .send(
            "bob",
            &signed,
            &ReplyContext::default(),
            Default::default(),
            pass,
            &no_progress,
        )
        .unwrap();
    assert!(r.delivered && r.bcc_copies.is_empty(), "{r:?}");
    assert_eq!(
        r.entry.recipients,
        vec![
            "alice@example.test".to_string(),
            "carol@example.test".to_string()
        ]
    );
    let m = alice.wait_for("alice", "INBOX", subject);
    let (report, plain) = read_report(alice, "alice", "INBOX", m["uid"].as_u64().unwrap());
    assert_eq!(report["valid"], true, "{report}");
    assert!(!plain.to_ascii_lowercase().contains("bcc:"), "{plain}");
    assert!(!plain.contains("carol"), "{plain}");
    let m = carol.wait_for("carol", "INBOX", subject);
    let (report, _) = read_report(&carol, "carol", "INBOX", m["uid"].as_u64().unwrap());
    assert_eq!(report["valid"], true, "{report}");
    carol
}

/// Encryption on, one recipient without a certificate (alice has none for carol): refused
/// unless the sender explicitly sends carol a separate unencrypted copy; a signed certificate
/// request brings carol's certificate with her signed reply, after which alice encrypts to her.
fn mixed_recipients(alice: &User, bob: &User, carol: &User) {
    let subject = "Quarterly figures (mixed recipients)";
    let f = alice.file(
        "mixed.eml",
        &message(
            "alice@example.test",
            "bob@example.test, carol@example.test",
            subject,
            "Figures for both of you.\r\n",
        ),
    );
    // No choice made: refused, nothing queued, carol named.
    let outbox_before = alice.json(&["outbox"]).as_array().unwrap().len();
    let o = alice.run(&[
        "send",
        "--account",
        "alice",
        "--sign",
        "--encrypt",
        "--in",
        &f,
    ]);
    assert_ne!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("carol@example.test"), "{err}");
    assert_eq!(
        alice.json(&["outbox"]).as_array().unwrap().len(),
        outbox_before
    );
    // The choice only exists with encryption, only for recipients, and never for all of them.
    let o = alice.run(&[
        "send",
        "--account",
        "alice",
        "--sign",
        "--unencrypted-copy-to",
        "carol@example.test",
        "--in",
        &f,
    ]);
    assert_eq!(o.status.code(), Some(2), "clap requires --encrypt");
    for (who, why) in [
        ("dave@example.test", "not a recipient"),
        ("bob@example.test", "every recipient"),
    ] {
        let mut args = vec![
            "send",
            "--account",
            "alice",
            "--encrypt",
            "--unencrypted-copy-to",
            "carol@example.test",
            "--in",
            &f,
        ];
        args.splice(4..4, ["--unencrypted-copy-to", who]);
        let o = alice.run(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains(why), "{who}: {err}");
    }
    assert_eq!(
        alice.json(&["outbox"]).as_array().unwrap().len(),
        outbox_before
    );

    // The explicit choice: bob gets it encrypted, carol a separate signed plaintext copy.
    let r = alice.json(&[
        "send",
        "--account",
        "alice",
        "--sign",
        "--encrypt",
        "--unencrypted-copy-to",
        "Carol@example.test",
        "--in",
        &f,
    ]);
    assert_eq!(r["delivered"], true, "{r}");
    assert_eq!(
        r["unencrypted_to"],
        serde_json::json!(["carol@example.test"])
    );
    assert_eq!(
        r["entry"]["recipients"],
        serde_json::json!(["bob@example.test"])
    );
    assert_eq!(
        r["unencrypted_copy"]["recipients"],
        serde_json::json!(["carol@example.test"])
    );
    assert!(
        !r["encrypted_to"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x == "carol@example.test"),
        "{r}"
    );
    let m = bob.wait_for("bob", "INBOX", subject);
    assert_eq!(m["smime"], "encrypted");
    let (report, plain) = read_report(bob, "bob", "INBOX", m["uid"].as_u64().unwrap());
    assert_eq!(report["valid"], true, "{report}");
    assert!(plain.contains("Figures for both of you."), "{plain}");
    let m = carol.wait_for("carol", "INBOX", subject);
    assert_eq!(m["smime"], "signed", "carol's copy is not encrypted: {m}");
    let (report, plain) = read_report(carol, "carol", "INBOX", m["uid"].as_u64().unwrap());
    assert_eq!(report["valid"], true, "{report}");
    assert!(plain.contains("Figures for both of you."), "{plain}");
    // The Sent copy is the encrypted one, once.
    assert_eq!(alice.count("alice", "Sent", subject), 1);
    let m = alice.wait_for("alice", "Sent", subject);
    assert_eq!(m["smime"], "encrypted");
    // The list of Sent shows whom it went to.
    assert_eq!(m["to"], "bob@example.test, carol@example.test", "{m}");

    // A signed request for carol's certificate; her signed reply brings it to alice.
    let r = alice.json(&[
        "request-certificate",
        "--account",
        "alice",
        "carol@example.test",
    ]);
    assert_eq!(r[0]["delivered"], true, "{r}");
    assert_eq!(r[0]["signed"], true, "{r}");
    let request = "Request for your e-mail certificate (alice@example.test)";
    let m = carol.wait_for("carol", "INBOX", request);
    assert_eq!(m["smime"], "signed");
    let (report, plain) = read_report(carol, "carol", "INBOX", m["uid"].as_u64().unwrap());
    assert_eq!(report["valid"], true, "{report}");
    assert!(plain.contains("reply with a signed message"), "{plain}");
    let reply = "Re: Request for your e-mail certificate";
    let f = carol.file(
        "cert-reply.eml",
        &message(
            "carol@example.test",
            "alice@example.test",
            reply,
            "Here it is.\r\n",
        ),
    );
    carol.ok(&["send", "--account", "carol", "--sign", "--in", &f]);
    let m = alice.wait_for("alice", "INBOX", reply);
    let (report, _) = read_report(alice, "alice", "INBOX", m["uid"].as_u64().unwrap());
    assert_eq!(report["valid"], true, "{report}");
    // Now encryption to carol works without any choice.
    let subject = "Encrypted to carol at last";
    let f = alice.file(
        "to-carol.eml",
        &message(
            "alice@example.test",
            "carol@example.test",
            subject,
            "Now it is private.\r\n",
        ),
    );
    alice.ok(&[
        "send",
        "--account",
        "alice",
        "--sign",
        "--encrypt",
        "--in",
        &f,
    ]);
    let m = carol.wait_for("carol", "INBOX", subject);
    assert_eq!(m["smime"], "encrypted");
    let (report, plain) = read_report(carol, "carol", "INBOX", m["uid"].as_u64().unwrap());
    assert_eq!(report["valid"], true, "{report}");
    assert!(plain.contains("Now it is private."), "{plain}");
}

/// `account edit`: each change takes effect (the connection test shows it), the password goes to
/// the keystore only, the cache stays for the same mailbox and goes for another one.
fn account_edit(srv: &Servers, carol: &User) {
    let host = |p: u16| format!("localhost:{p}");
    let test = |u: &User| -> Value {
        let o = u.run(&["--json", "account", "test", "carol"]);
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let cached = |u: &User| {
        u.json(&["list", "--account", "carol"])
            .as_array()
            .unwrap()
            .len()
    };
    let before = cached(carol);
    assert!(before >= 3, "carol has cached mail: {before}");

    // Another SMTP port (nothing listens there), then back: the mailbox cache stays.
    let closed = host(free_port());
    carol.ok(&["account", "edit", "carol", "--smtp", &closed]);
    let v = test(carol);
    assert_eq!(v["smtp"]["failed_at"], "tcp", "{v}");
    assert_eq!(v["imap"]["ok"], true, "{v}");
    assert_eq!(cached(carol), before);
    carol.ok(&[
        "account",
        "edit",
        "carol",
        "--smtp",
        &host(srv.submission),
        "--smtp-tls",
        "starttls",
    ]);
    assert_eq!(test(carol)["ok"], true);

    // A new password goes to the keystore (a wrong one fails authentication), never the database.
    let wrong = carol.file("wrong.pw", b"carol-wrong-7731");
    carol.ok(&["account", "edit", "carol", "--password-file", &wrong]);
    let v = test(carol);
    assert_eq!(v["imap"]["failed_at"], "authentication", "{v}");
    let db = std::fs::read(carol.home.path().join("sealpost.db")).unwrap();
    assert!(!db.windows(16).any(|w| w == b"carol-wrong-7731"));
    let right = carol.file("right.pw", b"carolpw");
    carol.ok(&["account", "edit", "carol", "--password-file", &right]);
    assert_eq!(test(carol)["ok"], true);

    // Trusting the public CAs again: the test CA's server certificates are refused; back.
    carol.ok(&["account", "edit", "carol", "--public-ca"]);
    let v = test(carol);
    assert_eq!(v["imap"]["failed_at"], "tls-certificate", "{v}");
    let list = carol.json(&["account", "list"]);
    assert!(list[0]["private_ca"].is_null(), "{list}");
    carol.ok(&[
        "account",
        "edit",
        "carol",
        "--ca-file",
        srv.ca().to_str().unwrap(),
    ]);
    assert_eq!(test(carol)["ok"], true);

    // Another IMAP port and TLS mode is another mailbox as far as the cache knows: it is
    // dropped, and a sync fetches the messages again.
    carol.ok(&[
        "account",
        "edit",
        "carol",
        "--imap",
        &host(srv.imap),
        "--imap-tls",
        "starttls",
    ]);
    let list = carol.json(&["account", "list"]);
    assert_eq!(list[0]["imap"]["port"], srv.imap, "{list}");
    assert_eq!(list[0]["imap"]["tls"], "starttls", "{list}");
    assert_eq!(cached(carol), 0);
    let s = carol.json(&["sync", "--account", "carol"]);
    assert_eq!(s["new"].as_u64(), Some(before as u64), "{s}");
    assert_eq!(cached(carol), before);
    // Unknown accounts and bad settings are refused with nothing changed.
    let o = carol.run(&["account", "edit", "nobody", "--smtp", &closed]);
    assert!(!o.status.success());
    let o = carol.run(&["account", "edit", "carol", "--imap", "localhost:0"]);
    assert!(!o.status.success());
    assert_eq!(test(carol)["ok"], true);
}

/// Drafts: saved to the Drafts folder (created when missing) with \\Draft; encrypted to the
/// sender alone when the message will be encrypted, so the server keeps no plaintext (openssl
/// decrypts it with the sender's key); reopened with every field, the toggles, the threading
/// and the attachments; a new save replaces the old version; discarding removes it.
/// The draft oracle ("Mailto: me your secrets"): whoever can write to the mailbox plants
/// messages in Drafts. Only drafts this keystore sealed open into the compose form: a captured
/// ciphertext with `To: attacker` and `X-Sealpost-Draft: encrypt=no`, a sealed draft changed by
/// one byte, and a sealed draft moved to another folder are all refused, with nothing decrypted.
fn planted_drafts(srv: &Servers, home: &sealpost::api::Home, drafts: &str, sealed: &[u8]) {
    use sealpost::mail::imap::Imap;
    use zeroize::Zeroizing;
    let source = || Ok(Zeroizing::new("correct horse battery".to_string()));
    let text = String::from_utf8_lossy(sealed).into_owned();
    let (seal, ciphertext) = text.split_once("\r\n").expect("the seal line");
    assert!(seal.starts_with("X-Sealpost-Draft-Seal: v1 "), "{seal}");
    let planted =
        format!("To: attacker@evil.test\r\nX-Sealpost-Draft: sign=yes; encrypt=no\r\n{ciphertext}");
    let tampered = text.replacen("Merger terms", "Merger tErms", 1);
    let (ep, login) = (imaps(srv), login("alice@example.test", "alicepw"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut imap = Imap::login(&ep, &login).await.unwrap();
        for m in [planted.as_bytes(), tampered.as_bytes()] {
            imap.append(drafts, m).await.unwrap();
        }
        imap.append("INBOX", sealed).await.unwrap();
        imap.logout().await;
    });
    for folder in [drafts, "INBOX"] {
        home.sync("alice", folder, &source).unwrap();
    }
    let mut refused = 0;
    for folder in [drafts, "INBOX"] {
        for m in home.store().messages("alice", folder).unwrap() {
            let (raw, _) = home
                .store()
                .message_raw("alice", folder, m.uid)
                .unwrap()
                .unwrap();
            if folder != drafts && raw != sealed {
                continue; // alice's own mail in INBOX
            }
            let ours = raw == sealed && folder == drafts;
            let r = home.open_draft("alice", folder, m.uid, &source);
            if ours {
                assert!(r.is_ok(), "our own draft still opens");
                continue;
            }
            let err = r
                .err()
                .unwrap_or_else(|| panic!("{folder} uid {}: a planted draft opened", m.uid));
            assert!(
                err.message.contains("not opened for editing"),
                "{}",
                err.message
            );
            refused += 1;
        }
    }
    assert_eq!(refused, 3, "the planted, the tampered and the moved draft");
    // Clean up: the later steps expect only the drafts they save.
    rt.block_on(async {
        let mut imap = Imap::login(&ep, &login).await.unwrap();
        for folder in [drafts, "INBOX"] {
            imap.select(folder).await.unwrap();
            for m in home.store().messages("alice", folder).unwrap() {
                let (raw, _) = home
                    .store()
                    .message_raw("alice", folder, m.uid)
                    .unwrap()
                    .unwrap();
                if (folder == drafts) != (raw == sealed) {
                    imap.expunge(m.uid).await.unwrap();
                }
            }
        }
        imap.logout().await;
    });
}

fn drafts(srv: &Servers, pki: &Path, alice: &User) {
    use sealpost::api::Draft;
    use sealpost::api::{MailDesk, ReplyContext};
    use zeroize::Zeroizing;

    let pass = Zeroizing::new("correct horse battery".to_string());
    let source = || Ok(Zeroizing::new("correct horse battery".to_string()));
    let desk = MailDesk::open(alice.home.path()).unwrap();
    let attachment = alice.file("minutes.txt", b"secret minutes: 1. price 42\n");
    let draft = Draft {
        from: "alice@example.test".into(),
        to: vec!["bob@example.test".into()],
        cc: vec![],
        bcc: vec!["carol@example.test".into()],
        subject: "Merger terms (draft)".into(),
        body: "Not final: the price is 42.\n".into(),
        html: None,
        attachments: vec![attachment],
        sign: true,
        encrypt: true,
    };
    let reply = ReplyContext {
        in_reply_to: Some("<offer-1@example.test>".into()),
        references: vec![],
    };
    let saved = desk
        .save_draft("alice", &draft, &reply, vec![], None, Some(&pass))
        .unwrap();
    assert!(saved.encrypted);
    assert_eq!(saved.folder, "Drafts", "created when the server has none");
    let uid = saved.uid.expect("the saved draft's UID");
    let folder = saved.folder.clone();
    alice.ok(&["sync", "--account", "alice", "--folder", &folder]);
    let list = alice.json(&["list", "--account", "alice", "--folder", &folder]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["uid"].as_u64(), Some(uid as u64));
    assert_eq!(list[0]["smime"], "encrypted");
    assert!(
        list[0]["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "\\Draft"),
        "{list:?}"
    );
    // What the server holds is ciphertext for the sender alone.
    let (raw, _) = desk
        .home()
        .store()
        .message_raw("alice", &folder, uid)
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&raw);
    assert!(
        !text.contains("price is 42") && !text.contains("secret minutes"),
        "{text}"
    );
    // The blind recipient is not named in the clear either (the draft is inside, whole).
    assert!(!text.contains("carol@example.test"), "{text}");
    assert!(
        text.contains("Subject: Merger terms (draft)"),
        "the list still shows it: {text}"
    );
    let stored = alice.file("draft.eml", &raw);
    let out = Command::new("openssl")
        .args(["cms", "-decrypt", "-in", &stored, "-recip"])
        .arg(pki.join("rsa2048.pem"))
        .arg("-inkey")
        .arg(pki.join("rsa2048.key"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Not final"));
    let bob = User::new(&pki.join("rsa3072.p12"));
    let o = bob.run(&["decrypt", "--in", &stored]);
    assert!(!o.status.success(), "only the sender can read the draft");

    planted_drafts(srv, desk.home(), &folder, &raw);

    // Reopened: every field, the toggles, the threading, the attachment.
    let (view, _) = desk
        .home()
        .open_draft("alice", &folder, uid, &source)
        .unwrap();
    assert_eq!(view.draft.to, vec!["bob@example.test".to_string()]);
    assert_eq!(view.draft.bcc, vec!["carol@example.test".to_string()]);
    assert_eq!(view.draft.subject, "Merger terms (draft)");
    assert_eq!(view.draft.body.trim_end(), "Not final: the price is 42.");
    assert!(view.draft.sign && view.draft.encrypt);
    assert_eq!(
        view.reply.in_reply_to.as_deref(),
        Some("<offer-1@example.test>")
    );
    assert_eq!(view.carried.len(), 1);
    assert_eq!(view.carried[0].filename, "minutes.txt");

    // Saved again, unencrypted now, carrying the attachment over: it replaces the old one.
    let mut second = view.draft.clone();
    second.subject = "Merger terms (draft 2)".into();
    second.encrypt = false;
    let carried = vec![(
        "minutes.txt".to_string(),
        b"secret minutes: 1. price 42\n".to_vec(),
    )];
    let saved2 = desk
        .save_draft(
            "alice",
            &second,
            &view.reply,
            carried,
            Some(uid),
            Some(&pass),
        )
        .unwrap();
    assert!(!saved2.encrypted);
    alice.ok(&["sync", "--account", "alice", "--folder", &folder]);
    let list = alice.json(&["list", "--account", "alice", "--folder", &folder]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "the old version is gone: {list:?}");
    assert_eq!(list[0]["subject"], "Merger terms (draft 2)");
    assert_eq!(list[0]["smime"], "none");
    let uid2 = saved2.uid.unwrap();
    let (view2, _) = desk
        .home()
        .open_draft("alice", &folder, uid2, &source)
        .unwrap();
    assert!(view2.draft.sign && !view2.draft.encrypt);
    assert_eq!(view2.carried.len(), 1);

    // A draft from another address than the account's is refused, nothing stored.
    let mut foreign = second.clone();
    foreign.from = "bob@example.test".into();
    let err = desk
        .save_draft("alice", &foreign, &view.reply, vec![], None, Some(&pass))
        .unwrap_err();
    assert!(
        err.message.contains("is from alice@example.test"),
        "{}",
        err.message
    );

    // Discarded: gone from the server and the cache.
    desk.discard_draft("alice", &folder, uid2, Some(&pass))
        .unwrap();
    alice.ok(&["sync", "--account", "alice", "--folder", &folder]);
    let list = alice.json(&["list", "--account", "alice", "--folder", &folder]);
    assert!(list.as_array().unwrap().is_empty(), "{list}");
}
