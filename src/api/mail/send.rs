//! Sending, as a pipeline of stages, each a function of its own with its own tests:
//!
//! 1. [`recipients`]: who gets the message (To and Cc visible, Bcc blind, each address once),
//!    and who gets a separate unencrypted copy by the sender's explicit choice;
//! 2. [`decide`]: what protection the message gets (sign, encrypt) and whether the choices fit
//!    together (policy rules enter here);
//! 3. [`Home::certificates`]: every encrypted copy's recipients have a usable certificate
//!    (the store today; directory and DNS discovery enter here), checked before anything is
//!    signed or queued;
//! 4. [`prepare`]: Message-ID and Date, the copy recipients get (no Bcc header, RFC 5322
//!    §3.6.3) and the sender's Sent copy (with it);
//! 5. [`Home::protect`]: each copy signed and/or encrypted (one per Bcc recipient when
//!    encrypting: a shared EnvelopedData would name them all);
//! 6. [`Home::queue`]: every copy in the outbox before any is sent, so nothing is lost;
//! 7. [`Home::deliver_queued`]: SMTP, then the Sent copy by IMAP APPEND; a failure leaves the
//!    copy waiting in the outbox;
//! 8. [`record`]: the result the CLI prints and the app shows.

use super::*;

/// Stage 1: the recipients of a message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recipients {
    /// The sender (the first From address).
    pub from: String,
    /// To and Cc, each address once.
    pub visible: Vec<String>,
    /// Bcc addresses that are not also visible recipients.
    pub blind: Vec<String>,
    /// Recipients taken out of the encrypted copies to get a separate unencrypted one.
    pub plain: Vec<String>,
}

impl Recipients {
    /// Everyone who gets an encrypted (or the only) copy: visible, then blind.
    pub fn protected(&self) -> Vec<String> {
        self.visible
            .iter()
            .chain(self.blind.iter())
            .cloned()
            .collect()
    }
}

/// Reads From, To, Cc and Bcc of `entity` and takes `unencrypted_to` out of the protected
/// copies; refuses a message without a sender or a recipient, and names that are not
/// recipients.
pub fn recipients(entity: &Entity, unencrypted_to: &[String]) -> Result<Recipients, ApiError> {
    let from = header_values(entity, "From")
        .iter()
        .flat_map(|v| addresses(v))
        .next()
        .ok_or_else(|| bad("the message has no From address"))?;
    let mut r = Recipients {
        from,
        ..Recipients::default()
    };
    // An address that is both visible and blind is a visible recipient.
    for h in ["To", "Cc", "Bcc"] {
        for v in header_values(entity, h) {
            for a in addresses(&v) {
                let mut known = r.visible.iter().chain(r.blind.iter());
                if !known.any(|x| x.eq_ignore_ascii_case(&a)) {
                    if h == "Bcc" {
                        &mut r.blind
                    } else {
                        &mut r.visible
                    }
                    .push(a);
                }
            }
        }
    }
    if r.visible.is_empty() && r.blind.is_empty() {
        return Err(bad("the message has no recipient (To, Cc or Bcc)"));
    }
    for asked in unencrypted_to
        .iter()
        .map(|a| a.trim())
        .filter(|a| !a.is_empty())
    {
        let found = r
            .protected()
            .into_iter()
            .find(|x| x.eq_ignore_ascii_case(asked))
            .ok_or_else(|| bad(format!("{asked} is not a recipient of the message")))?;
        if !r.plain.contains(&found) {
            r.plain.push(found);
        }
    }
    let plain = r.plain.clone();
    r.visible.retain(|x| !plain.contains(x));
    r.blind.retain(|x| !plain.contains(x));
    Ok(r)
}

/// Stage 2: the protection a message gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub sign: bool,
    pub encrypt: bool,
}

/// Checks that the sender's choices fit the recipients: an unencrypted copy only beside an
/// encrypted message, and never for everyone.
pub fn decide(r: &Recipients, sign: bool, encrypt: bool) -> Result<Decision, ApiError> {
    if !r.plain.is_empty() && !encrypt {
        return Err(bad(
            "an unencrypted copy applies only to an encrypted message",
        ));
    }
    if !r.plain.is_empty() && r.visible.is_empty() && r.blind.is_empty() {
        return Err(bad(
            "every recipient would get the unencrypted copy: turn encryption off to send it unencrypted",
        ));
    }
    Ok(Decision { sign, encrypt })
}

