//! The self-test of a certificate (`sealpost cert check`) and expiry notices.

use crate::store::CertKind;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum CheckLevel {
    Ok,
    Info,
    Warning,
    Problem,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum CheckItem {
    Chain,
    Revocation,
    Validity,
    Signing,
    Encryption,
    Addresses,
    PrivateKey,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CheckLine {
    pub item: CheckItem,
    pub level: CheckLevel,
    pub text: String,
}

/// The result of [`Home::check`].
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CertCheck {
    pub fingerprint: String,
    pub subject: String,
    pub kind: CertKind,
    pub emails: Vec<String>,
    /// Fit for its role now: an identity can sign or decrypt, a correspondent's certificate
    /// can be encrypted to or its signatures trusted, an authority is a valid trust anchor.
    pub usable: bool,
    /// Mail can be signed with it now (an identity whose key is held).
    pub can_sign: bool,
    /// Mail can be encrypted to it now.
    pub can_encrypt: bool,
    pub trusted_path: bool,
    /// Subjects from the certificate to the trust anchor, when a path was found.
    pub chain: Vec<String>,
    /// Revoked (by this home's CA, a CRL or OCSP), or, with revocation "required", without a
    /// current answer.
    pub revoked: bool,
    pub has_private_key: bool,
    /// Whole days until notAfter (negative once expired).
    pub days_left: i32,
    /// 30, 14 or 7 once the certificate expires within that many days.
    pub expiry_warning: Option<u32>,
    pub lines: Vec<CheckLine>,
}

/// One of the user's identities that expires soon (or has expired) and has no successor for
/// its addresses: what the app's status and `cert list` warn about.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ExpiryNotice {
    pub fingerprint: String,
    pub subject: String,
    pub emails: Vec<String>,
    pub not_after: String,
    /// Whole days until notAfter (negative once expired).
    pub days_left: i32,
    /// The tightest warning reached: 30, 14 or 7; 0 once expired. The app lets the user
    /// dismiss each threshold once, so the next one warns again.
    pub threshold: u32,
}
