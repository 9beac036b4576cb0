//! "Now", passed in by the caller so the core never reads a clock itself.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// The moment rules and stages are judged at, and the time zone dates are shown in.
#[derive(Clone, Debug)]
pub struct Now {
    pub at: Timestamp,
    pub today: Date,
    pub tz: TimeZone,
}

impl Now {
    /// Builds a `Now` from an instant and a time zone.
    pub fn new(at: Timestamp, tz: TimeZone) -> Now {
        let today = at.to_zoned(tz.clone()).date();
        Now { at, today, tz }
    }

    /// The calendar date of an instant in this time zone.
    pub fn date_of(&self, at: Timestamp) -> Date {
        at.to_zoned(self.tz.clone()).date()
    }
}
