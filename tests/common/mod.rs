//! Fixtures shared by the integration tests: the test PKI (made by `tests/pki/make-pki.sh`),
//! the `sealpost` CLI on a fresh home with the passphrase-file keystore, and `openssl`.
#![allow(dead_code)] // each test file uses its own part of these

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// The test PKI directory, made once per test binary (the script serialises its callers).
pub fn pki() -> &'static Path {
    static PKI: OnceLock<PathBuf> = OnceLock::new();
    PKI.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let dir = root.join("target").join("test-pki");
        let st = Command::new("bash")
            .arg(root.join("tests/pki/make-pki.sh"))
            .arg(&dir)
            .status()
            .expect("run make-pki.sh");
        assert!(st.success(), "make-pki.sh failed");
        assert!(dir.join(".done").exists());
        dir
    })
}

/// A file of the test PKI, as a path string for command lines.
pub fn pki_file(name: &str) -> String {
    pki().join(name).to_string_lossy().into_owned()
}

/// Status, stdout and stderr of a finished command, for assertion messages.
pub fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs `program` with `stdin` (or none) and returns what it did.
pub fn run(mut cmd: Command, stdin: Option<&[u8]>) -> Output {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    if let Some(data) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(data)
            .expect("write stdin");
    }
    child.wait_with_output().expect("wait")
}

/// `openssl ARGS`; asserts only its exit status 0 (what the tool guarantees).
pub fn openssl(args: &[&str]) -> Output {
    let mut c = Command::new("openssl");
    c.args(args).env("OPENSSL_CONF", "/dev/null");
    let o = run(c, None);
    assert!(o.status.success(), "openssl {args:?}: {}", text(&o));
    o
}

/// The `sealpost` CLI on its own fresh home (passphrase-file keystore).
pub struct Cli {
    pub tmp: tempfile::TempDir,
}

pub const KEYSTORE_PASSPHRASE: &str = "correct horse battery staple";

impl Cli {
    pub fn new() -> Cli {
        let tmp = tempfile::Builder::new()
            .prefix("sealpost-cli-")
            .tempdir()
            .expect("temp home");
        std::fs::write(tmp.path().join("passphrase"), KEYSTORE_PASSPHRASE).expect("passphrase");
        let c = Cli { tmp };
        let pf = c.path("passphrase");
        c.ok(&["keystore", "use", "file", "--password-file", &pf]);
        c
    }

    /// A path in the home's temporary directory.
    pub fn path(&self, name: &str) -> String {
        self.tmp.path().join(name).to_string_lossy().into_owned()
    }

    /// The data directory (for `Session::open` on the same home).
    pub fn data(&self) -> PathBuf {
        self.tmp.path().join("home")
    }

    pub fn run(&self, args: &[&str], stdin: Option<&[u8]>) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_sealpost"));
        c.arg("--home")
            .arg(self.data())
            .args(args)
            .env("SEALPOST_PASSPHRASE_FILE", self.path("passphrase"))
            .env("HOME", self.tmp.path())
            .env("XDG_CONFIG_HOME", self.tmp.path().join("xdg-config"))
            .env("XDG_DATA_HOME", self.tmp.path().join("xdg-data"))
            .env("RUST_BACKTRACE", "0")
            .env("LC_ALL", "C");
        let o = run(c, stdin);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            !err.contains("panicked"),
            "sealpost {args:?} panicked: {err}"
        );
        o
    }

    pub fn ok(&self, args: &[&str]) -> Output {
        let o = self.run(args, None);
        assert!(o.status.success(), "sealpost {args:?}: {}", text(&o));
        o
    }

    /// Imports an identity of the test PKI (`NAME.p12`, password "secret").
    pub fn import_identity(&self, name: &str) {
        let p12 = pki_file(&format!("{name}.p12"));
        let pw = pki_file("password.txt");
        self.ok(&["cert", "import", &p12, "--password-file", &pw]);
    }

    /// Imports the test CA and trusts it.
    pub fn trust_test_ca(&self) {
        self.ok(&["cert", "import", &pki_file("ca.pem")]);
        let fp = std::fs::read_to_string(pki().join("fingerprints.txt")).expect("fingerprints");
        let ca = fp
            .lines()
            .find_map(|l| l.strip_prefix("ca "))
            .expect("the CA's fingerprint")
            .trim()
            .to_string();
        self.ok(&["cert", "trust", &ca]);
    }
}
