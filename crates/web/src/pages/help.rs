//! Help: how Steps 8 and 9 are worked, in plain words, and where to get help now.
//!
//! The page opens even while the vault is locked, so the helplines are always one click away.
//! A line of the person's own (from the settings) can only be read once the vault is open.

use crate::routes::Routes;
use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::state::{Access, App};
use crate::view::{Layout, Nav, page};

pub fn routes() -> Routes {
    Routes::new().get("/help", help)
}

#[derive(Template)]
#[template(path = "help.html")]
struct HelpView {
    layout: Layout,
    /// The person's own crisis lines, when set and the vault is open.
    crisis_line: Option<String>,
    /// The vault exists but is locked: a saved line cannot be shown.
    locked: bool,
}

/// `GET /help`.
pub async fn help(State(app): State<App>) -> Response {
    let access = app.access();
    let pending = app.recovery_pending();
    let crisis_line = if access == Access::Open && !pending {
        match app.snapshot() {
            Ok(Some(snap)) => Some(snap.settings.crisis_line.clone()).filter(|l| !l.is_empty()),
            _ => None,
        }
    } else {
        None
    };
    page(&HelpView {
        layout: Layout::new(&app, "Help", Nav::Help),
        crisis_line,
        locked: access == Access::Locked,
    })
}
