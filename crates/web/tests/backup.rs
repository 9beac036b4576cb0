//! Backups in the web app, over a real listener: a backup made now downloads and restores; the
//! backup forms show their errors beside the fields; automatic backups are written into the
//! folder in the background while the app runs; a backup is restored on the first run.

use crate::common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use amends_core::model::{PartyKind, Settings};
use amends_vault::Vault;
use amends_vault::backup::{self, open_backup};
use common::{Server, send};
use reqwest::Method;
use secrecy::SecretString;

const NAME: &str = "Juniper-Oakes";
const BACKUP_PASS: &str = "lighthouse velvet orchard seven";

fn pw(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

fn one_party(v: &mut Vault, now: &amends_core::Now) -> Result<(), amends_vault::VaultError> {
    v.add_party(NAME, PartyKind::Person, "my cousin", "", now)?;
    Ok(())
}

/// Our automatic backups in a folder.
fn ours(folder: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(folder)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| backup::is_automatic_name(&e.file_name().to_string_lossy()))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Waits (a minute at most) for the background task to write `n` backups into `folder`.
async fn wait_for_backups(folder: &Path, n: usize) -> Vec<PathBuf> {
    let start = Instant::now();
    loop {
        let found = ours(folder);
        if found.len() >= n {
            return found;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no automatic backup appeared in the folder"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_backup_made_now_downloads_and_restores() {
    let mut s = Server::ready(one_party).await;
    let page = s.get("/settings").await;
    page.expect(200);
    assert!(page.body.contains("id=\"backups-h\""));
    assert!(page.body.contains("action=\"/settings/backup\""));
    let token = s.token().await;
    let r = s
        .request(Method::POST, "/settings/backup")
        .form(&[
            ("_csrf", token.as_str()),
            ("backup_passphrase", BACKUP_PASS),
            ("backup_again", BACKUP_PASS),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "application/octet-stream");
    assert_eq!(h["cache-control"], "no-store");
    let disposition = h["content-disposition"].to_str().unwrap().to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"amends-backup-"),
        "{disposition}"
    );
    assert!(!disposition.contains(NAME));
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"age-encryption.org/v1\n-> scrypt "));
    // It opens with its passphrase and holds the list; restored, it is the same workbook.
    let opened = open_backup(&bytes, &pw(BACKUP_PASS)).unwrap();
    assert_eq!(opened.info.parties, 1);
    let dir = tempfile::tempdir().unwrap();
    let restored = opened
        .restore(&dir.path().join("r.amends"), &pw("restored words"))
        .unwrap();
    let at = jiff::Timestamp::now();
    let here = s.app.read(|v| v.export(at)).unwrap().unwrap();
    assert_eq!(restored.vault.export(at).unwrap(), here);
}

#[tokio::test]
async fn the_backup_forms_show_their_errors_beside_the_fields() {
    let mut s = Server::ready(one_party).await;
    let secret = "Secret-Marmot";
    for (fields, field) in [
        (
            vec![("backup_passphrase", ""), ("backup_again", "")],
            "backup_passphrase",
        ),
        (
            vec![("backup_passphrase", "abc"), ("backup_again", "abc")],
            "backup_passphrase",
        ),
        (
            vec![("backup_passphrase", BACKUP_PASS), ("backup_again", secret)],
            "backup_again",
        ),
    ] {
        let r = s.post("/settings/backup", &fields).await;
        r.expect(422);
        assert!(
            r.body.contains(&format!("id=\"{field}-error\"")),
            "{}",
            r.body
        );
        assert!(r.body.contains("aria-invalid=\"true\""));
        assert!(!r.body.contains(secret) && !r.body.contains(BACKUP_PASS));
    }

    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path().to_str().unwrap();
    let nowhere = folder.path().join("not-made-yet");
    let nowhere = nowhere.to_str().unwrap();
    for (fields, field) in [
        (vec![("folder", ""), ("keep", "7")], "folder"),
        (vec![("folder", "Backups/amends"), ("keep", "7")], "folder"),
        (vec![("folder", nowhere), ("keep", "7")], "folder"),
        (vec![("folder", dir), ("keep", "0")], "keep"),
        (vec![("folder", dir), ("keep", "a week")], "keep"),
        // Off until now, so a passphrase must be chosen.
        (vec![("folder", dir), ("keep", "7")], "auto_passphrase"),
        (
            vec![
                ("folder", dir),
                ("keep", "7"),
                ("auto_passphrase", BACKUP_PASS),
                ("auto_again", secret),
            ],
            "auto_again",
        ),
    ] {
        let r = s.post("/settings/backup/auto", &fields).await;
        r.expect(422);
        assert!(
            r.body.contains(&format!("id=\"{field}-error\"")),
            "{field}: {}",
            r.body
        );
        assert!(!r.body.contains(secret) && !r.body.contains(BACKUP_PASS));
        // What was typed in the folder field is kept.
        let typed = fields[0].1;
        if !typed.is_empty() {
            assert!(r.body.contains(&format!("value=\"{typed}\"")), "{}", r.body);
        }
    }
    // Nothing was turned on, and nothing was written.
    let auto = s.app.read(|v| v.automatic_backups()).unwrap().unwrap();
    assert_eq!(auto.folder, None);
    assert!(std::fs::read_dir(folder.path()).unwrap().next().is_none());
}

