//! `sealpost ca …`: an internal certification authority, one function per command.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use sealpost::api::ca::DEFAULT_CRL_DAYS;
use sealpost::api::{CaPublication, CrlInfo};
use sealpost::pki::issue::{KeyAlgorithm, RevocationReason};

use crate::cert::print_cert;
use crate::output::{Ctx, Failure, new_password, write_output, write_private};

#[derive(Subcommand)]
pub enum CaCmd {
    /// Create a self-signed CA; its key stays in this home's keystore and it becomes a
    /// trust anchor
    Create(CreateArgs),
    /// Issue a mailbox-validated S/MIME certificate with a new key, written as a .p12
    Issue(IssueArgs),
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
        #[arg(long, default_value_t = DEFAULT_CRL_DAYS)]
        days: u32,
    },
}

#[derive(Args)]
pub struct CreateArgs {
    #[arg(long)]
    pub name: String,
    #[arg(long, value_enum, default_value = "p384")]
    pub key: CaKeyArg,
    #[arg(long, default_value_t = 3650)]
    pub days: u32,
    /// http:// URL where the CRL will be published (put into every issued certificate)
    #[arg(long)]
    pub crl_url: Option<String>,
    /// http:// URL where the CA certificate will be published (AIA caIssuers)
    #[arg(long)]
    pub ca_issuers_url: Option<String>,
}

#[derive(Args)]
pub struct IssueArgs {
    /// The issuing CA (e-mail, fingerprint prefix or common name)
    #[arg(long)]
    pub ca: String,
    #[arg(long = "email", required = true)]
    pub emails: Vec<String>,
    /// The holder's name, used as the .p12 friendly name (the mailbox-validated profile
    /// allows only mailbox addresses in the certificate's subject)
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long, value_enum, default_value = "p256")]
    pub key: UserKeyArg,
    /// Validity in days (at most 825)
    #[arg(long, default_value_t = 365)]
    pub days: u32,
    #[arg(long)]
    pub out: PathBuf,
    /// File holding the password for the .p12 (else prompted)
    #[arg(long)]
    pub password_file: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum CaKeyArg {
    P384,
    Rsa3072,
    Rsa4096,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum UserKeyArg {
    P256,
    P384,
    Rsa2048,
    Rsa3072,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ReasonArg {
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

impl From<CaKeyArg> for KeyAlgorithm {
    fn from(k: CaKeyArg) -> Self {
        match k {
            CaKeyArg::P384 => KeyAlgorithm::P384,
            CaKeyArg::Rsa3072 => KeyAlgorithm::Rsa3072,
            CaKeyArg::Rsa4096 => KeyAlgorithm::Rsa4096,
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

pub fn run(cmd: CaCmd, ctx: &Ctx) -> Result<(), Failure> {
    match cmd {
        CaCmd::Create(args) => create(ctx, args),
        CaCmd::Issue(args) => issue(ctx, args),
        CaCmd::Revoke { selector, reason } => revoke(ctx, &selector, reason),
        CaCmd::Crl { ca, out, days } => crl(ctx, &ca, out, days),
    }
}

fn create(ctx: &Ctx, a: CreateArgs) -> Result<(), Failure> {
    let no_crl = a.crl_url.is_none();
    let p = CaPublication {
        crl_url: a.crl_url,
        ca_issuers_url: a.ca_issuers_url,
    };
    let c = ctx
        .home
        .ca_create(&a.name, a.key.into(), a.days, &p, ctx.pass)?;
    ctx.show(&c, |c| {
        print_cert(c);
        println!(
            "created; its private key is in this home's keystore and it is trusted for e-mail"
        );
    })?;
    if no_crl {
        eprintln!(
            "note: without --crl-url the certificates it issues have no CRL distribution point, which the CA/B Forum S/MIME requirements ask for"
        );
    }
    Ok(())
}

fn issue(ctx: &Ctx, a: IssueArgs) -> Result<(), Failure> {
    let password = new_password(a.password_file, "Password for the new .p12: ")?;
    let name = a.name.as_deref();
    let key = a.key.into();
    let issued = ctx
        .home
        .ca_issue(&a.ca, &a.emails, name, key, a.days, &password, ctx.pass)?;
    write_private(&a.out, &issued.p12)?;
    ctx.show(&issued, |i| {
        print_cert(&i.cert);
        println!("  serial       {}", i.serial);
        println!("wrote {}", a.out.display());
    })
}

fn revoke(ctx: &Ctx, selector: &str, reason: ReasonArg) -> Result<(), Failure> {
    let r = ctx.home.ca_revoke(selector, reason.into())?;
    ctx.show(&r, |r| {
        println!(
            "revoked: {} (serial {}, {}); publish a new CRL with `sealpost ca crl`",
            r.subject,
            r.serial,
            r.reason.label()
        )
    })?;
    Ok(())
}

fn crl(ctx: &Ctx, ca: &str, out: PathBuf, days: u32) -> Result<(), Failure> {
    let crl: CrlInfo = ctx.home.ca_crl(ca, days, ctx.pass)?;
    let pem = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("pem"));
    let data = if pem {
        sealpost::pki::to_pem("X509 CRL", &crl.der).into_bytes()
    } else {
        crl.der.clone()
    };
    write_output(&Some(out.clone()), &data)?;
    ctx.show(&crl, |crl| {
        println!(
            "wrote {}: CRL number {}, {} revoked, next update {}",
            out.display(),
            crl.crl_number,
            crl.revoked.len(),
            crl.next_update
        )
    })?;
    Ok(())
}
