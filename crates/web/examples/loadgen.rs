//! The web app under load: the large workbook of the vault benchmark (1,000 parties, 3,000 harms,
//! 20,000 check-ins), served by the real release binary, with concurrent clients asking for one
//! route after another in one run against the same server.
//!
//! ```text
//! cargo build --release -p amends
//! cargo run --release -p amends-web --example loadgen -- [options]
//! ```
//!
//! (`scripts/bench-web.sh` does both.) It builds the encrypted vault in a temporary folder (or
//! reuses one given with `--vault`), starts `amends serve --no-open --vault V` as a separate
//! process, comes in the way a browser does (launch address, cookie, the unlock form with its
//! CSRF token), then for each route runs the clients for a warm-up and for the measured time,
//! each client sending its next request as soon as the last one was read in full (a closed
//! loop). It prints a markdown table of requests per second and latency percentiles per route,
//! with the server's memory (from /proc/PID/status) and processor time. The figures and how to
//! read them are in docs/benchmarks.md.
//!
//! Options: `--clients N` (8), `--seconds S` measured per route (10), `--warmup S` per route (2),
//! `--route PATH` (repeatable; replaces the default routes), `--bin PATH` (the release binary
//! of this workspace), `--vault PATH` (reuse this vault, or build it there and keep it).

#[allow(dead_code)]
#[path = "../../vault/benches/fixture/mod.rs"]
mod fixture;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use amends_core::model::Settings;
use amends_vault::Vault;
use reqwest::StatusCode;
use secrecy::SecretString;

/// The routes measured, in order. The pages are measured beside the app's own static asset,
/// which does no work but send bytes from memory. A route this build does not have (404) is
/// left out of the table with a note, so the list can name pages still being built.
const ROUTES: &[&str] = &["/", "/list", "/list/table", "/assets/app.css"];

/// The same workbook as the vault benchmark (crates/vault/benches/vault.rs).
const SEED: u64 = 0x00A3_E4D5;
const PASSPHRASE: &str = "correct horse battery staple";

/// What the issue asks of the pages under load.
const P99_TARGET_MS: f64 = 25.0;
const MEMORY_TARGET_MB: f64 = 100.0;

struct Args {
    clients: usize,
    seconds: f64,
    warmup: f64,
    routes: Vec<String>,
    bin: PathBuf,
    vault: Option<PathBuf>,
}

fn usage() -> ! {
    eprintln!(
        "usage: loadgen [--clients N] [--seconds S] [--warmup S] [--route PATH]... [--bin PATH] [--vault PATH]"
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut a = Args {
        clients: 8,
        seconds: 10.0,
        warmup: 2.0,
        routes: Vec::new(),
        bin: root.join("target/release/amends"),
        vault: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--clients" => a.clients = value().parse().unwrap_or_else(|_| usage()),
            "--seconds" => a.seconds = value().parse().unwrap_or_else(|_| usage()),
            "--warmup" => a.warmup = value().parse().unwrap_or_else(|_| usage()),
            "--route" => a.routes.push(value()),
            "--bin" => a.bin = PathBuf::from(value()),
            "--vault" => a.vault = Some(PathBuf::from(value())),
            _ => usage(),
        }
    }
    if a.routes.is_empty() {
        a.routes = ROUTES.iter().map(|r| r.to_string()).collect();
    }
    if a.clients == 0 || a.seconds <= 0.0 || a.warmup < 0.0 {
        usage();
    }
    a
}

/// Builds the large workbook into a new encrypted vault at `path`.
fn build_vault(path: &Path) {
    let started = Instant::now();
    let doc = fixture::export_doc(SEED);
    let c = fixture::counts(&doc);
    assert_eq!(
        (c.parties, c.harms, c.checkins, c.living),
        (
            fixture::PARTIES,
            fixture::HARMS,
            fixture::CHECKINS,
            fixture::LIVING
        ),
        "the fixture has the size the issue asks for"
    );
    let json = serde_json::to_string(&doc).expect("serialise the fixture");
    let created = Vault::create(
        path,
        &SecretString::from(PASSPHRASE.to_string()),
        &Settings::default(),
    )
    .expect("create the vault");
    let mut vault = created.vault;
    vault.import_json(&json).expect("import the fixture");
    drop(vault);
    eprintln!(
        "Built the vault ({} parties, {} harms, {} check-ins, {} payments, {} attempts) in {:.1} s.",
        c.parties,
        c.harms,
        c.checkins,
        c.payments,
        c.attempts,
        started.elapsed().as_secs_f64()
    );
}

