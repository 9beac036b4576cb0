//! The exception of Step 9 ("except when to do so would injure them or others") as rules R1-R10,
//! each applied with a reason in plain words. Everything here is a pure function of the record.

use jiff::civil::Date;

use crate::error::{CoreError, Invalid, Refusal};
use crate::model::{
    Adviser, Method, Outcome, PartyKind, PartyRecord, Plan, Reach, SafetyAnswers, Settings,
};

/// The rules R1-R10, as docs/practice.md tells them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    R1,
    R2,
    R3,
    R4,
    R5,
    R6,
    R7,
    R8,
    R9,
    R10,
}

impl Rule {
    pub fn code(self) -> &'static str {
        match self {
            Rule::R1 => "R1",
            Rule::R2 => "R2",
            Rule::R3 => "R3",
            Rule::R4 => "R4",
            Rule::R5 => "R5",
            Rule::R6 => "R6",
            Rule::R7 => "R7",
            Rule::R8 => "R8",
            Rule::R9 => "R9",
            Rule::R10 => "R10",
        }
    }

    /// A short name for the rule.
    pub fn title(self) -> &'static str {
        match self {
            Rule::R1 => "third parties",
            Rule::R2 => "review first",
            Rule::R3 => "legal risk",
            Rule::R4 => "court order",
            Rule::R5 => "no contact",
            Rule::R6 => "one's own abuser",
            Rule::R7 => "one's own safety",
            Rule::R8 => "deceased or unreachable",
            Rule::R9 => "deferral",
            Rule::R10 => "Step 10",
        }
    }
}

/// What kind of contact the verdict allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contact {
    /// Direct amends are possible.
    Direct,
    /// Only amends that do not reach them (R5).
    IndirectOnly,
    /// No contact of any kind, not through others (R4).
    NoContact,
    /// There is no one to reach (R8).
    NoOneToReach,
}

impl Contact {
    pub fn code(self) -> &'static str {
        match self {
            Contact::Direct => "direct",
            Contact::IndirectOnly => "indirect-only",
            Contact::NoContact => "no-contact",
            Contact::NoOneToReach => "no-one-to-reach",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Contact::Direct => "direct amends are possible",
            Contact::IndirectOnly => "indirect amends only",
            Contact::NoContact => "no contact of any kind",
            Contact::NoOneToReach => "there is no one to reach directly",
        }
    }
}

/// One reason the verdict gives, tied to its rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    pub rule: Rule,
    pub text: String,
}

/// The outcome of the safety questions for one party.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub contact: Contact,
    /// Methods that may be planned and attempted, in the preferred order.
    pub allowed: Vec<Method>,
    /// An approving consultation is needed before the amends is ready (R2).
    pub review_required: bool,
    /// A third party's consent must be recorded before an attempt (R1).
    pub consent_required: bool,
    /// Talk to a lawyer first (R3).
    pub lawyer_first: bool,
    /// Indirect amends are suggested, though not required (R7).
    pub indirect_suggested: bool,
    pub reasons: Vec<Reason>,
    /// Guidance that is not a rule (children, families, groups).
    pub guidance: Vec<String>,
    /// Whether the safety questions have been answered: every one that applies to this party
    /// as it is now (see `questions`).
    pub answered: bool,
    /// Questions that apply now and were never asked (the party's kind changed since the
    /// answers were given); while any is missing, `answered` is false.
    pub missing: Vec<&'static str>,
}

impl Verdict {
    pub fn allows(&self, method: Method) -> bool {
        self.allowed.contains(&method)
    }

    /// The reason that forbids a method, for a refusal.
    fn forbidding_reason(&self) -> Option<&Reason> {
        let wanted = match self.contact {
            Contact::NoContact => Rule::R4,
            Contact::IndirectOnly => Rule::R5,
            Contact::NoOneToReach => Rule::R8,
            Contact::Direct => return None,
        };
        self.reasons.iter().find(|r| r.rule == wanted)
    }
}

const NON_CONTACT: [Method; 3] = [Method::Living, Method::Indirect, Method::UnsentLetter];

