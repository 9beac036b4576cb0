//! Amends promises never to lose a word. These suites hold it to that through the real binary:
//!
//! - the CLI is killed (SIGKILL) at random moments while it writes: before the vault is opened,
//!   while the passphrase is stretched (Argon2), inside the transaction, at the commit;
//! - the web app (`amends serve`) is killed the same way while forms are being posted to it;
//! - CLI processes and the web app write to one vault at once.
//!
//! After every kill the vault opens with its passphrase (`amends status`), SQLite's integrity
//! check passes (opened with the recovery key), and every write acknowledged before the kill
//! (the process exited 0, or the web app answered with its redirect) is in the export, once.
//! A write that was cut off may be there or not, but whole: never twice, never half.
//!
//! Bounded by default (30 crash trials, 300 concurrent operations). Longer on demand:
//!
//! ```text
//! AMENDS_LONG=1 cargo test -p amends --test integration crash:: -- --nocapture
//! ```
//!
//! runs CLI trials until 200 kills have landed, 50 web crash trials and 1,000 concurrent
//! operations. The counts can be set one by one with `AMENDS_CRASH_CLI_TRIALS`, `AMENDS_CRASH_WEB_TRIALS` and
//! `AMENDS_CONCURRENT_OPS`; `AMENDS_CRASH_SEED` replays a run (every failure prints its seed).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{Vault, bin_path, open_with_recovery_key, today};

// ---------------------------------------------------------------------------------------------
// Run sizes, seed and a small deterministic random number generator

fn long() -> bool {
    std::env::var("AMENDS_LONG").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// The count in `var` if set, otherwise `long` with AMENDS_LONG and `bounded` without.
fn count(var: &str, bounded: usize, long_run: usize) -> usize {
    match std::env::var(var) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{var} should be a whole number, not {v:?}")),
        Err(_) if long() => long_run,
        Err(_) => bounded,
    }
}

/// The seed from AMENDS_CRASH_SEED, or a new one from the clock; printed either way.
fn seed(suite: &str) -> u64 {
    let seed = match std::env::var("AMENDS_CRASH_SEED") {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("AMENDS_CRASH_SEED should be a whole number, not {v:?}")),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("the clock is after 1970")
            .as_nanos() as u64,
    };
    eprintln!("{suite}: seed {seed} (replay with AMENDS_CRASH_SEED={seed})");
    seed
}

/// SplitMix64: small, fast and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

// ---------------------------------------------------------------------------------------------
// What was written, and what must be found

/// Each write carries a marker of its own (a name, a harm, a note), found in the export as a
/// whole JSON string: `"mk000042x"`.
fn marker(n: usize) -> String {
    format!("mk{n:06}x")
}

#[derive(Default)]
struct Ledger {
    /// Acknowledged writes: each of their markers is in the vault exactly once.
    acked: Vec<Vec<String>>,
    /// Writes cut off by a kill: all of their markers once, or none of them.
    cut: Vec<Vec<String>>,
    /// How many cut writes turned out to be in the vault (killed after the commit).
    cut_present: usize,
}

impl Ledger {
    /// Reads the export and checks every write; `ctx` names the seed and the trial.
    fn check(&mut self, vault: &Vault, ctx: &str) {
        let out = run_cli(vault, &["export", "--format", "json"]);
        assert!(
            out.status.success(),
            "{ctx}: the export failed after the kill:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let times = |m: &str| text.matches(&format!("\"{m}\"")).count();
        for write in &self.acked {
            for m in write {
                assert_eq!(
                    times(m),
                    1,
                    "{ctx}: acknowledged write {m} should be in the vault exactly once"
                );
            }
        }
        let mut present = 0;
        for write in &self.cut {
            let found: Vec<usize> = write.iter().map(|m| times(m)).collect();
            assert!(
                found.iter().all(|&n| n == 0) || found.iter().all(|&n| n == 1),
                "{ctx}: a write cut off by the kill is there in part or twice: {write:?} {found:?}"
            );
            if found.iter().all(|&n| n == 1) {
                present += 1;
            }
        }
        self.cut_present = present;
    }
}

