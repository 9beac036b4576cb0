//! Money as integer minor units with an ISO 4217 currency code. Never floats.

use std::fmt;
use std::str::FromStr;

use crate::error::Invalid;

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

    /// Parses a decimal amount such as `120`, `120.5` or `1,200.50` into minor units,
    /// refusing more decimal places than the currency has and negative amounts.
    pub fn parse(amount: &str, currency: Currency) -> Result<Money, Invalid> {
        let field = "amount";
        let cleaned: String = amount
            .trim()
            .chars()
            .filter(|c| *c != ',' && *c != '_')
            .collect();
        let bad = || Invalid::new(field, "is not an amount; write it like 120 or 120.50");
        if cleaned.is_empty() {
            return Err(bad());
        }
        if cleaned.starts_with('-') {
            return Err(Invalid::new(
                field,
                "an amount cannot be negative; enter what is owed or paid as a positive number",
            ));
        }
        let (whole, frac) = match cleaned.split_once('.') {
            Some((w, f)) => (w, f),
            None => (cleaned.as_str(), ""),
        };
        if whole.is_empty() && frac.is_empty() {
            return Err(bad());
        }
        if !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let exp = currency.exponent();
        if frac.len() as u32 > exp {
            return Err(Invalid::new(
                field,
                format!(
                    "{} has {} decimal place{}; the amount has more",
                    currency,
                    exp,
                    if exp == 1 { "" } else { "s" },
                ),
            ));
        }
        let too_big = || Invalid::new(field, "that amount is too large to record");
        let scale = 10i64.checked_pow(exp).ok_or_else(too_big)?;
        let whole_v: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| too_big())?
        };
        let mut frac_v: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| bad())?
        };
        for _ in frac.len() as u32..exp {
            frac_v *= 10;
        }
        let minor = whole_v
            .checked_mul(scale)
            .and_then(|v| v.checked_add(frac_v))
            .filter(|v| *v <= Money::MAX_MINOR)
            .ok_or_else(too_big)?;
        Ok(Money { minor, currency })
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
        assert_eq!(Money::parse("1.234", kwd).unwrap().minor, 1234);
    }

    #[test]
    fn refuses_bad_amounts() {
        for bad in ["", "-5", "12.345", "abc", "1.2.3", "9999999999999999999"] {
            assert!(Money::parse(bad, usd()).is_err(), "{bad}");
        }
        assert!(Money::parse("1.5", Currency::parse("JPY").unwrap()).is_err());
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
