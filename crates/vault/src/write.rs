//! Every change to the vault. Each public method is one immediate transaction: it loads the
//! party, asks the core whether the change is allowed, and writes only if it is.

use amends_core::model::{
    Adviser, AsideReason, Cadence, Channel, Closure, CommitmentKind, HarmKind, HarmSource, Id,
    Method, Outcome, PartyKind, PartyRecord, Plan, Reach, SafetyAnswers, Settings, Willingness,
};
use amends_core::rules::{self, NewAttempt};
use amends_core::text::{self, NAME_MAX, SCRIPT_MAX, TEXT_MAX};
use amends_core::{Invalid, Money, Now, Refusal};
use jiff::civil::Date;
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};

use crate::load::records;
use crate::{Vault, VaultError};

/// Writes every setting (checked by the caller).
pub(crate) fn store_settings(tx: &Transaction<'_>, s: &Settings) -> Result<(), VaultError> {
    tx.execute(
        "UPDATE settings SET fellowship = ?1, amends_to_self = ?2, currency = ?3, language = ?4,
             auto_lock_minutes = ?5, crisis_line = ?6
         WHERE id = 1",
        params![
            s.fellowship.code(),
            i64::from(s.amends_to_self),
            s.currency.code(),
            s.language.code(),
            i64::from(s.auto_lock_minutes),
            s.crisis_line
        ],
    )?;
    Ok(())
}

/// How a person refers to a party: by id or by its (unique) name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartyRef {
    Id(Id),
    Name(String),
}

impl PartyRef {
    /// Digits are an id; anything else is a name.
    pub fn parse(text: &str) -> PartyRef {
        let t = text.trim();
        match t.parse::<Id>() {
            Ok(id) if !t.starts_with('+') => PartyRef::Id(id),
            _ => PartyRef::Name(t.to_string()),
        }
    }
}

/// A new harm.
#[derive(Clone, Debug, Default)]
pub struct HarmInput {
    pub did: String,
    pub should: String,
    pub effect: String,
    pub kinds: Vec<HarmKind>,
    pub when: String,
    pub owed: Option<Money>,
    pub property: String,
    pub third_parties: Vec<String>,
    pub source: Option<HarmSource>,
    pub sponsor_agrees: Option<bool>,
}

/// Changes to a harm; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct HarmEdit {
    pub did: Option<String>,
    pub should: Option<String>,
    pub effect: Option<String>,
    pub kinds: Option<Vec<HarmKind>>,
    pub when: Option<String>,
    /// `Some(None)` clears the amount owed.
    pub owed: Option<Option<Money>>,
    pub property: Option<String>,
    pub third_parties: Option<Vec<String>>,
    pub source: Option<HarmSource>,
    pub sponsor_agrees: Option<Option<bool>>,
}

/// Changes to a party; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct PartyEdit {
    pub name: Option<String>,
    pub kind: Option<PartyKind>,
    pub relationship: Option<String>,
    pub notes: Option<String>,
    /// The new name is the same as another party's, and the person said it is someone else.
    pub another: bool,
}

/// Parties whose name, or a name they had before a rename, is the same name as `name` (case,
/// accents, spaces and apostrophes ignored), other than `except`; lowest id first. The names
/// are the ones a spreadsheet import is matched against (`bulk::listed`).
pub(crate) fn same_name(
    tx: &rusqlite::Connection,
    name: &str,
    except: Option<Id>,
) -> Result<Vec<Id>, VaultError> {
    let key = text::name_key(name);
    let mut found: Vec<Id> = crate::bulk::listed(tx)?
        .into_iter()
        .filter(|l| Some(l.id) != except && text::name_key(&l.name) == key)
        .map(|l| l.id)
        .collect();
    found.sort_unstable();
    found.dedup();
    Ok(found)
}

/// How the refusal of a name already on the list begins (the web app asks its question
/// instead of showing the refusal).
pub const SAME_NAME: &str = "The list already has someone by this name";

/// The question "is this the same person?" when a name is already on the list.
fn same_person_refusal(ids: &[Id], renaming: bool) -> Refusal {
    let ids = ids
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    Refusal::new(
        None,
        format!(
            "{SAME_NAME}, now or before a rename (entry {ids}), so this may be the same person"
        ),
        if renaming {
            "If it is the same person, keep one entry (see it with `amends show ID`); if it is someone else, rename again with --another."
        } else {
            "If it is the same person, add to that entry (amends show ID, amends harm add ID ...), so that what is known about them, and the safety answers, stay in one place; if it is someone else, add them with --another."
        },
    )
}

/// A consultation with a sponsor or adviser.
#[derive(Clone, Debug)]
pub struct ConsultInput {
    pub with: Adviser,
    pub name: String,
    pub on: Date,
    pub advice: String,
    pub approved: Option<bool>,
}

/// A plan (replacing the current one; earlier plans are kept as history).
#[derive(Clone, Debug)]
pub struct PlanInput {
    pub method: Method,
    /// How a restitution is to reach them, where it is said (see `Way`).
    pub channel: Option<Channel>,
    pub script: String,
    pub on: Option<Date>,
    pub place: String,
}

/// A change to the plan; `None` keeps what the current plan has (`on: Some(None)` removes the date).
#[derive(Clone, Debug, Default)]
pub struct PlanChange {
    pub method: Option<Method>,
    /// With a method given, how a restitution is to reach them (`None`: not said); without
    /// one, the current plan's channel is kept.
    pub channel: Option<Channel>,
    pub script: Option<String>,
    pub on: Option<Option<Date>>,
    pub place: Option<String>,
}

/// An attempt and what came of it.
#[derive(Clone, Debug)]
pub struct AttemptInput {
    pub on: Date,
    pub method: Method,
    /// How a restitution reached them, where it is said (see `Way`).
    pub channel: Option<Channel>,
    pub outcome: Outcome,
    pub requests: String,
    pub feeling_before: String,
    pub feeling_after: String,
    pub notes: String,
    /// Harms they told of that were not on the list; each goes onto it.
    pub revealed: Vec<String>,
}

/// A new commitment and how it reaches them (`None`: the kind's default, which for a promise
/// or a restitution is to them directly).
#[derive(Clone, Debug)]
pub struct NewCommitment {
    pub what: CommitmentInput,
    pub via: Option<Reach>,
}

impl From<CommitmentInput> for NewCommitment {
    fn from(what: CommitmentInput) -> NewCommitment {
        NewCommitment { what, via: None }
    }
}

