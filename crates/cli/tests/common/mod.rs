//! Helpers shared by the integration tests: each test gets its own vault in a temporary
//! directory and drives the real `amends` binary, reading what a person would read.
#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// The passphrase of every test vault unless a test chooses another.
pub const PASS: &str = "four ordinary words together";

/// Environment variables the binary reads; none may leak in from the shell running the tests.
const AMENDS_ENV: [&str; 5] = [
    "AMENDS_VAULT",
    "AMENDS_PASSPHRASE",
    "AMENDS_NEW_PASSPHRASE",
    "AMENDS_RECOVERY_KEY",
    "AMENDS_LOG",
];

/// The binary with a clean environment: no vault, no passphrase, dates in UTC.
pub fn bare() -> Command {
    let mut c = Command::cargo_bin("amends").expect("the amends binary is built");
    for v in AMENDS_ENV {
        c.env_remove(v);
    }
    c.env("TZ", "UTC");
    c
}

/// The path of the binary, for spawning several at once.
pub fn bin_path() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_amends"))
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn describe(args: &[&str], o: &Output) -> String {
    format!(
        "amends {args:?} exited with {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    )
}

/// Today's date in UTC (the binary runs with TZ=UTC), as YYYY-MM-DD.
pub fn today() -> String {
    days_from_today(0)
}

/// The date `n` days from today in UTC, as YYYY-MM-DD.
pub fn days_from_today(n: i64) -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs() as i64;
    civil_from_days(secs.div_euclid(86_400) + n)
}

