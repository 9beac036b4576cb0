//! Slowing down guesses. Every way in that tests a secret (the passphrase, the recovery key, the
//! old passphrase when changing it) goes through here: after `FREE_TRIES` wrong tries in a row,
//! each further try must wait 1, 2, 4, ... seconds (at most `MAX_WAIT_SECS`) after the one
//! before. The count lives in a small file beside the vault, `<vault>.unlock`, so it holds across
//! the CLI, the web app and restarts. It holds two numbers (wrong tries in a row, and when the
//! last wrong try began, in seconds since 1970; how many tries are under way, and since when) and
//! nothing else: no secret, nothing the person wrote.
//!
//! A try is recorded as under way before the secret is tested, and settled when it ends: a wrong
//! secret counts, the right one clears the count, anything else (the key file missing, say) is
//! dropped; the right secret also forgives tries cut off before it. A try still under way after
//! `STALE_SECS` (and no right secret since) was cut off (the process was killed) and
//! counts as wrong, so killing a try half-way gains nothing; tries under way at the same moment
//! in several processes (the CLI and the web app, or a script's parallel commands, all with the
//! right passphrase) never make each other wait. The file is read and rewritten under an
//! exclusive lock. The file is rewritten in place, with one short write, because a rename would
//! slip out from under the lock; a file that cannot be read (a torn write after a power cut) is
//! read as "the free tries are used up", which costs one second at most. The right secret sets
//! the count back to zero. The vault and its key file are never touched by any of this.
//!
//! This is a speed bump for guesses made through Amends itself (a person at the keyboard, a page
//! in a browser). Someone who can copy the key file can try passphrases without Amends; against
//! that, the key file's Argon2id cost is the protection.

use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::VaultError;

/// Wrong tries in a row that cost nothing but the key derivation itself.
pub const FREE_TRIES: u32 = 3;
/// The longest wait between two tries, in seconds: the wait grows to this and stays there.
pub const MAX_WAIT_SECS: u64 = 60;

const HEADER: &str = "amends-unlock 1";
/// A try still under way after this many seconds was cut off (far longer than the key
/// derivation takes), and counts as a wrong one.
pub const STALE_SECS: u64 = 30;

/// Where a vault's try counter lives: beside it, with `.unlock` appended.
pub fn unlock_path(vault: &Path) -> PathBuf {
    let mut name = vault.as_os_str().to_owned();
    name.push(".unlock");
    PathBuf::from(name)
}

/// How long, in seconds, the next try must wait after the last one when `failures` wrong tries
/// came in a row: nothing for the first `FREE_TRIES`, then 1, 2, 4, ... up to `MAX_WAIT_SECS`.
pub fn wait_after(failures: u32) -> u64 {
    if failures < FREE_TRIES {
        return 0;
    }
    let doublings = (failures - FREE_TRIES).min(16);
    (1u64 << doublings).min(MAX_WAIT_SECS)
}

/// Seconds since 1970 by the system clock.
pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The length of every counter file written: room for the largest numbers.
const RENDERED_LEN: usize = 160;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct State {
    failures: u32,
    last: u64,
    /// Tries under way: begun, not yet settled.
    pending: u32,
    /// When the first of them began.
    pending_since: u64,
}

impl State {
    fn parse(text: &str) -> State {
        if text.is_empty() {
            return State::default();
        }
        let mut lines = text.lines();
        let parsed = (|| {
            if lines.next()? != HEADER {
                return None;
            }
            let failures = lines.next()?.strip_prefix("failures ")?.parse().ok()?;
            let last = lines.next()?.strip_prefix("last ")?.parse().ok()?;
            // Tries under way were added later: a counter without them has none.
            let (pending, pending_since) = match lines.next() {
                None => (0, 0),
                Some(line) => (
                    line.strip_prefix("pending ")?.parse().ok()?,
                    lines.next()?.strip_prefix("since ")?.parse().ok()?,
                ),
            };
            Some(State {
                failures,
                last,
                pending,
                pending_since,
            })
        })();
        // Unreadable: assume the free tries are used up, never that the count is clear.
        parsed.unwrap_or(State {
            failures: FREE_TRIES,
            ..State::default()
        })
    }

