//! Turning the person's own records into what a share carries, and reading a share back as
//! differences and a glance of progress.

use std::collections::BTreeMap;

use amends_core::model::{CommitmentKind, Id, PartyRecord, Settings};
use amends_core::rules::{approval_for_plan, verdict};
use amends_core::stage::{self, Stage};
use amends_core::{Money, Now};

use crate::ShareError;
use crate::document::{
    Part, ShareBody, SharedAttempt, SharedCommitment, SharedHarm, SharedParty, SharedPlan,
    SharedSafety,
};
use crate::safety::{safety_fingerprint, shared_safety};

/// What the person chose to share.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// `None` shares the whole list; otherwise these parties, in this order.
    pub parties: Option<Vec<Id>>,
    pub parts: Vec<Part>,
}

/// The share body for `selection`, built from the person's records as they stand `now`. Every
/// party carries its safety verdict; `Prepared::leave_out_safety` takes it out where the person
/// chooses.
pub fn share_body(
    records: &[PartyRecord],
    settings: &Settings,
    selection: &Selection,
    now: &Now,
) -> Result<ShareBody, ShareError> {
    let mut parts = selection.parts.clone();
    parts.sort();
    parts.dedup();
    let chosen: Vec<&PartyRecord> = match &selection.parties {
        None => records.iter().collect(),
        Some(ids) if ids.is_empty() => return Err(ShareError::NothingChosen),
        Some(ids) => {
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                let rec = records
                    .iter()
                    .find(|r| r.party.id == *id)
                    .ok_or(ShareError::NoSuchParty)?;
                if !out.iter().any(|r: &&PartyRecord| r.party.id == *id) {
                    out.push(rec);
                }
            }
            out
        }
    };
    let body = ShareBody {
        whole_list: selection.parties.is_none(),
        fellowship: settings.fellowship.code().to_string(),
        parties: chosen
            .into_iter()
            .map(|r| shared_party(r, &parts, now))
            .collect(),
        parts,
    };
    Ok(body)
}

fn shared_party(rec: &PartyRecord, parts: &[Part], now: &Now) -> SharedParty {
    let has = |p: Part| parts.contains(&p);
    let info = stage::derive(rec, now);
    SharedParty {
        id: rec.party.id,
        name: rec.party.name.clone(),
        kind: rec.party.kind.code().to_string(),
        relationship: rec.party.relationship.clone(),
        stage: info.stage.code().to_string(),
        stage_reason: info.reason,
        willingness: rec.willingness_now().map(|w| w.level.code().to_string()),
        safety: Some(shared_safety(&verdict(rec))),
        harms: has(Part::Harms).then(|| {
            rec.live_harms()
                .map(|h| SharedHarm {
                    did: h.did.clone(),
                    should: h.should.clone(),
                    effect: h.effect.clone(),
                    kinds: h.kinds.iter().map(|k| k.code().to_string()).collect(),
                    when: h.when.clone(),
                    owed: h.owed.map(|m| m.to_string()),
                })
                .collect()
        }),
        plan: if has(Part::Plans) || has(Part::Scripts) {
            rec.plan.as_ref().map(|p| SharedPlan {
                version: p.updated.to_string(),
                method: p.method.code().to_string(),
                on: p.on.map(|d| d.to_string()),
                place: p.place.clone(),
                script: has(Part::Scripts).then(|| p.script.clone()),
                approved: approval_for_plan(rec).is_some(),
            })
        } else {
            None
        },
        attempts: has(Part::Attempts).then(|| {
            rec.attempts
                .iter()
                .map(|a| SharedAttempt {
                    on: a.on.to_string(),
                    method: a.method.code().to_string(),
                    outcome: a.outcome.code().to_string(),
                    requests: a.requests.clone(),
                    notes: a.notes.clone(),
                })
                .collect()
        }),
        commitments: has(Part::Commitments).then(|| {
            rec.commitments
                .iter()
                .map(|c| {
                    let (what, paid, kept, missed) = match &c.kind {
                        CommitmentKind::Restitution {
                            amount, payments, ..
                        } => {
                            let sum = payments
                                .iter()
                                .fold(0i64, |s, p| s.saturating_add(p.amount.minor));
                            (
                                format!("pay back {amount}"),
                                Some(Money::new(sum, amount.currency).to_string()),
                                0,
                                0,
                            )
                        }
                        CommitmentKind::Living {
                            behaviour,
                            checkins,
                            ..
                        } => {
                            let kept = checkins.iter().filter(|k| k.kept).count();
                            (
                                behaviour.clone(),
                                None,
                                count(kept),
                                count(checkins.len() - kept),
                            )
                        }
                        CommitmentKind::Promise { text, due } => {
                            (format!("{text} (by {due})"), None, 0, 0)
                        }
                    };
                    SharedCommitment {
                        kind: c.kind_code().to_string(),
                        what,
                        paid,
                        balance: c.balance().map(|b| b.to_string()),
                        kept,
                        missed,
                        closed: c.closed.map(|(how, _)| how.code().to_string()),
                    }
                })
                .collect()
        }),
    }
}

/// How a party's safety verdict changed, in words: the contact allowed, then the rules that
/// apply now and did not, and those that no longer apply.
fn safety_change(old: &SharedSafety, new: &SharedSafety) -> String {
    let mut said = Vec::new();
    if old.contact != new.contact {
        said.push(format!(
            "contact: {} → {}",
            contact_words(old),
            contact_words(new)
        ));
    }
    let rule = |r: &crate::document::SharedRule| {
        if r.title.is_empty() {
            r.code.clone()
        } else {
            format!("{} {}", r.code, r.title)
        }
    };
    let mut lifted: Vec<String> = old.rules.iter().map(rule).collect();
    let mut added = Vec::new();
    for r in new.rules.iter().map(rule) {
        match lifted.iter().position(|x| *x == r) {
            Some(i) => {
                lifted.remove(i);
            }
            None => added.push(r),
        }
    }
    if !added.is_empty() {
        said.push(format!("now applies: {}", added.join(", ")));
    }
    if !lifted.is_empty() {
        said.push(format!("no longer applies: {}", lifted.join(", ")));
    }
    if !old.answered && new.answered {
        said.push("the safety questions are answered now".into());
    }
    if said.is_empty() {
        "the safety verdict changed".into()
    } else {
        format!("the safety verdict changed ({})", said.join("; "))
    }
}

