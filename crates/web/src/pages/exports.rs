//! Print and export: a worksheet for a sponsor meeting (PDF or Markdown), a spreadsheet of the
//! list, the harms, the plans or the commitments (CSV), and what is due as a calendar, to download or to
//! subscribe to. The subscription is read by calendar apps, which cannot log in: its route is
//! the one let through without the session cookie (see `security::admit`), still on loopback
//! with the Host check, and it answers only to the secret token in its address.
//!
//! Discreet is on by default here: a file is easily left open on a screen or on a printer.
//! The rules it follows are `amends_transfer::discreet`'s, the same as the CLI's.

use crate::routes::Routes;
use amends_core::model::Id;
use amends_transfer::csv_out::{self, What};
use amends_transfer::discreet::Options;
use amends_transfer::pdf::{self, Paper};
use amends_transfer::sheet::{Scope, Sheet, kind_word};
use amends_transfer::{ics, markdown};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::forms::{Fields, FormState};
use crate::state::{App, FlashKind, Snapshot};
use crate::view::{Layout, Nav, open, page, page_with, see, trouble};

pub fn routes() -> Routes {
    Routes::new()
        .get("/exports", exports_page)
        .get_post("/exports/worksheet", to_exports, worksheet)
        .get_post("/exports/csv", to_exports, csv)
        .get_post("/exports/calendar", to_exports, calendar)
        .get_post("/exports/subscription", to_exports, subscription)
}

/// One party in the choice of a plan page.
struct Choice {
    id: Id,
    label: String,
}

#[derive(Template)]
#[template(path = "exports.html")]
struct ExportsView {
    layout: Layout,
    print: FormState,
    table: FormState,
    parties: Vec<Choice>,
    papers: &'static [Paper],
    /// The subscription's address, when it is on.
    address: Option<String>,
    names: bool,
}

#[derive(Deserialize)]
pub struct ExportsQuery {
    /// A party whose page to offer first (from the party page's "Print a plan page").
    party: Option<String>,
}

fn form(pairs: &[(&str, &str)]) -> FormState {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        q.append_pair(k, v);
    }
    FormState::new(Fields::parse(&Bytes::from(q.finish())))
}

/// The address of the subscription as this browser reaches the app (the Host was checked to
/// be a loopback name before any handler runs).
fn address(headers: &HeaderMap, token: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}/calendar/{token}.ics")
}

fn view(
    app: &App,
    snap: &Snapshot,
    headers: &HeaderMap,
    print: Option<FormState>,
    table: Option<FormState>,
    party: Option<Id>,
) -> ExportsView {
    let settings = app.read(|v| v.calendar_settings()).and_then(Result::ok);
    let party_text = party.map(|p| p.to_string()).unwrap_or_default();
    let print = print.unwrap_or_else(|| {
        form(&[
            ("scope", if party.is_some() { "party" } else { "all" }),
            ("party", &party_text),
            ("format", "pdf"),
            ("paper", "a4"),
            ("discreet", "on"),
        ])
    });
    let table = table.unwrap_or_else(|| form(&[("what", "list"), ("discreet", "on")]));
    let parties = snap
        .records
        .iter()
        .map(|r| Choice {
            id: r.party.id,
            // The names are shown in the page only, which is the person's own.
            label: format!(
                "{}. {} ({})",
                r.party.id,
                r.party.name,
                kind_word(r.party.kind)
            ),
        })
        .collect();
    ExportsView {
        layout: Layout::new(app, "Print and export", Nav::Exports),
        print,
        table,
        parties,
        papers: Paper::ALL,
        address: settings
            .as_ref()
            .and_then(|s| s.token.as_deref())
            .map(|t| address(headers, t)),
        names: settings.is_some_and(|s| s.names),
    }
}

/// `GET /exports` (`?party=ID` offers that party's page first).
pub async fn exports_page(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<ExportsQuery>,
) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let party = q
        .party
        .and_then(|p| p.trim().parse::<Id>().ok())
        .filter(|id| snap.position(*id).is_some());
    page(&view(&app, &snap, &headers, None, None, party))
}

async fn to_exports() -> Response {
    see("/exports")
}

