//! Sharing with a sponsor or counsellor, end to end encrypted.
//!
//! Each vault has an identity: an age X25519 key to receive and an ed25519 key to sign. A
//! contact code carries the public half; both people compare a short fingerprint out loud
//! before a contact is trusted. A bundle is a signed document encrypted to one receiver: a
//! standard age file outside, a signed JSON envelope inside (docs/sharing-format.md).
//!
//! Bundles travel as files, or through a relay (`relay`: a signed HTTP client; `deliver`: the
//! outbox and the inbox steps), which stores them for the receiver without being able to read them.
//!
//! This crate knows the formats and the steps; the vault stores what they need and knows SQL.

mod build;
mod bundle;
mod deliver;
pub mod document;
mod error;
mod flow;
mod identity;
pub mod relay;
mod safety;

pub use build::{Difference, Glance, Selection, differences, glance, share_body, stage_label};
pub use bundle::{Opened, open, open_envelope, seal};
pub use deliver::{
    Blocked, Delivery, FlushReport, InboxReport, OutboxFile, Refused, Unsent, WaitReason, Waiting,
    block_sender, blocked_senders, check_inbox, contact_mailbox, discard_outbox, flush_outbox,
    outbox_file, relay_for, send_via, set_relay_address, unblock_sender,
};
pub use error::ShareError;
pub use flow::{
    NoteInput, Prepared, PreparedReview, Received, Sealed, Supported, add_contact, add_note,
    contact_keys, identity, note_on_current_safety, prepare_review, prepare_share, receive,
    remove_contact, remove_contact_for_relay, seal_review, seal_review_for_relay, seal_share,
    seal_share_for_relay, supported, supported_from,
};
pub use identity::{Identity, PublicKeys};
pub use safety::{current_safety_fingerprint, safety_fingerprint, shared_safety};
