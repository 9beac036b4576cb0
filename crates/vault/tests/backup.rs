//! Encrypted backups of real vaults: a backup restored into a new vault holds exactly what the
//! old one held; a wrong passphrase, a damaged or cut-short file and a file that is not a backup
//! are refused with nothing created; automatic backups come due once a day, keep the last N of
//! their own files and never touch any other file; their problems are recorded as codes.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use amends_core::Now;
use amends_core::model::{HarmKind, Method, PartyKind, SafetyAnswers, Settings, Willingness};
use amends_vault::backup::{self, AutoJob, BackupProblem, open_backup};
use amends_vault::{
    BackupError, HarmInput, KdfParams, NewContact, PartyRef, PlanInput, SentInput, SentKind,
    StoredIdentity, Vault, VaultError,
};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use secrecy::{ExposeSecret, SecretString};
use tempfile::TempDir;
use zeroize::Zeroizing;

/// Cheap key derivation for the vaults: these tests are about the backups.
const FAST: KdfParams = KdfParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

const NAME: &str = "Maple-Quince";
const BACKUP_PASS: &str = "river stone lantern morning";

fn pw(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

fn now(hours: i64) -> Now {
    Now::new(
        Timestamp::from_second(1_750_000_000 + hours * 3600).unwrap(),
        TimeZone::UTC,
    )
}

fn new_vault(path: &Path) -> Vault {
    Vault::create_with(path, &pw("vault words"), &Settings::default(), FAST)
        .unwrap()
        .vault
}

/// A vault with something in every part: parties with histories, settings, a sharing identity,
/// a contact, something they shared, a bundle in the outbox, the relay and automatic backups.
fn filled(dir: &TempDir) -> Vault {
    let mut v = new_vault(&dir.path().join("old.amends"));
    let n = now(0);
    v.set_settings(&Settings {
        crisis_line: "Call Sam".into(),
        auto_lock_minutes: 9,
        ..Settings::default()
    })
    .unwrap();
    let p = v
        .add_party(NAME, PartyKind::Person, "sister", "", &n)
        .unwrap();
    v.add_harm(
        &PartyRef::Id(p.id),
        &HarmInput {
            did: "Borrowed the car and kept it".into(),
            kinds: vec![HarmKind::Property, HarmKind::Trust],
            ..HarmInput::default()
        },
        &n,
    )
    .unwrap();
    v.set_willingness(&PartyRef::Id(p.id), Willingness::Maybe, "", &now(1))
        .unwrap();
    v.set_willingness(&PartyRef::Id(p.id), Willingness::Now, "ready", &now(2))
        .unwrap();
    v.answer_safety(&PartyRef::Id(p.id), SafetyAnswers::default(), &now(2))
        .unwrap();
    v.plan(
        &PartyRef::Id(p.id),
        &PlanInput {
            channel: None,
            method: Method::Letter,
            script: "I kept your car.".into(),
            on: None,
            place: String::new(),
        },
        &now(3),
    )
    .unwrap();
    v.add_party("The old employer", PartyKind::Organisation, "", "", &now(4))
        .unwrap();
    v.keep_identity(StoredIdentity {
        age_secret: pw("AGE-SECRET-KEY-1TESTTESTTESTTESTTESTTESTTESTTESTTESTTESTTESTTESTTEST"),
        sign_seed: Zeroizing::new([7u8; 32]),
        created: now(0).at,
    })
    .unwrap();
    let c = v
        .add_contact(
            &NewContact {
                label: "Sponsor Sam".into(),
                role: "sponsor".into(),
                age_recipient: format!("age1{}", "q".repeat(58)),
                sign_key: "ab".repeat(32),
            },
            &n,
        )
        .unwrap();
    v.verify_contact(c, &n).unwrap();
    v.receive_share(c, 1, now(1).at, "{\"shared\": true}", &now(2))
        .unwrap();
    v.set_relay_address(Some("https://relay.example.org"))
        .unwrap();
    let sequence = v.next_sent_sequence(c).unwrap();
    v.record_sent_to_outbox(
        &SentInput {
            contact_id: c,
            kind: SentKind::Share,
            sequence,
            what: "the whole list".into(),
            bytes: 6,
        },
        b"sealed",
        &now(5),
    )
    .unwrap();
    v
}

/// Everything a vault holds, as text to compare.
fn everything(v: &Vault) -> String {
    let export = serde_json::to_string_pretty(&v.export(now(100).at).unwrap()).unwrap();
    let identity = v.identity().unwrap().map(|i| {
        (
            i.age_secret.expose_secret().to_string(),
            *i.sign_seed,
            i.created,
        )
    });
    format!(
        "{export}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
        v.settings().unwrap(),
        identity,
        v.contacts().unwrap(),
        v.supported().unwrap(),
        v.sent_log().unwrap(),
        v.outbox().unwrap(),
        v.outbox()
            .unwrap()
            .iter()
            .map(|e| v.outbox_bundle(e.id).unwrap())
            .collect::<Vec<_>>(),
    )
}

/// The files in a folder, by name.
fn names(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

#[test]
fn a_backup_restored_into_a_new_vault_holds_everything_the_old_one_held() {
    let dir = TempDir::new().unwrap();
    let mut old = filled(&dir);
    let folder = dir.path().join("auto");
    fs::create_dir(&folder).unwrap();
    old.set_automatic_backups(&folder, 5, Some(&pw(BACKUP_PASS)))
        .unwrap();
    let before = everything(&old);

    let bytes = old.backup(&pw(BACKUP_PASS), &now(6)).unwrap();
    // A standard age file sealed with a passphrase, and not a readable word inside.
    assert!(bytes.starts_with(b"age-encryption.org/v1\n-> scrypt "));
    let text = String::from_utf8_lossy(&bytes);
    for word in [NAME, "Borrowed", "Sponsor Sam", "SQLite format"] {
        assert!(!text.contains(word), "{word} is readable in the backup");
    }
    // Making a backup changed nothing in the vault.
    assert_eq!(everything(&old), before);

    let opened = open_backup(&bytes, &pw(BACKUP_PASS)).unwrap();
    assert_eq!(opened.info.created, now(6).at);
    assert_eq!(opened.info.parties, 2);
    assert_eq!(opened.info.schema_version, amends_vault::schema::LATEST);
    assert!(opened.info.app.starts_with("amends "));

    let new_path = dir.path().join("restored").join("new.amends");
    let restored = opened
        .restore_with(&new_path, &pw("new vault words"), FAST)
        .unwrap();
    assert!(restored.automatic_were_on);
    let recovery = restored.recovery_key.expose_secret().to_string();
    // A new data key: the recovery key is new, and the vault file is encrypted with it.
    assert_eq!(everything(&restored.vault), before);
    drop(restored);
    let raw = fs::read(&new_path).unwrap();
    assert!(!raw.starts_with(b"SQLite format 3"));
    assert!(!String::from_utf8_lossy(&raw).contains(NAME));

    // It opens with its own passphrase and its own recovery key, not with the old ones.
    let again = Vault::open(&new_path, &pw("new vault words")).unwrap();
    assert_eq!(everything(&again), before);
    // Automatic backups are off in the copy, so it never writes into the old vault's folder.
    let auto = again.automatic_backups().unwrap();
    assert_eq!(auto.folder, None);
    assert_eq!(auto.last_at, None);
    assert!(!again.backup_due(&now(48)).unwrap());
    assert_eq!(
        again.schema_version().unwrap(),
        amends_vault::schema::LATEST
    );
    drop(again);
    assert!(matches!(
        Vault::open(&new_path, &pw("vault words")),
        Err(VaultError::WrongPassphrase)
    ));
    let by_key = Vault::open_with_recovery_key(&new_path, &recovery).unwrap();
    assert_eq!(everything(&by_key), before);
    // The old vault is as it was, and still has its automatic backups.
    assert_eq!(everything(&old), before);
    assert_eq!(old.automatic_backups().unwrap().folder, Some(folder));
}

#[test]
fn restoring_over_an_existing_vault_is_refused_and_leaves_it_alone() {
    let dir = TempDir::new().unwrap();
    let old = filled(&dir);
    let bytes = old.backup(&pw(BACKUP_PASS), &now(6)).unwrap();
    let taken = dir.path().join("taken.amends");
    fs::write(&taken, b"someone's file").unwrap();
    let r = Vault::restore(&bytes, &pw(BACKUP_PASS), &taken, &pw("words"));
    assert!(matches!(
        r,
        Err(BackupError::Vault(VaultError::AlreadyExists { .. }))
    ));
    assert_eq!(fs::read(&taken).unwrap(), b"someone's file");
    // The old vault itself is an existing path too.
    let r = Vault::restore(&bytes, &pw(BACKUP_PASS), old.path(), &pw("words"));
    assert!(matches!(
        r,
        Err(BackupError::Vault(VaultError::AlreadyExists { .. }))
    ));
    // A key file alone also claims the path.
    let lone = dir.path().join("lone.amends");
    fs::write(amends_vault::keyfile_path(&lone), b"{}").unwrap();
    assert!(Vault::restore(&bytes, &pw(BACKUP_PASS), &lone, &pw("words")).is_err());
    assert!(!lone.exists());
}

/// An age file sealed with a passphrase, holding `plain`: the shape of a backup around
/// something else.
fn sealed(plain: &[u8], pass: &str) -> Vec<u8> {
    let mut r = age::scrypt::Recipient::new(pw(pass));
    r.set_work_factor(10);
    let e = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient)).unwrap();
    let mut out = Vec::new();
    let mut w = e.wrap_output(&mut out).unwrap();
    w.write_all(plain).unwrap();
    w.finish().unwrap();
    out
}

