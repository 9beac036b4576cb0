//! Builders shared by the integration tests of the core: a party record put together fact by
//! fact, the way the vault would hand it to the rules and the stage derivation.
#![allow(dead_code)]

use amends_core::Now;
use amends_core::model::{
    Adviser, AsideReason, Attempt, Cadence, CheckIn, Closure, Commitment, CommitmentKind, Consent,
    Consultation, Deferral, Harm, HarmKind, HarmSource, Method, Outcome, Party, PartyKind,
    PartyRecord, Payment, Plan, SafetyAnswers, SafetyRecord, SetAside, Willingness,
    WillingnessEntry,
};
use amends_core::rules::Reason;
use amends_core::{Currency, Money};
use jiff::Timestamp;
use jiff::civil::{Date, date};
use jiff::tz::TimeZone;

/// Day 0 of every test: 2024-05-01, midnight UTC.
pub fn day0() -> Date {
    date(2024, 5, 1)
}

/// An instant `day` days and `hour` hours after day 0 (UTC).
pub fn at(day: i64, hour: i64) -> Timestamp {
    Timestamp::from_second(1_714_521_600 + day * 86_400 + hour * 3_600).expect("in range")
}

/// The calendar date `day` days after day 0.
pub fn on(day: i64) -> Date {
    day0()
        .checked_add(jiff::Span::new().days(day))
        .expect("in range")
}

/// "Now" at noon on `day`, in UTC.
pub fn now_on(day: i64) -> Now {
    Now::new(at(day, 12), TimeZone::UTC)
}

pub fn usd() -> Currency {
    Currency::parse("USD").unwrap()
}

pub fn dollars(n: i64) -> Money {
    Money::new(n * 100, usd())
}

pub fn party(kind: PartyKind) -> Party {
    Party {
        id: 1,
        name: "Pat".into(),
        kind,
        relationship: "old friend".into(),
        notes: String::new(),
        created: at(0, 0),
    }
}

pub fn record(kind: PartyKind) -> PartyRecord {
    PartyRecord::new(party(kind))
}

/// A person with one harm named on day 0 (a plan or attempt that reaches them needs one).
pub fn person() -> PartyRecord {
    let mut r = record(PartyKind::Person);
    r.harms.push(harm(100, at(0, 0)));
    r
}

/// A person with nothing named yet.
pub fn bare_person() -> PartyRecord {
    record(PartyKind::Person)
}

pub fn harm(id: i64, recorded: Timestamp) -> Harm {
    Harm {
        id,
        party_id: 1,
        did: "Borrowed the car and brought it back dented".into(),
        should: "Told the truth and paid for the repair".into(),
        effect: "They paid for the repair and stopped trusting me".into(),
        kinds: vec![HarmKind::Property, HarmKind::Trust],
        when: "summer 2019".into(),
        owed: None,
        property: String::new(),
        third_parties: Vec::new(),
        source: HarmSource::Inventory,
        sponsor_agrees: Some(true),
        recorded,
        asides: Vec::new(),
    }
}

pub fn harm_with_third_party(id: i64, recorded: Timestamp, who: &str) -> Harm {
    Harm {
        third_parties: vec![who.to_string()],
        ..harm(id, recorded)
    }
}

pub fn harm_owing(id: i64, recorded: Timestamp, owed: Money) -> Harm {
    Harm {
        owed: Some(owed),
        kinds: vec![HarmKind::Financial],
        ..harm(id, recorded)
    }
}

pub fn aside(id: i64, reason: AsideReason, note: &str, at_: Timestamp) -> SetAside {
    SetAside {
        id,
        reason,
        note: note.into(),
        at: at_,
        restored_at: None,
    }
}

pub fn willing(id: i64, level: Willingness, at_: Timestamp) -> WillingnessEntry {
    WillingnessEntry {
        id,
        level,
        note: String::new(),
        at: at_,
    }
}

/// Answers with every flag off.
pub fn clear() -> SafetyAnswers {
    SafetyAnswers::default()
}

pub fn answered(answers: SafetyAnswers, when: Timestamp) -> Option<SafetyRecord> {
    Some(SafetyRecord {
        answers,
        answered: when,
        reason: String::new(),
    })
}

