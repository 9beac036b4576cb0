//! Privacy and safety of the data: encrypted at rest, the recovery key, passphrase changes,
//! two programs at once, and a full export that comes back exactly.

use crate::common;

use std::process::Stdio;

use common::{
    PASS, Vault, bin_path, contains_bytes, open_with_recovery_key, recovery_hex, stderr, stdout,
};
use serde_json::Value;

/// Words no SQLite page, key file or log would hold by chance.
const SECRETS: [&str; 8] = [
    "Quillfeatherby",
    "Zanzibarquist",
    "Marmaladeheist",
    "Jamjarpilferer",
    "Xylophonicsorrow",
    "Pemberthwaite",
    "Wombatcrumble",
    "Gorseblossomvow",
];

fn assert_no_secret_in_files(v: &Vault, words: &[&str], when: &str) {
    let files = v.files();
    assert!(!files.is_empty());
    for (path, bytes) in &files {
        for w in words {
            assert!(
                !contains_bytes(bytes, w.as_bytes()),
                "{when}: `{w}` is readable in {}",
                path.display()
            );
            // Nor in UTF-16, in case some text were stored that way.
            let wide: Vec<u8> = w.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
            assert!(
                !contains_bytes(bytes, &wide),
                "{when}: `{w}` (UTF-16) in {}",
                path.display()
            );
        }
    }
}

#[test]
fn nothing_written_is_readable_in_the_vault_files_nor_in_the_wal() {
    let v = Vault::init();
    v.add_party(
        "Quillfeatherby",
        &[
            "--relationship",
            "Zanzibarquist",
            "--notes",
            "met at Gorseblossomvow",
        ],
    );
    v.ok(&[
        "harm",
        "add",
        "Quillfeatherby",
        "--did",
        "Marmaladeheist at the market",
        "--third-party",
        "Pemberthwaite",
        "--owed",
        "12.34",
    ]);
    v.ok(&["willing", "1", "now", "--note", "Xylophonicsorrow"]);
    v.ok(&["safety", "1", "--none"]);
    v.ok(&[
        "plan",
        "1",
        "--method",
        "letter",
        "--script",
        "Dear Q, Xylophonicsorrow is what I feel.",
    ]);
    // An edit keeps the earlier wording somewhere; it must be encrypted as well.
    v.ok(&["harm", "edit", "1", "--did", "Jamjarpilferer at the market"]);

    // The words are really in the vault: the export shows them.
    let export = v.ok(&["export"]);
    for w in [
        "Quillfeatherby",
        "Zanzibarquist",
        "Jamjarpilferer",
        "Xylophonicsorrow",
        "Pemberthwaite",
    ] {
        assert!(export.contains(w), "the export lacks {w}");
    }

    // Hold a reader open (with the recovery key) so the next writes stay in the write-ahead log.
    let reader = open_with_recovery_key(&v.path, &v.recovery).expect("the recovery key opens it");
    reader
        .execute_batch("BEGIN; SELECT count(*) FROM parties;")
        .expect("a read snapshot");
    v.ok(&[
        "consult",
        "1",
        "--with",
        "sponsor",
        "--advice",
        "Wombatcrumble is fine",
        "--approve",
    ]);
    v.ok(&[
        "party",
        "add",
        "Gorseblossomvow Hall",
        "--kind",
        "organisation",
    ]);
    let wal = std::fs::read(v.sidecar("-wal")).expect("a WAL exists while a reader is open");
    assert!(
        wal.len() > 32,
        "the WAL holds the new pages ({} bytes)",
        wal.len()
    );
    assert!(v.sidecar("-shm").exists());
    assert_no_secret_in_files(&v, &SECRETS, "with a WAL");
    reader.execute_batch("ROLLBACK;").unwrap();
    drop(reader);

    // And once everything is closed.
    v.ok(&["status"]);
    assert_no_secret_in_files(&v, &SECRETS, "after closing");
    let head = std::fs::read(&v.path).unwrap();
    assert!(
        !head.starts_with(b"SQLite format 3\0"),
        "the vault header is encrypted too"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for p in [v.path.clone(), v.keyfile()] {
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{} is readable by others", p.display());
        }
    }
    // The data is intact.
    let names = common::names(&v.party_list());
    assert_eq!(names, ["Quillfeatherby", "Gorseblossomvow Hall"]);
}

