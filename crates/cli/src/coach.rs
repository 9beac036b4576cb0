//! `amends coach`: the script coach of the core, on a party's planned script or on a file.
//! It only points and explains; it never changes what was written and never refuses anything.

use amends_core::coach::{Context, Reading, coach as read};
use amends_core::model::Language;
use amends_vault::{PartyRef, Vault, VaultError};
use anyhow::{Context as _, Result};

use crate::args::CoachArgs;

/// Line and column (1-based, in characters) of a byte offset.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

pub fn coach(a: &CoachArgs, open: impl FnOnce() -> Result<Vault>) -> Result<()> {
    let chosen = a
        .language
        .as_deref()
        .map(|l| {
            Language::parse(l).map_err(|e| VaultError::Invalid {
                field: e.field.to_string(),
                message: e.message,
            })
        })
        .transpose()?;
    let (script, language, context) = match (&a.file, &a.party) {
        (Some(path), _) => {
            let script = std::fs::read_to_string(path)
                .with_context(|| format!("{} could not be read as text", path.display()))?;
            (script, chosen.unwrap_or(Language::En), Context::default())
        }
        (None, Some(party)) => {
            let vault = open()?;
            let id = vault.resolve(&PartyRef::parse(party))?;
            let records = vault.records()?;
            let record = records
                .iter()
                .find(|r| r.party.id == id)
                .ok_or(VaultError::NoSuchParty)?;
            let Some(plan) = &record.plan else {
                anyhow::bail!(
                    "There is no plan with a script for this party yet. Write one with `amends plan PARTY --method METHOD --script-file FILE`, or coach a draft with `amends coach --file FILE`."
                );
            };
            // Names the vault knows, never sent anywhere: the people involved in this party's
            // harms, and everyone else on the list.
            let context = Context {
                involved: record.third_party_names(),
                listed: records
                    .iter()
                    .filter(|r| r.party.id != id)
                    .map(|r| r.party.name.clone())
                    .collect(),
            };
            let language = match chosen {
                Some(l) => l,
                None => vault.settings()?.language,
            };
            (plan.script.clone(), language, context)
        }
        (None, None) => unreachable!("clap requires a party or --file"),
    };
    let reading = read(&script, language, &context);
    if a.json {
        print(&serde_json::to_string_pretty(&json(
            &script, language, &reading,
        ))?);
    } else {
        text(&script, &reading);
    }
    Ok(())
}

fn print(s: &str) {
    println!("{s}");
}

fn json(script: &str, language: Language, r: &Reading) -> serde_json::Value {
    let findings: Vec<_> = r
        .findings
        .iter()
        .map(|f| {
            let (start, end, line, column, quoted) = match &f.span {
                Some(span) => {
                    let (line, column) = line_col(script, span.start);
                    (
                        Some(span.start),
                        Some(span.end),
                        Some(line),
                        Some(column),
                        Some(&script[span.clone()]),
                    )
                }
                None => (None, None, None, None, None),
            };
            serde_json::json!({
                "kind": f.kind.code(),
                "label": f.kind.label(),
                "missing": f.kind.is_missing(),
                "start": start,
                "end": end,
                "line": line,
                "column": column,
                "text": quoted,
                "explanation": f.explanation,
                "direction": f.direction,
            })
        })
        .collect();
    serde_json::json!({
        "language": language.code(),
        "findings": findings,
        "balance": {
            "about_them": r.balance.about_them,
            "about_writer": r.balance.about_writer,
            "reading": r.balance.reading,
        },
    })
}

fn text(script: &str, r: &Reading) {
    let (present, missing): (Vec<_>, Vec<_>) =
        r.findings.iter().partition(|f| !f.kind.is_missing());
    if r.findings.is_empty() {
        println!(
            "Nothing in this script stands out. Read it aloud to your sponsor before you use it."
        );
    }
    for f in &present {
        if let Some(span) = &f.span {
            let (line, col) = line_col(script, span.start);
            println!(
                "Line {line}, column {col}: \"{}\" ({})",
                &script[span.clone()],
                f.kind.label()
            );
        } else {
            println!("{}", f.kind.label());
        }
        println!("    {}", f.explanation);
        println!("    A better direction: {}", f.direction);
        println!();
    }
    for f in &missing {
        println!("{}", capitalised(f.kind.label()));
        println!("    {}", f.explanation);
        println!("    Its shape might be: {}", f.direction);
        println!();
    }
    println!(
        "Balance: {} words about them, {} about you. {}",
        r.balance.about_them, r.balance.about_writer, r.balance.reading
    );
    println!("The coach only points; the words stay yours to change or keep.");
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
