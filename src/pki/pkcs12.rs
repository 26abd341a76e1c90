//! PKCS#12 (RFC 7292) import and export on top of `p12-keystore`, which reads the legacy
//! (RC2-40/3DES, SHA-1 MAC) and the modern (PBES2 AES-256, HMAC-SHA256) forms and writes both.
//! Our job here: turn its errors into ones a user understands, check that the key matches the
//! certificate, order the chain, and keep key bytes in zeroizing buffers.

use p12_keystore::{
    EncryptionAlgorithm, KeyStore, KeyStoreEntry, LocalKeyId, MacAlgorithm, Pkcs12Archive,
    PrivateKeyChain,
};
use thiserror::Error;
use zeroize::Zeroizing;

use super::cert::Cert;
use super::keys::PrivateKey;

/// Files larger than this are not PKCS#12 identities (a real one is a few KiB).
pub const MAX_P12_SIZE: usize = 4 * 1024 * 1024;

#[derive(Debug, Error)]
pub enum Pkcs12Error {
    #[error("the password is wrong for this PKCS#12 file")]
    WrongPassword,
    #[error("the PKCS#12 file is damaged or truncated ({0})")]
    Malformed(String),
    #[error("the PKCS#12 file uses an unsupported algorithm ({0})")]
    Unsupported(String),
    #[error("the PKCS#12 file holds no private key")]
    NoKey,
    #[error("the PKCS#12 file holds no certificate for its private key")]
    NoCertificate,
    #[error("the private key in the PKCS#12 file does not match its certificate")]
    KeyMismatch,
    #[error("the private key in the PKCS#12 file is not usable: {0}")]
    BadKey(String),
    #[error("the file is too large to be a PKCS#12 identity")]
    TooLarge,
    #[error("could not write the PKCS#12 file: {0}")]
    Write(String),
}

/// An identity read from a PKCS#12 file.
pub struct Identity {
    /// PKCS#8 DER of the private key.
    pub key_pkcs8: Zeroizing<Vec<u8>>,
    /// The certificate belonging to the key.
    pub cert: Cert,
    /// Every other certificate in the file (the chain, in any order).
    pub chain: Vec<Cert>,
}

/// Reads a `.p12`/`.pfx`. The password is tried as given; an empty password also covers
/// files exported "without a password" by Windows (a PKCS#12 quirk: NULL vs. empty string).
pub fn parse(data: &[u8], password: &str) -> Result<Identity, Pkcs12Error> {
    if data.len() > MAX_P12_SIZE {
        return Err(Pkcs12Error::TooLarge);
    }
    // Parse the outer structure first so that a truncated file is reported as such, not as a
    // wrong password.
    // Windows and .NET write BER (indefinite lengths); the decoder wants DER.
    let der = crate::asn1::ber_to_der(data).map_err(|e| Pkcs12Error::Malformed(e.to_string()))?;
    let der = match der_inner_safe(&der, password)? {
        Some(rewritten) => rewritten,
        None => der,
    };
    let archive = match std::panic::catch_unwind(|| Pkcs12Archive::from_pkcs12(&der, password)) {
        Ok(r) => r.map_err(map_error)?,
        Err(_) => {
            return Err(Pkcs12Error::Malformed(
                "the decoder rejected the file".into(),
            ));
        }
    };
    let mut certs = Vec::new();
    for bag in &archive.certs {
        certs.push(
            Cert::from_der(bag.cert.as_der()).map_err(|e| Pkcs12Error::Malformed(e.to_string()))?,
        );
    }
    let keybag = archive.keys.first().ok_or(Pkcs12Error::NoKey)?;
    let key_pkcs8 = Zeroizing::new(keybag.key.as_der().to_vec());
    let key =
        PrivateKey::from_pkcs8_der(&key_pkcs8).map_err(|e| Pkcs12Error::BadKey(e.to_string()))?;
    // The certificate for the key: the one whose public key matches. Fall back to the
    // localKeyId link only to report a mismatch precisely.
    let pos = certs.iter().position(|c| key.matches_spki(&c.spki_der()));
    let Some(pos) = pos else {
        let linked = keybag.local_key_id.as_ref().is_some_and(|id| {
            archive
                .certs
                .iter()
                .any(|c| c.local_key_id.as_deref() == Some(id.as_ref()))
        });
        let has_leaf = certs.iter().any(|c| !c.is_ca());
        return Err(if linked || has_leaf {
            Pkcs12Error::KeyMismatch
        } else {
            Pkcs12Error::NoCertificate
        });
    };
    let cert = certs.remove(pos);
    Ok(Identity {
        key_pkcs8,
        cert,
        chain: certs,
    })
}

