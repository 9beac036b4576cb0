//! Making the amends and following through: attempts, commitments and closing them.
//! Payments and check-ins go through `pages::follow`, shared with the home page.

use amends_core::model::{Cadence, Closure, Outcome, Reach};
use amends_vault::{AttemptInput, CommitmentInput, NewCommitment, PartyRef};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;

use super::{Ctx, Key, area, missing, own_commitment, typed};
use crate::forms::{self, FormState};
use crate::state::App;
use crate::view::see;

/// `POST /parties/{id}/attempt`: how it went, what they asked, how you felt, harms they told of.
pub async fn attempt(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> Response {
    let ctx = match Ctx::load(&app, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut form = typed(&body);
    let on = forms::date(&mut form, "on", "date");
    let way = super::planning::way_of(&mut form);
    let outcome = forms::choice(&mut form, "outcome", Outcome::parse);
    let (Some(on), Some(way), Some(outcome)) = (on, way, outcome) else {
        return ctx.again(Key::Attempt, form);
    };
    let input = AttemptInput {
        channel: way.channel,
        on,
        method: way.method,
        outcome,
        requests: area(&form, "requests"),
        feeling_before: area(&form, "before"),
        feeling_after: area(&form, "after"),
        notes: area(&form, "notes"),
        revealed: area(&form, "revealed")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
    };
    match app.write(|v, now| v.attempt(&PartyRef::Id(ctx.id()), &input, now)) {
        Some(Ok(rec)) => ctx.done(
            &format!(
                "The attempt is recorded: {}, {}.",
                way.label(),
                outcome.label()
            ),
            &rec.warnings,
            "attempts",
        ),
        Some(Err(e)) => {
            form.vault_error(e, |f| match f {
                "date" => Some("on"),
                "method" => Some("method"),
                "channel" => Some("method"),
                "kind of amends" => Some("kind"),
                "outcome" => Some("outcome"),
                "requests" => Some("requests"),
                "feeling before" => Some("before"),
                "feeling after" => Some("after"),
                "notes" => Some("notes"),
                "revealed" => Some("revealed"),
                _ => None,
            });
            ctx.again(Key::Attempt, form)
        }
        None => see("/unlock"),
    }
}

/// `POST /parties/{id}/commitments`: restitution, living amends or a promise (field `kind`).
pub async fn commit(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> Response {
    let ctx = match Ctx::load(&app, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut form = typed(&body);
    let currency = ctx.snap.settings.currency;
    let (key, input) = match form.value("kind") {
        "restitution" => {
            let language = ctx.snap.settings.language;
            let amount = forms::money(&mut form, "amount", currency, language);
            let instalment =
                forms::optional_money(&mut form, "instalment", currency, language).flatten();
            let every = if form.value("every").is_empty() {
                None
            } else {
                forms::choice(&mut form, "every", Cadence::parse)
            };
            let starting = forms::date(&mut form, "starting", "start date");
            let via = way(&mut form);
            let input = match (amount, starting) {
                (Some(amount), Some(starting)) if !form.has_errors() => Some(NewCommitment {
                    what: CommitmentInput::Restitution {
                        amount,
                        instalment,
                        every,
                        starting,
                    },
                    via,
                }),
                _ => None,
            };
            (Key::Restitution, input)
        }
        "living" => {
            let every = forms::choice(&mut form, "every", Cadence::parse);
            let starting = forms::date(&mut form, "starting", "start date");
            let behaviour = area(&form, "behaviour");
            if behaviour.trim().is_empty() {
                form.field_error("behaviour", "Say what you are changing and keeping up.");
            }
            let input = match (every, starting) {
                (Some(every), Some(starting)) if !form.has_errors() => {
                    Some(NewCommitment::from(CommitmentInput::Living {
                        behaviour,
                        every,
                        starting,
                    }))
                }
                _ => None,
            };
            (Key::Living, input)
        }
        "promise" => {
            let due = forms::date(&mut form, "due", "date it is due");
            let text = area(&form, "text");
            if text.trim().is_empty() {
                form.field_error("text", "Say what you promised.");
            }
            let via = way(&mut form);
            let input = match due {
                Some(due) if !form.has_errors() => Some(NewCommitment {
                    what: CommitmentInput::Promise { text, due },
                    via,
                }),
                _ => None,
            };
            (Key::Promise, input)
        }
        _ => {
            let top = FormState {
                problem: Some(
                    "Choose a kind of commitment: restitution, living amends or a promise. Nothing was saved."
                        .into(),
                ),
                ..FormState::default()
            };
            return ctx.again(Key::Top, top);
        }
    };
    let Some(input) = input else {
        return ctx.again(key, form);
    };
    match app.write(|v, now| v.add_commitment(&PartyRef::Id(ctx.id()), input, now)) {
        Some(Ok(rec)) => ctx.done(
            "The commitment is recorded. Its progress is kept below.",
            &rec.warnings,
            &format!("commitment-{}", rec.id),
        ),
        Some(Err(e)) => {
            form.vault_error(e, |f| match f {
                "amount" => Some("amount"),
                "instalment" => Some("instalment"),
                "behaviour" => Some("behaviour"),
                "promise" => Some("text"),
                "via" => Some("via"),
                _ => None,
            });
            ctx.again(key, form)
        }
        None => see("/unlock"),
    }
}

/// The way a restitution is paid or a promise kept (field `via`); `None` when none was chosen,
/// so that the vault's default for the kind applies.
fn way(form: &mut FormState) -> Option<Reach> {
    if form.value("via").trim().is_empty() {
        return None;
    }
    forms::choice(form, "via", Reach::parse)
}

/// `POST /parties/{id}/commitments/{commitment}/close`: kept, released or ended, with a date.
pub async fn close(
    State(app): State<App>,
    Path((id, commitment)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let ctx = match Ctx::load(&app, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(cid) = own_commitment(&ctx, &commitment) else {
        return missing(&app);
    };
    let mut form = typed(&body);
    let how = forms::choice(&mut form, "how", Closure::parse);
    let on = forms::date(&mut form, "on", "date");
    let (Some(how), Some(on)) = (how, on) else {
        return ctx.again(Key::Close(cid), form);
    };
    match app.write(|v, now| v.close_commitment(cid, how, on, now)) {
        Some(Ok(())) => ctx.done(
            &format!("The commitment is closed: {}.", how.label()),
            &[],
            &format!("commitment-{cid}"),
        ),
        Some(Err(e)) => {
            form.vault_error(e, |f| (f == "date").then_some("on"));
            ctx.again(Key::Close(cid), form)
        }
        None => see("/unlock"),
    }
}
