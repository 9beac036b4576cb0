//! Benchmarks of the vault: unlocking, adding a party, and listing a large workbook, each on
//! the SQLCipher vault and (where it means something) on a plain SQLite file with the same schema.
//!
//! Run with:
//!
//! ```text
//! cargo bench -p amends-vault --features plaintext-for-benchmarks --bench vault
//! ```
//!
//! Results are written up in docs/benchmarks.md. After criterion's own report this prints a
//! table of the figures of this run and the SQLCipher / plain SQLite ratio of the listing, read
//! from criterion's `estimates.json` files (only files written by this run are used).

mod fixture;

use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use amends_core::Now;
use amends_core::model::{PartyKind, Settings};
use amends_core::summary::summarise;
use amends_vault::{KdfParams, Vault, keyfile_path, keys};
use criterion::{Criterion, SamplingMode};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use secrecy::{ExposeSecret, SecretString};
use tempfile::TempDir;

const SEED: u64 = 0x00A3_E4D5;
const PASSPHRASE: &str = "correct horse battery staple";

/// Listing (records + stages) must take under this long after unlock.
const LIST_TARGET_MS: f64 = 20.0;
/// The SQLCipher listing may take at most this many times the plain SQLite listing.
const RATIO_TARGET: f64 = 1.3;

const LIST_GROUP: &str = "list_1000_parties";

/// Everything the benchmarks work on, built once.
struct Fixture {
    _dir: TempDir,
    pass: SecretString,
    recovery: SecretString,
    now: Now,
    /// Copies of the fixture vaults that nothing holds open, for the open benchmarks.
    open_sqlcipher: PathBuf,
    open_plain: PathBuf,
    /// The fixture vaults, unlocked and warm, for the listing.
    list_sqlcipher: Vault,
    list_plain: Vault,
    /// Further copies that the add-party benchmark writes to.
    add_sqlcipher: Vault,
    add_plain: Vault,
}

/// Flushes a file to disk, so the fixture's own writes do not land in the timed fsyncs later.
fn sync(path: &Path) {
    fs::File::open(path)
        .and_then(|f| f.sync_all())
        .expect("sync the fixture");
}

fn copy_vault(from: &Path, to: &Path) {
    assert!(
        !Path::new(&format!("{}-wal", from.display())).exists(),
        "the vault was closed, so its WAL was checkpointed"
    );
    fs::copy(from, to).expect("copy vault");
    sync(to);
    let keys = keyfile_path(from);
    if keys.exists() {
        fs::copy(keys, keyfile_path(to)).expect("copy key file");
        sync(&keyfile_path(to));
    }
}

