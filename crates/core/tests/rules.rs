//! Table tests for the Step 9 exception as the core applies it: `verdict` (R1-R8),
//! `check_plan`, `check_attempt`, `check_consent`, `check_deferral`, `check_new_party`
//! and `settle_answers`.

use crate::common;

use amends_core::model::{
    Adviser, AsideReason, Method, Outcome, PartyKind, SafetyAnswers, Settings,
};
use amends_core::rules::{
    Contact, NewAttempt, Rule, check_attempt, check_consent, check_deferral, check_new_party,
    check_plan, latest_review, names_in, settle_answers, verdict,
};
use amends_core::{CoreError, Refusal};
use common::*;

// ---------------------------------------------------------------------------------------------
// verdict: one row per rule and per interesting combination
// ---------------------------------------------------------------------------------------------

struct Row {
    name: &'static str,
    kind: PartyKind,
    answers: Option<SafetyAnswers>,
    /// Outcomes of earlier attempts (face to face, so that only the outcome matters).
    earlier: &'static [Outcome],
    contact: Contact,
    review: bool,
    consent: bool,
    lawyer: bool,
    indirect_suggested: bool,
    rules: &'static [Rule],
}

fn a() -> SafetyAnswers {
    SafetyAnswers::default()
}

fn rows() -> Vec<Row> {
    use Contact::*;
    use Rule::*;
    let p = PartyKind::Person;
    vec![
        Row {
            name: "nothing answered yet",
            kind: p,
            answers: None,
            earlier: &[],
            contact: Direct,
            review: false,
            consent: false,
            lawyer: false,
            indirect_suggested: false,
            rules: &[],
        },
        Row {
            name: "answered, nothing flagged",
            kind: p,
            answers: Some(a()),
            earlier: &[],
            contact: Direct,
            review: false,
            consent: false,
            lawyer: false,
            indirect_suggested: false,
            rules: &[],
        },
        Row {
            name: "R1 affair",
            kind: p,
            answers: Some(SafetyAnswers {
                affair: true,
                ..a()
            }),
            earlier: &[],
            contact: Direct,
            review: true,
            consent: true,
            lawyer: false,
            indirect_suggested: false,
            rules: &[R1, R2],
        },
        Row {
            name: "R1 third parties",
            kind: p,
            answers: Some(SafetyAnswers {
                third_parties: true,
                ..a()
            }),
            earlier: &[],
            contact: Direct,
            review: true,
            consent: true,
            lawyer: false,
            indirect_suggested: false,
            rules: &[R1, R2],
        },
        Row {
            name: "R3 legal risk",
            kind: PartyKind::Organisation,
            answers: Some(SafetyAnswers {
                legal_risk: true,
                ..a()
            }),
            earlier: &[],
            contact: Direct,
            review: true,
            consent: false,
            lawyer: true,
            indirect_suggested: false,
            rules: &[R2, R3],
        },
        Row {
            name: "R4 court order",
            kind: p,
            answers: Some(SafetyAnswers {
                court_order: true,
                ..a()
            }),
            earlier: &[],
            contact: NoContact,
            review: true,
            consent: false,
            lawyer: false,
            indirect_suggested: false,
            rules: &[R2, R4],
        },
        Row {
            name: "R5 they asked for no contact",
            kind: p,
            answers: Some(SafetyAnswers {
                asked_no_contact: true,
                ..a()
            }),
            earlier: &[],
            contact: IndirectOnly,
            review: false,
            consent: false,
            lawyer: false,
            indirect_suggested: false,
            rules: &[R5],
        },
        Row {
            name: "R5 I abused them",
            kind: p,
            answers: Some(SafetyAnswers {
                abused_them: true,
                ..a()
            }),
            earlier: &[],
            contact: IndirectOnly,
            review: true,
            consent: false,
            lawyer: false,
            indirect_suggested: false,
            rules: &[R2, R5],
        },
        Row {
            name: "R5 from an attempt, nothing answered",
            kind: p,
            answers: None,
            earlier: &[Outcome::NoContact],
            contact: IndirectOnly,
            review: false,
            consent: false,
            lawyer: false,
            indirect_suggested: false,
            rules: &[R5],
        },
        Row {
            name: "R5 from an attempt outlives a later 'no' to asked_no_contact",
            kind: p,
            answers: Some(SafetyAnswers {
                asked_no_contact: false,
                ..a()
            }),
            earlier: &[Outcome::Cool, Outcome::NoContact, Outcome::Warm],
            contact: IndirectOnly,
            review: false,
            consent: false,
            lawyer: false,
            indirect_suggested: false,
            rules: &[R5],
        },
        Row {
            name: "R6 they harmed me",
            kind: p,
            answers: Some(SafetyAnswers {
                harmed_me: true,
                ..a()
            }),
            earlier: &[],
            contact: Direct,
            review: true,
            consent: false,
            lawyer: false,
            indirect_suggested: false,
            rules: &[R2, R6],
        },
        Row {
            name: "R7 my own safety",
            kind: p,
            answers: Some(SafetyAnswers {
                my_safety: true,
                ..a()
            }),
            earlier: &[],
            contact: Direct,
            review: true,
            consent: false,
            lawyer: false,
            indirect_suggested: true,
            rules: &[R2, R7],
        },
        Row {
            name: "R8 deceased by kind, nothing answered",
            kind: PartyKind::Deceased,
            answers: None,
            earlier: &[],
            contact: NoOneToReach,
            review: false,
            consent: false,
            lawyer: false,
            indirect_suggested: false,
            rules: &[R8],
        },
        Row {
            name: "R8 deceased by answer",
            kind: p,
            answers: Some(SafetyAnswers {
                deceased: true,
                ..a()
            }),
            earlier: &[],
            contact: NoOneToReach,
            review: false,
            consent: false,
            lawyer: false,
            indirect_suggested: false,
            rules: &[R8],
        },
        Row {
            name: "R8 unreachable by kind",
            kind: PartyKind::Unreachable,
            answers: Some(a()),
            earlier: &[],
            contact: NoOneToReach,
            review: false,
            consent: false,
            lawyer: false,
            indirect_suggested: false,
            rules: &[R8],
        },
        Row {
            name: "R8 unreachable by answer",
            kind: p,
            answers: Some(SafetyAnswers {
                unreachable: true,
                ..a()
            }),
            earlier: &[],
            contact: NoOneToReach,
            review: false,
            consent: false,
            lawyer: false,
            indirect_suggested: false,
            rules: &[R8],
        },
        Row {
            name: "R4 outranks R5: court order and asked for no contact",
            kind: p,
            answers: Some(SafetyAnswers {
                court_order: true,
                asked_no_contact: true,
                ..a()
            }),
            earlier: &[],
            contact: NoContact,
            review: true,
            consent: false,
            lawyer: false,
            indirect_suggested: false,
            rules: &[R2, R4, R5],
        },
        Row {
            name: "R4 outranks R8: court order, and they have died",
            kind: PartyKind::Deceased,
            answers: Some(SafetyAnswers {
                court_order: true,
                ..a()
            }),
            earlier: &[],
            contact: NoContact,
            review: true,
            consent: false,
            lawyer: false,
            indirect_suggested: false,
            rules: &[R2, R4, R8],
        },
        Row {
            name: "R5 and R8 together stay indirect",
            kind: PartyKind::Unreachable,
            answers: Some(SafetyAnswers {
                asked_no_contact: true,
                ..a()
            }),
            earlier: &[],
            contact: IndirectOnly,
            review: false,
            consent: false,
            lawyer: false,
            indirect_suggested: false,
            rules: &[R5, R8],
        },
        Row {
            name: "everything at once",
            kind: p,
            answers: Some(SafetyAnswers {
                court_order: true,
                asked_no_contact: true,
                abused_them: true,
                harmed_me: true,
                legal_risk: true,
                affair: true,
                third_parties: true,
                my_safety: true,
                deceased: true,
                unreachable: true,
                child: true,
                family: true,
                legal_decision: "I will not go to the police".into(),
                asked: None,
            }),
            earlier: &[],
            contact: NoContact,
            review: true,
            consent: true,
            lawyer: true,
            indirect_suggested: true,
            rules: &[R1, R2, R3, R4, R5, R6, R7, R8],
        },
        Row {
            name: "an organisation with nothing flagged",
            kind: PartyKind::Organisation,
            answers: Some(a()),
            earlier: &[],
            contact: Direct,
            review: false,
            consent: false,
            lawyer: false,
            indirect_suggested: false,
            rules: &[],
        },
        Row {
            name: "a child in the family: guidance only, no rule",
            kind: p,
            answers: Some(SafetyAnswers {
                child: true,
                family: true,
                ..a()
            }),
            earlier: &[],
            contact: Direct,
            review: false,
            consent: false,
            lawyer: false,
            indirect_suggested: false,
            rules: &[],
        },
    ]
}

