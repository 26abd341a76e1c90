//! Every failure reason on a generated PKI, with a fixed clock.

use std::str::FromStr;
use std::time::Duration;

use ::signature::hazmat::PrehashSigner;
use der::asn1::{Any, BitString, Ia5String, ObjectIdentifier, OctetString, UtcTime};
use der::{DateTime, Decode, Encode, Sequence};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, Extensions};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use super::*;
use crate::pki::keys::{KeyKind, PrivateKey};
use crate::policy::algorithms::SHA1_CUTOFF;

const NOW: u64 = 1_800_000_000; // 2027-01-15
const YEAR: u64 = 365 * 86_400;
const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
const ECDSA_SHA1: &str = "1.2.840.10045.4.1";

#[derive(Sequence)]
struct Tbs {
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

#[derive(Sequence)]
struct Signed {
    tbs: Any,
    algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

enum Sig {
    Good,
    /// A genuine ECDSA-SHA256 signature by the issuer, over other bytes.
    Wrong,
    Sha1,
    /// This algorithm OID over a signature of zeros.
    Claimed(&'static str),
}

struct Spec {
    dn: String,
    /// The issuer name to write, when not the issuer's subject as encoded.
    issuer_dn: Option<String>,
    emails: Vec<&'static str>,
    /// Some(pathLen) makes a CA.
    ca: Option<Option<u8>>,
    ku: Option<KeyUsage>,
    eku: Option<Vec<&'static str>>,
    nc: Option<NameConstraints>,
    san: Vec<GeneralName>,
    extra: Vec<Extension>,
    not_before: u64,
    not_after: u64,
    sig: Sig,
}

fn spec(cn: &str) -> Spec {
    Spec {
        dn: format!("CN={cn},O=Sealpost Tests"),
        issuer_dn: None,
        emails: Vec::new(),
        ca: None,
        ku: None,
        eku: None,
        nc: None,
        san: Vec::new(),
        extra: Vec::new(),
        not_before: NOW - YEAR,
        not_after: NOW + YEAR,
        sig: Sig::Good,
    }
}

fn ca_spec(cn: &str) -> Spec {
    Spec {
        ca: Some(None),
        ku: Some(KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign)),
        not_before: NOW - 5 * YEAR,
        not_after: NOW + 5 * YEAR,
        ..spec(cn)
    }
}

fn leaf_spec(cn: &str, email: &'static str) -> Spec {
    Spec {
        emails: vec![email],
        ku: Some(KeyUsage(
            KeyUsages::DigitalSignature | KeyUsages::KeyAgreement,
        )),
        eku: Some(vec![crate::pki::cert::OID_EMAIL_PROTECTION]),
        ..spec(cn)
    }
}

fn key() -> PrivateKey {
    PrivateKey::generate(KeyKind::P256).unwrap()
}

fn time(secs: u64) -> Time {
    Time::UtcTime(
        UtcTime::from_date_time(DateTime::from_unix_duration(Duration::from_secs(secs)).unwrap())
            .unwrap(),
    )
}

fn ext<T: Encode + const_oid::AssociatedOid>(v: &T, critical: bool) -> Extension {
    Extension {
        extn_id: T::OID,
        critical,
        extn_value: OctetString::new(v.to_der().unwrap()).unwrap(),
    }
}

fn ski_of(key: &PrivateKey) -> Vec<u8> {
    let spki = key.public().to_spki_der().unwrap();
    use sha2::Digest;
    sha2::Sha256::digest(&spki)[..20].to_vec()
}

/// Issues `s` for `subject_key`, signed by `issuer` (a P-256 CA) or self-signed.
fn make(s: Spec, subject_key: &PrivateKey, issuer: Option<(&Cert, &PrivateKey)>) -> Cert {
    let subject = Name::from_str(&s.dn).unwrap();
    let (issuer_name, signer) = match issuer {
        Some((c, k)) => (Name::from_der(&c.subject_der()).unwrap(), k),
        None => (subject.clone(), subject_key),
    };
    let issuer_name = s
        .issuer_dn
        .as_deref()
        .map(|d| Name::from_str(d).unwrap())
        .unwrap_or(issuer_name);
    let mut extensions = Vec::new();
    if let Some(path_len) = s.ca {
        extensions.push(ext(
            &BasicConstraints {
                ca: true,
                path_len_constraint: path_len,
            },
            true,
        ));
    }
    if let Some(ku) = s.ku {
        extensions.push(ext(&ku, true));
    }
    if let Some(eku) = &s.eku {
        extensions.push(ext(
            &ExtendedKeyUsage(
                eku.iter()
                    .map(|o| ObjectIdentifier::new_unwrap(o))
                    .collect(),
            ),
            false,
        ));
    }
    let mut san: Vec<GeneralName> = s
        .emails
        .iter()
        .map(|e| GeneralName::Rfc822Name(Ia5String::new(e).unwrap()))
        .collect();
    san.extend(s.san);
    if !san.is_empty() {
        extensions.push(ext(&SubjectAltName(san), false));
    }
    if let Some(nc) = &s.nc {
        extensions.push(ext(nc, true));
    }
    extensions.push(ext(
        &SubjectKeyIdentifier(OctetString::new(ski_of(subject_key)).unwrap()),
        false,
    ));
    extensions.push(ext(
        &AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(ski_of(signer)).unwrap()),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        },
        false,
    ));
    extensions.extend(s.extra);
    let alg_oid = match s.sig {
        Sig::Good | Sig::Wrong => ECDSA_SHA256,
        Sig::Sha1 => ECDSA_SHA1,
        Sig::Claimed(oid) => oid,
    };
    let alg = AlgorithmIdentifierOwned {
        oid: ObjectIdentifier::new_unwrap(alg_oid),
        parameters: None,
    };
    let mut serial = [0u8; 8];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut serial);
    serial[0] = (serial[0] & 0x7f) | 0x40;
    let tbs = Tbs {
        version: x509_cert::Version::V3,
        serial_number: SerialNumber::new(&serial).unwrap(),
        signature: alg.clone(),
        issuer: issuer_name,
        validity: Validity::new(time(s.not_before), time(s.not_after)),
        subject,
        subject_public_key_info: SubjectPublicKeyInfoOwned::from_der(
            &subject_key.public().to_spki_der().unwrap(),
        )
        .unwrap(),
        extensions,
    };
    let tbs_der = tbs.to_der().unwrap();
    let PrivateKey::P256(sk) = signer else {
        panic!("test issuers are P-256");
    };
    let signing = p256::ecdsa::SigningKey::from(sk);
    let sig = match s.sig {
        Sig::Good => {
            let (used, sig) = signature::sign(
                signer,
                signature::HashAlg::Sha256,
                signature::RsaPadding::Pkcs1v15,
                &tbs_der,
            )
            .unwrap();
            assert_eq!(used.oid, alg.oid);
            sig
        }
        Sig::Wrong => {
            let digest = signature::HashAlg::Sha256.digest(b"something else");
            let sig: p256::ecdsa::Signature = signing.sign_prehash(&digest).unwrap();
            sig.to_der().as_bytes().to_vec()
        }
        Sig::Sha1 => {
            let digest = signature::HashAlg::Sha1.digest(&tbs_der);
            let sig: p256::ecdsa::Signature = signing.sign_prehash(&digest).unwrap();
            sig.to_der().as_bytes().to_vec()
        }
        Sig::Claimed(_) => vec![0u8; 64],
    };
    let der = Signed {
        tbs: Any::from_der(&tbs_der).unwrap(),
        algorithm: alg,
        signature: BitString::from_bytes(&sig).unwrap(),
    }
    .to_der()
    .unwrap();
    Cert::from_der(&der).unwrap()
}

