//! Carrying out each command.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use amends_core::due::due;
use amends_core::model::{
    Adviser, AsideReason, Cadence, Closure, CommitmentKind, Fellowship, HarmKind, HarmSource,
    Language, Outcome, PartyKind, SafetyAnswers, Settings, Willingness,
};
use amends_core::rules::verdict;
use amends_core::stage::{Stage, derive};
use amends_core::summary::summarise;
use amends_core::{Currency, Invalid, Money, Now, steps};
use amends_vault::{
    AttemptInput, CheckInFix, CommitmentInput, ConsultInput, HarmEdit, HarmInput, PartyEdit,
    PartyRef, PaymentFix, PlanChange, Vault, VaultError,
};
use anyhow::{Context, Result};
use clap::CommandFactory;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use secrecy::ExposeSecret;
use serde::Serialize;

use crate::args::*;
use crate::secrets;
use crate::views;

fn now() -> Now {
    Now::new(Timestamp::now(), TimeZone::system())
}

fn default_vault() -> Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "amends").context(
        "no home directory was found to keep the vault in; pass --vault PATH or set AMENDS_VAULT",
    )?;
    Ok(dirs.data_dir().join("vault.amends"))
}

pub(crate) fn vault_path(cli: &Cli) -> Result<PathBuf> {
    match &cli.vault {
        Some(p) => Ok(p.clone()),
        None => default_vault(),
    }
}

/// Where a new vault is to be made (`init`, `restore`): refused before anything is asked when a
/// vault, or the key file of one, is already there. Nothing is ever made over either.
pub(crate) fn new_vault_place(cli: &Cli) -> Result<PathBuf> {
    let path = vault_path(cli)?;
    if path.exists() || amends_vault::keyfile_path(&path).exists() {
        return Err(VaultError::AlreadyExists { path }.into());
    }
    Ok(path)
}

pub(crate) fn open(cli: &Cli) -> Result<Vault> {
    let path = vault_path(cli)?;
    if !path.is_file() {
        return Err(VaultError::NotFound { path }.into());
    }
    // The key held by `amends unlock`, when there is one (and no passphrase file was named):
    // no key derivation, no passphrase.
    #[cfg(unix)]
    let held = match cli.passphrase_file {
        None => crate::session::held_vault(&path),
        Some(_) => None,
    };
    #[cfg(not(unix))]
    let held = None;
    let vault = match held {
        Some(v) => v,
        None => {
            not_too_soon(&path, false)?;
            let pass = secrets::passphrase(cli.passphrase_file.as_deref())?;
            Vault::open(&path, &pass)?
        }
    };
    if let Some(b) = vault.migration_backup() {
        eprintln!(
            "The vault was updated to a newer format; a copy of it as it was is at {}.",
            b.display()
        );
    }
    Ok(vault)
}

/// After several wrong passphrases or recovery keys in a row, the next try must wait (see
/// `amends_vault::throttle`). Say so before asking for one, rather than after it is typed. The
/// CLI never waits by itself, even at a terminal: it stops at once with exit code 4 and says how
/// many seconds are left, so a script is never stuck and a person sees why straight away.
pub(crate) fn not_too_soon(path: &Path, recovery_key: bool) -> Result<()> {
    if !path.is_file() {
        return Ok(());
    }
    let wait_secs = Vault::unlock_wait(path)?;
    if wait_secs > 0 {
        return Err(VaultError::TooManyTries {
            wait_secs,
            recovery_key,
        }
        .into());
    }
    Ok(())
}

pub(crate) fn invalid(field: &str, message: impl Into<String>) -> anyhow::Error {
    VaultError::Invalid {
        field: field.to_string(),
        message: message.into(),
    }
    .into()
}

fn core<T>(r: std::result::Result<T, Invalid>) -> Result<T> {
    r.map_err(|e| VaultError::from(e).into())
}

/// Reads a date as the web app's date fields do (`amends_core::dates::read`): "7 December 2026",
/// "7 de diciembre de 2026", "2026-12-07", or today / yesterday / tomorrow.
fn date(field: &str, text: &str, now: &Now) -> Result<Date> {
    amends_core::dates::read(text, now.today).map_err(|p| invalid(field, p.to_string()))
}

