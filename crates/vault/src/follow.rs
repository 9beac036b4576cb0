//! Correcting or removing a payment or a check-in. Each change passes the same gates as
//! recording one (`rules::check_payment`, `rules::check_checkin`: the party set aside, the day,
//! the way it reaches them, the words under R4/R5), judged against the record as it stands now,
//! and keeps what the fact said before in `follow_changes` (schema V10), with the reason.

use amends_core::model::{CommitmentKind, Id, Language, Reach};
use amends_core::rules;
use amends_core::text::{self, TEXT_MAX};
use amends_core::{Invalid, Money, Now, Refusal};
use jiff::civil::Date;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::write::{b, not_future, ts};
use crate::{Vault, VaultError};

/// A payment or a check-in, as the person names them in a correction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fact {
    Payment,
    CheckIn,
}

impl Fact {
    pub fn code(self) -> &'static str {
        match self {
            Fact::Payment => "payment",
            Fact::CheckIn => "checkin",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Fact::Payment => "payment",
            Fact::CheckIn => "check-in",
        }
    }
}

/// What a payment or check-in said before a change (the JSON kept in `follow_changes`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Previous {
    pub on: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept: Option<bool>,
    #[serde(default)]
    pub note: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded: Option<String>,
}

/// One correction or removal, as the history shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowChange {
    pub commitment_id: Id,
    pub fact: Fact,
    pub fact_id: Id,
    pub removed: bool,
    pub previous: Previous,
    pub reason: String,
    pub changed_at: String,
}

/// A corrected payment: every field as it should now read.
#[derive(Clone, Debug)]
pub struct PaymentFix<'a> {
    /// As typed; read in the vault's language's convention.
    pub amount: &'a str,
    pub on: Date,
    pub note: &'a str,
    /// `None`: the commitment's own way.
    pub via: Option<Reach>,
}

/// A corrected check-in.
#[derive(Clone, Debug)]
pub struct CheckInFix<'a> {
    pub kept: bool,
    pub on: Date,
    pub note: &'a str,
}

/// What a payment's change leaves: the balance still owed, and whether it was settled before.
#[derive(Clone, Copy, Debug)]
pub struct Balance {
    pub left: Money,
    pub was_settled: bool,
}

fn reason_of(reason: &str) -> Result<String, Invalid> {
    let r = text::optional("reason", reason, TEXT_MAX)?;
    if r.is_empty() {
        return Err(Invalid::new(
            "reason",
            "say why this is corrected or removed; it is kept with the history",
        ));
    }
    Ok(r)
}

fn no_such(what: &'static str, id: Id) -> VaultError {
    VaultError::NoSuch {
        what,
        id,
        hint: "See them with `amends commitments --json`, where each payment and check-in has its id.",
    }
}

impl Vault {
    /// The commitment a payment or check-in belongs to.
    fn owner_of(tx: &Transaction<'_>, fact: Fact, id: Id) -> Result<Id, VaultError> {
        let sql = match fact {
            Fact::Payment => "SELECT commitment_id FROM payments WHERE id = ?1",
            Fact::CheckIn => "SELECT commitment_id FROM checkins WHERE id = ?1",
        };
        tx.query_row(sql, [id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| no_such(fact.label(), id))
    }

    fn keep_previous(
        tx: &Transaction<'_>,
        cid: Id,
        fact: Fact,
        id: Id,
        removed: bool,
        reason: &str,
        now: &Now,
    ) -> Result<(), VaultError> {
        let previous = match fact {
            Fact::Payment => tx.query_row(
                "SELECT on_date, amount_minor, note, via, recorded FROM payments WHERE id = ?1",
                [id],
                |r| {
                    Ok(Previous {
                        on: r.get(0)?,
                        amount_minor: Some(r.get(1)?),
                        kept: None,
                        note: r.get(2)?,
                        via: r.get(3)?,
                        recorded: r.get(4)?,
                    })
                },
            )?,
            Fact::CheckIn => tx.query_row(
                "SELECT on_date, kept, note, recorded FROM checkins WHERE id = ?1",
                [id],
                |r| {
                    Ok(Previous {
                        on: r.get(0)?,
                        amount_minor: None,
                        kept: Some(r.get::<_, i64>(1)? != 0),
                        note: r.get(2)?,
                        via: None,
                        recorded: r.get(3)?,
                    })
                },
            )?,
        };
        let json = serde_json::to_string(&previous)
            .map_err(|_| VaultError::Storage("follow change".into()))?;
        tx.execute(
            "INSERT INTO follow_changes (commitment_id, fact, fact_id, change, previous, reason, changed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                cid,
                fact.code(),
                id,
                if removed { "removed" } else { "fixed" },
                json,
                reason,
                ts(now)
            ],
        )?;
        Ok(())
    }

