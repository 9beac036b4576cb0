//! Dates as people read and write them.
//!
//! One way to show a date to a person (`words`: "7 December 2026", or "7 de diciembre de 2026" in
//! Spanish), used by every reason the core gives and by every page and text the apps print; ISO
//! 8601 ("2026-12-07") is kept for machine formats only (JSON, CSV, calendars, addresses).
//!
//! One reader of typed dates (`read`) for the web app's date fields and the CLI's date flags. It
//! takes a date as people write it in English or Spanish ("7 December 2026", "7 Dec 2026",
//! "December 7, 2026", "7 de diciembre de 2026") or in ISO form ("2026-12-07"), plus today,
//! yesterday and tomorrow (hoy, ayer, mañana). It never guesses: a numeric date that reads two ways
//! (03/04/2026), a missing year, a two-digit year, a month it does not know or a weekday that does
//! not match is asked about, and a day the month does not have is refused with the month's length.

use std::fmt;

use jiff::civil::{Date, Weekday};

use crate::error::Invalid;
use crate::model::Language;

/// The example every hint and message gives of the way to write a date.
pub const EXAMPLE: &str = "7 December 2026";

/// What a date field says it wants, beside the field.
pub const HINT: &str = "day month year, e.g. 7 December 2026";

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const MONTHS_ES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

const WEEKDAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// A date as a person reads it, in English: "7 December 2026".
pub fn words(d: Date) -> String {
    words_in(d, Language::En)
}

/// A date as a person reads it in a language: "7 December 2026", "7 de diciembre de 2026".
pub fn words_in(d: Date, language: Language) -> String {
    let m = usize::from(d.month().unsigned_abs()) - 1;
    match language {
        Language::En => format!("{} {} {}", d.day(), MONTHS_EN[m], d.year()),
        Language::Es => format!("{} de {} de {}", d.day(), MONTHS_ES[m], d.year()),
    }
}

/// A month and year as a person reads it: "February 2027".
fn month_words(year: i16, month: i8) -> String {
    format!(
        "{} {year}",
        MONTHS_EN[usize::from(month.unsigned_abs()) - 1]
    )
}

fn weekday_words(w: Weekday) -> &'static str {
    WEEKDAYS_EN[usize::from(w.to_monday_zero_offset().unsigned_abs())]
}

/// Why a typed date was not read. Each says what to write instead; none quotes the text typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DateProblem {
    /// Nothing was typed.
    Empty,
    /// A day the month does not have: 31 February, 31 April, day 0.
    Impossible { year: i16, month: i8, day: i8 },
    /// A numeric date that is two different days depending on the order of day and month.
    TwoWays(Date, Date),
    /// A day and a month, but no year.
    NoYear,
    /// A month and a year, but no day.
    NoDay,
    /// A year written with two digits.
    ShortYear,
    /// A year that is not four digits from 1000 (a typing slip such as 20266 or 0026).
    FarYear,
    /// A month number that does not exist (13, 0).
    NoSuchMonth,
    /// A word where the month should be that is not a month in English or Spanish; with the month
    /// it looks like, if any.
    UnknownMonth(Option<&'static str>),
    /// A weekday that is not the date's own.
    WrongWeekday { date: Date, said: Weekday },
    /// Anything else: words the reader does not take, a second date, a time.
    Unreadable,
}

impl DateProblem {
    /// Whether the text named a day its month does not have (the field's precise "no").
    pub fn is_impossible(&self) -> bool {
        matches!(self, DateProblem::Impossible { .. })
    }
}

