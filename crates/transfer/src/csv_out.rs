//! CSV of the list (one row per party), of the harms (one row per harm), of the plans (one
//! row per party with a plan) and of the commitments (one row per commitment), for a
//! spreadsheet.
//!
//! UTF-8 with a byte order mark (so that Excel reads accents right), commas, CRLF line ends, a
//! header row, quotes only where needed. Dates are `YYYY-MM-DD`. A column that discreet leaves
//! out is not written at all, so no one mistakes "left out" for "nothing written".
//!
//! Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` as a formula (and some also
//! after a tab or a carriage return), so a name such as `=HYPERLINK("http://...")` could act in
//! the spreadsheet of whoever opens the file. Every such cell is written with a leading `'`
//! (OWASP's advice): the spreadsheet shows the text, and the `'` tells a reader why. A cell
//! that itself starts with `'` gets one more, so a reader that takes the guard off (Amends' own
//! import does) gives back exactly what was written, apostrophe included.

use std::borrow::Cow;

use crate::sheet::{PartySheet, Sheet, kind_word, verdict_words};

/// Which table to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum What {
    List,
    Harms,
    Plans,
    Commitments,
}

impl What {
    pub const ALL: &'static [What] = &[What::List, What::Harms, What::Plans, What::Commitments];

    pub fn code(self) -> &'static str {
        match self {
            What::List => "list",
            What::Harms => "harms",
            What::Plans => "plans",
            What::Commitments => "commitments",
        }
    }

    pub fn parse(text: &str) -> Option<What> {
        What::ALL
            .iter()
            .copied()
            .find(|w| w.code().eq_ignore_ascii_case(text.trim()))
    }
}

/// A cell as written: with a leading `'` when a spreadsheet could read it as a formula, or when
/// it starts with a `'` of its own (which a reader would otherwise take for the guard).
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(GUARDED) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The first characters that get a leading `'`: a spreadsheet's formula starters, and the `'`
/// itself. Amends' CSV reader takes one `'` off a cell whose next character is one of these.
pub const GUARDED: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\''];

/// The UTF-8 byte order mark every file starts with.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A table being assembled: the columns present and one row per entry.
struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

/// One row being filled: `col` adds a column (only while the first row is built, the header).
struct Row<'a> {
    table: &'a mut Table,
    cells: Vec<String>,
    first: bool,
}

impl Row<'_> {
    fn col(&mut self, header: &'static str, value: impl Into<String>) -> &mut Self {
        if self.first {
            self.table.headers.push(header);
        }
        self.cells.push(value.into());
        self
    }

    /// A column present only when the option shows it (`None`: left out, no column).
    fn opt(&mut self, header: &'static str, value: Option<String>) -> &mut Self {
        match value {
            Some(v) => self.col(header, v),
            None => self,
        }
    }
}

impl Table {
    fn new() -> Table {
        Table {
            headers: Vec::new(),
            rows: Vec::new(),
        }
    }

