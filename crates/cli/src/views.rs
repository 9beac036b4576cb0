//! What the CLI prints: JSON records (its own, not the core types) and plain text.

use std::collections::BTreeMap;
use std::fmt::Write;

use amends_core::dates;
use amends_core::due::DueItem;
use amends_core::model::{CommitmentKind, Language, PartyRecord, Plan};
use amends_core::rules::{Verdict, verdict};
use amends_core::stage::{StageInfo, readiness_gaps};
use amends_core::summary::Summary;
use amends_core::{Money, Now};
use amends_vault::{ReceivedReview, StaleReason, Verdict as ReviewVerdict};
use serde::Serialize;

/// A date kept in ISO 8601 in a JSON record, as people read it in the text output.
fn day(iso: &str) -> String {
    iso.parse::<jiff::civil::Date>()
        .map(dates::words)
        .unwrap_or_else(|_| iso.to_string())
}

#[derive(Serialize)]
pub struct MoneyView {
    pub minor: i64,
    pub currency: &'static str,
    pub display: String,
}

/// An amount for JSON: `minor` and `currency` for machines, `display` as people read it in
/// the vault's language (`1.250,50 EUR` in Spanish), as the text output and the web app say it.
pub fn money(m: Money, language: Language) -> MoneyView {
    MoneyView {
        minor: m.minor,
        currency: m.currency.code(),
        display: m.show(language),
    }
}

#[derive(Serialize)]
pub struct PartyRow {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub relationship: String,
    pub stage: &'static str,
    pub stage_reason: String,
    pub willingness: Option<&'static str>,
    pub harms: usize,
}

pub fn party_row(r: &PartyRecord, s: &StageInfo) -> PartyRow {
    PartyRow {
        id: r.party.id,
        name: r.party.name.clone(),
        kind: r.party.kind.code(),
        relationship: r.party.relationship.clone(),
        stage: s.stage.code(),
        stage_reason: s.reason.clone(),
        willingness: r.willingness_now().map(|w| w.level.code()),
        harms: r.live_harms().count(),
    }
}

pub fn party_table(rows: &[PartyRow]) -> String {
    if rows.is_empty() {
        return "No parties match. Add one with `amends party add NAME`.\n".into();
    }
    let name_w = rows
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 32);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>4}  {:<name_w$}  {:<17}  {:<11}  harms",
        "id", "name", "stage", "willingness"
    );
    for r in rows {
        let name: String = r.name.chars().take(32).collect();
        let _ = writeln!(
            out,
            "{:>4}  {:<name_w$}  {:<17}  {:<11}  {}",
            r.id,
            name,
            r.stage,
            r.willingness.unwrap_or("-"),
            r.harms
        );
    }
    out
}

#[derive(Serialize)]
pub struct ReasonView {
    pub rule: &'static str,
    pub title: &'static str,
    pub text: String,
}

#[derive(Serialize)]
pub struct VerdictView {
    pub answered: bool,
    /// Questions that apply now and were never asked (the kind of party changed since).
    pub missing: Vec<&'static str>,
    pub contact: &'static str,
    pub allowed_methods: Vec<&'static str>,
    pub review_required: bool,
    pub consent_required: bool,
    pub lawyer_first: bool,
    pub indirect_suggested: bool,
    pub reasons: Vec<ReasonView>,
    pub guidance: Vec<String>,
}

pub fn verdict_view(v: &Verdict) -> VerdictView {
    VerdictView {
        answered: v.answered,
        missing: v.missing.clone(),
        contact: v.contact.code(),
        allowed_methods: v.allowed.iter().map(|m| m.code()).collect(),
        review_required: v.review_required,
        consent_required: v.consent_required,
        lawyer_first: v.lawyer_first,
        indirect_suggested: v.indirect_suggested,
        reasons: v
            .reasons
            .iter()
            .map(|r| ReasonView {
                rule: r.rule.code(),
                title: r.rule.title(),
                text: r.text.clone(),
            })
            .collect(),
        guidance: v.guidance.clone(),
    }
}

