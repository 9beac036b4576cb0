//! The core's gates as a person meets them in the browser: each way around a rule (contact
//! under a court order, a go-between, the safety questions or a harm skipped, the same person
//! listed twice, a protection lifted without a reason, a deferral put off for good) answers 422
//! with the reason, the rule and what to do next, in plain words, and nothing is recorded; the
//! way that respects the rule is accepted. Through real HTTP with a cookie jar, the vault file
//! read back to see what was kept.

use crate::party_common;

use amends_core::model::{CommitmentKind, Method, Reach};
use party_common::{Page, Server, start, today};
use reqwest::StatusCode;

/// The harm a party is added with where one must be named first.
const HARM: &str = "I broke the window of her flat and never owned up.";

/// A day some weeks ahead, as date inputs send it.
fn in_days(n: i64) -> String {
    jiff::Zoned::now()
        .date()
        .checked_add(jiff::Span::new().days(n))
        .expect("a day ahead")
        .to_string()
}

/// Sam Quill, with a harm and a court order between us.
async fn under_court_order(s: &Server) -> i64 {
    let id = s.add_person_with_harm("Sam Quill", HARM).await;
    s.answer_safety(id, &["court-order"]).await;
    id
}

/// The refusal boxes of a page (role="alert"), as text.
fn alerts(body: &str) -> String {
    body.split(r#"role="alert""#)
        .skip(1)
        .map(|rest| rest.split("</div>").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A refused form: 422, the rule and what to do, in words for the page (no command line).
#[track_caller]
fn refused(r: &Page, rule: &str) -> String {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let said = alerts(&r.body);
    assert!(
        said.contains(&format!("(rule {rule})")),
        "no {rule} in: {said}"
    );
    plain(&said);
    said
}

/// No command-line hint in what the page says.
#[track_caller]
fn plain(said: &str) {
    for cli in ["--", "`amends", "(amends ", "amends show", "amends safety"] {
        assert!(
            !said.contains(cli),
            "a command-line hint ({cli}) in: {said}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_promise_to_them_under_a_court_order_is_refused_and_one_kept_without_contact_is_recorded()
{
    let s = start().await;
    let id = under_court_order(&s).await;
    let due = in_days(30);

    // The form offers only the way without contact, chosen already, and says why.
    let page = s.get(&format!("/parties/{id}/commitments")).await;
    let form = &page.body[page.body.find(r#"id="pr-via""#).expect("the promise's way")..];
    let form = &form[..form.find("</select>").unwrap()];
    assert!(
        form.contains(r#"<option value="no-contact" selected>"#),
        "{form}"
    );
    assert!(!form.contains(r#"value="them""#), "{form}");
    assert!(page.body.contains("A court order is in place (R4)"));

    // Sent anyway (an old page, a hand-made request): refused, and nothing is kept.
    let r = s
        .post(
            &format!("/parties/{id}/commitments"),
            &[
                ("kind", "promise"),
                ("text", "Visit Sam at her flat"),
                ("due", due.as_str()),
                ("via", "them"),
            ],
        )
        .await;
    let said = refused(&r, "R4");
    assert!(said.contains("court order"), "{said}");
    assert!(r.body.contains(">Visit Sam at her flat</textarea>"));
    assert!(s.record(id).commitments.is_empty());

    // The same words recorded as kept without contact still describe reaching her.
    let r = s
        .post(
            &format!("/parties/{id}/commitments"),
            &[
                ("kind", "promise"),
                ("text", "Visit Sam at her flat"),
                ("due", due.as_str()),
                ("via", "no-contact"),
            ],
        )
        .await;
    refused(&r, "R4");
    assert!(s.record(id).commitments.is_empty());

    // A promise kept without any contact is recorded.
    let r = s
        .post(
            &format!("/parties/{id}/commitments"),
            &[
                ("kind", "promise"),
                ("text", "Stay away from her street"),
                ("due", due.as_str()),
                ("via", "no-contact"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let rec = s.record(id);
    assert_eq!(rec.commitments.len(), 1);
    assert_eq!(rec.commitments[0].reach, Reach::NoContact);
    let page = s.get(&format!("/parties/{id}/commitments")).await;
    assert!(page.body.contains("Kept without any contact with them."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restitution_paid_to_them_under_a_court_order_is_refused_and_one_through_the_court_is_kept()
 {
    let s = start().await;
    let id = under_court_order(&s).await;
    let today = today();

    let page = s.get(&format!("/parties/{id}/commitments")).await;
    let form = &page.body[page
        .body
        .find(r#"id="r-via""#)
        .expect("the restitution's way")..];
    let form = &form[..form.find("</select>").unwrap()];
    assert!(
        form.contains(r#"<option value="court" selected>"#),
        "{form}"
    );
    assert!(!form.contains(r#"value="them""#), "{form}");
    assert!(!form.contains(r#"value="heirs""#), "{form}");

    let starting = today.as_str();
    let restitution = move |via: &'static str| {
        [
            ("kind", "restitution"),
            ("amount", "300"),
            ("instalment", "50"),
            ("every", "monthly"),
            ("starting", starting),
            ("via", via),
        ]
    };
    let r = s
        .post(&format!("/parties/{id}/commitments"), &restitution("them"))
        .await;
    let said = refused(&r, "R4");
    assert!(said.contains("through the court"), "{said}");
    assert!(r.body.contains(r#"value="300""#));
    assert!(s.record(id).commitments.is_empty());

    let by_court = restitution("court");
    let r = s
        .post(&format!("/parties/{id}/commitments"), &by_court)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let rec = s.record(id);
    assert_eq!(rec.commitments.len(), 1);
    assert_eq!(rec.commitments[0].reach, Reach::Court);
    let page = s.get(&format!("/parties/{id}/commitments")).await;
    assert!(page.body.contains("Paid through the court."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_that_reaches_them_is_refused_and_the_note_stays_in_the_form() {
    let s = start().await;
    let id = under_court_order(&s).await;
    let today = today();
    let r = s
        .post(
            &format!("/parties/{id}/commitments"),
            &[
                ("kind", "restitution"),
                ("amount", "300"),
                ("instalment", ""),
                ("every", ""),
                ("starting", today.as_str()),
                ("via", "court"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let cid = s.record(id).commitments[0].id;

    // The payment form starts with the restitution's own way.
    let page = s.get(&format!("/parties/{id}/commitments")).await;
    let form = &page.body[page
        .body
        .find(&format!(r#"id="pay-via-{cid}""#))
        .expect("the payment's way")..];
    let form = &form[..form.find("</select>").unwrap()];
    assert!(
        form.contains(r#"<option value="court" selected>"#),
        "{form}"
    );

    let back = format!("/parties/{id}");
    let r = s
        .post(
            &format!("/commitments/{cid}/pay"),
            &[
                ("amount", "50"),
                ("on", today.as_str()),
                ("via", "them"),
                ("note", "the first of six"),
                ("back", back.as_str()),
            ],
        )
        .await;
    let said = refused(&r, "R4");
    assert!(said.contains("A payment to them directly"), "{said}");
    assert!(r.body.contains(r#"value="the first of six""#));

    // A note that tells of reaching her is refused too, and what was typed is still there.
    let r = s
        .post(
            &format!("/commitments/{cid}/pay"),
            &[
                ("amount", "50"),
                ("on", today.as_str()),
                ("via", "court"),
                ("note", "handed cash to Sam at her door"),
                ("back", back.as_str()),
            ],
        )
        .await;
    refused(&r, "R4");
    assert!(
        r.body.contains(r#"value="handed cash to Sam at her door""#),
        "the note is lost"
    );
    assert!(r.body.contains(r#"value="50""#));
    // From the home page's quick form too: the party's page, the form open with the reason.
    let r = s
        .post(
            &format!("/commitments/{cid}/pay"),
            &[
                ("amount", "50"),
                ("via", "them"),
                ("note", "handed cash to Sam at her door"),
                ("back", "/"),
            ],
        )
        .await;
    refused(&r, "R4");
    let rec = s.record(id);
    let CommitmentKind::Restitution { payments, .. } = &rec.commitments[0].kind else {
        panic!("a restitution")
    };
    assert!(payments.is_empty(), "nothing was paid");

    // Paid through the court, with a note that says so: recorded.
    let r = s
        .post(
            &format!("/commitments/{cid}/pay"),
            &[
                ("amount", "50"),
                ("on", today.as_str()),
                ("via", "court"),
                ("note", "paid in at the court office"),
                ("back", back.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location, back);
    let rec = s.record(id);
    assert_eq!(rec.commitments[0].balance().map(|b| b.minor), Some(25000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_in_that_tells_of_reaching_them_is_refused_and_kept_in_the_form() {
    let s = start().await;
    let id = under_court_order(&s).await;
    let today = today();
    let r = s
        .post(
            &format!("/parties/{id}/commitments"),
            &[
                ("kind", "living"),
                ("behaviour", "Keep to the other side of town."),
                ("every", "weekly"),
                ("starting", today.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let cid = s.record(id).commitments[0].id;
    let back = format!("/parties/{id}");
    let r = s
        .post(
            &format!("/commitments/{cid}/checkin"),
            &[
                ("kept", "no"),
                ("on", today.as_str()),
                ("note", "I went round to Sam at her flat"),
                ("back", back.as_str()),
            ],
        )
        .await;
    refused(&r, "R4");
    assert!(
        r.body
            .contains(r#"value="I went round to Sam at her flat""#)
    );
    let rec = s.record(id);
    let CommitmentKind::Living { checkins, .. } = &rec.commitments[0].kind else {
        panic!("a living amends")
    };
    assert!(checkins.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_that_sends_a_message_through_someone_else_is_refused_under_a_court_order() {
    let s = start().await;
    let id = under_court_order(&s).await;
    let r = s
        .post(
            &format!("/parties/{id}/plan"),
            &[
                ("version", ""),
                ("method", "indirect"),
                ("on", ""),
                ("place", ""),
                (
                    "script",
                    "I will ask her sister Kate to tell Sam I am sorry.",
                ),
            ],
        )
        .await;
    let said = refused(&r, "R4");
    assert!(said.contains("through someone else"), "{said}");
    assert!(
        r.body
            .contains(">I will ask her sister Kate to tell Sam I am sorry.</textarea>")
    );
    assert!(s.record(id).plan.is_none());

    // An indirect amends that carries no message to her is open.
    let r = s
        .post(
            &format!("/parties/{id}/plan"),
            &[
                ("version", ""),
                ("method", "indirect"),
                ("on", ""),
                ("place", ""),
                ("script", "Give a month of Saturdays to the shelter."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(s.record(id).plan.map(|p| p.method), Some(Method::Indirect));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_or_attempt_that_reaches_them_waits_for_the_safety_questions() {
    let s = start().await;
    let id = s.add_person_with_harm("Robin Hale", HARM).await;
    let r = s
        .post(
            &format!("/parties/{id}/plan"),
            &[
                ("version", ""),
                ("method", "face-to-face"),
                ("on", ""),
                ("place", "the cafe"),
                ("script", "Robin, I was wrong about the window."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let said = alerts(&r.body);
    plain(&said);
    assert!(
        said.contains("The safety questions have not been answered"),
        "{said}"
    );
    assert!(said.contains(r##"<a href="#safety">"##), "{said}");
    assert!(r.body.contains(r#"value="the cafe""#));
    assert!(s.record(id).plan.is_none());

    let r = s
        .post(
            &format!("/parties/{id}/attempt"),
            &[
                ("on", today().as_str()),
                ("method", "phone"),
                ("outcome", "warm"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(alerts(&r.body).contains("safety questions"));
    assert!(s.record(id).attempts.is_empty());

    // Once answered, the plan is accepted.
    s.answer_safety(id, &[]).await;
    let r = s
        .post(
            &format!("/parties/{id}/plan"),
            &[
                ("version", ""),
                ("method", "face-to-face"),
                ("on", ""),
                ("place", "the cafe"),
                ("script", "Robin, I was wrong about the window."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_amends_that_reaches_them_needs_a_harm_named_first() {
    let s = start().await;
    let id = s.add_person("Lee Orme").await;
    s.answer_safety(id, &[]).await;
    let r = s
        .post(
            &format!("/parties/{id}/attempt"),
            &[
                ("on", today().as_str()),
                ("method", "letter"),
                ("outcome", "warm"),
                ("notes", "She was kind about it."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let said = alerts(&r.body);
    plain(&said);
    assert!(said.contains("Name what you did first"), "{said}");
    assert!(said.contains(r##"<a href="#harms">"##), "{said}");
    assert!(r.body.contains(">She was kind about it.</textarea>"));
    assert!(s.record(id).attempts.is_empty());

    let r = s
        .post(
            &format!("/parties/{id}/plan"),
            &[
                ("version", ""),
                ("method", "letter"),
                ("on", ""),
                ("place", ""),
                ("script", "Dear Lee,"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(alerts(&r.body).contains("Name what you did first"));
    assert!(s.record(id).plan.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attempt_with_legal_risk_needs_a_lawyer_or_a_decision_first() {
    let s = start().await;
    let id = s.add_person_with_harm("Dale Rook", HARM).await;
    s.answer_safety(id, &["legal-risk"]).await;
    let today = today();
    let r = s
        .post(
            &format!("/parties/{id}/attempt"),
            &[
                ("on", today.as_str()),
                ("method", "letter"),
                ("outcome", "warm"),
            ],
        )
        .await;
    let said = refused(&r, "R3");
    assert!(said.contains("lawyer"), "{said}");
    assert!(s.record(id).attempts.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_name_asks_whether_it_is_the_same_person() {
    let s = start().await;
    let sam = under_court_order(&s).await;

    let r = s
        .post("/parties", &[("name", "sam  quill"), ("kind", "person")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains(&format!(
            r#"Is this the same person as <a href="/parties/{sam}">entry {sam} (Sam Quill)</a>?"#
        )),
        "{}",
        r.body
    );
    assert!(r.body.contains("No, someone else: add them"));
    assert!(r.body.contains(r#"name="another" value="yes""#));
    plain(&alerts(&r.body));
    let listed = || s.records().len();
    assert_eq!(listed(), 1, "nothing was added");

    // "No, someone else": the form's own fields sent again with another=yes.
    let r = s
        .post(
            "/parties",
            &[
                ("name", "sam  quill"),
                ("kind", "person"),
                ("another", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(listed(), 2);

    // A rename to a name on the list asks the same.
    let jo = s.add_person("Jo Pike").await;
    let edit = [
        ("name", "SAM QUILL"),
        ("kind", "person"),
        ("relationship", ""),
        ("notes", ""),
    ];
    let r = s.post(&format!("/parties/{jo}/edit"), &edit).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains(&format!(
            r#"Is this the same person as <a href="/parties/{sam}">entry {sam} (Sam Quill)</a>?"#
        )),
        "{}",
        r.body
    );
    assert!(r.body.contains("No, someone else: keep the new name"));
    assert_eq!(s.record(jo).party.name, "Jo Pike");
    let mut again = edit.to_vec();
    again.push(("another", "yes"));
    let r = s.post(&format!("/parties/{jo}/edit"), &again).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(s.record(jo).party.name, "SAM QUILL");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_former_name_is_the_same_person_too() {
    let s = start().await;
    let sam = under_court_order(&s).await;
    let r = s
        .post(
            &format!("/parties/{sam}/edit"),
            &[
                ("name", "Samantha Quill"),
                ("kind", "person"),
                ("relationship", ""),
                ("notes", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let r = s
        .post("/parties", &[("name", "Sam Quill"), ("kind", "person")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains(&format!(
            r#"Is this the same person as <a href="/parties/{sam}">entry {sam} (Samantha Quill)</a>?"#
        )),
        "{}",
        r.body
    );
    assert!(
        r.body.contains(r#"listed as "Sam Quill" before a rename"#),
        "{}",
        alerts(&r.body)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifting_a_court_order_takes_a_reason_and_a_confirmation() {
    let s = start().await;
    let id = under_court_order(&s).await;

    let page = s.get(&format!("/parties/{id}/safety")).await;
    assert!(page.body.contains(r#"name="reason""#));
    assert!(page.body.contains("This truly no longer holds"));

    let lift = |reason: &'static str, confirm: bool| {
        let mut fields: Vec<(&str, &str)> = amends_core::rules::SAFETY_QUESTIONS
            .iter()
            .map(|q| (*q, "no"))
            .collect();
        fields.push(("legal_decision", ""));
        fields.push(("reason", reason));
        if confirm {
            fields.push(("confirm", "yes"));
        }
        fields
    };
    let r = s
        .post(&format!("/parties/{id}/safety"), &lift("", false))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(r#"id="reason-error""#), "{}", r.body);
    assert!(r.body.contains(r#"id="confirm-error""#));
    assert!(s.record(id).safety.unwrap().answers.court_order);

    // A reason without the confirmation is not enough, and the reason stays in the form.
    let r = s
        .post(
            &format!("/parties/{id}/safety"),
            &lift("The order ended on 1 March.", false),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(">The order ended on 1 March.</textarea>"));
    assert!(!r.body.contains(r#"id="reason-error""#));
    assert!(r.body.contains(r#"id="confirm-error""#));
    assert!(s.record(id).safety.unwrap().answers.court_order);

    let r = s
        .post(
            &format!("/parties/{id}/safety"),
            &lift("The order ended on 1 March.", true),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let rec = s.record(id);
    let safety = rec.safety.expect("answers");
    assert!(!safety.answers.court_order);
    assert_eq!(safety.reason, "The order ended on 1 March.");
    let page = s.get(&format!("/parties/{id}/safety")).await;
    assert!(
        page.body
            .contains("Why an answer was lifted: The order ended on 1 March.")
    );
    // Nothing protecting is in force now, so the page no longer asks.
    assert!(!page.body.contains("This truly no longer holds"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deferral_is_looked_at_again_within_a_year() {
    let s = start().await;
    let id = s.add_person_with_harm("Kit Marsh", HARM).await;
    // The date field names the furthest day allowed as its example.
    let page = s.get(&format!("/parties/{id}/plan")).await;
    let latest = amends_core::rules::latest_review(jiff::Zoned::now().date());
    assert!(
        page.body.contains(&format!(
            r#"id="d-review-hint">Day, month and year, e.g. {}<"#,
            latest.strftime("%-d %B %Y")
        )),
        "{}",
        page.body
    );

    let r = s
        .post(
            &format!("/parties/{id}/defer"),
            &[
                ("reason", "Not until I have six months sober."),
                ("review_on", "2999-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(r#"id="review_on-error""#));
    assert!(r.body.contains("more than a year away"), "{}", r.body);
    assert!(
        r.body
            .contains(">Not until I have six months sober.</textarea>")
    );
    assert!(s.record(id).deferrals.is_empty());

    let r = s
        .post(
            &format!("/parties/{id}/defer"),
            &[
                ("reason", "Not until I have six months sober."),
                ("review_on", in_days(180).as_str()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(s.record(id).deferrals.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_on_a_settled_restitution_says_so_in_its_card() {
    let s = start().await;
    let id = s.add_person_with_harm("Pat Lowe", HARM).await;
    s.answer_safety(id, &[]).await;
    let today = today();
    let r = s
        .post(
            &format!("/parties/{id}/commitments"),
            &[
                ("kind", "restitution"),
                ("amount", "10"),
                ("instalment", ""),
                ("every", ""),
                ("starting", today.as_str()),
                ("via", "them"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let cid = s.record(id).commitments[0].id;
    let back = format!("/parties/{id}");
    let pay = [("amount", "10"), ("back", back.as_str())];
    let r = s.post(&format!("/commitments/{cid}/pay"), &pay).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The same payment sent again (a second click, another window): said, not lost.
    let r = s.post(&format!("/commitments/{cid}/pay"), &pay).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let said = alerts(&r.body);
    assert!(
        said.contains("This restitution is already settled"),
        "{said}"
    );
    plain(&said);
    let rec = s.record(id);
    let CommitmentKind::Restitution { payments, .. } = &rec.commitments[0].kind else {
        panic!("a restitution")
    };
    assert_eq!(payments.len(), 1);
}

/// The safety form asks what can apply to this kind of party, shows what is known as known
/// (with where it comes from) and says why each question matters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_safety_form_asks_only_what_applies_to_the_kind_and_shows_what_is_known() {
    let s = start().await;
    let org = s
        .add_party(&[
            ("name", "Acme Hardware"),
            ("kind", "organisation"),
            ("did", HARM),
        ])
        .await;
    let page = s.get(&format!("/parties/{org}/safety")).await;
    assert!(
        page.body.contains(r#"name="court-order""#),
        "the court order is asked"
    );
    assert!(page.body.contains(r#"name="unreachable""#));
    for never in ["child", "family", "deceased", "affair"] {
        assert!(
            !page.body.contains(&format!(r#"name="{never}""#)),
            "{never} asked of an organisation"
        );
    }
    assert!(page.body.contains("Not asked of an organisation"));
    assert!(page.body.contains("an organisation is not a child"));
    assert!(
        page.body
            .contains("Why it matters: A court order means no contact of any kind")
    );

    let dead = s
        .add_party(&[("name", "Mrs Alvarez"), ("kind", "deceased"), ("did", HARM)])
        .await;
    let page = s.get(&format!("/parties/{dead}/safety")).await;
    assert!(
        !page.body.contains(r#"name="deceased""#),
        "have they died? is not asked"
    );
    assert!(!page.body.contains(r#"name="unreachable""#));
    assert!(page.body.contains("Already known"));
    assert!(page.body.contains("recorded as someone who has died"));
    assert!(page.body.contains(r#"name="family""#));
    // A "yes" to a question that is not asked, sent by hand, is not read: nothing is kept.
    s.answer_safety(org, &[]).await;
    let r = s
        .post(
            &format!("/parties/{org}/safety"),
            &[("court-order", "no"), ("child", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "not asked: not read");
    assert!(!s.record(org).safety.unwrap().answers.child);
}

/// An organisation that turns out to be a person is asked what now applies, and nothing that
/// reaches them can be recorded meanwhile; answering completes it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kind_changed_is_asked_again_and_nothing_reaches_them_until_it_is_answered() {
    let s = start().await;
    let id = s
        .add_party(&[
            ("name", "Dale Brennan"),
            ("kind", "organisation"),
            ("did", HARM),
        ])
        .await;
    s.answer_safety(id, &[]).await;
    let r = s
        .post(
            &format!("/parties/{id}/edit"),
            &[
                ("name", "Dale Brennan"),
                ("kind", "person"),
                ("relationship", ""),
                ("notes", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let attempt = [
        ("on", today()),
        ("kind", "words".to_string()),
        ("method", "face-to-face".to_string()),
        ("outcome", "warm".to_string()),
    ];
    let fields: Vec<(&str, &str)> = attempt.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = s.post(&format!("/parties/{id}/attempt"), &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let said = alerts(&r.body);
    assert!(said.contains("whether they are a child"), "{said}");
    plain(&said);
    assert!(s.record(id).attempts.is_empty());

    let page = s.get(&format!("/parties/{id}/safety")).await;
    assert!(
        page.body.contains("new questions apply"),
        "the form says so"
    );
    assert!(page.body.contains(r#"name="child""#));
    // Left open, a new question must be answered.
    let r = s
        .post(&format!("/parties/{id}/safety"), &[("court-order", "no")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Choose yes or no for this one"));
    s.answer_safety(id, &[]).await;
    let r = s.post(&format!("/parties/{id}/attempt"), &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(s.record(id).attempts.len(), 1);
}

/// Paying back face to face, planned and approved that way, is recorded; the same payment in
/// person under a court order is refused (R4), and a channel on an amends that reaches no one
/// is refused before any rule.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restitution_paid_face_to_face_under_an_approved_plan_is_recorded() {
    let s = start().await;
    let id = s.add_person_with_harm("Rosa Lind", HARM).await;
    s.answer_safety(id, &["my-safety"]).await;
    let on = today();
    let r = s
        .post(
            &format!("/parties/{id}/plan"),
            &[
                ("kind", "restitution"),
                ("method", "face-to-face"),
                ("script", "I owe you for the window; here it is."),
                ("on", ""),
                ("place", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let plan = s.record(id).plan.unwrap();
    assert_eq!(plan.method, Method::Restitution);
    assert_eq!(plan.channel, Some(amends_core::model::Channel::FaceToFace));
    let r = s
        .post(
            &format!("/parties/{id}/consult"),
            &[
                ("with", "sponsor"),
                ("on", on.as_str()),
                ("advice", "Go and pay it."),
                ("approved", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let pay = |how: &'static str| {
        [
            ("on", on.clone()),
            ("kind", "restitution".to_string()),
            ("method", how.to_string()),
            ("outcome", "done".to_string()),
        ]
    };
    let fields = pay("transfer");
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let said = refused(&s.post(&format!("/parties/{id}/attempt"), &f).await, "R2");
    assert!(said.contains("restitution, face to face"), "{said}");
    let fields = pay("face-to-face");
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = s.post(&format!("/parties/{id}/attempt"), &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let rec = s.record(id);
    assert_eq!(rec.attempts.len(), 1);
    assert_eq!(rec.attempts[0].way().label(), "restitution, face to face");

    // Under a court order, paying in person is refused by its channel.
    let other = under_court_order(&s).await;
    let r = s.post(&format!("/parties/{other}/attempt"), &f).await;
    refused(&r, "R4");
    assert!(s.record(other).attempts.is_empty());
    // A living amends has no channel.
    let bad = [
        ("on", on.as_str()),
        ("kind", "living"),
        ("method", "phone"),
        ("outcome", "done"),
    ];
    let r = s.post(&format!("/parties/{other}/attempt"), &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("reaches no one, so it goes through no channel")
    );
}
