//! The demo: a throwaway vault with a made-up person's list, so a newcomer can look around
//! before typing anything of their own.
//!
//! Everything here is fiction: the people, the places and the harms. The list is written through
//! the same `Vault` methods the app uses, back-dated over the last ten months (each write is given
//! a "now" on the day it happened), so every check the vault makes on dates holds and the history
//! reads as if it had been kept as life went on. It shows every stage of the workflow, every
//! willingness, and the rules at work: a court order, a third party's consent, legal risk, a
//! person who has died, a group without names, a Step 10 capture.

use std::path::Path;

use amends_core::model::{
    Adviser, AsideReason, Cadence, Closure, HarmKind, HarmSource, Method, Outcome, PartyKind,
    SafetyAnswers, Settings, Willingness,
};
use amends_core::{Currency, Money, Now};
use amends_vault::{
    AttemptInput, CommitmentInput, ConsultInput, HarmInput, PartyRef, PlanInput, Vault, VaultError,
};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use secrecy::SecretString;

/// The demo vault's passphrase (shown on its unlock page: there is nothing private in it).
pub const PASSPHRASE: &str = "demo";

/// The sponsor of the made-up person.
const SPONSOR: &str = "Bernie";

/// Creates the demo vault at `path` and fills it.
pub fn create(path: &Path) -> Result<Vault, VaultError> {
    let created = Vault::create(path, &SecretString::from(PASSPHRASE), &Settings::default())?;
    let mut vault = created.vault;
    fill(&mut vault, &crate::state::now())?;
    Ok(vault)
}

/// Writes the made-up list, dated relative to `now`.
struct Demo<'a> {
    vault: &'a mut Vault,
    now: Timestamp,
    today: Date,
    tz: TimeZone,
    usd: Currency,
}

impl Demo<'_> {
    /// The date `ago` days before today (negative: after today).
    fn day(&self, ago: i64) -> Date {
        self.today
            .checked_sub(Span::new().days(ago))
            .unwrap_or(self.today)
    }

    /// "Now" as it was at `hour` o'clock, `ago` days before today, never later than the real now.
    fn at(&self, ago: i64, hour: i8) -> Now {
        let then = self
            .day(ago)
            .at(hour, 0, 0, 0)
            .to_zoned(self.tz.clone())
            .map(|z| z.timestamp())
            .unwrap_or(self.now);
        Now::new(then.min(self.now), self.tz.clone())
    }

    fn usd(&self, amount: &str) -> Money {
        Money::parse(amount, self.usd).expect("the demo's amounts are valid")
    }

    fn party(
        &mut self,
        name: &str,
        kind: PartyKind,
        relationship: &str,
        notes: &str,
        ago: i64,
    ) -> Result<PartyRef, VaultError> {
        let now = self.at(ago, 9);
        let r = self
            .vault
            .add_party(name, kind, relationship, notes, &now)?;
        Ok(PartyRef::Id(r.id))
    }

    fn harm(&mut self, p: &PartyRef, h: HarmInput, ago: i64) -> Result<i64, VaultError> {
        let now = self.at(ago, 10);
        Ok(self.vault.add_harm(p, &h, &now)?.id)
    }

    fn willing(
        &mut self,
        p: &PartyRef,
        level: Willingness,
        note: &str,
        ago: i64,
    ) -> Result<(), VaultError> {
        let now = self.at(ago, 11);
        self.vault.set_willingness(p, level, note, &now)?;
        Ok(())
    }

    fn safety(&mut self, p: &PartyRef, a: SafetyAnswers, ago: i64) -> Result<(), VaultError> {
        let now = self.at(ago, 12);
        self.vault.answer_safety(p, a, &now)?;
        Ok(())
    }

    fn plan(
        &mut self,
        p: &PartyRef,
        method: Method,
        script: &str,
        on: Option<i64>,
        place: &str,
        ago: i64,
    ) -> Result<(), VaultError> {
        let now = self.at(ago, 14);
        let plan = PlanInput {
            channel: None,
            method,
            script: script.to_string(),
            on: on.map(|d| self.day(d)),
            place: place.to_string(),
        };
        self.vault.plan(p, &plan, &now)?;
        Ok(())
    }

    fn consult(
        &mut self,
        p: &PartyRef,
        with: Adviser,
        advice: &str,
        approved: Option<bool>,
        ago: i64,
    ) -> Result<(), VaultError> {
        let now = self.at(ago, 18);
        let name = if with == Adviser::Sponsor {
            SPONSOR
        } else {
            ""
        };
        let c = ConsultInput {
            with,
            name: name.to_string(),
            on: now.today,
            advice: advice.to_string(),
            approved,
        };
        self.vault.consult(p, &c, &now)?;
        Ok(())
    }

    fn attempt(&mut self, p: &PartyRef, a: AttemptInput, ago: i64) -> Result<(), VaultError> {
        let now = self.at(ago, 20);
        self.vault.attempt(p, &a, &now)?;
        Ok(())
    }

    fn commit(&mut self, p: &PartyRef, c: CommitmentInput, ago: i64) -> Result<i64, VaultError> {
        let now = self.at(ago, 21);
        Ok(self.vault.add_commitment(p, &c, &now)?.id)
    }

    fn pay(&mut self, cid: i64, amount: &str, ago: i64, note: &str) -> Result<(), VaultError> {
        let now = self.at(ago, 19);
        self.vault.pay(cid, amount, now.today, note, None, &now)?;
        Ok(())
    }

    fn check_in(&mut self, cid: i64, kept: bool, ago: i64, note: &str) -> Result<(), VaultError> {
        let now = self.at(ago, 21);
        self.vault.check_in(cid, kept, now.today, note, &now)?;
        Ok(())
    }

    /// A made attempt: face to face, phone or video, with how it went.
    fn attempt_input(
        &self,
        ago: i64,
        method: Method,
        outcome: Outcome,
        requests: &str,
        (before, after): (&str, &str),
        notes: &str,
    ) -> AttemptInput {
        AttemptInput {
            channel: None,
            on: self.day(ago),
            method,
            outcome,
            requests: requests.to_string(),
            feeling_before: before.to_string(),
            feeling_after: after.to_string(),
            notes: notes.to_string(),
            revealed: Vec::new(),
        }
    }
}

