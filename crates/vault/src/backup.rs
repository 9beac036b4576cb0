//! Encrypted backups of the whole vault, restoring one into a new vault, and the automatic
//! backups kept in a folder the person chooses (docs/backups.md).
//!
//! A backup file is a standard age file (`age-encryption.org/v1`) sealed with a passphrase
//! (age's scrypt recipient), so `age -d` opens it. What it holds is the whole vault as a plain
//! SQLite 3 database image: every table, copied by SQLCipher's `sqlcipher_export` into a
//! database that lives in memory only, plus one table of its own, `amends_backup` (format,
//! version, schema version, when it was made, the app that made it). `PRAGMA user_version`
//! of the image is the vault's schema version. The plain image is never written to disk: it
//! exists in this process's memory between the export and the encryption (or between the
//! decryption and the copy into a new, encrypted vault), and our own copies are wiped on drop.
//!
//! Restoring never touches an existing vault: it makes a new one, with a new data key (so a new
//! recovery key) and a new passphrase, and copies the data in with `sqlcipher_export`. A wrong
//! passphrase, a damaged or cut-short file, or a file that is not a backup is refused before
//! anything is created.
//!
//! Automatic backups (table `backup_settings`): when the last one is a day old or more, a file
//! `amends-backup-YYYY-MM-DD-HHMMSS.age` (local time) is written beside its final name and
//! renamed into place, then the oldest of those files beyond the number to keep are deleted;
//! no other file in the folder is ever touched. A failure is recorded as a short code.

use std::fs;
use std::io::{Read, Write};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use amends_core::{Invalid, Now};
use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::keys::{self, DataKey, KdfParams, keyfile_path};
use crate::open::with_suffix;
use crate::{Vault, VaultError, schema};

/// The value of `format` in a backup's `amends_backup` table.
pub const FORMAT: &str = "amends-backup";
/// The version of the backup format this build writes and reads.
pub const VERSION: i64 = 1;
/// How many automatic backups may be kept.
pub const KEEP_RANGE: RangeInclusive<u32> = 1..=365;
/// How many automatic backups are kept unless the person says otherwise.
pub const KEEP_DEFAULT: u32 = 7;
/// How long after the last automatic backup the next one is due.
pub const INTERVAL: SignedDuration = SignedDuration::from_hours(24);

/// scrypt cost of a new backup: N = 2^18 (256 MiB, around a second), what the `age` tool
/// picks on a typical computer. Fixed, so a backup made on a fast machine still opens on a
/// slow one.
const WORK_FACTOR: u8 = 18;
/// The most a backup may ask for when opened (2^20: 1 GiB). A file asking for more is not ours,
/// and must not make us allocate without bound.
const MAX_WORK_FACTOR: u8 = 20;

/// The file names of automatic backups: `amends-backup-` + `YYYY-MM-DD-HHMMSS` + `.age`.
const FILE_PREFIX: &str = "amends-backup-";
const FILE_SUFFIX: &str = ".age";
/// How many hex digits name a vault's series of automatic backups.
const SERIES_LEN: usize = 8;
/// Where the copy of the vault lives while a backup is made or checked.
const PLAIN: &str = "amends_plain";
/// Where a vault being restored is attached while the backup is copied into it.
const NEW: &str = "amends_new";
/// A SQLite database file begins with these bytes.
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";

/// Why a backup could not be made, opened or restored. No message holds what the person wrote.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "That passphrase does not open this backup. Nothing was created. Use the passphrase chosen when the backup was made (it is not the vault's own unless you chose the same). If you are sure of it, the file may be damaged: try another copy."
    )]
    WrongPassphrase,
    #[error(
        "This file is not an Amends backup. Nothing was created. A backup is an .age file made by `amends backup` or by Backups in Settings."
    )]
    NotABackup,
    #[error(
        "This backup file is damaged or incomplete (it may have been cut short while it was copied). Nothing was created. Try another copy of it, or an older backup."
    )]
    Damaged,
    #[error(
        "This backup was made by a newer version of Amends (format {found}; this version knows up to {known}). Nothing was created. Install the newer version to restore it."
    )]
    TooNew { found: i64, known: i64 },
    #[error(
        "The backup passphrase cannot be empty. Choose a phrase of several words that you can remember."
    )]
    EmptyPassphrase,
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl From<rusqlite::Error> for BackupError {
    fn from(e: rusqlite::Error) -> Self {
        BackupError::Vault(e.into())
    }
}

impl From<std::io::Error> for BackupError {
    fn from(e: std::io::Error) -> Self {
        BackupError::Vault(e.into())
    }
}

/// Why the last automatic backup could not be written: stored as a short code, shown in words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackupProblem {
    /// The folder is not there (a drive not plugged in, a folder moved or deleted).
    FolderMissing,
    /// This program may not write in the folder.
    NotWritable,
    /// The drive is full.
    Full,
    /// Anything else.
    Failed,
}

