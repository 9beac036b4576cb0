//! Adding a party (with an optional first harm), changing its details, setting it aside and
//! bringing it back.

use amends_core::model::{AsideReason, PartyKind};
use amends_core::rules::check_new_party;
use amends_core::text::{self, NAME_MAX, TEXT_MAX};
use amends_vault::{PartyEdit, PartyRef};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::build::{Opt, harm_kinds, party_kinds};
use super::harms::{harm_field, harm_input};
use super::{Ctx, Key, area, prefilled, typed, words};
use crate::forms::{self, FormState};
use crate::state::{App, FlashKind, Snapshot};
use crate::view::{Layout, Nav, open, page, page_with, see};

#[derive(Template)]
#[template(path = "party_new.html")]
struct NewView {
    layout: Layout,
    form: FormState,
    kinds: Vec<Opt>,
    harm_kinds: Vec<Opt>,
    currency: &'static str,
    /// "Such as 120 or 120,50." in the vault's currency and language.
    amount_hint: String,
    same: Option<SameQuestion>,
}

fn new_view(app: &App, snap: &Snapshot, mut form: FormState) -> NewView {
    let same = same_question(app, snap, &mut form, None, &NEW_FIELDS);
    NewView {
        layout: Layout::new(app, "Add to your list", Nav::List),
        kinds: party_kinds(form.value("kind"), snap.settings.amends_to_self),
        harm_kinds: harm_kinds(&form),
        currency: snap.settings.currency.code(),
        amount_hint: crate::forms::amount_hint(snap.settings.currency, snap.settings.language),
        form,
        same,
    }
}

/// The fields of the add form, carried by the "someone else" answer.
const NEW_FIELDS: [&str; 10] = [
    "name",
    "kind",
    "relationship",
    "notes",
    "did",
    "should",
    "effect",
    "when",
    "owed",
    "kinds",
];

/// The fields of the details form, carried by the "someone else" answer to a rename.
pub(crate) const EDIT_FIELDS: [&str; 4] = ["name", "kind", "relationship", "notes"];

/// An entry on the list with the same name, now or before a rename.
pub struct SameView {
    pub id: i64,
    /// Its name now.
    pub name: String,
    /// The name it had before a rename, when that is the one that matched.
    pub former: Option<String>,
}

/// A field sent again, as it was typed.
pub struct Hidden {
    pub name: &'static str,
    pub value: String,
}

/// "Is this the same person as entry N?", with the form's fields ready to send again with
/// `another=yes` when the person says it is someone else.
pub struct SameQuestion {
    pub people: Vec<SameView>,
    pub hidden: Vec<Hidden>,
}

/// When the vault refused a name as one already on the list, the question to ask instead of
/// the refusal (whose words name the command line). `except` is the party being renamed.
pub(crate) fn same_question(
    app: &App,
    snap: &Snapshot,
    form: &mut FormState,
    except: Option<i64>,
    fields: &[&'static str],
) -> Option<SameQuestion> {
    let refusal = form.refusal.as_ref()?;
    if !refusal.reason.starts_with(amends_vault::SAME_NAME) {
        return None;
    }
    let key = text::name_key(form.value("name"));
    let mut people: Vec<SameView> = Vec::new();
    let current = |id: i64| {
        snap.records
            .iter()
            .find(|r| r.party.id == id)
            .map(|r| r.party.name.clone())
    };
    let listed = app
        .read(|v| v.listed_names())
        .and_then(Result::ok)
        .unwrap_or_default();
    for l in listed
        .iter()
        .filter(|l| Some(l.id) != except && text::name_key(&l.name) == key)
    {
        let Some(name) = current(l.id) else { continue };
        match people.iter_mut().find(|p| p.id == l.id) {
            Some(p) if !l.former => p.former = None,
            Some(_) => {}
            None => people.push(SameView {
                id: l.id,
                name,
                former: l.former.then(|| l.name.clone()),
            }),
        }
    }
    // The entries the refusal names, should the list have changed since.
    if people.is_empty() {
        let ids = refusal
            .reason
            .split("(entry ")
            .nth(1)
            .and_then(|rest| rest.split(')').next())
            .unwrap_or("");
        for id in ids.split(", ").filter_map(|i| i.trim().parse::<i64>().ok()) {
            if let Some(name) = current(id) {
                people.push(SameView {
                    id,
                    name,
                    former: None,
                });
            }
        }
    }
    people.sort_by_key(|p| p.id);
    form.refusal = None;
    let mut hidden = Vec::new();
    for name in fields {
        for value in form.values.all(name) {
            hidden.push(Hidden {
                name,
                value: value.to_string(),
            });
        }
    }
    Some(SameQuestion { people, hidden })
}

/// The harm fields of the add form; a harm is recorded when any of them is filled in.
const HARM_FIELDS: [&str; 5] = ["did", "should", "effect", "when", "owed"];

fn party_field(core: &str) -> Option<&'static str> {
    match core {
        "name" => Some("name"),
        "kind" => Some("kind"),
        "relationship" => Some("relationship"),
        "notes" => Some("notes"),
        other => harm_field(other),
    }
}

/// `GET /parties/new`.
pub async fn new_page(State(app): State<App>) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let form = prefilled(&[("kind", PartyKind::Person.code())]);
    page(&new_view(&app, &snap, form))
}

/// Files a text check's "no" beside its field.
fn check(form: &mut FormState, input: &'static str, result: Result<String, amends_core::Invalid>) {
    if let Err(e) = result {
        form.invalid(e, |_| Some(input));
    }
}

