//! IMAP4rev1 (RFC 3501) over TLS with async-imap: login, APPEND, and the fetches an
//! incremental sync needs (UIDVALIDITY/UIDNEXT, RFC 3501 §2.3.1.1).
//!
//! STARTTLS is spoken by hand before async-imap gets the stream: greeting, CAPABILITY,
//! STARTTLS, reading one byte at a time so nothing the server sends before the handshake can
//! be buffered and later mistaken for protected data (the STARTTLS injection of CVE-2011-0411).

use futures_util::StreamExt;
use serde::Serialize;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use super::net::{self, read_line, step, write_all};
use super::{Endpoint, Login, MailError, TlsMode, sanitize};

type Stream = TlsStream<TcpStream>;

/// A logged-in IMAP session.
pub struct Imap {
    ep: Endpoint,
    session: async_imap::Session<Stream>,
}

/// One fetched message.
#[derive(Debug)]
pub struct Fetched {
    pub uid: u32,
    pub flags: Vec<String>,
    pub internal_date: Option<String>,
    /// RFC822.SIZE, when asked for.
    pub size: Option<u32>,
    pub raw: Vec<u8>,
}

/// What SELECT/EXAMINE reported.
#[derive(Clone, Copy, Debug)]
pub struct MailboxState {
    pub uid_validity: u32,
    pub uid_next: Option<u32>,
    pub exists: u32,
    /// HIGHESTMODSEQ (RFC 7162 §3.1.2.1), reported once CONDSTORE is enabled and the folder
    /// keeps mod-sequences (not after NOMODSEQ).
    pub highest_modseq: Option<u64>,
}

/// The role of a folder (RFC 6154 special use; INBOX by name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum SpecialUse {
    Inbox,
    Sent,
    Drafts,
    Trash,
    Junk,
    Archive,
}

/// One folder as LIST reported it.
#[derive(Clone, Debug)]
pub struct Folder {
    pub name: String,
    pub delimiter: Option<String>,
    pub special: Option<SpecialUse>,
    /// False for \Noselect hierarchy nodes.
    pub selectable: bool,
}

/// At most this many folders are listed (a hostile server could send millions).
const MAX_FOLDERS: usize = 2000;

/// A message larger than this is not cached (its UID is still recorded as seen).
pub const MAX_MESSAGE: u32 = 50 * 1024 * 1024;

/// Reads lines up to the tagged completion of `tag`; returns the untagged lines and the
/// completion line.
async fn read_until_tagged(
    ep: &Endpoint,
    s: &mut TcpStream,
    tag: &str,
) -> Result<(Vec<String>, String), MailError> {
    let mut untagged = Vec::new();
    for _ in 0..64 {
        let line = read_line(ep, s).await?;
        if line.starts_with(&format!("{tag} ")) {
            return Ok((untagged, line));
        }
        untagged.push(line);
    }
    Err(MailError::Protocol {
        server: ep.label(),
        detail: "too many lines before the command completed".into(),
    })
}

fn has_capability(lines: &[String], cap: &str) -> bool {
    lines.iter().any(|l| {
        let upper = l.to_ascii_uppercase();
        upper.starts_with("* CAPABILITY ")
            && upper
                .split_ascii_whitespace()
                .any(|w| w == cap.to_ascii_uppercase())
    })
}

/// Plaintext phase of RFC 3501 §6.2.1. Sends nothing but CAPABILITY and STARTTLS.
async fn starttls(ep: &Endpoint, s: &mut TcpStream) -> Result<(), MailError> {
    let greeting = read_line(ep, s).await?;
    if !greeting.to_ascii_uppercase().starts_with("* OK") {
        return Err(MailError::Protocol {
            server: ep.label(),
            detail: format!("greeting: {}", sanitize(&greeting)),
        });
    }
    write_all(ep, s, b"S1 CAPABILITY\r\n").await?;
    let (lines, done) = read_until_tagged(ep, s, "S1").await?;
    if !done.to_ascii_uppercase().starts_with("S1 OK") {
        return Err(MailError::Protocol {
            server: ep.label(),
            detail: format!("CAPABILITY: {}", sanitize(&done)),
        });
    }
    if !has_capability(&lines, "STARTTLS") {
        return Err(MailError::StarttlsMissing { server: ep.label() });
    }
    write_all(ep, s, b"S2 STARTTLS\r\n").await?;
    let (_, done) = read_until_tagged(ep, s, "S2").await?;
    if !done.to_ascii_uppercase().starts_with("S2 OK") {
        return Err(MailError::StarttlsMissing { server: ep.label() });
    }
    Ok(())
}

