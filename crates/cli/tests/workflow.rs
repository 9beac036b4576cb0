//! Steps 8 and 9 end to end, the way a person works them: the stage follows from what is recorded.

use crate::common;

use common::{Vault, days_from_today, today};
use serde_json::{Value, json};

fn due(v: &Vault, within: &str) -> Vec<Value> {
    v.json(&["due", "--json", "--within", within])
        .as_array()
        .expect("due is a list")
        .clone()
}

fn due_of_kind<'a>(items: &'a [Value], kind: &str) -> Vec<&'a Value> {
    items.iter().filter(|d| d["kind"] == kind).collect()
}

#[test]
fn from_the_list_to_restitution_paid_in_full() {
    let v = Vault::init_with(&["--currency", "EUR"]);
    v.add_party("Frank", &["--relationship", "old flatmate"]);
    assert_eq!(v.stage("Frank"), "listed");
    v.ok(&[
        "harm",
        "add",
        "Frank",
        "--did",
        "Borrowed 100 and never paid it back",
        "--kind",
        "financial,trust",
        "--owed",
        "100",
    ]);
    assert_eq!(v.stage("Frank"), "listed");
    assert!(
        v.stage_reason("Frank")
            .contains("not yet asked how willing")
    );

    v.ok(&["willing", "Frank", "later"]);
    assert_eq!(v.stage("Frank"), "listed");
    v.ok(&["willing", "Frank", "now"]);
    assert_eq!(v.stage("Frank"), "willing");

    let plan = [
        "plan",
        "Frank",
        "--method",
        "face-to-face",
        "--on",
        "tomorrow",
        "--place",
        "his work",
    ];
    // A plan that reaches them waits until the safety questions are answered.
    let err = v.refused(&plan, 3);
    assert!(
        err.contains("safety questions have not been answered"),
        "{err}"
    );
    assert!(err.contains("amends safety PARTY --none"), "{err}");
    assert_eq!(v.stage("Frank"), "willing");
    assert!(due_of_kind(&due(&v, "30"), "plan").is_empty());

    v.ok(&["safety", "Frank", "--none"]);
    let out = v.ok(&plan);
    assert!(out.contains("Stage: ready"), "{out}");
    assert_eq!(v.stage("Frank"), "ready");
    assert!(
        v.stage_reason("Frank")
            .starts_with("ready: face to face on")
    );
    let plan_due = due(&v, "30");
    let plan_due = due_of_kind(&plan_due, "plan");
    assert_eq!(plan_due.len(), 1);
    assert_eq!(plan_due[0]["on"], days_from_today(1));
    assert_eq!(plan_due[0]["party"], "Frank");

    let out = v.ok(&[
        "attempt",
        "Frank",
        "--method",
        "phone",
        "--outcome",
        "no-answer",
    ]);
    assert!(out.contains("Stage: attempted"), "{out}");
    assert_eq!(v.stage("Frank"), "attempted");
    // The planned date stays on the list until an attempt follows the plan... which it now has.
    assert!(due_of_kind(&due(&v, "30"), "plan").is_empty());

    v.ok(&[
        "attempt",
        "Frank",
        "--method",
        "face-to-face",
        "--outcome",
        "with-request",
        "--requests",
        "pay me back in two goes",
    ]);
    assert_eq!(v.stage("Frank"), "made");
    let reason = v.stage_reason("Frank");
    assert!(
        reason.contains("money is owed") && reason.contains("100.00 EUR"),
        "{reason}"
    );

    let out = v.ok(&[
        "commit",
        "restitution",
        "Frank",
        "--amount",
        "100",
        "--instalment",
        "40",
        "--every",
        "monthly",
        "--starting",
        "2020-01-01",
    ]);
    assert!(out.contains("Commitment #1 recorded"), "{out}");
    assert!(out.contains("amends pay 1 AMOUNT"), "{out}");
    assert_eq!(v.stage("Frank"), "following-through");
    assert!(
        v.stage_reason("Frank")
            .contains("100.00 EUR still to repay")
    );

    let payments = due(&v, "30");
    let payments = due_of_kind(&payments, "payment");
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0]["on"], "2020-01-01");
    assert_eq!(payments[0]["overdue"], true);
    assert_eq!(payments[0]["commitment_id"], 1);
    assert_eq!(payments[0]["amount"]["display"], "40.00 EUR");
    let status = v.json(&["status", "--json"]);
    assert_eq!(status["outstanding"][0]["display"], "100.00 EUR");
    assert!(status["due_now"].as_u64().unwrap() >= 1);

    assert_eq!(
        v.ok(&["pay", "1", "40"]).trim(),
        "Payment recorded. Balance: 60.00 EUR."
    );
    let next = due(&v, "30");
    let next = due_of_kind(&next, "payment");
    assert_eq!(
        next[0]["on"], "2020-02-01",
        "the next instalment is a month on"
    );
    v.ok(&["pay", "1", "40", "--note", "second go"]);
    assert!(v.stage_reason("Frank").contains("20.00 EUR still to repay"));
    // The last instalment is only what is left.
    assert_eq!(
        due_of_kind(&due(&v, "30"), "payment")[0]["amount"]["display"],
        "20.00 EUR"
    );
    assert_eq!(
        v.ok(&["pay", "1", "20"]).trim(),
        "Payment recorded. The restitution is paid in full."
    );

    assert_eq!(v.stage("Frank"), "complete");
    assert!(
        v.stage_reason("Frank")
            .starts_with("complete: amends made on")
    );
    assert!(due_of_kind(&due(&v, "30"), "payment").is_empty());
    let c = &v.json(&["commitments", "Frank", "--json"])[0];
    assert_eq!(c["open"], false);
    assert_eq!(c["balance"]["minor"], 0);
    assert_eq!(c["paid"]["display"], "100.00 EUR");
    assert_eq!(c["payments"].as_array().unwrap().len(), 3);
    assert_eq!(c["payments"][1]["note"], "second go");
    let line = v.ok(&["commitments"]);
    assert!(
        line.contains("#1 [Frank] restitution of 100.00 EUR"),
        "{line}"
    );
    assert_eq!(v.json(&["status", "--json"])["outstanding"], json!([]));
    assert_eq!(v.json(&["status", "--json"])["by_stage"]["complete"], 1);
}

