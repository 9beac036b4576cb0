//! The amount reader (`Money::read`) on two sets of typed amounts: `money_dev/` (written while
//! the reader was tuned) and `money_frozen/` (written before the reader existed and never
//! edited to suit it). Both scores are printed. The frozen set must be read exactly where the
//! entry is unambiguous, and an ambiguous entry must never be read one way in silence.

use amends_core::model::Language;
use amends_core::money::{Currency, Money, Unread};

struct Case {
    line: usize,
    currency: Currency,
    language: Language,
    typed: String,
    expected: Expected,
}

#[derive(Debug, PartialEq)]
enum Expected {
    Amount(String),
    Ask(String, String),
    Error,
}

fn read_set(dir: &str) -> Vec<Case> {
    let path = format!("{}/tests/{dir}/amounts.tsv", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).expect("the set is in the repository");
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 4, "{dir} line {}: four columns", i + 1);
        let expected = match cols[3].split(' ').collect::<Vec<_>>().as_slice() {
            ["error"] => Expected::Error,
            ["ask", a, b] => Expected::Ask(a.to_string(), b.to_string()),
            [a] => Expected::Amount(a.to_string()),
            _ => panic!("{dir} line {}: unknown expectation", i + 1),
        };
        cases.push(Case {
            line: i + 1,
            currency: Currency::parse(cols[0]).expect("a currency"),
            language: Language::parse(cols[1]).expect("a language"),
            typed: cols[2].to_string(),
            expected,
        });
    }
    cases
}

/// The reader's answer in the sets' terms.
fn answer(c: &Case) -> Expected {
    match Money::read(&c.typed, c.currency, c.language) {
        Ok(m) => Expected::Amount(m.amount_string()),
        Err(Unread::Ambiguous(a)) => {
            Expected::Ask(a.readings[0].amount_string(), a.readings[1].amount_string())
        }
        Err(Unread::Invalid(_)) => Expected::Error,
    }
}

fn same(expected: &Expected, got: &Expected) -> bool {
    match (expected, got) {
        (Expected::Ask(a, b), Expected::Ask(x, y)) => (a == x && b == y) || (a == y && b == x),
        _ => expected == got,
    }
}

#[derive(Default)]
struct Score {
    right: usize,
    cases: usize,
    /// An ambiguous entry read one way without asking.
    guessed: usize,
    misses: Vec<String>,
}

fn score(dir: &str) -> Score {
    let mut s = Score::default();
    for c in read_set(dir) {
        let got = answer(&c);
        s.cases += 1;
        if same(&c.expected, &got) {
            s.right += 1;
        } else {
            if matches!(c.expected, Expected::Ask(..)) && matches!(got, Expected::Amount(_)) {
                s.guessed += 1;
            }
            s.misses.push(format!(
                "{dir} line {}: {:?} in {} ({:?}): expected {:?}, read {:?}",
                c.line, c.typed, c.currency, c.language, c.expected, got
            ));
        }
    }
    eprintln!(
        "money {dir}: {} of {} read as expected ({:.1}%), {} ambiguous entries guessed",
        s.right,
        s.cases,
        100.0 * s.right as f64 / s.cases.max(1) as f64,
        s.guessed
    );
    for m in &s.misses {
        eprintln!("  {m}");
    }
    s
}

#[test]
fn money_frozen_set_is_read_exactly_and_never_guessed() {
    let dev = score("money_dev");
    let frozen = score("money_frozen");
    assert!(frozen.cases >= 60, "the frozen set has at least 60 amounts");
    assert_eq!(
        frozen.guessed, 0,
        "an ambiguous amount was read without asking"
    );
    assert!(frozen.misses.is_empty(), "{}", frozen.misses.join("\n"));
    assert_eq!(
        dev.guessed, 0,
        "an ambiguous amount was read without asking"
    );
}

#[test]
fn money_shown_amounts_read_back_as_themselves() {
    for code in ["EUR", "USD", "JPY", "KWD", "GBP", "CLP", "BHD"] {
        let c = Currency::parse(code).unwrap();
        for minor in [
            0,
            1,
            7,
            99,
            100,
            1_250,
            12_500,
            125_000,
            1_250_000,
            999_999_999,
        ] {
            let m = Money::new(minor, c);
            for lang in [Language::En, Language::Es] {
                // A three-decimal currency shows 1.250 KWD as its people write it, which the
                // reader asks about; what is put into a field is read back as itself.
                let shown = if c.exponent() == 3 {
                    vec![]
                } else {
                    vec![m.show(lang)]
                };
                for text in shown.into_iter().chain([m.typed(lang)]) {
                    assert_eq!(
                        Money::read(&text, c, lang),
                        Ok(m),
                        "{text} in {code} ({lang:?})"
                    );
                }
            }
        }
    }
}

#[test]
fn money_ambiguous_entry_says_how_to_write_each_reading() {
    let eur = Currency::parse("EUR").unwrap();
    let Err(Unread::Ambiguous(a)) = Money::read("1.250", eur, Language::Es) else {
        panic!("1.250 in EUR is asked about");
    };
    assert_eq!(a.readings[0].minor, 125_000, "Spanish groups with a point");
    for i in 0..2 {
        assert_eq!(
            Money::read(&a.plain(i), eur, Language::Es),
            Ok(a.readings[i])
        );
        assert_eq!(
            Money::read(&a.plain(i), eur, Language::En),
            Ok(a.readings[i])
        );
    }
    let words = a.message();
    assert!(
        words.contains("1.250,00 EUR") && words.contains("1,25 EUR"),
        "{words}"
    );
}

/// What a restitution has paid is counted in one place: only its own currency, and never past
/// the largest number (the views once added with a plain sum, which could overflow).
#[test]
fn a_total_counts_one_currency_and_never_overflows() {
    let eur = Currency::parse("EUR").unwrap();
    let usd = Currency::parse("USD").unwrap();
    let t = Money::total(
        [
            Money::new(250, eur),
            Money::new(100, usd),
            Money::new(50, eur),
        ],
        eur,
    );
    assert_eq!(t, Money::new(300, eur));
    let huge = Money::total([Money::new(i64::MAX - 1, eur), Money::new(10, eur)], eur);
    assert_eq!(huge.minor, i64::MAX);
    assert_eq!(Money::total([], eur), Money::new(0, eur));
}
