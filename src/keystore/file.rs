//! The passphrase-protected key file: the store a user chooses explicitly when no OS keystore
//! exists.
//!
//! Format (JSON):
//! `{"format":"sealpost-keyfile-1","kdf":{"alg":"argon2id","m_kib":..,"t":..,"p":..,"salt":b64},
//!   "nonce":b64,"ciphertext":b64}`.
//! The ciphertext is AES-256-GCM, under the Argon2id-derived key, of a JSON map
//! name -> base64(secret); the AAD is the serialized header (format + kdf), so the KDF
//! parameters cannot be weakened or swapped without the tag failing.
//!
//! Error semantics on open: a file that is not valid key-file JSON (or has implausible
//! parameters) is `Corrupt`; a well-formed file that fails authentication is `WrongPassphrase`,
//! because GCM cannot tell a wrong passphrase from a modified salt, nonce or ciphertext.
//!
//! The derived key stays in memory (zeroized on drop) so every `set`/`delete` re-encrypts with
//! a fresh nonce without another KDF run, and writes atomically (temp file, 0600 on Unix,
//! fsync, rename). Plaintext never touches the disk. One writer at a time: two processes
//! writing the same file concurrently lose one another's updates (last rename wins).

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rand::Rng;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::{KEK_LEN, KeyStore, KeyStoreError, KeyStoreKind, aes_open, aes_seal, check_name};

/// Value of the `format` field.
pub const FORMAT: &str = "sealpost-keyfile-1";
/// Value of the `kdf.alg` field.
pub const KDF_ALG: &str = "argon2id";
/// Production Argon2id memory cost: 64 MiB.
pub const ARGON2_M_KIB: u32 = 64 * 1024;
/// Production Argon2id passes.
pub const ARGON2_T: u32 = 3;
/// Production Argon2id lanes.
pub const ARGON2_P: u32 = 1;

/// Upper bounds accepted when opening a file, so a tampered header cannot make us allocate
/// terabytes or spin for hours before the tag check can reject it.
const MAX_M_KIB: u32 = 4 * 1024 * 1024;
const MAX_T: u32 = 64;
const MAX_P: u32 = 64;
const SALT_LEN: usize = 16;
const MIN_SALT_LEN: usize = 8;
const NONCE_LEN: usize = 12;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KdfParams {
    alg: String,
    m_kib: u32,
    t: u32,
    p: u32,
    salt: String,
}

/// The on-disk document. Unknown fields are rejected, so nothing outside the AAD can matter.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFileDoc {
    format: String,
    kdf: KdfParams,
    nonce: String,
    ciphertext: String,
}

/// The authenticated header; its serialization (fixed field order) is the GCM AAD.
#[derive(Serialize)]
struct Header<'a> {
    format: &'a str,
    kdf: &'a KdfParams,
}

fn header_aad(kdf: &KdfParams) -> Result<Vec<u8>, KeyStoreError> {
    serde_json::to_vec(&Header {
        format: FORMAT,
        kdf,
    })
    .map_err(|e| KeyStoreError::Other {
        detail: format!("cannot serialize key file header: {e}"),
    })
}

/// A base64 secret as parsed from the decrypted JSON; wiped when dropped.
#[derive(Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(transparent)]
struct B64Secret(String);

struct Inner {
    kdf: KdfParams,
    key: Zeroizing<[u8; KEK_LEN]>,
    secrets: BTreeMap<String, Zeroizing<Vec<u8>>>,
}

/// A passphrase-protected key file, opened (key derived) and cached in memory.
pub struct FileKeyStore {
    path: PathBuf,
    inner: Mutex<Inner>,
}

/// Shows the path and the number of secrets only.
impl std::fmt::Debug for FileKeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("FileKeyStore");
        d.field("path", &self.path);
        // try_lock: Debug must not deadlock when called while the store is busy.
        if let Ok(inner) = self.inner.try_lock() {
            d.field("secrets", &inner.secrets.len());
        }
        d.finish_non_exhaustive()
    }
}

impl FileKeyStore {
    /// Creates a new, empty key file with the production Argon2id parameters (64 MiB, t=3,
    /// p=1). Fails if the file already exists. The parent directory must exist.
    pub fn create(path: impl AsRef<Path>, passphrase: &[u8]) -> Result<Self, KeyStoreError> {
        Self::create_with_params(path, passphrase, ARGON2_M_KIB, ARGON2_T, ARGON2_P)
    }

