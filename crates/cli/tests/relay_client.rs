//! Sharing through a real relay: `amends relay serve` on SQLite in a temporary folder, and real
//! vaults driving the real binary. A share goes with --via and arrives with `amends inbox`, a
//! review comes back the same way, a relay that is down leaves the bundle in the vault (exit 6)
//! until `amends inbox` sends it, a bundle from someone unverified or unknown waits on the relay,
//! a copy of one already opened is acknowledged and harmless, a blocked sender's bundles vanish
//! without their being told, a bundle that can never be opened is dropped, and a stop bundle
//! outlives its contact.

use crate::common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use common::{Vault, assert_plain_words, bin_path, stderr, stdout};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

/// Proxy settings from the shell must not send requests for 127.0.0.1 elsewhere.
const PROXY_ENV: [&str; 6] = [
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
];

/// A relay process on SQLite. It is stopped when dropped; `stop` and `start` keep its address
/// and database, so a test can take it down and bring it back.
struct Relay {
    dir: TempDir,
    url: String,
    listen: String,
    child: Option<Child>,
    /// Settings given to `amends relay serve` beyond the address and database.
    settings: Vec<String>,
}

impl Relay {
    fn new() -> Relay {
        Relay::with(&[])
    }

    fn with(settings: &[&str]) -> Relay {
        let dir = TempDir::new().expect("a temporary directory");
        let mut relay = Relay {
            dir,
            url: String::new(),
            listen: "127.0.0.1:0".into(),
            child: None,
            settings: settings.iter().map(|s| s.to_string()).collect(),
        };
        relay.start();
        relay
    }

    fn database(&self) -> PathBuf {
        self.dir.path().join("relay.sqlite")
    }

