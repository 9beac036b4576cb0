//! `amends unlock` and `amends lock` through the real binary: after an unlock, commands need no
//! passphrase (and derive no key, and write nothing to the unlock counter); writes through it
//! still meet every gate; `amends lock` and the time running out end it; nothing is given to
//! another OS user, nor through a private folder others can open.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::common;

use common::{Vault, bin_path, stderr, stdout};

/// A private runtime folder of the test's own, as `$XDG_RUNTIME_DIR` is.
fn runtime() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    d
}

/// The binary on this vault with no passphrase anywhere, and `rt` as the runtime folder.
fn without_passphrase(v: &Vault, rt: &Path) -> Command {
    let mut c = Command::new(bin_path());
    for var in [
        "AMENDS_VAULT",
        "AMENDS_PASSPHRASE",
        "AMENDS_NEW_PASSPHRASE",
        "AMENDS_RECOVERY_KEY",
        "AMENDS_LOG",
    ] {
        c.env_remove(var);
    }
    c.env("TZ", "UTC")
        .arg("--vault")
        .arg(&v.path)
        .env("XDG_RUNTIME_DIR", rt)
        .stdin(std::process::Stdio::null());
    c
}

fn run(mut c: Command, args: &[&str]) -> Output {
    c.args(args).output().expect("the binary runs")
}

fn unlock(v: &Vault, rt: &Path, time: &str) -> String {
    let out = run(
        {
            let mut c = without_passphrase(v, rt);
            c.env("AMENDS_PASSPHRASE", &v.pass);
            c
        },
        &["unlock", "--for", time],
    );
    assert!(out.status.success(), "unlock: {}", stderr(&out));
    stdout(&out)
}

/// A read that must be answered without a passphrase.
fn status_ok(v: &Vault, rt: &Path) -> String {
    let out = run(without_passphrase(v, rt), &["status"]);
    assert!(out.status.success(), "status: {}", stderr(&out));
    stdout(&out)
}

/// A read that must not be answered: there is no passphrase and no session.
fn status_refused(v: &Vault, rt: &Path) -> String {
    let out = run(without_passphrase(v, rt), &["status"]);
    assert!(!out.status.success(), "status answered: {}", stdout(&out));
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    assert!(err.contains("no passphrase was given"), "{err}");
    err
}

