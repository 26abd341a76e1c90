//! [`Home`]: one Sealpost data directory, the state every use case needs: the SQLite store,
//! the choice of keystore (and the key-encryption key it guards), and the clock.

use std::path::{Path, PathBuf};

use crate::api::{ApiError, ErrorCode, PassphraseSource};
use crate::clock::SharedClock;
use crate::keystore::{self, Kek, KeyStore, KeyStoreKind, file::FileKeyStore, os::OsKeyStore};
use crate::pki::cert::Cert;
use crate::pki::keys::PrivateKey;
use crate::store::{Store, StoredCert};

/// A Sealpost data directory: the database plus the choice of keystore.
pub struct Home {
    pub(crate) dir: PathBuf,
    pub(crate) store: Store,
    /// The key-encryption key, when a caller asked to hold it ([`Home::hold_keys`]).
    pub(crate) held_kek: std::sync::Mutex<Option<Kek>>,
    /// The time every use case judges at (validity, revocation freshness, time stamps).
    pub(crate) clock: SharedClock,
}

/// The platform data directory, unless overridden.
pub fn default_home() -> PathBuf {
    directories::ProjectDirs::from("org", "Sealpost", "Sealpost")
        .map(|p| p.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".sealpost"))
}

const META_HOME_ID: &str = "home_id";
const META_KEYSTORE: &str = "keystore";
const KEYFILE: &str = "keys.sealed";

impl Home {
    /// Opens (creating if needed) the home at `dir`, on the system clock.
    pub fn open(dir: &Path) -> Result<Home, ApiError> {
        Home::open_with_clock(dir, crate::clock::system())
    }

