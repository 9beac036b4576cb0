//! Every way around the gates that keep someone from being reached, tried through the real
//! binary: a promise or a payment "to them" under a court order (R4) or a wish for no contact
//! (R5), words that describe contact or pass a message through someone else, the same person
//! added again under another spelling or a former name, contact before a harm is named or the
//! safety questions are answered, legal risk (R3) without a lawyer or a decision, dates that
//! put a fact where it cannot be, a protecting answer lifted without a reason, and a JSON
//! import that holds what the gates refuse.
//!
//! Each refusal is checked the same way: its exit code (3 for a rule, 2 for a value), the rule
//! and the reason in plain words on standard error, none of the names or typed words there, and
//! the vault and its key file byte for byte as they were (and its export the same).
//!
//! Each scenario works on parties of its own, so that the last test can run them all on one
//! vault and show that its export imports cleanly: the import's replay accepts everything the
//! live gates accepted.

use crate::common;

use common::*;
use serde_json::{Value, json};

/// A refusal: exit `code`, `rule` (as "R4") named when a rule refuses, `reason` on standard
/// error, nothing on standard output, none of `personal` on standard error, and nothing changed.
fn refused(
    v: &Vault,
    args: &[&str],
    code: i32,
    rule: Option<&str>,
    reason: &str,
    personal: &[&str],
) -> String {
    let export_before = v.export();
    let before = v.snapshot();
    let out = v.run(args);
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(code),
        "amends {args:?}\n--- stdout ---\n{}\n--- stderr ---\n{err}",
        stdout(&out)
    );
    assert_plain_words(&err);
    assert!(
        out.stdout.is_empty(),
        "amends {args:?} printed on standard output: {}",
        stdout(&out)
    );
    match rule {
        Some(r) => assert!(
            err.starts_with(&format!("amends: refused ({r}, ")),
            "amends {args:?} should be refused by {r}:\n{err}"
        ),
        None if code == 3 => assert!(err.starts_with("amends: refused: "), "{err}"),
        None => assert!(!err.contains("refused ("), "{err}"),
    }
    if code == 3 {
        assert!(err.contains("What you can do:"), "no way forward:\n{err}");
    }
    assert!(
        err.contains(reason),
        "amends {args:?} should say `{reason}`:\n{err}"
    );
    assert!(err.contains("Nothing was changed."), "{err}");
    assert_no_personal(&err, personal);
    v.assert_unchanged(&before);
    assert_eq!(
        v.export(),
        export_before,
        "amends {args:?} was refused but changed the vault"
    );
    err
}

/// The number in "Commitment #N recorded".
fn commitment_id(out: &str) -> String {
    out.split("Commitment #")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .map(|n| n.to_string())
        .unwrap_or_else(|| panic!("no commitment number in: {out}"))
}

/// A party with a harm named, willing now, and the given safety answers.
fn protected_party(v: &Vault, name: &str, did: &str, answers: &[&str]) -> String {
    let id = v.add_party(name, &[]).to_string();
    v.add_harm(&id, did);
    v.ok(&["willing", &id, "now"]);
    let mut args = vec!["safety", id.as_str()];
    args.extend_from_slice(answers);
    v.ok(&args);
    id
}

fn due_items(v: &Vault) -> Vec<Value> {
    v.read_json(&["due", "--json", "--within", "30"])
        .as_array()
        .expect("due is a list")
        .clone()
}

// ---------------------------------------------------------------------------------------------
// The scenarios, each on parties of its own