    /// Always [`RENDERED_LEN`] bytes (the lines, then spaces up to a last line end), so a
    /// rewrite overwrites the file in place and never truncates it to nothing first: on ext4 a
    /// file emptied and written again is flushed to the disk when closed, which would put a disk
    /// wait into every unlock. `parse` reads the lines and ignores the padding.
    fn render(self) -> String {
        let mut text = format!(
            "{HEADER}\nfailures {}\nlast {}\npending {}\nsince {}\n",
            self.failures, self.last, self.pending, self.pending_since
        );
        let pad = RENDERED_LEN.saturating_sub(text.len() + 1);
        text.extend(std::iter::repeat_n(' ', pad));
        text.push('\n');
        text
    }

    /// Brings the state to `now`: a clock set back never makes a wait last for ever, and tries
    /// under way for longer than `STALE_SECS` were cut off, so they count as wrong.
    fn settle(&mut self, now: u64) {
        if self.last > now && self.failures >= FREE_TRIES {
            self.last = now;
        }
        if self.pending_since > now {
            self.pending_since = now;
        }
        if self.pending > 0 && now >= self.pending_since.saturating_add(STALE_SECS) {
            self.failures = self.failures.saturating_add(self.pending);
            self.last = self.last.max(self.pending_since);
            self.pending = 0;
        }
    }

    /// Seconds still to wait at `now` before another try.
    fn remaining(self, now: u64) -> u64 {
        (self.last.saturating_add(wait_after(self.failures))).saturating_sub(now)
    }
}

