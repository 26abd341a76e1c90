//! `sealpost`: the command-line face of `sealpost::api`. Input and output are whole RFC 5322
//! messages (stdin/stdout unless --in/--out). Exit status: 0 success, 1 a signature or
//! decryption failed or the message was tampered with, 2 bad usage/input or a missing key,
//! 3 a mail server could not be reached or refused (see `mail.rs`).

mod mail;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use sealpost::api::{self, ApiError, CipherChoice, ErrorCode, ExportFormat, Home};
use sealpost::cms::envelope::ContentCipher;
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
    Delete {
        selector: String,
    },
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
}

fn print_report(r: &api::Report) {
    for l in &r.layers {
        match l {
            api::report::LayerReport::Enveloped { cipher }
            | api::report::LayerReport::AuthEnveloped { cipher } => {
                eprintln!("encrypted with {cipher}")
            }
            api::report::LayerReport::Signed { signatures, .. } => {
                for s in signatures {
                    eprintln!(
                        "signature by {}: {} ({})",
                        if s.emails.is_empty() {
                            "unknown".into()
                        } else {
                            s.emails.join(", ")
                        },
                        s.status,
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
            }
            if cli.json {
                print_json(&api::ImportResult { imported: all });
            } else {
                for c in &all {
                    print_cert(c);
                }
            }
        }
        Command::Cert(CertCmd::List) => {
            let list = home.list()?;
            if cli.json {
                print_json(&list);
            } else {
                for c in &list {
                    print_cert(c);
                }
            }
        }
        Command::Cert(CertCmd::Show { selector }) => {
            let c = home.show(&selector)?;
            if cli.json {
                print_json(&c);
            } else {
                print_cert(&c);
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
        Command::Sign {
            from,
            opaque,
            input,
            out,
        } => {
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
            let msg = read_input(&input)?;
            let cipher = match cipher {
                CipherArg::Auto => CipherChoice::Auto,
                CipherArg::Aes256Gcm => CipherChoice::Fixed(ContentCipher::Aes256Gcm),
                CipherArg::Aes128Gcm => CipherChoice::Fixed(ContentCipher::Aes128Gcm),
                CipherArg::Aes256Cbc => CipherChoice::Fixed(ContentCipher::Aes256Cbc),
                CipherArg::Aes128Cbc => CipherChoice::Fixed(ContentCipher::Aes128Cbc),
            };
            let sign_from = if sign { from.as_deref() } else { None };
            let enc = home.encrypt_message(&msg, &to, sign_from, cipher, pass)?;
            write_output(&out, &enc)?;
        }
        Command::Decrypt { input, out } => {
            let msg = read_input(&input)?;
            let (report, plain) = home.open_message(&msg, pass)?;
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
            let (report, _) = home.open_message(&msg, pass)?;
            if cli.json {
                print_json(&report);
            } else {
                print_report(&report);
            }
            if !report.signed {
                return Err(ApiError::new(
                    ErrorCode::SignatureInvalid,
                    "the message is not signed",
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