fn unsealed(bytes: &[u8], pass: &str) -> Vec<u8> {
    let d = age::Decryptor::new_buffered(bytes).unwrap();
    let id = age::scrypt::Identity::new(pw(pass));
    let mut r = d
        .decrypt(std::iter::once(&id as &dyn age::Identity))
        .unwrap();
    let mut out = Vec::new();
    r.read_to_end(&mut out).unwrap();
    out
}

/// A plain SQLite image changed by `change`, as bytes.
fn changed_image(image: &[u8], change: &str) -> Vec<u8> {
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.deserialize_read_exact("main", image, image.len(), false)
        .unwrap();
    conn.execute_batch(change).unwrap();
    conn.serialize("main").unwrap().to_vec()
}

#[test]
fn wrong_passphrases_damaged_files_and_other_files_are_refused_with_nothing_created() {
    let dir = TempDir::new().unwrap();
    let old = filled(&dir);
    let bytes = old.backup(&pw(BACKUP_PASS), &now(6)).unwrap();
    let image = unsealed(&bytes, BACKUP_PASS);
    assert!(
        image.starts_with(b"SQLite format 3\0"),
        "a plain SQLite image inside"
    );
    let target = dir.path().join("new.amends");
    let before = names(dir.path());

    let refused = |what: &str, file: &[u8], pass: &str| -> BackupError {
        let e = match Vault::restore(file, &pw(pass), &target, &pw("new words")) {
            Ok(_) => panic!("{what} was restored"),
            Err(e) => e,
        };
        assert_eq!(names(dir.path()), before, "{what} left a file behind");
        let words = e.to_string();
        assert!(words.contains("Nothing was created"), "{what}: {words}");
        assert!(!words.contains(NAME), "{what}: {words}");
        e
    };

    // The wrong passphrase.
    assert!(matches!(
        refused("a wrong passphrase", &bytes, "river stone lantern evening"),
        BackupError::WrongPassphrase
    ));
    // A byte changed in the middle, or at the very end; the file cut short.
    let mut flipped = bytes.clone();
    let mid = bytes.len() / 2;
    flipped[mid] ^= 0x40;
    assert!(matches!(
        refused("a changed byte", &flipped, BACKUP_PASS),
        BackupError::Damaged
    ));
    let mut last = bytes.clone();
    *last.last_mut().unwrap() ^= 1;
    assert!(matches!(
        refused("a changed last byte", &last, BACKUP_PASS),
        BackupError::Damaged
    ));
    for cut in [
        bytes.len() - 1,
        bytes.len() - 20_000.min(bytes.len() / 2),
        200,
        40,
    ] {
        let e = refused("a file cut short", &bytes[..cut], BACKUP_PASS);
        assert!(
            matches!(e, BackupError::Damaged),
            "cut at {cut} of {}: {e:?}",
            bytes.len()
        );
    }
    // Files that are not backups at all.
    let export = serde_json::to_vec(&old.export(now(7).at).unwrap()).unwrap();
    for (what, file) in [
        ("an empty file", Vec::new()),
        ("a JSON export", export),
        ("some text", b"hello, this is not a backup".to_vec()),
        ("the vault file itself", fs::read(old.path()).unwrap()),
        ("a plain SQLite file, not sealed", image.clone()),
    ] {
        assert!(
            matches!(refused(what, &file, BACKUP_PASS), BackupError::NotABackup),
            "{what}"
        );
    }
    // An age file sealed to a key, as a sharing bundle is.
    let key = age::x25519::Identity::generate();
    let to_key = age::encrypt(&key.to_public(), &image).unwrap();
    assert!(matches!(
        refused("an age file sealed to a key", &to_key, BACKUP_PASS),
        BackupError::NotABackup
    ));
    // Sealed with a passphrase, but holding something else.
    assert!(matches!(
        refused(
            "a sealed text",
            &sealed(b"a letter", BACKUP_PASS),
            BACKUP_PASS
        ),
        BackupError::NotABackup
    ));
    let other_db = changed_image(&image, "DROP TABLE amends_backup;");
    assert!(matches!(
        refused(
            "a sealed database that is not a backup",
            &sealed(&other_db, BACKUP_PASS),
            BACKUP_PASS
        ),
        BackupError::NotABackup
    ));
    let mut torn = image.clone();
    torn.truncate(image.len() / 2);
    assert!(matches!(
        refused(
            "a sealed image cut in half",
            &sealed(&torn, BACKUP_PASS),
            BACKUP_PASS
        ),
        BackupError::Damaged | BackupError::NotABackup
    ));
    // From a newer Amends: a newer backup format, or a newer schema.
    let newer = changed_image(&image, "UPDATE amends_backup SET version = 2;");
    assert!(matches!(
        refused(
            "a newer backup format",
            &sealed(&newer, BACKUP_PASS),
            BACKUP_PASS
        ),
        BackupError::TooNew { found: 2, known: 1 }
    ));
    let later = amends_vault::schema::LATEST + 1;
    let newer = changed_image(
        &image,
        &format!(
            "UPDATE amends_backup SET schema_version = {later}; PRAGMA user_version = {later};"
        ),
    );
    assert!(matches!(
        refused("a newer schema", &sealed(&newer, BACKUP_PASS), BACKUP_PASS),
        BackupError::TooNew { .. }
    ));
    // An empty passphrase is refused before anything is read.
    assert!(matches!(
        Vault::restore(&bytes, &pw(""), &target, &pw("new words")),
        Err(BackupError::EmptyPassphrase)
    ));
    assert!(matches!(
        old.backup(&pw("  "), &now(8)),
        Err(BackupError::EmptyPassphrase)
    ));
    // And the real file with the right passphrase still restores, to the same place.
    let restored = open_backup(&bytes, &pw(BACKUP_PASS))
        .unwrap()
        .restore_with(&target, &pw("new words"), FAST)
        .unwrap();
    assert_eq!(restored.vault.party_count().unwrap(), 2);
}