fn build(row: &Row) -> amends_core::model::PartyRecord {
    let mut r = record(row.kind);
    r.safety = row.answers.clone().and_then(|ans| answered(ans, at(1, 0)));
    for (i, o) in row.earlier.iter().enumerate() {
        r.attempts.push(attempt(
            i as i64 + 1,
            Method::FaceToFace,
            *o,
            2 + i as i64,
            at(2 + i as i64, 0),
        ));
    }
    r
}

#[test]
fn verdict_table_covers_rules_r1_to_r8() {
    for row in rows() {
        let r = build(&row);
        let v = verdict(&r);
        let n = row.name;
        assert_eq!(v.contact, row.contact, "{n}: contact");
        let expected_allowed: Vec<Method> = match row.contact {
            Contact::Direct => Method::ALL.to_vec(),
            _ => NON_CONTACT.to_vec(),
        };
        assert_eq!(v.allowed, expected_allowed, "{n}: allowed methods");
        for m in Method::ALL {
            assert_eq!(
                v.allows(*m),
                expected_allowed.contains(m),
                "{n}: allows({m})"
            );
        }
        assert_eq!(v.review_required, row.review, "{n}: review_required");
        assert_eq!(v.consent_required, row.consent, "{n}: consent_required");
        assert_eq!(v.lawyer_first, row.lawyer, "{n}: lawyer_first");
        assert_eq!(
            v.indirect_suggested, row.indirect_suggested,
            "{n}: indirect_suggested"
        );
        assert_eq!(rules_of(&v.reasons), row.rules, "{n}: rules with reasons");
        assert_eq!(v.answered, row.answers.is_some(), "{n}: answered");
        for reason in &v.reasons {
            assert_plain_words(&reason.text, &format!("{n}: {:?}", reason.rule));
        }
    }
}

#[test]
fn review_is_required_exactly_when_an_r2_reason_is_given() {
    for row in rows() {
        let v = verdict(&build(&row));
        assert_eq!(
            v.review_required,
            v.reasons.iter().any(|r| r.rule == Rule::R2),
            "{}",
            row.name
        );
    }
}

#[test]
fn reasons_say_what_the_rule_means_in_words() {
    let text_for = |answers: SafetyAnswers, kind: PartyKind, rule: Rule| -> String {
        let mut r = record(kind);
        r.safety = answered(answers, at(1, 0));
        verdict(&r)
            .reasons
            .into_iter()
            .find(|x| x.rule == rule)
            .unwrap_or_else(|| panic!("no {rule:?} reason"))
            .text
            .to_lowercase()
    };
    let r4 = text_for(
        SafetyAnswers {
            court_order: true,
            ..a()
        },
        PartyKind::Person,
        Rule::R4,
    );
    assert!(
        r4.contains("court order") && r4.contains("no contact"),
        "{r4}"
    );
    assert!(
        r4.contains("not even a reply"),
        "R4 must cover replying: {r4}"
    );

    let r3 = text_for(
        SafetyAnswers {
            legal_risk: true,
            ..a()
        },
        PartyKind::Person,
        Rule::R3,
    );
    assert!(r3.contains("lawyer"), "{r3}");
    assert!(r3.contains("never advise you to confess"), "{r3}");
    assert!(r3.contains("record your own decision"), "{r3}");
    let r3_decided = text_for(
        SafetyAnswers {
            legal_risk: true,
            legal_decision: "I will repay through my lawyer".into(),
            ..a()
        },
        PartyKind::Person,
        Rule::R3,
    );
    assert!(
        r3_decided.contains("your decision is recorded"),
        "{r3_decided}"
    );

    let r8_dead = text_for(a(), PartyKind::Deceased, Rule::R8);
    assert!(
        r8_dead.contains("died") && r8_dead.contains("letter"),
        "{r8_dead}"
    );
    let r8_lost = text_for(a(), PartyKind::Unreachable, Rule::R8);
    assert!(r8_lost.contains("cannot be found"), "{r8_lost}");

    let r1_affair = text_for(
        SafetyAnswers {
            affair: true,
            ..a()
        },
        PartyKind::Person,
        Rule::R1,
    );
    assert!(r1_affair.contains("never name"), "{r1_affair}");
    assert!(r1_affair.contains("consent"), "{r1_affair}");

    let r6 = text_for(
        SafetyAnswers {
            harmed_me: true,
            ..a()
        },
        PartyKind::Person,
        Rule::R6,
    );
    assert!(r6.contains("no amends are owed"), "{r6}");

    let r7 = text_for(
        SafetyAnswers {
            my_safety: true,
            ..a()
        },
        PartyKind::Person,
        Rule::R7,
    );
    assert!(r7.contains("indirect"), "{r7}");
}

#[test]
fn r5_from_an_attempt_names_the_day_they_asked() {
    let mut r = person();
    r.attempts
        .push(attempt(1, Method::Phone, Outcome::NoContact, 3, at(3, 10)));
    let v = verdict(&r);
    let r5 = v.reasons.iter().find(|x| x.rule == Rule::R5).unwrap();
    assert!(r5.text.contains("4 May 2024"), "{}", r5.text);
    assert!(r5.text.contains("for good"), "{}", r5.text);
}

