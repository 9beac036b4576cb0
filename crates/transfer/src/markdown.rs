//! The worksheet as Markdown (CommonMark with GitHub's tables): the list with harms and
//! willingness, then a section per plan, each after a thematic break (`---`) so that a printed
//! rendering can start it on a new page.
//!
//! What people typed is escaped, so that a name such as `*Mom*` or `| x |` stays text and cannot
//! open emphasis, a link, raw HTML or a new table cell: every ASCII character with a meaning
//! inline gets a backslash, a line that would start a block (`#`, `>`, `-`, `+`, `=`, `1.`) has
//! its first mark escaped, and line breaks inside a table cell become spaces.

use std::fmt::Write;

use crate::sheet::{PartySheet, Scope, Sheet, day, kind_word, verdict_words};

/// Inline text: the characters with a meaning in a paragraph or a table cell get a backslash.
/// Line breaks become spaces.
pub fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut last_space = false;
    for c in text.chars() {
        match c {
            '\r' | '\n' => {
                if !last_space {
                    out.push(' ');
                }
                last_space = true;
                continue;
            }
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '!' | '#' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
        last_space = c == ' ';
    }
    out
}

/// A line that would begin a block gets its first mark escaped (after `inline`, which has
/// handled `#`, `>` and the rest).
fn line_start(line: &str) -> String {
    let trimmed = line.trim_start();
    let digits = trimmed.chars().take_while(char::is_ascii_digit).count();
    let after = trimmed[digits..].chars().next();
    if trimmed.starts_with(['-', '+', '=']) {
        format!("\\{trimmed}")
    } else if digits > 0 && matches!(after, Some('.') | Some(')')) {
        format!("{}\\{}", &trimmed[..digits], &trimmed[digits..])
    } else {
        trimmed.to_string()
    }
}

/// Text of several lines as a block quote, its line breaks kept.
pub fn quote(text: &str) -> String {
    let lines: Vec<String> = text
        .lines()
        .map(|l| line_start(&inline(l.trim_end())))
        .collect();
    let mut out = String::new();
    for (i, l) in lines.iter().enumerate() {
        let next_blank = lines.get(i + 1).is_none_or(|n| n.is_empty());
        if l.is_empty() {
            out.push_str(">\n");
        } else if next_blank {
            let _ = writeln!(out, "> {l}");
        } else {
            // A backslash at the end of a line is a hard line break.
            let _ = writeln!(out, "> {l}\\");
        }
    }
    out
}

/// One table cell: inline text, never empty (a space keeps the column).
fn cell(text: &str) -> String {
    let t = inline(text.trim());
    if t.is_empty() { " ".into() } else { t }
}

