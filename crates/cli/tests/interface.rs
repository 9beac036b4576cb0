//! The command-line forms of the issue, run on real vaults: what they accept and what they print.

use crate::common;

use common::{PASS, Vault, assert_no_personal, bare, find_recovery_key, names, stderr, stdout};
use predicates::prelude::*;
use serde_json::json;

#[test]
fn init_creates_the_vault_and_shows_the_recovery_key_once() {
    let v = Vault::uninit();
    let out = v.ok(&["init"]);
    assert!(out.contains("Your vault is ready at"), "{out}");
    assert!(out.contains("Recovery key (shown this once):"), "{out}");
    assert!(out.contains("amends recover"), "{out}");
    let key = find_recovery_key(&out).expect("a recovery key of eight groups of eight");
    assert_eq!(common::recovery_hex(&key).len(), 64);
    assert!(v.path.is_file(), "the vault file exists");
    assert!(v.keyfile().is_file(), "the key file exists beside it");

    // The key is never shown again: no other command prints it.
    for args in [
        &["status"][..],
        &["settings"],
        &["export", "--format", "json"],
    ] {
        let shown = v.ok(args);
        assert!(!shown.contains(&key), "`{args:?}` printed the recovery key");
    }

    // --json gives the same facts to a program.
    let w = Vault::uninit();
    let j = w.json(&["init", "--json", "--fellowship", "na", "--currency", "eur"]);
    assert_eq!(j["vault"], json!(w.path.display().to_string()));
    let k = j["recovery_key"].as_str().expect("recovery_key");
    assert!(find_recovery_key(k).is_some(), "{k}");
    assert_eq!(
        w.json(&["settings", "--json"]),
        json!({"fellowship": "na", "amends_to_self": false, "currency": "EUR",
               "language": "en", "auto_lock_minutes": 15, "crisis_line": "", "relay": null})
    );

    // The settings the web app uses can be set here too, and bad values change nothing.
    w.ok(&[
        "settings",
        "--language",
        "es",
        "--auto-lock",
        "5",
        "--crisis-line",
        "Samaritans 116 123",
    ]);
    let s = w.json(&["settings", "--json"]);
    assert_eq!(s["language"], json!("es"));
    assert_eq!(s["auto_lock_minutes"], json!(5));
    assert_eq!(s["crisis_line"], json!("Samaritans 116 123"));
    assert!(w.ok(&["steps"]).contains("Hicimos una lista"));
    let err = w.fails(&["settings", "--auto-lock", "0"], 2);
    assert!(err.contains("between 1 and 240"), "{err}");
    assert_eq!(
        w.json(&["settings", "--json"])["auto_lock_minutes"],
        json!(5)
    );
}

#[test]
fn a_short_passphrase_gets_a_gentle_note_not_a_refusal() {
    let mut v = Vault::uninit();
    v.pass = "pw".into();
    let (_, err) = v.ok_both(&["init"]);
    assert!(err.contains("This passphrase is short"), "{err}");
}

#[test]
fn party_add_and_list_as_json() {
    let v = Vault::init();
    let out = v.ok(&["party", "add", "Aunt Zelda", "--relationship", "my aunt"]);
    assert_eq!(out.trim(), "Added to your list as #1.");
    let id = v.add_party("Acme Removals", &["--kind", "organisation"]);
    assert_eq!(id, 2);

    let list = v.party_list();
    assert_eq!(list.len(), 2);
    for p in &list {
        for field in ["id", "name", "stage", "willingness"] {
            assert!(
                p.get(field).is_some(),
                "party list entry lacks {field}: {p}"
            );
        }
    }
    assert_eq!(list[0]["id"], 1);
    assert_eq!(list[0]["name"], "Aunt Zelda");
    assert_eq!(list[0]["relationship"], "my aunt");
    assert_eq!(list[0]["kind"], "person");
    assert_eq!(list[0]["stage"], "listed");
    assert_eq!(list[0]["willingness"], json!(null));
    assert_eq!(list[1]["kind"], "organisation");

    // The plain table shows the same people.
    let table = v.ok(&["party", "list"]);
    assert!(table.contains("Aunt Zelda") && table.contains("Acme Removals"));

    // Filters.
    let orgs = v.json(&["party", "list", "--kind", "organisation", "--json"]);
    assert_eq!(names(orgs.as_array().unwrap()), ["Acme Removals"]);
    let unasked = v.json(&["party", "list", "--willingness", "unasked", "--json"]);
    assert_eq!(unasked.as_array().unwrap().len(), 2);

    // A kind that does not exist is refused with the list of kinds.
    let err = v.refused(&["party", "add", "Someone", "--kind", "alien"], 2);
    assert!(err.contains("must be one of"), "{err}");
    assert!(err.contains("organisation"), "{err}");
}

