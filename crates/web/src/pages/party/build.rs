//! What the party page shows, built from the snapshot (and, for histories, the vault).

use amends_core::model::{
    Adviser, AsideReason, Cadence, Closure, CommitmentKind, Harm, HarmKind, HarmSource, Language,
    Method, Outcome, PartyKind, PartyRecord, Reach, SafetyAnswers, SetAside, Willingness,
};
use amends_core::rules::{self, SAFETY_QUESTIONS, Verdict};
use amends_core::stage::readiness_gaps;
use amends_core::{Currency, Money};
use askama::Template;
use jiff::Timestamp;
use jiff::civil::Date;

use super::words::{self, QUESTIONS};
use super::{Ctx, Key, prefilled};
use crate::forms::FormState;
use crate::state::Snapshot;
use crate::view::{Layout, Nav, day, day_of};

/// One choice of a select, a radio group or a set of check boxes.
pub struct Opt {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

fn opts(items: impl IntoIterator<Item = (&'static str, &'static str)>, chosen: &str) -> Vec<Opt> {
    items
        .into_iter()
        .map(|(value, label)| Opt {
            value,
            label,
            selected: value == chosen,
        })
        .collect()
}

fn checks(
    items: impl IntoIterator<Item = (&'static str, &'static str)>,
    form: &FormState,
    name: &str,
) -> Vec<Opt> {
    items
        .into_iter()
        .map(|(value, label)| Opt {
            value,
            label,
            selected: form.chosen(name, value),
        })
        .collect()
}

/// The kinds of party, with "myself" marked when the setting keeps it off.
pub fn party_kinds(chosen: &str, to_self: bool) -> Vec<Opt> {
    opts(
        PartyKind::ALL.iter().map(|k| {
            let label = if *k == PartyKind::Myself && !to_self {
                "myself (amends to yourself is turned off in Settings)"
            } else {
                k.label()
            };
            (k.code(), label)
        }),
        chosen,
    )
}

pub fn harm_kinds(form: &FormState) -> Vec<Opt> {
    checks(
        HarmKind::ALL.iter().map(|k| (k.code(), k.label())),
        form,
        "kinds",
    )
}

fn harm_sources(chosen: &str) -> Vec<Opt> {
    opts(
        HarmSource::ALL.iter().map(|s| (s.code(), s.label())),
        chosen,
    )
}

fn aside_reasons(chosen: &str) -> Vec<Opt> {
    opts(
        AsideReason::ALL.iter().map(|r| (r.code(), r.label())),
        chosen,
    )
}

/// The fixed title of a party's page: never anything the person wrote.
pub fn title(kind: PartyKind) -> &'static str {
    match kind {
        PartyKind::Person | PartyKind::Deceased | PartyKind::Unreachable => "A person on your list",
        PartyKind::Organisation => "An organisation on your list",
        PartyKind::Group => "A group on your list",
        PartyKind::Myself => "You, on your own list",
    }
}

pub struct AsideView {
    pub reason: &'static str,
    pub note: String,
    pub on: String,
}

fn aside_view(snap: &Snapshot, a: &SetAside) -> AsideView {
    AsideView {
        reason: a.reason.label(),
        note: a.note.clone(),
        on: day_of(snap, a.at),
    }
}

/// An earlier wording, as label and value pairs.
pub struct EditView {
    pub on: String,
    pub lines: Vec<(&'static str, String)>,
}

fn edit_lines(previous: &serde_json::Value, language: Language) -> Vec<(&'static str, String)> {
    const LABELS: [(&str, &str); 14] = [
        ("name", "Name"),
        ("kind", "Kind"),
        ("relationship", "Relationship"),
        ("notes", "Notes"),
        ("did", "What I did"),
        ("should", "What I should have done"),
        ("effect", "How it affected them"),
        ("kinds", "Kinds of harm"),
        ("when", "When"),
        ("owed", "Money owed"),
        ("property", "Property owed"),
        ("third_parties", "Others involved"),
        ("source", "Where it came from"),
        ("sponsor_agrees", "Sponsor agrees it is a harm"),
    ];
    let mut out = Vec::new();
    for (key, label) in LABELS {
        let Some(v) = previous.get(key) else { continue };
        let text = match (key, v) {
            ("owed", serde_json::Value::Object(m)) => {
                let minor = m.get("minor").and_then(serde_json::Value::as_i64);
                let currency = m
                    .get("currency")
                    .and_then(serde_json::Value::as_str)
                    .and_then(|c| Currency::parse(c).ok());
                match (minor, currency) {
                    (Some(minor), Some(c)) => Money::new(minor, c).show(language),
                    _ => continue,
                }
            }
            ("kind", serde_json::Value::String(s)) => PartyKind::parse(s)
                .map(|k| k.label().to_string())
                .unwrap_or_else(|_| s.clone()),
            ("source", serde_json::Value::String(s)) => HarmSource::parse(s)
                .map(|k| k.label().to_string())
                .unwrap_or_else(|_| s.clone()),
            ("kinds", serde_json::Value::Array(items)) => items
                .iter()
                .filter_map(serde_json::Value::as_str)
                .map(|s| HarmKind::parse(s).map(HarmKind::label).unwrap_or(s))
                .collect::<Vec<_>>()
                .join(", "),
            (_, serde_json::Value::Array(items)) => items
                .iter()
                .filter_map(serde_json::Value::as_str)
                .collect::<Vec<_>>()
                .join(", "),
            (_, serde_json::Value::Bool(b)) => if *b { "yes" } else { "no" }.to_string(),
            (_, serde_json::Value::String(s)) => s.clone(),
            _ => continue,
        };
        if !text.trim().is_empty() {
            out.push((label, text));
        }
    }
    out
}

pub struct HarmView {
    pub id: i64,
    /// Prefixes that keep the ids of this harm's inputs apart from the others'.
    pub p: String,
    pub pa: String,
    pub did: String,
    pub should: String,
    pub effect: String,
    pub kinds: String,
    pub when: String,
    pub owed: Option<String>,
    pub property: String,
    pub third_parties: String,
    pub source: &'static str,
    pub sponsor: &'static str,
    pub recorded: String,
    pub aside: Option<AsideView>,
    pub history: Vec<EditView>,
    pub form: FormState,
    pub kind_checks: Vec<Opt>,
    pub sources: Vec<Opt>,
    pub open: bool,
    pub aside_form: FormState,
    pub aside_reasons: Vec<Opt>,
    pub aside_open: bool,
}

/// A harm's fields as a form starts with them.
fn harm_prefill(h: &Harm, language: Language) -> FormState {
    let owed = h.owed.map(|m| m.typed(language)).unwrap_or_default();
    let third = h.third_parties.join("\n");
    let sponsor = match h.sponsor_agrees {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    };
    let mut pairs: Vec<(&str, &str)> = vec![
        ("did", &h.did),
        ("should", &h.should),
        ("effect", &h.effect),
        ("when", &h.when),
        ("owed", &owed),
        ("property", &h.property),
        ("third_parties", &third),
        ("source", h.source.code()),
        ("sponsor", sponsor),
    ];
    for k in &h.kinds {
        pairs.push(("kinds", k.code()));
    }
    prefilled(&pairs)
}

pub struct WillView {
    pub code: &'static str,
    pub label: &'static str,
    pub note: String,
    pub on: String,
}

pub struct QuestionView {
    pub code: &'static str,
    pub ask: &'static str,
    pub why: &'static str,
    pub yes: bool,
    pub no: bool,
    pub unsure: bool,
    /// Never asked of this party: it must be answered yes or no now.
    pub new: bool,
}

/// A question the form does not ask: answered by the record, or not asked of this kind.
pub struct KnownView {
    pub ask: &'static str,
    /// "Yes" or "No" for one the record answers; empty for one not asked.
    pub answer: &'static str,
    pub because: String,
    pub why: &'static str,
}

pub struct SafetyLine {
    pub on: String,
    pub yes: String,
    /// Why an answer that kept them from being reached was lifted then.
    pub reason: String,
}

fn yes_answers(a: &SafetyAnswers) -> Vec<&'static str> {
    let mut copy = a.clone();
    SAFETY_QUESTIONS
        .iter()
        .filter(|q| rules::answer_mut(&mut copy, q).is_some_and(|v| *v))
        .map(|q| words::short(q))
        .collect()
}

