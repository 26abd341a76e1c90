//! The local SQLite database of a Sealpost home: certificates (identities, people,
//! authorities), AES-256-GCM-wrapped private keys, trust decisions and the S/MIME capabilities
//! correspondents announced. No secret is ever stored in clear: key blobs are wrapped under the
//! key-encryption key held by the [`crate::keystore`].

use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use thiserror::Error;

use crate::clock::SharedClock;
use crate::pki::cert::Cert;

mod ca;
pub use ca::{CaSettings, IssuedRecord, PendingKey};
pub mod mail;
mod revocation;
pub use revocation::{CachedCrl, CachedOcsp, RevocationMode};
mod pins;
pub use pins::AcceptedCert;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("stored certificate {0} is damaged")]
    Corrupt(String),
}

/// The role of a certificate in this home.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum CertKind {
    /// One of ours: a private key is held.
    Identity,
    /// A correspondent's certificate.
    Person,
    /// A CA certificate (trusted or not).
    Authority,
}

impl CertKind {
    fn as_str(&self) -> &'static str {
        match self {
            CertKind::Identity => "identity",
            CertKind::Person => "person",
            CertKind::Authority => "authority",
        }
    }
    fn parse(s: &str) -> CertKind {
        match s {
            "identity" => CertKind::Identity,
            "authority" => CertKind::Authority,
            _ => CertKind::Person,
        }
    }
}

pub struct StoredCert {
    pub cert: Cert,
    pub kind: CertKind,
    pub trusted: bool,
}

pub struct Store {
    conn: Connection,
    /// Where the time stamps of rows come from (fixed in tests).
    clock: SharedClock,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS certificates (
    fingerprint TEXT PRIMARY KEY,
    der BLOB NOT NULL,
    kind TEXT NOT NULL,
    trusted INTEGER NOT NULL DEFAULT 0,
    added INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS cert_emails (
    fingerprint TEXT NOT NULL REFERENCES certificates(fingerprint) ON DELETE CASCADE,
    email TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cert_emails_email ON cert_emails(email);
CREATE TABLE IF NOT EXISTS private_keys (
    fingerprint TEXT PRIMARY KEY REFERENCES certificates(fingerprint) ON DELETE CASCADE,
    wrapped BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS capabilities (
    email TEXT PRIMARY KEY,
    oids TEXT NOT NULL,
    updated INTEGER NOT NULL
);
";

impl Store {
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        Self::init(conn)
    }

    pub fn open_in_memory() -> Result<Store, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Store, StoreError> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch(ca::SCHEMA)?;
        conn.execute_batch(mail::SCHEMA)?;
        mail::migrate(&conn)?;
        conn.execute_batch(revocation::SCHEMA)?;
        conn.execute_batch(pins::SCHEMA)?;
        Ok(Store {
            conn,
            clock: crate::clock::system(),
        })
    }

    /// Time-stamps rows with `clock` from now on (the [`crate::api::Home`]'s clock).
    pub fn set_clock(&mut self, clock: SharedClock) {
        self.clock = clock;
    }

    /// Now, for a time-stamp column.
    pub(crate) fn now(&self) -> i64 {
        i64::try_from(self.clock.now()).unwrap_or(i64::MAX)
    }

    /// When a certificate was first stored, as an ever-increasing number (the row id):
    /// orders certificates issued in the same second, as a renewal often is.
    pub fn insertion_order(&self, fingerprint: &str) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT rowid FROM certificates WHERE fingerprint = ?1",
                [fingerprint],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(i64::MAX))
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// Adds a certificate, or upgrades its kind (person -> identity) when it exists.
    pub fn put_cert(&self, cert: &Cert, kind: CertKind) -> Result<(), StoreError> {
        let fp = cert.fingerprint();
        let tx = self.conn.unchecked_transaction()?;
        let existing: Option<String> = tx
            .query_row(
                "SELECT kind FROM certificates WHERE fingerprint = ?1",
                [&fp],
                |r| r.get(0),
            )
            .optional()?;
        match existing {
            Some(k) => {
                if CertKind::parse(&k) != CertKind::Identity && kind == CertKind::Identity {
                    tx.execute(
                        "UPDATE certificates SET kind = 'identity' WHERE fingerprint = ?1",
                        [&fp],
                    )?;
                }
            }
            None => {
                tx.execute(
                    "INSERT INTO certificates(fingerprint, der, kind, trusted, added) VALUES (?1, ?2, ?3, 0, ?4)",
                    params![fp, cert.der(), kind.as_str(), self.now()],
                )?;
                for e in cert.emails() {
                    tx.execute(
                        "INSERT INTO cert_emails(fingerprint, email) VALUES (?1, ?2)",
                        params![fp, e.to_ascii_lowercase()],
                    )?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn put_private_key(&self, fingerprint: &str, wrapped: &[u8]) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO private_keys(fingerprint, wrapped) VALUES (?1, ?2) ON CONFLICT(fingerprint) DO UPDATE SET wrapped = excluded.wrapped",
            params![fingerprint, wrapped],
        )?;
        Ok(())
    }

    pub fn private_key(&self, fingerprint: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT wrapped FROM private_keys WHERE fingerprint = ?1",
                [fingerprint],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn set_trusted(&self, fingerprint: &str, trusted: bool) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE certificates SET trusted = ?2 WHERE fingerprint = ?1",
            params![fingerprint, trusted as i64],
        )?;
        Ok(())
    }

    pub fn delete_cert(&self, fingerprint: &str) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "DELETE FROM certificates WHERE fingerprint = ?1",
            [fingerprint],
        )?;
        Ok(n > 0)
    }

