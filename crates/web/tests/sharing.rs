//! Sharing through the web app, against real servers: the contact code and its QR code, adding
//! and verifying contacts, the preview that shows exactly what goes, the digest that keeps the
//! sealed file to what was previewed, and bundles carried from one vault's server to another's
//! and back (a share, a review, a stop).

use crate::common;

use amends_core::Now;
use amends_core::model::{HarmKind, Method, PartyKind, SafetyAnswers, Willingness};
use amends_core::rules::approval_for_plan;
use amends_vault::{HarmInput, PartyRef, PlanInput, Vault, VaultError};
use common::{Server, send, tags};
use reqwest::Method as Http;

const CHOSEN: &str = "Avery-Chosen";
const OTHER: &str = "Blake-Unchosen";
const HARM: &str = "Harm-Kestrel borrowed the van";
const OTHER_HARM: &str = "Harm-Heron of the other one";
const SCRIPT: &str = "Script-Words I am sorry about the van";

/// A list of two: the first with a harm and a plan (safety answered), the second with a harm.
fn seed(v: &mut Vault, now: &Now) -> Result<(), VaultError> {
    let a = v.add_party(CHOSEN, PartyKind::Person, "neighbour", "", now)?;
    v.add_harm(
        &PartyRef::Id(a.id),
        &HarmInput {
            did: HARM.into(),
            kinds: vec![HarmKind::Property],
            ..HarmInput::default()
        },
        now,
    )?;
    v.set_willingness(&PartyRef::Id(a.id), Willingness::Now, "", now)?;
    v.answer_safety(&PartyRef::Id(a.id), SafetyAnswers::default(), now)?;
    v.plan(
        &PartyRef::Id(a.id),
        &PlanInput {
            channel: None,
            method: Method::Letter,
            script: SCRIPT.into(),
            on: None,
            place: String::new(),
        },
        now,
    )?;
    let b = v.add_party(OTHER, PartyKind::Person, "", "", now)?;
    v.add_harm(
        &PartyRef::Id(b.id),
        &HarmInput {
            did: OTHER_HARM.into(),
            ..HarmInput::default()
        },
        now,
    )?;
    Ok(())
}

/// The text of the read-only field that holds a page's own contact code.
fn my_code(html: &str) -> String {
    let start = html.find("id=\"my-code\"").expect("the code field");
    let open = start + html[start..].find('>').expect("its tag ends") + 1;
    let close = open + html[open..].find("</textarea>").expect("its end");
    html[open..close].trim().to_string()
}

/// The fingerprint shown beside "Your fingerprint".
fn my_fingerprint(html: &str) -> String {
    let at = html
        .find("Your fingerprint: <strong")
        .expect("the fingerprint");
    let open = at + html[at..].find('>').unwrap() + 1;
    let close = open + html[open..].find('<').unwrap();
    html[open..close].to_string()
}

/// The value of a hidden input of a page.
fn hidden(html: &str, name: &str) -> String {
    tags(html)
        .into_iter()
        .find(|t| t.name == "input" && t.attr("name") == Some(name))
        .and_then(|t| t.attr("value").map(str::to_string))
        .unwrap_or_else(|| panic!("no field {name} in:\n{html}"))
}

fn contacts(s: &Server) -> Vec<amends_vault::Contact> {
    s.app.read(|v| v.contacts()).unwrap().unwrap()
}

fn sent(s: &Server) -> usize {
    s.app.read(|v| v.sent_log()).unwrap().unwrap().len()
}

/// A response read as bytes (a download).
struct Bytes {
    status: u16,
    content_type: String,
    disposition: String,
    cache: String,
    body: Vec<u8>,
}

/// POST a form and read the answer as bytes.
async fn post_download(s: &mut Server, path: &str, fields: &[(&str, &str)]) -> Bytes {
    let token = s.token().await;
    let mut all: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
    all.extend_from_slice(fields);
    let r = s
        .request(Http::POST, path)
        .form(&all)
        .send()
        .await
        .expect("the server answers");
    let h = |n: &str| {
        r.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    Bytes {
        status: r.status().as_u16(),
        content_type: h("content-type"),
        disposition: h("content-disposition"),
        cache: h("cache-control"),
        body: r.bytes().await.expect("a body").to_vec(),
    }
}

/// Uploads a file to `/sharing/open` as the page's form does (the token first).
async fn upload(s: &mut Server, file: &[u8]) -> common::Resp {
    let token = s.token().await;
    let boundary = "----amendsbundle0b7c";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{token}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.age\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    send(
        s.request(Http::POST, "/sharing/open")
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body),
    )
    .await
}