fn yes_words(a: &SafetyAnswers) -> String {
    let yes = yes_answers(a);
    if yes.is_empty() {
        "none of the questions apply".into()
    } else {
        format!("yes to: {}", yes.join(", "))
    }
}

pub struct ReasonView {
    pub rule: &'static str,
    pub title: &'static str,
    pub text: String,
}

pub struct VerdictView {
    pub answered: bool,
    pub contact: &'static str,
    pub direct: bool,
    pub allowed: String,
    pub reasons: Vec<ReasonView>,
    pub guidance: Vec<String>,
    pub consent_required: bool,
}

fn verdict_view(v: &Verdict) -> VerdictView {
    VerdictView {
        answered: v.answered,
        contact: v.contact.label(),
        direct: v.contact == rules::Contact::Direct,
        allowed: v
            .allowed
            .iter()
            .map(|m| m.label())
            .collect::<Vec<_>>()
            .join("; "),
        reasons: v
            .reasons
            .iter()
            .map(|r| ReasonView {
                rule: r.rule.code(),
                title: r.rule.title(),
                text: words::web_text(&r.text),
            })
            .collect(),
        // The page says itself when the questions are still open.
        guidance: v
            .guidance
            .iter()
            .filter(|g| v.answered || !g.starts_with("The safety questions have not been answered"))
            .map(|g| words::web_text(g))
            .collect(),
        consent_required: v.consent_required,
    }
}

pub struct ConsultView {
    pub with: &'static str,
    pub name: String,
    pub on: String,
    pub advice: String,
    pub view: &'static str,
}

pub struct PlanView {
    pub method: String,
    pub script: String,
    pub on: Option<String>,
    pub place: String,
    pub updated: String,
}

pub struct ConsentView {
    pub who: String,
    pub given: bool,
    pub on: String,
    pub note: String,
}

pub struct DeferralView {
    pub reason: String,
    pub review_on: String,
    pub recorded: String,
    pub ended: Option<String>,
    pub active: bool,
    pub overdue: bool,
}

pub struct AttemptView {
    pub on: String,
    pub method: String,
    pub outcome: &'static str,
    pub requests: String,
    pub before: String,
    pub after: String,
    pub notes: String,
}

/// The data `_follow.html`'s quick forms read.
pub struct Quick {
    pub is_payment: bool,
    pub is_checkin: bool,
    pub commitment_id: Option<i64>,
    pub amount_value: Option<String>,
    /// The period a quick check-in answers; on a party's page, today's (none given).
    pub period: Option<String>,
}

pub struct PaymentView {
    /// Its number, for the Correct and Remove pages.
    pub id: i64,
    pub on: String,
    pub amount: String,
    pub note: String,
    /// How it was paid, where that differs from the restitution's way.
    pub via: Option<&'static str>,
}

pub struct CheckInView {
    pub id: i64,
    pub on: String,
    pub kept: bool,
    pub note: String,
}

/// A period of a living amends still to answer: its date (ISO, for the form) and in words.
pub struct Period {
    pub iso: String,
    pub words: String,
    /// The same, as a heading: "The week from 16 November 2026".
    pub heading: String,
    pub overdue: bool,
}

pub struct CommitmentView {
    pub id: i64,
    pub kind: &'static str,
    pub what: String,
    pub details: String,
    pub open: bool,
    pub closed: Option<String>,
    pub balance: Option<String>,
    pub next_due: Option<String>,
    pub overdue: bool,
    pub payments: Vec<PaymentView>,
    pub checkins: Vec<CheckInView>,
    /// Corrections and removals of its payments and check-ins, newest first, in words.
    pub changes: Vec<String>,
    /// The periods of a living amends still to answer, each on its own, oldest first.
    pub periods: Vec<Period>,
    /// What one period is: "day", "week", "two weeks" or "month".
    pub period_word: &'static str,
    pub kept: usize,
    pub is_restitution: bool,
    pub is_living: bool,
    pub quick: Quick,
    /// How it reaches them, in words ("paid through the court").
    pub way: Option<String>,
    pub pay_form: FormState,
    pub pay_ways: Vec<Opt>,
    pub pay_note: Option<String>,
    pub pay_open: bool,
    pub checkin_form: FormState,
    pub checkin_open: bool,
    /// Which page of the check-ins is shown, with links to the others.
    pub checkin_pages: super::steps::Paging,
    pub close_form: FormState,
    pub closures: Vec<Opt>,
    pub close_open: bool,
}

pub struct Event {
    pub iso: String,
    pub on: String,
    pub what: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "party.html")]
