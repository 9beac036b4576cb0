//! Bringing in a list from a spreadsheet, over HTTP as a browser would: upload, preview,
//! remap, names already on the list, confirm, and nothing stored when anything is wrong.

use crate::common;

use amends_core::model::{PartyKind, Willingness};
use common::{Resp, Server, send};
use reqwest::Method;

const LIST: &str = "Name,Relationship,What I did,Effect on them,Kind of harm,Owed,Willing?\n\
Zebra-Canary,mother,Shouted at her at Christmas,She cried,emotional,,yes\n\
Acme Ltd,employer,Took stationery,,property,\"$12.50\",later\n\
zebra-canary,,Missed her birthday,,neglect,,maybe\n\
Okapi Tom,old friend,,,,,\n";

/// Posts a file as the upload form does: `_csrf` first, then the encoding and the file.
async fn upload(s: &mut Server, file: &[u8], encoding: &str) -> Resp {
    let token = s.token().await;
    let boundary = "----amendsimport7MA4YWxk";
    let mut body: Vec<u8> = Vec::new();
    for (name, value) in [
        ("_csrf", token.as_bytes()),
        ("encoding", encoding.as_bytes()),
    ] {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                .as_bytes(),
        );
        body.extend(value);
        body.extend(b"\r\n");
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"list.csv\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend(file);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = send(
        s.request(Method::POST, "/import")
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body),
    )
    .await;
    if let Some(t) = r.csrf() {
        s.csrf = Some(t);
    }
    r
}

/// The id of the held upload, from the preview's form.
fn upload_id(page: &Resp) -> String {
    let at = page
        .body
        .find("name=\"upload\" value=\"")
        .expect("the preview carries the upload's id")
        + "name=\"upload\" value=\"".len();
    page.body[at..].split('"').next().unwrap().to_string()
}

fn records(s: &Server) -> Vec<amends_core::model::PartyRecord> {
    s.app.read(|v| v.records()).unwrap().unwrap()
}

#[tokio::test]
async fn a_list_is_previewed_then_added_all_at_once() {
    let mut s = Server::ready(|_, _| Ok(())).await;
    let empty = s.get("/list").await;
    assert!(
        empty.body.contains("href=\"/import\""),
        "the empty list points here"
    );
    let page = s.get("/import").await;
    page.expect(200);
    assert!(page.body.contains("enctype=\"multipart/form-data\""));

    let preview = upload(&mut s, LIST.as_bytes(), "").await;
    preview.expect(200);
    for want in [
        "an 8th-step list",
        "UTF-8",
        "commas",
        "3 entries with 3 harms",
        "Zebra-Canary",
        "Shouted at her at Christmas",
        "Missed her birthday",
        "12.50 USD",
        "No harm written yet",
        "<option value=\"did\" selected>",
        "formaction=\"/import/confirm\"",
    ] {
        assert!(preview.body.contains(want), "{want:?} not in the preview");
    }
    assert!(records(&s).is_empty(), "nothing is stored by a preview");

    let id = upload_id(&preview);
    let r = s.post("/import/confirm", &[("upload", &id)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), "/list");
    let list = s.follow(&r).await;
    assert!(
        list.body
            .contains("Your spreadsheet is brought in: 3 new entries with 3 harms; 2 willingness answers recorded."),
        "{}",
        list.body
    );
    let recs = records(&s);
    assert_eq!(recs.len(), 3);
    let mum = recs
        .iter()
        .find(|r| r.party.name == "Zebra-Canary")
        .unwrap();
    assert_eq!(mum.harms.len(), 2);
    assert_eq!(mum.party.relationship, "mother");
    assert_eq!(
        mum.willingness_now().map(|w| w.level),
        Some(Willingness::Maybe)
    );
    let acme = recs.iter().find(|r| r.party.name == "Acme Ltd").unwrap();
    assert_eq!(acme.harms[0].owed.map(|m| m.minor), Some(1250));

    // The file is forgotten once added: the same form again adds nothing.
    let again = s.post("/import/confirm", &[("upload", &id)]).await;
    assert_eq!(again.status, 303);
    assert_eq!(again.location(), "/import");
    assert_eq!(records(&s).len(), 3);
}

