//! People I support: what each person who shares with this vault shared, read-only and kept
//! apart from the person's own list, with their progress at a glance; notes on their entries
//! and plans, and the review sent back (preview, confirm, download or send through the relay).

use crate::routes::Routes;
use amends_share::{
    Delivery, NoteInput, PreparedReview, ShareError, Supported, add_note, note_on_current_safety,
    prepare_review, seal_review, seal_review_for_relay, send_via, supported, supported_from,
};
use amends_vault::{ContactRef, ReviewNote, VaultError, Verdict};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::relay::{self, Step};
use super::shared::{PartyShown, parties_shown, parts_words, read_share, share_words, write_share};
use super::sharing::{SafetyShown, no_contact, safety_brief, safety_shown, sentence};
use crate::forms::{Fields, FormState};
use crate::state::{App, FlashKind, Snapshot};
use crate::view::{Layout, Nav, day_of, download, open, page, page_with, see};

pub fn routes() -> Routes {
    Routes::new()
        .get("/supported", list_page)
        .get("/supported/{id}", theirs_page)
        .get_post("/supported/{id}/notes", to_theirs, add)
        .get_post(
            "/supported/{id}/notes/{note}/delete",
            to_theirs,
            delete_note,
        )
        .get_post("/supported/{id}/review", review_page, send_review)
}

pub struct StageCount {
    pub label: String,
    pub n: usize,
}

pub struct Card {
    pub id: i64,
    pub label: String,
    pub parties: usize,
    pub by_stage: Vec<StageCount>,
    pub plans_to_review: usize,
    pub made: usize,
    pub received: String,
    pub changes: usize,
    pub unsent: usize,
}

pub struct Waiting {
    pub id: i64,
    pub label: String,
}

#[derive(Template)]
#[template(path = "supported.html")]
struct ListView {
    layout: Layout,
    cards: Vec<Card>,
    waiting: Vec<Waiting>,
    /// Whether a relay address is set (to offer "Check for new").
    relay: bool,
}

/// `GET /supported`: one card per person who shares with this vault.
pub async fn list_page(State(app): State<App>) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let loaded = read_share(&app, |v| {
        let all = supported(v)?;
        let mut unsent = Vec::with_capacity(all.len());
        for s in &all {
            unsent.push(v.review_notes(s.contact.id, true)?.len());
        }
        Ok((all, unsent, v.contacts()?))
    });
    let (all, unsent, contacts) = match loaded {
        Some(Ok(x)) => x,
        Some(Err(e)) => return trouble(&e),
        None => return see("/unlock"),
    };
    let waiting = contacts
        .into_iter()
        .filter(|c| c.role == "supported" && !all.iter().any(|s| s.contact.id == c.id))
        .map(|c| Waiting {
            id: c.id,
            label: c.label,
        })
        .collect();
    let cards = all
        .into_iter()
        .zip(unsent)
        .map(|(s, unsent)| Card {
            id: s.contact.id,
            label: s.contact.label.clone(),
            parties: s.glance.parties,
            by_stage: s
                .glance
                .by_stage
                .iter()
                .map(|(code, n)| StageCount {
                    label: amends_share::stage_label(code),
                    n: *n,
                })
                .collect(),
            plans_to_review: s.glance.plans_to_review,
            made: s.glance.made,
            received: day_of(&snap, s.received_at),
            changes: s.changes.len(),
            unsent,
        })
        .collect();
    page(&ListView {
        layout: Layout::new(&app, "People I support", Nav::Supported),
        cards,
        waiting,
        relay: relay::address(&app).is_some(),
    })
}

fn trouble(e: &ShareError) -> Response {
    match e {
        ShareError::Vault(v) => crate::view::trouble(v),
        other => crate::view::trouble(&VaultError::Storage(other.to_string())),
    }
}

pub struct NoteView {
    pub id: i64,
    pub party: String,
    pub verdict: Option<&'static str>,
    pub about_plan: bool,
    pub text: String,
    pub written: String,
    pub sent: bool,
    /// With a view on the plan: the safety verdict their latest share shows for the party, in a
    /// few words (`None`: not shared).
    pub safety: Option<String>,
    /// False for a view given on another safety verdict than the one shown now: it will not
    /// count for them.
    pub on_current_safety: bool,
}

fn verdict_words(v: Verdict) -> &'static str {
    match v {
        Verdict::Approved => "Approved",
        Verdict::TalkFirst => "Let's talk first",
    }
}