/// `amends status` opens the vault with its passphrase; the integrity check is SQLite's own,
/// on the vault opened with nothing but the recovery key.
fn vault_is_sound(vault: &Vault, ctx: &str) {
    let out = run_cli(vault, &["status"]);
    assert!(
        out.status.success(),
        "{ctx}: the vault does not open after the kill:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let conn = open_with_recovery_key(&vault.path, &vault.recovery)
        .unwrap_or_else(|e| panic!("{ctx}: the recovery key does not open the vault: {e}"));
    let verdict: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{ctx}: the integrity check did not run: {e}"));
    assert_eq!(verdict, "ok", "{ctx}: SQLite's integrity check");
}

/// Words that must never reach the person: a busy or locked database.
fn busy_words(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("busy") || t.contains("database is locked") || t.contains("database table is locked")
}

/// The method of a plan written to `party`: a letter to Base, which has a harm named and its
/// safety questions answered; for the others (added, or captured, along the way, with neither
/// perhaps) an unsent letter, a way that does not reach them and so waits for neither.
fn plan_method(party: &str) -> &'static str {
    if party == "Base" {
        "letter"
    } else {
        "unsent-letter"
    }
}

// ---------------------------------------------------------------------------------------------
// The CLI

/// The binary pointed at the vault, as `common::Vault::cmd` sets it up, but a plain process so
/// that it can be killed.
fn cli(vault: &Vault, args: &[String]) -> Command {
    cli_at(&vault.path, &vault.pass, args)
}

/// The same, from the vault's path and passphrase (a `Vault` stays on its own thread).
fn cli_at(path: &Path, pass: &str, args: &[String]) -> Command {
    let mut c = Command::new(bin_path());
    for v in [
        "AMENDS_VAULT",
        "AMENDS_PASSPHRASE",
        "AMENDS_NEW_PASSPHRASE",
        "AMENDS_RECOVERY_KEY",
        "AMENDS_LOG",
    ] {
        c.env_remove(v);
    }
    c.env("TZ", "UTC")
        .env("AMENDS_PASSPHRASE", pass)
        .arg("--vault")
        .arg(path)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn run_cli(vault: &Vault, args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    cli(vault, &args).output().expect("the binary runs")
}

/// A vault with one party ready for attempts (a harm named, willing now, safety answered, a
/// plan) and a restitution commitment (#1) large enough for every payment.
fn prepared_vault() -> Vault {
    let v = Vault::init();
    v.ok(&["party", "add", "Base"]);
    v.ok(&["harm", "add", "Base", "--did", "base"]);
    v.ok(&["willing", "Base", "now"]);
    v.ok(&["safety", "Base", "--none"]);
    v.ok(&["plan", "Base", "--method", "letter", "--script", "base"]);
    let out = v.ok(&["commit", "restitution", "Base", "--amount", "1000000"]);
    assert!(out.contains("Commitment #1"), "{out}");
    v
}

/// One write through the CLI and the markers it leaves.
struct CliWrite {
    args: Vec<String>,
    markers: Vec<String>,
    /// The new party's name, to write to later once the write is acknowledged.
    new_party: Option<String>,
}

/// Parties the CLI writes to, by name; "Base" takes the attempts and stays willing "now".
struct CliWorld {
    parties: Vec<String>,
    next: usize,
}

impl CliWorld {
    fn new() -> CliWorld {
        CliWorld {
            parties: vec!["Base".into()],
            next: 0,
        }
    }

    fn marker(&mut self) -> String {
        self.next += 1;
        marker(self.next)
    }

    fn write(&mut self, rng: &mut Rng) -> CliWrite {
        let m = self.marker();
        let party = rng.pick(&self.parties).clone();
        let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        let (args, markers, new_party) = match rng.below(7) {
            0 => (s(&["party", "add", &m]), vec![m.clone()], Some(m)),
            1 => (s(&["harm", "add", &party, "--did", &m]), vec![m], None),
            2 => {
                // Willingness of others only: Base stays ready for attempts.
                let others: Vec<String> = self.parties[1..].to_vec();
                let who = if others.is_empty() {
                    "Base".to_string()
                } else {
                    rng.pick(&others).clone()
                };
                let level = if who == "Base" {
                    "now"
                } else {
                    *rng.pick(&["now", "later", "maybe"])
                };
                (s(&["willing", &who, level, "--note", &m]), vec![m], None)
            }
            3 => (
                s(&[
                    "plan",
                    &party,
                    "--method",
                    plan_method(&party),
                    "--script",
                    &m,
                ]),
                vec![m],
                None,
            ),
            4 => (
                s(&[
                    "attempt",
                    "Base",
                    "--method",
                    "letter",
                    "--outcome",
                    "cool",
                    "--notes",
                    &m,
                ]),
                vec![m],
                None,
            ),
            5 => (s(&["pay", "1", "1", "--note", &m]), vec![m], None),
            _ => {
                let did = self.marker();
                (
                    s(&["capture", &m, "--did", &did]),
                    vec![m.clone(), did],
                    Some(m),
                )
            }
        };
        CliWrite {
            args,
            markers,
            new_party,
        }
    }

    fn acknowledged(&mut self, w: &CliWrite) {
        if let Some(p) = &w.new_party {
            self.parties.push(p.clone());
        }
    }
}

/// Runs a write to its end; it must succeed, with no busy words.
fn cli_write_ok(vault: &Vault, w: &CliWrite, ctx: &str) -> Duration {
    let started = Instant::now();
    let out = cli(vault, &w.args).output().expect("the binary runs");
    let took = started.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{ctx}: amends {:?} failed:\n{err}",
        w.args
    );
    assert!(!busy_words(&err), "{ctx}: amends {:?} said:\n{err}", w.args);
    took
}