/// Root -> intermediate -> leaf, P-256, valid around NOW.
struct Pki {
    root: Cert,
    root_key: PrivateKey,
    inter: Cert,
    inter_key: PrivateKey,
}

fn pki() -> Pki {
    let root_key = key();
    let root = make(ca_spec("Test Root"), &root_key, None);
    let inter_key = key();
    let inter = make(
        ca_spec("Test Intermediate"),
        &inter_key,
        Some((&root, &root_key)),
    );
    Pki {
        root,
        root_key,
        inter,
        inter_key,
    }
}

impl Pki {
    fn leaf(&self, s: Spec) -> Cert {
        make(s, &key(), Some((&self.inter, &self.inter_key)))
    }

    fn check(&self, leaf: &Cert, at: u64) -> Result<ValidPath, PathError> {
        let anchors = [self.root.clone()];
        let inter = [self.inter.clone()];
        validate(
            leaf,
            Purpose::Sign,
            &TrustContext {
                anchors: &anchors,
                builtin: &[],
                intermediates: &inter,
                at,
            },
        )
    }
}

fn kind(r: Result<ValidPath, PathError>) -> String {
    match r {
        Ok(_) => "valid".into(),
        Err(e) => e.kind(),
    }
}

#[test]
fn a_good_path_ends_at_the_user_anchor() {
    let p = pki();
    let leaf = p.leaf(leaf_spec("Alice", "alice@example.test"));
    let path = p.check(&leaf, NOW).unwrap();
    assert_eq!(path.certs.len(), 3);
    assert_eq!(path.anchor.source, AnchorSource::User);
    assert_eq!(path.anchor.name, "Test Root");
    assert_eq!(
        path.anchor.wording(),
        "Trusted through Test Root (trusted by you)"
    );
    assert_eq!(path.anchor.fingerprint, p.root.fingerprint());
}

