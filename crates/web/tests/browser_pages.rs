//! The pages as a person meets them, in a real headless Chromium at desktop (1280 px) and phone
//! (390 px) widths: a party's page in steps, the Quick exit button that never covers a focused
//! field, the message and focus after a save, names that cannot widen or turn the page around,
//! versioned asset addresses, and axe-core on every page the router can show.
//!
//! axe-core is vendored under `browser_support/` (see its README) and injected into each page
//! through WebDriver: the app itself never serves it.

use crate::browser_support;

use amends_core::Now;
use amends_core::model::{Cadence, CommitmentKind, HarmKind, Method, PartyKind};
use amends_vault::{CommitmentInput, HarmInput, PartyRef, PlanInput, Vault};
use browser_support::{DESKTOP, PHONE, Ui};
use serde_json::{Value as Json, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// axe-core 4.14.1, unchanged from the npm package (browser_support/README.md).
const AXE: &str = include_str!("browser_support/axe-4.14.1.min.js");

/// Runs a script in the page and gives back what it returned.
async fn js(ui: &Ui, script: &str, args: Vec<Json>) -> Json {
    ui.client
        .execute(script, args)
        .await
        .unwrap_or_else(|e| panic!("the script failed: {e}\n{script}"))
}

/// Types into the new harm's "What I did" (each recorded harm has one too, folded away).
async fn new_harm(ui: &Ui, words: &str) {
    let field = ui
        .client
        .find(fantoccini::Locator::Css("#hn-did"))
        .await
        .expect("the new harm's field");
    field.send_keys(words).await.expect("typed");
}

/// Waits for two frames, so that scripts reacting to focus or layout have run.
async fn settle(ui: &Ui) {
    ui.client
        .execute_async(
            "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
            vec![],
        )
        .await
        .expect("two frames");
}

/// axe-core's violations on the page shown, in readable lines (empty: none).
async fn axe_violations(ui: &Ui) -> Vec<String> {
    // A page still arriving after a press can replace the one axe was put into: then axe is
    // put into the new page and run again.
    let mut tries = 0;
    let result = loop {
        let loaded = ui
            .client
            .execute("return typeof window.axe !== 'undefined';", vec![])
            .await;
        if loaded.as_ref().ok() != Some(&json!(true)) {
            // Through WebDriver, as the test's own code: the page's CSP does not apply to it.
            let _ = ui
                .client
                .execute(&format!("{AXE}\n;return true;"), vec![])
                .await;
        }
        let ran = ui
            .client
            .execute_async(
                "const done = arguments[0];
                 axe.run(document, { resultTypes: ['violations'] })
                   .then(r => done(r.violations.map(v => ({
                     id: v.id, impact: v.impact, help: v.help,
                     nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').replace(/\\s+/g, ' '))
                   }))), e => done([{ id: 'axe-error', impact: 'error', help: String(e), nodes: [] }]));",
                vec![],
            )
            .await;
        match ran {
            Ok(r) => break r,
            Err(_) if tries < 10 => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            Err(e) => panic!("axe did not run: {e}"),
        }
    };
    result
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|v| {
            let nodes: Vec<String> = v["nodes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .take(5)
                .map(|n| format!("      {}", n.as_str().unwrap_or("")))
                .collect();
            format!(
                "  [{}] {} ({})\n{}",
                v["impact"].as_str().unwrap_or("?"),
                v["help"].as_str().unwrap_or(""),
                v["id"].as_str().unwrap_or(""),
                nodes.join("\n")
            )
        })
        .collect()
}

/// Runs axe on the page shown and records what it finds under `what`.
async fn check_axe(ui: &Ui, what: &str, found: &mut Vec<String>) {
    let v = axe_violations(ui).await;
    if !v.is_empty() {
        found.push(format!("{what}:\n{}", v.join("\n")));
    }
}

/// The page's width beyond the window, in CSS pixels (0: nothing sticks out).
async fn overflow(ui: &Ui) -> i64 {
    js(
        ui,
        "return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth;",
        vec![],
    )
    .await
    .as_i64()
    .unwrap_or(i64::MAX)
}

/// The page's full height, in CSS pixels.
async fn height(ui: &Ui) -> i64 {
    js(
        ui,
        "return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight);",
        vec![],
    )
    .await
    .as_i64()
    .unwrap_or(i64::MAX)
}

/// Someone on the list with a harm, willing now and with the safety questions answered.
fn party(v: &mut Vault, now: &Now, name: &str) -> i64 {
    browser_support::willing_with_harm(
        v,
        now,
        name,
        "friend",
        "Missed their wedding and lied about why.",
    )
}

/// A living amends kept up weekly for `weeks` weeks, a check-in each week.
fn living(v: &mut Vault, now: &Now, id: i64, weeks: i64) -> i64 {
    let start = now.today - jiff::Span::new().days(7 * weeks);
    let cid = v
        .add_commitment(
            &PartyRef::Id(id),
            &CommitmentInput::Living {
                behaviour: "Call every Sunday and listen.".into(),
                every: Cadence::Weekly,
                starting: start,
            },
            now,
        )
        .expect("a living amends")
        .id;
    for w in 0..weeks {
        let on = start + jiff::Span::new().days(7 * w);
        v.check_in(cid, w % 4 != 3, on, &format!("week {}", w + 1), now)
            .expect("a check-in");
    }
    cid
}

browser_test! {
    /// The party's page is a summary with the next step on top and a step navigation; each part
    /// is a page of its own of a reasonable height; check-ins are listed once, ten at a time;
    /// a form sent from a part comes back to that part.
    fn the_party_page_is_in_steps() {
        let (ui, (id, cid)) = Ui::with_vault(|v, now| {
            let id = party(v, now, "Dana");
            let cid = living(v, now, id, 25);
            (id, cid)
        })
        .await;
        for size in [DESKTOP, PHONE] {
            ui.viewport(size).await;
            ui.open(&format!("/parties/{id}")).await;
            ui.see("Next step").await;
            let current = ui.read(".party-steps [aria-current='page']").await;
            assert!(current.contains("Summary"), "{current}");
            let text = ui.text().await;
            assert!(!text.contains("week 1"), "no check-in on the summary: {text}");
            let mut tallest = (0, String::new());
            let parts = [
                "harms", "willingness", "safety", "consult", "plan", "attempt", "commitments",
                "timeline", "edit",
            ];
            for part in parts {
                ui.open(&format!("/parties/{id}/{part}")).await;
                let current = ui.read(".party-steps [aria-current='page']").await;
                assert!(!current.contains("Summary"), "{part}: {current}");
                let h = height(&ui).await;
                if h > tallest.0 {
                    tallest = (h, part.to_string());
                }
                let file = format!("/tmp/amends-part-{part}-{}.png", size.0);
                ui.screenshot(std::path::Path::new(&file), size).await;
            }
            println!("tallest part at {} px: {} ({} px)", size.0, tallest.1, tallest.0);
            // The whole page was 6,000 to 10,000 px; the longest part (the safety questions, one
            // per line on a phone) stays well under half of that.
            let most = if size == PHONE { 4_600 } else { 3_200 };
            assert!(
                tallest.0 < most,
                "at {} px the {} part is {} px tall",
                size.0,
                tallest.1,
                tallest.0
            );

            // Check-ins once, paged, newest first.
            ui.open(&format!("/parties/{id}/commitments")).await;
            // The check-ins kept, not the periods still to answer listed above them.
            let shown = js(
                &ui,
                "return document.querySelectorAll('#checkins-' + arguments[0] + ' ~ ol.history li').length;",
                vec![json!(cid)],
            )
            .await;
            assert_eq!(shown, json!(10), "ten check-ins on the first page");
            ui.see("Check-ins 1 to 10 of 25, newest first.").await;
            ui.see("19 of 25 check-ins kept.").await;
            ui.see("week 25").await;
            ui.do_not_see("week 15 ").await;
            ui.follow("Older check-ins").await;
            ui.see("Check-ins 11 to 20 of 25, newest first.").await;
            ui.see("week 15").await;
            ui.follow("Older check-ins").await;
            ui.see("Check-ins 21 to 25 of 25, newest first.").await;
            ui.see("week 1").await;
            ui.follow("Newer check-ins").await;
            ui.see("Check-ins 11 to 20 of 25, newest first.").await;
            let page = js(&ui, "return document.body.innerText;", vec![]).await;
            let page = page.as_str().unwrap_or("");
            assert_eq!(page.matches("week 15").count(), 1, "once: {page}");
            ui.open(&format!("/parties/{id}/timeline")).await;
            ui.do_not_see("week 3").await;
            ui.do_not_see("Check-in: kept up").await;
        }

        // A form sent from a part comes back to it.
        ui.viewport(DESKTOP).await;
        ui.open(&format!("/parties/{id}/willingness")).await;
        ui.tick("later").await;
        ui.press("Record willingness").await;
        ui.see("Your willingness today: later").await;
        assert_eq!(ui.path().await, format!("/parties/{id}/willingness"));
        ui.open(&format!("/parties/{id}/harms")).await;
        ui.unfold("Describe a harm").await;
        new_harm(&ui, "Took the car without asking.").await;
        ui.press("Add this harm").await;
        ui.see("The harm is on your list.").await;
        assert_eq!(ui.path().await, format!("/parties/{id}/harms"));
    }
}

browser_test! {
    /// The summary's next step says one thing and links to the part where it is done.
    fn the_next_step_links_to_its_part() {
        let (ui, id) = Ui::with_vault(|v, now| {
            v.add_party("Sam", PartyKind::Person, "", "", now)
                .expect("a party")
                .id
        })
        .await;
        for size in [DESKTOP, PHONE] {
            ui.viewport(size).await;
            ui.open(&format!("/parties/{id}")).await;
            ui.see("Describe what happened, the facts first.").await;
            ui.follow("Describe a harm").await;
            assert_eq!(ui.path().await, format!("/parties/{id}/harms"));
        }
    }
}

/// Focuses every field of the page shown, one by one, and returns those the Quick exit button
/// covered once focused (each as its id or name and both rectangles).
async fn covered_fields(ui: &Ui) -> Vec<String> {
    let count = js(
        ui,
        "window.__fields = Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
           .filter(el => el.getClientRects().length > 0 && !el.disabled);
         return window.__fields.length;",
        vec![],
    )
    .await
    .as_u64()
    .unwrap_or(0);
    // A person who taps a field has the page in focus; a page the browser has not given focus
    // to yet (some headless Chromium builds start so) sends no focus events. A click on the
    // page's heading gives it focus, as a tap would.
    if let Ok(h) = ui.client.find(fantoccini::Locator::Css("main h1")).await {
        h.click().await.expect("the heading takes a click");
    }
    let mut covered = Vec::new();
    for i in 0..count {
        js(ui, "window.__fields[arguments[0]].focus();", vec![json!(i)]).await;
        settle(ui).await;
        let hit = js(
            ui,
            "const el = window.__fields[arguments[0]];
             const b = document.querySelector('.quick-exit');
             if (!b || document.activeElement !== el) { return null; }
             const r = el.getBoundingClientRect(), q = b.getBoundingClientRect();
             const meets = r.left < q.right && q.left < r.right && r.top < q.bottom && q.top < r.bottom;
             return meets ? `${el.id || el.name}: field ${JSON.stringify(r)} button ${JSON.stringify(q)}` : null;",
            vec![json!(i)],
        )
        .await;
        if let Some(s) = hit.as_str() {
            covered.push(s.to_string());
        }
    }
    covered
}

browser_test! {
    /// At a phone's width and a desktop's, on the pages with the most fields (the recovery key
    /// check on setup, the safety questions, a harm, the plan, the settings), no field that has
    /// focus is under the Quick exit button.
    fn quick_exit_never_covers_a_focused_field() {
        for size in [PHONE, DESKTOP] {
            let ui = Ui::first_run().await;
            ui.viewport(size).await;
            ui.fill("Passphrase", browser_support::PASSPHRASE).await;
            ui.fill("The same passphrase again", browser_support::PASSPHRASE).await;
            ui.press("Create my vault").await;
            ui.on_page("/setup/recovery").await;
            let mut covered = Vec::new();
            for c in covered_fields(&ui).await {
                covered.push(format!("/setup/recovery {c}"));
            }
            ui.screenshot(
                std::path::Path::new(&format!("/tmp/amends-recovery-{}.png", size.0)),
                size,
            )
            .await;
            drop(ui);

            let (ui, id) = Ui::with_vault(|v, now| party(v, now, "Robin")).await;
            ui.viewport(size).await;
            for path in [
                format!("/parties/{id}/safety"),
                format!("/parties/{id}/harms"),
                format!("/parties/{id}/plan"),
                format!("/parties/{id}/commitments"),
                "/settings".to_string(),
                "/capture".to_string(),
            ] {
                ui.open(&path).await;
                // Every closed part of the page open, so its fields count too.
                js(&ui, "document.querySelectorAll('details').forEach(d => d.open = true);", vec![]).await;
                for c in covered_fields(&ui).await {
                    covered.push(format!("{path} {c}"));
                }
            }
            assert!(
                covered.is_empty(),
                "at {} px the Quick exit button covers a focused field:\n{}",
                size.0,
                covered.join("\n")
            );
        }
    }
}

browser_test! {
    /// After a save the message stands beside what was changed, in view, and has the focus.
    fn after_a_save_the_message_is_where_the_change_was_and_has_focus() {
        let (ui, id) = Ui::with_vault(|v, now| party(v, now, "Alex")).await;
        for (size, words) in [(DESKTOP, "Lied to them about the rent."), (PHONE, "Took their bike.")] {
            ui.viewport(size).await;
            ui.open(&format!("/parties/{id}/harms")).await;
            ui.unfold("Describe a harm").await;
            new_harm(&ui, words).await;
            ui.press("Add this harm").await;
            ui.see("The harm is on your list.").await;
            settle(&ui).await;
            let state = js(
                &ui,
                "const a = document.activeElement;
                 const r = a.getBoundingClientRect();
                 return { cls: a.className, text: a.textContent, inHarms: !!a.closest('#harms'),
                          visible: r.top >= 0 && r.bottom <= window.innerHeight };",
                vec![],
            )
            .await;
            assert!(state["cls"].as_str().unwrap_or("").contains("flash"), "{size:?}: {state}");
            assert_eq!(state["text"], json!("The harm is on your list."), "{size:?}");
            assert_eq!(state["inHarms"], json!(true), "{size:?}: {state}");
            assert_eq!(state["visible"], json!(true), "{size:?}: {state}");
            ui.screenshot(
                std::path::Path::new(&format!("/tmp/amends-saved-{}.png", size.0)),
                size,
            )
            .await;
        }
        // The same for a change far down a part: a check-in recorded from Following through.
        ui.viewport(PHONE).await;
        ui.open(&format!("/parties/{id}/willingness")).await;
        ui.tick("later").await;
        ui.press("Record willingness").await;
        settle(&ui).await;
        let state = js(
            &ui,
            "const a = document.activeElement; const r = a.getBoundingClientRect();
             return { flash: a.classList.contains('flash'), inside: !!a.closest('#willingness'),
                      visible: r.top >= 0 && r.bottom <= window.innerHeight };",
            vec![],
        )
        .await;
        assert_eq!(state, json!({ "flash": true, "inside": true, "visible": true }));
    }
}

browser_test! {
    /// A name of the longest length typed without a space, and a longer word in the harm and the
    /// notes, wrap: neither the home page, the list nor the party's page is wider than a phone.
    fn a_long_unbroken_name_does_not_widen_any_page() {
        let long = "W".repeat(amends_core::text::NAME_MAX);
        let word = "x".repeat(500);
        let (ui, id) = Ui::with_vault(|v, now| {
            let id = v
                .add_party(&long, PartyKind::Person, &"R".repeat(200), &word, now)
                .expect("a party")
                .id;
            v.add_harm(
                &PartyRef::Id(id),
                &HarmInput {
                    did: word.clone(),
                    kinds: vec![HarmKind::Trust],
                    ..HarmInput::default()
                },
                now,
            )
            .expect("a harm");
            id
        })
        .await;
        for size in [PHONE, DESKTOP] {
            ui.viewport(size).await;
            for path in [
                "/".to_string(),
                "/list".to_string(),
                format!("/parties/{id}"),
                format!("/parties/{id}/harms"),
                format!("/parties/{id}/timeline"),
                format!("/parties/{id}/edit"),
            ] {
                ui.open(&path).await;
                let over = overflow(&ui).await;
                if path == "/" || path == "/list" {
                    ui.screenshot(
                        std::path::Path::new(&format!(
                            "/tmp/amends-long-{}-{}.png",
                            path.trim_matches('/').replace('/', "-"),
                            size.0
                        )),
                        size,
                    )
                    .await;
                }
                assert!(over <= 0, "at {} px {path} is {over} px too wide", size.0);
            }
        }
    }
}

browser_test! {
    /// A name with a hidden right-to-left override would show as another name ("Mumexe.png"):
    /// the web form refuses it beside the field, keeps what was typed, and adds no one; a name
    /// in a right-to-left script is welcome and kept apart from the words around it.
    fn a_name_with_a_direction_override_is_refused() {
        let ui = Ui::empty_vault().await;
        for size in [DESKTOP, PHONE] {
            ui.viewport(size).await;
            ui.open("/parties/new").await;
            ui.fill("Name", "Mum\u{202E}gnp.exe").await;
            ui.press("Add to my list").await;
            ui.see("hidden character (U+202E)").await;
            assert!(
                ui.app()
                    .read(|v| v.records())
                    .expect("open")
                    .expect("records")
                    .is_empty(),
                "nothing was added"
            );
        }
        ui.open("/parties/new").await;
        ui.fill("Name", "שרה").await;
        ui.press("Add to my list").await;
        ui.see("שרה").await;
        let isolated = js(
            &ui,
            "const h = document.querySelector('#party-name bdi');
             return h ? getComputedStyle(h).unicodeBidi : null;",
            vec![],
        )
        .await;
        assert_eq!(isolated, json!("isolate"));
    }
}

browser_test! {
    /// Every asset address carries its content's fingerprint and may be kept for good; the
    /// plain address must be checked again, so an upgrade never meets a stale copy.
    fn asset_addresses_are_versioned_by_their_content() {
        let ui = Ui::empty_vault().await;
        for size in [DESKTOP, PHONE] {
            ui.viewport(size).await;
            ui.open("/").await;
            let urls = js(
                &ui,
                "return Array.from(document.querySelectorAll('link[href^=\"/assets/\"], script[src^=\"/assets/\"], img[src^=\"/assets/\"]'))
                   .map(e => e.getAttribute('href') || e.getAttribute('src'));",
                vec![],
            )
            .await;
            let urls: Vec<String> = serde_json::from_value(urls).expect("addresses");
            assert!(urls.len() >= 4, "{urls:?}");
            for u in &urls {
                let name = u.trim_start_matches("/assets/");
                let parts: Vec<&str> = name.split('.').collect();
                assert!(
                    parts.iter().any(|p| p.len() == 16 && p.chars().all(|c| c.is_ascii_hexdigit())),
                    "{u} carries no version"
                );
                let answer = ui
                    .client
                    .execute_async(
                        "const done = arguments[1];
                         fetch(arguments[0]).then(async r => done({ cache: r.headers.get('cache-control'), body: await r.text() }));",
                        vec![json!(u)],
                    )
                    .await
                    .expect("fetched");
                assert!(
                    answer["cache"].as_str().unwrap_or("").contains("immutable"),
                    "{u}: {answer:?}"
                );
                let plain = format!(
                    "/assets/{}",
                    parts
                        .iter()
                        .filter(|p| !(p.len() == 16 && p.chars().all(|c| c.is_ascii_hexdigit())))
                        .copied()
                        .collect::<Vec<_>>()
                        .join(".")
                );
                let again = ui
                    .client
                    .execute_async(
                        "const done = arguments[1];
                         fetch(arguments[0]).then(async r => done({ cache: r.headers.get('cache-control'), body: await r.text() }));",
                        vec![json!(plain)],
                    )
                    .await
                    .expect("fetched");
                assert_eq!(again["body"], answer["body"], "{plain} is the same file");
                assert!(
                    !again["cache"].as_str().unwrap_or("").contains("immutable"),
                    "{plain}: {again:?}"
                );
            }
        }
    }
}

/// Why `fill_route` could not fill a pattern from the workbook it was given: not an excuse, only
/// a reason to fill it from another one (the sharing workbooks).
const NO_DATA: &str = "a parameter the workbook has nothing for";

/// A GET route's pattern with its parameters filled from a workbook's ids, or why it is not a
/// page that can be visited.
fn fill_route(
    pattern: &str,
    ids: &std::collections::HashMap<&str, i64>,
) -> Result<String, &'static str> {
    if pattern.starts_with("/assets/") {
        return Err("the app's own files (CSS, scripts, the icon), not pages");
    }
    if pattern.starts_with("/calendar/") {
        return Err("a calendar file for calendar apps (text/calendar), not a page");
    }
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..]
            .find('}')
            .map(|c| open + c)
            .ok_or("a broken pattern")?;
        let name = &rest[open + 1..close];
        let key = match (out.as_str(), name) {
            (o, "id") if o.starts_with("/parties/") => "party",
            (o, "id") if o.starts_with("/commitments/") => "commitment",
            (o, "id") if o.starts_with("/supported/") => "supported",
            (o, "id") if o.starts_with("/sharing/contacts/") => "contact",
            (o, "id") if o.starts_with("/sharing/outbox/") => "outbox",
            (o, "id") if o.starts_with("/payments/") => "payment",
            (o, "id") if o.starts_with("/checkins/") => "checkin",
            (_, "note") => "note",
            (_, other) => other,
        };
        let value = ids.get(key).ok_or(NO_DATA)?;
        out.push_str(&value.to_string());
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The value of a field, by its id (a read-only text area reads no other way).
async fn value_of(ui: &Ui, id: &str) -> String {
    js(
        ui,
        "return document.getElementById(arguments[0]).value;",
        vec![json!(id)],
    )
    .await
    .as_str()
    .unwrap_or_else(|| panic!("no field #{id}"))
    .to_string()
}

