//! S/MIME message framing (RFC 8551 §3): building `multipart/signed` and
//! `application/pkcs7-mime` (signed-data, enveloped-data, authEnveloped-data) messages from a
//! whole RFC 5322 message, and unwrapping every layer of a received one.
//!
//! The outer header (From, To, Cc, Date, Subject, Message-ID, ...) stays outside; the MIME
//! entity (Content-* headers and body) is what gets signed or encrypted. Everything is
//! canonicalised to CRLF first (RFC 8551 §3.1.1), so the bytes we sign are the bytes sent.

pub mod mime;

use base64::Engine;
use thiserror::Error;

use crate::cms::envelope::{self, ContentCipher, KeyHolder, Recipient};
use crate::cms::sign::SignOptions;
use crate::cms::verify::Verified;
use crate::cms::{self, CmsError};
use crate::pki::cert::Cert;
use crate::pki::keys::PrivateKey;
use mime::{Entity, HeaderField};

/// Nested S/MIME layers deeper than this are refused (a triple wrap needs three).
pub const MAX_LAYERS: usize = 8;

#[derive(Debug, Error)]
pub enum SmimeError {
    #[error("not an e-mail message: {0}")]
    NotAMessage(String),
    #[error("the message is not signed or encrypted")]
    NotSmime,
    #[error("the multipart/signed structure is broken: {0}")]
    BrokenSigned(String),
    #[error("the S/MIME body is not valid base64")]
    BadEncoding,
    #[error("more than {MAX_LAYERS} nested S/MIME layers")]
    TooDeep,
    #[error(transparent)]
    Cms(#[from] CmsError),
}

/// How a signed layer was framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum SignedForm {
    MultipartSigned,
    Opaque,
}

pub enum Layer {
    Signed {
        form: SignedForm,
        verified: Verified,
    },
    Encrypted {
        cipher: ContentCipher,
        authenticated: bool,
        recipient: String,
    },
}

pub struct Opened {
    pub layers: Vec<Layer>,
    /// The readable message: every header field in it comes from one source. A field the
    /// protected content carries (see `protected`) replaces the outer one of the same name; a
    /// whole-message wrapper (message/rfc822, RFC 8551 §3.1) is the message itself.
    pub message: Vec<u8>,
    /// The outer header fields (unprotected: anyone on the way can change them).
    pub outer: Vec<HeaderField>,
    /// The header fields (From, To, Subject, ...) found inside the innermost protected
    /// entity, or the header of a wrapped message/rfc822: RFC 9788 protected headers.
    pub protected: Vec<HeaderField>,
}

/// The readable message of the innermost entity under `outer`: a message/rfc822 wrapper is
/// replaced by the message it holds; the entity's own non-MIME fields are the protected
/// header, and each of them replaces the outer field of the same name, so that what is shown
/// is what was protected (and what the signature check looks at).
pub fn readable(
    outer: &[HeaderField],
    entity: Entity,
) -> Result<(Vec<u8>, Vec<HeaderField>), SmimeError> {
    let wrapped = entity.content_type().mime_type == "message/rfc822";
    let entity = if wrapped {
        let inner = decode_body(&entity)?;
        drop(entity);
        Entity::parse_owned(canonicalize(&inner)).map_err(SmimeError::NotAMessage)?
    } else {
        entity
    };
    let (mime_fields, protected): (Vec<_>, Vec<_>) = entity
        .headers
        .into_iter()
        .filter(|h| !h.name.eq_ignore_ascii_case("MIME-Version"))
        .partition(|h| h.is_mime());
    let shown: Vec<HeaderField> = if wrapped {
        protected.clone()
    } else {
        outer
            .iter()
            .filter(|o| {
                !protected
                    .iter()
                    .any(|p| p.name.eq_ignore_ascii_case(&o.name))
            })
            .chain(protected.iter())
            .cloned()
            .collect()
    };
    let body = Entity {
        headers: mime_fields,
        body: entity.body,
    };
    Ok((assemble_owned(&shown, body), protected))
}

/// Canonical CRLF line ends (RFC 8551 §3.1.1).
pub fn canonicalize(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 32);
    let mut start = 0;
    for lf in bare_lfs(data) {
        out.extend_from_slice(&data[start..lf]);
        out.extend_from_slice(b"\r\n");
        start = lf + 1;
    }
    out.extend_from_slice(&data[start..]);
    out
}

