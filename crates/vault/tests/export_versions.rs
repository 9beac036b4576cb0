//! Every earlier shape of the JSON export still imports, and exports again with today's
//! fields; the JSON Schema in docs/ is the one the code describes.
//!
//! The files in `tests/fixtures/` were written by the app itself at the commits that wrote each
//! shape (see `tests/fixtures/README.md`), not made up by hand.

use std::path::PathBuf;

use amends_core::model::Settings;
use amends_vault::export::{self, ExportDoc};
use amends_vault::{KdfParams, Vault};
use jiff::Timestamp;
use secrecy::SecretString;
use serde_json::Value;
use tempfile::TempDir;

const FAST: KdfParams = KdfParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

fn fixture(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn fresh(dir: &TempDir, name: &str) -> Vault {
    Vault::create_with(
        &dir.path().join(name),
        &SecretString::from("pw".to_string()),
        &Settings::default(),
        FAST,
    )
    .unwrap()
    .vault
}

fn at() -> Timestamp {
    "2030-01-01T00:00:00Z".parse().unwrap()
}

/// Imports a file into a fresh vault and exports it again.
fn again(dir: &TempDir, name: &str, json: &str) -> ExportDoc {
    let mut v = fresh(dir, name);
    let n = v.import_json(json).unwrap();
    let doc = v.export(at()).unwrap();
    assert_eq!(n, doc.parties.len());
    doc
}

/// What a method makes, as version 3 writes it beside the method.
fn kind_of(method: &str) -> String {
    amends_core::model::Method::parse(method)
        .unwrap()
        .kind()
        .code()
        .to_string()
}

/// The shapes the app wrote before today's, oldest first, with what each one lacks.
const SHAPES: &[(&str, &[&str])] = &[
    // The first release: three settings, no earlier wordings.
    (
        "export-1-first.json",
        &["language", "auto_lock_minutes", "crisis_line", "edits"],
    ),
    // Earlier wordings kept when a party or harm is edited (`edits`).
    (
        "export-1-edits.json",
        &["language", "auto_lock_minutes", "crisis_line"],
    ),
    // Settings for the web app: language, auto-lock and the crisis line.
    ("export-1-settings.json", &[]),
];

#[test]
fn every_earlier_shape_imports_and_exports_again_with_todays_fields() {
    let dir = TempDir::new().unwrap();
    for (i, (name, lacks)) in SHAPES.iter().enumerate() {
        let json = fixture(name);
        let raw: Value = serde_json::from_str(&json).unwrap();
        // The file is the shape it claims: it lacks exactly the fields added after it.
        let settings = raw["settings"].as_object().unwrap();
        let party = raw["parties"][0].as_object().unwrap();
        for field in ["language", "auto_lock_minutes", "crisis_line"] {
            assert_eq!(
                settings.contains_key(field),
                !lacks.contains(&field),
                "{name}: settings.{field}"
            );
        }
        assert_eq!(
            party.contains_key("edits"),
            !lacks.contains(&"edits"),
            "{name}"
        );
        assert!(!settings.contains_key("relay"), "{name}: no relay was set");

        let doc = again(&dir, &format!("{i}.amends"), &json);
        // Everything that was in the file is in the new export, with the fields added since
        // at their documented defaults.
        let mut expected = export::parse(&json).unwrap();
        expected.exported_at = doc.exported_at.clone();
        // Written again today, as version 2: held to every gate from now on.
        assert_eq!(expected.version, 1, "{name}");
        assert_eq!(doc.version, export::VERSION);
        expected.version = doc.version;
        // Its facts came before the gates it is written under from now on, and it says so:
        // an import of this export holds them to the rules alone, as it held the file.
        assert!(
            doc.gates_since
                .as_deref()
                .is_some_and(|t| t > doc.parties[0].created.as_str()),
            "{name}: gates_since"
        );
        expected.gates_since = doc.gates_since.clone();
        // Version 3 writes what each plan and attempt makes beside its method.
        for p in &mut expected.parties {
            for pl in &mut p.plans {
                pl.kind = Some(kind_of(&pl.method));
            }
            for a in &mut p.attempts {
                a.kind = Some(kind_of(&a.method));
            }
        }
        assert_eq!(doc, expected, "{name}");
        let out = serde_json::to_value(&doc).unwrap();
        for field in ["language", "auto_lock_minutes", "crisis_line"] {
            assert!(
                out["settings"].get(field).is_some(),
                "{name}: {field} written"
            );
        }
        for p in out["parties"].as_array().unwrap() {
            assert!(p.get("edits").is_some(), "{name}: edits written");
        }
        if lacks.contains(&"language") {
            assert_eq!(doc.settings.language, "en");
            assert_eq!(doc.settings.auto_lock_minutes, 15);
            assert_eq!(doc.settings.crisis_line, "");
        }
        // And today's export goes round again unchanged.
        let twice = again(
            &dir,
            &format!("{i}-again.amends"),
            &serde_json::to_string(&doc).unwrap(),
        );
        assert_eq!(twice, doc, "{name}");
    }
}

#[test]
fn the_fixtures_hold_every_kind_of_record() {
    // So that the test above covers every part of a party, not just names.
    for (name, _) in SHAPES {
        let doc = export::parse(&fixture(name)).unwrap();
        let ps = &doc.parties;
        let any = |f: &dyn Fn(&export::PartyOut) -> bool| ps.iter().any(f);
        assert!(any(&|p| p.harms.iter().any(|h| h.owed.is_some())), "{name}");
        assert!(
            any(&|p| p.harms.iter().any(|h| !h.set_asides.is_empty())),
            "{name}"
        );
        assert!(any(&|p| p.set_asides.len() > 1), "{name}");
        assert!(any(&|p| p.willingness.len() > 1), "{name}");
        assert!(any(&|p| !p.safety.is_empty()), "{name}");
        assert!(any(&|p| !p.consultations.is_empty()), "{name}");
        assert!(any(&|p| p.plans.len() > 1), "{name}");
        assert!(any(&|p| !p.consents.is_empty()), "{name}");
        assert!(any(&|p| p.deferrals.len() > 1), "{name}");
        assert!(any(&|p| !p.attempts.is_empty()), "{name}");
        for kind in ["restitution", "living", "promise"] {
            assert!(
                any(&|p| p.commitments.iter().any(|c| c.kind == kind)),
                "{name}"
            );
        }
        assert!(
            any(&|p| p.commitments.iter().any(|c| !c.payments.is_empty())),
            "{name}"
        );
        assert!(
            any(&|p| p.commitments.iter().any(|c| !c.checkins.is_empty())),
            "{name}"
        );
        assert!(
            any(&|p| p.commitments.iter().any(|c| c.closed.is_some())),
            "{name}"
        );
    }
    let edits = export::parse(&fixture("export-1-edits.json")).unwrap();
    let n: usize = edits.parties.iter().map(|p| p.edits.len()).sum();
    assert_eq!(n, 2, "a party edit and a harm edit");
}

fn schema_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/export-schema.json")
}

