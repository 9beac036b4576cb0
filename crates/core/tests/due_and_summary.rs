//! The lists across all parties: what is due (`due::due`) and the counts (`summary::summarise`).

use crate::common;

use amends_core::due::{
    DueKind, OPEN_CHECKINS_LISTED, WILLINGNESS_REVISIT_DAYS, due, due_in, open_checkins,
};
use amends_core::model::{
    AsideReason, Cadence, CheckIn, Closure, CommitmentKind, Method, Outcome, PartyRecord, Payment,
    Willingness,
};
use amends_core::stage::derive;
use amends_core::summary::summarise;
use amends_core::{Currency, Money, Stage};
use common::*;

fn named(id: i64, name: &str) -> PartyRecord {
    let mut r = person();
    r.party.id = id;
    r.party.name = name.into();
    r
}

fn pay(c: &mut amends_core::model::Commitment, day: i64, amount: Money) {
    let CommitmentKind::Restitution { payments, .. } = &mut c.kind else {
        panic!("not a restitution");
    };
    let id = payments.len() as i64 + 1;
    payments.push(Payment {
        via: None,
        recorded: None,
        id,
        on: on(day),
        amount,
        note: String::new(),
    });
}

fn check_in(c: &mut amends_core::model::Commitment, day: i64, kept: bool) {
    let CommitmentKind::Living { checkins, .. } = &mut c.kind else {
        panic!("not a living amends");
    };
    let id = checkins.len() as i64 + 1;
    checkins.push(CheckIn {
        recorded: None,
        id,
        on: on(day),
        kept,
        note: String::new(),
    });
}

// ---------------------------------------------------------------------------------------------
// due
// ---------------------------------------------------------------------------------------------

#[test]
fn a_dated_plan_is_due_until_an_attempt_is_recorded_after_it() {
    let mut r = named(1, "Pat");
    let mut p = plan(Method::Letter, "Dear Pat", at(1, 0));
    p.on = Some(on(7));
    r.plan = Some(p);
    let items = due(std::slice::from_ref(&r), &now_on(3));
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0].kind, DueKind::Plan);
    assert_eq!(items[0].on, on(7));
    assert!(!items[0].overdue);
    assert!(items[0].what.contains("a letter"));
    assert!(due(std::slice::from_ref(&r), &now_on(8))[0].overdue);

    r.attempts
        .push(attempt(1, Method::Letter, Outcome::NoAnswer, 7, at(7, 0)));
    assert!(due(std::slice::from_ref(&r), &now_on(8)).is_empty());
    // A plan made again after the attempt is due again.
    let mut p = plan(Method::Phone, "Hello", at(8, 0));
    p.on = Some(on(9));
    r.plan = Some(p);
    assert_eq!(due(std::slice::from_ref(&r), &now_on(8))[0].on, on(9));
}

#[test]
fn a_deferral_review_is_due_and_shown_overdue_after_its_date() {
    let mut r = named(1, "Pat");
    r.deferrals.push(deferral(1, "Not yet", 10, at(1, 0)));
    let items = due(std::slice::from_ref(&r), &now_on(10));
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].kind, DueKind::Review);
    assert!(!items[0].overdue, "due today is not overdue");
    assert!(due(std::slice::from_ref(&r), &now_on(11))[0].overdue);
    r.deferrals[0].ended = Some(at(2, 0));
    assert!(due(std::slice::from_ref(&r), &now_on(11)).is_empty());
}

#[test]
fn willingness_other_than_now_is_asked_again_after_thirty_days() {
    let mut r = named(1, "Pat");
    r.willingness.push(willing(1, Willingness::Never, at(2, 0)));
    let items = due(std::slice::from_ref(&r), &now_on(3));
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].kind, DueKind::Willingness);
    assert_eq!(items[0].on, on(2 + WILLINGNESS_REVISIT_DAYS));
    assert!(items[0].what.contains("\"never\""), "{}", items[0].what);
    // Willing now: nothing to ask.
    r.willingness.push(willing(2, Willingness::Now, at(5, 0)));
    assert!(due(std::slice::from_ref(&r), &now_on(6)).is_empty());
}