#[test]
fn could_not_reach_them_is_an_attempt_not_an_amends() {
    let v = Vault::init();
    v.open_party_with_harm("Pen friend", "Stopped writing without a word");
    v.ok(&[
        "attempt",
        "Pen friend",
        "--method",
        "letter",
        "--outcome",
        "unreachable",
    ]);
    assert_eq!(v.stage("Pen friend"), "attempted");
    assert!(
        v.stage_reason("Pen friend")
            .contains("unsent letter or indirect amends")
    );
}

#[test]
fn living_amends_with_check_ins_kept_and_missed() {
    let v = Vault::init();
    v.add_party("Jamie", &["--relationship", "my son"]);
    v.ok(&["willing", "Jamie", "now"]);
    let out = v.ok(&["safety", "Jamie", "--child", "--family"]);
    assert!(out.contains("few words"), "guidance for a child: {out}");
    v.ok(&[
        "plan",
        "Jamie",
        "--method",
        "living",
        "--script",
        "Be home for dinner.",
    ]);
    assert_eq!(v.stage("Jamie"), "ready");

    let out = v.ok(&[
        "commit",
        "living",
        "Jamie",
        "--behaviour",
        "Home for dinner every Sunday",
        "--every",
        "weekly",
        "--starting",
        "2024-01-07",
    ]);
    assert!(out.contains("amends checkin 1 --kept"), "{out}");
    assert_eq!(v.stage("Jamie"), "living-amends");

    // Each week is answered on its own: the output names the week and those still open.
    let out = v.ok(&["checkin", "1", "--kept", "--on", "2024-01-07"]);
    assert!(
        out.starts_with("Check-in recorded for the week from 7 January 2024: kept."),
        "{out}"
    );
    let out = v.ok(&[
        "checkin",
        "1",
        "--missed",
        "--on",
        "2024-01-14",
        "--note",
        "worked late",
    ]);
    assert!(
        out.starts_with("Check-in recorded for the week from 14 January 2024: missed."),
        "{out}"
    );
    v.ok(&["checkin", "1", "--kept"]);
    assert_eq!(v.stage("Jamie"), "living-amends");
    assert!(
        v.stage_reason("Jamie").contains("2 of 3 check-ins kept"),
        "{}",
        v.stage_reason("Jamie")
    );

    // Doing the living amends is the amends; it goes on while the commitment is open.
    v.ok(&[
        "attempt",
        "Jamie",
        "--method",
        "living",
        "--outcome",
        "done",
    ]);
    assert_eq!(v.stage("Jamie"), "living-amends");

    let c = &v.json(&["commitments", "--json"])[0];
    assert_eq!(c["kind"], "living");
    assert_eq!(c["checkins_kept"], 2);
    assert_eq!(c["checkins_missed"], 1);
    assert_eq!(c["checkins"][1]["note"], "worked late");
    assert_eq!(c["checkins"][2]["on"], today());
    let status = v.json(&["status", "--json"]);
    assert_eq!(status["checkins_kept"], 2);
    assert_eq!(status["checkins_missed"], 1);
    assert_eq!(status["by_stage"]["living-amends"], 1);
    assert!(
        v.ok(&["status"])
            .contains("Living amends check-ins: 2 kept, 1 missed.")
    );

    // Each week since is its own check-in to answer (the latest twelve, not this week's,
    // which today's answered), then the next week.
    let items = due(&v, "30");
    let checkins = due_of_kind(&items, "check-in");
    assert_eq!(checkins.len(), 12);
    assert!(
        checkins[..11].iter().all(|c| c["overdue"] == true),
        "{checkins:?}"
    );
    assert_eq!(checkins[11]["overdue"], false);
    assert!(checkins[11]["on"].as_str().unwrap() > today().as_str());
    assert_eq!(checkins[0]["commitment_id"], 1);
    assert!(
        checkins[0]["what"]
            .as_str()
            .unwrap()
            .contains("Home for dinner every Sunday")
    );

    // A check-in cannot be in the future; an ended living amends takes no more.
    v.refused(&["checkin", "1", "--kept", "--on", "2099-01-01"], 2);
    v.refused(&["close", "1", "--as", "kept"], 3);
    assert_eq!(
        v.ok(&["close", "1", "--as", "ended"]).trim(),
        "Commitment closed: ended."
    );
    let err = v.refused(&["checkin", "1", "--kept"], 3);
    assert!(err.contains("was ended"), "{err}");
    assert!(due_of_kind(&due(&v, "30"), "check-in").is_empty());
}

