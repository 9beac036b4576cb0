//! The relay steps between real encrypted vaults and a real relay (`amends-relay`, on SQLite,
//! in this test process): what `check_inbox` acknowledges and what it leaves on the relay, and
//! how the outbox keeps each person's bundles in order when the relay cannot take one.

use crate::common;

use common::{at, vault};

use std::str::FromStr;

use amends_core::model::{Method, PartyKind, SafetyAnswers};
use amends_relay::{Clock, Config};
use amends_share::document::Part;
use amends_share::relay::{Relay, RelayError};
use amends_share::{
    Delivery, Received, Selection, ShareError, WaitReason, add_contact, check_inbox,
    contact_mailbox, flush_outbox, identity, prepare_share, seal_share_for_relay, send_via,
};
use amends_vault::{ContactRef, HarmInput, PartyRef, PlanInput, Vault};
use tempfile::TempDir;

/// A relay running in this process until the test ends.
struct TestRelay {
    url: String,
    _runtime: tokio::runtime::Runtime,
    _dir: TempDir,
}

fn relay_with(change: impl FnOnce(&mut Config)) -> TestRelay {
    let dir = TempDir::new().unwrap();
    let mut config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: format!("sqlite://{}", dir.path().join("relay.sqlite").display()),
        ..Config::default()
    };
    change(&mut config);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let relay = runtime
        .block_on(amends_relay::start(config, Clock::system()))
        .unwrap();
    let url = format!("http://{}", relay.local_addr());
    runtime.spawn(relay.run(std::future::pending()));
    TestRelay {
        url,
        _runtime: runtime,
        _dir: dir,
    }
}

fn client(r: &TestRelay) -> Relay {
    Relay::new(&r.url).unwrap()
}

/// `from` adds `to`'s code (and verifies it when asked); returns the contact in `from`.
fn add(from: &mut Vault, to: &mut Vault, name: &str, role: &str, verify: bool) -> ContactRef {
    let code = identity(to, &at(0)).unwrap().public().contact_code();
    let (id, _) = add_contact(from, &code, name, role, &at(0)).unwrap();
    if verify {
        from.verify_contact(id, &at(0)).unwrap();
    }
    ContactRef::Id(id)
}

fn with_a_party(v: &mut Vault) {
    v.add_party("Dana", PartyKind::Person, "sister", "", &at(1))
        .unwrap();
    let dana = PartyRef::Name("Dana".into());
    v.add_harm(
        &dana,
        &HarmInput {
            did: "Missed her wedding".into(),
            ..HarmInput::default()
        },
        &at(1),
    )
    .unwrap();
    v.answer_safety(&dana, SafetyAnswers::default(), &at(1))
        .unwrap();
    v.plan(
        &PartyRef::Name("Dana".into()),
        &PlanInput {
            channel: None,
            method: Method::Letter,
            script: "Dana, I am sorry.".into(),
            on: None,
            place: String::new(),
        },
        &at(1),
    )
    .unwrap();
}

/// Seals a share of the whole list for the relay; returns its outbox id.
fn queue_share(v: &mut Vault, to: &ContactRef, hour: i64) -> i64 {
    let prepared = prepare_share(
        v,
        to,
        &Selection {
            parties: None,
            parts: vec![Part::Plans],
        },
        &at(hour),
    )
    .unwrap();
    seal_share_for_relay(v, &prepared, &at(hour))
        .unwrap()
        .outbox
        .expect("it is in the outbox")
}

