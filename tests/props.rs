//! Property tests: round trips through the engine's own layers, and no panic on arbitrary or
//! mutated input for every parser that sees data from outside.
//!
//! Keys and certificates come from the test PKI made by `tests/pki/make-pki.sh` (bash + openssl)
//! into `target/test-pki`, as for the interop tests. Crypto-heavy properties run at most 64
//! cases; set PROPTEST_CASES to change every property's count.

use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use sealpost::asn1;
use sealpost::cms::envelope::{self, ContentCipher, KeyHolder, Recipient, RsaTransport};
use sealpost::cms::sign::{self, SignOptions, SignerId};
use sealpost::cms::verify;
use sealpost::pki::cert::Cert;
use sealpost::pki::keys::PrivateKey;
use sealpost::pki::{self, pkcs12};
use sealpost::smime::{self, mime};

// ================================================================================================
// Test PKI
// ================================================================================================

/// The signing time of the messages these properties sign: now, by the system clock.
fn signing_now() -> u64 {
    sealpost::clock::Clock::now(&sealpost::clock::SystemClock)
}

mod common;
use common::pki;

fn pki_bytes(name: &str) -> Vec<u8> {
    let p = pki().join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

struct User {
    name: &'static str,
    cert: Cert,
    key: PrivateKey,
}

fn load(name: &'static str) -> User {
    let cert = Cert::from_der(&pki_bytes(&format!("{name}.der"))).expect("user certificate");
    let pem = String::from_utf8(pki_bytes(&format!("{name}.key"))).expect("PEM key");
    let (_, der) = pki::pem_blocks(&pem)
        .into_iter()
        .next()
        .expect("a PEM block in the key file");
    let key = PrivateKey::from_pkcs8_der(&der).expect("PKCS#8 key");
    User { name, cert, key }
}

/// rsa2048, rsa3072, p256, p384, ed25519 (the last cannot encrypt).
fn users() -> &'static [User] {
    static USERS: OnceLock<Vec<User>> = OnceLock::new();
    USERS.get_or_init(|| {
        ["rsa2048", "rsa3072", "p256", "p384", "ed25519"]
            .into_iter()
            .map(load)
            .collect()
    })
}

fn user(name: &str) -> &'static User {
    users()
        .iter()
        .find(|u| u.name == name)
        .unwrap_or_else(|| panic!("no user {name}"))
}

fn ca() -> &'static Cert {
    static CA: OnceLock<Cert> = OnceLock::new();
    CA.get_or_init(|| Cert::from_der(&pki_bytes("ca.der")).expect("CA certificate"))
}

const ENCRYPTING: [&str; 4] = ["rsa2048", "rsa3072", "p256", "p384"];
const SIGNING: [&str; 5] = ["rsa2048", "rsa3072", "p256", "p384", "ed25519"];
const CIPHERS: [ContentCipher; 4] = [
    ContentCipher::Aes128Cbc,
    ContentCipher::Aes256Cbc,
    ContentCipher::Aes128Gcm,
    ContentCipher::Aes256Gcm,
];

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Payloads: empty, short text, binary of any size up to `max`.
fn payload(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => Just(Vec::new()),
        2 => "[ -~\r\n]{0,200}".prop_map(String::into_bytes),
        4 => proptest::collection::vec(any::<u8>(), 0..max),
    ]
}

// ================================================================================================
// ASN.1: DER trees, their BER spellings
// ================================================================================================

#[derive(Clone, Debug)]
enum Node {
    Prim(u8, Vec<u8>),
    Cons(u8, Vec<Node>),
}

fn der_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let b = (len as u64).to_be_bytes();
        let skip = b.iter().take_while(|x| **x == 0).count();
        out.push(0x80 | (8 - skip) as u8);
        out.extend_from_slice(&b[skip..]);
    }
}

fn to_der(n: &Node, out: &mut Vec<u8>) {
    match n {
        Node::Prim(tag, v) => {
            out.push(*tag);
            der_len(out, v.len());
            out.extend_from_slice(v);
        }
        Node::Cons(tag, kids) => {
            let mut body = Vec::new();
            for k in kids {
                to_der(k, &mut body);
            }
            out.push(*tag);
            der_len(out, body.len());
            out.extend_from_slice(&body);
        }
    }
}

