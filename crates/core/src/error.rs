//! The two ways the core says no: input that is not valid, and a rule that refuses.
//! Both carry plain words for the person; neither ever quotes what they wrote.

use std::fmt;

use crate::rules::Rule;

/// A field whose value cannot be accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    /// The name of the field as the person knows it (`name`, `review date`, `amount`).
    pub field: &'static str,
    /// What is wrong and how to put it right.
    pub message: String,
}

impl Invalid {
    pub fn new(field: &'static str, message: impl Into<String>) -> Invalid {
        Invalid {
            field,
            message: message.into(),
        }
    }
}

/// A rule of the practice that does not allow what was asked, with the reason and what to do instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The rule (R1-R10, docs/practice.md) that applies, where one does.
    pub rule: Option<Rule>,
    /// Why, in plain words.
    pub reason: String,
    /// What the person can do next.
    pub next: String,
}

impl Refusal {
    pub fn new(rule: Option<Rule>, reason: impl Into<String>, next: impl Into<String>) -> Refusal {
        Refusal {
            rule,
            reason: reason.into(),
            next: next.into(),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(rule) = self.rule {
            write!(f, "{} ({}). {}", self.reason, rule.code(), self.next)
        } else {
            write!(f, "{}. {}", self.reason, self.next)
        }
    }
}

impl std::error::Error for Refusal {}

/// Either kind of "no" from the core.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Refused(#[from] Refusal),
}
