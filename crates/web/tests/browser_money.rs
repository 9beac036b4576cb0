//! Money and following through in a real browser, at desktop and phone width, in a euro vault
//! in Spanish: "12,50" on a harm and on a payment is twelve and a half (and the page never says
//! a debt is settled when it is not), "1.250" is asked about and settled by choosing, a note
//! typed beside a wrong amount is kept with the error beside the field, a payment corrected and
//! then removed keeps its history and says the debt is owed again, and three missed weekly
//! check-ins are answered one by one.

use amends_core::model::{Cadence, Language};
use amends_core::{Currency, Money};
use amends_vault::{CommitmentInput, NewCommitment, PartyRef, Vault};
use browser_support::{DESKTOP, PHONE, Ui};
use fantoccini::Locator;

use crate::browser_support;

/// Someone willing now, no safety question applying, one harm, and a living amends of weekly
/// dinners begun three weeks ago with no check-in yet.
fn ready(v: &mut Vault, now: &amends_core::Now, name: &str) -> i64 {
    let id = browser_support::willing_with_harm(
        v,
        now,
        name,
        "brother",
        "Missed every family dinner for a year.",
    );
    let starting = now
        .today
        .checked_sub(jiff::Span::new().days(21))
        .expect("three weeks ago");
    v.add_commitment(
        &PartyRef::Id(id),
        NewCommitment::from(CommitmentInput::Living {
            behaviour: "Sunday dinner, on time".into(),
            every: Cadence::Weekly,
            starting,
        }),
        now,
    )
    .expect("a living amends");
    id
}

fn euro(v: &mut Vault) {
    let mut s = v.settings().expect("settings");
    s.currency = Currency::parse("EUR").unwrap();
    s.language = Language::Es;
    v.set_settings(&s).expect("a euro vault in Spanish");
}

async fn value_of(ui: &Ui, css: &str) -> String {
    let el = ui
        .client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"));
    el.prop("value").await.ok().flatten().unwrap_or_default()
}

/// Whether the error shown for a field sits in the same field block as its input and fits in
/// the window.
async fn error_beside(ui: &Ui, input_css: &str, error_id: &str) -> bool {
    let js = r#"
        const input = document.querySelector(arguments[0]);
        const error = document.getElementById(arguments[1]);
        if (!input || !error) return false;
        const block = input.closest('.field');
        const r = error.getBoundingClientRect();
        return block !== null && block.contains(error) && r.width > 0
            && r.left >= 0 && r.right <= document.documentElement.clientWidth + 1;
    "#;
    ui.client
        .execute(
            js,
            vec![serde_json::json!(input_css), serde_json::json!(error_id)],
        )
        .await
        .map(|v| v == serde_json::json!(true))
        .unwrap_or(false)
}

/// The first control matching `css` in the first period still to answer (the oldest).
async fn first(ui: &Ui, css: &str) -> fantoccini::elements::Element {
    ui.client
        .find(Locator::Css(&format!("form.period-answer {css}")))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
}

