//! `amends unlock` and `amends lock`: the vault kept unlocked for the next commands, so that
//! each one does not derive the key again (about 130 ms) and nobody puts a passphrase in their
//! environment to save typing it.
//!
//! `amends unlock --for 15m` tests the passphrase as any command does (the same waits and
//! count), then starts a small background process that holds the data key in memory, and only
//! there, and hands it to commands of this OS user on this vault through the owner-only channel
//! (`amends_web::channel`: a socket in a private folder, the peer's user id checked by the
//! kernel). A command opens the vault with it directly: no key derivation, no write to the
//! unlock counter. The process forgets the key and ends when the time is up, on `amends lock`,
//! and when the web app's Lock or Quick exit is pressed. Nothing is written to disk.

use std::path::Path;
use std::time::Duration;

use amends_vault::{DataKey, Vault};
use anyhow::{Context, Result, bail};

use crate::args::{Cli, UnlockArgs};
use crate::run::{invalid, vault_path};

/// The longest `--for` accepted.
const LONGEST: Duration = Duration::from_secs(12 * 60 * 60);

/// Reads `15m`, `1h`, `90s` (a bare number is minutes).
pub fn parse_duration(text: &str) -> Result<Duration> {
    let t = text.trim().to_ascii_lowercase();
    let (number, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => t.split_at(i),
        None => (t.as_str(), "m"),
    };
    let scale = match unit.trim() {
        "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hour" | "hours" => 3600,
        _ => 0,
    };
    let n: u64 = number.parse().unwrap_or(0);
    let d = Duration::from_secs(n.saturating_mul(scale));
    if scale == 0 || n == 0 {
        return Err(invalid(
            "--for",
            "is not a length of time; write a number with s, m or h, for example 15m or 1h",
        ));
    }
    if d > LONGEST {
        return Err(invalid(
            "--for",
            "is longer than 12 hours; unlock again when you come back instead",
        ));
    }
    Ok(d)
}

