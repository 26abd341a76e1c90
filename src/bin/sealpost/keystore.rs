//! `sealpost keystore …`: where private keys are protected.

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use sealpost::api::KeystoreShown;

use crate::output::{Ctx, Failure, secret};

#[derive(Subcommand)]
pub enum KeystoreCmd {
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
pub enum KeystoreArg {
    Os,
    File,
}

pub fn run(cmd: KeystoreCmd, ctx: &Ctx) -> Result<(), Failure> {
    match cmd {
        KeystoreCmd::Status => status(ctx),
        KeystoreCmd::Use {
            kind: KeystoreArg::Os,
            ..
        } => Ok(ctx.home.use_os_keystore()?),
        KeystoreCmd::Use {
            kind: KeystoreArg::File,
            password_file,
        } => {
            let p = secret(&password_file, "New key file passphrase: ")?;
            Ok(ctx.home.use_file_keystore(&p)?)
        }
    }
}

fn status(ctx: &Ctx) -> Result<(), Failure> {
    let shown = KeystoreShown {
        keystore: ctx.home.keystore_kind()?,
    };
    ctx.show(&shown, |s| println!("keystore: {}", s.keystore.as_str()))?;
    Ok(())
}