/// Stage 4: the message as it goes out.
pub struct Prepared {
    pub message_id: String,
    pub subject: String,
    /// What recipients get: no Bcc header.
    pub for_recipients: Vec<u8>,
    /// The sender's Sent copy: with the Bcc header, so the sender knows who got it blind.
    pub for_sender: Vec<u8>,
}

/// Adds a Message-ID and a Date (at `now`) where missing, and makes the two forms.
pub fn prepare(entity: Entity, from: &str, now: u64) -> Prepared {
    let existing_id = header_values(&entity, "Message-ID").into_iter().next();
    let message_id = existing_id.clone().unwrap_or_else(|| new_message_id(from));
    let subject = header_values(&entity, "Subject")
        .into_iter()
        .next()
        .unwrap_or_default();
    let mut headers: Vec<HeaderField> = Vec::new();
    if existing_id.is_none() {
        headers.push(HeaderField::new("Message-ID", &message_id));
    }
    if header_values(&entity, "Date").is_empty() {
        let date = mail_builder::headers::date::Date::new(now as i64).to_rfc822();
        headers.push(HeaderField::new("Date", &date));
    }
    headers.extend(entity.headers);
    let for_sender = Entity {
        headers: headers.clone(),
        body: entity.body.clone(),
    }
    .to_bytes();
    let for_recipients = Entity {
        headers: headers
            .into_iter()
            .filter(|h| !h.name.eq_ignore_ascii_case("Bcc"))
            .collect(),
        body: entity.body,
    }
    .to_bytes();
    Prepared {
        message_id,
        subject,
        for_recipients,
        for_sender,
    }
}

/// One copy for one SMTP transaction.
pub struct Copy {
    pub envelope: Vec<String>,
    pub raw: Vec<u8>,
}

/// Stage 5: every copy, protected.
#[derive(Default)]
pub struct Protected {
    /// The copies for the protected recipients (the first also carries the Sent copy).
    pub copies: Vec<Copy>,
    /// The Sent copy when it differs from the first copy (it keeps the Bcc header).
    pub sent_copy: Option<Vec<u8>>,
    /// The separate unencrypted copy.
    pub plain_copy: Option<Copy>,
    pub cipher: Option<String>,
    /// Everyone the message is encrypted to, the sender included.
    pub encrypted_to: Vec<String>,
}

/// Stage 6: the outbox entries of one message.
pub struct Queued {
    pub ids: Vec<i64>,
    pub plain_id: Option<i64>,
}

/// Stage 7: what delivery did.
pub struct Delivered {
    pub delivered: bool,
    pub entries: Vec<OutboxEntry>,
    pub plain_entry: Option<OutboxEntry>,
}

/// Stage 8: the result of sending.
pub fn record(
    d: Decision,
    r: Recipients,
    p: Protected,
    done: Delivered,
) -> Result<SendResult, ApiError> {
    let mut entries = done.entries.into_iter();
    let entry = entries
        .next()
        .ok_or_else(|| bad("the message has no recipient (To, Cc or Bcc)"))?;
    Ok(SendResult {
        delivered: done.delivered,
        signed: d.sign,
        encrypted: d.encrypt,
        cipher: p.cipher,
        encrypted_to: p.encrypted_to,
        entry,
        bcc_copies: entries.collect(),
        unencrypted_to: r.plain,
        unencrypted_copy: done.plain_entry,
    })
}

use crate::api::message::protect::ProtectedCopy;

/// Adds `to` to `list`, each address once.
fn note(list: &mut Vec<String>, to: Vec<String>) {
    for r in to {
        if !list.iter().any(|x| x.eq_ignore_ascii_case(&r)) {
            list.push(r);
        }
    }
}

