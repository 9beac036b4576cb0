//! Reading a list from a spreadsheet saved as CSV: bytes in, checked parties and harms out.
//!
//! 1. [`read`] decodes the bytes ([`Encoding`]), finds the delimiter (comma, semicolon or tab,
//!    from the first line) and splits the rows, refusing a file too large before any work.
//! 2. [`Sheet::recognise`] names the layout and the field of each column from the headings;
//!    a [`Mapping`] can change any of them by hand.
//! 3. [`Sheet::check`] reads every cell with core's rules and groups the rows by name into
//!    parties with their harms. Every problem names its line and column and says what to write
//!    instead; no message repeats what a cell holds.
//! 4. [`match_names`] finds the imported names already on the list, for the person to merge
//!    or keep apart.
//!
//! Nothing here evaluates a cell: a cell that looks like a spreadsheet formula
//! (`=HYPERLINK(...)`, `+1`, `@SUM`) is kept as the text it is.

mod decode;
mod fields;
mod names;
mod values;

use std::collections::HashMap;
use std::fmt;

use amends_core::model::{HarmKind, HarmSource, Id, PartyKind, Settings, Willingness};
use amends_core::rules;
use amends_core::text::{self, NAME_MAX, TEXT_MAX};
use amends_core::{Invalid, Money};
use amends_vault::{HarmInput, ImportParty, Imported, Target};

pub use decode::Encoding;
pub use fields::{ColumnRef, Field, HandMap, Layout, MapError, recognise};
pub use names::name_key;

/// The largest file read, in bytes (checked before anything else is done).
pub const MAX_BYTES: usize = 50 * 1024 * 1024;
/// The most rows read below the headings.
pub const MAX_ROWS: usize = 100_000;
/// The most problems listed; the rest are counted.
pub const MAX_PROBLEMS: usize = 100;
/// The most columns a line may fill (columns left empty at the end of a line do not count).
pub const MAX_COLUMNS: usize = 500;
/// The most columns named in a remark about columns with writing that go nowhere; the rest
/// are counted.
pub const MAX_NAMED_COLUMNS: usize = 12;

/// A file that cannot be read as a list at all. Messages name lines, never content.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error(
        "the file is larger than {} MiB, more than any list needs; check that it is the right file, or split it and import each part",
        MAX_BYTES / (1024 * 1024)
    )]
    TooLarge,
    #[error(
        "the file has more than {MAX_ROWS} rows, more than any list needs; check that it is the right file, or split it and import each part"
    )]
    TooManyRows,
    #[error(
        "line {line} has more than {MAX_COLUMNS} columns, more than any list needs; check that it is the right file, or keep only the columns of the list and save it again as CSV"
    )]
    TooManyColumns { line: u64 },
    #[error("the file is empty; export the sheet again with its headings in the first line")]
    Empty,
    #[error("{}", unreadable(*.line, *.asked))]
    Unreadable { line: u64, asked: Option<Encoding> },
    #[error(
        "line {line} cannot be read as CSV; open the file in your spreadsheet and save it again as CSV"
    )]
    Malformed { line: u64 },
    #[error("{}", not_csv_words(*.0))]
    NotCsv(OtherKind),
}

/// A kind of file that people bring when they mean their spreadsheet, known by its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtherKind {
    /// An Excel workbook (.xlsx) or an OpenDocument sheet (.ods): both are zip files.
    Workbook,
    /// The older Excel format (.xls).
    OldExcel,
    Pdf,
    /// Amends' own JSON export, or other JSON.
    Json,
}

fn not_csv_words(kind: OtherKind) -> &'static str {
    match kind {
        OtherKind::Workbook => {
            "this is a spreadsheet workbook (such as .xlsx or .ods), not a CSV file; open it in your spreadsheet and choose Save As (or Download) as CSV, then import that file"
        }
        OtherKind::OldExcel => {
            "this is an older Excel workbook (.xls), not a CSV file; open it in your spreadsheet and choose Save As as CSV, then import that file"
        }
        OtherKind::Pdf => {
            "this is a PDF, not a CSV file; a PDF cannot be read as a list: copy the list into a spreadsheet and save it as CSV"
        }
        OtherKind::Json => {
            "this is a JSON file, not a CSV file; a JSON export of Amends is restored with `amends import FILE.json` (or in Settings, into an empty vault)"
        }
    }
}