/// The restitution's payments as the vault has them: (id, minor units).
fn payments(ui: &Ui, id: i64) -> Vec<(i64, i64)> {
    let r = ui.app().read(|v| v.record(id)).unwrap().unwrap();
    r.commitments
        .iter()
        .flat_map(|c| match &c.kind {
            amends_core::model::CommitmentKind::Restitution { payments, .. } => payments
                .iter()
                .map(|p| (p.id, p.amount.minor))
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn money_in_a_euro_vault_corrections_and_check_ins_one_by_one() {
    let (ui, ids) = Ui::with_vault(|v, now| {
        euro(v);
        [ready(v, now, "Frank Moss"), ready(v, now, "Tess Moss")]
    })
    .await;
    let eur = Currency::parse("EUR").unwrap();
    let today = browser_support::now().today;
    let day = |n: i64| today.checked_sub(jiff::Span::new().days(n)).unwrap();
    for ((size, suffix), id) in [(DESKTOP, "desktop"), (PHONE, "phone")]
        .into_iter()
        .zip(ids)
    {
        ui.viewport(size).await;

        // A harm owing "12,50": twelve and a half, and the hint speaks the vault's convention.
        ui.open(&format!("/parties/{id}/harms")).await;
        ui.unfold("Describe a harm").await;
        ui.see("Such as 120 or 120,50.").await;
        let harm = ui.within("Describe a harm");
        harm.fill("What I did", "Kept the change from his shopping.")
            .await;
        harm.fill("Money owed, if any", "12,50").await;
        harm.press("Add this harm").await;
        ui.see("12,50 EUR").await;
        let r = ui.app().read(|v| v.record(id)).unwrap().unwrap();
        assert!(
            r.harms
                .iter()
                .any(|h| h.owed == Some(Money::new(1250, eur))),
            "{suffix}: 12,50 is twelve and a half"
        );

        // A repayment of 12,50 and a payment of 10: 2,50 still to repay, never "settles it".
        ui.open(&format!("/parties/{id}/commitments")).await;
        ui.unfold("Add a repayment (restitution)").await;
        let add = ui.within("Add a repayment (restitution)");
        add.fill("The whole amount", "12,50").await;
        add.press("Add the repayment").await;
        ui.see("repaying 12,50 EUR").await;
        ui.unfold("Record a payment with a date, a way or a note")
            .await;
        let pay = ui.within("Record a payment with a date, a way or a note");
        pay.fill("Amount paid", "10").await;
        pay.press("Record the payment").await;
        ui.see("Still to repay: 2,50 EUR").await;
        ui.do_not_see("settles it").await;

        // A note typed beside an amount that is not one: kept, the error beside the amount.
        ui.unfold("Record a payment with a date, a way or a note")
            .await;
        let pay = ui.within("Record a payment with a date, a way or a note");
        pay.fill("Amount paid", "two fifty").await;
        pay.fill("A note", "left in his mailbox").await;
        pay.press("Record the payment").await;
        ui.eventually("the note kept after the error", || async {
            let note = ui
                .client
                .find(Locator::Css("input[id^='pay-note-']"))
                .await
                .ok()?;
            let v = note.prop("value").await.ok().flatten()?;
            (v == "left in his mailbox").then_some(())
        })
        .await;
        assert!(
            error_beside(&ui, "input[id^='pay-amount-']", "amount-error").await,
            "{suffix}: the error is not beside the amount"
        );
        assert_eq!(payments(&ui, id).len(), 1, "{suffix}: nothing recorded");

        // "1.250" reads two ways: asked, and settled by choosing the reading meant.
        let pay = ui.within("Record a payment with a date, a way or a note");
        pay.fill("Amount paid", "1.250").await;
        pay.press("Record the payment").await;
        ui.see("Did you mean 1.250,00 EUR or 1,25 EUR?").await;
        ui.screenshot(
            std::path::Path::new(&format!("/tmp/amends-money-asked-{suffix}.png")),
            size,
        )
        .await;
        ui.tick("1,25 EUR").await;
        ui.within("Record a payment with a date, a way or a note")
            .press("Record the payment")
            .await;
        ui.see("Still to repay: 1,25 EUR").await;
        let paid = payments(&ui, id);
        assert_eq!(paid.len(), 2, "{suffix}");
        let (second, minor) = *paid.iter().max().unwrap();
        assert_eq!(minor, 125, "{suffix}: one euro twenty-five, as chosen");

        // Corrected to 2,50, which pays it in full; then removed: owed again, said plainly.
        ui.open(&format!("/payments/{second}/correct")).await;
        assert_eq!(value_of(&ui, "#fix-amount").await, "1,25", "{suffix}");
        ui.fill("Amount paid", "2,50").await;
        ui.press("Save the correction").await;
        ui.see("Why correct it").await; // no reason: asked for, nothing saved
        assert_eq!(payments(&ui, id).iter().max().unwrap().1, 125, "{suffix}");
        assert_eq!(value_of(&ui, "#fix-amount").await, "2,50", "{suffix}");
        ui.fill("Why correct it", "I gave him 2,50, not 1,25").await;
        ui.press("Save the correction").await;
        ui.see("The repayment is paid in full.").await;
        ui.see("A payment corrected on").await;
        ui.open(&format!("/payments/{second}/remove")).await;
        ui.see("the repayment is no longer paid: 2,50 EUR is owed again")
            .await;
        ui.fill("Why remove it", "the transfer bounced").await;
        ui.screenshot(
            std::path::Path::new(&format!("/tmp/amends-money-remove-{suffix}.png")),
            size,
        )
        .await;
        ui.press("Remove it").await;
        ui.see("The repayment is no longer paid in full: 2,50 EUR is owed again.")
            .await;
        ui.see("A payment removed on").await;
        ui.see(": 2,50 EUR · left in his mailbox. Why: the transfer bounced")
            .await;
        ui.see("Still to repay: 2,50 EUR").await;
        assert_eq!(payments(&ui, id).len(), 1, "{suffix}");

        // Three missed weekly check-ins, each answered on its own, oldest first.
        ui.see("Check-ins still to answer").await;
        for (n, kept, note) in [
            (21, "kept it up", "We talked about the garden"),
            (14, "not this time", "I was ill"),
            (7, "kept it up", ""),
        ] {
            let week = format!("the week from {}", amends_core::dates::words(day(n)));
            let oldest = ui.read("form.period-answer legend").await;
            assert!(
                oldest.starts_with(&format!("T{}", &week[1..])),
                "{suffix}: {oldest}"
            );
            // The oldest still open is the first form; its own answer and note.
            let radio = if kept == "kept it up" {
                "input[value='yes']"
            } else {
                "input[value='no']"
            };
            first(&ui, radio).await.click().await.expect("the answer");
            if !note.is_empty() {
                first(&ui, "input[name='note']")
                    .await
                    .send_keys(note)
                    .await
                    .expect("the note");
            }
            let button = first(&ui, "button").await;
            ui.client
                .execute(
                    "arguments[0].scrollIntoView({block: 'center'});",
                    vec![serde_json::to_value(&button).unwrap()],
                )
                .await
                .unwrap();
            button.click().await.expect("answered");
            ui.see(&format!("Check-in recorded for {week}")).await;
        }
        ui.screenshot(
            std::path::Path::new(&format!("/tmp/amends-money-followed-{suffix}.png")),
            size,
        )
        .await;
        let r = ui.app().read(|v| v.record(id)).unwrap().unwrap();
        let amends_core::model::CommitmentKind::Living { checkins, .. } = &r
            .commitments
            .iter()
            .find(|c| c.kind_code() == "living")
            .unwrap()
            .kind
        else {
            unreachable!()
        };
        let got: Vec<_> = checkins
            .iter()
            .map(|k| (k.on, k.kept, k.note.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (day(21), true, "We talked about the garden"),
                (day(14), false, "I was ill"),
                (day(7), true, ""),
            ],
            "{suffix}"
        );
        // This week's is still there to answer, and only it.
        assert_eq!(
            ui.client
                .find_all(Locator::Css("form.period-answer"))
                .await
                .unwrap()
                .len(),
            1,
            "{suffix}"
        );
        ui.assert_no_csp_complaints().await;
    }
}
