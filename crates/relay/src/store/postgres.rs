//! The shared backend: PostgreSQL, for several relay instances behind one address.
//!
//! A pool of connections per instance (no connection setup per request), statements prepared
//! once per connection, one transaction per request: a single statement (nonce and operation
//! together, in one round trip) where the operation can only succeed or be replayed, and an
//! explicit transaction for a post, whose refusals (blocked, mailbox full) roll the nonce back. Two instances starting at once migrate
//! under an advisory lock; only one instance sweeps at a time (the others skip that round).
//! TLS to PostgreSQL is not supported: `sslmode=require` is refused with a clear message.

use std::str::FromStr;
use std::time::Duration;

use amends_relay_proto::KeyHash;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::error::SqlState;

use super::{
    Auth, Counts, Fetched, NewBundle, SWEEP_BATCH, Store, StoreError, StoredBundle, Swept,
};
use crate::config::Config;

/// Advisory lock keys ("amends" in ASCII, then a number per purpose).
const MIGRATION_LOCK: i64 = 0x616d_656e_6473_0001;
const SWEEP_LOCK: i64 = 0x616d_656e_6473_0002;

/// The schema, one entry per version (rows of `relay_schema`). Only ever append.
const MIGRATIONS: &[&str] = &[
    // 1: bundles, the byte count of each mailbox, nonces seen, blocks.
    "CREATE TABLE relay_bundles (
        id text PRIMARY KEY,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        mailbox bytea NOT NULL,
        sender bytea NOT NULL,
        size bigint NOT NULL,
        received bigint NOT NULL,
        expires bigint NOT NULL,
        bytes bytea NOT NULL
    );
    -- Ciphertext does not compress: store it out of line without trying.
    ALTER TABLE relay_bundles ALTER COLUMN bytes SET STORAGE EXTERNAL;
    CREATE INDEX relay_bundles_mailbox ON relay_bundles (mailbox, received, seq);
    CREATE INDEX relay_bundles_expires ON relay_bundles (expires);
    CREATE TABLE relay_mailboxes (
        mailbox bytea PRIMARY KEY,
        bytes bigint NOT NULL
    );
    CREATE TABLE relay_nonces (
        key bytea NOT NULL,
        nonce bytea NOT NULL,
        until bigint NOT NULL,
        PRIMARY KEY (key, nonce)
    );
    CREATE INDEX relay_nonces_until ON relay_nonces (until);
    CREATE TABLE relay_blocks (
        mailbox bytea NOT NULL,
        sender bytea NOT NULL,
        PRIMARY KEY (mailbox, sender)
    );",
];

/// The PostgreSQL backend. Cloning shares the pool.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    described: String,
}

enum Fail {
    Store(StoreError),
    Pg(tokio_postgres::Error),
    Pool(deadpool_postgres::PoolError),
}

impl From<tokio_postgres::Error> for Fail {
    fn from(e: tokio_postgres::Error) -> Fail {
        Fail::Pg(e)
    }
}

impl From<deadpool_postgres::PoolError> for Fail {
    fn from(e: deadpool_postgres::PoolError) -> Fail {
        Fail::Pool(e)
    }
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Fail {
        Fail::Store(e)
    }
}

/// What failed, without PostgreSQL's message (which can quote values).
fn pg_why(e: &tokio_postgres::Error) -> String {
    match e.code() {
        Some(code) => format!("PostgreSQL error {}", code.code()),
        None if e.is_closed() => "the connection to PostgreSQL closed".to_string(),
        None => "PostgreSQL could not be reached".to_string(),
    }
}

impl Fail {
    fn into_store(self) -> StoreError {
        match self {
            Fail::Store(e) => e,
            Fail::Pg(e) => StoreError::Unavailable(pg_why(&e)),
            Fail::Pool(deadpool_postgres::PoolError::Backend(e)) => {
                StoreError::Unavailable(pg_why(&e))
            }
            Fail::Pool(deadpool_postgres::PoolError::Timeout(_)) => {
                StoreError::Unavailable("no PostgreSQL connection was free in time".to_string())
            }
            Fail::Pool(_) => {
                StoreError::Unavailable("the PostgreSQL connection pool is closed".to_string())
            }
        }
    }

    /// A deadlock or serialization failure: PostgreSQL rolled back; the same request may be retried.
    fn retryable(&self) -> bool {
        matches!(self, Fail::Pg(e) if e.code() == Some(&SqlState::T_R_DEADLOCK_DETECTED)
            || e.code() == Some(&SqlState::T_R_SERIALIZATION_FAILURE))
    }
}

