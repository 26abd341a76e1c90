//! The Sealpost desktop shell: one window, the file dialogs, drag-and-drop, and the commands of
//! `docs/ipc.md`, each a line into `sealpost::api::Session`. Commands run on a worker
//! thread so the window never freezes; long ones report `progress` events.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod blocking;
mod files;
mod mail;

use std::path::{Path, PathBuf};

use blocking::{lock, run_blocking};
use files::Granted;
use std::sync::{Arc, Mutex};

use sealpost::api::CertCheck;
use sealpost::api::RevocationRefresh;
use sealpost::api::certs::revocation;
use sealpost::api::{ApiError, CertDto, ExportFormat, ImportResult, MailDesk};
use sealpost::api::{
    AppStatus, CertDetails, ComposeResult, Draft, MessageView, Progress, RecipientStatus, Session,
};
use sealpost::api::{CrlInfo, IssuedCert, Revocation};
use sealpost::pki::issue::{KeyAlgorithm, RevocationReason};
use sealpost::store::RevocationMode;
use tauri::{AppHandle, Emitter, Manager, State};
use zeroize::Zeroizing;

type Shared = Arc<Mutex<Session>>;

/// Runs `f` with the session on a blocking worker thread.
async fn with_session<T, F>(state: State<'_, Shared>, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut Session) -> Result<T, ApiError> + Send + 'static,
{
    let shared = Arc::clone(&state);
    run_blocking(move || f(&mut lock(&shared))).await
}

fn progress_to(app: &AppHandle) -> impl Fn(Progress) + use<> {
    let app = app.clone();
    move |p| {
        let _ = app.emit("progress", p);
    }
}

/// The UI asks for the status as soon as it has drawn its first screen: with
/// SEALPOST_STARTUP_REPORT set, the first call prints the wall-clock time (for bench/app-start.sh).
static STARTUP_REPORTED: std::sync::Once = std::sync::Once::new();

#[tauri::command]
async fn app_status(state: State<'_, Shared>) -> Result<AppStatus, ApiError> {
    let status = with_session(state, |s| s.status()).await;
    if std::env::var_os("SEALPOST_STARTUP_REPORT").is_some() {
        STARTUP_REPORTED.call_once(|| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or(0);
            println!("sealpost-ready {now}");
        });
    }
    status
}

#[tauri::command]
async fn list_certificates(state: State<'_, Shared>) -> Result<Vec<CertDto>, ApiError> {
    with_session(state, |s| s.list()).await
}

#[tauri::command]
async fn certificate_details(
    state: State<'_, Shared>,
    fingerprint: String,
) -> Result<CertDetails, ApiError> {
    with_session(state, move |s| s.details(&fingerprint)).await
}

#[tauri::command]
async fn import_files(
    app: AppHandle,
    state: State<'_, Shared>,
    granted: State<'_, Granted>,
    paths: Vec<PathBuf>,
    password: Option<String>,
) -> Result<ImportResult, ApiError> {
    granted.check_all(paths.iter().map(PathBuf::as_path))?;
    let password = password.map(Zeroizing::new);
    let progress = progress_to(&app);
    with_session(state, move |s| {
        s.import_files(&paths, password.as_deref().map(String::as_str), &progress)
    })
    .await
}

#[tauri::command]
async fn export_certificate(
    app: AppHandle,
    state: State<'_, Shared>,
    fingerprint: String,
    granted: State<'_, Granted>,
    format: ExportFormat,
    path: PathBuf,
    password: Option<String>,
) -> Result<(), ApiError> {
    granted.check(&path)?;
    if format == ExportFormat::P12 {
        let fp = fingerprint.clone();
        let c = with_session(state.clone(), move |s| s.details(&fp))
            .await?
            .cert;
        let who = c.info.common_name.unwrap_or(c.info.subject);
        let text = format!(
            "The file {} will hold the private key of {who}, protected by the password you \
             typed. Anyone with the file and the password can sign as you and read mail \
             encrypted to you.",
            path.display()
        );
        if !files::confirm_natively(&app, "Export your private key?", text, "Export").await? {
            return Err(files::declined("exporting the private key"));
        }
    }
    let password = password.map(Zeroizing::new);
    with_session(state, move |s| {
        s.export(
            &fingerprint,
            format,
            &path,
            password.as_deref().map(String::as_str),
        )
    })
    .await
}

#[tauri::command]
async fn trust_certificate(
    app: AppHandle,
    state: State<'_, Shared>,
    fingerprint: String,
) -> Result<CertDto, ApiError> {
    let fp = fingerprint.clone();
    let c = with_session(state.clone(), move |s| s.details(&fp))
        .await?
        .cert;
    let text = format!(
        "Signatures of everyone whose certificate {} issued will be shown as valid, and mail \
         can be encrypted to them. Fingerprint (SHA-256): {}",
        c.info.common_name.unwrap_or(c.info.subject),
        c.info.fingerprint
    );
    if !files::confirm_natively(&app, "Trust this authority?", text, "Trust authority").await? {
        return Err(files::declined("trusting the authority"));
    }
    with_session(state, move |s| s.trust(&fingerprint)).await
}

