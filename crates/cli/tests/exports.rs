//! `amends export` as CSV, Markdown and PDF, and `amends calendar`, through the real binary on
//! a real vault: every file is read back (the CSV with the csv crate, the PDF's text with
//! pdftotext, the calendar with icalendar's parser) and checked for names or initials, harms
//! present or absent as chosen, and formula cells made harmless.

use crate::common;

use std::process::Command;

use common::{Vault, days_from_today, stdout};
use icalendar::{Calendar, CalendarComponent, Component, DatePerhapsTime};

const FORMULA: &str = "=HYPERLINK(\"http://evil.example\",\"Click\")";

/// A list with Mary Jones (a harm naming Dave Smith, a plan, a payment plan), `*Mom*` (a
/// deferral) and an organisation whose name is a formula.
fn seeded() -> Vault {
    let v = Vault::init();
    v.ok(&[
        "party",
        "add",
        "Mary Jones",
        "--kind",
        "person",
        "--relationship",
        "my sister",
    ]);
    v.ok(&["party", "add", "*Mom*", "--relationship", "| mother |"]);
    v.ok(&["party", "add", FORMULA, "--kind", "organisation"]);
    v.ok(&[
        "harm",
        "add",
        "Mary Jones",
        "--did",
        "borrowed Mary's car and crashed it with Dave Smith",
        "--effect",
        "she missed a week of work",
        "--should",
        "asked first",
        "--kind",
        "property,trust",
        "--owed",
        "120.50",
        "--third-party",
        "Dave Smith",
    ]);
    v.ok(&["harm", "add", "2", "--did", "shouted at *Mom* | twice"]);
    v.ok(&["harm", "add", "3", "--did=-took money from the till"]);
    v.ok(&["willing", "Mary Jones", "now"]);
    v.ok(&["willing", "2", "later"]);
    v.ok(&["safety", "Mary Jones", "--none"]);
    v.ok(&[
        "plan",
        "Mary Jones",
        "--method",
        "face-to-face",
        "--script",
        "Mary, I was wrong about the car.\nWhat can I do to set it right?",
        "--on",
        &days_from_today(10),
        "--place",
        "the café on Elm Street",
    ]);
    v.ok(&[
        "commit",
        "restitution",
        "Mary Jones",
        "--amount",
        "120.50",
        "--instalment",
        "50",
        "--every",
        "monthly",
        "--starting",
        &days_from_today(20),
    ]);
    v.ok(&[
        "defer",
        "2",
        "--reason",
        "Mom is in hospital",
        "--review",
        &days_from_today(5),
    ]);
    v
}

fn csv_of(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    assert!(
        text.starts_with('\u{feff}'),
        "a byte order mark for spreadsheets"
    );
    let mut r = csv::Reader::from_reader(text.as_bytes());
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
        .unwrap_or_else(|| panic!("no {name} in {headers:?}"))
}