/// Under a court order: promises, restitution and payments that reach them, and a go-between.
fn court_order_sam(v: &Vault) -> String {
    let sam = protected_party(
        v,
        "Sam Quill",
        "Shouted at her in the street",
        &["--court-order"],
    );
    let name = ["Sam Quill", "Sam", "Quill"];

    // A promise to them (the default way) is refused, whatever it says.
    let visit = "Visit Sam at her flat";
    let promise = [
        "commit",
        "promise",
        &sam,
        "--text",
        visit,
        "--due",
        "2099-01-01",
    ];
    refused(
        v,
        &promise,
        3,
        Some("R4"),
        "A promise to them directly cannot be recorded because a court order forbids contact of any kind",
        &[&name[..], &[visit, "flat"]].concat(),
    );
    // Kept "without contact", its words still describe contact.
    let err = refused(
        v,
        &[&promise[..], &["--via", "no-contact"]].concat(),
        3,
        Some("R4"),
        "The promise describes reaching them directly, and a court order forbids contact of any kind",
        &[&name[..], &[visit, "flat"]].concat(),
    );
    assert!(err.contains("amends show PARTY"), "{err}");
    // A promise that truly keeps away is recorded, and is due like any other.
    let away = "Stay away from her street";
    let in_two_weeks = days_from_today(14);
    v.ok(&[
        "commit",
        "promise",
        &sam,
        "--text",
        away,
        "--due",
        &in_two_weeks,
        "--via",
        "no-contact",
    ]);
    let promises: Vec<Value> = due_items(v)
        .into_iter()
        .filter(|d| d["kind"] == "promise" && d["party"] == "Sam Quill")
        .collect();
    assert_eq!(promises.len(), 1, "{promises:?}");
    assert_eq!(promises[0]["on"], in_two_weeks.as_str());
    assert_eq!(promises[0]["what"], format!("promise: {away}"));
    assert!(v.ok(&["due"]).contains(&format!(
        "{}  Sam Quill: promise: {away}",
        crate::dates::words(&in_two_weeks)
    )),);

    // A restitution paid to them is refused; through the court it is recorded.
    refused(
        v,
        &["commit", "restitution", &sam, "--amount", "120"],
        3,
        Some("R4"),
        "A restitution to them directly cannot be recorded because a court order forbids contact of any kind",
        &name,
    );
    let err = refused(
        v,
        &[
            "commit",
            "restitution",
            &sam,
            "--amount",
            "120",
            "--via",
            "them",
        ],
        3,
        Some("R4"),
        "A restitution to them directly cannot be recorded",
        &name,
    );
    assert!(
        err.contains("--via court, agency, charity or anonymous"),
        "{err}"
    );
    let out = v.ok(&[
        "commit",
        "restitution",
        &sam,
        "--amount",
        "120",
        "--via",
        "court",
    ]);
    let c = commitment_id(&out);
    let shown = v.show(&sam);
    let restitution = shown["commitments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"].as_i64() == c.parse().ok())
        .expect("the restitution is shown")
        .clone();
    assert_eq!(restitution["kind"], "restitution");

    // One payment handed to them, or described as handed to them, is refused.
    refused(
        v,
        &["pay", &c, "20", "--via", "them"],
        3,
        Some("R4"),
        "A payment to them directly cannot be recorded because a court order forbids contact of any kind",
        &name,
    );
    let cash = "handed cash to Sam at her door";
    refused(
        v,
        &["pay", &c, "20", "--note", cash],
        3,
        Some("R4"),
        "The payment's note describes reaching them directly, and a court order forbids contact of any kind",
        &[&name[..], &[cash, "cash", "door"]].concat(),
    );
    // Nor can a payment be dated in the future.
    for on in [days_from_today(1), "2099-01-01".to_string()] {
        let err = refused(
            v,
            &["pay", &c, "20", "--on", &on],
            2,
            None,
            "is in the future",
            &name,
        );
        assert!(err.starts_with("amends: date: "), "{err}");
    }
    // Paid through the court, as recorded, with a note that does not reach them.
    let out = v.ok(&["pay", &c, "20", "--note", "paid at the court office"]);
    assert!(out.contains("Balance: 100.00 USD"), "{out}");

    // A plan that passes a message through someone else is contact all the same, in English
    // and in Spanish, even as an indirect amends or an unsent letter.
    let kate = "I will ask her sister Kate to tell Sam I am sorry";
    for method in ["indirect", "unsent-letter"] {
        refused(
            v,
            &["plan", &sam, "--method", method, "--script", kate],
            3,
            Some("R4"),
            "The plan passes a message to them through someone else, and a court order forbids contact through anyone else",
            &[&name[..], &[kate, "Kate", "sister"]].concat(),
        );
    }
    let hermana = "Le pediré a su hermana que le diga que lo siento";
    refused(
        v,
        &["plan", &sam, "--method", "indirect", "--script", hermana],
        3,
        Some("R4"),
        "The plan passes a message to them through someone else",
        &[&name[..], &[hermana, "hermana", "siento", "pediré"]].concat(),
    );
    // An indirect amends that carries no message is open.
    v.ok(&[
        "plan",
        &sam,
        "--method",
        "indirect",
        "--script",
        "Volunteer at the women's shelter on Saturdays",
    ]);
    assert_eq!(v.show(&sam)["plan"]["method"], "indirect");
    sam
}