fn key_socket(rt: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(rt.join("amends"))
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "key"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn after_unlock_commands_need_no_passphrase_until_lock() {
    let v = Vault::init();
    v.add_party("Aunt Zelda", &[]);
    let rt = runtime();
    status_refused(&v, rt.path());

    let said = unlock(&v, rt.path(), "10m");
    assert!(said.contains("Unlocked for 10 minutes"), "{said}");
    assert!(said.contains("amends lock"), "{said}");
    // The key lives in a socket only this user can reach: a 0700 folder, a 0600 socket.
    let sockets = key_socket(rt.path());
    assert_eq!(sockets.len(), 1, "{sockets:?}");
    let dir_mode = std::fs::metadata(rt.path().join("amends"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(dir_mode & 0o777, 0o700);
    let sock_mode = std::fs::metadata(&sockets[0]).unwrap().permissions().mode();
    assert_eq!(sock_mode & 0o077, 0, "{sock_mode:o}");
    // The socket's name says nothing about the vault.
    let name = sockets[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(!name.contains("workbook"), "{name}");

    // Reads: no passphrase, and the unlock counter is not even touched.
    let counter = v.sidecar(".unlock");
    let counter_before = std::fs::read(&counter).ok();
    let out = status_ok(&v, rt.path());
    assert!(out.contains('1'), "{out}");
    let out = run(without_passphrase(&v, rt.path()), &["show", "Aunt Zelda"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Aunt Zelda"));
    assert_eq!(std::fs::read(&counter).ok(), counter_before);

    // A write through the session goes through the same gates: a court order refuses contact.
    let mut c = without_passphrase(&v, rt.path());
    c.args(["harm", "add", "Aunt Zelda", "--did", "Broke her vase"]);
    assert!(c.output().unwrap().status.success());
    let mut c = without_passphrase(&v, rt.path());
    c.args(["safety", "Aunt Zelda", "--court-order"]);
    assert!(c.output().unwrap().status.success());
    let shown_before = stdout(&run(
        without_passphrase(&v, rt.path()),
        &["show", "Aunt Zelda", "--json"],
    ));
    let out = run(
        without_passphrase(&v, rt.path()),
        &["plan", "Aunt Zelda", "--method", "phone"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("(R4,") && err.contains("Nothing was changed."),
        "{err}"
    );
    let shown_after = stdout(&run(
        without_passphrase(&v, rt.path()),
        &["show", "Aunt Zelda", "--json"],
    ));
    assert_eq!(
        shown_before, shown_after,
        "the refused plan changed something"
    );

    // Lock: the key is forgotten, the socket is gone, and a passphrase is needed again.
    let out = run(without_passphrase(&v, rt.path()), &["lock"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("forgotten"), "{}", stdout(&out));
    let gone = Instant::now();
    while !key_socket(rt.path()).is_empty() && gone.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        key_socket(rt.path()).is_empty(),
        "the socket outlived the lock"
    );
    status_refused(&v, rt.path());
    let out = run(without_passphrase(&v, rt.path()), &["lock"]);
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("Nothing was unlocked"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn the_unlocked_time_runs_out_by_itself() {
    let v = Vault::init();
    let rt = runtime();
    let said = unlock(&v, rt.path(), "2s");
    assert!(said.contains("Unlocked for 2 seconds"), "{said}");
    status_ok(&v, rt.path());
    std::thread::sleep(Duration::from_millis(3000));
    status_refused(&v, rt.path());
    assert!(
        key_socket(rt.path()).is_empty(),
        "the socket is removed at the end"
    );
}

#[test]
fn unlock_checks_the_passphrase_and_the_time_before_holding_anything() {
    let v = Vault::init();
    let rt = runtime();
    let mut c = without_passphrase(&v, rt.path());
    c.env("AMENDS_PASSPHRASE", "not the passphrase");
    let out = run(c, &["unlock"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(key_socket(rt.path()).is_empty());
    for bad in ["0m", "forever", "13h"] {
        let mut c = without_passphrase(&v, rt.path());
        c.env("AMENDS_PASSPHRASE", &v.pass);
        let out = run(c, &["unlock", "--for", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
        assert!(stderr(&out).contains("--for"), "{}", stderr(&out));
    }
    assert!(key_socket(rt.path()).is_empty());
    status_refused(&v, rt.path());
}

#[test]
fn a_private_folder_others_can_open_is_not_used() {
    let v = Vault::init();
    let rt = runtime();
    unlock(&v, rt.path(), "1m");
    status_ok(&v, rt.path());
    // Someone (or something) opened the folder to others: the session is not used through it.
    let folder = rt.path().join("amends");
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = status_refused(&v, rt.path());
    assert!(err.contains("not safe to use"), "{err}");
    let mut c = without_passphrase(&v, rt.path());
    c.env("AMENDS_PASSPHRASE", &v.pass);
    let out = run(c, &["unlock"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not safe to use"), "{}", stderr(&out));
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o700)).unwrap();
    run(without_passphrase(&v, rt.path()), &["lock"]);
}

#[test]
fn another_user_gets_nothing_from_the_session() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc_geteuid() } != 0 {
        eprintln!("skipped: switching to another user needs root");
        return;
    }
    let v = Vault::init();
    let rt = runtime();
    unlock(&v, rt.path(), "1m");
    // The same command, the same folder, as the unprivileged user `nobody`.
    let mut c = without_passphrase(&v, rt.path());
    std::os::unix::process::CommandExt::uid(&mut c, 65534);
    std::os::unix::process::CommandExt::gid(&mut c, 65534);
    c.current_dir("/");
    let out = run(c, &["status"]);
    assert!(!out.status.success(), "another user was answered");
    assert!(stdout(&out).is_empty());
    // Its own folder would be somewhere else; this one is refused as not its own.
    let err = stderr(&out);
    assert!(
        err.contains("not safe to use") || err.contains("could not be made or read"),
        "{err}"
    );
    status_ok(&v, rt.path());
    run(without_passphrase(&v, rt.path()), &["lock"]);
}

unsafe extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}
