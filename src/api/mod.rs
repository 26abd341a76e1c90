//! Use cases shared by the `sealpost` CLI and the desktop app. Each takes and returns plain
//! data (DTOs that serialise to the JSON both front ends show); errors carry a small
//! [`ErrorCode`] the front ends branch on and a plain-words message.

//!
//! Where each use case lives (a folder per thing the user works with):
//! - [`certs`]: import, list, trust, export, delete; the self-test ([`certs::check`]), key
//!   continuity of correspondents ([`certs::continuity`]), revocation ([`certs::revocation`]).
//! - [`ca`]: the own certification authority (create, issue, revoke, CRL, requests).
//! - [`message`]: signing, encrypting and opening whole messages; the security report.
//! - [`mail`]: accounts, sync, the list, sending (a pipeline of stages), drafts, the outbox.
//! - [`session`]: what the desktop app keeps between calls (the unlocked passphrase, opened
//!   plaintexts).
//! - [`json`]: the wire types of all of them (a leaf; `docs/ipc.md`).
//!
//! [`Home`] holds what every use case needs: the store, the keystore, the clock.

#[cfg(test)]
mod bindings;
pub mod ca;
pub mod certs;
mod error;
pub mod files;
mod home;
pub mod json;
pub mod mail;
pub mod message;
pub mod session;

pub use crate::message::address::addresses;
pub use error::{ApiError, ErrorCode, PassphraseSource};
pub use home::{Home, default_home};
pub use json::*;
pub use mail::IdleTarget;
pub use mail::desk::MailDesk;
pub use session::Session;
