//! Reading submitted forms and carrying their errors back to the fields, with what was typed.

use std::collections::BTreeMap;

use amends_core::model::Language;
use amends_core::money::Unread;
use amends_core::{CoreError, Invalid, Money, Refusal};
use amends_vault::VaultError;
use axum::body::Bytes;
use jiff::civil::Date;

/// The fields of a submitted form, in order; a name may repeat (check boxes).
#[derive(Clone, Debug, Default)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn parse(body: &Bytes) -> Fields {
        Fields(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of a field, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// Every value of a repeated field.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Whether a check box was ticked.
    pub fn checked(&self, name: &str) -> bool {
        self.0.iter().any(|(k, v)| k == name && !v.is_empty())
    }
}

/// What a form shows again after a refusal: the values typed and the message for each field,
/// plus a message for the form as a whole (a rule that refused, with what to do instead).
#[derive(Clone, Debug, Default)]
pub struct FormState {
    pub values: Fields,
    pub errors: BTreeMap<String, String>,
    pub refusal: Option<Refusal>,
    pub problem: Option<String>,
    /// Amounts that read two ways, asked about beside their field (`amount` -> the readings).
    pub questions: BTreeMap<String, Question>,
}

/// An amount two conventions read differently (`1,250`), asked about rather than guessed:
/// each reading as shown to people, and as it is written to mean that reading only. The
/// person chooses one (a radio named `<field>-means` with the written form) or retypes it.
#[derive(Clone, Debug)]
pub struct Question {
    pub shown: [String; 2],
    pub plain: [String; 2],
}

impl FormState {
    pub fn new(values: Fields) -> FormState {
        FormState {
            values,
            ..FormState::default()
        }
    }

    /// The value typed into a field, to put back into it.
    pub fn value(&self, name: &str) -> &str {
        self.values.get(name)
    }

    pub fn checked(&self, name: &str) -> bool {
        self.values.checked(name)
    }

    /// Whether one of a repeated field's values was chosen.
    pub fn chosen(&self, name: &str, value: &str) -> bool {
        self.values.all(name).contains(&value)
    }

