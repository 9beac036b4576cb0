//! The workbook as every export and print shows it: one [`Sheet`], built from the records with
//! the discreet rules applied (see [`crate::discreet`]), read by the CSV, Markdown and PDF
//! writers. A field that discreet leaves out is `None`; a field the person left empty is `""`.

use amends_core::Now;
use amends_core::model::{
    Adviser, CommitmentKind, HarmKind, HarmSource, Id, Method, PartyKind, PartyRecord, Willingness,
};
use amends_core::money::Money;
use amends_core::rules::{Contact, Rule, approval_for_plan, verdict};
use amends_core::stage::{Stage, derive, readiness_gaps};
use jiff::civil::Date;

use crate::discreet::{Discreet, Options};

/// The whole workbook, ready to write.
#[derive(Clone, Debug)]
pub struct Sheet {
    /// The day it was made.
    pub made: Date,
    pub options: Options,
    /// Every party, in the order of the list (set aside ones included; see [`Sheet::on_list`]).
    pub parties: Vec<PartySheet>,
}

/// What a worksheet holds: the whole list, or one party's page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The list with harms and willingness, then a page for each plan.
    Worksheet,
    /// One party's page: its harms, its plan (if any) and room for notes.
    Party(Id),
}

/// One party.
#[derive(Clone, Debug)]
pub struct PartySheet {
    pub id: Id,
    /// The name, or its initials.
    pub name: String,
    pub kind: PartyKind,
    pub relationship: Option<String>,
    pub notes: Option<String>,
    pub stage: Stage,
    pub stage_reason: String,
    pub set_aside: bool,
    pub willingness: Option<Willingness>,
    /// The day the willingness was last given.
    pub willing_since: Option<Date>,
    pub contact: Contact,
    /// The rules that apply, by number (their titles are [`Rule::title`]).
    pub rules: Vec<Rule>,
    /// The rules' reasons in full; empty when discreet (they can tell the story).
    pub reasons: Vec<String>,
    pub review_required: bool,
    pub consent_required: bool,
    pub lawyer_first: bool,
    pub harms: Vec<HarmSheet>,
    pub plan: Option<PlanSheet>,
    /// What still stands between the plan and "ready".
    pub gaps: Vec<String>,
    pub commitments: Vec<CommitmentSheet>,
    /// The last attempt, in words: "3 May 2026, a letter: received warmly".
    pub last_attempt: Option<String>,
}

/// One harm.
#[derive(Clone, Debug)]
pub struct HarmSheet {
    pub id: Id,
    pub set_aside: bool,
    pub kinds: Vec<HarmKind>,
    pub when: Option<String>,
    pub did: Option<String>,
    pub effect: Option<String>,
    pub should: Option<String>,
    pub owed: Option<Money>,
    pub property: Option<String>,
    /// Names (or initials) of the others involved.
    pub third_parties: Vec<String>,
    pub source: HarmSource,
    pub sponsor_agrees: Option<bool>,
    pub recorded: Date,
}

/// The plan in force.
#[derive(Clone, Debug)]
pub struct PlanSheet {
    pub method: Method,
    pub on: Option<Date>,
    pub place: Option<String>,
    pub script: Option<String>,
    /// The review, in words: who approved it and when, or that it still waits, or is not needed.
    pub approval: String,
    /// Each person asked for consent (R1), in words: "B. S.: gave consent on 2 May 2026".
    pub consents: Vec<String>,
    pub deferral: Option<DeferralSheet>,
    /// Nothing stands between the plan and making the amends (see `PartySheet::gaps`).
    pub ready: bool,
}

#[derive(Clone, Debug)]
pub struct DeferralSheet {
    pub review_on: Date,
    pub reason: Option<String>,
}

/// A commitment still open or closed.
#[derive(Clone, Debug)]
pub struct CommitmentSheet {
    /// "restitution", "living amends" or "promise".
    pub kind: &'static str,
    /// The behaviour or promise in the person's words.
    pub text: Option<String>,
    /// Amounts, cadence and dates in the app's words.
    pub detail: String,
    pub open: bool,
}

/// A short word for a kind of party, for tables.
pub fn kind_word(kind: PartyKind) -> &'static str {
    match kind {
        PartyKind::Person => "person",
        PartyKind::Organisation => "organisation",
        PartyKind::Deceased => "has died",
        PartyKind::Unreachable => "cannot be found",
        PartyKind::Group => "group",
        PartyKind::Myself => "myself",
    }
}