/// Applies rules R1-R8 to what is known about a party.
pub fn verdict(record: &PartyRecord) -> Verdict {
    let answers = record
        .safety
        .as_ref()
        .map(|s| s.answers.clone())
        .unwrap_or_default();
    let missing = if record.safety.is_some() {
        crate::questions::account(record).missing
    } else {
        Vec::new()
    };
    let answered = record.safety.is_some() && missing.is_empty();
    let mut reasons = Vec::new();
    let mut guidance = Vec::new();
    let mut contact = Contact::Direct;
    let mut review_required = false;
    let mut consent_required = false;
    let mut lawyer_first = false;
    let mut indirect_suggested = false;

    let no_contact_from_attempt = record
        .attempts
        .iter()
        .find(|a| a.outcome == Outcome::NoContact);

    if answers.court_order {
        contact = Contact::NoContact;
        review_required = true;
        reasons.push(Reason {
            rule: Rule::R4,
            text: "A court order is in place between you. Make no contact of any kind: not in person, \
                   not by letter or message, not through anyone else, and not even a reply if they reach out. \
                   Living amends, indirect amends or an unsent letter are the ways open to you."
                .into(),
        });
    }
    if let Some(a) = no_contact_from_attempt {
        if contact == Contact::Direct {
            contact = Contact::IndirectOnly;
        }
        reasons.push(Reason {
            rule: Rule::R5,
            text: format!(
                "On {} they asked for no further contact. That wish stands for good: \
                 make amends only in ways that do not reach them.",
                crate::dates::words(a.on)
            ),
        });
    } else if answers.asked_no_contact {
        if contact == Contact::Direct {
            contact = Contact::IndirectOnly;
        }
        reasons.push(Reason {
            rule: Rule::R5,
            text: "They asked not to be contacted. Respecting that is part of the amends: \
                   choose a way that does not reach them."
                .into(),
        });
    }
    if answers.abused_them {
        if contact == Contact::Direct {
            contact = Contact::IndirectOnly;
        }
        review_required = true;
        reasons.push(Reason {
            rule: Rule::R5,
            text: "Contact from you could re-open the harm of abuse. The amends must not cost them \
                   their peace: make it indirectly, and go over it with your sponsor or a counsellor."
                .into(),
        });
    }
    let deceased = answers.deceased || record.party.kind == PartyKind::Deceased;
    let unreachable = answers.unreachable || record.party.kind == PartyKind::Unreachable;
    if deceased || unreachable {
        if contact == Contact::Direct {
            contact = Contact::NoOneToReach;
        }
        reasons.push(Reason {
            rule: Rule::R8,
            text: if deceased {
                "They have died. A letter read at the grave or to your sponsor, living amends, \
                 service or anonymous repayment remain open to you."
                    .into()
            } else {
                "They cannot be found. An unsent letter read to your sponsor, living amends, \
                 service or anonymous repayment remain open to you; if they are found later, \
                 answer the questions again."
                    .into()
            },
        });
    }
    if answers.affair || answers.third_parties {
        consent_required = true;
        review_required = true;
        reasons.push(Reason {
            rule: Rule::R1,
            text: if answers.affair {
                "This amends touches an affair. Never name the other person in what you say, \
                 and record their consent before any attempt that could implicate them."
                    .into()
            } else {
                "This amends would implicate someone else. Their consent must be recorded before \
                 any attempt: your peace of mind must not be bought at their expense."
                    .into()
            },
        });
    }
    if answers.legal_risk {
        lawyer_first = true;
        review_required = true;
        reasons.push(Reason {
            rule: Rule::R3,
            text: if answers.legal_decision.trim().is_empty() {
                "There is legal risk here. Talk to a lawyer first; this workbook will never advise \
                 you to confess. Record your own decision once you have taken advice."
                    .into()
            } else {
                "There is legal risk here. Talk to a lawyer first; this workbook will never advise \
                 you to confess. Your decision is recorded."
                    .into()
            },
        });
    }
    if answers.harmed_me {
        review_required = true;
        reasons.push(Reason {
            rule: Rule::R6,
            text:
                "They harmed you. No amends are owed for what was done to you; only your own part \
                   belongs on this list, and it is worth going over with your sponsor first."
                    .into(),
        });
    }
    if answers.my_safety {
        review_required = true;
        indirect_suggested = true;
        reasons.push(Reason {
            rule: Rule::R7,
            text: "Contact could put you at risk, of harm or of relapse. \"Others\" in Step 9 includes \
                   you: talk it over first, and consider an indirect amends."
                .into(),
        });
    }
    if review_required {
        reasons.push(Reason {
            rule: Rule::R2,
            text:
                "Because of the points above, talk the plan over with your sponsor or an adviser \
                   and record their approval before the amends is ready."
                    .into(),
        });
    }

    if answers.child {
        guidance.push(
            "With a child: few words suited to their age, then consistent actions. Living amends lead."
                .to_string(),
        );
    }
    if answers.family {
        guidance.push(
            "With family: begin with a general admission; do not rehash harrowing episodes. \
             Living amends go alongside whatever you say."
                .to_string(),
        );
    }
    if record.party.kind == PartyKind::Group {
        guidance.push(
            "A group without names is usually reached through restitution, service or anonymous \
             repayment."
                .to_string(),
        );
    }
    if !answers.third_parties && !answers.affair && !record.third_party_names().is_empty() {
        guidance.push(
            "A harm on this list names someone else involved. If the amends could implicate them, \
             answer --third-parties (R1)."
                .to_string(),
        );
    }
    if record.safety.is_none() {
        guidance.push(
            "The safety questions have not been answered yet; answer them before planning."
                .to_string(),
        );
    } else if !answered {
        guidance.push(format!(
            "The safety questions have not been answered yet for {} as recorded now: {} {} not asked when the answers were given; answer them before anything reaches them.",
            record.party.kind.label(),
            crate::questions::topics(&missing),
            if missing.len() == 1 { "was" } else { "were" }
        ));
    }

    let allowed = match contact {
        Contact::Direct => Method::ALL.to_vec(),
        _ => NON_CONTACT.to_vec(),
    };

    Verdict {
        contact,
        allowed,
        review_required,
        consent_required,
        lawyer_first,
        indirect_suggested,
        reasons,
        guidance,
        answered,
        missing,
    }
}

/// Whether `text` names `name`: the whole name as consecutive words (any case), or any part of
/// it of three letters or more written as a capitalised word ("Dave" for "Dave Smith", but not
/// "will" for "Will Jones").
pub fn names_in(text: &str, name: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let name_words = words(name);
    if name_words.is_empty() {
        return false;
    }
    let text_words = words(text);
    let lower = |v: &[String]| v.iter().map(|w| w.to_lowercase()).collect::<Vec<_>>();
    let (tl, nl) = (lower(&text_words), lower(&name_words));
    if tl.windows(nl.len()).any(|w| w == nl.as_slice()) {
        return true;
    }
    name_words.iter().any(|part| {
        part.chars().count() >= 3
            && part.chars().next().is_some_and(char::is_uppercase)
            && text_words.iter().any(|w| w == part)
    })
}

/// The approving consultation that satisfies R2 for the current plan, if there is one.
///
/// Only the latest view given after the plan was last changed (and after the safety answers)
/// counts: a later "not approved" withdraws an earlier approval.
pub fn approval_for_plan(record: &PartyRecord) -> Option<&crate::model::Consultation> {
    let plan = record.plan.as_ref()?;
    latest_view_since(record, Some(plan.updated)).filter(|c| c.approved == Some(true))
}

/// The latest approve-or-not view from a sponsor or adviser, after `since` and after the
/// safety answers were last given.
fn latest_view_since(
    record: &PartyRecord,
    since: Option<jiff::Timestamp>,
) -> Option<&crate::model::Consultation> {
    let answered = record.safety.as_ref().map(|s| s.answered);
    record
        .consultations
        .iter()
        .filter(|c| c.with.can_approve() && c.approved.is_some())
        .filter(|c| since.is_none_or(|t| c.recorded >= t))
        .filter(|c| answered.is_none_or(|t| c.recorded >= t))
        .max_by_key(|c| (c.recorded, c.id))
}

/// Whether a plan's script names someone involved in an affair (R1).
pub fn script_names_affair_partner(record: &PartyRecord) -> Option<String> {
    let plan = record.plan.as_ref()?;
    let affair = record.safety.as_ref().is_some_and(|s| s.answers.affair);
    if !affair {
        return None;
    }
    record
        .third_party_names()
        .into_iter()
        .find(|n| names_in(&plan.script, n))
}