#[test]
fn parties_are_found_by_id_or_unique_name_and_an_ambiguous_name_is_refused() {
    let v = Vault::init();
    v.add_party("Aunt Zelda", &[]);
    // By id and by name, whatever the case.
    assert_eq!(v.show("1")["name"], "Aunt Zelda");
    assert_eq!(v.show("aunt zelda")["id"], 1);
    v.ok(&["willing", "AUNT ZELDA", "maybe"]);
    assert_eq!(v.show("1")["willingness"], "maybe");

    // A second "Sam" may be the same person: refused unless --another says it is someone
    // else, then allowed with a warning; after that the name alone is refused.
    v.add_party("Sam", &[]);
    let err = v.refused(&["party", "add", "sam"], 3);
    assert!(
        err.contains("already has someone by this name") && err.contains("--another"),
        "{err}"
    );
    assert_no_personal(&err, &["sam"]);
    let (_, warn) = v.ok_both(&["party", "add", "sam", "--another"]);
    assert!(warn.contains("Another party has this name too"), "{warn}");
    let err = v.refused(&["willing", "Sam", "now"], 2);
    assert!(err.contains("More than one party has that name"), "{err}");
    assert!(err.contains("2, 3"), "the ids are named: {err}");
    assert!(err.contains("by its id"), "{err}");
    v.refused(&["show", "Sam"], 2);
    // By id each one is reachable.
    v.ok(&["willing", "3", "now"]);
    assert_eq!(v.show("3")["willingness"], "now");
    assert_eq!(v.show("2")["willingness"], json!(null));

    // Nobody by that name or id.
    let err = v.refused(&["show", "Nobody"], 2);
    assert!(err.contains("No party matches"), "{err}");
    v.refused(&["show", "99"], 2);
}

#[test]
fn harm_add_with_every_field() {
    let v = Vault::init();
    v.add_party("Aunt Zelda", &[]);
    let out = v.ok(&[
        "harm",
        "add",
        "Aunt Zelda",
        "--did",
        "Took money from her purse",
        "--effect",
        "She could not pay her rent",
        "--should",
        "Asked for help",
        "--kind",
        "trust,financial",
        "--owed",
        "12.50",
        "--currency",
        "EUR",
        "--when",
        "summer 2019",
        "--third-party",
        "Uncle Bert",
        "--source",
        "inventory",
        "--sponsor-agrees",
        "yes",
    ]);
    assert_eq!(out.trim(), "Harm recorded as #1.");

    let h = &v.show("Aunt Zelda")["harms"][0];
    assert_eq!(h["id"], 1);
    assert_eq!(h["did"], "Took money from her purse");
    assert_eq!(h["effect"], "She could not pay her rent");
    assert_eq!(h["should"], "Asked for help");
    assert_eq!(h["kinds"], json!(["financial", "trust"]));
    assert_eq!(
        h["owed"],
        json!({"minor": 1250, "currency": "EUR", "display": "12.50 EUR"})
    );
    assert_eq!(h["when"], "summer 2019");
    assert_eq!(h["third_parties"], json!(["Uncle Bert"]));
    assert_eq!(h["source"], "inventory");
    assert_eq!(h["sponsor_agrees"], true);

    // Without --currency the vault's currency applies; --json gives the id.
    let j = v.json(&[
        "harm",
        "add",
        "1",
        "--did",
        "Lied about it",
        "--owed",
        "3",
        "--json",
    ]);
    assert_eq!(j, json!({"id": 2}));
    let h2 = &v.show("1")["harms"][1];
    assert_eq!(h2["owed"]["currency"], "USD");
    assert_eq!(h2["owed"]["minor"], 300);
    assert_eq!(h2["source"], "memory");

    // The party list counts the harms.
    assert_eq!(v.party_list()[0]["harms"], 2);

    // An unknown kind of harm is refused, naming the kinds there are.
    let err = v.refused(
        &["harm", "add", "1", "--did", "x", "--kind", "trust,cosmic"],
        2,
    );
    assert!(err.contains("must be one of"), "{err}");
    assert!(err.contains("neglect"), "{err}");
    // "What I did" cannot be empty.
    v.refused(&["harm", "add", "1", "--did", "   "], 2);
}

