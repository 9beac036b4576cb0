//! Print and export over HTTP: the page and its defaults, every download read back (CSV with
//! the csv crate, the PDF's text with pdftotext, the calendar with icalendar's parser), and the
//! calendar subscription, the one route served without the session cookie: it works without
//! one, answers 404 to a wrong or stopped token, 503 while the vault is locked, and nothing to a
//! foreign Host.

use crate::common;

use std::process::Command;

use amends_core::Now;
use amends_core::model::{HarmKind, Method, PartyKind, SafetyAnswers, Willingness};
use amends_core::money::{Currency, Money};
use amends_vault::{CommitmentInput, HarmInput, PartyRef, PlanInput, Vault, VaultError};
use common::{Server, send, stranger, tags};
use icalendar::{Calendar, CalendarComponent, Component};
use reqwest::Method as Http;

const FORMULA: &str = "=HYPERLINK(\"http://evil.example\",\"Click\")";

fn seed(v: &mut Vault, now: &Now) -> Result<(), VaultError> {
    v.add_party("Mary Jones", PartyKind::Person, "my sister", "", now)?;
    v.add_party("*Mom*", PartyKind::Person, "| mother |", "", now)?;
    v.add_party(FORMULA, PartyKind::Organisation, "", "", now)?;
    let mary = PartyRef::Id(1);
    v.add_harm(
        &mary,
        &HarmInput {
            did: "borrowed Mary's car and crashed it with Dave Smith".into(),
            effect: "she missed a week of work".into(),
            kinds: vec![HarmKind::Property],
            owed: Some(Money::new(12050, Currency::parse("USD").unwrap())),
            third_parties: vec!["Dave Smith".into()],
            ..HarmInput::default()
        },
        now,
    )?;
    v.add_harm(
        &PartyRef::Id(3),
        &HarmInput {
            did: "-took money from the till".into(),
            ..HarmInput::default()
        },
        now,
    )?;
    v.set_willingness(&mary, Willingness::Now, "", now)?;
    v.answer_safety(&mary, SafetyAnswers::default(), now)?;
    let on = now.today.checked_add(jiff::Span::new().days(10)).unwrap();
    v.plan(
        &mary,
        &PlanInput {
            channel: None,
            method: Method::Letter,
            script: "Mary, I was wrong about the car.".into(),
            on: Some(on),
            place: "the café on Elm Street".into(),
        },
        now,
    )?;
    Ok(())
}

/// A download's bytes, as the browser posts the form for it.
async fn download(s: &mut Server, path: &str, fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let token = s.token().await;
    let mut all = vec![("_csrf", token.as_str())];
    all.extend_from_slice(fields);
    let r = s.request(Http::POST, path).form(&all).send().await.unwrap();
    assert_eq!(r.status(), 200, "POST {path}");
    let disposition = r
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"amends"),
        "{disposition}"
    );
    let ctype = r.headers()["content-type"].to_str().unwrap().to_string();
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    (ctype, r.bytes().await.unwrap().to_vec())
}

fn csv_rows(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(bytes);
    let h = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect();
    (h, rows)
}

fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils; scripts/test.sh installs it)");
    String::from_utf8(out.stdout).unwrap()
}

