//! Sharing: this vault's contact code and fingerprint, contacts and comparing fingerprints,
//! sharing with a verified contact (choose, preview exactly what goes, confirm, download),
//! opening a bundle someone sent, stopping, and the log of what was sent to whom. With a relay
//! address set, a share and a stop can go through the relay instead of as a file (`relay.rs`).

use crate::routes::Routes;
use amends_core::model::Method;
use amends_share::document::{Part, ShareBody, SharedParty};
use amends_share::{
    Prepared, Received, Selection, ShareError, add_contact, contact_keys, identity, prepare_share,
    receive, remove_contact, remove_contact_for_relay, seal_share, seal_share_for_relay, send_via,
};
use amends_vault::{Contact, ContactRef, SentKind, VaultError};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::relay::{self, Step};
use super::shared::{
    PartyShown, ROLES, parties_shown, parts_words, qr_svg, read_share, role_label, share_words,
    write_share,
};
use crate::forms::{Fields, FormState};
use crate::security::{forbidden, multipart_csrf_ok};
use crate::state::{App, FlashKind, Snapshot};
use crate::view::{Layout, Nav, day_of, download, open, page, page_with, see};

/// The largest bundle the upload takes.
pub const BUNDLE_MAX: usize = 16 * 1024 * 1024;

pub fn routes() -> Routes {
    Routes::new()
        .get("/sharing", sharing_page)
        .get_post("/sharing/contacts", to_sharing, add)
        .get_post("/sharing/contacts/{id}/verify", to_sharing, verify)
        .get("/sharing/contacts/{id}/share", choose_page)
        .get_post("/sharing/contacts/{id}/preview", to_sharing, preview)
        .get_post("/sharing/contacts/{id}/seal", to_sharing, seal)
        .get_post("/sharing/contacts/{id}/remove", remove_page, remove)
        .post("/sharing/open", open_bundle)
}

async fn to_sharing() -> Response {
    see("/sharing")
}

/// A message as a sentence: capital first, full stop last.
pub fn sentence(s: &str) -> String {
    let s = s.trim();
    let mut c = s.chars();
    let mut out = match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    };
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

fn roles(chosen: &str) -> Vec<Choice> {
    ROLES
        .iter()
        .map(|(value, label)| Choice {
            value,
            label,
            selected: *value == chosen,
        })
        .collect()
}

pub struct ContactView {
    pub id: i64,
    pub label: String,
    pub role: &'static str,
    pub verified: Option<String>,
    pub fingerprint: String,
    pub error: Option<String>,
    /// Whether they have shared their list with this vault.
    pub shared_with_me: bool,
}

pub struct LogView {
    pub on: String,
    pub who: String,
    pub kind: &'static str,
    pub what: String,
}

#[derive(Template)]
#[template(path = "sharing.html")]
struct SharingView {
    layout: Layout,
    code: String,
    qr: String,
    fingerprint: String,
    contacts: Vec<ContactView>,
    add: FormState,
    roles: Vec<Choice>,
    bundle: FormState,
    log: Vec<LogView>,
    /// The relay address, when one is set.
    relay: Option<String>,
    /// What waits in the outbox for the relay.
    outbox: Vec<relay::Waiting>,
}