#[tauri::command]
async fn untrust_certificate(
    state: State<'_, Shared>,
    fingerprint: String,
) -> Result<CertDto, ApiError> {
    with_session(state, move |s| s.untrust(&fingerprint)).await
}

#[tauri::command]
async fn delete_certificate(
    state: State<'_, Shared>,
    fingerprint: String,
) -> Result<CertDto, ApiError> {
    with_session(state, move |s| s.delete(&fingerprint)).await
}

#[tauri::command]
async fn open_message(
    app: AppHandle,
    state: State<'_, Shared>,
    granted: State<'_, Granted>,
    path: PathBuf,
) -> Result<MessageView, ApiError> {
    granted.check(&path)?;
    let progress = progress_to(&app);
    with_session(state, move |s| s.open_message(&path, &progress)).await
}

#[tauri::command]
async fn save_attachment(
    state: State<'_, Shared>,
    granted: State<'_, Granted>,
    message_id: u32,
    index: u32,
    path: PathBuf,
) -> Result<(), ApiError> {
    granted.check(&path)?;
    with_session(state, move |s| s.save_attachment(message_id, index, &path)).await
}

#[tauri::command]
async fn recipient_status(
    state: State<'_, Shared>,
    emails: Vec<String>,
) -> Result<Vec<RecipientStatus>, ApiError> {
    with_session(state, move |s| s.recipient_status(&emails)).await
}

#[tauri::command]
async fn compose_message(
    app: AppHandle,
    state: State<'_, Shared>,
    granted: State<'_, Granted>,
    draft: Draft,
    path: PathBuf,
) -> Result<ComposeResult, ApiError> {
    granted.check(&path)?;
    granted.check_all(draft.attachments.iter().map(Path::new))?;
    let progress = progress_to(&app);
    with_session(state, move |s| s.compose(&draft, &path, &progress)).await
}

#[tauri::command]
async fn use_file_keystore(
    state: State<'_, Shared>,
    passphrase: String,
) -> Result<AppStatus, ApiError> {
    let passphrase = Zeroizing::new(passphrase);
    with_session(state, move |s| s.use_file_keystore(&passphrase)).await
}

#[tauri::command]
async fn unlock_keystore(
    state: State<'_, Shared>,
    passphrase: String,
) -> Result<AppStatus, ApiError> {
    let passphrase = Zeroizing::new(passphrase);
    with_session(state, move |s| s.unlock_keystore(&passphrase)).await
}

#[tauri::command]
async fn use_os_keystore(state: State<'_, Shared>) -> Result<AppStatus, ApiError> {
    with_session(state, |s| s.use_os_keystore()).await
}

#[tauri::command]
async fn revocation_mode(state: State<'_, Shared>) -> Result<RevocationMode, ApiError> {
    with_session(state, |s| s.revocation_mode()).await
}

#[tauri::command]
async fn set_revocation_mode(
    state: State<'_, Shared>,
    mode: RevocationMode,
) -> Result<RevocationMode, ApiError> {
    with_session(state, move |s| s.set_revocation_mode(mode)).await
}

/// Fetches CRLs and OCSP answers without holding the session lock while on the network (the
/// lock is taken only to plan and to store), then tells the UI.
fn refresh_revocation_now(app: &AppHandle, shared: &Shared) -> Result<RevocationRefresh, ApiError> {
    let result = revocation::refresh_once(
        || lock(shared).revocation_plan(),
        |fetched| lock(shared).store_fetched(fetched),
    )?;
    let _ = app.emit("revocation-refreshed", result.clone());
    Ok(result)
}

#[tauri::command]
async fn refresh_revocation(
    app: AppHandle,
    state: State<'_, Shared>,
) -> Result<RevocationRefresh, ApiError> {
    let shared = Arc::clone(&state);
    run_blocking(move || refresh_revocation_now(&app, &shared)).await
}

#[tauri::command]
async fn create_ca(
    state: State<'_, Shared>,
    name: String,
    key: KeyAlgorithm,
    days: u32,
) -> Result<CertDto, ApiError> {
    with_session(state, move |s| s.ca_create(&name, key, days)).await
}

#[allow(clippy::too_many_arguments)]
#[tauri::command]
async fn issue_certificate(
    state: State<'_, Shared>,
    ca: String,
    emails: Vec<String>,
    name: Option<String>,
    key: KeyAlgorithm,
    days: u32,
    password: String,
    path: PathBuf,
    granted: State<'_, Granted>,
) -> Result<IssuedCert, ApiError> {
    granted.check(&path)?;
    let password = Zeroizing::new(password);
    with_session(state, move |s| {
        s.ca_issue(&ca, &emails, name.as_deref(), key, days, &password, &path)
    })
    .await
}

