//! The relay from the terminal: sending a sealed bundle through it, `amends inbox` (send what
//! waits, fetch, open, acknowledge), and blocking senders.
//!
//! Like the rest of sharing, nothing here logs: names and key hashes are printed only to the
//! person at the terminal, in answer to the command they ran.

use std::fmt::Write as _;

use amends_core::Now;
use amends_share::relay::{KeyHash, Relay, RelayError};
use amends_share::{
    Delivery, InboxReport, Sealed, ShareError, Unsent, WaitReason, block_sender, blocked_senders,
    check_inbox, contact_mailbox, relay_for, send_via, unblock_sender,
};
use amends_vault::{ContactRef, OutboxEntry, Vault};
use anyhow::Result;
use serde::Serialize;

use crate::args::*;
use crate::run::{emit, open, print_json};
use crate::share::{received_text, sh};

/// A bundle was sealed and kept in the vault, but the relay did not take it (exit code 6).
#[derive(Debug)]
pub struct NotSent(String);

impl std::fmt::Display for NotSent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotSent {}

/// What to say when a bundle stays in the outbox.
fn saved_words(relay: &Relay, why: &RelayError, file_too: bool) -> String {
    let url = relay.address();
    let reason = why.reason();
    let later =
        "The bundle is saved in this vault and will be sent the next time you run `amends inbox`.";
    if why.is_unreachable() {
        format!("The relay at {url} did not answer ({reason}). {later}")
    } else if why.is_passing() {
        format!("The relay at {url} could not take it just now ({reason}). {later}")
    } else {
        let file = if file_too {
            "Give them the file you wrote instead."
        } else {
            "To give it to them as a file instead, share again with --out FILE."
        };
        format!(
            "The relay at {url} refused it ({reason}). The bundle is saved in this vault and `amends inbox` \
             tries again, but this relay will refuse it until that changes. {file}"
        )
    }
}

/// Sends a bundle just sealed for the relay (`Sealed::outbox`) and says what happened; when the
/// relay does not take it, the error carries the words and exit code 6.
pub(crate) fn deliver(
    vault: &mut Vault,
    relay: &Relay,
    sealed: &Sealed,
    file_too: bool,
    now: &Now,
) -> Result<()> {
    let Some(id) = sealed.outbox else {
        return Ok(());
    };
    match sh(send_via(vault, id, relay, now))? {
        Delivery::Sent => emit("Sent through the relay.\n"),
        Delivery::Saved { why } => Err(NotSent(saved_words(relay, &why, file_too)).into()),
    }
}

fn sender_text(sender: &Option<KeyHash>) -> String {
    sender.map(|s| s.to_string()).unwrap_or_default()
}

#[derive(Serialize)]
struct OutboxView {
    to: String,
    kind: &'static str,
    sequence: u64,
}

impl OutboxView {
    fn of(e: &OutboxEntry) -> OutboxView {
        OutboxView {
            to: e.contact_label.clone(),
            kind: e.kind.code(),
            sequence: e.sequence,
        }
    }
}

#[derive(Serialize)]
struct UnsentView {
    #[serde(flatten)]
    bundle: OutboxView,
    code: &'static str,
    reason: String,
}

#[derive(Serialize)]
struct ReceivedView {
    from: String,
    contact_id: i64,
    kind: &'static str,
    text: String,
}

#[derive(Serialize)]
struct WaitingView {
    sender: String,
    reason: &'static str,
    contact_id: Option<i64>,
    message: String,
}

#[derive(Serialize)]
struct RefusedView {
    sender: String,
    message: String,
}

#[derive(Serialize)]
struct ProblemView {
    code: &'static str,
    message: String,
}

#[derive(Serialize)]
struct InboxView {
    relay: String,
    sent: Vec<OutboxView>,
    unsent: Vec<UnsentView>,
    received: Vec<ReceivedView>,
    duplicates: usize,
    waiting: Vec<WaitingView>,
    refused: Vec<RefusedView>,
    interrupted: Option<ProblemView>,
}

fn waiting_words(reason: &WaitReason, sender: &str) -> (&'static str, Option<i64>, String) {
    match reason {
        WaitReason::UnknownSender => (
            "unknown_sender",
            None,
            format!(
                "A bundle from someone who is not in your contacts waits on the relay (sender {sender}). \
                 If you know who sent it, add their contact code, compare fingerprints and verify them, then run \
                 `amends inbox` again. If you do not want anything from them: `amends relay block {sender}`."
            ),
        ),
        WaitReason::Unverified(c) => (
            "unverified",
            Some(c.id),
            format!(
                "A bundle from {} waits on the relay: you have not confirmed their fingerprint yet. Compare \
                 fingerprints out loud, run `amends contact verify {}`, then `amends inbox` again.",
                c.label, c.id
            ),
        ),
        WaitReason::NewerVersion(_) => (
            "newer_version",
            None,
            "A bundle made by a newer version of Amends waits on the relay. Update Amends, then run \
             `amends inbox` again."
                .to_string(),
        ),
        WaitReason::NotStored(e) => (
            "not_stored",
            None,
            format!(
                "A bundle could not be stored just now ({}). It stays on the relay; run `amends inbox` again.",
                e.to_string().trim_end_matches('.')
            ),
        ),
        WaitReason::Behind => (
            "behind",
            None,
            "A bundle waits behind an earlier one from the same sender that could not be stored just now. \
             Run `amends inbox` again."
                .to_string(),
        ),
    }
}