    /// `aria-invalid` and `aria-describedby` for an input with an error (the name is one of
    /// ours, never typed text, so this is safe to put into the page unescaped).
    pub fn aria(&self, name: &str) -> String {
        if self.errors.contains_key(name) {
            format!(r#"aria-invalid="true" aria-describedby="{name}-error""#)
        } else {
            String::new()
        }
    }

    /// The question about an amount that reads two ways, if this field has one.
    pub fn question(&self, name: &str) -> Option<&Question> {
        self.questions.get(name)
    }

    pub fn error(&self, name: &str) -> Option<&str> {
        self.errors.get(name).map(String::as_str)
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.refusal.is_some() || self.problem.is_some()
    }

    pub fn field_error(&mut self, name: &str, message: impl Into<String>) {
        self.errors
            .entry(name.to_string())
            .or_insert_with(|| message.into());
    }

    /// Files a "no" from the core or the vault next to the field it is about.
    /// `field_for` maps the core's field names ("name", "amount") to the form's inputs.
    pub fn vault_error(&mut self, e: VaultError, field_for: impl Fn(&str) -> Option<&'static str>) {
        match e {
            VaultError::Invalid { field, message } => match field_for(&field) {
                Some(input) => self.field_error(input, message),
                None => self.problem = Some(format!("{field}: {message}")),
            },
            VaultError::Refused(r) => self.refusal = Some(r),
            other => self.problem = Some(web_words(&other)),
        }
    }

    pub fn invalid(&mut self, e: Invalid, field_for: impl Fn(&str) -> Option<&'static str>) {
        self.vault_error(
            VaultError::Invalid {
                field: e.field.to_string(),
                message: e.message,
            },
            field_for,
        );
    }

    pub fn core_error(&mut self, e: CoreError, field_for: impl Fn(&str) -> Option<&'static str>) {
        match e {
            CoreError::Invalid(i) => self.invalid(i, field_for),
            CoreError::Refused(r) => self.refusal = Some(r),
        }
    }
}

/// A vault error in words that fit a browser (the vault's own words name CLI commands).
pub fn web_words(e: &VaultError) -> String {
    match e {
        VaultError::WrongPassphrase => {
            "That passphrase does not open this vault. Nothing was changed. Check it and try again, or use your recovery key.".into()
        }
        VaultError::KeyFileMissing { .. } | VaultError::KeyFileDamaged | VaultError::KeyMismatch => {
            "The passphrase cannot open this vault because its key file is missing or damaged. Use your recovery key to set a new passphrase.".into()
        }
        VaultError::TooManyTries {
            wait_secs,
            recovery_key,
        } => {
            let wait = if *wait_secs == 1 {
                "1 second".to_string()
            } else {
                format!("{wait_secs} seconds")
            };
            if *recovery_key {
                format!(
                    "Too many wrong tries in a row: wait {wait} before trying again. Nothing was changed. Check each group of the recovery key you wrote down."
                )
            } else {
                format!(
                    "Too many wrong passphrases in a row: wait {wait} before trying again, or use your recovery key if the passphrase is lost. Nothing was changed."
                )
            }
        }
        VaultError::NoSuchParty => {
            "That person or entry is no longer on your list. Go back to the list and choose again.".into()
        }
        VaultError::ImportNotEmpty(n) => format!(
            "Import goes only into an empty vault, and this one already has {n} entries. Nothing was changed. Start Amends with a new vault (amends serve --vault NEW) and import there."
        ),
        other => other.to_string(),
    }
}

/// A required date field, typed as people write dates ("7 December 2026", "7 de diciembre de
/// 2026", "2026-12-07", "today"), read by the core's one reader (`amends_core::dates::read`). A
/// date that cannot be read, or a day its month does not have, is an error beside the field with
/// what to write instead; the text typed stays in the field.
pub fn date(state: &mut FormState, name: &str, label: &str) -> Option<Date> {
    let typed = state.value(name).trim().to_string();
    if typed.is_empty() {
        state.field_error(
            name,
            format!("Give the {label}, e.g. {}.", amends_core::dates::EXAMPLE),
        );
        return None;
    }
    match amends_core::dates::read(&typed, crate::state::now().today) {
        Ok(d) => Some(d),
        Err(problem) => {
            state.field_error(name, amends_core::dates::sentence(&problem));
            None
        }
    }
}

/// An optional date field: left empty it is no date; typed, it must be a date (never dropped).
pub fn optional_date(state: &mut FormState, name: &str, label: &str) -> Option<Option<Date>> {
    if state.value(name).trim().is_empty() {
        return Some(None);
    }
    date(state, name, label).map(Some)
}

/// The hint under an amount field, in the vault's currency and language's convention:
/// "Such as 120 or 120,50." in a euro vault in Spanish, "Such as 120 or 120.50." in English.
pub fn amount_hint(currency: amends_core::Currency, language: Language) -> String {
    let whole = Money::new(120 * 10i64.pow(currency.exponent()), currency);
    let part = Money::new(
        whole.minor + 50 * 10i64.pow(currency.exponent().saturating_sub(2)),
        currency,
    );
    if currency.exponent() == 0 {
        format!("Such as {}.", whole.typed(language))
    } else {
        format!(
            "Such as {} or {}.",
            whole
                .typed(language)
                .split([',', '.'])
                .next()
                .unwrap_or("120"),
            part.typed(language)
        )
    }
}

/// A required amount in the vault's currency, read in its language's convention
/// (`Money::read`): an entry that reads two ways is asked about beside the field, with both
/// readings to choose from, and the words typed are kept.
pub fn money(
    state: &mut FormState,
    name: &str,
    currency: amends_core::Currency,
    language: Language,
) -> Option<Money> {
    let v = state.value(name).trim().to_string();
    if v.is_empty() {
        state.field_error(
            name,
            format!(
                "Give an amount, such as {}.",
                amends_core::money::example(currency, language)
            ),
        );
        return None;
    }
    match Money::read(&v, currency, language) {
        Ok(m) => Some(m),
        Err(Unread::Ambiguous(a)) => {
            // The person chose one of the readings offered when this was asked last time.
            let chosen = state.value(&format!("{name}-means")).to_string();
            if let Some(i) = (0..2).find(|&i| a.plain(i) == chosen) {
                return Some(a.readings[i]);
            }
            let shown = [a.readings[0].show(language), a.readings[1].show(language)];
            state.field_error(name, format!("Did you mean {} or {}?", shown[0], shown[1]));
            state.questions.insert(
                name.to_string(),
                Question {
                    shown,
                    plain: [a.plain(0), a.plain(1)],
                },
            );
            None
        }
        Err(Unread::Invalid(e)) => {
            state.field_error(name, crate::pages::party::words::sentence(&e.message));
            None
        }
    }
}

/// An optional amount: `Some(None)` when left empty, `None` (with the message filed) when
/// what was typed cannot be read.
pub fn optional_money(
    state: &mut FormState,
    name: &str,
    currency: amends_core::Currency,
    language: Language,
) -> Option<Option<Money>> {
    if state.value(name).trim().is_empty() {
        return Some(None);
    }
    money(state, name, currency, language).map(Some)
}

/// A coded choice (`Willingness::parse` and the like).
pub fn choice<T>(
    state: &mut FormState,
    name: &str,
    parse: impl Fn(&str) -> Result<T, Invalid>,
) -> Option<T> {
    match parse(state.value(name)) {
        Ok(v) => Some(v),
        Err(_) => {
            state.field_error(name, "Choose one of the options.");
            None
        }
    }
}
