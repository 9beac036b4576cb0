//! Bringing in a list from a spreadsheet: upload a CSV, see how it reads (the layout, what each
//! column goes into, the first entries as they will be stored, every problem by line and
//! column, the names already on the list), change what needs changing, then add all of it or
//! nothing. The file is held only in memory, beside the open vault, while it is previewed.

use crate::routes::Routes;
use amends_core::model::Id;
use amends_transfer::csv_in::{
    self, Checked, Encoding, Field, Mapping, NameMatch, Options, ReadError, added_words,
    match_names, name_key,
};
use amends_vault::{Imported, ListedName, Target};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use secrecy::ExposeSecret;

use crate::forms::{Fields, FormState};
use crate::security::{forbidden, multipart_csrf_ok};
use crate::state::{App, FlashKind, Snapshot};
use crate::view::{Layout, Nav, open, page, page_with, see};

/// How many entries the preview shows as they will be stored.
const SHOWN_PARTIES: usize = 10;
/// How many harms of each.
const SHOWN_HARMS: usize = 5;

pub fn routes() -> Routes {
    Routes::new()
        .get_post("/import", upload_page, upload)
        .post("/import/preview", preview)
        .post("/import/confirm", confirm)
        .post("/import/cancel", cancel)
}

pub struct Choice {
    pub code: &'static str,
    pub label: &'static str,
}

