//! Revocation status (OCSP, CRL) of a certificate and the background refresh.

use crate::pki::cert::Cert;
use crate::store::RevocationMode;
use serde::Serialize;

/// What is known about a certificate's revocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum RevocationState {
    /// A current CRL or OCSP answer (or this home's CA) says it is not revoked.
    Good,
    Revoked,
    /// The OCSP responder does not know the certificate.
    Unknown,
    /// The last answer has expired and no newer one was fetched.
    Stale,
    /// The certificate names where its status is published, but nothing was fetched yet.
    NotChecked,
    /// No CRL or OCSP location is published for it (or it is a trust anchor).
    NoInformation,
    /// Revocation checking is off.
    Off,
}

/// The revocation line of a certificate, shown on every certificate (CLI and app).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct RevocationInfo {
    pub state: RevocationState,
    /// Plain words, e.g. "Not revoked (checked 2026-11-28 via OCSP)".
    pub text: String,
    /// "CRL", "OCSP" or "your CA".
    pub source: Option<String>,
    /// When the answer was fetched or imported.
    pub checked_at: Option<String>,
    pub revoked_at: Option<String>,
    pub reason: Option<String>,
}

/// One fetch to make.
#[derive(Clone, Debug)]
pub enum FetchJob {
    /// The CRL of `issuer` at `url`.
    Crl { url: String, issuer: Box<Cert> },
    /// OCSP for `cert` at the first of `urls` that answers.
    Ocsp {
        urls: Vec<String>,
        cert: Box<Cert>,
        issuer: Box<Cert>,
    },
}

/// What [`Home::revocation_plan`] found to fetch.
#[derive(Clone, Debug, Default)]
pub struct RevocationPlan {
    pub jobs: Vec<FetchJob>,
}

/// The raw result of one job (nothing verified yet).
#[derive(Debug)]
pub struct Fetched {
    pub job: FetchJob,
    pub url: String,
    pub nonce: Option<Vec<u8>>,
    pub body: Result<Vec<u8>, String>,
}

/// One line of a refresh: which URL, for what, and what came of it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct RefreshSource {
    /// "crl" or "ocsp".
    pub kind: String,
    pub url: String,
    /// The issuer (CRL) or the certificate (OCSP) it was about.
    pub subject: String,
    pub ok: bool,
    pub detail: String,
}

/// The result of [`Home::refresh_revocation`].
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct RevocationRefresh {
    pub mode: RevocationMode,
    pub sources: Vec<RefreshSource>,
    /// When the refresh ended.
    pub finished_at: String,
}

/// A CRL imported by hand.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CrlImported {
    pub issuer: String,
    pub issuer_fingerprint: String,
    pub this_update: String,
    pub next_update: String,
    pub revoked: u32,
}

/// How revocation is used, as `sealpost cert revocation-mode --json` prints it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct RevocationModeShown {
    pub mode: RevocationMode,
}
