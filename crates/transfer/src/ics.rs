//! What is due, as an RFC 5545 calendar: one all-day event per thing due (a planned amends on
//! its date, a deferral's review, a payment, a living-amends check-in, a promise, and the day to
//! ask oneself again how willing one is), from the core's due list.
//!
//! - Recurring commitments are written as their next occurrences, each an event of its own,
//!   for the next [`HORIZON_DAYS`] days (always at least the next one): payments on the
//!   schedule the app keeps (counted from the first date, so a payment due on the 31st falls on
//!   the last day of shorter months, as the app counts it) for as many instalments as the
//!   balance still needs; check-ins on their cadence from the next one due. An RRULE would
//!   follow the calendar's own rules instead (a monthly rule on the 31st skips short months),
//!   and could not end when the balance is paid or stop when a check-in moves the next date.
//!   A subscription is read again by the calendar app, so the window moves with the days.
//! - Something overdue is shown today, its title saying since when, so that it is seen.
//! - UIDs are stable: the kind of thing and the ids of the entry or commitment (and, for a
//!   series, which payment or which date), then `@` and the vault's own calendar key (a random
//!   value the vault keeps, which says nothing about it), so a calendar that reads the file
//!   again updates or drops an event instead of adding a copy, and two vaults (an original and
//!   a restored copy, say) never take each other's events. DTSTAMP is the moment the file was
//!   made.
//! - Titles are discreet unless `names` is chosen: "Amends: a planned conversation",
//!   "Amends: a payment". The description then says only to open Amends. With names, the
//!   title ends with the party's name and the description says what is due, in the app's words.

use amends_core::Now;
use amends_core::due::{DueItem, DueKind, due};
use amends_core::model::{CommitmentKind, Method, PartyRecord};
use chrono::{NaiveDate, TimeZone, Utc};
use icalendar::{Calendar, Component, EventLike, Property};
use jiff::civil::Date;

use crate::sheet::day;

/// How far ahead the occurrences of recurring commitments are written.
pub const HORIZON_DAYS: i64 = 183;
/// The most occurrences written for one commitment (a daily check-in over the horizon).
const MAX_OCCURRENCES: usize = 200;

/// The description of every event when names are not chosen.
pub const DISCREET_DESCRIPTION: &str = "Open Amends to see what this is about.";

/// One event of the calendar, before it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueEvent {
    pub uid: String,
    pub on: Date,
    pub title: String,
    pub description: String,
}

fn discreet_title(kind: DueKind, method: Option<Method>) -> &'static str {
    match kind {
        DueKind::Plan => match method {
            Some(Method::Letter) => "Amends: a letter to send",
            Some(Method::Restitution) => "Amends: a planned repayment",
            Some(Method::Living) => "Amends: living amends",
            Some(Method::Indirect) => "Amends: an indirect amends",
            Some(Method::UnsentLetter) => "Amends: a letter to write",
            _ => "Amends: a planned conversation",
        },
        DueKind::Review => "Amends: a deferred amends to look at again",
        DueKind::Payment => "Amends: a payment",
        DueKind::CheckIn => "Amends: a check-in",
        DueKind::Promise => "Amends: a promise to keep",
        DueKind::Willingness => "Amends: ask yourself how willing you are",
    }
}

