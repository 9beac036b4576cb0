//! The relay from the terminal: sending a sealed bundle through it, `amends inbox` (send what
//! waits, fetch, open, acknowledge), and blocking senders.
//!
//! Like the rest of sharing, nothing here logs: names and key hashes are printed only to the
//! person at the terminal, in answer to the command they ran.

use std::fmt::Write as _;

use amends_core::Now;
use amends_share::relay::{KeyHash, Relay, RelayError, passing_code, problem_words};
use amends_share::{
    Delivery, InboxReport, Sealed, ShareError, Unsent, WaitReason, block_sender, blocked_senders,
    check_inbox, contact_mailbox, discard_outbox, outbox_file, relay_for, send_via, unblock_sender,
};
use amends_vault::{ContactRef, OutboxEntry, SentKind, Vault};
use anyhow::{Context, Result};
use serde::Serialize;

use crate::args::*;
use crate::run::{emit, open, print_json};
use crate::share::{
    confirm, not_confirmed, persist_out, prepare_out, received_text, sh, size, when,
};

/// A bundle was sealed and kept in the vault, but the relay did not take it (exit code 6).
#[derive(Debug)]
pub struct NotSent(String);

impl std::fmt::Display for NotSent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotSent {}

/// What to say when a bundle stays in the outbox (`id`: its number there).
fn saved_words(relay: &Relay, why: &RelayError, file_too: bool, id: i64) -> String {
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
            format!(
                "Give them the file you wrote instead; then `amends outbox discard {id}` stops the tries."
            )
        } else {
            lasting_words(id)
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
        Delivery::Saved { why } => Err(NotSent(saved_words(relay, &why, file_too, id)).into()),
    }
}

/// The ways out for a bundle the relay will keep refusing.
pub(crate) fn lasting_words(id: i64) -> String {
    format!(
        "To give it to them by hand, save it as a file: `amends outbox save {id} --out FILE`. \
         To stop trying: `amends outbox discard {id}`."
    )
}

fn sender_text(sender: &Option<KeyHash>) -> String {
    sender.map(|s| s.to_string()).unwrap_or_default()
}

#[derive(Serialize)]
struct OutboxView {
    /// Its number in the outbox (`amends outbox`).
    id: i64,
    to: String,
    kind: &'static str,
    sequence: u64,
}

