//! What is coming up or overdue across the whole list.

use jiff::civil::Date;

use crate::clock::Now;
use crate::model::{Cadence, Commitment, CommitmentKind, Id, Language, PartyRecord, Willingness};
use crate::money::Money;

/// Days after which a willingness other than "now" is asked about again.
pub const WILLINGNESS_REVISIT_DAYS: i64 = 30;

/// What kind of thing is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DueKind {
    Plan,
    Review,
    Payment,
    CheckIn,
    Promise,
    Willingness,
}

impl DueKind {
    pub fn code(self) -> &'static str {
        match self {
            DueKind::Plan => "plan",
            DueKind::Review => "review",
            DueKind::Payment => "payment",
            DueKind::CheckIn => "check-in",
            DueKind::Promise => "promise",
            DueKind::Willingness => "willingness",
        }
    }
}

/// One thing due on a date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueItem {
    pub party_id: Id,
    pub party: String,
    pub kind: DueKind,
    pub on: Date,
    pub overdue: bool,
    pub what: String,
    pub commitment_id: Option<Id>,
    pub amount: Option<Money>,
    /// For a check-in: the period it answers, by the date the period began (the same as `on`).
    /// A check-in recorded on that date answers this period and no other.
    pub period: Option<Date>,
}

/// The most check-ins still to answer listed for one living amends: the latest ones. A
/// living amends is about now; older periods left unanswered stay so, without crowding the list.
pub const OPEN_CHECKINS_LISTED: usize = 12;

/// The periods of a living amends that began on or before `today` and have no check-in yet,
/// oldest first (at most [`OPEN_CHECKINS_LISTED`], the latest). A period runs from its date
/// (the start, then one cadence after another, counted from the start) to the next; a check-in
/// answers the period its date falls in (one before the start, the first). Each missed period
/// is its own answer: a check-in today never answers last week's.
pub fn open_checkins(c: &Commitment, today: Date) -> Vec<Date> {
    let CommitmentKind::Living {
        every,
        starting,
        checkins,
        ..
    } = &c.kind
    else {
        return Vec::new();
    };
    let mut begun = Vec::new();
    let mut n = 0;
    loop {
        let d = every.step(*starting, n);
        if d > today || (n > 0 && begun.last() == Some(&d)) || n > 10_000 {
            break;
        }
        begun.push(d);
        n += 1;
    }
    let from = begun.len().saturating_sub(OPEN_CHECKINS_LISTED);
    let mut open = Vec::new();
    for (i, d) in begun.iter().enumerate().skip(from) {
        let next = every.step(*starting, i + 1);
        let answered = checkins
            .iter()
            .any(|k| (i == 0 || k.on >= *d) && k.on < next);
        if !answered {
            open.push(*d);
        }
    }
    open
}

/// The period after the latest one begun (or the first, if none has begun): when the next
/// check-in falls due once every period so far is answered.
pub fn next_checkin(c: &Commitment, today: Date) -> Option<Date> {
    let CommitmentKind::Living {
        every, starting, ..
    } = &c.kind
    else {
        return None;
    };
    let CommitmentKind::Living { checkins, .. } = &c.kind else {
        return None;
    };
    // A period already answered (a check-in dated ahead) is not due again.
    let mut n = 0;
    loop {
        let d = every.step(*starting, n);
        let next = every.step(*starting, n + 1);
        let answered = checkins
            .iter()
            .any(|k| (n == 0 || k.on >= d) && k.on < next);
        if (d > today && !answered) || n > 10_000 || next == d {
            return Some(d);
        }
        n += 1;
    }
}

/// The period of a living amends a day falls in, by the date it began (a day before the
/// start: the first period).
pub fn period_of(c: &Commitment, on: Date) -> Option<Date> {
    let CommitmentKind::Living {
        every, starting, ..
    } = &c.kind
    else {
        return None;
    };
    let mut last = *starting;
    for n in 1..=10_000 {
        let d = every.step(*starting, n);
        if d > on || d == last {
            break;
        }
        last = d;
    }
    Some(last)
}

/// The latest period of a living amends begun on or before `today`, if one has.
pub fn latest_begun(c: &Commitment, today: Date) -> Option<Date> {
    let next = next_checkin(c, today)?;
    let CommitmentKind::Living {
        every, starting, ..
    } = &c.kind
    else {
        return None;
    };
    (next > *starting).then(|| {
        let mut n = 0;
        let mut last = *starting;
        loop {
            let d = every.step(*starting, n);
            if d > today || n > 10_000 {
                return last;
            }
            last = d;
            n += 1;
        }
    })
}

/// The period a check-in answers, in words: "the week from 23 November 2026".
pub fn period_words(every: Cadence, on: Date, language: Language) -> String {
    let day = crate::dates::words_in(on, language);
    match (language, every) {
        (Language::En, Cadence::Daily) => day,
        (Language::En, Cadence::Weekly) => format!("the week from {day}"),
        (Language::En, Cadence::Fortnightly) => format!("the two weeks from {day}"),
        (Language::En, Cadence::Monthly) => format!("the month from {day}"),
        (Language::Es, Cadence::Daily) => format!("el {day}"),
        (Language::Es, Cadence::Weekly) => format!("la semana desde el {day}"),
        (Language::Es, Cadence::Fortnightly) => format!("las dos semanas desde el {day}"),
        (Language::Es, Cadence::Monthly) => format!("el mes desde el {day}"),
    }
}