    /// Opens the home at `dir` with its time taken from `clock` (tests fix it).
    pub fn open_with_clock(dir: &Path, clock: SharedClock) -> Result<Home, ApiError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            ApiError::new(
                ErrorCode::Storage,
                format!("cannot create the data directory {}: {e}", dir.display()),
            )
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
        let mut store = Store::open(&dir.join("sealpost.db"))?;
        store.set_clock(clock.clone());
        if store.meta(META_HOME_ID)?.is_none() {
            let mut id = [0u8; 16];
            rand::Rng::fill_bytes(&mut rand::rng(), &mut id);
            store.set_meta(META_HOME_ID, &hex::encode(id))?;
        }
        Ok(Home {
            dir: dir.to_path_buf(),
            store,
            held_kek: std::sync::Mutex::new(None),
            clock,
        })
    }

    /// Now, by this home's clock.
    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    /// This home's clock, for a second connection to the same directory.
    pub fn clock(&self) -> SharedClock {
        self.clock.clone()
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Checks a passphrase against the key file without changing anything.
    pub fn check_file_keystore(&self, passphrase: &str) -> Result<(), ApiError> {
        FileKeyStore::open(self.dir.join(KEYFILE), passphrase.as_bytes())?;
        Ok(())
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Where this home keeps its private keys: the OS keystore (the default) or the file.
    pub fn keystore_kind(&self) -> Result<KeyStoreKind, ApiError> {
        Ok(match self.store.meta(META_KEYSTORE)?.as_deref() {
            Some("file") => KeyStoreKind::File,
            _ => KeyStoreKind::Os,
        })
    }

    /// Switches this home to the passphrase-protected file store (creating it).
    pub fn use_file_keystore(&self, passphrase: &str) -> Result<(), ApiError> {
        if self.has_private_keys()? && self.keystore_kind()? != KeyStoreKind::File {
            return Err(ApiError::new(
                ErrorCode::BadInput,
                "this home already holds private keys under the OS keystore; export them first",
            ));
        }
        let path = self.dir.join(KEYFILE);
        if !FileKeyStore::exists(&path) {
            if passphrase.chars().count() < 8 {
                return Err(ApiError::new(
                    ErrorCode::BadInput,
                    "the passphrase must have at least 8 characters",
                ));
            }
            FileKeyStore::create(&path, passphrase.as_bytes())?;
        } else {
            FileKeyStore::open(&path, passphrase.as_bytes())?;
        }
        self.store
            .set_meta(META_KEYSTORE, KeyStoreKind::File.as_str())?;
        self.forget_held_keys();
        Ok(())
    }

    /// Switches this home to the OS keystore, checking that it is reachable.
    pub fn use_os_keystore(&self) -> Result<(), ApiError> {
        if self.has_private_keys()? && self.keystore_kind()? != KeyStoreKind::Os {
            return Err(ApiError::new(
                ErrorCode::BadInput,
                "this home already holds private keys under the file keystore",
            ));
        }
        keystore::os::probe()?;
        self.store
            .set_meta(META_KEYSTORE, KeyStoreKind::Os.as_str())?;
        self.forget_held_keys();
        Ok(())
    }

    /// Whether any private key (an identity's, a CA's or a waiting request's) is held.
    pub(crate) fn has_private_keys(&self) -> Result<bool, ApiError> {
        Ok(self.store.private_key_count()? > 0)
    }

    pub(crate) fn keystore(
        &self,
        passphrase: PassphraseSource,
    ) -> Result<Box<dyn KeyStore>, ApiError> {
        match self.keystore_kind()? {
            KeyStoreKind::File => {
                let pass = passphrase()?;
                Ok(Box::new(FileKeyStore::open(
                    self.dir.join(KEYFILE),
                    pass.as_bytes(),
                )?))
            }
            _ => {
                let id = self
                    .store
                    .meta(META_HOME_ID)?
                    .ok_or_else(|| ApiError::new(ErrorCode::Storage, "home id missing"))?;
                Ok(Box::new(OsKeyStore::new(&id)?))
            }
        }
    }

    pub(crate) fn private_key(
        &self,
        cert: &Cert,
        passphrase: PassphraseSource,
    ) -> Result<PrivateKey, ApiError> {
        let fp = cert.fingerprint();
        let wrapped = self.store.private_key(&fp)?.ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                format!("no private key for {}", cert.subject()),
            )
        })?;
        unwrap_private_key(&self.kek(passphrase)?, &fp, &wrapped)
    }

    /// Every identity's private key, the key-encryption key unlocked once for all of them.
    pub(crate) fn identity_keys(
        &self,
        identities: &[&StoredCert],
        passphrase: PassphraseSource,
    ) -> Result<Vec<(Cert, PrivateKey)>, ApiError> {
        let mut wrapped = Vec::new();
        for s in identities {
            let fp = s.cert.fingerprint();
            if let Some(w) = self.store.private_key(&fp)? {
                wrapped.push((s.cert.clone(), fp, w));
            }
        }
        if wrapped.is_empty() {
            return Ok(Vec::new());
        }
        let kek = self.kek(passphrase)?;
        wrapped
            .into_iter()
            .map(|(cert, fp, w)| Ok((cert, unwrap_private_key(&kek, &fp, &w)?)))
            .collect()
    }

    /// The key-encryption key: the held one, else unlocked from the keystore now.
    pub(crate) fn kek(&self, passphrase: PassphraseSource) -> Result<Kek, ApiError> {
        if let Some(k) = self.held_kek.lock().ok().and_then(|g| g.clone()) {
            return Ok(k);
        }
        let ks = self.keystore(passphrase)?;
        Ok(keystore::key_encryption_key(ks.as_ref())?)
    }

    /// Unlocks the key-encryption key now and keeps it (zeroized on drop) for this `Home`'s
    /// later calls, so that a one-shot command can pay for the file keystore's Argon2id (64 MiB
    /// of working memory) before it reads a large message, not while holding it. Does nothing
    /// when there are no private keys. Switching keystores forgets it.
    pub fn hold_keys(&self, passphrase: PassphraseSource) -> Result<(), ApiError> {
        if !self.has_private_keys()? {
            return Ok(());
        }
        let ks = self.keystore(passphrase)?;
        let kek = keystore::key_encryption_key(ks.as_ref())?;
        if let Ok(mut g) = self.held_kek.lock() {
            *g = Some(kek);
        }
        Ok(())
    }

    pub(crate) fn forget_held_keys(&self) {
        if let Ok(mut g) = self.held_kek.lock() {
            *g = None;
        }
    }
}

fn unwrap_private_key(kek: &Kek, fp: &str, wrapped: &[u8]) -> Result<PrivateKey, ApiError> {
    let pkcs8 = kek.unwrap(fp.as_bytes(), wrapped)?;
    PrivateKey::from_pkcs8_der(&pkcs8)
        .map_err(|e| ApiError::new(ErrorCode::Storage, format!("stored key: {e}")))
}
