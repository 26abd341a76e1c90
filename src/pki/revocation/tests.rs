use super::crl::Crl;
use super::*;
use crate::pki::issue::{
    self, KeyAlgorithm, MailboxCertRequest, RevocationReason, RevokedEntry, self_signed_ca,
};
use crate::pki::keys::PrivateKey;

const NOW: u64 = 1_800_000_000; // 2027-01-15
const CRL_URL: &str = "http://127.0.0.1:9/ca.crl";

fn make_ca(name: &str) -> (Cert, PrivateKey) {
    let key = KeyAlgorithm::P256.generate().unwrap();
    (self_signed_ca(&key, name, 3650, NOW - 86_400).unwrap(), key)
}

fn leaf(ca: &Cert, key: &PrivateKey, email: &str) -> Cert {
    let k = KeyAlgorithm::P256.generate().unwrap();
    let spki = k.public().to_spki_der().unwrap();
    issue::issue_mailbox(
        ca,
        key,
        &MailboxCertRequest {
            emails: &[email.to_string()],
            spki_der: &spki,
            days: 365,
            crl_url: Some(CRL_URL),
            ca_issuers_url: None,
            now: NOW - 3600,
        },
    )
    .unwrap()
}

fn serial(c: &Cert) -> Vec<u8> {
    serial_magnitude(c.x509().tbs_certificate().serial_number().as_bytes()).to_vec()
}

#[test]
fn crl_lookup_reports_revoked_serial_with_date_and_reason() {
    let (ca, key) = make_ca("Rev CA");
    let alice = leaf(&ca, &key, "alice@example.test");
    let bob = leaf(&ca, &key, "bob@example.test");
    let der = issue::build_crl(
        &ca,
        &key,
        &[RevokedEntry {
            serial: serial(&bob),
            revoked_at: NOW - 100,
            reason: RevocationReason::KeyCompromise,
        }],
        3,
        NOW - 60,
        NOW + 86_400,
    )
    .unwrap();
    let crl = Crl::parse(&der).unwrap();
    crl.verify_signature(&ca, &[]).unwrap();
    crl.check_time(NOW).unwrap();
    assert!(crl.covers(&alice) && crl.covers(&bob));
    assert_eq!(crl.status_of(&alice), CertStatus::Good);
    assert_eq!(
        crl.status_of(&bob),
        CertStatus::Revoked {
            at: NOW - 100,
            reason: Some(1)
        }
    );
    assert_eq!(crl.crl_number(), Some(&[3u8][..]));
    // PEM works the same.
    let pem = crate::pki::to_pem("X509 CRL", &der);
    assert_eq!(Crl::parse(pem.as_bytes()).unwrap().revoked_count(), 1);
    assert_eq!(crl_urls(&alice), vec![CRL_URL.to_string()]);
    assert!(ocsp_urls(&alice).is_empty());
}

#[test]
fn stale_future_and_foreign_crls_are_refused() {
    let (ca, key) = make_ca("Rev CA");
    let der = issue::build_crl(&ca, &key, &[], 1, NOW - 10 * 86_400, NOW - 3 * 86_400).unwrap();
    let crl = Crl::parse(&der).unwrap();
    crl.verify_signature(&ca, &[]).unwrap();
    assert!(matches!(
        crl.check_time(NOW),
        Err(RevocationError::Stale { .. })
    ));
    let der = issue::build_crl(&ca, &key, &[], 2, NOW + 86_400, NOW + 2 * 86_400).unwrap();
    assert!(matches!(
        Crl::parse(&der).unwrap().check_time(NOW),
        Err(RevocationError::NotYetValid { .. })
    ));
    // Same name, other key: the signature does not verify.
    let (imposter, ikey) = make_ca("Rev CA");
    let forged = issue::build_crl(&imposter, &ikey, &[], 9, NOW, NOW + 86_400).unwrap();
    let forged = Crl::parse(&forged).unwrap();
    assert!(matches!(
        forged.verify_signature(&ca, &[]),
        Err(RevocationError::BadSignature { .. })
    ));
    // Another issuer's CRL is not for this CA's certificates.
    let (other, okey) = make_ca("Other CA");
    let foreign =
        Crl::parse(&issue::build_crl(&other, &okey, &[], 1, NOW, NOW + 86_400).unwrap()).unwrap();
    assert!(matches!(
        foreign.verify_signature(&ca, &[]),
        Err(RevocationError::WrongIssuer { .. })
    ));
    let alice = leaf(&ca, &key, "alice@example.test");
    assert!(!foreign.covers(&alice));
}

#[test]
fn a_flipped_bit_breaks_the_crl_signature() {
    let (ca, key) = make_ca("Rev CA");
    let mut der = issue::build_crl(&ca, &key, &[], 1, NOW, NOW + 86_400).unwrap();
    // The last byte is inside the signature value.
    if let Some(b) = der.last_mut() {
        *b ^= 1;
    }
    match Crl::parse(&der) {
        Ok(crl) => assert!(crl.verify_signature(&ca, &[]).is_err()),
        Err(e) => assert!(matches!(e, RevocationError::Malformed { .. })),
    }
}

#[test]
fn ocsp_request_carries_a_sha1_cert_id_and_garbage_answers_are_errors() {
    let (ca, key) = make_ca("Rev CA");
    let alice = leaf(&ca, &key, "alice@example.test");
    let req = ocsp::build_request(&alice, &ca, true).unwrap();
    assert_eq!(req.cert_id.hash_algorithm.oid, ocsp::OID_SHA1);
    assert_eq!(req.cert_id.issuer_name_hash.as_bytes().len(), 20);
    assert_eq!(req.nonce.as_ref().map(Vec::len), Some(16));
    assert_eq!(req.der.first(), Some(&0x30));
    let plain = ocsp::build_request(&alice, &ca, false).unwrap();
    assert!(plain.der.len() < req.der.len());
    for junk in [
        &b""[..],
        b"\x30\x00",
        b"\x30\x03\x0a\x01\x00",
        b"\x30\x03\x0a\x01\x06",
        b"hello",
    ] {
        assert!(ocsp::verify_response(junk, &alice, &ca, None, NOW).is_err());
    }
    assert!(matches!(
        ocsp::verify_response(b"\x30\x03\x0a\x01\x06", &alice, &ca, None, NOW),
        Err(RevocationError::ResponderStatus(s)) if s == "unauthorized"
    ));
}

#[test]
fn enumerated_values_parse_within_bounds() {
    assert_eq!(crl::parse_enumerated(&[0x0a, 0x01, 0x04]), Some(4));
    assert_eq!(crl::parse_enumerated(&[0x0a, 0x02, 0x01, 0x00]), Some(256));
    assert_eq!(crl::parse_enumerated(&[0x0a, 0x05, 1, 1, 1, 1, 1]), None);
    assert_eq!(crl::parse_enumerated(&[0x0a, 0x02, 0x01]), None);
    assert_eq!(crl::parse_enumerated(&[0x02, 0x01, 0x01]), None);
}