fn encodings() -> Vec<Choice> {
    Encoding::ALL
        .iter()
        .map(|e| Choice {
            code: e.code(),
            label: e.label(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "import.html")]
struct UploadView {
    layout: Layout,
    form: FormState,
    encodings: Vec<Choice>,
}

fn upload_view(app: &App, form: FormState) -> UploadView {
    UploadView {
        layout: Layout::new(app, "Bring in a list", Nav::List),
        form,
        encodings: encodings(),
    }
}

pub struct ColumnView {
    pub number: usize,
    pub heading: String,
    pub field: &'static str,
}

pub struct HarmView {
    pub line: u64,
    pub did: String,
    pub details: Vec<(&'static str, String)>,
}

pub struct PartyView {
    pub line: u64,
    pub name: String,
    pub facts: Vec<String>,
    pub notes: String,
    pub harms: Vec<HarmView>,
    pub more_harms: usize,
}

pub struct MatchOption {
    pub value: String,
    pub label: String,
}

pub struct MatchView {
    pub line: u64,
    pub name: String,
    pub options: Vec<MatchOption>,
    pub notes: Vec<String>,
}

#[derive(Template)]
#[template(path = "import_preview.html")]
struct PreviewView {
    layout: Layout,
    form: FormState,
    upload: String,
    encodings: Vec<Choice>,
    fields: Vec<Choice>,
    layout_label: &'static str,
    encoding_label: &'static str,
    delimiter_label: &'static str,
    rows: usize,
    entries: usize,
    harms: usize,
    columns: Vec<ColumnView>,
    problems: Vec<String>,
    more_problems: usize,
    remarks: Vec<String>,
    parties: Vec<PartyView>,
    more_parties: usize,
    matches: Vec<MatchView>,
    can_import: bool,
}

impl PreviewView {
    /// The encoding chosen in the form ("" when Amends tells by itself).
    fn chosen_encoding(&self) -> &str {
        self.form.value("encoding")
    }
}

/// The options the form asks for: its encoding, and its column choices if it has any.
fn options_of(fields: &Fields) -> Options {
    let encoding = Encoding::parse(fields.get("encoding"));
    let mut columns: Vec<Option<Field>> = Vec::new();
    let mut any = false;
    for n in 1.. {
        let name = format!("col-{n}");
        if fields.all(&name).is_empty() {
            break;
        }
        any = true;
        columns.push(Field::parse(fields.get(&name)));
    }
    Options {
        encoding,
        mapping: if any {
            Mapping::Columns(columns)
        } else {
            Mapping::Auto
        },
    }
}

/// The names on the list to match the sheet's names against: every party's name now and the
/// names parties had before a rename (as the vault matches them when the list is brought in),
/// so a row with a protected party's old name asks whether it is the same person. Read from
/// the vault; the snapshot's current names only if that read fails.
fn listed(app: &App, snap: &Snapshot) -> Vec<ListedName> {
    app.read(|v| v.listed_names())
        .and_then(Result::ok)
        .unwrap_or_else(|| {
            snap.records
                .iter()
                .map(|r| ListedName {
                    id: r.party.id,
                    name: r.party.name.clone(),
                    set_aside: r.current_aside().is_some(),
                    former: false,
                })
                .collect()
        })
}

fn on_list(listed: &[ListedName]) -> Vec<(Id, &str, bool)> {
    listed
        .iter()
        .map(|l| (l.id, l.name.as_str(), l.set_aside))
        .collect()
}

fn name_of(snap: &Snapshot, id: Id) -> &str {
    snap.records
        .iter()
        .find(|r| r.party.id == id)
        .map_or("", |r| r.party.name.as_str())
}

fn preview_view(
    app: &App,
    snap: &Snapshot,
    upload: &str,
    checked: &Checked,
    matches: &[NameMatch],
    form: FormState,
) -> PreviewView {
    let columns = checked
        .columns
        .iter()
        .map(|c| ColumnView {
            number: c.number,
            heading: c.heading.clone(),
            field: c.field.map_or("", |f| f.code()),
        })
        .collect();
    let parties = checked
        .parties
        .iter()
        .take(SHOWN_PARTIES)
        .map(|p| {
            let mut facts = vec![p.kind.label().to_string()];
            if !p.relationship.is_empty() {
                facts.push(p.relationship.clone());
            }
            if let Some(w) = p.willingness {
                facts.push(format!("willing: {}", w.label()));
            }
            PartyView {
                line: p.line,
                name: p.name.clone(),
                facts,
                notes: p.notes.clone(),
                harms: p
                    .harms
                    .iter()
                    .take(SHOWN_HARMS)
                    .map(|h| {
                        let mut details: Vec<(&'static str, String)> = Vec::new();
                        if !h.should.is_empty() {
                            details.push(("What I should have done", h.should.clone()));
                        }
                        if !h.effect.is_empty() {
                            details.push(("How it affected them", h.effect.clone()));
                        }
                        if !h.kinds.is_empty() {
                            details.push((
                                "Kinds of harm",
                                h.kinds
                                    .iter()
                                    .map(|k| k.label())
                                    .collect::<Vec<_>>()
                                    .join(", "),
                            ));
                        }
                        if !h.when.is_empty() {
                            details.push(("When", h.when.clone()));
                        }
                        if let Some(m) = h.owed {
                            details.push(("Money owed", m.to_string()));
                        }
                        if !h.property.is_empty() {
                            details.push(("Property owed", h.property.clone()));
                        }
                        if !h.third_parties.is_empty() {
                            details.push(("Others involved", h.third_parties.join(", ")));
                        }
                        if let Some(s) = h.sponsor_agrees {
                            details.push((
                                "Sponsor agrees it is a harm",
                                if s { "yes" } else { "no" }.to_string(),
                            ));
                        }
                        details.push(("Where it came from", h.source.label().to_string()));
                        HarmView {
                            line: h.line,
                            did: h.did.clone(),
                            details,
                        }
                    })
                    .collect(),
                more_harms: p.harms.len().saturating_sub(SHOWN_HARMS),
            }
        })
        .collect();
    let matches = matches
        .iter()
        .map(|m| {
            let p = &checked.parties[m.party];
            let mut options = Vec::new();
            let mut notes = Vec::new();
            for e in &m.existing {
                if e.set_aside {
                    notes.push(format!(
                        "An entry with this name (number {}) is set aside; restore it first if the harms belong with it.",
                        e.id
                    ));
                } else {
                    let now_called = name_of(snap, e.id);
                    // Matched by a name the entry had before a rename: it may be the same
                    // person under the name they had then.
                    let renamed = if name_key(now_called) != p.key {
                        ", which had this name before a rename"
                    } else {
                        ""
                    };
                    options.push(MatchOption {
                        value: format!("merge-{}", e.id),
                        label: format!(
                            "Add its harms and willingness to {now_called} (number {}) on your list{renamed}",
                            e.id
                        ),
                    });
                }
            }
            options.push(MatchOption {
                value: "apart".into(),
                label: "Keep it apart: a new entry with the same name".into(),
            });
            MatchView {
                line: p.line,
                name: p.name.clone(),
                options,
                notes,
            }
        })
        .collect();
    PreviewView {
        layout: Layout::new(app, "Bring in a list", Nav::List),
        upload: upload.to_string(),
        encodings: encodings(),
        fields: Field::ALL
            .iter()
            .map(|f| Choice {
                code: f.code(),
                label: f.label(),
            })
            .collect(),
        layout_label: checked.layout.label(),
        encoding_label: checked.encoding.label(),
        delimiter_label: checked.delimiter.label(),
        rows: checked.rows,
        entries: checked.parties.len(),
        harms: checked.harm_count(),
        columns,
        problems: checked.problems.iter().map(|p| p.to_string()).collect(),
        more_problems: checked.more_problems,
        remarks: checked.remarks.clone(),
        parties,
        more_parties: checked.parties.len().saturating_sub(SHOWN_PARTIES),
        matches,
        can_import: checked.is_ok(),
        form,
    }
}

/// The upload page again, with why the file could not be read.
fn unreadable(app: &App, e: &ReadError, fields: Fields) -> Response {
    let mut form = FormState::new(fields);
    let mut words = e.to_string();
    if let Some(first) = words.get(..1) {
        words = first.to_uppercase() + &words[1..];
    }
    form.field_error("file", format!("{words}. Nothing was added."));
    page_with(StatusCode::UNPROCESSABLE_ENTITY, &upload_view(app, form))
}

/// `GET /import`.
pub async fn upload_page(State(app): State<App>) -> Response {
    if let Err(r) = open(&app) {
        return r;
    }
    page(&upload_view(&app, FormState::default()))
}

/// `POST /import`: multipart with `_csrf` first, then `encoding` and `file`. Holds the file
/// and shows how it reads.
pub async fn upload(State(app): State<App>, mut multipart: Multipart) -> Response {
    if !multipart_csrf_ok(&app, &mut multipart).await {
        tracing::warn!("an upload without the page's token was refused");
        return forbidden();
    }
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut encoding = String::new();
    let mut file: Option<Bytes> = None;
    // A browser sends the part without a file name when no file was chosen.
    let mut chosen = false;
    let mut broken = false;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("file") => {
                    chosen = field.file_name().is_some_and(|n| !n.is_empty());
                    match field.bytes().await {
                        Ok(b) => file = Some(b),
                        Err(_) => {
                            broken = true;
                            break;
                        }
                    }
                }
                Some("encoding") => encoding = field.text().await.unwrap_or_default(),
                _ => {}
            },
            Ok(None) => break,
            Err(_) => {
                broken = true;
                break;
            }
        }
    }
    let values = Fields::parse(&Bytes::from(
        form_urlencoded::Serializer::new(String::new())
            .append_pair("encoding", &encoding)
            .finish(),
    ));
    let mut form = FormState::new(values.clone());
    let bytes = match file {
        _ if broken => {
            form.field_error(
                "file",
                "The file did not arrive whole. Nothing was added; try again.",
            );
            None
        }
        Some(b) if !b.is_empty() => Some(b),
        _ if chosen => {
            form.field_error(
                "file",
                "That file is empty. Save the sheet again as CSV, with its headings in the first line, and choose it again.",
            );
            None
        }
        _ => {
            form.field_error("file", "Choose the spreadsheet, saved as a CSV file.");
            None
        }
    };
    let Some(bytes) = bytes else {
        return page_with(StatusCode::UNPROCESSABLE_ENTITY, &upload_view(&app, form));
    };
    let options = options_of(&values);
    let checked = match csv_in::import(&bytes, &options, &snap.settings) {
        Ok(c) => c,
        Err(e) => return unreadable(&app, &e, values),
    };
    let Some(upload) = app.hold_import(bytes.to_vec()) else {
        return see("/unlock");
    };
    drop(bytes);
    let listed = listed(&app, &snap);
    let matches = match_names(&checked.parties, on_list(&listed));
    page(&preview_view(
        &app, &snap, &upload, &checked, &matches, form,
    ))
}

/// The held file with the form's id, checked with the form's choices; or the response that
/// says it is no longer held.
#[allow(clippy::result_large_err)]
fn reread(app: &App, snap: &Snapshot, fields: &Fields) -> Result<Checked, Response> {
    let Some(bytes) = app.held_import(fields.get("upload")) else {
        app.flash(
            FlashKind::Note,
            "The spreadsheet is no longer held (it is forgotten when you lock, leave, import or cancel). Nothing was added; choose it again.",
        );
        return Err(see("/import"));
    };
    csv_in::import(bytes.expose_secret(), &options_of(fields), &snap.settings)
        .map_err(|e| unreadable(app, &e, fields.clone()))
}

/// `POST /import/preview`: the held file read again with the form's choices.
pub async fn preview(State(app): State<App>, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let fields = Fields::parse(&body);
    let checked = match reread(&app, &snap, &fields) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let listed = listed(&app, &snap);
    let matches = match_names(&checked.parties, on_list(&listed));
    let upload = fields.get("upload").to_string();
    page(&preview_view(
        &app,
        &snap,
        &upload,
        &checked,
        &matches,
        FormState::new(fields),
    ))
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn done_words(added: &Imported) -> String {
    let mut text = format!("Your spreadsheet is brought in: {}.", added_words(added));
    if added.skipped > 0 {
        text.push_str(&format!(
            " {} left out because the entry you already had holds the same words.",
            plural(added.skipped, "harm was", "harms were"),
        ));
    }
    text
}

/// `POST /import/confirm`: everything in the file is added, or nothing.
pub async fn confirm(State(app): State<App>, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let fields = Fields::parse(&body);
    let checked = match reread(&app, &snap, &fields) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let listed = listed(&app, &snap);
    let matches = match_names(&checked.parties, on_list(&listed));
    let upload = fields.get("upload").to_string();
    let mut form = FormState::new(fields.clone());
    let again = |form: FormState| {
        page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &preview_view(&app, &snap, &upload, &checked, &matches, form),
        )
    };
    if !checked.is_ok() {
        form.problem =
            Some("Nothing was added: the file has things to put right first, listed below.".into());
        return again(form);
    }
    let mut targets = vec![Target::New; checked.parties.len()];
    let mut unanswered = 0;
    for m in &matches {
        let line = checked.parties[m.party].line;
        let chosen = fields.get(&format!("match-{line}"));
        targets[m.party] = if chosen == "apart" {
            Target::Apart
        } else if let Some(id) = chosen
            .strip_prefix("merge-")
            .and_then(|i| i.parse::<Id>().ok())
            .filter(|id| m.existing.iter().any(|e| e.id == *id && !e.set_aside))
        {
            Target::Merge(id)
        } else {
            unanswered += 1;
            Target::New
        };
    }
    if unanswered > 0 {
        form.problem = Some(format!(
            "Nothing was added yet. For {} already on your list, choose whether to add to the entry you have or keep it apart.",
            plural(unanswered, "name", "names")
        ));
        return again(form);
    }
    let parties = checked.for_vault(&targets);
    let result =
        app.write(|v, now| v.import_list(&parties, &|n: &str| name_key(n), now, &mut |_, _| {}));
    match result {
        Some(Ok(added)) => {
            app.drop_import();
            tracing::info!("a spreadsheet was imported");
            app.flash(FlashKind::Done, done_words(&added));
            for r in &checked.remarks {
                app.flash(FlashKind::Note, format!("{r}."));
            }
            if added.reopened > 0 {
                app.flash(
                    FlashKind::Note,
                    format!(
                        "Amends were already made to {}; the new harms reopen them (R10).",
                        plural(added.reopened, "entry", "entries")
                    ),
                );
            }
            see("/list")
        }
        Some(Err(e)) => {
            form.vault_error(e, |_| None);
            again(form)
        }
        None => see("/unlock"),
    }
}

/// `POST /import/cancel`: the held file is forgotten; nothing was added.
pub async fn cancel(State(app): State<App>) -> Response {
    if let Err(r) = open(&app) {
        return r;
    }
    app.drop_import();
    app.flash(
        FlashKind::Note,
        "Nothing was added, and the spreadsheet is forgotten.",
    );
    see("/list")
}
