//! The one way the shell runs core work: on a blocking worker thread (the core's use cases are
//! synchronous and may talk to servers for seconds), with the shared state's lock recovered
//! when an earlier worker panicked while holding it.

use std::sync::{Mutex, MutexGuard};

use sealpost::api::{ApiError, ErrorCode};

/// Runs `f` on a blocking worker thread. A worker that panicked is an internal error (never a
/// storage or input error the user could act on).
pub async fn run_blocking<T, F>(f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
{
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| internal(&e))?
}

/// An internal error for a worker or dialog that stopped unexpectedly.
pub fn internal(e: &dyn std::fmt::Display) -> ApiError {
    ApiError::new(
        ErrorCode::Internal,
        format!("the operation stopped unexpectedly: {e}"),
    )
}

/// Locks shared state. A panic in an earlier holder does not make it unusable: every use case
/// leaves the session and the desk consistent between its database transactions.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
