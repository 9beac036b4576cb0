//! The embedded backend: one SQLite file, written by one connection on its own thread.
//!
//! SQLite lets one writer in at a time, and every request writes (its nonce), so one connection
//! that takes requests in turn is as fast as SQLite goes and never waits on its own lock. The
//! async threads only pass it closures and wait for the answer. WAL with `synchronous=NORMAL`:
//! a committed request survives the relay process being killed (the OS still has the pages);
//! a power cut may lose the last few commits.
//!
//! The file and its `-wal` and `-shm` companions are the owner's alone (0600: they show who
//! writes to whom, and when), and closing checkpoints the WAL into the file and waits for the
//! connection to close, so a clean stop leaves one file behind.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use amends_relay_proto::KeyHash;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use tokio::sync::oneshot;

use super::{
    Auth, Counts, Fetched, NewBundle, SWEEP_BATCH, Store, StoreError, StoredBundle, Swept,
};
use crate::config::Config;

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// The SQLite backend. Cloning shares the one connection.
#[derive(Clone)]
pub struct SqliteStore {
    jobs: Arc<Mutex<Option<mpsc::Sender<Job>>>>,
    /// The connection's thread, joined on close.
    thread: Arc<Mutex<Option<std::thread::JoinHandle<()>>>>,
    path: PathBuf,
}

/// Makes the database file (and the folders above it) the owner's alone before SQLite opens
/// it: SQLite gives the `-wal` and `-shm` files it creates the file's own permissions. A file
/// left readable by others (by an earlier version) is made owner-only, its companions too.
fn owner_only(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
        let failed = |what: &str, p: &Path, e: std::io::Error| {
            StoreError::Unavailable(format!("{what} {} failed: {}", p.display(), e.kind()))
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| failed("making the folder", dir, e))?;
        }
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| failed("opening the SQLite file", path, e))?;
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            let file = PathBuf::from(name);
            if let Ok(meta) = std::fs::metadata(&file)
                && meta.permissions().mode() & 0o077 != 0
            {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                    .map_err(|e| failed("making owner-only", &file, e))?;
                tracing::info!(
                    "the relay's SQLite files were readable by others; they are now the owner's only"
                );
            }
        }
    }
    #[cfg(not(unix))]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Unavailable(format!(
                "the folder {} could not be made: {}",
                dir.display(),
                e.kind()
            ))
        })?;
    }
    Ok(())
}

/// The schema, one entry per version (`PRAGMA user_version`). Only ever append.
const MIGRATIONS: &[&str] = &[
    // 1: bundles, the byte count of each mailbox, nonces seen, blocks.
    "CREATE TABLE relay_bundles (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        mailbox BLOB NOT NULL,
        sender BLOB NOT NULL,
        size INTEGER NOT NULL,
        received INTEGER NOT NULL,
        expires INTEGER NOT NULL,
        bytes BLOB NOT NULL
    );
    CREATE INDEX relay_bundles_mailbox ON relay_bundles (mailbox, received, seq);
    CREATE INDEX relay_bundles_expires ON relay_bundles (expires);
    CREATE TABLE relay_mailboxes (
        mailbox BLOB PRIMARY KEY,
        bytes INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE relay_nonces (
        key BLOB NOT NULL,
        nonce BLOB NOT NULL,
        until INTEGER NOT NULL,
        PRIMARY KEY (key, nonce)
    ) WITHOUT ROWID;
    CREATE INDEX relay_nonces_until ON relay_nonces (until);
    CREATE TABLE relay_blocks (
        mailbox BLOB NOT NULL,
        sender BLOB NOT NULL,
        PRIMARY KEY (mailbox, sender)
    ) WITHOUT ROWID;",
];

fn db(e: rusqlite::Error) -> StoreError {
    // The code only: SQLite's messages can quote values.
    let what = match e.sqlite_error_code() {
        Some(code) => format!("SQLite error {code:?}"),
        None => "SQLite failed".to_string(),
    };
    StoreError::Unavailable(what)
}

fn closed() -> StoreError {
    StoreError::Unavailable("the SQLite connection is closed".to_string())
}

fn hash(bytes: Vec<u8>) -> Result<KeyHash, StoreError> {
    let array: [u8; 32] = bytes
        .try_into()
        .map_err(|_| StoreError::Unavailable("a stored key hash is damaged".to_string()))?;
    Ok(KeyHash::from_bytes(array))
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    let version: i64 = tx
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(db)?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(StoreError::TooNew {
            found: version,
            known,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.execute_batch(sql).map_err(db)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)
            .map_err(db)?;
    }
    tx.commit().map_err(db)
}