#[test]
fn the_json_schema_in_docs_is_the_one_the_code_describes() {
    let made = serde_json::to_string_pretty(&export::json_schema()).unwrap() + "\n";
    // `AMENDS_WRITE_SCHEMA=1 cargo test -p amends-vault --test export_versions` writes it anew.
    if std::env::var_os("AMENDS_WRITE_SCHEMA").is_some() {
        std::fs::write(schema_file(), &made).unwrap();
    }
    let kept = std::fs::read_to_string(schema_file()).unwrap_or_default();
    assert!(
        kept == made,
        "docs/export-schema.json differs from the export types; if the change is meant, run \
         AMENDS_WRITE_SCHEMA=1 cargo test -p amends-vault --test export_versions and commit it"
    );
}

#[test]
fn the_schema_describes_what_is_required_and_refuses_unknown_fields() {
    let s = export::json_schema();
    let required = |v: &Value| -> Vec<String> {
        v["required"]
            .as_array()
            .map(|a| a.iter().map(|x| x.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };
    let mut top = required(&s);
    top.sort();
    assert_eq!(
        top,
        ["exported_at", "format", "parties", "settings", "version"]
    );
    assert_eq!(s["additionalProperties"], Value::Bool(false));
    let defs = s["$defs"].as_object().unwrap();
    let settings = &defs["SettingsOut"];
    let mut req = required(settings);
    req.sort();
    // The settings added within version 1 may be left out.
    assert_eq!(req, ["amends_to_self", "currency", "fellowship"]);
    assert!(!required(&defs["PartyOut"]).contains(&"edits".to_string()));
    for (name, def) in defs {
        if def.get("properties").is_some() {
            assert_eq!(def["additionalProperties"], Value::Bool(false), "{name}");
        }
    }
}

/// A version 2 file (written by the app at `48c9657`, before how and what were kept apart and
/// before the safety questions followed the kind of party) imports with its meaning: each
/// method is read as the kind it makes and the channel it names, and every set of answers as
/// all twelve questions asked.
#[test]
fn a_version_2_file_imports_with_its_methods_read_as_how_and_what() {
    let dir = TempDir::new().unwrap();
    let json = fixture("export-2-gates.json");
    let raw: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(raw["version"], 2);
    for p in raw["parties"].as_array().unwrap() {
        for part in ["plans", "attempts"] {
            for x in p[part].as_array().unwrap() {
                assert!(x.get("kind").is_none() && x.get("channel").is_none());
            }
        }
        for s in p["safety"].as_array().unwrap() {
            assert!(s.get("asked").is_none());
        }
    }
    let doc = again(&dir, "v2.amends", &json);
    assert_eq!(doc.version, export::VERSION);
    let mut expected = export::parse(&json).unwrap();
    expected.version = doc.version;
    expected.exported_at = doc.exported_at.clone();
    expected.gates_since = doc.gates_since.clone();
    let mut methods = 0;
    for p in &mut expected.parties {
        for pl in &mut p.plans {
            pl.kind = Some(kind_of(&pl.method));
            methods += 1;
        }
        for a in &mut p.attempts {
            a.kind = Some(kind_of(&a.method));
            methods += 1;
        }
    }
    assert!(methods >= 4, "the fixture has plans and attempts");
    assert_eq!(doc, expected);
    let words = doc
        .parties
        .iter()
        .flat_map(|p| p.plans.iter().map(|pl| pl.kind.as_deref()))
        .filter(|k| *k == Some("words"))
        .count();
    assert!(words >= 2, "face-to-face and letter plans are words");
    // What it imported is answered as it was: no question is asked again.
    let mut v = fresh(&dir, "v2-check.amends");
    v.import_json(&json).unwrap();
    for r in v.records().unwrap() {
        if r.safety.is_some() {
            assert!(
                amends_core::rules::verdict(&r).missing.is_empty(),
                "{}",
                r.party.name
            );
        }
    }
    // And today's export goes round again unchanged.
    let twice = again(
        &dir,
        "v2-again.amends",
        &serde_json::to_string(&doc).unwrap(),
    );
    assert_eq!(twice, doc);
}

/// A file that says version 2 cannot carry a field of version 3: it was changed by hand.
#[test]
fn a_version_2_file_with_a_field_of_version_3_is_refused() {
    let dir = TempDir::new().unwrap();
    let mut raw: Value = serde_json::from_str(&fixture("export-2-gates.json")).unwrap();
    raw["parties"][0]["attempts"][0]["channel"] = Value::from("face-to-face");
    let mut v = fresh(&dir, "v.amends");
    let err = v.import_json(&raw.to_string()).unwrap_err().to_string();
    assert!(
        err.contains("attempts[0].channel") && err.contains("version 3"),
        "{err}"
    );
}
