//! The script coach in a real browser, at desktop and phone width: an unsent letter to a father
//! who has died is asked nothing (no "ask them" advice, what to write instead), the examples
//! name money in the vault's currency (euros here), and an over-long paste is answered quickly
//! with the clear word while the page stays usable.

use std::time::{Duration, Instant};

use amends_core::model::{HarmKind, PartyKind, SafetyAnswers, Settings};
use amends_core::money::Currency;
use amends_vault::{HarmInput, PartyRef, Vault};
use browser_support::{DESKTOP, PHONE, Ui};

use crate::browser_support;

/// A party with one harm, the safety questions answered as given.
fn party(
    v: &mut Vault,
    now: &amends_core::Now,
    name: &str,
    kind: PartyKind,
    answers: SafetyAnswers,
) -> i64 {
    let id = v
        .add_party(name, kind, "family", "", now)
        .expect("a party")
        .id;
    v.add_harm(
        &PartyRef::Id(id),
        &HarmInput {
            did: "Lied about the money for years.".into(),
            kinds: vec![HarmKind::Trust],
            ..HarmInput::default()
        },
        now,
    )
    .expect("a harm");
    v.answer_safety(&PartyRef::Id(id), answers, now)
        .expect("the safety answers");
    id
}

fn in_euros(v: &mut Vault) {
    let settings = Settings {
        currency: Currency::parse("EUR").unwrap(),
        ..v.settings().expect("the settings")
    };
    v.set_settings(&settings).expect("euros");
}

