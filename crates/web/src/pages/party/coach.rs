//! The script coach beside the plan's text area: as the person types (htmx, debounced), the
//! words are read by `amends_core::coach` and a small panel shows what it notices. It only
//! points and explains; it never blocks the plan and never changes what was written. The names
//! it checks against (the people in this party's harms, everyone else on the list) come from
//! the vault and stay on this machine.

use amends_core::coach::{Context, Finding, coach as read};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::forms::Fields;
use crate::state::App;
use crate::view::page_with;

/// What the panel says.
enum Panel {
    /// Nothing typed yet.
    Empty,
    /// The workbook closed (locked) since the page was shown.
    Closed,
    /// No such party on the list.
    Gone,
    /// The coach's reading of the words.
    Read {
        present: Vec<Shown>,
        missing: Vec<Shown>,
        about_them: usize,
        about_writer: usize,
        balance: &'static str,
    },
}

/// One finding, ready to show (every part escaped by the template).
struct Shown {
    label: String,
    quoted: String,
    explanation: &'static str,
    direction: String,
}

#[derive(Template)]
#[template(path = "party_coach.html")]
struct CoachView {
    panel: Panel,
}

fn answer(status: StatusCode, panel: Panel) -> Response {
    page_with(status, &CoachView { panel })
}

fn shown(script: &str, f: &Finding) -> Shown {
    let label = f.kind.label();
    let label = label.strip_prefix("missing: ").unwrap_or(label);
    let mut chars = label.chars();
    let label = match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    };
    Shown {
        label,
        quoted: f
            .span
            .as_ref()
            .and_then(|s| script.get(s.clone()))
            .unwrap_or("")
            .to_string(),
        explanation: f.explanation,
        direction: f.direction.clone(),
    }
}

/// `POST /parties/{id}/coach` (field `script`): the coach's panel, as an HTML fragment.
pub async fn coach(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> Response {
    let snap = match crate::view::open(&app) {
        Ok(s) => s,
        // A fragment goes into the page: never a redirect to a whole other page.
        Err(r) if r.status().is_redirection() => return answer(StatusCode::OK, Panel::Closed),
        Err(r) => return r,
    };
    let Some(at) = id.trim().parse::<i64>().ok().and_then(|i| snap.position(i)) else {
        return answer(StatusCode::NOT_FOUND, Panel::Gone);
    };
    let fields = Fields::parse(&body);
    let script = fields.get("script").replace("\r\n", "\n");
    if script.trim().is_empty() {
        return answer(StatusCode::OK, Panel::Empty);
    }
    let record = &snap.records[at];
    let context = Context {
        involved: record.third_party_names(),
        listed: snap
            .records
            .iter()
            .filter(|r| r.party.id != record.party.id)
            .map(|r| r.party.name.clone())
            .collect(),
    };
    let reading = read(&script, snap.settings.language, &context);
    let (missing, present): (Vec<_>, Vec<_>) =
        reading.findings.iter().partition(|f| f.kind.is_missing());
    answer(
        StatusCode::OK,
        Panel::Read {
            present: present.iter().map(|f| shown(&script, f)).collect(),
            missing: missing.iter().map(|f| shown(&script, f)).collect(),
            about_them: reading.balance.about_them,
            about_writer: reading.balance.about_writer,
            balance: reading.balance.reading,
        },
    )
}