/// What kind of other file `bytes` is, when its first bytes say so plainly.
fn other_kind(bytes: &[u8]) -> Option<OtherKind> {
    let start = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    let text = start.trim_ascii_start();
    if bytes.starts_with(b"PK\x03\x04") {
        Some(OtherKind::Workbook)
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Some(OtherKind::OldExcel)
    } else if bytes.starts_with(b"%PDF-") {
        Some(OtherKind::Pdf)
    } else if text.starts_with(b"{") || text.starts_with(b"[{") {
        Some(OtherKind::Json)
    } else {
        None
    }
}

fn unreadable(line: u64, asked: Option<Encoding>) -> String {
    match asked {
        Some(e) => format!(
            "line {line} is not valid {}; save the sheet again as \"CSV UTF-8\", or choose the encoding it was saved in",
            e.label()
        ),
        None => format!(
            "line {line} is in an encoding Amends cannot recognise by itself (it reads UTF-8, UTF-16 with a byte order mark, and Windows-1252); save the sheet again as \"CSV UTF-8\", or choose the encoding it was saved in"
        ),
    }
}

impl From<decode::DecodeError> for ReadError {
    fn from(e: decode::DecodeError) -> Self {
        match e {
            decode::DecodeError::Unreadable { line, asked } => {
                ReadError::Unreadable { line, asked }
            }
        }
    }
}

/// The character between cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delimiter {
    Comma,
    Semicolon,
    Tab,
}

impl Delimiter {
    pub fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Semicolon => b';',
            Delimiter::Tab => b'\t',
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Delimiter::Comma => "commas",
            Delimiter::Semicolon => "semicolons",
            Delimiter::Tab => "tabs",
        }
    }

    fn of(c: char) -> Option<Delimiter> {
        match c {
            ',' => Some(Delimiter::Comma),
            ';' => Some(Delimiter::Semicolon),
            '\t' => Some(Delimiter::Tab),
            _ => None,
        }
    }
}

struct Row {
    line: u64,
    cells: Vec<String>,
}

/// A file read into headings and rows, not yet checked.
pub struct Sheet {
    pub encoding: Encoding,
    pub delimiter: Delimiter,
    /// The first line's cells, as written.
    pub headings: Vec<String>,
    rows: Vec<Row>,
    /// The widest row (a row may have cells beyond the headings).
    width: usize,
}

/// The delimiter the first line uses most, outside quotes (a comma if it uses none).
fn sniff(first_line: &str) -> Delimiter {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for c in first_line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|i| (counts[*i], 3 - *i)).unwrap_or(0);
    if counts[best] == 0 {
        return Delimiter::Comma;
    }
    [Delimiter::Comma, Delimiter::Semicolon, Delimiter::Tab][best]
}

