//! `amends relay serve`: the relay server. It needs no vault and never sees one.

use std::io::{IsTerminal, Write};

use amends_relay::{Clock, Config, Source};
use anyhow::{Context, Result};

use crate::args::RelayServeArgs;

/// The embedded database when none is given: `relay.sqlite` in this user's data directory.
fn default_database() -> Result<String> {
    let dirs = directories::ProjectDirs::from("", "", "amends").context(
        "no home directory was found to keep the relay's database in; pass --database sqlite://PATH or set AMENDS_RELAY_DATABASE",
    )?;
    Ok(format!(
        "sqlite://{}",
        dirs.data_dir().join("relay.sqlite").display()
    ))
}

/// Defaults, then the file, then environment variables and flags (clap reads both; a flag wins).
fn settings(a: &RelayServeArgs) -> Result<Config> {
    let mut config = Config::default();
    if a.database.is_none() {
        config.database = default_database()?;
    }
    if let Some(path) = &a.config {
        config.load_file(path)?;
    }
    for (name, value) in a.given() {
        config.set(name, value, Source::FlagOrEnvironment(name))?;
    }
    config.validate()?;
    Ok(config)
}

/// Resolves on SIGTERM or SIGINT (Ctrl+C).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

pub fn serve(a: &RelayServeArgs) -> Result<()> {
    let config = settings(a)?;
    if a.check {
        print!("{}", config.describe());
        return Ok(());
    }
    // A server's logs: info by default, to standard error (AMENDS_LOG chooses otherwise). They
    // never carry key hashes, bundle ids or contents.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            std::env::var("AMENDS_LOG").unwrap_or_else(|_| "info".to_string()),
        ))
        .try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("the relay could not start")?;
    runtime.block_on(async {
        let relay = amends_relay::start(config, Clock::system()).await?;
        {
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "amends relay listening on http://{}",
                relay.local_addr()
            )?;
            out.flush()?;
        }
        relay
            .run(stop_signal())
            .await
            .context("the relay stopped with an error")?;
        Ok::<(), anyhow::Error>(())
    })?;
    Ok(())
}
