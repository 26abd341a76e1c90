//! Mail accounts: adding, editing, testing and removing them (the password lives in the keystore,
//! never in the database), their folders, and flags, moves and deletions on the server.

use super::*;

impl Home {
    pub(crate) fn account_row(&self, name: &str) -> Result<AccountRow, ApiError> {
        self.store
            .account(name)?
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no account named {name:?}")))
    }

    pub(crate) fn account_login(
        &self,
        a: &AccountRow,
        passphrase: PassphraseSource,
    ) -> Result<Login, ApiError> {
        let ks = self.keystore(passphrase)?;
        let secret = ks
            .get(&format!("{SECRET_PREFIX}{}", a.name))?
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NotFound,
                    format!(
                        "no password is stored for the account {:?}; add the account again",
                        a.name
                    ),
                )
            })?;
        let password =
            Zeroizing::new(String::from_utf8(secret.to_vec()).map_err(|_| {
                ApiError::new(ErrorCode::Storage, "the stored password is damaged")
            })?);
        Ok(Login {
            user: a.username.clone(),
            password,
        })
    }

    /// Adds a mail account; its password goes to the keystore, never to the database.
    pub fn add_account(
        &self,
        new: &NewAccount,
        password: &str,
        passphrase: PassphraseSource,
    ) -> Result<AccountDto, ApiError> {
        let row = account_row_from(new, password)?;
        if self.store.account(&row.name)?.is_some() {
            return Err(bad(format!("an account named {:?} exists", row.name)));
        }
        // Keystore first: an account without its password would be useless.
        let ks = self.keystore(passphrase)?;
        ks.set(&format!("{SECRET_PREFIX}{}", row.name), password.as_bytes())?;
        if !self.store.add_account(&row)? {
            return Err(bad(format!("an account named {:?} exists", row.name)));
        }
        Ok(account_dto(&row))
    }

    pub fn accounts(&self) -> Result<Vec<AccountDto>, ApiError> {
        Ok(self.store.accounts()?.iter().map(account_dto).collect())
    }

    /// The stored account and its settings after `change`, checked.
    pub(crate) fn changed_row(
        &self,
        change: &AccountChange,
    ) -> Result<(AccountRow, AccountRow), ApiError> {
        let old = self.account_row(&change.settings.name)?;
        let mut row = settings_row(&change.settings)?;
        if change.settings.ca_file.is_none() && change.keep_private_ca {
            row.ca_pem = old.ca_pem.clone();
        }
        Ok((old, row))
    }

    /// Changes an account's settings, and its password when `password` is given and not empty.
    /// When the IMAP server or login changes, the cached mail of the account is dropped (it
    /// belongs to the other mailbox) and the next sync fetches the new one; queued outbox
    /// entries stay and go out through the new SMTP settings.
    pub fn update_account(
        &self,
        change: &AccountChange,
        password: Option<&str>,
        passphrase: PassphraseSource,
    ) -> Result<AccountDto, ApiError> {
        let (old, row) = self.changed_row(change)?;
        if let Some(pw) = password.filter(|p| !p.is_empty()) {
            let ks = self.keystore(passphrase)?;
            ks.set(&format!("{SECRET_PREFIX}{}", row.name), pw.as_bytes())?;
        }
        let other_mailbox = !old.imap_host.eq_ignore_ascii_case(&row.imap_host)
            || old.imap_port != row.imap_port
            || old.username != row.username;
        if !self.store.update_account(&row, other_mailbox)? {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                format!("no account named {:?}", row.name),
            ));
        }
        Ok(account_dto(&row))
    }

    /// Checks changed settings before they are saved, with `password` or else the stored one.
    pub fn test_change(
        &self,
        change: &AccountChange,
        password: Option<&str>,
        passphrase: PassphraseSource,
    ) -> Result<ConnectionCheck, ApiError> {
        let (old, row) = self.changed_row(change)?;
        let login = match password.filter(|p| !p.is_empty()) {
            Some(pw) => Login {
                user: row.username.clone(),
                password: Zeroizing::new(pw.to_string()),
            },
            None => Login {
                user: row.username.clone(),
                password: self.account_login(&old, passphrase)?.password,
            },
        };
        check_servers(row, &login)
    }

    /// Removes an account, its password, outbox entries and cached mail.
    pub fn remove_account(
        &self,
        name: &str,
        passphrase: PassphraseSource,
    ) -> Result<AccountDto, ApiError> {
        let a = self.account_row(name)?;
        let ks = self.keystore(passphrase)?;
        ks.delete(&format!("{SECRET_PREFIX}{name}"))?;
        self.store.remove_account(name)?;
        Ok(account_dto(&a))
    }

    /// Connects to both servers and logs in, naming the stage that failed for each.
    pub fn test_account(
        &self,
        name: &str,
        passphrase: PassphraseSource,
    ) -> Result<ConnectionCheck, ApiError> {
        let a = self.account_row(name)?;
        let login = self.account_login(&a, passphrase)?;
        check_servers(a, &login)
    }

    /// Checks settings before they are saved: connects to both servers and logs in with
    /// `password`, naming the stage that failed for each. Nothing is stored.
    pub fn test_settings(
        &self,
        new: &NewAccount,
        password: &str,
    ) -> Result<ConnectionCheck, ApiError> {
        let a = account_row_from(new, password)?;
        let login = Login {
            user: a.username.clone(),
            password: Zeroizing::new(password.to_string()),
        };
        check_servers(a, &login)
    }

    /// The folders of an account, INBOX first, then the special-use ones, then by name.
    pub fn folders(
        &self,
        account: &str,
        passphrase: PassphraseSource,
    ) -> Result<Vec<FolderDto>, ApiError> {
        let a = self.account_row(account)?;
        let login = self.account_login(&a, passphrase)?;
        let ep = endpoint(&a, true);
        let folders = block_on(async {
            let mut imap = Imap::login(&ep, &login).await?;
            let f = imap.folders().await?;
            imap.logout().await;
            Ok::<_, MailError>(f)
        })?
        .map_err(mail_error)?;
        let mut out: Vec<FolderDto> = folders
            .into_iter()
            .map(|f| FolderDto {
                name: f.name,
                delimiter: f.delimiter,
                special: f.special,
                selectable: f.selectable,
            })
            .collect();
        let rank = |f: &FolderDto| match f.special {
            Some(SpecialUse::Inbox) => 0,
            Some(SpecialUse::Drafts) => 1,
            Some(SpecialUse::Sent) => 2,
            Some(SpecialUse::Archive) => 3,
            Some(SpecialUse::Junk) => 4,
            Some(SpecialUse::Trash) => 5,
            None => 6,
        };
        out.sort_by(|x, y| rank(x).cmp(&rank(y)).then_with(|| x.name.cmp(&y.name)));
        Ok(out)
    }

    /// Sets or clears `\Seen` or `\Flagged` on one message, on the server and in the cache.
    /// Returns the message's flags afterwards.
    pub fn set_flag(
        &self,
        account: &str,
        folder: &str,
        uid: u32,
        flag: MessageFlag,
        on: bool,
        passphrase: PassphraseSource,
    ) -> Result<Vec<String>, ApiError> {
        let a = self.account_row(account)?;
        let login = self.account_login(&a, passphrase)?;
        let ep = endpoint(&a, true);
        let name = flag.imap_name();
        block_on(async {
            let mut imap = Imap::login(&ep, &login).await?;
            imap.select(folder).await?;
            imap.set_flag(uid, name, on).await?;
            imap.logout().await;
            Ok::<_, MailError>(())
        })?
        .map_err(mail_error)?;
        let mut flags = self
            .store
            .message_flags(&a.name, folder, uid)?
            .unwrap_or_default();
        flags.retain(|f| !f.eq_ignore_ascii_case(name));
        if on {
            flags.push(name.to_string());
        }
        self.store.set_message_flags(&a.name, folder, uid, &flags)?;
        Ok(flags)
    }

    /// Moves one message to another folder of the same account (it arrives there with a new
    /// UID at the next sync of that folder).
    pub fn move_message(
        &self,
        account: &str,
        folder: &str,
        uid: u32,
        dest: &str,
        passphrase: PassphraseSource,
    ) -> Result<(), ApiError> {
        if dest == folder {
            return Err(bad("the message is already in that folder"));
        }
        let a = self.account_row(account)?;
        let login = self.account_login(&a, passphrase)?;
        let ep = endpoint(&a, true);
        block_on(async {
            let mut imap = Imap::login(&ep, &login).await?;
            imap.select(folder).await?;
            imap.move_to(uid, dest).await?;
            imap.logout().await;
            Ok::<_, MailError>(())
        })?
        .map_err(mail_error)?;
        self.store.remove_message(&a.name, folder, uid)?;
        Ok(())
    }

    /// Deletes one message: moved to the Trash folder (RFC 6154 \Trash) when the account
    /// has one and the message is elsewhere, else removed for good (UID EXPUNGE). Returns
    /// the Trash folder it went to, if any.
    pub fn delete_message(
        &self,
        account: &str,
        folder: &str,
        uid: u32,
        passphrase: PassphraseSource,
    ) -> Result<Option<String>, ApiError> {
        let a = self.account_row(account)?;
        let login = self.account_login(&a, passphrase)?;
        let ep = endpoint(&a, true);
        let trash = block_on(async {
            let mut imap = Imap::login(&ep, &login).await?;
            let trash = imap
                .folders()
                .await?
                .into_iter()
                .find(|f| f.special == Some(SpecialUse::Trash) && f.name != folder)
                .map(|f| f.name);
            imap.select(folder).await?;
            match &trash {
                Some(t) => imap.move_to(uid, t).await?,
                None => imap.expunge(uid).await?,
            }
            imap.logout().await;
            Ok::<_, MailError>(trash)
        })?
        .map_err(mail_error)?;
        self.store.remove_message(&a.name, folder, uid)?;
        Ok(trash)
    }
}

pub(super) fn connection_check(
    account: String,
    imap_ep: &Endpoint,
    imap: Result<(), MailError>,
    smtp_ep: &Endpoint,
    smtp: Result<(), MailError>,
) -> ConnectionCheck {
    let check = |ep: &Endpoint, r: Result<(), MailError>| match r {
        Ok(()) => ServerCheck {
            server: ep.label(),
            ok: true,
            failed_at: None,
            message: None,
        },
        Err(e) => ServerCheck {
            server: ep.label(),
            ok: false,
            failed_at: Some(e.kind()),
            message: Some(e.to_string()),
        },
    };
    let imap = check(imap_ep, imap);
    let smtp = check(smtp_ep, smtp);
    ConnectionCheck {
        account,
        ok: imap.ok && smtp.ok,
        imap,
        smtp,
    }
}