/// Runs an operation, again (up to three times) when PostgreSQL rolled it back for a deadlock.
async fn retried<T, F, Fut>(mut op: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Fail>>,
{
    let mut tries = 0;
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) if e.retryable() && tries < 2 => tries += 1,
            Err(e) => return Err(e.into_store()),
        }
    }
}

fn hash(bytes: &[u8]) -> Result<KeyHash, Fail> {
    let array: [u8; 32] = bytes.try_into().map_err(|_| {
        Fail::Store(StoreError::Unavailable(
            "a stored key hash is damaged".to_string(),
        ))
    })?;
    Ok(KeyHash::from_bytes(array))
}

impl PostgresStore {
    pub async fn open(url: &str, config: &Config) -> Result<PostgresStore, StoreError> {
        let mut pg = tokio_postgres::Config::from_str(url).map_err(|_| {
            StoreError::Unavailable(
                "the PostgreSQL address is not in the form postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE".to_string(),
            )
        })?;
        if pg.get_ssl_mode() == SslMode::Require {
            return Err(StoreError::Unavailable(
                "TLS to PostgreSQL (sslmode=require) is not supported by the relay; reach PostgreSQL over a private network, a Unix socket or a local TLS tunnel, and leave sslmode out".to_string(),
            ));
        }
        if pg.get_connect_timeout().is_none() {
            pg.connect_timeout(config.database_timeout);
        }
        if pg.get_application_name().is_none() {
            pg.application_name("amends-relay");
        }
        let described = describe(&pg);
        let manager = Manager::from_config(
            pg,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(config.pool_size)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(config.database_timeout))
            .create_timeout(Some(config.database_timeout))
            .recycle_timeout(Some(Duration::from_secs(5)))
            .build()
            .map_err(|_| {
                StoreError::Unavailable("the PostgreSQL connection pool could not be made".into())
            })?;
        let store = PostgresStore { pool, described };
        store.migrate().await.map_err(Fail::into_store)?;
        Ok(store)
    }

    pub fn describe(&self) -> String {
        self.described.clone()
    }

    pub fn close(&self) {
        self.pool.close();
    }