/// A date as people read it ("3 May 2026").
pub fn day(d: Date) -> String {
    d.strftime("%-d %B %Y").to_string()
}

/// The verdict in a few words: the contact allowed and the rules that apply.
pub fn verdict_words(p: &PartySheet) -> String {
    let mut s = p.contact.label().to_string();
    if !p.rules.is_empty() {
        s.push_str(" (");
        s.push_str(
            &p.rules
                .iter()
                .map(|r| format!("{} {}", r.code(), r.title()))
                .collect::<Vec<_>>()
                .join("; "),
        );
        s.push(')');
    }
    s
}

/// Every name a record holds, for finding them in text.
fn names_of(r: &PartyRecord) -> impl Iterator<Item = &str> {
    std::iter::once(r.party.name.as_str())
        .chain(
            r.harms
                .iter()
                .flat_map(|h| h.third_parties.iter().map(String::as_str)),
        )
        .chain(r.consents.iter().map(|c| c.who.as_str()))
        .chain(r.consultations.iter().map(|c| c.name.as_str()))
}

fn adviser_word(a: Adviser) -> &'static str {
    a.label()
}

impl Sheet {
    /// Builds the sheet of `records` as of `now`, with `options` applied.
    pub fn build(records: &[PartyRecord], now: &Now, options: Options) -> Sheet {
        let d = Discreet::new(options, records.iter().flat_map(names_of));
        let parties = records.iter().map(|r| party(r, now, &d)).collect();
        Sheet {
            made: now.today,
            options,
            parties,
        }
    }

    /// The parties still on the list (not set aside).
    pub fn on_list(&self) -> impl Iterator<Item = &PartySheet> {
        self.parties.iter().filter(|p| !p.set_aside)
    }

    /// Keeps only the party `id`; `None` if it is not in the sheet.
    pub fn only(mut self, id: Id) -> Option<Sheet> {
        self.parties.retain(|p| p.id == id);
        (!self.parties.is_empty()).then_some(self)
    }
}

