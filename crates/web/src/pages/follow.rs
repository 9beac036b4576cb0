//! Restitution and living amends in one click: a payment or a check-in, from the home page
//! or a party's page, back to where the person was.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;

use crate::forms::{Fields, web_words};
use crate::state::{App, FlashKind};
use crate::view::{open, see};

/// Where to go back to: only our own pages, never an address from the form as typed.
fn back(f: &Fields) -> String {
    let to = f.get("back");
    if to == "/" || to == "/list" {
        return to.to_string();
    }
    if let Some(id) = to.strip_prefix("/parties/")
        && !id.is_empty()
        && id.chars().all(|c| c.is_ascii_digit())
    {
        return to.to_string();
    }
    "/".to_string()
}

fn date_or_today(f: &Fields, today: jiff::civil::Date) -> Result<jiff::civil::Date, String> {
    let v = f.get("on").trim();
    if v.is_empty() {
        return Ok(today);
    }
    v.parse()
        .map_err(|_| "The date should look like 2026-05-03. Nothing was recorded.".to_string())
}

/// `POST /commitments/{id}/pay`: amount (prefilled with the instalment), optional date and note.
pub async fn pay(State(app): State<App>, Path(id): Path<i64>, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let f = Fields::parse(&body);
    let to = back(&f);
    let on = match date_or_today(&f, snap.now.today) {
        Ok(d) => d,
        Err(m) => {
            app.flash(FlashKind::Note, m);
            return see(&to);
        }
    };
    let amount = f.get("amount").trim().to_string();
    if amount.is_empty() {
        app.flash(
            FlashKind::Note,
            "Give the amount paid, such as 25 or 25.50. Nothing was recorded.",
        );
        return see(&to);
    }
    match app.write(|v, now| v.pay(id, &amount, on, f.get("note"), None, now)) {
        // The vault answers with the balance still owed after this payment.
        Some(Ok(left)) if left.minor == 0 => app.flash(
            FlashKind::Done,
            "Payment recorded. That settles it: nothing more is owed.",
        ),
        Some(Ok(left)) => app.flash(
            FlashKind::Done,
            format!("Payment recorded. Still to repay: {left}."),
        ),
        Some(Err(e)) => app.flash(
            FlashKind::Note,
            format!(
                "{} Nothing was recorded.",
                web_words(&e).trim_end_matches(" Nothing was changed.")
            ),
        ),
        None => return see("/unlock"),
    }
    see(&to)
}

/// `POST /commitments/{id}/checkin`: kept = yes or no, optional date and note.
pub async fn check_in(State(app): State<App>, Path(id): Path<i64>, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let f = Fields::parse(&body);
    let to = back(&f);
    let kept = match f.get("kept") {
        "yes" => true,
        "no" => false,
        _ => {
            app.flash(
                FlashKind::Note,
                "Say whether you kept it up or not. Nothing was recorded.",
            );
            return see(&to);
        }
    };
    let on = match date_or_today(&f, snap.now.today) {
        Ok(d) => d,
        Err(m) => {
            app.flash(FlashKind::Note, m);
            return see(&to);
        }
    };
    match app.write(|v, now| v.check_in(id, kept, on, f.get("note"), now)) {
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
                app.flash(FlashKind::Note, w);
            }
        }
        Some(Err(e)) => app.flash(
            FlashKind::Note,
            format!(
                "{} Nothing was recorded.",
                web_words(&e).trim_end_matches(" Nothing was changed.")
            ),
        ),
        None => return see("/unlock"),
    }
    see(&to)
}
