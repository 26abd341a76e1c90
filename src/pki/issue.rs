//! Issuance for the internal CA: a self-signed root (RFC 5280 §4.2.1.9, §4.2.1.3), end-entity
//! certificates in the CA/Browser Forum S/MIME Baseline Requirements "mailbox-validated strict"
//! profile (SBR §7.1.2.3, §7.1.4.2.2), CRLs v2 (RFC 5280 §5) and PKCS#10 requests (RFC 2986).
//!
//! The ASN.1 types and their DER come from `x509-cert`; every signature is made by
//! [`super::signature::sign`], so the key never leaves our own key types. `x509-cert`'s
//! `TbsCertificate` has no public constructor without its `builder` feature (whose signer traits
//! our key enum does not implement), so the to-be-signed certificate is a field-for-field mirror
//! of RFC 5280 §4.1 below; the result is parsed back by [`Cert::from_der`] before it is returned.

use std::time::Duration;

use const_oid::AssociatedOid;
use der::asn1::{
    Any, BitString, GeneralizedTime, Ia5String, ObjectIdentifier, OctetString, SetOfVec, Uint,
    UtcTime, Utf8StringRef,
};
use der::{DateTime, Decode, Encode, Sequence};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::attr::{Attribute, AttributeTypeAndValue};
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{AccessDescription, AuthorityInfoAccessSyntax};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies, CrlDistributionPoints,
    CrlNumber, CrlReason, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName,
    SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, Extensions};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::request::{CertReq, CertReqInfo, ExtensionReq};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use super::cert::{Cert, OID_EMAIL_PROTECTION};
use super::keys::{KeyError, KeyKind, PrivateKey, PublicKey};
use super::signature::{self, HashAlg, RsaPadding};

/// CA/B Forum reserved policy OID: S/MIME mailbox-validated, strict generation (SBR §7.1.6.1).
pub const OID_MAILBOX_VALIDATED_STRICT: &str = "2.23.140.1.5.1.3";
const OID_COMMON_NAME: &str = "2.5.4.3";
const OID_CA_ISSUERS: &str = "1.3.6.1.5.5.7.48.2";
/// Longest validity of a strict-generation subscriber certificate (SBR §6.3.2).
pub const MAX_SUBSCRIBER_DAYS: u32 = 825;
/// Longest validity this tool gives a CA certificate (25 years).
pub const MAX_CA_DAYS: u32 = 9125;
/// RFC 5280 ub-common-name.
const MAX_COMMON_NAME: usize = 64;
/// A few seconds of clock skew between us and the relying party (not more: SBR counts the
/// validity period from notBefore).
const BACKDATE_SECS: u64 = 60;

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("at least one e-mail address is needed")]
    NoEmail,
    #[error("{0:?} is not a usable e-mail address (ASCII local-part@domain)")]
    BadEmail(String),
    #[error("a validity of {days} days is outside 1..={max}")]
    BadValidity { days: u32, max: u32 },
    #[error("the name must be 1..=64 characters without control characters")]
    BadName,
    #[error("{0:?} is not an http:// URL")]
    BadUrl(String),
    #[error("{0} is not a certification authority that may issue certificates")]
    NotCa(String),
    #[error("the CA's private key does not belong to its certificate")]
    KeyMismatch,
    #[error("the CA certificate expires on {0}, before the certificate would")]
    CaExpiresFirst(String),
    #[error("{0} keys cannot be certified for S/MIME here")]
    UnsupportedKey(String),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("cannot encode the structure: {0}")]
    Encoding(String),
}

impl From<der::Error> for IssueError {
    fn from(e: der::Error) -> Self {
        IssueError::Encoding(e.to_string())
    }
}

/// The key algorithms a CA or a subscriber key may be generated with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum KeyAlgorithm {
    P256,
    P384,
    Rsa2048,
    Rsa3072,
    Rsa4096,
}

impl KeyAlgorithm {
    pub fn kind(self) -> KeyKind {
        match self {
            KeyAlgorithm::P256 => KeyKind::P256,
            KeyAlgorithm::P384 => KeyKind::P384,
            KeyAlgorithm::Rsa2048 => KeyKind::Rsa { bits: 2048 },
            KeyAlgorithm::Rsa3072 => KeyKind::Rsa { bits: 3072 },
            KeyAlgorithm::Rsa4096 => KeyKind::Rsa { bits: 4096 },
        }
    }