#[tokio::test]
async fn automatic_backups_are_written_into_the_folder_while_the_app_runs() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("other.txt"), b"not ours").unwrap();
    let f = folder.path().to_path_buf();
    // Turned on in an earlier session: the first one is due as soon as the vault is unlocked.
    let mut s = Server::ready(move |v, now| {
        one_party(v, now)?;
        v.set_automatic_backups(&f, 2, Some(&pw(BACKUP_PASS)))
    })
    .await;
    let written = wait_for_backups(folder.path(), 1).await;
    let bytes = std::fs::read(&written[0]).unwrap();
    assert_eq!(
        open_backup(&bytes, &pw(BACKUP_PASS)).unwrap().info.parties,
        1
    );
    // The page says when, in plain words; the time is recorded once the file is in place.
    let start = Instant::now();
    let page = loop {
        let p = s.get("/settings").await;
        if p.body.contains("The last one was made on") || start.elapsed() > Duration::from_secs(30)
        {
            break p;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        page.body.contains("The last one was made on"),
        "{}",
        page.body
    );
    assert!(page.body.contains("last 2."), "{}", page.body);
    assert!(!page.body.contains("The last try did not work"));

    // Changed to another folder through the form: a first backup goes there at once.
    let other = tempfile::tempdir().unwrap();
    let dir = other.path().to_str().unwrap();
    let r = s
        .post(
            "/settings/backup/auto",
            &[
                ("folder", dir),
                ("keep", "3"),
                ("auto_passphrase", ""),
                ("auto_again", ""),
            ],
        )
        .await;
    r.expect(303);
    assert_eq!(r.location(), "/settings#backups-h");
    let page = s.follow(&r).await;
    assert!(
        page.body.contains("One is being made now."),
        "{}",
        page.body
    );
    let moved = wait_for_backups(other.path(), 1).await;
    // Sealed with the passphrase kept from before.
    assert!(open_backup(&std::fs::read(&moved[0]).unwrap(), &pw(BACKUP_PASS)).is_ok());
    let page = s.get("/settings").await;
    assert!(
        page.body.contains("On: once a day while Amends runs"),
        "{}",
        page.body
    );
    assert!(page.body.contains(dir));

    // Turned off: the page says so, and the backups made stay.
    let r = s.post("/settings/backup/auto/off", &[]).await;
    r.expect(303);
    let page = s.get("/settings").await;
    assert!(
        page.body.contains("Automatic backups are off"),
        "{}",
        page.body
    );
    assert_eq!(ours(other.path()).len(), 1);
    assert_eq!(ours(folder.path()).len(), 1);
    assert_eq!(
        std::fs::read(folder.path().join("other.txt")).unwrap(),
        b"not ours"
    );
}

