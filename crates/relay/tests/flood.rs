//! The relay under load and abuse: a flood capped by count and time, on 127.0.0.1 only, mixing
//! complete deliveries by real keys with invalid and abusive requests, against a relay in a
//! process of its own (so its memory is its own to measure).
//!
//! It checks that every delivery completes (posted, fetched back byte for byte, acknowledged),
//! that every invalid request gets its documented 4xx (never a 5xx, never a hang past
//! [`ANSWER_TIMEOUT`]), that the abusive key is rate-limited, that the relay's peak memory stays
//! under [`PEAK_RSS_BOUND_MIB`] and comes back near where it started, and that the database holds
//! nothing from the invalid senders: no bundle, no nonce, no mailbox for an address only they
//! probed.
//!
//! Bounded by default (about 12 s of flood per backend). `AMENDS_LONG=1` floods for 5 minutes
//! with caps 50 times larger; `AMENDS_FLOOD_SECS=N` sets the time, `AMENDS_FLOOD_SEED=N` repeats
//! a run's choices (the seed is printed). Figures go to standard error.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use amends_relay::{Clock, Config, Source};
use amends_relay_proto::{
    FetchResponse, HEADER_KEY, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIME, KeyHash, NONCE_LEN,
    sign_request_with_nonce,
};
use ed25519_dalek::SigningKey;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::{Backend, Database};

/// Set in the environment of the relay process this suite starts (see [`relay_process`]).
const CHILD_ENV: &str = "AMENDS_FLOOD_RELAY_CHILD";
/// The relay's `max_bundle_bytes` for the flood: small, so over-limit bodies are cheap to send.
const MAX_BUNDLE: u64 = 1024 * 1024;
/// The relay's `requests_per_minute` for the flood: every valid key stays under it (keys are
/// changed every [`DELIVERIES_PER_KEY`] deliveries); the abusive key goes far over it.
const PER_MINUTE: u64 = 1200;
const DELIVERIES_PER_KEY: u64 = 100;
/// No answer may take longer than this; waiting longer is a hang and fails the run.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);
/// The relay's peak resident memory (VmHWM) must stay under this.
const PEAK_RSS_BOUND_MIB: u64 = 128;
/// After the flood, resident memory must be within this of where it was before. It does not
/// come all the way back: the allocator keeps freed memory, and on PostgreSQL each pooled
/// connection keeps buffers as large as the largest bundle it carried (about 64 MiB after a
/// 12 s flood on PostgreSQL, 34 MiB on SQLite, in both runs within 1 MiB of the peak).
const AFTER_RSS_MARGIN_MIB: u64 = 80;

/// The relay itself, run by the flood in a process of its own: this test binary started again
/// with [`CHILD_ENV`] set and the relay's settings as `AMENDS_RELAY_*` variables, as the `amends
/// relay serve` command reads them. It prints the line `amends relay serve` prints when ready,
/// and stops (gracefully, as on SIGTERM) when its standard input closes. Run alone it does nothing.
#[test]
#[ignore = "the relay process of the flood: it runs only when the flood starts it"]
fn relay_process() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let mut config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        ..Config::default()
    };
    for (name, value) in std::env::vars() {
        if let Some(setting) = name.strip_prefix("AMENDS_RELAY_") {
            config
                .set(&setting.to_ascii_lowercase(), &value, Source::Environment)
                .unwrap();
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let relay = amends_relay::start(config, Clock::system())
            .await
            .expect("the relay starts");
        println!("amends relay listening on http://{}", relay.local_addr());
        let (closed, stdin_closed) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
            let _ = closed.send(());
        });
        relay
            .run(async {
                let _ = stdin_closed.await;
            })
            .await
            .expect("the relay stops cleanly");
    });
}

/// The relay process, seen from the flood.
struct RelayProcess {
    child: Child,
    pid: u32,
    base: String,
}

impl RelayProcess {
    fn start(database: &Database) -> RelayProcess {
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.args([
            "flood::relay_process",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ]);
        for (name, _) in std::env::vars() {
            if name.starts_with("AMENDS_RELAY_") {
                cmd.env_remove(name);
            }
        }
        cmd.env(CHILD_ENV, "1")
            .env("AMENDS_RELAY_DATABASE", database.url())
            .env("AMENDS_RELAY_MAX_BUNDLE_BYTES", MAX_BUNDLE.to_string())
            .env("AMENDS_RELAY_REQUESTS_PER_MINUTE", PER_MINUTE.to_string())
            // No sweep during the run, so the nonces can be counted exactly afterwards.
            .env("AMENDS_RELAY_SWEEP_INTERVAL_SECS", "3600")
            .env("AMENDS_RELAY_POOL_SIZE", "8")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd.spawn().expect("the relay process starts");
        let pid = child.id();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let base = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    // The test harness may print the test's name on the same line first.
                    if let Some((_, base)) = line.split_once("amends relay listening on ") {
                        break base.trim().to_string();
                    }
                }
                _ => panic!("the relay process stopped before it was listening"),
            }
        };
        std::thread::spawn(move || lines.for_each(drop));
        RelayProcess { child, pid, base }
    }

    /// (VmRSS, VmHWM) in KiB.
    fn memory_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .expect("the relay process's status is readable");
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or_else(|| panic!("{name} is in /proc/PID/status"))
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// Closes its standard input (its stop signal) and waits for it to stop.
    fn stop(mut self) {
        drop(self.child.stdin.take());
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "the relay process stopped with {status}");
                return;
            }
            if started.elapsed() > Duration::from_secs(60) {
                let _ = self.child.kill();
                panic!("the relay process did not stop within 60 s of being asked");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A small deterministic generator (xorshift64*), so a seed repeats a run's choices.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            out.extend_from_slice(&self.next().to_le_bytes());
        }
        out.truncate(n);
        out
    }
}