/// Reads the bytes of a CSV file: decoded (in `encoding` if given, otherwise as the file
/// shows), split with the delimiter of its first line. Refuses a file over [`MAX_BYTES`]
/// before decoding it, and one over [`MAX_ROWS`] rows.
pub fn read(bytes: &[u8], encoding: Option<Encoding>) -> Result<Sheet, ReadError> {
    if bytes.len() > MAX_BYTES {
        return Err(ReadError::TooLarge);
    }
    if let Some(kind) = other_kind(bytes) {
        return Err(ReadError::NotCsv(kind));
    }
    let (text, encoding) = decode::decode(bytes, encoding)?;
    let mut body = text.as_str();
    let mut offset = 0u64;
    // Excel's "sep=;" first line names the delimiter.
    let first = body.lines().next().unwrap_or("");
    let hint = first.trim().strip_prefix("sep=").and_then(|rest| {
        let mut chars = rest.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Delimiter::of(c),
            _ => None,
        }
    });
    if hint.is_some() {
        body = body.split_once('\n').map_or("", |(_, rest)| rest);
        offset = 1;
    }
    let first_line = body.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = hint.unwrap_or_else(|| sniff(first_line));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter.byte())
        .from_reader(body.as_bytes());
    let mut headings: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    let mut width = 0;
    let mut record = csv::StringRecord::new();
    // Lines are counted here from each record's byte offset: the reader's own count lags by
    // one after a CRLF line end, and the offset may point at the line end before the record.
    let raw = body.as_bytes();
    let mut counted = 0usize;
    let mut newlines = 0u64;
    let mut line_at = |byte: usize| -> u64 {
        let mut at = byte.min(raw.len());
        while at < raw.len() && (raw[at] == b'\r' || raw[at] == b'\n') {
            at += 1;
        }
        if at >= counted {
            // A line ends with LF, CRLF, or a CR alone (as Excel for Mac still writes).
            newlines += (counted..at)
                .filter(|&i| raw[i] == b'\n' || (raw[i] == b'\r' && raw.get(i + 1) != Some(&b'\n')))
                .count() as u64;
            counted = at;
        }
        offset + newlines + 1
    };
    loop {
        let start = reader.position().byte() as usize;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let byte = e.position().map_or(start, |p| p.byte() as usize);
                return Err(ReadError::Malformed {
                    line: line_at(byte),
                });
            }
        }
        let line = line_at(record.position().map_or(start, |p| p.byte() as usize));
        // Columns left empty at the end of a line (some spreadsheets save hundreds) are dropped.
        let Some(filled) = (0..record.len())
            .rev()
            .find(|&i| record.get(i).is_some_and(|c| !c.trim().is_empty()))
        else {
            continue;
        };
        if filled >= MAX_COLUMNS {
            return Err(ReadError::TooManyColumns { line });
        }
        let cells: Vec<String> = record
            .iter()
            .take(filled + 1)
            .map(|c| unguarded(c).to_string())
            .collect();
        width = width.max(cells.len());
        if headings.is_none() {
            headings = Some(cells);
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(ReadError::TooManyRows);
        }
        rows.push(Row { line, cells });
    }
    let headings = headings.ok_or(ReadError::Empty)?;
    Ok(Sheet {
        encoding,
        delimiter,
        headings,
        rows,
        width,
    })
}

/// How columns are given their fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Mapping {
    /// From the headings alone.
    #[default]
    Auto,
    /// From the headings, then these parts by hand (`--map`).
    Hand(HandMap),
    /// Every column's field, chosen one by one (the web preview's selects); a column beyond
    /// the list has none.
    Columns(Vec<Option<Field>>),
}

/// A column of the file and what it fills.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// 1-based, as spreadsheets count.
    pub number: usize,
    /// The heading, as written.
    pub heading: String,
    pub field: Option<Field>,
}

/// Something to put right before the file can be imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<u64>,
    pub column: Option<usize>,
    /// The column's heading, shortened and made safe for one line.
    pub heading: Option<String>,
    /// Why, and what to write instead.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut place = Vec::new();
        if let Some(l) = self.line {
            place.push(format!("line {l}"));
        }
        if let Some(c) = self.column {
            match &self.heading {
                Some(h) => place.push(format!("column {c} (“{h}”)")),
                None => place.push(format!("column {c}")),
            }
        }
        if place.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", place.join(", "), self.message)
        }
    }
}

/// A heading as it can be shown in a message: one line, no control characters, at most 40
/// characters, no backticks.
fn shown_heading(h: &str) -> Option<String> {
    let clean: String = h
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if c == '`' { '\'' } else { c })
        .collect();
    if clean.is_empty() {
        return None;
    }
    if clean.chars().count() > 40 {
        let mut short: String = clean.chars().take(39).collect();
        short.push('…');
        return Some(short);
    }
    Some(clean)
}

/// One harm, checked, as it will be stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListHarm {
    /// The line of the file it came from.
    pub line: u64,
    pub did: String,
    pub should: String,
    pub effect: String,
    pub kinds: Vec<HarmKind>,
    pub when: String,
    pub owed: Option<Money>,
    pub property: String,
    pub third_parties: Vec<String>,
    pub source: HarmSource,
    pub sponsor_agrees: Option<bool>,
}