impl BackupProblem {
    pub const ALL: &'static [BackupProblem] = &[
        BackupProblem::FolderMissing,
        BackupProblem::NotWritable,
        BackupProblem::Full,
        BackupProblem::Failed,
    ];

    /// The code kept in the vault.
    pub fn code(self) -> &'static str {
        match self {
            BackupProblem::FolderMissing => "folder_missing",
            BackupProblem::NotWritable => "not_writable",
            BackupProblem::Full => "full",
            BackupProblem::Failed => "failed",
        }
    }

    /// A stored code; anything unknown reads as `Failed`.
    pub fn parse(code: &str) -> BackupProblem {
        BackupProblem::ALL
            .iter()
            .copied()
            .find(|p| p.code() == code)
            .unwrap_or(BackupProblem::Failed)
    }

    /// What happened and what to do, in plain words.
    pub fn words(self) -> &'static str {
        match self {
            BackupProblem::FolderMissing => {
                "The backup folder could not be found. If it is on a drive that is not plugged in, plug it in; otherwise choose the folder again."
            }
            BackupProblem::NotWritable => {
                "Amends is not allowed to write in the backup folder. Choose a folder of your own, or change the folder's permissions."
            }
            BackupProblem::Full => {
                "The drive that holds the backup folder is full. Make some room on it, or choose a folder on another drive."
            }
            BackupProblem::Failed => {
                "The backup could not be written. Amends will try again later; if this goes on, choose another folder."
            }
        }
    }

    fn of(e: &std::io::Error) -> BackupProblem {
        use std::io::ErrorKind as K;
        match e.kind() {
            K::NotFound | K::NotADirectory => BackupProblem::FolderMissing,
            K::PermissionDenied | K::ReadOnlyFilesystem => BackupProblem::NotWritable,
            K::StorageFull | K::QuotaExceeded | K::FileTooLarge => BackupProblem::Full,
            _ => match e.raw_os_error() {
                // ENOSPC, EDQUOT (Linux), EDQUOT (macOS): full; EROFS: read-only.
                Some(28 | 122 | 69) => BackupProblem::Full,
                Some(30) => BackupProblem::NotWritable,
                _ => BackupProblem::Failed,
            },
        }
    }
}

/// The automatic backups as set in the vault. The passphrase is never read out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AutoBackup {
    /// Where backups go; `None` when automatic backups are off.
    pub folder: Option<PathBuf>,
    /// How many of them to keep.
    pub keep: u32,
    /// When the last automatic backup was written.
    pub last_at: Option<Timestamp>,
    /// Why the last try failed, if it did (cleared by the next success).
    pub problem: Option<BackupProblem>,
    /// The part of the automatic files' names that is this vault's own (8 hex digits; empty
    /// until automatic backups are first turned on), so two vaults can share a folder.
    pub series: String,
}

/// What a backup says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupInfo {
    /// When the backup was made.
    pub created: Timestamp,
    /// The vault's schema version when it was made.
    pub schema_version: i64,
    /// The program that made it (`amends 0.1.0`).
    pub app: String,
    /// How many parties are on the list in it.
    pub parties: usize,
}

/// The whole vault as a plain SQLite image, in memory only, wiped when dropped.
pub struct PlainImage {
    bytes: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for PlainImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PlainImage({} bytes)", self.bytes.len())
    }
}

impl PlainImage {
    /// Seals the image under a passphrase: the bytes of a backup file.
    pub fn seal(&self, passphrase: &SecretString) -> Result<Vec<u8>, BackupError> {
        if passphrase.expose_secret().trim().is_empty() {
            return Err(BackupError::EmptyPassphrase);
        }
        let mut recipient = age::scrypt::Recipient::new(passphrase.clone());
        recipient.set_work_factor(WORK_FACTOR);
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(|_| VaultError::Randomness)?;
        let mut out = Vec::with_capacity(self.bytes.len() + 1024);
        let mut writer = encryptor.wrap_output(&mut out)?;
        writer.write_all(&self.bytes)?;
        writer.finish()?;
        Ok(out)
    }
}

/// A backup decrypted and checked, in memory, ready to become a new vault.
pub struct OpenedBackup {
    image: PlainImage,
    pub info: BackupInfo,
}

impl std::fmt::Debug for OpenedBackup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenedBackup")
            .field("info", &self.info)
            .finish()
    }
}

/// A vault made from a backup, and its recovery key to show once.
pub struct Restored {
    pub vault: Vault,
    pub recovery_key: SecretString,
    pub info: BackupInfo,
    /// The backup had automatic backups turned on. They are off in the restored vault until the
    /// person turns them on again, so that a restored copy never writes into, or prunes, the
    /// folder of the vault it came from.
    pub automatic_were_on: bool,
}

