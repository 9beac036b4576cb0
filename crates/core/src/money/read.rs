//! Reading an amount as a person types it. The decimal mark may be a point or a comma
//! whatever the language (`12,50` and `12.50` are both twelve and a half); thousands may be
//! grouped with the other mark, a space or an apostrophe. The one case two conventions read
//! differently, a single mark followed by exactly three figures (`1,250`, `1.250`) where the
//! currency has decimals and both readings are amounts it can hold, is asked about, never
//! guessed. Judged on `tests/money_frozen/` (written before this reader) and tuned on
//! `tests/money_dev/`.

use super::{Currency, Money, marks};
use crate::error::Invalid;
use crate::model::Language;

const FIELD: &str = "amount";

/// Longer than any amount a person types, in characters.
const LONGEST: usize = 40;

/// Why a typed amount was not read: it is not an amount, or it could be read two ways.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unread {
    Invalid(Invalid),
    Ambiguous(Ambiguous),
}

/// An entry two conventions read differently, with both readings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ambiguous {
    /// Both readings, the one the vault's language would mean first.
    pub readings: [Money; 2],
    pub language: Language,
}

impl Ambiguous {
    /// How to write a reading so that it is read one way only: `1250` or `1,25`.
    pub fn plain(&self, i: usize) -> String {
        plain(&self.readings[i], self.language)
    }

    /// The question in words, for a message: the two readings and how to write each.
    pub fn message(&self) -> String {
        let [a, b] = &self.readings;
        format!(
            "could mean {} or {}, and Amends does not guess; write {} for the first, or {} for the second",
            a.show(self.language),
            b.show(self.language),
            self.plain(0),
            self.plain(1),
        )
    }
}

impl From<Invalid> for Unread {
    fn from(e: Invalid) -> Unread {
        Unread::Invalid(e)
    }
}

impl From<Unread> for Invalid {
    fn from(u: Unread) -> Invalid {
        match u {
            Unread::Invalid(e) => e,
            Unread::Ambiguous(a) => Invalid::new(FIELD, a.message()),
        }
    }
}

impl From<Unread> for crate::error::CoreError {
    fn from(u: Unread) -> crate::error::CoreError {
        Invalid::from(u).into()
    }
}

/// An amount written so that it reads one way only: the whole figure when there are no
/// decimals, else the decimals without trailing zeros (a fourth figure where three remain).
fn plain(m: &Money, language: Language) -> String {
    let exp = m.currency.exponent();
    let scale = 10u64.pow(exp);
    let abs = m.minor.unsigned_abs();
    let (whole, frac) = (abs / scale, abs % scale);
    if frac == 0 {
        return whole.to_string();
    }
    let mut decimals = format!("{frac:0width$}", width = exp as usize)
        .trim_end_matches('0')
        .to_string();
    if decimals.len() == 3 && whole > 0 {
        decimals.push('0');
    }
    format!("{whole}{}{decimals}", marks(language).0)
}

/// An example amount in the currency and the language's convention, for messages.
pub fn example(currency: Currency, language: Language) -> String {
    match currency.exponent() {
        0 => "5000".to_string(),
        exp => format!(
            "12{}{:0<width$}",
            marks(language).0,
            "5",
            width = exp as usize
        ),
    }
}

/// Strips the currency's own code or symbol from either end (`€12,50`, `12.50 EUR`).
fn strip_currency(text: &str, currency: Currency) -> &str {
    let code = currency.code();
    let symbol = currency.symbol();
    let mut t = text;
    if let Some(head) = t.get(..code.len())
        && head.eq_ignore_ascii_case(code)
        && !t[code.len()..].starts_with(char::is_alphabetic)
    {
        t = t[code.len()..].trim_start();
    } else if let Some(rest) = t.strip_prefix(symbol.as_str()) {
        t = rest.trim_start();
    }
    let n = t.len();
    if n >= code.len()
        && let Some(tail) = t.get(n - code.len()..)
        && tail.eq_ignore_ascii_case(code)
        && !t[..n - code.len()].ends_with(char::is_alphabetic)
    {
        t = t[..n - code.len()].trim_end();
    } else if let Some(rest) = t.strip_suffix(symbol.as_str()) {
        t = rest.trim_end();
    }
    t
}

/// Whether thousands are grouped as people group them: one to three figures, then threes.
fn grouped(runs: &[&str]) -> bool {
    match runs.split_first() {
        Some((first, rest)) => (1..=3).contains(&first.len()) && rest.iter().all(|r| r.len() == 3),
        None => false,
    }
}