/// The length and modification time of a file, if it is there.
fn file_stamp(path: &Path) -> Option<(u64, std::time::SystemTime)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), m.modified().ok()?))
}

/// Where in a write's run the kill landed.
#[derive(Default, Debug)]
struct Moments {
    /// In the first tenth of a typical run: the process starting, before the vault is opened.
    starting: usize,
    /// Later in the run: mostly the key derivation (Argon2), then the transaction.
    unlocking: usize,
    /// Within 5 ms of the commit's first write to the write-ahead log.
    committing: usize,
    /// The process had already exited 0: the write was acknowledged.
    after_exit: usize,
}

#[test]
fn cli_killed_at_random_moments_loses_no_acknowledged_write() {
    // Kills that land: a write that ends before its kill is acknowledged and counted, and the
    // trial does not count towards this number, so the suite runs until this many landed
    // (within five times as many trials).
    let trials = count("AMENDS_CRASH_CLI_TRIALS", 20, 200);
    let seed = seed("crash::cli");
    let mut rng = Rng(seed);
    let started = Instant::now();
    let vault = prepared_vault();
    let mut world = CliWorld::new();
    let mut ledger = Ledger::default();
    let mut moments = Moments::default();
    // A typical write's run time, measured as the suite goes.
    let mut typical = Duration::ZERO;
    let mut measured = 0u32;
    let mut writes = 0usize;
    let landed = |m: &Moments| m.starting + m.unlocking + m.committing;
    let mut trial = 0;
    while landed(&moments) < trials && trial < trials * 5 {
        trial += 1;
        let ctx = format!("seed {seed}, CLI trial {trial}");
        // Sustained writes, each acknowledged.
        for _ in 0..=rng.below(3) {
            let w = world.write(&mut rng);
            let took = cli_write_ok(&vault, &w, &ctx);
            measured += 1;
            typical = (typical * (measured - 1) + took) / measured;
            ledger.acked.push(w.markers.clone());
            world.acknowledged(&w);
            writes += 1;
        }
        // One more, killed at a random moment: half of the time anywhere in its run (starting,
        // unlocking), the other half as its commit reaches the write-ahead log.
        let w = world.write(&mut rng);
        let span = typical.as_micros() as u64;
        let at_commit = rng.below(2) == 0;
        let delay = Duration::from_micros(if at_commit {
            rng.below(5_000)
        } else {
            rng.below(span)
        });
        let wal = vault.sidecar("-wal");
        let wal_before = file_stamp(&wal);
        let mut child = cli(&vault, &w.args).spawn().expect("the binary runs");
        let spawned = Instant::now();
        if at_commit {
            // Opening the vault creates the write-ahead log empty (a clean exit removes it);
            // the first pages written to it are the commit's.
            let committing = || file_stamp(&wal).is_some_and(|s| s.0 > 0 && Some(s) != wal_before);
            while !committing() && child.try_wait().expect("the child can be asked").is_none() {
                std::thread::sleep(Duration::from_micros(100));
            }
        }
        std::thread::sleep(delay);
        let killed_at = spawned.elapsed();
        writes += 1;
        let finished = child.try_wait().expect("the child can be asked").is_some();
        if !finished {
            child.kill().expect("SIGKILL is sent");
        }
        let out = child.wait_with_output().expect("it ends");
        if out.status.success() {
            // It ended before the kill: acknowledged.
            moments.after_exit += 1;
            ledger.acked.push(w.markers.clone());
            world.acknowledged(&w);
        } else {
            assert!(
                !finished,
                "{ctx}: amends {:?} failed:\n{}",
                w.args,
                String::from_utf8_lossy(&out.stderr)
            );
            if at_commit {
                moments.committing += 1;
            } else if killed_at.as_micros() as u64 * 10 < span {
                moments.starting += 1;
            } else {
                moments.unlocking += 1;
            }
            ledger.cut.push(w.markers.clone());
        }
        vault_is_sound(&vault, &ctx);
        ledger.check(&vault, &ctx);
    }
    let kills = landed(&moments);
    assert_eq!(
        kills, trials,
        "seed {seed}: only {kills} of {trials} kills landed in {trial} trials"
    );
    eprintln!(
        "crash::cli: {trial} trials, {writes} writes ({} acknowledged), {kills} kills landed \
         ({} starting, {} unlocking or writing, {} at the commit; {} of the cut writes were committed), {} \
         ended before the kill; typical write {:?}; {:?} in all",
        ledger.acked.len(),
        moments.starting,
        moments.unlocking,
        moments.committing,
        ledger.cut_present,
        moments.after_exit,
        typical,
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------------------------
// The web app

/// `amends serve` on a vault, started as a person would start it.
struct Server {
    child: Child,
    addr: String,
    token_path: String,
    /// Kept open so that the app can still print as it stops.
    _out: BufReader<ChildStdout>,
}

impl Server {
    fn start(vault: &Vault) -> Server {
        let mut child = Command::new(bin_path())
            .arg("--vault")
            .arg(&vault.path)
            .args(["serve", "--no-open"])
            .env_remove("AMENDS_VAULT")
            .env_remove("AMENDS_PASSPHRASE")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env("TZ", "UTC")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("amends serve starts");
        let mut out = BufReader::new(child.stdout.take().expect("its output"));
        let mut url = String::new();
        for _ in 0..20 {
            let mut line = String::new();
            if out.read_line(&mut line).expect("its output") == 0 {
                break;
            }
            if let Some(u) = line.split_whitespace().find(|w| w.starts_with("http://")) {
                url = u.to_string();
                break;
            }
        }
        let rest = url
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("amends serve printed no address: {url:?}"));
        let (addr, token_path) = rest.split_at(rest.find('/').expect("a path with the token"));
        Server {
            child,
            addr: addr.to_string(),
            token_path: token_path.to_string(),
            _out: out,
        }
    }

    /// Admits this client with the printed token and unlocks the vault; returns the session.
    fn admit(&self) -> Session {
        let resp = http(&self.addr, "GET", &self.token_path, "", "").expect("the app answers");
        assert!(resp.starts_with("HTTP/1.1 303"), "{resp}");
        let cookie = header(&resp, "set-cookie")
            .expect("the token is exchanged for a cookie")
            .split(';')
            .next()
            .expect("a cookie")
            .to_string();
        let page = http(&self.addr, "GET", "/unlock", &cookie, "").expect("the app answers");
        let start = page
            .find("data-csrf=\"")
            .expect("the page carries its CSRF token")
            + 11;
        let len = page[start..].find('"').expect("the token ends");
        Session {
            addr: self.addr.clone(),
            cookie,
            csrf: page[start..start + len].to_string(),
        }
    }

    /// SIGKILL, and wait for it to be gone.
    fn kill(mut self) {
        self.child.kill().expect("SIGKILL is sent");
        self.child.wait().expect("it ends");
    }

    /// Stops it as Ctrl+C does; returns what it wrote to standard error.
    fn stop(mut self) -> String {
        Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        let status = self.child.wait().expect("it ends");
        assert!(status.success(), "Ctrl+C ends the app cleanly");
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            e.read_to_string(&mut err).expect("its errors");
        }
        err
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Clone)]
struct Session {
    addr: String,
    cookie: String,
    csrf: String,
}