impl From<&CommitmentInput> for NewCommitment {
    fn from(what: &CommitmentInput) -> NewCommitment {
        NewCommitment {
            what: what.clone(),
            via: None,
        }
    }
}

impl CommitmentInput {
    /// The kind, as the rules see it.
    pub fn sort(&self) -> rules::CommitmentSort {
        match self {
            CommitmentInput::Restitution { .. } => rules::CommitmentSort::Restitution,
            CommitmentInput::Living { .. } => rules::CommitmentSort::Living,
            CommitmentInput::Promise { .. } => rules::CommitmentSort::Promise,
        }
    }
}

/// A new commitment.
#[derive(Clone, Debug)]
pub enum CommitmentInput {
    Restitution {
        amount: Money,
        instalment: Option<Money>,
        every: Option<Cadence>,
        starting: Date,
    },
    Living {
        behaviour: String,
        every: Cadence,
        starting: Date,
    },
    Promise {
        text: String,
        due: Date,
    },
}

/// What a write created, with anything worth telling the person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub id: Id,
    pub warnings: Vec<String>,
}

impl Recorded {
    fn new(id: Id) -> Recorded {
        Recorded {
            id,
            warnings: Vec::new(),
        }
    }
}

/// What a Step 10 capture did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Captured {
    pub party_id: Id,
    pub harm_id: Id,
    pub new_party: bool,
    pub reopened: bool,
    pub restored: bool,
}

pub(crate) fn ts(now: &Now) -> String {
    now.at.to_string()
}

pub(crate) fn b(v: bool) -> i64 {
    i64::from(v)
}

fn kinds_text(kinds: &[HarmKind]) -> String {
    let mut k: Vec<&str> = kinds.iter().map(|k| k.code()).collect();
    k.sort_unstable();
    k.dedup();
    k.join(",")
}

fn names_json(names: &[String]) -> Result<String, VaultError> {
    serde_json::to_string(names).map_err(|_| VaultError::Storage("names".into()))
}

fn clean_names(names: &[String]) -> Result<Vec<String>, VaultError> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        let n = text::optional("third parties", n, NAME_MAX)?;
        // Someone else's name is asked for by name in a consent (R1), which refuses these.
        text::no_direction_control("third parties", &n)?;
        if !n.is_empty() && !out.iter().any(|m| m.eq_ignore_ascii_case(&n)) {
            out.push(n);
        }
    }
    Ok(out)
}

/// A field given in an edit (`None`: keep what is there), checked as `text::optional`.
fn optional_text(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, Invalid> {
    value.map(|v| text::optional(field, v, max)).transpose()
}

pub(crate) fn not_future(field: &'static str, on: Date, now: &Now) -> Result<(), Invalid> {
    if on > now.today {
        return Err(Invalid::new(
            field,
            format!(
                "{} is in the future; record it on or after the day it happens",
                amends_core::dates::words(on)
            ),
        ));
    }
    Ok(())
}

fn resolve_in(tx: &rusqlite::Connection, r: &PartyRef) -> Result<Id, VaultError> {
    match r {
        PartyRef::Id(id) => tx
            .query_row("SELECT id FROM parties WHERE id = ?1", [id], |r| r.get(0))
            .optional()?
            .ok_or(VaultError::NoSuchParty),
        PartyRef::Name(name) => {
            let mut st = tx.prepare_cached(
                "SELECT id FROM parties WHERE name = ?1 COLLATE NOCASE ORDER BY id",
            )?;
            let ids: Vec<Id> = st
                .query_map([name.trim()], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            // With several of the same name, the one still on the list is meant.
            let ids = if ids.len() > 1 {
                let mut st = tx.prepare_cached(
                    "SELECT count(*) FROM party_asides WHERE party_id = ?1 AND restored_at IS NULL",
                )?;
                let mut on_list = Vec::new();
                for id in &ids {
                    let aside: i64 = st.query_row([id], |r| r.get(0))?;
                    if aside == 0 {
                        on_list.push(*id);
                    }
                }
                if on_list.len() == 1 { on_list } else { ids }
            } else {
                ids
            };
            match ids.len() {
                0 => Err(VaultError::NoSuchParty),
                1 => Ok(ids[0]),
                _ => Err(VaultError::AmbiguousParty(
                    ids.iter()
                        .map(|i| i.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                )),
            }
        }
    }
}

fn record_in(tx: &rusqlite::Connection, id: Id) -> Result<PartyRecord, VaultError> {
    records(tx, Some(id))?.pop().ok_or(VaultError::NoSuchParty)
}

fn refuse_set_aside(record: &PartyRecord, what: &str) -> Result<(), VaultError> {
    if let Some(a) = record.current_aside() {
        return Err(Refusal::new(
            None,
            format!(
                "This party is set aside ({}), so {what} cannot be recorded",
                a.reason.label()
            ),
            "Restore the party first (amends party restore PARTY) if it belongs on the list again.",
        )
        .into());
    }
    Ok(())
}

/// A harm's fields, checked and trimmed, ready to store.
pub(crate) struct CheckedHarm {
    pub(crate) did: String,
    pub(crate) should: String,
    pub(crate) effect: String,
    pub(crate) kinds: String,
    pub(crate) when: String,
    pub(crate) owed: Option<Money>,
    pub(crate) property: String,
    pub(crate) third_parties: String,
    pub(crate) sponsor_agrees: Option<i64>,
}

/// Checks a harm as every write of one does (the bulk import too).
pub(crate) fn check_harm(h: &HarmInput) -> Result<CheckedHarm, VaultError> {
    if let Some(m) = h.owed
        && m.minor <= 0
    {
        return Err(Invalid::new(
            "owed",
            "an amount owed must be more than zero; leave it out if nothing is owed",
        )
        .into());
    }
    Ok(CheckedHarm {
        did: text::required("did", &h.did, TEXT_MAX)?,
        should: text::optional("should", &h.should, TEXT_MAX)?,
        effect: text::optional("effect", &h.effect, TEXT_MAX)?,
        kinds: kinds_text(&h.kinds),
        when: text::optional("when", &h.when, NAME_MAX)?,
        owed: h.owed,
        property: text::optional("property", &h.property, TEXT_MAX)?,
        third_parties: names_json(&clean_names(&h.third_parties)?)?,
        sponsor_agrees: h.sponsor_agrees.map(b),
    })
}

fn insert_harm(
    tx: &Transaction<'_>,
    party: Id,
    h: &HarmInput,
    source: HarmSource,
    at: &str,
) -> Result<Id, VaultError> {
    let c = check_harm(h)?;
    store_harm(tx, party, &c, source, at)
}

/// Writes a checked harm (the statement is cached, so a bulk import pays for it once).
pub(crate) fn store_harm(
    tx: &Transaction<'_>,
    party: Id,
    c: &CheckedHarm,
    source: HarmSource,
    at: &str,
) -> Result<Id, VaultError> {
    tx.prepare_cached(
        "INSERT INTO harms (party_id, did, should, effect, kinds, happened, owed_minor,
                            owed_currency, property, third_parties, source, sponsor_agrees, recorded)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
            party,
            c.did,
            c.should,
            c.effect,
            c.kinds,
            c.when,
            c.owed.map(|m| m.minor),
            c.owed.map(|m| m.currency.code()),
            c.property,
            c.third_parties,
            source.code(),
            c.sponsor_agrees,
            at
        ])?;
    Ok(tx.last_insert_rowid())
}

fn insert_answers(
    tx: &Transaction<'_>,
    party: Id,
    a: &SafetyAnswers,
    at: &str,
    reason: &str,
) -> Result<(), VaultError> {
    tx.execute(
        "INSERT INTO safety_answers (party_id, court_order, asked_no_contact, abused_them,
            harmed_me, legal_risk, affair, third_parties, my_safety, deceased, unreachable,
            child, family, legal_decision, answered, reason, asked)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        params![
            party,
            b(a.court_order),
            b(a.asked_no_contact),
            b(a.abused_them),
            b(a.harmed_me),
            b(a.legal_risk),
            b(a.affair),
            b(a.third_parties),
            b(a.my_safety),
            b(a.deceased),
            b(a.unreachable),
            b(a.child),
            b(a.family),
            a.legal_decision,
            at,
            reason,
            a.asked.as_ref().map(|q| q.join(","))
        ],
    )?;
    Ok(())
}

