//! Sending through a relay, as the vault keeps it: the relay's address (a setting) and the
//! outbox, where every bundle meant for the relay waits until the relay has accepted it.
//!
//! A bundle enters the outbox in the same transaction that logs it as sent, and leaves only
//! when the caller reports that the relay stored it. So a relay that is down, a refusal, or a
//! crash in between never loses a bundle: at worst it is sent twice, and the receiving app
//! drops the second copy as one it already has. Nothing here talks to the network, and nothing
//! stored here comes from it except one of this app's short error codes.

use amends_core::model::Id;
use amends_core::{Invalid, Now};
use jiff::Timestamp;
use rusqlite::{OptionalExtension, Row, params};

use crate::load::ts;
use crate::sharing::{CheckedSent, bad, count, stamp};
use crate::{SentInput, SentKind, Vault, VaultError};

/// The longest relay address kept.
const ADDRESS_MAX: usize = 2048;

/// A bundle waiting to be sent through the relay. The bundle's bytes are read separately
/// ([`Vault::outbox_bundle`]), so listing the outbox stays cheap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: Id,
    /// The entry in the log of what was sent (`Vault::sent_log`) for this bundle.
    pub sent_id: Option<Id>,
    /// `None` once the contact was removed (a last "stop" bundle still goes).
    pub contact_id: Option<Id>,
    /// The contact's name when it was sealed.
    pub contact_label: String,
    /// The recipient's ed25519 key, 64 lowercase hex digits: their mailbox is named after it.
    pub recipient_key: String,
    pub kind: SentKind,
    pub sequence: u64,
    /// The size of the bundle in bytes.
    pub bytes: u64,
    pub created: Timestamp,
    /// How many times sending it was tried and did not succeed.
    pub attempts: u64,
    pub last_attempt: Option<Timestamp>,
    /// Why the last try did not succeed: a short code (`unreachable`, `mailbox_full`, ...).
    pub last_error: Option<String>,
}

const OUTBOX_COLS: &str = "id, sent_id, contact_id, contact_label, recipient_key, kind, sequence, \
     length(bundle), created, attempts, last_attempt, last_error";

fn outbox_row(r: &Row<'_>) -> Result<OutboxEntry, VaultError> {
    let kind: String = r.get(5)?;
    let created: String = r.get(8)?;
    let last: Option<String> = r.get(10)?;
    Ok(OutboxEntry {
        id: r.get(0)?,
        sent_id: r.get(1)?,
        contact_id: r.get(2)?,
        contact_label: r.get(3)?,
        recipient_key: r.get(4)?,
        kind: SentKind::parse(&kind).map_err(|_| bad("kind"))?,
        sequence: count(r.get(6)?, "sequence")?,
        bytes: count(r.get(7)?, "size")?,
        created: ts(&created)?,
        attempts: count(r.get(9)?, "count")?,
        last_attempt: last.map(|t| ts(&t)).transpose()?,
        last_error: r.get(11)?,
    })
}

/// A relay address as stored: trimmed, one line, no spaces; `None` when empty. Whether it is a
/// well-formed http(s) address is the sharing crate's question; the vault keeps text.
pub(crate) fn address_text(address: Option<&str>) -> Result<Option<String>, VaultError> {
    let Some(a) = address.map(str::trim).filter(|a| !a.is_empty()) else {
        return Ok(None);
    };
    if a.len() > ADDRESS_MAX || a.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Invalid::new(
            "relay",
            "must be one web address, such as https://relay.example.org, without spaces",
        )
        .into());
    }
    Ok(Some(a.to_string()))
}

/// An error code as stored: a few lowercase letters and underscores.
fn error_code(code: &str) -> Result<&str, VaultError> {
    if code.is_empty()
        || code.len() > 32
        || !code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
    {
        return Err(Invalid::new("error", "must be a short code in lowercase letters").into());
    }
    Ok(code)
}

impl Vault {
    /// The relay address in the settings, if one was chosen.
    pub fn relay_address(&self) -> Result<Option<String>, VaultError> {
        let a: String =
            self.conn
                .query_row("SELECT relay FROM settings WHERE id = 1", [], |r| r.get(0))?;
        Ok((!a.is_empty()).then_some(a))
    }

    /// Sets the relay address (`None` or empty: no relay).
    pub fn set_relay_address(&mut self, address: Option<&str>) -> Result<(), VaultError> {
        let a = address_text(address)?.unwrap_or_default();
        self.write(|tx| {
            tx.execute("UPDATE settings SET relay = ?1 WHERE id = 1", [a])?;
            Ok(())
        })
    }

