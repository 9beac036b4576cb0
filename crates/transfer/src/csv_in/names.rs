//! When two names are the same name: within a file (rows that become one party) and against
//! the names already on the list (matches the person decides about).
//!
//! Case, accents, spaces and the kind of apostrophe are ignored: "José  O’Brien" and
//! "jose o'brien" are one name. Nothing else is: "Mum" and "Mom", or "Sam" and "Sam (work)",
//! stay different, because guessing more would merge people who are not the same.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The form of a name that is compared (the core's, so the vault asks "the same person?" with it too).
pub use amends_core::text::name_key;

/// The same folding for a header or a code word: lower case, no accents, and every run of
/// anything but letters and digits read as one space.
pub(crate) fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.trim().nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_accents_spaces_and_apostrophes_are_ignored() {
        assert_eq!(name_key("  José   O’Brien "), "jose o'brien");
        assert_eq!(name_key("JOSE O'BRIEN"), "jose o'brien");
        assert_eq!(name_key("Begoña"), name_key("begona"));
        assert_eq!(name_key("Zoë"), "zoe");
        assert_ne!(name_key("Mum"), name_key("Mom"));
        assert_ne!(name_key("Sam"), name_key("Sam (work)"));
    }

    #[test]
    fn folding_keeps_letters_and_digits() {
        assert_eq!(fold("What did I do?"), "what did i do");
        assert_eq!(fold(" Relación / Parentesco "), "relacion parentesco");
        assert_eq!(fold("Tipo de daño"), "tipo de dano");
        assert_eq!(fold("Owed ($)"), "owed");
    }
}
