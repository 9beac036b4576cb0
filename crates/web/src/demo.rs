//! The demo: a throwaway vault with a made-up person's list, so a newcomer can look around
//! before typing anything of their own.

use std::path::Path;

use amends_core::model::{PartyKind, Settings, Willingness};
use amends_vault::{Vault, VaultError};
use secrecy::SecretString;

/// The demo vault's passphrase (shown on its unlock page: there is nothing private in it).
pub const PASSPHRASE: &str = "demo";

/// Creates the demo vault at `path` and fills it.
pub fn create(path: &Path) -> Result<Vault, VaultError> {
    let created = Vault::create(path, &SecretString::from(PASSPHRASE), &Settings::default())?;
    let mut vault = created.vault;
    fill(&mut vault)?;
    Ok(vault)
}

fn fill(vault: &mut Vault) -> Result<(), VaultError> {
    let now = crate::state::now();
    let p = vault.add_party("Sam (my brother)", PartyKind::Person, "brother", "", &now)?;
    vault.set_willingness(
        &amends_vault::PartyRef::Id(p.id),
        Willingness::Now,
        "",
        &now,
    )?;
    Ok(())
}
