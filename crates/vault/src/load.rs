//! Reading the facts back into core records: one query per table, grouped in memory.

use std::collections::HashMap;

use amends_core::model::{
    Adviser, AsideReason, Attempt, Cadence, CheckIn, Closure, Commitment, CommitmentKind, Consent,
    Consultation, Deferral, Fellowship, Harm, HarmKind, HarmSource, Id, Language, Method, Outcome,
    Party, PartyKind, PartyRecord, Payment, Plan, Reach, SafetyAnswers, SafetyRecord, SetAside,
    Settings, Willingness, WillingnessEntry,
};
use amends_core::{Currency, Money};
use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{Connection, Row};

use crate::{Vault, VaultError};

fn bad(what: &str) -> VaultError {
    VaultError::Storage(format!("a stored {what} could not be read"))
}

pub(crate) fn ts(s: &str) -> Result<Timestamp, VaultError> {
    s.parse().map_err(|_| bad("time"))
}

pub(crate) fn date(s: &str) -> Result<Date, VaultError> {
    s.parse().map_err(|_| bad("date"))
}

fn opt_ts(s: Option<String>) -> Result<Option<Timestamp>, VaultError> {
    s.map(|s| ts(&s)).transpose()
}

fn opt_date(s: Option<String>) -> Result<Option<Date>, VaultError> {
    s.map(|s| date(&s)).transpose()
}

fn cur(s: &str) -> Result<Currency, VaultError> {
    Currency::parse(s).map_err(|_| bad("currency"))
}

fn opt_bool(v: Option<i64>) -> Option<bool> {
    v.map(|v| v != 0)
}

fn code<T>(parsed: Result<T, amends_core::Invalid>, what: &str) -> Result<T, VaultError> {
    parsed.map_err(|_| bad(what))
}

pub(crate) fn settings(conn: &Connection) -> Result<Settings, VaultError> {
    let (f, s, c, l, a, line): (String, i64, String, String, i64, String) = conn.query_row(
        "SELECT fellowship, amends_to_self, currency, language, auto_lock_minutes, crisis_line
         FROM settings WHERE id = 1",
        [],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        },
    )?;
    Ok(Settings {
        fellowship: code(Fellowship::parse(&f), "fellowship")?,
        amends_to_self: s != 0,
        currency: cur(&c)?,
        language: code(Language::parse(&l), "language")?,
        auto_lock_minutes: u32::try_from(a).map_err(|_| bad("auto_lock_minutes"))?,
        crisis_line: line,
    })
}