#[test]
fn the_recovery_key_opens_the_vault_with_plain_sqlcipher() {
    let v = Vault::init_with(&["--currency", "EUR", "--fellowship", "na"]);
    v.add_party("Aunt Zelda", &["--relationship", "aunt"]);
    v.ok(&[
        "harm",
        "add",
        "Aunt Zelda",
        "--did",
        "Took her car without asking",
        "--owed",
        "80",
    ]);

    let key = recovery_hex(&v.recovery);
    assert_eq!(key.len(), 64);
    // Nothing but the documented pragma: SQLCipher 4 defaults.
    let conn = rusqlite::Connection::open(&v.path).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{key}'\";"))
        .unwrap();
    let (name, rel): (String, String) = conn
        .query_row("SELECT name, relationship FROM parties", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("the parties table can be read");
    assert_eq!((name.as_str(), rel.as_str()), ("Aunt Zelda", "aunt"));
    let (did, owed): (String, i64) = conn
        .query_row("SELECT did, owed_minor FROM harms", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(did, "Took her car without asking");
    assert_eq!(owed, 8000);
    let (fellowship, currency): (String, String) = conn
        .query_row("SELECT fellowship, currency FROM settings", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((fellowship.as_str(), currency.as_str()), ("na", "EUR"));
    drop(conn);

    // Lower case works as well.
    let lower = rusqlite::Connection::open(&v.path).unwrap();
    lower
        .execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_lowercase()))
        .unwrap();
    let n: i64 = lower
        .query_row("SELECT count(*) FROM parties", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
    drop(lower);
    // Without a key it is not a database at all.
    let none = rusqlite::Connection::open(&v.path).unwrap();
    assert!(
        none.query_row("SELECT count(*) FROM sqlite_master", [], |r| r
            .get::<_, i64>(0))
            .is_err()
    );
}

#[test]
fn changing_the_passphrase_keeps_the_data_and_the_recovery_key() {
    let mut v = Vault::init();
    v.add_party("Aunt Zelda", &[]);
    v.ok(&["harm", "add", "1", "--did", "Broke her vase"]);
    let before = v.export();
    let vault_bytes = std::fs::read(&v.path).unwrap();

    let new_pass = "a completely different phrase";
    let out = v
        .cmd()
        .env("AMENDS_NEW_PASSPHRASE", new_pass)
        .arg("passphrase")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Passphrase changed. Your recovery key is the same as before."));
    assert_eq!(
        std::fs::read(&v.path).unwrap(),
        vault_bytes,
        "only the key file changes"
    );

    // The old passphrase no longer opens it.
    let err = v.fails(&["status"], 4);
    assert!(
        err.contains("That passphrase does not open this vault"),
        "{err}"
    );
    v.pass = new_pass.to_string();
    assert_eq!(v.export(), before);
    // The recovery key still opens it.
    assert!(open_with_recovery_key(&v.path, &v.recovery).is_ok());

    // From a file as well; a short one gets the note.
    let f = v.file("new.txt");
    std::fs::write(&f, "short\n").unwrap();
    let out = v
        .cmd()
        .arg("passphrase")
        .arg("--new-passphrase-file")
        .arg(&f)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("This passphrase is short"));
    v.pass = "short".into();
    assert_eq!(v.export(), before);

    // An empty new passphrase is refused and the old one still works.
    let keys = std::fs::read(v.keyfile()).unwrap();
    let out = v
        .cmd()
        .env("AMENDS_NEW_PASSPHRASE", "  ")
        .arg("passphrase")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("cannot be empty"));
    assert_eq!(std::fs::read(v.keyfile()).unwrap(), keys);
    v.ok(&["status"]);
}

fn recover(v: &Vault, key: &str, new_pass: &str) -> std::process::Output {
    common::bare()
        .arg("--vault")
        .arg(&v.path)
        .env("AMENDS_RECOVERY_KEY", key)
        .env("AMENDS_NEW_PASSPHRASE", new_pass)
        .arg("recover")
        .output()
        .unwrap()
}

