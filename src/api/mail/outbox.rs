//! The outbox: every message is queued before it is sent, and waits there when SMTP fails;
//! delivery, the Sent copy, and retrying.

use super::*;

impl Home {
    pub(crate) fn outbox_dto(&self, id: i64) -> Result<OutboxEntry, ApiError> {
        self.store
            .outbox_entry(id)?
            .map(entry_dto)
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no outbox entry {id}")))
    }

    /// Claims, sends, records; then appends to Sent. Returns whether SMTP accepted it now.
    pub(crate) fn deliver(
        &self,
        a: &AccountRow,
        login: &Login,
        id: i64,
        force: bool,
    ) -> Result<(bool, OutboxEntry), ApiError> {
        if !self.store.outbox_claim(id, force)? {
            return Ok((false, self.outbox_dto(id)?));
        }
        let entry = self
            .store
            .outbox_entry(id)?
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no outbox entry {id}")))?;
        let raw = self.store.outbox_raw(id)?.unwrap_or_default();
        let ep = endpoint(a, false);
        let result = block_on(async {
            let mut s = Smtp::login(&ep, login).await?;
            s.send(&entry.mail_from, &entry.recipients, &raw).await?;
            s.quit().await;
            Ok::<(), MailError>(())
        })?;
        match result {
            Ok(()) => self.store.outbox_set_state(id, OutboxState::Sent, None)?,
            Err(e) => {
                self.store
                    .outbox_set_state(id, OutboxState::Failed, Some(&stored_error(&e)))?;
                return Ok((false, self.outbox_dto(id)?));
            }
        }
        if !entry.appended {
            let copy = self.store.outbox_sent_copy(id)?.unwrap_or(raw);
            self.append_sent(a, login, id, &copy)?;
        }
        Ok((true, self.outbox_dto(id)?))
    }

    pub(crate) fn append_sent(
        &self,
        a: &AccountRow,
        login: &Login,
        id: i64,
        raw: &[u8],
    ) -> Result<(), ApiError> {
        let ep = endpoint(a, true);
        let r = block_on(async {
            let mut imap = Imap::login(&ep, login).await?;
            let folder = imap.sent_folder().await?;
            imap.append(&folder, raw).await?;
            imap.logout().await;
            Ok::<(), MailError>(())
        })?;
        match r {
            Ok(()) => self.store.outbox_set_appended(id, None)?,
            Err(e) => self
                .store
                .outbox_set_appended(id, Some(&stored_error(&e)))?,
        }
        Ok(())
    }

    pub fn outbox(&self) -> Result<Vec<OutboxEntry>, ApiError> {
        Ok(self.store.outbox()?.into_iter().map(entry_dto).collect())
    }

    /// Sends every queued or failed entry again and appends sent ones missing from Sent.
    /// Entries left `sending` by an interrupted run are uncertain (the server may have
    /// accepted them): they are skipped unless `force`.
    pub fn retry_outbox(
        &self,
        force: bool,
        passphrase: PassphraseSource,
    ) -> Result<Vec<RetryOutcome>, ApiError> {
        let mut out = Vec::new();
        for e in self.store.outbox()? {
            out.push(self.retry_row(e, force, passphrase)?);
        }
        Ok(out)
    }

    /// [`Home::retry_outbox`] for one entry.
    pub fn retry_outbox_entry(
        &self,
        id: i64,
        force: bool,
        passphrase: PassphraseSource,
    ) -> Result<RetryOutcome, ApiError> {
        let e = self
            .store
            .outbox_entry(id)?
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no outbox entry {id}")))?;
        self.retry_row(e, force, passphrase)
    }

    pub(crate) fn retry_row(
        &self,
        e: OutboxRow,
        force: bool,
        passphrase: PassphraseSource,
    ) -> Result<RetryOutcome, ApiError> {
        let sendable = matches!(e.state, OutboxState::Queued | OutboxState::Failed)
            || (force && e.state == OutboxState::Sending);
        let needs_append = e.state == OutboxState::Sent && !e.appended;
        if !sendable && !needs_append {
            let action = if e.state == OutboxState::Sending {
                "skipped-uncertain"
            } else {
                "nothing-to-do"
            };
            return Ok(RetryOutcome {
                action: action.into(),
                entry: entry_dto(e),
            });
        }
        let a = self.account_row(&e.account)?;
        let login = self.account_login(&a, passphrase)?;
        let action = if sendable {
            let (delivered, _) = self.deliver(&a, &login, e.id, force)?;
            if delivered { "sent" } else { "failed" }
        } else {
            let copy = self.store.outbox_sent_copy(e.id)?.unwrap_or_default();
            self.append_sent(&a, &login, e.id, &copy)?;
            "appended"
        };
        Ok(RetryOutcome {
            action: action.into(),
            entry: self.outbox_dto(e.id)?,
        })
    }
}