    fn start(&mut self) {
        assert!(self.child.is_none(), "the relay is already running");
        let mut cmd = Command::new(bin_path());
        for v in PROXY_ENV {
            cmd.env_remove(v);
        }
        let mut child = cmd
            .args(["relay", "serve", "--listen", &self.listen, "--database"])
            .arg(format!("sqlite://{}", self.database().display()))
            .args(&self.settings)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the relay starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("its output"))
            .read_line(&mut line)
            .expect("the relay prints its address");
        let url = line
            .trim()
            .strip_prefix("amends relay listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        self.listen = url.trim_start_matches("http://").to_string();
        self.url = url;
        self.child = Some(child);
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run(v: &Vault, args: &[&str]) -> Output {
    let mut c = v.cmd();
    for p in PROXY_ENV {
        c.env_remove(p);
    }
    c.args(args).output().expect("the binary runs")
}

fn describe(args: &[&str], o: &Output) -> String {
    format!(
        "amends {args:?} exited with {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    )
}

fn ok(v: &Vault, args: &[&str]) -> String {
    let o = run(v, args);
    assert!(o.status.success(), "{}", describe(args, &o));
    stdout(&o)
}

/// Runs and insists on exit `code`; returns (stdout, stderr).
fn exits(v: &Vault, args: &[&str], code: i32) -> (String, String) {
    let o = run(v, args);
    assert_eq!(o.status.code(), Some(code), "{}", describe(args, &o));
    let err = stderr(&o);
    assert_plain_words(&err);
    (stdout(&o), err)
}

fn json(v: &Vault, args: &[&str]) -> Value {
    serde_json::from_str(&ok(v, args)).expect("JSON")
}

fn identity(v: &Vault) -> Value {
    json(v, &["identity", "--json"])
}

fn code_of(v: &Vault) -> String {
    identity(v)["contact_code"].as_str().unwrap().to_string()
}

/// `a` and `b` add each other; each verifies only if asked.
fn introduce(a: &Vault, b_name: &str, b: &Vault, a_name: &str, verify_a: bool, verify_b: bool) {
    ok(a, &["contact", "add", &code_of(b), "--name", b_name]);
    ok(
        b,
        &[
            "contact",
            "add",
            &code_of(a),
            "--name",
            a_name,
            "--role",
            "supported",
        ],
    );
    if verify_a {
        ok(a, &["contact", "verify", b_name, "--yes"]);
    }
    if verify_b {
        ok(b, &["contact", "verify", a_name, "--yes"]);
    }
}

/// A party whose plan needs a sponsor's view (R2): a harm named and the safety questions
/// answered first, as any plan that reaches them needs.
fn party_with_plan(v: &Vault, name: &str) {
    ok(v, &["party", "add", name]);
    ok(
        v,
        &[
            "harm",
            "add",
            name,
            "--did",
            "Borrowed money and never paid it back",
        ],
    );
    ok(v, &["willing", name, "now"]);
    ok(v, &["safety", name, "--none"]);
    ok(
        v,
        &[
            "plan",
            name,
            "--method",
            "letter",
            "--script",
            "I am sorry I never paid you back.",
        ],
    );
}

fn share_via<'a>(to: &'a str, via: &'a str) -> Vec<&'a str> {
    vec![
        "share", "--to", to, "--parts", "plans", "--yes", "--via", via,
    ]
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

#[test]
fn a_share_goes_through_the_relay_and_the_review_comes_back() {
    let relay = Relay::new();
    let (a, b) = (Vault::init(), Vault::init());
    introduce(&a, "Sam", &b, "Alex", true, true);
    party_with_plan(&a, "Frank");

    // The relay address lives in the settings; --via alone uses it.
    let out = ok(&a, &["settings", "--relay", &format!("{}/", relay.url)]);
    assert!(
        out.contains(&format!("Relay:          {}", relay.url)),
        "{out}"
    );
    assert_eq!(
        json(&a, &["settings", "--json"])["relay"],
        relay.url.as_str()
    );
    let out = ok(
        &a,
        &["share", "--to", "Sam", "--parts", "plans", "--yes", "--via"],
    );
    assert!(
        out.contains("This is exactly what will be sealed for Sam"),
        "{out}"
    );
    assert!(out.contains("Sent through the relay."), "{out}");
    let shared = json(&a, &["shared", "--json"]);
    assert_eq!(shared[0]["kind"], "share");
    assert_eq!(shared[0]["waiting"], Value::Null);

    // The other side fetches it with --via URL (no relay in its settings).
    let out = ok(&b, &["inbox", "--via", &relay.url]);
    assert!(out.contains("Opened a share from Alex: 1 party"), "{out}");
    assert_eq!(json(&b, &["supported", "--json"])[0]["plans_to_review"], 1);
    // It was acknowledged: nothing comes twice.
    let out = ok(&b, &["inbox", "--via", &relay.url]);
    assert!(out.contains("Nothing new on the relay."), "{out}");

    // The review comes back through the relay, and the approval counts.
    ok(&b, &["review", "Alex", "--party", "Frank", "--approve"]);
    let out = ok(
        &b,
        &["review", "Alex", "--send", "--yes", "--via", &relay.url],
    );
    assert!(out.contains("Sent through the relay."), "{out}");
    let report = json(&a, &["inbox", "--json"]);
    assert_eq!(report["relay"], relay.url.as_str());
    assert_eq!(report["received"][0]["kind"], "review");
    assert_eq!(report["received"][0]["from"], "Sam");
    assert!(
        report["received"][0]["text"]
            .as_str()
            .unwrap()
            .contains("Opened a review from Sam"),
        "{report}"
    );
    assert_eq!(report["interrupted"], Value::Null);
    let reviews = json(&a, &["show", "Frank", "--json"])["reviews"].clone();
    assert_eq!(reviews[0]["standing"], "counts", "{reviews}");

    // Without --out or --via, a share has nowhere to go.
    let o = run(&a, &["share", "--to", "Sam", "--yes"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn a_relay_that_is_down_keeps_the_bundle_until_inbox_sends_it() {
    let mut relay = Relay::new();
    let (a, b) = (Vault::init(), Vault::init());
    introduce(&a, "Sam", &b, "Alex", true, true);
    party_with_plan(&a, "Frank");
    relay.stop();

    // --out and --via together: the file is written, and the relay copy waits in the vault.
    let file = a.file("for-sam.age");
    let mut args = share_via("Sam", &relay.url);
    args.extend(["--out", path_str(&file)]);
    let (out, err) = exits(&a, &args, 6);
    assert!(file.is_file());
    assert!(out.contains("Written to"), "{out}");
    assert!(
        err.contains(&format!("The relay at {} did not answer", relay.url)),
        "{err}"
    );
    assert!(
        err.contains("The bundle is saved in this vault and will be sent the next time you run `amends inbox`."),
        "{err}"
    );
    let shared = json(&a, &["shared", "--json"]);
    assert_eq!(shared[0]["waiting"]["attempts"], 1, "{shared}");
    assert_eq!(shared[0]["waiting"]["last_error"], "unreachable");
    let text = ok(&a, &["shared"]);
    assert!(
        text.contains("waiting in this vault to be sent through the relay; tried 1 time"),
        "{text}"
    );

    // Still down: inbox says so (exit 7) and loses nothing.
    let (_, err) = exits(&a, &["inbox", "--via", &relay.url], 7);
    assert!(err.contains("did not answer"), "{err}");
    assert!(err.contains("1 bundle waits in this vault"), "{err}");
    assert_eq!(json(&a, &["shared", "--json"])[0]["waiting"]["attempts"], 2);

    // Back up, same address and database: inbox sends it, and the other side gets it.
    relay.start();
    let out = ok(&a, &["inbox", "--via", &relay.url]);
    assert!(
        out.contains("Sent through the relay: to Sam, share #1."),
        "{out}"
    );
    assert!(out.contains("Nothing is waiting to be sent."), "{out}");
    assert_eq!(json(&a, &["shared", "--json"])[0]["waiting"], Value::Null);
    let out = ok(&b, &["inbox", "--via", &relay.url]);
    assert!(out.contains("Opened a share from Alex: 1 party"), "{out}");

    // The file they were also given is now a copy of what they opened.
    let (_, err) = exits(&b, &["receive", path_str(&file)], 5);
    assert!(err.contains("older than, or the same as"), "{err}");
}

#[test]
fn a_copy_of_a_bundle_already_opened_is_acknowledged_and_harmless() {
    let relay = Relay::new();
    let (a, b) = (Vault::init(), Vault::init());
    introduce(&a, "Sam", &b, "Alex", true, true);
    party_with_plan(&a, "Frank");
    let file = a.file("s1.age");
    let mut args = share_via("Sam", &relay.url);
    args.extend(["--out", path_str(&file)]);
    let out = ok(&a, &args);
    assert!(out.contains("Sent through the relay."), "{out}");

    // They open the file first; the relay's copy then arrives as a duplicate.
    let out = ok(&b, &["receive", path_str(&file)]);
    assert!(out.contains("Opened a share from Alex"), "{out}");
    let before = json(&b, &["supported", "Alex", "--json"]);
    let report = json(&b, &["inbox", "--via", &relay.url, "--json"]);
    assert_eq!(report["duplicates"], 1, "{report}");
    assert_eq!(report["received"].as_array().unwrap().len(), 0);
    assert_eq!(json(&b, &["supported", "Alex", "--json"]), before);
    let out = ok(&b, &["inbox", "--via", &relay.url]);
    assert!(
        out.contains("Nothing new on the relay."),
        "it was acknowledged: {out}"
    );
}

#[test]
fn a_bundle_from_an_unverified_contact_waits_and_opens_after_verifying() {
    let relay = Relay::new();
    let (a, b) = (Vault::init(), Vault::init());
    // Alex verified Sam; Sam has not verified Alex yet.
    introduce(&a, "Sam", &b, "Alex", true, false);
    party_with_plan(&a, "Frank");
    ok(&a, &share_via("Sam", &relay.url));

    for _ in 0..2 {
        let out = ok(&b, &["inbox", "--via", &relay.url]);
        assert!(
            out.contains("A bundle from Alex waits on the relay: you have not confirmed their fingerprint yet."),
            "{out}"
        );
        assert!(out.contains("amends contact verify"), "{out}");
        assert_eq!(json(&b, &["supported", "--json"]), serde_json::json!([]));
    }
    let report = json(&b, &["inbox", "--via", &relay.url, "--json"]);
    assert_eq!(report["waiting"][0]["reason"], "unverified");

    ok(&b, &["contact", "verify", "Alex", "--yes"]);
    let out = ok(&b, &["inbox", "--via", &relay.url]);
    assert!(out.contains("Opened a share from Alex: 1 party"), "{out}");
    let out = ok(&b, &["inbox", "--via", &relay.url]);
    assert!(out.contains("Nothing new on the relay."), "{out}");
}

#[test]
fn a_stranger_waits_until_blocked_and_a_blocked_sender_is_never_told() {
    let relay = Relay::new();
    let (b, c) = (Vault::init(), Vault::init());
    // c has b's code and verified it; b never added c.
    ok(&c, &["contact", "add", &code_of(&b), "--name", "Sam"]);
    ok(&c, &["contact", "verify", "Sam", "--yes"]);
    party_with_plan(&c, "Frank");
    ok(&c, &share_via("Sam", &relay.url));

    let report = json(&b, &["inbox", "--via", &relay.url, "--json"]);
    let waiting = &report["waiting"][0];
    assert_eq!(waiting["reason"], "unknown_sender", "{report}");
    let hash = waiting["sender"].as_str().unwrap().to_string();
    assert_eq!(hash.len(), 64);
    let out = ok(&b, &["inbox", "--via", &relay.url]);
    assert!(out.contains("not in your contacts"), "{out}");
    assert!(out.contains(&format!("amends relay block {hash}")), "{out}");

    let out = ok(&b, &["relay", "block", &hash, "--via", &relay.url]);
    assert!(out.contains("Blocked the sender"), "{out}");
    assert!(out.contains("they are not told"), "{out}");
    assert!(
        out.contains("The one bundle of theirs that was waiting for you there is deleted."),
        "{out}"
    );
    let blocked = json(&b, &["relay", "blocked", "--via", &relay.url, "--json"]);
    assert_eq!(blocked[0]["sender"], hash.as_str());
    let out = ok(&b, &["inbox", "--via", &relay.url]);
    assert!(out.contains("Nothing new on the relay."), "{out}");

    // Their next share is not refused where they can see it: the relay answers as usual and
    // discards it, so they are never told they are blocked. Nothing reaches b.
    let out = ok(&c, &share_via("Sam", &relay.url));
    assert!(out.contains("Sent through the relay"), "{out}");
    let shared = json(&c, &["shared", "--json"]);
    assert!(
        shared
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["waiting"].is_null()),
        "nothing waits in their outbox: {shared}"
    );
    let out = ok(&b, &["inbox", "--via", &relay.url]);
    assert!(out.contains("Nothing new on the relay."), "{out}");

    // Unblocked, what they send from then on reaches b's mailbox again (and waits, since b
    // has not added them).
    let out = ok(&b, &["relay", "unblock", &hash, "--via", &relay.url]);
    assert!(out.contains("Unblocked"), "{out}");
    assert_eq!(
        json(&b, &["relay", "blocked", "--via", &relay.url, "--json"]),
        serde_json::json!([])
    );
    ok(&c, &share_via("Sam", &relay.url));
    let report = json(&b, &["inbox", "--via", &relay.url, "--json"]);
    assert_eq!(report["waiting"][0]["reason"], "unknown_sender", "{report}");
    assert_eq!(report["waiting"].as_array().unwrap().len(), 1, "{report}");
}

#[test]
fn a_bundle_that_can_never_be_opened_is_dropped_and_reported() {
    let relay = Relay::new();
    let (b, c, d) = (Vault::init(), Vault::init(), Vault::init());
    // c holds a forged contact: b's signing key (so b's mailbox) with d's receiving key, so
    // what c seals goes to b's mailbox but only d could decrypt it.
    let b_code = code_of(&b);
    let parts: Vec<&str> = b_code.split(':').collect();
    let d_age = identity(&d)["age_recipient"].as_str().unwrap().to_string();
    let body = format!("amends:1:{d_age}:{}", parts[3]);
    let check = hex_prefix(&Sha256::digest(body.as_bytes())[..4]);
    ok(
        &c,
        &[
            "contact",
            "add",
            &format!("{body}:{check}"),
            "--name",
            "Sam",
        ],
    );
    ok(&c, &["contact", "verify", "Sam", "--yes"]);
    party_with_plan(&c, "Frank");
    ok(&c, &share_via("Sam", &relay.url));

    let report = json(&b, &["inbox", "--via", &relay.url, "--json"]);
    assert_eq!(report["refused"].as_array().unwrap().len(), 1, "{report}");
    assert!(
        report["refused"][0]["message"]
            .as_str()
            .unwrap()
            .contains("addressed to someone else"),
        "{report}"
    );
    let out = ok(&b, &["inbox", "--via", &relay.url]);
    assert!(
        out.contains("Nothing new on the relay."),
        "it was acknowledged: {out}"
    );
}

fn hex_prefix(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_stop_bundle_goes_through_the_relay_after_the_contact_is_gone() {
    let mut relay = Relay::new();
    let (a, b) = (Vault::init(), Vault::init());
    introduce(&a, "Sam", &b, "Alex", true, true);
    party_with_plan(&a, "Frank");
    ok(&a, &["settings", "--relay", &relay.url]);
    ok(&a, &share_via("Sam", ""));
    ok(&b, &["inbox", "--via", &relay.url]);
    assert_eq!(
        json(&b, &["supported", "--json"]).as_array().unwrap().len(),
        1
    );

    // Removing Sam while the relay is down: the contact goes, the stop bundle waits.
    relay.stop();
    let (out, err) = exits(&a, &["contact", "remove", "Sam", "--via"], 6);
    assert!(out.contains("Removed Sam from your contacts."), "{out}");
    assert!(err.contains("did not answer"), "{err}");
    assert_eq!(
        json(&a, &["contact", "list", "--json"]),
        serde_json::json!([])
    );
    let shared = json(&a, &["shared", "--json"]);
    assert_eq!(shared[0]["kind"], "stop");
    assert_eq!(shared[0]["contact_id"], Value::Null);
    assert_eq!(shared[0]["waiting"]["attempts"], 1);

    relay.start();
    let out = ok(&a, &["inbox"]);
    assert!(
        out.contains("Sent through the relay: to Sam, stop #2."),
        "{out}"
    );
    let out = ok(&b, &["inbox", "--via", &relay.url]);
    assert!(out.contains("Alex has stopped sharing with you."), "{out}");
    assert_eq!(json(&b, &["supported", "--json"]), serde_json::json!([]));
}

#[test]
fn relay_addresses_are_checked_and_a_missing_one_is_explained() {
    let relay = Relay::new();
    let (a, b) = (Vault::init(), Vault::init());
    introduce(&a, "Sam", &b, "Alex", true, true);
    let (_, err) = exits(&a, &["settings", "--relay", "ftp://relay.example.org"], 2);
    assert!(err.contains("https://"), "{err}");
    assert_eq!(json(&a, &["settings", "--json"])["relay"], Value::Null);

    let (_, err) = exits(&a, &["share", "--to", "Sam", "--yes", "--via"], 2);
    assert!(err.contains("No relay address is set"), "{err}");
    assert_eq!(json(&a, &["shared", "--json"]), serde_json::json!([]));
    let (_, err) = exits(&a, &["inbox"], 2);
    assert!(err.contains("--via URL"), "{err}");

    ok(&a, &["settings", "--relay", &relay.url]);
    let out = ok(&a, &["settings", "--no-relay"]);
    assert!(out.contains("Relay:          none"), "{out}");
}

/// Runs with `input` on standard input (the answer to a question); returns the output.
fn answer(v: &Vault, args: &[&str], input: &str) -> Output {
    let mut c = v.cmd();
    for p in PROXY_ENV {
        c.env_remove(p);
    }
    c.args(args)
        .write_stdin(input)
        .output()
        .expect("the binary runs")
}

/// The one bundle waiting in the outbox, as `amends outbox --json` shows it.
fn only_waiting(v: &Vault) -> Value {
    let list = json(v, &["outbox", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    list[0].clone()
}

#[test]
fn a_bundle_refused_for_good_can_be_saved_as_a_file_or_discarded() {
    // A relay that takes nothing larger than 64 bytes: every bundle is refused, every time.
    let relay = Relay::with(&["--max-bundle-bytes", "64"]);
    let (a, b) = (Vault::init(), Vault::init());
    introduce(&a, "Sam", &b, "Alex", true, true);
    party_with_plan(&a, "Frank");
    ok(&a, &["settings", "--relay", &relay.url]);
    let out = ok(&a, &["outbox"]);
    assert!(
        out.contains("Nothing is waiting to be sent through the relay."),
        "{out}"
    );
    assert_eq!(json(&a, &["outbox", "--json"]), serde_json::json!([]));

    // Alex's share is too large for this relay, and will be every time.
    let (_, err) = exits(&a, &share_via("Sam", ""), 6);
    let waiting = only_waiting(&a);
    let id = waiting["id"].as_i64().unwrap().to_string();
    assert!(err.contains("refused it"), "{err}");
    assert!(
        err.contains(&format!("amends outbox save {id} --out FILE")),
        "{err}"
    );
    assert!(
        err.contains(&format!("amends outbox discard {id}")),
        "{err}"
    );
    assert_eq!(waiting["to"], "Sam");
    assert_eq!(waiting["kind"], "share");
    assert_eq!(waiting["sequence"], 1);
    assert_eq!(waiting["attempts"], 1);
    assert_eq!(waiting["last_error"], "too_large");
    assert_eq!(waiting["problem"], "it is larger than the relay accepts");
    assert_eq!(waiting["refused_for_good"], true);

    // The list says who, what, when, how often and why, in words, with the ways out.
    let out = ok(&a, &["outbox"]);
    assert!(out.contains("1 bundle waits in this vault"), "{out}");
    assert!(
        out.contains(&format!("#{id}  to Sam, share #1, sealed ")),
        "{out}"
    );
    assert!(
        out.contains("tried 1 time; the last time it is larger than the relay accepts"),
        "{out}"
    );
    assert!(out.contains("This relay will keep refusing it."), "{out}");
    assert!(
        out.contains(&format!("amends outbox save {id} --out FILE")),
        "{out}"
    );
    // So do the inbox, which tries it again, and the log of what was sent.
    let (out, _) = exits(&a, &["inbox"], 6);
    assert!(out.contains("Not sent yet: to Sam, share #1"), "{out}");
    assert!(out.contains("This relay will keep refusing it."), "{out}");
    assert!(
        out.contains(&format!("amends outbox discard {id}")),
        "{out}"
    );
    assert_eq!(only_waiting(&a)["attempts"], 2);
    let out = ok(&a, &["shared"]);
    assert!(
        out.contains(&format!("amends outbox save {id} --out FILE")),
        "{out}"
    );
    assert_eq!(
        json(&a, &["shared", "--json"])[0]["waiting"]["outbox_id"]
            .as_i64()
            .unwrap()
            .to_string(),
        id
    );

    // Saved as a file: the same sealed bundle, which Sam's vault opens. It still waits.
    let file = a.file("for-sam.age");
    let out = ok(&a, &["outbox", "save", &id, "--out", path_str(&file)]);
    assert!(out.contains("Wrote the bundle to Sam, share #1"), "{out}");
    assert!(out.contains("It still waits in this vault too."), "{out}");
    let out = ok(&b, &["receive", path_str(&file)]);
    assert!(out.contains("Opened a share from Alex: 1 party"), "{out}");
    assert_eq!(only_waiting(&a)["id"].as_i64().unwrap().to_string(), id);
    // Never over a file that exists; an id that does not wait is refused plainly. Nothing
    // changes, and no file is left behind.
    let before = std::fs::read(&file).unwrap();
    let files_before: Vec<PathBuf> = a.files().into_iter().map(|(p, _)| p).collect();
    let err = a.refused(&["outbox", "save", &id, "--out", path_str(&file)], 2);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), before);
    let other = a.file("other.age");
    let err = a.refused(&["outbox", "save", "99", "--out", path_str(&other)], 2);
    assert!(
        err.contains("There is no bundle waiting to be sent with id 99"),
        "{err}"
    );
    assert!(err.contains("amends outbox"), "{err}");
    assert!(!other.exists());
    assert_eq!(
        a.files().into_iter().map(|(p, _)| p).collect::<Vec<_>>(),
        files_before
    );
    let err = a.refused(&["outbox", "discard", "99", "--yes"], 2);
    assert!(
        err.contains("There is no bundle waiting to be sent with id 99"),
        "{err}"
    );
    let o = run(&a, &["outbox", "discard", "nine"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("`amends outbox`"), "{}", stderr(&o));

    // Discarding asks first, and says honestly what it means; anything but yes changes nothing.
    let o = answer(&a, &["outbox", "discard", &id], "no\n");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let said = stdout(&o);
    for words in [
        "It will not be sent",
        "What it contained stays in your vault",
        "`amends shared` still lists it as sealed for Sam",
        "A later share sends your list as it is then",
    ] {
        assert!(said.contains(words), "{words}: {said}");
    }
    assert!(
        stderr(&o).contains("Type yes to discard it"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("Nothing was discarded: you did not type yes."),
        "{}",
        stderr(&o)
    );
    assert_eq!(only_waiting(&a)["id"].as_i64().unwrap().to_string(), id);
    let o = answer(&a, &["outbox", "discard", &id], "yes\n");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Discarded. It will not be sent"));
    assert_eq!(json(&a, &["outbox", "--json"]), serde_json::json!([]));
    let shared = json(&a, &["shared", "--json"]);
    assert_eq!(shared.as_array().unwrap().len(), 1, "the log keeps it");
    assert_eq!(shared[0]["waiting"], Value::Null);
    // The next check no longer tries it.
    let out = ok(&a, &["inbox"]);
    assert!(!out.contains("Not sent yet"), "{out}");

    // A stop bundle refused for good: discarding it says their app will not be asked to delete.
    let (_, err) = exits(&a, &["contact", "remove", "Sam", "--via"], 6);
    assert!(err.contains("amends outbox discard"), "{err}");
    let stop = only_waiting(&a);
    assert_eq!(stop["kind"], "stop");
    assert_eq!(stop["contact_id"], Value::Null);
    let stop_id = stop["id"].as_i64().unwrap().to_string();
    let out = ok(&a, &["outbox"]);
    assert!(
        out.contains("to Sam (no longer a contact), stop #2"),
        "{out}"
    );
    let o = answer(&a, &["outbox", "discard", &stop_id], "\n");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("their app will not be asked, unless they get this file another way"),
        "{}",
        stdout(&o)
    );
    let out = ok(&a, &["outbox", "discard", &stop_id, "--yes"]);
    assert!(out.contains("Discarded."), "{out}");
    assert_eq!(json(&a, &["outbox", "--json"]), serde_json::json!([]));
}
