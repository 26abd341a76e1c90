//! Mail commands: `account`, `send`, `outbox`, `sync`, `list`, `read` — a thin layer over
//! `sealpost::api::mail`. Exit status as elsewhere, plus 3: a mail server could not be reached
//! or refused (the message, if any, waits in the outbox).

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use std::sync::{Arc, Mutex};

use sealpost::api::mail::watch::{self, WatchHost};
use sealpost::api::{
    AccountChange, AccountDto, ApiError, ErrorCode, Home, IdleTarget, MailChanged, MessageSummary,
    NewAccount, OutboxEntry, Report, ServerSettings, SmimeKind, SyncResult,
};
use sealpost::mail::TlsMode;

use crate::message::print_report;
use crate::output::{
    Ctx, Failure, keystore_passphrase, print_json, prompt, read_input, read_secret_file, secret,
    write_output,
};

#[derive(Subcommand)]
pub enum MailCmd {
    /// Mail accounts (IMAP + SMTP)
    #[command(subcommand)]
    Account(AccountCmd),
    /// Send a whole RFC 5322 message (optionally signed and/or encrypted), then file it in Sent
    Send(SendArgs),
    /// Send a signed request for their certificate to each address (one message each)
    RequestCertificate {
        #[arg(long)]
        account: String,
        #[arg(required = true, value_name = "EMAIL")]
        emails: Vec<String>,
    },
    /// List messages waiting to be sent (or sent); --retry sends the waiting ones
    Outbox {
        #[arg(long)]
        retry: bool,
        /// Also resend entries whose earlier attempt was interrupted (they may arrive twice)
        #[arg(long, requires = "retry")]
        force: bool,
    },
    /// Fetch new messages of a folder into the local cache
    Sync {
        #[arg(long)]
        account: String,
        #[arg(long, default_value = "INBOX")]
        folder: String,
        /// Only the message list (headers, flags, sizes); a later sync downloads the bodies
        #[arg(long)]
        headers_only: bool,
    },
    /// List the cached messages of a folder
    List {
        #[arg(long)]
        account: String,
        #[arg(long, default_value = "INBOX")]
        folder: String,
    },
    /// Search a folder on the server (headers and text; encrypted bodies are ciphertext to
    /// the server) and list the matching cached messages
    Search {
        #[arg(long)]
        account: String,
        #[arg(long, default_value = "INBOX")]
        folder: String,
        /// The text to look for
        text: String,
    },
    /// Watch inboxes for new mail (IMAP IDLE) and sync them as it comes, until interrupted;
    /// prints a line per change (a MailChanged object per line with --json)
    Watch {
        /// Only this account (repeatable; default: every account, new ones included)
        #[arg(long = "account")]
        accounts: Vec<String>,
    },
    /// Decrypt and verify a cached message (exit status as decrypt)
    Read {
        #[arg(long)]
        account: String,
        #[arg(long)]
        uid: u32,
        #[arg(long, default_value = "INBOX")]
        folder: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Args)]
pub struct SendArgs {
    #[arg(long)]
    pub account: String,
    #[arg(long)]
    pub sign: bool,
    /// Encrypt to every To/Cc/Bcc recipient and the sender
    #[arg(long)]
    pub encrypt: bool,
    #[arg(long = "in")]
    pub input: Option<PathBuf>,
    /// With --encrypt: this recipient (of To, Cc or Bcc; repeatable) gets a separate
    /// unencrypted copy instead, for correspondents without a certificate. Never implied.
    #[arg(
        long = "unencrypted-copy-to",
        value_name = "EMAIL",
        requires = "encrypt"
    )]
    pub unencrypted_copy_to: Vec<String>,
}

#[derive(Subcommand)]
pub enum AccountCmd {
    /// Add an account; its password goes to the keystore
    Add(AddArgs),
    /// Change an account's settings; what is not given stays as it is. A changed IMAP server
    /// or login drops the account's cached mail (the next sync fetches the new mailbox)
    Edit(EditArgs),
    List,
    /// Connect and log in to both servers; says which step failed
    Test {
        name: String,
    },
    /// Remove an account with its password, outbox and cached mail
    Remove {
        name: String,
    },
}

