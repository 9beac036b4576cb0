//! The pages as a person meets them, in a real headless Chromium at desktop (1280 px) and phone
//! (390 px) widths: a party's page in steps, the Quick exit button that never covers a focused
//! field, the message and focus after a save, names that cannot widen or turn the page around,
//! versioned asset addresses, and axe-core on every page the router can show.
//!
//! axe-core is vendored under `browser_support/` (see its README) and injected into each page
//! through WebDriver: the app itself never serves it.

use crate::browser_support;

use amends_core::Now;
use amends_core::model::{Cadence, HarmKind, PartyKind, SafetyAnswers, Willingness};
use amends_vault::{CommitmentInput, HarmInput, PartyRef, Vault};
use browser_support::{DESKTOP, PHONE, Ui};
use serde_json::{Value as Json, json};

macro_rules! browser_test {
    ($(#[$meta:meta])* fn $name:ident() $body:block) => {
        $(#[$meta])*
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() $body
    };
}

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
    let loaded = js(ui, "return typeof window.axe !== 'undefined';", vec![]).await;
    if loaded != json!(true) {
        // Through WebDriver, as the test's own code: the page's CSP does not apply to it.
        js(ui, &format!("{AXE}\n;return true;"), vec![]).await;
    }
    let result = ui
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
        .await
        .expect("axe ran");
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
    let id = v
        .add_party(name, PartyKind::Person, "friend", "", now)
        .expect("a party")
        .id;
    v.add_harm(
        &PartyRef::Id(id),
        &HarmInput {
            did: "Missed their wedding and lied about why.".into(),
            kinds: vec![HarmKind::Trust],
            ..HarmInput::default()
        },
        now,
    )
    .expect("a harm");
    v.set_willingness(&PartyRef::Id(id), Willingness::Now, "", now)
        .expect("willing");
    v.answer_safety(&PartyRef::Id(id), SafetyAnswers::default(), now)
        .expect("safety answered");
    id
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
            let shown = js(&ui, "return document.querySelectorAll('.commitment .history li').length;", vec![]).await;
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
        let _ = cid;

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

/// A GET route's pattern with its parameters filled from the demo vault, or why it is not a
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
            (_, "note") => "note",
            (_, other) => other,
        };
        let value = ids
            .get(key)
            .ok_or("a parameter the demo vault has nothing for")?;
        out.push_str(&value.to_string());
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

browser_test! {
    /// axe-core finds nothing on any page of the router's table, at a desktop's width and a
    /// phone's: every GET route, filled from the demo workbook (its parties, harms, commitments,
    /// contacts and the people it supports), then the pages before and after unlocking.
    fn axe_finds_no_violation_on_any_page() {
        let mut found = Vec::new();
        let mut skipped = Vec::new();
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
            if let Some(Ok(contacts)) = ui.app().read(|v| v.contacts()) {
                if let Some(c) = contacts.first() {
                    ids.insert("contact", c.id);
                }
            }
            if let Some(Ok(people)) = ui.app().read(|v| v.supported()) {
                if let Some(p) = people.first() {
                    ids.insert("supported", p.contact.id);
                }
            }
            let table = amends_web::route_table();
            for r in table.iter().filter(|r| r.methods.contains(&"GET")) {
                if r.path == "/away" || r.path == "/unlock" || r.path == "/recover" || r.path.starts_with("/setup") {
                    // Seen below, in the state where they are pages of their own.
                    continue;
                }
                let path = match fill_route(r.path, &ids) {
                    Ok(p) => p,
                    Err(why) => {
                        skipped.push(format!("{}: {why}", r.path));
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
                    skipped.push(format!("{path}: a download ({kind}), not a page"));
                    continue;
                }
                ui.open(&path).await;
                visited += 1;
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
            // axe sees a real problem when there is one: an image with no text alternative.
            js(&ui, "const i = document.createElement('img'); i.src = '/assets/icon.svg'; document.querySelector('main').appendChild(i);", vec![]).await;
            let planted = axe_violations(&ui).await;
            assert!(
                planted.iter().any(|v| v.contains("image-alt")),
                "axe did not see an image without alt: {planted:?}"
            );
        }
        println!("axe: {visited} router pages visited; not visited:\n  {}", skipped.join("\n  "));
        assert!(visited > 40, "only {visited} pages were visited");
        assert!(
            found.is_empty(),
            "axe-core found {} page(s) with violations:\n{}",
            found.len(),
            found.join("\n\n")
        );
    }
}
