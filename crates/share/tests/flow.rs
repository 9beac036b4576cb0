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
