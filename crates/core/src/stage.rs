//! A party's stage, derived from the facts with the reason for it. Nothing stores a stage.

use jiff::civil::Date;

use crate::clock::Now;

use crate::model::{CommitmentKind, Method, Outcome, PartyRecord, Willingness};
use crate::rules::{approval_for_plan, consent_missing, consent_satisfied, verdict};

/// Where a party stands in Steps 8 and 9.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    Listed,
    Willing,
    Planned,
    Deferred,
    Ready,
    Attempted,
    Made,
    FollowingThrough,
    LivingAmends,
    Complete,
    Reopened,
    SetAside,
}

impl Stage {
    pub const ALL: &'static [Stage] = &[
        Stage::Listed,
        Stage::Willing,
        Stage::Planned,
        Stage::Deferred,
        Stage::Ready,
        Stage::Attempted,
        Stage::Made,
        Stage::FollowingThrough,
        Stage::LivingAmends,
        Stage::Complete,
        Stage::Reopened,
        Stage::SetAside,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Stage::Listed => "listed",
            Stage::Willing => "willing",
            Stage::Planned => "planned",
            Stage::Deferred => "deferred",
            Stage::Ready => "ready",
            Stage::Attempted => "attempted",
            Stage::Made => "made",
            Stage::FollowingThrough => "following-through",
            Stage::LivingAmends => "living-amends",
            Stage::Complete => "complete",
            Stage::Reopened => "reopened",
            Stage::SetAside => "set-aside",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::Listed => "listed",
            Stage::Willing => "willing",
            Stage::Planned => "planned",
            Stage::Deferred => "deferred",
            Stage::Ready => "ready",
            Stage::Attempted => "attempted",
            Stage::Made => "amends made",
            Stage::FollowingThrough => "following through",
            Stage::LivingAmends => "living amends",
            Stage::Complete => "complete",
            Stage::Reopened => "reopened",
            Stage::SetAside => "set aside",
        }
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// A stage and the reason for it, in plain words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageInfo {
    pub stage: Stage,
    pub reason: String,
}

fn info(stage: Stage, reason: impl Into<String>) -> StageInfo {
    StageInfo {
        stage,
        reason: reason.into(),
    }
}

/// Harms still on the list that the last amends did not cover: recorded after it (Step 10, R10),
/// or told of during it.
pub fn harms_after_amends(record: &PartyRecord) -> Vec<&crate::model::Harm> {
    let Some(made) = record.last_made() else {
        return Vec::new();
    };
    record
        .live_harms()
        .filter(|h| {
            h.recorded > made.recorded
                || (h.source == crate::model::HarmSource::Revealed && h.recorded == made.recorded)
        })
        .collect()
}