/// Positions of the LFs not preceded by CR.
fn bare_lfs(data: &[u8]) -> impl Iterator<Item = usize> + '_ {
    let mut pos = 0;
    std::iter::from_fn(move || {
        while let Some(off) = data.get(pos..)?.iter().position(|b| *b == b'\n') {
            let at = pos + off;
            pos = at + 1;
            if at == 0 || data[at - 1] != b'\r' {
                return Some(at);
            }
        }
        None
    })
}

/// Base64 in 76-column CRLF lines, written in one pass into one buffer of the exact size.
fn b64_lines(data: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    let lines = data.len().div_ceil(57);
    let mut out = vec![0u8; data.len().div_ceil(3) * 4 + lines * 2];
    let mut at = 0;
    for chunk in data.chunks(57) {
        let n = base64::engine::general_purpose::STANDARD
            .encode_slice(chunk, &mut out[at..])
            .unwrap_or(0);
        at += n;
        out[at] = b'\r';
        out[at + 1] = b'\n';
        at += 2;
    }
    out.truncate(at);
    out
}

fn boundary() -> String {
    let mut b = [0u8; 12];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut b);
    format!("----sealpost-{}", hex::encode(b))
}

/// Splits a message into its outer header (non-MIME fields) and its MIME entity. A message
/// without MIME headers gets `text/plain; charset=utf-8`; 8-bit or over-long bodies of a
/// single part are base64-encoded so that the signed bytes survive any relay.
pub fn split_message(msg: &[u8]) -> Result<(Vec<HeaderField>, Entity), SmimeError> {
    split_parsed(Entity::parse(&canonical(msg)).map_err(SmimeError::NotAMessage)?)
}

fn split_parsed(entity: Entity) -> Result<(Vec<HeaderField>, Entity), SmimeError> {
    let (mime_fields, outer): (Vec<_>, Vec<_>) =
        entity.headers.into_iter().partition(|h| h.is_mime());
    let mut inner = Entity {
        headers: mime_fields
            .into_iter()
            .filter(|h| !h.name.eq_ignore_ascii_case("MIME-Version"))
            .collect(),
        body: entity.body,
    };
    if inner.header("Content-Type").is_none() {
        inner.headers.insert(
            0,
            HeaderField::new("Content-Type", "text/plain; charset=utf-8"),
        );
    }
    let ct = inner.content_type();
    let needs_encoding = !ct.mime_type.starts_with("multipart/")
        && inner
            .header("Content-Transfer-Encoding")
            .map(|v| {
                let v = v.trim().to_ascii_lowercase();
                v != "base64" && v != "quoted-printable"
            })
            .unwrap_or(true)
        && !mime::is_7bit_safe(&inner.body);
    if needs_encoding {
        inner
            .headers
            .retain(|h| !h.name.eq_ignore_ascii_case("Content-Transfer-Encoding"));
        inner
            .headers
            .push(HeaderField::new("Content-Transfer-Encoding", "base64"));
        inner.body = b64_lines(&inner.body);
    }
    Ok((outer, inner))
}

/// Outer header + MIME-Version + entity.
pub fn assemble(outer: &[HeaderField], entity: &Entity) -> Vec<u8> {
    let head = entity.header_bytes(0);
    let mut out = Vec::with_capacity(entity.body.len() + head.len() + 1024);
    for h in outer {
        h.write(&mut out);
    }
    HeaderField::new("MIME-Version", "1.0").write(&mut out);
    out.extend_from_slice(&head);
    out.extend_from_slice(&entity.body);
    out
}

/// [`assemble`] reusing the entity's body buffer: the header is inserted in front of it in
/// place, so a large body is not held twice (for callers that no longer need the entity).
pub fn assemble_owned(outer: &[HeaderField], mut entity: Entity) -> Vec<u8> {
    let mut head = Vec::with_capacity(1024);
    for h in outer {
        h.write(&mut head);
    }
    HeaderField::new("MIME-Version", "1.0").write(&mut head);
    head.extend_from_slice(&entity.header_bytes(0));
    let mut body = std::mem::take(&mut entity.body);
    body.reserve_exact(head.len()); // grow by the header only (realloc), not by doubling
    body.splice(0..0, head);
    body
}

pub struct SignerParams<'a> {
    pub key: &'a PrivateKey,
    pub cert: &'a Cert,
    pub chain: &'a [Cert],
    /// The signingTime to state (RFC 5652 §11.3), seconds since the epoch.
    pub signing_time: u64,
}