/// Whether the third parties have given their consent (R1).
pub fn consent_satisfied(record: &PartyRecord) -> bool {
    let names = record.third_party_names();
    let latest_for = |who: &str| {
        record
            .consents
            .iter()
            .filter(|c| c.who.trim().eq_ignore_ascii_case(who.trim()))
            .max_by_key(|c| (c.recorded, c.id))
            .map(|c| c.given)
    };
    if names.is_empty() {
        // No names recorded: every person who answered must have said yes, and someone must have.
        let mut people: Vec<&str> = record.consents.iter().map(|c| c.who.as_str()).collect();
        people.sort_unstable_by_key(|w| w.to_lowercase());
        people.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        !people.is_empty() && people.iter().all(|w| latest_for(w) == Some(true))
    } else {
        names.iter().all(|n| latest_for(n) == Some(true))
    }
}

/// The third parties whose consent is still missing, for messages.
pub fn consent_missing(record: &PartyRecord) -> Vec<String> {
    let names = record.third_party_names();
    names
        .into_iter()
        .filter(|n| {
            record
                .consents
                .iter()
                .filter(|c| c.who.trim().eq_ignore_ascii_case(n))
                .max_by_key(|c| (c.recorded, c.id))
                .map(|c| c.given)
                != Some(true)
        })
        .collect()
}

/// The third parties whose latest answer was a refusal of consent.
pub fn consent_refused(record: &PartyRecord) -> Vec<String> {
    let mut people: Vec<&str> = record.consents.iter().map(|c| c.who.trim()).collect();
    people.sort_unstable_by_key(|w| w.to_lowercase());
    people.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    people
        .into_iter()
        .filter(|who| {
            record
                .consents
                .iter()
                .filter(|c| c.who.trim().eq_ignore_ascii_case(who))
                .max_by_key(|c| (c.recorded, c.id))
                .is_some_and(|c| !c.given)
        })
        .map(str::to_string)
        .collect()
}

/// What stands between this party and the review R2 asks for, in plain words; `None` when the
/// review is satisfied (or not required).
pub fn review_gap(record: &PartyRecord) -> Option<String> {
    if !verdict(record).review_required {
        return None;
    }
    let Some(plan) = &record.plan else {
        return if has_any_approval(record) {
            None
        } else {
            Some("no approving consultation with your sponsor or an adviser is recorded".into())
        };
    };
    match latest_view_since(record, Some(plan.updated)) {
        Some(c) if c.approved == Some(true) => return None,
        Some(c) => {
            return Some(format!(
                "your {} did not approve the plan on {}",
                c.with.label(),
                crate::dates::words(c.on)
            ));
        }
        None => {}
    }
    let approvals: Vec<&crate::model::Consultation> = record
        .consultations
        .iter()
        .filter(|c| c.with.can_approve() && c.approved == Some(true))
        .collect();
    let Some(last) = approvals.iter().max_by_key(|c| (c.recorded, c.id)) else {
        return Some("no approval of this plan by your sponsor or an adviser is recorded".into());
    };
    if last.recorded < plan.updated {
        Some(format!(
            "the plan changed after your {} approved it on {}",
            last.with.label(),
            crate::dates::words(last.on)
        ))
    } else {
        Some(format!(
            "the safety answers changed after your {} approved the plan on {}",
            last.with.label(),
            crate::dates::words(last.on)
        ))
    }
}

fn refuse_if_set_aside(record: &PartyRecord, what: &str) -> Result<(), Refusal> {
    if let Some(aside) = record.current_aside() {
        return Err(Refusal::new(
            None,
            format!(
                "This party is set aside ({}), so {what} cannot be recorded",
                aside.reason.label()
            ),
            "Restore the party first if it belongs on the list again.",
        ));
    }
    Ok(())
}

fn refuse_method(verdict: &Verdict, method: Method, doing: &str) -> Result<(), Refusal> {
    let how = match method {
        Method::FaceToFace => "face to face",
        Method::Phone => "by phone",
        Method::Video => "by video call",
        Method::Letter => "by letter",
        Method::Restitution => "through restitution paid to them",
        Method::Living => "through living amends",
        Method::Indirect => "indirectly",
        Method::UnsentLetter => "with an unsent letter",
    };
    if verdict.allows(method) {
        return Ok(());
    }
    let reason = verdict.forbidding_reason();
    let rule = reason.map(|r| r.rule);
    let why = match verdict.contact {
        Contact::NoContact => "a court order forbids contact of any kind",
        Contact::IndirectOnly => "only amends that do not reach them are right here",
        Contact::NoOneToReach => "there is no one to reach directly",
        Contact::Direct => "this method is not open here",
    };
    Err(Refusal::new(
        rule,
        format!("You cannot {doing} {how} because {why}"),
        format!(
            "Choose one of: {}.",
            verdict
                .allowed
                .iter()
                .map(|m| m.code())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ))
}

/// Checks that a new party may be added.
pub fn check_new_party(settings: &Settings, kind: PartyKind) -> Result<(), Refusal> {
    if kind == PartyKind::Myself && !settings.amends_to_self {
        return Err(Refusal::new(
            None,
            "Amends to yourself are turned off in the settings; sponsors differ on whether you belong on your own list",
            "Talk it over with your sponsor; if you both agree, turn it on with `amends settings --amends-to-self on`.",
        ));
    }
    Ok(())
}

/// Checks a plan against the verdict (R1, R4, R5, R8).
pub fn check_plan(record: &PartyRecord, plan: &Plan) -> Result<Vec<String>, CoreError> {
    refuse_if_set_aside(record, "a plan")?;
    plan.way().check()?;
    let v = verdict(record);
    refuse_method(&v, plan.method, "plan amends")?;
    harm_first(record, plan.method, "a plan")?;
    safety_first(&v, plan.method, "a plan")?;
    refuse_words(
        record,
        &v,
        &[&plan.script, &plan.place],
        plan.method != Method::UnsentLetter,
        "The plan",
    )?;
    let mut warnings = Vec::new();
    let answers = record
        .safety
        .as_ref()
        .map(|s| s.answers.clone())
        .unwrap_or_default();
    for name in record.third_party_names() {
        if names_in(&plan.script, &name) {
            if answers.affair {
                return Err(Refusal::new(
                    Some(crate::rules::Rule::R1),
                    "The script names someone involved in the affair",
                    "Take their name out of the script: the amends is about your part, never theirs.",
                )
                .into());
            }
            warnings.push(
                "The script names someone recorded as involved in a harm; consider leaving them out (R1)."
                    .to_string(),
            );
            break;
        }
    }
    if !v.answered {
        warnings.push(
            "The safety questions have not been answered yet; the plan will not be ready until they are."
                .into(),
        );
    }
    Ok(warnings)
}

/// The facts of a new attempt, to check before it is recorded.
pub struct NewAttempt<'a> {
    pub on: Date,
    pub method: Method,
    /// How a restitution reached them, where it is said (see `model::Way`).
    pub channel: Option<crate::model::Channel>,
    pub outcome: Outcome,
    /// What was written about it (notes, their requests), read for contact and go-betweens
    /// where no contact is allowed.
    pub words: &'a [&'a str],
}

