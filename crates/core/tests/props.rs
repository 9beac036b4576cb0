//! Property tests: random histories of one party, built only through the core's own checks
//! (as the application does), with the derived stage checked against the facts after every step,
//! no way around R4 and R5 left open, and the whole history replaying clean through the gates.

use crate::common;

use std::collections::BTreeSet;

use amends_core::coach::{go_between, reaches};
use amends_core::model::{
    Adviser, AsideReason, Attempt, Cadence, CheckIn, Closure, Commitment, CommitmentKind, Consent,
    Consultation, Deferral, Method, Outcome, PartyKind, PartyRecord, Payment, Plan, Reach,
    SafetyAnswers, SafetyRecord, SetAside, Settings, Willingness, WillingnessEntry,
};
use amends_core::replay::{self, History, PartyVersion};
use amends_core::rules::{
    CommitmentSort, Contact, NewAttempt, PROTECTING, Rule, SafetyChange, answer_mut,
    approval_for_plan, check_attempt, check_checkin, check_commitment, check_consent,
    check_deferral, check_lift, check_new_party, check_payment, check_plan, consent_satisfied,
    latest_review, merge_answers, names_in, settle_answers, verdict,
};
use amends_core::stage::{derive, readiness_gaps};
use amends_core::summary::summarise;
use amends_core::{CoreError, Now, Stage, StageInfo};
use common::*;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

const NAMES: [&str; 3] = ["Sam", "Alex", "Jordan"];
/// Someone who gives consent but is recorded on no harm.
const STRANGER: &str = "Kim";

/// What the party may be renamed to (it starts as "Pat"). None of these words appears in
/// `WORDS` but through `{name}`, so what was written under one name is read the same under the
/// next (see replay::a_rename_after_the_facts_does_not_turn_an_accepted_history_into_a_breach
/// for what happens when it is not).
const RENAMES: [&str; 3] = ["Pat", "Lee Morgan", "Robin"];

/// Words a person writes on a plan, an attempt, a promise, a living amends, a payment or a
/// check-in, in English and Spanish; `{name}` is the party's name when they are written.
/// `words_read_as_meant` pins what the readers make of each.
const WORDS: [&str; 10] = [
    "",
    "Kept it up this week",
    "Donated to the shelter in town",
    "Talked it over with Sam, my sponsor",
    "Keep every term of the order and stay sober",
    // A message through someone else.
    "I asked her sister to tell her I am sorry",
    "Le pedí a su hermano que le diga que lo siento",
    // Reaching them directly.
    "I will visit her at her flat",
    "Handed the money to {name} at the door",
    "Fui a su casa a pedirle perdón",
];
const GO_BETWEEN: std::ops::Range<usize> = 5..7;
const CONTACT: std::ops::Range<usize> = 7..10;

fn words(i: usize, name: &str) -> String {
    WORDS[i % WORDS.len()].replace("{name}", name)
}

/// Picks mostly harmless words, often enough the others.
fn words_strategy() -> impl Strategy<Value = usize> {
    prop_oneof![3 => 0..GO_BETWEEN.start, 2 => GO_BETWEEN.start..WORDS.len()]
}

#[derive(Clone, Debug)]
enum Op {
    AddHarm {
        who: Option<usize>,
        owed: Option<i64>,
    },
    AsideParty(usize),
    RestoreParty,
    AsideHarm(usize),
    RestoreHarm(usize),
    Willing(usize),
    /// All the answers given again (as an import or a whole form would), with or without a
    /// reason for lifting one that protects them.
    Answer {
        answers: SafetyAnswers,
        reason: bool,
    },
    /// One protecting answer lifted (`merge_answers`, as `amends safety --clear` does).
    Lift {
        which: usize,
        reason: bool,
        confirmed: bool,
    },
    Rename(usize),
    Consult {
        with: usize,
        approved: Option<bool>,
    },
    Plan {
        method: usize,
        names: Option<usize>,
        on_in: Option<i64>,
        words: usize,
        in_place: bool,
    },
    Consent {
        who: usize,
        given: bool,
    },
    Defer {
        no_reason: bool,
        review_in: i64,
    },
    EndDeferral,
    Attempt {
        method: usize,
        outcome: usize,
        fitting: bool,
        days_ago: i64,
        words: usize,
    },
    AddRestitution {
        amount: i64,
        instalment: Option<i64>,
        every: Option<usize>,
        via: usize,
    },
    AddLiving {
        every: usize,
        via: usize,
        words: usize,
    },
    AddPromise {
        due_in: i64,
        via: usize,
        words: usize,
    },
    Pay {
        pick: usize,
        amount: i64,
        via: Option<usize>,
        days_ago: i64,
        words: usize,
    },
    CheckIn {
        pick: usize,
        kept: bool,
        days_ago: i64,
        words: usize,
    },
    Close {
        pick: usize,
        how: usize,
    },
}

fn answers_strategy() -> impl Strategy<Value = SafetyAnswers> {
    (
        prop::collection::vec(prop::bool::weighted(0.08), 12),
        any::<bool>(),
        // Legal risk more often, so that R3 meets attempts that reach them; and the answers
        // that protect them (R4, R5) more often, so that every way around meets its gate.
        prop::bool::weighted(0.25),
        prop::collection::vec(prop::bool::weighted(0.12), 3),
    )
        .prop_map(|(f, decided, legal_risk, p)| SafetyAnswers {
            court_order: p[0],
            asked_no_contact: p[1],
            abused_them: p[2],
            harmed_me: f[3],
            legal_risk,
            affair: f[5],
            third_parties: f[6],
            my_safety: f[7],
            deceased: f[8],
            unreachable: f[9],
            child: f[10],
            family: f[11],
            legal_decision: if decided {
                "Repay through the lawyer, no statement".into()
            } else {
                String::new()
            },
            asked: None,
        })
}

/// Days back from today a fact is dated: mostly today, sometimes earlier, now and then tomorrow.
fn days_ago_strategy() -> impl Strategy<Value = i64> {
    prop_oneof![3 => Just(0i64), 2 => 1i64..15, 1 => Just(-1i64)]
}

