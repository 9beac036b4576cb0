//! Backups in the web app: a backup made now (downloaded), the automatic backups (Settings),
//! and a vault restored from a backup on the first-run page.
//!
//! The automatic backups themselves are made in the background (`lib.rs`, `App::automatic_backup`).

use crate::routes::Routes;
use amends_vault::VaultError;
use amends_vault::backup::{self, BackupError, KEEP_DEFAULT, KEEP_RANGE, open_backup};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use secrecy::SecretString;

use crate::forms::{Fields, FormState, web_words};
use crate::pages::access::check_new_passphrase;
use crate::pages::settings;
use crate::security::{forbidden, multipart_csrf_ok};
use crate::state::{Access, App, FlashKind};
use crate::view::{Layout, Nav, download, open, page, page_with, see};

pub fn routes() -> Routes {
    Routes::new()
        .get_post("/settings/backup", to_section, make_now)
        .get_post("/settings/backup/auto", to_section, save_auto)
        .get_post("/settings/backup/auto/off", to_section, auto_off)
        .get_post("/setup/restore", restore_page, restore)
}

/// Where the Backups section of Settings is.
const SECTION: &str = "/settings#backups-h";

async fn to_section() -> Response {
    see(SECTION)
}

/// A backup error in words for the browser.
pub fn backup_words(e: &BackupError) -> String {
    match e {
        BackupError::Vault(v) => web_words(v),
        BackupError::NotABackup => "This file is not an Amends backup. Nothing was created. A backup is an .age file made by Backups in Settings, or by amends backup.".into(),
        other => other.to_string(),
    }
}

/// Checks a new backup passphrase typed twice, filing problems under `pass` and `again` (the
/// names of this form's own fields, so that they do not clash with the other forms on the page).
fn check_backup_passphrase(form: &mut FormState, pass: &str, again: &str, names: (&str, &str)) {
    let mut checked = FormState::default();
    check_new_passphrase(
        &mut checked,
        pass,
        again,
        "Choose a passphrase for the backup: a phrase of several words you can remember. It can differ from the one that opens Amends.",
        "The two passphrases are not the same. Type them again.",
    );
    if let Some(e) = checked.errors.remove("passphrase") {
        form.field_error(names.0, e);
    }
    if let Some(e) = checked.errors.remove("again") {
        form.field_error(names.1, e);
    }
}

/// `POST /settings/backup`: backup_passphrase, backup_again. The whole vault, sealed with the
/// passphrase, as a download. Nothing is kept on this computer.
pub async fn make_now(State(app): State<App>, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let f = Fields::parse(&body);
    // Passphrases are never put back into a page.
    let mut form = FormState::default();
    let pass = f.get("backup_passphrase").to_string();
    check_backup_passphrase(
        &mut form,
        &pass,
        f.get("backup_again"),
        ("backup_passphrase", "backup_again"),
    );
    if !form.has_errors() {
        let now = crate::state::now();
        // The vault is held only while it is copied; sealing takes a second and needs no vault.
        match app.read(|v| v.backup_image(&now)) {
            Some(Ok(image)) => {
                let secret = SecretString::from(pass);
                match tokio::task::spawn_blocking(move || image.seal(&secret)).await {
                    Ok(Ok(bytes)) => {
                        tracing::info!("a backup was made for download");
                        return download(&backup::file_name(&now), bytes);
                    }
                    Ok(Err(e)) => form.problem = Some(backup_words(&e)),
                    Err(_) => {
                        form.problem = Some("Making the backup was interrupted. Try again.".into())
                    }
                }
            }
            Some(Err(e)) => form.problem = Some(web_words(&e)),
            None => return see("/unlock"),
        }
    }
    let mut v = settings::view_of(&app, &snap);
    v.backup = form;
    page_with(StatusCode::UNPROCESSABLE_ENTITY, &v)
}