#[test]
fn a_backup_of_an_older_schema_is_brought_up_to_date_as_opening_does() {
    let dir = TempDir::new().unwrap();
    let old = filled(&dir);
    let before = serde_json::to_string(&old.export(now(100).at).unwrap()).unwrap();
    let bytes = old.backup(&pw(BACKUP_PASS), &now(6)).unwrap();
    // The same backup as a schema-5 vault would have made it: no V6 tables, version 5.
    let image = unsealed(&bytes, BACKUP_PASS);
    let v5 = changed_image(
        &image,
        "ALTER TABLE commitments DROP COLUMN reach; ALTER TABLE payments DROP COLUMN via; ALTER TABLE payments DROP COLUMN recorded; ALTER TABLE checkins DROP COLUMN recorded; ALTER TABLE safety_answers DROP COLUMN reason; ALTER TABLE review_notes DROP COLUMN safety_seen; ALTER TABLE safety_answers DROP COLUMN asked; ALTER TABLE plans DROP COLUMN channel; ALTER TABLE attempts DROP COLUMN channel; DROP TABLE follow_changes;
             DROP TABLE backup_settings; DROP TABLE calendar_settings;
         UPDATE amends_backup SET schema_version = 5; PRAGMA user_version = 5;",
    );
    let file = sealed(&v5, BACKUP_PASS);
    let opened = open_backup(&file, &pw(BACKUP_PASS)).unwrap();
    assert_eq!(opened.info.schema_version, 5);
    let target = dir.path().join("from-v5.amends");
    let restored = opened
        .restore_with(&target, &pw("new words"), FAST)
        .unwrap();
    assert!(!restored.automatic_were_on);
    let v = restored.vault;
    assert_eq!(v.schema_version().unwrap(), amends_vault::schema::LATEST);
    let mut after = v.export(now(100).at).unwrap();
    // Brought up to date, it says from when its facts were written under every gate: what it
    // held before was accepted under the gates of its time.
    assert!(after.gates_since.is_some());
    after.gates_since = None;
    // A schema-5 vault kept no list of the questions asked: its answers count as all twelve.
    let mut before: amends_vault::export::ExportDoc = serde_json::from_str(&before).unwrap();
    for p in &mut before.parties {
        for s in &mut p.safety {
            assert!(s.asked.take().is_some());
        }
    }
    let before = serde_json::to_string(&before).unwrap();
    assert_eq!(serde_json::to_string(&after).unwrap(), before);
    // As opening an old vault does, the restored copy as it was before migrating is kept.
    assert!(v.migration_backup().is_some());
    assert_eq!(v.automatic_backups().unwrap().keep, backup::KEEP_DEFAULT);
}