/// A way of reaching them, as an index into `Reach::ALL`: for a promise or a living amends
/// mostly the ways that fit, for a restitution any.
fn reach_strategy(fitting: &'static [Reach]) -> impl Strategy<Value = usize> {
    let fits: Vec<usize> = fitting
        .iter()
        .map(|r| Reach::ALL.iter().position(|x| x == r).expect("a way"))
        .collect();
    prop_oneof![4 => prop::sample::select(fits), 1 => 0..Reach::ALL.len()]
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (
            prop::option::weighted(0.3, 0..NAMES.len()),
            prop::option::weighted(0.3, 1i64..500)
        )
            .prop_map(|(who, owed)| Op::AddHarm { who, owed }),
        1 => (0..3usize).prop_map(Op::AsideParty),
        2 => Just(Op::RestoreParty),
        1 => any::<usize>().prop_map(Op::AsideHarm),
        1 => any::<usize>().prop_map(Op::RestoreHarm),
        3 => prop_oneof![3 => Just(0usize), 1 => 1..4usize].prop_map(Op::Willing),
        3 => (answers_strategy(), prop::bool::weighted(0.5))
            .prop_map(|(answers, reason)| Op::Answer { answers, reason }),
        2 => (0..PROTECTING.len(), prop::bool::weighted(0.6), prop::bool::weighted(0.7))
            .prop_map(|(which, reason, confirmed)| Op::Lift { which, reason, confirmed }),
        1 => (0..RENAMES.len()).prop_map(Op::Rename),
        3 => (
            0..Adviser::ALL.len(),
            prop_oneof![3 => Just(Some(true)), 1 => Just(Some(false)), 1 => Just(None)]
        )
            .prop_map(|(with, approved)| Op::Consult { with, approved }),
        4 => (
            0..Method::ALL.len(),
            prop::option::weighted(0.3, 0..NAMES.len()),
            prop::option::of(0i64..30),
            words_strategy(),
            prop::bool::weighted(0.2),
        )
            .prop_map(|(method, names, on_in, words, in_place)| Op::Plan {
                method,
                names,
                on_in,
                words,
                in_place
            }),
        2 => (0..=NAMES.len(), prop::bool::weighted(0.8))
            .prop_map(|(who, given)| Op::Consent { who, given }),
        1 => (
            prop::bool::weighted(0.2),
            prop_oneof![4 => -5i64..60, 1 => 360i64..372]
        )
            .prop_map(|(no_reason, review_in)| Op::Defer { no_reason, review_in }),
        2 => Just(Op::EndDeferral),
        6 => (
            0..Method::ALL.len(),
            0..Outcome::ALL.len(),
            prop::bool::weighted(0.7),
            -2i64..15,
            words_strategy(),
        )
            .prop_map(|(method, outcome, fitting, days_ago, words)| Op::Attempt {
                method,
                outcome,
                fitting,
                days_ago,
                words
            }),
        2 => (
            1i64..500,
            prop::option::of(1i64..200),
            prop::option::of(0..Cadence::ALL.len()),
            0..Reach::ALL.len(),
        )
            .prop_map(|(amount, instalment, every, via)| Op::AddRestitution {
                amount,
                instalment,
                every,
                via
            }),
        2 => (0..Cadence::ALL.len(), reach_strategy(&[Reach::NoContact]), words_strategy())
            .prop_map(|(every, via, words)| Op::AddLiving { every, via, words }),
        1 => (0i64..30, reach_strategy(&Reach::PROMISE), words_strategy())
            .prop_map(|(due_in, via, words)| Op::AddPromise { due_in, via, words }),
        2 => (
            any::<usize>(),
            1i64..300,
            prop::option::weighted(0.4, 0..Reach::ALL.len()),
            days_ago_strategy(),
            words_strategy(),
        )
            .prop_map(|(pick, amount, via, days_ago, words)| Op::Pay {
                pick,
                amount,
                via,
                days_ago,
                words
            }),
        2 => (any::<usize>(), any::<bool>(), days_ago_strategy(), words_strategy())
            .prop_map(|(pick, kept, days_ago, words)| Op::CheckIn {
                pick,
                kept,
                days_ago,
                words
            }),
        1 => (any::<usize>(), 0..Closure::ALL.len()).prop_map(|(pick, how)| Op::Close { pick, how }),
    ]
}

/// A party kind, whether amends to self are on, and up to 40 steps each with the minutes
/// that pass before it (strictly increasing time). Half the histories start the way most
/// people do (a harm listed, willing now, the safety questions answered with nothing flagged)
/// so that the later stages are reached often.
fn history_strategy() -> impl Strategy<Value = (PartyKind, bool, Vec<(Op, i64)>)> {
    (
        prop::sample::select(PartyKind::ALL.to_vec()),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec((op_strategy(), 1i64..4_320), 0..40),
    )
        .prop_map(|(kind, to_self, head_start, ops)| {
            let mut all = Vec::new();
            if head_start {
                all.push((
                    Op::AddHarm {
                        who: None,
                        owed: None,
                    },
                    60,
                ));
                all.push((Op::Willing(0), 60));
                all.push((
                    Op::Answer {
                        answers: SafetyAnswers::default(),
                        reason: false,
                    },
                    60,
                ));
            }
            all.extend(ops);
            (kind, to_self, all)
        })
}

fn add_days(d: Date, n: i64) -> Date {
    d.checked_add(jiff::Span::new().days(n)).expect("in range")
}

/// The party being built up, step by step.
struct Sim {
    r: PartyRecord,
    t: Timestamp,
    next_id: i64,
    /// Every set of safety answers accepted, oldest first (for `replay::History`).
    safety: Vec<SafetyRecord>,
    /// Every plan accepted, oldest first (for `replay::History`).
    plans: Vec<Plan>,
    /// The party's name from each instant on, oldest first.
    names: Vec<(Timestamp, String)>,
    /// What each step left behind, for the summary property.
    snapshots: Vec<PartyRecord>,
    /// Stages seen, for the coverage check.
    seen: BTreeSet<Stage>,
    /// What each gate answered (the gate, then "ok" or the kind of "no"), for the coverage check.
    gates: BTreeSet<(&'static str, &'static str)>,
}

impl Sim {
    fn id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    fn history(&self) -> History {
        // Each rename replaced the name in force before it (the vault keeps it in `edits`).
        let before_edits = self
            .names
            .windows(2)
            .map(|w| PartyVersion {
                until: w[1].0,
                name: w[0].1.clone(),
                kind: self.r.party.kind,
            })
            .collect();
        History {
            record: self.r.clone(),
            safety: self.safety.clone(),
            plans: self.plans.clone(),
            before_edits,
            harms_before_edits: Vec::new(),
        }
    }

    /// The answers in force just before `t`.
    fn answers_before(&self, t: Timestamp) -> Option<&SafetyAnswers> {
        self.safety
            .iter()
            .rev()
            .find(|s| s.answered < t)
            .map(|s| &s.answers)
    }

    /// R4 or R5 just before `t`, read from the facts (not from `verdict`).
    fn protected_before(&self, t: Timestamp) -> Option<Rule> {
        let a = self.answers_before(t);
        if a.is_some_and(|a| a.court_order) {
            Some(Rule::R4)
        } else if a.is_some_and(|a| a.asked_no_contact || a.abused_them)
            || self
                .r
                .attempts
                .iter()
                .any(|x| x.outcome == Outcome::NoContact && x.recorded < t)
        {
            Some(Rule::R5)
        } else {
            None
        }
    }

    /// The party's name just before `t`.
    fn name_before(&self, t: Timestamp) -> &str {
        self.names
            .iter()
            .rev()
            .find(|(at_, _)| *at_ < t)
            .map(|(_, n)| n.as_str())
            .unwrap_or(&self.r.party.name)
    }
}

fn is_no_reply(m: Method) -> bool {
    matches!(m, Method::UnsentLetter | Method::Indirect | Method::Living)
}

/// The rule a verdict gives when it refuses a method.
fn forbidding_rule(contact: Contact) -> Option<Rule> {
    match contact {
        Contact::Direct => None,
        Contact::NoContact => Some(Rule::R4),
        Contact::IndirectOnly => Some(Rule::R5),
        Contact::NoOneToReach => Some(Rule::R8),
    }
}

/// An independent reading of R2 for an attempt: the latest approve-or-not view from a sponsor
/// or adviser (never a lawyer), given after the safety answers and after the plan was last
/// changed (at any time if there is no plan), is an approval.
fn reviewed(r: &PartyRecord) -> bool {
    let answered = r.safety.as_ref().map(|s| s.answered);
    r.consultations
        .iter()
        .filter(|c| c.with != Adviser::Lawyer && c.approved.is_some())
        .filter(|c| answered.is_none_or(|t| c.recorded >= t))
        .filter(|c| r.plan.as_ref().is_none_or(|p| c.recorded >= p.updated))
        .max_by_key(|c| (c.recorded, c.id))
        .is_some_and(|c| c.approved == Some(true))
}

/// Whether the plan's script names someone involved in an affair.
fn names_affair_partner(r: &PartyRecord) -> bool {
    let affair = r.safety.as_ref().is_some_and(|s| s.answers.affair);
    affair
        && r.plan.as_ref().is_some_and(|p| {
            r.third_party_names()
                .iter()
                .any(|n| amends_core::rules::names_in(&p.script, n))
        })
}

/// R4 or R5 as the record stands, read from the facts (not from `verdict`).
fn protecting(r: &PartyRecord) -> Option<Rule> {
    let a = r.safety.as_ref().map(|s| &s.answers);
    if a.is_some_and(|a| a.court_order) {
        Some(Rule::R4)
    } else if a.is_some_and(|a| a.asked_no_contact || a.abused_them)
        || r.attempts.iter().any(|x| x.outcome == Outcome::NoContact)
    {
        Some(Rule::R5)
    } else {
        None
    }
}