/// A BER spelling of the same tree: per element (chosen by `choices`, cycled), indefinite
/// lengths, non-minimal long-form lengths, and OCTET STRINGs split into constructed chunks.
fn to_ber(n: &Node, choices: &[u8], at: &mut usize, out: &mut Vec<u8>) {
    let c = if choices.is_empty() {
        0
    } else {
        choices[*at % choices.len()]
    };
    *at += 1;
    let long_len = |out: &mut Vec<u8>, len: usize| {
        out.push(0x84);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    };
    match n {
        Node::Prim(0x04, v) if c % 3 == 1 => {
            // constructed, indefinite OCTET STRING of chunks of 1..=7 bytes
            out.extend_from_slice(&[0x24, 0x80]);
            let size = 1 + (c as usize % 7);
            for chunk in v.chunks(size) {
                out.push(0x04);
                der_len(out, chunk.len());
                out.extend_from_slice(chunk);
            }
            out.extend_from_slice(&[0, 0]);
        }
        Node::Prim(tag, v) => {
            out.push(*tag);
            if c % 3 == 2 {
                long_len(out, v.len());
            } else {
                der_len(out, v.len());
            }
            out.extend_from_slice(v);
        }
        Node::Cons(tag, kids) => {
            let mut body = Vec::new();
            for k in kids {
                to_ber(k, choices, at, &mut body);
            }
            out.push(*tag);
            match c % 3 {
                0 => {
                    out.push(0x80);
                    out.extend_from_slice(&body);
                    out.extend_from_slice(&[0, 0]);
                }
                1 => {
                    long_len(out, body.len());
                    out.extend_from_slice(&body);
                }
                _ => {
                    der_len(out, body.len());
                    out.extend_from_slice(&body);
                }
            }
        }
    }
}

/// The one shape the normaliser rewrites on purpose: an EncryptedContentInfo-like
/// `SEQUENCE { OID, SEQUENCE, [0] { OCTET STRING* } }` (a BER-chunked IMPLICIT OCTET STRING).
fn has_eci_shape(n: &Node) -> bool {
    match n {
        Node::Prim(..) => false,
        Node::Cons(tag, kids) => {
            let eci = *tag == 0x30
                && kids.len() == 3
                && matches!(kids[0], Node::Prim(0x06, _))
                && matches!(kids[1], Node::Cons(0x30, _))
                && matches!(&kids[2], Node::Cons(0xa0, cs)
                    if cs.iter().all(|c| matches!(c, Node::Prim(0x04, _))));
            eci || kids.iter().any(has_eci_shape)
        }
    }
}

fn tree() -> impl Strategy<Value = Node> {
    let leaf = (
        prop::sample::select(vec![
            0x01u8, 0x02, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x17, 0x80, 0x81,
        ]),
        proptest::collection::vec(any::<u8>(), 0..40),
    )
        .prop_map(|(t, v)| Node::Prim(t, v));
    leaf.prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            4 => (
                prop::sample::select(vec![0x30u8, 0x31, 0xa0, 0xa1, 0xa3]),
                proptest::collection::vec(inner.clone(), 0..6),
            )
                .prop_map(|(t, kids)| Node::Cons(t, kids)),
            // near-misses of the EncryptedContentInfo shape: SEQUENCE { OID, SEQUENCE, [0] ... }
            1 => (
                proptest::collection::vec(any::<u8>(), 1..10),
                proptest::collection::vec(inner.clone(), 0..3),
                proptest::collection::vec(inner, 0..3),
            )
                .prop_map(|(oid, alg, content)| Node::Cons(0x30, vec![
                    Node::Prim(0x06, oid),
                    Node::Cons(0x30, alg),
                    Node::Cons(0xa0, content),
                ])),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// DER comes back byte for byte; every BER spelling of the same tree normalises to it.
    #[test]
    fn ber_to_der_is_identity_on_der_and_normalises_ber(
        t in tree(),
        choices in proptest::collection::vec(any::<u8>(), 1..16),
    ) {
        prop_assume!(!has_eci_shape(&t));
        let mut der = Vec::new();
        to_der(&t, &mut der);
        prop_assert_eq!(asn1::ber_to_der(&der).expect("DER input"), der.clone());
        let mut ber = Vec::new();
        to_ber(&t, &choices, &mut 0, &mut ber);
        let normalised = asn1::ber_to_der(&ber).expect("BER input");
        prop_assert_eq!(&normalised, &der);
        // idempotent
        prop_assert_eq!(asn1::ber_to_der(&normalised).expect("its own output"), der);
    }

    #[test]
    fn ber_to_der_never_panics(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(der) = asn1::ber_to_der(&data) {
            // whatever it accepts, it accepts again unchanged
            prop_assert_eq!(asn1::ber_to_der(&der).expect("its own output"), der);
        }
    }

    /// CRLF canonicalisation: idempotent, no bare LF left, and only CRs are added.
    #[test]
    fn canonicalize_is_idempotent(data in proptest::collection::vec(
        prop_oneof![Just(b'\r'), Just(b'\n'), Just(b'a'), any::<u8>()], 0..400)) {
        let once = smime::canonicalize(&data);
        prop_assert_eq!(smime::canonicalize(&once), once.clone());
        for (i, b) in once.iter().enumerate() {
            if *b == b'\n' {
                prop_assert!(i > 0 && once[i - 1] == b'\r', "bare LF at {}", i);
            }
        }
        let without_cr = |v: &[u8]| v.iter().copied().filter(|b| *b != b'\r').collect::<Vec<_>>();
        prop_assert_eq!(without_cr(&once), without_cr(&data));
    }
}

