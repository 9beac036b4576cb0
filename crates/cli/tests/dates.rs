//! Dates through the real binary: the date flags take a date as people write it (English,
//! Spanish or ISO) through the same reader as the web app, reasons and text show the people's
//! date, `--json` keeps ISO 8601, and an impossible or ambiguous date is refused (exit 2) with a
//! precise message and nothing changed.

use crate::common::*;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// An ISO date as people read it, written out here so the test does not lean on the code it checks.
pub(crate) fn words(iso: &str) -> String {
    let mut parts = iso.split('-');
    let (y, m, d) = (
        parts.next().unwrap(),
        parts.next().unwrap().parse::<usize>().unwrap(),
        parts.next().unwrap().parse::<u32>().unwrap(),
    );
    format!("{d} {} {y}", MONTHS[m - 1])
}

#[test]
fn dates_in_words_are_read_and_shown_in_words_while_json_keeps_iso() {
    let v = Vault::init();
    v.open_party_with_harm("Tom", "Shouted at him at the party");
    let out = v.ok(&[
        "attempt",
        "Tom",
        "--method",
        "phone",
        "--outcome",
        "no-answer",
        "--on",
        "2 March 2024",
    ]);
    assert!(out.contains("Stage: attempted on 2 March 2024"), "{out}");
    let shown = v.show("Tom");
    assert_eq!(shown["attempts"][0]["on"], "2024-03-02");
    assert!(
        shown["stage_reason"]
            .as_str()
            .unwrap()
            .contains("attempted on 2 March 2024"),
        "{shown}"
    );
    let text = v.ok(&["show", "Tom"]);
    assert!(
        text.contains("  2 March 2024 by phone: no answer"),
        "{text}"
    );
    assert!(
        !text.contains("2024-03-02"),
        "ISO date in the text:\n{text}"
    );

    // Spanish, and the month first with a comma, read the same way.
    v.open_party_with_harm("Ana", "Took her savings");
    v.ok(&[
        "consult",
        "Ana",
        "--with",
        "sponsor",
        "--advice",
        "go gently",
        "--on",
        "5 de marzo de 2024",
    ]);
    v.ok(&[
        "consult",
        "Ana",
        "--with",
        "therapist",
        "--advice",
        "write it first",
        "--on",
        "March 6, 2024",
    ]);
    let consulted: Vec<String> = v.show("Ana")["consultations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["on"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(consulted, ["2024-03-05", "2024-03-06"]);
    let text = v.ok(&["show", "Ana"]);
    assert!(text.contains("5 March 2024 sponsor"), "{text}");
    assert!(
        text.contains("6 March 2024 therapist or counsellor"),
        "{text}"
    );
}

#[test]
fn a_review_date_in_a_reason_and_in_the_due_list_is_the_peoples_date() {
    let v = Vault::init();
    v.open_party("Uncle");
    let review = days_from_today(40);
    let typed = words(&review);
    v.ok(&[
        "defer",
        "Uncle",
        "--reason",
        "not while he is ill",
        "--review",
        &typed,
    ]);
    assert_eq!(
        v.stage_reason("Uncle"),
        format!("deferred: look at it again on {typed}")
    );
    let due = v.json(&["due", "--json", "--within", "60"]);
    assert_eq!(due[0]["on"], review.as_str(), "{due}");
    let text = v.ok(&["due", "--within", "60"]);
    assert!(text.starts_with(&format!("{typed}  Uncle:")), "{text}");
    assert!(!text.contains(&review), "ISO date in the text:\n{text}");

    // A review more than a year away is refused with the last day allowed, in words.
    let err = v.refused(
        &[
            "defer",
            "Uncle",
            "--reason",
            "later",
            "--review",
            &days_from_today(800),
        ],
        2,
    );
    let latest_words = words(&days_from_today(365));
    let latest_leap = words(&days_from_today(366));
    assert!(
        err.contains(&format!("on or before {latest_words}"))
            || err.contains(&format!("on or before {latest_leap}")),
        "{err}"
    );
}

#[test]
fn thirty_first_of_february_is_refused_with_the_length_of_the_month_and_nothing_changes() {
    let v = Vault::init();
    v.open_party_with_harm("Tom", "Shouted at him at the party");
    for (args, says) in [
        (
            &[
                "attempt",
                "Tom",
                "--method",
                "phone",
                "--outcome",
                "warm",
                "--on",
                "31 February 2025",
            ][..],
            "amends: date: February 2025 has 28 days, so there is no 31 February 2025; check the day. Nothing was changed.",
        ),
        (
            &[
                "commit",
                "promise",
                "Tom",
                "--text",
                "call every Sunday",
                "--due",
                "30 de febrero de 2028",
            ],
            "amends: due: February 2028 has 29 days, so there is no 30 February 2028; check the day. Nothing was changed.",
        ),
        (
            &[
                "defer",
                "Tom",
                "--reason",
                "not yet",
                "--review",
                "31 April 2099",
            ],
            "amends: review date: April 2099 has 30 days, so there is no 31 April 2099; check the day. Nothing was changed.",
        ),
        (
            &["plan", "Tom", "--method", "letter", "--on", "03/04/2099"],
            "amends: date: these numbers can be read as 3 April 2099 or as 4 March 2099; write the month in words, e.g. 3 April 2099. Nothing was changed.",
        ),
        (
            &["plan", "Tom", "--method", "letter", "--on", "7 December"],
            "amends: date: give the year too, e.g. 7 December 2026. Nothing was changed.",
        ),
    ] {
        let err = v.refused(args, 2);
        assert_eq!(err.trim(), says, "{args:?}");
    }
    assert!(v.show("Tom")["attempts"].as_array().unwrap().is_empty());
    assert!(v.show("Tom")["plan"].is_null());
}

#[test]
fn the_help_of_a_date_flag_shows_a_date_in_words() {
    let v = Vault::init();
    let out = v.ok(&["defer", "--help"]);
    assert!(out.contains("7 December 2026"), "{out}");
}
