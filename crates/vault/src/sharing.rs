//! What the vault keeps for sharing with a sponsor or adviser, and for being one: this vault's
//! identity secrets, its contacts, a log of what was sent, the latest document received from
//! each person supported, review notes written for them, and the reviews received on one's own
//! parties.
//!
//! A view on a plan counts as the review of rule R2 only for the plan it was given on and for the
//! safety verdict the reviewer saw: the sharing crate says what the verdict is now
//! (`ReviewCheck`), so that the vault compares it inside the transaction that files the review.
//!
//! The vault does no cryptography and never reads inside a shared document: those are the
//! sharing crate's work. Each write here is one immediate transaction, like the rest of the
//! vault, and no error quotes a name, a contact code or anything typed.

use amends_core::model::{Adviser, Id, PartyRecord};
use amends_core::text::{self, NAME_MAX, TEXT_MAX};
use amends_core::{Invalid, Now};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::load::ts;
use crate::{Vault, VaultError};

/// The role of a contact whom this person supports (they share with me; I review).
const SUPPORTED: &str = "supported";

/// This vault's own keys: the age secret that opens what is sent to it and the seed of the
/// ed25519 key that signs what it sends.
#[derive(Clone)]
pub struct StoredIdentity {
    /// The "AGE-SECRET-KEY-1..." string.
    pub age_secret: SecretString,
    /// The 32-byte ed25519 seed.
    pub sign_seed: Zeroizing<[u8; 32]>,
    pub created: Timestamp,
}

impl std::fmt::Debug for StoredIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoredIdentity { .. }")
    }
}

/// A supporter's view of a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    Approved,
    TalkFirst,
}

impl Verdict {
    pub const ALL: &'static [Verdict] = &[Verdict::Approved, Verdict::TalkFirst];

    /// The stable code stored and sent.
    pub fn code(self) -> &'static str {
        match self {
            Verdict::Approved => "approved",
            Verdict::TalkFirst => "talk-first",
        }
    }

    /// Plain words for a person.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Approved => "approved",
            Verdict::TalkFirst => "let's talk it over first",
        }
    }

    /// Parses a code (case-insensitive; `_` and spaces are read as `-`).
    pub fn parse(text: &str) -> Result<Verdict, Invalid> {
        let wanted = text.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        match wanted.as_str() {
            "approved" | "approve" => Ok(Verdict::Approved),
            "talk-first" | "talk" => Ok(Verdict::TalkFirst),
            _ => Err(Invalid::new(
                "verdict",
                "must be one of: approved, talk-first",
            )),
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// What kind of bundle was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SentKind {
    Share,
    Review,
    Stop,
}

impl SentKind {
    pub const ALL: &'static [SentKind] = &[SentKind::Share, SentKind::Review, SentKind::Stop];

    /// The stable code stored.
    pub fn code(self) -> &'static str {
        match self {
            SentKind::Share => "share",
            SentKind::Review => "review",
            SentKind::Stop => "stop",
        }
    }

    /// Parses a code (case-insensitive).
    pub fn parse(text: &str) -> Result<SentKind, Invalid> {
        match text.trim().to_ascii_lowercase().as_str() {
            "share" => Ok(SentKind::Share),
            "review" => Ok(SentKind::Review),
            "stop" => Ok(SentKind::Stop),
            _ => Err(Invalid::new("kind", "must be one of: share, review, stop")),
        }
    }
}

impl std::fmt::Display for SentKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// How a person refers to a contact: by id or by the name they gave it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContactRef {
    Id(Id),
    Label(String),
}

impl ContactRef {
    /// Digits are an id; anything else is a name (matched without regard to case).
    pub fn parse(text: &str) -> ContactRef {
        let t = text.trim();
        match t.parse::<Id>() {
            Ok(id) if !t.starts_with('+') => ContactRef::Id(id),
            _ => ContactRef::Label(t.to_string()),
        }
    }
}

/// Someone this vault shares with or receives from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub id: Id,
    /// The name this person gives the contact.
    pub label: String,
    /// An adviser code (sponsor, spiritual-adviser, therapist, lawyer) or "supported".
    pub role: String,
    /// "age1..."
    pub age_recipient: String,
    /// 64 lowercase hex digits.
    pub sign_key: String,
    pub added: Timestamp,
    /// When the fingerprint was confirmed; `None` until then.
    pub verified: Option<Timestamp>,
    pub sent_seq: u64,
    pub received_seq: u64,
}

impl Contact {
    /// Whether this contact's verdicts can count as the review of rule R2 (a sponsor,
    /// spiritual adviser or therapist; not a lawyer, not someone this person supports).
    pub fn can_approve(&self) -> bool {
        approver(&self.role).is_some()
    }
}

/// A new contact.
#[derive(Clone, Debug)]
pub struct NewContact {
    pub label: String,
    pub role: String,
    pub age_recipient: String,
    pub sign_key: String,
}

