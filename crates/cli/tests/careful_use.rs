//! What a careful person runs into when they come back to an entry: answers that add up rather
//! than vanish, plans that keep their script, and notes where a rule still matters.

use crate::common;

use common::*;

#[test]
fn safety_answers_add_up_and_only_clear_lifts_one() {
    let v = Vault::init();
    v.add_party("Jess", &[]);
    v.ok(&["safety", "Jess", "--court-order"]);
    // A second answer adds to the first: the court order is still there.
    let out = v.ok(&["safety", "Jess", "--my-safety"]);
    assert!(out.contains("no contact of any kind"), "{out}");
    let answers = &v.show("Jess")["safety"];
    assert_eq!(answers["court_order"], true);
    assert_eq!(answers["my_safety"], true);

    // Recording the legal decision alone changes nothing else.
    v.ok(&["safety", "Jess", "--legal-risk"]);
    v.ok(&[
        "safety",
        "Jess",
        "--legal-decision",
        "Repay through the court",
    ]);
    let answers = &v.show("Jess")["safety"];
    assert_eq!(answers["legal_risk"], true);
    assert_eq!(answers["court_order"], true);
    assert_eq!(answers["legal_decision"], "Repay through the court");

    // --none cannot wipe standing answers; --clear lifts one, with a word of caution.
    let err = v.refused(&["safety", "Jess", "--none"], 2);
    assert!(err.contains("--clear"), "{err}");
    let (out, notes) = v.ok_both(&["safety", "Jess", "--clear", "court-order,my-safety"]);
    assert!(notes.contains("Lifted: court-order."), "{notes}");
    assert!(notes.contains("ask a lawyer"), "{notes}");
    assert!(!out.contains("no contact of any kind"), "{out}");
    assert_eq!(v.show("Jess")["safety"]["court_order"], false);

    let err = v.refused(&["safety", "Jess", "--clear", "bravery"], 2);
    assert!(err.contains("court-order"), "{err}");
}

#[test]
fn changing_a_plan_keeps_what_was_not_mentioned() {
    let v = Vault::init();
    v.open_party("Mum");
    let script = v.file("mum.txt");
    std::fs::write(&script, "Mum, I came to say I was wrong.\n").unwrap();
    v.ok(&[
        "plan",
        "Mum",
        "--method",
        "face-to-face",
        "--script-file",
        script.to_str().unwrap(),
        "--place",
        "her kitchen",
        "--on",
        "2099-01-01",
    ]);
    v.ok(&["plan", "Mum", "--on", "2099-02-01"]);
    let plan = &v.show("Mum")["plan"];
    assert_eq!(plan["method"], "face-to-face");
    assert_eq!(plan["script"], "Mum, I came to say I was wrong.");
    assert_eq!(plan["place"], "her kitchen");
    assert_eq!(plan["on"], "2099-02-01");
    v.ok(&["plan", "Mum", "--clear-date"]);
    assert_eq!(v.show("Mum")["plan"]["on"], serde_json::Value::Null);

    // A first plan needs its method.
    v.open_party("Dad");
    let err = v.refused(&["plan", "Dad", "--script", "Dad,"], 2);
    assert!(err.contains("needs a method"), "{err}");
}

#[test]
fn deferrals_are_for_what_is_still_to_do() {
    let v = Vault::init();
    v.open_party("Pat");
    let review = days_from_today(30);
    v.ok(&[
        "defer",
        "Pat",
        "--reason",
        "Not yet steady",
        "--review",
        &review,
    ]);
    let later = days_from_today(60);
    let (_, note) = v.ok_both(&["defer", "Pat", "--reason", "Still not", "--review", &later]);
    assert!(note.contains(&format!("reviewed on {review}")), "{note}");

    // An attempt ends the deferral, and says so.
    let (_, note) = v.ok_both(&[
        "attempt",
        "Pat",
        "--method",
        "face-to-face",
        "--outcome",
        "warm",
    ]);
    assert!(note.contains("ends the deferral"), "{note}");
    assert_eq!(v.stage("Pat"), "complete");

    // Nothing is left to put off.
    let err = v.rule_refused(
        &["defer", "Pat", "--reason", "later", "--review", &later],
        "R9",
    );
    assert!(err.contains("already made"), "{err}");
}

#[test]
fn an_attempt_without_safety_answers_is_recorded_with_a_reminder() {
    let v = Vault::init();
    v.add_party("Dave", &[]);
    let (_, note) = v.ok_both(&["attempt", "Dave", "--method", "phone", "--outcome", "warm"]);
    assert!(
        note.contains("safety questions were never answered"),
        "{note}"
    );
}

#[test]
fn commitments_to_someone_who_must_not_be_contacted_carry_a_note() {
    let v = Vault::init();
    v.add_party("Jess", &[]);
    v.ok(&["safety", "Jess", "--court-order"]);
    let (_, note) = v.ok_both(&["commit", "restitution", "Jess", "--amount", "50"]);
    assert!(note.contains("R4"), "{note}");
    assert!(note.contains("through the court"), "{note}");
}

#[test]
fn the_one_still_on_the_list_is_meant_when_names_repeat() {
    let v = Vault::init();
    v.add_party("Mum", &[]);
    v.add_party("Mum", &[]);
    v.ok(&[
        "party",
        "aside",
        "2",
        "--reason",
        "other",
        "--note",
        "entered twice",
    ]);
    let shown = v.show("Mum");
    assert_eq!(shown["id"], 1);
}

#[test]
fn awkward_input_gets_plain_answers() {
    let v = Vault::init();
    v.add_party("Shop", &[]);
    // A negative amount is explained, not mistaken for a flag.
    let err = v.refused(
        &["harm", "add", "Shop", "--did", "took", "--owed", "-50"],
        2,
    );
    assert!(err.contains("cannot be negative"), "{err}");
    // A commitment is referred to by its number.
    let err = v.fails(&["pay", "one", "10"], 2);
    assert!(err.contains("commitment's number"), "{err}");
    // A check-in must say kept or missed.
    let err = v.fails(&["checkin", "1"], 2);
    assert!(err.contains("--kept") && err.contains("--missed"), "{err}");
    // Capture takes a name; a number points to `harm add`.
    let err = v.refused(&["capture", "1", "--did", "snapped"], 2);
    assert!(err.contains("amends harm add 1"), "{err}");
    // What was typed into a free-text field is never repeated back.
    let err = v.refused(
        &[
            "harm",
            "add",
            "Shop",
            "--did",
            "x",
            "--owed",
            "I stole it from her purse",
        ],
        2,
    );
    assert!(!err.contains("purse"), "{err}");
}

#[test]
fn living_amends_are_done_only_when_the_change_is_kept_up() {
    let v = Vault::init();
    v.open_party("Lily");
    v.ok(&["attempt", "Lily", "--method", "living", "--outcome", "done"]);
    assert_eq!(v.stage("Lily"), "made");
    assert!(v.stage_reason("Lily").contains("amends commit living"));
    v.ok(&[
        "commit",
        "living",
        "Lily",
        "--behaviour",
        "Bedtime story, sober, every night",
        "--every",
        "daily",
    ]);
    assert_eq!(v.stage("Lily"), "living-amends");
}

#[test]
fn absurd_amounts_are_refused_before_they_can_overflow() {
    let v = Vault::init();
    v.add_party("Bank", &["--kind", "organisation"]);
    let err = v.refused(
        &[
            "commit",
            "restitution",
            "Bank",
            "--amount",
            "92233720368547758.07",
        ],
        2,
    );
    assert!(err.contains("too large"), "{err}");
    v.ok(&["status"]);
}