#[test]
fn restitution_payments_follow_the_schedule_and_the_last_one_is_the_balance() {
    let mut r = named(1, "Acme Ltd");
    let mut c = restitution(
        1,
        dollars(100),
        &[],
        Some(Cadence::Weekly),
        on(10),
        at(1, 0),
    );
    if let CommitmentKind::Restitution { instalment, .. } = &mut c.kind {
        *instalment = Some(dollars(40));
    }
    r.commitments.push(c);
    let first = &due(std::slice::from_ref(&r), &now_on(5))[0];
    assert_eq!(first.kind, DueKind::Payment);
    assert_eq!(first.on, on(10));
    assert_eq!(first.amount, Some(dollars(40)));
    assert_eq!(first.commitment_id, Some(1));
    assert!(first.what.contains("balance 100.00 USD"), "{}", first.what);

    pay(&mut r.commitments[0], 10, dollars(40));
    pay(&mut r.commitments[0], 17, dollars(40));
    let third = &due(std::slice::from_ref(&r), &now_on(18))[0];
    assert_eq!(third.on, on(24));
    assert_eq!(third.amount, Some(dollars(20)), "only what is left");

    pay(&mut r.commitments[0], 24, dollars(20));
    assert!(
        due(std::slice::from_ref(&r), &now_on(25)).is_empty(),
        "paid off"
    );
}

#[test]
fn a_single_repayment_is_due_on_its_date() {
    let mut r = named(1, "Acme Ltd");
    r.commitments
        .push(restitution(1, dollars(50), &[], None, on(4), at(1, 0)));
    let items = due(std::slice::from_ref(&r), &now_on(6));
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].on, on(4));
    assert!(items[0].overdue);
    assert_eq!(items[0].amount, Some(dollars(50)));
}

#[test]
fn living_check_ins_are_due_period_by_period_from_the_start() {
    let mut r = named(1, "Sam");
    r.commitments
        .push(living(1, Cadence::Fortnightly, on(3), &[], at(1, 0)));
    assert_eq!(due(std::slice::from_ref(&r), &now_on(1))[0].on, on(3));
    check_in(&mut r.commitments[0], 5, true);
    let items = due(std::slice::from_ref(&r), &now_on(6));
    assert_eq!(items.len(), 1, "{items:?}");
    let item = &items[0];
    assert_eq!(item.kind, DueKind::CheckIn);
    // The check-in on day 5 answers the fortnight from day 3; the next runs from day 17.
    assert_eq!(item.on, on(17));
    assert_eq!(item.period, Some(on(17)));
    assert!(!item.overdue);
    r.commitments[0].closed = Some((Closure::Ended, on(7)));
    assert!(due(std::slice::from_ref(&r), &now_on(8)).is_empty());
}

#[test]
fn each_missed_weekly_check_in_is_its_own_item_and_one_answer_clears_one() {
    let mut r = named(1, "Sam");
    r.commitments
        .push(living(1, Cadence::Weekly, on(0), &[], at(0, 0)));
    // Day 15: the weeks from day 0, 7 and 14 have begun and none is answered.
    let now = now_on(15);
    let items = due(std::slice::from_ref(&r), &now);
    let days: Vec<_> = items.iter().map(|i| i.on).collect();
    assert_eq!(days, vec![on(0), on(7), on(14)], "{items:?}");
    assert!(
        items
            .iter()
            .all(|i| i.overdue && i.kind == DueKind::CheckIn)
    );
    assert!(
        items[1].what.contains("the week from")
            && items[1].what.contains(&amends_core::dates::words(on(7))),
        "the period's date in words: {}",
        items[1].what
    );

    // Kept it up today answers this week only; the two missed weeks stay, each on its own,
    // and the next week is coming.
    check_in(&mut r.commitments[0], 15, true);
    let left: Vec<_> = due(std::slice::from_ref(&r), &now)
        .iter()
        .map(|i| i.on)
        .collect();
    assert_eq!(left, vec![on(0), on(7), on(21)]);
    assert_eq!(
        open_checkins(&r.commitments[0], now.today),
        vec![on(0), on(7)]
    );

    // The oldest answered on its own date (not kept, with a note elsewhere), then the other.
    check_in(&mut r.commitments[0], 0, false);
    let left: Vec<_> = due(std::slice::from_ref(&r), &now)
        .iter()
        .map(|i| i.on)
        .collect();
    assert_eq!(left, vec![on(7), on(21)]);
    check_in(&mut r.commitments[0], 7, true);
    let left = due(std::slice::from_ref(&r), &now);
    assert_eq!(left.len(), 1, "only the next week: {left:?}");
    assert_eq!(left[0].on, on(21));
    assert!(!left[0].overdue);
}

