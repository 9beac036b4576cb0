//! The JSON export: every fact in the vault, in a documented, versioned format
//! (docs/export-format.md). Import goes into an empty vault, all or nothing.

use std::collections::HashSet;

use amends_core::model::{
    Adviser, AsideReason, Cadence, Closure, CommitmentKind, Fellowship, HarmKind, HarmSource,
    Language, Method, Outcome, PartyKind, Reach, Settings, Willingness,
};
use amends_core::text::{self, NAME_MAX, SCRIPT_MAX, TEXT_MAX};
use amends_core::{Currency, Money};
use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::params;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::load::records;
use crate::{Vault, VaultError};

/// The value of the `format` field.
pub const FORMAT: &str = "amends-export";
/// The version of the export format this build writes; it reads this one and every earlier one.
/// Version 2 is written under every gate of today (docs/export-format.md): its files are held to
/// all of them on import; a version 1 file, written before some of them existed, to the rules.
/// Version 3 adds fields only (each optional, so a version 2 file reads as it did).
pub const VERSION: u32 = 3;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportDoc {
    /// Always `amends-export`.
    pub format: String,
    /// The format version: 2 (1 for files written before every fact was held to the rules on
    /// every path). Fields added within a version are optional on import.
    pub version: u32,
    /// When the export was written (RFC 3339, UTC).
    pub exported_at: String,
    /// From when every fact was written under every gate (RFC 3339): facts recorded before it
    /// were accepted under the rules of their time, and an import holds them to the rules
    /// R1-R10 alone. Absent: every fact (version 2), or none (version 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gates_since: Option<String>,
    pub settings: SettingsOut,
    /// Everyone on the list, with everything recorded about them.
    pub parties: Vec<PartyOut>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsOut {
    pub fellowship: String,
    pub amends_to_self: bool,
    pub currency: String,
    /// Added after the first release of version 1; absent means English.
    #[serde(default = "default_language")]
    pub language: String,
    /// Absent means 15 minutes.
    #[serde(default = "default_auto_lock")]
    pub auto_lock_minutes: u32,
    /// Absent or empty means the default crisis lines.
    #[serde(default)]
    pub crisis_line: String,
    /// The relay that carries bundles between vaults; absent or empty means none chosen.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub relay: String,
}

fn default_language() -> String {
    "en".into()
}

fn default_auto_lock() -> u32 {
    Settings::default().auto_lock_minutes
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MoneyOut {
    /// The amount in minor units (cents for USD).
    pub minor: i64,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AsideOut {
    pub reason: String,
    #[serde(default)]
    pub note: String,
    pub at: String,
    #[serde(default)]
    pub restored_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HarmOut {
    pub id: i64,
    pub did: String,
    #[serde(default)]
    pub should: String,
    #[serde(default)]
    pub effect: String,
    #[serde(default)]
    pub kinds: Vec<String>,
    #[serde(default)]
    pub when: String,
    #[serde(default)]
    pub owed: Option<MoneyOut>,
    #[serde(default)]
    pub property: String,
    #[serde(default)]
    pub third_parties: Vec<String>,
    pub source: String,
    #[serde(default)]
    pub sponsor_agrees: Option<bool>,
    pub recorded: String,
    #[serde(default)]
    pub set_asides: Vec<AsideOut>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WillingnessOut {
    pub level: String,
    #[serde(default)]
    pub note: String,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SafetyOut {
    pub court_order: bool,
    pub asked_no_contact: bool,
    pub abused_them: bool,
    pub harmed_me: bool,
    pub legal_risk: bool,
    pub affair: bool,
    pub third_parties: bool,
    pub my_safety: bool,
    pub deceased: bool,
    pub unreachable: bool,
    pub child: bool,
    pub family: bool,
    #[serde(default)]
    pub legal_decision: String,
    pub answered: String,
    /// Why an answer that kept them from being reached (court order, asked for no contact,
    /// abused them) was lifted in this set; required when one is. Absent means none given.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// Version 3: the questions asked up to this set, by name (`court-order`, ...). Absent:
    /// all twelve, as every set written before version 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asked: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsultationOut {
    pub with: String,
    #[serde(default)]
    pub name: String,
    pub on: String,
    #[serde(default)]
    pub advice: String,
    #[serde(default)]
    pub approved: Option<bool>,
    pub recorded: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanOut {
    pub method: String,
    /// Version 3: what the plan makes (`words`, `restitution`, `living`, `indirect`,
    /// `unsent-letter`); it follows from `method`, and must agree with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Version 3: how a restitution is to reach them (`face-to-face`, `phone`, `video`,
    /// `letter`, `transfer`). Absent: not said, or what `method` says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default)]
    pub script: String,
    #[serde(default)]
    pub on: Option<String>,
    #[serde(default)]
    pub place: String,
    pub updated: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentOut {
    pub who: String,
    pub given: bool,
    pub on: String,
    #[serde(default)]
    pub note: String,
    pub recorded: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeferralOut {
    pub reason: String,
    pub review_on: String,
    pub recorded: String,
    #[serde(default)]
    pub ended: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttemptOut {
    pub on: String,
    pub method: String,
    /// Version 3: what was made; see `PlanOut::kind`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Version 3: how a restitution reached them; see `PlanOut::channel`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    pub outcome: String,
    #[serde(default)]
    pub requests: String,
    #[serde(default)]
    pub feeling_before: String,
    #[serde(default)]
    pub feeling_after: String,
    #[serde(default)]
    pub notes: String,
    pub recorded: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentOut {
    pub on: String,
    pub amount: MoneyOut,
    #[serde(default)]
    pub note: String,
    /// How this payment was made, where it differs from the commitment's `via`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// When it was written down (RFC 3339); absent for payments from before this was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInOut {
    pub on: String,
    pub kept: bool,
    #[serde(default)]
    pub note: String,
    /// When it was written down (RFC 3339); absent for check-ins from before this was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClosedOut {
    pub how: String,
    pub on: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitmentOut {
    pub id: i64,
    /// `restitution`, `living` or `promise`.
    pub kind: String,
    /// How it reaches them: for a restitution `them` (the default), `court`, `agency`,
    /// `charity`, `anonymous` or `heirs`; for a promise `them` (the default) or `no-contact`.
    /// A living amends never reaches them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<MoneyOut>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instalment: Option<MoneyOut>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starting: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behaviour: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promise: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    #[serde(default)]
    pub payments: Vec<PaymentOut>,
    #[serde(default)]
    pub checkins: Vec<CheckInOut>,
    pub recorded: String,
    #[serde(default)]
    pub closed: Option<ClosedOut>,
    /// Version 3: payments and check-ins corrected or removed, oldest first, each with what it
    /// said before and why it changed (a removed one is no longer under `payments` or
    /// `checkins`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<FollowChangeOut>,
}

/// A payment or check-in corrected or removed (format version 3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowChangeOut {
    /// `payment` or `checkin`.
    pub fact: String,
    /// `fixed` or `removed`.
    pub change: String,
    /// What it said before the change.
    pub previous: FollowPreviousOut,
    pub reason: String,
    /// When it was changed (RFC 3339).
    pub at: String,
}

/// A payment's or check-in's fields before a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowPreviousOut {
    pub on: String,
    /// A payment's amount, in the commitment's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<MoneyOut>,
    /// A check-in's answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept: Option<bool>,
    #[serde(default)]
    pub note: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyOut {
    pub id: i64,
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub relationship: String,
    #[serde(default)]
    pub notes: String,
    pub created: String,
    #[serde(default)]
    pub set_asides: Vec<AsideOut>,
    #[serde(default)]
    pub harms: Vec<HarmOut>,
    #[serde(default)]
    pub willingness: Vec<WillingnessOut>,
    /// Every set of answers given, oldest first; the last is in force.
    #[serde(default)]
    pub safety: Vec<SafetyOut>,
    #[serde(default)]
    pub consultations: Vec<ConsultationOut>,
    /// Every plan made, oldest first; the last is the current plan.
    #[serde(default)]
    pub plans: Vec<PlanOut>,
    #[serde(default)]
    pub consents: Vec<ConsentOut>,
    #[serde(default)]
    pub deferrals: Vec<DeferralOut>,
    #[serde(default)]
    pub attempts: Vec<AttemptOut>,
    #[serde(default)]
    pub commitments: Vec<CommitmentOut>,
    /// Earlier wordings of the party (`harm_id` null) or of one of its harms, replaced by edits.
    #[serde(default)]
    pub edits: Vec<EditOut>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EditOut {
    #[serde(default)]
    pub harm_id: Option<i64>,
    /// The fields as they were before the edit.
    pub previous: serde_json::Value,
    pub replaced_at: String,
}

fn money_out(m: Money) -> MoneyOut {
    MoneyOut {
        minor: m.minor,
        currency: m.currency.code().to_string(),
    }
}

fn aside_out(a: &amends_core::model::SetAside) -> AsideOut {
    AsideOut {
        reason: a.reason.code().into(),
        note: a.note.clone(),
        at: a.at.to_string(),
        restored_at: a.restored_at.map(|t| t.to_string()),
    }
}

impl Vault {
    /// Everything in the vault as an export document, read in one consistent snapshot.
    pub fn export(&self, exported_at: Timestamp) -> Result<ExportDoc, VaultError> {
        let tx = self.conn.unchecked_transaction()?;
        let settings = crate::load::settings(&tx)?;
        let relay: String =
            tx.query_row("SELECT relay FROM settings WHERE id = 1", [], |r| r.get(0))?;
        let recs = records(&tx, None)?;
        let mut parties = Vec::with_capacity(recs.len());
        for r in &recs {
            let id = r.party.id;
            let plans = crate::load::plan_history(&tx, id)?
                .into_iter()
                .map(|p| PlanOut {
                    method: p.method.code().into(),
                    kind: Some(p.method.kind().code().into()),
                    channel: p.channel.map(|c| c.code().into()),
                    script: p.script,
                    on: p.on.map(|d| d.to_string()),
                    place: p.place,
                    updated: p.updated.to_string(),
                })
                .collect();
            let safety = crate::load::safety_history(&tx, id)?
                .into_iter()
                .map(|s| {
                    let a = s.answers;
                    SafetyOut {
                        court_order: a.court_order,
                        asked_no_contact: a.asked_no_contact,
                        abused_them: a.abused_them,
                        harmed_me: a.harmed_me,
                        legal_risk: a.legal_risk,
                        affair: a.affair,
                        third_parties: a.third_parties,
                        my_safety: a.my_safety,
                        deceased: a.deceased,
                        unreachable: a.unreachable,
                        child: a.child,
                        family: a.family,
                        legal_decision: a.legal_decision,
                        answered: s.answered.to_string(),
                        reason: s.reason,
                        asked: a.asked.map(|q| q.iter().map(|n| n.to_string()).collect()),
                    }
                })
                .collect();
            let edits = {
                let mut st = tx.prepare_cached(
                    "SELECT harm_id, previous, replaced_at FROM edits WHERE party_id = ?1 ORDER BY id",
                )?;
                st.query_map([id], |row| {
                    let previous: String = row.get(1)?;
                    Ok((
                        row.get::<_, Option<i64>>(0)?,
                        previous,
                        row.get::<_, String>(2)?,
                    ))
                })?
                .map(|row| {
                    let (harm_id, previous, replaced_at) = row?;
                    Ok(EditOut {
                        harm_id,
                        previous: serde_json::from_str(&previous).map_err(|_| {
                            VaultError::Storage("a stored edit could not be read".into())
                        })?,
                        replaced_at,
                    })
                })
                .collect::<Result<Vec<_>, VaultError>>()?
            };
            parties.push(PartyOut {
                id,
                name: r.party.name.clone(),
                kind: r.party.kind.code().into(),
                relationship: r.party.relationship.clone(),
                notes: r.party.notes.clone(),
                created: r.party.created.to_string(),
                set_asides: r.asides.iter().map(aside_out).collect(),
                harms: r
                    .harms
                    .iter()
                    .map(|h| HarmOut {
                        id: h.id,
                        did: h.did.clone(),
                        should: h.should.clone(),
                        effect: h.effect.clone(),
                        kinds: h.kinds.iter().map(|k| k.code().to_string()).collect(),
                        when: h.when.clone(),
                        owed: h.owed.map(money_out),
                        property: h.property.clone(),
                        third_parties: h.third_parties.clone(),
                        source: h.source.code().into(),
                        sponsor_agrees: h.sponsor_agrees,
                        recorded: h.recorded.to_string(),
                        set_asides: h.asides.iter().map(aside_out).collect(),
                    })
                    .collect(),
                willingness: r
                    .willingness
                    .iter()
                    .map(|w| WillingnessOut {
                        level: w.level.code().into(),
                        note: w.note.clone(),
                        at: w.at.to_string(),
                    })
                    .collect(),
                safety,
                consultations: r
                    .consultations
                    .iter()
                    .map(|c| ConsultationOut {
                        with: c.with.code().into(),
                        name: c.name.clone(),
                        on: c.on.to_string(),
                        advice: c.advice.clone(),
                        approved: c.approved,
                        recorded: c.recorded.to_string(),
                    })
                    .collect(),
                plans,
                consents: r
                    .consents
                    .iter()
                    .map(|c| ConsentOut {
                        who: c.who.clone(),
                        given: c.given,
                        on: c.on.to_string(),
                        note: c.note.clone(),
                        recorded: c.recorded.to_string(),
                    })
                    .collect(),
                deferrals: r
                    .deferrals
                    .iter()
                    .map(|d| DeferralOut {
                        reason: d.reason.clone(),
                        review_on: d.review_on.to_string(),
                        recorded: d.recorded.to_string(),
                        ended: d.ended.map(|t| t.to_string()),
                    })
                    .collect(),
                attempts: r
                    .attempts
                    .iter()
                    .map(|a| AttemptOut {
                        on: a.on.to_string(),
                        method: a.method.code().into(),
                        kind: Some(a.method.kind().code().into()),
                        channel: a.channel.map(|c| c.code().into()),
                        outcome: a.outcome.code().into(),
                        requests: a.requests.clone(),
                        feeling_before: a.feeling_before.clone(),
                        feeling_after: a.feeling_after.clone(),
                        notes: a.notes.clone(),
                        recorded: a.recorded.to_string(),
                    })
                    .collect(),
                commitments: r
                    .commitments
                    .iter()
                    .map(|c| {
                        let mut out = commitment_out(c);
                        out.changes = changes_out(&tx, c)?;
                        Ok(out)
                    })
                    .collect::<Result<Vec<_>, VaultError>>()?,
                edits,
            });
        }
        let gates_since = gates_since(&tx)?.map(|t| t.to_string());
        drop(tx);
        Ok(ExportDoc {
            format: FORMAT.into(),
            version: VERSION,
            exported_at: exported_at.to_string(),
            gates_since,
            settings: SettingsOut {
                fellowship: settings.fellowship.code().into(),
                amends_to_self: settings.amends_to_self,
                currency: settings.currency.code().into(),
                language: settings.language.code().into(),
                auto_lock_minutes: settings.auto_lock_minutes,
                crisis_line: settings.crisis_line.clone(),
                relay,
            },
            parties,
        })
    }

    /// Imports an export document into this vault, which must be empty. All or nothing.
    /// Returns the number of parties imported.
    pub fn import_json(&mut self, json: &str) -> Result<usize, VaultError> {
        let doc = parse(json)?;
        let checked = validate(&doc)?;
        self.write(|tx| {
            // Counted inside the transaction: no party can slip in between the check and the import.
            let count: i64 = tx.query_row("SELECT count(*) FROM parties", [], |r| r.get(0))?;
            if count > 0 {
                return Err(VaultError::ImportNotEmpty(count as usize));
            }
            insert(tx, &doc, &checked)?;
            replay_all(tx, &doc)?;
            Ok(doc.parties.len())
        })
    }
}

/// From when this vault's facts were written under every gate (see `ExportDoc::gates_since`).
fn gates_since(conn: &rusqlite::Connection) -> Result<Option<Timestamp>, VaultError> {
    use rusqlite::OptionalExtension;
    let v: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'gates_since'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    v.map(|t| {
        t.parse()
            .map_err(|_| VaultError::Storage("the vault's gates_since could not be read".into()))
    })
    .transpose()
}

/// Replays every party's history, as written into the transaction, through the gates a live
/// write goes through (`amends_core::replay`): a file can hold nothing the rules would have
/// refused. The first breach names its place in the file, and the whole import is undone.
fn replay_all(tx: &rusqlite::Transaction<'_>, doc: &ExportDoc) -> Result<(), VaultError> {
    let now = amends_core::Now::new(Timestamp::now(), jiff::tz::TimeZone::system());
    let since: Option<Timestamp> = match &doc.gates_since {
        Some(t) => Some(
            t.parse()
                .map_err(|_| problem("gates_since", "is not a date and time (RFC 3339)"))?,
        ),
        None => None,
    };
    // The boundary is a moment in the vault's past when it was written.
    if let (Some(since), Ok(exported)) = (since, doc.exported_at.parse::<Timestamp>())
        && since > exported
    {
        return Err(problem(
            "gates_since",
            "is after the file was written; a file cannot have been written under the gates before they applied",
        ));
    }
    // The vault keeps the same boundary, so that its own export says it again: a version 1
    // file's facts all came before it.
    let kept = match (doc.version, since) {
        (1, _) => Some(now.at),
        (_, s) => s,
    };
    match kept {
        Some(t) => tx.execute(
            "INSERT INTO meta (key, value) VALUES ('gates_since', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [t.to_string()],
        )?,
        None => tx.execute("DELETE FROM meta WHERE key = 'gates_since'", [])?,
    };
    for record in records(tx, None)? {
        let id = record.party.id;
        let history = amends_core::replay::History {
            safety: crate::load::safety_history(tx, id)?,
            plans: crate::load::plan_history(tx, id)?,
            before_edits: crate::load::party_versions(tx, &record.party)?,
            harms_before_edits: crate::load::harm_versions(tx, &record)?,
            record,
        };
        // A file of version 1 was written before the workflow gates (the safety questions and
        // a harm before contact, dates within bounds, a reason to lift a protection) existed:
        // what it holds was accepted then, and is held to the rules alone; a version 2 file, to
        // every gate from its `gates_since` on.
        let gates = match (doc.version, since) {
            (1, _) => amends_core::replay::Gates::Legacy,
            (_, Some(t)) => amends_core::replay::Gates::Since(t),
            (_, None) => amends_core::replay::Gates::All,
        };
        if let Err(breach) = amends_core::replay::replay_with(&history, &now, gates) {
            let pi = doc.parties.iter().position(|p| p.id == id).unwrap_or(0);
            // Commitments are read back by id; the file may list them in another order.
            let in_file = |ci: usize| {
                let cid = history.record.commitments.get(ci).map(|c| c.id);
                doc.parties[pi]
                    .commitments
                    .iter()
                    .position(|c| Some(c.id) == cid)
                    .unwrap_or(ci)
            };
            use amends_core::replay::Place;
            let place = match breach.place {
                Place::Commitment(c) => Place::Commitment(in_file(c)),
                Place::Payment(c, j) => Place::Payment(in_file(c), j),
                Place::CheckIn(c, j) => Place::CheckIn(in_file(c), j),
                other => other,
            };
            return Err(VaultError::Import(format!(
                "field `parties[{pi}].{}`: this breaks a rule and would have been refused when written: {}. Correct or remove it in the file, then import again",
                place.path(),
                breach.error.to_string().trim_end_matches('.')
            )));
        }
    }
    Ok(())
}

/// A commitment's corrected and removed payments and check-ins, as the file carries them.
fn changes_out(
    conn: &rusqlite::Connection,
    c: &amends_core::model::Commitment,
) -> Result<Vec<FollowChangeOut>, VaultError> {
    let currency = match &c.kind {
        CommitmentKind::Restitution { amount, .. } => Some(amount.currency),
        _ => None,
    };
    Ok(crate::follow::changes_of(conn, c.id)?
        .into_iter()
        .map(|ch| FollowChangeOut {
            fact: ch.fact.code().into(),
            change: if ch.removed { "removed" } else { "fixed" }.into(),
            previous: FollowPreviousOut {
                on: ch.previous.on,
                amount: ch
                    .previous
                    .amount_minor
                    .zip(currency)
                    .map(|(m, c)| money_out(amends_core::Money::new(m, c))),
                kept: ch.previous.kept,
                note: ch.previous.note,
                via: ch.previous.via,
                recorded: ch.previous.recorded,
            },
            reason: ch.reason,
            at: ch.changed_at,
        })
        .collect())
}

fn commitment_out(c: &amends_core::model::Commitment) -> CommitmentOut {
    let default_reach = match c.kind {
        CommitmentKind::Living { .. } => Reach::NoContact,
        _ => Reach::Them,
    };
    let mut out = CommitmentOut {
        id: c.id,
        kind: c.kind_code().into(),
        via: (c.reach != default_reach).then(|| c.reach.code().to_string()),
        amount: None,
        instalment: None,
        every: None,
        starting: None,
        behaviour: None,
        promise: None,
        due: None,
        payments: Vec::new(),
        checkins: Vec::new(),
        changes: Vec::new(),
        recorded: c.recorded.to_string(),
        closed: c.closed.map(|(how, on)| ClosedOut {
            how: how.code().into(),
            on: on.to_string(),
        }),
    };
    match &c.kind {
        CommitmentKind::Restitution {
            amount,
            instalment,
            every,
            starting,
            payments,
        } => {
            out.amount = Some(money_out(*amount));
            out.instalment = instalment.map(money_out);
            out.every = every.map(|e| e.code().into());
            out.starting = Some(starting.to_string());
            out.payments = payments
                .iter()
                .map(|p| PaymentOut {
                    on: p.on.to_string(),
                    amount: money_out(p.amount),
                    note: p.note.clone(),
                    via: p.via.map(|v| v.code().to_string()),
                    recorded: p.recorded.map(|t| t.to_string()),
                })
                .collect();
        }
        CommitmentKind::Living {
            behaviour,
            every,
            starting,
            checkins,
        } => {
            out.behaviour = Some(behaviour.clone());
            out.every = Some(every.code().into());
            out.starting = Some(starting.to_string());
            out.checkins = checkins
                .iter()
                .map(|k| CheckInOut {
                    on: k.on.to_string(),
                    kept: k.kept,
                    note: k.note.clone(),
                    recorded: k.recorded.map(|t| t.to_string()),
                })
                .collect();
        }
        CommitmentKind::Promise { text, due } => {
            out.promise = Some(text.clone());
            out.due = Some(due.to_string());
        }
    }
    out
}

/// The JSON Schema of the export document (draft 2020-12), made from the types above, as kept
/// in `docs/export-schema.json`. It describes what import accepts: fields with a default may
/// be left out.
pub fn json_schema() -> serde_json::Value {
    let mut schema =
        serde_json::to_value(schemars::schema_for!(ExportDoc)).expect("a schema is plain JSON");
    if let Some(o) = schema.as_object_mut() {
        o.insert(
            "title".into(),
            "Amends export, format version 2 (amends-export)".into(),
        );
        o.insert(
            "description".into(),
            "The whole vault as written by `amends export --format json` and read by `amends import`. See docs/export-format.md.".into(),
        );
    }
    schema
}

/// Parses the JSON, naming the line, column and field of the first problem.
pub fn parse(json: &str) -> Result<ExportDoc, VaultError> {
    if !json.trim_start().starts_with('{') {
        return Err(VaultError::Import(
            "this is not a file written by `amends export --format json` (such a file starts with `{`)".into(),
        ));
    }
    let de = &mut serde_json::Deserializer::from_str(json);
    let doc: ExportDoc = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let what = match inner.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                "the file is not valid JSON".to_string()
            }
            serde_json::error::Category::Data => describe_data_error(&inner.to_string()),
            serde_json::error::Category::Io => "the file could not be read".to_string(),
        };
        // serde_path_to_error writes `?` where it could not tell the field; a part of the path
        // that is not one of ours came from the file, and is not repeated.
        let path = known_path(&path);
        let place = if path.is_empty() {
            String::new()
        } else {
            format!(", field `{path}`")
        };
        VaultError::Import(format!(
            "line {}, column {}{place}: {what}",
            inner.line(),
            inner.column()
        ))
    })?;
    if doc.format != FORMAT {
        return Err(VaultError::Import(format!(
            "field `format`: this is not an Amends export (expected \"{FORMAT}\")"
        )));
    }
    if doc.version > VERSION {
        return Err(VaultError::Import(format!(
            "field `version`: the file was written by a newer version of Amends (format {}; this version reads up to {VERSION}); install the newer version",
            doc.version
        )));
    }
    if doc.version == 0 {
        return Err(VaultError::Import(
            "field `version`: must be 1 or more".into(),
        ));
    }
    Ok(doc)
}

/// serde_json's messages can quote the value they met, or a field name that is not ours (which
/// may be anything someone typed); keep only the shape of the problem, in plain words.
fn describe_data_error(msg: &str) -> String {
    let msg = msg.split(" at line ").next().unwrap_or(msg);
    if msg.starts_with("unknown field ") {
        return "a field this version of Amends does not know (was the file written by a newer version, or changed by hand?)".to_string();
    }
    if let Some(rest) = msg.strip_prefix("missing field ") {
        let field = rest.trim_matches('`');
        if known_field(field) {
            return format!("the field `{field}` is missing");
        }
        return "a field is missing".to_string();
    }
    if let Some(rest) = msg.strip_prefix("invalid length ")
        && let Some(i) = rest.find(", expected ")
    {
        return format!(
            "found a list where {} was expected",
            expected_words(&rest[i + 11..])
        );
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = msg.strip_prefix(prefix)
            && let Some(i) = rest.find(", expected ")
        {
            // "string \"secret\"" -> "string": the kind of value, never the value.
            let found = rest[..i].split([' ', '"', '`']).next().unwrap_or("value");
            return format!(
                "found {} where {} was expected",
                found_words(found),
                expected_words(&rest[i + 11..])
            );
        }
    }
    "a value has the wrong type".to_string()
}

/// The kind of value serde met, in plain words.
fn found_words(found: &str) -> &'static str {
    match found {
        "integer" | "floating" => "a number",
        "string" | "char" => "text",
        "boolean" => "true or false",
        "sequence" => "a list",
        "map" => "a group of fields",
        "null" | "unit" | "Option" => "nothing (null)",
        _ => "a value of another kind",
    }
}

/// What serde expected, in plain words (never a type name of the code).
fn expected_words(expected: &str) -> String {
    let e = expected.trim();
    let number = [
        "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "usize", "isize",
    ];
    if e.starts_with("struct ") || e.starts_with("a map") || e == "map" {
        "a group of fields in braces { }".to_string()
    } else if e.starts_with("a sequence") || e.starts_with("a list") {
        "a list in brackets [ ]".to_string()
    } else if number
        .iter()
        .any(|n| e == *n || e.starts_with(&format!("{n} ")))
    {
        "a whole number".to_string()
    } else if e == "f64" || e == "f32" {
        "a number".to_string()
    } else if e == "a boolean" {
        "true or false".to_string()
    } else if e == "a string" || e == "a borrowed string" {
        "text in quotes".to_string()
    } else if e
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " ,`-_".contains(c))
    {
        // serde's own words for a choice ("one of `a`, `b`"): no value from the file.
        e.to_string()
    } else {
        "a value of another kind".to_string()
    }
}

/// Whether `name` is a field of the export format (so naming it quotes nothing from the file).
fn known_field(name: &str) -> bool {
    use std::sync::OnceLock;
    static KNOWN: OnceLock<HashSet<String>> = OnceLock::new();
    KNOWN
        .get_or_init(|| {
            let mut names = HashSet::new();
            collect_properties(&json_schema(), &mut names);
            names
        })
        .contains(name)
}

fn collect_properties(v: &serde_json::Value, out: &mut HashSet<String>) {
    match v {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Object(props)) = map.get("properties") {
                out.extend(props.keys().cloned());
            }
            for child in map.values() {
                collect_properties(child, out);
            }
        }
        serde_json::Value::Array(items) => {
            for child in items {
                collect_properties(child, out);
            }
        }
        _ => {}
    }
}

/// The path to a problem (`parties[3].harms[0].did`), cut before the first part that is not a
/// field of the format, so that a name taken from the file is never repeated.
fn known_path(path: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    for segment in path.split('.') {
        let name = segment.split('[').next().unwrap_or("");
        if name.is_empty() || !known_field(name) {
            break;
        }
        kept.push(segment);
    }
    kept.join(".")
}

/// Values parsed and checked before anything is written.
struct Checked {
    settings: amends_core::model::Settings,
    relay: Option<String>,
}

fn problem(path: &str, msg: impl std::fmt::Display) -> VaultError {
    VaultError::Import(format!("field `{path}`: {msg}"))
}

fn check_ts(path: &str, v: &str) -> Result<Timestamp, VaultError> {
    v.parse()
        .map_err(|_| problem(path, "is not a time such as 2026-05-03T14:00:00Z"))
}

fn check_date(path: &str, v: &str) -> Result<Date, VaultError> {
    v.parse()
        .map_err(|_| problem(path, "is not a date such as 2026-05-03"))
}

fn check_money(path: &str, m: &MoneyOut) -> Result<Money, VaultError> {
    let c = Currency::parse(&m.currency)
        .map_err(|e| problem(&format!("{path}.currency"), e.message))?;
    if m.minor <= 0 || m.minor > Money::MAX_MINOR {
        return Err(problem(
            &format!("{path}.minor"),
            format!("must be more than zero and at most {}", Money::MAX_MINOR),
        ));
    }
    Ok(Money::new(m.minor, c))
}

fn check_code<T>(path: &str, r: Result<T, amends_core::Invalid>) -> Result<T, VaultError> {
    r.map_err(|e| problem(path, e.message))
}

fn check_text(path: &str, v: &str, max: usize, required: bool) -> Result<(), VaultError> {
    let r = if required {
        text::required("text", v, max)
    } else {
        text::optional("text", v, max)
    };
    r.map(|_| ()).map_err(|e| problem(path, e.message))
}

fn check_asides(path: &str, asides: &[AsideOut]) -> Result<(), VaultError> {
    let mut open = 0;
    for (i, a) in asides.iter().enumerate() {
        let p = format!("{path}[{i}]");
        check_code(&format!("{p}.reason"), AsideReason::parse(&a.reason))?;
        check_text(&format!("{p}.note"), &a.note, TEXT_MAX, false)?;
        check_ts(&format!("{p}.at"), &a.at)?;
        match &a.restored_at {
            Some(t) => {
                check_ts(&format!("{p}.restored_at"), t)?;
            }
            None => open += 1,
        }
    }
    if open > 1 {
        return Err(problem(path, "more than one set-aside is in force"));
    }
    Ok(())
}

/// Checks a plan's or an attempt's method, and its kind and channel where the file gives them:
/// the kind must be the method's, and only a restitution names a channel of its own.
fn check_way(
    at: &str,
    method: &str,
    kind: Option<&str>,
    channel: Option<&str>,
) -> Result<amends_core::model::Way, VaultError> {
    let method = check_code(&format!("{at}.method"), Method::parse(method))?;
    if let Some(kind) = kind {
        let kind = check_code(
            &format!("{at}.kind"),
            amends_core::model::AmendsKind::parse(kind),
        )?;
        if kind != method.kind() {
            return Err(problem(
                &format!("{at}.kind"),
                format!(
                    "does not agree with the method: {} is {}",
                    method.code(),
                    method.kind().code()
                ),
            ));
        }
    }
    let channel = channel
        .map(|c| {
            check_code(
                &format!("{at}.channel"),
                amends_core::model::Channel::parse(c),
            )
        })
        .transpose()?;
    amends_core::model::Way { method, channel }
        .check()
        .map_err(|e| problem(&format!("{at}.channel"), e.message))
}

/// Checks a parsed document's values (codes, dates, amounts, text limits, the core's rules) as
/// [`crate::Vault::import_json`] does before it writes anything, without a vault.
pub fn check(doc: &ExportDoc) -> Result<(), VaultError> {
    validate(doc).map(|_| ())
}

/// A file that says version 1 holds nothing only version 2 writes: such a field means the file
/// was changed by hand (and a version 1 file is held to fewer gates on import).
fn check_version_fields(doc: &ExportDoc) -> Result<(), VaultError> {
    if doc.version < 3 {
        let added =
            "is a field of version 3 in a file of an earlier version (was it changed by hand?)";
        for (pi, p) in doc.parties.iter().enumerate() {
            for (i, s) in p.safety.iter().enumerate() {
                if s.asked.is_some() {
                    return Err(problem(&format!("parties[{pi}].safety[{i}].asked"), added));
                }
            }
            for (i, pl) in p.plans.iter().enumerate() {
                if pl.kind.is_some() || pl.channel.is_some() {
                    let f = if pl.kind.is_some() { "kind" } else { "channel" };
                    return Err(problem(&format!("parties[{pi}].plans[{i}].{f}"), added));
                }
            }
            for (i, a) in p.attempts.iter().enumerate() {
                if a.kind.is_some() || a.channel.is_some() {
                    let f = if a.kind.is_some() { "kind" } else { "channel" };
                    return Err(problem(&format!("parties[{pi}].attempts[{i}].{f}"), added));
                }
            }
            for (i, c) in p.commitments.iter().enumerate() {
                if !c.changes.is_empty() {
                    return Err(problem(
                        &format!("parties[{pi}].commitments[{i}].changes"),
                        added,
                    ));
                }
            }
        }
    }
    if doc.version >= 2 {
        return Ok(());
    }
    let added = "is a field of version 2 in a file that says version 1 (was it changed by hand?)";
    if doc.gates_since.is_some() {
        return Err(problem("gates_since", added));
    }
    for (pi, p) in doc.parties.iter().enumerate() {
        for (i, s) in p.safety.iter().enumerate() {
            if !s.reason.is_empty() {
                return Err(problem(&format!("parties[{pi}].safety[{i}].reason"), added));
            }
        }
        for (ci, c) in p.commitments.iter().enumerate() {
            let cp = format!("parties[{pi}].commitments[{ci}]");
            if c.via.is_some() {
                return Err(problem(&format!("{cp}.via"), added));
            }
            for (j, pay) in c.payments.iter().enumerate() {
                if pay.via.is_some() {
                    return Err(problem(&format!("{cp}.payments[{j}].via"), added));
                }
                if pay.recorded.is_some() {
                    return Err(problem(&format!("{cp}.payments[{j}].recorded"), added));
                }
            }
            for (j, k) in c.checkins.iter().enumerate() {
                if k.recorded.is_some() {
                    return Err(problem(&format!("{cp}.checkins[{j}].recorded"), added));
                }
            }
        }
    }
    Ok(())
}

fn validate(doc: &ExportDoc) -> Result<Checked, VaultError> {
    check_version_fields(doc)?;
    let fellowship = check_code(
        "settings.fellowship",
        Fellowship::parse(&doc.settings.fellowship),
    )?;
    let currency = Currency::parse(&doc.settings.currency)
        .map_err(|e| problem("settings.currency", e.message))?;
    let language = check_code("settings.language", Language::parse(&doc.settings.language))?;
    let settings = amends_core::model::Settings {
        fellowship,
        amends_to_self: doc.settings.amends_to_self,
        currency,
        language,
        auto_lock_minutes: doc.settings.auto_lock_minutes,
        crisis_line: doc.settings.crisis_line.clone(),
    };
    settings.check().map_err(|e| {
        let field = if e.field == "auto-lock" {
            "settings.auto_lock_minutes"
        } else {
            "settings.crisis_line"
        };
        problem(field, e.message)
    })?;
    let mut party_ids = HashSet::new();
    let mut harm_ids = HashSet::new();
    let mut commitment_ids = HashSet::new();
    for (pi, p) in doc.parties.iter().enumerate() {
        let pp = format!("parties[{pi}]");
        if p.id <= 0 || !party_ids.insert(p.id) {
            return Err(problem(
                &format!("{pp}.id"),
                "must be a positive number used by no other party",
            ));
        }
        text::name(&p.name).map_err(|e| problem(&format!("{pp}.name"), e.message))?;
        let kind = check_code(&format!("{pp}.kind"), PartyKind::parse(&p.kind))?;
        if kind == PartyKind::Myself && !settings.amends_to_self {
            return Err(problem(
                &format!("{pp}.kind"),
                "is \"self\" but settings.amends_to_self is false",
            ));
        }
        check_text(
            &format!("{pp}.relationship"),
            &p.relationship,
            NAME_MAX,
            false,
        )?;
        check_text(&format!("{pp}.notes"), &p.notes, TEXT_MAX, false)?;
        check_ts(&format!("{pp}.created"), &p.created)?;
        check_asides(&format!("{pp}.set_asides"), &p.set_asides)?;
        for (hi, h) in p.harms.iter().enumerate() {
            let hp = format!("{pp}.harms[{hi}]");
            if h.id <= 0 || !harm_ids.insert(h.id) {
                return Err(problem(
                    &format!("{hp}.id"),
                    "must be a positive number used by no other harm",
                ));
            }
            check_text(&format!("{hp}.did"), &h.did, TEXT_MAX, true)?;
            check_text(&format!("{hp}.should"), &h.should, TEXT_MAX, false)?;
            check_text(&format!("{hp}.effect"), &h.effect, TEXT_MAX, false)?;
            check_text(&format!("{hp}.when"), &h.when, NAME_MAX, false)?;
            check_text(&format!("{hp}.property"), &h.property, TEXT_MAX, false)?;
            for (ki, k) in h.kinds.iter().enumerate() {
                check_code(&format!("{hp}.kinds[{ki}]"), HarmKind::parse(k))?;
            }
            for (ni, n) in h.third_parties.iter().enumerate() {
                let at = format!("{hp}.third_parties[{ni}]");
                check_text(&at, n, NAME_MAX, true)?;
                text::no_direction_control("text", n).map_err(|e| problem(&at, e.message))?;
            }
            if let Some(m) = &h.owed {
                check_money(&format!("{hp}.owed"), m)?;
            }
            check_code(&format!("{hp}.source"), HarmSource::parse(&h.source))?;
            check_ts(&format!("{hp}.recorded"), &h.recorded)?;
            check_asides(&format!("{hp}.set_asides"), &h.set_asides)?;
        }
        for (i, w) in p.willingness.iter().enumerate() {
            let wp = format!("{pp}.willingness[{i}]");
            check_code(&format!("{wp}.level"), Willingness::parse(&w.level))?;
            check_text(&format!("{wp}.note"), &w.note, TEXT_MAX, false)?;
            check_ts(&format!("{wp}.at"), &w.at)?;
        }
        for (i, s) in p.safety.iter().enumerate() {
            let sp = format!("{pp}.safety[{i}]");
            check_text(
                &format!("{sp}.legal_decision"),
                &s.legal_decision,
                TEXT_MAX,
                false,
            )?;
            check_ts(&format!("{sp}.answered"), &s.answered)?;
            if let Some(asked) = &s.asked {
                check_code(
                    &format!("{sp}.asked"),
                    amends_core::questions::parse_asked(asked),
                )?;
            }
        }
        for (i, c) in p.consultations.iter().enumerate() {
            let cp = format!("{pp}.consultations[{i}]");
            let with = check_code(&format!("{cp}.with"), Adviser::parse(&c.with))?;
            if with == Adviser::Lawyer && c.approved.is_some() {
                return Err(problem(
                    &format!("{cp}.approved"),
                    "a lawyer's consultation carries no approval; use null",
                ));
            }
            check_text(&format!("{cp}.name"), &c.name, NAME_MAX, false)?;
            check_date(&format!("{cp}.on"), &c.on)?;
            check_text(&format!("{cp}.advice"), &c.advice, TEXT_MAX, false)?;
            check_ts(&format!("{cp}.recorded"), &c.recorded)?;
        }
        for (i, pl) in p.plans.iter().enumerate() {
            let lp = format!("{pp}.plans[{i}]");
            check_way(&lp, &pl.method, pl.kind.as_deref(), pl.channel.as_deref())?;
            check_text(&format!("{lp}.script"), &pl.script, SCRIPT_MAX, false)?;
            if let Some(on) = &pl.on {
                check_date(&format!("{lp}.on"), on)?;
            }
            check_text(&format!("{lp}.place"), &pl.place, NAME_MAX, false)?;
            check_ts(&format!("{lp}.updated"), &pl.updated)?;
        }
        for (i, c) in p.consents.iter().enumerate() {
            let cp = format!("{pp}.consents[{i}]");
            check_text(&format!("{cp}.who"), &c.who, NAME_MAX, true)?;
            check_date(&format!("{cp}.on"), &c.on)?;
            check_text(&format!("{cp}.note"), &c.note, TEXT_MAX, false)?;
            check_ts(&format!("{cp}.recorded"), &c.recorded)?;
        }
        let mut open_deferrals = 0;
        for (i, d) in p.deferrals.iter().enumerate() {
            let dp = format!("{pp}.deferrals[{i}]");
            check_text(&format!("{dp}.reason"), &d.reason, TEXT_MAX, true)?;
            check_date(&format!("{dp}.review_on"), &d.review_on)?;
            check_ts(&format!("{dp}.recorded"), &d.recorded)?;
            match &d.ended {
                Some(t) => {
                    check_ts(&format!("{dp}.ended"), t)?;
                }
                None => open_deferrals += 1,
            }
        }
        if open_deferrals > 1 {
            return Err(problem(
                &format!("{pp}.deferrals"),
                "more than one deferral is in force",
            ));
        }
        for (i, a) in p.attempts.iter().enumerate() {
            let ap = format!("{pp}.attempts[{i}]");
            check_date(&format!("{ap}.on"), &a.on)?;
            check_way(&ap, &a.method, a.kind.as_deref(), a.channel.as_deref())?;
            check_code(&format!("{ap}.outcome"), Outcome::parse(&a.outcome))?;
            for (f, v) in [
                ("requests", &a.requests),
                ("feeling_before", &a.feeling_before),
                ("feeling_after", &a.feeling_after),
                ("notes", &a.notes),
            ] {
                check_text(&format!("{ap}.{f}"), v, TEXT_MAX, false)?;
            }
            check_ts(&format!("{ap}.recorded"), &a.recorded)?;
        }
        for (i, e) in p.edits.iter().enumerate() {
            let ep = format!("{pp}.edits[{i}]");
            if let Some(h) = e.harm_id
                && !p.harms.iter().any(|x| x.id == h)
            {
                return Err(problem(
                    &format!("{ep}.harm_id"),
                    "names no harm of this party",
                ));
            }
            if !e.previous.is_object() {
                return Err(problem(&format!("{ep}.previous"), "must be an object"));
            }
            check_ts(&format!("{ep}.replaced_at"), &e.replaced_at)?;
        }
        for (i, c) in p.commitments.iter().enumerate() {
            let cp = format!("{pp}.commitments[{i}]");
            if c.id <= 0 || !commitment_ids.insert(c.id) {
                return Err(problem(
                    &format!("{cp}.id"),
                    "must be a positive number used by no other commitment",
                ));
            }
            check_ts(&format!("{cp}.recorded"), &c.recorded)?;
            if let Some(v) = &c.via {
                check_code(&format!("{cp}.via"), Reach::parse(v))?;
            }
            if let Some(cl) = &c.closed {
                check_code(&format!("{cp}.closed.how"), Closure::parse(&cl.how))?;
                check_date(&format!("{cp}.closed.on"), &cl.on)?;
            }
            let need = |field: &str, v: &Option<String>| -> Result<String, VaultError> {
                v.clone().ok_or_else(|| {
                    problem(
                        &format!("{cp}.{field}"),
                        format!("is required for a {} commitment", c.kind),
                    )
                })
            };
            match c.kind.as_str() {
                "restitution" => {
                    let amount = c.amount.as_ref().ok_or_else(|| {
                        problem(
                            &format!("{cp}.amount"),
                            "is required for a restitution commitment",
                        )
                    })?;
                    let amount = check_money(&format!("{cp}.amount"), amount)?;
                    if let Some(i) = &c.instalment {
                        let inst = check_money(&format!("{cp}.instalment"), i)?;
                        if inst.currency != amount.currency {
                            return Err(problem(
                                &format!("{cp}.instalment.currency"),
                                "must match the amount's currency",
                            ));
                        }
                    }
                    if let Some(e) = &c.every {
                        check_code(&format!("{cp}.every"), Cadence::parse(e))?;
                    }
                    check_date(&format!("{cp}.starting"), &need("starting", &c.starting)?)?;
                    let mut paid = Vec::with_capacity(c.payments.len());
                    for (j, pay) in c.payments.iter().enumerate() {
                        let yp = format!("{cp}.payments[{j}]");
                        check_date(&format!("{yp}.on"), &pay.on)?;
                        if let Some(v) = &pay.via {
                            check_code(&format!("{yp}.via"), Reach::parse(v))?;
                        }
                        if let Some(t) = &pay.recorded {
                            check_ts(&format!("{yp}.recorded"), t)?;
                        }
                        let m = check_money(&format!("{yp}.amount"), &pay.amount)?;
                        if m.currency != amount.currency {
                            return Err(problem(
                                &format!("{yp}.amount.currency"),
                                "must match the commitment's currency",
                            ));
                        }
                        paid.push(m);
                        check_text(&format!("{yp}.note"), &pay.note, TEXT_MAX, false)?;
                    }
                    if Money::total(paid, amount.currency).minor > amount.minor {
                        return Err(problem(
                            &format!("{cp}.payments"),
                            "add up to more than the amount",
                        ));
                    }
                    if !c.checkins.is_empty() {
                        return Err(problem(
                            &format!("{cp}.checkins"),
                            "only a living amends has check-ins",
                        ));
                    }
                }
                "living" => {
                    let b = need("behaviour", &c.behaviour)?;
                    check_text(&format!("{cp}.behaviour"), &b, TEXT_MAX, true)?;
                    check_code(
                        &format!("{cp}.every"),
                        Cadence::parse(&need("every", &c.every)?),
                    )?;
                    check_date(&format!("{cp}.starting"), &need("starting", &c.starting)?)?;
                    for (j, k) in c.checkins.iter().enumerate() {
                        let kp = format!("{cp}.checkins[{j}]");
                        check_date(&format!("{kp}.on"), &k.on)?;
                        if let Some(t) = &k.recorded {
                            check_ts(&format!("{kp}.recorded"), t)?;
                        }
                        check_text(&format!("{kp}.note"), &k.note, TEXT_MAX, false)?;
                    }
                    if !c.payments.is_empty() {
                        return Err(problem(
                            &format!("{cp}.payments"),
                            "only a restitution has payments",
                        ));
                    }
                }
                "promise" => {
                    let t = need("promise", &c.promise)?;
                    check_text(&format!("{cp}.promise"), &t, TEXT_MAX, true)?;
                    check_date(&format!("{cp}.due"), &need("due", &c.due)?)?;
                    if !c.payments.is_empty() || !c.checkins.is_empty() {
                        return Err(problem(&cp, "a promise has no payments or check-ins"));
                    }
                }
                _ => {
                    return Err(problem(
                        &format!("{cp}.kind"),
                        "must be one of: restitution, living, promise",
                    ));
                }
            }
        }
    }
    let relay = crate::outbox::address_text(Some(&doc.settings.relay))
        .map_err(|_| problem("settings.relay", "is not one web address without spaces"))?;
    Ok(Checked { settings, relay })
}

fn insert(
    tx: &rusqlite::Transaction<'_>,
    doc: &ExportDoc,
    checked: &Checked,
) -> Result<(), VaultError> {
    crate::write::store_settings(tx, &checked.settings)?;
    tx.execute(
        "UPDATE settings SET relay = ?1 WHERE id = 1",
        [checked.relay.as_deref().unwrap_or_default()],
    )?;
    // Codes are stored in their canonical spelling.
    let canon = |r: Result<&'static str, amends_core::Invalid>| r.map_err(VaultError::from);
    for p in &doc.parties {
        tx.execute(
            "INSERT INTO parties (id, name, kind, relationship, notes, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![p.id, p.name.trim(), canon(PartyKind::parse(&p.kind).map(|k| k.code()))?, p.relationship.trim(), p.notes.trim(), p.created],
        )?;
        for a in &p.set_asides {
            tx.execute(
                "INSERT INTO party_asides (party_id, reason, note, at, restored_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![p.id, canon(AsideReason::parse(&a.reason).map(|k| k.code()))?, a.note, a.at, a.restored_at],
            )?;
        }
        for h in &p.harms {
            let kinds: Vec<&str> = h
                .kinds
                .iter()
                .map(|k| HarmKind::parse(k).map(|k| k.code()))
                .collect::<Result<_, _>>()?;
            let mut kinds = kinds;
            kinds.sort_unstable();
            kinds.dedup();
            let owed = h
                .owed
                .as_ref()
                .map(|m| check_money("owed", m))
                .transpose()?;
            tx.execute(
                "INSERT INTO harms (id, party_id, did, should, effect, kinds, happened, owed_minor, owed_currency,
                                    property, third_parties, source, sponsor_agrees, recorded)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                params![
                    h.id, p.id, h.did, h.should, h.effect, kinds.join(","), h.when,
                    owed.map(|m| m.minor), owed.map(|m| m.currency.code()), h.property,
                    serde_json::to_string(&h.third_parties).map_err(|_| VaultError::Storage("names".into()))?,
                    canon(HarmSource::parse(&h.source).map(|k| k.code()))?,
                    h.sponsor_agrees.map(i64::from), h.recorded
                ],
            )?;
            for a in &h.set_asides {
                tx.execute(
                    "INSERT INTO harm_asides (harm_id, reason, note, at, restored_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![h.id, canon(AsideReason::parse(&a.reason).map(|k| k.code()))?, a.note, a.at, a.restored_at],
                )?;
            }
        }
        for e in &p.edits {
            tx.execute(
                "INSERT INTO edits (party_id, harm_id, previous, replaced_at) VALUES (?1, ?2, ?3, ?4)",
                params![p.id, e.harm_id, e.previous.to_string(), e.replaced_at],
            )?;
        }
        for w in &p.willingness {
            tx.execute(
                "INSERT INTO willingness (party_id, level, note, at) VALUES (?1, ?2, ?3, ?4)",
                params![
                    p.id,
                    canon(Willingness::parse(&w.level).map(|k| k.code()))?,
                    w.note,
                    w.at
                ],
            )?;
        }
        for s in &p.safety {
            tx.execute(
                "INSERT INTO safety_answers (party_id, court_order, asked_no_contact, abused_them, harmed_me,
                    legal_risk, affair, third_parties, my_safety, deceased, unreachable, child, family,
                    legal_decision, answered, reason, asked)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
                params![
                    p.id, s.court_order, s.asked_no_contact, s.abused_them, s.harmed_me, s.legal_risk,
                    s.affair, s.third_parties, s.my_safety, s.deceased, s.unreachable, s.child, s.family,
                    s.legal_decision, s.answered, s.reason,
                    s.asked.as_ref().map(|q| amends_core::questions::parse_asked(q).map(|q| q.join(","))).transpose().map_err(VaultError::from)?
                ],
            )?;
        }
        for c in &p.consultations {
            tx.execute(
                "INSERT INTO consultations (party_id, adviser, name, on_date, advice, approved, recorded)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![p.id, canon(Adviser::parse(&c.with).map(|k| k.code()))?, c.name, c.on, c.advice, c.approved.map(i64::from), c.recorded],
            )?;
        }
        for pl in &p.plans {
            tx.execute(
                "INSERT INTO plans (party_id, method, script, on_date, place, updated, channel) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![p.id, canon(Method::parse(&pl.method).map(|k| k.code()))?, pl.script, pl.on, pl.place, pl.updated,
                    pl.channel.as_deref().map(|c| canon(amends_core::model::Channel::parse(c).map(|k| k.code()))).transpose()?],
            )?;
        }
        for c in &p.consents {
            tx.execute(
                "INSERT INTO consents (party_id, who, given, on_date, note, recorded) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![p.id, c.who, c.given, c.on, c.note, c.recorded],
            )?;
        }
        for d in &p.deferrals {
            tx.execute(
                "INSERT INTO deferrals (party_id, reason, review_on, recorded, ended) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![p.id, d.reason, d.review_on, d.recorded, d.ended],
            )?;
        }
        for a in &p.attempts {
            tx.execute(
                "INSERT INTO attempts (party_id, on_date, method, outcome, requests, feeling_before,
                                       feeling_after, notes, recorded, channel)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    p.id, a.on, canon(Method::parse(&a.method).map(|k| k.code()))?,
                    canon(Outcome::parse(&a.outcome).map(|k| k.code()))?, a.requests,
                    a.feeling_before, a.feeling_after, a.notes, a.recorded,
                    a.channel.as_deref().map(|c| canon(amends_core::model::Channel::parse(c).map(|k| k.code()))).transpose()?
                ],
            )?;
        }
        for c in &p.commitments {
            let amount = c
                .amount
                .as_ref()
                .map(|m| check_money("amount", m))
                .transpose()?;
            let instalment = c
                .instalment
                .as_ref()
                .map(|m| check_money("instalment", m))
                .transpose()?;
            let every = c
                .every
                .as_deref()
                .map(|e| Cadence::parse(e).map(|k| k.code()))
                .transpose()?;
            let closed_how = c
                .closed
                .as_ref()
                .map(|cl| Closure::parse(&cl.how).map(|k| k.code()))
                .transpose()?;
            let reach = match (&c.via, c.kind.as_str()) {
                (Some(v), _) => Reach::parse(v)?,
                (None, "living") => Reach::NoContact,
                (None, _) => Reach::Them,
            };
            tx.execute(
                "INSERT INTO commitments (id, party_id, kind, amount_minor, currency, instalment_minor, every,
                    starting, behaviour, promise, due, recorded, closed_how, closed_on, reach)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                params![
                    c.id, p.id, c.kind, amount.map(|m| m.minor), amount.map(|m| m.currency.code()),
                    instalment.map(|m| m.minor), every, c.starting, c.behaviour.clone().unwrap_or_default(),
                    c.promise.clone().unwrap_or_default(), c.due, c.recorded, closed_how,
                    c.closed.as_ref().map(|cl| cl.on.clone()), reach.code()
                ],
            )?;
            for pay in &c.payments {
                let via = pay.via.as_deref().map(Reach::parse).transpose()?;
                tx.execute(
                    "INSERT INTO payments (commitment_id, on_date, amount_minor, note, via, recorded)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![c.id, pay.on, pay.amount.minor, pay.note, via.filter(|v| *v != reach).map(|v| v.code()), pay.recorded],
                )?;
            }
            for k in &c.checkins {
                tx.execute(
                    "INSERT INTO checkins (commitment_id, on_date, kept, note, recorded) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![c.id, k.on, k.kept, k.note, k.recorded],
                )?;
            }
            insert_changes(tx, c, amount.map(|m| m.currency))?;
        }
    }
    Ok(())
}

