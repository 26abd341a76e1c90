//! Mail tables: accounts (no passwords: those live in the keystore), the outbox, and the
//! per-folder message cache. Cached messages are the raw bytes as received, so encrypted mail
//! stays encrypted at rest.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

/// Added to the schema by [`Store::init`]; only `CREATE ... IF NOT EXISTS`, so it is safe on
/// homes made before mail existed.
pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS mail_accounts (
    name TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    username TEXT NOT NULL,
    imap_host TEXT NOT NULL,
    imap_port INTEGER NOT NULL,
    imap_tls TEXT NOT NULL,
    smtp_host TEXT NOT NULL,
    smtp_port INTEGER NOT NULL,
    smtp_tls TEXT NOT NULL,
    ca_pem BLOB,
    added INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS mail_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    message_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    mail_from TEXT NOT NULL,
    recipients TEXT NOT NULL,
    raw BLOB NOT NULL,
    state TEXT NOT NULL,
    appended INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS mail_folders (
    account TEXT NOT NULL,
    folder TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uidnext INTEGER NOT NULL,
    synced INTEGER NOT NULL,
    PRIMARY KEY (account, folder)
);
CREATE TABLE IF NOT EXISTS mail_messages (
    account TEXT NOT NULL,
    folder TEXT NOT NULL,
    uid INTEGER NOT NULL,
    flags TEXT NOT NULL,
    internal_date TEXT,
    from_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    date TEXT,
    message_id TEXT,
    smime TEXT NOT NULL,
    raw BLOB NOT NULL,
    complete INTEGER NOT NULL DEFAULT 1,
    size INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account, folder, uid)
);
";

/// Columns added after the first mail schema: a header-only cache entry (`complete = 0`, `raw`
/// holds the header block until the body is downloaded), the server's RFC822.SIZE, and a
/// folder's HIGHESTMODSEQ (RFC 7162 §3.1.2; NULL when the server does not keep mod-sequences).
pub(super) fn migrate(conn: &rusqlite::Connection) -> Result<(), StoreError> {
    for (table, col, decl) in [
        ("mail_messages", "complete", "INTEGER NOT NULL DEFAULT 1"),
        ("mail_messages", "size", "INTEGER NOT NULL DEFAULT 0"),
        // The recipients (To, else Cc) as the list shows them in Sent and Drafts.
        ("mail_messages", "to_addr", "TEXT NOT NULL DEFAULT ''"),
        ("mail_folders", "highestmodseq", "INTEGER"),
        // What opening the message found (JSON of the api's CheckedVerdict), for the list.
        ("mail_messages", "checked", "TEXT"),
    ] {
        let cols: Vec<String> = {
            let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
            let rows = stmt.query_map([table], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        if !cols.iter().any(|c| c == col) {
            conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {col} {decl}"))?;
        }
    }
    // The copy for the sender's Sent folder when it differs from what SMTP carries (it keeps
    // the Bcc header that no recipient may see, RFC 5322 §3.6.3).
    let outbox_cols: Vec<String> = {
        let mut stmt = conn.prepare("SELECT name FROM pragma_table_info('mail_outbox')")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    if !outbox_cols.iter().any(|c| c == "sent_copy") {
        conn.execute_batch("ALTER TABLE mail_outbox ADD COLUMN sent_copy BLOB")?;
    }
    Ok(())
}

/// A stored account (public settings only).
#[derive(Clone, Debug)]
pub struct AccountRow {
    pub name: String,
    pub email: String,
    pub username: String,
    pub imap_host: String,
    pub imap_port: u16,
    pub imap_tls: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: String,
    pub ca_pem: Option<Vec<u8>>,
}

/// Delivery state of an outbox entry. `Sending` is written *before* the SMTP transaction and
/// `Sent` right after the server's 250, so an entry still `Sending` after a crash is known to
/// be uncertain and is never sent again without the user's say.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum OutboxState {
    #[default]
    Queued,
    Sending,
    Sent,
    Failed,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::Failed => "failed",
        }
    }
    fn parse(s: &str) -> OutboxState {
        match s {
            "queued" => OutboxState::Queued,
            "sending" => OutboxState::Sending,
            "sent" => OutboxState::Sent,
            _ => OutboxState::Failed,
        }
    }
}