/// What is still missing before a plan is ready, in plain words. Empty means ready.
pub fn readiness_gaps(record: &PartyRecord) -> Vec<String> {
    let mut gaps = Vec::new();
    let Some(plan) = &record.plan else {
        gaps.push("there is no plan yet".into());
        return gaps;
    };
    let v = verdict(record);
    if !v.answered {
        gaps.push("answer the safety questions".into());
    }
    if plan.method.is_contact() && record.live_harms().next().is_none() {
        gaps.push("name what you did first: no harm is on the list for this plan".into());
    }
    if let Some(refusal) = crate::rules::words_refusal(
        record,
        &[&plan.script, &plan.place],
        plan.method != crate::model::Method::UnsentLetter,
    ) {
        let rule = refusal
            .rule
            .map(|r| format!(" ({})", r.code()))
            .unwrap_or_default();
        gaps.push(format!("{}{rule}", lower_first(&refusal.reason)));
    }
    if !v.allows(plan.method) {
        gaps.push(format!(
            "the planned method ({}) is no longer open: choose one of {}",
            plan.method.code(),
            v.allowed
                .iter()
                .map(|m| m.code())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    match record.willingness_now().map(|w| w.level) {
        Some(Willingness::Now) => {}
        Some(level) => gaps.push(format!(
            "your willingness is \"{}\"; the plan waits until it is \"now\"",
            level.code()
        )),
        None => gaps.push("say how willing you are".into()),
    }
    let refused = crate::rules::consent_refused(record);
    if v.consent_required && plan.method.is_contact() && !refused.is_empty() {
        gaps.push(format!(
            "{} did not consent: choose an amends that leaves them out (R1)",
            refused.join(", ")
        ));
    } else if v.consent_required && plan.method.is_contact() && !consent_satisfied(record) {
        let missing = consent_missing(record);
        if missing.is_empty() {
            gaps.push("record the consent of the people it would implicate (R1)".into());
        } else {
            gaps.push(format!("record the consent of {} (R1)", missing.join(", ")));
        }
    }
    if let Some(name) = crate::rules::script_names_affair_partner(record) {
        gaps.push(format!(
            "take {name}'s name out of the script: never name someone involved in an affair (R1)"
        ));
    }
    if let Some(gap) = crate::rules::review_gap(record) {
        gaps.push(format!(
            "have it approved by your sponsor or an adviser (R2): {gap}"
        ));
    }
    if v.lawyer_first && !crate::rules::legal_question_settled(record) {
        gaps.push(
            "talk to a lawyer first, or record your own decision once you have taken advice (R3)"
                .into(),
        );
    }
    gaps
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A plan the safety answers forbid (a court order or a wish for no contact came after it), in
/// words that say it is blocked: never shown as something to do.
pub fn blocked_plan(record: &PartyRecord) -> Option<String> {
    let plan = record.plan.as_ref()?;
    let v = verdict(record);
    if v.allows(plan.method) {
        // Its words may be what the answers now forbid (a go-between, a visit).
        let refusal = crate::rules::words_refusal(
            record,
            &[&plan.script, &plan.place],
            plan.method != crate::model::Method::UnsentLetter,
        )?;
        let rule = refusal
            .rule
            .map(|r| format!(" ({})", r.code()))
            .unwrap_or_default();
        return Some(format!(
            "planned, but blocked: {}{rule}; change its words, or make a new plan",
            lower_first(&refusal.reason)
        ));
    }
    let rule = v
        .reasons
        .iter()
        .find(|r| {
            matches!(
                (v.contact, r.rule),
                (crate::rules::Contact::NoContact, crate::rules::Rule::R4)
                    | (crate::rules::Contact::IndirectOnly, crate::rules::Rule::R5)
                    | (crate::rules::Contact::NoOneToReach, crate::rules::Rule::R8)
            )
        })
        .map(|r| format!(" ({})", r.rule.code()))
        .unwrap_or_default();
    Some(format!(
        "planned, but blocked: the plan ({}) reaches them, and the safety answers no longer allow that{rule}; make a new plan with one of: {}",
        plan.method.label(),
        v.allowed
            .iter()
            .map(|m| m.code())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

fn plan_words(record: &PartyRecord) -> String {
    match &record.plan {
        Some(p) => match p.on {
            Some(on) => format!("{} on {}", p.way().label(), crate::dates::words(on)),
            None => p.way().label(),
        },
        None => String::new(),
    }
}

/// Derives the stage of one party on `today`.
pub fn derive(record: &PartyRecord, now: &Now) -> StageInfo {
    if let Some(aside) = record.current_aside() {
        let mut reason = format!("set aside: {}", aside.reason.label());
        if !aside.note.trim().is_empty() && aside.reason == crate::model::AsideReason::Other {
            reason = format!("set aside: {}", aside.note.trim());
        }
        return info(Stage::SetAside, reason);
    }

    if let Some(made) = record.last_made() {
        let new_harm = harms_after_amends(record)
            .into_iter()
            .max_by_key(|h| h.recorded);
        if let Some(h) = new_harm {
            let next = reopened_next(record, made.recorded, now);
            let what =
                if h.source == crate::model::HarmSource::Revealed && h.recorded == made.recorded {
                    format!(
                        "during the amends on {} they told you of a harm that was not on the list",
                        crate::dates::words(made.on)
                    )
                } else {
                    format!(
                        "a new harm was recorded on {} after amends were made on {}",
                        crate::dates::words(now.date_of(h.recorded)),
                        crate::dates::words(made.on)
                    )
                };
            return info(Stage::Reopened, format!("reopened: {what}; {next}"));
        }
        return after_amends(record, made.on, made.outcome);
    }

    // Living amends can be the amends itself (with one's own children, for instance).
    if record
        .plan
        .as_ref()
        .is_some_and(|p| p.method == Method::Living)
        && let Some(living) = active_living(record)
    {
        return living;
    }

    before_amends(record, now)
}

/// What comes next for a reopened party, looking only at what happened after the amends.
fn reopened_next(record: &PartyRecord, made: jiff::Timestamp, now: &Now) -> String {
    if let Some(d) = record.active_deferral().filter(|d| d.recorded > made) {
        return if d.review_on < now.today {
            format!(
                "deferred, and its review on {} is overdue",
                crate::dates::words(d.review_on)
            )
        } else {
            format!("deferred until {}", crate::dates::words(d.review_on))
        };
    }
    if let Some(a) = record
        .attempts
        .iter()
        .filter(|a| a.recorded > made)
        .max_by_key(|a| (a.recorded, a.id))
    {
        return format!(
            "attempted again on {} ({})",
            crate::dates::words(a.on),
            a.outcome.label()
        );
    }
    if record.plan.as_ref().is_some_and(|p| p.updated > made) {
        if let Some(blocked) = blocked_plan(record) {
            return blocked;
        }
        let gaps = readiness_gaps(record);
        if gaps.is_empty() {
            return format!("ready: {}", plan_words(record));
        }
        return format!(
            "planned: {}; before it is ready: {}",
            plan_words(record),
            gaps.join("; ")
        );
    }
    "next, make a plan for the new harm".to_string()
}

fn active_living(record: &PartyRecord) -> Option<StageInfo> {
    record
        .commitments
        .iter()
        .filter(|c| c.is_open())
        .find_map(|c| match &c.kind {
            CommitmentKind::Living {
                every,
                starting,
                checkins,
                ..
            } => {
                let kept = checkins.iter().filter(|k| k.kept).count();
                Some(info(
                    Stage::LivingAmends,
                    format!(
                        "living amends: a change kept up {} since {}; {kept} of {} check-ins kept",
                        every.label(),
                        crate::dates::words(*starting),
                        checkins.len()
                    ),
                ))
            }
            _ => None,
        })
}

fn after_amends(record: &PartyRecord, made_on: Date, outcome: Outcome) -> StageInfo {
    let made_on = crate::dates::words(made_on);
    let open: Vec<_> = record.commitments.iter().filter(|c| c.is_open()).collect();
    let owing: Vec<String> = open
        .iter()
        .filter_map(|c| match &c.kind {
            CommitmentKind::Restitution { .. } => {
                c.balance().map(|b| format!("{b} still to repay"))
            }
            CommitmentKind::Promise { due, .. } => {
                Some(format!("a promise due {}", crate::dates::words(*due)))
            }
            CommitmentKind::Living { .. } => None,
        })
        .collect();
    if !owing.is_empty() {
        return info(
            Stage::FollowingThrough,
            format!(
                "following through: amends made on {made_on}; {}",
                owing.join("; ")
            ),
        );
    }
    let has_restitution = record
        .commitments
        .iter()
        .any(|c| matches!(c.kind, CommitmentKind::Restitution { .. }));
    // Money owed, added up per currency.
    let mut totals: Vec<crate::money::Money> = Vec::new();
    for m in record.live_harms().filter_map(|h| h.owed) {
        match totals.iter_mut().find(|t| t.currency == m.currency) {
            Some(t) => t.minor = t.minor.saturating_add(m.minor),
            None => totals.push(m),
        }
    }
    let owed: Vec<String> = totals.iter().map(|m| m.to_string()).collect();
    if !owed.is_empty() && !has_restitution {
        return info(
            Stage::Made,
            format!(
                "amends made on {made_on}; money is owed ({}): record a restitution commitment to follow through",
                owed.join(", ")
            ),
        );
    }
    if let Some(living) = active_living(record) {
        return living;
    }
    // A living amends is a change kept up; "done" alone is not yet that.
    let made_living = record
        .last_made()
        .is_some_and(|a| a.method == Method::Living);
    let has_living = record
        .commitments
        .iter()
        .any(|c| matches!(c.kind, CommitmentKind::Living { .. }));
    if made_living && !has_living {
        return info(
            Stage::Made,
            format!(
                "amends made on {made_on} as living amends; record the change you are keeping up (amends commit living) so that keeping it is seen"
            ),
        );
    }
    if outcome == Outcome::WithRequest && record.commitments.is_empty() {
        return info(
            Stage::Made,
            format!(
                "amends made on {made_on}; they asked for something: record what you promised as a commitment"
            ),
        );
    }
    let how = outcome.label();
    let mut done: Vec<String> = Vec::new();
    for c in &record.commitments {
        let what = match (&c.kind, c.closed) {
            (CommitmentKind::Restitution { .. }, None) => "restitution paid in full",
            (CommitmentKind::Restitution { .. }, Some(_)) => "a debt released by them",
            (CommitmentKind::Promise { .. }, Some((crate::model::Closure::Released, _))) => {
                "a promise released by them"
            }
            (CommitmentKind::Promise { .. }, _) => "a promise kept",
            (CommitmentKind::Living { .. }, _) => "a living amends ended",
        };
        if !done.iter().any(|d| d == what) {
            done.push(what.to_string());
        }
    }
    let mut reason = match outcome {
        Outcome::Refused => format!(
            "complete: you offered amends on {made_on} and they declined; respect that, and let the way you live speak"
        ),
        Outcome::NoContact => format!(
            "complete: amends offered on {made_on}; they asked for no further contact, so anything more is indirect"
        ),
        _ => format!("complete: amends made on {made_on} ({how})"),
    };
    if !done.is_empty() {
        reason.push_str("; ");
        reason.push_str(&done.join(", "));
    }
    info(Stage::Complete, reason)
}

fn before_amends(record: &PartyRecord, now: &Now) -> StageInfo {
    let today = now.today;
    let last_attempt = record.attempts.iter().max_by_key(|a| (a.recorded, a.id));
    if let Some(d) = record.active_deferral() {
        let when = if d.review_on < today {
            format!(
                "its review on {} is overdue",
                crate::dates::words(d.review_on)
            )
        } else {
            format!("look at it again on {}", crate::dates::words(d.review_on))
        };
        return info(Stage::Deferred, format!("deferred: {when}"));
    }
    if let Some(a) = last_attempt {
        // Only attempts that did not make the amends reach here.
        return info(
            Stage::Attempted,
            format!(
                "attempted on {} ({}): {}",
                crate::dates::words(a.on),
                a.outcome.label(),
                if a.outcome == Outcome::Unreachable {
                    "try another way, or consider an unsent letter or indirect amends"
                } else {
                    "try again when the time is right"
                }
            ),
        );
    }
    if let Some(blocked) = blocked_plan(record) {
        return info(Stage::Planned, blocked);
    }
    if record.plan.is_some() {
        let gaps = readiness_gaps(record);
        if gaps.is_empty() {
            let why = match approval_for_plan(record) {
                Some(c) => format!(
                    "plan approved by your {} on {}",
                    c.with.label(),
                    crate::dates::words(c.on)
                ),
                None => "plan made and the safety questions allow it".to_string(),
            };
            return info(
                Stage::Ready,
                format!("ready: {}; {why}", plan_words(record)),
            );
        }
        return info(
            Stage::Planned,
            format!(
                "planned: {}; before it is ready: {}",
                plan_words(record),
                gaps.join("; ")
            ),
        );
    }
    match record.willingness_now() {
        Some(w) if w.level == Willingness::Now => info(
            Stage::Willing,
            format!(
                "willing now since {}; next, answer the safety questions and make a plan",
                crate::dates::words(now.date_of(w.at))
            ),
        ),
        Some(w) => info(
            Stage::Listed,
            format!(
                "listed; willingness is \"{}\" since {}: keep asking",
                w.level.code(),
                crate::dates::words(now.date_of(w.at))
            ),
        ),
        None => info(
            Stage::Listed,
            "listed; not yet asked how willing you are".to_string(),
        ),
    }
}