#[test]
fn a_promise_kept_completes_the_amends() {
    let v = Vault::init();
    v.open_party_with_harm("Gina", "Kept her book for two years");
    v.ok(&["plan", "Gina", "--method", "letter"]);
    v.ok(&[
        "attempt",
        "Gina",
        "--method",
        "letter",
        "--outcome",
        "with-request",
        "--requests",
        "return my book",
    ]);
    assert_eq!(v.stage("Gina"), "made");
    assert!(v.stage_reason("Gina").contains("they asked for something"));

    let out = v.ok(&[
        "commit",
        "promise",
        "Gina",
        "--text",
        "Return her book",
        "--due",
        "2099-12-01",
    ]);
    assert!(out.contains("amends close 1 --as kept"), "{out}");
    assert_eq!(v.stage("Gina"), "following-through");
    assert!(
        v.stage_reason("Gina")
            .contains("a promise due 1 December 2099")
    );
    let items = due(&v, "36500");
    let promises = due_of_kind(&items, "promise");
    assert_eq!(promises.len(), 1);
    assert_eq!(promises[0]["on"], "2099-12-01");
    assert!(
        due_of_kind(&due(&v, "30"), "promise").is_empty(),
        "a far promise is not due yet"
    );

    v.refused(&["close", "1", "--as", "ended"], 3);
    v.refused(&["close", "1", "--as", "forgotten"], 2);
    v.refused(&["close", "1", "--as", "kept", "--on", "2099-01-01"], 2);
    assert_eq!(
        v.ok(&["close", "1", "--as", "kept"]).trim(),
        "Commitment closed: kept."
    );
    assert_eq!(v.stage("Gina"), "complete");
    let c = &v.show("Gina")["commitments"][0];
    assert_eq!(c["open"], false);
    assert_eq!(c["closed"], json!({"how": "kept", "on": today()}));
    let err = v.refused(&["close", "1", "--as", "kept"], 3);
    assert!(err.contains("already closed"), "{err}");
    assert!(due_of_kind(&due(&v, "36500"), "promise").is_empty());
}