/// multipart/signed (RFC 8551 §3.5.3) around `entity`.
pub fn sign_detached(entity: &Entity, signer: &SignerParams) -> Result<Entity, SmimeError> {
    let opts = SignOptions {
        signing_time: signer.signing_time,
        ..SignOptions::default()
    };
    let hash = crate::pki::signature::default_hash(signer.key);
    let b = boundary();
    // The first part is written straight into the new body and signed there (no extra copy).
    let mut body = Vec::with_capacity(entity.body.len() + 16 * 1024);
    body.extend_from_slice(b"This is a cryptographically signed message in MIME format.\r\n\r\n");
    body.extend_from_slice(format!("--{b}\r\n").as_bytes());
    let start = body.len();
    body.extend_from_slice(&entity.header_bytes(0));
    body.extend_from_slice(&entity.body);
    let sig = cms::sign::sign(&body[start..], signer.key, signer.cert, signer.chain, &opts)?;
    body.extend_from_slice(format!("\r\n--{b}\r\n").as_bytes());
    body.extend_from_slice(
        b"Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"smime.p7s\"\r\nContent-Description: S/MIME Cryptographic Signature\r\n\r\n",
    );
    body.extend_from_slice(&b64_lines(&sig));
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    Ok(Entity {
        headers: vec![HeaderField::new(
            "Content-Type",
            &format!(
                "multipart/signed; protocol=\"application/pkcs7-signature\"; micalg={}; boundary=\"{b}\"",
                hash.micalg()
            ),
        )],
        body,
    })
}

fn pkcs7_entity(smime_type: &str, cms_der: &[u8]) -> Entity {
    Entity {
        headers: vec![
            HeaderField::new(
                "Content-Type",
                &format!("application/pkcs7-mime; smime-type={smime_type}; name=\"smime.p7m\""),
            ),
            HeaderField::new("Content-Transfer-Encoding", "base64"),
            HeaderField::new("Content-Disposition", "attachment; filename=\"smime.p7m\""),
        ],
        body: b64_lines(cms_der),
    }
}

/// application/pkcs7-mime; smime-type=signed-data (RFC 8551 §3.5.2).
pub fn sign_opaque(entity: &Entity, signer: &SignerParams) -> Result<Entity, SmimeError> {
    let opts = SignOptions {
        attached: true,
        signing_time: signer.signing_time,
        ..SignOptions::default()
    };
    let der = cms::sign::sign(
        &entity.to_bytes(),
        signer.key,
        signer.cert,
        signer.chain,
        &opts,
    )?;
    Ok(pkcs7_entity("signed-data", &der))
}

/// application/pkcs7-mime; smime-type=enveloped-data or authEnveloped-data (RFC 8551 §3.3).
pub fn encrypt(
    entity: &Entity,
    recipients: &[Recipient],
    cipher: ContentCipher,
) -> Result<Entity, SmimeError> {
    // The entity goes into the envelope in two pieces: no contiguous copy of the plaintext.
    let der =
        envelope::encrypt_parts(&[&entity.header_bytes(0), &entity.body], recipients, cipher)?;
    Ok(pkcs7_entity(
        if cipher.is_aead() {
            "authEnveloped-data"
        } else {
            "enveloped-data"
        },
        &der,
    ))
}

/// [`encrypt`], consuming the entity: the plaintext is freed as soon as it is encrypted, before
/// the ciphertext is base64-encoded (peak memory of large messages).
pub fn encrypt_owned(
    entity: Entity,
    recipients: &[Recipient],
    cipher: ContentCipher,
) -> Result<Entity, SmimeError> {
    let der =
        envelope::encrypt_parts(&[&entity.header_bytes(0), &entity.body], recipients, cipher)?;
    drop(entity);
    Ok(pkcs7_entity(
        if cipher.is_aead() {
            "authEnveloped-data"
        } else {
            "enveloped-data"
        },
        &der,
    ))
}

fn decode_body(entity: &Entity) -> Result<Vec<u8>, SmimeError> {
    let cte = entity
        .header("Content-Transfer-Encoding")
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if cte == "base64" {
        decode_base64_text(&entity.body)
    } else {
        Ok(entity.body.clone())
    }
}