#[test]
fn recover_sets_a_new_passphrase_with_the_recovery_key() {
    let mut v = Vault::init();
    v.add_party("Aunt Zelda", &[]);
    let before = v.export();

    let out = recover(&v, &v.recovery, "found my way back in");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("the new passphrase is set"),
        "{}",
        stdout(&out)
    );
    v.fails(&["status"], 4);
    v.pass = "found my way back in".into();
    assert_eq!(v.export(), before);

    // The key is read forgivingly: lower case, spaces instead of dashes.
    let loose = v.recovery.to_lowercase().replace('-', " ");
    let out = recover(&v, &loose, "second new phrase here");
    assert!(out.status.success(), "{}", stderr(&out));
    v.pass = "second new phrase here".into();
    v.ok(&["status"]);

    // From a file.
    let kf = v.file("key.txt");
    std::fs::write(&kf, format!("{}\n", v.recovery)).unwrap();
    let out = common::bare()
        .arg("--vault")
        .arg(&v.path)
        .env("AMENDS_NEW_PASSPHRASE", PASS)
        .arg("recover")
        .arg("--recovery-key-file")
        .arg(&kf)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    v.pass = PASS.into();
    assert_eq!(v.export(), before);
}

#[test]
fn recover_works_after_the_key_file_is_lost() {
    let mut v = Vault::init();
    v.add_party("Aunt Zelda", &[]);
    let before = v.export();
    std::fs::remove_file(v.keyfile()).unwrap();

    let err = v.fails(&["status"], 4);
    assert!(err.contains("is missing"), "{err}");
    assert!(err.contains("amends recover"), "{err}");

    let out = recover(&v, &v.recovery, "a fresh start phrase");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(v.keyfile().is_file(), "a new key file was written");
    v.pass = "a fresh start phrase".into();
    assert_eq!(v.export(), before);
}

