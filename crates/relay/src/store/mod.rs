//! Where bundles wait: the [`Store`] trait and its two backends, SQLite and PostgreSQL.
//!
//! Every mailbox operation is one transaction that first records the request's nonce (a nonce
//! seen before refuses the request as replayed) and then does the operation. Any refusal rolls
//! the whole transaction back, so a refused request stores nothing, not even its nonce.

use std::future::Future;
use std::path::PathBuf;

use amends_relay_proto::{KeyHash, NONCE_LEN};

mod postgres;
mod sqlite;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use crate::config::Config;

/// Who is asking, and the nonce that makes this request unique.
#[derive(Debug, Clone, Copy)]
pub struct Auth {
    pub key: KeyHash,
    pub nonce: [u8; NONCE_LEN],
    /// Until when (Unix ms) the nonce must be remembered: past it, the request's time is outside
    /// the window anyway.
    pub nonce_until_ms: i64,
    /// The relay's clock for this request (Unix ms).
    pub now_ms: i64,
}

/// A bundle to store.
#[derive(Debug, Clone)]
pub struct NewBundle {
    pub id: String,
    pub recipient: KeyHash,
    pub bytes: axum::body::Bytes,
    pub expires_ms: i64,
}

/// A bundle waiting in a mailbox.
#[derive(Debug, Clone)]
pub struct StoredBundle {
    pub id: String,
    pub sender: KeyHash,
    pub size: u64,
    pub received_ms: i64,
    pub bytes: Vec<u8>,
}

/// What one fetch returns: pending bundles, oldest first, and whether more are waiting.
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    pub bundles: Vec<StoredBundle>,
    pub more: bool,
}

/// What a sweep deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub expired_bundles: u64,
    pub old_nonces: u64,
}

/// Rows in each table: for the tests and for the pending gauges.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub bundles: u64,
    pub nonces: u64,
    pub blocks: u64,
    /// Bytes waiting in all mailboxes together.
    pub pending_bytes: u64,
}

/// Why a store operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("this request was already received")]
    Replayed,
    #[error("the recipient blocked this sender")]
    Blocked,
    #[error("the mailbox is full")]
    MailboxFull,
    /// The database failed; the text names what failed, never any data.
    #[error("the database did not answer: {0}")]
    Unavailable(String),
    /// The database is of a newer schema than this relay knows.
    #[error(
        "the database was made by a newer version of the relay (schema {found}, this one knows up to {known}); run the newer version, or restore a backup"
    )]
    TooNew { found: i64, known: i64 },
}

/// The operations of the relay on its database. Each mailbox operation is one transaction.
pub trait Store: Send + Sync + 'static {
    /// Stores a bundle for `bundle.recipient` from `auth.key`, unless the nonce was seen, the
    /// recipient blocked the sender, or the mailbox would exceed `max_mailbox_bytes`.
    fn post(
        &self,
        auth: Auth,
        bundle: NewBundle,
        max_mailbox_bytes: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The requester's pending (unexpired) bundles, oldest first: at most `limit`, and no more
    /// bytes than `budget` unless a single bundle is larger (one is always returned).
    fn fetch(
        &self,
        auth: Auth,
        limit: u32,
        budget: u64,
    ) -> impl Future<Output = Result<Fetched, StoreError>> + Send;

    /// Deletes these bundles from the requester's own mailbox; returns how many were deleted.
    fn ack(
        &self,
        auth: Auth,
        ids: Vec<String>,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// The senders the requester has blocked.
    fn blocks(&self, auth: Auth) -> impl Future<Output = Result<Vec<KeyHash>, StoreError>> + Send;

    /// Blocks (`true`) or unblocks (`false`) a sender for the requester's mailbox.
    fn set_block(
        &self,
        auth: Auth,
        sender: KeyHash,
        blocked: bool,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Whether the database answers.
    fn ping(&self) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Deletes bundles expired at `now_ms` and nonces no longer needed.
    fn sweep(&self, now_ms: i64) -> impl Future<Output = Result<Swept, StoreError>> + Send;

    /// Rows in each table.
    fn counts(&self) -> impl Future<Output = Result<Counts, StoreError>> + Send;

    /// Bytes waiting in all mailboxes together (from the per-mailbox totals: no table scan).
    fn pending_bytes(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

/// The backend chosen by the database address's scheme.
#[derive(Clone)]
pub enum AnyStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

/// The file of a `sqlite://PATH` (or `sqlite:PATH`) address, `None` for other schemes.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    Some(PathBuf::from(rest))
}

impl AnyStore {
    /// Connects to (or creates) the database and migrates its schema.
    pub async fn open(config: &Config) -> Result<AnyStore, StoreError> {
        match sqlite_path(&config.database) {
            Some(path) => Ok(AnyStore::Sqlite(SqliteStore::open(&path, config).await?)),
            None => Ok(AnyStore::Postgres(
                PostgresStore::open(&config.database, config).await?,
            )),
        }
    }

    /// The backend's name, for the logs.
    pub fn kind(&self) -> &'static str {
        match self {
            AnyStore::Sqlite(_) => "sqlite",
            AnyStore::Postgres(_) => "postgres",
        }
    }

    /// Where the data is, without any password, for the logs.
    pub fn describe(&self) -> String {
        match self {
            AnyStore::Sqlite(s) => s.describe(),
            AnyStore::Postgres(p) => p.describe(),
        }
    }

    /// Closes the database connections.
    pub fn close(&self) {
        match self {
            AnyStore::Sqlite(s) => s.close(),
            AnyStore::Postgres(p) => p.close(),
        }
    }
}

macro_rules! dispatch {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            AnyStore::Sqlite($s) => $call.await,
            AnyStore::Postgres($s) => $call.await,
        }
    };
}

