//! The spreadsheet reader as the CLI and the web app use it: bytes in, checked parties out.

use amends_core::Currency;
use amends_core::model::{HarmKind, HarmSource, PartyKind, Settings, Willingness};
use amends_transfer::csv_in::{
    self, Encoding, Field, HandMap, Layout, Mapping, Options, ReadError, match_names, name_key,
};

fn settings() -> Settings {
    Settings::default()
}

fn check(bytes: &[u8]) -> csv_in::Checked {
    csv_in::import(bytes, &Options::default(), &settings()).expect("the file reads")
}

fn check_with(bytes: &[u8], mapping: Mapping) -> csv_in::Checked {
    let options = Options {
        encoding: None,
        mapping,
    };
    csv_in::import(bytes, &options, &settings()).expect("the file reads")
}

fn problems(c: &csv_in::Checked) -> Vec<String> {
    c.problems.iter().map(|p| p.to_string()).collect()
}

const EIGHTH: &str = "\u{feff}Name,Relationship,What I did,Effect on them,What I should have done,Kind of harm,When,Owed,Willing?\r\n\
Mum,mother,Shouted at her at Christmas,She cried,Kept calm,emotional,2019,,yes\r\n\
Acme Ltd,employer,Took stationery,,,property,2018,\"$1,200.50\",later\r\n\
 mum ,,Missed her birthday,,,neglect; time,2020,,maybe\r\n\
Tom,old friend,,,,,,,\r\n\
\r\n\
,,,,,,,,\r\n";

#[test]
fn an_eighth_step_list_becomes_parties_with_their_harms() {
    let c = check(EIGHTH.as_bytes());
    assert!(c.is_ok(), "{:?}", problems(&c));
    assert_eq!(c.layout, Layout::EighthStep);
    assert_eq!(c.encoding, Encoding::Utf8);
    assert_eq!(c.rows, 4, "blank rows are not rows");
    assert_eq!(c.parties.len(), 3, "the two rows for Mum are one party");
    let mum = &c.parties[0];
    assert_eq!(mum.name, "Mum", "the first spelling is kept");
    assert_eq!(mum.relationship, "mother");
    assert_eq!(mum.harms.len(), 2);
    assert_eq!(mum.harms[0].did, "Shouted at her at Christmas");
    assert_eq!(mum.harms[0].effect, "She cried");
    assert_eq!(mum.harms[0].should, "Kept calm");
    assert_eq!(mum.harms[0].kinds, vec![HarmKind::Emotional]);
    assert_eq!(mum.harms[0].line, 2);
    assert_eq!(mum.harms[1].line, 4);
    assert_eq!(mum.harms[1].kinds, vec![HarmKind::Neglect, HarmKind::Time]);
    assert_eq!(mum.harms[0].source, HarmSource::Memory);
    assert_eq!(
        mum.willingness,
        Some(Willingness::Maybe),
        "the least willing of yes and maybe"
    );
    assert_eq!(c.remarks.len(), 1, "{:?}", c.remarks);
    let acme = &c.parties[1];
    assert_eq!(acme.harms[0].owed.map(|m| m.minor), Some(120050));
    assert_eq!(acme.harms[0].kinds, vec![HarmKind::Property]);
    assert_eq!(acme.willingness, Some(Willingness::Later));
    let tom = &c.parties[2];
    assert!(
        tom.harms.is_empty(),
        "a name alone is a party with no harm yet"
    );
    assert_eq!(tom.willingness, None);
    assert_eq!(tom.kind, PartyKind::Person);
}

/// Windows-1252 bytes of `text` (which holds only characters of Latin-1).
fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).expect("a Latin-1 character"))
        .collect()
}