    pub fn generate(self) -> Result<PrivateKey, KeyError> {
        PrivateKey::generate(self.kind())
    }
}

/// Why a certificate was revoked (RFC 5280 §5.3.1), limited to the codes SBR §7.2.2 allows
/// for subscriber certificates (no certificateHold).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum RevocationReason {
    Unspecified,
    KeyCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    PrivilegeWithdrawn,
}

impl RevocationReason {
    pub fn code(self) -> u32 {
        self.crl_reason() as u32
    }

    fn crl_reason(self) -> CrlReason {
        match self {
            RevocationReason::Unspecified => CrlReason::Unspecified,
            RevocationReason::KeyCompromise => CrlReason::KeyCompromise,
            RevocationReason::AffiliationChanged => CrlReason::AffiliationChanged,
            RevocationReason::Superseded => CrlReason::Superseded,
            RevocationReason::CessationOfOperation => CrlReason::CessationOfOperation,
            RevocationReason::PrivilegeWithdrawn => CrlReason::PrivilegeWithdrawn,
        }
    }

    pub fn from_code(code: u32) -> Option<RevocationReason> {
        Some(match code {
            0 => RevocationReason::Unspecified,
            1 => RevocationReason::KeyCompromise,
            3 => RevocationReason::AffiliationChanged,
            4 => RevocationReason::Superseded,
            5 => RevocationReason::CessationOfOperation,
            9 => RevocationReason::PrivilegeWithdrawn,
            _ => return None,
        })
    }

    /// The RFC 5280 name, as `openssl crl -text` prints it.
    pub fn label(self) -> &'static str {
        match self {
            RevocationReason::Unspecified => "unspecified",
            RevocationReason::KeyCompromise => "keyCompromise",
            RevocationReason::AffiliationChanged => "affiliationChanged",
            RevocationReason::Superseded => "superseded",
            RevocationReason::CessationOfOperation => "cessationOfOperation",
            RevocationReason::PrivilegeWithdrawn => "privilegeWithdrawn",
        }
    }
}

/// RFC 5280 §4.1, with public fields (see the module documentation).
#[derive(Sequence)]
struct TbsCertificateV3 {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: x509_cert::Version,
    serial_number: SerialNumber,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    validity: Validity,
    subject: Name,
    subject_public_key_info: SubjectPublicKeyInfoOwned,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT")]
    extensions: Extensions,
}