// ================================================================================================
// MIME
// ================================================================================================

fn header_value() -> impl Strategy<Value = String> {
    "[ -~]{0,60}".prop_map(|s| s.trim().to_string())
}

fn body_text() -> impl Strategy<Value = String> {
    prop_oneof!["[ -~\n]{0,300}", "[ -~äöü€✓\n]{0,300}", ".{0,200}",]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// split_message -> assemble -> split_message is a fixed point, the outer header survives
    /// in order, and the MIME entity's body decodes back to the canonical original.
    #[test]
    fn split_and_assemble_round_trip(
        subject in header_value(),
        from in "[a-z]{1,10}@example\\.test",
        extra in proptest::collection::vec(("X-[A-Za-z]{1,8}", header_value()), 0..4),
        body in body_text(),
        with_ct in any::<bool>(),
    ) {
        let mut msg = format!("From: {from}\nSubject: {subject}\n");
        for (n, v) in &extra {
            msg.push_str(&format!("{n}: {v}\n"));
        }
        if with_ct {
            msg.push_str("Content-Type: text/plain; charset=utf-8\n");
        }
        msg.push('\n');
        msg.push_str(&body);
        let (outer, entity) = smime::split_message(msg.as_bytes()).expect("a plain message");
        let names: Vec<String> = outer.iter().map(|h| h.name.clone()).collect();
        let mut want = vec!["From".to_string(), "Subject".to_string()];
        want.extend(extra.iter().map(|(n, _)| n.clone()));
        prop_assert_eq!(names, want);
        prop_assert!(entity.header("Content-Type").is_some());
        let assembled = smime::assemble(&outer, &entity);
        let (outer2, entity2) = smime::split_message(&assembled).expect("our own output");
        prop_assert_eq!(&outer2, &outer);
        prop_assert_eq!(&entity2, &entity);
        prop_assert_eq!(smime::assemble(&outer2, &entity2), assembled);
        // The body is the canonical original, verbatim or in base64 (8-bit/long lines).
        let canon = smime::canonicalize(body.as_bytes());
        let decoded = if entity.header("Content-Transfer-Encoding").as_deref() == Some("base64") {
            use base64::Engine as _;
            let clean: Vec<u8> = entity.body.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
            base64::engine::general_purpose::STANDARD.decode(clean).expect("base64 body")
        } else {
            entity.body.clone()
        };
        prop_assert_eq!(decoded, canon);
    }

    /// A multipart body built from parts that do not contain the delimiter splits back into
    /// exactly those parts, with CRLF or LF line ends.
    #[test]
    fn multipart_split_recovers_parts(
        parts in proptest::collection::vec("[ -~\n]{0,120}", 1..6),
        preamble in "[ -~]{0,40}",
        lf_only in any::<bool>(),
    ) {
        let boundary = "----sealpost-prop-0123456789";
        prop_assume!(parts.iter().all(|p| !p.contains("--")));
        let nl = if lf_only { "\n" } else { "\r\n" };
        let parts: Vec<String> = parts
            .iter()
            .map(|p| if lf_only { p.clone() } else { p.replace('\n', "\r\n") })
            .collect();
        let mut body = format!("{preamble}{nl}");
        for p in &parts {
            body.push_str(&format!("--{boundary}{nl}{p}{nl}"));
        }
        body.push_str(&format!("--{boundary}--{nl}epilogue{nl}"));
        let got = mime::split_multipart(body.as_bytes(), boundary).expect("well-formed multipart");
        let want: Vec<Vec<u8>> = parts.iter().map(|p| p.as_bytes().to_vec()).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn mime_parsers_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = mime::Entity::parse(&data);
        let _ = mime::split_multipart(&data, "b");
        let _ = smime::split_message(&data);
        if let Ok(s) = std::str::from_utf8(&data) {
            let _ = mime::parse_content_type(s).param("boundary");
        }
    }
}