/// `POST /parties`: the party, and a first harm if one was described.
pub async fn create(State(app): State<App>, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut form = typed(&body);
    let name = form.value("name").to_string();
    let relationship = form.value("relationship").to_string();
    let notes = area(&form, "notes");
    let kind = forms::choice(&mut form, "kind", PartyKind::parse);
    check(&mut form, "name", text::name(&name));
    check(
        &mut form,
        "relationship",
        text::optional("relationship", &relationship, NAME_MAX),
    );
    check(
        &mut form,
        "notes",
        text::optional("notes", &notes, TEXT_MAX),
    );
    let wants_harm = HARM_FIELDS.iter().any(|f| !form.value(f).trim().is_empty())
        || !form.values.all("kinds").is_empty();
    let harm = if wants_harm {
        if form.value("did").trim().is_empty() {
            form.field_error(
                "did",
                "Say what you did, or leave the harm fields empty to add only the name.",
            );
        }
        let harm = harm_input(&mut form, snap.settings.currency, snap.settings.language);
        // The same checks the vault makes, so that the party is not added without its harm.
        if let Some(h) = &harm {
            check(&mut form, "did", text::required("did", &h.did, TEXT_MAX));
            check(
                &mut form,
                "should",
                text::optional("should", &h.should, TEXT_MAX),
            );
            check(
                &mut form,
                "effect",
                text::optional("effect", &h.effect, TEXT_MAX),
            );
            check(&mut form, "when", text::optional("when", &h.when, NAME_MAX));
        }
        harm
    } else {
        None
    };
    if let Some(k) = kind
        && let Err(refusal) = check_new_party(&snap.settings, k)
    {
        form.core_error(refusal.into(), |_| None);
    }
    let again = |app: &App, mut form: FormState| {
        words::tidy(&mut form);
        page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &new_view(app, &snap, form),
        )
    };
    let Some(kind) = kind else {
        return again(&app, form);
    };
    if form.has_errors() || (wants_harm && harm.is_none()) {
        return again(&app, form);
    }
    let another = form.value("another") == "yes";
    let result = app.write(|v, now| {
        let party = if another {
            v.add_another_party(&name, kind, &relationship, &notes, now)?
        } else {
            v.add_party(&name, kind, &relationship, &notes, now)?
        };
        let harm = match &harm {
            Some(h) => Some(v.add_harm(&PartyRef::Id(party.id), h, now)?),
            None => None,
        };
        Ok((party, harm))
    });
    match result {
        Some(Ok((party, harm))) => {
            app.flash(
                FlashKind::Done,
                if harm.is_some() {
                    "Added to your list, with the harm."
                } else {
                    "Added to your list. You can describe the harm below when you are ready."
                },
            );
            for w in party
                .warnings
                .iter()
                .chain(harm.iter().flat_map(|h| &h.warnings))
            {
                app.flash(FlashKind::Note, words::web_text(w));
            }
            see(&format!("/parties/{}", party.id))
        }
        Some(Err(e)) => {
            form.vault_error(e, party_field);
            again(&app, form)
        }
        None => see("/unlock"),
    }
}

/// `POST /parties/{id}/edit`: name, kind, relationship, notes; only what changed is sent.
pub async fn edit(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> Response {
    let ctx = match Ctx::load(&app, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut form = typed(&body);
    let kind = forms::choice(&mut form, "kind", PartyKind::parse);
    if form.has_errors() {
        return ctx.again(Key::Edit, form);
    }
    let p = &ctx.record().party;
    let changed = |now: &str, was: &str| (now.trim() != was.trim()).then(|| now.to_string());
    let edit = PartyEdit {
        name: changed(form.value("name"), &p.name),
        kind: kind.filter(|k| *k != p.kind),
        relationship: changed(form.value("relationship"), &p.relationship),
        notes: changed(&area(&form, "notes"), &p.notes),
        another: form.value("another") == "yes",
    };
    if edit.name.is_none()
        && edit.kind.is_none()
        && edit.relationship.is_none()
        && edit.notes.is_none()
    {
        return ctx.unchanged("details");
    }
    match app.write(|v, now| v.edit_party(&PartyRef::Id(ctx.id()), &edit, now)) {
        Some(Ok(rec)) => ctx.done(
            "The details are changed. The earlier wording is kept in the history.",
            &rec.warnings,
            "details",
        ),
        Some(Err(e)) => {
            form.vault_error(e, party_field);
            ctx.again(Key::Edit, form)
        }
        None => see("/unlock"),
    }
}

/// `POST /parties/{id}/aside`: a reason and a note; nothing is deleted.
pub async fn set_aside(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> Response {
    let ctx = match Ctx::load(&app, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut form = typed(&body);
    let reason = forms::choice(&mut form, "reason", AsideReason::parse);
    let Some(reason) = reason else {
        return ctx.again(Key::Aside, form);
    };
    let note = area(&form, "note");
    match app.write(|v, now| v.set_aside_party(&PartyRef::Id(ctx.id()), reason, &note, now)) {
        Some(Ok(_)) => ctx.done(
            "Set aside. Everything stays in your vault, and you can bring it back at any time.",
            &[],
            "top",
        ),
        Some(Err(e)) => {
            form.vault_error(e, |f| match f {
                "note" => Some("note"),
                "reason" => Some("reason"),
                _ => None,
            });
            ctx.again(Key::Aside, form)
        }
        None => see("/unlock"),
    }
}

/// `POST /parties/{id}/restore`.
pub async fn restore(State(app): State<App>, Path(id): Path<String>) -> Response {
    let ctx = match Ctx::load(&app, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match app.write(|v, now| v.restore_party(&PartyRef::Id(ctx.id()), now)) {
        Some(Ok(_)) => ctx.done("Back on your list.", &[], "top"),
        Some(Err(e)) => {
            let mut form = FormState::default();
            form.vault_error(e, |_| None);
            ctx.again(Key::Top, form)
        }
        None => see("/unlock"),
    }
}