#[test]
fn a_spanish_list_from_excel_on_windows_with_semicolons() {
    let text = "Nombre;Relación;Lo que hice;Cómo le afectó;Tipo de daño;Deuda;¿Dispuesto?\r\n\
José Peña;vecino;Le mentí sobre el coche;Perdió confianza;confianza y económico;1.200,50;sí\r\n\
Begoña;;Dejé de llamarla;;descuido;;más tarde\r\n";
    let bytes = latin1(text);
    assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8");
    let c = check(&bytes);
    assert!(c.is_ok(), "{:?}", problems(&c));
    assert_eq!(c.encoding, Encoding::Windows1252, "recognised by itself");
    assert_eq!(c.delimiter, csv_in::Delimiter::Semicolon);
    assert_eq!(c.parties[0].name, "José Peña");
    assert_eq!(c.parties[0].harms[0].did, "Le mentí sobre el coche");
    assert_eq!(
        c.parties[0].harms[0].kinds,
        vec![HarmKind::Trust, HarmKind::Financial]
    );
    assert_eq!(c.parties[0].harms[0].owed.map(|m| m.minor), Some(120050));
    assert_eq!(c.parties[0].willingness, Some(Willingness::Now));
    assert_eq!(c.parties[1].willingness, Some(Willingness::Later));

    // Asked for by name, the same.
    let asked = Options {
        encoding: Some(Encoding::Windows1252),
        mapping: Mapping::Auto,
    };
    let c2 = csv_in::import(&bytes, &asked, &settings()).unwrap();
    assert_eq!(c2.parties, c.parties);
    // Asked for UTF-8, it is refused at the first line that is not.
    let utf8 = Options {
        encoding: Some(Encoding::Utf8),
        mapping: Mapping::Auto,
    };
    let e = csv_in::import(&bytes, &utf8, &settings()).unwrap_err();
    assert_eq!(
        e,
        ReadError::Unreadable {
            line: 1,
            asked: Some(Encoding::Utf8)
        }
    );
    assert!(
        e.to_string().starts_with("line 1 is not valid UTF-8"),
        "{e}"
    );
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for u in text.encode_utf16() {
        out.extend(if big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        });
    }
    out
}

#[test]
fn unicode_text_from_excel_is_utf16_with_tabs() {
    let text = "Name\tWhat I did\tWilling\r\nZoë 🌱\tBorrowed the car\tnow\r\n";
    for be in [false, true] {
        let c = check(&utf16(text, be));
        assert!(c.is_ok(), "{:?}", problems(&c));
        assert_eq!(
            c.encoding,
            if be {
                Encoding::Utf16Be
            } else {
                Encoding::Utf16Le
            }
        );
        assert_eq!(c.delimiter, csv_in::Delimiter::Tab);
        assert_eq!(c.parties[0].name, "Zoë 🌱");
        assert_eq!(c.parties[0].harms[0].did, "Borrowed the car");
    }
    // Half a character at the end.
    let mut broken = utf16(text, false);
    broken.push(0x41);
    assert!(matches!(
        csv_in::read(&broken, None),
        Err(ReadError::Unreadable { line: 3, .. })
    ));
}

#[test]
fn bytes_in_no_encoding_amends_knows_are_refused_naming_the_line() {
    let mut bytes = b"Name,What I did\nSam,ok\nAlex,".to_vec();
    bytes.extend([0x00, 0x9D, 0xFE, 0x01]);
    let e = csv_in::read(&bytes, None).err().expect("refused");
    assert_eq!(
        e,
        ReadError::Unreadable {
            line: 3,
            asked: None
        }
    );
    let words = e.to_string();
    assert!(
        words.contains("line 3") && words.contains("CSV UTF-8"),
        "{words}"
    );
}

#[test]
fn the_resentment_list_files_my_part_as_what_i_did_and_the_cause_in_the_notes() {
    let text = "I'm resentful at,The cause,Affects my,My part\n\
Dad,Never came to my games,Self-esteem,I lied to him about school\n\
The boss,Passed me over,\"Security, ambitions\",\n";
    let c = check(text.as_bytes());
    assert!(c.is_ok(), "{:?}", problems(&c));
    assert_eq!(c.layout, Layout::Resentment);
    let dad = &c.parties[0];
    assert_eq!(dad.harms.len(), 1);
    assert_eq!(dad.harms[0].did, "I lied to him about school");
    assert_eq!(dad.harms[0].source, HarmSource::Inventory);
    assert_eq!(
        dad.notes,
        "The cause: Never came to my games\n\nAffects my: Self-esteem"
    );
    let boss = &c.parties[1];
    assert!(
        boss.harms.is_empty(),
        "what they did to me is not a harm I did"
    );
    assert!(boss.notes.starts_with("The cause: Passed me over"));
}

