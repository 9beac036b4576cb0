//! The relay in the web app, against real servers and a real relay (`amends-relay` on SQLite, in
//! this test process): the address in Settings, sending a share, a review and a stop through it,
//! "Check for new" on the other side, the relay down (the bundle saved, then sent with Send now),
//! bundles that wait (an unknown sender, who can be blocked; a contact not verified yet), copies
//! skipped, and no talk with the relay on a page load that did not ask for it.

use crate::common;
use crate::relay_support;

use std::io::ErrorKind;
use std::net::TcpListener;

use amends_core::Now;
use amends_core::model::{HarmKind, Method, PartyKind, SafetyAnswers, Willingness};
use amends_core::rules::approval_for_plan;
use amends_share::relay::Relay;
use amends_vault::{HarmInput, PartyRef, PlanInput, Vault, VaultError};
use common::{Resp, Server, tags};
use relay_support::TestRelay;

const CHOSEN: &str = "Avery-Chosen";
const OTHER: &str = "Blake-Other";
const SCRIPT: &str = "Script-Words I am sorry about the van";

/// A list of two: the first with a harm and a plan (safety answered), the second with a harm.
fn seed(v: &mut Vault, now: &Now) -> Result<(), VaultError> {
    let a = v.add_party(CHOSEN, PartyKind::Person, "neighbour", "", now)?;
    v.add_harm(
        &PartyRef::Id(a.id),
        &HarmInput {
            did: "borrowed the van".into(),
            kinds: vec![HarmKind::Property],
            ..HarmInput::default()
        },
        now,
    )?;
    v.set_willingness(&PartyRef::Id(a.id), Willingness::Now, "", now)?;
    v.answer_safety(&PartyRef::Id(a.id), SafetyAnswers::default(), now)?;
    v.plan(
        &PartyRef::Id(a.id),
        &PlanInput {
            channel: None,
            method: Method::Letter,
            script: SCRIPT.into(),
            on: None,
            place: String::new(),
        },
        now,
    )?;
    let b = v.add_party(OTHER, PartyKind::Person, "", "", now)?;
    v.add_harm(
        &PartyRef::Id(b.id),
        &HarmInput {
            did: "forgot the birthday".into(),
            ..HarmInput::default()
        },
        now,
    )?;
    Ok(())
}

fn my_code(html: &str) -> String {
    let start = html.find("id=\"my-code\"").expect("the code field");
    let open = start + html[start..].find('>').expect("its tag ends") + 1;
    let close = open + html[open..].find("</textarea>").expect("its end");
    html[open..close].trim().to_string()
}

/// The value of a hidden input (the first of that name).
fn hidden(html: &str, name: &str) -> String {
    tags(html)
        .into_iter()
        .find(|t| t.name == "input" && t.attr("name") == Some(name))
        .and_then(|t| t.attr("value").map(str::to_string))
        .unwrap_or_else(|| panic!("no field {name} in:\n{html}"))
}

fn contact_id(s: &Server, name: &str) -> i64 {
    s.app
        .read(|v| v.contacts())
        .unwrap()
        .unwrap()
        .into_iter()
        .find(|c| c.label == name)
        .expect("a contact of that name")
        .id
}

fn party_id(s: &Server, name: &str) -> i64 {
    s.app
        .read(|v| v.records())
        .unwrap()
        .unwrap()
        .into_iter()
        .find(|r| r.party.name == name)
        .expect("on the list")
        .party
        .id
}

fn outbox(s: &Server) -> usize {
    s.app.read(|v| v.outbox()).unwrap().unwrap().len()
}

fn relay_address(s: &Server) -> Option<String> {
    s.app.read(|v| v.relay_address()).unwrap().unwrap()
}

/// Adds `other`'s contact code to `s`, through the page; verifies it when asked. Returns the id.
async fn add(s: &mut Server, other: &mut Server, name: &str, role: &str, verify: bool) -> i64 {
    let code = my_code(&other.get("/sharing").await.body);
    s.post(
        "/sharing/contacts",
        &[("code", &code), ("name", name), ("role", role)],
    )
    .await
    .expect(303);
    let id = contact_id(s, name);
    if verify {
        s.post(
            &format!("/sharing/contacts/{id}/verify"),
            &[("matched", "on")],
        )
        .await
        .expect(303);
    }
    id
}

