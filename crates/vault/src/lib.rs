//! The Amends vault: one SQLCipher 4 file holding everything a person records, a key file
//! beside it, and the repository API the CLI and the web app share.
//!
//! Every write is one `BEGIN IMMEDIATE` transaction that loads the party, asks the core's rules,
//! and writes only if they agree. The vault runs in WAL mode with a busy timeout so two
//! processes can use it at once.

pub mod backup;
mod bulk;
pub mod calendar;
mod error;
pub mod export;
mod follow;
pub mod keys;
mod load;
mod open;
mod outbox;
pub mod schema;
mod sharing;
pub mod throttle;
mod write;

pub use amends_core::rules::SafetyChange;
pub use backup::{AutoBackup, BackupError, BackupInfo, BackupProblem, OpenedBackup, Restored};
pub use bulk::{ImportParty, Imported, ListedName, Target};
pub use calendar::CalendarSettings;
pub use error::VaultError;
pub use follow::{Balance, CheckInFix, Fact, FollowChange, PaymentFix, Previous};
pub use keys::{DataKey, KdfParams, keyfile_path};
pub use open::{Created, Vault};
pub use outbox::OutboxEntry;
pub use sharing::{
    Contact, ContactRef, NewContact, ReceivedReview, ReviewApplied, ReviewCheck, ReviewItem,
    ReviewNote, ReviewNoteInput, SentEntry, SentInput, SentKind, StaleReason, StoredIdentity,
    SupportedEntry, Verdict,
};
pub use write::{
    AttemptInput, CommitmentInput, ConsultInput, HarmEdit, HarmInput, NewCommitment, PartyEdit,
    PartyRef, PlanChange, PlanInput, Recorded, SAME_NAME,
};