#[test]
fn validity_of_every_certificate_is_checked_at_the_validation_time() {
    let p = pki();
    let leaf = p.leaf(leaf_spec("Alice", "alice@example.test"));
    assert_eq!(kind(p.check(&leaf, NOW + 2 * YEAR)), "expired");
    assert_eq!(kind(p.check(&leaf, NOW - 2 * YEAR)), "not-yet-valid");
    // An expired intermediate breaks a path whose leaf is still valid.
    let inter_key = key();
    let old_inter = make(
        Spec {
            not_before: NOW - 3 * YEAR,
            not_after: NOW - YEAR / 2,
            ..ca_spec("Old Intermediate")
        },
        &inter_key,
        Some((&p.root, &p.root_key)),
    );
    let leaf = make(
        Spec {
            not_before: NOW - YEAR,
            ..leaf_spec("Bob", "bob@example.test")
        },
        &key(),
        Some((&old_inter, &inter_key)),
    );
    let anchors = [p.root.clone()];
    let inter = [old_inter.clone()];
    let ctx = TrustContext {
        anchors: &anchors,
        builtin: &[],
        intermediates: &inter,
        at: NOW,
    };
    let err = validate(&leaf, Purpose::Sign, &ctx).unwrap_err();
    assert_eq!(err.kind(), "expired");
    assert!(err.to_string().contains("Old Intermediate"), "{err}");
}

#[test]
fn the_signing_time_is_checked_too() {
    let p = pki();
    let leaf = p.leaf(leaf_spec("Alice", "alice@example.test"));
    let anchors = [p.root.clone()];
    let inter = [p.inter.clone()];
    let ctx = |at| TrustContext {
        anchors: &anchors,
        builtin: &[],
        intermediates: &inter,
        at,
    };
    // Valid now and when signed.
    assert!(validate_signed(&leaf, &ctx(NOW), Some(NOW - 86_400)).is_ok());
    // Expired now, valid when signed: its own reason, status expired.
    let e = validate_signed(&leaf, &ctx(NOW + 2 * YEAR), Some(NOW)).unwrap_err();
    assert_eq!(e.kind(), "expired-since-signing");
    assert_eq!(e.status(), "expired");
    assert!(
        e.to_string().contains("valid when the message was signed"),
        "{e}"
    );
    // Expired now and when signed: plain expired.
    let e = validate_signed(&leaf, &ctx(NOW + 3 * YEAR), Some(NOW + 2 * YEAR)).unwrap_err();
    assert_eq!(e.kind(), "expired");
    // Valid now, but the claimed signing time precedes the certificate.
    let e = validate_signed(&leaf, &ctx(NOW), Some(NOW - 2 * YEAR)).unwrap_err();
    assert_eq!(e.kind(), "not-valid-when-signed");
    assert_eq!(e.status(), "not-yet-valid");
    // A signing time in the future never rescues an expired certificate.
    let e = validate_signed(&leaf, &ctx(NOW + 2 * YEAR), Some(NOW + 3 * YEAR)).unwrap_err();
    assert_eq!(e.kind(), "expired");
}

