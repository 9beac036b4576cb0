//! The facts a person records. Nothing here is a status: stages are derived (see `stage`).

use jiff::Timestamp;
use jiff::civil::Date;

use crate::codes::coded_enum;
use crate::money::{Currency, Money};

/// Row identifiers, assigned by the vault.
pub type Id = i64;

coded_enum! {
    /// The fellowship whose wording of the steps is shown.
    Fellowship, "fellowship" {
        Aa = "aa", "Alcoholics Anonymous";
        Na = "na", "Narcotics Anonymous";
        AlAnon = "al-anon", "Al-Anon";
        Oa = "oa", "Overeaters Anonymous";
        Coda = "coda", "Co-Dependents Anonymous";
        Slaa = "slaa", "Sex and Love Addicts Anonymous";
        Saa = "saa", "Sex Addicts Anonymous";
        Ga = "ga", "Gamblers Anonymous";
        Secular = "secular", "Secular (repairing harm)";
    }
}

coded_enum! {
    /// Who or what was harmed.
    PartyKind, "kind" {
        Person = "person", "a person";
        Organisation = "organisation" | "organization" | "org", "an organisation (employer, creditor, institution)";
        Deceased = "deceased" | "dead", "someone who has died";
        Unreachable = "unreachable", "someone who cannot be found";
        Group = "group", "a group without names (\"customers I cheated\")";
        Myself = "self" | "myself", "myself";
    }
}

coded_enum! {
    /// The kinds of harm a single entry can name.
    HarmKind, "harm kind" {
        Physical = "physical", "physical";
        Emotional = "emotional", "emotional";
        Spiritual = "spiritual", "spiritual";
        Financial = "financial", "financial";
        Property = "property", "property";
        Time = "time", "time";
        Trust = "trust" | "dishonesty", "trust or dishonesty";
        Neglect = "neglect", "neglect";
    }
}

coded_enum! {
    /// Where a harm came to light.
    HarmSource, "source" {
        Inventory = "inventory", "from my Step 4 inventory";
        Memory = "memory", "from memory";
        Told = "told", "someone told me";
        Step10 = "step10", "captured in Step 10";
        Revealed = "revealed", "revealed during an amends";
    }
}

coded_enum! {
    /// Why an entry was set aside rather than kept on the list.
    AsideReason, "reason" {
        NoRealHarm = "no-real-harm", "no real harm";
        IWasHarmed = "i-was-harmed", "I was the one harmed";
        Other = "other", "other";
    }
}

coded_enum! {
    /// How willing the person is, today, to make this amends.
    Willingness, "willingness" {
        Now = "now", "now";
        Later = "later", "later";
        Maybe = "maybe", "maybe";
        Never = "never", "never";
    }
}

coded_enum! {
    /// How an amends is made, in the order the literature prefers.
    Method, "method" {
        FaceToFace = "face-to-face" | "in-person", "face to face";
        Phone = "phone", "by phone";
        Video = "video", "by video call";
        Letter = "letter", "a letter";
        Restitution = "restitution", "restitution of money or property";
        Living = "living", "living amends (a lasting change of behaviour)";
        Indirect = "indirect", "indirect amends (service, donation, anonymous repayment)";
        UnsentLetter = "unsent-letter" | "unsent", "an unsent letter (read to a sponsor or at a grave)";
    }
}

coded_enum! {
    /// How an amends reaches them: the channel, apart from what is made (`AmendsKind`). Only
    /// words and restitution go through a channel; a living amends, an indirect amends and an
    /// unsent letter reach no one.
    Channel, "method" {
        FaceToFace = "face-to-face" | "in-person", "face to face";
        Phone = "phone", "by phone";
        Video = "video", "by video call";
        Letter = "letter" | "post", "by letter or post";
        Transfer = "transfer" | "bank" | "cheque" | "check", "by bank transfer or cheque";
    }
}

