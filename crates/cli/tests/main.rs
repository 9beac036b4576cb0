//! The crate's integration tests, one module per area, built as one binary.

mod common;

mod backup;
mod careful_use;
mod coach;
mod crash;
mod dates;
mod exports;
mod import_csv;
mod interface;
mod licenses;
mod money;
mod questions;
mod refusals;
mod relay_client;
mod relay_server;
mod security;
mod serve;
mod session;
mod share;
mod throttle;
mod vault_format;
mod ways_around;
mod workflow;
