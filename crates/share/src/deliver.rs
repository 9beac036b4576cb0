//! Sending and receiving through a relay, as the CLI and the web app call it: the relay address
//! in the settings, sending what waits in the outbox, and checking this vault's mailbox.
//!
//! Nothing is lost on the way. A bundle meant for the relay is in the outbox from the moment it
//! is sealed (`seal_share_for_relay`, `seal_review_for_relay`, `remove_contact_for_relay`) and
//! leaves it only when the relay has answered 201. A bundle fetched from the relay is
//! acknowledged (and so deleted there) only once it is stored here, or once it is certain that
//! it can never be opened. Every step blocks; a web handler runs it in `spawn_blocking`.

use std::collections::HashSet;

use amends_core::Now;
use amends_core::model::Id;
use amends_relay_proto::PendingBundle;
use amends_vault::{Contact, OutboxEntry, Vault, VaultError};

use crate::ShareError;
use crate::bundle::open;
use crate::flow::{Received, file_opened, identity, signer_contact};
use crate::identity::{Identity, verifying_key_hex};
use crate::relay::{KeyHash, Relay, RelayError, check_address};

/// Keeps (or with `None`, clears) the relay address in the settings, after checking it.
/// Returns the address as kept.
pub fn set_relay_address(
    vault: &mut Vault,
    address: Option<&str>,
) -> Result<Option<String>, ShareError> {
    let checked = match address.map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => Some(check_address(a)?),
        None => None,
    };
    vault.set_relay_address(checked.as_deref())?;
    Ok(checked)
}

/// The relay to use: `via` when given, otherwise the address in the settings
/// (`ShareError::NoRelay` if there is none).
pub fn relay_for(vault: &Vault, via: Option<&str>) -> Result<Relay, ShareError> {
    let address = match via.map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => a.to_string(),
        None => vault.relay_address()?.ok_or(ShareError::NoRelay)?,
    };
    Ok(Relay::new(&address)?)
}

/// What became of a bundle handed to the relay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The relay has it; it left the outbox.
    Sent,
    /// It is still in the outbox and will go the next time the outbox is sent. `why` says what
    /// stopped it (`why.is_passing()`: the relay was down or busy, so trying later will do).
    Saved { why: RelayError },
}

/// A bundle that stayed in the outbox, and why.
#[derive(Clone, Debug)]
pub struct Unsent {
    pub entry: OutboxEntry,
    pub why: RelayError,
    /// Whether it was sent to the relay at all this time (`false`: the relay was already
    /// unreachable, or an earlier bundle to the same person had to wait, and order matters).
    pub tried: bool,
}

/// What sending the outbox did.
#[derive(Clone, Debug, Default)]
pub struct FlushReport {
    /// Delivered to the relay now, oldest first.
    pub sent: Vec<OutboxEntry>,
    /// Still in the outbox.
    pub unsent: Vec<Unsent>,
}

impl FlushReport {
    /// The error that made the relay unreachable, if it was.
    pub fn unreachable(&self) -> Option<&RelayError> {
        self.unsent
            .iter()
            .map(|u| &u.why)
            .find(|w| w.is_unreachable())
    }
}

/// Sends one bundle from the outbox (`Sealed::outbox`). Bundles to the same person that were
/// sealed before it and still wait go first, in order, because the receiving app keeps only
/// what is newer than what it has: so this may send more than one.
pub fn send_via(
    vault: &mut Vault,
    outbox_id: Id,
    relay: &Relay,
    now: &Now,
) -> Result<Delivery, ShareError> {
    let Some(target) = vault.outbox_entry(outbox_id)? else {
        // No longer waiting: an earlier run delivered it.
        return Ok(Delivery::Sent);
    };
    let entries: Vec<OutboxEntry> = vault
        .outbox()?
        .into_iter()
        .filter(|e| e.recipient_key == target.recipient_key && e.id <= target.id)
        .collect();
    let report = flush_entries(vault, relay, entries, now)?;
    Ok(
        match report.unsent.into_iter().find(|u| u.entry.id == outbox_id) {
            Some(u) => Delivery::Saved { why: u.why },
            None => Delivery::Sent,
        },
    )
}