/// Where they asked not to be contacted (R5): a promise that reaches them, by its way or its words.
fn asked_no_contact_lee(v: &Vault) -> String {
    let lee = protected_party(
        v,
        "Lee",
        "Kept calling after she said stop",
        &["--asked-no-contact"],
    );
    let text = "Text Lee next month";
    let promise = [
        "commit",
        "promise",
        &lee,
        "--text",
        text,
        "--due",
        "2099-01-01",
    ];
    refused(
        v,
        &promise,
        3,
        Some("R5"),
        "A promise to them directly cannot be recorded because only amends that do not reach them are right here",
        &["Lee", text],
    );
    refused(
        v,
        &[&promise[..], &["--via", "no-contact"]].concat(),
        3,
        Some("R5"),
        "The promise describes reaching them directly, and only amends that do not reach them are right here",
        &["Lee", text],
    );
    v.ok(&[
        "commit",
        "promise",
        &lee,
        "--text",
        "Leave her be, and let the calls end",
        "--due",
        "2099-01-01",
        "--via",
        "no-contact",
    ]);
    lee
}

/// The same person added again: by another spelling of a protected name, and by a former name.
fn same_person_again(v: &Vault, sam: &str) {
    let listed = v.party_list().len();
    for spelling in ["sam quill", "  SAM   QUILL ", "Sám Quíll"] {
        let err = refused(
            v,
            &["party", "add", spelling],
            3,
            None,
            "The list already has someone by this name, now or before a rename",
            &["Sam Quill", "Sam", "Quill", "Sám", "Quíll"],
        );
        assert!(err.contains(&format!("(entry {sam})")), "{err}");
        assert!(err.contains("--another"), "{err}");
    }
    assert_eq!(v.party_list().len(), listed);
    // Someone else by that name: said so, and added.
    let (out, note) = v.ok_both(&["party", "add", "sam quill", "--another", "--json"]);
    let other = serde_json::from_str::<Value>(&out).unwrap()["id"].clone();
    assert!(note.contains("Another party has this name too"), "{note}");
    assert_eq!(v.party_list().len(), listed + 1);
    // That one has no answers of its own: the court order stays with the first.
    assert_eq!(v.show(&other.to_string())["safety"], Value::Null);
    assert_eq!(v.show(sam)["safety"]["court_order"], true);

    // A protected party renamed: their former name is still theirs.
    let dana = protected_party(
        v,
        "Dana Roe",
        "Took her car without asking",
        &["--court-order"],
    );
    v.ok(&["party", "edit", &dana, "--name", "Dana Whitfield"]);
    for former in ["Dana Roe", "dana roe"] {
        let err = refused(
            v,
            &["party", "add", former],
            3,
            None,
            "The list already has someone by this name, now or before a rename",
            &["Dana", "Roe", "Whitfield"],
        );
        assert!(err.contains(&format!("(entry {dana})")), "{err}");
    }
    // Nor can another party take that name without saying it is someone else.
    let err = refused(
        v,
        &["party", "edit", &other.to_string(), "--name", "Dana Roe"],
        3,
        None,
        "The list already has someone by this name, now or before a rename",
        &["Dana", "Roe", "Whitfield"],
    );
    assert!(err.contains("rename again with --another"), "{err}");
}

