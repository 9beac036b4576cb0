//! The crate's integration tests, one module per area, built as one binary.

mod common;

mod coach;
mod dates;
mod due_and_summary;
mod money;
mod props;
mod questions;
mod reach;
mod replay;
mod rules;
mod stages;
mod ways;