fn harm(did: &str, should: &str, effect: &str, kinds: &[HarmKind], when: &str) -> HarmInput {
    HarmInput {
        did: did.to_string(),
        should: should.to_string(),
        effect: effect.to_string(),
        kinds: kinds.to_vec(),
        when: when.to_string(),
        source: Some(HarmSource::Inventory),
        sponsor_agrees: Some(true),
        ..HarmInput::default()
    }
}

fn family() -> SafetyAnswers {
    SafetyAnswers {
        family: true,
        ..SafetyAnswers::default()
    }
}

fn fill(vault: &mut Vault, now: &Now) -> Result<(), VaultError> {
    let mut d = Demo {
        vault,
        now: now.at,
        today: now.today,
        tz: now.tz.clone(),
        usd: Settings::default().currency,
    };
    mum(&mut d)?;
    maya(&mut d)?;
    aunt_rosa(&mut d)?;
    sam(&mut d)?;
    dana(&mut d)?;
    cafe(&mut d)?;
    grandad(&mut d)?;
    claire(&mut d)?;
    neighbours(&mut d)?;
    landlord(&mut d)?;
    priya(&mut d)?;
    kevin(&mut d)?;
    marcus(&mut d)?;
    theo(&mut d)?;
    felix(&mut d)?;
    ray(&mut d)?;
    jon(&mut d)?;
    nell(&mut d)?;
    gavin(&mut d)?;
    Ok(())
}

/// Living amends as the amends itself: weekly calls, with one week missed.
fn mum(d: &mut Demo<'_>) -> Result<(), VaultError> {
    let p = d.party("Mum", PartyKind::Person, "mother", "", 300)?;
    d.harm(
        &p,
        harm(
            "Missed most of her Sunday lunches for three years. When I did come, I had been drinking and left early.",
            "Come when I said I would, sober, or call to say I could not.",
            "She stopped setting a place for me and told Claire she felt she had lost a son.",
            &[HarmKind::Emotional, HarmKind::Neglect, HarmKind::Time],
            "2020 to 2023",
        ),
        300,
    )?;
    let moved_out = d.harm(
        &p,
        harm(
            "Moved out at eighteen after an argument and did not phone for a month.",
            "Told her where I was going.",
            "She worried.",
            &[HarmKind::Emotional],
            "years ago",
        ),
        300,
    )?;
    d.willing(
        &p,
        Willingness::Later,
        "Not ready to sit across the table from her yet.",
        298,
    )?;
    let aside_on = d.at(250, 19);
    d.vault.set_aside_harm(
        moved_out,
        AsideReason::NoRealHarm,
        "Went over it with Bernie: leaving home was growing up. The harm that matters is the other entry.",
        &aside_on,
    )?;
    d.willing(
        &p,
        Willingness::Now,
        "After the family weekend I want to start.",
        220,
    )?;
    d.safety(&p, family(), 215)?;
    d.consult(
        &p,
        Adviser::Sponsor,
        "With your mother, actions first: a short, general admission, then keep showing up.",
        None,
        212,
    )?;
    d.plan(
        &p,
        Method::Living,
        "Mum, I have not been the son you deserved these last years. I am not drinking now, and I want to show it rather than just say it. I will call you every Sunday evening and come to lunch on the first Sunday of the month.",
        None,
        "",
        210,
    )?;
    d.consult(
        &p,
        Adviser::Sponsor,
        "Good. Say it once, then let the Sunday calls do the talking.",
        Some(true),
        209,
    )?;
    let starting = d.day(203);
    let cid = d.commit(
        &p,
        CommitmentInput::Living {
            behaviour: "Call Mum every Sunday evening, and come to lunch sober on the first Sunday of the month".into(),
            every: Cadence::Weekly,
            starting,
        },
        205,
    )?;
    for ago in (7..=203).rev().step_by(7) {
        let (kept, note) = match ago {
            203 => (true, "First call. Short, a little awkward, and good."),
            161 => (true, "She asked about the meetings. I told her."),
            63 => (
                false,
                "Away for work and forgot. Called on Monday and said so plainly.",
            ),
            56 => (
                true,
                "Back on track; she said she noticed the missed week and the Monday call.",
            ),
            21 => (true, "Lunch with her and Claire. Stayed to wash up."),
            _ => (true, ""),
        };
        d.check_in(cid, kept, ago, note)?;
    }
    Ok(())
}