    /// Logs a bundle as sent (as `record_sent` does) and puts it in the outbox, in one
    /// transaction, with the recipient's key taken from the contact. Returns the outbox id.
    pub fn record_sent_to_outbox(
        &mut self,
        s: &SentInput,
        bundle: &[u8],
        now: &Now,
    ) -> Result<Id, VaultError> {
        let checked = CheckedSent::new(s)?;
        if bundle.is_empty() {
            return Err(Invalid::new("bundle", "is empty; nothing was stored").into());
        }
        self.write(|tx| {
            let (sent_id, contact) = checked.insert(tx, now)?;
            tx.execute(
                "INSERT INTO outbox (sent_id, contact_id, contact_label, recipient_key, kind, sequence, bundle, created)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    sent_id,
                    contact.id,
                    contact.label,
                    contact.sign_key,
                    s.kind.code(),
                    crate::sharing::stored("sequence", s.sequence)?,
                    bundle,
                    stamp(now)
                ],
            )?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// Every bundle waiting for the relay, oldest first (the order they must be sent in).
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>, VaultError> {
        let mut st = self
            .conn
            .prepare_cached(&format!("SELECT {OUTBOX_COLS} FROM outbox ORDER BY id"))?;
        let mut rows = st.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(outbox_row(r)?);
        }
        Ok(out)
    }

    /// One waiting bundle's entry, if it is still waiting.
    pub fn outbox_entry(&self, id: Id) -> Result<Option<OutboxEntry>, VaultError> {
        let mut st = self
            .conn
            .prepare_cached(&format!("SELECT {OUTBOX_COLS} FROM outbox WHERE id = ?1"))?;
        let mut rows = st.query([id])?;
        rows.next()?.map(outbox_row).transpose()
    }

    /// The bytes of a waiting bundle, to send; `None` if it is no longer waiting.
    pub fn outbox_bundle(&self, id: Id) -> Result<Option<Vec<u8>>, VaultError> {
        Ok(self
            .conn
            .query_row("SELECT bundle FROM outbox WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Records a try that did not succeed, with its short error code. The bundle stays.
    pub fn mark_outbox_attempt(
        &mut self,
        id: Id,
        error: &str,
        now: &Now,
    ) -> Result<(), VaultError> {
        let code = error_code(error)?;
        self.write(|tx| {
            tx.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_attempt = ?2, last_error = ?3
                 WHERE id = ?1",
                params![id, stamp(now), code],
            )?;
            Ok(())
        })
    }

    /// The relay stored the bundle: it leaves the outbox. Returns whether it was there.
    pub fn delete_outbox(&mut self, id: Id) -> Result<bool, VaultError> {
        self.write(|tx| Ok(tx.execute("DELETE FROM outbox WHERE id = ?1", [id])? > 0))
    }

    /// A waiting bundle with its bytes, to save it as a file. `VaultError::NoSuch` if it is no
    /// longer waiting.
    pub fn outbox_item(&self, id: Id) -> Result<(OutboxEntry, Vec<u8>), VaultError> {
        let entry = self.outbox_entry(id)?.ok_or(no_such_waiting(id))?;
        let bytes = self.outbox_bundle(id)?.ok_or(no_such_waiting(id))?;
        Ok((entry, bytes))
    }

    /// The person chose not to send a waiting bundle: it leaves the outbox and is never sent.
    /// The log of what was sent keeps its entry (it was sealed), and nothing else changes.
    /// Returns the entry as it was; `VaultError::NoSuch` if it is no longer waiting.
    pub fn discard_outbox(&mut self, id: Id) -> Result<OutboxEntry, VaultError> {
        self.write(|tx| {
            let entry = {
                let mut st =
                    tx.prepare_cached(&format!("SELECT {OUTBOX_COLS} FROM outbox WHERE id = ?1"))?;
                let mut rows = st.query([id])?;
                rows.next()?.map(outbox_row).transpose()?
            }
            .ok_or(no_such_waiting(id))?;
            tx.execute("DELETE FROM outbox WHERE id = ?1", [id])?;
            Ok(entry)
        })
    }
}

fn no_such_waiting(id: Id) -> VaultError {
    VaultError::NoSuch {
        what: "bundle waiting to be sent",
        id,
        hint: "It may have gone through the relay already, or been discarded.",
    }
}