coded_enum! {
    /// What the amends is, apart from how it reaches them (`Channel`).
    AmendsKind, "kind of amends" {
        Words = "words" | "apology" | "admission", "words: owning what you did and offering to set it right";
        Restitution = "restitution" | "money" | "repayment" | "paying-back", "restitution: paying back money or property";
        Living = "living" | "behaviour" | "behavior", "living amends: a lasting change of behaviour";
        Indirect = "indirect", "indirect amends: service, a donation, an anonymous repayment";
        UnsentLetter = "unsent-letter" | "unsent", "an unsent letter, read to a sponsor or at a grave";
    }
}

impl AmendsKind {
    /// Whether this kind goes through a channel to them (words and restitution do).
    pub fn has_channel(self) -> bool {
        matches!(self, AmendsKind::Words | AmendsKind::Restitution)
    }
}

impl Channel {
    /// The method that names this channel on its own (words said this way), if there is one.
    pub fn method(self) -> Option<Method> {
        match self {
            Channel::FaceToFace => Some(Method::FaceToFace),
            Channel::Phone => Some(Method::Phone),
            Channel::Video => Some(Method::Video),
            Channel::Letter => Some(Method::Letter),
            Channel::Transfer => None,
        }
    }
}

/// How (the channel) and what (the kind) of a plan or an attempt, as stored: the method, and
/// for a restitution the channel it went through where that was said. The method alone is what
/// records written before channels were kept say: `face-to-face`, `phone`, `video` and `letter`
/// are words said that way, `restitution` is paid to them (how not said), and the others reach
/// no one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Way {
    pub method: Method,
    /// How a restitution reached them; `None`: not said (or a kind without a channel).
    pub channel: Option<Channel>,
}

impl Way {
    /// A way from its method alone (words by a channel, or a kind without one).
    pub fn of(method: Method) -> Way {
        Way {
            method,
            channel: None,
        }
    }

    /// What is made.
    pub fn kind(self) -> AmendsKind {
        self.method.kind()
    }

    /// How it reaches them, where that is known.
    pub fn channel(self) -> Option<Channel> {
        self.channel.or(self.method.channel())
    }

    /// Checks that the channel fits the method: only a restitution names a channel of its own.
    pub fn check(self) -> Result<Way, crate::Invalid> {
        match (self.method, self.channel) {
            (_, None) | (Method::Restitution, Some(_)) => Ok(self),
            (m, Some(_)) => Err(crate::Invalid::new(
                "channel",
                format!(
                    "only restitution is recorded with a channel of its own; {} says how already or reaches no one",
                    m.label()
                ),
            )),
        }
    }

    /// Reads how (`--method`: a channel, or an older method code) and what (`--kind`), either
    /// of which may be empty.
    pub fn parse(how: &str, what: &str) -> Result<Way, crate::Invalid> {
        let how = how.trim();
        let what = what.trim();
        let kind = if what.is_empty() {
            None
        } else {
            Some(AmendsKind::parse(what)?)
        };
        let channels = "face-to-face, phone, video or letter";
        if how.is_empty() {
            return match kind {
                None => Err(crate::Invalid::new(
                    "method",
                    format!(
                        "say how (--method {channels}) or what (--kind restitution, living, indirect or unsent-letter)"
                    ),
                )),
                Some(AmendsKind::Words) => Err(crate::Invalid::new(
                    "method",
                    format!("say how the words reach them: {channels}"),
                )),
                Some(k) => Ok(Way::of(
                    k.method().expect("a kind with a method of its own"),
                )),
            };
        }
        if let Ok(channel) = Channel::parse(how) {
            return match (kind, channel.method()) {
                (None | Some(AmendsKind::Words), Some(m)) => Ok(Way::of(m)),
                (None | Some(AmendsKind::Restitution), None)
                | (Some(AmendsKind::Restitution), Some(_)) => Ok(Way {
                    method: Method::Restitution,
                    channel: Some(channel),
                }),
                (Some(AmendsKind::Words), None) => Err(crate::Invalid::new(
                    "method",
                    format!(
                        "a transfer pays money back: choose the kind restitution, or say the words {channels}"
                    ),
                )),
                (Some(k), _) => Err(crate::Invalid::new(
                    "method",
                    format!(
                        "{} reaches no one, so it goes through no channel; leave out the method, or choose words or restitution to reach them {}",
                        k.short(),
                        channel.label()
                    ),
                )),
            };
        }
        let method = Method::parse(how)?;
        match kind {
            Some(k) if k != method.kind() => Err(crate::Invalid::new(
                "kind of amends",
                format!(
                    "{} is {}, not {}; give one of them, or a channel with --method",
                    method.code(),
                    method.kind().short(),
                    k.short()
                ),
            )),
            _ => Ok(Way::of(method)),
        }
    }