#[test]
fn guidance_for_children_families_groups_and_unanswered_questions() {
    let mut r = person();
    r.safety = answered(SafetyAnswers { child: true, ..a() }, at(1, 0));
    let g = verdict(&r).guidance.join(" ");
    assert!(
        g.contains("child") && g.contains("Living amends lead"),
        "{g}"
    );

    r.safety = answered(
        SafetyAnswers {
            family: true,
            ..a()
        },
        at(1, 0),
    );
    let g = verdict(&r).guidance.join(" ");
    assert!(g.contains("general admission"), "{g}");

    let mut grp = record(PartyKind::Group);
    grp.safety = answered(a(), at(1, 0));
    let g = verdict(&grp).guidance.join(" ");
    assert!(g.contains("anonymous"), "{g}");

    let unanswered = verdict(&person());
    assert!(!unanswered.answered);
    assert!(
        unanswered
            .guidance
            .iter()
            .any(|g| g.contains("safety questions have not been answered")),
        "{:?}",
        unanswered.guidance
    );
    let mut r = person();
    r.safety = answered(a(), at(1, 0));
    assert!(verdict(&r).guidance.is_empty());
}

// ---------------------------------------------------------------------------------------------
// check_plan
// ---------------------------------------------------------------------------------------------

fn refused(result: Result<Vec<String>, CoreError>) -> Refusal {
    match result {
        Ok(w) => panic!("expected a refusal, the plan was accepted with warnings {w:?}"),
        Err(CoreError::Refused(r)) => r,
        Err(CoreError::Invalid(i)) => panic!("expected a refusal, got invalid input: {i}"),
    }
}

#[test]
fn check_plan_follows_the_verdict_for_every_method() {
    // (situation, record, rule that refuses a contact method)
    let mut court = person();
    court.safety = answered(
        SafetyAnswers {
            court_order: true,
            ..a()
        },
        at(1, 0),
    );
    let mut asked = person();
    asked.safety = answered(
        SafetyAnswers {
            asked_no_contact: true,
            ..a()
        },
        at(1, 0),
    );
    let mut told_in_attempt = person();
    told_in_attempt.safety = answered(a(), at(1, 0));
    told_in_attempt
        .attempts
        .push(attempt(1, Method::Letter, Outcome::NoContact, 2, at(2, 0)));
    // Harm first would answer before R8 for a party with nothing named: name one.
    let mut dead = record(PartyKind::Deceased);
    dead.harms.push(harm(100, at(0, 0)));
    dead.safety = answered(a(), at(1, 0));
    let mut open = person();
    open.safety = answered(a(), at(1, 0));

    let cases = [
        ("court order", court, Some(Rule::R4)),
        ("asked no contact", asked, Some(Rule::R5)),
        (
            "no contact asked in an attempt",
            told_in_attempt,
            Some(Rule::R5),
        ),
        ("deceased", dead, Some(Rule::R8)),
        ("nothing flagged", open, None),
    ];
    for (name, r, rule) in cases {
        for m in Method::ALL {
            let p = plan(*m, "I came to say I was wrong to take the car.", at(3, 0));
            let result = check_plan(&r, &p);
            match rule {
                Some(rule) if m.is_contact() => {
                    let refusal = refused(result);
                    assert_eq!(refusal.rule, Some(rule), "{name}: {m}");
                    let how = match m {
                        Method::FaceToFace => "face to face",
                        Method::Phone => "phone",
                        Method::Video => "video",
                        Method::Letter => "letter",
                        _ => "restitution",
                    };
                    assert!(
                        refusal.reason.contains(how),
                        "{name}: the refusal names the method: {}",
                        refusal.reason
                    );
                    assert_plain_words(&refusal.reason, name);
                    assert!(
                        refusal.next.contains("living")
                            && refusal.next.contains("indirect")
                            && refusal.next.contains("unsent-letter"),
                        "{name}: the refusal says what is open instead: {}",
                        refusal.next
                    );
                    assert!(!refusal.next.contains("face-to-face"), "{}", refusal.next);
                }
                _ => {
                    let warnings = result.unwrap_or_else(|e| panic!("{name}: {m}: {e}"));
                    assert!(warnings.is_empty(), "{name}: {m}: {warnings:?}");
                }
            }
        }
    }
}

#[test]
fn court_order_refuses_a_face_to_face_plan_with_r4() {
    let mut r = person();
    r.safety = answered(
        SafetyAnswers {
            court_order: true,
            ..a()
        },
        at(1, 0),
    );
    let refusal = refused(check_plan(
        &r,
        &plan(Method::FaceToFace, "I am sorry.", at(2, 0)),
    ));
    assert_eq!(refusal.rule, Some(Rule::R4));
    assert!(refusal.reason.contains("court order"), "{}", refusal.reason);
    let shown = refusal.to_string();
    assert!(shown.contains("(R4)"), "{shown}");
    // Not through anyone else either: a letter is contact too.
    let refusal = refused(check_plan(&r, &plan(Method::Letter, "Dear Pat", at(2, 0))));
    assert_eq!(refusal.rule, Some(Rule::R4));
    // The ways that remain open are accepted.
    for m in NON_CONTACT {
        assert!(
            check_plan(&r, &plan(m, "Dear Pat", at(2, 0))).is_ok(),
            "{m}"
        );
    }
}

#[test]
fn affair_script_naming_a_recorded_third_party_is_refused_with_r1() {
    let mut r = person();
    r.safety = answered(
        SafetyAnswers {
            affair: true,
            ..a()
        },
        at(1, 0),
    );
    r.harms
        .push(harm_with_third_party(1, at(1, 1), "Sam Jones"));
    for script in [
        "I am sorry for what happened with Sam Jones.",
        "I am sorry for what happened with sam jones.",
        "SAM JONES and I lied to you.",
        "It was me and Sam Jones, at the hotel",
    ] {
        let refusal = refused(check_plan(&r, &plan(Method::FaceToFace, script, at(2, 0))));
        assert_eq!(refusal.rule, Some(Rule::R1), "{script}");
        assert!(
            refusal.reason.contains("names someone"),
            "{}",
            refusal.reason
        );
        // The refusal must not repeat the name back.
        assert!(!refusal.to_string().contains("Sam"), "{refusal}");
    }
    // A script about my part only is fine, and so is a name that merely contains theirs.
    for script in [
        "I lied to you for a year. That was wrong.",
        "I am sorry. Samantha was never the point.",
    ] {
        assert_eq!(
            check_plan(&r, &plan(Method::FaceToFace, script, at(2, 0))),
            Ok(vec![]),
            "{script}"
        );
    }
}

#[test]
fn naming_a_third_party_without_an_affair_only_warns() {
    let mut r = person();
    r.safety = answered(
        SafetyAnswers {
            third_parties: true,
            ..a()
        },
        at(1, 0),
    );
    r.harms.push(harm_with_third_party(1, at(1, 1), "Alex"));
    let warnings = check_plan(
        &r,
        &plan(Method::Letter, "Alex and I took the money.", at(2, 0)),
    )
    .expect("a warning, not a refusal");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("R1"), "{warnings:?}");
    assert!(!warnings[0].contains("Alex"), "names stay out of warnings");
}

#[test]
fn a_set_aside_harm_does_not_count_its_third_parties() {
    let mut r = person();
    r.safety = answered(
        SafetyAnswers {
            affair: true,
            ..a()
        },
        at(1, 0),
    );
    let mut h = harm_with_third_party(1, at(1, 1), "Sam");
    h.asides
        .push(aside(1, AsideReason::NoRealHarm, "", at(1, 2)));
    r.harms.push(h);
    assert_eq!(
        check_plan(&r, &plan(Method::FaceToFace, "About Sam.", at(2, 0))),
        Ok(vec![])
    );
    // Restored, the name counts again.
    r.harms.iter_mut().find(|h| h.id == 1).unwrap().asides[0].restored_at = Some(at(1, 3));
    let refusal = refused(check_plan(
        &r,
        &plan(Method::FaceToFace, "About Sam.", at(2, 0)),
    ));
    assert_eq!(refusal.rule, Some(Rule::R1));
}