    async fn migrate(&self) -> Result<(), Fail> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // Two instances starting at once: the second waits here until the first has committed.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS relay_schema (version integer NOT NULL)")
            .await?;
        let version: i32 = tx
            .query_one("SELECT coalesce(max(version), 0) FROM relay_schema", &[])
            .await?
            .get(0);
        let known = MIGRATIONS.len() as i32;
        if version > known {
            return Err(Fail::Store(StoreError::TooNew {
                found: version.into(),
                known: known.into(),
            }));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.batch_execute(sql).await?;
            tx.execute(
                "INSERT INTO relay_schema (version) VALUES ($1)",
                &[&(i as i32 + 1)],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// One transaction and one statement: the nonce, the block check, the mailbox's room and the
    /// bundle. A refusal after the nonce went in rolls it all back.
    async fn post_once(
        &self,
        auth: &Auth,
        bundle: &NewBundle,
        max_mailbox_bytes: u64,
    ) -> Result<(), Fail> {
        let size = bundle.bytes.len() as i64;
        if size as u64 > max_mailbox_bytes {
            return Err(Fail::Store(StoreError::MailboxFull));
        }
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let stmt = tx
            .prepare_cached(
                "WITH n AS (
                    INSERT INTO relay_nonces (key, nonce, until) VALUES ($1, $2, $3)
                    ON CONFLICT DO NOTHING RETURNING 1
                 ),
                 bl AS (SELECT 1 FROM relay_blocks WHERE mailbox = $4 AND sender = $1),
                 m AS (
                    INSERT INTO relay_mailboxes (mailbox, bytes)
                    SELECT $4::bytea, $5::bigint
                    WHERE EXISTS (SELECT 1 FROM n) AND NOT EXISTS (SELECT 1 FROM bl)
                    ON CONFLICT (mailbox) DO UPDATE SET bytes = relay_mailboxes.bytes + EXCLUDED.bytes
                    WHERE relay_mailboxes.bytes + EXCLUDED.bytes <= $6
                    RETURNING 1
                 ),
                 i AS (
                    INSERT INTO relay_bundles (id, mailbox, sender, size, received, expires, bytes)
                    SELECT $7::text, $4::bytea, $1::bytea, $5::bigint, $8::bigint, $9::bigint, $10::bytea
                    WHERE EXISTS (SELECT 1 FROM m)
                    RETURNING 1
                 )
                 SELECT EXISTS (SELECT 1 FROM n), EXISTS (SELECT 1 FROM bl), EXISTS (SELECT 1 FROM i)",
            )
            .await?;
        let row = tx
            .query_one(
                &stmt,
                &[
                    &auth.key.as_bytes().as_slice(),
                    &auth.nonce.as_slice(),
                    &auth.nonce_until_ms,
                    &bundle.recipient.as_bytes().as_slice(),
                    &size,
                    &(max_mailbox_bytes as i64),
                    &bundle.id,
                    &auth.now_ms,
                    &bundle.expires_ms,
                    &bundle.bytes.as_ref(),
                ],
            )
            .await?;
        let (fresh, blocked, stored): (bool, bool, bool) = (row.get(0), row.get(1), row.get(2));
        // Dropping the transaction without committing rolls back the nonce of a refusal (a
        // block is not a refusal the sender sees: its nonce is kept).
        if !fresh {
            return Err(Fail::Store(StoreError::Replayed));
        }
        if blocked {
            // The nonce is kept, so that a replay is refused exactly as it would be for a
            // stored bundle: nothing the sender can do tells them apart.
            tx.commit().await?;
            return Err(Fail::Store(StoreError::Blocked));
        }
        if !stored {
            return Err(Fail::Store(StoreError::MailboxFull));
        }
        tx.commit().await?;
        Ok(())
    }

    /// One statement (so one transaction): the nonce, then the oldest pending bundles within the
    /// budget. The bytes of a bundle past the budget are not read.
    async fn fetch_once(&self, auth: &Auth, limit: u32, budget: u64) -> Result<Fetched, Fail> {
        let client = self.pool.get().await?;
        let stmt = client
            .prepare_cached(
                "WITH n AS (
                    INSERT INTO relay_nonces (key, nonce, until) VALUES ($1, $2, $3)
                    ON CONFLICT DO NOTHING RETURNING 1
                 ),
                 c AS (
                    SELECT id, sender, size, received,
                           row_number() OVER w AS k,
                           (sum(size) OVER w)::bigint AS running
                    FROM relay_bundles
                    WHERE mailbox = $1 AND expires > $4 AND EXISTS (SELECT 1 FROM n)
                    WINDOW w AS (ORDER BY received, seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                    ORDER BY received, seq
                    LIMIT $5
                 )
                 SELECT EXISTS (SELECT 1 FROM n), c.id, c.sender, c.size, c.received,
                        CASE WHEN c.k = 1 OR c.running <= $6 THEN b.bytes END
                 FROM (SELECT 1) AS one
                 LEFT JOIN c ON true
                 LEFT JOIN relay_bundles b ON b.id = c.id
                 ORDER BY c.k",
            )
            .await?;
        let rows = client
            .query(
                &stmt,
                &[
                    &auth.key.as_bytes().as_slice(),
                    &auth.nonce.as_slice(),
                    &auth.nonce_until_ms,
                    &auth.now_ms,
                    &(i64::from(limit) + 1),
                    &i64::try_from(budget).unwrap_or(i64::MAX),
                ],
            )
            .await?;
        if !rows.first().is_some_and(|r| r.get::<_, bool>(0)) {
            return Err(Fail::Store(StoreError::Replayed));
        }
        let candidates: Vec<_> = rows
            .iter()
            .filter(|r| r.get::<_, Option<String>>(1).is_some())
            .collect();
        let mut bundles = Vec::new();
        for row in &candidates {
            // Within the budget (the bytes were read) and the limit: a prefix of the candidates.
            let Some(bytes) = row.get::<_, Option<Vec<u8>>>(5) else {
                break;
            };
            if bundles.len() == limit as usize {
                break;
            }
            bundles.push(StoredBundle {
                id: row.get(1),
                sender: hash(row.get::<_, &[u8]>(2))?,
                size: row.get::<_, i64>(3) as u64,
                received_ms: row.get(4),
                bytes,
            });
        }
        let more = candidates.len() > bundles.len();
        Ok(Fetched { bundles, more })
    }

    /// One statement: the nonce, then the deletion (from the requester's own mailbox only).
    async fn ack_once(&self, auth: &Auth, ids: &[String]) -> Result<u64, Fail> {
        let client = self.pool.get().await?;
        let stmt = client
            .prepare_cached(
                "WITH n AS (
                    INSERT INTO relay_nonces (key, nonce, until) VALUES ($1, $2, $3)
                    ON CONFLICT DO NOTHING RETURNING 1
                 ),
                 d AS (
                    DELETE FROM relay_bundles
                    WHERE mailbox = $1 AND id = ANY($4) AND EXISTS (SELECT 1 FROM n)
                    RETURNING size
                 ),
                 u AS (
                    UPDATE relay_mailboxes
                    SET bytes = GREATEST(bytes - (SELECT coalesce(sum(size), 0) FROM d), 0)
                    WHERE mailbox = $1 AND EXISTS (SELECT 1 FROM d)
                 )
                 SELECT EXISTS (SELECT 1 FROM n), (SELECT count(*) FROM d)",
            )
            .await?;
        let row = client
            .query_one(
                &stmt,
                &[
                    &auth.key.as_bytes().as_slice(),
                    &auth.nonce.as_slice(),
                    &auth.nonce_until_ms,
                    &ids,
                ],
            )
            .await?;
        if !row.get::<_, bool>(0) {
            return Err(Fail::Store(StoreError::Replayed));
        }
        Ok(row.get::<_, i64>(1) as u64)
    }

