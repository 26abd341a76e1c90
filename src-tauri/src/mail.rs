//! The mail commands of `docs/ipc.md`, each a line into `sealpost::api::MailDesk`.
//! Network calls hold only the desk's lock: the session is locked just long enough to borrow
//! the unlocked key-file passphrase, so the rest of the app stays responsive during a sync.

use std::path::Path;
use std::sync::{Arc, Mutex};

use sealpost::api::ApiError;
use sealpost::api::DraftView;
use sealpost::api::mail::watch::{self, WatchHost};
use sealpost::api::{
    AccountChange, AccountDto, ConnectionCheck, DraftSaved, FolderDto, MailChanged, MessageFlag,
    MessageSummary, NewAccount, OutboxEntry, RetryOutcome, SendResult, SyncResult,
};
use sealpost::api::{Draft, MessageView};
use sealpost::api::{IdleTarget, MailDesk, ReplyContext, SendExtras};
use tauri::{AppHandle, Emitter, State};
use zeroize::Zeroizing;

use crate::blocking::{lock, run_blocking};
use crate::files::Granted;
use crate::{Shared, progress_to, with_session};

pub type Desk = Arc<Mutex<MailDesk>>;

/// Runs `f` with the desk and the borrowed passphrase on a blocking worker thread.
async fn with_desk<T, F>(
    session: State<'_, Shared>,
    desk: State<'_, Desk>,
    f: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&MailDesk, Option<&Zeroizing<String>>) -> Result<T, ApiError> + Send + 'static,
{
    let session = Arc::clone(&session);
    let desk = Arc::clone(&desk);
    run_blocking(move || {
        let unlocked = lock(&session).unlocked_passphrase();
        f(&lock(&desk), unlocked.as_ref())
    })
    .await
}

/// Attachments of the draft being edited that go with a save or send: the token of the opened
/// draft and the indices kept in the form.
#[derive(Debug, serde::Deserialize)]
pub struct Carried {
    token: u32,
    indices: Vec<u32>,
}

/// As [`with_desk`], also handing over the carried attachments of the opened draft.
async fn with_desk_carrying<T, F>(
    session: State<'_, Shared>,
    desk: State<'_, Desk>,
    carried: Option<Carried>,
    f: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&MailDesk, Option<&Zeroizing<String>>, Vec<(String, Vec<u8>)>) -> Result<T, ApiError>
        + Send
        + 'static,
{
    let session = Arc::clone(&session);
    let desk = Arc::clone(&desk);
    run_blocking(move || {
        let (unlocked, files) = {
            let s = lock(&session);
            let files = match &carried {
                Some(c) => s.carried(c.token, &c.indices)?,
                None => Vec::new(),
            };
            (s.unlocked_passphrase(), files)
        };
        f(&lock(&desk), unlocked.as_ref(), files)
    })
    .await
}

/// Opens a cached draft for editing (decrypted in memory; no network).
#[tauri::command]
pub async fn mail_open_draft(
    state: State<'_, Shared>,
    account: String,
    folder: String,
    uid: u32,
) -> Result<DraftView, ApiError> {
    with_session(state, move |s| s.open_draft(&account, &folder, uid)).await
}

/// Saves the compose form in the Drafts folder (encrypted to the sender when Encrypt is on),
/// replacing the version `replace_uid`.
// A Tauri command takes its arguments one by one from the UI's call.
#[allow(clippy::too_many_arguments)]
#[tauri::command]
pub async fn mail_save_draft(
    session: State<'_, Shared>,
    desk: State<'_, Desk>,
    account: String,
    draft: Draft,
    reply: ReplyContext,
    carried: Option<Carried>,
    replace_uid: Option<u32>,
    granted: State<'_, Granted>,
) -> Result<DraftSaved, ApiError> {
    granted.check_all(draft.attachments.iter().map(Path::new))?;
    with_desk_carrying(session, desk, carried, move |d, p, files| {
        d.save_draft(&account, &draft, &reply, files, replace_uid, p)
    })
    .await
}

/// Removes a draft from the Drafts folder for good, and forgets it if it was being edited.
#[tauri::command]
pub async fn mail_discard_draft(
    session: State<'_, Shared>,
    desk: State<'_, Desk>,
    account: String,
    folder: String,
    uid: u32,
    token: Option<u32>,
) -> Result<(), ApiError> {
    if let Some(t) = token {
        lock(&session).close_draft(t);
    }
    with_desk(session, desk, move |d, p| {
        d.discard_draft(&account, &folder, uid, p)
    })
    .await
}

