//! Sharing between vaults through the real binary: contact codes and fingerprints, a share
//! previewed and confirmed, opened by a sponsor, reviewed and sent back, and every way a bundle
//! must be refused without changing anything.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::str::FromStr;

use common::{Vault, stderr, stdout};
use serde_json::Value;

fn contact_code(v: &Vault) -> String {
    v.json(&["identity", "--json"])["contact_code"]
        .as_str()
        .expect("a contact code")
        .to_string()
}

fn fingerprint(v: &Vault) -> String {
    v.json(&["identity", "--json"])["fingerprint"]
        .as_str()
        .expect("a fingerprint")
        .to_string()
}

/// `sharer` shares with `supporter`: each adds the other's code and confirms the fingerprints.
/// The sharer calls the supporter `supporter_name` (a sponsor); the supporter calls the sharer
/// `sharer_name` (someone they support).
fn connect(sharer: &Vault, supporter_name: &str, supporter: &Vault, sharer_name: &str) {
    let out = sharer.ok(&[
        "contact",
        "add",
        &contact_code(supporter),
        "--name",
        supporter_name,
    ]);
    assert!(out.contains(&fingerprint(supporter)), "{out}");
    assert!(out.contains(&fingerprint(sharer)), "{out}");
    assert!(out.contains("Not verified yet"), "{out}");
    supporter.ok(&[
        "contact",
        "add",
        &contact_code(sharer),
        "--name",
        sharer_name,
        "--role",
        "supported",
    ]);
    sharer.ok(&["contact", "verify", supporter_name, "--yes"]);
    supporter.ok(&["contact", "verify", sharer_name, "--yes"]);
}