pub struct PartyView {
    pub layout: Layout,
    pub id: i64,
    /// The part shown: its address segment ("" for the summary).
    pub part: &'static str,
    pub steps: Vec<super::steps::StepLink>,
    pub next: super::steps::NextStep,
    pub back: String,
    pub today: String,
    pub currency: &'static str,
    /// "Such as 120 or 120,50." in the vault's currency and language.
    pub amount_hint: String,
    pub name: String,
    pub kind: &'static str,
    pub relationship: String,
    pub notes: String,
    pub stage_code: &'static str,
    pub stage: &'static str,
    pub stage_reason: String,
    pub gaps: Vec<String>,
    pub aside: Option<AsideView>,
    pub top: FormState,
    pub edit: FormState,
    pub edit_kinds: Vec<Opt>,
    pub edit_open: bool,
    /// "Is this the same person?" after a rename to a name already on the list.
    pub rename_same: Option<super::entry::SameQuestion>,
    pub edit_action: String,
    pub party_history: Vec<EditView>,
    pub aside_form: FormState,
    pub aside_reasons: Vec<Opt>,
    pub aside_open: bool,
    pub harms: Vec<HarmView>,
    pub harms_aside: Vec<HarmView>,
    pub harm_new: FormState,
    pub harm_new_kinds: Vec<Opt>,
    pub harm_new_sources: Vec<Opt>,
    pub harm_new_open: bool,
    pub willing_now: Option<WillView>,
    pub willingness: Vec<WillView>,
    pub willing: FormState,
    pub levels: Vec<Opt>,
    pub questions: Vec<QuestionView>,
    /// Questions the record answers already, with where the answer comes from.
    pub known_questions: Vec<KnownView>,
    /// Questions not asked of this kind of party, with why.
    pub not_asked: Vec<KnownView>,
    /// The kind of party, in words, for the form's opening sentence.
    pub safety_kind: &'static str,
    /// Questions that now apply and were never asked, in words (empty: none).
    pub safety_missing: String,
    pub safety: FormState,
    pub safety_on: Option<String>,
    pub safety_now: Option<String>,
    pub safety_history: Vec<SafetyLine>,
    /// The answers in force that keep them from being reached, in words: answering "no" to
    /// one takes a reason and a confirmation.
    pub lift: String,
    pub verdict: VerdictView,
    pub consultations: Vec<ConsultView>,
    pub consult: FormState,
    pub advisers: Vec<Opt>,
    pub approvals: Vec<Opt>,
    pub plan: Option<PlanView>,
    pub plan_version: String,
    pub plan_history: Vec<PlanView>,
    pub plan_form: FormState,
    pub plan_methods: Vec<Opt>,
    /// What the plan makes (words, restitution, ...), apart from how (`plan_methods`).
    pub plan_kinds: Vec<Opt>,
    pub consents: Vec<ConsentView>,
    pub consent_missing: Vec<String>,
    pub third_names: Vec<String>,
    pub consent: FormState,
    pub deferral: Option<DeferralView>,
    pub deferrals: Vec<DeferralView>,
    pub defer: FormState,
    /// The furthest day a deferral can be looked at again (R9).
    pub latest_review: String,
    pub attempts: Vec<AttemptView>,
    pub attempt: FormState,
    pub attempt_methods: Vec<Opt>,
    pub attempt_kinds: Vec<Opt>,
    pub outcomes: Vec<Opt>,
    pub commitments: Vec<CommitmentView>,
    pub restitution: FormState,
    pub restitution_every: Vec<Opt>,
    pub living: FormState,
    pub living_every: Vec<Opt>,
    pub promise: FormState,
    pub restitution_ways: Vec<Opt>,
    pub promise_ways: Vec<Opt>,
    /// Why the ways offered for a restitution or a promise are limited (R4, R5, R8).
    pub restitution_note: Option<String>,
    pub promise_note: Option<String>,
    pub commit_open: &'static str,
    pub timeline: Vec<Event>,
    pub reviews: Vec<ReviewView>,
}

/// A comment or a view on the plan that a sponsor or supporter sent back.
pub struct ReviewView {
    pub who: String,
    pub received: String,
    pub verdict: Option<&'static str>,
    pub text: String,
    /// What the view counts for, in words ("" for a plain comment).
    pub status: &'static str,
    /// Whether it stands as the review for the plan as it is now.
    pub counts_now: bool,
}

fn review_view(snap: &Snapshot, r: &PartyRecord, rv: &amends_vault::ReceivedReview) -> ReviewView {
    use amends_vault::Verdict as V;
    let current = r.plan.as_ref().map(|p| p.updated.to_string());
    let same_plan = rv.plan_version.is_some() && rv.plan_version == current;
    let (status, counts_now) = match rv.verdict {
        None => ("", false),
        Some(_) if rv.why_stale == Some(amends_vault::StaleReason::Unseen) => (
            "This does not count: your sponsor reviewed without seeing the safety verdict, and a rule applies here. Share again with the verdict and ask for a new look.",
            false,
        ),
        Some(_) if rv.why_stale == Some(amends_vault::StaleReason::Safety) => (
            "This does not count: your safety answers changed after your sponsor reviewed. Share again and ask for a new look.",
            false,
        ),
        Some(_) if rv.stale || (rv.counted && !same_plan) => (
            "This was about an earlier version of the plan. The plan changed since; ask for a new look.",
            false,
        ),
        Some(_) if rv.counted && r.safety.as_ref().is_some_and(|s| s.answered > rv.received) => (
            "This counted, but your safety answers changed after your sponsor reviewed, so it no longer counts. Share again and ask for a new look.",
            false,
        ),
        Some(V::Approved) if rv.counted => (
            "This counts as the approval of the plan as it is now (rule R2).",
            true,
        ),
        Some(V::TalkFirst) if rv.counted => (
            "Recorded as talking it over: they would like to talk before you go ahead with this plan.",
            true,
        ),
        Some(_) => (
            "Kept as a comment: a view from a lawyer, or from someone you support, does not count as the review of rule R2.",
            false,
        ),
    };
    ReviewView {
        who: rv.contact_label.clone(),
        received: day_of(snap, rv.received),
        verdict: rv.verdict.map(|v| match v {
            V::Approved => "Approved the plan",
            V::TalkFirst => "Would like to talk it over first",
        }),
        text: rv.text.clone(),
        status,
        counts_now,
    }
}

/// Takes the form that was sent back if it is this one; otherwise the form as it starts.
fn pick(
    failed: &mut Option<(Key, FormState)>,
    key: Key,
    start: impl FnOnce() -> FormState,
) -> (FormState, bool) {
    if failed.as_ref().is_some_and(|(k, _)| *k == key) {
        let (_, form) = failed.take().expect("checked just above");
        (form, true)
    } else {
        (start(), false)
    }
}

fn cadences(chosen: &str, with_none: bool) -> Vec<Opt> {
    let mut items: Vec<(&'static str, &'static str)> = Vec::new();
    if with_none {
        items.push(("", "no fixed schedule"));
    }
    items.extend(Cadence::ALL.iter().map(|c| (c.code(), c.label())));
    opts(items, chosen)
}