/// `amends checkin ID`: today's period, or with `--for DATE` a period missed before (each
/// answered on its own, recorded on the day its period began). Says plainly which periods are
/// still to answer, so an answer today is never taken for the weeks before.
fn checkin_cmd(cli: &Cli, a: &crate::args::CheckinArgs, now: &Now) -> Result<()> {
    use amends_core::due::{open_checkins, period_of, period_words};
    let mut vault = open(cli)?;
    let language = vault.settings()?.language;
    let living = |vault: &amends_vault::Vault| -> Result<Option<amends_core::model::Commitment>> {
        Ok(vault
            .records()?
            .into_iter()
            .flat_map(|r| r.commitments)
            .find(|c| c.id == a.commitment))
    };
    let every = |c: &amends_core::model::Commitment| match &c.kind {
        CommitmentKind::Living { every, .. } => Some(*every),
        _ => None,
    };
    let on = match &a.period {
        Some(text) => {
            let wanted = date("for", text, now)?;
            let c = living(&vault)?;
            let open = c
                .as_ref()
                .map(|c| open_checkins(c, now.today))
                .unwrap_or_default();
            // The date of a period, or any day inside one still open.
            let period = c
                .as_ref()
                .and_then(|c| period_of(c, wanted))
                .filter(|p| open.contains(p));
            match (period, c.as_ref().and_then(every)) {
                (Some(p), _) => p,
                (None, Some(every)) if !open.is_empty() => {
                    let list: Vec<String> = open
                        .iter()
                        .map(|d| format!("{} (--for {d})", period_words(every, *d, language)))
                        .collect();
                    return Err(invalid(
                        "for",
                        format!(
                            "is not a check-in still to answer; those still open are {}",
                            list.join(", ")
                        ),
                    ));
                }
                (None, Some(_)) => {
                    return Err(invalid(
                        "for",
                        "every check-in of this living amends so far is answered; leave out --for to record today's",
                    ));
                }
                // Not a living amends: the vault says so.
                (None, None) => now.today,
            }
        }
        None => date_or_today("date", a.on.as_deref(), now)?,
    };
    vault.check_in(a.commitment, a.kept, on, &a.note, now)?;
    let c = living(&vault)?;
    let said = if a.kept { "kept" } else { "missed" };
    match c.as_ref().and_then(|c| every(c).map(|e| (c, e))) {
        Some((c, every)) => {
            println!(
                "Check-in recorded for {}: {said}.",
                period_words(every, period_of(c, on).unwrap_or(on), language)
            );
            let open: Vec<_> = open_checkins(c, now.today)
                .into_iter()
                .filter(|d| *d < now.today)
                .collect();
            if !open.is_empty() {
                println!(
                    "Still to answer, each on its own (oldest first, with `amends checkin {} --for DATE --kept|--missed`):",
                    a.commitment
                );
                for d in open {
                    println!("  {} (--for {d})", period_words(every, d, language));
                }
            }
        }
        None => println!("Check-in recorded: {said}."),
    }
    Ok(())
}

fn date_or_today(field: &str, text: Option<&str>, now: &Now) -> Result<Date> {
    match text {
        Some(t) => date(field, t, now),
        None => Ok(now.today),
    }
}

pub(crate) fn print_json<T: Serialize>(v: &T) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