impl Home {
    /// Sends a whole RFC 5322 message through the account, signing and/or encrypting it with
    /// the same rules as composing in the app: encrypted to every To/Cc/Bcc recipient and the
    /// sender, refused (nothing queued) when a recipient has no usable certificate. No copy a
    /// recipient gets carries the Bcc header; with encryption each Bcc recipient gets a
    /// separate copy, and the Sent copy keeps the Bcc header. The message is queued in the
    /// outbox first; when SMTP fails it stays there (`delivered: false`) for
    /// [`Home::retry_outbox`].
    ///
    /// `unencrypted_to` names recipients (of To, Cc or Bcc) who get a separate copy that is not
    /// encrypted (signed when `sign`): the sender's explicit choice for correspondents without
    /// a certificate, never a default. It applies only to encrypted mail; the encrypted copies
    /// and the Sent copy are encrypted to everyone else, and at least one recipient must be
    /// left for them.
    pub fn send_message(
        &self,
        account: &str,
        msg: &[u8],
        sign: bool,
        encrypt: bool,
        unencrypted_to: &[String],
        passphrase: PassphraseSource,
    ) -> Result<SendResult, ApiError> {
        let a = self.account_row(account)?;
        let canon = smime::canonicalize(msg);
        let entity = Entity::parse(&canon).map_err(|e| bad(format!("not a message: {e}")))?;
        let r = recipients(&entity, unencrypted_to)?;
        let d = decide(&r, sign, encrypt)?;
        self.certificates(&r, d)?;
        let prepared = prepare(entity, &r.from, self.now());
        let protected = self.protect(&r, d, &prepared, passphrase)?;
        // The password is fetched before queueing so a locked keystore queues nothing.
        let login = self.account_login(&a, passphrase)?;
        let queued = self.queue(&a, &prepared, &protected)?;
        let done = self.deliver_queued(&a, &login, queued)?;
        record(d, r, protected, done)
    }

    /// Stage 3: each recipient of an encrypted copy has a usable encryption certificate.
    pub(crate) fn certificates(&self, r: &Recipients, d: Decision) -> Result<(), ApiError> {
        if d.encrypt {
            for to in r.protected() {
                self.encryption_cert(&to, false)?;
            }
        }
        Ok(())
    }

    /// Protects one copy for `to` ([`Home::protect_message`]).
    fn protect_one(
        &self,
        content: Vec<u8>,
        to: &[String],
        from: &str,
        d: Decision,
        passphrase: PassphraseSource,
    ) -> Result<ProtectedCopy, ApiError> {
        self.protect_message(content, to, from, d.sign, d.encrypt, passphrase)
    }

    /// Stage 5: every copy is made before anything is queued, so a recipient without a
    /// certificate (or a locked keystore) queues nothing.
    ///
    /// Encrypted mail with Bcc: a shared EnvelopedData would name every Bcc recipient in its
    /// RecipientInfos (the issuer and serial of their certificates), readable by every To/Cc
    /// recipient, which defeats the blind copy. So the To/Cc message is encrypted to To, Cc
    /// and the sender only, and each Bcc recipient gets a separate copy encrypted to that
    /// recipient and the sender (RFC 5322 §3.6.3, second method). Unencrypted mail has
    /// nothing that names them: one SMTP transaction carries all.
    pub(crate) fn protect(
        &self,
        r: &Recipients,
        d: Decision,
        p: &Prepared,
        passphrase: PassphraseSource,
    ) -> Result<Protected, ApiError> {
        let mut out = Protected::default();
        let groups: Vec<Vec<String>> = if d.encrypt && !r.blind.is_empty() {
            let visible = (!r.visible.is_empty()).then(|| r.visible.clone());
            let blind = r.blind.iter().map(|b| vec![b.clone()]);
            visible.into_iter().chain(blind).collect()
        } else {
            vec![r.protected()]
        };
        for envelope in groups {
            let content = p.for_recipients.clone();
            let (raw, cipher, to) = self.protect_one(content, &envelope, &r.from, d, passphrase)?;
            out.cipher = out.cipher.or(cipher);
            note(&mut out.encrypted_to, to);
            out.copies.push(Copy { envelope, raw });
        }
        if !r.blind.is_empty() {
            let content = p.for_sender.clone();
            let (raw, ..) = self.protect_one(content, &r.protected(), &r.from, d, passphrase)?;
            out.sent_copy = Some(raw);
        }
        // The unencrypted copy: no Bcc header (it would name the blind recipients to anyone
        // reading it), signed when the message is; one SMTP transaction for all of them.
        if !r.plain.is_empty() {
            let plain = Decision {
                sign: d.sign,
                encrypt: false,
            };
            let content = p.for_recipients.clone();
            let (raw, ..) = self.protect_one(content, &r.plain, &r.from, plain, passphrase)?;
            out.plain_copy = Some(Copy {
                envelope: r.plain.clone(),
                raw,
            });
        }
        Ok(out)
    }

