//! Where passphrases and recovery keys come from: a file, the environment, or a prompt without echo.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context, Result, bail};
use secrecy::{ExposeSecret, SecretString};

/// Reads a secret from a file, dropping one trailing line break.
fn from_file(path: &Path, what: &str) -> Result<SecretString> {
    let raw = std::fs::read_to_string(path)
        .with_context(|| format!("the {what} file {} could not be read", path.display()))?;
    let raw = zeroize::Zeroizing::new(raw);
    let trimmed = raw
        .strip_suffix("\r\n")
        .or_else(|| raw.strip_suffix('\n'))
        .unwrap_or(&raw);
    Ok(SecretString::from(trimmed.to_string()))
}

fn prompt(label: &str) -> Result<SecretString> {
    if !std::io::stdin().is_terminal() {
        bail!(
            "no {} was given and there is no terminal to ask in; set it in the environment or pass a file (see `amends --help`)",
            label.to_lowercase()
        );
    }
    let s = rpassword::prompt_password(format!("{label}: ")).with_context(|| {
        format!(
            "the {} could not be read from the terminal",
            label.to_lowercase()
        )
    })?;
    Ok(SecretString::from(s))
}

/// The passphrase that opens the vault.
pub fn passphrase(file: Option<&Path>) -> Result<SecretString> {
    if let Some(f) = file {
        return from_file(f, "passphrase");
    }
    if let Ok(v) = std::env::var("AMENDS_PASSPHRASE") {
        return Ok(SecretString::from(v));
    }
    prompt("Passphrase")
}

/// A new passphrase, asked for twice when typed.
pub fn new_passphrase(file: Option<&Path>, env: &str, label: &str) -> Result<SecretString> {
    if let Some(f) = file {
        return from_file(f, "passphrase");
    }
    if let Ok(v) = std::env::var(env) {
        return Ok(SecretString::from(v));
    }
    let first = prompt(label)?;
    let second = prompt("Type it again")?;
    if first.expose_secret() != second.expose_secret() {
        bail!("the two passphrases were not the same; nothing was changed, try again");
    }
    Ok(first)
}

/// A passphrase chosen before (a backup's, say), asked for once when typed.
/// The passphrase of a new vault (`init`, `restore`): from the file, else from
/// `AMENDS_PASSPHRASE` (for scripts), else chosen at the terminal, typed twice, asked as `label`.
pub fn new_vault_passphrase(file: Option<&Path>, label: &str) -> Result<SecretString> {
    match (file, std::env::var("AMENDS_PASSPHRASE")) {
        (Some(f), _) => new_passphrase(Some(f), "AMENDS_PASSPHRASE", "Passphrase"),
        (None, Ok(_)) => passphrase(None),
        (None, Err(_)) => new_passphrase(None, "AMENDS_PASSPHRASE", label),
    }
}

pub fn existing(file: Option<&Path>, env: &str, label: &str) -> Result<SecretString> {
    if let Some(f) = file {
        return from_file(f, "passphrase");
    }
    if let Ok(v) = std::env::var(env) {
        return Ok(SecretString::from(v));
    }
    prompt(label)
}

/// The recovery key written down at creation.
pub fn recovery_key(file: Option<&Path>) -> Result<SecretString> {
    if let Some(f) = file {
        return from_file(f, "recovery key");
    }
    if let Ok(v) = std::env::var("AMENDS_RECOVERY_KEY") {
        return Ok(SecretString::from(v));
    }
    prompt("Recovery key")
}

/// A gentle word on short passphrases; never a refusal.
pub fn strength_note(p: &SecretString) -> Option<&'static str> {
    let n = p.expose_secret().chars().count();
    (n < 12).then_some(
        "This passphrase is short. A phrase of four or more ordinary words is far harder to guess and easy to remember; you can change it any time with `amends passphrase`.",
    )
}
