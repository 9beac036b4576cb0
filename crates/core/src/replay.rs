//! A party's whole history, replayed in the order it was written through the same gates a
//! live write goes through. An import uses it so that a file, whoever wrote it, can hold
//! nothing the rules would have refused (a face-to-face attempt under a court order, a
//! payment handed over in person where no contact is allowed, a court order lifted without a
//! reason); the property tests use it to check that no path around the gates exists.
//!
//! Each fact is judged against the record as it stood just before it was written, on the day
//! it was written. Facts written by one action share its instant; within an instant they are
//! taken in the order the action writes them (an attempt before the answer "no further contact"
//! it records, and before the harms they told of).

use jiff::Timestamp;

use crate::clock::Now;
use crate::error::{CoreError, Invalid, Refusal};
use crate::model::{CommitmentKind, HarmSource, PartyRecord, Plan, SafetyRecord};
use crate::rules::{self, CommitmentSort, NewAttempt};

/// Everything written about one party, with the histories a `PartyRecord` keeps only the
/// latest of.
#[derive(Clone, Debug)]
pub struct History {
    /// The party as it stands now, with every fact.
    pub record: PartyRecord,
    /// Every set of safety answers, oldest first.
    pub safety: Vec<SafetyRecord>,
    /// Every plan, oldest first.
    pub plans: Vec<Plan>,
    /// What the party was called, and was, before each edit of it, oldest first: a fact is read
    /// with the name and kind it had when it was written.
    pub before_edits: Vec<PartyVersion>,
    /// The people a harm named, and what it said was done, before each edit of the harm, oldest
    /// first (R1 asks for the consent of those a harm names as it stood then).
    pub harms_before_edits: Vec<HarmVersion>,
}

/// A harm's words up to the moment an edit replaced them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HarmVersion {
    pub harm_id: crate::model::Id,
    pub until: Timestamp,
    pub did: String,
    pub third_parties: Vec<String>,
}

/// A party's name and kind up to the moment an edit replaced them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartyVersion {
    pub until: Timestamp,
    pub name: String,
    pub kind: crate::model::PartyKind,
}

/// Which fact broke a rule, by its place in the party's lists (as an export numbers them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    Safety(usize),
    Plan(usize),
    Consultation(usize),
    Consent(usize),
    Deferral(usize),
    Attempt(usize),
    Commitment(usize),
    Payment(usize, usize),
    CheckIn(usize, usize),
}

impl Place {
    /// The place as a path in the export (`plans[2]`, `commitments[0].payments[1]`).
    pub fn path(&self) -> String {
        match self {
            Place::Safety(i) => format!("safety[{i}]"),
            Place::Plan(i) => format!("plans[{i}]"),
            Place::Consultation(i) => format!("consultations[{i}]"),
            Place::Consent(i) => format!("consents[{i}]"),
            Place::Deferral(i) => format!("deferrals[{i}]"),
            Place::Attempt(i) => format!("attempts[{i}]"),
            Place::Commitment(i) => format!("commitments[{i}]"),
            Place::Payment(c, i) => format!("commitments[{c}].payments[{i}]"),
            Place::CheckIn(c, i) => format!("commitments[{c}].checkins[{i}]"),
        }
    }
}

/// A fact the gates refuse, where it is and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breach {
    pub place: Place,
    pub error: CoreError,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    PartyEdit(usize),
    HarmEdit(usize),
    Close(usize),
    PartyAside(usize),
    PartyRestore(usize),
    Harm(usize),
    HarmAside(usize, usize),
    HarmRestore(usize, usize),
    Willingness(usize),
    Consultation(usize),
    Consent(usize),
    Plan(usize),
    Deferral(usize),
    DeferralEnd(usize),
    Commitment(usize),
    Payment(usize, usize),
    CheckIn(usize, usize),
    Attempt(usize),
    Safety(usize),
    RevealedHarm(usize),
}

impl Event {
    /// The order within one instant: the order an action writes its facts in.
    fn rank(self) -> u8 {
        match self {
            Event::PartyEdit(_) => 0,
            Event::HarmEdit(_) => 0,
            Event::Close(_) => 17,
            Event::PartyRestore(_) => 0,
            Event::Harm(_) => 1,
            Event::HarmRestore(..) => 2,
            Event::Willingness(_) => 3,
            Event::Consultation(_) => 4,
            Event::Consent(_) => 5,
            Event::Plan(_) => 6,
            Event::DeferralEnd(_) => 7,
            Event::Deferral(_) => 8,
            Event::Commitment(_) => 9,
            Event::Payment(..) => 10,
            Event::CheckIn(..) => 11,
            Event::Attempt(_) => 12,
            Event::Safety(_) => 13,
            Event::RevealedHarm(_) => 14,
            Event::HarmAside(..) => 15,
            Event::PartyAside(_) => 16,
        }
    }
}