    /// Stage 6: every copy in the outbox; the first carries the Sent copy, the others go to no
    /// folder.
    pub(crate) fn queue(
        &self,
        a: &AccountRow,
        p: &Prepared,
        protected: &Protected,
    ) -> Result<Queued, ApiError> {
        let add = |c: &Copy, sent: Option<&[u8]>| {
            self.store.outbox_add(
                &a.name,
                &p.message_id,
                &p.subject,
                &a.email,
                &c.envelope,
                &c.raw,
                sent,
            )
        };
        let mut ids = Vec::new();
        for (i, c) in protected.copies.iter().enumerate() {
            let id = add(
                c,
                if i == 0 {
                    protected.sent_copy.as_deref()
                } else {
                    None
                },
            )?;
            if i > 0 {
                self.store.outbox_set_appended(id, None)?;
            }
            ids.push(id);
        }
        let plain_id = match &protected.plain_copy {
            Some(c) => {
                let id = add(c, None)?;
                self.store.outbox_set_appended(id, None)?;
                Some(id)
            }
            None => None,
        };
        Ok(Queued { ids, plain_id })
    }

    /// Stage 7: delivers every queued copy; a failed one waits in the outbox.
    pub(crate) fn deliver_queued(
        &self,
        a: &AccountRow,
        login: &Login,
        q: Queued,
    ) -> Result<Delivered, ApiError> {
        let mut done = Delivered {
            delivered: true,
            entries: Vec::new(),
            plain_entry: None,
        };
        for id in q.ids {
            let (ok, entry) = self.deliver(a, login, id, false)?;
            done.delivered &= ok;
            done.entries.push(entry);
        }
        if let Some(id) = q.plain_id {
            let (ok, entry) = self.deliver(a, login, id, false)?;
            done.delivered &= ok;
            done.plain_entry = Some(entry);
        }
        Ok(done)
    }

