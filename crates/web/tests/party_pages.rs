//! The party page through real HTTP: a server on a loopback port, a client with cookies and
//! the CSRF token read from the page, and the vault file read back to see what was kept.

use crate::party_common;

use amends_core::model::{CommitmentKind, Method, Outcome, Settings};
use party_common::{start, start_with, today};
use reqwest::StatusCode;

/// The harm a party is added with where one must be named first.
const HARM: &str = "I borrowed the car without asking and dented it.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_party_is_added_with_its_first_harm() {
    let s = start().await;
    let form = s.get("/parties/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(r#"action="/parties""#));
    assert!(form.body.contains(r#"name="kinds" value="trust""#));

    let id = s
        .add_party(&[
            ("name", "Jess Marlow"),
            ("kind", "person"),
            ("relationship", "my sister"),
            ("notes", ""),
            ("did", "I borrowed her car without asking and dented it."),
            ("should", "Asked first, and told her at once."),
            ("effect", "She could not get to work for a week."),
            ("kinds", "property"),
            ("kinds", "trust"),
            ("when", "summer 2019"),
            ("owed", "120.50"),
        ])
        .await;

    let r = s.record(id);
    assert_eq!(r.party.name, "Jess Marlow");
    assert_eq!(r.party.relationship, "my sister");
    assert_eq!(r.harms.len(), 1);
    let h = &r.harms[0];
    assert_eq!(h.did, "I borrowed her car without asking and dented it.");
    assert_eq!(h.when, "summer 2019");
    assert_eq!(h.owed.map(|m| m.minor), Some(12050));
    assert_eq!(h.kinds.len(), 2);

    let page = s.whole(id).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.title(), "A person on your list · Amends");
    assert!(!page.title().contains("Jess"));
    assert!(
        page.body
            .contains("<h1 id=\"party-name\"><bdi>Jess Marlow</bdi></h1>")
    );
    assert!(page.body.contains("Added to your list, with the harm."));
    assert!(
        page.body
            .contains("I borrowed her car without asking and dented it.")
    );
    assert!(page.body.contains("120.50 USD"));
    assert!(page.body.contains("What is still needed"));
    assert!(page.body.contains("there is no plan yet"));
    // The flash is shown once.
    let again = s.whole(id).await;
    assert!(!again.body.contains("Added to your list, with the harm."));
    // The timeline has the party and the harm, with dates.
    assert!(again.body.contains("Added to your list</span>"));
    assert!(again.body.contains("Harm noted"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_court_order_refuses_a_direct_plan_and_nothing_is_saved() {
    let s = start().await;
    let id = s.add_person_with_harm("Jess Marlow", HARM).await;
    s.answer_safety(id, &["court-order"]).await;

    let page = s.whole(id).await;
    assert!(page.body.contains("No contact of any kind."));
    assert!(page.body.contains("A court order is in place between you."));
    // The plan form offers only what does not reach them, and marks each way of reaching them
    // as not open.
    let what = &page.body[page.body.find(r#"id="p-kind""#).expect("the plan's What")..];
    let what = &what[..what.find("</select>").unwrap()];
    assert!(!what.contains(r#"<option value="words""#), "{what}");
    assert!(what.contains(r#"<option value="unsent-letter""#), "{what}");
    let how = &page.body[page.body.find(r#"id="p-method""#).expect("the plan's How")..];
    let how = &how[..how.find("</select>").unwrap()];
    assert!(how.contains("face to face (not open now)"), "{how}");

    let r = s
        .post(
            &format!("/parties/{id}/plan"),
            &[
                ("version", ""),
                ("method", "face-to-face"),
                ("on", ""),
                ("place", "her flat"),
                ("script", "Jess, I came to say I was wrong about the car."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains(
            "You cannot plan amends face to face because a court order forbids contact of any kind"
        ),
        "{}",
        r.body
    );
    assert!(r.body.contains("(rule R4)"), "{}", r.body);
    assert!(
        r.body.contains(
            "Choose one of: living amends (a lasting change of behaviour); indirect amends"
        )
    );
    // What was typed is still there.
    assert!(
        r.body
            .contains(">Jess, I came to say I was wrong about the car.</textarea>")
    );
    assert!(r.body.contains(r#"value="her flat""#));
    assert_eq!(r.title(), "A person on your list · Amends");
    // Nothing was saved.
    assert!(s.record(id).plan.is_none());
    let page = s.whole(id).await;
    assert!(page.body.contains("No plan yet."));

    // A way that does not reach them is accepted.
    let r = s
        .post(
            &format!("/parties/{id}/plan"),
            &[
                ("version", ""),
                ("method", "unsent-letter"),
                ("on", ""),
                ("place", ""),
                ("script", "A letter I will read to my sponsor."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location, format!("/parties/{id}/plan#plan"));
    assert_eq!(
        s.record(id).plan.map(|p| p.method),
        Some(Method::UnsentLetter)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_plan_keeps_what_was_not_changed() {
    let s = start().await;
    let id = s.add_person_with_harm("Sam", HARM).await;
    s.answer_safety(id, &[]).await;
    let r = s
        .post(
            &format!("/parties/{id}/plan"),
            &[
                ("version", ""),
                ("method", "letter"),
                ("on", ""),
                ("place", ""),
                ("script", "Dear Sam,\r\nI was wrong."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let plan = s.record(id).plan.expect("a plan");
    assert_eq!(plan.script, "Dear Sam,\nI was wrong.");

    // The form as the page fills it, with only the place changed.
    let page = s.whole(id).await;
    let version = plan.updated.to_string();
    assert!(
        page.body
            .contains(&format!(r#"name="version" value="{version}""#))
    );
    let r = s
        .post(
            &format!("/parties/{id}/plan"),
            &[
                ("version", version.as_str()),
                ("method", "letter"),
                ("on", ""),
                ("place", "the park"),
                ("script", "Dear Sam,\r\nI was wrong."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let plan = s.record(id).plan.expect("a plan");
    assert_eq!(plan.place, "the park");
    assert_eq!(plan.script, "Dear Sam,\nI was wrong.");

    // A form opened before that change is not allowed to overwrite it.
    let r = s
        .post(
            &format!("/parties/{id}/plan"),
            &[
                ("version", version.as_str()),
                ("method", "phone"),
                ("on", ""),
                ("place", "the park"),
                ("script", "Dear Sam,\r\nI was wrong."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("changed in another window"));
    assert_eq!(s.record(id).plan.map(|p| p.method), Some(Method::Letter));

    let page = s.whole(id).await;
    assert!(page.body.contains("Earlier plans"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attempt_is_recorded_and_an_unready_one_is_refused() {
    let s = start().await;
    let id = s.add_person_with_harm("Robin", HARM).await;
    let r = s
        .post(
            &format!("/parties/{id}/willingness"),
            &[("level", "now"), ("note", "After talking to Pat.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Contact could put me at risk: the plan needs an approval first (R7, R2).
    s.answer_safety(id, &["my-safety"]).await;
    let r = s
        .post(
            &format!("/parties/{id}/plan"),
            &[
                ("version", ""),
                ("method", "letter"),
                ("on", ""),
                ("place", ""),
                ("script", "Robin, I owe you an apology."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let today = today();
    let attempt = [
        ("on", today.as_str()),
        ("method", "letter"),
        ("outcome", "warm"),
        ("requests", "That I call her mother."),
        ("before", "scared"),
        ("after", "lighter"),
        ("notes", "She wrote back within a week."),
        (
            "revealed",
            "I missed her wedding.\r\n\r\nI never repaid the deposit.",
        ),
    ];
    let r = s.post(&format!("/parties/{id}/attempt"), &attempt).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("This amends needs to be talked over and approved first"),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("under &#34;Talking it over&#34; on this page")
    );
    assert!(!r.body.contains("amends consult"));
    assert!(r.body.contains(">She wrote back within a week.</textarea>"));
    assert!(s.record(id).attempts.is_empty());

    let r = s
        .post(
            &format!("/parties/{id}/consult"),
            &[
                ("with", "sponsor"),
                ("name", "Pat"),
                ("on", today.as_str()),
                ("advice", "Keep it short."),
                ("approved", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let r = s.post(&format!("/parties/{id}/attempt"), &attempt).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location, format!("/parties/{id}/attempt#attempts"));
    let rec = s.record(id);
    assert_eq!(rec.attempts.len(), 1);
    assert_eq!(rec.attempts[0].outcome, Outcome::Warm);
    assert_eq!(rec.attempts[0].feeling_after, "lighter");
    // The harms they told of went onto the list, one per line, beside the one named first.
    assert_eq!(rec.harms.len(), 3);
    assert_eq!(
        rec.harms
            .iter()
            .filter(|h| h.source == amends_core::model::HarmSource::Revealed)
            .count(),
        2
    );
    assert!(
        rec.harms
            .iter()
            .any(|h| h.did == "I never repaid the deposit.")
    );

    let page = s.whole(id).await;
    assert!(
        page.body
            .contains("The attempt is recorded: a letter, received warmly.")
    );
    assert!(
        page.body
            .contains("2 harms they told you of went onto the list.")
    );
    assert!(page.body.contains("That I call her mother."));
    assert!(
        page.body
            .contains("Amends made (a letter): received warmly")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commitments_take_payments_and_check_ins() {
    let s = start().await;
    // A restitution paid to them is contact: a harm named and the safety questions answered first.
    let id = s.add_person_with_harm("The corner shop", HARM).await;
    s.answer_safety(id, &[]).await;
    let today = today();
    let r = s
        .post(
            &format!("/parties/{id}/commitments"),
            &[
                ("kind", "restitution"),
                ("amount", "100"),
                ("instalment", "25"),
                ("every", "weekly"),
                ("starting", today.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = s
        .post(
            &format!("/parties/{id}/commitments"),
            &[
                ("kind", "living"),
                ("behaviour", "Pay for what I take, every time."),
                ("every", "weekly"),
                ("starting", today.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let rec = s.record(id);
    let restitution = rec
        .commitments
        .iter()
        .find(|c| matches!(c.kind, CommitmentKind::Restitution { .. }))
        .expect("the restitution")
        .id;
    let living = rec
        .commitments
        .iter()
        .find(|c| matches!(c.kind, CommitmentKind::Living { .. }))
        .expect("the living amends")
        .id;

    // The quick forms are on the page, coming back to it.
    let page = s.whole(id).await;
    assert!(page.body.contains(&format!(
        r#"action="/commitments/{restitution}/pay#commitment-{restitution}""#
    )));
    assert!(page.body.contains(&format!(
        r#"action="/commitments/{living}/checkin#commitment-{living}""#
    )));
    assert!(
        page.body
            .contains(&format!(r#"name="back" value="/parties/{id}/commitments""#))
    );
    // The next instalment is filled in, ready for one click.
    let quick = &page.body[page
        .body
        .find(&format!(
            r#"action="/commitments/{restitution}/pay#commitment-{restitution}""#
        ))
        .unwrap()..];
    let quick = &quick[..quick.find("</form>").unwrap()];
    assert!(quick.contains(r#"value="25.00""#), "{quick}");

    let back = format!("/parties/{id}/commitments");
    let r = s
        .post(
            &format!("/commitments/{restitution}/pay"),
            &[("amount", "25"), ("back", back.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location, back);
    let r = s
        .post(
            &format!("/commitments/{living}/checkin"),
            &[("kept", "yes"), ("back", back.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    let rec = s.record(id);
    let c = rec
        .commitments
        .iter()
        .find(|c| c.id == restitution)
        .unwrap();
    assert_eq!(c.balance().map(|b| b.minor), Some(7500));
    let l = rec.commitments.iter().find(|c| c.id == living).unwrap();
    let CommitmentKind::Living { checkins, .. } = &l.kind else {
        panic!("a living amends")
    };
    assert_eq!(checkins.len(), 1);
    assert!(checkins[0].kept);

    let page = s.whole(id).await;
    assert!(
        page.body
            .contains("Still to repay: <strong>75.00 USD</strong>")
    );
    assert!(page.body.contains("1 of 1 check-ins kept."));
    assert!(page.body.contains("Paid 25.00 USD"));
    // The check-in is listed once, under Following through, not again in the timeline.
    assert_eq!(page.body.matches(": kept up\n").count(), 1, "{}", page.body);
    assert!(!page.body.contains("Check-in: kept up"));

    // A living amends closes as "ended", not as "kept": the refusal says so, and nothing changes.
    let r = s
        .post(
            &format!("/parties/{id}/commitments/{living}/close"),
            &[("how", "kept"), ("on", today.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("A living amends is closed as ended."));
    let r = s
        .post(
            &format!("/parties/{id}/commitments/{living}/close"),
            &[("how", "ended"), ("on", today.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        s.record(id)
            .commitments
            .iter()
            .any(|c| c.id == living && c.closed.is_some())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_with_a_mistake_keeps_what_was_typed() {
    let s = start().await;
    let r = s
        .post(
            "/parties",
            &[
                ("name", "  "),
                ("kind", "person"),
                ("relationship", "old friend"),
                ("did", "Words I typed with care"),
                ("owed", "twelve"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"id="name-error""#));
    assert!(r.body.contains(r#"id="owed-error""#));
    assert!(
        r.body
            .contains(r#"aria-invalid="true" aria-describedby="name-error""#)
    );
    assert!(r.body.contains(">Words I typed with care</textarea>"));
    assert!(r.body.contains(r#"value="old friend""#));
    assert!(r.body.contains(r#"value="twelve""#));
    assert_eq!(r.title(), "Add to your list · Amends");

    // On the party page too: a deferral without a date keeps its reason.
    let id = s.add_person("Alex").await;
    let r = s
        .post(
            &format!("/parties/{id}/defer"),
            &[
                ("reason", "She is moving house this month."),
                ("review_on", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"id="review_on-error""#));
    assert!(
        r.body
            .contains(">She is moving house this month.</textarea>")
    );
    assert!(s.record(id).deferrals.is_empty());

    // A first set of safety answers with "not sure" is not saved, and says why.
    let r = s
        .post(
            &format!("/parties/{id}/safety"),
            &[("court-order", "unsure"), ("legal_decision", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"id="court-order-error""#));
    assert!(s.record(id).safety.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_people_type_stays_text() {
    let s = start().await;
    let id = s
        .add_party(&[
            ("name", "<script>alert(1)</script>"),
            ("kind", "person"),
            ("did", "<img src=x onerror=alert(2)>"),
        ])
        .await;
    s.answer_safety(id, &[]).await;
    let r = s
        .post(
            &format!("/parties/{id}/plan"),
            &[
                ("version", ""),
                ("method", "letter"),
                ("on", ""),
                ("place", "\"><b>here</b>"),
                ("script", "</textarea><script>alert(3)</script>"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = s.whole(id).await;
    assert!(
        page.body
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;")
    );
    assert!(page.body.contains("&#60;img src=x onerror=alert(2)&#62;"));
    assert!(
        page.body
            .contains("&#60;/textarea&#62;&#60;script&#62;alert(3)&#60;/script&#62;")
    );
    assert!(page.body.contains("&#34;&#62;&#60;b&#62;here&#60;/b&#62;"));
    assert!(!page.body.contains("<script>alert"));
    assert!(!page.body.contains("<img src=x"));
    assert!(!page.body.contains("<b>here"));
    assert_eq!(page.title(), "A person on your list · Amends");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_title_is_fixed_words_for_every_kind_and_state() {
    let s = start().await;
    let id = s
        .add_party(&[("name", "Acme Haulage Ltd"), ("kind", "organisation")])
        .await;
    let page = s.whole(id).await;
    assert_eq!(page.title(), "An organisation on your list · Amends");
    // A refused form shows the page again, still without the name in the title.
    let r = s
        .post(
            &format!("/parties/{id}/willingness"),
            &[("level", "someday")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.title(), "An organisation on your list · Amends");
    assert!(!r.body.contains("<title>Acme"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_entry_gets_a_calm_page() {
    let s = start().await;
    for path in ["/parties/999", "/parties/not-a-number"] {
        let r = s.get(path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(r.body.contains("That entry is not on your list"));
        assert!(r.body.contains(r#"href="/list""#));
    }
    let r = s
        .post("/parties/999/willingness", &[("level", "now")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A harm or commitment of another party is not reachable through this one.
    let a = s.add_person("Ann").await;
    let b = s
        .add_party(&[("name", "Bo"), ("kind", "person"), ("did", "I lied to Bo.")])
        .await;
    let harm = s.record(b).harms[0].id;
    let r = s
        .post(&format!("/parties/{a}/harms/{harm}/restore"), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amends_to_self_is_refused_while_the_setting_is_off() {
    let s = start().await;
    let r = s
        .post(
            "/parties",
            &[("name", "Me"), ("kind", "self"), ("notes", "Kindness.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("Amends to yourself are turned off in the settings")
    );
    assert!(r.body.contains("turn on amends to yourself in Settings"));
    assert!(!r.body.contains("amends settings --"));
    assert!(r.body.contains(">Kindness.</textarea>"));

    let s = start_with(Settings {
        amends_to_self: true,
        ..Settings::default()
    })
    .await;
    let id = s.add_party(&[("name", "Me"), ("kind", "self")]).await;
    assert_eq!(s.whole(id).await.title(), "You, on your own list · Amends");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_other_change_the_cli_can_make() {
    let s = start().await;
    let id = s
        .add_party(&[("name", "Chris"), ("kind", "person"), ("did", "I shouted.")])
        .await;
    let harm = s.record(id).harms[0].id;
    let today = today();
    let ok = |r: party_common::Page| {
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    };

    // Details, with the earlier wording kept.
    ok(s.post(
        &format!("/parties/{id}/edit"),
        &[
            ("name", "Chris Doe"),
            ("kind", "person"),
            ("relationship", "neighbour"),
            ("notes", ""),
        ],
    )
    .await);
    let rec = s.record(id);
    assert_eq!(rec.party.name, "Chris Doe");
    assert_eq!(rec.party.relationship, "neighbour");
    // The same details again change nothing.
    let r = s
        .post(
            &format!("/parties/{id}/edit"),
            &[
                ("name", "Chris Doe"),
                ("kind", "person"),
                ("relationship", "neighbour"),
                ("notes", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = s.whole(id).await;
    assert!(
        page.body
            .contains("Nothing was different from what is recorded")
    );
    assert!(page.body.contains("Earlier wordings"));

    // Harms: add, change, set aside, restore.
    ok(s.post(
        &format!("/parties/{id}/harms"),
        &[
            ("did", "I took his parcel."),
            ("kinds", "property"),
            ("source", "inventory"),
            ("sponsor", "yes"),
            ("third_parties", "Dana\r\n"),
        ],
    )
    .await);
    ok(s.post(
        &format!("/parties/{id}/harms/{harm}/edit"),
        &[
            ("did", "I shouted at him over the fence."),
            ("source", "memory"),
            ("sponsor", ""),
        ],
    )
    .await);
    let r = s
        .post(
            &format!("/parties/{id}/harms/{harm}/aside"),
            &[("reason", "other"), ("note", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"id="note-error""#));
    ok(s.post(
        &format!("/parties/{id}/harms/{harm}/aside"),
        &[("reason", "no-real-harm"), ("note", "")],
    )
    .await);
    assert!(s.record(id).harms.iter().any(|h| h.is_set_aside()));
    ok(s.post(&format!("/parties/{id}/harms/{harm}/restore"), &[])
        .await);
    let rec = s.record(id);
    assert_eq!(rec.harms.len(), 2);
    assert!(rec.harms.iter().all(|h| !h.is_set_aside()));
    assert!(
        rec.harms
            .iter()
            .any(|h| h.did == "I shouted at him over the fence.")
    );
    assert_eq!(rec.third_party_names(), vec!["Dana".to_string()]);

    // Third-party consent needs the R1 answer first.
    let r = s
        .post(
            &format!("/parties/{id}/consent"),
            &[("who", "Dana"), ("given", "yes"), ("on", today.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("answer yes to the safety question about someone else")
    );
    s.answer_safety(id, &["third-parties"]).await;
    ok(s.post(
        &format!("/parties/{id}/consent"),
        &[
            ("who", "Dana"),
            ("given", "yes"),
            ("on", today.as_str()),
            ("note", "Over coffee."),
        ],
    )
    .await);
    assert_eq!(s.record(id).consents.len(), 1);

    // A consultation with a lawyer gives no approval.
    let r = s
        .post(
            &format!("/parties/{id}/consult"),
            &[
                ("with", "lawyer"),
                ("on", today.as_str()),
                ("approved", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(s.record(id).consultations.is_empty());

    // Deferral and taking it up again.
    let review = jiff::Zoned::now()
        .date()
        .checked_add(jiff::Span::new().days(30))
        .unwrap()
        .to_string();
    ok(s.post(
        &format!("/parties/{id}/defer"),
        &[
            ("reason", "He is in hospital."),
            ("review_on", review.as_str()),
        ],
    )
    .await);
    let page = s.whole(id).await;
    assert!(page.body.contains("Take it up again now"));
    ok(s.post(&format!("/parties/{id}/resume"), &[]).await);
    assert!(s.record(id).active_deferral().is_none());
    let r = s.post(&format!("/parties/{id}/resume"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("This amends is not deferred"));

    // A promise, closed as kept.
    ok(s.post(
        &format!("/parties/{id}/commitments"),
        &[
            ("kind", "promise"),
            ("text", "Fix the fence."),
            ("due", review.as_str()),
        ],
    )
    .await);
    let promise = s.record(id).commitments[0].id;
    ok(s.post(
        &format!("/parties/{id}/commitments/{promise}/close"),
        &[("how", "kept"), ("on", today.as_str())],
    )
    .await);

    // Set the party aside and bring it back.
    ok(s.post(
        &format!("/parties/{id}/aside"),
        &[("reason", "i-was-harmed"), ("note", "")],
    )
    .await);
    let page = s.whole(id).await;
    assert!(page.body.contains("Put back on my list"));
    assert!(page.body.contains("set aside"));
    let r = s
        .post(&format!("/parties/{id}/willingness"), &[("level", "now")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("This party is set aside"));
    ok(s.post(&format!("/parties/{id}/restore"), &[]).await);
    assert!(s.record(id).current_aside().is_none());

    // The timeline has it all, newest first.
    let page = s.whole(id).await;
    let timeline = &page.body[page.body.find("id=\"timeline\"").unwrap()..];
    let back = timeline.find("Back on the list").unwrap();
    let added = timeline.find("Added to your list").unwrap();
    assert!(back < added);
    assert!(timeline.contains("Commitment closed: kept"));
    assert!(timeline.contains("Consent given by someone involved"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_prints_as_a_worksheet() {
    let s = start().await;
    let id = s.add_person("Lee").await;
    let page = s.whole(id).await;
    // Every form is screen-only (the quick forms are hidden by print.css).
    let mut forms = 0;
    // Each part of the page, from its article to the end of its main.
    for chunk in page.body.split("<article class=\"party\"").skip(1) {
        let main = &chunk[..chunk.find("</main>").unwrap()];
        for (at, _) in main.match_indices("<form ") {
            let tag = &main[at..at + main[at..].find('>').unwrap()];
            assert!(
                tag.contains("no-print") || tag.contains("quick-action"),
                "a form that would print: {tag}"
            );
            forms += 1;
        }
    }
    assert!(forms > 10);
    // The content stays: the worksheet heading and the sections.
    assert!(page.body.contains("Step 8 and 9 worksheet"));
    assert!(page.body.contains("id=\"timeline\""));
    let css = s.get("/assets/app.css").await;
    assert!(css.body.contains(".party-steps, .crumbs, .add-form"));
}