/// Adds the contact code `code` under `name` as `role` on the Sharing page shown.
async fn add_contact(ui: &Ui, code: &str, name: &str, role: &str) {
    ui.fill("Their contact code", code).await;
    ui.fill("Their name", name).await;
    ui.choose("Who they are to you", role).await;
    ui.press("Add this contact").await;
    ui.see(&format!("Compare fingerprints with {name}")).await;
}

/// Marks the contact `name` verified on the Sharing page shown; returns its id in `app`.
async fn verify_contact(ui: &Ui, app: &amends_web::App, name: &str) -> i64 {
    ui.tick("We read them out loud to each other and they matched")
        .await;
    ui.press(&format!("Mark {name} as verified")).await;
    ui.see("fingerprints compared on").await;
    app.read(|v| v.contacts())
        .expect("open")
        .expect("contacts")
        .into_iter()
        .find(|c| c.label == name)
        .unwrap_or_else(|| panic!("{name} is a contact"))
        .id
}

/// The words of the elements matching `css` that are cut in two across lines (a break at a
/// hyphen or a slash is not a cut; text only for screen readers is left out).
async fn cut_words(ui: &Ui, css: &str) -> Vec<String> {
    let cut = js(
        ui,
        "const out = [];
         for (const el of document.querySelectorAll(arguments[0])) {
           const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
           let n;
           while ((n = walk.nextNode())) {
             if (n.parentElement.closest('.visually-hidden')) continue;
             const words = /[^\\s\\-\\/]+/g;
             let m;
             while ((m = words.exec(n.data))) {
               const r = document.createRange();
               r.setStart(n, m.index);
               r.setEnd(n, m.index + m[0].length);
               const lines = new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top)));
               if (lines.size > 1) out.push(m[0]);
             }
           }
         }
         return out;",
        vec![json!(css)],
    )
    .await;
    cut.as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|w| w.as_str().map(str::to_string))
        .collect()
}