/// A key that depends only on the seed, a role and a number.
fn key(seed: u64, role: u64, n: u64) -> SigningKey {
    let mut rng = Rng::new(seed ^ role.wrapping_mul(0x1000_0000_01B3) ^ n.wrapping_mul(31));
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(&rng.bytes(32));
    SigningKey::from_bytes(&bytes)
}

fn hash_of(key: &SigningKey) -> KeyHash {
    KeyHash::of(&key.verifying_key())
}

fn now_secs() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// Signature headers for a request by `key` at `time`.
fn signed(
    rng: &mut Rng,
    key: &SigningKey,
    method: &str,
    path: &str,
    time: i64,
    body: &[u8],
) -> Vec<(String, String)> {
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&rng.bytes(NONCE_LEN));
    sign_request_with_nonce(key, method, path, time, &nonce, body)
        .pairs()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: Option<String>) {
    headers.retain(|(k, _)| k != name);
    if let Some(v) = value {
        headers.push((name.to_string(), v));
    }
}

/// An answer: status, the refusal's code (empty if none), and the body as JSON.
struct Answer {
    status: u16,
    code: String,
    json: Value,
}

/// What the flood saw, by kind of request, and what went wrong.
#[derive(Default)]
struct Tally {
    sent: Mutex<BTreeMap<&'static str, u64>>,
    failures: Mutex<Vec<String>>,
    failed: AtomicU64,
}

impl Tally {
    fn count(&self, kind: &'static str) {
        *self.sent.lock().unwrap().entry(kind).or_default() += 1;
    }

    fn fail(&self, kind: &str, what: String) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        let mut failures = self.failures.lock().unwrap();
        if failures.len() < 20 {
            failures.push(format!("{kind}: {what}"));
        }
    }

    /// Counts the request and checks its answer has this status and code.
    fn expect(
        &self,
        kind: &'static str,
        answer: Result<Answer, String>,
        status: u16,
        code: &str,
    ) -> Option<Answer> {
        self.count(kind);
        match answer {
            Ok(a) if a.status == status && a.code == code => Some(a),
            Ok(a) => {
                self.fail(
                    kind,
                    format!(
                        "answered {} {:?}, expected {status} {code:?}",
                        a.status, a.code
                    ),
                );
                None
            }
            Err(e) => {
                self.fail(kind, e);
                None
            }
        }
    }
}

/// How big the run is.
struct Plan {
    seed: u64,
    duration: Duration,
    valid_workers: u64,
    invalid_workers: u64,
    max_deliveries: u64,
    max_invalid: u64,
    max_abusive: u64,
    slow_clients: u64,
}

impl Plan {
    fn from_env() -> Plan {
        let long = std::env::var("AMENDS_LONG").is_ok_and(|v| v == "1");
        let secs = std::env::var("AMENDS_FLOOD_SECS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(if long { 300 } else { 12 });
        let seed = std::env::var("AMENDS_FLOOD_SEED")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| {
                let mut raw = [0u8; 8];
                getrandom::fill(&mut raw).unwrap();
                u64::from_le_bytes(raw)
            });
        let scale = if long { 50 } else { 1 };
        Plan {
            seed,
            duration: Duration::from_secs(secs),
            valid_workers: 8,
            invalid_workers: 4,
            max_deliveries: 4_000 * scale,
            max_invalid: 4_000 * scale,
            max_abusive: 5_000 * scale,
            slow_clients: if long { 64 } else { 16 },
        }
    }
}

/// A bundle left waiting on purpose, to find in the database afterwards.
struct Held {
    id: String,
    recipient: SigningKey,
    sender: KeyHash,
    bytes: Vec<u8>,
}

/// What the workers share.
struct Flood {
    base: String,
    addr: String,
    http: reqwest::Client,
    /// For invalid requests: a new connection each time. The relay answers some of them without
    /// reading their body and then closes the connection; a pooled client could pick that
    /// connection for its next request in the moment before it closes, and lose the request.
    fresh_http: reqwest::Client,
    deadline: Instant,
    plan: Plan,
    tally: Tally,
    /// Keys whose requests were all valid (senders and recipients of deliveries).
    valid_keys: Mutex<HashSet<KeyHash>>,
    /// Valid recipients, for invalid requests aimed at real mailboxes.
    recipients: Mutex<Vec<KeyHash>>,
    /// Keys that only ever signed invalid requests.
    strangers: Mutex<HashSet<KeyHash>>,
    /// Addresses only invalid requests were aimed at.
    probed: Mutex<HashSet<KeyHash>>,
    /// Signed by a key that owns no delivery: acknowledgements of other people's bundles.
    intruders: Mutex<HashSet<KeyHash>>,
    /// Ids of bundles recently delivered, as if leaked to an intruder.
    leaked: Mutex<Vec<String>>,
    deliveries: AtomicU64,
    invalid: AtomicU64,
    /// Signed requests answered 2xx: each left exactly one nonce in the database.
    accepted_signed: AtomicU64,
    abusive_accepted: AtomicU64,
    abusive_limited: AtomicU64,
    slow_held: AtomicU64,
    slow_closed: AtomicU64,
}

