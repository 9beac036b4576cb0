//! `amends import FILE` for a spreadsheet: a list saved as CSV, read by its headings (or a
//! mapping given by hand), checked cell by cell, previewed, and added to the list in one
//! transaction. A JSON export goes the other way (run.rs): restored into an empty vault.

use std::io::{IsTerminal, Read};
use std::path::Path;

use amends_core::Now;
use amends_core::model::Id;
use amends_transfer::csv_in::{
    self, Checked, Encoding, HandMap, Mapping, NameMatch, Options, added_words, match_names,
    name_key,
};
use amends_vault::{Imported, ListedName, Target, VaultError};
use anyhow::{Context, Result};
use serde::Serialize;

use crate::args::{Cli, ImportArgs, Matched};
use crate::run::{emit, invalid, open, print_json};

/// How many entries a preview shows as they will be stored.
const PREVIEW_PARTIES: usize = 10;
/// How many problems a refusal lists on standard error.
const SHOWN_PROBLEMS: usize = 20;
/// How many harms of each entry a preview shows.
const PREVIEW_HARMS: usize = 5;
/// How many columns a preview lists before it only counts the ones not imported.
const PREVIEW_COLUMNS: usize = 40;

/// Whether the file is a spreadsheet rather than a JSON export: by its extension, else by its
/// first character (an export starts with `{`).
pub fn is_csv(a: &ImportArgs) -> Result<bool> {
    let ext = a
        .file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let csv = match ext.as_deref() {
        Some("json") => false,
        Some("csv" | "tsv" | "tab" | "txt") => true,
        _ => {
            let mut head = [0u8; 64];
            let mut f = std::fs::File::open(&a.file)
                .with_context(|| format!("the file {} could not be read", a.file.display()))?;
            let n = f.read(&mut head).unwrap_or(0);
            let head = head[..n]
                .strip_prefix(&[0xEF, 0xBB, 0xBF])
                .unwrap_or(&head[..n]);
            head.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{')
        }
    };
    if !csv && (!a.map.is_empty() || a.preview || a.matched.is_some() || a.encoding.is_some()) {
        return Err(invalid(
            "import",
            "--map, --preview, --matched and --encoding are for spreadsheets (CSV); this file is a JSON export, which is restored whole into an empty vault",
        ));
    }
    if !csv && a.json {
        return Err(invalid(
            "json",
            "--json is for spreadsheets (CSV); a JSON export is restored without it",
        ));
    }
    Ok(csv)
}

/// A JSON export's text, or why it cannot be one (exit code 2, "Nothing was changed"): the
/// file cannot be read, or it is not UTF-8, which every export Amends writes is.
pub fn read_export(file: &std::path::Path) -> Result<String> {
    let bytes = std::fs::read(file).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "there is no such file; check the path",
            std::io::ErrorKind::PermissionDenied => {
                "this account may not read it; check the file's permissions"
            }
            std::io::ErrorKind::IsADirectory => "it is a folder; give the export file inside it",
            _ => "it could not be read; check that it is the right file",
        };
        invalid("file", format!("{}: {why}", file.display()))
    })?;
    String::from_utf8(bytes).map_err(|_| {
        invalid(
            "file",
            "this is not an Amends JSON export: those are plain UTF-8 text, and this file is not; export it again with `amends export`, or, for a spreadsheet, save it as CSV and import that",
        )
    })
}

fn mapping(a: &ImportArgs) -> Result<Mapping> {
    if a.map.is_empty() {
        return Ok(Mapping::Auto);
    }
    let mut all = HandMap::default();
    for m in &a.map {
        all.extend(HandMap::parse(m).map_err(|e| invalid("map", e.to_string()))?);
    }
    Ok(Mapping::Hand(all))
}

fn encoding(a: &ImportArgs) -> Result<Option<Encoding>> {
    a.encoding
        .as_deref()
        .map(|e| {
            Encoding::parse(e).ok_or_else(|| {
                invalid(
                    "encoding",
                    "is not one Amends reads; use utf-8, utf-16le, utf-16be or windows-1252",
                )
            })
        })
        .transpose()
}