// ================================================================================================
// CMS round trips (crypto-heavy: few cases)
// ================================================================================================

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// sign -> verify, attached and detached, every key type and both signer identifiers.
    #[test]
    fn sign_then_verify(
        content in payload(4096),
        signer in prop::sample::select(SIGNING.to_vec()),
        attached in any::<bool>(),
        by_ski in any::<bool>(),
        with_chain in any::<bool>(),
    ) {
        let u = user(signer);
        let chain = if with_chain { vec![ca().clone()] } else { Vec::new() };
        let opts = SignOptions {
            attached,
            sid: if by_ski { SignerId::SubjectKeyId } else { SignerId::IssuerAndSerial },
            ..SignOptions::default()
        };
        let der = sign::sign(&content, &u.key, &u.cert, &chain, &opts).expect("sign");
        let detached = if attached { None } else { Some(content.as_slice()) };
        let v = verify::verify(&der, detached, &[]).expect("verify");
        prop_assert_eq!(&v.content, &content);
        prop_assert_eq!(v.signers.len(), 1);
        prop_assert!(v.signers[0].outcome.is_ok(), "{}: {:?}", signer, v.signers[0].outcome);
        prop_assert_eq!(
            v.signers[0].cert.as_ref().map(|c| c.fingerprint()),
            Some(u.cert.fingerprint())
        );
        // Any other content fails the digest check.
        let mut other = content.clone();
        other.push(b'x');
        if attached {
            // attached content plus a detached copy is refused outright
            prop_assert!(verify::verify(&der, Some(&other), &[]).is_err());
        } else {
            let v = verify::verify(&der, Some(&other), &[]).expect("verify other content");
            prop_assert_eq!(
                v.signers[0].outcome.clone(),
                Err(verify::SignerFailure::DigestMismatch)
            );
        }
    }

    /// encrypt -> decrypt for every recipient of a random, ordered recipient list; the
    /// RecipientInfos keep that order.
    #[test]
    fn encrypt_then_decrypt(
        content in payload(8192),
        rcpts in proptest::sample::subsequence(ENCRYPTING.to_vec(), 1..=4).prop_shuffle(),
        cipher in prop::sample::select(CIPHERS.to_vec()),
        oaep in any::<bool>(),
    ) {
        let recipients: Vec<Recipient> = rcpts
            .iter()
            .map(|n| Recipient {
                cert: &user(n).cert,
                rsa: if oaep { RsaTransport::OaepSha256 } else { RsaTransport::Pkcs1v15 },
            })
            .collect();
        let der = envelope::encrypt(&content, &recipients, cipher).expect("encrypt");
        prop_assert_eq!(envelope::recipient_count(&der).expect("count"), rcpts.len());
        // RecipientInfo order == recipient order (found by issuer + serial number DER).
        let mut last = None;
        for n in &rcpts {
            let c = &user(n).cert;
            let serial = c.x509().tbs_certificate().serial_number().as_bytes().to_vec();
            let mut needle = c.issuer_der();
            needle.push(0x02);
            needle.push(serial.len() as u8);
            needle.extend_from_slice(&serial);
            let at = find(&der, &needle);
            prop_assert!(at.is_some(), "{} not addressed", n);
            prop_assert!(last < at, "RecipientInfos out of order: {:?}", rcpts);
            last = at;
        }
        for n in &rcpts {
            let u = user(n);
            let d = envelope::decrypt(&der, &[KeyHolder { cert: &u.cert, key: &u.key }])
                .map_err(|e| TestCaseError::fail(format!("{n}: {e}")))?;
            prop_assert_eq!(&d.content[..], &content[..]);
            prop_assert_eq!(d.cipher, cipher);
            prop_assert_eq!(d.authenticated, cipher.is_aead());
            prop_assert_eq!(d.recipient, u.cert.fingerprint());
        }
        // A key that is not addressed opens nothing.
        let outsider = ENCRYPTING.iter().find(|n| !rcpts.contains(n));
        if let Some(n) = outsider {
            let u = user(n);
            let r = envelope::decrypt(&der, &[KeyHolder { cert: &u.cert, key: &u.key }]);
            prop_assert!(r.is_err(), "{} opened a message not addressed to it", n);
        }
    }

    /// Whole messages: sign and/or encrypt with the S/MIME layer, then smime::open.
    #[test]
    fn smime_layers_round_trip(
        body in "[ -~äöü\n]{0,400}",
        signed in any::<bool>(),
        opaque in any::<bool>(),
        encrypted in any::<bool>(),
        cipher in prop::sample::select(CIPHERS.to_vec()),
    ) {
        prop_assume!(signed || encrypted);
        let msg = format!(
            "From: Alice <alice@example.test>\nTo: Carol <carol@example.test>\nSubject: t\n\n{body}"
        );
        let alice = user("rsa2048");
        let carol = user("p256");
        let (outer, mut entity) = smime::split_message(msg.as_bytes()).expect("split");
        let inner_bytes = entity.to_bytes();
        let chain = [ca().clone()];
        let params = smime::SignerParams { key: &alice.key, cert: &alice.cert, chain: &chain, signing_time: signing_now() };
        if signed {
            entity = if opaque {
                smime::sign_opaque(&entity, &params)
            } else {
                smime::sign_detached(&entity, &params)
            }
            .expect("sign");
        }
        if encrypted {
            let r = [Recipient { cert: &carol.cert, rsa: RsaTransport::Pkcs1v15 }];
            entity = smime::encrypt(&entity, &r, cipher).expect("encrypt");
        }
        let wire = smime::assemble(&outer, &entity);
        let opened = smime::open(&wire, &[KeyHolder { cert: &carol.cert, key: &carol.key }], &[])
            .expect("open");
        prop_assert_eq!(opened.layers.len(), usize::from(signed) + usize::from(encrypted));
        prop_assert_eq!(&opened.outer, &outer);
        let (_, inner) = smime::split_message(&opened.message).expect("opened message");
        prop_assert_eq!(inner.to_bytes(), inner_bytes);
        for l in &opened.layers {
            if let smime::Layer::Signed { verified, .. } = l {
                prop_assert!(verified.signers[0].outcome.is_ok());
            }
        }
    }
}