#[test]
fn step_10_capture_reopens_a_completed_party_and_adds_new_ones() {
    let v = Vault::init();
    v.open_party_with_harm("Gina", "Lied about the rent");
    v.ok(&[
        "attempt",
        "Gina",
        "--method",
        "face-to-face",
        "--outcome",
        "warm",
    ]);
    assert_eq!(v.stage("Gina"), "complete");

    let out = v.ok(&[
        "capture",
        "Gina",
        "--did",
        "Snapped at her on the phone",
        "--kind",
        "emotional",
    ]);
    assert!(out.contains("Harm #2 added to party #1."), "{out}");
    assert!(out.contains("it is reopened (R10)"), "{out}");
    let d = v.show("Gina");
    assert_eq!(d["stage"], "reopened");
    assert!(
        d["stage_reason"]
            .as_str()
            .unwrap()
            .contains("a new harm was recorded")
    );
    assert_eq!(d["harms"].as_array().unwrap().len(), 2);
    assert_eq!(d["harms"][1]["did"], "Snapped at her on the phone");
    assert_eq!(d["harms"][1]["source"], "step10");
    assert_eq!(d["harms"][1]["kinds"], json!(["emotional"]));

    // A new amends closes it again.
    v.ok(&["plan", "Gina", "--method", "phone"]);
    assert!(
        v.stage_reason("Gina").contains("ready: by phone"),
        "{}",
        v.stage_reason("Gina")
    );
    v.ok(&["attempt", "Gina", "--method", "phone", "--outcome", "warm"]);
    assert_eq!(v.stage("Gina"), "complete");

    // `harm add` on a completed party reopens it too, and says so.
    let (_, note) = v.ok_both(&["harm", "add", "Gina", "--did", "Forgot her birthday"]);
    assert!(note.contains("R10"), "{note}");
    assert_eq!(v.stage("Gina"), "reopened");

    // A name not on the list becomes a new party at once.
    let out = v.ok(&["capture", "Bus driver", "--did", "Shouted at him"]);
    assert!(out.contains("New party added (#2)"), "{out}");
    assert_eq!(v.stage("Bus driver"), "listed");
    assert_eq!(v.show("Bus driver")["harms"][0]["source"], "step10");
    v.ok(&[
        "capture",
        "Local shop",
        "--did",
        "Short-changed them",
        "--party-kind",
        "organisation",
    ]);
    assert_eq!(v.show("Local shop")["kind"], "organisation");

    // A set-aside party comes back onto the list when a new harm is captured.
    v.ok(&["party", "aside", "Bus driver", "--reason", "no-real-harm"]);
    let out = v.ok(&["capture", "Bus driver", "--did", "Cut him up at a junction"]);
    assert!(out.contains("back on the list"), "{out}");
    assert_eq!(v.stage("Bus driver"), "listed");
}

