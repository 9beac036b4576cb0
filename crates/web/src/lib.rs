//! The local web app: the whole workbook in a browser, on 127.0.0.1 only.
//!
//! Only this crate knows about HTTP and HTML. Pages are askama templates (escaped by default);
//! the few interactive parts use htmx and one small script of our own, all compiled into the
//! binary. See `security` for the locks on the door.

mod assets;
pub mod demo;
mod forms;
mod pages;
pub mod security;
mod state;
mod view;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

pub use state::{App, Config};

/// How often the app checks whether an automatic backup is due while it runs.
const BACKUP_CHECK: Duration = Duration::from_secs(60 * 60);

/// The port `amends serve` listens on unless told otherwise, so that addresses kept outside the
/// browser (a calendar subscription) stay the same from one start to the next. When it is taken,
/// the app takes any free port and says so.
pub const USUAL_PORT: u16 = 4880;

/// The most a single request may carry (an import of a large workbook fits easily).
pub const BODY_LIMIT: usize = 32 * 1024 * 1024;

/// Every route, behind the security layers.
pub fn router(app: App) -> Router {
    let pages = Router::new()
        .route("/", get(pages::home::home))
        .route(
            "/setup",
            get(pages::access::setup_page).post(pages::access::setup_create),
        )
        .route("/setup/strength", post(pages::access::strength_meter))
        .route(
            "/setup/recovery",
            get(pages::access::recovery_page).post(pages::access::recovery_confirm),
        )
        .route(
            "/setup/choices",
            get(pages::access::choices_page).post(pages::access::choices_save),
        )
        .route(
            "/unlock",
            get(pages::access::unlock_page).post(pages::access::unlock),
        )
        .route(
            "/recover",
            get(pages::access::recover_page).post(pages::access::recover),
        )
        .route("/lock", post(pages::access::lock))
        .route("/exit", post(pages::access::exit))
        .route("/away", get(pages::access::away))
        .route("/commitments/{id}/pay", post(pages::follow::pay))
        .route("/commitments/{id}/checkin", post(pages::follow::check_in))
        .merge(pages::list::routes())
        .merge(pages::party::routes())
        .merge(pages::capture::routes())
        .merge(pages::settings::routes())
        .merge(pages::help::routes())
        .merge(pages::sharing::routes())
        .merge(pages::supported::routes())
        .merge(pages::relay::routes())
        .merge(pages::backup::routes())
        .merge(pages::import::routes())
        .merge(pages::exports::routes())
        .layer(from_fn_with_state(app.clone(), security::activity))
        .layer(from_fn_with_state(app.clone(), security::csrf));
    Router::new()
        .merge(pages)
        .route("/assets/{name}", get(assets::asset))
        // The calendar subscription: read by calendar apps, so no cookie and no activity (a
        // calendar app polling must not keep the vault from locking); its handler checks the token.
        .route("/calendar/{file}", get(pages::exports::feed))
        // Outermost last: headers on everything, then the Host check, then the cookie.
        .layer(from_fn_with_state(app.clone(), security::admit))
        .layer(from_fn(security::loopback_host))
        .layer(from_fn(security::headers))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(app)
}

/// A server bound to loopback, ready to run.
pub struct Bound {
    pub listener: tokio::net::TcpListener,
    pub app: App,
    /// The address to open, with the launch token.
    pub url: String,
}

/// Binds 127.0.0.1 on `port` (0 for a free one).
pub async fn bind(config: Config, port: u16) -> std::io::Result<Bound> {
    let listener =
        tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    let addr = listener.local_addr()?;
    let app = App::new(config);
    let url = format!("http://{addr}/?t={}", app.launch_token());
    Ok(Bound { listener, app, url })
}

/// Serves until `shutdown` completes, locking the vault when idle too long and at the end.
pub async fn serve(
    bound: Bound,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = bound.app.clone();
    let idle = app.clone();
    let watcher = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            if idle.lock_if_idle() {
                tracing::info!("locked after the idle time set in settings");
            }
        }
    });
    // Automatic backups: checked when the vault is unlocked, when their settings change, and
    // every hour while the app runs; made off the request threads, so no page waits for one.
    let backups = app.clone();
    let backup_task = tokio::spawn(async move {
        let mut tick = tokio::time::interval(BACKUP_CHECK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = backups.backups_woken() => {}
            }
            let app = backups.clone();
            if tokio::task::spawn_blocking(move || app.automatic_backup())
                .await
                .is_err()
            {
                tracing::warn!("the automatic backup check stopped unexpectedly");
            }
        }
    });
    let result = axum::serve(bound.listener, router(bound.app))
        .with_graceful_shutdown(shutdown)
        .await;
    watcher.abort();
    backup_task.abort();
    app.lock();
    result
}
