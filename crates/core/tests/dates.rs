//! The date reader (`dates::read`) on two sets of typed dates: `dates_dev/` (written while the
//! reader was tuned) and `dates_frozen/` (written before the reader existed, never edited to suit
//! it). Both scores are printed. On either set a wrong date is a failure: the reader may ask about
//! a date it could have read, but it must never read one as another day.

use amends_core::dates::{self, DateProblem};
use jiff::civil::{Date, date};
use serde::Deserialize;

/// "Today" for the relative words in both sets.
const TODAY: Date = date(2026, 5, 3);

#[derive(Deserialize)]
struct Case {
    typed: String,
    expect: String,
}

#[derive(Default, Debug)]
struct Score {
    right: usize,
    missed: Vec<String>,
    wrong: Vec<String>,
}

fn read(file: &str) -> Vec<Case> {
    serde_json::from_str(
        &std::fs::read_to_string(format!("{}/tests/{file}", env!("CARGO_MANIFEST_DIR")))
            .expect("the set is in the repository"),
    )
    .expect("the set is valid JSON")
}

fn score(file: &str) -> (usize, Score) {
    let cases = read(file);
    let mut s = Score::default();
    for c in &cases {
        let got: Result<Date, DateProblem> = dates::read(&c.typed, TODAY);
        let seen = format!("{:?} -> {:?} (expected {})", c.typed, got, c.expect);
        match (c.expect.as_str(), got) {
            ("ask", Err(_)) => s.right += 1,
            ("impossible", Err(e)) if e.is_impossible() => s.right += 1,
            ("impossible", Err(_)) => s.missed.push(seen),
            ("ask" | "impossible", Ok(_)) => s.wrong.push(seen),
            (want, Ok(d)) if want == d.to_string() => s.right += 1,
            (_, Ok(_)) => s.wrong.push(seen),
            (_, Err(_)) => s.missed.push(seen),
        }
    }
    (cases.len(), s)
}

fn report(name: &str, file: &str) -> Score {
    let (n, s) = score(file);
    println!(
        "dates {name}: {}/{n} read as expected ({:.1}%), {} asked about that could have been read, {} wrong",
        s.right,
        100.0 * s.right as f64 / n as f64,
        s.missed.len(),
        s.wrong.len()
    );
    for m in &s.missed {
        println!("  missed: {m}");
    }
    for w in &s.wrong {
        println!("  WRONG: {w}");
    }
    assert!(n >= 50, "the {name} set has {n} cases");
    s
}

#[test]
fn the_frozen_set_is_never_read_wrong() {
    let s = report("frozen", "dates_frozen/cases.json");
    assert!(s.wrong.is_empty(), "wrong readings: {:#?}", s.wrong);
    assert!(s.missed.len() <= 5, "too many missed: {:#?}", s.missed);
}

#[test]
fn the_dev_set_is_never_read_wrong() {
    let s = report("dev", "dates_dev/cases.json");
    assert!(s.wrong.is_empty(), "wrong readings: {:#?}", s.wrong);
    assert!(s.missed.is_empty(), "missed: {:#?}", s.missed);
}