    /// Sends each address a signed message asking for their certificate: the signature carries
    /// the sender's certificate, and a signed reply brings theirs (harvested when it is read),
    /// after which mail to them can be encrypted. One message per address, so the addresses are
    /// not disclosed to each other. Nothing is sent when the sender cannot sign.
    pub fn request_certificates(
        &self,
        account: &str,
        emails: &[String],
        passphrase: PassphraseSource,
    ) -> Result<Vec<SendResult>, ApiError> {
        let a = self.account_row(account)?;
        let mut to: Vec<String> = Vec::new();
        for e in emails.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
            if addresses(e) != vec![e.to_string()] {
                return Err(bad(format!("{e:?} is not an e-mail address")));
            }
            if !to.iter().any(|x| x.eq_ignore_ascii_case(e)) {
                to.push(e.to_string());
            }
        }
        if to.is_empty() {
            return Err(bad("name at least one address to ask for a certificate"));
        }
        let messages = to
            .iter()
            .map(|r| certificate_request(&a.email, r, self.now()))
            .collect::<Result<Vec<_>, _>>()?;
        // Signing each first: a sender without a signing identity (or a locked keystore) sends
        // nothing.
        let signed = messages
            .iter()
            .map(|m| self.sign_message(m, &a.email, false, passphrase))
            .collect::<Result<Vec<_>, _>>()?;
        signed
            .iter()
            .map(|m| {
                let mut r = self.send_message(account, m, false, false, &[], passphrase)?;
                r.signed = true;
                Ok(r)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity(head: &str) -> Entity {
        let raw = format!("{head}Subject: hi\r\n\r\nbody\r\n");
        Entity::parse(raw.as_bytes()).expect("a message")
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn recipients_are_visible_blind_and_plain_each_once() {
        let e = entity(
            "From: Alice <alice@a.test>\r\nTo: bob@b.test, Carol <carol@c.test>\r\n\
             Cc: BOB@b.test\r\nBcc: dave@d.test, carol@c.test\r\n",
        );
        let r = recipients(&e, &[]).expect("recipients");
        assert_eq!(r.from, "alice@a.test");
        assert_eq!(r.visible, strings(&["bob@b.test", "carol@c.test"]));
        assert_eq!(
            r.blind,
            strings(&["dave@d.test"]),
            "a visible recipient is not blind"
        );
        let r = recipients(&e, &strings(&[" Dave@d.test ", ""])).expect("plain");
        assert_eq!(r.plain, strings(&["dave@d.test"]));
        assert!(
            r.blind.is_empty(),
            "the plain copy's recipient leaves the protected ones"
        );
        assert_eq!(r.protected(), strings(&["bob@b.test", "carol@c.test"]));
    }

    #[test]
    fn recipients_refuse_what_is_not_there() {
        let none = entity("From: alice@a.test\r\n");
        assert!(
            recipients(&none, &[])
                .unwrap_err()
                .message
                .contains("no recipient")
        );
        let nobody = entity("To: bob@b.test\r\n");
        assert!(
            recipients(&nobody, &[])
                .unwrap_err()
                .message
                .contains("no From")
        );
        let e = entity("From: alice@a.test\r\nTo: bob@b.test\r\n");
        let err = recipients(&e, &strings(&["eve@e.test"])).unwrap_err();
        assert_eq!(err.code, ErrorCode::BadInput);
        assert!(err.message.contains("eve@e.test is not a recipient"));
    }

    #[test]
    fn an_unencrypted_copy_needs_encryption_and_someone_left() {
        let e = entity("From: alice@a.test\r\nTo: bob@b.test, carol@c.test\r\n");
        let r = recipients(&e, &strings(&["carol@c.test"])).expect("recipients");
        assert!(
            decide(&r, true, false).is_err(),
            "plain copy beside unencrypted mail"
        );
        assert_eq!(
            decide(&r, true, true).expect("fits"),
            Decision {
                sign: true,
                encrypt: true
            }
        );
        let all = recipients(&e, &strings(&["carol@c.test", "bob@b.test"])).expect("all");
        assert!(
            decide(&all, false, true)
                .unwrap_err()
                .message
                .contains("every recipient")
        );
    }

    #[test]
    fn prepare_adds_id_and_date_and_keeps_bcc_only_for_the_sender() {
        let e = entity("From: alice@a.test\r\nTo: bob@b.test\r\nBcc: dave@d.test\r\n");
        let p = prepare(e, "alice@a.test", 1_790_000_000);
        let sent = String::from_utf8(p.for_sender.clone()).expect("utf-8");
        let out = String::from_utf8(p.for_recipients.clone()).expect("utf-8");
        assert!(p.message_id.starts_with('<') && p.message_id.ends_with("@a.test>"));
        assert_eq!(p.subject, "hi");
        assert!(sent.contains("Bcc: dave@d.test"), "{sent}");
        assert!(!out.to_ascii_lowercase().contains("bcc:"), "{out}");
        assert!(
            out.contains(&format!("Message-ID: {}", p.message_id)),
            "{out}"
        );
        assert!(out.contains("Date: ") && out.contains("2026"), "{out}");
        let kept = entity(
            "From: a@a.test\r\nMessage-ID: <x@y>\r\nDate: Mon, 1 Jan 2001 00:00:00 +0000\r\n",
        );
        let p = prepare(kept, "a@a.test", 1_790_000_000);
        let out = String::from_utf8(p.for_recipients).expect("utf-8");
        assert_eq!(p.message_id, "<x@y>");
        assert_eq!(out.matches("Message-ID:").count(), 1, "{out}");
        assert_eq!(out.matches("Date:").count(), 1, "{out}");
    }

    #[test]
    fn record_names_the_first_copy_and_the_blind_ones() {
        let entry = |id: i64| OutboxEntry {
            id,
            ..OutboxEntry::default()
        };
        let done = Delivered {
            delivered: false,
            entries: vec![entry(1), entry(2)],
            plain_entry: Some(entry(3)),
        };
        let r = Recipients {
            plain: strings(&["carol@c.test"]),
            ..Recipients::default()
        };
        let d = Decision {
            sign: true,
            encrypt: true,
        };
        let p = Protected {
            cipher: Some("AES-256-GCM".into()),
            ..Protected::default()
        };
        let res = record(d, r, p, done).expect("a result");
        assert!(!res.delivered && res.signed && res.encrypted);
        assert_eq!((res.entry.id, res.bcc_copies.len()), (1, 1));
        assert_eq!(res.unencrypted_copy.map(|e| e.id), Some(3));
        assert_eq!(res.unencrypted_to, strings(&["carol@c.test"]));
        let nothing = Delivered {
            delivered: true,
            entries: Vec::new(),
            plain_entry: None,
        };
        assert!(record(d, Recipients::default(), Protected::default(), nothing).is_err());
    }
}
