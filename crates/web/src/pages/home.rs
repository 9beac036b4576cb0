//! Home: where I am, what is next and due, and the steps in my fellowship's words.

use amends_core::due::{DueItem, DueKind};
use amends_core::model::{PartyRecord, Willingness};
use amends_core::stage::Stage;
use amends_core::steps::{StepWording, wording_in};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use jiff::civil::Date;

use crate::state::{App, Snapshot};
use crate::view::{Layout, Nav, day, open, page};

pub struct Count {
    pub label: &'static str,
    pub code: &'static str,
    pub n: usize,
}

pub struct Due {
    pub party_id: i64,
    pub party: String,
    pub kind: &'static str,
    pub on: String,
    pub overdue: bool,
    pub what: String,
    pub commitment_id: Option<i64>,
    pub amount_value: Option<String>,
    pub is_payment: bool,
    pub is_checkin: bool,
    /// For a check-in whose period has begun: that period (ISO), answered on its own.
    pub period: Option<String>,
}

impl Due {
    fn from(d: &DueItem, snap: &Snapshot) -> Due {
        Due {
            party_id: d.party_id,
            party: d.party.clone(),
            kind: match d.kind {
                DueKind::Plan => "Planned amends",
                DueKind::Review => "Look again at a deferral",
                DueKind::Payment => "Payment",
                DueKind::CheckIn => "Check-in",
                DueKind::Promise => "Promise",
                DueKind::Willingness => "Willingness to look at again",
            },
            on: day(d.on),
            overdue: d.overdue,
            what: d.what.clone(),
            commitment_id: d.commitment_id,
            amount_value: d.amount.map(|m| m.typed(snap.settings.language)),
            is_payment: d.kind == DueKind::Payment,
            is_checkin: d.kind == DueKind::CheckIn,
            period: d
                .period
                .filter(|p| *p <= snap.now.today)
                .map(|p| p.to_string()),
        }
    }
}

pub struct Next {
    pub party_id: i64,
    pub name: String,
    pub stage: &'static str,
    pub reason: String,
}

/// A progress chart over time, drawn on the server as inline SVG (no script, no library).
pub struct Chart {
    pub width: u32,
    pub height: u32,
    pub listed: String,
    pub made: String,
    pub y_ticks: Vec<(u32, usize)>,
    pub x_labels: Vec<(u32, String)>,
    pub rows: Vec<(String, usize, usize)>,
}

/// How many things due are shown before the rest are folded away.
const DUE_SHOWN: usize = 10;

const CHART_W: u32 = 640;
const CHART_H: u32 = 220;
const PAD_L: u32 = 44;
const PAD_R: u32 = 12;
const PAD_T: u32 = 12;
const PAD_B: u32 = 34;

/// The first day of the month `back` months before `today`'s month.
fn month_start(today: Date, back: i32) -> Date {
    let first = today.first_of_month();
    first
        .checked_sub(jiff::Span::new().months(back))
        .unwrap_or(first)
}

fn made_on(r: &PartyRecord) -> Option<Date> {
    r.attempts
        .iter()
        .filter(|a| a.outcome.is_made())
        .map(|a| a.on)
        .min()
}

