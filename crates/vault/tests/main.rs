//! The crate's integration tests, one module per area, built as one binary.


mod outbox;
mod roundtrip;
mod sharing;
