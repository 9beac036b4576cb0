//! What is coming up or overdue across the whole list.

use jiff::civil::Date;

use crate::clock::Now;
use crate::model::{CommitmentKind, Id, PartyRecord, Willingness};
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
}

/// The date `n` steps of a cadence after `start`, counted from `start` so that monthly
/// dates do not drift (31 Jan, 31 Mar, not 31 Jan, 28 Feb, 28 Mar).
fn advance(start: Date, every: crate::model::Cadence, n: usize) -> Date {
    use crate::model::Cadence;
    let n = i64::try_from(n).unwrap_or(i64::MAX).min(10_000);
    let span = match every {
        Cadence::Daily => jiff::Span::new().days(n),
        Cadence::Weekly => jiff::Span::new().weeks(n),
        Cadence::Fortnightly => jiff::Span::new().weeks(2 * n),
        Cadence::Monthly => jiff::Span::new().months(n),
    };
    start.checked_add(span).unwrap_or(start)
}

/// Everything with a date that still needs doing, soonest first.
pub fn due(records: &[PartyRecord], now: &Now) -> Vec<DueItem> {
    let mut items = Vec::new();
    for r in records {
        if r.current_aside().is_some() {
            continue;
        }
        let mut push = |kind, on: Date, what: String, commitment_id, amount| {
            items.push(DueItem {
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
                        Some(e) => Some(advance(*starting, *e, payments.len())),
                        None => match payments.iter().map(|p| p.on).max() {
                            None => Some(*starting),
                            // No schedule: ask again a month after the last payment.
                            Some(last) => Some(crate::model::Cadence::Monthly.next_after(last)),
                        },
                    };
                    if let Some(on) = on {
                        let what = match next_amount {
                            Some(a) => format!(
                                "payment of {a} (balance {})",
                                balance.map(|b| b.to_string()).unwrap_or_default()
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
                    checkins,
                } => {
                    let last = checkins.iter().map(|k| k.on).max();
                    let on = match last {
                        Some(d) => every.next_after(d),
                        None => *starting,
                    };
                    push(
                        DueKind::CheckIn,
                        on,
                        format!("check-in on living amends: {behaviour}"),
                        Some(c.id),
                        None,
                    );
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
