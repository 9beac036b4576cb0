//! The relay's integration tests, one binary: every file here is a module (add new ones below).

mod api;
mod common;
mod flood;
