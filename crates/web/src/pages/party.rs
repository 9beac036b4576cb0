//! A party's page: everything about one person (or organisation) on the list, with a form for
//! every change the CLI can make, each beside what it changes.
//!
//! Every handler loads the party from the snapshot first (an unknown id gets a calm 404), checks
//! what was typed, then makes one vault call. A refusal shows the whole page again with status
//! 422, the message beside the form that was sent, and what was typed still in it.

mod build;
mod coach;
mod entry;
mod follow_through;
mod harms;
mod planning;
mod safety;
pub(crate) mod steps;
pub(crate) mod words;

use std::collections::HashMap;
use std::sync::Arc;

use crate::routes::Routes;
use amends_core::model::PartyRecord;
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;

use crate::forms::{Fields, FormState};
use crate::state::{App, FlashKind, Snapshot};
use crate::view::{Layout, Nav, page, page_with, see};
use steps::{Part, Want};

pub fn routes() -> Routes {
    Routes::new()
        .get("/parties/new", entry::new_page)
        .get_post("/parties", to_list, entry::create)
        .get("/parties/{id}", show)
        .get("/parties/{id}/timeline", show_part)
        .get_post("/parties/{id}/edit", show_part, entry::edit)
        .get_post("/parties/{id}/aside", to_party, entry::set_aside)
        .get_post("/parties/{id}/restore", to_party, entry::restore)
        .get_post("/parties/{id}/harms", show_part, harms::add)
        .get_post("/parties/{id}/harms/{harm}/edit", to_party, harms::edit)
        .get_post(
            "/parties/{id}/harms/{harm}/aside",
            to_party,
            harms::set_aside,
        )
        .get_post(
            "/parties/{id}/harms/{harm}/restore",
            to_party,
            harms::restore,
        )
        .get_post(
            "/parties/{id}/willingness",
            show_part,
            planning::willingness,
        )
        .get_post("/parties/{id}/safety", show_part, safety::answer)
        .get_post("/parties/{id}/consult", show_part, planning::consult)
        .get_post("/parties/{id}/plan", show_part, planning::plan)
        .get_post("/parties/{id}/coach", to_party, coach::coach)
        .get_post("/parties/{id}/consent", to_party, planning::consent)
        .get_post("/parties/{id}/defer", to_party, planning::defer)
        .get_post("/parties/{id}/resume", to_party, planning::resume)
        .get_post("/parties/{id}/attempt", show_part, follow_through::attempt)
        .get_post(
            "/parties/{id}/commitments",
            show_part,
            follow_through::commit,
        )
        .get_post(
            "/parties/{id}/commitments/{commitment}/close",
            to_party,
            follow_through::close,
        )
}

/// Which form on the page was sent (to show it again with its messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Key {
    Edit,
    Aside,
    HarmNew,
    HarmEdit(i64),
    HarmAside(i64),
    Willingness,
    Safety,
    Consult,
    Plan,
    Consent,
    Defer,
    Attempt,
    Restitution,
    Living,
    Promise,
    /// A payment on this restitution (sent from the party's page or the home page).
    Pay(i64),
    /// A check-in on this living amends.
    CheckIn(i64),
    Close(i64),
    /// A form with no fields of its own (restore, resume): the message goes at the top.
    Top,
}

/// One party, loaded for a request.
pub(crate) struct Ctx {
    pub app: App,
    pub snap: Arc<Snapshot>,
    at: usize,
}

impl Ctx {
    /// The party with this id from an open vault; otherwise the page to go to instead.
    // The error is the response itself, made once and sent at once: boxing it buys nothing.
    #[allow(clippy::result_large_err)]
    pub fn load(app: &App, id: &str) -> Result<Ctx, Response> {
        let snap = crate::view::open(app)?;
        let at = id
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|id| snap.position(id))
            .ok_or_else(|| missing(app))?;
        Ok(Ctx {
            app: app.clone(),
            snap,
            at,
        })
    }

    pub fn record(&self) -> &PartyRecord {
        &self.snap.records[self.at]
    }

    pub fn id(&self) -> i64 {
        self.record().party.id
    }

    /// A part of the page as it stands (the summary, or one step of the work).
    pub fn show(&self, want: &Want) -> Response {
        page(&build::page(self, None, want))
    }

    /// The part with the form that was sent, its messages and what was typed (422).
    pub fn again(&self, key: Key, mut form: FormState) -> Response {
        words::tidy(&mut form);
        page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &build::page(self, Some((key, form)), &Want::part(Part::of_key(key))),
        )
    }

    /// The address of a section of the page: in the part that holds it.
    pub fn at(&self, section: &str) -> String {
        format!("{}#{section}", Part::of_section(section).href(self.id()))
    }

    /// After a change: a message for the next page, and back to the section it was made in.
    pub fn done(&self, message: &str, warnings: &[String], section: &str) -> Response {
        self.app.flash(FlashKind::Done, message);
        for w in warnings {
            self.app.flash(FlashKind::Note, words::web_text(w));
        }
        see(&self.at(section))
    }

    /// Nothing was different from what is recorded, so nothing was written.
    pub fn unchanged(&self, section: &str) -> Response {
        self.app.flash(
            FlashKind::Note,
            "Nothing was different from what is recorded, so nothing changed.",
        );
        see(&self.at(section))
    }
}

