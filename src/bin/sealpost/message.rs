//! `sealpost sign | encrypt | decrypt | verify`: whole RFC 5322 messages, from stdin or
//! `--in`, to stdout or `--out`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use sealpost::api::{ApiError, CipherChoice, ErrorCode, LayerReport, Report};
use sealpost::cms::envelope::ContentCipher;

use crate::output::{Ctx, Failure, print_json, read_input, write_output};

#[derive(Args)]
pub struct SignArgs {
    #[arg(long)]
    from: String,
    #[arg(long)]
    opaque: bool,
    #[arg(long = "in")]
    input: Option<PathBuf>,
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
pub struct EncryptArgs {
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
}

#[derive(Args)]
pub struct DecryptArgs {
    #[arg(long = "in")]
    input: Option<PathBuf>,
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
pub struct VerifyArgs {
    #[arg(long = "in")]
    input: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum CipherArg {
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

impl From<CipherArg> for CipherChoice {
    fn from(c: CipherArg) -> Self {
        match c {
            CipherArg::Auto => CipherChoice::Auto,
            CipherArg::Aes256Gcm => CipherChoice::Fixed(ContentCipher::Aes256Gcm),
            CipherArg::Aes128Gcm => CipherChoice::Fixed(ContentCipher::Aes128Gcm),
            CipherArg::Aes256Cbc => CipherChoice::Fixed(ContentCipher::Aes256Cbc),
            CipherArg::Aes128Cbc => CipherChoice::Fixed(ContentCipher::Aes128Cbc),
        }
    }
}

/// The failure of a message whose signature is not valid (exit status 1).
fn not_valid() -> Failure {
    let e = ApiError::new(ErrorCode::SignatureInvalid, "a signature is not valid");
    Failure {
        status: 1,
        error: e,
    }
}

pub fn sign(a: SignArgs, ctx: &Ctx) -> Result<(), Failure> {
    ctx.home.hold_keys(ctx.pass)?;
    let msg = read_input(&a.input)?;
    let signed = ctx.home.sign_message(&msg, &a.from, a.opaque, ctx.pass)?;
    write_output(&a.out, &signed)
}

pub fn encrypt(a: EncryptArgs, ctx: &Ctx) -> Result<(), Failure> {
    if a.sign {
        ctx.home.hold_keys(ctx.pass)?;
    }
    let msg = read_input(&a.input)?;
    let sign_from = if a.sign { a.from.as_deref() } else { None };
    for c in ctx.home.recipient_changes(&a.to)? {
        eprintln!(
            "warning: {} (new certificate {}; accept it with `sealpost cert accept {}`)",
            c.text, c.new_fingerprint, c.new_fingerprint
        );
    }
    let cipher = a.cipher.into();
    let (enc, _, _) = ctx
        .home
        .encrypt_message_detailed(msg, &a.to, sign_from, cipher, ctx.pass)?;
    write_output(&a.out, &enc)
}

pub fn decrypt(a: DecryptArgs, ctx: &Ctx) -> Result<(), Failure> {
    // The keystore first: its KDF's working memory is not added to the message's.
    ctx.home.hold_keys(ctx.pass)?;
    let msg = read_input(&a.input)?;
    let (report, plain) = ctx.home.open_message(msg, ctx.pass)?;
    if !report.encrypted {
        return Err(ApiError::new(ErrorCode::BadInput, "the message is not encrypted").into());
    }
    let ok = !report.signed || report.valid;
    if ok {
        write_output(&a.out, &plain)?;
    }
    // With the plaintext on stdout, the JSON report goes to stderr.
    match (ctx.json, a.out.is_some()) {
        (true, true) => print_json(&report),
        (true, false) => eprintln!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        ),
        (false, _) => print_report(&report),
    }
    if ok { Ok(()) } else { Err(not_valid()) }
}

pub fn verify(a: VerifyArgs, ctx: &Ctx) -> Result<(), Failure> {
    let msg = read_input(&a.input)?;
    let (report, _) = ctx.home.open_message(msg, ctx.pass)?;
    ctx.show(&report, print_report)?;
    if !report.signed {
        let outside = report
            .layers
            .iter()
            .any(|l| matches!(l, LayerReport::Signed { .. }));
        let why = if outside {
            "the only signature is over the encrypted data: it does not vouch for the content"
        } else {
            "the message is not signed"
        };
        return Err(ApiError::new(ErrorCode::SignatureInvalid, why).into());
    }
    if report.valid {
        Ok(())
    } else {
        Err(not_valid())
    }
}

pub fn print_report(r: &Report) {
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
            LayerReport::Enveloped { cipher } | LayerReport::AuthEnveloped { cipher } => {
                eprintln!("encrypted with {cipher}")
            }
            LayerReport::Signed { signatures, .. } => {
                for s in signatures {
                    let who = if s.emails.is_empty() {
                        "unknown".into()
                    } else {
                        s.emails.join(", ")
                    };
                    let code = s.reason_code.as_ref().map(|c| format!(" [{c}]"));
                    let code = code.unwrap_or_default();
                    eprintln!("signature by {who}: {}{code} ({})", s.status, s.reason);
                }
            }
        }
    }
}