#[test]
fn the_harms_done_inventory_keeps_where_i_was_at_fault_in_the_notes() {
    let text = "Who did I harm?,What did I do?,Did I arouse jealousy suspicion or bitterness?,Where was I at fault?,What should I have done instead?\n\
Ex-partner,Read her messages,Suspicion,Selfish and frightened,Talked to her\n";
    let c = check(text.as_bytes());
    assert!(c.is_ok(), "{:?}", problems(&c));
    assert_eq!(c.layout, Layout::HarmsDone);
    let p = &c.parties[0];
    assert_eq!(p.harms[0].did, "Read her messages");
    assert_eq!(p.harms[0].effect, "Suspicion");
    assert_eq!(p.harms[0].should, "Talked to her");
    assert_eq!(p.notes, "Where was I at fault?: Selfish and frightened");
    assert_eq!(p.harms[0].source, HarmSource::Inventory);
}

#[test]
fn headings_amends_does_not_know_are_mapped_by_hand() {
    let text = "Col A,Col B,Col C,Col D\nSam,work,Missed the deadline,now\n";
    let c = check(text.as_bytes());
    assert_eq!(c.layout, Layout::Custom);
    assert!(!c.is_ok());
    assert!(problems(&c)[0].contains("no column holds the names"));

    let map = HandMap::parse("name=1,relationship=Col B,did=col c, willing=4").unwrap();
    let c = check_with(text.as_bytes(), Mapping::Hand(map));
    assert!(c.is_ok(), "{:?}", problems(&c));
    assert_eq!(c.layout, Layout::Custom);
    assert_eq!(c.parties[0].relationship, "work");
    assert_eq!(c.parties[0].harms[0].did, "Missed the deadline");
    assert_eq!(c.parties[0].willingness, Some(Willingness::Now));

    // The same, one select per column.
    let cols = vec![
        Some(Field::Name),
        Some(Field::Relationship),
        Some(Field::Did),
        Some(Field::Willingness),
    ];
    let c2 = check_with(text.as_bytes(), Mapping::Columns(cols.clone()));
    assert_eq!(c2.parties, c.parties);
    assert_eq!(c2.mapping(), cols);

    // A field chosen for two columns is a problem to choose about.
    let twice = vec![Some(Field::Name), Some(Field::Did), Some(Field::Did), None];
    let c3 = check_with(text.as_bytes(), Mapping::Columns(twice));
    assert_eq!(
        problems(&c3),
        vec![
            "column 3 (“Col C”): is set to what I did as well as column 2; a field takes one column, so choose one"
                .to_string()
        ]
    );

    // A mapping naming columns the file does not have.
    let wrong = HandMap::parse("name=9,did=Nowhere").unwrap();
    let c4 = check_with(text.as_bytes(), Mapping::Hand(wrong));
    let p = problems(&c4);
    assert!(p[0].contains("columns are 1 to 4"), "{p:?}");
    assert!(p[1].contains("not in the file's first line") && !p[1].contains("Nowhere"));
}

#[test]
fn every_bad_cell_is_named_by_line_and_column_without_its_value() {
    let secret = "Secret-Okapi";
    let text = format!(
        "Name,What I did,Owed,Willing,Kind\n\
Ana,ok,,now,\n\
Ben,ok,{secret},now,\n\
,{secret},,,\n\
Cal,ok,,{secret},\n\
Dee,ok,,,{secret}\n\
1234,ok,,,\n\
Eve,\"{long}\",,,\n\
Fay,,5,,\n",
        long = "x".repeat(20_001)
    );
    let c = check(text.as_bytes());
    let p = problems(&c);
    assert_eq!(
        p,
        vec![
            "line 3, column 3 (“Owed”): is not an amount in USD; write it in figures, like 12.50",
            "line 4, column 1 (“Name”): is empty; every row needs the name of whom it is about (a row about no one can be deleted)",
            "line 5, column 4 (“Willing”): is not a willingness Amends knows; write now, later, maybe or never (yes and no, in English or Spanish, work too), or leave it empty",
            "line 6, column 5 (“Kind”): is not a kind of party Amends knows; write one of person, organisation, deceased, unreachable, group, self (or leave it empty for a person)",
            "line 7, column 1 (“Name”): cannot be only digits, because numbers refer to entries by id; add a word",
            "line 8, column 2 (“What I did”): is 20001 characters long; the most it can hold is 20000",
            "line 9, column 2 (“What I did”): is empty, but the row describes a harm; write what you did, or empty the row's other harm cells",
        ]
    );
    for line in &p {
        assert!(!line.contains(secret));
    }
    assert!(!c.is_ok());
}