/// Records the nonce, or refuses the request as replayed.
fn nonce(tx: &rusqlite::Transaction<'_>, auth: &Auth) -> Result<(), StoreError> {
    let inserted = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO relay_nonces (key, nonce, until) VALUES (?1, ?2, ?3)",
        )
        .map_err(db)?
        .execute(params![
            auth.key.as_bytes(),
            auth.nonce.as_slice(),
            auth.nonce_until_ms
        ])
        .map_err(db)?;
    if inserted == 0 {
        return Err(StoreError::Replayed);
    }
    Ok(())
}

fn begin(conn: &mut Connection) -> Result<rusqlite::Transaction<'_>, StoreError> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)
}

impl SqliteStore {
    pub async fn open(path: &Path, config: &Config) -> Result<SqliteStore, StoreError> {
        owner_only(path)?;
        let busy = config.sqlite_busy_timeout;
        let owned = path.to_path_buf();
        let (ready_tx, ready_rx) = oneshot::channel();
        let (jobs, queue) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("amends-relay-sqlite".to_string())
            .spawn(move || {
                let opened = (|| {
                    let mut conn = Connection::open(&owned).map_err(|e| {
                        StoreError::Unavailable(format!(
                            "the SQLite file {} could not be opened ({})",
                            owned.display(),
                            db(e)
                        ))
                    })?;
                    conn.busy_timeout(busy).map_err(db)?;
                    conn.pragma_update(None, "journal_mode", "WAL")
                        .map_err(db)?;
                    conn.pragma_update(None, "synchronous", "NORMAL")
                        .map_err(db)?;
                    // Checkpoints (which sync to disk) every ~40 MiB of WAL instead of every
                    // 4 MiB: bundles are written once and deleted soon, so most pages never
                    // need to reach the main file at all.
                    conn.pragma_update(None, "wal_autocheckpoint", 10_000)
                        .map_err(db)?;
                    conn.set_prepared_statement_cache_capacity(32);
                    migrate(&mut conn)?;
                    Ok(conn)
                })();
                let mut conn = match opened {
                    Ok(conn) => {
                        let _ = ready_tx.send(Ok(()));
                        conn
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                while let Ok(job) = queue.recv() {
                    job(&mut conn);
                }
                // Everything into the main file and the WAL emptied; closing the last
                // connection then deletes the WAL and the shared-memory file.
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
                    tracing::warn!("the SQLite checkpoint at shutdown failed ({})", db(e));
                }
                if let Err((_, e)) = conn.close() {
                    tracing::warn!("the SQLite connection did not close cleanly ({})", db(e));
                }
            })
            .map_err(|_| StoreError::Unavailable("no thread for SQLite".to_string()))?;
        ready_rx.await.map_err(|_| closed())??;
        Ok(SqliteStore {
            jobs: Arc::new(Mutex::new(Some(jobs))),
            thread: Arc::new(Mutex::new(Some(thread))),
            path: path.to_path_buf(),
        })
    }

    pub fn describe(&self) -> String {
        format!("SQLite file {}", self.path.display())
    }

    /// Stops taking work, and returns once the jobs already queued are done, the WAL is
    /// checkpointed into the file and the connection is closed.
    pub fn close(&self) {
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.take();
        }
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread {
            // Only ever the connection's own thread ending: never this one.
            if thread.thread().id() != std::thread::current().id() {
                let _ = thread.join();
            }
        }
    }

    async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            // The request gave up waiting (its database timeout passed) before its turn came:
            // do nothing, so a request answered 503 changes nothing.
            if tx.is_closed() {
                return;
            }
            let _ = tx.send(f(conn));
        });
        {
            let jobs = self.jobs.lock().map_err(|_| closed())?;
            jobs.as_ref()
                .ok_or_else(closed)?
                .send(job)
                .map_err(|_| closed())?;
        }
        rx.await.map_err(|_| closed())?
    }
}

