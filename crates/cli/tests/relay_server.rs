//! `amends relay serve` through the real binary: on SQLite and on PostgreSQL (two processes on
//! one database), killed with SIGKILL in the middle of many posts, stopped with SIGTERM while a
//! request is in flight, and configured from the environment, a file and flags.
//!
//! The PostgreSQL tests need `AMENDS_TEST_POSTGRES` (./scripts/test.sh sets it); without it they fail.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use amends_relay_proto::{KeyHash, sign_request};
use assert_cmd::cargo::cargo_bin;
use base64::Engine;
use ed25519_dalek::SigningKey;
use serde_json::Value;

const RELAY_ENV: [&str; 16] = [
    "AMENDS_LOG",
    "AMENDS_RELAY_CONFIG",
    "AMENDS_RELAY_LISTEN",
    "AMENDS_RELAY_DATABASE",
    "AMENDS_RELAY_MAX_BUNDLE_BYTES",
    "AMENDS_RELAY_MAX_MAILBOX_BYTES",
    "AMENDS_RELAY_REQUESTS_PER_MINUTE",
    "AMENDS_RELAY_EXPIRY_DAYS",
    "AMENDS_RELAY_FETCH_BUDGET_BYTES",
    "AMENDS_RELAY_SWEEP_INTERVAL_SECS",
    "AMENDS_RELAY_POOL_SIZE",
    "AMENDS_RELAY_DATABASE_TIMEOUT_SECS",
    "AMENDS_RELAY_DRAIN_SECS",
    "AMENDS_RELAY_SHUTDOWN_TIMEOUT_SECS",
    "AMENDS_RELAY_SQLITE_BUSY_TIMEOUT_MS",
    "AMENDS_VAULT",
];

fn relay_command(args: &[&str], envs: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(cargo_bin("amends"));
    cmd.arg("relay").arg("serve").args(args);
    for v in RELAY_ENV {
        cmd.env_remove(v);
    }
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd
}

/// A running `amends relay serve`; killed if the test ends early.
struct Relay {
    child: Child,
    addr: String,
    log: Arc<Mutex<Vec<String>>>,
    log_lines: mpsc::Receiver<String>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Relay {
    fn start(database: &str, args: &[&str], envs: &[(&str, &str)]) -> Relay {
        let mut all = vec!["--listen", "127.0.0.1:0", "--database", database];
        all.extend_from_slice(args);
        let mut child = relay_command(&all, envs)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("amends starts");
        let (tx, log_lines) = mpsc::channel();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().unwrap();
        let kept = log.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                kept.lock().unwrap().push(line.clone());
                let _ = tx.send(line);
            }
        });
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        let addr = first
            .strip_prefix("amends relay listening on http://")
            .unwrap_or_else(|| {
                let _ = child.kill();
                std::thread::sleep(Duration::from_millis(200));
                panic!(
                    "the first line should give the address, not {first:?}; stderr: {:?}",
                    log.lock().unwrap()
                )
            })
            .trim_end()
            .to_string();
        assert!(first.ends_with('\n'));
        assert!(addr.starts_with("127.0.0.1:"), "{addr}");
        Relay {
            child,
            addr,
            log,
            log_lines,
            reader: Some(reader),
        }
    }

    fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{name}");
    }

    /// Waits for a log line containing `text`.
    fn wait_for_log(&self, text: &str) {
        loop {
            let line = self
                .log_lines
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("the relay never logged {text:?}"));
            if line.contains(text) {
                return;
            }
        }
    }

    fn wait(mut self) -> (bool, String) {
        let status = self.child.wait().unwrap();
        // Everything it wrote has been read once its standard error closes.
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        let log = self.log.lock().unwrap().join("\n");
        (status.success(), log)
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer: status and body.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

fn parse_answer(raw: &[u8]) -> Option<Answer> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some(Answer {
        status,
        headers: head,
        body: raw[split + 4..].to_vec(),
    })
}

/// One HTTP/1.1 request on its own connection.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Answer> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    parse_answer(&raw).ok_or_else(|| std::io::Error::other("no HTTP answer"))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A client identity.
struct Id(SigningKey);

impl Id {
    fn new(seed: u8) -> Id {
        Id(SigningKey::from_bytes(&[seed; 32]))
    }

    fn hash(&self) -> KeyHash {
        KeyHash::of(&self.0.verifying_key())
    }

    fn signed(&self, addr: &str, method: &str, path: &str, body: &[u8]) -> std::io::Result<Answer> {
        let h = sign_request(&self.0, method, path, now(), body).unwrap();
        http(addr, method, path, &h.pairs(), body)
    }