#[derive(Clone, Debug)]
pub struct OutboxRow {
    pub id: i64,
    pub account: String,
    pub message_id: String,
    pub subject: String,
    pub mail_from: String,
    pub recipients: Vec<String>,
    pub state: OutboxState,
    pub appended: bool,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created: i64,
    pub updated: i64,
}

/// A cached message's summary.
#[derive(Clone, Debug)]
pub struct MessageRow {
    pub uid: u32,
    pub flags: Vec<String>,
    pub internal_date: Option<String>,
    pub from: String,
    /// To (else Cc), as the list shows it for sent mail and drafts; empty when unknown.
    pub to: String,
    pub subject: String,
    pub date: Option<String>,
    pub message_id: Option<String>,
    pub smime: String,
    /// The whole message is cached (not only its header block).
    pub complete: bool,
    /// RFC822.SIZE as the server reported it (0 when unknown).
    pub size: u32,
    /// What opening the message found (set by [`Store::set_message_checked`]), else `None`.
    pub checked: Option<String>,
}

/// What is new for the cache.
pub struct NewMessage<'a> {
    pub uid: u32,
    pub flags: &'a [String],
    pub internal_date: Option<&'a str>,
    pub from: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub date: Option<&'a str>,
    pub message_id: Option<&'a str>,
    pub smime: &'a str,
    /// The whole message, or only its header block when `complete` is false.
    pub raw: &'a [u8],
    pub complete: bool,
    pub size: u32,
}

fn flags_json(flags: &[String]) -> String {
    serde_json::to_string(flags).unwrap_or_else(|_| "[]".into())
}

