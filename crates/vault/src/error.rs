//! Everything that can go wrong with the vault, in words a person can act on.
//! No message here ever contains what the person wrote.

use std::path::PathBuf;

use amends_core::{CoreError, Invalid, Refusal};

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error(
        "That passphrase does not open this vault. Nothing was changed. Check it and try again, or use your recovery key (amends recover)."
    )]
    WrongPassphrase,
    /// Too many wrong tries in a row: the next may come after `wait_secs` (see `throttle`).
    #[error("{}", too_many_tries(*wait_secs, *recovery_key))]
    TooManyTries { wait_secs: u64, recovery_key: bool },
    #[error(
        "That recovery key does not open this vault. Nothing was changed. Check each group of the key you wrote down."
    )]
    WrongRecoveryKey,
    #[error(
        "That is not a recovery key: it is 64 hexadecimal digits (0-9, A-F), usually written in eight groups of eight."
    )]
    RecoveryKeyMalformed,
    #[error(
        "There is no vault at {path}. Create one with `amends init`, or point --vault at an existing one."
    )]
    NotFound { path: PathBuf },
    #[error(
        "A vault already exists at {path}. Nothing was changed. Choose another path with --vault."
    )]
    AlreadyExists { path: PathBuf },
    #[error(
        "The key file {path} is missing, so the passphrase cannot open the vault. Open it with your recovery key and set a new passphrase: amends recover."
    )]
    KeyFileMissing { path: PathBuf },
    #[error(
        "The key file beside the vault is damaged or not an Amends key file. Open the vault with your recovery key and set a new passphrase: amends recover."
    )]
    KeyFileDamaged,
    #[error(
        "The passphrase unlocked the key file, but the key does not open this vault: the key file belongs to another vault. Use your recovery key (amends recover)."
    )]
    KeyMismatch,
    #[error(
        "This file is not an Amends vault, or it is damaged. Nothing was changed. If you have a backup, restore it."
    )]
    NotAVault,
    #[error(
        "This vault was written by a newer version of Amends (format {found}; this version knows up to {known}). Nothing was changed. Install the newer version to open it."
    )]
    TooNew { found: i64, known: i64 },
    #[error(
        "The passphrase cannot be empty. Choose a phrase of several words that you can remember."
    )]
    EmptyPassphrase,
    #[error("The system could not provide secure random numbers; nothing was written. Try again.")]
    Randomness,
    #[error(
        "The vault is busy in another window or program. Nothing was changed; try again in a moment."
    )]
    Busy,
    #[error("No party matches that name or id. See the list with `amends party list`.")]
    NoSuchParty,
    #[error("More than one party has that name (ids {0}). Refer to the party by its id.")]
    AmbiguousParty(String),
    #[error("No contact matches that name or id. See your contacts with `amends contact list`.")]
    NoSuchContact,
    #[error(
        "This bundle is older than, or the same as, one already opened from this person. Nothing was changed. Ask them to send a new one."
    )]
    Replayed,
    #[error("There is no {what} with id {id}. {hint}")]
    NoSuch {
        what: &'static str,
        id: i64,
        hint: &'static str,
    },
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    Refused(Refusal),
    #[error(
        "Import goes only into an empty vault, and this one already has {0} parties. Nothing was changed. Create a new vault with `amends init --vault NEW` and import into that."
    )]
    ImportNotEmpty(usize),
    #[error("The file cannot be imported: {0}. Nothing was changed.")]
    Import(String),
    #[error("The vault could not be read or written ({0}). Nothing was changed.")]
    Storage(String),
    #[error("A file could not be read or written: {0}")]
    Io(#[from] std::io::Error),
}

fn too_many_tries(wait_secs: u64, recovery_key: bool) -> String {
    let wait = seconds(wait_secs);
    if recovery_key {
        format!(
            "Too many wrong tries in a row: wait {wait} before trying again. Nothing was changed. Check each group of the recovery key you wrote down."
        )
    } else {
        format!(
            "Too many wrong passphrases in a row: wait {wait} before trying again, or use the recovery key with `amends recover` if the passphrase is lost. Nothing was changed."
        )
    }
}

/// "1 second", "5 seconds".
pub(crate) fn seconds(n: u64) -> String {
    if n == 1 {
        "1 second".into()
    } else {
        format!("{n} seconds")
    }
}

impl From<rusqlite::Error> for VaultError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => VaultError::Busy,
            Some(ErrorCode::NotADatabase) => VaultError::NotAVault,
            // The SQLite code says what failed without quoting any value.
            Some(code) => VaultError::Storage(format!("{code:?}")),
            None => VaultError::Storage("unexpected data in the vault".into()),
        }
    }
}

impl From<rusqlite_migration::Error> for VaultError {
    fn from(e: rusqlite_migration::Error) -> Self {
        match e {
            rusqlite_migration::Error::RusqliteError { err, .. } => err.into(),
            _ => VaultError::Storage("the schema could not be updated".into()),
        }
    }
}

impl From<Invalid> for VaultError {
    fn from(e: Invalid) -> Self {
        VaultError::Invalid {
            field: e.field.to_string(),
            message: e.message,
        }
    }
}

impl From<Refusal> for VaultError {
    fn from(e: Refusal) -> Self {
        VaultError::Refused(e)
    }
}

impl From<CoreError> for VaultError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Invalid(i) => i.into(),
            CoreError::Refused(r) => r.into(),
        }
    }
}