/// `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }`.
#[derive(Sequence)]
struct SignedDer {
    tbs: Any,
    algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

/// Checks an address we certify: ASCII, one '@', non-empty local part, a dotted domain of
/// letters, digits and hyphens. (Non-ASCII mailboxes would need SmtpUTF8Mailbox, RFC 9598.)
pub fn check_email(addr: &str) -> Result<(), IssueError> {
    let bad = || IssueError::BadEmail(addr.to_string());
    if addr.len() > 254 || !addr.is_ascii() {
        return Err(bad());
    }
    let (local, domain) = addr.rsplit_once('@').ok_or_else(bad)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if local_ok && domain_ok {
        Ok(())
    } else {
        Err(bad())
    }
}

fn check_emails(emails: &[String]) -> Result<Vec<String>, IssueError> {
    if emails.is_empty() {
        return Err(IssueError::NoEmail);
    }
    let mut out: Vec<String> = Vec::new();
    for e in emails {
        let e = e.trim();
        check_email(e)?;
        // The domain is case-insensitive; keep one spelling per mailbox.
        if !out.iter().any(|o| super::cert::email_eq(o, e)) {
            out.push(e.to_string());
        }
    }
    Ok(out)
}

/// A validity period: `days` whole days from a minute ago.
fn validity(now: u64, days: u32, max: u32) -> Result<(u64, u64), IssueError> {
    if days == 0 || days > max {
        return Err(IssueError::BadValidity { days, max });
    }
    let not_before = now.saturating_sub(BACKDATE_SECS);
    // RFC 5280 validity is inclusive of both ends, hence the final second off.
    Ok((not_before, not_before + u64::from(days) * 86_400 - 1))
}

/// UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5, §5.1.2.4).
fn time(secs: u64) -> Result<Time, IssueError> {
    let dt = DateTime::from_unix_duration(Duration::from_secs(secs))?;
    Ok(if dt.year() < 2050 {
        Time::UtcTime(UtcTime::from_date_time(dt)?)
    } else {
        Time::GeneralTime(GeneralizedTime::from_date_time(dt))
    })
}

/// A name of one commonName attribute (UTF8String).
fn common_name(cn: &str) -> Result<Name, IssueError> {
    if cn.is_empty() || cn.chars().count() > MAX_COMMON_NAME || cn.chars().any(char::is_control) {
        return Err(IssueError::BadName);
    }
    let atv = AttributeTypeAndValue {
        oid: ObjectIdentifier::new_unwrap(OID_COMMON_NAME),
        value: Any::encode_from(&Utf8StringRef::new(cn)?)?,
    };
    let mut rdn = RelativeDistinguishedName::default();
    rdn.insert(atv)?;
    let mut seq = RdnSequence::default();
    seq.push(rdn);
    Ok(Name::from_der(&seq.to_der()?)?)
}

fn extension<T: Encode + AssociatedOid>(
    value: &T,
    critical: bool,
) -> Result<Extension, IssueError> {
    Ok(Extension {
        extn_id: T::OID,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

/// RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING's value.
pub fn key_identifier(spki: &SubjectPublicKeyInfoOwned) -> Vec<u8> {
    sha1::Sha1::digest(spki.subject_public_key.raw_bytes()).to_vec()
}

/// 16 random bytes, the top bit clear (a positive INTEGER) and the next one set (so the DER
/// value is always 16 bytes): 126 bits from the CSPRNG (SBR §7.1 asks for at least 64).
pub fn random_serial() -> [u8; 16] {
    let mut s = [0u8; 16];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut s);
    s[0] = (s[0] & 0x7f) | 0x40;
    s
}

/// The signatureAlgorithm [`signature::sign`] produces for `key` with its default hash.
fn expected_signature_alg(key: &PrivateKey) -> Result<AlgorithmIdentifierOwned, IssueError> {
    let (oid, null) = match (key, signature::default_hash(key)) {
        (PrivateKey::Rsa(_), HashAlg::Sha256) => ("1.2.840.113549.1.1.11", true),
        (PrivateKey::P256(_), HashAlg::Sha256) => ("1.2.840.10045.4.3.2", false),
        (PrivateKey::P384(_), HashAlg::Sha384) => ("1.2.840.10045.4.3.3", false),
        (PrivateKey::Ed25519(_), _) => ("1.3.101.112", false),
        _ => return Err(IssueError::UnsupportedKey(key.public().kind().label())),
    };
    Ok(AlgorithmIdentifierOwned {
        oid: ObjectIdentifier::new_unwrap(oid),
        parameters: if null { Some(Any::null()) } else { None },
    })
}

/// Signs DER `tbs`, checking the algorithm is the one the TBS announced.
fn sign(
    key: &PrivateKey,
    alg: &AlgorithmIdentifierOwned,
    tbs: &[u8],
) -> Result<BitString, IssueError> {
    let (used, sig) =
        signature::sign(key, signature::default_hash(key), RsaPadding::Pkcs1v15, tbs)?;
    if &used != alg {
        return Err(IssueError::Encoding(
            "the signature algorithm differs from the announced one".into(),
        ));
    }
    Ok(BitString::from_bytes(&sig)?)
}

fn spki_of(key: &PrivateKey) -> Result<SubjectPublicKeyInfoOwned, IssueError> {
    Ok(SubjectPublicKeyInfoOwned::from_der(
        &key.public().to_spki_der()?,
    )?)
}

fn assemble_cert(tbs: &TbsCertificateV3, key: &PrivateKey) -> Result<Cert, IssueError> {
    let tbs_der = tbs.to_der()?;
    let signature = sign(key, &tbs.signature, &tbs_der)?;
    let der = SignedDer {
        tbs: Any::from_der(&tbs_der)?,
        algorithm: tbs.signature.clone(),
        signature,
    }
    .to_der()?;
    Cert::from_der(&der).map_err(|e| IssueError::Encoding(e.to_string()))
}

/// A self-signed CA certificate for issuing S/MIME certificates: basicConstraints critical
/// cA=TRUE pathLen 0 (it signs end entities only), keyUsage critical keyCertSign+cRLSign, SKI.
pub fn self_signed_ca(
    key: &PrivateKey,
    name: &str,
    days: u32,
    now: u64,
) -> Result<Cert, IssueError> {
    let subject = common_name(name.trim())?;
    let (nb, na) = validity(now, days, MAX_CA_DAYS)?;
    let spki = spki_of(key)?;
    let ski = key_identifier(&spki);
    let extensions = vec![
        extension(
            &BasicConstraints {
                ca: true,
                path_len_constraint: Some(0),
            },
            true,
        )?,
        extension(&KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign), true)?,
        extension(&SubjectKeyIdentifier(OctetString::new(ski)?), false)?,
    ];
    let tbs = TbsCertificateV3 {
        version: x509_cert::Version::V3,
        serial_number: SerialNumber::new(&random_serial())?,
        signature: expected_signature_alg(key)?,
        issuer: subject.clone(),
        validity: Validity::new(time(nb)?, time(na)?),
        subject,
        subject_public_key_info: spki,
        extensions,
    };
    assemble_cert(&tbs, key)
}

/// Checks that `ca`/`ca_key` may issue: a CA certificate with keyCertSign whose key matches.
fn check_issuer(ca: &Cert, ca_key: &PrivateKey) -> Result<(), IssueError> {
    let may_sign = ca.key_usage().is_none_or(|ku| ku.key_cert_sign());
    if !ca.is_ca() || !may_sign {
        return Err(IssueError::NotCa(ca.subject()));
    }
    if !ca_key.matches_spki(&ca.spki_der()) {
        return Err(IssueError::KeyMismatch);
    }
    Ok(())
}

/// The keyUsage of a subscriber key per SBR §7.1.2.3(e), strict generation: RSA signs and
/// transports keys, EC signs and agrees keys, EdDSA only signs.
fn subscriber_key_usage(spki_der: &[u8]) -> Result<KeyUsage, IssueError> {
    let key = PublicKey::from_spki_der(spki_der)?;
    Ok(match key.kind() {
        KeyKind::Rsa { bits } if bits >= 2048 && bits % 8 == 0 => {
            KeyUsage(KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment)
        }
        KeyKind::P256 | KeyKind::P384 => {
            KeyUsage(KeyUsages::DigitalSignature | KeyUsages::KeyAgreement)
        }
        KeyKind::Ed25519 => KeyUsage(KeyUsages::DigitalSignature.into()),
        other => return Err(IssueError::UnsupportedKey(other.label())),
    })
}

/// What to certify for a mailbox-validated subscriber.
pub struct MailboxCertRequest<'a> {
    /// Every mailbox, first one also the subject's commonName.
    pub emails: &'a [String],
    /// The subscriber's public key (DER SubjectPublicKeyInfo).
    pub spki_der: &'a [u8],
    pub days: u32,
    /// HTTP URL of the CA's CRL, for the cRLDistributionPoints extension (SBR §7.1.2.3(b)).
    pub crl_url: Option<&'a str>,
    /// HTTP URL of the CA's certificate, for authorityInformationAccess (SBR §7.1.2.3(c)).
    pub ca_issuers_url: Option<&'a str>,
    pub now: u64,
}

/// Issues an end-entity certificate in the SBR mailbox-validated strict profile:
/// subject CN = the first mailbox (SBR §7.1.4.2.2: a mailbox-validated subject holds nothing
/// but mailbox addresses), SAN rfc822Name for every mailbox, keyUsage critical, EKU
/// emailProtection only, certificatePolicies 2.23.140.1.5.1.3, cRLDistributionPoints when the
/// CA publishes a CRL, AKI keyIdentifier, SKI; validity at most 825 days; 16-byte random serial.
pub fn issue_mailbox(
    ca: &Cert,
    ca_key: &PrivateKey,
    req: &MailboxCertRequest,
) -> Result<Cert, IssueError> {
    check_issuer(ca, ca_key)?;
    let emails = check_emails(req.emails)?;
    let (nb, na) = validity(req.now, req.days, MAX_SUBSCRIBER_DAYS)?;
    if na > ca.not_after() {
        return Err(IssueError::CaExpiresFirst(super::cert::rfc3339(
            ca.not_after(),
        )));
    }
    let key_usage = subscriber_key_usage(req.spki_der)?;
    let spki = SubjectPublicKeyInfoOwned::from_der(req.spki_der)?;
    let ca_spki = SubjectPublicKeyInfoOwned::from_der(&ca.spki_der())?;
    let aki = ca
        .subject_key_id()
        .unwrap_or_else(|| key_identifier(&ca_spki));
    let first = emails.first().ok_or(IssueError::NoEmail)?;
    let subject = common_name(first)?;
    let mut san = Vec::new();
    for e in &emails {
        san.push(GeneralName::Rfc822Name(Ia5String::new(e)?));
    }
    let mut extensions = vec![
        extension(&key_usage, true)?,
        extension(
            &ExtendedKeyUsage(vec![ObjectIdentifier::new_unwrap(OID_EMAIL_PROTECTION)]),
            false,
        )?,
        extension(&SubjectAltName(san), false)?,
        extension(
            &CertificatePolicies(vec![PolicyInformation {
                policy_identifier: ObjectIdentifier::new_unwrap(OID_MAILBOX_VALIDATED_STRICT),
                policy_qualifiers: None,
            }]),
            false,
        )?,
    ];
    if let Some(url) = req.crl_url {
        extensions.push(extension(&crl_distribution_points(url)?, false)?);
    }
    if let Some(url) = req.ca_issuers_url {
        check_crl_url(url)?;
        extensions.push(extension(
            &AuthorityInfoAccessSyntax(vec![AccessDescription {
                access_method: ObjectIdentifier::new_unwrap(OID_CA_ISSUERS),
                access_location: GeneralName::UniformResourceIdentifier(Ia5String::new(url)?),
            }]),
            false,
        )?);
    }
    extensions.push(extension(
        &AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(aki)?),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        },
        false,
    )?);
    extensions.push(extension(
        &SubjectKeyIdentifier(OctetString::new(key_identifier(&spki))?),
        false,
    )?);
    let issuer = Name::from_der(&ca.subject_der())?;
    let tbs = TbsCertificateV3 {
        version: x509_cert::Version::V3,
        serial_number: SerialNumber::new(&random_serial())?,
        signature: expected_signature_alg(ca_key)?,
        issuer,
        validity: Validity::new(time(nb)?, time(na)?),
        subject,
        subject_public_key_info: spki,
        extensions,
    };
    assemble_cert(&tbs, ca_key)
}