// ================================================================================================
// No panic on hostile input
// ================================================================================================

/// Applies up to 8 edits (byte replace, xor, insert, delete, truncate) to `base`.
fn mutate(base: &[u8], edits: &[(u8, usize, u8)]) -> Vec<u8> {
    let mut v = base.to_vec();
    for (kind, pos, val) in edits {
        if v.is_empty() {
            v.push(*val);
            continue;
        }
        let p = pos % v.len();
        match kind % 6 {
            0 => v[p] = *val,
            1 => v[p] ^= 1 << (val % 8),
            2 => v.insert(p, *val),
            3 => {
                v.remove(p);
            }
            4 => v.truncate(p),
            // a length byte made huge
            _ => v[p] = 0x80 | (val % 5),
        }
    }
    v
}

fn edits() -> impl Strategy<Value = Vec<(u8, usize, u8)>> {
    proptest::collection::vec((any::<u8>(), any::<usize>(), any::<u8>()), 1..8)
}

/// Real objects to mutate, made once: certificates, PKCS#12 files, CMS and S/MIME messages.
struct Corpus {
    certs: Vec<Vec<u8>>,
    p12: Vec<Vec<u8>>,
    cms: Vec<Vec<u8>>,
    mails: Vec<Vec<u8>>,
}

fn corpus() -> &'static Corpus {
    static C: OnceLock<Corpus> = OnceLock::new();
    C.get_or_init(|| {
        let alice = user("rsa2048");
        let carol = user("p256");
        let chain = [ca().clone()];
        let content = b"Content-Type: text/plain\r\n\r\nhello\r\n".to_vec();
        let mut cms = Vec::new();
        for attached in [true, false] {
            let opts = SignOptions {
                attached,
                ..SignOptions::default()
            };
            cms.push(sign::sign(&content, &alice.key, &alice.cert, &chain, &opts).expect("sign"));
        }
        for cipher in [ContentCipher::Aes128Cbc, ContentCipher::Aes256Gcm] {
            let r = [
                Recipient {
                    cert: &alice.cert,
                    rsa: RsaTransport::OaepSha256,
                },
                Recipient {
                    cert: &carol.cert,
                    rsa: RsaTransport::Pkcs1v15,
                },
            ];
            cms.push(envelope::encrypt(&content, &r, cipher).expect("encrypt"));
        }
        let msg = b"From: alice@example.test\r\nTo: carol@example.test\r\n\r\nhi\r\n";
        let (outer, entity) = smime::split_message(msg).expect("split");
        let params = smime::SignerParams {
            key: &alice.key,
            cert: &alice.cert,
            chain: &chain,
            signing_time: signing_now(),
        };
        let signed = smime::sign_detached(&entity, &params).expect("sign");
        let r = [Recipient {
            cert: &carol.cert,
            rsa: RsaTransport::Pkcs1v15,
        }];
        let mails = vec![
            smime::assemble(&outer, &signed),
            smime::assemble(&outer, &smime::sign_opaque(&entity, &params).expect("sign")),
            smime::assemble(
                &outer,
                &smime::encrypt(&signed, &r, ContentCipher::Aes256Gcm).expect("encrypt"),
            ),
        ];
        Corpus {
            certs: ["ca.der", "rsa2048.der", "p384.der", "ed25519.der"]
                .iter()
                .map(|n| pki_bytes(n))
                .collect(),
            p12: ["rsa2048.p12", "p256-3des.p12", "p384-legacy.p12"]
                .iter()
                .map(|n| pki_bytes(n))
                .collect(),
            cms,
            mails,
        }
    })
}

