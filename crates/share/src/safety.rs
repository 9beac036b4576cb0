//! A party's safety verdict as a share carries it, and its fingerprint.
//!
//! A share carries each party's verdict (the contact allowed, the methods open, what R1-R3
//! require, and each rule that applies with the core's own reason), so that a sponsor asked to
//! approve a plan knows, for example, that a court order is in place. When the sponsor gives a
//! view on the plan, the review carries back the fingerprint of the verdict they saw; the
//! sharer's app counts an approval only if it still matches the verdict in force. Both sides
//! compute the fingerprint with [`safety_fingerprint`] over the same wire record.

use amends_core::model::PartyRecord;
use amends_core::rules::{Verdict, verdict};
use sha2::{Digest, Sha256};

use crate::document::{SharedRule, SharedSafety};

/// The verdict as a share carries it: codes and the core's fixed words, never the answers
/// themselves, the person's own decision on legal risk, or anything else they typed.
pub fn shared_safety(v: &Verdict) -> SharedSafety {
    SharedSafety {
        contact: v.contact.code().to_string(),
        contact_label: v.contact.label().to_string(),
        methods: v.allowed.iter().map(|m| m.code().to_string()).collect(),
        review_required: v.review_required,
        consent_required: v.consent_required,
        lawyer_first: v.lawyer_first,
        answered: v.answered,
        rules: v
            .reasons
            .iter()
            .map(|r| SharedRule {
                code: r.rule.code().to_string(),
                title: r.rule.title().to_string(),
                reason: r.text.clone(),
            })
            .collect(),
    }
}