/// The safety questions as they stand for this party: which are asked (with the answer in
/// force), which the record answers already and from where, which are not asked of this kind,
/// and why each matters.
/// With `full` false, only what the record answers, what is not asked, and what is still to
/// answer (as `amends show` lists it).
pub fn questions_text(r: &amends_core::model::PartyRecord, full: bool) -> String {
    use amends_core::questions::{Standing, account};
    let acc = account(r);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Questions for {} ({}):",
        r.party.name,
        r.party.kind.label()
    );
    for q in &acc.questions {
        if !full && q.asked() && q.answer.is_some() {
            continue;
        }
        let state = match &q.standing {
            Standing::Ask => match q.answer {
                Some(true) => "yes".to_string(),
                Some(false) => "no".to_string(),
                None => "not answered yet".to_string(),
            },
            Standing::Known { yes, because } => {
                format!("{}, known: {because}", if *yes { "yes" } else { "no" })
            }
            Standing::NotAsked { because } => format!("not asked: {because}"),
        };
        let _ = writeln!(out, "  --{}: {state}", q.code);
        if full && q.asked() {
            let _ = writeln!(out, "      {}", q.matters);
        }
    }
    out
}

pub fn verdict_text(v: &Verdict) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Verdict: {}.", v.contact.label());
    let _ = writeln!(
        out,
        "Ways open: {}.",
        v.allowed
            .iter()
            .map(|m| m.label())
            .collect::<Vec<_>>()
            .join("; ")
    );
    if v.reasons.is_empty() && v.answered {
        let _ = writeln!(out, "None of the exceptions apply.");
    }
    for r in &v.reasons {
        let _ = writeln!(out, "  {} ({}): {}", r.rule.code(), r.rule.title(), r.text);
    }
    for g in &v.guidance {
        let _ = writeln!(out, "  Note: {g}");
    }
    out
}

#[derive(Serialize)]
pub struct CommitmentView {
    pub id: i64,
    pub party_id: i64,
    pub party: String,
    pub kind: &'static str,
    /// How it reaches them (`them`, `no-contact`, `court`, `agency`, `charity`, `anonymous`, `heirs`).
    pub via: &'static str,
    pub open: bool,
    pub recorded: String,
    pub closed: Option<ClosedView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<MoneyView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid: Option<MoneyView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balance: Option<MoneyView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instalment: Option<MoneyView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub every: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starting: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub payments: Vec<PaymentView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub behaviour: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkins_kept: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkins_missed: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checkins: Vec<CheckInView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub promise: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
}

#[derive(Serialize)]
pub struct ClosedView {
    pub how: &'static str,
    pub on: String,
}

#[derive(Serialize)]
pub struct PaymentView {
    /// Its number, for `amends correct payment`.
    pub id: i64,
    pub on: String,
    pub amount: MoneyView,
    pub note: String,
    /// How it was paid: the restitution's way unless this payment was made another way.
    pub via: &'static str,
}

#[derive(Serialize)]
pub struct CheckInView {
    /// Its number, for `amends correct checkin`.
    pub id: i64,
    pub on: String,
    pub kept: bool,
    pub note: String,
}