    fn row(&mut self, fill: impl FnOnce(&mut Row<'_>)) {
        let first = self.rows.is_empty() && self.headers.is_empty();
        let mut row = Row {
            table: self,
            cells: Vec::new(),
            first,
        };
        fill(&mut row);
        let cells = row.cells;
        self.rows.push(cells);
    }

    fn write(self, empty_headers: &[&'static str]) -> Vec<u8> {
        let headers = if self.headers.is_empty() {
            empty_headers.to_vec()
        } else {
            self.headers
        };
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(BOM.to_vec());
        // Writing into memory cannot fail, and every row has the header's length.
        w.write_record(headers.iter().map(|h| neutralise(h).into_owned()))
            .expect("a CSV row in memory");
        for r in self.rows {
            w.write_record(r.iter().map(|c| neutralise(c).into_owned()))
                .expect("a CSV row in memory");
        }
        w.into_inner().expect("a CSV written in memory")
    }
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn date(d: Option<jiff::civil::Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// The table `what` of `sheet` as CSV bytes.
pub fn write(sheet: &Sheet, what: What) -> Vec<u8> {
    let mut t = Table::new();
    let notes = sheet.options.shows_notes();
    let details = sheet.options.shows_harm_details();
    match what {
        What::List => {
            for p in &sheet.parties {
                t.row(|r| {
                    r.col("No.", p.id.to_string())
                        .col("Name", &p.name)
                        .col("Kind", kind_word(p.kind))
                        .opt("Relationship", p.relationship.clone())
                        .col("Stage", p.stage.label())
                        .col("Why this stage", &p.stage_reason)
                        .col(
                            "Willing",
                            p.willingness.map(|w| w.code()).unwrap_or_default(),
                        )
                        .col("Willing since", date(p.willing_since))
                        .col("Number of harms", p.live_harms().count().to_string())
                        .col("Kinds of harm", kinds(p))
                        .col("Owed", p.owed())
                        .col("Verdict", verdict_words(p))
                        .col(
                            "Plan",
                            p.plan.as_ref().map(|x| x.method.label()).unwrap_or(""),
                        )
                        .col("Plan date", date(p.plan.as_ref().and_then(|x| x.on)))
                        .col("Set aside", yes(p.set_aside))
                        .opt("Notes", p.notes.clone());
                });
            }
            let mut headers = vec!["No.", "Name", "Kind"];
            if notes {
                headers.push("Relationship");
            }
            headers.extend([
                "Stage",
                "Why this stage",
                "Willing",
                "Willing since",
                "Number of harms",
                "Kinds of harm",
                "Owed",
                "Verdict",
                "Plan",
                "Plan date",
                "Set aside",
            ]);
            if notes {
                headers.push("Notes");
            }
            t.write(&headers)
        }
        What::Harms => {
            for p in &sheet.parties {
                for h in &p.harms {
                    t.row(|r| {
                        r.col("No.", p.id.to_string())
                            .col("Name", &p.name)
                            .col("Harm no.", h.id.to_string())
                            .col(
                                "Kinds of harm",
                                h.kinds
                                    .iter()
                                    .map(|k| k.code())
                                    .collect::<Vec<_>>()
                                    .join(", "),
                            )
                            .opt("When", h.when.clone())
                            .opt("What I did", h.did.clone())
                            .opt("How it affected them", h.effect.clone())
                            .opt("What I should have done", h.should.clone())
                            .col(
                                "Owed",
                                h.owed.map(|m| m.amount_string()).unwrap_or_default(),
                            )
                            .col(
                                "Currency",
                                h.owed.map(|m| m.currency.code()).unwrap_or_default(),
                            )
                            .opt("Property owed", h.property.clone())
                            .col("Others involved", h.third_parties.join(", "))
                            .col("Where it came from", h.source.label())
                            .col(
                                "Sponsor agrees",
                                match h.sponsor_agrees {
                                    Some(b) => yes(b),
                                    None => "not asked",
                                },
                            )
                            .col("Recorded", h.recorded.to_string())
                            .col("Set aside", yes(h.set_aside || p.set_aside));
                    });
                }
            }
            let mut headers = vec!["No.", "Name", "Harm no.", "Kinds of harm"];
            if details {
                headers.extend([
                    "When",
                    "What I did",
                    "How it affected them",
                    "What I should have done",
                ]);
            }
            headers.extend(["Owed", "Currency"]);
            if details {
                headers.push("Property owed");
            }
            headers.extend([
                "Others involved",
                "Where it came from",
                "Sponsor agrees",
                "Recorded",
                "Set aside",
            ]);
            t.write(&headers)
        }
        What::Plans => {
            for p in &sheet.parties {
                let Some(plan) = &p.plan else { continue };
                t.row(|r| {
                    r.col("No.", p.id.to_string())
                        .col("Name", &p.name)
                        .col("Stage", p.stage.label())
                        .col("Method", plan.method.label())
                        .col("Date", date(plan.on))
                        .opt("Place", plan.place.clone())
                        .opt("Script", plan.script.clone())
                        .col("Review", &plan.approval)
                        .col("Consent", plan.consents.join("; "))
                        .col(
                            "Deferred until",
                            date(plan.deferral.as_ref().map(|d| d.review_on)),
                        )
                        .opt(
                            "Why deferred",
                            plan.deferral
                                .as_ref()
                                .map(|d| d.reason.clone())
                                .unwrap_or_else(|| notes.then(String::new)),
                        )
                        .col("Ready", yes(plan.ready))
                        .col("Still needed", p.gaps.join("; "))
                        .col("Commitments", commitments(p));
                });
            }
            let mut headers = vec!["No.", "Name", "Stage", "Method", "Date"];
            if notes {
                headers.extend(["Place", "Script"]);
            }
            headers.extend(["Review", "Consent", "Deferred until"]);
            if notes {
                headers.push("Why deferred");
            }
            headers.extend(["Ready", "Still needed", "Commitments"]);
            t.write(&headers)
        }
        What::Commitments => {
            for p in &sheet.parties {
                for c in &p.commitments {
                    t.row(|r| {
                        r.col("No.", p.id.to_string())
                            .col("Name", &p.name)
                            .col("Commitment no.", c.id.to_string())
                            .col("Kind", c.kind)
                            .col("Amount", money(c.amount))
                            .col("Instalment", money(c.instalment))
                            .col(
                                "Currency",
                                c.amount.map(|m| m.currency.code()).unwrap_or_default(),
                            )
                            .opt("What", notes.then(|| c.text.clone().unwrap_or_default()))
                            .col("Cadence", c.cadence.map(|x| x.code()).unwrap_or_default())
                            .col("Started", date(c.started))
                            .col("Paid so far", money(c.paid))
                            .col("Balance", money(c.balance))
                            .col("Check-ins kept", count(c.kept))
                            .col("Check-ins missed", count(c.missed))
                            .col("Due", date(c.due))
                            .col("Closed", date(c.closed.map(|(on, _)| on)))
                            .col("How it ended", c.closed.map(|(_, how)| how).unwrap_or(""));
                    });
                }
            }
            let mut headers = vec![
                "No.",
                "Name",
                "Commitment no.",
                "Kind",
                "Amount",
                "Instalment",
                "Currency",
            ];
            if notes {
                headers.push("What");
            }
            headers.extend([
                "Cadence",
                "Started",
                "Paid so far",
                "Balance",
                "Check-ins kept",
                "Check-ins missed",
                "Due",
                "Closed",
                "How it ended",
            ]);
            t.write(&headers)
        }
    }
}

/// An amount as a spreadsheet reads it ("120.50"); its currency has a column of its own.
fn money(m: Option<amends_core::money::Money>) -> String {
    m.map(|m| m.amount_string()).unwrap_or_default()
}

fn count(n: Option<usize>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

fn kinds(p: &PartySheet) -> String {
    p.harm_kinds()
        .iter()
        .map(|k| k.code())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The commitments of a party in one cell: "restitution: 120.50 USD ...; promise: ... (due ...)".
pub(crate) fn commitments(p: &PartySheet) -> String {
    p.commitments
        .iter()
        .map(|c| {
            let mut s = format!("{}: ", c.kind);
            if let Some(t) = c.text.as_deref().filter(|t| !t.is_empty()) {
                s.push_str(t);
                s.push_str(", ");
            }
            s.push_str(&c.detail);
            if !c.open {
                s.push_str(" (closed)");
            }
            s
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The file name for a table made on `made` ("amends-harms-2026-05-03.csv"): no one's name in it.
pub fn file_name(what: What, made: jiff::civil::Date) -> String {
    format!("amends-{}-{made}.csv", what.code())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discreet::Options;
    use crate::sheet::testdata::*;

    fn read(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
        assert!(bytes.starts_with(BOM));
        let mut r = csv::ReaderBuilder::new().from_reader(bytes);
        let headers = r.headers().unwrap().iter().map(str::to_string).collect();
        let rows = r
            .records()
            .map(|x| x.unwrap().iter().map(str::to_string).collect())
            .collect();
        (headers, rows)
    }

    fn col(headers: &[String], name: &str) -> usize {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {headers:?}"))
    }

    #[test]
    fn formula_cells_are_neutralised() {
        for bad in [
            "=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", FORMULA, "'=x", "'hi",
        ] {
            assert_eq!(neutralise(bad), format!("'{bad}"));
        }
        for fine in ["Mary", "1-2", "", " =x", "x'=y"] {
            assert_eq!(neutralise(fine), fine);
        }
    }

    #[test]
    fn the_list_reads_back_with_every_formula_neutralised() {
        let sheet = Sheet::build(&records(), &now(), Options::OPEN);
        let bytes = write(&sheet, What::List);
        assert!(
            bytes[BOM.len()..].starts_with(b"No.,Name,Kind,Relationship,Stage"),
            "{}",
            String::from_utf8_lossy(&bytes)
        );
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains("\r\n"));
        let (h, rows) = read(&bytes);
        assert_eq!(rows.len(), 4, "one row per party, set aside ones too");
        let name = col(&h, "Name");
        assert_eq!(rows[0][name], "Mary Jones");
        assert_eq!(rows[1][name], "*Mom*");
        assert_eq!(rows[2][name], format!("'{FORMULA}"));
        assert_eq!(rows[2][col(&h, "Relationship")], "'+employer");
        assert_eq!(rows[0][col(&h, "Willing")], "now");
        assert_eq!(rows[0][col(&h, "Willing since")], "2026-02-01");
        assert_eq!(rows[0][col(&h, "Owed")], "120.50 USD");
        assert_eq!(rows[0][col(&h, "Plan date")], "2026-05-20");
        assert_eq!(rows[3][col(&h, "Set aside")], "yes");
        assert!(rows[0][col(&h, "Verdict")].contains("R1 third parties"));
        for row in &rows {
            assert_eq!(row.len(), h.len());
            for cell in row {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{cell}"
                );
            }
        }
    }

    #[test]
    fn discreet_drops_the_columns_it_leaves_out() {
        let sheet = Sheet::build(&records(), &now(), Options::DISCREET);
        let (h, rows) = read(&write(&sheet, What::Harms));
        for gone in [
            "What I did",
            "How it affected them",
            "When",
            "Property owed",
        ] {
            assert!(!h.iter().any(|x| x == gone), "{gone} in {h:?}");
        }
        assert_eq!(rows.len(), 4, "one row per harm");
        assert_eq!(rows[0][col(&h, "Name")], "M. J.");
        assert_eq!(rows[0][col(&h, "Others involved")], "D. S.");
        assert_eq!(rows[0][col(&h, "Owed")], "120.50");
        assert_eq!(rows[0][col(&h, "Currency")], "USD");
        let all = String::from_utf8(write(&sheet, What::Harms)).unwrap();
        for word in ["Mary", "Dave", "crashed", "Mom", "HYPERLINK"] {
            assert!(!all.contains(word), "{word} in {all}");
        }

        let with = Options {
            harm_details: true,
            ..Options::DISCREET
        };
        let sheet = Sheet::build(&records(), &now(), with);
        let (h, rows) = read(&write(&sheet, What::Harms));
        assert_eq!(
            rows[0][col(&h, "What I did")],
            "borrowed M.'s car and crashed it with D. S."
        );
        assert_eq!(rows[2][col(&h, "What I did")], "'-took money from the till");
        assert_eq!(rows[2][col(&h, "Others involved")], "S.");
    }

    #[test]
    fn plans_have_one_row_per_party_with_a_plan() {
        let sheet = Sheet::build(&records(), &now(), Options::OPEN);
        let (h, rows) = read(&write(&sheet, What::Plans));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0][col(&h, "Method")], "face to face");
        assert_eq!(rows[0][col(&h, "Date")], "2026-05-20");
        assert_eq!(rows[0][col(&h, "Place")], "the café on Elm Street");
        assert!(rows[0][col(&h, "Script")].contains("\nWhat can I do"));
        assert!(rows[0][col(&h, "Review")].starts_with("approved by your sponsor"));
        assert!(rows[0][col(&h, "Commitments")].contains("call Mary every Sunday"));
        assert_eq!(rows[1][col(&h, "Script")], "'=1+1");

        let sheet = Sheet::build(&records(), &now(), Options::DISCREET);
        let (h, rows) = read(&write(&sheet, What::Plans));
        assert!(!h.iter().any(|x| x == "Script" || x == "Place"));
        assert!(!rows[0][col(&h, "Commitments")].contains("Mary"));
    }

    #[test]
    fn commitments_have_one_row_each_with_what_was_paid_and_kept() {
        let mut records = records();
        let usd = amends_core::money::Currency::parse("USD").unwrap();
        if let amends_core::model::CommitmentKind::Restitution { payments, .. } =
            &mut records[0].commitments[0].kind
        {
            payments.push(amends_core::model::Payment {
                via: None,
                recorded: None,
                id: 1,
                on: jiff::civil::date(2026, 5, 31),
                amount: amends_core::money::Money::new(2050, usd),
                note: "first".into(),
            });
        }
        if let amends_core::model::CommitmentKind::Living { checkins, .. } =
            &mut records[0].commitments[1].kind
        {
            for (id, kept) in [(1, true), (2, false)] {
                checkins.push(amends_core::model::CheckIn {
                    recorded: None,
                    id,
                    on: jiff::civil::date(2026, 5, 10),
                    kept,
                    note: String::new(),
                });
            }
        }
        let sheet = Sheet::build(&records, &now(), Options::OPEN);
        let bytes = write(&sheet, What::Commitments);
        let (h, rows) = read(&bytes);
        assert_eq!(
            h,
            [
                "No.",
                "Name",
                "Commitment no.",
                "Kind",
                "Amount",
                "Instalment",
                "Currency",
                "What",
                "Cadence",
                "Started",
                "Paid so far",
                "Balance",
                "Check-ins kept",
                "Check-ins missed",
                "Due",
                "Closed",
                "How it ended"
            ]
        );
        assert_eq!(rows.len(), 3, "one row per commitment");
        let pay = &rows[0];
        assert_eq!(pay[col(&h, "Name")], "Mary Jones");
        assert_eq!(pay[col(&h, "Kind")], "restitution");
        assert_eq!(pay[col(&h, "Amount")], "120.50");
        assert_eq!(pay[col(&h, "Instalment")], "50.00");
        assert_eq!(pay[col(&h, "Currency")], "USD");
        assert_eq!(pay[col(&h, "Cadence")], "monthly");
        assert_eq!(pay[col(&h, "Started")], "2026-05-31");
        assert_eq!(pay[col(&h, "Paid so far")], "20.50");
        assert_eq!(pay[col(&h, "Balance")], "100.00");
        assert_eq!(pay[col(&h, "Due")], "2026-06-30");
        assert_eq!(pay[col(&h, "Closed")], "");
        let living = &rows[1];
        assert_eq!(living[col(&h, "What")], "call Mary every Sunday");
        assert_eq!(living[col(&h, "Check-ins kept")], "1");
        assert_eq!(living[col(&h, "Check-ins missed")], "1");
        assert_eq!(living[col(&h, "Cadence")], "weekly");
        let promise = &rows[2];
        assert_eq!(promise[col(&h, "Name")], format!("'{FORMULA}"));
        assert_eq!(promise[col(&h, "What")], "send the letter to Acme");
        assert_eq!(promise[col(&h, "Due")], "2026-06-01");

        // Discreet: initials, no words typed, the amounts kept; the same header when empty.
        let sheet = Sheet::build(&records, &now(), Options::DISCREET);
        let bytes = write(&sheet, What::Commitments);
        let (h, rows) = read(&bytes);
        assert!(!h.iter().any(|x| x == "What"), "{h:?}");
        assert_eq!(rows[0][col(&h, "Name")], "M. J.");
        assert_eq!(rows[0][col(&h, "Balance")], "100.00");
        let text = String::from_utf8(bytes).unwrap();
        for word in ["Mary", "Sunday", "Acme", "HYPERLINK"] {
            assert!(!text.contains(word), "{word} in {text}");
        }
        let (empty, _) = read(&write(
            &Sheet::build(&[], &now(), Options::DISCREET),
            What::Commitments,
        ));
        assert_eq!(empty, h);
        assert_eq!(What::parse("commitments"), Some(What::Commitments));
    }

    #[test]
    fn an_empty_list_still_has_its_header() {
        let sheet = Sheet::build(&[], &now(), Options::DISCREET);
        for w in What::ALL {
            let (h, rows) = read(&write(&sheet, *w));
            assert!(h.len() > 3 && rows.is_empty(), "{w:?}");
            assert!(!h.iter().any(|x| x == "What I did" || x == "Script"));
        }
        assert_eq!(What::parse(" Harms "), Some(What::Harms));
        assert_eq!(What::parse("x"), None);
    }
}