/// What the sharing page shows besides its forms; otherwise the page to show instead.
// The error is the response itself.
#[allow(clippy::result_large_err)]
fn sharing_view(
    app: &App,
    snap: &Snapshot,
    add: FormState,
    bundle: FormState,
    verify_error: Option<(i64, String)>,
) -> Result<SharingView, Response> {
    let loaded = write_share(app, |v, now| {
        let me = identity(v, now)?.public();
        let contacts = v.contacts()?;
        let log = v.sent_log()?;
        let sharers = v.sharing_contact_ids()?;
        let mut views = Vec::with_capacity(contacts.len());
        for c in contacts {
            let fingerprint = contact_keys(&c)?.fingerprint();
            views.push((c, fingerprint));
        }
        let relay = (v.relay_address()?, v.outbox()?);
        Ok((me, views, log, sharers, relay))
    });
    let (me, contacts, log, sharers, (relay, outbox)) = match loaded {
        Some(Ok(x)) => x,
        Some(Err(e)) => return Err(share_trouble(&e)),
        None => return Err(see("/unlock")),
    };
    let code = me.contact_code();
    Ok(SharingView {
        layout: Layout::new(app, "Sharing", Nav::Sharing),
        qr: qr_svg(&code).unwrap_or_default(),
        code,
        fingerprint: me.fingerprint(),
        contacts: contacts
            .into_iter()
            .map(|(c, fingerprint)| ContactView {
                error: verify_error
                    .as_ref()
                    .filter(|(id, _)| *id == c.id)
                    .map(|(_, e)| e.clone()),
                id: c.id,
                shared_with_me: sharers.contains(&c.id),
                role: role_label(&c.role),
                verified: c.verified.map(|t| day_of(snap, t)),
                label: c.label,
                fingerprint,
            })
            .collect(),
        roles: roles(add.value("role")),
        add,
        bundle,
        outbox: relay::waiting(snap, &outbox),
        relay,
        log: log
            .into_iter()
            .map(|e| LogView {
                on: day_of(snap, e.at),
                who: e.contact_label,
                kind: match e.kind {
                    SentKind::Share => "shared",
                    SentKind::Review => "a review",
                    SentKind::Stop => "stopped sharing",
                },
                what: e.what,
            })
            .collect(),
    })
}

/// Sharing could not read or write its part of the vault: say so without detail.
fn share_trouble(e: &ShareError) -> Response {
    match e {
        ShareError::Vault(v) => crate::view::trouble(v),
        other => crate::view::trouble(&VaultError::Storage(other.to_string())),
    }
}

fn show(
    app: &App,
    snap: &Snapshot,
    status: StatusCode,
    add: FormState,
    bundle: FormState,
    verify_error: Option<(i64, String)>,
) -> Response {
    match sharing_view(app, snap, add, bundle, verify_error) {
        Ok(v) => page_with(status, &v),
        Err(r) => r,
    }
}

/// `GET /sharing`.
pub async fn sharing_page(State(app): State<App>) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let add = FormState::new(Fields::parse(&Bytes::from_static(b"role=sponsor")));
    show(&app, &snap, StatusCode::OK, add, FormState::default(), None)
}

/// `POST /sharing/contacts`: code, name, role.
pub async fn add(State(app): State<App>, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut form = FormState::new(Fields::parse(&body));
    let code = form.value("code").trim().to_string();
    let name = form.value("name").trim().to_string();
    let role = form.value("role").trim().to_string();
    if code.is_empty() {
        form.field_error(
            "code",
            "Paste the contact code they gave you (it starts with amends:1:).",
        );
    }
    if name.is_empty() {
        form.field_error(
            "name",
            "Give a name you will know them by. Only you see it.",
        );
    }
    if !ROLES.iter().any(|(c, _)| *c == role) {
        form.field_error("role", "Choose who they are to you.");
    }
    if !form.has_errors() {
        match write_share(&app, |v, now| add_contact(v, &code, &name, &role, now)) {
            Some(Ok((id, _))) => {
                app.flash(
                    FlashKind::Done,
                    format!(
                        "{name} is added. Before you share anything, compare fingerprints with them: read them out loud to each other, in person or on a call."
                    ),
                );
                return see(&format!("/sharing#contact-{id}"));
            }
            Some(Err(e)) => match e {
                ShareError::CodeMalformed(_) | ShareError::CodeTooNew | ShareError::OwnCode => {
                    form.field_error("code", e.to_string())
                }
                ShareError::Vault(VaultError::Invalid { field, message }) => {
                    let input = match field.as_str() {
                        "name" => "name",
                        "role" => "role",
                        _ => "code",
                    };
                    form.field_error(input, sentence(&message));
                }
                other => form.problem = Some(share_words(&other)),
            },
            None => return see("/unlock"),
        }
    }
    show(
        &app,
        &snap,
        StatusCode::UNPROCESSABLE_ENTITY,
        form,
        FormState::default(),
        None,
    )
}

