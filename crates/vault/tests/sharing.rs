//! What the vault keeps for sharing: identity, contacts, sequences, documents received, review
//! notes written and reviews received, in real encrypted vaults.

use amends_core::model::{Method, PartyKind, Settings};
use amends_core::{Now, rules};
use amends_vault::{
    ContactRef, KdfParams, NewContact, PartyRef, PlanChange, PlanInput, ReviewApplied, ReviewItem,
    ReviewNoteInput, SentInput, SentKind, StoredIdentity, Vault, VaultError, Verdict,
};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use secrecy::{ExposeSecret, SecretString};
use tempfile::TempDir;
use zeroize::Zeroizing;

/// Cheap key derivation: these tests are about data, not about the passphrase.
const FAST: KdfParams = KdfParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

fn pass() -> SecretString {
    SecretString::from("pw".to_string())
}

fn new_vault(dir: &TempDir) -> Vault {
    Vault::create_with(
        &dir.path().join("v.amends"),
        &pass(),
        &Settings::default(),
        FAST,
    )
    .unwrap()
    .vault
}

fn now(step: i64) -> Now {
    Now::new(
        Timestamp::from_second(1_750_000_000 + step * 3600).unwrap(),
        TimeZone::UTC,
    )
}

fn identity(secret: &str, seed: u8) -> StoredIdentity {
    StoredIdentity {
        age_secret: SecretString::from(secret.to_string()),
        sign_seed: Zeroizing::new([seed; 32]),
        created: now(0).at,
    }
}

/// A contact code pair that differs by `n`.
fn new_contact(label: &str, role: &str, n: u8) -> NewContact {
    NewContact {
        label: label.into(),
        role: role.into(),
        age_recipient: format!(
            "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq{n:02}"
        ),
        sign_key: format!("{n:02x}").repeat(32),
    }
}

fn is_invalid(e: &VaultError, f: &str) -> bool {
    matches!(e, VaultError::Invalid { field, .. } if field == f)
}

/// A party of this person's with a plan made at `step`.
fn party_with_plan(v: &mut Vault, name: &str, step: i64) -> i64 {
    let id = v
        .add_party(name, PartyKind::Person, "", "", &now(step))
        .unwrap()
        .id;
    v.add_harm(
        &PartyRef::Id(id),
        &amends_vault::HarmInput {
            did: "Kept the money".into(),
            ..Default::default()
        },
        &now(step),
    )
    .unwrap();
    v.answer_safety(&PartyRef::Id(id), Default::default(), &now(step))
        .unwrap();
    v.plan(
        &PartyRef::Id(id),
        &PlanInput {
            channel: None,
            method: Method::Letter,
            script: "I am sorry for what I did.".into(),
            on: None,
            place: String::new(),
        },
        &now(step),
    )
    .unwrap();
    id
}

fn plan_version(v: &Vault, party: i64) -> String {
    v.record(party).unwrap().plan.unwrap().updated.to_string()
}

fn item(party: i64, version: Option<String>, verdict: Option<Verdict>, text: &str) -> ReviewItem {
    ReviewItem {
        party_id: party,
        plan_version: version,
        verdict,
        text: text.into(),
        written: now(1).at,
        safety_seen: None,
    }
}

#[test]
fn the_first_identity_is_kept_and_never_printed() {
    let dir = TempDir::new().unwrap();
    let mut v = new_vault(&dir);
    assert!(v.identity().unwrap().is_none());
    let first = v
        .keep_identity(identity("AGE-SECRET-KEY-1FIRST", 1))
        .unwrap();
    assert_eq!(first.age_secret.expose_secret(), "AGE-SECRET-KEY-1FIRST");
    // A second window racing to make one gets the first back; the first is not replaced.
    let second = v
        .keep_identity(identity("AGE-SECRET-KEY-1SECOND", 2))
        .unwrap();
    assert_eq!(second.age_secret.expose_secret(), "AGE-SECRET-KEY-1FIRST");
    assert_eq!(*second.sign_seed, [1u8; 32]);
    let stored = v.identity().unwrap().unwrap();
    assert_eq!(stored.age_secret.expose_secret(), "AGE-SECRET-KEY-1FIRST");
    assert_eq!(*stored.sign_seed, [1u8; 32]);
    assert_eq!(stored.created, now(0).at);
    assert_eq!(format!("{stored:?}"), "StoredIdentity { .. }");
    // It survives closing and reopening.
    drop(v);
    let v = Vault::open(&dir.path().join("v.amends"), &pass()).unwrap();
    assert_eq!(*v.identity().unwrap().unwrap().sign_seed, [1u8; 32]);
}