fn note_view(snap: &Snapshot, held: &Supported, n: &ReviewNote) -> NoteView {
    let party = held.body.parties.iter().find(|p| p.id == n.party_ref);
    NoteView {
        id: n.id,
        safety: party.and_then(safety_brief),
        on_current_safety: n.sent_sequence.is_some() || note_on_current_safety(&held.body, n),
        party: party
            .map(|p| p.name.clone())
            .unwrap_or_else(|| "an entry no longer in their share".into()),
        verdict: n.verdict.map(verdict_words),
        about_plan: n.plan_version.is_some(),
        text: n.text.clone(),
        written: day_of(snap, n.written),
        sent: n.sent_sequence.is_some(),
    }
}

pub struct TheirParty {
    pub p: PartyShown,
    /// Its safety verdict (or that it was not shared): shown first.
    pub v: SafetyShown,
    pub notes: Vec<NoteView>,
    pub form: FormState,
    pub open: bool,
}

pub struct ChangeView {
    pub party: String,
    pub change: String,
}

#[derive(Template)]
#[template(path = "supported_one.html")]
struct TheirsView {
    layout: Layout,
    id: i64,
    label: String,
    sent_on: String,
    received_on: String,
    changes: Vec<ChangeView>,
    whole: bool,
    parts: String,
    parties: Vec<TheirParty>,
    unsent: usize,
}

/// What someone shared, and the notes written on it, for a contact id; or the page to show
/// instead.
// The error is the response itself.
#[allow(clippy::result_large_err)]
fn held(app: &App, id: &str) -> Result<(Supported, Vec<ReviewNote>), Response> {
    let Ok(id) = id.trim().parse::<i64>() else {
        return Err(no_contact(app));
    };
    let loaded = read_share(app, |v| {
        let s = supported_from(v, &ContactRef::Id(id))?;
        let notes = match &s {
            Some(s) => v.review_notes(s.contact.id, false)?,
            None => Vec::new(),
        };
        Ok((s, notes))
    });
    match loaded {
        Some(Ok((Some(s), notes))) => Ok((s, notes)),
        Some(Ok((None, _))) => Err(nothing_shared(app)),
        Some(Err(ShareError::Vault(VaultError::NoSuchContact))) => Err(no_contact(app)),
        Some(Err(e)) => Err(trouble(&e)),
        None => Err(see("/unlock")),
    }
}

#[derive(Template)]
#[template(path = "supported_none.html")]
struct NothingView {
    layout: Layout,
}

fn nothing_shared(app: &App) -> Response {
    page_with(
        StatusCode::NOT_FOUND,
        &NothingView {
            layout: Layout::new(app, "Nothing shared yet", Nav::Supported),
        },
    )
}

fn theirs_view(
    app: &App,
    snap: &Snapshot,
    s: &Supported,
    notes: &[ReviewNote],
    mut failed: Option<(i64, FormState)>,
) -> TheirsView {
    let parties = parties_shown(&s.body)
        .into_iter()
        .zip(&s.body.parties)
        .map(|(p, sp)| {
            let (form, open) = match failed.take_if(|(id, _)| *id == p.id) {
                Some((_, f)) => (f, true),
                None => (FormState::default(), false),
            };
            TheirParty {
                notes: notes
                    .iter()
                    .filter(|n| n.party_ref == p.id)
                    .map(|n| note_view(snap, s, n))
                    .collect(),
                form,
                open,
                v: safety_shown(sp),
                p,
            }
        })
        .collect();
    TheirsView {
        layout: Layout::new(app, "What they shared", Nav::Supported),
        id: s.contact.id,
        label: s.contact.label.clone(),
        sent_on: day_of(snap, s.sent_at),
        received_on: day_of(snap, s.received_at),
        changes: s
            .changes
            .iter()
            .map(|d| ChangeView {
                party: d.party.clone(),
                change: d.change.clone(),
            })
            .collect(),
        whole: s.body.whole_list,
        parts: parts_words(&s.body),
        parties,
        unsent: notes.iter().filter(|n| n.sent_sequence.is_none()).count(),
    }
}

/// `GET /supported/{id}`.
pub async fn theirs_page(State(app): State<App>, Path(id): Path<String>) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    match held(&app, &id) {
        Ok((s, notes)) => page(&theirs_view(&app, &snap, &s, &notes, None)),
        Err(r) => r,
    }
}