/// `POST /settings/backup/auto`: folder, keep, auto_passphrase, auto_again. Turns automatic
/// backups on or changes them; an empty passphrase keeps the one chosen before.
pub async fn save_auto(State(app): State<App>, body: Bytes) -> Response {
    let snap = match open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let f = Fields::parse(&body);
    // The folder and the number are put back; the passphrases never are.
    let mut kept = form_urlencoded::Serializer::new(String::new());
    kept.append_pair("folder", f.get("folder"))
        .append_pair("keep", f.get("keep"));
    let mut form = FormState::new(Fields::parse(&Bytes::from(kept.finish())));
    let had_passphrase = app
        .read(|v| v.automatic_backups())
        .and_then(Result::ok)
        .is_some_and(|a| a.folder.is_some());
    let keep = match f.get("keep").trim().parse::<u32>() {
        Ok(k) if KEEP_RANGE.contains(&k) => Some(k),
        _ => {
            form.field_error(
                "keep",
                format!(
                    "Choose a whole number from {} to {}.",
                    KEEP_RANGE.start(),
                    KEEP_RANGE.end()
                ),
            );
            None
        }
    };
    let folder = f.get("folder").trim().to_string();
    if folder.is_empty() {
        form.field_error(
            "folder",
            "Give the folder to keep backups in, as a full path such as /home/you/Backups. A folder on another drive keeps them safe if this one fails.",
        );
    } else if let Err(e) = backup::check_folder(std::path::Path::new(&folder)) {
        form.field_error("folder", folder_words(&e));
    }
    let pass = f.get("auto_passphrase").to_string();
    let again = f.get("auto_again");
    if !(pass.is_empty() && again.is_empty() && had_passphrase) {
        check_backup_passphrase(&mut form, &pass, again, ("auto_passphrase", "auto_again"));
    }
    if let (Some(keep), false) = (keep, form.has_errors()) {
        let secret = (!pass.is_empty()).then(|| SecretString::from(pass));
        match app.write(|v, _| {
            v.set_automatic_backups(std::path::Path::new(&folder), keep, secret.as_ref())
        }) {
            Some(Ok(())) => {
                tracing::info!("automatic backups were set");
                let now = crate::state::now();
                let due = app
                    .read(|v| v.backup_due(&now))
                    .and_then(Result::ok)
                    .unwrap_or(false);
                app.flash(
                    FlashKind::Done,
                    format!(
                        "Automatic backups are on. Amends makes one a day while it runs, and keeps the last {keep}. {}",
                        if due {
                            "One is being made now."
                        } else {
                            "The next is made when the last is a day old."
                        }
                    ),
                );
                app.wake_backups();
                return see(SECTION);
            }
            Some(Err(VaultError::Invalid { field, message })) if field == "folder" => {
                form.field_error("folder", format!("This folder {message}."));
            }
            Some(Err(e)) => form.vault_error(e, |field| match field {
                "keep" => Some("keep"),
                "passphrase" => Some("auto_passphrase"),
                _ => None,
            }),
            None => return see("/unlock"),
        }
    }
    let mut v = settings::view_of(&app, &snap);
    v.auto = form;
    page_with(StatusCode::UNPROCESSABLE_ENTITY, &v)
}

fn folder_words(e: &VaultError) -> String {
    match e {
        VaultError::Invalid { message, .. } => format!("This folder {message}."),
        other => web_words(other),
    }
}

/// `POST /settings/backup/auto/off`: no more automatic backups; those made stay.
pub async fn auto_off(State(app): State<App>) -> Response {
    if let Err(r) = open(&app) {
        return r;
    }
    match app.write(|v, _| v.turn_off_automatic_backups()) {
        Some(Ok(())) => {
            tracing::info!("automatic backups were turned off");
            app.flash(
                FlashKind::Done,
                "Automatic backups are off. The backups already made stay in their folder; nothing was deleted.",
            );
            see(SECTION)
        }
        Some(Err(e)) => {
            app.flash(FlashKind::Note, web_words(&e));
            see(SECTION)
        }
        None => see("/unlock"),
    }
}

/// What the Backups section shows about the automatic backups.
pub struct AutoView {
    pub on: bool,
    pub folder: String,
    pub keep: u32,
    /// "3 May 2026 at 14:00", or empty when none was made yet.
    pub last: String,
    pub problem: Option<&'static str>,
}

impl AutoView {
    pub fn read(app: &App) -> AutoView {
        let a = app.read(|v| v.automatic_backups()).and_then(Result::ok);
        let now = crate::state::now();
        match a {
            Some(a) => AutoView {
                on: a.folder.is_some(),
                folder: a
                    .folder
                    .map(|f| f.display().to_string())
                    .unwrap_or_default(),
                keep: a.keep,
                last: a
                    .last_at
                    .map(|t| {
                        let z = t.to_zoned(now.tz.clone());
                        format!("{} at {}", crate::view::day(z.date()), z.strftime("%H:%M"))
                    })
                    .unwrap_or_default(),
                problem: a.problem.map(|p| p.words()),
            },
            None => AutoView {
                on: false,
                folder: String::new(),
                keep: KEEP_DEFAULT,
                last: String::new(),
                problem: None,
            },
        }
    }

    /// The automatic form as it is when nothing has been typed: the settings in force.
    pub fn form(&self) -> FormState {
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("folder", &self.folder)
            .append_pair("keep", &self.keep.to_string());
        FormState::new(Fields::parse(&Bytes::from(q.finish())))
    }
}

// ---------------------------------------------------------------------------------------------
// Restoring on the first run

#[derive(Template)]
#[template(path = "setup_restore.html")]
struct RestoreView {
    layout: Layout,
    form: FormState,
}

fn restore_view(app: &App, form: FormState) -> RestoreView {
    RestoreView {
        layout: Layout::new(app, "Restore from a backup", Nav::None),
        form,
    }
}

