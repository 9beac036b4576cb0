//! The domain of Amends: what a person records while working Steps 8 and 9, the rules of
//! Step 9's exception (R1-R10) with their reasons, and the stage each party has reached.
//!
//! Nothing in this crate does IO: no files, no clock, no network. Callers pass "now" in.

pub mod clock;
pub mod coach;
mod codes;
pub mod dates;
pub mod due;
pub mod error;
pub mod model;
pub mod money;
pub mod questions;
pub mod replay;
pub mod rules;
pub mod stage;
pub mod steps;
pub mod summary;
pub mod text;

pub use clock::Now;
pub use error::{CoreError, Invalid, Refusal};
pub use money::{Currency, Money};
pub use stage::{Stage, StageInfo};
