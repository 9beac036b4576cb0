//! The web app under attack, in a real headless Chromium: a corpus of script-injection payloads
//! (`tests/attack/payloads.txt`, one a line) typed into every text field the app stores,
//! through the app's own forms (posted from the page, with its CSRF token), a spreadsheet of
//! them through the import page, and a share from a contact that carries them too; then every
//! GET page of the router's own table is opened, and on each: no dialog opened, no payload's
//! marker global set, no element carrying a payload's `data-xss` attribute, no CSP violation,
//! no `<script>` but the app's two files, no event handler attribute and no `javascript:`
//! address anywhere, and the payloads shown as text. The import preview and the htmx swap
//! that reads it again get the same checks, and so do the party pages after the coach's htmx
//! request (fired on load) is answered.
//!
//! Every payload, had it worked, would set `window.__amends_xss` or put an element with a
//! `data-xss` attribute into the page: the test looks for both, and first proves on a control
//! (markup put in by hand) that its detectors see such things.
//!
//! Bounded run (in the test command): three parties, the payloads dealt round-robin over the
//! text fields, so every field of a party holds three payloads and every payload lands in at
//! least one field. `AMENDS_LONG=1`: as many parties as payloads, field `f` of party `r`
//! getting payload `r + f`, so every payload goes into every field of a party (the fields
//! outside a party, such as the crisis line or a contact's name, stay round-robin).
//!
//! Completeness: the vault is exported through the app's export route and walked as JSON.
//! Every place of it (`parties[].harms[].effect`) not in `NOT_TYPED` (with the reason) must
//! hold a payload somewhere, every non-empty string there must be one, and every text
//! property of the export's schema must have been seen: a new text field that the seeding here
//! does not fill fails the test. Contacts, notes on shared lists and received shares are not
//! in the export; they are filled here all the same.

use crate::browser_support::{self, Ui};
use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use amends_core::model::CommitmentKind;
use fantoccini::Locator;
use serde_json::{Value as Json, json};

/// The corpus, checked in.
const CORPUS: &str = include_str!("attack/payloads.txt");