fn flags_parse(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

const OUTBOX_COLUMNS: &str = "id, account, message_id, subject, mail_from, recipients, state, appended, attempts, last_error, created, updated";

fn outbox_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxRow> {
    Ok(OutboxRow {
        id: r.get(0)?,
        account: r.get(1)?,
        message_id: r.get(2)?,
        subject: r.get(3)?,
        mail_from: r.get(4)?,
        recipients: flags_parse(&r.get::<_, String>(5)?),
        state: OutboxState::parse(&r.get::<_, String>(6)?),
        appended: r.get::<_, i64>(7)? != 0,
        attempts: r.get::<_, i64>(8)?.clamp(0, u32::MAX as i64) as u32,
        last_error: r.get(9)?,
        created: r.get(10)?,
        updated: r.get(11)?,
    })
}

impl Store {
    /// Adds an account; `Ok(false)` when the name is taken.
    pub fn add_account(&self, a: &AccountRow) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "INSERT OR IGNORE INTO mail_accounts(name, email, username, imap_host, imap_port, imap_tls, smtp_host, smtp_port, smtp_tls, ca_pem, added) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                a.name,
                a.email,
                a.username,
                a.imap_host,
                a.imap_port,
                a.imap_tls,
                a.smtp_host,
                a.smtp_port,
                a.smtp_tls,
                a.ca_pem,
                self.now()
            ],
        )?;
        Ok(n == 1)
    }

    pub fn accounts(&self) -> Result<Vec<AccountRow>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT name, email, username, imap_host, imap_port, imap_tls, smtp_host, smtp_port, smtp_tls, ca_pem FROM mail_accounts ORDER BY name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(AccountRow {
                name: r.get(0)?,
                email: r.get(1)?,
                username: r.get(2)?,
                imap_host: r.get(3)?,
                imap_port: r.get(4)?,
                imap_tls: r.get(5)?,
                smtp_host: r.get(6)?,
                smtp_port: r.get(7)?,
                smtp_tls: r.get(8)?,
                ca_pem: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn account(&self, name: &str) -> Result<Option<AccountRow>, StoreError> {
        Ok(self.accounts()?.into_iter().find(|a| a.name == name))
    }

    /// Changes an account's settings (found by name); with `clear_cache` its cached folders
    /// and messages go too. `Ok(false)` when there is no such account.
    pub fn update_account(&self, a: &AccountRow, clear_cache: bool) -> Result<bool, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let n = tx.execute(
            "UPDATE mail_accounts SET email = ?2, username = ?3, imap_host = ?4, imap_port = ?5, imap_tls = ?6, smtp_host = ?7, smtp_port = ?8, smtp_tls = ?9, ca_pem = ?10 WHERE name = ?1",
            params![
                a.name,
                a.email,
                a.username,
                a.imap_host,
                a.imap_port,
                a.imap_tls,
                a.smtp_host,
                a.smtp_port,
                a.smtp_tls,
                a.ca_pem,
            ],
        )?;
        if n > 0 && clear_cache {
            tx.execute("DELETE FROM mail_folders WHERE account = ?1", [&a.name])?;
            tx.execute("DELETE FROM mail_messages WHERE account = ?1", [&a.name])?;
        }
        tx.commit()?;
        Ok(n > 0)
    }

    /// Removes an account with its outbox entries and cached messages.
    pub fn remove_account(&self, name: &str) -> Result<bool, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let n = tx.execute("DELETE FROM mail_accounts WHERE name = ?1", [name])?;
        tx.execute("DELETE FROM mail_outbox WHERE account = ?1", [name])?;
        tx.execute("DELETE FROM mail_folders WHERE account = ?1", [name])?;
        tx.execute("DELETE FROM mail_messages WHERE account = ?1", [name])?;
        tx.commit()?;
        Ok(n > 0)
    }

    /// Queues a message; returns its outbox id. `sent_copy`, when given, is appended to Sent
    /// instead of `raw`.
    #[allow(clippy::too_many_arguments)]
    pub fn outbox_add(
        &self,
        account: &str,
        message_id: &str,
        subject: &str,
        from: &str,
        recipients: &[String],
        raw: &[u8],
        sent_copy: Option<&[u8]>,
    ) -> Result<i64, StoreError> {
        let t = self.now();
        self.conn.execute(
            "INSERT INTO mail_outbox(account, message_id, subject, mail_from, recipients, raw, sent_copy, state, created, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', ?8, ?8)",
            params![account, message_id, subject, from, flags_json(recipients), raw, sent_copy, t],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn outbox(&self) -> Result<Vec<OutboxRow>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM mail_outbox ORDER BY id"
        ))?;
        let rows = stmt.query_map([], outbox_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn outbox_entry(&self, id: i64) -> Result<Option<OutboxRow>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {OUTBOX_COLUMNS} FROM mail_outbox WHERE id = ?1"),
                [id],
                outbox_row,
            )
            .optional()?)
    }

    pub fn outbox_raw(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT raw FROM mail_outbox WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// What goes to the Sent folder for this entry: its own Sent copy when it has one, else
    /// the message as sent.
    pub fn outbox_sent_copy(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT COALESCE(sent_copy, raw) FROM mail_outbox WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Claims an entry for sending: moves it from `queued`/`failed` (or also from `sending`
    /// when `force`) to `sending` and counts the attempt. `Ok(false)` when another process
    /// claimed it first or it is not sendable; this is what keeps delivery to at most once.
    pub fn outbox_claim(&self, id: i64, force: bool) -> Result<bool, StoreError> {
        let states = if force {
            "('queued', 'failed', 'sending')"
        } else {
            "('queued', 'failed')"
        };
        let n = self.conn.execute(
            &format!(
                "UPDATE mail_outbox SET state = 'sending', attempts = attempts + 1, updated = ?2 WHERE id = ?1 AND state IN {states}"
            ),
            params![id, self.now()],
        )?;
        Ok(n == 1)
    }

    pub fn outbox_set_state(
        &self,
        id: i64,
        state: OutboxState,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE mail_outbox SET state = ?2, last_error = ?3, updated = ?4 WHERE id = ?1",
            params![id, state.as_str(), error, self.now()],
        )?;
        Ok(())
    }

    pub fn outbox_set_appended(&self, id: i64, error: Option<&str>) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE mail_outbox SET appended = ?2, last_error = ?3, updated = ?4 WHERE id = ?1",
            params![id, error.is_none() as i64, error, self.now()],
        )?;
        Ok(())
    }

    /// (uidvalidity, uidnext) last seen for a folder.
    pub fn folder_state(
        &self,
        account: &str,
        folder: &str,
    ) -> Result<Option<(u32, u32)>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT uidvalidity, uidnext FROM mail_folders WHERE account = ?1 AND folder = ?2",
                params![account, folder],
                |r| Ok((r.get::<_, u32>(0)?, r.get::<_, u32>(1)?)),
            )
            .optional()?)
    }

    /// The HIGHESTMODSEQ last seen for a folder (RFC 7162), `None` when unknown.
    pub fn folder_modseq(&self, account: &str, folder: &str) -> Result<Option<u64>, StoreError> {
        let v: Option<Option<i64>> = self
            .conn
            .query_row(
                "SELECT highestmodseq FROM mail_folders WHERE account = ?1 AND folder = ?2",
                params![account, folder],
                |r| r.get(0),
            )
            .optional()?;
        Ok(v.flatten().and_then(|m| u64::try_from(m).ok()))
    }

    /// Records a completed sync: UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ (`None` when the server
    /// reported none; a mod-sequence beyond SQLite's integers is stored as unknown).
    pub fn set_folder_state(
        &self,
        account: &str,
        folder: &str,
        uidvalidity: u32,
        uidnext: u32,
        modseq: Option<u64>,
    ) -> Result<(), StoreError> {
        let modseq = modseq.and_then(|m| i64::try_from(m).ok());
        self.conn.execute(
            "INSERT INTO mail_folders(account, folder, uidvalidity, uidnext, synced, highestmodseq) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(account, folder) DO UPDATE SET uidvalidity = excluded.uidvalidity, uidnext = excluded.uidnext, synced = excluded.synced, highestmodseq = excluded.highestmodseq",
            params![account, folder, uidvalidity, uidnext, self.now(), modseq],
        )?;
        Ok(())
    }

    /// Drops the cache of a folder (its UIDVALIDITY changed: every UID is void).
    pub fn clear_folder(&self, account: &str, folder: &str) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "DELETE FROM mail_messages WHERE account = ?1 AND folder = ?2",
            params![account, folder],
        )?)
    }

    pub fn put_message(
        &self,
        account: &str,
        folder: &str,
        m: &NewMessage<'_>,
    ) -> Result<(), StoreError> {
        self.put_messages(account, folder, std::slice::from_ref(m))
    }

    /// Stores many messages in one transaction (a first sync of a large folder).
    pub fn put_messages(
        &self,
        account: &str,
        folder: &str,
        msgs: &[NewMessage<'_>],
    ) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        {
            let mut stmt = tx.prepare(
                "INSERT OR REPLACE INTO mail_messages(account, folder, uid, flags, internal_date, from_addr, subject, date, message_id, smime, raw, complete, size, to_addr) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?;
            for m in msgs {
                stmt.execute(params![
                    account,
                    folder,
                    m.uid,
                    flags_json(m.flags),
                    m.internal_date,
                    m.from,
                    m.subject,
                    m.date,
                    m.message_id,
                    m.smime,
                    m.raw,
                    m.complete,
                    m.size,
                    m.to
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Replaces many header-only entries with their whole messages in one transaction (one
    /// commit per batch, not per message). Returns how many entries were updated.
    pub fn set_message_bodies(
        &self,
        account: &str,
        folder: &str,
        bodies: &[(u32, &[u8])],
    ) -> Result<usize, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let mut updated = 0;
        {
            let mut stmt = tx.prepare(
                "UPDATE mail_messages SET raw = ?4, complete = 1, size = MAX(size, ?5) WHERE account = ?1 AND folder = ?2 AND uid = ?3",
            )?;
            for (uid, raw) in bodies {
                updated += stmt.execute(params![
                    account,
                    folder,
                    uid,
                    raw,
                    i64::try_from(raw.len()).unwrap_or(i64::MAX)
                ])?;
            }
        }
        tx.commit()?;
        Ok(updated)
    }

    /// UIDs of header-only entries whose size is at most `max_size`, oldest first.
    pub fn messages_without_body(
        &self,
        account: &str,
        folder: &str,
        max_size: u32,
    ) -> Result<Vec<u32>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT uid FROM mail_messages WHERE account = ?1 AND folder = ?2 AND complete = 0 AND size <= ?3 ORDER BY uid",
        )?;
        let rows = stmt.query_map(params![account, folder, max_size], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many messages of a folder are cached (header-only ones included).
    pub fn message_count(&self, account: &str, folder: &str) -> Result<u32, StoreError> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM mail_messages WHERE account = ?1 AND folder = ?2",
            params![account, folder],
            |r| r.get(0),
        )?)
    }

    /// How many cached messages of a folder have a UID below `below`.
    pub fn message_count_below(
        &self,
        account: &str,
        folder: &str,
        below: u32,
    ) -> Result<u32, StoreError> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM mail_messages WHERE account = ?1 AND folder = ?2 AND uid < ?3",
            params![account, folder, below],
            |r| r.get(0),
        )?)
    }

    /// Applies the flag changes a server reported (RFC 7162 CHANGEDSINCE) and, when `present`
    /// is given, removes cached messages below `below` that are not in it. Returns
    /// (updated, removed).
    pub fn apply_flag_changes(
        &self,
        account: &str,
        folder: &str,
        below: u32,
        changes: &[(u32, Vec<String>)],
        present: Option<&std::collections::HashSet<u32>>,
    ) -> Result<(usize, usize), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let mut updated = 0;
        for (uid, flags) in changes {
            updated += tx.execute(
                "UPDATE mail_messages SET flags = ?4 WHERE account = ?1 AND folder = ?2 AND uid = ?3 AND flags <> ?4",
                params![account, folder, uid, flags_json(flags)],
            )?;
        }
        let mut removed = 0;
        if let Some(present) = present {
            let cached: Vec<u32> = {
                let mut stmt = tx.prepare(
                    "SELECT uid FROM mail_messages WHERE account = ?1 AND folder = ?2 AND uid < ?3",
                )?;
                let rows = stmt.query_map(params![account, folder, below], |r| r.get(0))?;
                rows.collect::<Result<_, _>>()?
            };
            for uid in cached {
                if !present.contains(&uid) {
                    removed += tx.execute(
                        "DELETE FROM mail_messages WHERE account = ?1 AND folder = ?2 AND uid = ?3",
                        params![account, folder, uid],
                    )?;
                }
            }
        }
        tx.commit()?;
        Ok((updated, removed))
    }

    /// Updates flags of cached messages and removes those the server no longer has.
    /// Returns (updated, removed).
    pub fn reconcile_folder(
        &self,
        account: &str,
        folder: &str,
        below: u32,
        present: &[(u32, Vec<String>)],
    ) -> Result<(usize, usize), StoreError> {
        let uids: std::collections::HashSet<u32> = present.iter().map(|(u, _)| *u).collect();
        self.apply_flag_changes(account, folder, below, present, Some(&uids))
    }

    /// The flags of one cached message, `None` when it is not cached.
    pub fn message_flags(
        &self,
        account: &str,
        folder: &str,
        uid: u32,
    ) -> Result<Option<Vec<String>>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT flags FROM mail_messages WHERE account = ?1 AND folder = ?2 AND uid = ?3",
                params![account, folder, uid],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .map(|f| flags_parse(&f)))
    }

    /// Replaces the flags of one cached message; `false` when it is not cached.
    pub fn set_message_flags(
        &self,
        account: &str,
        folder: &str,
        uid: u32,
        flags: &[String],
    ) -> Result<bool, StoreError> {
        Ok(self.conn.execute(
            "UPDATE mail_messages SET flags = ?4 WHERE account = ?1 AND folder = ?2 AND uid = ?3",
            params![account, folder, uid, flags_json(flags)],
        )? > 0)
    }

    /// Remembers what opening a cached message found; false when it is not cached.
    pub fn set_message_checked(
        &self,
        account: &str,
        folder: &str,
        uid: u32,
        checked: &str,
    ) -> Result<bool, StoreError> {
        Ok(self.conn.execute(
            "UPDATE mail_messages SET checked = ?4 WHERE account = ?1 AND folder = ?2 AND uid = ?3",
            params![account, folder, uid, checked],
        )? > 0)
    }

    /// Drops one message from the cache (it was moved or deleted on the server).
    pub fn remove_message(
        &self,
        account: &str,
        folder: &str,
        uid: u32,
    ) -> Result<bool, StoreError> {
        Ok(self.conn.execute(
            "DELETE FROM mail_messages WHERE account = ?1 AND folder = ?2 AND uid = ?3",
            params![account, folder, uid],
        )? > 0)
    }

    pub fn messages(&self, account: &str, folder: &str) -> Result<Vec<MessageRow>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT uid, flags, internal_date, from_addr, subject, date, message_id, smime, complete, size, to_addr, checked FROM mail_messages WHERE account = ?1 AND folder = ?2 ORDER BY uid",
        )?;
        let rows = stmt.query_map(params![account, folder], |r| {
            Ok(MessageRow {
                uid: r.get(0)?,
                flags: flags_parse(&r.get::<_, String>(1)?),
                internal_date: r.get(2)?,
                from: r.get(3)?,
                subject: r.get(4)?,
                date: r.get(5)?,
                message_id: r.get(6)?,
                smime: r.get(7)?,
                complete: r.get(8)?,
                size: r.get(9)?,
                to: r.get(10)?,
                checked: r.get(11)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The cached bytes of a message and whether they are the whole message (`false`: only
    /// its header block is cached so far).
    pub fn message_raw(
        &self,
        account: &str,
        folder: &str,
        uid: u32,
    ) -> Result<Option<(Vec<u8>, bool)>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT raw, complete FROM mail_messages WHERE account = ?1 AND folder = ?2 AND uid = ?3",
                params![account, folder, uid],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sent_copy_is_its_own_or_the_message_as_sent() {
        let s = Store::open_in_memory().unwrap();
        let plain = s
            .outbox_add("a", "<x@y>", "hi", "a@x", &["b@x".into()], b"raw", None)
            .unwrap();
        let blind = s
            .outbox_add(
                "a",
                "<x@y>",
                "hi",
                "a@x",
                &["b@x".into()],
                b"raw",
                Some(b"with bcc"),
            )
            .unwrap();
        assert_eq!(s.outbox_sent_copy(plain).unwrap().unwrap(), b"raw");
        assert_eq!(s.outbox_sent_copy(blind).unwrap().unwrap(), b"with bcc");
        assert_eq!(s.outbox_raw(blind).unwrap().unwrap(), b"raw");
        assert_eq!(s.outbox_sent_copy(999).unwrap(), None);
    }

    #[test]
    fn updating_an_account_keeps_or_drops_its_cache() {
        let s = Store::open_in_memory().unwrap();
        let mut a = AccountRow {
            name: "work".into(),
            email: "a@x.test".into(),
            username: "a".into(),
            imap_host: "imap.x.test".into(),
            imap_port: 993,
            imap_tls: "implicit".into(),
            smtp_host: "smtp.x.test".into(),
            smtp_port: 465,
            smtp_tls: "implicit".into(),
            ca_pem: None,
        };
        assert!(s.add_account(&a).unwrap());
        let put = |uid: u32| {
            s.put_message(
                "work",
                "INBOX",
                &NewMessage {
                    uid,
                    flags: &[],
                    internal_date: None,
                    from: "x",
                    to: "",
                    subject: "s",
                    date: None,
                    message_id: None,
                    smime: "none",
                    raw: b"r",
                    complete: true,
                    size: 1,
                },
            )
            .unwrap()
        };
        put(1);
        s.outbox_add(
            "work",
            "<x@y>",
            "hi",
            "a@x.test",
            &["b@x".into()],
            b"raw",
            None,
        )
        .unwrap();
        a.smtp_port = 587;
        a.smtp_tls = "starttls".into();
        assert!(s.update_account(&a, false).unwrap());
        let got = s.account("work").unwrap().unwrap();
        assert_eq!((got.smtp_port, got.smtp_tls.as_str()), (587, "starttls"));
        assert_eq!(s.messages("work", "INBOX").unwrap().len(), 1);
        a.imap_host = "mail.y.test".into();
        assert!(s.update_account(&a, true).unwrap());
        assert_eq!(s.account("work").unwrap().unwrap().imap_host, "mail.y.test");
        assert!(s.messages("work", "INBOX").unwrap().is_empty());
        // Queued mail is not lost by a settings change.
        assert_eq!(s.outbox().unwrap().len(), 1);
        a.name = "nobody".into();
        assert!(!s.update_account(&a, true).unwrap());
    }

    #[test]
    fn outbox_claim_is_exclusive() {
        let s = Store::open_in_memory().unwrap();
        let id = s
            .outbox_add("a", "<x@y>", "hi", "a@x", &["b@x".into()], b"raw", None)
            .unwrap();
        assert!(s.outbox_claim(id, false).unwrap());
        // A second claim (another process, a retry) must not get it while it is being sent.
        assert!(!s.outbox_claim(id, false).unwrap());
        s.outbox_set_state(id, OutboxState::Failed, Some("x"))
            .unwrap();
        assert!(s.outbox_claim(id, false).unwrap());
        s.outbox_set_state(id, OutboxState::Sent, None).unwrap();
        assert!(!s.outbox_claim(id, true).unwrap());
        let e = s.outbox_entry(id).unwrap().unwrap();
        assert_eq!(e.attempts, 2);
        assert_eq!(e.state, OutboxState::Sent);
    }

    #[test]
    fn reconcile_updates_flags_and_drops_expunged() {
        let s = Store::open_in_memory().unwrap();
        for uid in [1u32, 2, 3] {
            s.put_message(
                "a",
                "INBOX",
                &NewMessage {
                    uid,
                    flags: &[],
                    internal_date: None,
                    from: "x",
                    to: "",
                    subject: "s",
                    date: None,
                    message_id: None,
                    smime: "none",
                    raw: b"r",
                    complete: true,
                    size: 1,
                },
            )
            .unwrap();
        }
        let (u, r) = s
            .reconcile_folder("a", "INBOX", 4, &[(1, vec!["\\Seen".into()]), (3, vec![])])
            .unwrap();
        assert_eq!((u, r), (1, 1));
        let uids: Vec<u32> = s
            .messages("a", "INBOX")
            .unwrap()
            .iter()
            .map(|m| m.uid)
            .collect();
        assert_eq!(uids, vec![1, 3]);
        // Flag changes alone (CONDSTORE) remove nothing; a presence set removes the rest.
        let (u, r) = s
            .apply_flag_changes("a", "INBOX", 4, &[(3, vec!["\\Flagged".into()])], None)
            .unwrap();
        assert_eq!((u, r), (1, 0));
        assert_eq!(s.message_count_below("a", "INBOX", 4).unwrap(), 2);
        let only3 = std::collections::HashSet::from([3u32]);
        let (u, r) = s
            .apply_flag_changes("a", "INBOX", 4, &[], Some(&only3))
            .unwrap();
        assert_eq!((u, r), (0, 1));
        assert_eq!(
            s.message_flags("a", "INBOX", 3).unwrap(),
            Some(vec!["\\Flagged".to_string()])
        );
    }

    #[test]
    fn folder_state_keeps_the_modseq() {
        let s = Store::open_in_memory().unwrap();
        assert_eq!(s.folder_modseq("a", "INBOX").unwrap(), None);
        s.set_folder_state("a", "INBOX", 7, 10, Some(42)).unwrap();
        assert_eq!(s.folder_state("a", "INBOX").unwrap(), Some((7, 10)));
        assert_eq!(s.folder_modseq("a", "INBOX").unwrap(), Some(42));
        // Beyond SQLite's integers: unknown, so the next sync takes the full-flags path.
        s.set_folder_state("a", "INBOX", 7, 11, Some(u64::MAX))
            .unwrap();
        assert_eq!(s.folder_modseq("a", "INBOX").unwrap(), None);
        s.set_folder_state("a", "INBOX", 7, 11, None).unwrap();
        assert_eq!(s.folder_modseq("a", "INBOX").unwrap(), None);
    }

    #[test]
    fn header_only_entries_get_their_body_later() {
        let s = Store::open_in_memory().unwrap();
        let msgs: Vec<NewMessage> = [(1u32, 10u32), (2, 70), (3, 20)]
            .iter()
            .map(|&(uid, size)| NewMessage {
                uid,
                flags: &[],
                internal_date: None,
                from: "x",
                to: "",
                subject: "s",
                date: None,
                message_id: None,
                smime: "none",
                raw: b"Subject: s\r\n\r\n",
                complete: false,
                size,
            })
            .collect();
        s.put_messages("a", "INBOX", &msgs).unwrap();
        assert_eq!(s.message_count("a", "INBOX").unwrap(), 3);
        assert_eq!(
            s.messages_without_body("a", "INBOX", 50).unwrap(),
            vec![1, 3]
        );
        assert_eq!(
            s.message_raw("a", "INBOX", 1).unwrap(),
            Some((b"Subject: s\r\n\r\n".to_vec(), false))
        );
        // Only existing entries are updated: 1 of these 2.
        let body: &[u8] = b"Subject: s\r\n\r\nbody";
        assert_eq!(
            s.set_message_bodies("a", "INBOX", &[(1, body), (9, b"x")])
                .unwrap(),
            1
        );
        assert_eq!(s.messages_without_body("a", "INBOX", 50).unwrap(), vec![3]);
        assert_eq!(
            s.message_raw("a", "INBOX", 1).unwrap(),
            Some((b"Subject: s\r\n\r\nbody".to_vec(), true))
        );
        let rows = s.messages("a", "INBOX").unwrap();
        assert!(rows[0].complete && !rows[1].complete && rows[1].size == 70);
        let body: &[u8] = b"the whole message";
        assert_eq!(
            s.set_message_bodies("a", "INBOX", &[(2, body), (99, body)])
                .unwrap(),
            1
        );
        assert_eq!(
            s.message_raw("a", "INBOX", 2).unwrap(),
            Some((body.to_vec(), true))
        );
    }

    #[test]
    fn old_mail_cache_gains_the_new_columns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let c = rusqlite::Connection::open(&path).unwrap();
            c.execute_batch(
                "CREATE TABLE mail_messages (account TEXT NOT NULL, folder TEXT NOT NULL, uid INTEGER NOT NULL, flags TEXT NOT NULL, internal_date TEXT, from_addr TEXT NOT NULL, subject TEXT NOT NULL, date TEXT, message_id TEXT, smime TEXT NOT NULL, raw BLOB NOT NULL, PRIMARY KEY (account, folder, uid));
                 INSERT INTO mail_messages VALUES ('a', 'INBOX', 7, '[]', NULL, 'x', 's', NULL, NULL, 'none', X'41');
                 CREATE TABLE mail_folders (account TEXT NOT NULL, folder TEXT NOT NULL, uidvalidity INTEGER NOT NULL, uidnext INTEGER NOT NULL, synced INTEGER NOT NULL, PRIMARY KEY (account, folder));
                 INSERT INTO mail_folders VALUES ('a', 'INBOX', 5, 8, 0);",
            )
            .unwrap();
        }
        let s = Store::open(&path).unwrap();
        assert_eq!(
            s.message_raw("a", "INBOX", 7).unwrap(),
            Some((b"A".to_vec(), true))
        );
        assert!(
            s.messages_without_body("a", "INBOX", 50)
                .unwrap()
                .is_empty()
        );
        assert_eq!(s.folder_state("a", "INBOX").unwrap(), Some((5, 8)));
        assert_eq!(s.folder_modseq("a", "INBOX").unwrap(), None);
        // Recipients were not kept then: empty (the list shows the sender instead).
        let old = s.messages("a", "INBOX").unwrap();
        assert_eq!((old[0].from.as_str(), old[0].to.as_str()), ("x", ""));
        // New entries keep them.
        s.put_message(
            "a",
            "INBOX",
            &NewMessage {
                uid: 8,
                flags: &[],
                internal_date: None,
                from: "x",
                to: "Bob <bob@x.test>",
                subject: "s",
                date: None,
                message_id: None,
                smime: "none",
                raw: b"r",
                complete: true,
                size: 1,
            },
        )
        .unwrap();
        assert_eq!(s.messages("a", "INBOX").unwrap()[1].to, "Bob <bob@x.test>");
    }
}
