//! Creating, opening and re-keying a vault, and bringing its schema up to date.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use amends_core::model::Settings;
use jiff::Timestamp;
use rusqlite::{Connection, OpenFlags};
use secrecy::{ExposeSecret, SecretString};

use crate::VaultError;
use crate::keys::{self, DataKey, KdfParams, keyfile_path};
use crate::schema;
use crate::throttle;

/// An open, unlocked vault.
pub struct Vault {
    pub(crate) conn: Connection,
    path: PathBuf,
    /// Where the schema backup went, if opening this vault migrated it.
    migrated_backup: Option<PathBuf>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").field("path", &self.path).finish()
    }
}

/// A new vault and the recovery key to show once.
pub struct Created {
    pub vault: Vault,
    pub recovery_key: SecretString,
}

/// How the connection is keyed.
#[derive(Clone, Copy)]
enum Keying<'a> {
    Key(&'a DataKey),
    #[cfg(feature = "plaintext-for-benchmarks")]
    Plain,
}

fn busy_timeout() -> Duration {
    Duration::from_secs(10)
}

fn connect(path: &Path, keying: Keying<'_>, create: bool) -> Result<Connection, VaultError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    // SQLCipher's key setup touches process-wide state (its crypto provider and log level);
    // keying connections one at a time keeps several vaults opened at once on different
    // threads (the web app's tests, say) from tripping over each other. It costs microseconds.
    static KEYING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _keying = KEYING.lock().unwrap_or_else(|e| e.into_inner());
    let conn = Connection::open_with_flags(path, flags)?;
    // SQLCipher otherwise writes its own diagnostics (a wrong key's "hmac check failed") to
    // standard error; the errors returned to us say all that is needed.
    conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(()))?;
    match keying {
        Keying::Key(key) => conn.execute_batch(key.pragma().as_str())?,
        #[cfg(feature = "plaintext-for-benchmarks")]
        Keying::Plain => {}
    }
    conn.busy_timeout(busy_timeout())?;
    // A wrong key shows only on the first read: check here, before anything is written.
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => {}
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
            return Err(VaultError::NotAVault);
        }
        Err(e) => return Err(e.into()),
    }
    drop(_keying);
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    // Keep the whole working set decrypted in memory once read (64 MiB at most).
    conn.pragma_update(None, "cache_size", -65536)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(conn)
}

fn schema_version(conn: &Connection) -> Result<i64, VaultError> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Copies the vault (and its key file) aside before a migration changes it. The copy is taken
/// with SQLite's online backup into a file keyed like the vault: a consistent snapshot that
/// includes whatever is still in the write-ahead log, and never a plaintext copy.
fn backup_before_migration(
    conn: &Connection,
    keying: Keying<'_>,
    path: &Path,
    from: i64,
) -> Result<PathBuf, VaultError> {
    let stamp = Timestamp::now().strftime("%Y%m%dT%H%M%S%.fZ").to_string();
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".backup-v{from}-{stamp}"));
    let backup = PathBuf::from(name);
    drop(keys::open_private(&backup)?);
    let result = (|| {
        let mut dst = Connection::open_with_flags(
            &backup,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        dst.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(()))?;
        match keying {
            Keying::Key(key) => dst.execute_batch(key.pragma().as_str())?,
            #[cfg(feature = "plaintext-for-benchmarks")]
            Keying::Plain => {}
        }
        {
            let copy = rusqlite::backup::Backup::new(conn, &mut dst)?;
            copy.run_to_completion(256, Duration::from_millis(0), None)?;
        }
        dst.close().map_err(|(_, e)| e)?;
        let kf = keyfile_path(path);
        if kf.exists() {
            fs::copy(&kf, keyfile_path(&backup))?;
        }
        fs::File::open(&backup)?.sync_all()?;
        Ok::<(), VaultError>(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&backup);
        let _ = fs::remove_file(keyfile_path(&backup));
        return Err(e);
    }
    Ok(backup)
}

fn bring_up_to_date(
    mut conn: Connection,
    keying: Keying<'_>,
    path: &Path,
) -> Result<(Connection, Option<PathBuf>), VaultError> {
    let found = schema_version(&conn)?;
    if found > schema::LATEST {
        return Err(VaultError::TooNew {
            found,
            known: schema::LATEST,
        });
    }
    let mut backup = None;
    if found < schema::LATEST {
        if found > 0 {
            backup = Some(backup_before_migration(&conn, keying, path, found)?);
        }
        schema::migrations().to_latest(&mut conn)?;
        tracing::info!(from = found, to = schema::LATEST, "vault schema migrated");
    }
    Ok((conn, backup))
}

impl Vault {
    /// Creates a new vault with a fresh random key sealed under `passphrase`.
    pub fn create(
        path: &Path,
        passphrase: &SecretString,
        settings: &Settings,
    ) -> Result<Created, VaultError> {
        Vault::create_with(path, passphrase, settings, KdfParams::DEFAULT)
    }