#[test]
fn contacts_are_added_found_verified_and_removed() {
    let dir = TempDir::new().unwrap();
    let mut v = new_vault(&dir);
    let sam = v
        .add_contact(&new_contact("  Sam (sponsor) ", "Sponsor", 1), &now(1))
        .unwrap();
    let jo = v
        .add_contact(&new_contact("Jo", "supported", 2), &now(1))
        .unwrap();
    let names: Vec<String> = v.contacts().unwrap().into_iter().map(|c| c.label).collect();
    assert_eq!(names, ["Jo", "Sam (sponsor)"]);

    let c = v.contact(&ContactRef::parse("sam (SPONSOR)")).unwrap();
    assert_eq!(c.id, sam);
    assert_eq!(c.role, "sponsor");
    assert!(c.can_approve());
    assert_eq!(c.sign_key, "01".repeat(32));
    assert_eq!(c.added, now(1).at);
    assert_eq!((c.verified, c.sent_seq, c.received_seq), (None, 0, 0));
    assert_eq!(
        v.contact(&ContactRef::parse(&jo.to_string()))
            .unwrap()
            .label,
        "Jo"
    );
    assert!(!v.contact(&ContactRef::Id(jo)).unwrap().can_approve());
    assert_eq!(
        v.contact_by_sign_key(&"02".repeat(32).to_uppercase())
            .unwrap()
            .unwrap()
            .id,
        jo
    );
    assert!(v.contact_by_sign_key(&"03".repeat(32)).unwrap().is_none());

    let missing = v.contact(&ContactRef::parse("Nobody I know")).unwrap_err();
    assert!(matches!(missing, VaultError::NoSuchContact));
    assert!(missing.to_string().contains("amends contact list"));
    assert!(!missing.to_string().contains("Nobody"));

    v.verify_contact(sam, &now(2)).unwrap();
    v.verify_contact(sam, &now(3)).unwrap();
    assert_eq!(
        v.contact(&ContactRef::Id(sam)).unwrap().verified,
        Some(now(2).at)
    );
    assert!(matches!(
        v.verify_contact(999, &now(3)),
        Err(VaultError::NoSuchContact)
    ));

    // Removing a contact keeps the log of what was sent, under their name.
    let seq = v.next_sent_sequence(sam).unwrap();
    v.record_sent(
        &SentInput {
            contact_id: sam,
            kind: SentKind::Share,
            sequence: seq,
            what: "3 parties".into(),
            bytes: 1234,
        },
        &now(4),
    )
    .unwrap();
    v.remove_contact(sam).unwrap();
    assert!(matches!(
        v.contact(&ContactRef::Id(sam)),
        Err(VaultError::NoSuchContact)
    ));
    assert!(matches!(
        v.remove_contact(sam),
        Err(VaultError::NoSuchContact)
    ));
    let log = v.sent_log().unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].contact_id, None);
    assert_eq!(log[0].contact_label, "Sam (sponsor)");
    assert_eq!(
        (log[0].kind, log[0].sequence, log[0].bytes),
        (SentKind::Share, 1, 1234)
    );
    assert_eq!(log[0].what, "3 parties");
    assert_eq!(log[0].at, now(4).at);
    // The same codes can be added again once removed.
    v.add_contact(&new_contact("Sam", "sponsor", 1), &now(5))
        .unwrap();
}

