//! The safety questions as they follow the person: which of the twelve can apply to this
//! party (an organisation is never a child, no one asks whether the dead have died), which are
//! answered already by what is recorded (the kind of party, an attempt in which they asked for
//! no further contact), and what each one feeds.
//!
//! A rule is a promise, so nothing here walks around one: a question whose answer in force is
//! "yes" is always asked (the answer still counts, and can only be lifted as any answer is);
//! the court order question is asked of every kind that can have one; and a question that
//! applies now but was never asked (an organisation later recorded as a person, someone
//! recorded as having died who has not) leaves the answers incomplete, so that the gates
//! refuse anything that reaches them until it is answered (`rules::verdict`).

use crate::model::{Outcome, PartyKind, PartyRecord, SafetyAnswers};
use crate::rules::{Rule, SAFETY_QUESTIONS, answer_mut};

/// Where a question stands for one party.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Asked: it can apply, and only the person knows.
    Ask,
    /// Answered by what is recorded, not by the person on this form; `because` says where
    /// the answer comes from.
    Known { yes: bool, because: String },
    /// It cannot apply to this kind of party, so it is not asked (an answer of no).
    NotAsked { because: &'static str },
}

/// One question, for one party.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// The name in `rules::SAFETY_QUESTIONS` (`--court-order`, the form field).
    pub code: &'static str,
    pub standing: Standing,
    /// The answer in force, if the person gave one (`None`: never asked).
    pub answer: Option<bool>,
    /// The rule it feeds, if any (the child and family questions give guidance only).
    pub rule: Option<Rule>,
    /// Why it matters, in a short plain sentence.
    pub matters: &'static str,
}

impl Question {
    /// Whether the person is asked this one.
    pub fn asked(&self) -> bool {
        self.standing == Standing::Ask
    }
}

/// The whole account of the questions for one party.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub questions: Vec<Question>,
    /// Questions that apply and were never answered, in the order of `SAFETY_QUESTIONS`.
    /// Non-empty while answers exist means the answers are incomplete.
    pub missing: Vec<&'static str>,
}

impl Account {
    pub fn get(&self, code: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.code == code)
    }

    /// The questions the person is asked, in order.
    pub fn asked(&self) -> impl Iterator<Item = &Question> {
        self.questions.iter().filter(|q| q.asked())
    }
}

/// What a question asks, in a few words to go inside a sentence ("whether they have died").
pub fn topic(code: &str) -> &'static str {
    match code {
        "court-order" => "whether a court order stands between you",
        "asked-no-contact" => "whether they asked not to be contacted",
        "abused-them" => "whether you abused them",
        "harmed-me" => "whether they harmed you",
        "legal-risk" => "whether there is legal risk",
        "affair" => "whether it involves an affair",
        "third-parties" => "whether it would implicate someone else",
        "my-safety" => "whether contact puts you at risk",
        "deceased" => "whether they have died",
        "unreachable" => "whether they can be found",
        "child" => "whether they are a child",
        "family" => "whether they are close family",
        _ => "another question",
    }
}

