//! Questions that follow the person, and how apart from what, through the real binary:
//! `amends safety` asks only what can apply to the kind of party and says what is known; a kind
//! changed asks again and holds back anything that reaches them; a spreadsheet's kind or a JSON
//! file cannot skip a question; and paying back face to face, as planned and approved, is
//! recorded with `--method face-to-face --kind restitution`.

use crate::common;

use common::*;
use serde_json::Value;

fn write(v: &Vault, name: &str, bytes: &[u8]) -> String {
    let path = v.file(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

const HARM: &str = "Took supplies home from the store room";

#[test]
fn safety_asks_only_what_can_apply_and_says_what_is_known() {
    let v = Vault::init();
    v.ok(&["party", "add", "Acme Hardware", "--kind", "organisation"]);
    v.ok(&["harm", "add", "1", "--did", HARM]);
    let out = v.ok(&["safety", "1"]);
    assert!(
        out.contains("--child: not asked: an organisation is not a child"),
        "{out}"
    );
    assert!(out.contains("--court-order: not answered yet"), "{out}");
    assert!(
        out.contains("A court order means no contact of any kind"),
        "{out}"
    );

    // A flag that cannot apply is refused with why, and nothing changes.
    let err = v.refused(&["safety", "1", "--child"], 2);
    assert!(err.contains("is not asked of an organisation"), "{err}");
    assert!(err.contains("amends party edit PARTY --kind"), "{err}");

    v.ok(&["party", "add", "Mrs Alvarez", "--kind", "deceased"]);
    let out = v.ok(&["safety", "2"]);
    assert!(
        out.contains("--deceased: yes, known: recorded as someone who has died"),
        "{out}"
    );
    assert!(out.contains("--unreachable: not asked"), "{out}");
    let err = v.refused(&["safety", "2", "--clear", "deceased"], 2);
    assert!(err.contains("recorded as someone who has died"), "{err}");
    // `amends show` says what is known too.
    let show = v.ok(&["show", "2"]);
    assert!(show.contains("--deceased: yes, known"), "{show}");
}

#[test]
fn a_kind_changed_is_asked_again_and_nothing_reaches_them_until_it_is_answered() {
    let v = Vault::init();
    v.ok(&["party", "add", "Dale Brennan", "--kind", "organisation"]);
    v.ok(&["harm", "add", "1", "--did", HARM]);
    v.ok(&["safety", "1", "--none"]);
    v.ok(&["party", "edit", "1", "--kind", "person"]);
    let out = v.ok(&["safety", "1"]);
    assert!(
        out.contains("some questions that now apply were not asked"),
        "{out}"
    );
    assert!(out.contains("--child: not answered yet"), "{out}");

    let err = v.refused(
        &[
            "attempt",
            "1",
            "--method",
            "face-to-face",
            "--outcome",
            "warm",
        ],
        3,
    );
    assert!(err.contains("whether they are a child"), "{err}");
    assert!(!err.contains("Dale"), "{err}");
    // A promise to them waits too; a living amends does not.
    v.refused(
        &[
            "commit",
            "promise",
            "1",
            "--text",
            "Fix the fence",
            "--due",
            &days_from_today(30),
        ],
        3,
    );
    v.ok(&[
        "commit",
        "living",
        "1",
        "--behaviour",
        "Pay for what I take",
        "--every",
        "weekly",
    ]);

    // Answering them (the ones not named are no) completes the answers again.
    v.ok(&["safety", "1", "--family"]);
    v.ok(&[
        "attempt",
        "1",
        "--method",
        "face-to-face",
        "--outcome",
        "warm",
    ]);
}

#[test]
fn a_spreadsheets_kind_answers_nothing_once_the_kind_changes() {
    let v = Vault::init();
    let file = write(
        &v,
        "list.csv",
        format!("name,kind,what I did\nMr Okafor,deceased,{HARM}\n").as_bytes(),
    );
    v.ok(&["import", &file]);
    // "Have they died?" is known from the list, not asked.
    v.ok(&["safety", "1", "--none"]);
    let show = v.json(&["show", "1", "--json"]);
    assert_eq!(show["verdict"]["contact"], "no-one-to-reach");
    // He is alive after all: the questions that now apply are asked again.
    v.ok(&["party", "edit", "1", "--kind", "person"]);
    let err = v.refused(
        &["attempt", "1", "--method", "letter", "--outcome", "warm"],
        3,
    );
    assert!(err.contains("whether they have died"), "{err}");
    let show = v.json(&["show", "1", "--json"]);
    let missing: Vec<&str> = show["verdict"]["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(
        missing.contains(&"deceased") && missing.contains(&"unreachable"),
        "{missing:?}"
    );
}

#[test]
fn a_json_file_cannot_skip_a_question_that_applies() {
    let v = Vault::init();
    v.ok(&["party", "add", "Acme Hardware", "--kind", "organisation"]);
    v.ok(&["harm", "add", "1", "--did", HARM]);
    v.ok(&["safety", "1", "--none"]);
    v.ok(&["party", "edit", "1", "--kind", "person"]);
    let mut doc: Value = v.export();
    doc["exported_at"] = Value::from("2030-01-01T00:00:00Z");
    assert_eq!(doc["version"], 3);
    let asked = doc["parties"][0]["safety"][0]["asked"].clone();
    assert!(
        !asked.as_array().unwrap().contains(&Value::from("child")),
        "{asked}"
    );
    // By hand: an attempt face to face after the kind changed, with the questions not asked.
    let answered = doc["parties"][0]["safety"][0]["answered"]
        .as_str()
        .unwrap()
        .to_string();
    let later = doc["parties"][0]["edits"][0]["replaced_at"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(later > answered);
    doc["parties"][0]["attempts"] = serde_json::json!([{
        "on": today(), "method": "face-to-face", "kind": "words", "outcome": "warm",
        "recorded": (later.parse::<jiff::Timestamp>().unwrap() + jiff::SignedDuration::from_secs(1)).to_string()
    }]);
    let file = write(&v, "edited.json", doc.to_string().as_bytes());
    let fresh = Vault::init();
    let err = fresh.refused(&["import", &file], 2);
    assert!(err.contains("parties[0].attempts[0]"), "{err}");
    assert!(err.contains("not asked then"), "{err}");
    // Claiming the question was asked names a question that does not exist: refused.
    doc["parties"][0]["attempts"] = serde_json::json!([]);
    doc["parties"][0]["safety"][0]["asked"] = serde_json::json!(["court-order", "is-a-child"]);
    let file = write(&v, "edited2.json", doc.to_string().as_bytes());
    let err = fresh.refused(&["import", &file], 2);
    assert!(err.contains("safety[0].asked"), "{err}");
}

#[test]
fn paying_back_face_to_face_as_planned_and_approved_is_recorded() {
    let v = Vault::init();
    v.ok(&["party", "add", "Rosa Lind"]);
    v.ok(&[
        "harm",
        "add",
        "1",
        "--did",
        "Kept the money from the shared rent",
        "--owed",
        "80",
    ]);
    v.ok(&["safety", "1", "--my-safety"]);
    let out = v.ok(&[
        "plan",
        "1",
        "--method",
        "face-to-face",
        "--kind",
        "restitution",
        "--script",
        "I kept the rent money. Here it is.",
    ]);
    assert!(
        out.contains("Plan saved: restitution, face to face."),
        "{out}"
    );
    v.ok(&[
        "consult",
        "1",
        "--with",
        "sponsor",
        "--approve",
        "--advice",
        "Pay it in person.",
    ]);
    // Another channel than approved: R2 says which.
    let err = v.refused(
        &["attempt", "1", "--method", "transfer", "--outcome", "done"],
        3,
    );
    assert!(err.contains("restitution, face to face"), "{err}");
    let out = v.ok(&[
        "attempt",
        "1",
        "--method",
        "face-to-face",
        "--kind",
        "restitution",
        "--outcome",
        "done",
    ]);
    assert!(
        out.contains("Attempt recorded: restitution, face to face"),
        "{out}"
    );
    let show = v.json(&["show", "1", "--json"]);
    assert_eq!(show["attempts"][0]["kind"], "restitution");
    assert_eq!(show["attempts"][0]["channel"], "face-to-face");
    assert_eq!(show["attempts"][0]["method"], "restitution");
    // The older way of saying it still works.
    v.ok(&[
        "attempt",
        "1",
        "--method",
        "restitution",
        "--outcome",
        "done",
    ]);
    // A channel on what reaches no one is refused.
    let err = v.refused(
        &[
            "attempt",
            "1",
            "--method",
            "phone",
            "--kind",
            "living",
            "--outcome",
            "done",
        ],
        2,
    );
    assert!(err.contains("goes through no channel"), "{err}");
}