pub(super) fn read(typed: &str, currency: Currency, language: Language) -> Result<Money, Unread> {
    let example = example(currency, language);
    let not_amount = || {
        Unread::Invalid(Invalid::new(
            FIELD,
            format!("is not an amount in {currency}; write it in figures, like {example}"),
        ))
    };
    let text = typed.trim();
    if text.is_empty() {
        return Err(
            Invalid::new(FIELD, format!("is empty; give an amount, like {example}")).into(),
        );
    }
    if text.chars().count() > LONGEST {
        return Err(Invalid::new(FIELD, "is too long to be an amount").into());
    }
    let text = strip_currency(text, currency);
    if text.starts_with(['-', '\u{2212}', '\u{2013}']) {
        return Err(Invalid::new(
            FIELD,
            "cannot be negative; enter what is owed or paid as a positive amount",
        )
        .into());
    }

    // Runs of figures with one separator between each; a leading decimal mark (`,50`).
    let mut runs: Vec<&str> = Vec::new();
    let mut seps: Vec<char> = Vec::new();
    let mut leading = false;
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if c.is_ascii_digit() {
            start.get_or_insert(i);
            continue;
        }
        let sep = match c {
            '.' | ',' => c,
            ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}' => ' ',
            '\'' | '\u{2019}' => '\'',
            _ => return Err(not_amount()),
        };
        match start.take() {
            Some(s) => {
                runs.push(&text[s..i]);
                seps.push(sep);
            }
            None if i == 0 && sep != ' ' && sep != '\'' => leading = true,
            None => return Err(not_amount()),
        }
    }
    match start {
        Some(s) => runs.push(&text[s..]),
        None => return Err(not_amount()),
    }

    let exp = currency.exponent();
    // (figures before the decimal mark, figures after it)
    let (whole, frac): (Vec<&str>, &str) = if leading {
        if !seps.is_empty() {
            return Err(not_amount());
        }
        (Vec::new(), runs[0])
    } else {
        let marks_at: Vec<usize> = (0..seps.len())
            .filter(|&i| seps[i] == '.' || seps[i] == ',')
            .collect();
        match marks_at.last() {
            None => (runs.clone(), ""),
            Some(&last) => {
                let mark = seps[last];
                let others = &marks_at[..marks_at.len() - 1];
                if !others.is_empty() && others.iter().all(|&i| seps[i] == mark) {
                    // The same mark several times: thousands only (`1.250.000`).
                    if seps.iter().any(|&c| c != mark) {
                        return Err(not_amount());
                    }
                    (runs.clone(), "")
                } else if others.iter().any(|&i| seps[i] == mark) {
                    return Err(not_amount());
                } else {
                    if runs.len() != last + 2 {
                        return Err(not_amount());
                    }
                    let before = runs[..=last].to_vec();
                    let after = runs[last + 1];
                    let spaced = seps.iter().any(|&c| c == ' ' || c == '\'');
                    let decimal = !others.is_empty()
                        || spaced
                        || after.len() != 3
                        || before.len() > 1
                        || before[0].len() > 3
                        || before[0].chars().all(|c| c == '0');
                    if decimal {
                        (before, after)
                    } else {
                        // One mark, one to three figures, then exactly three: `1,250`.
                        let thousands = Money::from_parts(currency, &runs, "")?;
                        let sensible = exp > 0 && after.trim_end_matches('0').len() <= exp as usize;
                        if !sensible {
                            return Ok(thousands);
                        }
                        let decimals = Money::from_parts(currency, &before, after)?;
                        let readings = if mark == marks(language).1 {
                            [thousands, decimals]
                        } else {
                            [decimals, thousands]
                        };
                        return Err(Unread::Ambiguous(Ambiguous { readings, language }));
                    }
                }
            }
        }
    };
    if whole.len() > 1 && !grouped(&whole) {
        return Err(Invalid::new(
            FIELD,
            format!("has its thousands in groups other than three; write it like {example}, or without thousands marks"),
        )
        .into());
    }
    if frac.len() > exp as usize && frac[exp as usize..].chars().any(|c| c != '0') {
        return Err(Invalid::new(
            FIELD,
            match exp {
                0 => format!(
                    "has decimals, and {currency} has none; write a whole amount, like {example}"
                ),
                1 => format!(
                    "has more decimals than the 1 that {currency} has; write it like {example}"
                ),
                _ => format!(
                    "has more decimals than the {exp} that {currency} has; write it like {example}"
                ),
            },
        )
        .into());
    }
    if whole.is_empty() && frac.is_empty() {
        return Err(not_amount());
    }
    Ok(Money::from_parts(currency, &whole, frac)?)
}

impl Money {
    /// The amount from its whole figures (already checked groups) and decimal figures.
    fn from_parts(currency: Currency, whole: &[&str], frac: &str) -> Result<Money, Invalid> {
        let too_big = || Invalid::new(FIELD, "is larger than any amount Amends records");
        let exp = currency.exponent() as usize;
        let mut figures: String = whole.concat();
        let mut decimals: String = frac.chars().take(exp).collect();
        while decimals.len() < exp {
            decimals.push('0');
        }
        figures.push_str(&decimals);
        let digits = figures.trim_start_matches('0');
        if digits.len() > 19 {
            return Err(too_big());
        }
        let minor: i64 = if digits.is_empty() {
            0
        } else {
            digits.parse().map_err(|_| too_big())?
        };
        if minor > Money::MAX_MINOR {
            return Err(too_big());
        }
        Ok(Money::new(minor, currency))
    }
}