/// The dates of a due item: one, or the next occurrences of a recurring commitment, each with
/// the key that tells it apart in its UID.
fn occurrences(item: &DueItem, records: &[PartyRecord], until: Date) -> Vec<(Date, String)> {
    let commitment = item.commitment_id.and_then(|id| {
        records
            .iter()
            .flat_map(|r| &r.commitments)
            .find(|c| c.id == id)
    });
    let mut out = Vec::new();
    match (item.kind, commitment.map(|c| (&c.kind, c.balance()))) {
        (
            DueKind::Payment,
            Some((
                CommitmentKind::Restitution {
                    instalment: Some(instalment),
                    every: Some(every),
                    starting,
                    payments,
                    ..
                },
                Some(balance),
            )),
        ) if instalment.minor > 0 => {
            let whole = balance.minor / instalment.minor;
            let part = i64::from(balance.minor % instalment.minor != 0);
            let left = usize::try_from(whole + part).unwrap_or(1);
            for k in 0..left.clamp(1, MAX_OCCURRENCES) {
                let n = payments.len() + k;
                let on = every.step(*starting, n);
                if k > 0 && on > until {
                    break;
                }
                out.push((on, (n + 1).to_string()));
            }
        }
        (DueKind::Payment, Some((CommitmentKind::Restitution { payments, .. }, _))) => {
            out.push((item.on, (payments.len() + 1).to_string()));
        }
        (DueKind::CheckIn, Some((CommitmentKind::Living { every, .. }, _))) => {
            let mut on = item.on;
            while out.len() < MAX_OCCURRENCES && (out.is_empty() || on <= until) {
                out.push((on, on.to_string()));
                let next = every.next_after(on);
                if next <= on {
                    break;
                }
                on = next;
            }
        }
        _ => out.push((item.on, String::new())),
    }
    out
}

/// The events of the calendar, soonest first. `vault` is the vault's calendar key, the last
/// part of every UID.
pub fn events(records: &[PartyRecord], now: &Now, names: bool, vault: &str) -> Vec<DueEvent> {
    let until = now
        .today
        .checked_add(jiff::Span::new().days(HORIZON_DAYS))
        .unwrap_or(now.today);
    let mut out = Vec::new();
    let items = due(records, now);
    for (i, item) in items.iter().enumerate() {
        // Each period of a living amends still to answer is its own event; only the last one
        // listed repeats on its cadence.
        let later_period = item.kind == DueKind::CheckIn
            && items[i + 1..]
                .iter()
                .any(|o| o.kind == DueKind::CheckIn && o.commitment_id == item.commitment_id);
        let living = item.commitment_id.and_then(|id| {
            records
                .iter()
                .flat_map(|r| &r.commitments)
                .find(|c| c.id == id)
                .and_then(|c| match &c.kind {
                    CommitmentKind::Living {
                        every, behaviour, ..
                    } => Some((*every, behaviour.as_str())),
                    _ => None,
                })
        });
        let record = records.iter().find(|r| r.party.id == item.party_id);
        let method = record.and_then(|r| r.plan.as_ref()).map(|p| p.method);
        let base = discreet_title(item.kind, method);
        let dates = if later_period {
            vec![(item.on, item.on.to_string())]
        } else {
            occurrences(item, records, until)
        };
        for (on, key) in dates {
            let id = match item.kind {
                DueKind::Payment | DueKind::CheckIn | DueKind::Promise => {
                    item.commitment_id.unwrap_or(item.party_id)
                }
                _ => item.party_id,
            };
            let mut uid = format!("amends-{}-{id}", item.kind.code());
            if !key.is_empty() {
                uid.push('-');
                uid.push_str(&key);
            }
            if !vault.is_empty() {
                uid.push('@');
                uid.push_str(vault);
            }
            let mut title = base.to_string();
            if names {
                title.push_str(&format!(" ({})", item.party));
            }
            let shown_on = if on < now.today {
                title.push_str(&format!(", overdue since {}", day(on)));
                now.today
            } else {
                on
            };
            let description = if names {
                let mut d = match (item.kind, living) {
                    // Said of each occurrence's own period.
                    (DueKind::CheckIn, Some((every, behaviour))) => format!(
                        "check-in for {} on living amends: {behaviour}",
                        amends_core::due::period_words(every, on, amends_core::model::Language::En)
                    ),
                    _ => item.what.clone(),
                };
                if let Some(first) = d.get(..1) {
                    let upper = first.to_uppercase();
                    d.replace_range(..1, &upper);
                }
                d.push('.');
                d
            } else {
                DISCREET_DESCRIPTION.to_string()
            };
            out.push(DueEvent {
                uid,
                on: shown_on,
                title,
                description,
            });
        }
    }
    out.sort_by(|a, b| (a.on, &a.uid).cmp(&(b.on, &b.uid)));
    out
}