#[test]
fn a_hundred_problems_are_listed_and_the_rest_counted() {
    let mut text = String::from("Name,Willing\n");
    for i in 0..250 {
        text.push_str(&format!("P{i},soonish\n"));
    }
    let c = check(text.as_bytes());
    assert_eq!(c.problems.len(), csv_in::MAX_PROBLEMS);
    assert_eq!(c.more_problems, 150);
    assert_eq!(c.problem_count(), 250);
    assert!(c.problems[99].to_string().starts_with("line 101, column 2"));
}

#[test]
fn formula_looking_cells_stay_the_text_they_are() {
    let text = "Name,What I did,Effect,Notes\n\
\"=HYPERLINK(\"\"http://example.com\"\",\"\"click\"\")\",+1 called them,-2 points,@SUM(A1:A2)\n";
    let c = check(text.as_bytes());
    assert!(c.is_ok(), "{:?}", problems(&c));
    let p = &c.parties[0];
    assert_eq!(p.name, "=HYPERLINK(\"http://example.com\",\"click\")");
    assert_eq!(p.harms[0].did, "+1 called them");
    assert_eq!(p.harms[0].effect, "-2 points");
    assert_eq!(p.notes, "@SUM(A1:A2)");
}

#[test]
fn a_huge_file_is_refused_before_any_work() {
    let big = vec![b'a'; csv_in::MAX_BYTES + 1];
    assert_eq!(csv_in::read(&big, None).err(), Some(ReadError::TooLarge));
    let mut rows = String::from("Name\n");
    for i in 0..=csv_in::MAX_ROWS {
        rows.push_str(&format!("p{i}\n"));
    }
    assert_eq!(
        csv_in::read(rows.as_bytes(), None).err(),
        Some(ReadError::TooManyRows)
    );
    assert_eq!(
        csv_in::read(b"\n\n , \n", None).err(),
        Some(ReadError::Empty)
    );
}

#[test]
fn lines_count_from_the_file_even_after_a_cell_on_several_lines() {
    let text = "sep=;\nName;What I did\nAna;\"first line\nsecond line\"\nBen;\"=1+1\"\n;x\n";
    let c = check(text.as_bytes());
    assert_eq!(c.delimiter, csv_in::Delimiter::Semicolon);
    assert_eq!(c.parties[0].harms[0].did, "first line\nsecond line");
    assert_eq!(c.parties[1].harms[0].line, 5);
    assert!(problems(&c)[0].starts_with("line 6, column 1 (“Name”)"));
}

#[test]
fn rows_for_one_name_must_agree_on_who_they_are() {
    let text = "Name,Relationship,Kind,What I did\n\
Sam,brother,person,a\n\
SAM,cousin,,b\n\
sam,,organisation,c\n";
    let p = problems(&check(text.as_bytes()));
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(
        p[0].starts_with(
            "line 3, column 2 (“Relationship”): gives another relationship than line 2"
        )
    );
    assert!(p[1].starts_with("line 4, column 3 (“Kind”): gives another kind than line 2"));
}

#[test]
fn yourself_on_the_list_needs_the_setting() {
    let text = "Name,Kind,What I did\nMe,self,neglected my health\n";
    let off = check(text.as_bytes());
    assert!(problems(&off)[0].contains("amends to yourself are turned off"));
    let on = Settings {
        amends_to_self: true,
        ..Settings::default()
    };
    let c = csv_in::import(text.as_bytes(), &Options::default(), &on).unwrap();
    assert!(c.is_ok());
    assert_eq!(c.parties[0].kind, PartyKind::Myself);
}