/// A folder with files that are not ours, some with names close to ours.
fn folder_with_others(dir: &TempDir) -> (PathBuf, Vec<&'static str>) {
    let folder = dir.path().join("Backups");
    fs::create_dir(&folder).unwrap();
    let others = vec![
        "notes.txt",
        "amends-backup-2020-01-01-000000.age.bak",
        "amends-backup-old.age",
        "my-amends-backup-2020-01-01-000000.age",
        "amends-export-2020-01-01.json",
    ];
    for o in &others {
        fs::write(folder.join(o), b"not ours").unwrap();
    }
    // A folder with our kind of name is not a backup either.
    fs::create_dir(folder.join("amends-backup-2000-01-01-000000.age")).unwrap();
    (folder, others)
}

fn ours(folder: &Path) -> Vec<String> {
    names(folder)
        .into_iter()
        .filter(|n| backup::is_automatic_name(n) && folder.join(n).is_file())
        .collect()
}

#[test]
fn automatic_backups_come_due_daily_and_keep_the_last_n_of_their_own_files() {
    let dir = TempDir::new().unwrap();
    let mut v = filled(&dir);
    let (folder, others) = folder_with_others(&dir);

    // Off: never due.
    assert!(!v.backup_due(&now(0)).unwrap());
    assert_eq!(v.run_automatic(&now(0)).unwrap(), None);
    assert!(ours(&folder).is_empty());

    v.set_automatic_backups(&folder, 3, Some(&pw(BACKUP_PASS)))
        .unwrap();
    let auto = v.automatic_backups().unwrap();
    assert_eq!(
        (auto.folder.as_deref(), auto.keep),
        (Some(folder.as_path()), 3)
    );
    assert_eq!((auto.last_at, auto.problem), (None, None));
    let series = auto.series;
    assert!(
        series.len() == 8 && series.bytes().all(|c| c.is_ascii_hexdigit()),
        "{series}"
    );
    // On, and none made yet: due at once.
    assert!(v.backup_due(&now(10)).unwrap());
    let first = v.run_automatic(&now(10)).unwrap().unwrap().unwrap();
    assert_eq!(
        first.file_name().unwrap().to_string_lossy(),
        backup::automatic_file_name(&series, &now(10))
    );
    assert_eq!(v.automatic_backups().unwrap().last_at, Some(now(10).at));
    // Not again until a day has passed.
    assert!(!v.backup_due(&now(33)).unwrap());
    assert_eq!(v.run_automatic(&now(33)).unwrap(), None);
    let almost = Now::new(
        now(34)
            .at
            .checked_sub(SignedDuration::from_secs(1))
            .unwrap(),
        TimeZone::UTC,
    );
    assert!(!v.backup_due(&almost).unwrap());
    assert!(v.backup_due(&now(34)).unwrap());
    // A clock set back also makes one due, rather than none for as long.
    assert!(v.backup_due(&now(9)).unwrap());

    // Six days, one backup each: only the last three are kept, and nothing else is touched.
    for day in 1..=5 {
        let at = now(10 + 24 * day);
        assert!(v.run_automatic(&at).unwrap().unwrap().is_ok());
    }
    let kept = ours(&folder);
    assert_eq!(
        kept,
        (3..=5)
            .map(|day| backup::automatic_file_name(&series, &now(10 + 24 * day)))
            .collect::<Vec<_>>()
    );
    for o in &others {
        assert_eq!(fs::read(folder.join(o)).unwrap(), b"not ours", "{o}");
    }
    assert!(folder.join("amends-backup-2000-01-01-000000.age").is_dir());
    assert!(
        !names(&folder).iter().any(|n| n.starts_with(".amends")),
        "no partial or check file left: {:?}",
        names(&folder)
    );

    // A clock set back a year: the backup made then has the oldest name, and is still kept.
    let back = now(10 + 24 * 5 - 24 * 365);
    let odd = v.run_automatic(&back).unwrap().unwrap().unwrap();
    assert!(
        odd.exists(),
        "the backup just made is never the one deleted"
    );
    assert_eq!(ours(&folder).len(), 3);
    assert_eq!(
        ours(&folder)[0],
        backup::automatic_file_name(&series, &back)
    );

    // Keeping fewer takes effect at the next backup; the newest one restores.
    v.set_automatic_backups(&folder, 1, None).unwrap();
    let newest = v
        .run_automatic(&now(10 + 24 * 6))
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(ours(&folder).len(), 1);
    let restored = Vault::restore(
        &fs::read(&newest).unwrap(),
        &pw(BACKUP_PASS),
        &dir.path().join("from-auto.amends"),
        &pw("new words"),
    )
    .unwrap();
    assert_eq!(
        serde_json::to_string(&restored.vault.export(now(1).at).unwrap()).unwrap(),
        serde_json::to_string(&v.export(now(1).at).unwrap()).unwrap()
    );

    // The restored copy is another vault: turned on in the same folder, its backups are a
    // series of their own, and neither vault prunes the other's.
    let mut copy = restored.vault;
    assert_eq!(copy.automatic_backups().unwrap().series, "");
    copy.set_automatic_backups(&folder, 1, Some(&pw(BACKUP_PASS)))
        .unwrap();
    let theirs = copy.automatic_backups().unwrap().series;
    assert!(theirs.len() == 8 && theirs != series, "{theirs}");
    for day in 7..=8 {
        assert!(
            copy.run_automatic(&now(10 + 24 * day))
                .unwrap()
                .unwrap()
                .is_ok()
        );
    }
    assert!(v.run_automatic(&now(10 + 24 * 9)).unwrap().unwrap().is_ok());
    let kept = ours(&folder);
    assert_eq!(
        kept,
        vec![
            backup::automatic_file_name(&theirs, &now(10 + 24 * 8)),
            backup::automatic_file_name(&series, &now(10 + 24 * 9)),
        ]
        .into_iter()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>(),
        "the last one of each vault"
    );
    // Turned off and on again, a vault keeps its series.
    v.turn_off_automatic_backups().unwrap();
    v.set_automatic_backups(&folder, 1, Some(&pw(BACKUP_PASS)))
        .unwrap();
    assert_eq!(v.automatic_backups().unwrap().series, series);

    // Turned off: nothing more is written, and what was made stays.
    v.turn_off_automatic_backups().unwrap();
    assert!(!v.backup_due(&now(1000)).unwrap());
    assert_eq!(v.run_automatic(&now(1000)).unwrap(), None);
    assert_eq!(ours(&folder).len(), 2);
    assert_eq!(v.automatic_backups().unwrap().folder, None);
}

