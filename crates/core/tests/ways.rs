//! How (the channel) and what (the kind of amends) apart: plans and the R2 approval compare
//! like with like, and the gates refuse what R1-R10 forbid by either part.

use amends_core::model::{AmendsKind, Channel, Method, Outcome, Plan, SafetyAnswers, Way};
use amends_core::rules::{NewAttempt, Rule, check_attempt, check_plan};
use amends_core::{CoreError, Invalid};

use crate::common::*;

fn way(how: &str, what: &str) -> Result<Way, Invalid> {
    Way::parse(how, what)
}

#[test]
fn how_and_what_are_read_apart_and_older_methods_keep_their_meaning() {
    let cases: &[(&str, &str, Method, Option<Channel>)] = &[
        ("face-to-face", "", Method::FaceToFace, None),
        ("face-to-face", "words", Method::FaceToFace, None),
        (
            "in-person",
            "restitution",
            Method::Restitution,
            Some(Channel::FaceToFace),
        ),
        (
            "letter",
            "money",
            Method::Restitution,
            Some(Channel::Letter),
        ),
        ("transfer", "", Method::Restitution, Some(Channel::Transfer)),
        ("restitution", "", Method::Restitution, None),
        ("", "restitution", Method::Restitution, None),
        ("", "living", Method::Living, None),
        ("unsent-letter", "unsent-letter", Method::UnsentLetter, None),
    ];
    for (how, what, method, channel) in cases {
        let w = way(how, what).unwrap_or_else(|e| panic!("{how}/{what}: {e}"));
        assert_eq!((w.method, w.channel), (*method, *channel), "{how}/{what}");
    }
    let w = way("in-person", "restitution").unwrap();
    assert_eq!(w.kind(), AmendsKind::Restitution);
    assert_eq!(w.channel(), Some(Channel::FaceToFace));
    assert_eq!(w.label(), "restitution, face to face");
    assert_eq!(Way::of(Method::Phone).kind(), AmendsKind::Words);

    for (how, what, field, says) in [
        ("phone", "living", "method", "reaches no one"),
        ("transfer", "words", "method", "pays money back"),
        ("", "words", "method", "say how the words reach them"),
        ("living", "restitution", "kind of amends", "not restitution"),
        ("", "", "method", "say how"),
        ("carrier-pigeon", "", "method", "must be one of"),
    ] {
        let err = way(how, what).unwrap_err();
        assert_eq!(err.field, field, "{how}/{what}");
        assert!(err.message.contains(says), "{how}/{what}: {}", err.message);
    }
    // A channel belongs to a restitution only.
    let bad = Way {
        method: Method::Living,
        channel: Some(Channel::FaceToFace),
    };
    assert_eq!(bad.check().unwrap_err().field, "channel");
}

/// A person owed money, whose amends needs review (R2: here, legal risk with a lawyer seen).
fn reviewed(plan: Plan) -> amends_core::model::PartyRecord {
    let mut r = person();
    r.safety = answered(
        SafetyAnswers {
            my_safety: true,
            ..clear()
        },
        at(1, 0),
    );
    r.plan = Some(plan);
    r.consultations.push(consult(
        1,
        amends_core::model::Adviser::Sponsor,
        Some(true),
        at(3, 0),
        3,
    ));
    r
}

fn with_channel(method: Method, channel: Option<Channel>) -> Plan {
    Plan {
        channel,
        ..plan(
            method,
            "I took money from you and I will pay it back.",
            at(2, 0),
        )
    }
}

fn attempt_by(r: &amends_core::model::PartyRecord, w: Way) -> Result<(), CoreError> {
    check_attempt(
        r,
        &NewAttempt {
            on: on(4),
            method: w.method,
            channel: w.channel,
            outcome: Outcome::Done,
            words: &[],
        },
        on(4),
    )
}

#[test]
fn a_restitution_paid_face_to_face_under_an_approved_face_to_face_plan_is_recorded() {
    let f2f = way("face-to-face", "restitution").unwrap();
    let r = reviewed(with_channel(f2f.method, f2f.channel));
    assert!(check_plan(&r, r.plan.as_ref().unwrap()).is_ok());
    attempt_by(&r, f2f).expect("paid in person, as planned and approved");
    // Paid another way than planned: R2 says so, in both parts' words.
    let err = attempt_by(&r, way("transfer", "").unwrap()).unwrap_err();
    let CoreError::Refused(refusal) = err else {
        panic!("{err:?}")
    };
    assert_eq!(refusal.rule, Some(Rule::R2));
    assert!(
        refusal.reason.contains("restitution, face to face")
            && refusal
                .reason
                .contains("restitution, by bank transfer or cheque"),
        "{}",
        refusal.reason
    );
}

#[test]
fn a_plan_to_talk_face_to_face_does_not_approve_paying_back() {
    let r = reviewed(with_channel(Method::FaceToFace, None));
    let err = attempt_by(&r, way("face-to-face", "restitution").unwrap()).unwrap_err();
    assert!(
        matches!(&err, CoreError::Refused(f) if f.rule == Some(Rule::R2)),
        "{err:?}"
    );
}

#[test]
fn an_older_restitution_plan_that_did_not_say_how_fits_any_channel() {
    let r = reviewed(with_channel(Method::Restitution, None));
    attempt_by(&r, way("face-to-face", "restitution").unwrap()).unwrap();
    attempt_by(&r, Way::of(Method::Restitution)).unwrap();
}

#[test]
fn a_restitution_through_a_channel_is_refused_where_no_one_may_be_reached() {
    let f2f = way("face-to-face", "restitution").unwrap();
    for (answers, rule) in [
        (
            SafetyAnswers {
                court_order: true,
                ..clear()
            },
            Rule::R4,
        ),
        (
            SafetyAnswers {
                asked_no_contact: true,
                ..clear()
            },
            Rule::R5,
        ),
        (
            SafetyAnswers {
                deceased: true,
                ..clear()
            },
            Rule::R8,
        ),
    ] {
        let mut r = person();
        r.safety = answered(answers, at(1, 0));
        let p = with_channel(f2f.method, f2f.channel);
        let err = check_plan(&r, &p).unwrap_err();
        assert!(
            matches!(&err, CoreError::Refused(f) if f.rule == Some(rule)),
            "{err:?}"
        );
        let err = attempt_by(&r, f2f).unwrap_err();
        assert!(
            matches!(&err, CoreError::Refused(f) if f.rule == Some(rule)),
            "{err:?}"
        );
    }
    // A channel on a kind that reaches no one is refused before any rule.
    let r = person();
    let bad = with_channel(Method::Indirect, Some(Channel::Phone));
    assert!(matches!(check_plan(&r, &bad), Err(CoreError::Invalid(i)) if i.field == "channel"));
}