fn pdf_text(path: &std::path::Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils; scripts/test.sh installs it)");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn csv_tables_read_back_with_formula_cells_neutralised() {
    let v = seeded();
    let (out, err) = v.ok_both(&["export", "--format", "csv"]);
    assert!(err.contains("not encrypted"), "{err}");
    let (h, rows) = csv_of(&out);
    assert_eq!(rows.len(), 3, "one row per party");
    let name = col(&h, "Name");
    assert_eq!(rows[0][name], "Mary Jones");
    assert_eq!(rows[1][name], "*Mom*");
    assert_eq!(rows[2][name], format!("'{FORMULA}"), "the formula is text");
    assert_eq!(rows[0][col(&h, "Relationship")], "my sister");
    assert_eq!(rows[0][col(&h, "Willing")], "now");
    assert_eq!(rows[0][col(&h, "Plan")], "face to face");
    assert_eq!(rows[0][col(&h, "Plan date")], days_from_today(10));
    assert_eq!(rows[0][col(&h, "Owed")], "120.50 USD");
    for row in &rows {
        for cell in row {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "{cell}");
        }
    }

    let (h, rows) = csv_of(&v.ok(&["export", "--format", "csv", "--what", "harms"]));
    assert_eq!(rows.len(), 3, "one row per harm");
    assert_eq!(
        rows[0][col(&h, "What I did")],
        "borrowed Mary's car and crashed it with Dave Smith"
    );
    assert_eq!(rows[0][col(&h, "Others involved")], "Dave Smith");
    assert_eq!(rows[0][col(&h, "Owed")], "120.50");
    assert_eq!(rows[2][col(&h, "What I did")], "'-took money from the till");

    let (h, rows) = csv_of(&v.ok(&["export", "--format", "csv", "--what", "plans"]));
    assert_eq!(rows.len(), 1, "one row per party with a plan");
    assert!(rows[0][col(&h, "Script")].contains("\nWhat can I do"));
    assert_eq!(rows[0][col(&h, "Place")], "the café on Elm Street");

    // Discreet: initials, and the columns it leaves out are not there at all.
    let all = v.ok(&["export", "--format", "csv", "--what", "harms", "--discreet"]);
    for gone in ["Mary", "Dave", "crashed", "Mom", "HYPERLINK", "What I did"] {
        assert!(!all.contains(gone), "{gone} in\n{all}");
    }
    let (h, rows) = csv_of(&all);
    assert_eq!(rows[0][col(&h, "Name")], "M. J.");
    assert_eq!(rows[0][col(&h, "Others involved")], "D. S.");
    let (h, rows) = csv_of(&v.ok(&[
        "export",
        "--format",
        "csv",
        "--what",
        "harms",
        "--discreet",
        "--harm-details",
    ]));
    assert_eq!(
        rows[0][col(&h, "What I did")],
        "borrowed M.'s car and crashed it with D. S."
    );

    // One party's rows, to a file.
    let file = v.file("mom.csv");
    let (_, err) = v.ok_both(&[
        "export",
        "--format",
        "csv",
        "--what",
        "harms",
        "--party",
        "*Mom*",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert!(err.contains("Wrote the harms to"), "{err}");
    let (h, rows) = csv_of(&std::fs::read_to_string(&file).unwrap());
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][col(&h, "What I did")], "shouted at *Mom* | twice");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "readable by its owner only");
    }
}

#[test]
fn the_markdown_worksheet_keeps_typed_markup_as_text() {
    let v = seeded();
    let md = v.ok(&["export", "--format", "markdown"]);
    assert!(md.starts_with("# Step 8 and 9 worksheet\n"), "{md}");
    assert!(md.contains("| No. | Name | Kind | Relationship | Willing | Stage | Harms | Owed |"));
    assert!(
        md.contains("| 2 | \\*Mom\\* | person | \\| mother \\| |"),
        "{md}"
    );
    assert!(md.contains("\\=HYPERLINK") || md.contains("=HYPERLINK(\"http://evil.example\""));
    assert!(md.contains("> Mary, I was wrong about the car.\\\n> What can I do"));
    assert_eq!(md.matches("\n---\n").count(), 1, "a page for the one plan");
    // Every row of the list has as many cells as its header.
    let list: Vec<&str> = md
        .lines()
        .skip_while(|l| !l.starts_with("| No."))
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert_eq!(list.len(), 5);
    let cells = |l: &str| l.replace("\\|", "").matches('|').count();
    for l in &list {
        assert_eq!(cells(l), cells(list[0]), "{l}");
    }

    let discreet = v.ok(&["export", "--format", "md", "--discreet", "--party", "1"]);
    assert!(discreet.starts_with("# Step 9 plan"), "{discreet}");
    for gone in ["Mary", "Dave", "crashed", "café", "sister"] {
        assert!(!discreet.contains(gone), "{gone} in\n{discreet}");
    }
    assert!(discreet.contains("## 1. M. J."));
}

