//! The one session of the local app: the secrets that admit this browser, whether the vault is
//! open, and a snapshot of the workbook that pages render from.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant};

use amends_core::Now;
use amends_core::due::{DueItem, due_in};
use amends_core::model::{PartyRecord, Settings};
use amends_core::stage::StageInfo;
use amends_core::summary::{Summary, summarise};
use amends_vault::{Vault, VaultError};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use secrecy::SecretString;

/// How the app is started.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where the vault file is (or will be created).
    pub vault: PathBuf,
    /// A throwaway vault of a fictional person: shown with a banner on every page.
    pub demo: bool,
}

/// A short message shown once on the next page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flash {
    pub kind: FlashKind,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlashKind {
    Done,
    Note,
}

impl FlashKind {
    pub fn class(self) -> &'static str {
        match self {
            FlashKind::Done => "flash-done",
            FlashKind::Note => "flash-note",
        }
    }
}

/// Everything derived from the vault that pages read; rebuilt only when the vault changes.
pub struct Snapshot {
    pub settings: Settings,
    pub records: Vec<PartyRecord>,
    pub stages: Vec<StageInfo>,
    pub summary: Summary,
    pub due: Vec<DueItem>,
    pub now: Now,
}

impl Snapshot {
    fn build(vault: &Vault, now: Now) -> Result<Snapshot, VaultError> {
        let settings = vault.settings()?;
        let records = vault.records()?;
        let (stages, summary) = summarise(&records, &now);
        let due = due_in(&records, &now, settings.language);
        Ok(Snapshot {
            settings,
            records,
            stages,
            summary,
            due,
            now,
        })
    }

    /// The index of a party in `records`.
    pub fn position(&self, id: i64) -> Option<usize> {
        self.records.iter().position(|r| r.party.id == id)
    }
}

struct Open {
    vault: Vault,
    last_seen: Instant,
    /// The snapshot, with the vault's data version and the day it was built on.
    snapshot: Option<(i64, jiff::civil::Date, Arc<Snapshot>)>,
    /// A spreadsheet being previewed for import. It lives here, beside the open vault, so that
    /// locking (by hand, when idle, or the quick exit) drops it with the vault; it is never
    /// written to disk.
    import: Option<PendingImport>,
}

/// The bytes of a spreadsheet uploaded for import, held while the person previews it.
struct PendingImport {
    /// Names this upload, so that a form from an earlier preview cannot import another file.
    id: String,
    /// Wiped from memory when dropped.
    bytes: secrecy::SecretSlice<u8>,
}

enum Slot {
    Locked,
    Open(Box<Open>),
}

/// The recovery key of a vault created in this browser, until the person confirms they wrote it down.
struct PendingRecovery {
    key: SecretString,
}

pub(crate) struct Shared {
    pub config: Config,
    /// The one-time address's token in force: the printed one, until a second `amends` asks
    /// for a fresh one through the owner-only channel (`channel.rs`).
    launch: Mutex<Launch>,
    pub cookie: String,
    pub csrf: String,
    slot: Mutex<Slot>,
    /// A lock (or quick exit) asked for while a step held the vault (a relay step can hold it
    /// for minutes): the vault is closed as soon as that step lets go of it, and until then the
    /// app answers as if it were locked already.
    lock_pending: AtomicBool,
    flash: Mutex<Vec<Flash>>,
    pending_recovery: Mutex<Option<PendingRecovery>>,
    /// Idle minutes before locking, cached from the settings so the lock check needs no query.
    auto_lock: Mutex<Duration>,
    /// Wakes the automatic backup check (after an unlock, or when the settings change).
    backup_wake: tokio::sync::Notify,
}

/// The token of the one-time address in force, and whether a browser has used it.
struct Launch {
    token: String,
    used: bool,
}

/// What a token offered in an address is worth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The token in force, unused until now: the browser is let in (and the token is spent).
    Admitted,
    /// The token in force, but a browser used it already.
    Used,
    /// Not the token in force.
    Wrong,
}

/// The app: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct App(pub(crate) Arc<Shared>);

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the system provides random numbers");
    hex::encode(buf)
}

/// Whether the vault is open, and if not, why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// No vault at the path yet: the first-run flow.
    NoVault,
    Locked,
    Open,
}