/// Checks an attempt against the rules (R1, R2, R4, R5, R8) and against common sense.
pub fn check_attempt(
    record: &PartyRecord,
    attempt: &NewAttempt<'_>,
    today: Date,
) -> Result<(), CoreError> {
    refuse_if_set_aside(record, "an attempt")?;
    if attempt.on > today {
        return Err(Invalid::new(
            "date",
            "an attempt records what already happened; for a future date, make a plan instead",
        )
        .into());
    }
    let way = crate::model::Way {
        method: attempt.method,
        channel: attempt.channel,
    }
    .check()?;
    let v = verdict(record);
    refuse_method(&v, attempt.method, "make amends")?;
    harm_first(record, attempt.method, "an attempt")?;
    safety_first(&v, attempt.method, "an attempt")?;
    // What is written about an attempt tells what happened, even for an unsent letter (whose
    // own words, in the plan, are addressed to them and never sent).
    refuse_words(record, &v, attempt.words, true, "What you wrote about it")?;
    if v.lawyer_first && attempt.method.is_contact() && !legal_question_settled(record) {
        return Err(Refusal::new(
            Some(Rule::R3),
            "There is legal risk in this amends, and neither a talk with a lawyer nor your own decision is recorded",
            "Talk to a lawyer first and record it (amends consult PARTY --with lawyer --advice \"...\"), or record your own decision once you have taken advice (amends safety PARTY --legal-decision \"...\").",
        )
        .into());
    }
    let no_reply = matches!(
        attempt.method,
        Method::UnsentLetter | Method::Indirect | Method::Living
    );
    if no_reply && attempt.outcome != Outcome::Done {
        return Err(Invalid::new(
            "outcome",
            format!(
                "{} has no one answering; record it with the outcome \"done\"",
                attempt.method.label()
            ),
        )
        .into());
    }
    if !no_reply && attempt.outcome == Outcome::Done && attempt.method != Method::Restitution {
        return Err(Invalid::new(
            "outcome",
            "\"done\" is for amends with no reply (unsent letter, indirect, living, restitution); \
             say how they received it: warm, with-request, cool, refused, no-answer, no-contact or unreachable",
        )
        .into());
    }
    if v.consent_required && attempt.method.is_contact() && !consent_satisfied(record) {
        // Names stay out of refusals: they go to standard error, which is not the person's page.
        let refused = consent_refused(record);
        if !refused.is_empty() {
            return Err(Refusal::new(
                Some(Rule::R1),
                "Someone this amends would implicate did not consent, and it must not go ahead without them",
                "See who with `amends show PARTY`; choose an amends that leaves them out (living or indirect amends, or an unsent letter), or record their consent if they change their mind.",
            )
            .into());
        }
        return Err(Refusal::new(
            Some(Rule::R1),
            "This amends would implicate someone else and their consent is not recorded",
            "See who is still to be asked with `amends show PARTY`, record their consent (amends consent PARTY --who NAME --given), or choose an amends that does not involve them.",
        )
        .into());
    }
    if script_names_affair_partner(record).is_some() {
        return Err(Refusal::new(
            Some(Rule::R1),
            "The planned script names someone involved in the affair",
            "Take their name out of the script (amends plan PARTY --script ...) before making the amends.",
        )
        .into());
    }
    if let Some(gap) = review_gap(record) {
        return Err(Refusal::new(
            Some(Rule::R2),
            format!("This amends needs to be talked over and approved first: {gap}"),
            "Go over the plan with your sponsor or an adviser and record their approval (amends consult PARTY --with sponsor --approve --advice \"...\").",
        )
        .into());
    }
    // Trying to reach them (no answer, could not reach) is not the amends itself. Like is
    // compared with like: what was made with what was planned, and how it reached them with
    // how it was to, where both say.
    if v.review_required
        && attempt.outcome.is_made()
        && let Some(plan) = &record.plan
        && !plan.way().fits(way)
    {
        return Err(Refusal::new(
            Some(Rule::R2),
            format!(
                "The plan that was approved is {}, not {}",
                plan.way().label(),
                way.label()
            ),
            "Change the plan to the way you mean to make the amends and go over it again with your sponsor or adviser.",
        )
        .into());
    }
    Ok(())
}

fn has_any_approval(record: &PartyRecord) -> bool {
    record.plan.is_none()
        && latest_view_since(record, None).is_some_and(|c| c.approved == Some(true))
}

/// Checks a consent may be recorded (R1 must apply).
pub fn check_consent(record: &PartyRecord) -> Result<(), Refusal> {
    refuse_if_set_aside(record, "a consent")?;
    let v = verdict(record);
    if !v.consent_required {
        return Err(Refusal::new(
            Some(Rule::R1),
            "Consent is only recorded where the amends would implicate someone else, and that has not been answered for this party",
            "If someone else is involved, answer the safety questions with --third-parties (or --affair) first.",
        ));
    }
    Ok(())
}