pub fn commitment_views(r: &PartyRecord, language: Language) -> Vec<CommitmentView> {
    let money = |m: Money| money(m, language);
    r.commitments
        .iter()
        .map(|c| {
            let mut v = CommitmentView {
                id: c.id,
                party_id: r.party.id,
                party: r.party.name.clone(),
                kind: c.kind_code(),
                via: c.reach.code(),
                open: c.is_open(),
                recorded: c.recorded.to_string(),
                closed: c.closed.map(|(how, on)| ClosedView {
                    how: how.code(),
                    on: on.to_string(),
                }),
                amount: None,
                paid: None,
                balance: None,
                instalment: None,
                every: None,
                starting: None,
                payments: Vec::new(),
                behaviour: None,
                checkins_kept: None,
                checkins_missed: None,
                checkins: Vec::new(),
                promise: None,
                due: None,
            };
            match &c.kind {
                CommitmentKind::Restitution {
                    amount,
                    instalment,
                    every,
                    starting,
                    payments,
                } => {
                    v.amount = Some(money(*amount));
                    v.paid = c.paid().map(money);
                    v.balance = c.balance().map(money);
                    v.instalment = instalment.map(money);
                    v.every = every.map(|e| e.code());
                    v.starting = Some(starting.to_string());
                    v.payments = payments
                        .iter()
                        .map(|p| PaymentView {
                            id: p.id,
                            on: p.on.to_string(),
                            amount: money(p.amount),
                            note: p.note.clone(),
                            via: p.via.unwrap_or(c.reach).code(),
                        })
                        .collect();
                }
                CommitmentKind::Living {
                    behaviour,
                    every,
                    starting,
                    checkins,
                } => {
                    v.behaviour = Some(behaviour.clone());
                    v.every = Some(every.code());
                    v.starting = Some(starting.to_string());
                    v.checkins_kept = Some(checkins.iter().filter(|k| k.kept).count());
                    v.checkins_missed = Some(checkins.iter().filter(|k| !k.kept).count());
                    v.checkins = checkins
                        .iter()
                        .map(|k| CheckInView {
                            id: k.id,
                            on: k.on.to_string(),
                            kept: k.kept,
                            note: k.note.clone(),
                        })
                        .collect();
                }
                CommitmentKind::Promise { text, due } => {
                    v.promise = Some(text.clone());
                    v.due = Some(due.to_string());
                }
            }
            v
        })
        .collect()
}

pub fn commitment_line(c: &CommitmentView) -> String {
    let state = match (&c.closed, c.open) {
        (Some(cl), _) => format!("closed ({}) on {}", cl.how, day(&cl.on)),
        (None, true) => "open".to_string(),
        (None, false) => "settled".to_string(),
    };
    let how = match c.via {
        "them" | "no-contact" if c.kind == "living" => String::new(),
        "them" => String::new(),
        other => amends_core::model::Reach::parse(other)
            .map(|r| format!(" ({})", r.label()))
            .unwrap_or_default(),
    };
    let what = match c.kind {
        "restitution" => format!(
            "restitution of {}{how}: paid {}, balance {}{}",
            c.amount.as_ref().map(|m| m.display.as_str()).unwrap_or(""),
            c.paid.as_ref().map(|m| m.display.as_str()).unwrap_or(""),
            c.balance.as_ref().map(|m| m.display.as_str()).unwrap_or(""),
            match (&c.instalment, c.every) {
                (Some(i), Some(e)) => format!(" ({} {e})", i.display),
                (None, Some(e)) => format!(" ({e})"),
                _ => String::new(),
            }
        ),
        "living" => format!(
            "living amends, {}: {} ({} kept, {} missed)",
            c.every.unwrap_or(""),
            c.behaviour.as_deref().unwrap_or(""),
            c.checkins_kept.unwrap_or(0),
            c.checkins_missed.unwrap_or(0)
        ),
        _ => format!(
            "promise{how} due {}: {}",
            c.due.as_deref().map(day).unwrap_or_default(),
            c.promise.as_deref().unwrap_or("")
        ),
    };
    format!("#{} [{}] {} — {state}", c.id, c.party, what)
}

#[derive(Serialize)]
pub struct PlanView {
    pub method: &'static str,
    /// What it makes: words, restitution, living, indirect or unsent-letter.
    pub kind: &'static str,
    /// How it is to reach them, where that is known.
    pub channel: Option<&'static str>,
    pub script: String,
    pub on: Option<String>,
    pub place: String,
    pub updated: String,
}

fn plan_view(p: &Plan) -> PlanView {
    PlanView {
        method: p.method.code(),
        kind: p.method.kind().code(),
        channel: p.way().channel().map(|c| c.code()),
        script: p.script.clone(),
        on: p.on.map(|d| d.to_string()),
        place: p.place.clone(),
        updated: p.updated.to_string(),
    }
}

