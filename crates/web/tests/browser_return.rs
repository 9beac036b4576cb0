//! Coming back, in a real browser at desktop and phone sizes: a browser closed and opened again
//! keeps its (persistent) session cookie and returns to the unlock page, where the passphrase
//! lets the person in without restarting anything; a second `amends` gives a fresh address that
//! lets another browser in; a browser that is not let in sees a styled page that fits a phone.

use crate::browser_support;

use amends_web::channel::{Role, ask};
use browser_support::{DESKTOP, PASSPHRASE, PHONE, Ui};
use serde_json::json;

/// What a browser keeps when it is closed and opened again: its persistent cookies only
/// (session cookies go with the browser). Done through DevTools on the same profile.
async fn close_and_reopen(ui: &Ui) {
    let all = ui.cdp("Network.getAllCookies", json!({})).await;
    // chromedriver wraps a DevTools answer in `value`.
    let kept: Vec<serde_json::Value> = all.get("value").unwrap_or(&all)["cookies"]
        .as_array()
        .expect("the browser's cookies")
        .iter()
        .filter(|c| c["session"] == json!(false))
        .cloned()
        .collect();
    assert!(
        kept.iter().any(|c| c["name"] == json!("amends_session")),
        "the session cookie would not outlive the browser: {all}"
    );
    ui.cdp("Network.clearBrowserCookies", json!({})).await;
    if !kept.is_empty() {
        ui.cdp("Network.setCookies", json!({ "cookies": kept }))
            .await;
    }
}

/// A browser with no cookie at all (another browser, or one never let in).
async fn forget_everything(ui: &Ui) {
    ui.cdp("Network.clearBrowserCookies", json!({})).await;
}

fn screenshot(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("amends-return-{name}.png"))
}

browser_test! {
    fn closing_the_browser_and_coming_back_asks_only_for_the_passphrase() {
        for size in [DESKTOP, PHONE] {
            let (ui, ()) = Ui::with_vault(|v, now| {
                v.add_party("Mum", amends_core::model::PartyKind::Person, "mother", "", now)
                    .expect("a party");
            })
            .await;
            ui.viewport(size).await;
            ui.open("/list").await;
            ui.see("Mum").await;
            // The session cookie outlives the browser: still unlocked, straight to the list.
            close_and_reopen(&ui).await;
            ui.open("/list").await;
            ui.on_page("/list").await;
            ui.see("Mum").await;
            // Locked meanwhile (auto-lock, or Lock): closing and opening the browser again
            // leads to the unlock page, and the passphrase is all it takes.
            ui.press("Lock").await;
            ui.on_page("/unlock").await;
            close_and_reopen(&ui).await;
            ui.open("/").await;
            ui.on_page("/unlock").await;
            ui.see("Unlock your workbook").await;
            ui.fill("Passphrase", PASSPHRASE).await;
            ui.press("Unlock").await;
            ui.on_page("/").await;
            ui.open("/list").await;
            ui.see("Mum").await;
            ui.assert_no_csp_complaints().await;
        }
    }
}

browser_test! {
    fn a_second_launch_address_lets_another_browser_in_once() {
        for size in [DESKTOP, PHONE] {
            let ui = Ui::first_run().await;
            ui.viewport(size).await;
            ui.on_page("/setup").await;
            let app = ui.app().clone();
            let vault = app.config().vault.clone();
            let origin = ui.client.current_url().await.unwrap();
            let addr: std::net::SocketAddr =
                format!("127.0.0.1:{}", origin.port().unwrap()).parse().unwrap();
            let _answering = amends_web::answer_others(&vault, addr, &app).unwrap();
            // Another browser (no cookie): turned away, on a page that says how to get in.
            forget_everything(&ui).await;
            ui.open("/").await;
            ui.see("This browser is not let in to Amends").await;
            // A second `amends` asks the running app for a fresh address.
            let v = vault.clone();
            let fresh = tokio::task::spawn_blocking(move || ask(&v, Role::App, "launch"))
                .await
                .unwrap()
                .unwrap()
                .expect("the running app answers");
            ui.client.goto(&fresh).await.unwrap();
            ui.on_page("/setup").await;
            ui.see("Create your vault").await;
            // The same address again, in a browser that is not let in: used up.
            forget_everything(&ui).await;
            ui.client.goto(&fresh).await.unwrap();
            ui.see("This address has already been used").await;
        }
    }
}

browser_test! {
    fn a_refusal_page_is_styled_and_fits_a_phone() {
        let ui = Ui::first_run().await;
        for (size, name) in [(PHONE, "390"), (DESKTOP, "1280")] {
            forget_everything(&ui).await;
            ui.viewport(size).await;
            ui.open("/").await;
            ui.see("This browser is not let in to Amends").await;
            ui.see("amends").await;
            // The stylesheet applied: the page's own font and margins, not the browser's.
            let font = ui
                .client
                .execute("return getComputedStyle(document.body).fontFamily;", vec![])
                .await
                .unwrap();
            assert!(
                !font.as_str().unwrap_or("").to_ascii_lowercase().contains("times"),
                "the refusal page is unstyled: {font}"
            );
            let wide = ui
                .client
                .execute(
                    "return document.documentElement.scrollWidth;",
                    vec![],
                )
                .await
                .unwrap()
                .as_u64()
                .unwrap();
            assert!(wide <= u64::from(size.0), "{wide}px wide at {}px", size.0);
            let text_px = ui
                .client
                .execute(
                    "return parseFloat(getComputedStyle(document.querySelector('main p')).fontSize);",
                    vec![],
                )
                .await
                .unwrap()
                .as_f64()
                .unwrap();
            assert!(text_px >= 16.0, "text of {text_px}px is too small to read");
            ui.screenshot(&screenshot(name), size).await;
            ui.assert_no_csp_complaints().await;
        }
    }
}