    /// Whether `done` is the way this was planned: the same kind, by the same channel where
    /// both say one (a restitution whose channel was not said fits any).
    pub fn fits(self, done: Way) -> bool {
        self.kind() == done.kind()
            && match (self.channel(), done.channel()) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }

    /// The way in words: what, then how ("restitution, face to face").
    /// The method's own label, with the channel of a restitution where one was said
    /// ("restitution, face to face").
    pub fn label(self) -> String {
        match self.channel {
            Some(c) => format!("restitution, {}", c.label()),
            None => self.method.label().to_string(),
        }
    }
}

impl AmendsKind {
    /// A few words for the kind, inside a sentence.
    pub fn short(self) -> &'static str {
        match self {
            AmendsKind::Words => "words",
            AmendsKind::Restitution => "restitution",
            AmendsKind::Living => "a living amends",
            AmendsKind::Indirect => "an indirect amends",
            AmendsKind::UnsentLetter => "an unsent letter",
        }
    }

    /// The method that is this kind on its own (all but words, which need a channel).
    pub fn method(self) -> Option<Method> {
        match self {
            AmendsKind::Words => None,
            AmendsKind::Restitution => Some(Method::Restitution),
            AmendsKind::Living => Some(Method::Living),
            AmendsKind::Indirect => Some(Method::Indirect),
            AmendsKind::UnsentLetter => Some(Method::UnsentLetter),
        }
    }
}

impl Method {
    /// What a method makes: words for the channels, or the kind it names.
    pub fn kind(self) -> AmendsKind {
        match self {
            Method::FaceToFace | Method::Phone | Method::Video | Method::Letter => {
                AmendsKind::Words
            }
            Method::Restitution => AmendsKind::Restitution,
            Method::Living => AmendsKind::Living,
            Method::Indirect => AmendsKind::Indirect,
            Method::UnsentLetter => AmendsKind::UnsentLetter,
        }
    }

    /// The channel a method names, if it names one.
    pub fn channel(self) -> Option<Channel> {
        match self {
            Method::FaceToFace => Some(Channel::FaceToFace),
            Method::Phone => Some(Channel::Phone),
            Method::Video => Some(Channel::Video),
            Method::Letter => Some(Channel::Letter),
            _ => None,
        }
    }

    /// Whether the method reaches the person themselves.
    pub fn is_contact(self) -> bool {
        matches!(
            self,
            Method::FaceToFace
                | Method::Phone
                | Method::Video
                | Method::Letter
                | Method::Restitution
        )
    }
}

coded_enum! {
    /// How a commitment, or one payment on it, reaches the person it is for. Every way but
    /// `them` leaves them unreached, which is what a court order (R4) or a wish for no contact
    /// (R5) leaves open. docs/practice.md says which fits where.
    Reach, "via" {
        Them = "them" | "direct" | "in-person", "to them directly";
        NoContact = "no-contact" | "none" | "without-contact", "kept without any contact with them";
        Court = "court", "through the court";
        Agency = "agency", "through an agency (a probation service, a creditor's agent, a solicitor)";
        Charity = "charity" | "donation", "as a donation to a charity";
        Anonymous = "anonymous" | "anonymously", "anonymously";
        Heirs = "heirs" | "estate", "to their heirs or estate";
    }
}

impl Reach {
    /// Whether this way reaches the person themselves (or, for heirs, people close to them).
    pub fn reaches_them(self) -> bool {
        matches!(self, Reach::Them | Reach::Heirs)
    }

    /// The ways a restitution can be paid.
    pub const RESTITUTION: [Reach; 6] = [
        Reach::Them,
        Reach::Court,
        Reach::Agency,
        Reach::Charity,
        Reach::Anonymous,
        Reach::Heirs,
    ];