#[test]
fn a_missing_folder_is_recorded_as_a_problem_and_the_next_try_clears_it() {
    let dir = TempDir::new().unwrap();
    let mut v = filled(&dir);
    let folder = dir.path().join("usb-drive");
    fs::create_dir(&folder).unwrap();
    v.set_automatic_backups(&folder, 7, Some(&pw(BACKUP_PASS)))
        .unwrap();
    // The drive is unplugged.
    fs::remove_dir(&folder).unwrap();
    assert_eq!(
        v.run_automatic(&now(0)).unwrap(),
        Some(Err(BackupProblem::FolderMissing))
    );
    let auto = v.automatic_backups().unwrap();
    assert_eq!(auto.problem, Some(BackupProblem::FolderMissing));
    assert_eq!(auto.last_at, None);
    // Still due: the next check tries again.
    assert!(v.backup_due(&now(1)).unwrap());
    // A file where the folder was is no folder either.
    fs::write(&folder, b"a file").unwrap();
    assert_eq!(
        v.run_automatic(&now(1)).unwrap(),
        Some(Err(BackupProblem::FolderMissing))
    );
    fs::remove_file(&folder).unwrap();
    // Plugged in again: the backup is made and the problem is gone.
    fs::create_dir(&folder).unwrap();
    assert!(v.run_automatic(&now(2)).unwrap().unwrap().is_ok());
    let auto = v.automatic_backups().unwrap();
    assert_eq!((auto.problem, auto.last_at), (None, Some(now(2).at)));
    assert_eq!(ours(&folder).len(), 1);
}