/// The current moment in the machine's time zone.
pub fn now() -> Now {
    Now::new(Timestamp::now(), TimeZone::system())
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind; carry on with it.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The lock if it is free now; `None` while someone else holds it.
fn try_lock<T>(m: &Mutex<T>) -> Option<MutexGuard<'_, T>> {
    match m.try_lock() {
        Ok(g) => Some(g),
        Err(TryLockError::Poisoned(e)) => Some(e.into_inner()),
        Err(TryLockError::WouldBlock) => None,
    }
}

impl App {
    pub fn new(config: Config) -> App {
        App(Arc::new(Shared {
            config,
            launch: Mutex::new(Launch {
                token: random_hex(32),
                used: false,
            }),
            cookie: random_hex(32),
            csrf: random_hex(32),
            slot: Mutex::new(Slot::Locked),
            lock_pending: AtomicBool::new(false),
            flash: Mutex::new(Vec::new()),
            pending_recovery: Mutex::new(None),
            auto_lock: Mutex::new(Duration::from_secs(15 * 60)),
            backup_wake: tokio::sync::Notify::new(),
        }))
    }

    /// The token that goes in the address to open (the one in force).
    pub fn launch_token(&self) -> String {
        lock(&self.0.launch).token.clone()
    }

    /// Judges a token offered in an address (in constant time), and spends it if it lets a
    /// browser in: each token works once.
    pub fn claim_launch_token(&self, offered: &str) -> Claim {
        use subtle::ConstantTimeEq;
        let mut launch = lock(&self.0.launch);
        let right = offered.len() == launch.token.len()
            && bool::from(offered.as_bytes().ct_eq(launch.token.as_bytes()));
        if !right {
            Claim::Wrong
        } else if std::mem::replace(&mut launch.used, true) {
            Claim::Used
        } else {
            Claim::Admitted
        }
    }

    /// A new one-time token in place of the one in force (used or not), for a second `amends`
    /// run while this app runs. The one before stops working.
    pub fn fresh_launch_token(&self) -> String {
        let mut launch = lock(&self.0.launch);
        *launch = Launch {
            token: random_hex(32),
            used: false,
        };
        launch.token.clone()
    }

    /// Tells an `amends unlock` holding this vault's key to forget it (the person locked or
    /// left the app: the key goes everywhere at once). Blocking, and quick: one local socket.
    pub fn forget_held_key(&self) {
        #[cfg(unix)]
        match crate::channel::ask(&self.0.config.vault, crate::channel::Role::Key, "lock") {
            Ok(Some(_)) => tracing::info!("the key held by amends unlock was forgotten"),
            Ok(None) => {}
            Err(_) => tracing::warn!("amends unlock could not be told to forget the key"),
        }
    }

    pub fn csrf(&self) -> &str {
        &self.0.csrf
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    pub fn is_demo(&self) -> bool {
        self.0.config.demo
    }

    pub fn access(&self) -> Access {
        if !self.0.lock_pending.load(Ordering::SeqCst) && matches!(*self.slot(), Slot::Open(_)) {
            Access::Open
        } else if self.0.config.vault.exists() {
            Access::Locked
        } else {
            Access::NoVault
        }
    }

    /// The slot, with a lock asked for meanwhile carried out first.
    fn slot(&self) -> MutexGuard<'_, Slot> {
        let mut slot = lock(&self.0.slot);
        self.settle(&mut slot);
        slot
    }

    /// Closes the vault if a lock was asked for while it was held.
    fn settle(&self, slot: &mut Slot) {
        if self.0.lock_pending.swap(false, Ordering::SeqCst) {
            *slot = Slot::Locked;
        }
    }

    /// Puts an unlocked vault in the slot.
    pub fn unlocked(&self, vault: Vault) {
        let minutes = vault.settings().map(|s| s.auto_lock_minutes).unwrap_or(15);
        *lock(&self.0.auto_lock) = Duration::from_secs(u64::from(minutes) * 60);
        let mut slot = self.slot();
        *slot = Slot::Open(Box::new(Open {
            vault,
            last_seen: Instant::now(),
            snapshot: None,
            import: None,
        }));
        drop(slot);
        self.wake_backups();
    }