impl Vault {
    /// Runs `f` in one immediate transaction: all of it is written, or none of it.
    pub(crate) fn write<T>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, VaultError>,
    ) -> Result<T, VaultError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    pub(crate) fn init_settings(&self, settings: &Settings) -> Result<(), VaultError> {
        self.conn.execute(
            "INSERT INTO settings (id, fellowship, amends_to_self, currency, language)
             VALUES (1, ?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO NOTHING",
            params![
                settings.fellowship.code(),
                b(settings.amends_to_self),
                settings.currency.code(),
                settings.language.code()
            ],
        )?;
        Ok(())
    }

    /// Replaces the settings. Turning amends-to-self off is refused while you are on the list.
    pub fn set_settings(&mut self, settings: &Settings) -> Result<(), VaultError> {
        settings.check()?;
        self.write(|tx| {
            if !settings.amends_to_self {
                let on_list: i64 = tx.query_row(
                    "SELECT count(*) FROM parties WHERE kind = 'self'",
                    [],
                    |r| r.get(0),
                )?;
                if on_list > 0 {
                    return Err(Refusal::new(
                        None,
                        "You are on your own list, so amends to self cannot be turned off",
                        "Change the kind of that entry first (amends party edit ID --kind person); an entry set aside still counts, so that it can be restored.",
                    )
                    .into());
                }
            }
            store_settings(tx, settings)
        })
    }

    /// Finds the id of a party by id or unique name.
    pub fn resolve(&self, r: &PartyRef) -> Result<Id, VaultError> {
        resolve_in(&self.conn, r)
    }

    /// Adds a party to the list. A name already on the list (or had before a rename) is refused:
    /// it may be the same person, whose safety answers would not follow a second entry. Use
    /// `add_another_party` once the person says it is someone else.
    pub fn add_party(
        &mut self,
        name: &str,
        kind: PartyKind,
        relationship: &str,
        notes: &str,
        now: &Now,
    ) -> Result<Recorded, VaultError> {
        self.insert_party(name, kind, relationship, notes, false, now)
    }

    /// Adds a party whose name is the same as one on the list, the person having said it is
    /// someone else.
    pub fn add_another_party(
        &mut self,
        name: &str,
        kind: PartyKind,
        relationship: &str,
        notes: &str,
        now: &Now,
    ) -> Result<Recorded, VaultError> {
        self.insert_party(name, kind, relationship, notes, true, now)
    }

    fn insert_party(
        &mut self,
        name: &str,
        kind: PartyKind,
        relationship: &str,
        notes: &str,
        another: bool,
        now: &Now,
    ) -> Result<Recorded, VaultError> {
        let name = text::name(name)?;
        let relationship = text::optional("relationship", relationship, NAME_MAX)?;
        let notes = text::optional("notes", notes, TEXT_MAX)?;
        self.write(|tx| {
            let settings = crate::load::settings(tx)?;
            rules::check_new_party(&settings, kind)?;
            let same = same_name(tx, &name, None)?;
            if !same.is_empty() && !another {
                return Err(same_person_refusal(&same, false).into());
            }
            tx.execute(
                "INSERT INTO parties (name, kind, relationship, notes, created) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![name, kind.code(), relationship, notes, ts(now)],
            )?;
            let mut rec = Recorded::new(tx.last_insert_rowid());
            if !same.is_empty() {
                rec.warnings.push(
                    "Another party has this name too; refer to each by its id from now on."
                        .into(),
                );
            }
            Ok(rec)
        })
    }

    /// Changes a party's name, kind, relationship or notes.
    pub fn edit_party(
        &mut self,
        r: &PartyRef,
        edit: &PartyEdit,
        now: &Now,
    ) -> Result<Recorded, VaultError> {
        let name = edit.name.as_deref().map(text::name).transpose()?;
        let relationship = optional_text("relationship", edit.relationship.as_deref(), NAME_MAX)?;
        let notes = optional_text("notes", edit.notes.as_deref(), TEXT_MAX)?;
        self.write(|tx| {
            let id = resolve_in(tx, r)?;
            if let Some(kind) = edit.kind {
                let settings = crate::load::settings(tx)?;
                rules::check_new_party(&settings, kind)?;
            }
            let same = match &name {
                Some(n) => same_name(tx, n, Some(id))?,
                None => Vec::new(),
            };
            if !same.is_empty() && !edit.another {
                return Err(same_person_refusal(&same, true).into());
            }
            let rec = record_in(tx, id)?;
            let previous = serde_json::json!({
                "name": rec.party.name,
                "kind": rec.party.kind.code(),
                "relationship": rec.party.relationship,
                "notes": rec.party.notes,
            });
            insert_edit(tx, id, None, &previous, now)?;
            tx.execute(
                "UPDATE parties SET name = coalesce(?2, name), kind = coalesce(?3, kind),
                    relationship = coalesce(?4, relationship), notes = coalesce(?5, notes)
                 WHERE id = ?1",
                params![id, name, edit.kind.map(|k| k.code()), relationship, notes],
            )?;
            let mut out = Recorded::new(id);
            if !same.is_empty() {
                out.warnings.push(
                    "Another party has this name too; refer to each by its id from now on.".into(),
                );
            }
            Ok(out)
        })
    }

    /// Sets a party aside with a reason; it stays in the vault and can be restored.
    pub fn set_aside_party(
        &mut self,
        r: &PartyRef,
        reason: AsideReason,
        note: &str,
        now: &Now,
    ) -> Result<Id, VaultError> {
        let note = aside_note(reason, note)?;
        self.write(|tx| {
            let id = resolve_in(tx, r)?;
            let rec = record_in(tx, id)?;
            if rec.current_aside().is_some() {
                return Err(Refusal::new(
                    None,
                    "This party is already set aside",
                    "Restore it first if you want to set it aside for a different reason.",
                )
                .into());
            }
            tx.execute(
                "INSERT INTO party_asides (party_id, reason, note, at) VALUES (?1, ?2, ?3, ?4)",
                params![id, reason.code(), note, ts(now)],
            )?;
            Ok(id)
        })
    }

    /// Puts a set-aside party back on the list.
    pub fn restore_party(&mut self, r: &PartyRef, now: &Now) -> Result<Id, VaultError> {
        self.write(|tx| {
            let id = resolve_in(tx, r)?;
            let n = tx.execute(
                "UPDATE party_asides SET restored_at = ?2 WHERE party_id = ?1 AND restored_at IS NULL",
                params![id, ts(now)],
            )?;
            if n == 0 {
                return Err(Refusal::new(
                    None,
                    "This party is not set aside",
                    "Nothing to restore; it is already on the list.",
                )
                .into());
            }
            Ok(id)
        })
    }

    /// Records a harm done to a party.
    pub fn add_harm(
        &mut self,
        r: &PartyRef,
        harm: &HarmInput,
        now: &Now,
    ) -> Result<Recorded, VaultError> {
        self.write(|tx| {
            let id = resolve_in(tx, r)?;
            let rec = record_in(tx, id)?;
            refuse_set_aside(&rec, "a new harm")?;
            let source = harm.source.unwrap_or(HarmSource::Memory);
            let harm_id = insert_harm(tx, id, harm, source, &ts(now))?;
            let mut out = Recorded::new(harm_id);
            if rec.last_made().is_some() {
                out.warnings.push(
                    "Amends were already made to this party; this new harm reopens it (R10)."
                        .into(),
                );
            }
            Ok(out)
        })
    }

    /// Changes a harm.
    pub fn edit_harm(&mut self, harm_id: Id, edit: &HarmEdit, now: &Now) -> Result<Id, VaultError> {
        self.write(|tx| {
            let party: Id = tx
                .query_row("SELECT party_id FROM harms WHERE id = ?1", [harm_id], |r| {
                    r.get(0)
                })
                .optional()?
                .ok_or(VaultError::NoSuch {
                    what: "harm",
                    id: harm_id,
                    hint: "See the harms with `amends show PARTY`.",
                })?;
            let rec = record_in(tx, party)?;
            let h = rec
                .harms
                .iter()
                .find(|h| h.id == harm_id)
                .ok_or(VaultError::NoSuchParty)?;
            let merged = HarmInput {
                did: edit.did.clone().unwrap_or_else(|| h.did.clone()),
                should: edit.should.clone().unwrap_or_else(|| h.should.clone()),
                effect: edit.effect.clone().unwrap_or_else(|| h.effect.clone()),
                kinds: edit.kinds.clone().unwrap_or_else(|| h.kinds.clone()),
                when: edit.when.clone().unwrap_or_else(|| h.when.clone()),
                owed: edit.owed.unwrap_or(h.owed),
                property: edit.property.clone().unwrap_or_else(|| h.property.clone()),
                third_parties: edit
                    .third_parties
                    .clone()
                    .unwrap_or_else(|| h.third_parties.clone()),
                source: Some(edit.source.unwrap_or(h.source)),
                sponsor_agrees: edit.sponsor_agrees.unwrap_or(h.sponsor_agrees),
            };
            let c = check_harm(&merged)?;
            let previous = serde_json::json!({
                "did": h.did,
                "should": h.should,
                "effect": h.effect,
                "kinds": h.kinds.iter().map(|k| k.code()).collect::<Vec<_>>(),
                "when": h.when,
                "owed": h.owed.map(|m| serde_json::json!({"minor": m.minor, "currency": m.currency.code()})),
                "property": h.property,
                "third_parties": h.third_parties,
                "source": h.source.code(),
                "sponsor_agrees": h.sponsor_agrees,
            });
            insert_edit(tx, party, Some(harm_id), &previous, now)?;
            tx.execute(
                "UPDATE harms SET did = ?2, should = ?3, effect = ?4, kinds = ?5, happened = ?6,
                    owed_minor = ?7, owed_currency = ?8, property = ?9, third_parties = ?10,
                    source = ?11, sponsor_agrees = ?12
                 WHERE id = ?1",
                params![
                    harm_id,
                    c.did,
                    c.should,
                    c.effect,
                    c.kinds,
                    c.when,
                    c.owed.map(|m| m.minor),
                    c.owed.map(|m| m.currency.code()),
                    c.property,
                    c.third_parties,
                    merged.source.unwrap_or(HarmSource::Memory).code(),
                    c.sponsor_agrees
                ],
            )?;
            Ok(harm_id)
        })
    }

    /// Sets one harm aside with a reason (it stays in the vault).
    pub fn set_aside_harm(
        &mut self,
        harm_id: Id,
        reason: AsideReason,
        note: &str,
        now: &Now,
    ) -> Result<(), VaultError> {
        let note = aside_note(reason, note)?;
        self.write(|tx| {
            harm_exists(tx, harm_id)?;
            let open: i64 = tx.query_row(
                "SELECT count(*) FROM harm_asides WHERE harm_id = ?1 AND restored_at IS NULL",
                [harm_id],
                |r| r.get(0),
            )?;
            if open > 0 {
                return Err(Refusal::new(
                    None,
                    "This harm is already set aside",
                    "Restore it first if you want to set it aside for a different reason.",
                )
                .into());
            }
            tx.execute(
                "INSERT INTO harm_asides (harm_id, reason, note, at) VALUES (?1, ?2, ?3, ?4)",
                params![harm_id, reason.code(), note, ts(now)],
            )?;
            Ok(())
        })
    }

    /// Puts a set-aside harm back on the list.
    pub fn restore_harm(&mut self, harm_id: Id, now: &Now) -> Result<(), VaultError> {
        self.write(|tx| {
            harm_exists(tx, harm_id)?;
            let n = tx.execute(
                "UPDATE harm_asides SET restored_at = ?2 WHERE harm_id = ?1 AND restored_at IS NULL",
                params![harm_id, ts(now)],
            )?;
            if n == 0 {
                return Err(Refusal::new(
                    None,
                    "This harm is not set aside",
                    "Nothing to restore; it is already on the list.",
                )
                .into());
            }
            Ok(())
        })
    }

    /// Records how willing the person is now; the history is kept.
    pub fn set_willingness(
        &mut self,
        r: &PartyRef,
        level: Willingness,
        note: &str,
        now: &Now,
    ) -> Result<Recorded, VaultError> {
        let note = text::optional("note", note, TEXT_MAX)?;
        self.write(|tx| {
            let id = resolve_in(tx, r)?;
            let rec = record_in(tx, id)?;
            refuse_set_aside(&rec, "willingness")?;
            tx.execute(
                "INSERT INTO willingness (party_id, level, note, at) VALUES (?1, ?2, ?3, ?4)",
                params![id, level.code(), note, ts(now)],
            )?;
            let mut out = Recorded::new(id);
            if level == Willingness::Never {
                out.warnings.push(
                    "\"Never\" is where many lists start. Keep asking; this will come up again in `amends due`."
                        .into(),
                );
            }
            Ok(out)
        })
    }

    /// Records the answers to the safety questions. Returns notes on what was kept.
    pub fn answer_safety(
        &mut self,
        r: &PartyRef,
        answers: SafetyAnswers,
        now: &Now,
    ) -> Result<(Id, Vec<String>), VaultError> {
        let mut answers = answers;
        answers.legal_decision =
            text::optional("legal decision", &answers.legal_decision, TEXT_MAX)?;
        self.write(|tx| {
            let id = resolve_in(tx, r)?;
            let rec = record_in(tx, id)?;
            refuse_set_aside(&rec, "safety answers")?;
            // Whole answers answer every question this party is asked now.
            let mut answers = answers;
            answers.asked = amends_core::questions::asked_after(&rec);
            let (settled, notes) = rules::settle_answers(&rec, answers);
            // Whole answers lift nothing that keeps them from being reached: that takes a
            // change with a reason (`change_safety`).
            let before = rec
                .safety
                .as_ref()
                .map(|s| s.answers.clone())
                .unwrap_or_default();
            rules::check_lift(&before, &settled, false, "")?;
            insert_answers(tx, id, &settled, &ts(now), "")?;
            Ok((id, notes))
        })
    }

    /// Applies a change to the safety answers in force, inside one transaction, so that an
    /// answer given meanwhile by another window is never lost. Returns the notes, and whether
    /// anything changed.
    pub fn change_safety(
        &mut self,
        r: &PartyRef,
        change: &rules::SafetyChange,
        now: &Now,
    ) -> Result<(Id, Vec<String>, bool), VaultError> {
        let mut change = change.clone();
        if let Some(d) = &change.legal_decision {
            change.legal_decision = Some(text::optional("legal decision", d, TEXT_MAX)?);
        }
        if let Some(r) = &change.reason {
            change.reason = Some(text::optional("reason", r, TEXT_MAX)?);
        }
        self.write(|tx| {
            let id = resolve_in(tx, r)?;
            let rec = record_in(tx, id)?;
            refuse_set_aside(&rec, "safety answers")?;
            let (next, notes) = rules::merge_answers(&rec, &change)?;
            let changed = next.is_some();
            if let Some(next) = next {
                let before = rec
                    .safety
                    .as_ref()
                    .map(|s| s.answers.clone())
                    .unwrap_or_default();
                let reason = if rules::lifts_protection(&before, &next).is_empty() {
                    ""
                } else {
                    change.reason.as_deref().unwrap_or("")
                };
                insert_answers(tx, id, &next, &ts(now), reason)?;
            }
            Ok((id, notes, changed))
        })
    }

    /// Records a consultation with a sponsor or adviser.
    pub fn consult(
        &mut self,
        r: &PartyRef,
        c: &ConsultInput,
        now: &Now,
    ) -> Result<Recorded, VaultError> {
        let name = text::optional("name", &c.name, NAME_MAX)?;
        let advice = text::optional("advice", &c.advice, TEXT_MAX)?;
        not_future("date", c.on, now)?;
        if c.with == Adviser::Lawyer && c.approved.is_some() {
            return Err(Invalid::new(
                "approve",
                "a lawyer advises on the legal side but does not approve an amends; record your sponsor's or adviser's approval separately",
            )
            .into());
        }
        self.write(|tx| {
            let id = resolve_in(tx, r)?;
            let rec = record_in(tx, id)?;
            refuse_set_aside(&rec, "a consultation")?;
            tx.execute(
                "INSERT INTO consultations (party_id, adviser, name, on_date, advice, approved, recorded)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    id,
                    c.with.code(),
                    name,
                    c.on.to_string(),
                    advice,
                    c.approved.map(b),
                    ts(now)
                ],
            )?;
            let mut out = Recorded::new(tx.last_insert_rowid());
            if c.approved == Some(true) && rec.plan.is_none() {
                out.warnings.push(
                    "There is no plan yet; an approval counts for the plan only if it comes after the plan is made."
                        .into(),
                );
            }
            Ok(out)
        })
    }

    /// Makes or replaces the plan, checked against the verdict.
    pub fn plan(&mut self, r: &PartyRef, p: &PlanInput, now: &Now) -> Result<Recorded, VaultError> {
        self.change_plan(
            r,
            &PlanChange {
                method: Some(p.method),
                channel: p.channel,
                script: Some(p.script.clone()),
                on: Some(p.on),
                place: Some(p.place.clone()),
            },
            now,
        )
    }

    /// Changes the plan: what is not given is kept from the current plan (inside the same
    /// transaction, so nothing saved meanwhile by another window is dropped).
    pub fn change_plan(
        &mut self,
        r: &PartyRef,
        p: &PlanChange,
        now: &Now,
    ) -> Result<Recorded, VaultError> {
        let script = optional_text("script", p.script.as_deref(), SCRIPT_MAX)?;
        let place = optional_text("place", p.place.as_deref(), NAME_MAX)?;
        self.write(|tx| {
            let id = resolve_in(tx, r)?;
            let rec = record_in(tx, id)?;
            let current = rec.plan.as_ref();
            let Some((method, channel)) = p
                .method
                .map(|m| (m, p.channel))
                .or(current.map(|c| (c.method, c.channel)))
            else {
                return Err(Invalid::new(
                    "method",
                    "a first plan needs a method: face-to-face, phone, video, letter, restitution, living, indirect or unsent-letter",
                )
                .into());
            };
            let plan = Plan {
                method,
                channel,
                script: script
                    .clone()
                    .or(current.map(|c| c.script.clone()))
                    .unwrap_or_default(),
                on: p.on.unwrap_or(current.and_then(|c| c.on)),
                place: place
                    .clone()
                    .or(current.map(|c| c.place.clone()))
                    .unwrap_or_default(),
                updated: now.at,
            };
            let mut warnings = rules::check_plan(&rec, &plan)?;
            if let Some(on) = plan.on
                && on < now.today
            {
                warnings.push(format!(
                    "The planned date {} is already past.",
                    amends_core::dates::words(on)
                ));
            }
            tx.execute(
                "INSERT INTO plans (party_id, method, script, on_date, place, updated, channel)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    id,
                    plan.method.code(),
                    plan.script,
                    plan.on.map(|d| d.to_string()),
                    plan.place,
                    ts(now),
                    plan.channel.map(|c| c.code())
                ],
            )?;
            Ok(Recorded { id, warnings })
        })
    }

    /// Records a third party's consent, or refusal (R1).
    pub fn consent(
        &mut self,
        r: &PartyRef,
        who: &str,
        given: bool,
        on: Date,
        note: &str,
        now: &Now,
    ) -> Result<Recorded, VaultError> {
        let who = text::name(who).map_err(|e| Invalid::new("who", e.message))?;
        let note = text::optional("note", note, TEXT_MAX)?;
        not_future("date", on, now)?;
        self.write(|tx| {
            let id = resolve_in(tx, r)?;
            let rec = record_in(tx, id)?;
            rules::check_consent(&rec)?;
            tx.execute(
                "INSERT INTO consents (party_id, who, given, on_date, note, recorded)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, who, b(given), on.to_string(), note, ts(now)],
            )?;
            Ok(Recorded::new(tx.last_insert_rowid()))
        })
    }

    /// Defers the amends with a reason and a review date (R9).
    pub fn defer(
        &mut self,
        r: &PartyRef,
        reason: &str,
        review_on: Date,
        now: &Now,
    ) -> Result<Recorded, VaultError> {
        let reason = text::optional("reason", reason, TEXT_MAX)?;
        self.write(|tx| {
            let id = resolve_in(tx, r)?;
            let rec = record_in(tx, id)?;
            rules::check_deferral(&rec, &reason, review_on, now.today)?;
            let replaced = rec.active_deferral().map(|d| d.review_on);
            // A new deferral replaces the one in force (which stays in the history).
            tx.execute(
                "UPDATE deferrals SET ended = ?2 WHERE party_id = ?1 AND ended IS NULL",
                params![id, ts(now)],
            )?;
            tx.execute(
                "INSERT INTO deferrals (party_id, reason, review_on, recorded) VALUES (?1, ?2, ?3, ?4)",
                params![id, reason, review_on.to_string(), ts(now)],
            )?;
            let mut out = Recorded::new(tx.last_insert_rowid());
            if let Some(old) = replaced {
                out.warnings.push(format!(
                    "This replaces the deferral that was to be reviewed on {}; its reason stays in the history.",
                    amends_core::dates::words(old)
                ));
            }
            Ok(out)
        })
    }

    /// Ends the deferral in force.
    pub fn end_deferral(&mut self, r: &PartyRef, now: &Now) -> Result<Id, VaultError> {
        self.write(|tx| {
            let id = resolve_in(tx, r)?;
            let rec = record_in(tx, id)?;
            let Some(d) = rec.active_deferral() else {
                return Err(
                    Refusal::new(None, "This amends is not deferred", "Nothing to end.").into(),
                );
            };
            tx.execute(
                "UPDATE deferrals SET ended = ?2 WHERE id = ?1",
                params![d.id, ts(now)],
            )?;
            Ok(id)
        })
    }

    /// Records an attempt, with the consequences its outcome has.
    pub fn attempt(
        &mut self,
        r: &PartyRef,
        a: &AttemptInput,
        now: &Now,
    ) -> Result<Recorded, VaultError> {
        let requests = text::optional("requests", &a.requests, TEXT_MAX)?;
        let before = text::optional("feeling before", &a.feeling_before, TEXT_MAX)?;
        let after = text::optional("feeling after", &a.feeling_after, TEXT_MAX)?;
        let notes = text::optional("notes", &a.notes, TEXT_MAX)?;
        let revealed: Vec<String> = a
            .revealed
            .iter()
            .map(|t| text::required("revealed", t, TEXT_MAX))
            .collect::<Result<_, _>>()?;
        self.write(|tx| {
            let id = resolve_in(tx, r)?;
            let rec = record_in(tx, id)?;
            rules::check_attempt(
                &rec,
                &NewAttempt {
                    on: a.on,
                    method: a.method,
                    channel: a.channel,
                    outcome: a.outcome,
                    words: &[&requests, &notes, &before, &after],
                },
                now.today,
            )?;
            let mut notes_out = Vec::new();
            if rec.safety.is_none() {
                notes_out.push(
                    "The safety questions were never answered for this party. Answer them now (amends safety PARTY ...), so that any exception that applies is known."
                        .to_string(),
                );
            }
            if let Some(d) = rec.active_deferral() {
                notes_out.push(format!(
                    "This attempt ends the deferral that was to be reviewed on {}.",
                    amends_core::dates::words(d.review_on)
                ));
            }
            let at = ts(now);
            tx.execute(
                "INSERT INTO attempts (party_id, on_date, method, outcome, requests, feeling_before,
                                       feeling_after, notes, recorded, channel)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    id,
                    a.on.to_string(),
                    a.method.code(),
                    a.outcome.code(),
                    requests,
                    before,
                    after,
                    notes,
                    at,
                    a.channel.map(|c| c.code())
                ],
            )?;
            let attempt_id = tx.last_insert_rowid();
            let mut out = Recorded::new(attempt_id);
            out.warnings.extend(notes_out);
            for text in &revealed {
                insert_harm(
                    tx,
                    id,
                    &HarmInput {
                        did: text.clone(),
                        ..HarmInput::default()
                    },
                    HarmSource::Revealed,
                    &at,
                )?;
            }
            if !revealed.is_empty() {
                out.warnings.push(format!(
                    "{} harm{} they told you of went onto the list.",
                    revealed.len(),
                    if revealed.len() == 1 { "" } else { "s" }
                ));
            }
            if a.outcome == Outcome::NoContact {
                let mut answers = rec
                    .safety
                    .as_ref()
                    .map(|s| s.answers.clone())
                    .unwrap_or_default();
                answers.asked_no_contact = true;
                insert_answers(tx, id, &answers, &at, "")?;
                out.warnings.push(
                    "They asked for no further contact. From now on only amends that do not reach them are possible (R5)."
                        .into(),
                );
            }
            if a.outcome == Outcome::WithRequest && requests.is_empty() {
                out.warnings.push(
                    "They asked for something: note it with --requests and record what you promised as a commitment."
                        .into(),
                );
            }
            Ok(out)
        })
    }

    /// Records a commitment: restitution, living amends or a promise, checked against the
    /// verdict (a court order or a wish for no contact leaves only the ways that do not reach them).
    pub fn add_commitment(
        &mut self,
        r: &PartyRef,
        c: impl Into<NewCommitment>,
        now: &Now,
    ) -> Result<Recorded, VaultError> {
        let NewCommitment { what: c, via } = c.into();
        let c = &c;
        let reach = via.unwrap_or(match c {
            CommitmentInput::Living { .. } => Reach::NoContact,
            _ => Reach::Them,
        });
        self.write(|tx| {
            let id = resolve_in(tx, r)?;
            let rec = record_in(tx, id)?;
            let words: Vec<&str> = match c {
                CommitmentInput::Living { behaviour, .. } => vec![behaviour.as_str()],
                CommitmentInput::Promise { text, .. } => vec![text.as_str()],
                CommitmentInput::Restitution { .. } => vec![],
            };
            rules::check_commitment(&rec, c.sort(), reach, &words)?;
            match c {
                CommitmentInput::Restitution {
                    amount,
                    instalment,
                    every,
                    starting,
                } => {
                    if amount.minor <= 0 {
                        return Err(Invalid::new("amount", "must be more than zero").into());
                    }
                    if let Some(i) = instalment {
                        if i.currency != amount.currency {
                            return Err(Invalid::new(
                                "instalment",
                                "must be in the same currency as the amount",
                            )
                            .into());
                        }
                        if i.minor <= 0 || i.minor > amount.minor {
                            return Err(Invalid::new(
                                "instalment",
                                "must be more than zero and no more than the whole amount",
                            )
                            .into());
                        }
                    }
                    tx.execute(
                        "INSERT INTO commitments (party_id, kind, amount_minor, currency,
                            instalment_minor, every, starting, recorded, reach)
                         VALUES (?1, 'restitution', ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        params![
                            id,
                            amount.minor,
                            amount.currency.code(),
                            instalment.map(|m| m.minor),
                            every.map(|e| e.code()),
                            starting.to_string(),
                            ts(now),
                            reach.code()
                        ],
                    )?;
                }
                CommitmentInput::Living {
                    behaviour,
                    every,
                    starting,
                } => {
                    let behaviour = text::required("behaviour", behaviour, TEXT_MAX)?;
                    tx.execute(
                        "INSERT INTO commitments (party_id, kind, every, starting, behaviour, recorded, reach)
                         VALUES (?1, 'living', ?2, ?3, ?4, ?5, 'no-contact')",
                        params![id, every.code(), starting.to_string(), behaviour, ts(now)],
                    )?;
                }
                CommitmentInput::Promise { text: t, due } => {
                    let t = text::required("promise", t, TEXT_MAX)?;
                    tx.execute(
                        "INSERT INTO commitments (party_id, kind, promise, due, recorded, reach)
                         VALUES (?1, 'promise', ?2, ?3, ?4, ?5)",
                        params![id, t, due.to_string(), ts(now), reach.code()],
                    )?;
                }
            }
            Ok(Recorded {
                id: tx.last_insert_rowid(),
                warnings: Vec::new(),
            })
        })
    }

    pub(crate) fn commitment_with_record(
        tx: &Transaction<'_>,
        cid: Id,
    ) -> Result<(amends_core::model::Commitment, PartyRecord), VaultError> {
        let party: Id = tx
            .query_row(
                "SELECT party_id FROM commitments WHERE id = ?1",
                [cid],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(VaultError::NoSuch {
                what: "commitment",
                id: cid,
                hint: "See them with `amends commitments`.",
            })?;
        let rec = record_in(tx, party)?;
        let c = rec
            .commitments
            .iter()
            .find(|c| c.id == cid)
            .cloned()
            .ok_or(VaultError::NoSuchParty)?;
        Ok((c, rec))
    }

    /// Records a payment on a restitution; the amount is in the commitment's currency.
    /// `via` is how this payment was made, where it differs from the way the restitution was
    /// recorded (`None`: the same way).
    pub fn pay(
        &mut self,
        cid: Id,
        amount: &str,
        on: Date,
        note: &str,
        via: Option<Reach>,
        now: &Now,
    ) -> Result<Money, VaultError> {
        let note = text::optional("note", note, TEXT_MAX)?;
        not_future("date", on, now)?;
        self.write(|tx| {
            let (c, rec) = Self::commitment_with_record(tx, cid)?;
            let CommitmentKind::Restitution { amount: total, .. } = &c.kind else {
                return Err(Refusal::new(
                    None,
                    format!("Commitment {cid} is a {}, not a restitution", c.kind_label()),
                    "Payments go on restitution commitments; see them with `amends commitments`.",
                )
                .into());
            };
            // Read as every form reads an amount: in the vault's language's convention, an
            // entry that reads two ways refused with both readings, never guessed.
            let language = crate::load::settings(tx)?.language;
            let money = Money::read(amount, total.currency, language).map_err(Invalid::from)?;
            if money.minor <= 0 {
                return Err(Invalid::new("amount", "a payment must be more than zero").into());
            }
            let balance = c.balance().unwrap_or(*total);
            if c.closed.is_some() || balance.minor == 0 {
                return Err(Refusal::new(
                    None,
                    "This restitution is already settled",
                    "Nothing more is owed on it.",
                )
                .into());
            }
            if money.minor > balance.minor {
                return Err(Invalid::new(
                    "amount",
                    "is more than the balance still owed; record at most the balance (see `amends commitments`)",
                )
                .into());
            }
            rules::check_payment(&rec, &c, on, via.unwrap_or(c.reach), &note, now)?;
            tx.execute(
                "INSERT INTO payments (commitment_id, on_date, amount_minor, note, via, recorded)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    cid,
                    on.to_string(),
                    money.minor,
                    note,
                    via.filter(|v| *v != c.reach).map(|v| v.code()),
                    ts(now)
                ],
            )?;
            Ok(Money::new(balance.minor - money.minor, balance.currency))
        })
    }

    /// Records a check-in on a living amends, kept or missed.
    pub fn check_in(
        &mut self,
        cid: Id,
        kept: bool,
        on: Date,
        note: &str,
        now: &Now,
    ) -> Result<Recorded, VaultError> {
        let note = text::optional("note", note, TEXT_MAX)?;
        not_future("date", on, now)?;
        self.write(|tx| {
            let (c, rec) = Self::commitment_with_record(tx, cid)?;
            if !matches!(c.kind, CommitmentKind::Living { .. }) {
                return Err(Refusal::new(
                    None,
                    format!(
                        "Commitment {cid} is a {}, not a living amends",
                        c.kind_code()
                    ),
                    "Check-ins go on living amends; see them with `amends commitments`.",
                )
                .into());
            }
            if c.closed.is_some() {
                return Err(Refusal::new(
                    None,
                    "This living amends was ended",
                    "Start a new living amends commitment if you are taking it up again.",
                )
                .into());
            }
            rules::check_checkin(&rec, &c, on, &note, now)?;
            tx.execute(
                "INSERT INTO checkins (commitment_id, on_date, kept, note, recorded) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![cid, on.to_string(), b(kept), note, ts(now)],
            )?;
            Ok(Recorded::new(tx.last_insert_rowid()))
        })
    }

    /// Closes a commitment: a promise kept, a debt released by them, a living amends ended.
    pub fn close_commitment(
        &mut self,
        cid: Id,
        how: Closure,
        on: Date,
        now: &Now,
    ) -> Result<(), VaultError> {
        not_future("date", on, now)?;
        self.write(|tx| {
            let (c, rec) = Self::commitment_with_record(tx, cid)?;
            if c.closed.is_some() {
                return Err(Refusal::new(
                    None,
                    "This commitment is already closed",
                    "Nothing to change.",
                )
                .into());
            }
            rules::check_close(&rec, &c, how)?;
            tx.execute(
                "UPDATE commitments SET closed_how = ?2, closed_on = ?3 WHERE id = ?1",
                params![cid, how.code(), on.to_string()],
            )?;
            Ok(())
        })
    }

    /// Step 10: a new wrong goes onto the list at once, reopening a party whose amends were made.
    pub fn capture(
        &mut self,
        name: &str,
        kind: PartyKind,
        harm: &HarmInput,
        now: &Now,
    ) -> Result<Captured, VaultError> {
        let name = text::name(name)?;
        self.write(|tx| {
            let at = ts(now);
            let existing = match resolve_in(tx, &PartyRef::Name(name.clone())) {
                Ok(id) => Some(id),
                // The same name written another way, or a name they had before a rename, is
                // the same person: their safety answers apply to what is captured.
                Err(VaultError::NoSuchParty) => match same_name(tx, &name, None)?.as_slice() {
                    [] => None,
                    [one] => Some(*one),
                    many => {
                        return Err(VaultError::AmbiguousParty(
                            many.iter()
                                .map(|i| i.to_string())
                                .collect::<Vec<_>>()
                                .join(", "),
                        ));
                    }
                },
                Err(e) => return Err(e),
            };
            let (party_id, new_party) = match existing {
                Some(id) => (id, false),
                None => {
                    let settings = crate::load::settings(tx)?;
                    rules::check_new_party(&settings, kind)?;
                    tx.execute(
                        "INSERT INTO parties (name, kind, created) VALUES (?1, ?2, ?3)",
                        params![name, kind.code(), at],
                    )?;
                    (tx.last_insert_rowid(), true)
                }
            };
            let rec = record_in(tx, party_id)?;
            let restored = if rec.current_aside().is_some() {
                tx.execute(
                    "UPDATE party_asides SET restored_at = ?2 WHERE party_id = ?1 AND restored_at IS NULL",
                    params![party_id, at],
                )?;
                true
            } else {
                false
            };
            let harm_id = insert_harm(tx, party_id, harm, HarmSource::Step10, &at)?;
            Ok(Captured {
                party_id,
                harm_id,
                new_party,
                reopened: rec.last_made().is_some(),
                restored,
            })
        })
    }
}