/// A file to download: never cached, named with no one's name in it.
fn file(name: &str, content_type: &'static str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// The discreet choices of a form. Keeping harm details or notes means something only with
/// discreet on: without it, everything is in.
fn options(f: &FormState) -> Options {
    let discreet = f.checked("discreet");
    Options {
        discreet,
        harm_details: discreet && f.checked("harm_details"),
        notes: discreet && f.checked("notes"),
    }
}

/// `POST /exports/worksheet`: scope (all|party), party, format (pdf|markdown), paper (a4|letter),
/// discreet, harm_details, notes.
pub async fn worksheet(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut f = FormState::new(Fields::parse(&body));
    let scope = match f.value("scope") {
        "all" => Some(Scope::Worksheet),
        "party" => match f.value("party").trim().parse::<Id>() {
            Ok(id) if snap.position(id).is_some() => Some(Scope::Party(id)),
            _ => {
                f.field_error("party", "Choose whose page to print.");
                None
            }
        },
        _ => {
            f.field_error("scope", "Choose what to print.");
            None
        }
    };
    let markdown = match f.value("format") {
        "pdf" => Some(false),
        "markdown" => Some(true),
        _ => {
            f.field_error("format", "Choose PDF or Markdown.");
            None
        }
    };
    let paper = Paper::parse(f.value("paper"));
    if paper.is_none() && markdown == Some(false) {
        f.field_error("paper", "Choose the paper you print on.");
    }
    if let (Some(scope), Some(md), false) = (scope, markdown, f.has_errors()) {
        let sheet = Sheet::build_in(
            &snap.records,
            &snap.now,
            options(&f),
            snap.settings.language,
        );
        tracing::info!("a worksheet was downloaded");
        return if md {
            file(
                &markdown::file_name(scope, snap.now.today),
                "text/markdown; charset=utf-8",
                markdown::write(&sheet, scope).into_bytes(),
            )
        } else {
            let sheet_paper = paper.unwrap_or_default();
            // Laying out a long list takes a moment: off the request threads.
            let made = snap.now.today;
            match tokio::task::spawn_blocking(move || pdf::write(&sheet, scope, sheet_paper)).await
            {
                Ok(bytes) => file(&pdf::file_name(scope, made), "application/pdf", bytes),
                Err(_) => {
                    tracing::error!("a worksheet could not be made");
                    f.problem = Some(
                        "The worksheet could not be made just now. Nothing was changed; try again."
                            .into(),
                    );
                    page_with(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        &view(&app, &snap, &headers, Some(f), None, None),
                    )
                }
            }
        };
    }
    page_with(
        StatusCode::UNPROCESSABLE_ENTITY,
        &view(&app, &snap, &headers, Some(f), None, None),
    )
}

/// `POST /exports/csv`: what (list|harms|plans|commitments), discreet, harm_details, notes.
pub async fn csv(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut f = FormState::new(Fields::parse(&body));
    match What::parse(f.value("what")) {
        Some(what) => {
            let sheet = Sheet::build(&snap.records, &snap.now, options(&f));
            tracing::info!("a CSV table was downloaded");
            file(
                &csv_out::file_name(what, snap.now.today),
                "text/csv; charset=utf-8",
                csv_out::write(&sheet, what),
            )
        }
        None => {
            f.field_error(
                "what",
                "Choose the list, the harms, the plans or the commitments.",
            );
            page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &view(&app, &snap, &headers, None, Some(f), None),
            )
        }
    }
}

/// `POST /exports/calendar`: names (a check box). The calendar as a file.
pub async fn calendar(State(app): State<App>, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let names = Fields::parse(&body).checked("names");
    let key = match app.read(|v| v.calendar_settings()) {
        Some(Ok(s)) => s.uid_key,
        Some(Err(e)) => return trouble(&e),
        None => return see("/unlock"),
    };
    tracing::info!("the calendar was downloaded");
    file(
        ics::FILE_NAME,
        "text/calendar; charset=utf-8",
        ics::calendar(&snap.records, &snap.now, names, &key).into_bytes(),
    )
}

/// `POST /exports/subscription`: action = on | new | off | names-on | names-off.
pub async fn subscription(State(app): State<App>, body: Bytes) -> Response {
    if let Err(r) = open(&app) {
        return r;
    }
    let action = Fields::parse(&body).get("action").to_string();
    let (result, done) = match action.as_str() {
        "on" => (
            app.write(|v, _| v.start_calendar().map(drop)),
            "Your calendar subscription is on. Copy its address into a calendar app on this computer.",
        ),
        "new" => (
            app.write(|v, _| v.new_calendar_token().map(drop)),
            "The subscription has a new address. The old one no longer works: give the new one to your calendar app.",
        ),
        "off" => (
            app.write(|v, _| v.stop_calendar()),
            "The subscription is off. Its address no longer works; your calendar app keeps what it last read until you remove it there.",
        ),
        "names-on" => (
            app.write(|v, _| v.set_calendar_names(true)),
            "Event titles in the subscription now carry names, and descriptions say what is due.",
        ),
        "names-off" => (
            app.write(|v, _| v.set_calendar_names(false)),
            "Event titles in the subscription are discreet again: no names, nothing you wrote.",
        ),
        _ => {
            app.flash(
                FlashKind::Note,
                "Nothing was changed: choose one of the buttons.",
            );
            return see("/exports#calendar");
        }
    };
    match result {
        Some(Ok(())) => {
            tracing::info!("the calendar subscription was changed");
            app.flash(FlashKind::Done, done);
            see("/exports#calendar")
        }
        Some(Err(e)) => trouble(&e),
        None => see("/unlock"),
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

/// `GET /calendar/{token}.ics`: the subscription, for calendar apps (no session cookie). A
/// wrong or stopped token gets 404; while the vault is locked, 503 and nothing else.
pub async fn feed(State(app): State<App>, Path(file): Path<String>) -> Response {
    let Some(token) = file.strip_suffix(".ics") else {
        return plain(StatusCode::NOT_FOUND, "Not found.");
    };
    let Some(settings) = app.read(|v| v.calendar_settings()) else {
        return plain(StatusCode::SERVICE_UNAVAILABLE, "Locked.");
    };
    let settings = match settings {
        Ok(s) => s,
        Err(e) => return trouble(&e),
    };
    let matches = settings.token.as_deref().is_some_and(|t| {
        t.len() == token.len() && bool::from(t.as_bytes().ct_eq(token.as_bytes()))
    });
    if !matches {
        return plain(StatusCode::NOT_FOUND, "Not found.");
    }
    let snap = match app.snapshot() {
        Ok(Some(s)) => s,
        Ok(None) => return plain(StatusCode::SERVICE_UNAVAILABLE, "Locked."),
        Err(e) => return trouble(&e),
    };
    tracing::info!("the calendar subscription was read");
    (
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
        ics::calendar(&snap.records, &snap.now, settings.names, &settings.uid_key),
    )
        .into_response()
}