/// One party, gathered from every row with its name, checked, as it will be stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListParty {
    /// The line of its first row.
    pub line: u64,
    /// As first written in the file.
    pub name: String,
    /// [`name_key`] of the name.
    pub key: String,
    pub kind: PartyKind,
    pub relationship: String,
    pub notes: String,
    /// The least willing of its rows' answers, if any row gave one.
    pub willingness: Option<Willingness>,
    pub harms: Vec<ListHarm>,
}

/// The whole file, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    pub encoding: Encoding,
    pub delimiter: Delimiter,
    pub layout: Layout,
    pub columns: Vec<Column>,
    /// Rows below the headings (blank rows not counted).
    pub rows: usize,
    pub parties: Vec<ListParty>,
    /// At most [`MAX_PROBLEMS`]; empty means the file can be imported.
    pub problems: Vec<Problem>,
    /// How many more problems there are beyond those listed.
    pub more_problems: usize,
    /// Things worth knowing that are not problems (how differing rows were combined).
    pub remarks: Vec<String>,
}

impl Checked {
    /// Whether nothing stands in the way of importing.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// Every problem, listed or not.
    pub fn problem_count(&self) -> usize {
        self.problems.len() + self.more_problems
    }

    pub fn harm_count(&self) -> usize {
        self.parties.iter().map(|p| p.harms.len()).sum()
    }

    /// The field of each column, as a mapping to start a hand mapping from.
    pub fn mapping(&self) -> Vec<Option<Field>> {
        self.columns.iter().map(|c| c.field).collect()
    }

    /// The checked parties as the vault takes them, each with what to do with it (one target
    /// per party, in order).
    pub fn for_vault(&self, targets: &[Target]) -> Vec<ImportParty> {
        self.parties
            .iter()
            .zip(targets)
            .map(|(p, t)| ImportParty {
                name: p.name.clone(),
                kind: p.kind,
                relationship: p.relationship.clone(),
                notes: p.notes.clone(),
                willingness: p.willingness,
                harms: p
                    .harms
                    .iter()
                    .map(|h| HarmInput {
                        did: h.did.clone(),
                        should: h.should.clone(),
                        effect: h.effect.clone(),
                        kinds: h.kinds.clone(),
                        when: h.when.clone(),
                        owed: h.owed,
                        property: h.property.clone(),
                        third_parties: h.third_parties.clone(),
                        source: Some(h.source),
                        sponsor_agrees: h.sponsor_agrees,
                    })
                    .collect(),
                target: *t,
            })
            .collect()
    }
}

/// What an import is asked to do.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `None`: as the file shows (see [`Encoding`]).
    pub encoding: Option<Encoding>,
    pub mapping: Mapping,
}

/// Reads and checks a file in one step.
pub fn import(bytes: &[u8], options: &Options, settings: &Settings) -> Result<Checked, ReadError> {
    Ok(read(bytes, options.encoding)?.check(&options.mapping, settings))
}

struct Problems {
    list: Vec<Problem>,
    more: usize,
}

impl Problems {
    fn add(&mut self, p: Problem) {
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(p);
        } else {
            self.more += 1;
        }
    }
}

/// Willingness from the least to the most willing.
fn rank(w: Willingness) -> u8 {
    match w {
        Willingness::Never => 0,
        Willingness::Maybe => 1,
        Willingness::Later => 2,
        Willingness::Now => 3,
    }
}

struct Building {
    party: ListParty,
    kind_line: Option<u64>,
    relationship_line: Option<u64>,
    mixed_willingness: bool,
}

impl Sheet {
    /// Rows below the headings.
    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    /// The layout and each column's field, from the headings alone.
    pub fn recognise(&self) -> (Layout, Vec<Option<Field>>) {
        let (layout, mut cols) = recognise(&self.headings);
        cols.resize(self.width.max(self.headings.len()), None);
        (layout, cols)
    }

    /// Files a row's problems, in the order of its columns.
    fn flush(&self, problems: &mut Problems, line: u64, mut bad: Vec<(usize, String)>) {
        bad.sort_by_key(|(c, _)| *c);
        for (c, message) in bad {
            problems.add(Problem {
                line: Some(line),
                column: Some(c + 1),
                heading: self.heading(c),
                message,
            });
        }
    }