/// Writes text to standard output, reporting a closed pipe as an error the caller can ignore.
pub(crate) fn emit(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

fn warn_all(warnings: &[String]) {
    for w in warnings {
        eprintln!("Note: {w}");
    }
}

fn party_ref(text: &str) -> PartyRef {
    PartyRef::parse(text)
}

fn money_in(amount: &str, currency: Option<&str>, settings: &Settings) -> Result<Money> {
    let c = match currency {
        Some(c) => core(Currency::parse(c))?,
        None => settings.currency,
    };
    // Read in the vault's language's convention; one that reads two ways is refused (exit 2)
    // with both readings and how to write each, never guessed.
    core(Money::read(amount, c, settings.language).map_err(Invalid::from))
}

fn harm_input(
    did: &str,
    f: &HarmFields,
    settings: &Settings,
    source_default: Option<HarmSource>,
) -> Result<HarmInput> {
    let kinds = f
        .kinds
        .iter()
        .filter(|k| !k.trim().is_empty())
        .map(|k| core(HarmKind::parse(k)))
        .collect::<Result<Vec<_>>>()?;
    let owed = f
        .owed
        .as_deref()
        .map(|a| money_in(a, f.currency.as_deref(), settings))
        .transpose()?;
    let source = match &f.source {
        Some(s) => Some(core(HarmSource::parse(s))?),
        None => source_default,
    };
    Ok(HarmInput {
        did: did.to_string(),
        should: f.should.clone().unwrap_or_default(),
        effect: f.effect.clone().unwrap_or_default(),
        kinds,
        when: f.when.clone().unwrap_or_default(),
        owed,
        property: f.property.clone().unwrap_or_default(),
        third_parties: f.third_parties.clone(),
        source,
        sponsor_agrees: f.sponsor_agrees.map(|y| matches!(y, YesNo::Yes)),
    })
}

pub fn run(cli: Cli) -> Result<()> {
    let now = now();
    let Some(command) = &cli.command else {
        return crate::serve::serve(vault_path(&cli)?, &ServeArgs::default());
    };
    match command {
        Command::Serve(a) => crate::serve::serve(vault_path(&cli)?, a),
        Command::Coach(a) => crate::coach::coach(a, || open(&cli)),
        Command::Init(a) => init(&cli, a, &now),
        Command::Passphrase(a) => {
            let path = vault_path(&cli)?;
            not_too_soon(&path, false)?;
            let old = secrets::passphrase(cli.passphrase_file.as_deref())?;
            let new = secrets::new_passphrase(
                a.new_passphrase_file.as_deref(),
                "AMENDS_NEW_PASSPHRASE",
                "New passphrase",
            )?;
            Vault::change_passphrase(&path, &old, &new)?;
            if let Some(n) = secrets::strength_note(&new) {
                eprintln!("Note: {n}");
            }
            println!("Passphrase changed. Your recovery key is the same as before.");
            Ok(())
        }
        Command::Recover(a) => {
            let path = vault_path(&cli)?;
            not_too_soon(&path, true)?;
            let key = secrets::recovery_key(a.recovery_key_file.as_deref())?;
            // Check the key before asking for a new passphrase.
            drop(Vault::open_with_recovery_key(&path, key.expose_secret())?);
            let new = secrets::new_passphrase(
                a.new.new_passphrase_file.as_deref(),
                "AMENDS_NEW_PASSPHRASE",
                "New passphrase",
            )?;
            Vault::reset_passphrase(&path, key.expose_secret(), &new)?;
            println!(
                "The recovery key opened the vault and the new passphrase is set. Keep the recovery key where it was: it still works."
            );
            Ok(())
        }
        #[cfg(unix)]
        Command::Unlock(a) => crate::session::unlock_cmd(&cli, a),
        #[cfg(unix)]
        Command::Lock => crate::session::lock_cmd(&cli),
        #[cfg(not(unix))]
        Command::Unlock(_) | Command::Lock => {
            anyhow::bail!("`amends unlock` and `amends lock` need a Unix system")
        }
        Command::Settings(a) => settings_cmd(&cli, a),
        Command::Steps(a) => {
            let vault = open(&cli)?;
            let s = vault.settings()?;
            let w = steps::wording_in(s.fellowship, s.language);
            if a.json {
                print_json(&serde_json::json!({
                    "fellowship": s.fellowship.code(),
                    "step8": w.step8,
                    "step9": w.step9,
                }))
            } else {
                println!("{}", s.fellowship.label());
                println!("Step 8: {}", w.step8);
                println!("Step 9: {}", w.step9);
                Ok(())
            }
        }
        Command::Party(p) => party_cmd(&cli, p, &now),
        Command::Harm(h) => harm_cmd(&cli, h, &now),
        Command::Willing(a) => {
            let level = core(Willingness::parse(&a.level))?;
            let mut vault = open(&cli)?;
            let rec = vault.set_willingness(&party_ref(&a.party), level, &a.note, &now)?;
            warn_all(&rec.warnings);
            println!("Willingness recorded: {}.", level.code());
            Ok(())
        }
        Command::Safety(a) => safety_cmd(&cli, a, &now),
        Command::Consult(a) => {
            let with = core(Adviser::parse(&a.with))?;
            let on = date_or_today("date", a.on.as_deref(), &now)?;
            let approved = if a.approve {
                Some(true)
            } else if a.not_approved {
                Some(false)
            } else {
                None
            };
            let mut vault = open(&cli)?;
            let rec = vault.consult(
                &party_ref(&a.party),
                &ConsultInput {
                    with,
                    name: a.name.clone(),
                    on,
                    advice: a.advice.clone(),
                    approved,
                },
                &now,
            )?;
            warn_all(&rec.warnings);
            println!("Consultation with your {} recorded.", with.label());
            Ok(())
        }
        Command::Plan(a) => {
            let way = (a.method.is_some() || a.kind.is_some())
                .then(|| {
                    core(amends_core::model::Way::parse(
                        a.method.as_deref().unwrap_or(""),
                        a.kind.as_deref().unwrap_or(""),
                    ))
                })
                .transpose()?;
            let script = match (&a.script, &a.script_file) {
                (Some(s), _) => Some(s.clone()),
                (None, Some(f)) => Some(std::fs::read_to_string(f).with_context(|| {
                    format!("the script file {} could not be read", f.display())
                })?),
                (None, None) => None,
            };
            let on = a.on.as_deref().map(|d| date("date", d, &now)).transpose()?;
            let mut vault = open(&cli)?;
            // What is not given is kept from the current plan: a script is never dropped by accident.
            let rec = vault.change_plan(
                &party_ref(&a.party),
                &PlanChange {
                    method: way.map(|w| w.method),
                    channel: way.and_then(|w| w.channel),
                    script,
                    on: if a.clear_date {
                        Some(None)
                    } else {
                        on.map(Some)
                    },
                    place: a.place.clone(),
                },
                &now,
            )?;
            warn_all(&rec.warnings);
            let record = vault.record(rec.id)?;
            let method = record
                .plan
                .as_ref()
                .map(|p| p.way().label())
                .unwrap_or_default();
            println!("Plan saved: {method}.");
            println!("Stage: {}", derive(&record, &now).reason);
            Ok(())
        }
        Command::Consent(a) => {
            let on = date_or_today("date", a.on.as_deref(), &now)?;
            let mut vault = open(&cli)?;
            vault.consent(&party_ref(&a.party), &a.who, a.given, on, &a.note, &now)?;
            println!(
                "{} recorded.",
                if a.given {
                    "Consent"
                } else {
                    "Refusal of consent"
                }
            );
            Ok(())
        }
        Command::Defer(a) => {
            let review = date("review date", &a.review, &now)?;
            let mut vault = open(&cli)?;
            let rec = vault.defer(&party_ref(&a.party), &a.reason, review, &now)?;
            warn_all(&rec.warnings);
            println!(
                "Deferred. It will come up again on {} (see `amends due`).",
                amends_core::dates::words(review)
            );
            Ok(())
        }
        Command::Resume(a) => {
            let mut vault = open(&cli)?;
            vault.end_deferral(&party_ref(&a.party), &now)?;
            println!("The deferral is ended.");
            Ok(())
        }
        Command::Attempt(a) => {
            let way = core(amends_core::model::Way::parse(
                a.method.as_deref().unwrap_or(""),
                a.kind.as_deref().unwrap_or(""),
            ))?;
            let outcome = core(Outcome::parse(&a.outcome))?;
            let on = date_or_today("date", a.on.as_deref(), &now)?;
            let mut vault = open(&cli)?;
            let r = party_ref(&a.party);
            let id = vault.resolve(&r)?;
            let rec = vault.attempt(
                &PartyRef::Id(id),
                &AttemptInput {
                    on,
                    method: way.method,
                    channel: way.channel,
                    outcome,
                    requests: a.requests.clone(),
                    feeling_before: a.before.clone(),
                    feeling_after: a.after.clone(),
                    notes: a.notes.clone(),
                    revealed: a.revealed.clone(),
                },
                &now,
            )?;
            warn_all(&rec.warnings);
            let record = vault.record(id)?;
            println!("Attempt recorded: {}, {}.", way.label(), outcome.label());
            println!("Stage: {}", derive(&record, &now).reason);
            Ok(())
        }
        Command::Commit(c) => commit_cmd(&cli, c, &now),
        Command::Commitments(a) => {
            let vault = open(&cli)?;
            let records = match &a.party {
                Some(p) => vec![vault.record(vault.resolve(&party_ref(p))?)?],
                None => vault.records()?,
            };
            let language = vault.settings()?.language;
            let views: Vec<_> = records
                .iter()
                .flat_map(|r| views::commitment_views(r, language))
                .collect();
            if a.json {
                return print_json(&views);
            }
            if views.is_empty() {
                println!(
                    "No commitments yet. Record one with `amends commit restitution|living|promise PARTY ...`."
                );
            }
            let text: String = views
                .iter()
                .map(|v| views::commitment_line(v) + "\n")
                .collect();
            emit(&text)
        }
        Command::Pay(a) => {
            let on = date_or_today("date", a.on.as_deref(), &now)?;
            let via = a
                .via
                .as_deref()
                .map(|v| core(amends_core::model::Reach::parse(v)))
                .transpose()?;
            let mut vault = open(&cli)?;
            let language = vault.settings()?.language;
            let balance = vault.pay(a.commitment, &a.amount, on, &a.note, via, &now)?;
            if balance.minor == 0 {
                println!("Payment recorded. The restitution is paid in full.");
            } else {
                println!("Payment recorded. Balance: {}.", balance.show(language));
            }
            Ok(())
        }
        Command::Checkin(a) => checkin_cmd(&cli, a, &now),
        Command::Correct(c) => correct_cmd(&cli, c, &now),
        Command::Close(a) => {
            let how = core(Closure::parse(&a.how))?;
            let on = date_or_today("date", a.on.as_deref(), &now)?;
            let mut vault = open(&cli)?;
            vault.close_commitment(a.commitment, how, on, &now)?;
            println!("Commitment closed: {}.", how.label());
            Ok(())
        }
        Command::Capture(a) => {
            let kind = core(PartyKind::parse(&a.party_kind))?;
            if !a.name.trim().is_empty() && a.name.trim().chars().all(|c| c.is_ascii_digit()) {
                return Err(invalid(
                    "name",
                    format!(
                        "capture takes a name; to add a harm to party #{0}, use `amends harm add {0} --did ...`",
                        a.name.trim()
                    ),
                ));
            }
            let mut vault = open(&cli)?;
            let settings = vault.settings()?;
            let harm = harm_input(&a.did, &a.fields, &settings, Some(HarmSource::Step10))?;
            let c = vault.capture(&a.name, kind, &harm, &now)?;
            if c.new_party {
                println!(
                    "New party added (#{}) with the harm (#{}).",
                    c.party_id, c.harm_id
                );
            } else {
                println!("Harm #{} added to party #{}.", c.harm_id, c.party_id);
            }
            if c.restored {
                println!("The party was set aside; it is back on the list.");
            }
            if c.reopened {
                println!("Amends had been made to this party; it is reopened (R10).");
            }
            Ok(())
        }
        Command::Show(a) => {
            let vault = open(&cli)?;
            let id = vault.resolve(&party_ref(&a.party))?;
            let record = vault.record(id)?;
            let stage = derive(&record, &now);
            let edits = vault
                .edits(id)?
                .into_iter()
                .map(|(harm_id, previous, at)| views::EditView {
                    harm_id,
                    previous,
                    replaced_at: at.to_string(),
                })
                .collect();
            let reviews = vault.reviews_for(id)?;
            let language = vault.settings()?.language;
            let detail = views::party_detail(&record, &stage, edits, &reviews, language);
            if a.json {
                print_json(&detail)
            } else {
                emit(&views::party_detail_text(&detail, &record, &reviews, &now))
            }
        }
        Command::Status(a) => {
            let vault = open(&cli)?;
            let settings = vault.settings()?;
            let records = vault.records()?;
            let (_, summary) = summarise(&records, &now);
            let due_now = due(&records, &now)
                .iter()
                .filter(|d| d.on <= now.today)
                .count();
            let view = views::status_view(
                &summary,
                &steps::wording_in(settings.fellowship, settings.language),
                due_now,
                settings.language,
            );
            if a.json {
                print_json(&view)
            } else {
                emit(&views::status_text(&summary, &view))
            }
        }
        Command::Due(a) => {
            if a.within < 0 {
                return Err(invalid("within", "must be zero or more days"));
            }
            let vault = open(&cli)?;
            let language = vault.settings()?.language;
            let records = vault.records()?;
            let horizon = now
                .today
                .checked_add(Span::new().days(a.within.min(36_500)))
                .unwrap_or(now.today);
            let items: Vec<_> = amends_core::due::due_in(&records, &now, language)
                .iter()
                .filter(|d| d.on <= horizon)
                .map(|d| views::due_view(d, language))
                .collect();
            if a.json {
                print_json(&items)
            } else {
                emit(&views::due_text(&items))
            }
        }
        Command::Export(a) if !a.format.eq_ignore_ascii_case("json") => {
            crate::exports::export_cmd(&cli, a, &now)
        }
        Command::Calendar(a) => crate::exports::calendar_cmd(&cli, a, &now),
        Command::Export(a) => {
            crate::exports::json_only(a)?;
            let vault = open(&cli)?;
            let doc = vault.export(now.at)?;
            match &a.output {
                Some(path) => write_export(path, &doc),
                None => {
                    if !std::io::stdout().is_terminal() {
                        eprintln!(
                            "Note: the export is not encrypted; keep the file somewhere private."
                        );
                    }
                    print_json(&doc)
                }
            }
        }
        Command::Backup(a) => crate::backup::backup_cmd(&cli, a, &now),
        Command::Restore(a) => crate::backup::restore_cmd(&cli, a, &now),
        Command::Import(a) => {
            if crate::import::is_csv(a)? {
                return crate::import::csv_cmd(&cli, a, &now);
            }
            let json = crate::import::read_export(&a.file)?;
            let mut vault = open(&cli)?;
            let before = vault.settings()?;
            let n = vault.import_json(&json)?;
            let after = vault.settings()?;
            println!("Imported {n} {}.", if n == 1 { "party" } else { "parties" });
            if after != before {
                println!(
                    "The settings came from the file too: fellowship {}, amends to self {}, currency {}.",
                    after.fellowship.code(),
                    if after.amends_to_self { "on" } else { "off" },
                    after.currency
                );
            }
            Ok(())
        }
        Command::Identity(a) => crate::share::identity_cmd(&cli, a, &now),
        Command::Contact(c) => crate::share::contact_cmd(&cli, c, &now),
        Command::Share(a) => crate::share::share_cmd(&cli, a, &now),
        Command::Shared(a) => crate::share::shared_cmd(&cli, a, &now),
        Command::Receive(a) => crate::share::receive_cmd(&cli, a, &now),
        Command::Supported(a) => crate::share::supported_cmd(&cli, a, &now),
        Command::Review(a) => crate::share::review_cmd(&cli, a, &now),
        Command::Inbox(a) => crate::inbox::inbox_cmd(&cli, a, &now),
        Command::Outbox(a) => crate::inbox::outbox_cmd(&cli, a, &now),
        Command::Relay(RelayCmd::Serve(a)) => crate::relay::serve(a),
        Command::Relay(RelayCmd::Block(a)) => crate::inbox::block_cmd(&cli, a, true, &now),
        Command::Relay(RelayCmd::Unblock(a)) => crate::inbox::block_cmd(&cli, a, false, &now),
        Command::Relay(RelayCmd::Blocked(a)) => crate::inbox::blocked_cmd(&cli, a, &now),
        Command::Completions(a) => {
            let mut cmd = Cli::command();
            clap_complete::generate(a.shell, &mut cmd, "amends", &mut std::io::stdout());
            Ok(())
        }
        Command::Man => {
            let man = clap_mangen::Man::new(Cli::command());
            man.render(&mut std::io::stdout())?;
            Ok(())
        }
    }
}

fn write_export(path: &Path, doc: &amends_vault::export::ExportDoc) -> Result<()> {
    let mut json = serde_json::to_vec_pretty(doc)?;
    json.push(b'\n');
    crate::exports::write_private(path, &json)?;
    eprintln!(
        "Exported to {}. It is not encrypted: keep it somewhere private.",
        path.display()
    );
    Ok(())
}

fn init(cli: &Cli, a: &InitArgs, now: &Now) -> Result<()> {
    let settings = Settings {
        fellowship: core(Fellowship::parse(&a.fellowship))?,
        amends_to_self: a.amends_to_self,
        currency: core(Currency::parse(&a.currency))?,
        ..Settings::default()
    };
    let path = new_vault_place(cli)?;
    let pass =
        secrets::new_vault_passphrase(cli.passphrase_file.as_deref(), "Choose a passphrase")?;
    let mut created = Vault::create(&path, &pass, &settings)?;
    // The sharing identity is made now, so the contact code is ready when it is first asked for.
    crate::share::sh(amends_share::identity(&mut created.vault, now))?;
    let key = created.recovery_key.expose_secret();
    if a.json {
        return print_json(&serde_json::json!({
            "vault": path.display().to_string(),
            "recovery_key": key,
        }));
    }
    if let Some(n) = secrets::strength_note(&pass) {
        eprintln!("Note: {n}");
    }
    print_new_vault(&path, key);
    Ok(())
}

/// What `init` (and a restore, which also makes a new vault) says: where the vault is, and its
/// recovery key, shown this once.
pub(crate) fn print_new_vault(path: &Path, key: &str) {
    println!("Your vault is ready at {}.", path.display());
    println!();
    println!("Recovery key (shown this once):");
    println!();
    println!("    {key}");
    println!();
    println!("Write it on paper and keep it somewhere safe, away from this computer.");
    println!("If you forget your passphrase, it is the only way back in: `amends recover`.");
    println!(
        "With it, any SQLCipher 4 tool can also open the vault, so your words are never locked away:"
    );
    println!("    PRAGMA key = \"x'<the 64 characters without dashes>'\";");
}

fn settings_cmd(cli: &Cli, a: &SettingsArgs) -> Result<()> {
    let changing = a.fellowship.is_some()
        || a.amends_to_self.is_some()
        || a.currency.is_some()
        || a.language.is_some()
        || a.auto_lock.is_some()
        || a.crisis_line.is_some()
        || a.relay.is_some()
        || a.no_relay;
    let fellowship = a
        .fellowship
        .as_deref()
        .map(|f| core(Fellowship::parse(f)))
        .transpose()?;
    let language = a
        .language
        .as_deref()
        .map(|l| core(Language::parse(l)))
        .transpose()?;
    let currency = a
        .currency
        .as_deref()
        .map(|c| core(Currency::parse(c)))
        .transpose()?;
    // Checked before anything is saved, so a mistyped address changes nothing.
    let relay_address = a
        .relay
        .as_deref()
        .map(amends_share::relay::check_address)
        .transpose()
        .map_err(amends_share::ShareError::from)?;
    let mut vault = open(cli)?;
    let mut s = vault.settings()?;
    if changing {
        if let Some(f) = fellowship {
            s.fellowship = f;
        }
        if let Some(c) = currency {
            s.currency = c;
        }
        if let Some(v) = a.amends_to_self {
            s.amends_to_self = matches!(v, OnOff::On);
        }
        if let Some(l) = language {
            s.language = l;
        }
        if let Some(m) = a.auto_lock {
            s.auto_lock_minutes = m;
        }
        if let Some(line) = &a.crisis_line {
            s.crisis_line = line.trim().to_string();
        }
        vault.set_settings(&s)?;
        if relay_address.is_some() || a.no_relay {
            vault.set_relay_address(relay_address.as_deref())?;
        }
    }
    let relay = vault.relay_address()?;
    if a.json {
        return print_json(&serde_json::json!({
            "fellowship": s.fellowship.code(),
            "amends_to_self": s.amends_to_self,
            "currency": s.currency.code(),
            "language": s.language.code(),
            "auto_lock_minutes": s.auto_lock_minutes,
            "crisis_line": s.crisis_line,
            "relay": relay,
        }));
    }
    if changing {
        println!("Settings saved.");
    }
    println!(
        "Fellowship:     {} ({})",
        s.fellowship.label(),
        s.fellowship.code()
    );
    println!(
        "Amends to self: {}",
        if s.amends_to_self { "on" } else { "off" }
    );
    println!("Currency:       {}", s.currency);
    println!(
        "Language:       {} ({})",
        s.language.label(),
        s.language.code()
    );
    println!("Auto-lock:      after {} idle minutes", s.auto_lock_minutes);
    if s.crisis_line.is_empty() {
        println!("Crisis line:    the default lines (988; SAMHSA 1-800-662-4357)");
    } else {
        println!("Crisis line:    {}", s.crisis_line);
    }
    match &relay {
        Some(r) => println!("Relay:          {r}"),
        None => println!("Relay:          none (bundles go as files unless you give --via URL)"),
    }
    Ok(())
}

fn party_cmd(cli: &Cli, p: &PartyCmd, now: &Now) -> Result<()> {
    match p {
        PartyCmd::Add(a) => {
            let kind = core(PartyKind::parse(&a.kind))?;
            let mut vault = open(cli)?;
            let rec = if a.another {
                vault.add_another_party(&a.name, kind, &a.relationship, &a.notes, now)?
            } else {
                vault.add_party(&a.name, kind, &a.relationship, &a.notes, now)?
            };
            warn_all(&rec.warnings);
            if a.json {
                return print_json(&serde_json::json!({ "id": rec.id }));
            }
            println!("Added to your list as #{}.", rec.id);
            Ok(())
        }
        PartyCmd::List(a) => {
            let stage = a
                .stage
                .as_deref()
                .map(|s| {
                    let wanted = s.trim().to_ascii_lowercase().replace(['_', ' '], "-");
                    Stage::ALL
                        .iter()
                        .copied()
                        .find(|st| st.code() == wanted)
                        .ok_or_else(|| {
                            invalid(
                                "stage",
                                format!(
                                    "\"{s}\" is not one of: {}",
                                    Stage::ALL
                                        .iter()
                                        .map(|s| s.code())
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                            )
                        })
                })
                .transpose()?;
            let willingness = match a.willingness.as_deref() {
                None => None,
                Some(w) if w.eq_ignore_ascii_case("unasked") => Some(None),
                Some(w) => Some(Some(core(Willingness::parse(w))?)),
            };
            let kind = a
                .kind
                .as_deref()
                .map(|k| core(PartyKind::parse(k)))
                .transpose()?;
            let vault = open(cli)?;
            let records = vault.records()?;
            let rows: Vec<_> = records
                .iter()
                .map(|r| (r, derive(r, now)))
                .filter(|(r, s)| {
                    stage.is_none_or(|st| s.stage == st)
                        && willingness.is_none_or(|w| r.willingness_now().map(|x| x.level) == w)
                        && kind.is_none_or(|k| r.party.kind == k)
                })
                .map(|(r, s)| views::party_row(r, &s))
                .collect();
            if a.json {
                print_json(&rows)
            } else {
                emit(&views::party_table(&rows))
            }
        }
        PartyCmd::Edit(a) => {
            let kind = a
                .kind
                .as_deref()
                .map(|k| core(PartyKind::parse(k)))
                .transpose()?;
            if a.name.is_none() && kind.is_none() && a.relationship.is_none() && a.notes.is_none() {
                return Err(invalid(
                    "edit",
                    "nothing to change; give --name, --kind, --relationship or --notes",
                ));
            }
            let mut vault = open(cli)?;
            let rec = vault.edit_party(
                &party_ref(&a.party),
                &PartyEdit {
                    name: a.name.clone(),
                    kind,
                    relationship: a.relationship.clone(),
                    notes: a.notes.clone(),
                    another: a.another,
                },
                now,
            )?;
            warn_all(&rec.warnings);
            println!(
                "Party #{} updated; the earlier wording is kept in its history.",
                rec.id
            );
            Ok(())
        }
        PartyCmd::Aside(a) => {
            let reason = core(AsideReason::parse(&a.reason))?;
            let mut vault = open(cli)?;
            let id = vault.set_aside_party(&party_ref(&a.target), reason, &a.note, now)?;
            println!(
                "Party #{id} set aside ({}). It stays in your vault; `amends party restore {id}` brings it back.",
                reason.label()
            );
            Ok(())
        }
        PartyCmd::Restore(a) => {
            let mut vault = open(cli)?;
            let id = vault.restore_party(&party_ref(&a.party), now)?;
            println!("Party #{id} is back on the list.");
            Ok(())
        }
    }
}

fn harm_cmd(cli: &Cli, h: &HarmCmd, now: &Now) -> Result<()> {
    match h {
        HarmCmd::Add(a) => {
            let mut vault = open(cli)?;
            let settings = vault.settings()?;
            let input = harm_input(&a.did, &a.fields, &settings, None)?;
            let rec = vault.add_harm(&party_ref(&a.party), &input, now)?;
            warn_all(&rec.warnings);
            if a.json {
                return print_json(&serde_json::json!({ "id": rec.id }));
            }
            println!("Harm recorded as #{}.", rec.id);
            Ok(())
        }
        HarmCmd::Edit(a) => {
            let mut vault = open(cli)?;
            let settings = vault.settings()?;
            let f = &a.fields;
            let kinds = if f.kinds.is_empty() {
                None
            } else {
                Some(
                    f.kinds
                        .iter()
                        .filter(|k| !k.trim().is_empty())
                        .map(|k| core(HarmKind::parse(k)))
                        .collect::<Result<Vec<_>>>()?,
                )
            };
            let owed = if a.clear_owed {
                Some(None)
            } else {
                f.owed
                    .as_deref()
                    .map(|o| money_in(o, f.currency.as_deref(), &settings).map(Some))
                    .transpose()?
            };
            let edit = HarmEdit {
                did: a.did.clone(),
                should: f.should.clone(),
                effect: f.effect.clone(),
                kinds,
                when: f.when.clone(),
                owed,
                property: f.property.clone(),
                third_parties: if f.third_parties.is_empty() {
                    None
                } else {
                    Some(f.third_parties.clone())
                },
                source: f
                    .source
                    .as_deref()
                    .map(|s| core(HarmSource::parse(s)))
                    .transpose()?,
                sponsor_agrees: f.sponsor_agrees.map(|y| Some(matches!(y, YesNo::Yes))),
            };
            vault.edit_harm(a.id, &edit, now)?;
            println!(
                "Harm #{} updated; the earlier wording is kept in its history.",
                a.id
            );
            Ok(())
        }
        HarmCmd::Aside(a) => {
            let reason = core(AsideReason::parse(&a.reason))?;
            let id: i64 = a.target.trim().parse().map_err(|_| {
                invalid(
                    "harm",
                    "give the harm's id (a number; see `amends show PARTY`)",
                )
            })?;
            let mut vault = open(cli)?;
            vault.set_aside_harm(id, reason, &a.note, now)?;
            println!("Harm #{id} set aside ({}).", reason.label());
            Ok(())
        }
        HarmCmd::Restore(a) => {
            let mut vault = open(cli)?;
            vault.restore_harm(a.id, now)?;
            println!("Harm #{} is back on the list.", a.id);
            Ok(())
        }
    }
}

fn safety_cmd(cli: &Cli, a: &SafetyArgs, now: &Now) -> Result<()> {
    let set = SafetyAnswers {
        court_order: a.court_order,
        asked_no_contact: a.asked_no_contact,
        abused_them: a.abused_them,
        harmed_me: a.harmed_me,
        legal_risk: a.legal_risk,
        affair: a.affair,
        third_parties: a.third_parties,
        my_safety: a.my_safety,
        deceased: a.deceased,
        unreachable: a.unreachable,
        child: a.child,
        family: a.family,
        legal_decision: String::new(),
        asked: None,
    };
    let mut clear = SafetyAnswers::default();
    for name in &a.clear {
        let name = name.trim().to_ascii_lowercase().replace('_', "-");
        if name.is_empty() {
            continue;
        }
        let Some(flag) = amends_core::rules::answer_mut(&mut clear, &name) else {
            return Err(invalid(
                "clear",
                format!(
                    "must name answers to lift: {}",
                    amends_core::rules::SAFETY_QUESTIONS.join(", ")
                ),
            ));
        };
        *flag = true;
    }
    let change = amends_vault::SafetyChange {
        set,
        clear,
        none: a.none,
        legal_decision: a.legal_decision.clone(),
        reason: a.reason.clone(),
        confirmed: a.confirm,
    };
    let answering = change != amends_vault::SafetyChange::default();
    let mut vault = open(cli)?;
    let id = vault.resolve(&party_ref(&a.party))?;
    if answering {
        let (_, notes, _) = vault.change_safety(&PartyRef::Id(id), &change, now)?;
        warn_all(&notes);
    }
    let record = vault.record(id)?;
    let v = verdict(&record);
    if a.json {
        return print_json(&views::verdict_view(&v));
    }
    if answering {
        println!("Answers recorded.");
    } else if record.safety.is_none() {
        println!(
            "The safety questions have not been answered yet. Answer with the flags that apply (see `amends safety --help`), or --none."
        );
    } else if !v.missing.is_empty() {
        println!(
            "Since the answers were given, this party was recorded as {}, and some questions that now apply were not asked: --{}. Answer with the flags that are yes; the others are recorded as no.",
            record.party.kind.label(),
            v.missing.join(", --")
        );
    }
    if !answering {
        emit(&views::questions_text(&record, true))?;
    }
    emit(&views::verdict_text(&v))
}

/// `amends correct payment|checkin ID`: what is not given keeps its value; `--remove` takes it
/// away. Either goes through the same checks as recording it, and keeps the earlier version.
fn correct_cmd(cli: &Cli, c: &CorrectCmd, now: &Now) -> Result<()> {
    let mut vault = open(cli)?;
    let records = vault.records()?;
    let language = vault.settings()?.language;
    let commitments = || records.iter().flat_map(|r| r.commitments.iter());
    match c {
        CorrectCmd::Payment(a) => {
            let (commitment, paid) = commitments()
                .find_map(|c| match &c.kind {
                    CommitmentKind::Restitution { payments, .. } => {
                        payments.iter().find(|p| p.id == a.id).map(|p| (c, p))
                    }
                    _ => None,
                })
                .ok_or_else(|| no_fact("payment", a.id))?;
            let balance = if a.remove {
                vault.remove_payment(a.id, &a.reason, now)?
            } else {
                let on = match &a.on {
                    Some(t) => date("date", t, now)?,
                    None => paid.on,
                };
                let via = match &a.via {
                    Some(v) => Some(core(amends_core::model::Reach::parse(v))?),
                    None => paid.via,
                };
                let amount = a
                    .amount
                    .clone()
                    .unwrap_or_else(|| paid.amount.typed(language));
                let fix = PaymentFix {
                    amount: &amount,
                    on,
                    note: a.note.as_deref().unwrap_or(&paid.note),
                    via: via.filter(|v| *v != commitment.reach),
                };
                vault.fix_payment(a.id, &fix, &a.reason, now)?
            };
            let done = if a.remove { "removed" } else { "corrected" };
            if balance.left.minor == 0 {
                println!("Payment {done}. Nothing more is owed.");
            } else if balance.was_settled {
                println!(
                    "Payment {done}. The restitution is no longer settled: {} is owed again.",
                    balance.left.show(language)
                );
            } else {
                println!("Payment {done}. Balance: {}.", balance.left.show(language));
            }
            Ok(())
        }
        CorrectCmd::Checkin(a) => {
            let done = commitments()
                .find_map(|c| match &c.kind {
                    CommitmentKind::Living { checkins, .. } => {
                        checkins.iter().find(|k| k.id == a.id)
                    }
                    _ => None,
                })
                .ok_or_else(|| no_fact("check-in", a.id))?;
            if a.remove {
                vault.remove_checkin(a.id, &a.reason, now)?;
                println!("Check-in removed. What it said is kept in the history.");
                return Ok(());
            }
            let on = match &a.on {
                Some(t) => date("date", t, now)?,
                None => done.on,
            };
            let kept = if a.kept {
                true
            } else if a.missed {
                false
            } else {
                done.kept
            };
            let fix = CheckInFix {
                kept,
                on,
                note: a.note.as_deref().unwrap_or(&done.note),
            };
            vault.fix_checkin(a.id, &fix, &a.reason, now)?;
            println!(
                "Check-in corrected: {}.",
                if kept { "kept" } else { "missed" }
            );
            Ok(())
        }
    }
}

fn no_fact(what: &'static str, id: i64) -> anyhow::Error {
    VaultError::NoSuch {
        what,
        id,
        hint: "See the numbers with `amends commitments`.",
    }
    .into()
}

fn commit_cmd(cli: &Cli, c: &CommitCmd, now: &Now) -> Result<()> {
    let mut vault = open(cli)?;
    let settings = vault.settings()?;
    let reach = |via: &Option<String>| {
        via.as_deref()
            .map(|v| core(amends_core::model::Reach::parse(v)))
            .transpose()
    };
    let (party, input, via) = match c {
        CommitCmd::Restitution(a) => {
            let amount = money_in(&a.amount, a.currency.as_deref(), &settings)?;
            let instalment = a
                .instalment
                .as_deref()
                .map(|i| {
                    core(Money::read(i, amount.currency, settings.language).map_err(Invalid::from))
                })
                .transpose()?;
            let every = a
                .every
                .as_deref()
                .map(|e| core(Cadence::parse(e)))
                .transpose()?;
            let starting = date_or_today("starting", a.starting.as_deref(), now)?;
            (
                &a.party,
                CommitmentInput::Restitution {
                    amount,
                    instalment,
                    every,
                    starting,
                },
                reach(&a.via)?,
            )
        }
        CommitCmd::Living(a) => (
            &a.party,
            CommitmentInput::Living {
                behaviour: a.behaviour.clone(),
                every: core(Cadence::parse(&a.every))?,
                starting: date_or_today("starting", a.starting.as_deref(), now)?,
            },
            None,
        ),
        CommitCmd::Promise(a) => (
            &a.party,
            CommitmentInput::Promise {
                text: a.text.clone(),
                due: date("due", &a.due, now)?,
            },
            reach(&a.via)?,
        ),
    };
    let rec = vault.add_commitment(
        &party_ref(party),
        amends_vault::NewCommitment {
            what: input.clone(),
            via,
        },
        now,
    )?;
    warn_all(&rec.warnings);
    println!(
        "Commitment #{} recorded. Record progress with `amends {}`.",
        rec.id,
        match input {
            CommitmentInput::Restitution { .. } => format!("pay {} AMOUNT", rec.id),
            CommitmentInput::Living { .. } => format!("checkin {} --kept", rec.id),
            CommitmentInput::Promise { .. } => format!("close {} --as kept", rec.id),
        }
    );
    Ok(())
}
