//! Checks on text a person types: not empty where it matters, not absurdly long, no control bytes.

use crate::error::Invalid;

/// Longest name accepted.
pub const NAME_MAX: usize = 200;
/// Longest ordinary text field accepted.
pub const TEXT_MAX: usize = 20_000;
/// Longest script or letter accepted.
pub const SCRIPT_MAX: usize = 200_000;

fn check_chars(field: &'static str, value: &str) -> Result<(), Invalid> {
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Invalid::new(
            field,
            "contains control characters; remove them and try again",
        ));
    }
    Ok(())
}

/// A field that must have something in it. Returns it trimmed.
pub fn required(field: &'static str, value: &str, max: usize) -> Result<String, Invalid> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Invalid::new(field, "cannot be empty"));
    }
    optional(field, v, max)
}

/// A field that may be empty. Returns it trimmed.
pub fn optional(field: &'static str, value: &str, max: usize) -> Result<String, Invalid> {
    let v = value.trim();
    let n = v.chars().count();
    if n > max {
        return Err(Invalid::new(
            field,
            format!("is {n} characters long; the most it can hold is {max}"),
        ));
    }
    check_chars(field, v)?;
    Ok(v.to_string())
}

/// The invisible characters that turn the direction of the text after them (embeddings,
/// overrides and isolates): in a name, "Mum" + U+202E + "gnp.exe" shows as "Mumexe.png".
pub fn is_direction_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Refuses a name (of a party, or of someone else involved) holding a character that turns the
/// direction of the text after it, naming the character, never the name.
pub fn no_direction_control(field: &'static str, value: &str) -> Result<(), Invalid> {
    match value.chars().find(|c| is_direction_control(*c)) {
        Some(c) => Err(Invalid::new(
            field,
            format!(
                "contains a hidden character (U+{:04X}) that turns the direction of the text, \
                 so the name would show as something else; type it again without it",
                u32::from(c)
            ),
        )),
        None => Ok(()),
    }
}

/// A name: required, one line, at most `NAME_MAX` characters, with no hidden character that
/// turns the direction of the text (a name would then read as something else).
pub fn name(value: &str) -> Result<String, Invalid> {
    let v = required("name", value, NAME_MAX)?;
    if v.contains(['\n', '\r']) {
        return Err(Invalid::new("name", "must be on one line"));
    }
    no_direction_control("name", &v)?;
    if v.chars().all(|c| c.is_ascii_digit()) {
        return Err(Invalid::new(
            "name",
            "cannot be only digits, because numbers refer to entries by id; add a word",
        ));
    }
    Ok(v)
}

/// The form of a name that is compared when asking "is this the same person?": case, accents,
/// runs of spaces and the kind of apostrophe are ignored, so "José  O’Brien" and "jose o'brien"
/// are one name. Nothing else is: "Mum" and "Mom", or "Sam" and "Sam (work)", stay different,
/// because guessing more would merge people who are not the same.
pub fn name_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    let mut out = String::with_capacity(name.len());
    let mut space = false;
    for c in name.trim().nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        match c {
            '\u{2018}' | '\u{2019}' | '\u{02BC}' | '`' | '\u{00B4}' => out.push('\''),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(name("  Mum ").unwrap(), "Mum");
        assert!(name("   ").is_err());
        assert!(name("a\nb").is_err());
        assert!(name("42").is_err());
        assert!(name(&"x".repeat(NAME_MAX + 1)).is_err());
        assert!(name("Zoë O'Brien").is_ok());
        assert!(name("Mum\u{202E}gnp.exe").is_err());
        assert!(name("\u{2067}Sam").is_err());
        assert!(
            name("שרה כהן").is_ok(),
            "right-to-left letters themselves are welcome"
        );
    }

    #[test]
    fn control_characters_are_refused_but_newlines_kept() {
        assert!(optional("did", "a\u{0}b", TEXT_MAX).is_err());
        assert_eq!(
            optional("did", "line one\nline two", TEXT_MAX).unwrap(),
            "line one\nline two"
        );
    }
}