#[test]
fn a_party_set_aside_is_kept_and_can_be_restored() {
    let v = Vault::init();
    v.add_party("Ex-boss", &["--relationship", "manager at the bakery"]);
    v.ok(&["harm", "add", "Ex-boss", "--did", "Quit without notice"]);
    v.ok(&["willing", "Ex-boss", "maybe"]);
    let out = v.ok(&["party", "aside", "Ex-boss", "--reason", "i-was-harmed"]);
    assert!(out.contains("set aside (I was the one harmed)"), "{out}");
    assert!(out.contains("amends party restore 1"), "{out}");

    let d = v.show("Ex-boss");
    assert_eq!(d["stage"], "set-aside");
    assert_eq!(d["set_aside"]["reason"], "i-was-harmed");
    // Nothing was deleted.
    assert_eq!(d["harms"][0]["did"], "Quit without notice");
    assert_eq!(d["willingness"], "maybe");
    let listed = v.json(&["party", "list", "--stage", "set-aside", "--json"]);
    assert_eq!(common::names(listed.as_array().unwrap()), ["Ex-boss"]);
    // A set-aside party is out of the way: nothing new is recorded, nothing is due.
    let err = v.refused(&["willing", "Ex-boss", "now"], 3);
    assert!(err.contains("set aside"), "{err}");
    assert!(err.contains("restore"), "{err}");
    v.refused(&["harm", "add", "Ex-boss", "--did", "x"], 3);
    v.refused(&["plan", "Ex-boss", "--method", "letter"], 3);
    assert!(due(&v, "36500").is_empty());
    assert_eq!(v.json(&["status", "--json"])["by_stage"]["set-aside"], 1);

    assert_eq!(
        v.ok(&["party", "restore", "Ex-boss"]).trim(),
        "Party #1 is back on the list."
    );
    let d = v.show("Ex-boss");
    assert_eq!(d["stage"], "listed");
    assert_eq!(d["set_aside"], json!(null));
    let err = v.refused(&["party", "restore", "Ex-boss"], 3);
    assert!(err.contains("not set aside"), "{err}");
    // The history of the set-aside is kept in the export.
    let asides = v.export()["parties"][0]["set_asides"].clone();
    assert_eq!(asides[0]["reason"], "i-was-harmed");
    assert!(asides[0]["restored_at"].as_str().is_some());
}

#[test]
fn a_harm_set_aside_is_kept_and_can_be_restored() {
    let v = Vault::init();
    v.add_party("Cousin", &[]);
    v.ok(&["harm", "add", "Cousin", "--did", "Did not go to her party"]);
    v.ok(&["harm", "add", "Cousin", "--did", "Read her diary"]);
    assert_eq!(v.party_list()[0]["harms"], 2);
    let out = v.ok(&["harm", "aside", "1", "--reason", "no-real-harm"]);
    assert!(out.contains("Harm #1 set aside (no real harm)"), "{out}");
    assert_eq!(v.party_list()[0]["harms"], 1);
    let d = v.show("Cousin");
    assert_eq!(d["harms"][0]["set_aside"]["reason"], "no-real-harm");
    assert!(
        v.ok(&["show", "Cousin"])
            .contains("[set aside: no-real-harm]")
    );
    v.refused(&["harm", "aside", "1", "--reason", "no-real-harm"], 3);
    v.refused(&["harm", "aside", "9", "--reason", "no-real-harm"], 2);
    v.ok(&["harm", "restore", "1"]);
    assert_eq!(v.party_list()[0]["harms"], 2);
    v.refused(&["harm", "restore", "1"], 3);
}

