//! Backups through the real binary: `amends backup -o FILE`, `amends restore FILE --vault NEW`
//! (the new vault opens with its new passphrase and its new recovery key, and holds what the old
//! one held), the standard `age` tool opening a backup with its passphrase, refusals that leave
//! nothing behind, and `amends backup auto`.

use crate::common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{Vault, assert_plain_words, find_recovery_key, stderr, stdout};

const BACKUP_PASS: &str = "harbour willow copper tuesday";
const NAME: &str = "Rosalind-Quarry";

/// A vault with a history worth keeping.
fn workbook() -> Vault {
    let v = Vault::init_with(&["--fellowship", "na", "--currency", "EUR"]);
    v.add_party(NAME, &["--relationship", "my aunt"]);
    v.ok(&[
        "harm",
        "add",
        NAME,
        "--did",
        "Missed her seventieth birthday",
        "--kind",
        "emotional,neglect",
        "--owed",
        "40",
    ]);
    v.ok(&["willing", NAME, "maybe"]);
    v.ok(&["willing", NAME, "now"]);
    v.ok(&["safety", NAME, "--none"]);
    v.ok(&["plan", NAME, "--method", "letter", "--script", "Dear aunt,"]);
    v.ok(&["settings", "--crisis-line", "Call Ana", "--auto-lock", "12"]);
    v
}

/// The binary pointed at `v`, with the backup passphrase in the environment.
fn with_backup_pass(v: &Vault, pass: &str) -> assert_cmd::Command {
    let mut c = v.cmd();
    c.env("AMENDS_BACKUP_PASSPHRASE", pass);
    c
}

fn run(mut c: assert_cmd::Command, args: &[&str]) -> std::process::Output {
    c.args(args).output().expect("the binary runs")
}