/// Whether a way reaches them, read independently of `Reach::reaches_them`.
fn reaches_them(reach: Reach) -> bool {
    matches!(reach, Reach::Them | Reach::Heirs)
}

/// What the gates make of words where R4 or R5 applies: a go-between anywhere, or (unless the
/// words are an unsent letter's) reaching them by name or pronoun.
fn words_refusal(r: &PartyRecord, words: &[&str], contact_words: bool) -> Option<&'static str> {
    protecting(r)?;
    for w in words {
        if go_between(w).is_some() {
            return Some("go-between");
        }
        if contact_words && reaches(w, &r.party.name).is_some() {
            return Some("contact");
        }
    }
    None
}

/// Whether the question of R3 is settled: a lawyer consulted or the person's own decision.
fn legal_settled(r: &PartyRecord) -> bool {
    r.consultations.iter().any(|c| c.with == Adviser::Lawyer)
        || r.safety
            .as_ref()
            .is_some_and(|s| !s.answers.legal_decision.trim().is_empty())
}

/// What `check_plan` should answer, worked out from the rules directly.
fn expected_plan(r: &PartyRecord, p: &Plan) -> Result<(), &'static str> {
    if r.current_aside().is_some() {
        return Err("aside");
    }
    let v = verdict(r);
    if !v.allows(p.method) {
        return Err("method");
    }
    // Harm first: a way that reaches them is for a harm on the list.
    if p.method.is_contact() && r.live_harms().next().is_none() {
        return Err("harm");
    }
    // Safety first.
    if r.safety.is_none() && p.method.is_contact() {
        return Err("safety");
    }
    if let Some(k) = words_refusal(r, &[&p.script, &p.place], p.method != Method::UnsentLetter) {
        return Err(k);
    }
    let affair = r.safety.as_ref().is_some_and(|s| s.answers.affair);
    if affair && r.third_party_names().iter().any(|n| names_in(&p.script, n)) {
        return Err("R1");
    }
    Ok(())
}

/// What `check_attempt` should answer, worked out from the rules directly.
fn expected_attempt(r: &PartyRecord, a: &NewAttempt, today: Date) -> Result<(), &'static str> {
    if r.current_aside().is_some() {
        return Err("aside");
    }
    if a.on > today {
        return Err("date");
    }
    let v = verdict(r);
    if !v.allows(a.method) {
        return Err("method");
    }
    if a.method.is_contact() && r.live_harms().next().is_none() {
        return Err("harm");
    }
    if r.safety.is_none() && a.method.is_contact() {
        return Err("safety");
    }
    if let Some(k) = words_refusal(r, a.words, true) {
        return Err(k);
    }
    // R3: a lawyer or the person's own decision before anything reaches them.
    let legal_risk = r.safety.as_ref().is_some_and(|s| s.answers.legal_risk);
    if legal_risk && a.method.is_contact() && !legal_settled(r) {
        return Err("R3");
    }
    // No reply possible: only "done". Otherwise never "done", except for restitution.
    if is_no_reply(a.method) != (a.outcome == Outcome::Done) && a.method != Method::Restitution {
        return Err("outcome");
    }
    if v.consent_required && a.method.is_contact() && !consent_satisfied(r) {
        return Err("R1");
    }
    if names_affair_partner(r) {
        return Err("R1");
    }
    if v.review_required && !reviewed(r) {
        return Err("R2");
    }
    // Under review, the attempt must be the plan that was approved.
    if v.review_required
        && a.outcome.is_made()
        && r.plan.as_ref().is_some_and(|p| p.method != a.method)
    {
        return Err("R2");
    }
    Ok(())
}

/// The ways a kind of commitment is kept, read from docs/practice.md.
fn fits(sort: CommitmentSort, reach: Reach) -> bool {
    match sort {
        CommitmentSort::Restitution => reach != Reach::NoContact,
        CommitmentSort::Promise => matches!(reach, Reach::Them | Reach::NoContact),
        CommitmentSort::Living => reach == Reach::NoContact,
    }
}

/// What `check_commitment` should answer.
fn expected_commitment(
    r: &PartyRecord,
    sort: CommitmentSort,
    reach: Reach,
    words: &[&str],
) -> Result<(), &'static str> {
    if r.current_aside().is_some() {
        return Err("aside");
    }
    if !fits(sort, reach) {
        return Err("via");
    }
    if protecting(r).is_some() && reaches_them(reach) {
        return Err("reach");
    }
    // No one can be reached "directly" where they died or cannot be found (R8); heirs can.
    if no_one_to_reach(r) && reach == Reach::Them {
        return Err("reach");
    }
    reaching_needs(r, reach)?;
    words_refusal(r, words, true).map_or(Ok(()), Err)
}

/// Whether R8 applies (and R4/R5 do not).
fn no_one_to_reach(r: &PartyRecord) -> bool {
    protecting(r).is_none() && verdict(r).contact == Contact::NoOneToReach
}

/// What reaches them needs, as a plan does: a harm named, the safety questions answered, and
/// with legal risk a lawyer or the person's decision (R3).
fn reaching_needs(r: &PartyRecord, reach: Reach) -> Result<(), &'static str> {
    if !reaches_them(reach) {
        return Ok(());
    }
    if r.live_harms().next().is_none() {
        return Err("harm");
    }
    if r.safety.is_none() {
        return Err("safety");
    }
    let legal_risk = r.safety.as_ref().is_some_and(|s| s.answers.legal_risk);
    if legal_risk && !legal_settled(r) {
        return Err("R3");
    }
    Ok(())
}

/// The day a commitment began: its start, or the day it was recorded if that was earlier (a
/// promise: the day it was recorded).
fn began(c: &Commitment) -> Date {
    let recorded = c.recorded.to_zoned(TimeZone::UTC).date();
    match &c.kind {
        CommitmentKind::Restitution { starting, .. } | CommitmentKind::Living { starting, .. } => {
            (*starting).min(recorded)
        }
        CommitmentKind::Promise { .. } => recorded,
    }
}

/// What `check_payment` (with `via`) or `check_checkin` (`None`) should answer.
fn expected_fact(
    r: &PartyRecord,
    c: &Commitment,
    on_: Date,
    today: Date,
    via: Option<Reach>,
    note: &str,
) -> Result<(), &'static str> {
    if r.current_aside().is_some() {
        return Err("aside");
    }
    if on_ > today || on_ < began(c) {
        return Err("date");
    }
    if let Some(via) = via {
        if via == Reach::NoContact {
            return Err("via");
        }
        if protecting(r).is_some() && reaches_them(via) {
            return Err("reach");
        }
        if no_one_to_reach(r) && via == Reach::Them {
            return Err("reach");
        }
        reaching_needs(r, via)?;
    }
    words_refusal(r, &[note], true).map_or(Ok(()), Err)
}

/// What kind of "no" the core gave, in the words of the `expected_*` functions.
fn kind_of(e: &CoreError) -> &'static str {
    match e {
        CoreError::Invalid(i) => i.field,
        CoreError::Refused(r) => match r.rule {
            None if r.reason.contains("set aside") => "aside",
            None if r.reason.contains("safety questions") => "safety",
            None => "a refusal without a rule",
            Some(Rule::R1) => "R1",
            Some(Rule::R2) => "R2",
            Some(Rule::R3) => "R3",
            Some(Rule::R4 | Rule::R5) if r.reason.contains("through someone else") => "go-between",
            Some(Rule::R4 | Rule::R5) if r.reason.contains("describes reaching them") => "contact",
            Some(Rule::R4 | Rule::R5 | Rule::R8)
                if r.reason.contains("cannot be recorded because") =>
            {
                "reach"
            }
            Some(Rule::R4 | Rule::R5 | Rule::R8) => "method",
            Some(_) => "another rule",
        },
    }
}

