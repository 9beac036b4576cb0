//! The integration tests of amends-fuzzing, as one test binary.

mod replay;
