//! `sealpost cert …`: certificates and identities, one function per command.

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use sealpost::api::certs::revocation::{RefreshSchedule, refresh_repeatedly};
use sealpost::api::{
    ApiError, CertDto, CertListEntry, CertShown, CheckLevel, ErrorCode, ExpiryNotice, ExportFormat,
    ImportResult, RevocationRefresh,
};
use sealpost::store::RevocationMode;

use crate::ca::UserKeyArg;
use crate::output::{Ctx, Failure, io_err, print_json, secret, write_output};

#[derive(Subcommand)]
pub enum CertCmd {
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
    Refresh {
        /// Keep refreshing at this interval until interrupted (`4h`, `30m`, `90s` or seconds)
        #[arg(long, value_name = "INTERVAL", value_parser = interval)]
        every: Option<std::time::Duration>,
    },
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

#[derive(Clone, Copy, ValueEnum)]
pub enum ModeArg {
    Off,
    WhenAvailable,
    Required,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Pem,
    Der,
    P7c,
    P12,
}

pub fn run(cmd: CertCmd, ctx: &Ctx) -> Result<(), Failure> {
    match cmd {
        CertCmd::Import {
            files,
            password_file,
        } => import(ctx, &files, &password_file),
        CertCmd::List => list(ctx),
        CertCmd::Show { selector } => show(ctx, &selector),
        CertCmd::Export {
            selector,
            format,
            out,
            password_file,
        } => export(ctx, &selector, format, out, &password_file),
        CertCmd::Trust { selector } => {
            changed(ctx, ctx.home.trust(&selector)?, "trusted for e-mail")
        }
        CertCmd::Untrust { selector } => {
            changed(ctx, ctx.home.untrust(&selector)?, "no longer trusted")
        }
        CertCmd::Accept { selector } => accept(ctx, &selector),
        CertCmd::Delete { selector } => changed(ctx, ctx.home.delete(&selector)?, "deleted"),
        CertCmd::Check {
            selector,
            no_unlock,
        } => check(ctx, &selector, no_unlock),
        CertCmd::Refresh { every: None } => refresh(ctx),
        CertCmd::Refresh { every: Some(every) } => refresh_every(ctx, every),
        CertCmd::RevocationMode { mode } => revocation_mode(ctx, mode),
        CertCmd::Request { emails, key, out } => request(ctx, &emails, key, out),
    }
}

pub fn print_cert(c: &CertDto) {
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
    let can = |problem: &Option<String>| match problem {
        None => "yes".to_string(),
        Some(p) => format!("no ({p})"),
    };
    println!("  can sign     {}", can(&c.info.sign_problem));
    println!("  can encrypt  {}", can(&c.info.encrypt_problem));
    println!("  revocation   {}", c.revocation.text);
}

fn import(ctx: &Ctx, files: &[PathBuf], password_file: &Option<PathBuf>) -> Result<(), Failure> {
    let mut all = ImportResult {
        imported: Vec::new(),
        crls: Vec::new(),
    };
    for f in files {
        let data = std::fs::read(f).map_err(|e| io_err(f, e))?;
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let label = format!("Password for {name}: ");
        let password = || secret(password_file, &label);
        let r = ctx.home.import(&name, &data, Some(&password), ctx.pass)?;
        all.imported.extend(r.imported);
        all.crls.extend(r.crls);
    }
    ctx.show(&all, |all| {
        all.imported.iter().for_each(print_cert);
        for c in &all.crls {
            println!(
                "CRL of {}: {} revoked, current until {}",
                c.issuer, c.revoked, c.next_update
            );
        }
    })?;
    Ok(())
}

fn list(ctx: &Ctx) -> Result<(), Failure> {
    let list: Vec<CertListEntry> = ctx.home.list_with_warnings()?;
    if ctx.json {
        print_json(&list);
        return Ok(());
    }
    list.iter().for_each(|e| print_cert(&e.cert));
    ctx.home
        .expiry_notices(ctx.home.now())?
        .iter()
        .for_each(print_expiry);
    Ok(())
}

fn print_expiry(n: &ExpiryNotice) {
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

fn show(ctx: &Ctx, selector: &str) -> Result<(), Failure> {
    let shown: CertShown = ctx.home.show_certificate(selector)?;
    ctx.show(&shown, |s| {
        print_cert(&s.cert);
        println!("  trust        {}", s.trust);
        if !s.history.is_empty() {
            println!("  other certificates of the same mailbox:");
        }
        for h in &s.history {
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
    })?;
    Ok(())
}

/// A certificate after trust, untrust or delete: `what: subject`.
fn changed(ctx: &Ctx, c: CertDto, what: &str) -> Result<(), Failure> {
    ctx.show(&c, |c| println!("{what}: {}", c.info.subject))?;
    Ok(())
}

fn accept(ctx: &Ctx, selector: &str) -> Result<(), Failure> {
    let c = ctx.home.accept_cert(selector)?;
    ctx.show(&c, |c| {
        println!(
            "accepted for {}: {}",
            c.info.emails.join(", "),
            c.info.fingerprint
        )
    })?;
    Ok(())
}

fn export(
    ctx: &Ctx,
    selector: &str,
    format: FormatArg,
    out: PathBuf,
    password_file: &Option<PathBuf>,
) -> Result<(), Failure> {
    let format = match format {
        FormatArg::Pem => ExportFormat::Pem,
        FormatArg::Der => ExportFormat::Der,
        FormatArg::P7c => ExportFormat::P7c,
        FormatArg::P12 => ExportFormat::P12,
    };
    let password = match format {
        ExportFormat::P12 => Some(secret(password_file, "Password for the new .p12: ")?),
        _ => None,
    };
    let password = password.as_deref().map(|s| s.as_str());
    let data = ctx.home.export(selector, format, password, ctx.pass)?;
    write_output(&Some(out), &data)
}

fn check(ctx: &Ctx, selector: &str, no_unlock: bool) -> Result<(), Failure> {
    let unlock = if no_unlock { None } else { Some(ctx.pass) };
    let c = ctx.home.check(selector, unlock)?;
    ctx.show(&c, |c| {
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
        let result = if c.usable { "usable" } else { "NOT usable" };
        println!("Result: {result}");
    })?;
    if !c.usable {
        let e = ApiError::new(ErrorCode::BadInput, "the certificate is not usable");
        return Err(Failure {
            status: 1,
            error: e,
        });
    }
    Ok(())
}

fn refresh(ctx: &Ctx) -> Result<(), Failure> {
    let r = ctx.home.refresh_revocation()?;
    ctx.show(&r, print_refresh)?;
    // Every source failed: say so in the exit status (network or answers refused).
    if !r.sources.is_empty() && r.sources.iter().all(|s| !s.ok) {
        let why = "no revocation source could be fetched and verified";
        return Err(Failure::with_status(3, ErrorCode::BadInput, why));
    }
    Ok(())
}

/// An interval: a number with `s`, `m`, `h` or `d`, or plain seconds; at least a minute.
fn interval(text: &str) -> Result<std::time::Duration, String> {
    let t = text.trim();
    let (number, unit) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], c.to_ascii_lowercase()),
        _ => (t, 's'),
    };
    let n: u64 = number
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not an interval"))?;
    let secs = match unit {
        's' => Some(n),
        'm' => n.checked_mul(60),
        'h' => n.checked_mul(3600),
        'd' => n.checked_mul(86_400),
        _ => None,
    }
    .ok_or_else(|| format!("{text:?} is not an interval (use s, m, h or d)"))?;
    if secs < 60 {
        return Err("refresh at most once a minute".into());
    }
    Ok(std::time::Duration::from_secs(secs))
}