#[tauri::command]
pub async fn mail_accounts(
    session: State<'_, Shared>,
    desk: State<'_, Desk>,
) -> Result<Vec<AccountDto>, ApiError> {
    with_desk(session, desk, |d, _| d.accounts()).await
}

#[tauri::command]
pub async fn mail_add_account(
    session: State<'_, Shared>,
    desk: State<'_, Desk>,
    account: NewAccount,
    password: String,
    granted: State<'_, Granted>,
) -> Result<AccountDto, ApiError> {
    granted.check_all(account.ca_file.iter().map(Path::new))?;
    let password = Zeroizing::new(password);
    with_desk(session, desk, move |d, p| {
        d.add_account(&account, &password, p)
    })
    .await
}

#[tauri::command]
pub async fn mail_remove_account(
    session: State<'_, Shared>,
    desk: State<'_, Desk>,
    name: String,
) -> Result<AccountDto, ApiError> {
    with_desk(session, desk, move |d, p| d.remove_account(&name, p)).await
}

/// Changes an account's settings; an empty password keeps the stored one.
#[tauri::command]
pub async fn mail_update_account(
    session: State<'_, Shared>,
    desk: State<'_, Desk>,
    change: AccountChange,
    password: String,
    granted: State<'_, Granted>,
) -> Result<AccountDto, ApiError> {
    granted.check_all(change.settings.ca_file.iter().map(Path::new))?;
    let password = Zeroizing::new(password);
    with_desk(session, desk, move |d, p| {
        d.update_account(&change, &password, p)
    })
    .await
}

/// Tests changed settings before saving (an empty password: the stored one).
#[tauri::command]
pub async fn mail_test_change(
    session: State<'_, Shared>,
    desk: State<'_, Desk>,
    change: AccountChange,
    password: String,
    granted: State<'_, Granted>,
) -> Result<ConnectionCheck, ApiError> {
    granted.check_all(change.settings.ca_file.iter().map(Path::new))?;
    let password = Zeroizing::new(password);
    with_desk(session, desk, move |d, p| {
        d.test_change(&change, &password, p)
    })
    .await
}

#[tauri::command]
pub async fn mail_test_settings(
    session: State<'_, Shared>,
    desk: State<'_, Desk>,
    account: NewAccount,
    password: String,
    granted: State<'_, Granted>,
) -> Result<ConnectionCheck, ApiError> {
    granted.check_all(account.ca_file.iter().map(Path::new))?;
    let password = Zeroizing::new(password);
    with_desk(session, desk, move |d, _| {
        d.test_settings(&account, &password)
    })
    .await
}

#[tauri::command]
pub async fn mail_test_account(
    session: State<'_, Shared>,
    desk: State<'_, Desk>,
    name: String,
) -> Result<ConnectionCheck, ApiError> {
    with_desk(session, desk, move |d, p| d.test_account(&name, p)).await
}

#[tauri::command]
pub async fn mail_folders(
    session: State<'_, Shared>,
    desk: State<'_, Desk>,
    account: String,
) -> Result<Vec<FolderDto>, ApiError> {
    with_desk(session, desk, move |d, p| d.folders(&account, p)).await
}

#[tauri::command]
pub async fn mail_sync(
    app: AppHandle,
    session: State<'_, Shared>,
    desk: State<'_, Desk>,
    account: String,
    folder: String,
) -> Result<SyncResult, ApiError> {
    let progress = progress_to(&app);
    with_desk(session, desk, move |d, p| {
        d.sync(&account, &folder, p, &progress)
    })
    .await
}

#[tauri::command]
pub async fn mail_list(
    session: State<'_, Shared>,
    desk: State<'_, Desk>,
    account: String,
    folder: String,
) -> Result<Vec<MessageSummary>, ApiError> {
    with_desk(session, desk, move |d, _| {
        d.list_messages(&account, &folder)
    })
    .await
}

#[tauri::command]
pub async fn mail_search(
    session: State<'_, Shared>,
    desk: State<'_, Desk>,
    account: String,
    folder: String,
    text: String,
) -> Result<Vec<MessageSummary>, ApiError> {
    with_desk(session, desk, move |d, p| {
        d.search_messages(&account, &folder, &text, p)
    })
    .await
}

#[tauri::command]
pub async fn mail_read(
    app: AppHandle,
    state: State<'_, Shared>,
    account: String,
    folder: String,
    uid: u32,
) -> Result<MessageView, ApiError> {
    let progress = progress_to(&app);
    with_session(state, move |s| {
        s.read_mail(&account, &folder, uid, &progress)
    })
    .await
}