/// A bundle that was sent, to log.
#[derive(Clone, Debug)]
pub struct SentInput {
    pub contact_id: Id,
    pub kind: SentKind,
    pub sequence: u64,
    /// A short summary in words, made by the caller.
    pub what: String,
    pub bytes: u64,
}

/// A logged bundle. The contact's name is kept even after the contact is removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentEntry {
    pub id: Id,
    pub contact_id: Option<Id>,
    pub contact_label: String,
    pub kind: SentKind,
    pub sequence: u64,
    pub what: String,
    pub bytes: u64,
    pub at: Timestamp,
}

/// The latest document a supported person shared, and the one it replaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupportedEntry {
    pub contact: Contact,
    pub sequence: u64,
    pub sent_at: Timestamp,
    pub received_at: Timestamp,
    pub document: String,
    pub previous: Option<String>,
}

/// A note a supporter writes on one of the shared parties.
#[derive(Clone, Debug)]
pub struct ReviewNoteInput {
    pub contact_id: Id,
    /// The sharer's party id, as in their document.
    pub party_ref: Id,
    /// The plan's `updated` timestamp string the note is about, if any.
    pub plan_version: Option<String>,
    pub verdict: Option<Verdict>,
    pub text: String,
}

/// A stored review note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewNote {
    pub id: Id,
    pub contact_id: Id,
    pub party_ref: Id,
    pub plan_version: Option<String>,
    pub verdict: Option<Verdict>,
    pub text: String,
    pub written: Timestamp,
    /// The sequence of the review bundle it went out in; `None` until sent.
    pub sent_sequence: Option<u64>,
    /// With a view on the plan: the fingerprint of the safety verdict the share showed when the
    /// note was written; `None` when it showed none (or the note is older than schema 8).
    pub safety_seen: Option<String>,
}

/// One note in a review bundle received, about one of this person's parties.
#[derive(Clone, Debug)]
pub struct ReviewItem {
    pub party_id: Id,
    pub plan_version: Option<String>,
    pub verdict: Option<Verdict>,
    pub text: String,
    pub written: Timestamp,
    /// The fingerprint of the safety verdict the reviewer saw, if the review carried one.
    pub safety_seen: Option<String>,
}

/// What the vault needs, besides the review, to judge whether a view on a plan still stands for
/// the safety verdict in force.
#[derive(Clone, Copy, Default)]
pub struct ReviewCheck<'a> {
    /// The sequence of the share the review answers (its `in_reply_to`), to find when that
    /// share was sent.
    pub in_reply_to: Option<u64>,
    /// The fingerprint of a party's safety verdict as it stands (the sharing crate's
    /// `current_safety_fingerprint`), compared with the one the reviewer saw.
    pub safety_fingerprint: Option<&'a dyn Fn(&PartyRecord) -> String>,
}

impl std::fmt::Debug for ReviewCheck<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReviewCheck")
            .field("in_reply_to", &self.in_reply_to)
            .field("safety_fingerprint", &self.safety_fingerprint.is_some())
            .finish()
    }
}

/// Why a view on a plan was kept but not counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StaleReason {
    /// The plan changed after the reviewer saw it.
    Plan,
    /// The safety answers changed after the reviewer saw them: the verdict they saw is not the
    /// one in force (or, from an older app with no fingerprint, the answers changed after the
    /// share they reviewed).
    Safety,
    /// The reviewer did not see the safety verdict (it was left out of the share, or their app
    /// is older), and a rule applies to the party: they approved without knowing it (R2).
    Unseen,
}

impl StaleReason {
    /// The stored code in `reviews_received.stale`.
    fn stored(self) -> i64 {
        match self {
            StaleReason::Plan => 1,
            StaleReason::Safety => 2,
            StaleReason::Unseen => 3,
        }
    }

    fn from_stored(v: i64) -> Option<StaleReason> {
        match v {
            0 => None,
            2 => Some(StaleReason::Safety),
            3 => Some(StaleReason::Unseen),
            _ => Some(StaleReason::Plan),
        }
    }

    /// Why it does not count, in plain words for the person.
    pub fn words(self) -> &'static str {
        match self {
            StaleReason::Plan => {
                "your plan changed after your sponsor reviewed it; share again for a new look"
            }
            StaleReason::Safety => {
                "your safety answers changed after your sponsor reviewed; share again"
            }
            StaleReason::Unseen => {
                "your sponsor reviewed without seeing the safety verdict, and a rule applies here; share again with the verdict"
            }
        }
    }
}

/// What applying a review bundle did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReviewApplied {
    /// Notes without a verdict that counts: comments, and verdicts from a contact whose
    /// approval cannot count (a lawyer, or someone this person supports).
    pub comments: usize,
    /// Verdicts recorded as a consultation on the current plan (approvals and "talk first").
    pub approvals_counted: usize,
    /// Verdicts on a plan that has changed since (or is gone): kept, not counted.
    pub stale_verdicts: usize,
    /// Verdicts given on a safety verdict that is not the one in force (the safety answers
    /// changed after the reviewer saw them, or they never saw it while a rule applies): kept, not
    /// counted.
    pub safety_changed: usize,
    /// Notes about a party this vault does not have: skipped.
    pub unknown_parties: usize,
}

