//! The wording of Steps 8 and 9 for each fellowship, kept as data in `steps.json`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::model::Fellowship;

#[derive(Debug, Deserialize)]
struct Wording {
    step8: String,
    step9: String,
}

fn table() -> &'static BTreeMap<String, Wording> {
    static TABLE: OnceLock<BTreeMap<String, Wording>> = OnceLock::new();
    TABLE.get_or_init(|| {
        serde_json::from_str(include_str!("steps.json"))
            .expect("steps.json is checked by the unit tests")
    })
}

/// The two steps as the fellowship words them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepWording {
    pub fellowship: Fellowship,
    pub step8: &'static str,
    pub step9: &'static str,
}

/// The wording shown for a fellowship.
pub fn wording(fellowship: Fellowship) -> StepWording {
    let w = table()
        .get(fellowship.code())
        .or_else(|| table().get("aa"))
        .expect("steps.json has every fellowship (see tests)");
    StepWording {
        fellowship,
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
            let w = wording(*f);
            assert!(!w.step8.is_empty() && !w.step9.is_empty());
        }
        assert_eq!(table().len(), Fellowship::ALL.len());
    }

    #[test]
    fn na_speaks_in_the_first_person_plural_and_secular_avoids_programme_words() {
        assert!(wording(Fellowship::Na).step8.starts_with("We made"));
        let s = wording(Fellowship::Secular);
        assert!(!s.step9.contains("amends"));
    }
}