/// An automatic backup that is due: what to write, where, and how many to keep. Made while the
/// vault is held; sealing and writing it need no vault, so the web app does them without
/// holding the vault for the second the passphrase derivation takes.
pub struct AutoJob {
    image: PlainImage,
    passphrase: SecretString,
    folder: PathBuf,
    keep: u32,
    series: String,
    now: Now,
}

impl std::fmt::Debug for AutoJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AutoJob").field("keep", &self.keep).finish()
    }
}

/// The outcome of an automatic backup: the file written, or why not.
pub type AutoOutcome = Result<PathBuf, BackupProblem>;

impl AutoJob {
    /// Seals the backup, writes it into the folder and deletes the oldest automatic backups
    /// beyond the number to keep. Never touches any other file.
    pub fn run(self) -> AutoOutcome {
        if !self.folder.is_dir() {
            return Err(BackupProblem::FolderMissing);
        }
        let bytes = self
            .image
            .seal(&self.passphrase)
            .map_err(|_| BackupProblem::Failed)?;
        let local = self.now.at.to_zoned(self.now.tz.clone());
        let mut written = None;
        // Two backups in the same second (two programs at once) get names a second apart.
        for extra in 0..5 {
            let at = local
                .checked_add(SignedDuration::from_secs(extra))
                .map_err(|_| BackupProblem::Failed)?;
            let target = self.folder.join(automatic_name(&self.series, &at));
            match write_new(&target, &bytes) {
                Ok(()) => {
                    written = Some(target);
                    break;
                }
                Err(WriteError::Exists) => continue,
                Err(WriteError::Io(e)) => return Err(BackupProblem::of(&e)),
            }
        }
        let written = written.ok_or(BackupProblem::Failed)?;
        // The backup is made; older ones that cannot be deleted now are deleted next time.
        if let Err(e) = prune(&self.folder, self.keep, &written, &self.series) {
            tracing::warn!(
                problem = BackupProblem::of(&e).code(),
                "older automatic backups could not be deleted"
            );
        }
        Ok(written)
    }
}

/// The name of an automatic backup of the vault whose series is `series`, made at `at`:
/// `amends-backup-SERIES-YYYY-MM-DD-HHMMSS.age`.
fn automatic_name(series: &str, at: &jiff::Zoned) -> String {
    format!(
        "{FILE_PREFIX}{series}-{}{FILE_SUFFIX}",
        at.strftime("%Y-%m-%d-%H%M%S")
    )
}

/// The name of the automatic backup a vault whose series is `series` makes at `now`.
pub fn automatic_file_name(series: &str, now: &Now) -> String {
    automatic_name(series, &now.at.to_zoned(now.tz.clone()))
}

/// The series of an automatic backup's name (`amends-backup-SERIES-YYYY-MM-DD-HHMMSS.age`), or
/// `None` when the name is not exactly of that form.
pub fn automatic_series(name: &str) -> Option<&str> {
    let rest = name
        .strip_prefix(FILE_PREFIX)
        .and_then(|r| r.strip_suffix(FILE_SUFFIX))?;
    let (series, stamp) = rest.split_at_checked(SERIES_LEN)?;
    let stamp = stamp.strip_prefix('-')?.as_bytes();
    let stamp_ok = stamp.len() == 17
        && stamp.iter().enumerate().all(|(i, c)| match i {
            4 | 7 | 10 => *c == b'-',
            _ => c.is_ascii_digit(),
        });
    let series_ok = series
        .bytes()
        .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
    (stamp_ok && series_ok).then_some(series)
}

/// Whether a file name is an automatic backup (of any vault).
pub fn is_automatic_name(name: &str) -> bool {
    automatic_series(name).is_some()
}

/// Deletes the oldest automatic backups of this vault's `series` in `folder` beyond `keep`,
/// never the one just `written` (even if a clock set back gave it an older name); returns how
/// many went. Only regular files with exactly our names and this series are counted or deleted:
/// another vault's backups in the same folder are left alone.
fn prune(folder: &Path, keep: u32, written: &Path, series: &str) -> std::io::Result<usize> {
    let just = written.file_name();
    let mut ours: Vec<String> = Vec::new();
    for entry in fs::read_dir(folder)? {
        let entry = entry?;
        if !entry.file_type()?.is_file() {
            continue;
        }
        if Some(entry.file_name().as_os_str()) == just {
            continue;
        }
        if let Some(name) = entry.file_name().to_str()
            && automatic_series(name) == Some(series)
        {
            ours.push(name.to_string());
        }
    }
    // The names hold the time they were made, most significant first.
    ours.sort();
    let excess = (ours.len() + 1).saturating_sub(keep as usize);
    for name in &ours[..excess] {
        fs::remove_file(folder.join(name))?;
    }
    Ok(excess)
}