/// Checks a deferral: a reason and a review date that is not in the past (R9).
pub fn check_deferral(
    record: &PartyRecord,
    reason: &str,
    review_on: Date,
    today: Date,
) -> Result<(), CoreError> {
    refuse_if_set_aside(record, "a deferral")?;
    if record.last_made().is_some() && crate::stage::harms_after_amends(record).is_empty() {
        return Err(Refusal::new(
            Some(Rule::R9),
            "Amends were already made to this party, so there is nothing to put off",
            "If something new has come up, capture it (amends capture NAME --did ...): that reopens the party, and then it can be deferred.",
        )
        .into());
    }
    if reason.trim().is_empty() {
        return Err(Invalid::new(
            "reason",
            "a deferral needs a reason: say why now is not the time (R9)",
        )
        .into());
    }
    if review_on < today {
        return Err(Invalid::new(
            "review date",
            format!(
                "the review date {} is in the past; choose today or a later date (R9)",
                crate::dates::words(review_on)
            ),
        )
        .into());
    }
    let latest = latest_review(today);
    if review_on > latest {
        return Err(Invalid::new(
            "review date",
            format!(
                "is more than a year away; not now is not never (R9): choose a date on or before {}, and put it off again then if you need to",
                crate::dates::words(latest)
            ),
        )
        .into());
    }
    Ok(())
}

/// The furthest a deferral's review can be put off: a year from today (R9).
pub fn latest_review(today: Date) -> Date {
    today
        .checked_add(jiff::Span::new().years(1))
        .unwrap_or(today)
}

/// The ways that stay open while a plan or an attempt waits for a harm or the answers.
const OPEN_WHILE_PLANS_WAIT: &str =
    "living amends, indirect amends and an unsent letter stay open meanwhile";
/// The way that stays open while a commitment or payment waits for them.
const OPEN_WHILE_COMMITMENTS_WAIT: &str = "a living amends stays open meanwhile";

/// Something that reaches them needs a harm named first: the amends is for something. `what`
/// names it as the sentence needs ("a plan", "a promise to them"); `open` says what stays open.
fn no_harm_named(what: &str, open: &str) -> Invalid {
    Invalid::new(
        "harm",
        format!(
            "name what you did first: {what} is for a harm on the list, and this party has none (amends harm add PARTY --did \"...\"); {open}"
        ),
    )
}

/// Contact waits until the safety questions are answered: an exception no one asked about
/// cannot protect anyone.
fn answers_missing(what: &str, open: &str) -> Refusal {
    Refusal::new(
        None,
        format!(
            "The safety questions have not been answered for this party, so {what} that reaches them cannot be recorded yet"
        ),
        format!(
            "Answer them first (amends safety PARTY with the answers that apply, or `amends safety PARTY --none` when none apply); {open}."
        ),
    )
}

/// A plan or attempt by a way that reaches them needs a harm named first. Living amends,
/// indirect amends and unsent letters stay open.
fn harm_first(record: &PartyRecord, method: Method, what: &str) -> Result<(), Invalid> {
    if NON_CONTACT.contains(&method) || record.live_harms().next().is_some() {
        return Ok(());
    }
    Err(no_harm_named(what, OPEN_WHILE_PLANS_WAIT))
}

/// A plan or attempt by a way that reaches them waits for the safety questions.
fn safety_first(v: &Verdict, method: Method, doing: &str) -> Result<(), Refusal> {
    if v.answered || !method.is_contact() {
        return Ok(());
    }
    Err(unanswered(v, doing, OPEN_WHILE_PLANS_WAIT))
}

/// The refusal while the answers are missing, or incomplete since the party's kind changed.
fn unanswered(v: &Verdict, what: &str, open: &str) -> Refusal {
    if v.missing.is_empty() {
        return answers_missing(what, open);
    }
    Refusal::new(
        None,
        format!(
            "Since the safety questions were answered, what is recorded about this party changed, and {} {} not asked then, so {what} that reaches them cannot be recorded yet",
            crate::questions::topics(&v.missing),
            if v.missing.len() == 1 { "was" } else { "were" }
        ),
        format!(
            "Answer them first (amends safety PARTY with the flags that are yes; the others are recorded as no); {open}."
        ),
    )
}

/// Whether the legal question of R3 is settled: a lawyer consulted, or the person's own
/// decision recorded.
pub fn legal_question_settled(record: &PartyRecord) -> bool {
    record
        .consultations
        .iter()
        .any(|c| c.with == Adviser::Lawyer)
        || record
            .safety
            .as_ref()
            .is_some_and(|s| !s.answers.legal_decision.trim().is_empty())
}

/// Where no contact is allowed (R4, R5), words that pass a message through someone else, or
/// (when `contact_words`) that describe reaching them, are refused: an order forbids contact
/// "through anyone else", and a form recorded as reaching no one must not say otherwise.
pub fn words_refusal(record: &PartyRecord, words: &[&str], contact_words: bool) -> Option<Refusal> {
    refuse_words(record, &verdict(record), words, contact_words, "The plan").err()
}

fn refuse_words(
    record: &PartyRecord,
    v: &Verdict,
    words: &[&str],
    contact_words: bool,
    // What holds the words, as the refusal's sentence starts ("The plan").
    where_: &str,
) -> Result<(), Refusal> {
    if !matches!(v.contact, Contact::NoContact | Contact::IndirectOnly) {
        return Ok(());
    }
    let rule = if v.contact == Contact::NoContact {
        Rule::R4
    } else {
        Rule::R5
    };
    for text in words {
        if crate::coach::go_between(text).is_some() {
            return Err(Refusal::new(
                Some(rule),
                format!(
                    "{where_} passes a message to them through someone else, and {}",
                    if rule == Rule::R4 {
                        "a court order forbids contact through anyone else"
                    } else {
                        "they asked not to be reached, through anyone"
                    }
                ),
                "Take the go-between out: a living amends, an indirect amends that carries no message to them, or an unsent letter read to your sponsor are open.",
            ));
        }
        if contact_words && crate::coach::reaches(text, &record.party.name).is_some() {
            return Err(Refusal::new(
                Some(rule),
                format!(
                    "{where_} describes reaching them directly, and {}",
                    if rule == Rule::R4 {
                        "a court order forbids contact of any kind"
                    } else {
                        "only amends that do not reach them are right here"
                    }
                ),
                "Write it as something that does not reach them (see it with `amends show PARTY`); living amends, indirect amends and an unsent letter are open.",
            ));
        }
    }
    Ok(())
}

/// The kinds of commitment, as the gate sees them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommitmentSort {
    Restitution,
    Living,
    Promise,
}

/// The ways open for a kind of commitment, the first being its default.
pub fn reaches_for(sort: CommitmentSort) -> &'static [Reach] {
    match sort {
        CommitmentSort::Restitution => &Reach::RESTITUTION,
        CommitmentSort::Promise => &Reach::PROMISE,
        CommitmentSort::Living => &[Reach::NoContact],
    }
}