#[test]
fn amounts_are_in_the_lists_currency() {
    let text = "Name,What I did,Owed\nBank,missed payments,950\nShop,took a book,12 EUR\n";
    let eur = Settings {
        currency: Currency::parse("EUR").unwrap(),
        ..Settings::default()
    };
    let c = csv_in::import(text.as_bytes(), &Options::default(), &eur).unwrap();
    assert!(c.is_ok(), "{:?}", problems(&c));
    assert_eq!(c.parties[0].harms[0].owed.unwrap().currency.code(), "EUR");
    let usd = check(text.as_bytes());
    assert!(problems(&usd)[0].contains("another currency than your list's (USD)"));
}

#[test]
fn cells_beyond_the_headings_are_not_dropped_silently() {
    let text = "Name,What I did\nSam,late,an extra cell\n";
    let p = problems(&check(text.as_bytes()));
    assert_eq!(
        p,
        vec![
            "line 2, column 3: has something in it but no heading and no field; give the column a heading, or empty the cell"
        ]
    );
}

#[test]
fn names_on_the_list_are_matched_without_case_or_accents() {
    let text = "Name,What I did\nJosé,a\nANA,b\nNew person,c\n";
    let c = check(text.as_bytes());
    let existing = [
        (7, "jose", false),
        (3, "Ana", true),
        (9, "Ana", false),
        (4, "Someone else", false),
    ];
    let m = match_names(&c.parties, existing.iter().map(|(i, n, a)| (*i, *n, *a)));
    assert_eq!(m.len(), 2);
    assert_eq!(m[0].party, 0);
    assert_eq!(
        m[0].existing.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![7]
    );
    assert_eq!(m[1].party, 1);
    assert_eq!(m[1].existing.len(), 2);
    assert!(m[1].existing[0].set_aside && !m[1].existing[1].set_aside);
    assert_eq!(name_key("José"), name_key("JOSE"));
}

#[test]
fn files_that_are_not_csv_are_named_for_what_they_are() {
    let cases: [(&[u8], &str); 5] = [
        (b"PK\x03\x04\x14\x00\x06\x00", "spreadsheet workbook"),
        (
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00",
            "older Excel workbook",
        ),
        (b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n", "this is a PDF"),
        (b"  {\"format\": \"amends-export\"}", "this is a JSON file"),
        (b"\xEF\xBB\xBF{\"a\": 1}", "this is a JSON file"),
    ];
    for (bytes, words) in cases {
        let Err(e) = csv_in::read(bytes, None) else {
            panic!("read as a sheet: {words}");
        };
        assert!(e.to_string().contains(words), "{e}");
        assert!(e.to_string().contains("CSV"), "{e}");
    }
    // A sheet whose first cell starts with a brace is still a sheet.
    assert!(csv_in::read(b"Name\n{Mom}\n", None).is_ok());
}

#[test]
fn columns_with_writing_that_go_nowhere_are_said() {
    let c = check(b"Name,My behaviour,Blank,$$\nMom,yelled,,20\n");
    assert_eq!(c.parties.len(), 1);
    let said = c.remarks.join(" ");
    assert!(
        said.contains("column 2 (My behaviour)") && said.contains("column 4 ($$)"),
        "{said}"
    );
    assert!(
        !said.contains("Blank"),
        "an empty column is not mentioned: {said}"
    );
}

#[test]
fn ready_to_make_amends_is_willingness_in_every_layout() {
    let c = check(b"Who I hurt,My behaviour,Ready to make amends\nMom,yelled at her,yes\n");
    assert_eq!(
        c.columns[2].field,
        Some(Field::Willingness),
        "{:?}",
        c.columns
    );
    assert_eq!(c.parties[0].willingness, Some(Willingness::Now));
}

/// Found by fuzzing: a file whose lines end with a CR alone (Excel for Mac's "CSV (Macintosh)")
/// numbered every row as line 1, so each problem pointed at the headings.
#[test]
fn lines_ending_with_a_carriage_return_alone_are_numbered() {
    let c = check(b"Name,What I did,Willing\rMum,Shouted at her,soonish\rTom,Took his bike,now\r");
    assert_eq!(c.rows, 2);
    assert_eq!(c.parties[0].name, "Tom");
    assert_eq!(c.parties[0].harms[0].line, 3);
    assert_eq!(c.problems.len(), 1);
    assert_eq!(c.problems[0].line, Some(2));
}