/// A child: few words, then consistent actions.
fn maya(d: &mut Demo<'_>) -> Result<(), VaultError> {
    let p = d.party(
        "Maya, my daughter",
        PartyKind::Person,
        "daughter, nine years old",
        "",
        300,
    )?;
    d.harm(
        &p,
        harm(
            "Was late or did not turn up for my weekends with her, and made promises I did not keep.",
            "Kept small promises, and been there when I said.",
            "She stopped believing me when I said I would come.",
            &[HarmKind::Emotional, HarmKind::Neglect, HarmKind::Trust],
            "the last two years of drinking",
        ),
        300,
    )?;
    d.willing(&p, Willingness::Now, "", 295)?;
    d.safety(
        &p,
        SafetyAnswers {
            child: true,
            family: true,
            ..SafetyAnswers::default()
        },
        290,
    )?;
    d.plan(
        &p,
        Method::Living,
        "Maya, I was not there like I should have been. I am going to be on time now, every time.",
        None,
        "",
        282,
    )?;
    d.consult(
        &p,
        Adviser::Sponsor,
        "Few words; she will believe what you do, not what you say.",
        Some(true),
        281,
    )?;
    let starting = d.day(270);
    let cid = d.commit(
        &p,
        CommitmentInput::Living {
            behaviour: "Pick Maya up from school on my Wednesdays, on time and sober, and only promise what I can keep".into(),
            every: Cadence::Fortnightly,
            starting,
        },
        272,
    )?;
    for ago in (4..=270).rev().step_by(14) {
        let note = match ago {
            270 => "Early. She pretended not to be pleased.",
            172 => "She asked if I would come to her school play. I said yes and I went.",
            32 => "She ran out to the car today.",
            _ => "",
        };
        d.check_in(cid, true, ago, note)?;
    }
    Ok(())
}

/// Complete: money repaid in full and a promise kept.
fn aunt_rosa(d: &mut Demo<'_>) -> Result<(), VaultError> {
    let p = d.party("Aunt Rosa", PartyKind::Person, "aunt", "", 300)?;
    let mut h = harm(
        "Borrowed $400 from her for car repairs and spent it on drink. When she asked, I said the garage had overcharged me.",
        "Told her the truth, or not asked at all.",
        "She went without her winter coat that year and felt foolish for trusting me.",
        &[HarmKind::Financial, HarmKind::Trust],
        "autumn 2022",
    );
    h.owed = Some(d.usd("400.00"));
    d.harm(&p, h, 300)?;
    d.harm(
        &p,
        harm(
            "Promised to drive her to her seventieth birthday lunch and did not turn up.",
            "Kept my word, or arranged another way for her to get there.",
            "She waited at the window for an hour and arrived late to her own party.",
            &[HarmKind::Emotional, HarmKind::Trust],
            "March 2023",
        ),
        300,
    )?;
    d.willing(
        &p,
        Willingness::Now,
        "She is the easiest place to begin.",
        297,
    )?;
    d.safety(&p, family(), 290)?;
    d.plan(
        &p,
        Method::FaceToFace,
        "Aunt Rosa, I came to put right some things I did while I was drinking. I borrowed $400 and lied about what it was for, and I let you down on your birthday. There is no excuse. I want to pay you back. Is there anything else I did that hurt you? What can I do to set it right?",
        Some(270),
        "Her flat, over tea",
        285,
    )?;
    d.consult(
        &p,
        Adviser::Sponsor,
        "Keep it short, name both things plainly, then listen.",
        Some(true),
        284,
    )?;
    let a = d.attempt_input(
        270,
        Method::FaceToFace,
        Outcome::WithRequest,
        "That I visit once a month, and pay the money back when I can rather than all at once.",
        (
            "Shaky; I nearly cancelled.",
            "Lighter. She held my hand at the door.",
        ),
        "She said she had known about the money all along and had been waiting for me to say it.",
    );
    d.attempt(&p, a, 270)?;
    let starting = d.day(262);
    let cid = d.commit(
        &p,
        CommitmentInput::Restitution {
            amount: d.usd("400.00"),
            instalment: Some(d.usd("200.00")),
            every: Some(Cadence::Monthly),
            starting,
        },
        269,
    )?;
    d.pay(cid, "200.00", 262, "Handed it to her in an envelope.")?;
    d.pay(cid, "200.00", 232, "Paid in full.")?;
    let due = d.day(40);
    let promise = d.commit(
        &p,
        CommitmentInput::Promise {
            text: "Visit Aunt Rosa once a month until the end of the summer".into(),
            due,
        },
        269,
    )?;
    let kept_on = d.at(40, 20);
    d.vault
        .close_commitment(promise, Closure::Kept, kept_on.today, &kept_on)?;
    Ok(())
}

