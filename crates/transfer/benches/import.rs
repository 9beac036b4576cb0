//! The cost of bringing in a 10,000-row spreadsheet: reading and checking it, and the whole
//! import (read, check, match the names, write) into a new encrypted vault.
//!
//! Run with:
//!
//! ```text
//! cargo bench -p amends-transfer --bench import
//! ```
//!
//! The figures are written up in docs/benchmarks.md. The target is under one second for the
//! whole import of 10,000 rows.

use std::hint::black_box;
use std::time::Duration;

use amends_core::Now;
use amends_core::model::Settings;
use amends_transfer::csv_in::{self, Options, match_names, name_key};
use amends_vault::{KdfParams, Target, Vault};
use criterion::{BatchSize, Criterion};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use secrecy::SecretString;

const ROWS: usize = 10_000;

/// An 8th-step list of `ROWS` rows, `per` rows (harms) for each name, every column filled.
fn sheet(per: usize) -> Vec<u8> {
    let mut s = String::from(
        "Name,Relationship,What I did,Effect on them,What I should have done,Kind of harm,When,Owed,Willing?\r\n",
    );
    let kinds = ["emotional", "trust", "financial; property", "neglect, time"];
    let willing = ["yes", "later", "maybe", "no"];
    for i in 0..ROWS {
        let p = i / per;
        s.push_str(&format!(
            "Person {p},friend from work {p},\"Said something unkind, row {i}, and did not take it back\",They stopped trusting me ({i}),Kept my word,\"{}\",{},{},{}\r\n",
            kinds[i % 4],
            2000 + i % 25,
            if i % 7 == 0 { format!("{}.50", i % 500) } else { String::new() },
            willing[p % 4],
        ));
    }
    s.into_bytes()
}

fn now() -> Now {
    Now::new(Timestamp::now(), TimeZone::UTC)
}

fn fresh_vault() -> (tempfile::TempDir, Vault) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let cheap = KdfParams {
        memory_kib: 1024,
        iterations: 1,
        parallelism: 1,
    };
    let created = Vault::create_with(
        &dir.path().join("bench.amends"),
        &SecretString::from("benchmark words here"),
        &Settings::default(),
        cheap,
    )
    .expect("a vault");
    (dir, created.vault)
}

/// Read, check, match and write: everything `amends import FILE.csv` does after unlocking.
fn whole_import(bytes: &[u8], vault: &mut Vault) -> usize {
    let settings = vault.settings().expect("settings");
    let checked = csv_in::import(bytes, &Options::default(), &settings).expect("the sheet reads");
    assert!(checked.is_ok());
    let listed = vault.listed_names().expect("names");
    let matches = match_names(
        &checked.parties,
        listed.iter().map(|l| (l.id, l.name.as_str(), l.set_aside)),
    );
    assert!(matches.is_empty());
    let targets = vec![Target::New; checked.parties.len()];
    let parties = checked.for_vault(&targets);
    let out = vault
        .import_list(&parties, &|n: &str| name_key(n), &now(), &mut |_, _| {})
        .expect("imported");
    out.harms
}

fn main() {
    let sheets = [(4, sheet(4)), (1, sheet(1))];
    let settings = Settings::default();
    let mut c = Criterion::default()
        .configure_from_args()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));

    let mut g = c.benchmark_group("csv_import_10000_rows");
    for (per, bytes) in &sheets {
        let names = ROWS / per;
        g.sample_size(20);
        g.bench_function(format!("read_and_check_{names}_names"), |b| {
            b.iter(|| {
                let checked = csv_in::import(black_box(bytes), &Options::default(), &settings)
                    .expect("the sheet reads");
                assert!(checked.is_ok());
                assert_eq!(checked.harm_count(), ROWS);
                checked
            })
        });
        g.sample_size(10);
        g.bench_function(format!("whole_import_into_sqlcipher_{names}_names"), |b| {
            b.iter_batched(
                fresh_vault,
                |(dir, mut vault)| {
                    assert_eq!(whole_import(bytes, &mut vault), ROWS);
                    (dir, vault)
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
    c.final_summary();
    for (per, bytes) in &sheets {
        println!(
            "sheet: {ROWS} rows, {} bytes, {} names",
            bytes.len(),
            ROWS / per
        );
    }
}