fn party(r: &PartyRecord, now: &Now, d: &Discreet) -> PartySheet {
    let stage = derive(r, now);
    let set_aside = stage.stage == Stage::SetAside;
    let stage_reason = match r.current_aside() {
        // The note of a set-aside is the person's words.
        Some(a) if !d.options.shows_notes() => format!("set aside: {}", a.reason.label()),
        _ => d.derived(&stage.reason),
    };
    let v = verdict(r);
    let mut rules: Vec<Rule> = v.reasons.iter().map(|x| x.rule).collect();
    rules.dedup();
    let fallback = format!("entry {}", r.party.id);
    let harms = r
        .harms
        .iter()
        .map(|h| HarmSheet {
            id: h.id,
            set_aside: h.is_set_aside(),
            kinds: h.kinds.clone(),
            when: d.harm_detail(&h.when),
            did: d.harm_detail(&h.did),
            effect: d.harm_detail(&h.effect),
            should: d.harm_detail(&h.should),
            owed: h.owed,
            property: d.harm_detail(&h.property),
            third_parties: h
                .third_parties
                .iter()
                .map(|n| d.name(n, "someone"))
                .collect(),
            source: h.source,
            sponsor_agrees: h.sponsor_agrees,
            recorded: now.date_of(h.recorded),
        })
        .collect();
    let gaps: Vec<String> = if r.plan.is_some() {
        readiness_gaps(r).iter().map(|g| d.derived(g)).collect()
    } else {
        Vec::new()
    };
    let plan = r.plan.as_ref().map(|p| {
        let approval = match approval_for_plan(r) {
            Some(c) => {
                let who = if c.name.trim().is_empty() {
                    String::new()
                } else {
                    format!(" ({})", d.name(&c.name, "named"))
                };
                format!(
                    "approved by your {}{who} on {}",
                    adviser_word(c.with),
                    day(c.on)
                )
            }
            None if v.review_required => "not approved yet: a review is needed (R2)".to_string(),
            None => "no review needed".to_string(),
        };
        let consents = r
            .consents
            .iter()
            .map(|c| {
                format!(
                    "{}: {} on {}",
                    d.name(&c.who, "someone"),
                    if c.given {
                        "gave consent"
                    } else {
                        "did not consent"
                    },
                    day(c.on)
                )
            })
            .collect();
        PlanSheet {
            method: p.method,
            on: p.on,
            place: d.words(&p.place),
            script: d.words(&p.script),
            approval,
            consents,
            deferral: r.active_deferral().map(|x| DeferralSheet {
                review_on: x.review_on,
                reason: d.words(&x.reason),
            }),
            ready: gaps.is_empty(),
        }
    });

    let commitments = r
        .commitments
        .iter()
        .map(|c| {
            let (text, detail) = match &c.kind {
                CommitmentKind::Restitution {
                    amount,
                    instalment,
                    every,
                    ..
                } => {
                    let mut detail = amount.to_string();
                    if let (Some(i), Some(e)) = (instalment, every) {
                        detail.push_str(&format!(", {i} {}", e.label()));
                    }
                    if let Some(b) = c.balance() {
                        detail.push_str(&format!(", {b} still to repay"));
                    }
                    (None, detail)
                }
                CommitmentKind::Living {
                    behaviour,
                    every,
                    checkins,
                    ..
                } => {
                    let kept = checkins.iter().filter(|k| k.kept).count();
                    (
                        d.words(behaviour),
                        format!(
                            "{}; {kept} of {} check-ins kept",
                            every.label(),
                            checkins.len()
                        ),
                    )
                }
                CommitmentKind::Promise { text, due } => {
                    (d.words(text), format!("due {}", day(*due)))
                }
            };
            CommitmentSheet {
                kind: c.kind_label(),
                text,
                detail,
                open: c.is_open(),
            }
        })
        .collect();
    let last_attempt = r
        .attempts
        .iter()
        .max_by_key(|a| (a.recorded, a.id))
        .map(|a| format!("{}, {}: {}", day(a.on), a.method.label(), a.outcome.label()));
    let willing = r.willingness_now();
    PartySheet {
        id: r.party.id,
        name: d.name(&r.party.name, &fallback),
        kind: r.party.kind,
        relationship: d.words(&r.party.relationship),
        notes: d.words(&r.party.notes),
        stage: stage.stage,
        stage_reason,
        set_aside,
        willingness: willing.map(|w| w.level),
        willing_since: willing.map(|w| now.date_of(w.at)),
        contact: v.contact,
        rules,
        reasons: if d.options.discreet {
            Vec::new()
        } else {
            v.reasons.iter().map(|x| x.text.clone()).collect()
        },
        review_required: v.review_required,
        consent_required: v.consent_required,
        lawyer_first: v.lawyer_first,
        harms,
        plan,
        gaps,
        commitments,
        last_attempt,
    }
}

impl PartySheet {
    /// Harms still on the list.
    pub fn live_harms(&self) -> impl Iterator<Item = &HarmSheet> {
        self.harms.iter().filter(|h| !h.set_aside)
    }

    /// Money owed on the harms still on the list, summed per currency ("120.00 USD").
    pub fn owed(&self) -> String {
        let mut sums: Vec<Money> = Vec::new();
        for m in self.live_harms().filter_map(|h| h.owed) {
            match sums.iter_mut().find(|s| s.currency == m.currency) {
                Some(s) => s.minor = s.minor.saturating_add(m.minor),
                None => sums.push(m),
            }
        }
        sums.iter()
            .map(Money::to_string)
            .collect::<Vec<_>>()
            .join(" + ")
    }

    /// The kinds of harm across the harms still on the list, each once.
    pub fn harm_kinds(&self) -> Vec<HarmKind> {
        let mut kinds: Vec<HarmKind> = self
            .live_harms()
            .flat_map(|h| h.kinds.iter().copied())
            .collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }
}

#[cfg(test)]
pub(crate) mod testdata {
    //! A small workbook with everything the formats show, and names that try to break them.

    use amends_core::Now;
    use amends_core::model::*;
    use amends_core::money::{Currency, Money};
    use jiff::Timestamp;
    use jiff::civil::date;
    use jiff::tz::TimeZone;

    pub const FORMULA: &str = "=HYPERLINK(\"http://evil.example\",\"Click\")";

    pub fn now() -> Now {
        Now::new(
            "2026-05-03T10:00:00Z".parse::<Timestamp>().unwrap(),
            TimeZone::UTC,
        )
    }

    fn at(s: &str) -> Timestamp {
        format!("{s}T09:00:00Z").parse().unwrap()
    }