const OID_DATA_DER: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
/// Upper bound on MAC iterations we compute (real files use 1 to a few 100 000); the same
/// bound as p12-keystore's own MAC check, so a hostile file costs at most ~1 s either way.
const MAX_MAC_ITERATIONS: u32 = 1_000_000;

fn malformed(what: &str) -> Pkcs12Error {
    Pkcs12Error::Malformed(what.to_string())
}

fn asn1_err(e: crate::asn1::Asn1Error) -> Pkcs12Error {
    Pkcs12Error::Malformed(e.to_string())
}

/// `ContentInfo { id-data, [0] { OCTET STRING } }` -> the OCTET STRING's contents.
fn data_content<'a>(ci: &crate::asn1::Tlv<'a>) -> Result<Option<&'a [u8]>, Pkcs12Error> {
    let mut kids = ci.children();
    let oid = kids
        .next()
        .ok_or_else(|| malformed("empty ContentInfo"))?
        .map_err(asn1_err)?;
    if oid.tag != 0x06 || oid.value != OID_DATA_DER {
        return Ok(None);
    }
    let explicit = kids
        .next()
        .ok_or_else(|| malformed("ContentInfo without content"))?
        .map_err(asn1_err)?;
    let octets = explicit
        .children()
        .next()
        .ok_or_else(|| malformed("empty [0] in ContentInfo"))?
        .map_err(asn1_err)?;
    if explicit.tag != 0xa0 || octets.tag != 0x04 {
        return Err(malformed("id-data content is not [0] OCTET STRING"));
    }
    Ok(Some(octets.value))
}

fn data_content_info(content: &[u8]) -> Vec<u8> {
    use crate::asn1::encode_tlv;
    let mut body = encode_tlv(0x06, OID_DATA_DER);
    body.extend_from_slice(&encode_tlv(0xa0, &encode_tlv(0x04, content)));
    encode_tlv(0x30, &body)
}

/// Windows, .NET and MimeKit write BER *inside* the PFX as well: the AuthenticatedSafe in the
/// outer OCTET STRING, and the SafeContents of its id-data entries, have indefinite lengths.
/// `p12-keystore` decodes those as DER only. The MAC covers the AuthenticatedSafe bytes exactly
/// as written, so when they are not DER this verifies the MAC here (RFC 7292 B.2 KDF + HMAC)
/// and returns the PFX re-encoded as DER without its MacData, for `p12-keystore` to read.
/// `None` when the inside is DER already (the usual case: `p12-keystore` checks the MAC).
/// Encrypted SafeContents are left as they are (their plaintext is not seen here).
fn der_inner_safe(pfx_der: &[u8], password: &str) -> Result<Option<Vec<u8>>, Pkcs12Error> {
    use crate::asn1::{ber_to_der, encode_tlv, parse_one};
    let pfx = parse_one(pfx_der).map_err(asn1_err)?;
    let fields: Vec<_> = pfx.children().collect::<Result<_, _>>().map_err(asn1_err)?;
    if pfx.tag != 0x30 || fields.len() < 2 || fields[0].tag != 0x02 || fields[1].tag != 0x30 {
        return Err(malformed("not a PFX"));
    }
    let Some(auth_safe) = data_content(&fields[1])? else {
        return Ok(None); // public-key integrity mode: left to p12-keystore (unsupported there)
    };
    let outer = ber_to_der(auth_safe).map_err(asn1_err)?;
    let outer_tlv = parse_one(&outer).map_err(asn1_err)?;
    let mut safes = Vec::new();
    for ci in outer_tlv.children() {
        let ci = ci.map_err(asn1_err)?;
        match data_content(&ci)? {
            Some(safe_contents) => {
                safes.extend_from_slice(&data_content_info(
                    &ber_to_der(safe_contents).map_err(asn1_err)?,
                ));
            }
            None => safes.extend_from_slice(ci.raw),
        }
    }
    let rewritten = encode_tlv(0x30, &safes);
    if rewritten == auth_safe {
        return Ok(None);
    }
    if let Some(mac_data) = fields.get(2) {
        verify_mac(mac_data, password, auth_safe)?;
    }
    let mut body = fields[0].raw.to_vec();
    body.extend_from_slice(&data_content_info(&rewritten));
    Ok(Some(encode_tlv(0x30, &body)))
}

