//! `amends coach` through the real binary: it points at what could undermine a script, with
//! names the vault knows, and never refuses or changes anything.

use crate::common;

use common::Vault;

const FLAWED: &str = "Jo, I lied to you about the money. Priya knew. I am sorry if that hurt.\n";

/// One field (`kind`, `label`) of every finding of a `--json` reading.
fn each<'a>(j: &'a serde_json::Value, field: &str) -> Vec<&'a str> {
    j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f[field].as_str().unwrap())
        .collect()
}

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
    let kinds = each(&j, "kind");
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
    let kinds = each(&j, "kind");
    assert!(kinds.contains(&"conditional"), "{kinds:?}");
    assert!(kinds.contains(&"pressing-forgiveness"), "{kinds:?}");
    let err = v.fails(&["coach", "--file", &f, "--language", "fr"], 2);
    assert!(err.contains("language"), "{err}");
}

#[test]
fn the_advice_fits_the_method_and_the_party_and_names_the_vault_currency() {
    // A draft read on its own: --method says what it is for, --currency the money.
    let v = Vault::uninit();
    let f = write(
        &v,
        "letter.txt",
        "Dad, I lied to you about the money for years. Is there any other way I have harmed you?\n",
    );
    let j = v.json(&[
        "coach",
        "--file",
        &f,
        "--method",
        "unsent-letter",
        "--currency",
        "EUR",
        "--json",
    ]);
    assert_eq!(j["fit"], "unsent", "{j}");
    let kinds = each(&j, "kind");
    assert!(kinds.contains(&"unanswerable"), "{kinds:?}");
    assert!(!kinds.contains(&"missing-other-harm"), "{kinds:?}");
    assert!(!kinds.contains(&"missing-set-right"), "{kinds:?}");
    let out = v.ok(&[
        "coach",
        "--file",
        &f,
        "--method",
        "unsent-letter",
        "--currency",
        "EUR",
    ]);
    assert!(
        out.contains("For an unsent letter: This letter will not be sent"),
        "{out}"
    );
    assert!(out.contains("50.00 EUR") && !out.contains('$'), "{out}");
    let err = v.fails(&["coach", "--file", &f, "--method", "pigeon"], 2);
    assert!(err.contains("method"), "{err}");

    // A party recorded as deceased, in a EUR vault: its plan's script is read as a letter to
    // someone who has died, whatever it is sent by, with examples in euros.
    let v = Vault::init_with(&["--currency", "EUR"]);
    v.add_party("Dad", &["--kind", "deceased"]);
    v.add_harm("Dad", "Stayed away for years");
    let f = write(
        &v,
        "dad.txt",
        "Dad, I stayed away for years. What can I do to set this right?\n",
    );
    v.ok(&[
        "plan",
        "Dad",
        "--method",
        "unsent-letter",
        "--script-file",
        &f,
    ]);
    let out = v.ok(&["coach", "Dad"]);
    assert!(
        out.contains("For a letter to someone who has died:"),
        "{out}"
    );
    assert!(out.contains("a question they cannot answer"), "{out}");
    assert!(out.contains("20.00 EUR") && !out.contains('$'), "{out}");
    assert!(!out.contains("Ask, e.g."), "{out}");
}

#[test]
fn an_over_long_file_is_read_to_what_a_script_holds_and_says_so() {
    let v = Vault::uninit();
    let line = "I took your car and crashed it, but I was tired.\n";
    let f = write(&v, "long.txt", &line.repeat(6_000));
    let started = std::time::Instant::now();
    let out = v.ok(&["coach", "--file", &f]);
    assert!(
        out.starts_with(
            "Only the first 200,000 characters were read; a script can hold at most 200,000 characters. This one has 294,000: shorten it, or split it into two."
        ),
        "{}",
        &out[..out.len().min(500)]
    );
    let j = v.json(&["coach", "--file", &f, "--json"]);
    assert_eq!(j["read"], 200_000);
    assert_eq!(j["total"], 294_000);
    // Nothing past the cap is pointed at.
    assert!(
        j["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["end"].as_u64().is_none_or(|e| e <= 200_000))
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

/// The kinds of the whole literature, in both languages, each with its words, and in the
/// language of the script.
#[test]
fn vague_admissions_empty_promises_bargaining_and_about_me_in_each_language() {
    let v = Vault::uninit();
    let quoted = |j: &serde_json::Value, kind: &str| -> String {
        j["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["kind"] == kind)
            .map(|f| f["text"].as_str().unwrap().to_string())
            .unwrap_or_default()
    };

    // A blanket admission stands where the act should be, and a promise with nothing behind
    // it where the commitment should be: each is pointed at in its own words, and the missing
    // act and commitment are not counted twice.
    let f = write(
        &v,
        "vague.txt",
        "Sorry for everything back then. My life has completely turned around and honestly I \
         feel amazing. I'm a changed man, it won't happen again.\n",
    );
    let j = v.json(&["coach", "--file", &f, "--json"]);
    let k = each(&j, "kind");
    for want in ["vague", "about-me", "empty-promise"] {
        assert!(k.contains(&want), "{want}: {k:?}");
    }
    assert!(!k.contains(&"missing-act"), "{k:?}");
    assert!(!k.contains(&"missing-commitment"), "{k:?}");
    assert_eq!(quoted(&j, "vague"), "Sorry for everything");
    let text = v.ok(&["coach", "--file", &f]);
    assert!(
        text.contains("(a vague admission in place of the act)"),
        "{text}"
    );
    assert!(
        text.contains("(a promise with no behaviour behind it)"),
        "{text}"
    );

    // A condition on them for what the writer will do.
    let f = write(
        &v,
        "deal.txt",
        "I took your car and crashed it. That was on me. I'll pay for the repairs as soon as \
         you drop the charges.\n",
    );
    let j = v.json(&["coach", "--file", &f, "--json"]);
    assert!(each(&j, "kind").contains(&"bargaining"), "{j}");
    assert!(
        quoted(&j, "bargaining").starts_with("as soon as you drop"),
        "{j}"
    );

    // The same in Spanish, in the words Spanish speakers use (voseo too), with Spanish labels.
    let f = write(
        &v,
        "vaga.txt",
        "Perdóname por todo lo de estos años. No sabés lo que he sufrido, no duermo. Ya cambié, \
         te prometo que no volverá a pasar.\n",
    );
    let j = v.json(&["coach", "--file", &f, "--language", "es", "--json"]);
    let k = each(&j, "kind");
    for want in ["vague", "about-me", "empty-promise"] {
        assert!(k.contains(&want), "{want}: {k:?}");
    }
    let labels = each(&j, "label");
    assert!(labels.contains(&"hacerlo sobre mí"), "{labels:?}");
    assert!(
        labels.contains(&"una promesa sin un comportamiento detrás"),
        "{labels:?}"
    );
    let f = write(
        &v,
        "trato.txt",
        "Te choqué el auto y te mentí. Fue culpa mía. Te pago el arreglo en cuanto me devuelvas \
         las llaves.\n",
    );
    let j = v.json(&["coach", "--file", &f, "--language", "es", "--json"]);
    assert!(each(&j, "kind").contains(&"bargaining"), "{j}");
    assert_eq!(j["fit_label"], "una reparación directa");
}
