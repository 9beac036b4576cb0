//! The app in a real headless Chromium, driven through chromedriver: what a person does, step
//! by step, with the page's own scripts and its Content Security Policy in force.
//!
//! Needs `chromium` and `chromedriver` on the PATH (`./scripts/test.sh` installs them). Without
//! them these tests fail and say so; they never pass without having run.
//!
//! Screenshots for the docs: `./scripts/screenshots.sh` (the ignored test `screenshots`).

use crate::browser_support;
use crate::relay_support;

use amends_core::model::{
    Cadence, CommitmentKind, HarmKind, Method, PartyKind, PartyRecord, SafetyAnswers, Willingness,
};
use amends_core::money::Money;
use amends_core::{Currency, Now};
use amends_vault::{CommitmentInput, HarmInput, PartyRef, PlanInput, Vault};
use browser_support::{DESKTOP, PASSPHRASE, PHONE, Ui};
use fantoccini::key::Key;
use relay_support::TestRelay;

browser_test! {
    /// The first run: passphrase with the live strength meter, the recovery key that must be
    /// confirmed, the choices, and the home page.
    fn the_first_run_creates_a_vault_step_by_step() {
        let ui = Ui::first_run().await;
        ui.on_page("/setup").await;
        ui.titled("Create your vault").await;
        ui.see("Strength: nothing typed yet").await;

        // The meter follows the typing: htmx, loaded from our own files under a CSP that
        // allows no inline script, asks the server and swaps the answer in.
        ui.fill("Passphrase", "password").await;
        ui.see("Strength: very weak").await;
        assert!(ui.htmx_loaded().await, "htmx should be loaded");
        ui.press("Create my vault").await;
        ui.see("This passphrase is very weak: someone could guess it.").await;
        ui.see("Nothing was saved yet.").await;

        ui.fill("Passphrase", PASSPHRASE).await;
        ui.see("Strength: very strong").await;
        ui.fill("The same passphrase again", "copper lantern").await;
        ui.see("The two passphrases do not match yet.").await;
        ui.fill("The same passphrase again", PASSPHRASE).await;
        ui.see("The two passphrases match.").await;
        ui.press("Create my vault").await;

        // The recovery key: shown once, and confirmed before going on.
        ui.on_page("/setup/recovery").await;
        ui.titled("Your recovery key").await;
        let key = ui.read(".recovery-key").await;
        let groups: Vec<&str> = key.split_whitespace().collect();
        assert_eq!(groups.len(), 8, "eight groups of eight: {key}");
        assert!(groups.iter().all(|g| g.len() == 8), "{key}");
        let last = *groups.last().expect("a last group");

        ui.press("I have it written down").await;
        ui.see("Tick this once the key is written on paper.").await;
        ui.see("That is not the last group of your key.").await;
        ui.on_page("/setup/recovery").await;

        ui.tick("I have written the key down").await;
        ui.fill("type the last group", "0000AAAA").await;
        ui.press("I have it written down").await;
        ui.see("That is not the last group of your key.").await;
        ui.do_not_see("Tick this once").await;

        ui.fill("type the last group", &last.to_lowercase()).await;
        ui.press("I have it written down").await;

        // The choices, then home.
        ui.on_page("/setup/choices").await;
        ui.titled("A few choices").await;
        ui.choose("Show the steps in the words of", "Narcotics Anonymous")
            .await;
        ui.fill("Currency", "EUR").await;
        ui.press("Save and go to my workbook").await;
        ui.on_page("/").await;
        ui.titled("Home").await;
        ui.see("Your vault is ready.").await;
        ui.see("The steps, in the words of Narcotics Anonymous").await;
        ui.see("Your list is empty").await;

        // The key shown is not shown again.
        ui.open("/setup/recovery").await;
        ui.on_page("/").await;

        ui.assert_no_csp_complaints().await;
    }
}