/// Scopes a statement written with `?1 IS NULL OR col = ?1` to one party (`col = ?1`, which
/// can use the index) or to all parties (no filter and no parameter), so that neither case
/// pays for the other.
fn scoped(sql: &str, only: Option<Id>) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(i) = rest.find("?1 IS NULL OR ") {
        out.push_str(&rest[..i]);
        let after = &rest[i + "?1 IS NULL OR ".len()..];
        let end = after
            .find("= ?1")
            .map(|j| j + "= ?1".len())
            .unwrap_or(after.len());
        if only.is_some() {
            out.push_str(&after[..end]);
        } else {
            out.push('1');
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Runs a statement written with `?1 IS NULL OR col = ?1`, scoped to one party or to all of
/// them (see `scoped`), and hands each row to `f`.
fn each_row(
    conn: &Connection,
    sql: &str,
    only: Option<Id>,
    mut f: impl FnMut(&Row<'_>) -> Result<(), VaultError>,
) -> Result<(), VaultError> {
    let mut st = conn.prepare_cached(&scoped(sql, only))?;
    let mut rows = match only {
        Some(id) => st.query([id])?,
        None => st.query([])?,
    };
    while let Some(r) = rows.next()? {
        f(r)?;
    }
    Ok(())
}

/// The twelve answers and the legal decision, in schema order, starting at column `first`.
fn safety_answers(r: &Row<'_>, first: usize) -> Result<SafetyAnswers, VaultError> {
    let b = |i: usize| -> rusqlite::Result<bool> { Ok(r.get::<_, i64>(first + i)? != 0) };
    Ok(SafetyAnswers {
        court_order: b(0)?,
        asked_no_contact: b(1)?,
        abused_them: b(2)?,
        harmed_me: b(3)?,
        legal_risk: b(4)?,
        affair: b(5)?,
        third_parties: b(6)?,
        my_safety: b(7)?,
        deceased: b(8)?,
        unreachable: b(9)?,
        child: b(10)?,
        family: b(11)?,
        legal_decision: r.get(first + 12)?,
        asked: asked(r.get(first + 13)?)?,
    })
}

/// The questions asked, as stored (`None`: all twelve, as before schema 9).
fn asked(text: Option<String>) -> Result<Option<Vec<&'static str>>, VaultError> {
    let Some(text) = text else {
        return Ok(None);
    };
    let names: Vec<String> = text
        .split(',')
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect();
    code(amends_core::questions::parse_asked(&names), "asked").map(Some)
}

/// A channel as stored (NULL: not said).
fn channel(text: Option<String>) -> Result<Option<amends_core::model::Channel>, VaultError> {
    text.map(|t| code(amends_core::model::Channel::parse(&t), "channel"))
        .transpose()
}

fn aside(r: &Row<'_>) -> rusqlite::Result<(Id, Id, String, String, String, Option<String>)> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn to_aside(
    (id, _, reason, note, at, restored): (Id, Id, String, String, String, Option<String>),
) -> Result<SetAside, VaultError> {
    Ok(SetAside {
        id,
        reason: code(AsideReason::parse(&reason), "reason")?,
        note,
        at: ts(&at)?,
        restored_at: opt_ts(restored)?,
    })
}

/// Loads the records of the parties matching `filter` (`None` for all), ordered by id.
pub(crate) fn records(conn: &Connection, only: Option<Id>) -> Result<Vec<PartyRecord>, VaultError> {
    let mut out: Vec<PartyRecord> = Vec::new();
    let mut index: HashMap<Id, usize> = HashMap::new();
    each_row(
        conn,
        "SELECT id, name, kind, relationship, notes, created FROM parties
             WHERE ?1 IS NULL OR id = ?1 ORDER BY id",
        only,
        |r| {
            let kind: String = r.get(2)?;
            let created: String = r.get(5)?;
            let party = Party {
                id: r.get(0)?,
                name: r.get(1)?,
                kind: code(PartyKind::parse(&kind), "kind")?,
                relationship: r.get(3)?,
                notes: r.get(4)?,
                created: ts(&created)?,
            };
            index.insert(party.id, out.len());
            out.push(PartyRecord::new(party));
            Ok(())
        },
    )?;
    if out.is_empty() {
        return Ok(out);
    }
    let slot = |id: Id| index.get(&id).copied();

    each_row(
        conn,
        "SELECT id, party_id, reason, note, at, restored_at FROM party_asides
         WHERE ?1 IS NULL OR party_id = ?1 ORDER BY id",
        only,
        |r| {
            let row = aside(r)?;
            if let Some(i) = slot(row.1) {
                out[i].asides.push(to_aside(row)?);
            }
            Ok(())
        },
    )?;

    let mut harm_asides: HashMap<Id, Vec<SetAside>> = HashMap::new();
    each_row(
        conn,
        "SELECT a.id, a.harm_id, a.reason, a.note, a.at, a.restored_at
         FROM harm_asides a JOIN harms h ON h.id = a.harm_id
         WHERE ?1 IS NULL OR h.party_id = ?1 ORDER BY a.id",
        only,
        |r| {
            let row = aside(r)?;
            harm_asides.entry(row.1).or_default().push(to_aside(row)?);
            Ok(())
        },
    )?;
    each_row(
        conn,
        "SELECT id, party_id, did, should, effect, kinds, happened, owed_minor, owed_currency,
                    property, third_parties, source, sponsor_agrees, recorded
             FROM harms WHERE ?1 IS NULL OR party_id = ?1 ORDER BY id",
        only,
        |r| {
            let id: Id = r.get(0)?;
            let party_id: Id = r.get(1)?;
            let kinds: String = r.get(5)?;
            let owed_minor: Option<i64> = r.get(7)?;
            let owed_currency: Option<String> = r.get(8)?;
            let third: String = r.get(10)?;
            let source: String = r.get(11)?;
            let recorded: String = r.get(13)?;
            let owed = match (owed_minor, owed_currency) {
                (Some(m), Some(c)) => Some(Money::new(m, cur(&c)?)),
                _ => None,
            };
            let harm = Harm {
                id,
                party_id,
                did: r.get(2)?,
                should: r.get(3)?,
                effect: r.get(4)?,
                kinds: kinds
                    .split(',')
                    .filter(|k| !k.is_empty())
                    .map(|k| code(HarmKind::parse(k), "harm kind"))
                    .collect::<Result<_, _>>()?,
                when: r.get(6)?,
                owed,
                property: r.get(9)?,
                third_parties: serde_json::from_str(&third).map_err(|_| bad("list of names"))?,
                source: code(HarmSource::parse(&source), "source")?,
                sponsor_agrees: opt_bool(r.get(12)?),
                recorded: ts(&recorded)?,
                asides: harm_asides.remove(&id).unwrap_or_default(),
            };
            if let Some(i) = slot(party_id) {
                out[i].harms.push(harm);
            }
            Ok(())
        },
    )?;
    each_row(
        conn,
        "SELECT id, party_id, level, note, at FROM willingness
             WHERE ?1 IS NULL OR party_id = ?1 ORDER BY id",
        only,
        |r| {
            let party_id: Id = r.get(1)?;
            let level: String = r.get(2)?;
            let at: String = r.get(4)?;
            if let Some(i) = slot(party_id) {
                out[i].willingness.push(WillingnessEntry {
                    id: r.get(0)?,
                    level: code(Willingness::parse(&level), "willingness")?,
                    note: r.get(3)?,
                    at: ts(&at)?,
                });
            }
            Ok(())
        },
    )?;
    // Only the latest answers count; earlier ones stay in the table as history.
    each_row(
        conn,
        "SELECT party_id, court_order, asked_no_contact, abused_them, harmed_me, legal_risk,
                affair, third_parties, my_safety, deceased, unreachable, child, family,
                legal_decision, asked, answered, reason
         FROM safety_answers s
         WHERE (?1 IS NULL OR party_id = ?1)
           AND id = (SELECT max(id) FROM safety_answers t WHERE t.party_id = s.party_id)",
        only,
        |r| {
            let party_id: Id = r.get(0)?;
            let answers = safety_answers(r, 1)?;
            let answered: String = r.get(15)?;
            if let Some(i) = slot(party_id) {
                out[i].safety = Some(SafetyRecord {
                    answers,
                    answered: ts(&answered)?,
                    reason: r.get(16)?,
                });
            }
            Ok(())
        },
    )?;
    each_row(
        conn,
        "SELECT id, party_id, adviser, name, on_date, advice, approved, recorded
             FROM consultations WHERE ?1 IS NULL OR party_id = ?1 ORDER BY id",
        only,
        |r| {
            let party_id: Id = r.get(1)?;
            let adviser: String = r.get(2)?;
            let on: String = r.get(4)?;
            let recorded: String = r.get(7)?;
            if let Some(i) = slot(party_id) {
                out[i].consultations.push(Consultation {
                    id: r.get(0)?,
                    with: code(Adviser::parse(&adviser), "adviser")?,
                    name: r.get(3)?,
                    on: date(&on)?,
                    advice: r.get(5)?,
                    approved: opt_bool(r.get(6)?),
                    recorded: ts(&recorded)?,
                });
            }
            Ok(())
        },
    )?;
    each_row(
        conn,
        "SELECT party_id, method, script, on_date, place, updated, channel FROM plans s
             WHERE (?1 IS NULL OR party_id = ?1)
               AND id = (SELECT max(id) FROM plans t WHERE t.party_id = s.party_id)",
        only,
        |r| {
            let party_id: Id = r.get(0)?;
            let method: String = r.get(1)?;
            let updated: String = r.get(5)?;
            if let Some(i) = slot(party_id) {
                out[i].plan = Some(Plan {
                    method: code(Method::parse(&method), "method")?,
                    channel: channel(r.get(6)?)?,
                    script: r.get(2)?,
                    on: opt_date(r.get(3)?)?,
                    place: r.get(4)?,
                    updated: ts(&updated)?,
                });
            }
            Ok(())
        },
    )?;
    each_row(
        conn,
        "SELECT id, party_id, who, given, on_date, note, recorded FROM consents
             WHERE ?1 IS NULL OR party_id = ?1 ORDER BY id",
        only,
        |r| {
            let party_id: Id = r.get(1)?;
            let on: String = r.get(4)?;
            let recorded: String = r.get(6)?;
            if let Some(i) = slot(party_id) {
                out[i].consents.push(Consent {
                    id: r.get(0)?,
                    who: r.get(2)?,
                    given: r.get::<_, i64>(3)? != 0,
                    on: date(&on)?,
                    note: r.get(5)?,
                    recorded: ts(&recorded)?,
                });
            }
            Ok(())
        },
    )?;
    each_row(
        conn,
        "SELECT id, party_id, reason, review_on, recorded, ended FROM deferrals
             WHERE ?1 IS NULL OR party_id = ?1 ORDER BY id",
        only,
        |r| {
            let party_id: Id = r.get(1)?;
            let review: String = r.get(3)?;
            let recorded: String = r.get(4)?;
            if let Some(i) = slot(party_id) {
                out[i].deferrals.push(Deferral {
                    id: r.get(0)?,
                    reason: r.get(2)?,
                    review_on: date(&review)?,
                    recorded: ts(&recorded)?,
                    ended: opt_ts(r.get(5)?)?,
                });
            }
            Ok(())
        },
    )?;
    each_row(
        conn,
        "SELECT id, party_id, on_date, method, outcome, requests, feeling_before,
                    feeling_after, notes, recorded, channel
             FROM attempts WHERE ?1 IS NULL OR party_id = ?1 ORDER BY id",
        only,
        |r| {
            let party_id: Id = r.get(1)?;
            let on: String = r.get(2)?;
            let method: String = r.get(3)?;
            let outcome: String = r.get(4)?;
            let recorded: String = r.get(9)?;
            if let Some(i) = slot(party_id) {
                out[i].attempts.push(Attempt {
                    id: r.get(0)?,
                    on: date(&on)?,
                    method: code(Method::parse(&method), "method")?,
                    channel: channel(r.get(10)?)?,
                    outcome: code(Outcome::parse(&outcome), "outcome")?,
                    requests: r.get(5)?,
                    feeling_before: r.get(6)?,
                    feeling_after: r.get(7)?,
                    notes: r.get(8)?,
                    recorded: ts(&recorded)?,
                });
            }
            Ok(())
        },
    )?;

    // Commitments, then their payments and check-ins.
    let mut payments: HashMap<Id, Vec<Payment>> = HashMap::new();
    let mut checkins: HashMap<Id, Vec<CheckIn>> = HashMap::new();
    let mut currencies: HashMap<Id, Currency> = HashMap::new();
    each_row(
        conn,
        "SELECT c.id, c.currency FROM commitments c
             WHERE (?1 IS NULL OR c.party_id = ?1) AND c.kind = 'restitution'",
        only,
        |r| {
            let c: Option<String> = r.get(1)?;
            if let Some(c) = c {
                currencies.insert(r.get(0)?, cur(&c)?);
            }
            Ok(())
        },
    )?;
    each_row(
        conn,
        "SELECT p.id, p.commitment_id, p.on_date, p.amount_minor, p.note, p.via, p.recorded
             FROM payments p JOIN commitments c ON c.id = p.commitment_id
             WHERE ?1 IS NULL OR c.party_id = ?1 ORDER BY p.id",
        only,
        |r| {
            let cid: Id = r.get(1)?;
            let on: String = r.get(2)?;
            let currency = *currencies.get(&cid).ok_or_else(|| bad("payment"))?;
            payments.entry(cid).or_default().push(Payment {
                id: r.get(0)?,
                on: date(&on)?,
                amount: Money::new(r.get(3)?, currency),
                note: r.get(4)?,
                via: r
                    .get::<_, Option<String>>(5)?
                    .map(|v| code(Reach::parse(&v), "payment"))
                    .transpose()?,
                recorded: opt_ts(r.get(6)?)?,
            });
            Ok(())
        },
    )?;
    each_row(
        conn,
        "SELECT k.id, k.commitment_id, k.on_date, k.kept, k.note, k.recorded
             FROM checkins k JOIN commitments c ON c.id = k.commitment_id
             WHERE ?1 IS NULL OR c.party_id = ?1 ORDER BY k.id",
        only,
        |r| {
            let cid: Id = r.get(1)?;
            let on: String = r.get(2)?;
            checkins.entry(cid).or_default().push(CheckIn {
                id: r.get(0)?,
                on: date(&on)?,
                kept: r.get::<_, i64>(3)? != 0,
                note: r.get(4)?,
                recorded: opt_ts(r.get(5)?)?,
            });
            Ok(())
        },
    )?;
    each_row(
        conn,
        "SELECT id, party_id, kind, amount_minor, currency, instalment_minor, every, starting,
                    behaviour, promise, due, recorded, closed_how, closed_on, reach
             FROM commitments WHERE ?1 IS NULL OR party_id = ?1 ORDER BY id",
        only,
        |r| {
            let id: Id = r.get(0)?;
            let party_id: Id = r.get(1)?;
            let kind: String = r.get(2)?;
            let every: Option<String> = r.get(6)?;
            let every = every
                .map(|e| code(Cadence::parse(&e), "cadence"))
                .transpose()?;
            let starting = opt_date(r.get(7)?)?;
            let recorded: String = r.get(11)?;
            let closed_how: Option<String> = r.get(12)?;
            let closed_on = opt_date(r.get(13)?)?;
            let closed = match (closed_how, closed_on) {
                (Some(h), Some(d)) => Some((code(Closure::parse(&h), "closure")?, d)),
                _ => None,
            };
            let kind = match kind.as_str() {
                "restitution" => {
                    let currency = *currencies.get(&id).ok_or_else(|| bad("commitment"))?;
                    let amount: Option<i64> = r.get(3)?;
                    let instalment: Option<i64> = r.get(5)?;
                    CommitmentKind::Restitution {
                        amount: Money::new(amount.ok_or_else(|| bad("commitment"))?, currency),
                        instalment: instalment.map(|m| Money::new(m, currency)),
                        every,
                        starting: starting.ok_or_else(|| bad("commitment"))?,
                        payments: payments.remove(&id).unwrap_or_default(),
                    }
                }
                "living" => CommitmentKind::Living {
                    behaviour: r.get(8)?,
                    every: every.ok_or_else(|| bad("commitment"))?,
                    starting: starting.ok_or_else(|| bad("commitment"))?,
                    checkins: checkins.remove(&id).unwrap_or_default(),
                },
                _ => {
                    let due: Option<String> = r.get(10)?;
                    CommitmentKind::Promise {
                        text: r.get(9)?,
                        due: date(&due.ok_or_else(|| bad("commitment"))?)?,
                    }
                }
            };
            if let Some(i) = slot(party_id) {
                let reach: String = r.get(14)?;
                out[i].commitments.push(Commitment {
                    id,
                    party_id,
                    kind,
                    reach: code(Reach::parse(&reach), "commitment")?,
                    recorded: ts(&recorded)?,
                    closed,
                });
            }
            Ok(())
        },
    )?;
    Ok(out)
}

impl Vault {
    /// The vault's settings.
    pub fn settings(&self) -> Result<Settings, VaultError> {
        settings(&self.conn)
    }

    /// Every party with everything recorded about it, ordered by id.
    pub fn records(&self) -> Result<Vec<PartyRecord>, VaultError> {
        // One read transaction: every table is read from the same moment, whatever another
        // window writes meanwhile.
        let tx = self.conn.unchecked_transaction()?;
        records(&tx, None)
    }

    /// One party with everything recorded about it.
    pub fn record(&self, id: Id) -> Result<PartyRecord, VaultError> {
        let tx = self.conn.unchecked_transaction()?;
        records(&tx, Some(id))?.pop().ok_or(VaultError::NoSuchParty)
    }

    /// How many parties the vault holds.
    pub fn party_count(&self) -> Result<usize, VaultError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM parties", [], |r| r.get(0))?;
        Ok(n as usize)
    }

    /// The earlier plans of a party, newest first (a changed script is never lost).
    pub fn plan_history(&self, party: Id) -> Result<Vec<Plan>, VaultError> {
        let mut plans = plan_history(&self.conn, party)?;
        plans.reverse();
        Ok(plans)
    }

    /// Earlier wordings of a party and its harms, oldest first: `(harm id, fields before, when replaced)`.
    pub fn edits(
        &self,
        party: Id,
    ) -> Result<Vec<(Option<Id>, serde_json::Value, Timestamp)>, VaultError> {
        let mut st = self.conn.prepare_cached(
            "SELECT harm_id, previous, replaced_at FROM edits WHERE party_id = ?1 ORDER BY id",
        )?;
        let mut rows = st.query([party])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let previous: String = r.get(1)?;
            let at: String = r.get(2)?;
            out.push((
                r.get(0)?,
                serde_json::from_str(&previous).map_err(|_| bad("edit"))?,
                ts(&at)?,
            ));
        }
        Ok(out)
    }

    /// Every set of safety answers given for a party, oldest first.
    pub fn safety_history(&self, party: Id) -> Result<Vec<SafetyRecord>, VaultError> {
        safety_history(&self.conn, party)
    }
}