    /// One statement: the nonce, then the requester's blocks.
    async fn blocks_once(&self, auth: &Auth) -> Result<Vec<KeyHash>, Fail> {
        let client = self.pool.get().await?;
        let stmt = client
            .prepare_cached(
                "WITH n AS (
                    INSERT INTO relay_nonces (key, nonce, until) VALUES ($1, $2, $3)
                    ON CONFLICT DO NOTHING RETURNING 1
                 )
                 SELECT EXISTS (SELECT 1 FROM n), b.sender
                 FROM (SELECT 1) AS one
                 LEFT JOIN relay_blocks b ON b.mailbox = $1
                 ORDER BY b.sender",
            )
            .await?;
        let rows = client
            .query(
                &stmt,
                &[
                    &auth.key.as_bytes().as_slice(),
                    &auth.nonce.as_slice(),
                    &auth.nonce_until_ms,
                ],
            )
            .await?;
        if !rows.first().is_some_and(|r| r.get::<_, bool>(0)) {
            return Err(Fail::Store(StoreError::Replayed));
        }
        rows.iter()
            .filter_map(|r| r.get::<_, Option<&[u8]>>(1))
            .map(hash)
            .collect()
    }

    /// One statement: the nonce, then the block or unblock.
    async fn set_block_once(
        &self,
        auth: &Auth,
        sender: &KeyHash,
        blocked: bool,
    ) -> Result<(), Fail> {
        let client = self.pool.get().await?;
        let sql = if blocked {
            "WITH n AS (
                INSERT INTO relay_nonces (key, nonce, until) VALUES ($1, $2, $3)
                ON CONFLICT DO NOTHING RETURNING 1
             ),
             x AS (
                INSERT INTO relay_blocks (mailbox, sender)
                SELECT $1::bytea, $4::bytea WHERE EXISTS (SELECT 1 FROM n)
                ON CONFLICT DO NOTHING
             )
             SELECT EXISTS (SELECT 1 FROM n)"
        } else {
            "WITH n AS (
                INSERT INTO relay_nonces (key, nonce, until) VALUES ($1, $2, $3)
                ON CONFLICT DO NOTHING RETURNING 1
             ),
             x AS (
                DELETE FROM relay_blocks
                WHERE mailbox = $1 AND sender = $4 AND EXISTS (SELECT 1 FROM n)
             )
             SELECT EXISTS (SELECT 1 FROM n)"
        };
        let stmt = client.prepare_cached(sql).await?;
        let fresh: bool = client
            .query_one(
                &stmt,
                &[
                    &auth.key.as_bytes().as_slice(),
                    &auth.nonce.as_slice(),
                    &auth.nonce_until_ms,
                    &sender.as_bytes().as_slice(),
                ],
            )
            .await?
            .get(0);
        if !fresh {
            return Err(Fail::Store(StoreError::Replayed));
        }
        Ok(())
    }

    /// One batch of expired bundles; `None` when another instance is sweeping.
    async fn sweep_batch(&self, now_ms: i64) -> Result<Option<u64>, Fail> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let ours: bool = tx
            .query_one("SELECT pg_try_advisory_xact_lock($1)", &[&SWEEP_LOCK])
            .await?
            .get(0);
        if !ours {
            return Ok(None);
        }
        let stmt = tx
            .prepare_cached(
                "WITH d AS (
                    DELETE FROM relay_bundles WHERE id IN (
                        SELECT id FROM relay_bundles WHERE expires <= $1
                        ORDER BY expires LIMIT $2 FOR UPDATE SKIP LOCKED
                    ) RETURNING mailbox, size
                 ),
                 s AS (SELECT mailbox, sum(size)::bigint AS total, count(*) AS n FROM d GROUP BY mailbox),
                 u AS (
                    UPDATE relay_mailboxes m SET bytes = GREATEST(m.bytes - s.total, 0)
                    FROM s WHERE m.mailbox = s.mailbox
                 )
                 SELECT coalesce(sum(n), 0)::bigint FROM s",
            )
            .await?;
        let deleted: i64 = tx.query_one(&stmt, &[&now_ms, &SWEEP_BATCH]).await?.get(0);
        tx.commit().await?;
        Ok(Some(deleted as u64))
    }

    async fn sweep_rest(&self, now_ms: i64) -> Result<u64, Fail> {
        let client = self.pool.get().await?;
        client
            .execute("DELETE FROM relay_mailboxes WHERE bytes = 0", &[])
            .await?;
        Ok(client
            .execute("DELETE FROM relay_nonces WHERE until < $1", &[&now_ms])
            .await?)
    }

    async fn counts_once(&self) -> Result<Counts, Fail> {
        let client = self.pool.get().await?;
        let row = client
            .query_one(
                "SELECT (SELECT count(*) FROM relay_bundles),
                        (SELECT count(*) FROM relay_nonces),
                        (SELECT count(*) FROM relay_blocks),
                        (SELECT coalesce(sum(bytes), 0)::bigint FROM relay_mailboxes)",
                &[],
            )
            .await?;
        Ok(Counts {
            bundles: row.get::<_, i64>(0) as u64,
            nonces: row.get::<_, i64>(1) as u64,
            blocks: row.get::<_, i64>(2) as u64,
            pending_bytes: row.get::<_, i64>(3) as u64,
        })
    }
}

