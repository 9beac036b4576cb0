//! The sharing steps between two (and three) real encrypted vaults: a share and its update, a
//! review that counts as the approval of rule R2 for the plan version it saw, and every kind of
//! bundle that must be refused without changing anything.

use crate::common;

use common::{at, vault};

use amends_core::model::{HarmKind, Method, PartyKind, SafetyAnswers, Willingness};
use amends_core::rules::approval_for_plan;
use amends_share::document::Part;
use amends_share::{
    NoteInput, Received, Selection, ShareError, add_contact, add_note, identity, prepare_review,
    prepare_share, receive, remove_contact, seal_review, seal_share, supported,
};
use amends_vault::{
    ContactRef, HarmInput, PartyRef, PlanChange, PlanInput, Vault, VaultError, Verdict,
};
use tempfile::TempDir;

/// Adds each other's codes and, when `verify`, confirms both fingerprints.
fn introduce(a: &mut Vault, b: &mut Vault, verify: bool) -> (ContactRef, ContactRef) {
    let now = at(0);
    let code_a = identity(a, &now).unwrap().public().contact_code();
    let code_b = identity(b, &now).unwrap().public().contact_code();
    let (b_in_a, fp_b) = add_contact(a, &code_b, "Sponsor", "sponsor", &now).unwrap();
    let (a_in_b, fp_a) = add_contact(b, &code_a, "Sponsee", "supported", &now).unwrap();
    assert_eq!(fp_b, identity(b, &now).unwrap().public().fingerprint());
    assert_eq!(fp_a, identity(a, &now).unwrap().public().fingerprint());
    if verify {
        a.verify_contact(b_in_a, &now).unwrap();
        b.verify_contact(a_in_b, &now).unwrap();
    }
    (ContactRef::Id(b_in_a), ContactRef::Id(a_in_b))
}

/// A sponsee with two parties, one with a harm, willingness, safety answers and a letter plan.
fn sponsee(dir: &TempDir) -> Vault {
    let mut v = vault(dir, "sponsee.amends");
    let now = at(1);
    v.add_party("Dana", PartyKind::Person, "sister", "", &now)
        .unwrap();
    v.add_party("Old employer", PartyKind::Organisation, "", "", &now)
        .unwrap();
    let dana = PartyRef::Name("Dana".into());
    v.add_harm(
        &dana,
        &HarmInput {
            did: "Missed her wedding".into(),
            kinds: vec![HarmKind::Emotional],
            ..HarmInput::default()
        },
        &now,
    )
    .unwrap();
    v.set_willingness(&dana, Willingness::Now, "", &now)
        .unwrap();
    v.answer_safety(&dana, SafetyAnswers::default(), &now)
        .unwrap();
    v.plan(
        &dana,
        &PlanInput {
            channel: None,
            method: Method::Letter,
            script: "Dana, I missed your wedding. That was wrong.".into(),
            on: None,
            place: String::new(),
        },
        &at(2),
    )
    .unwrap();
    v
}

fn whole(parts: &[Part]) -> Selection {
    Selection {
        parties: None,
        parts: parts.to_vec(),
    }
}