/// Compares what a gate said with what was expected; a refusal under R4, R5 or R8 must name
/// the rule that applies, and every refusal says why and what to do instead.
fn judge(
    gates: &mut BTreeSet<(&'static str, &'static str)>,
    what: &'static str,
    r: &PartyRecord,
    expected: Result<(), &'static str>,
    got: &Result<(), CoreError>,
) -> Result<(), TestCaseError> {
    gates.insert((what, got.as_ref().err().map_or("ok", kind_of)));
    match (&expected, got) {
        (Ok(()), Ok(())) => {}
        (Err(want), Err(e)) => prop_assert_eq!(*want, kind_of(e), "{}: {}", what, e),
        _ => prop_assert!(
            false,
            "{}: expected {:?}, the gate said {:?}",
            what,
            expected,
            got
        ),
    }
    if let Err(CoreError::Refused(refusal)) = got {
        prop_assert!(!refusal.reason.trim().is_empty(), "{}", what);
        prop_assert!(!refusal.next.trim().is_empty(), "{}", what);
        match kind_of(&CoreError::Refused(refusal.clone())) {
            "method" => prop_assert_eq!(refusal.rule, forbidding_rule(verdict(r).contact)),
            "reach" | "go-between" | "contact" => prop_assert_eq!(
                refusal.rule,
                protecting(r).or(no_one_to_reach(r).then_some(Rule::R8))
            ),
            _ => {}
        }
    }
    Ok(())
}

/// A new commitment through `check_commitment`, compared with what was expected, and kept
/// only if the gate accepts it.
fn add_commitment(
    sim: &mut Sim,
    what: &'static str,
    reach: Reach,
    words: &[&str],
    kind: CommitmentKind,
) -> Result<(), TestCaseError> {
    let sort = match kind {
        CommitmentKind::Restitution { .. } => CommitmentSort::Restitution,
        CommitmentKind::Living { .. } => CommitmentSort::Living,
        CommitmentKind::Promise { .. } => CommitmentSort::Promise,
    };
    let got = check_commitment(&sim.r, sort, reach, words);
    judge(
        &mut sim.gates,
        what,
        &sim.r,
        expected_commitment(&sim.r, sort, reach, words),
        &got,
    )?;
    if got.is_ok() {
        let id = sim.id();
        sim.r.commitments.push(Commitment {
            reach,
            id,
            party_id: 1,
            kind,
            recorded: sim.t,
            closed: None,
        });
    }
    Ok(())
}