#[tauri::command]
async fn revoke_certificate(
    state: State<'_, Shared>,
    fingerprint: String,
    reason: RevocationReason,
) -> Result<Revocation, ApiError> {
    with_session(state, move |s| s.ca_revoke(&fingerprint, reason)).await
}

#[tauri::command]
async fn publish_crl(
    state: State<'_, Shared>,
    ca: String,
    days: Option<u32>,
    path: PathBuf,
    granted: State<'_, Granted>,
) -> Result<CrlInfo, ApiError> {
    granted.check(&path)?;
    with_session(state, move |s| s.ca_crl(&ca, days, &path)).await
}

#[tauri::command]
async fn accept_certificate(
    state: State<'_, Shared>,
    fingerprint: String,
) -> Result<CertDto, ApiError> {
    with_session(state, move |s| s.accept(&fingerprint)).await
}

#[tauri::command]
async fn check_certificate(
    state: State<'_, Shared>,
    fingerprint: String,
) -> Result<CertCheck, ApiError> {
    with_session(state, move |s| s.check(&fingerprint)).await
}

/// The app's background work: revocation data refreshed on the core's schedule (never while
/// a message is opened), and new mail by IDLE, not by polling.
fn start_background(app: &AppHandle) {
    let handle = app.clone();
    let shared = Arc::clone(&app.state::<Shared>());
    std::thread::spawn(move || {
        revocation::refresh_repeatedly(
            revocation::RefreshSchedule::default(),
            || lock(&shared).revocation_plan(),
            |fetched| lock(&shared).store_fetched(fetched),
            |outcome| {
                match outcome {
                    Ok(r) => {
                        let _ = handle.emit("revocation-refreshed", r);
                    }
                    Err(e) => eprintln!("sealpost: revocation refresh: {}", e.message),
                }
                true
            },
        )
    });
    mail::start_watchers(
        app.clone(),
        Arc::clone(&app.state::<Shared>()),
        Arc::clone(&app.state::<mail::Desk>()),
    );
}

/// The window's commands (each also needs its permission: `build.rs`, `tauri.conf.json`).
fn with_commands(builder: tauri::Builder<tauri::Wry>) -> tauri::Builder<tauri::Wry> {
    builder.invoke_handler(tauri::generate_handler![
        app_status,
        files::choose_files,
        files::choose_save_path,
        list_certificates,
        certificate_details,
        import_files,
        export_certificate,
        trust_certificate,
        untrust_certificate,
        delete_certificate,
        open_message,
        save_attachment,
        recipient_status,
        compose_message,
        use_file_keystore,
        unlock_keystore,
        use_os_keystore,
        revocation_mode,
        set_revocation_mode,
        refresh_revocation,
        create_ca,
        issue_certificate,
        revoke_certificate,
        publish_crl,
        check_certificate,
        accept_certificate,
        mail::mail_accounts,
        mail::mail_add_account,
        mail::mail_remove_account,
        mail::mail_test_settings,
        mail::mail_test_account,
        mail::mail_folders,
        mail::mail_sync,
        mail::mail_list,
        mail::mail_search,
        mail::mail_read,
        mail::mail_set_flag,
        mail::mail_move,
        mail::mail_delete,
        mail::mail_send,
        mail::mail_open_draft,
        mail::mail_save_draft,
        mail::mail_discard_draft,
        mail::mail_update_account,
        mail::mail_test_change,
        mail::mail_request_certificates,
        mail::mail_outbox,
        mail::mail_retry,
    ])
}

fn main() {
    // SEALPOST_HOME chooses the data directory (tests, several profiles); else the platform's.
    let home = std::env::var_os("SEALPOST_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(sealpost::api::default_home);
    let (session, desk) = match Session::open(&home).and_then(|s| Ok((s, MailDesk::open(&home)?))) {
        Ok(both) => both,
        Err(e) => {
            eprintln!("sealpost: cannot open {}: {e}", home.display());
            std::process::exit(2);
        }
    };
    let builder = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(Granted::default())
        // A file dropped on the window is one the user chose: its path is granted.
        .on_webview_event(|webview, event| {
            if let tauri::WebviewEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
                webview.state::<Granted>().grant(paths.iter().cloned());
            }
        })
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
                window.state::<Granted>().grant(paths.iter().cloned());
            }
        })
        .manage::<Shared>(Arc::new(Mutex::new(session)))
        .manage::<mail::Desk>(Arc::new(Mutex::new(desk)))
        .setup(|app| {
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.set_title("Sealpost");
            }
            start_background(app.handle());
            Ok(())
        });
    if let Err(e) = with_commands(builder).run(tauri::generate_context!()) {
        eprintln!("sealpost: the window could not start: {e}");
        std::process::exit(1);
    }
}
