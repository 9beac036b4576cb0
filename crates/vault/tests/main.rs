//! The crate's integration tests, one module per area, built as one binary.

mod backup;
mod export_versions;
mod outbox;
mod roundtrip;
mod sharing;
