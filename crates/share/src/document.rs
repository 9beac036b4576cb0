//! The signed document inside a bundle: who it is from and to, its place in the sender's
//! sequence, and what it carries (a share, a review of one, or a request to stop). These records
//! are the wire format, documented in docs/sharing-format.md; they are not the core's types.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The version of the bundle format this build writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;

/// The public keys of one side, as strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeysOut {
    /// The age recipient, `age1…`.
    pub age: String,
    /// The ed25519 key, 64 hexadecimal digits.
    pub sign: String,
}

/// What is signed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub from: KeysOut,
    pub to: KeysOut,
    /// Counts up for every bundle from this sender to this receiver; a receiver refuses one
    /// that is not newer than the last it opened.
    pub sequence: u64,
    pub created: Timestamp,
    /// The version of Amends that made it, for the reader's information.
    pub app: String,
    #[serde(flatten)]
    pub body: Body,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "body", rename_all = "kebab-case")]
pub enum Body {
    Share(ShareBody),
    Review(ReviewBody),
    Stop(StopBody),
}

impl Body {
    pub fn kind(&self) -> &'static str {
        match self {
            Body::Share(_) => "share",
            Body::Review(_) => "review",
            Body::Stop(_) => "stop",
        }
    }
}

/// The parts of a party a person can choose to share. Names, kinds, relationships, stages and
/// willingness always go: they are the list itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Part {
    Harms,
    Plans,
    Scripts,
    Attempts,
    Commitments,
}

impl Part {
    pub const ALL: [Part; 5] = [
        Part::Harms,
        Part::Plans,
        Part::Scripts,
        Part::Attempts,
        Part::Commitments,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Part::Harms => "harms",
            Part::Plans => "plans",
            Part::Scripts => "scripts",
            Part::Attempts => "attempts",
            Part::Commitments => "commitments",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Part::Harms => "harms",
            Part::Plans => "plans",
            Part::Scripts => "scripts (the words of a plan)",
            Part::Attempts => "attempts and how they went",
            Part::Commitments => "commitments, payments and check-ins",
        }
    }

    pub fn parse(text: &str) -> Option<Part> {
        Part::ALL
            .into_iter()
            .find(|p| p.code().eq_ignore_ascii_case(text.trim()))
    }
}

/// A share: the list, or some parties of it, with the chosen parts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ShareBody {
    /// True when the whole list was shared, false when the person chose some parties.
    pub whole_list: bool,
    pub parts: Vec<Part>,
    /// The fellowship whose words the sharer uses (a code such as `aa`).
    pub fellowship: String,
    pub parties: Vec<SharedParty>,
}

impl ShareBody {
    pub fn has(&self, part: Part) -> bool {
        self.parts.contains(&part)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SharedParty {
    /// The sharer's own id for this party: reviews refer to it.
    pub id: i64,
    pub name: String,
    /// A party kind code (`person`, `organisation`, …).
    pub kind: String,
    #[serde(default)]
    pub relationship: String,
    /// A stage code (`listed`, `planned`, `made`, …) as the sharer's app derived it.
    pub stage: String,
    /// Why it is at that stage, in words.
    #[serde(default)]
    pub stage_reason: String,
    /// A willingness code, if one was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub willingness: Option<String>,
    /// The safety verdict (rules R1-R8) as the sharer's app derived it. Absent when the sharer
    /// left it out for this party, or the bundle was made by an app older than this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety: Option<SharedSafety>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harms: Option<Vec<SharedHarm>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<SharedPlan>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<Vec<SharedAttempt>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitments: Option<Vec<SharedCommitment>>,
}

/// A party's safety verdict: what contact is allowed, what the rules ask for, and why, in the
/// core's own fixed words. Never the person's answers themselves, their own decision on legal
/// risk, or any note they wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedSafety {
    /// A contact code: `direct`, `indirect-only`, `no-contact` or `no-one-to-reach`.
    pub contact: String,
    /// The contact allowed, in words.
    #[serde(default)]
    pub contact_label: String,
    /// The method codes open, in the preferred order.
    #[serde(default)]
    pub methods: Vec<String>,
    /// A sponsor's or adviser's approval is needed before the amends is ready (R2).
    #[serde(default)]
    pub review_required: bool,
    /// A third party's consent is needed before an attempt that could implicate them (R1).
    #[serde(default)]
    pub consent_required: bool,
    /// A lawyer first (R3).
    #[serde(default)]
    pub lawyer_first: bool,
    /// Whether the safety questions were answered at all.
    #[serde(default)]
    pub answered: bool,
    /// Each rule that applies, in the order the verdict gives them.
    #[serde(default)]
    pub rules: Vec<SharedRule>,
}

/// One rule that applies to a party, with the reason the core gives for it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedRule {
    /// `R1` … `R8`.
    pub code: String,
    /// The rule's short name (`court order`).
    #[serde(default)]
    pub title: String,
    /// Why it applies, in the core's fixed words.
    #[serde(default)]
    pub reason: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SharedHarm {
    pub did: String,
    #[serde(default)]
    pub should: String,
    #[serde(default)]
    pub effect: String,
    /// Harm kind codes.
    #[serde(default)]
    pub kinds: Vec<String>,
    #[serde(default)]
    pub when: String,
    /// What is owed, written out with its currency (`£250.00`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owed: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SharedPlan {
    /// The time the plan was last changed: the version a review approves.
    pub version: String,
    /// A method code (`face-to-face`, `letter`, …).
    pub method: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,
    #[serde(default)]
    pub place: String,
    /// The words planned, when scripts are shared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
    /// Whether an approval (rule R2) stands for this version.
    #[serde(default)]
    pub approved: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SharedAttempt {
    pub on: String,
    pub method: String,
    /// An outcome code (`went-well`, `refused`, …).
    pub outcome: String,
    #[serde(default)]
    pub requests: String,
    #[serde(default)]
    pub notes: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SharedCommitment {
    /// `restitution`, `living` or `promise`.
    pub kind: String,
    /// What was committed to, in words.
    pub what: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance: Option<String>,
    #[serde(default)]
    pub kept: u32,
    #[serde(default)]
    pub missed: u32,
    /// How it was closed (`completed`, `forgiven`, …), if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<String>,
}

/// A supporter's review of a share.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReviewBody {
    /// The sequence of the share this reviews.
    pub in_reply_to: u64,
    pub items: Vec<ReviewItemOut>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewItemOut {
    /// The sharer's party id.
    pub party: i64,
    /// The plan version this is about, if it is about the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_version: Option<String>,
    /// `approved` or `talk-first`, for a view on the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
    /// With a view on the plan: the fingerprint of the safety verdict the reviewer saw
    /// (`safety_fingerprint`). Absent when the share held no verdict for this party, or the
    /// review was made by an app older than this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety_seen: Option<String>,
    #[serde(default)]
    pub text: String,
    pub written: Timestamp,
}

/// Asks the receiver's app to delete everything this sender shared with it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StopBody {}