fn corpus() -> Vec<String> {
    CORPUS
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Places in the export (`parties[].harms[].kinds[]` style) that hold no text a person types,
/// with the reason. Every other string must hold a payload.
const NOT_TYPED: &[(&str, &str)] = &[
    ("format", "the export format's fixed name"),
    ("exported_at", "a timestamp the app writes"),
    (
        "gates_since",
        "a timestamp the app writes when a vault with facts is brought up to date",
    ),
    ("settings.fellowship", "a code chosen from a list"),
    ("settings.currency", "a code chosen from a list"),
    ("settings.language", "a code chosen from a list"),
    (
        "settings.relay",
        "an address that must be a working relay (checked when saved)",
    ),
    ("parties[].kind", "a code chosen from a list"),
    ("parties[].created", "a timestamp the app writes"),
    ("parties[].set_asides[].reason", "a code chosen from a list"),
    ("parties[].set_asides[].at", "a timestamp the app writes"),
    ("parties[].set_asides[].restored_at", "a timestamp"),
    ("parties[].harms[].kinds[]", "codes chosen from a list"),
    ("parties[].harms[].source", "a code chosen from a list"),
    ("parties[].harms[].recorded", "a timestamp the app writes"),
    (
        "parties[].harms[].owed.currency",
        "a code chosen from a list",
    ),
    (
        "parties[].harms[].set_asides[].reason",
        "a code chosen from a list",
    ),
    (
        "parties[].harms[].set_asides[].at",
        "a timestamp the app writes",
    ),
    ("parties[].harms[].set_asides[].restored_at", "a timestamp"),
    ("parties[].willingness[].level", "a code chosen from a list"),
    ("parties[].willingness[].at", "a timestamp the app writes"),
    ("parties[].safety[].answered", "a timestamp the app writes"),
    (
        "parties[].consultations[].with",
        "a code chosen from a list",
    ),
    ("parties[].consultations[].on", "a date (a date field)"),
    ("parties[].consultations[].recorded", "a timestamp"),
    ("parties[].plans[].method", "a code chosen from a list"),
    ("parties[].plans[].kind", "a code chosen from a list"),
    ("parties[].plans[].channel", "a code chosen from a list"),
    (
        "parties[].safety[].asked[]",
        "codes of the questions the form asked",
    ),
    ("parties[].plans[].on", "a date (a date field)"),
    ("parties[].plans[].updated", "a timestamp the app writes"),
    ("parties[].consents[].on", "a date (a date field)"),
    ("parties[].consents[].recorded", "a timestamp"),
    ("parties[].deferrals[].review_on", "a date (a date field)"),
    ("parties[].deferrals[].recorded", "a timestamp"),
    ("parties[].deferrals[].ended", "a timestamp"),
    ("parties[].attempts[].on", "a date (a date field)"),
    ("parties[].attempts[].method", "a code chosen from a list"),
    ("parties[].attempts[].kind", "a code chosen from a list"),
    ("parties[].attempts[].channel", "a code chosen from a list"),
    ("parties[].attempts[].outcome", "a code chosen from a list"),
    ("parties[].attempts[].recorded", "a timestamp"),
    ("parties[].commitments[].kind", "a code chosen from a list"),
    ("parties[].commitments[].amount.currency", "a code"),
    (
        "parties[].commitments[].changes[].fact",
        "a code the app writes",
    ),
    (
        "parties[].commitments[].changes[].change",
        "a code the app writes",
    ),
    (
        "parties[].commitments[].changes[].at",
        "a timestamp the app writes",
    ),
    (
        "parties[].commitments[].changes[].previous.on",
        "a date (a date field)",
    ),
    (
        "parties[].commitments[].changes[].previous.amount.currency",
        "a code",
    ),
    (
        "parties[].commitments[].changes[].previous.via",
        "a code chosen from a list",
    ),
    (
        "parties[].commitments[].changes[].previous.recorded",
        "a timestamp the app writes",
    ),
    ("parties[].commitments[].instalment.currency", "a code"),
    ("parties[].commitments[].every", "a code chosen from a list"),
    ("parties[].commitments[].starting", "a date (a date field)"),
    ("parties[].commitments[].due", "a date (a date field)"),
    ("parties[].commitments[].recorded", "a timestamp"),
    (
        "parties[].commitments[].via",
        "a code chosen from a list (how it reaches them)",
    ),
    (
        "parties[].commitments[].payments[].via",
        "a code chosen from a list (how it was paid)",
    ),
    (
        "parties[].commitments[].payments[].recorded",
        "a timestamp the app writes",
    ),
    (
        "parties[].commitments[].checkins[].recorded",
        "a timestamp the app writes",
    ),
    (
        "parties[].commitments[].payments[].on",
        "a date (a date field)",
    ),
    (
        "parties[].commitments[].payments[].amount.currency",
        "a code",
    ),
    (
        "parties[].commitments[].checkins[].on",
        "a date (a date field)",
    ),
    (
        "parties[].commitments[].closed.how",
        "a code chosen from a list",
    ),
    ("parties[].commitments[].closed.on", "a date (a date field)"),
    (
        "parties[].edits[].replaced_at",
        "a timestamp the app writes",
    ),
    (
        "parties[].edits[].previous.kind",
        "a code chosen from a list",
    ),
    (
        "parties[].edits[].previous.kinds[]",
        "codes chosen from a list",
    ),
    (
        "parties[].edits[].previous.source",
        "a code chosen from a list",
    ),
    (
        "parties[].edits[].previous.when",
        "see the harm's own `when`",
    ),
];

/// Hands out payloads: round-robin over the corpus, from `next`.
struct Dealer {
    payloads: Vec<String>,
    next: usize,
    used: BTreeSet<usize>,
}

impl Dealer {
    fn p(&mut self) -> String {
        let i = self.next % self.payloads.len();
        self.next += 1;
        self.used.insert(i);
        self.payloads[i].clone()
    }

    /// A payload for a name: names refuse a character that turns the direction of the text
    /// (party names, contacts, and the others involved in a harm, whose consent is asked for
    /// by name; `crates/cli/tests/import_csv.rs` tests the refusal), so those are left out.
    fn name(&mut self) -> String {
        self.p()
            .chars()
            .filter(|c| !amends_core::text::is_direction_control(*c))
            .collect()
    }
}

/// Posts a form from the page that is open, as its own form would: `_csrf` from the page,
/// then `fields`. Expects the 303 of a change saved; anything else fails with the answer.
async fn post(ui: &Ui, path: &str, fields: &[(&str, String)]) {
    let pairs: Vec<Json> = fields.iter().map(|(k, v)| json!([k, v])).collect();
    let answer = ui
        .client
        .execute_async(
            r#"const [path, pairs, done] = arguments;
            const body = new URLSearchParams();
            body.append('_csrf', document.body.dataset.csrf);
            for (const [k, v] of pairs) body.append(k, v);
            fetch(path, { method: 'POST', body, redirect: 'manual' })
              .then(async r => done([r.status, r.type, r.type === 'opaqueredirect' ? '' : await r.text()]))
              .catch(e => done([-1, 'error', String(e)]));"#,
            vec![json!(path), Json::Array(pairs)],
        )
        .await
        .unwrap_or_else(|e| panic!("POST {path} could not be sent: {e}"));
    assert_eq!(
        answer[1],
        "opaqueredirect",
        "POST {path} was not saved ({}):\n{}",
        answer[0],
        problems(answer[2].as_str().unwrap_or_default())
    );
}

/// What a refused form says: its refusals and field errors, without the rest of the page.
fn problems(html: &str) -> String {
    let mut out = Vec::new();
    for mark in ["role=\"alert\"", "class=\"error\""] {
        let mut at = 0;
        while let Some(p) = html[at..].find(mark) {
            let p = at + p;
            let end = html[p..].find("</").map_or(html.len(), |e| p + e);
            out.push(html[p..end].to_string());
            at = end;
        }
    }
    out.join("\n")
}

/// Uploads `bytes` as the file of the form at `path` (multipart, `_csrf` first).
async fn upload(ui: &Ui, path: &str, bytes: &[u8]) {
    let answer = ui
        .client
        .execute_async(
            r#"const [path, bytes, done] = arguments;
            const form = new FormData();
            form.append('_csrf', document.body.dataset.csrf);
            form.append('file', new Blob([new Uint8Array(bytes)]), 'share.amends-share');
            fetch(path, { method: 'POST', body: form, redirect: 'manual' })
              .then(async r => done([r.status, r.type, r.type === 'opaqueredirect' ? '' : await r.text()]))
              .catch(e => done([-1, 'error', String(e)]));"#,
            vec![json!(path), json!(bytes)],
        )
        .await
        .unwrap_or_else(|e| panic!("the upload to {path} could not be sent: {e}"));
    assert!(
        answer[1] == "opaqueredirect" || answer[0] == 200,
        "the upload to {path} was refused ({}):\n{}",
        answer[0],
        problems(answer[2].as_str().unwrap_or_default())
    );
}

/// GETs `path` from the page and gives back its text.
async fn fetch_text(ui: &Ui, path: &str) -> String {
    let answer = ui
        .client
        .execute_async(
            r#"const [path, done] = arguments;
            fetch(path).then(r => r.text()).then(done).catch(e => done('ERROR ' + e));"#,
            vec![json!(path)],
        )
        .await
        .unwrap_or_else(|e| panic!("GET {path} could not be sent: {e}"));
    answer.as_str().unwrap_or_default().to_string()
}

fn records(ui: &Ui) -> Vec<amends_core::model::PartyRecord> {
    ui.app()
        .read(|v| v.records())
        .expect("the vault is open")
        .expect("the records")
}

/// Everything about one party, through the party page's forms, every text field a payload.
async fn seed_party(ui: &Ui, d: &mut Dealer, today: &str, soon: &str) -> i64 {
    let s = |x: &str| x.to_string();
    post(
        ui,
        "/parties",
        &[
            ("name", d.name()),
            ("kind", s("person")),
            ("relationship", d.p()),
            ("notes", d.p()),
        ],
    )
    .await;
    let id = records(ui)
        .iter()
        .map(|r| r.party.id)
        .max()
        .expect("a party");
    let at = |rest: &str| format!("/parties/{id}{rest}");
    // Edited once, so the edit history holds the first words too.
    post(
        ui,
        &at("/edit"),
        &[
            ("name", d.name()),
            ("kind", s("person")),
            ("relationship", d.p()),
            ("notes", d.p()),
        ],
    )
    .await;
    let harm_fields = |d: &mut Dealer| {
        vec![
            ("did", d.p()),
            ("should", d.p()),
            ("effect", d.p()),
            ("kinds", s("financial")),
            ("when", d.p()),
            ("owed", s("")),
            ("property", d.p()),
            ("third_parties", d.name()),
        ]
    };
    post(ui, &at("/harms"), &harm_fields(d)).await;
    let harm = records(ui)
        .iter()
        .find(|r| r.party.id == id)
        .and_then(|r| r.harms.first().map(|h| h.id))
        .expect("the harm");
    let edited = harm_fields(d);
    post(ui, &at(&format!("/harms/{harm}/edit")), &edited).await;
    // The one other person involved: their consent is asked for by name, below.
    let involved = edited
        .iter()
        .find(|(k, _)| *k == "third_parties")
        .map(|(_, v)| v.clone())
        .expect("the people involved");
    post(
        ui,
        &at(&format!("/harms/{harm}/aside")),
        &[("reason", s("other")), ("note", d.p())],
    )
    .await;
    post(ui, &at(&format!("/harms/{harm}/restore")), &[]).await;
    post(
        ui,
        &at("/willingness"),
        &[("level", s("now")), ("note", d.p())],
    )
    .await;
    let mut safety: Vec<(&str, String)> = [
        "court-order",
        "asked-no-contact",
        "abused-them",
        "harmed-me",
        "legal-risk",
        "affair",
        "my-safety",
        "deceased",
        "unreachable",
        "child",
        "family",
    ]
    .iter()
    .map(|q| (*q, s("no")))
    .collect();
    safety.push(("third-parties", s("yes")));
    safety.push(("legal_decision", d.p()));
    post(ui, &at("/safety"), &safety).await;
    // A court order answered, then lifted with a reason and a confirmation: the reason is kept
    // in the history of the answers.
    let order: Vec<(&str, String)> = safety
        .iter()
        .map(|(q, a)| {
            (
                *q,
                if *q == "court-order" {
                    s("yes")
                } else {
                    a.clone()
                },
            )
        })
        .collect();
    post(ui, &at("/safety"), &order).await;
    let mut lift = safety.clone();
    lift.push(("reason", d.p()));
    lift.push(("confirm", s("yes")));
    post(ui, &at("/safety"), &lift).await;
    post(
        ui,
        &at("/plan"),
        &[
            ("method", s("letter")),
            ("script", d.p()),
            ("on", s("")),
            ("place", d.p()),
        ],
    )
    .await;
    post(
        ui,
        &at("/consent"),
        &[
            ("who", involved.clone()),
            ("given", s("yes")),
            ("on", s(today)),
            ("note", d.p()),
        ],
    )
    .await;
    // Approved after the plan is made, so the attempt below is allowed.
    post(
        ui,
        &at("/consult"),
        &[
            ("with", s("sponsor")),
            ("name", d.name()),
            ("on", s(today)),
            ("advice", d.p()),
            ("approved", s("yes")),
        ],
    )
    .await;
    post(
        ui,
        &at("/defer"),
        &[("reason", d.p()), ("review_on", s(soon))],
    )
    .await;
    post(ui, &at("/resume"), &[]).await;
    post(
        ui,
        &at("/attempt"),
        &[
            ("on", s(today)),
            ("method", s("letter")),
            ("outcome", s("warm")),
            ("requests", d.p()),
            ("before", d.p()),
            ("after", d.p()),
            ("notes", d.p()),
            ("revealed", d.p()),
        ],
    )
    .await;
    post(
        ui,
        &at("/commitments"),
        &[("kind", s("promise")), ("text", d.p()), ("due", s(soon))],
    )
    .await;
    post(
        ui,
        &at("/commitments"),
        &[
            ("kind", s("living")),
            ("behaviour", d.p()),
            ("every", s("daily")),
            ("starting", s(today)),
        ],
    )
    .await;
    post(
        ui,
        &at("/commitments"),
        &[
            ("kind", s("restitution")),
            ("amount", s("100")),
            ("instalment", s("10")),
            ("every", s("monthly")),
            ("starting", s(today)),
        ],
    )
    .await;
    let commitments: Vec<(i64, &'static str)> = records(ui)
        .iter()
        .find(|r| r.party.id == id)
        .expect("the party")
        .commitments
        .iter()
        .map(|c| {
            let kind = match c.kind {
                CommitmentKind::Restitution { .. } => "restitution",
                CommitmentKind::Living { .. } => "living",
                CommitmentKind::Promise { .. } => "promise",
            };
            (c.id, kind)
        })
        .collect();
    for (c, kind) in commitments {
        match kind {
            "restitution" => {
                post(
                    ui,
                    &format!("/commitments/{c}/pay"),
                    &[
                        ("amount", s("5")),
                        ("on", s(today)),
                        ("note", d.p()),
                        ("back", s("/")),
                    ],
                )
                .await
            }
            "living" => {
                post(
                    ui,
                    &format!("/commitments/{c}/checkin"),
                    &[
                        ("kept", s("yes")),
                        ("on", s(today)),
                        ("note", d.p()),
                        ("back", s("/")),
                    ],
                )
                .await
            }
            _ => {}
        }
    }
    // A payment corrected and a check-in removed: the reasons are typed, and what they said
    // before is kept in the history.
    let (mut paid, mut checked) = (Vec::new(), Vec::new());
    for r in records(ui).iter().filter(|r| r.party.id == id) {
        for c in &r.commitments {
            match &c.kind {
                CommitmentKind::Restitution { payments, .. } => {
                    paid.extend(payments.iter().map(|p| p.id))
                }
                CommitmentKind::Living { checkins, .. } => {
                    checked.extend(checkins.iter().map(|c| c.id))
                }
                CommitmentKind::Promise { .. } => {}
            }
        }
    }
    for p in paid {
        post(
            ui,
            &format!("/payments/{p}/correct"),
            &[
                ("amount", s("6")),
                ("on", s(today)),
                ("note", d.p()),
                ("reason", d.p()),
            ],
        )
        .await;
    }
    for c in checked {
        post(ui, &format!("/checkins/{c}/remove"), &[("reason", d.p())]).await;
    }
    post(
        ui,
        &at("/aside"),
        &[("reason", s("other")), ("note", d.p())],
    )
    .await;
    post(ui, &at("/restore"), &[]).await;
    id
}

/// A share from a contact whose words are payloads too: what another person sends is the most
/// foreign text the app shows. Sealed here, in the test, as the contact's app would.
fn share_from(
    friend: &amends_share::Identity,
    me: &amends_share::PublicKeys,
    d: &mut Dealer,
) -> Vec<u8> {
    use amends_share::document::{
        Body, Document, KeysOut, Part, ShareBody, SharedHarm, SharedParty, SharedPlan,
    };
    let keys = |k: &amends_share::PublicKeys| KeysOut {
        age: k.age_recipient(),
        sign: k.sign_key_hex(),
    };
    let now = browser_support::now();
    let doc = Document {
        from: keys(&friend.public()),
        to: keys(me),
        sequence: 1,
        created: now.at,
        app: "test".into(),
        body: Body::Share(ShareBody {
            whole_list: true,
            parts: vec![Part::Harms, Part::Plans, Part::Scripts],
            fellowship: "aa".into(),
            parties: vec![SharedParty {
                id: 1,
                name: d.p(),
                kind: "person".into(),
                relationship: d.p(),
                stage: "planned".into(),
                stage_reason: d.p(),
                willingness: Some("now".into()),
                harms: Some(vec![SharedHarm {
                    did: d.p(),
                    ..SharedHarm::default()
                }]),
                plan: Some(SharedPlan {
                    version: now.at.to_string(),
                    method: "letter".into(),
                    script: Some(d.p()),
                    ..SharedPlan::default()
                }),
                ..SharedParty::default()
            }],
        }),
    };
    amends_share::seal(&doc, friend, me).expect("the share is sealed")
}

/// Where a string sits in the export, with array positions left out: `parties[].name`.
fn walk(value: &Json, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Json::String(text) => out.push((at.to_string(), text.clone())),
        Json::Array(items) => {
            for item in items {
                walk(item, &format!("{at}[]"), out);
            }
        }
        Json::Object(fields) => {
            for (k, v) in fields {
                let here = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                walk(v, &here, out);
            }
        }
        _ => {}
    }
}

/// The last property name of a place: `parties[].harms[].kinds[]` is `kinds`.
fn last_name(at: &str) -> String {
    at.rsplit('.')
        .next()
        .unwrap_or(at)
        .trim_end_matches("[]")
        .to_string()
}

/// The names of every property of the schema that can hold text (a string, or a list of them).
fn string_properties(schema: &Json, out: &mut BTreeSet<String>) {
    fn is_text(s: &Json) -> bool {
        let t = &s["type"];
        let text =
            |t: &Json| t == "string" || t.as_array().is_some_and(|a| a.contains(&json!("string")));
        text(t)
            || (t == "array" && is_text(&s["items"]))
            || t.as_array()
                .is_some_and(|a| a.contains(&json!("array")) && is_text(&s["items"]))
    }
    match schema {
        Json::Object(map) => {
            if let Some(Json::Object(props)) = map.get("properties") {
                for (name, p) in props {
                    if is_text(p) {
                        out.insert(name.clone());
                    }
                }
            }
            for v in map.values() {
                string_properties(v, out);
            }
        }
        Json::Array(items) => {
            for v in items {
                string_properties(v, out);
            }
        }
        _ => {}
    }
}

/// The probe with the app's own scripts, at their versioned addresses, filled in.
fn probe_script() -> String {
    let own = json!([
        amends_web::assets::url("htmx.min.js"),
        amends_web::assets::url("app.js")
    ]);
    PROBE.replace("OWN_SCRIPTS", &own.to_string())
}

/// What a page holds, read in the browser after it loaded (and its htmx requests finished).
const PROBE: &str = r#"
const own = OWN_SCRIPTS;
const scripts = [...document.querySelectorAll('script')]
  .map(s => s.getAttribute('src') || ('inline: ' + s.textContent.slice(0, 60)))
  .filter(s => !own.includes(s));
const all = [...document.querySelectorAll('*')];
for (const t of document.querySelectorAll('template')) all.push(...t.content.querySelectorAll('*'));
const marked = all.filter(e => e.hasAttribute('data-xss')).map(e => e.outerHTML.slice(0, 120));
const handlers = [];
const addresses = ['href', 'src', 'action', 'formaction', 'data', 'poster', 'xlink:href',
  'background', 'srcdoc', 'hx-get', 'hx-post', 'hx-put', 'hx-patch', 'hx-delete'];
for (const e of all) for (const a of e.attributes) {
  if (/^on[a-z]+$/i.test(a.name) || /^(hx|data-hx)-on/i.test(a.name)) handlers.push(e.tagName + ' ' + a.name);
  // An address that runs script (an option's value or a field's text may say anything).
  if (addresses.includes(a.name.toLowerCase()) && /^\s*javascript:/i.test(a.value))
    handlers.push(e.tagName + ' ' + a.name + '=javascript:');
}
const frames = document.querySelectorAll('iframe, object, embed, base, meta[http-equiv="refresh"]').length;
const controls = [...document.querySelectorAll('input, textarea')].map(e => e.value);
// What a person sees with every fold opened (earlier wordings sit in closed <details>).
for (const d of document.querySelectorAll('details')) d.open = true;
return {
  xss: window.__amends_xss === undefined ? null : String(window.__amends_xss),
  csp: window.__amends_csp || ['the violation listener is missing'],
  busy: document.querySelectorAll('.htmx-request').length,
  scripts, marked, handlers, frames,
  text: document.body ? document.body.innerText : '',
  controls,
  path: location.pathname,
  htmx: typeof window.htmx,
};
"#;

/// Installed before any page's own script: records every CSP violation (a payload that made it
/// into the page as markup would be blocked, and so reported, before it could run).
const LISTEN: &str = r#"
window.__amends_csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__amends_csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
});
"#;

