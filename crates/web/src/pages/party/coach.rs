//! The script coach beside the plan's text area: as the person types (htmx, debounced), the
//! words are read by `amends_core::coach` and a small panel shows what it notices. It only
//! points and explains; it never blocks the plan and never changes what was written. The names
//! it checks against (the people in this party's harms, everyone else on the list) come from
//! the vault and stay on this machine, and so does what it knows of the party (died, a child,
//! family, an organisation) that makes the advice fit, with the method chosen in the form.
//!
//! Capped: the page sends at most what a script can hold (`READ_MAX` characters, with the
//! length it had when it was longer), this reads at most that much of the request, and the
//! panel lists at most `SHOWN` findings, so an over-long paste is answered at once and the page
//! stays light.

use std::pin::Pin;

use amends_core::coach::{self, Context, Finding, READ_MAX, coach as read};
use amends_core::model::Way;
use askama::Template;
use axum::body::{Body, HttpBody};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::forms::Fields;
use crate::state::App;
use crate::view::page_with;

/// The most of a request this reads: `READ_MAX` characters as a form encodes them at worst
/// (a four-byte character is twelve), and the short fields beside them.
pub const BODY_MAX: usize = READ_MAX * 12 + 1024;

/// The most findings the panel lists of each sort; the rest are counted.
pub const SHOWN: usize = 40;

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
        over: Option<String>,
        fit: &'static str,
        note: Option<String>,
        present: Vec<Shown>,
        more_present: usize,
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

fn capitalised(label: &str) -> String {
    let mut chars = label.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

fn shown(script: &str, f: &Finding) -> Shown {
    // A missing element is shown under its own heading, so its label's "missing: " (or the
    // language's word for it) is left off.
    let label = match f.label.split_once(": ") {
        Some((_, rest)) if f.kind.is_missing() => rest,
        _ => f.label,
    };
    Shown {
        label: capitalised(label),
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

/// At most `max` bytes of the body, and whether there was more (the rest is never read).
async fn read_capped(mut body: Body, max: usize) -> Result<(Vec<u8>, bool), Response> {
    let mut out = Vec::new();
    loop {
        let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
        let Some(frame) = frame else {
            return Ok((out, false));
        };
        let Ok(frame) = frame else {
            return Err(answer(StatusCode::BAD_REQUEST, Panel::Empty));
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if out.len() + data.len() > max {
            out.extend_from_slice(&data[..max - out.len()]);
            // A percent escape cut in two would read as text: end before it.
            if let Some(p) = out.iter().rev().take(2).position(|b| *b == b'%') {
                out.truncate(out.len() - 1 - p);
            }
            return Ok((out, true));
        }
        out.extend_from_slice(&data);
    }
}

/// `POST /parties/{id}/coach` (fields `script`, `method` and `kind`, and `chars`: the length the script
/// had when the page cut it down): the coach's panel, as an HTML fragment.
pub async fn coach(State(app): State<App>, Path(id): Path<String>, body: Body) -> Response {
    let snap = match crate::view::open(&app) {
        Ok(s) => s,
        // A fragment goes into the page: never a redirect to a whole other page.
        Err(r) if r.status().is_redirection() => return answer(StatusCode::OK, Panel::Closed),
        Err(r) => return r,
    };
    let Some(at) = id.trim().parse::<i64>().ok().and_then(|i| snap.position(i)) else {
        return answer(StatusCode::NOT_FOUND, Panel::Gone);
    };
    let (body, cut) = match read_capped(body, BODY_MAX).await {
        Ok(read) => read,
        Err(r) => return r,
    };
    let fields = Fields::parse(&body.into());
    let script = fields.get("script").replace("\r\n", "\n");
    if script.trim().is_empty() {
        return answer(StatusCode::OK, Panel::Empty);
    }
    let record = &snap.records[at];
    let language = snap.settings.language;
    // The way chosen in the form (how, and what where the form asks it), saved or not; else
    // the plan's.
    let method = Way::parse(fields.get("method"), fields.get("kind"))
        .ok()
        .map(|w| w.method);
    let context = Context::for_party(record, &snap.records, method, snap.settings.currency);
    let reading = read(&script, language, &context);
    // The page sends at most `READ_MAX` characters and says how many there were.
    let told = fields
        .get("chars")
        .parse::<usize>()
        .ok()
        .filter(|n| *n > READ_MAX);
    let over = match (cut, told) {
        (_, Some(n)) => coach::over(language, Some(n)),
        (true, None) => coach::over(language, None),
        (false, None) => reading.over.clone(),
    };
    let (missing, present): (Vec<_>, Vec<_>) =
        reading.findings.iter().partition(|f| f.kind.is_missing());
    answer(
        StatusCode::OK,
        Panel::Read {
            over,
            fit: reading.fit_label,
            note: reading.note.clone(),
            more_present: present.len().saturating_sub(SHOWN),
            present: present
                .iter()
                .take(SHOWN)
                .map(|f| shown(&script, f))
                .collect(),
            missing: missing.iter().map(|f| shown(&script, f)).collect(),
            about_them: reading.balance.about_them,
            about_writer: reading.balance.about_writer,
            balance: reading.balance.reading,
        },
    )
}