    /// Like [`FileKeyStore::create`] with explicit Argon2id costs (small ones keep tests fast).
    pub fn create_with_params(
        path: impl AsRef<Path>,
        passphrase: &[u8],
        m_kib: u32,
        t: u32,
        p: u32,
    ) -> Result<Self, KeyStoreError> {
        let path = path.as_ref().to_path_buf();
        if passphrase.is_empty() {
            return Err(KeyStoreError::Other {
                detail: "the key file passphrase must not be empty".into(),
            });
        }
        check_params(m_kib, t, p).map_err(|detail| KeyStoreError::Other { detail })?;
        if Self::exists(&path) {
            return Err(already_exists(&path));
        }
        let mut salt = [0u8; SALT_LEN];
        rand::rng().fill_bytes(&mut salt);
        let kdf = KdfParams {
            alg: KDF_ALG.into(),
            m_kib,
            t,
            p,
            salt: B64.encode(salt),
        };
        let key = derive_key(passphrase, &kdf, &salt)?;
        let inner = Inner {
            kdf,
            key,
            secrets: BTreeMap::new(),
        };
        let bytes = seal_document(&inner)?;
        write_atomic(&path, &bytes, true)?;
        Ok(FileKeyStore {
            path,
            inner: Mutex::new(inner),
        })
    }

    /// Opens an existing key file: `WrongPassphrase` if authentication fails, `Corrupt` if the
    /// file is not a well-formed key file (see the module docs for why the line is drawn there).
    pub fn open(path: impl AsRef<Path>, passphrase: &[u8]) -> Result<Self, KeyStoreError> {
        let path = path.as_ref().to_path_buf();
        let raw = fs::read(&path).map_err(|e| io_context(e, "cannot read key file", &path))?;
        let doc: KeyFileDoc = serde_json::from_slice(&raw).map_err(|e| corrupt(e.to_string()))?;
        if doc.format != FORMAT {
            return Err(corrupt(format!(
                "unsupported format {:?} (expected {FORMAT:?})",
                doc.format
            )));
        }
        if doc.kdf.alg != KDF_ALG {
            return Err(corrupt(format!(
                "unsupported KDF {:?} (expected {KDF_ALG:?})",
                doc.kdf.alg
            )));
        }
        check_params(doc.kdf.m_kib, doc.kdf.t, doc.kdf.p).map_err(corrupt)?;
        let salt = B64
            .decode(&doc.kdf.salt)
            .map_err(|e| corrupt(format!("salt is not base64: {e}")))?;
        if salt.len() < MIN_SALT_LEN {
            return Err(corrupt("salt is too short".into()));
        }
        let nonce = B64
            .decode(&doc.nonce)
            .map_err(|e| corrupt(format!("nonce is not base64: {e}")))?;
        if nonce.len() != NONCE_LEN {
            return Err(corrupt(format!("nonce must be {NONCE_LEN} bytes")));
        }
        let ciphertext = B64
            .decode(&doc.ciphertext)
            .map_err(|e| corrupt(format!("ciphertext is not base64: {e}")))?;
        let key = derive_key(passphrase, &doc.kdf, &salt)?;
        let aad = header_aad(&doc.kdf)?;
        let plaintext =
            aes_open(&key, &nonce, &aad, &ciphertext).ok_or(KeyStoreError::WrongPassphrase)?;
        let secrets = decode_secrets(&plaintext)?;
        Ok(FileKeyStore {
            path,
            inner: Mutex::new(Inner {
                kdf: doc.kdf,
                key,
                secrets,
            }),
        })
    }

