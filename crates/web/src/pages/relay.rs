//! The relay in the web app: sending a sealed bundle through it, checking for new bundles,
//! what waits in the outbox (sent now, saved as a file, or discarded), and blocking (and
//! unblocking) senders. The relay's address is kept
//! on the Settings page (`settings.rs`).
//!
//! Every step that talks to the relay runs in `spawn_blocking` while it holds the vault
//! (`App::write`): the requests are signed with the vault's key, and what arrives is stored as
//! it is opened. Nothing here talks to the relay unless the person pressed a button or followed
//! the link that asks it. The relay client's time limits bound how long one step can take:
//! 10 seconds to connect and 120 seconds for one exchange. A relay that does not answer at all
//! stops the step at its first request, so the vault is held for at most about two minutes;
//! a relay that answers, but slowly, can take that long for each request of the step. Other
//! pages wait for the vault meanwhile; Lock and Quick exit do not (see `App::lock`).
//!
//! Nothing here logs anything but fixed words: no names, addresses, key hashes or bundle ids.

use std::collections::HashMap;

use crate::routes::Routes;
use amends_core::Now;
use amends_share::relay::{KeyHash, Relay, RelayError};
use amends_share::{
    Delivery, FlushReport, InboxReport, Received, ShareError, Unsent, WaitReason, block_sender,
    blocked_senders, check_inbox, contact_mailbox, discard_outbox, flush_outbox, outbox_file,
    relay_for, unblock_sender,
};
use amends_vault::{Contact, OutboxEntry, SentKind, Vault, VaultError};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;

use super::shared::{read_share, share_words, write_share};
use crate::forms::Fields;
use crate::state::{Access, App, FlashKind, Snapshot};
use crate::view::{Layout, Nav, day_of, download, open, page, see};

pub fn routes() -> Routes {
    Routes::new()
        .get_post("/sharing/inbox", to_sharing, check)
        .get_post("/sharing/outbox/send", to_sharing, send_now)
        .get_post("/sharing/outbox/{id}/save", to_sharing, save)
        .get_post("/sharing/outbox/{id}/discard", discard_page, discard)
        .get_post("/sharing/block", to_sharing, block)
        .get("/settings/relay/blocked", blocked_page)
        .get_post("/settings/relay/unblock", to_blocked, unblock)
}

async fn to_sharing() -> Response {
    see("/sharing")
}

async fn to_blocked() -> Response {
    see("/settings/relay/blocked")
}

// ---------------------------------------------------------------------------------------------
// Running a step against the relay

/// How a step against the relay went.
pub enum Step<T> {
    /// The vault was locked (or locked meanwhile): nothing ran.
    Locked,
    /// No relay address is set: nothing ran.
    NoRelay,
    /// The relay address kept cannot be used, or the vault could not be read: nothing ran.
    Unusable(ShareError),
    /// The step was cut short before it could answer (the task stopped).
    Interrupted,
    /// The step ran against the relay at `address`.
    Ran {
        address: String,
        result: Result<T, ShareError>,
    },
}

/// Runs `f` against the relay in the settings, holding the vault, off the async threads.
pub async fn run<T, F>(app: &App, f: F) -> Step<T>
where
    T: Send + 'static,
    F: FnOnce(&mut Vault, &Relay, &Now) -> Result<T, ShareError> + Send + 'static,
{
    let app = app.clone();
    let app_after = app.clone();
    let joined = tokio::task::spawn_blocking(move || {
        write_share(&app, |v, now| {
            let relay = relay_for(v, None)?;
            let address = relay.address().to_string();
            Ok((address, f(v, &relay, now)))
        })
    })
    .await;
    match joined {
        Err(_) => Step::Interrupted,
        Ok(None) => Step::Locked,
        // Locked (or left with quick exit) while the relay was busy: what the step did is kept
        // in the vault, but nothing of it is shown now.
        Ok(Some(_)) if app_after.access() != Access::Open => Step::Locked,
        Ok(Some(Err(ShareError::NoRelay))) => Step::NoRelay,
        Ok(Some(Err(e))) => Step::Unusable(e),
        Ok(Some(Ok((address, result)))) => Step::Ran { address, result },
    }
}

/// The relay address in the settings, if one is kept (no network: a read of the vault).
pub fn address(app: &App) -> Option<String> {
    app.read(|v| v.relay_address())
        .and_then(Result::ok)
        .flatten()
}