/// Adds `other`'s code to `s` under `name` with `role`, through the page; returns the id.
async fn add(s: &mut Server, other: &mut Server, name: &str, role: &str) -> i64 {
    let code = my_code(&other.get("/sharing").await.body);
    let r = s
        .post(
            "/sharing/contacts",
            &[("code", &code), ("name", name), ("role", role)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    contacts(s)
        .into_iter()
        .find(|c| c.label == name)
        .expect("the contact was added")
        .id
}

async fn verify(s: &mut Server, id: i64) {
    let r = s
        .post(
            &format!("/sharing/contacts/{id}/verify"),
            &[("matched", "on")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
}

/// Two servers that know and trust each other: A (with the seeded list) has B as its sponsor;
/// B has A as someone it supports. Returns (A, B, B's id in A, A's id in B).
async fn pair() -> (Server, Server, i64, i64) {
    pair_with(seed).await
}

/// As `pair`, with A's list made by `seed_a`.
async fn pair_with(
    seed_a: impl FnOnce(&mut Vault, &Now) -> Result<(), VaultError>,
) -> (Server, Server, i64, i64) {
    let mut a = Server::ready(seed_a).await;
    let mut b = Server::ready(|_, _| Ok(())).await;
    let b_in_a = add(&mut a, &mut b, "Sponsor Sam", "sponsor").await;
    let a_in_b = add(&mut b, &mut a, "Sponsee Alex", "supported").await;
    verify(&mut a, b_in_a).await;
    verify(&mut b, a_in_b).await;
    (a, b, b_in_a, a_in_b)
}

fn party_id(s: &Server, name: &str) -> i64 {
    s.app
        .read(|v| v.records())
        .unwrap()
        .unwrap()
        .into_iter()
        .find(|r| r.party.name == name)
        .expect("on the list")
        .party
        .id
}

#[tokio::test]
async fn the_sharing_page_shows_the_code_the_fingerprint_and_a_clean_qr_code() {
    let mut s = Server::ready(seed).await;
    let r = s.get("/sharing").await;
    r.expect(200);
    let code = my_code(&r.body);
    let keys = amends_share::PublicKeys::parse_code(&code).expect("a real contact code");
    // It is this vault's own identity.
    let own = s
        .app
        .write(|v, now| Ok(amends_share::identity(v, now).unwrap().public()))
        .unwrap()
        .unwrap();
    assert_eq!(keys, own);
    assert_eq!(my_fingerprint(&r.body), own.fingerprint());
    // The QR code is inline SVG with nothing the CSP would refuse.
    let all = tags(&r.body);
    let svg = all
        .iter()
        .find(|t| t.name == "svg")
        .expect("a QR code as SVG");
    assert_eq!(svg.attr("class"), Some("qr"));
    assert!(svg.attr("aria-label").is_some());
    assert!(all.iter().all(|t| !t.has("style")), "no style attributes");
    assert!(!r.body.contains("<style"), "no style element");
    let path = all.iter().find(|t| t.name == "path").expect("the modules");
    assert!(path.attr("d").unwrap().len() > 500, "a real QR code");
    // The same code on the next visit: the identity is made once.
    let again = s.get("/sharing").await;
    assert_eq!(my_code(&again.body), code);
    assert!(again.body.contains("Nothing sent yet."));
    assert_eq!(common::title(&r.body), "Sharing · Amends");
}

#[tokio::test]
async fn adding_a_contact_refuses_a_bad_code_its_own_code_and_a_duplicate() {
    let mut a = Server::ready(seed).await;
    let mut b = Server::ready(|_, _| Ok(())).await;
    let own = my_code(&a.get("/sharing").await.body);
    let theirs = my_code(&b.get("/sharing").await.body);

    // A code cut short: 422, the message beside the code, what was typed kept, nothing saved.
    let cut = &theirs[..theirs.len() - 5];
    let r = a
        .post(
            "/sharing/contacts",
            &[
                ("code", cut),
                ("name", "Typed-Name-Kept"),
                ("role", "therapist"),
            ],
        )
        .await;
    r.expect(422);
    assert!(r.body.contains("id=\"code-error\""), "{}", r.body);
    assert!(r.body.contains("checksum does not match"), "{}", r.body);
    assert!(r.body.contains("value=\"Typed-Name-Kept\""));
    assert!(r.body.contains(cut), "the code typed is kept");
    assert!(r.body.contains("<option value=\"therapist\" selected>"));
    // Not a code at all.
    let r = a
        .post(
            "/sharing/contacts",
            &[("code", "hello"), ("name", "Sam"), ("role", "sponsor")],
        )
        .await;
    r.expect(422);
    assert!(r.body.contains("does not start with amends:1:"));
    // Empty fields.
    let r = a
        .post(
            "/sharing/contacts",
            &[("code", ""), ("name", ""), ("role", "boss")],
        )
        .await;
    r.expect(422);
    for f in ["code-error", "name-error", "role-error"] {
        assert!(r.body.contains(&format!("id=\"{f}\"")), "{f}");
    }
    // Its own code.
    let r = a
        .post(
            "/sharing/contacts",
            &[("code", &own), ("name", "Me"), ("role", "sponsor")],
        )
        .await;
    r.expect(422);
    assert!(r.body.contains("That is your own contact code."));
    assert!(contacts(&a).is_empty(), "nothing was saved");

    // The right code is added, unverified, and the page asks to compare fingerprints.
    let r = a
        .post(
            "/sharing/contacts",
            &[
                ("code", &theirs),
                ("name", "Sponsor Sam"),
                ("role", "sponsor"),
            ],
        )
        .await;
    r.expect(303);
    let list = contacts(&a);
    assert_eq!(list.len(), 1);
    assert!(list[0].verified.is_none());
    let page = a.follow(&r).await;
    assert!(page.body.contains("Sponsor Sam is added."));
    assert!(page.body.contains("Compare fingerprints with Sponsor Sam"));
    let b_print = my_fingerprint(&b.get("/sharing").await.body);
    assert!(page.body.contains(&b_print), "their fingerprint to compare");

    // The same code again, under another name; another code under the same name.
    let r = a
        .post(
            "/sharing/contacts",
            &[
                ("code", &theirs),
                ("name", "Someone else"),
                ("role", "lawyer"),
            ],
        )
        .await;
    r.expect(422);
    assert!(
        r.body.contains("already on your contacts list"),
        "{}",
        r.body
    );
    assert!(r.body.contains("id=\"code-error\""));
    let mut third = Server::ready(|_, _| Ok(())).await;
    let third_code = my_code(&third.get("/sharing").await.body);
    let r = a
        .post(
            "/sharing/contacts",
            &[
                ("code", &third_code),
                ("name", "sponsor SAM"),
                ("role", "sponsor"),
            ],
        )
        .await;
    r.expect(422);
    assert!(r.body.contains("id=\"name-error\""), "{}", r.body);
    assert_eq!(contacts(&a).len(), 1, "nothing more was saved");
}

#[tokio::test]
async fn a_contact_is_verified_only_when_the_box_is_ticked() {
    let mut a = Server::ready(seed).await;
    let mut b = Server::ready(|_, _| Ok(())).await;
    let id = add(&mut a, &mut b, "Sponsor Sam", "sponsor").await;
    // Not verified: nothing can be shared yet, and nothing is sealed.
    let r = a.get(&format!("/sharing/contacts/{id}/share")).await;
    r.expect(409);
    assert!(r.body.contains("Compare fingerprints"));
    let r = a
        .post(
            &format!("/sharing/contacts/{id}/preview"),
            &[("scope", "all"), ("part", "harms")],
        )
        .await;
    r.expect(409);
    assert!(!r.body.contains(HARM));
    let d = post_download(
        &mut a,
        &format!("/sharing/contacts/{id}/seal"),
        &[("scope", "all"), ("digest", "0")],
    )
    .await;
    assert_eq!(d.status, 409);
    assert_eq!(sent(&a), 0, "nothing sealed");

    let r = a.post(&format!("/sharing/contacts/{id}/verify"), &[]).await;
    r.expect(422);
    assert!(r.body.contains(&format!("id=\"matched-{id}-error\"")));
    assert!(contacts(&a)[0].verified.is_none());
    verify(&mut a, id).await;
    assert!(contacts(&a)[0].verified.is_some());
    let page = a.get("/sharing").await;
    assert!(page.body.contains("Share with Sponsor Sam"));
    assert!(page.body.contains("Verified"));
    a.get(&format!("/sharing/contacts/{id}/share"))
        .await
        .expect(200);
    // A contact that is not there.
    a.get("/sharing/contacts/999/share").await.expect(404);
}

#[tokio::test]
async fn the_preview_shows_exactly_the_parties_and_parts_chosen() {
    let (mut a, _b, b_in_a, _) = pair().await;
    let chosen = party_id(&a, CHOSEN).to_string();
    let path = format!("/sharing/contacts/{b_in_a}/preview");

    // One party, harms only.
    let r = a
        .post(
            &path,
            &[("scope", "some"), ("party", &chosen), ("part", "harms")],
        )
        .await;
    r.expect(200);
    assert!(
        r.body.contains(CHOSEN) && r.body.contains(HARM),
        "{}",
        r.body
    );
    assert!(!r.body.contains(OTHER), "a party not chosen is not shown");
    assert!(!r.body.contains(OTHER_HARM));
    assert!(!r.body.contains("The plan"), "plans were not chosen");
    assert!(!r.body.contains(SCRIPT), "scripts were not chosen");
    assert!(!r.body.contains("Commitments") && !r.body.contains("Attempts"));
    assert_eq!(hidden(&r.body, "party"), chosen);
    assert_eq!(hidden(&r.body, "part"), "harms");
    assert_eq!(hidden(&r.body, "digest").len(), 32);

    // The whole list, plans without scripts: the plan shows, its words do not, nor the harms.
    let r = a.post(&path, &[("scope", "all"), ("part", "plans")]).await;
    r.expect(200);
    assert!(r.body.contains(CHOSEN) && r.body.contains(OTHER));
    assert!(r.body.contains("The plan") && r.body.contains("a letter"));
    assert!(!r.body.contains(SCRIPT));
    assert!(!r.body.contains(HARM) && !r.body.contains(OTHER_HARM));

    // Scripts too: the words appear.
    let r = a
        .post(
            &path,
            &[("scope", "all"), ("part", "plans"), ("part", "scripts")],
        )
        .await;
    assert!(r.body.contains(SCRIPT));

    // Some, but none ticked: 422, the choice kept, nothing sent.
    let r = a.post(&path, &[("scope", "some"), ("part", "harms")]).await;
    r.expect(422);
    assert!(r.body.contains("id=\"party-error\""));
    assert!(r.body.contains("value=\"some\" checked"));
    assert_eq!(sent(&a), 0);
}

#[tokio::test]
async fn a_change_between_preview_and_confirm_shows_the_new_preview_and_seals_nothing() {
    let (mut a, _b, b_in_a, _) = pair().await;
    let chosen = party_id(&a, CHOSEN);
    let fields = [("scope", "all"), ("part", "harms")];
    let r = a
        .post(&format!("/sharing/contacts/{b_in_a}/preview"), &fields)
        .await;
    let digest = hidden(&r.body, "digest");

    // The list changes in the meantime (another window, the CLI).
    a.app
        .write(|v, now| {
            v.add_harm(
                &PartyRef::Id(chosen),
                &HarmInput {
                    did: "Harm-Late-Addition".into(),
                    ..HarmInput::default()
                },
                now,
            )
        })
        .unwrap()
        .unwrap();
    let seal = format!("/sharing/contacts/{b_in_a}/seal");
    let mut with_digest: Vec<(&str, &str)> = fields.to_vec();
    with_digest.push(("digest", &digest));
    let r = a.post(&seal, &with_digest).await;
    r.expect(200);
    assert!(r.is_html());
    assert!(r.body.contains("Something changed since you last looked."));
    assert!(r.body.contains("Harm-Late-Addition"), "the new preview");
    assert_eq!(sent(&a), 0, "nothing was sealed");
    let fresh = hidden(&r.body, "digest");
    assert_ne!(fresh, digest);

    // Confirming the new preview seals it.
    let mut again: Vec<(&str, &str)> = fields.to_vec();
    again.push(("digest", &fresh));
    let d = post_download(&mut a, &seal, &again).await;
    assert_eq!(d.status, 200);
    assert_eq!(d.content_type, "application/octet-stream");
    assert!(
        d.disposition
            .starts_with("attachment; filename=\"amends-share-")
            && d.disposition.ends_with("-1.age\""),
        "{}",
        d.disposition
    );
    assert!(!d.disposition.contains("Sam"), "no name in the file name");
    assert_eq!(d.cache, "no-store");
    assert!(d.body.starts_with(b"age-encryption.org/v1"));
    assert_eq!(sent(&a), 1);
    let page = a.get("/sharing").await;
    assert!(page.body.contains("was sealed into the file"));
    assert!(page.body.contains("the whole list (2 parties): harms"));
}

#[tokio::test]
async fn a_share_a_review_and_a_stop_travel_between_two_vaults() {
    let (mut a, mut b, b_in_a, a_in_b) = pair().await;
    let chosen = party_id(&a, CHOSEN);
    let fields = [
        ("scope", "all"),
        ("part", "harms"),
        ("part", "plans"),
        ("part", "scripts"),
    ];
    let r = a
        .post(&format!("/sharing/contacts/{b_in_a}/preview"), &fields)
        .await;
    let digest = hidden(&r.body, "digest");
    let mut confirm: Vec<(&str, &str)> = fields.to_vec();
    confirm.push(("digest", &digest));
    let share = post_download(
        &mut a,
        &format!("/sharing/contacts/{b_in_a}/seal"),
        &confirm,
    )
    .await;
    assert_eq!(share.content_type, "application/octet-stream");

    // B opens it: the result in words, and the person under People I support.
    let r = upload(&mut b, &share.body).await;
    r.expect(200);
    assert!(
        r.body.contains("Sponsee Alex shared their list with you"),
        "{}",
        r.body
    );
    assert!(r.body.contains("2 entries"));
    assert!(r.body.contains("the first time"));
    let list = b.get("/supported").await;
    list.expect(200);
    assert!(list.body.contains("Sponsee Alex"));
    assert!(
        list.body.contains("1 plan</strong> waiting for a review"),
        "{}",
        list.body
    );
    let theirs = b.get(&format!("/supported/{a_in_b}")).await;
    theirs.expect(200);
    for words in [
        CHOSEN,
        OTHER,
        HARM,
        SCRIPT,
        "This is Sponsee Alex's list, not yours",
    ] {
        assert!(theirs.body.contains(words), "{words}");
    }
    // Their list is not B's own.
    assert!(b.app.read(|v| v.records()).unwrap().unwrap().is_empty());

    // The same file again is refused and changes nothing.
    let r = upload(&mut b, &share.body).await;
    r.expect(422);
    assert!(
        r.body.contains("not newer than one you already opened"),
        "{}",
        r.body
    );
    // A file that is not a bundle.
    let r = upload(&mut b, b"not a bundle at all").await;
    r.expect(422);
    assert!(r.body.contains("This file is not an Amends bundle."));

    // B approves the plan, with a word, and comments on the other entry.
    let r = b
        .post(
            &format!("/supported/{a_in_b}/notes"),
            &[
                ("party", &chosen.to_string()),
                ("verdict", "approved"),
                ("text", "Kind and clear."),
            ],
        )
        .await;
    r.expect(303);
    let other = party_id(&a, OTHER).to_string();
    let r = b
        .post(
            &format!("/supported/{a_in_b}/notes"),
            &[("party", &other), ("text", "")],
        )
        .await;
    r.expect(422);
    assert!(r.body.contains("id=\"text-error\""));
    let r = b
        .post(
            &format!("/supported/{a_in_b}/notes"),
            &[("party", &other), ("text", "Shall we talk about this one?")],
        )
        .await;
    r.expect(303);
    // A verdict on an entry with no plan shared is refused.
    let r = b
        .post(
            &format!("/supported/{a_in_b}/notes"),
            &[("party", &other), ("verdict", "approved")],
        )
        .await;
    r.expect(422);
    assert!(r.body.contains("no plan to approve"), "{}", r.body);

    // A note written by mistake is deleted before it goes.
    b.post(
        &format!("/supported/{a_in_b}/notes"),
        &[("party", &other), ("text", "Note-To-Delete")],
    )
    .await
    .expect(303);
    let notes = b
        .app
        .read(|v| v.review_notes(a_in_b, true))
        .unwrap()
        .unwrap();
    let gone = notes
        .iter()
        .find(|n| n.text == "Note-To-Delete")
        .unwrap()
        .id;
    b.post(&format!("/supported/{a_in_b}/notes/{gone}/delete"), &[])
        .await
        .expect(303);
    let review = b.get(&format!("/supported/{a_in_b}/review")).await;
    assert!(!review.body.contains("Note-To-Delete"));
    review.expect(200);
    assert!(review.body.contains("Kind and clear.") && review.body.contains("Shall we talk"));
    let ids = hidden(&review.body, "notes");
    let d = post_download(
        &mut b,
        &format!("/supported/{a_in_b}/review"),
        &[("notes", &ids)],
    )
    .await;
    assert_eq!(d.status, 200);
    assert_eq!(d.content_type, "application/octet-stream");
    assert!(d.disposition.contains("amends-review-"));

    // A opens the review: the approval counts for R2, the comment is on the other entry.
    let r = upload(&mut a, &d.body).await;
    r.expect(200);
    assert!(
        r.body.contains("Sponsor Sam sent their review"),
        "{}",
        r.body
    );
    assert!(r.body.contains("1 comment added"));
    assert!(r.body.contains("1 view on a plan counted"));
    let records = a.app.read(|v| v.records()).unwrap().unwrap();
    let rec = records.iter().find(|r| r.party.id == chosen).unwrap();
    assert!(approval_for_plan(rec).is_some(), "the approval counts (R2)");
    // Reviews received are shown where the plan is talked over.
    let page = a.get(&format!("/parties/{chosen}/consult")).await;
    assert!(page.body.contains("From your sponsor or supporters"));
    assert!(page.body.contains("Approved the plan"));
    assert!(
        page.body
            .contains("counts as the approval of the plan as it is now")
    );
    let page = a.get(&format!("/parties/{other}/consult")).await;
    assert!(page.body.contains("Shall we talk about this one?"));

    // The safety answers change: as a plan edit does, that un-counts the approval.
    a.app
        .write(|v, now| {
            v.answer_safety(
                &PartyRef::Id(chosen),
                SafetyAnswers {
                    my_safety: true,
                    ..SafetyAnswers::default()
                },
                now,
            )
        })
        .unwrap()
        .unwrap();
    let page = a.get(&format!("/parties/{chosen}/consult")).await;
    assert!(
        page.body.contains(
            "This counted, but your safety answers changed after your sponsor reviewed, so it no longer counts."
        ),
        "{}",
        page.body
    );

    // The plan changes: the approval is for an older version now.
    a.app
        .write(|v, now| {
            v.plan(
                &PartyRef::Id(chosen),
                &PlanInput {
                    channel: None,
                    method: Method::Letter,
                    script: "New words".into(),
                    on: None,
                    place: String::new(),
                },
                now,
            )
        })
        .unwrap()
        .unwrap();
    let page = a.get(&format!("/parties/{chosen}/consult")).await;
    assert!(
        page.body
            .contains("The plan changed since; ask for a new look.")
    );

    // A stops sharing: the confirm page is honest about the limits, and the stop file downloads.
    let r = a.get(&format!("/sharing/contacts/{b_in_a}/remove")).await;
    r.expect(200);
    assert!(r.body.contains("What it cannot do"));
    assert!(r.body.contains("cannot reach a copy"));
    let stop = post_download(&mut a, &format!("/sharing/contacts/{b_in_a}/remove"), &[]).await;
    assert_eq!(stop.status, 200);
    assert_eq!(stop.content_type, "application/octet-stream");
    assert!(stop.disposition.contains("amends-stop-"));
    assert!(contacts(&a).is_empty());
    let log = a.get("/sharing").await;
    assert!(log.body.contains("Stopped sharing"), "the log keeps it");
    // B opens it: what A shared is gone.
    let r = upload(&mut b, &stop.body).await;
    r.expect(200);
    assert!(r.body.contains("Sponsee Alex stopped sharing with you"));
    b.get(&format!("/supported/{a_in_b}")).await.expect(404);
    assert!(b.app.read(|v| v.supported()).unwrap().unwrap().is_empty());
    let list = b.get("/supported").await;
    assert!(!list.body.contains(CHOSEN));
}

const COURT: &str = "Casey-Court-Ordered";
const COURT_SCRIPT: &str = "Unsent-Words Casey, I frightened you";
const COURT_REASON: &str =
    "A court order is in place between you. Make no contact of any kind: not in person";

/// The seeded list, and a party under a court order (R4) with an unsent letter planned.
fn seed_with_court_order(v: &mut Vault, now: &Now) -> Result<(), VaultError> {
    seed(v, now)?;
    let c = v.add_party(COURT, PartyKind::Person, "ex-partner", "", now)?;
    v.add_harm(
        &PartyRef::Id(c.id),
        &HarmInput {
            did: "Frightened them".into(),
            ..HarmInput::default()
        },
        now,
    )?;
    v.set_willingness(&PartyRef::Id(c.id), Willingness::Now, "", now)?;
    v.answer_safety(
        &PartyRef::Id(c.id),
        SafetyAnswers {
            court_order: true,
            ..SafetyAnswers::default()
        },
        now,
    )?;
    v.plan(
        &PartyRef::Id(c.id),
        &PlanInput {
            channel: None,
            method: Method::UnsentLetter,
            script: COURT_SCRIPT.into(),
            on: None,
            place: String::new(),
        },
        now,
    )?;
    Ok(())
}

/// Where `what` first appears in `html`, or a failure that shows the page.
fn at(html: &str, what: &str) -> usize {
    html.find(what)
        .unwrap_or_else(|| panic!("`{what}` is not on the page:\n{html}"))
}

/// The part of a page that shows one shared party: from its name to the next party's card.
fn card_of<'a>(html: &'a str, name: &str) -> &'a str {
    let start = at(html, &format!("<h3 class=\"shared-name\">{name}</h3>"));
    let rest = &html[start..];
    let end = rest[1..]
        .find("<h3 class=\"shared-name\">")
        .map_or(rest.len(), |e| e + 1);
    &rest[..end]
}

/// Previews and seals a share of the whole list with every part, through the pages, with the
/// boxes of the safety verdicts as given (`None`: the form as the preview starts, all ticked).
async fn share_all(a: &mut Server, b_in_a: i64, ticked: Option<&[i64]>) -> Vec<u8> {
    let fields = [
        ("scope", "all"),
        ("part", "harms"),
        ("part", "plans"),
        ("part", "scripts"),
    ];
    let preview = a
        .post(&format!("/sharing/contacts/{b_in_a}/preview"), &fields)
        .await;
    preview.expect(200);
    let digest = hidden(&preview.body, "digest");
    let mut confirm: Vec<(&str, String)> =
        fields.iter().map(|(k, v)| (*k, (*v).to_string())).collect();
    confirm.push(("digest", digest));
    match ticked {
        None => {
            // As the browser sends the form: every box that starts ticked.
            confirm.push(("safety_choice", hidden(&preview.body, "safety_choice")));
            for t in tags(&preview.body) {
                if t.name == "input" && t.attr("name") == Some("safety") && t.has("checked") {
                    confirm.push(("safety", t.attr("value").unwrap().to_string()));
                }
            }
        }
        Some(ids) => {
            confirm.push(("safety_choice", "1".into()));
            for id in ids {
                confirm.push(("safety", id.to_string()));
            }
        }
    }
    let borrowed: Vec<(&str, &str)> = confirm.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let d = post_download(a, &format!("/sharing/contacts/{b_in_a}/seal"), &borrowed).await;
    assert_eq!(d.status, 200, "{}", String::from_utf8_lossy(&d.body));
    d.body
}

#[tokio::test]
async fn the_sponsor_sees_a_court_order_and_its_reason_before_the_plan() {
    let (mut a, mut b, b_in_a, a_in_b) = pair_with(seed_with_court_order).await;
    let court = party_id(&a, COURT);

    // The preview shows each verdict before the plan, with a box to leave it out, ticked.
    let preview = a
        .post(
            &format!("/sharing/contacts/{b_in_a}/preview"),
            &[("scope", "all"), ("part", "plans"), ("part", "scripts")],
        )
        .await;
    preview.expect(200);
    let card = card_of(&preview.body, COURT);
    assert!(
        at(card, "R4, court order") < at(card, COURT_SCRIPT),
        "{card}"
    );
    assert!(card.contains(COURT_REASON), "{card}");
    let boxes: Vec<_> = tags(&preview.body)
        .into_iter()
        .filter(|t| t.name == "input" && t.attr("name") == Some("safety"))
        .collect();
    assert_eq!(boxes.len(), 3, "one box per party");
    assert!(boxes.iter().all(|t| t.has("checked")), "ticked by default");
    assert!(
        boxes
            .iter()
            .all(|t| t.attr("form") == Some("confirm-share")),
        "the boxes belong to the confirm form"
    );

    let share = share_all(&mut a, b_in_a, None).await;
    upload(&mut b, &share).await.expect(200);
    let theirs = b.get(&format!("/supported/{a_in_b}")).await;
    theirs.expect(200);
    let card = card_of(&theirs.body, COURT);
    assert!(card.contains("No contact of any kind"), "{card}");
    assert!(card.contains(COURT_REASON), "{card}");
    assert!(at(card, "R4, court order") < at(card, "The plan"), "{card}");
    assert!(at(card, COURT_REASON) < at(card, COURT_SCRIPT), "{card}");
    // And before the form in which the sponsor gives their view of the plan.
    assert!(
        at(card, COURT_REASON) < at(card, "Your view of the plan"),
        "{card}"
    );
    assert!(card.contains("tied to the plan as shared and to the safety verdict above"));

    // The sponsor approves: the review page names the verdict the approval is given on.
    b.post(
        &format!("/supported/{a_in_b}/notes"),
        &[("party", &court.to_string()), ("verdict", "approved")],
    )
    .await
    .expect(303);
    let review = b.get(&format!("/supported/{a_in_b}/review")).await;
    review.expect(200);
    assert!(
        review
            .body
            .contains("Safety verdict: no contact of any kind (R4 court order, R2 review first)"),
        "{}",
        review.body
    );
    assert!(!review.body.contains("will not count"));
}

#[tokio::test]
async fn a_verdict_left_out_in_the_preview_is_not_shared_and_the_sponsor_is_told() {
    let (mut a, mut b, b_in_a, a_in_b) = pair_with(seed_with_court_order).await;
    let court = party_id(&a, COURT);
    let chosen = party_id(&a, CHOSEN);
    let other = party_id(&a, OTHER);
    // The court order's box unticked; the others left as they were.
    let share = share_all(&mut a, b_in_a, Some(&[chosen, other])).await;
    let page = a.get("/sharing").await;
    assert!(
        page.body
            .contains("the safety verdict left out for 1 party"),
        "{}",
        page.body
    );
    upload(&mut b, &share).await.expect(200);
    let theirs = b.get(&format!("/supported/{a_in_b}")).await;
    theirs.expect(200);
    let card = card_of(&theirs.body, COURT);
    assert!(
        card.contains("The safety verdict was not shared."),
        "{card}"
    );
    assert!(!theirs.body.contains(COURT_REASON));
    assert!(!theirs.body.contains("R4"));
    assert!(card.contains(COURT_SCRIPT), "the plan itself was shared");
    assert!(card_of(&theirs.body, CHOSEN).contains("Direct amends are possible"));
    let held = b
        .app
        .read(|v| Ok(amends_share::supported(v).unwrap()))
        .unwrap()
        .unwrap();
    let parties = &held[0].body.parties;
    assert!(
        parties
            .iter()
            .find(|p| p.id == court)
            .unwrap()
            .safety
            .is_none()
    );
    assert!(
        parties
            .iter()
            .find(|p| p.id == chosen)
            .unwrap()
            .safety
            .is_some()
    );
}

#[tokio::test]
async fn an_approval_given_before_the_safety_answers_changed_is_kept_but_does_not_count() {
    let (mut a, mut b, b_in_a, a_in_b) = pair().await;
    let chosen = party_id(&a, CHOSEN);
    let share = share_all(&mut a, b_in_a, None).await;
    upload(&mut b, &share).await.expect(200);
    b.post(
        &format!("/supported/{a_in_b}/notes"),
        &[("party", &chosen.to_string()), ("verdict", "approved")],
    )
    .await
    .expect(303);
    let review = b.get(&format!("/supported/{a_in_b}/review")).await;
    let ids = hidden(&review.body, "notes");
    let d = post_download(
        &mut b,
        &format!("/supported/{a_in_b}/review"),
        &[("notes", &ids)],
    )
    .await;
    assert_eq!(d.status, 200);

    // Before A opens it, the safety answers change: contact could put A at risk (R7).
    a.app
        .write(|v, now| {
            v.answer_safety(
                &PartyRef::Id(chosen),
                SafetyAnswers {
                    my_safety: true,
                    ..SafetyAnswers::default()
                },
                now,
            )
        })
        .unwrap()
        .unwrap();
    let r = upload(&mut a, &d.body).await;
    r.expect(200);
    assert!(
        r.body
            .contains("Your safety answers changed after your sponsor reviewed, or the verdict was not shared while a rule applies; share again, with the verdict."),
        "{}",
        r.body
    );
    assert!(r.body.contains("0 views on a plan counted"), "{}", r.body);
    let records = a.app.read(|v| v.records()).unwrap().unwrap();
    let rec = records.iter().find(|r| r.party.id == chosen).unwrap();
    assert!(approval_for_plan(rec).is_none());
    let page = a.get(&format!("/parties/{chosen}/consult")).await;
    assert!(
        page.body
            .contains("your safety answers changed after your sponsor reviewed"),
        "{}",
        page.body
    );

    // B is told on their side too, once the new share shows another verdict.
    b.post(
        &format!("/supported/{a_in_b}/notes"),
        &[("party", &chosen.to_string()), ("verdict", "approved")],
    )
    .await
    .expect(303);
    a.app
        .write(|v, now| {
            v.answer_safety(
                &PartyRef::Id(chosen),
                SafetyAnswers {
                    my_safety: true,
                    harmed_me: true,
                    ..SafetyAnswers::default()
                },
                now,
            )
        })
        .unwrap()
        .unwrap();
    let share = share_all(&mut a, b_in_a, None).await;
    upload(&mut b, &share).await.expect(200);
    let review = b.get(&format!("/supported/{a_in_b}/review")).await;
    assert!(
        review
            .body
            .contains("Their safety verdict changed after you gave this view"),
        "{}",
        review.body
    );
    let theirs = b.get(&format!("/supported/{a_in_b}")).await;
    assert!(
        theirs.body.contains("the safety verdict changed"),
        "{}",
        theirs.body
    );
}