fn contact_id(id: &str) -> Option<i64> {
    id.trim().parse::<i64>().ok()
}

/// The contact with this id, or the calm page for one that is not there.
// The error is the response itself.
#[allow(clippy::result_large_err)]
fn load_contact(app: &App, id: &str) -> Result<Contact, Response> {
    let Some(id) = contact_id(id) else {
        return Err(no_contact(app));
    };
    match app.read(|v| v.contact(&ContactRef::Id(id))) {
        Some(Ok(c)) => Ok(c),
        Some(Err(VaultError::NoSuchContact)) => Err(no_contact(app)),
        Some(Err(e)) => Err(crate::view::trouble(&e)),
        None => Err(see("/unlock")),
    }
}

#[derive(Template)]
#[template(path = "sharing_missing.html")]
struct MissingView {
    layout: Layout,
}

/// The calm answer for a contact that is not (or no longer) there.
pub fn no_contact(app: &App) -> Response {
    page_with(
        StatusCode::NOT_FOUND,
        &MissingView {
            layout: Layout::new(app, "Not in your contacts", Nav::Sharing),
        },
    )
}

/// `POST /sharing/contacts/{id}/verify`: matched (the box ticked).
pub async fn verify(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let contact = match load_contact(&app, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let f = Fields::parse(&body);
    if !f.checked("matched") {
        return show(
            &app,
            &snap,
            StatusCode::UNPROCESSABLE_ENTITY,
            FormState::default(),
            FormState::default(),
            Some((
                contact.id,
                "Tick the box once you have read the fingerprints to each other and they matched. If they did not match, do not share: remove this contact and ask for the code again.".into(),
            )),
        );
    }
    match app.write(|v, now| v.verify_contact(contact.id, now)) {
        Some(Ok(())) => {
            app.flash(
                FlashKind::Done,
                format!(
                    "{} is verified. You can share with them now, and open what they send you.",
                    contact.label
                ),
            );
            see(&format!("/sharing#contact-{}", contact.id))
        }
        Some(Err(e)) => crate::view::trouble(&e),
        None => see("/unlock"),
    }
}

pub struct ContactBrief {
    pub id: i64,
    pub label: String,
    pub role: &'static str,
}

fn brief(c: &Contact) -> ContactBrief {
    ContactBrief {
        id: c.id,
        label: c.label.clone(),
        role: role_label(&c.role),
    }
}

#[derive(Template)]
#[template(path = "share_refused.html")]
struct RefusedView {
    layout: Layout,
    contact: ContactBrief,
    message: String,
}

/// Nothing is shared with a contact whose fingerprint was not confirmed.
fn refused(app: &App, c: &Contact) -> Response {
    page_with(
        StatusCode::CONFLICT,
        &RefusedView {
            layout: Layout::new(app, "Not shared", Nav::Sharing),
            contact: brief(c),
            message: ShareError::NotVerified.to_string(),
        },
    )
}

pub struct PickParty {
    pub id: i64,
    pub name: String,
    pub stage: &'static str,
    pub chosen: bool,
}

pub struct PickPart {
    pub code: &'static str,
    pub label: &'static str,
    pub chosen: bool,
}

#[derive(Template)]
#[template(path = "share_choose.html")]
struct ChooseView {
    layout: Layout,
    contact: ContactBrief,
    form: FormState,
    parties: Vec<PickParty>,
    parts: Vec<PickPart>,
}

fn choose_view(app: &App, snap: &Snapshot, c: &Contact, form: FormState) -> ChooseView {
    ChooseView {
        layout: Layout::new(app, "Share", Nav::Sharing),
        contact: brief(c),
        parties: snap
            .records
            .iter()
            .zip(&snap.stages)
            .map(|(r, s)| PickParty {
                id: r.party.id,
                name: r.party.name.clone(),
                stage: s.stage.label(),
                chosen: form.chosen("party", &r.party.id.to_string()),
            })
            .collect(),
        parts: Part::ALL
            .iter()
            .map(|p| PickPart {
                code: p.code(),
                label: p.label(),
                chosen: form.chosen("part", p.code()),
            })
            .collect(),
        form,
    }
}

/// `GET /sharing/contacts/{id}/share`: choose what to share.
pub async fn choose_page(State(app): State<App>, Path(id): Path<String>) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let c = match load_contact(&app, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if c.verified.is_none() {
        return refused(&app, &c);
    }
    let form = FormState::new(Fields::parse(&Bytes::from_static(
        b"scope=all&part=harms&part=plans",
    )));
    page(&choose_view(&app, &snap, &c, form))
}

/// The choice a form carries: scope (all or some), party (repeated), part (repeated).
fn selection(form: &mut FormState) -> Option<Selection> {
    let parties = match form.value("scope") {
        "all" => None,
        "some" => {
            let ids: Vec<i64> = form
                .values
                .all("party")
                .iter()
                .filter_map(|p| p.trim().parse().ok())
                .collect();
            if ids.is_empty() {
                form.field_error(
                    "party",
                    "Choose at least one person, or share the whole list.",
                );
            }
            Some(ids)
        }
        _ => {
            form.field_error("scope", "Choose the whole list, or the people to share.");
            None
        }
    };
    let chosen: Vec<Option<Part>> = form
        .values
        .all("part")
        .into_iter()
        .map(Part::parse)
        .collect();
    if chosen.iter().any(Option::is_none) {
        form.field_error("part", "Choose from the parts listed.");
    }
    let parts: Vec<Part> = chosen.into_iter().flatten().collect();
    (!form.has_errors()).then_some(Selection { parties, parts })
}

pub struct Hidden {
    pub name: &'static str,
    pub value: String,
}

#[derive(Template)]
#[template(path = "share_preview.html")]
struct PreviewView {
    layout: Layout,
    contact: ContactBrief,
    whole: bool,
    parts: String,
    parties: Vec<PreviewParty>,
    hidden: Vec<Hidden>,
    digest: String,
    changed: bool,
    /// The relay address, when one is set: the share can go through it.
    relay: Option<String>,
}

fn preview_view(app: &App, prepared: &Prepared, form: &FormState, changed: bool) -> PreviewView {
    let mut hidden = vec![Hidden {
        name: "scope",
        value: form.value("scope").to_string(),
    }];
    if !prepared.body.whole_list {
        for p in &prepared.body.parties {
            hidden.push(Hidden {
                name: "party",
                value: p.id.to_string(),
            });
        }
    }
    for p in &prepared.body.parts {
        hidden.push(Hidden {
            name: "part",
            value: p.code().to_string(),
        });
    }
    // The boxes of the safety verdicts: ticked unless this form left one out.
    hidden.push(Hidden {
        name: "safety_choice",
        value: "1".into(),
    });
    let left_out = left_out_safety(form, &prepared.body);
    PreviewView {
        layout: Layout::new(app, "Check what will be shared", Nav::Sharing),
        contact: brief(&prepared.contact),
        whole: prepared.body.whole_list,
        parts: parts_words(&prepared.body),
        parties: parties_shown(&prepared.body)
            .into_iter()
            .zip(&prepared.body.parties)
            .map(|(p, sp)| {
                let mut v = safety_shown(sp);
                v.toggle = Some(!left_out.contains(&sp.id));
                PreviewParty { p, v }
            })
            .collect(),
        hidden,
        digest: prepared.digest(),
        changed,
        relay: relay::address(app),
    }
}

/// Prepares the share a form describes, or the page that says why not.
// The error is the response itself.
#[allow(clippy::result_large_err)]
fn prepared_from(
    app: &App,
    snap: &Snapshot,
    c: &Contact,
    mut form: FormState,
) -> Result<(Prepared, FormState), Response> {
    if c.verified.is_none() {
        return Err(refused(app, c));
    }
    let Some(sel) = selection(&mut form) else {
        return Err(page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &choose_view(app, snap, c, form),
        ));
    };
    let id = c.id;
    match write_share(app, |v, now| {
        prepare_share(v, &ContactRef::Id(id), &sel, now)
    }) {
        Some(Ok(p)) => Ok((p, form)),
        Some(Err(ShareError::NotVerified)) => Err(refused(app, c)),
        Some(Err(e)) => {
            form.problem = Some(share_words(&e));
            Err(page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &choose_view(app, snap, c, form),
            ))
        }
        None => Err(see("/unlock")),
    }
}