/// Checks a CRL or caIssuers URL: SBR §7.1.2.3(b), (c) allow only http:// for strict
/// certificates.
pub fn check_crl_url(url: &str) -> Result<(), IssueError> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| IssueError::BadUrl(url.to_string()))?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty()
        || url.len() > 1024
        || !url.is_ascii()
        || url
            .chars()
            .any(|c| c.is_ascii_whitespace() || c.is_ascii_control())
    {
        return Err(IssueError::BadUrl(url.to_string()));
    }
    Ok(())
}

fn crl_distribution_points(url: &str) -> Result<CrlDistributionPoints, IssueError> {
    check_crl_url(url)?;
    Ok(CrlDistributionPoints(vec![DistributionPoint {
        distribution_point: Some(DistributionPointName::FullName(vec![
            GeneralName::UniformResourceIdentifier(Ia5String::new(url)?),
        ])),
        reasons: None,
        crl_issuer: None,
    }]))
}

/// One entry of a CRL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevokedEntry {
    /// The serial number's big-endian magnitude.
    pub serial: Vec<u8>,
    pub revoked_at: u64,
    pub reason: RevocationReason,
}

/// A CRL v2 (RFC 5280 §5) signed by `ca`: thisUpdate, nextUpdate, the revoked serials with
/// their revocation dates and reasonCode entry extensions (omitted for "unspecified", as
/// §5.3.1 recommends), and the crlNumber and authorityKeyIdentifier CRL extensions.
pub fn build_crl(
    ca: &Cert,
    ca_key: &PrivateKey,
    entries: &[RevokedEntry],
    crl_number: u64,
    this_update: u64,
    next_update: u64,
) -> Result<Vec<u8>, IssueError> {
    check_issuer(ca, ca_key)?;
    if ca.key_usage().is_some_and(|ku| !ku.crl_sign()) {
        return Err(IssueError::NotCa(ca.subject()));
    }
    let ca_spki = SubjectPublicKeyInfoOwned::from_der(&ca.spki_der())?;
    let aki = ca
        .subject_key_id()
        .unwrap_or_else(|| key_identifier(&ca_spki));
    let mut revoked: Vec<RevokedCert> = Vec::new();
    for e in entries {
        let crl_entry_extensions = if e.reason == RevocationReason::Unspecified {
            None
        } else {
            Some(vec![extension(&e.reason.crl_reason(), false)?])
        };
        revoked.push(RevokedCert {
            serial_number: SerialNumber::new(&e.serial)?,
            revocation_date: time(e.revoked_at)?,
            crl_entry_extensions,
        });
    }
    let alg = expected_signature_alg(ca_key)?;
    let tbs = TbsCertList {
        version: x509_cert::Version::V2,
        signature: alg.clone(),
        issuer: Name::from_der(&ca.subject_der())?,
        this_update: time(this_update)?,
        next_update: Some(time(next_update)?),
        // An empty list is encoded by leaving the field out (RFC 5280 §5.1.2.6).
        revoked_certificates: if revoked.is_empty() {
            None
        } else {
            Some(revoked)
        },
        crl_extensions: Some(vec![
            extension(
                &AuthorityKeyIdentifier {
                    key_identifier: Some(OctetString::new(aki)?),
                    authority_cert_issuer: None,
                    authority_cert_serial_number: None,
                },
                false,
            )?,
            extension(&CrlNumber(Uint::new(&crl_number.to_be_bytes())?), false)?,
        ]),
    };
    let tbs_der = tbs.to_der()?;
    let signature = sign(ca_key, &alg, &tbs_der)?;
    Ok(CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: alg,
        signature,
    }
    .to_der()?)
}