/// What a plan or attempt form offers to make: the kinds the verdict allows, and the one chosen
/// or planned if it is not (marked so).
fn kinds(v: &Verdict, chosen: &str, current: Option<amends_core::model::Way>) -> Vec<Opt> {
    use amends_core::model::AmendsKind;
    let open = |k: AmendsKind| match k.method() {
        Some(m) => v.allows(m),
        None => v.allows(Method::FaceToFace),
    };
    AmendsKind::ALL
        .iter()
        .filter(|k| open(**k) || current.is_some_and(|w| w.kind() == **k) || k.code() == chosen)
        .map(|k| Opt {
            value: k.code(),
            label: if open(*k) {
                k.label()
            } else {
                match k {
                    AmendsKind::Words => "words (not open now)",
                    _ => "restitution paid to them (not open now)",
                }
            },
            selected: k.code() == chosen,
        })
        .collect()
}

/// How a plan or attempt reaches them: no channel (for what reaches no one, or a restitution
/// whose way is not said), or a channel; those the verdict closes are marked so.
fn channels(v: &Verdict, chosen: &str) -> Vec<Opt> {
    use amends_core::model::Channel;
    let reach = v.allows(Method::Restitution);
    let mut out = vec![Opt {
        value: "",
        label: "it does not reach them (or, for restitution, not said)",
        selected: chosen.is_empty(),
    }];
    out.extend(Channel::ALL.iter().map(|c| Opt {
        value: c.code(),
        label: if reach {
            c.label()
        } else {
            match c {
                Channel::FaceToFace => "face to face (not open now)",
                Channel::Phone => "by phone (not open now)",
                Channel::Video => "by video call (not open now)",
                Channel::Letter => "by letter or post (not open now)",
                Channel::Transfer => "by bank transfer or cheque (not open now)",
            }
        },
        selected: c.code() == chosen,
    }));
    out
}

/// Whether the verdict leaves only the ways that do not reach them (R4, R5).
fn unreached_only(v: &Verdict) -> bool {
    matches!(
        v.contact,
        rules::Contact::NoContact | rules::Contact::IndirectOnly
    )
}

/// The ways a commitment or a payment can reach them, from `open`: those the verdict allows,
/// and the one chosen if it is not (marked, so the refusal that follows is no surprise).
fn ways(v: &Verdict, open: &[Reach], chosen: &str) -> Vec<Opt> {
    let allowed = |r: Reach| !(unreached_only(v) && r.reaches_them());
    open.iter()
        .filter(|r| allowed(**r) || r.code() == chosen)
        .map(|r| Opt {
            value: r.code(),
            label: match (allowed(*r), r) {
                (true, Reach::NoContact) => "without any contact with them",
                (true, r) => r.label(),
                (false, Reach::Heirs) => "to their heirs or estate (not open now)",
                (false, _) => "to them directly (not open now)",
            },
            selected: r.code() == chosen,
        })
        .collect()
}

/// The way a new restitution starts with: to them, unless the verdict says otherwise.
fn default_payment_way(r: &PartyRecord, v: &Verdict) -> Reach {
    match v.contact {
        rules::Contact::NoContact => Reach::Court,
        rules::Contact::IndirectOnly => Reach::Anonymous,
        rules::Contact::NoOneToReach
            if r.party.kind == PartyKind::Deceased
                || r.safety.as_ref().is_some_and(|s| s.answers.deceased) =>
        {
            Reach::Heirs
        }
        rules::Contact::NoOneToReach => Reach::Charity,
        rules::Contact::Direct => Reach::Them,
    }
}

/// Why the ways offered are limited, said beside the choice.
fn ways_note(v: &Verdict) -> Option<String> {
    match v.contact {
        rules::Contact::NoContact => Some(
            "A court order is in place (R4): no contact of any kind, not through anyone else. \
             Only the ways that do not reach them are offered."
                .into(),
        ),
        rules::Contact::IndirectOnly => Some(
            "Only amends that do not reach them are right here (R5). Only the ways that do not \
             reach them are offered; the reasons are under \"What the answers mean\"."
                .into(),
        ),
        rules::Contact::NoOneToReach => Some(
            "There is no one to reach directly (R8): the money can go to their heirs or estate, \
             to a charity, or anonymously."
                .into(),
        ),
        rules::Contact::Direct => None,
    }
}

fn consult_view(c: &amends_core::model::Consultation) -> ConsultView {
    ConsultView {
        with: c.with.label(),
        name: c.name.clone(),
        on: day(c.on),
        advice: c.advice.clone(),
        view: match c.approved {
            Some(true) => "approved the plan",
            Some(false) => "did not approve the plan",
            None => "",
        },
    }
}

fn plan_view(snap: &Snapshot, p: &amends_core::model::Plan) -> PlanView {
    PlanView {
        method: p.way().label(),
        script: p.script.clone(),
        on: p.on.map(day),
        place: p.place.clone(),
        updated: day_of(snap, p.updated),
    }
}

