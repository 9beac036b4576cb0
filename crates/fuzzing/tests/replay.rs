//! Every checked-in seed (`fuzz/corpus/<target>/`) and every crash found so far
//! (`fuzz/regressions/<target>/`) through its target, without instrumentation: a crash that was
//! fixed stays fixed, and the seeds stay valid inputs.

use std::path::{Path, PathBuf};

use amends_fuzzing::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .map(|e| e.expect("the folder lists").path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

fn replay(kind: &str) -> usize {
    let mut count = 0;
    for (name, target) in TARGETS {
        for file in files(&fuzz_dir().join(kind).join(name)) {
            let data = std::fs::read(&file).expect("the input reads");
            let run = std::panic::catch_unwind(|| target(&data));
            assert!(run.is_ok(), "{name} fails on {}", file.display());
            count += 1;
        }
    }
    count
}

#[test]
fn every_seed_runs_through_its_target() {
    for (name, _) in TARGETS {
        assert!(
            files(&fuzz_dir().join("corpus").join(name)).len() >= 3,
            "the {name} corpus has a few seeds"
        );
    }
    assert!(replay("corpus") > 0);
}

#[test]
fn every_crash_found_stays_fixed() {
    replay("regressions");
}

#[test]
fn every_target_has_a_fuzz_bin() {
    for (name, _) in TARGETS {
        let bin = fuzz_dir().join("fuzz_targets").join(format!("{name}.rs"));
        let text = std::fs::read_to_string(&bin).expect("the fuzz target exists");
        assert!(
            text.contains(&format!("amends_fuzzing::{name}(")),
            "{} calls its body",
            bin.display()
        );
    }
}

/// The seeds not named `broken-` are accepted, so the fuzzer starts from inputs that reach
/// past each reader's first refusal.
#[test]
fn the_valid_seeds_are_accepted() {
    use amends_relay_proto::{ReceivedHeaders, verify_request};
    use amends_share::{PublicKeys, open};

    let valid = |target: &str| -> Vec<(String, Vec<u8>)> {
        files(&fuzz_dir().join("corpus").join(target))
            .into_iter()
            .filter_map(|p| {
                let name = p.file_name()?.to_str()?.to_owned();
                (!name.starts_with("broken-")).then(|| (name, std::fs::read(&p).unwrap()))
            })
            .collect()
    };
    for (name, data) in valid("bundle_open") {
        if name.ends_with(".age") {
            assert!(open(&data, amends_fuzzing::receiver()).is_ok(), "{name}");
        }
    }
    for (name, data) in valid("contact_code") {
        let text = String::from_utf8(data).unwrap();
        assert!(PublicKeys::parse_code(&text).is_ok(), "{name}");
    }
    for (name, data) in valid("json_import") {
        let doc = amends_vault::export::parse(std::str::from_utf8(&data).unwrap());
        assert!(amends_vault::export::check(&doc.unwrap()).is_ok(), "{name}");
    }
    for (name, data) in valid("relay_request") {
        let at = data.windows(2).position(|w| w == b"\n\n").unwrap();
        let head = std::str::from_utf8(&data[..at]).unwrap();
        let mut lines = head.lines();
        let (method, target) = lines.next().unwrap().split_once(' ').unwrap();
        let headers: Vec<(&str, &str)> = lines.map(|l| l.split_once(": ").unwrap()).collect();
        let received = ReceivedHeaders::from_lookup(|n| {
            headers.iter().find(|(k, _)| *k == n).map(|(_, v)| *v)
        });
        let verified = verify_request(
            received,
            method,
            target,
            &data[at + 2..],
            amends_fuzzing::RELAY_NOW,
        );
        assert!(verified.is_ok(), "{name}: {verified:?}");
    }
}