/// `MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 }`
fn verify_mac(
    mac_data: &crate::asn1::Tlv<'_>,
    password: &str,
    data: &[u8],
) -> Result<(), Pkcs12Error> {
    use hmac::{KeyInit, Mac};
    let f: Vec<_> = mac_data
        .children()
        .collect::<Result<_, _>>()
        .map_err(asn1_err)?;
    if f.len() < 2 || f[0].tag != 0x30 || f[1].tag != 0x04 {
        return Err(malformed("MacData"));
    }
    let digest_info: Vec<_> = f[0]
        .children()
        .collect::<Result<_, _>>()
        .map_err(asn1_err)?;
    let alg = digest_info
        .first()
        .and_then(|a| a.children().next())
        .and_then(Result::ok)
        .filter(|o| o.tag == 0x06)
        .ok_or_else(|| malformed("MAC algorithm"))?;
    let expected = digest_info
        .get(1)
        .filter(|d| d.tag == 0x04)
        .ok_or_else(|| malformed("MAC digest"))?
        .value;
    let salt = f[1].value;
    let iterations = match f.get(2) {
        Some(i) if i.tag == 0x02 && !i.value.is_empty() && i.value.len() <= 4 => {
            i.value.iter().fold(0u32, |n, b| (n << 8) | u32::from(*b))
        }
        Some(_) => return Err(malformed("MAC iteration count")),
        None => 1,
    };
    if iterations == 0 || iterations > MAX_MAC_ITERATIONS {
        return Err(malformed("MAC iteration count"));
    }
    // Passwords as BMPString with a terminating NUL; an empty password is also tried as
    // "no password at all" (both occur in the wild).
    let mut bmp: Vec<u8> = password
        .encode_utf16()
        .flat_map(|c| c.to_be_bytes())
        .collect();
    bmp.extend_from_slice(&[0, 0]);
    let mut candidates = vec![Zeroizing::new(bmp)];
    if password.is_empty() {
        candidates.push(Zeroizing::new(Vec::new()));
    }
    macro_rules! check {
        ($h:ty, $v:expr) => {{
            let u = <$h as digest::Digest>::output_size();
            candidates.iter().any(|pw| {
                let key = pkcs12_kdf::<$h>($v, pw, salt, iterations, 3, u);
                hmac::Hmac::<$h>::new_from_slice(&key)
                    .map(|mut m| {
                        m.update(data);
                        m.verify_slice(expected).is_ok()
                    })
                    .unwrap_or(false)
            })
        }};
    }
    let ok = match alg.value {
        [0x2b, 0x0e, 0x03, 0x02, 0x1a] => check!(sha1::Sha1, 64),
        [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01] => check!(sha2::Sha256, 64),
        [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02] => check!(sha2::Sha384, 128),
        [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03] => check!(sha2::Sha512, 128),
        _ => return Err(Pkcs12Error::Unsupported("MAC algorithm".into())),
    };
    if ok {
        Ok(())
    } else {
        Err(Pkcs12Error::WrongPassword)
    }
}

/// RFC 7292 Appendix B.2 key derivation: `n` bytes for purpose `id` (1 key, 2 IV, 3 MAC) from
/// the BMPString password `pw`, with hash `H` of block size `v` bytes.
fn pkcs12_kdf<H: digest::Digest>(
    v: usize,
    pw: &[u8],
    salt: &[u8],
    iterations: u32,
    id: u8,
    n: usize,
) -> Zeroizing<Vec<u8>> {
    let u = <H as digest::Digest>::output_size();
    let fill = |src: &[u8]| -> Vec<u8> {
        if src.is_empty() {
            Vec::new()
        } else {
            let len = v * src.len().div_ceil(v);
            (0..len).map(|k| src[k % src.len()]).collect()
        }
    };
    let mut i_buf = Zeroizing::new(fill(salt));
    i_buf.extend_from_slice(&fill(pw));
    let mut out = Zeroizing::new(Vec::with_capacity(n));
    loop {
        let mut h = H::new();
        h.update(vec![id; v]);
        h.update(i_buf.as_slice());
        let mut a = h.finalize().to_vec();
        for _ in 1..iterations {
            a = H::digest(&a).to_vec();
        }
        let take = u.min(n - out.len());
        out.extend_from_slice(&a[..take]);
        if out.len() >= n {
            return out;
        }
        // I_j = (I_j + B + 1) mod 2^(8v), every block, full width (leading zero bytes kept).
        let b: Vec<u8> = (0..v).map(|k| a[k % u]).collect();
        for block in i_buf.chunks_mut(v) {
            let mut carry = 1u16;
            for k in (0..v).rev() {
                let sum = u16::from(block[k]) + u16::from(b[k]) + carry;
                block[k] = sum as u8;
                carry = sum >> 8;
            }
        }
    }
}

fn map_error(e: p12_keystore::error::Error) -> Pkcs12Error {
    use p12_keystore::error::Error as E;
    match e {
        E::MacError(_) => Pkcs12Error::WrongPassword,
        // A wrong password on an un-MACed file shows up as bad padding after decryption.
        E::UnpadError => Pkcs12Error::WrongPassword,
        E::UnsupportedEncryptionScheme => Pkcs12Error::Unsupported("encryption scheme".into()),
        E::UnsupportedMacAlgorithm => Pkcs12Error::Unsupported("MAC algorithm".into()),
        E::UnsupportedContentType => Pkcs12Error::Unsupported("content type".into()),
        E::UnsupportedCertificateType => Pkcs12Error::Unsupported("certificate type".into()),
        other => Pkcs12Error::Malformed(other.to_string()),
    }
}