fn apply(sim: &mut Sim, op: &Op, minutes: i64) -> Result<(), TestCaseError> {
    sim.t = Timestamp::from_second(sim.t.as_second() + minutes * 60).unwrap();
    let t = sim.t;
    let now = Now::new(t, TimeZone::UTC);
    let today = now.today;
    let name = sim.r.party.name.clone();
    match op {
        Op::AddHarm { who, owed } => {
            let id = sim.id();
            let mut h = harm(id, t);
            if let Some(w) = who {
                h.third_parties = vec![NAMES[*w].to_string()];
            }
            h.owed = owed.map(dollars);
            sim.r.harms.push(h);
        }
        Op::AsideParty(reason) => {
            if sim.r.current_aside().is_none() {
                let id = sim.id();
                sim.r.asides.push(SetAside {
                    id,
                    reason: AsideReason::ALL[*reason],
                    note: "talked it over".into(),
                    at: t,
                    restored_at: None,
                });
            }
        }
        Op::RestoreParty => {
            if let Some(a) = sim
                .r
                .asides
                .iter_mut()
                .rev()
                .find(|a| a.restored_at.is_none())
            {
                a.restored_at = Some(t);
            }
        }
        Op::AsideHarm(pick) => {
            let n = sim.r.harms.len();
            let id = sim.id();
            if n > 0 && !sim.r.harms[pick % n].is_set_aside() {
                sim.r.harms[pick % n].asides.push(SetAside {
                    id,
                    reason: AsideReason::NoRealHarm,
                    note: String::new(),
                    at: t,
                    restored_at: None,
                });
            }
        }
        Op::RestoreHarm(pick) => {
            let n = sim.r.harms.len();
            if n > 0 {
                for a in sim.r.harms[pick % n].asides.iter_mut() {
                    if a.restored_at.is_none() {
                        a.restored_at = Some(t);
                    }
                }
            }
        }
        Op::Willing(level) => {
            let id = sim.id();
            sim.r.willingness.push(WillingnessEntry {
                id,
                level: Willingness::ALL[*level],
                note: String::new(),
                at: t,
            });
        }
        Op::Answer {
            answers: given,
            reason,
        } => {
            let (settled, notes) = settle_answers(&sim.r, given.clone());
            let asked_before = sim
                .r
                .attempts
                .iter()
                .any(|a| a.outcome == Outcome::NoContact);
            prop_assert_eq!(
                settled.asked_no_contact,
                given.asked_no_contact || asked_before
            );
            prop_assert_eq!(
                notes.len(),
                usize::from(asked_before && !given.asked_no_contact)
            );
            prop_assert_eq!(
                &settled,
                &SafetyAnswers {
                    asked_no_contact: settled.asked_no_contact,
                    ..given.clone()
                },
                "only the no-contact answer may change"
            );
            // Even stored unsettled, the verdict would not let direct contact back in.
            let mut raw = sim.r.clone();
            raw.safety = Some(SafetyRecord {
                answers: given.clone(),
                answered: t,
                reason: String::new(),
            });
            if asked_before {
                prop_assert_ne!(verdict(&raw).contact, Contact::Direct);
            }
            // Lifting an answer that protects them takes a reason (the form's confirmation is
            // given; `Op::Lift` tries without it).
            let before = sim
                .r
                .safety
                .as_ref()
                .map(|s| s.answers.clone())
                .unwrap_or_default();
            let lifts = (before.court_order && !settled.court_order)
                || (before.asked_no_contact && !settled.asked_no_contact)
                || (before.abused_them && !settled.abused_them);
            let why = if *reason {
                "The order ended on 1 March; my lawyer confirmed it"
            } else {
                ""
            };
            let lift = check_lift(&before, &settled, true, why);
            sim.gates
                .insert(("answer", lift.as_ref().err().map_or("ok", |i| i.field)));
            match lift {
                Ok(()) => {
                    prop_assert!(!lifts || *reason);
                    let record = SafetyRecord {
                        answers: settled,
                        answered: t,
                        reason: if lifts { why.into() } else { String::new() },
                    };
                    sim.r.safety = Some(record.clone());
                    sim.safety.push(record);
                }
                Err(invalid) => {
                    prop_assert!(lifts && !*reason, "{}", invalid);
                    prop_assert_eq!(invalid.field, "reason");
                }
            }
        }
        Op::Lift {
            which,
            reason,
            confirmed,
        } => {
            let q = PROTECTING[*which];
            let mut change = SafetyChange {
                reason: reason.then(|| "They wrote to say I may get in touch again".to_string()),
                confirmed: *confirmed,
                ..SafetyChange::default()
            };
            *answer_mut(&mut change.clear, q).expect("a protecting question") = true;
            let before = sim
                .r
                .safety
                .as_ref()
                .map(|s| s.answers.clone())
                .unwrap_or_default();
            let permanent = sim
                .r
                .attempts
                .iter()
                .any(|a| a.outcome == Outcome::NoContact);
            let was = *answer_mut(&mut before.clone(), q).expect("a protecting question");
            // "No further contact" asked in an attempt stands for good.
            let lifts = was && !(q == "asked-no-contact" && permanent);
            let merged = merge_answers(&sim.r, &change);
            sim.gates.insert((
                "lift",
                match &merged {
                    Err(i) => i.field,
                    Ok(_) if lifts => "lifted",
                    Ok(_) => "ok",
                },
            ));
            match merged {
                Ok((next, _)) => {
                    prop_assert!(
                        !lifts || (*reason && *confirmed),
                        "lifted {} without both",
                        q
                    );
                    match next {
                        Some(next) => {
                            let mut expected = before.clone();
                            *answer_mut(&mut expected, q).expect("a protecting question") &= !lifts;
                            // An answer stored before they asked in an attempt is settled now.
                            expected.asked_no_contact |= permanent;
                            // The questions this party is asked now are asked by the change.
                            expected.asked = amends_core::questions::asked_after(&sim.r);
                            prop_assert_eq!(&next, &expected, "only {} is lifted", q);
                            let record = SafetyRecord {
                                answers: next,
                                answered: t,
                                reason: change.reason.clone().unwrap_or_default(),
                            };
                            sim.r.safety = Some(record.clone());
                            sim.safety.push(record);
                        }
                        None => prop_assert!(!lifts && sim.r.safety.is_some()),
                    }
                }
                Err(invalid) => {
                    prop_assert!(lifts, "{}", invalid);
                    prop_assert_eq!(invalid.field, if *reason { "confirm" } else { "reason" });
                }
            }
        }
        Op::Rename(pick) => {
            let new = RENAMES[*pick].to_string();
            sim.r.party.name = new.clone();
            sim.names.push((t, new.clone()));
            // The gates read the new name at once.
            if sim.r.current_aside().is_none()
                && let Some(rule) = protecting(&sim.r)
            {
                sim.gates.insert(("rename", "probed under R4/R5"));
                for text in [format!("Visit {new} next week"), words(8, &new)] {
                    let got = check_commitment(
                        &sim.r,
                        CommitmentSort::Promise,
                        Reach::NoContact,
                        &[&text],
                    );
                    prop_assert!(
                        matches!(&got, Err(CoreError::Refused(x)) if x.rule == Some(rule)),
                        "renamed {}, {:?} got {:?}",
                        new,
                        text,
                        got
                    );
                }
            }
        }
        Op::Consult { with, approved } => {
            let with = Adviser::ALL[*with];
            // A lawyer advises but does not approve: the vault refuses such a view (and so
            // does replay), so it is never written.
            if with != Adviser::Lawyer || approved.is_none() {
                let id = sim.id();
                sim.r.consultations.push(Consultation {
                    id,
                    with,
                    name: String::new(),
                    on: today,
                    advice: "Keep it about your part".into(),
                    approved: *approved,
                    recorded: t,
                });
            }
        }
        Op::Plan {
            method,
            names,
            on_in,
            words: w,
            in_place,
        } => {
            let method = Method::ALL[*method];
            let plain = "I am sorry for what I did. What can I do to set it right?".to_string();
            let (script, place) = match names {
                Some(n) => (
                    format!("I am sorry for what happened with {}.", NAMES[*n]),
                    String::new(),
                ),
                None if *in_place => (plain, words(*w, &name)),
                None if words(*w, &name).is_empty() => (plain, String::new()),
                None => (words(*w, &name), String::new()),
            };
            let p = Plan {
                method,
                channel: None,
                script,
                on: on_in.map(|n| add_days(today, n)),
                place,
                updated: t,
            };
            let v = verdict(&sim.r);
            let expected = expected_plan(&sim.r, &p);
            let got = check_plan(&sim.r, &p).map(|_| ());
            judge(&mut sim.gates, "plan", &sim.r, expected, &got)?;
            if got.is_ok() {
                prop_assert!(v.allows(method), "a forbidden method was planned");
                sim.r.plan = Some(p.clone());
                sim.plans.push(p);
            }
        }
        Op::Consent { who, given } => {
            let who = NAMES.get(*who).copied().unwrap_or(STRANGER);
            let expected_ok = sim.r.current_aside().is_none() && verdict(&sim.r).consent_required;
            match check_consent(&sim.r) {
                Ok(()) => {
                    prop_assert!(expected_ok);
                    let id = sim.id();
                    sim.r.consents.push(Consent {
                        id,
                        who: who.into(),
                        given: *given,
                        on: today,
                        note: String::new(),
                        recorded: t,
                    });
                }
                Err(_) => prop_assert!(!expected_ok),
            }
        }
        Op::Defer {
            no_reason,
            review_in,
        } => {
            let reason = if *no_reason {
                "   "
            } else {
                "Waiting until I have more time sober"
            };
            let review_on = add_days(today, *review_in);
            // Nothing to put off once amends are made, unless a new harm reopened the party.
            let settled = sim.r.last_made().is_some()
                && amends_core::stage::harms_after_amends(&sim.r).is_empty();
            // Not now is not never: a year ahead at most.
            let a_year_on = today
                .checked_add(jiff::Span::new().years(1))
                .expect("in range");
            prop_assert_eq!(latest_review(today), a_year_on);
            let expected_ok = sim.r.current_aside().is_none()
                && !settled
                && !*no_reason
                && review_on >= today
                && review_on <= a_year_on;
            match check_deferral(&sim.r, reason, review_on, today) {
                Ok(()) => {
                    prop_assert!(expected_ok);
                    let id = sim.id();
                    sim.r.deferrals.push(Deferral {
                        id,
                        reason: reason.into(),
                        review_on,
                        recorded: t,
                        ended: None,
                    });
                    let active = sim.r.active_deferral().map(|d| d.id);
                    prop_assert_eq!(active, Some(id), "a new deferral is the one in force");
                }
                Err(_) => prop_assert!(!expected_ok),
            }
        }
        Op::EndDeferral => {
            if let Some(id) = sim.r.active_deferral().map(|d| d.id) {
                for d in sim.r.deferrals.iter_mut().filter(|d| d.id == id) {
                    d.ended = Some(t);
                }
            }
        }
        Op::Attempt {
            method,
            outcome,
            fitting,
            days_ago,
            words: w,
        } => {
            let method = Method::ALL[*method];
            let outcome = if *fitting {
                if is_no_reply(method) {
                    Outcome::Done
                } else {
                    // Any outcome but "done" for contact methods.
                    Outcome::ALL[*outcome % (Outcome::ALL.len() - 1)]
                }
            } else {
                Outcome::ALL[*outcome]
            };
            let note = words(*w, &name);
            let written = [note.as_str()];
            let a = NewAttempt {
                words: &written,
                on: add_days(today, -*days_ago),
                method,
                channel: None,
                outcome,
            };
            let v = verdict(&sim.r);
            let expected = expected_attempt(&sim.r, &a, today);
            let got = check_attempt(&sim.r, &a, today);
            judge(&mut sim.gates, "attempt", &sim.r, expected, &got)?;
            if got.is_ok() {
                // Never an attempt by a method the verdict forbade at the time.
                prop_assert!(v.allows(method));
                let id = sim.id();
                sim.r.attempts.push(Attempt {
                    id,
                    on: a.on,
                    method,
                    channel: None,
                    outcome,
                    requests: String::new(),
                    feeling_before: String::new(),
                    feeling_after: String::new(),
                    notes: note.clone(),
                    recorded: t,
                });
            }
        }
        Op::AddRestitution {
            amount,
            instalment,
            every,
            via,
        } => {
            let kind = CommitmentKind::Restitution {
                amount: dollars(*amount),
                instalment: instalment.map(dollars),
                every: every.map(|e| Cadence::ALL[e]),
                starting: today,
                payments: Vec::new(),
            };
            add_commitment(sim, "restitution", Reach::ALL[*via], &[], kind)?;
        }
        Op::AddLiving {
            every,
            via,
            words: w,
        } => {
            let behaviour = match words(*w, &name) {
                b if b.is_empty() => "Show up on time".to_string(),
                b => b,
            };
            let kind = CommitmentKind::Living {
                behaviour: behaviour.clone(),
                every: Cadence::ALL[*every],
                starting: today,
                checkins: Vec::new(),
            };
            add_commitment(sim, "living amends", Reach::ALL[*via], &[&behaviour], kind)?;
        }
        Op::AddPromise {
            due_in,
            via,
            words: w,
        } => {
            let text = match words(*w, &name) {
                b if b.is_empty() => "Return the tools".to_string(),
                b => b,
            };
            let kind = CommitmentKind::Promise {
                text: text.clone(),
                due: add_days(today, *due_in),
            };
            add_commitment(sim, "promise", Reach::ALL[*via], &[&text], kind)?;
        }
        Op::Pay {
            pick,
            amount,
            via,
            days_ago,
            words: w,
        } => {
            let open: Vec<usize> = (0..sim.r.commitments.len())
                .filter(|&i| {
                    let c = &sim.r.commitments[i];
                    c.is_open() && c.kind_code() == "restitution"
                })
                .collect();
            if !open.is_empty() {
                let i = open[pick % open.len()];
                let c = sim.r.commitments[i].clone();
                let via = via.map(|v| Reach::ALL[v]);
                let paid_on = add_days(today, -*days_ago);
                let note = words(*w, &name);
                let way = via.unwrap_or(c.reach);
                let got = check_payment(&sim.r, &c, paid_on, way, &note, &now);
                judge(
                    &mut sim.gates,
                    "payment",
                    &sim.r,
                    expected_fact(&sim.r, &c, paid_on, today, Some(way), &note),
                    &got,
                )?;
                if got.is_ok() {
                    let id = sim.id();
                    if let CommitmentKind::Restitution { payments, .. } =
                        &mut sim.r.commitments[i].kind
                    {
                        payments.push(Payment {
                            via,
                            recorded: Some(t),
                            id,
                            on: paid_on,
                            amount: dollars(*amount),
                            note,
                        });
                    }
                }
            }
        }
        Op::CheckIn {
            pick,
            kept,
            days_ago,
            words: w,
        } => {
            let open: Vec<usize> = (0..sim.r.commitments.len())
                .filter(|&i| {
                    let c = &sim.r.commitments[i];
                    c.is_open() && c.kind_code() == "living"
                })
                .collect();
            if !open.is_empty() {
                let i = open[pick % open.len()];
                let c = sim.r.commitments[i].clone();
                let kept_on = add_days(today, -*days_ago);
                let note = words(*w, &name);
                let got = check_checkin(&sim.r, &c, kept_on, &note, &now);
                judge(
                    &mut sim.gates,
                    "check-in",
                    &sim.r,
                    expected_fact(&sim.r, &c, kept_on, today, None, &note),
                    &got,
                )?;
                if got.is_ok() {
                    let id = sim.id();
                    if let CommitmentKind::Living { checkins, .. } = &mut sim.r.commitments[i].kind
                    {
                        checkins.push(CheckIn {
                            recorded: Some(t),
                            id,
                            on: kept_on,
                            kept: *kept,
                            note,
                        });
                    }
                }
            }
        }
        Op::Close { pick, how } => {
            let open: Vec<usize> = (0..sim.r.commitments.len())
                .filter(|&i| sim.r.commitments[i].is_open())
                .collect();
            if !open.is_empty() {
                // Through the gate, as the vault closes it: a closing that fits its kind, and
                // under R4/R5 never a promise to them as kept.
                let i = open[pick % open.len()];
                let how = Closure::ALL[*how];
                let c = sim.r.commitments[i].clone();
                let fits = matches!(
                    (c.kind_code(), how),
                    ("promise", Closure::Kept | Closure::Released)
                        | ("restitution", Closure::Released)
                        | ("living", Closure::Ended)
                );
                let forbidden = how == Closure::Kept
                    && c.kind_code() == "promise"
                    && protecting(&sim.r).is_some()
                    && reaches_them(c.reach);
                let got = amends_core::rules::check_close(&sim.r, &c, how);
                prop_assert_eq!(got.is_ok(), fits && !forbidden, "close: {:?}", got);
                if got.is_ok() {
                    sim.r.commitments[i].closed = Some((how, today));
                }
            }
        }
    }
    Ok(())
}