fn imap_error(ep: &Endpoint, e: async_imap::error::Error) -> MailError {
    use async_imap::error::Error as E;
    match e {
        E::Io(io) => net::io_error(ep, &io),
        E::ConnectionLost => MailError::ConnectionLost {
            server: ep.label(),
            detail: "the server closed the connection".into(),
        },
        E::No(t) | E::Bad(t) => MailError::Rejected {
            server: ep.label(),
            detail: sanitize(&t),
        },
        other => MailError::Protocol {
            server: ep.label(),
            detail: sanitize(&other.to_string()),
        },
    }
}

/// Opens a TLS connection (implicit or STARTTLS) up to, not including, authentication.
async fn connect(ep: &Endpoint) -> Result<async_imap::Client<Stream>, MailError> {
    let mut tcp = net::connect_tcp(ep).await?;
    if ep.tls == TlsMode::Starttls {
        step(ep, "negotiating STARTTLS", starttls(ep, &mut tcp)).await?;
    }
    let tls = net::tls_handshake(ep, tcp).await?;
    let mut client = async_imap::Client::new(tls);
    if ep.tls == TlsMode::Implicit {
        // RFC 3501 §7.1: the greeting comes first on a fresh connection.
        let greeting = step(ep, "waiting for the greeting", async {
            client
                .read_response()
                .await
                .map_err(|e| net::io_error(ep, &e))
        })
        .await?;
        if greeting.is_none() {
            return Err(MailError::ConnectionLost {
                server: ep.label(),
                detail: "closed before the greeting".into(),
            });
        }
    }
    Ok(client)
}

impl Imap {
    /// Connects and logs in. The password leaves only inside TLS.
    pub async fn login(ep: &Endpoint, login: &Login) -> Result<Imap, MailError> {
        let client = connect(ep).await?;
        let session = step(ep, "logging in", async {
            client
                .login(&login.user, login.password.as_str())
                .await
                .map_err(|(e, _)| match e {
                    async_imap::error::Error::No(t) | async_imap::error::Error::Bad(t) => {
                        MailError::Authentication {
                            server: ep.label(),
                            detail: sanitize(&t),
                        }
                    }
                    other => imap_error(ep, other),
                })
        })
        .await?;
        Ok(Imap {
            ep: ep.clone(),
            session,
        })
    }

    pub async fn logout(mut self) {
        let _ =
            tokio::time::timeout(std::time::Duration::from_secs(5), self.session.logout()).await;
    }

    /// Every folder of the account (RFC 3501 §6.3.8 LIST) with its special use (RFC 6154).
    pub async fn folders(&mut self) -> Result<Vec<Folder>, MailError> {
        let ep = self.ep.clone();
        step(&ep, "listing folders", async {
            let stream = self
                .session
                .list(Some(""), Some("*"))
                .await
                .map_err(|e| imap_error(&ep, e))?;
            let names: Vec<_> = stream.collect().await;
            let mut out = Vec::new();
            for n in names.into_iter().take(MAX_FOLDERS) {
                let n = n.map_err(|e| imap_error(&ep, e))?;
                use async_imap::types::NameAttribute as A;
                let mut special = None;
                let mut selectable = true;
                for a in n.attributes() {
                    match a {
                        A::Sent => special = Some(SpecialUse::Sent),
                        A::Drafts => special = Some(SpecialUse::Drafts),
                        A::Trash => special = Some(SpecialUse::Trash),
                        A::Junk => special = Some(SpecialUse::Junk),
                        A::Archive => special = Some(SpecialUse::Archive),
                        A::NoSelect => selectable = false,
                        _ => {}
                    }
                }
                if n.name().eq_ignore_ascii_case("INBOX") {
                    special = Some(SpecialUse::Inbox);
                }
                out.push(Folder {
                    name: n.name().to_string(),
                    delimiter: n.delimiter().map(str::to_string),
                    special,
                    selectable,
                });
            }
            Ok(out)
        })
        .await
    }

