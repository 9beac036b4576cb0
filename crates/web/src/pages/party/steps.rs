//! A party's page in steps: a summary with the next step on top, and each part of the work on
//! its own page (harms, willingness, safety, talking it over, the plan, the amends, following
//! through, the timeline, the details), reached through one step navigation. Each part is
//! rendered by the server from the same partial templates the whole page was made of; a form
//! sent from a part comes back to that part.

use amends_core::Stage;
use amends_core::model::{CommitmentKind, PartyRecord};
use amends_core::rules::Verdict;

use super::Key;
use crate::state::Snapshot;
use crate::view::day;

/// Check-ins shown at once under a living amends; older ones are a page further.
pub const CHECKINS_PER_PAGE: usize = 10;

/// One part of a party's page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Summary,
    Harms,
    Willingness,
    Safety,
    Consult,
    Plan,
    Amends,
    Follow,
    Timeline,
    Details,
}

impl Part {
    /// In the order of the work.
    pub const ALL: [Part; 10] = [
        Part::Summary,
        Part::Harms,
        Part::Willingness,
        Part::Safety,
        Part::Consult,
        Part::Plan,
        Part::Amends,
        Part::Follow,
        Part::Timeline,
        Part::Details,
    ];

    /// The last part of its address (`/parties/{id}/{segment}`); empty for the summary. Each is
    /// the address its forms are sent to, so a form and the part it sits in share one address.
    pub fn segment(self) -> &'static str {
        match self {
            Part::Summary => "",
            Part::Harms => "harms",
            Part::Willingness => "willingness",
            Part::Safety => "safety",
            Part::Consult => "consult",
            Part::Plan => "plan",
            Part::Amends => "attempt",
            Part::Follow => "commitments",
            Part::Timeline => "timeline",
            Part::Details => "edit",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Part::Summary => "Summary",
            Part::Harms => "Harms",
            Part::Willingness => "Willingness",
            Part::Safety => "Safety",
            Part::Consult => "Talking it over",
            Part::Plan => "The plan",
            Part::Amends => "Making the amends",
            Part::Follow => "Following through",
            Part::Timeline => "Timeline",
            Part::Details => "Details",
        }
    }

    pub fn href(self, id: i64) -> String {
        match self {
            Part::Summary => format!("/parties/{id}"),
            p => format!("/parties/{id}/{}", p.segment()),
        }
    }

    /// The part a path segment after the party's id belongs to: a part's own address, or a
    /// form's address within it (`consent` is in the plan, `aside` in the details).
    pub fn of_segment(segment: &str) -> Part {
        match segment {
            "harms" => Part::Harms,
            "willingness" => Part::Willingness,
            "safety" => Part::Safety,
            "consult" => Part::Consult,
            "plan" | "coach" | "consent" | "defer" | "resume" => Part::Plan,
            "attempt" => Part::Amends,
            "commitments" => Part::Follow,
            "timeline" => Part::Timeline,
            "edit" | "aside" => Part::Details,
            _ => Part::Summary,
        }
    }

    /// The part holding a section of the page (the anchor a change goes back to).
    pub fn of_section(section: &str) -> Part {
        if section.starts_with("harm-") {
            return Part::Harms;
        }
        if section.starts_with("commitment-") {
            return Part::Follow;
        }
        match section {
            "verdict" => Part::Safety,
            "supporters" => Part::Consult,
            "attempts" => Part::Amends,
            "details" => Part::Details,
            other => Part::of_segment(other),
        }
    }

    /// The part holding the form that was sent.
    pub fn of_key(key: Key) -> Part {
        match key {
            Key::Edit | Key::Aside => Part::Details,
            Key::HarmNew | Key::HarmEdit(_) | Key::HarmAside(_) => Part::Harms,
            Key::Willingness => Part::Willingness,
            Key::Safety => Part::Safety,
            Key::Consult => Part::Consult,
            Key::Plan | Key::Consent | Key::Defer => Part::Plan,
            Key::Attempt => Part::Amends,
            Key::Restitution
            | Key::Living
            | Key::Promise
            | Key::Pay(_)
            | Key::CheckIn(_)
            | Key::Close(_) => Part::Follow,
            Key::Top => Part::Summary,
        }
    }
}

