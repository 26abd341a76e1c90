//! The revocation cache: the newest verified CRL of each issuer and the latest verified OCSP
//! answer for each certificate, with the times they are valid for, and the revocation setting.
//! Opening a message reads only this cache; it is filled by an explicit refresh or an import.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS revocation_crls (
    issuer_fingerprint TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    der BLOB NOT NULL,
    this_update INTEGER NOT NULL,
    valid_until INTEGER NOT NULL,
    fetched_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS revocation_ocsp (
    fingerprint TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    status TEXT NOT NULL,
    revoked_at INTEGER,
    reason INTEGER,
    this_update INTEGER NOT NULL,
    valid_until INTEGER NOT NULL,
    fetched_at INTEGER NOT NULL,
    der BLOB NOT NULL
);
";

const META_MODE: &str = "revocation_mode";

/// How revocation information is used when a certificate is relied on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum RevocationMode {
    /// Never consulted (the internal CA's own revocations still apply).
    Off,
    /// A revoked answer fails; no answer is not a failure.
    #[default]
    WhenAvailable,
    /// A certificate without a current answer saying it is good fails.
    Required,
}

impl RevocationMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RevocationMode::Off => "off",
            RevocationMode::WhenAvailable => "when-available",
            RevocationMode::Required => "required",
        }
    }

    pub fn parse(s: &str) -> Option<RevocationMode> {
        Some(match s {
            "off" => RevocationMode::Off,
            "when-available" => RevocationMode::WhenAvailable,
            "required" => RevocationMode::Required,
            _ => return None,
        })
    }
}

/// A cached, verified CRL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedCrl {
    pub issuer_fingerprint: String,
    /// The URL it came from, or "file" when imported by hand.
    pub source: String,
    pub der: Vec<u8>,
    pub this_update: u64,
    pub valid_until: u64,
    pub fetched_at: u64,
}

/// A cached, verified OCSP answer about one certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedOcsp {
    pub fingerprint: String,
    pub url: String,
    /// "good", "revoked" or "unknown".
    pub status: String,
    pub revoked_at: Option<u64>,
    pub reason: Option<u32>,
    pub this_update: u64,
    pub valid_until: u64,
    pub fetched_at: u64,
    pub der: Vec<u8>,
}

fn secs(v: i64) -> u64 {
    v.max(0) as u64
}