#[derive(Args)]
pub struct AddArgs {
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub email: String,
    /// IMAP server as HOST:PORT
    #[arg(long)]
    pub imap: String,
    /// SMTP submission server as HOST:PORT
    #[arg(long)]
    pub smtp: String,
    /// Login name (default: the e-mail address)
    #[arg(long)]
    pub user: Option<String>,
    /// TLS mode for both servers (default: implicit on 993/465, STARTTLS elsewhere)
    #[arg(long, value_enum)]
    pub tls: Option<TlsArg>,
    #[arg(long, value_enum)]
    pub imap_tls: Option<TlsArg>,
    #[arg(long, value_enum)]
    pub smtp_tls: Option<TlsArg>,
    /// The private CA that issued the servers' certificates (the only anchor then)
    #[arg(long)]
    pub ca_file: Option<PathBuf>,
    #[arg(long)]
    pub password_file: Option<PathBuf>,
}

#[derive(Args)]
pub struct EditArgs {
    pub name: String,
    #[arg(long)]
    pub email: Option<String>,
    /// IMAP server as HOST:PORT
    #[arg(long)]
    pub imap: Option<String>,
    /// SMTP submission server as HOST:PORT
    #[arg(long)]
    pub smtp: Option<String>,
    #[arg(long)]
    pub user: Option<String>,
    /// TLS mode for both servers (default for a new HOST:PORT: by its port; else unchanged)
    #[arg(long, value_enum)]
    pub tls: Option<TlsArg>,
    #[arg(long, value_enum)]
    pub imap_tls: Option<TlsArg>,
    #[arg(long, value_enum)]
    pub smtp_tls: Option<TlsArg>,
    /// A new private CA for the servers' certificates
    #[arg(long, conflicts_with = "public_ca")]
    pub ca_file: Option<PathBuf>,
    /// Drop the private CA: trust the public CAs again
    #[arg(long)]
    pub public_ca: bool,
    /// A new password from this file
    #[arg(long, conflicts_with = "new_password")]
    pub password_file: Option<PathBuf>,
    /// Ask for a new password
    #[arg(long)]
    pub new_password: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum TlsArg {
    Implicit,
    Starttls,
}

impl From<TlsArg> for TlsMode {
    fn from(t: TlsArg) -> TlsMode {
        match t {
            TlsArg::Implicit => TlsMode::Implicit,
            TlsArg::Starttls => TlsMode::Starttls,
        }
    }
}

fn server(spec: &str, tls: Option<TlsArg>) -> Result<ServerSettings, ApiError> {
    let (host, port) = spec.rsplit_once(':').ok_or_else(|| {
        ApiError::new(ErrorCode::BadInput, format!("{spec:?}: expected HOST:PORT"))
    })?;
    let port: u16 = port
        .parse()
        .map_err(|_| ApiError::new(ErrorCode::BadInput, format!("{spec:?}: bad port")))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Ok(ServerSettings {
        host: host.to_string(),
        port,
        tls: tls.map(Into::into),
    })
}

fn network(message: String) -> Failure {
    Failure {
        status: 3,
        error: ApiError::new(ErrorCode::Network, message),
    }
}

fn print_outbox(e: &OutboxEntry) {
    println!(
        "#{} {} {} -> {} [{}{}] {}",
        e.id,
        e.message_id,
        e.from,
        e.recipients.join(", "),
        e.state.as_str(),
        if e.appended { ", in Sent" } else { "" },
        e.subject
    );
    if let Some(err) = &e.last_error {
        println!("    last error: {err}");
    }
}

pub fn run(cmd: MailCmd, ctx: &Ctx) -> Result<(), Failure> {
    match cmd {
        MailCmd::Account(cmd) => account(cmd, ctx),
        MailCmd::Send(args) => send(ctx, args),
        MailCmd::RequestCertificate { account, emails } => {
            request_certificate(ctx, &account, &emails)
        }
        MailCmd::Outbox { retry: true, force } => retry(ctx, force),
        MailCmd::Outbox { retry: false, .. } => {
            ctx.show(&ctx.home.outbox()?, |l| l.iter().for_each(print_outbox))
        }
        MailCmd::Sync {
            account,
            folder,
            headers_only,
        } => sync(ctx, &account, &folder, headers_only),
        MailCmd::List { account, folder } => ctx
            .show(&ctx.home.list_messages(&account, &folder)?, |l| {
                print_messages(l)
            }),
        MailCmd::Search {
            account,
            folder,
            text,
        } => {
            let found = ctx
                .home
                .search_messages(&account, &folder, &text, ctx.pass)?;
            ctx.show(&found, |l| print_messages(l))
        }
        MailCmd::Watch { accounts } => watch(ctx, accounts),
        MailCmd::Read {
            account,
            uid,
            folder,
            out,
        } => read(ctx, &account, &folder, uid, &out),
    }
}

fn account(cmd: AccountCmd, ctx: &Ctx) -> Result<(), Failure> {
    match cmd {
        AccountCmd::Add(args) => add_account(ctx, args),
        AccountCmd::Edit(args) => edit_account(ctx, args),
        AccountCmd::List => ctx.show(&ctx.home.accounts()?, |l| l.iter().for_each(print_account)),
        AccountCmd::Test { name } => test_account(ctx, &name),
        AccountCmd::Remove { name } => {
            let a = ctx.home.remove_account(&name, ctx.pass)?;
            ctx.show(&a, |a| println!("removed account {}", a.name))
        }
    }
}

fn add_account(ctx: &Ctx, a: AddArgs) -> Result<(), Failure> {
    let new = NewAccount {
        name: a.name,
        email: a.email,
        username: a.user,
        imap: server(&a.imap, a.imap_tls.or(a.tls))?,
        smtp: server(&a.smtp, a.smtp_tls.or(a.tls))?,
        ca_file: a.ca_file.map(|p| p.display().to_string()),
    };
    let password = secret(&a.password_file, &format!("Password for {}: ", new.email))?;
    let a = ctx.home.add_account(&new, &password, ctx.pass)?;
    ctx.show(&a, |a| println!("added account {} <{}>", a.name, a.email))
}

/// A server's new settings: a new HOST:PORT, else the current one with its TLS mode unless
/// another is given.
fn server_change(
    spec: Option<String>,
    now: &sealpost::api::ServerDto,
    tls: Option<TlsArg>,
) -> Result<ServerSettings, ApiError> {
    match spec {
        Some(spec) => server(&spec, tls),
        None => Ok(ServerSettings {
            host: now.host.clone(),
            port: now.port,
            tls: Some(tls.map(Into::into).unwrap_or(now.tls)),
        }),
    }
}

fn edit_account(ctx: &Ctx, e: EditArgs) -> Result<(), Failure> {
    let name = &e.name;
    let a = ctx
        .home
        .accounts()?
        .into_iter()
        .find(|a| &a.name == name)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no account named {name:?}")))?;
    let change = AccountChange {
        settings: NewAccount {
            name: a.name.clone(),
            email: e.email.unwrap_or(a.email.clone()),
            username: Some(e.user.unwrap_or(a.username.clone())),
            imap: server_change(e.imap, &a.imap, e.imap_tls.or(e.tls))?,
            smtp: server_change(e.smtp, &a.smtp, e.smtp_tls.or(e.tls))?,
            ca_file: e.ca_file.map(|p| p.display().to_string()),
        },
        keep_private_ca: !e.public_ca,
    };
    let password = match e.password_file {
        Some(f) => Some(read_secret_file(&f)?),
        None if e.new_password => Some(prompt(&format!("New password for {}: ", a.email))?),
        None => None,
    };
    let password = password.as_deref().map(|p| p.as_str());
    let a = ctx.home.update_account(&change, password, ctx.pass)?;
    ctx.show(&a, |a| println!("changed account {} <{}>", a.name, a.email))?;
    Ok(())
}

fn print_account(a: &AccountDto) {
    println!(
        "{} <{}> user {}: IMAP {}:{} ({}), SMTP {}:{} ({}){}",
        a.name,
        a.email,
        a.username,
        a.imap.host,
        a.imap.port,
        a.imap.tls.as_str(),
        a.smtp.host,
        a.smtp.port,
        a.smtp.tls.as_str(),
        a.private_ca
            .as_ref()
            .map(|c| format!(", private CA {c}"))
            .unwrap_or_default()
    );
}

fn test_account(ctx: &Ctx, name: &str) -> Result<(), Failure> {
    let c = ctx.home.test_account(name, ctx.pass)?;
    ctx.show(&c, |c| {
        for s in [&c.imap, &c.smtp] {
            match &s.message {
                None => println!("{}: ok (TLS, logged in)", s.server),
                Some(m) => println!("{m}"),
            }
        }
    })?;
    if !c.ok {
        return Err(network(format!("the account {name} cannot be used")));
    }
    Ok(())
}

fn send(ctx: &Ctx, a: SendArgs) -> Result<(), Failure> {
    let msg = read_input(&a.input)?;
    let (sign, encrypt, plain) = (a.sign, a.encrypt, &a.unencrypted_copy_to);
    let r = ctx
        .home
        .send_message(&a.account, &msg, sign, encrypt, plain, ctx.pass)?;
    ctx.show(&r, |r| {
        if !r.delivered {
            return;
        }
        let sent = if r.entry.appended {
            " (copy in Sent)"
        } else {
            " (no copy in Sent yet: sealpost outbox --retry)"
        };
        let to = r.entry.recipients.join(", ");
        println!("sent {} to {to}{sent}", r.entry.message_id);
        if !r.unencrypted_to.is_empty() {
            let plain = r.unencrypted_to.join(", ");
            println!("sent an unencrypted copy to {plain} (as you chose)");
        }
    })?;
    if !r.delivered {
        return Err(network(format!(
            "not sent: {}; the message waits in the outbox as #{} (sealpost outbox --retry)",
            r.entry.last_error.as_deref().unwrap_or("unknown error"),
            r.entry.id
        )));
    }
    Ok(())
}

fn request_certificate(ctx: &Ctx, account: &str, emails: &[String]) -> Result<(), Failure> {
    let sent = ctx.home.request_certificates(account, emails, ctx.pass)?;
    ctx.show(&sent, |sent| {
        for r in sent.iter().filter(|r| r.delivered) {
            let to = r.entry.recipients.join(", ");
            println!("asked {to} for their certificate");
        }
    })?;
    let waiting: Vec<String> = sent
        .iter()
        .filter(|r| !r.delivered)
        .map(|r| format!("{} (outbox #{})", r.entry.recipients.join(", "), r.entry.id))
        .collect();
    if !waiting.is_empty() {
        return Err(network(format!(
            "not sent to {}; waiting in the outbox (sealpost outbox --retry)",
            waiting.join(", ")
        )));
    }
    Ok(())
}

fn retry(ctx: &Ctx, force: bool) -> Result<(), Failure> {
    let r = ctx.home.retry_outbox(force, ctx.pass)?;
    ctx.show(&r, |r| {
        for o in r {
            print!("{}: ", o.action);
            print_outbox(&o.entry);
        }
    })?;
    if r.iter().any(|o| o.action == "failed") {
        return Err(network("some messages could not be sent".into()));
    }
    Ok(())
}

fn sync(ctx: &Ctx, account: &str, folder: &str, headers_only: bool) -> Result<(), Failure> {
    let r = if headers_only {
        ctx.home.sync_headers(account, folder, ctx.pass)
    } else {
        ctx.home.sync(account, folder, ctx.pass)
    }?;
    ctx.show(&r, |r| {
        let large = if r.skipped_large > 0 {
            format!(" ({} too large to download)", r.skipped_large)
        } else {
            String::new()
        };
        let rebuilt = if r.uidvalidity_changed {
            " (UIDVALIDITY changed: cache rebuilt)"
        } else {
            ""
        };
        println!(
            "{} {}: {} new, {} flag changes, {} removed, {} bodies downloaded, {} cached{large}{rebuilt}",
            r.account, r.folder, r.new, r.flags_updated, r.removed, r.downloaded, r.total,
        );
    })?;
    Ok(())
}

fn read(
    ctx: &Ctx,
    account: &str,
    folder: &str,
    uid: u32,
    out: &Option<PathBuf>,
) -> Result<(), Failure> {
    let r = ctx.home.read_message(account, folder, uid, ctx.pass)?;
    let ok = r.report.as_ref().is_none_or(|rep| !rep.signed || rep.valid);
    if ok {
        write_output(out, &r.message)?;
    }
    // A message without S/MIME reports as such (nothing encrypted, nothing signed).
    let report = r.report.clone().unwrap_or_else(Report::unprotected);
    match (ctx.json, out.is_some()) {
        (true, true) => print_json(&report),
        (true, false) => eprintln!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        ),
        (false, _) if r.report.is_none() => eprintln!("not signed, not encrypted"),
        (false, _) => print_report(&report),
    }
    if !ok {
        let e = ApiError::new(ErrorCode::SignatureInvalid, "a signature is not valid");
        return Err(Failure {
            status: 1,
            error: e,
        });
    }
    Ok(())
}

