//! Words to their stems, so that one pattern covers every form of a word: "minimise",
//! "minimised" and "minimising"; "perdona", "perdonar" and "perdonarías". The stems are
//! Snowball's (the `rust-stemmers` crate), taken from the lowercased word with its accents, as
//! the Snowball algorithms expect, and then folded as the coach folds every word.
//!
//! Spanish joins pronouns to the end of a verb ("perdóname", "discúlpanos", "dímelo").
//! Snowball takes them off an infinitive or a gerund ("perdonarme") but not off an imperative, so
//! a word that ends like one is given a second stem without the pronoun; a pattern matches either.

use rust_stemmers::{Algorithm, Stemmer};

use crate::model::Language;

use super::fold;

/// Pronouns that can be joined to the end of a Spanish verb, longest first.
const ENCLITICS: [&str; 13] = [
    "noslo", "nosla", "melo", "mela", "telo", "tela", "los", "las", "les", "nos", "me", "te", "lo",
];

fn stemmer(language: Language) -> Stemmer {
    match language {
        Language::En => Stemmer::create(Algorithm::English),
        Language::Es => Stemmer::create(Algorithm::Spanish),
    }
}

/// A word's stem, and for a Spanish verb with a pronoun joined to it, the stem without the
/// pronoun. `word` is as written; both results are folded.
pub(super) fn stems(word: &str, language: Language) -> (String, Option<String>) {
    let lower: String = word
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == '’' { '\'' } else { c })
        .collect();
    let stemmer = stemmer(language);
    let stem = fold(&stemmer.stem(&lower));
    let alt = match language {
        Language::En => None,
        Language::Es => ENCLITICS.iter().find_map(|pronoun| {
            let verb = lower.strip_suffix(pronoun)?;
            let last = verb.chars().last()?;
            // A verb form long enough to be one, ending in a vowel (or the "r" of an
            // infinitive, which Snowball handles itself, so not here).
            let vowel = matches!(last, 'a' | 'e' | 'i' | 'o' | 'á' | 'é' | 'í' | 'ó' | 'u');
            (vowel && verb.chars().count() >= 4).then(|| fold(&stemmer.stem(verb)))
        }),
    };
    let alt = alt.filter(|a| *a != stem);
    (stem, alt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(word: &str, language: Language) -> String {
        stems(word, language).0
    }

    #[test]
    fn forms_of_a_word_share_a_stem() {
        for w in ["minimised", "minimising", "minimises"] {
            assert_eq!(one(w, Language::En), one("minimise", Language::En), "{w}");
        }
        for w in ["forgiving", "forgiveness", "Forgive"] {
            assert_eq!(one(w, Language::En), one("forgive", Language::En), "{w}");
        }
        for w in [
            "perdonar",
            "perdonarías",
            "perdones",
            "perdonarme",
            "Perdón",
        ] {
            assert_eq!(one(w, Language::Es), one("perdona", Language::Es), "{w}");
        }
    }

    #[test]
    fn a_pronoun_joined_to_a_spanish_verb_gives_a_second_stem() {
        let base = one("perdona", Language::Es);
        for w in ["perdóname", "perdoname", "perdónanos"] {
            assert_eq!(
                stems(w, Language::Es).1.as_deref(),
                Some(base.as_str()),
                "{w}"
            );
        }
        assert_eq!(
            stems("discúlpame", Language::Es).1,
            Some(one("disculpa", Language::Es))
        );
        // Short words and words that only end like a pronoun keep one stem.
        assert_eq!(stems("me", Language::Es).1, None);
        assert_eq!(stems("gente", Language::Es).1, None);
    }
}