/// Checks a new commitment: the way it reaches them fits its kind, and where no contact is
/// allowed (R4, R5) only the ways that do not reach them are open.
pub fn check_commitment(
    record: &PartyRecord,
    sort: CommitmentSort,
    reach: Reach,
    words: &[&str],
) -> Result<(), CoreError> {
    refuse_if_set_aside(record, "a commitment")?;
    let open = reaches_for(sort);
    if !open.contains(&reach) {
        return Err(Invalid::new(
            "via",
            format!(
                "a {} is kept {}; choose one of: {}",
                match sort {
                    CommitmentSort::Restitution => "restitution",
                    CommitmentSort::Living => "living amends",
                    CommitmentSort::Promise => "promise",
                },
                match sort {
                    CommitmentSort::Living => "without contact",
                    _ => "in one of these ways",
                },
                open.iter().map(|r| r.code()).collect::<Vec<_>>().join(", ")
            ),
        )
        .into());
    }
    let v = verdict(record);
    refuse_reach(&v, reach, sort)?;
    if reach.reaches_them() {
        reaching_needs(record, &v, &format!("a {}", sort_word(sort)))?;
    }
    refuse_words(record, &v, words, true, &format!("The {}", sort_word(sort)))?;
    Ok(())
}

/// What anything that reaches them needs, as a plan or an attempt does: a harm named, the
/// safety questions answered, and where there is legal risk a lawyer or the person's decision
/// (R3). `what` names it ("a promise", "a payment").
fn reaching_needs(record: &PartyRecord, v: &Verdict, what: &str) -> Result<(), CoreError> {
    if record.live_harms().next().is_none() {
        return Err(no_harm_named(&format!("{what} to them"), OPEN_WHILE_COMMITMENTS_WAIT).into());
    }
    if !v.answered {
        return Err(unanswered(v, what, OPEN_WHILE_COMMITMENTS_WAIT).into());
    }
    if v.lawyer_first && !legal_question_settled(record) {
        return Err(Refusal::new(
            Some(Rule::R3),
            format!(
                "There is legal risk in this amends, and neither a talk with a lawyer nor your own decision is recorded, so {what} that reaches them cannot be recorded yet"
            ),
            "Talk to a lawyer first and record it (amends consult PARTY --with lawyer --advice \"...\"), or record your own decision once you have taken advice (amends safety PARTY --legal-decision \"...\"); paying anonymously or through someone else stays open.",
        )
        .into());
    }
    Ok(())
}

fn sort_word(sort: CommitmentSort) -> &'static str {
    match sort {
        CommitmentSort::Restitution => "restitution",
        CommitmentSort::Living => "living amends",
        CommitmentSort::Promise => "promise",
    }
}

fn refuse_reach(v: &Verdict, reach: Reach, sort: CommitmentSort) -> Result<(), Refusal> {
    if !reach.reaches_them() {
        return Ok(());
    }
    let (rule, why) = match v.contact {
        Contact::NoContact => (Rule::R4, "a court order forbids contact of any kind"),
        Contact::IndirectOnly => (
            Rule::R5,
            "only amends that do not reach them are right here",
        ),
        // Their heirs or estate can be repaid where they have died; no one can be reached
        // "directly".
        Contact::NoOneToReach if reach == Reach::Them => {
            (Rule::R8, "there is no one to reach directly")
        }
        Contact::Direct | Contact::NoOneToReach => return Ok(()),
    };
    let next = match sort {
        CommitmentSort::Restitution if rule == Rule::R8 => {
            "Repay their heirs or estate (--via heirs), or give it to a charity or anonymously (--via charity, anonymous)."
        }
        CommitmentSort::Restitution => {
            "Pay it in a way that does not reach them, and record it as such: --via court, agency, charity or anonymous."
        }
        CommitmentSort::Promise => {
            "Record a promise you can keep without contact (--via no-contact), or make it a living amends."
        }
        CommitmentSort::Living => "A living amends is kept without contact.",
    };
    Err(Refusal::new(
        Some(rule),
        format!(
            "A {} {} cannot be recorded because {why}",
            sort_word(sort),
            reach.label()
        ),
        next,
    ))
}

/// Checks that a commitment may be closed as `how`: under R4/R5 a promise that reaches them
/// cannot have been kept (keeping it would reach them); it can be closed as released.
pub fn check_close(
    record: &PartyRecord,
    commitment: &crate::model::Commitment,
    how: crate::model::Closure,
) -> Result<(), Refusal> {
    use crate::model::{Closure, CommitmentKind};
    let fits = matches!(
        (&commitment.kind, how),
        (
            CommitmentKind::Promise { .. },
            Closure::Kept | Closure::Released
        ) | (CommitmentKind::Restitution { .. }, Closure::Released)
            | (CommitmentKind::Living { .. }, Closure::Ended)
    );
    if !fits {
        let hint = match commitment.kind {
            CommitmentKind::Promise { .. } => "A promise is closed as kept or released.",
            CommitmentKind::Restitution { .. } => {
                "A restitution closes itself when the balance is paid; it can only be closed by hand as released (they let you off)."
            }
            CommitmentKind::Living { .. } => "A living amends is closed as ended.",
        };
        return Err(Refusal::new(
            None,
            format!(
                "A {} cannot be closed as {}",
                commitment.kind_label(),
                how.code()
            ),
            hint,
        ));
    }
    let v = verdict(record);
    let protected = matches!(v.contact, Contact::NoContact | Contact::IndirectOnly);
    if protected
        && how == crate::model::Closure::Kept
        && commitment.reach.reaches_them()
        && matches!(
            commitment.kind,
            crate::model::CommitmentKind::Promise { .. }
        )
    {
        let rule = if v.contact == Contact::NoContact {
            Rule::R4
        } else {
            Rule::R5
        };
        return Err(Refusal::new(
            Some(rule),
            "This promise was to them directly, and keeping it now would reach them",
            "Close it as released (it stays in the history), and record what you can do without contact: a promise kept without contact (--via no-contact) or a living amends.",
        ));
    }
    Ok(())
}

