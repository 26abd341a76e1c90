//! Revocation end to end through the `sealpost` CLI, against real services on loopback: a
//! small Python HTTP server serving CRLs (and counting every request), `openssl ocsp` as the
//! CA's delegated responder, and a second `openssl ocsp` signing with a responder the CA never
//! certified. The PKI comes from `tests/revocation/make-pki.sh` with URLs on free ports.
//!
//! Covered: good (OCSP and CRL), revoked via CRL, revoked via OCSP, unknown, stale CRL,
//! forged CRL and rogue OCSP responder refused, "required" and "off" modes, `cert import
//! FILE.crl` offline (DER and PEM), `decrypt --json` naming a revoked signer inside encryption,
//! OCSP responses made offline by openssl from our requests (each kind of signer), and no
//! request at all while messages are verified. openssl (`verify -crl_check`, `ocsp -issuer
//! -cert -url`) must agree with every verdict.
//! Services are killed when a test ends, failed or not (a guard's Drop).
//!
//! The services listen on 127.0.0.1, where revocation requests go only with
//! SEALPOST_REVOCATION_ALLOW_PRIVATE=1: every `sealpost` run here sets it (the CLI is a child
//! process), except in the test that checks the refusal without it.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn openssl(args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .env("OPENSSL_CONF", "/dev/null")
        .stdin(Stdio::null())
        .output()
        .expect("run openssl")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn wait_for_port(port: u16, child: &mut Child, what: &str) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(st)) = child.try_wait() {
            panic!("{what} exited early: {st}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not listen on {port}");
}

/// The services of one test; killed on drop, also when the test panics.
struct Services(Vec<Child>);

impl Drop for Services {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

struct Lab {
    dir: tempfile::TempDir,
    http_port: u16,
    ocsp_port: u16,
    rogue_port: u16,
    services: Services,
}

impl Lab {
    /// Makes the PKI (no services yet).
    fn new() -> Lab {
        let dir = tempfile::tempdir().expect("tempdir");
        let (http_port, ocsp_port, rogue_port) = (free_port(), free_port(), free_port());
        let st = Command::new("bash")
            .arg(root().join("tests/revocation/make-pki.sh"))
            .arg(dir.path().join("pki"))
            .args([
                http_port.to_string(),
                ocsp_port.to_string(),
                rogue_port.to_string(),
            ])
            .status()
            .expect("run make-pki.sh");
        assert!(st.success(), "make-pki.sh failed");
        std::fs::create_dir_all(dir.path().join("www")).expect("www dir");
        Lab {
            dir,
            http_port,
            ocsp_port,
            rogue_port,
            services: Services(Vec::new()),
        }
    }

