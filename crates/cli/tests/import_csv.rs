//! `amends import FILE.csv` through the real binary: a list from a spreadsheet, read back
//! through `amends export` and `amends show --json`.

use crate::common;

use common::{Vault, assert_plain_words, stderr, stdout};
use serde_json::Value;

const LIST: &str = "Name,Relationship,What I did,Effect on them,Kind of harm,When,Owed,Willing?\n\
Zebra-Canary,mother,Shouted at her at Christmas,She cried,emotional,2019,,yes\n\
Acme Ltd,employer,Took stationery,,property,2018,\"$1,200.50\",later\n\
zebra-canary,,Missed her birthday,,neglect,2020,,maybe\n\
Okapi Tom,old friend,,,,,,\n";

fn write(v: &Vault, name: &str, bytes: &[u8]) -> String {
    let path = v.file(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

fn party<'a>(export: &'a Value, name: &str) -> &'a Value {
    export["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not in the export"))
}

fn dids(p: &Value) -> Vec<String> {
    p["harms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["did"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_list_is_added_and_reads_back_as_it_was_written() {
    let v = Vault::init();
    let file = write(&v, "list.csv", LIST.as_bytes());
    let (out, err) = v.ok_both(&["import", &file]);
    assert!(
        out.contains("Added to your list: 3 new entries with 3 harms"),
        "{out}"
    );
    assert!(!err.contains("Zebra"), "no names on stderr: {err}");

    let export = v.export();
    assert_eq!(export["parties"].as_array().unwrap().len(), 3);
    let mum = party(&export, "Zebra-Canary");
    assert_eq!(mum["relationship"], "mother");
    assert_eq!(
        dids(mum),
        vec!["Shouted at her at Christmas", "Missed her birthday"]
    );
    assert_eq!(mum["harms"][0]["effect"], "She cried");
    assert_eq!(mum["harms"][0]["when"], "2019");
    assert_eq!(mum["harms"][0]["kinds"], serde_json::json!(["emotional"]));
    assert_eq!(mum["harms"][0]["source"], "memory");
    let acme = party(&export, "Acme Ltd");
    assert_eq!(acme["harms"][0]["owed"]["minor"], 120050);
    assert_eq!(acme["harms"][0]["owed"]["currency"], "USD");

    let shown = v.show("Zebra-Canary");
    assert_eq!(
        shown["willingness"], "maybe",
        "the least willing of its rows: {shown}"
    );
    assert_eq!(v.show("Acme Ltd")["willingness"], "later");
    let tom = v.show("Okapi Tom");
    assert_eq!(tom["stage"], "listed");
    assert_eq!(tom["harms"].as_array().unwrap().len(), 0, "a name alone");
}

#[test]
fn a_preview_shows_the_reading_and_changes_nothing() {
    let v = Vault::init();
    v.add_party("Zebra-Canary", &[]);
    let file = write(&v, "list.csv", LIST.as_bytes());
    let before = v.export();
    let out = v.ok(&["import", &file, "--preview"]);
    for want in [
        "CSV in UTF-8, separated by commas, 4 rows below the headings",
        "Read as an 8th-step list.",
        "What I did",
        "-> did (what I did)",
        "Zebra-Canary (person, mother, willing: maybe), from line 2",
        "- line 4: Missed her birthday",
        "owed: 1200.50 USD",
        "Okapi Tom (person, old friend), from line 5",
        "no harm yet",
        "Already on your list (1)",
        "Zebra-Canary (line 2) -> #1 Zebra-Canary",
        "Nothing was changed.",
    ] {
        assert!(out.contains(want), "{want:?} is not in:\n{out}");
    }
    assert_eq!(v.export(), before);

    let json = v.json(&["import", &file, "--preview", "--json"]);
    assert_eq!(json["layout"], "eighth-step");
    assert_eq!(json["entries"], 3);
    assert_eq!(json["harms"], 3);
    assert_eq!(json["columns"][2]["field"], "did");
    assert_eq!(json["matched"][0]["existing"][0]["id"], 1);
    assert_eq!(json["first"][1]["harms"][0]["owed"], "1200.50");
    assert_eq!(v.export(), before);
}

#[test]
fn names_on_the_list_need_a_choice_merge_or_apart() {
    let v = Vault::init();
    v.add_party("Zebra-Canary", &["--relationship", ""]);
    v.ok(&[
        "harm",
        "add",
        "Zebra-Canary",
        "--did",
        "Missed her birthday",
    ]);
    let file = write(&v, "list.csv", LIST.as_bytes());

    let err = v.refused(&["import", &file], 2);
    assert!(
        err.contains("1 name in the file is already on your list"),
        "{err}"
    );
    assert!(
        err.contains("--preview") && err.contains("--matched merge"),
        "{err}"
    );
    assert!(!err.contains("Zebra"), "{err}");

    // Merged: the harms go to the entry there, except the one it has already.
    let out = v.ok(&["import", &file, "--matched", "merge"]);
    assert!(
        out.contains("1 entry you already had took 1 more harm"),
        "{out}"
    );
    assert!(out.contains("1 harm was left out"), "{out}");
    let export = v.export();
    assert_eq!(export["parties"].as_array().unwrap().len(), 3);
    let mum = party(&export, "Zebra-Canary");
    assert_eq!(
        dids(mum),
        vec!["Missed her birthday", "Shouted at her at Christmas"]
    );
    assert_eq!(mum["relationship"], "mother", "taken where it was empty");
    assert_eq!(v.show("Zebra-Canary")["willingness"], "maybe");

    // Apart: every name is a new entry, even those now on the list.
    let out = v.ok(&["import", &file, "--matched", "apart"]);
    assert!(
        out.contains("Added to your list: 3 new entries with 3 harms"),
        "{out}"
    );
    let export = v.export();
    assert_eq!(export["parties"].as_array().unwrap().len(), 6);
}

#[test]
fn a_name_set_aside_is_not_merged_into() {
    let v = Vault::init();
    v.add_party("Acme Ltd", &[]);
    v.ok(&["party", "aside", "Acme Ltd", "--reason", "no-real-harm"]);
    let file = write(&v, "list.csv", LIST.as_bytes());
    let err = v.refused(&["import", &file, "--matched", "merge"], 3);
    assert!(err.contains("set aside"), "{err}");
    v.ok(&["import", &file, "--matched", "apart"]);
}

#[test]
fn headings_of_its_own_are_mapped_by_hand() {
    let v = Vault::init();
    let text = "Col A;Col B;Col C\nSam;Missed the deadline;ahora\n";
    let file = write(&v, "mine.csv", text.as_bytes());
    let err = v.refused(&["import", &file], 2);
    assert!(err.contains("no column holds the names"), "{err}");
    let out = v.ok(&[
        "import",
        &file,
        "--preview",
        "--map",
        "name=1,did=Col B",
        "--map",
        "willing=3",
    ]);
    assert!(
        out.contains("Read as a list with headings of its own"),
        "{out}"
    );
    v.ok(&[
        "import",
        &file,
        "--map",
        "name=1,did=Col B",
        "--map",
        "willing=3",
    ]);
    let shown = v.show("Sam");
    assert_eq!(shown["willingness"], "now");
    assert_eq!(shown["harms"][0]["did"], "Missed the deadline");
    let err = v.refused(&["import", &file, "--map", "nmae=1"], 2);
    assert!(err.contains("names a field Amends does not know"), "{err}");
}

#[test]
fn one_bad_row_at_line_9000_leaves_the_vault_as_it_was() {
    let v = Vault::init();
    v.add_party("Already here", &[]);
    let mut text = String::from("Name,What I did,Willing\n");
    for i in 2..=10_001 {
        if i == 9_000 {
            text.push_str("Person 9000,Secret-Okapi words,someday-Tapir\n");
        } else {
            text.push_str(&format!("Person {i},did thing {i},now\n"));
        }
    }
    let file = write(&v, "big.csv", text.as_bytes());
    let err = v.refused(&["import", &file], 2);
    assert!(
        err.contains("\n  line 9000, column 3 (“Willing”): is not a willingness Amends knows"),
        "{err}"
    );
    assert!(err.contains("Nothing was changed"), "{err}");
    assert!(!err.contains("Tapir") && !err.contains("Okapi"), "{err}");
    assert_eq!(v.party_list().len(), 1);

    // Put right, the whole file goes in at once.
    let fixed = text.replace("someday-Tapir", "later");
    let file = write(&v, "big.csv", fixed.as_bytes());
    let out = v.ok(&["import", &file]);
    assert!(out.contains("10000 new entries with 10000 harms"), "{out}");
    assert_eq!(v.party_list().len(), 10_001);
}

#[test]
fn formula_looking_cells_are_kept_as_text() {
    let v = Vault::init();
    let text = "Name,What I did,Effect\n\
\"=HYPERLINK(\"\"http://example.com\"\",\"\"click\"\")\",@SUM(A1:A3),+1 -1\n";
    let file = write(&v, "f.csv", text.as_bytes());
    v.ok(&["import", &file]);
    let export = v.export();
    let p = &export["parties"][0];
    assert_eq!(p["name"], "=HYPERLINK(\"http://example.com\",\"click\")");
    assert_eq!(p["harms"][0]["did"], "@SUM(A1:A3)");
    assert_eq!(p["harms"][0]["effect"], "+1 -1");
    // And it is shown as the same text.
    let shown = v.ok(&["show", "1"]);
    assert!(
        shown.contains("=HYPERLINK(\"http://example.com\",\"click\")"),
        "{shown}"
    );
}

/// Amends' own CSV export read back by its own import gives back every apostrophe: a text that
/// itself starts with `'` (or with `'=`) is guarded with one more, and the import takes one off.
#[test]
fn a_leading_apostrophe_survives_export_and_import() {
    let v = Vault::init();
    v.ok(&["party", "add", "'=Dad"]);
    v.ok(&["party", "add", "'Twas Jim"]);
    v.ok(&["party", "add", "=Mum"]);
    v.ok(&[
        "harm",
        "add",
        "'=Dad",
        "--did",
        "'+lied about the car",
        "--kind",
        "trust",
    ]);
    v.ok(&[
        "harm",
        "add",
        "'Twas Jim",
        "--did",
        "''doubled quotes",
        "--kind",
        "trust",
    ]);
    let list = v.ok(&["export", "--format", "csv", "--what", "harms"]);
    let file = write(&v, "harms.csv", list.as_bytes());

    let w = Vault::init();
    w.ok(&["import", &file]);
    let export = w.export();
    let mut got: Vec<(String, String)> = export["parties"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| {
            let name = p["name"].as_str().unwrap().to_string();
            p["harms"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |h| (name.clone(), h["did"].as_str().unwrap().to_string()))
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("'=Dad".to_string(), "'+lied about the car".to_string()),
            ("'Twas Jim".to_string(), "''doubled quotes".to_string()),
        ]
    );
}

/// A sheet with more columns than any list has is refused at once, its line named; the
/// columns with writing that go nowhere are named at most a dozen at a time.
#[test]
fn a_sheet_with_very_many_columns_is_refused_and_the_unused_ones_are_counted() {
    let v = Vault::init();
    let mut text = String::from("Name,What I did");
    for c in 0..100_000 {
        text.push_str(&format!(",extra {c}"));
    }
    text.push_str(
        "
Ana,lied
",
    );
    let file = write(&v, "wide.csv", text.as_bytes());
    for args in [vec!["import", &file], vec!["import", &file, "--preview"]] {
        let o = v.run(&args);
        assert_eq!(o.status.code(), Some(2));
        let (out, err) = (stdout(&o), stderr(&o));
        assert!(
            err.contains("line 1 has more than 500 columns") && err.contains("Nothing was changed"),
            "{err}"
        );
        assert!(
            out.len() + err.len() < 2_000,
            "a short answer: {}",
            err.len()
        );
    }
    assert_eq!(v.party_list().len(), 0);

    // Trailing empty columns (as some spreadsheets save) do not count.
    let mut text = String::from("Name,What I did");
    text.push_str(&",".repeat(3_000));
    text.push_str(
        "
Ana,lied",
    );
    text.push_str(&",".repeat(3_000));
    text.push('\n');
    let file = write(&v, "trailing.csv", text.as_bytes());
    v.ok(&["import", &file]);
    assert_eq!(v.party_list().len(), 1);

    // 400 columns with writing in them and no field: named a dozen at most, the rest counted.
    let mut text = String::from("Name,What I did");
    let mut row = String::from("\nBea,shouted");
    for c in 0..400 {
        text.push_str(&format!(",extra {c}"));
        row.push_str(",x");
    }
    text.push_str(&row);
    text.push('\n');
    let file = write(&v, "unused.csv", text.as_bytes());
    let out = v.ok(&["import", &file, "--preview"]);
    assert!(out.contains("and 388 more"), "{out}");
    assert!(out.len() < 40_000, "{}", out.len());
    let out = v.ok(&["import", &file]);
    assert!(out.contains("and 388 more"), "{out}");
    assert!(out.len() < 4_000, "{}", out.len());
}

/// A `.json` file that is not UTF-8, or not there, is refused with why and nothing changed.
#[test]
fn a_json_file_that_is_not_text_is_refused_plainly() {
    let v = Vault::init();
    let file = write(
        &v,
        "export.json",
        b"{\"version\": 2, \"parties\": [\xff\xfe]}",
    );
    let err = v.fails(&["import", &file], 2);
    assert!(
        err.contains("not an Amends JSON export") && err.contains("Nothing was changed"),
        "{err}"
    );
    let missing = v.file("nowhere.json");
    let err = v.fails(&["import", &missing.to_string_lossy()], 2);
    assert!(
        err.contains("no such file") && err.contains("Nothing was changed"),
        "{err}"
    );
    assert_eq!(v.party_list().len(), 0);
}

/// A name with a hidden character that turns the direction of the text ("Mum" + U+202E +
/// "gnp.exe" shows as "Mumexe.png") is refused on every way in: typed, renamed, in a
/// spreadsheet, in a JSON export; the character is named, never the name.
#[test]
fn a_name_that_would_show_as_something_else_is_refused_on_every_way_in() {
    let spoof = "Mum\u{202E}gnp.exe";
    let v = Vault::init();
    let err = v.fails(&["party", "add", spoof], 2);
    assert!(
        err.contains("U+202E") && err.contains("Nothing was changed"),
        "{err}"
    );
    assert!(!err.contains("gnp"), "{err}");
    v.ok(&["party", "add", "Mum"]);
    let err = v.fails(&["party", "edit", "Mum", "--name", spoof], 2);
    assert!(err.contains("U+202E"), "{err}");
    let err = v.fails(&["capture", "Dad\u{2066}x", "--did", "snapped"], 2);
    assert!(err.contains("U+2066"), "{err}");
    // Someone else involved is asked for consent by name (R1): their name is held to the same.
    let err = v.fails(
        &[
            "harm",
            "add",
            "Mum",
            "--did",
            "lied",
            "--kind",
            "trust",
            "--third-party",
            spoof,
        ],
        2,
    );
    assert!(
        err.contains("third parties") && err.contains("U+202E"),
        "{err}"
    );

    let file = write(
        &v,
        "list.csv",
        format!("Name,What I did\n{spoof},lied\n").as_bytes(),
    );
    let err = v.fails(&["import", &file], 2);
    assert!(
        err.contains("line 2") && err.contains("Nothing was changed"),
        "{err}"
    );
    assert!(!err.contains("gnp"), "{err}");
    assert_eq!(common::names(&v.party_list()), ["Mum"]);

    let exported = v.file("whole.json");
    v.ok(&["export", "--output", &exported.to_string_lossy()]);
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&exported).unwrap()).unwrap();
    doc["parties"][0]["name"] = Value::String(spoof.to_string());
    let file = write(&v, "export.json", doc.to_string().as_bytes());
    let empty = Vault::init();
    let err = empty.fails(&["import", &file], 2);
    assert!(
        err.contains("parties[0].name") && err.contains("U+202E"),
        "{err}"
    );
    assert!(empty.party_list().is_empty());
}

