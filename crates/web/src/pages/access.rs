//! Getting in and out: the first run (create, recovery key, choices), unlock, recovery,
//! lock, and the quick exit.

use amends_core::Currency;
use amends_core::model::{Fellowship, Language, Settings};
use amends_vault::{Vault, VaultError};
use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use secrecy::{ExposeSecret, SecretString};

use crate::forms::{Fields, FormState, web_words};
use crate::state::{Access, App, FlashKind};
use crate::view::{Layout, Nav, page, page_with, see};

/// Passphrases scoring below this (zxcvbn's 0-4 scale) are refused.
const MIN_SCORE: u8 = 2;

/// How hard a passphrase is to guess, in words.
pub struct Strength {
    pub score: u8,
    pub label: &'static str,
    pub advice: String,
}

/// Checks a new passphrase typed twice, filing any problem next to its field (`passphrase` or
/// `again`): not empty, not guessable (below `MIN_SCORE`), the same both times. The words for an
/// empty field and for a mismatch are the page's own. Returns the strength, for the meter.
pub fn check_new_passphrase(
    form: &mut FormState,
    pass: &str,
    again: &str,
    empty: &str,
    mismatch: &str,
) -> Strength {
    let s = strength(pass);
    if pass.trim().is_empty() {
        form.field_error("passphrase", empty);
    } else if s.score < MIN_SCORE {
        form.field_error(
            "passphrase",
            format!(
                "This passphrase is {}: someone could guess it. {}",
                s.label, s.advice
            ),
        );
    } else if pass != again {
        form.field_error("again", mismatch);
    }
    s
}

pub fn strength(passphrase: &str) -> Strength {
    if passphrase.is_empty() {
        return Strength {
            score: 0,
            label: "nothing typed yet",
            advice: "A phrase of four or more unrelated words is strong and easy to remember."
                .into(),
        };
    }
    let e = zxcvbn::zxcvbn(passphrase, &["amends"]);
    let score = u8::from(e.score());
    let label = match score {
        0 => "very weak",
        1 => "weak",
        2 => "fair",
        3 => "strong",
        _ => "very strong",
    };
    let mut advice = String::new();
    if let Some(f) = e.feedback() {
        if let Some(w) = f.warning() {
            advice.push_str(&w.to_string());
            advice.push(' ');
        }
        for s in f.suggestions() {
            advice.push_str(&s.to_string());
            advice.push(' ');
        }
    }
    if advice.is_empty() && score < 3 {
        advice = "Add another word or two that do not belong together.".into();
    }
    Strength {
        score,
        label,
        advice: advice.trim().to_string(),
    }
}

pub struct Meter {
    s: Strength,
    matches: Option<bool>,
}

#[derive(Template)]
#[template(path = "strength.html")]
struct StrengthView {
    meter: Meter,
}

/// `POST /setup/strength`: the meter under the passphrase, as the person types.
pub async fn strength_meter(body: Bytes) -> Response {
    let f = Fields::parse(&body);
    let pass = f.get("passphrase");
    let again = f.get("again");
    page(&StrengthView {
        meter: Meter {
            s: strength(pass),
            matches: (!again.is_empty()).then(|| pass == again),
        },
    })
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupView {
    layout: Layout,
    form: FormState,
    meter: Meter,
}

pub async fn setup_page(State(app): State<App>) -> Response {
    if app.access() != Access::NoVault {
        return see("/");
    }
    page(&SetupView {
        layout: Layout::new(&app, "Create your vault", Nav::None),
        form: FormState::default(),
        meter: Meter {
            s: strength(""),
            matches: None,
        },
    })
}

pub async fn setup_create(State(app): State<App>, body: Bytes) -> Response {
    if app.access() != Access::NoVault {
        return see("/");
    }
    let f = Fields::parse(&body);
    let pass = f.get("passphrase").to_string();
    let again = f.get("again").to_string();
    // A passphrase is never put back into a page, so the meter starts again from nothing.
    let mut form = FormState::default();
    check_new_passphrase(
        &mut form,
        &pass,
        &again,
        "Choose a passphrase: a phrase of several words you can remember.",
        "The two passphrases are not the same. Type them again.",
    );
    if form.has_errors() {
        return page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SetupView {
                layout: Layout::new(&app, "Create your vault", Nav::None),
                form,
                meter: Meter {
                    s: strength(""),
                    matches: None,
                },
            },
        );
    }
    let path = app.config().vault.clone();
    let secret = SecretString::from(pass);
    let created =
        tokio::task::spawn_blocking(move || Vault::create(&path, &secret, &Settings::default()))
            .await;
    match created {
        Ok(Ok(c)) => {
            app.set_pending_recovery(Some(c.recovery_key));
            app.unlocked(c.vault);
            see("/setup/recovery")
        }
        Ok(Err(e)) => {
            let form = FormState {
                problem: Some(web_words(&e)),
                ..FormState::default()
            };
            page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &SetupView {
                    layout: Layout::new(&app, "Create your vault", Nav::None),
                    form,
                    meter: Meter {
                        s: strength(""),
                        matches: None,
                    },
                },
            )
        }
        Err(_) => crate::view::trouble(&VaultError::Randomness),
    }
}