#[derive(Serialize)]
pub struct PartyDetail {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub relationship: String,
    pub notes: String,
    pub created: String,
    pub stage: &'static str,
    pub stage_reason: String,
    pub set_aside: Option<AsideView>,
    pub willingness: Option<&'static str>,
    pub willingness_history: Vec<WillingnessView>,
    pub harms: Vec<HarmView>,
    pub safety: Option<serde_json::Value>,
    pub verdict: VerdictView,
    pub readiness_gaps: Vec<String>,
    pub consultations: Vec<ConsultationView>,
    pub plan: Option<PlanView>,
    pub consents: Vec<ConsentView>,
    pub deferrals: Vec<DeferralView>,
    pub attempts: Vec<AttemptView>,
    pub commitments: Vec<CommitmentView>,
    /// Earlier wordings kept when the party or a harm was edited.
    pub edits: Vec<EditView>,
    /// Comments and views on the plan received from people this person shares with.
    pub reviews: Vec<ReviewView>,
}

/// A review received on this party from someone the person shares with.
#[derive(Serialize)]
pub struct ReviewView {
    pub id: i64,
    pub from: String,
    pub written: String,
    pub received: String,
    /// `approved` or `talk-first`, for a view on the plan.
    pub verdict: Option<&'static str>,
    pub comment: String,
    /// The plan version it was about, if it was about the plan.
    pub plan_version: Option<String>,
    /// `comment`; `counts` (a view on the plan as it is now, recorded as the consultation R2
    /// asks for); `earlier-plan` (it counted, but the plan has changed since); `stale` (it was
    /// about an older plan when it arrived); `safety-changed` (the safety answers had changed
    /// since the reviewer saw them when it arrived); `earlier-safety` (it counted, but the safety
    /// answers have changed since); `not-counted` (from someone whose approval cannot count: a
    /// lawyer, or someone this person supports).
    pub standing: &'static str,
}

pub fn review_views(r: &PartyRecord, reviews: &[ReceivedReview]) -> Vec<ReviewView> {
    let current = r.plan.as_ref().map(|p| p.updated.to_string());
    let answered = r.safety.as_ref().map(|s| s.answered);
    reviews
        .iter()
        .map(|v| {
            // As a plan edit does, safety answers given after it was counted un-count it (R2).
            let safety_since = answered.is_some_and(|a| a > v.received);
            let standing = match (v.verdict, v.counted, v.stale) {
                (None, _, _) => "comment",
                (Some(_), _, true) if v.why_stale == Some(StaleReason::Safety) => "safety-changed",
                (Some(_), _, true) if v.why_stale == Some(StaleReason::Unseen) => {
                    "verdict-not-seen"
                }
                (Some(_), _, true) => "stale",
                (Some(_), true, false) if v.plan_version.is_some() && v.plan_version == current => {
                    if safety_since {
                        "earlier-safety"
                    } else {
                        "counts"
                    }
                }
                (Some(_), true, false) => "earlier-plan",
                (Some(_), false, false) => "not-counted",
            };
            ReviewView {
                id: v.id,
                from: v.contact_label.clone(),
                written: v.written.to_string(),
                received: v.received.to_string(),
                verdict: v.verdict.map(|x| x.code()),
                comment: v.text.clone(),
                plan_version: v.plan_version.clone(),
                standing,
            }
        })
        .collect()
}

fn review_text(out: &mut String, v: &ReviewView, r: &ReceivedReview, now: &Now) {
    let what = match r.verdict {
        None if v.plan_version.is_some() => "a comment on the plan".to_string(),
        None => "a comment".to_string(),
        Some(ReviewVerdict::Approved) => "approved the plan".to_string(),
        Some(ReviewVerdict::TalkFirst) => "would like to talk the plan over first".to_string(),
    };
    let standing = match v.standing {
        "counts" if r.verdict == Some(ReviewVerdict::Approved) => {
            " — this approval counts for the plan as it is now (rule R2)"
        }
        "counts" => " — recorded as a view on the plan as it is now",
        "earlier-plan" => {
            " — it was for an earlier version of the plan; you changed the plan since, so it no longer counts"
        }
        "stale" => {
            " — it was about an older version of the plan, so it does not count; share the plan again for a new view"
        }
        "safety-changed" => {
            " — it does not count: your safety answers changed after your sponsor reviewed; share again"
        }
        "verdict-not-seen" => {
            " — it does not count: your sponsor reviewed without seeing the safety verdict, and a rule applies here; share again with the verdict"
        }
        "earlier-safety" => {
            " — it counted, but your safety answers changed after your sponsor reviewed, so it no longer counts; share again"
        }
        "not-counted" => {
            " — kept as a comment: only a sponsor, spiritual adviser or therapist's approval counts for rule R2"
        }
        _ => "",
    };
    let _ = writeln!(
        out,
        "  {} from {}: {what}{standing}",
        dates::words(now.date_of(r.received)),
        v.from
    );
    for line in v.comment.lines() {
        let _ = writeln!(out, "      {line}");
    }
}