#[test]
fn a_share_a_review_and_an_approval_that_counts_for_the_plan_it_saw() {
    let dir = TempDir::new().unwrap();
    let mut a = sponsee(&dir);
    let mut b = vault(&dir, "sponsor.amends");
    let (sponsor, sponsee_ref) = introduce(&mut a, &mut b, true);

    // Only plans and scripts: the harms stay home.
    let prepared = prepare_share(
        &mut a,
        &sponsor,
        &whole(&[Part::Plans, Part::Scripts]),
        &at(3),
    )
    .unwrap();
    assert_eq!(prepared.body.parties.len(), 2);
    assert!(prepared.body.parties.iter().all(|p| p.harms.is_none()));
    let sealed = seal_share(&mut a, &prepared, &at(3)).unwrap();
    assert!(!sealed.file_name.contains("Dana"));
    assert_eq!(a.sent_log().unwrap().len(), 1);

    let got = receive(&mut b, &sealed.bytes, &at(4)).unwrap();
    assert!(matches!(
        got,
        Received::Share {
            parties: 2,
            first: true,
            ..
        }
    ));
    let held = supported(&b).unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].glance.parties, 2);
    assert_eq!(held[0].glance.plans_to_review, 1);
    let dana = held[0]
        .body
        .parties
        .iter()
        .find(|p| p.name == "Dana")
        .unwrap();
    assert_eq!(
        dana.plan.as_ref().unwrap().script.as_deref(),
        Some("Dana, I missed your wedding. That was wrong.")
    );

    // The same file again is a replay.
    let before = supported(&b).unwrap()[0].received_at;
    assert!(matches!(
        receive(&mut b, &sealed.bytes, &at(5)),
        Err(ShareError::Vault(VaultError::Replayed))
    ));
    assert_eq!(supported(&b).unwrap()[0].received_at, before);

    // A second share with harms replaces the first, and the difference shows.
    let second = prepare_share(&mut a, &sponsor, &whole(&Part::ALL), &at(5)).unwrap();
    let second = seal_share(&mut a, &second, &at(5)).unwrap();
    let Received::Share { changes, first, .. } = receive(&mut b, &second.bytes, &at(6)).unwrap()
    else {
        panic!("a share")
    };
    assert!(!first);
    assert!(changes.iter().any(|c| c.change.contains("harms")));
    // The older bundle, opened after the newer one, is refused.
    assert!(matches!(
        receive(&mut b, &sealed.bytes, &at(6)),
        Err(ShareError::Vault(VaultError::Replayed))
    ));

    // The sponsor approves Dana's plan and comments on the other party.
    let dana_id = dana.id;
    let other = held[0]
        .body
        .parties
        .iter()
        .find(|p| p.name != "Dana")
        .unwrap()
        .id;
    add_note(
        &mut b,
        &sponsee_ref,
        &NoteInput {
            party: dana_id,
            about_plan: true,
            verdict: Some(Verdict::Approved),
            text: "Good letter. Keep it short.".into(),
        },
        &at(7),
    )
    .unwrap();
    add_note(
        &mut b,
        &sponsee_ref,
        &NoteInput {
            party: other,
            text: "Let's talk about this one on Sunday.".into(),
            ..NoteInput::default()
        },
        &at(7),
    )
    .unwrap();
    let review = prepare_review(&mut b, &sponsee_ref).unwrap();
    assert_eq!(review.notes.len(), 2);
    let review = seal_review(&mut b, &review, &at(8)).unwrap();
    assert!(matches!(
        prepare_review(&mut b, &sponsee_ref),
        Err(ShareError::NothingToReview)
    ));

    let Received::Review { applied, .. } = receive(&mut a, &review.bytes, &at(9)).unwrap() else {
        panic!("a review")
    };
    assert_eq!((applied.approvals_counted, applied.comments), (1, 1));
    let rec = a.record(dana_id).unwrap();
    let approval = approval_for_plan(&rec).expect("the approval counts for R2");
    assert_eq!(approval.name, "Sponsor");
    assert_eq!(a.reviews_for(dana_id).unwrap().len(), 1);
    assert_eq!(
        a.reviews_for(other).unwrap()[0].text,
        "Let's talk about this one on Sunday."
    );

    // A later edit of the plan needs a new approval.
    a.change_plan(
        &PartyRef::Id(dana_id),
        &PlanChange {
            script: Some("Dana, I am sorry I missed your wedding.".into()),
            ..PlanChange::default()
        },
        &at(10),
    )
    .unwrap();
    assert!(approval_for_plan(&a.record(dana_id).unwrap()).is_none());
}

#[test]
fn an_approval_of_an_older_plan_version_does_not_count() {
    let dir = TempDir::new().unwrap();
    let mut a = sponsee(&dir);
    let mut b = vault(&dir, "sponsor.amends");
    let (sponsor, sponsee_ref) = introduce(&mut a, &mut b, true);
    let p = prepare_share(&mut a, &sponsor, &whole(&[Part::Plans]), &at(3)).unwrap();
    receive(
        &mut b,
        &seal_share(&mut a, &p, &at(3)).unwrap().bytes,
        &at(4),
    )
    .unwrap();
    let dana = supported(&b).unwrap()[0].body.parties[0].id;
    add_note(
        &mut b,
        &sponsee_ref,
        &NoteInput {
            party: dana,
            verdict: Some(Verdict::Approved),
            ..NoteInput::default()
        },
        &at(5),
    )
    .unwrap();
    let r = prepare_review(&mut b, &sponsee_ref).unwrap();
    let review = seal_review(&mut b, &r, &at(5)).unwrap();
    // Meanwhile the plan changed.
    a.change_plan(
        &PartyRef::Id(dana),
        &PlanChange {
            method: Some(Method::Phone),
            ..PlanChange::default()
        },
        &at(6),
    )
    .unwrap();
    let Received::Review { applied, .. } = receive(&mut a, &review.bytes, &at(7)).unwrap() else {
        panic!("a review")
    };
    assert_eq!((applied.approvals_counted, applied.stale_verdicts), (0, 1));
    assert!(approval_for_plan(&a.record(dana).unwrap()).is_none());
    assert!(a.reviews_for(dana).unwrap()[0].stale);
}