/// The files of a folder, by name.
fn names(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

#[test]
fn a_backup_restores_into_a_new_vault_that_opens_with_its_new_passphrase_and_key() {
    let v = workbook();
    let file = v.file("workbook-backup.age");
    let o = run(
        with_backup_pass(&v, BACKUP_PASS),
        &["backup", "-o", file.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let said = stdout(&o);
    assert!(said.contains("Backup written to"), "{said}");
    assert!(said.contains("1 party"), "{said}");
    assert!(!said.contains(NAME));
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"age-encryption.org/v1\n-> scrypt "));
    assert!(!common::contains_bytes(&bytes, NAME.as_bytes()));

    // Restore into a new vault: the backup's passphrase, then a new one for the new vault.
    let new = Vault::uninit();
    let mut c = common::bare();
    c.arg("--vault")
        .arg(&new.path)
        .env("AMENDS_BACKUP_PASSPHRASE", BACKUP_PASS)
        .env("AMENDS_PASSPHRASE", &new.pass);
    let o = run(c, &["restore", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    // The recovery key is shown exactly as `init` shows it.
    assert!(out.contains("Recovery key (shown this once):"), "{out}");
    assert!(out.contains("Write it on paper"), "{out}");
    assert!(out.contains("is restored: 1 party"), "{out}");
    let key = find_recovery_key(&out).expect("a recovery key");
    assert_ne!(key, v.recovery, "a new vault has a new key");
    assert!(!stderr(&o).contains(NAME));

    // The new vault holds exactly what the old one held.
    assert_eq!(new.export(), v.export());
    assert_eq!(new.show(NAME), v.show(NAME));
    // It opens with its new recovery key (plain SQLCipher, and `amends recover`), not the old one.
    assert!(common::open_with_recovery_key(&new.path, &key).is_ok());
    assert!(common::open_with_recovery_key(&new.path, &v.recovery).is_err());
    let mut recover = new.cmd();
    recover
        .env("AMENDS_RECOVERY_KEY", &key)
        .env("AMENDS_NEW_PASSPHRASE", "a later passphrase of words");
    let o = run(recover, &["recover"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut later = Vault::uninit();
    later.path = new.path.clone();
    later.pass = "a later passphrase of words".into();
    assert_eq!(later.export(), v.export());
    // The old vault's passphrase does not open the new one.
    let mut old_pass = Vault::uninit();
    old_pass.path = new.path.clone();
    old_pass.refused(&["status"], 4);
}

#[test]
fn the_age_tool_opens_a_backup_with_its_passphrase_and_sqlite_reads_what_is_inside() {
    let v = workbook();
    let file = v.file("b.age");
    let o = run(
        with_backup_pass(&v, BACKUP_PASS),
        &["backup", "-o", file.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // `age` asks for the passphrase on a terminal only: `script` gives it one.
    let plain = v.file("plain.sqlite");
    let line = format!("age -d -o '{}' '{}'", plain.display(), file.display());
    let mut child = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("`script` and `age` are installed (scripts/test.sh installs age)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{BACKUP_PASS}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "age -d failed: {out:?}");
    // A plain SQLite database, as docs/backups.md says: readable with no key at all.
    let db = rusqlite::Connection::open(&plain).unwrap();
    let name: String = db
        .query_row("SELECT name FROM parties", [], |r| r.get(0))
        .unwrap();
    assert_eq!(name, NAME);
    let (format, version): (String, i64) = db
        .query_row("SELECT format, version FROM amends_backup", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((format.as_str(), version), ("amends-backup", 1));
    let user_version: i64 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    let schema: i64 = db
        .query_row("SELECT schema_version FROM amends_backup", [], |r| r.get(0))
        .unwrap();
    assert_eq!(user_version, schema);
    let crisis: String = db
        .query_row("SELECT crisis_line FROM settings", [], |r| r.get(0))
        .unwrap();
    assert_eq!(crisis, "Call Ana");
}

#[test]
fn refusals_leave_nothing_behind() {
    let v = workbook();
    let file = v.file("b.age");
    let path = file.to_str().unwrap();
    // A file that exists is never replaced.
    std::fs::write(&file, b"mine").unwrap();
    let o = run(with_backup_pass(&v, BACKUP_PASS), &["backup", "-o", path]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_plain_words(&stderr(&o));
    assert_eq!(std::fs::read(&file).unwrap(), b"mine");
    std::fs::remove_file(&file).unwrap();
    // No passphrase for the backup, and no terminal to ask on.
    let mut c = v.cmd();
    c.env_remove("AMENDS_BACKUP_PASSPHRASE");
    let o = run(c, &["backup", "-o", path]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!file.exists());
    let o = run(with_backup_pass(&v, BACKUP_PASS), &["backup", "-o", path]);
    assert!(o.status.success(), "{}", stderr(&o));
    let good = std::fs::read(&file).unwrap();

    let new = Vault::uninit();
    let restore = |file: &Path, pass: &str| {
        let mut c = common::bare();
        c.arg("--vault")
            .arg(&new.path)
            .env("AMENDS_BACKUP_PASSPHRASE", pass)
            .env("AMENDS_PASSPHRASE", "new vault words here");
        let o = run(c, &["restore", file.to_str().unwrap()]);
        let err = stderr(&o);
        assert_plain_words(&err);
        assert!(err.contains("Nothing was created"), "{err}");
        assert!(!err.contains(NAME), "{err}");
        assert!(
            names(new.dir.path()).is_empty(),
            "{:?}",
            names(new.dir.path())
        );
        o.status.code()
    };
    // The wrong passphrase: exit 4, as for a vault that does not unlock.
    assert_eq!(restore(&file, "harbour willow copper monday"), Some(4));
    // A damaged file, a file cut short, a file that is not a backup: exit 2.
    let mut damaged = good.clone();
    let mid = damaged.len() / 2;
    damaged[mid] ^= 0x10;
    let f = v.file("damaged.age");
    std::fs::write(&f, &damaged).unwrap();
    assert_eq!(restore(&f, BACKUP_PASS), Some(2));
    let f = v.file("short.age");
    std::fs::write(&f, &good[..good.len() - 100]).unwrap();
    assert_eq!(restore(&f, BACKUP_PASS), Some(2));
    let f = v.file("export.json");
    std::fs::write(&f, v.ok(&["export"])).unwrap();
    assert_eq!(restore(&f, BACKUP_PASS), Some(2));
    assert_eq!(restore(&v.path, BACKUP_PASS), Some(2));

    // An existing vault is never restored over, and is left as it was.
    let o = run(
        with_backup_pass(&v, BACKUP_PASS),
        &["restore", file.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert!(v.export()["parties"][0]["name"] == NAME);
}

#[test]
fn automatic_backups_are_set_shown_made_when_due_and_turned_off() {
    let v = workbook();
    let folder = v.file("Backups");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("holiday-photo.jpg"), b"not ours").unwrap();
    let dir = folder.to_str().unwrap();

    let status = v.json(&["backup", "auto", "--json"]);
    assert_eq!(status["on"], false);
    // Running with them off makes nothing.
    let said = v.ok(&["backup", "auto", "--run"]);
    assert!(said.contains("off"), "{said}");
    // A folder that does not exist, or a number out of range, is refused.
    v.refused(
        &["backup", "auto", "--folder", "/no/such/folder/anywhere"],
        2,
    );
    v.refused(&["backup", "auto", "--folder", dir, "--keep", "0"], 2);
    v.refused(&["backup", "auto", "--keep", "400"], 2);

    let mut pass_file = tempfile::NamedTempFile::new().unwrap();
    writeln!(pass_file, "{BACKUP_PASS}").unwrap();
    let pf = pass_file.path().to_str().unwrap();
    let on = v.json(&[
        "backup",
        "auto",
        "--folder",
        dir,
        "--keep",
        "2",
        "--backup-passphrase-file",
        pf,
        "--json",
    ]);
    assert_eq!(on["on"], true);
    assert_eq!(on["keep"], 2);
    assert_eq!(on["due"], true);
    assert_eq!(on["folder"], dir);

    let made = v.json(&["backup", "auto", "--run", "--json"]);
    let written = made["written"].as_str().expect("a backup was written");
    assert!(written.starts_with(dir));
    assert_eq!(made["due"], false);
    assert!(made["last_at"].is_string());
    // Not due again today.
    let again = v.ok(&["backup", "auto", "--run"]);
    assert!(again.contains("No backup was due"), "{again}");
    assert_eq!(names(&folder).len(), 2, "{:?}", names(&folder));
    let text = v.ok(&["backup", "auto"]);
    assert!(text.contains("the last 2 backups"), "{text}");
    assert!(text.contains(dir), "{text}");
    // Changing how many to keep keeps the passphrase chosen before (no prompt is needed).
    let changed = v.json(&["backup", "auto", "--keep", "5", "--json"]);
    assert_eq!(changed["keep"], 5);
    assert_eq!(changed["folder"], dir);

    // The file it wrote restores.
    let new = Vault::uninit();
    let mut c = common::bare();
    c.arg("--vault")
        .arg(&new.path)
        .env("AMENDS_BACKUP_PASSPHRASE", BACKUP_PASS)
        .env("AMENDS_PASSPHRASE", &new.pass);
    let o = run(c, &["restore", written, "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(r["parties"], 1);
    assert_eq!(r["automatic_backups_were_on"], true);
    assert_eq!(new.export(), v.export());
    // In the restored copy they are off until turned on again.
    assert_eq!(new.json(&["backup", "auto", "--json"])["on"], false);

    let off = v.ok(&["backup", "auto", "--off"]);
    assert!(off.contains("nothing was deleted"), "{off}");
    assert_eq!(v.json(&["backup", "auto", "--json"])["on"], false);
    assert_eq!(names(&folder).len(), 2, "the backups made stay");
    assert_eq!(
        std::fs::read(folder.join("holiday-photo.jpg")).unwrap(),
        b"not ours"
    );
}
