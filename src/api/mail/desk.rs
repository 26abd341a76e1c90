//! The desktop app's mail use cases (`docs/ipc.md`, mail section) over a [`Home`] of their own.
//!
//! Syncing, sending and the connection test talk to servers for seconds; they run on this
//! desk's own SQLite connection and lock, so the app's [`crate::api::Session`] (certificates,
//! opening messages, composing) stays responsive meanwhile. Opening a cached message needs no
//! network and goes through the session (`Session::read_mail`), which keeps the plaintext for
//! saving attachments.
//!
//! The file-keystore passphrase is lent per call by the session that holds it (`None` with the
//! OS keystore or while the key file is locked).

use std::path::Path;

use zeroize::Zeroizing;

use super::IdleTarget;
use crate::api::files::draft_files;
use crate::api::json::*;
use crate::api::{ApiError, ErrorCode, Home};
use crate::smime::{self, mime::Entity, mime::HeaderField};

/// At most this many message IDs are kept in a References header (RFC 5322 §3.6.4).
const MAX_REFERENCES: usize = 20;

pub struct MailDesk {
    home: Home,
}

/// The passphrase lent by the session, as the core asks for it.
fn source(
    unlocked: Option<&Zeroizing<String>>,
) -> impl Fn() -> Result<Zeroizing<String>, ApiError> + '_ {
    move || {
        unlocked.cloned().ok_or_else(|| {
            ApiError::new(
                ErrorCode::KeystoreLocked,
                "the key file is locked: enter its passphrase to unlock it",
            )
        })
    }
}

/// A message ID as `<local@domain>` (the brackets added when missing), or `None` for anything
/// else (header injection).
fn message_id(id: &str) -> Option<String> {
    let id = id.trim();
    let inner = match id.strip_prefix('<') {
        Some(rest) => rest.strip_suffix('>')?,
        None => id,
    };
    let ok = !inner.is_empty()
        && inner.len() <= 250
        && inner.contains('@')
        && inner
            .chars()
            .all(|c| c.is_ascii_graphic() && !"<>\\\"".contains(c));
    ok.then(|| format!("<{inner}>"))
}

/// Adds In-Reply-To and References to a built message.
fn thread(msg: Vec<u8>, reply: &ReplyContext) -> Result<Vec<u8>, ApiError> {
    let Some(parent) = reply.in_reply_to.as_deref().and_then(message_id) else {
        return Ok(msg);
    };
    let mut refs: Vec<String> = reply
        .references
        .iter()
        .filter_map(|r| message_id(r))
        .collect();
    refs.push(parent.clone());
    if refs.len() > MAX_REFERENCES {
        // Keep the first (thread root) and the most recent ones.
        let tail = refs.split_off(refs.len() - (MAX_REFERENCES - 1));
        refs.truncate(1);
        refs.extend(tail);
    }
    let canon = smime::canonicalize(&msg);
    let mut entity = Entity::parse(&canon)
        .map_err(|e| ApiError::new(ErrorCode::Storage, format!("cannot build the message: {e}")))?;
    entity
        .headers
        .push(HeaderField::new("In-Reply-To", &parent));
    entity
        .headers
        .push(HeaderField::new("References", &refs.join(" ")));
    Ok(entity.to_bytes())
}

impl MailDesk {
    fn account(&self, account: &str) -> Result<AccountDto, ApiError> {
        self.home
            .accounts()?
            .into_iter()
            .find(|a| a.name == account)
            .ok_or_else(|| {
                ApiError::new(ErrorCode::NotFound, format!("no account named {account:?}"))
            })
    }

    /// Opens the home at `dir` a second time (its own SQLite connection; WAL lets both work).
    pub fn open(dir: &Path) -> Result<MailDesk, ApiError> {
        Ok(MailDesk {
            home: Home::open(dir)?,
        })
    }

    pub fn home(&self) -> &Home {
        &self.home
    }

    pub fn accounts(&self) -> Result<Vec<AccountDto>, ApiError> {
        self.home.accounts()
    }

    /// What a watcher needs to wait for new mail of `account` without holding the desk.
    pub fn idle_target(
        &self,
        account: &str,
        unlocked: Option<&Zeroizing<String>>,
    ) -> Result<IdleTarget, ApiError> {
        self.home.idle_target(account, &source(unlocked))
    }

    pub fn add_account(
        &self,
        new: &NewAccount,
        password: &str,
        unlocked: Option<&Zeroizing<String>>,
    ) -> Result<AccountDto, ApiError> {
        self.home.add_account(new, password, &source(unlocked))
    }

    /// Changes an account; an empty `password` keeps the stored one.
    pub fn update_account(
        &self,
        change: &AccountChange,
        password: &str,
        unlocked: Option<&Zeroizing<String>>,
    ) -> Result<AccountDto, ApiError> {
        self.home
            .update_account(change, Some(password), &source(unlocked))
    }