#[test]
fn the_end_entity_must_fit_the_purpose() {
    let p = pki();
    let server = p.leaf(Spec {
        eku: Some(vec!["1.3.6.1.5.5.7.3.1"]),
        ..leaf_spec("Server", "srv@example.test")
    });
    assert_eq!(kind(p.check(&server, NOW)), "wrong-usage");
    let agreement_only = p.leaf(Spec {
        ku: Some(KeyUsage(KeyUsages::KeyAgreement.into())),
        ..leaf_spec("Agree", "agree@example.test")
    });
    assert_eq!(kind(p.check(&agreement_only, NOW)), "wrong-usage");
    let anchors = [p.root.clone()];
    let inter = [p.inter.clone()];
    let ctx = TrustContext {
        anchors: &anchors,
        builtin: &[],
        intermediates: &inter,
        at: NOW,
    };
    assert!(validate(&agreement_only, Purpose::Encrypt, &ctx).is_ok());
    let sign_only = p.leaf(Spec {
        ku: Some(KeyUsage(KeyUsages::DigitalSignature.into())),
        ..leaf_spec("Sign", "sign@example.test")
    });
    assert_eq!(
        kind(validate(&sign_only, Purpose::Encrypt, &ctx)),
        "wrong-usage"
    );
}

#[test]
fn chaining_failures() {
    let p = pki();
    let leaf = p.leaf(leaf_spec("Alice", "alice@example.test"));
    // No anchor at all.
    let inter = [p.inter.clone()];
    let ctx = TrustContext {
        anchors: &[],
        builtin: &[],
        intermediates: &inter,
        at: NOW,
    };
    let e = validate(&leaf, Purpose::Sign, &ctx).unwrap_err();
    assert_eq!(e.kind(), "issuer-unknown");
    assert!(e.to_string().contains("Test Intermediate"), "{e}");
    // The chain reaches a self-signed root nobody trusts.
    let with_root = [p.inter.clone(), p.root.clone()];
    let ctx = TrustContext {
        anchors: &[],
        builtin: &[],
        intermediates: &with_root,
        at: NOW,
    };
    let e = validate(&leaf, Purpose::Sign, &ctx).unwrap_err();
    assert_eq!(e.kind(), "untrusted-root");
    assert!(e.to_string().contains("Test Root"), "{e}");
    // Signed by another key under the intermediate's name.
    let impostor_key = key();
    let impostor = make(
        ca_spec("Test Intermediate"),
        &impostor_key,
        Some((&p.root, &p.root_key)),
    );
    let forged = make(
        leaf_spec("Mallory", "m@example.test"),
        &key(),
        Some((&impostor, &impostor_key)),
    );
    // The forged leaf names the impostor's key: the genuine intermediate is no candidate.
    let anchors = [p.root.clone()];
    let only_genuine = [p.inter.clone()];
    let ctx = TrustContext {
        anchors: &anchors,
        builtin: &[],
        intermediates: &only_genuine,
        at: NOW,
    };
    assert_eq!(
        kind(validate(&forged, Purpose::Sign, &ctx)),
        "issuer-unknown"
    );
    // Right names and key identifiers, but the signature does not verify.
    let liar = p.leaf(Spec {
        sig: Sig::Wrong,
        ..leaf_spec("Mallory", "m@example.test")
    });
    assert_eq!(kind(p.check(&liar, NOW)), "bad-certificate-signature");
}