#[test]
fn a_long_missed_daily_living_amends_lists_only_the_latest_periods() {
    let mut r = named(1, "Sam");
    r.commitments
        .push(living(1, Cadence::Daily, on(0), &[], at(0, 0)));
    let items = due(std::slice::from_ref(&r), &now_on(100));
    assert_eq!(items.len(), OPEN_CHECKINS_LISTED);
    assert_eq!(items.last().unwrap().on, on(100));
    assert!(!items.last().unwrap().overdue, "today's is due, not late");
}

#[test]
fn amounts_due_are_shown_in_the_language_convention() {
    let mut r = named(1, "Acme Ltd");
    let eur = Currency::parse("EUR").unwrap();
    r.commitments.push(restitution(
        1,
        Money::new(125_050, eur),
        &[],
        None,
        on(4),
        at(1, 0),
    ));
    let es = due_in(
        std::slice::from_ref(&r),
        &now_on(6),
        amends_core::model::Language::Es,
    );
    assert!(es[0].what.contains("1.250,50 EUR"), "{}", es[0].what);
    let en = due(std::slice::from_ref(&r), &now_on(6));
    assert!(en[0].what.contains("1,250.50 EUR"), "{}", en[0].what);
}

#[test]
fn set_aside_parties_have_nothing_due_and_the_list_is_soonest_first() {
    let mut a = named(1, "Alpha");
    a.commitments
        .push(promise(1, "Return the ladder", on(20), at(1, 0)));
    let mut b = named(2, "Bravo");
    b.deferrals.push(deferral(1, "Not yet", 5, at(1, 0)));
    let mut c = named(3, "Charlie");
    c.commitments
        .push(promise(2, "Fix the fence", on(2), at(1, 0)));
    c.asides
        .push(aside(1, AsideReason::NoRealHarm, "", at(1, 1)));
    let mut d = named(4, "Delta");
    d.commitments
        .push(promise(3, "Pay for the window", on(5), at(1, 0)));
    let items = due(&[a, b, c, d], &now_on(3));
    let order: Vec<(&str, DueKind)> = items.iter().map(|i| (i.party.as_str(), i.kind)).collect();
    assert_eq!(
        order,
        vec![
            ("Bravo", DueKind::Review),
            ("Delta", DueKind::Promise),
            ("Alpha", DueKind::Promise),
        ]
    );
}

#[test]
fn monthly_payments_starting_on_the_31st_stay_on_the_last_day_of_the_month() {
    // Repay 300 in three monthly instalments starting 31 January.
    let mut r = named(1, "Landlord");
    let mut c = restitution(
        1,
        dollars(300),
        &[],
        Some(Cadence::Monthly),
        jiff::civil::date(2024, 1, 31),
        at(0, 0),
    );
    if let CommitmentKind::Restitution { instalment, .. } = &mut c.kind {
        *instalment = Some(dollars(100));
    }
    r.commitments.push(c);
    pay(&mut r.commitments[0], 0, dollars(100));
    pay(&mut r.commitments[0], 0, dollars(100));
    let item = &due(std::slice::from_ref(&r), &now_on(0))[0];
    // 31 Jan + 2 months is 31 March; the code gives 29 March (31 Jan -> 29 Feb -> 29 Mar).
    assert_eq!(item.on, jiff::civil::date(2024, 3, 31));
}

// ---------------------------------------------------------------------------------------------
// summarise
// ---------------------------------------------------------------------------------------------