pub fn consult(
    id: i64,
    with: Adviser,
    approved: Option<bool>,
    recorded: Timestamp,
    day: i64,
) -> Consultation {
    Consultation {
        id,
        with,
        name: String::new(),
        on: on(day),
        advice: "Keep it short and about your part".into(),
        approved,
        recorded,
    }
}

pub fn plan(method: Method, script: &str, updated: Timestamp) -> Plan {
    Plan {
        method,
        channel: None,
        script: script.into(),
        on: None,
        place: String::new(),
        updated,
    }
}

pub fn consent(id: i64, who: &str, given: bool, recorded: Timestamp, day: i64) -> Consent {
    Consent {
        id,
        who: who.into(),
        given,
        on: on(day),
        note: String::new(),
        recorded,
    }
}

pub fn deferral(id: i64, reason: &str, review_day: i64, recorded: Timestamp) -> Deferral {
    Deferral {
        id,
        reason: reason.into(),
        review_on: on(review_day),
        recorded,
        ended: None,
    }
}

pub fn attempt(
    id: i64,
    method: Method,
    outcome: Outcome,
    day: i64,
    recorded: Timestamp,
) -> Attempt {
    Attempt {
        id,
        on: on(day),
        method,
        channel: None,
        outcome,
        requests: String::new(),
        feeling_before: "scared".into(),
        feeling_after: "lighter".into(),
        notes: String::new(),
        recorded,
    }
}

pub fn restitution(
    id: i64,
    amount: Money,
    paid: &[Money],
    every: Option<Cadence>,
    starting: Date,
    recorded: Timestamp,
) -> Commitment {
    Commitment {
        reach: amends_core::model::Reach::Them,
        id,
        party_id: 1,
        kind: CommitmentKind::Restitution {
            amount,
            instalment: None,
            every,
            starting,
            payments: paid
                .iter()
                .enumerate()
                .map(|(i, m)| Payment {
                    via: None,
                    recorded: None,
                    id: i as i64 + 1,
                    on: starting,
                    amount: *m,
                    note: String::new(),
                })
                .collect(),
        },
        recorded,
        closed: None,
    }
}

pub fn living(
    id: i64,
    every: Cadence,
    starting: Date,
    kept: &[bool],
    recorded: Timestamp,
) -> Commitment {
    Commitment {
        reach: amends_core::model::Reach::NoContact,
        id,
        party_id: 1,
        kind: CommitmentKind::Living {
            behaviour: "Call every Sunday and turn up when I say I will".into(),
            every,
            starting,
            checkins: kept
                .iter()
                .enumerate()
                .map(|(i, k)| CheckIn {
                    recorded: None,
                    id: i as i64 + 1,
                    on: starting,
                    kept: *k,
                    note: String::new(),
                })
                .collect(),
        },
        recorded,
        closed: None,
    }
}

pub fn promise(id: i64, text: &str, due: Date, recorded: Timestamp) -> Commitment {
    Commitment {
        reach: amends_core::model::Reach::Them,
        id,
        party_id: 1,
        kind: CommitmentKind::Promise {
            text: text.into(),
            due,
        },
        recorded,
        closed: None,
    }
}

pub fn closed(mut c: Commitment, how: Closure, day: i64) -> Commitment {
    c.closed = Some((how, on(day)));
    c
}

/// Reason texts must be plain words a person can act on: not empty, a real sentence,
/// never a bare "not allowed".
pub fn assert_plain_words(text: &str, context: &str) {
    let t = text.trim();
    assert!(!t.is_empty(), "{context}: empty text");
    assert!(
        t.split_whitespace().count() >= 5,
        "{context}: too short to explain anything: {t:?}"
    );
    assert!(
        !t.to_lowercase().contains("not allowed"),
        "{context}: says a bare \"not allowed\": {t:?}"
    );
    assert!(
        !t.to_lowercase().contains("forbidden"),
        "{context}: says a bare \"forbidden\": {t:?}"
    );
}

/// The rules named by a list of reasons, sorted, without duplicates.
pub fn rules_of(reasons: &[Reason]) -> Vec<amends_core::rules::Rule> {
    let mut rules: Vec<_> = reasons.iter().map(|r| r.rule).collect();
    rules.sort();
    rules.dedup();
    rules
}

/// The three methods that do not reach the person.
pub const NON_CONTACT: [Method; 3] = [Method::Living, Method::Indirect, Method::UnsentLetter];