#[test]
fn a_due_backup_can_be_sealed_and_written_without_the_vault() {
    let dir = TempDir::new().unwrap();
    let mut v = filled(&dir);
    let folder = dir.path().join("b");
    fs::create_dir(&folder).unwrap();
    v.set_automatic_backups(&folder, 2, Some(&pw(BACKUP_PASS)))
        .unwrap();
    let job: AutoJob = v.automatic_backup_job(&now(0)).unwrap().unwrap();
    // The vault can be used, and even closed, while the job seals and writes.
    let path = v.path().to_path_buf();
    drop(v);
    let outcome = job.run();
    let written = outcome.clone().unwrap();
    assert!(written.starts_with(&folder));
    let mut v = Vault::open(&path, &pw("vault words")).unwrap();
    assert!(v.backup_due(&now(1)).unwrap(), "not recorded yet");
    v.record_automatic_backup(&outcome, &now(1)).unwrap();
    assert!(!v.backup_due(&now(2)).unwrap());
    assert!(open_backup(&fs::read(written).unwrap(), &pw(BACKUP_PASS)).is_ok());
}

#[test]
fn automatic_backup_settings_are_checked() {
    let dir = TempDir::new().unwrap();
    let mut v = new_vault(&dir.path().join("v.amends"));
    let folder = dir.path().join("b");
    fs::create_dir(&folder).unwrap();
    let field_of = |r: Result<(), VaultError>| match r {
        Err(VaultError::Invalid { field, .. }) => field,
        other => panic!("not refused: {other:?}"),
    };
    let p = pw(BACKUP_PASS);
    assert_eq!(
        field_of(v.set_automatic_backups(&folder, 0, Some(&p))),
        "keep"
    );
    assert_eq!(
        field_of(v.set_automatic_backups(&folder, 366, Some(&p))),
        "keep"
    );
    assert_eq!(
        field_of(v.set_automatic_backups(Path::new("relative/b"), 7, Some(&p))),
        "folder"
    );
    assert_eq!(
        field_of(v.set_automatic_backups(&dir.path().join("nowhere"), 7, Some(&p))),
        "folder"
    );
    assert_eq!(
        field_of(v.set_automatic_backups(Path::new(""), 7, Some(&p))),
        "folder"
    );
    let file = dir.path().join("a-file");
    fs::write(&file, b"x").unwrap();
    assert_eq!(
        field_of(v.set_automatic_backups(&file, 7, Some(&p))),
        "folder"
    );
    assert_eq!(
        field_of(v.set_automatic_backups(&folder, 7, Some(&pw(" ")))),
        "passphrase"
    );
    // No passphrase chosen yet, none given.
    assert_eq!(
        field_of(v.set_automatic_backups(&folder, 7, None)),
        "passphrase"
    );
    assert_eq!(
        v.automatic_backups().unwrap().folder,
        None,
        "nothing was set"
    );
    // Then a good one; a later change may keep the passphrase.
    v.set_automatic_backups(&folder, 7, Some(&p)).unwrap();
    v.set_automatic_backups(&folder, 30, None).unwrap();
    assert_eq!(v.automatic_backups().unwrap().keep, 30);
    assert!(names(&folder).is_empty(), "the write check leaves nothing");
}