    /// The name of the Sent folder: the one with the \Sent special use (RFC 6154), else
    /// "Sent", created when absent.
    pub async fn sent_folder(&mut self) -> Result<String, MailError> {
        self.special_folder(SpecialUse::Sent, "Sent", "creating the Sent folder")
            .await
    }

    /// The Drafts folder: the one marked \Drafts (RFC 6154), else one named "Drafts",
    /// else a new "Drafts".
    pub async fn drafts_folder(&mut self) -> Result<String, MailError> {
        self.special_folder(SpecialUse::Drafts, "Drafts", "creating the Drafts folder")
            .await
    }

    async fn special_folder(
        &mut self,
        role: SpecialUse,
        name: &str,
        creating: &'static str,
    ) -> Result<String, MailError> {
        let ep = self.ep.clone();
        let folders = self.folders().await?;
        if let Some(f) = folders.iter().find(|f| f.special == Some(role)) {
            return Ok(f.name.clone());
        }
        if let Some(f) = folders.iter().find(|f| f.name.eq_ignore_ascii_case(name)) {
            return Ok(f.name.clone());
        }
        step(&ep, creating, async {
            self.session
                .create(name)
                .await
                .map_err(|e| imap_error(&ep, e))
        })
        .await?;
        Ok(name.into())
    }

    /// Stores a draft in `folder` with \Draft and \Seen, then returns its UID, found by its
    /// Message-ID (`message_id` with angle brackets) in the selected `folder`.
    pub async fn append_draft(
        &mut self,
        folder: &str,
        raw: &[u8],
        message_id: &str,
    ) -> Result<Option<u32>, MailError> {
        let ep = self.ep.clone();
        step(&ep, "saving the draft", async {
            self.session
                .append(folder, Some("(\\Draft \\Seen)"), None, raw)
                .await
                .map_err(|e| imap_error(&ep, e))
        })
        .await?;
        self.select(folder).await?;
        let id: String = message_id
            .chars()
            .filter(|c| c.is_ascii_graphic() && *c != '"' && *c != '\\')
            .collect();
        let found = step(&ep, "finding the saved draft", async {
            self.session
                .uid_search(format!("HEADER Message-ID \"{id}\""))
                .await
                .map_err(|e| imap_error(&ep, e))
        })
        .await?;
        Ok(found.into_iter().max())
    }

    /// SELECT (read-write) of `folder`, for changing flags or removing messages.
    pub async fn select(&mut self, folder: &str) -> Result<MailboxState, MailError> {
        let ep = self.ep.clone();
        let mb = step(&ep, "opening the folder", async {
            self.session
                .select(folder)
                .await
                .map_err(|e| imap_error(&ep, e))
        })
        .await?;
        Ok(MailboxState {
            uid_validity: mb.uid_validity.unwrap_or(0),
            uid_next: mb.uid_next,
            exists: mb.exists,
            highest_modseq: mb.highest_modseq,
        })
    }

    /// Adds (`on`) or removes a system flag such as `\Seen` on one message of the selected
    /// folder (RFC 3501 §6.4.6 UID STORE ... FLAGS.SILENT).
    pub async fn set_flag(&mut self, uid: u32, flag: &str, on: bool) -> Result<(), MailError> {
        let ep = self.ep.clone();
        let query = format!("{}FLAGS.SILENT ({flag})", if on { '+' } else { '-' });
        step(&ep, "changing flags", async {
            let stream = self
                .session
                .uid_store(uid.to_string(), &query)
                .await
                .map_err(|e| imap_error(&ep, e))?;
            let results: Vec<_> = stream.collect().await;
            for r in results {
                r.map_err(|e| imap_error(&ep, e))?;
            }
            Ok(())
        })
        .await
    }

    /// Removes one message of the selected folder: \Deleted, then UID EXPUNGE of that UID
    /// only (RFC 4315), so other messages flagged \Deleted elsewhere are left alone.
    pub async fn expunge(&mut self, uid: u32) -> Result<(), MailError> {
        self.set_flag(uid, "\\Deleted", true).await?;
        let ep = self.ep.clone();
        step(&ep, "removing the message", async {
            let stream = self
                .session
                .uid_expunge(uid.to_string())
                .await
                .map_err(|e| imap_error(&ep, e))?;
            let results: Vec<_> = stream.collect().await;
            for r in results {
                r.map_err(|e| imap_error(&ep, e))?;
            }
            Ok(())
        })
        .await
    }

