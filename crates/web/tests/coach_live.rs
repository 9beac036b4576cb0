//! The script coach in the plan form, through real HTTP: the panel the text area asks for as
//! the person types (htmx posts the words with the token in its header), what it shows, that
//! what was typed comes back escaped, that a name the vault knows is pointed at, and that the
//! token is needed.

use crate::party_common;

use party_common::{Server, start};
use reqwest::StatusCode;

/// Posts the words as htmx does: the token in the `X-CSRF-Token` header, `script` as the field.
async fn coach(s: &Server, id: i64, script: &str) -> (StatusCode, String) {
    let r = s
        .client
        .post(format!("{}/parties/{id}/coach", s.base))
        .header("x-csrf-token", &s.csrf)
        .form(&[("script", script)])
        .send()
        .await
        .expect("a response");
    (r.status(), r.text().await.expect("a body"))
}

#[tokio::test]
async fn the_plan_form_asks_the_coach_as_the_person_types() {
    let s = start().await;
    let id = s.add_person("Sam").await;
    let page = s.get(&format!("/parties/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let area_at = page.body.find(r#"id="p-script""#).expect("the script box");
    let area = &page.body[area_at..area_at + page.body[area_at..].find('>').unwrap()];
    for attr in [
        format!(r#"hx-post="/parties/{id}/coach""#),
        r#"hx-trigger="input changed delay:400ms, load""#.to_string(),
        format!(r##"hx-target="#coach-{id}""##),
        r#"hx-swap="innerHTML""#.to_string(),
    ] {
        assert!(area.contains(&attr), "{attr} in {area}");
    }
    assert!(
        page.body.contains(&format!(
            r#"<div id="coach-{id}" class="coach no-print" aria-live="polite">"#
        )),
        "the panel beside the box"
    );
}

#[tokio::test]
async fn the_coach_points_at_what_gets_in_the_way_and_shows_the_words_escaped() {
    let s = start().await;
    let id = s.add_person("Sam").await;
    let script = "I'm sorry if you were hurt. Can you <b>forgive me?";
    let (status, body) = coach(&s, id, script).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A fragment, not a page.
    assert!(
        !body.contains("<html") && !body.contains("<title>"),
        "{body}"
    );
    assert!(body.contains("What the coach notices"), "{body}");
    // The findings with their labels and the exact words, escaped.
    assert!(body.contains("Conditional or hedged apology"), "{body}");
    assert!(
        body.contains(r#"<q class="coach-quote">sorry if</q>"#),
        "{body}"
    );
    assert!(body.contains("Pressing for forgiveness"), "{body}");
    assert!(
        body.contains(r#"<q class="coach-quote">Can you &#60;b&#62;forgive</q>"#)
            || body.contains(r#"<q class="coach-quote">Can you &lt;b&gt;forgive</q>"#),
        "the typed markup is shown as text: {body}"
    );
    assert!(
        !body.contains("<b>"),
        "no typed markup reaches the page: {body}"
    );
    // What is missing comes after, and the balance reading last.
    let missing_at = body.find("What may be missing").expect("missing elements");
    assert!(body.find("Pressing for forgiveness").unwrap() < missing_at);
    assert!(
        body.contains("A specific act in the first person"),
        "{body}"
    );
    assert!(body.contains("Words about them:"), "{body}");
    // Nothing was saved: the coach only reads.
    assert!(s.record(id).plan.is_none());
}

#[tokio::test]
async fn a_name_recorded_on_a_harm_is_pointed_at() {
    let s = start().await;
    let id = s.add_person("Sam").await;
    let other = s.add_person("Robin").await;
    let r = s
        .post(
            &format!("/parties/{id}/harms"),
            &[
                ("did", "I took his parcel."),
                ("kinds", "property"),
                ("source", "inventory"),
                ("sponsor", "yes"),
                ("third_parties", "Dana\r\n"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let script = "I took your parcel, and it was wrong. Dana helped me carry it.";
    let (status, body) = coach(&s, id, script).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Naming a third party"), "{body}");
    assert!(
        body.contains(r#"<q class="coach-quote">Dana</q>"#),
        "{body}"
    );
    // Someone else on the list is pointed at too.
    let (_, body) = coach(&s, id, "I took your parcel. Robin knew about it.").await;
    assert!(
        body.contains(r#"<q class="coach-quote">Robin</q>"#),
        "{body}"
    );
    // The same words for the other party: Dana is in no harm of Robin's, but Sam is on the list.
    let (_, body) = coach(&s, other, "Dana, Sam and I were late.").await;
    assert!(
        !body.contains(r#"<q class="coach-quote">Dana</q>"#),
        "{body}"
    );
    assert!(body.contains(r#"<q class="coach-quote">Sam</q>"#), "{body}");
}

#[tokio::test]
async fn empty_words_get_a_hint_and_an_unknown_party_a_calm_404() {
    let s = start().await;
    let id = s.add_person("Sam").await;
    let (status, body) = coach(&s, id, "  \r\n ").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("As you write, the coach reads along"),
        "{body}"
    );
    assert!(!body.contains("What the coach notices"));
    let (status, body) = coach(&s, 999, "I'm sorry if you were hurt.").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("no longer on your list"), "{body}");
    assert!(!body.contains("<html"), "a fragment: {body}");
}

#[tokio::test]
async fn without_the_token_the_coach_does_not_answer() {
    let s = start().await;
    let id = s.add_person("Sam").await;
    let r = s
        .client
        .post(format!("{}/parties/{id}/coach", s.base))
        .form(&[("script", "I'm sorry if you were hurt.")])
        .send()
        .await
        .expect("a response");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let body = r.text().await.unwrap();
    assert!(!body.contains("What the coach notices"), "{body}");
}
