//! `sealpost`: the command-line face of `sealpost::api`. Input and output are whole RFC 5322
//! messages (stdin/stdout unless --in/--out). Exit status: 0 success, 1 a signature or
//! decryption failed or the message was tampered with, 2 bad usage/input or a missing key,
//! 3 a mail server could not be reached or refused (see `mail.rs`), or no revocation source
//! could be fetched (`cert refresh`).

mod ca;
mod cert;
mod keystore;
mod mail;
mod message;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sealpost::api::{self, Home};

use output::{Ctx, Failure, keystore_passphrase};

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
    Cert(cert::CertCmd),
    /// Where private keys are protected
    #[command(subcommand)]
    Keystore(keystore::KeystoreCmd),
    /// An internal certification authority: create, issue, revoke, publish a CRL
    #[command(subcommand)]
    Ca(ca::CaCmd),
    /// Sign a message
    Sign(message::SignArgs),
    /// Encrypt a message (optionally signing it first)
    Encrypt(message::EncryptArgs),
    /// Decrypt a message, verifying any signature inside
    Decrypt(message::DecryptArgs),
    /// Verify a signed message
    Verify(message::VerifyArgs),
    /// Mail: accounts, sending, the outbox, syncing, reading, watching for new mail (each
    /// also at the top level: `sealpost send` is `sealpost mail send`)
    #[command(subcommand, name = "mail")]
    MailGroup(mail::MailCmd),
    #[command(flatten)]
    Mail(mail::MailCmd),
}

fn run(cli: Cli) -> Result<(), Failure> {
    let dir = cli.home.clone().unwrap_or_else(api::default_home);
    let home = Home::open(&dir)?;
    let ctx = Ctx {
        home: &home,
        json: cli.json,
        pass: &keystore_passphrase,
    };
    match cli.command {
        Command::Cert(cmd) => cert::run(cmd, &ctx),
        Command::Keystore(cmd) => keystore::run(cmd, &ctx),
        Command::Ca(cmd) => ca::run(cmd, &ctx),
        Command::Sign(args) => message::sign(args, &ctx),
        Command::Encrypt(args) => message::encrypt(args, &ctx),
        Command::Decrypt(args) => message::decrypt(args, &ctx),
        Command::Verify(args) => message::verify(args, &ctx),
        Command::Mail(cmd) | Command::MailGroup(cmd) => mail::run(cmd, &ctx),
    }
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