/// The fingerprint of a verdict: SHA-256, as 64 hexadecimal digits, of
///
/// ```text
/// "amends-safety-v1" 0x00 contact 0x00 rule codes 0x00 review 0x00 consent 0x00 lawyer 0x00 answered
/// ```
///
/// where `contact` is the contact code (lowercase), the rule codes are sorted and joined with
/// commas (a rule that applies twice is listed twice), and each flag is `0` or `1`. The words
/// (labels, titles, reasons) and the methods are left out: the methods follow from the contact,
/// and the words may be put differently by another version of the app without the verdict
/// changing.
pub fn safety_fingerprint(s: &SharedSafety) -> String {
    let mut rules: Vec<String> = s
        .rules
        .iter()
        .map(|r| r.code.trim().to_ascii_uppercase())
        .collect();
    rules.sort();
    let flag = |b: bool| if b { "1" } else { "0" };
    let mut h = Sha256::new();
    for (i, part) in [
        "amends-safety-v1",
        &s.contact.trim().to_ascii_lowercase(),
        &rules.join(","),
        flag(s.review_required),
        flag(s.consent_required),
        flag(s.lawyer_first),
        flag(s.answered),
    ]
    .iter()
    .enumerate()
    {
        if i > 0 {
            h.update([0u8]);
        }
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The fingerprint of a party's verdict as it stands now.
pub fn current_safety_fingerprint(record: &PartyRecord) -> String {
    safety_fingerprint(&shared_safety(&verdict(record)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use amends_core::model::{
        Attempt, Method, Outcome, Party, PartyKind, PartyRecord, SafetyAnswers, SafetyRecord,
    };
    use jiff::Timestamp;

    fn record(answers: Option<SafetyAnswers>) -> PartyRecord {
        let mut r = PartyRecord::new(Party {
            id: 7,
            name: "Dana".into(),
            kind: PartyKind::Person,
            relationship: "sister".into(),
            notes: "private notes".into(),
            created: Timestamp::UNIX_EPOCH,
        });
        r.safety = answers.map(|answers| SafetyRecord {
            answers,
            answered: Timestamp::UNIX_EPOCH,
            reason: String::new(),
        });
        r
    }

    fn print(answers: SafetyAnswers) -> String {
        current_safety_fingerprint(&record(Some(answers)))
    }

    #[test]
    fn the_fingerprint_changes_when_a_rule_is_added_or_lifted() {
        let none = print(SafetyAnswers::default());
        let court = print(SafetyAnswers {
            court_order: true,
            ..SafetyAnswers::default()
        });
        assert_ne!(none, court, "a court order added (R4)");
        let court_and_safety = print(SafetyAnswers {
            court_order: true,
            my_safety: true,
            ..SafetyAnswers::default()
        });
        assert_ne!(court, court_and_safety, "R7 added");
        // Lifted: back to what it was.
        assert_eq!(
            none,
            print(SafetyAnswers::default()),
            "the court order lifted"
        );
        // Each rule on its own gives a fingerprint of its own.
        let each = [
            SafetyAnswers {
                court_order: true,
                ..SafetyAnswers::default()
            },
            SafetyAnswers {
                asked_no_contact: true,
                ..SafetyAnswers::default()
            },
            SafetyAnswers {
                harmed_me: true,
                ..SafetyAnswers::default()
            },
            SafetyAnswers {
                legal_risk: true,
                ..SafetyAnswers::default()
            },
            SafetyAnswers {
                third_parties: true,
                ..SafetyAnswers::default()
            },
            SafetyAnswers {
                my_safety: true,
                ..SafetyAnswers::default()
            },
            SafetyAnswers {
                deceased: true,
                ..SafetyAnswers::default()
            },
            SafetyAnswers::default(),
        ];
        let mut prints: Vec<String> = each.into_iter().map(print).collect();
        prints.sort();
        prints.dedup();
        assert_eq!(prints.len(), 8, "every verdict has its own fingerprint");
        // A second reason under the same rule (R5 twice) is a change too.
        let asked = print(SafetyAnswers {
            asked_no_contact: true,
            ..SafetyAnswers::default()
        });
        let asked_and_abused = print(SafetyAnswers {
            asked_no_contact: true,
            abused_them: true,
            ..SafetyAnswers::default()
        });
        assert_ne!(asked, asked_and_abused);
        // Answered with nothing to flag is not the same as not answered at all.
        assert_ne!(none, current_safety_fingerprint(&record(None)));
    }

    #[test]
    fn the_fingerprint_is_stable_when_the_verdict_is_not_changed() {
        let legal = SafetyAnswers {
            legal_risk: true,
            ..SafetyAnswers::default()
        };
        let first = print(legal.clone());
        assert_eq!(first.len(), 64);
        assert!(first.bytes().all(|c| c.is_ascii_hexdigit()));
        // The person's own decision changes the R3 wording, not the verdict.
        let decided = print(SafetyAnswers {
            legal_decision: "I will repay it and not go to the police".into(),
            ..legal.clone()
        });
        assert_eq!(first, decided);
        // Guidance-only answers (a child, family) are not rules.
        let family = print(SafetyAnswers {
            family: true,
            child: true,
            ..legal.clone()
        });
        assert_eq!(first, family);
        // Notes, names and the time of answering do not count.
        let mut other = record(Some(legal.clone()));
        other.party.notes = "something else entirely".into();
        other.party.name = "Someone".into();
        other.safety.as_mut().unwrap().answered = Timestamp::from_second(1_000_000).unwrap();
        assert_eq!(first, current_safety_fingerprint(&other));
        // Nor the words or their order on the wire, nor the methods listed.
        let mut wire = shared_safety(&verdict(&record(Some(SafetyAnswers {
            court_order: true,
            my_safety: true,
            ..SafetyAnswers::default()
        }))));
        let before = safety_fingerprint(&wire);
        wire.rules.reverse();
        for r in &mut wire.rules {
            r.reason = "put another way".into();
            r.title = String::new();
            r.code = r.code.to_ascii_lowercase();
        }
        wire.contact_label = "in other words".into();
        wire.methods.clear();
        assert_eq!(before, safety_fingerprint(&wire));
    }

    #[test]
    fn an_attempt_where_they_asked_for_no_contact_changes_the_verdict() {
        let mut r = record(Some(SafetyAnswers::default()));
        let before = current_safety_fingerprint(&r);
        r.attempts.push(Attempt {
            channel: None,
            id: 1,
            on: "2026-01-02".parse().unwrap(),
            method: Method::Phone,
            outcome: Outcome::NoContact,
            requests: String::new(),
            feeling_before: String::new(),
            feeling_after: String::new(),
            notes: String::new(),
            recorded: Timestamp::UNIX_EPOCH,
        });
        assert_ne!(before, current_safety_fingerprint(&r));
    }

    #[test]
    fn the_wire_record_has_the_rules_and_reasons_but_nothing_the_person_typed() {
        let secret = "Decision-Words-Kept-Private";
        let mut r = record(Some(SafetyAnswers {
            court_order: true,
            legal_risk: true,
            legal_decision: secret.into(),
            ..SafetyAnswers::default()
        }));
        r.safety.as_mut().unwrap().reason = "Reason-Kept-Private".into();
        let s = shared_safety(&verdict(&r));
        assert_eq!(s.contact, "no-contact");
        assert_eq!(s.contact_label, "no contact of any kind");
        assert!(s.review_required && s.lawyer_first && !s.consent_required && s.answered);
        let codes: Vec<&str> = s.rules.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["R4", "R3", "R2"]);
        assert_eq!(s.rules[0].title, "court order");
        assert!(s.rules[0].reason.contains("A court order is in place"));
        assert!(s.methods.iter().all(|m| m != "phone" && m != "letter"));
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains(secret), "{json}");
        assert!(!json.contains("Reason-Kept-Private"), "{json}");
        assert!(!json.contains("private notes"), "{json}");
    }
}