#[test]
fn encodings_from_excel_on_windows() {
    let v = Vault::init_with(&["--currency", "EUR"]);
    let text = "Nombre;Lo que hice;Deuda;¿Dispuesto?\r\nJosé Peña;Le mentí;12,50;sí\r\n";
    let latin1: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    let file = write(&v, "lista.csv", &latin1);
    let out = v.ok(&["import", &file, "--preview"]);
    assert!(
        out.contains("Windows-1252") && out.contains("semicolons"),
        "{out}"
    );
    v.ok(&["import", &file, "--encoding", "windows-1252"]);
    let shown = v.show("José Peña");
    assert_eq!(shown["harms"][0]["did"], "Le mentí");
    assert_eq!(v.export()["parties"][0]["harms"][0]["owed"]["minor"], 1250);

    // Said to be UTF-8, it is refused at its first line, without its bytes.
    let err = v.refused(&["import", &file, "--encoding", "utf-8"], 2);
    assert!(err.contains("line 1 is not valid UTF-8"), "{err}");
    let err = v.refused(&["import", &file, "--encoding", "ebcdic"], 2);
    assert!(
        err.contains("utf-8, utf-16le, utf-16be or windows-1252"),
        "{err}"
    );

    // Bytes in no encoding Amends knows.
    let file = write(&v, "bin.csv", b"Name,What I did\nAna,\x00\x9d\xfe\n");
    let err = v.refused(&["import", &file], 2);
    assert!(
        err.contains("line 2 is in an encoding Amends cannot recognise"),
        "{err}"
    );
}