/// Every plan a party has had, oldest first.
pub(crate) fn plan_history(conn: &Connection, party: Id) -> Result<Vec<Plan>, VaultError> {
    let mut st = conn.prepare_cached(
        "SELECT method, script, on_date, place, updated, channel FROM plans
         WHERE party_id = ?1 ORDER BY id",
    )?;
    let mut rows = st.query([party])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let method: String = r.get(0)?;
        let updated: String = r.get(4)?;
        out.push(Plan {
            method: code(Method::parse(&method), "method")?,
            channel: channel(r.get(5)?)?,
            script: r.get(1)?,
            on: opt_date(r.get(2)?)?,
            place: r.get(3)?,
            updated: ts(&updated)?,
        });
    }
    Ok(out)
}

/// The party's name and kind before each of its edits, oldest first (for a replay).
pub(crate) fn party_versions(
    conn: &Connection,
    party: &amends_core::model::Party,
) -> Result<Vec<amends_core::replay::PartyVersion>, VaultError> {
    let mut st = conn.prepare_cached(
        "SELECT previous, replaced_at FROM edits WHERE party_id = ?1 AND harm_id IS NULL ORDER BY id",
    )?;
    let rows: Vec<(String, String)> = st
        .query_map([party.id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    // Walked from the newest edit back: a field an edit did not keep was not changed by it.
    let (mut name, mut kind) = (party.name.clone(), party.kind);
    let mut out = Vec::with_capacity(rows.len());
    for (previous, at) in rows.iter().rev() {
        let v: serde_json::Value = serde_json::from_str(previous).map_err(|_| bad("edit"))?;
        if let Some(n) = v.get("name").and_then(|n| n.as_str()) {
            name = n.to_string();
        }
        if let Some(k) = v.get("kind").and_then(|k| k.as_str()) {
            kind = code(PartyKind::parse(k), "edit")?;
        }
        out.push(amends_core::replay::PartyVersion {
            until: ts(at)?,
            name: name.clone(),
            kind,
        });
    }
    out.reverse();
    Ok(out)
}

/// The words of each of the party's harms before each of its edits, oldest first (for a replay).
pub(crate) fn harm_versions(
    conn: &Connection,
    party: &PartyRecord,
) -> Result<Vec<amends_core::replay::HarmVersion>, VaultError> {
    let mut st = conn.prepare_cached(
        "SELECT harm_id, previous, replaced_at FROM edits
         WHERE party_id = ?1 AND harm_id IS NOT NULL ORDER BY id",
    )?;
    let rows: Vec<(Id, String, String)> = st
        .query_map([party.party.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    // Walked from the newest edit back, per harm: a field an edit did not keep was not changed.
    let mut now: HashMap<Id, (String, Vec<String>)> = party
        .harms
        .iter()
        .map(|h| (h.id, (h.did.clone(), h.third_parties.clone())))
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    for (harm_id, previous, at) in rows.iter().rev() {
        let v: serde_json::Value = serde_json::from_str(previous).map_err(|_| bad("edit"))?;
        let Some((did, names)) = now.get_mut(harm_id) else {
            continue;
        };
        if let Some(d) = v.get("did").and_then(|d| d.as_str()) {
            *did = d.to_string();
        }
        if let Some(list) = v.get("third_parties").and_then(|l| l.as_array()) {
            *names = list
                .iter()
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect();
        }
        out.push(amends_core::replay::HarmVersion {
            harm_id: *harm_id,
            until: ts(at)?,
            did: did.clone(),
            third_parties: names.clone(),
        });
    }
    out.reverse();
    Ok(out)
}

/// Every set of safety answers a party has had, oldest first.
pub(crate) fn safety_history(
    conn: &Connection,
    party: Id,
) -> Result<Vec<SafetyRecord>, VaultError> {
    let mut st = conn.prepare_cached(
        "SELECT court_order, asked_no_contact, abused_them, harmed_me, legal_risk,
                affair, third_parties, my_safety, deceased, unreachable, child, family,
                legal_decision, asked, answered, reason
         FROM safety_answers WHERE party_id = ?1 ORDER BY id",
    )?;
    let mut rows = st.query([party])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let answered: String = r.get(14)?;
        out.push(SafetyRecord {
            answers: safety_answers(r, 0)?,
            answered: ts(&answered)?,
            reason: r.get(15)?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::scoped;

    #[test]
    fn scoping_drops_the_filter_for_all_and_keeps_an_indexable_one_for_one() {
        let sql = "SELECT id FROM harms h WHERE (?1 IS NULL OR h.party_id = ?1) AND x = 2";
        assert_eq!(
            scoped(sql, None),
            "SELECT id FROM harms h WHERE (1) AND x = 2"
        );
        assert_eq!(
            scoped(sql, Some(3)),
            "SELECT id FROM harms h WHERE (h.party_id = ?1) AND x = 2"
        );
    }
}