#[test]
fn a_duplicate_or_malformed_contact_is_refused_and_nothing_is_written() {
    let dir = TempDir::new().unwrap();
    let mut v = new_vault(&dir);
    v.add_contact(&new_contact("Sam", "sponsor", 1), &now(1))
        .unwrap();
    let before = v.contacts().unwrap();

    let e = v
        .add_contact(&new_contact("sam", "therapist", 2), &now(2))
        .unwrap_err();
    assert!(is_invalid(&e, "name"), "{e}");
    assert!(
        e.to_string()
            .contains("already have a contact with that name")
    );
    assert!(!e.to_string().contains("sam"));

    // The same age recipient, or the same signing key, under another name.
    let mut same_age = new_contact("Alex", "sponsor", 2);
    same_age.age_recipient = new_contact("", "", 1).age_recipient;
    let e = v.add_contact(&same_age, &now(2)).unwrap_err();
    assert!(is_invalid(&e, "code"), "{e}");
    assert!(e.to_string().contains("already on your contacts list"));
    let mut same_key = new_contact("Alex", "sponsor", 2);
    same_key.sign_key = "01".repeat(32).to_uppercase();
    let e = v.add_contact(&same_key, &now(2)).unwrap_err();
    assert!(is_invalid(&e, "code"), "{e}");

    let e = v
        .add_contact(&new_contact("Alex", "friend", 2), &now(2))
        .unwrap_err();
    assert!(is_invalid(&e, "role"), "{e}");
    assert!(!e.to_string().contains("friend"));
    let e = v
        .add_contact(&new_contact("   ", "sponsor", 2), &now(2))
        .unwrap_err();
    assert!(is_invalid(&e, "name"), "{e}");
    let e = v
        .add_contact(&new_contact(&"x".repeat(201), "sponsor", 2), &now(2))
        .unwrap_err();
    assert!(is_invalid(&e, "name"), "{e}");
    let mut short_key = new_contact("Alex", "sponsor", 2);
    short_key.sign_key = "abc".into();
    let e = v.add_contact(&short_key, &now(2)).unwrap_err();
    assert!(is_invalid(&e, "code"), "{e}");
    assert!(!e.to_string().contains("abc"));
    let mut not_age = new_contact("Alex", "sponsor", 2);
    not_age.age_recipient = "hello there".into();
    let e = v.add_contact(&not_age, &now(2)).unwrap_err();
    assert!(is_invalid(&e, "code"), "{e}");
    assert!(!e.to_string().contains("hello"));

    assert_eq!(v.contacts().unwrap(), before);
}

#[test]
fn sent_sequences_count_up_per_contact_and_the_log_is_newest_first() {
    let dir = TempDir::new().unwrap();
    let mut v = new_vault(&dir);
    let a = v
        .add_contact(&new_contact("A", "sponsor", 1), &now(1))
        .unwrap();
    let b = v
        .add_contact(&new_contact("B", "supported", 2), &now(1))
        .unwrap();
    assert_eq!(v.next_sent_sequence(a).unwrap(), 1);
    assert_eq!(v.next_sent_sequence(a).unwrap(), 2);
    assert_eq!(v.next_sent_sequence(b).unwrap(), 1);
    assert_eq!(v.contact(&ContactRef::Id(a)).unwrap().sent_seq, 2);
    assert!(matches!(
        v.next_sent_sequence(99),
        Err(VaultError::NoSuchContact)
    ));
    for (step, (id, kind)) in [
        (a, SentKind::Share),
        (b, SentKind::Review),
        (a, SentKind::Stop),
    ]
    .into_iter()
    .enumerate()
    {
        v.record_sent(
            &SentInput {
                contact_id: id,
                kind,
                sequence: 1,
                what: format!("bundle {step}"),
                bytes: 10,
            },
            &now(step as i64 + 2),
        )
        .unwrap();
    }
    let kinds: Vec<SentKind> = v.sent_log().unwrap().iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [SentKind::Stop, SentKind::Review, SentKind::Share]);
    assert!(matches!(
        v.record_sent(
            &SentInput {
                contact_id: 99,
                kind: SentKind::Share,
                sequence: 1,
                what: String::new(),
                bytes: 0,
            },
            &now(9),
        ),
        Err(VaultError::NoSuchContact)
    ));
    assert_eq!(v.sent_log().unwrap().len(), 3);
    for k in SentKind::ALL {
        assert_eq!(SentKind::parse(k.code()).unwrap(), *k);
    }
    for k in Verdict::ALL {
        assert_eq!(Verdict::parse(k.code()).unwrap(), *k);
    }
}

