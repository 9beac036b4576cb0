//! Settings: the choices of the whole vault, the relay's address, a new passphrase, backups
//! (their forms are handled in `backup.rs`), and the workbook taken out (export) or brought in
//! (import).

use crate::routes::Routes;
use amends_core::Currency;
use amends_core::model::{Fellowship, Language, PartyKind, Settings};
use amends_share::relay::RelayError;
use amends_share::{ShareError, set_relay_address};
use amends_vault::{Vault, VaultError};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use secrecy::SecretString;

use crate::forms::{Fields, FormState, choice, web_words};
use crate::pages::access::{Strength, check_new_passphrase, strength};
use crate::pages::backup::AutoView;
use crate::pages::shared::{share_words, write_share};
use crate::security::{forbidden, multipart_csrf_ok};
use crate::state::{App, FlashKind, Snapshot};
use crate::view::{Layout, Nav, open, page, page_with, see};
use amends_vault::backup::KEEP_RANGE;

pub fn routes() -> Routes {
    Routes::new()
        .get_post("/settings", settings_page, save)
        .get_post("/settings/relay", to_settings, save_relay)
        .get_post("/settings/relay/clear", to_settings, clear_relay)
        .post("/settings/passphrase", change_passphrase)
        .get("/settings/export", export)
        .post("/settings/import", import)
}

/// The meter under the new passphrase (the fields `strength.html` reads).
pub struct Meter {
    pub s: Strength,
    pub matches: Option<bool>,
}

#[derive(Template)]
#[template(path = "settings.html")]
pub(crate) struct SettingsView {
    layout: Layout,
    /// The form that makes a backup now (passphrases only, never shown again).
    pub(crate) backup: FormState,
    /// The automatic backups form, and what they are now.
    pub(crate) auto: FormState,
    auto_now: AutoView,
    keep_min: u32,
    keep_max: u32,
    form: FormState,
    relay: FormState,
    /// The relay address kept now, if any.
    relay_address: Option<String>,
    /// Bundles waiting in the outbox.
    outbox: usize,
    pass: FormState,
    import: FormState,
    meter: Meter,
    fellowships: &'static [Fellowship],
    languages: &'static [Language],
    parties: usize,
    lock_min: u32,
    lock_max: u32,
    crisis_max: usize,
}

/// What the settings form shows when nothing has been typed: the settings in force.
fn current(s: &Settings) -> FormState {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("fellowship", s.fellowship.code())
        .append_pair("language", s.language.code())
        .append_pair("currency", s.currency.code())
        .append_pair("auto_lock", &s.auto_lock_minutes.to_string())
        .append_pair("crisis_line", &s.crisis_line);
    if s.amends_to_self {
        q.append_pair("amends_to_self", "on");
    }
    FormState::new(Fields::parse(&Bytes::from(q.finish())))
}

/// The relay form as it is when nothing has been typed: the address in force.
fn relay_current(address: Option<&str>) -> FormState {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("relay", address.unwrap_or(""));
    FormState::new(Fields::parse(&Bytes::from(q.finish())))
}

fn view(
    app: &App,
    snap: &Snapshot,
    form: Option<FormState>,
    relay: Option<FormState>,
    pass: FormState,
    import: FormState,
) -> SettingsView {
    let (relay_address, outbox) = app
        .read(|v| Ok((v.relay_address()?, v.outbox()?.len())))
        .and_then(Result::ok)
        .unwrap_or_default();
    let auto_now = AutoView::read(app);
    SettingsView {
        layout: Layout::new(app, "Settings", Nav::Settings),
        backup: FormState::default(),
        auto: auto_now.form(),
        auto_now,
        keep_min: *KEEP_RANGE.start(),
        keep_max: *KEEP_RANGE.end(),
        form: form.unwrap_or_else(|| current(&snap.settings)),
        relay: relay.unwrap_or_else(|| relay_current(relay_address.as_deref())),
        relay_address,
        outbox,
        pass,
        import,
        meter: Meter {
            s: strength(""),
            matches: None,
        },
        fellowships: Fellowship::ALL,
        languages: Language::ALL,
        parties: snap.records.len(),
        lock_min: *Settings::AUTO_LOCK_RANGE.start(),
        lock_max: *Settings::AUTO_LOCK_RANGE.end(),
        crisis_max: Settings::CRISIS_LINE_MAX,
    }
}

/// The page with every form as it is when nothing has been typed, for a form of another module
/// to fill in and show again.
pub(crate) fn view_of(app: &App, snap: &Snapshot) -> SettingsView {
    view(
        app,
        snap,
        None,
        None,
        FormState::default(),
        FormState::default(),
    )
}

/// `GET /settings`.
pub async fn settings_page(State(app): State<App>) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    page(&view(
        &app,
        &snap,
        None,
        None,
        FormState::default(),
        FormState::default(),
    ))
}