    fn heading(&self, col: usize) -> Option<String> {
        self.headings.get(col).and_then(|h| shown_heading(h))
    }

    /// Checks every row with `mapping`, against the vault's `settings` (its currency, and
    /// whether you may be on your own list).
    pub fn check(&self, mapping: &Mapping, settings: &Settings) -> Checked {
        let mut problems = Problems {
            list: Vec::new(),
            more: 0,
        };
        let (recognised_layout, mut fields) = self.recognise();
        let width = fields.len();
        match mapping {
            Mapping::Auto => {}
            Mapping::Hand(map) => {
                for message in fields::apply(&mut fields, &self.headings, map) {
                    problems.add(Problem {
                        line: None,
                        column: None,
                        heading: None,
                        message,
                    });
                }
            }
            Mapping::Columns(chosen) => {
                fields = (0..width)
                    .map(|i| chosen.get(i).copied().flatten())
                    .collect();
            }
        }
        let layout = if fields.contains(&Some(Field::Name)) {
            recognised_layout
        } else {
            Layout::Custom
        };
        let columns: Vec<Column> = (0..width)
            .map(|i| Column {
                number: i + 1,
                heading: self.headings.get(i).cloned().unwrap_or_default(),
                field: fields[i],
            })
            .collect();
        let mut checked = Checked {
            encoding: self.encoding,
            delimiter: self.delimiter,
            layout,
            columns,
            rows: self.rows.len(),
            parties: Vec::new(),
            problems: Vec::new(),
            more_problems: 0,
            remarks: Vec::new(),
        };

        // The mapping itself.
        for f in Field::ALL.iter().filter(|f| !f.many()) {
            let cols: Vec<usize> = (0..width).filter(|i| fields[*i] == Some(*f)).collect();
            if cols.len() > 1 {
                for c in &cols[1..] {
                    problems.add(Problem {
                        line: None,
                        column: Some(c + 1),
                        heading: self.heading(*c),
                        message: format!(
                            "is set to {} as well as column {}; a field takes one column, so choose one",
                            f.label(),
                            cols[0] + 1
                        ),
                    });
                }
            }
        }
        let col = |f: Field| fields.iter().position(|x| *x == Some(f));
        let Some(name_col) = col(Field::Name) else {
            problems.add(Problem {
                line: None,
                column: None,
                heading: None,
                message: "no column holds the names; say which one does (name=COLUMN, or choose \"name\" for it)".into(),
            });
            checked.problems = problems.list;
            checked.more_problems = problems.more;
            return checked;
        };
        let harm_fields = [
            Field::Should,
            Field::Effect,
            Field::Kinds,
            Field::When,
            Field::Owed,
            Field::Property,
            Field::ThirdParties,
            Field::Sponsor,
            Field::Source,
        ];
        let did_col = col(Field::Did);
        if did_col.is_none()
            && let Some(f) = harm_fields.iter().find(|f| col(**f).is_some())
        {
            problems.add(Problem {
                line: None,
                column: col(*f).map(|c| c + 1),
                heading: col(*f).and_then(|c| self.heading(c)),
                message: format!(
                    "holds {} of a harm, but no column holds what you did; say which one does (did=COLUMN), because a harm starts with what you did",
                    f.label()
                ),
            });
        }
        if self.rows.is_empty() {
            problems.add(Problem {
                line: None,
                column: None,
                heading: None,
                message: "there are no rows under the headings, so there is nothing to bring in"
                    .into(),
            });
        }
        let notes_cols: Vec<usize> = (0..width)
            .filter(|i| fields[*i] == Some(Field::Notes))
            .collect();
        let label_notes = |c: usize| {
            notes_cols.len() > 1
                || !fields::is_notes_heading(self.headings.get(c).map_or("", |h| h.as_str()))
        };
        let default_source = if layout.is_inventory() {
            HarmSource::Inventory
        } else {
            HarmSource::Memory
        };

        let mut by_key: HashMap<String, usize> = HashMap::new();
        let mut building: Vec<Building> = Vec::new();
        for row in &self.rows {
            let line = row.line;
            let cell = |c: usize| row.cells.get(c).map_or("", |s| s.as_str());
            // This row's problems: (column index, message).
            let mut bad: Vec<(usize, String)> = Vec::new();
            // Cells beyond the headings would be lost.
            for c in self.headings.len()..row.cells.len() {
                if !cell(c).trim().is_empty() && fields.get(c).copied().flatten().is_none() {
                    bad.push((
                        c,
                        "has something in it but no heading and no field; give the column a heading, or empty the cell".into(),
                    ));
                }
            }
            let name = match text::name(cell(name_col)) {
                Ok(n) => n,
                Err(e) => {
                    let message = if cell(name_col).trim().is_empty() {
                        "is empty; every row needs the name of whom it is about (a row about no one can be deleted)".to_string()
                    } else {
                        e.message
                    };
                    bad.push((name_col, message));
                    self.flush(&mut problems, line, bad);
                    continue;
                }
            };
            let text_of = |c: Option<usize>,
                           field: &'static str,
                           max: usize|
             -> Result<String, (usize, Invalid)> {
                match c {
                    Some(c) => text::optional(field, cell(c), max).map_err(|e| (c, e)),
                    None => Ok(String::new()),
                }
            };
            let take = |r: Result<String, (usize, Invalid)>, bad: &mut Vec<(usize, String)>| match r
            {
                Ok(v) => v,
                Err((c, e)) => {
                    bad.push((c, e.message));
                    String::new()
                }
            };
            let kind = match col(Field::Kind).map(|c| (c, values::kind(cell(c)))) {
                Some((c, Err(m))) => {
                    bad.push((c, m));
                    None
                }
                Some((c, Ok(Some(k)))) => {
                    if rules::check_new_party(settings, k).is_err() {
                        bad.push((c, "puts you on your own list, but amends to yourself are turned off in the settings; talk it over with your sponsor and turn it on first, or choose another kind".into()));
                    }
                    Some((c, k))
                }
                _ => None,
            };
            let relationship = take(
                text_of(col(Field::Relationship), "relationship", NAME_MAX),
                &mut bad,
            );
            let mut notes: Vec<(usize, String)> = Vec::new();
            for c in &notes_cols {
                match text::optional("notes", cell(*c), TEXT_MAX) {
                    Ok(v) if v.is_empty() => {}
                    Ok(v) => {
                        let piece = match (label_notes(*c), self.headings.get(*c)) {
                            (true, Some(h)) if !h.trim().is_empty() => {
                                format!(
                                    "{}: {v}",
                                    h.split_whitespace().collect::<Vec<_>>().join(" ")
                                )
                            }
                            _ => v,
                        };
                        notes.push((*c, piece));
                    }
                    Err(e) => bad.push((*c, e.message)),
                }
            }
            let willingness =
                match col(Field::Willingness).map(|c| (c, values::willingness(cell(c)))) {
                    Some((c, Err(m))) => {
                        bad.push((c, m));
                        None
                    }
                    Some((_, Ok(w))) => w,
                    None => None,
                };
            let did = take(text_of(did_col, "did", TEXT_MAX), &mut bad);
            let should = take(text_of(col(Field::Should), "should", TEXT_MAX), &mut bad);
            let effect = take(text_of(col(Field::Effect), "effect", TEXT_MAX), &mut bad);
            let when = take(text_of(col(Field::When), "when", NAME_MAX), &mut bad);
            let property = take(
                text_of(col(Field::Property), "property", TEXT_MAX),
                &mut bad,
            );
            let kinds = match col(Field::Kinds) {
                Some(c) => values::harm_kinds(cell(c)).unwrap_or_else(|m| {
                    bad.push((c, m));
                    Vec::new()
                }),
                None => Vec::new(),
            };
            let owed = match col(Field::Owed) {
                Some(c) => values::owed(cell(c), settings.currency, settings.language)
                    .unwrap_or_else(|m| {
                        bad.push((c, m));
                        None
                    }),
                None => None,
            };
            let mut third_parties = Vec::new();
            if let Some(c) = col(Field::ThirdParties) {
                for n in values::names(cell(c)) {
                    match text::optional("others involved", &n, NAME_MAX) {
                        Ok(n) => third_parties.push(n),
                        Err(e) => bad.push((c, format!("has a name that {}", e.message))),
                    }
                }
            }
            let sponsor_agrees = match col(Field::Sponsor) {
                Some(c) => values::yes_no(cell(c)).unwrap_or_else(|m| {
                    bad.push((c, m));
                    None
                }),
                None => None,
            };
            let source = match col(Field::Source) {
                Some(c) => values::source(cell(c)).unwrap_or_else(|m| {
                    bad.push((c, m));
                    None
                }),
                None => None,
            };
            let describes_harm = !should.is_empty()
                || !effect.is_empty()
                || !when.is_empty()
                || !property.is_empty()
                || !kinds.is_empty()
                || owed.is_some()
                || !third_parties.is_empty();
            if did.is_empty()
                && describes_harm
                && let Some(c) = did_col
            {
                bad.push((c, "is empty, but the row describes a harm; write what you did, or empty the row's other harm cells".into()));
            }
            if !bad.is_empty() {
                self.flush(&mut problems, line, bad);
                continue;
            }

            let key = name_key(&name);
            let index = *by_key.entry(key.clone()).or_insert_with(|| {
                building.push(Building {
                    party: ListParty {
                        line,
                        name: name.clone(),
                        key: key.clone(),
                        kind: PartyKind::Person,
                        relationship: String::new(),
                        notes: String::new(),
                        willingness: None,
                        harms: Vec::new(),
                    },
                    kind_line: None,
                    relationship_line: None,
                    mixed_willingness: false,
                });
                building.len() - 1
            });
            let b = &mut building[index];
            if let Some((c, k)) = kind {
                match b.kind_line {
                    Some(first) if b.party.kind != k => bad.push((
                        c,
                        format!("gives another kind than line {first} for the same name; a name has one kind, so make them the same or leave this one empty"),
                    )),
                    Some(_) => {}
                    None => {
                        b.party.kind = k;
                        b.kind_line = Some(line);
                    }
                }
            }
            if !relationship.is_empty() {
                match b.relationship_line {
                    Some(first) if b.party.relationship != relationship => {
                        if let Some(c) = col(Field::Relationship) {
                            bad.push((
                                c,
                                format!("gives another relationship than line {first} for the same name; make them the same or leave this one empty"),
                            ));
                        }
                    }
                    Some(_) => {}
                    None => {
                        b.party.relationship = relationship;
                        b.relationship_line = Some(line);
                    }
                }
            }
            for (c, piece) in notes {
                if b.party.notes.split("\n\n").any(|p| p == piece) {
                    continue;
                }
                let extra = piece.chars().count() + if b.party.notes.is_empty() { 0 } else { 2 };
                if b.party.notes.chars().count() + extra > TEXT_MAX {
                    bad.push((c, format!("makes the notes for this name, gathered from all its rows, longer than {TEXT_MAX} characters; shorten them")));
                    continue;
                }
                if !b.party.notes.is_empty() {
                    b.party.notes.push_str("\n\n");
                }
                b.party.notes.push_str(&piece);
            }
            if let Some(w) = willingness {
                match b.party.willingness {
                    Some(have) if have != w => {
                        b.mixed_willingness = true;
                        if rank(w) < rank(have) {
                            b.party.willingness = Some(w);
                        }
                    }
                    Some(_) => {}
                    None => b.party.willingness = Some(w),
                }
            }
            if !did.is_empty() {
                b.party.harms.push(ListHarm {
                    line,
                    did,
                    should,
                    effect,
                    kinds,
                    when,
                    owed,
                    property,
                    third_parties,
                    source: source.unwrap_or(default_source),
                    sponsor_agrees,
                });
            }
            self.flush(&mut problems, line, bad);
        }
        // Columns with writing in them that go nowhere: said plainly, so nothing is left behind
        // without the person knowing.
        let unused: Vec<String> = (0..self.headings.len())
            .filter(|c| fields.get(*c).copied().flatten().is_none())
            .filter(|c| {
                self.rows
                    .iter()
                    .any(|r| r.cells.get(*c).is_some_and(|v| !v.trim().is_empty()))
            })
            .map(|c| {
                let h = self.headings[c].trim();
                if h.is_empty() {
                    format!("column {}", c + 1)
                } else {
                    format!("column {} ({h})", c + 1)
                }
            })
            .collect();
        if !unused.is_empty() {
            let mut named = unused[..unused.len().min(MAX_NAMED_COLUMNS)].join(", ");
            if unused.len() > MAX_NAMED_COLUMNS {
                named.push_str(&format!(" and {} more", unused.len() - MAX_NAMED_COLUMNS));
            }
            checked.remarks.push(format!(
                "{} with writing in {} not brought in: {}; choose a field for {} if what {} should be kept",
                if unused.len() == 1 { "One column" } else { "Some columns" },
                if unused.len() == 1 { "it is" } else { "them are" },
                named,
                if unused.len() == 1 { "it" } else { "each" },
                if unused.len() == 1 { "it holds" } else { "they hold" },
            ));
        }
        let mixed = building.iter().filter(|b| b.mixed_willingness).count();
        if mixed > 0 {
            checked.remarks.push(format!(
                "{mixed} {} different willingness on different rows; each keeps the least willing answer, and you can change it on the list",
                if mixed == 1 { "name has" } else { "names have" }
            ));
        }
        checked.parties = building.into_iter().map(|b| b.party).collect();
        checked.problems = problems.list;
        checked.more_problems = problems.more;
        checked
    }
}