#[derive(Template)]
#[template(path = "setup_recovery.html")]
struct RecoveryView {
    layout: Layout,
    groups: Vec<String>,
    form: FormState,
}

fn key_groups(key: &str) -> Vec<String> {
    key.split('-').map(str::to_string).collect()
}

/// The key is shown only while the vault it opens is open: after a lock or a quick exit, whoever
/// sits down next sees the unlock page, and the owner sees the key again once they unlock.
/// `Err` holds the page to go to instead.
fn key_if_open(app: &App) -> Result<String, &'static str> {
    match app.access() {
        Access::Open => app.pending_recovery_key().ok_or("/"),
        Access::Locked => Err("/unlock"),
        Access::NoVault => Err("/setup"),
    }
}

pub async fn recovery_page(State(app): State<App>) -> Response {
    let key = match key_if_open(&app) {
        Ok(k) => k,
        Err(to) => return see(to),
    };
    page(&RecoveryView {
        layout: Layout::new(&app, "Your recovery key", Nav::None),
        groups: key_groups(&key),
        form: FormState::default(),
    })
}

pub async fn recovery_confirm(State(app): State<App>, body: Bytes) -> Response {
    let key = match key_if_open(&app) {
        Ok(k) => k,
        Err(to) => return see(to),
    };
    let f = Fields::parse(&body);
    let mut form = FormState::new(f.clone());
    let groups = key_groups(&key);
    let last = groups.last().cloned().unwrap_or_default();
    if !f.checked("written") {
        form.field_error(
            "written",
            "Tick this once the key is written on paper. Without it, a forgotten passphrase locks your words away for good.",
        );
    }
    let typed: String = f
        .get("last")
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if !typed.eq_ignore_ascii_case(&last) {
        form.field_error(
            "last",
            "That is not the last group of your key. Look at what you wrote down and type its last eight characters.",
        );
    }
    if form.has_errors() {
        return page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &RecoveryView {
                layout: Layout::new(&app, "Your recovery key", Nav::None),
                groups,
                form,
            },
        );
    }
    app.set_pending_recovery(None);
    see("/setup/choices")
}

#[derive(Template)]
#[template(path = "setup_choices.html")]
struct ChoicesView {
    layout: Layout,
    form: FormState,
    fellowships: &'static [Fellowship],
    languages: &'static [Language],
}

pub async fn choices_page(State(app): State<App>) -> Response {
    let snap = match crate::view::open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let s = &snap.settings;
    let mut values = vec![
        ("fellowship".to_string(), s.fellowship.code().to_string()),
        ("language".to_string(), s.language.code().to_string()),
        ("currency".to_string(), s.currency.code().to_string()),
    ];
    if s.amends_to_self {
        values.push(("amends_to_self".into(), "on".into()));
    }
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(values)
        .finish();
    page(&ChoicesView {
        layout: Layout::new(&app, "A few choices", Nav::None),
        form: FormState::new(Fields::parse(&Bytes::from(query))),
        fellowships: Fellowship::ALL,
        languages: Language::ALL,
    })
}