/// Runs axe on the page shown at both widths (a page that is the answer to a form, which no
/// address shows again), then goes back to the desktop's.
async fn check_axe_both(ui: &Ui, what: &str, found: &mut Vec<String>) {
    for size in [DESKTOP, PHONE] {
        ui.viewport(size).await;
        check_axe(ui, &format!("{what} at {} px", size.0), found).await;
    }
    ui.viewport(DESKTOP).await;
}

/// Picks the whole list and the parts on a "Share with" page, then previews it (and runs axe
/// on the preview).
async fn choose_and_preview(ui: &Ui, parts: &[&str], found: &mut Vec<String>) {
    ui.choose("Whom to share", "The whole list").await;
    for part in parts {
        ui.tick(part).await;
    }
    ui.press("See what will be shared").await;
    ui.see("will receive").await;
    check_axe_both(ui, &format!("the preview of {}", ui.path().await), found).await;
}

/// Two workbooks that share with each other, made as two people make them through the pages,
/// with the browser on the first: Sam supports Alex. Alex shares their whole list with Sam as a
/// file; Sam opens it, writes notes on it (one view on a plan, one comment), and shares Sam's
/// own list with Alex through a relay that refuses every connection, so it waits in the outbox.
/// The Sharing page with a contact not yet verified is checked with axe on the way, at both
/// widths. Gives back the ids the sharing routes take, in the first workbook.
async fn sharing_workbooks(found: &mut Vec<String>) -> (Ui, HashMap<&'static str, i64>) {
    // A port nothing listens on: the relay that does not answer.
    let closed = std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let relay = format!("http://127.0.0.1:{closed}");
    let (ui, (), ()) = Ui::with_two_vaults(
        |v, now| {
            party(v, now, "Morgan Reyes");
            v.set_relay_address(Some(&relay))
                .expect("the relay address");
        },
        |v, now| {
            let id = party(v, now, "Robin Ashdown");
            v.plan(
                &PartyRef::Id(id),
                &PlanInput {
                    method: Method::Letter,
                    channel: None,
                    script: "I missed your wedding and lied about why. I am sorry.".into(),
                    on: None,
                    place: String::new(),
                },
                now,
            )
            .expect("a plan");
            living(v, now, id, 3);
            party(v, now, "Jo Kestrel");
        },
    )
    .await;

    // Each reads the other's contact code on their Sharing page and adds it.
    ui.open_other("/sharing").await;
    let alex_code = value_of(&ui, "my-code").await;
    ui.open("/sharing").await;
    let sam_code = value_of(&ui, "my-code").await;
    add_contact(&ui, &alex_code, "Alex Moreno", "someone I support").await;
    check_axe_both(&ui, "/sharing with a contact not verified", found).await;
    let alex = verify_contact(&ui, ui.app(), "Alex Moreno").await;
    ui.open_other("/sharing").await;
    add_contact(&ui, &sam_code, "Sam Okafor", "sponsor").await;
    let sam = verify_contact(&ui, ui.other_app(), "Sam Okafor").await;

    // Alex shares the whole list with Sam as a file; Sam opens it.
    ui.open_other(&format!("/sharing/contacts/{sam}/share"))
        .await;
    choose_and_preview(
        &ui,
        &["Harms", "Plans", "Scripts", "Attempts", "Commitments"],
        found,
    )
    .await;
    ui.press("Confirm and download the file").await;
    let file = ui.downloaded("amends-").await;
    ui.open("/sharing").await;
    ui.field("The bundle file")
        .await
        .send_keys(file.to_str().expect("a path in words"))
        .await
        .expect("the file is chosen");
    ui.press("Open it").await;
    ui.see("Alex Moreno shared their list with you").await;
    check_axe_both(&ui, "a share opened", found).await;
    // The same file again is refused, and says why.
    ui.open("/sharing").await;
    ui.field("The bundle file")
        .await
        .send_keys(file.to_str().expect("a path in words"))
        .await
        .expect("the file is chosen");
    ui.press("Open it").await;
    ui.see("not newer than one you already opened").await;
    check_axe_both(&ui, "a share opened twice", found).await;

    // Sam's notes: a view on Robin's plan and a comment on Jo.
    ui.open(&format!("/supported/{alex}")).await;
    ui.unfold("Leave a note on Robin Ashdown").await;
    let robin = ui.within("Leave a note on Robin Ashdown");
    robin
        .choose("Your view of the plan for Robin Ashdown", "Approved")
        .await;
    robin
        .fill(
            "Your comment",
            "Kind and clear; send it when you are ready.",
        )
        .await;
    robin.press("Keep this note").await;
    ui.see("1 note is ready to go to Alex Moreno").await;
    ui.unfold("Leave a note on Jo Kestrel").await;
    let jo = ui.within("Leave a note on Jo Kestrel");
    jo.fill("Your comment", "Shall we talk about this one on Sunday?")
        .await;
    jo.press("Keep this note").await;
    ui.see("2 notes are ready to go to Alex Moreno").await;
    let note = ui
        .app()
        .read(|v| v.review_notes(alex, true))
        .expect("open")
        .expect("notes")
        .first()
        .expect("a note")
        .id;

    // Sam shares Sam's own list through the relay, which refuses: it waits in the outbox.
    ui.open(&format!("/sharing/contacts/{alex}/share")).await;
    choose_and_preview(&ui, &["Harms", "Plans"], found).await;
    ui.press("Confirm and send through the relay").await;
    ui.see("did not answer").await;
    ui.see("Waiting to send").await;
    check_axe_both(&ui, "/sharing after the relay did not answer", found).await;
    let outbox = ui
        .app()
        .read(|v| v.outbox())
        .expect("open")
        .expect("the outbox")
        .first()
        .expect("a bundle waiting")
        .id;

    let ids = HashMap::from([
        ("contact", alex),
        ("supported", alex),
        ("note", note),
        ("outbox", outbox),
    ]);
    (ui, ids)
}