/// Contact before the safety questions are answered, and before a harm is named; what does not
/// reach them stays open meanwhile.
fn safety_and_harm_first(v: &Vault) {
    // A harm, but no answers.
    let noor = v.add_party("Noor Haddad", &[]).to_string();
    v.add_harm(&noor, "Missed her father's funeral");
    v.ok(&["willing", &noor, "now"]);
    for args in [
        &[
            "attempt",
            &noor,
            "--method",
            "face-to-face",
            "--outcome",
            "warm",
        ][..],
        &[
            "plan",
            &noor,
            "--method",
            "face-to-face",
            "--place",
            "her cafe",
        ],
    ] {
        let err = refused(
            v,
            args,
            3,
            None,
            "The safety questions have not been answered for this party, so",
            &["Noor", "Haddad", "cafe"],
        );
        assert!(err.contains("`amends safety PARTY --none`"), "{err}");
    }
    // A restitution paid to them reaches them as much as a visit does.
    let err = refused(
        v,
        &["commit", "restitution", &noor, "--amount", "40"],
        3,
        None,
        "The safety questions have not been answered for this party, so a restitution that reaches them cannot be recorded yet",
        &["Noor", "Haddad"],
    );
    assert!(err.contains("`amends safety PARTY --none`"), "{err}");
    v.ok(&["safety", &noor, "--none"]);
    v.ok(&[
        "plan",
        &noor,
        "--method",
        "face-to-face",
        "--place",
        "her cafe",
    ]);
    v.ok(&[
        "attempt",
        &noor,
        "--method",
        "face-to-face",
        "--outcome",
        "warm",
    ]);
    assert_eq!(v.stage(&noor), "complete");

    // Answers, but no harm.
    let ivo = v.add_party("Ivo Brandt", &[]).to_string();
    v.ok(&["willing", &ivo, "now"]);
    v.ok(&["safety", &ivo, "--none"]);
    for args in [
        &[
            "attempt",
            &ivo,
            "--method",
            "face-to-face",
            "--outcome",
            "warm",
        ][..],
        &["plan", &ivo, "--method", "phone"],
    ] {
        let err = refused(
            v,
            args,
            2,
            None,
            "harm: name what you did first",
            &["Ivo", "Brandt"],
        );
        assert!(err.contains("amends harm add PARTY"), "{err}");
    }
    // Living amends need no harm named.
    let out = v.ok(&[
        "commit",
        "living",
        &ivo,
        "--behaviour",
        "Turn up on time for every shift",
        "--every",
        "weekly",
    ]);
    let c = commitment_id(&out);
    v.ok(&["attempt", &ivo, "--method", "living", "--outcome", "done"]);
    assert_eq!(v.stage(&ivo), "living-amends");
    // A check-in before the commitment began (this week), or in the future, is refused.
    let err = refused(
        v,
        &["checkin", &c, "--kept", "--on", "2001-03-04"],
        2,
        None,
        "date: is before this commitment began on",
        &["Ivo", "Brandt"],
    );
    assert!(
        err.contains(&crate::dates::words(&today())),
        "the day it began is named: {err}"
    );
    refused(
        v,
        &["checkin", &c, "--kept", "--on", &days_from_today(1)],
        2,
        None,
        "is in the future",
        &["Ivo", "Brandt"],
    );
    v.ok(&["checkin", &c, "--kept", "--note", "on time all week"]);
    // Nor can a promise to them be made for no harm named; one that reaches no one can.
    let promise = [
        "commit",
        "promise",
        ivo.as_str(),
        "--text",
        "Return his ladder",
        "--due",
        "2099-01-01",
    ];
    refused(
        v,
        &promise,
        2,
        None,
        "harm: name what you did first: a promise to them is for a harm on the list",
        &["Ivo", "Brandt", "ladder"],
    );
    v.ok(&[&promise[..], &["--via", "no-contact"]].concat());
}