fn build_fixture() -> Fixture {
    let started = Instant::now();
    let doc = fixture::export_doc(SEED);
    let c = fixture::counts(&doc);
    assert_eq!(c.parties, fixture::PARTIES);
    assert_eq!(c.harms, fixture::HARMS);
    assert_eq!(c.checkins, fixture::CHECKINS);
    assert_eq!(c.living, fixture::LIVING);
    let json = serde_json::to_string(&doc).expect("serialise the fixture");
    let generated = started.elapsed();

    let dir = TempDir::new().expect("temporary directory");
    let pass = SecretString::from(PASSPHRASE.to_string());
    let settings = Settings::default();

    let enc = dir.path().join("sqlcipher.amends");
    let plain = dir.path().join("plain.amends");
    let t = Instant::now();
    let created = Vault::create(&enc, &pass, &settings).expect("create the SQLCipher vault");
    let recovery = created.recovery_key;
    let mut vault = created.vault;
    vault.import_json(&json).expect("import into SQLCipher");
    drop(vault);
    let import_enc = t.elapsed();
    let t = Instant::now();
    let mut vault =
        Vault::create_plaintext_for_benchmarks(&plain, &settings).expect("create the plain vault");
    vault.import_json(&json).expect("import into plain SQLite");
    drop(vault);
    let import_plain = t.elapsed();

    let copy = |from: &Path, name: &str| {
        let to = dir.path().join(name);
        copy_vault(from, &to);
        to
    };
    let open_sqlcipher = copy(&enc, "open-sqlcipher.amends");
    let open_plain = copy(&plain, "open-plain.amends");
    let add_sqlcipher = copy(&enc, "add-sqlcipher.amends");
    let add_plain = copy(&plain, "add-plain.amends");
    sync(&enc);
    sync(&plain);
    sync(dir.path());

    // Unlock both once, then read everything once so the measurements are "after unlock", warm.
    let list_sqlcipher = Vault::open(&enc, &pass).expect("open SQLCipher");
    let list_plain = Vault::open_plaintext_for_benchmarks(&plain).expect("open plain");
    let now = Now::new(
        fixture::NOW.parse::<Timestamp>().expect("valid"),
        TimeZone::UTC,
    );
    let records = list_sqlcipher.records().expect("list SQLCipher");
    assert_eq!(records, list_plain.records().expect("list plain"));
    let (_, summary) = summarise(&records, &now);
    assert_eq!(summary.parties, fixture::PARTIES);
    assert_eq!(
        summary.checkins_kept + summary.checkins_missed,
        fixture::CHECKINS
    );
    let all_harms: usize = records.iter().map(|r| r.harms.len()).sum();
    assert_eq!(all_harms, fixture::HARMS);

    let size = |p: &Path| fs::metadata(p).map(|m| m.len()).unwrap_or(0) as f64 / 1_048_576.0;
    eprintln!(
        "fixture: {} parties, {} harms ({} live), {} check-ins on {} living amends, {} payments, \
         {} plans, {} attempts; JSON {:.1} MiB generated in {:.0} ms",
        c.parties,
        c.harms,
        summary.harms,
        c.checkins,
        c.living,
        c.payments,
        c.plans,
        c.attempts,
        json.len() as f64 / 1_048_576.0,
        generated.as_secs_f64() * 1e3,
    );
    eprintln!(
        "fixture: imported in {:.0} ms (SQLCipher, {:.1} MiB) and {:.0} ms (plain, {:.1} MiB)",
        import_enc.as_secs_f64() * 1e3,
        size(&enc),
        import_plain.as_secs_f64() * 1e3,
        size(&plain),
    );
    let stages: Vec<String> = summary
        .by_stage
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{s} {n}"))
        .collect();
    eprintln!("fixture stages: {}", stages.join(", "));

    Fixture {
        add_sqlcipher: Vault::open(&add_sqlcipher, &pass).expect("open SQLCipher copy"),
        add_plain: Vault::open_plaintext_for_benchmarks(&add_plain).expect("open plain copy"),
        _dir: dir,
        pass,
        recovery,
        now,
        open_sqlcipher,
        open_plain,
        list_sqlcipher,
        list_plain,
    }
}

/// Times `open` only; closing the vault happens outside the measurement.
fn time_opens(iters: u64, open: impl Fn() -> Vault) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let t = Instant::now();
        let vault = open();
        total += t.elapsed();
        drop(black_box(vault));
    }
    total
}

fn bench_unlock(c: &mut Criterion, fx: &Fixture) {
    // The deliberate cost: Argon2id at the default parameters, and the whole of `Vault::open`.
    let mut g = c.benchmark_group("unlock");
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));
    g.bench_function("argon2id_default", |b| {
        b.iter(|| keys::derive_for_benchmark(black_box(&fx.pass), KdfParams::DEFAULT))
    });
    g.bench_function("vault_open_passphrase", |b| {
        b.iter_custom(|iters| {
            time_opens(iters, || {
                Vault::open(&fx.open_sqlcipher, &fx.pass).expect("open with passphrase")
            })
        })
    });
    g.finish();

    // Everything else: SQLCipher open and schema check with the data key, and the same on
    // a plain SQLite file.
    let mut g = c.benchmark_group("open_without_kdf");
    g.sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    g.bench_function("sqlcipher_data_key", |b| {
        b.iter_custom(|iters| {
            time_opens(iters, || {
                Vault::open_with_data_key_for_benchmarks(
                    &fx.open_sqlcipher,
                    fx.recovery.expose_secret(),
                )
                .expect("open with the data key")
            })
        })
    });
    g.bench_function("plain_sqlite", |b| {
        b.iter_custom(|iters| {
            time_opens(iters, || {
                Vault::open_plaintext_for_benchmarks(&fx.open_plain).expect("open plain")
            })
        })
    });
    g.finish();

    // The unlock counter's part of every open with a secret: a try marked under way, then
    // cleared by the right secret (plain writes), or counted as wrong (flushed to the disk; the
    // right try after it clears the count again, so the waits never start).
    let mut g = c.benchmark_group("unlock_counter");
    g.sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    g.bench_function("right_try", |b| {
        b.iter(|| Vault::unlock_counter_for_benchmarks(&fx.open_sqlcipher, true).expect("try"))
    });
    g.bench_function("wrong_then_right_try", |b| {
        b.iter(|| {
            Vault::unlock_counter_for_benchmarks(&fx.open_sqlcipher, false).expect("wrong");
            Vault::unlock_counter_for_benchmarks(&fx.open_sqlcipher, true).expect("right")
        })
    });
    g.finish();
}

