//! The script coach in the plan form, through real HTTP: the panel the text area asks for as
//! the person types (htmx posts the words with the token in its header), what it shows, that
//! what was typed comes back escaped, that a name the vault knows is pointed at, that the token
//! is needed, that the advice fits the method chosen and the party (an unsent letter to a father
//! who has died is asked nothing), that money is in the vault's currency, and that the panel is
//! capped: an over-long script is answered quickly with a clear word.

use std::time::{Duration, Instant};

use crate::party_common;

use amends_core::coach::READ_MAX;
use amends_core::model::Settings;
use amends_core::money::Currency;
use party_common::{Server, start, start_with};
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
    // The plan form is the party page's plan part.
    let page = s.get(&format!("/parties/{id}/plan")).await;
    assert_eq!(page.status, StatusCode::OK);
    let area_at = page.body.find(r#"id="p-script""#).expect("the script box");
    let area = &page.body[area_at..area_at + page.body[area_at..].find('>').unwrap()];
    for attr in [
        format!(r#"hx-post="/parties/{id}/coach""#),
        // Read again as the person types, and when the way chosen changes.
        r#"hx-trigger="input changed delay:400ms, load, change from:#p-method"#.to_string(),
        r#"hx-params="script,method,kind""#.to_string(),
        r#"hx-sync="this:replace""#.to_string(),
        format!(r#"data-coach-max="{READ_MAX}""#),
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

/// Posts the words with other fields, as the form sends them.
async fn coach_with(s: &Server, id: i64, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let r = s
        .client
        .post(format!("{}/parties/{id}/coach", s.base))
        .header("x-csrf-token", &s.csrf)
        .form(fields)
        .send()
        .await
        .expect("a response");
    (r.status(), r.text().await.expect("a body"))
}

fn eur_vault() -> Settings {
    Settings {
        currency: Currency::parse("EUR").unwrap(),
        ..Settings::default()
    }
}

#[tokio::test]
async fn an_unsent_letter_to_a_father_who_has_died_is_asked_nothing_and_money_is_in_euros() {
    let s = start_with(eur_vault()).await;
    let id = s
        .add_party(&[
            ("name", "Dad"),
            ("kind", "deceased"),
            ("did", "I stayed away."),
        ])
        .await;
    let letter =
        "Dad, I lied to you about the money for years. Is there any other way I have harmed you?";
    let (status, body) =
        coach_with(&s, id, &[("method", "unsent-letter"), ("script", letter)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains("For a letter to someone who has died:"),
        "{body}"
    );
    assert!(
        body.contains("no question to ask and no reply to wait for"),
        "{body}"
    );
    // The question in the letter is pointed at, and no advice asks him anything.
    assert!(body.contains("A question they cannot answer"), "{body}");
    assert!(!body.contains("Asking about other harm"), "{body}");
    assert!(!body.contains("Asking what would set it right"), "{body}");
    assert!(!body.contains("Ask, e.g."), "{body}");
    assert!(!body.contains("What can I do to set this right?"), "{body}");
    // What to say instead names money in the vault's currency.
    assert!(body.contains("20.00 EUR"), "{body}");
    assert!(!body.contains('$'), "{body}");

    // The same words as a face-to-face amends to a living person do ask, in euros.
    let mum = s.add_person_with_harm("Mum", "I took money.").await;
    let (_, body) = coach_with(
        &s,
        mum,
        &[
            ("method", "face-to-face"),
            ("script", "I took money from your purse."),
        ],
    )
    .await;
    assert!(body.contains("Asking what would set it right"), "{body}");
    assert!(body.contains("50.00 EUR"), "{body}");
    assert!(!body.contains('$'), "{body}");
    // Without a method in the form, the saved plan's is read: none yet, so a direct amends.
    let (_, body) = coach(&s, mum, "I took money from your purse.").await;
    assert!(body.contains("Asking about other harm"), "{body}");
}

#[tokio::test]
async fn a_child_a_family_and_the_safety_answers_shape_the_advice() {
    let s = start_with(eur_vault()).await;
    let id = s.add_person_with_harm("Kai", "I missed the play.").await;
    s.answer_safety(id, &["child"]).await;
    let script = "I missed your school play. That was wrong. Don't tell your mum I said this. I will come to the next one.";
    let (_, body) = coach_with(&s, id, &[("method", "face-to-face"), ("script", script)]).await;
    assert!(body.contains("For an amends to a child:"), "{body}");
    assert!(body.contains("parent or guardian"), "{body}");
    assert!(
        body.contains(r#"<q class="coach-quote">Don&#39;t tell your</q>"#)
            || body.contains(r#"<q class="coach-quote">Don&#x27;t tell your</q>"#),
        "{body}"
    );
    assert!(!body.contains("Asking about other harm"), "{body}");
}

#[tokio::test]
async fn an_over_long_script_is_answered_quickly_with_a_clear_word() {
    let s = start().await;
    let id = s.add_person("Sam").await;
    let sentence = "I took your car and crashed it, but I was tired and things got out of hand. ";
    let long: String = sentence.repeat(READ_MAX / sentence.len() + 2_000);
    let total = long.chars().count();
    assert!(total > READ_MAX);
    // As the page sends it: cut to what a script holds, with the length it had.
    let cut: String = long.chars().take(READ_MAX).collect();
    let started = Instant::now();
    let (status, body) =
        coach_with(&s, id, &[("script", &cut), ("chars", &total.to_string())]).await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains("Only the first 200,000 characters were read; a script can hold at most 200,000 characters."),
        "{}",
        &body[..body.len().min(2_000)]
    );
    assert!(
        body.contains(&format!("This one has {}", grouped(total))),
        "{}",
        &body[..2_000]
    );
    // The panel stays light: at most 40 findings listed (and the five missing elements at
    // most), the rest counted.
    let listed = body.matches(r#"<li class="coach-finding">"#).count();
    assert!(listed <= 40 + 5, "{listed} findings listed");
    assert!(
        body.contains("more further on, not listed here"),
        "{}",
        &body[..2_000]
    );
    assert!(body.len() < 100_000, "{} bytes", body.len());
    assert!(took < Duration::from_secs(5), "{took:?}");

    // Sent whole by something other than the page (a megabyte), the server reads at most a
    // script's worth of the request and still answers with the clear word.
    let huge: String = sentence.repeat(1_000_000 / sentence.len());
    let started = Instant::now();
    let (status, body) = coach(&s, id, &huge).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("Only the first 200,000 characters were read"),
        "{}",
        &body[..2_000]
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // A request beyond what the server reads for the coach (a script's worth at twelve bytes a
    // character, as a form encodes the widest; "é" is six): only its start is read.
    let beyond: String = "é".repeat(READ_MAX * 2 + 1_000);
    let (status, body) = coach(&s, id, &beyond).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Only the first 200,000 characters were read; a script can hold at most 200,000 characters."), "{}", &body[..2_000]);
    assert!(
        !body.contains("This one has"),
        "the length past the cap is not known"
    );
    // Nothing was saved.
    assert!(s.record(id).plan.is_none());
}

fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[tokio::test]
async fn vague_admissions_empty_promises_bargaining_and_making_it_about_me_show_in_the_panel() {
    let s = start().await;
    let id = s.add_person("Sam").await;
    let script = "Sorry for everything back then. Honestly it's been the hardest year of my life. \
                  I'm a changed man, you'll see.";
    let (status, body) = coach(&s, id, script).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for (label, quoted) in [
        (
            "A vague admission in place of the act",
            "Sorry for everything",
        ),
        ("Making it about me", "hardest year of my life"),
        ("A promise with no behaviour behind it", "I'm a changed"),
    ] {
        assert!(body.contains(label), "{label}: {body}");
        assert!(
            body.contains(&format!(
                r#"<q class="coach-quote">{}"#,
                quoted.replace('\'', "&#39;")
            )) || body.contains(&format!(r#"<q class="coach-quote">{quoted}"#)),
            "{quoted}: {body}"
        );
    }
    // The vague admission stands where the act would be: it is not also said to be missing.
    assert!(
        !body.contains("A specific act in the first person"),
        "{body}"
    );

    let script = "I crashed your car, and that was on me. I'll pay for the repairs as soon as you \
                  drop the charges.";
    let (_, body) = coach(&s, id, script).await;
    assert!(body.contains("Bargaining: a condition on them"), "{body}");
}

#[tokio::test]
async fn a_spanish_vault_hears_the_coach_in_spanish() {
    let s = start_with(Settings {
        language: amends_core::model::Language::Es,
        ..Settings::default()
    })
    .await;
    let id = s.add_person("Sam").await;
    let script = "Perdóname por todo lo de estos años. No sabés lo que he sufrido. Ya cambié.";
    let (status, body) = coach(&s, id, script).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for label in [
        "Una admisión vaga en lugar del acto",
        "Hacerlo sobre mí",
        "Una promesa sin un comportamiento detrás",
    ] {
        assert!(body.contains(label), "{label}: {body}");
    }
    assert!(
        body.contains("Falta: ") || !body.contains("Missing: "),
        "{body}"
    );
}
