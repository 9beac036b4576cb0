//! The Amends relay: a mailbox per identity, addressed by a hash of its public key, holding sealed
//! bundles it cannot read until the recipient fetches and acknowledges them.
//!
//! Nothing that matters lives in memory: every bundle, nonce and block is in the database
//! (SQLite for one instance, PostgreSQL for several), so instances can be added, removed or killed
//! at any time. Only the per-key rate limit is per instance.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let relay = amends_relay::start(amends_relay::Config::default(), amends_relay::Clock::system()).await?;
//! println!("listening on {}", relay.local_addr());
//! relay.run(async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(()) }
//! ```

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

mod api;
pub mod config;
pub mod metrics;
pub mod store;

pub use config::{Config, ConfigError, Source};
pub use metrics::Metrics;
pub use store::{AnyStore, Counts, Store, StoreError, Swept};

/// The relay's clock: the system's, or one that tests move by hand.
#[derive(Clone, Debug, Default)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    pub fn system() -> Clock {
        Clock(None)
    }

    /// A clock that stands still at `unix_ms` until [`Clock::advance`] moves it.
    pub fn manual(unix_ms: i64) -> Clock {
        Clock(Some(Arc::new(AtomicI64::new(unix_ms))))
    }

    pub fn advance(&self, by: Duration) {
        if let Some(ms) = &self.0 {
            ms.fetch_add(by.as_millis() as i64, Ordering::SeqCst);
        }
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        match &self.0 {
            Some(ms) => ms.load(Ordering::SeqCst),
            None => jiff::Timestamp::now().as_millisecond(),
        }
    }
}

/// What every request handler shares.
pub(crate) struct AppState {
    pub(crate) config: Config,
    pub(crate) store: AnyStore,
    pub(crate) metrics: Metrics,
    pub(crate) limiter: DefaultKeyedRateLimiter<amends_relay_proto::KeyHash>,
    pub(crate) clock: Clock,
    pub(crate) shutting_down: AtomicBool,
}

/// Why the relay did not start. Messages name no secret (the database password never appears).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    // Not `#[from]`: the message already carries the store's words, so it is not also a source
    // (which would print them twice).
    #[error("the database could not be opened: {0}")]
    Store(StoreError),
    #[error("the relay could not listen on {addr}: {why}; choose another address with --listen")]
    Bind { addr: SocketAddr, why: String },
}

impl From<StoreError> for StartError {
    fn from(e: StoreError) -> StartError {
        StartError::Store(e)
    }
}

/// A relay that has its database and its address, ready to [`run`](Relay::run).
pub struct Relay {
    app: Arc<AppState>,
    listener: tokio::net::TcpListener,
    addr: SocketAddr,
}

/// Opens (and migrates) the database, then binds the address.
pub async fn start(config: Config, clock: Clock) -> Result<Relay, StartError> {
    config.validate()?;
    let store = AnyStore::open(&config).await?;
    let listener = match tokio::net::TcpListener::bind(config.listen).await {
        Ok(l) => l,
        Err(e) => {
            store.close();
            let why = match e.kind() {
                std::io::ErrorKind::AddrInUse => "the address is already in use".to_string(),
                std::io::ErrorKind::PermissionDenied => {
                    "permission was denied (ports below 1024 need privileges)".to_string()
                }
                std::io::ErrorKind::AddrNotAvailable => {
                    "this machine has no such address".to_string()
                }
                kind => kind.to_string(),
            };
            return Err(StartError::Bind {
                addr: config.listen,
                why,
            });
        }
    };
    let addr = listener.local_addr().map_err(|e| StartError::Bind {
        addr: config.listen,
        why: e.kind().to_string(),
    })?;
    let per_minute = std::num::NonZeroU32::new(config.requests_per_minute.max(1))
        .unwrap_or(std::num::NonZeroU32::MIN);
    let app = Arc::new(AppState {
        limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
        config,
        store,
        metrics: Metrics::new(),
        clock,
        shutting_down: AtomicBool::new(false),
    });
    Ok(Relay {
        app,
        listener,
        addr,
    })
}

impl Relay {
    /// The address actually bound (the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The database, for tests and tools.
    pub fn store(&self) -> AnyStore {
        self.app.store.clone()
    }

    /// A handle to sweep now, for tests.
    pub fn sweeper(&self) -> Sweeper {
        Sweeper(self.app.clone())
    }

    /// Serves until `shutdown` completes, then: readiness answers 503 (still serving for `drain`),
    /// no new connection is accepted, requests in flight finish (up to `shutdown_timeout`), and
    /// the database closes.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), std::io::Error> {
        let app = self.app;
        tracing::info!(
            address = %self.addr,
            backend = app.store.kind(),
            database = %app.store.describe(),
            "the relay is listening"
        );
        let sweeping = tokio::spawn(sweep_loop(app.clone()));
        let (stopping_tx, stopping_rx) = tokio::sync::watch::channel(false);
        let signal = {
            let app = app.clone();
            async move {
                shutdown.await;
                app.shutting_down.store(true, Ordering::SeqCst);
                if !app.config.drain.is_zero() {
                    tracing::info!(
                        seconds = app.config.drain.as_secs(),
                        "the relay is stopping: not ready, still serving while load balancers notice"
                    );
                    tokio::time::sleep(app.config.drain).await;
                }
                tracing::info!("the relay is stopping: finishing the requests in flight");
                let _ = stopping_tx.send(true);
            }
        };
        let router = api::router(app.clone());
        let serving = axum::serve(self.listener, router).with_graceful_shutdown(signal);
        let deadline = {
            let timeout = app.config.shutdown_timeout;
            let mut rx = stopping_rx;
            async move {
                let _ = rx.wait_for(|stopping| *stopping).await;
                tokio::time::sleep(timeout).await;
            }
        };
        let result = tokio::select! {
            r = serving => r,
            () = deadline => {
                tracing::warn!("requests were still in flight when the shutdown timeout ran out; stopping anyway");
                Ok(())
            }
        };
        sweeping.abort();
        app.store.close();
        tracing::info!("the relay stopped");
        result
    }
}

/// Runs a sweep on demand.
#[derive(Clone)]
pub struct Sweeper(Arc<AppState>);

impl Sweeper {
    pub async fn sweep(&self) -> Result<Swept, StoreError> {
        sweep_once(&self.0).await
    }
}

async fn sweep_once(app: &AppState) -> Result<Swept, StoreError> {
    let swept = app.store.sweep(app.clock.now_ms()).await?;
    app.metrics.expired(swept.expired_bundles);
    app.metrics.pending_bytes(app.store.pending_bytes().await?);
    app.limiter.retain_recent();
    app.limiter.shrink_to_fit();
    Ok(swept)
}

async fn sweep_loop(app: Arc<AppState>) {
    let mut every = tokio::time::interval(app.config.sweep_interval);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick is at once: sweep only after a whole interval.
    every.tick().await;
    loop {
        every.tick().await;
        match sweep_once(&app).await {
            Ok(s) if s.expired_bundles > 0 || s.old_nonces > 0 => tracing::info!(
                expired_bundles = s.expired_bundles,
                old_nonces = s.old_nonces,
                "swept"
            ),
            Ok(_) => tracing::debug!("swept: nothing to delete"),
            Err(e) => tracing::warn!(error = %e, "the sweep could not reach the database"),
        }
    }
}