fn db(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl Store {
    pub fn revocation_mode(&self) -> Result<RevocationMode, StoreError> {
        Ok(self
            .meta(META_MODE)?
            .and_then(|s| RevocationMode::parse(&s))
            .unwrap_or_default())
    }

    pub fn set_revocation_mode(&self, mode: RevocationMode) -> Result<(), StoreError> {
        self.set_meta(META_MODE, mode.as_str())
    }

    /// Keeps `crl` as the issuer's current CRL unless a newer one (later thisUpdate) is
    /// already cached: a replayed old CRL must not hide a revocation. Returns whether it was
    /// stored.
    pub fn put_crl(&self, crl: &CachedCrl) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "INSERT INTO revocation_crls(issuer_fingerprint, source, der, this_update, valid_until, fetched_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(issuer_fingerprint) DO UPDATE SET source = excluded.source, der = excluded.der,
                this_update = excluded.this_update, valid_until = excluded.valid_until, fetched_at = excluded.fetched_at
             WHERE excluded.this_update >= revocation_crls.this_update",
            params![
                crl.issuer_fingerprint,
                crl.source,
                crl.der,
                db(crl.this_update),
                db(crl.valid_until),
                db(crl.fetched_at)
            ],
        )?;
        Ok(n > 0)
    }

    /// The fingerprints of the certificates whose CRLs are cached (usually a handful).
    pub fn crl_signers(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT issuer_fingerprint FROM revocation_crls ORDER BY issuer_fingerprint",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn crl_of(&self, issuer_fingerprint: &str) -> Result<Option<CachedCrl>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT issuer_fingerprint, source, der, this_update, valid_until, fetched_at
                 FROM revocation_crls WHERE issuer_fingerprint = ?1",
                [issuer_fingerprint],
                |r| {
                    Ok(CachedCrl {
                        issuer_fingerprint: r.get(0)?,
                        source: r.get(1)?,
                        der: r.get(2)?,
                        this_update: secs(r.get(3)?),
                        valid_until: secs(r.get(4)?),
                        fetched_at: secs(r.get(5)?),
                    })
                },
            )
            .optional()?)
    }

    /// Keeps an OCSP answer unless a newer one (later thisUpdate) is cached.
    pub fn put_ocsp(&self, o: &CachedOcsp) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "INSERT INTO revocation_ocsp(fingerprint, url, status, revoked_at, reason, this_update, valid_until, fetched_at, der)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT(fingerprint) DO UPDATE SET url = excluded.url, status = excluded.status,
                revoked_at = excluded.revoked_at, reason = excluded.reason, this_update = excluded.this_update,
                valid_until = excluded.valid_until, fetched_at = excluded.fetched_at, der = excluded.der
             WHERE excluded.this_update >= revocation_ocsp.this_update",
            params![
                o.fingerprint,
                o.url,
                o.status,
                o.revoked_at.map(db),
                o.reason.map(i64::from),
                db(o.this_update),
                db(o.valid_until),
                db(o.fetched_at),
                o.der
            ],
        )?;
        Ok(n > 0)
    }

    pub fn ocsp_of(&self, fingerprint: &str) -> Result<Option<CachedOcsp>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT fingerprint, url, status, revoked_at, reason, this_update, valid_until, fetched_at, der
                 FROM revocation_ocsp WHERE fingerprint = ?1",
                [fingerprint],
                |r| {
                    Ok(CachedOcsp {
                        fingerprint: r.get(0)?,
                        url: r.get(1)?,
                        status: r.get(2)?,
                        revoked_at: r.get::<_, Option<i64>>(3)?.map(secs),
                        reason: r.get::<_, Option<i64>>(4)?.map(|c| c.clamp(0, 255) as u32),
                        this_update: secs(r.get(5)?),
                        valid_until: secs(r.get(6)?),
                        fetched_at: secs(r.get(7)?),
                        der: r.get(8)?,
                    })
                },
            )
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_defaults_to_when_available_and_persists() {
        let s = Store::open_in_memory().unwrap();
        assert_eq!(s.revocation_mode().unwrap(), RevocationMode::WhenAvailable);
        s.set_revocation_mode(RevocationMode::Required).unwrap();
        assert_eq!(s.revocation_mode().unwrap(), RevocationMode::Required);
        s.set_meta(META_MODE, "nonsense").unwrap();
        assert_eq!(s.revocation_mode().unwrap(), RevocationMode::WhenAvailable);
    }

    #[test]
    fn an_older_crl_or_answer_never_replaces_a_newer_one() {
        let s = Store::open_in_memory().unwrap();
        let mut c = CachedCrl {
            issuer_fingerprint: "ca".into(),
            source: "file".into(),
            der: vec![1],
            this_update: 100,
            valid_until: 200,
            fetched_at: 150,
        };
        assert!(s.put_crl(&c).unwrap());
        let newer = CachedCrl {
            der: vec![2],
            this_update: 120,
            ..c.clone()
        };
        assert!(s.put_crl(&newer).unwrap());
        c.der = vec![3];
        assert!(!s.put_crl(&c).unwrap(), "older CRL replaced a newer one");
        assert_eq!(s.crl_of("ca").unwrap().unwrap().der, vec![2]);
        assert!(s.crl_of("other").unwrap().is_none());
        let o = CachedOcsp {
            fingerprint: "leaf".into(),
            url: "http://x/".into(),
            status: "revoked".into(),
            revoked_at: Some(90),
            reason: Some(1),
            this_update: 100,
            valid_until: 200,
            fetched_at: 101,
            der: vec![9],
        };
        assert!(s.put_ocsp(&o).unwrap());
        let old_good = CachedOcsp {
            status: "good".into(),
            revoked_at: None,
            reason: None,
            this_update: 50,
            ..o.clone()
        };
        assert!(!s.put_ocsp(&old_good).unwrap());
        assert_eq!(s.ocsp_of("leaf").unwrap(), Some(o));
    }
}
