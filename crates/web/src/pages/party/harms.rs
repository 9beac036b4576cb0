//! The harms done to a party: add, change (the earlier wording is kept), set aside, restore.

use amends_core::Currency;
use amends_core::model::{AsideReason, HarmKind, HarmSource, Language};
use amends_vault::{HarmEdit, HarmInput, PartyRef};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;

use super::{Ctx, Key, area, missing, own_harm, typed};
use crate::forms::{self, FormState};
use crate::state::App;
use crate::view::see;

/// The form input for a field the core names.
pub fn harm_field(core: &str) -> Option<&'static str> {
    match core {
        "did" => Some("did"),
        "should" => Some("should"),
        "effect" => Some("effect"),
        "when" => Some("when"),
        "owed" | "amount" | "currency" => Some("owed"),
        "property" => Some("property"),
        "third parties" => Some("third_parties"),
        "harm kind" => Some("kinds"),
        "source" => Some("source"),
        _ => None,
    }
}

/// Reads a harm from the form; `None` (with the messages filed) when a value cannot be read.
pub fn harm_input(
    form: &mut FormState,
    currency: Currency,
    language: Language,
) -> Option<HarmInput> {
    let before = form.errors.len();
    let mut kinds = Vec::new();
    for k in form.values.all("kinds") {
        match HarmKind::parse(k) {
            Ok(k) if !kinds.contains(&k) => kinds.push(k),
            Ok(_) => {}
            Err(_) => {
                form.field_error("kinds", "Choose from the kinds listed.");
                break;
            }
        }
    }
    let owed = match forms::optional_money(form, "owed", currency, language) {
        Some(Some(m)) if m.minor == 0 => {
            form.field_error(
                "owed",
                "An amount owed must be more than zero; leave it empty if nothing is owed.",
            );
            None
        }
        Some(owed) => owed,
        None => None,
    };
    let source = if form.value("source").trim().is_empty() {
        None
    } else {
        forms::choice(form, "source", HarmSource::parse)
    };
    let sponsor_agrees = match form.value("sponsor") {
        "" => None,
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            form.field_error("sponsor", "Choose one of the options.");
            None
        }
    };
    if form.errors.len() > before {
        return None;
    }
    Some(HarmInput {
        did: area(form, "did"),
        should: area(form, "should"),
        effect: area(form, "effect"),
        kinds,
        when: form.value("when").to_string(),
        owed,
        property: area(form, "property"),
        third_parties: area(form, "third_parties")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        source,
        sponsor_agrees,
    })
}

/// `POST /parties/{id}/harms`.
pub async fn add(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> Response {
    let ctx = match Ctx::load(&app, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut form = typed(&body);
    let Some(harm) = harm_input(
        &mut form,
        ctx.snap.settings.currency,
        ctx.snap.settings.language,
    ) else {
        return ctx.again(Key::HarmNew, form);
    };
    match app.write(|v, now| v.add_harm(&PartyRef::Id(ctx.id()), &harm, now)) {
        Some(Ok(rec)) => ctx.done("The harm is on your list.", &rec.warnings, "harms"),
        Some(Err(e)) => {
            form.vault_error(e, harm_field);
            ctx.again(Key::HarmNew, form)
        }
        None => see("/unlock"),
    }
}

/// `POST /parties/{id}/harms/{harm}/edit`: only what differs from the recorded harm is changed.
pub async fn edit(
    State(app): State<App>,
    Path((id, harm)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let ctx = match Ctx::load(&app, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(hid) = own_harm(&ctx, &harm) else {
        return missing(&app);
    };
    let mut form = typed(&body);
    let Some(new) = harm_input(
        &mut form,
        ctx.snap.settings.currency,
        ctx.snap.settings.language,
    ) else {
        return ctx.again(Key::HarmEdit(hid), form);
    };
    let Some(old) = ctx.record().harms.iter().find(|h| h.id == hid) else {
        return missing(&app);
    };
    let text = |now: &str, was: &str| (now.trim() != was.trim()).then(|| now.to_string());
    let mut kinds_new = new.kinds.clone();
    kinds_new.sort();
    let mut kinds_old = old.kinds.clone();
    kinds_old.sort();
    let edit = HarmEdit {
        did: text(&new.did, &old.did),
        should: text(&new.should, &old.should),
        effect: text(&new.effect, &old.effect),
        kinds: (kinds_new != kinds_old).then(|| new.kinds.clone()),
        when: text(&new.when, &old.when),
        owed: (new.owed != old.owed).then_some(new.owed),
        property: text(&new.property, &old.property),
        third_parties: (new.third_parties != old.third_parties).then(|| new.third_parties.clone()),
        source: new.source.filter(|s| *s != old.source),
        sponsor_agrees: (new.sponsor_agrees != old.sponsor_agrees).then_some(new.sponsor_agrees),
    };
    let nothing = edit.did.is_none()
        && edit.should.is_none()
        && edit.effect.is_none()
        && edit.kinds.is_none()
        && edit.when.is_none()
        && edit.owed.is_none()
        && edit.property.is_none()
        && edit.third_parties.is_none()
        && edit.source.is_none()
        && edit.sponsor_agrees.is_none();
    let anchor = format!("harm-{hid}");
    if nothing {
        return ctx.unchanged(&anchor);
    }
    match app.write(|v, now| v.edit_harm(hid, &edit, now)) {
        Some(Ok(_)) => ctx.done(
            "The harm is changed. The earlier wording is kept in its history.",
            &[],
            &anchor,
        ),
        Some(Err(e)) => {
            form.vault_error(e, harm_field);
            ctx.again(Key::HarmEdit(hid), form)
        }
        None => see("/unlock"),
    }
}

/// `POST /parties/{id}/harms/{harm}/aside`: with a reason; it stays in the vault.
pub async fn set_aside(
    State(app): State<App>,
    Path((id, harm)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let ctx = match Ctx::load(&app, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(hid) = own_harm(&ctx, &harm) else {
        return missing(&app);
    };
    let mut form = typed(&body);
    let Some(reason) = forms::choice(&mut form, "reason", AsideReason::parse) else {
        return ctx.again(Key::HarmAside(hid), form);
    };
    let note = area(&form, "note");
    match app.write(|v, now| v.set_aside_harm(hid, reason, &note, now)) {
        Some(Ok(())) => ctx.done(
            "The harm is set aside. It stays in your vault and can be brought back.",
            &[],
            "harms",
        ),
        Some(Err(e)) => {
            form.vault_error(e, |f| match f {
                "note" => Some("note"),
                "reason" => Some("reason"),
                _ => None,
            });
            ctx.again(Key::HarmAside(hid), form)
        }
        None => see("/unlock"),
    }
}

/// `POST /parties/{id}/harms/{harm}/restore`.
pub async fn restore(State(app): State<App>, Path((id, harm)): Path<(String, String)>) -> Response {
    let ctx = match Ctx::load(&app, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(hid) = own_harm(&ctx, &harm) else {
        return missing(&app);
    };
    match app.write(|v, now| v.restore_harm(hid, now)) {
        Some(Ok(())) => ctx.done(
            "The harm is back on your list.",
            &[],
            &format!("harm-{hid}"),
        ),
        Some(Err(e)) => {
            let mut form = FormState::default();
            form.vault_error(e, |_| None);
            ctx.again(Key::Top, form)
        }
        None => see("/unlock"),
    }
}