/// One rule of a shared safety verdict, in words.
pub struct RuleShown {
    pub code: String,
    pub title: String,
    pub reason: String,
}

/// A party's safety verdict as a share carries it, for the preview and for the supporter's
/// pages; or, when the share left it out, the fact that it was not shared.
pub struct SafetyShown {
    pub party: i64,
    /// Whether the share carries it.
    pub shared: bool,
    /// The contact allowed, in words.
    pub contact: String,
    /// Its code (`direct`, `no-contact`, ...), for the page's look.
    pub contact_code: String,
    pub answered: bool,
    pub rules: Vec<RuleShown>,
    /// What the rules require before the amends is ready or attempted.
    pub requires: Vec<&'static str>,
    /// The ways open, in words.
    pub methods: String,
    /// In the sharer's preview: whether the box "share this verdict" is ticked. `None` on a
    /// supporter's page, where there is nothing to choose.
    pub toggle: Option<bool>,
}

/// The words of a shared party's safety verdict.
pub fn safety_shown(p: &SharedParty) -> SafetyShown {
    let Some(s) = &p.safety else {
        return SafetyShown {
            party: p.id,
            shared: false,
            contact: String::new(),
            contact_code: String::new(),
            answered: false,
            rules: Vec::new(),
            requires: Vec::new(),
            methods: String::new(),
            toggle: None,
        };
    };
    let mut requires = Vec::new();
    if s.review_required {
        requires.push("a sponsor's or adviser's approval of the plan (R2)");
    }
    if s.consent_required {
        requires.push("the consent of anyone it would implicate (R1)");
    }
    if s.lawyer_first {
        requires.push("a lawyer first (R3)");
    }
    SafetyShown {
        party: p.id,
        shared: true,
        contact: if s.contact_label.is_empty() {
            s.contact.clone()
        } else {
            s.contact_label.clone()
        },
        contact_code: s
            .contact
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect(),
        answered: s.answered,
        rules: s
            .rules
            .iter()
            .map(|r| RuleShown {
                code: r.code.clone(),
                title: r.title.clone(),
                reason: r.reason.clone(),
            })
            .collect(),
        requires,
        methods: s
            .methods
            .iter()
            .map(|m| Method::parse(m).map_or_else(|_| m.clone(), |m| m.label().to_string()))
            .collect::<Vec<_>>()
            .join("; "),
        toggle: None,
    }
}

