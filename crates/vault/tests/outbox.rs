//! The relay's part of the vault: the relay address setting, and the outbox where a bundle
//! meant for the relay waits until the relay has accepted it, in real encrypted vaults.

use amends_core::Now;
use amends_core::model::Settings;
use amends_vault::{
    KdfParams, NewContact, SentInput, SentKind, Vault, VaultError, export::ExportDoc,
};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use secrecy::{ExposeSecret, SecretString};
use tempfile::TempDir;

const FAST: KdfParams = KdfParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

fn pass() -> SecretString {
    SecretString::from("pw".to_string())
}

fn path(dir: &TempDir) -> std::path::PathBuf {
    dir.path().join("v.amends")
}

fn new_vault(dir: &TempDir) -> (Vault, String) {
    let created = Vault::create_with(&path(dir), &pass(), &Settings::default(), FAST).unwrap();
    let recovery = created.recovery_key.expose_secret().to_string();
    (created.vault, recovery)
}

fn now(step: i64) -> Now {
    Now::new(
        Timestamp::from_second(1_750_000_000 + step * 3600).unwrap(),
        TimeZone::UTC,
    )
}

fn contact(v: &mut Vault, label: &str, n: u8) -> i64 {
    v.add_contact(
        &NewContact {
            label: label.into(),
            role: "sponsor".into(),
            age_recipient: format!(
                "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq{n:02}"
            ),
            sign_key: format!("{n:02x}").repeat(32),
        },
        &now(0),
    )
    .unwrap()
}

fn queue(v: &mut Vault, contact_id: i64, kind: SentKind, bundle: &[u8], step: i64) -> i64 {
    let sequence = v.next_sent_sequence(contact_id).unwrap();
    v.record_sent_to_outbox(
        &SentInput {
            contact_id,
            kind,
            sequence,
            what: "a test bundle".into(),
            bytes: bundle.len() as u64,
        },
        bundle,
        &now(step),
    )
    .unwrap()
}

#[test]
fn a_queued_bundle_is_logged_and_waits_across_reopening_until_delivered() {
    let dir = TempDir::new().unwrap();
    let (mut v, _) = new_vault(&dir);
    let sam = contact(&mut v, "Sam", 7);
    let first = queue(&mut v, sam, SentKind::Share, b"first bundle", 1);
    let second = queue(&mut v, sam, SentKind::Review, b"second", 2);
    drop(v);

    let mut v = Vault::open(&path(&dir), &pass()).unwrap();
    let log = v.sent_log().unwrap();
    assert_eq!(log.len(), 2, "queuing also logs it as sent");
    let waiting = v.outbox().unwrap();
    assert_eq!(
        waiting.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![first, second],
        "oldest first"
    );
    let e = &waiting[0];
    assert_eq!(e.contact_id, Some(sam));
    assert_eq!(e.contact_label, "Sam");
    assert_eq!(e.recipient_key, "07".repeat(32));
    assert_eq!(e.kind, SentKind::Share);
    assert_eq!(e.sequence, 1);
    assert_eq!(e.bytes, 12);
    assert_eq!(e.created, now(1).at);
    assert_eq!(e.attempts, 0);
    assert_eq!(e.last_error, None);
    assert_eq!(e.sent_id, Some(log[1].id), "the log is newest first");
    assert_eq!(
        v.outbox_bundle(first).unwrap().as_deref(),
        Some(&b"first bundle"[..])
    );

    v.mark_outbox_attempt(first, "unreachable", &now(3))
        .unwrap();
    v.mark_outbox_attempt(first, "mailbox_full", &now(4))
        .unwrap();
    drop(v);
    let mut v = Vault::open(&path(&dir), &pass()).unwrap();
    let e = v.outbox_entry(first).unwrap().unwrap();
    assert_eq!(e.attempts, 2);
    assert_eq!(e.last_attempt, Some(now(4).at));
    assert_eq!(e.last_error.as_deref(), Some("mailbox_full"));

    assert!(v.delete_outbox(first).unwrap());
    assert!(
        !v.delete_outbox(first).unwrap(),
        "deleting twice is harmless"
    );
    assert_eq!(v.outbox_bundle(first).unwrap(), None);
    assert_eq!(v.outbox_entry(first).unwrap(), None);
    assert_eq!(v.outbox().unwrap().len(), 1);
    assert_eq!(v.sent_log().unwrap().len(), 2, "the log keeps both");
}