    /// Tests changed settings; an empty `password` tests with the stored one.
    pub fn test_change(
        &self,
        change: &AccountChange,
        password: &str,
        unlocked: Option<&Zeroizing<String>>,
    ) -> Result<ConnectionCheck, ApiError> {
        self.home
            .test_change(change, Some(password), &source(unlocked))
    }

    pub fn remove_account(
        &self,
        name: &str,
        unlocked: Option<&Zeroizing<String>>,
    ) -> Result<AccountDto, ApiError> {
        self.home.remove_account(name, &source(unlocked))
    }

    pub fn test_settings(
        &self,
        new: &NewAccount,
        password: &str,
    ) -> Result<ConnectionCheck, ApiError> {
        self.home.test_settings(new, password)
    }

    pub fn test_account(
        &self,
        name: &str,
        unlocked: Option<&Zeroizing<String>>,
    ) -> Result<ConnectionCheck, ApiError> {
        self.home.test_account(name, &source(unlocked))
    }

    pub fn folders(
        &self,
        account: &str,
        unlocked: Option<&Zeroizing<String>>,
    ) -> Result<Vec<FolderDto>, ApiError> {
        self.home.folders(account, &source(unlocked))
    }

    pub fn sync(
        &self,
        account: &str,
        folder: &str,
        unlocked: Option<&Zeroizing<String>>,
        progress: ProgressSink,
    ) -> Result<SyncResult, ApiError> {
        progress(Progress {
            operation: "sync".into(),
            done: 0,
            total: 1,
            detail: format!("{folder} of {account}"),
        });
        let r = self.home.sync(account, folder, &source(unlocked))?;
        progress(Progress {
            operation: "sync".into(),
            done: 1,
            total: 1,
            detail: format!("{} new", r.new),
        });
        Ok(r)
    }

    /// The cached messages of a folder, newest first; no network.
    pub fn list_messages(
        &self,
        account: &str,
        folder: &str,
    ) -> Result<Vec<MessageSummary>, ApiError> {
        let mut list = self.home.list_messages(account, folder)?;
        list.reverse();
        Ok(list)
    }

    /// Searches the folder on the server; the matching cached messages, newest first.
    pub fn search_messages(
        &self,
        account: &str,
        folder: &str,
        text: &str,
        unlocked: Option<&Zeroizing<String>>,
    ) -> Result<Vec<MessageSummary>, ApiError> {
        let mut list = self
            .home
            .search_messages(account, folder, text, &source(unlocked))?;
        list.reverse();
        Ok(list)
    }

    pub fn set_flag(
        &self,
        account: &str,
        folder: &str,
        uid: u32,
        flag: MessageFlag,
        on: bool,
        unlocked: Option<&Zeroizing<String>>,
    ) -> Result<Vec<String>, ApiError> {
        self.home
            .set_flag(account, folder, uid, flag, on, &source(unlocked))
    }

    pub fn move_message(
        &self,
        account: &str,
        folder: &str,
        uid: u32,
        dest: &str,
        unlocked: Option<&Zeroizing<String>>,
    ) -> Result<(), ApiError> {
        self.home
            .move_message(account, folder, uid, dest, &source(unlocked))
    }

    pub fn delete_message(
        &self,
        account: &str,
        folder: &str,
        uid: u32,
        unlocked: Option<&Zeroizing<String>>,
    ) -> Result<Option<String>, ApiError> {
        self.home
            .delete_message(account, folder, uid, &source(unlocked))
    }

    /// Builds the draft (From is the account's address), signs and/or encrypts it with the
    /// rules of `sealpost send`, queues it in the outbox, sends it and appends it to Sent.
    /// When SMTP fails the result says `delivered: false` and the message waits in the outbox.
    /// `extras`: recipients the user explicitly chose to get a separate unencrypted copy (see
    /// [`Home::send_message`]) and the attachments carried over from an opened draft.
    pub fn send(
        &self,
        account: &str,
        draft: &Draft,
        reply: &ReplyContext,
        extras: SendExtras,
        unlocked: Option<&Zeroizing<String>>,
        progress: ProgressSink,
    ) -> Result<SendResult, ApiError> {
        let steps = 3;
        let step = |done: u32, detail: &str| {
            progress(Progress {
                operation: "send".into(),
                done,
                total: steps,
                detail: detail.into(),
            })
        };
        let a = self
            .home
            .accounts()?
            .into_iter()
            .find(|a| a.name == account)
            .ok_or_else(|| {
                ApiError::new(ErrorCode::NotFound, format!("no account named {account:?}"))
            })?;
        if !draft.from.trim().eq_ignore_ascii_case(&a.email) {
            return Err(ApiError::new(
                ErrorCode::BadInput,
                format!(
                    "the account {account:?} sends as {}, not as {}",
                    a.email,
                    draft.from.trim()
                ),
            ));
        }
        step(0, "reading attachments");
        let files = draft_files(draft, extras.carried)?;
        let msg = crate::message::build(draft, &files, self.home.now())?;
        let msg = thread(msg, reply)?;
        step(
            1,
            match (draft.sign, draft.encrypt) {
                (true, true) => "signing, encrypting and sending",
                (false, true) => "encrypting and sending",
                (true, false) => "signing and sending",
                (false, false) => "sending",
            },
        );
        let r = self.home.send_message(
            account,
            &msg,
            draft.sign,
            draft.encrypt,
            &extras.unencrypted_to,
            &source(unlocked),
        )?;
        step(
            steps,
            if r.delivered {
                "sent"
            } else {
                "waiting in the outbox"
            },
        );
        Ok(r)
    }