impl Session {
    fn unlock(&self, pass: &str) -> std::io::Result<String> {
        self.post("/unlock", &[("passphrase", pass)])
    }

    fn post(&self, path: &str, fields: &[(&str, &str)]) -> std::io::Result<String> {
        let mut body = format!("_csrf={}", encode(&self.csrf));
        for (k, v) in fields {
            body.push_str(&format!("&{k}={}", encode(v)));
        }
        http(&self.addr, "POST", path, &self.cookie, &body)
    }
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// One plain HTTP/1.1 exchange; an error when the app is gone or the answer was cut off.
fn http(addr: &str, method: &str, path: &str, cookie: &str, body: &str) -> std::io::Result<String> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    let cookie = if cookie.is_empty() {
        String::new()
    } else {
        format!("Cookie: {cookie}\r\n")
    };
    let form = if method == "POST" {
        format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            body.len()
        )
    } else {
        String::new()
    };
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{cookie}{form}Connection: close\r\n\r\n{body}"
    )?;
    let mut resp = Vec::new();
    s.read_to_end(&mut resp)?;
    let resp = String::from_utf8_lossy(&resp).into_owned();
    if !resp.contains("\r\n\r\n") {
        return Err(std::io::Error::other("the answer was cut off"));
    }
    Ok(resp)
}