#[test]
fn the_recipe_by_hand_in_docs_backups_md_gives_a_vault_amends_opens() {
    let dir = TempDir::new().unwrap();
    let old = filled(&dir);
    let bytes = old.backup(&pw(BACKUP_PASS), &now(6)).unwrap();
    // age -d -o amends.sqlite FILE
    let plain = dir.path().join("amends.sqlite");
    fs::write(&plain, unsealed(&bytes, BACKUP_PASS)).unwrap();
    // sqlite3 amends.sqlite 'SELECT id, name, relationship FROM parties;'
    let conn = rusqlite::Connection::open(&plain).unwrap();
    let name: String = conn
        .query_row("SELECT name FROM parties WHERE id = 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(name, NAME);
    // The sqlcipher shell's steps, word for word.
    let hex = "7f".repeat(32);
    let target = dir.path().join("restored.amends");
    let schema: i64 = conn
        .query_row("SELECT schema_version FROM amends_backup", [], |r| r.get(0))
        .unwrap();
    conn.execute_batch(&format!(
        "ATTACH DATABASE '{}' AS vault KEY \"x'{hex}'\";
         SELECT sqlcipher_export('vault');
         DROP TABLE vault.amends_backup;
         PRAGMA vault.user_version = {schema};
         DETACH DATABASE vault;",
        target.display()
    ))
    .unwrap();
    drop(conn);
    // amends recover --vault restored.amends, with the 64 digits as the recovery key.
    Vault::reset_passphrase(&target, &hex, &pw("words of my own")).unwrap();
    let v = Vault::open(&target, &pw("words of my own")).unwrap();
    assert_eq!(everything(&v), everything(&old));
}
