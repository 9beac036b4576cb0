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
    // Lifting a court order opens contact again: it takes a reason and a confirmation.
    let lift = ["safety", "Jess", "--clear", "court-order,my-safety"];
    let err = v.refused(&lift, 2);
    assert!(err.contains("reason:") && err.contains("--reason"), "{err}");
    let err = v.refused(
        &[&lift[..], &["--reason", "The order ended in March"]].concat(),
        2,
    );
    assert!(
        err.contains("confirm:") && err.contains("--confirm"),
        "{err}"
    );
    let err = v.refused(&[&lift[..], &["--confirm"]].concat(), 2);
    assert!(err.contains("--reason"), "{err}");
    assert_eq!(v.show("Jess")["safety"]["court_order"], true);
    let (out, notes) = v.ok_both(
        &[
            &lift[..],
            &["--reason", "The order ended in March", "--confirm"],
        ]
        .concat(),
    );
    assert!(notes.contains("Lifted: court-order."), "{notes}");
    assert!(notes.contains("ask a lawyer"), "{notes}");
    assert!(!out.contains("no contact of any kind"), "{out}");
    assert_eq!(v.show("Jess")["safety"]["court_order"], false);
    assert_eq!(v.show("Jess")["safety"]["my_safety"], false);

    let err = v.refused(&["safety", "Jess", "--clear", "bravery"], 2);
    assert!(err.contains("court-order"), "{err}");
}

#[test]
fn changing_a_plan_keeps_what_was_not_mentioned() {
    let v = Vault::init();
    v.open_party_with_harm("Mum", "Lied to her for years");
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
    v.open_party_with_harm("Pat", "Missed his wedding");
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
    assert!(
        note.contains(&format!("reviewed on {}", crate::dates::words(&review))),
        "{note}"
    );

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
fn an_attempt_that_reaches_them_waits_for_the_safety_answers() {
    let v = Vault::init();
    v.add_party("Dave", &[]);
    v.add_harm("Dave", "Borrowed his car and crashed it");
    // Contact waits until the questions are asked: an exception no one asked about protects
    // no one. The refusal says how to answer them, including when none apply.
    let err = v.refused(
        &["attempt", "Dave", "--method", "phone", "--outcome", "warm"],
        3,
    );
    assert!(
        err.contains("safety questions have not been answered"),
        "{err}"
    );
    assert!(err.contains("amends safety PARTY --none"), "{err}");
    assert!(err.contains("Nothing was changed."), "{err}");
    assert!(!err.contains("Dave"), "{err}");
    // An amends that does not reach them stays open, with a reminder to answer them.
    let (_, note) = v.ok_both(&[
        "attempt",
        "Dave",
        "--method",
        "indirect",
        "--outcome",
        "done",
    ]);
    assert!(
        note.contains("safety questions were never answered"),
        "{note}"
    );
    // Once answered, the phone call can be recorded.
    v.ok(&["safety", "Dave", "--none"]);
    v.ok(&["attempt", "Dave", "--method", "phone", "--outcome", "warm"]);
}

#[test]
fn commitments_that_would_reach_someone_who_must_not_be_contacted_are_refused() {
    let v = Vault::init();
    v.add_party("Jess", &[]);
    v.ok(&["safety", "Jess", "--court-order"]);
    // Paid to them directly (the default) would reach them: refused, with the ways open.
    let err = v.rule_refused(&["commit", "restitution", "Jess", "--amount", "50"], "R4");
    assert!(
        err.contains("A restitution to them directly cannot be recorded because a court order forbids contact of any kind"),
        "{err}"
    );
    assert!(err.contains("--via court"), "{err}");
    assert!(!err.contains("Jess"), "{err}");
    let err = v.rule_refused(
        &[
            "commit",
            "restitution",
            "Jess",
            "--amount",
            "50",
            "--via",
            "them",
        ],
        "R4",
    );
    assert!(err.contains("court order"), "{err}");
    assert!(v.show("Jess")["commitments"].as_array().unwrap().is_empty());
    // Through the court it reaches no one, and is recorded.
    v.ok(&[
        "commit",
        "restitution",
        "Jess",
        "--amount",
        "50",
        "--via",
        "court",
    ]);
    let commitments = v.show("Jess")["commitments"].as_array().unwrap().clone();
    assert_eq!(commitments.len(), 1, "{commitments:?}");
}

#[test]
fn the_one_still_on_the_list_is_meant_when_names_repeat() {
    let v = Vault::init();
    v.add_party("Mum", &[]);
    // The same name again may be the same person: it takes --another to say it is not.
    let err = v.refused(&["party", "add", "Mum"], 3);
    assert!(err.contains("--another"), "{err}");
    v.add_party("Mum", &["--another"]);
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
    assert!(err.contains("larger than any amount"), "{err}");
    v.ok(&["status"]);
}
