//! Which files the webview may name. The webview never chooses a path itself: the shell opens
//! the native file dialogs, and a path is usable by a command only once the user picked it in
//! one of them or dropped it on the window. A script in the page (were one ever to run) cannot
//! make the app read `~/.ssh/id_ed25519` into a mail or write into `~/.config/autostart`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sealpost::api::{ApiError, ErrorCode};

use crate::blocking::{lock, run_blocking};
use serde::Deserialize;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

/// The paths granted in this run of the app.
#[derive(Default)]
pub struct Granted(Mutex<HashSet<PathBuf>>);

impl Granted {
    pub fn grant(&self, paths: impl IntoIterator<Item = PathBuf>) {
        let mut g = lock(&self.0);
        g.extend(paths);
    }

    /// Refuses a path the user did not choose in a dialog of this app or drop on its window.
    pub fn check(&self, path: &Path) -> Result<(), ApiError> {
        let g = lock(&self.0);
        if g.contains(path) {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorCode::BadInput,
                format!(
                    "{} was not chosen in a Sealpost file dialog or dropped on its window",
                    path.display()
                ),
            ))
        }
    }

    pub fn check_all<'a>(&self, paths: impl IntoIterator<Item = &'a Path>) -> Result<(), ApiError> {
        paths.into_iter().try_for_each(|p| self.check(p))
    }
}

#[derive(Deserialize)]
pub struct FileFilter {
    name: String,
    extensions: Vec<String>,
}

/// What the UI asks a dialog to look like (never where it writes or reads).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChooseOptions {
    title: String,
    #[serde(default)]
    filters: Vec<FileFilter>,
    #[serde(default)]
    multiple: bool,
    /// The suggested file name of a save dialog.
    #[serde(default)]
    default_path: Option<String>,
}

fn dialog(
    app: &AppHandle,
    o: &ChooseOptions,
) -> tauri_plugin_dialog::FileDialogBuilder<tauri::Wry> {
    let mut d = app.dialog().file().set_title(&o.title);
    for f in &o.filters {
        let ext: Vec<&str> = f.extensions.iter().map(String::as_str).collect();
        d = d.add_filter(&f.name, &ext);
    }
    d
}

fn stopped(e: impl std::fmt::Display) -> ApiError {
    crate::blocking::internal(&format!("the file dialog: {e}"))
}

/// Opens the native open dialog; the chosen files are granted. `None` when cancelled.
#[tauri::command]
pub async fn choose_files(
    app: AppHandle,
    granted: State<'_, Granted>,
    options: ChooseOptions,
) -> Result<Option<Vec<PathBuf>>, ApiError> {
    let d = dialog(&app, &options);
    let picked = run_blocking(move || {
        Ok(if options.multiple {
            d.blocking_pick_files()
        } else {
            d.blocking_pick_file().map(|f| vec![f])
        })
    })
    .await?;
    let Some(picked) = picked else {
        return Ok(None);
    };
    let paths: Vec<PathBuf> = picked
        .into_iter()
        .map(|f| f.into_path().map_err(stopped))
        .collect::<Result<_, _>>()?;
    granted.grant(paths.iter().cloned());
    Ok(Some(paths))
}

/// Opens the native save dialog; the chosen path is granted. `None` when cancelled.
#[tauri::command]
pub async fn choose_save_path(
    app: AppHandle,
    granted: State<'_, Granted>,
    options: ChooseOptions,
) -> Result<Option<PathBuf>, ApiError> {
    let mut d = dialog(&app, &options);
    if let Some(name) = &options.default_path {
        d = d.set_file_name(name);
    }
    let picked = run_blocking(move || Ok(d.blocking_save_file())).await?;
    let Some(picked) = picked else {
        return Ok(None);
    };
    let path = picked.into_path().map_err(stopped)?;
    granted.grant([path.clone()]);
    Ok(Some(path))
}

/// Asks the user in a native dialog, which no script in the page can answer: for what hands
/// out a private key or changes whom the app trusts. `false` when the user declines.
pub async fn confirm_natively(
    app: &AppHandle,
    title: &str,
    text: String,
    ok: &str,
) -> Result<bool, ApiError> {
    use tauri_plugin_dialog::{MessageDialogButtons, MessageDialogKind};
    let d = app
        .dialog()
        .message(text)
        .title(title)
        .kind(MessageDialogKind::Warning)
        .buttons(MessageDialogButtons::OkCancelCustom(
            ok.to_string(),
            "Cancel".to_string(),
        ));
    run_blocking(move || Ok(d.blocking_show())).await
}

/// The refusal when the user said no in [`confirm_natively`].
pub fn declined(what: &str) -> ApiError {
    ApiError::new(ErrorCode::BadInput, format!("{what}: cancelled"))
}
