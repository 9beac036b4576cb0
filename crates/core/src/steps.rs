//! The wording of Steps 8 and 9 for each fellowship and language, kept as data in `steps.json`.
//! Where a fellowship has no wording in the chosen language, the English wording is shown.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::model::{Fellowship, Language};

#[derive(Debug, Deserialize)]
struct Wording {
    step8: String,
    step9: String,
}

type Table = BTreeMap<String, BTreeMap<String, Wording>>;

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        serde_json::from_str(include_str!("steps.json"))
            .expect("steps.json is checked by the unit tests")
    })
}

/// The two steps as the fellowship words them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepWording {
    pub fellowship: Fellowship,
    /// The language of the words shown (English where the chosen one is missing).
    pub language: Language,
    pub step8: &'static str,
    pub step9: &'static str,
}

/// The English wording shown for a fellowship.
pub fn wording(fellowship: Fellowship) -> StepWording {
    wording_in(fellowship, Language::En)
}

/// The wording shown for a fellowship in a language, falling back to English.
pub fn wording_in(fellowship: Fellowship, language: Language) -> StepWording {
    let by_language = table()
        .get(fellowship.code())
        .or_else(|| table().get("aa"))
        .expect("steps.json has every fellowship (see tests)");
    let (language, w) = match by_language.get(language.code()) {
        Some(w) => (language, w),
        None => (
            Language::En,
            by_language
                .get(Language::En.code())
                .expect("steps.json has English for every fellowship (see tests)"),
        ),
    };
    StepWording {
        fellowship,
        language,
        step8: &w.step8,
        step9: &w.step9,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fellowship_has_its_own_wording() {
        for f in Fellowship::ALL {
            assert!(
                table().contains_key(f.code()),
                "{f} missing from steps.json"
            );
            for l in Language::ALL {
                let w = wording_in(*f, *l);
                assert_eq!(w.language, *l, "{f} has no wording in {l}");
                assert!(!w.step8.is_empty() && !w.step9.is_empty());
            }
        }
        assert_eq!(table().len(), Fellowship::ALL.len());
        let languages: Vec<&str> = Language::ALL.iter().map(|l| l.code()).collect();
        for (f, by_language) in table() {
            for l in by_language.keys() {
                assert!(languages.contains(&l.as_str()), "{f}: unknown language {l}");
            }
        }
    }

    #[test]
    fn spanish_is_its_own_wording() {
        let en = wording_in(Fellowship::Aa, Language::En);
        let es = wording_in(Fellowship::Aa, Language::Es);
        assert_ne!(en.step8, es.step8);
        assert!(es.step8.starts_with("Hicimos una lista"));
    }

    #[test]
    fn na_speaks_in_the_first_person_plural_and_secular_avoids_programme_words() {
        assert!(wording(Fellowship::Na).step8.starts_with("We made"));
        let s = wording(Fellowship::Secular);
        assert!(!s.step9.contains("amends"));
    }
}
