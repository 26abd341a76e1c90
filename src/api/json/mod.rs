//! The wire contract: every type the app receives over IPC and `sealpost … --json` prints
//! (`docs/ipc.md`), generated for TypeScript by `api/bindings.rs`. A leaf of `api`: nothing
//! here imports a use case, so every use case may import from here without a cycle.

mod app;
mod ca;
mod certs;
mod check;
mod mail;
mod message;
mod report;
mod revocation;

pub use crate::message::{Attachment, Draft, DraftView, MessageHeaders, ReplyContext};
pub use app::*;
pub use ca::*;
pub use certs::*;
pub use check::*;
pub use mail::*;
pub use message::*;
pub use report::*;
pub use revocation::*;