#[derive(Serialize)]
pub struct EditView {
    pub harm_id: Option<i64>,
    pub previous: serde_json::Value,
    pub replaced_at: String,
}

#[derive(Serialize)]
pub struct AsideView {
    pub reason: &'static str,
    pub note: String,
    pub at: String,
}

#[derive(Serialize)]
pub struct WillingnessView {
    pub level: &'static str,
    pub note: String,
    pub at: String,
}

#[derive(Serialize)]
pub struct HarmView {
    pub id: i64,
    pub did: String,
    pub should: String,
    pub effect: String,
    pub kinds: Vec<&'static str>,
    pub when: String,
    pub owed: Option<MoneyView>,
    pub property: String,
    pub third_parties: Vec<String>,
    pub source: &'static str,
    pub sponsor_agrees: Option<bool>,
    pub recorded: String,
    pub set_aside: Option<AsideView>,
}

#[derive(Serialize)]
pub struct ConsultationView {
    pub id: i64,
    pub with: &'static str,
    pub name: String,
    pub on: String,
    pub advice: String,
    pub approved: Option<bool>,
}

#[derive(Serialize)]
pub struct ConsentView {
    pub who: String,
    pub given: bool,
    pub on: String,
    pub note: String,
}

#[derive(Serialize)]
pub struct DeferralView {
    pub reason: String,
    pub review_on: String,
    pub active: bool,
    pub ended: Option<String>,
}

#[derive(Serialize)]
pub struct AttemptView {
    pub id: i64,
    pub on: String,
    pub method: &'static str,
    /// What was made: words, restitution, living, indirect or unsent-letter.
    pub kind: &'static str,
    /// How it reached them, where that is known.
    pub channel: Option<&'static str>,
    pub outcome: &'static str,
    pub requests: String,
    pub feeling_before: String,
    pub feeling_after: String,
    pub notes: String,
}