    /// Asks the background task to check at once whether an automatic backup is due.
    pub fn wake_backups(&self) {
        self.0.backup_wake.notify_one();
    }

    /// Waits until [`App::wake_backups`] is called (a call made while nobody waited counts).
    pub async fn backups_woken(&self) {
        self.0.backup_wake.notified().await;
    }

    /// Makes the automatic backup if one is due, without holding the vault while the backup is
    /// sealed and written: the vault is held only to copy it (milliseconds) and to record how
    /// it went. `None` when locked or when none was due. Blocking: call it off the async threads.
    pub fn automatic_backup(&self) -> Option<amends_vault::backup::AutoOutcome> {
        let now = now();
        let job = match self.read(|v| v.automatic_backup_job(&now)) {
            Some(Ok(Some(job))) => job,
            Some(Ok(None)) | None => return None,
            Some(Err(_)) => {
                tracing::warn!("the vault could not be read to check for a backup");
                return None;
            }
        };
        let outcome = job.run();
        match &outcome {
            Ok(_) => tracing::info!("an automatic backup was written"),
            Err(p) => tracing::warn!(
                problem = p.code(),
                "an automatic backup could not be written"
            ),
        }
        // If the vault was locked meanwhile, the record waits: the backup is due again at the
        // next unlock, and another one is made then.
        if let Some(Err(_)) = self.write(|v, _| v.record_automatic_backup(&outcome, &now)) {
            tracing::warn!("how the automatic backup went could not be recorded");
        }
        Some(outcome)
    }

    /// Locks at once: the vault connection, and with it the key, is dropped. If a step holds
    /// the vault just now (a relay step can, for minutes), this does not wait for it: the app
    /// answers as locked from now on, and the vault is closed the moment the step ends.
    pub fn lock(&self) {
        self.0.lock_pending.store(true, Ordering::SeqCst);
        if let Some(mut slot) = try_lock(&self.0.slot) {
            let old = std::mem::replace(&mut *slot, Slot::Locked);
            self.0.lock_pending.store(false, Ordering::SeqCst);
            drop(slot);
            drop(old);
        }
        lock(&self.0.flash).clear();
    }

    /// Notes that the person did something; locks first if they had been away too long.
    /// While a step holds the vault, there is nothing to do: that step is the person's doing.
    pub fn touch(&self) {
        let idle = *lock(&self.0.auto_lock);
        let Some(mut slot) = try_lock(&self.0.slot) else {
            return;
        };
        self.settle(&mut slot);
        if let Slot::Open(open) = &mut *slot {
            if open.last_seen.elapsed() > idle {
                *slot = Slot::Locked;
            } else {
                open.last_seen = Instant::now();
            }
        }
    }

    /// Locks if the person has been away longer than the auto-lock setting. Returns whether it locked.
    pub fn lock_if_idle(&self) -> bool {
        let idle = *lock(&self.0.auto_lock);
        let Some(mut slot) = try_lock(&self.0.slot) else {
            return false;
        };
        self.settle(&mut slot);
        if let Slot::Open(open) = &*slot
            && open.last_seen.elapsed() > idle
        {
            *slot = Slot::Locked;
            return true;
        }
        false
    }

    /// The idle minutes before locking.
    pub fn auto_lock_minutes(&self) -> u64 {
        lock(&self.0.auto_lock).as_secs() / 60
    }

    /// The snapshot of the open vault, rebuilt if the vault changed (here or in another program)
    /// or the day turned. `None` when locked.
    pub fn snapshot(&self) -> Result<Option<Arc<Snapshot>>, VaultError> {
        let mut slot = self.slot();
        let Slot::Open(open) = &mut *slot else {
            return Ok(None);
        };
        let version = open.vault.data_version()?;
        let now = now();
        if let Some((v, day, snap)) = &open.snapshot
            && *v == version
            && *day == now.today
        {
            return Ok(Some(snap.clone()));
        }
        let snap = Arc::new(Snapshot::build(&open.vault, now)?);
        open.snapshot = Some((version, snap.now.today, snap.clone()));
        Ok(Some(snap))
    }

