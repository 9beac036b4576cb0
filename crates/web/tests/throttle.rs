//! Unlock throttling over HTTP: after three wrong passphrases in a row the unlock and recovery
//! pages refuse further tries until the wait is over, with 429 and Retry-After and the reason in
//! plain words, and the vault and its key file never change. The counter is the vault's
//! `<vault>.unlock` file, shared with the CLI; the later tests set it directly (its format is
//! two numbers, see `amends_vault::throttle`) so that no test has to sleep through a wait.

use amends_vault::throttle::unlock_path;

use crate::common::{self, Server};

const WRONG: &str = "not the passphrase at all";

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Sets the counter as if `failures` wrong tries came in a row, the last at `last`.
fn set_counter(s: &Server, failures: u32, last: u64) {
    std::fs::write(
        unlock_path(&s.vault_path),
        format!("amends-unlock 1\nfailures {failures}\nlast {last}\n"),
    )
    .unwrap();
}

fn assert_waits(r: &common::Resp, max: u64) -> u64 {
    assert_eq!(r.status, 429, "{}", r.body);
    let wait: u64 = r
        .header("retry-after")
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=max).contains(&wait), "Retry-After {wait}");
    assert!(
        r.body
            .contains("Too many wrong passphrases in a row: wait "),
        "{}",
        r.body
    );
    assert!(r.body.contains("use your recovery key"), "{}", r.body);
    assert!(r.body.contains("Nothing was changed."), "{}", r.body);
    wait
}

#[tokio::test]
async fn wrong_passphrases_in_a_row_get_429_with_retry_after() {
    let mut s = Server::with_vault(|_, _| Ok(())).await;
    s.admit().await;
    let vault_before = std::fs::read(&s.vault_path).unwrap();
    let keys_before = std::fs::read(amends_vault::keyfile_path(&s.vault_path)).unwrap();
    s.get("/unlock").await.expect(200);
    for _ in 0..3 {
        let r = s.post("/unlock", &[("passphrase", WRONG)]).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("That passphrase does not open this vault"));
    }
    // Soon after, a wait is due (a slow machine may get one more try first).
    let mut refused = None;
    for _ in 0..6 {
        let r = s.post("/unlock", &[("passphrase", WRONG)]).await;
        if r.status == 429 {
            refused = Some(r);
            break;
        }
        assert_eq!(r.status, 422, "{}", r.body);
    }
    let r = refused.expect("a wait after the free tries");
    assert_waits(&r, 60);
    // The page is still whole: the form, its token and the way to the recovery key.
    assert!(r.csrf().is_some());
    assert!(r.body.contains("name=\"passphrase\""));
    assert!(r.body.contains("href=\"/recover\""));
    assert!(!r.body.contains(WRONG), "what was typed is not shown again");
    assert_eq!(std::fs::read(&s.vault_path).unwrap(), vault_before);
    assert_eq!(
        std::fs::read(amends_vault::keyfile_path(&s.vault_path)).unwrap(),
        keys_before
    );
}

#[tokio::test]
async fn a_due_wait_is_on_the_pages_and_ends() {
    let mut s = Server::with_vault(|_, _| Ok(())).await;
    s.admit().await;
    let vault_before = std::fs::read(&s.vault_path).unwrap();
    let keys_before = std::fs::read(amends_vault::keyfile_path(&s.vault_path)).unwrap();
    // Eight wrong tries in a row, the last just now: 32 seconds to wait.
    set_counter(&s, 8, now_secs());
    let page = s.get("/unlock").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("Too many wrong passphrases in a row: wait "),
        "{}",
        page.body
    );

    // Every try is refused until then, the right passphrase too, and none of them counts.
    for pass in [WRONG, common::PASSPHRASE] {
        let r = s.post("/unlock", &[("passphrase", pass)]).await;
        assert_waits(&r, 32);
    }
    let counter = std::fs::read_to_string(unlock_path(&s.vault_path)).unwrap();
    assert!(counter.contains("failures 8\n"), "{counter}");

    // The recovery page says so as well, and refuses a key before trying it.
    let page = s.get("/recover").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Too many wrong tries in a row: wait "),
        "{}",
        page.body
    );
    let key = s.recovery_key.clone().unwrap();
    let new = "silver harbour morning violin";
    let r = s
        .post(
            "/recover",
            &[("key", key.as_str()), ("passphrase", new), ("again", new)],
        )
        .await;
    assert_eq!(r.status, 429);
    assert!(r.header("retry-after").parse::<u64>().is_ok());
    assert!(
        r.body.contains("Too many wrong tries in a row: wait "),
        "{}",
        r.body
    );
    assert!(!r.body.contains(&key), "the key is not shown again");
    assert_eq!(std::fs::read(&s.vault_path).unwrap(), vault_before);
    assert_eq!(
        std::fs::read(amends_vault::keyfile_path(&s.vault_path)).unwrap(),
        keys_before
    );

    // The wait ends: once the time has passed, the right passphrase opens and clears the count.
    set_counter(&s, 8, now_secs() - 40);
    let page = s.get("/unlock").await;
    assert!(!page.body.contains("Too many wrong"), "{}", page.body);
    s.unlock().await;
    let counter = std::fs::read_to_string(unlock_path(&s.vault_path)).unwrap();
    assert!(counter.contains("failures 0\n"), "{counter}");
}
