//! `amends backup -o FILE`, `amends backup auto [--folder DIR --keep N | --off | --run]` and
//! `amends restore FILE --vault NEW`.
//!
//! The CLI never makes an automatic backup on its own: a command does what it says and nothing
//! more, so scripts stay quick and predictable. The web app (`amends serve`, the app people
//! keep open) makes them in the background; `amends backup auto --run` makes the one that is due,
//! for people who use the CLI alone and want a scheduler (cron, a systemd timer) to do it.

use std::path::Path;

use amends_core::Now;
use amends_vault::Vault;
use amends_vault::backup::{self, AutoBackup, BackupError, KEEP_DEFAULT, KEEP_RANGE, open_backup};
use anyhow::{Context, Result, anyhow};
use secrecy::{ExposeSecret, SecretString};

use crate::args::{BackupArgs, BackupAutoArgs, BackupCmd, BackupPassArgs, Cli, RestoreArgs};
use crate::run::{invalid, new_vault_place, open, print_json};
use crate::secrets;
use crate::share::{persist_out, prepare_out, when};

/// Where a backup passphrase comes from, besides a file or a prompt.
const ENV: &str = "AMENDS_BACKUP_PASSPHRASE";

/// A backup error as the CLI reports it: vault errors keep their own words and exit codes.
pub(crate) fn bk(e: BackupError) -> anyhow::Error {
    match e {
        BackupError::Vault(v) => v.into(),
        other => other.into(),
    }
}

/// The passphrase a new backup is sealed with: a file, the environment, or typed twice.
fn new_backup_passphrase(a: &BackupPassArgs) -> Result<SecretString> {
    let p = secrets::new_passphrase(
        a.backup_passphrase_file.as_deref(),
        ENV,
        "Backup passphrase",
    )?;
    if p.expose_secret().trim().is_empty() {
        return Err(bk(BackupError::EmptyPassphrase));
    }
    if let Some(n) = secrets::strength_note(&p) {
        eprintln!("Note: {}", n.replace("`amends passphrase`", "a new backup"));
    }
    Ok(p)
}

/// Whether a backup passphrase was given without asking (a file or the environment).
fn given(a: &BackupPassArgs) -> bool {
    a.backup_passphrase_file.is_some() || std::env::var_os(ENV).is_some()
}

pub fn backup_cmd(cli: &Cli, a: &BackupArgs, now: &Now) -> Result<()> {
    if let Some(BackupCmd::Auto(auto)) = &a.command {
        return auto_cmd(cli, auto, now);
    }
    let Some(out) = &a.output else {
        return Err(invalid(
            "output",
            "say where to write the backup: amends backup -o FILE",
        ));
    };
    // The place is claimed first, so a name in use or a folder that cannot be written to is
    // found before any passphrase is asked for.
    let tmp = prepare_out(out)?;
    let vault = open(cli)?;
    let pass = new_backup_passphrase(&a.pass)?;
    let parties = vault.party_count()?;
    let bytes = vault.backup(&pass, now).map_err(bk)?;
    drop(vault);
    persist_out(tmp, out, &bytes)?;
    println!(
        "Backup written to {} ({} {}, {}).",
        out.display(),
        parties,
        if parties == 1 { "party" } else { "parties" },
        crate::share::size(bytes.len())
    );
    println!(
        "It holds the whole vault, encrypted with the backup passphrase: keep that passphrase safe, as nobody can open the file without it."
    );
    println!("To restore it into a new vault: amends restore FILE --vault NEW");
    Ok(())
}

fn status_json(auto: &AutoBackup, due: bool) -> serde_json::Value {
    serde_json::json!({
        "on": auto.folder.is_some(),
        "folder": auto.folder.as_ref().map(|f| f.display().to_string()),
        "keep": auto.keep,
        "last_at": auto.last_at.map(|t| t.to_string()),
        "due": due,
        "problem": auto.problem.map(|p| serde_json::json!({"code": p.code(), "words": p.words()})),
    })
}

fn print_status(auto: &AutoBackup, now: &Now) {
    let Some(folder) = &auto.folder else {
        println!("Automatic backups are off.");
        println!(
            "Turn them on with: amends backup auto --folder DIR --keep N (the web app makes one a day while it runs)"
        );
        return;
    };
    println!("Automatic backups: on, once a day while the web app runs");
    println!("Folder:      {}", folder.display());
    println!(
        "Keep:        the last {} {}",
        auto.keep,
        if auto.keep == 1 { "backup" } else { "backups" }
    );
    match auto.last_at {
        Some(t) => println!("Last backup: {}", when(now, t)),
        None => println!("Last backup: none yet"),
    }
    if let Some(p) = auto.problem {
        println!("Problem:     {}", p.words());
    }
}