fn commitment_view(
    snap: &Snapshot,
    v: &Verdict,
    c: &amends_core::model::Commitment,
    changes: &[amends_vault::FollowChange],
    failed: &mut Option<(Key, FormState)>,
) -> CommitmentView {
    let language = snap.settings.language;
    let today = crate::view::day(snap.now.today);
    let due = snap.due.iter().find(|d| d.commitment_id == Some(c.id));
    let mut details = Vec::new();
    let mut payments = Vec::new();
    let mut checkins = Vec::new();
    let (what, fits): (String, &[Closure]) = match &c.kind {
        CommitmentKind::Restitution {
            amount,
            instalment,
            every,
            starting,
            payments: paid,
        } => {
            if let Some(i) = instalment {
                details.push(format!("in instalments of {}", i.show(language)));
            }
            if let Some(e) = every {
                details.push(format!("{} from {}", e.label(), day(*starting)));
            } else {
                details.push(format!("starting {}", day(*starting)));
            }
            let mut paid: Vec<_> = paid.iter().collect();
            paid.sort_by_key(|p| std::cmp::Reverse((p.on, p.id)));
            payments = paid
                .into_iter()
                .map(|p| PaymentView {
                    id: p.id,
                    on: day(p.on),
                    amount: p.amount.show(language),
                    note: p.note.clone(),
                    via: p.via.filter(|v| *v != c.reach).map(|v| v.label()),
                })
                .collect();
            (
                format!("repaying {}", amount.show(language)),
                &[Closure::Released],
            )
        }
        CommitmentKind::Living {
            behaviour,
            every,
            starting,
            checkins: done,
        } => {
            details.push(format!(
                "check in {} from {}",
                every.label(),
                day(*starting)
            ));
            let mut done: Vec<_> = done.iter().collect();
            done.sort_by_key(|k| std::cmp::Reverse((k.on, k.id)));
            checkins = done
                .into_iter()
                .map(|k| CheckInView {
                    id: k.id,
                    on: day(k.on),
                    kept: k.kept,
                    note: k.note.clone(),
                })
                .collect();
            (behaviour.clone(), &[Closure::Ended])
        }
        CommitmentKind::Promise { text, due } => {
            details.push(format!("due {}", day(*due)));
            (text.clone(), &[Closure::Kept, Closure::Released])
        }
    };
    let kept = checkins.iter().filter(|k| k.kept).count();
    let open = c.is_open();
    let closed = match (c.closed, &c.kind) {
        // Written capitalised here: a filter would lower the month's name in the date.
        (Some((how, on)), _) => Some(format!("Closed as {} on {}", how.label(), day(on))),
        (None, CommitmentKind::Restitution { .. }) if !open => Some("Paid in full".to_string()),
        _ => None,
    };
    let amount_value = due
        .and_then(|d| d.amount)
        .map(|m| m.typed(language))
        .unwrap_or_default();
    let (pay_form, pay_open) = pick(failed, Key::Pay(c.id), || {
        prefilled(&[
            ("amount", &amount_value),
            ("on", &today),
            ("via", c.reach.code()),
        ])
    });
    let pay_ways = ways(v, &Reach::RESTITUTION, pay_form.value("via"));
    let (checkin_form, checkin_open) = pick(failed, Key::CheckIn(c.id), || {
        prefilled(&[("kept", "yes"), ("on", &today)])
    });
    let way = match &c.kind {
        CommitmentKind::Restitution { .. } => Some(format!("Paid {}", c.reach.label())),
        CommitmentKind::Promise { .. } if c.reach == Reach::Them => {
            Some("Made to them directly".to_string())
        }
        CommitmentKind::Promise { .. } => Some(words::sentence(c.reach.label())),
        CommitmentKind::Living { .. } => None,
    };
    let (close_form, close_open) = pick(failed, Key::Close(c.id), || {
        prefilled(&[("how", fits[0].code()), ("on", &today)])
    });
    let closures = opts(
        fits.iter().map(|f| (f.code(), f.label())),
        close_form.value("how"),
    );
    let is_restitution = matches!(c.kind, CommitmentKind::Restitution { .. });
    let is_living = matches!(c.kind, CommitmentKind::Living { .. });
    CommitmentView {
        id: c.id,
        kind: c.kind_label(),
        what,
        details: words::sentence(&details.join("; "))
            .trim_end_matches('.')
            .to_string(),
        open,
        closed,
        balance: c
            .balance()
            .filter(|_| is_restitution)
            .map(|b| b.show(language)),
        next_due: due.filter(|_| open).map(|d| day(d.on)),
        overdue: due.is_some_and(|d| d.overdue) && open,
        payments,
        checkins,
        changes: change_lines(changes, c, language, snap),
        periods: match &c.kind {
            CommitmentKind::Living { every, .. } if open => {
                amends_core::due::open_checkins(c, snap.now.today)
                    .into_iter()
                    .map(|d| {
                        let words = amends_core::due::period_words(*every, d, Language::En);
                        Period {
                            iso: d.to_string(),
                            heading: {
                                let mut c = words.chars();
                                c.next()
                                    .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                                    .unwrap_or_default()
                            },
                            words,
                            overdue: d < snap.now.today,
                        }
                    })
                    .collect()
            }
            _ => Vec::new(),
        },
        period_word: match &c.kind {
            CommitmentKind::Living { every, .. } => match every {
                Cadence::Daily => "day",
                Cadence::Weekly => "week",
                Cadence::Fortnightly => "two weeks",
                Cadence::Monthly => "month",
            },
            _ => "",
        },
        kept,
        is_restitution,
        is_living,
        quick: Quick {
            is_payment: open && is_restitution,
            is_checkin: open && is_living,
            commitment_id: Some(c.id),
            amount_value: (!amount_value.is_empty()).then(|| amount_value.clone()),
            period: None,
        },
        way,
        pay_form,
        pay_ways,
        pay_note: ways_note(v).filter(|_| unreached_only(v)),
        pay_open,
        checkin_form,
        checkin_open,
        checkin_pages: super::steps::Paging::default(),
        close_form,
        closures,
        close_open,
    }
}

/// A commitment's corrections and removals in words, newest first: "Payment of 50,00 EUR on
/// 7 December 2026 corrected on 8 December 2026 (I paid 40, not 50); it said before: ...".
fn change_lines(
    changes: &[amends_vault::FollowChange],
    c: &amends_core::model::Commitment,
    language: Language,
    snap: &Snapshot,
) -> Vec<String> {
    let currency = match &c.kind {
        CommitmentKind::Restitution { amount, .. } => Some(amount.currency),
        _ => None,
    };
    changes
        .iter()
        .filter(|ch| ch.commitment_id == c.id)
        .rev()
        .map(|ch| {
            let p = &ch.previous;
            let on =
                p.on.parse::<jiff::civil::Date>()
                    .map(day)
                    .unwrap_or_else(|_| p.on.clone());
            let was = match (ch.fact, p.amount_minor.zip(currency), p.kept) {
                (amends_vault::Fact::Payment, Some((minor, cur)), _) => {
                    format!("{on}: {}", Money::new(minor, cur).show(language))
                }
                (_, _, Some(kept)) => {
                    format!("{on}: {}", if kept { "kept up" } else { "not this time" })
                }
                _ => on,
            };
            let note = if p.note.is_empty() {
                String::new()
            } else {
                format!(" · {}", p.note)
            };
            let when = ch
                .changed_at
                .parse::<jiff::Timestamp>()
                .map(|t| day_of(snap, t))
                .unwrap_or_default();
            let what = match ch.fact {
                amends_vault::Fact::Payment => "A payment",
                amends_vault::Fact::CheckIn => "A check-in",
            };
            format!(
                "{what} {} on {when}, was {was}{note}. Why: {}",
                if ch.removed { "removed" } else { "corrected" },
                ch.reason
            )
        })
        .collect()
}

