//! Restitution and living amends in one click: a payment or a check-in, from the home page
//! or a party's page, back to where the person was. One that is refused is shown again in its
//! party's page, with what was typed and the reason.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use amends_core::Money;
use amends_core::model::{CommitmentKind, Reach};
use amends_vault::{Balance, CheckInFix, Fact, PaymentFix};

use super::party::{Ctx, Key, words};
use crate::forms::{self, Fields, FormState};
use crate::state::{App, FlashKind, Snapshot};
use crate::view::{Layout, Nav, day, open, page, page_with, see};

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

/// A check-in's period in words ("the week from 23 November 2026").
fn period_in_words(snap: &Snapshot, id: i64, on: jiff::civil::Date) -> String {
    snap.records
        .iter()
        .flat_map(|r| r.commitments.iter())
        .find(|c| c.id == id)
        .and_then(|c| match &c.kind {
            CommitmentKind::Living { every, .. } => Some(amends_core::due::period_words(
                *every,
                on,
                amends_core::model::Language::En,
            )),
            _ => None,
        })
        .unwrap_or_else(|| day(on))
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
    // `for`: a period still to answer (its date, as the due list gives it), answered on its
    // own and recorded on the day it began; otherwise the date typed, or today.
    let on = if form.value("for").trim().is_empty() {
        day_or_today(&mut form, snap.now.today)
    } else {
        let open = snap
            .records
            .iter()
            .flat_map(|r| r.commitments.iter())
            .find(|c| c.id == id)
            .map(|c| amends_core::due::open_checkins(c, snap.now.today))
            .unwrap_or_default();
        match form.value("for").trim().parse::<jiff::civil::Date>() {
            Ok(d) if open.contains(&d) => Some(d),
            _ => {
                form.field_error(
                    "kept",
                    "That check-in is already answered, or was not one still to answer. Nothing was recorded.",
                );
                None
            }
        }
    };
    let (Some(kept), Some(on)) = (kept, on) else {
        return ctx.again(Key::CheckIn(id), form);
    };
    let answered_period = !form.value("for").trim().is_empty();
    let note = form.value("note").to_string();
    match app.write(|v, now| v.check_in(id, kept, on, &note, now)) {
        Some(Ok(rec)) => {
            let period = if answered_period {
                format!(" for {}", period_in_words(&snap, id, on))
            } else {
                String::new()
            };
            app.flash(
                FlashKind::Done,
                if kept {
                    format!("Check-in recorded{period}: kept up.")
                } else {
                    format!("Check-in recorded{period}: not this time. Tomorrow is a new day.")
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

// ---------------------------------------------------------------------------------------------
// Correcting or removing a payment or a check-in
// ---------------------------------------------------------------------------------------------

/// A payment or a check-in as the correction pages find it in the snapshot.
struct Found<'a> {
    record: &'a amends_core::model::PartyRecord,
    commitment: &'a amends_core::model::Commitment,
    payment: Option<&'a amends_core::model::Payment>,
    checkin: Option<&'a amends_core::model::CheckIn>,
}

fn find<'a>(snap: &'a Snapshot, fact: Fact, id: &str) -> Option<Found<'a>> {
    let id = id.trim().parse::<i64>().ok()?;
    for r in &snap.records {
        for c in &r.commitments {
            match (&c.kind, fact) {
                (CommitmentKind::Restitution { payments, .. }, Fact::Payment) => {
                    if let Some(p) = payments.iter().find(|p| p.id == id) {
                        return Some(Found {
                            record: r,
                            commitment: c,
                            payment: Some(p),
                            checkin: None,
                        });
                    }
                }
                (CommitmentKind::Living { checkins, .. }, Fact::CheckIn) => {
                    if let Some(k) = checkins.iter().find(|k| k.id == id) {
                        return Some(Found {
                            record: r,
                            commitment: c,
                            payment: None,
                            checkin: Some(k),
                        });
                    }
                }
                _ => {}
            }
        }
    }
    None
}

/// The page of one correction or removal: what the fact says now, the form, and what a
/// removal would change.
#[derive(Template)]
#[template(path = "follow_fix.html")]
struct FixView {
    layout: Layout,
    party_id: i64,
    party: String,
    commitment_id: i64,
    /// `payments` or `checkins`, the address's first part.
    what: &'static str,
    id: i64,
    is_payment: bool,
    remove: bool,
    /// The fact as it reads now, in words.
    now_reads: String,
    /// For a removal: what it changes (a repayment owed again).
    consequence: Option<String>,
    currency: &'static str,
    amount_hint: String,
    today: String,
    form: FormState,
}

/// A correction's page again (422), with what was typed and the messages beside their fields.
fn fix_again(app: &App, snap: &Snapshot, f: &Found<'_>, mut form: FormState) -> Response {
    super::party::words::tidy(&mut form);
    page_with(
        StatusCode::UNPROCESSABLE_ENTITY,
        &fix_view(app, snap, f, false, form),
    )
}

fn fix_view(app: &App, snap: &Snapshot, f: &Found<'_>, remove: bool, form: FormState) -> FixView {
    let language = snap.settings.language;
    let (what, id, now_reads, consequence, currency) = match (f.payment, f.checkin) {
        (Some(p), _) => {
            let mut reads = format!("{}: {}", day(p.on), p.amount.show(language));
            if !p.note.is_empty() {
                reads.push_str(&format!(" · {}", p.note));
            }
            let balance = f.commitment.balance();
            let consequence = balance.map(|b| {
                let after = Money::new(b.minor + p.amount.minor, b.currency);
                if b.minor == 0 {
                    format!(
                        "This payment is part of what paid the repayment in full. Once it is removed, the repayment is no longer paid: {} is owed again.",
                        after.show(language)
                    )
                } else {
                    format!(
                        "Once it is removed, {} is still to repay instead of {}.",
                        after.show(language),
                        b.show(language)
                    )
                }
            });
            (
                "payments",
                p.id,
                reads,
                consequence,
                p.amount.currency.code(),
            )
        }
        (None, Some(k)) => {
            let mut reads = format!(
                "{}: {}",
                day(k.on),
                if k.kept { "kept up" } else { "not this time" }
            );
            if !k.note.is_empty() {
                reads.push_str(&format!(" · {}", k.note));
            }
            let consequence = Some(
                "Once it is removed, the period it answered is open again, to answer on its own."
                    .to_string(),
            );
            (
                "checkins",
                k.id,
                reads,
                consequence,
                snap.settings.currency.code(),
            )
        }
        (None, None) => ("payments", 0, String::new(), None, ""),
    };
    let title = match (f.payment.is_some(), remove) {
        (true, false) => "Correct a payment",
        (true, true) => "Remove a payment",
        (false, false) => "Correct a check-in",
        (false, true) => "Remove a check-in",
    };
    FixView {
        layout: Layout::new(app, title, Nav::List),
        party_id: f.record.party.id,
        party: f.record.party.name.clone(),
        commitment_id: f.commitment.id,
        what,
        id,
        is_payment: f.payment.is_some(),
        remove,
        now_reads,
        consequence: consequence.filter(|_| remove),
        currency,
        amount_hint: crate::forms::amount_hint(
            f.payment
                .map_or(snap.settings.currency, |p| p.amount.currency),
            language,
        ),
        today: day(snap.now.today),
        form,
    }
}

/// The form as it starts: the fact's own values, to change what is wrong.
fn prefill(snap: &Snapshot, f: &Found<'_>) -> FormState {
    let mut s = form_urlencoded::Serializer::new(String::new());
    if let Some(p) = f.payment {
        s.append_pair("amount", &p.amount.typed(snap.settings.language));
        s.append_pair("on", &day(p.on));
        s.append_pair("note", &p.note);
    }
    if let Some(k) = f.checkin {
        s.append_pair("kept", if k.kept { "yes" } else { "no" });
        s.append_pair("on", &day(k.on));
        s.append_pair("note", &k.note);
    }
    FormState::new(Fields::parse(&Bytes::from(s.finish())))
}

fn reason(form: &mut FormState, remove: bool) -> String {
    let r = form.value("reason").trim().to_string();
    if r.is_empty() {
        form.field_error(
            "reason",
            if remove {
                "Say why it is removed; the reason is kept with the history."
            } else {
                "Say why it is corrected; the reason is kept with the history."
            },
        );
    }
    r
}

/// Where the person goes after a change: the following-through part, at the commitment.
fn back_to(f: &Found<'_>) -> String {
    format!(
        "/parties/{}/commitments#commitment-{}",
        f.record.party.id, f.commitment.id
    )
}

fn show_page(app: &App, fact: Fact, id: &str, remove: bool) -> Response {
    let snap = match open(app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    match find(&snap, fact, id) {
        Some(f) => {
            let form = if remove {
                FormState::default()
            } else {
                prefill(&snap, &f)
            };
            page(&fix_view(app, &snap, &f, remove, form))
        }
        None => super::party::missing(app),
    }
}

/// `GET /payments/{id}/correct`: the payment's form, filled with what it says now.
pub async fn fix_payment_page(State(app): State<App>, Path(id): Path<String>) -> Response {
    show_page(&app, Fact::Payment, &id, false)
}

/// `GET /payments/{id}/remove`: what removing it changes, and the reason to give.
pub async fn remove_payment_page(State(app): State<App>, Path(id): Path<String>) -> Response {
    show_page(&app, Fact::Payment, &id, true)
}

/// `GET /checkins/{id}/correct`.
pub async fn fix_checkin_page(State(app): State<App>, Path(id): Path<String>) -> Response {
    show_page(&app, Fact::CheckIn, &id, false)
}

/// `GET /checkins/{id}/remove`.
pub async fn remove_checkin_page(State(app): State<App>, Path(id): Path<String>) -> Response {
    show_page(&app, Fact::CheckIn, &id, true)
}

/// The day of a correction: read as every date field is, and never ahead of today (said in
/// the page's words, beside the field).
fn not_ahead(form: &mut FormState, snap: &Snapshot, what: &str) -> Option<jiff::civil::Date> {
    let on = forms::date(form, "on", "date")?;
    if on > snap.now.today {
        form.field_error(
            "on",
            format!(
                "{what} records what already happened: give today ({}) or an earlier date.",
                day(snap.now.today)
            ),
        );
        return None;
    }
    Some(on)
}

/// The vault's fields, for the correction form's inputs.
fn fix_input(field: &str) -> Option<&'static str> {
    match field {
        "reason" => Some("reason"),
        other => input_for(other),
    }
}

/// A payment's balance after a change, in words for the message.
fn balance_words(b: Balance, language: amends_core::model::Language) -> String {
    if b.left.minor == 0 {
        "The repayment is paid in full.".to_string()
    } else if b.was_settled {
        format!(
            "The repayment is no longer paid in full: {} is owed again.",
            b.left.show(language)
        )
    } else {
        format!("Still to repay: {}.", b.left.show(language))
    }
}

/// `POST /payments/{id}/correct`: amount, date, note and a reason, checked as a new payment
/// would be (the amount read in the vault's convention, the day, R4/R5 on the note and the way).
/// Refused: the same page again (422) with what was typed and the message beside its field.
pub async fn fix_payment(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(f) = find(&snap, Fact::Payment, &id) else {
        return super::party::missing(&app);
    };
    let Some(p) = f.payment else {
        return super::party::missing(&app);
    };
    let language = snap.settings.language;
    let mut form = FormState::new(Fields::parse(&body));
    let amount = forms::money(&mut form, "amount", p.amount.currency, language);
    let on = not_ahead(&mut form, &snap, "A payment");
    let why = reason(&mut form, false);
    let again = |form: FormState| fix_again(&app, &snap, &f, form);
    let (Some(amount), Some(on)) = (amount, on) else {
        return again(form);
    };
    if form.has_errors() {
        return again(form);
    }
    let note = form.value("note").to_string();
    let typed = amount.typed(language);
    let fix = PaymentFix {
        amount: &typed,
        on,
        note: &note,
        via: p.via,
    };
    let pid = p.id;
    match app.write(|v, now| v.fix_payment(pid, &fix, &why, now)) {
        Some(Ok(b)) => {
            app.flash(
                FlashKind::Done,
                format!(
                    "Payment corrected to {}; what it said before is kept in its history. {}",
                    amount.show(language),
                    balance_words(b, language)
                ),
            );
            see(&back_to(&f))
        }
        Some(Err(e)) => {
            fix_refused(&mut form, e);
            again(form)
        }
        None => see("/unlock"),
    }
}

/// `POST /payments/{id}/remove`: with a reason, after the page that says what it changes.
pub async fn remove_payment(
    State(app): State<App>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    remove_fact(app, id, body, Fact::Payment)
}

/// `POST /checkins/{id}/remove`: with a reason; the period it answered is open again.
pub async fn remove_checkin(
    State(app): State<App>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    remove_fact(app, id, body, Fact::CheckIn)
}

/// A payment or a check-in removed with a reason (kept in its history), or its page again
/// (422) with the reason asked for or the vault's refusal beside it.
fn remove_fact(app: App, id: String, body: Bytes, fact: Fact) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(f) = find(&snap, fact, &id) else {
        return super::party::missing(&app);
    };
    let mut form = FormState::new(Fields::parse(&body));
    let why = reason(&mut form, true);
    if form.has_errors() {
        super::party::words::tidy(&mut form);
    } else {
        let language = snap.settings.language;
        let removed = match fact {
            Fact::Payment => {
                let pid = f.payment.map_or(0, |p| p.id);
                app.write(|v, now| v.remove_payment(pid, &why, now))
                    .map(|r| {
                        r.map(|b| {
                            format!(
                                "Payment removed; what it said is kept in the history. {}",
                                balance_words(b, language)
                            )
                        })
                    })
            }
            Fact::CheckIn => {
                let kid = f.checkin.map_or(0, |k| k.id);
                app.write(|v, now| v.remove_checkin(kid, &why, now)).map(|r| {
                    r.map(|()| {
                        "Check-in removed; what it said is kept in the history. Its period is open again, to answer on its own."
                            .to_string()
                    })
                })
            }
        };
        match removed {
            Some(Ok(words)) => {
                app.flash(FlashKind::Done, words);
                return see(&back_to(&f));
            }
            Some(Err(e)) => form.vault_error(e, fix_input),
            None => return see("/unlock"),
        }
    }
    page_with(
        StatusCode::UNPROCESSABLE_ENTITY,
        &fix_view(&app, &snap, &f, true, form),
    )
}

/// A correction the vault refused: its message beside the field, without the hint meant for
/// the command line.
fn fix_refused(form: &mut FormState, e: amends_vault::VaultError) {
    form.vault_error(e, fix_input);
    for message in form.errors.values_mut() {
        if let Some(at) = message.find(" (if it began earlier") {
            message.truncate(at);
        }
    }
}

/// `POST /checkins/{id}/correct`: kept or not, the date, the note and a reason, checked as a
/// new check-in would be.
pub async fn fix_checkin(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(f) = find(&snap, Fact::CheckIn, &id) else {
        return super::party::missing(&app);
    };
    let mut form = FormState::new(Fields::parse(&body));
    let kept = match form.value("kept") {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            form.field_error("kept", "Say whether you kept it up or not.");
            None
        }
    };
    let on = not_ahead(&mut form, &snap, "A check-in");
    let why = reason(&mut form, false);
    let again = |form: FormState| fix_again(&app, &snap, &f, form);
    let (Some(kept), Some(on)) = (kept, on) else {
        return again(form);
    };
    if form.has_errors() {
        return again(form);
    }
    let note = form.value("note").to_string();
    let kid = f.checkin.map_or(0, |k| k.id);
    let fix = CheckInFix {
        kept,
        on,
        note: &note,
    };
    match app.write(|v, now| v.fix_checkin(kid, &fix, &why, now)) {
        Some(Ok(())) => {
            app.flash(
                FlashKind::Done,
                "Check-in corrected; what it said before is kept in its history.",
            );
            see(&back_to(&f))
        }
        Some(Err(e)) => {
            fix_refused(&mut form, e);
            again(form)
        }
        None => see("/unlock"),
    }
}
