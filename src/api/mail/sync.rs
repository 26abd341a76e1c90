//! Syncing folders (CONDSTORE where offered), the cached message list, search on the server,
//! reading a cached message, and what the watcher waits on (IDLE).

use super::*;
use crate::mail::imap::{Fetched, MailboxState};

/// What the cache holds of a folder before a sync.
struct CacheState {
    /// (UIDVALIDITY, UIDNEXT) of the last sync.
    stored: Option<(u32, u32)>,
    /// HIGHESTMODSEQ of the last sync (RFC 7162).
    stored_modseq: Option<u64>,
    /// How many messages below UIDNEXT are cached.
    cached_below: u32,
}

/// What the server says changed since the last sync.
struct Listing {
    mb: MailboxState,
    /// UIDVALIDITY changed: the cache is rebuilt.
    changed: bool,
    /// The first UID that is new.
    start: u32,
    known: Known,
    /// Headers of the new messages.
    headers: Vec<Fetched>,
}

/// Examines `folder` and fetches what changed since `before`: new messages' headers, flags of
/// the cached ones (only those changed since the last HIGHESTMODSEQ with CONDSTORE), and
/// which cached ones are left when some were expunged.
async fn list_changes(
    imap: &mut Imap,
    folder: &str,
    before: &CacheState,
) -> Result<Listing, MailError> {
    let condstore = imap.enable_condstore().await?;
    let mb = imap.examine(folder).await?;
    let changed = before.stored.is_some_and(|(v, _)| v != mb.uid_validity);
    let start = match before.stored {
        Some((v, next)) if v == mb.uid_validity => next.max(1),
        _ => 1,
    };
    let mut l = Listing {
        mb,
        changed,
        start,
        known: Known::Full(Vec::new()),
        headers: Vec::new(),
    };
    if l.mb.exists == 0 {
        return Ok(l);
    }
    // RFC 7162 §3.1.4: with the HIGHESTMODSEQ of the last sync, only the flags changed since
    // then are fetched (none when it did not move).
    let since = match (condstore, before.stored_modseq, l.mb.highest_modseq) {
        (true, Some(old), Some(now)) if start > 1 && !changed => Some((old, now)),
        _ => None,
    };
    if let Some((old, now)) = since {
        let changes = if now == old {
            Vec::new()
        } else {
            imap.flags_changed_since(start, old).await?
        };
        l.known = Known::Changes(changes, None);
    } else if start > 1 {
        let mut all = imap.flags_from(1).await?;
        all.retain(|(uid, _)| *uid < start);
        l.known = Known::Full(all);
    }
    l.headers = imap.headers_from(start).await?;
    l.headers.retain(|f| f.uid >= start);
    // Expunged messages: the folder holds `exists` messages, the new ones among them; when the
    // rest matches the cache in number, nothing was removed (UIDs only grow), else one UID
    // SEARCH says which are left.
    if let Known::Changes(_, present) = &mut l.known {
        let old_present = l.mb.exists.saturating_sub(l.headers.len() as u32);
        if old_present != before.cached_below {
            *present = Some(imap.uids_below(start).await?);
        }
    }
    Ok(l)
}

impl Home {
    /// Brings the local cache of `folder` up to date: new messages by UID from the last
    /// UIDNEXT, flags of known ones (only those changed since the last HIGHESTMODSEQ where the
    /// server offers CONDSTORE, RFC 7162), expunged ones removed; everything again when UIDVALIDITY
    /// changed. Headers first (one round trip for all new messages), then every missing body
    /// up to the size limit. Raw messages are stored as received.
    pub fn sync(
        &self,
        account: &str,
        folder: &str,
        passphrase: PassphraseSource,
    ) -> Result<SyncResult, ApiError> {
        self.sync_folder(account, folder, passphrase, true)
    }

    /// [`Home::sync`] without downloading bodies: the message list is complete and current,
    /// and a later [`Home::sync`] fetches the bodies still missing.
    pub fn sync_headers(
        &self,
        account: &str,
        folder: &str,
        passphrase: PassphraseSource,
    ) -> Result<SyncResult, ApiError> {
        self.sync_folder(account, folder, passphrase, false)
    }