/// Counts at the end of each of the last twelve months (up to today): parties listed and
/// parties to whom an amends has been made.
pub fn chart(snap: &Snapshot) -> Chart {
    let today = snap.now.today;
    let months = 12;
    let mut ends = Vec::new();
    for back in (0..months).rev() {
        let start = month_start(today, back);
        let end = if back == 0 {
            today
        } else {
            month_start(today, back - 1).yesterday().unwrap_or(start)
        };
        ends.push((start, end));
    }
    let created: Vec<Date> = snap
        .records
        .iter()
        .map(|r| snap.now.date_of(r.party.created))
        .collect();
    let made: Vec<Option<Date>> = snap.records.iter().map(made_on).collect();
    let mut rows = Vec::new();
    for (start, end) in &ends {
        let l = created.iter().filter(|d| *d <= end).count();
        let m = made.iter().flatten().filter(|d| *d <= end).count();
        rows.push((start.strftime("%b %Y").to_string(), l, m));
    }
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let plot_w = CHART_W - PAD_L - PAD_R;
    let plot_h = CHART_H - PAD_T - PAD_B;
    let x = |i: usize| PAD_L + (plot_w * i as u32) / (months as u32 - 1);
    let y = |v: usize| PAD_T + plot_h - ((plot_h as usize * v) / max) as u32;
    let line = |pick: &dyn Fn(&(String, usize, usize)) -> usize| {
        rows.iter()
            .enumerate()
            .map(|(i, r)| format!("{},{}", x(i), y(pick(r))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let listed = line(&|r| r.1);
    let made_line = line(&|r| r.2);
    let step = (max / 4).max(1);
    let y_ticks = (0..=max).step_by(step).map(|v| (y(v), v)).collect();
    let x_labels = rows
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 3 == 2 || *i == 0)
        .map(|(i, r)| (x(i), r.0.clone()))
        .collect();
    Chart {
        width: CHART_W,
        height: CHART_H,
        listed,
        made: made_line,
        y_ticks,
        x_labels,
        rows,
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomeView {
    layout: Layout,
    parties: usize,
    harms: usize,
    stages: Vec<Count>,
    willingness: Vec<Count>,
    outstanding: Vec<String>,
    kept: usize,
    missed: usize,
    due: Vec<Due>,
    /// What is due beyond the first few, folded away so the page stays calm.
    due_more: Vec<Due>,
    later: Vec<Due>,
    next: Vec<Next>,
    chart: Chart,
    steps: StepWording,
    csrf: String,
}

pub async fn home(State(app): State<App>) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let s = &snap.summary;
    let stages = s
        .by_stage
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(st, n)| Count {
            label: st.label(),
            code: st.code(),
            n: *n,
        })
        .collect();
    let willingness = s
        .by_willingness
        .iter()
        .map(|(w, n)| Count {
            label: w.map(Willingness::label).unwrap_or("not yet said"),
            code: w.map(Willingness::code).unwrap_or("unsaid"),
            n: *n,
        })
        .collect();
    let week_ahead = snap
        .now
        .today
        .checked_add(jiff::Span::new().days(7))
        .unwrap_or(snap.now.today);
    let (due_now, later): (Vec<&DueItem>, Vec<&DueItem>) =
        snap.due.iter().partition(|d| d.on <= snap.now.today);
    let later = later
        .into_iter()
        .filter(|d| d.on <= week_ahead)
        .map(|d| Due::from(d, &snap))
        .collect();
    // A living amends with several weeks still to answer shows once here, at its oldest open
    // period (the one its quick answer records); the others are answered one by one on its
    // page, so the list stays one line per commitment however long it was left.
    let mut due: Vec<Due> = Vec::new();
    let mut first_checkin: std::collections::HashMap<i64, (usize, usize)> = Default::default();
    for d in due_now {
        if let (DueKind::CheckIn, Some(c)) = (d.kind, d.commitment_id) {
            if let Some((_, more)) = first_checkin.get_mut(&c) {
                *more += 1;
                continue;
            }
            first_checkin.insert(c, (due.len(), 0));
        }
        due.push(Due::from(d, &snap));
    }
    for (at, more) in first_checkin.into_values() {
        if more > 0 {
            let d = &mut due[at];
            d.what = format!(
                "{} · {more} more {} to answer on its page",
                d.what,
                if more == 1 { "period" } else { "periods" }
            );
        }
    }
    let due_more = if due.len() > DUE_SHOWN {
        due.split_off(DUE_SHOWN)
    } else {
        Vec::new()
    };
    let mut next: Vec<Next> = snap
        .records
        .iter()
        .zip(&snap.stages)
        .filter(|(_, st)| {
            matches!(
                st.stage,
                Stage::Ready | Stage::Willing | Stage::Reopened | Stage::Attempted
            )
        })
        .map(|(r, st)| Next {
            party_id: r.party.id,
            name: r.party.name.clone(),
            stage: st.stage.label(),
            reason: st.reason.clone(),
        })
        .collect();
    next.truncate(8);
    let view = HomeView {
        layout: Layout::new(&app, "Home", Nav::Home),
        parties: s.parties,
        harms: s.harms,
        stages,
        willingness,
        outstanding: s
            .outstanding
            .iter()
            .map(|m| m.show(snap.settings.language))
            .collect(),
        kept: s.checkins_kept,
        missed: s.checkins_missed,
        due,
        due_more,
        later,
        next,
        chart: chart(&snap),
        steps: wording_in(snap.settings.fellowship, snap.settings.language),
        csrf: app.csrf().to_string(),
    };
    page(&view)
}