    /// Moves one message of the selected folder to `dest`: UID MOVE (RFC 6851) when offered,
    /// else UID COPY followed by removing the original.
    pub async fn move_to(&mut self, uid: u32, dest: &str) -> Result<(), MailError> {
        let ep = self.ep.clone();
        let can_move = step(&ep, "asking for capabilities", async {
            self.session
                .capabilities()
                .await
                .map(|c| c.has_str("MOVE"))
                .map_err(|e| imap_error(&ep, e))
        })
        .await?;
        if can_move {
            return step(&ep, "moving the message", async {
                self.session
                    .uid_mv(uid.to_string(), dest)
                    .await
                    .map_err(|e| imap_error(&ep, e))
            })
            .await;
        }
        step(&ep, "copying the message", async {
            self.session
                .uid_copy(uid.to_string(), dest)
                .await
                .map_err(|e| imap_error(&ep, e))
        })
        .await?;
        self.expunge(uid).await
    }

    /// Stores a message in `folder` with the \Seen flag.
    pub async fn append(&mut self, folder: &str, raw: &[u8]) -> Result<(), MailError> {
        let ep = self.ep.clone();
        step(&ep, "appending to the Sent folder", async {
            self.session
                .append(folder, Some("(\\Seen)"), None, raw)
                .await
                .map_err(|e| imap_error(&ep, e))
        })
        .await
    }

    /// UIDs of the messages of the examined folder whose header or body contains `text`
    /// (RFC 3501 §6.4.4 UID SEARCH TEXT; CHARSET UTF-8 for text beyond ASCII). The server sees
    /// encrypted bodies only as ciphertext, so it finds those by their headers alone.
    pub async fn search(&mut self, text: &str) -> Result<Vec<u32>, MailError> {
        let ep = self.ep.clone();
        let query = search_query(text);
        let found = step(&ep, "searching", async {
            self.session
                .uid_search(&query)
                .await
                .map_err(|e| imap_error(&ep, e))
        })
        .await?;
        let mut uids: Vec<u32> = found.into_iter().collect();
        uids.sort_unstable();
        Ok(uids)
    }

    /// EXAMINE (read-only SELECT) of `folder`.
    pub async fn examine(&mut self, folder: &str) -> Result<MailboxState, MailError> {
        let ep = self.ep.clone();
        let mb = step(&ep, "opening the folder", async {
            self.session
                .examine(folder)
                .await
                .map_err(|e| imap_error(&ep, e))
        })
        .await?;
        Ok(MailboxState {
            uid_validity: mb.uid_validity.unwrap_or(0),
            uid_next: mb.uid_next,
            exists: mb.exists,
            highest_modseq: mb.highest_modseq,
        })
    }

    async fn uid_fetch(&mut self, set: &str, query: &str) -> Result<Vec<Fetched>, MailError> {
        let ep = self.ep.clone();
        step(&ep, "fetching messages", async {
            let stream = self
                .session
                .uid_fetch(set, query)
                .await
                .map_err(|e| imap_error(&ep, e))?;
            let items: Vec<_> = stream.collect().await;
            let mut out = Vec::new();
            for f in items {
                let f = f.map_err(|e| imap_error(&ep, e))?;
                let Some(uid) = f.uid else { continue };
                out.push(Fetched {
                    uid,
                    flags: f.flags().map(flag_name).collect(),
                    internal_date: f.internal_date().map(|d| d.to_rfc3339()),
                    size: f.size,
                    raw: f
                        .body()
                        .or_else(|| f.header())
                        .map(<[u8]>::to_vec)
                        .unwrap_or_default(),
                });
            }
            Ok(out)
        })
        .await
    }

    /// Enables CONDSTORE (RFC 7162 §3.1, with ENABLE of RFC 5161) when the server offers both,
    /// so that SELECT/EXAMINE report HIGHESTMODSEQ. `false` when it is not offered.
    pub async fn enable_condstore(&mut self) -> Result<bool, MailError> {
        let ep = self.ep.clone();
        step(&ep, "enabling CONDSTORE", async {
            let caps = self
                .session
                .capabilities()
                .await
                .map_err(|e| imap_error(&ep, e))?;
            if !(caps.has_str("CONDSTORE") && caps.has_str("ENABLE")) {
                return Ok(false);
            }
            self.session
                .run_command_and_check_ok("ENABLE CONDSTORE")
                .await
                .map_err(|e| imap_error(&ep, e))?;
            Ok(true)
        })
        .await
    }