    fn post(&self, addr: &str, to: &KeyHash, bundle: &[u8]) -> std::io::Result<Answer> {
        self.signed(addr, "POST", &format!("/v1/mailboxes/{to}"), bundle)
    }

    /// Every pending bundle as (id, bytes), oldest first (one fetch; the tests stay under its limits).
    fn fetch(&self, addr: &str) -> Vec<(String, Vec<u8>)> {
        let a = self
            .signed(addr, "GET", "/v1/mailbox?limit=1000", b"")
            .unwrap();
        assert_eq!(a.status, 200, "{:?}", a.json());
        let json = a.json();
        assert_eq!(json["more"], false);
        json["bundles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                (
                    b["id"].as_str().unwrap().to_string(),
                    base64::engine::general_purpose::STANDARD
                        .decode(b["bundle"].as_str().unwrap())
                        .unwrap(),
                )
            })
            .collect()
    }

    fn ack(&self, addr: &str, ids: &[String]) -> u64 {
        let body = serde_json::to_vec(&serde_json::json!({ "ids": ids })).unwrap();
        let a = self.signed(addr, "POST", "/v1/mailbox/ack", &body).unwrap();
        assert_eq!(a.status, 200, "{:?}", a.json());
        a.json()["deleted"].as_u64().unwrap()
    }
}

fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("relay.sqlite").display())
}

/// A PostgreSQL database of its own on the test server, dropped afterwards.
struct PgDatabase {
    admin: String,
    name: String,
    url: String,
}

fn pg_admin(admin: &str, sql: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (client, connection) = tokio_postgres::connect(admin, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| {
                panic!("the test PostgreSQL does not answer ({e}); run ./scripts/postgres.sh")
            });
        tokio::spawn(connection);
        client.batch_execute(sql).await.unwrap();
    });
}

impl PgDatabase {
    fn create() -> PgDatabase {
        let admin = std::env::var("AMENDS_TEST_POSTGRES").unwrap_or_else(|_| {
            panic!(
                "AMENDS_TEST_POSTGRES is not set, so the PostgreSQL tests cannot run. Run ./scripts/test.sh \
                 (it starts a test PostgreSQL), or run ./scripts/postgres.sh and set AMENDS_TEST_POSTGRES \
                 to the URL it prints."
            )
        });
        let mut raw = [0u8; 6];
        getrandom::fill(&mut raw).unwrap();
        let name = format!("amends_cli_relay_{}", hex::encode(raw));
        pg_admin(&admin, &format!("CREATE DATABASE {name}"));
        let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
        PgDatabase { admin, name, url }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        pg_admin(
            &self.admin,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

fn assert_no_identity_in(log: &str, ids: &[&Id]) {
    for id in ids {
        let hash = id.hash().to_string();
        assert!(!log.contains(&hash), "the log shows a key hash:\n{log}");
        assert!(
            !log.contains(&hash[..12]),
            "the log shows part of a key hash:\n{log}"
        );
    }
}

#[test]
fn the_relay_serves_on_sqlite_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(&sqlite_url(&dir), &[], &[]);
    let (alice, bob) = (Id::new(1), Id::new(2));
    assert_eq!(
        http(&relay.addr, "GET", "/healthz", &[], b"")
            .unwrap()
            .status,
        200
    );
    assert_eq!(
        http(&relay.addr, "GET", "/readyz", &[], b"")
            .unwrap()
            .status,
        200
    );
    let posted = alice.post(&relay.addr, &bob.hash(), b"sealed").unwrap();
    assert_eq!(posted.status, 201, "{:?}", posted.json());
    let pending = bob.fetch(&relay.addr);
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].1, b"sealed");
    assert_eq!(bob.ack(&relay.addr, &[pending[0].0.clone()]), 1);
    assert!(bob.fetch(&relay.addr).is_empty());
    let unsigned = http(&relay.addr, "GET", "/v1/mailbox", &[], b"").unwrap();
    assert_eq!(unsigned.status, 401);
    assert_eq!(unsigned.json()["error"], "unsigned");
    // Who writes to whom is the owner's to know: the file and its companions are 0600.
    let file = dir.path().join("relay.sqlite");
    {
        use std::os::unix::fs::PermissionsExt;
        for suffix in ["", "-wal", "-shm"] {
            let path = format!("{}{suffix}", file.display());
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{path}: {mode:o}");
        }
    }
    relay.signal("TERM");
    let (ok, log) = relay.wait();
    assert!(ok, "SIGTERM ends it cleanly:\n{log}");
    // A clean stop checkpoints the WAL into the file and leaves that one file.
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["relay.sqlite"], "{log}");
    // Started again on a file an earlier version left readable by others: made owner-only,
    // and the bundle acknowledged before is still gone.
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let relay = Relay::start(&sqlite_url(&dir), &[], &[]);
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    assert!(bob.fetch(&relay.addr).is_empty());
    relay.signal("TERM");
    assert!(relay.wait().0);
    assert!(log.contains("the relay is listening"), "{log}");
    assert!(log.contains("sqlite"), "{log}");
    assert!(log.contains("the relay stopped"), "{log}");
    assert_no_identity_in(&log, &[&alice, &bob]);
    assert!(!log.contains(&pending[0].0), "the log shows a bundle id");
}