/// Legal risk (R3): sponsor's approval alone does not make an amends that reaches them; a
/// lawyer consulted, or the person's own decision, does (the decision is a safety answer, so
/// the approval is given again after it, R2).
fn legal_risk(v: &Vault) {
    let attempt = |id: &str| {
        [
            "attempt".to_string(),
            id.to_string(),
            "--method".into(),
            "letter".into(),
            "--outcome".into(),
            "warm".into(),
        ]
    };
    let approve = |id: &str| {
        v.ok(&[
            "consult",
            id,
            "--with",
            "sponsor",
            "--advice",
            "Say it plainly",
            "--approve",
        ]);
    };
    let mut ids = Vec::new();
    for (name, did) in [
        ("Acme Stores", "Took stock from the warehouse"),
        ("Birch Joinery", "Kept the deposit for a job I never did"),
    ] {
        let id = v.add_party(name, &["--kind", "organisation"]).to_string();
        v.add_harm(&id, did);
        v.ok(&["willing", &id, "now"]);
        v.ok(&["safety", &id, "--legal-risk"]);
        v.ok(&[
            "plan",
            &id,
            "--method",
            "letter",
            "--script",
            "I took what was yours; I will repay it.",
        ]);
        approve(&id);
        let d = v.show(&id);
        assert_eq!(d["stage"], "planned");
        assert!(
            d["readiness_gaps"].to_string().contains("(R3)"),
            "{}",
            d["readiness_gaps"]
        );
        let args = attempt(&id);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let err = refused(
            v,
            &args,
            3,
            Some("R3"),
            "There is legal risk in this amends, and neither a talk with a lawyer nor your own decision is recorded",
            &[name, "Acme", "Birch"],
        );
        assert!(
            err.contains("--with lawyer") && err.contains("--legal-decision"),
            "{err}"
        );
        assert_ne!(v.stage(&id), "complete");
        ids.push(id);
    }

    // A lawyer consulted: the sponsor's approval still stands (a lawyer does not approve).
    let acme = &ids[0];
    v.ok(&[
        "consult",
        acme,
        "--with",
        "lawyer",
        "--advice",
        "Keep it to the facts; repay in full",
    ]);
    assert_eq!(v.stage(acme), "ready");
    let args = attempt(acme);
    v.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(v.stage(acme), "complete");

    // The person's own decision, after advice: given with the safety answers, it is approved
    // again, and then the amends can be made.
    let birch = &ids[1];
    v.ok(&[
        "safety",
        birch,
        "--legal-decision",
        "Advice taken: I will repay the deposit and admit the debt",
    ]);
    let args = attempt(birch);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    refused(
        v,
        &args,
        3,
        Some("R2"),
        "the safety answers changed after your sponsor approved the plan",
        &["Birch", "Joinery", "deposit"],
    );
    approve(birch);
    assert_eq!(v.stage(birch), "ready");
    v.ok(&args);
    assert_eq!(v.stage(birch), "complete");
}

/// Not now is not never: a deferral's review is at most a year ahead.
fn deferral_within_a_year(v: &Vault) {
    let uma = v.add_party("Uma Stone", &[]).to_string();
    v.add_harm(&uma, "Stopped answering her letters");
    v.ok(&["willing", &uma, "later"]);
    let err = refused(
        v,
        &[
            "defer",
            &uma,
            "--reason",
            "She is in hospital",
            "--review",
            "2999-01-01",
        ],
        2,
        None,
        "review date: is more than a year away",
        &["Uma", "Stone", "hospital"],
    );
    assert!(err.contains("(R9)"), "{err}");
    let in_300 = days_from_today(300);
    v.ok(&[
        "defer",
        &uma,
        "--reason",
        "She is in hospital",
        "--review",
        &in_300,
    ]);
    assert_eq!(v.stage(&uma), "deferred");
}