/// A PKCS#10 request (RFC 2986) for an S/MIME certificate: subject CN = the first mailbox,
/// and an extensionRequest (RFC 2985 §5.4.2) for SAN rfc822Name, keyUsage and EKU
/// emailProtection, signed by `key` (proof of possession).
pub fn build_csr(key: &PrivateKey, emails: &[String]) -> Result<Vec<u8>, IssueError> {
    let emails = check_emails(emails)?;
    let first = emails.first().ok_or(IssueError::NoEmail)?;
    let spki_der = key.public().to_spki_der()?;
    let key_usage = subscriber_key_usage(&spki_der)?;
    let mut san = Vec::new();
    for e in &emails {
        san.push(GeneralName::Rfc822Name(Ia5String::new(e)?));
    }
    let request = ExtensionReq(vec![
        extension(&key_usage, true)?,
        extension(
            &ExtendedKeyUsage(vec![ObjectIdentifier::new_unwrap(OID_EMAIL_PROTECTION)]),
            false,
        )?,
        extension(&SubjectAltName(san), false)?,
    ]);
    let mut attributes: SetOfVec<Attribute> = SetOfVec::new();
    attributes.insert(Attribute::try_from(request)?)?;
    let info = CertReqInfo {
        version: x509_cert::request::Version::V1,
        subject: common_name(first)?,
        public_key: SubjectPublicKeyInfoOwned::from_der(&spki_der)?,
        attributes,
    };
    let alg = expected_signature_alg(key)?;
    let signature = sign(key, &alg, &info.to_der()?)?;
    Ok(CertReq {
        info,
        algorithm: alg,
        signature,
    }
    .to_der()?)
}

