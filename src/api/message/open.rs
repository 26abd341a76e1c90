//! Opening a message (a file or a cached mail): every layer unwrapped, every signature checked
//! against the From that will be shown, certificates harvested only from valid signatures over
//! the content. No network: nothing here reaches `crate::net`.

use crate::api::json::{LayerReport, Report, SignatureStatus};
use crate::api::{ApiError, Home, PassphraseSource};
use crate::cms::envelope::KeyHolder;
use crate::pki::cert::Cert;
use crate::smime::{self};
use crate::store::{CertKind, StoredCert};

impl Home {
    /// Unwraps, decrypts and verifies a message. Keys are unlocked only when the message is
    /// encrypted. Certificates and capabilities are harvested from valid signatures only.
    /// A message that is neither signed nor encrypted is an error here (`verify`, `decrypt`).
    pub fn open_message(
        &self,
        msg: Vec<u8>,
        passphrase: PassphraseSource,
    ) -> Result<(Report, Vec<u8>), ApiError> {
        self.open_message_inner(msg, passphrase, false)
    }

    /// [`Home::open_message`] for reading: a plain message is shown as it is, with a report
    /// that says it is neither signed nor encrypted.
    pub fn view_message(
        &self,
        msg: Vec<u8>,
        passphrase: PassphraseSource,
    ) -> Result<(Report, Vec<u8>), ApiError> {
        self.open_message_inner(msg, passphrase, true)
    }

    pub(crate) fn open_message_inner(
        &self,
        msg: Vec<u8>,
        passphrase: PassphraseSource,
        allow_plain: bool,
    ) -> Result<(Report, Vec<u8>), ApiError> {
        let all = self.store.all()?;
        let pool: Vec<Cert> = all.iter().map(|s| s.cert.clone()).collect();
        let anchors = self.store.anchors()?;
        let msg = smime::frame_bare_cms(msg);
        if allow_plain && !smime::is_smime(&msg) {
            return Ok((Report::unprotected(), msg));
        }
        let needs_keys = msg_is_encrypted(&msg);
        let owned_keys = if needs_keys {
            let ids: Vec<&StoredCert> = all
                .iter()
                .filter(|s| s.kind == CertKind::Identity)
                .collect();
            self.identity_keys(&ids, passphrase)?
        } else {
            Vec::new()
        };
        let holders: Vec<KeyHolder> = owned_keys
            .iter()
            .map(|(c, k)| KeyHolder { cert: c, key: k })
            .collect();
        // By value: the message is not held twice while its layers are unwrapped.
        let opened = smime::open_owned(msg, &holders, &pool)?;
        let at = self.now();
        let mut report = super::report::build(&opened, &anchors, &pool, at);
        // Revocation from the cache only: no network while a message is opened.
        self.apply_revocations(&mut report, &opened, &anchors, &pool, at)?;
        self.harvest(&mut report, &opened)?;
        Ok((report, opened.message))
    }

    /// Harvest (RFC 8551 §2.5.2): the certificate and capabilities of each signature whose
    /// report is `valid` (over the content, path trusted, not revoked, its address the From
    /// shown), for that From address only. A signature over encrypted data is never one.
    pub(crate) fn harvest(
        &self,
        report: &mut Report,
        opened: &smime::Opened,
    ) -> Result<(), ApiError> {
        let Some(from) = report.from.clone() else {
            return Ok(());
        };
        let mut kept = Vec::new();
        for (layer, opened_layer) in report.layers.iter().zip(&opened.layers) {
            let (LayerReport::Signed { signatures, .. }, smime::Layer::Signed { verified, .. }) =
                (layer, opened_layer)
            else {
                continue;
            };
            for (rep, s) in signatures.iter().zip(&verified.signers) {
                if let (true, Some(cert)) = (rep.status == SignatureStatus::Valid, &s.cert) {
                    kept.push((cert, &s.capabilities, s.signing_time));
                }
            }
        }
        let at = self.now();
        for (cert, capabilities, signed_at) in kept {
            if !cert.has_email(&from) {
                continue;
            }
            // Compared with the accepted certificate before this one is kept.
            if let Some(change) = self.cert_change(&from, cert)?
                && !report.cert_changes.contains(&change)
            {
                report.cert_changes.push(change);
            }
            self.store.put_cert(cert, CertKind::Person)?;
            // A signing time in the future counts as now (it cannot pin newer ones out).
            let signed_at = signed_at.unwrap_or(at).min(at);
            if !capabilities.is_empty() {
                self.store
                    .set_capabilities(&from, capabilities, signed_at)?;
            }
        }
        Ok(())
    }
}

/// Cheap look at the top-level Content-Type: do we need private keys?
fn msg_is_encrypted(msg: &[u8]) -> bool {
    let head_end = msg
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .or_else(|| msg.windows(2).position(|w| w == b"\n\n"))
        .unwrap_or(msg.len().min(64 * 1024));
    let head = String::from_utf8_lossy(&msg[..head_end]).to_ascii_lowercase();
    if head.contains("pkcs7-mime") || head.contains(".p7m") {
        return true;
    }
    // A signature around an encrypted entity (triple wrap, or someone else's ciphertext
    // signed again): the signed part's own header says so, near the top.
    head.contains("multipart/signed") && {
        let near = &msg[..msg.len().min(64 * 1024)];
        String::from_utf8_lossy(near)
            .to_ascii_lowercase()
            .contains("pkcs7-mime")
    }
}