/// Reopened by a Step 10 capture after the amends was made.
fn sam(d: &mut Demo<'_>) -> Result<(), VaultError> {
    let p = d.party(
        "Sam, my brother",
        PartyKind::Person,
        "younger brother",
        "",
        300,
    )?;
    d.harm(
        &p,
        harm(
            "Let our parents believe he had taken the money from Dad's drawer, when it was me.",
            "Owned up straight away.",
            "He was grounded for a month and Dad did not trust him for years.",
            &[HarmKind::Trust, HarmKind::Emotional],
            "summer 2012",
        ),
        300,
    )?;
    d.willing(
        &p,
        Willingness::Maybe,
        "It was so long ago. Does it matter?",
        299,
    )?;
    d.willing(
        &p,
        Willingness::Now,
        "Bernie asked how Sam would answer that. I know the answer.",
        260,
    )?;
    d.safety(&p, family(), 255)?;
    d.plan(
        &p,
        Method::FaceToFace,
        "Sam, when we were kids I let Mum and Dad think you took the money from Dad's drawer. It was me, and I let you carry it. I am sorry. Is there anything else I have done that I should know about?",
        Some(240),
        "A walk along the river path",
        250,
    )?;
    d.consult(
        &p,
        Adviser::Sponsor,
        "Tell him, then tell your dad too if Sam wants that.",
        Some(true),
        249,
    )?;
    let a = d.attempt_input(
        240,
        Method::FaceToFace,
        Outcome::Warm,
        "",
        (
            "Oddly nervous for something so old.",
            "We laughed about it in the end. He said he always knew.",
        ),
        "",
    );
    d.attempt(&p, a, 240)?;
    let captured = d.at(9, 22);
    d.vault.capture(
        "Sam, my brother",
        PartyKind::Person,
        &HarmInput {
            did: "Snapped at him on the phone about the plans for Dad's birthday and hung up."
                .into(),
            should: "Said I was tired and asked to talk the next day.".into(),
            effect: "He sent a short message afterwards; he sounded hurt.".into(),
            kinds: vec![HarmKind::Emotional],
            when: "this month".into(),
            ..HarmInput::default()
        },
        &captured,
    )?;
    Ok(())
}

/// A court order: no contact of any kind, so only an unsent letter, indirect or living amends.
fn dana(d: &mut Demo<'_>) -> Result<(), VaultError> {
    let p = d.party(
        "Dana, my ex-partner",
        PartyKind::Person,
        "ex-partner",
        "There is a no-contact order. I do not contact her in any way.",
        300,
    )?;
    d.harm(
        &p,
        harm(
            "Went to her flat drunk, more than once after she asked me to stop, and shouted through the door.",
            "Stayed away when she asked me to.",
            "She was frightened in her own home and went to court for an order.",
            &[HarmKind::Emotional, HarmKind::Trust],
            "winter 2023",
        ),
        300,
    )?;
    d.willing(
        &p,
        Willingness::Never,
        "I still feel she took too much from me.",
        299,
    )?;
    d.willing(&p, Willingness::Maybe, "Softer about it than I was.", 180)?;
    d.willing(
        &p,
        Willingness::Now,
        "My therapist helped me see my part without needing to weigh hers.",
        120,
    )?;
    d.safety(
        &p,
        SafetyAnswers {
            court_order: true,
            ..SafetyAnswers::default()
        },
        118,
    )?;
    d.consult(
        &p,
        Adviser::Therapist,
        "No contact means no contact, including replies. Write the letter for yourself and read it here or to your sponsor.",
        None,
        110,
    )?;
    d.plan(
        &p,
        Method::UnsentLetter,
        "I frightened you in your own home. You asked me to stay away and I did not. You were right to go to court. I will keep away, and I will keep doing the work so that no one is frightened of me again. This letter stays with me.",
        None,
        "Read to Bernie, then kept",
        100,
    )?;
    Ok(())
}