#[test]
fn due_shows_plans_reviews_payments_check_ins_promises_and_willingness() {
    let v = Vault::init();
    v.open_party_with_harm("Planned", "Broke the fence");
    v.ok(&["plan", "Planned", "--method", "letter", "--on", "tomorrow"]);

    v.open_party("Deferred");
    let in_ten = days_from_today(10);
    let out = v.ok(&[
        "defer",
        "Deferred",
        "--reason",
        "she is in hospital",
        "--review",
        &in_ten,
    ]);
    assert!(
        out.contains(&format!(
            "It will come up again on {}",
            crate::dates::words(&in_ten)
        )),
        "{out}"
    );
    assert_eq!(v.stage("Deferred"), "deferred");
    assert!(v.stage_reason("Deferred").contains(&format!(
        "look at it again on {}",
        crate::dates::words(&in_ten)
    )));

    v.open_party_with_harm("Paying", "Kept the change from her shopping");
    v.ok(&[
        "commit",
        "restitution",
        "Paying",
        "--amount",
        "30",
        "--starting",
        "today",
    ]);
    v.open_party("Living");
    v.ok(&[
        "commit",
        "living",
        "Living",
        "--behaviour",
        "Call on Sundays",
        "--every",
        "weekly",
        "--starting",
        "tomorrow",
    ]);
    v.open_party_with_harm("Promised", "Broke his fence and left");
    v.ok(&[
        "commit",
        "promise",
        "Promised",
        "--text",
        "Fix the fence",
        "--due",
        &days_from_today(20),
    ]);
    v.add_party("Not yet", &[]);
    v.ok(&["willing", "Not yet", "never"]);

    let items = due(&v, "30");
    let kinds: Vec<&str> = items.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    for kind in [
        "plan",
        "review",
        "payment",
        "check-in",
        "promise",
        "willingness",
    ] {
        assert!(kinds.contains(&kind), "due lacks a {kind}: {kinds:?}");
    }
    let on = |kind: &str| {
        due_of_kind(&items, kind)[0]["on"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(on("plan"), days_from_today(1));
    assert_eq!(on("review"), in_ten);
    assert_eq!(on("payment"), today());
    assert_eq!(on("check-in"), days_from_today(1));
    assert_eq!(on("promise"), days_from_today(20));
    assert_eq!(
        on("willingness"),
        days_from_today(30),
        "\"never\" is asked about again"
    );
    assert!(items.iter().all(|d| d["overdue"] == false));
    // Soonest first.
    let dates: Vec<&str> = items.iter().map(|d| d["on"].as_str().unwrap()).collect();
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted);
    // A shorter window leaves the later ones out; today's payment is always there.
    let soon = due(&v, "0");
    assert_eq!(soon.len(), 1, "{soon:?}");
    assert_eq!(soon[0]["kind"], "payment");
    assert_eq!(v.json(&["status", "--json"])["due_now"], 1);

    let text = v.ok(&["due"]);
    assert!(
        text.contains("Deferred: look again at the deferred amends"),
        "{text}"
    );
    assert!(text.contains("[commitment #1]"), "{text}");

    // Resuming ends the deferral and its review.
    assert_eq!(
        v.ok(&["resume", "Deferred"]).trim(),
        "The deferral is ended."
    );
    assert_eq!(v.stage("Deferred"), "willing");
    assert!(due_of_kind(&due(&v, "30"), "review").is_empty());
    v.refused(&["resume", "Deferred"], 3);
}

#[test]
fn an_overdue_deferral_review_cannot_be_made_but_is_shown_when_it_comes() {
    let v = Vault::init();
    v.open_party("Uncle");
    // Refused when made with a past date (R9)...
    v.refused(
        &[
            "defer",
            "Uncle",
            "--reason",
            "wait",
            "--review",
            "2020-06-01",
        ],
        2,
    );
    // ...but time passes: a deferral whose review date has gone by (brought in through an
    // export, as if written years ago: the import replays it on the day it was recorded) is
    // shown as overdue.
    v.ok(&[
        "defer",
        "Uncle",
        "--reason",
        "wait until the trial is over",
        "--review",
        "tomorrow",
    ]);
    let mut doc: Value = serde_json::from_str(&v.ok(&["export"])).unwrap();
    doc["parties"][0]["deferrals"][0]["review_on"] = json!("2020-06-01");
    let w = Vault::init();
    let f = w.file("older.json");
    // Recorded today with a review date gone by, it would have been refused: so is the file.
    std::fs::write(&f, serde_json::to_string(&doc).unwrap()).unwrap();
    let err = w.refused(&["import", f.to_str().unwrap()], 2);
    assert!(err.contains("parties[0].deferrals[0]"), "{err}");
    assert!(err.contains("in the past"), "{err}");
    assert!(w.party_list().is_empty());
    doc["parties"][0]["deferrals"][0]["recorded"] = json!("2020-05-01T09:00:00Z");
    std::fs::write(&f, serde_json::to_string(&doc).unwrap()).unwrap();
    w.ok(&["import", f.to_str().unwrap()]);

    assert_eq!(w.stage("Uncle"), "deferred");
    assert!(
        w.stage_reason("Uncle")
            .contains("its review on 1 June 2020 is overdue"),
        "{}",
        w.stage_reason("Uncle")
    );
    let items = due(&w, "0");
    let reviews = due_of_kind(&items, "review");
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0]["on"], "2020-06-01");
    assert_eq!(reviews[0]["overdue"], true);
    assert!(w.ok(&["due"]).contains("1 June 2020 (overdue)  Uncle"));
    // A new deferral with a proper date replaces it.
    w.ok(&[
        "defer",
        "Uncle",
        "--reason",
        "trial moved",
        "--review",
        &days_from_today(5),
    ]);
    assert!(
        !due_of_kind(&due(&w, "30"), "review")[0]["overdue"]
            .as_bool()
            .unwrap()
    );
    assert_eq!(w.show("Uncle")["deferrals"].as_array().unwrap().len(), 2);
}
