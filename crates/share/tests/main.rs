//! The crate's integration tests, one module per area, built as one binary.

mod common;

mod flow;
mod relay;