    fn party(id: Id, name: &str, kind: PartyKind, relationship: &str) -> PartyRecord {
        PartyRecord::new(Party {
            id,
            name: name.into(),
            kind,
            relationship: relationship.into(),
            notes: format!("notes about {name}"),
            created: at("2026-01-10"),
        })
    }

    pub fn harm(id: Id, party_id: Id, did: &str, third: &[&str]) -> Harm {
        Harm {
            id,
            party_id,
            did: did.into(),
            should: "told the truth".into(),
            effect: "they lost trust in me".into(),
            kinds: vec![HarmKind::Trust, HarmKind::Financial],
            when: "summer 2019".into(),
            owed: Some(Money::new(12050, Currency::parse("USD").unwrap())),
            property: String::new(),
            third_parties: third.iter().map(|s| s.to_string()).collect(),
            source: HarmSource::Inventory,
            sponsor_agrees: Some(true),
            recorded: at("2026-01-11"),
            asides: Vec::new(),
        }
    }

    /// Four parties: Mary Jones with a plan and a payment plan; `*Mom*`; a formula; one set aside.
    pub fn records() -> Vec<PartyRecord> {
        let usd = Currency::parse("USD").unwrap();
        let mut mary = party(1, "Mary Jones", PartyKind::Person, "my sister");
        mary.harms.push(harm(
            1,
            1,
            "borrowed Mary's car and crashed it with Dave Smith",
            &["Dave Smith"],
        ));
        mary.willingness.push(WillingnessEntry {
            id: 1,
            level: Willingness::Now,
            note: String::new(),
            at: at("2026-02-01"),
        });
        mary.safety = Some(SafetyRecord {
            answers: SafetyAnswers {
                third_parties: true,
                ..SafetyAnswers::default()
            },
            answered: at("2026-02-02"),
        });
        mary.plan = Some(Plan {
            method: Method::FaceToFace,
            script: "Mary, I came to say I was wrong about the car. Dave was not to blame.\n\
                     What can I do to set it right?"
                .into(),
            on: Some(date(2026, 5, 20)),
            place: "the café on Elm Street".into(),
            updated: at("2026-02-03"),
        });
        mary.consents.push(Consent {
            id: 1,
            who: "Dave Smith".into(),
            given: true,
            on: date(2026, 2, 4),
            note: String::new(),
            recorded: at("2026-02-04"),
        });
        mary.consultations.push(Consultation {
            id: 1,
            with: Adviser::Sponsor,
            name: "Pat Quinn".into(),
            on: date(2026, 2, 5),
            advice: "go ahead".into(),
            approved: Some(true),
            recorded: at("2026-02-05"),
        });
        mary.commitments.push(Commitment {
            id: 1,
            party_id: 1,
            kind: CommitmentKind::Restitution {
                amount: Money::new(12050, usd),
                instalment: Some(Money::new(5000, usd)),
                every: Some(Cadence::Monthly),
                starting: date(2026, 5, 31),
                payments: Vec::new(),
            },
            recorded: at("2026-02-06"),
            closed: None,
        });
        mary.commitments.push(Commitment {
            id: 2,
            party_id: 1,
            kind: CommitmentKind::Living {
                behaviour: "call Mary every Sunday".into(),
                every: Cadence::Weekly,
                starting: date(2026, 5, 10),
                checkins: Vec::new(),
            },
            recorded: at("2026-02-06"),
            closed: None,
        });

        let mut mom = party(2, "*Mom*", PartyKind::Person, "| mother |");
        mom.harms.push(harm(2, 2, "shouted at *Mom* | twice", &[]));
        mom.willingness.push(WillingnessEntry {
            id: 2,
            level: Willingness::Later,
            note: String::new(),
            at: at("2026-04-20"),
        });
        mom.deferrals.push(Deferral {
            id: 1,
            reason: "Mom is in hospital".into(),
            review_on: date(2026, 4, 30),
            recorded: at("2026-04-01"),
            ended: None,
        });

        let mut formula = party(3, FORMULA, PartyKind::Organisation, "+employer");
        formula
            .harms
            .push(harm(3, 3, "-took money from the till", &["@someone"]));
        formula.plan = Some(Plan {
            method: Method::Letter,
            script: "=1+1".into(),
            on: None,
            place: String::new(),
            updated: at("2026-03-01"),
        });
        formula.commitments.push(Commitment {
            id: 3,
            party_id: 3,
            kind: CommitmentKind::Promise {
                text: "send the letter to Acme".into(),
                due: date(2026, 6, 1),
            },
            recorded: at("2026-03-02"),
            closed: None,
        });

        let mut gone = party(4, "Old Neighbour", PartyKind::Person, "");
        gone.harms.push(harm(4, 4, "kept the ladder", &[]));
        gone.asides.push(SetAside {
            id: 1,
            reason: AsideReason::Other,
            note: "it was Old Neighbour's idea".into(),
            at: at("2026-03-05"),
            restored_at: None,
        });
        vec![mary, mom, formula, gone]
    }
}

