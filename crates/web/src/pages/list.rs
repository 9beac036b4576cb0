//! Step 8: the list, as a board by willingness and as a table with filters and a search.
//!
//! Both views render from the snapshot only (no query per party), so a list of a thousand
//! names stays quick. Filters are fixed codes and may sit in the address; the search text is
//! typed by the person, so it is only ever POSTed.

use std::collections::HashMap;

use crate::routes::Routes;
use amends_core::model::{HarmKind, Id, PartyKind, PartyRecord, Willingness};
use amends_core::stage::{Stage, StageInfo};
use amends_vault::PartyRef;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::Response;
use jiff::civil::Date;
use serde::Deserialize;

use crate::forms::{Fields, web_words};
use crate::state::{App, FlashKind, Snapshot};
use crate::view::{Layout, Nav, day, open, page, see};

pub fn routes() -> Routes {
    Routes::new()
        .get("/list", board)
        .post("/list/move", move_card)
        .get_post("/list/table", table, search)
}

/// The longest search text looked at (longer text is cut, never refused).
const SEARCH_MAX: usize = 200;

/// The words for a willingness level, as a column heading and on a button.
fn level_title(w: Willingness) -> &'static str {
    match w {
        Willingness::Now => "Now",
        Willingness::Later => "Later",
        Willingness::Maybe => "Maybe",
        Willingness::Never => "Never",
    }
}

fn level_hint(w: Option<Willingness>) -> &'static str {
    match w {
        Some(Willingness::Now) => "Willing to make this amends now.",
        Some(Willingness::Later) => "Willing, when the time is right.",
        Some(Willingness::Maybe) => "Not sure yet. That is honest.",
        Some(Willingness::Never) => {
            "Not willing, for now. Many lists start here; keep asking yourself."
        }
        None => "You have not said yet how willing you are.",
    }
}

/// Sorting names the way people read them.
fn name_key(r: &PartyRecord) -> String {
    r.party.name.to_lowercase()
}

pub struct Move {
    pub code: &'static str,
    pub title: &'static str,
}

pub struct Card {
    pub id: Id,
    pub name: String,
    pub stage: &'static str,
    pub stage_code: &'static str,
    pub harms: usize,
    pub moves: Vec<Move>,
}

pub struct Column {
    pub code: &'static str,
    pub title: &'static str,
    pub hint: &'static str,
    pub cards: Vec<Card>,
}

#[derive(Template)]
#[template(path = "list.html")]
struct BoardView {
    layout: Layout,
    columns: Vec<Column>,
    total: usize,
    set_aside: usize,
}

/// `GET /list`: the board, one column per willingness level and one for "not yet said".
pub async fn board(State(app): State<App>) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut columns: Vec<Column> = Willingness::ALL
        .iter()
        .map(|w| Column {
            code: w.code(),
            title: level_title(*w),
            hint: level_hint(Some(*w)),
            cards: Vec::new(),
        })
        .chain(std::iter::once(Column {
            code: "unsaid",
            title: "Not yet said",
            hint: level_hint(None),
            cards: Vec::new(),
        }))
        .collect();
    let mut set_aside = 0;
    let mut order: Vec<(&PartyRecord, &StageInfo)> =
        snap.records.iter().zip(&snap.stages).collect();
    order.sort_by_cached_key(|(r, _)| name_key(r));
    for (r, st) in order {
        if st.stage == Stage::SetAside {
            set_aside += 1;
            continue;
        }
        let now = r.willingness_now().map(|w| w.level);
        let column = match now {
            Some(w) => Willingness::ALL.iter().position(|x| *x == w).unwrap_or(0),
            None => Willingness::ALL.len(),
        };
        let moves = Willingness::ALL
            .iter()
            .filter(|w| Some(**w) != now)
            .map(|w| Move {
                code: w.code(),
                title: level_title(*w),
            })
            .collect();
        columns[column].cards.push(Card {
            id: r.party.id,
            name: r.party.name.clone(),
            stage: st.stage.label(),
            stage_code: st.stage.code(),
            harms: r.live_harms().count(),
            moves,
        });
    }
    let total = columns.iter().map(|c| c.cards.len()).sum();
    page(&BoardView {
        layout: Layout::new(&app, "My list", Nav::List),
        columns,
        total,
        set_aside,
    })
}