/// What a request asks to see: a part, and which page of a living amends' check-ins.
#[derive(Clone, Copy, Debug)]
pub struct Want {
    pub part: Part,
    /// (commitment, page from 1): the other living amends show their first page.
    pub checkins: Option<(i64, usize)>,
}

impl Want {
    pub fn part(part: Part) -> Want {
        Want {
            part,
            checkins: None,
        }
    }
}

/// A link of the step navigation.
pub struct StepLink {
    pub href: String,
    pub label: &'static str,
    /// Where this part stands, in a few words ("2 noted", "not answered yet").
    pub status: String,
    /// `aria-current` ("page" for the part shown, "false" otherwise).
    pub current: &'static str,
}

/// The one thing to do next, with the part where it is done.
pub struct NextStep {
    pub text: String,
    pub href: String,
    pub link: String,
}

fn count(n: usize, one: &str, many: &str) -> String {
    match n {
        0 => "none yet".to_string(),
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}

/// The step navigation for this party, with `shown` marked as the current page.
pub fn links(r: &PartyRecord, v: &Verdict, shown: Part) -> Vec<StepLink> {
    let id = r.party.id;
    Part::ALL
        .iter()
        .map(|&p| {
            let status = match p {
                Part::Summary | Part::Timeline | Part::Details => String::new(),
                Part::Harms => count(r.live_harms().count(), "noted", "noted"),
                Part::Willingness => r
                    .willingness_now()
                    .map(|w| w.level.label().to_string())
                    .unwrap_or_else(|| "not said yet".to_string()),
                Part::Safety if v.answered => "answered".to_string(),
                Part::Safety => "not answered yet".to_string(),
                Part::Consult => count(r.consultations.len(), "talk", "talks"),
                Part::Plan if r.active_deferral().is_some() => "put off".to_string(),
                Part::Plan if r.plan.is_some() => "written".to_string(),
                Part::Plan => "none yet".to_string(),
                Part::Amends => count(r.attempts.len(), "recorded", "recorded"),
                Part::Follow => {
                    let open = r.commitments.iter().filter(|c| c.is_open()).count();
                    match (r.commitments.len(), open) {
                        (0, _) => "none yet".to_string(),
                        (_, 0) => "all closed".to_string(),
                        (_, n) => format!("{n} open"),
                    }
                }
            };
            StepLink {
                href: p.href(id),
                label: p.label(),
                status,
                current: if p == shown { "page" } else { "false" },
            }
        })
        .collect()
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The part where a gap in the plan's readiness is closed.
fn part_of_gap(gap: &str) -> Part {
    if gap.contains("safety questions") {
        Part::Safety
    } else if gap.contains("willing") {
        Part::Willingness
    } else if gap.contains("no harm is on the list") {
        Part::Harms
    } else if gap.contains("(R2)") || gap.contains("(R3)") {
        Part::Consult
    } else {
        Part::Plan
    }
}

/// The next step for this party: one sentence and the part where it is done.
pub fn next_step(
    snap: &Snapshot,
    r: &PartyRecord,
    v: &Verdict,
    stage: Stage,
    gaps: &[String],
) -> NextStep {
    let id = r.party.id;
    let step = |text: String, part: Part, link: &str| NextStep {
        text,
        href: part.href(id),
        link: link.to_string(),
    };
    if stage == Stage::SetAside {
        return step(
            "This entry is set aside. Nothing about it is lost; put it back on your list if it belongs there again.".into(),
            Part::Timeline,
            "See what is recorded",
        );
    }
    if r.live_harms().next().is_none() {
        return step(
            "Describe what happened, the facts first.".into(),
            Part::Harms,
            "Describe a harm",
        );
    }
    let due = snap
        .due
        .iter()
        .filter(|d| d.party_id == id)
        .min_by_key(|d| (!d.overdue, d.on));
    if let Some(d) = due.filter(|d| d.overdue && d.commitment_id.is_some()) {
        return step(
            format!("Due since {}: {}.", day(d.on), d.what.trim_end_matches('.')),
            Part::Follow,
            "Follow through",
        );
    }
    match stage {
        Stage::Listed | Stage::Willing | Stage::Planned | Stage::Reopened => {}
        Stage::Deferred => {
            let when = r
                .active_deferral()
                .map(|d| format!(" Look at it again on {}.", day(d.review_on)))
                .unwrap_or_default();
            return step(
                format!("This amends is put off for now.{when}"),
                Part::Plan,
                "See the plan",
            );
        }
        Stage::Ready => {
            return step(
                "Everything the plan needs is in place. When it has happened, record how it went."
                    .into(),
                Part::Amends,
                "Record how it went",
            );
        }
        Stage::Attempted | Stage::Made => {
            if r.commitments.is_empty() {
                return step(
                    "Note what was asked of you and what you promised, if anything.".into(),
                    Part::Follow,
                    "Follow through",
                );
            }
        }
        Stage::FollowingThrough | Stage::LivingAmends => {}
        Stage::Complete => {
            return step(
                "Nothing is left to do here. Step 10 carries on: note a new harm when there is one."
                    .into(),
                Part::Timeline,
                "See the timeline",
            );
        }
        Stage::SetAside => {}
    }
    if r.commitments.iter().any(|c| c.is_open()) {
        let text = match due {
            Some(d) => format!("Next: {}, on {}.", d.what.trim_end_matches('.'), day(d.on)),
            None => "Keep up what you committed to, and record it as you go.".into(),
        };
        return step(text, Part::Follow, "Follow through");
    }
    if r.willingness_now().is_none() {
        return step(
            "Say how willing you are today to make this amends.".into(),
            Part::Willingness,
            "Say how willing you are",
        );
    }
    if !v.answered {
        return step(
            "Answer the safety questions before planning any contact.".into(),
            Part::Safety,
            "Answer the safety questions",
        );
    }
    if let Some(gap) = gaps.first() {
        let part = part_of_gap(gap);
        let link = format!("Go to {}", part.label().to_lowercase());
        return step(format!("{}.", capitalised(gap)), part, &link);
    }
    step(
        "Look over what is recorded.".into(),
        Part::Timeline,
        "See the timeline",
    )
}

/// One page of a living amends' check-ins, with links to the newer and older pages.
#[derive(Default)]
pub struct Paging {
    /// How many check-ins there are in all (on every page).
    pub total: usize,
    /// "Check-ins 11 to 20 of 57", empty when they fit on one page.
    pub range: String,
    pub newer: Option<String>,
    pub older: Option<String>,
}

/// Cuts each living amends' check-ins (newest first) down to the page asked for.
pub fn page_checkins(
    id: i64,
    commitments: &mut [super::build::CommitmentView],
    records: &[amends_core::model::Commitment],
    want: &Want,
) {
    for c in commitments.iter_mut() {
        let living = records
            .iter()
            .any(|k| k.id == c.id && matches!(k.kind, CommitmentKind::Living { .. }));
        let total = c.checkins.len();
        c.checkin_pages.total = total;
        if !living || total <= CHECKINS_PER_PAGE {
            continue;
        }
        let pages = total.div_ceil(CHECKINS_PER_PAGE);
        let page = match want.checkins {
            Some((cid, n)) if cid == c.id => n.clamp(1, pages),
            _ => 1,
        };
        let from = (page - 1) * CHECKINS_PER_PAGE;
        let to = (from + CHECKINS_PER_PAGE).min(total);
        let at = |n: usize| {
            format!(
                "{}?checkins={}&page={n}#checkins-{}",
                Part::Follow.href(id),
                c.id,
                c.id
            )
        };
        c.checkin_pages = Paging {
            total,
            range: format!("Check-ins {} to {} of {total}, newest first.", from + 1, to),
            newer: (page > 1).then(|| at(page - 1)),
            older: (page < pages).then(|| at(page + 1)),
        };
        c.checkins = c.checkins.drain(from..to).collect();
    }
}
