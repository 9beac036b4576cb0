//! Restitution and living amends in one click: a payment or a check-in, from the home page
//! or a party's page, back to where the person was. One that is refused is shown again in its
//! party's page, with what was typed and the reason.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;

use amends_core::model::{CommitmentKind, Reach};

use super::party::{Ctx, Key, words};
use crate::forms::{self, Fields, FormState};
use crate::state::{App, FlashKind, Snapshot};
use crate::view::{open, see};

/// Where to go back to: only our own pages, never an address from the form as typed.
fn back(f: &Fields) -> String {
    let to = f.get("back");
    if to == "/" || to == "/list" {
        return to.to_string();
    }
    if let Some(id) = to.strip_prefix("/parties/")
        && let id = id.strip_suffix("/commitments").unwrap_or(id)
        && !id.is_empty()
        && id.chars().all(|c| c.is_ascii_digit())
    {
        return to.to_string();
    }
    "/".to_string()
}

/// The party whose commitment this is, loaded as its page needs it, so that a refused payment
/// or check-in is shown again in that page's form with what was typed.
fn owner(app: &App, snap: &Snapshot, commitment: i64) -> Option<Ctx> {
    let party = snap
        .records
        .iter()
        .find(|r| r.commitments.iter().any(|c| c.id == commitment))?
        .party
        .id;
    Ctx::load(app, &party.to_string()).ok()
}

/// A commitment that is not (or no longer) on the list: said on the page the person came from.
fn gone(app: &App, to: &str) -> Response {
    app.flash(
        FlashKind::Note,
        "That commitment is no longer on your list. Nothing was recorded.",
    );
    see(to)
}

/// The day of a payment or check-in: today when left empty.
fn day_or_today(form: &mut FormState, today: jiff::civil::Date) -> Option<jiff::civil::Date> {
    if form.value("on").trim().is_empty() {
        return Some(today);
    }
    forms::date(form, "on", "date")
}

/// The form's inputs for the fields the vault names.
fn input_for(field: &str) -> Option<&'static str> {
    Some(match field {
        "amount" => "amount",
        "date" => "on",
        "note" => "note",
        "via" => "via",
        "kept" => "kept",
        _ => return None,
    })
}

/// `POST /commitments/{id}/pay`: amount (prefilled with the instalment), optional date, way
/// and note. A payment refused is shown again in the party's page (422), as it was typed.
pub async fn pay(State(app): State<App>, Path(id): Path<i64>, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let f = Fields::parse(&body);
    let to = back(&f);
    let Some(ctx) = owner(&app, &snap, id) else {
        return gone(&app, &to);
    };
    let mut form = FormState::new(f);
    let on = day_or_today(&mut form, snap.now.today);
    let language = snap.settings.language;
    // Read here, in the commitment's currency, so that an amount that reads two ways is asked
    // about beside the field; the vault is given it written one way only.
    let currency = commitment_currency(&snap, id).unwrap_or(snap.settings.currency);
    let amount = forms::money(&mut form, "amount", currency, language);
    let via = if form.value("via").trim().is_empty() {
        None
    } else {
        forms::choice(&mut form, "via", Reach::parse)
    };
    let (Some(on), Some(amount)) = (on, amount) else {
        return ctx.again(Key::Pay(id), form);
    };
    if form.has_errors() {
        return ctx.again(Key::Pay(id), form);
    }
    let note = form.value("note").to_string();
    let typed = amount.typed(language);
    match app.write(|v, now| v.pay(id, &typed, on, &note, via, now)) {
        // The vault answers with the balance still owed after this payment.
        Some(Ok(left)) if left.minor == 0 => app.flash(
            FlashKind::Done,
            format!(
                "Payment of {} recorded. That settles it: nothing more is owed.",
                amount.show(language)
            ),
        ),
        Some(Ok(left)) => app.flash(
            FlashKind::Done,
            format!(
                "Payment of {} recorded. Still to repay: {}.",
                amount.show(language),
                left.show(language)
            ),
        ),
        Some(Err(e)) => {
            form.vault_error(e, input_for);
            in_app_words(&mut form, &snap, id);
            return ctx.again(Key::Pay(id), form);
        }
        None => return see("/unlock"),
    }
    see(&to)
}

/// The currency of a restitution, which its payments are in.
fn commitment_currency(snap: &Snapshot, id: i64) -> Option<amends_core::Currency> {
    snap.records
        .iter()
        .flat_map(|r| r.commitments.iter())
        .find(|c| c.id == id)
        .and_then(|c| match &c.kind {
            CommitmentKind::Restitution { amount, .. } => Some(amount.currency),
            _ => None,
        })
}

/// The vault's messages name commands of the CLI ("see `amends commitments`", "--starting");
/// beside a field of this page they are said in the page's words.
fn in_app_words(form: &mut FormState, snap: &Snapshot, id: i64) {
    let balance = snap
        .records
        .iter()
        .flat_map(|r| r.commitments.iter())
        .find(|c| c.id == id)
        .and_then(|c| c.balance());
    for message in form.errors.values_mut() {
        if message.starts_with("is more than the balance still owed") {
            *message = match balance {
                Some(b) => format!(
                    "This is more than is still owed ({}); record at most that.",
                    b.show(snap.settings.language)
                ),
                None => "This is more than is still owed; record at most that.".to_string(),
            };
        } else if let Some(at) = message.find(" (if it began earlier") {
            message.truncate(at);
        } else if let Some(at) = message.find(" (see `") {
            message.truncate(at);
        }
    }
}

/// `POST /commitments/{id}/checkin`: kept = yes or no, optional date and note. A check-in
/// refused is shown again in the party's page (422), as it was typed.
pub async fn check_in(State(app): State<App>, Path(id): Path<i64>, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let f = Fields::parse(&body);
    let to = back(&f);
    let Some(ctx) = owner(&app, &snap, id) else {
        return gone(&app, &to);
    };
    let mut form = FormState::new(f);
    let kept = match form.value("kept") {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            form.field_error("kept", "Say whether you kept it up or not.");
            None
        }
    };
    let on = day_or_today(&mut form, snap.now.today);
    let (Some(kept), Some(on)) = (kept, on) else {
        return ctx.again(Key::CheckIn(id), form);
    };
    let note = form.value("note").to_string();
    match app.write(|v, now| v.check_in(id, kept, on, &note, now)) {
        Some(Ok(rec)) => {
            app.flash(
                FlashKind::Done,
                if kept {
                    "Check-in recorded: kept up."
                } else {
                    "Check-in recorded: not this time. Tomorrow is a new day."
                },
            );
            for w in rec.warnings {
                app.flash(FlashKind::Note, words::web_text(&w));
            }
        }
        Some(Err(e)) => {
            form.vault_error(e, input_for);
            return ctx.again(Key::CheckIn(id), form);
        }
        None => return see("/unlock"),
    }
    see(&to)
}