#[test]
fn a_share_replaces_the_last_one_and_a_replay_changes_nothing() {
    let dir = TempDir::new().unwrap();
    let mut v = new_vault(&dir);
    let jo = v
        .add_contact(&new_contact("Jo", "supported", 1), &now(1))
        .unwrap();
    let other = v
        .add_contact(&new_contact("Kim", "supported", 2), &now(1))
        .unwrap();
    assert!(v.supported_from(jo).unwrap().is_none());
    v.receive_share(jo, 1, now(1).at, r#"{"v":1}"#, &now(2))
        .unwrap();
    let first = v.supported_from(jo).unwrap().unwrap();
    assert_eq!(first.document, r#"{"v":1}"#);
    assert_eq!(first.previous, None);
    assert_eq!(
        (first.sequence, first.sent_at, first.received_at),
        (1, now(1).at, now(2).at)
    );
    assert_eq!(first.contact.received_seq, 1);

    v.receive_share(jo, 3, now(3).at, r#"{"v":3}"#, &now(4))
        .unwrap();
    let second = v.supported_from(jo).unwrap().unwrap();
    assert_eq!(second.document, r#"{"v":3}"#);
    assert_eq!(second.previous.as_deref(), Some(r#"{"v":1}"#));
    assert_eq!(second.sequence, 3);

    // The same bundle again, or an older one, is refused and nothing changes.
    for seq in [3, 2, 0] {
        let e = v
            .receive_share(jo, seq, now(5).at, r#"{"v":"old"}"#, &now(5))
            .unwrap_err();
        assert!(matches!(e, VaultError::Replayed), "{e}");
        assert!(e.to_string().contains("Nothing was changed"));
    }
    assert_eq!(v.supported_from(jo).unwrap().unwrap(), second);
    assert_eq!(v.contact(&ContactRef::Id(jo)).unwrap().received_seq, 3);
    assert!(matches!(
        v.receive_share(99, 1, now(5).at, "{}", &now(5)),
        Err(VaultError::NoSuchContact)
    ));

    v.receive_share(other, 1, now(5).at, r#"{"k":1}"#, &now(5))
        .unwrap();
    let labels: Vec<String> = v
        .supported()
        .unwrap()
        .into_iter()
        .map(|s| s.contact.label)
        .collect();
    assert_eq!(labels, ["Jo", "Kim"]);
}

#[test]
fn stopping_forgets_the_document_and_notes_but_keeps_the_contact() {
    let dir = TempDir::new().unwrap();
    let mut v = new_vault(&dir);
    let jo = v
        .add_contact(&new_contact("Jo", "supported", 1), &now(1))
        .unwrap();
    v.receive_share(jo, 1, now(1).at, "{}", &now(1)).unwrap();
    v.add_review_note(
        &ReviewNoteInput {
            contact_id: jo,
            party_ref: 4,
            plan_version: None,
            verdict: None,
            text: "Gently does it".into(),
        },
        &now(2),
    )
    .unwrap();
    // A stop bundle is sequenced like any other.
    assert!(matches!(v.forget_shared(jo, 1), Err(VaultError::Replayed)));
    assert!(v.supported_from(jo).unwrap().is_some());
    v.forget_shared(jo, 2).unwrap();
    assert!(v.supported_from(jo).unwrap().is_none());
    assert!(v.review_notes(jo, false).unwrap().is_empty());
    let c = v.contact(&ContactRef::Id(jo)).unwrap();
    assert_eq!(c.received_seq, 2);
    // They can share again later.
    v.receive_share(jo, 3, now(3).at, "{}", &now(3)).unwrap();
    assert_eq!(v.supported_from(jo).unwrap().unwrap().previous, None);
}

#[test]
fn removing_a_contact_removes_their_document_and_notes() {
    let dir = TempDir::new().unwrap();
    let mut v = new_vault(&dir);
    let jo = v
        .add_contact(&new_contact("Jo", "supported", 1), &now(1))
        .unwrap();
    v.receive_share(jo, 1, now(1).at, "{}", &now(1)).unwrap();
    v.add_review_note(
        &ReviewNoteInput {
            contact_id: jo,
            party_ref: 1,
            plan_version: None,
            verdict: Some(Verdict::TalkFirst),
            text: String::new(),
        },
        &now(2),
    )
    .unwrap();
    v.remove_contact(jo).unwrap();
    assert!(v.supported().unwrap().is_empty());
    assert!(v.review_notes(jo, false).unwrap().is_empty());
}

#[test]
fn review_notes_need_words_or_a_verdict_and_sent_ones_are_kept() {
    let dir = TempDir::new().unwrap();
    let mut v = new_vault(&dir);
    let jo = v
        .add_contact(&new_contact("Jo", "supported", 1), &now(1))
        .unwrap();
    let note = |verdict, text: &str| ReviewNoteInput {
        contact_id: jo,
        party_ref: 7,
        plan_version: Some(" 2025-06-15T15:06:40Z ".into()),
        verdict,
        text: text.into(),
    };
    let e = v.add_review_note(&note(None, "   "), &now(2)).unwrap_err();
    assert!(is_invalid(&e, "comment"), "{e}");
    assert!(e.to_string().contains("write a comment"));
    let e = v
        .add_review_note(&note(None, "bad \u{0} byte"), &now(2))
        .unwrap_err();
    assert!(is_invalid(&e, "comment"), "{e}");
    let e = v
        .add_review_note(&note(None, &"x".repeat(20_001)), &now(2))
        .unwrap_err();
    assert!(is_invalid(&e, "comment"), "{e}");
    let e = v
        .add_review_note(
            &ReviewNoteInput {
                contact_id: 99,
                ..note(None, "hello")
            },
            &now(2),
        )
        .unwrap_err();
    assert!(matches!(e, VaultError::NoSuchContact));
    assert!(v.review_notes(jo, false).unwrap().is_empty());

    let a = v
        .add_review_note(&note(Some(Verdict::Approved), ""), &now(2))
        .unwrap();
    let b = v
        .add_review_note(&note(None, "  Say less about yourself.  "), &now(3))
        .unwrap();
    let c = v
        .add_review_note(&note(Some(Verdict::TalkFirst), "Call me"), &now(4))
        .unwrap();
    let notes = v.review_notes(jo, true).unwrap();
    assert_eq!(notes.len(), 3);
    assert_eq!(notes[0].id, a);
    assert_eq!(notes[0].verdict, Some(Verdict::Approved));
    assert_eq!(
        notes[0].plan_version.as_deref(),
        Some("2025-06-15T15:06:40Z")
    );
    assert_eq!(notes[1].text, "Say less about yourself.");
    assert_eq!(notes[1].written, now(3).at);
    assert_eq!(notes[1].party_ref, 7);

    // Marking is all or nothing: an unknown id changes nothing.
    let e = v.mark_review_sent(&[a, 999], 1).unwrap_err();
    assert!(matches!(e, VaultError::NoSuch { id: 999, .. }), "{e}");
    assert_eq!(v.review_notes(jo, true).unwrap().len(), 3);

    v.mark_review_sent(&[a, b], 1).unwrap();
    let unsent = v.review_notes(jo, true).unwrap();
    assert_eq!(unsent.iter().map(|n| n.id).collect::<Vec<_>>(), [c]);
    let all = v.review_notes(jo, false).unwrap();
    assert_eq!(all[0].sent_sequence, Some(1));
    assert_eq!(all[2].sent_sequence, None);
    // Sent notes keep the sequence they went out with.
    v.mark_review_sent(&[a, c], 2).unwrap();
    let all = v.review_notes(jo, false).unwrap();
    assert_eq!(all[0].sent_sequence, Some(1));
    assert_eq!(all[2].sent_sequence, Some(2));

    let d = v.add_review_note(&note(None, "one more"), &now(5)).unwrap();
    let e = v.delete_review_note(a).unwrap_err();
    assert!(is_invalid(&e, "note"), "{e}");
    v.delete_review_note(d).unwrap();
    assert!(matches!(
        v.delete_review_note(d),
        Err(VaultError::NoSuch { .. })
    ));
    assert_eq!(v.review_notes(jo, false).unwrap().len(), 3);
}

#[test]
fn an_approval_on_the_current_plan_counts_until_the_plan_changes() {
    let dir = TempDir::new().unwrap();
    let mut v = new_vault(&dir);
    let mum = party_with_plan(&mut v, "Mum", 1);
    let dad = party_with_plan(&mut v, "Dad", 1);
    let sam = v
        .add_contact(&new_contact("Sam", "sponsor", 1), &now(1))
        .unwrap();
    let shared_mum = plan_version(&v, mum);
    let shared_dad = plan_version(&v, dad);
    // Dad's plan changes after it was shared.
    v.change_plan(
        &PartyRef::Id(dad),
        &PlanChange {
            script: Some("A better letter.".into()),
            ..PlanChange::default()
        },
        &now(2),
    )
    .unwrap();
    assert!(rules::approval_for_plan(&v.record(mum).unwrap()).is_none());

    let applied = v
        .receive_review(
            sam,
            1,
            &[
                item(mum, Some(shared_mum.clone()), Some(Verdict::Approved), ""),
                item(
                    dad,
                    Some(shared_dad.clone()),
                    Some(Verdict::Approved),
                    "Fine",
                ),
                item(mum, None, None, "Keep it short."),
                item(4242, Some(shared_mum.clone()), Some(Verdict::Approved), ""),
                item(mum, None, None, "   "),
            ],
            &now(3),
        )
        .unwrap();
    assert_eq!(
        applied,
        ReviewApplied {
            comments: 1,
            approvals_counted: 1,
            stale_verdicts: 1,
            safety_changed: 0,
            unknown_parties: 1,
        }
    );

    let rec = v.record(mum).unwrap();
    let approval = rules::approval_for_plan(&rec).expect("the approval counts");
    assert_eq!(approval.name, "Sam");
    assert_eq!(approval.with.code(), "sponsor");
    assert_eq!(approval.advice, "Approved the plan as shared.");
    assert_eq!(approval.on, now(3).today);
    assert_eq!(approval.approved, Some(true));
    assert!(rules::approval_for_plan(&v.record(dad).unwrap()).is_none());

    let mum_reviews = v.reviews_for(mum).unwrap();
    assert_eq!(mum_reviews.len(), 2);
    assert!(mum_reviews[0].counted && !mum_reviews[0].stale);
    assert_eq!(mum_reviews[0].verdict, Some(Verdict::Approved));
    assert_eq!(
        mum_reviews[0].plan_version.as_deref(),
        Some(shared_mum.as_str())
    );
    assert_eq!(mum_reviews[0].contact_label, "Sam");
    assert_eq!(
        (mum_reviews[0].written, mum_reviews[0].received),
        (now(1).at, now(3).at)
    );
    assert_eq!(mum_reviews[1].text, "Keep it short.");
    assert!(!mum_reviews[1].counted && !mum_reviews[1].stale);
    let dad_reviews = v.reviews_for(dad).unwrap();
    assert_eq!(dad_reviews.len(), 1);
    assert!(dad_reviews[0].stale && !dad_reviews[0].counted);
    assert_eq!(v.contact(&ContactRef::Id(sam)).unwrap().received_seq, 1);

    // A later edit of Mum's plan un-counts the approval, though the review stays.
    v.change_plan(
        &PartyRef::Id(mum),
        &PlanChange {
            place: Some("the café".into()),
            ..PlanChange::default()
        },
        &now(4),
    )
    .unwrap();
    assert!(rules::approval_for_plan(&v.record(mum).unwrap()).is_none());
    assert!(v.reviews_for(mum).unwrap()[0].counted);

    // A "talk first" on the new plan is counted as a view given, and is not an approval.
    let applied = v
        .receive_review(
            sam,
            2,
            &[item(
                mum,
                Some(plan_version(&v, mum)),
                Some(Verdict::TalkFirst),
                "",
            )],
            &now(5),
        )
        .unwrap();
    assert_eq!(applied.approvals_counted, 1);
    let rec = v.record(mum).unwrap();
    assert!(rules::approval_for_plan(&rec).is_none());
    let last = rec.consultations.last().unwrap();
    assert_eq!(last.approved, Some(false));
    assert_eq!(last.advice, "Asked to talk it over first.");
}

#[test]
fn a_review_bundle_replayed_or_from_someone_who_cannot_approve_counts_for_nothing() {
    let dir = TempDir::new().unwrap();
    let mut v = new_vault(&dir);
    let mum = party_with_plan(&mut v, "Mum", 1);
    let version = plan_version(&v, mum);
    let sam = v
        .add_contact(&new_contact("Sam", "sponsor", 1), &now(1))
        .unwrap();
    let lawyer = v
        .add_contact(&new_contact("Counsel", "lawyer", 2), &now(1))
        .unwrap();
    v.receive_review(sam, 5, &[item(mum, None, None, "hi")], &now(2))
        .unwrap();
    let consultations = v.record(mum).unwrap().consultations.len();
    for seq in [5, 4] {
        let e = v
            .receive_review(
                sam,
                seq,
                &[item(
                    mum,
                    Some(version.clone()),
                    Some(Verdict::Approved),
                    "",
                )],
                &now(3),
            )
            .unwrap_err();
        assert!(matches!(e, VaultError::Replayed), "{e}");
    }
    assert_eq!(v.reviews_for(mum).unwrap().len(), 1);
    assert_eq!(v.record(mum).unwrap().consultations.len(), consultations);

    // A bad note refuses the whole bundle, and its sequence is not used up.
    let e = v
        .receive_review(
            sam,
            6,
            &[
                item(mum, None, None, "fine"),
                item(mum, None, None, "bad \u{7} bell"),
            ],
            &now(3),
        )
        .unwrap_err();
    assert!(is_invalid(&e, "comment"), "{e}");
    assert_eq!(v.reviews_for(mum).unwrap().len(), 1);
    assert_eq!(v.contact(&ContactRef::Id(sam)).unwrap().received_seq, 5);

    // A lawyer's verdict is kept as a comment and never counts as an approval.
    let applied = v
        .receive_review(
            lawyer,
            1,
            &[item(mum, Some(version), Some(Verdict::Approved), "")],
            &now(4),
        )
        .unwrap();
    assert_eq!(
        applied,
        ReviewApplied {
            comments: 1,
            ..ReviewApplied::default()
        }
    );
    assert!(rules::approval_for_plan(&v.record(mum).unwrap()).is_none());
    let last = v.reviews_for(mum).unwrap().pop().unwrap();
    assert_eq!(last.verdict, Some(Verdict::Approved));
    assert!(!last.counted && !last.stale);
}

#[test]
fn another_window_sees_sharing_writes_change_the_data_version() {
    let dir = TempDir::new().unwrap();
    let mut v = new_vault(&dir);
    let other = Vault::open(&dir.path().join("v.amends"), &pass()).unwrap();
    let before = other.data_version().unwrap();
    let jo = v
        .add_contact(&new_contact("Jo", "supported", 1), &now(1))
        .unwrap();
    let after_contact = other.data_version().unwrap();
    assert_ne!(before, after_contact);
    v.receive_share(jo, 1, now(1).at, "{}", &now(1)).unwrap();
    assert_ne!(other.data_version().unwrap(), after_contact);
    assert_eq!(other.supported().unwrap().len(), 1);
}

#[test]
fn a_vault_of_the_third_format_is_brought_up_to_date() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("v.amends");
    let created = Vault::create_with(&path, &pass(), &Settings::default(), FAST).unwrap();
    let recovery = created.recovery_key.expose_secret().to_string();
    let mut v = created.vault;
    let mum = party_with_plan(&mut v, "Mum", 1);
    drop(v);
    {
        // Turn it back into a vault of the third format, as the previous version wrote it.
        let hex: String = recovery.chars().filter(|c| c.is_ascii_hexdigit()).collect();
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!("PRAGMA key = \"x'{hex}'\";"))
            .unwrap();
        conn.execute_batch(
            "ALTER TABLE commitments DROP COLUMN reach; ALTER TABLE payments DROP COLUMN via; ALTER TABLE payments DROP COLUMN recorded; ALTER TABLE checkins DROP COLUMN recorded; ALTER TABLE safety_answers DROP COLUMN reason; ALTER TABLE review_notes DROP COLUMN safety_seen; ALTER TABLE safety_answers DROP COLUMN asked; ALTER TABLE plans DROP COLUMN channel; ALTER TABLE attempts DROP COLUMN channel; DROP TABLE follow_changes;
             DROP TABLE backup_settings; DROP TABLE calendar_settings;
             DROP TABLE outbox; ALTER TABLE settings DROP COLUMN relay;
             DROP TABLE reviews_received; DROP TABLE review_notes; DROP TABLE supported;
             DROP TABLE shares_sent; DROP TABLE contacts; DROP TABLE identity;
             PRAGMA user_version = 3;",
        )
        .unwrap();
    }
    let mut v = Vault::open(&path, &pass()).unwrap();
    assert_eq!(v.schema_version().unwrap(), amends_vault::schema::LATEST);
    let backup = v.migration_backup().expect("a backup was taken");
    assert!(backup.to_string_lossy().contains(".backup-v3-"));
    // Everything recorded is still there, and sharing works.
    assert_eq!(v.record(mum).unwrap().party.name, "Mum");
    assert!(v.identity().unwrap().is_none());
    assert!(v.contacts().unwrap().is_empty());
    let sam = v
        .add_contact(&new_contact("Sam", "sponsor", 1), &now(2))
        .unwrap();
    let version = plan_version(&v, mum);
    let applied = v
        .receive_review(
            sam,
            1,
            &[item(mum, Some(version), Some(Verdict::Approved), "")],
            &now(3),
        )
        .unwrap();
    assert_eq!(applied.approvals_counted, 1);
    assert!(rules::approval_for_plan(&v.record(mum).unwrap()).is_some());
}