/// Reads the counter without taking the lock or creating anything: how many seconds the next
/// try must still wait at `now` (0 when it may go ahead).
pub(crate) fn wait_at(vault: &Path, now: u64) -> Result<u64, VaultError> {
    match fs::read(unlock_path(vault)) {
        Ok(bytes) => {
            let mut state = State::parse(&String::from_utf8_lossy(&bytes));
            state.settle(now);
            // A clock set back never makes the wait longer than the longest wait.
            Ok(state.remaining(now).min(wait_after(state.failures)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(e.into()),
    }
}

/// How far a rewrite of the counter must go before the caller carries on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Durability {
    /// Written to the file: the kernel holds it, so killing the process cannot undo it. A try
    /// marked under way, a right secret clearing the count, a refunded try.
    Written,
    /// Also flushed to the disk (`fdatasync`), so that a power cut cannot undo it either: a
    /// wrong try counted.
    Flushed,
}

/// Reads, changes and rewrites the counter under an exclusive lock. With `create` false and no
/// counter file, does nothing.
fn update<T>(
    vault: &Path,
    create: bool,
    durability: Durability,
    change: impl FnOnce(&mut State) -> T,
) -> Result<Option<T>, VaultError> {
    let path = unlock_path(vault);
    let mut opts = fs::OpenOptions::new();
    opts.read(true).write(true).create(create);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut file = match opts.open(&path) {
        Ok(f) => f,
        Err(e) if !create && e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    file.lock()?;
    let mut text = String::new();
    // Bytes that are not text are unreadable like any other damage.
    if file.read_to_string(&mut text).is_err() {
        text = "unreadable".into();
    }
    let mut state = State::parse(&text);
    let before = state;
    let out = change(&mut state);
    if state != before || text.is_empty() {
        let rendered = state.render();
        let len = rendered.len() as u64;
        file.seek(SeekFrom::Start(0))?;
        file.write_all(rendered.as_bytes())?;
        // Only a counter from an earlier version (or damaged) differs in length; what follows
        // the rendered lines would be ignored by `parse` even if a kill came before this.
        if file.metadata()?.len() != len {
            file.set_len(len)?;
        }
        if durability == Durability::Flushed {
            file.sync_data()?;
        }
    }
    Ok(Some(out))
}

/// A try that was allowed and charged; say how it went with `finish`.
#[must_use]
pub(crate) struct Charged<'a> {
    vault: &'a Path,
    began: u64,
}

/// How a charged try ended.
pub(crate) enum Outcome {
    /// The secret was right: the count goes back to zero.
    Right,
    /// The secret was wrong: the try stays counted.
    Wrong,
    /// Something else stopped the try before the secret could be judged: it is dropped.
    Other,
}

/// Checks that a try may go ahead at `now` and charges it, or says how long to wait.
pub(crate) fn begin(vault: &Path, now: u64, recovery_key: bool) -> Result<Charged<'_>, VaultError> {
    // Written before the secret is tested, and not flushed: a process killed while deriving
    // cannot take back a write the kernel already has, which is what the count rests on. Only a
    // power cut could lose it, and a machine restarted for every guess is slower than the waits.
    let verdict = update(vault, true, Durability::Written, |s| {
        s.settle(now);
        let wait = s.remaining(now);
        if wait > 0 {
            return Err(VaultError::TooManyTries {
                wait_secs: wait,
                recovery_key,
            });
        }
        if s.pending == 0 {
            s.pending_since = now;
        }
        s.pending = s.pending.saturating_add(1);
        Ok(())
    })?;
    verdict.unwrap_or(Ok(()))?;
    Ok(Charged { vault, began: now })
}

impl Charged<'_> {
    /// Records how the try ended. A failure to record a right or refunded try is not the
    /// person's problem: the count stays a little higher than it should, nothing worse.
    pub(crate) fn finish(self, outcome: Outcome) {
        let began = self.began;
        // Only a wrong try must survive a power cut; losing a cleared count or a refund costs
        // the person one try at most (the try under way is then counted as cut off).
        let durability = match outcome {
            Outcome::Wrong => Durability::Flushed,
            Outcome::Right | Outcome::Other => Durability::Written,
        };
        let result = update(self.vault, false, durability, |s| match outcome {
            Outcome::Wrong => {
                s.pending = s.pending.saturating_sub(1);
                s.failures = s.failures.saturating_add(1);
                s.last = s.last.max(began);
            }
            // The right secret shows the person knows it: every earlier try is forgiven, the
            // wrong ones and those cut off half-way (a crash, a killed process) alike.
            Outcome::Right => *s = State::default(),
            Outcome::Other => s.pending = s.pending.saturating_sub(1),
        });
        if result.is_err() {
            tracing::warn!("the unlock counter could not be updated");
        }
    }
}

