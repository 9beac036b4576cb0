//! Sealing and opening a share of the whole large benchmark workbook (1,000 parties, 3,000
//! harms, 20,000 check-ins, every part shared), between two real encrypted vaults.
//!
//! `cargo bench -p amends-share --bench share`. Besides criterion's figures it prints the size
//! of the bundle beside the size of the JSON export of the same vault.

use std::hint::black_box;
use std::time::Duration;

use amends_core::Now;
use amends_core::model::Settings;
use amends_share::document::Part;
use amends_share::{Selection, identity, prepare_share, receive, seal_share};
use amends_vault::{ContactRef, KdfParams, Vault};
use criterion::{BatchSize, Criterion};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use secrecy::SecretString;
use tempfile::TempDir;

// Shared with the vault benchmark and the web load generator; not every count is used here.
#[allow(dead_code)]
#[path = "../../vault/benches/fixture/mod.rs"]
mod fixture;

/// Cheap key derivation: unlocking is measured by the vault's own benchmark.
const FAST: KdfParams = KdfParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

fn vault(dir: &TempDir, name: &str) -> Vault {
    Vault::create_with(
        &dir.path().join(name),
        &SecretString::from("bench".to_string()),
        &Settings::default(),
        FAST,
    )
    .expect("create a vault")
    .vault
}

fn main() {
    let now = Now::new(
        fixture::NOW
            .parse::<Timestamp>()
            .expect("the fixture's time"),
        TimeZone::UTC,
    );
    let dir = TempDir::new().expect("a temporary folder");
    let mut sharer = vault(&dir, "sharer.amends");
    let doc = fixture::export_doc(42);
    let counts = fixture::counts(&doc);
    assert_eq!(
        (counts.parties, counts.harms, counts.checkins),
        (fixture::PARTIES, fixture::HARMS, fixture::CHECKINS),
        "the fixture has the size the issue names"
    );
    let export_json = serde_json::to_string(&doc).expect("serialise the fixture");
    sharer
        .import_json(&export_json)
        .expect("import the fixture");
    let mut sponsor = vault(&dir, "sponsor.amends");

    // Each adds the other's contact code and confirms the fingerprint.
    let code_of = |v: &mut Vault| identity(v, &now).expect("identity").public().contact_code();
    let (sharer_code, sponsor_code) = (code_of(&mut sharer), code_of(&mut sponsor));
    let (to_sponsor, _) =
        amends_share::add_contact(&mut sharer, &sponsor_code, "Sponsor", "sponsor", &now)
            .expect("add the sponsor");
    sharer.verify_contact(to_sponsor, &now).expect("verify");
    let (from_sharer, _) =
        amends_share::add_contact(&mut sponsor, &sharer_code, "Sponsee", "supported", &now)
            .expect("add the sponsee");
    sponsor.verify_contact(from_sharer, &now).expect("verify");

    let whole = Selection {
        parties: None,
        parts: Part::ALL.to_vec(),
    };
    let to = ContactRef::Id(to_sponsor);
    let seal_once = |v: &mut Vault| {
        let prepared = prepare_share(v, &to, &whole, &now).expect("prepare");
        seal_share(v, &prepared, &now).expect("seal")
    };

    let sample = seal_once(&mut sharer);
    let exported = serde_json::to_string(&sharer.export(now.at).expect("export")).expect("json");
    let prepared = prepare_share(&mut sharer, &to, &whole, &now).expect("prepare");
    eprintln!(
        "Whole list shared with every part: {} parties; bundle {:.2} MiB; JSON export of the same vault {:.2} MiB (bundle/export = {:.2})",
        prepared.body.parties.len(),
        sample.bytes.len() as f64 / 1_048_576.0,
        exported.len() as f64 / 1_048_576.0,
        sample.bytes.len() as f64 / exported.len() as f64
    );

    let mut c = Criterion::default()
        .sample_size(20)
        .measurement_time(Duration::from_secs(15))
        .configure_from_args();
    let mut g = c.benchmark_group("share_1000_parties");
    // Reading the vault, building the document, signing, encrypting and logging it.
    g.bench_function("seal_whole_list", |b| {
        b.iter(|| black_box(seal_once(&mut sharer)))
    });
    // Decrypting, checking the signature and the sender, parsing, working out the differences
    // from the previous share and storing it. Each bundle is fresh: a replay would be refused.
    g.bench_function("open_whole_list", |b| {
        b.iter_batched(
            || seal_once(&mut sharer).bytes,
            |bytes| black_box(receive(&mut sponsor, &bytes, &now).expect("receive")),
            BatchSize::PerIteration,
        )
    });
    g.finish();
    c.final_summary();
}
