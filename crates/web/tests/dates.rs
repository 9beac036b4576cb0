//! Date fields over HTTP: text inputs that say what they want, read by the core's one date reader
//! (English, Spanish or ISO), an impossible or ambiguous date refused beside its field with the
//! text typed kept, an optional date typed wrong never dropped, and dates shown in words.

use reqwest::StatusCode;

use crate::common::tags;
use crate::party_common::start;

/// The `<input>` tags of a page whose name is `name`.
fn inputs_named(html: &str, name: &str) -> Vec<crate::common::Tag> {
    tags(html)
        .into_iter()
        .filter(|t| t.name == "input" && t.attr("name") == Some(name))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn date_fields_are_text_with_a_hint_and_no_browser_date_picker() {
    let s = start().await;
    let id = s
        .add_person_with_harm("Robin", "Borrowed the car and dented it")
        .await;
    s.answer_safety(id, &[]).await;
    // A commitment, so the payment form and its date are on the page too.
    let r = s
        .post(
            &format!("/parties/{id}/commitments"),
            &[
                ("kind", "promise"),
                ("text", "Call her mother"),
                ("due", "1 January 2099"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Each part of the party's page with date fields: talking it over, the plan (and putting
    // it off), the amends, following through.
    let mut html = String::new();
    for part in ["consult", "plan", "attempt", "commitments"] {
        html.push_str(&s.get(&format!("/parties/{id}/{part}")).await.body);
    }
    let html = &html;
    assert!(
        !html.contains(r#"type="date""#),
        "a native date input is left"
    );
    let mut seen = 0;
    for name in ["on", "review_on", "starting", "due"] {
        for input in inputs_named(html, name) {
            seen += 1;
            let input_id = input
                .attr("id")
                .expect("a date input has an id")
                .to_string();
            assert_eq!(input.attr("type"), Some("text"), "{input_id}");
            assert_eq!(input.attr("autocomplete"), Some("off"), "{input_id}");
            let hint = format!("{input_id}-hint");
            assert!(
                input
                    .attr("aria-describedby")
                    .is_some_and(|d| d.split(' ').any(|x| x == hint)),
                "{input_id} is not described by its hint"
            );
            assert!(
                html.contains(&format!(
                    r#"<span class="hint" id="{hint}">Day, month and year, e.g. "#
                )),
                "no hint for {input_id}"
            );
        }
    }
    assert!(seen >= 6, "only {seen} date fields found");
    // The promise's date is shown in words, never as ISO.
    assert!(html.contains("1 January 2099"), "{html}");
    assert!(!html.contains(">2099-01-01<"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_first_of_february_is_refused_beside_its_field_and_kept() {
    let s = start().await;
    let id = s.add_person_with_harm("Sam", "Lied about the money").await;
    s.answer_safety(id, &[]).await;
    let r = s
        .post(
            &format!("/parties/{id}/defer"),
            &[
                ("reason", "He is in hospital; I will wait."),
                ("review_on", "31 February 2027"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains(
            r#"<span class="error" id="review_on-error">February 2027 has 28 days, so there is no 31 February 2027; check the day.</span>"#
        ),
        "{}",
        r.body
    );
    let field = inputs_named(&r.body, "review_on");
    assert_eq!(field.len(), 1);
    assert_eq!(field[0].attr("value"), Some("31 February 2027"));
    assert_eq!(field[0].attr("aria-invalid"), Some("true"));
    assert!(
        r.body
            .contains(">He is in hospital; I will wait.</textarea>")
    );
    assert!(s.record(id).deferrals.is_empty());

    // A numeric date that reads two ways is asked about, in words.
    let r = s
        .post(
            &format!("/parties/{id}/consult"),
            &[
                ("with", "sponsor"),
                ("on", "03/04/2026"),
                ("advice", "Take your time."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains(
            "These numbers can be read as 3 April 2026 or as 4 March 2026; write the month in words, e.g. 3 April 2026."
        ),
        "{}",
        r.body
    );
    assert_eq!(
        inputs_named(&r.body, "on")
            .iter()
            .filter(|t| t.attr("value") == Some("03/04/2026"))
            .count(),
        1
    );
    assert!(s.record(id).consultations.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_optional_date_typed_wrong_is_not_dropped() {
    let s = start().await;
    let id = s.add_person_with_harm("Kim", "Missed her graduation").await;
    s.answer_safety(id, &[]).await;
    let r = s
        .post(
            &format!("/parties/{id}/plan"),
            &[
                ("version", ""),
                ("method", "letter"),
                ("on", "the 31st of June 2099"),
                ("place", ""),
                ("script", "Kim, I am sorry I was not there."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("June 2099 has 30 days, so there is no 31 June 2099; check the day."),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains(">Kim, I am sorry I was not there.</textarea>")
    );
    assert!(
        s.record(id).plan.is_none(),
        "the plan was saved without its date"
    );

    // Left empty it is simply no date.
    let r = s
        .post(
            &format!("/parties/{id}/plan"),
            &[
                ("version", ""),
                ("method", "letter"),
                ("on", ""),
                ("place", ""),
                ("script", "Kim, I am sorry I was not there."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(s.record(id).plan.expect("a plan").on, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dates_in_words_in_either_language_are_read_and_shown_in_words() {
    let s = start().await;
    let id = s
        .add_person_with_harm("Lu", "Shouted at her in the street")
        .await;
    s.answer_safety(id, &[]).await;
    for (typed, with) in [
        ("5 de marzo de 2024", "sponsor"),
        ("March 6, 2024", "therapist"),
    ] {
        let r = s
            .post(
                &format!("/parties/{id}/consult"),
                &[("with", with), ("on", typed), ("advice", "Write it first.")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{typed}: {}", r.body);
    }
    let on: Vec<String> = s
        .record(id)
        .consultations
        .iter()
        .map(|c| c.on.to_string())
        .collect();
    assert_eq!(on, ["2024-03-05", "2024-03-06"]);
    let r = s
        .post(
            &format!("/parties/{id}/plan"),
            &[
                ("version", ""),
                ("method", "letter"),
                ("on", "7 Dec 2099"),
                ("place", ""),
                ("script", "Lu, I was wrong to shout."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let consult = s.get(&format!("/parties/{id}/consult")).await;
    assert!(consult.body.contains("5 March 2024"), "{}", consult.body);
    assert!(!consult.body.contains("2024-03-05"), "{}", consult.body);
    let plan = s.get(&format!("/parties/{id}/plan")).await;
    assert!(plan.body.contains("7 December 2099"), "{}", plan.body);
    // The plan's form shows its date back the way people write it.
    assert!(
        inputs_named(&plan.body, "on")
            .iter()
            .any(|t| t.attr("value") == Some("7 December 2099")),
        "the plan's date is not shown back in words"
    );
    // Machine formats keep ISO 8601: the timeline's <time> elements.
    let timeline = s.get(&format!("/parties/{id}/timeline")).await;
    assert!(timeline.body.contains(r#"datetime="2024-03-05""#));
    assert!(timeline.body.contains(">5 March 2024</time>"));
}