#[test]
fn the_pdf_worksheet_reads_back_with_names_or_initials_as_chosen() {
    let v = seeded();
    let file = v.file("worksheet.pdf");
    let path = file.to_str().unwrap();
    let (out, err) = v.ok_both(&["export", "--format", "pdf", "-o", path]);
    assert!(out.is_empty());
    assert!(err.contains("Wrote the worksheet to"), "{err}");
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let text = pdf_text(&file);
    for want in [
        "Step 8 and 9 worksheet",
        "Mary Jones",
        "*Mom*",
        "borrowed Mary's car",
        "she missed",
        "Plan: Mary Jones",
        "What can I do to set it right?",
        "Page 1 of",
    ] {
        assert!(text.contains(want), "{want} not in\n{text}");
    }

    v.ok(&[
        "export",
        "--format",
        "pdf",
        "--discreet",
        "--paper",
        "letter",
        "-o",
        path,
    ]);
    let text = pdf_text(&file);
    for gone in ["Mary", "Dave", "borrowed", "missed a week", "café", "Mom"] {
        assert!(!text.contains(gone), "{gone} in\n{text}");
    }
    assert!(text.contains("M. J.") && text.contains("D. S."), "{text}");
    let info = Command::new("pdfinfo").arg(&file).output().unwrap();
    assert!(String::from_utf8_lossy(&info.stdout).contains("612 x 792"));

    v.ok(&[
        "export",
        "--format",
        "pdf",
        "--discreet",
        "--harm-details",
        "--party",
        "Mary Jones",
        "-o",
        path,
    ]);
    let text = pdf_text(&file);
    assert!(text.contains("Plan: M. J."), "{text}");
    assert!(text.contains("borrowed M.'s car"), "{text}");
    assert!(
        !text.contains("*M.*") && !text.contains("Mary"),
        "one party only"
    );

    // A pipe gets the bytes; a terminal does not.
    let piped = v.run(&["export", "--format", "pdf"]);
    assert!(piped.status.success());
    assert!(piped.stdout.starts_with(b"%PDF-"));
    let cmd = format!(
        "{} --vault {} export --format pdf",
        common::bin_path().display(),
        v.path.display()
    );
    let tty = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("AMENDS_PASSPHRASE", &v.pass)
        .env("TZ", "UTC")
        .output()
        .expect("script (util-linux) runs the command on a terminal");
    let shown = stdout(&tty);
    assert!(!shown.contains("%PDF"), "{shown}");
    assert!(
        shown.contains("a PDF is not text and cannot be shown in a terminal"),
        "{shown}"
    );
}

fn events(text: &str) -> Vec<icalendar::Event> {
    let cal: Calendar = text.parse().expect("a calendar that parses");
    cal.components
        .into_iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .collect()
}

fn start(e: &icalendar::Event) -> String {
    match e.get_start() {
        Some(DatePerhapsTime::Date(d)) => d.to_string(),
        other => panic!("not an all-day date: {other:?}"),
    }
}