#[cfg(test)]
mod tests {
    use super::testdata::*;
    use super::*;

    #[test]
    fn open_shows_everything_and_discreet_hides_names_and_stories() {
        let open = Sheet::build(&records(), &now(), Options::OPEN);
        let mary = &open.parties[0];
        assert_eq!(mary.name, "Mary Jones");
        assert_eq!(mary.relationship.as_deref(), Some("my sister"));
        assert!(mary.harms[0].did.as_deref().unwrap().contains("Mary's car"));
        assert_eq!(mary.harms[0].third_parties, ["Dave Smith"]);
        let plan = mary.plan.as_ref().unwrap();
        assert!(plan.approval.contains("Pat Quinn"), "{}", plan.approval);
        assert!(plan.consents[0].starts_with("Dave Smith"));
        assert!(!mary.reasons.is_empty());
        assert_eq!(mary.owed(), "120.50 USD");

        let d = Sheet::build(&records(), &now(), Options::DISCREET);
        let mary = &d.parties[0];
        assert_eq!(mary.name, "M. J.");
        assert_eq!(mary.relationship, None);
        assert_eq!(mary.notes, None);
        assert_eq!(mary.harms[0].did, None);
        assert_eq!(mary.harms[0].effect, None);
        assert_eq!(mary.harms[0].should, None);
        assert_eq!(mary.harms[0].when, None);
        assert_eq!(mary.harms[0].third_parties, ["D. S."]);
        assert_eq!(mary.harms[0].owed, open.parties[0].harms[0].owed);
        let plan = mary.plan.as_ref().unwrap();
        assert_eq!(plan.script, None);
        assert_eq!(plan.place, None);
        assert!(plan.approval.contains("(P. Q.)"), "{}", plan.approval);
        assert!(plan.consents[0].starts_with("D. S.: gave consent"));
        assert!(mary.reasons.is_empty());
        assert_eq!(mary.rules, open.parties[0].rules);
        assert_eq!(
            mary.commitments[1].text, None,
            "a living amends in words is the person's text"
        );
        assert_eq!(d.parties[1].name, "M.");
        assert_eq!(d.parties[2].name, "H. H. E. E.…");
        // A set-aside's note is the person's words.
        assert_eq!(d.parties[3].stage_reason, "set aside: other");
        assert!(open.parties[3].stage_reason.contains("Old Neighbour"));
        assert_eq!(d.on_list().count(), 3);
    }

    #[test]
    fn chosen_words_come_with_initials_for_every_known_name() {
        let o = Options {
            discreet: true,
            harm_details: true,
            notes: true,
        };
        let d = Sheet::build(&records(), &now(), o);
        let mary = &d.parties[0];
        assert_eq!(
            mary.harms[0].did.as_deref(),
            Some("borrowed M.'s car and crashed it with D. S.")
        );
        let script = mary.plan.as_ref().unwrap().script.as_deref().unwrap();
        assert!(script.starts_with("M., I came"), "{script}");
        assert!(script.contains("D. was not"), "{script}");
        assert!(!script.contains("Mary") && !script.contains("Dave"));
        assert_eq!(
            mary.commitments[1].text.as_deref(),
            Some("call M. every Sunday")
        );
        assert_eq!(
            d.parties[1].harms[0].did.as_deref(),
            Some("shouted at *M.* | twice")
        );
    }

    #[test]
    fn only_keeps_one_party() {
        let s = Sheet::build(&records(), &now(), Options::OPEN);
        assert_eq!(s.clone().only(2).unwrap().parties[0].name, "*Mom*");
        assert!(s.only(99).is_none());
    }
}