#[test]
fn willingness_moves_and_its_whole_history_is_kept() {
    let v = Vault::init();
    v.add_party("Dad", &[]);
    let (out, err) = v.ok_both(&["willing", "Dad", "never", "--note", "too angry still"]);
    assert_eq!(out.trim(), "Willingness recorded: never.");
    assert!(err.contains("Keep asking"), "\"never\" gets a word: {err}");
    assert_eq!(v.stage("Dad"), "listed");
    assert!(v.stage_reason("Dad").contains("\"never\""));

    v.ok(&["willing", "Dad", "maybe"]);
    v.ok(&["willing", "Dad", "later", "--note", "after the wedding"]);
    v.ok(&["willing", "Dad", "now", "--note", "ready"]);

    let d = v.show("Dad");
    assert_eq!(d["willingness"], "now");
    let history = d["willingness_history"].as_array().expect("history");
    let levels: Vec<_> = history.iter().map(|w| w["level"].clone()).collect();
    assert_eq!(
        levels,
        [json!("never"), json!("maybe"), json!("later"), json!("now")]
    );
    assert_eq!(history[0]["note"], "too angry still");
    assert_eq!(history[2]["note"], "after the wedding");
    assert!(history.iter().all(|w| w["at"].as_str().is_some()));
    assert_eq!(d["stage"], "willing");

    assert_eq!(v.party_list()[0]["willingness"], "now");
    let status = v.json(&["status", "--json"]);
    assert_eq!(status["by_willingness"]["now"], 1);
    assert_eq!(status["by_willingness"]["never"], 0);

    let err = v.refused(&["willing", "Dad", "sometime"], 2);
    assert!(
        err.contains("must be one of: now, later, maybe, never"),
        "{err}"
    );
}

