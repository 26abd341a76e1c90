//! The security report of an opened message: one verdict for the whole message, one line per signature and per layer.

use super::CertChange;
use crate::pki::validate::AnchorInfo;
use crate::smime::SignedForm;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SignatureReport {
    /// valid, invalid, untrusted, expired, not-yet-valid, revoked, revocation-unknown (no
    /// current CRL/OCSP answer while revocation is "required"), mismatched-sender,
    /// wrong-usage, unsupported-algorithm, outside-encryption (a signature over encrypted
    /// data: the signer may never have seen the content, and it vouches for none of it).
    pub status: SignatureStatus,
    pub reason: String,
    pub emails: Vec<String>,
    pub fingerprint: Option<String>,
    pub algorithm: String,
    pub signing_time: Option<String>,
    /// The precise path-validation failure (`expired-since-signing`, `name-constraints`,
    /// `path-length`, `distrusted-root`, …), when the path is what failed.
    pub reason_code: Option<String>,
    /// The trust anchor the signer's path ended at, built in (Mozilla) or trusted by the user.
    pub anchor: Option<AnchorInfo>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum LayerReport {
    Enveloped {
        cipher: String,
    },
    AuthEnveloped {
        cipher: String,
    },
    Signed {
        form: SignedForm,
        signatures: Vec<SignatureReport>,
    },
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Report {
    pub encrypted: bool,
    /// The content is signed: a signed layer that is not outside an encryption layer.
    pub signed: bool,
    /// Every signature over the content valid (and at least one present).
    pub valid: bool,
    /// The From address the signatures were checked against, which is the one the reader
    /// shows (the protected inner From when there is one); several are joined by ", ".
    pub from: Option<String>,
    /// Lower-case names of the header fields shown from inside the protected content
    /// (RFC 9788); the others come from the unprotected outer header.
    pub protected_headers: Vec<String>,
    /// Lower-case names of the fields whose protected copy differs from the outer one.
    pub header_mismatches: Vec<String>,
    pub layers: Vec<LayerReport>,
    /// Signers whose certificate differs (another key or issuing CA) from the one accepted
    /// for their address: shown until the user accepts the new one.
    pub cert_changes: Vec<CertChange>,
}

/// The verdict on one signature. Only `valid` is valid; every other status is a reason the
/// signature vouches for nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum SignatureStatus {
    Valid,
    Invalid,
    Untrusted,
    Expired,
    NotYetValid,
    Revoked,
    /// No current CRL or OCSP answer while revocation is "required".
    RevocationUnknown,
    MismatchedSender,
    WrongUsage,
    UnsupportedAlgorithm,
    /// A signature over encrypted data: the signer may never have seen the content.
    OutsideEncryption,
}

impl SignatureStatus {
    const ALL: [SignatureStatus; 11] = [
        SignatureStatus::Valid,
        SignatureStatus::Invalid,
        SignatureStatus::Untrusted,
        SignatureStatus::Expired,
        SignatureStatus::NotYetValid,
        SignatureStatus::Revoked,
        SignatureStatus::RevocationUnknown,
        SignatureStatus::MismatchedSender,
        SignatureStatus::WrongUsage,
        SignatureStatus::UnsupportedAlgorithm,
        SignatureStatus::OutsideEncryption,
    ];

    /// The name on the wire (`not-yet-valid`).
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureStatus::Valid => "valid",
            SignatureStatus::Invalid => "invalid",
            SignatureStatus::Untrusted => "untrusted",
            SignatureStatus::Expired => "expired",
            SignatureStatus::NotYetValid => "not-yet-valid",
            SignatureStatus::Revoked => "revoked",
            SignatureStatus::RevocationUnknown => "revocation-unknown",
            SignatureStatus::MismatchedSender => "mismatched-sender",
            SignatureStatus::WrongUsage => "wrong-usage",
            SignatureStatus::UnsupportedAlgorithm => "unsupported-algorithm",
            SignatureStatus::OutsideEncryption => "outside-encryption",
        }
    }

    /// The status a lower layer names (path validation, revocation); a name this list does
    /// not know is `invalid`, never `valid`.
    pub fn named(name: &str) -> SignatureStatus {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
            .unwrap_or(SignatureStatus::Invalid)
    }
}

impl std::fmt::Display for SignatureStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::SignatureStatus;

    #[test]
    fn statuses_round_trip_and_unknown_names_are_never_valid() {
        for s in SignatureStatus::ALL {
            assert_eq!(SignatureStatus::named(s.as_str()), s);
            let json = serde_json::to_string(&s).expect("serialise");
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        assert_eq!(SignatureStatus::named("valid "), SignatureStatus::Invalid);
        assert_eq!(SignatureStatus::named(""), SignatureStatus::Invalid);
    }
}