    /// The ways a promise can be kept.
    pub const PROMISE: [Reach; 2] = [Reach::Them, Reach::NoContact];
}

coded_enum! {
    /// How an attempt went.
    Outcome, "outcome" {
        Warm = "warm", "received warmly";
        WithRequest = "with-request", "received, with a request";
        Cool = "cool", "cool or sceptical";
        Refused = "refused", "refused";
        NoAnswer = "no-answer", "no answer";
        NoContact = "no-contact" | "asked-no-contact" | "no-further-contact", "asked for no further contact";
        Unreachable = "unreachable" | "could-not-reach", "could not reach them";
        Done = "done", "done, with no reply expected";
    }
}

impl Outcome {
    /// Whether the amends was actually made (offered and heard, or carried out).
    /// "No answer" and "could not reach" are attempts, not amends.
    pub fn is_made(self) -> bool {
        !matches!(self, Outcome::NoAnswer | Outcome::Unreachable)
    }
}

coded_enum! {
    /// Whom a person talked the amends over with.
    Adviser, "with" {
        Sponsor = "sponsor", "sponsor";
        SpiritualAdviser = "spiritual-adviser" | "spiritual-advisor" | "adviser" | "advisor", "spiritual adviser";
        Therapist = "therapist" | "counsellor" | "counselor", "therapist or counsellor";
        Lawyer = "lawyer", "lawyer";
    }
}

impl Adviser {
    /// Whether this adviser's approval satisfies the review of rule R2.
    pub fn can_approve(self) -> bool {
        !matches!(self, Adviser::Lawyer)
    }
}

coded_enum! {
    /// How often a payment or a check-in is due.
    Cadence, "cadence" {
        Daily = "daily", "every day";
        Weekly = "weekly", "every week";
        Fortnightly = "fortnightly", "every two weeks";
        Monthly = "monthly", "every month";
    }
}

impl Cadence {
    /// The next date after `from` on this cadence.
    pub fn next_after(self, from: Date) -> Date {
        self.step(from, 1)
    }

    /// The date `n` steps of this cadence after `start`, counted from `start` so that monthly
    /// dates do not drift (31 Jan, 31 Mar, not 31 Jan, 28 Feb, 28 Mar). What is due, the
    /// calendar and the worksheets all count dates so.
    pub fn step(self, start: Date, n: usize) -> Date {
        let n = i64::try_from(n).unwrap_or(i64::MAX).min(10_000);
        let span = match self {
            Cadence::Daily => jiff::Span::new().days(n),
            Cadence::Weekly => jiff::Span::new().weeks(n),
            Cadence::Fortnightly => jiff::Span::new().weeks(2 * n),
            Cadence::Monthly => jiff::Span::new().months(n),
        };
        start.checked_add(span).unwrap_or(start)
    }
}

coded_enum! {
    /// How a commitment came to an end other than by being paid or kept.
    Closure, "closure" {
        Kept = "kept", "kept";
        Released = "released", "released by them";
        Ended = "ended", "ended";
    }
}

coded_enum! {
    /// The language the steps are shown in.
    Language, "language" {
        En = "en" | "english", "English";
        Es = "es" | "spanish" | "espanol", "Español";
    }
}

/// Settings of the whole vault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub fellowship: Fellowship,
    pub amends_to_self: bool,
    pub currency: Currency,
    /// The language of the steps' wording.
    pub language: Language,
    /// Minutes without use after which the web app locks the vault.
    pub auto_lock_minutes: u32,
    /// Where to get help now, as the person wrote it; empty means the default lines.
    pub crisis_line: String,
}

impl Settings {
    /// Shortest and longest idle time before the web app locks, in minutes.
    pub const AUTO_LOCK_RANGE: std::ops::RangeInclusive<u32> = 1..=240;
    /// Longest crisis-line text accepted.
    pub const CRISIS_LINE_MAX: usize = 300;