browser_test! {
    /// Lock: the unlock page, nothing of the workbook until the passphrase is typed again.
    fn lock_closes_the_workbook_until_it_is_unlocked() {
        let (ui, _) = Ui::with_vault(|v, now| party(v, now, "Jordan")).await;
        ui.see("Where I am").await;
        ui.see("on my list").await;

        ui.press("Lock").await;
        ui.on_page("/unlock").await;
        ui.titled("Unlock").await;
        ui.see("Your workbook is locked.").await;
        ui.do_not_see("Jordan").await;

        // Neither the address nor the Back button brings the workbook back (the browser keeps
        // recent pages in memory; the page's script asks the server again instead).
        ui.client.back().await.expect("the browser goes back");
        ui.on_page("/unlock").await;
        ui.do_not_see("Jordan").await;
        ui.open("/").await;
        ui.on_page("/unlock").await;

        ui.fill("Passphrase", "not the passphrase at all").await;
        ui.press("Unlock").await;
        ui.see("That passphrase does not open this vault.").await;
        ui.fill("Passphrase", PASSPHRASE).await;
        ui.press("Unlock").await;
        ui.on_page("/").await;
        ui.see("Where I am").await;
        ui.see("Jordan").await;
        ui.assert_no_csp_complaints().await;
    }
}

browser_test! {
    /// The quick exit button: a blank "New Tab" at once, and the app locked behind it.
    fn the_quick_exit_button_leaves_and_locks() {
        let (ui, _) = Ui::with_vault(|v, now| party(v, now, "Jordan")).await;
        ui.see("Jordan").await;
        // The skip link, by keyboard: one more step in the history to go back to.
        ui.keys(&[Key::Tab, Key::Enter]).await;
        ui.eventually("the skip link followed", || async {
            let url = ui.client.current_url().await.ok()?;
            (url.fragment() == Some("main")).then_some(())
        })
        .await;
        ui.press("Quick exit").await;
        ui.titled("New Tab").await;
        ui.on_page("/away").await;
        ui.see("Nothing to show here.").await;
        ui.do_not_see("Amends").await;
        // Someone pressing Back finds the app locked, not the page that was open before.
        ui.client.back().await.expect("the browser goes back");
        ui.on_page("/unlock").await;
        ui.do_not_see("Jordan").await;
        assert_locked(&ui).await;
        ui.assert_no_csp_complaints().await;
    }
}

browser_test! {
    /// Escape three times does the same as the quick exit button, from anywhere on a page.
    fn three_escapes_leave_and_lock() {
        let (ui, _) = Ui::with_vault(|v, now| party(v, now, "Jordan")).await;
        ui.see("Jordan").await;
        // Two are not enough (one may close a dialog or clear a field).
        ui.keys(&[Key::Escape, Key::Escape]).await;
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        ui.on_page("/").await;
        ui.keys(&[Key::Escape]).await;
        ui.titled("New Tab").await;
        ui.on_page("/away").await;
        assert_locked(&ui).await;
        ui.assert_no_csp_complaints().await;
    }
}

browser_test! {
    /// A payment from the home page, where a due instalment waits with its amount filled in.
    fn a_due_payment_is_recorded_from_the_home_page() {
        let (ui, cid) = Ui::with_vault(|v, now| {
            let id = party(v, now, "Jordan");
            restitution(v, now, id, "120", "40")
        })
        .await;
        ui.see("Due now").await;
        ui.see("Jordan").await;
        assert_eq!(
            ui.field("Amount paid").await.prop("value").await.ok().flatten().as_deref(),
            Some("40.00")
        );
        ui.press("Paid").await;
        ui.on_page("/").await;
        ui.see("recorded. Still to repay: 80.00 USD.").await;
        assert_eq!(payments(&ui, cid), vec!["40.00 USD".to_string()]);
        ui.assert_no_csp_complaints().await;
    }
}