impl fmt::Display for DateProblem {
    /// The problem as the core words a field's message: lower case, no final full stop.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DateProblem::Empty => write!(f, "give the date, e.g. {EXAMPLE}"),
            DateProblem::Impossible { year, month, day } => {
                let days = days_in(*year, *month);
                let m = month_words(*year, *month);
                let name = MONTHS_EN[usize::from(month.unsigned_abs()) - 1];
                if *day < 1 {
                    write!(
                        f,
                        "a month's days start at 1, so there is no day {day} of {m}"
                    )
                } else {
                    write!(
                        f,
                        "{m} has {days} days, so there is no {day} {name} {year}; check the day"
                    )
                }
            }
            DateProblem::TwoWays(a, b) => write!(
                f,
                "these numbers can be read as {} or as {}; write the month in words, e.g. {}",
                words(*a),
                words(*b),
                words(*a)
            ),
            DateProblem::NoYear => write!(f, "give the year too, e.g. {EXAMPLE}"),
            DateProblem::NoDay => write!(f, "give the day too, e.g. {EXAMPLE}"),
            DateProblem::ShortYear => {
                write!(f, "write the year with all four digits, e.g. {EXAMPLE}")
            }
            DateProblem::FarYear => {
                write!(f, "check the year: it has four digits, e.g. {EXAMPLE}")
            }
            DateProblem::NoSuchMonth => write!(
                f,
                "a year has months 1 to 12; write the month in words, e.g. {EXAMPLE}"
            ),
            DateProblem::UnknownMonth(Some(like)) => write!(
                f,
                "the month is not one this app knows (did you mean {like}?); write it in English or Spanish, e.g. {EXAMPLE} or 7 de diciembre de 2026"
            ),
            DateProblem::UnknownMonth(None) => write!(
                f,
                "the month is not one this app knows; write it in English or Spanish, e.g. {EXAMPLE} or 7 de diciembre de 2026"
            ),
            DateProblem::WrongWeekday { date, said } => write!(
                f,
                "{} is a {}, not a {}; check the day, or leave the weekday out",
                words(*date),
                weekday_words(date.weekday()),
                weekday_words(*said)
            ),
            DateProblem::Unreadable => write!(
                f,
                "write a day, a month and a year, e.g. {EXAMPLE} (or 2026-12-07)"
            ),
        }
    }
}

impl std::error::Error for DateProblem {}

/// The years a typed date may have: four digits (0026 or 20266 is taken for a slip of the
/// keyboard; whether a year is too far back or ahead is for the gates to say).
pub const YEARS: std::ops::RangeInclusive<i16> = 1000..=9999;

/// Reads a typed date (see the module's notes for what it takes); `today` gives today, yesterday
/// and tomorrow their meaning.
pub fn read(text: &str, today: Date) -> Result<Date, DateProblem> {
    let t = text.trim().trim_end_matches('.').trim().to_lowercase();
    if t.is_empty() {
        return Err(DateProblem::Empty);
    }
    match plain(&t).as_str() {
        "today" | "hoy" => return Ok(today),
        "yesterday" | "ayer" => return today.yesterday().map_err(|_| DateProblem::FarYear),
        "tomorrow" | "manana" => return today.tomorrow().map_err(|_| DateProblem::FarYear),
        _ => {}
    }
    if let Some(r) = numeric(&t) {
        return r;
    }
    in_words(&t)
}

/// Reads a typed date for a field, with the field's name for the message.
pub fn read_field(field: &'static str, text: &str, today: Date) -> Result<Date, Invalid> {
    read(text, today).map_err(|p| Invalid::new(field, p.to_string()))
}

/// The problem as a sentence of its own, for a message beside a form's field.
pub fn sentence(p: &DateProblem) -> String {
    let s = p.to_string();
    let mut c = s.chars();
    match c.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), c.as_str()),
        None => s,
    }
}

fn days_in(year: i16, month: i8) -> i8 {
    Date::new(year, month, 1)
        .map(|d| d.days_in_month())
        .unwrap_or(31)
}

/// A day, month and year, checked: a year out of range, a month that does not exist, or a day
/// the month does not have.
fn checked(year: i16, month: i8, day: i8) -> Result<Date, DateProblem> {
    if !YEARS.contains(&year) {
        return Err(DateProblem::FarYear);
    }
    if !(1..=12).contains(&month) {
        return Err(DateProblem::NoSuchMonth);
    }
    Date::new(year, month, day).map_err(|_| DateProblem::Impossible { year, month, day })
}

/// Lower case without accents, for comparing words.
fn plain(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ñ' => 'n',
            c => c,
        })
        .collect()
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A number of up to four digits (longer ones are no day, month or year).
fn number(s: &str) -> Option<i16> {
    if digits(s) && s.len() <= 5 {
        s.parse().ok()
    } else {
        None
    }
}