/// Sets the relay address through the Settings page.
async fn use_relay(s: &mut Server, url: &str) {
    let r = s.post("/settings/relay", &[("relay", url)]).await;
    r.expect(303);
    assert_eq!(r.location(), "/settings#relay-h");
    assert_eq!(relay_address(s).as_deref(), Some(url));
}

/// A (with the seeded list) has B as their sponsor; B has A as someone they support; both
/// verified, both using `relay`. Returns (A, B, B's id in A, A's id in B).
async fn pair(relay: &TestRelay) -> (Server, Server, i64, i64) {
    let mut a = Server::ready(seed).await;
    let mut b = Server::ready(|_, _| Ok(())).await;
    let b_in_a = add(&mut a, &mut b, "Sponsor Sam", "sponsor", true).await;
    let a_in_b = add(&mut b, &mut a, "Sponsee Alex", "supported", true).await;
    use_relay(&mut a, &relay.url).await;
    use_relay(&mut b, &relay.url).await;
    (a, b, b_in_a, a_in_b)
}

/// Previews a share of the whole list (harms, plans, scripts) and confirms it with `via`
/// ("relay", or "" for the file). Returns the answer to the confirmation.
async fn share(a: &mut Server, to: i64, via: &str) -> Resp {
    let fields = [
        ("scope", "all"),
        ("part", "harms"),
        ("part", "plans"),
        ("part", "scripts"),
    ];
    let preview = a
        .post(&format!("/sharing/contacts/{to}/preview"), &fields)
        .await;
    preview.expect(200);
    let digest = hidden(&preview.body, "digest");
    let mut confirm: Vec<(&str, &str)> = fields.to_vec();
    confirm.push(("digest", &digest));
    if !via.is_empty() {
        confirm.push(("via", via));
    }
    a.post(&format!("/sharing/contacts/{to}/seal"), &confirm)
        .await
}

/// Shares the whole list's harms as a file (the download's bytes).
async fn seal_file(a: &mut Server, to: i64) -> Vec<u8> {
    let fields = [("scope", "all"), ("part", "harms")];
    let preview = a
        .post(&format!("/sharing/contacts/{to}/preview"), &fields)
        .await;
    let digest = hidden(&preview.body, "digest");
    let token = a.token().await;
    let mut all: Vec<(&str, &str)> = vec![("_csrf", &token)];
    all.extend_from_slice(&fields);
    all.push(("digest", &digest));
    let r = a
        .request(
            reqwest::Method::POST,
            &format!("/sharing/contacts/{to}/seal"),
        )
        .form(&all)
        .send()
        .await
        .expect("the server answers");
    assert_eq!(r.status(), 200);
    r.bytes().await.expect("the file").to_vec()
}

/// Presses "Check for new" and returns the page that says what happened.
async fn check(s: &mut Server) -> Resp {
    let r = s.post("/sharing/inbox", &[]).await;
    r.expect(200);
    assert!(r.is_html());
    r
}

/// The page a redirect leads to, with the flashes it carries.
async fn after(s: &mut Server, r: &Resp) -> Resp {
    r.expect(303);
    s.follow(r).await
}