    /// Starts the counting HTTP server (serving `crl` as ca.crl) and both OCSP responders.
    fn start(&mut self, crl: &str) {
        self.serve_crl(crl);
        let mut http = Command::new("python3")
            .arg(root().join("tests/revocation/serve.py"))
            .arg(self.http_port.to_string())
            .arg(self.path("www"))
            .arg(self.path("hits.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3");
        wait_for_port(self.http_port, &mut http, "the CRL server");
        self.services.0.push(http);
        for (port, signer, log) in [
            (self.ocsp_port, "ocsp", "ocsp.log"),
            (self.rogue_port, "rogue", "rogue.log"),
        ] {
            let log_path = self.path(log);
            let log = std::fs::File::create(&log_path).expect("log file");
            let c = Command::new("openssl")
                .current_dir(self.pki(""))
                .env("OPENSSL_CONF", "/dev/null")
                .args([
                    "ocsp",
                    "-index",
                    "ocsp-index.txt",
                    "-port",
                    &port.to_string(),
                    "-rsigner",
                    &format!("{signer}.pem"),
                    "-rkey",
                    &format!("{signer}.key"),
                    "-CA",
                    "ca.pem",
                    "-nmin",
                    "60",
                    "-ignore_err",
                ])
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("openssl ocsp");
            self.services.0.push(c);
            // Not a probe connection: the single-threaded responder would wait on it. It says
            // when it listens.
            let start = Instant::now();
            while !std::fs::read_to_string(&log_path)
                .unwrap_or_default()
                .contains("waiting for OCSP client connections")
            {
                assert!(
                    start.elapsed() < Duration::from_secs(20),
                    "openssl ocsp did not start: {}",
                    std::fs::read_to_string(&log_path).unwrap_or_default()
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    fn serve_crl(&self, name: &str) {
        std::fs::copy(self.pki(name), self.path("www/ca.crl")).expect("copy CRL");
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn pki(&self, name: &str) -> PathBuf {
        self.dir.path().join("pki").join(name)
    }

    fn p(&self, name: &str) -> String {
        self.pki(name).to_string_lossy().into_owned()
    }

    /// Requests the counting server has seen.
    fn hits(&self) -> usize {
        std::fs::read_to_string(self.path("hits.log"))
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }

    /// Requests the CA's OCSP responder has seen (it logs one line per request).
    fn ocsp_hits(&self) -> usize {
        std::fs::read_to_string(self.path("ocsp.log"))
            .map(|s| s.matches("Received request").count())
            .unwrap_or(0)
    }

    /// A fresh home with the CA trusted and every user certificate imported.
    fn home(&self, name: &str) -> Home {
        let h = Home {
            dir: self.path(name),
        };
        let files: Vec<String> = ["ca", "alice", "bob", "carol", "dave", "erin", "frank"]
            .iter()
            .map(|n| self.p(&format!("{n}.pem")))
            .collect();
        let mut args = vec!["cert", "import"];
        args.extend(files.iter().map(String::as_str));
        h.ok(&args);
        h.ok(&["cert", "trust", "Revocation Test CA"]);
        h
    }

    /// A detached signature by `user` made with openssl, framed as multipart/signed.
    fn signed_mail(&self, user: &str) -> String {
        let entity = b"Content-Type: text/plain; charset=utf-8\r\n\r\nSigned by openssl.\r\n";
        let e = self.path(&format!("{user}-entity.txt"));
        std::fs::write(&e, entity).expect("write entity");
        let sig = self.path(&format!("{user}.p7s"));
        let o = openssl(&[
            "cms",
            "-sign",
            "-binary",
            "-in",
            &e.to_string_lossy(),
            "-signer",
            &self.p(&format!("{user}.pem")),
            "-inkey",
            &self.p(&format!("{user}.key")),
            "-outform",
            "DER",
            "-out",
            &sig.to_string_lossy(),
            "-md",
            "sha256",
        ]);
        assert!(o.status.success(), "openssl cms -sign: {}", text(&o));
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD
            .encode(std::fs::read(&sig).expect("read signature"));
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap_or(""))
            .collect();
        let mut m = format!(
            "From: {user}@example.test\r\nTo: x@example.test\r\nSubject: revocation\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"b1\"\r\n\r\n--b1\r\n"
        )
        .into_bytes();
        m.extend_from_slice(entity);
        m.extend_from_slice(
            format!(
                "\r\n--b1\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b1--\r\n",
                lines.join("\r\n")
            )
            .as_bytes(),
        );
        let out = self.path(&format!("{user}-signed.eml"));
        std::fs::write(&out, m).expect("write mail");
        out.to_string_lossy().into_owned()
    }
}

struct Home {
    dir: PathBuf,
}

/// Lets the CLI's revocation requests reach the services on 127.0.0.1.
const ALLOW_PRIVATE: &str = "SEALPOST_REVOCATION_ALLOW_PRIVATE";

impl Home {
    fn run(&self, args: &[&str]) -> Output {
        self.run_allowing_private(args, true)
    }

    /// `sealpost ARGS`, with or without SEALPOST_REVOCATION_ALLOW_PRIVATE=1.
    fn run_allowing_private(&self, args: &[&str], allow: bool) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_sealpost"));
        c.args(args)
            .env("SEALPOST_HOME", &self.dir)
            .env("SEALPOST_PASSPHRASE_FILE", self.dir.with_extension("pass"))
            .env_remove(ALLOW_PRIVATE)
            .stdin(Stdio::null());
        if allow {
            c.env(ALLOW_PRIVATE, "1");
        }
        c.output().expect("run sealpost")
    }

    fn ok(&self, args: &[&str]) -> Output {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "sealpost {}: {}",
            args.join(" "),
            text(&o)
        );
        o
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let o = self.ok(&all);
        serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("sealpost {}: not JSON ({e}): {}", args.join(" "), text(&o)))
    }

    fn revocation(&self, who: &str) -> serde_json::Value {
        self.json(&["cert", "show", &format!("{who}@example.test")])["revocation"].clone()
    }

    fn state(&self, who: &str) -> String {
        self.revocation(who)["state"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// `verify --json`: exit status and the first signature's status and reason.
    fn verify(&self, mail: &str) -> (Option<i32>, String, String) {
        let o = self.run(&["--json", "verify", "--in", mail]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("verify: not JSON ({e}): {}", text(&o)));
        let s = &v["layers"][0]["signatures"][0];
        (
            o.status.code(),
            s["status"].as_str().unwrap_or_default().to_string(),
            s["reason"].as_str().unwrap_or_default().to_string(),
        )
    }

    fn refresh(&self) -> serde_json::Value {
        let o = self.run(&["--json", "cert", "refresh"]);
        serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("refresh: not JSON ({e}): {}", text(&o)))
    }
}

fn source<'a>(
    refresh: &'a serde_json::Value,
    kind: &str,
    url_part: &str,
    subject: &str,
) -> &'a serde_json::Value {
    refresh["sources"]
        .as_array()
        .and_then(|a| {
            a.iter().find(|s| {
                s["kind"] == kind
                    && s["url"].as_str().is_some_and(|u| u.contains(url_part))
                    && s["subject"].as_str().is_some_and(|x| x.contains(subject))
            })
        })
        .unwrap_or_else(|| panic!("no {kind} source {url_part} for {subject}: {refresh}"))
}

/// What openssl's OCSP client says about `user` (good, revoked, unknown).
fn openssl_ocsp(lab: &Lab, user: &str, port: u16) -> String {
    let o = openssl(&[
        "ocsp",
        "-issuer",
        &lab.p("ca.pem"),
        "-cert",
        &lab.p(&format!("{user}.pem")),
        "-url",
        &format!("http://127.0.0.1:{port}/"),
        "-CAfile",
        &lab.p("ca.pem"),
    ]);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let line = out
        .lines()
        .find(|l| l.starts_with(&format!("{}:", lab.p(&format!("{user}.pem")))))
        .unwrap_or_else(|| panic!("openssl ocsp for {user}: {}", text(&o)));
    line.rsplit(' ').next().unwrap_or_default().to_string()
}

fn openssl_crl_check(lab: &Lab, user: &str) -> bool {
    openssl(&[
        "verify",
        "-crl_check",
        "-CAfile",
        &lab.p("ca.pem"),
        "-CRLfile",
        &lab.p("ca.crl.pem"),
        &lab.p(&format!("{user}.pem")),
    ])
    .status
    .success()
}

#[test]
fn refresh_caches_crl_and_ocsp_answers_and_verdicts_follow_them() {
    let mut lab = Lab::new();
    lab.start("ca.crl");
    let h = lab.home("home");
    let mails: Vec<(&str, String)> = ["alice", "bob", "carol", "dave", "erin"]
        .iter()
        .map(|u| (*u, lab.signed_mail(u)))
        .collect();

    // Before any refresh: nothing known, every signature valid (when-available).
    assert_eq!(
        h.json(&["cert", "revocation-mode"])["mode"],
        "when-available"
    );
    assert_eq!(h.state("bob"), "not-checked");
    assert_eq!(h.revocation("bob")["text"], "Not checked yet");
    assert_eq!(h.state("carol"), "not-checked");
    for (u, m) in &mails {
        let (code, status, reason) = h.verify(m);
        assert_eq!((code, status.as_str()), (Some(0), "valid"), "{u}: {reason}");
    }

    let r = h.refresh();
    assert_eq!(
        source(&r, "ocsp", &lab.ocsp_port.to_string(), "alice")["ok"],
        true,
        "{r}"
    );
    assert_eq!(
        source(&r, "crl", &lab.http_port.to_string(), "Revocation Test CA")["ok"],
        true,
        "{r}"
    );
    let rogue = source(&r, "ocsp", &lab.rogue_port.to_string(), "erin");
    assert_eq!(rogue["ok"], false, "{r}");
    assert!(
        rogue["detail"]
            .as_str()
            .unwrap_or("")
            .contains("not signed by the issuer"),
        "{r}"
    );

    // Good (OCSP), revoked via CRL, revoked via OCSP, unknown, rogue answer not cached.
    let alice = h.revocation("alice");
    assert_eq!(alice["state"], "good", "{alice}");
    assert_eq!(alice["source"], "OCSP", "{alice}");
    assert!(
        alice["text"]
            .as_str()
            .unwrap_or("")
            .starts_with("Not revoked (checked "),
        "{alice}"
    );
    let bob = h.revocation("bob");
    assert_eq!(bob["state"], "revoked", "{bob}");
    assert_eq!(bob["source"], "CRL", "{bob}");
    assert_eq!(bob["reason"], "key compromise", "{bob}");
    let carol = h.revocation("carol");
    assert_eq!(carol["state"], "revoked", "{carol}");
    assert_eq!(carol["source"], "OCSP responder", "{carol}");
    assert_eq!(carol["reason"], "superseded", "{carol}");
    assert_eq!(h.state("dave"), "unknown");
    assert_eq!(h.state("erin"), "not-checked");
    // The CA itself is a root: no revocation information applies.
    let ca = h.json(&["cert", "show", "Revocation Test CA"]);
    assert_eq!(ca["revocation"]["state"], "no-information", "{ca}");
    // The list carries the same status.
    let list = h.json(&["cert", "list"]);
    let bob_in_list = list
        .as_array()
        .and_then(|a| a.iter().find(|c| c["emails"][0] == "bob@example.test"))
        .expect("bob listed");
    assert_eq!(bob_in_list["revocation"]["state"], "revoked");

    // openssl agrees: OCSP verdicts from the same responder, CRL verdicts from the same CRL.
    assert_eq!(openssl_ocsp(&lab, "alice", lab.ocsp_port), "good");
    assert_eq!(openssl_ocsp(&lab, "carol", lab.ocsp_port), "revoked");
    assert_eq!(openssl_ocsp(&lab, "dave", lab.ocsp_port), "unknown");
    assert!(openssl_crl_check(&lab, "alice"));
    assert!(!openssl_crl_check(&lab, "bob"));

    // Signatures: revoked signers fail with exit 1 and the reason named; the others hold.
    for (u, m) in &mails {
        let (code, status, reason) = h.verify(m);
        match *u {
            "bob" | "carol" => {
                assert_eq!(
                    (code, status.as_str()),
                    (Some(1), "revoked"),
                    "{u}: {reason}"
                );
                assert!(reason.contains("revoked on "), "{u}: {reason}");
            }
            _ => assert_eq!((code, status.as_str()), (Some(0), "valid"), "{u}: {reason}"),
        }
    }
    let (_, _, reason) = h.verify(&mails[1].1);
    assert!(
        reason.contains("key compromise") && reason.contains("CRL"),
        "{reason}"
    );

    // Encrypting to a revoked recipient is refused, naming the recipient.
    let msg = lab.path("plain.eml");
    std::fs::write(
        &msg,
        "From: x@example.test\r\nTo: bob@example.test\r\nSubject: s\r\n\r\nhello\r\n",
    )
    .expect("write");
    let o = h.run(&[
        "encrypt",
        "--to",
        "bob@example.test",
        "--in",
        &msg.to_string_lossy(),
        "--out",
        &lab.path("x.enc").to_string_lossy(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bob@example.test") && err.contains("revoked"),
        "{err}"
    );
    h.ok(&[
        "encrypt",
        "--to",
        "alice@example.test",
        "--in",
        &msg.to_string_lossy(),
        "--out",
        &lab.path("a.enc").to_string_lossy(),
    ]);

    // The self-test says it in plain words and fails.
    let o = h.run(&["cert", "check", "bob@example.test", "--no-unlock"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("[FAIL] Revoked on ")
            && out.contains("(key compromise), according to the CRL"),
        "{out}"
    );
    let o = h.ok(&["cert", "check", "alice@example.test", "--no-unlock"]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("[ok  ] Not revoked (checked "),
        "{}",
        text(&o)
    );
}

#[test]
fn stale_and_forged_crls_are_refused_and_a_good_one_is_then_taken() {
    let mut lab = Lab::new();
    lab.start("stale.crl");
    let h = lab.home("home");
    let bob_mail = lab.signed_mail("bob");

    let r = h.refresh();
    let crl = source(&r, "crl", &lab.http_port.to_string(), "Revocation Test CA");
    assert_eq!(crl["ok"], false, "{r}");
    assert!(
        crl["detail"]
            .as_str()
            .unwrap_or("")
            .contains("expired on 2020-02-01"),
        "{r}"
    );
    assert_eq!(h.state("bob"), "not-checked");
    assert_eq!(h.verify(&bob_mail).1, "valid");
    // openssl refuses the stale CRL too.
    let o = openssl(&[
        "verify",
        "-crl_check",
        "-CAfile",
        &lab.p("ca.pem"),
        "-CRLfile",
        &lab.p("stale.crl.pem"),
        &lab.p("alice.pem"),
    ]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("CRL has expired"), "{}", text(&o));

    lab.serve_crl("forged.crl");
    let r = h.refresh();
    let crl = source(&r, "crl", &lab.http_port.to_string(), "Revocation Test CA");
    assert_eq!(crl["ok"], false, "{r}");
    assert!(
        crl["detail"]
            .as_str()
            .unwrap_or("")
            .contains("not signed by the issuer"),
        "{r}"
    );
    assert_eq!(h.state("bob"), "not-checked");
    let o = openssl(&[
        "crl",
        "-in",
        &lab.p("forged.crl.pem"),
        "-CAfile",
        &lab.p("ca.pem"),
        "-noout",
    ]);
    assert!(
        !o.status.success() || text(&o).contains("verify failure"),
        "{}",
        text(&o)
    );

    lab.serve_crl("ca.crl");
    let r = h.refresh();
    assert_eq!(
        source(&r, "crl", &lab.http_port.to_string(), "Revocation Test CA")["ok"],
        true,
        "{r}"
    );
    assert_eq!(h.state("bob"), "revoked");
    assert_eq!(h.verify(&bob_mail).0, Some(1));
}

#[test]
fn required_fails_without_an_answer_and_off_consults_nothing() {
    let mut lab = Lab::new();
    lab.start("ca.crl");
    let h = lab.home("home");
    let alice = lab.signed_mail("alice");
    let bob = lab.signed_mail("bob");
    let dave = lab.signed_mail("dave");
    let erin = lab.signed_mail("erin");

    // Required, before any refresh: no answer is a failure with its own reason.
    assert_eq!(
        h.json(&["cert", "revocation-mode", "required"])["mode"],
        "required"
    );
    let (code, status, reason) = h.verify(&alice);
    assert_eq!(
        (code, status.as_str()),
        (Some(1), "revocation-unknown"),
        "{reason}"
    );
    assert!(
        reason.contains("revocation checking is required"),
        "{reason}"
    );
    let o = h.run(&["cert", "check", "alice@example.test", "--no-unlock"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));

    h.refresh();
    let (code, status, reason) = h.verify(&alice);
    assert_eq!((code, status.as_str()), (Some(0), "valid"), "{reason}");
    assert_eq!(h.verify(&bob).1, "revoked");
    // Unknown to the responder, and a rogue answer: both still "no current answer".
    assert_eq!(h.verify(&dave).1, "revocation-unknown");
    assert_eq!(h.verify(&erin).1, "revocation-unknown");
    // Encryption to a recipient without an answer is refused in required mode.
    let msg = lab.path("plain.eml");
    std::fs::write(
        &msg,
        "From: x@example.test\r\nTo: dave@example.test\r\n\r\nhi\r\n",
    )
    .expect("write");
    let o = h.run(&[
        "encrypt",
        "--to",
        "dave@example.test",
        "--in",
        &msg.to_string_lossy(),
        "--out",
        &lab.path("d.enc").to_string_lossy(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("dave@example.test"),
        "{}",
        text(&o)
    );

    // When available: unknown and unanswered pass, revoked still fails.
    h.ok(&["cert", "revocation-mode", "when-available"]);
    assert_eq!(h.verify(&dave).1, "valid");
    assert_eq!(h.verify(&erin).1, "valid");
    assert_eq!(h.verify(&bob).1, "revoked");

    // Off: nothing consulted (bob's cached revocation included) and nothing fetched.
    h.ok(&["cert", "revocation-mode", "off"]);
    let (code, status, reason) = h.verify(&bob);
    assert_eq!((code, status.as_str()), (Some(0), "valid"), "{reason}");
    assert_eq!(h.state("bob"), "off");
    let (hits, ocsp) = (lab.hits(), lab.ocsp_hits());
    let r = h.refresh();
    assert_eq!(r["sources"].as_array().map(Vec::len), Some(0), "{r}");
    assert_eq!((lab.hits(), lab.ocsp_hits()), (hits, ocsp));
    // The setting persists.
    assert_eq!(h.json(&["cert", "revocation-mode"])["mode"], "off");
}

#[test]
fn without_the_setting_loopback_responders_are_refused_and_never_reached() {
    let mut lab = Lab::new();
    lab.start("ca.crl");
    let h = lab.home("home");
    let o = h.run_allowing_private(&["--json", "cert", "refresh"], false);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("refresh: not JSON ({e}): {}", text(&o)));
    assert_eq!(o.status.code(), Some(3), "none answered: {}", text(&o));
    for s in [
        source(&r, "crl", &lab.http_port.to_string(), "Revocation Test CA"),
        source(&r, "ocsp", &lab.ocsp_port.to_string(), "alice"),
    ] {
        assert_eq!(s["ok"], false, "{s}");
        let detail = s["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains("127.0.0.1 is a loopback address") && detail.contains(ALLOW_PRIVATE),
            "{s}"
        );
    }
    assert_eq!(
        (lab.hits(), lab.ocsp_hits()),
        (0, 0),
        "a refused responder was contacted"
    );
    assert_eq!(h.state("alice"), "not-checked");
    // The same refresh with the setting reaches them.
    let r = h.refresh();
    assert_eq!(
        source(&r, "crl", &lab.http_port.to_string(), "Revocation Test CA")["ok"],
        true,
        "{r}"
    );
    assert!(lab.hits() > 0 && lab.ocsp_hits() > 0);
}

#[test]
fn refresh_every_fetches_at_once_and_keeps_running() {
    let mut lab = Lab::new();
    lab.start("ca.crl");
    let h = lab.home("home");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sealpost"))
        .args(["--json", "cert", "refresh", "--every", "1h"])
        .env("SEALPOST_HOME", &h.dir)
        .env("SEALPOST_PASSPHRASE_FILE", h.dir.with_extension("pass"))
        .env(ALLOW_PRIVATE, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run sealpost");
    let stdout = child.stdout.take().expect("its output");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        let mut first = String::new();
        let _ = std::io::BufReader::new(stdout).read_line(&mut first);
        let _ = tx.send(first);
    });
    let line = rx
        .recv_timeout(std::time::Duration::from_secs(90))
        .expect("the first refresh is reported at once");
    // Still running: it waits an hour for the next round.
    assert!(child.try_wait().expect("its state").is_none());
    let _ = child.kill();
    let _ = child.wait();
    let r: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
    let crl = source(&r, "crl", &lab.http_port.to_string(), "Revocation Test CA");
    assert_eq!(crl["ok"], true, "{r}");
    assert!(lab.hits() > 0 && lab.ocsp_hits() > 0);
    // What it fetched is the home's cache, as after `cert refresh`.
    assert_eq!(h.state("alice"), "good");
    // An interval below a minute is refused before anything is fetched.
    let o = h.run(&["cert", "refresh", "--every", "5s"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn a_crl_imported_by_hand_works_offline() {
    // No service runs in this test.
    let lab = Lab::new();
    let h = lab.home("home");
    let bob = lab.signed_mail("bob");
    // Stale and forged files are refused with their reason.
    let o = h.run(&["cert", "import", &lab.p("stale.crl")]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("expired"), "{}", text(&o));
    let o = h.run(&["cert", "import", &lab.p("forged.crl")]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("not signed by the issuer"),
        "{}",
        text(&o)
    );
    assert_eq!(h.state("bob"), "not-checked");

    // DER under .crl, then PEM under .pem: both import.
    let v = h.json(&["cert", "import", &lab.p("ca.crl")]);
    assert_eq!(v["crls"][0]["revoked"], 1, "{v}");
    assert_eq!(v["crls"][0]["issuer"], "CN=Revocation Test CA", "{v}");
    let v = h.json(&["cert", "import", &lab.p("ca.crl.pem")]);
    assert_eq!(v["crls"][0]["revoked"], 1, "{v}");
    let rev = h.revocation("bob");
    assert_eq!(rev["state"], "revoked", "{rev}");
    assert_eq!(rev["source"], "CRL", "{rev}");
    assert_eq!(h.state("alice"), "good");
    let (code, status, _) = h.verify(&bob);
    assert_eq!((code, status.as_str()), (Some(1), "revoked"));
    // A CRL whose issuer is unknown here is refused.
    let other = Home {
        dir: lab.path("empty-home"),
    };
    let o = other.run(&["cert", "import", &lab.p("ca.crl")]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("not in this home"), "{}", text(&o));
}

#[test]
fn verifying_messages_makes_no_request() {
    let mut lab = Lab::new();
    lab.start("ca.crl");
    let h = lab.home("home");
    let mails: Vec<String> = ["alice", "bob", "carol", "frank"]
        .iter()
        .map(|u| lab.signed_mail(u))
        .collect();
    let verify_all = |h: &Home| {
        for m in &mails {
            h.run(&["verify", "--in", m]);
            h.run(&["--json", "verify", "--in", m]);
        }
        for who in ["alice", "bob", "carol", "frank"] {
            h.run(&["cert", "show", &format!("{who}@example.test")]);
            h.run(&[
                "cert",
                "check",
                &format!("{who}@example.test"),
                "--no-unlock",
            ]);
        }
        h.run(&["cert", "list"]);
    };
    // Nothing cached yet, in every mode: not a single request.
    for mode in ["when-available", "required", "off"] {
        h.ok(&["cert", "revocation-mode", mode]);
        verify_all(&h);
        assert_eq!((lab.hits(), lab.ocsp_hits()), (0, 0), "mode {mode}");
    }
    // A refresh does fetch (frank's OCSP URL is the counting server, which answers 404)...
    h.ok(&["cert", "revocation-mode", "when-available"]);
    let r = h.refresh();
    let frank = source(&r, "ocsp", &format!("{}/ocsp", lab.http_port), "frank");
    assert_eq!(frank["ok"], false, "{r}");
    assert!(
        frank["detail"].as_str().unwrap_or("").contains("404"),
        "{r}"
    );
    let (hits, ocsp) = (lab.hits(), lab.ocsp_hits());
    assert!(
        hits >= 2 && ocsp >= 2,
        "refresh fetched: http {hits}, ocsp {ocsp}"
    );
    // ...and verifying afterwards still makes none.
    verify_all(&h);
    assert_eq!((lab.hits(), lab.ocsp_hits()), (hits, ocsp));
}

#[test]
fn a_home_ca_revocation_still_counts_with_the_cache() {
    // The internal CA's own revocations keep working next to cached answers (tests/ca.rs
    // covers them in detail); here only that "off" does not hide the CA's own decision.
    let dir = tempfile::tempdir().expect("tempdir");
    let h = Home {
        dir: dir.path().join("home"),
    };
    std::fs::write(dir.path().join("ks"), "correct horse battery").expect("write");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_sealpost"))
            .args(args)
            .env("SEALPOST_HOME", &h.dir)
            .env("SEALPOST_PASSPHRASE_FILE", dir.path().join("ks"))
            .env(ALLOW_PRIVATE, "1")
            .stdin(Stdio::null())
            .output()
            .expect("run sealpost")
    };
    let ks = dir.path().join("ks").to_string_lossy().into_owned();
    assert!(
        run(&["keystore", "use", "file", "--password-file", &ks])
            .status
            .success()
    );
    assert!(run(&["ca", "create", "--name", "Home CA"]).status.success());
    let p12 = dir.path().join("u.p12").to_string_lossy().into_owned();
    let o = run(&[
        "ca",
        "issue",
        "--ca",
        "Home CA",
        "--email",
        "u@example.test",
        "--out",
        &p12,
        "--password-file",
        &ks,
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(h.state("u"), "good");
    assert!(
        run(&[
            "ca",
            "revoke",
            "u@example.test",
            "--reason",
            "key-compromise"
        ])
        .status
        .success()
    );
    h.ok(&["cert", "revocation-mode", "off"]);
    let rev = h.revocation("u");
    assert_eq!(rev["state"], "revoked", "{rev}");
    assert_eq!(rev["source"], "your CA", "{rev}");
    assert!(
        rev["text"]
            .as_str()
            .unwrap_or("")
            .starts_with("Revoked by your CA on "),
        "{rev}"
    );
}

/// Our OCSP request goes through `openssl ocsp` offline (`-reqin`/`-respout`), signed in the
/// ways responders sign, and our verdict on each response matches RFC 6960 §4.2.2.2.
#[test]
fn ocsp_responses_made_by_openssl_offline_are_judged_by_their_signer() {
    use sealpost::pki::cert::Cert;
    use sealpost::pki::revocation::{CertStatus, RevocationError, ocsp};

    let lab = Lab::new();
    let load = |n: &str| {
        let pem = std::fs::read(lab.pki(&format!("{n}.pem"))).expect("read pem");
        sealpost::cms::parse_certificates(&pem)
            .expect("certificate")
            .remove(0)
    };
    let ca: Cert = load("ca");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    // Answers `user`'s request signed by `signer` (extra openssl flags), returns the verdict.
    let answer = |user: &str, signer: &str, extra: &[&str], nonce_ok: bool, at: u64| {
        let cert = load(user);
        let req = ocsp::build_request(&cert, &ca, true).expect("request");
        let reqf = lab.path(&format!("{user}-{signer}.req"));
        let respf = lab.path(&format!("{user}-{signer}.resp"));
        std::fs::write(&reqf, &req.der).expect("write request");
        let mut args = vec![
            "ocsp".to_string(),
            "-index".into(),
            lab.p("ocsp-index.txt"),
            "-CA".into(),
            lab.p("ca.pem"),
            "-rsigner".into(),
            lab.p(&format!("{signer}.pem")),
            "-rkey".into(),
            lab.p(&format!("{signer}.key")),
            "-reqin".into(),
            reqf.to_string_lossy().into_owned(),
            "-respout".into(),
            respf.to_string_lossy().into_owned(),
            "-nmin".into(),
            "60".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = openssl(&refs);
        assert!(o.status.success(), "openssl ocsp responder: {}", text(&o));
        let resp = std::fs::read(&respf).expect("read response");
        let other_nonce = [0u8; 16];
        let nonce = if nonce_ok {
            req.nonce.clone()
        } else {
            Some(other_nonce.to_vec())
        };
        ocsp::verify_response(&resp, &cert, &ca, nonce.as_deref(), at)
    };

    // openssl reads our request: one SHA-1 CertID and our nonce.
    let req = ocsp::build_request(&load("alice"), &ca, true).expect("request");
    let reqf = lab.path("alice.req");
    std::fs::write(&reqf, &req.der).expect("write");
    let o = openssl(&["ocsp", "-reqin", &reqf.to_string_lossy(), "-req_text"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", text(&o));
    assert!(out.contains("Hash Algorithm: sha1"), "{out}");
    assert!(out.contains("Serial Number: A1"), "{out}");
    assert!(out.contains("OCSP Nonce"), "{out}");

    // Delegated responder certified by the CA; the issuer itself; by key hash.
    let a = answer("alice", "ocsp", &[], true, now).expect("delegated responder");
    assert_eq!(a.status, CertStatus::Good);
    assert!(a.responder.contains("OCSP Responder"), "{}", a.responder);
    assert!(a.next_update.is_some_and(|n| n > now + 3000));
    let a = answer("carol", "ca", &[], true, now).expect("the issuer signs");
    assert!(
        matches!(
            a.status,
            CertStatus::Revoked {
                reason: Some(4),
                ..
            }
        ),
        "{:?}",
        a.status
    );
    let a = answer("bob", "ocsp", &["-resp_key_id"], true, now).expect("responder by key");
    assert!(
        matches!(
            a.status,
            CertStatus::Revoked {
                reason: Some(1),
                ..
            }
        ),
        "{:?}",
        a.status
    );
    assert_eq!(
        answer("dave", "ocsp", &[], true, now)
            .expect("unknown")
            .status,
        CertStatus::Unknown
    );

    // Refused: a responder the CA certified but not for OCSP signing, a responder it never
    // certified, a response without the responder's certificate, a wrong nonce, and an
    // answer past its nextUpdate.
    let e = answer("alice", "noeku", &[], true, now).expect_err("no OCSPSigning");
    assert!(
        e.to_string().contains("not authorised for OCSP signing"),
        "{e}"
    );
    let e = answer("alice", "rogue", &[], true, now).expect_err("rogue");
    assert!(matches!(e, RevocationError::BadSignature { .. }), "{e}");
    let e = answer("alice", "ocsp", &["-resp_no_certs"], true, now).expect_err("no certs");
    assert!(matches!(e, RevocationError::BadSignature { .. }), "{e}");
    let e = answer("alice", "ocsp", &[], false, now).expect_err("nonce");
    assert_eq!(e, RevocationError::NonceMismatch);
    let e = answer("alice", "ocsp", &[], true, now + 2 * 3600).expect_err("stale");
    assert!(matches!(e, RevocationError::Stale { .. }), "{e}");
}

/// `decrypt --json` names a revoked signer inside an encrypted message and exits 1, without
/// writing the plaintext; the same message from a signer in good standing decrypts.
#[test]
fn decrypt_reports_a_revoked_signer_inside_encryption() {
    let lab = Lab::new();
    let h = lab.home("home");
    std::fs::write(h.dir.with_extension("pass"), "correct horse battery").expect("write");
    let pass = h.dir.with_extension("pass").to_string_lossy().into_owned();
    h.ok(&["keystore", "use", "file", "--password-file", &pass]);
    let p12 = lab.path("alice.p12").to_string_lossy().into_owned();
    let o = openssl(&[
        "pkcs12",
        "-export",
        "-in",
        &lab.p("alice.pem"),
        "-inkey",
        &lab.p("alice.key"),
        "-out",
        &p12,
        "-passout",
        "pass:secret",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    std::fs::write(lab.path("p12-pass"), "secret").expect("write");
    h.ok(&[
        "cert",
        "import",
        &p12,
        "--password-file",
        &lab.path("p12-pass").to_string_lossy(),
    ]);
    h.ok(&["cert", "import", &lab.p("ca.crl")]);

    let encrypted_from = |user: &str| {
        let signed = std::fs::read(lab.signed_mail(user)).expect("read signed mail");
        let at = signed
            .windows(29)
            .position(|w| w == b"Content-Type: multipart/signe")
            .expect("signed entity");
        let entity = lab.path(&format!("{user}-entity.eml"));
        std::fs::write(&entity, &signed[at..]).expect("write entity");
        let der = lab.path(&format!("{user}-enc.der"));
        let o = openssl(&[
            "cms",
            "-encrypt",
            "-binary",
            "-aes-256-cbc",
            "-in",
            &entity.to_string_lossy(),
            "-outform",
            "DER",
            "-out",
            &der.to_string_lossy(),
            &lab.p("alice.pem"),
        ]);
        assert!(o.status.success(), "{}", text(&o));
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD
            .encode(std::fs::read(&der).expect("read ciphertext"));
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap_or(""))
            .collect();
        let mail = lab.path(&format!("{user}-enc.eml"));
        std::fs::write(
            &mail,
            format!(
                "From: {user}@example.test\r\nTo: alice@example.test\r\nSubject: sealed\r\nMIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
                lines.join("\r\n")
            ),
        )
        .expect("write mail");
        mail.to_string_lossy().into_owned()
    };

    let out = lab.path("bob-plain.eml");
    let o = h.run(&[
        "--json",
        "decrypt",
        "--in",
        &encrypted_from("bob"),
        "--out",
        &out.to_string_lossy(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("report JSON");
    assert_eq!(v["encrypted"], true, "{v}");
    assert_eq!(v["valid"], false, "{v}");
    let sig = &v["layers"][1]["signatures"][0];
    assert_eq!(sig["status"], "revoked", "{v}");
    assert!(
        sig["reason"]
            .as_str()
            .unwrap_or("")
            .contains("key compromise"),
        "{v}"
    );
    assert!(
        !out.exists(),
        "no plaintext is written for a revoked signer"
    );

    let out = lab.path("frank-plain.eml");
    let o = h.run(&[
        "--json",
        "decrypt",
        "--in",
        &encrypted_from("frank"),
        "--out",
        &out.to_string_lossy(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("report JSON");
    assert_eq!(v["layers"][1]["signatures"][0]["status"], "valid", "{v}");
    assert!(
        std::fs::read_to_string(&out)
            .expect("plaintext")
            .contains("Signed by openssl.")
    );
}