/// Base64 with any whitespace (line breaks) in it, padded or not, decoded in 64 KiB steps into
/// one output buffer (no whitespace-free copy of the whole text).
fn decode_base64_text(text: &[u8]) -> Result<Vec<u8>, SmimeError> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    const STEP: usize = 64 * 1024; // a multiple of 4: only the last step may carry padding
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 3);
    let mut stage = Vec::with_capacity(STEP);
    let mut chars = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .peekable();
    loop {
        stage.clear();
        stage.extend(chars.by_ref().take(STEP));
        if chars.peek().is_some() {
            STANDARD
                .decode_vec(&stage, &mut out)
                .map_err(|_| SmimeError::BadEncoding)?;
            continue;
        }
        let before = out.len();
        if STANDARD.decode_vec(&stage, &mut out).is_err() {
            out.truncate(before);
            STANDARD_NO_PAD
                .decode_vec(&stage, &mut out)
                .map_err(|_| SmimeError::BadEncoding)?;
        }
        return Ok(out);
    }
}

/// [`canonicalize`] that copies only when there is a bare LF to fix.
fn canonical(data: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if bare_lfs(data).next().is_some() {
        std::borrow::Cow::Owned(canonicalize(data))
    } else {
        std::borrow::Cow::Borrowed(data)
    }
}

/// Is this entity an S/MIME CMS object (including the legacy x-pkcs7 names and a
/// `smime.p7m` attachment sent as application/octet-stream)?
fn is_pkcs7_mime(entity: &Entity) -> bool {
    let ct = entity.content_type();
    match ct.mime_type.as_str() {
        "application/pkcs7-mime" | "application/x-pkcs7-mime" => true,
        "application/octet-stream" => {
            let name = ct
                .param("name")
                .or_else(|| entity.disposition_filename())
                .unwrap_or_default()
                .to_ascii_lowercase();
            name.ends_with(".p7m")
        }
        _ => false,
    }
}

/// Whether the top-level entity is S/MIME (multipart/signed or a CMS object), judged from the
/// header alone: what [`open`] would unwrap rather than answer [`SmimeError::NotSmime`]. A
/// header that does not parse counts as S/MIME, so that [`open`] reports the parse error.
pub fn is_smime(msg: &[u8]) -> bool {
    let Ok((headers, _)) = Entity::parse_head(msg) else {
        return true;
    };
    let head = Entity {
        headers,
        body: Vec::new(),
    };
    head.content_type().mime_type == "multipart/signed" || is_pkcs7_mime(&head)
}

/// [`open`] taking the message by value. A message already in canonical (CRLF) form, the
/// usual case, is parsed in place: its bytes are not held twice while the layers are unwrapped.
/// Any other form keeps the original for the byte-exact retry [`open`] describes.
pub fn open_owned(msg: Vec<u8>, keys: &[KeyHolder], pool: &[Cert]) -> Result<Opened, SmimeError> {
    if bare_lfs(&msg).next().is_some() {
        return open(&msg, keys, pool);
    }
    open_entity(
        split_parsed(Entity::parse_owned(msg).map_err(SmimeError::NotAMessage)?)?,
        keys,
        pool,
    )
}

