//! The workbook as every export and print shows it: one [`Sheet`], built from the records with
//! the discreet rules applied (see [`crate::discreet`]), read by the CSV, Markdown and PDF
//! writers. A field that discreet leaves out is `None`; a field the person left empty is `""`.

use amends_core::Now;
use amends_core::due::due;
use amends_core::model::{
    Adviser, Cadence, Closure, Commitment, CommitmentKind, HarmKind, HarmSource, Id, Language,
    Method, PartyKind, PartyRecord, Willingness,
};
use amends_core::money::Money;
use amends_core::rules::{Contact, Rule, Verdict, approval_for_plan, review_gap, verdict};
use amends_core::stage::{Stage, derive, readiness_gaps};
use jiff::civil::Date;

use crate::discreet::{Discreet, Options};

/// The whole workbook, ready to write.
#[derive(Clone, Debug)]
pub struct Sheet {
    /// The day it was made.
    pub made: Date,
    pub options: Options,
    /// The language amounts are shown in (`Money::show`): the vault's.
    pub language: Language,
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
    /// The rules that apply, by number (their titles are [`Rule::title`]); empty when discreet
    /// (which rules apply can tell the story: "legal risk", "one's own abuser").
    pub rules: Vec<Rule>,
    /// The rules' reasons in full; empty when discreet (they can tell the story).
    pub reasons: Vec<String>,
    pub review_required: bool,
    pub consent_required: bool,
    pub harms: Vec<HarmSheet>,
    pub plan: Option<PlanSheet>,
    /// What still stands between the plan and "ready".
    pub gaps: Vec<String>,
    pub commitments: Vec<CommitmentSheet>,
    /// The talks with a sponsor or an adviser, oldest first.
    pub consultations: Vec<ConsultationSheet>,
    /// The last attempt, in words: "3 May 2026, a letter: received warmly".
    pub last_attempt: Option<String>,
}

/// A talk with a sponsor or an adviser about this amends.
#[derive(Clone, Debug)]
pub struct ConsultationSheet {
    pub with: Adviser,
    /// Their name, or its initials; `""` when none was recorded.
    pub name: String,
    pub on: Date,
    /// Whether they approved the plan as it stood; `None` when no view was given.
    pub approved: Option<bool>,
    /// Their advice in the person's words; `None` when left out.
    pub advice: Option<String>,
    /// Recorded before the plan was last changed: a view on an earlier version of it.
    pub earlier_plan: bool,
}

impl ConsultationSheet {
    /// Who, in a few words: "sponsor (B. S.)".
    pub fn who(&self) -> String {
        if self.name.is_empty() {
            self.with.label().to_string()
        } else {
            format!("{} ({})", self.with.label(), self.name)
        }
    }

    /// Their view, in words: "approved the plan", "did not approve it", "no view given"; with
    /// "(an earlier version of the plan)" when it was given before the plan changed.
    pub fn view(&self) -> String {
        let mut s = match self.approved {
            Some(true) => "approved the plan",
            Some(false) => "did not approve the plan",
            None => "no view on the plan given",
        }
        .to_string();
        if self.earlier_plan && self.approved.is_some() {
            s.push_str(" (an earlier version of it)");
        }
        s
    }

    /// One line: "sponsor (B. S.), 5 February 2026: approved the plan".
    pub fn line(&self) -> String {
        format!("{}, {}: {}", self.who(), day(self.on), self.view())
    }
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
    /// The review, in words: who approved it and when, or what it still waits for, or that
    /// none is needed, as the core's rules judge it (`approval_for_plan`, `review_gap`).
    pub approval: String,
    /// The approving talk that counts for the plan as it stands now: who and when.
    pub approved_by: Option<(Adviser, Date)>,
    /// Each person asked for consent (R1), in words: "B. S.: gave consent on 2 May 2026".
    pub consents: Vec<String>,
    pub deferral: Option<DeferralSheet>,
    /// Nothing stands between the plan and making the amends: nothing still needed (see
    /// `PartySheet::gaps`), no deferral in force, and the stage agrees.
    pub ready: bool,
    /// Whether it is ready, in words that agree with the stage: "yes", "not yet", "not now:
    /// deferred until 30 April 2026", "the amends was made (complete)".
    pub readiness: String,
}