/// A commitment's history of corrected and removed payments and check-ins, checked field by
/// field (`previous` is kept as the vault keeps it, in schema V10's JSON).
fn insert_changes(
    tx: &rusqlite::Transaction<'_>,
    c: &CommitmentOut,
    currency: Option<amends_core::Currency>,
) -> Result<(), VaultError> {
    for (i, ch) in c.changes.iter().enumerate() {
        let at = format!("commitments[{}].changes[{i}]", c.id);
        let bad = |what: &str| VaultError::Import(format!("{at}: {what}. Nothing was imported."));
        let fact = match (ch.fact.as_str(), c.kind.as_str()) {
            ("payment", "restitution") => crate::follow::Fact::Payment,
            ("checkin", "living") => crate::follow::Fact::CheckIn,
            _ => {
                return Err(bad(
                    "`fact` is `payment` on a restitution or `checkin` on a living amends",
                ));
            }
        };
        if ch.change != "fixed" && ch.change != "removed" {
            return Err(bad("`change` is `fixed` or `removed`"));
        }
        ch.previous
            .on
            .parse::<jiff::civil::Date>()
            .map_err(|_| bad("`previous.on` is a date, YYYY-MM-DD"))?;
        ch.at
            .parse::<jiff::Timestamp>()
            .map_err(|_| bad("`at` is a time, RFC 3339"))?;
        let amount_minor = match (&ch.previous.amount, fact, currency) {
            (Some(m), crate::follow::Fact::Payment, Some(cur)) => {
                let m = check_money("previous.amount", m)?;
                if m.currency != cur {
                    return Err(bad("`previous.amount` is in the commitment's currency"));
                }
                Some(m.minor)
            }
            (None, crate::follow::Fact::CheckIn, _) => None,
            _ => return Err(bad("`previous` has an amount for a payment, and only then")),
        };
        if (fact == crate::follow::Fact::CheckIn) != ch.previous.kept.is_some() {
            return Err(bad("`previous` has `kept` for a check-in, and only then"));
        }
        let previous = crate::follow::Previous {
            on: ch.previous.on.clone(),
            amount_minor,
            kept: ch.previous.kept,
            note: text::optional("note", &ch.previous.note, text::TEXT_MAX)?,
            via: ch.previous.via.clone(),
            recorded: ch.previous.recorded.clone(),
        };
        let json = serde_json::to_string(&previous)
            .map_err(|_| VaultError::Storage("follow change".into()))?;
        tx.execute(
            "INSERT INTO follow_changes (commitment_id, fact, fact_id, change, previous, reason, changed_at)
             VALUES (?1, ?2, 0, ?3, ?4, ?5, ?6)",
            params![c.id, fact.code(), ch.change, json, text::optional("reason", &ch.reason, text::TEXT_MAX)?, ch.at],
        )?;
    }
    Ok(())
}
