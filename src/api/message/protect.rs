//! Signing and encrypting a whole message (RFC 8551 §3.3-§3.5): the sender's signing identity,
//! each recipient's encryption certificate, and the content cipher all of them can read.

use crate::api::json::CipherChoice;
use crate::api::{ApiError, ErrorCode, Home, PassphraseSource};
use crate::cms::envelope::{ContentCipher, Recipient, RsaTransport};
use crate::pki::cert::Cert;
use crate::pki::keys::PrivateKey;
use crate::smime::{self, mime::Entity};
use crate::store::CertKind;

/// One protected message: the bytes as sent, the cipher, everyone it is encrypted to.
pub type ProtectedCopy = (Vec<u8>, Option<String>, Vec<String>);

impl Home {
    /// The one place that decides between encrypting (signed inside when `sign`), signing, and
    /// leaving a message as it is: sending, each copy of it, and composing to a file use it.
    pub fn protect_message(
        &self,
        content: Vec<u8>,
        to: &[String],
        from: &str,
        sign: bool,
        encrypt: bool,
        passphrase: PassphraseSource,
    ) -> Result<ProtectedCopy, ApiError> {
        if encrypt {
            let signer = sign.then_some(from);
            let auto = CipherChoice::Auto;
            let (out, cipher, to) =
                self.encrypt_message_detailed(content, to, signer, auto, passphrase)?;
            Ok((out, Some(cipher.name().to_string()), to))
        } else if sign {
            let out = self.sign_message(&content, from, false, passphrase)?;
            Ok((out, None, Vec::new()))
        } else {
            Ok((content, None, Vec::new()))
        }
    }