/// `sealpost mail watch` as a host of the core's watchers: its own connection to the home
/// (the watchers run in threads), the key file unlocked once before.
struct CliWatch {
    home: Mutex<Home>,
    json: bool,
}

impl WatchHost for CliWatch {
    fn accounts(&self) -> Result<Vec<String>, ApiError> {
        let list = self.home().accounts()?;
        Ok(list.into_iter().map(|a| a.name).collect())
    }
    fn sync(&self, account: &str, folder: &str) -> Result<SyncResult, ApiError> {
        self.home().sync(account, folder, &keystore_passphrase)
    }
    fn idle_target(&self, account: &str) -> Result<IdleTarget, ApiError> {
        self.home().idle_target(account, &keystore_passphrase)
    }
    fn changed(&self, n: MailChanged) {
        if self.json {
            println!("{}", serde_json::to_string(&n).unwrap_or_default());
        } else {
            println!(
                "{} {}: {} new, {} cached",
                n.account, n.folder, n.new, n.total
            );
        }
    }
    fn trouble(&self, account: &str, doing: &str, e: &ApiError) {
        eprintln!("sealpost: {doing} {account}: {} (trying again)", e.message);
    }
}

impl CliWatch {
    fn home(&self) -> std::sync::MutexGuard<'_, Home> {
        self.home.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn watch(ctx: &Ctx, accounts: Vec<String>) -> Result<(), Failure> {
    let known = ctx.home.accounts()?;
    if let Some(a) = accounts
        .iter()
        .find(|a| !known.iter().any(|k| &k.name == *a))
    {
        return Err(ApiError::new(ErrorCode::NotFound, format!("no account named {a:?}")).into());
    }
    let home = Home::open_with_clock(ctx.home.dir(), ctx.home.clock())?;
    home.hold_keys(ctx.pass)?;
    let host = CliWatch {
        home: Mutex::new(home),
        json: ctx.json,
    };
    watch::watch_accounts(Arc::new(host), &accounts, watch::Schedule::default());
    Ok(())
}

/// A message list, one line each (UID, S/MIME mark, date, from, subject).
fn print_messages(list: &[MessageSummary]) {
    for m in list {
        let mark = match m.smime {
            SmimeKind::Encrypted => "E",
            SmimeKind::Signed => "S",
            SmimeKind::None => "-",
        };
        println!(
            "{:>6} {mark} {:<25} {:<30} {}",
            m.uid,
            m.date.as_deref().unwrap_or(""),
            m.from,
            m.subject
        );
    }
}