    /// Creates a new vault with chosen key-derivation costs.
    pub fn create_with(
        path: &Path,
        passphrase: &SecretString,
        settings: &Settings,
        params: KdfParams,
    ) -> Result<Created, VaultError> {
        if passphrase.expose_secret().trim().is_empty() {
            return Err(VaultError::EmptyPassphrase);
        }
        if path.exists() || keyfile_path(path).exists() {
            return Err(VaultError::AlreadyExists {
                path: path.to_path_buf(),
            });
        }
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            fs::create_dir_all(dir)?;
        }
        let key = DataKey::generate()?;
        // Claim the path first: if another process got there, leave its files alone.
        match keys::open_private(path) {
            Ok(f) => drop(f),
            Err(VaultError::Io(e)) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(VaultError::AlreadyExists {
                    path: path.to_path_buf(),
                });
            }
            Err(e) => return Err(e),
        }
        let result = (|| {
            let vault = Vault::create_keyed(path, Keying::Key(&key), settings)?;
            keys::write_keyfile(path, &key, passphrase, params)?;
            Ok(vault)
        })();
        match result {
            Ok(vault) => Ok(Created {
                vault,
                recovery_key: key.recovery_text(),
            }),
            Err(e) => {
                // Leave nothing half-made behind.
                for p in [
                    path.to_path_buf(),
                    keyfile_path(path),
                    with_suffix(path, "-wal"),
                    with_suffix(path, "-shm"),
                ] {
                    let _ = fs::remove_file(p);
                }
                Err(e)
            }
        }
    }

    fn create_keyed(
        path: &Path,
        keying: Keying<'_>,
        settings: &Settings,
    ) -> Result<Vault, VaultError> {
        // The file was created empty, owner-only, by the caller.
        let conn = connect(path, keying, true)?;
        let (conn, _) = bring_up_to_date(conn, keying, path)?;
        let vault = Vault {
            conn,
            path: path.to_path_buf(),
            migrated_backup: None,
        };
        vault.init_settings(settings)?;
        Ok(vault)
    }

    #[cfg(test)]
    pub(crate) fn create_at_version(
        path: &Path,
        passphrase: &SecretString,
        version: usize,
    ) -> Result<(), VaultError> {
        let key = DataKey::generate()?;
        keys::open_private(path)?;
        let mut conn = connect(path, Keying::Key(&key), true)?;
        schema::migrations().to_version(&mut conn, version)?;
        conn.execute(
            "INSERT INTO settings (id, fellowship, amends_to_self, currency) VALUES (1, 'na', 0, 'EUR')",
            [],
        )?;
        conn.execute(
            "INSERT INTO parties (name, kind, created) VALUES ('Old friend', 'person', '2024-01-01T00:00:00Z')",
            [],
        )?;
        keys::write_keyfile(path, &key, passphrase, KdfParams::DEFAULT)?;
        Ok(())
    }

    /// Opens a vault with its passphrase. After a few wrong passphrases in a row each further
    /// try must wait (see `throttle`): too early, it is refused with `TooManyTries` before any
    /// key is derived.
    pub fn open(path: &Path, passphrase: &SecretString) -> Result<Vault, VaultError> {
        Vault::open_at(path, passphrase, throttle::now_secs())
    }

    /// `open` with the clock given (seconds since 1970), for tests of the waits.
    pub(crate) fn open_at(
        path: &Path,
        passphrase: &SecretString,
        now: u64,
    ) -> Result<Vault, VaultError> {
        Vault::must_exist(path)?;
        throttle::guarded(path, now, false, || {
            let key = keys::read_keyfile(path, passphrase)?;
            Vault::open_with_key(path, &key).map_err(|e| match e {
                VaultError::NotAVault => VaultError::KeyMismatch,
                other => other,
            })
        })
    }

    /// Tests a passphrase exactly as [`Vault::open`] does (the same waits, the same count) and
    /// gives the data key it unseals, for a program that keeps the vault unlocked for a while
    /// (`amends unlock`). The vault is opened once to prove the key, then closed.
    pub fn unlock_key(path: &Path, passphrase: &SecretString) -> Result<DataKey, VaultError> {
        Vault::must_exist(path)?;
        throttle::guarded(path, throttle::now_secs(), false, || {
            let key = keys::read_keyfile(path, passphrase)?;
            drop(Vault::open_with_key(path, &key).map_err(|e| match e {
                VaultError::NotAVault => VaultError::KeyMismatch,
                other => other,
            })?);
            Ok(key)
        })
    }

    /// Opens a vault with a data key already proven by [`Vault::unlock_key`] and held since.
    /// No try is counted: nothing is guessed (a key that does not fit is `KeyMismatch`, and
    /// 256 random bits cannot be guessed through the waits anyway), so a command run while the
    /// vault is held unlocked costs no key derivation and no write to the unlock counter.
    pub fn open_with_data_key(path: &Path, key: &DataKey) -> Result<Vault, VaultError> {
        Vault::must_exist(path)?;
        Vault::open_with_key(path, key).map_err(|e| match e {
            VaultError::NotAVault => VaultError::KeyMismatch,
            other => other,
        })
    }

    /// Opens a vault with the recovery key written down at creation. A wrong recovery key counts
    /// as a wrong try, like a wrong passphrase.
    pub fn open_with_recovery_key(path: &Path, recovery: &str) -> Result<Vault, VaultError> {
        Vault::must_exist(path)?;
        let key = DataKey::from_recovery_text(recovery)?;
        throttle::guarded(path, throttle::now_secs(), true, || {
            Vault::open_with_key(path, &key).map_err(|e| match e {
                VaultError::NotAVault => VaultError::WrongRecoveryKey,
                other => other,
            })
        })
    }

    /// How many seconds the next try of a passphrase or recovery key on this vault must still
    /// wait (0: it may go ahead now). Reads only; lets a program say so before asking for one.
    pub fn unlock_wait(path: &Path) -> Result<u64, VaultError> {
        throttle::wait_at(path, throttle::now_secs())
    }

    fn must_exist(path: &Path) -> Result<(), VaultError> {
        if !path.is_file() {
            return Err(VaultError::NotFound {
                path: path.to_path_buf(),
            });
        }
        Ok(())
    }

    pub(crate) fn open_with_key(path: &Path, key: &DataKey) -> Result<Vault, VaultError> {
        let conn = connect(path, Keying::Key(key), false)?;
        let (conn, migrated_backup) = bring_up_to_date(conn, Keying::Key(key), path)?;
        Ok(Vault {
            conn,
            path: path.to_path_buf(),
            migrated_backup,
        })
    }

    /// Changes the passphrase: the old one must open the key file. Only the key file changes.
    pub fn change_passphrase(
        path: &Path,
        old: &SecretString,
        new: &SecretString,
    ) -> Result<(), VaultError> {
        if new.expose_secret().trim().is_empty() {
            return Err(VaultError::EmptyPassphrase);
        }
        Vault::must_exist(path)?;
        // The old passphrase is a guess like any other: it goes through the same waits.
        let key = throttle::guarded(path, throttle::now_secs(), false, || {
            let key = keys::read_keyfile(path, old)?;
            // Prove the key still opens the vault before replacing anything.
            drop(Vault::open_with_key(path, &key).map_err(|e| match e {
                VaultError::NotAVault => VaultError::KeyMismatch,
                other => other,
            })?);
            Ok(key)
        })?;
        keys::write_keyfile(path, &key, new, KdfParams::DEFAULT)
    }

    /// Sets a new passphrase using the recovery key (when the passphrase is lost).
    pub fn reset_passphrase(
        path: &Path,
        recovery: &str,
        new: &SecretString,
    ) -> Result<(), VaultError> {
        if new.expose_secret().trim().is_empty() {
            return Err(VaultError::EmptyPassphrase);
        }
        let key = DataKey::from_recovery_text(recovery)?;
        drop(Vault::open_with_recovery_key(path, recovery)?);
        keys::write_keyfile(path, &key, new, KdfParams::DEFAULT)
    }

    /// The vault file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// If opening this vault migrated its schema, where the backup taken first is.
    pub fn migration_backup(&self) -> Option<&Path> {
        self.migrated_backup.as_deref()
    }

    /// A number that changes whenever another connection (the CLI, say) commits a change to
    /// the vault, so a cached view of it can tell when it is stale.
    pub fn data_version(&self) -> Result<i64, VaultError> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// The schema version of the open vault.
    pub fn schema_version(&self) -> Result<i64, VaultError> {
        schema_version(&self.conn)
    }
}

