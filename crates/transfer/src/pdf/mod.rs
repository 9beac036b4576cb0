//! The worksheet for a sponsor meeting as a PDF, made to be printed: the list with harms and
//! willingness, then a page per plan (or one party's page alone), on A4 or Letter paper.
//!
//! Each page has the worksheet's title and date at the top and "Page N of M" at the foot. The
//! list and the harms are tables with ruled lines that break across pages with their header
//! repeated; long text wraps, and a row taller than a page continues on the next. Ruled lines
//! leave room to write notes by hand. One font with wide coverage (DejaVu Sans, embedded and
//! subset by krilla) draws every Latin, Greek and Cyrillic letter; scripts it lacks (Chinese,
//! Japanese, Korean, ...) show as empty boxes, though the text stays in the file for search.

mod layout;

use amends_core::model::Id;

use crate::sheet::{PartySheet, Scope, Sheet, day, kind_word, verdict_words};
use layout::{BODY, CELL, Cell, Composer, Fonts, Ink, Page, SMALL, Style, Width};

/// The paper a worksheet is laid out for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Paper {
    #[default]
    A4,
    Letter,
}

impl Paper {
    pub const ALL: &'static [Paper] = &[Paper::A4, Paper::Letter];

    pub fn code(self) -> &'static str {
        match self {
            Paper::A4 => "a4",
            Paper::Letter => "letter",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Paper::A4 => "A4 (210 × 297 mm)",
            Paper::Letter => "US Letter (8.5 × 11 in)",
        }
    }

    pub fn parse(text: &str) -> Option<Paper> {
        Paper::ALL
            .iter()
            .copied()
            .find(|p| p.code().eq_ignore_ascii_case(text.trim()))
    }

    fn page(self) -> Page {
        let (width, height) = match self {
            Paper::A4 => (595.28, 841.89),
            Paper::Letter => (612.0, 792.0),
        };
        Page {
            width,
            height,
            margin: 48.0,
            top: 70.0,
            bottom: 62.0,
        }
    }
}

const TITLE: Style = Style::new(19.0, true, Ink::Accent);
const H2: Style = Style::new(13.0, true, Ink::Accent);
const H3: Style = Style::new(10.5, true, Ink::Text);
const LABEL: Style = Style::new(8.5, true, Ink::Quiet);
const CELL_BOLD: Style = Style::new(8.5, true, Ink::Text);
const CELL_QUIET: Style = Style::new(8.0, false, Ink::Quiet);

fn cell(text: impl Into<String>) -> Cell {
    vec![(text.into(), CELL)]
}

fn willing(p: &PartySheet) -> String {
    match (p.willingness, p.willing_since) {
        (Some(w), Some(since)) => format!("{} (since {})", w.code(), day(since)),
        (Some(w), None) => w.code().to_string(),
        _ => "not said yet".into(),
    }
}

/// The harms table of a party (the harms still on the list).
fn harms(c: &mut Composer<'_>, sheet: &Sheet, p: &PartySheet) {
    if p.live_harms().next().is_none() {
        c.paragraph("No harms recorded yet.", BODY, 0.0);
        return;
    }
    let details = sheet.options.shows_harm_details();
    let (cols, header): (Vec<Width>, Vec<&str>) = if details {
        (
            vec![
                Width::Fixed(62.0),
                Width::Share(1.2),
                Width::Share(1.0),
                Width::Share(1.0),
                Width::Fixed(62.0),
                Width::Fixed(66.0),
            ],
            vec![
                "Kinds, when",
                "What I did",
                "How it affected them",
                "What I should have done",
                "Owed",
                "Others involved",
            ],
        )
    } else {
        (
            vec![
                Width::Fixed(34.0),
                Width::Share(1.4),
                Width::Share(1.0),
                Width::Share(1.0),
                Width::Share(1.0),
            ],
            vec!["Harm", "Kinds of harm", "Owed", "Others involved", "From"],
        )
    };
    let rows: Vec<Vec<Cell>> = p
        .live_harms()
        .map(|h| {
            let kinds = h
                .kinds
                .iter()
                .map(|k| k.label())
                .collect::<Vec<_>>()
                .join(", ");
            let mut owed = h.owed.map(|m| m.show(sheet.language)).unwrap_or_default();
            if let Some(prop) = h.property.as_deref().filter(|x| !x.is_empty()) {
                if !owed.is_empty() {
                    owed.push_str("; ");
                }
                owed.push_str(prop);
            }
            if details {
                let mut first = cell(kinds);
                if let Some(w) = h.when.as_deref().filter(|w| !w.is_empty()) {
                    first.push((w.to_string(), CELL_QUIET));
                }
                vec![
                    first,
                    cell(h.did.clone().unwrap_or_default()),
                    cell(h.effect.clone().unwrap_or_default()),
                    cell(h.should.clone().unwrap_or_default()),
                    cell(owed),
                    cell(h.third_parties.join(", ")),
                ]
            } else {
                vec![
                    cell(h.id.to_string()),
                    cell(kinds),
                    cell(owed),
                    cell(h.third_parties.join(", ")),
                    cell(h.source.label()),
                ]
            }
        })
        .collect();
    c.table(&cols, &header, &rows);
}