#[test]
fn safety_records_the_answers_and_prints_the_verdict() {
    let v = Vault::init();
    v.add_party("Former partner", &[]);

    // With no flags: nothing is recorded, the questions are pointed out.
    let before = v.export();
    let out = v.ok(&["safety", "Former partner"]);
    assert!(out.contains("have not been answered yet"), "{out}");
    assert_eq!(v.export(), before, "looking at the verdict records nothing");

    let out = v.ok(&["safety", "Former partner", "--court-order"]);
    assert!(out.contains("Answers recorded."), "{out}");
    assert!(out.contains("Verdict: no contact of any kind."), "{out}");
    assert!(out.contains("R4 (court order)"), "{out}");
    assert!(out.contains("not even a reply"), "{out}");
    assert!(out.contains("R2 (review first)"), "{out}");

    let j = v.json(&["safety", "Former partner", "--json"]);
    assert_eq!(j["answered"], true);
    assert_eq!(j["contact"], "no-contact");
    assert_eq!(
        j["allowed_methods"],
        json!(["living", "indirect", "unsent-letter"])
    );
    assert_eq!(j["review_required"], true);
    let rules: Vec<_> = j["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(rules, ["R4", "R2"]);
    // The answers are part of `show`.
    assert_eq!(v.show("Former partner")["safety"]["court_order"], true);

    // Several flags at once.
    v.add_party("Old boss", &["--kind", "organisation"]);
    let j = v.json(&[
        "safety",
        "Old boss",
        "--legal-risk",
        "--my-safety",
        "--json",
    ]);
    assert_eq!(j["contact"], "direct");
    assert_eq!(j["lawyer_first"], true);
    assert_eq!(j["indirect_suggested"], true);
    assert_eq!(j["review_required"], true);

    // --none: nothing applies.
    v.add_party("Neighbour", &[]);
    let out = v.ok(&["safety", "Neighbour", "--none"]);
    assert!(
        out.contains("Verdict: direct amends are possible."),
        "{out}"
    );
    assert!(out.contains("None of the exceptions apply."), "{out}");

    // --none with another answer makes no sense.
    let err = v.refused(&["safety", "Neighbour", "--none", "--affair"], 2);
    assert!(err.contains("--none"), "{err}");
}

#[test]
fn plan_saves_method_script_date_and_place() {
    let v = Vault::init();
    v.open_party_with_harm("Maria", "Lied to her about the money");
    let out = v.ok(&[
        "plan",
        "Maria",
        "--method",
        "face-to-face",
        "--script",
        "I came to say I was wrong to lie to you.",
        "--on",
        "2099-06-01",
        "--place",
        "the park cafe",
    ]);
    assert!(out.contains("Plan saved: face to face."), "{out}");
    assert!(
        out.contains("Stage: ready: face to face on 1 June 2099"),
        "{out}"
    );
    let p = &v.show("Maria")["plan"];
    assert_eq!(p["method"], "face-to-face");
    assert_eq!(p["script"], "I came to say I was wrong to lie to you.");
    assert_eq!(p["on"], "2099-06-01");
    assert_eq!(p["place"], "the park cafe");

    // The script can come from a file; a new plan replaces the current one.
    let script = v.file("letter.txt");
    std::fs::write(&script, "Dear Maria,\nI was wrong.\n").unwrap();
    v.ok(&[
        "plan",
        "Maria",
        "--method",
        "letter",
        "--script-file",
        script.to_str().unwrap(),
    ]);
    let p = &v.show("Maria")["plan"];
    assert_eq!(p["method"], "letter");
    assert!(p["script"].as_str().unwrap().contains("I was wrong."));
    // What the new plan did not mention is kept from the one before.
    assert_eq!(p["on"], "2099-06-01");
    assert_eq!(p["place"], "the park cafe");
    let text = v.ok(&["show", "Maria"]);
    assert!(text.contains("| Dear Maria,"), "{text}");
    // The export keeps every plan made.
    assert_eq!(
        v.export()["parties"][0]["plans"].as_array().unwrap().len(),
        2
    );

    let err = v.refused(&["plan", "Maria", "--method", "carrier-pigeon"], 2);
    assert!(err.contains("must be one of"), "{err}");
    let err = v.fails(
        &[
            "plan",
            "Maria",
            "--method",
            "letter",
            "--script-file",
            v.file("missing.txt").to_str().unwrap(),
        ],
        1,
    );
    assert!(err.contains("could not be read"), "{err}");
}

#[test]
fn attempt_records_method_outcome_date_and_feelings() {
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
        "2024-03-02",
        "--before",
        "nervous",
        "--after",
        "flat",
        "--notes",
        "rang twice",
    ]);
    assert!(
        out.contains("Attempt recorded: by phone, no answer."),
        "{out}"
    );
    assert!(out.contains("Stage: attempted on 2 March 2024"), "{out}");
    let a = &v.show("Tom")["attempts"][0];
    assert_eq!(a["on"], "2024-03-02");
    assert_eq!(a["method"], "phone");
    assert_eq!(a["outcome"], "no-answer");
    assert_eq!(a["feeling_before"], "nervous");
    assert_eq!(a["feeling_after"], "flat");
    assert_eq!(a["notes"], "rang twice");

    // Without --on the attempt is today's; "yesterday" is understood.
    v.ok(&[
        "attempt",
        "Tom",
        "--method",
        "phone",
        "--outcome",
        "no-answer",
        "--on",
        "yesterday",
    ]);
    assert_eq!(
        v.show("Tom")["attempts"][1]["on"],
        common::days_from_today(-1)
    );
    v.ok(&[
        "attempt",
        "Tom",
        "--method",
        "face-to-face",
        "--outcome",
        "warm",
        "--revealed",
        "I also broke his bike",
    ]);
    let d = v.show("Tom");
    assert_eq!(d["attempts"][2]["on"], common::today());
    // A harm they told of goes onto the list, after the one named before.
    assert_eq!(d["harms"].as_array().unwrap().len(), 2);
    assert_eq!(d["harms"][0]["did"], "Shouted at him at the party");
    assert_eq!(d["harms"][1]["did"], "I also broke his bike");
    assert_eq!(d["harms"][1]["source"], "revealed");

    // An attempt is something that happened: not in the future.
    let err = v.refused(
        &[
            "attempt",
            "Tom",
            "--method",
            "phone",
            "--outcome",
            "warm",
            "--on",
            "2099-01-01",
        ],
        2,
    );
    assert!(err.contains("make a plan instead"), "{err}");
    let err = v.refused(
        &["attempt", "Tom", "--method", "phone", "--outcome", "fine"],
        2,
    );
    assert!(err.contains("must be one of"), "{err}");
}