/// No way around R4 and R5, whatever the history: nothing that reaches them, and no words that
/// reach them or pass through someone else, was written while either applied; a protecting
/// answer was never lifted without a reason; and the whole history replays clean.
fn check_no_way_around(sim: &Sim, now: &Now) -> Result<(), TestCaseError> {
    let r = &sim.r;
    prop_assert_eq!(
        protecting(r).is_some(),
        matches!(
            verdict(r).contact,
            Contact::NoContact | Contact::IndirectOnly
        ),
        "R4/R5 read from the facts and the verdict agree"
    );
    let clean = |t: Timestamp, text: &str, contact_words: bool| {
        go_between(text).is_none()
            && (!contact_words || reaches(text, sim.name_before(t)).is_none())
    };
    for (ci, c) in r.commitments.iter().enumerate() {
        if let Some(rule) = sim.protected_before(c.recorded) {
            prop_assert!(
                !c.reach.reaches_them(),
                "commitments[{}] reaches them ({}), written under {:?}",
                ci,
                c.reach,
                rule
            );
            let text = match &c.kind {
                CommitmentKind::Living { behaviour, .. } => behaviour.as_str(),
                CommitmentKind::Promise { text, .. } => text.as_str(),
                CommitmentKind::Restitution { .. } => "",
            };
            prop_assert!(
                clean(c.recorded, text, true),
                "commitments[{}]: {:?}",
                ci,
                text
            );
        }
        match &c.kind {
            CommitmentKind::Restitution { payments, .. } => {
                for (j, p) in payments.iter().enumerate() {
                    let t = p.recorded.expect("written with its time here");
                    if let Some(rule) = sim.protected_before(t) {
                        let way = p.via.unwrap_or(c.reach);
                        prop_assert!(
                            !way.reaches_them(),
                            "commitments[{}].payments[{}] reaches them ({}), written under {:?}",
                            ci,
                            j,
                            way,
                            rule
                        );
                        prop_assert!(clean(t, &p.note, true), "payment note {:?}", p.note);
                    }
                }
            }
            CommitmentKind::Living { checkins, .. } => {
                for k in checkins {
                    let t = k.recorded.expect("written with its time here");
                    if sim.protected_before(t).is_some() {
                        prop_assert!(clean(t, &k.note, true), "check-in note {:?}", k.note);
                    }
                }
            }
            CommitmentKind::Promise { .. } => {}
        }
    }
    for (i, a) in r.attempts.iter().enumerate() {
        if let Some(rule) = sim.protected_before(a.recorded) {
            prop_assert!(
                !a.method.is_contact(),
                "attempts[{}] by {} written under {:?}",
                i,
                a.method,
                rule
            );
            prop_assert!(
                clean(a.recorded, &a.notes, true),
                "attempt notes {:?}",
                a.notes
            );
        }
    }
    for (i, p) in sim.plans.iter().enumerate() {
        if let Some(rule) = sim.protected_before(p.updated) {
            prop_assert!(
                !p.method.is_contact(),
                "plans[{}] by {} written under {:?}",
                i,
                p.method,
                rule
            );
            let letter = p.method == Method::UnsentLetter;
            prop_assert!(
                clean(p.updated, &p.script, !letter),
                "script {:?}",
                p.script
            );
            prop_assert!(clean(p.updated, &p.place, !letter), "place {:?}", p.place);
        }
    }
    for pair in sim.safety.windows(2) {
        let (a, b) = (&pair[0].answers, &pair[1].answers);
        let lifted = (a.court_order && !b.court_order)
            || (a.asked_no_contact && !b.asked_no_contact)
            || (a.abused_them && !b.abused_them);
        prop_assert!(
            !lifted || !pair[1].reason.trim().is_empty(),
            "lifted without a reason"
        );
    }
    if let Err(b) = replay::replay(&sim.history(), now) {
        prop_assert!(
            false,
            "the history does not replay: {} refused: {}",
            b.place.path(),
            b.error
        );
    }
    Ok(())
}

