//! Writes the seed corpora in `fuzz/corpus/<target>/`: valid inputs made by Amends' own writers
//! (bundles sealed to the fixed fuzzing identity, contact codes, signed relay requests, the coach's
//! test scripts, export documents) and a few broken ones. Sealing is random, so the files differ
//! on every run: run it only when a format changes, and check in what it writes.
//!
//! cargo run -p amends-fuzzing --bin make-fuzz-seeds

use std::path::{Path, PathBuf};

use amends_fuzzing::{RELAY_NOW, receiver, sender};
use amends_relay_proto::{KeyHash, paths, sign_request_with_nonce};
use amends_share::document::{
    Body, Document, KeysOut, Part, ReviewBody, ReviewItemOut, ShareBody, SharedAttempt, SharedHarm,
    SharedParty, SharedPlan, SharedRule, SharedSafety, StopBody,
};
use amends_share::{Identity, PublicKeys, seal};
use ed25519_dalek::SigningKey;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn write(target: &str, name: &str, data: impl AsRef<[u8]>) {
    let dir = root().join("fuzz/corpus").join(target);
    std::fs::create_dir_all(&dir).expect("the corpus folder can be made");
    std::fs::write(dir.join(name), data).expect("the seed can be written");
}

fn main() {
    json_import();
    csv_import();
    bundle_open();
    contact_code();
    relay_request();
    coach();
}

fn json_import() {
    let fixtures = root().join("crates/vault/tests/fixtures");
    for name in [
        "export-1-first.json",
        "export-1-settings.json",
        "export-1-edits.json",
    ] {
        let text = std::fs::read_to_string(fixtures.join(name)).expect("the fixture reads");
        write("json_import", name, &text);
        if name == "export-1-first.json" {
            write(
                "json_import",
                "broken-cut-off.json",
                &text[..text.len() / 2],
            );
            write(
                "json_import",
                "broken-too-new.json",
                text.replacen("\"version\": 1", "\"version\": 99", 1),
            );
        }
    }
    write("json_import", "broken-empty-object.json", "{}");
    write(
        "json_import",
        "broken-other-format.json",
        "{\"format\": \"something-else\", \"version\": 1}",
    );
    write(
        "json_import",
        "broken-not-json.txt",
        "Name,What I did\nSam,late\n",
    );
}

fn csv_import() {
    let eighth = "\u{feff}Name,Relationship,What I did,Effect on them,What I should have done,Kind of harm,When,Owed,Willing?\r\n\
Mum,mother,Shouted at her at Christmas,She cried,Kept calm,emotional,2019,,yes\r\n\
Acme Ltd,employer,Took stationery,,,property,2018,\"$1,200.50\",later\r\n\
 mum ,,Missed her birthday,,,neglect; time,2020,,maybe\r\n\
Tom,old friend,,,,,,,\r\n\
\r\n\
,,,,,,,,\r\n";
    write("csv_import", "eighth-step.csv", eighth);
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in eighth.trim_start_matches('\u{feff}').encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    write("csv_import", "eighth-step-utf16le.csv", utf16);
    let spanish = "Nombre;Relación;Lo que hice;Cómo le afectó;Tipo de daño;Deuda;¿Dispuesto?\r\n\
José Peña;vecino;Le mentí sobre el coche;Perdió confianza;confianza y económico;1.200,50;sí\r\n\
Begoña;;Dejé de llamarla;;descuido;;más tarde\r\n";
    write("csv_import", "spanish-utf8.csv", spanish);
    let latin1: Vec<u8> = spanish
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect();
    write("csv_import", "spanish-windows-1252.csv", latin1);
    write(
        "csv_import",
        "resentment.csv",
        "I'm resentful at,The cause,Affects my,My part\n\
Dad,Never came to my games,Self-esteem,I lied to him about school\n\
The boss,Passed me over,\"Security, ambitions\",\n",
    );
    write(
        "csv_import",
        "harms-done-inventory.csv",
        "Who did I harm?,What did I do?,Did I arouse jealousy suspicion or bitterness?,Where was I at fault?,What should I have done instead?\n\
Ex-partner,Read her messages,Suspicion,Selfish and frightened,Talked to her\n",
    );
    write(
        "csv_import",
        "tabs-and-kinds.csv",
        "Name\tKind\tWhat I did\tOwed\tWilling\r\nZoë 🌱\tperson\tBorrowed the car\t12 EUR\tnow\r\nMe\tself\tneglected my health\t\tlater\r\n",
    );
    write(
        "csv_import",
        "sep-line-and-quotes.csv",
        "sep=;\nName;What I did\nAna;\"first line\nsecond line\"\nBen;\"=1+1\"\n;x\n",
    );
    write(
        "csv_import",
        "broken-cells.csv",
        "Name,What I did,Owed,Willing,Kind\nAna,ok,,soonish,\nBen,ok,twelve,now,\n,orphan,,,\nCal,ok,,,sideways\n1234,ok,,,\n",
    );
    write(
        "csv_import",
        "broken-not-csv.xlsx",
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
    );
    write(
        "csv_import",
        "broken-unreadable.csv",
        b"Name,What I did\n\xff\xfe\x81,\x8d\x90\n",
    );
}

