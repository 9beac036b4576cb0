//! The crate's integration tests, one module per area, built as one binary.

#[macro_use]
mod browser_support;
mod common;
mod list_common;
mod party_common;
mod relay_support;

mod attack;
mod backup;
mod browser;
mod browser_coach;
mod browser_dates;
mod browser_money;
mod browser_pages;
mod browser_return;
mod browser_safety;
mod coach_live;
mod contrast;
mod dates;
mod exports;
mod follow_fix;
mod gates;
mod home_page;
mod import_csv;
mod list_settings;
mod party_pages;
mod relay;
mod security;
mod sharing;
mod throttle;