/// Keeps the words an entry had before an edit.
fn insert_edit(
    tx: &Transaction<'_>,
    party: Id,
    harm: Option<Id>,
    previous: &serde_json::Value,
    now: &Now,
) -> Result<(), VaultError> {
    tx.execute(
        "INSERT INTO edits (party_id, harm_id, previous, replaced_at) VALUES (?1, ?2, ?3, ?4)",
        params![party, harm, previous.to_string(), ts(now)],
    )?;
    Ok(())
}

fn harm_exists(tx: &Transaction<'_>, harm_id: Id) -> Result<(), VaultError> {
    let n: i64 = tx.query_row("SELECT count(*) FROM harms WHERE id = ?1", [harm_id], |r| {
        r.get(0)
    })?;
    if n == 0 {
        return Err(VaultError::NoSuch {
            what: "harm",
            id: harm_id,
            hint: "See the harms with `amends show PARTY`.",
        });
    }
    Ok(())
}

fn aside_note(reason: AsideReason, note: &str) -> Result<String, VaultError> {
    let note = text::optional("note", note, TEXT_MAX)?;
    if reason == AsideReason::Other && note.is_empty() {
        return Err(Invalid::new(
            "note",
            "when the reason is \"other\", say what it is with a note",
        )
        .into());
    }
    Ok(note)
}