fn keys_out(keys: &PublicKeys) -> KeysOut {
    KeysOut {
        age: keys.age_recipient(),
        sign: keys.sign_key_hex(),
    }
}

fn document(from: &Identity, to: &Identity, sequence: u64, body: Body) -> Document {
    Document {
        from: keys_out(&from.public()),
        to: keys_out(&to.public()),
        sequence,
        created: jiff::Timestamp::from_second(RELAY_NOW).expect("a valid time"),
        app: "amends 0.1.0".into(),
        body,
    }
}

fn bundle_open() {
    let (from, me) = (sender(), receiver());
    let share = Body::Share(ShareBody {
        whole_list: false,
        parts: vec![Part::Harms, Part::Plans, Part::Attempts],
        fellowship: "aa".into(),
        parties: vec![
            SharedParty {
                id: 7,
                name: "Dana".into(),
                kind: "person".into(),
                relationship: "sister".into(),
                stage: "planned".into(),
                stage_reason: "a plan is ready".into(),
                willingness: Some("now".into()),
                safety: Some(SharedSafety {
                    contact: "no-contact".into(),
                    contact_label: "no contact of any kind".into(),
                    methods: vec!["living".into(), "unsent-letter".into()],
                    review_required: true,
                    answered: true,
                    rules: vec![SharedRule {
                        code: "R4".into(),
                        title: "court order".into(),
                        reason: "A court order is in place between you.".into(),
                    }],
                    ..SharedSafety::default()
                }),
                harms: Some(vec![SharedHarm {
                    did: "Missed her wedding".into(),
                    kinds: vec!["emotional".into()],
                    owed: Some("USD 120.00".into()),
                    ..SharedHarm::default()
                }]),
                plan: Some(SharedPlan {
                    version: "3".into(),
                    method: "in-person".into(),
                    on: Some("2027-02-01".into()),
                    script: Some("Dana, I missed your wedding.".into()),
                    ..SharedPlan::default()
                }),
                attempts: Some(vec![SharedAttempt {
                    on: "2027-01-02".into(),
                    method: "letter".into(),
                    outcome: "no-answer".into(),
                    ..SharedAttempt::default()
                }]),
                commitments: None,
            },
            SharedParty {
                id: 9,
                name: "Acme Ltd".into(),
                kind: "organisation".into(),
                stage: "listed".into(),
                ..SharedParty::default()
            },
        ],
    });
    let review = Body::Review(ReviewBody {
        in_reply_to: 4,
        items: vec![ReviewItemOut {
            party: 7,
            plan_version: Some("3".into()),
            verdict: Some("talk-first".into()),
            safety_seen: Some("0".repeat(64)),
            text: "Let us talk about the timing first.".into(),
            written: jiff::Timestamp::from_second(RELAY_NOW).expect("a valid time"),
        }],
    });
    let docs = [
        ("share", document(&from, me, 5, share)),
        ("review", document(&from, me, 6, review)),
        ("stop", document(&from, me, 7, Body::Stop(StopBody {}))),
    ];
    let age_key: age::x25519::Identity = amends_fuzzing::RECEIVER_AGE_SECRET
        .parse()
        .expect("the fixed age key parses");
    for (name, doc) in &docs {
        let sealed = seal(doc, &from, &me.public()).expect("the bundle seals");
        let inside = age::decrypt(&age_key, &sealed).expect("the bundle opens");
        write("bundle_open", &format!("{name}.age"), &sealed);
        write("bundle_open", &format!("{name}-envelope.json"), inside);
        write(
            "bundle_open",
            &format!("{name}-document.json"),
            serde_json::to_vec(doc).expect("the document serialises"),
        );
    }
    // Sealed to someone else, and a bundle cut short.
    let elsewhere = seal(&docs[2].1, &from, &from.public()).expect("the bundle seals");
    write("bundle_open", "broken-not-for-me.age", &elsewhere);
    write(
        "bundle_open",
        "broken-cut-off.age",
        &elsewhere[..elsewhere.len() - 20],
    );
}