/// A review received on one of this person's parties.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedReview {
    pub id: Id,
    pub party_id: Id,
    pub contact_label: String,
    pub plan_version: Option<String>,
    pub verdict: Option<Verdict>,
    pub text: String,
    pub written: Timestamp,
    pub received: Timestamp,
    /// Whether it was recorded as a consultation.
    pub counted: bool,
    /// A verdict kept but not counted when it arrived: the plan, or the safety answers, had
    /// changed since the reviewer saw them (`why_stale` says which).
    pub stale: bool,
    pub why_stale: Option<StaleReason>,
}

pub(crate) fn bad(what: &str) -> VaultError {
    VaultError::Storage(format!("a stored {what} could not be read"))
}

pub(crate) fn stamp(now: &Now) -> String {
    now.at.to_string()
}

fn opt_ts(s: Option<String>) -> Result<Option<Timestamp>, VaultError> {
    s.map(|s| ts(&s)).transpose()
}

pub(crate) fn count(v: i64, what: &str) -> Result<u64, VaultError> {
    u64::try_from(v).map_err(|_| bad(what))
}

/// A sequence number or size as SQLite stores it.
pub(crate) fn stored(field: &'static str, v: u64) -> Result<i64, VaultError> {
    i64::try_from(v).map_err(|_| Invalid::new(field, "is too large").into())
}

fn verdict_from(v: Option<String>) -> Result<Option<Verdict>, VaultError> {
    v.map(|v| Verdict::parse(&v).map_err(|_| bad("verdict")))
        .transpose()
}

/// The adviser whose verdicts can count for a contact's role, if any.
fn approver(role: &str) -> Option<Adviser> {
    Adviser::parse(role).ok().filter(|a| a.can_approve())
}

/// A role as stored: an adviser's canonical code, or "supported".
fn role_code(role: &str) -> Result<String, VaultError> {
    let r = role.trim();
    if r.eq_ignore_ascii_case(SUPPORTED) {
        return Ok(SUPPORTED.to_string());
    }
    Adviser::parse(r)
        .map(|a| a.code().to_string())
        .map_err(|_| {
            Invalid::new(
                "role",
                "must be one of: sponsor, spiritual-adviser, therapist, lawyer, supported",
            )
            .into()
        })
}

fn bad_code() -> VaultError {
    Invalid::new(
        "code",
        "is not a complete contact code; copy the whole code again and try once more",
    )
    .into()
}

/// An age recipient, lowercased ("age1" then letters and digits).
fn recipient_code(s: &str) -> Result<String, VaultError> {
    let r = s.trim().to_ascii_lowercase();
    if !r.starts_with("age1") || r.len() > 8192 || !r.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return Err(bad_code());
    }
    Ok(r)
}

/// A signing key as 64 lowercase hex digits.
fn sign_key_code(s: &str) -> Result<String, VaultError> {
    let k = s.trim().to_ascii_lowercase();
    if k.len() != 64 || !k.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(bad_code());
    }
    Ok(k)
}

/// Optional words: `None` when empty once trimmed.
fn optional_words(
    field: &'static str,
    v: Option<&str>,
    max: usize,
) -> Result<Option<String>, VaultError> {
    match v {
        None => Ok(None),
        Some(v) => {
            let v = text::optional(field, v, max)?;
            Ok((!v.is_empty()).then_some(v))
        }
    }
}

const CONTACT_COLS: &str = "c.id, c.label, c.role, c.age_recipient, c.sign_key, c.added, c.verified, c.sent_seq, c.received_seq";

/// A contact from the nine columns of `CONTACT_COLS`, starting at column 0.
fn contact_row(r: &Row<'_>) -> Result<Contact, VaultError> {
    let added: String = r.get(5)?;
    Ok(Contact {
        id: r.get(0)?,
        label: r.get(1)?,
        role: r.get(2)?,
        age_recipient: r.get(3)?,
        sign_key: r.get(4)?,
        added: ts(&added)?,
        verified: opt_ts(r.get(6)?)?,
        sent_seq: count(r.get(7)?, "sequence")?,
        received_seq: count(r.get(8)?, "sequence")?,
    })
}

pub(crate) fn contact_by_id(conn: &Connection, id: Id) -> Result<Contact, VaultError> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {CONTACT_COLS} FROM contacts c WHERE c.id = ?1"
    ))?;
    let mut rows = st.query([id])?;
    match rows.next()? {
        Some(r) => contact_row(r),
        None => Err(VaultError::NoSuchContact),
    }
}