/// Checks a payment on a restitution: the day it was made (not before the restitution began,
/// not in the future) and the way it was paid (R4, R5).
pub fn check_payment(
    record: &PartyRecord,
    commitment: &crate::model::Commitment,
    on: Date,
    via: Reach,
    note: &str,
    now: &crate::Now,
) -> Result<(), CoreError> {
    refuse_if_set_aside(record, "a payment")?;
    check_fact_date(commitment, on, now, "a payment")?;
    if !Reach::RESTITUTION.contains(&via) {
        return Err(Invalid::new(
            "via",
            format!(
                "a payment is made one of these ways: {}",
                Reach::RESTITUTION
                    .iter()
                    .map(|r| r.code())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .into());
    }
    let v = verdict(record);
    refuse_reach(&v, via, CommitmentSort::Restitution).map_err(|mut r| {
        r.reason = r.reason.replacen("A restitution", "A payment", 1);
        r
    })?;
    if via.reaches_them() {
        reaching_needs(record, &v, "a payment")?;
    }
    refuse_words(record, &v, &[note], true, "The payment's note")?;
    Ok(())
}

/// Checks a check-in on a living amends: its day, and its words where no contact is allowed.
pub fn check_checkin(
    record: &PartyRecord,
    commitment: &crate::model::Commitment,
    on: Date,
    note: &str,
    now: &crate::Now,
) -> Result<(), CoreError> {
    refuse_if_set_aside(record, "a check-in")?;
    check_fact_date(commitment, on, now, "a check-in")?;
    let v = verdict(record);
    refuse_words(record, &v, &[note], true, "The check-in's note")?;
    Ok(())
}

/// A payment or check-in happened on a day between the commitment's beginning and today.
fn check_fact_date(
    commitment: &crate::model::Commitment,
    on: Date,
    now: &crate::Now,
    what: &str,
) -> Result<(), Invalid> {
    if on > now.today {
        return Err(Invalid::new(
            "date",
            format!("{what} records what already happened; give today or an earlier date"),
        ));
    }
    let began = commitment.began(now);
    if on < began {
        return Err(Invalid::new(
            "date",
            format!(
                "is before this commitment began on {}; give a date from then on (if it began earlier, record a new commitment with --starting)",
                crate::dates::words(began)
            ),
        ));
    }
    Ok(())
}

/// A change to the safety answers: flags to set, flags to lift, or "none apply".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SafetyChange {
    /// Questions answered "yes" now (added to those already in force).
    pub set: SafetyAnswers,
    /// Questions whose earlier "yes" no longer holds.
    pub clear: SafetyAnswers,
    /// The person says none of the questions apply.
    pub none: bool,
    /// The person's own decision where there is legal risk (R3), if given now.
    pub legal_decision: Option<String>,
    /// Why an answer that keeps them safe from contact is lifted (see `PROTECTING`).
    pub reason: Option<String>,
    /// The person confirmed that such an answer no longer holds.
    pub confirmed: bool,
}

/// The answers that keep them from being reached (R4, R5): lifting one opens contact again, so
/// it takes a confirmation and a reason, kept in the history.
pub const PROTECTING: [&str; 3] = ["court-order", "asked-no-contact", "abused-them"];

/// Whether going from `before` to `after` lifts an answer that keeps them from being reached.
pub fn lifts_protection(before: &SafetyAnswers, after: &SafetyAnswers) -> Vec<&'static str> {
    PROTECTING
        .iter()
        .copied()
        .filter(|q| {
            *answer_mut(&mut before.clone(), q).expect("a known question")
                && !*answer_mut(&mut after.clone(), q).expect("a known question")
        })
        .collect()
}

/// Refuses a lift of a protecting answer without a confirmation and a reason.
pub fn check_lift(
    before: &SafetyAnswers,
    after: &SafetyAnswers,
    confirmed: bool,
    reason: &str,
) -> Result<(), Invalid> {
    let lifting = lifts_protection(before, after);
    let Some(first) = lifting.first() else {
        return Ok(());
    };
    if reason.trim().is_empty() {
        return Err(Invalid::new(
            "reason",
            format!(
                "lifting {first} opens contact again, so say why it no longer holds (--reason \"...\"; for a court order, when it ended); the reason is kept in the history"
            ),
        ));
    }
    if !confirmed {
        return Err(Invalid::new(
            "confirm",
            format!(
                "lifting {first} opens contact again; confirm that it truly no longer holds (--confirm)"
            ),
        ));
    }
    Ok(())
}

/// The questions by the names people use for them (`--court-order`), with their place in the answers.
pub const SAFETY_QUESTIONS: [&str; 12] = [
    "court-order",
    "asked-no-contact",
    "abused-them",
    "harmed-me",
    "legal-risk",
    "affair",
    "third-parties",
    "my-safety",
    "deceased",
    "unreachable",
    "child",
    "family",
];

/// The answer to one question, by its name in `SAFETY_QUESTIONS`.
pub fn answer_mut<'a>(a: &'a mut SafetyAnswers, name: &str) -> Option<&'a mut bool> {
    Some(match name {
        "court-order" => &mut a.court_order,
        "asked-no-contact" => &mut a.asked_no_contact,
        "abused-them" => &mut a.abused_them,
        "harmed-me" => &mut a.harmed_me,
        "legal-risk" => &mut a.legal_risk,
        "affair" => &mut a.affair,
        "third-parties" => &mut a.third_parties,
        "my-safety" => &mut a.my_safety,
        "deceased" => &mut a.deceased,
        "unreachable" => &mut a.unreachable,
        "child" => &mut a.child,
        "family" => &mut a.family,
        _ => return None,
    })
}

fn flags_of(a: &SafetyAnswers) -> Vec<&'static str> {
    SAFETY_QUESTIONS
        .iter()
        .copied()
        .filter(|q| *answer_mut(&mut a.clone(), q).expect("a known question"))
        .collect()
}

