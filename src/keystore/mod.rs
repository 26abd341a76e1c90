//! Key custody.
//!
//! The OS keystore (or, when the user explicitly chooses it, a passphrase-protected key file)
//! holds only small named secrets, above all one random 32-byte key-encryption key ([`Kek`]) per
//! Sealpost home. Private keys live elsewhere (SQLite), AES-256-GCM-wrapped under that KEK, so the
//! platform store never has to hold large or numerous items. Nothing ever falls back to plaintext:
//! if no store is reachable the caller gets [`KeyStoreError::Unavailable`] and must ask the user.

pub mod file;
pub mod memory;
pub mod os;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand::Rng;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Everything that can go wrong in key custody. No variant ever carries secret material.
#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    /// The OS keystore cannot be reached (no Secret Service, locked, denied, ...). The message
    /// names the alternative so a user seeing it knows what to do.
    #[error(
        "the OS keystore is unreachable ({detail}); use the passphrase-protected file store instead: sealpost keystore use file"
    )]
    Unavailable { detail: String },
    /// GCM cannot tell a wrong passphrase from a modified ciphertext, hence the hint.
    #[error("wrong passphrase for the key file (or the file was modified)")]
    WrongPassphrase,
    /// A key file or wrapped blob is damaged or has been tampered with.
    #[error("key material is damaged or has been tampered with: {detail}")]
    Corrupt { detail: String },
    #[error("key store I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("key store error: {detail}")]
    Other { detail: String },
}

/// Which backend holds the secrets; serialized lower-case ("os", "file", "memory") in config.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum KeyStoreKind {
    Os,
    File,
    Memory,
}

impl KeyStoreKind {
    /// The same lower-case name serde uses, for messages and CLI arguments.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStoreKind::Os => "os",
            KeyStoreKind::File => "file",
            KeyStoreKind::Memory => "memory",
        }
    }
}

impl std::fmt::Display for KeyStoreKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for KeyStoreKind {
    type Err = KeyStoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "os" => Ok(KeyStoreKind::Os),
            "file" => Ok(KeyStoreKind::File),
            "memory" => Ok(KeyStoreKind::Memory),
            other => Err(KeyStoreError::Other {
                detail: format!("unknown key store kind {other:?} (expected os, file or memory)"),
            }),
        }
    }
}

/// A store of small named secrets. Implementations are shared across threads.
pub trait KeyStore: Send + Sync {
    fn kind(&self) -> KeyStoreKind;
    /// `Ok(None)` when no secret of that name exists.
    fn get(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyStoreError>;
    /// Creates or replaces the secret.
    fn set(&self, name: &str, secret: &[u8]) -> Result<(), KeyStoreError>;
    /// Removes the secret; `Ok(())` if it was absent.
    fn delete(&self, name: &str) -> Result<(), KeyStoreError>;
}

/// Name of the key-encryption key inside a store.
pub const KEK_NAME: &str = "kek";

/// Longest accepted secret name; OS stores limit attribute lengths.
pub const MAX_NAME_LEN: usize = 128;

/// Rejects names every backend could not store the same way (empty, huge, control characters).
pub(crate) fn check_name(name: &str) -> Result<(), KeyStoreError> {
    if name.is_empty() || name.len() > MAX_NAME_LEN || name.chars().any(char::is_control) {
        return Err(KeyStoreError::Other {
            detail: format!(
                "invalid secret name {name:?}: must be 1..={MAX_NAME_LEN} bytes without control characters"
            ),
        });
    }
    Ok(())
}

/// Length of an AES-256 key.
pub const KEK_LEN: usize = 32;
/// Version byte that starts every wrapped blob.
pub const WRAP_VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// 32-byte key-encryption key. Zeroized on drop; `Debug` never shows the bytes.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Kek([u8; KEK_LEN]);

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kek(..)")
    }
}

impl Kek {
    /// A fresh random key from the thread-local CSPRNG (seeded from the OS).
    pub fn generate() -> Kek {
        let mut k = Kek([0u8; KEK_LEN]);
        rand::rng().fill_bytes(&mut k.0);
        k
    }

    /// Accepts exactly 32 bytes; anything else means the stored key was damaged.
    pub fn from_bytes(b: &[u8]) -> Result<Kek, KeyStoreError> {
        if b.len() != KEK_LEN {
            return Err(KeyStoreError::Corrupt {
                detail: format!(
                    "a key-encryption key must be {KEK_LEN} bytes, found {}",
                    b.len()
                ),
            });
        }
        let mut k = Kek([0u8; KEK_LEN]);
        k.0.copy_from_slice(b);
        Ok(k)
    }

    /// Raw key bytes, for storing the key; kept private to the keystore module.
    fn expose(&self) -> &[u8; KEK_LEN] {
        &self.0
    }