#[test]
fn the_calendar_is_discreet_unless_names_are_chosen() {
    let v = seeded();
    let (text, err) = v.ok_both(&["calendar"]);
    assert!(err.contains("discreet titles"), "{err}");
    let es = events(&text);
    let titled = |t: &str| es.iter().filter(|e| e.get_summary() == Some(t)).count();
    assert_eq!(titled("Amends: a planned conversation"), 1);
    assert_eq!(titled("Amends: a deferred amends to look at again"), 1);
    assert_eq!(titled("Amends: ask yourself how willing you are"), 1);
    assert!(titled("Amends: a payment") == 3, "three instalments");
    assert_eq!(es.len(), 6);
    let plan = es
        .iter()
        .find(|e| e.get_uid().unwrap().starts_with("amends-plan-1@"))
        .unwrap();
    assert_eq!(start(plan), days_from_today(10));
    for word in ["Mary", "Mom", "HYPERLINK", "car", "USD"] {
        assert!(!text.contains(word), "{word} in\n{text}");
    }

    let file = v.file("amends.ics");
    v.ok(&["calendar", "--names", "-o", file.to_str().unwrap()]);
    let named = events(&std::fs::read_to_string(&file).unwrap());
    let uids = |es: &[icalendar::Event]| {
        es.iter()
            .map(|e| e.get_uid().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(uids(&named), uids(&es), "the same events, the same UIDs");
    let plan = named
        .iter()
        .find(|e| e.get_uid().unwrap().starts_with("amends-plan-1@"))
        .unwrap();
    assert_eq!(
        plan.get_summary(),
        Some("Amends: a planned conversation (Mary Jones)")
    );
}

#[test]
fn the_subscription_is_turned_on_renewed_named_and_off() {
    let v = Vault::init();
    let out = v.ok(&["calendar", "status"]);
    assert!(out.contains("The calendar subscription is off"), "{out}");

    let on = v.json(&["calendar", "on", "--port", "8765", "--json"]);
    let token = on["token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 64);
    assert_eq!(
        on["address"],
        format!("http://127.0.0.1:8765/calendar/{token}.ics")
    );
    assert_eq!(on["names"], false);
    let again = v.json(&["calendar", "on", "--json"]);
    assert_eq!(again["token"], token.as_str(), "on again keeps the address");
    let text = v.ok(&["calendar", "status"]);
    assert!(text.contains(&format!("http://127.0.0.1:4880/calendar/{token}.ics")));
    assert!(text.contains("its usual port, 4880"), "{text}");

    let renewed = v.ok(&["calendar", "new-address"]);
    assert!(renewed.contains("the old one no longer works"), "{renewed}");
    let now = v.json(&["calendar", "status", "--json"]);
    assert_ne!(now["token"], token.as_str());

    v.ok(&["calendar", "names", "on"]);
    assert_eq!(v.json(&["calendar", "status", "--json"])["names"], true);
    let out = v.ok(&["calendar", "off"]);
    assert!(out.contains("no longer works"), "{out}");
    let off = v.json(&["calendar", "status", "--json"]);
    assert_eq!(off["subscription"], false);
    assert!(off["token"].is_null() && off["address"].is_null());
}

#[test]
fn options_that_do_not_fit_are_refused_and_change_nothing() {
    let v = seeded();
    for (args, says) in [
        (vec!["export", "--format", "xml"], "\"xml\" is not a format"),
        (vec!["export", "--discreet"], "--discreet is for csv"),
        (
            vec!["export", "--format", "pdf", "--what", "harms"],
            "chooses the table of a csv export",
        ),
        (
            vec!["export", "--format", "csv", "--paper", "letter"],
            "is for a pdf worksheet only",
        ),
        (
            vec!["export", "--format", "csv", "--party", "Nobody Here"],
            "",
        ),
    ] {
        let err = v.refused(&args, 2);
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("Mary"), "{err}");
    }
    // clap refuses the choices that need --discreet, before anything is read.
    let o = v.run(&["export", "--format", "csv", "--harm-details"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(common::stderr(&o).contains("--discreet"));
}

#[test]
fn the_commitments_table_has_payments_balance_and_check_ins() {
    let v = seeded();
    v.ok(&["pay", "1", "20.50"]);
    v.ok(&[
        "commit",
        "living",
        "Mary Jones",
        "--behaviour",
        "call Mary every Sunday",
        "--every",
        "weekly",
    ]);
    v.ok(&["checkin", "2", "--kept"]);
    v.ok(&["checkin", "2", "--missed"]);
    let (out, err) = v.ok_both(&["export", "--format", "csv", "--what", "commitments"]);
    assert!(err.contains("not encrypted"), "{err}");
    let (h, rows) = csv_of(&out);
    assert_eq!(rows.len(), 2, "{rows:?}");
    let pay = &rows[0];
    assert_eq!(pay[col(&h, "Name")], "Mary Jones");
    assert_eq!(pay[col(&h, "Kind")], "restitution");
    assert_eq!(pay[col(&h, "Amount")], "120.50");
    assert_eq!(pay[col(&h, "Paid so far")], "20.50");
    assert_eq!(pay[col(&h, "Balance")], "100.00");
    assert_eq!(pay[col(&h, "Started")], days_from_today(20));
    let living = &rows[1];
    assert_eq!(living[col(&h, "What")], "call Mary every Sunday");
    assert_eq!(living[col(&h, "Check-ins kept")], "1");
    assert_eq!(living[col(&h, "Check-ins missed")], "1");

    let out = v.ok(&[
        "export",
        "--format",
        "csv",
        "--what",
        "commitments",
        "--discreet",
    ]);
    let (h, rows) = csv_of(&out);
    assert!(!h.iter().any(|x| x == "What"), "{h:?}");
    assert_eq!(rows[0][col(&h, "Name")], "M. J.");
    assert_eq!(rows[0][col(&h, "Balance")], "100.00", "amounts stay");
    assert!(!out.contains("Mary") && !out.contains("Sunday"), "{out}");

    // The plan page shows them too, with the balance.
    let md = v.ok(&["export", "--format", "markdown", "--party", "Mary Jones"]);
    assert!(md.contains("### Commitments"), "{md}");
    assert!(md.contains("| 20.50 USD | 100.00 USD |"), "{md}");
    assert!(md.contains("1 / 1"), "{md}");
}

#[test]
fn the_plan_page_shows_the_consultations_and_agrees_with_the_stage() {
    let v = seeded();
    // Approved by the sponsor after the plan: ticked, with the date, and the talk listed.
    v.ok(&[
        "consult",
        "Mary Jones",
        "--with",
        "sponsor",
        "--name",
        "Bob Smith",
        "--approve",
        "--advice",
        "take Dave along",
    ]);
    let file = v.file("plan.pdf");
    v.ok(&[
        "export",
        "--format",
        "pdf",
        "--party",
        "Mary Jones",
        "-o",
        file.to_str().unwrap(),
    ]);
    let text = pdf_text(&file);
    for want in [
        "☑ yes",
        "sponsor (Bob Smith)",
        "approved the plan",
        "take Dave along",
        "approved by your sponsor (Bob Smith) on",
    ] {
        assert!(text.contains(want), "{want} not in\n{text}");
    }
    assert!(!text.contains("☐ yes"), "{text}");
    assert!(!text.contains("no review needed"), "{text}");

    // Discreet: initials for the sponsor, no advice.
    v.ok(&[
        "export",
        "--format",
        "pdf",
        "--party",
        "Mary Jones",
        "--discreet",
        "-o",
        file.to_str().unwrap(),
    ]);
    let text = pdf_text(&file);
    assert!(text.contains("sponsor (B. S.)"), "{text}");
    for gone in ["Bob", "take Dave", "Smith"] {
        assert!(!text.contains(gone), "{gone} in\n{text}");
    }

    // Deferred: the page says so, and not "Ready: yes".
    v.ok(&[
        "defer",
        "Mary Jones",
        "--reason",
        "she is moving house",
        "--review",
        &days_from_today(30),
    ]);
    assert_eq!(v.stage("Mary Jones"), "deferred");
    let md = v.ok(&["export", "--format", "markdown", "--party", "Mary Jones"]);
    assert!(md.contains("- **Ready:** not now: deferred until"), "{md}");
    assert!(!md.contains("- **Ready:** yes"), "{md}");
}

#[test]
fn discreet_verdicts_leave_out_which_rules_apply() {
    let v = seeded();
    v.ok(&["safety", "Mary Jones", "--legal-risk", "--harmed-me"]);
    let open = v.ok(&["export", "--format", "csv"]);
    assert!(open.contains("R3 legal risk"), "{open}");
    for format in ["csv", "markdown"] {
        let out = v.ok(&["export", "--format", format, "--discreet"]);
        for gone in ["legal", "lawyer", "R3", "R6", "R2", "abuser", "harmed"] {
            assert!(!out.contains(gone), "{gone} in {format}:\n{out}");
        }
        assert!(out.contains("direct amends are possible"), "{out}");
    }
    let md = v.ok(&["export", "--format", "markdown", "--discreet"]);
    assert!(
        md.contains("which rules apply and why are left out"),
        "{md}"
    );
}

#[test]
fn two_vaults_and_a_restored_copy_never_share_a_calendar_uid() {
    let uids = |v: &Vault| {
        events(&v.ok(&["calendar"]))
            .iter()
            .map(|e| e.get_uid().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let v = seeded();
    let first = uids(&v);
    assert_eq!(first, uids(&v), "stable from one file to the next");
    let other = seeded();
    let second = uids(&other);
    assert_eq!(first.len(), second.len());
    assert!(first.iter().all(|u| !second.contains(u)), "{first:?}");
    let plan = first
        .iter()
        .find(|u| u.starts_with("amends-plan-1@"))
        .unwrap();
    let key = plan.strip_prefix("amends-plan-1@").unwrap();
    assert_eq!(key.len(), 16);
    assert!(key.bytes().all(|b| b.is_ascii_hexdigit()), "{plan}");

    // A copy restored from a backup is a vault of its own.
    let file = v.file("copy.age");
    let mut c = v.cmd();
    c.env("AMENDS_BACKUP_PASSPHRASE", "harbour willow copper tuesday");
    let o = c
        .args(["backup", "-o", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", common::stderr(&o));
    let copy = Vault::uninit();
    let mut c = common::bare();
    c.arg("--vault")
        .arg(&copy.path)
        .env("AMENDS_BACKUP_PASSPHRASE", "harbour willow copper tuesday")
        .env("AMENDS_PASSPHRASE", &copy.pass);
    let o = c
        .args(["restore", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", common::stderr(&o));
    let restored = uids(&copy);
    assert_eq!(restored.len(), first.len());
    assert!(first.iter().all(|u| !restored.contains(u)), "{restored:?}");
}