fn events(text: &str) -> Vec<icalendar::Event> {
    let cal: Calendar = text.parse().expect("a calendar that parses");
    cal.components
        .into_iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn the_page_starts_discreet_and_the_party_page_links_to_it() {
    let mut s = Server::ready(seed).await;
    let party = s.get("/parties/1").await;
    party.expect(200);
    assert!(
        party
            .body
            .contains("<a href=\"/exports?party=1#print\">Print a plan page (PDF)</a>"),
        "{}",
        party.body
    );
    let page = s.get("/exports?party=1").await;
    page.expect(200);
    assert!(
        page.body
            .contains("<title>Print and export · Amends</title>")
    );
    let t = tags(&page.body);
    let input = |id: &str| {
        t.iter()
            .find(|t| t.attr("id") == Some(id))
            .unwrap_or_else(|| panic!("no #{id}"))
    };
    for id in ["pr-discreet", "csv-discreet"] {
        assert!(input(id).has("checked"), "{id} is on by default");
    }
    for id in ["pr-harm-details", "pr-notes", "cal-names"] {
        assert!(!input(id).has("checked"), "{id} is off by default");
    }
    assert!(
        input("pr-party").has("checked"),
        "the party's page is offered"
    );
    assert!(input("pr-pdf").has("checked") && input("pr-a4").has("checked"));
    let chosen = t
        .iter()
        .find(|t| t.name == "option" && t.has("selected"))
        .unwrap();
    assert_eq!(chosen.attr("value"), Some("1"));
    // Every control has a label.
    for i in t
        .iter()
        .filter(|t| t.name == "input" && t.attr("type") != Some("hidden"))
    {
        let id = i.attr("id").expect("an id on every input");
        assert!(
            page.body.contains(&format!("for=\"{id}\"")),
            "no label for {id}"
        );
    }
    // No subscription yet: no address, and a way to make one.
    assert!(page.body.contains("Make a subscription address"));
    assert!(!page.body.contains("/calendar/"));
    // An unknown party is not offered.
    let page = s.get("/exports?party=99").await;
    assert!(
        tags(&page.body)
            .iter()
            .find(|t| t.attr("id") == Some("pr-all"))
            .unwrap()
            .has("checked")
    );
}

#[tokio::test]
async fn worksheets_and_tables_download_and_read_back() {
    let mut s = Server::ready(seed).await;
    s.get("/exports").await.expect(200);

    let (ctype, pdf) = download(
        &mut s,
        "/exports/worksheet",
        &[
            ("scope", "all"),
            ("format", "pdf"),
            ("paper", "a4"),
            ("discreet", "on"),
        ],
    )
    .await;
    assert_eq!(ctype, "application/pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_text(&pdf);
    assert!(
        text.contains("Step 8 and 9 worksheet") && text.contains("M. J."),
        "{text}"
    );
    for gone in ["Mary", "Dave", "borrowed", "café", "Mom", "HYPERLINK"] {
        assert!(!text.contains(gone), "{gone} in\n{text}");
    }

    let (_, pdf) = download(
        &mut s,
        "/exports/worksheet",
        &[
            ("scope", "party"),
            ("party", "1"),
            ("format", "pdf"),
            ("paper", "letter"),
        ],
    )
    .await;
    let text = pdf_text(&pdf);
    assert!(text.contains("Plan: Mary Jones"), "{text}");
    assert!(text.contains("borrowed Mary's car"), "{text}");
    assert!(!text.contains("*Mom*"), "one page only");

    let (ctype, md) = download(
        &mut s,
        "/exports/worksheet",
        &[
            ("scope", "all"),
            ("format", "markdown"),
            ("discreet", "on"),
            ("harm_details", "on"),
        ],
    )
    .await;
    assert_eq!(ctype, "text/markdown; charset=utf-8");
    let md = String::from_utf8(md).unwrap();
    assert!(
        md.contains("borrowed M.'s car and crashed it with D. S."),
        "{md}"
    );
    assert!(!md.contains("Mary") && !md.contains("café"));

    let (ctype, bytes) = download(&mut s, "/exports/csv", &[("what", "list")]).await;
    assert_eq!(ctype, "text/csv; charset=utf-8");
    let (h, rows) = csv_rows(&bytes);
    let name = h.iter().position(|x| x == "Name").unwrap();
    assert_eq!(rows[0][name], "Mary Jones");
    assert_eq!(rows[1][name], "*Mom*");
    assert_eq!(
        rows[2][name],
        format!("'{FORMULA}"),
        "formula cells neutralised"
    );

    let (_, bytes) = download(
        &mut s,
        "/exports/csv",
        &[("what", "harms"), ("discreet", "on")],
    )
    .await;
    let (h, rows) = csv_rows(&bytes);
    assert!(!h.iter().any(|x| x == "What I did"), "{h:?}");
    assert_eq!(rows.len(), 2);
    let text = String::from_utf8(bytes).unwrap();
    assert!(!text.contains("Mary") && !text.contains("Dave") && text.contains("D. S."));

    // Wrong choices come back with the reason beside the field, and nothing downloads.
    let r = s
        .post(
            "/exports/worksheet",
            &[
                ("scope", "party"),
                ("party", ""),
                ("format", "pdf"),
                ("paper", "a4"),
            ],
        )
        .await;
    r.expect(422);
    assert!(r.body.contains("Choose whose page to print."), "{}", r.body);
    assert!(r.body.contains("aria-describedby=\"party-error\""));
    let r = s.post("/exports/csv", &[("what", "everything")]).await;
    r.expect(422);
    assert!(
        r.body
            .contains("Choose the list, the harms, the plans or the commitments.")
    );
}

fn with_a_promise(v: &mut Vault, now: &Now) -> Result<(), VaultError> {
    seed(v, now)?;
    let due = now.today.checked_add(jiff::Span::new().days(30)).unwrap();
    v.add_commitment(
        &PartyRef::Id(1),
        &CommitmentInput::Promise {
            text: "return Mary's ladder".into(),
            due,
        },
        now,
    )?;
    Ok(())
}

#[tokio::test]
async fn the_commitments_download_as_a_table_discreet_by_default() {
    let mut s = Server::ready(with_a_promise).await;
    let page = s.get("/exports").await;
    page.expect(200);
    assert!(page.body.contains("value=\"commitments\""), "{}", page.body);

    let (ctype, bytes) = download(
        &mut s,
        "/exports/csv",
        &[("what", "commitments"), ("discreet", "on")],
    )
    .await;
    assert_eq!(ctype, "text/csv; charset=utf-8");
    let (h, rows) = csv_rows(&bytes);
    assert_eq!(rows.len(), 1);
    let at = |name: &str| h.iter().position(|x| x == name).unwrap();
    assert_eq!(rows[0][at("Name")], "M. J.");
    assert_eq!(rows[0][at("Kind")], "promise");
    assert!(!h.iter().any(|x| x == "What"), "{h:?}");
    assert!(!String::from_utf8(bytes).unwrap().contains("ladder"));

    let (_, bytes) = download(&mut s, "/exports/csv", &[("what", "commitments")]).await;
    let (h, rows) = csv_rows(&bytes);
    let what = h.iter().position(|x| x == "What").unwrap();
    assert_eq!(rows[0][what], "return Mary's ladder");
}

#[tokio::test]
async fn the_calendar_downloads_with_discreet_titles_unless_names_are_chosen() {
    let mut s = Server::ready(seed).await;
    let (ctype, ics) = download(&mut s, "/exports/calendar", &[]).await;
    assert_eq!(ctype, "text/calendar; charset=utf-8");
    let text = String::from_utf8(ics).unwrap();
    let es = events(&text);
    assert_eq!(es.len(), 1, "the planned letter");
    assert_eq!(es[0].get_summary(), Some("Amends: a letter to send"));
    // The UID ends with this vault's own calendar key.
    let uid = es[0].get_uid().unwrap().to_string();
    let key = uid
        .strip_prefix("amends-plan-1@")
        .unwrap_or_else(|| panic!("{uid}"));
    assert_eq!(key.len(), 16);
    let mut other = Server::ready(seed).await;
    let (_, ics) = download(&mut other, "/exports/calendar", &[]).await;
    let theirs = events(&String::from_utf8(ics).unwrap());
    assert_ne!(
        theirs[0].get_uid().unwrap(),
        uid,
        "another vault, other UIDs"
    );
    assert!(!text.contains("Mary"));
    let (_, ics) = download(&mut s, "/exports/calendar", &[("names", "on")]).await;
    let es = events(&String::from_utf8(ics).unwrap());
    assert_eq!(
        es[0].get_summary(),
        Some("Amends: a letter to send (Mary Jones)")
    );
}

#[tokio::test]
async fn the_subscription_works_without_the_cookie_and_only_with_its_token() {
    let mut s = Server::ready(seed).await;
    let r = s.post("/exports/subscription", &[("action", "on")]).await;
    r.expect(303);
    assert_eq!(r.location(), "/exports#calendar");
    let page = s.follow(&r).await;
    assert!(page.body.contains("Your calendar subscription is on."));
    let address = tags(&page.body)
        .into_iter()
        .find(|t| t.attr("id") == Some("cal-address"))
        .and_then(|t| t.attr("value").map(str::to_string))
        .expect("the address is shown");
    let prefix = format!("http://{}/calendar/", s.addr);
    assert!(address.starts_with(&prefix), "{address}");
    let token = address
        .strip_prefix(&prefix)
        .and_then(|a| a.strip_suffix(".ics"))
        .unwrap()
        .to_string();
    assert_eq!(token.len(), 64);

    // A calendar app: no cookie, no token of the session, just the address.
    let app = stranger();
    let got = send(app.get(&address)).await;
    got.expect(200);
    assert_eq!(got.header("content-type"), "text/calendar; charset=utf-8");
    assert_eq!(got.header("cache-control"), "no-store");
    let es = events(&got.body);
    assert_eq!(es.len(), 1);
    assert_eq!(es[0].get_summary(), Some("Amends: a letter to send"));
    assert!(got.all("set-cookie").is_empty());

    // Wrong tokens, and nearby addresses, are not found.
    let mut wrong = token.clone().into_bytes();
    wrong[0] = if wrong[0] == b'a' { b'b' } else { b'a' };
    let wrong = String::from_utf8(wrong).unwrap();
    for path in [
        format!("/calendar/{wrong}.ics"),
        format!("/calendar/{token}"),
        format!("/calendar/{}.ics", &token[..63]),
        "/calendar/.ics".to_string(),
    ] {
        let r = send(app.get(s.at(&path))).await;
        assert_eq!(r.status, 404, "{path}");
        assert!(!r.body.contains("VCALENDAR"));
    }
    // The cookie-less door is the calendar alone: other pages still ask for the cookie, and
    // nothing but GET goes through.
    assert_eq!(send(app.get(s.at("/exports"))).await.status, 401);
    let r = send(app.post(&address).body("x")).await;
    assert_eq!(r.status, 401);

    // A foreign Host is refused before anything else, token or not.
    let r = s
        .raw(
            "GET",
            &format!("/calendar/{token}.ics"),
            &["Host: evil.example"],
            "",
        )
        .await;
    assert_eq!(r.status, 421, "{}", r.head);
    assert!(!r.body.contains("VCALENDAR"));
    let r = s
        .raw(
            "GET",
            &format!("/calendar/{token}.ics"),
            &[&format!("Host: localhost:{}", s.addr.port())],
            "",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.head);

    // Names in the titles, when chosen.
    s.post("/exports/subscription", &[("action", "names-on")])
        .await
        .expect(303);
    let es = events(&send(app.get(&address)).await.body);
    assert_eq!(
        es[0].get_summary(),
        Some("Amends: a letter to send (Mary Jones)")
    );

    // A new address: the old one is gone at once.
    s.post("/exports/subscription", &[("action", "new")])
        .await
        .expect(303);
    assert_eq!(send(app.get(&address)).await.status, 404);
    let page = s.get("/exports").await;
    let renewed = tags(&page.body)
        .into_iter()
        .find(|t| t.attr("id") == Some("cal-address"))
        .and_then(|t| t.attr("value").map(str::to_string))
        .unwrap();
    assert_ne!(renewed, address);
    send(app.get(&renewed)).await.expect(200);

    // Locked: a plain 503, and nothing else.
    s.post("/lock", &[]).await.expect(303);
    let r = send(app.get(&renewed)).await;
    assert_eq!(r.status, 503);
    assert_eq!(r.body, "Locked.");
    let r = send(app.get(s.at(&format!("/calendar/{wrong}.ics")))).await;
    assert_eq!(r.status, 503, "a locked vault cannot tell a wrong token");
    s.unlock().await;
    send(app.get(&renewed)).await.expect(200);

    // Off: not found.
    s.post("/exports/subscription", &[("action", "off")])
        .await
        .expect(303);
    assert_eq!(send(app.get(&renewed)).await.status, 404);
    let page = s.get("/exports").await;
    assert!(!page.body.contains("/calendar/"));
}

#[test]
fn the_subscription_is_outside_the_page_layers() {
    // A calendar app polling the address must not count as the person's activity (it would keep
    // the vault from locking when they are away), and needs no CSRF token or cookie: the feed is
    // outside the session, added after the pages' layers, and answers GET (and HEAD) only. The
    // only other route outside the session is the app's own static files (so that a refusal
    // page is styled), which hold nothing personal.
    let routes = amends_web::route_table();
    let outside: Vec<_> = routes.iter().filter(|r| !r.session).collect();
    let paths: Vec<&str> = outside.iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/assets/{name}", "/calendar/{file}"], "{outside:?}");
    let feed = outside[1];
    assert_eq!(feed.methods, ["GET", "HEAD"]);
    let lib = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/lib.rs")).unwrap();
    let router = &lib[lib.find("pub fn router(").unwrap()..];
    let activity_at = router.find("security::activity").unwrap();
    let feed_at = router.find(".merge(feed)").unwrap();
    let admit_at = router.find("security::admit").unwrap();
    assert!(activity_at < feed_at && feed_at < admit_at, "{router}");
}