enum WriteError {
    Exists,
    Io(std::io::Error),
}

/// Writes a new file beside `target` and renames it into place; never replaces a file, and
/// never leaves a partial file under the final name.
fn write_new(target: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    if target.exists() {
        return Err(WriteError::Exists);
    }
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut suffix = [0u8; 6];
    getrandom::fill(&mut suffix).map_err(|_| {
        WriteError::Io(std::io::Error::other(
            "the system could not provide random numbers",
        ))
    })?;
    let tmp = dir.join(format!(".amends-backup-partial-{}", hex::encode(suffix)));
    let result = (|| {
        let mut f = keys::open_private(&tmp).map_err(|e| match e {
            VaultError::Io(e) => e,
            _ => std::io::Error::other("the file could not be created"),
        })?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        if target.exists() {
            return Err(std::io::Error::from(std::io::ErrorKind::AlreadyExists));
        }
        fs::rename(&tmp, target)?;
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Err(WriteError::Exists)
            } else {
                Err(WriteError::Io(e))
            }
        }
    }
}

/// The name to offer for a backup made now: `amends-backup-YYYY-MM-DD-HHMMSS.age`.
pub fn file_name(now: &Now) -> String {
    format!(
        "{FILE_PREFIX}{}{FILE_SUFFIX}",
        now.at.to_zoned(now.tz.clone()).strftime("%Y-%m-%d-%H%M%S")
    )
}

fn invalid(field: &'static str, message: &str) -> VaultError {
    Invalid::new(field, message).into()
}