fn auto_cmd(cli: &Cli, a: &BackupAutoArgs, now: &Now) -> Result<()> {
    if let Some(k) = a.keep
        && !KEEP_RANGE.contains(&k)
    {
        return Err(invalid(
            "keep",
            format!(
                "must be a whole number from {} to {}",
                KEEP_RANGE.start(),
                KEEP_RANGE.end()
            ),
        ));
    }
    let mut vault = open(cli)?;
    if a.off {
        vault.turn_off_automatic_backups()?;
        if a.json {
            return print_json(&status_json(&vault.automatic_backups()?, false));
        }
        println!(
            "Automatic backups are off. The backups already made stay where they are; nothing was deleted."
        );
        return Ok(());
    }
    if a.run {
        return run_due(&mut vault, a.json, now);
    }
    let current = vault.automatic_backups()?;
    if a.folder.is_none() && a.keep.is_none() && !a.new_passphrase {
        let due = vault.backup_due(now)?;
        if a.json {
            return print_json(&status_json(&current, due));
        }
        print_status(&current, now);
        return Ok(());
    }
    let Some(folder) = a.folder.clone().or(current.folder.clone()) else {
        return Err(invalid(
            "folder",
            "automatic backups are off; turn them on with --folder DIR (a full path to a folder that exists)",
        ));
    };
    // A folder given as a relative path means the one here, written out in full.
    let folder = if folder.is_relative() {
        std::env::current_dir()
            .context("the current folder could not be read; give the folder as a full path")?
            .join(folder)
    } else {
        folder
    };
    // Checked before a passphrase is asked for.
    let folder = backup::check_folder(&folder)?;
    let keep = a.keep.unwrap_or(if current.folder.is_some() {
        current.keep
    } else {
        KEEP_DEFAULT
    });
    // The passphrase is asked for when turning them on, or when a new one is asked for;
    // otherwise the one chosen before is kept.
    let pass = if given(&a.pass) || a.new_passphrase || current.folder.is_none() {
        Some(new_backup_passphrase(&a.pass)?)
    } else {
        None
    };
    vault.set_automatic_backups(&folder, keep, pass.as_ref())?;
    let auto = vault.automatic_backups()?;
    if a.json {
        return print_json(&status_json(&auto, vault.backup_due(now)?));
    }
    println!("Automatic backups are on.");
    print_status(&auto, now);
    println!(
        "The web app (amends serve) makes one a day while it runs; `amends backup auto --run` makes the one that is due now."
    );
    Ok(())
}

fn run_due(vault: &mut Vault, json: bool, now: &Now) -> Result<()> {
    let outcome = vault.run_automatic(now)?;
    let auto = vault.automatic_backups()?;
    if json {
        let mut v = status_json(&auto, vault.backup_due(now)?);
        v["written"] = match &outcome {
            Some(Ok(p)) => serde_json::Value::String(p.display().to_string()),
            _ => serde_json::Value::Null,
        };
        print_json(&v)?;
    }
    match outcome {
        None if auto.folder.is_none() => {
            if !json {
                println!(
                    "Automatic backups are off, so none was made. Turn them on with: amends backup auto --folder DIR"
                );
            }
            Ok(())
        }
        None => {
            if !json {
                let last = auto
                    .last_at
                    .map(|t| when(now, t))
                    .unwrap_or_else(|| "never".into());
                println!("No backup was due: the last one was made {last}, less than a day ago.");
            }
            Ok(())
        }
        Some(Ok(path)) => {
            if !json {
                println!("An automatic backup was written to {}.", path.display());
            }
            Ok(())
        }
        Some(Err(p)) => Err(anyhow!(
            "the automatic backup could not be written. {} Nothing else was changed.",
            p.words()
        )),
    }
}

pub fn restore_cmd(cli: &Cli, a: &RestoreArgs, now: &Now) -> Result<()> {
    // Refused before anything is asked: restoring never touches an existing vault.
    let path = new_vault_place(cli)?;
    let bytes = read_backup(&a.file)?;
    let backup_pass = match (&a.pass.backup_passphrase_file, std::env::var(ENV)) {
        (Some(f), _) => secrets::new_passphrase(Some(f), ENV, "Backup passphrase")?,
        (None, Ok(v)) => SecretString::from(v),
        (None, Err(_)) => secrets::existing(None, ENV, "Backup passphrase")?,
    };
    // The backup is opened and checked before the new vault's passphrase is asked for.
    let opened = open_backup(&bytes, &backup_pass).map_err(bk)?;
    let pass = secrets::new_vault_passphrase(
        cli.passphrase_file.as_deref(),
        "Choose a passphrase for the new vault",
    )?;
    let restored = opened.restore(&path, &pass).map_err(bk)?;
    let key = restored.recovery_key.expose_secret();
    let info = &restored.info;
    if a.json {
        return print_json(&serde_json::json!({
            "vault": path.display().to_string(),
            "recovery_key": key,
            "parties": info.parties,
            "backup_made": info.created.to_string(),
            "automatic_backups_were_on": restored.automatic_were_on,
        }));
    }
    if let Some(n) = secrets::strength_note(&pass) {
        eprintln!("Note: {n}");
    }
    println!(
        "The backup made {} is restored: {} {}, with everything recorded for them.",
        when(now, info.created),
        info.parties,
        if info.parties == 1 {
            "party"
        } else {
            "parties"
        }
    );
    if let Some(b) = restored.vault.migration_backup() {
        println!(
            "It was brought up to this version's format; a copy from before is at {}.",
            b.display()
        );
    }
    if restored.automatic_were_on {
        println!(
            "Automatic backups were on in the backup. They are off in this vault until you turn them on again: amends backup auto --folder DIR"
        );
    }
    println!();
    // The same words as `amends init`: this is a new vault with a new key.
    crate::run::print_new_vault(&path, key);
    Ok(())
}

/// The bytes of a backup file. A file far larger than any workbook is refused unread.
fn read_backup(file: &Path) -> Result<Vec<u8>> {
    const MAX: u64 = 2 * 1024 * 1024 * 1024;
    let len = std::fs::metadata(file)
        .with_context(|| format!("the backup file {} could not be read", file.display()))?
        .len();
    if len > MAX {
        return Err(bk(BackupError::NotABackup));
    }
    std::fs::read(file)
        .with_context(|| format!("the backup file {} could not be read", file.display()))
}
