//! The platform keystore via `keyring` 4 (v1 API): Secret Service on Linux/BSD, Keychain on
//! macOS, Credential Manager on Windows. `keyring` picks the store itself, so nothing here is
//! platform-specific.

use rand::Rng;
use zeroize::{Zeroize, Zeroizing};

use super::{KeyStore, KeyStoreError, KeyStoreKind, check_name};

/// Service name under which every Sealpost secret is filed.
pub const SERVICE: &str = "sealpost";

/// Secrets of one Sealpost home in the OS keystore, filed as service "sealpost", user
/// "{home_id}/{name}". The home id is a random id of the data directory, so several homes
/// (and parallel tests) never see each other's secrets.
#[derive(Debug, Clone)]
pub struct OsKeyStore {
    home_id: String,
}

impl OsKeyStore {
    /// Fails with `Unavailable` if the platform store could not be initialised (e.g. no session
    /// D-Bus). That a store initialised does not prove it works; see [`probe`].
    pub fn new(home_id: &str) -> Result<OsKeyStore, KeyStoreError> {
        if home_id.is_empty()
            || home_id.len() > 128
            || home_id.contains('/')
            || home_id.chars().any(char::is_control)
        {
            return Err(KeyStoreError::Other {
                detail: format!(
                    "invalid home id {home_id:?}: must be 1..=128 bytes without '/' or control characters"
                ),
            });
        }
        store_status()?;
        Ok(OsKeyStore {
            home_id: home_id.to_string(),
        })
    }

    pub fn home_id(&self) -> &str {
        &self.home_id
    }

    fn entry(&self, name: &str) -> Result<keyring::Entry, KeyStoreError> {
        check_name(name)?;
        keyring::Entry::new(SERVICE, &format!("{}/{name}", self.home_id)).map_err(map_keyring_error)
    }
}

impl KeyStore for OsKeyStore {
    fn kind(&self) -> KeyStoreKind {
        KeyStoreKind::Os
    }

    fn get(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyStoreError> {
        match self.entry(name)?.get_secret() {
            Ok(secret) => Ok(Some(Zeroizing::new(secret))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_keyring_error(e)),
        }
    }

    fn set(&self, name: &str, secret: &[u8]) -> Result<(), KeyStoreError> {
        self.entry(name)?
            .set_secret(secret)
            .map_err(map_keyring_error)
    }

    fn delete(&self, name: &str) -> Result<(), KeyStoreError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_keyring_error(e)),
        }
    }
}

/// Result of keyring's one-time store initialisation, mapped to our error.
fn store_status() -> Result<(), KeyStoreError> {
    match keyring::Entry::store_status() {
        Ok(()) => Ok(()),
        // The error is cached by keyring and not Clone, so render it rather than move it.
        Err(e) => Err(KeyStoreError::Unavailable {
            detail: e.to_string(),
        }),
    }
}

/// Checks that the OS keystore really works by storing, reading back and deleting a random
/// probe secret (under a random user name, so concurrent probes never collide). A
/// successfully initialised store can still fail here, e.g. when the session bus has no
/// Secret Service provider or the user refuses to unlock the keyring.
pub fn probe() -> Result<(), KeyStoreError> {
    store_status()?;
    let mut rng = rand::rng();
    let mut id = [0u8; 8];
    rng.fill_bytes(&mut id);
    let mut value = Zeroizing::new([0u8; 16]);
    rng.fill_bytes(&mut value[..]);
    let entry = keyring::Entry::new(SERVICE, &format!("probe-{}", hex::encode(id)))
        .map_err(map_keyring_error)?;
    entry.set_secret(&value[..]).map_err(map_keyring_error)?;
    let read = entry.get_secret().map(Zeroizing::new);
    let deleted = entry.delete_credential();
    let read = read.map_err(map_keyring_error)?;
    deleted.map_err(map_keyring_error)?;
    if read[..] != value[..] {
        return Err(KeyStoreError::Unavailable {
            detail: "the probe secret read back differs from the one stored".into(),
        });
    }
    Ok(())
}

