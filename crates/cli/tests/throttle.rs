//! Unlock throttling through the real binary: after three wrong passphrases in a row each
//! further try must wait (1, 2, 4 ... 60 seconds), counted in `<vault>.unlock` across processes.
//! The CLI never waits by itself: it stops with exit code 4 and says how long to wait. The
//! vault and its key file never change. The tests stay within the first few tries (waits of
//! one or two seconds); the longer waits are covered by the vault's unit tests with a set clock.

use std::time::Duration;

use crate::common;

use common::{Vault, assert_plain_words, stderr};

const WRONG: &str = "not the passphrase";
const WAIT_WORDS: &str = "Too many wrong passphrases in a row: wait ";

/// The seconds named in a "wait N seconds" message.
fn named_wait(err: &str) -> u64 {
    let rest = &err[err.find(WAIT_WORDS).expect("the wait message") + WAIT_WORDS.len()..];
    rest.split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number of seconds in: {err}"))
}

fn status_with(v: &Vault, pass: &str) -> std::process::Output {
    v.cmd()
        .env("AMENDS_PASSPHRASE", pass)
        .arg("status")
        .output()
        .unwrap()
}

#[test]
fn wrong_passphrases_in_a_row_must_wait_and_never_change_the_vault() {
    let v = Vault::init();
    v.add_party("Aunt Zelda", &[]);
    let before = v.snapshot();

    // Three free tries: each is simply wrong.
    for _ in 0..3 {
        let out = status_with(&v, WRONG);
        assert_eq!(out.status.code(), Some(4));
        let err = stderr(&out);
        assert!(
            err.contains("That passphrase does not open this vault"),
            "{err}"
        );
    }
    // Then, soon enough, a wait is due (a slow machine may get one more try first).
    let mut refusal = None;
    for _ in 0..6 {
        let out = status_with(&v, WRONG);
        assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
        let err = stderr(&out);
        if err.contains(WAIT_WORDS) {
            refusal = Some(err);
            break;
        }
        assert!(err.contains("That passphrase does not open"), "{err}");
    }
    let err = refusal.expect("a wait after the free tries");
    assert_plain_words(&err);
    assert!(err.contains("before trying again, or use the recovery key with `amends recover` if the passphrase is lost"), "{err}");
    assert!(err.contains("Nothing was changed"), "{err}");
    let wait = named_wait(&err);
    assert!((1..=60).contains(&wait), "{err}");

    // While the wait lasts, the right passphrase, a passphrase change and the recovery key are
    // all refused before anything is asked or derived.
    let out = v.run(&["status"]);
    if out.status.code() == Some(4) {
        assert!(stderr(&out).contains(WAIT_WORDS), "{}", stderr(&out));
    }
    let out = v
        .cmd()
        .env("AMENDS_PASSPHRASE", WRONG)
        .env("AMENDS_NEW_PASSPHRASE", "a brand new passphrase")
        .arg("passphrase")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let out = v
        .cmd()
        .env("AMENDS_RECOVERY_KEY", "AB".repeat(32))
        .env("AMENDS_NEW_PASSPHRASE", "a brand new passphrase")
        .arg("recover")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));

    v.assert_unchanged(&before);
    assert!(!v.sidecar("-wal").exists() && !v.sidecar("-shm").exists());

    // The counter beside the vault holds numbers only, and only its owner can read it.
    let counter = std::fs::read_to_string(v.sidecar(".unlock")).unwrap();
    assert!(
        counter.starts_with("amends-unlock 1\nfailures "),
        "{counter}"
    );
    assert!(!counter.contains("passphrase") && !counter.contains("Zelda"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(v.sidecar(".unlock"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // After the wait, the right passphrase opens the vault, and the count starts again.
    v.wait_out_unlock_delay();
    assert_eq!(common::names(&v.party_list()), ["Aunt Zelda"]);
    let out = status_with(&v, WRONG);
    assert!(
        stderr(&out).contains("That passphrase does not open"),
        "{}",
        stderr(&out)
    );
    v.ok(&["status"]);
}

#[test]
fn a_wrong_recovery_key_counts_too_and_the_right_one_clears_the_count() {
    let v = Vault::init();
    let before = v.snapshot();
    let recover = |key: &str| {
        v.cmd()
            .env("AMENDS_RECOVERY_KEY", key)
            .env("AMENDS_NEW_PASSPHRASE", "another four ordinary words")
            .arg("recover")
            .output()
            .unwrap()
    };
    let wrong_key = "0".repeat(64);
    let mut waited = None;
    for _ in 0..9 {
        let out = recover(&wrong_key);
        assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
        let err = stderr(&out);
        if err.contains("Too many wrong tries in a row: wait ") {
            assert_plain_words(&err);
            waited = Some(err);
            break;
        }
        assert!(
            err.contains("That recovery key does not open this vault"),
            "{err}"
        );
    }
    let err = waited.expect("a wait after the free tries");
    assert!(
        err.contains("Check each group of the recovery key"),
        "{err}"
    );
    v.assert_unchanged(&before);
    // The passphrase waits as well: one counter for every way in.
    let out = status_with(&v, WRONG);
    assert_eq!(out.status.code(), Some(4));

    // After the wait the right recovery key works, and clears the count.
    let secs: u64 = err
        .split("wait ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("seconds");
    std::thread::sleep(Duration::from_secs(secs));
    let mut out = recover(&v.recovery);
    if !out.status.success() && stderr(&out).contains("Too many wrong") {
        // The one wrong passphrase above was counted and has its own wait.
        std::thread::sleep(Duration::from_secs(named_wait_any(&stderr(&out))));
        out = recover(&v.recovery);
    }
    assert!(out.status.success(), "{}", stderr(&out));
    let counter = std::fs::read_to_string(v.sidecar(".unlock")).unwrap();
    assert!(counter.contains("failures 0\n"), "{counter}");
    v.cmd()
        .env("AMENDS_PASSPHRASE", "another four ordinary words")
        .arg("status")
        .assert()
        .success();
}

fn named_wait_any(err: &str) -> u64 {
    err.split("wait ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no wait in: {err}"))
}