/// A concrete path for a route pattern: `/parties/{id}` is every party, any other parameter the
/// first of its kind (party 1, its harm 1, contact 1...).
fn concrete(pattern: &str, parties: &[i64]) -> Vec<String> {
    // A party's page and each of its parts, for every party.
    if let Some(part) = pattern.strip_prefix("/parties/{id}")
        && !part.contains('{')
    {
        return parties
            .iter()
            .map(|p| format!("/parties/{p}{part}"))
            .collect();
    }
    vec![common::first_of_each(pattern)]
}

/// GET routes not opened as pages, with the reason.
const NOT_OPENED: &[(&str, &str)] = &[
    ("/assets/{name}", "our own embedded files, not pages"),
    (
        "/calendar/{file}",
        "a calendar file behind its own token (text/calendar; tests/exports.rs checks it holds no formula and no markup)",
    ),
    (
        "/settings/export",
        "a JSON download: fetched below and walked for the completeness check",
    ),
];

/// Reads the page shown now (once its htmx requests are done) and fails on any sign of a
/// payload at work; notes which payloads it shows as text (or holds in a form field). Gives
/// back the page's text.
async fn inspect(ui: &Ui, path: &str, payloads: &[String], shown: &mut BTreeSet<usize>) -> String {
    if let Ok(text) = ui.client.get_alert_text().await {
        panic!("{path}: a dialog opened: {text}");
    }
    let mut probe = Json::Null;
    for _ in 0..50 {
        probe = ui
            .client
            .execute(&probe_script(), vec![])
            .await
            .unwrap_or_else(|e| panic!("{path}: the page could not be read: {e}"));
        if probe["busy"] == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let at = probe["path"].as_str().unwrap_or_default().to_string();
    let what = if at == path {
        path.to_string()
    } else {
        format!("{path} (shown at {at})")
    };
    assert_eq!(probe["xss"], Json::Null, "{what}: a payload's script ran");
    assert_eq!(
        probe["marked"],
        json!([]),
        "{what}: a payload became markup"
    );
    assert_eq!(
        probe["scripts"],
        json!([]),
        "{what}: a script that is not ours"
    );
    assert_eq!(
        probe["handlers"],
        json!([]),
        "{what}: an event handler or javascript: address"
    );
    assert_eq!(
        probe["frames"], 0,
        "{what}: a frame, object, base or refresh"
    );
    assert_eq!(
        probe["csp"],
        json!([]),
        "{what}: the CSP had to block something"
    );
    if at != "/away" {
        // htmx ran on the page, so it had the chance to act on any injected hx- attribute
        // (the blank page of the quick exit loads nothing at all).
        assert_eq!(probe["htmx"], "object", "{what}: htmx is loaded");
    }
    if let Ok(text) = ui.client.get_alert_text().await {
        panic!("{what}: a dialog opened: {text}");
    }
    let text = probe["text"].as_str().unwrap_or_default();
    let controls: Vec<&str> = probe["controls"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    for (i, p) in payloads.iter().enumerate() {
        if text.contains(p.as_str()) || controls.iter().any(|c| c.contains(p.as_str())) {
            shown.insert(i);
        }
    }
    text.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn script_injection_in_every_stored_field_never_runs_or_becomes_markup() {
    let started = Instant::now();
    let long = std::env::var_os("AMENDS_LONG").is_some();
    let payloads = corpus();
    assert!(payloads.len() >= 40, "only {} payloads", payloads.len());
    for p in &payloads {
        assert!(
            p.contains("data-xss") && p.trim() == p && !p.contains("  "),
            "each payload marks itself with data-xss, on one trimmed line: {p}"
        );
    }
    let friend = amends_share::Identity::generate().expect("an identity");
    let (ui, me) = Ui::with_vault(|v, now| {
        amends_share::identity(v, now)
            .expect("this vault's identity")
            .public()
    })
    .await;
    ui.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": LISTEN }),
    )
    .await;
    ui.open("/").await;
    ui.on_page("/").await;

    let now = browser_support::now();
    let today = now.today.to_string();
    let soon = now
        .today
        .checked_add(jiff::Span::new().days(30))
        .expect("a date a month on")
        .to_string();
    let s = |x: &str| x.to_string();
    let mut d = Dealer {
        payloads: payloads.clone(),
        next: 0,
        used: BTreeSet::new(),
    };

    // Settings: the one text field there.
    post(
        &ui,
        "/settings",
        &[
            ("fellowship", s("aa")),
            ("language", s("en")),
            ("currency", s("USD")),
            ("auto_lock", s("60")),
            ("crisis_line", d.p()),
        ],
    )
    .await;
    // The parties, every field of each.
    let rounds = if long { payloads.len() } else { 3 };
    let mut parties = Vec::new();
    let mut fields_per_party = 0;
    for round in 0..rounds {
        let before = d.next;
        if long {
            // Field f of party r gets payload r + f: every payload into every field.
            d.next = round;
        }
        parties.push(seed_party(&ui, &mut d, &today, &soon).await);
        fields_per_party = if long {
            d.next - round
        } else {
            d.next - before
        };
    }
    // The Step 10 capture.
    post(
        &ui,
        "/capture",
        &[
            ("name", d.name()),
            ("kind", s("person")),
            ("did", d.p()),
            ("kinds", s("time")),
            ("effect", d.p()),
            ("when", d.p()),
        ],
    )
    .await;
    parties.push(records(&ui).iter().map(|r| r.party.id).max().unwrap());
    // A contact, named with a payload, who shares a list whose words are payloads; a note on it.
    post(
        &ui,
        "/sharing/contacts",
        &[
            ("code", friend.public().contact_code()),
            ("name", d.name()),
            ("role", s("sponsor")),
        ],
    )
    .await;
    post(&ui, "/sharing/contacts/1/verify", &[("matched", s("on"))]).await;
    upload(&ui, "/sharing/open", &share_from(&friend, &me, &mut d)).await;
    post(
        &ui,
        "/supported/1/notes",
        &[
            ("party", s("1")),
            ("verdict", s("approved")),
            ("about", s("plan")),
            ("text", d.p()),
        ],
    )
    .await;
    // A spreadsheet whose cells are payloads, through the import page as a person uses it: the
    // file chosen, the preview (a page of its own), the preview read again by htmx when a
    // choice changes (a swap into the page), then added to the list.
    let mut shown: BTreeSet<usize> = BTreeSet::new();
    let rows = if long { payloads.len() } else { 4 };
    let sheet_dir = tempfile::tempdir().expect("a folder for the spreadsheet");
    let sheet = sheet_dir.path().join("list.csv");
    let quote = |t: &str| format!("\"{}\"", t.replace('"', "\"\""));
    let mut csv = String::from("Name,What I did\n");
    for row in 1..=rows {
        // Numbered, so no name matches one already on the list (the import would ask first).
        let name = format!("Row {row}: {}", d.name());
        csv.push_str(&format!("{},{}\n", quote(&name), quote(&d.p())));
    }
    std::fs::write(&sheet, csv).expect("the spreadsheet is written");
    let before_import = records(&ui).len();
    ui.open("/import").await;
    ui.client
        .find(Locator::Css("input[type=file]"))
        .await
        .expect("the file field")
        .send_keys(&sheet.display().to_string())
        .await
        .expect("the file is chosen");
    ui.press("Show me how it reads").await;
    ui.see("Add all of it to my list").await;
    inspect(&ui, "/import (the preview)", &payloads, &mut shown).await;
    let swapped = ui
        .client
        .execute(
            r#"const s = document.querySelector('select[name=encoding]');
            const utf8 = [...s.options].find(o => /^utf-?8$/i.test(o.value));
            if (!utf8) return false;
            s.value = utf8.value;
            s.dispatchEvent(new Event('change', { bubbles: true }));
            return true;"#,
            vec![],
        )
        .await
        .expect("the encoding is chosen");
    assert_eq!(swapped, json!(true), "the preview offers UTF-8");
    inspect(&ui, "/import/preview (an htmx swap)", &payloads, &mut shown).await;
    ui.press("Add all of it to my list").await;
    ui.eventually("the rows on the list", || async {
        (records(&ui).len() >= before_import + rows).then_some(())
    })
    .await;

    let unused: Vec<usize> = (0..payloads.len())
        .filter(|i| !d.used.contains(i))
        .collect();
    assert!(unused.is_empty(), "payloads that went nowhere: {unused:?}");

    // Completeness: every string of the export a person can type holds a payload.
    let export: Json = serde_json::from_str(&fetch_text(&ui, "/settings/export").await)
        .expect("the export route gives JSON");
    let mut strings = Vec::new();
    walk(&export, "", &mut strings);
    let exempt: BTreeMap<&str, &str> = NOT_TYPED.iter().copied().collect();
    // Each place a person types into: every text there is a payload (a few are empty, such as
    // the harms an attempt revealed, which start with what was done only), and at least one is.
    let mut places: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (at, text) in &strings {
        if exempt.contains_key(at.as_str()) {
            continue;
        }
        let seen = places.entry(at.clone()).or_default();
        if text.is_empty() {
            continue;
        }
        assert!(
            payloads.iter().any(|p| text.contains(p.as_str())),
            "the export's {at} holds {text:?}, not a payload"
        );
        seen.0 += 1;
        seen.1 += 1;
    }
    let empty: Vec<&String> = places
        .iter()
        .filter(|(_, (with_payload, _))| *with_payload == 0)
        .map(|(at, _)| at)
        .collect();
    assert!(
        empty.is_empty(),
        "text places of the export no payload reached: {empty:?} (fill them in tests/attack.rs, \
         or list them in NOT_TYPED with the reason)"
    );
    // And the schema has no text property that the export above did not show.
    let mut schema_strings = BTreeSet::new();
    string_properties(&amends_vault::export::json_schema(), &mut schema_strings);
    let seen_names: BTreeSet<String> = places
        .keys()
        .chain(
            exempt
                .keys()
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
                .iter(),
        )
        .map(|at| last_name(at))
        .collect();
    let unseen: Vec<&String> = schema_strings.difference(&seen_names).collect();
    assert!(
        unseen.is_empty(),
        "text properties of the export schema the attack never saw: {unseen:?}"
    );
    for (at, _) in NOT_TYPED {
        assert!(
            schema_strings.contains(&last_name(at)),
            "NOT_TYPED lists {at}, which the schema does not have"
        );
    }
    let typed_places = places.len();

    // The detectors work: markup put into a page by hand is found by each of them.
    ui.open("/").await;
    ui.client
        .execute(
            r#"document.body.insertAdjacentHTML('beforeend',
                 '<img src="/assets/icon.svg" data-xss="0" onload="window.__amends_xss=0">');"#,
            vec![],
        )
        .await
        .expect("the control is put in");
    let control = ui
        .client
        .execute(
            &format!(
                "return new Promise(r => setTimeout(() => r((() => {{ {} }})()), 300));",
                probe_script()
            ),
            vec![],
        )
        .await
        .expect("the control page is read");
    assert_ne!(
        control["marked"],
        json!([]),
        "the data-xss detector sees nothing: {control}"
    );
    assert_ne!(
        control["handlers"],
        json!([]),
        "the handler detector sees nothing"
    );
    assert_ne!(
        control["csp"],
        json!([]),
        "the CSP listener heard nothing: {control}"
    );
    assert_eq!(
        control["xss"],
        Json::Null,
        "the CSP let an inline handler run"
    );

    // Every GET page of the router's table.
    let mut paths = Vec::new();
    for route in amends_web::route_table() {
        if !route.methods.contains(&"GET") || NOT_OPENED.iter().any(|(p, _)| *p == route.path) {
            continue;
        }
        paths.extend(concrete(route.path, &parties));
    }
    // The quick exit's page last: it is where a person lands after leaving.
    paths.sort_by_key(|p| p == "/away");
    let mut visited = 0;
    let names: BTreeMap<String, String> = records(&ui)
        .iter()
        .map(|r| (format!("/parties/{}", r.party.id), r.party.name.clone()))
        .collect();
    for path in &paths {
        ui.open(path).await;
        let text = inspect(&ui, path, &payloads, &mut shown).await;
        // A party's page shows the name as it was typed, as text.
        if let Some(name) = names.get(path) {
            assert!(
                text.contains(name.as_str()),
                "{path} does not show {name:?} as text"
            );
        }
        visited += 1;
    }
    let not_shown: Vec<&String> = payloads
        .iter()
        .enumerate()
        .filter(|(i, _)| !shown.contains(i))
        .map(|(_, p)| p)
        .collect();
    assert!(
        not_shown.is_empty(),
        "payloads stored but never shown as text on any page: {not_shown:#?}"
    );
    eprintln!(
        "attack: {} payloads, {} text places in the export ({} per party, {} parties{}), \
         {visited} pages opened, {:.1} s",
        payloads.len(),
        typed_places,
        fields_per_party,
        rounds,
        if long {
            ", every payload in every field"
        } else {
            ", round-robin"
        },
        started.elapsed().as_secs_f64()
    );
}
