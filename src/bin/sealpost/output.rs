//! What every command shares: the context it runs in ([`Ctx`]: the home, the output form, the
//! keystore passphrase source), one way to print a result as JSON or as text ([`Ctx::show`]),
//! the failure with its exit status, and reading inputs and secrets.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sealpost::api::{ApiError, ErrorCode, Home, PassphraseSource};
use zeroize::Zeroizing;

/// A failure with its exit status.
pub struct Failure {
    pub status: u8,
    pub error: ApiError,
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

impl Failure {
    /// A failure with an explicit exit status (1: not valid or not usable; 3: nothing could
    /// be fetched).
    pub fn with_status(status: u8, code: ErrorCode, message: &str) -> Failure {
        Failure {
            status,
            error: ApiError::new(code, message),
        }
    }
}

/// What a command runs with.
pub struct Ctx<'a> {
    pub home: &'a Home,
    /// `--json`: print the same DTOs the app receives.
    pub json: bool,
    /// Where the key file's passphrase comes from when a private key is needed.
    pub pass: PassphraseSource<'a>,
}

impl Ctx<'_> {
    /// Prints `value` as JSON with `--json`, else as `text` says.
    pub fn show<T: serde::Serialize>(
        &self,
        value: &T,
        text: impl FnOnce(&T),
    ) -> Result<(), Failure> {
        if self.json {
            print_json(value);
        } else {
            text(value);
        }
        Ok(())
    }
}

pub fn print_json<T: serde::Serialize>(v: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".into())
    );
}

pub fn io_err(what: &Path, e: std::io::Error) -> Failure {
    ApiError::new(ErrorCode::BadInput, format!("{}: {e}", what.display())).into()
}

pub fn read_secret_file(path: &Path) -> Result<Zeroizing<String>, ApiError> {
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

pub fn prompt(label: &str) -> Result<Zeroizing<String>, ApiError> {
    rpassword::prompt_password(label)
        .map(Zeroizing::new)
        .map_err(|e| ApiError::new(ErrorCode::BadInput, format!("cannot read a password: {e}")))
}

/// A secret from a file when one is named, else asked for at the terminal.
pub fn secret(file: &Option<PathBuf>, label: &str) -> Result<Zeroizing<String>, ApiError> {
    match file {
        Some(f) => read_secret_file(f),
        None => prompt(label),
    }
}

/// The key file's passphrase: `SEALPOST_PASSPHRASE_FILE`, else asked for.
pub fn keystore_passphrase() -> Result<Zeroizing<String>, ApiError> {
    match std::env::var_os("SEALPOST_PASSPHRASE_FILE") {
        Some(p) => read_secret_file(Path::new(&p)),
        None => prompt("Key file passphrase: "),
    }
}

pub fn read_input(input: &Option<PathBuf>) -> Result<Vec<u8>, Failure> {
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

pub fn write_output(out: &Option<PathBuf>, data: &[u8]) -> Result<(), Failure> {
    match out {
        Some(p) => std::fs::write(p, data).map_err(|e| io_err(p, e)),
        None => std::io::stdout()
            .write_all(data)
            .map_err(|e| io_err(Path::new("stdout"), e)),
    }
}

/// Writes a file only the owner can read (it holds key material, even if encrypted).
pub fn write_private(path: &Path, data: &[u8]) -> Result<(), Failure> {
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

/// A new password, from a file or typed twice.
pub fn new_password(file: Option<PathBuf>, label: &str) -> Result<Zeroizing<String>, ApiError> {
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