/// Reads what the backup image says about itself, and checks that it is an Amends backup this
/// version can restore.
fn check_image(conn: &Connection, schema_name: &str) -> Result<BackupInfo, BackupError> {
    let not_ours = |_| BackupError::NotABackup;
    let ok: String = conn
        .query_row(
            &format!("PRAGMA {schema_name}.integrity_check(1)"),
            [],
            |r| r.get(0),
        )
        .map_err(|_| BackupError::Damaged)?;
    if ok != "ok" {
        return Err(BackupError::Damaged);
    }
    let row: Option<(String, i64, i64, String, String)> = conn
        .query_row(
            &format!(
                "SELECT format, version, schema_version, created, app FROM {schema_name}.amends_backup"
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()
        .map_err(not_ours)?;
    let Some((format, version, schema_version, created, app)) = row else {
        return Err(BackupError::NotABackup);
    };
    if format != FORMAT {
        return Err(BackupError::NotABackup);
    }
    if version > VERSION {
        return Err(BackupError::TooNew {
            found: version,
            known: VERSION,
        });
    }
    let user_version: i64 = conn
        .query_row(&format!("PRAGMA {schema_name}.user_version"), [], |r| {
            r.get(0)
        })
        .map_err(not_ours)?;
    if user_version != schema_version || user_version < 1 {
        return Err(BackupError::NotABackup);
    }
    if user_version > schema::LATEST {
        return Err(BackupError::TooNew {
            found: user_version,
            known: schema::LATEST,
        });
    }
    let parties: i64 = conn
        .query_row(
            &format!("SELECT count(*) FROM {schema_name}.parties"),
            [],
            |r| r.get(0),
        )
        .map_err(not_ours)?;
    conn.query_row(
        &format!("SELECT count(*) FROM {schema_name}.settings WHERE id = 1"),
        [],
        |r| r.get::<_, i64>(0),
    )
    .map_err(not_ours)
    .and_then(|n| {
        if n == 1 {
            Ok(())
        } else {
            Err(BackupError::NotABackup)
        }
    })?;
    Ok(BackupInfo {
        created: created.parse().map_err(|_| BackupError::NotABackup)?,
        schema_version,
        app,
        parties: usize::try_from(parties).unwrap_or(0),
    })
}

/// Loads a plain image into a new schema `name` attached to `conn` (in memory).
fn attach_image(conn: &mut Connection, name: &str, image: &[u8]) -> Result<(), BackupError> {
    conn.execute_batch(&format!("ATTACH DATABASE ':memory:' AS {name} KEY ''"))?;
    conn.deserialize_read_exact(name, image, image.len(), false)
        .map_err(|_| BackupError::Damaged)?;
    Ok(())
}

/// Decrypts a backup file and checks it, all in memory. Nothing is written anywhere.
pub fn open_backup(bytes: &[u8], passphrase: &SecretString) -> Result<OpenedBackup, BackupError> {
    if passphrase.expose_secret().is_empty() {
        return Err(BackupError::EmptyPassphrase);
    }
    if !bytes.starts_with(b"age-encryption.org/") {
        return Err(BackupError::NotABackup);
    }
    let decryptor = match age::Decryptor::new_buffered(bytes) {
        Ok(d) => d,
        // Not even an age header: this is some other file.
        // An age file of a later version than age v1 is not one of ours; one whose header
        // does not read is damaged.
        Err(age::DecryptError::UnknownFormat) => return Err(BackupError::NotABackup),
        Err(_) => return Err(BackupError::Damaged),
    };
    // An age file sealed for a key rather than a passphrase (a sharing bundle, say) is not a backup.
    if !decryptor.is_scrypt() {
        return Err(BackupError::NotABackup);
    }
    let mut identity = age::scrypt::Identity::new(passphrase.clone());
    identity.set_max_work_factor(MAX_WORK_FACTOR);
    let mut reader = match decryptor.decrypt(std::iter::once(&identity as &dyn age::Identity)) {
        Ok(r) => r,
        Err(age::DecryptError::DecryptionFailed | age::DecryptError::KeyDecryptionFailed) => {
            return Err(BackupError::WrongPassphrase);
        }
        Err(age::DecryptError::ExcessiveWork { .. }) => return Err(BackupError::NotABackup),
        Err(_) => return Err(BackupError::Damaged),
    };
    let mut image = Zeroizing::new(Vec::with_capacity(bytes.len()));
    // The stream is authenticated chunk by chunk and marks its last chunk: a changed byte or a
    // file cut short fails here.
    reader
        .read_to_end(&mut image)
        .map_err(|_| BackupError::Damaged)?;
    if !image.starts_with(SQLITE_MAGIC) {
        return Err(BackupError::NotABackup);
    }
    let mut conn = Connection::open_in_memory()?;
    conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(()))?;
    attach_image(&mut conn, PLAIN, &image)?;
    let info = check_image(&conn, PLAIN)?;
    drop(conn);
    Ok(OpenedBackup {
        image: PlainImage { bytes: image },
        info,
    })
}

impl OpenedBackup {
    /// Makes a new vault at `path` from this backup, with a new data key sealed under
    /// `passphrase`. Refuses an existing path; leaves nothing behind on failure.
    pub fn restore(self, path: &Path, passphrase: &SecretString) -> Result<Restored, BackupError> {
        self.restore_with(path, passphrase, KdfParams::DEFAULT)
    }

    /// As [`OpenedBackup::restore`], with chosen key-derivation costs.
    pub fn restore_with(
        self,
        path: &Path,
        passphrase: &SecretString,
        params: KdfParams,
    ) -> Result<Restored, BackupError> {
        if passphrase.expose_secret().trim().is_empty() {
            return Err(VaultError::EmptyPassphrase.into());
        }
        if path.exists() || keyfile_path(path).exists() {
            return Err(VaultError::AlreadyExists {
                path: path.to_path_buf(),
            }
            .into());
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
                }
                .into());
            }
            Err(e) => return Err(e.into()),
        }
        let result = self.fill(path, &key, passphrase, params);
        match result {
            Ok((vault, automatic_were_on)) => Ok(Restored {
                vault,
                recovery_key: key.recovery_text(),
                info: self.info,
                automatic_were_on,
            }),
            Err(e) => {
                // Leave nothing half-made behind: the vault, its key file, its journal, and
                // the copy a migration would have taken.
                for p in [
                    path.to_path_buf(),
                    keyfile_path(path),
                    with_suffix(path, "-wal"),
                    with_suffix(path, "-shm"),
                ] {
                    let _ = fs::remove_file(p);
                }
                if let (Some(dir), Some(name)) = (path.parent(), path.file_name())
                    && let Ok(entries) = fs::read_dir(if dir.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        dir
                    })
                {
                    let mut prefix = name.to_os_string();
                    prefix.push(".backup-v");
                    let prefix = prefix.to_string_lossy().into_owned();
                    for e in entries.flatten() {
                        if e.file_name().to_string_lossy().starts_with(&prefix) {
                            let _ = fs::remove_file(e.path());
                        }
                    }
                }
                Err(e)
            }
        }
    }

    fn fill(
        &self,
        path: &Path,
        key: &DataKey,
        passphrase: &SecretString,
        params: KdfParams,
    ) -> Result<(Vault, bool), BackupError> {
        {
            // The copy runs on a connection of its own with no key: the plain image is its
            // database, and the new vault file is attached to it with the new key.
            let target = path.to_str().ok_or_else(|| {
                invalid(
                    "vault",
                    "the path has characters Amends cannot use; choose a plainer name",
                )
            })?;
            let mut conn = Connection::open_in_memory()?;
            conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(()))?;
            attach_image(&mut conn, PLAIN, &self.image.bytes)?;
            conn.execute(
                &format!("ATTACH DATABASE ?1 AS {NEW} KEY ?2"),
                params![target, key.raw_literal().as_str()],
            )?;
            let tx = conn.transaction()?;
            tx.query_row(
                &format!("SELECT sqlcipher_export('{NEW}', '{PLAIN}')"),
                [],
                |_| Ok(()),
            )?;
            tx.execute(&format!("DROP TABLE {NEW}.amends_backup"), [])?;
            tx.pragma_update(Some(NEW), "user_version", self.info.schema_version)?;
            tx.commit()?;
            conn.close().map_err(|(_, e)| e)?;
        }
        // Opening brings an older schema up to date, exactly as opening an old vault does.
        let mut vault = Vault::open_with_key(path, key)?;
        let automatic_were_on = vault.write(|tx| {
            let on: String = tx.query_row(
                "SELECT folder FROM backup_settings WHERE id = 1",
                [],
                |r| r.get(0),
            )?;
            // The copy is another vault: its automatic backups, if turned on, are a series of
            // their own, so they never prune the original's.
            tx.execute(
                "UPDATE backup_settings SET folder = '', passphrase = '', last_at = NULL, last_error = NULL,
                        series = ''
                 WHERE id = 1",
                [],
            )?;
            // A copy is a vault of its own: its calendar events must not take the original's.
            tx.execute(
                "UPDATE calendar_settings SET uid_key = lower(hex(randomblob(8))) WHERE id = 1",
                [],
            )?;
            Ok(!on.is_empty())
        })?;
        keys::write_keyfile(path, key, passphrase, params)?;
        Ok((vault, automatic_were_on))
    }
}

