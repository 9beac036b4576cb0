//! `amends`: the command line over the core and the vault.

mod args;
mod backup;
mod coach;
mod exports;
mod import;
mod inbox;
mod relay;
mod run;
mod secrets;
mod serve;
#[cfg(unix)]
mod session;
mod share;
mod views;

use std::process::ExitCode;

use amends_share::ShareError;
use amends_share::relay::RelayError;
use amends_vault::VaultError;
use clap::Parser;

fn exit_code(err: &anyhow::Error) -> u8 {
    if err.downcast_ref::<inbox::NotSent>().is_some() {
        return 6;
    }
    if err.downcast_ref::<inbox::RelayDown>().is_some() {
        return 7;
    }
    if let Some(e) = err.downcast_ref::<ShareError>() {
        return match e {
            ShareError::Relay(RelayError::Address(_)) | ShareError::NoRelay => 2,
            ShareError::Relay(_) => 7,
            ShareError::NotABundle
            | ShareError::NotForYou
            | ShareError::Damaged
            | ShareError::Altered
            | ShareError::TooNew { .. }
            | ShareError::Unreadable
            | ShareError::UnknownSigner
            | ShareError::Unverified => 5,
            ShareError::CodeMalformed(_)
            | ShareError::CodeTooNew
            | ShareError::OwnCode
            | ShareError::NotVerified
            | ShareError::NothingChosen
            | ShareError::NoSuchParty
            | ShareError::NothingShared
            | ShareError::NotInShare
            | ShareError::NoPlanShared
            | ShareError::NothingToReview => 2,
            _ => 1,
        };
    }
    if let Some(e) = err.downcast_ref::<amends_vault::BackupError>() {
        use amends_vault::BackupError as B;
        return match e {
            B::WrongPassphrase => 4,
            B::NotABackup | B::Damaged | B::TooNew { .. } | B::EmptyPassphrase => 2,
            B::Vault(_) => 1,
        };
    }
    match err.downcast_ref::<VaultError>() {
        Some(
            VaultError::WrongPassphrase
            | VaultError::WrongRecoveryKey
            | VaultError::RecoveryKeyMalformed
            | VaultError::KeyMismatch
            | VaultError::KeyFileMissing { .. }
            | VaultError::KeyFileDamaged
            | VaultError::TooManyTries { .. },
        ) => 4,
        Some(VaultError::Refused(_)) => 3,
        Some(VaultError::Replayed) => 5,
        Some(
            VaultError::Invalid { .. }
            | VaultError::AlreadyExists { .. }
            | VaultError::Import(_)
            | VaultError::ImportNotEmpty(_)
            | VaultError::NoSuchParty
            | VaultError::NoSuchContact
            | VaultError::AmbiguousParty(_)
            | VaultError::NoSuch { .. },
        ) => 2,
        _ => 1,
    }
}

fn report(err: &anyhow::Error) {
    match err.downcast_ref::<VaultError>() {
        Some(VaultError::Refused(r)) => {
            let rule = r
                .rule
                .map(|x| format!(" ({}, {})", x.code(), x.title()))
                .unwrap_or_default();
            eprintln!("amends: refused{rule}: {}.", r.reason);
            eprintln!("What you can do: {}", r.next);
            eprintln!("Nothing was changed.");
        }
        Some(VaultError::Invalid { field, message }) => {
            eprintln!("amends: {field}: {message}. Nothing was changed.");
        }
        _ => {
            // Context chains carry no personal content: only what failed and why.
            let mut msg = err.to_string();
            for cause in err.chain().skip(1) {
                msg.push_str(": ");
                msg.push_str(&cause.to_string());
            }
            eprintln!("amends: {msg}");
        }
    }
}

fn main() -> ExitCode {
    // Logs go to standard error, only when asked for (AMENDS_LOG=info), and never carry content.
    if let Ok(filter) = std::env::var("AMENDS_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .try_init();
    }
    let cli = args::Cli::parse();
    match run::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`amends show X | head`): nothing more to say to anyone.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            report(&e);
            ExitCode::from(exit_code(&e))
        }
    }
}