/// The instant a payment or check-in was written: when it was recorded, or for one written
/// before that was kept, the start of its day (never before its commitment).
fn fact_time(
    recorded: Option<Timestamp>,
    on: jiff::civil::Date,
    commitment: Timestamp,
    now: &Now,
) -> Timestamp {
    recorded
        .unwrap_or_else(|| {
            on.to_zoned(now.tz.clone())
                .map(|z| z.timestamp())
                .unwrap_or(commitment)
        })
        // Nothing on a commitment is written before the commitment: a file that says so is
        // judged as if it came just after, never skipped.
        .max(commitment)
}

/// Which gates a replay holds a history to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gates {
    /// Every gate a live write goes through today.
    All,
    /// The gates as they were before version 2 of the export (every fact of a version 1 file):
    /// a method the answers forbid (R4, R5, R8), consent (R1), review (R2), a deferral of what
    /// was done (R9), and "no further contact" standing for good. What came with version 2 (the
    /// safety questions and a harm before contact, how a commitment or payment reaches them, the
    /// words read for contact and go-betweens, R3 at the attempt, dates within bounds, a reason
    /// to lift a protection, closing a promise) was not asked then, and is not asked of them.
    Legacy,
    /// `Legacy` for facts written before this instant, every gate for those written since (a
    /// vault that was brought up to version 2, or filled from an older file, at that time).
    Since(Timestamp),
}

/// What a gate judged, for `Gates::Legacy`: which of its refusals were asked before version 2.
#[derive(Clone, Copy, Debug)]
enum Judged {
    /// A plan or an attempt by this method: its R4/R5/R8 refusal held only if the method itself
    /// is forbidden (a refusal of its words is new), R3 never (new at the attempt).
    Method(crate::model::Method),
    /// A gate as old as the format: its rule refusals held.
    Rules,
    /// A gate new in version 2: nothing held.
    New,
    /// A fact that carries what only version 2 writes (a payment's way or the time it was
    /// written): it was written under every gate, whatever time it claims.
    Full,
}

impl Gates {
    fn holds(self, error: &CoreError, at: Timestamp, judged: Judged, state: &PartyRecord) -> bool {
        let legacy = match self {
            Gates::All => false,
            Gates::Legacy => true,
            Gates::Since(since) => at < since,
        };
        if !legacy || matches!(judged, Judged::Full) {
            return true;
        }
        let CoreError::Refused(r) = error else {
            return false;
        };
        let Some(rule) = r.rule else {
            return false;
        };
        match judged {
            Judged::Full => true,
            Judged::New => false,
            Judged::Rules => true,
            Judged::Method(method) => match rule {
                rules::Rule::R3 => false,
                rules::Rule::R4 | rules::Rule::R5 | rules::Rule::R8 => {
                    !rules::verdict(state).allows(method)
                }
                _ => true,
            },
        }
    }
}

/// Days are read in the time zone of whoever wrote them, which a file does not keep: a check
/// of a date against the day it was written is given the benefit of the widest offsets (a day
/// either way) before it refuses.
fn with_slack(
    at: Timestamp,
    tz: &jiff::tz::TimeZone,
    gate: impl Fn(&Now) -> Result<(), CoreError>,
) -> Result<(), CoreError> {
    let first = gate(&Now::new(at, tz.clone()));
    let Err(CoreError::Invalid(_)) = first else {
        return first;
    };
    for hours in [14, -12] {
        if let Ok(offset) = jiff::tz::Offset::from_hours(hours)
            && gate(&Now::new(at, jiff::tz::TimeZone::fixed(offset))).is_ok()
        {
            return Ok(());
        }
    }
    first
}

/// Replays the history through every gate. `now` gives the time zone days are read in; the
/// instant of each fact is its own.
pub fn replay(history: &History, now: &Now) -> Result<(), Breach> {
    replay_with(history, now, Gates::All)
}

