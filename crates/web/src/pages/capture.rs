//! Step 10: a new wrong goes onto the list at once. A new name adds a party; a name already
//! on the list gets the harm, and a party set aside or with amends made comes back (R10).

use crate::routes::Routes;
use amends_core::model::{HarmKind, PartyKind};
use amends_vault::{HarmInput, VaultError};
use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::forms::{Fields, FormState};
use crate::state::{App, FlashKind, Snapshot};
use crate::view::{Layout, Nav, open, page, page_with, see};

pub fn routes() -> Routes {
    Routes::new().get_post("/capture", capture_page, capture)
}

pub struct Kind {
    pub code: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "capture.html")]
struct CaptureView {
    layout: Layout,
    form: FormState,
    kinds: Vec<Kind>,
    harm_kinds: &'static [HarmKind],
    names: Vec<String>,
}

fn view(app: &App, snap: &Snapshot, form: FormState) -> CaptureView {
    let kinds = PartyKind::ALL
        .iter()
        .filter(|k| **k != PartyKind::Myself || snap.settings.amends_to_self)
        .map(|k| Kind {
            code: k.code(),
            label: k.label(),
        })
        .collect();
    let mut names: Vec<String> = snap.records.iter().map(|r| r.party.name.clone()).collect();
    names.sort_by_key(|n| n.to_lowercase());
    names.dedup();
    CaptureView {
        layout: Layout::new(app, "Step 10", Nav::Capture),
        form,
        kinds,
        harm_kinds: HarmKind::ALL,
        names,
    }
}

/// `GET /capture`.
pub async fn capture_page(State(app): State<App>) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let form = FormState::new(Fields::parse(&Bytes::from_static(b"kind=person")));
    page(&view(&app, &snap, form))
}

/// The form's input for a field name the core uses.
fn input_for(field: &str) -> Option<&'static str> {
    Some(match field {
        "name" => "name",
        "did" => "did",
        "effect" => "effect",
        "when" => "when",
        "kind" => "kind",
        "harm kind" => "kinds",
        _ => return None,
    })
}

/// `POST /capture`: name, kind (for a new party), did, kinds (repeated), effect, when.
/// The short form in the page footer sends only name, did and kind.
pub async fn capture(State(app): State<App>, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let f = Fields::parse(&body);
    let mut form = FormState::new(f.clone());
    let name = f.get("name").trim().to_string();
    if name.is_empty() {
        form.field_error(
            "name",
            "Write who it was: a name, or a few words such as \"the bus driver\".",
        );
    } else if name.chars().all(|c| c.is_ascii_digit()) {
        form.field_error(
            "name",
            "A name cannot be only digits. Add a word, such as \"Flat 12\".",
        );
    }
    if f.get("did").trim().is_empty() {
        form.field_error(
            "did",
            "Write what you did, in a few plain words: what a camera would have seen.",
        );
    }
    let kind = match f.get("kind").trim() {
        "" => Some(PartyKind::Person),
        k => match PartyKind::parse(k) {
            Ok(k) => Some(k),
            Err(_) => {
                form.field_error("kind", "Choose one of the kinds.");
                None
            }
        },
    };
    let known = snap
        .records
        .iter()
        .any(|r| r.party.name.eq_ignore_ascii_case(&name));
    if kind == Some(PartyKind::Myself) && !snap.settings.amends_to_self && !known {
        form.field_error(
            "kind",
            "Amends to yourself are turned off in Settings, because sponsors differ on it. Talk it over with your sponsor, and turn it on in Settings if you both agree.",
        );
    }
    let mut kinds = Vec::new();
    for k in f.all("kinds") {
        match HarmKind::parse(k) {
            Ok(k) => kinds.push(k),
            Err(_) => form.field_error("kinds", "Choose from the kinds of harm shown."),
        }
    }
    if let Some(kind) = kind
        && !form.has_errors()
    {
        let harm = HarmInput {
            did: f.get("did").to_string(),
            effect: f.get("effect").to_string(),
            kinds,
            when: f.get("when").to_string(),
            ..HarmInput::default()
        };
        match app.write(|v, now| v.capture(&name, kind, &harm, now)) {
            Some(Ok(c)) => {
                let what = if c.new_party {
                    "Added to your list as someone new, with what you did."
                } else {
                    "Added to what is already on your list for them."
                };
                app.flash(FlashKind::Done, what);
                if c.restored {
                    app.flash(
                        FlashKind::Note,
                        "This entry had been set aside; it is back on your list now.",
                    );
                }
                if c.reopened {
                    app.flash(
                        FlashKind::Note,
                        "You had already made amends here, so this is reopened: a new harm deserves its own amends. That is Step 10 working, not a step back.",
                    );
                }
                return see(&format!("/parties/{}", c.party_id));
            }
            Some(Err(VaultError::AmbiguousParty(_))) => form.field_error(
                "name",
                "More than one entry on your list has this name. Open the right one from your list and add the harm there.",
            ),
            // The core's words name no subject ("cannot be empty"): make them a sentence.
            Some(Err(VaultError::Invalid { field, message })) => match input_for(&field) {
                Some(input) => form.field_error(input, format!("This {message}.")),
                None => form.vault_error(VaultError::Invalid { field, message }, input_for),
            },
            Some(Err(e)) => form.vault_error(e, input_for),
            None => return see("/unlock"),
        }
    }
    page_with(StatusCode::UNPROCESSABLE_ENTITY, &view(&app, &snap, form))
}
