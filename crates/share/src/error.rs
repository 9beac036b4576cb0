//! Why sharing refused, in words a person can act on. No message quotes a name or typed text.

use amends_vault::VaultError;

use crate::relay::RelayError;

#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    #[error("The system could not provide secure random numbers; nothing was written. Try again.")]
    Randomness,
    #[error(
        "The sharing keys stored in this vault could not be read. Nothing was changed. Restore the vault from a backup, or ask for help."
    )]
    IdentityDamaged,
    #[error("That is not a contact code: {0}. Ask for the code again and copy all of it.")]
    CodeMalformed(&'static str),
    #[error(
        "That contact code comes from a newer version of Amends. Nothing was changed. Update Amends, then add it again."
    )]
    CodeTooNew,
    #[error("That is your own contact code. Add the code of the person you want to share with.")]
    OwnCode,
    #[error(
        "This file is not an Amends bundle. Nothing was changed. Check that you chose the file you were sent."
    )]
    NotABundle,
    #[error(
        "This bundle is addressed to someone else: your key cannot open it. Nothing was changed. Ask the sender to share again, choosing you as the contact."
    )]
    NotForYou,
    #[error(
        "This bundle is damaged or was changed on the way, so it cannot be opened. Nothing was changed. Ask the sender to send it again."
    )]
    Damaged,
    #[error(
        "The signature inside this bundle does not match what it holds: it was changed after it was signed. Nothing was changed. Tell the sender and ask them to send it again."
    )]
    Altered,
    #[error(
        "This bundle was made by a newer version of Amends (format {found}; this version reads up to {known}). Nothing was changed. Update Amends, then open it again."
    )]
    TooNew { found: u32, known: u32 },
    #[error(
        "This bundle holds something this version of Amends cannot read. Nothing was changed. If the sender uses a newer version, update Amends and open it again."
    )]
    Unreadable,
    #[error(
        "This bundle is signed by someone who is not in your contacts. Nothing was changed. Add their contact code, compare fingerprints with them, then open it again."
    )]
    UnknownSigner,
    #[error(
        "This bundle is from a contact whose fingerprint you have not confirmed. Nothing was changed. Compare fingerprints with them out loud, mark the contact verified, then open it again."
    )]
    Unverified,
    #[error(
        "You can share only with a contact whose fingerprint you have confirmed. Compare fingerprints with them out loud, mark the contact verified, then share."
    )]
    NotVerified,
    #[error("Nothing was chosen to share. Choose the whole list or at least one party.")]
    NothingChosen,
    #[error("That party is not on your list. See the list with `amends party list`.")]
    NoSuchParty,
    #[error(
        "That party is not among those you are sharing, so there is no safety verdict of theirs to leave out. Nothing was sealed."
    )]
    NotBeingShared,
    #[error(
        "This person has not shared anything with you yet, so there is nothing to review. Open a bundle from them first."
    )]
    NothingShared,
    #[error(
        "That party is not in what this person shared with you. Check the party's number in what they shared."
    )]
    NotInShare,
    #[error(
        "Their latest share does not include a plan for that party, so there is no plan to approve. Write a comment instead."
    )]
    NoPlanShared,
    #[error("There is nothing new to send: write a comment or give a view on a plan first.")]
    NothingToReview,
    #[error(
        "No relay address is set. Give one with --via URL, or keep one in the settings: amends settings --relay URL."
    )]
    NoRelay,
    #[error(transparent)]
    Relay(#[from] RelayError),
    #[error("{0}")]
    Vault(#[from] VaultError),
}