/// `POST /list/move`: party, willingness. The earlier levels stay in the party's history.
pub async fn move_card(State(app): State<App>, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let f = Fields::parse(&body);
    let party = f.get("party").trim().parse::<Id>().ok();
    let level = Willingness::parse(f.get("willingness")).ok();
    let (Some(id), Some(level)) = (party, level) else {
        app.flash(
            FlashKind::Note,
            "That move did not come through whole, so nothing was changed. Try again from the board.",
        );
        return see("/list");
    };
    let Some(name) = snap
        .position(id)
        .map(|i| snap.records[i].party.name.clone())
    else {
        app.flash(
            FlashKind::Note,
            web_words(&amends_vault::VaultError::NoSuchParty),
        );
        return see("/list");
    };
    match app.write(|v, now| v.set_willingness(&PartyRef::Id(id), level, "", now)) {
        Some(Ok(rec)) => {
            app.flash(
                FlashKind::Done,
                format!(
                    "Moved {name} to {}. The earlier answer stays in the history.",
                    level_title(level)
                ),
            );
            if level == Willingness::Never {
                app.flash(
                    FlashKind::Note,
                    "\"Never\" is where many lists start. Keep asking yourself; Amends will bring this up again in a month.",
                );
            }
            // The vault's own notes for the command line name commands; those are said above.
            for w in rec.warnings.into_iter().filter(|w| !w.contains('`')) {
                app.flash(FlashKind::Note, w);
            }
        }
        Some(Err(e)) => app.flash(
            FlashKind::Note,
            format!(
                "{} Nothing was changed.",
                web_words(&e).trim_end_matches(" Nothing was changed.")
            ),
        ),
        None => return see("/unlock"),
    }
    see(&format!("/list#card-{id}"))
}

/// The filters of the table: fixed codes only.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    stage: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    harm: Option<String>,
}

/// Filters that were understood; anything else means "all".
#[derive(Clone, Copy, Debug, Default)]
struct Chosen {
    stage: Option<Stage>,
    kind: Option<PartyKind>,
    harm: Option<HarmKind>,
}

impl Chosen {
    fn read(stage: &str, kind: &str, harm: &str) -> Chosen {
        Chosen {
            stage: Stage::ALL
                .iter()
                .copied()
                .find(|s| s.code() == stage.trim()),
            kind: PartyKind::parse(kind).ok(),
            harm: HarmKind::parse(harm).ok(),
        }
    }

    fn any(&self) -> bool {
        self.stage.is_some() || self.kind.is_some() || self.harm.is_some()
    }

    /// The address of the table with these filters (codes only).
    fn query(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        if let Some(s) = self.stage {
            q.append_pair("stage", s.code());
        }
        if let Some(k) = self.kind {
            q.append_pair("kind", k.code());
        }
        if let Some(h) = self.harm {
            q.append_pair("harm", h.code());
        }
        let q = q.finish();
        if q.is_empty() {
            "/list/table".to_string()
        } else {
            format!("/list/table?{q}")
        }
    }
}

pub struct Row {
    pub id: Id,
    pub name: String,
    pub kind: &'static str,
    pub stage: &'static str,
    pub stage_code: &'static str,
    pub willingness: &'static str,
    pub harm_kinds: String,
    pub harms: usize,
    pub due: Option<String>,
    pub overdue: bool,
}

pub struct Choice {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "list_table.html")]
struct TableView {
    layout: Layout,
    rows: Vec<Row>,
    total: usize,
    stages: Vec<Choice>,
    kinds: Vec<Choice>,
    harms: Vec<Choice>,
    stage: &'static str,
    kind: &'static str,
    harm: &'static str,
    filtered: bool,
    q: String,
    clear_search: String,
    printed: String,
}

fn matches_text(r: &PartyRecord, needle: &str) -> bool {
    let has = |s: &str| s.to_lowercase().contains(needle);
    has(&r.party.name)
        || has(&r.party.relationship)
        || has(&r.party.notes)
        || r.live_harms()
            .any(|h| has(&h.did) || has(&h.effect) || has(&h.should) || has(&h.when))
}

fn harm_kinds(r: &PartyRecord) -> Vec<HarmKind> {
    HarmKind::ALL
        .iter()
        .copied()
        .filter(|k| r.live_harms().any(|h| h.kinds.contains(k)))
        .collect()
}