/// Everything that happened for this party, newest first.
fn timeline(
    snap: &Snapshot,
    r: &PartyRecord,
    edits: &[(Option<i64>, serde_json::Value, Timestamp)],
    plans: &[amends_core::model::Plan],
    answers: &[amends_core::model::SafetyRecord],
) -> Vec<Event> {
    // (date, instant if known, order of insertion): what sorts the events.
    let mut events: Vec<(Date, Option<Timestamp>, usize, Event)> = Vec::new();
    let mut push = |on: Date, at: Option<Timestamp>, what: String, detail: String| {
        let n = events.len();
        events.push((
            on,
            at,
            n,
            Event {
                iso: on.to_string(),
                on: day(on),
                what,
                detail,
            },
        ));
    };
    let at = |t: Timestamp| snap.now.date_of(t);
    push(
        at(r.party.created),
        Some(r.party.created),
        "Added to your list".into(),
        String::new(),
    );
    for a in &r.asides {
        push(
            at(a.at),
            Some(a.at),
            format!("Set aside: {}", a.reason.label()),
            a.note.clone(),
        );
        if let Some(t) = a.restored_at {
            push(at(t), Some(t), "Back on the list".into(), String::new());
        }
    }
    for (harm, _, t) in edits {
        let what = if harm.is_some() {
            "A harm was reworded (the earlier words are kept)"
        } else {
            "The details were changed (the earlier words are kept)"
        };
        push(at(*t), Some(*t), what.into(), String::new());
    }
    for h in &r.harms {
        push(
            at(h.recorded),
            Some(h.recorded),
            format!("Harm noted ({})", h.source.label()),
            h.did.clone(),
        );
        for a in &h.asides {
            push(
                at(a.at),
                Some(a.at),
                format!("A harm was set aside: {}", a.reason.label()),
                h.did.clone(),
            );
            if let Some(t) = a.restored_at {
                push(
                    at(t),
                    Some(t),
                    "A harm is back on the list".into(),
                    h.did.clone(),
                );
            }
        }
    }
    for w in &r.willingness {
        push(
            at(w.at),
            Some(w.at),
            format!("Willingness: {}", w.level.label()),
            w.note.clone(),
        );
    }
    for s in answers {
        push(
            at(s.answered),
            Some(s.answered),
            "Safety questions answered".into(),
            yes_words(&s.answers),
        );
    }
    for c in &r.consultations {
        let view = match c.approved {
            Some(true) => ", who approved the plan",
            Some(false) => ", who did not approve the plan",
            None => "",
        };
        push(
            c.on,
            Some(c.recorded),
            format!("Talked it over with your {}{view}", c.with.label()),
            c.advice.clone(),
        );
    }
    for (i, p) in plans.iter().enumerate() {
        let what = if i == 0 { "Plan made" } else { "Plan changed" };
        let when =
            p.on.map(|d| format!(", for {}", day(d)))
                .unwrap_or_default();
        push(
            at(p.updated),
            Some(p.updated),
            format!("{what}: {}{when}", p.way().label()),
            String::new(),
        );
    }
    for c in &r.consents {
        push(
            c.on,
            Some(c.recorded),
            if c.given {
                "Consent given by someone involved".into()
            } else {
                "Someone involved did not consent".into()
            },
            c.who.clone(),
        );
    }
    for d in &r.deferrals {
        push(
            at(d.recorded),
            Some(d.recorded),
            format!("Put off, to look at again on {}", day(d.review_on)),
            d.reason.clone(),
        );
        if let Some(t) = d.ended {
            push(at(t), Some(t), "Deferral ended".into(), String::new());
        }
    }
    for a in &r.attempts {
        push(
            a.on,
            Some(a.recorded),
            if a.outcome.is_made() {
                format!("Amends made ({}): {}", a.way().label(), a.outcome.label())
            } else {
                format!(
                    "Tried to reach them ({}): {}",
                    a.way().label(),
                    a.outcome.label()
                )
            },
            a.notes.clone(),
        );
    }
    for c in &r.commitments {
        push(
            at(c.recorded),
            Some(c.recorded),
            format!("Commitment made: {}", c.kind_label()),
            match &c.kind {
                CommitmentKind::Restitution { amount, .. } => {
                    format!("repaying {}", amount.show(snap.settings.language))
                }
                CommitmentKind::Living { behaviour, .. } => behaviour.clone(),
                CommitmentKind::Promise { text, .. } => text.clone(),
            },
        );
        match &c.kind {
            CommitmentKind::Restitution { payments, .. } => {
                for p in payments {
                    push(
                        p.on,
                        None,
                        format!("Paid {}", p.amount.show(snap.settings.language)),
                        p.note.clone(),
                    );
                }
            }
            // Check-ins are listed once, a page at a time, under Following through.
            CommitmentKind::Living { .. } | CommitmentKind::Promise { .. } => {}
        }
        if let Some((how, on)) = c.closed {
            push(
                on,
                None,
                format!("Commitment closed: {}", how.label()),
                String::new(),
            );
        }
    }
    events.sort_by_key(|e| std::cmp::Reverse((e.0, e.1, e.2)));
    events.into_iter().map(|e| e.3).collect()
}