browser_test! {
    /// Adding someone with a first harm, from the home page.
    fn adding_a_party_with_a_harm() {
        let ui = Ui::empty_vault().await;
        ui.follow("Add the first person").await;
        ui.on_page("/parties/new").await;
        ui.titled("Add to your list").await;
        ui.fill("Their name", "Jordan").await;
        ui.fill("Who they are to you", "my old flatmate").await;
        ui.fill("What I did", "Took their car without asking and brought it back dented.")
            .await;
        ui.fill("What I should have done", "Asked first, and told them about the dent at once.")
            .await;
        ui.fill("How it affected them", "They paid for the repair and stopped lending me things.")
            .await;
        ui.tick("property").await;
        ui.tick("trust").await;
        ui.fill("Money owed", "150").await;
        ui.press("Add to my list").await;

        let path = ui
            .eventually("the new party's page", || async {
                let p = ui.path().await;
                let id = p.strip_prefix("/parties/")?;
                (!id.is_empty() && id.chars().all(|c| c.is_ascii_digit())).then_some(p)
            })
            .await;
        ui.see("Added to your list, with the harm.").await;
        ui.see("Jordan").await;
        ui.see("my old flatmate").await;
        // The harm is on the harms part, one step away.
        ui.follow("Harms").await;
        ui.on_page(&format!("{path}/harms")).await;
        ui.see("Took their car without asking and brought it back dented.").await;
        let records = records(&ui);
        assert_eq!(records.len(), 1);
        let r = &records[0];
        assert_eq!(path, format!("/parties/{}", r.party.id));
        assert_eq!(r.party.name, "Jordan");
        assert_eq!(r.party.relationship, "my old flatmate");
        assert_eq!(r.harms.len(), 1);
        assert_eq!(
            r.harms[0].should,
            "Asked first, and told them about the dent at once."
        );
        assert!(r.harms[0].kinds.contains(&HarmKind::Property));
        assert!(r.harms[0].kinds.contains(&HarmKind::Trust));
        assert_eq!(r.harms[0].owed.map(|m| m.to_string()).as_deref(), Some("150.00 USD"));
        ui.assert_no_csp_complaints().await;
    }
}

