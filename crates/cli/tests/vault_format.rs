//! The vault file over time: an older vault is backed up and brought up to date when opened;
//! a vault from a newer version is refused and left as it is.

use crate::common;

use common::*;

/// The export without what an older format did not keep: the time it was taken, and when each
/// payment and check-in was written down (schema 7 began keeping that).
fn export_of_what_v1_kept(v: &Vault) -> serde_json::Value {
    let mut doc = v.export();
    for party in doc["parties"].as_array_mut().unwrap() {
        // Answers from before schema 9 count as every question asked; the export then leaves
        // the list out, as it does for any answer that asked them all.
        for a in party["safety"].as_array_mut().unwrap() {
            a.as_object_mut().unwrap().remove("asked");
        }
        for c in party["commitments"].as_array_mut().unwrap() {
            for list in ["payments", "checkins"] {
                if let Some(items) = c.get_mut(list).and_then(|l| l.as_array_mut()) {
                    for item in items {
                        item.as_object_mut().unwrap().remove("recorded");
                    }
                }
            }
        }
    }
    doc
}

#[test]
fn an_older_vault_is_backed_up_then_updated_and_keeps_every_word() {
    let v = Vault::init();
    v.add_party("Aunt Zelda", &[]);
    v.ok(&[
        "harm",
        "add",
        "Aunt Zelda",
        "--did",
        "Borrowed her car and dented it",
        "--owed",
        "300",
    ]);
    // Every table the migration to schema 7 changes holds words: safety answers, commitments
    // of each kind, payments and check-ins with their notes.
    v.ok(&["willing", "Aunt Zelda", "now"]);
    v.ok(&[
        "safety",
        "Aunt Zelda",
        "--legal-risk",
        "--family",
        "--legal-decision",
        "Pay for the repair, say nothing of the insurance",
    ]);
    v.ok(&[
        "commit",
        "restitution",
        "Aunt Zelda",
        "--amount",
        "300",
        "--starting",
        "2024-01-01",
    ]);
    v.ok(&[
        "pay",
        "1",
        "100",
        "--on",
        "2024-01-05",
        "--note",
        "cash for the garage",
    ]);
    v.ok(&[
        "commit",
        "living",
        "Aunt Zelda",
        "--behaviour",
        "Ask before borrowing anything",
        "--every",
        "monthly",
        "--starting",
        "2024-01-01",
    ]);
    v.ok(&[
        "checkin",
        "2",
        "--kept",
        "--on",
        "2024-02-01",
        "--note",
        "asked about the ladder",
    ]);
    v.ok(&[
        "commit",
        "promise",
        "Aunt Zelda",
        "--text",
        "Wash her car every spring",
        "--due",
        "2099-04-01",
    ]);
    let before = export_of_what_v1_kept(&v);
    {
        // Turn it back into a vault of the first format, as an earlier version wrote it.
        let conn = open_with_recovery_key(&v.path, &v.recovery).unwrap();
        conn.execute_batch(
            "DROP TABLE backup_settings; DROP TABLE calendar_settings;
             DROP TABLE outbox; ALTER TABLE settings DROP COLUMN relay;
             DROP TABLE reviews_received; DROP TABLE review_notes; DROP TABLE supported;
             DROP TABLE shares_sent; DROP TABLE contacts; DROP TABLE identity;
             DROP TABLE edits;
             DROP INDEX harms_party; DROP INDEX plans_party; DROP INDEX safety_party;
             DROP INDEX consultations_party; DROP INDEX willingness_party;
             DROP INDEX attempts_party; DROP INDEX commitments_party;
             DROP INDEX payments_commitment; DROP INDEX checkins_commitment;
             ALTER TABLE settings DROP COLUMN language;
             ALTER TABLE settings DROP COLUMN auto_lock_minutes;
             ALTER TABLE settings DROP COLUMN crisis_line;
             ALTER TABLE commitments DROP COLUMN reach;
             ALTER TABLE payments DROP COLUMN via;
             ALTER TABLE payments DROP COLUMN recorded;
             ALTER TABLE checkins DROP COLUMN recorded;
             ALTER TABLE safety_answers DROP COLUMN reason;
             ALTER TABLE safety_answers DROP COLUMN asked;
             ALTER TABLE plans DROP COLUMN channel;
             ALTER TABLE attempts DROP COLUMN channel;
             DROP INDEX follow_changes_commitment; DROP TABLE follow_changes;
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let (out, note) = v.ok_both(&["party", "list"]);
    assert!(out.contains("Aunt Zelda"), "{out}");
    assert!(note.contains("updated to a newer format"), "{note}");
    // Settings added since the first format start at their defaults.
    let s = v.json(&["settings", "--json"]);
    assert_eq!(s["language"], "en");
    assert_eq!(s["auto_lock_minutes"], 15);
    // Brought up to the latest format (7 or later), every word is still there, and every commitment
    // reaches them as it did when it was written: a living amends without contact, the others
    // to them.
    let now = open_with_recovery_key(&v.path, &v.recovery).unwrap();
    let version: i64 = now
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, amends_vault::schema::LATEST);
    assert!(
        version >= 7,
        "the migration to schema 7 is the one tested here"
    );
    let reach: Vec<(String, String)> = now
        .prepare("SELECT kind, reach FROM commitments ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        reach,
        [
            ("restitution".to_string(), "them".to_string()),
            ("living".to_string(), "no-contact".to_string()),
            ("promise".to_string(), "them".to_string()),
        ]
    );
    drop(now);
    // Brought up to date with facts in it, it says from when they were written under every
    // gate (what came before was accepted under the gates of its time).
    let mut after = export_of_what_v1_kept(&v);
    assert!(after["gates_since"].is_string(), "{after}");
    after.as_object_mut().unwrap().remove("gates_since");
    assert_eq!(after, before);
    let text = v.ok(&["export", "--format", "json"]);
    for word in [
        "Borrowed her car and dented it",
        "Pay for the repair, say nothing of the insurance",
        "cash for the garage",
        "Ask before borrowing anything",
        "asked about the ladder",
        "Wash her car every spring",
    ] {
        assert!(text.contains(word), "lost in the migration: {word}");
    }

    // Its export, with payments and check-ins of unknown writing time, imports: the replay
    // through the gates accepts what the older version accepted.
    let file = v.file("migrated.json");
    std::fs::write(&file, &text).unwrap();
    let w = Vault::init();
    w.ok(&["import", file.to_str().unwrap()]);
    assert_eq!(export_of_what_v1_kept(&w), export_of_what_v1_kept(&v));

    // The copy taken first is the vault as it was, with its key file, openable as before.
    let backup = std::fs::read_dir(v.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.contains(".backup-v1-") && !name.ends_with(".keys")
        })
        .expect("a backup beside the vault");
    let old = open_with_recovery_key(&backup, &v.recovery).unwrap();
    let version: i64 = old
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 1);
    let did: String = old
        .query_row("SELECT did FROM harms", [], |r| r.get(0))
        .unwrap();
    assert_eq!(did, "Borrowed her car and dented it");
    let note: String = old
        .query_row("SELECT note FROM payments", [], |r| r.get(0))
        .unwrap();
    assert_eq!(note, "cash for the garage");
    let mut keys = backup.into_os_string();
    keys.push(".keys");
    assert!(
        std::path::Path::new(&keys).is_file(),
        "the key file is backed up too"
    );

    // The updated vault works in full, edits and new payments included.
    v.ok(&[
        "harm",
        "edit",
        "1",
        "--did",
        "Borrowed her car without asking",
    ]);
    assert_eq!(v.show("Aunt Zelda")["edits"].as_array().unwrap().len(), 1);
    v.ok(&["pay", "1", "50", "--note", "second go"]);
    // And it is not backed up again.
    let (_, note) = v.ok_both(&["party", "list"]);
    assert!(!note.contains("newer format"), "{note}");
}

#[test]
fn a_vault_from_a_newer_version_is_refused_and_left_alone() {
    let v = Vault::init();
    v.add_party("Aunt Zelda", &[]);
    {
        let conn = open_with_recovery_key(&v.path, &v.recovery).unwrap();
        conn.execute_batch("PRAGMA user_version = 99;").unwrap();
    }
    let before = std::fs::read(&v.path).unwrap();
    let err = v.fails(&["party", "list"], 1);
    assert!(err.contains("newer version of Amends"), "{err}");
    assert!(err.contains("Nothing was changed"), "{err}");
    assert_eq!(std::fs::read(&v.path).unwrap(), before);
}