    /// Saves the compose form as a draft in the account's Drafts folder (encrypted to the sender
    /// when `draft.encrypt`), replacing the version with UID `replace`.
    pub fn save_draft(
        &self,
        account: &str,
        draft: &Draft,
        reply: &ReplyContext,
        carried: Vec<(String, Vec<u8>)>,
        replace: Option<u32>,
        unlocked: Option<&Zeroizing<String>>,
    ) -> Result<DraftSaved, ApiError> {
        let a = self.account(account)?;
        if !draft.from.trim().eq_ignore_ascii_case(&a.email) {
            return Err(ApiError::new(
                ErrorCode::BadInput,
                format!("a draft of the account {account:?} is from {}", a.email),
            ));
        }
        let files = draft_files(draft, carried)?;
        let msg = crate::message::build_draft(draft, &files, self.home.now())?;
        let msg = thread(msg, reply)?;
        self.home
            .save_draft(account, &msg, draft.encrypt, replace, &source(unlocked))
    }

    /// Removes a draft for good (after sending it, or when the user discards it).
    pub fn discard_draft(
        &self,
        account: &str,
        folder: &str,
        uid: u32,
        unlocked: Option<&Zeroizing<String>>,
    ) -> Result<(), ApiError> {
        self.home
            .discard_draft(account, folder, uid, &source(unlocked))
    }

    /// Sends each address a signed request for their certificate.
    pub fn request_certificates(
        &self,
        account: &str,
        emails: &[String],
        unlocked: Option<&Zeroizing<String>>,
    ) -> Result<Vec<SendResult>, ApiError> {
        self.home
            .request_certificates(account, emails, &source(unlocked))
    }

    pub fn outbox(&self) -> Result<Vec<OutboxEntry>, ApiError> {
        self.home.outbox()
    }

    pub fn retry_outbox_entry(
        &self,
        id: i64,
        unlocked: Option<&Zeroizing<String>>,
    ) -> Result<RetryOutcome, ApiError> {
        self.home.retry_outbox_entry(id, false, &source(unlocked))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_checked() {
        assert_eq!(message_id(" <a@b> ").as_deref(), Some("<a@b>"));
        assert_eq!(message_id("a@b").as_deref(), Some("<a@b>"));
        assert_eq!(message_id("<a@b"), None);
        assert_eq!(message_id("<a@b>\r\nBcc: x@y"), None);
        assert_eq!(message_id("<a b@c>"), None);
        assert_eq!(message_id("<nodomain>"), None);
    }

    #[test]
    fn replies_carry_threading_headers() {
        let msg = b"From: a@x.test\r\nTo: b@x.test\r\nSubject: Re: hi\r\n\r\nbody\r\n".to_vec();
        let reply = ReplyContext {
            in_reply_to: Some("<p@x.test>".into()),
            references: vec!["<root@x.test>".into(), "bad".into()],
        };
        let out = String::from_utf8(thread(msg.clone(), &reply).unwrap()).unwrap();
        assert!(out.contains("In-Reply-To: <p@x.test>\r\n"));
        assert!(out.contains("References: <root@x.test> <p@x.test>\r\n"));
        assert!(out.ends_with("\r\n\r\nbody\r\n"));
        // No parent: the message is unchanged.
        assert_eq!(thread(msg.clone(), &ReplyContext::default()).unwrap(), msg);
    }

    #[test]
    fn long_reference_chains_keep_the_root_and_the_latest() {
        let refs: Vec<String> = (0..40).map(|i| format!("<{i}@x.test>")).collect();
        let reply = ReplyContext {
            in_reply_to: Some("<p@x.test>".into()),
            references: refs,
        };
        let out = String::from_utf8(thread(b"Subject: s\r\n\r\nb\r\n".to_vec(), &reply).unwrap())
            .unwrap();
        let line = out
            .lines()
            .find(|l| l.starts_with("References:"))
            .unwrap()
            .to_string();
        let ids: Vec<&str> = line["References:".len()..].split_whitespace().collect();
        assert_eq!(ids.len(), MAX_REFERENCES);
        assert_eq!(ids[0], "<0@x.test>");
        assert_eq!(ids[ids.len() - 1], "<p@x.test>");
        assert_eq!(ids[ids.len() - 2], "<39@x.test>");
    }
}