impl Vault {
    /// The whole vault as a plain SQLite image in memory, read in one consistent snapshot,
    /// with the `amends_backup` table that describes it.
    pub fn backup_image(&self, now: &Now) -> Result<PlainImage, VaultError> {
        let version = self.schema_version()?;
        self.conn
            .execute_batch(&format!("ATTACH DATABASE ':memory:' AS {PLAIN} KEY ''"))?;
        let made = (|| {
            // One read transaction: the copy is a single moment even while another program writes.
            let tx = self.conn.unchecked_transaction()?;
            tx.query_row(&format!("SELECT sqlcipher_export('{PLAIN}')"), [], |_| {
                Ok(())
            })?;
            tx.execute_batch(&format!(
                "CREATE TABLE {PLAIN}.amends_backup (
                    format         TEXT NOT NULL,
                    version        INTEGER NOT NULL,
                    schema_version INTEGER NOT NULL,
                    created        TEXT NOT NULL,
                    app            TEXT NOT NULL
                 ) STRICT;"
            ))?;
            tx.execute(
                &format!(
                    "INSERT INTO {PLAIN}.amends_backup (format, version, schema_version, created, app)
                     VALUES (?1, ?2, ?3, ?4, ?5)"
                ),
                params![
                    FORMAT,
                    VERSION,
                    version,
                    now.at.to_string(),
                    concat!("amends ", env!("CARGO_PKG_VERSION"))
                ],
            )?;
            tx.pragma_update(Some(PLAIN), "user_version", version)?;
            let data = tx.serialize(PLAIN)?;
            let bytes = Zeroizing::new(data.to_vec());
            drop(data);
            // Nothing of the vault itself was changed; the copy goes with the detach.
            tx.rollback()?;
            Ok::<_, VaultError>(bytes)
        })();
        let detached = self.conn.execute_batch(&format!("DETACH DATABASE {PLAIN}"));
        let bytes = made?;
        detached?;
        if !bytes.starts_with(SQLITE_MAGIC) {
            // Never hand out a backup that could not be restored.
            return Err(VaultError::Storage("the backup copy was not plain".into()));
        }
        Ok(PlainImage { bytes })
    }

    /// A backup file's bytes: the whole vault, sealed under `passphrase`.
    pub fn backup(&self, passphrase: &SecretString, now: &Now) -> Result<Vec<u8>, BackupError> {
        if passphrase.expose_secret().trim().is_empty() {
            return Err(BackupError::EmptyPassphrase);
        }
        self.backup_image(now)?.seal(passphrase)
    }

    /// Restores a backup file into a new vault at `path` (see [`OpenedBackup::restore`]).
    pub fn restore(
        backup: &[u8],
        backup_passphrase: &SecretString,
        path: &Path,
        passphrase: &SecretString,
    ) -> Result<Restored, BackupError> {
        if path.exists() || keyfile_path(path).exists() {
            return Err(VaultError::AlreadyExists {
                path: path.to_path_buf(),
            }
            .into());
        }
        open_backup(backup, backup_passphrase)?.restore(path, passphrase)
    }

    /// The automatic backups as set.
    pub fn automatic_backups(&self) -> Result<AutoBackup, VaultError> {
        #[allow(clippy::type_complexity)]
        let (folder, keep, last_at, last_error, series): (
            String,
            i64,
            Option<String>,
            Option<String>,
            String,
        ) = self.conn.query_row(
            "SELECT folder, keep, last_at, last_error, series FROM backup_settings WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
        Ok(AutoBackup {
            folder: (!folder.is_empty()).then(|| PathBuf::from(folder)),
            keep: u32::try_from(keep).map_err(|_| crate::sharing::bad("number"))?,
            last_at: last_at.map(|t| crate::load::ts(&t)).transpose()?,
            problem: last_error.as_deref().map(BackupProblem::parse),
            series,
        })
    }

    /// Turns automatic backups on, or changes them: the folder (a full path to a folder that
    /// exists and can be written in), how many to keep, and the passphrase they are sealed with
    /// (`None` keeps the one set before). A new folder gets its first backup at the next check.
    pub fn set_automatic_backups(
        &mut self,
        folder: &Path,
        keep: u32,
        passphrase: Option<&SecretString>,
    ) -> Result<(), VaultError> {
        if !KEEP_RANGE.contains(&keep) {
            return Err(invalid("keep", "must be a whole number from 1 to 365"));
        }
        if let Some(p) = passphrase
            && p.expose_secret().trim().is_empty()
        {
            return Err(invalid(
                "passphrase",
                "cannot be empty; choose a phrase of several words that you can remember",
            ));
        }
        let folder = check_folder(folder)?;
        let text = folder.to_str().unwrap_or_default();
        self.write(|tx| {
            let (old_folder, old_pass): (String, String) = tx.query_row(
                "SELECT folder, passphrase FROM backup_settings WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let old_pass = Zeroizing::new(old_pass);
            let pass = match passphrase {
                Some(p) => Zeroizing::new(p.expose_secret().to_string()),
                None if !old_pass.is_empty() => old_pass.clone(),
                None => {
                    return Err(invalid(
                        "passphrase",
                        "is needed: choose the passphrase the backups will be sealed with",
                    ));
                }
            };
            let moved = old_folder != text;
            // This vault's own part of the files' names, made once (a restored copy makes its
            // own), so that two vaults backing up into one folder never prune each other's.
            let mut series = [0u8; SERIES_LEN / 2];
            getrandom::fill(&mut series).map_err(|_| VaultError::Randomness)?;
            tx.execute(
                "UPDATE backup_settings
                 SET folder = ?1, keep = ?2, passphrase = ?3, last_error = NULL,
                     last_at = CASE WHEN ?4 THEN NULL ELSE last_at END,
                     series = CASE WHEN series = '' THEN ?5 ELSE series END
                 WHERE id = 1",
                params![text, keep, pass.as_str(), moved, hex::encode(series)],
            )?;
            Ok(())
        })
    }

    /// Turns automatic backups off and forgets their passphrase. Backups already made stay
    /// where they are.
    pub fn turn_off_automatic_backups(&mut self) -> Result<(), VaultError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE backup_settings
                 SET folder = '', passphrase = '', last_at = NULL, last_error = NULL
                 WHERE id = 1",
                [],
            )?;
            Ok(())
        })
    }

    /// Whether an automatic backup is due: they are on, and the last one is a day old or more
    /// (or none was made yet, or the clock was set back since).
    pub fn backup_due(&self, now: &Now) -> Result<bool, VaultError> {
        let auto = self.automatic_backups()?;
        if auto.folder.is_none() {
            return Ok(false);
        }
        Ok(match auto.last_at {
            None => true,
            Some(last) => {
                let since = now.at.duration_since(last);
                since >= INTERVAL || since.is_negative()
            }
        })
    }

    /// The automatic backup to write now, if one is due.
    pub fn automatic_backup_job(&self, now: &Now) -> Result<Option<AutoJob>, VaultError> {
        if !self.backup_due(now)? {
            return Ok(None);
        }
        let (folder, keep, pass, series): (String, i64, String, String) = self.conn.query_row(
            "SELECT folder, keep, passphrase, series FROM backup_settings WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        let pass = SecretString::from(pass);
        let image = self.backup_image(now)?;
        Ok(Some(AutoJob {
            image,
            passphrase: pass,
            folder: PathBuf::from(folder),
            keep: u32::try_from(keep).unwrap_or(KEEP_DEFAULT),
            series,
            now: now.clone(),
        }))
    }

    /// Records how an automatic backup went: the time of a success, or the problem.
    pub fn record_automatic_backup(
        &mut self,
        outcome: &AutoOutcome,
        now: &Now,
    ) -> Result<(), VaultError> {
        self.write(|tx| {
            match outcome {
                Ok(_) => tx.execute(
                    "UPDATE backup_settings SET last_at = ?1, last_error = NULL WHERE id = 1",
                    [now.at.to_string()],
                )?,
                Err(p) => tx.execute(
                    "UPDATE backup_settings SET last_error = ?1 WHERE id = 1",
                    [p.code()],
                )?,
            };
            Ok(())
        })
    }

    /// Writes the automatic backup if one is due, and records how it went. `None`: none was due.
    pub fn run_automatic(&mut self, now: &Now) -> Result<Option<AutoOutcome>, VaultError> {
        let Some(job) = self.automatic_backup_job(now)? else {
            return Ok(None);
        };
        let outcome = job.run();
        match &outcome {
            Ok(_) => tracing::info!("an automatic backup was written"),
            Err(p) => tracing::warn!(
                problem = p.code(),
                "an automatic backup could not be written"
            ),
        }
        self.record_automatic_backup(&outcome, now)?;
        Ok(Some(outcome))
    }
}