/// The text of the coach's panel now.
async fn panel(ui: &Ui, id: i64) -> String {
    ui.read(&format!("#coach-{id}")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsent_letter_to_a_father_who_has_died_is_asked_nothing_and_money_is_in_euros() {
    let (ui, ids) = Ui::with_vault(|v, now| {
        in_euros(v);
        let dead = SafetyAnswers {
            deceased: true,
            family: true,
            ..SafetyAnswers::default()
        };
        [
            party(v, now, "Dad", PartyKind::Deceased, dead.clone()),
            party(v, now, "Father", PartyKind::Deceased, dead),
        ]
    })
    .await;
    let letter = "Dad, I lied to you about the money for years. Is there any other way I have harmed you? What can I do to set this right?";
    for ((size, suffix), id) in [(DESKTOP, "desktop"), (PHONE, "phone")]
        .into_iter()
        .zip(ids)
    {
        ui.viewport(size).await;
        ui.open(&format!("/parties/{id}/plan")).await;
        ui.choose("What", "an unsent letter").await;
        ui.fill("What you mean to say or write", letter).await;
        ui.see("For a letter to someone who has died:").await;
        ui.see("A question they cannot answer").await;
        let said = panel(&ui, id).await;
        assert!(
            said.contains("no question to ask and no reply to wait for"),
            "{said}"
        );
        // No advice asks him anything; what to write instead, in euros.
        assert!(!said.contains("Asking about other harm"), "{said}");
        assert!(!said.contains("Asking what would set it right"), "{said}");
        assert!(!said.contains("Ask, e.g."), "{said}");
        assert!(said.contains("20.00 EUR"), "{said}");
        assert!(!said.contains('$'), "{said}");
        // The hint beside the box tells no one to ask either.
        ui.do_not_see("ask whether there is any other way you harmed them")
            .await;
        ui.screenshot(
            &std::env::temp_dir().join(format!("amends-coach-unsent-{suffix}.png")),
            size,
        )
        .await;
    }
    ui.assert_no_csp_complaints().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_face_to_face_amends_in_a_euro_vault_gives_its_examples_in_euros() {
    let (ui, ids) = Ui::with_vault(|v, now| {
        in_euros(v);
        [
            party(v, now, "Jo", PartyKind::Person, SafetyAnswers::default()),
            party(v, now, "Sam", PartyKind::Person, SafetyAnswers::default()),
        ]
    })
    .await;
    for (size, id) in [DESKTOP, PHONE].into_iter().zip(ids) {
        ui.viewport(size).await;
        ui.open(&format!("/parties/{id}/plan")).await;
        ui.choose("What", "words").await;
        ui.choose("How it reaches them", "face to face").await;
        ui.fill(
            "What you mean to say or write",
            "I took money from your purse.",
        )
        .await;
        ui.see("50.00 EUR each month").await;
        ui.see("Is there any other way I have harmed you?").await;
        let said = panel(&ui, id).await;
        assert!(!said.contains('$'), "{said}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_over_long_paste_is_answered_quickly_with_the_clear_word_and_the_page_stays_usable() {
    let (ui, ids) = Ui::with_vault(|v, now| {
        [
            party(v, now, "Robin", PartyKind::Person, SafetyAnswers::default()),
            party(v, now, "Kim", PartyKind::Person, SafetyAnswers::default()),
        ]
    })
    .await;
    for ((size, suffix), id) in [(DESKTOP, "desktop"), (PHONE, "phone")]
        .into_iter()
        .zip(ids)
    {
        ui.viewport(size).await;
        ui.open(&format!("/parties/{id}/plan")).await;
        ui.see("As you write, the coach reads along").await;
        // A megabyte pasted at once (typing it key by key would take hours): the box gets the
        // text and an input event, as a paste gives.
        let started = Instant::now();
        ui.client
            .execute(
                r#"
                const box = document.getElementById('p-script');
                box.focus();
                box.value = 'I took your car and crashed it, but I was tired. '.repeat(20409);
                box.dispatchEvent(new Event('input', { bubbles: true }));
                return box.value.length;
                "#,
                vec![],
            )
            .await
            .expect("the paste");
        ui.see("Only the first 200,000 characters were read; a script can hold at most 200,000 characters.")
            .await;
        ui.see("This one has 1,000,041").await;
        let answered = started.elapsed();
        assert!(
            answered < Duration::from_secs(5),
            "answered in {answered:?}"
        );
        // The panel is short, and what was typed is all still in the box: nothing is dropped.
        let said = panel(&ui, id).await;
        assert!(
            said.len() < 40_000,
            "{} characters in the panel",
            said.len()
        );
        let length = ui
            .client
            .execute(
                "return document.getElementById('p-script').value.length;",
                vec![],
            )
            .await
            .expect("the box");
        assert_eq!(length.as_u64(), Some(1_000_041));
        // The page still answers at once: another field takes typing.
        let started = Instant::now();
        ui.fill("Where", "At the cafe").await;
        let typed = started.elapsed();
        assert!(typed < Duration::from_secs(3), "typing took {typed:?}");
        let place = ui
            .client
            .execute("return document.getElementById('p-place').value;", vec![])
            .await
            .expect("the field");
        assert_eq!(place.as_str(), Some("At the cafe"));
        ui.screenshot(
            &std::env::temp_dir().join(format!("amends-coach-over-{suffix}.png")),
            size,
        )
        .await;
    }
    ui.assert_no_csp_complaints().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vague_admissions_empty_promises_and_making_it_about_me_are_pointed_at_as_you_type() {
    let (ui, ids) = Ui::with_vault(|v, now| {
        [
            party(v, now, "Jo", PartyKind::Person, SafetyAnswers::default()),
            party(v, now, "Sam", PartyKind::Person, SafetyAnswers::default()),
        ]
    })
    .await;
    let script = "Sorry for everything back then. Honestly it has been the hardest year of my life, \
                  I can barely sleep. I'll pay you back once you drop the charges. I'm a changed \
                  man, you'll see.";
    for ((size, suffix), id) in [(DESKTOP, "desktop"), (PHONE, "phone")]
        .into_iter()
        .zip(ids)
    {
        ui.viewport(size).await;
        ui.open(&format!("/parties/{id}/plan")).await;
        ui.fill("What you mean to say or write", script).await;
        ui.see("A vague admission in place of the act").await;
        let said = panel(&ui, id).await;
        for label in ["Making it about me", "Bargaining: a condition on them"] {
            assert!(said.contains(label), "{label}: {said}");
        }
        // The offer to pay is a commitment, so the promise is not called empty; the act is not
        // said to be missing beside the vague admission that stands in its place.
        assert!(
            !said.contains("A specific act in the first person"),
            "{said}"
        );
        ui.screenshot(
            &std::env::temp_dir().join(format!("amends-coach-kinds-{suffix}.png")),
            size,
        )
        .await;
    }
    ui.assert_no_csp_complaints().await;
}
