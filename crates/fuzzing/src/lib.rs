//! The bodies of the fuzz targets: each takes any bytes, feeds them to one of the places where
//! Amends reads what someone else (or a damaged file) hands it, and asserts what must hold
//! whatever the bytes: nothing panics, a refusal is the reader's own typed error, and where it is
//! cheap, what was read writes back to itself.
//!
//! `fuzz/` (its own workspace, built with coverage instrumentation by `scripts/fuzz.sh`) runs these
//! under libFuzzer. `tests/` replays the checked-in seed corpora (`fuzz/corpus/<target>/`) and every
//! crash found so far (`fuzz/regressions/<target>/`) through the same functions in a plain
//! `cargo test`.

use std::sync::OnceLock;

use amends_core::coach::{Context, coach as read_script};
use amends_core::model::{Language, Settings};
use amends_relay_proto::{
    AckRequest, AuthError, KeyHash, MAX_ACK_IDS, MAX_FETCH_LIMIT, MAX_ID_LEN, ReceivedHeaders,
    TIME_WINDOW_SECS, fetch_limit, verify_request,
};
use amends_share::document::Document;
use amends_share::{Identity, PublicKeys, ShareError, open, open_envelope};
use amends_transfer::csv_in::{self, Encoding, Options};
use amends_vault::VaultError;
use amends_vault::export;
use secrecy::SecretString;

/// A target's body: any bytes in; it panics only when a property fails.
pub type Target = fn(&[u8]);

/// Every target, by the name of its bin in `fuzz/fuzz_targets/` and its corpus folder.
pub const TARGETS: &[(&str, Target)] = &[
    ("json_import", json_import),
    ("csv_import", csv_import),
    ("bundle_open", bundle_open),
    ("contact_code", contact_code),
    ("relay_request", relay_request),
    ("coach", coach),
];

/// The fixed identity the `bundle_open` target opens bundles with. Its seed bundles are sealed to
/// it (by `make-fuzz-seeds`), so mutations start from inputs that get past the age layer.
pub const RECEIVER_AGE_SECRET: &str =
    "AGE-SECRET-KEY-198FRMW03AAFS8CKN3Q5JAJ20AF0S4P8LQG2X77U5ZTGGSSYLTZQSAYD9YV";
pub const RECEIVER_SIGN_SEED: [u8; 32] = [0x5a; 32];
/// The fixed identity the seed bundles come from.
pub const SENDER_AGE_SECRET: &str =
    "AGE-SECRET-KEY-1TKHTVP2RHM86QAJTSFC9VPK9YEDXHVKR6HTY87GDJMQF62LU777QNPQGS5";
pub const SENDER_SIGN_SEED: [u8; 32] = [0xa5; 32];

/// The relay's clock in the `relay_request` target (2027-01-15), so seed requests signed for
/// this moment stay inside the time window whenever the fuzzer runs.
pub const RELAY_NOW: i64 = 1_800_000_000;

pub fn receiver() -> &'static Identity {
    static ME: OnceLock<Identity> = OnceLock::new();
    ME.get_or_init(|| identity(RECEIVER_AGE_SECRET, &RECEIVER_SIGN_SEED))
}

pub fn sender() -> Identity {
    identity(SENDER_AGE_SECRET, &SENDER_SIGN_SEED)
}

fn identity(age_secret: &str, seed: &[u8; 32]) -> Identity {
    Identity::from_parts(&SecretString::from(age_secret.to_owned()), seed)
        .expect("the fixed fuzzing identity is valid")
}