#[test]
fn check_inbox_opens_what_it_can_drops_what_never_will_and_leaves_the_rest() {
    let relay = relay_with(|_| {});
    let dir = TempDir::new().unwrap();
    let (mut a, mut b, mut c) = (
        vault(&dir, "a.amends"),
        vault(&dir, "b.amends"),
        vault(&dir, "c.amends"),
    );
    with_a_party(&mut a);
    with_a_party(&mut c);
    let sponsor = add(&mut a, &mut b, "Sponsor", "sponsor", true);
    add(&mut b, &mut a, "Sponsee", "supported", true);
    // A stranger: c has b's code, b does not have c's.
    let b_for_c = add(&mut c, &mut b, "B", "sponsor", true);
    let me_b = identity(&mut b, &at(0)).unwrap();
    let me_a = identity(&mut a, &at(0)).unwrap();
    let me_c = identity(&mut c, &at(0)).unwrap();
    let r = client(&relay);

    // 1: not a bundle at all.
    r.post(&me_c, &me_b.mailbox(), b"hello").unwrap();
    // 2: from a, made by a newer version of Amends.
    let b_age = age::x25519::Recipient::from_str(&me_b.public().age_recipient()).unwrap();
    let newer = age::encrypt(&b_age, br#"{"format":"amends-bundle","version":9}"#).unwrap();
    r.post(&me_a, &me_b.mailbox(), &newer).unwrap();
    // 3: a's real share.
    let id = queue_share(&mut a, &sponsor, 2);
    assert_eq!(send_via(&mut a, id, &r, &at(2)).unwrap(), Delivery::Sent);
    assert!(a.outbox().unwrap().is_empty());
    // 4: a share from the stranger.
    let id = queue_share(&mut c, &b_for_c, 2);
    assert_eq!(send_via(&mut c, id, &r, &at(2)).unwrap(), Delivery::Sent);

    let report = check_inbox(&mut b, &r, &at(3)).unwrap();
    assert!(report.interrupted.is_none(), "{:?}", report.interrupted);
    assert_eq!(report.received.len(), 1);
    assert!(matches!(
        &report.received[0],
        Received::Share {
            parties: 1,
            first: true,
            ..
        }
    ));
    assert_eq!(report.duplicates, 0);
    assert_eq!(report.refused.len(), 1);
    assert!(matches!(report.refused[0].why, ShareError::NotABundle));
    assert_eq!(report.refused[0].sender, Some(me_c.mailbox()));
    assert_eq!(report.waiting.len(), 2);
    assert!(matches!(
        report.waiting[0].why,
        WaitReason::NewerVersion(ShareError::TooNew { found: 9, .. })
    ));
    assert_eq!(report.waiting[0].sender, Some(me_a.mailbox()));
    assert!(matches!(report.waiting[1].why, WaitReason::UnknownSender));
    assert_eq!(report.waiting[1].sender, Some(me_c.mailbox()));

    // What waits was not acknowledged: it is still there, and still waits.
    let again = check_inbox(&mut b, &r, &at(4)).unwrap();
    assert_eq!(again.received.len(), 0);
    assert_eq!(again.refused.len(), 0);
    assert_eq!(again.waiting.len(), 2);
    assert_eq!(r.fetch(&me_b, None).unwrap().bundles.len(), 2);

    // Once b adds and verifies c, the stranger's share opens.
    add(&mut b, &mut c, "C", "supported", true);
    let later = check_inbox(&mut b, &r, &at(5)).unwrap();
    assert_eq!(later.received.len(), 1);
    assert_eq!(later.received[0].contact().label, "C");
    assert_eq!(later.waiting.len(), 1, "the newer bundle still waits");
}

#[test]
fn a_full_mailbox_holds_back_later_bundles_to_the_same_person_only() {
    let dir = TempDir::new().unwrap();
    let (mut a, mut b, mut d) = (
        vault(&dir, "a.amends"),
        vault(&dir, "b.amends"),
        vault(&dir, "d.amends"),
    );
    with_a_party(&mut a);
    let to_b = add(&mut a, &mut b, "B", "sponsor", true);
    let to_d = add(&mut a, &mut d, "D", "therapist", true);
    add(&mut b, &mut a, "A", "supported", true);
    let b1 = queue_share(&mut a, &to_b, 1);
    let b2 = queue_share(&mut a, &to_b, 2);
    let d1 = queue_share(&mut a, &to_d, 3);

    // Room for one of these bundles in a mailbox, not two.
    let size = a.outbox_entry(b1).unwrap().unwrap().bytes;
    let relay = relay_with(|c| {
        c.max_bundle_bytes = size * 3 / 2;
        c.max_mailbox_bytes = size * 3 / 2;
    });
    let r = client(&relay);
    let report = flush_outbox(&mut a, &r, &at(4)).unwrap();
    let sent: Vec<i64> = report.sent.iter().map(|e| e.id).collect();
    assert_eq!(sent, vec![b1, d1]);
    assert_eq!(report.unsent.len(), 1);
    assert_eq!(report.unsent[0].entry.id, b2);
    assert!(report.unsent[0].tried);
    assert_eq!(report.unsent[0].why.code(), "mailbox_full");
    assert!(report.unsent[0].why.is_passing());

    // A third for b waits behind the second without being tried.
    let b3 = queue_share(&mut a, &to_b, 5);
    let report = flush_outbox(&mut a, &r, &at(6)).unwrap();
    assert!(report.sent.is_empty());
    let unsent: Vec<(i64, bool)> = report
        .unsent
        .iter()
        .map(|u| (u.entry.id, u.tried))
        .collect();
    assert_eq!(unsent, vec![(b2, true), (b3, false)]);
    assert_eq!(a.outbox_entry(b2).unwrap().unwrap().attempts, 2);
    assert_eq!(a.outbox_entry(b3).unwrap().unwrap().attempts, 0);

    // Each time b collects, the next one goes: all three open, in order, none a replay.
    for expected in [1u64, 2, 3] {
        let hour = 7 + expected as i64;
        let got = check_inbox(&mut b, &r, &at(hour)).unwrap();
        assert_eq!(got.received.len(), 1, "share {expected}");
        assert_eq!(got.duplicates, 0);
        assert_eq!(b.contacts().unwrap()[0].received_seq, expected);
        flush_outbox(&mut a, &r, &at(hour)).unwrap();
    }
    assert!(a.outbox().unwrap().is_empty());
}

#[test]
fn send_via_sends_what_waited_for_the_same_person_first() {
    let dir = TempDir::new().unwrap();
    let (mut a, mut b) = (vault(&dir, "a.amends"), vault(&dir, "b.amends"));
    with_a_party(&mut a);
    let to_b = add(&mut a, &mut b, "B", "sponsor", true);
    add(&mut b, &mut a, "A", "supported", true);

    // Nothing listens here.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = Relay::new(&format!("http://127.0.0.1:{port}")).unwrap();
    let first = queue_share(&mut a, &to_b, 1);
    match send_via(&mut a, first, &down, &at(1)).unwrap() {
        Delivery::Saved { why } => {
            assert!(why.is_unreachable(), "{why:?}");
            assert!(why.is_passing());
        }
        Delivery::Sent => panic!("nothing listens there"),
    }
    let entry = a.outbox_entry(first).unwrap().unwrap();
    assert_eq!(entry.last_error.as_deref(), Some("unreachable"));
    assert_eq!(entry.recipient_key, a.contacts().unwrap()[0].sign_key);

    let relay = relay_with(|_| {});
    let r = client(&relay);
    let second = queue_share(&mut a, &to_b, 2);
    assert_eq!(
        send_via(&mut a, second, &r, &at(2)).unwrap(),
        Delivery::Sent
    );
    assert!(a.outbox().unwrap().is_empty(), "the first went first");
    let got = check_inbox(&mut b, &r, &at(3)).unwrap();
    assert_eq!(got.received.len(), 2);
    assert_eq!(got.duplicates, 0);
    assert!(matches!(
        &got.received[1],
        Received::Share { first: false, .. }
    ));
    // Sending one that already went is harmless.
    assert_eq!(send_via(&mut a, first, &r, &at(4)).unwrap(), Delivery::Sent);
}

#[test]
fn a_bundle_too_large_for_the_relay_stays_and_does_not_hold_back_the_next() {
    let relay = relay_with(|c| {
        c.max_bundle_bytes = 64;
        c.max_mailbox_bytes = 64 * 1024;
    });
    let dir = TempDir::new().unwrap();
    let (mut a, mut b) = (vault(&dir, "a.amends"), vault(&dir, "b.amends"));
    with_a_party(&mut a);
    let to_b = add(&mut a, &mut b, "B", "sponsor", true);
    let r = client(&relay);
    queue_share(&mut a, &to_b, 1);
    queue_share(&mut a, &to_b, 2);
    let report = flush_outbox(&mut a, &r, &at(3)).unwrap();
    assert!(report.sent.is_empty());
    assert_eq!(report.unsent.len(), 2);
    for u in &report.unsent {
        assert!(u.tried, "a refusal that will not pass holds nothing back");
        assert_eq!(u.why.code(), "too_large");
        assert!(!u.why.is_passing());
        assert!(matches!(u.why, RelayError::Refused(_)));
        let words = u.why.to_string();
        assert!(words.starts_with("The relay refused it:"), "{words}");
    }
    assert_eq!(a.outbox().unwrap().len(), 2, "nothing is lost");
    // The contact's mailbox is what the relay was asked to deliver to.
    let contact = a.contacts().unwrap().remove(0);
    assert_eq!(
        contact_mailbox(&contact).unwrap(),
        identity(&mut b, &at(0)).unwrap().mailbox()
    );
}