    pub(crate) fn sync_folder(
        &self,
        account: &str,
        folder: &str,
        passphrase: PassphraseSource,
        bodies: bool,
    ) -> Result<SyncResult, ApiError> {
        let a = self.account_row(account)?;
        let login = self.account_login(&a, passphrase)?;
        let ep = endpoint(&a, true);
        let before = self.cache_state(&a.name, folder)?;
        let rt = runtime()?;
        let (mut imap, l) = rt
            .block_on(async {
                let mut imap = Imap::login(&ep, &login).await?;
                let listing = list_changes(&mut imap, folder, &before).await?;
                Ok::<_, MailError>((imap, listing))
            })
            .map_err(mail_error)?;
        if l.changed || before.stored.is_none() {
            self.store.clear_folder(&a.name, folder)?;
        }
        let flags_fetched = match &l.known {
            Known::Full(all) => all.len(),
            Known::Changes(changes, _) => changes.len(),
        } as u32;
        let (updated, removed) = self.apply_known(&a.name, folder, &l)?;
        let (new, skipped_large, max_uid) = self.cache_headers(&a.name, folder, &l)?;
        let next =
            l.mb.uid_next
                .unwrap_or(max_uid.saturating_add(1))
                .max(max_uid.saturating_add(1))
                .max(l.start);
        // The list is complete now; bodies missing after an interrupted download are fetched
        // by the next sync, since they stay marked as header-only.
        let (validity, modseq, changed) = (l.mb.uid_validity, l.mb.highest_modseq, l.changed);
        drop(l); // the headers, before the bodies come
        self.store
            .set_folder_state(&a.name, folder, validity, next, modseq)?;
        let downloaded = match bodies {
            true => self.download_bodies(&rt, &mut imap, &a.name, folder)?,
            false => 0,
        };
        rt.block_on(imap.logout());
        Ok(SyncResult {
            account: a.name.clone(),
            folder: folder.to_string(),
            uidvalidity: validity,
            uidvalidity_changed: changed,
            new,
            flags_updated: updated as u32,
            removed: removed as u32,
            flags_fetched,
            skipped_large,
            downloaded,
            total: self.store.message_count(&a.name, folder)?,
        })
    }

    /// What the cache holds of a folder before a sync.
    fn cache_state(&self, account: &str, folder: &str) -> Result<CacheState, ApiError> {
        let stored = self.store.folder_state(account, folder)?;
        let stored_modseq = self.store.folder_modseq(account, folder)?;
        let cached_below = match stored {
            Some((_, next)) => self.store.message_count_below(account, folder, next)?,
            None => 0,
        };
        Ok(CacheState {
            stored,
            stored_modseq,
            cached_below,
        })
    }

    /// Flags and expunges of the messages cached before: (updated, removed).
    fn apply_known(
        &self,
        account: &str,
        folder: &str,
        l: &Listing,
    ) -> Result<(usize, usize), ApiError> {
        if l.changed {
            return Ok((0, 0));
        }
        Ok(match &l.known {
            Known::Full(all) => self.store.reconcile_folder(account, folder, l.start, all)?,
            Known::Changes(changes, present) => self.store.apply_flag_changes(
                account,
                folder,
                l.start,
                changes,
                present.as_ref(),
            )?,
        })
    }

    /// Caches the new messages' headers: (new, too large to download, highest UID seen).
    fn cache_headers(
        &self,
        account: &str,
        folder: &str,
        l: &Listing,
    ) -> Result<(u32, u32, u32), ApiError> {
        let fields: Vec<_> = l.headers.iter().map(|f| summary_fields(&f.raw)).collect();
        let new_rows: Vec<NewMessage> = l
            .headers
            .iter()
            .zip(&fields)
            .map(|(f, s)| NewMessage {
                uid: f.uid,
                flags: &f.flags,
                internal_date: f.internal_date.as_deref(),
                from: &s.from,
                to: &s.to,
                subject: &s.subject,
                date: s.date.as_deref(),
                message_id: s.message_id.as_deref(),
                smime: smime_kind(&f.raw).as_str(),
                raw: &f.raw,
                complete: false,
                size: f.size.unwrap_or(0),
            })
            .collect();
        self.store.put_messages(account, folder, &new_rows)?;
        let skipped_large = new_rows.iter().filter(|m| m.size > MAX_MESSAGE).count() as u32;
        let max_uid = l.headers.iter().map(|f| f.uid).max().unwrap_or(0);
        let max_uid = max_uid.max(l.start.saturating_sub(1));
        Ok((new_rows.len() as u32, skipped_large, max_uid))
    }

    /// Downloads every body still missing (up to the size limit), a chunk at a time.
    fn download_bodies(
        &self,
        rt: &tokio::runtime::Runtime,
        imap: &mut Imap,
        account: &str,
        folder: &str,
    ) -> Result<u32, ApiError> {
        let missing = self
            .store
            .messages_without_body(account, folder, MAX_MESSAGE)?;
        let mut downloaded = 0u32;
        for chunk in missing.chunks(BODY_CHUNK) {
            let got = rt.block_on(imap.messages(chunk)).map_err(mail_error)?;
            let bodies: Vec<(u32, &[u8])> = got
                .iter()
                .filter(|f| chunk.contains(&f.uid) && !f.raw.is_empty())
                .map(|f| (f.uid, f.raw.as_slice()))
                .collect();
            downloaded += self.store.set_message_bodies(account, folder, &bodies)? as u32;
        }
        Ok(downloaded)
    }