/// What to do with each imported party, from the matches and `--matched`.
fn targets(
    checked: &Checked,
    matches: &[NameMatch],
    matched: Option<Matched>,
) -> Result<Vec<Target>> {
    let mut targets = vec![Target::New; checked.parties.len()];
    if matches.is_empty() {
        return Ok(targets);
    }
    let Some(how) = matched else {
        let n = matches.len();
        return Err(invalid(
            "matched",
            format!(
                "{n} {} in the file {} already on your list. `--preview` shows which; add --matched merge to add their harms and willingness to the entries you have, or --matched apart to add them as new entries",
                if n == 1 { "name" } else { "names" },
                if n == 1 { "is" } else { "are" },
            ),
        ));
    };
    for m in matches {
        targets[m.party] = match how {
            Matched::Apart => Target::Apart,
            Matched::Merge => {
                let on_list: Vec<Id> = m
                    .existing
                    .iter()
                    .filter(|e| !e.set_aside)
                    .map(|e| e.id)
                    .collect();
                match on_list.as_slice() {
                    [id] => Target::Merge(*id),
                    [] => {
                        return Err(VaultError::Refused(amends_core::Refusal::new(
                            None,
                            format!(
                                "The name on line {} of the file matches an entry that is set aside, so harms cannot be added to it",
                                checked.parties[m.party].line
                            ),
                            "Restore that entry first (amends party restore ID) if it belongs on the list again, or import with --matched apart.",
                        ))
                        .into());
                    }
                    _ => {
                        return Err(invalid(
                            "matched",
                            format!(
                                "the name on line {} of the file matches more than one entry on your list, so it is not clear which to merge into; import with --matched apart, or give those entries different names first",
                                checked.parties[m.party].line
                            ),
                        ));
                    }
                }
            }
        };
    }
    Ok(targets)
}

