//! Runs the script coach over the project's corpus (`tests/coach_corpus/*.json`: scripts written
//! by the project, good and flawed, with the finding kinds a careful reader expects) and reports
//! precision and recall of finding kinds, script by script and over the whole corpus.

use std::collections::BTreeSet;

use amends_core::coach::{Context, FindingKind, coach};
use amends_core::model::Language;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    id: String,
    script: String,
    expect: Vec<String>,
    #[serde(default)]
    involved: Vec<String>,
    #[serde(default)]
    listed: Vec<String>,
}

fn corpus() -> Vec<(Language, Case)> {
    let mut out = Vec::new();
    for (language, text) in [
        (Language::En, include_str!("coach_corpus/en.json")),
        (Language::Es, include_str!("coach_corpus/es.json")),
    ] {
        let cases: Vec<Case> = serde_json::from_str(text).expect("corpus file parses");
        out.extend(cases.into_iter().map(|c| (language, c)));
    }
    out
}

#[test]
fn coach_precision_and_recall_over_the_corpus() {
    let cases = corpus();
    let mut ids = BTreeSet::new();
    let (mut tp, mut fp, mut fneg) = (0usize, 0usize, 0usize);
    let mut report = Vec::new();
    for (language, case) in &cases {
        assert!(ids.insert(case.id.clone()), "duplicate id {}", case.id);
        let expected: BTreeSet<FindingKind> = case
            .expect
            .iter()
            .map(|k| FindingKind::parse(k).unwrap_or_else(|_| panic!("{}: kind {k}", case.id)))
            .collect();
        let context = Context {
            involved: case.involved.clone(),
            listed: case.listed.clone(),
        };
        let reading = coach(&case.script, *language, &context);
        for f in &reading.findings {
            match &f.span {
                Some(s) => assert!(
                    case.script.get(s.clone()).is_some() && !s.is_empty(),
                    "{}: bad span {s:?}",
                    case.id
                ),
                None => assert!(f.kind.is_missing(), "{}: {:?} has no span", case.id, f.kind),
            }
        }
        let found: BTreeSet<FindingKind> = reading.findings.iter().map(|f| f.kind).collect();
        let extra: Vec<_> = found.difference(&expected).map(|k| k.code()).collect();
        let missed: Vec<_> = expected.difference(&found).map(|k| k.code()).collect();
        tp += found.intersection(&expected).count();
        fp += extra.len();
        fneg += missed.len();
        if !extra.is_empty() || !missed.is_empty() {
            let spans: Vec<_> = reading
                .findings
                .iter()
                .filter_map(|f| {
                    f.span
                        .clone()
                        .map(|s| format!("{}={:?}", f.kind.code(), &case.script[s]))
                })
                .collect();
            report.push(format!(
                "{}: extra {extra:?}, missed {missed:?}; spans {spans:?}",
                case.id
            ));
        }
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fneg).max(1) as f64;
    println!(
        "coach corpus: {} scripts; precision {precision:.3}, recall {recall:.3}",
        cases.len()
    );
    for line in &report {
        println!("  {line}");
    }
    assert!(
        precision >= 0.9,
        "precision {precision:.3} < 0.9\n{}",
        report.join("\n")
    );
    assert!(
        recall >= 0.9,
        "recall {recall:.3} < 0.9\n{}",
        report.join("\n")
    );
}