/// Everything with a date that still needs doing, soonest first, amounts in English.
pub fn due(records: &[PartyRecord], now: &Now) -> Vec<DueItem> {
    due_in(records, now, Language::En)
}

/// Everything with a date that still needs doing, soonest first, amounts shown in the
/// language's convention (`Money::show`). Each living amends' missed periods are each their
/// own item ([`open_checkins`]).
pub fn due_in(records: &[PartyRecord], now: &Now, language: Language) -> Vec<DueItem> {
    let mut items = Vec::new();
    for r in records {
        if r.current_aside().is_some() {
            continue;
        }
        let mut push = |kind, on: Date, what: String, commitment_id, amount| {
            items.push(DueItem {
                period: (kind == DueKind::CheckIn).then_some(on),
                party_id: r.party.id,
                party: r.party.name.clone(),
                kind,
                on,
                overdue: on < now.today,
                what,
                commitment_id,
                amount,
            })
        };
        let made_after_plan = |updated| r.attempts.iter().any(|a| a.recorded >= updated);
        // A plan the answers now forbid is blocked, not something to do on its date.
        if let Some(plan) = &r.plan
            && let Some(on) = plan.on
            && !made_after_plan(plan.updated)
            && crate::stage::blocked_plan(r).is_none()
        {
            push(
                DueKind::Plan,
                on,
                format!("planned amends: {}", plan.way().label()),
                None,
                None,
            );
        }
        if let Some(d) = r.active_deferral() {
            push(
                DueKind::Review,
                d.review_on,
                "look again at the deferred amends".into(),
                None,
                None,
            );
        }
        if r.last_made().is_none()
            && let Some(w) = r.willingness_now()
            && w.level != Willingness::Now
        {
            let since = now.date_of(w.at);
            if let Ok(on) = since.checked_add(jiff::Span::new().days(WILLINGNESS_REVISIT_DAYS)) {
                push(
                    DueKind::Willingness,
                    on,
                    format!(
                        "ask yourself again how willing you are (\"{}\" since {})",
                        w.level.code(),
                        crate::dates::words(since)
                    ),
                    None,
                    None,
                );
            }
        }
        // Under a court order or a wish for no contact, what reaches them is not to do as it stands.
        let contact = crate::rules::verdict(r).contact;
        let closed_to_them = matches!(
            contact,
            crate::rules::Contact::NoContact | crate::rules::Contact::IndirectOnly
        );
        for c in r.commitments.iter().filter(|c| c.is_open()) {
            if closed_to_them && c.reach.reaches_them() {
                if let CommitmentKind::Restitution { .. } = c.kind {
                    let what = format!(
                        "payment on restitution #{} that was to go to them: pay it only in a way that does not reach them ({})",
                        c.id,
                        if contact == crate::rules::Contact::NoContact {
                            "R4"
                        } else {
                            "R5"
                        }
                    );
                    // No quick "paid" from the list: the way must be chosen on the party's page
                    // (or with `amends pay ID AMOUNT --via ...`).
                    push(DueKind::Payment, now.today, what, None, None);
                }
                continue;
            }
            match &c.kind {
                CommitmentKind::Restitution {
                    instalment,
                    every,
                    starting,
                    payments,
                    ..
                } => {
                    let balance = c.balance();
                    let next_amount = match (instalment, balance) {
                        (Some(i), Some(b)) => Some(Money::new(i.minor.min(b.minor), b.currency)),
                        (_, b) => b,
                    };
                    let on = match every {
                        Some(e) => Some(e.step(*starting, payments.len())),
                        None => match payments.iter().map(|p| p.on).max() {
                            None => Some(*starting),
                            // No schedule: ask again a month after the last payment.
                            Some(last) => Some(crate::model::Cadence::Monthly.next_after(last)),
                        },
                    };
                    if let Some(on) = on {
                        let what = match next_amount {
                            Some(a) => format!(
                                "payment of {} (balance {})",
                                a.show(language),
                                balance.map(|b| b.show(language)).unwrap_or_default()
                            ),
                            None => "payment".into(),
                        };
                        push(DueKind::Payment, on, what, Some(c.id), next_amount);
                    }
                }
                CommitmentKind::Living {
                    behaviour,
                    every,
                    starting,
                    ..
                } => {
                    let open = open_checkins(c, now.today);
                    // The latest period begun, still open: nothing further is due yet.
                    let current = latest_begun(c, now.today).is_some_and(|d| open.contains(&d));
                    for d in &open {
                        push(
                            DueKind::CheckIn,
                            *d,
                            format!(
                                "check-in for {} on living amends: {behaviour}",
                                period_words(*every, *d, Language::En)
                            ),
                            Some(c.id),
                            None,
                        );
                    }
                    if !current && let Some(next) = next_checkin(c, now.today) {
                        let first = next == *starting;
                        push(
                            DueKind::CheckIn,
                            next,
                            if first {
                                format!("first check-in on living amends: {behaviour}")
                            } else {
                                format!(
                                    "check-in for {} on living amends: {behaviour}",
                                    period_words(*every, next, Language::En)
                                )
                            },
                            Some(c.id),
                            None,
                        );
                    }
                }
                CommitmentKind::Promise { text, due } => {
                    push(
                        DueKind::Promise,
                        *due,
                        format!("promise: {text}"),
                        Some(c.id),
                        None,
                    );
                }
            }
        }
    }
    items.sort_by_key(|a| (a.on, a.kind, a.party_id));
    items
}