fn read_identity(conn: &Connection) -> Result<Option<StoredIdentity>, VaultError> {
    let row = conn
        .query_row(
            "SELECT age_secret, sign_seed, created FROM identity WHERE id = 1",
            [],
            |r| {
                Ok((
                    Zeroizing::new(r.get::<_, String>(0)?),
                    Zeroizing::new(r.get::<_, Vec<u8>>(1)?),
                    r.get::<_, String>(2)?,
                ))
            },
        )
        .optional()?;
    let Some((secret, seed, created)) = row else {
        return Ok(None);
    };
    let mut sign_seed = Zeroizing::new([0u8; 32]);
    if seed.len() != 32 {
        return Err(bad("identity"));
    }
    sign_seed.copy_from_slice(&seed);
    Ok(Some(StoredIdentity {
        age_secret: SecretString::from(secret.as_str()),
        sign_seed,
        created: ts(&created)?,
    }))
}

/// Refuses a bundle whose sequence is not past the last one opened from this contact, and
/// moves the mark on. Returns the contact.
fn take_sequence(
    tx: &Transaction<'_>,
    contact_id: Id,
    sequence: u64,
) -> Result<Contact, VaultError> {
    let contact = contact_by_id(tx, contact_id)?;
    if sequence <= contact.received_seq {
        return Err(VaultError::Replayed);
    }
    tx.execute(
        "UPDATE contacts SET received_seq = ?2 WHERE id = ?1",
        params![contact_id, stored("sequence", sequence)?],
    )?;
    Ok(contact)
}

impl Vault {
    /// This vault's identity, if one was made.
    pub fn identity(&self) -> Result<Option<StoredIdentity>, VaultError> {
        read_identity(&self.conn)
    }

    /// Stores `candidate` unless an identity exists; returns the stored one (an existing one
    /// wins, so two windows racing keep one identity).
    pub fn keep_identity(
        &mut self,
        candidate: StoredIdentity,
    ) -> Result<StoredIdentity, VaultError> {
        if candidate.age_secret.expose_secret().trim().is_empty() {
            return Err(
                Invalid::new("identity", "the secret key is empty; nothing was stored").into(),
            );
        }
        self.write(|tx| {
            tx.execute(
                "INSERT INTO identity (id, age_secret, sign_seed, created) VALUES (1, ?1, ?2, ?3)
                 ON CONFLICT (id) DO NOTHING",
                params![
                    candidate.age_secret.expose_secret(),
                    &candidate.sign_seed[..],
                    candidate.created.to_string()
                ],
            )?;
            read_identity(tx)?.ok_or_else(|| bad("identity"))
        })
    }