impl Flood {
    fn running(&self) -> bool {
        Instant::now() < self.deadline
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> Result<Answer, String> {
        self.send_with(&self.http, method, path, headers, body)
            .await
    }

    async fn send_invalid(
        &self,
        method: &str,
        path: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> Result<Answer, String> {
        self.send_with(&self.fresh_http, method, path, headers, body)
            .await
    }

    async fn send_with(
        &self,
        http: &reqwest::Client,
        method: &str,
        path: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> Result<Answer, String> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = http.request(method, format!("{}{path}", self.base));
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let exchange = async {
            let r = req
                .body(body)
                .send()
                .await
                .map_err(|e| format!("no answer: {e}"))?;
            let status = r.status().as_u16();
            let bytes = r
                .bytes()
                .await
                .map_err(|e| format!("the answer was cut off: {e}"))?;
            let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            if status >= 400 {
                let message = json["message"].as_str().unwrap_or("");
                if !(message.len() > 20 && message.ends_with('.')) {
                    return Err(format!(
                        "refusal {status} does not say why in a sentence: {message:?}"
                    ));
                }
            }
            Ok(Answer {
                status,
                code: json["error"].as_str().unwrap_or("").to_string(),
                json,
            })
        };
        match tokio::time::timeout(ANSWER_TIMEOUT, exchange).await {
            Ok(answer) => answer,
            Err(_) => Err(format!("no answer within {ANSWER_TIMEOUT:?}")),
        }
    }
}

/// One complete delivery: post, (sometimes) replay the post, fetch it back, acknowledge it.
/// Returns the bundle instead of acknowledging it when `hold` is set.
async fn deliver(
    flood: &Flood,
    rng: &mut Rng,
    sender: &SigningKey,
    recipient: &SigningKey,
    hold: bool,
) -> Option<Held> {
    let to = hash_of(recipient);
    let size = if rng.below(10) == 0 {
        1 + rng.below(MAX_BUNDLE) as usize
    } else {
        1 + rng.below(16 * 1024) as usize
    };
    let bundle = rng.bytes(size);
    let path = format!("/v1/mailboxes/{to}");
    let post_headers = signed(rng, sender, "POST", &path, now_secs(), &bundle);
    let posted = flood.tally.expect(
        "valid post",
        flood
            .send("POST", &path, &post_headers, bundle.clone())
            .await,
        201,
        "",
    )?;
    flood.accepted_signed.fetch_add(1, Ordering::Relaxed);
    let id = posted.json["id"].as_str().unwrap_or("").to_string();
    if rng.below(8) == 0 {
        flood.tally.expect(
            "replayed nonce",
            flood
                .send("POST", &path, &post_headers, bundle.clone())
                .await,
            401,
            "replayed",
        );
    }
    let fetch_path = "/v1/mailbox?limit=10";
    let h = signed(rng, recipient, "GET", fetch_path, now_secs(), b"");
    let fetched = flood.tally.expect(
        "valid fetch",
        flood.send("GET", fetch_path, &h, Vec::new()).await,
        200,
        "",
    )?;
    flood.accepted_signed.fetch_add(1, Ordering::Relaxed);
    let fetched: FetchResponse = match serde_json::from_value(fetched.json) {
        Ok(f) => f,
        Err(e) => {
            flood
                .tally
                .fail("valid fetch", format!("not a fetch answer: {e}"));
            return None;
        }
    };
    let sender_hash = hash_of(sender);
    let same = fetched.bundles.len() == 1
        && !fetched.more
        && fetched.bundles[0].id == id
        && fetched.bundles[0].sender == sender_hash.to_string()
        && fetched.bundles[0].bundle == bundle;
    if !same {
        flood.tally.fail(
            "valid fetch",
            format!(
                "the mailbox did not hold exactly the bundle just posted ({} bundles)",
                fetched.bundles.len()
            ),
        );
        return None;
    }
    if hold {
        return Some(Held {
            id,
            recipient: recipient.clone(),
            sender: sender_hash,
            bytes: bundle,
        });
    }
    let body = serde_json::to_vec(&serde_json::json!({ "ids": [&id] })).unwrap();
    let h = signed(rng, recipient, "POST", "/v1/mailbox/ack", now_secs(), &body);
    let acked = flood.tally.expect(
        "valid ack",
        flood.send("POST", "/v1/mailbox/ack", &h, body).await,
        200,
        "",
    )?;
    flood.accepted_signed.fetch_add(1, Ordering::Relaxed);
    if acked.json["deleted"] != 1 {
        flood
            .tally
            .fail("valid ack", format!("deleted {}", acked.json["deleted"]));
        return None;
    }
    flood.deliveries.fetch_add(1, Ordering::Relaxed);
    let mut leaked = flood.leaked.lock().unwrap();
    if leaked.len() >= 64 {
        leaked.remove(0);
    }
    leaked.push(id);
    None
}

/// Deliveries by fresh pairs of keys until the time or the count runs out; then one more, held.
async fn valid_worker(flood: Arc<Flood>, worker: u64) -> Option<Held> {
    let seed = flood.plan.seed;
    let mut rng = Rng::new(seed ^ (worker + 1).wrapping_mul(0xA5A5));
    let mut generation = 0;
    loop {
        let n = worker * 1_000_000 + generation;
        let (sender, recipient) = (key(seed, 1, n), key(seed, 2, n));
        {
            let mut valid = flood.valid_keys.lock().unwrap();
            valid.insert(hash_of(&sender));
            valid.insert(hash_of(&recipient));
            flood.recipients.lock().unwrap().push(hash_of(&recipient));
        }
        for _ in 0..DELIVERIES_PER_KEY {
            let started = flood.deliveries.load(Ordering::Relaxed);
            if !flood.running() || started >= flood.plan.max_deliveries {
                return deliver(&flood, &mut rng, &sender, &recipient, true).await;
            }
            deliver(&flood, &mut rng, &sender, &recipient, false).await;
        }
        generation += 1;
    }
}

/// A key over its rate limit: as fast as it can, until the time is up and it has been refused
/// at least 100 times.
async fn abusive_worker(flood: Arc<Flood>) {
    let mut rng = Rng::new(flood.plan.seed ^ 0xAB05E);
    let abuser = key(flood.plan.seed, 3, 0);
    flood.valid_keys.lock().unwrap().insert(hash_of(&abuser));
    for _ in 0..flood.plan.max_abusive {
        if !flood.running() && flood.abusive_limited.load(Ordering::Relaxed) >= 100 {
            break;
        }
        let h = signed(&mut rng, &abuser, "GET", "/v1/mailbox", now_secs(), b"");
        flood.tally.count("rate-limit excess");
        match flood.send("GET", "/v1/mailbox", &h, Vec::new()).await {
            Ok(a) if a.status == 200 && a.json["bundles"] == serde_json::json!([]) => {
                flood.abusive_accepted.fetch_add(1, Ordering::Relaxed);
                flood.accepted_signed.fetch_add(1, Ordering::Relaxed);
            }
            Ok(a) if a.status == 429 && a.code == "rate_limited" => {
                flood.abusive_limited.fetch_add(1, Ordering::Relaxed);
            }
            Ok(a) => flood.tally.fail(
                "rate-limit excess",
                format!("answered {} {:?}", a.status, a.code),
            ),
            Err(e) => flood.tally.fail("rate-limit excess", e),
        }
    }
}

/// Sends raw bytes on a new connection, optionally keeps writing `more` (a stream that does not
/// stop by itself), and returns the status of the answer (None if the connection closed first).
async fn raw_exchange(
    addr: &str,
    head: Vec<u8>,
    more: Option<Vec<u8>>,
    cut: RawEnd,
) -> Result<Option<u16>, String> {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| format!("could not connect: {e}"))?;
        if let RawEnd::Drop = cut {
            // Cut off: the connection closes both ways without waiting for any answer.
            let _ = stream.write_all(&head).await;
            drop(stream);
            return Ok(None);
        }
        let (mut reader, mut writer) = stream.into_split();
        let writing = tokio::spawn(async move {
            if writer.write_all(&head).await.is_err() {
                return;
            }
            if let Some(chunk) = more {
                // At most 16 times the limit, so the run stays bounded even if the relay kept reading.
                for _ in 0..(16 * MAX_BUNDLE as usize / chunk.len().max(1)) {
                    if writer.write_all(&chunk).await.is_err() {
                        return;
                    }
                }
            }
            match cut {
                RawEnd::Keep => {
                    // Keep the connection open until the reader is done (this task is aborted).
                    std::future::pending::<()>().await;
                }
                RawEnd::HalfClose => {
                    let _ = writer.shutdown().await;
                    std::future::pending::<()>().await;
                }
                RawEnd::Drop => unreachable!("handled before"),
            }
        });
        let mut answer = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    answer.extend_from_slice(&buf[..n]);
                    if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
            }
        }
        writing.abort();
        let text = String::from_utf8_lossy(&answer);
        Ok(text
            .strip_prefix("HTTP/1.1 ")
            .and_then(|rest| rest.get(..3))
            .and_then(|s| s.parse().ok()))
    };
    match tokio::time::timeout(ANSWER_TIMEOUT, exchange).await {
        Ok(r) => r,
        Err(_) => Err(format!("no answer within {ANSWER_TIMEOUT:?}")),
    }
}