impl Store for SqliteStore {
    async fn post(
        &self,
        auth: Auth,
        bundle: NewBundle,
        max_mailbox_bytes: u64,
    ) -> Result<(), StoreError> {
        self.call(move |conn| {
            let tx = begin(conn)?;
            nonce(&tx, &auth)?;
            let blocked = tx
                .prepare_cached("SELECT 1 FROM relay_blocks WHERE mailbox = ?1 AND sender = ?2")
                .map_err(db)?
                .query_row(
                    params![bundle.recipient.as_bytes(), auth.key.as_bytes()],
                    |_| Ok(()),
                )
                .optional()
                .map_err(db)?
                .is_some();
            if blocked {
                // The nonce is kept, so that a replay is refused exactly as it would be for a
                // stored bundle: nothing the sender can do tells them apart.
                tx.commit().map_err(db)?;
                return Err(StoreError::Blocked);
            }
            let size = bundle.bytes.len() as i64;
            let room = tx
                .prepare_cached(
                    "INSERT INTO relay_mailboxes (mailbox, bytes) VALUES (?1, ?2)
                     ON CONFLICT (mailbox) DO UPDATE SET bytes = bytes + excluded.bytes
                     WHERE bytes + excluded.bytes <= ?3",
                )
                .map_err(db)?
                .execute(params![
                    bundle.recipient.as_bytes(),
                    size,
                    max_mailbox_bytes as i64
                ])
                .map_err(db)?;
            if room == 0 || size as u64 > max_mailbox_bytes {
                return Err(StoreError::MailboxFull);
            }
            tx.prepare_cached(
                "INSERT INTO relay_bundles (id, mailbox, sender, size, received, expires, bytes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(db)?
            .execute(params![
                bundle.id,
                bundle.recipient.as_bytes(),
                auth.key.as_bytes(),
                size,
                auth.now_ms,
                bundle.expires_ms,
                bundle.bytes.as_ref()
            ])
            .map_err(db)?;
            tx.commit().map_err(db)
        })
        .await
    }

    async fn fetch(&self, auth: Auth, limit: u32, budget: u64) -> Result<Fetched, StoreError> {
        self.call(move |conn| {
            let tx = begin(conn)?;
            nonce(&tx, &auth)?;
            let mut candidates: Vec<(String, Vec<u8>, u64, i64)> = Vec::new();
            {
                let mut stmt = tx
                    .prepare_cached(
                        "SELECT id, sender, size, received FROM relay_bundles
                         WHERE mailbox = ?1 AND expires > ?2
                         ORDER BY received, seq LIMIT ?3",
                    )
                    .map_err(db)?;
                let rows = stmt
                    .query_map(
                        params![auth.key.as_bytes(), auth.now_ms, i64::from(limit) + 1],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? as u64, r.get(3)?)),
                    )
                    .map_err(db)?;
                for row in rows {
                    candidates.push(row.map_err(db)?);
                }
            }
            let sizes: Vec<u64> = candidates.iter().map(|c| c.2).collect();
            let (taken, more) = super::within_budget(&sizes, limit as usize, budget);
            let mut bundles = Vec::with_capacity(taken);
            {
                let mut stmt = tx
                    .prepare_cached("SELECT bytes FROM relay_bundles WHERE id = ?1")
                    .map_err(db)?;
                for (id, sender, size, received_ms) in candidates.into_iter().take(taken) {
                    let bytes: Vec<u8> = stmt.query_row([&id], |r| r.get(0)).map_err(db)?;
                    bundles.push(StoredBundle {
                        id,
                        sender: hash(sender)?,
                        size,
                        received_ms,
                        bytes,
                    });
                }
            }
            tx.commit().map_err(db)?;
            Ok(Fetched { bundles, more })
        })
        .await
    }

    async fn ack(&self, auth: Auth, ids: Vec<String>) -> Result<u64, StoreError> {
        self.call(move |conn| {
            let tx = begin(conn)?;
            nonce(&tx, &auth)?;
            let mut deleted = 0u64;
            let mut freed = 0i64;
            {
                let mut stmt = tx
                    .prepare_cached(
                        "DELETE FROM relay_bundles WHERE id = ?1 AND mailbox = ?2 RETURNING size",
                    )
                    .map_err(db)?;
                for id in &ids {
                    let size: Option<i64> = stmt
                        .query_row(params![id, auth.key.as_bytes()], |r| r.get(0))
                        .optional()
                        .map_err(db)?;
                    if let Some(size) = size {
                        deleted += 1;
                        freed += size;
                    }
                }
            }
            if freed > 0 {
                tx.prepare_cached(
                    "UPDATE relay_mailboxes SET bytes = MAX(bytes - ?2, 0) WHERE mailbox = ?1",
                )
                .map_err(db)?
                .execute(params![auth.key.as_bytes(), freed])
                .map_err(db)?;
            }
            tx.commit().map_err(db)?;
            Ok(deleted)
        })
        .await
    }

    async fn blocks(&self, auth: Auth) -> Result<Vec<KeyHash>, StoreError> {
        self.call(move |conn| {
            let tx = begin(conn)?;
            nonce(&tx, &auth)?;
            let mut out = Vec::new();
            {
                let mut stmt = tx
                    .prepare_cached(
                        "SELECT sender FROM relay_blocks WHERE mailbox = ?1 ORDER BY sender",
                    )
                    .map_err(db)?;
                let rows = stmt
                    .query_map([auth.key.as_bytes()], |r| r.get::<_, Vec<u8>>(0))
                    .map_err(db)?;
                for row in rows {
                    out.push(hash(row.map_err(db)?)?);
                }
            }
            tx.commit().map_err(db)?;
            Ok(out)
        })
        .await
    }

    async fn set_block(
        &self,
        auth: Auth,
        sender: KeyHash,
        blocked: bool,
    ) -> Result<(), StoreError> {
        self.call(move |conn| {
            let tx = begin(conn)?;
            nonce(&tx, &auth)?;
            let sql = if blocked {
                "INSERT OR IGNORE INTO relay_blocks (mailbox, sender) VALUES (?1, ?2)"
            } else {
                "DELETE FROM relay_blocks WHERE mailbox = ?1 AND sender = ?2"
            };
            tx.prepare_cached(sql)
                .map_err(db)?
                .execute(params![auth.key.as_bytes(), sender.as_bytes()])
                .map_err(db)?;
            tx.commit().map_err(db)
        })
        .await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.call(|conn| conn.query_row("SELECT 1", [], |_| Ok(())).map_err(db))
            .await
    }

    async fn sweep(&self, now_ms: i64) -> Result<Swept, StoreError> {
        let mut swept = Swept::default();
        // Batches, so a large backlog never holds the one writer for long.
        loop {
            let deleted = self
                .call(move |conn| {
                    let tx = begin(conn)?;
                    let mut gone: Vec<(Vec<u8>, i64)> = Vec::new();
                    {
                        let mut stmt = tx
                            .prepare_cached(
                                "DELETE FROM relay_bundles WHERE seq IN
                                   (SELECT seq FROM relay_bundles WHERE expires <= ?1 LIMIT ?2)
                                 RETURNING mailbox, size",
                            )
                            .map_err(db)?;
                        let rows = stmt
                            .query_map(params![now_ms, SWEEP_BATCH], |r| {
                                Ok((r.get(0)?, r.get(1)?))
                            })
                            .map_err(db)?;
                        for row in rows {
                            gone.push(row.map_err(db)?);
                        }
                    }
                    {
                        let mut stmt = tx
                            .prepare_cached(
                                "UPDATE relay_mailboxes SET bytes = MAX(bytes - ?2, 0) WHERE mailbox = ?1",
                            )
                            .map_err(db)?;
                        for (mailbox, size) in &gone {
                            stmt.execute(params![mailbox, size]).map_err(db)?;
                        }
                    }
                    tx.execute("DELETE FROM relay_mailboxes WHERE bytes = 0", [])
                        .map_err(db)?;
                    tx.commit().map_err(db)?;
                    Ok(gone.len() as u64)
                })
                .await?;
            swept.expired_bundles += deleted;
            if deleted < SWEEP_BATCH as u64 {
                break;
            }
        }
        swept.old_nonces = self
            .call(move |conn| {
                conn.execute("DELETE FROM relay_nonces WHERE until < ?1", [now_ms])
                    .map(|n| n as u64)
                    .map_err(db)
            })
            .await?;
        Ok(swept)
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        self.call(|conn| {
            let count = |sql: &str| -> Result<u64, StoreError> {
                conn.query_row(sql, [], |r| r.get::<_, i64>(0))
                    .map(|n| n as u64)
                    .map_err(db)
            };
            Ok(Counts {
                bundles: count("SELECT count(*) FROM relay_bundles")?,
                nonces: count("SELECT count(*) FROM relay_nonces")?,
                blocks: count("SELECT count(*) FROM relay_blocks")?,
                pending_bytes: count("SELECT coalesce(sum(bytes), 0) FROM relay_mailboxes")?,
            })
        })
        .await
    }

    async fn pending_bytes(&self) -> Result<u64, StoreError> {
        self.call(|conn| {
            conn.query_row(
                "SELECT coalesce(sum(bytes), 0) FROM relay_mailboxes",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(db)
        })
        .await
    }
}