pub async fn choices_save(State(app): State<App>, body: Bytes) -> Response {
    let snap = match crate::view::open(&app) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let f = Fields::parse(&body);
    let mut form = FormState::new(f);
    let fellowship = crate::forms::choice(&mut form, "fellowship", Fellowship::parse);
    let language = crate::forms::choice(&mut form, "language", Language::parse);
    let currency = match Currency::parse(form.value("currency").trim()) {
        Ok(c) => Some(c),
        Err(e) => {
            form.field_error("currency", e.message);
            None
        }
    };
    if let (Some(fellowship), Some(language), Some(currency)) = (fellowship, language, currency) {
        let settings = Settings {
            fellowship,
            language,
            currency,
            amends_to_self: form.checked("amends_to_self"),
            ..snap.settings.clone()
        };
        match app.write(|v, _| v.set_settings(&settings)) {
            Some(Ok(())) => {
                app.flash(
                    FlashKind::Done,
                    "Your vault is ready. Start by adding someone to your list when you feel able to.",
                );
                return see("/");
            }
            Some(Err(e)) => form.vault_error(e, |_| None),
            None => return see("/unlock"),
        }
    }
    page_with(
        StatusCode::UNPROCESSABLE_ENTITY,
        &ChoicesView {
            layout: Layout::new(&app, "A few choices", Nav::None),
            form,
            fellowships: Fellowship::ALL,
            languages: Language::ALL,
        },
    )
}

#[derive(Template)]
#[template(path = "unlock.html")]
struct UnlockView {
    layout: Layout,
    form: FormState,
}

/// After several wrong passphrases or recovery keys in a row (in this app, the CLI or any other
/// program), how long the next try must wait: `None` when it may go ahead now.
fn wait_due(app: &App, recovery_key: bool) -> Option<VaultError> {
    match Vault::unlock_wait(&app.config().vault) {
        Ok(0) => None,
        Ok(wait_secs) => Some(VaultError::TooManyTries {
            wait_secs,
            recovery_key,
        }),
        Err(e) => Some(e),
    }
}

/// A page shown again because a try came before its wait was over: 429 with Retry-After, so
/// the browser (and anything else asking) is told plainly when to come back.
fn too_soon(wait_secs: u64, t: &impl Template) -> Response {
    let mut r = page_with(StatusCode::TOO_MANY_REQUESTS, t);
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(wait_secs));
    r
}

fn wait_of(e: &VaultError) -> Option<u64> {
    match e {
        VaultError::TooManyTries { wait_secs, .. } => Some(*wait_secs),
        _ => None,
    }
}

pub async fn unlock_page(State(app): State<App>) -> Response {
    match app.access() {
        Access::NoVault => return see("/setup"),
        Access::Open => return see("/"),
        Access::Locked => {}
    }
    let mut form = FormState::default();
    // The wait, if one is due, is on the page from the start.
    if let Some(e) = wait_due(&app, false) {
        form.problem = Some(web_words(&e));
    }
    page(&UnlockView {
        layout: Layout::new(&app, "Unlock", Nav::None),
        form,
    })
}

pub async fn unlock(State(app): State<App>, body: Bytes) -> Response {
    match app.access() {
        Access::NoVault => return see("/setup"),
        Access::Open => return see("/"),
        Access::Locked => {}
    }
    let f = Fields::parse(&body);
    let secret = SecretString::from(f.get("passphrase").to_string());
    let mut form = FormState::default();
    let mut wait = None;
    if let Some(e) = wait_due(&app, false) {
        // Refused before the passphrase is tried: nothing is derived, nothing is counted.
        wait = wait_of(&e);
        form.problem = Some(web_words(&e));
    } else if secret.expose_secret().is_empty() {
        form.field_error("passphrase", "Type your passphrase to unlock.");
    } else {
        let path = app.config().vault.clone();
        match tokio::task::spawn_blocking(move || Vault::open(&path, &secret)).await {
            Ok(Ok(vault)) => {
                if let Some(b) = vault.migration_backup() {
                    let note = format!(
                        "This vault was brought up to date for this version of Amends. A copy from before was kept at {}.",
                        b.display()
                    );
                    app.unlocked(vault);
                    app.flash(FlashKind::Note, note);
                } else {
                    app.unlocked(vault);
                }
                return see("/");
            }
            Ok(Err(VaultError::WrongPassphrase)) => form.field_error(
                "passphrase",
                "That passphrase does not open this vault. Check it and try again, or use your recovery key.",
            ),
            Ok(Err(e)) => {
                wait = wait_of(&e);
                form.problem = Some(web_words(&e));
            }
            Err(_) => form.problem = Some("Unlocking was interrupted. Try again.".into()),
        }
    }
    let view = UnlockView {
        layout: Layout::new(&app, "Unlock", Nav::None),
        form,
    };
    match wait {
        Some(w) => too_soon(w, &view),
        None => page_with(StatusCode::UNPROCESSABLE_ENTITY, &view),
    }
}