/// The talks with a sponsor or an adviser: with whom, when, their view, and their advice when
/// it is kept.
fn talks(c: &mut Composer<'_>, sheet: &Sheet, p: &PartySheet) {
    let notes = sheet.options.shows_notes();
    let (cols, header): (Vec<Width>, Vec<&str>) = if notes {
        (
            vec![
                Width::Share(1.0),
                Width::Fixed(80.0),
                Width::Share(1.0),
                Width::Share(1.4),
            ],
            vec!["With", "On", "Their view", "Advice"],
        )
    } else {
        (
            vec![Width::Share(1.0), Width::Fixed(80.0), Width::Share(1.4)],
            vec!["With", "On", "Their view"],
        )
    };
    let rows: Vec<Vec<Cell>> = p
        .consultations
        .iter()
        .map(|t| {
            let mut r = vec![cell(t.who()), cell(day(t.on)), cell(t.view())];
            if notes {
                r.push(cell(t.advice.clone().unwrap_or_default()));
            }
            r
        })
        .collect();
    c.table(&cols, &header, &rows);
}

/// The commitments: what, the money paid and still owed, the check-ins kept and missed, what
/// is due next, and whether it is closed.
fn commitments(c: &mut Composer<'_>, sheet: &Sheet, p: &PartySheet) {
    let notes = sheet.options.shows_notes();
    let mut cols = vec![Width::Share(1.3)];
    let mut header = vec!["Commitment"];
    if notes {
        cols.push(Width::Share(1.3));
        header.push("What");
    }
    cols.extend([
        Width::Share(1.0),
        Width::Share(1.0),
        Width::Fixed(66.0),
        Width::Share(1.0),
    ]);
    header.extend(["Paid", "Balance", "Check-ins", "Due or closed"]);
    let rows: Vec<Vec<Cell>> = p
        .commitments
        .iter()
        .map(|x| {
            let mut first = vec![(x.kind.to_string(), CELL_BOLD)];
            let mut terms = x.amount.map(|m| m.show(sheet.language)).unwrap_or_default();
            if let Some(i) = x.instalment {
                terms.push_str(&format!(", {}", i.show(sheet.language)));
            }
            if let Some(e) = x.cadence {
                if !terms.is_empty() {
                    terms.push(' ');
                }
                terms.push_str(e.label());
            }
            if let Some(since) = x.started {
                terms.push_str(&format!(", from {}", day(since)));
            }
            if !terms.is_empty() {
                first.push((terms, CELL_QUIET));
            }
            let mut r = vec![first];
            if notes {
                r.push(cell(x.text.clone().unwrap_or_default()));
            }
            r.extend([
                cell(x.paid.map(|m| m.show(sheet.language)).unwrap_or_default()),
                cell(
                    x.balance
                        .map(|m| m.show(sheet.language))
                        .unwrap_or_default(),
                ),
                cell(match (x.kept, x.missed) {
                    (Some(k), Some(m)) => format!("{k} kept, {m} missed"),
                    _ => String::new(),
                }),
                cell(match (x.closed, x.due) {
                    (Some((on, how)), _) => format!("{how}, {}", day(on)),
                    (None, Some(due)) => format!("due {}", day(due)),
                    (None, None) => String::new(),
                }),
            ]);
            r
        })
        .collect();
    c.table(&cols, &header, &rows);
}