#[cfg(feature = "plaintext-for-benchmarks")]
impl Vault {
    /// Creates an unencrypted vault, only so benchmarks can compare SQLCipher with plain SQLite.
    pub fn create_plaintext_for_benchmarks(
        path: &Path,
        settings: &Settings,
    ) -> Result<Vault, VaultError> {
        drop(keys::open_private(path)?);
        Vault::create_keyed(path, Keying::Plain, settings)
    }

    /// Opens a vault made by `create_plaintext_for_benchmarks`.
    pub fn open_plaintext_for_benchmarks(path: &Path) -> Result<Vault, VaultError> {
        let conn = connect(path, Keying::Plain, false)?;
        let (conn, _) = bring_up_to_date(conn, Keying::Plain, path)?;
        Ok(Vault {
            conn,
            path: path.to_path_buf(),
            migrated_backup: None,
        })
    }

    /// One try of a secret as the unlock counter sees it, without the secret: marked under
    /// way, then ended right (the count cleared) or wrong (counted, and flushed to the disk).
    pub fn unlock_counter_for_benchmarks(path: &Path, right: bool) -> Result<(), VaultError> {
        let charged = throttle::begin(path, throttle::now_secs(), false)?;
        charged.finish(if right {
            throttle::Outcome::Right
        } else {
            throttle::Outcome::Wrong
        });
        Ok(())
    }