#[test]
fn summary_counts_every_party_once_and_leaves_set_aside_out_of_willingness() {
    let mut listed = named(1, "A");
    listed.harms.push(harm(1, at(1, 0)));
    listed.harms.push(harm(2, at(1, 0)));
    let mut willing_ = named(2, "B");
    willing_
        .willingness
        .push(willing(1, Willingness::Now, at(1, 0)));
    let mut never = named(3, "C");
    never
        .willingness
        .push(willing(1, Willingness::Never, at(1, 0)));
    let mut aside_ = named(4, "D");
    aside_
        .willingness
        .push(willing(1, Willingness::Now, at(1, 0)));
    // Every harm of D is set aside: the one every test person has, and one more.
    aside_.harms[0]
        .asides
        .push(aside(2, AsideReason::NoRealHarm, "", at(1, 1)));
    let mut h = harm(3, at(1, 0));
    h.asides
        .push(aside(1, AsideReason::NoRealHarm, "", at(1, 1)));
    aside_.harms.push(h);
    aside_
        .asides
        .push(aside(1, AsideReason::IWasHarmed, "", at(1, 1)));
    let mut owing = named(5, "E");
    owing
        .willingness
        .push(willing(1, Willingness::Now, at(1, 0)));
    owing.safety = answered(clear(), at(1, 0));
    owing.attempts.push(attempt(
        1,
        Method::FaceToFace,
        Outcome::WithRequest,
        2,
        at(2, 0),
    ));
    let mut c = restitution(1, dollars(100), &[dollars(30)], None, on(2), at(2, 1));
    c.id = 1;
    owing.commitments.push(c);
    let gbp = Currency::parse("gbp").unwrap();
    owing.commitments.push(restitution(
        2,
        Money::new(5000, gbp),
        &[],
        None,
        on(2),
        at(2, 1),
    ));
    owing.commitments.push(living(
        3,
        Cadence::Weekly,
        on(2),
        &[true, true, false],
        at(2, 1),
    ));
    // A closed restitution is not outstanding.
    owing.commitments.push(closed(
        restitution(4, dollars(999), &[], None, on(2), at(2, 1)),
        Closure::Released,
        3,
    ));

    let records = vec![listed, willing_, never, aside_, owing];
    let now = now_on(5);
    let (stages, s) = summarise(&records, &now);
    assert_eq!(stages.len(), 5);
    for (r, st) in records.iter().zip(&stages) {
        assert_eq!(
            *st,
            derive(r, &now),
            "summary stages are the derived stages"
        );
    }
    assert_eq!(s.parties, 5);
    // A, B, C and E each have the harm every test person has, and A two more; D's are set aside.
    assert_eq!(s.harms, 4 + 2, "a set-aside harm is not counted");
    let count = |stage: Stage| s.by_stage.iter().find(|(x, _)| *x == stage).unwrap().1;
    assert_eq!(
        s.by_stage.len(),
        Stage::ALL.len(),
        "every stage, zero included"
    );
    assert_eq!(
        s.by_stage.iter().map(|(x, _)| *x).collect::<Vec<_>>(),
        Stage::ALL.to_vec()
    );
    assert_eq!(count(Stage::Listed), 2);
    assert_eq!(count(Stage::Willing), 1);
    assert_eq!(count(Stage::SetAside), 1);
    assert_eq!(count(Stage::FollowingThrough), 1);
    assert_eq!(s.by_stage.iter().map(|(_, n)| n).sum::<usize>(), 5);
    assert_eq!(
        s.by_willingness,
        vec![
            (Some(Willingness::Now), 2),
            (Some(Willingness::Later), 0),
            (Some(Willingness::Maybe), 0),
            (Some(Willingness::Never), 1),
            (None, 1),
        ]
    );
    assert_eq!(s.outstanding, vec![Money::new(5000, gbp), dollars(70)]);
    assert_eq!(s.checkins_kept, 2);
    assert_eq!(s.checkins_missed, 1);
}

#[test]
fn summary_of_nothing_is_all_zero() {
    let (stages, s) = summarise(&[], &now_on(0));
    assert!(stages.is_empty());
    assert_eq!(s.parties, 0);
    assert_eq!(s.harms, 0);
    assert!(s.by_stage.iter().all(|(_, n)| *n == 0));
    assert!(s.by_willingness.iter().all(|(_, n)| *n == 0));
    assert!(s.outstanding.is_empty());
}