/// A party on the list that an imported name matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Existing {
    pub id: Id,
    /// Set aside: new harms cannot be added to it until it is restored.
    pub set_aside: bool,
}

/// An imported party whose name is already on the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameMatch {
    /// Its index in [`Checked::parties`].
    pub party: usize,
    /// Every party on the list with the same name (by [`name_key`]), lowest id first.
    pub existing: Vec<Existing>,
}

/// The imported parties whose names are on the list already: `existing` is every party on
/// the list as (id, name, set aside).
pub fn match_names<'a>(
    parties: &[ListParty],
    existing: impl IntoIterator<Item = (Id, &'a str, bool)>,
) -> Vec<NameMatch> {
    let mut on_list: HashMap<String, Vec<Existing>> = HashMap::new();
    for (id, name, set_aside) in existing {
        let same = on_list.entry(name_key(name)).or_default();
        // A party listed under its name and a former one of the same form counts once.
        if !same.iter().any(|e| e.id == id) {
            same.push(Existing { id, set_aside });
        }
    }
    parties
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            on_list.get(&p.key).map(|e| {
                let mut existing = e.clone();
                existing.sort_by_key(|x| x.id);
                NameMatch { party: i, existing }
            })
        })
        .collect()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What an import added, in words, without the parts that are nothing ("3 new entries with 4
/// harms; 2 entries you already had took 3 more harms; 2 willingness answers recorded").
pub fn added_words(added: &Imported) -> String {
    let mut parts = Vec::new();
    let new_harms = added.harms - added.merged_harms;
    if added.parties > 0 || new_harms > 0 {
        parts.push(format!(
            "{} with {}",
            plural(added.parties, "new entry", "new entries"),
            plural(new_harms, "harm", "harms"),
        ));
    }
    if added.merged_harms > 0 {
        parts.push(format!(
            "{} you already had took {}",
            plural(added.merged, "entry", "entries"),
            plural(added.merged_harms, "more harm", "more harms"),
        ));
    }
    if added.willingness > 0 {
        parts.push(format!(
            "{} recorded",
            plural(
                added.willingness,
                "willingness answer",
                "willingness answers"
            )
        ));
    }
    let mut words = if parts.is_empty() {
        "nothing new, everything in it was on your list already".to_string()
    } else {
        parts.join("; ")
    };
    if added.willingness_kept > 0 {
        words.push_str(&format!(
            "; {} kept the willingness already on your list, where the sheet said another",
            plural(added.willingness_kept, "entry", "entries")
        ));
    }
    words
}

/// A cell without the `'` that a CSV export (Amends' own, and the usual advice for any) puts
/// before a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return, so that a
/// spreadsheet shows it as text, and that Amends puts before a cell starting with `'` too.
/// What was written comes back as it was written; a cell so guarded can only have been text,
/// so nothing else is lost.
fn unguarded(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(crate::csv_out::GUARDED) => rest,
        _ => cell,
    }
}