    /// UIDs and flags of the messages with UID below `below` whose flags changed after
    /// mod-sequence `since` (RFC 7162 §3.1.4 UID FETCH ... (CHANGEDSINCE)); nothing for an empty
    /// range. CONDSTORE must be enabled.
    pub async fn flags_changed_since(
        &mut self,
        below: u32,
        since: u64,
    ) -> Result<Vec<(u32, Vec<String>)>, MailError> {
        if below <= 1 {
            return Ok(Vec::new());
        }
        Ok(self
            .uid_fetch(
                &format!("1:{}", below - 1),
                &format!("(UID FLAGS) (CHANGEDSINCE {since})"),
            )
            .await?
            .into_iter()
            .filter(|f| f.uid < below)
            .map(|f| (f.uid, f.flags))
            .collect())
    }

    /// The UIDs below `below` that exist in the selected folder (RFC 3501 §6.4.4 UID SEARCH).
    pub async fn uids_below(
        &mut self,
        below: u32,
    ) -> Result<std::collections::HashSet<u32>, MailError> {
        if below <= 1 {
            return Ok(Default::default());
        }
        let ep = self.ep.clone();
        let mut uids = step(&ep, "listing messages", async {
            self.session
                .uid_search(format!("UID 1:{}", below - 1))
                .await
                .map_err(|e| imap_error(&ep, e))
        })
        .await?;
        uids.retain(|u| *u < below);
        Ok(uids)
    }

    /// UIDs and flags of the messages with UID in `from..` (the last message is reported even
    /// when its UID is lower, RFC 3501 §6.4.8; callers filter).
    pub async fn flags_from(&mut self, from: u32) -> Result<Vec<(u32, Vec<String>)>, MailError> {
        Ok(self
            .uid_fetch(&format!("{from}:*"), "(UID FLAGS)")
            .await?
            .into_iter()
            .map(|f| (f.uid, f.flags))
            .collect())
    }

    /// Flags, dates, RFC822.SIZE and the header block (BODY.PEEK[HEADER], so \Seen is not set)
    /// of the messages with UID in `from..`, in one round trip. `raw` holds the header block.
    pub async fn headers_from(&mut self, from: u32) -> Result<Vec<Fetched>, MailError> {
        self.uid_fetch(
            &format!("{from}:*"),
            "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER])",
        )
        .await
    }

    /// The whole messages (BODY.PEEK[], so \Seen is not set) with the given UIDs.
    pub async fn messages(&mut self, uids: &[u32]) -> Result<Vec<Fetched>, MailError> {
        let mut out = Vec::new();
        for chunk in uids.chunks(50) {
            let set = chunk
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",");
            out.extend(
                self.uid_fetch(&set, "(UID FLAGS INTERNALDATE BODY.PEEK[])")
                    .await?,
            );
        }
        Ok(out)
    }
}

/// `TEXT "…"` as an IMAP quoted string (backslash and quote escaped; the caller refuses line
/// breaks), with CHARSET UTF-8 when the text is not ASCII.
fn search_query(text: &str) -> String {
    let quoted: String = text
        .chars()
        .flat_map(|c| match c {
            '\\' | '"' => vec!['\\', c],
            _ => vec![c],
        })
        .collect();
    if text.is_ascii() {
        format!("TEXT \"{quoted}\"")
    } else {
        format!("CHARSET UTF-8 TEXT \"{quoted}\"")
    }
}

/// What ended a wait with IDLE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdleEvent {
    /// The server reported a change of the folder (EXISTS, EXPUNGE, FETCH, RFC 2177 §3).
    Changed,
    /// Nothing happened within the time asked for.
    Timeout,
}

/// RFC 2177 §3: clients should re-issue IDLE at least every 29 minutes, before servers'
/// inactivity timers (at least 30 minutes, RFC 3501 §5.4) log them out.
pub const IDLE_MAX: std::time::Duration = std::time::Duration::from_secs(29 * 60);