impl Store for AnyStore {
    async fn post(
        &self,
        auth: Auth,
        bundle: NewBundle,
        max_mailbox_bytes: u64,
    ) -> Result<(), StoreError> {
        dispatch!(self, s => s.post(auth, bundle, max_mailbox_bytes))
    }
    async fn fetch(&self, auth: Auth, limit: u32, budget: u64) -> Result<Fetched, StoreError> {
        dispatch!(self, s => s.fetch(auth, limit, budget))
    }
    async fn ack(&self, auth: Auth, ids: Vec<String>) -> Result<u64, StoreError> {
        dispatch!(self, s => s.ack(auth, ids))
    }
    async fn blocks(&self, auth: Auth) -> Result<Vec<KeyHash>, StoreError> {
        dispatch!(self, s => s.blocks(auth))
    }
    async fn set_block(
        &self,
        auth: Auth,
        sender: KeyHash,
        blocked: bool,
    ) -> Result<(), StoreError> {
        dispatch!(self, s => s.set_block(auth, sender, blocked))
    }
    async fn ping(&self) -> Result<(), StoreError> {
        dispatch!(self, s => s.ping())
    }
    async fn sweep(&self, now_ms: i64) -> Result<Swept, StoreError> {
        dispatch!(self, s => s.sweep(now_ms))
    }
    async fn counts(&self) -> Result<Counts, StoreError> {
        dispatch!(self, s => s.counts())
    }
    async fn pending_bytes(&self) -> Result<u64, StoreError> {
        dispatch!(self, s => s.pending_bytes())
    }
}

/// How many expired bundles one sweep transaction deletes at most.
pub(crate) const SWEEP_BATCH: i64 = 1_000;

/// Picks the bundles of one fetch from candidate rows (oldest first, `limit + 1` at most): as
/// many as fit the budget, at least one, at most `limit`. Returns how many, and whether more wait.
pub(crate) fn within_budget(sizes: &[u64], limit: usize, budget: u64) -> (usize, bool) {
    let mut total = 0u64;
    let mut taken = 0;
    for &size in sizes.iter().take(limit) {
        if taken > 0 && total.saturating_add(size) > budget {
            break;
        }
        total = total.saturating_add(size);
        taken += 1;
    }
    (taken, sizes.len() > taken)
}

#[cfg(test)]
mod tests {
    use super::within_budget;

    #[test]
    fn a_fetch_takes_what_fits_and_always_one() {
        assert_eq!(within_budget(&[], 10, 100), (0, false));
        assert_eq!(within_budget(&[500], 10, 100), (1, false));
        assert_eq!(within_budget(&[500, 1], 10, 100), (1, true));
        assert_eq!(within_budget(&[40, 40, 40], 10, 100), (2, true));
        assert_eq!(within_budget(&[40, 60], 10, 100), (2, false));
        assert_eq!(within_budget(&[1, 1, 1], 2, 100), (2, true));
    }
}