/// Which PKCS#12 dialect to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pkcs12Format {
    /// PBES2 / PBKDF2-HMAC-SHA256 / AES-256-CBC with an HMAC-SHA256 MAC (OpenSSL 3 default).
    Modern,
    /// 3DES with a SHA-1 MAC, for importers that know nothing newer (old Windows, gpgsm 2.2).
    Legacy,
}

/// Writes an identity (key, its certificate, then the chain) as PKCS#12.
pub fn write(
    key_pkcs8: &[u8],
    cert: &Cert,
    chain: &[Cert],
    friendly_name: &str,
    password: &str,
    format: Pkcs12Format,
) -> Result<Vec<u8>, Pkcs12Error> {
    let key = p12_keystore::PrivateKey::from_der(key_pkcs8)
        .map_err(|e| Pkcs12Error::Write(e.to_string()))?;
    let mut certs = vec![
        p12_keystore::Certificate::from_der(cert.der())
            .map_err(|e| Pkcs12Error::Write(e.to_string()))?,
    ];
    for c in chain {
        certs.push(
            p12_keystore::Certificate::from_der(c.der())
                .map_err(|e| Pkcs12Error::Write(e.to_string()))?,
        );
    }
    let id = LocalKeyId(
        hex::decode(&cert.fingerprint()[..40]).map_err(|e| Pkcs12Error::Write(e.to_string()))?,
    );
    let mut ks = KeyStore::new();
    ks.add_entry(
        friendly_name,
        KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(id, key, certs)),
    );
    let writer = ks.writer(password);
    let writer = match format {
        Pkcs12Format::Modern => writer
            .encryption_algorithm(EncryptionAlgorithm::PbeWithHmacSha256AndAes256)
            .mac_algorithm(MacAlgorithm::HmacSha256),
        Pkcs12Format::Legacy => writer
            .encryption_algorithm(EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc)
            .mac_algorithm(MacAlgorithm::HmacSha1),
    };
    writer
        .write()
        .map_err(|e| Pkcs12Error::Write(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7292 KDF against OpenSSL (`openssl kdf -keylen 24 -kdfopt digest:SHA1
    /// -kdfopt pass:secret -kdfopt hexsalt:0001020304050607 -kdfopt iter:2048 -kdfopt id:1
    /// PKCS12KDF`): 24 bytes need a second block, i.e. the I_j update.
    #[test]
    fn pkcs12_kdf_matches_openssl() {
        let pw: Vec<u8> = "secret"
            .encode_utf16()
            .flat_map(|c| c.to_be_bytes())
            .chain([0, 0])
            .collect();
        let salt = [0u8, 1, 2, 3, 4, 5, 6, 7];
        let key = pkcs12_kdf::<sha1::Sha1>(64, &pw, &salt, 2048, 1, 24);
        assert_eq!(
            hex::encode(key.as_slice()),
            "ad6a0066af831ad686813fe8f9fb7823f95efce80e931843"
        );
        // A salt for which I_salt + B + 1 has a leading zero byte (GnuPG 2.2 gets this one
        // wrong, see tests/pki/make-pki.sh): the full-width sum must be kept.
        let salt = hex::decode("01cb96dc253f9dc2").unwrap();
        let key = pkcs12_kdf::<sha1::Sha1>(64, &pw, &salt, 2048, 1, 24);
        assert_eq!(
            hex::encode(key.as_slice()),
            "ff13819cf4872938d96db53fcdc352275374849cb091f287"
        );
        let mac_key = pkcs12_kdf::<sha2::Sha256>(64, &pw, &[0, 1, 2, 3, 4, 5, 6, 7], 1, 3, 32);
        assert_eq!(
            hex::encode(mac_key.as_slice()),
            "b9cdb7dee782c0e85ea195b19931e1d264782adf8bab6107b84ac8cc671960b7"
        );
    }

    #[test]
    fn truncated_and_garbage_files_are_malformed() {
        assert!(matches!(parse(&[], "x"), Err(Pkcs12Error::Malformed(_))));
        assert!(matches!(
            parse(&[0x30, 0x82, 0x10, 0x00, 0x02], "x"),
            Err(Pkcs12Error::Malformed(_))
        ));
        assert!(matches!(
            parse(&vec![0u8; MAX_P12_SIZE + 1], "x"),
            Err(Pkcs12Error::TooLarge)
        ));
    }
}