/// What to say when no relay address is set.
pub const NO_RELAY: &str = "No relay address is set. To send and receive through a relay, give its address under Settings, in the part called Relay.";

/// What to say when a step could not start or was cut short.
pub fn not_run_words<T>(step: &Step<T>) -> String {
    match step {
        Step::NoRelay => NO_RELAY.to_string(),
        Step::Unusable(ShareError::Relay(e @ RelayError::Address(_))) => format!(
            "The relay address kept in Settings cannot be used ({}). Change it under Settings, in the part called Relay.",
            e.reason()
        ),
        Step::Unusable(e) => share_words(e),
        Step::Interrupted => {
            "That was interrupted before the relay answered. Nothing was lost: try again.".into()
        }
        Step::Locked | Step::Ran { .. } => String::new(),
    }
}

/// Why the relay did not do what was asked, as one sentence that names it.
pub fn relay_trouble(address: &str, why: &RelayError) -> String {
    let reason = why.reason();
    match why {
        RelayError::Unreachable(_) => format!("The relay at {address} did not answer ({reason})."),
        RelayError::Refused(_) => {
            format!("The relay at {address} refused the request ({reason}).")
        }
        RelayError::Protocol(_) => format!(
            "The relay at {address} answered in a way this version of Amends does not understand ({reason}). Check the address under Settings, or update Amends."
        ),
        RelayError::Address(_) | RelayError::Randomness => {
            format!("The relay at {address} could not be used ({reason}).")
        }
    }
}