/// Questions in words, joined for a sentence ("whether they have died and whether they are a child").
pub fn topics(codes: &[&str]) -> String {
    let words: Vec<&str> = codes.iter().map(|c| topic(c)).collect();
    match words.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// What each question feeds, in a short plain sentence, with its rule.
pub fn matters(code: &str) -> (Option<Rule>, &'static str) {
    match code {
        "court-order" => (
            Some(Rule::R4),
            "A court order means no contact of any kind, not through anyone and not even a reply (R4).",
        ),
        "asked-no-contact" => (
            Some(Rule::R5),
            "Their wish comes first: the amends is then made without reaching them (R5).",
        ),
        "abused-them" => (
            Some(Rule::R5),
            "The amends must not cost them their peace: it is made indirectly, after talking it over (R5).",
        ),
        "harmed-me" => (
            Some(Rule::R6),
            "No amends are owed for what was done to you; only your own part belongs here (R6).",
        ),
        "legal-risk" => (
            Some(Rule::R3),
            "With legal risk, a lawyer comes first; this workbook never advises you to confess (R3).",
        ),
        "affair" => (
            Some(Rule::R1),
            "The other person is never named, and their consent comes before any attempt (R1).",
        ),
        "third-parties" => (
            Some(Rule::R1),
            "Anyone the amends would implicate gives their consent before any attempt (R1).",
        ),
        "my-safety" => (
            Some(Rule::R7),
            "\"Others\" in Step 9 includes you: talk it over first, and consider an indirect amends (R7).",
        ),
        "deceased" => (
            Some(Rule::R8),
            "No one can be reached directly: a letter read at the grave, living amends or service remain (R8).",
        ),
        "unreachable" => (
            Some(Rule::R8),
            "No one can be reached directly: an unsent letter, living amends or service remain (R8).",
        ),
        "child" => (
            None,
            "With a child: few words suited to their age, then consistent actions (guidance, not a rule).",
        ),
        "family" => (
            None,
            "With close family: a general admission first, without rehashing harrowing episodes (guidance, not a rule).",
        ),
        _ => (None, ""),
    }
}

/// Why a question cannot apply to a kind of party, or `None` when it can. The court order
/// question can apply to every kind but oneself: an order can stand with an organisation, a
/// group, someone who cannot be found, and with the family or estate of someone who has died.
pub fn cannot_apply(kind: PartyKind, code: &str) -> Option<&'static str> {
    use PartyKind::*;
    Some(match (kind, code) {
        (Person, _) => return None,
        (Myself, "legal-risk" | "third-parties" | "my-safety") => return None,
        (Myself, _) => "an amends to yourself reaches no one else",
        (Organisation, "abused-them") => {
            "an organisation is not hurt again by hearing from you (if a person was, add them)"
        }
        (Organisation, "affair") => "an organisation is not part of an affair",
        (Organisation, "deceased") => {
            "an organisation does not die (if it closed, answer whether it can be found)"
        }
        (Organisation, "child") => "an organisation is not a child",
        (Organisation, "family") => "an organisation is not family",
        (Group, "affair") => "a group without names is not part of an affair",
        (Group, "deceased") => "a group without names does not die as one",
        (Group, "child" | "family") => "a group without names is asked about as a group",
        (Deceased, "unreachable") => "they have died: no one can be reached directly already (R8)",
        (Deceased, "child") => {
            "they have died: the guidance on speaking with a child does not apply"
        }
        _ => return None,
    })
}

/// What is recorded that answers a question already, if anything.
fn known(record: &PartyRecord, code: &str) -> Option<(bool, String)> {
    match (record.party.kind, code) {
        (PartyKind::Deceased, "deceased") => {
            Some((true, "recorded as someone who has died".to_string()))
        }
        (PartyKind::Unreachable, "unreachable") => {
            Some((true, "recorded as someone who cannot be found".to_string()))
        }
        (_, "asked-no-contact") => record
            .attempts
            .iter()
            .filter(|a| a.outcome == Outcome::NoContact)
            .min_by_key(|a| (a.on, a.recorded))
            .map(|a| {
                (
                    true,
                    format!(
                        "they asked for no further contact when you tried on {}, and that wish stands for good (R5)",
                        a.on
                    ),
                )
            }),
        _ => None,
    }
}

/// Whether a question was asked up to these answers.
pub fn was_asked(answers: &SafetyAnswers, code: &str) -> bool {
    answers.asked.as_ref().is_none_or(|a| a.contains(&code))
}

fn answer_of(answers: &SafetyAnswers, code: &str) -> bool {
    *answer_mut(&mut answers.clone(), code).expect("a known question")
}