    /// The identity used to sign as `from`.
    pub(crate) fn signing_identity(
        &self,
        from: &str,
        passphrase: PassphraseSource,
    ) -> Result<(Cert, PrivateKey), ApiError> {
        let at = self.now();
        let candidates: Vec<_> = self
            .store
            .by_email(from)?
            .into_iter()
            .filter(|s| s.kind == CertKind::Identity)
            .collect();
        if candidates.is_empty() {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                format!("no identity (certificate with private key) for {from}"),
            ));
        }
        let usable = candidates
            .iter()
            .find(|s| {
                s.cert.sign_problem().is_none()
                    && s.cert.not_after() >= at
                    && s.cert.not_before() <= at
                    && matches!(self.revoked_own_note(&s.cert), Ok(None))
            })
            .ok_or_else(|| {
                let first = &candidates[0].cert;
                let why = first
                    .sign_problem()
                    .or_else(|| self.revoked_own_note(first).ok().flatten())
                    .unwrap_or_else(|| "it is expired or not yet valid".into());
                ApiError::new(ErrorCode::BadInput, format!("cannot sign as {from}: {why}"))
            })?;
        let key = self.private_key(&usable.cert, passphrase)?;
        Ok((usable.cert.clone(), key))
    }

    pub(crate) fn from_address(entity_outer: &[crate::smime::mime::HeaderField]) -> Option<String> {
        entity_outer
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("From"))
            .and_then(|h| {
                crate::message::address::addresses(&h.value())
                    .into_iter()
                    .next()
            })
    }

    /// Signs a whole RFC 5322 message.
    pub fn sign_message(
        &self,
        msg: &[u8],
        from: &str,
        opaque: bool,
        passphrase: PassphraseSource,
    ) -> Result<Vec<u8>, ApiError> {
        let (outer, entity) = smime::split_message(msg)?;
        let signed = self.sign_entity(&entity, from, opaque, passphrase)?;
        Ok(smime::assemble(&outer, &signed))
    }

    /// Signs an entity as `from`'s signing identity, now: multipart/signed, or opaque
    /// signed-data (RFC 8551 §3.5).
    fn sign_entity(
        &self,
        entity: &Entity,
        from: &str,
        opaque: bool,
        passphrase: PassphraseSource,
    ) -> Result<Entity, ApiError> {
        let (cert, key) = self.signing_identity(from, passphrase)?;
        let chain = self.chain_for(&cert)?;
        let signer = smime::SignerParams {
            key: &key,
            cert: &cert,
            chain: &chain,
            signing_time: self.now(),
        };
        Ok(if opaque {
            smime::sign_opaque(entity, &signer)?
        } else {
            smime::sign_detached(entity, &signer)?
        })
    }

    /// The certificate to encrypt to for `email`: usable for encryption and valid now.
    pub(crate) fn encryption_cert(&self, email: &str, own: bool) -> Result<Cert, ApiError> {
        let at = self.now();
        let all = self.store.by_email(email)?;
        let mut reasons = Vec::new();
        for s in &all {
            if own && s.kind != CertKind::Identity {
                continue;
            }
            if let Some(p) = s.cert.encrypt_problem() {
                reasons.push(p);
                continue;
            }
            if let Some(why) = self.revoked_note(&s.cert)? {
                reasons.push(why);
                continue;
            }
            if s.cert.not_after() < at {
                reasons.push(format!(
                    "the certificate expired on {}",
                    crate::pki::cert::rfc3339(s.cert.not_after())
                ));
                continue;
            }
            if s.cert.not_before() > at {
                reasons.push("the certificate is not valid yet".into());
                continue;
            }
            return Ok(s.cert.clone());
        }
        Err(ApiError::new(
            ErrorCode::NotFound,
            if reasons.is_empty() {
                format!("no certificate is known for {email}")
            } else {
                format!("no usable certificate for {email}: {}", reasons.join("; "))
            },
        ))
    }

    /// Encrypts (optionally signing first) a whole RFC 5322 message to `to` and the sender.
    pub fn encrypt_message(
        &self,
        msg: &[u8],
        to: &[String],
        sign_from: Option<&str>,
        cipher: CipherChoice,
        passphrase: PassphraseSource,
    ) -> Result<Vec<u8>, ApiError> {
        Ok(self
            .encrypt_message_detailed(msg.to_vec(), to, sign_from, cipher, passphrase)?
            .0)
    }

    /// [`Home::encrypt_message`], consuming the message (each stage is freed as soon as the next
    /// exists), and naming the content cipher chosen and every address the message was
    /// encrypted to (the sender included).
    pub fn encrypt_message_detailed(
        &self,
        msg: Vec<u8>,
        to: &[String],
        sign_from: Option<&str>,
        cipher: CipherChoice,
        passphrase: PassphraseSource,
    ) -> Result<(Vec<u8>, ContentCipher, Vec<String>), ApiError> {
        let (outer, mut entity) = smime::split_message(&msg)?;
        drop(msg);
        let sender = sign_from
            .map(str::to_string)
            .or_else(|| Self::from_address(&outer));
        let certs = self.recipient_certs(to, sender.as_deref())?;
        let caps: Vec<Option<Vec<String>>> = certs
            .iter()
            .map(|(email, c)| self.capabilities_of(email, c))
            .collect();
        let cipher = match cipher {
            CipherChoice::Fixed(c) => c,
            CipherChoice::Auto => cipher_all_read(&caps),
        };
        if let Some(from) = sign_from {
            entity = self.sign_entity(&entity, from, false, passphrase)?;
        }
        let recipients: Vec<Recipient> = certs
            .iter()
            .zip(caps.iter())
            .map(|((_, c), cap)| Recipient {
                cert: c,
                rsa: key_transport(cap.as_deref()),
            })
            .collect();
        let enc = smime::encrypt_owned(entity, &recipients, cipher)?;
        let emails = certs.iter().map(|(e, _)| e.clone()).collect();
        Ok((smime::assemble_owned(&outer, enc), cipher, emails))
    }

    /// Each recipient's encryption certificate (each certificate once) and, when it has one,
    /// the sender's own (RFC 8551 §3.3 practice: the sender can read its own sent mail).
    fn recipient_certs(
        &self,
        to: &[String],
        sender: Option<&str>,
    ) -> Result<Vec<(String, Cert)>, ApiError> {
        let mut certs: Vec<(String, Cert)> = Vec::new();
        for r in to {
            let c = self.encryption_cert(r, false)?;
            if !certs.iter().any(|(_, x)| x == &c) {
                certs.push((r.clone(), c));
            }
        }
        if let Some(s) = sender
            && let Ok(c) = self.encryption_cert(s, true)
            && !certs.iter().any(|(_, x)| x == &c)
        {
            certs.push((s.to_string(), c));
        }
        Ok(certs)
    }

    /// The SMIMECapabilities (OIDs) known for a recipient: everything we read for our own
    /// identities, else what their last valid signature advertised (RFC 8551 §2.7.1).
    fn capabilities_of(&self, email: &str, c: &Cert) -> Option<Vec<String>> {
        let ours = self
            .store
            .by_fingerprint_prefix(&c.fingerprint())
            .ok()
            .and_then(|v| v.into_iter().next())
            .is_some_and(|s| s.kind == CertKind::Identity);
        if ours {
            let all = crate::cms::sign::OUR_CAPABILITIES.iter();
            return Some(all.map(|s| s.to_string()).collect());
        }
        self.store.capabilities(email).ok().flatten()
    }
}

/// AES-256-GCM when every recipient advertised it (AuthEnvelopedData, RFC 5083), else
/// AES-256-CBC, which every S/MIME client reads.
fn cipher_all_read(caps: &[Option<Vec<String>>]) -> ContentCipher {
    let gcm = |c: &Option<Vec<String>>| {
        c.as_ref()
            .is_some_and(|v| v.iter().any(|o| o == "2.16.840.1.101.3.4.1.46"))
    };
    if caps.iter().all(gcm) {
        ContentCipher::Aes256Gcm
    } else {
        ContentCipher::Aes256Cbc
    }
}

/// RSAES-OAEP (RFC 8017) for a recipient who advertised it, else PKCS#1 v1.5.
fn key_transport(cap: Option<&[String]>) -> RsaTransport {
    if cap.is_some_and(|v| v.iter().any(|o| o == "1.2.840.113549.1.1.7")) {
        RsaTransport::OaepSha256
    } else {
        RsaTransport::Pkcs1v15
    }
}
