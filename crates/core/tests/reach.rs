//! The go-between and direct-contact readers (`coach::go_between`, `coach::reaches`) on two sets:
//! `reach_dev/` (written while the patterns were tuned) and `reach_frozen/` (written before the
//! readers existed, by someone who never saw their patterns, and never edited to suit them).
//! Both scores are printed; the floors below are what a regression must not cross.

use amends_core::coach::{go_between, reaches};
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    lang: String,
    party: String,
    text: String,
    go_between: bool,
    contact: bool,
}

#[derive(Default, Debug)]
struct Score {
    tp: usize,
    fp: usize,
    fn_: usize,
    tn: usize,
}

impl Score {
    fn add(&mut self, expected: bool, found: bool) {
        match (expected, found) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }
    fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }
    fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }
}

fn read(file: &str) -> Vec<Case> {
    serde_json::from_str(
        &std::fs::read_to_string(format!("{}/tests/{file}", env!("CARGO_MANIFEST_DIR")))
            .expect("the set is in the repository"),
    )
    .expect("the set is valid JSON")
}

fn score(files: &[&str]) -> [(String, Score, Score); 2] {
    let file = files.join(" + ");
    let cases: Vec<Case> = files.iter().flat_map(|f| read(f)).collect();
    let mut out = [
        ("en".to_string(), Score::default(), Score::default()),
        ("es".to_string(), Score::default(), Score::default()),
    ];
    let verbose = std::env::var_os("AMENDS_REACH_VERBOSE").is_some();
    for c in &cases {
        let slot = out.iter_mut().find(|o| o.0 == c.lang).expect("en or es");
        let gb = go_between(&c.text).is_some();
        let ct = reaches(&c.text, &c.party).is_some();
        slot.1.add(c.go_between, gb);
        slot.2.add(c.contact, ct);
        if verbose && !file.contains("frozen") && (gb != c.go_between || ct != c.contact) {
            eprintln!(
                "{file} [{}] go-between {} (want {}), contact {} (want {}): {}",
                c.lang, gb, c.go_between, ct, c.contact, c.text
            );
        }
    }
    for (lang, g, k) in &out {
        eprintln!(
            "{file} {lang}: go-between precision {:.2} recall {:.2}; contact precision {:.2} recall {:.2}",
            g.precision(),
            g.recall(),
            k.precision(),
            k.recall()
        );
    }
    out
}

#[test]
fn the_readers_score_on_the_set_they_were_tuned_on() {
    for (lang, g, k) in score(&["reach_dev/cases.json", "reach_dev/more.json"]) {
        assert!(
            g.precision() >= 0.9 && g.recall() >= 0.9,
            "{lang} go-between: {g:?}"
        );
        assert!(
            k.precision() >= 0.9 && k.recall() >= 0.9,
            "{lang} contact: {k:?}"
        );
    }
}

#[test]
fn the_readers_score_on_the_frozen_set() {
    // Measured when the readers were written (docs/practice.md keeps the figures): what a
    // change must not make worse. Precision matters most here: a false alarm refuses a person's
    // own words under R4/R5.
    for (lang, g, k) in score(&["reach_frozen/cases.json"]) {
        assert!(g.precision() >= 0.9, "{lang} go-between: {g:?}");
        assert!(g.recall() >= 0.55, "{lang} go-between: {g:?}");
        assert!(k.precision() >= 0.75, "{lang} contact: {k:?}");
        assert!(k.recall() >= 0.8, "{lang} contact: {k:?}");
    }
}