    /// The IMAP server and login of `account`, for a watcher that waits for new mail without
    /// holding this home ([`IdleTarget::wait_for_change`]).
    pub fn idle_target(
        &self,
        account: &str,
        passphrase: PassphraseSource,
    ) -> Result<IdleTarget, ApiError> {
        let a = self.account_row(account)?;
        let login = self.account_login(&a, passphrase)?;
        Ok(IdleTarget {
            ep: endpoint(&a, true),
            login,
        })
    }

    /// Searches `folder` on the server (headers and bodies; encrypted bodies are ciphertext
    /// to the server, so those are found by their headers) and returns the matching messages
    /// of the local cache, in UID order. Matches not in the cache yet are left out: sync
    /// first.
    pub fn search_messages(
        &self,
        account: &str,
        folder: &str,
        text: &str,
        passphrase: PassphraseSource,
    ) -> Result<Vec<MessageSummary>, ApiError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(bad("search for some text"));
        }
        if text.len() > 200 || text.chars().any(char::is_control) {
            return Err(bad(
                "search text must be one line of at most 200 characters",
            ));
        }
        let a = self.account_row(account)?;
        let login = self.account_login(&a, passphrase)?;
        let ep = endpoint(&a, true);
        let uids = block_on(async {
            let mut imap = Imap::login(&ep, &login).await?;
            imap.examine(folder).await?;
            let uids = imap.search(text).await?;
            imap.logout().await;
            Ok::<_, MailError>(uids)
        })?
        .map_err(mail_error)?;
        let wanted: std::collections::HashSet<u32> = uids.into_iter().collect();
        Ok(self
            .store
            .messages(&a.name, folder)?
            .into_iter()
            .filter(|m| wanted.contains(&m.uid))
            .map(summary_dto)
            .collect())
    }

    /// The cached messages of a folder (run [`Home::sync`] first); no network.
    pub fn list_messages(
        &self,
        account: &str,
        folder: &str,
    ) -> Result<Vec<MessageSummary>, ApiError> {
        let a = self.account_row(account)?;
        Ok(self
            .store
            .messages(&a.name, folder)?
            .into_iter()
            .map(summary_dto)
            .collect())
    }

    /// The cached bytes of a whole message; a clear error when it is not cached, or only its
    /// header block is (too large to download, or not downloaded yet). No network.
    pub(crate) fn cached_message(
        &self,
        account: &str,
        folder: &str,
        uid: u32,
    ) -> Result<Vec<u8>, ApiError> {
        let (raw, complete) = self
            .store
            .message_raw(account, folder, uid)?
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NotFound,
                    format!(
                        "no message with UID {uid} in {folder} of {account}; sync the folder first"
                    ),
                )
            })?;
        if complete {
            return Ok(raw);
        }
        let size = self
            .store
            .messages(account, folder)?
            .into_iter()
            .find(|m| m.uid == uid)
            .map(|m| m.size)
            .unwrap_or(0);
        let why = if size > MAX_MESSAGE {
            format!(
                "message {uid} is {} MiB, larger than the {} MiB this app downloads",
                size / (1024 * 1024),
                MAX_MESSAGE / (1024 * 1024)
            )
        } else {
            format!(
                "only the header of message {uid} has been downloaded so far; sync {folder} to download its body"
            )
        };
        Err(ApiError::new(ErrorCode::NotFound, why))
    }

    /// Keeps what opening a cached message found, for the list ([`MessageSummary::checked`]).
    pub(crate) fn remember_check(
        &self,
        account: &str,
        folder: &str,
        uid: u32,
        report: Option<&Report>,
    ) -> Result<(), ApiError> {
        let verdict = CheckedVerdict::of(report);
        let json = serde_json::to_string(&verdict)
            .map_err(|e| ApiError::new(ErrorCode::Storage, format!("the verdict: {e}")))?;
        self.store
            .set_message_checked(account, folder, uid, &json)?;
        Ok(())
    }

    /// Opens a cached message: decrypted and verified like `decrypt` (certificates harvested
    /// from valid signatures). No network.
    pub fn read_message(
        &self,
        account: &str,
        folder: &str,
        uid: u32,
        passphrase: PassphraseSource,
    ) -> Result<ReadMessage, ApiError> {
        let a = self.account_row(account)?;
        let raw = self.cached_message(&a.name, folder, uid)?;
        let kind = smime_kind(&raw);
        if kind == SmimeKind::None {
            self.remember_check(&a.name, folder, uid, None)?;
            return Ok(ReadMessage {
                report: None,
                smime: kind,
                message: raw,
            });
        }
        let (report, message) = self.open_message(raw, passphrase)?;
        self.remember_check(&a.name, folder, uid, Some(&report))?;
        Ok(ReadMessage {
            report: Some(report),
            smime: kind,
            message,
        })
    }
}
