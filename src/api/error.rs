//! The error every use case returns: a small [`ErrorCode`] the front ends branch on and a
//! plain-words message (never a secret); the `From` impls say which code each lower-layer error
//! gets.

use serde::Serialize;
use zeroize::Zeroizing;

use crate::keystore::KeyStoreError;
use crate::message::MessageError;
use crate::pki::pkcs12::Pkcs12Error;
use crate::smime::SmimeError;
use crate::store::StoreError;

/// What a front end branches on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    BadInput,
    NotFound,
    Ambiguous,
    WrongPassword,
    KeystoreUnavailable,
    /// The passphrase-protected key file must be unlocked first.
    KeystoreLocked,
    DecryptionFailed,
    SignatureInvalid,
    Storage,
    /// A mail server could not be reached or used (DNS, TCP, TLS, timeout, refusal); the
    /// message names the server and the stage.
    Network,
    /// Something stopped unexpectedly inside Sealpost (a worker that panicked): not the
    /// user's input, not the storage.
    Internal,
}

#[derive(Debug, Serialize, thiserror::Error)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::new(ErrorCode::Storage, e.to_string())
    }
}

impl From<KeyStoreError> for ApiError {
    fn from(e: KeyStoreError) -> Self {
        let code = match e {
            KeyStoreError::Unavailable { .. } => ErrorCode::KeystoreUnavailable,
            KeyStoreError::WrongPassphrase => ErrorCode::WrongPassword,
            _ => ErrorCode::Storage,
        };
        ApiError::new(code, e.to_string())
    }
}

impl From<Pkcs12Error> for ApiError {
    fn from(e: Pkcs12Error) -> Self {
        let code = match e {
            Pkcs12Error::WrongPassword => ErrorCode::WrongPassword,
            _ => ErrorCode::BadInput,
        };
        ApiError::new(code, e.to_string())
    }
}

impl From<SmimeError> for ApiError {
    fn from(e: SmimeError) -> Self {
        use crate::cms::CmsError;
        let code = match &e {
            SmimeError::Cms(CmsError::DecryptionFailed) => ErrorCode::DecryptionFailed,
            SmimeError::Cms(CmsError::NoRecipientKey) => ErrorCode::NotFound,
            SmimeError::Cms(CmsError::ContentTwice | CmsError::NoContent) => {
                ErrorCode::SignatureInvalid
            }
            SmimeError::NotSmime => ErrorCode::SignatureInvalid,
            _ => ErrorCode::BadInput,
        };
        ApiError::new(code, e.to_string())
    }
}

/// A source of the file keystore's passphrase (a prompt, a file), asked only when needed.
pub type PassphraseSource<'a> = &'a dyn Fn() -> Result<Zeroizing<String>, ApiError>;

impl From<MessageError> for ApiError {
    fn from(e: MessageError) -> Self {
        let code = match e {
            MessageError::NoSuchAttachment => ErrorCode::NotFound,
            MessageError::Build(_) => ErrorCode::Storage,
            _ => ErrorCode::BadInput,
        };
        ApiError::new(code, e.to_string())
    }
}
