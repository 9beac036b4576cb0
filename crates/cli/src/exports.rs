//! `amends export` as CSV, Markdown or PDF (JSON stays in `run.rs`), and `amends calendar`:
//! the calendar file and the web app's calendar subscription.

use std::io::{IsTerminal, Write};
use std::path::Path;

use amends_core::Now;
use amends_transfer::csv_out::{self, What};
use amends_transfer::discreet::Options;
use amends_transfer::pdf::{self, Paper};
use amends_transfer::sheet::{Scope, Sheet};
use amends_transfer::{ics, markdown};
use amends_vault::{CalendarSettings, PartyRef, VaultError};
use anyhow::Result;
use serde::Serialize;

use crate::args::{
    CalendarAddressArgs, CalendarArgs, CalendarCmd, Cli, ExportArgs, ExportTable, OnOff, PaperSize,
};
use crate::run::{emit, invalid, open, print_json};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Markdown,
    Pdf,
}

impl Format {
    fn parse(text: &str) -> Result<Format> {
        match text.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "markdown" | "md" => Ok(Format::Markdown),
            "pdf" => Ok(Format::Pdf),
            _ => Err(invalid(
                "format",
                format!(
                    "\"{}\" is not a format Amends writes; use json, csv, markdown or pdf",
                    text.trim()
                ),
            )),
        }
    }
}

/// With `--format json`, the options of the other formats are refused: the JSON export is
/// always the whole vault, word for word.
pub fn json_only(a: &ExportArgs) -> Result<()> {
    let given = [
        (a.discreet, "--discreet"),
        (a.what.is_some(), "--what"),
        (a.party.is_some(), "--party"),
        (a.paper.is_some(), "--paper"),
    ];
    if let Some((_, flag)) = given.iter().find(|(on, _)| *on) {
        return Err(invalid(
            "format",
            format!(
                "{flag} is for csv, markdown and pdf; the JSON export is always the whole vault, as it is (add --format csv, markdown or pdf)"
            ),
        ));
    }
    Ok(())
}

/// What a file written on this computer holds, for the person ("The file ...").
fn privacy_note(options: Options) -> &'static str {
    if options.discreet {
        "is not encrypted; the names in it are initials."
    } else {
        "is not encrypted and holds names and what you wrote: keep it somewhere private."
    }
}

/// Writes `bytes` to `path`: a fresh file readable only by its owner, beside the target,
/// renamed over it once complete.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".amends-export-")
        .tempfile_in(dir)
        .map_err(|e| {
            anyhow::anyhow!(
                "a file could not be created in {}: {}",
                dir.display(),
                e.kind()
            )
        })?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| {
        anyhow::anyhow!(
            "{} could not be written: {}",
            path.display(),
            e.error.kind()
        )
    })?;
    Ok(())
}

/// Sends the bytes to the file asked for, or to standard output.
fn deliver(bytes: &[u8], to: Option<&Path>, what: &str, note: &str) -> Result<()> {
    match to {
        Some(path) => {
            write_private(path, bytes)?;
            eprintln!("Wrote {what} to {}. The file {note}", path.display());
            Ok(())
        }
        None => {
            if !std::io::stdout().is_terminal() {
                eprintln!("Note: this file {note}");
            }
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)?;
            out.flush()?;
            Ok(())
        }
    }
}

/// `amends export --format csv|markdown|pdf`.
pub fn export_cmd(cli: &Cli, a: &ExportArgs, now: &Now) -> Result<()> {
    let format = Format::parse(&a.format)?;
    if a.what.is_some() && format != Format::Csv {
        return Err(invalid(
            "what",
            "chooses the table of a csv export; a markdown or pdf worksheet holds the list, the harms, the plans and the commitments together",
        ));
    }
    if a.paper.is_some() && format != Format::Pdf {
        return Err(invalid("paper", "is for a pdf worksheet only"));
    }
    if format == Format::Pdf && a.output.is_none() && std::io::stdout().is_terminal() {
        return Err(invalid(
            "output",
            "a PDF is not text and cannot be shown in a terminal; write it to a file with -o worksheet.pdf",
        ));
    }
    let vault = open(cli)?;
    let language = vault.settings()?.language;
    let records = vault.records()?;
    let party = match &a.party {
        Some(p) => Some(vault.resolve(&PartyRef::parse(p))?),
        None => None,
    };
    drop(vault);
    let options = Options {
        discreet: a.discreet,
        harm_details: a.harm_details,
        notes: a.notes,
    };
    // Worksheets show amounts as people read them; CSV keeps its own machine columns.
    let sheet = Sheet::build_in(&records, now, options, language);
    let scope = party.map_or(Scope::Worksheet, Scope::Party);
    let note = privacy_note(options);
    let to = a.output.as_deref();
    match format {
        Format::Csv => {
            let what = match a.what.unwrap_or(ExportTable::List) {
                ExportTable::List => What::List,
                ExportTable::Harms => What::Harms,
                ExportTable::Plans => What::Plans,
                ExportTable::Commitments => What::Commitments,
            };
            let sheet = match party {
                Some(id) => sheet.only(id).ok_or(VaultError::NoSuchParty)?,
                None => sheet,
            };
            let words = match what {
                What::List => "the list",
                What::Harms => "the harms",
                What::Plans => "the plans",
                What::Commitments => "the commitments",
            };
            deliver(&csv_out::write(&sheet, what), to, words, note)
        }
        Format::Markdown => deliver(
            markdown::write(&sheet, scope).as_bytes(),
            to,
            "the worksheet",
            note,
        ),
        Format::Pdf => {
            let paper = match a.paper.unwrap_or(PaperSize::A4) {
                PaperSize::A4 => Paper::A4,
                PaperSize::Letter => Paper::Letter,
            };
            deliver(&pdf::write(&sheet, scope, paper), to, "the worksheet", note)
        }
    }
}