#[derive(Clone, Debug)]
pub struct DeferralSheet {
    pub review_on: Date,
    pub reason: Option<String>,
}

/// A commitment still open or closed.
#[derive(Clone, Debug)]
pub struct CommitmentSheet {
    pub id: Id,
    /// "restitution", "living amends" or "promise".
    pub kind: &'static str,
    /// The behaviour or promise in the person's words; `None` when left out (discreet).
    pub text: Option<String>,
    /// A restitution's whole amount.
    pub amount: Option<Money>,
    /// A restitution's instalment.
    pub instalment: Option<Money>,
    /// How often a payment or a check-in is due.
    pub cadence: Option<Cadence>,
    /// The first payment or check-in date.
    pub started: Option<Date>,
    /// What a restitution has paid so far.
    pub paid: Option<Money>,
    /// What a restitution still has to pay.
    pub balance: Option<Money>,
    /// A living amends' check-ins: kept, and missed.
    pub kept: Option<usize>,
    pub missed: Option<usize>,
    /// A promise's date, or the next payment or check-in of an open commitment.
    pub due: Option<Date>,
    /// When it ended and how: closed by hand ("kept", "released by them", "ended"), or a
    /// restitution paid in full (on the day of its last payment).
    pub closed: Option<(Date, &'static str)>,
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

/// A date as people read it ("3 May 2026"): the core's one way (`amends_core::dates::words`).
pub fn day(d: Date) -> String {
    amends_core::dates::words(d)
}

/// The verdict in a few words: the contact allowed and the rules that apply (discreet: the
/// contact allowed only, since [`PartySheet::rules`] is empty then).
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
    /// Builds the sheet of `records` as of `now`, with `options` applied, amounts in English.
    pub fn build(records: &[PartyRecord], now: &Now, options: Options) -> Sheet {
        Sheet::build_in(records, now, options, Language::En)
    }

    /// Builds the sheet with amounts shown in the vault's language's convention (`1.250,50 EUR`
    /// in Spanish), as the web app and the CLI show them.
    pub fn build_in(
        records: &[PartyRecord],
        now: &Now,
        options: Options,
        language: Language,
    ) -> Sheet {
        let d = Discreet::new(options, records.iter().flat_map(names_of));
        let parties = records
            .iter()
            .map(|r| party(r, now, &d, language))
            .collect();
        Sheet {
            made: now.today,
            options,
            language,
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

/// A gap of the core's "still needed" list as a discreet sheet shows it: no rule numbers, and
/// no words that say why a rule applies (a lawyer, an affair).
fn discreet_gap(gap: &str) -> String {
    if gap.contains("lawyer") {
        return "take the advice the rules ask for first".into();
    }
    if gap.contains("affair") {
        return "change the script as the rules ask".into();
    }
    without_rule_numbers(gap)
}

/// `text` without rule numbers in brackets (" (R2)").
fn without_rule_numbers(text: &str) -> String {
    let mut out = text.to_string();
    // R10 before R1, so that " (R1" is never taken out of " (R10)".
    for r in (1..=10).rev() {
        out = out.replace(&format!(" (R{r})"), "");
    }
    out
}

/// The review of the plan in words, as the core's rules judge it.
fn review_words(r: &PartyRecord, v: &Verdict, d: &Discreet) -> String {
    if let Some(c) = approval_for_plan(r) {
        let who = if c.name.trim().is_empty() {
            String::new()
        } else {
            format!(" ({})", d.name(&c.name, "named"))
        };
        return format!(
            "approved by your {}{who} on {}",
            adviser_word(c.with),
            day(c.on)
        );
    }
    if v.review_required {
        let why = review_gap(r).unwrap_or_else(|| "no approval is recorded".into());
        let s = format!("not approved yet: a review is needed (R2); {why}");
        return if d.options.discreet {
            without_rule_numbers(&s)
        } else {
            s
        };
    }
    // No review is needed; say so, with the latest view given if there is one.
    let plan_updated = r.plan.as_ref().map(|p| p.updated);
    let latest = r
        .consultations
        .iter()
        .filter(|c| c.with.can_approve() && c.approved.is_some())
        .max_by_key(|c| (c.recorded, c.id));
    match latest {
        Some(c) if c.approved == Some(false) => format!(
            "no review needed; your {} did not approve it on {}",
            adviser_word(c.with),
            day(c.on)
        ),
        Some(c) if plan_updated.is_some_and(|t| c.recorded < t) => format!(
            "no review needed; your {} approved an earlier version on {}",
            adviser_word(c.with),
            day(c.on)
        ),
        _ => "no review needed".to_string(),
    }
}

/// A commitment as the sheet shows it.
fn commitment(
    c: &Commitment,
    r: &PartyRecord,
    now: &Now,
    d: &Discreet,
    language: Language,
) -> CommitmentSheet {
    let next_due = || {
        due(std::slice::from_ref(r), now)
            .into_iter()
            .filter(|i| i.commitment_id == Some(c.id))
            .map(|i| i.on)
            .min()
    };
    let closure = |how: Closure| match how {
        Closure::Kept => "kept",
        Closure::Released => "released by them",
        Closure::Ended => "ended",
    };
    let mut sheet = CommitmentSheet {
        id: c.id,
        kind: c.kind_label(),
        text: None,
        amount: None,
        instalment: None,
        cadence: None,
        started: None,
        paid: None,
        balance: None,
        kept: None,
        missed: None,
        due: None,
        closed: c.closed.map(|(how, on)| (on, closure(how))),
        detail: String::new(),
        open: c.is_open(),
    };
    match &c.kind {
        CommitmentKind::Restitution {
            amount,
            instalment,
            every,
            starting,
            payments,
        } => {
            let paid = Money::total(payments.iter().map(|p| p.amount), amount.currency);
            let balance = c.balance();
            let mut detail = amount.show(language);
            if let (Some(i), Some(e)) = (instalment, every) {
                detail.push_str(&format!(", {} {}", i.show(language), e.label()));
            }
            detail.push_str(&format!(", {} paid", paid.show(language)));
            if let Some(b) = balance {
                detail.push_str(&format!(", {} still to repay", b.show(language)));
            }
            if sheet.closed.is_none()
                && balance.is_some_and(|b| b.minor == 0)
                && let Some(last) = payments.iter().map(|p| p.on).max()
            {
                sheet.closed = Some((last, "paid in full"));
            }
            sheet.amount = Some(*amount);
            sheet.instalment = *instalment;
            sheet.cadence = *every;
            sheet.started = Some(*starting);
            sheet.paid = Some(paid);
            sheet.balance = balance;
            sheet.detail = detail;
            if sheet.open {
                sheet.due = next_due();
            }
        }
        CommitmentKind::Living {
            behaviour,
            every,
            starting,
            checkins,
        } => {
            let kept = checkins.iter().filter(|k| k.kept).count();
            let missed = checkins.len() - kept;
            sheet.text = d.words(behaviour);
            sheet.cadence = Some(*every);
            sheet.started = Some(*starting);
            sheet.kept = Some(kept);
            sheet.missed = Some(missed);
            sheet.detail = format!(
                "{}; {kept} of {} check-ins kept, {missed} missed",
                every.label(),
                checkins.len()
            );
            if sheet.open {
                sheet.due = next_due();
            }
        }
        CommitmentKind::Promise { text, due } => {
            sheet.text = d.words(text);
            sheet.due = Some(*due);
            sheet.detail = format!("due {}", day(*due));
        }
    }
    sheet
}

fn party(r: &PartyRecord, now: &Now, d: &Discreet, language: Language) -> PartySheet {
    let discreet = d.options.discreet;
    let stage = derive(r, now);
    let set_aside = stage.stage == Stage::SetAside;
    let core_gaps: Vec<String> = if r.plan.is_some() {
        readiness_gaps(r)
    } else {
        Vec::new()
    };
    let stage_reason = match r.current_aside() {
        // The note of a set-aside is the person's words.
        Some(a) if !d.options.shows_notes() => format!("set aside: {}", a.reason.label()),
        _ if discreet => {
            // The reason quotes what is still needed: as discreet as the list of it.
            let mut reason = stage.reason.clone();
            for g in &core_gaps {
                reason = reason.replace(g.as_str(), &discreet_gap(g));
            }
            d.derived(&without_rule_numbers(&reason))
        }
        _ => stage.reason.clone(),
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
    let gaps: Vec<String> = core_gaps
        .iter()
        .map(|g| {
            if discreet {
                d.derived(&discreet_gap(g))
            } else {
                g.clone()
            }
        })
        .collect();
    // A deferral stands in the way as the stage counts it: before any amends was made, or
    // recorded after the last one (a reopened entry).
    let made = r.last_made();
    let deferred = r
        .active_deferral()
        .filter(|x| made.is_none_or(|m| x.recorded > m.recorded));
    let plan = r.plan.as_ref().map(|p| {
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
        let after_amends = matches!(
            stage.stage,
            Stage::Made | Stage::FollowingThrough | Stage::Complete | Stage::LivingAmends
        );
        let ready = gaps.is_empty() && deferred.is_none() && !set_aside && !after_amends;
        let readiness = if let Some(x) = deferred {
            format!("not now: deferred until {}", day(x.review_on))
        } else if set_aside {
            "no: this entry is set aside".to_string()
        } else if stage.stage == Stage::LivingAmends {
            "under way: living amends".to_string()
        } else if after_amends {
            format!("the amends was made ({})", stage.stage.label())
        } else if ready {
            "yes".to_string()
        } else {
            "not yet".to_string()
        };
        PlanSheet {
            method: p.method,
            on: p.on,
            place: d.words(&p.place),
            script: d.words(&p.script),
            approval: review_words(r, &v, d),
            approved_by: approval_for_plan(r).map(|c| (c.with, c.on)),
            consents,
            deferral: r.active_deferral().map(|x| DeferralSheet {
                review_on: x.review_on,
                reason: d.words(&x.reason),
            }),
            ready,
            readiness,
        }
    });
    let consultations = r
        .consultations
        .iter()
        .map(|c| ConsultationSheet {
            with: c.with,
            name: if c.name.trim().is_empty() {
                String::new()
            } else {
                d.name(&c.name, "named")
            },
            on: c.on,
            approved: c.approved,
            advice: d.words(&c.advice),
            earlier_plan: r.plan.as_ref().is_some_and(|p| c.recorded < p.updated),
        })
        .collect();
    let commitments = r
        .commitments
        .iter()
        .map(|c| commitment(c, r, now, d, language))
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
        rules: if discreet { Vec::new() } else { rules },
        reasons: if discreet {
            Vec::new()
        } else {
            v.reasons.iter().map(|x| x.text.clone()).collect()
        },
        review_required: v.review_required,
        consent_required: v.consent_required,
        harms,
        plan,
        gaps,
        commitments,
        consultations,
        last_attempt,
    }
}

impl PartySheet {
    /// Whether the worksheet gives this party a page of its own: it has a plan, or commitments
    /// to follow through.
    pub fn has_page(&self) -> bool {
        self.plan.is_some() || !self.commitments.is_empty()
    }

    /// Harms still on the list.
    pub fn live_harms(&self) -> impl Iterator<Item = &HarmSheet> {
        self.harms.iter().filter(|h| !h.set_aside)
    }

    /// Money owed on the harms still on the list, summed per currency ("120.00 USD"), as a
    /// machine format writes it (CSV).
    pub fn owed(&self) -> String {
        self.owed_with(Money::to_string)
    }

    /// The same for people, in the language's convention ("1.250,50 EUR").
    pub fn owed_in(&self, language: Language) -> String {
        self.owed_with(|m| m.show(language))
    }

    fn owed_with(&self, show: impl Fn(&Money) -> String) -> String {
        let mut sums: Vec<Money> = Vec::new();
        for m in self.live_harms().filter_map(|h| h.owed) {
            match sums.iter_mut().find(|s| s.currency == m.currency) {
                Some(s) => s.minor = s.minor.saturating_add(m.minor),
                None => sums.push(m),
            }
        }
        sums.iter().map(show).collect::<Vec<_>>().join(" + ")
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
            reason: String::new(),
        });
        mary.plan = Some(Plan {
            method: Method::FaceToFace,
            channel: None,
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
            reach: amends_core::model::Reach::Them,
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
            reach: amends_core::model::Reach::NoContact,
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
            channel: None,
            script: "=1+1".into(),
            on: None,
            place: String::new(),
            updated: at("2026-03-01"),
        });
        formula.commitments.push(Commitment {
            reach: amends_core::model::Reach::Them,
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
    use amends_core::model::{CheckIn, Deferral, Payment};
    use jiff::civil::date;

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
        assert!(
            mary.rules.is_empty(),
            "which rules apply can tell the story"
        );
        assert_eq!(open.parties[0].rules, [Rule::R1, Rule::R2]);
        assert_eq!(verdict_words(mary), "direct amends are possible");
        assert_eq!(
            verdict_words(&open.parties[0]),
            "direct amends are possible (R1 third parties; R2 review first)"
        );
        assert_eq!(
            mary.commitments[1].text, None,
            "a living amends in words is the person's text"
        );
        assert_eq!(d.parties[1].name, "M.");
        assert_eq!(d.parties[2].name, "H. C.");
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

    fn more() -> Options {
        Options {
            discreet: true,
            harm_details: true,
            notes: true,
        }
    }

    #[test]
    fn discreet_keeps_the_outcome_of_the_verdict_and_leaves_out_why() {
        let mut records = records();
        let mary = &mut records[0];
        let answers = &mut mary.safety.as_mut().unwrap().answers;
        answers.legal_risk = true;
        answers.affair = true;
        answers.abused_them = true;
        mary.plan.as_mut().unwrap().method = Method::Indirect;
        let open = Sheet::build(&records, &now(), Options::OPEN);
        let words = format!(
            "{} {} {}",
            verdict_words(&open.parties[0]),
            open.parties[0].stage_reason,
            open.parties[0].gaps.join("; ")
        );
        for told in ["legal risk", "lawyer", "affair", "R3", "R5"] {
            assert!(words.contains(told), "{told} not in {words}");
        }
        for o in [Options::DISCREET, more()] {
            let d = Sheet::build(&records, &now(), o);
            let p = &d.parties[0];
            assert_eq!(verdict_words(p), "indirect amends only");
            assert!(p.rules.is_empty() && p.reasons.is_empty());
            let all = format!(
                "{} | {} | {} | {}",
                verdict_words(p),
                p.stage_reason,
                p.gaps.join("; "),
                p.plan.as_ref().unwrap().approval
            );
            for told in [
                "legal", "lawyer", "affair", "abuse", "R1", "R2", "R3", "R5", "Dave",
            ] {
                assert!(!all.contains(told), "{told} in {all}");
            }
            assert!(
                p.gaps
                    .contains(&"take the advice the rules ask for first".to_string()),
                "{:?}",
                p.gaps
            );
            assert!(
                p.stage_reason
                    .contains("take the advice the rules ask for first")
            );
            assert!(
                o.describe()
                    .unwrap()
                    .contains("which rules apply and why are left out")
            );
        }
    }

    #[test]
    fn consultations_the_review_and_readiness_agree_with_the_core() {
        let s = Sheet::build(&records(), &now(), Options::OPEN);
        let mary = &s.parties[0];
        assert_eq!(mary.stage, Stage::Ready);
        let plan = mary.plan.as_ref().unwrap();
        assert!(plan.ready);
        assert_eq!(plan.readiness, "yes");
        assert_eq!(plan.approved_by, Some((Adviser::Sponsor, date(2026, 2, 5))));
        assert_eq!(
            mary.consultations[0].line(),
            "sponsor (Pat Quinn), 5 February 2026: approved the plan"
        );
        assert_eq!(mary.consultations[0].advice.as_deref(), Some("go ahead"));
        let d = Sheet::build(&records(), &now(), Options::DISCREET);
        assert_eq!(d.parties[0].consultations[0].who(), "sponsor (P. Q.)");
        assert_eq!(d.parties[0].consultations[0].advice, None);
        let kept = Sheet::build(&records(), &now(), more());
        assert_eq!(
            kept.parties[0].consultations[0].advice.as_deref(),
            Some("go ahead")
        );

        // A deferral stands: the stage is "deferred", and so the plan is not ready.
        let mut records = records();
        records[0].deferrals.push(Deferral {
            id: 9,
            reason: "not yet".into(),
            review_on: date(2026, 6, 1),
            recorded: "2026-04-01T09:00:00Z".parse().unwrap(),
            ended: None,
        });
        let s = Sheet::build(&records, &now(), Options::OPEN);
        let mary = &s.parties[0];
        assert_eq!(mary.stage, Stage::Deferred);
        let plan = mary.plan.as_ref().unwrap();
        assert!(!plan.ready);
        assert_eq!(plan.readiness, "not now: deferred until 1 June 2026");

        // The plan changed after the approval: a review is needed again, and says why.
        let mut records = self::records();
        records[0].plan.as_mut().unwrap().updated = "2026-03-01T09:00:00Z".parse().unwrap();
        let s = Sheet::build(&records, &now(), Options::OPEN);
        let plan = s.parties[0].plan.as_ref().unwrap();
        assert_eq!(plan.approved_by, None);
        assert!(!plan.ready);
        assert_eq!(
            plan.approval,
            "not approved yet: a review is needed (R2); the plan changed after your sponsor approved it on 5 February 2026"
        );
        assert!(
            s.parties[0].consultations[0]
                .view()
                .contains("earlier version")
        );

        // No review needed, and an approval of an earlier version: said so, not "nothing".
        let mut records = self::records();
        records[0].safety.as_mut().unwrap().answers.third_parties = false;
        records[0].plan.as_mut().unwrap().updated = "2026-03-01T09:00:00Z".parse().unwrap();
        let s = Sheet::build(&records, &now(), Options::OPEN);
        assert_eq!(
            s.parties[0].plan.as_ref().unwrap().approval,
            "no review needed; your sponsor approved an earlier version on 5 February 2026"
        );
    }

    #[test]
    fn commitments_carry_payments_balance_and_check_ins() {
        let mut records = records();
        let usd = amends_core::money::Currency::parse("USD").unwrap();
        if let CommitmentKind::Restitution { payments, .. } = &mut records[0].commitments[0].kind {
            payments.push(Payment {
                via: None,
                recorded: None,
                id: 1,
                on: date(2026, 5, 31),
                amount: Money::new(5000, usd),
                note: String::new(),
            });
        }
        if let CommitmentKind::Living { checkins, .. } = &mut records[0].commitments[1].kind {
            for (i, kept) in [true, false, true].into_iter().enumerate() {
                checkins.push(CheckIn {
                    recorded: None,
                    id: i as Id + 1,
                    on: date(2026, 5, 10 + 7 * i as i8),
                    kept,
                    note: String::new(),
                });
            }
        }
        records[2].commitments[0].closed = Some((Closure::Kept, date(2026, 5, 2)));
        let s = Sheet::build(&records, &now(), Options::DISCREET);
        let pay = &s.parties[0].commitments[0];
        assert_eq!(pay.paid, Some(Money::new(5000, usd)));
        assert_eq!(pay.balance, Some(Money::new(7050, usd)));
        assert_eq!(pay.started, Some(date(2026, 5, 31)));
        assert_eq!(pay.cadence, Some(Cadence::Monthly));
        assert_eq!(pay.due, Some(date(2026, 6, 30)), "the second instalment");
        assert!(pay.open && pay.closed.is_none());
        let living = &s.parties[0].commitments[1];
        assert_eq!((living.kept, living.missed), (Some(2), Some(1)));
        assert_eq!(living.text, None);
        assert_eq!(living.due, Some(date(2026, 5, 31)));
        let promise = &s.parties[2].commitments[0];
        assert_eq!(promise.due, Some(date(2026, 6, 1)));
        assert_eq!(promise.closed, Some((date(2026, 5, 2), "kept")));
        assert!(!promise.open);
    }

    #[test]
    fn only_keeps_one_party() {
        let s = Sheet::build(&records(), &now(), Options::OPEN);
        assert_eq!(s.clone().only(2).unwrap().parties[0].name, "*Mom*");
        assert!(s.only(99).is_none());
    }
}