/// The safety questions as the party page asks them (legends), each with the answer to give.
fn safety_answers(court_order: &str) -> [(&'static str, &str); 12] {
    [
        (
            "Is there a protective, restraining or no-contact order between you?",
            court_order,
        ),
        ("Have they asked you not to contact them?", "no"),
        ("Did you abuse them", "no"),
        ("Did they harm or abuse you?", "no"),
        ("Could this amends carry legal risk", "no"),
        ("Does this involve an affair?", "no"),
        ("Would making this amends implicate someone else?", "no"),
        ("Could contact put you at risk", "no"),
        ("Have they died?", "no"),
        ("Is it impossible to find them?", "no"),
        ("Are they a child?", "no"),
        ("Are they close family?", "no"),
    ]
}

browser_test! {
    /// A court order (R4): the safety answers say so, the plan offers only ways that do not
    /// reach them, and a face-to-face plan sent from a page opened before the answers (another
    /// tab) is refused with the reason and what is open instead; nothing is stored.
    fn the_safety_form_refuses_a_direct_plan_under_a_court_order() {
        let (ui, id) = Ui::with_vault(|v, now| party(v, now, "Riley")).await;
        ui.open(&format!("/parties/{id}")).await;
        ui.follow("Safety").await;
        ui.on_page(&format!("/parties/{id}/safety")).await;
        ui.see("The questions are not answered yet.").await;
        // The plan part in a second tab, left open while the questions are answered.
        let first = ui.client.window().await.expect("the first tab");
        let second = ui.client.new_window(true).await.expect("a second tab").handle;
        ui.client.switch_to_window(second.clone()).await.expect("to the second tab");
        ui.open(&format!("/parties/{id}/plan")).await;
        ui.within("The plan").choose("How it reaches them", "face to face").await;
        ui.client.switch_to_window(first).await.expect("back to the first tab");

        let safety = ui.within("Safety");
        for (question, answer) in safety_answers("yes") {
            safety.choose(question, answer).await;
        }
        safety.press("Save the answers").await;
        ui.see("Your answers are saved.").await;
        ui.see("No contact of any kind.").await;
        ui.see("A court order is in place between you.").await;
        assert!(records(&ui)[0].safety.as_ref().is_some_and(|s| s.answers.court_order));
        // The plan part, opened now, offers only what is open now: no words, and every way
        // that reaches them is marked as not open.
        ui.follow("The plan").await;
        ui.on_page(&format!("/parties/{id}/plan")).await;
        ui.see("Only the ways that do not reach them are offered").await;
        let plan = ui.within("The plan");
        let what = plan.field("What").await.text().await.expect("what the plan makes");
        assert!(!what.contains("words"), "{what}");
        assert!(what.contains("an unsent letter"), "{what}");
        let how = plan
            .field("How it reaches them")
            .await
            .text()
            .await
            .expect("how the plan reaches them");
        let reaching: Vec<&str> = how
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.contains("does not reach them"))
            .collect();
        assert!(reaching.iter().any(|l| l.starts_with("face to face")), "{how}");
        assert!(reaching.iter().all(|l| l.ends_with("(not open now)")), "{how}");

        // The tab opened before still offers face to face; the server says no.
        ui.client.switch_to_window(second).await.expect("to the second tab");
        ui.within("The plan").press("Save the plan").await;
        ui.see("You cannot plan amends face to face because a court order forbids contact of any kind")
            .await;
        ui.see("(rule R4)").await;
        ui.see("Choose one of: living amends").await;
        // The plan part comes back with the answers as they are now.
        ui.see("each way of reaching them is marked not open now: no contact of any kind.")
            .await;
        assert!(records(&ui)[0].plan.is_none(), "a refused plan is not stored");
        ui.assert_no_csp_complaints().await;
    }
}

browser_test! {
    /// An attempt: a letter, received warmly; the stage follows.
    fn recording_an_attempt() {
        let (ui, id) = Ui::with_vault(|v, now| {
            let id = party(v, now, "Casey");
            v.answer_safety(&PartyRef::Id(id), SafetyAnswers::default(), now)
                .expect("no safety question applies");
            v.plan(
                &PartyRef::Id(id),
                &PlanInput {
                    channel: None,
                    method: Method::Letter,
                    script: "I took your car without asking.".into(),
                    on: None,
                    place: String::new(),
                },
                now,
            )
            .expect("a plan");
            id
        })
        .await;
        ui.open(&format!("/parties/{id}")).await;
        // The step navigation leads to the part where the amends is recorded.
        ui.follow("Making the amends").await;
        ui.on_page(&format!("/parties/{id}/attempt")).await;
        ui.see("No attempt is recorded yet.").await;
        ui.unfold("Record how it went").await;
        let attempt = ui.within("Record how it went");
        attempt
            .choose(
                "What",
                "words: owning what you did and offering to set it right",
            )
            .await;
        attempt.choose("How it reached them", "by letter or post").await;
        attempt.choose("How it went", "received warmly").await;
        attempt.fill("How you felt after", "Lighter.").await;
        attempt.press("Record this attempt").await;
        ui.on_page(&format!("/parties/{id}/attempt")).await;
        ui.see("The attempt is recorded: a letter, received warmly.").await;
        ui.do_not_see("No attempt is recorded yet.").await;
        ui.see("a letter: received warmly").await;
        let r = &records(&ui)[0];
        assert_eq!(r.attempts.len(), 1);
        assert_eq!(r.attempts[0].method, Method::Letter);
        assert_eq!(r.attempts[0].on, browser_support::now().today);
        assert_eq!(r.attempts[0].feeling_after, "Lighter.");
        ui.assert_no_csp_complaints().await;
    }
}