fn contact_code() {
    let codes = [
        sender().public().contact_code(),
        receiver().public().contact_code(),
    ];
    for (i, code) in codes.iter().enumerate() {
        write("contact_code", &format!("code-{i}.txt"), code);
    }
    let code = &codes[0];
    let spaced: String = code
        .chars()
        .enumerate()
        .flat_map(|(i, c)| {
            let gap = if i > 0 && i % 16 == 0 {
                Some('\n')
            } else {
                None
            };
            gap.into_iter().chain([c])
        })
        .collect();
    write(
        "contact_code",
        "code-pasted-in-lines.txt",
        format!("  {spaced}\r\n"),
    );
    let (body, check) = code.rsplit_once(':').expect("a code has a checksum");
    let parts: Vec<&str> = body.split(':').collect();
    write(
        "contact_code",
        "broken-upper-case-age-key.txt",
        format!(
            "amends:1:{}:{}:{}",
            parts[2].to_ascii_uppercase(),
            parts[3],
            check.to_ascii_uppercase()
        ),
    );
    write(
        "contact_code",
        "broken-checksum.txt",
        format!("{body}:0000"),
    );
    write(
        "contact_code",
        "broken-cut-off.txt",
        &code[..code.len() - 9],
    );
    write(
        "contact_code",
        "broken-too-new.txt",
        code.replacen(":1:", ":2:", 1),
    );
    write("contact_code", "broken-empty.txt", " \n");
}

fn request(key: &SigningKey, method: &str, target: &str, time: i64, body: &[u8]) -> Vec<u8> {
    let nonce = [0x11u8; 16];
    let h = sign_request_with_nonce(key, method, target, time, &nonce, body);
    let mut out = format!("{method} {target}\n").into_bytes();
    for (name, value) in h.pairs() {
        out.extend_from_slice(format!("{name}: {value}\n").as_bytes());
    }
    out.push(b'\n');
    out.extend_from_slice(body);
    out
}

fn relay_request() {
    let key = SigningKey::from_bytes(&amends_fuzzing::SENDER_SIGN_SEED);
    let other = SigningKey::from_bytes(&amends_fuzzing::RECEIVER_SIGN_SEED);
    let to = KeyHash::of(&other.verifying_key());
    let sealed = std::fs::read(root().join("fuzz/corpus/bundle_open/stop.age"))
        .expect("the bundle seeds are written first");
    let t = RELAY_NOW;
    write(
        "relay_request",
        "post-bundle.txt",
        request(&key, "POST", &paths::post_bundle(&to), t, &sealed),
    );
    write(
        "relay_request",
        "fetch.txt",
        request(
            &key,
            "GET",
            &format!("{}?limit=10", paths::FETCH),
            t - 30,
            b"",
        ),
    );
    write(
        "relay_request",
        "ack.txt",
        request(
            &key,
            "POST",
            paths::ACK,
            t + 30,
            br#"{"ids":["Zm9vYmFyYmF6cXV4","c2Vjb25kLWlk"]}"#,
        ),
    );
    write(
        "relay_request",
        "blocks.txt",
        request(&key, "GET", paths::BLOCKS, t, b""),
    );
    write(
        "relay_request",
        "block.txt",
        request(
            &other,
            "PUT",
            &paths::block(&KeyHash::of(&key.verifying_key())),
            t,
            b"",
        ),
    );
    write(
        "relay_request",
        "broken-expired.txt",
        request(&key, "GET", paths::FETCH, t - 600, b""),
    );
    write(
        "relay_request",
        "broken-unsigned.txt",
        format!("GET {}?limit=0\n\n", paths::FETCH),
    );
    let mut altered = request(&key, "POST", paths::ACK, t, br#"{"ids":["a"]}"#);
    altered.pop();
    altered.extend_from_slice(b"b\"]}");
    write("relay_request", "broken-altered-body.txt", altered);
}

fn coach() {
    for language in ["en", "es"] {
        let path = root().join(format!("crates/core/tests/coach_corpus/{language}.json"));
        let text = std::fs::read_to_string(path).expect("the coach corpus reads");
        let cases: Vec<serde_json::Value> =
            serde_json::from_str(&text).expect("the coach corpus is JSON");
        for case in cases {
            let id = case["id"].as_str().expect("a case has an id");
            let script = case["script"].as_str().expect("a case has a script");
            write("coach", &format!("{id}.txt"), script);
        }
    }
    write(
        "coach",
        "quoted-and-names.txt",
        "Sam, you said \u{201c}I'm sorry if you were hurt\u{201d}. I told Ana María and José about it. \u{ab}No fue culpa mía\u{bb}, O'Brien said.",
    );
    write("coach", "empty.txt", "");
}