/// Checks a folder for automatic backups: a full path to a folder that exists and that this
/// program can write in. Returns it as it will be kept (trimmed).
pub fn check_folder(folder: &Path) -> Result<PathBuf, VaultError> {
    let text = folder.to_str().map(str::trim).unwrap_or_default();
    if text.is_empty() {
        return Err(invalid(
            "folder",
            "is needed: the folder to keep backups in",
        ));
    }
    if folder.to_str().is_none() || text.chars().any(char::is_control) {
        return Err(invalid(
            "folder",
            "has characters Amends cannot keep; choose a folder with a plainer name",
        ));
    }
    let folder = Path::new(text);
    if !folder.is_absolute() {
        return Err(invalid(
            "folder",
            "must be a full path, starting from the top of the drive (such as /home/you/Backups)",
        ));
    }
    if folder.exists() && !folder.is_dir() {
        return Err(invalid(
            "folder",
            "is a file, not a folder; choose the folder the backups should go into",
        ));
    }
    if !folder.is_dir() {
        return Err(invalid(
            "folder",
            "was not found; make the folder first, or check the path",
        ));
    }
    probe_writable(folder).map_err(|e| {
        let why = match BackupProblem::of(&e) {
            BackupProblem::Full => "is on a drive that is full",
            _ => "cannot be written in by Amends; choose a folder of your own",
        };
        invalid("folder", why)
    })?;
    Ok(folder.to_path_buf())
}

