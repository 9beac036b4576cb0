//! What the sharing tests have in common: real encrypted vaults made quickly, and a clock.

use amends_core::Now;
use amends_core::model::Settings;
use amends_vault::{KdfParams, Vault};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use secrecy::SecretString;
use tempfile::TempDir;

/// A key derivation cheap enough for tests; the vault is otherwise as real as any.
const FAST: KdfParams = KdfParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

/// A new vault named `name` in `dir`.
pub fn vault(dir: &TempDir, name: &str) -> Vault {
    Vault::create_with(
        &dir.path().join(name),
        &SecretString::from("pw".to_string()),
        &Settings::default(),
        FAST,
    )
    .unwrap()
    .vault
}

/// A fixed moment, `hour` hours after the tests' day began.
pub fn at(hour: i64) -> Now {
    Now::new(
        Timestamp::from_second(1_790_000_000 + hour * 3600).unwrap(),
        TimeZone::UTC,
    )
}
