//! Mail commands: `account`, `send`, `outbox`, `sync`, `list`, `read` — a thin layer over
//! `sealpost::api::mail`. Exit status as elsewhere, plus 3: a mail server could not be reached
//! or refused (the message, if any, waits in the outbox).

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use sealpost::api::mail::{AccountChange, NewAccount, ServerSettings, SmimeKind};
use sealpost::api::{ApiError, ErrorCode, Home};
use sealpost::mail::TlsMode;
use zeroize::Zeroizing;

use super::{
    Failure, print_json, print_report, prompt, read_input, read_secret_file, write_output,
};

#[derive(Subcommand)]
pub enum MailCmd {
    /// Mail accounts (IMAP + SMTP)
    #[command(subcommand)]
    Account(AccountCmd),
    /// Send a whole RFC 5322 message (optionally signed and/or encrypted), then file it in Sent
    Send {
        #[arg(long)]
        account: String,
        #[arg(long)]
        sign: bool,
        /// Encrypt to every To/Cc/Bcc recipient and the sender
        #[arg(long)]
        encrypt: bool,
        #[arg(long = "in")]
        input: Option<PathBuf>,
        /// With --encrypt: this recipient (of To, Cc or Bcc; repeatable) gets a separate
        /// unencrypted copy instead, for correspondents without a certificate. Never implied.
        #[arg(
            long = "unencrypted-copy-to",
            value_name = "EMAIL",
            requires = "encrypt"
        )]
        unencrypted_copy_to: Vec<String>,
    },
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