browser_test! {
    /// The script coach reads along as the person types: htmx under the CSP posts the words
    /// (debounced) and swaps the panel in, with no reload; the saved script is read at once.
    fn the_script_coach_reads_along_as_you_type() {
        let (ui, id) = Ui::with_vault(|v, now| {
            let id = party(v, now, "Casey");
            v.answer_safety(&PartyRef::Id(id), SafetyAnswers::default(), now)
                .expect("no safety question applies");
            v.plan(
                &PartyRef::Id(id),
                &PlanInput {
                    channel: None,
                    method: Method::Letter,
                    script: "I took your car without asking.".into(),
                    on: None,
                    place: String::new(),
                },
                now,
            )
            .expect("a plan");
            id
        })
        .await;
        ui.open(&format!("/parties/{id}")).await;
        ui.follow("The plan").await;
        ui.on_page(&format!("/parties/{id}/plan")).await;
        // On load: the reading of the saved script.
        ui.see("What the coach notices").await;
        ui.see("Words about them:").await;
        ui.do_not_see("Conditional or hedged apology").await;

        ui.fill("What you mean to say or write", "I'm sorry if you were hurt by what happened.")
            .await;
        ui.see("Conditional or hedged apology").await;
        ui.see("What may be missing").await;
        // The same page (no reload), and nothing saved by the coach.
        ui.on_page(&format!("/parties/{id}/plan")).await;
        assert_eq!(
            records(&ui)[0].plan.as_ref().map(|p| p.script.as_str()),
            Some("I took your car without asking.")
        );
        ui.assert_no_csp_complaints().await;
    }
}

browser_test! {
    /// A payment on the party's page, which comes back to the same page.
    fn a_payment_on_the_party_page() {
        let (ui, (id, cid)) = Ui::with_vault(|v, now| {
            let id = party(v, now, "Jordan");
            (id, restitution(v, now, id, "120", "40"))
        })
        .await;
        ui.open(&format!("/parties/{id}")).await;
        ui.follow("Following through").await;
        ui.on_page(&format!("/parties/{id}/commitments")).await;
        ui.see("Still to repay: 120.00 USD").await;
        ui.fill("Amount paid", "25").await;
        ui.press("Paid").await;
        ui.on_page(&format!("/parties/{id}/commitments")).await;
        ui.see("recorded. Still to repay: 95.00 USD.").await;
        ui.see("Still to repay: 95.00 USD").await;
        assert_eq!(payments(&ui, cid), vec!["25.00 USD".to_string()]);
        ui.assert_no_csp_complaints().await;
    }
}

browser_test! {
    #[ignore = "takes the screenshots for the docs: ./scripts/screenshots.sh"]
    /// PNGs of the main pages at phone and desktop widths, into docs/screenshots/.
    fn screenshots() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
        std::fs::create_dir_all(&dir).expect("docs/screenshots");
        for (size, suffix) in [(PHONE, "phone"), (DESKTOP, "desktop")] {
            let shot = |name: &str| dir.join(format!("{name}-{suffix}.png"));
            let setup = Ui::first_run().await;
            setup.viewport(size).await;
            setup.on_page("/setup").await;
            setup.fill("Passphrase", "copper lantern drifts").await;
            setup
                .eventually("the strength meter to follow the typing", || async {
                    let t = setup.text().await;
                    (t.contains("Strength:") && !t.contains("nothing typed yet")).then_some(())
                })
                .await;
            setup.screenshot(&shot("setup"), size).await;
            drop(setup);

            let ui = Ui::demo(size).await;
            let first = records(&ui).first().map(|r| r.party.id);
            let mut pages = vec![
                ("home", "/".to_string()),
                ("list-board", "/list".to_string()),
                ("list-table", "/list/table".to_string()),
                ("settings", "/settings".to_string()),
                ("help", "/help".to_string()),
            ];
            if let Some(id) = first {
                pages.push(("party", format!("/parties/{id}")));
                pages.push(("party-safety", format!("/parties/{id}/safety")));
                pages.push(("party-following", format!("/parties/{id}/commitments")));
            }
            for (name, path) in pages {
                ui.open(&path).await;
                // A page that is not there yet (other branches) has no heading: say so, go on.
                if ui.client.find(fantoccini::Locator::Css("main h1")).await.is_err() {
                    eprintln!("screenshots: {path} is not there yet; no {name}-{suffix}.png");
                    continue;
                }
                ui.screenshot(&shot(name), size).await;
            }
            ui.open("/").await;
            ui.press("Lock").await;
            ui.on_page("/unlock").await;
            ui.screenshot(&shot("unlock"), size).await;
        }
    }
}