#[test]
fn show_status_and_due_as_json() {
    let v = Vault::init();
    v.open_party("Ruth");
    v.ok(&[
        "harm",
        "add",
        "Ruth",
        "--did",
        "Missed her graduation",
        "--kind",
        "neglect",
    ]);
    v.ok(&["plan", "Ruth", "--method", "letter", "--on", "tomorrow"]);

    let d = v.show("Ruth");
    for field in [
        "id",
        "name",
        "kind",
        "stage",
        "stage_reason",
        "willingness",
        "willingness_history",
        "harms",
        "safety",
        "verdict",
        "readiness_gaps",
        "consultations",
        "plan",
        "consents",
        "deferrals",
        "attempts",
        "commitments",
    ] {
        assert!(d.get(field).is_some(), "show --json lacks {field}");
    }
    assert_eq!(d["stage"], "ready");
    assert_eq!(d["readiness_gaps"], json!([]));

    let text = v.ok(&["show", "Ruth"]);
    assert!(text.starts_with("Ruth (#1, person)"), "{text}");
    assert!(text.contains("Stage: ready: a letter on"), "{text}");
    assert!(text.contains("Missed her graduation"), "{text}");

    let s = v.json(&["status", "--json"]);
    assert_eq!(s["fellowship"], "aa");
    assert_eq!(s["parties"], 1);
    assert_eq!(s["harms"], 1);
    assert_eq!(s["by_stage"]["ready"], 1);
    assert_eq!(s["by_stage"]["listed"], 0);
    assert!(s["step8"].as_str().unwrap().starts_with("Made a list"));
    let text = v.ok(&["status"]);
    assert!(
        text.contains("1 party on your list, 1 harm recorded."),
        "{text}"
    );

    let due = v.json(&["due", "--json"]);
    let due = due.as_array().unwrap();
    assert_eq!(due.len(), 1, "{due:?}");
    assert_eq!(due[0]["kind"], "plan");
    assert_eq!(due[0]["party"], "Ruth");
    assert_eq!(due[0]["on"], common::days_from_today(1));
    assert_eq!(due[0]["overdue"], false);
    let text = v.ok(&["due"]);
    assert!(text.contains("Ruth: planned amends: a letter"), "{text}");
    v.refused(&["due", "--within=-1"], 2);
}

#[test]
fn export_goes_to_stdout_or_a_file_and_import_reads_a_file() {
    let v = Vault::init_with(&["--currency", "GBP"]);
    v.add_party("Aunt Zelda", &["--relationship", "aunt"]);
    v.ok(&[
        "harm",
        "add",
        "1",
        "--did",
        "Broke her vase",
        "--owed",
        "40",
    ]);

    let raw = v.ok(&["export", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&raw).expect("JSON on stdout");
    assert_eq!(doc["format"], "amends-export");
    assert_eq!(doc["version"], 3);
    assert!(doc["exported_at"].as_str().is_some());
    assert_eq!(doc["settings"]["currency"], "GBP");
    assert_eq!(doc["parties"][0]["name"], "Aunt Zelda");
    assert_eq!(
        doc["parties"][0]["harms"][0]["owed"],
        json!({"minor": 4000, "currency": "GBP"})
    );
    // json is the default format.
    let mut plain: serde_json::Value = serde_json::from_str(&v.ok(&["export"])).unwrap();
    plain.as_object_mut().unwrap().remove("exported_at");
    assert_eq!(plain, v.export());

    let file = v.file("backup.json");
    let (out, err) = v.ok_both(&["export", "--format", "json", "-o", file.to_str().unwrap()]);
    assert!(
        out.is_empty(),
        "nothing on stdout when writing a file: {out}"
    );
    assert!(err.contains("not encrypted"), "a file export warns: {err}");
    let mut from_file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    from_file.as_object_mut().unwrap().remove("exported_at");
    assert_eq!(from_file, v.export());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the export is readable only by its owner");
    }

    let w = Vault::init();
    let out = w.ok(&["import", file.to_str().unwrap()]);
    assert!(out.starts_with("Imported 1 party."), "{out}");
    // The settings in the file replace those of the new vault, and the person is told so.
    assert!(out.contains("The settings came from the file too"), "{out}");
    assert_eq!(w.export(), v.export());

    let err = v.refused(&["export", "--format", "xml"], 2);
    assert!(err.contains("\"xml\" is not a format"), "{err}");
}