impl Imap {
    /// IDLE (RFC 2177) on the selected folder until the server reports a change or `max`
    /// (at most [`IDLE_MAX`]) passes, then DONE. The session comes back for further commands;
    /// after an error it is gone and the caller logs in again.
    pub async fn idle(self, max: std::time::Duration) -> Result<(Imap, IdleEvent), MailError> {
        let max = max.min(IDLE_MAX);
        let ep = self.ep;
        let mut handle = self.session.idle();
        step(&ep, "starting IDLE", async {
            handle.init().await.map_err(|e| imap_error(&ep, e))
        })
        .await?;
        let event = {
            let (wait, _stop) = handle.wait_with_timeout(max);
            // The library's timer restarts at every keep-alive; this one bounds the whole wait.
            match tokio::time::timeout(max, wait).await {
                Err(_) => IdleEvent::Timeout,
                Ok(Ok(async_imap::extensions::idle::IdleResponse::NewData(_))) => {
                    IdleEvent::Changed
                }
                Ok(Ok(_)) => IdleEvent::Timeout,
                Ok(Err(e)) => return Err(imap_error(&ep, e)),
            }
        };
        let session = step(&ep, "ending IDLE", async {
            handle.done().await.map_err(|e| imap_error(&ep, e))
        })
        .await?;
        Ok((Imap { ep, session }, event))
    }
}

/// Waits for news in `folder`: logs in, EXAMINEs it and IDLEs, re-issuing IDLE every
/// [`IDLE_MAX`] at most, until the server reports a change ([`IdleEvent::Changed`]) or `max`
/// passes ([`IdleEvent::Timeout`]). A server without IDLE is an error (`Protocol`): the caller
/// polls instead.
pub async fn wait_for_change(
    ep: &Endpoint,
    login: &Login,
    folder: &str,
    max: std::time::Duration,
) -> Result<IdleEvent, MailError> {
    let deadline = tokio::time::Instant::now() + max;
    let mut imap = Imap::login(ep, login).await?;
    let caps = step(ep, "asking for capabilities", async {
        imap.session
            .capabilities()
            .await
            .map_err(|e| imap_error(ep, e))
    })
    .await?;
    if !caps.has_str("IDLE") {
        imap.logout().await;
        return Err(MailError::Protocol {
            server: ep.label(),
            detail: "the server does not offer IDLE".into(),
        });
    }
    imap.examine(folder).await?;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            imap.logout().await;
            return Ok(IdleEvent::Timeout);
        }
        let (back, event) = imap.idle(left).await?;
        imap = back;
        if event == IdleEvent::Changed {
            imap.logout().await;
            return Ok(IdleEvent::Changed);
        }
    }
}

fn flag_name(f: async_imap::types::Flag<'_>) -> String {
    use async_imap::types::Flag;
    match f {
        Flag::Seen => "\\Seen".into(),
        Flag::Answered => "\\Answered".into(),
        Flag::Flagged => "\\Flagged".into(),
        Flag::Deleted => "\\Deleted".into(),
        Flag::Draft => "\\Draft".into(),
        Flag::Recent => "\\Recent".into(),
        Flag::MayCreate => "\\*".into(),
        Flag::Custom(c) => sanitize(&c),
    }
}

/// Checks that the account can log in (for `account test`).
pub async fn check(ep: &Endpoint, login: &Login) -> Result<(), MailError> {
    let imap = Imap::login(ep, login).await?;
    imap.logout().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_is_quoted() {
        assert_eq!(search_query("lab"), "TEXT \"lab\"");
        assert_eq!(search_query(r#"a "b" \c"#), r#"TEXT "a \"b\" \\c""#);
        assert_eq!(search_query("Grüße"), "CHARSET UTF-8 TEXT \"Grüße\"");
    }

    #[test]
    fn capability_tokens_are_matched_whole() {
        let lines = vec!["* CAPABILITY IMAP4rev1 STARTTLSX LOGINDISABLED".to_string()];
        assert!(!has_capability(&lines, "STARTTLS"));
        let lines = vec!["* capability imap4rev1 starttls".to_string()];
        assert!(has_capability(&lines, "STARTTLS"));
        let lines = vec!["* OK [CAPABILITY IMAP4rev1 STARTTLS] ready".to_string()];
        assert!(!has_capability(&lines, "STARTTLS"));
    }
}