/// After a quick exit: the home page is out of reach.
async fn assert_locked(ui: &Ui) {
    ui.open("/").await;
    ui.on_page("/unlock").await;
    ui.see("Your workbook is locked.").await;
    ui.do_not_see("Jordan").await;
}

fn currency(v: &Vault) -> Currency {
    v.settings().expect("the settings").currency
}

/// Someone on the list with one harm, willing now (as `amends add` and `amends willing` do).
fn party(v: &mut Vault, now: &Now, name: &str) -> i64 {
    let id = v
        .add_party(name, PartyKind::Person, "friend", "", now)
        .expect("a party")
        .id;
    let owed = Money::parse("120", currency(v)).expect("an amount");
    v.add_harm(
        &PartyRef::Id(id),
        &HarmInput {
            did: "Borrowed money and did not pay it back.".into(),
            should: "Paid it back when I said I would.".into(),
            effect: "They went without, and stopped trusting me.".into(),
            kinds: vec![HarmKind::Financial, HarmKind::Trust],
            when: "2019".into(),
            owed: Some(owed),
            ..HarmInput::default()
        },
        now,
    )
    .expect("a harm");
    v.set_willingness(&PartyRef::Id(id), Willingness::Now, "", now)
        .expect("willing");
    id
}

/// A repayment in instalments, the first one due today.
fn restitution(v: &mut Vault, now: &Now, id: i64, total: &str, instalment: &str) -> i64 {
    let c = currency(v);
    // A restitution paid to them waits for the safety questions: none applies here.
    if v.record(id).expect("the party").safety.is_none() {
        v.answer_safety(
            &PartyRef::Id(id),
            amends_core::model::SafetyAnswers::default(),
            now,
        )
        .expect("safety answered");
    }
    v.add_commitment(
        &PartyRef::Id(id),
        &CommitmentInput::Restitution {
            amount: Money::parse(total, c).expect("an amount"),
            instalment: Some(Money::parse(instalment, c).expect("an amount")),
            every: Some(Cadence::Monthly),
            starting: now.today,
        },
        now,
    )
    .expect("a commitment")
    .id
}

fn records(ui: &Ui) -> Vec<PartyRecord> {
    ui.app()
        .read(|v| v.records())
        .expect("the vault is open")
        .expect("the records")
}

fn payments(ui: &Ui, commitment: i64) -> Vec<String> {
    records(ui)
        .iter()
        .flat_map(|r| &r.commitments)
        .filter(|c| c.id == commitment)
        .flat_map(|c| match &c.kind {
            CommitmentKind::Restitution { payments, .. } => payments.clone(),
            _ => Vec::new(),
        })
        .map(|p| p.amount.to_string())
        .collect()
}