pub fn party_detail(
    r: &PartyRecord,
    s: &StageInfo,
    edits: Vec<EditView>,
    reviews: &[ReceivedReview],
    language: Language,
) -> PartyDetail {
    let v = verdict(r);
    let active_deferral = r.active_deferral().map(|d| d.id);
    PartyDetail {
        id: r.party.id,
        name: r.party.name.clone(),
        kind: r.party.kind.code(),
        relationship: r.party.relationship.clone(),
        notes: r.party.notes.clone(),
        created: r.party.created.to_string(),
        stage: s.stage.code(),
        stage_reason: s.reason.clone(),
        set_aside: r.current_aside().map(|a| AsideView {
            reason: a.reason.code(),
            note: a.note.clone(),
            at: a.at.to_string(),
        }),
        willingness: r.willingness_now().map(|w| w.level.code()),
        willingness_history: r
            .willingness
            .iter()
            .map(|w| WillingnessView {
                level: w.level.code(),
                note: w.note.clone(),
                at: w.at.to_string(),
            })
            .collect(),
        harms: r
            .harms
            .iter()
            .map(|h| HarmView {
                id: h.id,
                did: h.did.clone(),
                should: h.should.clone(),
                effect: h.effect.clone(),
                kinds: h.kinds.iter().map(|k| k.code()).collect(),
                when: h.when.clone(),
                owed: h.owed.map(|m| money(m, language)),
                property: h.property.clone(),
                third_parties: h.third_parties.clone(),
                source: h.source.code(),
                sponsor_agrees: h.sponsor_agrees,
                recorded: h.recorded.to_string(),
                set_aside: h
                    .asides
                    .iter()
                    .rev()
                    .find(|a| a.restored_at.is_none())
                    .map(|a| AsideView {
                        reason: a.reason.code(),
                        note: a.note.clone(),
                        at: a.at.to_string(),
                    }),
            })
            .collect(),
        safety: r.safety.as_ref().map(|s| {
            let a = &s.answers;
            serde_json::json!({
                "court_order": a.court_order,
                "asked_no_contact": a.asked_no_contact,
                "abused_them": a.abused_them,
                "harmed_me": a.harmed_me,
                "legal_risk": a.legal_risk,
                "affair": a.affair,
                "third_parties": a.third_parties,
                "my_safety": a.my_safety,
                "deceased": a.deceased,
                "unreachable": a.unreachable,
                "child": a.child,
                "family": a.family,
                "legal_decision": a.legal_decision,
                "answered": s.answered.to_string(),
            })
        }),
        verdict: verdict_view(&v),
        readiness_gaps: if r.plan.is_some() {
            readiness_gaps(r)
        } else {
            Vec::new()
        },
        consultations: r
            .consultations
            .iter()
            .map(|c| ConsultationView {
                id: c.id,
                with: c.with.code(),
                name: c.name.clone(),
                on: c.on.to_string(),
                advice: c.advice.clone(),
                approved: c.approved,
            })
            .collect(),
        plan: r.plan.as_ref().map(plan_view),
        consents: r
            .consents
            .iter()
            .map(|c| ConsentView {
                who: c.who.clone(),
                given: c.given,
                on: c.on.to_string(),
                note: c.note.clone(),
            })
            .collect(),
        deferrals: r
            .deferrals
            .iter()
            .map(|d| DeferralView {
                reason: d.reason.clone(),
                review_on: d.review_on.to_string(),
                active: Some(d.id) == active_deferral,
                ended: d.ended.map(|t| t.to_string()),
            })
            .collect(),
        attempts: r
            .attempts
            .iter()
            .map(|a| AttemptView {
                id: a.id,
                on: a.on.to_string(),
                method: a.method.code(),
                kind: a.method.kind().code(),
                channel: a.way().channel().map(|c| c.code()),
                outcome: a.outcome.code(),
                requests: a.requests.clone(),
                feeling_before: a.feeling_before.clone(),
                feeling_after: a.feeling_after.clone(),
                notes: a.notes.clone(),
            })
            .collect(),
        commitments: commitment_views(r, language),
        edits,
        reviews: review_views(r, reviews),
    }
}

fn section(out: &mut String, title: &str) {
    let _ = writeln!(out, "\n{title}");
}

