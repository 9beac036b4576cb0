//! Money as integer minor units with an ISO 4217 currency code. Never floats.

use std::fmt;
use std::str::FromStr;

use crate::error::Invalid;
use crate::model::Language;

mod read;

pub use read::{Ambiguous, Unread, example};

/// The decimal mark and the thousands mark of a language's convention.
pub fn marks(language: Language) -> (char, char) {
    match language {
        Language::En => ('.', ','),
        Language::Es => (',', '.'),
    }
}

/// An ISO 4217 currency, validated against the standard list.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    /// Parses a three-letter code such as `USD` (case-insensitive).
    pub fn parse(code: &str) -> Result<Currency, Invalid> {
        let upper = code.trim().to_ascii_uppercase();
        iso_currency::Currency::from_code(&upper)
            .map(Currency)
            .ok_or_else(|| {
                Invalid::new(
                    "currency",
                    "is not an ISO 4217 currency code; use three letters such as USD, EUR or GBP",
                )
            })
    }

    /// The three-letter code.
    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// The currency's symbol (`€`, `$`, `¥`), or its code where it has none of its own.
    pub fn symbol(self) -> String {
        let s = self.0.symbol().symbol;
        if s.is_empty() || s == "¤" {
            self.code().to_string()
        } else {
            s
        }
    }

    /// How many digits the minor unit has (2 for USD, 0 for JPY, 3 for KWD).
    pub fn exponent(self) -> u32 {
        u32::from(self.0.exponent().unwrap_or(0))
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::parse(s)
    }
}