/// Legal risk, a lawyer first, then restitution paid month by month.
fn cafe(d: &mut Demo<'_>) -> Result<(), VaultError> {
    let p = d.party(
        "Former employer (Blue Harbour Café)",
        PartyKind::Organisation,
        "former employer",
        "The owner still runs it.",
        300,
    )?;
    let mut h = harm(
        "Took cash from the till on late shifts, about $1,200 over six months, and voided sales to cover it.",
        "Asked for an advance, or told someone I was in trouble.",
        "The owner cut staff hours to make up the shortfall, and two colleagues were suspected.",
        &[HarmKind::Financial, HarmKind::Trust],
        "2021",
    );
    h.owed = Some(d.usd("1200.00"));
    d.harm(&p, h, 300)?;
    d.willing(
        &p,
        Willingness::Later,
        "Frightened of what could happen to me.",
        300,
    )?;
    d.willing(
        &p,
        Willingness::Now,
        "The fear is still there, but so is the debt.",
        200,
    )?;
    d.safety(
        &p,
        SafetyAnswers {
            legal_risk: true,
            legal_decision: "After taking legal advice I decided to meet the owner, say I owe the money and repay it in instalments.".into(),
            ..SafetyAnswers::default()
        },
        198,
    )?;
    d.consult(
        &p,
        Adviser::Lawyer,
        "Offer repayment; do not put details in writing before we talk again.",
        None,
        195,
    )?;
    d.plan(
        &p,
        Method::FaceToFace,
        "I came to own something. While I worked here I took money from the till, about $1,200. Nobody else had any part in it. I want to pay it back, and I would like to agree how.",
        Some(175),
        "The café, before opening",
        190,
    )?;
    d.consult(
        &p,
        Adviser::Sponsor,
        "Keep to your part and the money. Do not argue about the amount.",
        Some(true),
        188,
    )?;
    let a = d.attempt_input(
        175,
        Method::FaceToFace,
        Outcome::WithRequest,
        "Repay the $1,200 at $100 a month, by bank transfer.",
        ("Sick with nerves all morning.", "Relieved. She was firm but fair, and said she would tell the two staff who were suspected."),
        "",
    );
    d.attempt(&p, a, 175)?;
    let starting = d.day(170);
    let cid = d.commit(
        &p,
        CommitmentInput::Restitution {
            amount: d.usd("1200.00"),
            instalment: Some(d.usd("100.00")),
            every: Some(Cadence::Monthly),
            starting,
        },
        174,
    )?;
    for n in 0..12 {
        let on = starting
            .checked_add(Span::new().months(n))
            .unwrap_or(starting);
        let ago = (d.today - on).get_days() as i64;
        if ago < 1 {
            break;
        }
        let note = if n == 0 { "First transfer." } else { "" };
        d.pay(cid, "100.00", ago, note)?;
    }
    Ok(())
}

/// Someone who has died: an unsent letter read at the grave.
fn grandad(d: &mut Demo<'_>) -> Result<(), VaultError> {
    let p = d.party(
        "Grandad Walter",
        PartyKind::Deceased,
        "grandfather",
        "Died four years ago.",
        300,
    )?;
    d.harm(
        &p,
        harm(
            "Stopped visiting him in the care home in his last year because I did not want him to see me drinking.",
            "Visited him sober, or visited anyway.",
            "He asked after me and was told I was busy.",
            &[HarmKind::Neglect, HarmKind::Emotional],
            "his last year",
        ),
        300,
    )?;
    d.willing(&p, Willingness::Now, "", 300)?;
    d.safety(
        &p,
        SafetyAnswers {
            deceased: true,
            family: true,
            ..SafetyAnswers::default()
        },
        160,
    )?;
    d.plan(
        &p,
        Method::UnsentLetter,
        "Grandad, I stayed away in your last year because I was ashamed of what I had become. You deserved visits and I gave you excuses. I am sober now. I still have the watch, and I wind it on Sundays.",
        Some(140),
        "At his grave, with Bernie",
        150,
    )?;
    d.consult(
        &p,
        Adviser::Sponsor,
        "Read it slowly. Then tell him about this year.",
        Some(true),
        148,
    )?;
    let a = d.attempt_input(
        140,
        Method::UnsentLetter,
        Outcome::Done,
        "",
        ("Heavy.", "Quiet. I stayed a long while."),
        "Read the letter aloud at his grave with Bernie beside me, then left flowers.",
    );
    d.attempt(&p, a, 140)?;
    Ok(())
}

/// Deferred with a reason and a date to look again.
fn claire(d: &mut Demo<'_>) -> Result<(), VaultError> {
    let p = d.party(
        "Claire, my sister",
        PartyKind::Person,
        "older sister",
        "",
        300,
    )?;
    d.harm(
        &p,
        harm(
            "Left her to arrange all of Dad's hospital visits for a whole winter, then criticised how she did it.",
            "Shared the driving and kept my opinions to myself.",
            "She was exhausted, and felt alone with it.",
            &[HarmKind::Neglect, HarmKind::Time, HarmKind::Emotional],
            "winter 2022",
        ),
        300,
    )?;
    d.willing(&p, Willingness::Now, "", 296)?;
    d.safety(&p, family(), 130)?;
    d.plan(
        &p,
        Method::FaceToFace,
        "Claire, that winter with Dad I left it all to you, and then I found fault. That was wrong. What can I do now to share the load?",
        None,
        "Her kitchen",
        125,
    )?;
    d.consult(
        &p,
        Adviser::Sponsor,
        "Ready when she is. Do not choose a week that suits you but not her.",
        Some(true),
        120,
    )?;
    let now = d.at(45, 17);
    let review = d.day(-24);
    d.vault.defer(
        &p,
        "She is caring for Dad after his operation and asked for some space until things settle. Bernie agrees that waiting is kinder than pressing.",
        review,
        &now,
    )?;
    Ok(())
}