#[test]
fn a_plan_before_the_safety_questions_is_refused_if_it_reaches_them_and_warned_otherwise() {
    let r = person();
    for m in Method::ALL {
        let result = check_plan(&r, &plan(*m, "Hello", at(1, 0)));
        if m.is_contact() {
            // Safety first: a refusal without a rule, pointing at the questions.
            let refusal = refused(result);
            assert_eq!(refusal.rule, None, "{m}");
            assert!(
                refusal.reason.contains("safety questions"),
                "{m}: {}",
                refusal.reason
            );
            assert!(refusal.next.contains("--none"), "{m}: {}", refusal.next);
            assert_plain_words(&refusal.reason, "safety first");
        } else {
            let warnings = result.unwrap_or_else(|e| panic!("{m}: {e}"));
            assert_eq!(warnings.len(), 1, "{m}: {warnings:?}");
            assert!(
                warnings[0].contains("safety questions"),
                "{m}: {warnings:?}"
            );
        }
    }
    // Answered, the same face-to-face plan is accepted without a warning.
    let mut r = r;
    r.safety = answered(a(), at(1, 1));
    assert_eq!(
        check_plan(&r, &plan(Method::FaceToFace, "Hello", at(1, 2))),
        Ok(vec![])
    );
}

#[test]
fn nothing_is_planned_attempted_consented_or_deferred_for_a_set_aside_party() {
    let mut r = person();
    r.safety = answered(
        SafetyAnswers {
            third_parties: true,
            ..a()
        },
        at(1, 0),
    );
    r.asides
        .push(aside(1, AsideReason::IWasHarmed, "", at(1, 1)));
    let p = refused(check_plan(&r, &plan(Method::Letter, "Dear Pat", at(2, 0))));
    assert_eq!(p.rule, None);
    assert!(p.reason.contains("set aside") && p.reason.contains("I was the one harmed"));
    assert!(p.next.contains("Restore"));

    let attempt_err = check_attempt(
        &r,
        &NewAttempt {
            words: &[],
            on: on(2),
            method: Method::Indirect,
            channel: None,
            outcome: Outcome::Done,
        },
        on(2),
    )
    .unwrap_err();
    assert!(matches!(attempt_err, CoreError::Refused(ref x) if x.reason.contains("set aside")));
    assert!(check_consent(&r).unwrap_err().reason.contains("set aside"));
    let d = check_deferral(&r, "Not yet", on(10), on(2)).unwrap_err();
    assert!(matches!(d, CoreError::Refused(ref x) if x.reason.contains("set aside")));

    // Restored: all of it is open again.
    r.asides[0].restored_at = Some(at(1, 2));
    assert!(check_plan(&r, &plan(Method::Letter, "Dear Pat", at(2, 0))).is_ok());
    assert!(check_consent(&r).is_ok());
    assert!(check_deferral(&r, "Not yet", on(10), on(2)).is_ok());
}

// ---------------------------------------------------------------------------------------------
// check_attempt
// ---------------------------------------------------------------------------------------------

fn try_attempt(
    r: &amends_core::model::PartyRecord,
    method: Method,
    outcome: Outcome,
    day: i64,
    today: i64,
) -> Result<(), CoreError> {
    check_attempt(
        r,
        &NewAttempt {
            words: &[],
            on: on(day),
            method,
            channel: None,
            outcome,
        },
        on(today),
    )
}