browser_test! {
    /// axe-core finds nothing on any page of the router's table, at a desktop's width and a
    /// phone's: every GET route, filled from the demo workbook (its parties, harms and
    /// commitments), the sharing pages from two workbooks that share with each other (a
    /// contact, what they shared, notes, a review and a bundle waiting in the outbox), then the
    /// pages before and after unlocking. A GET route neither visited at both widths nor excused
    /// as not a page fails the test.
    fn axe_finds_no_violation_on_any_page() {
        let mut found = Vec::new();
        let table = amends_web::route_table();
        let gets: Vec<&'static str> =
            table.iter().filter(|r| r.methods.contains(&"GET")).map(|r| r.path).collect();
        // Pattern -> the widths it was checked at; pattern -> why it is not a page.
        let mut seen: BTreeMap<&'static str, BTreeSet<u32>> = BTreeMap::new();
        let mut excused: BTreeMap<&'static str, String> = BTreeMap::new();
        // Patterns the demo has nothing for, filled from the sharing workbooks below.
        let mut pending: BTreeSet<&'static str> = BTreeSet::new();
        let mut visited = 0;
        for size in [DESKTOP, PHONE] {
            let ui = Ui::demo(size).await;
            ui.viewport(size).await;
            let records = ui.app().read(|v| v.records()).expect("open").expect("records");
            let mut ids = std::collections::HashMap::new();
            if let Some(r) = records.iter().find(|r| !r.harms.is_empty() && !r.commitments.is_empty()) {
                ids.insert("party", r.party.id);
                ids.insert("harm", r.harms[0].id);
                ids.insert("commitment", r.commitments[0].id);
            }
            for c in records.iter().flat_map(|r| &r.commitments) {
                match &c.kind {
                    CommitmentKind::Restitution { payments, .. } => {
                        if let Some(p) = payments.first() {
                            ids.entry("payment").or_insert(p.id);
                        }
                    }
                    CommitmentKind::Living { checkins, .. } => {
                        if let Some(k) = checkins.first() {
                            ids.entry("checkin").or_insert(k.id);
                        }
                    }
                    CommitmentKind::Promise { .. } => {}
                }
            }
            if let Some(Ok(contacts)) = ui.app().read(|v| v.contacts())
                && let Some(c) = contacts.first()
            {
                ids.insert("contact", c.id);
            }
            if let Some(Ok(people)) = ui.app().read(|v| v.supported())
                && let Some(p) = people.first()
            {
                ids.insert("supported", p.contact.id);
            }
            for &pattern in &gets {
                if pattern == "/away" || pattern == "/unlock" || pattern == "/recover" || pattern.starts_with("/setup") {
                    // Seen below, in the state where they are pages of their own.
                    continue;
                }
                let path = match fill_route(pattern, &ids) {
                    Ok(p) => p,
                    Err(NO_DATA) => {
                        pending.insert(pattern);
                        continue;
                    }
                    Err(why) => {
                        excused.insert(pattern, why.to_string());
                        continue;
                    }
                };
                // Downloads are files, not pages: asked for first, and only a page is opened.
                let kind = ui
                    .client
                    .execute_async(
                        "const done = arguments[1];
                         fetch(arguments[0], { method: 'HEAD' }).then(r => done(r.headers.get('content-type') || ''), () => done(''));",
                        vec![json!(path)],
                    )
                    .await
                    .expect("asked");
                let kind = kind.as_str().unwrap_or("").to_string();
                if !kind.starts_with("text/html") {
                    excused.insert(pattern, format!("a download ({kind}), not a page"));
                    continue;
                }
                ui.open(&path).await;
                visited += 1;
                seen.entry(pattern).or_default().insert(size.0);
                check_axe(&ui, &format!("{path} at {} px (shown: {})", size.0, ui.path().await), &mut found).await;
            }
            // Locked: the unlock and recovery pages.
            ui.press("Lock").await;
            ui.on_page("/unlock").await;
            check_axe(&ui, &format!("/unlock at {} px", size.0), &mut found).await;
            ui.press("Unlock").await;
            check_axe(&ui, &format!("/unlock with an error at {} px", size.0), &mut found).await;
            ui.open("/recover").await;
            check_axe(&ui, &format!("/recover at {} px", size.0), &mut found).await;
            ui.open("/away").await;
            check_axe(&ui, &format!("/away at {} px", size.0), &mut found).await;
            for pattern in ["/unlock", "/recover", "/away"] {
                seen.entry(pattern).or_default().insert(size.0);
            }
            drop(ui);

            // The first run: each step of setup.
            let ui = Ui::first_run().await;
            ui.viewport(size).await;
            check_axe(&ui, &format!("/setup at {} px", size.0), &mut found).await;
            ui.press("Create my vault").await;
            check_axe(&ui, &format!("/setup with an error at {} px", size.0), &mut found).await;
            ui.open("/setup/restore").await;
            check_axe(&ui, &format!("/setup/restore at {} px", size.0), &mut found).await;
            ui.open("/setup").await;
            ui.fill("Passphrase", browser_support::PASSPHRASE).await;
            ui.fill("The same passphrase again", browser_support::PASSPHRASE).await;
            ui.press("Create my vault").await;
            ui.on_page("/setup/recovery").await;
            check_axe(&ui, &format!("/setup/recovery at {} px", size.0), &mut found).await;
            let key = ui.read(".recovery-key").await;
            let last = key.split_whitespace().last().expect("a group").to_string();
            ui.tick("I have written the key down").await;
            ui.fill("type the last group", &last).await;
            ui.press("I have it written down").await;
            ui.on_page("/setup/choices").await;
            check_axe(&ui, &format!("/setup/choices at {} px", size.0), &mut found).await;
            for pattern in ["/setup", "/setup/restore", "/setup/recovery", "/setup/choices"] {
                seen.entry(pattern).or_default().insert(size.0);
            }
            // axe sees a real problem when there is one: an image with no text alternative.
            js(&ui, "const i = document.createElement('img'); i.src = '/assets/icon.svg'; document.querySelector('main').appendChild(i);", vec![]).await;
            let planted = axe_violations(&ui).await;
            assert!(
                planted.iter().any(|v| v.contains("image-alt")),
                "axe did not see an image without alt: {planted:?}"
            );
        }

        // The sharing pages, from two workbooks that share with each other.
        let (ui, ids) = sharing_workbooks(&mut found).await;
        // Words of the sharing pages' tables and headings cut in two, and wrong words, by page.
        let mut misshapen = Vec::new();
        let sharing: BTreeSet<&'static str> = ["/sharing", "/supported"].into_iter().chain(pending.iter().copied()).collect();
        for size in [DESKTOP, PHONE] {
            ui.viewport(size).await;
            for &pattern in &sharing {
                let path = fill_route(pattern, &ids).unwrap_or_else(|why| panic!("{pattern}: {why}, in the demo and in the sharing workbooks"));
                ui.open(&path).await;
                // A page about the contact, not a refusal or an empty list.
                ui.see("Alex Moreno").await;
                visited += 1;
                seen.entry(pattern).or_default().insert(size.0);
                check_axe(&ui, &format!("{path} with sharing at {} px (shown: {})", size.0, ui.path().await), &mut found).await;
                let cut = cut_words(&ui, "main h1, main h2, main h3, .sharing-log th, .sharing-log td").await;
                if !cut.is_empty() {
                    misshapen.push(format!("{path} at {} px: words cut in two: {cut:?}", size.0));
                }
                let text = ui.text().await;
                for wrong in ["your someone", ".."] {
                    if let Some(at) = text.find(wrong) {
                        let around: String = text[..at].chars().rev().take(40).collect::<Vec<_>>().into_iter().rev().chain(text[at..].chars().take(10)).collect();
                        misshapen.push(format!("{path} at {} px reads {wrong:?}: …{around}…", size.0));
                    }
                }
            }
        }
        for (name, path) in [
            ("sharing", "/sharing".to_string()),
            ("share", format!("/sharing/contacts/{}/share", ids["contact"])),
            ("supported", format!("/supported/{}", ids["supported"])),
            ("review", format!("/supported/{}/review", ids["supported"])),
            ("discard", format!("/sharing/outbox/{}/discard", ids["outbox"])),
        ] {
            ui.open(&path).await;
            let file = format!("/tmp/amends-sharing-{name}-{}.png", PHONE.0);
            ui.screenshot(std::path::Path::new(&file), PHONE).await;
        }
        drop(ui);
        assert!(misshapen.is_empty(), "{}", misshapen.join("\n"));

        let widths: BTreeSet<u32> = [DESKTOP.0, PHONE.0].into_iter().collect();
        let unaccounted: Vec<String> = gets
            .iter()
            .filter(|p| !excused.contains_key(*p) && seen.get(*p) != Some(&widths))
            .map(|p| format!("{p} (seen at {:?})", seen.get(p).cloned().unwrap_or_default()))
            .collect();
        let excuses: Vec<String> = excused.iter().map(|(p, why)| format!("{p}: {why}")).collect();
        println!(
            "axe: {visited} router pages visited ({} of {} GET routes at both widths); not pages:\n  {}",
            seen.len(),
            gets.len(),
            excuses.join("\n  ")
        );
        assert!(
            unaccounted.is_empty(),
            "GET routes neither visited at both widths nor excused as not a page:\n  {}",
            unaccounted.join("\n  ")
        );
        assert!(visited > 40, "only {visited} pages were visited");
        assert!(
            found.is_empty(),
            "axe-core found {} page(s) with violations:\n{}",
            found.len(),
            found.join("\n\n")
        );
    }
}