#[test]
fn ca_constraints() {
    let p = pki();
    // An intermediate that is not a CA.
    let not_ca_key = key();
    let not_ca = make(
        Spec {
            ku: Some(KeyUsage(KeyUsages::KeyCertSign.into())),
            ..spec("Not A CA")
        },
        &not_ca_key,
        Some((&p.root, &p.root_key)),
    );
    // An intermediate CA without keyCertSign.
    let no_sign_key = key();
    let no_sign = make(
        Spec {
            ku: Some(KeyUsage(KeyUsages::CRLSign.into())),
            ..ca_spec("CRL Only CA")
        },
        &no_sign_key,
        Some((&p.root, &p.root_key)),
    );
    // A root allowing no intermediate, and one allowing one.
    let strict_root_key = key();
    let strict_root = make(
        Spec {
            ca: Some(Some(0)),
            ..ca_spec("Strict Root")
        },
        &strict_root_key,
        None,
    );
    let sub_key = key();
    let sub = make(
        ca_spec("Sub CA"),
        &sub_key,
        Some((&strict_root, &strict_root_key)),
    );
    for (issuer, issuer_key, anchor, expected) in [
        (&not_ca, &not_ca_key, &p.root, "not-ca"),
        (&no_sign, &no_sign_key, &p.root, "ca-key-usage"),
        (&sub, &sub_key, &strict_root, "path-length"),
    ] {
        let leaf = make(
            leaf_spec("Alice", "alice@example.test"),
            &key(),
            Some((issuer, issuer_key)),
        );
        let anchors = [anchor.clone()];
        let inter = [issuer.clone()];
        let ctx = TrustContext {
            anchors: &anchors,
            builtin: &[],
            intermediates: &inter,
            at: NOW,
        };
        assert_eq!(kind(validate(&leaf, Purpose::Sign, &ctx)), expected);
    }
    // A self-issued intermediate (key rollover) does not count against pathLen 0.
    let new_key = key();
    let rollover = make(
        Spec {
            dn: "CN=Strict Root,O=Sealpost Tests".into(),
            ..ca_spec("unused")
        },
        &new_key,
        Some((&strict_root, &strict_root_key)),
    );
    assert!(rollover.is_self_issued());
    let leaf = make(
        leaf_spec("Alice", "alice@example.test"),
        &key(),
        Some((&rollover, &new_key)),
    );
    let anchors = [strict_root.clone()];
    let inter = [rollover.clone()];
    let ctx = TrustContext {
        anchors: &anchors,
        builtin: &[],
        intermediates: &inter,
        at: NOW,
    };
    assert_eq!(validate(&leaf, Purpose::Sign, &ctx).unwrap().certs.len(), 3);
}

fn subtree(base: GeneralName) -> GeneralSubtree {
    GeneralSubtree {
        base,
        minimum: 0,
        maximum: None,
    }
}

fn rfc822(s: &str) -> GeneralName {
    GeneralName::Rfc822Name(Ia5String::new(s).unwrap())
}

/// A root constraining names as `nc`, an intermediate, and a leaf for `email`.
fn constrained(nc: NameConstraints, leaf: Spec) -> Result<ValidPath, PathError> {
    let root_key = key();
    let root = make(
        Spec {
            nc: Some(nc),
            ..ca_spec("Constrained Root")
        },
        &root_key,
        None,
    );
    let inter_key = key();
    let inter = make(
        ca_spec("Constrained Sub"),
        &inter_key,
        Some((&root, &root_key)),
    );
    let leaf = make(leaf, &key(), Some((&inter, &inter_key)));
    let anchors = [root];
    let inters = [inter];
    validate(
        &leaf,
        Purpose::Sign,
        &TrustContext {
            anchors: &anchors,
            builtin: &[],
            intermediates: &inters,
            at: NOW,
        },
    )
}

fn permitted(names: Vec<GeneralName>) -> NameConstraints {
    NameConstraints {
        permitted_subtrees: Some(names.into_iter().map(subtree).collect()),
        excluded_subtrees: None,
    }
}

