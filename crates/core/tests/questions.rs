//! The safety questions follow the person: which are asked of which kind of party, which the
//! record answers already, and that a kind changed after the answers asks what now applies
//! again, with anything that reaches them refused meanwhile.

use amends_core::model::{Method, Outcome, PartyKind, SafetyAnswers};
use amends_core::questions::{Standing, account, cannot_apply};
use amends_core::rules::{
    self, Contact, NewAttempt, SAFETY_QUESTIONS, SafetyChange, check_attempt, check_plan,
    merge_answers, verdict,
};

use crate::common::*;

fn asked(kind: PartyKind) -> Vec<&'static str> {
    let mut r = record(kind);
    r.harms.push(harm(100, at(0, 0)));
    account(&r).asked().map(|q| q.code).collect()
}

/// Answers the questions through the same merge the CLI and the web app use.
fn answer(r: &mut amends_core::model::PartyRecord, change: SafetyChange, when: i64) {
    let (next, _) = merge_answers(r, &change).expect("the change is accepted");
    r.safety = answered(next.expect("something changed"), at(when, 0));
}

fn none() -> SafetyChange {
    SafetyChange {
        none: true,
        ..SafetyChange::default()
    }
}

fn face_to_face(
    r: &amends_core::model::PartyRecord,
    day: i64,
) -> Result<(), amends_core::CoreError> {
    check_attempt(
        r,
        &NewAttempt {
            on: on(day),
            method: Method::FaceToFace,
            channel: None,
            outcome: Outcome::Warm,
            words: &[],
        },
        on(day),
    )
}

#[test]
fn a_person_is_asked_all_twelve() {
    assert_eq!(asked(PartyKind::Person), SAFETY_QUESTIONS.to_vec());
}