#[test]
fn a_json_export_still_restores_into_an_empty_vault() {
    let v = Vault::init();
    let file = write(&v, "list.csv", LIST.as_bytes());
    v.ok(&["import", &file]);
    let export = v.file("export.json");
    v.ok(&["export", "--output", &export.to_string_lossy()]);

    let w = Vault::init();
    let out = w.ok(&["import", &export.to_string_lossy()]);
    assert!(out.contains("Imported 3 parties"), "{out}");
    assert_eq!(w.export()["parties"], v.export()["parties"]);
    // CSV flags make no sense for it.
    let err = w.fails(&["import", &export.to_string_lossy(), "--preview"], 2);
    assert!(err.contains("for spreadsheets"), "{err}");
}

#[test]
fn a_file_too_large_is_refused_before_it_is_read() {
    let v = Vault::init();
    let path = v.file("huge.csv");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(50 * 1024 * 1024 + 1).unwrap();
    let o = v.run(&["import", &path.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(2));
    let err = common::stderr(&o);
    assert_plain_words(&err);
    assert!(err.contains("larger than 50 MiB"), "{err}");
    assert!(stdout(&o).is_empty());
}

#[test]
fn amends_own_csv_exports_come_back_in() {
    // The way out is a way in: the list table, then the harms table, of one vault imported
    // into another give the same entries, harms and willingness; words that look like
    // formulas, which the export guards with a `'`, come back as they were written.
    let a = Vault::init();
    a.add_party("Mary Jones", &["--relationship", "sister"]);
    a.ok(&[
        "harm",
        "add",
        "Mary Jones",
        "--did",
        "Lied about the money",
        "--effect=+ she stopped trusting me",
        "--kind",
        "trust",
        "--owed",
        "120",
        "--property",
        "her bicycle",
        "--source",
        "told",
    ]);
    a.ok(&["willing", "Mary Jones", "later"]);
    a.add_party("Acme Ltd", &["--kind", "organisation"]);
    a.ok(&[
        "harm",
        "add",
        "Acme Ltd",
        "--did=- took stationery, =SUM(A1)",
        "--kind",
        "property",
    ]);
    let harms = a.file("harms.csv");
    let list = a.file("list.csv");
    a.ok(&[
        "export",
        "--format",
        "csv",
        "--what",
        "harms",
        "-o",
        harms.to_str().unwrap(),
    ]);
    a.ok(&[
        "export",
        "--format",
        "csv",
        "--what",
        "list",
        "-o",
        list.to_str().unwrap(),
    ]);

    let b = Vault::init();
    // The list table first: who, what kind, how related, how willing. It sums up the harms
    // (their kinds, what is owed in all), so those two columns are left out; the harms table
    // then brings each harm to the entries it names.
    b.ok(&["import", list.to_str().unwrap(), "--map", "kinds=-,owed=-"]);
    let out = b.ok(&["import", harms.to_str().unwrap(), "--matched", "merge"]);
    assert!(
        out.contains("Added to your list: 2 entries you already had took 2 more harms."),
        "{out}"
    );

    let (was, now) = (a.export(), b.export());
    assert_eq!(now["parties"].as_array().unwrap().len(), 2);
    for name in ["Mary Jones", "Acme Ltd"] {
        let (p, q) = (party(&was, name), party(&now, name));
        for field in ["kind", "relationship"] {
            assert_eq!(p[field], q[field], "{name}: {field}");
        }
        assert_eq!(dids(p), dids(q), "{name}: no harm added twice");
        for field in [
            "effect",
            "kinds",
            "owed",
            "property",
            "source",
            "sponsor_agrees",
        ] {
            assert_eq!(
                p["harms"][0][field], q["harms"][0][field],
                "{name}: {field}"
            );
        }
    }
    let level = |e: &Value| party(e, "Mary Jones")["willingness"][0]["level"].clone();
    assert_eq!(level(&now), level(&was));
}
