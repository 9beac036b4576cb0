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
    recorded.unwrap_or_else(|| {
        on.to_zoned(now.tz.clone())
            .map(|z| z.timestamp())
            .unwrap_or(commitment)
            .max(commitment)
    })
}

/// Which gates a replay holds a history to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gates {
    /// Every gate a live write goes through today.
    All,
    /// Only the refusals of a rule (R1-R10): for a file written before the other gates (the
    /// safety questions and a harm before contact, dates within bounds, a reason to lift a
    /// protecting answer) existed, whose facts were accepted then and must not be lost now.
    RulesOnly,
    /// The rules for facts written before this instant, every gate for those written since
    /// (a vault that was brought up to this version, or filled from such a file, at that time).
    Since(Timestamp),
}

impl Gates {
    fn holds(self, error: &CoreError, at: Timestamp) -> bool {
        let rule = matches!(error, CoreError::Refused(r) if r.rule.is_some());
        match self {
            Gates::All => true,
            Gates::RulesOnly => rule,
            Gates::Since(since) => rule || at >= since,
        }
    }
}

/// Replays the history through every gate. `now` gives the time zone days are read in; the
/// instant of each fact is its own.
pub fn replay(history: &History, now: &Now) -> Result<(), Breach> {
    replay_with(history, now, Gates::All)
}

/// Replays the history through the chosen gates; a fact a gate not chosen would refuse is
/// applied as it was written.
pub fn replay_with(history: &History, now: &Now, gates: Gates) -> Result<(), Breach> {
    // The instant of the fact being judged, for `Gates::Since`.
    let judged_at = std::cell::Cell::new(Timestamp::UNIX_EPOCH);
    let lenient = |b: Breach| -> Result<(), Breach> {
        if gates.holds(&b.error, judged_at.get()) {
            Err(b)
        } else {
            Ok(())
        }
    };
    let full = &history.record;
    let mut events: Vec<(Timestamp, Event)> = Vec::new();
    for (i, v) in history.before_edits.iter().enumerate() {
        events.push((v.until, Event::PartyEdit(i)));
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
        judged_at.set(at);
        let then = Now::new(at, now.tz.clone());
        let breach = |place: Place| {
            move |error: CoreError| Breach {
                place: place.clone(),
                error,
            }
        };
        match event {
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
                rules::check_lift(&before, &next.answers, true, &next.reason)
                    .map_err(CoreError::from)
                    .map(|_| ())
                    .map_err(breach(Place::Safety(i)))
                    .or_else(lenient)?;
                let (settled, _) = rules::settle_answers(&state, next.answers.clone());
                if settled != next.answers {
                    lenient(breach(Place::Safety(i))(
                        Refusal::new(
                            Some(rules::Rule::R5),
                            "These answers lift \"asked for no further contact\", which an earlier attempt recorded, and that wish stands for good",
                            "Keep asked_no_contact true in every answer after that attempt.",
                        )
                        .into(),
                    ))?;
                }
                state.safety = Some(next.clone());
            }
            Event::Consultation(i) => {
                let c = &full.consultations[i];
                if c.on > then.today {
                    lenient(breach(Place::Consultation(i))(
                        Invalid::new("on", "is after the day it was recorded").into(),
                    ))?;
                }
                if c.with == crate::model::Adviser::Lawyer && c.approved.is_some() {
                    lenient(breach(Place::Consultation(i))(
                        Invalid::new(
                            "approved",
                            "a lawyer advises on the legal side but does not approve an amends",
                        )
                        .into(),
                    ))?;
                }
                state.consultations.push(c.clone());
            }
            Event::Consent(i) => {
                rules::check_consent(&state)
                    .map_err(CoreError::from)
                    .map(|_| ())
                    .map_err(breach(Place::Consent(i)))
                    .or_else(lenient)?;
                state.consents.push(full.consents[i].clone());
            }
            Event::Plan(i) => {
                let plan = &history.plans[i];
                rules::check_plan(&state, plan)
                    .map(|_| ())
                    .map_err(breach(Place::Plan(i)))
                    .or_else(lenient)?;
                state.plan = Some(plan.clone());
            }
            Event::Deferral(i) => {
                let d = &full.deferrals[i];
                rules::check_deferral(&state, &d.reason, d.review_on, then.today)
                    .map(|_| ())
                    .map_err(breach(Place::Deferral(i)))
                    .or_else(lenient)?;
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
                rules::check_attempt(
                    &state,
                    &NewAttempt {
                        on: a.on,
                        method: a.method,
                        outcome: a.outcome,
                        words: &words,
                    },
                    then.today,
                )
                .map(|_| ())
                .map_err(breach(Place::Attempt(i)))
                .or_else(lenient)?;
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
                rules::check_commitment(&state, sort, c.reach, &words)
                    .map(|_| ())
                    .map_err(breach(Place::Commitment(i)))
                    .or_else(lenient)?;
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
                rules::check_payment(&state, &c, p.on, p.via.unwrap_or(c.reach), &p.note, &then)
                    .map(|_| ())
                    .map_err(breach(Place::Payment(ci, j)))
                    .or_else(lenient)?;
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
                rules::check_checkin(&state, &c, k.on, &k.note, &then)
                    .map(|_| ())
                    .map_err(breach(Place::CheckIn(ci, j)))
                    .or_else(lenient)?;
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
