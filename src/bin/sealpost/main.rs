//! `sealpost`: the command-line face of `sealpost::api`. Input and output are whole RFC 5322
//! messages (stdin/stdout unless --in/--out). Exit status: 0 success, 1 a signature or
//! decryption failed or the message was tampered with, 2 bad usage/input or a missing key,
//! 3 a mail server could not be reached or refused (see `mail.rs`), or no revocation source
//! could be fetched (`cert refresh`).

mod mail;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use sealpost::api::ca::CaPublication;
use sealpost::api::check::CheckLevel;
use sealpost::api::{self, ApiError, CipherChoice, ErrorCode, ExportFormat, Home};
use sealpost::cms::envelope::ContentCipher;
use sealpost::pki::issue::{KeyAlgorithm, RevocationReason};
use sealpost::store::RevocationMode;
use zeroize::Zeroizing;

#[derive(Parser)]
#[command(
    name = "sealpost",
    version,
    about = "S/MIME certificates and encrypted mail"
)]
struct Cli {
    /// Data directory (default: the platform data directory; env SEALPOST_HOME)
    #[arg(long, global = true, env = "SEALPOST_HOME")]
    home: Option<PathBuf>,
    /// Print machine-readable JSON
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Certificates and identities
    #[command(subcommand)]
    Cert(CertCmd),
    /// Where private keys are protected
    #[command(subcommand)]
    Keystore(KeystoreCmd),
    /// An internal certification authority: create, issue, revoke, publish a CRL
    #[command(subcommand)]
    Ca(CaCmd),
    /// Sign a message
    Sign {
        #[arg(long)]
        from: String,
        #[arg(long)]
        opaque: bool,
        #[arg(long = "in")]
        input: Option<PathBuf>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Encrypt a message (optionally signing it first)
    Encrypt {
        #[arg(long, required = true)]
        to: Vec<String>,
        #[arg(long, requires = "from")]
        sign: bool,
        #[arg(long)]
        from: Option<String>,
        #[arg(long, value_enum, default_value = "auto")]
        cipher: CipherArg,
        #[arg(long = "in")]
        input: Option<PathBuf>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Decrypt a message, verifying any signature inside
    Decrypt {
        #[arg(long = "in")]
        input: Option<PathBuf>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Verify a signed message
    Verify {
        #[arg(long = "in")]
        input: Option<PathBuf>,
    },
    #[command(flatten)]
    Mail(mail::MailCmd),
}

#[derive(Subcommand)]
enum CertCmd {
    /// Import .p12/.pfx identities or .pem/.cer/.crt/.der/.p7b/.p7c certificates
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    List,
    Show {
        selector: String,
    },
    Export {
        selector: String,
        #[arg(long, value_enum)]
        format: FormatArg,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// Make a CA certificate a trust anchor for e-mail
    Trust {
        selector: String,
    },
    /// Stop trusting an authority (its certificate stays)
    Untrust {
        selector: String,
    },
    /// Accept a correspondent's changed certificate (another key or issuing CA) for every
    /// address it carries: `verify`, `decrypt` and `encrypt` stop warning about it
    Accept {
        selector: String,
    },
    Delete {
        selector: String,
    },
    /// Self-test a certificate: trust chain, usages, expiry, addresses, private key.
    /// Exit status 0 when it is usable, 1 when not.
    Check {
        selector: String,
        /// Do not unlock the private key for a test signature
        #[arg(long)]
        no_unlock: bool,
    },
    /// Fetch CRLs and OCSP answers for every certificate that publishes them (http://), and
    /// cache what verifies. Verifying and decrypting use only this cache, never the network.
    Refresh,
    /// Show or set how revocation is used: off, when-available (default) or required
    RevocationMode {
        #[arg(value_enum)]
        mode: Option<ModeArg>,
    },
    /// Make a key and a PKCS#10 request (PEM); the key waits here until the certificate
    /// issued for it is imported with `cert import`
    Request {
        #[arg(long = "email", required = true)]
        emails: Vec<String>,
        #[arg(long, value_enum, default_value = "p256")]
        key: UserKeyArg,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum CaCmd {
    /// Create a self-signed CA; its key stays in this home's keystore and it becomes a
    /// trust anchor
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_enum, default_value = "p384")]
        key: CaKeyArg,
        #[arg(long, default_value_t = 3650)]
        days: u32,
        /// http:// URL where the CRL will be published (put into every issued certificate)
        #[arg(long)]
        crl_url: Option<String>,
        /// http:// URL where the CA certificate will be published (AIA caIssuers)
        #[arg(long)]
        ca_issuers_url: Option<String>,
    },
    /// Issue a mailbox-validated S/MIME certificate with a new key, written as a .p12
    Issue {
        /// The issuing CA (e-mail, fingerprint prefix or common name)
        #[arg(long)]
        ca: String,
        #[arg(long = "email", required = true)]
        emails: Vec<String>,
        /// The holder's name, used as the .p12 friendly name (the mailbox-validated profile
        /// allows only mailbox addresses in the certificate's subject)
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_enum, default_value = "p256")]
        key: UserKeyArg,
        /// Validity in days (at most 825)
        #[arg(long, default_value_t = 365)]
        days: u32,
        #[arg(long)]
        out: PathBuf,
        /// File holding the password for the .p12 (else prompted)
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// Revoke a certificate issued by a CA of this home
    Revoke {
        selector: String,
        #[arg(long, value_enum, default_value = "unspecified")]
        reason: ReasonArg,
    },
    /// Sign a CRL (v2) of everything the CA revoked; DER, or PEM when FILE ends in .pem
    Crl {
        #[arg(long)]
        ca: String,
        #[arg(long)]
        out: PathBuf,
        /// Days until nextUpdate (1..=10)
        #[arg(long, default_value_t = api::ca::DEFAULT_CRL_DAYS)]
        days: u32,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ModeArg {
    Off,
    WhenAvailable,
    Required,
}

#[derive(Clone, Copy, ValueEnum)]
enum CaKeyArg {
    P384,
    Rsa3072,
    Rsa4096,
}

#[derive(Clone, Copy, ValueEnum)]
enum UserKeyArg {
    P256,
    P384,
    Rsa2048,
    Rsa3072,
}

#[derive(Clone, Copy, ValueEnum)]
enum ReasonArg {
    Unspecified,
    KeyCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    PrivilegeWithdrawn,
}

impl From<UserKeyArg> for KeyAlgorithm {
    fn from(k: UserKeyArg) -> Self {
        match k {
            UserKeyArg::P256 => KeyAlgorithm::P256,
            UserKeyArg::P384 => KeyAlgorithm::P384,
            UserKeyArg::Rsa2048 => KeyAlgorithm::Rsa2048,
            UserKeyArg::Rsa3072 => KeyAlgorithm::Rsa3072,
        }
    }
}

impl From<ReasonArg> for RevocationReason {
    fn from(r: ReasonArg) -> Self {
        match r {
            ReasonArg::Unspecified => RevocationReason::Unspecified,
            ReasonArg::KeyCompromise => RevocationReason::KeyCompromise,
            ReasonArg::AffiliationChanged => RevocationReason::AffiliationChanged,
            ReasonArg::Superseded => RevocationReason::Superseded,
            ReasonArg::CessationOfOperation => RevocationReason::CessationOfOperation,
            ReasonArg::PrivilegeWithdrawn => RevocationReason::PrivilegeWithdrawn,
        }
    }
}

#[derive(Subcommand)]
enum KeystoreCmd {
    /// Show which keystore this home uses
    Status,
    /// Choose the OS keystore or the passphrase-protected file
    Use {
        #[arg(value_enum)]
        kind: KeystoreArg,
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum KeystoreArg {
    Os,
    File,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Pem,
    Der,
    P7c,
    P12,
}

#[derive(Clone, Copy, ValueEnum)]
enum CipherArg {
    Auto,
    #[value(name = "aes-256-gcm")]
    Aes256Gcm,
    #[value(name = "aes-128-gcm")]
    Aes128Gcm,
    #[value(name = "aes-256-cbc")]
    Aes256Cbc,
    #[value(name = "aes-128-cbc")]
    Aes128Cbc,
}

/// A failure with its exit status.
struct Failure {
    status: u8,
    error: ApiError,
}

impl From<ApiError> for Failure {
    fn from(error: ApiError) -> Self {
        let status = match error.code {
            ErrorCode::DecryptionFailed | ErrorCode::SignatureInvalid => 1,
            ErrorCode::Network => 3,
            _ => 2,
        };
        Failure { status, error }
    }
}

fn io_err(what: &Path, e: std::io::Error) -> Failure {
    ApiError::new(ErrorCode::BadInput, format!("{}: {e}", what.display())).into()
}

fn read_secret_file(path: &Path) -> Result<Zeroizing<String>, ApiError> {
    let raw = Zeroizing::new(
        std::fs::read(path)
            .map_err(|e| ApiError::new(ErrorCode::BadInput, format!("{}: {e}", path.display())))?,
    );
    let s = String::from_utf8(raw.to_vec())
        .map_err(|_| ApiError::new(ErrorCode::BadInput, "the password file is not UTF-8"))?;
    let s = Zeroizing::new(s);
    // One trailing newline is the file's, not the password's.
    let trimmed = s.strip_suffix('\n').unwrap_or(&s);
    let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
    Ok(Zeroizing::new(trimmed.to_string()))
}

fn prompt(label: &str) -> Result<Zeroizing<String>, ApiError> {
    rpassword::prompt_password(label)
        .map(Zeroizing::new)
        .map_err(|e| ApiError::new(ErrorCode::BadInput, format!("cannot read a password: {e}")))
}

fn keystore_passphrase() -> Result<Zeroizing<String>, ApiError> {
    match std::env::var_os("SEALPOST_PASSPHRASE_FILE") {
        Some(p) => read_secret_file(Path::new(&p)),
        None => prompt("Key file passphrase: "),
    }
}

fn read_input(input: &Option<PathBuf>) -> Result<Vec<u8>, Failure> {
    match input {
        Some(p) => std::fs::read(p).map_err(|e| io_err(p, e)),
        None => {
            let mut v = Vec::new();
            std::io::stdin()
                .read_to_end(&mut v)
                .map_err(|e| io_err(Path::new("stdin"), e))?;
            Ok(v)
        }
    }
}

fn write_output(out: &Option<PathBuf>, data: &[u8]) -> Result<(), Failure> {
    match out {
        Some(p) => std::fs::write(p, data).map_err(|e| io_err(p, e)),
        None => std::io::stdout()
            .write_all(data)
            .map_err(|e| io_err(Path::new("stdout"), e)),
    }
}

/// Writes a file only the owner can read (it holds key material, even if encrypted).
fn write_private(path: &Path, data: &[u8]) -> Result<(), Failure> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
        .and_then(|mut f| f.write_all(data))
        .map_err(|e| io_err(path, e))
}

fn new_password(file: Option<PathBuf>, label: &str) -> Result<Zeroizing<String>, ApiError> {
    match file {
        Some(f) => read_secret_file(&f),
        None => {
            let a = prompt(label)?;
            let b = prompt("Again: ")?;
            if *a != *b {
                return Err(ApiError::new(
                    ErrorCode::BadInput,
                    "the two passwords differ",
                ));
            }
            Ok(a)
        }
    }
}

fn print_json<T: serde::Serialize>(v: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".into())
    );
}

fn print_cert(c: &api::CertDto) {
    println!(
        "{} [{:?}{}]",
        c.info.subject,
        c.kind,
        if c.trusted { ", trusted" } else { "" }
    );
    println!("  fingerprint  {}", c.info.fingerprint);
    if !c.info.emails.is_empty() {
        println!("  e-mail       {}", c.info.emails.join(", "));
    }
    println!("  issuer       {}", c.info.issuer);
    println!(
        "  valid        {} .. {}",
        c.info.not_before, c.info.not_after
    );
    println!("  key          {}", c.info.key);
    let sign = match &c.info.sign_problem {
        None => "yes".to_string(),
        Some(p) => format!("no ({p})"),
    };
    let enc = match &c.info.encrypt_problem {
        None => "yes".to_string(),
        Some(p) => format!("no ({p})"),
    };
    println!("  can sign     {sign}");
    println!("  can encrypt  {enc}");
    println!("  revocation   {}", c.revocation.text);
}

fn print_report(r: &api::Report) {
    for c in &r.cert_changes {
        eprintln!(
            "warning: {} (new certificate {}; accept it with `sealpost cert accept {}`)",
            c.text, c.new_fingerprint, c.new_fingerprint
        );
    }
    if let Some(from) = &r.from {
        eprintln!("from {from}");
    }
    if !r.header_mismatches.is_empty() {
        eprintln!(
            "warning: the protected {} differ from the unprotected outer header",
            r.header_mismatches.join(", ")
        );
    }
    for l in &r.layers {
        match l {
            api::report::LayerReport::Enveloped { cipher }
            | api::report::LayerReport::AuthEnveloped { cipher } => {
                eprintln!("encrypted with {cipher}")
            }
            api::report::LayerReport::Signed { signatures, .. } => {
                for s in signatures {
                    eprintln!(
                        "signature by {}: {}{} ({})",
                        if s.emails.is_empty() {
                            "unknown".into()
                        } else {
                            s.emails.join(", ")
                        },
                        s.status,
                        s.reason_code
                            .as_ref()
                            .map(|c| format!(" [{c}]"))
                            .unwrap_or_default(),
                        s.reason
                    );
                }
            }
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    let dir = cli.home.clone().unwrap_or_else(api::default_home);
    let home = Home::open(&dir)?;
    let pass: &dyn Fn() -> Result<Zeroizing<String>, ApiError> = &keystore_passphrase;
    match cli.command {
        Command::Mail(cmd) => mail::run(cmd, &home, cli.json, pass)?,
        Command::Keystore(KeystoreCmd::Status) => {
            let kind = home.keystore_kind()?;
            if cli.json {
                print_json(&serde_json::json!({ "keystore": kind }));
            } else {
                println!("keystore: {kind}");
            }
        }
        Command::Keystore(KeystoreCmd::Use {
            kind,
            password_file,
        }) => match kind {
            KeystoreArg::Os => home.use_os_keystore()?,
            KeystoreArg::File => {
                let p = match password_file {
                    Some(f) => read_secret_file(&f)?,
                    None => prompt("New key file passphrase: ")?,
                };
                home.use_file_keystore(&p)?;
            }
        },
        Command::Cert(CertCmd::Import {
            files,
            password_file,
        }) => {
            let mut all = Vec::new();
            let mut crls = Vec::new();
            for f in &files {
                let data = std::fs::read(f).map_err(|e| io_err(f, e))?;
                let name = f
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                let pf = password_file.clone();
                let label = format!("Password for {name}: ");
                let password = move || match &pf {
                    Some(p) => read_secret_file(p),
                    None => prompt(&label),
                };
                let r = home.import(&name, &data, Some(&password), pass)?;
                all.extend(r.imported);
                crls.extend(r.crls);
            }
            if cli.json {
                print_json(&api::ImportResult {
                    imported: all,
                    crls,
                });
            } else {
                for c in &all {
                    print_cert(c);
                }
                for c in &crls {
                    println!(
                        "CRL of {}: {} revoked, current until {}",
                        c.issuer, c.revoked, c.next_update
                    );
                }
            }
        }
        Command::Cert(CertCmd::List) => {
            let list = home.list()?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let notices = home.expiry_notices(now)?;
            if cli.json {
                // Each certificate, plus expiry_warning (30, 14, 7; 0 once expired) on the
                // user's identities that warn, else null.
                let out: Vec<serde_json::Value> = list
                    .iter()
                    .map(|c| {
                        let mut v = serde_json::to_value(c).unwrap_or_default();
                        if let Some(obj) = v.as_object_mut() {
                            let warn = notices
                                .iter()
                                .find(|n| n.fingerprint == c.info.fingerprint)
                                .map(|n| n.threshold);
                            obj.insert("expiry_warning".into(), serde_json::json!(warn));
                        }
                        v
                    })
                    .collect();
                print_json(&out);
            } else {
                for c in &list {
                    print_cert(c);
                }
                for n in notices {
                    let who = if n.emails.is_empty() {
                        n.subject.clone()
                    } else {
                        n.emails.join(", ")
                    };
                    if n.days_left < 0 {
                        println!(
                            "warning: your certificate for {who} expired on {}: import a renewed one",
                            n.not_after
                        );
                    } else {
                        println!(
                            "warning: your certificate for {who} expires in {} day{} (on {}): renew it",
                            n.days_left,
                            if n.days_left == 1 { "" } else { "s" },
                            n.not_after
                        );
                    }
                }
            }
        }
        Command::Cert(CertCmd::Show { selector }) => {
            let (c, verdict) = home.show_with_trust(&selector)?;
            let history = home.cert_history(&home.select(&c.info.fingerprint)?)?;
            if cli.json {
                // The certificate's fields plus trusted_path, trust, anchor, reason_code, and
                // history (the other certificates of the same mailbox, newest first).
                let mut v = serde_json::to_value(&c).unwrap_or_default();
                if let (Some(obj), Ok(serde_json::Value::Object(extra))) =
                    (v.as_object_mut(), serde_json::to_value(&verdict))
                {
                    obj.extend(extra);
                    obj.insert(
                        "history".into(),
                        serde_json::to_value(&history).unwrap_or_default(),
                    );
                }
                print_json(&v);
            } else {
                print_cert(&c);
                println!("  trust        {}", verdict.trust);
                if !history.is_empty() {
                    println!("  other certificates of the same mailbox:");
                }
                for h in &history {
                    println!(
                        "    {} {} .. {}{}{}",
                        h.cert.info.fingerprint,
                        h.cert.info.not_before,
                        h.cert.info.not_after,
                        if h.newer { " (newer)" } else { " (earlier)" },
                        if h.has_private_key {
                            ", private key kept"
                        } else {
                            ""
                        }
                    );
                }
            }
        }
        Command::Cert(CertCmd::Untrust { selector }) => {
            let c = home.untrust(&selector)?;
            if cli.json {
                print_json(&c);
            } else {
                println!("no longer trusted: {}", c.info.subject);
            }
        }
        Command::Cert(CertCmd::Trust { selector }) => {
            let c = home.trust(&selector)?;
            if cli.json {
                print_json(&c);
            } else {
                println!("trusted for e-mail: {}", c.info.subject);
            }
        }
        Command::Cert(CertCmd::Accept { selector }) => {
            let c = home.accept_cert(&selector)?;
            if cli.json {
                print_json(&c);
            } else {
                println!(
                    "accepted for {}: {}",
                    c.info.emails.join(", "),
                    c.info.fingerprint
                );
            }
        }
        Command::Cert(CertCmd::Delete { selector }) => {
            let c = home.delete(&selector)?;
            if cli.json {
                print_json(&c);
            } else {
                println!("deleted: {}", c.info.subject);
            }
        }
        Command::Cert(CertCmd::Export {
            selector,
            format,
            out,
            password_file,
        }) => {
            let format = match format {
                FormatArg::Pem => ExportFormat::Pem,
                FormatArg::Der => ExportFormat::Der,
                FormatArg::P7c => ExportFormat::P7c,
                FormatArg::P12 => ExportFormat::P12,
            };
            let password = if matches!(format, ExportFormat::P12) {
                Some(match password_file {
                    Some(f) => read_secret_file(&f)?,
                    None => prompt("Password for the new .p12: ")?,
                })
            } else {
                None
            };
            let data = home.export(
                &selector,
                format,
                password.as_deref().map(|s| s.as_str()),
                pass,
            )?;
            write_output(&Some(out), &data)?;
        }
        Command::Cert(CertCmd::Check {
            selector,
            no_unlock,
        }) => {
            let unlock = if no_unlock { None } else { Some(pass) };
            let c = home.check(&selector, unlock)?;
            if cli.json {
                print_json(&c);
            } else {
                println!("{}", c.subject);
                println!("  fingerprint  {}", c.fingerprint);
                for l in &c.lines {
                    let mark = match l.level {
                        CheckLevel::Ok => "ok  ",
                        CheckLevel::Info => "info",
                        CheckLevel::Warning => "WARN",
                        CheckLevel::Problem => "FAIL",
                    };
                    println!("  [{mark}] {}", l.text);
                }
                println!(
                    "{}",
                    if c.usable {
                        "Result: usable"
                    } else {
                        "Result: NOT usable"
                    }
                );
            }
            if !c.usable {
                return Err(Failure {
                    status: 1,
                    error: ApiError::new(ErrorCode::BadInput, "the certificate is not usable"),
                });
            }
        }
        Command::Cert(CertCmd::Refresh) => {
            let r = home.refresh_revocation()?;
            if cli.json {
                print_json(&r);
            } else {
                if r.sources.is_empty() {
                    println!(
                        "nothing to fetch (revocation mode {}; no certificate names a CRL or OCSP URL)",
                        r.mode.as_str()
                    );
                }
                for s in &r.sources {
                    println!(
                        "{} {} {} ({}): {}",
                        if s.ok { "ok  " } else { "FAIL" },
                        s.kind.to_uppercase(),
                        s.url,
                        s.subject,
                        s.detail
                    );
                }
            }
            // Every source failed: say so in the exit status (network or answers refused).
            if !r.sources.is_empty() && r.sources.iter().all(|s| !s.ok) {
                return Err(Failure {
                    status: 3,
                    error: ApiError::new(
                        ErrorCode::BadInput,
                        "no revocation source could be fetched and verified",
                    ),
                });
            }
        }
        Command::Cert(CertCmd::RevocationMode { mode }) => {
            let mode = match mode {
                None => home.revocation_mode()?,
                Some(m) => home.set_revocation_mode(match m {
                    ModeArg::Off => RevocationMode::Off,
                    ModeArg::WhenAvailable => RevocationMode::WhenAvailable,
                    ModeArg::Required => RevocationMode::Required,
                })?,
            };
            if cli.json {
                print_json(&serde_json::json!({ "mode": mode }));
            } else {
                println!("revocation: {}", mode.as_str());
            }
        }
        Command::Cert(CertCmd::Request { emails, key, out }) => {
            let r = home.cert_request(&emails, key.into(), pass)?;
            write_output(&Some(out.clone()), r.pem.as_bytes())?;
            if cli.json {
                print_json(&r);
            } else {
                println!(
                    "wrote {} ({} key for {}); the key waits here until `sealpost cert import` brings its certificate",
                    out.display(),
                    r.key,
                    r.emails.join(", ")
                );
            }
        }
        Command::Ca(CaCmd::Create {
            name,
            key,
            days,
            crl_url,
            ca_issuers_url,
        }) => {
            let key = match key {
                CaKeyArg::P384 => KeyAlgorithm::P384,
                CaKeyArg::Rsa3072 => KeyAlgorithm::Rsa3072,
                CaKeyArg::Rsa4096 => KeyAlgorithm::Rsa4096,
            };
            let no_crl = crl_url.is_none();
            let c = home.ca_create(
                &name,
                key,
                days,
                &CaPublication {
                    crl_url,
                    ca_issuers_url,
                },
                pass,
            )?;
            if cli.json {
                print_json(&c);
            } else {
                print_cert(&c);
                println!(
                    "created; its private key is in this home's keystore and it is trusted for e-mail"
                );
            }
            if no_crl {
                eprintln!(
                    "note: without --crl-url the certificates it issues have no CRL distribution point, which the CA/B Forum S/MIME requirements ask for"
                );
            }
        }
        Command::Ca(CaCmd::Issue {
            ca,
            emails,
            name,
            key,
            days,
            out,
            password_file,
        }) => {
            let password = new_password(password_file, "Password for the new .p12: ")?;
            let issued = home.ca_issue(
                &ca,
                &emails,
                name.as_deref(),
                key.into(),
                days,
                &password,
                pass,
            )?;
            write_private(&out, &issued.p12)?;
            if cli.json {
                print_json(&issued);
            } else {
                print_cert(&issued.cert);
                println!("  serial       {}", issued.serial);
                println!("wrote {}", out.display());
            }
        }
        Command::Ca(CaCmd::Revoke { selector, reason }) => {
            let r = home.ca_revoke(&selector, reason.into())?;
            if cli.json {
                print_json(&r);
            } else {
                println!(
                    "revoked: {} (serial {}, {}); publish a new CRL with `sealpost ca crl`",
                    r.subject,
                    r.serial,
                    r.reason.label()
                );
            }
        }
        Command::Ca(CaCmd::Crl { ca, out, days }) => {
            let crl = home.ca_crl(&ca, days, pass)?;
            let pem = out
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("pem"));
            let data = if pem {
                sealpost::pki::to_pem("X509 CRL", &crl.der).into_bytes()
            } else {
                crl.der.clone()
            };
            write_output(&Some(out.clone()), &data)?;
            if cli.json {
                print_json(&crl);
            } else {
                println!(
                    "wrote {}: CRL number {}, {} revoked, next update {}",
                    out.display(),
                    crl.crl_number,
                    crl.revoked.len(),
                    crl.next_update
                );
            }
        }
        Command::Sign {
            from,
            opaque,
            input,
            out,
        } => {
            home.hold_keys(pass)?;
            let msg = read_input(&input)?;
            let signed = home.sign_message(&msg, &from, opaque, pass)?;
            write_output(&out, &signed)?;
        }
        Command::Encrypt {
            to,
            sign,
            from,
            cipher,
            input,
            out,
        } => {
            if sign {
                home.hold_keys(pass)?;
            }
            let msg = read_input(&input)?;
            let cipher = match cipher {
                CipherArg::Auto => CipherChoice::Auto,
                CipherArg::Aes256Gcm => CipherChoice::Fixed(ContentCipher::Aes256Gcm),
                CipherArg::Aes128Gcm => CipherChoice::Fixed(ContentCipher::Aes128Gcm),
                CipherArg::Aes256Cbc => CipherChoice::Fixed(ContentCipher::Aes256Cbc),
                CipherArg::Aes128Cbc => CipherChoice::Fixed(ContentCipher::Aes128Cbc),
            };
            let sign_from = if sign { from.as_deref() } else { None };
            for c in home.recipient_changes(&to)? {
                eprintln!(
                    "warning: {} (new certificate {}; accept it with `sealpost cert accept {}`)",
                    c.text, c.new_fingerprint, c.new_fingerprint
                );
            }
            let (enc, _, _) = home.encrypt_message_detailed(msg, &to, sign_from, cipher, pass)?;
            write_output(&out, &enc)?;
        }
        Command::Decrypt { input, out } => {
            // The keystore first: its KDF's working memory is not added to the message's.
            home.hold_keys(pass)?;
            let msg = read_input(&input)?;
            let (report, plain) = home.open_message(msg, pass)?;
            if !report.encrypted {
                return Err(
                    ApiError::new(ErrorCode::BadInput, "the message is not encrypted").into(),
                );
            }
            let ok = !report.signed || report.valid;
            if ok {
                write_output(&out, &plain)?;
            }
            if cli.json && out.is_some() {
                print_json(&report);
            } else if cli.json {
                eprintln!(
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
            } else {
                print_report(&report);
            }
            if !ok {
                return Err(Failure {
                    status: 1,
                    error: ApiError::new(ErrorCode::SignatureInvalid, "a signature is not valid"),
                });
            }
        }
        Command::Verify { input } => {
            let msg = read_input(&input)?;
            let (report, _) = home.open_message(msg, pass)?;
            if cli.json {
                print_json(&report);
            } else {
                print_report(&report);
            }
            if !report.signed {
                let outside = report
                    .layers
                    .iter()
                    .any(|l| matches!(l, api::report::LayerReport::Signed { .. }));
                return Err(ApiError::new(
                    ErrorCode::SignatureInvalid,
                    if outside {
                        "the only signature is over the encrypted data: it does not vouch for the content"
                    } else {
                        "the message is not signed"
                    },
                )
                .into());
            }
            if !report.valid {
                return Err(Failure {
                    status: 1,
                    error: ApiError::new(ErrorCode::SignatureInvalid, "a signature is not valid"),
                });
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let json = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if json {
                eprintln!(
                    "{}",
                    serde_json::to_string(&f.error).unwrap_or_else(|_| f.error.message.clone())
                );
            } else {
                eprintln!("sealpost: {}", f.error.message);
            }
            ExitCode::from(f.status)
        }
    }
}