    fn rows(&self, sql: &str, p: &[&dyn rusqlite::ToSql]) -> Result<Vec<StoredCert>, StoreError> {
        let mut stmt = self.conn.prepare(sql)?;
        let rows = stmt.query_map(p, |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (fp, der, kind, trusted) = row?;
            let cert = Cert::from_der(&der).map_err(|_| StoreError::Corrupt(fp))?;
            out.push(StoredCert {
                cert,
                kind: CertKind::parse(&kind),
                trusted: trusted != 0,
            });
        }
        Ok(out)
    }

    pub fn all(&self) -> Result<Vec<StoredCert>, StoreError> {
        self.rows(
            "SELECT fingerprint, der, kind, trusted FROM certificates ORDER BY kind, added, rowid",
            &[],
        )
    }

    pub fn by_email(&self, email: &str) -> Result<Vec<StoredCert>, StoreError> {
        self.rows(
            "SELECT c.fingerprint, c.der, c.kind, c.trusted FROM certificates c JOIN cert_emails e ON e.fingerprint = c.fingerprint WHERE e.email = ?1 ORDER BY c.added DESC, c.rowid DESC",
            &[&email.trim().to_ascii_lowercase()],
        )
    }

    pub fn by_fingerprint_prefix(&self, prefix: &str) -> Result<Vec<StoredCert>, StoreError> {
        let pattern = format!("{}%", prefix.to_ascii_lowercase().replace(['%', '_'], ""));
        self.rows(
            "SELECT fingerprint, der, kind, trusted FROM certificates WHERE fingerprint LIKE ?1",
            &[&pattern],
        )
    }

    pub fn anchors(&self) -> Result<Vec<Cert>, StoreError> {
        Ok(self
            .rows(
                "SELECT fingerprint, der, kind, trusted FROM certificates WHERE trusted = 1",
                &[],
            )?
            .into_iter()
            .map(|s| s.cert)
            .collect())
    }

    /// Keeps the SMIMECapabilities a signature of `email` announced at `signed_at` (its
    /// signingTime, else now), unless the stored ones come from a later signature: replaying
    /// an old message cannot downgrade the cipher (RFC 8551 §2.5.2). Returns whether they
    /// were kept.
    pub fn set_capabilities(
        &self,
        email: &str,
        oids: &[String],
        signed_at: u64,
    ) -> Result<bool, StoreError> {
        let json = serde_json::to_string(oids).unwrap_or_else(|_| "[]".into());
        let n = self.conn.execute(
            "INSERT INTO capabilities(email, oids, updated) VALUES (?1, ?2, ?3) ON CONFLICT(email) DO UPDATE SET oids = excluded.oids, updated = excluded.updated WHERE excluded.updated >= capabilities.updated",
            params![email.to_ascii_lowercase(), json, signed_at as i64],
        )?;
        Ok(n > 0)
    }

    pub fn capabilities(&self, email: &str) -> Result<Option<Vec<String>>, StoreError> {
        let s: Option<String> = self
            .conn
            .query_row(
                "SELECT oids FROM capabilities WHERE email = ?1",
                [email.to_ascii_lowercase()],
                |r| r.get(0),
            )
            .optional()?;
        Ok(s.and_then(|s| serde_json::from_str(&s).ok()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_and_capabilities_round_trip() {
        let s = Store::open_in_memory().unwrap();
        assert_eq!(s.meta("x").unwrap(), None);
        s.set_meta("x", "1").unwrap();
        s.set_meta("x", "2").unwrap();
        assert_eq!(s.meta("x").unwrap().as_deref(), Some("2"));
        let gcm = vec!["2.16.840.1.101.3.4.1.46".to_string()];
        assert!(s.set_capabilities("Bob@Example.test", &gcm, 2000).unwrap());
        assert_eq!(
            s.capabilities("bob@example.test").unwrap(),
            Some(gcm.clone())
        );
        // an older signature (a replayed message) does not replace newer capabilities
        let cbc = vec!["2.16.840.1.101.3.4.1.42".to_string()];
        assert!(!s.set_capabilities("bob@example.test", &cbc, 1000).unwrap());
        assert_eq!(s.capabilities("bob@example.test").unwrap(), Some(gcm));
        assert!(s.set_capabilities("bob@example.test", &cbc, 3000).unwrap());
        assert_eq!(s.capabilities("bob@example.test").unwrap(), Some(cbc));
        assert_eq!(s.capabilities("carol@example.test").unwrap(), None);
    }
}