fn describe(pg: &tokio_postgres::Config) -> String {
    let host = match pg.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_string(),
    };
    let port = pg.get_ports().first().copied().unwrap_or(5432);
    let db = pg.get_dbname().or(pg.get_user()).unwrap_or("postgres");
    format!("PostgreSQL database {db} on {host}:{port}")
}

impl Store for PostgresStore {
    async fn post(
        &self,
        auth: Auth,
        bundle: NewBundle,
        max_mailbox_bytes: u64,
    ) -> Result<(), StoreError> {
        retried(|| self.post_once(&auth, &bundle, max_mailbox_bytes)).await
    }

    async fn fetch(&self, auth: Auth, limit: u32, budget: u64) -> Result<Fetched, StoreError> {
        retried(|| self.fetch_once(&auth, limit, budget)).await
    }

    async fn ack(&self, auth: Auth, ids: Vec<String>) -> Result<u64, StoreError> {
        retried(|| self.ack_once(&auth, &ids)).await
    }

    async fn blocks(&self, auth: Auth) -> Result<Vec<KeyHash>, StoreError> {
        retried(|| self.blocks_once(&auth)).await
    }

    async fn set_block(
        &self,
        auth: Auth,
        sender: KeyHash,
        blocked: bool,
    ) -> Result<(), StoreError> {
        retried(|| self.set_block_once(&auth, &sender, blocked)).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        retried(|| async {
            let client = self.pool.get().await?;
            client.simple_query("SELECT 1").await?;
            Ok(())
        })
        .await
    }

    async fn sweep(&self, now_ms: i64) -> Result<Swept, StoreError> {
        let mut swept = Swept::default();
        loop {
            match retried(|| self.sweep_batch(now_ms)).await? {
                None => return Ok(swept),
                Some(n) => {
                    swept.expired_bundles += n;
                    if n < SWEEP_BATCH as u64 {
                        break;
                    }
                }
            }
        }
        swept.old_nonces = retried(|| self.sweep_rest(now_ms)).await?;
        Ok(swept)
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        retried(|| self.counts_once()).await
    }

    async fn pending_bytes(&self) -> Result<u64, StoreError> {
        retried(|| async {
            let client = self.pool.get().await?;
            let row = client
                .query_one(
                    "SELECT coalesce(sum(bytes), 0)::bigint FROM relay_mailboxes",
                    &[],
                )
                .await?;
            Ok(row.get::<_, i64>(0) as u64)
        })
        .await
    }
}
