//! The pages of the app, one module per part.

pub mod access;
pub mod backup;
pub mod capture;
pub mod exports;
pub mod follow;
pub mod help;
pub mod home;
pub mod import;
pub mod list;
pub mod party;
pub mod relay;
pub mod settings;
pub mod shared;
pub mod sharing;
pub mod supported;