pub fn party_detail_text(
    d: &PartyDetail,
    r: &PartyRecord,
    reviews: &[ReceivedReview],
    now: &Now,
) -> String {
    let mut out = String::new();
    let rel = if d.relationship.is_empty() {
        String::new()
    } else {
        format!(", {}", d.relationship)
    };
    let _ = writeln!(out, "{} (#{}, {}{rel})", d.name, d.id, d.kind);
    let _ = writeln!(out, "Stage: {}", d.stage_reason);
    if !d.notes.is_empty() {
        let _ = writeln!(out, "Notes: {}", d.notes);
    }
    section(&mut out, "Harms");
    if d.harms.is_empty() {
        let _ = writeln!(
            out,
            "  none recorded yet: amends harm add {} --did \"...\"",
            d.id
        );
    }
    for h in &d.harms {
        let aside = h
            .set_aside
            .as_ref()
            .map(|a| format!(" [set aside: {}]", a.reason))
            .unwrap_or_default();
        let _ = writeln!(out, "  #{} {}{aside}", h.id, h.did);
        if !h.effect.is_empty() {
            let _ = writeln!(out, "      effect: {}", h.effect);
        }
        if !h.should.is_empty() {
            let _ = writeln!(out, "      should have: {}", h.should);
        }
        if !h.kinds.is_empty() {
            let _ = writeln!(out, "      kinds: {}", h.kinds.join(", "));
        }
        if !h.when.is_empty() {
            let _ = writeln!(out, "      when: {}", h.when);
        }
        if let Some(m) = &h.owed {
            let _ = writeln!(out, "      owed: {}", m.display);
        }
        if !h.property.is_empty() {
            let _ = writeln!(out, "      property: {}", h.property);
        }
        if !h.third_parties.is_empty() {
            let _ = writeln!(out, "      others involved: {}", h.third_parties.join(", "));
        }
    }
    section(&mut out, "Willingness");
    if r.willingness.is_empty() {
        let _ = writeln!(out, "  not yet asked");
    }
    for w in &r.willingness {
        let note = if w.note.is_empty() {
            String::new()
        } else {
            format!(" — {}", w.note)
        };
        let _ = writeln!(
            out,
            "  {} {}{note}",
            dates::words(now.date_of(w.at)),
            w.level.code()
        );
    }
    section(&mut out, "Safety");
    if r.safety.is_none() {
        let _ = writeln!(
            out,
            "  not answered yet: amends safety {} --none (or the flags that apply)",
            d.id
        );
    }
    for line in questions_text(r, false).lines().skip(1) {
        let _ = writeln!(out, "{line}");
    }
    for line in verdict_text(&verdict(r)).lines() {
        let _ = writeln!(out, "  {line}");
    }
    if !r.consultations.is_empty() {
        section(&mut out, "Consultations");
        let mut consultations: Vec<_> = r.consultations.iter().collect();
        consultations.sort_by_key(|c| (c.on, c.id));
        for c in consultations {
            let approval = match c.approved {
                Some(true) => " (approved)",
                Some(false) => " (not approved)",
                None => "",
            };
            let advice = if c.advice.is_empty() {
                String::new()
            } else {
                format!(": {}", c.advice)
            };
            let _ = writeln!(
                out,
                "  {} {}{approval}{advice}",
                dates::words(c.on),
                c.with.label()
            );
        }
    }
    if let Some(p) = &r.plan {
        section(&mut out, "Plan");
        let _ = writeln!(
            out,
            "  {}{}{}",
            p.way().label(),
            p.on.map(|d| format!(" on {}", dates::words(d)))
                .unwrap_or_default(),
            if p.place.is_empty() {
                String::new()
            } else {
                format!(" at {}", p.place)
            }
        );
        for line in p.script.lines() {
            let _ = writeln!(out, "  | {line}");
        }
        for g in &d.readiness_gaps {
            let _ = writeln!(out, "  still to do: {g}");
        }
    }
    if !r.consents.is_empty() {
        section(&mut out, "Consents");
        for c in &r.consents {
            let _ = writeln!(
                out,
                "  {} {}: {}",
                dates::words(c.on),
                c.who,
                if c.given {
                    "consented"
                } else {
                    "did not consent"
                }
            );
        }
    }
    if !r.deferrals.is_empty() {
        section(&mut out, "Deferrals");
        for dv in &d.deferrals {
            let _ = writeln!(
                out,
                "  review {}{}: {}",
                day(&dv.review_on),
                if dv.active { " (in force)" } else { "" },
                dv.reason
            );
        }
    }
    if !r.attempts.is_empty() {
        section(&mut out, "Attempts");
        let mut attempts: Vec<_> = r.attempts.iter().collect();
        attempts.sort_by_key(|a| (a.on, a.id));
        for a in attempts {
            let _ = writeln!(
                out,
                "  {} {}: {}",
                dates::words(a.on),
                a.way().label(),
                a.outcome.label()
            );
            if !a.notes.is_empty() {
                let _ = writeln!(out, "      notes: {}", a.notes);
            }
            if !a.requests.is_empty() {
                let _ = writeln!(out, "      they asked: {}", a.requests);
            }
            if !a.feeling_before.is_empty() || !a.feeling_after.is_empty() {
                let _ = writeln!(
                    out,
                    "      before: {} / after: {}",
                    a.feeling_before, a.feeling_after
                );
            }
        }
    }
    if !d.commitments.is_empty() {
        section(&mut out, "Commitments");
        for c in &d.commitments {
            let _ = writeln!(out, "  {}", commitment_line(c));
        }
    }
    if !d.reviews.is_empty() {
        section(&mut out, "Reviews from people you share with");
        for (v, r) in d.reviews.iter().zip(reviews) {
            review_text(&mut out, v, r, now);
        }
    }
    out
}