/// What to say after a bundle sealed for the relay was handed to it: "Sent through the relay."
/// or why it stays in the outbox. `what` names the bundle ("Your share for Sam"); `instead` is
/// the other way to reach them, for a relay that will keep refusing it.
pub fn delivery_words(
    address: &str,
    what: &str,
    instead: &str,
    sent: Result<Delivery, ShareError>,
) -> (FlashKind, String) {
    let later =
        "will be sent the next time you check for new or press Send now on the Sharing page";
    match sent {
        Ok(Delivery::Sent) => (
            FlashKind::Done,
            format!(
                "Sent through the relay. {what} is on its way; it arrives when they check for new."
            ),
        ),
        Ok(Delivery::Saved { why }) => {
            let reason = why.reason();
            let text = if why.is_unreachable() {
                format!(
                    "The relay at {address} did not answer ({reason}). {what} is saved in this vault and {later}."
                )
            } else if why.is_passing() {
                format!(
                    "The relay at {address} could not take it just now ({reason}). {what} is saved in this vault and {later}."
                )
            } else {
                let text = format!(
                    "The relay at {address} refused it ({reason}). {what} is saved in this vault and is tried again each time you check for new or press Send now, but this relay will refuse it until that changes. {LASTING}"
                );
                if instead.is_empty() {
                    text
                } else {
                    format!("{text} {instead}")
                }
            };
            (FlashKind::Note, text)
        }
        Err(e) => (
            FlashKind::Note,
            format!(
                "{what} is sealed and saved in this vault, but sending it stopped: {} It {later}.",
                share_words(&e)
            ),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// The outbox

/// A kind of bundle in words.
pub fn kind_words(kind: SentKind) -> &'static str {
    match kind {
        SentKind::Share => "your shared list",
        SentKind::Review => "your review",
        SentKind::Stop => "your request to delete what you shared",
    }
}

/// A date and time as people read it ("3 May 2026, 14:05").
fn when(snap: &Snapshot, at: jiff::Timestamp) -> String {
    let time = at
        .to_zoned(snap.now.tz.clone())
        .strftime("%H:%M")
        .to_string();
    format!("{}, {time}", day_of(snap, at))
}

/// The ways out for a bundle the relay will keep refusing.
const LASTING: &str = "Under Waiting to send on the Sharing page, you can save it as a file to give them yourself, or discard it.";

/// One bundle waiting in the outbox, for the Sharing page.
pub struct Waiting {
    /// Its number in the outbox, for the buttons that save or discard it.
    pub id: i64,
    pub to: String,
    pub kind: String,
    pub sealed: String,
    pub problem: Option<String>,
    pub tries: u64,
    /// The relay will keep refusing it (too large for it, or the receiver blocked you).
    pub lasting: bool,
}

pub fn waiting(snap: &Snapshot, outbox: &[OutboxEntry]) -> Vec<Waiting> {
    outbox
        .iter()
        .map(|e| Waiting {
            id: e.id,
            lasting: e
                .last_error
                .as_deref()
                .is_some_and(|c| !amends_share::relay::passing_code(c)),
            to: e.contact_label.clone(),
            kind: upper_first(kind_words(e.kind)),
            sealed: when(snap, e.created),
            problem: e.last_error.as_deref().map(|c| {
                let at = e.last_attempt.map(|t| when(snap, t)).unwrap_or_default();
                if at.is_empty() {
                    upper_first(amends_share::relay::problem_words(c))
                } else {
                    format!(
                        "{} ({at})",
                        upper_first(amends_share::relay::problem_words(c))
                    )
                }
            }),
            tries: e.attempts,
        })
        .collect()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The flashes that say what sending the outbox did.
fn flush_flashes(app: &App, address: &str, report: &FlushReport, still: usize) {
    if !report.sent.is_empty() {
        let list: Vec<String> = report
            .sent
            .iter()
            .map(|e| format!("{} to {}", kind_words(e.kind), e.contact_label))
            .collect();
        app.flash(
            FlashKind::Done,
            format!("Sent through the relay: {}.", list.join("; ")),
        );
    }
    if let Some(why) = report.unreachable() {
        app.flash(
            FlashKind::Note,
            format!(
                "{} {} in this vault and {} the next time you check for new or press Send now.",
                relay_trouble(address, why),
                plural(still, "bundle waits", "bundles wait"),
                if still == 1 { "goes" } else { "go" }
            ),
        );
    } else {
        for u in report.unsent.iter().filter(|u| u.tried) {
            app.flash(FlashKind::Note, unsent_words(address, u));
        }
    }
}

/// Text with its first letter a capital.
fn upper_first(text: &str) -> String {
    let mut c = text.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn unsent_words(address: &str, u: &Unsent) -> String {
    let what = upper_first(&format!(
        "{} to {}",
        kind_words(u.entry.kind),
        u.entry.contact_label
    ));
    if u.why.is_passing() {
        format!(
            "{what} is still waiting: {} It stays in this vault and is tried again next time.",
            relay_trouble(address, &u.why)
        )
    } else {
        format!(
            "{what} is still waiting: {} It stays in this vault, but this relay will refuse it until that changes. {LASTING}",
            relay_trouble(address, &u.why)
        )
    }
}

/// `POST /sharing/outbox/send`: sends everything in the outbox now.
pub async fn send_now(State(app): State<App>) -> Response {
    if let Err(r) = open(&app) {
        return r;
    }
    let step = run(&app, |v, relay, now| {
        let report = flush_outbox(v, relay, now)?;
        let still = v.outbox()?.len();
        Ok((report, still))
    })
    .await;
    match step {
        Step::Locked => return see("/unlock"),
        Step::Ran { address, result } => match result {
            Ok((report, still)) => {
                tracing::info!("the outbox was sent through the relay");
                if report.sent.is_empty() && report.unsent.is_empty() {
                    app.flash(FlashKind::Note, "Nothing was waiting to be sent.");
                }
                flush_flashes(&app, &address, &report, still);
                if still == 0 && !report.sent.is_empty() {
                    app.flash(FlashKind::Done, "Nothing is waiting to be sent now.");
                }
            }
            Err(e) => app.flash(
                FlashKind::Note,
                format!(
                    "Sending stopped: {} Whatever was not sent stays in this vault.",
                    share_words(&e)
                ),
            ),
        },
        other => app.flash(FlashKind::Note, not_run_words(&other)),
    }
    see("/sharing#outbox-h")
}

/// What to say when a bundle asked for is not (or no longer) waiting.
const GONE: &str = "That bundle is no longer waiting to be sent: it may have gone through the relay already, or been discarded. Nothing was changed.";

/// A waiting bundle's number from the address.
fn outbox_id(text: &str) -> Option<i64> {
    text.parse::<i64>().ok().filter(|id| *id > 0)
}

fn gone(app: &App) -> Response {
    app.flash(FlashKind::Note, GONE);
    see("/sharing#outbox-h")
}

/// `POST /sharing/outbox/{id}/save`: answers with the waiting bundle as a file to download, to
/// give by hand. It is the same sealed bundle, and it keeps waiting for the relay.
pub async fn save(State(app): State<App>, Path(id): Path<String>) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(id) = outbox_id(&id) else {
        return gone(&app);
    };
    match read_share(&app, |v| outbox_file(v, id, &snap.now)) {
        Some(Ok(file)) => {
            tracing::info!("a waiting bundle was saved as a file");
            app.flash(
                FlashKind::Done,
                format!(
                    "{} to {} is saved as the file {}. It is the same sealed bundle: give it to them any way you like, and their Amends opens it under Open a bundle. It still waits here too; if the relay takes it later as well, their app keeps only the first copy it opens. To stop trying to send it, discard it.",
                    upper_first(kind_words(file.entry.kind)),
                    file.entry.contact_label,
                    file.file_name
                ),
            );
            download(&file.file_name, file.bytes)
        }
        Some(Err(ShareError::Vault(VaultError::NoSuch { .. }))) => gone(&app),
        Some(Err(e)) => {
            app.flash(FlashKind::Note, share_words(&e));
            see("/sharing#outbox-h")
        }
        None => see("/unlock"),
    }
}

#[derive(Template)]
#[template(path = "relay_discard.html")]
struct DiscardView {
    layout: Layout,
    waiting: Waiting,
    /// share, review or stop.
    kind: &'static str,
}

/// The page that asks before discarding; otherwise the response to give instead.
fn discard_view(app: &App, snap: &Snapshot, id: &str) -> Response {
    let Some(id) = outbox_id(id) else {
        return gone(app);
    };
    match read_share(app, |v| Ok(v.outbox_entry(id)?)) {
        Some(Ok(Some(e))) => page(&DiscardView {
            layout: Layout::new(app, "Discard a waiting bundle", Nav::Sharing),
            kind: e.kind.code(),
            waiting: waiting(snap, std::slice::from_ref(&e)).remove(0),
        }),
        Some(Ok(None)) => gone(app),
        Some(Err(e)) => {
            app.flash(FlashKind::Note, share_words(&e));
            see("/sharing#outbox-h")
        }
        None => see("/unlock"),
    }
}

/// `GET /sharing/outbox/{id}/discard`: what discarding a waiting bundle means, and a button.
pub async fn discard_page(State(app): State<App>, Path(id): Path<String>) -> Response {
    match open(&app) {
        Ok(snap) => discard_view(&app, &snap, &id),
        Err(r) => r,
    }
}

/// `POST /sharing/outbox/{id}/discard`: confirm. Without `confirm=yes`, the page that asks;
/// with it, the bundle leaves the outbox and is never sent.
pub async fn discard(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if Fields::parse(&body).get("confirm") != "yes" {
        return discard_view(&app, &snap, &id);
    }
    let Some(id) = outbox_id(&id) else {
        return gone(&app);
    };
    match write_share(&app, |v, _| discard_outbox(v, id)) {
        Some(Ok(e)) => {
            tracing::info!("a waiting bundle was discarded");
            app.flash(
                FlashKind::Done,
                format!(
                    "Discarded. {} to {} will not be sent; nothing else was changed.",
                    upper_first(kind_words(e.kind)),
                    e.contact_label
                ),
            );
            see("/sharing")
        }
        Some(Err(ShareError::Vault(VaultError::NoSuch { .. }))) => gone(&app),
        Some(Err(e)) => {
            app.flash(FlashKind::Note, share_words(&e));
            see("/sharing#outbox-h")
        }
        None => see("/unlock"),
    }
}

// ---------------------------------------------------------------------------------------------
// Checking for new

pub struct Sent {
    pub text: String,
}

pub struct PartyLink {
    pub id: i64,
    pub name: String,
}

pub struct Arrived {
    pub kind: &'static str,
    pub who: String,
    pub contact_id: i64,
    pub entries: String,
    pub first: bool,
    pub changes: usize,
    pub comments: usize,
    pub approvals: usize,
    pub stale: usize,
    /// Views given on safety answers that changed since: kept, not counted.
    pub safety: usize,
    pub unknown: usize,
    pub touched: Vec<PartyLink>,
}

pub struct WaitLine {
    /// unknown, unverified, newer, not-stored or behind.
    pub kind: &'static str,
    pub count: String,
    /// The sender's key hash, to block it (unknown senders only).
    pub sender: Option<String>,
    pub contact_id: Option<i64>,
    pub who: String,
    pub detail: String,
}

pub struct DropLine {
    pub who: Option<String>,
    pub why: String,
}

#[derive(Template)]
#[template(path = "relay_inbox.html")]
struct InboxView {
    layout: Layout,
    relay: String,
    sent: Vec<Sent>,
    unsent: Vec<Sent>,
    arrived: Vec<Arrived>,
    duplicates: String,
    waiting: Vec<WaitLine>,
    refused: Vec<DropLine>,
    interrupted: Option<String>,
    still_waiting: String,
    nothing_new: bool,
}

/// What the check did, with what the page needs from the vault besides.
struct Checked {
    report: InboxReport,
    /// Party links for each review received, by the contact's name.
    touched: HashMap<String, Vec<PartyLink>>,
    /// Contacts by their mailbox, to name the sender of a bundle dropped.
    mailboxes: Vec<(KeyHash, String)>,
    still: usize,
}

fn checked(v: &mut Vault, relay: &Relay, now: &Now) -> Result<Checked, ShareError> {
    let report = check_inbox(v, relay, now)?;
    let mut touched: HashMap<String, Vec<PartyLink>> = HashMap::new();
    if report
        .received
        .iter()
        .any(|r| matches!(r, Received::Review { .. }))
    {
        // The reviews filed by this check carry this moment as their time of receipt.
        for rec in v.records()? {
            for review in v.reviews_for(rec.party.id)? {
                if review.received == now.at {
                    let links = touched.entry(review.contact_label).or_default();
                    if !links.iter().any(|l| l.id == rec.party.id) {
                        links.push(PartyLink {
                            id: rec.party.id,
                            name: rec.party.name.clone(),
                        });
                    }
                }
            }
        }
    }
    let mailboxes = v
        .contacts()?
        .into_iter()
        .filter_map(|c| contact_mailbox(&c).ok().map(|m| (m, c.label)))
        .collect();
    let still = v.outbox()?.len();
    Ok(Checked {
        report,
        touched,
        mailboxes,
        still,
    })
}

fn arrived(r: Received, touched: &mut HashMap<String, Vec<PartyLink>>) -> Arrived {
    let c: Contact = r.contact().clone();
    let mut a = Arrived {
        kind: "",
        touched: touched.remove(&c.label).unwrap_or_default(),
        who: c.label,
        contact_id: c.id,
        entries: String::new(),
        first: false,
        changes: 0,
        comments: 0,
        approvals: 0,
        stale: 0,
        safety: 0,
        unknown: 0,
    };
    match r {
        Received::Share {
            parties,
            changes,
            first,
            ..
        } => {
            a.kind = "share";
            a.entries = plural(parties, "entry", "entries");
            a.first = first;
            a.changes = changes.len();
        }
        Received::Review { applied, .. } => {
            a.kind = "review";
            a.comments = applied.comments;
            a.approvals = applied.approvals_counted;
            a.stale = applied.stale_verdicts;
            a.safety = applied.safety_changed;
            a.unknown = applied.unknown_parties;
        }
        Received::Stop { .. } => a.kind = "stop",
    }
    a
}

/// The bundles left on the relay, one line per reason and sender.
fn wait_lines(report: &InboxReport) -> Vec<WaitLine> {
    let mut lines: Vec<(WaitLine, usize)> = Vec::new();
    for w in &report.waiting {
        let sender = w.sender.map(|s| s.to_string());
        let (kind, contact_id, who, detail) = match &w.why {
            WaitReason::UnknownSender => ("unknown", None, String::new(), String::new()),
            WaitReason::Unverified(c) => ("unverified", Some(c.id), c.label.clone(), String::new()),
            WaitReason::NewerVersion(_) => ("newer", None, String::new(), String::new()),
            WaitReason::NotStored(e) => ("not-stored", None, String::new(), share_words(e)),
            WaitReason::Behind => ("behind", None, String::new(), String::new()),
        };
        let same = |l: &WaitLine| {
            l.kind == kind
                && l.contact_id == contact_id
                && (kind != "unknown" || l.sender == sender)
        };
        if let Some((_, n)) = lines.iter_mut().find(|(l, _)| same(l)) {
            *n += 1;
            continue;
        }
        lines.push((
            WaitLine {
                kind,
                count: String::new(),
                sender: if kind == "unknown" { sender } else { None },
                contact_id,
                who,
                detail,
            },
            1,
        ));
    }
    lines
        .into_iter()
        .map(|(mut l, n)| {
            l.count = if n == 1 {
                "A bundle".to_string()
            } else {
                format!("{n} bundles")
            };
            l
        })
        .collect()
}

fn inbox_view(app: &App, address: String, c: Checked) -> InboxView {
    let Checked {
        report,
        mut touched,
        mailboxes,
        still,
    } = c;
    let sent = report
        .sent
        .sent
        .iter()
        .map(|e| Sent {
            text: format!("{} to {}", kind_words(e.kind), e.contact_label),
        })
        .collect();
    let unsent = report
        .sent
        .unsent
        .iter()
        .filter(|u| u.tried)
        .map(|u| Sent {
            text: unsent_words(&address, u),
        })
        .collect();
    let waiting = wait_lines(&report);
    let refused: Vec<DropLine> = report
        .refused
        .iter()
        .map(|r| DropLine {
            who: r.sender.and_then(|s| {
                mailboxes
                    .iter()
                    .find(|(m, _)| *m == s)
                    .map(|(_, name)| name.clone())
            }),
            why: share_words(&r.why),
        })
        .collect();
    let interrupted = report.interrupted.as_ref().map(|e| {
        format!(
            "{} Anything not fetched yet stays on the relay for next time, and what you are sending stays in this vault.",
            relay_trouble(&address, e)
        )
    });
    let nothing_new = report.received.is_empty()
        && report.duplicates == 0
        && waiting.is_empty()
        && refused.is_empty()
        && interrupted.is_none();
    let duplicates = match report.duplicates {
        0 => String::new(),
        1 => {
            "1 bundle was a copy of one you had already opened, so it was skipped. Nothing changed."
                .into()
        }
        n => format!(
            "{n} bundles were copies of ones you had already opened, so they were skipped. Nothing changed."
        ),
    };
    let arrived = report
        .received
        .into_iter()
        .map(|r| arrived(r, &mut touched))
        .collect();
    InboxView {
        layout: Layout::new(app, "Checked for new", Nav::Sharing),
        relay: address,
        sent,
        unsent,
        arrived,
        duplicates,
        waiting,
        refused,
        interrupted,
        still_waiting: match still {
            0 => String::new(),
            n => plural(n, "bundle waits", "bundles wait"),
        },
        nothing_new,
    }
}

/// `POST /sharing/inbox`: sends what waits, then fetches, opens and files what the relay holds
/// for this vault, and says what happened.
pub async fn check(State(app): State<App>) -> Response {
    if let Err(r) = open(&app) {
        return r;
    }
    match run(&app, checked).await {
        Step::Locked => see("/unlock"),
        Step::Ran {
            address,
            result: Ok(c),
        } => {
            tracing::info!("checked the relay for new bundles");
            page(&inbox_view(&app, address, c))
        }
        Step::Ran { result: Err(e), .. } => {
            app.flash(
                FlashKind::Note,
                format!(
                    "Checking for new could not finish: {} What was stored before that is kept; anything else stays on the relay for next time.",
                    share_words(&e)
                ),
            );
            see("/sharing")
        }
        other => {
            app.flash(FlashKind::Note, not_run_words(&other));
            see("/sharing")
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Blocking

fn sender_of(text: &str) -> Option<KeyHash> {
    text.trim().to_ascii_lowercase().parse().ok()
}

#[derive(Template)]
#[template(path = "relay_block.html")]
struct BlockView {
    layout: Layout,
    relay: String,
    sender: String,
    who: Option<String>,
}

/// The contact whose mailbox this is, if it is one.
fn contact_named(app: &App, sender: &KeyHash) -> Option<String> {
    app.read(|v| v.contacts())
        .and_then(Result::ok)
        .and_then(|all| {
            all.into_iter()
                .find(|c| contact_mailbox(c).is_ok_and(|m| m == *sender))
                .map(|c| c.label)
        })
}

/// `POST /sharing/block`: sender (a key hash), confirm. Without `confirm`, says what blocking
/// does and asks; with it, asks the relay to refuse that sender's bundles to this vault.
pub async fn block(State(app): State<App>, body: Bytes) -> Response {
    if let Err(r) = open(&app) {
        return r;
    }
    let f = Fields::parse(&body);
    let Some(sender) = sender_of(f.get("sender")) else {
        app.flash(
            FlashKind::Note,
            "That sender could not be read, so nothing was blocked. Check for new again and use the button beside the bundle.",
        );
        return see("/sharing");
    };
    let Some(relay) = address(&app) else {
        app.flash(FlashKind::Note, NO_RELAY);
        return see("/sharing");
    };
    if f.get("confirm") != "yes" {
        return page(&BlockView {
            layout: Layout::new(&app, "Block a sender", Nav::Sharing),
            relay,
            sender: sender.to_string(),
            who: contact_named(&app, &sender),
        });
    }
    let step = run(&app, move |v, relay, now| {
        block_sender(v, relay, &sender, now)
    })
    .await;
    match step {
        Step::Locked => return see("/unlock"),
        Step::Ran {
            result: Ok(removed),
            address,
        } => {
            tracing::info!("a sender was blocked on the relay");
            let waiting = match removed {
                0 => String::new(),
                1 => " The one bundle of theirs that was waiting for you there is deleted."
                    .to_string(),
                n => format!(
                    " The {n} bundles of theirs that were waiting for you there are deleted."
                ),
            };
            app.flash(
                FlashKind::Done,
                format!(
                    "Blocked. From now on the relay at {address} quietly discards what this sender sends you. They are not told, and nothing in your vault changed.{waiting} To undo it, see the blocked senders under Settings."
                ),
            );
        }
        Step::Ran {
            result: Err(e),
            address,
        } => app.flash(FlashKind::Note, blocking_failed(&address, &e, "blocked")),
        other => app.flash(FlashKind::Note, not_run_words(&other)),
    }
    see("/sharing")
}

fn blocking_failed(address: &str, e: &ShareError, done: &str) -> String {
    match e {
        ShareError::Relay(r) => format!(
            "{} Nothing was {done}; try again later.",
            relay_trouble(address, r)
        ),
        other => share_words(other),
    }
}

pub struct BlockedLine {
    pub sender: String,
    pub who: Option<String>,
}

#[derive(Template)]
#[template(path = "relay_blocked.html")]
struct BlockedView {
    layout: Layout,
    relay: Option<String>,
    blocked: Vec<BlockedLine>,
    problem: Option<String>,
}

/// `GET /settings/relay/blocked`: asks the relay which senders this vault has blocked.
pub async fn blocked_page(State(app): State<App>) -> Response {
    if let Err(r) = open(&app) {
        return r;
    }
    let (relay, blocked, problem) = match run(&app, blocked_senders).await {
        Step::Locked => return see("/unlock"),
        Step::Ran {
            address,
            result: Ok(list),
        } => (
            Some(address),
            list.into_iter()
                .map(|b| BlockedLine {
                    sender: b.sender.to_string(),
                    who: b.contact.map(|c| c.label),
                })
                .collect(),
            None,
        ),
        Step::Ran {
            address,
            result: Err(e),
        } => {
            let problem = blocking_failed(&address, &e, "changed");
            (Some(address), Vec::new(), Some(problem))
        }
        other => (None, Vec::new(), Some(not_run_words(&other))),
    };
    page(&BlockedView {
        layout: Layout::new(&app, "Blocked senders", Nav::Settings),
        relay,
        blocked,
        problem,
    })
}

/// `POST /settings/relay/unblock`: sender (a key hash). Lets that sender's bundles through again.
pub async fn unblock(State(app): State<App>, body: Bytes) -> Response {
    if let Err(r) = open(&app) {
        return r;
    }
    let Some(sender) = sender_of(Fields::parse(&body).get("sender")) else {
        app.flash(
            FlashKind::Note,
            "That sender could not be read, so nothing was changed.",
        );
        return see("/settings/relay/blocked");
    };
    let step = run(&app, move |v, relay, now| {
        unblock_sender(v, relay, &sender, now)
    })
    .await;
    match step {
        Step::Locked => return see("/unlock"),
        Step::Ran {
            result: Ok(()),
            address,
        } => {
            tracing::info!("a sender was unblocked on the relay");
            app.flash(
                FlashKind::Done,
                format!(
                    "Unblocked. Bundles from this sender can reach you through the relay at {address} again."
                ),
            );
        }
        Step::Ran {
            result: Err(e),
            address,
        } => {
            app.flash(FlashKind::Note, blocking_failed(&address, &e, "changed"));
            return see("/settings#relay-h");
        }
        other => {
            app.flash(FlashKind::Note, not_run_words(&other));
            return see("/settings#relay-h");
        }
    }
    see("/settings/relay/blocked")
}