#[test]
fn two_relays_on_one_postgres_deliver_through_each_other() {
    let db = PgDatabase::create();
    // Both start at once: the schema is migrated once, under a lock.
    let (one, two) = std::thread::scope(|s| {
        let a = s.spawn(|| Relay::start(&db.url, &[], &[]));
        let b = s.spawn(|| Relay::start(&db.url, &[], &[]));
        (a.join().unwrap(), b.join().unwrap())
    });
    let (alice, bob) = (Id::new(1), Id::new(2));
    let mut sent = Vec::new();
    for i in 0..5u8 {
        let a = alice.post(&one.addr, &bob.hash(), &[i; 100]).unwrap();
        assert_eq!(a.status, 201, "{:?}", a.json());
        sent.push(a.json()["id"].as_str().unwrap().to_string());
    }
    let through_two = bob.fetch(&two.addr);
    let ids: Vec<String> = through_two.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(ids, sent);
    assert_eq!(through_two[3].1, vec![3u8; 100]);
    assert_eq!(bob.ack(&two.addr, &ids), 5);
    assert!(bob.fetch(&one.addr).is_empty());
    // A request seen by one instance is a replay at the other.
    let path = format!("/v1/mailboxes/{}", bob.hash());
    let h = sign_request(&alice.0, "POST", &path, now(), b"once").unwrap();
    assert_eq!(
        http(&one.addr, "POST", &path, &h.pairs(), b"once")
            .unwrap()
            .status,
        201
    );
    let again = http(&two.addr, "POST", &path, &h.pairs(), b"once").unwrap();
    assert_eq!(
        (again.status, again.json()["error"].clone()),
        (401, "replayed".into())
    );
    for relay in [one, two] {
        relay.signal("TERM");
        let (ok, log) = relay.wait();
        assert!(ok, "{log}");
        assert!(log.contains("postgres"), "{log}");
        assert!(!log.contains("password"), "{log}");
    }
}