#[test]
fn only_short_codes_are_kept_as_the_last_error() {
    let dir = TempDir::new().unwrap();
    let (mut v, _) = new_vault(&dir);
    let sam = contact(&mut v, "Sam", 7);
    let id = queue(&mut v, sam, SentKind::Share, b"x", 1);
    for bad in ["", "Relay said: no", "TOO_LARGE", &"a".repeat(33)] {
        let err = v.mark_outbox_attempt(id, bad, &now(2)).unwrap_err();
        assert!(matches!(err, VaultError::Invalid { .. }), "{bad:?}");
    }
    assert_eq!(v.outbox_entry(id).unwrap().unwrap().attempts, 0);
}

#[test]
fn queuing_for_a_contact_that_is_gone_writes_nothing() {
    let dir = TempDir::new().unwrap();
    let (mut v, _) = new_vault(&dir);
    let err = v
        .record_sent_to_outbox(
            &SentInput {
                contact_id: 42,
                kind: SentKind::Share,
                sequence: 1,
                what: "x".into(),
                bytes: 1,
            },
            b"x",
            &now(1),
        )
        .unwrap_err();
    assert!(matches!(err, VaultError::NoSuchContact));
    assert!(v.outbox().unwrap().is_empty());
    assert!(v.sent_log().unwrap().is_empty());
}

#[test]
fn removing_a_contact_drops_what_waits_for_them_but_not_the_stop_bundle() {
    let dir = TempDir::new().unwrap();
    let (mut v, _) = new_vault(&dir);
    let sam = contact(&mut v, "Sam", 7);
    let jo = contact(&mut v, "Jo", 8);
    queue(&mut v, sam, SentKind::Share, b"share", 1);
    let for_jo = queue(&mut v, jo, SentKind::Share, b"jo's", 2);
    let stop = queue(&mut v, sam, SentKind::Stop, b"stop", 3);
    v.remove_contact(sam).unwrap();
    let waiting = v.outbox().unwrap();
    assert_eq!(
        waiting.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![for_jo, stop]
    );
    let s = &waiting[1];
    assert_eq!(s.contact_id, None, "the stop bundle outlives its contact");
    assert_eq!(s.contact_label, "Sam");
    assert_eq!(s.recipient_key, "07".repeat(32));
}

#[test]
fn the_relay_address_is_a_setting_kept_in_the_vault_and_its_export() {
    let dir = TempDir::new().unwrap();
    let (mut v, _) = new_vault(&dir);
    assert_eq!(v.relay_address().unwrap(), None);
    let plain = serde_json::to_string(&v.export(now(1).at).unwrap()).unwrap();
    assert!(!plain.contains("relay"), "no relay, no field: {plain}");

    v.set_relay_address(Some("  https://relay.example.org/amends "))
        .unwrap();
    // Other settings changes keep it.
    let mut s = v.settings().unwrap();
    s.crisis_line = "Call Jo".into();
    v.set_settings(&s).unwrap();
    drop(v);
    let mut v = Vault::open(&path(&dir), &pass()).unwrap();
    assert_eq!(
        v.relay_address().unwrap().as_deref(),
        Some("https://relay.example.org/amends")
    );
    let err = v
        .set_relay_address(Some("https://relay.example.org/ two"))
        .unwrap_err();
    assert!(matches!(err, VaultError::Invalid { ref field, .. } if field == "relay"));
    assert!(v.relay_address().unwrap().is_some());

    // Exported and imported with the other settings.
    let doc = v.export(now(2).at).unwrap();
    assert_eq!(doc.settings.relay, "https://relay.example.org/amends");
    let json = serde_json::to_string(&doc).unwrap();
    let other = TempDir::new().unwrap();
    let (mut w, _) = new_vault(&other);
    let back: ExportDoc = serde_json::from_str(&json).unwrap();
    assert_eq!(back, doc);
    w.import_json(&json).unwrap();
    assert_eq!(
        w.relay_address().unwrap().as_deref(),
        Some("https://relay.example.org/amends")
    );

    v.set_relay_address(None).unwrap();
    assert_eq!(v.relay_address().unwrap(), None);
    v.set_relay_address(Some("   ")).unwrap();
    assert_eq!(v.relay_address().unwrap(), None);
}