fn words(d: Duration) -> String {
    let s = d.as_secs();
    let (n, unit) = if s.is_multiple_of(3600) {
        (s / 3600, "hour")
    } else if s.is_multiple_of(60) {
        (s / 60, "minute")
    } else {
        (s, "second")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// The vault opened with the key `amends unlock` holds, if it holds one. A problem with the
/// channel itself (a private folder someone else can open, say) is said on standard error and
/// the command goes on to ask for the passphrase as usual.
pub fn held_vault(path: &Path) -> Option<Vault> {
    use amends_web::channel::{Role, ask};
    let text = match ask(path, Role::Key, "key") {
        Ok(Some(text)) => zeroize::Zeroizing::new(text),
        Ok(None) => return None,
        Err(e) => {
            eprintln!(
                "Note: the unlocked session could not be used ({e}); asking for the passphrase instead."
            );
            return None;
        }
    };
    let key = DataKey::from_recovery_text(&text).ok()?;
    match Vault::open_with_data_key(path, &key) {
        Ok(v) => Some(v),
        Err(_) => {
            eprintln!(
                "Note: the key held by `amends unlock` does not open this vault any more; asking for the passphrase instead."
            );
            None
        }
    }
}

pub fn unlock_cmd(cli: &Cli, a: &UnlockArgs) -> Result<()> {
    let path = vault_path(cli)?;
    let duration = parse_duration(&a.duration)?;
    if a.hold {
        return hold(&path, duration);
    }
    if !path.is_file() {
        return Err(amends_vault::VaultError::NotFound { path }.into());
    }
    // The passphrase is always asked for here (never taken from a session already running):
    // unlocking again is how the time is renewed, and it proves the person knows it.
    crate::run::not_too_soon(&path, false)?;
    let pass = crate::secrets::passphrase(cli.passphrase_file.as_deref())?;
    let key = Vault::unlock_key(&path, &pass)?;
    drop(pass);
    // One holder per vault: the one before (if any) forgets its key first.
    let _ = amends_web::channel::ask(&path, amends_web::channel::Role::Key, "lock");
    start_holder(&path, &key, &a.duration)?;
    println!(
        "Unlocked for {}: commands on this vault need no passphrase until then.",
        words(duration)
    );
    println!(
        "`amends lock` locks it sooner, and so do Lock and Quick exit in the web app. The key is kept in memory only, for you alone."
    );
    Ok(())
}

/// Starts `amends unlock --hold` in the background, gives it the key through a pipe (never the
/// command line or the environment, which other programs can read), and waits until it answers.
fn start_holder(path: &Path, key: &DataKey, duration: &str) -> Result<()> {
    use std::io::{BufRead, Write};
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    let exe = std::env::current_exe().context("the amends program could not be found again")?;
    let mut child = Command::new(exe)
        .arg("--vault")
        .arg(path)
        .args(["unlock", "--hold", "--for", duration])
        .env_remove("AMENDS_PASSPHRASE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        // Its own process group: Ctrl+C in this terminal does not end it.
        .process_group(0)
        .spawn()
        .context("the background process that holds the key could not be started")?;
    {
        let mut stdin = child.stdin.take().expect("a piped stdin");
        let text = key.recovery_text();
        stdin.write_all(secrecy::ExposeSecret::expose_secret(&text).as_bytes())?;
        stdin.write_all(b"\n")?;
    }
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("a piped stdout")).read_line(&mut line)?;
    match line.trim_end() {
        "ready" => Ok(()),
        "" => {
            let _ = child.wait();
            bail!(
                "the background process that holds the key stopped before it was ready; nothing is unlocked"
            )
        }
        why => bail!("{}; nothing is unlocked", why.trim_start_matches("no ")),
    }
}

/// The background process: holds the key until the time is up or it is told to forget it.
fn hold(path: &Path, duration: Duration) -> Result<()> {
    use amends_web::channel::{Listener, Role};
    use std::io::BufRead;
    let mut text = zeroize::Zeroizing::new(String::new());
    std::io::stdin().lock().read_line(&mut text)?;
    let key = DataKey::from_recovery_text(text.trim())?;
    drop(text);
    let listener = match Listener::bind(path, Role::Key) {
        Ok(l) => l,
        Err(e) => {
            println!("no {e}");
            return Ok(());
        }
    };
    let socket = listener.path().to_path_buf();
    // Said once; standard output is the parent's pipe and is not written to again.
    println!("ready");
    std::thread::spawn(move || {
        std::thread::sleep(duration);
        let _ = std::fs::remove_file(&socket);
        std::process::exit(0);
    });
    listener.serve_until(|verb| match verb {
        "key" => (
            Ok(secrecy::ExposeSecret::expose_secret(&key.recovery_text()).to_string()),
            false,
        ),
        "lock" => (Ok("forgotten".into()), true),
        _ => (Err("unknown request".into()), false),
    });
    // Told to forget: the key is wiped as it is dropped, and the socket removed with the listener.
    drop(key);
    drop(listener);
    Ok(())
}

pub fn lock_cmd(cli: &Cli) -> Result<()> {
    use amends_web::channel::{Role, ask};
    let path = vault_path(cli)?;
    let mut any = false;
    match ask(&path, Role::Key, "lock") {
        Ok(Some(_)) => {
            any = true;
            println!("Locked: the key kept by `amends unlock` is forgotten.");
        }
        Ok(None) => {}
        Err(e) => bail!("the unlocked session could not be reached: {e}"),
    }
    match ask(&path, Role::App, "lock") {
        Ok(Some(_)) => {
            any = true;
            println!("Locked the web app: it asks for the passphrase again.");
        }
        Ok(None) => {}
        Err(e) => bail!("the web app could not be reached: {e}"),
    }
    if !any {
        println!("Nothing was unlocked for this vault.");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_of_time_are_read_or_refused() {
        assert_eq!(parse_duration("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("20").unwrap(), Duration::from_secs(1200));
        assert_eq!(
            parse_duration(" 2 hours").unwrap(),
            Duration::from_secs(7200)
        );
        for bad in ["", "0m", "m", "15x", "-5m", "13h", "1.5h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(words(Duration::from_secs(900)), "15 minutes");
        assert_eq!(words(Duration::from_secs(3600)), "1 hour");
        assert_eq!(words(Duration::from_secs(2)), "2 seconds");
    }
}
