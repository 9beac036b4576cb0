//! The safety questions as they follow the person, and how apart from what, in a real browser
//! at desktop and phone width: the form for someone recorded as having died and for an
//! organisation asks only what can apply, shows what is known and why each question matters;
//! and a restitution paid face to face, planned and approved that way, is recorded.

use amends_core::model::{Adviser, Channel, HarmKind, Method, PartyKind, SafetyAnswers};
use amends_vault::{ConsultInput, HarmInput, PartyRef, PlanInput, Vault};
use browser_support::{DESKTOP, PHONE, Ui};

use crate::browser_support;

fn party(v: &mut Vault, now: &amends_core::Now, name: &str, kind: PartyKind) -> i64 {
    let id = v.add_party(name, kind, "", "", now).expect("a party").id;
    v.add_harm(
        &PartyRef::Id(id),
        &HarmInput {
            did: "Kept the money from the shared rent.".into(),
            kinds: vec![HarmKind::Financial],
            ..HarmInput::default()
        },
        now,
    )
    .expect("a harm");
    id
}

/// Whether the page has a radio button for a question.
async fn asks(ui: &Ui, code: &str) -> bool {
    ui.client
        .execute(
            "return document.querySelector('input[type=radio][name=\"' + arguments[0] + '\"]') !== null;",
            vec![serde_json::json!(code)],
        )
        .await
        .map(|v| v == serde_json::json!(true))
        .unwrap_or(false)
}

/// Clicks the control with this id, as a person's tap does (scrolled into view first).
async fn click(ui: &Ui, id: &str) {
    let el = ui
        .client
        .find(fantoccini::Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("no #{id}: {e}"));
    let _ = ui
        .client
        .execute(
            "arguments[0].scrollIntoView({block: 'center'});",
            vec![serde_json::to_value(&el).unwrap()],
        )
        .await;
    el.click().await.expect("the control can be clicked");
}

/// Whether nothing on the page is wider than the window (a phone shows it all).
async fn fits(ui: &Ui) -> bool {
    ui.client
        .execute(
            "return document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1;",
            vec![],
        )
        .await
        .map(|v| v == serde_json::json!(true))
        .unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_safety_form_is_answered_already_for_what_is_known_of_the_dead_and_of_an_organisation()
{
    let (ui, ids) = Ui::with_vault(|v, now| {
        [
            (
                party(v, now, "Mrs Alvarez", PartyKind::Deceased),
                party(v, now, "Acme Hardware", PartyKind::Organisation),
            ),
            (
                party(v, now, "Mr Okafor", PartyKind::Deceased),
                party(v, now, "Corner Shop", PartyKind::Organisation),
            ),
        ]
    })
    .await;
    for ((size, suffix), (dead, org)) in [(DESKTOP, "desktop"), (PHONE, "phone")]
        .into_iter()
        .zip(ids)
    {
        ui.viewport(size).await;

        // Someone who has died: not asked whether they have died, or can be found.
        ui.open(&format!("/parties/{dead}/safety")).await;
        ui.see("Already known").await;
        ui.see("Have they died? Yes: recorded as someone who has died.")
            .await;
        assert!(
            !asks(&ui, "deceased").await,
            "{suffix}: asked whether they died"
        );
        assert!(!asks(&ui, "unreachable").await, "{suffix}");
        assert!(
            asks(&ui, "court-order").await,
            "{suffix}: the court order is asked"
        );
        assert!(asks(&ui, "family").await, "{suffix}");
        ui.see("Why it matters: A court order means no contact of any kind")
            .await;
        assert!(fits(&ui).await, "{suffix}: wider than the window");
        ui.screenshot(
            std::path::Path::new(&format!("/tmp/amends-safety-deceased-{suffix}.png")),
            size,
        )
        .await;
        // Answering what is asked ("no" to each) saves, and R8 stands from the record.
        for code in [
            "court-order",
            "asked-no-contact",
            "abused-them",
            "harmed-me",
            "legal-risk",
            "affair",
            "third-parties",
            "my-safety",
            "family",
        ] {
            click(&ui, &format!("q-{code}-no")).await;
        }
        ui.press("Save the answers").await;
        ui.see("Your answers are saved").await;
        let record = ui.app().read(|v| v.record(dead)).unwrap().unwrap();
        assert!(amends_core::rules::verdict(&record).answered, "{suffix}");
        assert_eq!(
            amends_core::rules::verdict(&record).contact,
            amends_core::rules::Contact::NoOneToReach
        );

        // An organisation: not asked whether it is a child, family, has died.
        ui.open(&format!("/parties/{org}/safety")).await;
        for never in ["child", "family", "deceased", "affair", "abused-them"] {
            assert!(
                !asks(&ui, never).await,
                "{suffix}: {never} asked of an organisation"
            );
        }
        assert!(asks(&ui, "court-order").await, "{suffix}");
        ui.unfold("Not asked of an organisation").await;
        ui.see("an organisation is not a child").await;
        assert!(fits(&ui).await, "{suffix}: wider than the window");
        ui.screenshot(
            std::path::Path::new(&format!("/tmp/amends-safety-organisation-{suffix}.png")),
            size,
        )
        .await;
    }
    ui.assert_no_csp_complaints().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restitution_paid_face_to_face_under_an_approved_plan_is_recorded() {
    let (ui, ids) = Ui::with_vault(|v, now| {
        ["Rosa Lind", "Ana Ruiz"].map(|name| {
            let id = party(v, now, name, PartyKind::Person);
            v.answer_safety(
                &PartyRef::Id(id),
                SafetyAnswers {
                    my_safety: true,
                    ..SafetyAnswers::default()
                },
                now,
            )
            .expect("answers");
            v.plan(
                &PartyRef::Id(id),
                &PlanInput {
                    method: Method::Restitution,
                    channel: Some(Channel::FaceToFace),
                    script: "I kept the rent money. Here it is.".into(),
                    on: None,
                    place: String::new(),
                },
                now,
            )
            .expect("a plan to pay in person");
            v.consult(
                &PartyRef::Id(id),
                &ConsultInput {
                    with: Adviser::Sponsor,
                    name: String::new(),
                    on: now.today,
                    advice: "Pay it in person.".into(),
                    approved: Some(true),
                },
                now,
            )
            .expect("approved");
            id
        })
    })
    .await;
    for ((size, suffix), id) in [(DESKTOP, "desktop"), (PHONE, "phone")]
        .into_iter()
        .zip(ids)
    {
        ui.viewport(size).await;
        ui.open(&format!("/parties/{id}/attempt")).await;
        ui.see("planned Restitution, face to face").await;
        ui.unfold("Record how it went").await;
        // The form comes chosen as planned: what apart from how.
        ui.choose("What", "restitution: paying back money or property")
            .await;
        ui.choose("How it reached them", "face to face").await;
        ui.choose("How it went", "done, with no reply expected")
            .await;
        ui.screenshot(
            std::path::Path::new(&format!("/tmp/amends-restitution-attempt-{suffix}.png")),
            size,
        )
        .await;
        ui.press("Record this attempt").await;
        ui.see("The attempt is recorded: restitution, face to face")
            .await;
        let record = ui.app().read(|v| v.record(id)).unwrap().unwrap();
        assert_eq!(record.attempts.len(), 1, "{suffix}");
        assert_eq!(record.attempts[0].method, Method::Restitution);
        assert_eq!(record.attempts[0].channel, Some(Channel::FaceToFace));
        assert!(fits(&ui).await, "{suffix}: wider than the window");
    }
}