#[tokio::test]
async fn a_problem_with_the_folder_is_shown_in_plain_words() {
    let folder = tempfile::tempdir().unwrap();
    let gone = folder.path().join("usb");
    std::fs::create_dir(&gone).unwrap();
    let g = gone.clone();
    let mut s = Server::with_vault(move |v, now| {
        one_party(v, now)?;
        v.set_automatic_backups(&g, 7, Some(&pw(BACKUP_PASS)))
    })
    .await;
    // The drive is unplugged before the app is opened.
    std::fs::remove_dir(&gone).unwrap();
    s.admit().await;
    s.unlock().await;
    let start = Instant::now();
    let page = loop {
        let p = s.get("/settings").await;
        if p.body.contains("The last try did not work") || start.elapsed() > Duration::from_secs(30)
        {
            break p;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        page.body.contains("The last try did not work"),
        "{}",
        page.body
    );
    assert!(page.body.contains("could not be found"), "{}", page.body);
    // The log says what kind of problem, never where.
    let logs = common::logs();
    assert!(!logs.contains(gone.to_str().unwrap()), "a path in the logs");
}

/// A multipart body (`_csrf` first), with the file's bytes as they are.
fn multipart(fields: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----amendsrestore9QbZ";
    let mut body = Vec::new();
    for (k, v) in fields {
        let extra = if *k == "file" {
            "; filename=\"backup.age\"\r\nContent-Type: application/octet-stream"
        } else {
            ""
        };
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"{extra}\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(v);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn post_restore(s: &mut Server, file: &[u8], backup_pass: &str, pass: &str) -> common::Resp {
    let token = s.token().await;
    let (ctype, body) = multipart(&[
        ("_csrf", token.as_bytes()),
        ("file", file),
        ("backup_passphrase", backup_pass.as_bytes()),
        ("passphrase", pass.as_bytes()),
        ("again", pass.as_bytes()),
    ]);
    send(
        s.request(Method::POST, "/setup/restore")
            .header("content-type", ctype)
            .body(body),
    )
    .await
}

#[tokio::test]
async fn a_backup_is_restored_on_the_first_run() {
    // A backup of a vault elsewhere.
    let elsewhere = tempfile::tempdir().unwrap();
    let created = Vault::create_with(
        &elsewhere.path().join("old.amends"),
        &pw("old words"),
        &Settings::default(),
        common::FAST_KDF,
    )
    .unwrap();
    let mut old = created.vault;
    one_party(&mut old, &common::amends_web_now()).unwrap();
    let file = old
        .backup(&pw(BACKUP_PASS), &common::amends_web_now())
        .unwrap();

    let mut s = Server::empty().await;
    s.admit().await;
    let setup = s.get("/setup").await;
    setup.expect(200);
    assert!(setup.body.contains("href=\"/setup/restore\""));
    let page = s.get("/setup/restore").await;
    page.expect(200);
    assert!(page.body.contains("enctype=\"multipart/form-data\""));

    let new_pass = "meadow lantern copper breeze";
    // Refusals: nothing is created, and the reason is beside its field.
    for (what, bytes, backup_pass, field) in [
        (
            "a wrong passphrase",
            file.clone(),
            "lighthouse velvet orchard eight",
            "backup_passphrase",
        ),
        (
            "not a backup",
            b"just some text".to_vec(),
            BACKUP_PASS,
            "file",
        ),
        (
            "a damaged file",
            file[..file.len() - 30].to_vec(),
            BACKUP_PASS,
            "file",
        ),
        ("no file", Vec::new(), BACKUP_PASS, "file"),
        (
            "no backup passphrase",
            file.clone(),
            "",
            "backup_passphrase",
        ),
    ] {
        let r = post_restore(&mut s, &bytes, backup_pass, new_pass).await;
        assert_eq!(r.status, 422, "{what}: {}", r.body);
        assert!(
            r.body.contains(&format!("id=\"{field}-error\"")),
            "{what}: {}",
            r.body
        );
        assert!(!s.vault_path.exists(), "{what} created a vault");
        assert!(!r.body.contains(BACKUP_PASS) && !r.body.contains(new_pass));
    }
    // A weak new passphrase is refused like on the first page.
    let r = post_restore(&mut s, &file, BACKUP_PASS, "abc").await;
    r.expect(422);
    assert!(r.body.contains("id=\"passphrase-error\""));
    assert!(!s.vault_path.exists());

    let r = post_restore(&mut s, &file, BACKUP_PASS, new_pass).await;
    r.expect(303);
    assert_eq!(r.location(), "/setup/recovery");
    // The recovery key of the new vault, shown as after setup, with a word on what happened.
    let key_page = s.get("/setup/recovery").await;
    key_page.expect(200);
    let groups: Vec<String> = key_page
        .body
        .split("<span class=\"key-group\">")
        .skip(1)
        .filter_map(|g| g.split_once('<').map(|(k, _)| k.to_string()))
        .collect();
    assert_eq!(groups.len(), 8);
    assert!(
        key_page.body.contains("is restored: 1 entry"),
        "{}",
        key_page.body
    );
    let last = groups.last().unwrap().clone();
    s.post("/setup/recovery", &[("written", "on"), ("last", &last)])
        .await
        .expect(303);
    let list = s.get("/list").await;
    assert!(list.body.contains(NAME), "{}", list.body);
    // The new vault opens with the new passphrase and the new key; the old key is not it.
    s.app.lock();
    drop(Vault::open(&s.vault_path, &pw(new_pass)).unwrap());
    drop(Vault::open_with_recovery_key(&s.vault_path, &groups.join("-")).unwrap());
    // Once there is a vault, the restore page and form lead home instead.
    let r = s.get("/setup/restore").await;
    assert_eq!(r.status, 303);
    let r = post_restore(&mut s, &file, BACKUP_PASS, new_pass).await;
    assert_eq!(r.status, 303);
}