fn contact_words(s: &SharedSafety) -> String {
    if s.contact_label.is_empty() {
        s.contact.clone()
    } else {
        s.contact_label.clone()
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A stage code in words, or the code itself if this version does not know it.
pub fn stage_label(code: &str) -> String {
    Stage::ALL
        .iter()
        .find(|s| s.code() == code)
        .map_or_else(|| code.to_string(), |s| s.label().to_string())
}

/// One supported person's progress at a glance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Glance {
    pub parties: usize,
    /// Stage code → how many parties are at it, in the core's stage order.
    pub by_stage: Vec<(String, usize)>,
    /// Plans shared that no approval stands for yet.
    pub plans_to_review: usize,
    /// Parties whose amends has been made (made, following through, living amends, complete).
    pub made: usize,
}

pub fn glance(body: &ShareBody) -> Glance {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &body.parties {
        *counts.entry(p.stage.as_str()).or_default() += 1;
    }
    let mut by_stage: Vec<(String, usize)> = Stage::ALL
        .iter()
        .filter_map(|s| counts.remove(s.code()).map(|n| (s.code().to_string(), n)))
        .collect();
    by_stage.extend(counts.into_iter().map(|(c, n)| (c.to_string(), n)));
    let made_codes = [
        Stage::Made,
        Stage::FollowingThrough,
        Stage::LivingAmends,
        Stage::Complete,
    ]
    .map(Stage::code);
    Glance {
        parties: body.parties.len(),
        plans_to_review: body
            .parties
            .iter()
            .filter(|p| p.plan.as_ref().is_some_and(|pl| !pl.approved))
            .count(),
        made: body
            .parties
            .iter()
            .filter(|p| made_codes.contains(&p.stage.as_str()))
            .count(),
        by_stage,
    }
}

/// One thing that changed between two shares from the same person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// The party's name in the newer share (or the older one, if it is no longer shared).
    pub party: String,
    pub change: String,
}

/// What changed from `old` to `new`, party by party, in words.
pub fn differences(old: &ShareBody, new: &ShareBody) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut note = |party: &str, change: String| {
        out.push(Difference {
            party: party.to_string(),
            change,
        })
    };
    for p in &new.parties {
        let Some(o) = old.parties.iter().find(|o| o.id == p.id) else {
            note(&p.name, "newly shared".into());
            continue;
        };
        if o.name != p.name {
            note(&p.name, "name changed".into());
        }
        if o.stage != p.stage {
            note(
                &p.name,
                format!(
                    "stage: {} → {}",
                    stage_label(&o.stage),
                    stage_label(&p.stage)
                ),
            );
        }
        if o.willingness != p.willingness {
            note(
                &p.name,
                format!(
                    "willingness: {} → {}",
                    o.willingness.as_deref().unwrap_or("not given"),
                    p.willingness.as_deref().unwrap_or("not given")
                ),
            );
        }
        match (&o.safety, &p.safety) {
            (Some(a), Some(b)) if safety_fingerprint(a) != safety_fingerprint(b) => {
                note(&p.name, safety_change(a, b));
            }
            (Some(_), None) => note(&p.name, "the safety verdict is no longer shared".into()),
            (None, Some(_)) => note(&p.name, "the safety verdict is shared now".into()),
            _ => {}
        }
        if let (Some(a), Some(b)) = (&o.harms, &p.harms)
            && a != b
        {
            let change = if b.len() > a.len() {
                format!("{} more harm(s) listed", b.len() - a.len())
            } else if b.len() < a.len() {
                format!("{} harm(s) fewer", a.len() - b.len())
            } else {
                "harms reworded".to_string()
            };
            note(&p.name, change);
        }
        match (&o.plan, &p.plan) {
            (None, Some(_)) => note(&p.name, "a plan was made".into()),
            (Some(_), None) if new.has(Part::Plans) => note(&p.name, "the plan was removed".into()),
            (Some(a), Some(b)) => {
                if a.version != b.version {
                    note(&p.name, "the plan changed".into());
                }
                if a.script != b.script && a.script.is_some() && b.script.is_some() {
                    note(&p.name, "the script changed".into());
                }
                if a.approved != b.approved {
                    note(
                        &p.name,
                        if b.approved {
                            "the plan is now approved".into()
                        } else {
                            "the plan no longer has an approval".into()
                        },
                    );
                }
            }
            _ => {}
        }
        if let (Some(a), Some(b)) = (&o.attempts, &p.attempts)
            && b.len() > a.len()
        {
            note(&p.name, format!("{} new attempt(s)", b.len() - a.len()));
        }
        if let (Some(a), Some(b)) = (&o.commitments, &p.commitments)
            && a != b
        {
            note(&p.name, "commitments updated".into());
        }
    }
    for o in &old.parties {
        if !new.parties.iter().any(|p| p.id == o.id) {
            note(&o.name, "no longer shared".into());
        }
    }
    for part in Part::ALL {
        match (old.has(part), new.has(part)) {
            (false, true) => note("", format!("now shares {}", part.label())),
            (true, false) => note("", format!("no longer shares {}", part.label())),
            _ => {}
        }
    }
    out
}