/// A group without names: a letter through each door, and a request not yet recorded as a commitment.
fn neighbours(d: &mut Demo<'_>) -> Result<(), VaultError> {
    let p = d.party(
        "Neighbours on Elm Street",
        PartyKind::Group,
        "the street I lived on",
        "",
        290,
    )?;
    let mut h = harm(
        "Played loud music late most weekends, and drove into a fence one night and never owned up.",
        "Kept the noise down after ten, and knocked on their door the next morning.",
        "Families with small children lost sleep; one household paid for the fence themselves.",
        &[HarmKind::Property, HarmKind::Emotional, HarmKind::Time],
        "2019 to 2021",
    );
    h.property = "A fence panel at number 14".into();
    d.harm(&p, h, 290)?;
    d.willing(&p, Willingness::Now, "", 285)?;
    d.safety(&p, SafetyAnswers::default(), 80)?;
    d.plan(
        &p,
        Method::Letter,
        "To my neighbours on Elm Street: for two years I was the noisy house. I also damaged a fence and said nothing. I was drinking then and I am not now. I am sorry for the sleepless nights. If I owe you something, please tell me.",
        Some(60),
        "Through each door on the street",
        75,
    )?;
    let a = d.attempt_input(
        60,
        Method::Letter,
        Outcome::WithRequest,
        "The family at number 14 wrote back asking me to pay for the fence panel.",
        (
            "Embarrassed walking up the street.",
            "Two neighbours waved. One note back, polite.",
        ),
        "",
    );
    d.attempt(&p, a, 60)?;
    Ok(())
}

/// Ready: a third party's consent recorded and the plan approved.
fn landlord(d: &mut Demo<'_>) -> Result<(), VaultError> {
    let p = d.party(
        "Mr Haldane, my former landlord",
        PartyKind::Person,
        "former landlord",
        "",
        290,
    )?;
    let mut h = harm(
        "Let my cousin Leo live in the spare room for a year without asking, and left the carpet ruined when we moved out.",
        "Asked first, and cleaned or paid for the carpet.",
        "He lost part of the deposit's worth and found out from another tenant.",
        &[HarmKind::Trust, HarmKind::Property],
        "2020 to 2021",
    );
    h.third_parties = vec!["Leo".into()];
    h.property = "The spare room's carpet".into();
    d.harm(&p, h, 290)?;
    d.willing(&p, Willingness::Maybe, "", 280)?;
    d.willing(&p, Willingness::Now, "", 90)?;
    d.safety(
        &p,
        SafetyAnswers {
            third_parties: true,
            ..SafetyAnswers::default()
        },
        85,
    )?;
    let now = d.at(80, 19);
    d.vault.consent(
        &p,
        "Leo",
        true,
        now.today,
        "Said he is fine with it coming up, and wants to pay half for the carpet.",
        &now,
    )?;
    d.plan(
        &p,
        Method::FaceToFace,
        "Mr Haldane, while I rented from you I let someone live in the spare room without asking, and I left the carpet ruined. That was not honest. I would like to pay for the carpet. Is there anything else I should put right?",
        Some(-6),
        "His office",
        40,
    )?;
    d.consult(
        &p,
        Adviser::Sponsor,
        "Good that Leo agreed. Keep the focus on your part.",
        Some(true),
        38,
    )?;
    Ok(())
}

/// Following through: a promise due in a few days.
fn priya(d: &mut Demo<'_>) -> Result<(), VaultError> {
    let p = d.party(
        "Priya, a former colleague",
        PartyKind::Person,
        "colleague at the print shop",
        "",
        290,
    )?;
    d.harm(
        &p,
        harm(
            "Presented the winter sales report as my own work at a team meeting, when she had written most of it.",
            "Said whose work it was.",
            "She was passed over for the team lead post that spring.",
            &[HarmKind::Trust],
            "early 2022",
        ),
        290,
    )?;
    d.willing(&p, Willingness::Now, "", 285)?;
    d.safety(&p, SafetyAnswers::default(), 100)?;
    d.plan(
        &p,
        Method::Video,
        "Priya, I took credit for the winter report. It was your work, and I let it count for me. I am sorry. What can I do to set it right?",
        Some(30),
        "",
        95,
    )?;
    d.consult(
        &p,
        Adviser::Sponsor,
        "A call is right, since she moved away. Offer, do not insist.",
        Some(true),
        94,
    )?;
    let a = d.attempt_input(
        30,
        Method::Video,
        Outcome::WithRequest,
        "That I write to our old manager saying the report was hers.",
        (
            "Worried she would not pick up.",
            "Glad. She was surprised, then kind.",
        ),
        "",
    );
    d.attempt(&p, a, 30)?;
    let due = d.day(-3);
    d.commit(
        &p,
        CommitmentInput::Promise {
            text: "Write to our old manager that the winter report was Priya's work".into(),
            due,
        },
        29,
    )?;
    Ok(())
}