/// SHA-256 of a DER SubjectPublicKeyInfo, hex: how a waiting request key is found again when
/// its certificate arrives.
pub fn spki_id(spki_der: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(spki_der))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::validate::{self, Purpose, TrustContext};

    const NOW: u64 = 1_800_000_000; // 2027-01-15

    fn ca() -> (Cert, PrivateKey) {
        let key = KeyAlgorithm::P384.generate().unwrap();
        let cert = self_signed_ca(&key, "Unit Test CA", 3650, NOW).unwrap();
        (cert, key)
    }

    #[test]
    fn ca_certificate_has_the_ca_extensions_and_verifies_itself() {
        let (ca, key) = ca();
        assert!(ca.is_ca());
        assert_eq!(ca.path_len(), Some(0));
        let ku = ca.key_usage().unwrap();
        assert!(ku.key_cert_sign() && ku.crl_sign() && !ku.digital_signature());
        assert!(ca.subject_key_id().is_some());
        assert_eq!(ca.common_name().as_deref(), Some("Unit Test CA"));
        assert!(ca.is_self_issued());
        validate::issued_by(&ca, &ca).unwrap();
        assert!(key.matches_spki(&ca.spki_der()));
        assert_eq!(ca.not_after() - ca.not_before(), 3650 * 86_400 - 1);
        let (crit, _) = ca
            .x509()
            .tbs_certificate()
            .get_extension::<BasicConstraints>()
            .unwrap()
            .unwrap();
        assert!(crit);
    }

    #[test]
    fn mailbox_certificate_follows_the_strict_profile_and_validates() {
        let (ca, ca_key) = ca();
        for alg in [KeyAlgorithm::P256, KeyAlgorithm::Rsa2048] {
            let sub = alg.generate().unwrap();
            let spki = sub.public().to_spki_der().unwrap();
            let emails = vec!["Alice@Example.test".to_string(), "a@example.test".into()];
            let cert = issue_mailbox(
                &ca,
                &ca_key,
                &MailboxCertRequest {
                    emails: &emails,
                    spki_der: &spki,
                    days: 825,
                    crl_url: Some("http://crl.example.test/ca.crl"),
                    ca_issuers_url: Some("http://crl.example.test/ca.crt"),
                    now: NOW,
                },
            )
            .unwrap();
            assert_eq!(cert.emails(), emails);
            assert_eq!(cert.common_name().as_deref(), Some("Alice@Example.test"));
            assert_eq!(
                cert.extended_key_usage().unwrap(),
                vec![OID_EMAIL_PROTECTION.to_string()]
            );
            let ku = cert.key_usage().unwrap();
            assert!(ku.digital_signature());
            assert_eq!(ku.key_encipherment(), matches!(alg, KeyAlgorithm::Rsa2048));
            assert_eq!(ku.key_agreement(), matches!(alg, KeyAlgorithm::P256));
            assert!(!ku.non_repudiation() && !ku.key_cert_sign());
            assert_eq!(cert.authority_key_id(), ca.subject_key_id());
            assert!(cert.subject_key_id().is_some());
            assert_eq!(cert.serial_hex().len(), 32);
            assert!(cert.not_after() - cert.not_before() < 825 * 86_400);
            let tbs = cert.x509().tbs_certificate();
            let (_, pol) = tbs.get_extension::<CertificatePolicies>().unwrap().unwrap();
            assert_eq!(pol.0.len(), 1);
            assert_eq!(
                pol.0[0].policy_identifier.to_string(),
                OID_MAILBOX_VALIDATED_STRICT
            );
            assert!(
                tbs.get_extension::<CrlDistributionPoints>()
                    .unwrap()
                    .is_some()
            );
            let anchors = [ca.clone()];
            let ctx = TrustContext {
                anchors: &anchors,
                builtin: &[],
                intermediates: &[],
                at: NOW + 86_400,
            };
            validate::validate(&cert, Purpose::Sign, &ctx).unwrap();
            validate::validate(&cert, Purpose::Encrypt, &ctx).unwrap();
        }
    }

    #[test]
    fn issuance_refuses_bad_input() {
        let (ca, ca_key) = ca();
        let sub = KeyAlgorithm::P256.generate().unwrap();
        let spki = sub.public().to_spki_der().unwrap();
        let req = |emails: &[String], days: u32, url: Option<&'static str>| {
            let emails = emails.to_vec();
            let spki = spki.clone();
            let ca = ca.clone();
            move |k: &PrivateKey| {
                issue_mailbox(
                    &ca,
                    k,
                    &MailboxCertRequest {
                        emails: &emails,
                        spki_der: &spki,
                        days,
                        crl_url: url,
                        ca_issuers_url: None,
                        now: NOW,
                    },
                )
            }
        };
        let ok = vec!["bob@example.test".to_string()];
        assert!(matches!(
            req(&[], 30, None)(&ca_key),
            Err(IssueError::NoEmail)
        ));
        for bad in [
            "bob",
            "bob@localhost",
            "a b@example.test",
            "bö@example.test",
            "@x.test",
        ] {
            assert!(
                matches!(
                    req(&[bad.to_string()], 30, None)(&ca_key),
                    Err(IssueError::BadEmail(_))
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            req(&ok, 826, None)(&ca_key),
            Err(IssueError::BadValidity { .. })
        ));
        assert!(matches!(
            req(&ok, 0, None)(&ca_key),
            Err(IssueError::BadValidity { .. })
        ));
        assert!(matches!(
            req(&ok, 30, Some("https://x.test/c.crl"))(&ca_key),
            Err(IssueError::BadUrl(_))
        ));
        // Another key than the CA's, and an end entity posing as a CA.
        assert!(matches!(
            req(&ok, 30, None)(&sub),
            Err(IssueError::KeyMismatch)
        ));
        let leaf = req(&ok, 30, None)(&ca_key).unwrap();
        let r = issue_mailbox(
            &leaf,
            &sub,
            &MailboxCertRequest {
                emails: &ok,
                spki_der: &spki,
                days: 30,
                crl_url: None,
                ca_issuers_url: None,
                now: NOW,
            },
        );
        assert!(matches!(r, Err(IssueError::NotCa(_))));
        // A CA that expires before the certificate would.
        let short = self_signed_ca(&ca_key, "Short CA", 10, NOW).unwrap();
        let r = issue_mailbox(
            &short,
            &ca_key,
            &MailboxCertRequest {
                emails: &ok,
                spki_der: &spki,
                days: 30,
                crl_url: None,
                ca_issuers_url: None,
                now: NOW,
            },
        );
        assert!(matches!(r, Err(IssueError::CaExpiresFirst(_))));
    }

    #[test]
    fn crl_parses_back_with_entries_and_extensions() {
        let (ca, ca_key) = ca();
        let entries = vec![
            RevokedEntry {
                serial: random_serial().to_vec(),
                revoked_at: NOW - 10,
                reason: RevocationReason::KeyCompromise,
            },
            RevokedEntry {
                serial: vec![0x01, 0x02],
                revoked_at: NOW - 5,
                reason: RevocationReason::Unspecified,
            },
        ];
        let der = build_crl(&ca, &ca_key, &entries, 7, NOW, NOW + 7 * 86_400).unwrap();
        let crl = CertificateList::<x509_cert::certificate::Rfc5280>::from_der(&der).unwrap();
        let tbs = &crl.tbs_cert_list;
        assert_eq!(tbs.version, x509_cert::Version::V2);
        let revoked = tbs.revoked_certificates.as_ref().unwrap();
        assert_eq!(revoked.len(), 2);
        assert_eq!(revoked[0].serial_number.as_bytes(), &entries[0].serial[..]);
        assert!(revoked[0].crl_entry_extensions.is_some());
        assert!(revoked[1].crl_entry_extensions.is_none());
        let exts = tbs.crl_extensions.as_ref().unwrap();
        assert!(exts.iter().any(|e| e.extn_id == CrlNumber::OID));
        assert!(
            exts.iter()
                .any(|e| e.extn_id == AuthorityKeyIdentifier::OID)
        );
        // The signature verifies with the CA's key.
        let pk = PublicKey::from_spki_der(&ca.spki_der()).unwrap();
        signature::verify(
            &pk,
            &crl.signature_algorithm,
            None,
            &tbs.to_der().unwrap(),
            crl.signature.raw_bytes(),
        )
        .unwrap();
        // No entries: the list is left out entirely.
        let empty = build_crl(&ca, &ca_key, &[], 8, NOW, NOW + 86_400).unwrap();
        let crl = CertificateList::<x509_cert::certificate::Rfc5280>::from_der(&empty).unwrap();
        assert!(crl.tbs_cert_list.revoked_certificates.is_none());
    }

    #[test]
    fn csr_is_signed_by_its_key_and_requests_the_addresses() {
        for alg in [KeyAlgorithm::P384, KeyAlgorithm::Rsa2048] {
            let key = alg.generate().unwrap();
            let der = build_csr(&key, &["carol@example.test".to_string()]).unwrap();
            let req = CertReq::from_der(&der).unwrap();
            assert_eq!(req.info.subject.to_string(), "CN=carol@example.test");
            let pk = PublicKey::from_spki_der(&req.info.public_key.to_der().unwrap()).unwrap();
            signature::verify(
                &pk,
                &req.algorithm,
                None,
                &req.info.to_der().unwrap(),
                req.signature.raw_bytes(),
            )
            .unwrap();
            assert_eq!(req.info.attributes.len(), 1);
        }
    }

    #[test]
    fn serials_are_positive_sixteen_bytes_and_differ() {
        let a = random_serial();
        let b = random_serial();
        assert_ne!(a, b);
        assert!(a[0] & 0x80 == 0 && a[0] & 0x40 != 0);
        let s = SerialNumber::<x509_cert::certificate::Rfc5280>::new(&a).unwrap();
        assert_eq!(s.as_bytes().len(), 16);
    }
}