    /// Whether something exists at `path` (a dangling symlink counts, so `create` won't clobber
    /// its target).
    pub fn exists(path: impl AsRef<Path>) -> bool {
        fs::symlink_metadata(path).is_ok()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Re-encrypts the file under a new passphrase with a new salt, keeping the KDF costs.
    pub fn change_passphrase(&self, new_passphrase: &[u8]) -> Result<(), KeyStoreError> {
        if new_passphrase.is_empty() {
            return Err(KeyStoreError::Other {
                detail: "the key file passphrase must not be empty".into(),
            });
        }
        let mut inner = self.lock();
        let mut salt = [0u8; SALT_LEN];
        rand::rng().fill_bytes(&mut salt);
        let kdf = KdfParams {
            salt: B64.encode(salt),
            ..inner.kdf.clone()
        };
        let key = derive_key(new_passphrase, &kdf, &salt)?;
        let next = Inner {
            kdf,
            key,
            secrets: inner.secrets.clone(),
        };
        let bytes = seal_document(&next)?;
        write_atomic(&self.path, &bytes, false)?;
        *inner = next;
        Ok(())
    }

    /// The state is only replaced after a successful write, so a poisoned lock is still sound.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Applies `change` to a copy of the secrets, writes it, and only then adopts it, so a
    /// failed write leaves memory consistent with the disk.
    fn update(
        &self,
        change: impl FnOnce(&mut BTreeMap<String, Zeroizing<Vec<u8>>>),
    ) -> Result<(), KeyStoreError> {
        let mut inner = self.lock();
        let mut secrets = inner.secrets.clone();
        change(&mut secrets);
        let next = Inner {
            kdf: inner.kdf.clone(),
            key: inner.key.clone(),
            secrets,
        };
        let bytes = seal_document(&next)?;
        write_atomic(&self.path, &bytes, false)?;
        *inner = next;
        Ok(())
    }
}

impl KeyStore for FileKeyStore {
    fn kind(&self) -> KeyStoreKind {
        KeyStoreKind::File
    }

    fn get(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyStoreError> {
        check_name(name)?;
        Ok(self.lock().secrets.get(name).cloned())
    }

    fn set(&self, name: &str, secret: &[u8]) -> Result<(), KeyStoreError> {
        check_name(name)?;
        self.update(|m| {
            m.insert(name.to_string(), Zeroizing::new(secret.to_vec()));
        })
    }

    fn delete(&self, name: &str) -> Result<(), KeyStoreError> {
        check_name(name)?;
        if !self.lock().secrets.contains_key(name) {
            return Ok(());
        }
        self.update(|m| {
            m.remove(name);
        })
    }
}

fn corrupt(detail: String) -> KeyStoreError {
    KeyStoreError::Corrupt {
        detail: format!("key file: {detail}"),
    }
}

fn already_exists(path: &Path) -> KeyStoreError {
    KeyStoreError::Io(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("key file {} already exists", path.display()),
    ))
}

/// Keeps the error kind but says which file and what we were doing.
fn io_context(e: io::Error, what: &str, path: &Path) -> KeyStoreError {
    KeyStoreError::Io(io::Error::new(
        e.kind(),
        format!("{what} {}: {e}", path.display()),
    ))
}

fn check_params(m_kib: u32, t: u32, p: u32) -> Result<(), String> {
    if !(1..=MAX_P).contains(&p) || !(1..=MAX_T).contains(&t) {
        return Err(format!(
            "implausible Argon2id parameters t={t}, p={p} (allowed t 1..={MAX_T}, p 1..={MAX_P})"
        ));
    }
    if m_kib < 8 * p || m_kib > MAX_M_KIB {
        return Err(format!(
            "implausible Argon2id memory {m_kib} KiB (allowed {}..={MAX_M_KIB})",
            8 * p
        ));
    }
    Ok(())
}

fn derive_key(
    passphrase: &[u8],
    kdf: &KdfParams,
    salt: &[u8],
) -> Result<Zeroizing<[u8; KEK_LEN]>, KeyStoreError> {
    let params = argon2::Params::new(kdf.m_kib, kdf.t, kdf.p, Some(KEK_LEN))
        .map_err(|e| corrupt(format!("invalid Argon2id parameters: {e}")))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = Zeroizing::new([0u8; KEK_LEN]);
    argon
        .hash_password_into(passphrase, salt, &mut key[..])
        .map_err(|e| KeyStoreError::Other {
            detail: format!("key derivation failed: {e}"),
        })?;
    Ok(key)
}

/// Serializes the secrets as `{"name":"base64",..}` into one pre-sized, zeroizing buffer, so no
/// reallocation leaves plaintext copies behind. Names are not secret and are escaped by serde.
fn encode_secrets(
    secrets: &BTreeMap<String, Zeroizing<Vec<u8>>>,
) -> Result<Zeroizing<Vec<u8>>, KeyStoreError> {
    let too_big = || KeyStoreError::Other {
        detail: "secret too large".into(),
    };
    let mut names = Vec::with_capacity(secrets.len());
    let mut cap = 2usize;
    for (name, value) in secrets {
        let quoted = serde_json::to_string(name).map_err(|e| KeyStoreError::Other {
            detail: format!("cannot encode secret name: {e}"),
        })?;
        let b64_len = base64::encoded_len(value.len(), true).ok_or_else(too_big)?;
        cap = cap
            .checked_add(quoted.len() + b64_len + 4)
            .ok_or_else(too_big)?;
        names.push(quoted);
    }
    let mut out = Zeroizing::new(Vec::with_capacity(cap));
    out.push(b'{');
    for (i, (quoted, value)) in names.iter().zip(secrets.values()).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(quoted.as_bytes());
        out.extend_from_slice(b":\"");
        let start = out.len();
        let b64_len = base64::encoded_len(value.len(), true).ok_or_else(too_big)?;
        out.resize(start + b64_len, 0);
        B64.encode_slice(&value[..], &mut out[start..])
            .map_err(|e| KeyStoreError::Other {
                detail: format!("base64 encoding failed: {e}"),
            })?;
        out.push(b'"');
    }
    out.push(b'}');
    debug_assert!(out.len() <= cap);
    Ok(out)
}

