//! The one network layer: TLS client configuration ([`tls`]) and the HTTP client for CRLs and
//! OCSP ([`http`]); the mail transport ([`crate::mail`]) builds its connections on [`tls`].
//!
//! Rules this module keeps, whatever the caller asks:
//! - no request is made while a message is opened or rendered: only the use cases that sync,
//!   send, test an account or refresh revocation data reach this module
//!   (`tests/layering.rs` checks which modules name `crate::net`);
//! - every wait has a deadline (connect, each read and write, the DNS lookup);
//! - revocation requests go only to public addresses unless the organisation allows its
//!   intranet (`SEALPOST_REVOCATION_ALLOW_PRIVATE=1`).

pub mod http;
pub mod tls;
