//! Becoming willing and deciding how: willingness, talking it over, the plan, a third party's
//! consent, putting it off and taking it up again.

use amends_core::model::{Adviser, Willingness};
use amends_vault::{ConsultInput, PartyRef, PlanChange};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;

use super::{Ctx, Key, area, typed};
use crate::forms::{self, FormState};
use crate::state::App;
use crate::view::{day, see};

/// `POST /parties/{id}/willingness`: now, later, maybe or never, with a note.
pub async fn willingness(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> Response {
    let ctx = match Ctx::load(&app, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut form = typed(&body);
    let Some(level) = forms::choice(&mut form, "level", Willingness::parse) else {
        return ctx.again(Key::Willingness, form);
    };
    let note = area(&form, "note");
    match app.write(|v, now| v.set_willingness(&PartyRef::Id(ctx.id()), level, &note, now)) {
        Some(Ok(rec)) => ctx.done(
            &format!("Willingness recorded: {}.", level.label()),
            &rec.warnings,
            "willingness",
        ),
        Some(Err(e)) => {
            form.vault_error(e, |f| (f == "note").then_some("note"));
            ctx.again(Key::Willingness, form)
        }
        None => see("/unlock"),
    }
}

/// `POST /parties/{id}/consult`: with whom, their name, when, what they advised, approval.
pub async fn consult(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> Response {
    let ctx = match Ctx::load(&app, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut form = typed(&body);
    let with = forms::choice(&mut form, "with", Adviser::parse);
    let on = forms::date(&mut form, "on", "date");
    let approved = match form.value("approved") {
        "yes" => Some(true),
        "no" => Some(false),
        "" => None,
        _ => {
            form.field_error("approved", "Choose one of the options.");
            None
        }
    };
    if with == Some(Adviser::Lawyer) && approved.is_some() {
        form.field_error(
            "approved",
            "A lawyer advises on the legal side but does not approve an amends. Choose \"gave no view\" here, and record your sponsor's or adviser's approval separately.",
        );
    }
    let (Some(with), Some(on)) = (with, on) else {
        return ctx.again(Key::Consult, form);
    };
    if form.has_errors() {
        return ctx.again(Key::Consult, form);
    }
    let input = ConsultInput {
        with,
        name: form.value("name").to_string(),
        on,
        advice: area(&form, "advice"),
        approved,
    };
    match app.write(|v, now| v.consult(&PartyRef::Id(ctx.id()), &input, now)) {
        Some(Ok(rec)) => ctx.done(
            &format!("Your talk with your {} is recorded.", with.label()),
            &rec.warnings,
            "consult",
        ),
        Some(Err(e)) => {
            form.vault_error(e, |f| match f {
                "name" => Some("name"),
                "advice" => Some("advice"),
                "date" => Some("on"),
                "approve" => Some("approved"),
                _ => None,
            });
            ctx.again(Key::Consult, form)
        }
        None => see("/unlock"),
    }
}

/// `POST /parties/{id}/plan`: makes the plan, or changes it keeping what was not changed.
pub async fn plan(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> Response {
    let ctx = match Ctx::load(&app, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut form = typed(&body);
    let current = ctx.record().plan.as_ref();
    // What (kind) and how (method: the channel) are chosen apart.
    let way = if form.value("method").trim().is_empty() && form.value("kind").trim().is_empty() {
        None
    } else {
        super::planning::way_of(&mut form)
    };
    if current.is_none()
        && way.is_none()
        && form.error("method").is_none()
        && form.error("kind").is_none()
    {
        form.field_error("method", "Choose how you mean to make the amends.");
    }
    let on = forms::optional_date(&mut form, "on", "date");
    if let Some(p) = current
        && form.value("version") != p.updated.to_string()
    {
        form.problem = Some(
            "The plan was changed in another window after this page was opened, so nothing was saved. \
             The plan as it is now is shown above the form; look it over, then save again."
                .into(),
        );
    }
    let Some(on) = on else {
        return ctx.again(Key::Plan, form);
    };
    if form.has_errors() {
        return ctx.again(Key::Plan, form);
    }
    let script = area(&form, "script");
    let place = form.value("place").to_string();
    let change = match current {
        Some(p) => PlanChange {
            channel: way.and_then(|w| w.channel),
            method: way.filter(|w| *w != p.way()).map(|w| w.method),
            script: (script.trim() != p.script.trim()).then_some(script),
            on: (on != p.on).then_some(on),
            place: (place.trim() != p.place.trim()).then_some(place),
        },
        None => PlanChange {
            channel: way.and_then(|w| w.channel),
            method: way.map(|w| w.method),
            script: Some(script),
            on: Some(on),
            place: Some(place),
        },
    };
    if current.is_some()
        && change.method.is_none()
        && change.script.is_none()
        && change.on.is_none()
        && change.place.is_none()
    {
        return ctx.unchanged("plan");
    }
    match app.write(|v, now| v.change_plan(&PartyRef::Id(ctx.id()), &change, now)) {
        Some(Ok(rec)) => ctx.done(
            if current.is_some() {
                "The plan is changed. The earlier plan is kept in its history."
            } else {
                "The plan is saved."
            },
            &rec.warnings,
            "plan",
        ),
        Some(Err(e)) => {
            form.vault_error(e, |f| match f {
                "method" => Some("method"),
                "channel" => Some("method"),
                "kind of amends" => Some("kind"),
                "script" => Some("script"),
                "place" => Some("place"),
                _ => None,
            });
            ctx.again(Key::Plan, form)
        }
        None => see("/unlock"),
    }
}

/// `POST /parties/{id}/consent`: someone the amends would implicate consented, or did not (R1).
pub async fn consent(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> Response {
    let ctx = match Ctx::load(&app, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut form = typed(&body);
    let given = match form.value("given") {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            form.field_error("given", "Say whether they consented.");
            None
        }
    };
    let on = forms::date(&mut form, "on", "date");
    let (Some(given), Some(on)) = (given, on) else {
        return ctx.again(Key::Consent, form);
    };
    let who = form.value("who").to_string();
    let note = area(&form, "note");
    match app.write(|v, now| v.consent(&PartyRef::Id(ctx.id()), &who, given, on, &note, now)) {
        Some(Ok(rec)) => ctx.done(
            if given {
                "Their consent is recorded."
            } else {
                "Recorded that they did not consent. The amends must leave them out."
            },
            &rec.warnings,
            "consent",
        ),
        Some(Err(e)) => {
            form.vault_error(e, |f| match f {
                "who" => Some("who"),
                "date" => Some("on"),
                "note" => Some("note"),
                _ => None,
            });
            ctx.again(Key::Consent, form)
        }
        None => see("/unlock"),
    }
}

/// `POST /parties/{id}/defer`: a reason and a date to look at it again (R9).
pub async fn defer(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> Response {
    let ctx = match Ctx::load(&app, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut form = typed(&body);
    let reason = area(&form, "reason");
    if reason.trim().is_empty() {
        form.field_error(
            "reason",
            "Say why now is not the time: a deferral needs a reason (R9).",
        );
    }
    let review = forms::date(&mut form, "review_on", "date to look at it again");
    let Some(review) = review else {
        return ctx.again(Key::Defer, form);
    };
    if form.has_errors() {
        return ctx.again(Key::Defer, form);
    }
    match app.write(|v, now| v.defer(&PartyRef::Id(ctx.id()), &reason, review, now)) {
        Some(Ok(rec)) => ctx.done(
            &format!("Put off for now. It will come up again on {}.", day(review)),
            &rec.warnings,
            "defer",
        ),
        Some(Err(e)) => {
            form.vault_error(e, |f| match f {
                "reason" => Some("reason"),
                "review date" => Some("review_on"),
                _ => None,
            });
            ctx.again(Key::Defer, form)
        }
        None => see("/unlock"),
    }
}

/// `POST /parties/{id}/resume`: ends the deferral in force.
pub async fn resume(State(app): State<App>, Path(id): Path<String>) -> Response {
    let ctx = match Ctx::load(&app, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match app.write(|v, now| v.end_deferral(&PartyRef::Id(ctx.id()), now)) {
        Some(Ok(_)) => ctx.done(
            "The deferral is ended: this amends is open again.",
            &[],
            "defer",
        ),
        Some(Err(e)) => {
            let mut form = FormState::default();
            form.vault_error(e, |_| None);
            ctx.again(Key::Defer, form)
        }
        None => see("/unlock"),
    }
}

/// Reads what (`kind`) and how (`method`: the channel, or an older method code) from a plan or
/// attempt form; a problem goes beside the field it is about.
pub(super) fn way_of(form: &mut FormState) -> Option<amends_core::model::Way> {
    match amends_core::model::Way::parse(form.value("method"), form.value("kind")) {
        Ok(w) => Some(w),
        Err(e) => {
            let field = if e.field == "method" {
                "method"
            } else {
                "kind"
            };
            let mut message = e.message;
            if let Some(first) = message.get(..1) {
                message = format!("{}{}.", first.to_uppercase(), &message[1..]);
            }
            form.field_error(field, message);
            None
        }
    }
}