fn naive(d: Date) -> NaiveDate {
    NaiveDate::from_ymd_opt(
        i32::from(d.year()),
        u32::from(d.month() as u8),
        u32::from(d.day() as u8),
    )
    .unwrap_or_default()
}

/// The calendar as an `.ics` file's text (CRLF lines, folded at 75 octets). `vault` is the
/// vault's calendar key, the last part of every UID.
pub fn calendar(records: &[PartyRecord], now: &Now, names: bool, vault: &str) -> String {
    let stamp = Utc
        .timestamp_opt(now.at.as_second(), 0)
        .single()
        .unwrap_or_default();
    let mut cal = Calendar::empty();
    cal.append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", "-//Amends//Amends calendar//EN"))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"))
        .append_property(Property::new("X-WR-CALNAME", "Amends"))
        .append_property(Property::new("NAME", "Amends"))
        .append_property(
            Property::new("REFRESH-INTERVAL", "PT6H")
                .add_parameter("VALUE", "DURATION")
                .done(),
        )
        .append_property(Property::new("X-PUBLISHED-TTL", "PT6H"));
    for e in events(records, now, names, vault) {
        let next = e.on.tomorrow().unwrap_or(e.on);
        let event = icalendar::Event::new()
            .uid(&e.uid)
            .timestamp(stamp)
            .starts(naive(e.on))
            .ends(naive(next))
            .summary(&e.title)
            .description(&e.description)
            .add_property("TRANSP", "TRANSPARENT")
            .add_property("CLASS", "PRIVATE")
            .done();
        cal.push(event);
    }
    cal.to_string()
}

