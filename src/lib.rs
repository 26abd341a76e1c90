//! Sealpost core: S/MIME certificates and encrypted mail, for the `sealpost` CLI and the
//! desktop app alike (both call [`api`]; neither holds logic of its own).
//!
//! # Design overview
//!
//! The crate is a stack of layers. Each module uses only modules of earlier layers (modules in
//! one group do not use each other); `tests/layering.rs` reads every `crate::…` path against
//! this line and fails on a step backwards:
//!
//! Layers: asn1, clock -> alg -> policy -> pki -> cms -> smime -> message -> keystore -> store -> net -> mail -> api
//!
//! ```text
//!  bin/sealpost (CLI)     src-tauri (the app's shell)      ui/ (Svelte, over IPC only)
//!          \                  /
//!           api        use cases: certs/ ca message/ mail/{account,send,sync,draft,outbox}
//!            |         session; json/ = the wire types (a leaf); Home = store + keystore + clock
//!           mail       IMAP and SMTP over TLS                                  (network I/O)
//!           net        TLS configuration, HTTP for CRLs and OCSP                (network I/O)
//!            |
//!           store      SQLite: certificates, wrapped keys, trust, accounts, cache, outbox
//!           keystore   OS keystore / passphrase file / memory: the key-encryption key
//!           message    RFC 5322 views and builders, HTML sanitiser, addresses
//!           smime      RFC 8551 framing, unwrapping every layer
//!           cms        RFC 5652 SignedData, EnvelopedData, AuthEnvelopedData; bundles
//!           pki        certificates, keys, PKCS#12, path validation, revocation, issuance
//!           policy     the dated algorithm policy
//!           alg        algorithm identifiers (hashes, key kinds) for policy and pki
//!           asn1 clock leaves: bounded DER/BER, time as a parameter
//! ```
//!
//! # Where I/O happens
//!
//! - The network: [`net`] (TLS configuration, the HTTP client for CRLs and OCSP) and [`mail`]
//!   (IMAP, SMTP, built on [`net::tls`]), reached only from the use cases that sync, send, test
//!   an account or refresh revocation data ([`api::mail`], [`api::certs::revocation`]).
//!   **Opening or rendering a message never reaches the network** (EFAIL): [`api::message`]
//!   and [`message`] make no request; `tests/layering.rs` checks that only those use cases name
//!   `crate::net` or `crate::mail`, and `tests/mail.rs` and the app's page tests check that
//!   reading makes no request.
//! - Files and the database: [`store`], [`keystore`] and the use cases in [`api`] that read
//!   or write a file the user chose.
//! - The clock: only [`clock::SystemClock`]; everything else takes the time from a
//!   [`clock::Clock`] (the [`api::Home`] holds one), so tests judge at fixed times.
//!
//! # The public surface
//!
//! Front ends use [`api`]: [`api::Home`] (a data directory), [`api::Session`] (the app's state
//! between calls), [`api::MailDesk`] (mail on a second connection), the wire types of
//! [`api::json`] and [`api::ApiError`]. The lower layers are public for the integration tests,
//! the interop matrix and the fuzz targets.

pub mod alg;
pub mod api;
pub mod asn1;
pub mod clock;
pub mod cms;
pub mod keystore;
pub mod mail;
pub mod message;
pub mod net;
pub mod pki;
pub mod policy;
pub mod smime;
pub mod store;