#[test]
fn bundles_from_strangers_unverified_contacts_or_for_someone_else_change_nothing() {
    let dir = TempDir::new().unwrap();
    let mut a = sponsee(&dir);
    let mut b = vault(&dir, "sponsor.amends");
    let mut c = vault(&dir, "other.amends");
    let (sponsor, _) = introduce(&mut a, &mut b, false);

    // Not verified: nothing can be shared.
    assert!(matches!(
        prepare_share(&mut a, &sponsor, &whole(&[]), &at(3)),
        Err(ShareError::NotVerified)
    ));
    let ContactRef::Id(id) = sponsor else {
        unreachable!()
    };
    a.verify_contact(id, &at(3)).unwrap();
    let p = prepare_share(&mut a, &sponsor, &whole(&[]), &at(3)).unwrap();
    let bytes = seal_share(&mut a, &p, &at(3)).unwrap().bytes;

    // b has not confirmed a's fingerprint yet.
    assert!(matches!(
        receive(&mut b, &bytes, &at(4)),
        Err(ShareError::Unverified)
    ));
    // c is not the receiver.
    assert!(matches!(
        receive(&mut c, &bytes, &at(4)),
        Err(ShareError::NotForYou)
    ));
    assert!(supported(&b).unwrap().is_empty());

    // c knows nothing of a: a bundle a seals for c is from an unknown signer.
    let code_c = identity(&mut c, &at(4)).unwrap().public().contact_code();
    let (c_in_a, _) = add_contact(&mut a, &code_c, "Counsellor", "therapist", &at(4)).unwrap();
    a.verify_contact(c_in_a, &at(4)).unwrap();
    let p = prepare_share(&mut a, &ContactRef::Id(c_in_a), &whole(&[]), &at(4)).unwrap();
    let for_c = seal_share(&mut a, &p, &at(4)).unwrap().bytes;
    assert!(matches!(
        receive(&mut c, &for_c, &at(5)),
        Err(ShareError::UnknownSigner)
    ));
    assert!(supported(&c).unwrap().is_empty());

    // One's own code is not a contact.
    let own = identity(&mut a, &at(5)).unwrap().public().contact_code();
    assert!(matches!(
        add_contact(&mut a, &own, "Me", "sponsor", &at(5)),
        Err(ShareError::OwnCode)
    ));
}

#[test]
fn stopping_asks_the_receiver_to_delete_what_it_holds() {
    let dir = TempDir::new().unwrap();
    let mut a = sponsee(&dir);
    let mut b = vault(&dir, "sponsor.amends");
    let (sponsor, _) = introduce(&mut a, &mut b, true);
    let p = prepare_share(&mut a, &sponsor, &whole(&Part::ALL), &at(3)).unwrap();
    receive(
        &mut b,
        &seal_share(&mut a, &p, &at(3)).unwrap().bytes,
        &at(4),
    )
    .unwrap();
    assert_eq!(supported(&b).unwrap().len(), 1);

    let stop = remove_contact(&mut a, &sponsor, &at(5))
        .unwrap()
        .expect("a stop bundle");
    assert!(a.contacts().unwrap().is_empty());
    assert!(matches!(
        receive(&mut b, &stop.bytes, &at(6)).unwrap(),
        Received::Stop { .. }
    ));
    assert!(supported(&b).unwrap().is_empty());
}

/// A party of the latest share the sponsor holds, by name.
fn held_party(b: &Vault, name: &str) -> amends_share::document::SharedParty {
    supported(b).unwrap()[0]
        .body
        .parties
        .iter()
        .find(|p| p.name == name)
        .expect("in the share")
        .clone()
}

fn approve(b: &mut Vault, sponsee_ref: &ContactRef, party: i64, hour: i64) {
    add_note(
        b,
        sponsee_ref,
        &NoteInput {
            party,
            verdict: Some(Verdict::Approved),
            ..NoteInput::default()
        },
        &at(hour),
    )
    .unwrap();
}

