//! Sharing as the CLI and the web app use it: the vault's identity, contacts, preparing and
//! sealing a share, opening whatever arrives, reviews and stopping. Each step that writes is
//! one vault transaction, and a refused bundle writes nothing.

use amends_core::Now;
use amends_core::model::Id;
use amends_vault::{
    Contact, ContactRef, NewContact, ReviewApplied, ReviewCheck, ReviewItem, ReviewNote,
    ReviewNoteInput, SentInput, SentKind, StoredIdentity, SupportedEntry, Vault, VaultError,
    Verdict,
};
use sha2::{Digest, Sha256};

use crate::ShareError;
use crate::build::{Difference, Glance, Selection, differences, glance, share_body};
use crate::bundle::{keys_out, open, seal};
use crate::document::{Body, Document, ReviewBody, ReviewItemOut, ShareBody, StopBody};
use crate::identity::{Identity, PublicKeys};
use crate::safety::{current_safety_fingerprint, safety_fingerprint};

/// This vault's identity, made and stored on first use (older vaults have none yet).
pub fn identity(vault: &mut Vault, now: &Now) -> Result<Identity, ShareError> {
    if let Some(stored) = vault.identity()? {
        return Identity::from_parts(&stored.age_secret, &stored.sign_seed);
    }
    let fresh = Identity::generate()?;
    let stored = vault.keep_identity(StoredIdentity {
        age_secret: fresh.age_secret(),
        sign_seed: fresh.sign_seed(),
        created: now.at,
    })?;
    Identity::from_parts(&stored.age_secret, &stored.sign_seed)
}

/// The keys a contact was stored with.
pub fn contact_keys(contact: &Contact) -> Result<PublicKeys, ShareError> {
    PublicKeys::from_parts(&contact.age_recipient, &contact.sign_key)
}

/// Adds someone's contact code under a name this person chooses. The contact starts
/// unverified; returns its id and the fingerprint to compare out loud.
pub fn add_contact(
    vault: &mut Vault,
    code: &str,
    label: &str,
    role: &str,
    now: &Now,
) -> Result<(Id, String), ShareError> {
    let keys = PublicKeys::parse_code(code)?;
    if keys == identity(vault, now)?.public() {
        return Err(ShareError::OwnCode);
    }
    let id = vault.add_contact(
        &NewContact {
            label: label.to_string(),
            role: role.to_string(),
            age_recipient: keys.age_recipient(),
            sign_key: keys.sign_key_hex(),
        },
        now,
    )?;
    Ok((id, keys.fingerprint()))
}

/// A share built and ready to be shown in full before the person confirms it.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub contact: Contact,
    pub body: ShareBody,
}

impl Prepared {
    /// A digest of exactly what would be sent: a confirmation carries it, so that what is
    /// sealed is what was previewed.
    pub fn digest(&self) -> String {
        let json = serde_json::to_vec(&self.body).unwrap_or_default();
        hex::encode(&Sha256::digest(&json)[..16])
    }

    /// What was shared, in a few words, for the log.
    pub fn summary(&self) -> String {
        let n = self.body.parties.len();
        let scope = if self.body.whole_list {
            format!("the whole list ({n} {})", plural(n, "party", "parties"))
        } else {
            format!("{n} {}", plural(n, "party", "parties"))
        };
        let what = if self.body.parts.is_empty() {
            format!("{scope}: names and stages only")
        } else {
            let parts: Vec<&str> = self.body.parts.iter().map(|p| p.code()).collect();
            format!("{scope}: {}", parts.join(", "))
        };
        match self.left_out_safety() {
            0 => what,
            k => format!(
                "{what} (the safety verdict left out for {k} {})",
                plural(k, "party", "parties")
            ),
        }
    }