impl OutboxView {
    fn of(e: &OutboxEntry) -> OutboxView {
        OutboxView {
            id: e.id,
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
    /// The relay will keep refusing it (too large for it, or the receiver blocked you).
    refused_for_good: bool,
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
        refused_for_good: !u.why.is_passing(),
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
        let mut words = match &e {
            ShareError::Relay(r) => r.sentence(relay.address()),
            other => other.to_string(),
        };
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
            words.push_str(" Nothing was lost: what was not fetched stays on the relay.");
            if matches!(&e, ShareError::Relay(r) if r.is_passing()) {
                words.push_str(" Try again later.");
            }
        }
        return Err(RelayDown(words).into());
    }
    if still_waiting > 0 {
        return Err(NotSent(format!(
            "{} in this vault, not sent yet (see above); `amends inbox` tries again, and `amends outbox` lists them.",
            plural(still_waiting, "bundle waits", "bundles wait")
        ))
        .into());
    }
    Ok(())
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
        let _ = write!(
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
        if u.refused_for_good {
            let _ = write!(
                out,
                " This relay will keep refusing it. {}",
                lasting_words(u.bundle.id)
            );
        }
        out.push('\n');
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

// ---------------------------------------------------------------------------------------------
// The outbox: what waits to be sent, saving one as a file, discarding one

#[derive(Serialize)]
struct WaitingBundleView {
    id: i64,
    to: String,
    /// `None` once they are no longer a contact (a last "stop" bundle still waits).
    contact_id: Option<i64>,
    kind: &'static str,
    sequence: u64,
    bytes: u64,
    sealed: String,
    attempts: u64,
    last_attempt: Option<String>,
    /// Why the last try did not succeed, as a short code (`unreachable`, `blocked`, ...).
    last_error: Option<String>,
    /// The same, in words.
    problem: Option<&'static str>,
    /// The relay will keep refusing it: save it as a file or discard it.
    refused_for_good: bool,
}

fn waiting_view(e: &OutboxEntry) -> WaitingBundleView {
    WaitingBundleView {
        id: e.id,
        to: e.contact_label.clone(),
        contact_id: e.contact_id,
        kind: e.kind.code(),
        sequence: e.sequence,
        bytes: e.bytes,
        sealed: e.created.to_string(),
        attempts: e.attempts,
        last_attempt: e.last_attempt.map(|t| t.to_string()),
        last_error: e.last_error.clone(),
        problem: e.last_error.as_deref().map(problem_words),
        refused_for_good: refused_for_good(e),
    }
}

fn refused_for_good(e: &OutboxEntry) -> bool {
    e.last_error.as_deref().is_some_and(|c| !passing_code(c))
}

/// "to Sam, share #2" (and whether Sam is still a contact).
fn bundle_words(e: &OutboxEntry) -> String {
    format!(
        "to {}{}, {} #{}",
        e.contact_label,
        if e.contact_id.is_none() {
            " (no longer a contact)"
        } else {
            ""
        },
        e.kind.code(),
        e.sequence
    )
}

/// A bundle that is not (or no longer) waiting: nothing was changed.
fn not_waiting(id: i64) -> anyhow::Error {
    amends_vault::VaultError::NoSuch {
        what: "bundle waiting to be sent",
        id,
        hint: "It may have gone through the relay already, or been discarded. See what still waits with `amends outbox`.",
    }
    .into()
}

pub fn outbox_cmd(cli: &Cli, a: &OutboxArgs, now: &Now) -> Result<()> {
    match &a.command {
        None => outbox_list(cli, a.json, now),
        Some(OutboxCmd::Save(s)) => outbox_save(cli, s, now),
        Some(OutboxCmd::Discard(d)) => outbox_discard(cli, d, now),
    }
}

fn outbox_list(cli: &Cli, json: bool, now: &Now) -> Result<()> {
    let vault = open(cli)?;
    let waiting = vault.outbox()?;
    if json {
        return print_json(&waiting.iter().map(waiting_view).collect::<Vec<_>>());
    }
    if waiting.is_empty() {
        return emit("Nothing is waiting to be sent through the relay.\n");
    }
    let mut out = format!(
        "{} in this vault to be sent through the relay:\n",
        plural(waiting.len(), "bundle waits", "bundles wait")
    );
    for e in &waiting {
        let _ = writeln!(
            out,
            "\n#{}  {}, sealed {} ({})",
            e.id,
            bundle_words(e),
            when(now, e.created),
            size(usize::try_from(e.bytes).unwrap_or(usize::MAX))
        );
        match &e.last_error {
            None => {
                let _ = writeln!(out, "    not tried yet");
            }
            Some(code) => {
                let _ = writeln!(
                    out,
                    "    tried {}; the last time {}",
                    plural(
                        usize::try_from(e.attempts).unwrap_or(usize::MAX),
                        "time",
                        "times"
                    ),
                    problem_words(code)
                );
            }
        }
        if refused_for_good(e) {
            let _ = writeln!(
                out,
                "    This relay will keep refusing it. {}",
                lasting_words(e.id)
            );
        }
    }
    out.push_str(
        "\n`amends inbox` sends what waits. `amends outbox save ID --out FILE` writes one as a file to give \
         by hand; `amends outbox discard ID` stops trying to send one.\n",
    );
    emit(&out)
}

fn outbox_save(cli: &Cli, a: &OutboxSaveArgs, now: &Now) -> Result<()> {
    let tmp = prepare_out(&a.out)?;
    let vault = open(cli)?;
    if vault.outbox_entry(a.id)?.is_none() {
        return Err(not_waiting(a.id));
    }
    let file = sh(outbox_file(&vault, a.id, now))?;
    persist_out(tmp, &a.out, &file.bytes)
        .context("nothing was changed, and the bundle still waits in this vault")?;
    emit(&format!(
        "Wrote the bundle {} to {} ({}). It is the same sealed bundle: give them the file however suits \
         you both, and their Amends opens it as any bundle file (`amends receive FILE`, or Open a bundle \
         in the web app).\n\
         It still waits in this vault too. If the relay takes it later as well, their app keeps only the \
         first copy it opens. To stop trying to send it: `amends outbox discard {}`.\n",
        bundle_words(&file.entry),
        a.out.display(),
        size(file.bytes.len()),
        file.entry.id
    ))
}

/// What discarding a waiting bundle means, one point a line.
fn discard_meaning(e: &OutboxEntry) -> String {
    let mut out = String::from(
        "What discarding means:\n\
         \x20 - It will not be sent: not now, and not by any later check for new.\n\
         \x20 - What it contained stays in your vault; nothing on your list changes.\n",
    );
    let _ = writeln!(
        out,
        "  - `amends shared` still lists it as sealed for {}.",
        e.contact_label
    );
    let last = match e.kind {
        SentKind::Share => {
            "  - A later share sends your list as it is then, so they can still have it all.".to_string()
        }
        SentKind::Review => {
            "  - The notes in it stay in your vault, counted as sent, so a later review does not repeat \
             them: write again what you still want them to read."
                .to_string()
        }
        SentKind::Stop => format!(
            "  - This is the bundle that asks their app to delete what you shared with them. Discarded, \
             their app will not be asked, unless they get this file another way. To give it to them by \
             hand first: `amends outbox save {} --out FILE`.",
            e.id
        ),
    };
    out.push_str(&last);
    out.push('\n');
    out
}

fn outbox_discard(cli: &Cli, a: &OutboxDiscardArgs, now: &Now) -> Result<()> {
    let mut vault = open(cli)?;
    let Some(e) = vault.outbox_entry(a.id)? else {
        return Err(not_waiting(a.id));
    };
    emit(&format!(
        "Waiting to be sent: {}, sealed {}.\n\n{}\n",
        bundle_words(&e),
        when(now, e.created),
        discard_meaning(&e)
    ))?;
    if !a.yes && !confirm("Type yes to discard it")? {
        return Err(not_confirmed("Nothing was discarded"));
    }
    match sh(discard_outbox(&mut vault, a.id)) {
        Ok(_) => emit("Discarded. It will not be sent; nothing else was changed.\n"),
        Err(err)
            if matches!(
                err.downcast_ref::<amends_vault::VaultError>(),
                Some(amends_vault::VaultError::NoSuch { .. })
            ) =>
        {
            Err(not_waiting(a.id))
        }
        Err(err) => Err(err),
    }
}
