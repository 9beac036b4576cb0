//! Date fields in a real browser, at desktop and phone width: the hint says what to type, 31
//! February is refused with the precise message beside the field and the typed text kept, an
//! optional date typed wrong is not dropped, and a date in words is accepted and shown back the
//! same way.

use amends_vault::Vault;
use browser_support::{DESKTOP, PHONE, Ui};
use fantoccini::Locator;

use crate::browser_support;

/// Someone on the list with one harm, willing now, no safety question applying.
fn ready(v: &mut Vault, now: &amends_core::Now, name: &str) -> i64 {
    browser_support::willing_with_harm(
        v,
        now,
        name,
        "friend",
        "Borrowed the car and brought it back dented.",
    )
}

/// The value in an input now (what the person sees in it).
async fn value_of(ui: &Ui, css: &str) -> String {
    let el = ui
        .client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"));
    el.prop("value").await.ok().flatten().unwrap_or_default()
}

/// Whether the error shown for a field sits in the same field block as the input, and fits
/// inside the window (nothing cut off at phone width).
async fn error_beside(ui: &Ui, input_css: &str, error_id: &str) -> bool {
    let js = r#"
        const input = document.querySelector(arguments[0]);
        const error = document.getElementById(arguments[1]);
        if (!input || !error) return false;
        const block = input.closest('.field');
        const r = error.getBoundingClientRect();
        return block !== null && block.contains(error) && r.width > 0
            && r.left >= 0 && r.right <= document.documentElement.clientWidth + 1
            && (input.getAttribute('aria-describedby') || '').split(' ').includes(arguments[1]);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn date_fields_say_what_they_want_and_never_lose_or_misread_a_date() {
    let (ui, ids) = Ui::with_vault(|v, now| [ready(v, now, "Robin"), ready(v, now, "Kim")]).await;
    let today = browser_support::now().today;
    let review = today.checked_add(jiff::Span::new().days(30)).unwrap();
    for ((size, suffix), id) in [(DESKTOP, "desktop"), (PHONE, "phone")]
        .into_iter()
        .zip(ids)
    {
        ui.viewport(size).await;
        ui.open(&format!("/parties/{id}/plan")).await;

        // The plan's date: the hint is shown beside it, and it is a text field.
        let field = ui.within("The plan").field("When (if you know)").await;
        assert_eq!(field.attr("type").await.unwrap().as_deref(), Some("text"));
        ui.see("Day, month and year, e.g. ").await;
        assert!(
            ui.read("#p-on-hint")
                .await
                .starts_with("Day, month and year, e.g. "),
            "{suffix}: the plan's date has no hint"
        );

        // An optional date typed wrong is an error, never dropped with the plan saved.
        let plan = ui.within("The plan");
        plan.choose(
            "What",
            "words: owning what you did and offering to set it right",
        )
        .await;
        plan.choose("How it reaches them", "by letter or post")
            .await;
        plan.fill("When (if you know)", "31 June 2099").await;
        plan.fill("What you mean to say", "I was wrong to take the car.")
            .await;
        plan.press("Save the plan").await;
        ui.see("June 2099 has 30 days, so there is no 31 June 2099; check the day.")
            .await;
        assert_eq!(value_of(&ui, "#p-on").await, "31 June 2099", "{suffix}");
        assert!(error_beside(&ui, "#p-on", "on-error").await, "{suffix}");
        let record = ui.app().read(|v| v.record(id)).unwrap().unwrap();
        assert!(record.plan.is_none(), "{suffix}: saved without its date");

        // A date in words is accepted, and shown back the same way.
        let plan = ui.within("The plan");
        plan.fill("When (if you know)", "7 Dec 2099").await;
        plan.press("Save the plan").await;
        ui.see("7 December 2099").await;
        ui.eventually("the plan's date shown back in words", || async {
            (value_of(&ui, "#p-on").await == "7 December 2099").then_some(())
        })
        .await;
        let record = ui.app().read(|v| v.record(id)).unwrap().unwrap();
        assert_eq!(
            record.plan.and_then(|p| p.on),
            Some(jiff::civil::date(2099, 12, 7)),
            "{suffix}"
        );

        // 31 February: refused beside its field with the month's length, the typed text kept.
        ui.unfold("Put it off").await;
        let defer = ui.within("Put it off");
        defer
            .fill("Why now is not the time", "He is in hospital; I will wait.")
            .await;
        defer
            .fill("When to look at it again", "31 February 2027")
            .await;
        ui.screenshot(
            std::path::Path::new(&format!("/tmp/amends-dates-typed-{suffix}.png")),
            size,
        )
        .await;
        defer.press("Put it off").await;
        ui.see("February 2027 has 28 days, so there is no 31 February 2027; check the day.")
            .await;
        assert_eq!(
            value_of(&ui, "#d-review").await,
            "31 February 2027",
            "{suffix}"
        );
        assert!(
            error_beside(&ui, "#d-review", "review_on-error").await,
            "{suffix}"
        );
        assert_eq!(
            value_of(&ui, "#d-reason").await,
            "He is in hospital; I will wait.",
            "{suffix}"
        );
        ui.screenshot(
            std::path::Path::new(&format!("/tmp/amends-dates-refused-{suffix}.png")),
            size,
        )
        .await;
        let record = ui.app().read(|v| v.record(id)).unwrap().unwrap();
        assert!(record.deferrals.is_empty(), "{suffix}");

        // The same field takes the date in Spanish words, and the page says it in words.
        let spanish = format!(
            "{} de {} de {}",
            review.day(),
            [
                "enero",
                "febrero",
                "marzo",
                "abril",
                "mayo",
                "junio",
                "julio",
                "agosto",
                "septiembre",
                "octubre",
                "noviembre",
                "diciembre",
            ][usize::try_from(review.month()).unwrap() - 1],
            review.year()
        );
        ui.within("Put it off")
            .fill("When to look at it again", &spanish)
            .await;
        ui.within("Put it off").press("Put it off").await;
        ui.see(&review.strftime("%-d %B %Y").to_string()).await;
        let record = ui.app().read(|v| v.record(id)).unwrap().unwrap();
        assert_eq!(record.deferrals.len(), 1, "{suffix}");
        assert_eq!(record.deferrals[0].review_on, review, "{suffix}");
        ui.assert_no_csp_complaints().await;
    }
}
