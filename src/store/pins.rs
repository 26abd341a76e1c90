//! The certificate the user accepted for each correspondent's address (key continuity): a
//! later certificate with another key or from another issuing CA is reported as a change
//! until the user accepts it.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS accepted_certs (
    email TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    spki_sha256 TEXT NOT NULL,
    issuer TEXT NOT NULL,
    accepted_at INTEGER NOT NULL
);
";

/// The accepted certificate of one address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcceptedCert {
    pub email: String,
    pub fingerprint: String,
    /// SHA-256 of the SubjectPublicKeyInfo, hex: the key, whatever certificate carries it.
    pub spki_sha256: String,
    /// The issuer's distinguished name.
    pub issuer: String,
    pub accepted_at: u64,
}

impl Store {
    pub fn accepted_cert(&self, email: &str) -> Result<Option<AcceptedCert>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT email, fingerprint, spki_sha256, issuer, accepted_at FROM accepted_certs WHERE email = ?1",
                [email.trim().to_ascii_lowercase()],
                |r| {
                    Ok(AcceptedCert {
                        email: r.get(0)?,
                        fingerprint: r.get(1)?,
                        spki_sha256: r.get(2)?,
                        issuer: r.get(3)?,
                        accepted_at: r.get::<_, i64>(4)?.max(0) as u64,
                    })
                },
            )
            .optional()?)
    }

    /// Records `fingerprint` (with its key and issuer) as the accepted certificate of `email`.
    pub fn set_accepted_cert(
        &self,
        email: &str,
        fingerprint: &str,
        spki_sha256: &str,
        issuer: &str,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO accepted_certs(email, fingerprint, spki_sha256, issuer, accepted_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(email) DO UPDATE SET fingerprint = excluded.fingerprint, spki_sha256 = excluded.spki_sha256,
             issuer = excluded.issuer, accepted_at = excluded.accepted_at",
            params![
                email.trim().to_ascii_lowercase(),
                fingerprint,
                spki_sha256,
                issuer,
                self.now()
            ],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_certificates_are_per_address_and_replaced() {
        let s = Store::open_in_memory().unwrap();
        assert_eq!(s.accepted_cert("bob@example.test").unwrap(), None);
        s.set_accepted_cert("Bob@Example.test", "aa", "k1", "CN=CA 1")
            .unwrap();
        let a = s.accepted_cert(" bob@example.TEST").unwrap().unwrap();
        assert_eq!(
            (a.fingerprint.as_str(), a.spki_sha256.as_str()),
            ("aa", "k1")
        );
        s.set_accepted_cert("bob@example.test", "bb", "k2", "CN=CA 2")
            .unwrap();
        let a = s.accepted_cert("bob@example.test").unwrap().unwrap();
        assert_eq!(
            (a.fingerprint.as_str(), a.issuer.as_str()),
            ("bb", "CN=CA 2")
        );
        assert_eq!(s.accepted_cert("carol@example.test").unwrap(), None);
    }
}