/// A bare CMS file (`.p7m` as Windows and many tools save it: binary DER, no MIME header)
/// framed as the application/pkcs7-mime message it stands for; anything else unchanged.
pub fn frame_bare_cms(msg: Vec<u8>) -> Vec<u8> {
    if msg.first() != Some(&0x30) {
        return msg;
    }
    let smime_type = match cms::content_type(&msg).as_deref() {
        Ok(cms::OID_SIGNED_DATA) => "signed-data",
        Ok(cms::OID_ENVELOPED_DATA) => "enveloped-data",
        Ok(cms::OID_AUTH_ENVELOPED_DATA) => "authEnveloped-data",
        _ => return msg,
    };
    let mut out = format!(
        "MIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type={smime_type}; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    )
    .into_bytes();
    out.extend_from_slice(&b64_lines(&msg));
    out
}

/// Unwraps every S/MIME layer: decrypts with `keys`, verifies signatures (certificates from
/// the message and `pool`). Performs no network access.
pub fn open(msg: &[u8], keys: &[KeyHolder], pool: &[Cert]) -> Result<Opened, SmimeError> {
    let canon = canonical(msg);
    let already_canonical = matches!(canon, std::borrow::Cow::Borrowed(_));
    let first = open_entity(
        split_parsed(Entity::parse(&canon).map_err(SmimeError::NotAMessage)?)?,
        keys,
        pool,
    );
    drop(canon);
    if already_canonical || !needs_exact_retry(&first) {
        return first;
    }
    // RFC 8551 §3.1.1 signs canonical (CRLF) text, but binary parts (AS2, RFC 4130) are signed
    // byte for byte, bare LFs and raw binary signatures included; canonicalising those breaks
    // the digest or the DER. A multipart/signed root that fails on the canonical form is tried
    // once more exactly as received. That result is used if every signature on it is valid,
    // or if the canonical form did not even parse (then the exact form's honest status, valid
    // or not, is the better report). Nothing else is taken from the retry.
    let Ok(exact) = Entity::parse(msg)
        .map_err(SmimeError::NotAMessage)
        .and_then(split_parsed)
    else {
        return first;
    };
    if exact.1.content_type().mime_type != "multipart/signed" {
        return first;
    }
    match open_entity(exact, keys, pool) {
        Ok(o) if first.is_err() || all_signatures_valid(&o) => Ok(o),
        _ => first,
    }
}

fn all_signatures_valid(o: &Opened) -> bool {
    o.layers.iter().all(|l| match l {
        Layer::Signed { verified, .. } => {
            !verified.signers.is_empty() && verified.signers.iter().all(|s| s.outcome.is_ok())
        }
        Layer::Encrypted { .. } => true,
    })
}

/// A canonical-form result worth retrying byte for byte: a broken multipart/signed or CMS
/// structure, or a signature whose digest did not match.
fn needs_exact_retry(r: &Result<Opened, SmimeError>) -> bool {
    match r {
        Ok(o) => o.layers.iter().any(|l| {
            matches!(l, Layer::Signed { form: SignedForm::MultipartSigned, verified }
                if verified.signers.iter().any(|s| s.outcome
                    == Err(cms::verify::SignerFailure::DigestMismatch)))
        }),
        Err(SmimeError::BrokenSigned(_) | SmimeError::Cms(_) | SmimeError::BadEncoding) => true,
        Err(_) => false,
    }
}

fn open_entity(
    (outer, mut entity): (Vec<HeaderField>, Entity),
    keys: &[KeyHolder],
    pool: &[Cert],
) -> Result<Opened, SmimeError> {
    let mut layers = Vec::new();
    let mut unsigned_wrapper = false;
    for _ in 0..=MAX_LAYERS {
        let ct = entity.content_type();
        if ct.mime_type == "multipart/signed" {
            let boundary = ct
                .param("boundary")
                .ok_or_else(|| SmimeError::BrokenSigned("no boundary".into()))?;
            // The multipart body is dropped once split: one copy of the content at a time.
            let body = std::mem::take(&mut entity.body);
            let mut parts =
                mime::split_multipart(&body, &boundary).map_err(SmimeError::BrokenSigned)?;
            drop(body);
            if parts.len() != 2 {
                return Err(SmimeError::BrokenSigned(format!(
                    "{} parts instead of 2",
                    parts.len()
                )));
            }
            let sig_part = parts.pop().unwrap_or_default();
            let signed_bytes = parts.pop().unwrap_or_default();
            let sig_entity = Entity::parse(&sig_part).map_err(SmimeError::BrokenSigned)?;
            let sig_der = decode_body(&sig_entity)?;
            if matches!(
                cms::verify::verify(&sig_der, Some(&[]), &[]),
                Err(CmsError::CertificatesOnly)
            ) {
                // A "signature" without a SignerInfo (certs-only, Johnny C3) signs nothing:
                // the content is readable, and unsigned.
                entity = Entity::parse(&signed_bytes).map_err(SmimeError::BrokenSigned)?;
                unsigned_wrapper = true;
                continue;
            }
            // The signed bytes move into the report (Verified::content): not copied.
            let verified = cms::verify::verify_detached_owned(&sig_der, signed_bytes, pool)?;
            entity = Entity::parse(&verified.content).map_err(SmimeError::BrokenSigned)?;
            layers.push(Layer::Signed {
                form: SignedForm::MultipartSigned,
                verified,
            });
        } else if is_pkcs7_mime(&entity) {
            let mut der = decode_body(&entity)?;
            entity.body = Vec::new(); // the base64 text is no longer needed
            let content_type = cms::content_type(&der)?;
            let inner = match content_type.as_str() {
                cms::OID_SIGNED_DATA => {
                    let verified = cms::verify::verify(&der, None, pool)?;
                    let content = zeroize::Zeroizing::new(verified.content.clone());
                    layers.push(Layer::Signed {
                        form: SignedForm::Opaque,
                        verified,
                    });
                    content
                }
                cms::OID_ENVELOPED_DATA | cms::OID_AUTH_ENVELOPED_DATA => {
                    // The DER goes in by value: freed once decoded, before the plaintext exists.
                    let d = envelope::decrypt_owned(std::mem::take(&mut der), keys)?;
                    layers.push(Layer::Encrypted {
                        cipher: d.cipher,
                        authenticated: d.authenticated,
                        recipient: d.recipient,
                    });
                    d.content
                }
                other => return Err(CmsError::UnexpectedContentType(other.to_string()).into()),
            };
            drop(der);
            entity = Entity::parse(&canonical(&inner)).map_err(SmimeError::NotAMessage)?;
        } else {
            if layers.is_empty() && !unsigned_wrapper {
                return Err(SmimeError::NotSmime);
            }
            let (message, protected) = readable(&outer, entity)?;
            return Ok(Opened {
                layers,
                message,
                outer,
                protected,
            });
        }
    }
    Err(SmimeError::TooDeep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonicalize_is_idempotent() {
        assert_eq!(canonicalize(b"a\nb\r\nc\n"), b"a\r\nb\r\nc\r\n".to_vec());
        assert_eq!(canonicalize(b"a\r\nb"), b"a\r\nb".to_vec());
    }

    #[test]
    fn split_keeps_outer_headers_and_encodes_8bit() {
        let msg = "From: a@example.test\nSubject: x\nContent-Type: text/plain; charset=utf-8\n\nh\u{e9}llo\n";
        let (outer, inner) = split_message(msg.as_bytes()).unwrap();
        assert_eq!(outer.len(), 2);
        assert_eq!(
            inner.header("Content-Transfer-Encoding").as_deref(),
            Some("base64")
        );
        let decoded = decode_body(&inner).unwrap();
        assert_eq!(decoded, "h\u{e9}llo\r\n".as_bytes());
    }

    #[test]
    fn base64_lines_round_trip_across_decoding_steps() {
        use base64::Engine as _;
        // 49152 bytes = exactly one 64 KiB decoding step of base64 characters.
        for n in [0usize, 1, 2, 3, 56, 57, 58, 49151, 49152, 49153, 200_001] {
            let data: Vec<u8> = (0..n).map(|i| (i * 7 + i / 13) as u8).collect();
            let text = b64_lines(&data);
            assert_eq!(
                text,
                {
                    let b = base64::engine::general_purpose::STANDARD.encode(&data);
                    let mut v = Vec::new();
                    for c in b.as_bytes().chunks(76) {
                        v.extend_from_slice(c);
                        v.extend_from_slice(b"\r\n");
                    }
                    v
                },
                "{n}"
            );
            assert_eq!(decode_base64_text(&text).unwrap(), data, "{n}");
            // unpadded and LF-only text decodes too
            let unpadded: Vec<u8> = text
                .iter()
                .copied()
                .filter(|b| *b != b'=' && *b != b'\r')
                .collect();
            assert_eq!(decode_base64_text(&unpadded).unwrap(), data, "{n}");
        }
        assert!(
            decode_base64_text(b"QQ==QUJD").is_err(),
            "padding in the middle"
        );
        assert!(decode_base64_text(b"QU*D").is_err());
    }

    #[test]
    fn assemble_owned_equals_assemble() {
        let (outer, entity) =
            split_message(b"From: a@example.test\r\nSubject: s\r\n\r\nbody\r\n").unwrap();
        assert_eq!(
            assemble_owned(&outer, entity.clone()),
            assemble(&outer, &entity)
        );
    }

    #[test]
    fn readable_headers_come_from_one_source() {
        let outer = vec![
            HeaderField::new("From", "eve@corp.test"),
            HeaderField::new("Subject", "outer"),
            HeaderField::new("Message-ID", "<m@corp.test>"),
        ];
        // protected fields in the entity replace the outer ones of the same name
        let e =
            Entity::parse(b"From: CEO <ceo@corp.test>\r\nContent-Type: text/plain\r\n\r\nwire\r\n")
                .unwrap();
        let (msg, protected) = readable(&outer, e).unwrap();
        let text = String::from_utf8(msg).unwrap();
        assert_eq!(text.matches("From:").count(), 1, "{text}");
        assert!(text.contains("From: CEO <ceo@corp.test>\r\n"), "{text}");
        assert!(text.contains("Subject: outer\r\n") && text.contains("Message-ID:"));
        assert_eq!(protected.len(), 1);
        // a message/rfc822 wrapper is the message itself (plain or base64)
        let inner = b"From: a@x.test\r\nBcc: c@x.test\r\nSubject: s\r\n\r\nbody\r\n";
        let b64 = base64::engine::general_purpose::STANDARD.encode(inner);
        for wrapped in [
            [&b"Content-Type: message/rfc822\r\n\r\n"[..], inner].concat(),
            format!(
                "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n{}\r\n",
                &b64[..20],
                &b64[20..]
            )
            .into_bytes(),
        ] {
            let (msg, protected) = readable(&outer, Entity::parse(&wrapped).unwrap()).unwrap();
            let text = String::from_utf8(msg).unwrap();
            assert!(!text.contains("eve@corp.test") && !text.contains("outer"), "{text}");
            assert!(text.starts_with("From: a@x.test\r\nBcc: c@x.test\r\nSubject: s\r\n"));
            assert!(text.ends_with("\r\n\r\nbody\r\n"), "{text}");
            assert_eq!(protected.len(), 3);
        }
        let bad =
            b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!\r\n";
        assert!(readable(&outer, Entity::parse(bad).unwrap()).is_err());
    }

    #[test]
    fn bare_der_cms_is_framed_as_pkcs7_mime() {
        // ContentInfo { envelopedData, [0] {} }: enough for the content type
        let der = [
            0x30, 0x0f, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03, 0xa0,
            0x02, 0x30, 0x00,
        ];
        let framed = String::from_utf8(frame_bare_cms(der.to_vec())).unwrap();
        assert!(framed.contains("smime-type=enveloped-data"), "{framed}");
        assert!(is_smime(framed.as_bytes()));
        let (_, e) = split_message(framed.as_bytes()).unwrap();
        assert_eq!(decode_body(&e).unwrap(), der);
        // a message, or DER that is not CMS, is left as it is
        let msg = b"From: a@x.test\r\n\r\nhi\r\n".to_vec();
        assert_eq!(frame_bare_cms(msg.clone()), msg);
        assert_eq!(frame_bare_cms(vec![0x30, 0x00]), vec![0x30, 0x00]);
    }

    #[test]
    fn plain_message_is_not_smime() {
        let r = open(b"From: a@example.test\r\n\r\nhi\r\n", &[], &[]);
        assert!(matches!(r, Err(SmimeError::NotSmime)));
        let r = open_owned(b"From: a@example.test\r\n\r\nhi\r\n".to_vec(), &[], &[]);
        assert!(matches!(r, Err(SmimeError::NotSmime)));
    }

    #[test]
    fn is_smime_judges_the_top_level_header() {
        assert!(!is_smime(b"From: a@example.test\r\n\r\nhi\r\n"));
        assert!(!is_smime(
            b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b--\r\n"
        ));
        assert!(is_smime(
            b"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"\r\n\r\n"
        ));
        assert!(is_smime(
            b"Content-Type: application/x-pkcs7-mime;\n smime-type=enveloped-data\n\nMIAG\n"
        ));
        assert!(is_smime(
            b"Content-Type: application/octet-stream; name=smime.p7m\r\n\r\nMIAG\r\n"
        ));
        // A header that does not parse is left to open(), which names the problem.
        assert!(is_smime(b"no colon here\r\n\r\n"));
        assert!(matches!(
            open_owned(b"no colon here\r\n\r\n".to_vec(), &[], &[]),
            Err(SmimeError::NotAMessage(_))
        ));
    }

    #[test]
    fn parse_owned_equals_parse() {
        for m in [
            &b"A: 1\r\n folded\r\nB: 2\r\n\r\nbody\r\nmore"[..],
            b"A: 1\n\nlf body\n",
            b"A: 1\r\n",
            b"",
            b"\r\nonly body",
        ] {
            let a = mime::Entity::parse(m).unwrap();
            let b = mime::Entity::parse_owned(m.to_vec()).unwrap();
            assert_eq!(a.body, b.body);
            assert_eq!(a.headers.len(), b.headers.len());
            for (x, y) in a.headers.iter().zip(&b.headers) {
                assert_eq!((&x.name, &x.raw_value), (&y.name, &y.raw_value));
            }
        }
    }
}