pub fn csv_cmd(cli: &Cli, a: &ImportArgs, now: &Now) -> Result<()> {
    let size = std::fs::metadata(&a.file)
        .with_context(|| format!("the file {} could not be read", a.file.display()))?
        .len();
    if size > csv_in::MAX_BYTES as u64 {
        return Err(VaultError::Import(csv_in::ReadError::TooLarge.to_string()).into());
    }
    let options = Options {
        encoding: encoding(a)?,
        mapping: mapping(a)?,
    };
    let bytes = std::fs::read(&a.file)
        .with_context(|| format!("the file {} could not be read", a.file.display()))?;
    let mut vault = open(cli)?;
    let settings = vault.settings()?;
    let checked = csv_in::import(&bytes, &options, &settings)
        .map_err(|e| VaultError::Import(e.to_string()))?;
    drop(bytes);
    let listed = vault.listed_names()?;
    let matches = match_names(
        &checked.parties,
        listed.iter().map(|l| (l.id, l.name.as_str(), l.set_aside)),
    );

    if a.preview {
        if a.json {
            print_json(&preview_json(&checked, &matches, &listed))?;
        } else {
            emit(&preview_text(&a.file, &checked, &matches, &listed))?;
        }
        if !checked.is_ok() {
            return Err(problems_error(&checked, !a.json));
        }
        return Ok(());
    }
    if !checked.is_ok() {
        return Err(problems_error(&checked, false));
    }
    let targets = targets(&checked, &matches, a.matched)?;
    let parties = checked.for_vault(&targets);
    let bar = if std::io::stderr().is_terminal() && !a.json {
        let bar = indicatif::ProgressBar::new(parties.len() as u64);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("Importing {bar:30} {pos}/{len} entries")
        {
            bar.set_style(style);
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let result = vault.import_list(&parties, &|n: &str| name_key(n), now, &mut |done, _| {
        bar.set_position(done as u64)
    });
    bar.finish_and_clear();
    let added = result?;
    if a.json {
        return print_json(&Added::from(&added));
    }
    emit(&added_text(&added, &checked))
}

/// The refusal of a file with problems: each listed (by line and column, never a value) unless
/// the preview has just listed them on standard output.
fn problems_error(checked: &Checked, listed_above: bool) -> anyhow::Error {
    let n = checked.problem_count();
    let things = plural(n, "thing", "things");
    if listed_above {
        return VaultError::Import(format!(
            "{things} to put right in the file first, listed in the preview above"
        ))
        .into();
    }
    let mut text = format!("{things} to put right in the file first, by line and column:");
    for p in checked.problems.iter().take(SHOWN_PROBLEMS) {
        text.push_str(&format!("\n  {p}"));
    }
    if n > SHOWN_PROBLEMS {
        text.push_str(&format!(
            "\n  and {} more (`amends import FILE --preview` lists up to {})",
            n - SHOWN_PROBLEMS,
            csv_in::MAX_PROBLEMS
        ));
    }
    VaultError::Import(text).into()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn added_text(added: &Imported, checked: &Checked) -> String {
    let mut out = format!("Added to your list: {}.\n", added_words(added));
    if added.skipped > 0 {
        out.push_str(&format!(
            "{} left out: the entry you already had holds the same words.\n",
            plural(added.skipped, "harm was", "harms were"),
        ));
    }
    for r in &checked.remarks {
        out.push_str(&format!("Note: {r}.\n"));
    }
    if added.reopened > 0 {
        out.push_str(&format!(
            "Note: amends were already made to {}; the new harms reopen them (R10).\n",
            plural(added.reopened, "entry", "entries")
        ));
    }
    out.push_str("See the list with `amends party list`.\n");
    out
}

#[derive(Serialize)]
struct Added {
    parties: usize,
    merged: usize,
    harms: usize,
    merged_harms: usize,
    skipped: usize,
    willingness: usize,
    reopened: usize,
}

impl From<&Imported> for Added {
    fn from(i: &Imported) -> Added {
        Added {
            parties: i.parties,
            merged: i.merged,
            harms: i.harms,
            merged_harms: i.merged_harms,
            skipped: i.skipped,
            willingness: i.willingness,
            reopened: i.reopened,
        }
    }
}

fn preview_text(
    file: &Path,
    checked: &Checked,
    matches: &[NameMatch],
    listed: &[ListedName],
) -> String {
    let mut o = String::new();
    o.push_str(&format!(
        "{}: CSV in {}, separated by {}, {} below the headings.\n",
        file.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        checked.encoding.label(),
        checked.delimiter.label(),
        plural(checked.rows, "row", "rows"),
    ));
    o.push_str(&format!(
        "Read as {}.\n\nColumns:\n",
        checked.layout.label()
    ));
    // A wide sheet: every column that is imported, and the others up to a screenful.
    let mut hidden = 0usize;
    for (shown, c) in checked.columns.iter().enumerate() {
        if shown >= PREVIEW_COLUMNS && c.field.is_none() {
            hidden += 1;
            continue;
        }
        let field = match c.field {
            None => "(not imported)".to_string(),
            Some(f) if f.code() == f.label() => f.code().to_string(),
            Some(f) => format!("{} ({})", f.code(), f.label()),
        };
        o.push_str(&format!(
            "  {:>3}  {:<32}  -> {field}\n",
            c.number,
            one_line(&c.heading, 32)
        ));
    }
    if hidden > 0 {
        o.push_str(&format!(
            "  ... and {} more, not imported\n",
            plural(hidden, "column", "columns")
        ));
    }
    o.push_str(&format!(
        "\nThe file holds {} with {}{}.\n",
        plural(checked.parties.len(), "entry", "entries"),
        plural(checked.harm_count(), "harm", "harms"),
        match matches.len() {
            0 => String::new(),
            1 => "; one of its names is on your list already (see below)".to_string(),
            n => format!("; {n} of its names are on your list already (see below)"),
        }
    ));
    if !checked.parties.is_empty() {
        o.push_str(&format!(
            "\nAs they will be stored{}:\n",
            if checked.parties.len() > PREVIEW_PARTIES {
                format!(" (the first {PREVIEW_PARTIES})")
            } else {
                String::new()
            }
        ));
    }
    for p in checked.parties.iter().take(PREVIEW_PARTIES) {
        let mut facts = vec![p.kind.code().to_string()];
        if !p.relationship.is_empty() {
            facts.push(p.relationship.clone());
        }
        if let Some(w) = p.willingness {
            facts.push(format!("willing: {}", w.code()));
        }
        o.push_str(&format!(
            "  {} ({}), from line {}\n",
            p.name,
            facts.join(", "),
            p.line
        ));
        if !p.notes.is_empty() {
            o.push_str(&format!("      notes: {}\n", one_line(&p.notes, 200)));
        }
        if p.harms.is_empty() {
            o.push_str("      no harm yet\n");
        }
        for h in p.harms.iter().take(PREVIEW_HARMS) {
            o.push_str(&format!(
                "    - line {}: {}\n",
                h.line,
                one_line(&h.did, 200)
            ));
            let mut more = Vec::new();
            if !h.should.is_empty() {
                more.push(format!("should: {}", one_line(&h.should, 80)));
            }
            if !h.effect.is_empty() {
                more.push(format!("effect: {}", one_line(&h.effect, 80)));
            }
            if !h.kinds.is_empty() {
                more.push(format!(
                    "kinds: {}",
                    h.kinds
                        .iter()
                        .map(|k| k.code())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if !h.when.is_empty() {
                more.push(format!("when: {}", one_line(&h.when, 40)));
            }
            if let Some(m) = h.owed {
                more.push(format!("owed: {m}"));
            }
            if !h.property.is_empty() {
                more.push(format!("property: {}", one_line(&h.property, 60)));
            }
            if !h.third_parties.is_empty() {
                more.push(format!("others: {}", h.third_parties.join(", ")));
            }
            if let Some(s) = h.sponsor_agrees {
                more.push(format!("sponsor agrees: {}", if s { "yes" } else { "no" }));
            }
            more.push(format!("source: {}", h.source.code()));
            o.push_str(&format!("        {}\n", more.join("; ")));
        }
        if p.harms.len() > PREVIEW_HARMS {
            o.push_str(&format!(
                "      and {} more\n",
                plural(p.harms.len() - PREVIEW_HARMS, "harm", "harms")
            ));
        }
    }
    if !matches.is_empty() {
        o.push_str(&format!(
            "\nAlready on your list ({}): choose --matched merge to add to them, or --matched apart for new entries.\n",
            matches.len()
        ));
        for m in matches {
            let p = &checked.parties[m.party];
            let names: Vec<String> = m
                .existing
                .iter()
                .map(|e| {
                    let name = listed
                        .iter()
                        .find(|l| l.id == e.id)
                        .map_or("", |l| l.name.as_str());
                    format!(
                        "#{} {name}{}",
                        e.id,
                        if e.set_aside { " (set aside)" } else { "" }
                    )
                })
                .collect();
            o.push_str(&format!(
                "  {} (line {}) -> {}\n",
                p.name,
                p.line,
                names.join(", ")
            ));
        }
    }
    for r in &checked.remarks {
        o.push_str(&format!("\nNote: {r}.\n"));
    }
    if !checked.problems.is_empty() {
        o.push_str(&format!(
            "\nTo put right before it can be imported ({}):\n",
            checked.problem_count()
        ));
        for p in &checked.problems {
            o.push_str(&format!("  {p}\n"));
        }
        if checked.more_problems > 0 {
            o.push_str(&format!("  ...and {} more.\n", checked.more_problems));
        }
    }
    o.push_str("\nNothing was changed.\n");
    o
}

/// Text on one line, shortened to `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        let mut s: String = flat.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    } else {
        flat
    }
}

#[derive(Serialize)]
struct PreviewJson<'a> {
    encoding: &'static str,
    delimiter: &'static str,
    layout: &'static str,
    rows: usize,
    columns: Vec<ColumnJson<'a>>,
    entries: usize,
    harms: usize,
    /// The first entries, as they will be stored.
    first: Vec<PartyJson<'a>>,
    matched: Vec<MatchJson<'a>>,
    problems: Vec<ProblemJson>,
    more_problems: usize,
    remarks: &'a [String],
}

#[derive(Serialize)]
struct ColumnJson<'a> {
    number: usize,
    heading: &'a str,
    field: Option<&'static str>,
}

#[derive(Serialize)]
struct PartyJson<'a> {
    line: u64,
    name: &'a str,
    kind: &'static str,
    relationship: &'a str,
    notes: &'a str,
    willingness: Option<&'static str>,
    harms: Vec<HarmJson<'a>>,
}

#[derive(Serialize)]
struct HarmJson<'a> {
    line: u64,
    did: &'a str,
    should: &'a str,
    effect: &'a str,
    kinds: Vec<&'static str>,
    when: &'a str,
    owed: Option<String>,
    property: &'a str,
    third_parties: &'a [String],
    source: &'static str,
    sponsor_agrees: Option<bool>,
}