browser_test! {
    /// Sharing between two people, each with their own app and vault: codes exchanged and
    /// fingerprints confirmed through the pages, the whole list shared from one (a real
    /// download), opened in the other, the plan approved, the review sent back (another
    /// download) and opened, and the approval on the sharer's party page.
    fn a_sponsor_reviews_a_shared_plan_and_the_approval_comes_back() {
        let (ui, id, ()) = Ui::with_two_vaults(
            |v, now| {
                let id = party(v, now, "Jordan");
                v.answer_safety(&PartyRef::Id(id), SafetyAnswers::default(), now)
                    .expect("no safety question applies");
                v.plan(
                    &PartyRef::Id(id),
                    &PlanInput {
                        channel: None,
                        method: Method::Letter,
                        script: "I took your car without asking.".into(),
                        on: None,
                        place: String::new(),
                    },
                    now,
                )
                .expect("a plan");
                id
            },
            |_, _| (),
        )
        .await;

        // Each reads their own code from their Sharing page.
        ui.open("/sharing").await;
        ui.titled("Sharing").await;
        ui.see("Your contact code").await;
        let code_a = value(&ui, "Your contact code").await;
        assert!(code_a.starts_with("amends:1:age1"), "{code_a}");
        ui.open_other("/sharing").await;
        ui.titled("Sharing").await;
        let code_b = value(&ui, "Your contact code").await;
        assert_ne!(code_a, code_b);

        // B (the sponsor) adds A as someone they support, and confirms the fingerprints.
        add_and_verify(&ui, &code_a, "Alex", "someone I support").await;
        // A adds B as their sponsor, and confirms the fingerprints.
        ui.open("/sharing").await;
        add_and_verify(&ui, &code_b, "Sam", "sponsor").await;

        // A shares the whole list, with the scripts, after seeing exactly what goes.
        ui.follow("Share with Sam").await;
        ui.titled("Share").await;
        ui.tick("The whole list").await;
        ui.tick("Scripts").await;
        ui.press("See what will be shared").await;
        ui.titled("Check what will be shared").await;
        ui.see("This is what Sam will receive").await;
        ui.see("Jordan").await;
        ui.see("I took your car without asking.").await;
        ui.press("Confirm and download the file").await;
        let share = ui.downloaded("amends-share-").await;

        // B opens it and finds Alex under People I support.
        ui.open_other("/sharing").await;
        ui.field("The bundle file").await
            .send_keys(&share.display().to_string())
            .await
            .expect("the file input takes the path");
        ui.press("Open it").await;
        ui.see("Alex shared their list with you").await;
        let held = ui.other_app().read(|v| v.supported()).expect("open").expect("readable");
        assert_eq!(held.len(), 1, "the share is kept under people I support");
        assert!(
            ui.other_app().read(|v| v.records()).expect("open").expect("readable").is_empty(),
            "and not on the sponsor's own list"
        );
        ui.follow("People I support").await;
        ui.titled("People I support").await;
        ui.see("1 plan waiting for a review").await;
        ui.follow("Read Alex's list").await;
        ui.see("This is Alex's list, not yours").await;
        ui.see("I took your car without asking.").await;

        // B approves the plan, with a word, and sends the review.
        ui.unfold("Leave a note on Jordan").await;
        let note = ui.within("Leave a note on Jordan");
        note.choose("Your view of the plan", "Approved").await;
        note.fill("Your comment", "Clear and kind. Go ahead.").await;
        note.press("Keep this note").await;
        ui.see("Your note is kept.").await;
        ui.follow("Send my review").await;
        ui.titled("Send your review").await;
        ui.see("Clear and kind. Go ahead.").await;
        ui.press("Confirm and download the review").await;
        let review = ui.downloaded("amends-review-").await;

        // A opens the review: the approval is on Jordan's page and counts for the plan.
        ui.open("/sharing").await;
        ui.field("The bundle file").await
            .send_keys(&review.display().to_string())
            .await
            .expect("the file input takes the path");
        ui.press("Open it").await;
        ui.see("Sam sent their review").await;
        // The review is with the talks about the plan, on "Talking it over".
        ui.open(&format!("/parties/{id}")).await;
        ui.follow("Talking it over").await;
        ui.on_page(&format!("/parties/{id}/consult")).await;
        ui.see("From your sponsor or supporters").await;
        ui.see("Approved the plan").await;
        ui.see("Clear and kind. Go ahead.").await;
        ui.see("This counts as the approval of the plan as it is now").await;
        let rec = records(&ui).into_iter().find(|r| r.party.id == id).expect("Jordan");
        assert!(
            amends_core::rules::approval_for_plan(&rec).is_some(),
            "the review counts as the approval rule R2 needs"
        );
        ui.assert_no_csp_complaints().await;
    }
}

