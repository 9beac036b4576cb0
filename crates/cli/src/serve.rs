//! `amends serve`: the web app on 127.0.0.1, opened in the browser where there is a desktop.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::args::ServeArgs;

/// Whether a browser can be opened here (a desktop session, or a system that always has one).
fn has_desktop() -> bool {
    cfg!(any(target_os = "macos", target_os = "windows"))
        || std::env::var_os("DISPLAY").is_some()
        || std::env::var_os("WAYLAND_DISPLAY").is_some()
}

/// Prints the address to open and opens the browser where there is a desktop.
fn show_address(url: &str, no_open: bool) {
    println!();
    println!("    {url}");
    println!();
    if !no_open && has_desktop() && webbrowser::open(url).is_err() {
        println!("(The browser could not be opened for you; copy the address above.)");
    }
}

/// When the web app already runs for this vault, asks it (through the owner-only channel) for a
/// fresh one-time address and shows that instead of starting a second one. True if it did.
#[cfg(unix)]
fn already_running(vault: &std::path::Path, a: &ServeArgs) -> bool {
    use amends_web::channel::{Role, ask};
    match ask(vault, Role::App, "launch") {
        Ok(Some(url)) if url.starts_with("http://127.0.0.1:") => {
            println!(
                "Amends is already running for this vault. Open this new address in your browser:"
            );
            show_address(&url, a.no_open);
            println!("It works once, in one browser; the address given before it no longer does.");
            println!("Your vault: {}", vault.display());
            true
        }
        Ok(_) => false,
        Err(e) => {
            eprintln!(
                "Note: a running Amends could not be asked for an address ({e}); starting a new one."
            );
            false
        }
    }
}

/// Answers a second `amends` (a fresh address) and `amends lock` while the app runs.
#[cfg(unix)]
fn listen_for_others(
    vault: &std::path::Path,
    bound: &amends_web::Bound,
) -> Option<amends_web::Answering> {
    let addr = bound.listener.local_addr().ok()?;
    match amends_web::answer_others(vault, addr, &bound.app) {
        Ok(answering) => Some(answering),
        Err(e) => {
            eprintln!(
                "Note: running `amends` again will not find this app ({e}); stop it with Ctrl+C and start it again for a new address."
            );
            None
        }
    }
}

pub fn serve(vault: PathBuf, a: &ServeArgs) -> Result<()> {
    #[cfg(unix)]
    if !a.demo && already_running(&vault, a) {
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("the web app could not start")?;
    // The demo vault lives in a private temporary folder that is removed when the app stops.
    let demo_dir = if a.demo {
        Some(tempfile::Builder::new().prefix("amends-demo-").tempdir()?)
    } else {
        None
    };
    let path = match &demo_dir {
        Some(dir) => dir.path().join("demo.amends"),
        None => vault,
    };
    runtime.block_on(async {
        let config = amends_web::Config {
            vault: path.clone(),
            demo: a.demo,
        };
        // The usual port keeps a calendar subscription's address the same from one start to
        // the next; the demo leaves it to the real app.
        let mut moved = false;
        let bound = match (a.port, a.demo) {
            (Some(p), _) => amends_web::bind(config, p).await.with_context(|| {
                format!("port {p} on 127.0.0.1 is not free; choose another with --port or leave it out")
            })?,
            (None, true) => amends_web::bind(config, 0)
                .await
                .context("no port on 127.0.0.1 is free")?,
            (None, false) => match amends_web::bind(config.clone(), amends_web::USUAL_PORT).await {
                Ok(bound) => bound,
                Err(_) => {
                    moved = true;
                    amends_web::bind(config, 0)
                        .await
                        .context("no port on 127.0.0.1 is free")?
                }
            },
        };
        if a.demo {
            let vault =
                amends_web::demo::create(&path).context("the demo vault could not be made")?;
            bound.app.unlocked(vault);
        }
        #[cfg(unix)]
        let socket = if a.demo {
            None
        } else {
            listen_for_others(&path, &bound)
        };
        println!("Amends is running. Open this address in your browser:");
        show_address(&bound.url, a.no_open);
        if a.demo {
            println!("This is the demo: a made-up person's list. It is deleted when Amends stops.");
        } else {
            println!("Your vault: {}", path.display());
        }
        println!("The address works only on this computer, once. Closed the browser, or need it again? Run `amends` again: it gives a new address. Press Ctrl+C to stop; the vault locks.");
        if moved {
            println!(
                "Port {} was taken (is Amends already running?), so this address uses another one. A calendar subscription works again once Amends runs on port {}.",
                amends_web::USUAL_PORT,
                amends_web::USUAL_PORT
            );
        }
        let served = amends_web::serve(bound, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
        #[cfg(unix)]
        drop(socket);
        served.context("the web app stopped with an error")?;
        println!("Stopped. The vault is locked.");
        Ok::<(), anyhow::Error>(())
    })?;
    drop(demo_dir);
    Ok(())
}