/// The account of the twelve questions for this party, as it stands.
pub fn account(record: &PartyRecord) -> Account {
    let answers = record.safety.as_ref().map(|s| &s.answers);
    let mut questions = Vec::with_capacity(SAFETY_QUESTIONS.len());
    let mut missing = Vec::new();
    for code in SAFETY_QUESTIONS {
        let (rule, matters) = matters(code);
        let given = answers
            .filter(|a| was_asked(a, code) || answer_of(a, code))
            .map(|a| answer_of(a, code));
        let standing = match known(record, code) {
            Some((yes, because)) => Standing::Known { yes, because },
            // A "yes" in force is always asked: it still counts, and it is lifted as any
            // answer is (with a reason where it keeps them from being reached).
            None if given == Some(true) => Standing::Ask,
            None => match cannot_apply(record.party.kind, code) {
                Some(because) => Standing::NotAsked { because },
                None => Standing::Ask,
            },
        };
        if standing == Standing::Ask && given.is_none() {
            missing.push(code);
        }
        questions.push(Question {
            code,
            standing,
            answer: given,
            rule,
            matters,
        });
    }
    Account { questions, missing }
}

/// The questions the answers would have asked after this change: those asked before, and
/// every one the person is asked now (a change answers them all: what is not said "yes" to is
/// "no"). `None` stays `None`: all twelve were asked already.
pub fn asked_after(record: &PartyRecord) -> Option<Vec<&'static str>> {
    let before = match &record.safety {
        Some(s) => s.answers.asked.clone()?,
        None => Vec::new(),
    };
    let now = account(record);
    Some(
        SAFETY_QUESTIONS
            .iter()
            .copied()
            .filter(|q| before.contains(q) || now.get(q).is_some_and(Question::asked))
            .collect(),
    )
}

/// Reads a list of question names (an import's `asked`), refusing unknown ones.
pub fn parse_asked(names: &[String]) -> Result<Vec<&'static str>, crate::Invalid> {
    let mut out: Vec<&'static str> = Vec::new();
    for n in names {
        let Some(q) = SAFETY_QUESTIONS.iter().find(|q| **q == n.as_str()) else {
            return Err(crate::Invalid::new(
                "asked",
                format!(
                    "names a question that does not exist; the questions are: {}",
                    SAFETY_QUESTIONS.join(", ")
                ),
            ));
        };
        if !out.contains(q) {
            out.push(q);
        }
    }
    Ok(SAFETY_QUESTIONS
        .iter()
        .copied()
        .filter(|q| out.contains(q))
        .collect())
}

/// Refuses answers a change gives to questions that cannot be answered for this party: one
/// that cannot apply to its kind (said "yes"), or one the record answers already (said
/// otherwise). `set` and `clear` are the questions answered yes and no.
pub fn check_change(
    record: &PartyRecord,
    set: &[&'static str],
    clear: &[&'static str],
) -> Result<(), crate::Invalid> {
    let acc = account(record);
    let kind = record.party.kind;
    for q in set {
        if let Some(Question {
            standing: Standing::NotAsked { because },
            ..
        }) = acc.get(q)
        {
            return Err(crate::Invalid::new(
                q,
                format!(
                    "is not asked of {}: {because}. If the kind is wrong, change it first (amends party edit PARTY --kind ...), and the questions that then apply are asked",
                    kind.label()
                ),
            ));
        }
    }
    // Their wish for no contact made in an attempt is kept by `rules::settle_answers`, with a
    // note; what the kind of party answers cannot be answered otherwise here.
    for q in clear.iter().filter(|q| **q != "asked-no-contact") {
        if let Some(Question {
            standing: Standing::Known { yes: true, because },
            ..
        }) = acc.get(q)
        {
            return Err(crate::Invalid::new(
                q,
                format!(
                    "cannot be answered no: {because}. If that is wrong, change the kind first (amends party edit PARTY --kind person), and the questions that then apply are asked"
                ),
            ));
        }
    }
    Ok(())
}