fn render_table(app: &App, snap: &Snapshot, chosen: Chosen, q: &str) -> Response {
    let needle = q.trim().to_lowercase();
    let mut next_due: HashMap<Id, (Date, bool)> = HashMap::new();
    for d in &snap.due {
        let e = next_due.entry(d.party_id).or_insert((d.on, d.overdue));
        if d.on < e.0 {
            *e = (d.on, d.overdue);
        }
    }
    let mut rows: Vec<(String, Row)> = snap
        .records
        .iter()
        .zip(&snap.stages)
        .filter(|(r, st)| {
            chosen.stage.is_none_or(|s| st.stage == s)
                && chosen.kind.is_none_or(|k| r.party.kind == k)
                && chosen
                    .harm
                    .is_none_or(|k| r.live_harms().any(|h| h.kinds.contains(&k)))
                && (needle.is_empty() || matches_text(r, &needle))
        })
        .map(|(r, st)| {
            let due = next_due.get(&r.party.id);
            (
                name_key(r),
                Row {
                    id: r.party.id,
                    name: r.party.name.clone(),
                    kind: kind_word(r.party.kind),
                    stage: st.stage.label(),
                    stage_code: st.stage.code(),
                    willingness: r
                        .willingness_now()
                        .map(|w| level_title(w.level))
                        .unwrap_or("Not yet said"),
                    harm_kinds: harm_kinds(r)
                        .iter()
                        .map(|k| k.label())
                        .collect::<Vec<_>>()
                        .join(", "),
                    harms: r.live_harms().count(),
                    due: due.map(|(on, _)| day(*on)),
                    overdue: due.is_some_and(|(_, o)| *o),
                },
            )
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let rows = rows.into_iter().map(|(_, r)| r).collect();
    let choices = |codes: Vec<(&'static str, &'static str)>, chosen: Option<&'static str>| {
        codes
            .into_iter()
            .map(|(code, label)| Choice {
                code,
                label,
                selected: Some(code) == chosen,
            })
            .collect::<Vec<_>>()
    };
    let view = TableView {
        layout: Layout::new(app, "My list as a table", Nav::List),
        rows,
        total: snap.records.len(),
        stages: choices(
            Stage::ALL.iter().map(|s| (s.code(), s.label())).collect(),
            chosen.stage.map(Stage::code),
        ),
        kinds: choices(
            PartyKind::ALL
                .iter()
                .map(|k| (k.code(), kind_word(*k)))
                .collect(),
            chosen.kind.map(PartyKind::code),
        ),
        harms: choices(
            HarmKind::ALL
                .iter()
                .map(|k| (k.code(), k.label()))
                .collect(),
            chosen.harm.map(HarmKind::code),
        ),
        stage: chosen.stage.map(Stage::code).unwrap_or(""),
        kind: chosen.kind.map(PartyKind::code).unwrap_or(""),
        harm: chosen.harm.map(HarmKind::code).unwrap_or(""),
        filtered: chosen.any(),
        q: q.to_string(),
        clear_search: chosen.query(),
        printed: day(snap.now.today),
    };
    page(&view)
}

/// A short word for the kind of party, for a table cell.
fn kind_word(k: PartyKind) -> &'static str {
    match k {
        PartyKind::Person => "person",
        PartyKind::Organisation => "organisation",
        PartyKind::Deceased => "has died",
        PartyKind::Unreachable => "cannot be found",
        PartyKind::Group => "group",
        PartyKind::Myself => "myself",
    }
}

/// `GET /list/table?stage=&kind=&harm=`: every party, filtered by fixed codes.
pub async fn table(State(app): State<App>, Query(f): Query<Filters>) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let chosen = Chosen::read(
        f.stage.as_deref().unwrap_or(""),
        f.kind.as_deref().unwrap_or(""),
        f.harm.as_deref().unwrap_or(""),
    );
    render_table(&app, &snap, chosen, "")
}

/// `POST /list/table`: the same, with the search text `q` (and the filters, as hidden fields).
pub async fn search(State(app): State<App>, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let f = Fields::parse(&body);
    let chosen = Chosen::read(f.get("stage"), f.get("kind"), f.get("harm"));
    let q: String = f.get("q").chars().take(SEARCH_MAX).collect();
    render_table(&app, &snap, chosen, &q)
}