#[tokio::test]
async fn the_relay_address_is_checked_kept_and_cleared_in_settings() {
    let mut s = Server::ready(seed).await;
    let page = s.get("/settings").await;
    page.expect(200);
    assert!(page.body.contains("id=\"relay-h\""));
    assert!(page.body.contains("What a relay can see"));
    assert!(page.body.contains("cannot open it"));
    assert!(page.body.contains("No relay is set."));
    assert!(!page.body.contains("Show blocked senders"));
    // Without an address the sharing pages say where to set one, and offer no relay button.
    let sharing = s.get("/sharing").await;
    assert!(!sharing.body.contains("Check for new"));
    assert!(sharing.body.contains("set its address"));

    // Addresses that cannot be used: 422, the reason at the field, what was typed kept,
    // nothing saved.
    for (bad, why) in [
        (
            "ftp://relay.example.org",
            "must start with https:// or http://",
        ),
        ("relay.example.org", "must start with https:// or http://"),
        ("https://user:pw@relay.example.org", "user name or password"),
        ("https://relay.example.org/?x=1", "must not have ? or #"),
        ("", "Give the address of the relay"),
    ] {
        let r = s.post("/settings/relay", &[("relay", bad)]).await;
        r.expect(422);
        assert!(r.body.contains("id=\"relay-error\""), "{bad}: {}", r.body);
        assert!(r.body.contains(why), "{bad}: {}", r.body);
        assert!(r.body.contains("aria-invalid=\"true\""));
        let field = tags(&r.body)
            .into_iter()
            .find(|t| t.attr("name") == Some("relay"))
            .expect("the field");
        assert_eq!(field.attr("value"), Some(bad), "what was typed is kept");
        assert_eq!(relay_address(&s), None, "{bad}: nothing saved");
    }

    // A good address is tidied and kept; saving it sends nothing.
    let relay = TestRelay::start();
    let typed = format!(" {}/ ", relay.url);
    let r = s.post("/settings/relay", &[("relay", &typed)]).await;
    let page = after(&mut s, &r).await;
    assert!(page.body.contains("The relay address is saved."));
    assert_eq!(relay_address(&s).as_deref(), Some(relay.url.as_str()));
    assert!(page.body.contains("In use now"));
    assert!(page.body.contains("Show blocked senders"));
    assert!(s.get("/sharing").await.body.contains("Check for new"));
    assert!(s.get("/supported").await.body.contains("Check for new"));

    // Cleared: nothing goes through a relay any more; checking says where to set one.
    let r = s.post("/settings/relay/clear", &[]).await;
    let page = after(&mut s, &r).await;
    assert!(page.body.contains("The relay address is cleared."));
    assert_eq!(relay_address(&s), None);
    let r = s.post("/sharing/inbox", &[]).await;
    let page = after(&mut s, &r).await;
    assert!(
        page.body.contains("No relay address is set."),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn pages_do_not_talk_to_the_relay_unless_asked() {
    // A "relay" that only counts who knocks: nothing may connect while pages are shown.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (mut a, _b, b_in_a, _) = {
        let mut a = Server::ready(seed).await;
        let mut b = Server::ready(|_, _| Ok(())).await;
        let b_in_a = add(&mut a, &mut b, "Sponsor Sam", "sponsor", true).await;
        let a_in_b = add(&mut b, &mut a, "Sponsee Alex", "supported", true).await;
        use_relay(&mut a, &url).await;
        (a, b, b_in_a, a_in_b)
    };
    for path in [
        "/".to_string(),
        "/sharing".to_string(),
        "/supported".to_string(),
        "/settings".to_string(),
        format!("/sharing/contacts/{b_in_a}/share"),
        format!("/sharing/contacts/{b_in_a}/remove"),
    ] {
        a.get(&path).await.expect(200);
    }
    let preview = a
        .post(
            &format!("/sharing/contacts/{b_in_a}/preview"),
            &[("scope", "all"), ("part", "harms")],
        )
        .await;
    preview.expect(200);
    assert!(preview.body.contains("Confirm and send through the relay"));
    match listener.accept() {
        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
        other => panic!("a page load reached the relay: {other:?}"),
    }
    // Asking does reach it (and the app stays calm when what answers is not a relay).
    let accepting = std::thread::spawn(move || {
        listener.set_nonblocking(false).unwrap();
        let (conn, _) = listener.accept().expect("the check knocks");
        drop(conn);
    });
    let r = check(&mut a).await;
    accepting.join().unwrap();
    assert!(r.body.contains("did not answer"), "{}", r.body);
}

#[tokio::test]
async fn a_share_a_review_and_a_stop_travel_through_the_relay() {
    let relay = TestRelay::start();
    let (mut a, mut b, b_in_a, a_in_b) = pair(&relay).await;
    let chosen = party_id(&a, CHOSEN);

    // A sends the share through the relay.
    let r = share(&mut a, b_in_a, "relay").await;
    assert_eq!(r.location(), "/sharing");
    let page = after(&mut a, &r).await;
    assert!(
        page.body.contains("Sent through the relay."),
        "{}",
        page.body
    );
    assert_eq!(outbox(&a), 0, "nothing waits");
    assert!(!page.body.contains("Waiting to send"));
    assert_eq!(a.app.read(|v| v.sent_log()).unwrap().unwrap().len(), 1);

    // B checks for new: the share is filed under People I support, with a link to it.
    let r = check(&mut b).await;
    assert!(
        r.body.contains("Sponsee Alex shared their list with you"),
        "{}",
        r.body
    );
    assert!(r.body.contains("2 entries"));
    assert!(r.body.contains("the first time"));
    assert!(r.body.contains(&format!("href=\"/supported/{a_in_b}\"")));
    assert!(r.body.contains("Nothing is waiting to be sent."));
    let theirs = b.get(&format!("/supported/{a_in_b}")).await;
    theirs.expect(200);
    assert!(theirs.body.contains(CHOSEN) && theirs.body.contains(SCRIPT));
    let list = b.get("/supported").await;
    assert!(list.body.contains("Sponsee Alex"));
    // Checking again: nothing new, and it was taken off the relay.
    let r = check(&mut b).await;
    assert!(r.body.contains("Nothing new on the relay."), "{}", r.body);

    // B approves the plan and sends the review back through the relay.
    b.post(
        &format!("/supported/{a_in_b}/notes"),
        &[
            ("party", &chosen.to_string()),
            ("verdict", "approved"),
            ("text", "Kind and clear."),
        ],
    )
    .await
    .expect(303);
    let review = b.get(&format!("/supported/{a_in_b}/review")).await;
    review.expect(200);
    assert!(review.body.contains("Confirm and send through the relay"));
    let ids = hidden(&review.body, "notes");
    let r = b
        .post(
            &format!("/supported/{a_in_b}/review"),
            &[("notes", &ids), ("via", "relay")],
        )
        .await;
    assert_eq!(r.location(), format!("/supported/{a_in_b}"));
    let page = after(&mut b, &r).await;
    assert!(
        page.body.contains("Sent through the relay."),
        "{}",
        page.body
    );
    assert_eq!(outbox(&b), 0);

    // A checks: the approval lands on the party and counts for the plan (R2).
    let r = check(&mut a).await;
    assert!(
        r.body.contains("Sponsor Sam sent their review"),
        "{}",
        r.body
    );
    assert!(r.body.contains("1 view on a plan counted"));
    assert!(
        r.body
            .contains(&format!("<a href=\"/parties/{chosen}\">{CHOSEN}</a>")),
        "a link to the party it touched: {}",
        r.body
    );
    assert!(
        !r.body
            .contains(&format!("/parties/{}", party_id(&a, OTHER)))
    );
    let records = a.app.read(|v| v.records()).unwrap().unwrap();
    let rec = records.iter().find(|r| r.party.id == chosen).unwrap();
    assert!(approval_for_plan(rec).is_some(), "the approval counts (R2)");
    // Reviews received are shown where the plan is talked over.
    let party = a.get(&format!("/parties/{chosen}/consult")).await;
    assert!(party.body.contains("Kind and clear."));

    // A copy of a bundle already opened is skipped: A shares a file, and the same bytes reach
    // B's mailbox twice.
    let bytes = seal_file(&mut a, b_in_a).await;
    assert!(bytes.starts_with(b"age-encryption.org/v1"));
    let me = a
        .app
        .write(|v, now| Ok(amends_share::identity(v, now).unwrap()))
        .unwrap()
        .unwrap();
    let to = b
        .app
        .write(|v, now| Ok(amends_share::identity(v, now).unwrap().public().mailbox()))
        .unwrap()
        .unwrap();
    let url = relay.url.clone();
    tokio::task::spawn_blocking(move || {
        let r = Relay::new(&url).unwrap();
        r.post(&me, &to, &bytes).unwrap();
        r.post(&me, &to, &bytes).unwrap();
    })
    .await
    .unwrap();
    let r = check(&mut b).await;
    assert!(r.body.contains("shared their list with you"), "{}", r.body);
    assert!(r.body.contains("It replaces what they shared before"));
    assert!(
        r.body
            .contains("1 bundle was a copy of one you had already opened"),
        "{}",
        r.body
    );

    // A stops sharing through the relay: B's app deletes what A shared when it arrives.
    let remove = a.get(&format!("/sharing/contacts/{b_in_a}/remove")).await;
    assert!(
        remove
            .body
            .contains("Remove and send the stop through the relay")
    );
    let r = a
        .post(
            &format!("/sharing/contacts/{b_in_a}/remove"),
            &[("via", "relay")],
        )
        .await;
    let page = after(&mut a, &r).await;
    assert!(
        page.body.contains("Sponsor Sam is removed."),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Sent through the relay."),
        "{}",
        page.body
    );
    let r = check(&mut b).await;
    assert!(
        r.body.contains("Sponsee Alex stopped sharing with you"),
        "{}",
        r.body
    );
    assert!(b.app.read(|v| v.supported()).unwrap().unwrap().is_empty());
    b.get(&format!("/supported/{a_in_b}")).await.expect(404);
}

#[tokio::test]
async fn with_the_relay_down_the_bundle_is_saved_and_send_now_delivers_it_later() {
    let mut relay = TestRelay::start();
    let (mut a, mut b, b_in_a, a_in_b) = pair(&relay).await;
    relay.stop();

    let r = share(&mut a, b_in_a, "relay").await;
    assert_eq!(r.location(), "/sharing#outbox-h");
    let page = after(&mut a, &r).await;
    assert!(
        page.body.contains(&format!(
            "The relay at {} did not answer (nothing answered at that address).",
            relay.url
        )),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Your share for Sponsor Sam is saved in this vault")
    );
    assert!(
        page.body
            .contains("the next time you check for new or press Send now")
    );
    assert!(!page.body.contains("Sent through the relay."));
    assert_eq!(outbox(&a), 1, "the bundle is kept");
    // The outbox is listed, with the last problem in words.
    let sharing = a.get("/sharing").await;
    assert!(sharing.body.contains("id=\"outbox-h\""));
    assert!(sharing.body.contains("Waiting to send"));
    assert!(
        sharing.body.contains("<td>Sponsor Sam</td>"),
        "{}",
        sharing.body
    );
    assert!(sharing.body.contains("Your shared list"));
    assert!(sharing.body.contains("The relay did not answer"));
    assert!(sharing.body.contains("Send now"));

    // Send now while it is still down: still kept, and it says so.
    let r = a.post("/sharing/outbox/send", &[]).await;
    assert_eq!(r.location(), "/sharing#outbox-h");
    let page = after(&mut a, &r).await;
    assert!(page.body.contains("did not answer"), "{}", page.body);
    assert!(page.body.contains("1 bundle waits in this vault"));
    assert_eq!(outbox(&a), 1);
    // Checking for new while it is down says so calmly, and loses nothing.
    let r = check(&mut b).await;
    assert!(r.body.contains("did not answer"), "{}", r.body);
    assert!(r.body.contains("stays on the relay for next time"));
    assert!(!r.body.contains("Nothing new on the relay."));

    // The relay is back: Send now delivers, and B finds the share.
    relay.restart();
    let r = a.post("/sharing/outbox/send", &[]).await;
    let page = after(&mut a, &r).await;
    assert!(
        page.body
            .contains("Sent through the relay: your shared list to Sponsor Sam."),
        "{}",
        page.body
    );
    assert!(page.body.contains("Nothing is waiting to be sent now."));
    assert_eq!(outbox(&a), 0);
    assert!(!page.body.contains("id=\"outbox-h\""));
    let r = check(&mut b).await;
    assert!(
        r.body.contains("Sponsee Alex shared their list with you"),
        "{}",
        r.body
    );
    assert!(b.get(&format!("/supported/{a_in_b}")).await.status == 200);

    // Saved again while it is down, the bundle also goes when A next checks for new: sending
    // what waits comes first.
    relay.stop();
    let r = share(&mut a, b_in_a, "relay").await;
    assert_eq!(r.location(), "/sharing#outbox-h");
    assert_eq!(outbox(&a), 1);
    relay.restart();
    let r = check(&mut a).await;
    assert!(r.body.contains("Sent through the relay:"), "{}", r.body);
    assert!(r.body.contains("your shared list to Sponsor Sam"));
    assert!(r.body.contains("Nothing is waiting to be sent."));
    assert_eq!(outbox(&a), 0);
}

#[tokio::test]
async fn a_bundle_from_an_unknown_sender_waits_and_the_sender_can_be_blocked() {
    let relay = TestRelay::start();
    let (_a, mut b, _, _) = pair(&relay).await;
    // C knows B (B's code, verified on C's side); B does not know C.
    let mut c = Server::ready(seed).await;
    let b_in_c = add(&mut c, &mut b, "Sponsor Sam", "sponsor", true).await;
    use_relay(&mut c, &relay.url).await;
    let r = share(&mut c, b_in_c, "relay").await;
    assert!(
        after(&mut c, &r)
            .await
            .body
            .contains("Sent through the relay.")
    );
    let c_mailbox = c
        .app
        .write(|v, now| Ok(amends_share::identity(v, now).unwrap().public().mailbox()))
        .unwrap()
        .unwrap()
        .to_string();

    // B checks: it waits, unopened, with a way to block the sender.
    let r = check(&mut b).await;
    assert!(
        r.body
            .contains("A bundle from someone who is not in your contacts"),
        "{}",
        r.body
    );
    assert!(r.body.contains(&c_mailbox), "the sender's key, to compare");
    assert_eq!(hidden(&r.body, "sender"), c_mailbox);
    assert!(r.body.contains("Block this sender"));
    assert!(b.app.read(|v| v.supported()).unwrap().unwrap().is_empty());
    // It stays there: the next check finds it again.
    assert!(check(&mut b).await.body.contains("not in your contacts"));

    // Block: first the words of what it does, then the block itself.
    let r = b.post("/sharing/block", &[("sender", &c_mailbox)]).await;
    r.expect(200);
    assert_eq!(common::title(&r.body), "Block a sender · Amends");
    assert!(r.body.contains("quietly discards whatever they send you"));
    assert!(r.body.contains("It does not tell them, or anyone else"));
    assert_eq!(hidden(&r.body, "confirm"), "yes");
    let blocked = b.get("/settings/relay/blocked").await;
    assert!(
        blocked.body.contains("You have not blocked anyone"),
        "{}",
        blocked.body
    );
    let r = b
        .post(
            "/sharing/block",
            &[("sender", &c_mailbox), ("confirm", "yes")],
        )
        .await;
    let page = after(&mut b, &r).await;
    assert!(page.body.contains("Blocked."), "{}", page.body);
    assert!(page.body.contains("They are not told"));
    assert!(
        page.body
            .contains("The one bundle of theirs that was waiting for you there is deleted.")
    );
    let blocked = b.get("/settings/relay/blocked").await;
    blocked.expect(200);
    assert!(blocked.body.contains(&c_mailbox), "{}", blocked.body);
    assert!(blocked.body.contains("Someone not in your contacts"));
    // What waited is gone, so it no longer comes back at each check.
    assert!(!check(&mut b).await.body.contains("not in your contacts"));

    // C is never told: the relay answers as usual and discards the bundle.
    let r = share(&mut c, b_in_c, "relay").await;
    let page = after(&mut c, &r).await;
    assert!(
        page.body.contains("Sent through the relay."),
        "{}",
        page.body
    );
    assert_eq!(outbox(&c), 0);
    let r = check(&mut b).await;
    assert!(!r.body.contains("not in your contacts"), "{}", r.body);
    assert!(!r.body.contains("A bundle from"), "{}", r.body);

    // Unblocked: what C sends from then on reaches B again.
    let r = b
        .post("/settings/relay/unblock", &[("sender", &c_mailbox)])
        .await;
    assert_eq!(r.location(), "/settings/relay/blocked");
    let page = after(&mut b, &r).await;
    assert!(page.body.contains("Unblocked."), "{}", page.body);
    assert!(page.body.contains("You have not blocked anyone"));
    let r = share(&mut c, b_in_c, "relay").await;
    assert!(
        after(&mut c, &r)
            .await
            .body
            .contains("Sent through the relay.")
    );

    // B adds C, not verified yet: the waiting bundle says so, with the way to verify.
    let c_in_b = add(&mut b, &mut c, "Casey", "supported", false).await;
    let r = check(&mut b).await;
    assert!(r.body.contains("A bundle from Casey."), "{}", r.body);
    assert!(
        r.body
            .contains("You have not confirmed their fingerprint yet")
    );
    assert!(
        r.body
            .contains(&format!("href=\"/sharing#contact-{c_in_b}\""))
    );
    assert!(b.app.read(|v| v.supported()).unwrap().unwrap().is_empty());
    // Verified, the next check opens it.
    b.post(
        &format!("/sharing/contacts/{c_in_b}/verify"),
        &[("matched", "on")],
    )
    .await
    .expect(303);
    let r = check(&mut b).await;
    assert!(
        r.body.contains("Casey shared their list with you"),
        "{}",
        r.body
    );
    // A sender that cannot be read blocks nothing.
    let r = b.post("/sharing/block", &[("sender", "not-a-key")]).await;
    let page = after(&mut b, &r).await;
    assert!(page.body.contains("nothing was blocked"), "{}", page.body);
}

// Two threads: if quick exit waited for the vault, the client's time limit would fail the test
// instead of the server's one thread hanging it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_exit_does_not_wait_for_a_relay_that_does_not_answer() {
    // A "relay" that takes the connection and says nothing until the test lets it go.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (knocked_tx, knocked) = tokio::sync::oneshot::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let silent = std::thread::spawn(move || {
        let (conn, _) = listener.accept().expect("the check knocks");
        knocked_tx.send(()).unwrap();
        released.recv().unwrap();
        drop(conn);
    });
    let mut s = Server::ready(seed).await;
    use_relay(&mut s, &url).await;
    let token = s.token().await;
    let checking = tokio::spawn(common::send(
        s.request(reqwest::Method::POST, "/sharing/inbox")
            .form(&[("_csrf", token.as_str())]),
    ));
    knocked.await.unwrap();

    // The check holds the vault while it waits for the relay; quick exit still locks at once.
    let r = s.post("/exit", &[]).await;
    assert_eq!(r.location(), "/away");
    s.get("/away").await.expect(200);
    assert_eq!(s.get("/").await.location(), "/unlock");
    release.send(()).unwrap();
    silent.join().unwrap();
    // The check ends without showing anything, and the vault is closed.
    let r = checking.await.unwrap();
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), "/unlock");
    assert!(s.app.read(|_| Ok(())).is_none(), "the vault is closed");
    // Unlocked again, everything is as it was.
    s.unlock().await;
    s.get("/sharing").await.expect(200);
}

