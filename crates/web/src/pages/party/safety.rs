//! The safety questions of Step 9's exception, answered as the CLI answers them: a "yes" is
//! added to the answers in force, a "no" lifts an earlier "yes", "not sure" leaves it as it was.
//! A "no" that lifts an answer keeping them from being reached (a court order, their wish for no
//! contact, abuse) takes a reason and a confirmation, kept in the history. Only the questions
//! that can apply to this party are asked (`amends_core::questions`); one never asked of it (the
//! first time, or since its kind changed) must be answered yes or no.

use amends_core::model::PartyRecord;
use amends_core::rules::{PROTECTING, SafetyChange, answer_mut};
use amends_vault::PartyRef;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;

use super::{Ctx, Key, area, typed};
use crate::state::{App, FlashKind};
use crate::view::see;

/// `POST /parties/{id}/safety`.
pub async fn answer(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> Response {
    let ctx = match Ctx::load(&app, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut form = typed(&body);
    let account = amends_core::questions::account(ctx.record());
    let mut change = SafetyChange::default();
    for question in account.asked() {
        let q = question.code;
        let first = question.answer.is_none();
        let answer = form.value(q).to_string();
        match answer.as_str() {
            "yes" => {
                if let Some(flag) = answer_mut(&mut change.set, q) {
                    *flag = true;
                }
            }
            "no" => {
                if let Some(flag) = answer_mut(&mut change.clear, q) {
                    *flag = true;
                }
            }
            "" | "unsure" if first => form.field_error(
                q,
                "Choose yes or no for this one before saving. If you are not sure, find out or ask \
                 your sponsor first: a question left open would count as no.",
            ),
            "" | "unsure" => {}
            _ => form.field_error(q, "Choose yes, no or not sure."),
        }
    }
    let decision = area(&form, "legal_decision");
    let recorded = ctx
        .record()
        .safety
        .as_ref()
        .map(|s| s.answers.legal_decision.clone())
        .unwrap_or_default();
    change.legal_decision = (decision.trim() != recorded.trim()).then_some(decision);
    let lifting: Vec<&str> = liftable(ctx.record())
        .into_iter()
        .filter(|q| form.value(q) == "no")
        .collect();
    let reason = area(&form, "reason");
    change.reason = (!reason.trim().is_empty()).then_some(reason.clone());
    change.confirmed = form.checked("confirm");
    if let Some(first) = lifting.first() {
        let what = super::words::short(first);
        if reason.trim().is_empty() {
            form.field_error(
                "reason",
                format!(
                    "Say why {what} no longer holds: answering \"no\" opens contact again. For a court order, say when it ended."
                ),
            );
        }
        if !change.confirmed {
            form.field_error(
                "confirm",
                "Tick this to confirm that it truly no longer holds. If you are not sure, leave the answer as it was.",
            );
        }
    }
    if form.has_errors() {
        return ctx.again(Key::Safety, form);
    }
    match app.write(|v, now| v.change_safety(&PartyRef::Id(ctx.id()), &change, now)) {
        Some(Ok((_, notes, true))) => ctx.done(
            "Your answers are saved. What they mean for this amends is shown below them.",
            &notes,
            "verdict",
        ),
        Some(Ok((_, notes, false))) => {
            for n in notes {
                app.flash(FlashKind::Note, super::words::web_text(&n));
            }
            see(&ctx.at("safety"))
        }
        Some(Err(e)) => {
            form.vault_error(e, |f| match f {
                "legal decision" => Some("legal_decision"),
                "reason" => Some("reason"),
                "confirm" => Some("confirm"),
                _ => None,
            });
            ctx.again(Key::Safety, form)
        }
        None => see("/unlock"),
    }
}

/// The answers in force that keep them from being reached and that a "no" can lift (a wish for
/// no contact made during an attempt stands for good, R5).
pub(crate) fn liftable(record: &PartyRecord) -> Vec<&'static str> {
    let Some(answers) = record.safety.as_ref().map(|s| s.answers.clone()) else {
        return Vec::new();
    };
    let permanent = record
        .attempts
        .iter()
        .any(|a| a.outcome == amends_core::model::Outcome::NoContact);
    PROTECTING
        .iter()
        .copied()
        .filter(|q| *answer_mut(&mut answers.clone(), q).expect("a known question"))
        .filter(|q| !(permanent && *q == "asked-no-contact"))
        .collect()
}
