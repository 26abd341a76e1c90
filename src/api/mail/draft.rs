//! Drafts in the account's Drafts folder: sealed (an HMAC under a key derived from the
//! keystore's key-encryption key) so that only drafts Sealpost saved open as drafts, encrypted
//! to the sender when the message is to go out encrypted.

use super::*;

impl Home {
    /// Saves a draft (built by `message::build_draft`) in the account's Drafts folder (\\Drafts
    /// special use, else "Drafts", created when missing) with \\Draft and \\Seen. With
    /// `encrypt` it is stored encrypted to the sender alone (so the server keeps no plaintext
    /// of a message that is to go out encrypted); `replace` is the UID of the previous version,
    /// removed once the new one is stored.
    pub fn save_draft(
        &self,
        account: &str,
        msg: &[u8],
        encrypt: bool,
        replace: Option<u32>,
        passphrase: PassphraseSource,
    ) -> Result<DraftSaved, ApiError> {
        let a = self.account_row(account)?;
        let canon = smime::canonicalize(msg);
        let entity = Entity::parse(&canon).map_err(|e| bad(format!("not a message: {e}")))?;
        let from = header_values(&entity, "From")
            .iter()
            .flat_map(|v| addresses(v))
            .next();
        if !from.is_some_and(|f| f.eq_ignore_ascii_case(&a.email)) {
            return Err(bad(format!(
                "a draft of the account {:?} is from {}",
                a.name, a.email
            )));
        }
        let message_id = header_values(&entity, "Message-ID")
            .into_iter()
            .next()
            .ok_or_else(|| bad("the draft has no Message-ID"))?;
        let raw = if encrypt {
            self.encrypt_draft(&a.email, entity, canon, passphrase)?
        } else {
            drop(entity); // its copy of the body, before the upload
            canon
        };
        let kek = self.kek(passphrase)?;
        let login = self.account_login(&a, passphrase)?;
        let ep = endpoint(&a, true);
        let (folder, uid) = block_on(async {
            let mut imap = Imap::login(&ep, &login).await?;
            let folder = imap.drafts_folder().await?;
            let raw = seal_draft(&kek, &a.email, &folder, &raw);
            let uid = imap.append_draft(&folder, &raw, &message_id).await?;
            if let Some(old) = replace.filter(|old| Some(*old) != uid) {
                imap.expunge(old).await?;
            }
            imap.logout().await;
            Ok::<_, MailError>((folder, uid))
        })?
        .map_err(mail_error)?;
        if let Some(old) = replace {
            self.store.remove_message(&a.name, &folder, old)?;
        }
        Ok(DraftSaved {
            folder,
            uid,
            encrypted: encrypt,
        })
    }

    /// A draft encrypted to its sender alone. The whole draft goes inside as message/rfc822
    /// (RFC 8551 §3.1), so its Bcc list is not in the clear on the server; the outer header
    /// keeps what the Drafts list shows.
    fn encrypt_draft(
        &self,
        email: &str,
        entity: Entity,
        canon: Vec<u8>,
        passphrase: PassphraseSource,
    ) -> Result<Vec<u8>, ApiError> {
        self.encryption_cert(email, true).map_err(|e| {
            ApiError::new(
                e.code,
                format!(
                    "the draft cannot be stored encrypted: {} (turn Encrypt off to save it unencrypted)",
                    e.message
                ),
            )
        })?;
        let mut headers: Vec<HeaderField> = entity
            .headers
            .into_iter()
            .filter(|h| !h.is_mime() && !h.name.eq_ignore_ascii_case("Bcc"))
            .collect();
        headers.push(HeaderField::new("MIME-Version", "1.0"));
        headers.push(HeaderField::new("Content-Type", "message/rfc822"));
        let wrapped = Entity {
            headers,
            body: canon,
        }
        .to_bytes();
        let auto = CipherChoice::Auto;
        let (out, ..) = self.encrypt_message_detailed(wrapped, &[], None, auto, passphrase)?;
        Ok(out)
    }