/// The whole page; `failed` is the form that was sent and refused, shown again as typed.
pub fn page(
    ctx: &Ctx,
    mut failed: Option<(Key, FormState)>,
    want: &super::steps::Want,
) -> PartyView {
    let snap = &ctx.snap;
    let r = ctx.record();
    let stage = &snap.stages[ctx.at];
    let id = r.party.id;
    let today = crate::view::day(snap.now.today);
    let v = rules::verdict(r);
    let to_self = snap.settings.amends_to_self;

    // Histories the snapshot does not hold; a page without them is still a page.
    let (edits, plans, answers, received, changes) = ctx
        .app
        .read(|vault| {
            let mut changes = Vec::new();
            for c in &r.commitments {
                changes.extend(vault.follow_changes(c.id)?);
            }
            Ok((
                vault.edits(id)?,
                vault.plan_history(id)?,
                vault.safety_history(id)?,
                vault.reviews_for(id)?,
                changes,
            ))
        })
        .and_then(Result::ok)
        .unwrap_or_default();
    let mut plans_oldest = plans.clone();
    plans_oldest.reverse();

    let (top, _) = pick(&mut failed, Key::Top, FormState::default);

    let (mut edit, edit_open) = pick(&mut failed, Key::Edit, || {
        prefilled(&[
            ("name", &r.party.name),
            ("kind", r.party.kind.code()),
            ("relationship", &r.party.relationship),
            ("notes", &r.party.notes),
        ])
    });
    let rename_same = if edit_open {
        super::entry::same_question(
            &ctx.app,
            snap,
            &mut edit,
            Some(id),
            &super::entry::EDIT_FIELDS,
        )
    } else {
        None
    };
    let edit_kinds = party_kinds(edit.value("kind"), to_self);
    let (aside_form, aside_open) = pick(&mut failed, Key::Aside, FormState::default);
    let party_aside_reasons = aside_reasons(aside_form.value("reason"));

    let history_of = |harm: Option<i64>| -> Vec<EditView> {
        edits
            .iter()
            .filter(|(h, _, _)| *h == harm)
            .rev()
            .map(|(_, previous, at)| EditView {
                on: day_of(snap, *at),
                lines: edit_lines(previous, snap.settings.language),
            })
            .collect()
    };

    let mut harms = Vec::new();
    let mut harms_aside = Vec::new();
    for h in &r.harms {
        let (form, open) = pick(&mut failed, Key::HarmEdit(h.id), || {
            harm_prefill(h, snap.settings.language)
        });
        let (aside_form, aside_open) = pick(&mut failed, Key::HarmAside(h.id), FormState::default);
        let view = HarmView {
            id: h.id,
            p: format!("h{}-", h.id),
            pa: format!("ha{}-", h.id),
            did: h.did.clone(),
            should: h.should.clone(),
            effect: h.effect.clone(),
            kinds: h
                .kinds
                .iter()
                .map(|k| k.label())
                .collect::<Vec<_>>()
                .join(", "),
            when: h.when.clone(),
            owed: h.owed.map(|m| m.show(snap.settings.language)),
            property: h.property.clone(),
            third_parties: h.third_parties.join(", "),
            source: h.source.label(),
            sponsor: match h.sponsor_agrees {
                Some(true) => "Your sponsor agrees this is a real harm.",
                Some(false) => "Your sponsor does not see this as a real harm.",
                None => "",
            },
            recorded: day_of(snap, h.recorded),
            aside: h
                .asides
                .iter()
                .rev()
                .find(|a| a.restored_at.is_none())
                .map(|a| aside_view(snap, a)),
            history: history_of(Some(h.id)),
            kind_checks: harm_kinds(&form),
            sources: harm_sources(form.value("source")),
            form,
            open,
            aside_reasons: aside_reasons(aside_form.value("reason")),
            aside_form,
            aside_open,
        };
        if h.is_set_aside() {
            harms_aside.push(view);
        } else {
            harms.push(view);
        }
    }
    let (harm_new, harm_new_open) = pick(&mut failed, Key::HarmNew, || {
        prefilled(&[("source", HarmSource::Memory.code())])
    });
    let harm_new_kinds = harm_kinds(&harm_new);
    let harm_new_sources = harm_sources(harm_new.value("source"));

    let will = |w: &amends_core::model::WillingnessEntry| WillView {
        code: w.level.code(),
        label: w.level.label(),
        note: w.note.clone(),
        on: day_of(snap, w.at),
    };
    let mut willingness: Vec<_> = r.willingness.iter().collect();
    willingness.sort_by_key(|w| std::cmp::Reverse((w.at, w.id)));
    let willing_now = r.willingness_now().map(will);
    let (willing, _) = pick(&mut failed, Key::Willingness, || {
        prefilled(&[(
            "level",
            r.willingness_now().map(|w| w.level.code()).unwrap_or(""),
        )])
    });
    let levels = opts(
        Willingness::ALL.iter().map(|w| (w.code(), w.label())),
        willing.value("level"),
    );

    // Only what can apply to this party is asked; what the record answers is shown as such.
    let account = amends_core::questions::account(r);
    let (safety, _) = pick(&mut failed, Key::Safety, || {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        for q in account.asked() {
            pairs.push((
                q.code,
                match q.answer {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "unsure",
                },
            ));
        }
        if let Some(s) = &r.safety {
            pairs.push(("legal_decision", &s.answers.legal_decision));
        }
        prefilled(&pairs)
    });
    let mut questions = Vec::new();
    let mut known_questions = Vec::new();
    let mut not_asked = Vec::new();
    for (q, words) in account.questions.iter().zip(QUESTIONS.iter()) {
        debug_assert_eq!(q.code, words.code);
        match &q.standing {
            amends_core::questions::Standing::Ask => {
                let answer = safety.value(q.code);
                questions.push(QuestionView {
                    code: q.code,
                    ask: words.ask,
                    why: q.matters,
                    yes: answer == "yes",
                    no: answer == "no",
                    unsure: answer != "yes" && answer != "no",
                    new: q.answer.is_none(),
                });
            }
            amends_core::questions::Standing::Known { yes, because } => {
                known_questions.push(KnownView {
                    ask: words.ask,
                    answer: if *yes { "Yes" } else { "No" },
                    because: words::web_text(because),
                    why: q.matters,
                })
            }
            amends_core::questions::Standing::NotAsked { because } => not_asked.push(KnownView {
                ask: words.ask,
                answer: "",
                because: words::web_text(because),
                why: q.matters,
            }),
        }
    }
    let safety_missing = if r.safety.is_some() {
        account
            .missing
            .iter()
            .map(|q| words::short(q))
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        String::new()
    };

    let mut consultations: Vec<_> = r.consultations.iter().collect();
    consultations.sort_by_key(|c| std::cmp::Reverse((c.on, c.recorded, c.id)));
    let (consult, _) = pick(&mut failed, Key::Consult, || {
        prefilled(&[("with", Adviser::Sponsor.code()), ("on", &today)])
    });
    let advisers = opts(
        Adviser::ALL.iter().map(|a| (a.code(), a.label())),
        consult.value("with"),
    );
    let approvals = opts(
        [
            ("yes", "approved the plan as it stands"),
            ("no", "did not approve it"),
            ("", "gave no view on approval"),
        ],
        consult.value("approved"),
    );

    let (plan_form, _) = pick(&mut failed, Key::Plan, || match &r.plan {
        Some(p) => {
            let on = p.on.map(crate::view::day).unwrap_or_default();
            prefilled(&[
                ("kind", p.method.kind().code()),
                ("method", p.way().channel().map(|c| c.code()).unwrap_or("")),
                ("script", &p.script),
                ("on", &on),
                ("place", &p.place),
            ])
        }
        None => FormState::default(),
    });
    let plan_kinds = kinds(
        &v,
        plan_form.value("kind"),
        r.plan.as_ref().map(|p| p.way()),
    );
    let plan_methods = channels(&v, plan_form.value("method"));

    let (consent, _) = pick(&mut failed, Key::Consent, || prefilled(&[("on", &today)]));
    let (defer, _) = pick(&mut failed, Key::Defer, FormState::default);
    let deferral_view = |d: &amends_core::model::Deferral, active: bool| DeferralView {
        reason: d.reason.clone(),
        review_on: day(d.review_on),
        recorded: day_of(snap, d.recorded),
        ended: d.ended.map(|t| day_of(snap, t)),
        active,
        overdue: active && d.review_on < snap.now.today,
    };
    let active = r.active_deferral();
    let mut deferrals: Vec<_> = r.deferrals.iter().collect();
    deferrals.sort_by_key(|d| std::cmp::Reverse((d.recorded, d.id)));

    let (attempt, _) = pick(&mut failed, Key::Attempt, || {
        prefilled(&[
            ("on", &today),
            (
                "kind",
                r.plan
                    .as_ref()
                    .map(|p| p.method.kind().code())
                    .unwrap_or(""),
            ),
            (
                "method",
                r.plan
                    .as_ref()
                    .and_then(|p| p.way().channel())
                    .map(|c| c.code())
                    .unwrap_or(""),
            ),
        ])
    });
    let attempt_kinds = kinds(&v, attempt.value("kind"), None);
    let attempt_methods = channels(&v, attempt.value("method"));
    let outcomes = opts(
        Outcome::ALL.iter().map(|o| (o.code(), o.label())),
        attempt.value("outcome"),
    );
    let mut attempts: Vec<_> = r.attempts.iter().collect();
    attempts.sort_by_key(|a| std::cmp::Reverse((a.on, a.recorded, a.id)));

    let (restitution, restitution_open) = pick(&mut failed, Key::Restitution, || {
        let owed: i64 = r
            .live_harms()
            .filter_map(|h| h.owed)
            .filter(|m| m.currency == snap.settings.currency)
            .map(|m| m.minor)
            .sum();
        let owed = if owed > 0 {
            Money::new(owed, snap.settings.currency).typed(snap.settings.language)
        } else {
            String::new()
        };
        prefilled(&[
            ("starting", &today),
            ("amount", &owed),
            ("via", default_payment_way(r, &v).code()),
        ])
    });
    let restitution_ways = ways(&v, &Reach::RESTITUTION, restitution.value("via"));
    let restitution_every = cadences(restitution.value("every"), true);
    let (living, living_open) = pick(&mut failed, Key::Living, || {
        prefilled(&[("starting", &today), ("every", Cadence::Weekly.code())])
    });
    let living_every = cadences(living.value("every"), false);
    let (promise, promise_open) = pick(&mut failed, Key::Promise, || {
        let way = if unreached_only(&v) {
            Reach::NoContact
        } else {
            Reach::Them
        };
        prefilled(&[("via", way.code())])
    });
    let promise_ways = ways(&v, &Reach::PROMISE, promise.value("via"));
    let commit_open = if restitution_open {
        "restitution"
    } else if living_open {
        "living"
    } else if promise_open {
        "promise"
    } else {
        ""
    };
    let mut commitments: Vec<CommitmentView> = r
        .commitments
        .iter()
        .map(|c| commitment_view(snap, &v, c, &changes, &mut failed))
        .collect();
    super::steps::page_checkins(id, &mut commitments, &r.commitments, want);
    let gaps: Vec<String> = if r.current_aside().is_some() {
        Vec::new()
    } else {
        readiness_gaps(r)
            .iter()
            .map(|g| words::web_text(g))
            .collect()
    };

    PartyView {
        layout: Layout::new(&ctx.app, title(r.party.kind), Nav::List),
        id,
        part: want.part.segment(),
        steps: super::steps::links(r, &v, want.part),
        next: super::steps::next_step(snap, r, &v, stage.stage, &gaps),
        back: super::steps::Part::Follow.href(id),
        today: today.clone(),
        currency: snap.settings.currency.code(),
        amount_hint: crate::forms::amount_hint(snap.settings.currency, snap.settings.language),
        name: r.party.name.clone(),
        kind: r.party.kind.label(),
        relationship: r.party.relationship.clone(),
        notes: r.party.notes.clone(),
        stage_code: stage.stage.code(),
        stage: stage.stage.label(),
        stage_reason: words::stage_reason(&stage.reason, stage.stage),
        gaps,
        aside: r.current_aside().map(|a| aside_view(snap, a)),
        top,
        edit,
        edit_kinds,
        edit_open,
        rename_same,
        edit_action: format!("/parties/{id}/edit#details"),
        party_history: history_of(None),
        aside_form,
        aside_reasons: party_aside_reasons,
        aside_open,
        harms,
        harms_aside,
        harm_new,
        harm_new_kinds,
        harm_new_sources,
        harm_new_open,
        willing_now,
        willingness: willingness.into_iter().map(will).collect(),
        willing,
        levels,
        questions,
        known_questions,
        not_asked,
        safety_kind: r.party.kind.label(),
        safety_missing,
        safety,
        safety_on: r.safety.as_ref().map(|s| day_of(snap, s.answered)),
        lift: super::safety::liftable(r)
            .iter()
            .map(|q| words::short(q))
            .collect::<Vec<_>>()
            .join(", "),
        safety_now: r.safety.as_ref().map(|s| yes_words(&s.answers)),
        safety_history: answers
            .iter()
            .rev()
            .map(|s| SafetyLine {
                on: day_of(snap, s.answered),
                yes: yes_words(&s.answers),
                reason: s.reason.clone(),
            })
            .collect(),
        verdict: verdict_view(&v),
        consultations: consultations.into_iter().map(consult_view).collect(),
        consult,
        advisers,
        approvals,
        plan: r.plan.as_ref().map(|p| plan_view(snap, p)),
        plan_version: r
            .plan
            .as_ref()
            .map(|p| p.updated.to_string())
            .unwrap_or_default(),
        plan_history: plans.iter().skip(1).map(|p| plan_view(snap, p)).collect(),
        plan_form,
        plan_methods,
        plan_kinds,
        consents: r
            .consents
            .iter()
            .rev()
            .map(|c| ConsentView {
                who: c.who.clone(),
                given: c.given,
                on: day(c.on),
                note: c.note.clone(),
            })
            .collect(),
        consent_missing: rules::consent_missing(r),
        third_names: r.third_party_names(),
        consent,
        deferral: active.map(|d| deferral_view(d, true)),
        deferrals: deferrals
            .into_iter()
            .map(|d| deferral_view(d, active.is_some_and(|a| a.id == d.id)))
            .collect(),
        defer,
        latest_review: crate::view::day(rules::latest_review(snap.now.today)),
        attempts: attempts
            .into_iter()
            .map(|a| AttemptView {
                on: day(a.on),
                method: a.way().label(),
                outcome: a.outcome.label(),
                requests: a.requests.clone(),
                before: a.feeling_before.clone(),
                after: a.feeling_after.clone(),
                notes: a.notes.clone(),
            })
            .collect(),
        attempt,
        attempt_methods,
        attempt_kinds,
        outcomes,
        commitments,
        restitution,
        restitution_every,
        living,
        living_every,
        promise,
        restitution_ways,
        promise_ways,
        restitution_note: ways_note(&v),
        promise_note: ways_note(&v).filter(|_| unreached_only(&v)),
        commit_open,
        timeline: timeline(snap, r, &edits, &plans_oldest, &answers),
        reviews: received.iter().map(|rv| review_view(snap, r, rv)).collect(),
    }
}
