//! Amounts as people type them, through the real binary: a decimal comma in a euro vault, an
//! amount that reads two ways refused with nothing changed, and a payment or a check-in
//! corrected or removed with its earlier version kept.

use crate::common::*;

/// A euro vault in Spanish with a party who can be repaid.
fn euro_vault() -> Vault {
    let v = Vault::init_with(&["--currency", "EUR"]);
    v.ok(&["settings", "--language", "es"]);
    v.open_party_with_harm("Frank", "Borrowed money and never paid it back");
    v
}

fn first_harm_owed(v: &Vault) -> serde_json::Value {
    let doc = v.export();
    doc["parties"][0]["harms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| !h["owed"].is_null())
        .map(|h| h["owed"].clone())
        .unwrap_or(serde_json::Value::Null)
}

#[test]
fn twelve_fifty_in_a_euro_vault_is_twelve_and_a_half() {
    let v = euro_vault();
    v.ok(&[
        "harm",
        "add",
        "Frank",
        "--did",
        "Kept the change",
        "--owed",
        "12,50",
    ]);
    assert_eq!(
        first_harm_owed(&v)["minor"],
        1250,
        "12,50 is twelve and a half"
    );
    v.ok(&["commit", "restitution", "Frank", "--amount", "12,50"]);
    let out = v.ok(&["pay", "1", "10"]);
    assert!(
        out.contains("2,50 EUR"),
        "shown with the decimal comma: {out}"
    );
    let out = v.ok(&["pay", "1", "2.50"]);
    assert!(out.contains("paid in full"), "{out}");
}

#[test]
fn an_amount_that_reads_two_ways_is_refused_and_nothing_changes() {
    let v = euro_vault();
    for typed in ["1,250", "1.250"] {
        let err = v.refused(
            &[
                "harm",
                "add",
                "Frank",
                "--did",
                "Took the deposit",
                "--owed",
                typed,
            ],
            2,
        );
        assert!(err.contains("Nothing was changed"), "{err}");
        assert!(
            err.contains("1.250,00 EUR") && err.contains("1,25 EUR"),
            "both readings are named: {err}"
        );
        assert!(
            err.contains("1250 for the") && err.contains("1,25 for the"),
            "and how to write each: {err}"
        );
    }
    v.ok(&["commit", "restitution", "Frank", "--amount", "2000"]);
    let err = v.refused(&["pay", "1", "1.000"], 2);
    assert!(err.contains("could mean"), "{err}");
    let c = &v.json(&["commitments", "Frank", "--json"])[0];
    assert_eq!(c["payments"].as_array().map_or(0, Vec::len), 0);
    // Written one way only, it is taken.
    v.ok(&["pay", "1", "1000"]);
    let err = v.refused(&["pay", "1", "-5"], 2);
    assert!(err.contains("negative"), "{err}");
    let err = v.refused(&["pay", "1", "12,345"], 2);
    assert!(
        err.contains("more than the balance") || err.contains("more"),
        "{err}"
    );
    let err = v.refused(&["pay", "1", "1,2345"], 2);
    assert!(
        err.contains("more decimals than the 2 that EUR has"),
        "{err}"
    );
}

#[test]
fn a_payment_corrected_and_removed_keeps_its_history_and_reopens_what_is_owed() {
    let v = euro_vault();
    v.ok(&["commit", "restitution", "Frank", "--amount", "50"]);
    v.ok(&["pay", "1", "50"]);
    let c = &v.json(&["commitments", "Frank", "--json"])[0];
    let pid = c["payments"][0]["id"].as_i64().unwrap().to_string();

    // A correction goes through the same checks: no more than was owed, a reason.
    let err = v.refused(
        &[
            "correct", "payment", &pid, "--amount", "60", "--reason", "typo",
        ],
        2,
    );
    assert!(err.contains("more than was owed"), "{err}");
    let err = v.fails(&["correct", "payment", &pid, "--amount", "40"], 2);
    assert!(err.contains("--reason"), "{err}");

    let out = v.ok(&[
        "correct",
        "payment",
        &pid,
        "--amount",
        "40",
        "--reason",
        "I paid 40, not 50",
    ]);
    assert!(
        out.contains("no longer settled") && out.contains("10,00 EUR"),
        "{out}"
    );
    let c = &v.json(&["commitments", "Frank", "--json"])[0];
    assert_eq!(c["balance"]["minor"], 1000);

    let out = v.ok(&[
        "correct",
        "payment",
        &pid,
        "--remove",
        "--reason",
        "recorded twice",
    ]);
    assert!(
        out.contains("Payment removed") && out.contains("50,00 EUR"),
        "{out}"
    );
    let c = &v.json(&["commitments", "Frank", "--json"])[0];
    assert_eq!(c["payments"].as_array().map_or(0, Vec::len), 0);
    assert_eq!(c["balance"]["minor"], 5000);

    // The history keeps both versions, with the reasons.
    let doc = v.export();
    let changes = &doc["parties"][0]["commitments"][0]["changes"];
    assert_eq!(changes.as_array().map(Vec::len), Some(2), "{changes}");
    assert_eq!(changes[0]["change"], "fixed");
    assert_eq!(changes[0]["previous"]["amount"]["minor"], 5000);
    assert_eq!(changes[0]["reason"], "I paid 40, not 50");
    assert_eq!(changes[1]["change"], "removed");
    assert_eq!(changes[1]["previous"]["amount"]["minor"], 4000);

    // The history comes back with an import.
    let path = v.file("out.json");
    std::fs::write(&path, v.ok(&["export", "--format", "json"])).unwrap();
    let w = Vault::init();
    w.ok(&["import", path.to_str().unwrap()]);
    assert_eq!(
        w.export()["parties"][0]["commitments"][0]["changes"],
        *changes
    );
}

#[test]
fn a_correction_is_not_a_way_around_the_rules() {
    let v = euro_vault();
    v.ok(&["commit", "restitution", "Frank", "--amount", "50"]);
    v.ok(&["pay", "1", "10"]);
    v.ok(&[
        "commit",
        "living",
        "Frank",
        "--behaviour",
        "Sunday dinners",
        "--every",
        "weekly",
    ]);
    v.ok(&["checkin", "2", "--kept"]);
    let c = v.json(&["commitments", "Frank", "--json"]);
    let pid = c[0]["payments"][0]["id"].as_i64().unwrap().to_string();
    let kid = c[1]["checkins"][0]["id"].as_i64().unwrap().to_string();

    // A day in the future is refused, as for a new payment.
    let err = v.refused(
        &[
            "correct",
            "payment",
            &pid,
            "--on",
            &days_from_today(3),
            "--reason",
            "date",
        ],
        2,
    );
    assert!(err.contains("future"), "{err}");

    // Once they asked for no contact (R5), a payment cannot be corrected into reaching them,
    // nor a note into contact words.
    v.ok(&["safety", "Frank", "--asked-no-contact"]);
    let err = v.refused(
        &[
            "correct",
            "payment",
            &pid,
            "--note",
            "I will call Frank to tell him",
            "--reason",
            "note",
        ],
        3,
    );
    assert!(err.contains("R5") || err.contains("R4"), "{err}");
    let err = v.refused(
        &[
            "correct",
            "checkin",
            &kid,
            "--note",
            "Phoned Frank to say sorry",
            "--reason",
            "note",
        ],
        3,
    );
    assert!(err.contains("R5") || err.contains("R4"), "{err}");
    // A removal takes nothing to them, and is allowed with a reason.
    v.ok(&[
        "correct",
        "checkin",
        &kid,
        "--remove",
        "--reason",
        "recorded by mistake",
    ]);
    let c = v.json(&["commitments", "Frank", "--json"]);
    assert_eq!(c[1]["checkins"].as_array().map_or(0, Vec::len), 0);
}

#[test]
fn three_missed_weekly_check_ins_are_answered_one_by_one() {
    let v = Vault::init();
    v.open_party_with_harm("Frank", "Missed every Sunday dinner");
    v.ok(&[
        "commit",
        "living",
        "Frank",
        "--behaviour",
        "Sunday dinners",
        "--every",
        "weekly",
        "--starting",
        &days_from_today(-22),
    ]);
    let (w0, w1, w2) = (
        days_from_today(-22),
        days_from_today(-15),
        days_from_today(-8),
    );
    // The week from yesterday is this week; the three before it were missed.
    let this_week = days_from_today(-1);
    let open = |v: &Vault| -> Vec<String> {
        v.json(&["due", "--json"])
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"] == "check-in" && d["overdue"] == true)
            .map(|d| d["period"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        open(&v),
        vec![w0.clone(), w1.clone(), w2.clone(), this_week.clone()]
    );
    let due = v.ok(&["due"]);
    assert!(
        due.matches("check-in for the week from").count() >= 4,
        "each week is its own line: {due}"
    );

    // Kept it up today answers this week only, and says which are still to answer.
    let out = v.ok(&["checkin", "1", "--kept"]);
    assert!(out.contains("Still to answer"), "{out}");
    assert!(out.contains(&format!("--for {w0}")), "{out}");
    assert_eq!(open(&v), vec![w0.clone(), w1.clone(), w2.clone()]);

    // Each answered on its own, with its own note; a week answered is not asked twice.
    v.ok(&[
        "checkin",
        "1",
        "--for",
        &w0,
        "--missed",
        "--note",
        "I was ill",
    ]);
    assert_eq!(open(&v), vec![w1.clone(), w2.clone()]);
    let err = v.refused(&["checkin", "1", "--for", &w0, "--kept"], 2);
    assert!(
        err.contains("not a check-in still to answer") && err.contains(&w1),
        "{err}"
    );
    v.ok(&["checkin", "1", "--for", &w1, "--kept"]);
    let out = v.ok(&[
        "checkin",
        "1",
        "--for",
        &w2,
        "--kept",
        "--note",
        "Came early",
    ]);
    assert!(!out.contains("Still to answer"), "{out}");
    assert!(open(&v).is_empty());
    let c = &v.json(&["commitments", "Frank", "--json"])[0];
    let notes: Vec<_> = c["checkins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["on"].as_str().unwrap().to_string(),
                k["kept"].as_bool().unwrap(),
                k["note"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        notes.contains(&(w0, false, "I was ill".into())),
        "{notes:?}"
    );
    assert!(
        notes.contains(&(w2, true, "Came early".into())),
        "{notes:?}"
    );
}

#[test]
fn amounts_are_shown_in_the_vault_language_in_text_and_json() {
    let v = euro_vault();
    v.ok(&["commit", "restitution", "Frank", "--amount", "1250,50"]);
    let text = v.ok(&["commitments"]);
    assert!(text.contains("1.250,50 EUR"), "{text}");
    let c = &v.json(&["commitments", "--json"])[0];
    assert_eq!(c["amount"]["display"], "1.250,50 EUR");
    assert_eq!(c["amount"]["minor"], 125_050, "the machine field stays");
    let due = v.ok(&["due"]);
    assert!(due.contains("1.250,50 EUR"), "{due}");
}
