//! What every page shares: the layout's data, rendering, and the way back to the right page
//! when the vault is locked or not yet created.

use std::sync::Arc;

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::state::{Access, App, Flash, Snapshot};

/// Which part of the app a page belongs to (for the navigation's `aria-current`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nav {
    None,
    Home,
    List,
    Capture,
    Settings,
    Help,
    Sharing,
    Supported,
    Exports,
}

/// The data of `base.html`. Titles are fixed words, never anything the person wrote.
pub struct Layout {
    pub title: &'static str,
    pub nav: Nav,
    pub csrf: String,
    pub demo: bool,
    pub unlocked: bool,
    pub auto_lock: u64,
    pub flash: Vec<Flash>,
}

impl Layout {
    pub fn new(app: &App, title: &'static str, nav: Nav) -> Layout {
        let unlocked = app.access() == Access::Open;
        Layout {
            title,
            nav,
            csrf: app.csrf().to_string(),
            demo: app.is_demo(),
            unlocked,
            auto_lock: if unlocked { app.auto_lock_minutes() } else { 0 },
            flash: if unlocked {
                app.take_flash()
            } else {
                Vec::new()
            },
        }
    }

    /// `aria-current` for a navigation link: "page" for the part this page is in.
    pub fn current(&self, code: &str) -> &'static str {
        let mine = match self.nav {
            Nav::None => "",
            Nav::Home => "home",
            Nav::List => "list",
            Nav::Capture => "capture",
            Nav::Settings => "settings",
            Nav::Help => "help",
            Nav::Sharing => "sharing",
            Nav::Supported => "supported",
            Nav::Exports => "exports",
        };
        if mine == code { "page" } else { "false" }
    }
}

/// Renders a template as a page.
pub fn page(t: &impl Template) -> Response {
    page_with(StatusCode::OK, t)
}

/// Renders a template with a status (422 when a form is shown again with its errors).
pub fn page_with(status: StatusCode, t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a page could not be rendered");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "This page could not be shown. Nothing was changed. Go back and try again.",
            )
                .into_response()
        }
    }
}

/// A redirect after a change (303, so the browser follows with GET).
pub fn see(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// The snapshot of an open vault, or the way to the page that comes first.
// The error is a response handed straight back to axum; boxing it would only add a step.
#[allow(clippy::result_large_err)]
pub fn open(app: &App) -> Result<Arc<Snapshot>, Response> {
    match app.access() {
        Access::NoVault => return Err(see("/setup")),
        Access::Locked => return Err(see("/unlock")),
        Access::Open => {}
    }
    if app.recovery_pending() {
        return Err(see("/setup/recovery"));
    }
    match app.snapshot() {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(see("/unlock")),
        Err(e) => Err(trouble(&e)),
    }
}

/// The vault could not be read: say so without detail that could hold personal words.
pub fn trouble(e: &amends_vault::VaultError) -> Response {
    tracing::error!(error = %e, "the vault could not be read");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "The vault could not be read just now. Nothing was changed. Reload the page; if this goes on, lock and unlock again.",
    )
        .into_response()
}

/// A date as people read it ("3 May 2026"), the one way the core words dates
/// (`amends_core::dates::words`); ISO 8601 stays in addresses, downloads and form plumbing only.
pub fn day(d: jiff::civil::Date) -> String {
    amends_core::dates::words(d)
}

/// An instant as a date in the machine's time zone.
pub fn day_of(snap: &Snapshot, at: jiff::Timestamp) -> String {
    day(snap.now.date_of(at))
}

/// A sealed bundle as a file download: never cached, named with no one's name in it.
pub fn download(file_name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}