/// Howard Hinnant's days-to-civil conversion.
fn civil_from_days(z: i64) -> String {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

/// Finds the recovery key (eight groups of eight hex digits) in what `init` printed.
pub fn find_recovery_key(text: &str) -> Option<String> {
    text.split_whitespace()
        .find(|w| {
            let groups: Vec<&str> = w.split('-').collect();
            groups.len() == 8
                && groups
                    .iter()
                    .all(|g| g.len() == 8 && g.chars().all(|c| c.is_ascii_hexdigit()))
        })
        .map(str::to_string)
}

/// Whether `needle` occurs anywhere in `hay`, byte for byte.
pub fn contains_bytes(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Whether `text` holds `words` as whole words in a row, in any case ("Sam Quill" is found in
/// "about sam quill." but "sam" is not found in "same person").
pub fn has_words(text: &str, words: &str) -> bool {
    let split = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let (hay, needle) = (split(text), split(words));
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle.as_slice())
}

/// Asserts that none of `personal` (names, words someone typed) appears in `err`, as whole
/// words in any case: what goes to standard error names fields and rules, never content.
pub fn assert_no_personal(err: &str, personal: &[&str]) {
    for p in personal {
        assert!(
            !has_words(err, p),
            "stderr repeats personal content `{p}`:\n{err}"
        );
    }
}

/// An error a person reads: our own first line, no panic, no library internals.
pub fn assert_plain_words(err: &str) {
    assert!(
        err.starts_with("amends: "),
        "stderr should start with a plain message from amends:\n{err}"
    );
    for bad in [
        "panicked",
        "RUST_BACKTRACE",
        "ERROR CORE",
        "sqlcipher",
        "Storage(",
        "Error {",
    ] {
        assert!(!err.contains(bad), "stderr shows `{bad}`:\n{err}");
    }
}

/// One vault in its own temporary directory.
pub struct Vault {
    pub dir: TempDir,
    pub path: PathBuf,
    pub pass: String,
    /// The recovery key `init` printed (empty until the vault is created).
    pub recovery: String,
    /// Answers of read-only commands, with the vault and key file bytes they were read from.
    reads: RefCell<HashMap<String, (Vec<u8>, Value)>>,
}

/// The bytes of a vault and its key file at one moment (see `Vault::snapshot`).
pub struct Snapshot {
    vault: Vec<u8>,
    keys: Vec<u8>,
}

impl Vault {
    /// A place for a vault, not yet created.
    pub fn uninit() -> Vault {
        let dir = TempDir::new().expect("a temporary directory");
        let path = dir.path().join("workbook.amends");
        Vault {
            dir,
            path,
            pass: PASS.to_string(),
            recovery: String::new(),
            reads: RefCell::new(HashMap::new()),
        }
    }

    /// A new vault (default settings: AA wording, USD, no amends to self).
    pub fn init() -> Vault {
        Vault::init_with(&[])
    }

    /// A new vault created with extra `init` flags.
    pub fn init_with(flags: &[&str]) -> Vault {
        let mut v = Vault::uninit();
        let mut args = vec!["init"];
        args.extend_from_slice(flags);
        let out = v.ok(&args);
        v.recovery = find_recovery_key(&out)
            .unwrap_or_else(|| panic!("init printed no recovery key:\n{out}"));
        v
    }

    /// A file path inside the vault's directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn keyfile(&self) -> PathBuf {
        let mut p = self.path.as_os_str().to_owned();
        p.push(".keys");
        PathBuf::from(p)
    }

    pub fn sidecar(&self, suffix: &str) -> PathBuf {
        let mut p = self.path.as_os_str().to_owned();
        p.push(suffix);
        PathBuf::from(p)
    }

    /// The vault file and its key file as they are now, to show later that nothing touched them.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            vault: std::fs::read(&self.path).unwrap(),
            keys: std::fs::read(self.keyfile()).unwrap(),
        }
    }

    /// Asserts the vault file and the key file are byte for byte what `before` saw.
    pub fn assert_unchanged(&self, before: &Snapshot) {
        let now = self.snapshot();
        assert!(now.vault == before.vault, "the vault file changed");
        assert!(now.keys == before.keys, "the key file changed");
    }

    /// The binary pointed at this vault with its passphrase in the environment.
    pub fn cmd(&self) -> Command {
        let mut c = bare();
        c.arg("--vault")
            .arg(&self.path)
            .env("AMENDS_PASSPHRASE", &self.pass);
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("the binary runs")
    }

    /// The vault file as it is now, if nothing is pending in a write-ahead log.
    fn settled_bytes(&self) -> Option<Vec<u8>> {
        if self.sidecar("-wal").exists() {
            return None;
        }
        std::fs::read(&self.path).ok()
    }

    /// The vault and its key file as they are now, if nothing is pending in a write-ahead log.
    fn state(&self) -> Option<Vec<u8>> {
        let mut bytes = self.settled_bytes()?;
        bytes.extend_from_slice(b"\0keys\0");
        bytes.extend(std::fs::read(self.keyfile()).unwrap_or_default());
        Some(bytes)
    }

    /// Runs and insists on success; returns standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(o.status.success(), "{}", describe(args, &o));
        stdout(&o)
    }

    /// After wrong passphrases in a row (see `tests/throttle.rs`), waits as long as the binary
    /// says the next try must wait, so that the right passphrase is tried when it may be.
    pub fn wait_out_unlock_delay(&self) {
        for _ in 0..4 {
            let o = self.run(&["status"]);
            let err = stderr(&o);
            let Some(at) = err.find("in a row: wait ") else {
                return;
            };
            let secs: u64 = err[at + "in a row: wait ".len()..]
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no number of seconds in: {err}"));
            std::thread::sleep(std::time::Duration::from_secs(secs));
        }
        panic!("the wait after wrong passphrases never ended");
    }

    /// Runs and insists on success; returns (stdout, stderr).
    pub fn ok_both(&self, args: &[&str]) -> (String, String) {
        let o = self.run(args);
        assert!(o.status.success(), "{}", describe(args, &o));
        (stdout(&o), stderr(&o))
    }

    /// Runs and insists on exit `code` with a reason on stderr; returns stderr.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let o = self.run(args);
        assert_eq!(o.status.code(), Some(code), "{}", describe(args, &o));
        let err = stderr(&o);
        assert!(
            !err.trim().is_empty(),
            "no reason was given on stderr: {}",
            describe(args, &o)
        );
        err
    }

    /// Like `fails`, and the vault holds exactly what it held before: the export after the
    /// refusal is the export before it (without `exported_at`).
    ///
    /// Each export unlocks the vault again, so the comparison is made cheaply when it can be:
    /// if the vault file is byte for byte what it was (and no write-ahead log is left), the
    /// export cannot differ. Only if the bytes changed is the export of a copy of the vault as
    /// it was compared with the export of the vault as it is.
    pub fn refused(&self, args: &[&str], code: i32) -> String {
        let before = self.settled_bytes();
        let export_before = before.is_none().then(|| self.export());
        let keys_before = std::fs::read(self.keyfile()).ok();
        let err = self.fails(args, code);
        assert_plain_words(&err);
        let unchanged_bytes = before.is_some() && self.settled_bytes() == before;
        if !unchanged_bytes {
            let export_before = export_before.unwrap_or_else(|| {
                let copy = Vault::uninit();
                std::fs::write(&copy.path, before.as_deref().expect("bytes before")).unwrap();
                if let Some(k) = &keys_before {
                    std::fs::write(copy.keyfile(), k).unwrap();
                }
                let mut copy = copy;
                copy.pass = self.pass.clone();
                copy.export()
            });
            assert_eq!(
                self.export(),
                export_before,
                "amends {args:?} was refused but changed the vault"
            );
        }
        err
    }

    /// A rule refusal (exit 3): the rule and "Nothing was changed" are named.
    pub fn rule_refused(&self, args: &[&str], rule: &str) -> String {
        let err = self.refused(args, 3);
        assert!(
            err.contains(&format!("({rule},")),
            "the refusal should name rule {rule}:\n{err}"
        );
        assert!(err.contains("What you can do:"), "no way forward:\n{err}");
        assert!(err.contains("Nothing was changed."), "{err}");
        err
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let out = self.ok(args);
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("amends {args:?} did not print JSON ({e}):\n{out}"))
    }

    /// The JSON a read-only command prints. Unlocking costs a deliberate key derivation, so
    /// the answer is reused while the vault and its key file are byte for byte the same and
    /// the passphrase is the same (reads change nothing, so the answer cannot differ).
    pub fn read_json(&self, args: &[&str]) -> Value {
        let key = format!("{}\u{0}{}", self.pass, args.join("\u{0}"));
        let bytes = self.state();
        if let (Some(b), Some((seen, v))) = (&bytes, self.reads.borrow().get(&key))
            && b == seen
        {
            return v.clone();
        }
        let v = self.json(args);
        if let Some(b) = bytes
            && self.state().as_ref() == Some(&b)
        {
            self.reads.borrow_mut().insert(key, (b, v.clone()));
        }
        v
    }

    /// The export, without the time it was taken.
    pub fn export(&self) -> Value {
        let mut v = self.read_json(&["export", "--format", "json"]);
        v.as_object_mut()
            .expect("the export is an object")
            .remove("exported_at")
            .expect("the export has exported_at");
        v
    }

    pub fn show(&self, party: &str) -> Value {
        self.read_json(&["show", party, "--json"])
    }

    pub fn stage(&self, party: &str) -> String {
        self.show(party)["stage"]
            .as_str()
            .expect("stage is text")
            .to_string()
    }

    pub fn stage_reason(&self, party: &str) -> String {
        self.show(party)["stage_reason"]
            .as_str()
            .expect("stage_reason is text")
            .to_string()
    }

    /// Adds a party and returns its id.
    pub fn add_party(&self, name: &str, extra: &[&str]) -> i64 {
        let mut args = vec!["party", "add", name, "--json"];
        args.extend_from_slice(extra);
        self.json(&args)["id"].as_i64().expect("an id")
    }

    /// A person willing now with the safety questions answered: nothing stands in the way.
    pub fn open_party(&self, name: &str) -> i64 {
        let id = self.add_party(name, &[]);
        self.ok(&["willing", name, "now"]);
        self.ok(&["safety", name, "--none"]);
        id
    }

    /// Names what was done to a party (a harm), which any amends that reaches them needs first.
    pub fn add_harm(&self, party: &str, did: &str) {
        self.ok(&["harm", "add", party, "--did", did]);
    }

    /// `open_party` with a harm named: a plan or attempt that reaches them can be recorded.
    pub fn open_party_with_harm(&self, name: &str, did: &str) -> i64 {
        let id = self.add_party(name, &[]);
        self.add_harm(name, did);
        self.ok(&["willing", name, "now"]);
        self.ok(&["safety", name, "--none"]);
        id
    }

    pub fn party_list(&self) -> Vec<Value> {
        self.read_json(&["party", "list", "--json"])
            .as_array()
            .expect("an array")
            .clone()
    }

    /// Every file in the vault's directory, with its bytes.
    pub fn files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        read_dir_files(self.dir.path())
    }
}

pub fn read_dir_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .expect("the directory can be read")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter_map(|p| std::fs::read(&p).ok().map(|b| (p, b)))
        .collect();
    out.sort();
    out
}

/// The recovery key as SQLCipher takes it: 64 hex digits, no dashes.
pub fn recovery_hex(key: &str) -> String {
    key.chars().filter(|c| c.is_ascii_hexdigit()).collect()
}

/// Opens a vault with plain SQLCipher and nothing but its recovery key.
pub fn open_with_recovery_key(path: &Path, key: &str) -> rusqlite::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)?;
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", recovery_hex(key)))?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    Ok(conn)
}

/// The names in `party list --json`.
pub fn names(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|p| p["name"].as_str().expect("a name").to_string())
        .collect()
}