#[derive(Serialize)]
struct MatchJson<'a> {
    line: u64,
    name: &'a str,
    existing: Vec<ExistingJson<'a>>,
}

#[derive(Serialize)]
struct ExistingJson<'a> {
    id: Id,
    name: &'a str,
    set_aside: bool,
}

#[derive(Serialize)]
struct ProblemJson {
    line: Option<u64>,
    column: Option<usize>,
    heading: Option<String>,
    message: String,
}

fn preview_json<'a>(
    checked: &'a Checked,
    matches: &[NameMatch],
    listed: &'a [ListedName],
) -> PreviewJson<'a> {
    PreviewJson {
        encoding: checked.encoding.code(),
        delimiter: match checked.delimiter {
            csv_in::Delimiter::Comma => ",",
            csv_in::Delimiter::Semicolon => ";",
            csv_in::Delimiter::Tab => "\t",
        },
        layout: checked.layout.code(),
        rows: checked.rows,
        columns: checked
            .columns
            .iter()
            .map(|c| ColumnJson {
                number: c.number,
                heading: &c.heading,
                field: c.field.map(|f| f.code()),
            })
            .collect(),
        entries: checked.parties.len(),
        harms: checked.harm_count(),
        first: checked
            .parties
            .iter()
            .take(PREVIEW_PARTIES)
            .map(|p| PartyJson {
                line: p.line,
                name: &p.name,
                kind: p.kind.code(),
                relationship: &p.relationship,
                notes: &p.notes,
                willingness: p.willingness.map(|w| w.code()),
                harms: p
                    .harms
                    .iter()
                    .map(|h| HarmJson {
                        line: h.line,
                        did: &h.did,
                        should: &h.should,
                        effect: &h.effect,
                        kinds: h.kinds.iter().map(|k| k.code()).collect(),
                        when: &h.when,
                        owed: h.owed.map(|m| m.amount_string()),
                        property: &h.property,
                        third_parties: &h.third_parties,
                        source: h.source.code(),
                        sponsor_agrees: h.sponsor_agrees,
                    })
                    .collect(),
            })
            .collect(),
        matched: matches
            .iter()
            .map(|m| {
                let p = &checked.parties[m.party];
                MatchJson {
                    line: p.line,
                    name: &p.name,
                    existing: m
                        .existing
                        .iter()
                        .map(|e| ExistingJson {
                            id: e.id,
                            name: listed
                                .iter()
                                .find(|l| l.id == e.id)
                                .map_or("", |l| l.name.as_str()),
                            set_aside: e.set_aside,
                        })
                        .collect(),
                }
            })
            .collect(),
        problems: checked
            .problems
            .iter()
            .map(|p| ProblemJson {
                line: p.line,
                column: p.column,
                heading: p.heading.clone(),
                message: p.message.clone(),
            })
            .collect(),
        more_problems: checked.more_problems,
        remarks: &checked.remarks,
    }
}
