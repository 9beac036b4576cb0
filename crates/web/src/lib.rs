//! The local web app: the whole workbook in a browser, on 127.0.0.1 only.
//!
//! Only this crate knows about HTTP and HTML. Pages are askama templates (escaped by default);
//! the few interactive parts use htmx and one small script of our own, all compiled into the
//! binary. See `security` for the locks on the door.

pub mod assets;
#[cfg(unix)]
pub mod channel;
pub mod demo;
mod forms;
mod pages;
mod routes;
pub mod security;
mod state;
mod view;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn;
use axum::middleware::from_fn_with_state;

pub use routes::RouteInfo;
use routes::Routes;
pub use state::{App, Claim, Config};

/// How often the app checks whether an automatic backup is due while it runs.
const BACKUP_CHECK: Duration = Duration::from_secs(60 * 60);

/// The port `amends serve` listens on unless told otherwise, so that addresses kept outside the
/// browser (a calendar subscription) stay the same from one start to the next. When it is taken,
/// the app takes any free port and says so.
pub const USUAL_PORT: u16 = 4880;

/// The most a single request may carry (an import of a large workbook fits easily).
pub const BODY_LIMIT: usize = 32 * 1024 * 1024;

/// The pages: every route behind the session cookie (and the CSRF check and the activity clock).
fn pages() -> Routes {
    Routes::new()
        .get("/", pages::home::home)
        .get_post(
            "/setup",
            pages::access::setup_page,
            pages::access::setup_create,
        )
        .post("/setup/strength", pages::access::strength_meter)
        .get_post(
            "/setup/recovery",
            pages::access::recovery_page,
            pages::access::recovery_confirm,
        )
        .get_post(
            "/setup/choices",
            pages::access::choices_page,
            pages::access::choices_save,
        )
        .get_post("/unlock", pages::access::unlock_page, pages::access::unlock)
        .get_post(
            "/recover",
            pages::access::recover_page,
            pages::access::recover,
        )
        .post("/lock", pages::access::lock)
        .post("/exit", pages::access::exit)
        .get("/away", pages::access::away)
        .post("/commitments/{id}/pay", pages::follow::pay)
        .post("/commitments/{id}/checkin", pages::follow::check_in)
        .get_post(
            "/payments/{id}/correct",
            pages::follow::fix_payment_page,
            pages::follow::fix_payment,
        )
        .get_post(
            "/payments/{id}/remove",
            pages::follow::remove_payment_page,
            pages::follow::remove_payment,
        )
        .get_post(
            "/checkins/{id}/correct",
            pages::follow::fix_checkin_page,
            pages::follow::fix_checkin,
        )
        .get_post(
            "/checkins/{id}/remove",
            pages::follow::remove_checkin_page,
            pages::follow::remove_checkin,
        )
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
}

/// The embedded files: served without the session cookie (`security::is_public_asset`: they
/// are the same for everyone and hold nothing personal, and the pages that turn a browser away
/// need the stylesheet), outside the CSRF check and the activity clock (they change nothing, and
/// fetching a stylesheet is not the person being at the keyboard). The Host check still applies.
fn assets() -> Routes {
    Routes::outside_session().get("/assets/{name}", assets::asset)
}

/// The one route answered without the session cookie: the calendar subscription, read by
/// calendar apps that cannot log in. Its handler checks the secret token in its address
/// (`security::is_calendar_feed` is the matching exemption in the cookie check); no activity
/// either (a calendar app polling must not keep the vault from locking).
fn outside_session() -> Routes {
    Routes::outside_session().get("/calendar/{file}", pages::exports::feed)
}

/// Every route of the router, from the same builder that makes it: path pattern, methods, and
/// whether the session cookie is needed. The security tests go through all of them.
pub fn route_table() -> Vec<RouteInfo> {
    let (_, mut table) = pages()
        .merge(assets())
        .merge(outside_session())
        .into_parts();
    table.sort();
    table
}

/// Every route, behind the security layers.
pub fn router(app: App) -> Router {
    let (pages, _) = pages().into_parts();
    let (assets, _) = assets().into_parts();
    let (feed, _) = outside_session().into_parts();
    let pages = pages
        .layer(from_fn_with_state(app.clone(), security::activity))
        .layer(from_fn_with_state(app.clone(), security::csrf));
    Router::new()
        .merge(pages)
        .merge(assets)
        .merge(feed)
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

/// While the app runs, the owner-only channel (`channel.rs`) answers a second `amends` with a
/// fresh one-time address (the one before stops working), and `amends lock` by locking. The
/// socket is removed when the returned value is dropped.
#[cfg(unix)]
pub fn answer_others(
    vault: &std::path::Path,
    addr: SocketAddr,
    app: &App,
) -> Result<Answering, channel::ChannelError> {
    let listener = channel::Listener::bind(vault, channel::Role::App)?;
    let socket = listener.path().to_path_buf();
    let app = app.clone();
    std::thread::spawn(move || {
        listener.serve(|verb| match verb {
            "launch" => Ok(format!("http://{addr}/?t={}", app.fresh_launch_token())),
            "lock" => {
                app.lock();
                Ok("locked".into())
            }
            _ => Err("unknown request".into()),
        })
    });
    Ok(Answering { socket })
}

/// The app's socket on the owner-only channel; removed when this is dropped.
#[cfg(unix)]
pub struct Answering {
    socket: std::path::PathBuf,
}

#[cfg(unix)]
impl Drop for Answering {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.socket);
    }
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