/// Maps keyring errors to ours. Anything meaning "the store cannot be reached or used" becomes
/// `Unavailable` (whose message names the file-store alternative). Variants that carry secret
/// bytes are wiped and reported without them.
pub(crate) fn map_keyring_error(e: keyring::Error) -> KeyStoreError {
    use keyring::Error as E;
    match e {
        E::NoDefaultStore => KeyStoreError::Unavailable {
            detail: "no platform credential store could be initialised".into(),
        },
        E::PlatformFailure(err) => KeyStoreError::Unavailable {
            detail: format!("platform failure: {err}"),
        },
        E::NoStorageAccess(err) => KeyStoreError::Unavailable {
            detail: format!("access to the credential storage was denied: {err}"),
        },
        E::NotSupportedByStore(why) => KeyStoreError::Unavailable {
            detail: format!("operation not supported by the credential store: {why}"),
        },
        E::NoEntry => KeyStoreError::Other {
            detail: "no such entry in the OS keystore".into(),
        },
        E::BadEncoding(mut bytes) => {
            bytes.zeroize();
            KeyStoreError::Corrupt {
                detail: "the OS keystore returned a value that is not valid UTF-8".into(),
            }
        }
        E::BadDataFormat(mut bytes, _err) => {
            // The inner error may describe the raw data, so it is dropped unseen.
            bytes.zeroize();
            KeyStoreError::Corrupt {
                detail: "the OS keystore returned malformed secret data".into(),
            }
        }
        E::BadStoreFormat(why) => KeyStoreError::Corrupt {
            detail: format!("the OS keystore's data is malformed: {why}"),
        },
        E::TooLong(attr, limit) => KeyStoreError::Other {
            detail: format!("{attr} is longer than the OS keystore's limit of {limit}"),
        },
        E::Invalid(attr, why) => KeyStoreError::Other {
            detail: format!("the OS keystore rejected {attr}: {why}"),
        },
        E::Ambiguous(entries) => KeyStoreError::Other {
            detail: format!(
                "{} entries in the OS keystore match one secret name",
                entries.len()
            ),
        },
        other => KeyStoreError::Other {
            detail: format!("OS keystore error: {other}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::{KEK_NAME, key_encryption_key};
    use super::*;

    const REQUIRE_ENV: &str = "SEALPOST_REQUIRE_SECRET_SERVICE";
    const CHILD_ENV: &str = "SEALPOST_KEYSTORE_UNREACHABLE_CHILD";

    fn random_home_id() -> String {
        let mut b = [0u8; 12];
        rand::rng().fill_bytes(&mut b);
        format!("test-{}", hex::encode(b))
    }

    /// Real round trip against the session's Secret Service (gnome-keyring in CI). Skips with a
    /// notice when none is reachable, unless SEALPOST_REQUIRE_SECRET_SERVICE=1.
    #[test]
    fn os_store_roundtrip_secret_service() {
        let required = std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1");
        let store = match probe().and_then(|()| OsKeyStore::new(&random_home_id())) {
            Ok(s) => s,
            Err(e) => {
                assert!(!required, "{REQUIRE_ENV}=1 but the OS keystore failed: {e}");
                assert!(
                    matches!(e, KeyStoreError::Unavailable { .. }),
                    "unexpected error: {e:?}"
                );
                println!(
                    "skipped: no Secret Service (set {REQUIRE_ENV}=1 to require it); error was: {e}"
                );
                return;
            }
        };
        assert_eq!(store.kind(), KeyStoreKind::Os);
        let secret = [0u8, 1, 2, 0xff, 0xfe, b'x', 0];
        assert!(store.get("roundtrip").expect("get before").is_none());
        store.set("roundtrip", &secret).expect("set");
        assert_eq!(
            &store.get("roundtrip").expect("get").expect("present")[..],
            &secret
        );
        store.set("roundtrip", b"replaced").expect("replace");
        assert_eq!(
            &store.get("roundtrip").expect("get").expect("present")[..],
            b"replaced"
        );
        // another home never sees this home's secret
        let other = OsKeyStore::new(&random_home_id()).expect("other home");
        assert!(other.get("roundtrip").expect("get other").is_none());
        store.delete("roundtrip").expect("delete");
        assert!(store.get("roundtrip").expect("get after").is_none());
        store.delete("roundtrip").expect("delete absent");

        let k1 = key_encryption_key(&store).expect("kek create");
        let k2 = key_encryption_key(&store).expect("kek reuse");
        let blob = k1.wrap(b"fp", b"key");
        assert_eq!(&k2.unwrap(b"fp", &blob).expect("same kek")[..], b"key");
        store.delete(KEK_NAME).expect("cleanup");
        assert!(store.get(KEK_NAME).expect("get").is_none());
    }

    #[test]
    fn unreachable_errors_name_the_file_store() {
        let cases = vec![
            keyring::Error::NoDefaultStore,
            keyring::Error::PlatformFailure(Box::new(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "Connection(No such file or directory)",
            ))),
            keyring::Error::NoStorageAccess(Box::new(std::io::Error::other("locked"))),
        ];
        for e in cases {
            let mapped = map_keyring_error(e);
            assert!(
                matches!(mapped, KeyStoreError::Unavailable { .. }),
                "{mapped:?}"
            );
            let msg = mapped.to_string();
            assert!(msg.contains("OS keystore is unreachable"), "{msg}");
            assert!(msg.contains("sealpost keystore use file"), "{msg}");
        }
    }

    #[test]
    fn secret_bytes_never_reach_error_messages() {
        let secret = b"TOPSECRET-VALUE".to_vec();
        for e in [
            keyring::Error::BadEncoding(secret.clone()),
            keyring::Error::BadDataFormat(
                secret.clone(),
                Box::new(std::io::Error::other(
                    String::from_utf8_lossy(&secret).into_owned(),
                )),
            ),
        ] {
            let mapped = map_keyring_error(e);
            assert!(matches!(mapped, KeyStoreError::Corrupt { .. }));
            assert!(!mapped.to_string().contains("TOPSECRET"));
            assert!(!format!("{mapped:?}").contains("TOPSECRET"));
        }
    }

    #[test]
    fn invalid_home_ids_are_rejected() {
        for bad in ["", "a/b", "x\ny"] {
            assert!(matches!(
                OsKeyStore::new(bad),
                Err(KeyStoreError::Other { .. })
            ));
        }
    }

    /// Runs `unreachable_child` in a child process whose session bus address points at a
    /// nonexistent socket (mutating env vars in this multi-threaded process would be unsound).
    #[cfg(all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    ))]
    #[test]
    fn unreachable_secret_service_gives_unavailable() {
        let exe = std::env::current_exe().expect("test binary path");
        let out = std::process::Command::new(exe)
            .args([
                "--exact",
                "keystore::os::tests::unreachable_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, "1")
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/sealpost-test/bus",
            )
            .env("XDG_RUNTIME_DIR", "/nonexistent/sealpost-test")
            .output()
            .expect("spawn child test");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "child failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
        assert!(
            stdout.contains("CHILD-CHECKED"),
            "child did not run\n{stdout}"
        );
    }

    /// Only does something when started by `unreachable_secret_service_gives_unavailable`.
    #[test]
    fn unreachable_child() {
        if std::env::var_os(CHILD_ENV).is_none() {
            return;
        }
        let err = OsKeyStore::new(&random_home_id())
            .and_then(|s| s.get("x").map(|_| ()))
            .expect_err("store must be unreachable");
        assert!(matches!(err, KeyStoreError::Unavailable { .. }), "{err:?}");
        assert!(err.to_string().contains("sealpost keystore use file"));
        let perr = probe().expect_err("probe must fail");
        assert!(
            matches!(perr, KeyStoreError::Unavailable { .. }),
            "{perr:?}"
        );
        println!("CHILD-CHECKED: {err}");
    }
}