#[derive(Template)]
#[template(path = "recover.html")]
struct RecoverView {
    layout: Layout,
    form: FormState,
}

pub async fn recover_page(State(app): State<App>) -> Response {
    if app.access() == Access::NoVault {
        return see("/setup");
    }
    let mut form = FormState::default();
    if let Some(e) = wait_due(&app, true) {
        form.problem = Some(web_words(&e));
    }
    page(&RecoverView {
        layout: Layout::new(&app, "Use your recovery key", Nav::None),
        form,
    })
}

pub async fn recover(State(app): State<App>, body: Bytes) -> Response {
    if app.access() == Access::NoVault {
        return see("/setup");
    }
    let f = Fields::parse(&body);
    let key = f.get("key").trim().to_string();
    let pass = f.get("passphrase").to_string();
    let mut form = FormState::default();
    if let Some(e) = wait_due(&app, true) {
        // Refused before the key is tried; nothing typed is shown again.
        form.problem = Some(web_words(&e));
        let view = RecoverView {
            layout: Layout::new(&app, "Use your recovery key", Nav::None),
            form,
        };
        return match wait_of(&e) {
            Some(w) => too_soon(w, &view),
            None => page_with(StatusCode::UNPROCESSABLE_ENTITY, &view),
        };
    }
    if key.is_empty() {
        form.field_error("key", "Type the recovery key you wrote down.");
    }
    check_new_passphrase(
        &mut form,
        &pass,
        f.get("again"),
        "Choose a new passphrase.",
        "The two passphrases are not the same. Type them again.",
    );
    let mut wait = None;
    if !form.has_errors() {
        let path = app.config().vault.clone();
        let secret = SecretString::from(pass);
        let result = tokio::task::spawn_blocking(move || {
            Vault::reset_passphrase(&path, &key, &secret)?;
            Vault::open(&path, &secret)
        })
        .await;
        match result {
            Ok(Ok(vault)) => {
                app.unlocked(vault);
                app.flash(
                    FlashKind::Done,
                    "Your new passphrase is set, and the vault is open. Your recovery key still works: keep it safe.",
                );
                return see("/");
            }
            Ok(Err(VaultError::WrongRecoveryKey)) => form.field_error(
                "key",
                "That recovery key does not open this vault. Check each group against what you wrote down.",
            ),
            Ok(Err(VaultError::RecoveryKeyMalformed)) => form.field_error(
                "key",
                "That is not a recovery key: it is 64 characters (0-9 and A-F), in eight groups of eight.",
            ),
            Ok(Err(e)) => {
                wait = wait_of(&e);
                form.problem = Some(web_words(&e));
            }
            Err(_) => form.problem = Some("That was interrupted. Nothing was changed; try again.".into()),
        }
    }
    let view = RecoverView {
        layout: Layout::new(&app, "Use your recovery key", Nav::None),
        form,
    };
    match wait {
        Some(w) => too_soon(w, &view),
        None => page_with(StatusCode::UNPROCESSABLE_ENTITY, &view),
    }
}

/// Locks the app, and has an `amends unlock` holding the key for the CLI forget it too.
async fn lock_everywhere(app: App) {
    app.lock();
    let _ = tokio::task::spawn_blocking(move || app.forget_held_key()).await;
}

/// `POST /lock`.
pub async fn lock(State(app): State<App>) -> Response {
    lock_everywhere(app).await;
    see("/unlock")
}

/// `POST /exit`: lock at once and leave for a page that shows nothing of Amends.
pub async fn exit(State(app): State<App>) -> Response {
    lock_everywhere(app).await;
    see("/away")
}

#[derive(Template)]
#[template(path = "away.html")]
struct AwayView;

/// `GET /away`: a plain page with nothing on it that says what was open before.
pub async fn away() -> Response {
    page(&AwayView)
}
