//! A real relay for the web tests: `amends-relay` on SQLite in a temporary folder, served on
//! 127.0.0.1 from a thread and runtime of its own, so that it answers while the app's own
//! threads wait on it (the app holds its vault while it talks to the relay).

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use tokio::sync::oneshot;

/// A real relay (`amends-relay`, on SQLite in a temporary folder) on 127.0.0.1, on a runtime
/// and thread of its own so that it answers while the app's threads wait on it. It can be
/// stopped and started again on the same address and database, as a relay that went down and
/// came back. Stopped when dropped.
pub struct TestRelay {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    pub addr: SocketAddr,
    dir: tempfile::TempDir,
    running: Option<(oneshot::Sender<()>, std::thread::JoinHandle<()>)>,
    /// The largest bundle this relay takes.
    max_bundle_bytes: u64,
}

impl TestRelay {
    /// A relay on a free port.
    pub fn start() -> TestRelay {
        TestRelay::taking_at_most(amends_relay::Config::default().max_bundle_bytes)
    }

    /// A relay on a free port that refuses any bundle larger than `max_bundle_bytes`.
    pub fn taking_at_most(max_bundle_bytes: u64) -> TestRelay {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mut r = TestRelay {
            url: String::new(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            dir,
            running: None,
            max_bundle_bytes,
        };
        r.launch();
        r.url = format!("http://{}", r.addr);
        r
    }

    fn launch(&mut self) {
        let config = amends_relay::Config {
            listen: self.addr,
            database: format!(
                "sqlite://{}",
                self.dir.path().join("relay.sqlite").display()
            ),
            shutdown_timeout: Duration::from_secs(5),
            max_bundle_bytes: self.max_bundle_bytes,
            ..amends_relay::Config::default()
        };
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("a runtime for the relay");
            runtime.block_on(async move {
                let relay = amends_relay::start(config, amends_relay::Clock::system())
                    .await
                    .expect("the test relay starts");
                ready_tx
                    .send(relay.local_addr())
                    .expect("the test waits for the relay");
                relay
                    .run(async move {
                        let _ = stop_rx.await;
                    })
                    .await
                    .expect("the relay runs until it is stopped");
            });
        });
        self.addr = ready_rx.recv().expect("the relay reports its address");
        self.running = Some((stop_tx, thread));
    }

    /// Stops it: nothing answers at its address until [`TestRelay::restart`].
    pub fn stop(&mut self) {
        if let Some((stop, thread)) = self.running.take() {
            let _ = stop.send(());
            thread.join().expect("the relay stopped cleanly");
        }
    }

    /// Starts it again, on the same address and database.
    pub fn restart(&mut self) {
        assert!(self.running.is_none(), "stop it first");
        self.launch();
    }
}

impl Drop for TestRelay {
    fn drop(&mut self) {
        if let Some((stop, thread)) = self.running.take() {
            let _ = stop.send(());
            let _ = thread.join();
        }
    }
}