async fn to_theirs(Path(params): Path<std::collections::HashMap<String, String>>) -> Response {
    let id = params
        .get("id")
        .and_then(|i| i.trim().parse::<i64>().ok())
        .unwrap_or(0);
    see(&format!("/supported/{id}"))
}

/// `POST /supported/{id}/notes`: party, verdict ("", approved, talk-first), about ("plan"), text.
pub async fn add(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (s, notes) = match held(&app, &id) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut form = FormState::new(Fields::parse(&body));
    let Some(party) = form
        .value("party")
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|p| s.body.parties.iter().any(|x| x.id == *p))
    else {
        app.flash(
            FlashKind::Note,
            "That entry is not in what they shared now. Nothing was saved.",
        );
        return see(&format!("/supported/{}", s.contact.id));
    };
    let verdict = match form.value("verdict").trim() {
        "" => None,
        v => match Verdict::parse(v) {
            Ok(v) => Some(v),
            Err(_) => {
                form.field_error("verdict", "Choose one of the options.");
                None
            }
        },
    };
    let text = form.value("text").replace("\r\n", "\n").trim().to_string();
    if verdict.is_none() && text.is_empty() && !form.has_errors() {
        form.field_error(
            "text",
            "Write a comment, or choose approved or let's talk first.",
        );
    }
    if !form.has_errors() {
        let note = NoteInput {
            party,
            about_plan: form.value("about") == "plan",
            verdict,
            text,
        };
        let cid = s.contact.id;
        match write_share(&app, |v, now| add_note(v, &ContactRef::Id(cid), &note, now)) {
            Some(Ok(_)) => {
                app.flash(
                    FlashKind::Done,
                    "Your note is kept. It goes to them with your next review.",
                );
                return see(&format!("/supported/{cid}#party-{party}"));
            }
            Some(Err(ShareError::Vault(VaultError::Invalid { field, message }))) => {
                let input = if field == "verdict" {
                    "verdict"
                } else {
                    "text"
                };
                form.field_error(input, sentence(&message));
            }
            Some(Err(e)) => form.problem = Some(share_words(&e)),
            None => return see("/unlock"),
        }
    }
    page_with(
        StatusCode::UNPROCESSABLE_ENTITY,
        &theirs_view(&app, &snap, &s, &notes, Some((party, form))),
    )
}

/// `POST /supported/{id}/notes/{note}/delete`: deletes a note not yet sent.
pub async fn delete_note(
    State(app): State<App>,
    Path((id, note)): Path<(String, String)>,
) -> Response {
    if let Err(r) = open(&app) {
        return r;
    }
    let (s, notes) = match held(&app, &id) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let cid = s.contact.id;
    let Some(n) = note
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|n| notes.iter().find(|x| x.id == n))
    else {
        app.flash(
            FlashKind::Note,
            "That note is not there any more. Nothing was changed.",
        );
        return see(&format!("/supported/{cid}"));
    };
    let (nid, party) = (n.id, n.party_ref);
    match app.write(|v, _| v.delete_review_note(nid)) {
        Some(Ok(())) => {
            app.flash(FlashKind::Done, "The note is deleted.");
            see(&format!("/supported/{cid}#party-{party}"))
        }
        Some(Err(VaultError::Invalid { field, message })) => {
            app.flash(FlashKind::Note, format!("This {field} {message}."));
            see(&format!("/supported/{cid}#party-{party}"))
        }
        Some(Err(e)) => crate::view::trouble(&e),
        None => see("/unlock"),
    }
}

#[derive(Template)]
#[template(path = "supported_review.html")]
struct ReviewView {
    layout: Layout,
    id: i64,
    label: String,
    notes: Vec<NoteView>,
    ids: String,
    changed: bool,
    message: Option<String>,
    /// Why the last try to send did not run (shown above the confirm button).
    problem: Option<String>,
    /// The relay address, when one is set: the review can go through it.
    relay: Option<String>,
}