#[derive(Subcommand)]
pub enum AccountCmd {
    /// Add an account; its password goes to the keystore
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// IMAP server as HOST:PORT
        #[arg(long)]
        imap: String,
        /// SMTP submission server as HOST:PORT
        #[arg(long)]
        smtp: String,
        /// Login name (default: the e-mail address)
        #[arg(long)]
        user: Option<String>,
        /// TLS mode for both servers (default: implicit on 993/465, STARTTLS elsewhere)
        #[arg(long, value_enum)]
        tls: Option<TlsArg>,
        #[arg(long, value_enum)]
        imap_tls: Option<TlsArg>,
        #[arg(long, value_enum)]
        smtp_tls: Option<TlsArg>,
        /// The private CA that issued the servers' certificates (the only anchor then)
        #[arg(long)]
        ca_file: Option<PathBuf>,
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// Change an account's settings; what is not given stays as it is. A changed IMAP server
    /// or login drops the account's cached mail (the next sync fetches the new mailbox)
    Edit {
        name: String,
        #[arg(long)]
        email: Option<String>,
        /// IMAP server as HOST:PORT
        #[arg(long)]
        imap: Option<String>,
        /// SMTP submission server as HOST:PORT
        #[arg(long)]
        smtp: Option<String>,
        #[arg(long)]
        user: Option<String>,
        /// TLS mode for both servers (default for a new HOST:PORT: by its port; else unchanged)
        #[arg(long, value_enum)]
        tls: Option<TlsArg>,
        #[arg(long, value_enum)]
        imap_tls: Option<TlsArg>,
        #[arg(long, value_enum)]
        smtp_tls: Option<TlsArg>,
        /// A new private CA for the servers' certificates
        #[arg(long, conflicts_with = "public_ca")]
        ca_file: Option<PathBuf>,
        /// Drop the private CA: trust the public CAs again
        #[arg(long)]
        public_ca: bool,
        /// A new password from this file
        #[arg(long, conflicts_with = "new_password")]
        password_file: Option<PathBuf>,
        /// Ask for a new password
        #[arg(long)]
        new_password: bool,
    },
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

fn print_outbox(e: &sealpost::api::mail::OutboxEntry) {
    println!(
        "#{} {} {} -> {} [{}{}] {}",
        e.id,
        e.message_id,
        e.from,
        e.recipients.join(", "),
        e.state,
        if e.appended { ", in Sent" } else { "" },
        e.subject
    );
    if let Some(err) = &e.last_error {
        println!("    last error: {err}");
    }
}

pub fn run(
    cmd: MailCmd,
    home: &Home,
    json: bool,
    pass: &dyn Fn() -> Result<Zeroizing<String>, ApiError>,
) -> Result<(), Failure> {
    match cmd {
        MailCmd::Account(AccountCmd::Add {
            name,
            email,
            imap,
            smtp,
            user,
            tls,
            imap_tls,
            smtp_tls,
            ca_file,
            password_file,
        }) => {
            let new = NewAccount {
                name,
                email,
                username: user,
                imap: server(&imap, imap_tls.or(tls))?,
                smtp: server(&smtp, smtp_tls.or(tls))?,
                ca_file: ca_file.map(|p| p.display().to_string()),
            };
            let password = match password_file {
                Some(f) => read_secret_file(&f)?,
                None => prompt(&format!("Password for {}: ", new.email))?,
            };
            let a = home.add_account(&new, &password, pass)?;
            if json {
                print_json(&a);
            } else {
                println!("added account {} <{}>", a.name, a.email);
            }
        }
        MailCmd::Account(AccountCmd::Edit {
            name,
            email,
            imap,
            smtp,
            user,
            tls,
            imap_tls,
            smtp_tls,
            ca_file,
            public_ca,
            password_file,
            new_password,
        }) => {
            let a = home
                .accounts()?
                .into_iter()
                .find(|a| a.name == name)
                .ok_or_else(|| {
                    ApiError::new(ErrorCode::NotFound, format!("no account named {name:?}"))
                })?;
            let keep = |host: &str, port: u16, mode: TlsMode, tls: Option<TlsArg>| ServerSettings {
                host: host.to_string(),
                port,
                tls: Some(tls.map(Into::into).unwrap_or(mode)),
            };
            let change = AccountChange {
                settings: NewAccount {
                    name: a.name.clone(),
                    email: email.unwrap_or(a.email.clone()),
                    username: Some(user.unwrap_or(a.username.clone())),
                    imap: match imap {
                        Some(spec) => server(&spec, imap_tls.or(tls))?,
                        None => keep(&a.imap.host, a.imap.port, a.imap.tls, imap_tls.or(tls)),
                    },
                    smtp: match smtp {
                        Some(spec) => server(&spec, smtp_tls.or(tls))?,
                        None => keep(&a.smtp.host, a.smtp.port, a.smtp.tls, smtp_tls.or(tls)),
                    },
                    ca_file: ca_file.map(|p| p.display().to_string()),
                },
                keep_private_ca: !public_ca,
            };
            let password = match password_file {
                Some(f) => Some(read_secret_file(&f)?),
                None if new_password => Some(prompt(&format!("New password for {}: ", a.email))?),
                None => None,
            };
            let a = home.update_account(&change, password.as_deref().map(|p| p.as_str()), pass)?;
            if json {
                print_json(&a);
            } else {
                println!("changed account {} <{}>", a.name, a.email);
            }
        }
        MailCmd::Account(AccountCmd::List) => {
            let list = home.accounts()?;
            if json {
                print_json(&list);
            } else {
                for a in &list {
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
            }
        }
        MailCmd::Account(AccountCmd::Test { name }) => {
            let c = home.test_account(&name, pass)?;
            if json {
                print_json(&c);
            } else {
                for s in [&c.imap, &c.smtp] {
                    match &s.message {
                        None => println!("{}: ok (TLS, logged in)", s.server),
                        Some(m) => println!("{m}"),
                    }
                }
            }
            if !c.ok {
                return Err(network(format!("the account {name} cannot be used")));
            }
        }
        MailCmd::Account(AccountCmd::Remove { name }) => {
            let a = home.remove_account(&name, pass)?;
            if json {
                print_json(&a);
            } else {
                println!("removed account {}", a.name);
            }
        }
        MailCmd::Send {
            account,
            sign,
            encrypt,
            input,
            unencrypted_copy_to,
        } => {
            let msg = read_input(&input)?;
            let r = home.send_message(&account, &msg, sign, encrypt, &unencrypted_copy_to, pass)?;
            if json {
                print_json(&r);
            } else if r.delivered {
                println!(
                    "sent {} to {}{}",
                    r.entry.message_id,
                    r.entry.recipients.join(", "),
                    if r.entry.appended {
                        " (copy in Sent)"
                    } else {
                        " (no copy in Sent yet: sealpost outbox --retry)"
                    }
                );
                if !r.unencrypted_to.is_empty() {
                    println!(
                        "sent an unencrypted copy to {} (as you chose)",
                        r.unencrypted_to.join(", ")
                    );
                }
            }
            if !r.delivered {
                return Err(network(format!(
                    "not sent: {}; the message waits in the outbox as #{} (sealpost outbox --retry)",
                    r.entry.last_error.as_deref().unwrap_or("unknown error"),
                    r.entry.id
                )));
            }
        }
        MailCmd::RequestCertificate { account, emails } => {
            let sent = home.request_certificates(&account, &emails, pass)?;
            if json {
                print_json(&sent);
            }
            let mut waiting = Vec::new();
            for r in &sent {
                if r.delivered {
                    if !json {
                        println!(
                            "asked {} for their certificate",
                            r.entry.recipients.join(", ")
                        );
                    }
                } else {
                    waiting.push(format!(
                        "{} (outbox #{})",
                        r.entry.recipients.join(", "),
                        r.entry.id
                    ));
                }
            }
            if !waiting.is_empty() {
                return Err(network(format!(
                    "not sent to {}; waiting in the outbox (sealpost outbox --retry)",
                    waiting.join(", ")
                )));
            }
        }
        MailCmd::Outbox { retry, force } => {
            if retry {
                let r = home.retry_outbox(force, pass)?;
                if json {
                    print_json(&r);
                } else {
                    for o in &r {
                        print!("{}: ", o.action);
                        print_outbox(&o.entry);
                    }
                }
                if r.iter().any(|o| o.action == "failed") {
                    return Err(network("some messages could not be sent".into()));
                }
            } else {
                let list = home.outbox()?;
                if json {
                    print_json(&list);
                } else {
                    for e in &list {
                        print_outbox(e);
                    }
                }
            }
        }
        MailCmd::Sync {
            account,
            folder,
            headers_only,
        } => {
            let r = if headers_only {
                home.sync_headers(&account, &folder, pass)
            } else {
                home.sync(&account, &folder, pass)
            }?;
            if json {
                print_json(&r);
            } else {
                println!(
                    "{} {}: {} new, {} flag changes, {} removed, {} bodies downloaded, {} cached{}{}",
                    r.account,
                    r.folder,
                    r.new,
                    r.flags_updated,
                    r.removed,
                    r.downloaded,
                    r.total,
                    if r.skipped_large > 0 {
                        format!(" ({} too large to download)", r.skipped_large)
                    } else {
                        String::new()
                    },
                    if r.uidvalidity_changed {
                        " (UIDVALIDITY changed: cache rebuilt)"
                    } else {
                        ""
                    }
                );
            }
        }
        MailCmd::List { account, folder } => {
            print_messages(&home.list_messages(&account, &folder)?, json);
        }
        MailCmd::Search {
            account,
            folder,
            text,
        } => {
            print_messages(&home.search_messages(&account, &folder, &text, pass)?, json);
        }
        MailCmd::Read {
            account,
            uid,
            folder,
            out,
        } => {
            let r = home.read_message(&account, &folder, uid, pass)?;
            let ok = match &r.report {
                Some(rep) => !rep.signed || rep.valid,
                None => true,
            };
            if ok {
                write_output(&out, &r.message)?;
            }
            // A message without S/MIME reports as such (nothing encrypted, nothing signed).
            let report = r
                .report
                .clone()
                .unwrap_or_else(sealpost::api::Report::unprotected);
            if json && out.is_some() {
                print_json(&report);
            } else if json {
                eprintln!(
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
            } else if r.report.is_none() {
                eprintln!("not signed, not encrypted");
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
    }
    Ok(())
}

/// A message list: JSON, or one line each (UID, S/MIME mark, date, from, subject).
fn print_messages(list: &[sealpost::api::mail::MessageSummary], json: bool) {
    if json {
        print_json(&list);
        return;
    }
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