fn kind_of(r: &amends_share::Received) -> &'static str {
    match r {
        amends_share::Received::Share { .. } => "share",
        amends_share::Received::Review { .. } => "review",
        amends_share::Received::Stop { .. } => "stop",
    }
}

fn unsent_view(u: &Unsent) -> UnsentView {
    UnsentView {
        bundle: OutboxView::of(&u.entry),
        code: u.why.code(),
        reason: u.why.reason(),
    }
}

fn view(relay: &Relay, r: &InboxReport) -> InboxView {
    InboxView {
        relay: relay.address().to_string(),
        sent: r.sent.sent.iter().map(OutboxView::of).collect(),
        unsent: r.sent.unsent.iter().map(unsent_view).collect(),
        received: r
            .received
            .iter()
            .map(|x| ReceivedView {
                from: x.contact().label.clone(),
                contact_id: x.contact().id,
                kind: kind_of(x),
                text: received_text(x),
            })
            .collect(),
        duplicates: r.duplicates,
        waiting: r
            .waiting
            .iter()
            .map(|w| {
                let sender = sender_text(&w.sender);
                let (reason, contact_id, message) = waiting_words(&w.why, &sender);
                WaitingView {
                    sender,
                    reason,
                    contact_id,
                    message,
                }
            })
            .collect(),
        refused: r
            .refused
            .iter()
            .map(|x| RefusedView {
                sender: sender_text(&x.sender),
                message: x.why.to_string(),
            })
            .collect(),
        interrupted: r.interrupted.as_ref().map(|e| ProblemView {
            code: e.code(),
            message: e.to_string(),
        }),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn inbox_cmd(cli: &Cli, a: &InboxArgs, now: &Now) -> Result<()> {
    let mut vault = open(cli)?;
    let relay = sh(relay_for(&vault, a.via.as_deref()))?;
    let report = sh(check_inbox(&mut vault, &relay, now))?;
    let still_waiting = vault.outbox()?.len();
    let v = view(&relay, &report);
    let outcome = match &report.interrupted {
        Some(e) => Err(ShareError::Relay(e.clone())),
        None => Ok(()),
    };
    if a.json {
        print_json(&v)?;
    } else {
        emit(&inbox_text(&v, still_waiting))?;
    }
    if let Err(e) = outcome {
        let mut words = format!("The relay at {} did not answer", relay.address());
        let _ = write!(words, " ({}).", e_reason(&e));
        if still_waiting > 0 {
            let _ = write!(
                words,
                " {} in this vault; {} sent the next time you run `amends inbox`.",
                plural(still_waiting, "bundle waits", "bundles wait"),
                if still_waiting == 1 {
                    "it is"
                } else {
                    "they are"
                }
            );
        } else {
            words.push_str(
                " Nothing was lost: what was not fetched stays on the relay. Try again later.",
            );
        }
        return Err(RelayDown(words).into());
    }
    if still_waiting > 0 {
        return Err(NotSent(format!(
            "{} in this vault, not sent yet (see above); `amends inbox` tries again.",
            plural(still_waiting, "bundle waits", "bundles wait")
        ))
        .into());
    }
    Ok(())
}

fn e_reason(e: &ShareError) -> String {
    match e {
        ShareError::Relay(r) => r.reason(),
        other => other.to_string(),
    }
}

/// The relay could not be reached or refused (exit code 7), in words already made.
#[derive(Debug)]
pub struct RelayDown(String);

impl std::fmt::Display for RelayDown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RelayDown {}

fn inbox_text(v: &InboxView, still_waiting: usize) -> String {
    let mut out = String::new();
    if !v.sent.is_empty() {
        let _ = writeln!(
            out,
            "Sent through the relay: {}.",
            v.sent
                .iter()
                .map(|s| format!("to {}, {} #{}", s.to, s.kind, s.sequence))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    for u in &v.unsent {
        let _ = writeln!(
            out,
            "Not sent yet: to {}, {} #{} ({}). It stays in this vault.",
            u.bundle.to,
            u.bundle.kind,
            u.bundle.sequence,
            if u.code == "refused" {
                u.reason.clone()
            } else {
                format!(
                    "{}: {}",
                    amends_share::relay::problem_words(u.code),
                    u.reason
                )
            }
        );
    }
    if v.interrupted.is_some() && v.received.is_empty() {
        return out;
    }
    for r in &v.received {
        out.push_str(&r.text);
    }
    if v.duplicates > 0 {
        let _ = writeln!(
            out,
            "{} already opened before: nothing changed.",
            plural(
                v.duplicates,
                "bundle was a copy of one",
                "bundles were copies of ones"
            )
        );
    }
    for w in &v.waiting {
        let _ = writeln!(out, "{}", w.message);
    }
    for r in &v.refused {
        let _ = writeln!(
            out,
            "A bundle that can never be opened was dropped from the relay (sender {}): {}",
            r.sender, r.message
        );
    }
    if v.received.is_empty()
        && v.duplicates == 0
        && v.waiting.is_empty()
        && v.refused.is_empty()
        && v.interrupted.is_none()
    {
        out.push_str("Nothing new on the relay.\n");
    }
    if still_waiting == 0 && !v.sent.is_empty() {
        out.push_str("Nothing is waiting to be sent.\n");
    }
    out
}

/// A sender to block: a key hash as `amends inbox` shows it, or a contact.
fn sender_of(vault: &Vault, text: &str) -> Result<(KeyHash, Option<String>)> {
    let t = text.trim();
    if t.len() == 64
        && let Ok(hash) = t.to_ascii_lowercase().parse::<KeyHash>()
    {
        let name = vault
            .contacts()?
            .into_iter()
            .find(|c| contact_mailbox(c).is_ok_and(|h| h == hash))
            .map(|c| c.label);
        return Ok((hash, name));
    }
    let contact = vault.contact(&ContactRef::parse(t))?;
    Ok((sh(contact_mailbox(&contact))?, Some(contact.label)))
}

fn relay_failed(relay: &Relay, e: ShareError) -> anyhow::Error {
    match e {
        ShareError::Relay(r) if r.is_unreachable() => RelayDown(format!(
            "The relay at {} did not answer ({}). Nothing was changed; try again later.",
            relay.address(),
            r.reason()
        ))
        .into(),
        other => sh::<()>(Err(other)).unwrap_err(),
    }
}

#[derive(Serialize)]
struct BlockedView {
    sender: String,
    contact: Option<String>,
    contact_id: Option<i64>,
}

/// `amends relay block` (`block` true) and `amends relay unblock`.
pub fn block_cmd(cli: &Cli, a: &RelayBlockArgs, block: bool, now: &Now) -> Result<()> {
    let mut vault = open(cli)?;
    let relay = sh(relay_for(&vault, a.via.as_deref()))?;
    let (hash, name) = sender_of(&vault, &a.sender)?;
    let who = name.unwrap_or_else(|| format!("the sender {hash}"));
    if block {
        let removed =
            block_sender(&mut vault, &relay, &hash, now).map_err(|e| relay_failed(&relay, e))?;
        let waiting = match removed {
            0 => String::new(),
            1 => " The one bundle of theirs that was waiting for you there is deleted.".to_string(),
            n => format!(" The {n} bundles of theirs that were waiting for you there are deleted."),
        };
        emit(&format!(
            "Blocked {who} on the relay at {}: from now on it quietly discards what they send you, \
             and they are not told.{waiting} Undo with `amends relay unblock`.\n",
            relay.address()
        ))
    } else {
        unblock_sender(&mut vault, &relay, &hash, now).map_err(|e| relay_failed(&relay, e))?;
        emit(&format!(
            "Unblocked {who} on the relay at {}: their bundles reach you again.\n",
            relay.address()
        ))
    }
}

/// `amends relay blocked`.
pub fn blocked_cmd(cli: &Cli, a: &RelayBlockedArgs, now: &Now) -> Result<()> {
    let mut vault = open(cli)?;
    let relay = sh(relay_for(&vault, a.via.as_deref()))?;
    let list = blocked_senders(&mut vault, &relay, now).map_err(|e| relay_failed(&relay, e))?;
    let views: Vec<BlockedView> = list
        .iter()
        .map(|b| BlockedView {
            sender: b.sender.to_string(),
            contact: b.contact.as_ref().map(|c| c.label.clone()),
            contact_id: b.contact.as_ref().map(|c| c.id),
        })
        .collect();
    if a.json {
        return print_json(&views);
    }
    if views.is_empty() {
        return emit(&format!(
            "You have not blocked anyone on the relay at {}.\n",
            relay.address()
        ));
    }
    let mut out = format!("Blocked on the relay at {}:\n", relay.address());
    for v in &views {
        match &v.contact {
            Some(name) => {
                let _ = writeln!(out, "  {} ({name})", v.sender);
            }
            None => {
                let _ = writeln!(out, "  {}", v.sender);
            }
        }
    }
    emit(&out)
}