    /// Removes a draft from the Drafts folder for good (it was sent, or discarded).
    pub fn discard_draft(
        &self,
        account: &str,
        folder: &str,
        uid: u32,
        passphrase: PassphraseSource,
    ) -> Result<(), ApiError> {
        let a = self.account_row(account)?;
        let login = self.account_login(&a, passphrase)?;
        let ep = endpoint(&a, true);
        block_on(async {
            let mut imap = Imap::login(&ep, &login).await?;
            imap.select(folder).await?;
            imap.expunge(uid).await?;
            imap.logout().await;
            Ok::<_, MailError>(())
        })?
        .map_err(mail_error)?;
        self.store.remove_message(&a.name, folder, uid)?;
        Ok(())
    }

    /// A cached draft, decrypted in memory (no network), as compose fields; with its plaintext
    /// for the attachments it carries.
    pub fn open_draft(
        &self,
        account: &str,
        folder: &str,
        uid: u32,
        passphrase: PassphraseSource,
    ) -> Result<(DraftView, Zeroizing<Vec<u8>>), ApiError> {
        let a = self.account_row(account)?;
        let stored = self.cached_message(&a.name, folder, uid)?;
        let raw = unseal_draft(&self.kek(passphrase)?, &a.email, folder, &stored)?.to_vec();
        drop(stored);
        let (report, plain) = self.view_message(raw, passphrase)?;
        // An encrypted draft of ours holds the whole message as message/rfc822: the core
        // has unwrapped it.
        let plain = Zeroizing::new(plain);
        let view = crate::message::draft_content(&plain, report.signed, report.encrypted)?;
        Ok((view, plain))
    }
}

const DRAFT_SEAL: &str = "X-Sealpost-Draft-Seal";
const DRAFT_SEAL_PURPOSE: &str = "draft seal v1";

fn draft_seal_tag(kek: &crate::keystore::Kek, email: &str, folder: &str, raw: &[u8]) -> [u8; 32] {
    let email = email.to_ascii_lowercase();
    kek.mac(
        DRAFT_SEAL_PURPOSE,
        &[email.as_bytes(), folder.as_bytes(), raw],
    )
}

pub(super) fn seal_draft(
    kek: &crate::keystore::Kek,
    email: &str,
    folder: &str,
    raw: &[u8],
) -> Vec<u8> {
    use base64::Engine as _;
    let tag = draft_seal_tag(kek, email, folder, raw);
    let b64 = base64::engine::general_purpose::STANDARD.encode(tag);
    let mut out = format!("{DRAFT_SEAL}: v1 {b64}\r\n").into_bytes();
    out.extend_from_slice(raw);
    out
}

/// The draft under a valid seal of this keystore, for this account and folder.
pub(super) fn unseal_draft<'a>(
    kek: &crate::keystore::Kek,
    email: &str,
    folder: &str,
    stored: &'a [u8],
) -> Result<&'a [u8], ApiError> {
    use base64::Engine as _;
    let refuse = || {
        ApiError::new(
            ErrorCode::BadInput,
            "this draft was not saved by Sealpost with this keystore in this folder, or it was \
             changed on the server since: it is not opened for editing (it can still be read \
             as a message)",
        )
    };
    let prefix = format!("{DRAFT_SEAL}: v1 ");
    let rest = stored.strip_prefix(prefix.as_bytes()).ok_or_else(refuse)?;
    let end = rest
        .windows(2)
        .take(64)
        .position(|w| w == b"\r\n")
        .ok_or_else(refuse)?;
    let tag = base64::engine::general_purpose::STANDARD
        .decode(&rest[..end])
        .map_err(|_| refuse())?;
    let body = &rest[end + 2..];
    let email = email.to_ascii_lowercase();
    let parts: [&[u8]; 3] = [email.as_bytes(), folder.as_bytes(), body];
    if kek.mac_matches(DRAFT_SEAL_PURPOSE, &parts, &tag) {
        Ok(body)
    } else {
        Err(refuse())
    }
}