/// What must hold of the derived stage, whatever the history.
fn check_invariants(r: &PartyRecord, now: &Now) -> Result<StageInfo, TestCaseError> {
    let s = derive(r, now);
    let v = verdict(r);
    let made = r.last_made();
    let new_harm_after_made = made.is_some_and(|m| r.live_harms().any(|h| h.recorded > m.recorded));
    let open: Vec<&Commitment> = r.commitments.iter().filter(|c| c.is_open()).collect();
    let open_living = open.iter().any(|c| c.kind_code() == "living");
    let open_owing = open.iter().any(|c| c.kind_code() != "living");

    prop_assert!(!s.reason.trim().is_empty());
    prop_assert!(
        s.reason.starts_with(s.stage.label()) || s.reason.starts_with(s.stage.code()),
        "the reason starts with its stage: {:?} {}",
        s.stage,
        s.reason
    );
    prop_assert_eq!(
        s.stage == Stage::SetAside,
        r.current_aside().is_some(),
        "set aside iff a set-aside is in force"
    );

    // Once they asked for no further contact, direct contact never comes back.
    if r.attempts.iter().any(|a| a.outcome == Outcome::NoContact) {
        prop_assert_ne!(v.contact, Contact::Direct);
        prop_assert!(v.allowed.iter().all(|m| !m.is_contact()));
        prop_assert!(r.no_contact_asked());
    }
    // The verdict and its reasons agree.
    prop_assert_eq!(
        v.allowed.iter().any(|m| m.is_contact()),
        v.contact == Contact::Direct
    );
    prop_assert_eq!(
        v.review_required,
        v.reasons.iter().any(|x| x.rule == Rule::R2)
    );
    if let Some(rule) = forbidding_rule(v.contact) {
        prop_assert!(v.reasons.iter().any(|x| x.rule == rule));
    }

    match s.stage {
        Stage::SetAside => {
            // Nothing can be planned, attempted, consented to or deferred.
            let p = Plan {
                method: Method::Indirect,
                channel: None,
                script: String::new(),
                on: None,
                place: String::new(),
                updated: now.at,
            };
            prop_assert!(check_plan(r, &p).is_err());
            prop_assert!(check_consent(r).is_err());
            prop_assert!(check_deferral(r, "reason", now.today, now.today).is_err());
            let a = NewAttempt {
                words: &[],
                on: now.today,
                method: Method::Indirect,
                channel: None,
                outcome: Outcome::Done,
            };
            prop_assert!(check_attempt(r, &a, now.today).is_err());
            prop_assert!(
                check_commitment(r, CommitmentSort::Living, Reach::NoContact, &[]).is_err()
            );
        }
        Stage::Listed | Stage::Willing | Stage::Planned | Stage::Ready => {
            prop_assert!(r.attempts.is_empty(), "{:?} with attempts", s.stage);
            prop_assert!(r.active_deferral().is_none());
            let willing_now = r.willingness_now().map(|w| w.level) == Some(Willingness::Now);
            match s.stage {
                Stage::Listed => prop_assert!(r.plan.is_none() && !willing_now),
                Stage::Willing => prop_assert!(r.plan.is_none() && willing_now),
                Stage::Planned => {
                    prop_assert!(r.plan.is_some());
                    prop_assert!(!readiness_gaps(r).is_empty());
                }
                _ => {
                    let plan = r.plan.as_ref().expect("ready implies a plan");
                    prop_assert!(readiness_gaps(r).is_empty());
                    prop_assert!(v.allows(plan.method));
                    prop_assert!(v.answered && willing_now);
                    if v.review_required {
                        prop_assert!(approval_for_plan(r).is_some());
                    }
                    {
                        // Ready means the planned amends can be recorded today...
                        let outcome =
                            if is_no_reply(plan.method) || plan.method == Method::Restitution {
                                Outcome::Done
                            } else {
                                Outcome::Warm
                            };
                        let a = NewAttempt {
                            words: &[],
                            on: now.today,
                            method: plan.method,
                            channel: None,
                            outcome,
                        };
                        let got = check_attempt(r, &a, now.today);
                        prop_assert!(got.is_ok(), "ready, but the attempt is refused: {:?}", got);
                        // ...and the plan, as it stands, is one the gate would accept today.
                        let got = check_plan(r, plan);
                        prop_assert!(got.is_ok(), "ready, but the plan is refused: {:?}", got);
                    }
                }
            }
        }
        Stage::Deferred => {
            prop_assert!(r.active_deferral().is_some());
            prop_assert!(made.is_none());
        }
        Stage::Attempted => {
            prop_assert!(!r.attempts.is_empty());
            prop_assert!(made.is_none());
            prop_assert!(r.active_deferral().is_none());
        }
        Stage::Made => {
            let m = made.expect("made implies a made attempt");
            prop_assert!(!new_harm_after_made);
            prop_assert!(!open_owing);
            let owed = r.live_harms().any(|h| h.owed.is_some());
            let has_restitution = r.commitments.iter().any(|c| c.kind_code() == "restitution");
            // Money still owed with no restitution outranks an open living amends.
            prop_assert!(!open_living || (owed && !has_restitution));
            let has_living = r.commitments.iter().any(|c| c.kind_code() == "living");
            prop_assert!(
                (owed && !has_restitution)
                    || (m.method == Method::Living && !has_living)
                    || (m.outcome == Outcome::WithRequest && r.commitments.is_empty())
            );
        }
        Stage::FollowingThrough => {
            prop_assert!(made.is_some());
            prop_assert!(!new_harm_after_made);
            prop_assert!(open_owing);
        }
        Stage::LivingAmends => {
            prop_assert!(open_living);
            prop_assert!(!new_harm_after_made);
            let living_plan = r.plan.as_ref().is_some_and(|p| p.method == Method::Living);
            prop_assert!(made.is_some() || living_plan);
            if made.is_some() {
                prop_assert!(!open_owing);
            }
        }
        Stage::Complete => {
            prop_assert!(made.is_some());
            prop_assert!(open.is_empty(), "complete with an open commitment");
            prop_assert!(!new_harm_after_made);
        }
        Stage::Reopened => {
            prop_assert!(made.is_some());
            prop_assert!(new_harm_after_made);
        }
    }
    Ok(s)
}

/// What the histories reached: stages, and each gate's answers.
#[derive(Default)]
struct Coverage {
    stages: BTreeSet<Stage>,
    gates: BTreeSet<(&'static str, &'static str)>,
}

fn run_history(
    kind: PartyKind,
    to_self: bool,
    ops: &[(Op, i64)],
    seen: Option<&mut Coverage>,
) -> Result<(), TestCaseError> {
    let settings = Settings {
        amends_to_self: to_self,
        ..Settings::default()
    };
    if let Err(refusal) = check_new_party(&settings, kind) {
        prop_assert!(kind == PartyKind::Myself && !to_self, "{}", refusal);
        return Ok(());
    }
    let r = record(kind);
    let mut sim = Sim {
        names: vec![(at(0, 0), r.party.name.clone())],
        r,
        t: at(0, 0),
        next_id: 0,
        safety: Vec::new(),
        plans: Vec::new(),
        snapshots: Vec::new(),
        seen: BTreeSet::new(),
        gates: BTreeSet::new(),
    };
    for (op, minutes) in ops {
        apply(&mut sim, op, *minutes)?;
        let now = Now::new(sim.t, TimeZone::UTC);
        check_no_way_around(&sim, &now)?;
        let s = check_invariants(&sim.r, &now)?;
        sim.seen.insert(s.stage);
        // The same facts judged three months later obey the same rules.
        let later = Now::new(
            Timestamp::from_second(sim.t.as_second() + 90 * 86_400).unwrap(),
            TimeZone::UTC,
        );
        check_invariants(&sim.r, &later)?;
        sim.snapshots.push(sim.r.clone());
    }

    // Counting every step's record: nothing lost, nothing counted twice.
    let now = Now::new(sim.t, TimeZone::UTC);
    let (stages, summary) = summarise(&sim.snapshots, &now);
    prop_assert_eq!(stages.len(), sim.snapshots.len());
    prop_assert_eq!(summary.parties, sim.snapshots.len());
    prop_assert_eq!(
        summary.by_stage.iter().map(|(_, n)| n).sum::<usize>(),
        sim.snapshots.len()
    );
    for (stage, n) in &summary.by_stage {
        prop_assert_eq!(*n, stages.iter().filter(|s| s.stage == *stage).count());
    }
    let set_aside = sim
        .snapshots
        .iter()
        .filter(|r| r.current_aside().is_some())
        .count();
    prop_assert_eq!(
        summary.by_willingness.iter().map(|(_, n)| n).sum::<usize>(),
        sim.snapshots.len() - set_aside
    );
    prop_assert_eq!(
        summary.harms,
        sim.snapshots
            .iter()
            .map(|r| r.live_harms().count())
            .sum::<usize>()
    );
    let owed: i64 = sim
        .snapshots
        .iter()
        .flat_map(|r| r.commitments.iter())
        .filter(|c| c.is_open())
        .filter_map(|c| c.balance())
        .map(|b| b.minor)
        .sum();
    let shown: i64 = summary.outstanding.iter().map(|m| m.minor).sum();
    prop_assert_eq!(shown, owed);
    prop_assert!(summary.outstanding.iter().all(|m| m.minor > 0));
    if let Some(seen) = seen {
        seen.stages.extend(sim.seen);
        seen.gates.extend(sim.gates);
    }
    Ok(())
}