    /// Corrects a payment: read and checked as a new payment would be (the amount in the vault's
    /// convention and at most what is owed without this payment; the day; the way and the note
    /// through `check_payment` against the record as it stands now). What it said before is kept.
    pub fn fix_payment(
        &mut self,
        pid: Id,
        fix: &PaymentFix<'_>,
        reason: &str,
        now: &Now,
    ) -> Result<Balance, VaultError> {
        let note = text::optional("note", fix.note, TEXT_MAX)?;
        let reason = reason_of(reason)?;
        not_future("date", fix.on, now)?;
        self.write(|tx| {
            let cid = Self::owner_of(tx, Fact::Payment, pid)?;
            let (mut c, rec) = Self::commitment_with_record(tx, cid)?;
            let was_settled = c.balance().is_some_and(|b| b.minor == 0);
            let CommitmentKind::Restitution {
                amount: total,
                payments,
                ..
            } = &mut c.kind
            else {
                return Err(no_such("payment", pid));
            };
            let language: Language = crate::load::settings(tx)?.language;
            let money =
                Money::read(fix.amount, total.currency, language).map_err(Invalid::from)?;
            if money.minor <= 0 {
                return Err(Invalid::new("amount", "a payment must be more than zero").into());
            }
            payments.retain(|p| p.id != pid);
            let without = c.balance().unwrap_or(money);
            if money.minor > without.minor {
                return Err(Invalid::new(
                    "amount",
                    format!(
                        "is more than was owed without this payment ({}); record at most that",
                        without.show(language)
                    ),
                )
                .into());
            }
            let via = fix.via.unwrap_or(c.reach);
            rules::check_payment(&rec, &c, fix.on, via, &note, now)?;
            Self::keep_previous(tx, cid, Fact::Payment, pid, false, &reason, now)?;
            // Written now, as it now reads: an import holds it to the gates of today.
            tx.execute(
                "UPDATE payments SET on_date = ?2, amount_minor = ?3, note = ?4, via = ?5, recorded = ?6
                 WHERE id = ?1",
                params![
                    pid,
                    fix.on.to_string(),
                    money.minor,
                    note,
                    fix.via.filter(|v| *v != c.reach).map(|v| v.code()),
                    ts(now)
                ],
            )?;
            Ok(Balance {
                left: Money::new(without.minor - money.minor, without.currency),
                was_settled,
            })
        })
    }

    /// Removes a payment recorded by mistake; what it said is kept in the history. A restitution
    /// it settled is owed again, and the balance says so.
    pub fn remove_payment(
        &mut self,
        pid: Id,
        reason: &str,
        now: &Now,
    ) -> Result<Balance, VaultError> {
        let reason = reason_of(reason)?;
        self.write(|tx| {
            let cid = Self::owner_of(tx, Fact::Payment, pid)?;
            let (mut c, _rec) = Self::commitment_with_record(tx, cid)?;
            let was_settled = c.balance().is_some_and(|b| b.minor == 0);
            if let CommitmentKind::Restitution { payments, .. } = &mut c.kind {
                payments.retain(|p| p.id != pid);
            }
            let left = c.balance().ok_or_else(|| no_such("payment", pid))?;
            Self::keep_previous(tx, cid, Fact::Payment, pid, true, &reason, now)?;
            tx.execute("DELETE FROM payments WHERE id = ?1", [pid])?;
            Ok(Balance { left, was_settled })
        })
    }

    /// Corrects a check-in, checked as a new one would be (`check_checkin`). A check-in on an
    /// ended living amends is not changed.
    pub fn fix_checkin(
        &mut self,
        kid: Id,
        fix: &CheckInFix<'_>,
        reason: &str,
        now: &Now,
    ) -> Result<(), VaultError> {
        let note = text::optional("note", fix.note, TEXT_MAX)?;
        let reason = reason_of(reason)?;
        not_future("date", fix.on, now)?;
        self.write(|tx| {
            let cid = Self::owner_of(tx, Fact::CheckIn, kid)?;
            let (c, rec) = Self::commitment_with_record(tx, cid)?;
            if c.closed.is_some() {
                return Err(Refusal::new(
                    None,
                    "This living amends was ended",
                    "Its check-ins stay as they were; start a new living amends if you are taking it up again.",
                )
                .into());
            }
            rules::check_checkin(&rec, &c, fix.on, &note, now)?;
            Self::keep_previous(tx, cid, Fact::CheckIn, kid, false, &reason, now)?;
            tx.execute(
                "UPDATE checkins SET on_date = ?2, kept = ?3, note = ?4, recorded = ?5 WHERE id = ?1",
                params![kid, fix.on.to_string(), b(fix.kept), note, ts(now)],
            )?;
            Ok(())
        })
    }

    /// Removes a check-in recorded by mistake; what it said is kept in the history.
    pub fn remove_checkin(&mut self, kid: Id, reason: &str, now: &Now) -> Result<(), VaultError> {
        let reason = reason_of(reason)?;
        self.write(|tx| {
            let cid = Self::owner_of(tx, Fact::CheckIn, kid)?;
            Self::keep_previous(tx, cid, Fact::CheckIn, kid, true, &reason, now)?;
            tx.execute("DELETE FROM checkins WHERE id = ?1", [kid])?;
            Ok(())
        })
    }

    /// The corrections and removals of one commitment's payments and check-ins, oldest first.
    pub fn follow_changes(&self, cid: Id) -> Result<Vec<FollowChange>, VaultError> {
        changes_of(&self.conn, cid)
    }
}

pub(crate) fn changes_of(
    conn: &rusqlite::Connection,
    cid: Id,
) -> Result<Vec<FollowChange>, VaultError> {
    let mut st = conn.prepare_cached(
        "SELECT fact, fact_id, change, previous, reason, changed_at FROM follow_changes
         WHERE commitment_id = ?1 ORDER BY id",
    )?;
    let rows = st.query_map([cid], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Id>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (fact, fact_id, change, previous, reason, changed_at) = row?;
        let previous: Previous = serde_json::from_str(&previous)
            .map_err(|_| VaultError::Storage("follow change".into()))?;
        out.push(FollowChange {
            commitment_id: cid,
            fact: if fact == "payment" {
                Fact::Payment
            } else {
                Fact::CheckIn
            },
            fact_id,
            removed: change == "removed",
            previous,
            reason,
            changed_at,
        });
    }
    Ok(out)
}