#[test]
fn passphrase_from_the_environment_or_from_a_file() {
    let v = Vault::init();
    v.add_party("Aunt Zelda", &[]);

    // A file, with the trailing line break an editor leaves.
    let pf = v.file("pass.txt");
    std::fs::write(&pf, format!("{PASS}\n")).unwrap();
    let out = bare()
        .arg("--vault")
        .arg(&v.path)
        .arg("--passphrase-file")
        .arg(&pf)
        .args(["party", "list"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Aunt Zelda"));

    // The file wins over a wrong passphrase in the environment.
    v.cmd()
        .env("AMENDS_PASSPHRASE", "not it")
        .arg("--passphrase-file")
        .arg(&pf)
        .args(["party", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Aunt Zelda"));

    // No passphrase at all and no terminal: a plain explanation, no prompt.
    let out = bare()
        .arg("--vault")
        .arg(&v.path)
        .args(["party", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("no passphrase was given"), "{err}");
    assert!(err.contains("no terminal"), "{err}");

    // A missing passphrase file is named.
    let out = v
        .cmd()
        .arg("--passphrase-file")
        .arg(v.file("nope.txt"))
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("could not be read"));

    // init can take its passphrase from a file too.
    let w = Vault::uninit();
    let out = bare()
        .arg("--vault")
        .arg(&w.path)
        .arg("--passphrase-file")
        .arg(&pf)
        .arg("init")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    w.ok(&["status"]); // opens with PASS from the environment
}

#[test]
fn the_vault_comes_from_the_flag_or_from_amends_vault() {
    let v = Vault::init();
    v.add_party("Aunt Zelda", &[]);

    // AMENDS_VAULT alone.
    let out = bare()
        .env("AMENDS_VAULT", &v.path)
        .env("AMENDS_PASSPHRASE", PASS)
        .args(["party", "list", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Aunt Zelda"));

    // --vault wins over AMENDS_VAULT.
    let elsewhere = v.file("elsewhere.amends");
    let out = bare()
        .env("AMENDS_VAULT", &elsewhere)
        .env("AMENDS_PASSPHRASE", PASS)
        .arg("--vault")
        .arg(&v.path)
        .args(["party", "list", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Aunt Zelda"));

    // A vault that is not there is named, with what to do.
    let out = bare()
        .env("AMENDS_VAULT", &elsewhere)
        .env("AMENDS_PASSPHRASE", PASS)
        .arg("status")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("There is no vault at"), "{err}");
    assert!(err.contains("amends init"), "{err}");
    assert!(
        !elsewhere.exists(),
        "looking for a vault does not create one"
    );

    // init through the environment.
    let out = bare()
        .env("AMENDS_VAULT", &elsewhere)
        .env("AMENDS_PASSPHRASE", PASS)
        .arg("init")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(elsewhere.is_file());
}

#[test]
fn steps_wording_follows_the_fellowship_setting() {
    let v = Vault::init();
    let j = v.json(&["steps", "--json"]);
    assert_eq!(j["fellowship"], "aa");
    assert!(
        j["step9"]
            .as_str()
            .unwrap()
            .contains("except when to do so")
    );
    let out = v.ok(&["settings", "--fellowship", "secular"]);
    assert!(out.contains("Settings saved."), "{out}");
    assert_eq!(v.json(&["steps", "--json"])["fellowship"], "secular");
    let err = v.refused(&["settings", "--fellowship", "xyz"], 2);
    assert!(err.contains("must be one of"), "{err}");
}

/// Bug (minor data loss): `export -o NAME.json` writes through `NAME.partial` and renames it, so
/// an unrelated file of that name beside the export is overwritten and then gone.
#[test]
fn export_to_a_file_leaves_other_files_alone() {
    let v = Vault::init();
    let mine = v.file("notes.partial");
    std::fs::write(&mine, "my own notes").unwrap();
    v.ok(&["export", "-o", v.file("notes.json").to_str().unwrap()]);
    assert_eq!(
        std::fs::read_to_string(&mine).ok().as_deref(),
        Some("my own notes"),
        "an unrelated file was destroyed by the export"
    );
}
