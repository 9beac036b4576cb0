//! Payments and check-ins corrected or removed in the web app, and check-ins answered period by
//! period, through real HTTP: a correction is read and checked as a new payment would be (the
//! amount in the vault's convention, the day, R4/R5 on its words), needs a reason, keeps what
//! it said before in the history shown on the page, and a removal asks first and says plainly
//! when a debt is owed again. A refusal is 422 with the words typed kept and nothing changed.

use crate::party_common;

use amends_core::Currency;
use amends_core::model::{CommitmentKind, Language, Settings};
use party_common::{Page, Server, start_with, today};
use reqwest::StatusCode;

const HARM: &str = "Borrowed money for the rent and never paid it back.";

/// A euro vault in Spanish.
fn euro() -> Settings {
    Settings {
        currency: Currency::parse("EUR").unwrap(),
        language: Language::Es,
        ..Settings::default()
    }
}

/// A day `n` days from today, as the date fields send it (ISO is read too).
fn in_days(n: i64) -> String {
    jiff::Zoned::now()
        .date()
        .checked_add(jiff::Span::new().days(n))
        .expect("a day")
        .to_string()
}

/// Frank, with a harm, safe to repay directly, and a repayment of `amount` (typed) recorded.
async fn with_repayment(s: &Server, amount: &str) -> (i64, i64) {
    let id = s.add_person_with_harm("Frank Moss", HARM).await;
    s.answer_safety(id, &[]).await;
    let r = s
        .post(
            &format!("/parties/{id}/commitments"),
            &[
                ("kind", "restitution"),
                ("amount", amount),
                ("starting", &today()),
                ("via", "them"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let cid = s.record(id).commitments[0].id;
    (id, cid)
}

fn payments(s: &Server, id: i64) -> Vec<(i64, i64, String)> {
    match &s.record(id).commitments[0].kind {
        CommitmentKind::Restitution { payments, .. } => payments
            .iter()
            .map(|p| (p.id, p.amount.minor, p.note.clone()))
            .collect(),
        _ => panic!("a restitution"),
    }
}

/// The message beside a field (`<span class="error" id="NAME-error">`).
fn beside(page: &Page, name: &str) -> String {
    let tag = format!(r#"id="{name}-error">"#);
    let at = page
        .body
        .find(&tag)
        .unwrap_or_else(|| panic!("no error beside {name}: {}", page.body));
    let rest = &page.body[at + tag.len()..];
    rest[..rest.find("</span>").unwrap()].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_corrected_then_removed_keeps_its_history_and_says_it_is_owed_again() {
    let s = start_with(euro()).await;
    let (id, cid) = with_repayment(&s, "50").await;
    let r = s
        .post(
            &format!("/commitments/{cid}/pay"),
            &[
                ("amount", "50"),
                ("back", &format!("/parties/{id}/commitments")),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let pid = payments(&s, id)[0].0;

    // The following-through part offers Correct and Remove beside the payment.
    let part = s.get(&format!("/parties/{id}/commitments")).await;
    assert!(
        part.body
            .contains(&format!(r#"href="/payments/{pid}/correct""#))
    );
    assert!(
        part.body
            .contains(&format!(r#"href="/payments/{pid}/remove""#))
    );
    assert!(
        part.body.contains("50,00 EUR"),
        "amounts in the vault's convention"
    );

    // More than was owed: 422, the error beside the amount, the words typed kept, nothing changed.
    let r = s
        .post(
            &format!("/payments/{pid}/correct"),
            &[
                ("amount", "60"),
                ("on", &today()),
                ("note", "cash in an envelope"),
                ("reason", "typed the wrong figure"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        beside(&r, "amount").contains("more than was owed"),
        "{}",
        beside(&r, "amount")
    );
    assert!(r.body.contains(r#"value="cash in an envelope""#));
    assert!(r.body.contains(r#"value="typed the wrong figure""#));
    assert_eq!(payments(&s, id), vec![(pid, 5000, String::new())]);

    // No reason: asked for beside its field, the note kept.
    let r = s
        .post(
            &format!("/payments/{pid}/correct"),
            &[
                ("amount", "40"),
                ("on", &today()),
                ("note", "cash in an envelope"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(beside(&r, "reason").contains("kept with the history"));
    assert!(r.body.contains(r#"value="cash in an envelope""#));
    assert_eq!(payments(&s, id)[0].1, 5000);

    // An amount that reads two ways is asked about, not guessed.
    let r = s
        .post(
            &format!("/payments/{pid}/correct"),
            &[("amount", "1.250"), ("on", &today()), ("reason", "r")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(beside(&r, "amount").contains("Did you mean"), "{}", r.body);

    // Corrected to 40,00: the debt is no longer settled, and the page says so.
    let r = s
        .post(
            &format!("/payments/{pid}/correct"),
            &[
                ("amount", "40"),
                ("on", &today()),
                ("note", "cash in an envelope"),
                ("reason", "I paid 40, not 50"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.location,
        format!("/parties/{id}/commitments#commitment-{cid}")
    );
    let part = s.get(&format!("/parties/{id}/commitments")).await;
    assert!(
        part.body
            .contains("no longer paid in full: 10,00 EUR is owed again"),
        "{}",
        part.body
    );
    assert!(
        part.body.contains("A payment corrected on"),
        "{}",
        part.body
    );
    assert!(part.body.contains("was "), "{}", part.body);
    assert!(
        part.body.contains("50,00 EUR. Why: I paid 40, not 50"),
        "{}",
        part.body
    );
    assert_eq!(
        payments(&s, id),
        vec![(pid, 4000, "cash in an envelope".into())]
    );

    // Removing asks first and says what it changes; the reason is required.
    let ask = s.get(&format!("/payments/{pid}/remove")).await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(
        ask.body
            .contains("50,00 EUR is still to repay instead of 10,00 EUR"),
        "{}",
        ask.body
    );
    let r = s
        .post(&format!("/payments/{pid}/remove"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(beside(&r, "reason").contains("removed"));
    assert_eq!(payments(&s, id).len(), 1);
    let r = s
        .post(
            &format!("/payments/{pid}/remove"),
            &[("confirm", "yes"), ("reason", "recorded by mistake")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(payments(&s, id).is_empty());
    let part = s.get(&format!("/parties/{id}/commitments")).await;
    assert!(
        part.body.contains("Still to repay: 50,00 EUR"),
        "{}",
        part.body
    );
    assert!(part.body.contains("A payment removed on"), "{}", part.body);
    assert!(part.body.contains("Why: recorded by mistake"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_the_payment_that_settled_a_debt_says_plainly_it_is_owed_again() {
    let s = start_with(euro()).await;
    let (id, cid) = with_repayment(&s, "12,50").await;
    let r = s
        .post(
            &format!("/commitments/{cid}/pay"),
            &[("amount", "12,50"), ("back", "/")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let pid = payments(&s, id)[0].0;
    assert_eq!(payments(&s, id)[0].1, 1250, "12,50 is twelve and a half");
    let ask = s.get(&format!("/payments/{pid}/remove")).await;
    assert!(
        ask.body
            .contains("the repayment is no longer paid: 12,50 EUR is owed again"),
        "{}",
        ask.body
    );
    let r = s
        .post(
            &format!("/payments/{pid}/remove"),
            &[("confirm", "yes"), ("reason", "the transfer bounced")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let part = s.get(&format!("/parties/{id}/commitments")).await;
    assert!(
        part.body
            .contains("no longer paid in full: 12,50 EUR is owed again"),
        "{}",
        part.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_is_no_way_around_the_day_or_no_contact() {
    let s = start_with(euro()).await;
    let (id, cid) = with_repayment(&s, "50").await;
    s.post(
        &format!("/commitments/{cid}/pay"),
        &[("amount", "10"), ("back", "/")],
    )
    .await;
    let pid = payments(&s, id)[0].0;

    // A day in the future: refused beside the date, nothing changed.
    let r = s
        .post(
            &format!("/payments/{pid}/correct"),
            &[("amount", "10"), ("on", &in_days(3)), ("reason", "date")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        beside(&r, "on").contains("already happened")
            && beside(&r, "on").contains("or an earlier date"),
        "{}",
        beside(&r, "on")
    );

    // Once they asked for no contact (R5), a note cannot be corrected into reaching them.
    s.answer_safety(id, &["asked-no-contact"]).await;
    let r = s
        .post(
            &format!("/payments/{pid}/correct"),
            &[
                ("amount", "10"),
                ("on", &today()),
                ("note", "I will call Frank Moss to tell him"),
                ("reason", "note"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("(rule R5)") || r.body.contains("(rule R4)"),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains(r#"value="I will call Frank Moss to tell him""#)
    );
    assert_eq!(payments(&s, id), vec![(pid, 1000, String::new())]);
    let changes = {
        let v = amends_vault::Vault::open(
            &s.vault,
            &secrecy::SecretString::from("quiet river under the old bridge".to_string()),
        )
        .unwrap();
        v.follow_changes(cid).unwrap()
    };
    assert!(changes.is_empty(), "nothing kept for a refused correction");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_missed_weekly_check_ins_are_each_answered_on_their_own() {
    let s = start_with(Settings::default()).await;
    let id = s.add_person_with_harm("Sam Quill", HARM).await;
    s.answer_safety(id, &[]).await;
    let r = s
        .post(
            &format!("/parties/{id}/commitments"),
            &[
                ("kind", "living"),
                ("behaviour", "Sunday dinner, on time"),
                ("every", "weekly"),
                ("starting", &in_days(-22)),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let cid = s.record(id).commitments[0].id;
    let weeks = [in_days(-22), in_days(-15), in_days(-8), in_days(-1)];

    // Home shows the living amends once, at its oldest open week (what its quick answer
    // records), and counts the others; its page has an answer for each week.
    let home = s.get("/").await;
    assert!(
        home.body
            .contains(&format!(r#"name="for" value="{}""#, weeks[0])),
        "{}",
        home.body
    );
    for w in &weeks[1..] {
        assert!(!home.body.contains(&format!(r#"name="for" value="{w}""#)));
    }
    assert!(home.body.contains("3 more periods to answer on its page"));
    let part = s.get(&format!("/parties/{id}/commitments")).await;
    assert_eq!(
        part.body
            .matches(r#"class="no-print period-answer""#)
            .count(),
        4
    );

    // One "Kept it up" answers one week.
    let r = s
        .post(
            &format!("/commitments/{cid}/checkin"),
            &[("kept", "yes"), ("for", &weeks[0]), ("back", "/")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let home = s.get("/").await;
    assert!(
        home.body.contains("Check-in recorded for the week from"),
        "{}",
        home.body
    );
    assert!(
        !home
            .body
            .contains(&format!(r#"name="for" value="{}""#, weeks[0]))
    );
    // The next week is the one home offers now.
    assert!(
        home.body
            .contains(&format!(r#"name="for" value="{}""#, weeks[1]))
    );
    assert!(home.body.contains("2 more periods to answer on its page"));
    // The same week again: refused, nothing recorded.
    let r = s
        .post(
            &format!("/commitments/{cid}/checkin"),
            &[("kept", "yes"), ("for", &weeks[0]), ("back", "/")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // The others each with their own answer and note.
    for (w, kept, note) in [
        (&weeks[1], "no", "I was ill"),
        (&weeks[2], "yes", ""),
        (&weeks[3], "yes", "Came early"),
    ] {
        let r = s
            .post(
                &format!("/commitments/{cid}/checkin"),
                &[("kept", kept), ("for", w), ("note", note), ("back", "/")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let CommitmentKind::Living { checkins, .. } = &s.record(id).commitments[0].kind else {
        panic!("a living amends");
    };
    let got: Vec<(String, bool, String)> = checkins
        .iter()
        .map(|k| (k.on.to_string(), k.kept, k.note.clone()))
        .collect();
    assert_eq!(got.len(), 4);
    assert!(got.contains(&(weeks[1].clone(), false, "I was ill".into())));
    assert!(got.contains(&(weeks[3].clone(), true, "Came early".into())));
    let part = s.get(&format!("/parties/{id}/commitments")).await;
    assert!(!part.body.contains("Check-ins still to answer"));

    // A check-in corrected needs a reason and keeps what it said.
    let kid = checkins.iter().find(|k| !k.kept).unwrap().id;
    let r = s
        .post(
            &format!("/checkins/{kid}/correct"),
            &[
                ("kept", "yes"),
                ("on", &weeks[1]),
                ("note", "I went after all"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"value="I went after all""#));
    let r = s
        .post(
            &format!("/checkins/{kid}/correct"),
            &[
                ("kept", "yes"),
                ("on", &weeks[1]),
                ("note", "I went after all"),
                ("reason", "remembered wrong"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let part = s.get(&format!("/parties/{id}/commitments")).await;
    assert!(
        part.body.contains("A check-in corrected on"),
        "{}",
        part.body
    );
    assert!(
        part.body
            .contains("not this time · I was ill. Why: remembered wrong"),
        "{}",
        part.body
    );
}