#[test]
fn a_wrong_or_malformed_recovery_key_is_refused_and_changes_nothing() {
    let v = Vault::init();
    v.add_party("Aunt Zelda", &[]);
    let keys = std::fs::read(v.keyfile()).unwrap();
    let vault_bytes = std::fs::read(&v.path).unwrap();

    // Well formed, but not this vault's.
    let other = Vault::init();
    let out = recover(&v, &other.recovery, "new phrase");
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stderr(&out).contains("That recovery key does not open this vault"),
        "{}",
        stderr(&out)
    );

    for bad in ["not a key", "1234-5678", &v.recovery[..60]] {
        let out = recover(&v, bad, "new phrase");
        assert_eq!(out.status.code(), Some(4), "{bad}");
        assert!(
            stderr(&out).contains("That is not a recovery key"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(std::fs::read(v.keyfile()).unwrap(), keys);
    assert_eq!(std::fs::read(&v.path).unwrap(), vault_bytes);
    v.ok(&["status"]);
}

/// Once a bug: when the key is wrong for the vault (a recovery key of another vault, or a key file that
/// belongs to another vault), SQLCipher's own log lines are printed on stderr before the message:
/// "ERROR CORE sqlcipher_page_cipher: hmac check failed for pgno=1" and two more.
#[test]
fn a_key_that_does_not_fit_says_so_in_plain_words_only() {
    let v = Vault::init();
    let other = Vault::init();
    let out = recover(&v, &other.recovery, "new phrase");
    assert_eq!(out.status.code(), Some(4));
    common::assert_plain_words(&stderr(&out));

    std::fs::copy(other.keyfile(), v.keyfile()).unwrap();
    let err = v.fails(&["status"], 4);
    assert!(err.contains("belongs to another vault"), "{err}");
    common::assert_plain_words(&err);
}

#[test]
fn several_programs_writing_at_once_all_succeed() {
    let v = Vault::init();
    v.add_party("Shared", &[]);
    let n = 8;
    let children: Vec<_> = (0..n)
        .map(|i| {
            let mut c = std::process::Command::new(bin_path());
            for var in [
                "AMENDS_VAULT",
                "AMENDS_LOG",
                "AMENDS_NEW_PASSPHRASE",
                "AMENDS_RECOVERY_KEY",
            ] {
                c.env_remove(var);
            }
            c.env("AMENDS_PASSPHRASE", PASS)
                .env("TZ", "UTC")
                .arg("--vault")
                .arg(&v.path);
            if i % 2 == 0 {
                c.args(["party", "add", &format!("Writer {i}")]);
            } else {
                c.args([
                    "harm",
                    "add",
                    "Shared",
                    "--did",
                    &format!("Harm number {i}"),
                ]);
            }
            c.stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("the binary starts")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "a writer failed: {}", stderr(&out));
    }
    let list = v.party_list();
    let mut names = common::names(&list);
    names.sort();
    assert_eq!(
        names,
        ["Shared", "Writer 0", "Writer 2", "Writer 4", "Writer 6"]
    );
    let mut ids: Vec<i64> = list.iter().map(|p| p["id"].as_i64().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5, "every party has its own id");
    let harms = v.show("Shared")["harms"].as_array().unwrap().len();
    assert_eq!(harms, 4);
}

/// A vault with something of everything in it.
fn rich_vault() -> Vault {
    let v = Vault::init_with(&[
        "--fellowship",
        "na",
        "--currency",
        "EUR",
        "--amends-to-self",
    ]);
    v.add_party(
        "Zoë O'Brien",
        &[
            "--relationship",
            "my sister",
            "--notes",
            "line one\nline two",
        ],
    );
    v.ok(&[
        "harm",
        "add",
        "1",
        "--did",
        "Lied about the money",
        "--effect",
        "She stopped trusting me",
        "--should",
        "Told the truth",
        "--kind",
        "trust,financial",
        "--owed",
        "250.75",
        "--when",
        "2019",
        "--third-party",
        "Mum",
        "--source",
        "inventory",
        "--sponsor-agrees",
        "yes",
    ]);
    v.ok(&[
        "harm",
        "add",
        "1",
        "--did",
        "Missed her wedding",
        "--kind",
        "neglect",
    ]);
    v.ok(&[
        "harm",
        "aside",
        "2",
        "--reason",
        "other",
        "--note",
        "she cancelled it",
    ]);
    v.ok(&["harm", "restore", "2"]);
    v.ok(&["harm", "edit", "2", "--did", "Missed her engagement party"]);
    v.ok(&["willing", "1", "never", "--note", "not yet"]);
    v.ok(&["willing", "1", "now"]);
    v.ok(&["safety", "1", "--third-parties", "--family"]);
    v.ok(&["plan", "1", "--method", "letter", "--script", "First draft"]);
    v.ok(&[
        "plan",
        "1",
        "--method",
        "face-to-face",
        "--script",
        "Zoë,\nI lied.\n",
        "--on",
        "2024-05-01",
        "--place",
        "her flat",
    ]);
    v.ok(&[
        "consult",
        "1",
        "--with",
        "sponsor",
        "--name",
        "Jo",
        "--advice",
        "keep it short",
        "--approve",
        "--on",
        "2024-04-30",
    ]);
    v.ok(&[
        "consult",
        "1",
        "--with",
        "lawyer",
        "--advice",
        "no exposure",
    ]);
    v.ok(&[
        "consent", "1", "--who", "Mum", "--given", "--note", "by phone",
    ]);
    v.ok(&[
        "defer",
        "1",
        "--reason",
        "her exams",
        "--review",
        "tomorrow",
    ]);
    v.ok(&["resume", "1"]);
    v.ok(&[
        "attempt",
        "1",
        "--method",
        "phone",
        "--outcome",
        "no-answer",
        "--on",
        "2024-05-01",
    ]);
    v.ok(&[
        "attempt",
        "1",
        "--method",
        "face-to-face",
        "--outcome",
        "with-request",
        "--on",
        "2024-05-02",
        "--requests",
        "pay it back",
        "--before",
        "scared",
        "--after",
        "lighter",
        "--notes",
        "tea",
        "--revealed",
        "I also read her letters",
    ]);
    v.ok(&[
        "commit",
        "restitution",
        "1",
        "--amount",
        "250.75",
        "--instalment",
        "50",
        "--every",
        "monthly",
        "--starting",
        "2024-06-01",
    ]);
    v.ok(&["pay", "1", "50", "--on", "2024-06-01", "--note", "first"]);
    v.ok(&[
        "commit",
        "living",
        "1",
        "--behaviour",
        "Call every Sunday",
        "--every",
        "weekly",
        "--starting",
        "2024-06-02",
    ]);
    v.ok(&["checkin", "2", "--kept", "--on", "2024-06-02"]);
    v.ok(&[
        "checkin",
        "2",
        "--missed",
        "--on",
        "2024-06-09",
        "--note",
        "forgot",
    ]);
    v.ok(&[
        "commit",
        "promise",
        "1",
        "--text",
        "Return her ring",
        "--due",
        "2024-07-01",
    ]);
    v.ok(&["close", "3", "--as", "kept", "--on", "2024-06-20"]);

    v.add_party("Old employer", &["--kind", "organisation"]);
    v.ok(&[
        "safety",
        "2",
        "--legal-risk",
        "--legal-decision",
        "repay anonymously",
    ]);
    v.ok(&["party", "aside", "2", "--reason", "no-real-harm"]);
    v.ok(&["party", "restore", "2"]);
    v.ok(&["party", "aside", "2", "--reason", "i-was-harmed"]);

    v.add_party("Grandad", &["--kind", "deceased"]);
    v.ok(&[
        "plan",
        "3",
        "--method",
        "unsent-letter",
        "--script",
        "Dear Grandad",
    ]);
    v.ok(&[
        "attempt",
        "3",
        "--method",
        "unsent-letter",
        "--outcome",
        "done",
    ]);
    v.ok(&["capture", "Grandad", "--did", "Never visited"]);

    v.add_party("Me", &["--kind", "self"]);
    v.ok(&["party", "add", "Ex", "--relationship", "former partner"]);
    v.ok(&["harm", "add", "Ex", "--did", "Read her messages"]);
    v.ok(&["safety", "Ex", "--court-order", "--abused-them"]);
    v
}

#[test]
fn export_import_export_gives_the_same_document() {
    let v = rich_vault();
    let first_text = v.ok(&["export", "--format", "json"]);
    let first: Value = serde_json::from_str(&first_text).unwrap();
    assert_eq!(first["parties"].as_array().unwrap().len(), 5);

    let w = Vault::init();
    let f = w.file("all.json");
    std::fs::write(&f, &first_text).unwrap();
    let out = w.ok(&["import", f.to_str().unwrap()]);
    assert!(out.starts_with("Imported 5 parties."), "{out}");

    let mut first = first;
    first.as_object_mut().unwrap().remove("exported_at");
    let second = w.export();
    assert_eq!(
        second, first,
        "export -> import -> export changed the document"
    );

    // What a person sees is the same in both vaults.
    for party in ["1", "2", "3", "4", "5"] {
        assert_eq!(
            w.show(party),
            v.show(party),
            "show {party} differs after import"
        );
    }
    assert_eq!(w.json(&["status", "--json"]), v.json(&["status", "--json"]));
    assert_eq!(
        w.json(&["commitments", "--json"]),
        v.json(&["commitments", "--json"])
    );
    assert_eq!(
        w.json(&["due", "--json", "--within", "3650"]),
        v.json(&["due", "--json", "--within", "3650"])
    );
    assert_eq!(
        w.json(&["settings", "--json"]),
        v.json(&["settings", "--json"])
    );

    // Rules carry over with the facts: the court order still refuses contact (Ex has a harm
    // named, so it is the order that refuses).
    w.rule_refused(&["plan", "Ex", "--method", "letter"], "R4");
    w.rule_refused(
        &[
            "commit",
            "promise",
            "Ex",
            "--text",
            "Pay for the window",
            "--due",
            "2099-01-01",
        ],
        "R4",
    );
    // And the imported vault keeps working: new ids follow the imported ones.
    assert_eq!(w.add_party("New after import", &[]), 6);
}