#[tokio::test]
async fn headings_of_its_own_are_mapped_column_by_column() {
    let mut s = Server::ready(|_, _| Ok(())).await;
    let text = "Col A;Col B;Col C\nSam;Missed the deadline;ahora\n";
    let preview = upload(&mut s, text.as_bytes(), "").await;
    preview.expect(200);
    assert!(preview.body.contains("headings of its own"));
    assert!(preview.body.contains("no column holds the names"));
    assert!(
        !preview.body.contains("formaction=\"/import/confirm\""),
        "no way to add a file with problems"
    );
    let id = upload_id(&preview);
    let choices = [
        ("upload", id.as_str()),
        ("encoding", ""),
        ("col-1", "name"),
        ("col-2", "did"),
        ("col-3", "willingness"),
    ];
    // htmx re-reads the file on each change; a form post does the same.
    let again = s.post("/import/preview", &choices).await;
    again.expect(200);
    assert!(!again.body.contains("To put right first"), "{}", again.body);
    assert!(
        again
            .body
            .contains("<option value=\"willingness\" selected>")
    );
    assert!(again.body.contains("Missed the deadline"));
    let r = s.post("/import/confirm", &choices).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let recs = records(&s);
    assert_eq!(recs[0].party.name, "Sam");
    assert_eq!(recs[0].harms[0].did, "Missed the deadline");
    assert_eq!(
        recs[0].willingness_now().map(|w| w.level),
        Some(Willingness::Now)
    );
}

#[tokio::test]
async fn bad_cells_are_shown_by_line_and_column_and_nothing_is_stored() {
    let mut s = Server::ready(|v, now| {
        v.add_party("Already here", PartyKind::Person, "", "", now)?;
        Ok(())
    })
    .await;
    let text =
        "Name,What I did,Owed,Willing\nAna,ok,,now\nBen,ok,Secret-Okapi,now\nCal,ok,,someday\n";
    let preview = upload(&mut s, text.as_bytes(), "").await;
    preview.expect(200);
    assert!(
        preview
            .body
            .contains("line 3, column 3 (“Owed”): is not an amount in USD; write it in figures"),
        "{}",
        preview.body
    );
    assert!(preview.body.contains("line 4, column 4 (“Willing”)"));
    assert!(!preview.body.contains("Secret-Okapi"));
    let before = records(&s);
    let r = s
        .post("/import/confirm", &[("upload", &upload_id(&preview))])
        .await;
    r.expect(422);
    assert!(r.body.contains("Nothing was added"), "{}", r.body);
    assert_eq!(records(&s), before);

    // An encoding that does not fit the bytes: said on the upload page, by line.
    let latin1: Vec<u8> = "Name,What I did\nJosé,ok\n"
        .chars()
        .map(|c| c as u32 as u8)
        .collect();
    let r = upload(&mut s, &latin1, "utf-8").await;
    r.expect(422);
    assert!(r.body.contains("Line 2 is not valid UTF-8"), "{}", r.body);
    assert!(r.body.contains("id=\"file-error\""));
    // Told by itself, it reads.
    let r = upload(&mut s, &latin1, "").await;
    r.expect(200);
    assert!(r.body.contains("Windows-1252") && r.body.contains("José"));
    assert_eq!(records(&s), before);
}