#[derive(Clone, Copy)]
enum RawEnd {
    Keep,
    HalfClose,
    Drop,
}

fn raw_status(
    flood: &Flood,
    kind: &'static str,
    got: Result<Option<u16>, String>,
    want: Option<u16>,
) {
    flood.tally.count(kind);
    match got {
        Ok(status) if status == want => {}
        Ok(status) => flood
            .tally
            .fail(kind, format!("answered {status:?}, expected {want:?}")),
        Err(e) => flood.tally.fail(kind, e),
    }
}

/// One invalid or abusive request of a kind chosen at random.
async fn one_invalid(flood: &Flood, rng: &mut Rng) {
    let seed = flood.plan.seed;
    let stranger = key(seed, 5, rng.next());
    let other = key(seed, 5, rng.next());
    {
        let mut strangers = flood.strangers.lock().unwrap();
        strangers.insert(hash_of(&stranger));
        strangers.insert(hash_of(&other));
    }
    // Half aimed at real mailboxes, half at addresses that exist nowhere.
    let target = {
        let recipients = flood.recipients.lock().unwrap();
        if rng.below(2) == 0 && !recipients.is_empty() {
            recipients[rng.below(recipients.len() as u64) as usize]
        } else {
            let mut raw = [0u8; 32];
            raw.copy_from_slice(&rng.bytes(32));
            let probe = KeyHash::from_bytes(raw);
            flood.probed.lock().unwrap().insert(probe);
            probe
        }
    };
    let post_path = format!("/v1/mailboxes/{target}");
    let size = 1 + rng.below(4096) as usize;
    let body = rng.bytes(size);
    let now = now_secs();
    match rng.below(16) {
        0 => {
            let h = signed(rng, &stranger, "POST", &post_path, now, &body);
            let mut altered = body.clone();
            altered[0] ^= 1;
            flood.tally.expect(
                "bad signature",
                flood.send_invalid("POST", &post_path, &h, altered).await,
                401,
                "bad_signature",
            );
        }
        1 => {
            let mut h = signed(rng, &stranger, "POST", &post_path, now, &body);
            let theirs = signed(rng, &other, "POST", &post_path, now, &body);
            let their_key = theirs.iter().find(|(k, _)| k == HEADER_KEY).unwrap();
            set_header(&mut h, HEADER_KEY, Some(their_key.1.clone()));
            flood.tally.expect(
                "wrong key",
                flood.send_invalid("POST", &post_path, &h, body).await,
                401,
                "bad_signature",
            );
        }
        2 => {
            let skew = if rng.below(2) == 0 { -600 } else { 600 };
            let h = signed(rng, &stranger, "POST", &post_path, now + skew, &body);
            flood.tally.expect(
                "stale or future time",
                flood.send_invalid("POST", &post_path, &h, body).await,
                401,
                "expired",
            );
        }
        3 => {
            let mut h = signed(rng, &stranger, "GET", "/v1/mailbox", now, b"");
            let (name, junk) = [
                (HEADER_KEY, "not a key!"),
                (HEADER_TIME, "soon"),
                (HEADER_NONCE, "c2hvcnQ"),
                (HEADER_SIGNATURE, "===="),
            ][rng.below(4) as usize];
            set_header(&mut h, name, Some(junk.to_string()));
            flood.tally.expect(
                "malformed header",
                flood
                    .send_invalid("GET", "/v1/mailbox", &h, Vec::new())
                    .await,
                400,
                "malformed",
            );
        }
        4 => {
            let mut h = signed(rng, &stranger, "POST", &post_path, now, &body);
            let name =
                [HEADER_KEY, HEADER_TIME, HEADER_NONCE, HEADER_SIGNATURE][rng.below(4) as usize];
            set_header(&mut h, name, None);
            flood.tally.expect(
                "unsigned",
                flood.send_invalid("POST", &post_path, &h, body).await,
                401,
                "unsigned",
            );
        }
        5 => {
            let head = format!(
                "POST {post_path} HTTP/1.1\r\nHost: relay\r\nContent-Length: {}\r\n\r\n",
                MAX_BUNDLE + 1 + rng.below(MAX_BUNDLE)
            );
            raw_status(
                flood,
                "over the limit (declared)",
                raw_exchange(&flood.addr, head.into_bytes(), None, RawEnd::Keep).await,
                Some(413),
            );
        }
        6 => {
            let head = format!(
                "POST {post_path} HTTP/1.1\r\nHost: relay\r\nTransfer-Encoding: chunked\r\n\r\n"
            );
            let data = rng.bytes(64 * 1024);
            let mut chunk = format!("{:x}\r\n", data.len()).into_bytes();
            chunk.extend_from_slice(&data);
            chunk.extend_from_slice(b"\r\n");
            raw_status(
                flood,
                "over the limit (streaming on)",
                raw_exchange(&flood.addr, head.into_bytes(), Some(chunk), RawEnd::Keep).await,
                Some(413),
            );
        }
        7 => {
            // A signed acknowledgement whose body is a form, not JSON.
            let form = b"ids=one&ids=two".to_vec();
            let mut h = signed(rng, &stranger, "POST", "/v1/mailbox/ack", now, &form);
            h.push((
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            ));
            flood.tally.expect(
                "wrong content type",
                flood
                    .send_invalid("POST", "/v1/mailbox/ack", &h, form)
                    .await,
                400,
                "malformed",
            );
        }
        8 => {
            let path = [
                "/v1/nothing",
                "/admin",
                "/v2/mailbox",
                "/v1/mailboxes",
                "/.env",
            ][rng.below(5) as usize];
            flood.tally.expect(
                "unknown path",
                flood.send_invalid("GET", path, &[], Vec::new()).await,
                404,
                "not_found",
            );
        }
        9 => {
            flood.tally.expect(
                "wrong method",
                flood
                    .send_invalid("DELETE", "/v1/mailbox", &[], Vec::new())
                    .await,
                405,
                "not_found",
            );
        }
        10 => {
            // A header value of 64 KiB: read, then the request is refused as unsigned.
            let mut h = signed(rng, &stranger, "GET", "/v1/mailbox", now, b"");
            set_header(&mut h, HEADER_SIGNATURE, None);
            h.push(("x-filler".into(), "a".repeat(64 * 1024)));
            flood.tally.expect(
                "huge header value",
                flood
                    .send_invalid("GET", "/v1/mailbox", &h, Vec::new())
                    .await,
                401,
                "unsigned",
            );
        }
        11 => {
            // A head of 1 MiB: past what the HTTP layer reads, refused before any handler runs.
            let head = format!(
                "GET /v1/mailbox HTTP/1.1\r\nHost: relay\r\nx-filler: {}\r\n\r\n",
                "b".repeat(1024 * 1024)
            );
            raw_status(
                flood,
                "oversized head",
                raw_exchange(&flood.addr, head.into_bytes(), None, RawEnd::Keep).await,
                Some(431),
            );
        }
        12 => {
            // Many mailboxes probed: fetch, block lists and posts without a valid signature,
            // and addresses that are not key hashes.
            let (method, path, want, code) = match rng.below(3) {
                0 => (
                    "PUT",
                    format!("/v1/mailbox/blocks/{target}"),
                    401,
                    "unsigned",
                ),
                1 => ("POST", post_path.clone(), 401, "unsigned"),
                _ => (
                    "POST",
                    format!("/v1/mailboxes/{}", &target.to_string()[..40]),
                    400,
                    "malformed",
                ),
            };
            flood.tally.expect(
                "mailbox probe",
                flood.send_invalid(method, &path, &[], body).await,
                want,
                code,
            );
        }
        13 => {
            // Signed for the whole body, which stops half-way: the client half-closes (and
            // waits for the answer) or drops the connection.
            let h = signed(rng, &stranger, "POST", &post_path, now, &body);
            let mut head = format!(
                "POST {post_path} HTTP/1.1\r\nHost: relay\r\nContent-Length: {}\r\n",
                body.len() + 1000
            );
            for (k, v) in &h {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let mut bytes = head.into_bytes();
            bytes.extend_from_slice(&body);
            if rng.below(2) == 0 {
                raw_status(
                    flood,
                    "cut off mid-body (half-closed)",
                    raw_exchange(&flood.addr, bytes, None, RawEnd::HalfClose).await,
                    Some(400),
                );
            } else {
                raw_status(
                    flood,
                    "cut off mid-body (dropped)",
                    raw_exchange(&flood.addr, bytes, None, RawEnd::Drop).await,
                    None,
                );
            }
        }
        14 => {
            // Wrong key for the mailbox: a properly signed acknowledgement of someone else's
            // bundles deletes nothing.
            // Four intruder keys at a time, changed every 400 invalid requests, so none of them
            // reaches the rate limit.
            let generation = flood.invalid.load(Ordering::Relaxed) / 400;
            let intruder = key(seed, 4, rng.below(4) + 4 * generation);
            flood.intruders.lock().unwrap().insert(hash_of(&intruder));
            let ids: Vec<String> = flood.leaked.lock().unwrap().clone();
            let body = serde_json::to_vec(&serde_json::json!({ "ids": ids })).unwrap();
            let h = signed(rng, &intruder, "POST", "/v1/mailbox/ack", now, &body);
            if let Some(a) = flood.tally.expect(
                "someone else's bundles",
                flood
                    .send_invalid("POST", "/v1/mailbox/ack", &h, body)
                    .await,
                200,
                "",
            ) {
                flood.accepted_signed.fetch_add(1, Ordering::Relaxed);
                if a.json["deleted"] != 0 {
                    flood.tally.fail(
                        "someone else's bundles",
                        format!("deleted {}", a.json["deleted"]),
                    );
                }
            }
        }
        _ => {
            // A signed body one byte too large, sent whole. The relay answers 413 without
            // reading it and closes the connection, so the answer is read while still sending.
            let big = rng.bytes(MAX_BUNDLE as usize + 1);
            let h = signed(rng, &stranger, "POST", &post_path, now, &big);
            let mut head = format!(
                "POST {post_path} HTTP/1.1\r\nHost: relay\r\nContent-Length: {}\r\n",
                big.len()
            );
            for (k, v) in &h {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let mut bytes = head.into_bytes();
            bytes.extend_from_slice(&big);
            raw_status(
                flood,
                "over the limit (signed)",
                raw_exchange(&flood.addr, bytes, None, RawEnd::Keep).await,
                Some(413),
            );
        }
    }
}

async fn invalid_worker(flood: Arc<Flood>, worker: u64) {
    let mut rng = Rng::new(flood.plan.seed ^ (worker + 1).wrapping_mul(0x5EED_0001));
    while flood.running() && flood.invalid.fetch_add(1, Ordering::Relaxed) < flood.plan.max_invalid
    {
        one_invalid(&flood, &mut rng).await;
    }
}

/// A slow client: starts a request and sends one header line a second, never finishing, until
/// the flood ends; then finishes the request, which must be answered (401: it is unsigned). If
/// the relay closes the connection first, that must be with a 4xx or no answer at all.
async fn slow_client(flood: Arc<Flood>, n: u64) {
    let kind = "slow client";
    flood.tally.count(kind);
    let mut stream = match tokio::net::TcpStream::connect(&flood.addr).await {
        Ok(s) => s,
        Err(e) => return flood.tally.fail(kind, format!("could not connect: {e}")),
    };
    let mut wrote = stream
        .write_all(b"GET /v1/mailbox HTTP/1.1\r\nHost: relay\r\n")
        .await
        .is_ok();
    let mut line = 0u64;
    while wrote && flood.running() {
        tokio::time::sleep(Duration::from_secs(1)).await;
        wrote = stream
            .write_all(format!("x-slow-{n}-{line}: 1\r\n").as_bytes())
            .await
            .is_ok();
        line += 1;
    }
    if wrote {
        wrote = stream.write_all(b"\r\n").await.is_ok();
    }
    let mut answer = Vec::new();
    let read = tokio::time::timeout(ANSWER_TIMEOUT, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    answer.extend_from_slice(&buf[..n]);
                    if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    if read.is_err() {
        return flood
            .tally
            .fail(kind, format!("no answer within {ANSWER_TIMEOUT:?}"));
    }
    let text = String::from_utf8_lossy(&answer);
    let status: Option<u16> = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|r| r.get(..3))
        .and_then(|s| s.parse().ok());
    match status {
        Some(401) if wrote => {
            flood.slow_held.fetch_add(1, Ordering::Relaxed);
        }
        Some(s) if (400..500).contains(&s) => {
            flood.slow_closed.fetch_add(1, Ordering::Relaxed);
        }
        None if !wrote => {
            flood.slow_closed.fetch_add(1, Ordering::Relaxed);
        }
        other => flood
            .tally
            .fail(kind, format!("answered {other:?} after {line} lines")),
    }
}

/// A stored bundle: id, mailbox, sender, bytes.
type BundleRow = (String, Vec<u8>, Vec<u8>, Vec<u8>);

/// What the database holds, read directly.
#[derive(Debug, Default)]
struct Stored {
    /// (id, mailbox, sender, bytes)
    bundles: Vec<BundleRow>,
    /// (mailbox, bytes): a mailbox emptied by acknowledgements keeps its row, at 0 bytes,
    /// until the next sweep.
    mailboxes: Vec<(Vec<u8>, i64)>,
    /// Nonces by key.
    nonces: BTreeMap<Vec<u8>, u64>,
    blocks: u64,
}

async fn read_store(database: &Database) -> Stored {
    let mut stored = Stored::default();
    match database {
        Database::Sqlite(dir) => {
            let db = rusqlite::Connection::open_with_flags(
                dir.path().join("relay.sqlite"),
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )
            .unwrap();
            let mut q = db
                .prepare("SELECT id, mailbox, sender, bytes FROM relay_bundles")
                .unwrap();
            stored.bundles = q
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let mut q = db
                .prepare("SELECT mailbox, bytes FROM relay_mailboxes")
                .unwrap();
            stored.mailboxes = q
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let mut q = db
                .prepare("SELECT key, count(*) FROM relay_nonces GROUP BY key")
                .unwrap();
            stored.nonces = q
                .query_map([], |r| {
                    Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)? as u64))
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            stored.blocks = db
                .query_row("SELECT count(*) FROM relay_blocks", [], |r| {
                    r.get::<_, i64>(0)
                })
                .unwrap() as u64;
        }
        Database::Postgres(pg) => {
            let (client, connection) = tokio_postgres::connect(&pg.url, tokio_postgres::NoTls)
                .await
                .unwrap();
            let connection = tokio::spawn(connection);
            stored.bundles = client
                .query("SELECT id, mailbox, sender, bytes FROM relay_bundles", &[])
                .await
                .unwrap()
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
                .collect();
            stored.mailboxes = client
                .query("SELECT mailbox, bytes FROM relay_mailboxes", &[])
                .await
                .unwrap()
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            stored.nonces = client
                .query("SELECT key, count(*) FROM relay_nonces GROUP BY key", &[])
                .await
                .unwrap()
                .iter()
                .map(|r| (r.get::<_, Vec<u8>>(0), r.get::<_, i64>(1) as u64))
                .collect();
            stored.blocks = client
                .query_one("SELECT count(*) FROM relay_blocks", &[])
                .await
                .unwrap()
                .get::<_, i64>(0) as u64;
            drop(client);
            let _ = connection.await;
        }
    }
    stored
}

async fn flood(backend: Backend) {
    let plan = Plan::from_env();
    let seed = plan.seed;
    eprintln!(
        "flood ({backend:?}): seed {seed} (repeat with AMENDS_FLOOD_SEED={seed}), {} s",
        plan.duration.as_secs()
    );
    let database = Database::new(backend).await;
    let relay = RelayProcess::start(&database);
    let http = reqwest::Client::builder().no_proxy().build().unwrap();

    let warm = Flood {
        base: relay.base.clone(),
        addr: relay.base.trim_start_matches("http://").to_string(),
        http: http.clone(),
        fresh_http: reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap(),
        deadline: Instant::now() + plan.duration,
        plan,
        tally: Tally::default(),
        valid_keys: Mutex::default(),
        recipients: Mutex::default(),
        strangers: Mutex::default(),
        probed: Mutex::default(),
        intruders: Mutex::default(),
        leaked: Mutex::default(),
        deliveries: AtomicU64::new(0),
        invalid: AtomicU64::new(0),
        accepted_signed: AtomicU64::new(0),
        abusive_accepted: AtomicU64::new(0),
        abusive_limited: AtomicU64::new(0),
        slow_held: AtomicU64::new(0),
        slow_closed: AtomicU64::new(0),
    };
    // The starting memory: the relay has opened its database and answered once.
    let _ = warm.send("GET", "/readyz", &[], Vec::new()).await;
    let (start_rss, _) = relay.memory_kib();
    let started = Instant::now();
    let flood = Arc::new(Flood {
        deadline: started + warm.plan.duration,
        ..warm
    });

    let mut valid = Vec::new();
    for w in 0..flood.plan.valid_workers {
        valid.push(tokio::spawn(valid_worker(flood.clone(), w)));
    }
    let mut others = Vec::new();
    for w in 0..flood.plan.invalid_workers {
        others.push(tokio::spawn(invalid_worker(flood.clone(), w)));
    }
    others.push(tokio::spawn(abusive_worker(flood.clone())));
    for n in 0..flood.plan.slow_clients {
        others.push(tokio::spawn(slow_client(flood.clone(), n)));
    }
    let mut held = Vec::new();
    for v in valid {
        held.extend(v.await.unwrap());
    }
    for o in others {
        o.await.unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    let (_, peak_rss) = relay.memory_kib();

    // The database: exactly the held bundles, and nothing of any invalid sender.
    let stored = read_store(&database).await;
    let to_bytes = |set: &Mutex<HashSet<KeyHash>>| -> HashSet<Vec<u8>> {
        set.lock()
            .unwrap()
            .iter()
            .map(|k| k.as_bytes().to_vec())
            .collect()
    };
    let strangers = to_bytes(&flood.strangers);
    let probed = to_bytes(&flood.probed);
    let valid_keys = to_bytes(&flood.valid_keys);
    let intruders = to_bytes(&flood.intruders);
    let mut want: Vec<BundleRow> = held
        .iter()
        .map(|h| {
            (
                h.id.clone(),
                hash_of(&h.recipient).as_bytes().to_vec(),
                h.sender.as_bytes().to_vec(),
                h.bytes.clone(),
            )
        })
        .collect();
    let mut got = stored.bundles.clone();
    want.sort();
    got.sort();
    assert!(
        got == want,
        "the database holds exactly the {} bundles delivered but not yet acknowledged (it holds {})",
        want.len(),
        got.len()
    );
    let mut mailboxes_want: Vec<Vec<u8>> = want.iter().map(|b| b.1.clone()).collect();
    let mut mailboxes_got: Vec<Vec<u8>> = stored
        .mailboxes
        .iter()
        .filter(|(_, bytes)| *bytes > 0)
        .map(|(m, _)| m.clone())
        .collect();
    mailboxes_want.sort();
    mailboxes_got.sort();
    assert_eq!(
        mailboxes_got, mailboxes_want,
        "only the mailboxes of held bundles hold anything"
    );
    let recipients: HashSet<Vec<u8>> = flood
        .recipients
        .lock()
        .unwrap()
        .iter()
        .map(|k| k.as_bytes().to_vec())
        .collect();
    assert!(
        stored
            .mailboxes
            .iter()
            .all(|(m, _)| recipients.contains(m) && !probed.contains(m)),
        "every mailbox is a valid recipient's; no probed mailbox exists"
    );
    assert_eq!(stored.blocks, 0, "no block was made");
    for key in stored.nonces.keys() {
        assert!(
            !strangers.contains(key),
            "no nonce of a key that only sent invalid requests is kept"
        );
        assert!(
            valid_keys.contains(key) || intruders.contains(key),
            "every nonce kept belongs to a key that made an accepted request"
        );
    }
    let nonces: u64 = stored.nonces.values().sum();
    let accepted = flood.accepted_signed.load(Ordering::Relaxed);
    assert_eq!(
        nonces, accepted,
        "one nonce is kept per accepted signed request, none for a refused one"
    );
    let abuser = hash_of(&key(seed, 3, 0)).as_bytes().to_vec();
    let abusive_accepted = flood.abusive_accepted.load(Ordering::Relaxed);
    let abusive_limited = flood.abusive_limited.load(Ordering::Relaxed);
    assert_eq!(
        stored.nonces.get(&abuser).copied().unwrap_or(0),
        abusive_accepted,
        "the abusive key's refused requests left no nonce"
    );
    assert!(abusive_limited > 0, "the abusive key was rate-limited");
    let allowed = PER_MINUTE + (seconds as u64 + 2) * PER_MINUTE / 60 + 1;
    assert!(
        abusive_accepted <= allowed,
        "the abusive key got {abusive_accepted} requests through, more than its limit allows ({allowed})"
    );

    // The held bundles are acknowledged: the database is left empty of bundles and mailboxes.
    let mut rng = Rng::new(seed ^ 0xACC);
    for h in &held {
        let body = serde_json::to_vec(&serde_json::json!({ "ids": [&h.id] })).unwrap();
        let headers = signed(
            &mut rng,
            &h.recipient,
            "POST",
            "/v1/mailbox/ack",
            now_secs(),
            &body,
        );
        let acked = flood
            .send("POST", "/v1/mailbox/ack", &headers, body)
            .await
            .expect("the held bundle is acknowledged");
        assert_eq!(
            (acked.status, &acked.json["deleted"]),
            (200, &Value::from(1))
        );
    }
    let after = read_store(&database).await;
    assert!(
        after.bundles.is_empty() && after.mailboxes.iter().all(|(_, bytes)| *bytes == 0),
        "after every acknowledgement no bundle is left, and every mailbox is empty"
    );

    // Health, readiness and metrics still answer, and no request was answered 5xx.
    for path in ["/healthz", "/readyz"] {
        let a = flood.send("GET", path, &[], Vec::new()).await.unwrap();
        assert_eq!(a.status, 200, "{path} answers after the flood");
    }
    let metrics = http
        .get(format!("{}/metrics", relay.base))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200, "/metrics answers after the flood");
    let metrics = metrics.text().await.unwrap();
    assert!(
        metrics.contains("amends_relay_requests_total") && !metrics.contains("status=\"5xx\""),
        "the metrics count requests and no 5xx"
    );

    // Memory comes back near where it started.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (after_rss, _) = relay.memory_kib();

    let sent = flood.tally.sent.lock().unwrap().clone();
    let total: u64 = sent.values().sum();
    eprintln!(
        "flood ({backend:?}): {total} requests in {seconds:.1} s; {} complete deliveries (+{} held and acknowledged after); abusive key: {abusive_accepted} let through, {abusive_limited} refused 429; slow clients: {} held to the end, {} closed by the relay",
        flood.deliveries.load(Ordering::Relaxed),
        held.len(),
        flood.slow_held.load(Ordering::Relaxed),
        flood.slow_closed.load(Ordering::Relaxed),
    );
    for (kind, n) in &sent {
        eprintln!("flood ({backend:?}):   {n:>7}  {kind}");
    }
    eprintln!(
        "flood ({backend:?}): relay memory: {} MiB at the start, peak (VmHWM) {} MiB, {} MiB after (bounds: peak < {PEAK_RSS_BOUND_MIB} MiB, after < start + {AFTER_RSS_MARGIN_MIB} MiB)",
        start_rss / 1024,
        peak_rss / 1024,
        after_rss / 1024
    );
    let failures = flood.tally.failures.lock().unwrap().clone();
    assert!(
        failures.is_empty(),
        "{} requests were not answered as documented (seed {seed}); the first ones:\n{}",
        flood.tally.failed.load(Ordering::Relaxed),
        failures.join("\n")
    );
    assert!(
        peak_rss / 1024 < PEAK_RSS_BOUND_MIB,
        "the relay's peak memory {} MiB stays under {PEAK_RSS_BOUND_MIB} MiB",
        peak_rss / 1024
    );
    assert!(
        after_rss / 1024 < start_rss / 1024 + AFTER_RSS_MARGIN_MIB,
        "the relay's memory after the flood ({} MiB) is back near its start ({} MiB)",
        after_rss / 1024,
        start_rss / 1024
    );
    relay.stop();
    drop(database);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_valid_and_abusive_requests_on_sqlite() {
    flood(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_valid_and_abusive_requests_on_postgres() {
    flood(Backend::Postgres).await
}
