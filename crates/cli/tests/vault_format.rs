//! The vault file over time: an older vault is backed up and brought up to date when opened;
//! a vault from a newer version is refused and left as it is.

use crate::common;

use common::*;

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
    ]);
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
    let mut keys = backup.into_os_string();
    keys.push(".keys");
    assert!(
        std::path::Path::new(&keys).is_file(),
        "the key file is backed up too"
    );

    // The updated vault works in full, edits included.
    v.ok(&[
        "harm",
        "edit",
        "1",
        "--did",
        "Borrowed her car without asking",
    ]);
    assert_eq!(v.show("Aunt Zelda")["edits"].as_array().unwrap().len(), 1);
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