/// `POST /settings`: fellowship, language, amends_to_self, currency, auto_lock, crisis_line.
pub async fn save(State(app): State<App>, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut form = FormState::new(Fields::parse(&body));
    let fellowship = choice(&mut form, "fellowship", Fellowship::parse);
    let language = choice(&mut form, "language", Language::parse);
    let currency = match Currency::parse(form.value("currency").trim()) {
        Ok(c) => Some(c),
        Err(_) => {
            form.field_error(
                "currency",
                "Use a three-letter currency code, such as USD, EUR or GBP.",
            );
            None
        }
    };
    let range = Settings::AUTO_LOCK_RANGE;
    let auto_lock = match form.value("auto_lock").trim().parse::<u32>() {
        Ok(m) if range.contains(&m) => Some(m),
        _ => {
            form.field_error(
                "auto_lock",
                format!(
                    "Choose a whole number of minutes from {} to {}.",
                    range.start(),
                    range.end()
                ),
            );
            None
        }
    };
    // Browsers send the line breaks of a text box as CR LF; keep plain LF.
    let crisis_line = form.value("crisis_line").trim().replace("\r\n", "\n");
    if crisis_line.chars().count() > Settings::CRISIS_LINE_MAX {
        form.field_error(
            "crisis_line",
            format!(
                "This is longer than {} characters. Keep it to the lines you would want to see in a hard moment.",
                Settings::CRISIS_LINE_MAX
            ),
        );
    }
    let amends_to_self = form.checked("amends_to_self");
    if !amends_to_self
        && snap
            .records
            .iter()
            .any(|r| r.party.kind == PartyKind::Myself)
    {
        form.field_error(
            "amends_to_self",
            "You are on your own list, so this cannot be turned off yet. Change the kind of that entry on its page first; an entry set aside still counts.",
        );
    }
    if let (Some(fellowship), Some(language), Some(currency), Some(auto_lock_minutes)) =
        (fellowship, language, currency, auto_lock)
        && !form.has_errors()
    {
        let settings = Settings {
            fellowship,
            language,
            currency,
            amends_to_self,
            auto_lock_minutes,
            crisis_line,
        };
        match app.write(|v, _| v.set_settings(&settings)) {
            Some(Ok(())) => {
                app.flash(FlashKind::Done, "Your settings are saved.");
                return see("/settings");
            }
            Some(Err(VaultError::Invalid { field, message })) if field == "crisis line" => {
                form.field_error("crisis_line", format!("This {message}."));
            }
            Some(Err(e)) => form.vault_error(e, |field| match field {
                "auto-lock" => Some("auto_lock"),
                "currency" => Some("currency"),
                _ => None,
            }),
            None => return see("/unlock"),
        }
    }
    page_with(
        StatusCode::UNPROCESSABLE_ENTITY,
        &view(
            &app,
            &snap,
            Some(form),
            None,
            FormState::default(),
            FormState::default(),
        ),
    )
}

async fn to_settings() -> Response {
    see("/settings")
}

/// A relay address that cannot be used, in words for the field (no example address: the
/// person's own relay is the one to give).
fn relay_address_words(why: &RelayError) -> String {
    format!(
        "That address cannot be used: {}. Give the address of the relay exactly as you were given it; it starts with https://, or with http:// for a relay on this computer or your own network.",
        why.reason()
    )
}

/// `POST /settings/relay`: relay. Checks the address and keeps it; nothing is sent.
pub async fn save_relay(State(app): State<App>, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut relay = FormState::new(Fields::parse(&body));
    let typed = relay.value("relay").trim().to_string();
    if typed.is_empty() {
        relay.field_error(
            "relay",
            "Give the address of the relay you want to use. To stop using a relay, press Stop using a relay instead.",
        );
    } else {
        match write_share(&app, |v, _| set_relay_address(v, Some(&typed))) {
            Some(Ok(_)) => {
                tracing::info!("the relay address was saved");
                app.flash(
                    FlashKind::Done,
                    "The relay address is saved. Nothing was sent yet: the relay is used when you send through it or check for new.",
                );
                return see("/settings#relay-h");
            }
            Some(Err(ShareError::Relay(why))) => {
                relay.field_error("relay", relay_address_words(&why))
            }
            Some(Err(ShareError::Vault(VaultError::Invalid { message, .. }))) => relay.field_error(
                "relay",
                format!(
                    "That address cannot be used: it {message}. Give the address of the relay exactly as you were given it."
                ),
            ),
            Some(Err(e)) => relay.problem = Some(share_words(&e)),
            None => return see("/unlock"),
        }
    }
    page_with(
        StatusCode::UNPROCESSABLE_ENTITY,
        &view(
            &app,
            &snap,
            None,
            Some(relay),
            FormState::default(),
            FormState::default(),
        ),
    )
}