/// The file name of a calendar: no one's name in it.
pub const FILE_NAME: &str = "amends.ics";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::testdata::*;
    use icalendar::{CalendarComponent, DatePerhapsTime};

    const KEY: &str = "0123456789abcdef";

    fn uid(local: &str) -> String {
        format!("{local}@{KEY}")
    }

    fn parsed(text: &str) -> Vec<icalendar::Event> {
        let cal: Calendar = text.parse().expect("a calendar that parses");
        cal.components
            .into_iter()
            .filter_map(|c| match c {
                CalendarComponent::Event(e) => Some(e),
                _ => None,
            })
            .collect()
    }

    fn start(e: &icalendar::Event) -> NaiveDate {
        match e.get_start() {
            Some(DatePerhapsTime::Date(d)) => d,
            other => panic!("not an all-day date: {other:?}"),
        }
    }

    #[test]
    fn one_event_per_thing_due_with_discreet_titles() {
        let text = calendar(&records(), &now(), false, KEY);
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
        assert!(text.contains("VERSION:2.0\r\n"));
        assert!(text.contains("DTSTAMP:20260503T100000Z\r\n"));
        let events = parsed(&text);
        let titles: Vec<&str> = events.iter().filter_map(|e| e.get_summary()).collect();
        // Mary: the plan on 20 May, monthly payments (3 instalments for 120.50 at 50), weekly
        // check-ins from 10 May for the horizon; Mom: the overdue review and the willingness
        // question; the formula: its promise. Nothing for the entry set aside.
        let count = |t: &str| titles.iter().filter(|x| x.starts_with(t)).count();
        assert_eq!(count("Amends: a planned conversation"), 1);
        assert_eq!(count("Amends: a payment"), 3);
        assert_eq!(count("Amends: a check-in"), 26, "{titles:?}");
        assert_eq!(count("Amends: a deferred amends to look at again"), 1);
        assert_eq!(count("Amends: ask yourself how willing you are"), 1);
        assert_eq!(count("Amends: a promise to keep"), 1);
        assert_eq!(events.len(), 33);
        for e in &events {
            assert_eq!(e.get_description(), Some(DISCREET_DESCRIPTION));
            assert!(e.get_timestamp().is_some());
            let s = start(e);
            match e.get_end() {
                Some(DatePerhapsTime::Date(end)) => assert_eq!(end, s.succ_opt().unwrap()),
                other => panic!("{other:?}"),
            }
        }
        for word in ["Mary", "Mom", "HYPERLINK", "Sunday", "Acme", "USD", "50.00"] {
            assert!(!text.contains(word), "{word} in the discreet calendar");
        }
        // Dates: the plan on its date; payments on the 31st, then the last day of June, then 31 July.
        let on = |uid: &str| start(events.iter().find(|e| e.get_uid() == Some(uid)).unwrap());
        assert_eq!(
            on(&uid("amends-plan-1")),
            naive(jiff::civil::date(2026, 5, 20))
        );
        assert_eq!(
            on(&uid("amends-payment-1-1")),
            naive(jiff::civil::date(2026, 5, 31))
        );
        assert_eq!(
            on(&uid("amends-payment-1-2")),
            naive(jiff::civil::date(2026, 6, 30))
        );
        assert_eq!(
            on(&uid("amends-payment-1-3")),
            naive(jiff::civil::date(2026, 7, 31))
        );
        assert_eq!(
            on(&uid("amends-check-in-2-2026-05-17")),
            naive(jiff::civil::date(2026, 5, 17))
        );
        // The review was due on 30 April: it is shown today, saying so.
        let review = events
            .iter()
            .find(|e| e.get_uid() == Some(uid("amends-review-2").as_str()))
            .unwrap();
        assert_eq!(start(review), naive(jiff::civil::date(2026, 5, 3)));
        assert_eq!(
            review.get_summary(),
            Some("Amends: a deferred amends to look at again, overdue since 30 April 2026")
        );
    }

    #[test]
    fn names_only_when_chosen_and_uids_stay_the_same() {
        let discreet = parsed(&calendar(&records(), &now(), false, KEY));
        let named = parsed(&calendar(&records(), &now(), true, KEY));
        let uids = |es: &[icalendar::Event]| {
            es.iter()
                .map(|e| e.get_uid().unwrap().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(uids(&discreet), uids(&named));
        let later = Now::new(
            now().at + jiff::SignedDuration::from_hours(1),
            jiff::tz::TimeZone::UTC,
        );
        assert_eq!(
            uids(&parsed(&calendar(&records(), &later, false, KEY))),
            uids(&discreet)
        );
        let plan = named
            .iter()
            .find(|e| e.get_uid() == Some(uid("amends-plan-1").as_str()))
            .unwrap();
        assert_eq!(
            plan.get_summary(),
            Some("Amends: a planned conversation (Mary Jones)")
        );
        assert_eq!(
            plan.get_description(),
            Some("Planned amends: face to face.")
        );
        let living = named
            .iter()
            .find(|e| e.get_uid() == Some(uid("amends-check-in-2-2026-05-10").as_str()))
            .unwrap_or_else(|| panic!("{:?}", uids(&named)));
        assert_eq!(
            living.get_description(),
            Some(
                "Check-in for the week from 10 May 2026 on living amends: call Mary every Sunday."
            )
        );
        let promise = named
            .iter()
            .find(|e| e.get_uid() == Some(uid("amends-promise-3").as_str()))
            .unwrap();
        assert!(
            promise
                .get_summary()
                .unwrap()
                .ends_with(&format!("({FORMULA})"))
        );
    }

    #[test]
    fn two_vaults_never_share_a_uid() {
        let uids = |key: &str| {
            parsed(&calendar(&records(), &now(), false, key))
                .iter()
                .map(|e| e.get_uid().unwrap().to_string())
                .collect::<Vec<_>>()
        };
        let (one, other) = (uids(KEY), uids("fedcba9876543210"));
        assert_eq!(one.len(), other.len());
        assert!(
            one.iter().all(|u| u.ends_with("@0123456789abcdef")),
            "{one:?}"
        );
        assert!(one.iter().all(|u| !other.contains(u)), "{one:?} {other:?}");
    }

    #[test]
    fn an_empty_workbook_is_an_empty_calendar() {
        let text = calendar(&[], &now(), false, KEY);
        assert!(parsed(&text).is_empty());
        assert!(text.ends_with("END:VCALENDAR\r\n"));
    }
}