/// Set aside: he was the one who did the harm.
fn kevin(d: &mut Demo<'_>) -> Result<(), VaultError> {
    let p = d.party(
        "Kevin, supervisor at the depot",
        PartyKind::Person,
        "former supervisor",
        "",
        290,
    )?;
    d.harm(
        &p,
        harm(
            "Argued with him in front of the team and reported him to the office.",
            "",
            "",
            &[HarmKind::Emotional],
            "2019",
        ),
        290,
    )?;
    let now = d.at(200, 19);
    d.vault.set_aside_party(
        &p,
        AsideReason::IWasHarmed,
        "Talked it through with Bernie: he bullied me for two years. My part, shouting back, belongs to how I handle conflict now.",
        &now,
    )?;
    Ok(())
}

/// Listed, willingness "never": keep asking.
fn marcus(d: &mut Demo<'_>) -> Result<(), VaultError> {
    let p = d.party(
        "Marcus, my old flatmate",
        PartyKind::Person,
        "flatmate",
        "",
        290,
    )?;
    let mut h = harm(
        "Let him cover my share of the bills for three months, then moved out without a word.",
        "Paid my share, or told him I could not.",
        "He had to borrow from his parents.",
        &[HarmKind::Financial, HarmKind::Trust],
        "2018",
    );
    h.owed = Some(d.usd("450.00"));
    d.harm(&p, h, 290)?;
    d.willing(
        &p,
        Willingness::Never,
        "He kept my guitar and I am still angry about it.",
        288,
    )?;
    d.willing(
        &p,
        Willingness::Never,
        "Still no. Less angry than I was. Bernie says to keep asking, so I will.",
        50,
    )?;
    Ok(())
}

/// Willing now, no plan yet.
fn theo(d: &mut Demo<'_>) -> Result<(), VaultError> {
    let p = d.party(
        "Theo, my oldest friend",
        PartyKind::Person,
        "friend since school",
        "",
        240,
    )?;
    d.harm(
        &p,
        harm(
            "Gave a drunk best man's speech at his wedding and embarrassed him in front of his new family.",
            "Stayed sober for one day.",
            "He did not speak to me for a year.",
            &[HarmKind::Emotional, HarmKind::Trust],
            "June 2022",
        ),
        240,
    )?;
    d.willing(&p, Willingness::Maybe, "", 230)?;
    d.willing(
        &p,
        Willingness::Now,
        "Saw the wedding photos again and knew it was time.",
        20,
    )?;
    Ok(())
}

/// Attempted: no answer, then the number no longer worked.
fn felix(d: &mut Demo<'_>) -> Result<(), VaultError> {
    let p = d.party(
        "Felix, my old bandmate",
        PartyKind::Person,
        "bandmate",
        "",
        240,
    )?;
    let mut h = harm(
        "Sold the band's amplifier, kept the money, and said it had been stolen from my car.",
        "Asked the others first.",
        "The band split up soon after, partly over it.",
        &[HarmKind::Financial, HarmKind::Property, HarmKind::Trust],
        "2019",
    );
    h.owed = Some(d.usd("250.00"));
    d.harm(&p, h, 240)?;
    d.willing(&p, Willingness::Now, "", 235)?;
    d.safety(&p, SafetyAnswers::default(), 60)?;
    d.plan(
        &p,
        Method::Phone,
        "Felix, it is about the amp. It was not stolen: I sold it and kept the money. I want to pay you your share.",
        Some(25),
        "",
        55,
    )?;
    let a = d.attempt_input(
        25,
        Method::Phone,
        Outcome::NoAnswer,
        "",
        ("Ready.", "Flat."),
        "Left a short message asking if he would be willing to talk.",
    );
    d.attempt(&p, a, 25)?;
    let a = d.attempt_input(
        12,
        Method::Phone,
        Outcome::Unreachable,
        "",
        ("", ""),
        "The number no longer works. Sam might know someone who still sees him.",
    );
    d.attempt(&p, a, 12)?;
    Ok(())
}

/// Listed, willingness "maybe".
fn ray(d: &mut Demo<'_>) -> Result<(), VaultError> {
    let p = d.party(
        "Ray at the corner shop",
        PartyKind::Person,
        "shopkeeper",
        "",
        240,
    )?;
    let mut h = harm(
        "Took small things from his shelves for about a year: chocolate, batteries, once a bottle.",
        "Paid, or gone without.",
        "Money out of a small family business.",
        &[HarmKind::Financial, HarmKind::Trust],
        "2021",
    );
    h.sponsor_agrees = None;
    d.harm(&p, h, 240)?;
    d.willing(
        &p,
        Willingness::Maybe,
        "Not sure how to go about it without making things worse.",
        35,
    )?;
    Ok(())
}