/// Replays the history through the chosen gates; a fact a gate not chosen would refuse is
/// applied as it was written.
pub fn replay_with(history: &History, now: &Now, gates: Gates) -> Result<(), Breach> {
    // A gate's answer for the fact at `at` and `place`: a breach, unless the gates chosen do
    // not hold it (`Gates::Legacy`), when the fact is applied as it was written.
    let judge = |result: Result<(), CoreError>,
                 at: Timestamp,
                 place: Place,
                 judged: Judged,
                 state: &PartyRecord|
     -> Result<(), Breach> {
        match result {
            Err(error) if gates.holds(&error, at, judged, state) => Err(Breach { place, error }),
            _ => Ok(()),
        }
    };
    let full = &history.record;
    let mut events: Vec<(Timestamp, Event)> = Vec::new();
    for (i, v) in history.before_edits.iter().enumerate() {
        events.push((v.until, Event::PartyEdit(i)));
    }
    for (i, v) in history.harms_before_edits.iter().enumerate() {
        events.push((v.until, Event::HarmEdit(i)));
    }
    for (i, a) in full.asides.iter().enumerate() {
        events.push((a.at, Event::PartyAside(i)));
        if let Some(t) = a.restored_at {
            events.push((t, Event::PartyRestore(i)));
        }
    }
    for (i, h) in full.harms.iter().enumerate() {
        let ev = if h.source == HarmSource::Revealed {
            Event::RevealedHarm(i)
        } else {
            Event::Harm(i)
        };
        events.push((h.recorded, ev));
        for (j, a) in h.asides.iter().enumerate() {
            events.push((a.at, Event::HarmAside(i, j)));
            if let Some(t) = a.restored_at {
                events.push((t, Event::HarmRestore(i, j)));
            }
        }
    }
    for (i, w) in full.willingness.iter().enumerate() {
        events.push((w.at, Event::Willingness(i)));
    }
    for (i, s) in history.safety.iter().enumerate() {
        events.push((s.answered, Event::Safety(i)));
    }
    for (i, c) in full.consultations.iter().enumerate() {
        events.push((c.recorded, Event::Consultation(i)));
    }
    for (i, c) in full.consents.iter().enumerate() {
        events.push((c.recorded, Event::Consent(i)));
    }
    for (i, p) in history.plans.iter().enumerate() {
        events.push((p.updated, Event::Plan(i)));
    }
    for (i, d) in full.deferrals.iter().enumerate() {
        events.push((d.recorded, Event::Deferral(i)));
        if let Some(t) = d.ended {
            events.push((t, Event::DeferralEnd(i)));
        }
    }
    for (i, a) in full.attempts.iter().enumerate() {
        events.push((a.recorded, Event::Attempt(i)));
    }
    for (i, c) in full.commitments.iter().enumerate() {
        events.push((c.recorded, Event::Commitment(i)));
        // A closing keeps only its day: judged at the start of it (never before the commitment).
        if let Some((_, on)) = c.closed {
            events.push((fact_time(None, on, c.recorded, now), Event::Close(i)));
        }
        match &c.kind {
            CommitmentKind::Restitution { payments, .. } => {
                for (j, p) in payments.iter().enumerate() {
                    events.push((
                        fact_time(p.recorded, p.on, c.recorded, now),
                        Event::Payment(i, j),
                    ));
                }
            }
            CommitmentKind::Living { checkins, .. } => {
                for (j, k) in checkins.iter().enumerate() {
                    events.push((
                        fact_time(k.recorded, k.on, c.recorded, now),
                        Event::CheckIn(i, j),
                    ));
                }
            }
            CommitmentKind::Promise { .. } => {}
        }
    }
    events.sort_by_key(|(t, e)| (*t, e.rank(), *e));

    let mut state = PartyRecord::new(full.party.clone());
    // The name and kind it had before its first edit, until that edit.
    if let Some(first) = history.before_edits.first() {
        state.party.name = first.name.clone();
        state.party.kind = first.kind;
    }
    // Positions in `state.commitments` of each of the full record's commitments.
    let mut placed: Vec<Option<usize>> = vec![None; full.commitments.len()];
    for (at, event) in events {
        match event {
            Event::HarmEdit(i) => {
                let edit = &history.harms_before_edits[i];
                // From this edit on: what the next edit of the same harm replaced, or what it is now.
                let next = history.harms_before_edits[i + 1..]
                    .iter()
                    .find(|v| v.harm_id == edit.harm_id);
                if let Some(h) = state.harms.iter_mut().find(|h| h.id == edit.harm_id) {
                    match next {
                        Some(n) => {
                            h.did = n.did.clone();
                            h.third_parties = n.third_parties.clone();
                        }
                        None => {
                            if let Some(now_h) = full.harms.iter().find(|x| x.id == edit.harm_id) {
                                h.did = now_h.did.clone();
                                h.third_parties = now_h.third_parties.clone();
                            }
                        }
                    }
                }
            }
            Event::Close(i) => {
                let Some(slot) = placed[i] else { continue };
                let Some(closed) = full.commitments[i].closed else {
                    continue;
                };
                let c = state.commitments[slot].clone();
                judge(
                    rules::check_close(&state, &c, closed.0).map_err(CoreError::from),
                    at,
                    Place::Commitment(i),
                    Judged::New,
                    &state,
                )?;
                state.commitments[slot].closed = Some(closed);
            }
            Event::PartyEdit(i) => {
                // From this edit on: what the next edit replaced, or what it is now.
                let (name, kind) = match history.before_edits.get(i + 1) {
                    Some(next) => (next.name.clone(), next.kind),
                    None => (full.party.name.clone(), full.party.kind),
                };
                state.party.name = name;
                state.party.kind = kind;
            }
            Event::PartyAside(i) => {
                let mut a = full.asides[i].clone();
                a.restored_at = None;
                state.asides.push(a);
            }
            Event::PartyRestore(i) => {
                if let Some(a) = state.asides.iter_mut().find(|a| a.id == full.asides[i].id) {
                    a.restored_at = full.asides[i].restored_at;
                }
            }
            Event::Harm(i) | Event::RevealedHarm(i) => {
                let mut h = full.harms[i].clone();
                h.asides.clear();
                // As it was written, before any edit.
                if let Some(first) = history
                    .harms_before_edits
                    .iter()
                    .find(|v| v.harm_id == h.id)
                {
                    h.did = first.did.clone();
                    h.third_parties = first.third_parties.clone();
                }
                state.harms.push(h);
            }
            Event::HarmAside(i, j) => {
                let id = full.harms[i].id;
                if let Some(h) = state.harms.iter_mut().find(|h| h.id == id) {
                    let mut a = full.harms[i].asides[j].clone();
                    a.restored_at = None;
                    h.asides.push(a);
                }
            }
            Event::HarmRestore(i, j) => {
                let id = full.harms[i].id;
                let aside = &full.harms[i].asides[j];
                if let Some(a) = state.harms.iter_mut().find(|h| h.id == id).and_then(|h| {
                    h.asides
                        .iter_mut()
                        .find(|a| a.id == aside.id && a.at == aside.at)
                }) {
                    a.restored_at = aside.restored_at;
                }
            }
            Event::Willingness(i) => state.willingness.push(full.willingness[i].clone()),
            Event::Safety(i) => {
                let next = &history.safety[i];
                let before = state
                    .safety
                    .as_ref()
                    .map(|s| s.answers.clone())
                    .unwrap_or_default();
                judge(
                    rules::check_lift(&before, &next.answers, true, &next.reason)
                        .map_err(CoreError::from),
                    at,
                    Place::Safety(i),
                    Judged::New,
                    &state,
                )?;
                let (settled, _) = rules::settle_answers(&state, next.answers.clone());
                if settled != next.answers {
                    judge(
                        Err(Refusal::new(
                            Some(rules::Rule::R5),
                            "These answers lift \"asked for no further contact\", which an earlier attempt recorded, and that wish stands for good",
                            "Keep asked_no_contact true in every answer after that attempt.",
                        )
                        .into()),
                        at,
                        Place::Safety(i),
                        Judged::Rules,
                        &state,
                    )?;
                }
                state.safety = Some(next.clone());
            }
            Event::Consultation(i) => {
                let c = &full.consultations[i];
                judge(
                    with_slack(at, &now.tz, |then| {
                        if c.on > then.today {
                            return Err(
                                Invalid::new("on", "is after the day it was recorded").into()
                            );
                        }
                        Ok(())
                    }),
                    at,
                    Place::Consultation(i),
                    Judged::Rules,
                    &state,
                )?;
                if c.with == crate::model::Adviser::Lawyer && c.approved.is_some() {
                    judge(
                        Err(Invalid::new(
                            "approved",
                            "a lawyer advises on the legal side but does not approve an amends",
                        )
                        .into()),
                        at,
                        Place::Consultation(i),
                        Judged::Rules,
                        &state,
                    )?;
                }
                state.consultations.push(c.clone());
            }
            Event::Consent(i) => {
                judge(
                    rules::check_consent(&state).map_err(CoreError::from),
                    at,
                    Place::Consent(i),
                    Judged::Rules,
                    &state,
                )?;
                state.consents.push(full.consents[i].clone());
            }
            Event::Plan(i) => {
                let plan = &history.plans[i];
                judge(
                    rules::check_plan(&state, plan).map(|_| ()),
                    at,
                    Place::Plan(i),
                    Judged::Method(plan.method),
                    &state,
                )?;
                state.plan = Some(plan.clone());
            }
            Event::Deferral(i) => {
                let d = &full.deferrals[i];
                judge(
                    with_slack(at, &now.tz, |then| {
                        rules::check_deferral(&state, &d.reason, d.review_on, then.today)
                    }),
                    at,
                    Place::Deferral(i),
                    Judged::Rules,
                    &state,
                )?;
                let mut d = d.clone();
                d.ended = None;
                state.deferrals.push(d);
            }
            Event::DeferralEnd(i) => {
                let d = &full.deferrals[i];
                if let Some(s) = state
                    .deferrals
                    .iter_mut()
                    .find(|x| x.id == d.id && x.recorded == d.recorded)
                {
                    s.ended = d.ended;
                }
            }
            Event::Attempt(i) => {
                let a = &full.attempts[i];
                let words = [
                    a.requests.as_str(),
                    a.notes.as_str(),
                    a.feeling_before.as_str(),
                    a.feeling_after.as_str(),
                ];
                let attempt = NewAttempt {
                    on: a.on,
                    method: a.method,
                    channel: a.channel,
                    outcome: a.outcome,
                    words: &words,
                };
                judge(
                    with_slack(at, &now.tz, |then| {
                        rules::check_attempt(&state, &attempt, then.today)
                    }),
                    at,
                    Place::Attempt(i),
                    Judged::Method(a.method),
                    &state,
                )?;
                state.attempts.push(a.clone());
            }
            Event::Commitment(i) => {
                let c = &full.commitments[i];
                let (sort, words): (CommitmentSort, Vec<&str>) = match &c.kind {
                    CommitmentKind::Restitution { .. } => (CommitmentSort::Restitution, vec![]),
                    CommitmentKind::Living { behaviour, .. } => {
                        (CommitmentSort::Living, vec![behaviour.as_str()])
                    }
                    CommitmentKind::Promise { text, .. } => {
                        (CommitmentSort::Promise, vec![text.as_str()])
                    }
                };
                judge(
                    rules::check_commitment(&state, sort, c.reach, &words),
                    at,
                    Place::Commitment(i),
                    Judged::New,
                    &state,
                )?;
                let mut c = c.clone();
                match &mut c.kind {
                    CommitmentKind::Restitution { payments, .. } => payments.clear(),
                    CommitmentKind::Living { checkins, .. } => checkins.clear(),
                    CommitmentKind::Promise { .. } => {}
                }
                c.closed = None;
                placed[i] = Some(state.commitments.len());
                state.commitments.push(c);
            }
            Event::Payment(ci, j) => {
                let full_c = &full.commitments[ci];
                let CommitmentKind::Restitution { payments, .. } = &full_c.kind else {
                    continue;
                };
                let p = &payments[j];
                let Some(slot) = placed[ci] else { continue };
                let c = state.commitments[slot].clone();
                judge(
                    with_slack(at, &now.tz, |then| {
                        rules::check_payment(
                            &state,
                            &c,
                            p.on,
                            p.via.unwrap_or(c.reach),
                            &p.note,
                            then,
                        )
                    }),
                    at,
                    Place::Payment(ci, j),
                    if p.via.is_some() || p.recorded.is_some() {
                        Judged::Full
                    } else {
                        Judged::New
                    },
                    &state,
                )?;
                if let CommitmentKind::Restitution { payments, .. } =
                    &mut state.commitments[slot].kind
                {
                    payments.push(p.clone());
                }
            }
            Event::CheckIn(ci, j) => {
                let full_c = &full.commitments[ci];
                let CommitmentKind::Living { checkins, .. } = &full_c.kind else {
                    continue;
                };
                let k = &checkins[j];
                let Some(slot) = placed[ci] else { continue };
                let c = state.commitments[slot].clone();
                judge(
                    with_slack(at, &now.tz, |then| {
                        rules::check_checkin(&state, &c, k.on, &k.note, then)
                    }),
                    at,
                    Place::CheckIn(ci, j),
                    if k.recorded.is_some() {
                        Judged::Full
                    } else {
                        Judged::New
                    },
                    &state,
                )?;
                if let CommitmentKind::Living { checkins, .. } = &mut state.commitments[slot].kind {
                    checkins.push(k.clone());
                }
            }
        }
    }
    Ok(())
}

/// Whether a record holds a fact of direct contact made while R4 or R5 applied: the invariant
/// the gates keep, for tests and for a check after an import. Judged by replaying.
pub fn holds_forbidden_contact(history: &History, now: &Now) -> Option<Breach> {
    replay(history, now).err().filter(|b| {
        matches!(
            &b.error,
            CoreError::Refused(r) if matches!(r.rule, Some(rules::Rule::R4 | rules::Rule::R5))
        )
    })
}