browser_test! {
    /// Sharing through a relay, by clicking: two apps set the same relay in Settings, exchange
    /// codes and confirm fingerprints; the sharer sends the list through the relay from the
    /// preview, and the other presses Check for new and finds the share.
    fn a_share_sent_through_the_relay_arrives_when_the_other_checks_for_new() {
        let relay = TestRelay::start();
        let (ui, (), ()) = Ui::with_two_vaults(
            |v, now| {
                party(v, now, "Jordan");
            },
            |_, _| (),
        )
        .await;

        // Both keep the relay's address in Settings.
        ui.open("/settings").await;
        ui.fill("Relay address", &relay.url).await;
        ui.press("Save the relay address").await;
        ui.see("The relay address is saved.").await;
        ui.open_other("/settings").await;
        ui.fill("Relay address", &relay.url).await;
        ui.press("Save the relay address").await;
        ui.see("The relay address is saved.").await;

        // They add each other and confirm the fingerprints.
        ui.open("/sharing").await;
        let code_a = value(&ui, "Your contact code").await;
        ui.open_other("/sharing").await;
        let code_b = value(&ui, "Your contact code").await;
        add_and_verify(&ui, &code_a, "Alex", "someone I support").await;
        ui.open("/sharing").await;
        add_and_verify(&ui, &code_b, "Sam", "sponsor").await;

        // A sends the whole list through the relay after seeing what goes.
        ui.follow("Share with Sam").await;
        ui.tick("The whole list").await;
        ui.press("See what will be shared").await;
        ui.titled("Check what will be shared").await;
        ui.see("Jordan").await;
        ui.press("Confirm and send through the relay").await;
        ui.see("Sent through the relay.").await;
        ui.titled("Sharing").await;
        assert!(
            ui.app().read(|v| v.outbox()).expect("open").expect("readable").is_empty(),
            "nothing is left waiting"
        );

        // B checks for new and finds Alex under People I support.
        ui.open_other("/sharing").await;
        ui.press("Check for new").await;
        ui.titled("Checked for new").await;
        ui.see("Alex shared their list with you").await;
        ui.follow("Read what Alex shared").await;
        ui.see("This is Alex's list, not yours").await;
        ui.see("Jordan").await;
        let held = ui.other_app().read(|v| v.supported()).expect("open").expect("readable");
        assert_eq!(held.len(), 1, "the share is kept under people I support");
        ui.assert_no_csp_complaints().await;
    }
}

/// The value of a form field (a text area's text), found by its label.
async fn value(ui: &Ui, label: &str) -> String {
    ui.field(label)
        .await
        .prop("value")
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Adds a contact code on the Sharing page shown, then confirms the fingerprints.
async fn add_and_verify(ui: &Ui, code: &str, name: &str, role: &str) {
    let add = ui.within("Add a contact");
    add.fill("Their contact code", code).await;
    add.fill("Their name", name).await;
    add.choose("Who they are to you", role).await;
    add.press("Add this contact").await;
    ui.see(&format!("{name} is added.")).await;
    let heading = format!("Compare fingerprints with {name}");
    let compare = ui.within(&heading);
    compare
        .tick("We read them out loud to each other and they matched")
        .await;
    compare.press("Mark").await;
    ui.see(&format!("{name} is verified.")).await;
}