fn with_stdin(v: &Vault, args: &[&str], input: &str) -> Output {
    v.cmd()
        .args(args)
        .write_stdin(input)
        .output()
        .expect("the binary runs")
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// Shares with --yes into a new file beside the vault; returns the file.
fn share(v: &Vault, file: &str, extra: &[&str]) -> PathBuf {
    let out = v.file(file);
    let mut args = vec!["share", "--out", path_str(&out), "--yes"];
    args.extend_from_slice(extra);
    v.ok(&args);
    assert!(out.is_file());
    out
}

/// Everything sharing keeps, as the binary reports it, with the person's own records.
fn sharing_state(v: &Vault) -> Value {
    serde_json::json!({
        "export": v.export(),
        "contacts": v.json(&["contact", "list", "--json"]),
        "supported": v.json(&["supported", "--json"]),
        "shared": v.json(&["shared", "--json"]),
    })
}

/// `receive` is refused with a bundle refusal (exit 5) naming `reason`, and nothing changes.
fn refused_bundle(v: &Vault, file: &Path, reason: &str) -> String {
    let before = sharing_state(v);
    let err = v.fails(&["receive", path_str(file)], 5);
    common::assert_plain_words(&err);
    assert!(err.contains(reason), "expected `{reason}` in:\n{err}");
    assert!(err.contains("Nothing was changed"), "{err}");
    assert_eq!(
        sharing_state(v),
        before,
        "a refused bundle changed the vault"
    );
    err
}

/// A party that needs a sponsor's approval of its plan (R2), with a plan.
fn party_needing_review(v: &Vault, name: &str) -> i64 {
    let id = v.add_party(name, &["--relationship", "old flatmate"]);
    v.ok(&[
        "harm",
        "add",
        name,
        "--did",
        "Borrowed 100",
        "--owed",
        "100",
    ]);
    v.ok(&["willing", name, "now"]);
    v.ok(&["safety", name, "--my-safety"]);
    v.ok(&[
        "plan",
        name,
        "--method",
        "letter",
        "--script",
        "Dear Frank, I am sorry I never paid you back.",
    ]);
    assert_eq!(v.stage(name), "planned");
    id
}

fn review_standings(v: &Vault, party: &str) -> Vec<(String, String)> {
    v.show(party)["reviews"]
        .as_array()
        .expect("reviews are a list")
        .iter()
        .map(|r| {
            (
                r["standing"].as_str().unwrap().to_string(),
                r["comment"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_share_goes_to_a_sponsor_and_their_review_comes_back() {
    let a = Vault::init();
    let b = Vault::init();
    connect(&a, "Sam", &b, "Alex");
    let contacts = a.json(&["contact", "list", "--json"]);
    assert_eq!(contacts[0]["name"], "Sam");
    assert_eq!(contacts[0]["role"], "sponsor");
    assert_eq!(contacts[0]["verified"], true);
    assert_eq!(contacts[0]["fingerprint"], fingerprint(&b));

    let frank = party_needing_review(&a, "Frank");
    let s1 = a.file("s1.age");
    let out = a.ok(&[
        "share",
        "--to",
        "Sam",
        "--parts",
        "plans,scripts",
        "--out",
        path_str(&s1),
        "--yes",
    ]);
    // The preview shows every party with every shared field, and what is not shared.
    assert!(out.contains("Frank"), "{out}");
    assert!(out.contains("old flatmate"), "{out}");
    assert!(out.contains("| Dear Frank, I am sorry"), "{out}");
    assert!(out.contains("Not included: harms"), "{out}");
    assert!(
        !out.contains("Borrowed 100"),
        "harms were not chosen:\n{out}"
    );
    assert!(out.contains("number 1"), "{out}");
    let name = s1.file_name().unwrap().to_str().unwrap();
    let shared = a.json(&["shared", "--json"]);
    assert_eq!(shared.as_array().unwrap().len(), 1);
    assert_eq!(shared[0]["to"], "Sam");
    assert_eq!(shared[0]["kind"], "share");
    assert_eq!(shared[0]["sequence"], 1);
    assert!(!name.contains("Frank"));

    let out = b.ok(&["receive", path_str(&s1)]);
    assert!(out.contains("Opened a share from Alex: 1 party"), "{out}");
    assert!(out.contains("first"), "{out}");
    let glance = b.json(&["supported", "--json"]);
    assert_eq!(glance.as_array().unwrap().len(), 1);
    assert_eq!(glance[0]["name"], "Alex");
    assert_eq!(glance[0]["parties"], 1);
    assert_eq!(glance[0]["plans_to_review"], 1);
    assert_eq!(glance[0]["by_stage"][0]["stage"], "planned");
    let text = b.ok(&["supported"]);
    assert!(text.contains("plans to review: 1"), "{text}");
    let held = b.json(&["supported", "Alex", "--json"]);
    assert_eq!(held["first"], true);
    let party = &held["share"]["parties"][0];
    assert_eq!(party["name"], "Frank");
    assert_eq!(party["id"], frank);
    assert!(party["plan"]["script"].as_str().unwrap().contains("sorry"));
    assert!(party.get("harms").is_none(), "harms were not shared");
    // The supporter's own list is untouched.
    assert!(b.party_list().is_empty());

    // A adds someone and shares again: B sees the difference.
    a.open_party("Grace");
    let s2 = share(&a, "s2.age", &["--to", "Sam", "--parts", "plans,scripts"]);
    let out = b.ok(&["receive", path_str(&s2)]);
    assert!(out.contains("replaces the one before"), "{out}");
    assert!(out.contains("Grace: newly shared"), "{out}");
    let held = b.json(&["supported", "Alex", "--json"]);
    assert_eq!(held["first"], false);
    assert_eq!(held["share"]["parties"].as_array().unwrap().len(), 2);
    assert_eq!(held["changes"][0]["party"], "Grace");
    let text = b.ok(&["supported", "Alex"]);
    assert!(text.contains("Changed since the share before"), "{text}");
    assert!(text.contains("Grace: newly shared"), "{text}");

    // B approves the plan with a comment, and adds a comment on the party by its name.
    let frank_id = frank.to_string();
    b.ok(&[
        "review",
        "Alex",
        "--party",
        &frank_id,
        "--approve",
        "--comment",
        "Kind and clear. Go ahead.",
    ]);
    b.ok(&[
        "review",
        "Alex",
        "--party",
        "frank",
        "--comment",
        "Call me before you post it.",
    ]);
    let held = b.json(&["supported", "Alex", "--json"]);
    assert_eq!(held["unsent_notes"].as_array().unwrap().len(), 2);
    let r1 = b.file("r1.age");
    let out = b.ok(&["review", "Alex", "--send", "--out", path_str(&r1), "--yes"]);
    assert!(out.contains("2 notes"), "{out}");
    assert!(out.contains("Kind and clear"), "{out}");
    let held = b.json(&["supported", "Alex", "--json"]);
    assert!(held["unsent_notes"].as_array().unwrap().is_empty());
    assert_eq!(b.json(&["shared", "--json"])[0]["kind"], "review");

    let out = a.ok(&["receive", path_str(&r1)]);
    assert!(out.contains("Opened a review from Sam"), "{out}");
    assert!(out.contains("1 comment added"), "{out}");
    assert!(out.contains("1 view on your plans"), "{out}");
    // The approval counts as the consultation R2 asks for: the party is ready.
    assert_eq!(a.stage("Frank"), "ready");
    assert_eq!(
        review_standings(&a, "Frank"),
        vec![
            (
                "counts".to_string(),
                "Kind and clear. Go ahead.".to_string()
            ),
            (
                "comment".to_string(),
                "Call me before you post it.".to_string()
            ),
        ]
    );
    let detail = a.show("Frank");
    assert_eq!(detail["reviews"][0]["from"], "Sam");
    assert_eq!(detail["reviews"][0]["verdict"], "approved");
    assert_eq!(detail["consultations"][0]["approved"], true);
    let text = a.ok(&["show", "Frank"]);
    assert!(
        text.contains("Reviews from people you share with"),
        "{text}"
    );
    assert!(text.contains("from Sam: approved the plan"), "{text}");
    assert!(text.contains("counts for the plan as it is now"), "{text}");
    assert!(text.contains("Call me before you post it."), "{text}");

    // A changes the plan: the approval was for the earlier version and no longer counts.
    a.ok(&["plan", "Frank", "--place", "the post office"]);
    assert_eq!(a.stage("Frank"), "planned");
    assert_eq!(review_standings(&a, "Frank")[0].0, "earlier-plan");
    let text = a.ok(&["show", "Frank"]);
    assert!(text.contains("no longer counts"), "{text}");

    // B approves the plan as they last saw it, but A changed it again before opening the
    // review: the approval is kept, marked as about an older plan, and does not count.
    let s3 = share(&a, "s3.age", &["--to", "Sam", "--parts", "plans"]);
    b.ok(&["receive", path_str(&s3)]);
    b.ok(&["review", "Alex", "--party", &frank_id, "--approve"]);
    let r2 = b.file("r2.age");
    b.ok(&["review", "Alex", "--send", "--out", path_str(&r2), "--yes"]);
    a.ok(&["plan", "Frank", "--place", "his house"]);
    let out = a.ok(&["receive", path_str(&r2)]);
    assert!(out.contains("not counted"), "{out}");
    assert_eq!(a.stage("Frank"), "planned");
    assert_eq!(review_standings(&a, "Frank")[2].0, "stale");
}

#[test]
fn an_altered_bundle_is_refused_and_changes_nothing() {
    let a = Vault::init();
    let b = Vault::init();
    connect(&a, "Sam", &b, "Alex");
    a.open_party("Frank");
    let good = share(&a, "s1.age", &["--to", "Sam"]);
    let mut bytes = std::fs::read(&good).unwrap();
    let n = bytes.len();
    bytes[n - 40] ^= 0x01;
    let bad = b.file("altered.age");
    std::fs::write(&bad, &bytes).unwrap();
    refused_bundle(&b, &bad, "damaged or was changed");

    let junk = b.file("notes.txt");
    std::fs::write(&junk, "hello, this is not a bundle").unwrap();
    refused_bundle(&b, &junk, "not an Amends bundle");

    // The refusals used nothing up: the real one still opens.
    b.ok(&["receive", path_str(&good)]);
}

#[test]
fn a_bundle_for_someone_else_is_refused() {
    let a = Vault::init();
    let b = Vault::init();
    let c = Vault::init();
    connect(&a, "Sam", &b, "Alex");
    connect(&a, "Chris", &c, "Alex");
    a.open_party("Frank");
    let for_b = share(&a, "for-b.age", &["--to", "Sam"]);
    refused_bundle(&c, &for_b, "addressed to someone else");
}

#[test]
fn a_bundle_from_an_unknown_or_unconfirmed_signer_is_refused() {
    let a = Vault::init();
    let b = Vault::init();
    // A has B as a verified contact; B never added A.
    a.ok(&["contact", "add", &contact_code(&b), "--name", "Sam"]);
    a.ok(&["contact", "verify", "Sam", "--yes"]);
    a.open_party("Frank");
    let s1 = share(&a, "s1.age", &["--to", "Sam"]);
    refused_bundle(&b, &s1, "not in your contacts");

    // B adds A but has not compared fingerprints yet.
    b.ok(&[
        "contact",
        "add",
        &contact_code(&a),
        "--name",
        "Alex",
        "--role",
        "supported",
    ]);
    refused_bundle(&b, &s1, "have not confirmed");

    b.ok(&["contact", "verify", "Alex", "--yes"]);
    b.ok(&["receive", path_str(&s1)]);
}

#[test]
fn a_bundle_opened_before_or_older_than_one_opened_is_refused() {
    let a = Vault::init();
    let b = Vault::init();
    connect(&a, "Sam", &b, "Alex");
    a.open_party("Frank");
    let s1 = share(&a, "s1.age", &["--to", "Sam"]);
    let s2 = share(&a, "s2.age", &["--to", "Sam"]);
    b.ok(&["receive", path_str(&s1)]);
    refused_bundle(&b, &s1, "older than, or the same as");
    b.ok(&["receive", path_str(&s2)]);
    refused_bundle(&b, &s1, "older than, or the same as");
    refused_bundle(&b, &s2, "older than, or the same as");
}

/// Opens a bundle's age layer with the receiver's key, as anyone holding it could, changes the
/// envelope's text with `edit`, and seals it again for the same receiver.
fn reseal(receiver: &Vault, bundle: &Path, edit: impl Fn(&str) -> String) -> Vec<u8> {
    let key_file = receiver.ok(&["identity", "--age-key"]);
    let secret = key_file
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
        .expect("an age secret key");
    let identity = age::x25519::Identity::from_str(secret).expect("an age identity");
    let plain = age::decrypt(&identity, &std::fs::read(bundle).unwrap()).expect("it opens");
    let text = String::from_utf8(plain).expect("the envelope is text");
    let changed = edit(&text);
    assert_ne!(changed, text, "the edit changed nothing");
    age::encrypt(&identity.to_public(), changed.as_bytes()).unwrap()
}

#[test]
fn a_bundle_from_a_newer_version_is_refused_but_unknown_extra_fields_are_read() {
    let a = Vault::init();
    let b = Vault::init();
    connect(&a, "Sam", &b, "Alex");
    a.open_party("Frank");
    let s1 = share(&a, "s1.age", &["--to", "Sam"]);

    let newer = reseal(&b, &s1, |t| {
        t.replacen("\"version\":1,", "\"version\":2,", 1)
    });
    let file = b.file("newer.age");
    std::fs::write(&file, newer).unwrap();
    let err = refused_bundle(&b, &file, "newer version of Amends");
    assert!(err.contains("format 2"), "{err}");

    // Version 1 with a field this version does not know: it still opens.
    let extra = reseal(&b, &s1, |t| {
        t.replacen('{', "{\"added_later\":{\"x\":1},", 1)
    });
    let file = b.file("extra.age");
    std::fs::write(&file, extra).unwrap();
    let out = b.ok(&["receive", path_str(&file)]);
    assert!(out.contains("Opened a share from Alex"), "{out}");
}

#[test]
fn only_a_verified_contact_can_be_shared_with() {
    let a = Vault::init();
    let b = Vault::init();
    a.ok(&["contact", "add", &contact_code(&b), "--name", "Sam"]);
    a.open_party("Frank");
    let out = a.file("s1.age");
    let err = a.fails(
        &["share", "--to", "Sam", "--out", path_str(&out), "--yes"],
        2,
    );
    common::assert_plain_words(&err);
    assert!(err.contains("confirmed"), "{err}");
    assert!(!out.exists());
    assert!(a.json(&["shared", "--json"]).as_array().unwrap().is_empty());

    // Answering anything but yes when verifying changes nothing.
    let o = with_stdin(&a, &["contact", "verify", "Sam"], "maybe\n");
    assert!(!o.status.success());
    assert!(stdout(&o).contains(&fingerprint(&b)), "{}", stdout(&o));
    assert!(stderr(&o).contains("Type yes"), "{}", stderr(&o));
    assert_eq!(a.json(&["contact", "list", "--json"])[0]["verified"], false);
    let o = with_stdin(&a, &["contact", "verify", "Sam"], "yes\n");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(a.json(&["contact", "list", "--json"])[0]["verified"], true);
}

#[test]
fn nothing_is_sealed_without_the_preview_and_a_yes() {
    let a = Vault::init();
    let b = Vault::init();
    connect(&a, "Sam", &b, "Alex");
    let frank = a.open_party("Frank");
    a.ok(&["harm", "add", "Frank", "--did", "Shouted at him"]);
    a.open_party("Grace");
    let out = a.file("s1.age");
    let args = [
        "share",
        "--to",
        "Sam",
        "--party",
        "Frank",
        "--parts",
        "harms",
        "--out",
        path_str(&out),
    ];
    let before = sharing_state(&a);
    let o = with_stdin(&a, &args, "no\n");
    assert!(!o.status.success());
    let preview = stdout(&o);
    assert!(preview.contains("1 chosen party"), "{preview}");
    assert!(preview.contains(&format!("#{frank} Frank")), "{preview}");
    assert!(preview.contains("Shouted at him"), "{preview}");
    assert!(!preview.contains("Grace"), "{preview}");
    assert!(
        stderr(&o).contains("Type yes to seal it for Sam"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("Nothing was sealed"), "{}", stderr(&o));
    assert!(!out.exists(), "a file was written without a yes");
    assert_eq!(sharing_state(&a), before, "declining changed something");

    // No answer at all is not a yes either.
    let o = with_stdin(&a, &args, "");
    assert!(!o.status.success());
    assert!(!out.exists());

    let o = with_stdin(&a, &args, "yes\n");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.is_file());
    let shared = a.json(&["shared", "--json"]);
    assert_eq!(shared.as_array().unwrap().len(), 1);
    assert!(shared[0]["what"].as_str().unwrap().contains("harms"));

    // An existing file is never overwritten.
    let before = std::fs::read(&out).unwrap();
    let err = a.fails(
        &["share", "--to", "Sam", "--out", path_str(&out), "--yes"],
        2,
    );
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read(&out).unwrap(), before);
    assert_eq!(a.json(&["shared", "--json"]).as_array().unwrap().len(), 1);
}

#[test]
fn stopping_asks_the_receiver_to_delete_what_it_holds() {
    let a = Vault::init();
    let b = Vault::init();
    connect(&a, "Sam", &b, "Alex");
    let frank = a.open_party("Frank").to_string();
    a.ok(&["harm", "add", "Frank", "--did", "Borrowed 100"]);
    a.ok(&["safety", "Frank", "--none"]);
    a.ok(&["plan", "Frank", "--method", "letter"]);
    let s1 = share(&a, "s1.age", &["--to", "Sam", "--parts", "plans"]);
    b.ok(&["receive", path_str(&s1)]);
    b.ok(&[
        "review",
        "Alex",
        "--party",
        &frank,
        "--comment",
        "Well done",
    ]);
    assert_eq!(
        b.json(&["supported", "--json"]).as_array().unwrap().len(),
        1
    );

    // Without --out, nothing is changed: the contact stays.
    let before = sharing_state(&a);
    let err = a.fails(&["contact", "remove", "Sam"], 2);
    assert!(err.contains("--out"), "{err}");
    assert_eq!(sharing_state(&a), before);

    let stop = a.file("stop.age");
    let out = a.ok(&["contact", "remove", "Sam", "--out", path_str(&stop)]);
    assert!(out.contains("cannot be recalled"), "{out}");
    assert!(stop.is_file());
    assert!(
        a.json(&["contact", "list", "--json"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    let log = a.json(&["shared", "--json"]);
    assert_eq!(log[0]["kind"], "stop");
    assert_eq!(log[0]["to"], "Sam");

    let out = b.ok(&["receive", path_str(&stop)]);
    assert!(out.contains("stopped sharing"), "{out}");
    assert!(
        b.json(&["supported", "--json"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(b.ok(&["supported"]).contains("No one shares"));
    // The stop cannot be replayed either.
    refused_bundle(&b, &stop, "older than, or the same as");
}

#[test]
fn the_age_tool_opens_the_outer_layer_with_the_exported_key() {
    let a = Vault::init();
    let b = Vault::init();
    connect(&a, "Sam", &b, "Alex");
    a.open_party("Frank");
    let s1 = share(&a, "s1.age", &["--to", "Sam"]);
    let (key, warning) = b.ok_both(&["identity", "--age-key"]);
    assert!(warning.contains("secret key"), "{warning}");
    assert!(key.contains("# public key: age1"), "{key}");
    let age = Path::new("/usr/bin/age");
    if !age.exists() {
        eprintln!("note: /usr/bin/age is not installed; skipping the check with the age tool");
        return;
    }
    let key_file = b.file("me.agekey");
    std::fs::write(&key_file, &key).unwrap();
    let o = std::process::Command::new(age)
        .arg("-d")
        .arg("-i")
        .arg(&key_file)
        .arg(&s1)
        .output()
        .expect("age runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON inside");
    assert_eq!(v["format"], "amends-bundle");
    assert_eq!(v["version"], 1);
    assert_eq!(v["document"]["body"]["parties"][0]["name"], "Frank");
}

#[test]
fn a_new_vault_has_its_identity_from_the_start() {
    let a = Vault::init();
    let before = std::fs::read(&a.path).unwrap();
    let code = contact_code(&a);
    assert!(code.starts_with("amends:1:age1"), "{code}");
    assert_eq!(contact_code(&a), code);
    assert_eq!(
        std::fs::read(&a.path).unwrap(),
        before,
        "asking for the identity wrote to the vault: it was not made at init"
    );
    // Someone's own code is not a contact.
    let err = a.fails(&["contact", "add", &code, "--name", "Me"], 2);
    assert!(err.contains("your own contact code"), "{err}");
}

/// A party under a court order (R4), with a harm and an unsent letter planned: one of the ways
/// a court order leaves open.
fn party_under_court_order(v: &Vault, name: &str) -> i64 {
    let id = v.add_party(name, &["--relationship", "ex-partner"]);
    v.ok(&["harm", "add", name, "--did", "Frightened her"]);
    v.ok(&["willing", name, "now"]);
    v.ok(&["safety", name, "--court-order"]);
    v.ok(&[
        "plan",
        name,
        "--method",
        "unsent-letter",
        "--script",
        "Gail, I frightened you, and I am sorry.",
    ]);
    id
}

/// The shared party with this id in the sponsor's view of `sharer` (JSON).
fn held_party(sponsor: &Vault, sharer: &str, id: i64) -> Value {
    let held = sponsor.json(&["supported", sharer, "--json"]);
    held["share"]["parties"]
        .as_array()
        .expect("parties")
        .iter()
        .find(|p| p["id"] == id)
        .expect("the party is in the share")
        .clone()
}

const COURT_ORDER_REASON: &str =
    "A court order is in place between you. Make no contact of any kind";

#[test]
fn a_court_order_reaches_the_sponsor_with_its_reason_before_the_plan() {
    let a = Vault::init();
    let b = Vault::init();
    connect(&a, "Sam", &b, "Alex");
    let gail = party_under_court_order(&a, "Gail");

    // The preview prints exactly what will be sealed: the verdict first, then the plan.
    let s1 = a.file("s1.age");
    let preview = a.ok(&[
        "share",
        "--to",
        "Sam",
        "--parts",
        "plans,scripts",
        "--out",
        path_str(&s1),
        "--yes",
    ]);
    let at = |text: &str, what: &str| {
        text.find(what)
            .unwrap_or_else(|| panic!("`{what}` is missing from:\n{text}"))
    };
    assert!(at(&preview, "safety verdict: no contact of any kind") < at(&preview, "plan:"));
    assert!(at(&preview, "R4 court order: ") < at(&preview, "| Gail, I frightened you"));
    assert!(preview.contains(COURT_ORDER_REASON), "{preview}");
    assert!(preview.contains("--without-verdict"), "{preview}");

    b.ok(&["receive", path_str(&s1)]);
    // JSON: the rules with their codes, titles and reasons; nothing the person typed about it.
    let party = held_party(&b, "Alex", gail);
    let safety = &party["safety"];
    assert_eq!(safety["contact"], "no-contact");
    assert_eq!(safety["contact_label"], "no contact of any kind");
    assert_eq!(safety["review_required"], true);
    assert_eq!(safety["answered"], true);
    let methods: Vec<&str> = safety["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(methods.contains(&"unsent-letter") && !methods.contains(&"letter"));
    let r4 = safety["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "R4")
        .expect("R4 is shared");
    assert_eq!(r4["title"], "court order");
    assert!(
        r4["reason"].as_str().unwrap().contains(COURT_ORDER_REASON),
        "{r4}"
    );
    assert!(
        safety["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == "R2")
    );
    let held = b.json(&["supported", "Alex", "--json"]);
    assert!(held["safety_not_shared"].as_array().unwrap().is_empty());
    // Text: the verdict comes before the plan and its script.
    let text = b.ok(&["supported", "Alex"]);
    assert!(text.contains(COURT_ORDER_REASON), "{text}");
    assert!(at(&text, "R4 court order") < at(&text, "plan:"), "{text}");
    assert!(at(&text, "R4 court order") < at(&text, "| Gail, I frightened you"));
    assert!(
        text.contains("Each party's safety verdict is included"),
        "{text}"
    );

    // The sponsor's view of the plan is tied to that verdict, and says so.
    let out = b.ok(&["review", "Alex", "--party", &gail.to_string(), "--approve"]);
    assert!(at(&out, "R4 court order") < at(&out, "Note "), "{out}");
    assert!(out.contains("tied to this verdict"), "{out}");
    let held = b.json(&["supported", "Alex", "--json"]);
    let note = &held["unsent_notes"][0];
    assert_eq!(note["on_current_safety"], true);
    assert_eq!(note["safety_seen"].as_str().unwrap().len(), 64);
    let preview = b.ok(&["supported", "Alex"]);
    assert!(
        preview.contains("given on their safety verdict: no contact of any kind (R4 court order, R2 review first)"),
        "{preview}"
    );
}

#[test]
fn a_verdict_left_out_of_a_share_is_said_to_be_not_shared() {
    let a = Vault::init();
    let b = Vault::init();
    connect(&a, "Sam", &b, "Alex");
    let gail = party_under_court_order(&a, "Gail");
    let frank = party_needing_review(&a, "Frank");

    // A party not being shared cannot have its verdict left out: nothing is sealed.
    let out = a.file("s0.age");
    let err = a.fails(
        &[
            "share",
            "--to",
            "Sam",
            "--party",
            "Frank",
            "--without-verdict",
            "Gail",
            "--out",
            path_str(&out),
            "--yes",
        ],
        2,
    );
    assert!(err.contains("without-verdict"), "{err}");
    assert!(!out.exists());
    assert!(a.json(&["shared", "--json"]).as_array().unwrap().is_empty());

    let s1 = a.file("s1.age");
    let preview = a.ok(&[
        "share",
        "--to",
        "Sam",
        "--parts",
        "plans",
        "--without-verdict",
        "Gail",
        "--out",
        path_str(&s1),
        "--yes",
    ]);
    assert!(!preview.contains(COURT_ORDER_REASON), "{preview}");
    assert!(
        preview.contains("left out (--without-verdict)"),
        "{preview}"
    );
    assert!(
        preview.contains("R7 one's own safety"),
        "Frank's still goes:\n{preview}"
    );
    let log = a.json(&["shared", "--json"]);
    assert!(
        log[0]["what"]
            .as_str()
            .unwrap()
            .contains("the safety verdict left out for 1 party"),
        "{log}"
    );

    b.ok(&["receive", path_str(&s1)]);
    let party = held_party(&b, "Alex", gail);
    assert!(party.get("safety").is_none(), "{party}");
    assert!(held_party(&b, "Alex", frank).get("safety").is_some());
    let held = b.json(&["supported", "Alex", "--json"]);
    assert_eq!(held["safety_not_shared"], serde_json::json!([gail]));
    let text = b.ok(&["supported", "Alex"]);
    assert!(!text.contains("R4"), "{text}");
    let gail_at = text.find("Gail (").expect("Gail is listed");
    let gail_part = &text[gail_at..];
    assert!(
        gail_part.contains("safety verdict: The safety verdict was not shared."),
        "{text}"
    );
    assert!(
        text.contains("The safety verdict was not shared for 1 party"),
        "{text}"
    );
    // A view on that plan goes without a verdict, and says so.
    let out = b.ok(&["review", "Alex", "--party", "Gail", "--approve"]);
    assert!(
        out.contains("The safety verdict was not shared for Gail"),
        "{out}"
    );
}

#[test]
fn an_approval_given_before_the_safety_answers_changed_does_not_count() {
    let a = Vault::init();
    let b = Vault::init();
    connect(&a, "Sam", &b, "Alex");
    let frank = party_needing_review(&a, "Frank").to_string();
    let s1 = share(&a, "s1.age", &["--to", "Sam", "--parts", "plans"]);
    b.ok(&["receive", path_str(&s1)]);

    // The sponsor approves the plan on the verdict they saw (R7) and sends the review.
    b.ok(&["review", "Alex", "--party", &frank, "--approve"]);
    let r1 = b.file("r1.age");
    b.ok(&["review", "Alex", "--send", "--out", path_str(&r1), "--yes"]);

    // Before it is opened, Frank's safety answers change: he harmed the person (R6).
    a.ok(&["safety", "Frank", "--harmed-me"]);
    let out = a.ok(&["receive", path_str(&r1)]);
    assert!(out.contains("not counted"), "{out}");
    assert!(
        out.contains("Your safety answers changed after your sponsor reviewed, or the verdict was not shared while a rule applies; share again, with the verdict."),
        "{out}"
    );
    assert_eq!(a.stage("Frank"), "planned");
    let detail = a.show("Frank");
    assert_eq!(detail["reviews"][0]["standing"], "safety-changed");
    let gaps: Vec<&str> = detail["readiness_gaps"]
        .as_array()
        .expect("the gaps to ready")
        .iter()
        .map(|g| g.as_str().unwrap())
        .collect();
    assert!(
        gaps.iter().any(|g| g.contains("approv")),
        "the review gap stays: {gaps:?}"
    );
    let text = a.ok(&["show", "Frank"]);
    assert!(
        text.contains("your safety answers changed after your sponsor reviewed; share again"),
        "{text}"
    );

    // Shared again: the sponsor sees what changed, approves the verdict as it is now, and
    // that approval counts.
    let s2 = share(&a, "s2.age", &["--to", "Sam", "--parts", "plans"]);
    let out = b.ok(&["receive", path_str(&s2)]);
    assert!(out.contains("the safety verdict changed"), "{out}");
    assert!(out.contains("R6 one's own abuser"), "{out}");
    b.ok(&["review", "Alex", "--party", &frank, "--approve"]);
    let r2 = b.file("r2.age");
    b.ok(&["review", "Alex", "--send", "--out", path_str(&r2), "--yes"]);
    let out = a.ok(&["receive", path_str(&r2)]);
    assert!(out.contains("1 view on your plans"), "{out}");
    assert_eq!(a.stage("Frank"), "ready");
    assert_eq!(a.show("Frank")["reviews"][1]["standing"], "counts");

    // Answers changed after it counted un-count it, as a plan edit does.
    a.ok(&["safety", "Frank", "--legal-risk"]);
    assert_eq!(a.stage("Frank"), "planned");
    assert_eq!(a.show("Frank")["reviews"][1]["standing"], "earlier-safety");
    let text = a.ok(&["show", "Frank"]);
    assert!(
        text.contains("so it no longer counts; share again"),
        "{text}"
    );
}

#[test]
fn an_approval_given_without_the_verdict_does_not_count_where_a_rule_applies() {
    let a = Vault::init();
    let b = Vault::init();
    connect(&a, "Sam", &b, "Alex");
    // Frank needs review (R7): his verdict is left out of the share.
    let frank = party_needing_review(&a, "Frank").to_string();
    let s1 = share(
        &a,
        "s1.age",
        &[
            "--to",
            "Sam",
            "--parts",
            "plans",
            "--without-verdict",
            "Frank",
        ],
    );
    let out = b.ok(&["receive", path_str(&s1)]);
    assert!(!out.contains("R7"), "the verdict was left out: {out}");
    b.ok(&["review", "Alex", "--party", &frank, "--approve"]);
    let r1 = b.file("r1.age");
    b.ok(&["review", "Alex", "--send", "--out", path_str(&r1), "--yes"]);
    let out = a.ok(&["receive", path_str(&r1)]);
    // The sponsor approved without knowing the rule that applies: it does not count (R2).
    assert!(out.contains("not counted"), "{out}");
    assert!(
        out.contains("the verdict was not shared while a rule applies"),
        "{out}"
    );
    assert_eq!(a.stage("Frank"), "planned");
    assert_eq!(
        a.show("Frank")["reviews"][0]["standing"],
        "verdict-not-seen"
    );
    let text = a.ok(&["show", "Frank"]);
    assert!(
        text.contains("your sponsor reviewed without seeing the safety verdict"),
        "{text}"
    );
}