#[test]
fn a_vault_of_the_fourth_format_gains_the_outbox_and_keeps_its_sharing() {
    let dir = TempDir::new().unwrap();
    let (mut v, recovery) = new_vault(&dir);
    let sam = contact(&mut v, "Sam", 7);
    let sequence = v.next_sent_sequence(sam).unwrap();
    v.record_sent(
        &SentInput {
            contact_id: sam,
            kind: SentKind::Share,
            sequence,
            what: "the whole list".into(),
            bytes: 10,
        },
        &now(1),
    )
    .unwrap();
    drop(v);
    {
        // Turn it back into a vault of the fourth format, as the previous version wrote it.
        let hex: String = recovery.chars().filter(|c| c.is_ascii_hexdigit()).collect();
        let conn = rusqlite::Connection::open(path(&dir)).unwrap();
        conn.execute_batch(&format!("PRAGMA key = \"x'{hex}'\";"))
            .unwrap();
        conn.execute_batch(
            "ALTER TABLE commitments DROP COLUMN reach; ALTER TABLE payments DROP COLUMN via; ALTER TABLE payments DROP COLUMN recorded; ALTER TABLE checkins DROP COLUMN recorded; ALTER TABLE safety_answers DROP COLUMN reason; ALTER TABLE review_notes DROP COLUMN safety_seen; ALTER TABLE safety_answers DROP COLUMN asked; ALTER TABLE plans DROP COLUMN channel; ALTER TABLE attempts DROP COLUMN channel; DROP TABLE follow_changes;
             DROP TABLE backup_settings; DROP TABLE calendar_settings;
             DROP TABLE outbox; ALTER TABLE settings DROP COLUMN relay; PRAGMA user_version = 4;",
        )
        .unwrap();
    }
    let mut v = Vault::open(&path(&dir), &pass()).unwrap();
    assert_eq!(v.schema_version().unwrap(), amends_vault::schema::LATEST);
    let backup = v.migration_backup().expect("a backup was taken");
    assert!(backup.to_string_lossy().contains(".backup-v4-"));
    assert_eq!(v.contacts().unwrap()[0].label, "Sam");
    assert_eq!(v.sent_log().unwrap().len(), 1);
    assert_eq!(v.relay_address().unwrap(), None);
    assert!(v.outbox().unwrap().is_empty());
    queue(&mut v, sam, SentKind::Share, b"now through the relay", 2);
    assert_eq!(v.outbox().unwrap()[0].sequence, 2);
}

#[test]
fn a_discarded_bundle_leaves_the_outbox_for_good_and_the_log_keeps_it() {
    let dir = TempDir::new().unwrap();
    let (mut v, _) = new_vault(&dir);
    let sam = contact(&mut v, "Sam", 7);
    let first = queue(&mut v, sam, SentKind::Share, b"refused for good", 1);
    let second = queue(&mut v, sam, SentKind::Stop, b"the stop", 2);
    v.mark_outbox_attempt(first, "blocked", &now(3)).unwrap();

    // Read whole, to save as a file: reading changes nothing.
    let (entry, bytes) = v.outbox_item(first).unwrap();
    assert_eq!(entry.id, first);
    assert_eq!(entry.last_error.as_deref(), Some("blocked"));
    assert_eq!(bytes, b"refused for good");
    assert_eq!(v.outbox().unwrap().len(), 2);

    let gone = v.discard_outbox(first).unwrap();
    assert_eq!(gone, entry, "it returns the entry as it was");
    drop(v);
    let mut v = Vault::open(&path(&dir), &pass()).unwrap();
    assert_eq!(
        v.outbox().unwrap().iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![second],
        "only the other one still waits"
    );
    assert_eq!(v.outbox_bundle(first).unwrap(), None);
    let log = v.sent_log().unwrap();
    assert_eq!(log.len(), 2, "the log still lists what was sealed");
    assert_eq!(log[1].id, entry.sent_id.unwrap());
    assert_eq!(
        v.contacts().unwrap()[0].sent_seq,
        2,
        "the numbering goes on"
    );

    // Twice, or an id that never waited: a clear refusal, and nothing changes.
    for id in [first, 999] {
        let e = v.discard_outbox(id).unwrap_err();
        assert!(
            matches!(e, VaultError::NoSuch { id: i, .. } if i == id),
            "{e}"
        );
        assert!(e.to_string().contains("no longer") || e.to_string().contains("already"));
        assert!(matches!(
            v.outbox_item(id).unwrap_err(),
            VaultError::NoSuch { .. }
        ));
    }
    assert_eq!(v.outbox().unwrap().len(), 1);
    assert_eq!(v.sent_log().unwrap().len(), 2);
}
