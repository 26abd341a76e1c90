//! Watching mailboxes for new mail (RFC 2177 IDLE), for the app and `sealpost mail watch`
//! alike: each round syncs first (so mail that came while no IDLE ran is not missed), reports
//! what changed, then waits with IDLE until the server reports news or the slice ends.
//!
//! The watcher holds no lock while it waits: the caller's [`WatchHost`] takes whatever lock it
//! needs for a sync or to read the login, and nothing else. Accounts added later are picked
//! up; removed ones stop being watched.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;

/// The folder watched for new mail.
pub const WATCHED: &str = "INBOX";

/// How a watcher paces itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// How often the set of accounts is looked at for new ones.
    pub accounts_every: Duration,
    /// Pause after a failed round (server away, keystore locked, no IDLE).
    pub retry: Duration,
    /// One IDLE wait at most this long (well inside RFC 2177's 29 minutes): then the watcher
    /// syncs and waits again with the account's current settings, so an edited account is
    /// watched on its new server within minutes, and idle connections do not outlive NAT
    /// timeouts.
    pub slice: Duration,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            accounts_every: Duration::from_secs(20),
            retry: Duration::from_secs(60),
            slice: Duration::from_secs(5 * 60),
        }
    }
}

/// What a watcher needs from the front end that runs it.
pub trait WatchHost: Send + Sync {
    /// The names of the accounts now.
    fn accounts(&self) -> Result<Vec<String>, ApiError>;
    /// Syncs `folder` of `account` into the cache.
    fn sync(&self, account: &str, folder: &str) -> Result<SyncResult, ApiError>;
    /// The server and login to wait on (read under the caller's lock, used without it).
    fn idle_target(&self, account: &str) -> Result<IdleTarget, ApiError>;
    /// Something changed in a watched folder.
    fn changed(&self, news: MailChanged);
    /// A round failed while `doing` (syncing, watching); the watcher pauses and tries again.
    fn trouble(&self, account: &str, doing: &str, e: &ApiError);
    /// `false` ends every watcher at its next round.
    fn running(&self) -> bool {
        true
    }
}

/// One round's news: `Some` when the sync found new, removed or re-flagged messages.
pub fn news(account: &str, folder: &str, r: &SyncResult) -> Option<MailChanged> {
    (r.new > 0 || r.removed > 0 || r.flags_updated > 0).then(|| MailChanged {
        account: account.to_string(),
        folder: folder.to_string(),
        new: r.new,
        total: r.total,
    })
}

/// Watches one account's inbox until the account is gone or the host stops.
pub fn watch_account(host: &dyn WatchHost, account: &str, s: &Schedule) {
    while host.running() {
        match host.accounts() {
            Ok(list) if !list.iter().any(|a| a == account) => return,
            _ => {}
        }
        match host.sync(account, WATCHED) {
            Ok(r) => {
                if let Some(n) = news(account, WATCHED, &r) {
                    host.changed(n);
                }
            }
            Err(e) => {
                host.trouble(account, "syncing", &e);
                std::thread::sleep(s.retry);
                continue;
            }
        }
        let slice = s.slice.min(crate::mail::imap::IDLE_MAX);
        let waited = host
            .idle_target(account)
            .and_then(|t| t.wait_for_change(WATCHED, slice));
        if let Err(e) = waited {
            host.trouble(account, "watching for new mail", &e);
            std::thread::sleep(s.retry);
        }
    }
}

/// Watches every account (those named in `only`, when it is not empty) in threads of its own,
/// looking for new accounts every [`Schedule::accounts_every`]; returns when the host stops.
pub fn watch_accounts(host: Arc<dyn WatchHost>, only: &[String], s: Schedule) {
    let watched: Arc<Mutex<HashSet<String>>> = Arc::default();
    while host.running() {
        let names = host.accounts().unwrap_or_default();
        let wanted = names
            .into_iter()
            .filter(|n| only.is_empty() || only.contains(n));
        for name in wanted {
            let fresh = lock(&watched).insert(name.clone());
            if fresh {
                let (host, watched) = (Arc::clone(&host), Arc::clone(&watched));
                std::thread::spawn(move || {
                    watch_account(host.as_ref(), &name, &s);
                    lock(&watched).remove(&name);
                });
            }
        }
        std::thread::sleep(s.accounts_every);
    }
}

/// A lock whose earlier holder panicked still guards a consistent set of names.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A host whose syncs follow a script; it stops after the script ends.
    struct Scripted {
        syncs: Mutex<Vec<Result<SyncResult, ApiError>>>,
        news: Mutex<Vec<MailChanged>>,
        troubles: AtomicU32,
        accounts: Mutex<Vec<String>>,
    }

    impl WatchHost for Scripted {
        fn accounts(&self) -> Result<Vec<String>, ApiError> {
            Ok(lock(&self.accounts).clone())
        }
        fn sync(&self, _: &str, _: &str) -> Result<SyncResult, ApiError> {
            let mut s = lock(&self.syncs);
            if s.len() == 1 {
                lock(&self.accounts).clear(); // the last round: the account goes away
            }
            s.remove(0)
        }
        fn idle_target(&self, _: &str) -> Result<IdleTarget, ApiError> {
            Err(ApiError::new(ErrorCode::Network, "no server in this test"))
        }
        fn changed(&self, news: MailChanged) {
            lock(&self.news).push(news);
        }
        fn trouble(&self, _: &str, _: &str, _: &ApiError) {
            self.troubles.fetch_add(1, Ordering::SeqCst);
        }
        fn running(&self) -> bool {
            !lock(&self.syncs).is_empty()
        }
    }

    fn synced(new: u32, removed: u32) -> SyncResult {
        SyncResult {
            account: "a".into(),
            folder: WATCHED.into(),
            new,
            removed,
            total: 10,
            ..SyncResult::default()
        }
    }

    #[test]
    fn only_rounds_that_change_something_are_news() {
        assert!(news("a", WATCHED, &synced(0, 0)).is_none());
        let n = news("a", WATCHED, &synced(2, 0)).expect("news");
        assert_eq!((n.account.as_str(), n.new, n.total), ("a", 2, 10));
        assert!(news("a", WATCHED, &synced(0, 1)).is_some());
    }

    #[test]
    fn a_watcher_reports_changes_retries_failures_and_ends_with_its_account() {
        let host = Scripted {
            syncs: Mutex::new(vec![
                Ok(synced(1, 0)),
                Err(ApiError::new(ErrorCode::Network, "away")),
                Ok(synced(0, 0)),
                Ok(synced(0, 2)),
            ]),
            news: Mutex::default(),
            troubles: AtomicU32::new(0),
            accounts: Mutex::new(vec!["a".into()]),
        };
        let fast = Schedule {
            accounts_every: Duration::from_millis(1),
            retry: Duration::from_millis(1),
            slice: Duration::from_millis(1),
        };
        watch_account(&host, "a", &fast);
        let news = lock(&host.news);
        assert_eq!(
            news.len(),
            2,
            "the first and the last round changed something"
        );
        assert_eq!((news[0].new, news[1].new), (1, 0));
        // One failed sync, and every wait failed (no IDLE server here) but the failed round.
        assert_eq!(host.troubles.load(Ordering::SeqCst), 4);
    }
}
