//! `amends coach`: the script coach of the core, on a party's planned script or on a file.
//! It only points and explains; it never changes what was written and never refuses anything.
//! The advice fits the method (the plan's, or `--method`) and what the vault knows of the
//! party, and examples that name money name it in the vault's currency (or `--currency`).

use amends_core::coach::{Context, Reading, coach as read};
use amends_core::model::{Language, Way};
use amends_core::money::Currency;
use amends_vault::{PartyRef, Vault, VaultError};
use anyhow::{Context as _, Result};

use crate::args::CoachArgs;

/// Line and column (1-based, in characters) of byte offsets taken in increasing order: each
/// step reads on from the last one, so a whole script of findings costs one pass.
struct Positions<'a> {
    text: &'a str,
    at: usize,
    line: usize,
    col: usize,
}

impl<'a> Positions<'a> {
    fn new(text: &'a str) -> Self {
        Positions {
            text,
            at: 0,
            line: 1,
            col: 1,
        }
    }

    fn of(&mut self, to: usize) -> (usize, usize) {
        if to < self.at {
            *self = Positions::new(self.text);
        }
        for c in self.text[self.at..to].chars() {
            if c == '\n' {
                self.line += 1;
                self.col = 1;
            } else {
                self.col += 1;
            }
        }
        self.at = to;
        (self.line, self.col)
    }
}

fn invalid(e: amends_core::Invalid) -> VaultError {
    VaultError::Invalid {
        field: e.field.to_string(),
        message: e.message,
    }
}

pub fn coach(a: &CoachArgs, open: impl FnOnce() -> Result<Vault>) -> Result<()> {
    let chosen = a
        .language
        .as_deref()
        .map(Language::parse)
        .transpose()
        .map_err(invalid)?;
    // How, as `amends plan --method` reads it (a channel or a method's code).
    let method = a
        .method
        .as_deref()
        .map(|m| Way::parse(m, "").map(|w| w.method))
        .transpose()
        .map_err(invalid)?;
    let currency = a
        .currency
        .as_deref()
        .map(Currency::parse)
        .transpose()
        .map_err(invalid)?;
    let (script, language, context) = match (&a.file, &a.party) {
        (Some(path), _) => {
            let script = std::fs::read_to_string(path)
                .with_context(|| format!("{} could not be read as text", path.display()))?;
            let context = Context {
                method,
                currency,
                ..Context::default()
            };
            (script, chosen.unwrap_or(Language::En), context)
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
            let settings = vault.settings()?;
            // Names the vault knows, never sent anywhere: the people involved in this party's
            // harms, and everyone else on the list; with the plan's method (or the one asked
            // for), what is known of the party, and the vault's currency.
            let context = Context::for_party(
                record,
                &records,
                method,
                currency.unwrap_or(settings.currency),
            );
            (
                plan.script.clone(),
                chosen.unwrap_or(settings.language),
                context,
            )
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
    let mut at = Positions::new(script);
    let findings: Vec<_> = r
        .findings
        .iter()
        .map(|f| {
            let (start, end, line, column, quoted) = match &f.span {
                Some(span) => {
                    let (line, column) = at.of(span.start);
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
                "label": f.label,
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
        "fit": r.fit.code(),
        "fit_label": r.fit_label,
        "note": r.note,
        "read": r.read,
        "total": r.total,
        "over": r.over,
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
    if let Some(over) = &r.over {
        println!("{over}");
        println!();
    }
    if let Some(note) = &r.note {
        println!("For {}: {note}", r.fit_label);
        println!();
    }
    let mut at = Positions::new(script);
    if r.findings.is_empty() {
        println!(
            "Nothing in this script stands out. Read it aloud to your sponsor before you use it."
        );
    }
    for f in &present {
        if let Some(span) = &f.span {
            let (line, col) = at.of(span.start);
            println!(
                "Line {line}, column {col}: \"{}\" ({})",
                &script[span.clone()],
                f.label
            );
        } else {
            println!("{}", f.label);
        }
        println!("    {}", f.explanation);
        println!("    A better direction: {}", f.direction);
        println!();
    }
    for f in &missing {
        println!("{}", capitalised(f.label));
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