/// A shared safety verdict in a few words: "no contact of any kind (R4 court order, R2 review
/// first)"; `None` when the share left it out.
pub fn safety_brief(p: &SharedParty) -> Option<String> {
    let s = p.safety.as_ref()?;
    let contact = if s.contact_label.is_empty() {
        s.contact.clone()
    } else {
        s.contact_label.clone()
    };
    if s.rules.is_empty() {
        return Some(contact);
    }
    let rules: Vec<String> = s
        .rules
        .iter()
        .map(|r| format!("{} {}", r.code, r.title).trim().to_string())
        .collect();
    Some(format!("{contact} ({})", rules.join(", ")))
}

/// A party of the preview: what goes, with its verdict and the box to leave it out.
pub struct PreviewParty {
    pub p: PartyShown,
    pub v: SafetyShown,
}

/// The parties whose verdict the preview form leaves out: the boxes not ticked, once the
/// preview has been shown (`safety_choice`); before that, none.
fn left_out_safety(form: &FormState, body: &ShareBody) -> Vec<i64> {
    if form.value("safety_choice").is_empty() {
        return Vec::new();
    }
    let ticked: Vec<i64> = form
        .values
        .all("safety")
        .iter()
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    body.parties
        .iter()
        .map(|p| p.id)
        .filter(|id| !ticked.contains(id))
        .collect()
}