fn refusal_rule(e: Result<(), CoreError>) -> Option<Rule> {
    match e {
        Err(CoreError::Refused(r)) => {
            assert_plain_words(&r.reason, "attempt refusal");
            r.rule
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn invalid_field(e: Result<(), CoreError>) -> &'static str {
    match e {
        Err(CoreError::Invalid(i)) => {
            assert_plain_words(&i.message, i.field);
            i.field
        }
        other => panic!("expected an invalid field, got {other:?}"),
    }
}

#[test]
fn an_attempt_in_the_future_is_refused_and_today_is_fine() {
    let mut r = person();
    r.safety = answered(a(), at(1, 0));
    assert_eq!(
        invalid_field(try_attempt(&r, Method::FaceToFace, Outcome::Warm, 6, 5)),
        "date"
    );
    assert_eq!(
        try_attempt(&r, Method::FaceToFace, Outcome::Warm, 5, 5),
        Ok(())
    );
    assert_eq!(
        try_attempt(&r, Method::FaceToFace, Outcome::Warm, 1, 5),
        Ok(())
    );
}

#[test]
fn the_outcome_must_fit_the_method() {
    let mut r = person();
    r.safety = answered(a(), at(1, 0));
    for m in Method::ALL {
        for o in Outcome::ALL {
            let no_reply = matches!(m, Method::UnsentLetter | Method::Indirect | Method::Living);
            let ok = if no_reply {
                *o == Outcome::Done
            } else if *o == Outcome::Done {
                *m == Method::Restitution
            } else {
                true
            };
            let result = try_attempt(&r, *m, *o, 2, 2);
            if ok {
                assert_eq!(result, Ok(()), "{m} / {o}");
            } else {
                assert_eq!(invalid_field(result), "outcome", "{m} / {o}");
            }
        }
    }
}

#[test]
fn an_unsent_letter_with_a_reply_is_refused() {
    let r = record(PartyKind::Deceased);
    for o in [Outcome::Warm, Outcome::NoAnswer, Outcome::Refused] {
        let e = try_attempt(&r, Method::UnsentLetter, o, 2, 2);
        match e {
            Err(CoreError::Invalid(i)) => {
                assert_eq!(i.field, "outcome");
                assert!(i.message.contains("\"done\""), "{}", i.message);
            }
            other => panic!("{o}: {other:?}"),
        }
    }
    assert_eq!(
        try_attempt(&r, Method::UnsentLetter, Outcome::Done, 2, 2),
        Ok(())
    );
}

#[test]
fn attempts_follow_the_verdict_r4_r5_r8() {
    let approved = |mut r: amends_core::model::PartyRecord| {
        r.consultations
            .push(consult(1, Adviser::Sponsor, Some(true), at(1, 5), 1));
        r
    };
    let mut court = person();
    court.safety = answered(
        SafetyAnswers {
            court_order: true,
            ..a()
        },
        at(1, 0),
    );
    let court = approved(court);
    let mut asked = person();
    asked.safety = answered(
        SafetyAnswers {
            asked_no_contact: true,
            ..a()
        },
        at(1, 0),
    );
    // Harm first would answer before R8 for a party with nothing named: name one.
    let mut lost = record(PartyKind::Unreachable);
    lost.harms.push(harm(100, at(0, 0)));

    for (name, r, rule) in [
        ("court", court, Rule::R4),
        ("asked", asked, Rule::R5),
        ("lost", lost, Rule::R8),
    ] {
        for m in Method::ALL {
            if m.is_contact() {
                let outcome = if *m == Method::Restitution {
                    Outcome::Done
                } else {
                    Outcome::Warm
                };
                assert_eq!(
                    refusal_rule(try_attempt(&r, *m, outcome, 2, 2)),
                    Some(rule),
                    "{name}: {m}"
                );
            } else {
                assert_eq!(
                    try_attempt(&r, *m, Outcome::Done, 2, 2),
                    Ok(()),
                    "{name}: {m}"
                );
            }
        }
    }
}

#[test]
fn after_they_ask_for_no_contact_no_direct_attempt_is_accepted_again() {
    let mut r = person();
    r.safety = answered(a(), at(1, 0));
    assert_eq!(
        try_attempt(&r, Method::Phone, Outcome::NoContact, 2, 2),
        Ok(())
    );
    r.attempts
        .push(attempt(1, Method::Phone, Outcome::NoContact, 2, at(2, 0)));
    // Later the answers are given again and say nobody asked for no contact.
    let (settled, notes) = settle_answers(&r, a());
    assert!(settled.asked_no_contact);
    assert_eq!(notes.len(), 1);
    r.safety = answered(a(), at(5, 0));
    assert_eq!(verdict(&r).contact, Contact::IndirectOnly);
    assert_eq!(
        refusal_rule(try_attempt(&r, Method::FaceToFace, Outcome::Warm, 6, 6)),
        Some(Rule::R5)
    );
    assert_eq!(
        refusal_rule(try_attempt(&r, Method::Letter, Outcome::NoAnswer, 6, 6)),
        Some(Rule::R5)
    );
    assert_eq!(
        try_attempt(&r, Method::Indirect, Outcome::Done, 6, 6),
        Ok(())
    );
}

#[test]
fn consent_missing_refuses_an_attempt_with_r1() {
    let base = || {
        let mut r = person();
        r.safety = answered(
            SafetyAnswers {
                third_parties: true,
                ..a()
            },
            at(1, 0),
        );
        r.harms.push(harm_with_third_party(1, at(1, 1), "Alex"));
        r.consultations
            .push(consult(1, Adviser::Sponsor, Some(true), at(1, 5), 1));
        r
    };
    // (situation, consents as (who, given, hour), expected rule or Ok)
    type Consents = Vec<(&'static str, bool, i64)>;
    let table: Vec<(&str, Consents, Option<Rule>)> = vec![
        ("no consent at all", vec![], Some(Rule::R1)),
        ("Alex said no", vec![("Alex", false, 2)], Some(Rule::R1)),
        (
            "someone else said yes",
            vec![("Jordan", true, 2)],
            Some(Rule::R1),
        ),
        (
            "Alex said yes, then took it back",
            vec![("Alex", true, 2), ("Alex", false, 3)],
            Some(Rule::R1),
        ),
        ("Alex said yes", vec![("Alex", true, 2)], None),
        (
            "Alex said no, then yes",
            vec![("Alex", false, 2), ("Alex", true, 3)],
            None,
        ),
        (
            "case and spaces do not matter",
            vec![(" alex ", true, 2)],
            None,
        ),
    ];
    for (name, consents, expected) in table {
        let mut r = base();
        for (i, (who, given, hour)) in consents.iter().enumerate() {
            r.consents
                .push(consent(i as i64 + 1, who, *given, at(1, *hour), 1));
        }
        let result = try_attempt(&r, Method::FaceToFace, Outcome::Warm, 2, 2);
        match expected {
            Some(rule) => {
                let Err(CoreError::Refused(refusal)) = result else {
                    panic!("{name}: expected a refusal, got {result:?}");
                };
                assert_eq!(refusal.rule, Some(rule), "{name}");
                // Names never go into a refusal (it goes to standard error); the way to see
                // who is still to be asked is named instead.
                assert!(!refusal.to_string().contains("Alex"), "{name}: {}", refusal);
                assert!(refusal.next.contains("amends show"), "{name}: {refusal}");
                assert!(refusal.next.contains("consent"), "{name}");
            }
            None => assert_eq!(result, Ok(()), "{name}"),
        }
        // Ways that do not reach anyone need no consent.
        assert_eq!(
            try_attempt(&r, Method::Indirect, Outcome::Done, 2, 2),
            Ok(()),
            "{name}: indirect"
        );
    }
}

#[test]
fn consent_with_no_names_recorded_needs_everyone_who_answered_to_say_yes() {
    let mut r = person();
    r.safety = answered(
        SafetyAnswers {
            affair: true,
            ..a()
        },
        at(1, 0),
    );
    r.consultations
        .push(consult(1, Adviser::Sponsor, Some(true), at(1, 5), 1));
    let Err(CoreError::Refused(x)) = try_attempt(&r, Method::Letter, Outcome::Warm, 2, 2) else {
        panic!("no consent recorded must refuse");
    };
    assert_eq!(x.rule, Some(Rule::R1));
    assert!(x.reason.contains("consent is not recorded"), "{}", x.reason);

    r.consents.push(consent(1, "Kim", true, at(1, 6), 1));
    assert_eq!(try_attempt(&r, Method::Letter, Outcome::Warm, 2, 2), Ok(()));
    r.consents.push(consent(2, "Lee", false, at(1, 7), 1));
    assert_eq!(
        refusal_rule(try_attempt(&r, Method::Letter, Outcome::Warm, 2, 2)),
        Some(Rule::R1)
    );
}

#[test]
fn review_required_without_an_approving_consultation_refuses_with_r2() {
    let flagged = [
        SafetyAnswers {
            harmed_me: true,
            ..a()
        },
        SafetyAnswers {
            my_safety: true,
            ..a()
        },
        SafetyAnswers {
            legal_risk: true,
            ..a()
        },
        SafetyAnswers {
            abused_them: true,
            ..a()
        },
    ];
    // (consultation as (adviser, approved), accepted?)
    type Consulted = Option<(Adviser, Option<bool>)>;
    let consultations: [(Consulted, bool); 8] = [
        (None, false),
        (Some((Adviser::Lawyer, Some(true))), false),
        (Some((Adviser::Sponsor, None)), false),
        (Some((Adviser::Sponsor, Some(false))), false),
        (Some((Adviser::Therapist, Some(false))), false),
        (Some((Adviser::Sponsor, Some(true))), true),
        (Some((Adviser::SpiritualAdviser, Some(true))), true),
        (Some((Adviser::Therapist, Some(true))), true),
    ];
    for answers in flagged {
        for (c, accepted) in consultations {
            let mut r = person();
            r.safety = answered(answers.clone(), at(1, 0));
            if let Some((with, approved)) = c {
                r.consultations
                    .push(consult(1, with, approved, at(1, 3), 1));
            }
            // Indirect, so that R4/R5 never get in the way.
            let result = try_attempt(&r, Method::Indirect, Outcome::Done, 2, 2);
            if accepted {
                assert_eq!(result, Ok(()), "{answers:?} {c:?}");
            } else {
                assert_eq!(refusal_rule(result), Some(Rule::R2), "{answers:?} {c:?}");
            }
        }
    }
}

#[test]
fn a_lawyers_approval_never_counts_as_review() {
    let mut r = person();
    r.safety = answered(
        SafetyAnswers {
            legal_risk: true,
            ..a()
        },
        at(1, 0),
    );
    r.plan = Some(plan(Method::Letter, "I took the money.", at(1, 1)));
    r.consultations
        .push(consult(1, Adviser::Lawyer, Some(true), at(1, 2), 1));
    let Err(CoreError::Refused(x)) = try_attempt(&r, Method::Letter, Outcome::Warm, 2, 2) else {
        panic!("a lawyer's approval is not R2 review");
    };
    assert_eq!(x.rule, Some(Rule::R2));
    assert!(x.next.contains("sponsor"), "{}", x.next);
    r.consultations
        .push(consult(2, Adviser::Sponsor, Some(true), at(1, 3), 1));
    assert_eq!(try_attempt(&r, Method::Letter, Outcome::Warm, 2, 2), Ok(()));
}

#[test]
fn an_approval_given_before_the_plan_changed_does_not_count_for_an_attempt() {
    let mut r = person();
    r.safety = answered(
        SafetyAnswers {
            harmed_me: true,
            ..a()
        },
        at(1, 0),
    );
    r.consultations
        .push(consult(1, Adviser::Sponsor, Some(true), at(1, 2), 1));
    // Without a plan, the approval stands.
    assert_eq!(try_attempt(&r, Method::Phone, Outcome::Cool, 2, 2), Ok(()));
    // The plan was written after the approval: it needs approving again.
    r.plan = Some(plan(Method::Phone, "I was wrong.", at(1, 4)));
    assert_eq!(
        refusal_rule(try_attempt(&r, Method::Phone, Outcome::Cool, 2, 2)),
        Some(Rule::R2)
    );
    r.consultations
        .push(consult(2, Adviser::Sponsor, Some(true), at(1, 5), 1));
    assert_eq!(try_attempt(&r, Method::Phone, Outcome::Cool, 2, 2), Ok(()));
}

#[test]
fn no_review_is_needed_when_nothing_is_flagged() {
    let mut r = person();
    r.safety = answered(a(), at(1, 0));
    assert_eq!(
        try_attempt(&r, Method::FaceToFace, Outcome::Warm, 2, 2),
        Ok(())
    );
}

// ---------------------------------------------------------------------------------------------
// check_consent, check_deferral, check_new_party, settle_answers
// ---------------------------------------------------------------------------------------------

#[test]
fn consent_is_only_recorded_where_r1_applies() {
    let cases = [
        (None, false),
        (Some(a()), false),
        (
            Some(SafetyAnswers {
                harmed_me: true,
                ..a()
            }),
            false,
        ),
        (
            Some(SafetyAnswers {
                affair: true,
                ..a()
            }),
            true,
        ),
        (
            Some(SafetyAnswers {
                third_parties: true,
                ..a()
            }),
            true,
        ),
    ];
    for (answers, ok) in cases {
        let mut r = person();
        r.safety = answers.clone().and_then(|x| answered(x, at(1, 0)));
        let result = check_consent(&r);
        if ok {
            assert_eq!(result, Ok(()), "{answers:?}");
        } else {
            let refusal = result.unwrap_err();
            assert_eq!(refusal.rule, Some(Rule::R1), "{answers:?}");
            assert_plain_words(&refusal.reason, "consent refusal");
            assert!(refusal.next.contains("someone else"), "{}", refusal.next);
        }
    }
}

#[test]
fn a_deferral_needs_a_reason_and_a_review_date_not_in_the_past() {
    let r = person();
    let today = 10;
    // (reason, review day, expected field or Ok)
    let table: [(&str, i64, Option<&str>); 9] = [
        ("", 20, Some("reason")),
        ("   \n\t", 20, Some("reason")),
        (
            "Waiting until I have six months sober",
            9,
            Some("review date"),
        ),
        (
            "Waiting until I have six months sober",
            -300,
            Some("review date"),
        ),
        ("Waiting until I have six months sober", 10, None),
        ("Waiting until I have six months sober", 11, None),
        // Not now is not never: at most a year ahead (day 10 + 365 is 2025-05-11).
        ("They are in hospital", 375, None),
        ("They are in hospital", 376, Some("review date")),
        ("They are in hospital", 400, Some("review date")),
    ];
    assert_eq!(latest_review(on(today)), on(375));
    for (reason, review, expected) in table {
        let result = check_deferral(&r, reason, on(review), on(today));
        match expected {
            None => assert_eq!(result, Ok(()), "{reason:?} {review}"),
            Some(field) => match result {
                Err(CoreError::Invalid(i)) => {
                    assert_eq!(i.field, field, "{reason:?} {review}");
                    assert!(i.message.contains("(R9)"), "{}", i.message);
                    assert_plain_words(&i.message, field);
                }
                other => panic!("{reason:?} {review}: {other:?}"),
            },
        }
    }
    // An empty reason is reported before a bad date.
    let Err(CoreError::Invalid(i)) = check_deferral(&r, "", on(1), on(today)) else {
        panic!("refused");
    };
    assert_eq!(i.field, "reason");
    // The past date is named in the message.
    let Err(CoreError::Invalid(i)) = check_deferral(&r, "Not yet", on(9), on(today)) else {
        panic!("refused");
    };
    assert!(i.message.contains("10 May 2024"), "{}", i.message);
}

#[test]
fn amends_to_self_need_the_setting() {
    let off = Settings::default();
    assert!(!off.amends_to_self, "off by default");
    let on_ = Settings {
        amends_to_self: true,
        ..Settings::default()
    };
    let refusal = check_new_party(&off, PartyKind::Myself).unwrap_err();
    assert_eq!(refusal.rule, None);
    assert!(refusal.reason.contains("settings"), "{}", refusal.reason);
    assert!(refusal.next.contains("sponsor"), "{}", refusal.next);
    assert_plain_words(&refusal.reason, "self refusal");
    assert_eq!(check_new_party(&on_, PartyKind::Myself), Ok(()));
    for k in PartyKind::ALL.iter().filter(|k| **k != PartyKind::Myself) {
        assert_eq!(check_new_party(&off, *k), Ok(()), "{k}");
        assert_eq!(check_new_party(&on_, *k), Ok(()), "{k}");
    }
}

#[test]
fn settle_answers_keeps_an_earlier_request_for_no_contact() {
    let given = SafetyAnswers {
        legal_risk: true,
        child: true,
        legal_decision: "Paying it back quietly".into(),
        ..a()
    };
    // No such attempt: answers pass through untouched.
    let mut r = person();
    r.attempts
        .push(attempt(1, Method::Phone, Outcome::Cool, 2, at(2, 0)));
    let (out, notes) = settle_answers(&r, given.clone());
    assert_eq!(out, given);
    assert!(notes.is_empty());

    // An attempt where they asked for no further contact: the answer is kept, with a note.
    r.attempts
        .push(attempt(2, Method::Phone, Outcome::NoContact, 3, at(3, 0)));
    let (out, notes) = settle_answers(&r, given.clone());
    assert!(out.asked_no_contact);
    assert_eq!(
        out,
        SafetyAnswers {
            asked_no_contact: true,
            ..given.clone()
        },
        "only that answer changes"
    );
    assert_eq!(notes.len(), 1);
    assert!(notes[0].contains("R5"), "{}", notes[0]);
    assert_plain_words(&notes[0], "settle note");

    // Already answered yes: nothing to say.
    let (out, notes) = settle_answers(
        &r,
        SafetyAnswers {
            asked_no_contact: true,
            ..given
        },
    );
    assert!(out.asked_no_contact);
    assert!(notes.is_empty());

    // Stored as settled, the verdict is indirect only; stored unsettled, it is still so.
    r.safety = answered(out, at(4, 0));
    assert_eq!(verdict(&r).contact, Contact::IndirectOnly);
    r.safety = answered(a(), at(4, 0));
    assert_eq!(verdict(&r).contact, Contact::IndirectOnly);
    assert!(r.no_contact_asked());
}

#[test]
fn names_are_found_as_whole_words_only() {
    let table = [
        ("I am sorry about Sam.", "Sam", true),
        ("i am sorry about sam", "SAM", true),
        ("Sam's car", "Sam", true),
        ("Samantha's car", "Sam", false),
        ("Pam and Sam", "  Sam  ", true),
        ("Awesome", "some", false),
        ("Mary Ann came too", "Mary Ann", true),
        // A capitalised first name alone names the person.
        ("Mary Anne came too", "Mary Ann", true),
        ("Anne came too", "Mary Ann", false),
        ("Zoë was there", "zoë", true),
        ("Zoëlle was there", "Zoë", false),
        ("anything", "", false),
        ("anything", "   ", false),
        ("", "Sam", false),
        ("sam sam", "sam", true),
        ("samsam sam", "sam", true),
    ];
    for (text, name, found) in table {
        assert_eq!(names_in(text, name), found, "{name:?} in {text:?}");
    }
}

#[test]
fn under_review_the_attempt_must_be_the_approved_plan() {
    let mut r = person();
    r.harms.push(harm(1, at(1, 0)));
    r.safety = answered(
        SafetyAnswers {
            legal_risk: true,
            ..clear()
        },
        at(1, 1),
    );
    r.plan = Some(plan(Method::Restitution, "", at(2, 0)));
    r.consultations
        .push(consult(1, Adviser::Sponsor, Some(true), at(3, 0), 3));
    let a = |method| NewAttempt {
        words: &[],
        on: on(4),
        method,
        channel: None,
        outcome: Outcome::Warm,
    };
    // R3 first: neither a lawyer nor the person's own decision is on record.
    match check_attempt(&r, &a(Method::Restitution), on(4)) {
        Err(CoreError::Refused(refusal)) => assert_eq!(refusal.rule, Some(Rule::R3)),
        other => panic!("expected an R3 refusal, got {other:?}"),
    }
    // A lawyer consulted (who gives no view on the plan) settles R3; R2 still holds.
    r.consultations
        .push(consult(2, Adviser::Lawyer, None, at(3, 1), 3));
    assert!(check_attempt(&r, &a(Method::Restitution), on(4)).is_ok());
    match check_attempt(&r, &a(Method::FaceToFace), on(4)) {
        Err(CoreError::Refused(refusal)) => {
            assert_eq!(refusal.rule, Some(Rule::R2));
            assert!(refusal.reason.contains("restitution"), "{}", refusal.reason);
        }
        other => panic!("expected an R2 refusal, got {other:?}"),
    }
}

#[test]
fn nothing_to_defer_once_amends_are_made() {
    let mut r = person();
    r.harms.push(harm(1, at(1, 0)));
    r.attempts
        .push(attempt(1, Method::Phone, Outcome::Warm, 2, at(2, 0)));
    let err = check_deferral(&r, "not now", on(30), on(3)).unwrap_err();
    assert!(
        matches!(err, CoreError::Refused(ref x) if x.rule == Some(Rule::R9)),
        "{err:?}"
    );
    // A new harm reopens the party, and then it can be put off.
    r.harms.push(harm(2, at(3, 0)));
    assert!(check_deferral(&r, "not now", on(30), on(3)).is_ok());
}

// ---------------------------------------------------------------------------------------------
// Every way around (docs/practice.md, "Ways around, and how they are closed"): one row each,
// with the exact answer the gate gives.
// ---------------------------------------------------------------------------------------------

/// What a gate must answer.
#[derive(Debug)]
enum Expect {
    Accepted,
    /// A refusal under this rule (or none), with a reason and a next step.
    Refused(Option<Rule>),
    /// Invalid input in this field, with a message.
    Invalid(&'static str),
}

/// A person called `name` with one harm and these answers.
fn named_with(name: &str, answers: SafetyAnswers) -> amends_core::model::PartyRecord {
    let mut r = person();
    r.party.name = name.into();
    r.safety = answered(answers, at(1, 0));
    r
}

fn under_court_order(name: &str) -> amends_core::model::PartyRecord {
    named_with(
        name,
        SafetyAnswers {
            court_order: true,
            ..a()
        },
    )
}

fn plan_result(
    r: &amends_core::model::PartyRecord,
    method: Method,
    script: &str,
) -> Result<(), CoreError> {
    check_plan(r, &plan(method, script, at(2, 0))).map(|_| ())
}

fn attempt_words(
    r: &amends_core::model::PartyRecord,
    method: Method,
    outcome: Outcome,
) -> Result<(), CoreError> {
    check_attempt(
        r,
        &NewAttempt {
            on: on(2),
            method,
            channel: None,
            outcome,
            words: &[],
        },
        on(2),
    )
}

#[test]
fn every_way_around_is_closed() {
    use amends_core::model::Reach;
    use amends_core::rules::{CommitmentSort, check_checkin, check_commitment, check_payment};

    let promise_words = |r: &amends_core::model::PartyRecord, reach: Reach, text: &str| {
        check_commitment(r, CommitmentSort::Promise, reach, &[text])
    };
    let restitution_by = |r: &amends_core::model::PartyRecord, reach: Reach| {
        check_commitment(r, CommitmentSort::Restitution, reach, &[])
    };
    // A restitution paid through the court, recorded on day 2 under the order.
    let court_paid = {
        let mut c = restitution(1, dollars(100), &[], None, on(2), at(2, 0));
        c.reach = Reach::Court;
        c
    };
    let sam = under_court_order("Sam");
    let lee = named_with(
        "Lee",
        SafetyAnswers {
            asked_no_contact: true,
            ..a()
        },
    );
    let legal = |decision: &str| {
        let mut r = named_with(
            "Pat",
            SafetyAnswers {
                legal_risk: true,
                legal_decision: decision.into(),
                ..a()
            },
        );
        r.consultations
            .push(consult(1, Adviser::Sponsor, Some(true), at(1, 5), 1));
        r
    };
    let answered_bare = {
        let mut r = bare_person();
        r.safety = answered(a(), at(1, 0));
        r
    };
    let mut dead = record(PartyKind::Deceased);
    dead.harms.push(harm_owing(100, at(0, 0), dollars(300)));
    dead.safety = answered(a(), at(1, 0));
    assert_eq!(verdict(&dead).contact, Contact::NoOneToReach);
    let living_since_day_2 = living(2, amends_core::model::Cadence::Weekly, on(2), &[], at(2, 0));
    let restitution_from_day_5 = {
        let mut c = restitution(3, dollars(100), &[], None, on(5), at(5, 0));
        c.reach = Reach::Court;
        c
    };
    let open = named_with("Pat", a());

    let ways: Vec<(&str, Result<(), CoreError>, Expect)> = vec![
        (
            "a promise to visit them, to them, under a court order",
            promise_words(&sam, Reach::Them, "Visit Sam at her flat"),
            Expect::Refused(Some(Rule::R4)),
        ),
        (
            "the same promise recorded as kept without contact",
            promise_words(&sam, Reach::NoContact, "Visit Sam at her flat"),
            Expect::Refused(Some(Rule::R4)),
        ),
        (
            "a promise to text them, kept 'without contact', when they asked for none",
            promise_words(&lee, Reach::NoContact, "Text Lee next month"),
            Expect::Refused(Some(Rule::R5)),
        ),
        (
            "a promise to text them, to them, when they asked for none",
            promise_words(&lee, Reach::Them, "Text Lee next month"),
            Expect::Refused(Some(Rule::R5)),
        ),
        (
            "a restitution paid to them under a court order",
            restitution_by(&sam, Reach::Them),
            Expect::Refused(Some(Rule::R4)),
        ),
        (
            "a restitution paid through the court under a court order",
            restitution_by(&sam, Reach::Court),
            Expect::Accepted,
        ),
        (
            "a payment handed to them on a court-paid restitution",
            check_payment(&sam, &court_paid, on(3), Reach::Them, "", &now_on(3)),
            Expect::Refused(Some(Rule::R4)),
        ),
        (
            "a payment 'through the court' whose note says it was handed over at their door",
            check_payment(
                &sam,
                &court_paid,
                on(3),
                Reach::Court,
                "handed cash to Sam at her door",
                &now_on(3),
            ),
            Expect::Refused(Some(Rule::R4)),
        ),
        (
            "a payment through the court, as recorded",
            check_payment(
                &sam,
                &court_paid,
                on(3),
                Reach::Court,
                "Paid at the court office",
                &now_on(3),
            ),
            Expect::Accepted,
        ),
        (
            "an indirect plan that sends the apology through her sister",
            plan_result(
                &sam,
                Method::Indirect,
                "I will ask her sister Kate to tell Sam I am sorry",
            ),
            Expect::Refused(Some(Rule::R4)),
        ),
        (
            "the same, in Spanish",
            plan_result(
                &sam,
                Method::Indirect,
                "Le pediré a su hermana que le diga que lo siento",
            ),
            Expect::Refused(Some(Rule::R4)),
        ),
        (
            "an unsent letter addressed to them under a court order",
            plan_result(&sam, Method::UnsentLetter, "Dear Sam, I am sorry"),
            Expect::Accepted,
        ),
        (
            "a face-to-face attempt before the safety questions are answered",
            attempt_words(&person(), Method::FaceToFace, Outcome::Warm),
            Expect::Refused(None),
        ),
        (
            "a face-to-face attempt with no harm named",
            attempt_words(&answered_bare, Method::FaceToFace, Outcome::Warm),
            Expect::Invalid("harm"),
        ),
        (
            "living amends with no harm named (and no answers yet)",
            attempt_words(&bare_person(), Method::Living, Outcome::Done),
            Expect::Accepted,
        ),
        (
            "a deferral reviewed in 2999",
            check_deferral(&open, "Not now", jiff::civil::date(2999, 1, 1), on(10)),
            Expect::Invalid("review date"),
        ),
        (
            "a deferral reviewed exactly a year ahead",
            check_deferral(&open, "Not now", latest_review(on(10)), on(10)),
            Expect::Accepted,
        ),
        (
            "a payment dated before its restitution began",
            check_payment(
                &sam,
                &restitution_from_day_5,
                on(4),
                Reach::Court,
                "",
                &now_on(10),
            ),
            Expect::Invalid("date"),
        ),
        (
            "a check-in dated in the future",
            check_checkin(&open, &living_since_day_2, on(11), "Kept it", &now_on(10)),
            Expect::Invalid("date"),
        ),
        (
            "a face-to-face attempt with legal risk, approved, without a lawyer or a decision",
            attempt_words(&legal(""), Method::FaceToFace, Outcome::Warm),
            Expect::Refused(Some(Rule::R3)),
        ),
        (
            "the same with the person's own decision recorded",
            attempt_words(
                &legal("I will repay through my lawyer and make no statement"),
                Method::FaceToFace,
                Outcome::Warm,
            ),
            Expect::Accepted,
        ),
        (
            "a promise kept without contact under a court order",
            promise_words(
                &sam,
                Reach::NoContact,
                "Keep every term of the order and stay sober",
            ),
            Expect::Accepted,
        ),
        (
            "a restitution to the heirs of someone who has died (R8)",
            restitution_by(&dead, Reach::Heirs),
            Expect::Accepted,
        ),
    ];

    for (name, result, expect) in ways {
        match (&expect, &result) {
            (Expect::Accepted, Ok(())) => {}
            (Expect::Refused(rule), Err(CoreError::Refused(refusal))) => {
                assert_eq!(refusal.rule, *rule, "{name}: {refusal}");
                assert_plain_words(&refusal.reason, name);
                assert!(!refusal.next.trim().is_empty(), "{name}: no next step");
                // What they wrote is never repeated back, names included.
                for who in ["Sam", "Lee", "Kate"] {
                    assert!(!refusal.to_string().contains(who), "{name}: {refusal}");
                }
            }
            (Expect::Invalid(field), Err(CoreError::Invalid(invalid))) => {
                assert_eq!(invalid.field, *field, "{name}: {invalid}");
                assert!(!invalid.message.trim().is_empty(), "{name}");
            }
            _ => panic!("{name}: expected {expect:?}, got {result:?}"),
        }
    }
}

#[test]
fn a_promise_to_them_cannot_be_closed_as_kept_under_a_court_order_but_can_be_released() {
    use amends_core::model::{Closure, Reach};
    let mut r = person();
    r.safety = answered(
        SafetyAnswers {
            court_order: true,
            ..a()
        },
        at(3, 0),
    );
    let mut p = promise(1, "Return his drill", on(30), at(2, 0));
    p.reach = Reach::Them;
    let refusal = amends_core::rules::check_close(&r, &p, Closure::Kept).unwrap_err();
    assert_eq!(refusal.rule, Some(Rule::R4));
    assert!(refusal.next.contains("released"));
    assert!(amends_core::rules::check_close(&r, &p, Closure::Released).is_ok());
    // Kept without contact, it can be closed as kept.
    p.reach = Reach::NoContact;
    assert!(amends_core::rules::check_close(&r, &p, Closure::Kept).is_ok());
}

#[test]
fn an_unsent_letters_attempt_notes_are_read_for_contact_under_a_court_order() {
    let mut r = person();
    r.safety = answered(
        SafetyAnswers {
            court_order: true,
            ..a()
        },
        at(1, 0),
    );
    r.consultations
        .push(consult(1, Adviser::Sponsor, Some(true), at(2, 0), 2));
    let attempt = |notes: &'static [&'static str]| NewAttempt {
        on: on(3),
        method: Method::UnsentLetter,
        channel: None,
        outcome: Outcome::Done,
        words: notes,
    };
    assert!(check_attempt(&r, &attempt(&["I read it to my sponsor."]), on(3)).is_ok());
    match check_attempt(
        &r,
        &attempt(&["In the end I handed the letter to Pat at her door"]),
        on(3),
    ) {
        Err(CoreError::Refused(f)) => assert_eq!(f.rule, Some(Rule::R4)),
        other => panic!("expected R4, got {other:?}"),
    }
}