/// Checks that a folder can be written in, with a small file made and removed at once.
fn probe_writable(folder: &Path) -> std::io::Result<()> {
    let mut suffix = [0u8; 6];
    getrandom::fill(&mut suffix)
        .map_err(|_| std::io::Error::other("the system could not provide random numbers"))?;
    let probe = folder.join(format!(".amends-backup-check-{}", hex::encode(suffix)));
    let f = keys::open_private(&probe).map_err(|e| match e {
        VaultError::Io(e) => e,
        _ => std::io::Error::other("the file could not be created"),
    })?;
    drop(f);
    fs::remove_file(&probe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_own_names_count_as_automatic_backups() {
        for (ok, series) in [
            ("amends-backup-0a1b2c3d-2026-05-03-140007.age", "0a1b2c3d"),
            ("amends-backup-ffffffff-1999-12-31-235959.age", "ffffffff"),
        ] {
            assert_eq!(automatic_series(ok), Some(series), "{ok}");
        }
        for not in [
            // Made on demand: never pruned.
            "amends-backup-2026-05-03-140007.age",
            "amends-backup-0A1B2C3D-2026-05-03-140007.age",
            "amends-backup-0a1b2c3-2026-05-03-140007.age",
            "amends-backup-0a1b2c3d-2026-05-03-140007.age.tmp",
            "amends-backup-2026-05-03-140007.age.tmp",
            "amends-backup-2026-05-03.age",
            "amends-backup-2026-05-03-14000x.age",
            "my-amends-backup-2026-05-03-140007.age",
            "amends-backup-2026-05-03-140007.AGE",
            "amends-backup-2026_05-03-140007.age",
            ".amends-backup-partial-0011aabbccdd",
            "notes.txt",
        ] {
            assert!(!is_automatic_name(not), "{not}");
        }
    }

    #[test]
    fn problems_round_trip_through_their_codes() {
        for p in BackupProblem::ALL {
            assert_eq!(BackupProblem::parse(p.code()), *p);
            assert!(!p.words().contains('/'), "no path in the words");
        }
        assert_eq!(BackupProblem::parse("nonsense"), BackupProblem::Failed);
        let io = |k| std::io::Error::from(k);
        assert_eq!(
            BackupProblem::of(&io(std::io::ErrorKind::NotFound)),
            BackupProblem::FolderMissing
        );
        assert_eq!(
            BackupProblem::of(&io(std::io::ErrorKind::PermissionDenied)),
            BackupProblem::NotWritable
        );
        assert_eq!(
            BackupProblem::of(&std::io::Error::from_raw_os_error(28)),
            BackupProblem::Full
        );
    }
}