/// Lifting an answer that keeps them from being reached takes a reason and a confirmation, and
/// the reason is kept.
fn lifting_protection(v: &Vault) -> String {
    let rex = protected_party(
        v,
        "Rex Hale",
        "Threatened him outside the pub",
        &["--court-order", "--asked-no-contact", "--abused-them"],
    );
    let personal = ["Rex", "Hale", "March", "drawer"];
    for flag in ["court-order", "asked-no-contact", "abused-them"] {
        refused(
            v,
            &["safety", &rex, "--clear", flag],
            2,
            None,
            &format!("reason: lifting {flag} opens contact again"),
            &personal,
        );
    }
    let all = "court-order,asked-no-contact,abused-them";
    let because = "The order ended in March; the letter is in the drawer";
    refused(
        v,
        &["safety", &rex, "--clear", all, "--confirm"],
        2,
        None,
        "reason: lifting court-order opens contact again",
        &personal,
    );
    refused(
        v,
        &["safety", &rex, "--clear", all, "--reason", because],
        2,
        None,
        "confirm: lifting court-order opens contact again",
        &personal,
    );
    refused(
        v,
        &[
            "safety",
            &rex,
            "--clear",
            all,
            "--reason",
            "   ",
            "--confirm",
        ],
        2,
        None,
        "reason: ",
        &personal,
    );
    assert_eq!(v.show(&rex)["verdict"]["contact"], "no-contact");
    let (out, notes) = v.ok_both(&[
        "safety",
        &rex,
        "--clear",
        all,
        "--reason",
        because,
        "--confirm",
    ]);
    assert!(notes.contains("Lifted: court-order."), "{notes}");
    assert!(notes.contains("ask a lawyer"), "{notes}");
    assert!(
        out.contains("Verdict: direct amends are possible."),
        "{out}"
    );
    let doc = v.export();
    let party = doc["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"].as_i64() == rex.parse().ok())
        .unwrap()
        .clone();
    let history = party["safety"].as_array().unwrap();
    let last = history.last().unwrap();
    assert_eq!(last["court_order"], false);
    assert_eq!(last["reason"], because);
    // The answers before the lift stay in the history, without a reason of their own.
    assert_eq!(history[history.len() - 2]["court_order"], true);
    assert_eq!(history[history.len() - 2].get("reason"), None);
    rex
}

/// A court order that comes after a face-to-face plan blocks it: shown as blocked, not due.
fn order_after_plan(v: &Vault) {
    let flo = protected_party(v, "Flo Marsh", "Broke her window", &["--none"]);
    v.ok(&[
        "plan",
        &flo,
        "--method",
        "face-to-face",
        "--on",
        "tomorrow",
        "--place",
        "her porch",
    ]);
    let plan_for_flo = |items: &[Value]| {
        items
            .iter()
            .filter(|d| d["kind"] == "plan" && d["party"] == "Flo Marsh")
            .count()
    };
    assert_eq!(plan_for_flo(&due_items(v)), 1);
    v.ok(&["safety", &flo, "--court-order"]);
    let text = v.ok(&["show", &flo]);
    assert!(
        text.contains("Stage: planned, but blocked: the plan (face to face) reaches them"),
        "{text}"
    );
    let d = v.show(&flo);
    assert_eq!(d["stage"], "planned");
    let reason = d["stage_reason"].as_str().unwrap();
    assert!(
        reason.starts_with("planned, but blocked:") && reason.contains("(R4)"),
        "{reason}"
    );
    assert_eq!(plan_for_flo(&due_items(v)), 0);
    assert!(!v.ok(&["due"]).contains("Flo Marsh: planned amends"));
    refused(
        v,
        &[
            "attempt",
            &flo,
            "--method",
            "face-to-face",
            "--outcome",
            "warm",
        ],
        3,
        Some("R4"),
        "You cannot make amends face to face because a court order forbids contact of any kind",
        &["Flo", "Marsh", "porch"],
    );
}

// ---------------------------------------------------------------------------------------------
// The tests

#[test]
fn under_a_court_order_nothing_reaches_them_by_its_way_its_words_or_a_go_between() {
    let v = Vault::init();
    court_order_sam(&v);
}

#[test]
fn where_they_asked_for_no_contact_a_promise_neither_reaches_nor_says_it_does() {
    let v = Vault::init();
    asked_no_contact_lee(&v);
}

#[test]
fn the_same_person_is_not_added_again_by_another_spelling_or_a_former_name() {
    let v = Vault::init();
    let sam = protected_party(
        &v,
        "Sam Quill",
        "Shouted at her in the street",
        &["--court-order"],
    );
    same_person_again(&v, &sam);
}

#[test]
fn contact_waits_for_the_safety_answers_and_a_harm_but_living_amends_do_not() {
    let v = Vault::init();
    safety_and_harm_first(&v);
}

#[test]
fn legal_risk_reaches_complete_only_after_a_lawyer_or_a_decision() {
    let v = Vault::init();
    legal_risk(&v);
}

#[test]
fn a_deferral_is_reviewed_within_a_year() {
    let v = Vault::init();
    deferral_within_a_year(&v);
}

#[test]
fn lifting_a_court_order_takes_a_reason_and_a_confirmation_and_keeps_the_reason() {
    let v = Vault::init();
    lifting_protection(&v);
}