/// Applies a change to the answers in force. Answers add up: a flag stays until it is lifted.
/// Returns the new answers (or `None` when nothing changes) and notes for the person.
pub fn merge_answers(
    record: &PartyRecord,
    change: &SafetyChange,
) -> Result<(Option<SafetyAnswers>, Vec<String>), Invalid> {
    let before = record
        .safety
        .as_ref()
        .map(|s| s.answers.clone())
        .unwrap_or_default();
    let setting = flags_of(&change.set);
    let lifting = flags_of(&change.clear);
    crate::questions::check_change(record, &setting, &lifting)?;
    // What the record answers already is not stored: it follows the record (a kind changed
    // back asks the question again).
    let account = crate::questions::account(record);
    let setting: Vec<&str> = setting
        .into_iter()
        .filter(|q| {
            !matches!(
                account.get(q).map(|q| &q.standing),
                Some(crate::questions::Standing::Known { .. })
            ) || *q == "asked-no-contact"
        })
        .collect();
    if change.none && (!setting.is_empty() || !lifting.is_empty()) {
        return Err(Invalid::new(
            "none",
            "--none means no question applies, so it cannot go with other answers or --clear",
        ));
    }
    let permanent = record
        .attempts
        .iter()
        .any(|a| a.outcome == Outcome::NoContact);
    let mut notes = Vec::new();
    if change.none {
        // "Asked for no further contact" in an attempt stands for good (R5): --none cannot
        // lift it, so it does not stand in the way.
        let standing: Vec<&str> = flags_of(&before)
            .into_iter()
            .filter(|f| !(permanent && *f == "asked-no-contact"))
            .collect();
        if permanent {
            notes.push(
                "They asked for no further contact in an earlier attempt; that answer stays (R5)."
                    .into(),
            );
        }
        if let Some(first) = standing.first() {
            return Err(Invalid::new(
                "none",
                format!(
                    "earlier answers still stand ({}); to lift one, use --clear {first}",
                    standing.join(", ")
                ),
            ));
        }
    }
    let mut next = before.clone();
    for q in &setting {
        *answer_mut(&mut next, q).expect("a known question") = true;
    }
    for q in &lifting {
        let flag = answer_mut(&mut next, q).expect("a known question");
        if *flag {
            *flag = false;
            notes.push(format!("Lifted: {q}."));
        }
    }
    if before.court_order && !next.court_order {
        notes.push(
            "Only lift a court order once it has truly ended; if in doubt, ask a lawyer before any contact."
                .into(),
        );
    }
    if let Some(d) = &change.legal_decision {
        next.legal_decision = d.clone();
    }
    next.asked = crate::questions::asked_after(record);
    let (next, kept) = settle_answers(record, next);
    check_lift(
        &before,
        &next,
        change.confirmed,
        change.reason.as_deref().unwrap_or(""),
    )?;
    notes.extend(kept);
    if record.safety.is_some() && next == before {
        notes.push("These answers were already recorded; nothing changed.".into());
        return Ok((None, notes));
    }
    Ok((Some(next), notes))
}

/// Checks answers before they are stored. An earlier "no further contact" cannot be undone.
pub fn settle_answers(
    record: &PartyRecord,
    mut answers: SafetyAnswers,
) -> (SafetyAnswers, Vec<String>) {
    let mut notes = Vec::new();
    if record
        .attempts
        .iter()
        .any(|a| a.outcome == Outcome::NoContact)
        && !answers.asked_no_contact
    {
        answers.asked_no_contact = true;
        notes.push(
            "They asked for no further contact in an earlier attempt; that answer stays (R5)."
                .into(),
        );
    }
    (answers, notes)
}

#[cfg(test)]
mod tests {
    use super::names_in;

    #[test]
    fn a_name_is_found_whole_or_by_a_capitalised_part() {
        assert!(names_in("I am sorry about Dave Smith.", "Dave Smith"));
        assert!(names_in("i am sorry about dave smith", "Dave Smith"));
        assert!(names_in("I am sorry about Dave.", "Dave Smith"));
        assert!(!names_in("I will do better.", "Will Jones"));
        assert!(!names_in("Davenport is far", "Dave"));
        assert!(!names_in("I am sorry about Al.", "Al Green"));
        assert!(names_in("Zoë knew", "zoë"));
        assert!(!names_in("anything", "  "));
    }
}

#[cfg(test)]
mod merge_tests {
    use super::*;
    use crate::model::{Party, PartyKind, PartyRecord, SafetyRecord};

    fn record(answers: Option<SafetyAnswers>) -> PartyRecord {
        let mut r = PartyRecord::new(Party {
            id: 1,
            name: "Jess".into(),
            kind: PartyKind::Person,
            relationship: String::new(),
            notes: String::new(),
            created: jiff::Timestamp::UNIX_EPOCH,
        });
        r.safety = answers.map(|answers| SafetyRecord {
            answers,
            answered: jiff::Timestamp::UNIX_EPOCH,
            reason: String::new(),
        });
        r
    }

    #[test]
    fn answers_add_up_and_lifting_one_is_explicit() {
        let r = record(Some(SafetyAnswers {
            court_order: true,
            ..SafetyAnswers::default()
        }));
        let mut change = SafetyChange::default();
        change.set.my_safety = true;
        let (next, _) = merge_answers(&r, &change).unwrap();
        let next = next.unwrap();
        assert!(next.court_order && next.my_safety);

        let mut lift = SafetyChange::default();
        lift.clear.court_order = true;
        // Lifting a court order takes a reason and a confirmation.
        assert_eq!(merge_answers(&r, &lift).unwrap_err().field, "reason");
        lift.reason = Some("The order ended on 1 March".into());
        assert_eq!(merge_answers(&r, &lift).unwrap_err().field, "confirm");
        lift.confirmed = true;
        let (next, notes) = merge_answers(&r, &lift).unwrap();
        assert!(!next.unwrap().court_order);
        assert!(notes.iter().any(|n| n.contains("lawyer")));

        let none = SafetyChange {
            none: true,
            ..SafetyChange::default()
        };
        let err = merge_answers(&r, &none).unwrap_err();
        assert!(
            err.message.contains("--clear court-order"),
            "{}",
            err.message
        );
        // On a party with no answers yet, --none records all "no".
        let (next, _) = merge_answers(&record(None), &none).unwrap();
        let next = next.expect("answers");
        // Every question a person is asked, recorded as asked.
        assert_eq!(next.asked.as_ref().map(|a| a.len()), Some(12));
        assert_eq!(
            SafetyAnswers {
                asked: None,
                ..next
            },
            SafetyAnswers::default()
        );
        // Giving the same answers again changes nothing.
        let same = SafetyChange {
            set: SafetyAnswers {
                court_order: true,
                ..SafetyAnswers::default()
            },
            ..SafetyChange::default()
        };
        assert_eq!(merge_answers(&r, &same).unwrap().0, None);
    }
}