/// The JSON import: `amends import FILE.json` and the web app's restore read the file as text,
/// parse it with `export::parse`, and check every value with `export::check` before writing.
pub fn json_import(data: &[u8]) {
    let Ok(json) = std::str::from_utf8(data) else {
        return;
    };
    let doc = match export::parse(json) {
        Ok(doc) => doc,
        Err(e) => {
            assert!(
                matches!(e, VaultError::Import(_)),
                "parse refused with {e:?}"
            );
            return;
        }
    };
    if let Err(e) = export::check(&doc) {
        assert!(
            matches!(e, VaultError::Import(_)),
            "check refused with {e:?}"
        );
    }
    // What was read writes out as a document that reads back the same.
    let again = serde_json::to_string(&doc).expect("a parsed document serialises");
    let reread = export::parse(&again).expect("a serialised document parses again");
    assert_eq!(reread, doc, "the document changed on a round trip");
}

/// The CSV import, the whole path of `amends import FILE.csv --preview`: decode, split, recognise
/// the layout, check every row, and match the names against a list.
pub fn csv_import(data: &[u8]) {
    let settings = Settings::default();
    for encoding in [None, Some(Encoding::Windows1252)] {
        let options = Options {
            encoding,
            mapping: Default::default(),
        };
        let Ok(checked) = csv_in::import(data, &options, &settings) else {
            continue;
        };
        // A row needs a line break before it (or is the last line); a quoted cell may hold more.
        let breaks = data.iter().filter(|b| **b == b'\n' || **b == b'\r').count();
        assert!(checked.rows <= breaks + 1, "more rows than lines");
        assert!(checked.parties.len() <= checked.rows.max(1));
        assert!(checked.problems.len() <= csv_in::MAX_PROBLEMS);
        assert_eq!(checked.is_ok(), checked.problem_count() == 0);
        for p in &checked.parties {
            assert!(!p.name.trim().is_empty(), "a party without a name");
            for h in &p.harms {
                assert!(h.line >= 2, "a harm on the headings' line");
            }
        }
        let listed = [(1, "Mum", false), (2, "José Peña", true)];
        let matches = csv_in::match_names(&checked.parties, listed);
        assert!(matches.len() <= checked.parties.len());
        let targets = vec![amends_vault::Target::New; checked.parties.len()];
        assert_eq!(
            checked.for_vault(&targets).len(),
            checked.parties.len(),
            "every party goes to the vault"
        );
    }
}

/// Opening a bundle: `open` (age, then the signed envelope) with a fixed identity, the envelope
/// alone as if it had decrypted, and the inner document's own parse.
pub fn bundle_open(data: &[u8]) {
    let me = receiver();
    for opened in [open(data, me), open_envelope(data, me)] {
        match opened {
            Ok(o) => {
                assert_eq!(o.document.to.sign, me.public().sign_key_hex());
                assert_eq!(o.document.to.age, me.public().age_recipient());
                assert_eq!(o.signer.sign_key_hex(), o.document.from.sign);
            }
            Err(e) => assert_typed(&e),
        }
    }
    if let Ok(doc) = serde_json::from_slice::<Document>(data) {
        let again = serde_json::to_vec(&doc).expect("a parsed document serialises");
        let reread: Document =
            serde_json::from_slice(&again).expect("a serialised document parses again");
        assert_eq!(reread, doc, "the document changed on a round trip");
    }
}

fn assert_typed(e: &ShareError) {
    // The refusal is shown to the person: a sentence, never the bundle's bytes.
    let shown = e.to_string();
    assert!(!shown.is_empty() && shown.len() < 400, "refusal: {shown:?}");
}

/// A contact code as typed or pasted: a code that reads re-encodes to itself.
pub fn contact_code(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let keys = match PublicKeys::parse_code(text) {
        Ok(keys) => keys,
        Err(e) => {
            assert!(
                matches!(e, ShareError::CodeMalformed(_) | ShareError::CodeTooNew),
                "refused with {e:?}"
            );
            return;
        }
    };
    let code = keys.contact_code();
    let again = PublicKeys::parse_code(&code).expect("a written code reads");
    assert!(again == keys, "the keys changed on a round trip");
    // The same code as typed, but for the case of its age key and checksum (both case-blind).
    let typed: String = text.split_whitespace().collect();
    let (a, b): (Vec<&str>, Vec<&str>) = (typed.split(':').collect(), code.split(':').collect());
    assert_eq!(a.len(), 5, "{typed:?}");
    assert_eq!(b.len(), 5);
    assert_eq!(a[..2], b[..2]);
    assert!(a[2].eq_ignore_ascii_case(b[2]), "the age key differs");
    assert_eq!(a[3], b[3], "the signing key differs");
    assert!(a[4].eq_ignore_ascii_case(b[4]), "the checksum differs");
    assert_eq!(
        keys.fingerprint()
            .chars()
            .filter(char::is_ascii_digit)
            .count(),
        20
    );
}