    /// Checks the values a person can set.
    pub fn check(&self) -> Result<(), crate::Invalid> {
        if !Self::AUTO_LOCK_RANGE.contains(&self.auto_lock_minutes) {
            return Err(crate::Invalid::new(
                "auto-lock",
                format!(
                    "must be between {} and {} minutes",
                    Self::AUTO_LOCK_RANGE.start(),
                    Self::AUTO_LOCK_RANGE.end()
                ),
            ));
        }
        let line = crate::text::optional("crisis line", &self.crisis_line, Self::CRISIS_LINE_MAX)?;
        if line != self.crisis_line {
            return Err(crate::Invalid::new(
                "crisis line",
                "has spaces at the start or end; remove them",
            ));
        }
        Ok(())
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            fellowship: Fellowship::Aa,
            amends_to_self: false,
            currency: Currency::parse("USD").expect("USD is an ISO 4217 code"),
            language: Language::En,
            auto_lock_minutes: 15,
            crisis_line: String::new(),
        }
    }
}

/// A setting-aside of a party or a harm, kept in history even after it is restored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetAside {
    pub id: Id,
    pub reason: AsideReason,
    pub note: String,
    pub at: Timestamp,
    pub restored_at: Option<Timestamp>,
}

/// Someone or something harmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Party {
    pub id: Id,
    pub name: String,
    pub kind: PartyKind,
    pub relationship: String,
    pub notes: String,
    pub created: Timestamp,
}

/// One harm done to a party.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Harm {
    pub id: Id,
    pub party_id: Id,
    /// What I did: the facts only.
    pub did: String,
    /// What I should have done instead.
    pub should: String,
    /// How it affected them.
    pub effect: String,
    pub kinds: Vec<HarmKind>,
    /// Roughly when, in the person's words ("summer 2019").
    pub when: String,
    pub owed: Option<Money>,
    /// Property owed, in words.
    pub property: String,
    /// Other people involved (for rule R1 and for keeping them out of a script).
    pub third_parties: Vec<String>,
    pub source: HarmSource,
    /// Whether the sponsor agrees this is a real harm; `None` until asked.
    pub sponsor_agrees: Option<bool>,
    pub recorded: Timestamp,
    pub asides: Vec<SetAside>,
}

impl Harm {
    pub fn is_set_aside(&self) -> bool {
        self.asides.iter().any(|a| a.restored_at.is_none())
    }
}

/// One entry in the history of willingness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WillingnessEntry {
    pub id: Id,
    pub level: Willingness,
    pub note: String,
    pub at: Timestamp,
}

/// The answers to the safety questions of Step 9's exception, for one party.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SafetyAnswers {
    /// A protective, restraining or no-contact order exists between us (R4).
    pub court_order: bool,
    /// They asked me not to contact them (R5).
    pub asked_no_contact: bool,
    /// I abused them, so contact could re-traumatise them (R5).
    pub abused_them: bool,
    /// They harmed or abused me (R6).
    pub harmed_me: bool,
    /// A crime, money taken from an employer, or a debt with legal exposure (R3).
    pub legal_risk: bool,
    /// The harm involves an affair (R1, R2).
    pub affair: bool,
    /// Making the amends would implicate someone else (R1).
    pub third_parties: bool,
    /// Contact would put me at physical or relapse risk (R7).
    pub my_safety: bool,
    /// They have died (R8).
    pub deceased: bool,
    /// They cannot be found (R8).
    pub unreachable: bool,
    /// They are a child (guidance: few words, consistent actions).
    pub child: bool,
    /// They are close family (guidance: a general admission first).
    pub family: bool,
    /// My own decision where there is legal risk (R3), in my words.
    pub legal_decision: String,
    /// The questions asked (by their names in `rules::SAFETY_QUESTIONS`) up to these answers;
    /// `None`: all twelve, as every answer given before the questions followed the kind of
    /// party was. A question that applies now and was never asked leaves the answers
    /// incomplete (see `questions`).
    pub asked: Option<Vec<&'static str>>,
}

/// The recorded answers with when they were given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SafetyRecord {
    pub answers: SafetyAnswers,
    pub answered: Timestamp,
    /// Why answers that kept them from being reached were lifted, when they were (R4, R5).
    pub reason: String,
}