fn header<'a>(resp: &'a str, name: &str) -> Option<&'a str> {
    resp.split("\r\n\r\n")
        .next()?
        .lines()
        .find(|l| {
            l.split_once(':')
                .is_some_and(|(k, _)| k.eq_ignore_ascii_case(name))
        })
        .map(|l| l.split_once(':').expect("a header").1.trim())
}

/// The party a redirect after a write leads to: `/parties/7#harms` gives 7.
fn party_in(location: &str) -> Option<i64> {
    location
        .strip_prefix("/parties/")?
        .split('#')
        .next()?
        .parse()
        .ok()
}

/// One write through the web app's forms.
struct WebWrite {
    path: String,
    fields: Vec<(&'static str, String)>,
    markers: Vec<String>,
    /// Whether the answer names a new party to write to later.
    adds_party: bool,
}

/// Chooses a web write; party 1 is "Base", ready for attempts.
fn web_write(rng: &mut Rng, parties: &[i64], next: &mut dyn FnMut() -> String) -> WebWrite {
    let m = next();
    let party = *rng.pick(parties);
    match rng.below(5) {
        0 => WebWrite {
            path: "/parties".into(),
            fields: vec![("name", m.clone()), ("kind", "person".into())],
            markers: vec![m],
            adds_party: true,
        },
        1 => WebWrite {
            path: format!("/parties/{party}/harms"),
            fields: vec![("did", m.clone())],
            markers: vec![m],
            adds_party: false,
        },
        2 => WebWrite {
            // "now" keeps Base ready for attempts.
            path: format!("/parties/{party}/willingness"),
            fields: vec![("level", "now".into()), ("note", m.clone())],
            markers: vec![m],
            adds_party: false,
        },
        3 => WebWrite {
            path: "/parties/1/attempt".into(),
            fields: vec![
                ("on", today()),
                ("method", "letter".into()),
                ("outcome", "cool".into()),
                ("notes", m.clone()),
            ],
            markers: vec![m],
            adds_party: false,
        },
        _ => {
            let did = next();
            WebWrite {
                path: "/capture".into(),
                fields: vec![("name", m.clone()), ("did", did.clone())],
                markers: vec![m, did],
                adds_party: true,
            }
        }
    }
}

/// What became of a web write.
enum Answer {
    /// The app redirected after writing: acknowledged; the party it leads to.
    Done(Option<i64>),
    /// No whole answer: the app was gone or went away meanwhile.
    Gone,
    /// A whole answer that was not the redirect: a failure the person would see.
    Refused(String),
}

fn send(session: &Session, w: &WebWrite) -> Answer {
    let fields: Vec<(&str, &str)> = w.fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    match session.post(&w.path, &fields) {
        Err(_) => Answer::Gone,
        Ok(resp) if resp.starts_with("HTTP/1.1 303") => {
            let to = header(&resp, "location").unwrap_or_default();
            if to.starts_with("/parties/") {
                Answer::Done(party_in(to))
            } else {
                Answer::Refused(resp)
            }
        }
        Ok(resp) => Answer::Refused(resp),
    }
}

/// The base party's id in the web app.
fn base_party(vault: &Vault) -> i64 {
    let list = vault.party_list();
    list.iter()
        .find(|p| p["name"] == "Base")
        .and_then(|p| p["id"].as_i64())
        .expect("Base is on the list")
}

#[test]
fn web_app_killed_at_random_moments_loses_no_acknowledged_write() {
    let trials = count("AMENDS_CRASH_WEB_TRIALS", 10, 50);
    let seed = seed("crash::web");
    let mut rng = Rng(seed);
    let started = Instant::now();
    let vault = prepared_vault();
    assert_eq!(base_party(&vault), 1);
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let mut parties = vec![1i64];
    let mut next = 0usize;
    let mut writes = 0usize;
    let (mut before_unlocked, mut while_writing) = (0usize, 0usize);
    // How long admitting, unlocking and a write take, measured as the suite goes.
    let mut unlock_took = Duration::from_millis(200);
    for trial in 0..trials {
        let ctx = format!("seed {seed}, web trial {trial}");
        let server = Server::start(&vault);
        let session = server.admit();
        // The kill lands anywhere from the unlocking (Argon2) to well into the writes.
        let window = unlock_took.as_micros() as u64 + 400_000;
        let delay = Duration::from_micros(rng.below(window));
        let mut writer_rng = Rng(rng.next());
        let trial_start = Instant::now();
        let pass = vault.pass.clone();
        let writer_ledger = Arc::clone(&ledger);
        let writer_parties = parties.clone();
        let writer_next = next;
        let writer = std::thread::spawn(move || {
            let mut parties = writer_parties;
            let mut next = writer_next;
            let mut count = 0usize;
            match session.unlock(&pass) {
                Ok(r) if r.starts_with("HTTP/1.1 303") => {}
                Ok(r) => return Err(format!("unlocking was refused:\n{r}")),
                Err(_) => return Ok((parties, next, count, None)),
            }
            let unlocked = trial_start.elapsed();
            loop {
                let mut fresh = || {
                    next += 1;
                    marker(next)
                };
                let w = web_write(&mut writer_rng, &parties, &mut fresh);
                count += 1;
                match send(&session, &w) {
                    Answer::Done(id) => {
                        let mut l = writer_ledger.lock().expect("the ledger");
                        l.acked.push(w.markers.clone());
                        if w.adds_party
                            && let Some(id) = id
                        {
                            parties.push(id);
                        }
                    }
                    Answer::Gone => {
                        writer_ledger
                            .lock()
                            .expect("the ledger")
                            .cut
                            .push(w.markers.clone());
                        return Ok((parties, next, count, Some(unlocked)));
                    }
                    Answer::Refused(r) => {
                        return Err(format!("{} was refused:\n{r}", w.path));
                    }
                }
            }
        });
        std::thread::sleep(delay);
        server.kill();
        let (p, n, c, unlocked) = writer
            .join()
            .expect("the writer ends")
            .unwrap_or_else(|e| panic!("{ctx}: {e}"));
        parties = p;
        next = n;
        writes += c;
        match unlocked {
            Some(u) => {
                unlock_took = u;
                while_writing += 1;
            }
            None => before_unlocked += 1,
        }
        vault_is_sound(&vault, &ctx);
        ledger.lock().expect("the ledger").check(&vault, &ctx);
    }
    let l = ledger.lock().expect("the ledger");
    eprintln!(
        "crash::web: {trials} trials and kills ({before_unlocked} before the vault was unlocked, \
         {while_writing} during the writes), {writes} writes ({} acknowledged, {} cut off, {} of \
         those committed); {:?} in all",
        l.acked.len(),
        l.cut.len(),
        l.cut_present,
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------------------------
// CLI and web app at once

#[test]
fn cli_and_web_app_writing_at_once_lose_nothing_and_never_say_busy() {
    let total = count("AMENDS_CONCURRENT_OPS", 300, 1000);
    let seed = seed("crash::concurrent");
    let started = Instant::now();
    let vault = prepared_vault();
    assert_eq!(base_party(&vault), 1);
    let server = Server::start(&vault);
    let session = server.admit();
    let r = session.unlock(&vault.pass).expect("the app answers");
    assert!(r.starts_with("HTTP/1.1 303"), "{r}");

    // Half through the CLI, half through the web app, kept in step so that they overlap
    // throughout: the web app's writes are quicker, so its sessions wait for the CLI to catch up.
    let cli_total = total / 2;
    let web_total = total - cli_total;
    let (cli_taken, web_taken) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let markers = AtomicUsize::new(0);
    let ledger = Mutex::new(Ledger::default());
    // Parties both sides can write to: name for the CLI, id for the web app.
    let parties = Mutex::new(vec![("Base".to_string(), 1i64)]);
    let errors = Mutex::new(Vec::<String>::new());
    let (cli_ops, web_ops) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let fresh = || marker(markers.fetch_add(1, Ordering::SeqCst) + 1);

    std::thread::scope(|scope| {
        for t in 0..2u64 {
            let (path, pass) = (vault.path.as_path(), vault.pass.as_str());
            let (taken, ledger, parties, errors, cli_ops) =
                (&cli_taken, &ledger, &parties, &errors, &cli_ops);
            scope.spawn(move || {
                let mut rng = Rng(seed ^ (0x1000 + t));
                while taken.fetch_add(1, Ordering::SeqCst) < cli_total {
                    let (name, _) = rng.pick(&parties.lock().expect("parties")).clone();
                    let m = fresh();
                    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
                    let (args, marks) = match rng.below(6) {
                        0 => (s(&["party", "add", &m, "--json"]), vec![m.clone()]),
                        1 => (s(&["harm", "add", &name, "--did", &m]), vec![m.clone()]),
                        2 => (s(&["willing", &name, "now", "--note", &m]), vec![m.clone()]),
                        3 => (
                            s(&[
                                "plan",
                                &name,
                                "--method",
                                plan_method(&name),
                                "--script",
                                &m,
                            ]),
                            vec![m.clone()],
                        ),
                        4 => (
                            s(&[
                                "attempt",
                                "Base",
                                "--method",
                                "letter",
                                "--outcome",
                                "cool",
                                "--notes",
                                &m,
                            ]),
                            vec![m.clone()],
                        ),
                        _ => (s(&["pay", "1", "1", "--note", &m]), vec![m.clone()]),
                    };
                    let out = cli_at(path, pass, &args).output().expect("the binary runs");
                    cli_ops.fetch_add(1, Ordering::SeqCst);
                    let err = String::from_utf8_lossy(&out.stderr).into_owned();
                    if !out.status.success() || busy_words(&err) {
                        errors
                            .lock()
                            .expect("errors")
                            .push(format!("amends {args:?}: {:?}\n{err}", out.status.code()));
                        continue;
                    }
                    ledger.lock().expect("the ledger").acked.push(marks);
                    if args[0] == "party" {
                        let v: serde_json::Value =
                            serde_json::from_slice(&out.stdout).expect("party add prints JSON");
                        let id = v["id"].as_i64().expect("an id");
                        parties.lock().expect("parties").push((m, id));
                    }
                }
            });
        }
        for t in 0..2u64 {
            let (session, taken, ledger, parties, errors, web_ops, cli_ops) = (
                &session, &web_taken, &ledger, &parties, &errors, &web_ops, &cli_ops,
            );
            scope.spawn(move || {
                let mut rng = Rng(seed ^ (0x2000 + t));
                let mut next = || fresh();
                while taken.fetch_add(1, Ordering::SeqCst) < web_total {
                    while web_ops.load(Ordering::SeqCst) > cli_ops.load(Ordering::SeqCst) + 4
                        && cli_ops.load(Ordering::SeqCst) < cli_total
                    {
                        std::thread::sleep(Duration::from_millis(2));
                    }
                    let ids: Vec<i64> = parties
                        .lock()
                        .expect("parties")
                        .iter()
                        .map(|p| p.1)
                        .collect();
                    let w = web_write(&mut rng, &ids, &mut next);
                    let answer = send(session, &w);
                    web_ops.fetch_add(1, Ordering::SeqCst);
                    match answer {
                        Answer::Done(id) => {
                            ledger
                                .lock()
                                .expect("the ledger")
                                .acked
                                .push(w.markers.clone());
                            if w.adds_party
                                && let Some(id) = id
                            {
                                parties
                                    .lock()
                                    .expect("parties")
                                    .push((w.markers[0].clone(), id));
                            }
                        }
                        Answer::Gone => errors
                            .lock()
                            .expect("errors")
                            .push(format!("{}: the app did not answer", w.path)),
                        Answer::Refused(r) => errors
                            .lock()
                            .expect("errors")
                            .push(format!("{} was refused:\n{r}", w.path)),
                    }
                }
            });
        }
    });
    let server_err = server.stop();
    let ctx = format!("seed {seed}, concurrent run");
    let errors = errors.into_inner().expect("errors");
    assert!(
        errors.is_empty(),
        "{ctx}: {} of {total} operations failed; the first:\n{}",
        errors.len(),
        errors[0]
    );
    assert!(
        !busy_words(&server_err),
        "{ctx}: the app said:\n{server_err}"
    );
    vault_is_sound(&vault, &ctx);
    let mut ledger = ledger.into_inner().expect("the ledger");
    ledger.check(&vault, &ctx);
    eprintln!(
        "crash::concurrent: {total} operations ({} CLI in 2 processes at a time, {} web in 2 \
         sessions), {} acknowledged and all present; {:?} in all",
        cli_ops.load(Ordering::SeqCst),
        web_ops.load(Ordering::SeqCst),
        ledger.acked.len(),
        started.elapsed()
    );
}