/// An amount in the currency's minor units (cents for USD).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    /// The largest amount accepted, in minor units (ten trillion of a two-decimal currency):
    /// far above any debt, and low enough that adding thousands of them cannot overflow.
    pub const MAX_MINOR: i64 = 1_000_000_000_000_000;

    pub fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// The sum of the amounts in `currency` (others are left out), added without overflowing:
    /// at the largest `i64` it stays there.
    pub fn total(amounts: impl IntoIterator<Item = Money>, currency: Currency) -> Money {
        let minor = amounts
            .into_iter()
            .filter(|m| m.currency == currency)
            .fold(0i64, |sum, m| sum.saturating_add(m.minor));
        Money::new(minor, currency)
    }

    /// Reads an amount as typed in a machine format or a test, where no language applies
    /// (the English convention orders the readings of an ambiguous entry). Anything a person
    /// typed goes through [`Money::read`] with the vault's language instead.
    pub fn parse(amount: &str, currency: Currency) -> Result<Money, Invalid> {
        Money::read(amount, currency, Language::En).map_err(Invalid::from)
    }

    /// Reads an amount as a person typed it, in the vault's currency and language: `12,50`
    /// and `12.50` are both twelve and a half, `1.250,50` and `1,250.50` the same amount, the
    /// currency's own code or symbol may stand before or after. An entry that two conventions
    /// read differently (`1,250` or `1.250` where the currency has decimals) is never guessed:
    /// it comes back as [`Unread::Ambiguous`] with both readings, the language's first.
    pub fn read(typed: &str, currency: Currency, language: Language) -> Result<Money, Unread> {
        read::read(typed, currency, language)
    }

    /// The amount for people, in the language's convention: `1,250.50 EUR` in English,
    /// `1.250,50 EUR` in Spanish. The reader reads it back as itself (in a three-decimal
    /// currency, `1.250 KWD` is asked about: [`Money::typed`] is what goes into a field).
    pub fn show(&self, language: Language) -> String {
        format!("{} {}", self.figures(language, true), self.currency)
    }

    /// The amount as a person would type it into a field, without grouping: `1250.50` in
    /// English, `1250,50` in Spanish; read back as itself, never asked about.
    pub fn typed(&self, language: Language) -> String {
        let mut out = self.figures(language, false);
        let exp = self.currency.exponent();
        // Three decimals after a whole part of one to three digits could be a thousands
        // group; a trailing zero says they are decimals.
        let whole = self.minor.unsigned_abs() / 10u64.pow(exp);
        if exp == 3 && (1..1000).contains(&whole) {
            out.push('0');
        }
        out
    }

    /// The figures alone, with the language's decimal mark, grouped in thousands if asked.
    fn figures(&self, language: Language, grouped: bool) -> String {
        let (mark, group) = marks(language);
        let exp = self.currency.exponent();
        let scale = 10u64.pow(exp);
        let abs = self.minor.unsigned_abs();
        let digits = (abs / scale).to_string();
        let mut whole = String::new();
        for (i, c) in digits.chars().enumerate() {
            if grouped && i > 0 && (digits.len() - i).is_multiple_of(3) {
                whole.push(group);
            }
            whole.push(c);
        }
        let sign = if self.minor < 0 { "-" } else { "" };
        if exp == 0 {
            return format!("{sign}{whole}");
        }
        format!(
            "{sign}{whole}{mark}{:0width$}",
            abs % scale,
            width = exp as usize
        )
    }

    /// The amount as a decimal string without the currency, e.g. `120.50`.
    pub fn amount_string(&self) -> String {
        let exp = self.currency.exponent();
        if exp == 0 {
            return self.minor.to_string();
        }
        let scale = 10i64.pow(exp);
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        format!(
            "{sign}{}.{:0width$}",
            abs / scale as u64,
            abs % scale as u64,
            width = exp as usize
        )
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount_string(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency::parse("usd").unwrap()
    }

    #[test]
    fn parses_amounts_into_minor_units() {
        assert_eq!(Money::parse("120", usd()).unwrap().minor, 12000);
        assert_eq!(Money::parse("120.5", usd()).unwrap().minor, 12050);
        assert_eq!(Money::parse("1,200.05", usd()).unwrap().minor, 120005);
        assert_eq!(Money::parse(".5", usd()).unwrap().minor, 50);
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(Money::parse("5000", jpy).unwrap().minor, 5000);
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(Money::parse("1.2340", kwd).unwrap().minor, 1234);
        assert_eq!(Money::parse("0.234", kwd).unwrap().minor, 234);
    }

    #[test]
    fn refuses_bad_amounts() {
        for bad in ["", "-5", "12.3456", "abc", "1.2.3", "9999999999999999999"] {
            assert!(Money::parse(bad, usd()).is_err(), "{bad}");
        }
        assert!(Money::parse("1.5", Currency::parse("JPY").unwrap()).is_err());
    }

    #[test]
    fn reads_either_decimal_mark_and_asks_about_three_figures() {
        let eur = Currency::parse("EUR").unwrap();
        for lang in [Language::En, Language::Es] {
            assert_eq!(Money::read("12,50", eur, lang).unwrap().minor, 1250);
            assert_eq!(Money::read("12.50", eur, lang).unwrap().minor, 1250);
            assert!(matches!(
                Money::read("1,250", eur, lang),
                Err(Unread::Ambiguous(_))
            ));
        }
        let err = Invalid::from(Money::read("1.250", eur, Language::Es).unwrap_err());
        assert!(
            err.message.contains("write 1250 for the first"),
            "{}",
            err.message
        );
    }

    #[test]
    fn shows_amounts_in_the_language_convention() {
        let eur = Currency::parse("EUR").unwrap();
        let m = Money::new(125_050, eur);
        assert_eq!(m.show(Language::En), "1,250.50 EUR");
        assert_eq!(m.show(Language::Es), "1.250,50 EUR");
        assert_eq!(m.typed(Language::Es), "1250,50");
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(Money::new(1_250, kwd).typed(Language::En), "1.2500");
    }

    #[test]
    fn refuses_unknown_currency() {
        let err = Currency::parse("XYZ1").unwrap_err();
        assert!(err.message.contains("ISO 4217"));
        assert!(Currency::parse("ZZZ").is_err());
    }

    #[test]
    fn formats_with_the_currency_exponent() {
        assert_eq!(Money::new(12050, usd()).to_string(), "120.50 USD");
        assert_eq!(Money::new(7, usd()).to_string(), "0.07 USD");
        assert_eq!(
            Money::new(5000, Currency::parse("JPY").unwrap()).to_string(),
            "5000 JPY"
        );
    }
}