/// The fields of a form, as a form state (what a handler checks and may show again).
pub(crate) fn typed(body: &axum::body::Bytes) -> FormState {
    FormState::new(Fields::parse(body))
}

/// A form state filled with values, for a form that starts from what is recorded.
pub(crate) fn prefilled(pairs: &[(&str, &str)]) -> FormState {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    FormState::new(Fields::parse(&axum::body::Bytes::from(s.finish())))
}

/// Text from a text area, with the browser's line endings made plain.
pub(crate) fn area(form: &FormState, name: &str) -> String {
    form.value(name).replace("\r\n", "\n")
}

#[derive(Template)]
#[template(path = "party_missing.html")]
struct MissingView {
    layout: Layout,
}

/// The calm answer for an id that is not (or no longer) on the list.
pub(crate) fn missing(app: &App) -> Response {
    page_with(
        StatusCode::NOT_FOUND,
        &MissingView {
            layout: Layout::new(app, "Not on your list", Nav::List),
        },
    )
}

/// `GET /parties/{id}`: the summary, with the next step on top.
async fn show(
    axum::extract::State(app): axum::extract::State<App>,
    Path(id): Path<String>,
) -> Response {
    match Ctx::load(&app, &id) {
        Ok(ctx) => ctx.show(&Want::part(Part::Summary)),
        Err(r) => r,
    }
}

/// `GET /parties/{id}/{part}`: one part of the page, at the address its forms are sent to
/// (`?checkins=C&page=N` turns the pages of a living amends' check-ins).
async fn show_part(
    axum::extract::State(app): axum::extract::State<App>,
    Path(params): Path<HashMap<String, String>>,
    uri: axum::http::Uri,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let id = params.get("id").map(String::as_str).unwrap_or("");
    let part = Part::of_segment(uri.path().rsplit('/').next().unwrap_or(""));
    let number = |k: &str| query.get(k).and_then(|v| v.trim().parse::<i64>().ok());
    let checkins = number("checkins")
        .zip(number("page"))
        .map(|(c, n)| (c, usize::try_from(n).unwrap_or(1).max(1)));
    match Ctx::load(&app, id) {
        Ok(ctx) => ctx.show(&Want { part, checkins }),
        Err(r) => r,
    }
}

/// A form's address opened directly (a reload or a bookmark): to the part that holds the form.
async fn to_party(
    axum::extract::State(app): axum::extract::State<App>,
    Path(params): Path<HashMap<String, String>>,
    uri: axum::http::Uri,
) -> Response {
    let id = params.get("id").map(String::as_str).unwrap_or("");
    let segment = uri.path().split('/').nth(3).unwrap_or("");
    match Ctx::load(&app, id) {
        Ok(ctx) => see(&Part::of_segment(segment).href(ctx.id())),
        Err(r) => r,
    }
}

async fn to_list() -> Response {
    see("/list")
}

/// The harm with this id, if it is one of this party's.
pub(crate) fn own_harm(ctx: &Ctx, harm: &str) -> Option<i64> {
    let id = harm.trim().parse::<i64>().ok()?;
    ctx.record().harms.iter().any(|h| h.id == id).then_some(id)
}

/// The commitment with this id, if it is one of this party's.
pub(crate) fn own_commitment(ctx: &Ctx, commitment: &str) -> Option<i64> {
    let id = commitment.trim().parse::<i64>().ok()?;
    ctx.record()
        .commitments
        .iter()
        .any(|c| c.id == id)
        .then_some(id)
}