/// Refreshes now and then every `every`, printing each outcome, until interrupted.
fn refresh_every(ctx: &Ctx, every: std::time::Duration) -> Result<(), Failure> {
    let schedule = RefreshSchedule {
        first: std::time::Duration::ZERO,
        every,
    };
    let home = ctx.home;
    refresh_repeatedly(
        schedule,
        || home.revocation_plan(),
        |fetched| home.store_fetched(fetched),
        |outcome| {
            match outcome {
                Ok(r) if ctx.json => println!("{}", serde_json::to_string(&r).unwrap_or_default()),
                Ok(r) => print_refresh(&r),
                Err(e) => eprintln!("sealpost: revocation refresh: {} (trying again)", e.message),
            }
            true
        },
    );
    Ok(())
}

pub fn print_refresh(r: &RevocationRefresh) {
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

fn revocation_mode(ctx: &Ctx, mode: Option<ModeArg>) -> Result<(), Failure> {
    let mode = match mode {
        None => ctx.home.revocation_mode()?,
        Some(m) => ctx.home.set_revocation_mode(match m {
            ModeArg::Off => RevocationMode::Off,
            ModeArg::WhenAvailable => RevocationMode::WhenAvailable,
            ModeArg::Required => RevocationMode::Required,
        })?,
    };
    let shown = sealpost::api::RevocationModeShown { mode };
    ctx.show(&shown, |s| println!("revocation: {}", s.mode.as_str()))?;
    Ok(())
}

fn request(ctx: &Ctx, emails: &[String], key: UserKeyArg, out: PathBuf) -> Result<(), Failure> {
    let r = ctx.home.cert_request(emails, key.into(), ctx.pass)?;
    write_output(&Some(out.clone()), r.pem.as_bytes())?;
    ctx.show(&r, |r| {
        println!(
            "wrote {} ({} key for {}); the key waits here until `sealpost cert import` brings its certificate",
            out.display(),
            r.key,
            r.emails.join(", ")
        )
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::interval;
    use std::time::Duration;

    #[test]
    fn intervals_take_a_unit_or_seconds_and_at_least_a_minute() {
        assert_eq!(interval("4h"), Ok(Duration::from_secs(4 * 3600)));
        assert_eq!(interval("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(interval(" 90 "), Ok(Duration::from_secs(90)));
        assert_eq!(interval("2D"), Ok(Duration::from_secs(2 * 86_400)));
        assert!(interval("30s").is_err(), "more often than once a minute");
        assert!(interval("4w").is_err() && interval("h").is_err() && interval("").is_err());
        assert!(interval("99999999999999999d").is_err(), "no overflow");
    }
}