/// Posts from several threads until killed; every 201 must survive a restart, and a bundle
/// fetched but not acknowledged before the kill must be delivered again.
fn killed_mid_posts(database: &str) {
    let flags = ["--requests-per-minute", "1000000"];
    let relay = Relay::start(database, &flags, &[]);
    let bob = Id::new(2);
    let carol = Id::new(3);
    let unacked = Id::new(9)
        .post(&relay.addr, &carol.hash(), b"fetched, never acknowledged")
        .unwrap();
    assert_eq!(unacked.status, 201);
    assert_eq!(carol.fetch(&relay.addr).len(), 1);

    let accepted = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let addr = relay.addr.clone();
    let bob_hash = bob.hash();
    let writers: Vec<_> = (0..6u8)
        .map(|t| {
            let (accepted, stop, addr) = (accepted.clone(), stop.clone(), addr.clone());
            std::thread::spawn(move || {
                let sender = Id::new(100 + t);
                for i in 0..200u32 {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let body = format!("bundle {t}-{i}").into_bytes();
                    match sender.post(&addr, &bob_hash, &body) {
                        Ok(a) if a.status == 201 => accepted
                            .lock()
                            .unwrap()
                            .push(a.json()["id"].as_str().unwrap().to_string()),
                        Ok(a) => panic!("a post was refused: {} {:?}", a.status, a.json()),
                        // The relay died under this request: it may or may not have been stored.
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    // Kill it while the writers are busy.
    while accepted.lock().unwrap().len() < 150 {
        std::thread::sleep(Duration::from_millis(5));
    }
    relay.signal("KILL");
    let (ok, _) = relay.wait();
    assert!(!ok);
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.join().unwrap();
    }
    let accepted = accepted.lock().unwrap().clone();
    assert!(accepted.len() >= 150);

    let relay = Relay::start(database, &flags, &[]);
    let stored: std::collections::HashSet<String> = bob
        .fetch(&relay.addr)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let lost: Vec<&String> = accepted.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(
        lost.is_empty(),
        "{} of {} bundles answered 201 were lost",
        lost.len(),
        accepted.len()
    );
    let again = carol.fetch(&relay.addr);
    assert_eq!(
        again.len(),
        1,
        "the unacknowledged bundle is delivered again"
    );
    assert_eq!(again[0].1, b"fetched, never acknowledged");
}

#[test]
fn a_relay_killed_mid_posts_loses_no_accepted_bundle_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    killed_mid_posts(&sqlite_url(&dir));
}

#[test]
fn a_relay_killed_mid_posts_loses_no_accepted_bundle_on_postgres() {
    let db = PgDatabase::create();
    killed_mid_posts(&db.url);
}

#[test]
fn sigterm_lets_a_request_in_flight_finish() {
    let dir = tempfile::tempdir().unwrap();
    let database = sqlite_url(&dir);
    // At debug level the relay says when a bundle starts to arrive, so the test knows the
    // request is in flight before it sends SIGTERM.
    let relay = Relay::start(&database, &[], &[("AMENDS_LOG", "amends_relay=debug")]);
    let (alice, bob) = (Id::new(1), Id::new(2));
    let path = format!("/v1/mailboxes/{}", bob.hash());
    let body = vec![7u8; 64 * 1024];
    let h = sign_request(&alice.0, "POST", &path, now(), &body).unwrap();
    // Half the request is sent, then the relay is told to stop.
    let mut s = TcpStream::connect(&relay.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n",
        relay.addr,
        body.len()
    );
    for (k, v) in h.pairs() {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&body[..body.len() / 2]).unwrap();
    s.flush().unwrap();
    relay.wait_for_log("a bundle is arriving");
    relay.signal("TERM");
    relay.wait_for_log("finishing the requests in flight");
    // The relay is stopping, and the request in flight completes.
    s.write_all(&body[body.len() / 2..]).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let answer = parse_answer(&raw).expect("an answer");
    assert_eq!(answer.status, 201, "{:?}", answer.json());
    let (ok, log) = relay.wait();
    assert!(ok, "{log}");
    let relay = Relay::start(&database, &[], &[]);
    let pending = bob.fetch(&relay.addr);
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].1, body);
}

#[test]
fn settings_come_from_a_file_then_the_environment_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    let database = sqlite_url(&dir);
    let (alice, bob) = (Id::new(1), Id::new(2));
    let big = vec![1u8; 2_000];

    // From the environment.
    let relay = Relay::start(&database, &[], &[("AMENDS_RELAY_MAX_BUNDLE_BYTES", "1000")]);
    let a = alice.post(&relay.addr, &bob.hash(), &big).unwrap();
    assert_eq!(
        (a.status, a.json()["error"].clone()),
        (413, "too_large".into())
    );
    assert!(a.json()["message"].as_str().unwrap().contains("1000 bytes"));
    drop(relay);

    // From a file (named by a flag or by AMENDS_RELAY_CONFIG).
    let file = dir.path().join("relay.toml");
    std::fs::write(
        &file,
        "max_bundle_bytes = \"1KiB\"\nrequests_per_minute = 2\n",
    )
    .unwrap();
    let file_text = file.to_str().unwrap();
    let relay = Relay::start(&database, &[], &[("AMENDS_RELAY_CONFIG", file_text)]);
    let a = alice.post(&relay.addr, &bob.hash(), &big).unwrap();
    assert_eq!(a.status, 413);
    assert!(a.json()["message"].as_str().unwrap().contains("1024 bytes"));
    for _ in 0..2 {
        let a = alice.post(&relay.addr, &bob.hash(), b"small").unwrap();
        assert_eq!(a.status, 201);
    }
    let limited = alice.post(&relay.addr, &bob.hash(), b"small").unwrap();
    assert_eq!(limited.status, 429);
    assert!(
        limited
            .headers
            .to_ascii_lowercase()
            .contains("retry-after:")
    );
    drop(relay);

    // The environment over the file, a flag over both.
    let relay = Relay::start(
        &database,
        &["--config", file_text, "--max-bundle-bytes", "4KiB"],
        &[("AMENDS_RELAY_MAX_BUNDLE_BYTES", "10")],
    );
    assert_eq!(
        alice.post(&relay.addr, &bob.hash(), &big).unwrap().status,
        201
    );
    drop(relay);
    let relay = Relay::start(
        &database,
        &["--config", file_text],
        &[("AMENDS_RELAY_MAX_BUNDLE_BYTES", "3000")],
    );
    assert_eq!(
        alice.post(&relay.addr, &bob.hash(), &big).unwrap().status,
        201
    );
}

fn refused_to_start(args: &[&str], envs: &[(&str, &str)]) -> String {
    let out = relay_command(args, envs).output().unwrap();
    assert!(!out.status.success(), "{args:?} should not start");
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout when it does not start"
    );
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(err.starts_with("amends: "), "a plain message: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn bad_settings_and_unreachable_places_are_plain_errors_naming_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let database = sqlite_url(&dir);
    let db = ["--listen", "127.0.0.1:0", "--database", database.as_str()];

    let err = refused_to_start(&db, &[("AMENDS_RELAY_REQUESTS_PER_MINUTE", "lots")]);
    assert!(
        err.contains("requests_per_minute") && err.contains("whole number"),
        "{err}"
    );
    assert!(err.contains("AMENDS_RELAY_REQUESTS_PER_MINUTE"), "{err}");

    let mut args = db.to_vec();
    args.extend(["--max-bundle-bytes", "8 parsecs"]);
    let err = refused_to_start(&args, &[]);
    assert!(
        err.contains("max_bundle_bytes") && err.contains("MiB"),
        "{err}"
    );

    let file = dir.path().join("typo.toml");
    std::fs::write(&file, "max_bundel_bytes = 5\n").unwrap();
    let mut args = db.to_vec();
    args.extend(["--config", file.to_str().unwrap()]);
    let err = refused_to_start(&args, &[]);
    assert!(err.contains("max_bundel_bytes"), "{err}");

    let err = refused_to_start(&["--listen", "127.0.0.1:0", "--database", "mysql://x"], &[]);
    assert!(err.contains("sqlite://"), "{err}");

    // A port already taken.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().to_string();
    let err = refused_to_start(&["--listen", &port, "--database", &database], &[]);
    assert!(
        err.contains("already in use") && err.contains("--listen"),
        "{err}"
    );

    // A PostgreSQL that does not answer: the password never shows.
    let err = refused_to_start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--database",
            "postgres://relay:hunter2secret@127.0.0.1:1/relay",
            "--database-timeout-secs",
            "2",
        ],
        &[],
    );
    assert!(err.contains("PostgreSQL"), "{err}");
    assert!(!err.contains("hunter2secret"), "{err}");
    let err = refused_to_start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--database",
            "postgres://relay:hunter2secret@127.0.0.1:1/relay?sslmode=require",
        ],
        &[],
    );
    assert!(
        err.contains("TLS") && !err.contains("hunter2secret"),
        "{err}"
    );
    // Said once, not twice over.
    assert_eq!(err.matches("sslmode=require").count(), 1, "{err}");
    // `--check` finds it too, without reaching PostgreSQL.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_amends"))
        .args([
            "relay",
            "serve",
            "--database",
            "postgres://relay:hunter2secret@127.0.0.1:1/relay?sslmode=require",
            "--check",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("sslmode=require"), "{err}");
    assert!(!err.contains("hunter2secret"), "{err}");
}