#[test]
fn a_court_order_after_a_face_to_face_plan_blocks_it() {
    let v = Vault::init();
    order_after_plan(&v);
}

/// A vault with one party under a court order, whose sponsor approved an unsent letter, written
/// and recorded, and a restitution paid through the court: the export to spoil.
fn court_order_export() -> Value {
    let v = Vault::init();
    let sam = protected_party(
        &v,
        "Sam Quill",
        "Shouted at her in the street",
        &["--court-order"],
    );
    v.ok(&[
        "consult",
        &sam,
        "--with",
        "sponsor",
        "--advice",
        "Write it; read it to me; do not send it",
        "--approve",
    ]);
    v.ok(&[
        "attempt",
        &sam,
        "--method",
        "unsent-letter",
        "--outcome",
        "done",
    ]);
    v.ok(&[
        "commit",
        "restitution",
        &sam,
        "--amount",
        "50",
        "--via",
        "court",
    ]);
    v.ok(&["pay", "1", "10", "--note", "paid at the court office"]);
    let doc: Value = serde_json::from_str(&v.ok(&["export", "--format", "json"])).unwrap();
    assert_eq!(doc["parties"][0]["name"], "Sam Quill");
    doc
}

/// Imports `doc` into a fresh vault, which must refuse it naming `place` and `rule`, and stay
/// empty.
fn import_refused(doc: &Value, place: &str, rule: &str) {
    let w = Vault::init();
    let f = w.file("edited.json");
    std::fs::write(&f, serde_json::to_string_pretty(doc).unwrap()).unwrap();
    let err = refused(
        &w,
        &["import", f.to_str().unwrap()],
        2,
        None,
        &format!(
            "The file cannot be imported: field `{place}`: this breaks a rule and would have been refused when written"
        ),
        &["Sam Quill", "Sam", "Quill", "Shouted", "court office"],
    );
    assert!(err.contains(&format!("({rule})")), "{err}");
    assert!(w.party_list().is_empty());
    assert_eq!(w.export()["parties"], json!([]));
}