/// Sends everything in the outbox, oldest first. A bundle the relay does not take stays, with
/// the reason kept as a short code; when the relay cannot be reached, the rest is not tried.
/// When a bundle has to wait for a passing reason (a full mailbox, say), later bundles to the
/// same person wait too, so they arrive in the order they were sealed.
pub fn flush_outbox(
    vault: &mut Vault,
    relay: &Relay,
    now: &Now,
) -> Result<FlushReport, ShareError> {
    let entries = vault.outbox()?;
    flush_entries(vault, relay, entries, now)
}

fn flush_entries(
    vault: &mut Vault,
    relay: &Relay,
    entries: Vec<OutboxEntry>,
    now: &Now,
) -> Result<FlushReport, ShareError> {
    let mut report = FlushReport::default();
    if entries.is_empty() {
        return Ok(report);
    }
    let me = identity(vault, now)?;
    let mut stopped: Option<RelayError> = None;
    let mut held: Vec<(String, RelayError)> = Vec::new();
    for entry in entries {
        if let Some(why) = &stopped {
            report.unsent.push(Unsent {
                entry,
                why: why.clone(),
                tried: false,
            });
            continue;
        }
        if let Some((_, why)) = held.iter().find(|(k, _)| *k == entry.recipient_key) {
            report.unsent.push(Unsent {
                why: why.clone(),
                entry,
                tried: false,
            });
            continue;
        }
        let Some(bytes) = vault.outbox_bundle(entry.id)? else {
            // Sent meanwhile by another window.
            continue;
        };
        let Some(key) = verifying_key_hex(&entry.recipient_key) else {
            return Err(ShareError::Vault(VaultError::Storage(
                "a recipient key in the outbox could not be read".into(),
            )));
        };
        match relay.post(&me, &KeyHash::of(&key), &bytes) {
            Ok(_) => {
                vault.delete_outbox(entry.id)?;
                report.sent.push(entry);
            }
            Err(why) => {
                vault.mark_outbox_attempt(entry.id, why.code(), now)?;
                let rate_limited = matches!(&why, RelayError::Refused(r) if r.code == amends_relay_proto::codes::RATE_LIMITED);
                if why.is_unreachable() || rate_limited {
                    stopped = Some(why.clone());
                } else if why.is_passing() {
                    held.push((entry.recipient_key.clone(), why.clone()));
                }
                report.unsent.push(Unsent {
                    entry,
                    why,
                    tried: true,
                });
            }
        }
    }
    Ok(report)
}