/// `GET /setup/restore`: only while there is no vault yet.
pub async fn restore_page(State(app): State<App>) -> Response {
    if app.access() != Access::NoVault {
        return see("/");
    }
    page(&restore_view(&app, FormState::default()))
}

/// The fields of the restore form, read from its multipart body.
#[derive(Default)]
struct RestoreForm {
    file: Option<Bytes>,
    backup_passphrase: String,
    passphrase: String,
    again: String,
    /// The body did not arrive whole.
    broken: bool,
}

async fn read_restore_form(mut multipart: Multipart) -> RestoreForm {
    let mut out = RestoreForm::default();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_string();
                let value = match field.bytes().await {
                    Ok(b) => b,
                    Err(_) => {
                        out.broken = true;
                        break;
                    }
                };
                let text = || String::from_utf8_lossy(&value).into_owned();
                match name.as_str() {
                    "file" => out.file = Some(value.clone()),
                    "backup_passphrase" => out.backup_passphrase = text(),
                    "passphrase" => out.passphrase = text(),
                    "again" => out.again = text(),
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(_) => {
                out.broken = true;
                break;
            }
        }
    }
    out
}

/// `POST /setup/restore`: multipart with `_csrf` first, then `file`, `backup_passphrase`,
/// `passphrase`, `again`. Makes the vault of this app from the backup, with a new key, and
/// shows its recovery key as the first run does.
pub async fn restore(State(app): State<App>, req: Request) -> Response {
    if app.access() != Access::NoVault {
        return see("/");
    }
    let Ok(mut multipart) = Multipart::from_request(req, &app).await else {
        return forbidden();
    };
    if !multipart_csrf_ok(&app, &mut multipart).await {
        tracing::warn!("a restore without the page's token was refused");
        return forbidden();
    }
    let r = read_restore_form(multipart).await;
    let mut form = FormState::default();
    if r.broken {
        form.field_error(
            "file",
            "The file did not arrive whole. Nothing was created; try again.",
        );
    }
    let file = r.file.filter(|b| !b.is_empty());
    if file.is_none() {
        form.field_error(
            "file",
            "Choose the backup file (an .age file whose name starts with amends-backup).",
        );
    }
    if r.backup_passphrase.is_empty() {
        form.field_error(
            "backup_passphrase",
            "Type the passphrase the backup was made with.",
        );
    }
    check_new_passphrase(
        &mut form,
        &r.passphrase,
        &r.again,
        "Choose a passphrase for your restored vault: a phrase of several words you can remember.",
        "The two passphrases are not the same. Type them again.",
    );
    let (Some(file), false) = (file, form.has_errors()) else {
        return page_with(StatusCode::UNPROCESSABLE_ENTITY, &restore_view(&app, form));
    };
    let path = app.config().vault.clone();
    let backup_pass = SecretString::from(r.backup_passphrase);
    let pass = SecretString::from(r.passphrase);
    let result = tokio::task::spawn_blocking(move || {
        open_backup(&file, &backup_pass)?.restore(&path, &pass)
    })
    .await;
    match result {
        Ok(Ok(restored)) => {
            tracing::info!("a vault was restored from a backup");
            let info = restored.info.clone();
            let mut note = format!(
                "Your backup from {} is restored: {} {} with everything recorded for them. This is a new vault with its own recovery key: write it down below.",
                crate::view::day(crate::state::now().date_of(info.created)),
                info.parties,
                if info.parties == 1 {
                    "entry"
                } else {
                    "entries"
                },
            );
            if restored.automatic_were_on {
                note.push_str(
                    " Automatic backups are off in it until you turn them on again in Settings.",
                );
            }
            app.set_pending_recovery(Some(restored.recovery_key));
            app.unlocked(restored.vault);
            app.flash(FlashKind::Done, note);
            see("/setup/recovery")
        }
        Ok(Err(BackupError::WrongPassphrase)) => {
            form.field_error(
                "backup_passphrase",
                "That passphrase does not open this backup. Nothing was created. Use the passphrase chosen when the backup was made; if you are sure of it, the file may be damaged: try another copy.",
            );
            page_with(StatusCode::UNPROCESSABLE_ENTITY, &restore_view(&app, form))
        }
        Ok(Err(
            e @ (BackupError::NotABackup | BackupError::Damaged | BackupError::TooNew { .. }),
        )) => {
            form.field_error("file", backup_words(&e));
            page_with(StatusCode::UNPROCESSABLE_ENTITY, &restore_view(&app, form))
        }
        Ok(Err(e)) => {
            form.problem = Some(backup_words(&e));
            page_with(StatusCode::UNPROCESSABLE_ENTITY, &restore_view(&app, form))
        }
        Err(_) => {
            form.problem =
                Some("Restoring was interrupted. Nothing was created; try again.".into());
            page_with(StatusCode::UNPROCESSABLE_ENTITY, &restore_view(&app, form))
        }
    }
}