#[test]
fn rfc822_name_constraints_in_all_three_forms() {
    let leaf = |e: &'static str| leaf_spec("Alice", e);
    // host form: exactly that host
    assert_eq!(
        kind(constrained(
            permitted(vec![rfc822("example.test")]),
            leaf("a@example.test")
        )),
        "valid"
    );
    assert_eq!(
        kind(constrained(
            permitted(vec![rfc822("example.test")]),
            leaf("a@sub.example.test")
        )),
        "name-constraints"
    );
    // .domain form: subdomains only
    assert_eq!(
        kind(constrained(
            permitted(vec![rfc822(".example.test")]),
            leaf("a@sub.EXAMPLE.test")
        )),
        "valid"
    );
    assert_eq!(
        kind(constrained(
            permitted(vec![rfc822(".example.test")]),
            leaf("a@example.test")
        )),
        "name-constraints"
    );
    // mailbox form
    assert_eq!(
        kind(constrained(
            permitted(vec![rfc822("boss@example.test")]),
            leaf("boss@example.test")
        )),
        "valid"
    );
    assert_eq!(
        kind(constrained(
            permitted(vec![rfc822("boss@example.test")]),
            leaf("eve@example.test")
        )),
        "name-constraints"
    );
    // excluded wins
    let nc = NameConstraints {
        permitted_subtrees: None,
        excluded_subtrees: Some(vec![subtree(rfc822("evil.test"))]),
    };
    assert_eq!(
        kind(constrained(nc.clone(), leaf("x@evil.test"))),
        "name-constraints"
    );
    assert_eq!(kind(constrained(nc, leaf("x@good.test"))), "valid");
    // The subject's emailAddress attribute is constrained like a SAN rfc822Name.
    let dn_email = Spec {
        dn: "CN=Eve,emailAddress=eve@other.test,O=Sealpost Tests".into(),
        ..leaf("eve@example.test")
    };
    let e = constrained(permitted(vec![rfc822("example.test")]), dn_email).unwrap_err();
    assert_eq!(e.kind(), "name-constraints");
    assert!(e.to_string().contains("eve@other.test"), "{e}");
}

#[test]
fn directory_and_dns_name_constraints() {
    let dn = |s: &str| GeneralName::DirectoryName(Name::from_str(s).unwrap());
    let ok = permitted(vec![dn("O=Sealpost Tests")]);
    assert_eq!(
        kind(constrained(ok, leaf_spec("Alice", "a@example.test"))),
        "valid"
    );
    let other = permitted(vec![dn("O=Someone Else")]);
    assert_eq!(
        kind(constrained(other, leaf_spec("Alice", "a@example.test"))),
        "name-constraints"
    );
    let dns = |s: &str| GeneralName::DnsName(Ia5String::new(s).unwrap());
    let with_dns = |host: &str| Spec {
        san: vec![dns(host)],
        ..leaf_spec("Host", "h@example.test")
    };
    assert_eq!(
        kind(constrained(
            permitted(vec![dns("example.test")]),
            with_dns("mail.example.test")
        )),
        "valid"
    );
    assert_eq!(
        kind(constrained(
            permitted(vec![dns("example.test")]),
            with_dns("example.test.evil")
        )),
        "name-constraints"
    );
    // Names of a form the CA does not constrain are unaffected.
    assert_eq!(
        kind(constrained(
            permitted(vec![dns("example.test")]),
            leaf_spec("A", "a@anything.test")
        )),
        "valid"
    );
}

#[test]
fn an_unsupported_constrained_name_form_fails_closed() {
    let rid = |s: &str| GeneralName::RegisteredId(ObjectIdentifier::new_unwrap(s));
    let nc = permitted(vec![rid("1.2.3.4")]);
    let with_rid = Spec {
        san: vec![rid("1.2.3.4.5")],
        ..leaf_spec("R", "r@example.test")
    };
    let e = constrained(nc.clone(), with_rid).unwrap_err();
    assert_eq!(e.kind(), "unsupported-name-constraint");
    assert!(e.to_string().contains("registeredID"), "{e}");
    // Without a name of that form the constraint has nothing to judge.
    assert_eq!(
        kind(constrained(nc, leaf_spec("R", "r@example.test"))),
        "valid"
    );
}