#[test]
fn the_example_config_is_read_by_the_real_binary() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/relay/relay.toml");
    let out = relay_command(&["--config", example, "--check"], &[])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("listen = \"0.0.0.0:8440\""), "{text}");
    assert!(text.contains("expiry_days = 30"), "{text}");
    assert!(
        text.contains("database = \"sqlite:///var/lib/amends-relay/relay.sqlite\""),
        "{text}"
    );
    // --check shows the settings in force, with any password hidden.
    let out = relay_command(
        &["--config", example, "--check"],
        &[(
            "AMENDS_RELAY_DATABASE",
            "postgres://relay:hunter2secret@db:5432/relay",
        )],
    )
    .output()
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("database = \"postgres://relay:***@db:5432/relay\""),
        "{text}"
    );
    assert!(!text.contains("hunter2secret"), "{text}");
}

#[test]
fn the_systemd_unit_is_valid_and_hardened() {
    let unit = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/relay/amends-relay.service"
    );
    let text = std::fs::read_to_string(unit).unwrap();
    for directive in [
        "DynamicUser=yes",
        "StateDirectory=amends-relay",
        "Restart=on-failure",
        "TimeoutStopSec=",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ExecStart=/usr/local/bin/amends relay serve --config /etc/amends-relay/relay.toml",
    ] {
        assert!(text.contains(directive), "the unit lacks {directive}");
    }
    // systemd's own check, where systemd is installed, on a copy that runs the binary under test.
    let has_systemd = Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if has_systemd {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("amends-relay.service");
        std::fs::write(
            &copy,
            text.replace(
                "/usr/local/bin/amends",
                cargo_bin("amends").to_str().unwrap(),
            ),
        )
        .unwrap();
        let out = Command::new("systemd-analyze")
            .arg("verify")
            .arg(&copy)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "systemd-analyze verify: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
