//! In-process key store for unit tests: nothing persists beyond the value's lifetime.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use zeroize::Zeroizing;

use super::{KeyStore, KeyStoreError, KeyStoreKind, check_name};

/// Secrets in a `HashMap` behind a `Mutex`; values are zeroized when replaced, deleted or dropped.
#[derive(Default)]
pub struct MemoryKeyStore {
    map: Mutex<HashMap<String, Zeroizing<Vec<u8>>>>,
}

impl MemoryKeyStore {
    pub fn new() -> MemoryKeyStore {
        MemoryKeyStore::default()
    }

    /// The map is never left half-updated, so a poisoned lock is still safe to use.
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Zeroizing<Vec<u8>>>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Shows only how many secrets are held, never their values.
impl std::fmt::Debug for MemoryKeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("MemoryKeyStore");
        // try_lock: Debug must not deadlock when called while the store is busy.
        if let Ok(map) = self.map.try_lock() {
            d.field("secrets", &map.len());
        }
        d.finish_non_exhaustive()
    }
}

impl KeyStore for MemoryKeyStore {
    fn kind(&self) -> KeyStoreKind {
        KeyStoreKind::Memory
    }

    fn get(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyStoreError> {
        check_name(name)?;
        Ok(self.lock().get(name).cloned())
    }

    fn set(&self, name: &str, secret: &[u8]) -> Result<(), KeyStoreError> {
        check_name(name)?;
        self.lock()
            .insert(name.to_string(), Zeroizing::new(secret.to_vec()));
        Ok(())
    }

    fn delete(&self, name: &str) -> Result<(), KeyStoreError> {
        check_name(name)?;
        self.lock().remove(name);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_set_get_delete() {
        let s = MemoryKeyStore::new();
        assert_eq!(s.kind(), KeyStoreKind::Memory);
        assert!(s.get("a").expect("get").is_none());
        s.set("a", b"one").expect("set");
        s.set("b", b"two").expect("set");
        assert_eq!(&s.get("a").expect("get").expect("some")[..], b"one");
        s.set("a", b"uno").expect("replace");
        assert_eq!(&s.get("a").expect("get").expect("some")[..], b"uno");
        s.delete("a").expect("delete");
        assert!(s.get("a").expect("get").is_none());
        s.delete("a").expect("delete absent is ok");
        assert_eq!(&s.get("b").expect("get").expect("some")[..], b"two");
        assert!(s.set("", b"x").is_err());
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("two"), "{dbg}");
    }

    #[test]
    fn memory_store_is_a_shareable_trait_object() {
        let s: std::sync::Arc<dyn KeyStore> = std::sync::Arc::new(MemoryKeyStore::new());
        let s2 = s.clone();
        std::thread::spawn(move || s2.set("t", b"v").expect("set"))
            .join()
            .expect("thread");
        assert_eq!(&s.get("t").expect("get").expect("some")[..], b"v");
    }
}