#[test]
fn an_unknown_critical_extension_is_refused() {
    let p = pki();
    let leaf = p.leaf(Spec {
        extra: vec![Extension {
            extn_id: ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1"),
            critical: true,
            extn_value: OctetString::new(vec![5, 0]).unwrap(),
        }],
        ..leaf_spec("Alice", "alice@example.test")
    });
    assert_eq!(kind(p.check(&leaf, NOW)), "unknown-critical-extension");
    // The same extension, not critical, is ignored.
    let leaf = p.leaf(Spec {
        extra: vec![Extension {
            extn_id: ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1"),
            critical: false,
            extn_value: OctetString::new(vec![5, 0]).unwrap(),
        }],
        ..leaf_spec("Alice", "alice@example.test")
    });
    assert_eq!(kind(p.check(&leaf, NOW)), "valid");
}

#[test]
fn the_algorithm_policy_applies_to_every_link() {
    let p = pki();
    let md5 = p.leaf(Spec {
        sig: Sig::Claimed("1.2.840.113549.1.1.4"),
        ..leaf_spec("Alice", "alice@example.test")
    });
    assert_eq!(kind(p.check(&md5, NOW)), "md5-signature");
    let dsa = p.leaf(Spec {
        sig: Sig::Claimed("2.16.840.1.101.3.4.3.2"),
        ..leaf_spec("Alice", "alice@example.test")
    });
    assert_eq!(kind(p.check(&dsa, NOW)), "unsupported-signature-algorithm");
    // SHA-1: refused after the cut-off, a genuine signature accepted before it.
    let old = |s: Spec| Spec {
        not_before: SHA1_CUTOFF - 5 * YEAR,
        not_after: NOW + YEAR,
        ..s
    };
    let root_key = key();
    let root = make(old(ca_spec("Old Root")), &root_key, None);
    let sha1_leaf = make(
        Spec {
            sig: Sig::Sha1,
            ..old(leaf_spec("Alice", "alice@example.test"))
        },
        &key(),
        Some((&root, &root_key)),
    );
    let anchors = [root];
    let ctx = |at| TrustContext {
        anchors: &anchors,
        builtin: &[],
        intermediates: &[],
        at,
    };
    let e = validate(&sha1_leaf, Purpose::Sign, &ctx(NOW)).unwrap_err();
    assert_eq!(e.kind(), "sha1-signature");
    assert!(e.to_string().contains("2017-01-01"), "{e}");
    assert!(validate(&sha1_leaf, Purpose::Sign, &ctx(SHA1_CUTOFF - YEAR)).is_ok());
    // RSA below 2048 bits, anywhere in the path.
    let weak = make(
        leaf_spec("Weak", "weak@example.test"),
        &PrivateKey::generate(KeyKind::Rsa { bits: 1024 }).unwrap(),
        Some((&p.inter, &p.inter_key)),
    );
    let e = p.check(&weak, NOW).unwrap_err();
    assert_eq!(e.kind(), "weak-key");
    assert_eq!(e.status(), "unsupported-algorithm");
}

#[test]
fn names_chain_regardless_of_case_and_spaces() {
    let p = pki();
    let leaf = p.leaf(Spec {
        issuer_dn: Some("CN=test   INTERMEDIATE,O= sealpost tests".into()),
        ..leaf_spec("Alice", "alice@example.test")
    });
    assert_ne!(leaf.issuer_der(), p.inter.subject_der());
    assert_eq!(kind(p.check(&leaf, NOW)), "valid");
    // A different name does not chain.
    let leaf = p.leaf(Spec {
        issuer_dn: Some("CN=Test Intermediate 2,O=Sealpost Tests".into()),
        ..leaf_spec("Alice", "alice@example.test")
    });
    assert_eq!(kind(p.check(&leaf, NOW)), "issuer-unknown");
}

