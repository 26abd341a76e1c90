//! Files the user chose, read within limits: attachments of a draft and the files the app
//! opens. (Paths come from the shell's native dialogs or drops; see `src-tauri/src/files.rs`.)

use std::path::{Path, PathBuf};

use crate::api::json::Draft;
use crate::api::{ApiError, ErrorCode};

/// Largest total of attachments a message may carry (sent, saved as a draft, or composed to a
/// file).
pub const MAX_ATTACHMENTS: u64 = 256 * 1024 * 1024;

pub(crate) fn read_limited(path: &Path, max: u64, what: &str) -> Result<Vec<u8>, ApiError> {
    let meta = std::fs::metadata(path).map_err(|e| {
        ApiError::new(
            ErrorCode::NotFound,
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    if !meta.is_file() {
        return Err(ApiError::new(
            ErrorCode::BadInput,
            format!("{} is not a file", path.display()),
        ));
    }
    if meta.len() > max {
        return Err(ApiError::new(
            ErrorCode::BadInput,
            format!(
                "{} is too large for {what} ({} MB; at most {} MB)",
                path.display(),
                meta.len() / (1024 * 1024),
                max / (1024 * 1024)
            ),
        ));
    }
    std::fs::read(path).map_err(|e| {
        ApiError::new(
            ErrorCode::NotFound,
            format!("cannot read {}: {e}", path.display()),
        )
    })
}

pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// The draft's files (read from their paths) and the attachments carried over from a saved
/// draft, within [`MAX_ATTACHMENTS`] together.
pub(crate) fn draft_files(
    draft: &Draft,
    carried: Vec<(String, Vec<u8>)>,
) -> Result<Vec<(String, Vec<u8>)>, ApiError> {
    let mut files = carried;
    let mut total: u64 = files.iter().map(|(_, d)| d.len() as u64).sum();
    let too_large = || {
        ApiError::new(
            ErrorCode::BadInput,
            format!(
                "the attachments are larger than {} MB together",
                MAX_ATTACHMENTS / (1024 * 1024)
            ),
        )
    };
    if total > MAX_ATTACHMENTS {
        return Err(too_large());
    }
    for path in &draft.attachments {
        let p = PathBuf::from(path);
        let data = read_limited(&p, MAX_ATTACHMENTS, "an attachment")?;
        total += data.len() as u64;
        if total > MAX_ATTACHMENTS {
            return Err(too_large());
        }
        files.push((file_name(&p), data));
    }
    Ok(files)
}
