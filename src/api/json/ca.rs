//! The own certification authority: issued certificates, revocations, CRLs, requests.

use serde::Serialize;

use super::CertDto;
use crate::pki::issue::RevocationReason;

/// Where a new CA will publish (both optional; SBR §7.1.2.3 wants a CRL URL in every
/// certificate, and an AIA caIssuers URL is recommended).
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CaPublication {
    pub crl_url: Option<String>,
    pub ca_issuers_url: Option<String>,
}

/// A certificate this home's CA issued. Its `Debug` leaves the `.p12` out.
#[derive(Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct IssuedCert {
    pub cert: CertDto,
    pub ca_fingerprint: String,
    pub serial: String,
    /// The `.p12` (certificate, private key, CA certificate), for the caller to save; wiped
    /// when dropped.
    #[serde(skip)]
    #[cfg_attr(test, ts(skip))]
    pub p12: zeroize::Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for IssuedCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCert")
            .field("cert", &self.cert)
            .field("ca_fingerprint", &self.ca_fingerprint)
            .field("serial", &self.serial)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Revocation {
    pub fingerprint: String,
    pub subject: String,
    pub serial: String,
    pub ca_fingerprint: String,
    pub reason: RevocationReason,
    pub revoked_at: String,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CrlEntryInfo {
    pub serial: String,
    pub reason: RevocationReason,
    pub revoked_at: String,
}

/// A CRL just signed.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CrlInfo {
    pub ca_fingerprint: String,
    #[cfg_attr(test, ts(type = "number"))]
    pub crl_number: u64,
    pub this_update: String,
    pub next_update: String,
    pub revoked: Vec<CrlEntryInfo>,
    /// DER of the CRL, for the caller to save or publish.
    #[serde(skip)]
    #[cfg_attr(test, ts(skip))]
    pub der: Vec<u8>,
}

/// A certificate request whose key waits in this home.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CertRequest {
    /// SHA-256 of the requested public key (SubjectPublicKeyInfo DER), hex.
    pub key_id: String,
    pub emails: Vec<String>,
    pub key: String,
    /// The PKCS#10 request, PEM.
    pub pem: String,
}
