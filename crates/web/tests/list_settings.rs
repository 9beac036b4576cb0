//! The list (board and table), Step 10 capture, settings and help, through real HTTP against
//! a server on a real loopback port.

use crate::list_common;

use std::time::{Duration, Instant};

use amends_core::model::{AsideReason, PartyKind, Settings};
use amends_vault::{PartyRef, Vault, VaultError};
use list_common::{PASS, Part, part, secret, start, start_at};
use reqwest::StatusCode;

/// The party with this name in an export.
fn party<'a>(doc: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    doc["parties"]
        .as_array()
        .expect("parties")
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} is in the export"))
}

fn levels(p: &serde_json::Value) -> Vec<String> {
    p["willingness"]
        .as_array()
        .expect("willingness")
        .iter()
        .map(|w| w["level"].as_str().expect("a level").to_string())
        .collect()
}

/// The cards of one column of the board.
fn column<'a>(board: &'a str, code: &str) -> &'a str {
    part(board, &format!("data-column=\"{code}\""), "data-column=\"")
}

#[tokio::test(flavor = "multi_thread")]
async fn board_moves_change_willingness_and_keep_history() {
    let _serial = list_common::serial().await;
    let s = start().await;
    let may = s
        .capture("Aunt May", "person", "Lied about the car", &[])
        .await;
    let acme = s
        .capture("Acme Ltd", "organisation", "Took stock home", &["property"])
        .await;

    let (status, board) = s.get("/list").await;
    assert_eq!(status, StatusCode::OK);
    // Both start under "not yet said", each with a keyboard form for every level and a drag handle.
    let unsaid = column(&board, "unsaid");
    assert!(unsaid.contains("Aunt May") && unsaid.contains("Acme Ltd"));
    for code in ["now", "later", "maybe", "never"] {
        assert!(board.contains(&format!("id=\"move-{may}-{code}\"")));
    }
    assert!(board.contains(&format!("draggable=\"true\" data-party=\"{may}\"")));
    assert!(board.contains(&format!("href=\"/parties/{may}\"")));
    assert!(board.contains("href=\"/parties/new\"") && board.contains("href=\"/list/table\""));
    assert!(unsaid.contains("1 harm<"), "harm count on the card");

    // Move by the keyboard form: never, then now.
    let (status, location, _) = s
        .post(
            "/list/move",
            &[("party", &may.to_string()), ("willingness", "never")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("/list#card-{may}"));
    let (_, board) = s.get("/list").await;
    assert!(board.contains("Moved Aunt May to Never."), "flash");
    assert!(column(&board, "never").contains("Aunt May"));
    assert!(!column(&board, "unsaid").contains("Aunt May"));
    // A card has no button for the column it is in.
    assert!(!board.contains(&format!("id=\"move-{may}-never\"")));

    s.post(
        "/list/move",
        &[("party", &may.to_string()), ("willingness", "now")],
    )
    .await;
    let (_, board) = s.get("/list").await;
    assert!(column(&board, "now").contains("Aunt May"));
    assert!(column(&board, "unsaid").contains("Acme Ltd"));

    // The history is kept: never, then now.
    let doc = s.export().await;
    assert_eq!(levels(party(&doc, "Aunt May")), ["never", "now"]);
    assert!(levels(party(&doc, "Acme Ltd")).is_empty());

    // A move without the token, or with a level that does not exist, changes nothing.
    let (status, _, _) = s
        .post_raw(
            "/list/move",
            &[("party", &acme.to_string()), ("willingness", "now")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = s
        .post(
            "/list/move",
            &[("party", &acme.to_string()), ("willingness", "soon")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, board) = s.get("/list").await;
    assert!(board.contains("nothing was changed"));
    let doc = s.export().await;
    assert!(levels(party(&doc, "Acme Ltd")).is_empty());
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn table_filters_by_codes_and_searches_by_post() {
    let _serial = list_common::serial().await;
    let s = start().await;
    s.capture(
        "Aunt May",
        "person",
        "Shouted at her at dinner",
        &["emotional"],
    )
    .await;
    s.capture(
        "Acme Ltd",
        "organisation",
        "Overcharged for the repairs",
        &["financial"],
    )
    .await;
    s.capture("Old neighbour", "person", "Broke the fence", &["property"])
        .await;
    s.capture(
        "Cousin Ray",
        "person",
        "Borrowed and kept his tools",
        &["property"],
    )
    .await;

    // Set one aside from another program, as the CLI would: the page sees it at once.
    {
        let mut v = Vault::open(&s.vault, &secret(PASS)).expect("a second connection");
        let now = amends_core::Now::new(jiff::Timestamp::now(), jiff::tz::TimeZone::UTC);
        v.set_aside_party(
            &PartyRef::Name("Cousin Ray".into()),
            AsideReason::NoRealHarm,
            "",
            &now,
        )
        .expect("set aside");
    }

    let (status, all) = s.get("/list/table").await;
    assert_eq!(status, StatusCode::OK);
    for name in ["Aunt May", "Acme Ltd", "Old neighbour", "Cousin Ray"] {
        assert!(all.contains(name), "{name} is in the table");
    }
    assert!(all.contains("4 on your list."));
    assert!(all.contains("href=\"/list\"") && all.contains("href=\"/parties/new\""));

    let (_, orgs) = s.get("/list/table?kind=organisation").await;
    assert!(orgs.contains("Acme Ltd") && !orgs.contains("Aunt May"));
    assert!(orgs.contains("Showing 1 of 4."));
    assert!(orgs.contains("<option value=\"organisation\" selected>"));

    let (_, emotional) = s.get("/list/table?harm=emotional").await;
    assert!(emotional.contains("Aunt May") && !emotional.contains("Old neighbour"));

    let (_, aside) = s.get("/list/table?stage=set-aside").await;
    assert!(aside.contains("Cousin Ray") && !aside.contains("Aunt May"));

    // Filters combine.
    let (_, both) = s.get("/list/table?kind=person&harm=property").await;
    assert!(both.contains("Old neighbour") && both.contains("Cousin Ray"));
    assert!(!both.contains("Acme Ltd") && !both.contains("Aunt May"));

    // A code that does not exist is no filter at all.
    let (status, junk) = s.get("/list/table?kind=zzz&stage=nope").await;
    assert_eq!(status, StatusCode::OK);
    assert!(junk.contains("4 on your list."));

    // The set-aside party is not on the board; the board links to it in the table.
    let (_, board) = s.get("/list").await;
    assert!(!board.contains("Cousin Ray"));
    assert!(board.contains("href=\"/list/table?stage=set-aside\""));

    // The search is POSTed: the words stay in the box and out of the address.
    let (status, location, found) = s.post("/list/table", &[("q", "NEIGHB")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(location.is_empty());
    assert!(found.contains("Old neighbour") && !found.contains("Acme Ltd"));
    assert!(found.contains("value=\"NEIGHB\""));
    // It looks into what was done too.
    let (_, _, found) = s.post("/list/table", &[("q", "overcharged")]).await;
    assert!(found.contains("Acme Ltd") && !found.contains("Old neighbour"));
    // And keeps the filters it was given.
    let (_, _, found) = s
        .post("/list/table", &[("q", "e"), ("kind", "organisation")])
        .await;
    assert!(found.contains("Acme Ltd") && !found.contains("Aunt May"));
    assert!(found.contains("name=\"kind\" value=\"organisation\""));
    // The search form never uses GET.
    assert!(all.contains("<form method=\"post\" action=\"/list/table\""));
    let (status, _, _) = s.post_raw("/list/table", &[("q", "May")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_parties_render_quickly() {
    let _serial = list_common::serial().await;
    let (dir, path) = list_common::new_vault();
    {
        let mut v = Vault::open(&path, &secret(PASS)).expect("open");
        let now = amends_core::Now::new(jiff::Timestamp::now(), jiff::tz::TimeZone::UTC);
        for i in 0..1000 {
            v.add_party(&format!("Person {i:04}"), PartyKind::Person, "", "", &now)
                .expect("a party");
        }
    }
    let s = start_at(&path).await;
    let started = Instant::now();
    let (status, table) = s.get("/list/table").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(table.matches("<th scope=\"row\">").count(), 1000);
    let (status, board) = s.get("/list").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(board.matches("class=\"board-card\"").count(), 1000);
    let (_, _, found) = s.post("/list/table", &[("q", "person 0999")]).await;
    assert_eq!(found.matches("<th scope=\"row\">").count(), 1);
    // Generous for an unoptimised build on a busy machine; one query per row would blow it.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    s.stop().await;
    drop(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn capture_adds_a_party_and_a_harm_and_keeps_text_on_errors() {
    let _serial = list_common::serial().await;
    let s = start().await;
    let (status, page) = s.get("/capture").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("name=\"did\"") && page.contains("name=\"kinds\""));

    // The full form: a new party.
    let (status, location, _) = s
        .post(
            "/capture",
            &[
                ("name", "Sam"),
                ("kind", "person"),
                ("did", "Snapped at Sam in the meeting"),
                ("kinds", "emotional"),
                ("kinds", "trust"),
                ("effect", "He went quiet"),
                ("when", "Tuesday"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let id: i64 = location
        .strip_prefix("/parties/")
        .and_then(|i| i.parse().ok())
        .expect("to the party's page");
    let (_, list) = s.get("/list").await;
    assert!(list.contains("Added to your list as someone new"));

    // The short form in the footer: name, did and kind=person, for a party already there.
    let (status, location, _) = s
        .post(
            "/capture",
            &[
                ("name", "sam"),
                ("did", "Broke his mug"),
                ("kind", "person"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("/parties/{id}"));
    let (_, list) = s.get("/list").await;
    assert!(list.contains("Added to what is already on your list"));

    // A party set aside comes back when a new harm is noted for them.
    {
        let mut v = Vault::open(&s.vault, &secret(PASS)).expect("a second connection");
        let now = amends_core::Now::new(jiff::Timestamp::now(), jiff::tz::TimeZone::UTC);
        v.set_aside_party(&PartyRef::Id(id), AsideReason::NoRealHarm, "", &now)
            .expect("set aside");
    }
    let (_, table) = s.get("/list/table?stage=set-aside").await;
    assert!(table.contains("Sam"));
    let (status, _, _) = s
        .post(
            "/capture",
            &[
                ("name", "Sam"),
                ("did", "Ignored his call"),
                ("kind", "person"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, list) = s.get("/list").await;
    assert!(list.contains("it is back on your list now"));
    assert!(
        list.contains(&format!("data-party=\"{id}\"")),
        "on the board again"
    );

    let doc = s.export().await;
    assert_eq!(doc["parties"].as_array().expect("parties").len(), 1);
    let sam = party(&doc, "Sam");
    let harms = sam["harms"].as_array().expect("harms");
    assert_eq!(harms.len(), 3);
    assert_eq!(harms[0]["did"], "Snapped at Sam in the meeting");
    assert_eq!(harms[0]["kinds"], serde_json::json!(["emotional", "trust"]));
    assert_eq!(harms[0]["effect"], "He went quiet");
    assert_eq!(harms[0]["when"], "Tuesday");
    assert_eq!(harms[0]["source"], "step10");
    assert_eq!(harms[1]["did"], "Broke his mug");

    // Errors keep what was typed, next to the field, and change nothing.
    let (status, _, page) = s
        .post(
            "/capture",
            &[
                ("name", ""),
                ("did", "Forgot the <birthday>"),
                ("kinds", "neglect"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"name-error\""));
    assert!(page.contains("Forgot the &#60;birthday&#62;"));
    assert!(page.contains("value=\"neglect\" checked"));
    let (status, _, page) = s.post("/capture", &[("name", "Jo"), ("did", "  ")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"did-error\"") && page.contains("value=\"Jo\""));
    let (status, _, page) = s
        .post("/capture", &[("name", "12"), ("did", "Something")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"name-error\""));
    let (status, _, page) = s
        .post(
            "/capture",
            &[
                ("name", "Jo"),
                ("did", "Rang late"),
                ("effect", "bell\u{7}"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"effect-error\">This contains control characters"));
    // Amends to self is off: no one can add themselves by a crafted request.
    let (status, _, page) = s
        .post(
            "/capture",
            &[("name", "Me"), ("did", "Skipped meals"), ("kind", "self")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"kind-error\""));
    let doc = s.export().await;
    assert_eq!(doc["parties"].as_array().expect("parties").len(), 1);
    assert_eq!(
        party(&doc, "Sam")["harms"].as_array().expect("harms").len(),
        3
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_save_and_refuse_bad_values() {
    let _serial = list_common::serial().await;
    let s = start().await;
    let (status, page) = s.get("/settings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("name=\"auto_lock\"") && page.contains("value=\"15\""));
    assert!(page.contains("not encrypted"));

    let good = [
        ("fellowship", "na"),
        ("language", "es"),
        ("currency", "eur"),
        ("auto_lock", "30"),
        (
            "crisis_line",
            "  My sponsor Jo: 555-0100\r\nThe warmline: 555-0199  ",
        ),
        ("amends_to_self", "on"),
    ];
    let (status, location, body) = s.post("/settings", &good).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(location, "/settings");
    let (_, page) = s.get("/settings").await;
    assert!(page.contains("Your settings are saved."));
    assert!(page.contains("value=\"30\"") && page.contains("value=\"EUR\""));
    assert!(page.contains("<option value=\"na\" selected>"));
    assert!(page.contains("<option value=\"es\" selected>"));
    let doc = s.export().await;
    assert_eq!(doc["settings"]["auto_lock_minutes"], 30);
    assert_eq!(
        doc["settings"]["crisis_line"],
        "My sponsor Jo: 555-0100\nThe warmline: 555-0199"
    );
    assert_eq!(doc["settings"]["language"], "es");
    assert_eq!(doc["settings"]["amends_to_self"], true);

    // An auto-lock of 0 is refused next to its field, with what was typed kept; nothing changes.
    let bad = [
        ("fellowship", "aa"),
        ("language", "en"),
        ("currency", "USD"),
        ("auto_lock", "0"),
        ("crisis_line", "Another line"),
    ];
    let (status, _, page) = s.post("/settings", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"auto_lock-error\""));
    assert!(page.contains("from 1 to 240"));
    assert!(page.contains("Another line"), "typed text kept");
    assert!(page.contains("aria-invalid=\"true\" aria-describedby=\"auto_lock-error\""));
    for (field, value) in [
        ("auto_lock", "241"),
        ("auto_lock", "ten"),
        ("currency", "XYZ1"),
        ("fellowship", "nope"),
    ] {
        let mut form: Vec<(&str, &str)> =
            good.iter().copied().filter(|(k, _)| *k != field).collect();
        form.push((field, value));
        let (status, _, page) = s.post("/settings", &form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={value}");
        assert!(page.contains(&format!("id=\"{field}-error\"")), "{field}");
    }
    let mut form: Vec<(&str, &str)> = good
        .iter()
        .copied()
        .filter(|(k, _)| *k != "crisis_line")
        .collect();
    form.push(("crisis_line", "Jo\u{7}"));
    let (status, _, page) = s.post("/settings", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"crisis_line-error\">This contains control characters"));
    let long = "x".repeat(Settings::CRISIS_LINE_MAX + 1);
    let mut form: Vec<(&str, &str)> = good
        .iter()
        .copied()
        .filter(|(k, _)| *k != "crisis_line")
        .collect();
    form.push(("crisis_line", &long));
    let (status, _, page) = s.post("/settings", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"crisis_line-error\""));

    // Amends to self cannot be turned off while you are on your own list.
    s.capture("Myself", "self", "Worked through every weekend", &[])
        .await;
    let no_self: Vec<(&str, &str)> = good
        .iter()
        .copied()
        .filter(|(k, _)| *k != "amends_to_self")
        .collect();
    let (status, _, page) = s.post("/settings", &no_self).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"amends_to_self-error\""));

    let after = s.export().await;
    assert_eq!(after["settings"], doc["settings"], "nothing changed");
    // Without the token, nothing is saved either.
    let (status, _, _) = s.post_raw("/settings", &bad).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn passphrase_change_needs_the_current_one_and_a_strong_new_one() {
    let _serial = list_common::serial().await;
    let s = start().await;
    let new = "lantern river quietly folds seven maps";

    let (status, _, page) = s
        .post(
            "/settings/passphrase",
            &[
                ("current", "not it at all"),
                ("passphrase", new),
                ("again", new),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"current-error\""));
    assert!(
        !page.contains(new) && !page.contains("not it at all"),
        "never shown again"
    );

    let (status, _, page) = s
        .post(
            "/settings/passphrase",
            &[
                ("current", PASS),
                ("passphrase", "password"),
                ("again", "password"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"passphrase-error\""));

    let (status, _, page) = s
        .post(
            "/settings/passphrase",
            &[
                ("current", PASS),
                ("passphrase", new),
                ("again", "something else"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"again-error\""));
    // Still the old one after all of that.
    assert!(Vault::open(&s.vault, &secret(PASS)).is_ok());

    let (status, location, _) = s
        .post(
            "/settings/passphrase",
            &[("current", PASS), ("passphrase", new), ("again", new)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/settings");
    let (_, page) = s.get("/settings").await;
    assert!(page.contains("Your passphrase is changed."));

    assert!(matches!(
        Vault::open(&s.vault, &secret(PASS)),
        Err(VaultError::WrongPassphrase)
    ));
    assert!(Vault::open(&s.vault, &secret(new)).is_ok());
    // And through the app: lock, the old one is refused, the new one opens.
    let (status, _, _) = s.post("/lock", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = s.post("/unlock", &[("passphrase", PASS)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    s.unlock(new).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn export_then_import_into_a_fresh_vault_round_trips() {
    let _serial = list_common::serial().await;
    let a = start().await;
    let may = a
        .capture("Aunt May", "person", "Lied about the car", &["trust"])
        .await;
    a.capture(
        "Acme Ltd",
        "organisation",
        "Took stock home",
        &["property", "financial"],
    )
    .await;
    a.post(
        "/list/move",
        &[("party", &may.to_string()), ("willingness", "maybe")],
    )
    .await;
    a.post(
        "/settings",
        &[
            ("fellowship", "ga"),
            ("language", "en"),
            ("currency", "GBP"),
            ("auto_lock", "45"),
            ("crisis_line", "Call Jo"),
        ],
    )
    .await;

    let r = a
        .client
        .get(a.url("/settings/export"))
        .send()
        .await
        .expect("the export");
    assert_eq!(r.status(), StatusCode::OK);
    let disposition = r
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .expect("a download")
        .to_string();
    let today = jiff::Zoned::now().date();
    assert_eq!(
        disposition,
        format!("attachment; filename=\"amends-export-{today}.json\"")
    );
    assert!(
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/json"))
    );
    assert_eq!(
        r.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let file = r.bytes().await.expect("the file");
    let original: serde_json::Value = serde_json::from_slice(&file).expect("JSON");
    a.stop().await;

    let b = start().await;
    let (status, location, body) = b
        .post_multipart(
            "/settings/import",
            &[
                ("_csrf", None, b.csrf.as_bytes()),
                ("file", Some("amends-export.json"), &file),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(location, "/list");
    let (_, board) = b.get("/list").await;
    assert!(board.contains("Your workbook is brought in: 2 entries"));
    assert!(column(&board, "maybe").contains("Aunt May"));

    let mut copy = b.export().await;
    let mut original = original;
    copy["exported_at"] = serde_json::Value::Null;
    original["exported_at"] = serde_json::Value::Null;
    assert_eq!(copy, original);

    // A second import into what is now a full vault is refused, and changes nothing.
    let (status, _, page) = b
        .post_multipart(
            "/settings/import",
            &[
                ("_csrf", None, b.csrf.as_bytes()),
                ("file", Some("amends-export.json"), &file),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("only into an empty vault"));
    let mut again = b.export().await;
    again["exported_at"] = serde_json::Value::Null;
    assert_eq!(again, original);
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_import_file_shows_where_and_changes_nothing() {
    let _serial = list_common::serial().await;
    let s = start().await;
    let before = s.export().await;

    let (status, _, page) = s
        .post_multipart(
            "/settings/import",
            &[
                ("_csrf", None, s.csrf.as_bytes()),
                (
                    "file",
                    Some("broken.json"),
                    b"{\n  \"format\": \"amends-export\",\n  oops\n}",
                ),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"file-error\""), "next to the field");
    assert!(page.contains("line 3, column"), "{page}");

    // Valid JSON, with a field the vault checks.
    let mut doc = before.clone();
    doc["settings"]["auto_lock_minutes"] = serde_json::json!(0);
    let bad = serde_json::to_vec(&doc).expect("JSON");
    let (status, _, page) = s
        .post_multipart(
            "/settings/import",
            &[
                ("_csrf", None, s.csrf.as_bytes()),
                ("file", Some("bad.json"), &bad),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("settings.auto_lock_minutes"), "{page}");

    // No file at all.
    let (status, _, page) = s
        .post_multipart("/settings/import", &[("_csrf", None, s.csrf.as_bytes())])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"file-error\""));

    let mut after = s.export().await;
    let mut before = before;
    after["exported_at"] = serde_json::Value::Null;
    before["exported_at"] = serde_json::Value::Null;
    assert_eq!(after, before);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_without_the_token_is_refused_before_the_file_is_read() {
    let _serial = list_common::serial().await;
    let a = start().await;
    a.capture("Aunt May", "person", "Lied about the car", &[])
        .await;
    let file = serde_json::to_vec(&a.export().await).expect("JSON");
    a.stop().await;

    let s = start().await;
    let cases: Vec<Vec<Part>> = vec![
        // No token.
        vec![("file", Some("amends.json"), &file)],
        // A wrong token.
        vec![
            ("_csrf", None, b"0123456789abcdef"),
            ("file", Some("amends.json"), &file),
        ],
        // The right token, but after the file.
        vec![
            ("file", Some("amends.json"), &file),
            ("_csrf", None, s.csrf.as_bytes()),
        ],
    ];
    for parts in &cases {
        let (status, _, _) = s.post_multipart("/settings/import", parts).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let doc = s.export().await;
    assert!(doc["parties"].as_array().expect("parties").is_empty());
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn help_shows_the_default_lines_or_your_own() {
    let _serial = list_common::serial().await;
    let s = start().await;
    let (status, page) = s.get("/help").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("988") && page.contains("href=\"tel:988\""));
    assert!(page.contains("1-800-662-4357") && page.contains("href=\"tel:+18006624357\""));
    assert!(page.contains("to do so would injure them or others"));
    assert!(page.contains("Escape"));

    s.post(
        "/settings",
        &[
            ("fellowship", "aa"),
            ("language", "en"),
            ("currency", "USD"),
            ("auto_lock", "15"),
            ("crisis_line", "My sponsor <Jo>: 555-0100"),
        ],
    )
    .await;
    let (_, page) = s.get("/help").await;
    assert!(page.contains("My sponsor &#60;Jo&#62;: 555-0100"));
    assert!(!page.contains("1-800-662-4357"));

    // Locked, the saved line cannot be read, so the default lines are there.
    s.post("/lock", &[]).await;
    let (status, page) = s.get("/help").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("1-800-662-4357") && !page.contains("555-0100"));
    s.stop().await;
}
