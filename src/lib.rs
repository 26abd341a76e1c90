//! Sealpost core: S/MIME certificates and encrypted mail.
//!
//! Layers, each only using the ones above it:
//! - [`asn1`]: bounded TLV walking and BER→DER normalisation for hostile input.
//! - [`pki`]: certificates, keys, PKCS#12, signatures, path validation.
//! - [`policy`]: the dated algorithm policy (data beside [`pki`], consulted by its path
//!   validation).
//! - [`cms`]: RFC 5652 SignedData / EnvelopedData / AuthEnvelopedData.
//! - [`smime`]: RFC 8551 MIME framing (multipart/signed, pkcs7-mime), unwrapping of layers.
//! - [`keystore`]: the OS keystore / passphrase file / memory holding the key-encryption key.
//! - [`store`]: the SQLite database (certificates, wrapped private keys, trust, capabilities).
//! - [`mail`]: IMAP and SMTP over TLS (accounts, outbox, sync live in [`api::mail`]).
//! - [`api`]: the use cases shared by the CLI and the desktop app.
pub mod api;
pub mod asn1;
pub mod cms;
pub mod keystore;
pub mod mail;
pub mod pki;
pub mod policy;
pub mod smime;
pub mod store;