/// Dates written with numbers only: ISO (2026-12-07, 2026/12/07, 20261207, with or without a time
/// after a `T`) and day and month in either order (25/12/2026, 12.25.2026). `None` when the text
/// has words.
fn numeric(t: &str) -> Option<Result<Date, DateProblem>> {
    // A time after an ISO date ("2026-12-07T10:00") says nothing about the day.
    let t = match t.split_once('t') {
        Some((date, time))
            if time
                .bytes()
                .all(|b| b.is_ascii_digit() || b":.+-z".contains(&b))
                && time.bytes().next().is_some_and(|b| b.is_ascii_digit()) =>
        {
            date
        }
        _ => t,
    };
    if digits(t) {
        if t.len() == 8 {
            let (y, m, d) = (number(&t[..4])?, number(&t[4..6])?, number(&t[6..])?);
            return Some(checked(y, m as i8, d as i8));
        }
        return Some(Err(DateProblem::Unreadable));
    }
    let sep = t.chars().find(|c| !c.is_ascii_digit())?;
    if !matches!(sep, '-' | '/' | '.') {
        return None;
    }
    let parts: Vec<&str> = t.split(sep).collect();
    if parts.iter().any(|p| !digits(p)) {
        // Words or mixed separators ("6-May-2026"): not a numeric date.
        return if parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) {
            Some(Err(DateProblem::Unreadable))
        } else {
            None
        };
    }
    if parts.len() == 2 {
        // "7/12": no year, and the order is not known either.
        return Some(Err(DateProblem::Unreadable));
    }
    if parts.len() != 3 || parts.iter().any(|p| p.len() > 4) {
        return Some(Err(DateProblem::Unreadable));
    }
    let n: Vec<i16> = parts.iter().filter_map(|p| number(p)).collect();
    if parts[0].len() == 4 {
        // Year first: only year, month, day is ever written.
        if parts[1].len() > 2 || parts[2].len() > 2 {
            return Some(Err(DateProblem::Unreadable));
        }
        return Some(checked(n[0], n[1] as i8, n[2] as i8));
    }
    if parts[0].len() > 2 || parts[1].len() > 2 {
        return Some(Err(DateProblem::Unreadable));
    }
    if parts[2].len() != 4 {
        return Some(Err(if parts[2].len() <= 2 {
            DateProblem::ShortYear
        } else {
            DateProblem::FarYear
        }));
    }
    let (a, b, year) = (n[0] as i8, n[1] as i8, n[2]);
    if !YEARS.contains(&year) {
        return Some(Err(DateProblem::FarYear));
    }
    // Day first (most of the world) and month first (the United States).
    let day_first = (1..=12).contains(&b).then(|| checked(year, b, a));
    let month_first = (1..=12).contains(&a).then(|| checked(year, a, b));
    Some(match (day_first, month_first) {
        (Some(Ok(x)), Some(Ok(y))) if x == y => Ok(x),
        (Some(Ok(x)), Some(Ok(y))) => Err(DateProblem::TwoWays(x, y)),
        (Some(Ok(x)), _) | (_, Some(Ok(x))) => Ok(x),
        (Some(Err(e)), _) | (_, Some(Err(e))) => Err(e),
        (None, None) => Err(DateProblem::NoSuchMonth),
    })
}

/// A month's name or common short form, in English or Spanish (without accents).
fn month_of(word: &str) -> Option<i8> {
    let m = match word {
        "january" | "jan" | "enero" | "ene" => 1,
        "february" | "feb" | "febrero" => 2,
        "march" | "mar" | "marzo" => 3,
        "april" | "apr" | "abril" | "abr" => 4,
        "may" | "mayo" => 5,
        "june" | "jun" | "junio" => 6,
        "july" | "jul" | "julio" => 7,
        "august" | "aug" | "agosto" | "ago" => 8,
        "september" | "sep" | "sept" | "septiembre" | "setiembre" | "set" => 9,
        "october" | "oct" | "octubre" => 10,
        "november" | "nov" | "noviembre" => 11,
        "december" | "dec" | "diciembre" | "dic" => 12,
        _ => return None,
    };
    Some(m)
}

fn weekday_of(word: &str) -> Option<Weekday> {
    let w = match word {
        "monday" | "mon" | "lunes" => Weekday::Monday,
        "tuesday" | "tue" | "tues" | "martes" => Weekday::Tuesday,
        "wednesday" | "wed" | "miercoles" => Weekday::Wednesday,
        "thursday" | "thu" | "thur" | "thurs" | "jueves" => Weekday::Thursday,
        "friday" | "fri" | "viernes" => Weekday::Friday,
        "saturday" | "sat" | "sabado" => Weekday::Saturday,
        "sunday" | "sun" | "domingo" => Weekday::Sunday,
        _ => return None,
    };
    Some(w)
}