fn decode_secrets(plaintext: &[u8]) -> Result<BTreeMap<String, Zeroizing<Vec<u8>>>, KeyStoreError> {
    // Authenticated content that doesn't parse means a writer bug, not a wrong passphrase.
    let parsed: BTreeMap<String, B64Secret> = serde_json::from_slice(plaintext)
        .map_err(|_| corrupt("decrypted content is not a secret map".into()))?;
    let mut out = BTreeMap::new();
    for (name, value) in &parsed {
        let bytes = B64
            .decode(value.0.as_bytes())
            .map_err(|_| corrupt(format!("secret {name:?} is not valid base64")))?;
        out.insert(name.clone(), Zeroizing::new(bytes));
    }
    Ok(out)
}

/// Encrypts the secrets under the held key with a fresh nonce and renders the JSON document.
fn seal_document(inner: &Inner) -> Result<Vec<u8>, KeyStoreError> {
    let plaintext = encode_secrets(&inner.secrets)?;
    let aad = header_aad(&inner.kdf)?;
    let mut nonce = [0u8; NONCE_LEN];
    rand::rng().fill_bytes(&mut nonce);
    let ciphertext = aes_seal(&inner.key, &nonce, &aad, &plaintext);
    let doc = KeyFileDoc {
        format: FORMAT.into(),
        kdf: inner.kdf.clone(),
        nonce: B64.encode(nonce),
        ciphertext: B64.encode(ciphertext),
    };
    let mut bytes = serde_json::to_vec_pretty(&doc).map_err(|e| KeyStoreError::Other {
        detail: format!("cannot serialize key file: {e}"),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Writes `bytes` (already encrypted) to a temp file next to `path` (0600 on Unix), fsyncs it,
/// and moves it into place. With `create_new` the final step refuses to replace an existing
/// file (hard link, which fails if the target exists; rename after a re-check where the file
/// system has no hard links).
fn write_atomic(path: &Path, bytes: &[u8], create_new: bool) -> Result<(), KeyStoreError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| KeyStoreError::Other {
            detail: format!("key file path {} has no file name", path.display()),
        })?
        .to_string_lossy()
        .into_owned();
    let mut rnd = [0u8; 8];
    rand::rng().fill_bytes(&mut rnd);
    let tmp = dir.join(format!(".{file_name}.{}.tmp", hex::encode(rnd)));

    let result = (|| {
        let mut f = open_private(&tmp)
            .map_err(|e| io_context(e, "cannot create temporary key file", &tmp))?;
        f.write_all(bytes)
            .and_then(|()| f.sync_all())
            .map_err(|e| io_context(e, "cannot write temporary key file", &tmp))?;
        drop(f);
        if create_new {
            match fs::hard_link(&tmp, path) {
                Ok(()) => {
                    let _ = fs::remove_file(&tmp);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    return Err(already_exists(path));
                }
                Err(_) => {
                    if FileKeyStore::exists(path) {
                        return Err(already_exists(path));
                    }
                    fs::rename(&tmp, path)
                        .map_err(|e| io_context(e, "cannot move key file into place", path))?;
                }
            }
        } else {
            fs::rename(&tmp, path)
                .map_err(|e| io_context(e, "cannot move key file into place", path))?;
        }
        sync_dir(&dir);
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(unix)]
fn open_private(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> io::Result<File> {
    OpenOptions::new().write(true).create_new(true).open(path)
}

/// Makes the rename durable; best effort, as not every platform can fsync a directory.
#[cfg(unix)]
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) {}

#[cfg(test)]
mod tests {
    use super::super::{KEK_NAME, key_encryption_key};
    use super::*;

    const PASS: &[u8] = b"correct horse battery staple";
    const SECRET: &[u8] = b"S3CRET-KEY-MATERIAL-0123456789";

    fn create(path: &Path) -> FileKeyStore {
        FileKeyStore::create_with_params(path, PASS, 1024, 1, 1).expect("create")
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn file_store_roundtrip_and_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys.json");
        assert!(!FileKeyStore::exists(&path));
        let s = create(&path);
        assert!(FileKeyStore::exists(&path));
        assert_eq!(s.kind(), KeyStoreKind::File);
        assert!(s.get("a").expect("get").is_none());
        s.set("a", SECRET).expect("set");
        s.set("weird \"name\" \u{e9}", b"\x00\xff").expect("set");
        s.set("gone", b"x").expect("set");
        s.delete("gone").expect("delete");
        s.delete("gone").expect("delete absent");
        let kek = key_encryption_key(&s).expect("kek");
        drop(s);

        let r = FileKeyStore::open(&path, PASS).expect("reopen");
        assert_eq!(&r.get("a").expect("get").expect("some")[..], SECRET);
        assert_eq!(
            &r.get("weird \"name\" \u{e9}").expect("get").expect("some")[..],
            b"\x00\xff"
        );
        assert!(r.get("gone").expect("get").is_none());
        let kek2 = key_encryption_key(&r).expect("kek again");
        let blob = kek.wrap(b"fp", b"pk");
        assert_eq!(&kek2.unwrap(b"fp", &blob).expect("same kek")[..], b"pk");
        assert!(r.get(KEK_NAME).expect("get").is_some());

        let dbg = format!("{r:?}");
        assert!(!dbg.contains("S3CRET"), "{dbg}");
    }

    #[test]
    fn file_store_header_and_no_plaintext_on_disk() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys.json");
        let s = create(&path);
        s.set("a", SECRET).expect("set");
        let raw = fs::read(&path).expect("read");
        assert!(!contains(&raw, SECRET));
        assert!(!contains(&raw, B64.encode(SECRET).as_bytes()));
        let v: serde_json::Value = serde_json::from_slice(&raw).expect("json");
        assert_eq!(v["format"], FORMAT);
        assert_eq!(v["kdf"]["alg"], "argon2id");
        assert_eq!(v["kdf"]["m_kib"], 1024);
        assert_eq!(v["kdf"]["t"], 1);
        assert_eq!(v["kdf"]["p"], 1);
        // fresh nonce on every write
        let n1 = v["nonce"].clone();
        s.set("b", b"y").expect("set");
        let v2: serde_json::Value =
            serde_json::from_slice(&fs::read(&path).expect("read")).expect("json");
        assert_ne!(n1, v2["nonce"]);
        // no temp files left behind
        let names: Vec<_> = fs::read_dir(dir.path())
            .expect("readdir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("keys.json")]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn file_store_wrong_passphrase() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys.json");
        create(&path).set("a", SECRET).expect("set");
        assert!(matches!(
            FileKeyStore::open(&path, b"not the passphrase"),
            Err(KeyStoreError::WrongPassphrase)
        ));
        assert!(matches!(
            FileKeyStore::open(&path, b""),
            Err(KeyStoreError::WrongPassphrase)
        ));
    }

    #[test]
    fn file_store_tampering_detected() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys.json");
        create(&path).set("a", SECRET).expect("set");
        let orig = fs::read(&path).expect("read");
        // Flip one bit at many positions: every variant must fail cleanly, never open.
        for i in (0..orig.len()).step_by(3) {
            let mut b = orig.clone();
            b[i] ^= 0x01;
            fs::write(&path, &b).expect("write");
            match FileKeyStore::open(&path, PASS) {
                Err(KeyStoreError::Corrupt { .. } | KeyStoreError::WrongPassphrase) => {}
                Ok(_) => panic!("tampered file (byte {i}) opened"),
                Err(e) => panic!("byte {i}: unexpected error {e:?}"),
            }
        }
        // Valid JSON with a modified authenticated field -> WrongPassphrase (GCM can't tell).
        let mut v: serde_json::Value = serde_json::from_slice(&orig).expect("json");
        v["kdf"]["t"] = 2.into();
        fs::write(&path, serde_json::to_vec(&v).expect("ser")).expect("write");
        assert!(matches!(
            FileKeyStore::open(&path, PASS),
            Err(KeyStoreError::WrongPassphrase)
        ));
        // Unparsable -> Corrupt.
        fs::write(&path, &orig[..orig.len() / 2]).expect("write");
        assert!(matches!(
            FileKeyStore::open(&path, PASS),
            Err(KeyStoreError::Corrupt { .. })
        ));
        // Implausible parameters -> Corrupt, before any KDF run.
        let mut v: serde_json::Value = serde_json::from_slice(&orig).expect("json");
        v["kdf"]["m_kib"] = u32::MAX.into();
        fs::write(&path, serde_json::to_vec(&v).expect("ser")).expect("write");
        assert!(matches!(
            FileKeyStore::open(&path, PASS),
            Err(KeyStoreError::Corrupt { .. })
        ));
        // Unknown field -> Corrupt.
        let mut v: serde_json::Value = serde_json::from_slice(&orig).expect("json");
        v["extra"] = 1.into();
        fs::write(&path, serde_json::to_vec(&v).expect("ser")).expect("write");
        assert!(matches!(
            FileKeyStore::open(&path, PASS),
            Err(KeyStoreError::Corrupt { .. })
        ));
        // Original still opens.
        fs::write(&path, &orig).expect("write");
        FileKeyStore::open(&path, PASS).expect("original opens");
    }

    #[test]
    fn file_store_create_refuses_existing_and_bad_input() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys.json");
        fs::write(&path, b"something else").expect("write");
        match FileKeyStore::create_with_params(&path, PASS, 1024, 1, 1) {
            Err(KeyStoreError::Io(e)) => assert_eq!(e.kind(), io::ErrorKind::AlreadyExists),
            other => panic!("expected AlreadyExists, got {other:?}"),
        }
        assert_eq!(fs::read(&path).expect("read"), b"something else");
        let p2 = dir.path().join("k2.json");
        assert!(FileKeyStore::create_with_params(&p2, b"", 1024, 1, 1).is_err());
        assert!(FileKeyStore::create_with_params(&p2, PASS, 1024, 0, 1).is_err());
        assert!(!FileKeyStore::exists(&p2));
        match FileKeyStore::open(dir.path().join("missing.json"), PASS) {
            Err(KeyStoreError::Io(e)) => assert_eq!(e.kind(), io::ErrorKind::NotFound),
            other => panic!("expected NotFound, got {other:?}"),
        }
    }

    #[test]
    fn file_store_change_passphrase() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys.json");
        let s = create(&path);
        s.set("a", SECRET).expect("set");
        s.change_passphrase(b"new pass").expect("change");
        assert!(matches!(
            FileKeyStore::open(&path, PASS),
            Err(KeyStoreError::WrongPassphrase)
        ));
        let r = FileKeyStore::open(&path, b"new pass").expect("open with new");
        assert_eq!(&r.get("a").expect("get").expect("some")[..], SECRET);
    }

    #[test]
    fn encode_decode_secrets_roundtrip() {
        let mut m = BTreeMap::new();
        for (k, v) in [
            ("a", &b""[..]),
            ("b\"\\", b"\x00\x01\x02"),
            ("c", &[0xffu8; 100][..]),
        ] {
            m.insert(k.to_string(), Zeroizing::new(v.to_vec()));
        }
        let enc = encode_secrets(&m).expect("encode");
        let dec = decode_secrets(&enc).expect("decode");
        assert_eq!(dec, m);
        assert!(decode_secrets(b"{}").expect("empty").is_empty());
        assert!(matches!(
            decode_secrets(b"[1]"),
            Err(KeyStoreError::Corrupt { .. })
        ));
    }
}