/// `POST /sharing/contacts/{id}/preview`: scope, party, part. Shows exactly what would go.
pub async fn preview(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let c = match load_contact(&app, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match prepared_from(&app, &snap, &c, FormState::new(Fields::parse(&body))) {
        Ok((p, form)) => page(&preview_view(&app, &p, &form, false)),
        Err(r) => r,
    }
}

/// `POST /sharing/contacts/{id}/seal`: the choices of the preview and its digest. Seals only
/// what was previewed; if anything changed since, shows the new preview instead.
pub async fn seal(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let c = match load_contact(&app, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let form = FormState::new(Fields::parse(&body));
    let digest = form.value("digest").trim().to_string();
    let (mut prepared, form) = match prepared_from(&app, &snap, &c, form) {
        Ok(x) => x,
        Err(r) => return r,
    };
    // The digest is of the share as previewed, every verdict in; the boxes not ticked then
    // take those verdicts out.
    if prepared.digest() != digest {
        return page(&preview_view(&app, &prepared, &form, true));
    }
    let left_out = left_out_safety(&form, &prepared.body);
    if prepared.leave_out_safety(&left_out).is_err() {
        return page(&preview_view(&app, &prepared, &form, true));
    }
    if form.value("via") == "relay" {
        return seal_for_relay(&app, &snap, &c, prepared, form).await;
    }
    match write_share(&app, |v, now| seal_share(v, &prepared, now)) {
        Some(Ok(sealed)) => {
            tracing::info!("a share was sealed");
            app.flash(
                FlashKind::Done,
                format!(
                    "Your share for {} was sealed into the file {}. Send them that file any way you like: only their Amends can open it.",
                    c.label, sealed.file_name
                ),
            );
            download(&sealed.file_name, sealed.bytes)
        }
        Some(Err(ShareError::NotVerified)) => refused(&app, &c),
        Some(Err(e)) => {
            let mut form = form;
            form.problem = Some(share_words(&e));
            page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &choose_view(&app, &snap, &c, form),
            )
        }
        None => see("/unlock"),
    }
}

/// Seals a previewed share into the outbox and hands it to the relay; says what happened.
async fn seal_for_relay(
    app: &App,
    snap: &Snapshot,
    c: &Contact,
    prepared: Prepared,
    mut form: FormState,
) -> Response {
    let step = relay::run(app, move |v, relay, now| {
        let sealed = seal_share_for_relay(v, &prepared, now)?;
        let sent = match sealed.outbox {
            Some(id) => send_via(v, id, relay, now),
            None => Ok(amends_share::Delivery::Sent),
        };
        Ok(sent)
    })
    .await;
    let (address, sent) = match step {
        Step::Locked => return see("/unlock"),
        Step::Ran {
            address,
            result: Ok(sent),
        } => (address, sent),
        Step::Ran {
            result: Err(ShareError::NotVerified),
            ..
        } => return refused(app, c),
        Step::Ran { result: Err(e), .. } => {
            // Not sealed: nothing was kept or sent.
            form.problem = Some(share_words(&e));
            return page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &choose_view(app, snap, c, form),
            );
        }
        other => {
            form.problem = Some(format!(
                "{} Nothing was sealed.",
                relay::not_run_words(&other)
            ));
            return page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &choose_view(app, snap, c, form),
            );
        }
    };
    tracing::info!("a share was sealed for the relay");
    let saved = !matches!(sent, Ok(amends_share::Delivery::Sent));
    let (kind, text) =
        relay::delivery_words(&address, &format!("Your share for {}", c.label), "", sent);
    app.flash(kind, text);
    see(if saved {
        "/sharing#outbox-h"
    } else {
        "/sharing"
    })
}