/// Runs one try of a secret under the counter: `attempt` runs only when no wait is due, and
/// `judge` says whether its error means the secret was wrong.
pub(crate) fn guarded<T>(
    vault: &Path,
    now: u64,
    recovery_key: bool,
    attempt: impl FnOnce() -> Result<T, VaultError>,
) -> Result<T, VaultError> {
    let charged = begin(vault, now, recovery_key)?;
    let result = attempt();
    charged.finish(match &result {
        Ok(_) => Outcome::Right,
        Err(VaultError::WrongPassphrase | VaultError::WrongRecoveryKey) => Outcome::Wrong,
        Err(_) => Outcome::Other,
    });
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use tempfile::TempDir;

    fn wrong() -> Result<(), VaultError> {
        Err(VaultError::WrongPassphrase)
    }

    fn wait_of(r: Result<(), VaultError>) -> Option<u64> {
        match r {
            Err(VaultError::TooManyTries { wait_secs, .. }) => Some(wait_secs),
            _ => None,
        }
    }

    #[test]
    fn every_counter_written_has_one_length_and_reads_back() {
        for state in [
            State::default(),
            State {
                failures: u32::MAX,
                last: u64::MAX,
                pending: u32::MAX,
                pending_since: u64::MAX,
            },
            State {
                failures: 4,
                last: 1_800_000_000,
                pending: 1,
                pending_since: 1_800_000_001,
            },
        ] {
            let text = state.render();
            assert_eq!(text.len(), RENDERED_LEN, "{text:?}");
            assert_eq!(State::parse(&text), state);
        }
        // A counter written before the padding still reads.
        let old = format!("{HEADER}\nfailures 2\nlast 5\npending 0\nsince 0\n");
        assert_eq!(State::parse(&old).failures, 2);
    }

    #[test]
    fn the_waits_double_after_the_free_tries_and_stop_at_a_minute() {
        let waits: Vec<u64> = (0..12).map(wait_after).collect();
        assert_eq!(waits, [0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(wait_after(u32::MAX), MAX_WAIT_SECS);
    }

    #[test]
    fn wrong_tries_are_counted_and_each_wait_is_enforced() {
        let dir = TempDir::new().unwrap();
        let vault = dir.path().join("v.amends");
        let mut now = 1_000_000;
        for _ in 0..FREE_TRIES {
            assert!(matches!(
                guarded(&vault, now, false, wrong),
                Err(VaultError::WrongPassphrase)
            ));
        }
        for expected in [1u64, 2, 4, 8, 16, 32, 60, 60] {
            // Too early: refused with the whole wait, and the refusal itself is not counted.
            assert_eq!(wait_of(guarded(&vault, now, false, wrong)), Some(expected));
            assert_eq!(wait_at(&vault, now).unwrap(), expected);
            now += expected - 1;
            assert_eq!(wait_of(guarded(&vault, now, false, wrong)), Some(1));
            now += 1;
            assert_eq!(wait_at(&vault, now).unwrap(), 0);
            assert!(matches!(
                guarded(&vault, now, false, wrong),
                Err(VaultError::WrongPassphrase)
            ));
        }
    }

    #[test]
    fn the_right_secret_clears_the_count() {
        let dir = TempDir::new().unwrap();
        let vault = dir.path().join("v.amends");
        let now = 50;
        for _ in 0..5 {
            let _ = guarded(&vault, now + 1000, false, wrong);
        }
        let now = now + 2000;
        assert_eq!(guarded(&vault, now, false, || Ok(7)).unwrap(), 7);
        assert_eq!(wait_at(&vault, now).unwrap(), 0);
        for _ in 0..FREE_TRIES {
            assert!(wait_of(guarded(&vault, now, false, wrong)).is_none());
        }
        assert_eq!(wait_of(guarded(&vault, now, false, wrong)), Some(1));
    }

    #[test]
    fn other_errors_are_refunded_and_a_recovery_key_counts_too() {
        let dir = TempDir::new().unwrap();
        let vault = dir.path().join("v.amends");
        for _ in 0..10 {
            let r: Result<(), _> = guarded(&vault, 10, false, || Err(VaultError::KeyFileDamaged));
            assert!(matches!(r, Err(VaultError::KeyFileDamaged)));
        }
        assert_eq!(wait_at(&vault, 10).unwrap(), 0);
        let _ = guarded(&vault, 10, false, wrong);
        let _: Result<(), _> = guarded(&vault, 10, true, || Err(VaultError::WrongRecoveryKey));
        let _ = guarded(&vault, 10, false, wrong);
        let refused = guarded(&vault, 10, true, || Ok(()));
        assert!(matches!(
            refused,
            Err(VaultError::TooManyTries {
                wait_secs: 1,
                recovery_key: true
            })
        ));
    }

    #[test]
    fn a_clock_set_back_never_locks_out_for_longer_than_the_longest_wait() {
        let dir = TempDir::new().unwrap();
        let vault = dir.path().join("v.amends");
        let mut now = 1_000_000;
        for _ in 0..20 {
            assert!(wait_of(guarded(&vault, now, false, wrong)).is_none());
            now += 100;
        }
        // The clock jumps back a day.
        let now = now - 86_400;
        assert!(wait_at(&vault, now).unwrap() <= MAX_WAIT_SECS);
        assert_eq!(
            wait_of(guarded(&vault, now, false, wrong)),
            Some(MAX_WAIT_SECS)
        );
        assert!(matches!(
            guarded(&vault, now + MAX_WAIT_SECS, false, || Ok(())),
            Ok(())
        ));
    }

    #[test]
    fn a_damaged_counter_means_the_free_tries_are_used_up() {
        let dir = TempDir::new().unwrap();
        let vault = dir.path().join("v.amends");
        fs::write(unlock_path(&vault), b"\xff\x00garbage").unwrap();
        assert_eq!(wait_at(&vault, 5).unwrap(), 0);
        assert!(matches!(
            guarded(&vault, 5, false, wrong),
            Err(VaultError::WrongPassphrase)
        ));
        assert_eq!(wait_of(guarded(&vault, 5, false, wrong)), Some(2));
        let text = fs::read_to_string(unlock_path(&vault)).unwrap();
        assert!(
            text.starts_with("amends-unlock 1\nfailures 4\nlast 5\npending 0\nsince 5\n"),
            "{text:?}"
        );
        assert_eq!(text.len(), RENDERED_LEN);
        assert!(
            text.ends_with(" \n") && !text.contains("garbage"),
            "{text:?}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_counter_is_the_owners_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = TempDir::new().unwrap();
        let vault = dir.path().join("v.amends");
        let _ = guarded(&vault, 5, false, wrong);
        let mode = fs::metadata(unlock_path(&vault))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn tries_under_way_at_once_never_make_each_other_wait() {
        // Eight programs opening the vault at the same moment with the right passphrase.
        let dir = TempDir::new().unwrap();
        let vault = dir.path().join("v.amends");
        let now = 5_000;
        let under_way: Vec<Charged<'_>> = (0..8)
            .map(|_| begin(&vault, now, false).expect("no wait for tries under way"))
            .collect();
        for c in under_way {
            c.finish(Outcome::Right);
        }
        assert_eq!(wait_at(&vault, now).unwrap(), 0);
        let state = State::parse(&fs::read_to_string(unlock_path(&vault)).unwrap());
        assert_eq!((state.failures, state.pending), (0, 0));
    }

    #[test]
    fn a_try_cut_off_half_way_counts_as_wrong_once_it_is_stale() {
        let dir = TempDir::new().unwrap();
        let vault = dir.path().join("v.amends");
        let now = 9_000;
        // Four tries killed before they could say how they went.
        for _ in 0..=FREE_TRIES {
            // Never finished: the process was killed.
            let _cut_off = begin(&vault, now, false).unwrap();
        }
        assert_eq!(wait_at(&vault, now + 1).unwrap(), 0, "still under way");
        let later = now + STALE_SECS;
        assert_eq!(
            wait_at(&vault, later).unwrap(),
            0,
            "1 s after the last began"
        );
        assert_eq!(
            wait_of(guarded(&vault, now + STALE_SECS - 1, false, wrong)),
            None,
            "before they are stale they do not count"
        );
        // Stale now: four cut-off tries and one wrong one: the wait after five is 4 s.
        assert_eq!(wait_at(&vault, now + STALE_SECS).unwrap(), 4 - 1);
    }

    #[test]
    fn the_right_secret_forgives_tries_cut_off_before_it() {
        // A program killed while unlocking, again and again (a crash loop), then opened.
        let dir = TempDir::new().unwrap();
        let vault = dir.path().join("v.amends");
        for k in 0..10 {
            let _cut_off = begin(&vault, 100 + k, false).unwrap();
        }
        assert_eq!(guarded(&vault, 111, false, || Ok(())).unwrap(), ());
        assert_eq!(wait_at(&vault, 111 + STALE_SECS * 2).unwrap(), 0);
    }
}