/// Listed, willingness "later".
fn jon(d: &mut Demo<'_>) -> Result<(), VaultError> {
    let p = d.party(
        "Jon, my manager at the warehouse",
        PartyKind::Person,
        "former manager",
        "",
        240,
    )?;
    let mut h = harm(
        "Called in sick most Mondays for a year when I was hungover, leaving the team short.",
        "Gone to work, or been honest about why I could not.",
        "Others covered my shifts; he had to explain the gaps to his own boss.",
        &[HarmKind::Time, HarmKind::Trust],
        "2020",
    );
    h.source = Some(HarmSource::Memory);
    d.harm(&p, h, 240)?;
    d.willing(
        &p,
        Willingness::Later,
        "I want to finish the family amends first.",
        28,
    )?;
    Ok(())
}

/// Step 10: a new name goes onto the list the day it happens, and the amends follows soon.
fn nell(d: &mut Demo<'_>) -> Result<(), VaultError> {
    let now = d.at(130, 22);
    let c = d.vault.capture(
        "Nell, a friend from the Thursday meeting",
        PartyKind::Person,
        &HarmInput {
            did: "Repeated something she had shared at the meeting to two people outside it."
                .into(),
            should: "Kept it to myself: what is said there stays there.".into(),
            kinds: vec![HarmKind::Trust],
            when: "this week".into(),
            ..HarmInput::default()
        },
        &now,
    )?;
    let p = PartyRef::Id(c.party_id);
    d.willing(&p, Willingness::Now, "Straight away, before it grows.", 129)?;
    d.safety(&p, SafetyAnswers::default(), 129)?;
    d.plan(
        &p,
        Method::FaceToFace,
        "Nell, I repeated something you shared at the meeting. That was wrong of me, and I have told the two people it was not mine to pass on.",
        Some(126),
        "Coffee after the meeting",
        128,
    )?;
    let a = d.attempt_input(
        126,
        Method::FaceToFace,
        Outcome::Warm,
        "",
        ("Ashamed.", "Grateful she heard me out."),
        "She said it took courage to come straight to her.",
    );
    d.attempt(&p, a, 126)?;
    Ok(())
}

/// Complete: money owed, repaid in one go.
fn gavin(d: &mut Demo<'_>) -> Result<(), VaultError> {
    let p = d.party(
        "Gavin, who bought my old car",
        PartyKind::Person,
        "bought my car",
        "",
        75,
    )?;
    let mut h = harm(
        "Sold him my old car without telling him about the gearbox fault I knew about.",
        "Told him, and dropped the price.",
        "He paid $300 for the repair a month later.",
        &[HarmKind::Financial, HarmKind::Trust],
        "spring 2023",
    );
    h.source = Some(HarmSource::Memory);
    h.owed = Some(d.usd("300.00"));
    d.harm(&p, h, 75)?;
    d.willing(&p, Willingness::Now, "", 74)?;
    d.safety(&p, SafetyAnswers::default(), 70)?;
    d.plan(
        &p,
        Method::Phone,
        "Gavin, when I sold you the car I knew the gearbox was going and I did not say. I would like to pay you back the $300 for the repair.",
        Some(52),
        "",
        68,
    )?;
    let a = d.attempt_input(
        52,
        Method::Phone,
        Outcome::WithRequest,
        "That I send the $300 to his bank account.",
        (
            "Expecting him to be angry.",
            "He was short with me, then thanked me.",
        ),
        "",
    );
    d.attempt(&p, a, 52)?;
    let starting = d.day(50);
    let cid = d.commit(
        &p,
        CommitmentInput::Restitution {
            amount: d.usd("300.00"),
            instalment: None,
            every: None,
            starting,
        },
        52,
    )?;
    d.pay(cid, "300.00", 50, "Sent in one transfer.")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use amends_core::stage::Stage;
    use amends_core::summary::summarise;

    #[test]
    fn the_demo_shows_every_stage_and_every_willingness() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let vault = create(&dir.path().join("demo.amends")).expect("the demo is created");
        let records = vault.records().expect("the demo can be read");
        let (_, summary) = summarise(&records, &crate::state::now());
        for (stage, n) in &summary.by_stage {
            assert!(*n > 0, "no party in the demo is at the stage {stage}");
        }
        assert_eq!(summary.by_stage.len(), Stage::ALL.len());
        for w in Willingness::ALL {
            let n = summary
                .by_willingness
                .iter()
                .find(|(l, _)| *l == Some(*w))
                .map_or(0, |(_, n)| *n);
            assert!(
                n > 0,
                "no party in the demo has the willingness {}",
                w.code()
            );
        }
        assert!(summary.checkins_kept > 0 && summary.checkins_missed == 1);
        assert!(!summary.outstanding.is_empty());
    }

    #[test]
    fn the_demo_opens_with_its_passphrase() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("demo.amends");
        drop(create(&path).expect("the demo is created"));
        Vault::open(&path, &SecretString::from(PASSPHRASE)).expect("the demo opens");
    }
}