#[derive(Template)]
#[template(path = "share_remove.html")]
struct RemoveView {
    layout: Layout,
    contact: ContactBrief,
    sent: bool,
    holds_theirs: bool,
    relay: Option<String>,
}

/// `GET /sharing/contacts/{id}/remove`: what removing does, and what it cannot do.
pub async fn remove_page(State(app): State<App>, Path(id): Path<String>) -> Response {
    if let Err(r) = open(&app) {
        return r;
    }
    let c = match load_contact(&app, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let holds_theirs = matches!(
        read_share(&app, |v| Ok(v.supported_from(c.id)?.is_some())),
        Some(Ok(true))
    );
    page(&RemoveView {
        layout: Layout::new(&app, "Stop sharing", Nav::Sharing),
        contact: brief(&c),
        sent: c.sent_seq > 0,
        holds_theirs,
        relay: relay::address(&app),
    })
}

/// `POST /sharing/contacts/{id}/remove`: via ("relay" or nothing). Removes the contact; the
/// stop bundle downloads if anything was ever sent to them, or goes through the relay.
pub async fn remove(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> Response {
    if let Err(r) = open(&app) {
        return r;
    }
    let c = match load_contact(&app, &id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let cid = c.id;
    if Fields::parse(&body).get("via") == "relay" {
        return remove_for_relay(&app, &c).await;
    }
    match write_share(&app, |v, now| remove_contact(v, &ContactRef::Id(cid), now)) {
        Some(Ok(Some(sealed))) => {
            tracing::info!("a contact was removed with a stop bundle");
            app.flash(
                FlashKind::Done,
                format!(
                    "{} is removed. The file {} asks their Amends to delete what you shared: send it to them.",
                    c.label, sealed.file_name
                ),
            );
            download(&sealed.file_name, sealed.bytes)
        }
        Some(Ok(None)) => {
            app.flash(
                FlashKind::Done,
                format!(
                    "{} is removed. You had not shared anything with them, so there is nothing to ask back.",
                    c.label
                ),
            );
            see("/sharing")
        }
        Some(Err(e)) => {
            app.flash(FlashKind::Note, share_words(&e));
            see("/sharing")
        }
        None => see("/unlock"),
    }
}

/// Removes a contact; the stop bundle, if one is made, goes into the outbox and to the relay.
async fn remove_for_relay(app: &App, c: &Contact) -> Response {
    let cid = c.id;
    let step = relay::run(app, move |v, relay, now| {
        let stop = remove_contact_for_relay(v, &ContactRef::Id(cid), now)?;
        Ok(stop
            .and_then(|s| s.outbox)
            .map(|id| send_via(v, id, relay, now)))
    })
    .await;
    match step {
        Step::Locked => see("/unlock"),
        Step::Ran {
            address,
            result: Ok(Some(sent)),
        } => {
            tracing::info!("a contact was removed with a stop bundle for the relay");
            let saved = !matches!(sent, Ok(amends_share::Delivery::Sent));
            app.flash(
                FlashKind::Done,
                format!(
                    "{} is removed. A last bundle asks their Amends to delete what you shared with them.",
                    c.label
                ),
            );
            let (kind, text) = relay::delivery_words(
                &address,
                "That last bundle",
                "If it cannot reach them, tell them yourself that you stopped sharing.",
                sent,
            );
            app.flash(kind, text);
            see(if saved {
                "/sharing#outbox-h"
            } else {
                "/sharing"
            })
        }
        Step::Ran {
            result: Ok(None), ..
        } => {
            app.flash(
                FlashKind::Done,
                format!(
                    "{} is removed. You had not shared anything with them, so there is nothing to ask back and nothing was sent.",
                    c.label
                ),
            );
            see("/sharing")
        }
        Step::Ran { result: Err(e), .. } => {
            app.flash(FlashKind::Note, share_words(&e));
            see("/sharing")
        }
        other => {
            app.flash(
                FlashKind::Note,
                format!(
                    "{} {} is still in your contacts; nothing was changed.",
                    relay::not_run_words(&other),
                    c.label
                ),
            );
            see(&format!("/sharing/contacts/{cid}/remove"))
        }
    }
}

pub struct ChangeView {
    pub party: String,
    pub change: String,
}

#[derive(Template)]
#[template(path = "share_received.html")]
struct ReceivedView {
    layout: Layout,
    who: String,
    contact_id: i64,
    kind: &'static str,
    parties: usize,
    first: bool,
    changes: Vec<ChangeView>,
    comments: usize,
    approvals: usize,
    stale: usize,
    /// Views given on safety answers that changed since.
    safety: usize,
    unknown: usize,
}

fn received_view(app: &App, r: Received) -> ReceivedView {
    let c = r.contact().clone();
    let mut v = ReceivedView {
        layout: Layout::new(app, "Bundle opened", Nav::Sharing),
        who: c.label,
        contact_id: c.id,
        kind: "",
        parties: 0,
        first: false,
        changes: Vec::new(),
        comments: 0,
        approvals: 0,
        stale: 0,
        safety: 0,
        unknown: 0,
    };
    match r {
        Received::Share {
            parties,
            changes,
            first,
            ..
        } => {
            v.kind = "share";
            v.parties = parties;
            v.first = first;
            v.changes = changes
                .into_iter()
                .map(|d| ChangeView {
                    party: d.party,
                    change: d.change,
                })
                .collect();
        }
        Received::Review { applied, .. } => {
            v.kind = "review";
            v.comments = applied.comments;
            v.approvals = applied.approvals_counted;
            v.stale = applied.stale_verdicts;
            v.safety = applied.safety_changed;
            v.unknown = applied.unknown_parties;
        }
        Received::Stop { .. } => v.kind = "stop",
    }
    v
}

/// `POST /sharing/open`: multipart with `_csrf` first, then `file` (a bundle). Opens it, or
/// says why not and changes nothing.
pub async fn open_bundle(State(app): State<App>, mut multipart: Multipart) -> Response {
    if !multipart_csrf_ok(&app, &mut multipart).await {
        tracing::warn!("a bundle upload without the page's token was refused");
        return forbidden();
    }
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut form = FormState::default();
    let mut file: Option<Vec<u8>> = None;
    'fields: loop {
        match multipart.next_field().await {
            Ok(Some(mut field)) => {
                if field.name() != Some("file") {
                    continue;
                }
                let mut bytes = Vec::new();
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            if bytes.len() + chunk.len() > BUNDLE_MAX {
                                form.field_error(
                                    "file",
                                    "This file is larger than 16 MB, so it is not an Amends bundle. Nothing was changed. Check that you chose the file you were sent.",
                                );
                                break 'fields;
                            }
                            bytes.extend_from_slice(&chunk);
                        }
                        Ok(None) => break,
                        Err(_) => {
                            form.field_error(
                                "file",
                                "The file did not arrive whole. Nothing was changed; try again.",
                            );
                            break 'fields;
                        }
                    }
                }
                file = Some(bytes);
            }
            Ok(None) => break,
            Err(_) => {
                form.field_error(
                    "file",
                    "The file did not arrive whole. Nothing was changed; try again.",
                );
                break;
            }
        }
    }
    if !form.has_errors() {
        match file {
            Some(b) if !b.is_empty() => match write_share(&app, |v, now| receive(v, &b, now)) {
                Some(Ok(r)) => {
                    tracing::info!("a bundle was opened");
                    return page(&received_view(&app, r));
                }
                Some(Err(e)) => {
                    tracing::info!("a bundle was refused");
                    form.field_error("file", share_words(&e));
                }
                None => return see("/unlock"),
            },
            _ => form.field_error(
                "file",
                "Choose the bundle file you were sent (it ends in .age).",
            ),
        }
    }
    show(
        &app,
        &snap,
        StatusCode::UNPROCESSABLE_ENTITY,
        FormState::default(),
        form,
        None,
    )
}