proptest! {
    #![proptest_config(Config {
        cases: 256,
        // Integration tests have no lib.rs for proptest to file regressions beside.
        failure_persistence: None,
        ..Config::default()
    })]

    #[test]
    fn derived_stages_follow_the_facts((kind, to_self, ops) in history_strategy()) {
        run_history(kind, to_self, &ops, None)?;
    }

    /// The verdict against an independent reading of rules R1-R8.
    #[test]
    fn verdict_follows_the_rules(
        kind in prop::sample::select(PartyKind::ALL.to_vec()),
        answers in prop::option::of(answers_strategy()),
        no_contact_attempt in any::<bool>(),
    ) {
        let mut r = record(kind);
        r.safety = answers.clone().map(|a| SafetyRecord { answers: a, answered: at(1, 0), reason: String::new() });
        if no_contact_attempt {
            r.attempts.push(attempt(1, Method::Phone, Outcome::NoContact, 2, at(2, 0)));
        }
        let a = answers.clone().unwrap_or_default();
        let v = verdict(&r);
        let indirect = a.asked_no_contact || a.abused_them || no_contact_attempt;
        let nobody = a.deceased || a.unreachable
            || matches!(kind, PartyKind::Deceased | PartyKind::Unreachable);
        let contact = if a.court_order {
            Contact::NoContact
        } else if indirect {
            Contact::IndirectOnly
        } else if nobody {
            Contact::NoOneToReach
        } else {
            Contact::Direct
        };
        prop_assert_eq!(v.contact, contact);
        prop_assert_eq!(
            v.review_required,
            a.court_order || a.abused_them || a.affair || a.third_parties || a.legal_risk
                || a.harmed_me || a.my_safety
        );
        prop_assert_eq!(v.consent_required, a.affair || a.third_parties);
        prop_assert_eq!(v.lawyer_first, a.legal_risk);
        prop_assert_eq!(v.indirect_suggested, a.my_safety);
        prop_assert_eq!(v.answered, answers.is_some());
        let mut rules = BTreeSet::new();
        if a.affair || a.third_parties { rules.insert(Rule::R1); }
        if v.review_required { rules.insert(Rule::R2); }
        if a.legal_risk { rules.insert(Rule::R3); }
        if a.court_order { rules.insert(Rule::R4); }
        if indirect { rules.insert(Rule::R5); }
        if a.harmed_me { rules.insert(Rule::R6); }
        if a.my_safety { rules.insert(Rule::R7); }
        if nobody { rules.insert(Rule::R8); }
        prop_assert_eq!(v.reasons.iter().map(|x| x.rule).collect::<BTreeSet<_>>(), rules);
        for reason in &v.reasons {
            let text = reason.text.to_lowercase();
            prop_assert!(text.split_whitespace().count() >= 5, "{}", reason.text);
            prop_assert!(!text.contains("not allowed"), "{}", reason.text);
        }
        for m in Method::ALL {
            prop_assert_eq!(v.allows(*m), contact == Contact::Direct || !m.is_contact());
        }
    }

    #[test]
    fn names_in_never_panics_and_finds_whole_words(
        text in "\\PC{0,40}",
        name in "\\PC{0,8}",
        word in "[A-Za-z]{1,8}",
        before in "[ ,.!?'-]{1,3}",
        after in "[ ,.!?'-]{0,3}",
    ) {
        let _ = names_in(&text, &name);
        let sentence = format!("I came about{before}{word}{after}");
        prop_assert!(names_in(&sentence, &word));
        prop_assert!(names_in(&sentence, &word.to_uppercase()));
        // Only part of a longer word: never a match.
        let glued = format!("{word}x 1{word}");
        prop_assert!(!names_in(&glued, &word));
    }
}

/// The history generator is only useful if it reaches every stage, and every way around R4
/// and R5 (each gate saying yes, and no for each reason); a fixed seed keeps this check from
/// flaking.
#[test]
fn the_history_generator_reaches_every_stage() {
    let mut runner = TestRunner::deterministic();
    let strategy = history_strategy();
    let mut seen = Coverage::default();
    for _ in 0..400 {
        let (kind, to_self, ops) = strategy.new_tree(&mut runner).expect("a history").current();
        run_history(kind, to_self, &ops, Some(&mut seen)).expect("the invariants hold");
    }
    let missing: Vec<Stage> = Stage::ALL
        .iter()
        .copied()
        .filter(|s| !seen.stages.contains(s))
        .collect();
    assert!(missing.is_empty(), "never reached: {missing:?}");
    // Each gate, with any of these answers (words are refused for a go-between or for contact).
    const WORDS_NO: &[&str] = &["go-between", "contact"];
    let wanted: &[(&str, &[&str])] = &[
        ("plan", &["ok"]),
        ("plan", &["harm"]),
        ("plan", &["safety"]),
        ("plan", &["method"]),
        ("plan", &["go-between"]),
        ("plan", &["contact"]),
        ("attempt", &["ok"]),
        ("attempt", &["harm"]),
        ("attempt", &["safety"]),
        ("attempt", &["method"]),
        ("attempt", WORDS_NO),
        ("attempt", &["R3"]),
        ("restitution", &["ok"]),
        ("restitution", &["via"]),
        ("restitution", &["reach"]),
        ("promise", &["ok"]),
        ("promise", &["via"]),
        ("promise", &["reach"]),
        ("promise", WORDS_NO),
        ("living amends", &["ok"]),
        ("living amends", &["via"]),
        ("living amends", WORDS_NO),
        ("payment", &["ok"]),
        ("payment", &["date"]),
        ("payment", &["via"]),
        ("payment", &["reach"]),
        ("payment", WORDS_NO),
        ("check-in", &["ok"]),
        ("check-in", &["date"]),
        ("check-in", WORDS_NO),
        ("answer", &["ok"]),
        ("answer", &["reason"]),
        ("lift", &["lifted"]),
        ("lift", &["reason"]),
        ("lift", &["confirm"]),
        ("rename", &["probed under R4/R5"]),
    ];
    let missing: Vec<_> = wanted
        .iter()
        .filter(|(gate, any)| !any.iter().any(|k| seen.gates.contains(&(*gate, *k))))
        .collect();
    assert!(
        missing.is_empty(),
        "never reached: {missing:?}\nreached: {:?}",
        seen.gates
    );
}

/// The histories' words are read as they are meant, under every name the party takes: so the
/// properties above do exercise both readers.
#[test]
fn words_read_as_meant() {
    for name in RENAMES {
        for i in 0..WORDS.len() {
            let text = words(i, name);
            assert_eq!(
                go_between(&text).is_some(),
                GO_BETWEEN.contains(&i),
                "{name}: {text:?}"
            );
            assert_eq!(
                reaches(&text, name).is_some(),
                CONTACT.contains(&i),
                "{name}: {text:?}"
            );
        }
    }
}