/// A conversation about this amends with a sponsor or adviser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consultation {
    pub id: Id,
    pub with: Adviser,
    /// Their name, if the person wants it recorded.
    pub name: String,
    pub on: Date,
    pub advice: String,
    /// Whether they approved the plan as it stood; `None` if no view was given.
    pub approved: Option<bool>,
    pub recorded: Timestamp,
}

/// How the person means to make the amends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub method: Method,
    /// How a restitution reaches them, where it was said (see `Way`).
    pub channel: Option<Channel>,
    pub script: String,
    pub on: Option<Date>,
    pub place: String,
    /// When the plan was last changed; an approval must come after it.
    pub updated: Timestamp,
}

impl Plan {
    /// How and what.
    pub fn way(&self) -> Way {
        Way {
            method: self.method,
            channel: self.channel,
        }
    }
}

impl Attempt {
    /// How and what.
    pub fn way(&self) -> Way {
        Way {
            method: self.method,
            channel: self.channel,
        }
    }
}

/// A third party's answer to being implicated in the amends (R1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consent {
    pub id: Id,
    pub who: String,
    pub given: bool,
    pub on: Date,
    pub note: String,
    pub recorded: Timestamp,
}

/// A postponement with its reason and the date to look at it again (R9).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deferral {
    pub id: Id,
    pub reason: String,
    pub review_on: Date,
    pub recorded: Timestamp,
    pub ended: Option<Timestamp>,
}

/// One attempt at making the amends, and how it went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub id: Id,
    pub on: Date,
    pub method: Method,
    /// How a restitution reached them, where it was said (see `Way`).
    pub channel: Option<Channel>,
    pub outcome: Outcome,
    /// What they asked for.
    pub requests: String,
    pub feeling_before: String,
    pub feeling_after: String,
    pub notes: String,
    pub recorded: Timestamp,
}

/// What was promised, and the record of keeping it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommitmentKind {
    /// Paying back money.
    Restitution {
        amount: Money,
        instalment: Option<Money>,
        every: Option<Cadence>,
        starting: Date,
        payments: Vec<Payment>,
    },
    /// A lasting change of behaviour with regular check-ins.
    Living {
        behaviour: String,
        every: Cadence,
        starting: Date,
        checkins: Vec<CheckIn>,
    },
    /// A one-off promise with a date.
    Promise { text: String, due: Date },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    pub id: Id,
    pub on: Date,
    pub amount: Money,
    pub note: String,
    /// How this payment was made, where it differs from the commitment's way (`None`: the same).
    pub via: Option<Reach>,
    /// When it was written down (absent for payments written before this was kept).
    pub recorded: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckIn {
    pub id: Id,
    pub on: Date,
    pub kept: bool,
    pub note: String,
    /// When it was written down (absent for check-ins written before this was kept).
    pub recorded: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commitment {
    pub id: Id,
    pub party_id: Id,
    pub kind: CommitmentKind,
    /// How it reaches them: a promise kept to them or without contact; a restitution paid to
    /// them or through someone else. A living amends never reaches them (`NoContact`).
    pub reach: Reach,
    pub recorded: Timestamp,
    /// Closed by hand: a promise kept, a debt released, a living amends ended.
    pub closed: Option<(Closure, Date)>,
}

impl Commitment {
    /// The day it began: its start, or the day it was recorded if that was earlier (a
    /// restitution recorded today may be paid from next month; one begun last year was
    /// recorded when the first payments had already been made).
    pub fn began(&self, now: &crate::Now) -> Date {
        let recorded = now.date_of(self.recorded);
        match &self.kind {
            CommitmentKind::Restitution { starting, .. }
            | CommitmentKind::Living { starting, .. } => (*starting).min(recorded),
            CommitmentKind::Promise { .. } => recorded,
        }
    }

    /// What a restitution has paid so far: its payments in its currency, added without ever
    /// overflowing. The one place this is counted (the views, worksheets and balance use it).
    pub fn paid(&self) -> Option<Money> {
        match &self.kind {
            CommitmentKind::Restitution {
                amount, payments, ..
            } => Some(Money::total(
                payments.iter().map(|p| p.amount),
                amount.currency,
            )),
            _ => None,
        }
    }

    /// What is left to pay on a restitution (never below zero).
    pub fn balance(&self) -> Option<Money> {
        match (&self.kind, self.paid()) {
            (CommitmentKind::Restitution { amount, .. }, Some(paid)) => Some(Money::new(
                amount.minor.saturating_sub(paid.minor).max(0),
                amount.currency,
            )),
            _ => None,
        }
    }

    /// Whether there is still something to do.
    pub fn is_open(&self) -> bool {
        if self.closed.is_some() {
            return false;
        }
        match &self.kind {
            CommitmentKind::Restitution { .. } => self.balance().is_some_and(|b| b.minor > 0),
            CommitmentKind::Living { .. } | CommitmentKind::Promise { .. } => true,
        }
    }

    /// What kind of commitment, in words.
    pub fn kind_label(&self) -> &'static str {
        match self.kind {
            CommitmentKind::Restitution { .. } => "restitution",
            CommitmentKind::Living { .. } => "living amends",
            CommitmentKind::Promise { .. } => "promise",
        }
    }

    pub fn kind_code(&self) -> &'static str {
        match self.kind {
            CommitmentKind::Restitution { .. } => "restitution",
            CommitmentKind::Living { .. } => "living",
            CommitmentKind::Promise { .. } => "promise",
        }
    }
}

