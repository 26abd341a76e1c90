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