/// The server process, stopped (Ctrl+C, so it locks the vault) when dropped.
struct Server {
    child: Child,
}

impl Server {
    /// Starts `bin serve` on a free port and returns it with the launch address it printed.
    fn start(bin: &Path, vault: &Path) -> (Server, String) {
        let mut child = Command::new(bin)
            .args(["serve", "--no-open", "--vault"])
            .arg(vault)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "could not start {} ({e}); build it with `cargo build --release -p amends`",
                    bin.display()
                )
            });
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(at) = line.find("http://127.0.0.1:") {
                        break line[at..].trim().to_string();
                    }
                }
                _ => panic!("the server stopped before printing its address"),
            }
        };
        // Keep reading so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        (Server { child }, url)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let interrupted = Command::new("kill")
            .args(["-INT", &self.pid().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        if interrupted {
            for _ in 0..50 {
                if matches!(self.child.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Memory and processor time of a process, from /proc (Linux).
struct Proc {
    pid: u32,
    ticks_per_second: f64,
}

impl Proc {
    fn new(pid: u32) -> Proc {
        let ticks = Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0);
        Proc {
            pid,
            ticks_per_second: ticks,
        }
    }

    /// A field of /proc/PID/status in KiB (VmRSS, VmHWM).
    fn status_kib(&self, field: &str) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
    }

    /// Resets the peak resident size (VmHWM) to the current one.
    fn reset_peak(&self) -> bool {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid), "5").is_ok()
    }

    /// User plus system processor time, all threads, in seconds.
    fn cpu_seconds(&self) -> Option<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).ok()?;
        // Fields after the command name (which is in parentheses and may hold spaces).
        let rest = &stat[stat.rfind(')')? + 2..];
        let f: Vec<&str> = rest.split_whitespace().collect();
        let utime: f64 = f.get(11)?.parse().ok()?;
        let stime: f64 = f.get(12)?.parse().ok()?;
        Some((utime + stime) / self.ticks_per_second)
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Samples the resident size every 20 ms, keeping the largest seen since the last `take`.
struct RssSampler {
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl RssSampler {
    fn start(pid: u32) -> RssSampler {
        let peak = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (p, s) = (peak.clone(), stop.clone());
        std::thread::spawn(move || {
            let proc = Proc {
                pid,
                ticks_per_second: 100.0,
            };
            while !s.load(Ordering::Relaxed) {
                if let Some(rss) = proc.status_kib("VmRSS") {
                    p.fetch_max(rss, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        RssSampler { peak, stop }
    }

    fn take(&self) -> u64 {
        self.peak.swap(0, Ordering::Relaxed)
    }
}

impl Drop for RssSampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn csrf_of(html: &str) -> String {
    let at = html
        .find("data-csrf=\"")
        .expect("the page carries its CSRF token")
        + 11;
    let end = html[at..].find('"').expect("a closed attribute");
    html[at..at + end].to_string()
}

/// Comes in as a browser does: the launch address for the cookie, then the unlock form.
async fn admit(client: &reqwest::Client, url: &str) -> String {
    let base = url[..url.find("/?t=").expect("a launch address")].to_string();
    let r = client.get(url).send().await.expect("launch address");
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the token is exchanged");
    let r = client
        .get(format!("{base}/unlock"))
        .send()
        .await
        .expect("unlock page");
    assert_eq!(r.status(), StatusCode::OK, "the unlock page");
    let csrf = csrf_of(&r.text().await.expect("unlock page"));
    let t = Instant::now();
    let r = client
        .post(format!("{base}/unlock"))
        .form(&[("_csrf", csrf.as_str()), ("passphrase", PASSPHRASE)])
        .send()
        .await
        .expect("unlock");
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the vault unlocks");
    eprintln!(
        "Unlocked through the form in {:.0} ms.",
        t.elapsed().as_secs_f64() * 1000.0
    );
    base
}

/// What one route gave under load.
struct Phase {
    route: String,
    requests: usize,
    errors: usize,
    seconds: f64,
    bytes: usize,
    /// Latencies in microseconds, sorted.
    latencies: Vec<u64>,
    server_cpu: Option<f64>,
    rss_peak_kib: u64,
}

impl Phase {
    fn per_second(&self) -> f64 {
        self.requests as f64 / self.seconds
    }

    /// The `q` quantile in milliseconds (nearest rank).
    fn quantile_ms(&self, q: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let rank =
            ((q * self.latencies.len() as f64).ceil() as usize).clamp(1, self.latencies.len());
        self.latencies[rank - 1] as f64 / 1000.0
    }
}

/// Reads a whole response body and counts its bytes without keeping them (the generator's own
/// work per request stays small beside the server's). `None` if the body broke off.
async fn drain(mut r: reqwest::Response) -> Option<usize> {
    let mut n = 0;
    while let Some(chunk) = r.chunk().await.ok()? {
        n += chunk.len();
    }
    Some(n)
}

/// The load average of the machine (1, 5 and 15 minutes), to tell a quiet run from a busy one.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "n/a".into())
}

/// Runs `clients` closed-loop clients against `url` until `until`, returning the latencies (µs),
/// the error count and the size of one response.
async fn hammer(
    client: &reqwest::Client,
    url: &str,
    clients: usize,
    until: Instant,
) -> (Vec<u64>, usize, usize) {
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients {
        let client = client.clone();
        let url = url.to_string();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let (mut errors, mut bytes) = (0usize, 0usize);
            while Instant::now() < until {
                let t = Instant::now();
                let ok = match client.get(&url).send().await {
                    Ok(r) if r.status() == StatusCode::OK => match drain(r).await {
                        Some(n) => {
                            bytes = n;
                            true
                        }
                        None => false,
                    },
                    _ => false,
                };
                if ok {
                    latencies.push(t.elapsed().as_micros() as u64);
                } else {
                    errors += 1;
                }
            }
            (latencies, errors, bytes)
        }));
    }
    let (mut all, mut errors, mut bytes) = (Vec::new(), 0, 0);
    for t in tasks {
        let (l, e, b) = t.await.expect("a client task");
        all.extend(l);
        errors += e;
        bytes = bytes.max(b);
    }
    (all, errors, bytes)
}

fn main() {
    let args = parse_args();
    let dir = tempfile::Builder::new()
        .prefix("amends-loadgen-")
        .tempdir()
        .expect("temporary folder");
    let vault = match &args.vault {
        Some(v) if v.exists() => {
            eprintln!("Reusing the vault at {}.", v.display());
            v.clone()
        }
        Some(v) => {
            build_vault(v);
            v.clone()
        }
        None => {
            let v = dir.path().join("large.amends");
            build_vault(&v);
            v
        }
    };
    let load_before = loadavg();
    let (server, url) = Server::start(&args.bin, &vault);
    let proc = Proc::new(server.pid());
    let sampler = RssSampler::start(server.pid());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the clients");
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(args.clients)
        .build()
        .expect("an HTTP client");

    let (phases, skipped, rss_life_kib, rss_start_kib, peak_reset) = runtime.block_on(async {
        let base = admit(&client, &url).await;
        // The first page after unlock builds the snapshot; that is not what is measured.
        let first = Instant::now();
        let r = client.get(format!("{base}/")).send().await.expect("home");
        assert_eq!(r.status(), StatusCode::OK, "the home page after unlock");
        r.bytes().await.expect("home page");
        eprintln!(
            "First home page after unlock (builds the snapshot): {:.0} ms.",
            first.elapsed().as_secs_f64() * 1000.0
        );
        let rss_life = proc.status_kib("VmHWM").unwrap_or(0);
        let peak_reset = proc.reset_peak();
        let rss_start = proc.status_kib("VmRSS").unwrap_or(0);
        let mut phases = Vec::new();
        let mut skipped = Vec::new();
        for route in &args.routes {
            let target = format!("{base}{route}");
            let r = client.get(&target).send().await.expect("a first request");
            if r.status() != StatusCode::OK {
                eprintln!("{route}: {} here, left out.", r.status());
                skipped.push((route.clone(), r.status()));
                continue;
            }
            let warm = Duration::from_secs_f64(args.warmup);
            hammer(&client, &target, args.clients, Instant::now() + warm).await;
            sampler.take();
            let cpu_before = proc.cpu_seconds();
            let start = Instant::now();
            let run = Duration::from_secs_f64(args.seconds);
            let (mut latencies, errors, bytes) =
                hammer(&client, &target, args.clients, start + run).await;
            let seconds = start.elapsed().as_secs_f64();
            let server_cpu = match (cpu_before, proc.cpu_seconds()) {
                (Some(a), Some(b)) => Some(b - a),
                _ => None,
            };
            latencies.sort_unstable();
            let phase = Phase {
                route: route.clone(),
                requests: latencies.len(),
                errors,
                seconds,
                bytes,
                latencies,
                server_cpu,
                rss_peak_kib: sampler.take(),
            };
            eprintln!(
                "{route}: {:.0} requests/s, p99 {:.2} ms",
                phase.per_second(),
                phase.quantile_ms(0.99)
            );
            phases.push(phase);
        }
        (phases, skipped, rss_life, rss_start, peak_reset)
    });
    let rss_load_peak = proc.status_kib("VmHWM").unwrap_or(0);
    let rss_end = proc.status_kib("VmRSS").unwrap_or(0);
    let load_after = loadavg();
    drop(sampler);
    drop(server);

    report(
        &args,
        &phases,
        &skipped,
        Memory {
            life: rss_life_kib,
            start: rss_start_kib,
            load_peak: if peak_reset {
                Some(rss_load_peak)
            } else {
                None
            },
            end: rss_end,
        },
        (&load_before, &load_after),
    );
}

struct Memory {
    /// Peak resident size from start to just after unlock (includes Argon2id's 64 MiB).
    life: u64,
    /// Resident size when the load began.
    start: u64,
    /// Peak resident size under load (VmHWM reset before the first route).
    load_peak: Option<u64>,
    end: u64,
}

fn report(
    args: &Args,
    phases: &[Phase],
    skipped: &[(String, StatusCode)],
    m: Memory,
    (load_before, load_after): (&str, &str),
) {
    println!();
    println!(
        "{} concurrent clients (closed loop, one client thread), {:.0} s warm-up then {:.0} s measured per route, one server process.",
        args.clients, args.warmup, args.seconds
    );
    println!(
        "{} processors; load average {load_before} before the run, {load_after} after (other work on the machine shows here).",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!();
    println!(
        "| route | requests/s | p50 | p90 | p99 | max | requests | errors | response | server CPU per request |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for p in phases {
        let cpu = match p.server_cpu {
            Some(c) if p.requests > 0 => format!("{:.2} ms", c * 1000.0 / p.requests as f64),
            _ => "n/a".into(),
        };
        println!(
            "| `{}` | {:.0} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {} | {} | {:.1} KiB | {} |",
            p.route,
            p.per_second(),
            p.quantile_ms(0.5),
            p.quantile_ms(0.9),
            p.quantile_ms(0.99),
            p.quantile_ms(1.0),
            p.requests,
            p.errors,
            p.bytes as f64 / 1024.0,
            cpu
        );
    }
    for (route, status) in skipped {
        println!("| `{route}` | not in this build ({status}) | | | | | | | | |");
    }
    println!();
    let peak_sampled = phases.iter().map(|p| p.rss_peak_kib).max().unwrap_or(0);
    match m.load_peak {
        Some(peak) => println!(
            "Server memory under load: peak resident {:.1} MiB (VmHWM, reset when the load began at {:.1} MiB; largest sample {:.1} MiB), {:.1} MiB at the end.",
            mib(peak),
            mib(m.start),
            mib(peak_sampled),
            mib(m.end)
        ),
        None => println!(
            "Server memory under load: largest resident size sampled every 20 ms {:.1} MiB (from {:.1} MiB when the load began), {:.1} MiB at the end.",
            mib(peak_sampled),
            mib(m.start),
            mib(m.end)
        ),
    }
    println!(
        "Peak resident size from start through unlock (Argon2id uses 64 MiB while unlocking, then frees it): {:.1} MiB.",
        mib(m.life)
    );
    println!();
    let pages: Vec<&Phase> = phases
        .iter()
        .filter(|p| !p.route.starts_with("/assets/"))
        .collect();
    let worst = pages
        .iter()
        .map(|p| p.quantile_ms(0.99))
        .fold(0.0, f64::max);
    let peak = m.load_peak.unwrap_or(peak_sampled);
    println!(
        "Targets: pages' p99 under {P99_TARGET_MS} ms: worst {worst:.2} ms ({}); server under {MEMORY_TARGET_MB} MB under load: {:.1} MB ({}).",
        if worst < P99_TARGET_MS {
            "met"
        } else {
            "not met"
        },
        peak as f64 * 1024.0 / 1e6,
        if (peak as f64 * 1024.0 / 1e6) < MEMORY_TARGET_MB {
            "met"
        } else {
            "not met"
        }
    );
    if phases.iter().any(|p| p.errors > 0) {
        println!("Some requests failed; the figures above count only the answered ones.");
    }
}