/// Everything recorded about one party: the input to the rules and the stage derivation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartyRecord {
    pub party: Party,
    pub asides: Vec<SetAside>,
    pub harms: Vec<Harm>,
    pub willingness: Vec<WillingnessEntry>,
    pub safety: Option<SafetyRecord>,
    pub consultations: Vec<Consultation>,
    pub plan: Option<Plan>,
    pub consents: Vec<Consent>,
    pub deferrals: Vec<Deferral>,
    pub attempts: Vec<Attempt>,
    pub commitments: Vec<Commitment>,
}

impl PartyRecord {
    pub fn new(party: Party) -> PartyRecord {
        PartyRecord {
            party,
            asides: Vec::new(),
            harms: Vec::new(),
            willingness: Vec::new(),
            safety: None,
            consultations: Vec::new(),
            plan: None,
            consents: Vec::new(),
            deferrals: Vec::new(),
            attempts: Vec::new(),
            commitments: Vec::new(),
        }
    }

    /// The set-aside in force, if any.
    pub fn current_aside(&self) -> Option<&SetAside> {
        self.asides.iter().rev().find(|a| a.restored_at.is_none())
    }

    /// The most recent willingness.
    pub fn willingness_now(&self) -> Option<&WillingnessEntry> {
        self.willingness.iter().max_by_key(|w| (w.at, w.id))
    }

    /// Harms still on the list (not set aside).
    pub fn live_harms(&self) -> impl Iterator<Item = &Harm> {
        self.harms.iter().filter(|h| !h.is_set_aside())
    }

    /// The deferral in force: not ended and not followed by an attempt.
    pub fn active_deferral(&self) -> Option<&Deferral> {
        let last_attempt = self.attempts.iter().map(|a| a.recorded).max();
        self.deferrals
            .iter()
            .filter(|d| d.ended.is_none())
            .filter(|d| last_attempt.is_none_or(|t| t <= d.recorded))
            .max_by_key(|d| (d.recorded, d.id))
    }

    /// The most recent attempt in which the amends was made.
    pub fn last_made(&self) -> Option<&Attempt> {
        self.attempts
            .iter()
            .filter(|a| a.outcome.is_made())
            .max_by_key(|a| (a.recorded, a.id))
    }

    /// Whether the person ever asked for no further contact, in an attempt or in the answers.
    pub fn no_contact_asked(&self) -> bool {
        self.attempts
            .iter()
            .any(|a| a.outcome == Outcome::NoContact)
            || self
                .safety
                .as_ref()
                .is_some_and(|s| s.answers.asked_no_contact)
    }

    /// Names of third parties recorded on harms still on the list, without duplicates.
    pub fn third_party_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for h in self.live_harms() {
            for n in &h.third_parties {
                let n = n.trim();
                if !n.is_empty() && !names.iter().any(|m| m.eq_ignore_ascii_case(n)) {
                    names.push(n.to_string());
                }
            }
        }
        names
    }
}
