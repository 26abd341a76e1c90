//! Certificates as the app and `sealpost cert … --json` show them: the list entry, details, trust, import results, continuity (key changes) and the status of a recipient.

use super::{CrlImported, RevocationInfo};
use crate::cms::envelope::ContentCipher;
use crate::pki::cert::CertInfo;
use crate::pki::issue::RevocationReason;
use crate::pki::validate::AnchorInfo;
use crate::store::CertKind;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CertDto {
    pub kind: CertKind,
    /// The user trusts this certificate as an authority (an anchor of this home).
    pub trusted: bool,
    /// An authority that chains to a trusted anchor (the user's or a built-in root) now, or is
    /// one: the list shows the same trust status as the details.
    pub trusted_path: bool,
    #[serde(flatten)]
    pub info: CertInfo,
    /// Revocation status from the cache (never fetched while building this).
    pub revocation: RevocationInfo,
}

/// Whether and through which anchor a certificate is trusted in this home.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct TrustVerdict {
    /// Whether the certificate chains to an anchor (or is one).
    pub trusted_path: bool,
    /// The verdict in plain words: "Trusted through <root> (Mozilla root program)",
    /// "… (trusted by you)", or "Not trusted: <reason>".
    pub trust: String,
    /// The anchor the path ended at.
    pub anchor: Option<AnchorInfo>,
    /// The precise failure (`path-length`, `name-constraints`, …) when not trusted.
    pub reason_code: Option<String>,
}

/// A certificate as `sealpost cert list --json` prints it: its fields, plus the expiry warning
/// of the user's own identities.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CertListEntry {
    #[serde(flatten)]
    pub cert: CertDto,
    /// 30, 14 or 7 while one of the user's identities nears its end, 0 once it expired (and
    /// was not renewed); `null` otherwise.
    pub expiry_warning: Option<u32>,
}

/// A certificate as `sealpost cert show --json` prints it: its fields, the trust verdict
/// (`trusted_path` is the verdict's: whether this certificate chains to an anchor), and the
/// other certificates of the same mailbox.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CertShown {
    #[serde(flatten)]
    pub cert: CertDto,
    /// The verdict in plain words.
    pub trust: String,
    /// The anchor the path ended at.
    pub anchor: Option<AnchorInfo>,
    /// The precise failure when not trusted.
    pub reason_code: Option<String>,
    /// The other certificates of the same mailbox, newest first.
    pub history: Vec<HistoryEntry>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ImportResult {
    pub imported: Vec<CertDto>,
    /// CRLs imported by hand (`.crl`, DER or PEM).
    pub crls: Vec<CrlImported>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Pem,
    Der,
    P7c,
    P12,
}

/// Which cipher to encrypt with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CipherChoice {
    Auto,
    Fixed(ContentCipher),
}

/// A correspondent's certificate that differs from the one the user accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CertChange {
    pub email: String,
    /// The new certificate has another public key.
    pub key_changed: bool,
    /// The new certificate was issued by another CA.
    pub issuer_changed: bool,
    pub accepted_fingerprint: String,
    pub accepted_issuer: String,
    /// When the earlier certificate was accepted (or first seen).
    pub accepted_at: String,
    pub new_fingerprint: String,
    pub new_issuer: String,
    /// The alert in plain words.
    pub text: String,
}

/// Another certificate this home holds for the same mailbox: an identity's earlier (or later)
/// certificates, whose private keys are kept so mail encrypted to them still opens.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct HistoryEntry {
    pub cert: CertDto,
    pub has_private_key: bool,
    /// Issued after the certificate the history is of.
    pub newer: bool,
}

/// A certificate one of this home's CAs issued.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct IssuedEntry {
    pub fingerprint: String,
    /// The common name or first address of the certificate.
    pub name: String,
    pub emails: Vec<String>,
    pub serial: String,
    pub not_after: String,
    pub ca_fingerprint: String,
    pub revoked_at: Option<String>,
    pub reason: Option<RevocationReason>,
}

/// Everything the details view shows about one certificate.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CertDetails {
    pub cert: CertDto,
    /// Issuers known to this home, nearest first.
    pub chain: Vec<CertDto>,
    pub sha1_fingerprint: String,
    /// Whole days until `not_after` (negative once expired).
    pub days_left: i32,
    pub validity: Validity,
    /// Whether the certificate chains to an authority trusted in this home.
    pub trusted_path: bool,
    /// The trust verdict in plain words ("Trusted through <root> (Mozilla root program)", …).
    pub trust: String,
    /// The anchor the path ended at: built in (Mozilla) or trusted by the user.
    pub anchor: Option<crate::pki::validate::AnchorInfo>,
    pub has_private_key: bool,
    /// 30, 14 or 7 once the certificate expires within that many days; 0 once expired.
    pub expiry_warning: Option<u32>,
    /// When one of this home's CAs issued this certificate: its record (revoked or not).
    pub issued: Option<IssuedEntry>,
    /// For a CA of this home (its key is held): every certificate it issued, newest first.
    pub issued_certs: Vec<IssuedEntry>,
    /// For a correspondent's certificate: how it differs from the one accepted for each of
    /// its addresses (until the user accepts it).
    pub changes: Vec<CertChange>,
    /// The other certificates of the same mailbox (an identity's earlier ones keep their
    /// private keys), newest first.
    pub history: Vec<HistoryEntry>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct RecipientStatus {
    pub email: String,
    pub has_certificate: bool,
    pub fingerprint: Option<String>,
    /// Why no usable certificate is known, in plain words.
    pub problem: Option<String>,
    /// The certificate differs (key or issuing CA) from the one accepted for this address.
    pub change: Option<CertChange>,
}

/// Where a moment falls in a certificate's validity period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Validity {
    Valid,
    Expired,
    NotYetValid,
}

impl Validity {
    /// The validity at `at` of a certificate valid from `not_before` to `not_after`
    /// (both inclusive, RFC 5280 §4.1.2.5).
    pub fn at(not_before: u64, not_after: u64, at: u64) -> Validity {
        if at > not_after {
            Validity::Expired
        } else if at < not_before {
            Validity::NotYetValid
        } else {
            Validity::Valid
        }
    }
}