#[test]
fn an_export_edited_to_hold_contact_under_a_court_order_is_refused_by_the_import() {
    let doc = court_order_export();
    // Unedited, it imports.
    let w = Vault::init();
    let f = w.file("as-exported.json");
    std::fs::write(&f, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    w.ok(&["import", f.to_str().unwrap()]);
    assert_eq!(w.party_list().len(), 1);

    // The unsent letter made a face-to-face meeting.
    let mut met = doc.clone();
    met["parties"][0]["attempts"][0]["method"] = json!("face-to-face");
    met["parties"][0]["attempts"][0]["outcome"] = json!("warm");
    // Its kind follows the method when the file does not say it.
    if let Some(attempt) = met["parties"][0]["attempts"][0].as_object_mut() {
        attempt.remove("kind");
        attempt.remove("channel");
    }
    import_refused(&met, "parties[0].attempts[0]", "R4");

    // The payment through the court made one handed to them.
    let mut handed = doc.clone();
    assert_eq!(handed["parties"][0]["commitments"][0]["via"], "court");
    handed["parties"][0]["commitments"][0]["payments"][0]["via"] = json!("them");
    import_refused(&handed, "parties[0].commitments[0].payments[0]", "R4");

    // A file that says it was written before the newer gates (an export of version 1, or one
    // whose facts all come before its `gates_since`) is spared those gates, never the rules:
    // a face-to-face meeting under the order is still refused.
    import_refused(&as_version_1(&met), "parties[0].attempts[0]", "R4");
    let mut before = met.clone();
    before["gates_since"] = before["exported_at"].clone();
    import_refused(&before, "parties[0].attempts[0]", "R4");
    // A payment that says how it was paid was written under every gate, whatever time the file
    // claims for the gates.
    let mut before = handed.clone();
    before["gates_since"] = before["exported_at"].clone();
    import_refused(&before, "parties[0].commitments[0].payments[0]", "R4");
    // A version 1 file holds no field of version 2, and the gates cannot have begun after the
    // file was written.
    let mut older = without_version_3(&handed);
    older["version"] = json!(1);
    older.as_object_mut().unwrap().remove("gates_since");
    import_invalid(
        &older,
        "is a field of version 2 in a file that says version 1",
    );
    let mut later = met.clone();
    later["gates_since"] = json!("2999-01-01T00:00:00Z");
    import_invalid(&later, "field `gates_since`: is after the file was written");
}

/// `doc` without the fields version 3 added (the questions asked, how apart from what, and
/// corrections of payments and check-ins).
fn without_version_3(doc: &Value) -> Value {
    let mut d = doc.clone();
    for p in d["parties"].as_array_mut().unwrap() {
        for s in p["safety"].as_array_mut().into_iter().flatten() {
            s.as_object_mut().unwrap().remove("asked");
        }
        for list in ["plans", "attempts"] {
            for x in p[list].as_array_mut().into_iter().flatten() {
                x.as_object_mut().unwrap().remove("kind");
                x.as_object_mut().unwrap().remove("channel");
            }
        }
        for c in p["commitments"].as_array_mut().into_iter().flatten() {
            c.as_object_mut().unwrap().remove("changes");
        }
    }
    d
}

/// `doc` as a version 1 file would hold it: without the fields versions 2 and 3 added.
fn as_version_1(doc: &Value) -> Value {
    let mut d = without_version_3(doc);
    d["version"] = json!(1);
    d.as_object_mut().unwrap().remove("gates_since");
    for p in d["parties"].as_array_mut().unwrap() {
        for s in p["safety"].as_array_mut().into_iter().flatten() {
            s.as_object_mut().unwrap().remove("reason");
        }
        for c in p["commitments"].as_array_mut().into_iter().flatten() {
            c.as_object_mut().unwrap().remove("via");
            for x in c["payments"].as_array_mut().into_iter().flatten() {
                x.as_object_mut().unwrap().remove("via");
                x.as_object_mut().unwrap().remove("recorded");
            }
            for x in c["checkins"].as_array_mut().into_iter().flatten() {
                x.as_object_mut().unwrap().remove("recorded");
            }
        }
    }
    d
}

/// Imports `doc` into a fresh vault, which must refuse it (exit 2) with `words`, and stay empty.
fn import_invalid(doc: &Value, words: &str) {
    let w = Vault::init();
    let f = w.file("edited.json");
    std::fs::write(&f, serde_json::to_string_pretty(doc).unwrap()).unwrap();
    refused(
        &w,
        &["import", f.to_str().unwrap()],
        2,
        None,
        words,
        &["Sam Quill", "Sam", "Quill", "Shouted", "court office"],
    );
    assert!(w.party_list().is_empty());
    assert_eq!(w.export()["parties"], json!([]));
}

#[test]
fn a_vault_that_went_through_every_way_around_exports_and_imports_as_it_is() {
    let v = Vault::init();
    let sam = court_order_sam(&v);
    asked_no_contact_lee(&v);
    same_person_again(&v, &sam);
    safety_and_harm_first(&v);
    legal_risk(&v);
    deferral_within_a_year(&v);
    lifting_protection(&v);
    order_after_plan(&v);

    let text = v.ok(&["export", "--format", "json"]);
    let w = Vault::init();
    let f = w.file("everything.json");
    std::fs::write(&f, &text).unwrap();
    let out = w.ok(&["import", f.to_str().unwrap()]);
    let parties = v.party_list().len();
    assert!(
        out.starts_with(&format!("Imported {parties} parties.")),
        "{out}"
    );
    assert_eq!(w.export(), v.export());
    // What the rules make of each party is the same. (Consultations and attempts are numbered
    // afresh by the import, party by party, so `show` as a whole may differ in those numbers.)
    for party in v.party_list() {
        let id = party["id"].to_string();
        let (before, after) = (v.show(&id), w.show(&id));
        for field in [
            "name",
            "stage",
            "stage_reason",
            "readiness_gaps",
            "verdict",
            "safety",
            "plan",
            "commitments",
        ] {
            assert_eq!(
                after[field], before[field],
                "{field} of {id} differs after import"
            );
        }
    }
    assert_eq!(
        w.json(&["due", "--json", "--within", "3650"]),
        v.json(&["due", "--json", "--within", "3650"])
    );
}