    /// Opens a vault directly with its data key, skipping the passphrase derivation.
    pub fn open_with_data_key_for_benchmarks(
        path: &Path,
        recovery: &str,
    ) -> Result<Vault, VaultError> {
        Vault::open_with_recovery_key(path, recovery)
    }
}

pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tempfile::TempDir;

    fn pass(s: &str) -> SecretString {
        SecretString::from(s.to_string())
    }

    #[test]
    fn an_old_vault_is_backed_up_then_migrated() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("old.amends");
        Vault::create_at_version(&path, &pass("old pass"), 1).unwrap();
        let vault = Vault::open(&path, &pass("old pass")).unwrap();
        assert_eq!(vault.schema_version().unwrap(), schema::LATEST);
        let backup = vault
            .migration_backup()
            .expect("a backup was taken")
            .to_path_buf();
        assert!(backup.to_string_lossy().contains(".backup-v1-"));
        // The backup is the old vault, still encrypted, still openable with the same passphrase.
        drop(vault);
        let key = keys::read_keyfile(&backup, &pass("old pass")).unwrap();
        let conn = connect(&backup, Keying::Key(&key), false).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), 1);
        let name: String = conn
            .query_row("SELECT name FROM parties", [], |r| r.get(0))
            .unwrap();
        assert_eq!(name, "Old friend");
        // The migrated vault kept the data.
        let vault = Vault::open(&path, &pass("old pass")).unwrap();
        assert!(vault.migration_backup().is_none());
        let n: i64 = vault
            .conn
            .query_row("SELECT count(*) FROM parties", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn many_wrong_passphrases_are_slowed_down_and_never_change_the_vault() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("v.amends");
        let cheap = KdfParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        };
        let created =
            Vault::create_with(&path, &pass("right words"), &Settings::default(), cheap).unwrap();
        drop(created);
        let vault_bytes = fs::read(&path).unwrap();
        let key_bytes = fs::read(keyfile_path(&path)).unwrap();
        let mut now = 2_000_000_000;
        let mut wrong = 0;
        let mut refused = 0;
        while wrong < 12 {
            match Vault::open_at(&path, &pass("wrong words"), now) {
                Err(VaultError::WrongPassphrase) => wrong += 1,
                Err(VaultError::TooManyTries { wait_secs, .. }) => {
                    assert!((1..=throttle::MAX_WAIT_SECS).contains(&wait_secs));
                    refused += 1;
                    now += wait_secs;
                }
                other => panic!("unexpected: {:?}", other.map(|_| ())),
            }
        }
        assert_eq!(refused, 12 - throttle::FREE_TRIES);
        // Even the right passphrase waits its turn, so a guess cannot be told by being let in.
        assert!(matches!(
            Vault::open_at(&path, &pass("right words"), now),
            Err(VaultError::TooManyTries { wait_secs: 60, .. })
        ));
        // A wrong recovery key counts as well, and is refused while a wait is due.
        assert!(matches!(
            Vault::open_with_recovery_key(&path, &"AB".repeat(32)),
            Err(VaultError::TooManyTries {
                recovery_key: true,
                ..
            })
        ));
        assert_eq!(fs::read(&path).unwrap(), vault_bytes);
        assert_eq!(fs::read(keyfile_path(&path)).unwrap(), key_bytes);
        drop(Vault::open_at(&path, &pass("right words"), now + 60).unwrap());
        // The count is clear again: three free tries, and the recovery key works.
        for _ in 0..throttle::FREE_TRIES {
            assert!(matches!(
                Vault::open_at(&path, &pass("wrong words"), now + 60),
                Err(VaultError::WrongPassphrase)
            ));
        }
    }

    #[test]
    fn a_vault_from_a_newer_version_is_refused_and_left_alone() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("new.amends");
        let created = Vault::create(&path, &pass("pw"), &Settings::default()).unwrap();
        created
            .vault
            .conn
            .pragma_update(None, "user_version", 99)
            .unwrap();
        drop(created);
        let before = fs::read(&path).unwrap();
        let err = Vault::open(&path, &pass("pw")).unwrap_err();
        assert!(matches!(err, VaultError::TooNew { found: 99, .. }));
        assert!(err.to_string().contains("newer version"));
        assert_eq!(fs::read(&path).unwrap(), before);
    }
}