/// A label and its value on a plan page, as one ruled row of a two-column form.
fn form(c: &mut Composer<'_>, rows: &[(&str, String)]) {
    let rows: Vec<Vec<Cell>> = rows
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| vec![vec![(k.to_string(), LABEL)], cell(v.clone())])
        .collect();
    if rows.is_empty() {
        return;
    }
    c.table(&[Width::Fixed(110.0), Width::Share(1.0)], &[], &rows);
}

fn party_page(c: &mut Composer<'_>, sheet: &Sheet, p: &PartySheet) {
    c.heading(&format!("Plan: {}", p.name), TITLE, 60.0);
    let mut who = format!("No. {} · {}", p.id, kind_word(p.kind));
    if let Some(r) = p.relationship.as_deref().filter(|r| !r.is_empty()) {
        who.push_str(" · ");
        who.push_str(r);
    }
    c.paragraph(&who, Style::new(10.0, false, Ink::Quiet), 0.0);
    c.gap(8.0);
    let mut rows: Vec<(&str, String)> = vec![
        ("Stage", p.stage_reason.clone()),
        ("Willing", willing(p)),
        ("Verdict", verdict_words(p)),
    ];
    match &p.plan {
        Some(plan) => {
            rows.push(("Method", plan.method.label().to_string()));
            rows.push(("Date", plan.on.map(day).unwrap_or_else(|| "not set".into())));
            if let Some(place) = &plan.place {
                rows.push(("Place", place.clone()));
            }
            rows.push(("Review", plan.approval.clone()));
            rows.push(("Consent", plan.consents.join("\n")));
            if let Some(d) = &plan.deferral {
                let mut s = day(d.review_on);
                if let Some(r) = d.reason.as_deref().filter(|r| !r.is_empty()) {
                    s.push_str(": ");
                    s.push_str(r);
                }
                rows.push(("Deferred until", s));
            }
            rows.push(("Ready", plan.readiness.clone()));
            rows.push((
                "Still needed",
                p.gaps
                    .iter()
                    .map(|g| format!("• {g}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ));
        }
        None => rows.push(("Plan", "No plan yet: use this page to plan it.".into())),
    }
    rows.push(("Last attempt", p.last_attempt.clone().unwrap_or_default()));
    if let Some(n) = &p.notes {
        rows.push(("Notes", n.clone()));
    }
    form(c, &rows);
    if !p.consultations.is_empty() {
        c.gap(12.0);
        c.heading("Talked over", H3, 40.0);
        talks(c, sheet, p);
    }
    if !p.commitments.is_empty() {
        c.gap(12.0);
        c.heading("Commitments", H3, 40.0);
        commitments(c, sheet, p);
    }
    c.gap(12.0);
    c.heading("Harms", H3, 40.0);
    harms(c, sheet, p);
    if let Some(plan) = &p.plan {
        c.gap(12.0);
        c.heading("Script", H3, 30.0);
        let script = match &plan.script {
            None => "Left out (discreet).".to_string(),
            Some(s) if s.trim().is_empty() => "No script written yet.".to_string(),
            Some(s) => s.clone(),
        };
        c.table(
            &[Width::Share(1.0)],
            &["What I mean to say"],
            &[vec![cell(script)]],
        );
    }
    if !p.reasons.is_empty() {
        c.gap(12.0);
        c.heading("Why these rules apply", H3, 30.0);
        for r in &p.reasons {
            c.paragraph(&format!("• {r}"), BODY, 0.0);
            c.gap(2.0);
        }
    }
    c.gap(14.0);
    c.need(BODY.leading() * 2.0 + 10.0);
    let x = c.left();
    let w = c.page.content_width();
    let approved = p.plan.as_ref().and_then(|plan| plan.approved_by);
    c.text(
        x,
        c.y,
        BODY,
        if approved.is_some() {
            "Talked over with my sponsor:   ☑ yes   ☐ not yet"
        } else {
            "Talked over with my sponsor:   ☐ yes   ☐ not yet"
        },
    );
    c.gap(BODY.leading() + 10.0);
    match approved {
        // The approval that counts for this plan: who gave it and when.
        Some((with, on)) => c.blank(
            x,
            w * 0.42,
            &format!("Date: {} (your {})", day(on), with.label()),
        ),
        None => c.blank(x, w * 0.42, "Date:"),
    }
    c.blank(x + w * 0.48, w * 0.52, "Signature:");
    c.gap(BODY.leading() + 8.0);
    c.writing_lines("Notes from the meeting", 4);
}

fn worksheet(c: &mut Composer<'_>, sheet: &Sheet) {
    let on_list: Vec<&PartySheet> = sheet.on_list().collect();
    c.heading("Step 8 and 9 worksheet", TITLE, 40.0);
    let n = on_list.len();
    c.paragraph(
        &format!(
            "Made on {} · {} {} on the list",
            day(sheet.made),
            n,
            if n == 1 { "entry" } else { "entries" }
        ),
        Style::new(10.0, false, Ink::Quiet),
        0.0,
    );
    c.gap(10.0);
    let x = c.left();
    let w = c.page.content_width();
    c.blank(x, w * 0.6, "For a meeting with:");
    c.blank(x + w * 0.66, w * 0.34, "On:");
    c.gap(BODY.leading() + 12.0);
    c.heading("The list", H2, 50.0);
    if on_list.is_empty() {
        c.paragraph("Your list is empty.", BODY, 0.0);
    } else {
        let rows: Vec<Vec<Cell>> = on_list
            .iter()
            .map(|p| {
                let mut name = vec![(p.name.clone(), CELL_BOLD)];
                if let Some(r) = p.relationship.as_deref().filter(|r| !r.is_empty()) {
                    name.push((r.to_string(), CELL_QUIET));
                }
                let kinds = p
                    .harm_kinds()
                    .iter()
                    .map(|k| k.code())
                    .collect::<Vec<_>>()
                    .join(", ");
                let count = p.live_harms().count();
                let mut harms = cell(count.to_string());
                if !kinds.is_empty() {
                    harms.push((kinds, CELL_QUIET));
                }
                let mut willing_cell = cell(
                    p.willingness
                        .map(|w| w.label().to_string())
                        .unwrap_or_else(|| "not said".into()),
                );
                if let Some(since) = p.willing_since {
                    willing_cell.push((format!("since {}", day(since)), CELL_QUIET));
                }
                vec![
                    cell(p.id.to_string()),
                    name,
                    cell(kind_word(p.kind)),
                    willing_cell,
                    cell(p.stage.label()),
                    harms,
                    cell(p.owed_in(sheet.language)),
                ]
            })
            .collect();
        c.table(
            &[
                Width::Fixed(30.0),
                Width::Share(1.6),
                Width::Fixed(64.0),
                Width::Fixed(72.0),
                Width::Fixed(72.0),
                Width::Share(1.0),
                Width::Fixed(66.0),
            ],
            &["No.", "Name", "Kind", "Willing", "Stage", "Harms", "Owed"],
            &rows,
        );
    }
    let aside = sheet.parties.len() - n;
    if aside > 0 {
        c.gap(4.0);
        c.paragraph(
            &format!(
                "{aside} {} set aside {} not shown.",
                if aside == 1 { "entry" } else { "entries" },
                if aside == 1 { "is" } else { "are" }
            ),
            SMALL,
            0.0,
        );
    }
    if !on_list.is_empty() {
        c.gap(14.0);
        c.heading("Harms", H2, 60.0);
        for p in &on_list {
            c.gap(4.0);
            c.heading(
                &format!(
                    "{}. {} · willing: {} · {}",
                    p.id,
                    p.name,
                    willing(p),
                    p.stage.label()
                ),
                H3,
                40.0,
            );
            harms(c, sheet, p);
        }
    }
    c.gap(16.0);
    c.writing_lines("Notes", 5);
    for p in on_list.iter().filter(|p| p.has_page()) {
        c.new_page();
        party_page(c, sheet, p);
    }
}

/// The worksheet, or one party's page, as PDF bytes.
pub fn write(sheet: &Sheet, scope: Scope, paper: Paper) -> Vec<u8> {
    let fonts = Fonts::load();
    let mut c = Composer::new(&fonts, paper.page());
    let running = match scope {
        Scope::Worksheet => {
            worksheet(&mut c, sheet);
            "Amends · Step 8 and 9 worksheet"
        }
        Scope::Party(id) => {
            match sheet.parties.iter().find(|p| p.id == id) {
                Some(p) => party_page(&mut c, sheet, p),
                None => c.paragraph("This entry is not in the workbook.", BODY, 0.0),
            }
            "Amends · Step 9 plan"
        }
    };
    let note = sheet.options.discreet.then_some(
        "Discreet: names as initials; what you left out and why the rules apply are not shown.",
    );
    c.finish(
        running,
        &format!("Made on {}", day(sheet.made)),
        note,
        "Amends worksheet",
    )
}

/// The file name of a worksheet made on `made`: no one's name in it.
pub fn file_name(scope: Scope, made: jiff::civil::Date) -> String {
    match scope {
        Scope::Worksheet => format!("amends-worksheet-{made}.pdf"),
        Scope::Party(id) => format!("amends-plan-{}-{made}.pdf", id as Id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discreet::Options;
    use crate::sheet::testdata::*;
    use std::process::Command;

    /// The text of a PDF as `pdftotext` (poppler-utils) reads it, page by page.
    pub(crate) fn text_of(pdf: &[u8]) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.pdf");
        std::fs::write(&path, pdf).unwrap();
        let out = Command::new("pdftotext")
            .args(["-layout", "-enc", "UTF-8"])
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext (Debian's poppler-utils; scripts/test.sh installs it)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .split('\u{c}')
            .filter(|p| !p.trim().is_empty())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn the_worksheet_reads_back_with_every_part() {
        let sheet = Sheet::build(&records(), &now(), Options::OPEN);
        let pdf = write(&sheet, Scope::Worksheet, Paper::A4);
        assert!(pdf.starts_with(b"%PDF-"));
        let pages = text_of(&pdf);
        let all = pages.join("\n");
        for want in [
            "Step 8 and 9 worksheet",
            "Made on 3 May 2026",
            "Mary Jones",
            "*Mom*",
            "| mother |",
            "HYPERLINK",
            "borrowed Mary's car",
            "Plan: Mary Jones",
            "the café on Elm Street",
            "What can I do to set it right?",
            "Notes from the meeting",
            "☐ yes",
        ] {
            assert!(all.contains(want), "{want} not in:\n{all}");
        }
        assert!(!all.contains("Old Neighbour"), "set aside");
        let n = pages.len();
        for (i, p) in pages.iter().enumerate() {
            assert!(p.contains(&format!("Page {} of {n}", i + 1)), "{p}");
        }
        // The list, then a page for each of the two plans.
        assert!(n >= 3, "{n} pages");
        assert!(pages[n - 1].contains("Plan:"));
    }

    #[test]
    fn discreet_pages_have_initials_and_no_harm_details() {
        let sheet = Sheet::build(&records(), &now(), Options::DISCREET);
        let all = text_of(&write(&sheet, Scope::Worksheet, Paper::Letter)).join("\n");
        for gone in [
            "Mary",
            "Dave",
            "Mom",
            "borrowed",
            "shouted",
            "lost trust",
            "café",
            "HYPERLINK",
            "sister",
            "Pat",
        ] {
            assert!(!all.contains(gone), "{gone} in:\n{all}");
        }
        for want in [
            "M. J.",
            "D. S.",
            "Left out (discreet)",
            "Discreet: names as initials",
        ] {
            assert!(all.contains(want), "{want} not in:\n{all}");
        }
        let with = Options {
            harm_details: true,
            ..Options::DISCREET
        };
        let sheet = Sheet::build(&records(), &now(), with);
        let all = text_of(&write(&sheet, Scope::Party(1), Paper::A4)).join("\n");
        assert!(all.contains("borrowed M.'s car"), "{all}");
        assert!(all.contains("Plan: M. J."));
        assert!(!all.contains("Mary") && !all.contains("*M.*"));
    }

    #[test]
    fn a_plan_page_shows_the_talks_the_approval_and_the_commitments() {
        let sheet = Sheet::build(&records(), &now(), Options::OPEN);
        let all = text_of(&write(&sheet, Scope::Party(1), Paper::A4)).join("\n");
        for want in [
            "Talked over",
            "sponsor (Pat Quinn)",
            "approved the plan",
            "go ahead",
            "☑ yes",
            "Date: 5 February 2026 (your sponsor)",
            "Commitments",
            "Balance",
            "120.50 USD",
            "0 kept, 0",
            "due 31 May",
            "call Mary every",
        ] {
            assert!(all.contains(want), "{want} not in:\n{all}");
        }
        assert!(!all.contains("☐ yes"), "{all}");

        // Deferred: not ready, and no approval for this plan yet: nothing ticked.
        let mut records = records();
        records[0].deferrals.push(amends_core::model::Deferral {
            id: 9,
            reason: "not yet".into(),
            review_on: jiff::civil::date(2026, 6, 1),
            recorded: "2026-04-01T09:00:00Z".parse().unwrap(),
            ended: None,
        });
        records[0].plan.as_mut().unwrap().updated = "2026-03-01T09:00:00Z".parse().unwrap();
        let sheet = Sheet::build(&records, &now(), Options::DISCREET);
        let all = text_of(&write(&sheet, Scope::Party(1), Paper::A4)).join("\n");
        for want in [
            "not now: deferred until 1 June 2026",
            "☐ yes",
            "sponsor (P. Q.)",
            "an earlier version",
            "direct amends are possible",
        ] {
            assert!(all.contains(want), "{want} not in:\n{all}");
        }
        for gone in [
            "Ready        yes",
            "☑",
            "go ahead",
            "Sunday",
            "third parties",
            "R1",
            "R2",
        ] {
            assert!(!all.contains(gone), "{gone} in:\n{all}");
        }
    }

    #[test]
    fn long_text_wraps_and_a_long_list_runs_over_pages() {
        let mut records = records();
        let template = records[1].clone();
        for i in 0..120 {
            let mut r = template.clone();
            r.party.id = 100 + i;
            r.party.name = format!("Person number {i}");
            records.push(r);
        }
        // A script longer than a page.
        let long: String = (0..900).map(|i| format!("word{i} ")).collect();
        records[0].plan.as_mut().unwrap().script = long;
        let sheet = Sheet::build(&records, &now(), Options::OPEN);
        let pages = text_of(&write(&sheet, Scope::Worksheet, Paper::A4));
        let n = pages.len();
        assert!(n > 8, "{n} pages");
        // The list's header is repeated on the pages it runs over.
        let headed = pages
            .iter()
            .filter(|p| p.contains("No.") && p.contains("Willing") && p.contains("Owed"))
            .count();
        assert!(headed >= 3, "{headed}");
        let all = pages.join("\n");
        assert!(all.contains("Person number 119"));
        assert!(all.contains("word0") && all.contains("word899"));
        for (i, p) in pages.iter().enumerate() {
            assert!(p.contains(&format!("Page {} of {n}", i + 1)));
        }
    }

    #[test]
    fn paper_sizes() {
        for (paper, size) in [(Paper::A4, "595.28 x 841.89"), (Paper::Letter, "612 x 792")] {
            let sheet = Sheet::build(&records(), &now(), Options::DISCREET);
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("w.pdf");
            std::fs::write(&path, write(&sheet, Scope::Party(2), paper)).unwrap();
            let info = Command::new("pdfinfo").arg(&path).output().unwrap();
            let info = String::from_utf8_lossy(&info.stdout);
            assert!(info.contains(size), "{info}");
            assert!(
                info.lines()
                    .any(|l| l.starts_with("Title:") && l.ends_with(" Amends worksheet")),
                "{info}"
            );
        }
        assert_eq!(Paper::parse("LETTER"), Some(Paper::Letter));
        assert_eq!(Paper::parse("a5"), None);
    }
}