fn holders() -> Vec<KeyHolder<'static>> {
    ["rsa2048", "p256"]
        .iter()
        .map(|n| KeyHolder {
            cert: &user(n).cert,
            key: &user(n).key,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn certificate_parsing_never_panics(
        which in 0usize..4,
        e in edits(),
        random in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let m = mutate(&corpus().certs[which], &e);
        for data in [&m, &random] {
            if let Ok(c) = Cert::from_der(data) {
                // everything the UI shows is computed without panicking
                let _ = (c.subject(), c.issuer(), c.emails(), c.fingerprint(), c.serial_hex());
                let _ = (c.common_name(), c.not_before(), c.subject_key_id());
            }
            let _ = sealpost::cms::parse_certificates(data);
        }
    }

    #[test]
    fn pkcs12_parsing_never_panics(
        which in 0usize..3,
        e in edits(),
        random in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let m = mutate(&corpus().p12[which], &e);
        let _ = pkcs12::parse(&m, "secret");
        let _ = pkcs12::parse(&random, "secret");
    }

    #[test]
    fn cms_parsing_verify_and_decrypt_never_panic(
        which in 0usize..4,
        e in edits(),
        random in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let keys = holders();
        let m = mutate(&corpus().cms[which], &e);
        for data in [&m, &random] {
            let _ = sealpost::cms::content_type(data);
            let _ = verify::verify(data, None, &[]);
            let _ = verify::verify(data, Some(b"hello"), &[ca().clone()]);
            let _ = envelope::decrypt(data, &keys);
            let _ = envelope::recipient_count(data);
            let _ = sealpost::cms::certs_from_pkcs7(data);
        }
    }

    #[test]
    fn smime_open_never_panics(
        which in 0usize..3,
        e in edits(),
        random in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let keys = holders();
        let m = mutate(&corpus().mails[which], &e);
        let _ = smime::open(&m, &keys, &[]);
        let _ = smime::open(&random, &keys, &[]);
    }
}

/// Mutating the base64 of a mail rarely reaches the CMS parser; this does, with the mutated DER
/// re-encoded into an otherwise valid pkcs7-mime message.
#[test]
fn smime_open_survives_mutated_cms_inside_valid_mime() {
    use base64::Engine as _;
    let keys = holders();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(64));
    runner
        .run(&(0usize..4, edits()), |(which, e)| {
            let der = mutate(&corpus().cms[which], &e);
            let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
            let mail = format!(
                "From: a@example.test\r\nMIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; \
                 smime-type=enveloped-data; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\n{b64}\r\n"
            );
            let _ = smime::open(mail.as_bytes(), &keys, &[]);
            Ok(())
        })
        .expect("no panic");
}