/// `POST /settings/relay/clear`: stops using a relay. What waits in the outbox stays there.
pub async fn clear_relay(State(app): State<App>) -> Response {
    if let Err(r) = open(&app) {
        return r;
    }
    match write_share(&app, |v, _| {
        set_relay_address(v, None)?;
        Ok(v.outbox()?.len())
    }) {
        Some(Ok(waiting)) => {
            tracing::info!("the relay address was cleared");
            let mut text = String::from(
                "The relay address is cleared. Nothing is sent or fetched through a relay until you set one again.",
            );
            if waiting > 0 {
                text.push_str(&format!(
                    " {} in this vault, kept safe; {} when you set a relay again and press Send now.",
                    if waiting == 1 {
                        "1 bundle still waits".to_string()
                    } else {
                        format!("{waiting} bundles still wait")
                    },
                    if waiting == 1 { "it goes" } else { "they go" }
                ));
            }
            app.flash(FlashKind::Done, text);
            see("/settings#relay-h")
        }
        Some(Err(e)) => {
            app.flash(FlashKind::Note, share_words(&e));
            see("/settings#relay-h")
        }
        None => see("/unlock"),
    }
}

/// `POST /settings/passphrase`: current, passphrase, again. No passphrase is ever put back
/// into the page.
pub async fn change_passphrase(State(app): State<App>, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let f = Fields::parse(&body);
    let old = f.get("current").to_string();
    let new = f.get("passphrase").to_string();
    let mut pass = FormState::default();
    if old.is_empty() {
        pass.field_error("current", "Type the passphrase you use now.");
    }
    let s = check_new_passphrase(
        &mut pass,
        &new,
        f.get("again"),
        "Choose a new passphrase: a phrase of several words you can remember.",
        "The two new passphrases are not the same. Type them again.",
    );
    if !pass.has_errors() {
        let path = app.config().vault.clone();
        let old = SecretString::from(old);
        let new = SecretString::from(new);
        let result =
            tokio::task::spawn_blocking(move || Vault::change_passphrase(&path, &old, &new)).await;
        match result {
            Ok(Ok(())) => {
                app.flash(
                    FlashKind::Done,
                    "Your passphrase is changed. Use the new one from now on; your recovery key still works as before.",
                );
                return see("/settings");
            }
            Ok(Err(VaultError::WrongPassphrase)) => pass.field_error(
                "current",
                "That is not the passphrase that opens this vault now. Nothing was changed; check it and try again.",
            ),
            Ok(Err(e)) => pass.problem = Some(web_words(&e)),
            Err(_) => {
                pass.problem = Some("That was interrupted. Nothing was changed; try again.".into())
            }
        }
    }
    let mut v = view(&app, &snap, None, None, pass, FormState::default());
    v.meter = Meter { s, matches: None };
    page_with(StatusCode::UNPROCESSABLE_ENTITY, &v)
}

/// `GET /settings/export`: the whole workbook as a JSON file (not encrypted).
pub async fn export(State(app): State<App>) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let doc = match app.read(|v| v.export(jiff::Timestamp::now())) {
        Some(Ok(doc)) => doc,
        Some(Err(e)) => return crate::view::trouble(&e),
        None => return see("/unlock"),
    };
    let mut json = match serde_json::to_vec_pretty(&doc) {
        Ok(j) => j,
        Err(_) => {
            return crate::view::trouble(&VaultError::Storage("the export".into()));
        }
    };
    json.push(b'\n');
    let name = format!(
        "attachment; filename=\"amends-export-{}.json\"",
        snap.now.today
    );
    (
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        json,
    )
        .into_response()
}

/// `POST /settings/import`: multipart with `_csrf` first, then `file`. Goes only into an
/// empty vault; all or nothing.
pub async fn import(State(app): State<App>, mut multipart: Multipart) -> Response {
    if !multipart_csrf_ok(&app, &mut multipart).await {
        tracing::warn!("an import without the page's token was refused");
        return forbidden();
    }
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut import = FormState::default();
    let mut file: Option<Bytes> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                if field.name() == Some("file") {
                    match field.bytes().await {
                        Ok(b) => file = Some(b),
                        Err(_) => {
                            import.field_error(
                                "file",
                                "The file did not arrive whole. Nothing was changed; try again.",
                            );
                            break;
                        }
                    }
                }
            }
            Ok(None) => break,
            Err(_) => {
                import.field_error(
                    "file",
                    "The file did not arrive whole. Nothing was changed; try again.",
                );
                break;
            }
        }
    }
    if !import.has_errors() {
        match file {
            Some(b) if !b.is_empty() => match String::from_utf8(b.to_vec()) {
                Ok(json) => match app.write(|v, _| v.import_json(&json)) {
                    Some(Ok(n)) => {
                        app.flash(
                            FlashKind::Done,
                            format!(
                                "Your workbook is brought in: {n} {} with everything recorded for them. The settings came from the file too.",
                                if n == 1 { "entry" } else { "entries" }
                            ),
                        );
                        return see("/list");
                    }
                    Some(Err(e)) => import.field_error("file", web_words(&e)),
                    None => return see("/unlock"),
                },
                Err(_) => import.field_error(
                    "file",
                    "This file is not an Amends export: it is not plain text. Nothing was changed.",
                ),
            },
            _ => import.field_error(
                "file",
                "Choose the export file (a .json file Amends made) to bring in.",
            ),
        }
    }
    page_with(
        StatusCode::UNPROCESSABLE_ENTITY,
        &view(&app, &snap, None, None, FormState::default(), import),
    )
}