    /// Every contact, by name.
    pub fn contacts(&self) -> Result<Vec<Contact>, VaultError> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {CONTACT_COLS} FROM contacts c ORDER BY c.label COLLATE NOCASE, c.id"
        ))?;
        let mut rows = st.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(contact_row(r)?);
        }
        Ok(out)
    }

    /// One contact, by id or by name (case does not matter).
    pub fn contact(&self, r: &ContactRef) -> Result<Contact, VaultError> {
        match r {
            ContactRef::Id(id) => contact_by_id(&self.conn, *id),
            ContactRef::Label(label) => {
                let mut st = self.conn.prepare_cached(&format!(
                    "SELECT {CONTACT_COLS} FROM contacts c WHERE c.label = ?1 COLLATE NOCASE
                     ORDER BY c.label = ?1 DESC, c.id LIMIT 1"
                ))?;
                let mut rows = st.query([label.trim()])?;
                match rows.next()? {
                    Some(r) => contact_row(r),
                    None => Err(VaultError::NoSuchContact),
                }
            }
        }
    }

    /// The contact whose signing key this is, if any.
    pub fn contact_by_sign_key(&self, sign_key_hex: &str) -> Result<Option<Contact>, VaultError> {
        let key = sign_key_hex.trim().to_ascii_lowercase();
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {CONTACT_COLS} FROM contacts c WHERE c.sign_key = ?1"
        ))?;
        let mut rows = st.query([key])?;
        rows.next()?.map(contact_row).transpose()
    }

    /// Adds a contact. A name already used (whatever its case) or a code already on the list
    /// is refused, and nothing is written.
    pub fn add_contact(&mut self, c: &NewContact, now: &Now) -> Result<Id, VaultError> {
        let label = text::name(&c.label)?;
        let role = role_code(&c.role)?;
        let recipient = recipient_code(&c.age_recipient)?;
        let sign_key = sign_key_code(&c.sign_key)?;
        self.write(|tx| {
            let same_name: i64 = tx.query_row(
                "SELECT count(*) FROM contacts WHERE label = ?1 COLLATE NOCASE",
                [&label],
                |r| r.get(0),
            )?;
            if same_name > 0 {
                return Err(Invalid::new(
                    "name",
                    "you already have a contact with that name; choose another",
                )
                .into());
            }
            let same_code: i64 = tx.query_row(
                "SELECT count(*) FROM contacts WHERE age_recipient = ?1 OR sign_key = ?2",
                [&recipient, &sign_key],
                |r| r.get(0),
            )?;
            if same_code > 0 {
                return Err(Invalid::new(
                    "code",
                    "that contact code is already on your contacts list",
                )
                .into());
            }
            tx.execute(
                "INSERT INTO contacts (label, role, age_recipient, sign_key, added)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![label, role, recipient, sign_key, stamp(now)],
            )?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// Marks a contact's fingerprint as confirmed. The first confirmation's time is kept.
    pub fn verify_contact(&mut self, id: Id, now: &Now) -> Result<(), VaultError> {
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE contacts SET verified = coalesce(verified, ?2) WHERE id = ?1",
                params![id, stamp(now)],
            )?;
            if n == 0 {
                return Err(VaultError::NoSuchContact);
            }
            Ok(())
        })
    }

    /// Removes a contact with the document they shared and the review notes written for
    /// them. The log of what was sent keeps their name; reviews received from them stay.
    ///
    /// Bundles for them still waiting in the outbox are dropped (they were never delivered, and
    /// the person has stopped sharing), except a last "stop" bundle, which still has to go.
    pub fn remove_contact(&mut self, id: Id) -> Result<(), VaultError> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM outbox WHERE contact_id = ?1 AND kind <> 'stop'",
                [id],
            )?;
            let n = tx.execute("DELETE FROM contacts WHERE id = ?1", [id])?;
            if n == 0 {
                return Err(VaultError::NoSuchContact);
            }
            Ok(())
        })
    }

    /// Increments and returns the contact's sent sequence (first call returns 1).
    pub fn next_sent_sequence(&mut self, contact_id: Id) -> Result<u64, VaultError> {
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE contacts SET sent_seq = sent_seq + 1 WHERE id = ?1",
                [contact_id],
            )?;
            if n == 0 {
                return Err(VaultError::NoSuchContact);
            }
            let seq: i64 = tx.query_row(
                "SELECT sent_seq FROM contacts WHERE id = ?1",
                [contact_id],
                |r| r.get(0),
            )?;
            count(seq, "sequence")
        })
    }

    /// Logs a bundle sent to a contact, keeping the contact's name with it.
    pub fn record_sent(&mut self, s: &SentInput, now: &Now) -> Result<Id, VaultError> {
        let checked = CheckedSent::new(s)?;
        self.write(|tx| Ok(checked.insert(tx, now)?.0))
    }

    /// Everything sent, newest first.
    pub fn sent_log(&self) -> Result<Vec<SentEntry>, VaultError> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, contact_id, contact_label, kind, sequence, what, bytes, at
             FROM shares_sent ORDER BY id DESC",
        )?;
        let mut rows = st.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let kind: String = r.get(3)?;
            let at: String = r.get(7)?;
            out.push(SentEntry {
                id: r.get(0)?,
                contact_id: r.get(1)?,
                contact_label: r.get(2)?,
                kind: SentKind::parse(&kind).map_err(|_| bad("kind"))?,
                sequence: count(r.get(4)?, "sequence")?,
                what: r.get(5)?,
                bytes: count(r.get(6)?, "size")?,
                at: ts(&at)?,
            });
        }
        Ok(out)
    }

    /// Stores a share document from a contact. `sequence` must be greater than the last one
    /// opened from them, else `Replayed` and nothing changes. The current document (if any)
    /// becomes `previous`.
    pub fn receive_share(
        &mut self,
        contact_id: Id,
        sequence: u64,
        sent_at: Timestamp,
        document: &str,
        now: &Now,
    ) -> Result<(), VaultError> {
        let seq = stored("sequence", sequence)?;
        self.write(|tx| {
            take_sequence(tx, contact_id, sequence)?;
            tx.execute(
                "INSERT INTO supported (contact_id, sequence, sent_at, received_at, document, previous)
                 VALUES (?1, ?2, ?3, ?4, ?5, NULL)
                 ON CONFLICT (contact_id) DO UPDATE SET
                     sequence = excluded.sequence,
                     sent_at = excluded.sent_at,
                     received_at = excluded.received_at,
                     previous = supported.document,
                     document = excluded.document",
                params![contact_id, seq, sent_at.to_string(), stamp(now), document],
            )?;
            Ok(())
        })
    }

    /// The documents of everyone supported, by contact name.
    pub fn supported(&self) -> Result<Vec<SupportedEntry>, VaultError> {
        self.supported_where(None)
    }

    /// The contacts who have shared something that is held here, without reading what.
    pub fn sharing_contact_ids(&self) -> Result<Vec<Id>, VaultError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT contact_id FROM supported ORDER BY contact_id")?;
        let ids = st.query_map([], |r| r.get(0))?;
        Ok(ids.collect::<Result<Vec<Id>, _>>()?)
    }

    /// The document a contact last shared, if any.
    pub fn supported_from(&self, contact_id: Id) -> Result<Option<SupportedEntry>, VaultError> {
        Ok(self.supported_where(Some(contact_id))?.pop())
    }

    fn supported_where(&self, only: Option<Id>) -> Result<Vec<SupportedEntry>, VaultError> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {CONTACT_COLS}, s.sequence, s.sent_at, s.received_at, s.document, s.previous
             FROM supported s JOIN contacts c ON c.id = s.contact_id
             WHERE ?1 IS NULL OR s.contact_id = ?1
             ORDER BY c.label COLLATE NOCASE, c.id"
        ))?;
        let mut rows = st.query([only])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let sent_at: String = r.get(10)?;
            let received_at: String = r.get(11)?;
            out.push(SupportedEntry {
                contact: contact_row(r)?,
                sequence: count(r.get(9)?, "sequence")?,
                sent_at: ts(&sent_at)?,
                received_at: ts(&received_at)?,
                document: r.get(12)?,
                previous: r.get(13)?,
            });
        }
        Ok(out)
    }

    /// A "stop sharing" bundle: the same sequence check as `receive_share`; deletes the
    /// document that contact shared and the review notes written for them. The contact stays.
    pub fn forget_shared(&mut self, contact_id: Id, sequence: u64) -> Result<(), VaultError> {
        self.write(|tx| {
            take_sequence(tx, contact_id, sequence)?;
            tx.execute("DELETE FROM supported WHERE contact_id = ?1", [contact_id])?;
            tx.execute(
                "DELETE FROM review_notes WHERE contact_id = ?1",
                [contact_id],
            )?;
            Ok(())
        })
    }

    /// Writes a review note on a party someone shared. It needs a comment, a verdict or both.
    pub fn add_review_note(&mut self, n: &ReviewNoteInput, now: &Now) -> Result<Id, VaultError> {
        self.add_review_note_seen(n, None, now)
    }

    /// As [`Vault::add_review_note`], keeping with a view on the plan the fingerprint of the
    /// safety verdict the share showed (64 hex digits), to send back with it.
    pub fn add_review_note_seen(
        &mut self,
        n: &ReviewNoteInput,
        safety_seen: Option<&str>,
        now: &Now,
    ) -> Result<Id, VaultError> {
        let seen = match safety_seen.map(|s| s.trim().to_ascii_lowercase()) {
            None => None,
            Some(s) if s.len() == 64 && s.bytes().all(|c| c.is_ascii_hexdigit()) => Some(s),
            Some(_) => {
                return Err(Invalid::new("safety", "is not a verdict fingerprint").into());
            }
        };
        // Only a view on the plan is judged against the verdict.
        let seen = seen.filter(|_| n.verdict.is_some());
        let body = text::optional("comment", &n.text, TEXT_MAX)?;
        let version = optional_words("plan version", n.plan_version.as_deref(), NAME_MAX)?;
        if n.verdict.is_none() && body.is_empty() {
            return Err(Invalid::new(
                "comment",
                "write a comment, or choose approved or let's talk first",
            )
            .into());
        }
        self.write(|tx| {
            contact_by_id(tx, n.contact_id)?;
            tx.execute(
                "INSERT INTO review_notes (contact_id, party_ref, plan_version, verdict, text, written,
                     safety_seen)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    n.contact_id,
                    n.party_ref,
                    version,
                    n.verdict.map(Verdict::code),
                    body,
                    stamp(now),
                    seen
                ],
            )?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// Deletes a review note not yet sent. A sent one is kept as the record of what was sent.
    pub fn delete_review_note(&mut self, id: Id) -> Result<(), VaultError> {
        self.write(|tx| {
            let sent: Option<Option<i64>> = tx
                .query_row(
                    "SELECT sent_sequence FROM review_notes WHERE id = ?1",
                    [id],
                    |r| r.get(0),
                )
                .optional()?;
            match sent {
                None => Err(no_such_note(id)),
                Some(Some(_)) => Err(Invalid::new(
                    "note",
                    "was already sent, so it stays as the record of what you sent; write a new note instead",
                )
                .into()),
                Some(None) => {
                    tx.execute("DELETE FROM review_notes WHERE id = ?1", [id])?;
                    Ok(())
                }
            }
        })
    }

    /// The review notes written for a contact, oldest first; only those not yet sent if asked.
    pub fn review_notes(
        &self,
        contact_id: Id,
        unsent_only: bool,
    ) -> Result<Vec<ReviewNote>, VaultError> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, contact_id, party_ref, plan_version, verdict, text, written, sent_sequence,
                    safety_seen
             FROM review_notes WHERE contact_id = ?1 AND (?2 = 0 OR sent_sequence IS NULL)
             ORDER BY id",
        )?;
        let mut rows = st.query(params![contact_id, unsent_only])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let written: String = r.get(6)?;
            let sent: Option<i64> = r.get(7)?;
            out.push(ReviewNote {
                id: r.get(0)?,
                contact_id: r.get(1)?,
                party_ref: r.get(2)?,
                plan_version: r.get(3)?,
                verdict: verdict_from(r.get(4)?)?,
                text: r.get(5)?,
                written: ts(&written)?,
                sent_sequence: sent.map(|s| count(s, "sequence")).transpose()?,
                safety_seen: r.get(8)?,
            });
        }
        Ok(out)
    }

    /// Marks review notes as sent in the bundle with this sequence. Notes already sent keep
    /// the sequence they went out with; an id that does not exist changes nothing at all.
    pub fn mark_review_sent(&mut self, ids: &[Id], sequence: u64) -> Result<(), VaultError> {
        let seq = stored("sequence", sequence)?;
        self.write(|tx| {
            for id in ids {
                let exists: i64 = tx.query_row(
                    "SELECT count(*) FROM review_notes WHERE id = ?1",
                    [id],
                    |r| r.get(0),
                )?;
                if exists == 0 {
                    return Err(no_such_note(*id));
                }
                tx.execute(
                    "UPDATE review_notes SET sent_sequence = ?2 WHERE id = ?1 AND sent_sequence IS NULL",
                    params![id, seq],
                )?;
            }
            Ok(())
        })
    }

    /// Applies a review bundle from a contact to this person's own parties, in one
    /// transaction, with no way to compare safety verdicts: every view on a plan is judged as
    /// one from an app that sent no fingerprint (see [`Vault::receive_review_checked`]), and the
    /// share it answers is taken to be no later than the note was written.
    pub fn receive_review(
        &mut self,
        contact_id: Id,
        sequence: u64,
        items: &[ReviewItem],
        now: &Now,
    ) -> Result<ReviewApplied, VaultError> {
        self.receive_review_checked(contact_id, sequence, &ReviewCheck::default(), items, now)
    }

    /// Applies a review bundle from a contact to this person's own parties, in one
    /// transaction. A verdict from a sponsor, spiritual adviser or therapist becomes a
    /// consultation (so an approval satisfies R2) only if it is on the plan as it still is AND
    /// on the safety verdict in force: the fingerprint the reviewer saw must match
    /// `check.safety_fingerprint` of the party now, or, for a view that carries no fingerprint
    /// (an older app, or a share that left the verdict out), the safety answers must not have
    /// changed after the share it answers was sent. Otherwise it is kept but marked stale, with
    /// the reason. Notes on parties this vault does not have are skipped, and notes with
    /// neither words nor a verdict are ignored.
    pub fn receive_review_checked(
        &mut self,
        contact_id: Id,
        sequence: u64,
        check: &ReviewCheck<'_>,
        items: &[ReviewItem],
        now: &Now,
    ) -> Result<ReviewApplied, VaultError> {
        // Check every note before anything is written: a bad one refuses the whole bundle.
        let mut checked = Vec::with_capacity(items.len());
        for item in items {
            let body = text::optional("comment", &item.text, TEXT_MAX)?;
            let version = optional_words("plan version", item.plan_version.as_deref(), NAME_MAX)?;
            checked.push((item, body, version));
        }
        self.write(|tx| {
            let contact = take_sequence(tx, contact_id, sequence)?;
            let adviser = approver(&contact.role);
            let shared_at = match check.in_reply_to {
                Some(seq) => tx
                    .query_row(
                        "SELECT at FROM shares_sent
                         WHERE contact_id = ?1 AND kind = 'share' AND sequence = ?2
                         ORDER BY id DESC LIMIT 1",
                        params![contact_id, stored("sequence", seq)?],
                        |r| r.get::<_, String>(0),
                    )
                    .optional()?
                    .map(|t| ts(&t))
                    .transpose()?,
                None => None,
            };
            let at = stamp(now);
            let mut out = ReviewApplied::default();
            for (item, body, version) in &checked {
                if item.verdict.is_none() && body.is_empty() {
                    continue;
                }
                let party: Option<i64> = tx
                    .query_row(
                        "SELECT id FROM parties WHERE id = ?1",
                        [item.party_id],
                        |r| r.get(0),
                    )
                    .optional()?;
                if party.is_none() {
                    out.unknown_parties += 1;
                    continue;
                }
                let mut consultation = None;
                let mut stale = None;
                match (item.verdict, adviser) {
                    (Some(verdict), Some(adviser)) => {
                        let current: Option<String> = tx
                            .query_row(
                                "SELECT updated FROM plans WHERE party_id = ?1 ORDER BY id DESC LIMIT 1",
                                [item.party_id],
                                |r| r.get(0),
                            )
                            .optional()?;
                        let current = current.map(|u| ts(&u)).transpose()?;
                        let same_plan = match (current, version) {
                            (Some(updated), Some(v)) => updated.to_string() == *v,
                            _ => false,
                        };
                        if !same_plan {
                            stale = Some(StaleReason::Plan);
                        } else if let Some(why) = safety_differs(tx, check, item, shared_at)? {
                            stale = Some(why);
                        }
                        if stale.is_none() {
                            let advice = if body.is_empty() {
                                match verdict {
                                    Verdict::Approved => "Approved the plan as shared.",
                                    Verdict::TalkFirst => "Asked to talk it over first.",
                                }
                                .to_string()
                            } else {
                                body.clone()
                            };
                            tx.execute(
                                "INSERT INTO consultations (party_id, adviser, name, on_date, advice, approved, recorded)
                                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                params![
                                    item.party_id,
                                    adviser.code(),
                                    contact.label,
                                    now.today.to_string(),
                                    advice,
                                    i64::from(verdict == Verdict::Approved),
                                    at
                                ],
                            )?;
                            consultation = Some(tx.last_insert_rowid());
                            out.approvals_counted += 1;
                        } else if matches!(
                            stale,
                            Some(StaleReason::Safety | StaleReason::Unseen)
                        ) {
                            out.safety_changed += 1;
                        } else {
                            out.stale_verdicts += 1;
                        }
                    }
                    _ => out.comments += 1,
                }
                tx.execute(
                    "INSERT INTO reviews_received (party_id, contact_label, plan_version, verdict,
                         text, written, received, consultation_id, stale)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    params![
                        item.party_id,
                        contact.label,
                        version,
                        item.verdict.map(Verdict::code),
                        body,
                        item.written.to_string(),
                        at,
                        consultation,
                        stale.map_or(0, StaleReason::stored)
                    ],
                )?;
            }
            Ok(out)
        })
    }

    /// The reviews received on a party, oldest first.
    pub fn reviews_for(&self, party_id: Id) -> Result<Vec<ReceivedReview>, VaultError> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, party_id, contact_label, plan_version, verdict, text, written, received,
                    consultation_id, stale
             FROM reviews_received WHERE party_id = ?1 ORDER BY id",
        )?;
        let mut rows = st.query([party_id])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let written: String = r.get(6)?;
            let received: String = r.get(7)?;
            let consultation: Option<Id> = r.get(8)?;
            out.push(ReceivedReview {
                id: r.get(0)?,
                party_id: r.get(1)?,
                contact_label: r.get(2)?,
                plan_version: r.get(3)?,
                verdict: verdict_from(r.get(4)?)?,
                text: r.get(5)?,
                written: ts(&written)?,
                received: ts(&received)?,
                counted: consultation.is_some(),
                stale: r.get::<_, i64>(9)? != 0,
                why_stale: StaleReason::from_stored(r.get(9)?),
            });
        }
        Ok(out)
    }
}