#[test]
fn an_organisation_is_not_asked_whether_it_is_a_child_or_has_died() {
    let q = asked(PartyKind::Organisation);
    for never in ["child", "family", "deceased", "affair", "abused-them"] {
        assert!(!q.contains(&never), "{never} asked of an organisation");
    }
    for still in [
        "court-order",
        "asked-no-contact",
        "legal-risk",
        "third-parties",
        "unreachable",
    ] {
        assert!(q.contains(&still), "{still} not asked of an organisation");
    }
    let r = record(PartyKind::Organisation);
    let acc = account(&r);
    match &acc.get("child").unwrap().standing {
        Standing::NotAsked { because } => assert!(because.contains("not a child"), "{because}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn someone_recorded_as_dead_has_that_answered_and_is_not_asked_whether_they_can_be_found() {
    let r = record(PartyKind::Deceased);
    let acc = account(&r);
    match &acc.get("deceased").unwrap().standing {
        Standing::Known { yes: true, because } => {
            assert!(because.contains("has died"), "{because}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        acc.get("unreachable").unwrap().standing,
        Standing::NotAsked { .. }
    ));
    assert!(acc.get("family").unwrap().asked());
    // R8 holds before a single answer is given.
    assert_eq!(verdict(&r).contact, Contact::NoOneToReach);
}

#[test]
fn the_court_order_question_is_asked_of_every_kind_that_can_have_one() {
    for kind in PartyKind::ALL {
        let q = asked(*kind);
        if *kind == PartyKind::Myself {
            assert!(!q.contains(&"court-order"));
            assert!(cannot_apply(*kind, "court-order").is_some());
        } else {
            assert!(q.contains(&"court-order"), "not asked of {kind:?}");
        }
        // Every question has a sentence saying why it matters.
        for question in account(&record(*kind)).questions {
            assert!(!question.matters.is_empty(), "{}", question.code);
        }
    }
}

#[test]
fn an_organisation_edited_to_a_person_is_asked_again_and_nothing_reaches_them_meanwhile() {
    let mut r = record(PartyKind::Organisation);
    r.harms.push(harm(100, at(0, 0)));
    answer(&mut r, none(), 1);
    assert!(verdict(&r).answered);
    assert!(face_to_face(&r, 2).is_ok());

    // It turns out to be a person (the owner of the shop, say).
    r.party.kind = PartyKind::Person;
    let v = verdict(&r);
    assert!(!v.answered);
    assert_eq!(
        v.missing,
        vec!["abused-them", "affair", "deceased", "child", "family"]
    );
    let err = face_to_face(&r, 2).unwrap_err().to_string();
    assert!(err.contains("whether you abused them"), "{err}");
    assert!(err.contains("not asked then"), "{err}");
    let plan = plan(Method::Phone, "", at(2, 0));
    assert!(check_plan(&r, &plan).is_err());
    // What does not reach them stays open.
    let mut living = r.clone();
    living.plan = None;
    assert!(check_plan(&living, &super::common::plan(Method::Living, "", at(2, 0))).is_ok());
    assert!(
        rules::verdict(&r)
            .guidance
            .iter()
            .any(|g| g.contains("not asked when the answers were given"))
    );

    // Answering them (here, "abused them": yes) completes the answers again, and that answer counts.
    let mut change = SafetyChange::default();
    change.set.abused_them = true;
    answer(&mut r, change, 3);
    let v = verdict(&r);
    assert!(v.answered, "{:?}", v.missing);
    assert_eq!(v.contact, Contact::IndirectOnly);
}

#[test]
fn someone_recorded_as_dead_who_is_not_is_asked_again() {
    let mut r = record(PartyKind::Deceased);
    r.harms.push(harm(100, at(0, 0)));
    answer(&mut r, none(), 1);
    assert!(verdict(&r).answered);
    // "Have they died?" was never asked: the record said so. It is not stored as an answer.
    assert!(!r.safety.as_ref().unwrap().answers.deceased);

    r.party.kind = PartyKind::Person;
    let v = verdict(&r);
    assert_eq!(v.contact, Contact::Direct);
    assert!(!v.answered);
    assert!(v.missing.contains(&"deceased"));
    assert!(v.missing.contains(&"unreachable"));
    assert!(v.missing.contains(&"child"));
    assert!(face_to_face(&r, 2).is_err());
    // A commitment that reaches them waits too.
    assert!(
        rules::check_commitment(
            &r,
            rules::CommitmentSort::Promise,
            amends_core::model::Reach::Them,
            &[]
        )
        .is_err()
    );

    let (next, _) = merge_answers(&r, &SafetyChange::default()).unwrap();
    r.safety = answered(next.unwrap(), at(3, 0));
    assert!(verdict(&r).answered);
    assert!(face_to_face(&r, 4).is_ok());
}

#[test]
fn a_yes_in_force_is_still_asked_and_still_counts_when_the_kind_changes() {
    let mut r = person();
    let mut change = SafetyChange::default();
    change.set.abused_them = true;
    change.set.child = true;
    answer(&mut r, change, 1);
    r.party.kind = PartyKind::Organisation;
    let acc = account(&r);
    assert!(acc.get("abused-them").unwrap().asked());
    assert!(acc.get("child").unwrap().asked());
    let v = verdict(&r);
    assert_eq!(
        v.contact,
        Contact::IndirectOnly,
        "a kind changed does not lift R5"
    );
    assert!(face_to_face(&r, 2).is_err());
}

#[test]
fn a_question_that_cannot_apply_or_is_answered_by_the_record_is_refused_with_why() {
    let org = record(PartyKind::Organisation);
    let mut change = SafetyChange::default();
    change.set.child = true;
    let err = merge_answers(&org, &change).unwrap_err();
    assert_eq!(err.field, "child");
    assert!(
        err.message.contains("an organisation is not a child"),
        "{}",
        err.message
    );
    assert!(err.message.contains("--kind"), "{}", err.message);

    let dead = record(PartyKind::Deceased);
    let mut lift = SafetyChange::default();
    lift.clear.deceased = true;
    let err = merge_answers(&dead, &lift).unwrap_err();
    assert_eq!(err.field, "deceased");
    assert!(
        err.message.contains("recorded as someone who has died"),
        "{}",
        err.message
    );

    // Their wish for no contact, made in an attempt, is known, and stays.
    let mut r = person();
    answer(&mut r, none(), 1);
    r.attempts
        .push(attempt(1, Method::Phone, Outcome::NoContact, 2, at(2, 0)));
    let acc = account(&r);
    assert!(matches!(
        acc.get("asked-no-contact").unwrap().standing,
        Standing::Known { yes: true, .. }
    ));
    let mut lift = SafetyChange::default();
    lift.clear.asked_no_contact = true;
    lift.reason = Some("They called me".into());
    lift.confirmed = true;
    let (next, notes) = merge_answers(&r, &lift).unwrap();
    assert!(next.is_none_or(|a| a.asked_no_contact));
    assert!(
        notes.iter().any(|n| n.contains("that answer stays (R5)")),
        "{notes:?}"
    );
}

#[test]
fn answers_given_before_the_questions_followed_the_person_count_as_all_twelve_asked() {
    let mut r = record(PartyKind::Organisation);
    r.harms.push(harm(100, at(0, 0)));
    r.safety = answered(SafetyAnswers::default(), at(1, 0));
    assert_eq!(r.safety.as_ref().unwrap().answers.asked, None);
    r.party.kind = PartyKind::Person;
    assert!(verdict(&r).answered);
    assert!(face_to_face(&r, 2).is_ok());
}

#[test]
fn amends_to_oneself_asks_only_what_can_apply() {
    assert_eq!(
        asked(PartyKind::Myself),
        vec!["legal-risk", "third-parties", "my-safety"]
    );
}