#[tokio::test]
async fn names_on_the_list_are_merged_or_kept_apart_as_chosen() {
    let mut s = Server::ready(|v, now| {
        v.add_party("Zebra-Canary", PartyKind::Person, "", "", now)?;
        v.add_party("Acme Ltd", PartyKind::Organisation, "", "", now)?;
        Ok(())
    })
    .await;
    let preview = upload(&mut s, LIST.as_bytes(), "").await;
    preview.expect(200);
    assert!(preview.body.contains("Names already on your list"));
    assert!(preview.body.contains("name=\"match-2\" value=\"merge-1\""));
    assert!(preview.body.contains("name=\"match-3\" value=\"merge-2\""));
    assert!(preview.body.contains("name=\"match-2\" value=\"apart\""));
    let id = upload_id(&preview);

    // Without a choice for each, nothing is added.
    let r = s
        .post(
            "/import/confirm",
            &[("upload", &id), ("match-2", "merge-1")],
        )
        .await;
    r.expect(422);
    assert!(
        r.body.contains("For 1 name already on your list"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("value=\"merge-1\" checked"),
        "the choice is kept"
    );
    assert_eq!(records(&s).len(), 2);

    let r = s
        .post(
            "/import/confirm",
            &[
                ("upload", &id),
                ("match-2", "merge-1"),
                ("match-3", "apart"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let list = s.follow(&r).await;
    assert!(
        list.body
            .contains("1 entry you already had took 2 more harms"),
        "{}",
        list.body
    );
    let recs = records(&s);
    assert_eq!(recs.len(), 4, "Acme kept apart, Okapi Tom new");
    let mum = recs.iter().find(|r| r.party.id == 1).unwrap();
    assert_eq!(mum.harms.len(), 2);
    assert_eq!(mum.party.relationship, "mother");
    assert_eq!(
        recs.iter().filter(|r| r.party.name == "Acme Ltd").count(),
        2
    );
}

#[tokio::test]
async fn a_list_changed_since_the_preview_is_not_written_over() {
    let mut s = Server::ready(|_, _| Ok(())).await;
    let preview = upload(&mut s, LIST.as_bytes(), "").await;
    let id = upload_id(&preview);
    // Another window adds one of the names meanwhile.
    s.app
        .write(|v, now| v.add_party("ACME LTD", PartyKind::Person, "", "", now))
        .unwrap()
        .unwrap();
    let before = records(&s);
    // The confirm sees the new match and asks about it; nothing is added.
    let r = s.post("/import/confirm", &[("upload", &id)]).await;
    r.expect(422);
    assert!(r.body.contains("name=\"match-3\""), "{}", r.body);
    assert_eq!(records(&s), before);
}

#[tokio::test]
async fn the_file_is_forgotten_on_lock_and_on_cancel() {
    let mut s = Server::ready(|_, _| Ok(())).await;
    let preview = upload(&mut s, LIST.as_bytes(), "").await;
    let id = upload_id(&preview);
    s.post("/lock", &[]).await.expect(303);
    s.unlock().await;
    let r = s.post("/import/preview", &[("upload", &id)]).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/import");
    let page = s.follow(&r).await;
    assert!(page.body.contains("no longer held"), "{}", page.body);

    let preview = upload(&mut s, LIST.as_bytes(), "").await;
    let id = upload_id(&preview);
    let r = s.post("/import/cancel", &[]).await;
    assert_eq!(r.status, 303);
    let list = s.follow(&r).await;
    assert!(list.body.contains("the spreadsheet is forgotten"));
    let r = s.post("/import/confirm", &[("upload", &id)]).await;
    assert_eq!(r.location(), "/import");
    assert!(records(&s).is_empty());
}

#[tokio::test]
async fn formula_cells_and_markup_are_shown_as_text() {
    let mut s = Server::ready(|_, _| Ok(())).await;
    let text = "Name,What I did\n\"=HYPERLINK(\"\"http://example.com\"\",\"\"click\"\")\",<script>alert(1)</script>\n";
    let preview = upload(&mut s, text.as_bytes(), "").await;
    preview.expect(200);
    assert!(!preview.body.contains("<script>alert(1)"));
    assert!(!preview.body.contains("href=\"http://example.com"));
    assert!(preview.body.contains("=HYPERLINK("));
    let r = s
        .post("/import/confirm", &[("upload", &upload_id(&preview))])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let recs = records(&s);
    assert_eq!(
        recs[0].party.name,
        "=HYPERLINK(\"http://example.com\",\"click\")"
    );
    let party = s.get(&format!("/parties/{}", recs[0].party.id)).await;
    party.expect(200);
    assert!(!party.body.contains("href=\"http://example.com"));
    assert!(!party.body.contains("<script>alert(1)"));
}

#[tokio::test]
async fn a_row_with_a_former_name_asks_whether_it_is_the_same_person() {
    use amends_core::model::SafetyAnswers;
    use amends_vault::{PartyEdit, PartyRef};
    let mut s = Server::ready(|v, now| {
        let sam = v.add_party("Sam Quill", PartyKind::Person, "", "", now)?.id;
        v.answer_safety(
            &PartyRef::Id(sam),
            SafetyAnswers {
                court_order: true,
                ..SafetyAnswers::default()
            },
            now,
        )?;
        v.edit_party(
            &PartyRef::Id(sam),
            &PartyEdit {
                name: Some("Samantha Quill".into()),
                ..PartyEdit::default()
            },
            now,
        )?;
        Ok(())
    })
    .await;
    let sheet = "Name,What I did\nsam quill,Shouted at her in the street\n";
    let preview = upload(&mut s, sheet.as_bytes(), "").await;
    preview.expect(200);
    assert!(preview.body.contains("Names already on your list"));
    assert!(
        preview.body.contains("Is it the same\nperson?"),
        "{}",
        preview.body
    );
    assert!(
        preview.body.contains("name=\"match-2\" value=\"merge-1\""),
        "{}",
        preview.body
    );
    assert!(
        preview.body.contains(
            "Samantha Quill (number 1) on your list, which had this name before a rename"
        )
    );
    let id = upload_id(&preview);

    // Not answered: nothing is added.
    let r = s.post("/import/confirm", &[("upload", &id)]).await;
    r.expect(422);
    assert_eq!(records(&s).len(), 1);

    // The same person: the harm joins the entry, where the court order is.
    let r = s
        .post(
            "/import/confirm",
            &[("upload", &id), ("match-2", "merge-1")],
        )
        .await;
    r.expect(303);
    let all = records(&s);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].harms.len(), 1);
}