/// Why a view on a party's plan was not given on the safety verdict in force, if it was not.
/// With a fingerprint and the means to compare it, they must match. Without (an older app, or a
/// share that left the verdict out), no rule may apply to the party now, and the safety answers
/// must not have changed after the share it answers was sent (when that is not in the log: after
/// the note was written).
fn safety_differs(
    tx: &Transaction<'_>,
    check: &ReviewCheck<'_>,
    item: &ReviewItem,
    shared_at: Option<Timestamp>,
) -> Result<Option<StaleReason>, VaultError> {
    let record = crate::load::records(tx, Some(item.party_id))?
        .pop()
        .ok_or_else(|| bad("party"))?;
    if let (Some(seen), Some(now)) = (&item.safety_seen, check.safety_fingerprint) {
        return Ok((!now(&record).eq_ignore_ascii_case(seen.trim())).then_some(StaleReason::Safety));
    }
    let since = shared_at.unwrap_or(item.written);
    if record.safety.as_ref().is_some_and(|s| s.answered > since) {
        return Ok(Some(StaleReason::Safety));
    }
    // Where a rule applies, a view given without the verdict was given without knowing it.
    Ok((!amends_core::rules::verdict(&record).reasons.is_empty()).then_some(StaleReason::Unseen))
}

/// A log entry checked before its transaction starts.
pub(crate) struct CheckedSent<'a> {
    input: &'a SentInput,
    what: String,
    sequence: i64,
    bytes: i64,
}

impl<'a> CheckedSent<'a> {
    pub(crate) fn new(s: &'a SentInput) -> Result<CheckedSent<'a>, VaultError> {
        Ok(CheckedSent {
            input: s,
            what: text::optional("what", &s.what, TEXT_MAX)?,
            sequence: stored("sequence", s.sequence)?,
            bytes: stored("bytes", s.bytes)?,
        })
    }

    /// Writes the log entry; returns its id and the contact it went to.
    pub(crate) fn insert(
        &self,
        tx: &Transaction<'_>,
        now: &Now,
    ) -> Result<(Id, Contact), VaultError> {
        let contact = contact_by_id(tx, self.input.contact_id)?;
        tx.execute(
            "INSERT INTO shares_sent (contact_id, contact_label, kind, sequence, what, bytes, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                contact.id,
                contact.label,
                self.input.kind.code(),
                self.sequence,
                self.what,
                self.bytes,
                stamp(now)
            ],
        )?;
        Ok((tx.last_insert_rowid(), contact))
    }
}

fn no_such_note(id: Id) -> VaultError {
    VaultError::NoSuch {
        what: "review note",
        id,
        hint: "It may have been deleted already, or removed when they stopped sharing.",
    }
}