/// Uploads a file to `/sharing/open` as the page's form does (the token first).
async fn upload(s: &mut Server, file: &[u8]) -> Resp {
    let token = s.token().await;
    let boundary = "----amendsbundle5c1d";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{token}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.age\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    common::send(
        s.request(reqwest::Method::POST, "/sharing/open")
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body),
    )
    .await
}

/// Presses "Save as a file" on a waiting bundle: the answer's headers and bytes.
async fn save_waiting(s: &mut Server, id: i64) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let token = s.token().await;
    let r = s
        .request(reqwest::Method::POST, &format!("/sharing/outbox/{id}/save"))
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .expect("the server answers");
    assert_eq!(r.status(), 200);
    let headers = r.headers().clone();
    (headers, r.bytes().await.expect("the file").to_vec())
}

fn waiting_ids(s: &Server) -> Vec<i64> {
    s.app
        .read(|v| v.outbox())
        .unwrap()
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect()
}

#[tokio::test]
async fn a_bundle_refused_for_good_can_be_saved_as_a_file_or_discarded() {
    // A relay that takes nothing larger than 64 bytes: what A sends is refused, every time.
    let relay = TestRelay::taking_at_most(64);
    let (mut a, mut b, b_in_a, _) = pair(&relay).await;
    let r = share(&mut a, b_in_a, "relay").await;
    assert_eq!(r.location(), "/sharing#outbox-h");
    let page = after(&mut a, &r).await;
    assert!(page.body.contains("refused it"), "{}", page.body);
    assert!(
        page.body.contains(
            "Under Waiting to send on the Sharing page, you can save it as a file to give them yourself, or discard it."
        ),
        "{}",
        page.body
    );
    assert!(!page.body.contains("share again and download"));
    let ids = waiting_ids(&a);
    assert_eq!(ids.len(), 1);
    let id = ids[0];
    let sharing = a.get("/sharing").await;
    assert!(
        sharing.body.contains("This relay will keep refusing it."),
        "{}",
        sharing.body
    );
    assert!(
        sharing
            .body
            .contains(&format!("action=\"/sharing/outbox/{id}/save\""))
    );
    assert!(
        sharing
            .body
            .contains(&format!("href=\"/sharing/outbox/{id}/discard\""))
    );

    // Saved as a file: the very bundle that waits, named without anyone's name, which B's app
    // opens. It still waits.
    let (headers, bytes) = save_waiting(&mut a, id).await;
    let header = |name: &str| headers.get(name).unwrap().to_str().unwrap().to_string();
    assert_eq!(header("content-type"), "application/octet-stream");
    assert_eq!(header("cache-control"), "no-store");
    let disposition = header("content-disposition");
    assert!(
        disposition.starts_with("attachment; filename=\"amends-share-")
            && disposition.ends_with("-1.age\""),
        "{disposition}"
    );
    for name in ["Sam", "Alex", "Sponsor", "Sponsee"] {
        assert!(!disposition.contains(name), "{disposition}");
    }
    let kept = a.app.read(|v| v.outbox_bundle(id)).unwrap().unwrap();
    assert_eq!(Some(bytes.clone()), kept);
    assert_eq!(waiting_ids(&a), vec![id], "saving is not sending");
    let sharing = a.get("/sharing").await;
    assert!(
        sharing.body.contains("is saved as the file amends-share-"),
        "{}",
        sharing.body
    );
    let opened = upload(&mut b, &bytes).await;
    opened.expect(200);
    assert!(
        opened
            .body
            .contains("Sponsee Alex shared their list with you"),
        "{}",
        opened.body
    );

    // Discard asks first, and says what it means; without confirm nothing changes.
    let ask = a.get(&format!("/sharing/outbox/{id}/discard")).await;
    ask.expect(200);
    assert_eq!(
        common::title(&ask.body),
        "Discard a waiting bundle · Amends"
    );
    for words in [
        "It will not be sent",
        "What it contained stays in your vault",
        "still lists it as sealed for Sponsor Sam",
        "A later share sends your list as it is then",
        "This relay will keep refusing it.",
    ] {
        assert!(ask.body.contains(words), "{words}: {}", ask.body);
    }
    assert_eq!(hidden(&ask.body, "confirm"), "yes");
    let r = a.post(&format!("/sharing/outbox/{id}/discard"), &[]).await;
    r.expect(200);
    assert!(r.body.contains("What discarding means"));
    assert_eq!(waiting_ids(&a), vec![id], "not without confirm");
    let r = a
        .post(
            &format!("/sharing/outbox/{id}/discard"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.location(), "/sharing");
    let page = after(&mut a, &r).await;
    assert!(
        page.body
            .contains("Discarded. Your shared list to Sponsor Sam will not be sent"),
        "{}",
        page.body
    );
    assert!(waiting_ids(&a).is_empty());
    assert!(!page.body.contains("id=\"outbox-h\""));
    assert_eq!(
        a.app.read(|v| v.sent_log()).unwrap().unwrap().len(),
        1,
        "the log still lists it"
    );
    // Send now no longer tries it.
    let r = a.post("/sharing/outbox/send", &[]).await;
    let page = after(&mut a, &r).await;
    assert!(
        page.body.contains("Nothing was waiting to be sent."),
        "{}",
        page.body
    );

    // A bundle that no longer waits, or an id that never did: said plainly, nothing changed.
    for (method, path) in [
        ("POST", format!("/sharing/outbox/{id}/save")),
        ("POST", format!("/sharing/outbox/{id}/discard")),
        ("GET", "/sharing/outbox/999/discard".to_string()),
        ("POST", "/sharing/outbox/nine/save".to_string()),
    ] {
        let r = if method == "GET" {
            a.get(&path).await
        } else {
            a.post(&path, &[("confirm", "yes")]).await
        };
        assert_eq!(r.location(), "/sharing#outbox-h", "{method} {path}");
        let page = after(&mut a, &r).await;
        assert!(
            page.body
                .contains("That bundle is no longer waiting to be sent"),
            "{method} {path}: {}",
            page.body
        );
    }
    assert_eq!(a.app.read(|v| v.sent_log()).unwrap().unwrap().len(), 1);

    // A stop bundle refused for good: discarding it means their app is not asked to delete.
    let r = a
        .post(
            &format!("/sharing/contacts/{b_in_a}/remove"),
            &[("via", "relay")],
        )
        .await;
    let page = after(&mut a, &r).await;
    assert!(page.body.contains("refused it"), "{}", page.body);
    let ids = waiting_ids(&a);
    assert_eq!(ids.len(), 1);
    let ask = a.get(&format!("/sharing/outbox/{}/discard", ids[0])).await;
    assert!(
        ask.body
            .contains("their app will not be asked, unless they get this file another way"),
        "{}",
        ask.body
    );
    let r = a
        .post(
            &format!("/sharing/outbox/{}/discard", ids[0]),
            &[("confirm", "yes")],
        )
        .await;
    after(&mut a, &r).await;
    assert!(waiting_ids(&a).is_empty());
}