/// CRLs signed by a fresh CA (one entry, none), to mutate.
fn crl_corpus() -> &'static (Cert, Cert, Vec<Vec<u8>>) {
    use sealpost::pki::issue::{self, KeyAlgorithm, RevocationReason, RevokedEntry};
    static C: OnceLock<(Cert, Cert, Vec<Vec<u8>>)> = OnceLock::new();
    C.get_or_init(|| {
        let now = 1_800_000_000;
        let key = KeyAlgorithm::P256.generate().expect("key");
        let ca = issue::self_signed_ca(&key, "Props CA", 365, now).expect("ca");
        let user_key = KeyAlgorithm::P256.generate().expect("key");
        let spki = user_key.public().to_spki_der().expect("spki");
        let leaf = issue::issue_mailbox(
            &ca,
            &key,
            &issue::MailboxCertRequest {
                emails: &["p@example.test".to_string()],
                spki_der: &spki,
                days: 30,
                crl_url: Some("http://127.0.0.1:9/p.crl"),
                ca_issuers_url: None,
                now,
            },
        )
        .expect("leaf");
        let entry = RevokedEntry {
            serial: vec![1, 2, 3],
            revoked_at: now,
            reason: RevocationReason::KeyCompromise,
        };
        let crls = vec![
            issue::build_crl(&ca, &key, &[entry], 1, now, now + 86_400).expect("crl"),
            issue::build_crl(&ca, &key, &[], 2, now, now + 86_400).expect("crl"),
        ];
        (ca, leaf, crls)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn crl_and_ocsp_parsing_never_panic(
        which in 0usize..2,
        e in edits(),
        random in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        use sealpost::pki::revocation::{crl::Crl, ocsp};
        let (ca, leaf, crls) = crl_corpus();
        let m = mutate(&crls[which], &e);
        for data in [&m, &random] {
            if let Ok(crl) = Crl::parse(data) {
                let _ = crl.verify_signature(ca, std::slice::from_ref(leaf));
                let _ = crl.check_time(1_800_000_000);
                let _ = (crl.covers(leaf), crl.status_of(leaf), crl.lookup(&[]), crl.valid_until());
            }
            let _ = ocsp::verify_response(data, leaf, ca, Some(&[1, 2, 3]), 1_800_000_000);
        }
        // An OCSP response skeleton around mutated bytes reaches the inner parsers.
        let mut wrapped = vec![0x30, 0x82, 0, 0, 0x0a, 0x01, 0x00, 0xa0, 0x82, 0, 0];
        wrapped.extend_from_slice(&m);
        let _ = ocsp::verify_response(&wrapped, leaf, ca, None, 1_800_000_000);
    }

    #[test]
    fn revocation_urls_parse_without_panic(s in ".{0,80}") {
        use sealpost::pki::revocation::url::Url;
        if let Ok(u) = Url::parse(&s) {
            prop_assert!(u.port > 0 && u.target.starts_with('/') && !u.host.is_empty());
            prop_assert!(s.to_ascii_lowercase().starts_with("http://"));
        }
        let _ = Url::parse(&format!("http://{s}"));
    }
}

/// HTML-ish text: tags, attributes, entities, comments and stray brackets, so the tokenizer's
/// edges are reached, plus any other character.
/// Style attribute values built from CSS pieces an attacker would try: escapes that tokenize
/// to `url(`, `image-set()` with string URLs, comments, `expression`, at-rules, positioning.
fn hostile_css() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("background:".to_string()),
            Just("background-color:".to_string()),
            Just("color:".to_string()),
            Just("position:fixed".to_string()),
            Just("u\\72 l(".to_string()),
            Just("\\75rl(".to_string()),
            Just("url(".to_string()),
            Just("image-set(\"http://e.test/x\" 1x)".to_string()),
            Just("-webkit-image-set(".to_string()),
            Just("expression(".to_string()),
            Just("@import".to_string()),
            Just("/**/".to_string()),
            Just("rgb(1,2,3)".to_string()),
            Just("http://e.test/".to_string()),
            Just(")".to_string()),
            Just(";".to_string()),
            Just("\\".to_string()),
            Just("&#92;".to_string()),
            Just("&quot;".to_string()),
            "[a-z0-9# -]{0,6}".prop_map(|s| s),
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

fn html_soup() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("<a href=\"https://x.test/?a=1&amp;b\">".to_string()),
            Just("<a href='mailto:b@x.test'>".to_string()),
            Just("</a>".to_string()),
            Just("<b>".to_string()),
            Just("</b>".to_string()),
            Just("<ul><li>".to_string()),
            Just("</li></ol>".to_string()),
            Just("<blockquote>".to_string()),
            Just("<script>".to_string()),
            Just("</script>".to_string()),
            Just("<img src=\"http://e.test/p\" onerror=x>".to_string()),
            Just("<!--".to_string()),
            Just("-->".to_string()),
            Just("<!DOCTYPE html>".to_string()),
            Just("&".to_string()),
            Just("&#x1F600;".to_string()),
            Just("&#99999999;".to_string()),
            Just("<".to_string()),
            Just(">".to_string()),
            Just("<br/>".to_string()),
            Just("\"".to_string()),
            "[a-z ]{0,6}".prop_map(|s| s),
            any::<char>().prop_map(|c| c.to_string()),
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Reading and composing HTML never panics, and what reading keeps can be followed by
    /// nothing: no http(s) reference survives in an attribute, no script or handler.
    #[test]
    fn html_sanitising_and_rendering_never_panic(html in html_soup()) {
        use sealpost::message::{html_to_text, sanitize_html, sanitize_outgoing_html};
        // The tags of sanitised output (text never holds a '<': it is where tags start).
        let tags = |out: &str| -> Vec<String> {
            out.split('<')
                .skip(1)
                .map(|t| t.split('>').next().unwrap_or("").to_ascii_lowercase())
                .collect()
        };
        let read = sanitize_html(&html);
        for tag in tags(&read) {
            prop_assert!(!tag.contains("http"), "a web reference in <{}>: {}", tag, read);
            prop_assert!(!tag.starts_with("script") && !tag.starts_with("img src=\"http"), "{}", read);
            prop_assert!(!tag.contains("onerror"), "{}", read);
        }
        let sent = sanitize_outgoing_html(&html);
        for tag in tags(&sent) {
            prop_assert!(!tag.starts_with("img") && !tag.contains("onerror"), "<{}> in {}", tag, sent);
        }
        let _ = html_to_text(&html);
        // Sanitising is stable: what it keeps passes through again unchanged in tags.
        let again = sanitize_outgoing_html(&sent);
        prop_assert_eq!(again.matches('<').count(), sent.matches('<').count());
    }

    /// Whatever a style attribute holds, what is kept has no escape, no function but a
    /// colour, no comment and no web address, in what we read and in what we send.
    #[test]
    fn styles_keep_no_escape_or_url(css in hostile_css()) {
        use sealpost::message::{sanitize_html, sanitize_outgoing_html};
        let html = format!("<p style=\"{css}\">x</p>");
        for out in [sanitize_html(&html), sanitize_outgoing_html(&html)] {
            let lower = out.to_ascii_lowercase();
            for bad in ["\\", "url", "image-set", "expression", "@", "/*", "http", "&#92;"] {
                prop_assert!(!lower.contains(bad), "{:?} kept {:?} in {}", css, bad, out);
            }
        }
        let sent = sanitize_outgoing_html(&html).to_ascii_lowercase();
        prop_assert!(!sent.contains("position"), "{}", sent);
    }

    /// Drafts and whole-message wrappers from arbitrary bytes: an answer or an error, never a
    /// panic.
    #[test]
    fn drafts_from_any_bytes_never_panic(
        head in proptest::collection::vec(any::<u8>(), 0..200),
        body in proptest::collection::vec(any::<u8>(), 0..300),
        wrapped in any::<bool>(),
    ) {
        use sealpost::message::draft_content;
        let mut raw = Vec::new();
        if wrapped {
            raw.extend_from_slice(b"Content-Type: message/rfc822\r\n");
        }
        raw.extend_from_slice(b"X-Sealpost-Draft: ");
        raw.extend_from_slice(&head);
        raw.extend_from_slice(b"\r\n\r\n");
        raw.extend_from_slice(&body);
        if let Ok(e) = sealpost::smime::mime::Entity::parse(&raw) {
            let _ = sealpost::smime::readable(&[], e);
        }
        let _ = draft_content(&raw, false, true);
        let _ = draft_content(&body, true, false);
    }
}