/// Words that join the parts of a date and say nothing themselves.
fn filler(word: &str) -> bool {
    matches!(word, "the" | "of" | "de" | "del" | "el")
}

/// A day or year as written: digits with an ordinal ending or none ("7", "7th", "1º", "1ro").
/// The flag says whether it had an ordinal ending (so it can only be a day).
fn numeral(word: &str) -> Option<(&str, bool)> {
    if word == "primero" {
        return Some(("1", true));
    }
    let end = word
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(word.len());
    if end == 0 {
        return None;
    }
    let (n, suffix) = word.split_at(end);
    match suffix {
        "" => Some((n, false)),
        "st" | "nd" | "rd" | "th" | "º" | "°" | "ª" | "o" | "ro" | "er" | "ero" => {
            Some((n, true))
        }
        _ => None,
    }
}

/// The month a misspelt word is closest to, if it is one or two letters away.
fn looks_like_month(word: &str) -> Option<&'static str> {
    if word.chars().count() < 3 || !word.chars().all(char::is_alphabetic) {
        return None;
    }
    let mut best: Option<(usize, &'static str)> = None;
    for (i, name) in MONTHS_EN.iter().enumerate() {
        for candidate in [name.to_lowercase(), MONTHS_ES[i].to_string()] {
            let d = distance(word, &candidate);
            if d <= 2 && best.is_none_or(|(b, _)| d < b) {
                best = Some((d, MONTHS_EN[i]));
            }
        }
    }
    best.map(|(_, m)| m)
}

fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut prev = row[0];
        row[0] = i;
        for j in 1..=b.len() {
            let here = row[j];
            row[j] = (row[j] + 1)
                .min(row[j - 1] + 1)
                .min(prev + usize::from(a[i - 1] != b[j - 1]));
            prev = here;
        }
    }
    row[b.len()]
}