/// A bundle waiting in the outbox, as a file to pass by hand instead: the same sealed bytes
/// (the receiver opens it as any bundle file), and a file name with no one's name in it.
#[derive(Clone, Debug)]
pub struct OutboxFile {
    pub entry: OutboxEntry,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// A waiting bundle as a file (`ShareError::Vault(VaultError::NoSuch)` if it no longer
/// waits). It stays in the outbox: saving it is not sending it, and if the relay takes it later
/// too, the receiving app keeps only the first copy it opens.
pub fn outbox_file(vault: &Vault, outbox_id: Id, now: &Now) -> Result<OutboxFile, ShareError> {
    let (entry, bytes) = vault.outbox_item(outbox_id)?;
    Ok(OutboxFile {
        file_name: format!(
            "amends-{}-{}-{}.age",
            entry.kind.code(),
            now.date_of(entry.created),
            entry.sequence
        ),
        entry,
        bytes,
    })
}

/// The person chose not to send a waiting bundle: it leaves the outbox and no check sends it
/// again. What it held stays in the vault, and the log of what was sent still lists it as
/// sealed. Returns its entry, to say what was discarded.
pub fn discard_outbox(vault: &mut Vault, outbox_id: Id) -> Result<OutboxEntry, ShareError> {
    Ok(vault.discard_outbox(outbox_id)?)
}

/// Why a bundle was left on the relay, to be fetched again later.
#[derive(Debug)]
pub enum WaitReason {
    /// Signed by someone who is not a contact. It opens once their contact code is added and
    /// verified (before the relay lets it expire), or it can be blocked.
    UnknownSender,
    /// From a contact whose fingerprint is not confirmed yet. It opens once they are verified.
    Unverified(Contact),
    /// Made by a newer version of Amends (`ShareError::TooNew` or `Unreadable`): it opens after
    /// updating.
    NewerVersion(ShareError),
    /// It could not be stored just now (the vault was busy, say); it is tried again next time.
    NotStored(ShareError),
    /// An earlier bundle from the same sender could not be stored just now; this one waits
    /// behind it so that they open in order.
    Behind,
}

/// A bundle left on the relay.
#[derive(Debug)]
pub struct Waiting {
    /// The key hash of whoever posted it, as the relay saw it: what `relay block` takes.
    /// `None` if the relay gave something that is not a key hash.
    pub sender: Option<KeyHash>,
    pub why: WaitReason,
}

/// A bundle that can never be opened here (altered, not an Amends bundle, addressed to someone
/// else, badly signed, or holding something this vault refuses): acknowledged so that the relay
/// deletes it. Nothing was changed.
#[derive(Debug)]
pub struct Refused {
    pub sender: Option<KeyHash>,
    pub why: ShareError,
}

/// What checking the mailbox did.
#[derive(Debug, Default)]
pub struct InboxReport {
    /// Sending the outbox first.
    pub sent: FlushReport,
    /// Opened and stored, in the order they arrived: the same outcomes as `receive`.
    pub received: Vec<Received>,
    /// Copies of bundles already opened (or older than one opened): acknowledged, nothing changed.
    pub duplicates: usize,
    /// Left on the relay for later.
    pub waiting: Vec<Waiting>,
    /// Acknowledged and dropped: they can never be opened.
    pub refused: Vec<Refused>,
    /// The relay could not be reached or refused part-way: everything above happened, and
    /// whatever was not fetched or acknowledged is still on the relay for next time.
    pub interrupted: Option<RelayError>,
}

/// What to do with one fetched bundle.
enum Outcome {
    Stored(Box<Received>),
    Duplicate,
    Wait(WaitReason),
    Refuse(ShareError),
}

/// Checks this vault's mailbox on the relay: first sends what waits in the outbox, then fetches
/// everything pending, opens each bundle, and acknowledges it only once it is stored (or can
/// never be opened). One bundle that cannot be opened never stops the others. Returns `Err`
/// only for a problem with this vault; the relay's problems are in `InboxReport::interrupted`
/// (and `sent.unsent`).
pub fn check_inbox(vault: &mut Vault, relay: &Relay, now: &Now) -> Result<InboxReport, ShareError> {
    let mut report = InboxReport {
        sent: flush_outbox(vault, relay, now)?,
        ..InboxReport::default()
    };
    if let Some(why) = report.sent.unreachable() {
        report.interrupted = Some(why.clone());
        return Ok(report);
    }
    let me = identity(vault, now)?;
    let mut seen: HashSet<String> = HashSet::new();
    loop {
        let page = match relay.fetch(&me, None) {
            Ok(page) => page,
            Err(e) => {
                report.interrupted = Some(e);
                break;
            }
        };
        // Bundles left waiting come back in every fetch: stop when nothing new arrives.
        let fresh: Vec<PendingBundle> = page
            .bundles
            .into_iter()
            .filter(|b| seen.insert(b.id.clone()))
            .collect();
        if fresh.is_empty() {
            break;
        }
        let mut acks = Vec::new();
        // Once a bundle from a sender could not be stored, later ones from them wait too, so
        // that none is opened out of order (an earlier one would then count as a replay).
        let mut held_senders: HashSet<String> = HashSet::new();
        for b in fresh {
            let sender = b.sender.parse::<KeyHash>().ok();
            if held_senders.contains(&b.sender) {
                report.waiting.push(Waiting {
                    sender,
                    why: WaitReason::Behind,
                });
                continue;
            }
            match one(vault, &me, &b.bundle, now) {
                Outcome::Stored(r) => {
                    acks.push(b.id);
                    report.received.push(*r);
                }
                Outcome::Duplicate => {
                    acks.push(b.id);
                    report.duplicates += 1;
                }
                Outcome::Refuse(why) => {
                    acks.push(b.id);
                    report.refused.push(Refused { sender, why });
                }
                Outcome::Wait(why) => {
                    if matches!(why, WaitReason::NotStored(_)) {
                        held_senders.insert(b.sender.clone());
                    }
                    report.waiting.push(Waiting { sender, why });
                }
            }
        }
        if !acks.is_empty()
            && let Err(e) = relay.ack(&me, &acks)
        {
            // Stored here but still on the relay: the next check fetches them again and
            // finds them already opened, so they are acknowledged then.
            report.interrupted = Some(e);
            break;
        }
        if !page.more {
            break;
        }
    }
    Ok(report)
}

/// Opens and files one fetched bundle, and decides whether the relay may delete it.
fn one(vault: &mut Vault, me: &Identity, bytes: &[u8], now: &Now) -> Outcome {
    let opened = match open(bytes, me) {
        Ok(o) => o,
        Err(e) => return outcome_of(e),
    };
    let contact = match signer_contact(vault, &opened) {
        Ok(Some(c)) => c,
        Ok(None) => return Outcome::Wait(WaitReason::UnknownSender),
        Err(e) => return outcome_of(e),
    };
    if contact.verified.is_none() {
        return Outcome::Wait(WaitReason::Unverified(contact));
    }
    match file_opened(vault, contact, opened, now) {
        Ok(r) => Outcome::Stored(Box::new(r)),
        Err(e) => outcome_of(e),
    }
}

fn outcome_of(e: ShareError) -> Outcome {
    match e {
        ShareError::Vault(VaultError::Replayed) => Outcome::Duplicate,
        ShareError::UnknownSigner => Outcome::Wait(WaitReason::UnknownSender),
        ShareError::TooNew { .. } | ShareError::Unreadable => {
            Outcome::Wait(WaitReason::NewerVersion(e))
        }
        ShareError::NotABundle
        | ShareError::NotForYou
        | ShareError::Damaged
        | ShareError::Altered
        | ShareError::Vault(VaultError::Invalid { .. }) => Outcome::Refuse(e),
        other => Outcome::Wait(WaitReason::NotStored(other)),
    }
}

/// Blocks a sender's key hash on the relay: from then on it discards what they send to this
/// vault (without telling them). Bundles of theirs already waiting in this vault's mailbox are
/// deleted there too, so they stop coming back; returns how many. If the block was made but the
/// mailbox could not be read afterwards, the block stands and 0 is returned: those bundles go at
/// the next block or when the relay lets them expire.
pub fn block_sender(
    vault: &mut Vault,
    relay: &Relay,
    sender: &KeyHash,
    now: &Now,
) -> Result<usize, ShareError> {
    let me = identity(vault, now)?;
    relay.block(&me, sender)?;
    let mut removed = 0;
    // Waiting bundles come back on every fetch (oldest first), so each round deletes theirs
    // among the first page; stop when a page holds none of theirs or nothing more is waiting.
    for _ in 0..100 {
        let Ok(page) = relay.fetch(&me, None) else {
            break;
        };
        let theirs: Vec<String> = page
            .bundles
            .iter()
            .filter(|b| b.sender.parse::<KeyHash>().is_ok_and(|h| h == *sender))
            .map(|b| b.id.clone())
            .collect();
        if theirs.is_empty() {
            break;
        }
        match relay.ack(&me, &theirs) {
            Ok(n) => removed += usize::try_from(n).unwrap_or(usize::MAX),
            Err(_) => break,
        }
        if !page.more {
            break;
        }
    }
    Ok(removed)
}

/// Lifts a block.
pub fn unblock_sender(
    vault: &mut Vault,
    relay: &Relay,
    sender: &KeyHash,
    now: &Now,
) -> Result<(), ShareError> {
    let me = identity(vault, now)?;
    Ok(relay.unblock(&me, sender)?)
}

/// A sender blocked on the relay, with the contact it belongs to if it is one.
#[derive(Clone, Debug)]
pub struct Blocked {
    pub sender: KeyHash,
    pub contact: Option<Contact>,
}

/// The senders this vault has blocked on the relay.
pub fn blocked_senders(
    vault: &mut Vault,
    relay: &Relay,
    now: &Now,
) -> Result<Vec<Blocked>, ShareError> {
    let me = identity(vault, now)?;
    let hashes = relay.blocked(&me)?;
    let contacts = vault.contacts()?;
    Ok(hashes
        .into_iter()
        .map(|sender| Blocked {
            contact: contacts
                .iter()
                .find(|c| contact_mailbox(c).is_ok_and(|h| h == sender))
                .cloned(),
            sender,
        })
        .collect())
}

/// A contact's relay mailbox: what to block to stop them, or where bundles to them go.
pub fn contact_mailbox(contact: &Contact) -> Result<KeyHash, ShareError> {
    Ok(crate::flow::contact_keys(contact)?.mailbox())
}