    /// Runs a change against the open vault, then forgets the snapshot so the next page shows it.
    /// `None` when locked.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut Vault, &Now) -> Result<T, VaultError>,
    ) -> Option<Result<T, VaultError>> {
        let mut slot = self.slot();
        let Slot::Open(open) = &mut *slot else {
            return None;
        };
        let result = f(&mut open.vault, &now());
        open.snapshot = None;
        if let Ok(settings) = open.vault.settings() {
            *lock(&self.0.auto_lock) =
                Duration::from_secs(u64::from(settings.auto_lock_minutes) * 60);
        }
        // Locked while this ran: close it now that it is done.
        self.settle(&mut slot);
        Some(result)
    }

    /// Reads from the open vault directly (for history the snapshot does not hold).
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Vault) -> Result<T, VaultError>,
    ) -> Option<Result<T, VaultError>> {
        let slot = self.slot();
        let Slot::Open(open) = &*slot else {
            return None;
        };
        Some(f(&open.vault))
    }

    /// Holds an uploaded spreadsheet for its preview, in place of any held before, and returns
    /// the id its forms carry. `None` when locked (nothing is held then).
    pub fn hold_import(&self, bytes: Vec<u8>) -> Option<String> {
        let mut slot = self.slot();
        let Slot::Open(open) = &mut *slot else {
            return None;
        };
        let id = random_hex(16);
        open.import = Some(PendingImport {
            id: id.clone(),
            bytes: secrecy::SecretSlice::from(bytes),
        });
        Some(id)
    }

    /// A copy of the held spreadsheet with this id (wiped when the caller drops it); `None`
    /// when locked, or when none with this id is held.
    pub fn held_import(&self, id: &str) -> Option<secrecy::SecretSlice<u8>> {
        let slot = self.slot();
        let Slot::Open(open) = &*slot else {
            return None;
        };
        open.import
            .as_ref()
            .filter(|p| !id.is_empty() && p.id == id)
            .map(|p| {
                secrecy::SecretSlice::from(secrecy::ExposeSecret::expose_secret(&p.bytes).to_vec())
            })
    }

    /// Forgets the held spreadsheet (after an import, or when the person cancels).
    pub fn drop_import(&self) {
        let mut slot = self.slot();
        if let Slot::Open(open) = &mut *slot {
            open.import = None;
        }
    }

    /// Holds the recovery key of a vault just created here until the person confirms it is
    /// written down (`None` once they have).
    pub fn set_pending_recovery(&self, key: Option<SecretString>) {
        *lock(&self.0.pending_recovery) = key.map(|key| PendingRecovery { key });
    }

    /// The recovery key still waiting for that confirmation, if any.
    pub fn pending_recovery_key(&self) -> Option<String> {
        lock(&self.0.pending_recovery)
            .as_ref()
            .map(|p| secrecy::ExposeSecret::expose_secret(&p.key).to_string())
    }

    /// Whether a new vault's recovery key still waits to be confirmed.
    pub fn recovery_pending(&self) -> bool {
        lock(&self.0.pending_recovery).is_some()
    }

    pub fn flash(&self, kind: FlashKind, text: impl Into<String>) {
        lock(&self.0.flash).push(Flash {
            kind,
            text: text.into(),
        });
    }

    pub fn take_flash(&self) -> Vec<Flash> {
        std::mem::take(&mut *lock(&self.0.flash))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use amends_vault::KdfParams;

    fn open_app() -> (tempfile::TempDir, App) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.amends");
        let cheap = KdfParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        };
        let created = Vault::create_with(
            &path,
            &SecretString::from("idle test words"),
            &Settings::default(),
            cheap,
        )
        .unwrap();
        let app = App::new(Config {
            vault: path,
            demo: false,
        });
        app.unlocked(created.vault);
        (dir, app)
    }

    #[test]
    fn the_vault_follows_the_auto_lock_setting_and_stays_open_while_used() {
        let (_dir, app) = open_app();
        assert_eq!(app.auto_lock_minutes(), 15, "the default setting");
        assert!(!app.lock_if_idle(), "just unlocked");
        assert_eq!(app.access(), Access::Open);

        // Saving a new setting takes effect at once.
        let mut s = app.snapshot().unwrap().unwrap().settings.clone();
        s.auto_lock_minutes = 3;
        app.write(|v, _| v.set_settings(&s)).unwrap().unwrap();
        assert_eq!(app.auto_lock_minutes(), 3);

        // Away longer than the setting: the watcher locks, and the key goes with the connection.
        *lock(&app.0.auto_lock) = Duration::from_millis(20);
        std::thread::sleep(Duration::from_millis(40));
        assert!(app.lock_if_idle());
        assert_eq!(app.access(), Access::Locked);
        assert!(app.snapshot().unwrap().is_none());
        assert!(
            app.write(|_, _| Ok(())).is_none(),
            "nothing can be written while locked"
        );
    }

    #[test]
    fn coming_back_after_the_idle_time_finds_it_locked() {
        let (_dir, app) = open_app();
        *lock(&app.0.auto_lock) = Duration::from_millis(200);
        // Activity within the time keeps it open...
        for _ in 0..3 {
            std::thread::sleep(Duration::from_millis(50));
            app.touch();
            assert_eq!(app.access(), Access::Open);
        }
        // ...and the first request after a longer absence locks before it is answered.
        *lock(&app.0.auto_lock) = Duration::from_millis(20);
        std::thread::sleep(Duration::from_millis(40));
        app.touch();
        assert_eq!(app.access(), Access::Locked);
    }

    #[test]
    fn a_lock_asked_for_while_a_step_holds_the_vault_does_not_wait_for_it() {
        use std::sync::mpsc::channel;
        let (_dir, app) = open_app();
        // A step holds the vault (as a relay step does while the relay is slow) until released.
        let (started_tx, started) = channel();
        let (release, released) = channel::<()>();
        let held = app.clone();
        let step = std::thread::spawn(move || {
            held.write(|_, _| {
                started_tx.send(()).unwrap();
                released.recv().unwrap();
                Ok(())
            })
        });
        started.recv().unwrap();
        // Locking, and what every page does first, answer without waiting for the step. They
        // run on a thread of their own so that a wait would fail this test instead of hanging.
        let asking = app.clone();
        let (answered_tx, answered) = channel();
        std::thread::spawn(move || {
            asking.lock();
            asking.touch();
            let idle = asking.lock_if_idle();
            answered_tx.send((asking.access(), idle)).unwrap();
        });
        let got = answered.recv_timeout(Duration::from_secs(60));
        release.send(()).unwrap();
        assert_eq!(
            got.expect("lock did not wait for the step"),
            (Access::Locked, false)
        );
        // The step ran to its end, and the vault closed the moment it let go.
        assert!(step.join().unwrap().is_some());
        assert!(app.snapshot().unwrap().is_none());
        assert!(app.write(|_, _| Ok(())).is_none());
        assert_eq!(app.access(), Access::Locked);
    }

    #[test]
    fn a_spreadsheet_held_for_import_goes_with_the_lock() {
        let (_dir, app) = open_app();
        let id = app.hold_import(b"Name\nSam\n".to_vec()).unwrap();
        let held = app.held_import(&id).expect("held while open");
        assert_eq!(secrecy::ExposeSecret::expose_secret(&held), b"Name\nSam\n");
        assert!(app.held_import("another").is_none());
        assert!(app.held_import("").is_none());
        app.drop_import();
        assert!(
            app.held_import(&id).is_none(),
            "dropped on cancel or confirm"
        );

        let id = app.hold_import(b"Name\n".to_vec()).unwrap();
        app.lock();
        assert!(app.held_import(&id).is_none());
        assert!(
            app.hold_import(b"x".to_vec()).is_none(),
            "nothing is held while locked"
        );
    }

    #[test]
    fn the_launch_token_is_claimed_once_and_a_fresh_one_ends_it() {
        let (_dir, app) = open_app();
        let first = app.launch_token();
        assert_eq!(
            app.claim_launch_token("0".repeat(64).as_str()),
            Claim::Wrong
        );
        assert_eq!(app.claim_launch_token(""), Claim::Wrong);
        assert_eq!(app.claim_launch_token(&first), Claim::Admitted);
        assert_eq!(app.claim_launch_token(&first), Claim::Used);
        let second = app.fresh_launch_token();
        assert_ne!(first, second);
        assert_eq!(app.launch_token(), second);
        assert_eq!(app.claim_launch_token(&first), Claim::Wrong);
        assert_eq!(app.claim_launch_token(&second), Claim::Admitted);
        assert_eq!(app.claim_launch_token(&second), Claim::Used);
    }
}
