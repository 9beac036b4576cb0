//! Files in and out of Amends, other than the JSON export (which the vault owns): reading a
//! list from a spreadsheet, and writing the list, the harms and the plans as CSV, a Markdown or
//! PDF worksheet, or a calendar. Nothing here opens a file or a vault: callers hand in bytes or
//! records and get bytes or checked rows back, so the CLI and the web app share every rule.

pub mod csv_in;
pub mod csv_out;
pub mod discreet;
#[cfg(feature = "worksheets")]
pub mod ics;
pub mod markdown;
#[cfg(feature = "worksheets")]
pub mod pdf;
pub mod sheet;
