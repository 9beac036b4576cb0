//! The licences of every crate Amends is built from are ones the project accepts: an offline
//! equivalent of `cargo deny check licenses`. The accepted list, the exceptions per crate and
//! their reasons are in `licenses.toml` at the top of the repository (read it for how to change
//! them). The packages come from `cargo metadata --offline` for this platform, so the check
//! needs no network; crates built only for other platforms (Windows, say) are not looked at.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

/// The accepted licences, as written in `licenses.toml`.
#[derive(Debug)]
struct Policy {
    allow: BTreeSet<String>,
    allow_with: BTreeSet<String>,
    /// Per crate: the extra licences accepted for it.
    exceptions: BTreeMap<String, BTreeSet<String>>,
    /// Crates without a `license` field, with the licence read by hand.
    by_hand: BTreeMap<String, String>,
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn strings(v: Option<&toml::Value>, what: &str) -> BTreeSet<String> {
    v.and_then(toml::Value::as_array)
        .unwrap_or_else(|| panic!("licenses.toml: `{what}` should be a list of SPDX ids"))
        .iter()
        .map(|s| {
            s.as_str()
                .unwrap_or_else(|| panic!("licenses.toml: `{what}` holds a non-string"))
                .to_string()
        })
        .collect()
}

fn read_policy(text: &str) -> Policy {
    let doc: toml::Table = text.parse().expect("licenses.toml is valid TOML");
    let mut exceptions = BTreeMap::new();
    let tables = |key: &str| -> Vec<toml::Table> {
        doc.get(key)
            .map(|v| {
                v.as_array()
                    .unwrap_or_else(|| panic!("licenses.toml: [[{key}]] should be tables"))
                    .iter()
                    .map(|t| t.as_table().expect("a table").clone())
                    .collect()
            })
            .unwrap_or_default()
    };
    let field = |t: &toml::Table, key: &str, section: &str| -> String {
        let s = t.get(key).and_then(toml::Value::as_str).unwrap_or_default();
        assert!(
            !s.trim().is_empty(),
            "licenses.toml: every [[{section}]] needs `{key}`: {t:?}"
        );
        s.to_string()
    };
    for t in tables("exception") {
        let name = field(&t, "crate", "exception");
        field(&t, "reason", "exception");
        exceptions.insert(name, strings(t.get("allow"), "exception.allow"));
    }
    let mut by_hand = BTreeMap::new();
    for t in tables("by-hand") {
        field(&t, "reason", "by-hand");
        by_hand.insert(
            field(&t, "crate", "by-hand"),
            field(&t, "license", "by-hand"),
        );
    }
    Policy {
        allow: strings(doc.get("allow"), "allow"),
        allow_with: strings(doc.get("allow-with"), "allow-with"),
        exceptions,
        by_hand,
    }
}

/// An SPDX license expression.
#[derive(Debug, PartialEq)]
enum Expr {
    Id(String),
    With(String, String),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

fn tokens(text: &str) -> Vec<String> {
    // The old "MIT/Apache-2.0" form means OR, as crates.io and cargo-deny read it.
    let spaced = text
        .replace('(', " ( ")
        .replace(')', " ) ")
        .replace('/', " OR ");
    spaced.split_whitespace().map(str::to_string).collect()
}

/// Parses with the SPDX precedence: WITH binds tightest, then AND, then OR.
fn parse(text: &str) -> Result<Expr, String> {
    let toks = tokens(text);
    let mut at = 0;
    let e = parse_or(&toks, &mut at)?;
    if at != toks.len() {
        return Err(format!("unexpected `{}`", toks[at]));
    }
    Ok(e)
}

fn parse_or(t: &[String], at: &mut usize) -> Result<Expr, String> {
    let mut left = parse_and(t, at)?;
    while t.get(*at).is_some_and(|s| s.eq_ignore_ascii_case("OR")) {
        *at += 1;
        left = Expr::Or(Box::new(left), Box::new(parse_and(t, at)?));
    }
    Ok(left)
}

fn parse_and(t: &[String], at: &mut usize) -> Result<Expr, String> {
    let mut left = parse_with(t, at)?;
    while t.get(*at).is_some_and(|s| s.eq_ignore_ascii_case("AND")) {
        *at += 1;
        left = Expr::And(Box::new(left), Box::new(parse_with(t, at)?));
    }
    Ok(left)
}

fn parse_with(t: &[String], at: &mut usize) -> Result<Expr, String> {
    let base = match t.get(*at).map(String::as_str) {
        Some("(") => {
            *at += 1;
            let inner = parse_or(t, at)?;
            if t.get(*at).map(String::as_str) != Some(")") {
                return Err("a `(` is not closed".into());
            }
            *at += 1;
            return Ok(inner);
        }
        Some(")") | None => return Err("a licence id is missing".into()),
        Some(op) if ["AND", "OR", "WITH"].contains(&op.to_ascii_uppercase().as_str()) => {
            return Err(format!("`{op}` where a licence id should be"));
        }
        Some(id) => id.to_string(),
    };
    *at += 1;
    if t.get(*at).is_some_and(|s| s.eq_ignore_ascii_case("WITH")) {
        *at += 1;
        let exception = t
            .get(*at)
            .filter(|s| !["(", ")"].contains(&s.as_str()))
            .ok_or("an exception is missing after WITH")?
            .clone();
        *at += 1;
        return Ok(Expr::With(base, exception));
    }
    Ok(Expr::Id(base))
}

/// Whether the expression can be satisfied with licences accepted for this crate.
fn accepted(e: &Expr, ok: &dyn Fn(&str) -> bool, ok_with: &dyn Fn(&str) -> bool) -> bool {
    match e {
        // "GPL-2.0+" is that licence or a later one: the id itself must be accepted.
        Expr::Id(id) => ok(id.trim_end_matches('+')),
        Expr::With(id, ex) => ok(id.trim_end_matches('+')) && ok_with(ex),
        Expr::And(a, b) => accepted(a, ok, ok_with) && accepted(b, ok, ok_with),
        Expr::Or(a, b) => accepted(a, ok, ok_with) || accepted(b, ok, ok_with),
    }
}

/// Every problem found: one line per package, naming the crate and its licence.
fn problems(policy: &Policy, packages: &[Value]) -> Vec<String> {
    let mut found = Vec::new();
    for p in packages {
        let name = p["name"].as_str().unwrap_or("?");
        let version = p["version"].as_str().unwrap_or("?");
        let extra = policy.exceptions.get(name);
        let ok = |id: &str| policy.allow.contains(id) || extra.is_some_and(|x| x.contains(id));
        let ok_with = |ex: &str| policy.allow_with.contains(ex);
        let license = match p["license"].as_str() {
            Some(l) if !l.trim().is_empty() => l.to_string(),
            _ => match policy.by_hand.get(name) {
                Some(l) => l.clone(),
                None => {
                    found.push(format!(
                        "{name} {version}: no `license` field. Read its licence file ({}) and list it under [[by-hand]] in licenses.toml if it is acceptable.",
                        p["license_file"].as_str().unwrap_or("none named")
                    ));
                    continue;
                }
            },
        };
        match parse(&license) {
            Ok(e) if accepted(&e, &ok, &ok_with) => {}
            Ok(_) => found.push(format!(
                "{name} {version}: licence `{license}` is not accepted by licenses.toml"
            )),
            Err(why) => found.push(format!(
                "{name} {version}: licence `{license}` cannot be read ({why})"
            )),
        }
    }
    found
}

fn metadata_packages() -> Vec<Value> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let host = String::from_utf8(
        Command::new("rustc")
            .arg("-vV")
            .output()
            .expect("rustc runs")
            .stdout,
    )
    .unwrap()
    .lines()
    .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
    .expect("rustc names the host platform");
    let out = Command::new(cargo)
        .current_dir(repo_root())
        .args(["metadata", "--format-version", "1", "--offline"])
        .args(["--filter-platform", &host])
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata --offline failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata gives JSON");
    meta["packages"].as_array().expect("packages").clone()
}

#[test]
fn every_crate_has_an_accepted_licence() {
    let text = std::fs::read_to_string(repo_root().join("licenses.toml"))
        .expect("licenses.toml at the top of the repository");
    let policy = read_policy(&text);
    let packages = metadata_packages();
    assert!(
        packages.len() > 50,
        "cargo metadata listed the dependencies"
    );
    let found = problems(&policy, &packages);
    assert!(
        found.is_empty(),
        "{} package(s) with a licence licenses.toml does not accept:\n{}",
        found.len(),
        found.join("\n")
    );
    // An exception for a crate no longer used is only noted: it may be used on another platform.
    let names: BTreeSet<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    for name in policy.exceptions.keys().chain(policy.by_hand.keys()) {
        if !names.contains(name.as_str()) {
            eprintln!("licenses.toml names {name}, which this build no longer uses");
        }
    }
    println!("{} packages, each with an accepted licence", packages.len());
}

#[test]
fn licence_expressions_are_read_as_spdx_says() {
    let policy = read_policy(
        r#"
allow = ["MIT", "Apache-2.0"]
allow-with = ["LLVM-exception"]
[[exception]]
crate = "special"
allow = ["MPL-2.0"]
reason = "for the test"
[[by-hand]]
crate = "bare"
license = "MIT"
reason = "read by hand for the test"
"#,
    );
    let pkg = |name: &str, license: Option<&str>| serde_json::json!({"name": name, "version": "1.0.0", "license": license});
    let good = [
        pkg("a", Some("MIT")),
        pkg("b", Some("MIT OR GPL-3.0-only")),
        pkg("c", Some("(MIT OR Apache-2.0) AND Apache-2.0")),
        pkg("d", Some("Apache-2.0 WITH LLVM-exception OR GPL-2.0")),
        pkg("e", Some("MIT/Apache-2.0")),
        pkg("special", Some("MPL-2.0 AND MIT")),
        pkg("bare", None),
    ];
    assert_eq!(problems(&policy, &good), Vec::<String>::new());
    let bad = [
        pkg("f", Some("GPL-3.0-only")),
        pkg("g", Some("MIT AND GPL-2.0-or-later")),
        pkg("h", Some("(MIT OR Apache-2.0) AND (GPL-2.0 OR MPL-2.0)")),
        pkg("i", Some("Apache-2.0 WITH Classpath-exception-2.0")),
        pkg("j", None),
        pkg("k", Some("MIT AND")),
        pkg("l", Some("(MIT")),
        pkg("m", Some("MPL-2.0")),
    ];
    let found = problems(&policy, &bad);
    assert_eq!(found.len(), bad.len(), "{found:#?}");
    assert!(found[0].starts_with("f 1.0.0: licence `GPL-3.0-only` is not accepted"));
    assert!(found[4].starts_with("j 1.0.0: no `license` field"));
    assert!(found[5].contains("cannot be read"));
    assert_eq!(
        parse("A OR B AND C WITH D").unwrap(),
        Expr::Or(
            Box::new(Expr::Id("A".into())),
            Box::new(Expr::And(
                Box::new(Expr::Id("B".into())),
                Box::new(Expr::With("C".into(), "D".into()))
            ))
        )
    );
}