fn bench_add_party(c: &mut Criterion, fx: &mut Fixture) {
    let mut g = c.benchmark_group("add_party");
    g.sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    let now = fx.now.clone();
    for (name, vault) in [
        ("sqlcipher", &mut fx.add_sqlcipher),
        ("plain_sqlite", &mut fx.add_plain),
    ] {
        let mut n = 0u64;
        g.bench_function(name, |b| {
            b.iter(|| {
                n += 1;
                vault
                    .add_party(
                        &format!("Benchmark party {n}"),
                        PartyKind::Person,
                        "old friend",
                        "",
                        &now,
                    )
                    .expect("add a party")
            })
        });
    }
    g.finish();
}

fn bench_list(c: &mut Criterion, fx: &Fixture) {
    // The issue's target: records() then summarise() (which derives every stage), warm.
    let mut g = c.benchmark_group(LIST_GROUP);
    g.sample_size(30)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));
    for (name, vault) in [
        ("sqlcipher", &fx.list_sqlcipher),
        ("plain_sqlite", &fx.list_plain),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let records = vault.records().expect("records");
                let out = summarise(&records, &fx.now);
                (records, out)
            })
        });
    }
    g.finish();

    // Where that time goes: reading the records, and deriving the stages from them.
    let mut g = c.benchmark_group("list_breakdown");
    g.sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for (name, vault) in [
        ("records_sqlcipher", &fx.list_sqlcipher),
        ("records_plain_sqlite", &fx.list_plain),
    ] {
        g.bench_function(name, |b| b.iter(|| vault.records().expect("records")));
    }
    let records = fx.list_plain.records().expect("records");
    g.bench_function("summarise", |b| {
        b.iter(|| summarise(black_box(&records), &fx.now))
    });
    g.finish();
}

/// Where criterion writes its results, found the way criterion finds it.
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/criterion")
}

/// Criterion's median and mean (nanoseconds) of one benchmark, if this run wrote them.
fn estimates(group: &str, bench: &str, since: SystemTime) -> Option<(f64, f64)> {
    let path = criterion_dir()
        .join(group)
        .join(bench)
        .join("new/estimates.json");
    let modified = fs::metadata(&path).ok()?.modified().ok()?;
    if modified < since {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&fs::read(&path).ok()?).ok()?;
    let point = |k: &str| v.get(k)?.get("point_estimate")?.as_f64();
    Some((point("median")?, point("mean")?))
}

fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn report(since: SystemTime) {
    let all = [
        ("unlock", "argon2id_default"),
        ("unlock", "vault_open_passphrase"),
        ("open_without_kdf", "sqlcipher_data_key"),
        ("open_without_kdf", "plain_sqlite"),
        ("add_party", "sqlcipher"),
        ("add_party", "plain_sqlite"),
        (LIST_GROUP, "sqlcipher"),
        (LIST_GROUP, "plain_sqlite"),
        ("list_breakdown", "records_sqlcipher"),
        ("list_breakdown", "records_plain_sqlite"),
        ("list_breakdown", "summarise"),
    ];
    let rows: Vec<String> = all
        .iter()
        .filter_map(|(g, b)| {
            let (median, mean) = estimates(g, b, since)?;
            Some(format!(
                "  {:<42} median {:>10}   mean {:>10}",
                format!("{g}/{b}"),
                human(median),
                human(mean)
            ))
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    println!("\nFigures of this run (criterion point estimates):");
    for r in rows {
        println!("{r}");
    }
    if let (Some((enc, enc_mean)), Some((plain, plain_mean))) = (
        estimates(LIST_GROUP, "sqlcipher", since),
        estimates(LIST_GROUP, "plain_sqlite", since),
    ) {
        let ratio = enc / plain;
        let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
        println!(
            "\nListing 1,000 parties: SQLCipher / plain SQLite = {ratio:.3} (median), {:.3} (mean); \
             target <= {RATIO_TARGET}: {}",
            enc_mean / plain_mean,
            verdict(ratio <= RATIO_TARGET)
        );
        println!(
            "Listing 1,000 parties on SQLCipher: median {}; target < {LIST_TARGET_MS} ms: {}",
            human(enc),
            verdict(enc / 1e6 < LIST_TARGET_MS)
        );
    }
}

fn main() {
    let since = SystemTime::now();
    let mut fx = build_fixture();
    let mut c = Criterion::default().configure_from_args();
    bench_unlock(&mut c, &fx);
    bench_add_party(&mut c, &mut fx);
    bench_list(&mut c, &fx);
    c.final_summary();
    drop(fx);
    report(since);
}