#[derive(Serialize)]
pub struct StatusView {
    pub fellowship: &'static str,
    pub step8: &'static str,
    pub step9: &'static str,
    pub parties: usize,
    pub harms: usize,
    pub by_stage: BTreeMap<&'static str, usize>,
    pub by_willingness: BTreeMap<&'static str, usize>,
    pub outstanding: Vec<MoneyView>,
    pub checkins_kept: usize,
    pub checkins_missed: usize,
    pub due_now: usize,
}

pub fn status_view(
    s: &Summary,
    wording: &amends_core::steps::StepWording,
    due_now: usize,
    language: Language,
) -> StatusView {
    StatusView {
        fellowship: wording.fellowship.code(),
        step8: wording.step8,
        step9: wording.step9,
        parties: s.parties,
        harms: s.harms,
        by_stage: s.by_stage.iter().map(|(k, v)| (k.code(), *v)).collect(),
        by_willingness: s
            .by_willingness
            .iter()
            .map(|(k, v)| (k.map_or("unasked", |w| w.code()), *v))
            .collect(),
        outstanding: s.outstanding.iter().map(|m| money(*m, language)).collect(),
        checkins_kept: s.checkins_kept,
        checkins_missed: s.checkins_missed,
        due_now,
    }
}

pub fn status_text(s: &Summary, v: &StatusView) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Step 8: {}", v.step8);
    let _ = writeln!(out, "Step 9: {}", v.step9);
    let _ = writeln!(
        out,
        "\n{} {} on your list, {} {} recorded.",
        v.parties,
        if v.parties == 1 { "party" } else { "parties" },
        v.harms,
        if v.harms == 1 { "harm" } else { "harms" }
    );
    section(&mut out, "By stage");
    for (stage, n) in &s.by_stage {
        if *n > 0 {
            let _ = writeln!(out, "  {:<18} {n}", stage.label());
        }
    }
    section(&mut out, "By willingness");
    for (w, n) in &s.by_willingness {
        let _ = writeln!(
            out,
            "  {:<18} {n}",
            w.map_or("not yet asked", |w| w.label())
        );
    }
    if !v.outstanding.is_empty() {
        section(&mut out, "Still to repay");
        for m in &v.outstanding {
            let _ = writeln!(out, "  {}", m.display);
        }
    }
    if v.checkins_kept + v.checkins_missed > 0 {
        let _ = writeln!(
            out,
            "\nLiving amends check-ins: {} kept, {} missed.",
            v.checkins_kept, v.checkins_missed
        );
    }
    if v.due_now > 0 {
        let _ = writeln!(
            out,
            "\n{} thing{} due or overdue: see `amends due`.",
            v.due_now,
            if v.due_now == 1 { "" } else { "s" }
        );
    }
    out
}

#[derive(Serialize)]
pub struct DueView {
    pub party_id: i64,
    pub party: String,
    pub kind: &'static str,
    pub on: String,
    pub overdue: bool,
    pub what: String,
    pub commitment_id: Option<i64>,
    pub amount: Option<MoneyView>,
    /// For a check-in: the period it answers (ISO), for `amends checkin ID --for DATE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
}

pub fn due_view(d: &DueItem, language: Language) -> DueView {
    DueView {
        party_id: d.party_id,
        party: d.party.clone(),
        kind: d.kind.code(),
        on: d.on.to_string(),
        overdue: d.overdue,
        what: d.what.clone(),
        commitment_id: d.commitment_id,
        amount: d.amount.map(|m| money(m, language)),
        period: d.period.map(|p| p.to_string()),
    }
}

pub fn due_text(items: &[DueView]) -> String {
    if items.is_empty() {
        return "Nothing is due. Take it one day at a time.\n".into();
    }
    let mut out = String::new();
    for d in items {
        let flag = if d.overdue { " (overdue)" } else { "" };
        let id = d
            .commitment_id
            .map(|c| format!(" [commitment #{c}]"))
            .unwrap_or_default();
        let _ = writeln!(out, "{}{flag}  {}: {}{id}", day(&d.on), d.party, d.what);
    }
    out
}