    /// Leaves out the safety verdict of these parties (the sharer's own ids). Each must be
    /// among the parties being shared; otherwise nothing is changed.
    pub fn leave_out_safety(&mut self, parties: &[Id]) -> Result<(), ShareError> {
        if parties
            .iter()
            .any(|id| !self.body.parties.iter().any(|p| p.id == *id))
        {
            return Err(ShareError::NotBeingShared);
        }
        for p in &mut self.body.parties {
            if parties.contains(&p.id) {
                p.safety = None;
            }
        }
        Ok(())
    }

    /// How many parties go without their safety verdict.
    pub fn left_out_safety(&self) -> usize {
        self.body
            .parties
            .iter()
            .filter(|p| p.safety.is_none())
            .count()
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// Builds the share for `to` without sending anything. The contact must be verified.
pub fn prepare_share(
    vault: &mut Vault,
    to: &ContactRef,
    selection: &Selection,
    now: &Now,
) -> Result<Prepared, ShareError> {
    let contact = vault.contact(to)?;
    if contact.verified.is_none() {
        return Err(ShareError::NotVerified);
    }
    let records = vault.records()?;
    let settings = vault.settings()?;
    let body = share_body(&records, &settings, selection, now)?;
    Ok(Prepared { contact, body })
}

/// A sealed bundle, ready to be saved or sent.
#[derive(Clone, Debug)]
pub struct Sealed {
    pub bytes: Vec<u8>,
    pub sequence: u64,
    /// A file name with no one's name in it.
    pub file_name: String,
    /// Where it waits in the outbox for the relay (the `_for_relay` sealing steps); `None`
    /// when it was sealed only to be saved as a file.
    pub outbox: Option<Id>,
}

/// Whether a sealed bundle also goes into the outbox, for the relay.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Route {
    File,
    Relay,
}

fn seal_to(
    vault: &mut Vault,
    contact: &Contact,
    body: Body,
    what: String,
    route: Route,
    now: &Now,
) -> Result<Sealed, ShareError> {
    let me = identity(vault, now)?;
    let to = contact_keys(contact)?;
    let kind = match body {
        Body::Share(_) => SentKind::Share,
        Body::Review(_) => SentKind::Review,
        Body::Stop(_) => SentKind::Stop,
    };
    let sequence = vault.next_sent_sequence(contact.id)?;
    let doc = Document {
        from: keys_out(&me.public()),
        to: keys_out(&to),
        sequence,
        created: now.at,
        app: env!("CARGO_PKG_VERSION").to_string(),
        body,
    };
    let bytes = seal(&doc, &me, &to)?;
    let sent = SentInput {
        contact_id: contact.id,
        kind,
        sequence,
        what,
        bytes: bytes.len() as u64,
    };
    let outbox = match route {
        Route::File => {
            vault.record_sent(&sent, now)?;
            None
        }
        Route::Relay => Some(vault.record_sent_to_outbox(&sent, &bytes, now)?),
    };
    Ok(Sealed {
        file_name: format!("amends-{}-{}-{sequence}.age", doc.body.kind(), now.today),
        bytes,
        sequence,
        outbox,
    })
}

/// Seals a previewed share and records it in the log of what was shared.
pub fn seal_share(vault: &mut Vault, prepared: &Prepared, now: &Now) -> Result<Sealed, ShareError> {
    seal_share_by(vault, prepared, Route::File, now)
}

/// As [`seal_share`], and in the same transaction that logs it, puts the bundle in the outbox
/// for the relay (`Sealed::outbox`). Send it with `send_via`; until the relay has it, it stays
/// in the vault. The bytes are returned too, in case the person also wants the file.
pub fn seal_share_for_relay(
    vault: &mut Vault,
    prepared: &Prepared,
    now: &Now,
) -> Result<Sealed, ShareError> {
    seal_share_by(vault, prepared, Route::Relay, now)
}

fn seal_share_by(
    vault: &mut Vault,
    prepared: &Prepared,
    route: Route,
    now: &Now,
) -> Result<Sealed, ShareError> {
    let contact = vault.contact(&ContactRef::Id(prepared.contact.id))?;
    if contact.verified.is_none() {
        return Err(ShareError::NotVerified);
    }
    seal_to(
        vault,
        &contact,
        Body::Share(prepared.body.clone()),
        prepared.summary(),
        route,
        now,
    )
}

/// What opening a bundle did.
#[derive(Clone, Debug)]
pub enum Received {
    Share {
        contact: Contact,
        parties: usize,
        /// Empty the first time; otherwise what changed since the last share.
        changes: Vec<Difference>,
        first: bool,
    },
    Review {
        contact: Contact,
        applied: ReviewApplied,
    },
    Stop {
        contact: Contact,
    },
}

impl Received {
    pub fn contact(&self) -> &Contact {
        match self {
            Received::Share { contact, .. }
            | Received::Review { contact, .. }
            | Received::Stop { contact } => contact,
        }
    }
}

/// Opens a bundle and files what it holds: a share under "people I support", a review onto the
/// person's own parties, a stop by deleting what that sender shared. Anything wrong with the
/// bundle refuses it and changes nothing.
pub fn receive(vault: &mut Vault, bytes: &[u8], now: &Now) -> Result<Received, ShareError> {
    let me = identity(vault, now)?;
    let opened = open(bytes, &me)?;
    let contact = signer_contact(vault, &opened)?.ok_or(ShareError::UnknownSigner)?;
    file_opened(vault, contact, opened, now)
}

/// The contact who signed an opened bundle, if the signer is one (both keys must match).
pub(crate) fn signer_contact(
    vault: &Vault,
    opened: &crate::bundle::Opened,
) -> Result<Option<Contact>, ShareError> {
    Ok(vault
        .contact_by_sign_key(&opened.signer.sign_key_hex())?
        .filter(|c| c.age_recipient == opened.signer.age_recipient()))
}

/// Files an opened bundle from `contact`, who must be verified.
pub(crate) fn file_opened(
    vault: &mut Vault,
    contact: Contact,
    opened: crate::bundle::Opened,
    now: &Now,
) -> Result<Received, ShareError> {
    if contact.verified.is_none() {
        return Err(ShareError::Unverified);
    }
    let doc = opened.document;
    if doc.sequence <= contact.received_seq {
        return Err(VaultError::Replayed.into());
    }
    match doc.body {
        Body::Share(body) => {
            let previous = vault.supported_from(contact.id)?;
            let json = serde_json::to_string(&body).map_err(|_| ShareError::Unreadable)?;
            vault.receive_share(contact.id, doc.sequence, doc.created, &json, now)?;
            let changes = match &previous {
                Some(p) => differences(&parse_body(&p.document)?, &body),
                None => Vec::new(),
            };
            Ok(Received::Share {
                contact,
                parties: body.parties.len(),
                changes,
                first: previous.is_none(),
            })
        }
        Body::Review(review) => {
            let items = review
                .items
                .iter()
                .map(|i| {
                    let verdict = match i.verdict.as_deref() {
                        None => None,
                        Some(code) => {
                            Some(Verdict::parse(code).map_err(|_| ShareError::Unreadable)?)
                        }
                    };
                    Ok(ReviewItem {
                        party_id: i.party,
                        plan_version: i.plan_version.clone(),
                        verdict,
                        text: i.text.clone(),
                        written: i.written,
                        safety_seen: i.safety_seen.clone(),
                    })
                })
                .collect::<Result<Vec<_>, ShareError>>()?;
            let check = ReviewCheck {
                in_reply_to: Some(review.in_reply_to),
                safety_fingerprint: Some(&current_safety_fingerprint),
            };
            let applied =
                vault.receive_review_checked(contact.id, doc.sequence, &check, &items, now)?;
            Ok(Received::Review { contact, applied })
        }
        Body::Stop(StopBody {}) => {
            vault.forget_shared(contact.id, doc.sequence)?;
            Ok(Received::Stop { contact })
        }
    }
}

fn parse_body(json: &str) -> Result<ShareBody, ShareError> {
    serde_json::from_str(json).map_err(|_| ShareError::Unreadable)
}

/// Someone who shared with this person: the latest share, what changed since the one before,
/// and their progress at a glance.
#[derive(Clone, Debug)]
pub struct Supported {
    pub contact: Contact,
    pub body: ShareBody,
    pub sequence: u64,
    pub sent_at: jiff::Timestamp,
    pub received_at: jiff::Timestamp,
    pub changes: Vec<Difference>,
    /// Whether this is the first share held from them (nothing to compare with).
    pub first: bool,
    pub glance: Glance,
}

fn held(e: SupportedEntry) -> Result<Supported, ShareError> {
    let body = parse_body(&e.document)?;
    let changes = match &e.previous {
        Some(p) => differences(&parse_body(p)?, &body),
        None => Vec::new(),
    };
    Ok(Supported {
        glance: glance(&body),
        first: e.previous.is_none(),
        contact: e.contact,
        sequence: e.sequence,
        sent_at: e.sent_at,
        received_at: e.received_at,
        changes,
        body,
    })
}

/// Everyone who has shared with this person, by name.
pub fn supported(vault: &Vault) -> Result<Vec<Supported>, ShareError> {
    vault.supported()?.into_iter().map(held).collect()
}

/// The latest share from one contact, if they have shared.
pub fn supported_from(
    vault: &Vault,
    contact: &ContactRef,
) -> Result<Option<Supported>, ShareError> {
    let contact = vault.contact(contact)?;
    vault.supported_from(contact.id)?.map(held).transpose()
}

/// A supporter's note on one party of a share they hold.
#[derive(Clone, Debug, Default)]
pub struct NoteInput {
    /// The sharer's party id, as in the share.
    pub party: Id,
    /// Whether it is about the plan (a verdict always is).
    pub about_plan: bool,
    pub verdict: Option<Verdict>,
    pub text: String,
}

/// Keeps a comment or a view on a plan, to go back in the next review bundle. A view on the plan
/// keeps the fingerprint of the safety verdict the share shows for that party (if it shows one):
/// the approval will count only for that verdict.
pub fn add_note(
    vault: &mut Vault,
    from: &ContactRef,
    note: &NoteInput,
    now: &Now,
) -> Result<Id, ShareError> {
    let held = supported_from(vault, from)?.ok_or(ShareError::NothingShared)?;
    let party = held
        .body
        .parties
        .iter()
        .find(|p| p.id == note.party)
        .ok_or(ShareError::NotInShare)?;
    let plan_version = if note.about_plan || note.verdict.is_some() {
        Some(
            party
                .plan
                .as_ref()
                .ok_or(ShareError::NoPlanShared)?
                .version
                .clone(),
        )
    } else {
        None
    };
    let seen = note
        .verdict
        .and(party.safety.as_ref())
        .map(safety_fingerprint);
    Ok(vault.add_review_note_seen(
        &ReviewNoteInput {
            contact_id: held.contact.id,
            party_ref: note.party,
            plan_version,
            verdict: note.verdict,
            text: note.text.clone(),
        },
        seen.as_deref(),
        now,
    )?)
}

/// Whether a note was written on the safety verdict that `body` (the latest share held) shows for
/// its party: true for a comment, and for a view given on the same verdict (or when neither the
/// share then nor the share now showed one). A view given on another verdict will not count.
pub fn note_on_current_safety(body: &ShareBody, note: &ReviewNote) -> bool {
    if note.verdict.is_none() {
        return true;
    }
    let now = body
        .parties
        .iter()
        .find(|p| p.id == note.party_ref)
        .and_then(|p| p.safety.as_ref())
        .map(safety_fingerprint);
    now == note.safety_seen
}

/// The notes not yet sent back, ready to preview.
#[derive(Clone, Debug)]
pub struct PreparedReview {
    pub contact: Contact,
    pub in_reply_to: u64,
    pub notes: Vec<ReviewNote>,
}

pub fn prepare_review(vault: &mut Vault, to: &ContactRef) -> Result<PreparedReview, ShareError> {
    let held = supported_from(vault, to)?.ok_or(ShareError::NothingShared)?;
    let contact = held.contact;
    if contact.verified.is_none() {
        return Err(ShareError::NotVerified);
    }
    let notes = vault.review_notes(contact.id, true)?;
    if notes.is_empty() {
        return Err(ShareError::NothingToReview);
    }
    Ok(PreparedReview {
        contact,
        in_reply_to: held.sequence,
        notes,
    })
}

/// Seals the review, marks its notes sent and logs it.
pub fn seal_review(
    vault: &mut Vault,
    prepared: &PreparedReview,
    now: &Now,
) -> Result<Sealed, ShareError> {
    seal_review_by(vault, prepared, Route::File, now)
}

/// As [`seal_review`], and puts the bundle in the outbox for the relay, in the same
/// transaction that logs it (`Sealed::outbox`). Send it with `send_via`.
pub fn seal_review_for_relay(
    vault: &mut Vault,
    prepared: &PreparedReview,
    now: &Now,
) -> Result<Sealed, ShareError> {
    seal_review_by(vault, prepared, Route::Relay, now)
}

fn seal_review_by(
    vault: &mut Vault,
    prepared: &PreparedReview,
    route: Route,
    now: &Now,
) -> Result<Sealed, ShareError> {
    let body = ReviewBody {
        in_reply_to: prepared.in_reply_to,
        items: prepared
            .notes
            .iter()
            .map(|n| ReviewItemOut {
                party: n.party_ref,
                plan_version: n.plan_version.clone(),
                verdict: n.verdict.map(|v| v.code().to_string()),
                safety_seen: n.verdict.and(n.safety_seen.clone()),
                text: n.text.clone(),
                written: n.written,
            })
            .collect(),
    };
    let n = body.items.len();
    let verdicts = body.items.iter().filter(|i| i.verdict.is_some()).count();
    let what = format!(
        "a review: {n} {}, {verdicts} on plans",
        plural(n, "note", "notes")
    );
    let sealed = seal_to(
        vault,
        &prepared.contact,
        Body::Review(body),
        what,
        route,
        now,
    )?;
    let ids: Vec<Id> = prepared.notes.iter().map(|n| n.id).collect();
    vault.mark_review_sent(&ids, sealed.sequence)?;
    Ok(sealed)
}

/// Removes a contact. If anything was ever sent to them, returns a final bundle asking their
/// app to delete what it holds from this person.
///
/// Bundles for them still waiting in the outbox are dropped: they were never delivered, and
/// this person has stopped sharing.
pub fn remove_contact(
    vault: &mut Vault,
    who: &ContactRef,
    now: &Now,
) -> Result<Option<Sealed>, ShareError> {
    remove_contact_by(vault, who, Route::File, now)
}

/// As [`remove_contact`], and the stop bundle (if any) goes into the outbox for the relay. It
/// is still sent after the contact is gone: the outbox keeps the recipient's key.
pub fn remove_contact_for_relay(
    vault: &mut Vault,
    who: &ContactRef,
    now: &Now,
) -> Result<Option<Sealed>, ShareError> {
    remove_contact_by(vault, who, Route::Relay, now)
}

fn remove_contact_by(
    vault: &mut Vault,
    who: &ContactRef,
    route: Route,
    now: &Now,
) -> Result<Option<Sealed>, ShareError> {
    let contact = vault.contact(who)?;
    let stop = if contact.sent_seq > 0 {
        Some(seal_to(
            vault,
            &contact,
            Body::Stop(StopBody {}),
            "stopped sharing: asked their app to delete what it holds".into(),
            route,
            now,
        )?)
    } else {
        None
    };
    vault.remove_contact(contact.id)?;
    Ok(stop)
}