/// Dates with the month in words, in any order of day, month and year, with an optional weekday
/// and the joining words of either language ("the 7th of December", "7 de diciembre de 2026").
fn in_words(t: &str) -> Result<Date, DateProblem> {
    let mut month = None;
    let mut weekday = None;
    let mut numbers: Vec<(&str, bool)> = Vec::new();
    let mut unknown = false;
    let mut misspelt = None;
    let spaced = t.replace([',', '/'], " ");
    for raw in spaced.split(|c: char| c.is_whitespace() || c == '-') {
        let word = raw.trim_matches('.');
        if word.is_empty() {
            continue;
        }
        let key = plain(word);
        if filler(&key) {
            continue;
        }
        if let Some(m) = month_of(&key) {
            if month.replace(m).is_some() {
                return Err(DateProblem::Unreadable);
            }
        } else if let Some(w) = weekday_of(&key) {
            if weekday.replace(w).is_some() {
                return Err(DateProblem::Unreadable);
            }
        } else if let Some(n) = numeral(word) {
            numbers.push(n);
        } else {
            unknown = true;
            if misspelt.is_none() {
                misspelt = looks_like_month(&key);
            }
        }
    }
    let Some(month) = month else {
        if unknown && numbers.len() == 2 {
            // A day, a year and a word that should be the month.
            return Err(DateProblem::UnknownMonth(misspelt));
        }
        return Err(DateProblem::Unreadable);
    };
    if unknown {
        return Err(DateProblem::Unreadable);
    }
    let (day, year) = match numbers.as_slice() {
        [] => return Err(DateProblem::Unreadable),
        [(n, ordinal)] => {
            return Err(if n.len() >= 3 && !ordinal {
                DateProblem::NoDay
            } else {
                DateProblem::NoYear
            });
        }
        [a, b] => {
            let (day, year) = match (a.0.len() <= 2, b.0.len() <= 2) {
                (true, false) => (a, b),
                (false, true) => (b, a),
                (true, true) => return Err(DateProblem::ShortYear),
                (false, false) => return Err(DateProblem::Unreadable),
            };
            if year.1 {
                return Err(DateProblem::Unreadable);
            }
            if year.0.len() != 4 {
                return Err(DateProblem::FarYear);
            }
            (day.0, year.0)
        }
        _ => return Err(DateProblem::Unreadable),
    };
    let (Some(day), Some(year)) = (number(day), number(year)) else {
        return Err(DateProblem::Unreadable);
    };
    let date = checked(year, month, day as i8)?;
    match weekday {
        Some(said) if said != date.weekday() => Err(DateProblem::WrongWeekday { date, said }),
        _ => Ok(date),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 5, 3);

    #[test]
    fn dates_are_shown_the_same_way_in_each_language() {
        assert_eq!(words(date(2026, 12, 7)), "7 December 2026");
        assert_eq!(words(date(2027, 1, 1)), "1 January 2027");
        assert_eq!(
            words_in(date(2026, 12, 7), Language::Es),
            "7 de diciembre de 2026"
        );
        assert_eq!(words_in(date(2026, 5, 3), Language::En), "3 May 2026");
    }

    #[test]
    fn every_shown_date_reads_back_as_itself() {
        let mut d = date(2024, 1, 1);
        while d < date(2029, 1, 1) {
            for l in [Language::En, Language::Es] {
                assert_eq!(read(&words_in(d, l), TODAY), Ok(d), "{d} in {l:?}");
            }
            assert_eq!(read(&d.to_string(), TODAY), Ok(d));
            d = d.tomorrow().unwrap();
        }
    }

    #[test]
    fn an_impossible_day_is_refused_with_the_length_of_its_month() {
        let e = read("31 February 2027", TODAY).unwrap_err();
        assert!(e.is_impossible());
        assert_eq!(
            e.to_string(),
            "February 2027 has 28 days, so there is no 31 February 2027; check the day"
        );
        let e = read("30 de febrero de 2028", TODAY).unwrap_err();
        assert!(e.to_string().starts_with("February 2028 has 29 days"));
        let e = read("2026-04-31", TODAY).unwrap_err();
        assert!(e.to_string().starts_with("April 2026 has 30 days"), "{e}");
        assert_eq!(
            sentence(&read("0 May 2026", TODAY).unwrap_err()),
            "A month's days start at 1, so there is no day 0 of May 2026."
        );
    }

    #[test]
    fn a_numeric_date_that_reads_two_ways_is_asked_about() {
        let e = read("03/04/2026", TODAY).unwrap_err();
        assert_eq!(e, DateProblem::TwoWays(date(2026, 4, 3), date(2026, 3, 4)));
        assert_eq!(
            e.to_string(),
            "these numbers can be read as 3 April 2026 or as 4 March 2026; write the month in words, e.g. 3 April 2026"
        );
        assert_eq!(read("25/12/2026", TODAY), Ok(date(2026, 12, 25)));
        assert_eq!(read("12/25/2026", TODAY), Ok(date(2026, 12, 25)));
        assert_eq!(read("05/05/2026", TODAY), Ok(date(2026, 5, 5)));
    }

    #[test]
    fn what_is_missing_or_mistyped_is_named() {
        assert_eq!(read("  ", TODAY), Err(DateProblem::Empty));
        assert_eq!(read("7 December", TODAY), Err(DateProblem::NoYear));
        assert_eq!(read("December 2026", TODAY), Err(DateProblem::NoDay));
        assert_eq!(read("7 December 26", TODAY), Err(DateProblem::ShortYear));
        assert_eq!(read("7 December 20266", TODAY), Err(DateProblem::FarYear));
        assert_eq!(read("2026-13-01", TODAY), Err(DateProblem::NoSuchMonth));
        assert_eq!(
            read("7 Decembr 2026", TODAY),
            Err(DateProblem::UnknownMonth(Some("December")))
        );
        assert_eq!(
            read("Tuesday 7 December 2026", TODAY)
                .unwrap_err()
                .to_string(),
            "7 December 2026 is a Monday, not a Tuesday; check the day, or leave the weekday out"
        );
        assert_eq!(read("soon", TODAY), Err(DateProblem::Unreadable));
    }

    #[test]
    fn relative_words_count_from_today() {
        assert_eq!(read("Yesterday", TODAY), Ok(date(2026, 5, 2)));
        assert_eq!(read("mañana", TODAY), Ok(date(2026, 5, 4)));
        assert_eq!(read("hoy", TODAY), Ok(TODAY));
    }

    #[test]
    fn a_field_message_names_the_field() {
        let e = read_field("review date", "31 April 2026", TODAY).unwrap_err();
        assert_eq!(e.field, "review date");
        assert!(e.message.starts_with("April 2026 has 30 days"));
    }
}