/// The sponsor's unsent notes, sealed into a review.
fn review_back(b: &mut Vault, sponsee_ref: &ContactRef, hour: i64) -> Vec<u8> {
    let r = prepare_review(b, sponsee_ref).unwrap();
    seal_review(b, &r, &at(hour)).unwrap().bytes
}

fn applied(a: &mut Vault, bytes: &[u8], hour: i64) -> amends_vault::ReviewApplied {
    let Received::Review { applied, .. } = receive(a, bytes, &at(hour)).unwrap() else {
        panic!("a review")
    };
    applied
}

fn share_plans(a: &mut Vault, b: &mut Vault, sponsor: &ContactRef, without: &[i64], hour: i64) {
    let mut p = prepare_share(a, sponsor, &whole(&[Part::Plans]), &at(hour)).unwrap();
    p.leave_out_safety(without).unwrap();
    let bytes = seal_share(a, &p, &at(hour)).unwrap().bytes;
    receive(b, &bytes, &at(hour)).unwrap();
}

#[test]
fn a_share_carries_each_verdict_and_an_approval_counts_only_for_the_verdict_it_saw() {
    let dir = TempDir::new().unwrap();
    let mut a = sponsee(&dir);
    let mut b = vault(&dir, "sponsor.amends");
    let (sponsor, sponsee_ref) = introduce(&mut a, &mut b, true);
    let dana = PartyRef::Name("Dana".into());
    let dana_id = a.resolve(&dana).unwrap();
    let other_id = a.resolve(&PartyRef::Name("Old employer".into())).unwrap();

    // Every party carries its verdict by default; one can be left out, and only a party that
    // is being shared.
    let mut p = prepare_share(&mut a, &sponsor, &whole(&[Part::Plans]), &at(3)).unwrap();
    let verdicts: Vec<_> = p.body.parties.iter().map(|p| p.safety.clone()).collect();
    let dana_v = verdicts[0].clone().expect("Dana's verdict");
    assert_eq!(dana_v.contact, "direct");
    assert!(dana_v.answered && dana_v.rules.is_empty());
    let other_v = verdicts[1].clone().expect("the other's verdict");
    assert!(!other_v.answered, "not answered yet, and it says so");
    assert!(matches!(
        p.leave_out_safety(&[dana_id, 4242]),
        Err(ShareError::NotBeingShared)
    ));
    assert!(p.body.parties[0].safety.is_some(), "nothing was changed");
    p.leave_out_safety(&[other_id]).unwrap();
    assert!(p.body.parties[1].safety.is_none());
    assert_eq!(p.left_out_safety(), 1);
    assert!(
        p.summary()
            .contains("the safety verdict left out for 1 party")
    );
    receive(
        &mut b,
        &seal_share(&mut a, &p, &at(3)).unwrap().bytes,
        &at(4),
    )
    .unwrap();
    assert_eq!(held_party(&b, "Dana").safety, Some(dana_v.clone()));
    assert!(held_party(&b, "Old employer").safety.is_none());

    // The sponsor approves Dana's plan: the note keeps the verdict they saw.
    approve(&mut b, &sponsee_ref, dana_id, 5);
    let notes = b.review_notes(1, true).unwrap();
    assert_eq!(
        notes[0].safety_seen.as_deref(),
        Some(amends_share::safety_fingerprint(&dana_v).as_str())
    );
    let first = review_back(&mut b, &sponsee_ref, 5);

    // Before it arrives, the person's safety answers change: a new rule applies (R7).
    a.answer_safety(
        &dana,
        SafetyAnswers {
            my_safety: true,
            ..SafetyAnswers::default()
        },
        &at(6),
    )
    .unwrap();
    let got = applied(&mut a, &first, 7);
    assert_eq!(
        (
            got.approvals_counted,
            got.safety_changed,
            got.stale_verdicts
        ),
        (0, 1, 0)
    );
    let rec = a.record(dana_id).unwrap();
    assert!(approval_for_plan(&rec).is_none(), "it does not count");
    assert!(amends_core::rules::review_gap(&rec).is_some());
    let reviews = a.reviews_for(dana_id).unwrap();
    assert!(reviews[0].stale && !reviews[0].counted);
    assert_eq!(
        reviews[0].why_stale,
        Some(amends_vault::StaleReason::Safety)
    );
    assert!(
        amends_vault::StaleReason::Safety
            .words()
            .contains("your safety answers changed after your sponsor reviewed; share again")
    );

    // Shared again: the sponsor sees the new verdict and what changed, approves, and this time
    // it counts.
    share_plans(&mut a, &mut b, &sponsor, &[], 8);
    let held = &supported(&b).unwrap()[0];
    assert!(
        held.changes.iter().any(|c| c.party == "Dana"
            && c.change.contains("the safety verdict changed")
            && c.change.contains("R7 one's own safety")),
        "{:?}",
        held.changes
    );
    assert!(
        held.changes
            .iter()
            .any(|c| c.party == "Old employer" && c.change.contains("shared now"))
    );
    let now_v = held_party(&b, "Dana").safety.unwrap();
    let codes: Vec<&str> = now_v.rules.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["R7", "R2"]);
    approve(&mut b, &sponsee_ref, dana_id, 9);
    let second = review_back(&mut b, &sponsee_ref, 9);
    let got = applied(&mut a, &second, 10);
    assert_eq!((got.approvals_counted, got.safety_changed), (1, 0));
    assert!(approval_for_plan(&a.record(dana_id).unwrap()).is_some());
    assert!(amends_core::rules::review_gap(&a.record(dana_id).unwrap()).is_none());

    // A view written on one verdict, with a newer share showing another before it is sent:
    // the sponsor is told, and it does not count when it arrives.
    approve(&mut b, &sponsee_ref, dana_id, 11);
    a.answer_safety(
        &dana,
        SafetyAnswers {
            my_safety: true,
            harmed_me: true,
            ..SafetyAnswers::default()
        },
        &at(12),
    )
    .unwrap();
    share_plans(&mut a, &mut b, &sponsor, &[], 12);
    let held = &supported(&b).unwrap()[0];
    let unsent = b.review_notes(held.contact.id, true).unwrap();
    assert_eq!(unsent.len(), 1);
    assert!(!amends_share::note_on_current_safety(
        &held.body, &unsent[0]
    ));
    let third = review_back(&mut b, &sponsee_ref, 13);
    let got = applied(&mut a, &third, 14);
    assert_eq!((got.approvals_counted, got.safety_changed), (0, 1));
    assert!(approval_for_plan(&a.record(dana_id).unwrap()).is_none());
}