fn ids_of(p: &PreparedReview) -> String {
    p.notes
        .iter()
        .map(|n| n.id.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// The review as it would go now, or the page that says why there is none.
fn review_view(
    app: &App,
    snap: &Snapshot,
    s: &Supported,
    result: Result<PreparedReview, ShareError>,
    changed: bool,
) -> (StatusCode, ReviewView) {
    let mut v = ReviewView {
        layout: Layout::new(app, "Send your review", Nav::Supported),
        id: s.contact.id,
        label: s.contact.label.clone(),
        notes: Vec::new(),
        ids: String::new(),
        changed,
        message: None,
        problem: None,
        relay: relay::address(app),
    };
    match result {
        Ok(p) => {
            v.ids = ids_of(&p);
            v.notes = p.notes.iter().map(|n| note_view(snap, s, n)).collect();
            (StatusCode::OK, v)
        }
        Err(ShareError::NothingToReview) => {
            v.message = Some(
                "There is nothing new to send yet: write a comment or give your view on a plan first."
                    .into(),
            );
            (StatusCode::OK, v)
        }
        Err(e) => {
            v.message = Some(share_words(&e));
            (StatusCode::CONFLICT, v)
        }
    }
}

/// `GET /supported/{id}/review`: the notes that would go, to read before sending.
pub async fn review_page(State(app): State<App>, Path(id): Path<String>) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (s, _) = match held(&app, &id) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let cid = s.contact.id;
    let Some(result) = write_share(&app, |v, _| prepare_review(v, &ContactRef::Id(cid))) else {
        return see("/unlock");
    };
    let (status, v) = review_view(&app, &snap, &s, result, false);
    page_with(status, &v)
}

/// `POST /supported/{id}/review`: notes (the ids previewed). Seals exactly those, or shows
/// the review again if the notes changed since.
pub async fn send_review(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (s, _) = match held(&app, &id) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let cid = s.contact.id;
    let fields = Fields::parse(&body);
    let previewed = fields.get("notes").trim().to_string();
    let Some(result) = write_share(&app, |v, _| prepare_review(v, &ContactRef::Id(cid))) else {
        return see("/unlock");
    };
    let prepared = match result {
        Ok(p) if ids_of(&p) == previewed => p,
        other => {
            let changed = other.is_ok();
            let (status, v) = review_view(&app, &snap, &s, other, changed);
            return page_with(status, &v);
        }
    };
    if fields.get("via") == "relay" {
        return review_for_relay(&app, &snap, &s, prepared).await;
    }
    match write_share(&app, |v, now| seal_review(v, &prepared, now)) {
        Some(Ok(sealed)) => {
            tracing::info!("a review was sealed");
            app.flash(
                FlashKind::Done,
                format!(
                    "Your review for {} was sealed into the file {}. Send them that file; their Amends puts each note on the right entry.",
                    s.contact.label, sealed.file_name
                ),
            );
            download(&sealed.file_name, sealed.bytes)
        }
        Some(Err(e)) => {
            let (_, v) = review_view(&app, &snap, &s, Err(e), false);
            page_with(StatusCode::UNPROCESSABLE_ENTITY, &v)
        }
        None => see("/unlock"),
    }
}

/// Seals the review previewed into the outbox and hands it to the relay; says what happened.
async fn review_for_relay(
    app: &App,
    snap: &Snapshot,
    s: &Supported,
    prepared: PreparedReview,
) -> Response {
    let cid = s.contact.id;
    let step = relay::run(app, move |v, relay, now| {
        let sealed = seal_review_for_relay(v, &prepared, now)?;
        Ok(match sealed.outbox {
            Some(id) => send_via(v, id, relay, now),
            None => Ok(Delivery::Sent),
        })
    })
    .await;
    match step {
        Step::Locked => see("/unlock"),
        Step::Ran {
            address,
            result: Ok(sent),
        } => {
            tracing::info!("a review was sealed for the relay");
            let (kind, text) = relay::delivery_words(
                &address,
                &format!("Your review for {}", s.contact.label),
                "If it cannot reach them, talk your notes over with them instead.",
                sent,
            );
            app.flash(kind, text);
            see(&format!("/supported/{cid}"))
        }
        Step::Ran { result: Err(e), .. } => {
            // Not sealed: the notes are still unsent, and nothing was kept or sent.
            let (_, v) = review_view(app, snap, s, Err(e), false);
            page_with(StatusCode::UNPROCESSABLE_ENTITY, &v)
        }
        other => {
            let (_, mut v) = review_view(app, snap, s, prepare_again(app, cid), false);
            v.problem = Some(format!(
                "{} Nothing was sealed.",
                relay::not_run_words(&other)
            ));
            page_with(StatusCode::UNPROCESSABLE_ENTITY, &v)
        }
    }
}

/// The review as it would go now (after a step that did not run).
fn prepare_again(app: &App, cid: i64) -> Result<PreparedReview, ShareError> {
    write_share(app, |v, _| prepare_review(v, &ContactRef::Id(cid)))
        .unwrap_or(Err(ShareError::NothingToReview))
}