#[test]
fn built_in_roots_and_their_distrust_date() {
    let p = pki();
    let leaf = p.leaf(leaf_spec("Alice", "alice@example.test"));
    let inter = [p.inter.clone()];
    let builtin = |after: Option<u64>| {
        vec![BuiltinRoot {
            cert: p.root.clone(),
            name: "Example Root R1".into(),
            distrust_smime_after: after,
        }]
    };
    let trusted = builtin(None);
    let ctx = TrustContext {
        anchors: &[],
        builtin: &trusted,
        intermediates: &inter,
        at: NOW,
    };
    let path = validate(&leaf, Purpose::Sign, &ctx).unwrap();
    assert_eq!(path.anchor.source, AnchorSource::Mozilla);
    assert_eq!(
        path.anchor.wording(),
        "Trusted through Example Root R1 (Mozilla root program)"
    );
    // Distrusted for S/MIME certificates issued after a date before the leaf's notBefore.
    let distrusted = builtin(Some(leaf.not_before() - 86_400));
    let ctx = TrustContext {
        anchors: &[],
        builtin: &distrusted,
        intermediates: &inter,
        at: NOW,
    };
    let e = validate(&leaf, Purpose::Sign, &ctx).unwrap_err();
    assert_eq!(e.kind(), "distrusted-root");
    assert_eq!(e.status(), "untrusted");
    // Certificates issued before the date stay trusted.
    let later = builtin(Some(leaf.not_before() + 86_400));
    let ctx = TrustContext {
        anchors: &[],
        builtin: &later,
        intermediates: &inter,
        at: NOW,
    };
    assert!(validate(&leaf, Purpose::Sign, &ctx).is_ok());
    // The user's own trust takes precedence over the built-in record.
    let anchors = [p.root.clone()];
    let ctx = TrustContext {
        anchors: &anchors,
        builtin: &distrusted,
        intermediates: &inter,
        at: NOW,
    };
    assert_eq!(
        validate(&leaf, Purpose::Sign, &ctx).unwrap().anchor.source,
        AnchorSource::User
    );
}

#[test]
fn the_mozilla_email_roots_load() {
    let roots = mozilla_email_roots();
    assert!(roots.len() >= 50, "{} email roots", roots.len());
    assert!(roots.iter().all(|r| !r.name.is_empty() && r.cert.is_ca()));
    // Every one is in the snapshot with the email trust bit.
    for r in roots {
        let fp = r.cert.fingerprint();
        let entry = certval_stores_mozilla::find_by_sha256(&fp).expect("in the snapshot");
        assert!(entry.email);
    }
    assert_eq!(parse_date("2026-10-25"), Some(1_792_886_400));
    assert_eq!(parse_date("1970-01-01"), Some(0));
    assert_eq!(parse_date("2026-13-01"), None);
    assert_eq!(parse_date("soon"), None);
}

#[test]
fn a_pool_of_look_alike_issuers_is_bounded() {
    let p = pki();
    let leaf = p.leaf(leaf_spec("Alice", "alice@example.test"));
    // Many certificates under the intermediate's name, none signed the leaf, each itself
    // issued under the same name: the search stops within its bounds.
    let mut pool = Vec::new();
    for _ in 0..40 {
        let k = key();
        let mut s = ca_spec("Test Intermediate");
        s.issuer_dn = Some("CN=Test Intermediate,O=Sealpost Tests".into());
        pool.push(make(s, &k, Some((&p.inter, &p.inter_key))));
    }
    let anchors = [p.root.clone()];
    let ctx = TrustContext {
        anchors: &anchors,
        builtin: &[],
        intermediates: &pool,
        at: NOW,
    };
    let started = std::time::Instant::now();
    let r = validate(&leaf, Purpose::Sign, &ctx);
    assert!(r.is_err());
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn matchers() {
    assert_eq!(rfc822_within("a@example.test", "EXAMPLE.test"), Some(true));
    assert_eq!(rfc822_within("not-an-address", "example.test"), None);
    assert!(dns_within("a.b.example.test", "example.test"));
    assert!(!dns_within("badexample.test", "example.test"));
    assert!(dns_within("anything", ""));
    assert_eq!(
        uri_host("https://user@Host.example.test:8443/x?y"),
        Some("Host.example.test".into())
    );
    assert_eq!(uri_host("urn:isbn:123"), None);
    assert_eq!(
        ip_within(&[10, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]),
        Some(true)
    );
    assert_eq!(
        ip_within(&[11, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]),
        Some(false)
    );
    assert_eq!(ip_within(&[1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]), None);
    assert!(!ends_with_ignore_case("é", "xx"));
}
