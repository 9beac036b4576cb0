//! `amends coach` through the real binary: it points at what could undermine a script, with
//! names the vault knows, and never refuses or changes anything.

use crate::common;

use common::Vault;

const FLAWED: &str = "Jo, I lied to you about the money. Priya knew. I am sorry if that hurt.\n";

fn write(v: &Vault, name: &str, text: &str) -> String {
    let path = v.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn a_draft_file_is_read_without_a_vault_and_each_finding_points_at_its_words() {
    let v = Vault::uninit();
    let f = write(
        &v,
        "draft.txt",
        "Dear Sam,\n\nI am sorry if you were hurt. Please forgive me.\n",
    );
    let out = v.ok(&["coach", "--file", &f]);
    assert!(
        out.contains("Line 3, column 6: \"sorry if\" (conditional or hedged apology)"),
        "{out}"
    );
    assert!(out.contains("(pressing for forgiveness)"), "{out}");
    assert!(out.contains("Missing: a concrete commitment"), "{out}");
    assert!(!v.path.exists(), "no vault was needed or made");

    let j = v.json(&["coach", "--file", &f, "--json"]);
    let kinds: Vec<&str> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"conditional") && kinds.contains(&"pressing-forgiveness"),
        "{kinds:?}"
    );
    let first = &j["findings"][0];
    assert_eq!(first["text"], "sorry if");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(3), Some(6))
    );
    assert_eq!(j["language"], "en");

    // A script without those faults is not flagged for them.
    let good = write(
        &v,
        "good.txt",
        "I lied to you about the money, and that was wrong. It was my doing. \
         Is there any other way I have harmed you? What can I do to set this right? \
         I will pay back the 200 dollars by the end of March.\n",
    );
    let j = v.json(&["coach", "--file", &good, "--json"]);
    assert_eq!(j["findings"].as_array().unwrap().len(), 0, "{j}");
}

#[test]
fn a_planned_script_is_read_with_the_names_the_vault_knows() {
    let v = Vault::init();
    v.add_party("Jo", &[]);
    v.add_party("Kim", &[]);
    v.ok(&[
        "harm",
        "add",
        "Jo",
        "--did",
        "Lied about the money",
        "--third-party",
        "Priya",
    ]);
    v.ok(&["safety", "Jo", "--third-parties"]);
    let f = write(&v, "s.txt", FLAWED);
    v.ok(&["plan", "Jo", "--method", "letter", "--script-file", &f]);
    let before = v.json(&["show", "Jo", "--json"]);

    let j = v.json(&["coach", "Jo", "--json"]);
    let third: Vec<_> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "third-party")
        .collect();
    assert_eq!(third.len(), 1, "{j}");
    assert_eq!(third[0]["text"], "Priya");
    // Coaching changes nothing.
    assert_eq!(v.json(&["show", "Jo", "--json"]), before);

    // No plan yet: said plainly, without the name, and nothing changes.
    let err = v.fails(&["coach", "Kim"], 1);
    assert!(err.contains("no plan with a script"), "{err}");
    assert!(!err.contains("Kim"), "no names on stderr: {err}");
}

#[test]
fn spanish_scripts_are_read_in_spanish() {
    let v = Vault::uninit();
    let f = write(
        &v,
        "carta.txt",
        "Lo siento si te hice daño. Por favor, perdóname.\n",
    );
    let j = v.json(&["coach", "--file", &f, "--language", "es", "--json"]);
    assert_eq!(j["language"], "es");
    let kinds: Vec<&str> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"conditional"), "{kinds:?}");
    assert!(kinds.contains(&"pressing-forgiveness"), "{kinds:?}");
    let err = v.fails(&["coach", "--file", &f, "--language", "fr"], 2);
    assert!(err.contains("language"), "{err}");
}