fn table(out: &mut String, headers: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", headers.join(" | "));
    let _ = writeln!(
        out,
        "|{}|",
        headers
            .iter()
            .map(|_| " --- ")
            .collect::<Vec<_>>()
            .join("|")
    );
    for r in rows {
        let cells: Vec<String> = r.iter().map(|c| cell(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.push('\n');
}

fn willing(p: &PartySheet) -> String {
    match (p.willingness, p.willing_since) {
        (Some(w), Some(since)) => format!("{} (since {})", w.code(), day(since)),
        (Some(w), None) => w.code().to_string(),
        _ => "not said yet".into(),
    }
}

fn harm_summary(p: &PartySheet) -> String {
    let n = p.live_harms().count();
    let kinds: Vec<&str> = p.harm_kinds().iter().map(|k| k.code()).collect();
    if kinds.is_empty() {
        n.to_string()
    } else {
        format!("{n} ({})", kinds.join(", "))
    }
}

fn harms_table(out: &mut String, sheet: &Sheet, p: &PartySheet) {
    if p.live_harms().next().is_none() {
        out.push_str("No harms recorded yet.\n\n");
        return;
    }
    let details = sheet.options.shows_harm_details();
    let mut headers = vec!["Kinds"];
    if details {
        headers.extend([
            "When",
            "What I did",
            "How it affected them",
            "What I should have done",
        ]);
    }
    headers.extend(["Owed", "Others involved"]);
    let rows: Vec<Vec<String>> = p
        .live_harms()
        .map(|h| {
            let mut r = vec![
                h.kinds
                    .iter()
                    .map(|k| k.code())
                    .collect::<Vec<_>>()
                    .join(", "),
            ];
            if details {
                for f in [&h.when, &h.did, &h.effect, &h.should] {
                    r.push(f.clone().unwrap_or_default());
                }
            }
            let mut owed = h.owed.map(|m| m.show(sheet.language)).unwrap_or_default();
            if let Some(prop) = h.property.as_deref().filter(|x| !x.is_empty()) {
                if !owed.is_empty() {
                    owed.push_str("; ");
                }
                owed.push_str(prop);
            }
            r.push(owed);
            r.push(h.third_parties.join(", "));
            r
        })
        .collect();
    table(out, &headers, &rows);
}

fn item(out: &mut String, label: &str, value: &str) {
    if !value.trim().is_empty() {
        let _ = writeln!(out, "- **{label}:** {}", inline(value.trim()));
    }
}

fn party_page(out: &mut String, sheet: &Sheet, p: &PartySheet) {
    let _ = writeln!(out, "## {}. {}\n", p.id, inline(&p.name));
    let mut facts = kind_word(p.kind).to_string();
    if let Some(rel) = p.relationship.as_deref().filter(|r| !r.is_empty()) {
        facts.push_str(", ");
        facts.push_str(rel);
    }
    item(out, "Who", &facts);
    item(out, "Stage", &p.stage_reason);
    item(out, "Willing", &willing(p));
    item(out, "Verdict", &verdict_words(p));
    if let Some(n) = &p.notes {
        item(out, "Notes", n);
    }
    out.push('\n');
    out.push_str("### Harms\n\n");
    harms_table(out, sheet, p);
    out.push_str("### Plan\n\n");
    match &p.plan {
        None => out.push_str("No plan yet.\n\n"),
        Some(plan) => {
            item(out, "Method", plan.method.label());
            item(out, "Date", &plan.on.map(day).unwrap_or_default());
            if let Some(place) = &plan.place {
                item(out, "Place", place);
            }
            item(out, "Review", &plan.approval);
            item(out, "Consent", &plan.consents.join("; "));
            if let Some(d) = &plan.deferral {
                let mut s = day(d.review_on);
                if let Some(r) = d.reason.as_deref().filter(|r| !r.is_empty()) {
                    s.push_str(": ");
                    s.push_str(r);
                }
                item(out, "Deferred until", &s);
            }
            item(out, "Ready", &plan.readiness);
            if !p.gaps.is_empty() {
                out.push_str("- **Still needed:**\n");
                for g in &p.gaps {
                    let _ = writeln!(out, "  - {}", inline(g));
                }
            }
            out.push('\n');
            if let Some(script) = plan.script.as_deref().filter(|s| !s.trim().is_empty()) {
                out.push_str("#### Script\n\n");
                out.push_str(&quote(script));
                out.push('\n');
            }
        }
    }
    if !p.reasons.is_empty() {
        out.push_str("### Why these rules apply\n\n");
        for r in &p.reasons {
            let _ = writeln!(out, "- {}", inline(r));
        }
        out.push('\n');
    }
    talks(out, p);
    commitments_table(out, sheet, p);
    if let Some(a) = &p.last_attempt {
        item(out, "Last attempt", a);
        out.push('\n');
    }
}

/// The talks with a sponsor or an adviser: with whom, when, their view, and their advice when
/// it is kept.
fn talks(out: &mut String, p: &PartySheet) {
    if p.consultations.is_empty() {
        return;
    }
    out.push_str("### Talked over\n\n");
    for c in &p.consultations {
        let mut s = c.line();
        if let Some(a) = c.advice.as_deref().filter(|a| !a.trim().is_empty()) {
            s.push_str(": \"");
            s.push_str(a.trim());
            s.push('"');
        }
        let _ = writeln!(out, "- {}", inline(&s));
    }
    out.push('\n');
}

/// The commitments as a table: what, the money paid and still owed, the check-ins kept and
/// missed, what is due next, and whether it is closed.
fn commitments_table(out: &mut String, sheet: &Sheet, p: &PartySheet) {
    if p.commitments.is_empty() {
        return;
    }
    out.push_str("### Commitments\n\n");
    let notes = sheet.options.shows_notes();
    let mut headers = vec!["Kind"];
    if notes {
        headers.push("What");
    }
    headers.extend([
        "Amount",
        "Since",
        "Paid",
        "Balance",
        "Check-ins kept / missed",
        "Due",
        "Closed",
    ]);
    let rows: Vec<Vec<String>> = p
        .commitments
        .iter()
        .map(|c| {
            let mut r = vec![c.kind.to_string()];
            if notes {
                r.push(c.text.clone().unwrap_or_default());
            }
            let mut amount = c.amount.map(|m| m.show(sheet.language)).unwrap_or_default();
            if let (Some(i), Some(e)) = (c.instalment, c.cadence) {
                amount.push_str(&format!(", {} {}", i.show(sheet.language), e.label()));
            } else if let Some(e) = c.cadence.filter(|_| c.amount.is_none()) {
                amount = e.label().to_string();
            }
            r.extend([
                amount,
                c.started.map(day).unwrap_or_default(),
                c.paid.map(|m| m.show(sheet.language)).unwrap_or_default(),
                c.balance
                    .map(|m| m.show(sheet.language))
                    .unwrap_or_default(),
                match (c.kept, c.missed) {
                    (Some(k), Some(m)) => format!("{k} / {m}"),
                    _ => String::new(),
                },
                c.due.map(day).unwrap_or_default(),
                c.closed
                    .map(|(on, how)| format!("{how}, {}", day(on)))
                    .unwrap_or_default(),
            ]);
            r
        })
        .collect();
    table(out, &headers, &rows);
}

/// The worksheet (or one party's page) as Markdown.
pub fn write(sheet: &Sheet, scope: Scope) -> String {
    let mut out = String::new();
    let title = match scope {
        Scope::Worksheet => "Step 8 and 9 worksheet",
        Scope::Party(_) => "Step 9 plan",
    };
    let _ = writeln!(out, "# {title}\n");
    let _ = writeln!(out, "Made on {}.\n", day(sheet.made));
    if let Some(d) = sheet.options.describe() {
        let _ = writeln!(out, "*{}*\n", inline(&d));
    }
    match scope {
        Scope::Party(id) => match sheet.parties.iter().find(|p| p.id == id) {
            Some(p) => party_page(&mut out, sheet, p),
            None => out.push_str("This entry is not in the workbook.\n"),
        },
        Scope::Worksheet => {
            let on_list: Vec<&PartySheet> = sheet.on_list().collect();
            let aside = sheet.parties.len() - on_list.len();
            out.push_str("## The list\n\n");
            if on_list.is_empty() {
                out.push_str("Your list is empty.\n\n");
            } else {
                let notes = sheet.options.shows_notes();
                let mut headers = vec!["No.", "Name", "Kind"];
                if notes {
                    headers.push("Relationship");
                }
                headers.extend(["Willing", "Stage", "Harms", "Owed"]);
                let rows: Vec<Vec<String>> = on_list
                    .iter()
                    .map(|p| {
                        let mut r = vec![
                            p.id.to_string(),
                            p.name.clone(),
                            kind_word(p.kind).to_string(),
                        ];
                        if notes {
                            r.push(p.relationship.clone().unwrap_or_default());
                        }
                        r.extend([willing(p), p.stage.label().to_string(), harm_summary(p)]);
                        r.push(p.owed_in(sheet.language));
                        r
                    })
                    .collect();
                table(&mut out, &headers, &rows);
            }
            if aside > 0 {
                let _ = writeln!(
                    out,
                    "{aside} {} set aside {} not shown.\n",
                    if aside == 1 { "entry" } else { "entries" },
                    if aside == 1 { "is" } else { "are" }
                );
            }
            if !on_list.is_empty() {
                out.push_str("## Harms\n\n");
                for p in &on_list {
                    let _ = writeln!(
                        out,
                        "### {}. {}\n\nWilling: {}. Stage: {}.\n",
                        p.id,
                        inline(&p.name),
                        inline(&willing(p)),
                        inline(&p.stage_reason)
                    );
                    harms_table(&mut out, sheet, p);
                }
            }
            for p in on_list.iter().filter(|p| p.has_page()) {
                out.push_str("---\n\n");
                party_page(&mut out, sheet, p);
            }
        }
    }
    out
}

/// The file name for a worksheet made on `made`: no one's name in it.
pub fn file_name(scope: Scope, made: jiff::civil::Date) -> String {
    match scope {
        Scope::Worksheet => format!("amends-worksheet-{made}.md"),
        Scope::Party(id) => format!("amends-plan-{id}-{made}.md"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discreet::Options;
    use crate::sheet::testdata::*;
    use pulldown_cmark::{Event, Options as Md, Parser, Tag, TagEnd};

    /// The tables of a document as rows of cell texts, and its headings' texts.
    fn structure(md: &str) -> (Vec<Vec<Vec<String>>>, Vec<String>, Vec<String>) {
        let mut tables = Vec::new();
        let mut headings = Vec::new();
        let mut quotes = Vec::new();
        let mut text: Option<String> = None;
        let mut row: Vec<String> = Vec::new();
        let mut in_quote = false;
        for e in Parser::new_ext(md, Md::ENABLE_TABLES) {
            match e {
                Event::Start(Tag::Table(_)) => tables.push(Vec::new()),
                Event::Start(Tag::TableCell) | Event::Start(Tag::Heading { .. }) => {
                    text = Some(String::new())
                }
                Event::End(TagEnd::TableCell) => row.push(text.take().unwrap()),
                Event::End(TagEnd::TableHead) | Event::End(TagEnd::TableRow) => {
                    tables.last_mut().unwrap().push(std::mem::take(&mut row))
                }
                Event::End(TagEnd::Heading(_)) => headings.push(text.take().unwrap()),
                Event::Start(Tag::BlockQuote(_)) => {
                    in_quote = true;
                    quotes.push(String::new());
                }
                Event::End(TagEnd::BlockQuote(_)) => in_quote = false,
                Event::Text(t) | Event::Code(t) => {
                    if let Some(s) = text.as_mut() {
                        s.push_str(&t);
                    } else if in_quote {
                        quotes.last_mut().unwrap().push_str(&t);
                    }
                }
                Event::HardBreak if in_quote => quotes.last_mut().unwrap().push('\n'),
                Event::End(TagEnd::Paragraph) if in_quote => {
                    quotes.last_mut().unwrap().push_str("\n\n")
                }
                Event::Html(h) | Event::InlineHtml(h) => panic!("raw HTML in the worksheet: {h}"),
                Event::Start(Tag::Emphasis) | Event::Start(Tag::Link { .. }) if text.is_some() => {
                    panic!("markup inside a cell or heading")
                }
                _ => {}
            }
        }
        let quotes = quotes.iter().map(|q| q.trim_end().to_string()).collect();
        (tables, headings, quotes)
    }

    #[test]
    fn names_with_markup_stay_text_in_tables_and_headings() {
        let sheet = Sheet::build(&records(), &now(), Options::OPEN);
        let md = write(&sheet, Scope::Worksheet);
        let (tables, headings, quotes) = structure(&md);
        let list = &tables[0];
        assert_eq!(
            list[0],
            [
                "No.",
                "Name",
                "Kind",
                "Relationship",
                "Willing",
                "Stage",
                "Harms",
                "Owed"
            ]
        );
        assert_eq!(list.len(), 4, "a header and three entries (one set aside)");
        for row in list {
            assert_eq!(row.len(), 8, "{row:?}");
        }
        assert_eq!(list[1][1], "Mary Jones");
        assert_eq!(list[2][1], "*Mom*");
        assert_eq!(list[2][3], "| mother |");
        assert_eq!(list[3][1], FORMULA);
        assert!(headings.contains(&"2. *Mom*".to_string()), "{headings:?}");
        // The harms of *Mom*, with the pipe in what was done kept in its cell.
        let mom = &tables[2];
        assert_eq!(mom[1].len(), mom[0].len());
        assert!(mom[1].contains(&"shouted at *Mom* | twice".to_string()));
        // The script, line by line, as written.
        assert_eq!(
            quotes[0],
            "Mary, I came to say I was wrong about the car. Dave was not to blame.\nWhat can I do to set it right?"
        );
        assert_eq!(quotes[1], "=1+1");
        // A page per plan: two parties have one.
        assert_eq!(md.matches("\n---\n").count(), 2);
        assert!(md.contains("1 entry set aside is not shown."));
        assert!(!md.contains("Old Neighbour"));
    }

    #[test]
    fn block_marks_at_the_start_of_a_line_are_escaped() {
        let q =
            quote("# not a heading\n- not a list\n1. not a list\n> not a quote\n\n    code?\n===");
        let (_, headings, quotes) = structure(&q);
        assert!(headings.is_empty());
        assert_eq!(
            quotes[0],
            "# not a heading\n- not a list\n1. not a list\n> not a quote\n\ncode?\n==="
        );
        assert_eq!(inline("a\r\nb\n\nc"), "a b c");
        assert_eq!(inline("<b>&amp;</b>"), "\\<b\\>\\&amp;\\</b\\>");
    }

    #[test]
    fn a_plan_page_has_its_talks_and_commitments() {
        let sheet = Sheet::build(&records(), &now(), Options::OPEN);
        let md = write(&sheet, Scope::Party(1));
        let (tables, headings, _) = structure(&md);
        assert!(
            headings.contains(&"Talked over".to_string()),
            "{headings:?}"
        );
        assert!(
            md.contains("- sponsor (Pat Quinn), 5 February 2026: approved the plan: \"go ahead\""),
            "{md}"
        );
        assert!(md.contains("- **Ready:** yes"), "{md}");
        let commitments = tables.last().unwrap();
        assert_eq!(
            commitments[0],
            [
                "Kind",
                "What",
                "Amount",
                "Since",
                "Paid",
                "Balance",
                "Check-ins kept / missed",
                "Due",
                "Closed"
            ]
        );
        assert_eq!(commitments[1][0], "restitution");
        assert_eq!(commitments[1][2], "120.50 USD, 50.00 USD every month");
        assert_eq!(commitments[1][4], "0.00 USD");
        assert_eq!(commitments[1][5], "120.50 USD");
        assert_eq!(commitments[1][7], "31 May 2026");
        assert_eq!(commitments[2][1], "call Mary every Sunday");
        assert_eq!(commitments[2][6], "0 / 0");

        let sheet = Sheet::build(&records(), &now(), Options::DISCREET);
        let md = write(&sheet, Scope::Party(1));
        let (tables, _, _) = structure(&md);
        let commitments = tables.last().unwrap();
        assert_eq!(commitments[0][1], "Amount", "no words typed");
        assert_eq!(commitments[1][3], "0.00 USD");
        assert!(md.contains("- sponsor (P. Q.), 5 February 2026: approved the plan\n"));
        for gone in ["go ahead", "Sunday", "third parties", "R1"] {
            assert!(!md.contains(gone), "{gone} in {md}");
        }
        assert!(
            md.contains("- **Verdict:** direct amends are possible\n"),
            "{md}"
        );
        assert!(md.contains("which rules apply and why are left out"));
    }

    #[test]
    fn discreet_worksheets_show_initials_and_no_stories() {
        let sheet = Sheet::build(&records(), &now(), Options::DISCREET);
        let md = write(&sheet, Scope::Worksheet);
        for word in [
            "Mary",
            "Dave",
            "Mom",
            "crashed",
            "shouted",
            "HYPERLINK",
            "sister",
            "café",
            "Pat",
        ] {
            assert!(!md.contains(word), "{word} in\n{md}");
        }
        let (tables, _, quotes) = structure(&md);
        assert_eq!(tables[0][0].len(), 7, "no relationship column");
        assert_eq!(tables[0][1][1], "M. J.");
        assert!(quotes.is_empty(), "no scripts");
        assert!(md.contains("Discreet: names are shown as initials"));
        assert!(md.contains("D. S.: gave consent"));

        let one = write(&sheet, Scope::Party(2));
        assert!(one.starts_with("# Step 9 plan"));
        assert!(one.contains("## 2. M."));
        assert!(one.contains("No plan yet."));
        assert!(!one.contains("M. J."));
        assert_eq!(
            file_name(Scope::Party(2), sheet.made),
            "amends-plan-2-2026-05-03.md"
        );
    }
}