#[test]
fn a_view_without_a_fingerprint_counts_only_if_the_answers_did_not_change_after_the_share() {
    let dir = TempDir::new().unwrap();
    let mut a = sponsee(&dir);
    let mut b = vault(&dir, "sponsor.amends");
    let (sponsor, sponsee_ref) = introduce(&mut a, &mut b, true);
    let dana = PartyRef::Name("Dana".into());
    let dana_id = a.resolve(&dana).unwrap();

    // The verdict left out: the sponsor's view carries no fingerprint.
    share_plans(&mut a, &mut b, &sponsor, &[dana_id], 3);
    assert!(held_party(&b, "Dana").safety.is_none());
    approve(&mut b, &sponsee_ref, dana_id, 4);
    assert!(b.review_notes(1, true).unwrap()[0].safety_seen.is_none());
    let r = review_back(&mut b, &sponsee_ref, 4);
    // Nothing changed since that share: it counts.
    let got = applied(&mut a, &r, 5);
    assert_eq!((got.approvals_counted, got.safety_changed), (1, 0));
    assert!(approval_for_plan(&a.record(dana_id).unwrap()).is_some());

    // Again, but the answers change after the share it answers: it does not count.
    share_plans(&mut a, &mut b, &sponsor, &[dana_id], 6);
    approve(&mut b, &sponsee_ref, dana_id, 7);
    let r = review_back(&mut b, &sponsee_ref, 7);
    a.answer_safety(
        &dana,
        SafetyAnswers {
            legal_risk: true,
            ..SafetyAnswers::default()
        },
        &at(8),
    )
    .unwrap();
    let got = applied(&mut a, &r, 9);
    assert_eq!((got.approvals_counted, got.safety_changed), (0, 1));
    assert!(approval_for_plan(&a.record(dana_id).unwrap()).is_none());
    let last = a.reviews_for(dana_id).unwrap().pop().unwrap();
    assert_eq!(last.why_stale, Some(amends_vault::StaleReason::Safety));
}
