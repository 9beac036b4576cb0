//! The calendar subscription, as the vault keeps it (table `calendar_settings`, schema V6): the
//! secret token in the subscription's address (empty: no subscription) and whether event titles
//! may carry names. The token never leaves the vault except in the address shown to the person;
//! it is not exported. A new token replaces the old one, so the old address stops working.
//!
//! The table also holds the vault's calendar key: 8 random bytes in hex, made with the table,
//! the last part of every event's UID so that two vaults' events never collide in one calendar
//! app. It says nothing about the vault; a restored copy gets a new one (see `backup.rs`).

use crate::{Vault, VaultError};

/// Bytes of randomness in a token (shown as 64 hexadecimal digits).
pub const TOKEN_BYTES: usize = 32;

/// The calendar subscription's settings.
#[derive(Clone, PartialEq, Eq)]
pub struct CalendarSettings {
    /// The secret in the subscription's address; `None` when there is no subscription.
    pub token: Option<String>,
    /// Whether event titles carry the names of the people on the list.
    pub names: bool,
    /// This vault's part of every calendar UID (16 hexadecimal digits): random, not a secret.
    pub uid_key: String,
}

// The token is a secret: never in a log or an error.
impl std::fmt::Debug for CalendarSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CalendarSettings")
            .field("token", &self.token.as_ref().map(|_| "(set)"))
            .field("names", &self.names)
            .field("uid_key", &self.uid_key)
            .finish()
    }
}

fn new_token() -> Result<String, VaultError> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes).map_err(|_| VaultError::Randomness)?;
    Ok(hex::encode(bytes))
}

impl Vault {
    /// The calendar subscription's settings.
    pub fn calendar_settings(&self) -> Result<CalendarSettings, VaultError> {
        let (token, names, uid_key): (String, i64, String) = self.conn.query_row(
            "SELECT token, names, uid_key FROM calendar_settings WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        Ok(CalendarSettings {
            token: (!token.is_empty()).then_some(token),
            names: names != 0,
            uid_key,
        })
    }

    /// Turns the subscription on: keeps the token there is, or makes one. Returns the token.
    pub fn start_calendar(&mut self) -> Result<String, VaultError> {
        let fresh = new_token()?;
        self.write(|tx| {
            tx.execute(
                "UPDATE calendar_settings SET token = ?1 WHERE id = 1 AND token = ''",
                [&fresh],
            )?;
            Ok(tx.query_row(
                "SELECT token FROM calendar_settings WHERE id = 1",
                [],
                |r| r.get(0),
            )?)
        })
    }

    /// A new token (the subscription is on afterwards); the old address stops working.
    pub fn new_calendar_token(&mut self) -> Result<String, VaultError> {
        let token = new_token()?;
        self.write(|tx| {
            tx.execute(
                "UPDATE calendar_settings SET token = ?1 WHERE id = 1",
                [&token],
            )?;
            Ok(())
        })?;
        Ok(token)
    }

    /// Stops the subscription: no address works until it is turned on again (with a new one).
    pub fn stop_calendar(&mut self) -> Result<(), VaultError> {
        self.write(|tx| {
            tx.execute("UPDATE calendar_settings SET token = '' WHERE id = 1", [])?;
            Ok(())
        })
    }

    /// Whether event titles carry names.
    pub fn set_calendar_names(&mut self, names: bool) -> Result<(), VaultError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE calendar_settings SET names = ?1 WHERE id = 1",
                [i64::from(names)],
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use amends_core::model::Settings;
    use secrecy::SecretString;

    fn vault() -> (tempfile::TempDir, Vault) {
        let dir = tempfile::tempdir().unwrap();
        let cheap = crate::KdfParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        };
        let v = Vault::create_with(
            &dir.path().join("v.amends"),
            &SecretString::from("calendar test words"),
            &Settings::default(),
            cheap,
        )
        .unwrap()
        .vault;
        (dir, v)
    }

    #[test]
    fn a_subscription_starts_off_and_a_new_token_revokes_the_old() {
        let (_dir, mut v) = vault();
        let s = v.calendar_settings().unwrap();
        assert_eq!(s.token, None);
        assert!(!s.names);

        let first = v.start_calendar().unwrap();
        assert_eq!(first.len(), 2 * TOKEN_BYTES);
        assert!(first.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(
            v.start_calendar().unwrap(),
            first,
            "on again keeps the address"
        );
        assert_eq!(
            v.calendar_settings().unwrap().token.as_deref(),
            Some(&*first)
        );

        let second = v.new_calendar_token().unwrap();
        assert_ne!(second, first);
        assert_eq!(v.calendar_settings().unwrap().token, Some(second.clone()));

        v.set_calendar_names(true).unwrap();
        assert!(v.calendar_settings().unwrap().names);
        assert!(!format!("{:?}", v.calendar_settings().unwrap()).contains(&second));

        v.stop_calendar().unwrap();
        let s = v.calendar_settings().unwrap();
        assert_eq!(s.token, None);
        assert!(s.names, "the choice of names stays");
        let third = v.start_calendar().unwrap();
        assert!(
            third != first && third != second,
            "a stopped address never comes back"
        );
    }

    #[test]
    fn each_vault_has_its_own_calendar_key_and_keeps_it() {
        let (_dir, mut v) = vault();
        let key = v.calendar_settings().unwrap().uid_key;
        assert_eq!(key.len(), 16);
        assert!(key.bytes().all(|b| b.is_ascii_hexdigit()));
        v.new_calendar_token().unwrap();
        v.set_calendar_names(true).unwrap();
        v.stop_calendar().unwrap();
        assert_eq!(v.calendar_settings().unwrap().uid_key, key, "stable");
        let (_other_dir, other) = vault();
        assert_ne!(other.calendar_settings().unwrap().uid_key, key);
    }
}