#[tauri::command]
pub async fn mail_set_flag(
    session: State<'_, Shared>,
    desk: State<'_, Desk>,
    account: String,
    folder: String,
    uid: u32,
    flag: MessageFlag,
    on: bool,
) -> Result<Vec<String>, ApiError> {
    with_desk(session, desk, move |d, p| {
        d.set_flag(&account, &folder, uid, flag, on, p)
    })
    .await
}

#[tauri::command]
pub async fn mail_move(
    session: State<'_, Shared>,
    desk: State<'_, Desk>,
    account: String,
    folder: String,
    uid: u32,
    dest: String,
) -> Result<(), ApiError> {
    with_desk(session, desk, move |d, p| {
        d.move_message(&account, &folder, uid, &dest, p)
    })
    .await
}

#[tauri::command]
pub async fn mail_delete(
    session: State<'_, Shared>,
    desk: State<'_, Desk>,
    account: String,
    folder: String,
    uid: u32,
) -> Result<Option<String>, ApiError> {
    with_desk(session, desk, move |d, p| {
        d.delete_message(&account, &folder, uid, p)
    })
    .await
}

// A Tauri command takes its arguments one by one from the UI's call.
#[allow(clippy::too_many_arguments)]
#[tauri::command]
pub async fn mail_send(
    app: AppHandle,
    session: State<'_, Shared>,
    desk: State<'_, Desk>,
    account: String,
    draft: Draft,
    reply: ReplyContext,
    unencrypted_to: Option<Vec<String>>,
    carried: Option<Carried>,
    granted: State<'_, Granted>,
) -> Result<SendResult, ApiError> {
    granted.check_all(draft.attachments.iter().map(Path::new))?;
    let progress = progress_to(&app);
    let plain = unencrypted_to.unwrap_or_default();
    with_desk_carrying(session, desk, carried, move |d, p, files| {
        let extras = SendExtras {
            unencrypted_to: plain,
            carried: files,
        };
        d.send(&account, &draft, &reply, extras, p, &progress)
    })
    .await
}

/// Sends each address a signed request for their certificate.
#[tauri::command]
pub async fn mail_request_certificates(
    session: State<'_, Shared>,
    desk: State<'_, Desk>,
    account: String,
    emails: Vec<String>,
) -> Result<Vec<SendResult>, ApiError> {
    with_desk(session, desk, move |d, p| {
        d.request_certificates(&account, &emails, p)
    })
    .await
}

#[tauri::command]
pub async fn mail_outbox(
    session: State<'_, Shared>,
    desk: State<'_, Desk>,
) -> Result<Vec<OutboxEntry>, ApiError> {
    with_desk(session, desk, |d, _| d.outbox()).await
}

#[tauri::command]
pub async fn mail_retry(
    session: State<'_, Shared>,
    desk: State<'_, Desk>,
    id: i64,
) -> Result<RetryOutcome, ApiError> {
    with_desk(session, desk, move |d, p| d.retry_outbox_entry(id, p)).await
}

/// The app as a host of the core's mail watchers: syncs go through the desk (the session lends
/// the passphrase), news becomes the `mail-changed` event.
struct AppWatch {
    app: AppHandle,
    session: Shared,
    desk: Desk,
}

impl WatchHost for AppWatch {
    fn accounts(&self) -> Result<Vec<String>, ApiError> {
        Ok(lock(&self.desk)
            .accounts()?
            .into_iter()
            .map(|a| a.name)
            .collect())
    }

    fn sync(&self, account: &str, folder: &str) -> Result<SyncResult, ApiError> {
        let unlocked = lock(&self.session).unlocked_passphrase();
        lock(&self.desk).sync(account, folder, unlocked.as_ref(), &|_| {})
    }

    fn idle_target(&self, account: &str) -> Result<IdleTarget, ApiError> {
        let unlocked = lock(&self.session).unlocked_passphrase();
        lock(&self.desk).idle_target(account, unlocked.as_ref())
    }

    fn changed(&self, news: MailChanged) {
        let _ = self.app.emit("mail-changed", news);
    }

    fn trouble(&self, account: &str, doing: &str, e: &ApiError) {
        eprintln!(
            "sealpost: {doing} {account} in the background: {}",
            e.message
        );
    }
}

/// Starts watching every account's inbox for new mail in the background (the core's
/// [`watch::watch_accounts`]); new mail arrives by IDLE, not by polling.
pub fn start_watchers(app: AppHandle, session: Shared, desk: Desk) {
    let host: Arc<dyn WatchHost> = Arc::new(AppWatch { app, session, desk });
    std::thread::spawn(move || watch::watch_accounts(host, &[], watch::Schedule::default()));
}