/// A request to the relay, written as the relay reads it: a line `METHOD PATH?QUERY`, header lines
/// `name: value`, a blank line, then the body's bytes. Runs the signature check, the key hash of
/// the path, the fetch limit of the query and the acknowledgement body's parse.
pub fn relay_request(data: &[u8]) {
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(at) => (&data[..at], &data[at + 2..]),
        None => (data, &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.lines();
    let first = lines.next().unwrap_or("");
    let (method, target) = first.split_once(' ').unwrap_or((first, "/"));
    let headers: Vec<(String, &str)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim()))
        .collect();
    let received = ReceivedHeaders::from_lookup(|name| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| *value)
    });

    match verify_request(received, method, target, body, RELAY_NOW) {
        Ok(v) => {
            assert_eq!(v.key_hash, KeyHash::of(&v.key));
            assert!((RELAY_NOW - v.time).abs() <= TIME_WINDOW_SECS);
            // The signature covers the body: one byte more and it no longer holds.
            let mut longer = body.to_vec();
            longer.push(0);
            assert_eq!(
                verify_request(received, method, target, &longer, RELAY_NOW).err(),
                Some(AuthError::BadSignature)
            );
        }
        Err(AuthError::Unsigned(_) | AuthError::Malformed(_))
        | Err(AuthError::Expired | AuthError::BadSignature) => {}
    }

    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    if let Some(limit) = fetch_limit(query) {
        assert!((1..=MAX_FETCH_LIMIT).contains(&limit));
    }
    let last = path.rsplit('/').next().unwrap_or("");
    if let Ok(hash) = last.parse::<KeyHash>() {
        assert!(hash.to_string().eq_ignore_ascii_case(last));
    }
    if let Some(ack) = AckRequest::parse(body) {
        assert!(ack.ids.len() <= MAX_ACK_IDS);
        assert!(
            ack.ids
                .iter()
                .all(|id| !id.is_empty() && id.len() <= MAX_ID_LEN)
        );
        let again = serde_json::to_vec(&ack).expect("an acknowledgement serialises");
        assert_eq!(AckRequest::parse(&again), Some(ack));
    }
}

/// The script coach, over the person's typed text in both languages, with names to look for.
pub fn coach(data: &[u8]) {
    let script = String::from_utf8_lossy(data);
    let context = Context {
        involved: vec!["Sam".into(), "Ana María".into()],
        listed: vec!["José".into(), "O'Brien".into()],
        ..Context::default()
    };
    for language in [Language::En, Language::Es] {
        let reading = read_script(&script, language, &context);
        let mut last_start = 0;
        let mut missing_seen = false;
        for f in &reading.findings {
            assert_eq!(f.span.is_none(), f.kind.is_missing(), "{:?}", f.kind);
            match &f.span {
                Some(span) => {
                    assert!(!missing_seen, "a finding with a span after a missing one");
                    assert!(span.start < span.end && span.end <= script.len());
                    assert!(script.is_char_boundary(span.start));
                    assert!(script.is_char_boundary(span.end));
                    assert!(span.start >= last_start, "findings out of order");
                    last_start = span.start;
                }
                None => missing_seen = true,
            }
            assert!(!f.explanation.is_empty());
        }
        let words = reading.balance.about_them + reading.balance.about_writer;
        assert!(words <= script.len(), "more words than bytes");
    }
}