    /// AES-256-GCM encrypts `plaintext`. Output = version byte 1 || 12-byte random nonce ||
    /// ciphertext+tag. `aad` (e.g. the certificate fingerprint) binds the blob to its use, so a
    /// blob copied to another row fails to unwrap.
    pub fn wrap(&self, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let ct = aes_seal(&self.0, &nonce, aad, plaintext);
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
        out.push(WRAP_VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// HMAC-SHA-256 of `parts` (each length-prefixed) under a key derived from this one for
    /// `purpose`: authenticates what this installation wrote (its drafts) without exposing the
    /// key-encryption key itself.
    pub fn mac(&self, purpose: &str, parts: &[&[u8]]) -> [u8; 32] {
        hmac::Mac::finalize(self.mac_over(purpose, parts))
            .into_bytes()
            .into()
    }

    /// Whether `tag` is [`Kek::mac`] of `parts`, compared in constant time.
    pub fn mac_matches(&self, purpose: &str, parts: &[&[u8]], tag: &[u8]) -> bool {
        hmac::Mac::verify_slice(self.mac_over(purpose, parts), tag).is_ok()
    }

    fn mac_over(&self, purpose: &str, parts: &[&[u8]]) -> hmac::Hmac<sha2::Sha256> {
        let mut m = self.mac_key(purpose);
        for p in parts {
            hmac::Mac::update(&mut m, &(p.len() as u64).to_be_bytes());
            hmac::Mac::update(&mut m, p);
        }
        m
    }

    fn mac_key(&self, purpose: &str) -> hmac::Hmac<sha2::Sha256> {
        use hmac::{KeyInit, Mac};
        let mut derive = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        derive.update(b"sealpost mac key: ");
        derive.update(purpose.as_bytes());
        let key = Zeroizing::new(<[u8; 32]>::from(derive.finalize().into_bytes()));
        <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&key[..])
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"))
    }

    /// Reverses [`Kek::wrap`]. Any failure (short or garbage input, unknown version, wrong key,
    /// wrong `aad`, modified bytes) is `Corrupt`; never panics.
    pub fn unwrap(&self, aad: &[u8], blob: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyStoreError> {
        let corrupt = |detail: &str| KeyStoreError::Corrupt {
            detail: detail.to_string(),
        };
        let (&version, rest) = blob
            .split_first()
            .ok_or_else(|| corrupt("wrapped key blob is empty"))?;
        if version != WRAP_VERSION {
            return Err(corrupt("wrapped key blob has an unknown version"));
        }
        if rest.len() < NONCE_LEN + TAG_LEN {
            return Err(corrupt("wrapped key blob is truncated"));
        }
        let (nonce, ct) = rest.split_at(NONCE_LEN);
        aes_open(&self.0, nonce, aad, ct).ok_or_else(|| {
            corrupt("wrapped key blob failed authentication (wrong key, wrong context or modified)")
        })
    }
}

/// AES-256-GCM encryption; the plaintext is only ever copied into the buffer that gets
/// encrypted in place (capacity pre-sized by `aead`), so no plaintext copy is left behind.
fn aes_seal(key: &[u8; KEK_LEN], nonce: &[u8; NONCE_LEN], aad: &[u8], pt: &[u8]) -> Vec<u8> {
    let cipher = Aes256Gcm::new(key.into());
    let nonce = Nonce::from(*nonce);
    // AES-GCM only fails for inputs beyond 64 GiB; our secrets are a few KiB at most.
    cipher
        .encrypt(&nonce, Payload { msg: pt, aad })
        .expect("AES-GCM input within size limits")
}

/// AES-256-GCM decryption; `None` on any failure. The tag is checked before decryption, so a
/// failed attempt leaves no plaintext in memory; a successful one is zeroized on drop.
fn aes_open(
    key: &[u8; KEK_LEN],
    nonce: &[u8],
    aad: &[u8],
    ct: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let nonce = Nonce::try_from(nonce).ok()?;
    let cipher = Aes256Gcm::new(key.into());
    cipher
        .decrypt(&nonce, Payload { msg: ct, aad })
        .ok()
        .map(Zeroizing::new)
}

/// Gets the KEK from the store, creating and storing a fresh random one if absent.
///
/// After storing a new key it is read back, so a store that silently drops writes is detected,
/// and if another process stored its key at the same moment both end up using the one that won.
pub fn key_encryption_key(store: &dyn KeyStore) -> Result<Kek, KeyStoreError> {
    if let Some(bytes) = store.get(KEK_NAME)? {
        return Kek::from_bytes(&bytes);
    }
    let fresh = Kek::generate();
    store.set(KEK_NAME, fresh.expose())?;
    match store.get(KEK_NAME)? {
        Some(bytes) => Kek::from_bytes(&bytes),
        None => Err(KeyStoreError::Other {
            detail: format!(
                "the {} key store did not retain the key-encryption key",
                store.kind()
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::memory::MemoryKeyStore;
    use super::*;

    fn is_corrupt<T>(r: Result<T, KeyStoreError>) -> bool {
        matches!(r, Err(KeyStoreError::Corrupt { .. }))
    }

    #[test]
    fn kek_wrap_unwrap_roundtrip() {
        let kek = Kek::generate();
        let blob = kek.wrap(b"fp:abc", b"private key bytes");
        assert_eq!(blob[0], WRAP_VERSION);
        assert_eq!(blob.len(), 1 + NONCE_LEN + 17 + TAG_LEN);
        let pt = kek.unwrap(b"fp:abc", &blob).expect("unwrap");
        assert_eq!(&pt[..], b"private key bytes");
        // fresh nonce every time
        assert_ne!(blob, kek.wrap(b"fp:abc", b"private key bytes"));
        // empty plaintext works too
        let e = kek.wrap(b"", b"");
        assert!(kek.unwrap(b"", &e).expect("unwrap empty").is_empty());
    }

    #[test]
    fn kek_unwrap_rejects_bad_input() {
        let kek = Kek::generate();
        let blob = kek.wrap(b"fp:abc", b"secret");
        assert!(is_corrupt(kek.unwrap(b"fp:xyz", &blob)), "wrong aad");
        assert!(
            is_corrupt(Kek::generate().unwrap(b"fp:abc", &blob)),
            "wrong key"
        );
        for i in 0..blob.len() {
            let mut b = blob.clone();
            b[i] ^= 0x01;
            assert!(is_corrupt(kek.unwrap(b"fp:abc", &b)), "flipped byte {i}");
        }
        for n in 0..blob.len() {
            assert!(
                is_corrupt(kek.unwrap(b"fp:abc", &blob[..n])),
                "truncated to {n}"
            );
        }
        assert!(is_corrupt(kek.unwrap(b"fp:abc", &[])), "empty");
        assert!(is_corrupt(kek.unwrap(b"fp:abc", &[0xff; 64])), "garbage");
        let mut extended = blob.clone();
        extended.push(0);
        assert!(is_corrupt(kek.unwrap(b"fp:abc", &extended)), "extended");
    }

    #[test]
    fn kek_from_bytes_and_debug() {
        assert!(is_corrupt(Kek::from_bytes(&[1u8; 31])));
        assert!(is_corrupt(Kek::from_bytes(&[1u8; 33])));
        let k = Kek::from_bytes(&[7u8; 32]).expect("32 bytes");
        assert_eq!(format!("{k:?}"), "Kek(..)");
        let blob = k.wrap(b"a", b"x");
        let k2 = Kek::from_bytes(&[7u8; 32]).expect("32 bytes");
        assert_eq!(&k2.unwrap(b"a", &blob).expect("same key")[..], b"x");
    }

    #[test]
    fn key_encryption_key_created_once() {
        let store = MemoryKeyStore::new();
        assert!(store.get(KEK_NAME).expect("get").is_none());
        let k1 = key_encryption_key(&store).expect("create");
        let stored = store.get(KEK_NAME).expect("get").expect("stored");
        assert_eq!(stored.len(), KEK_LEN);
        let k2 = key_encryption_key(&store).expect("reuse");
        assert_eq!(k1.expose(), k2.expose());
        let blob = k1.wrap(b"ctx", b"data");
        assert_eq!(&k2.unwrap(b"ctx", &blob).expect("same kek")[..], b"data");
        // a damaged stored key is reported, never silently replaced
        store.set(KEK_NAME, b"short").expect("set");
        assert!(is_corrupt(key_encryption_key(&store)));
    }

    #[test]
    fn errors_name_the_alternative_and_kinds_parse() {
        let e = KeyStoreError::Unavailable {
            detail: "no session bus".into(),
        };
        let msg = e.to_string();
        assert!(msg.contains("OS keystore is unreachable"), "{msg}");
        assert!(msg.contains("sealpost keystore use file"), "{msg}");
        assert!(
            KeyStoreError::WrongPassphrase
                .to_string()
                .contains("wrong passphrase for the key file")
        );
        for k in [KeyStoreKind::Os, KeyStoreKind::File, KeyStoreKind::Memory] {
            let json = serde_json::to_string(&k).expect("ser");
            assert_eq!(json, format!("\"{}\"", k.as_str()));
            assert_eq!(serde_json::from_str::<KeyStoreKind>(&json).expect("de"), k);
            assert_eq!(k.as_str().parse::<KeyStoreKind>().expect("parse"), k);
        }
        assert!("keychain".parse::<KeyStoreKind>().is_err());
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("kek").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a\nb").is_err());
        assert!(check_name(&"x".repeat(MAX_NAME_LEN + 1)).is_err());
    }
}
