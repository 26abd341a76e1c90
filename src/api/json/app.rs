//! The app's status line and progress events.

use super::ExpiryNotice;
use crate::keystore::KeyStoreKind;
use serde::Serialize;

/// The keystore in use and whether it can be used now.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct KeystoreStatus {
    /// The platform keystore or a passphrase-protected key file.
    pub kind: KeyStoreKind,
    pub available: bool,
    pub unlocked: bool,
    /// Plain words for the status line.
    pub detail: String,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AppStatus {
    pub version: String,
    pub home: String,
    pub keystore: KeystoreStatus,
    pub identities: u32,
    pub people: u32,
    pub authorities: u32,
    /// Identities that expire within 30 days (or have expired) and were not renewed.
    pub expiring: Vec<ExpiryNotice>,
}

/// Progress of a long operation, sent to the app as the `progress` event.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Progress {
    pub operation: String,
    pub done: u32,
    pub total: u32,
    pub detail: String,
}

/// Callback for progress reports.
pub type ProgressSink<'a> = &'a dyn Fn(Progress);

/// Which keystore a home uses, as `sealpost keystore status --json` prints it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct KeystoreShown {
    pub keystore: KeyStoreKind,
}