/// The subscription's address as the web app serves it.
pub fn address(port: Option<u16>, token: &str) -> String {
    let port = port.unwrap_or(amends_web::USUAL_PORT);
    format!("http://127.0.0.1:{port}/calendar/{token}.ics")
}

#[derive(Serialize)]
struct StatusView {
    subscription: bool,
    names: bool,
    token: Option<String>,
    address: Option<String>,
}

fn status(s: &CalendarSettings, a: &CalendarAddressArgs) -> Result<()> {
    let addr = s.token.as_deref().map(|t| address(a.port, t));
    if a.json {
        return print_json(&StatusView {
            subscription: s.token.is_some(),
            names: s.names,
            token: s.token.clone(),
            address: addr,
        });
    }
    let mut out = String::new();
    match &addr {
        None => out.push_str(
            "The calendar subscription is off. `amends calendar on` gives it an address.\n",
        ),
        Some(addr) => {
            out.push_str("The calendar subscription is on.\n\n");
            out.push_str(&format!("    {addr}\n\n"));
            if a.port.is_none() {
                out.push_str(&format!(
                    "This is the address while Amends runs on its usual port, {}. If you start it with\n\
                     --port, give the same number here with --port to see the address it serves.\n",
                    amends_web::USUAL_PORT
                ));
            }
            out.push_str(
                "Add it to a calendar app on this computer as a subscription. It is read only while\n\
                 Amends is running and unlocked; the rest of the time the app keeps what it last read.\n\
                 Anyone with the address could read your calendar then: keep it to yourself.\n",
            );
        }
    }
    out.push_str(if s.names {
        "Titles: with names, and the description says what is due.\n"
    } else {
        "Titles: discreet, such as \"Amends: a payment\"; no names and nothing you wrote.\n"
    });
    emit(&out)
}

/// `amends calendar [-o FILE] [--names]` and its subcommands.
pub fn calendar_cmd(cli: &Cli, a: &CalendarArgs, now: &Now) -> Result<()> {
    let mut vault = open(cli)?;
    match &a.action {
        None => {
            let records = vault.records()?;
            let key = vault.calendar_settings()?.uid_key;
            drop(vault);
            let text = ics::calendar(&records, now, a.names, &key);
            let note = if a.names {
                "holds the names on your list and what is due: keep it somewhere private."
            } else {
                "has discreet titles: no names and nothing you wrote."
            };
            deliver(text.as_bytes(), a.output.as_deref(), "the calendar", note)
        }
        Some(CalendarCmd::Status(s)) => status(&vault.calendar_settings()?, s),
        Some(CalendarCmd::On(s)) => {
            vault.start_calendar()?;
            status(&vault.calendar_settings()?, s)
        }
        Some(CalendarCmd::NewAddress(s)) => {
            vault.new_calendar_token()?;
            if !s.json {
                emit("The subscription has a new address; the old one no longer works.\n")?;
            }
            status(&vault.calendar_settings()?, s)
        }
        Some(CalendarCmd::Off) => {
            vault.stop_calendar()?;
            emit("The calendar subscription is off: its address no longer works.\n")
        }
        Some(CalendarCmd::Names(n)) => {
            let on = matches!(n.choice, OnOff::On);
            vault.set_calendar_names(on)?;
            emit(if on {
                "Event titles of the subscription now carry names, and descriptions say what is due.\n"
            } else {
                "Event titles of the subscription are discreet again: no names, nothing you wrote.\n"
            })
        }
    }
}
