//! A relay in this process on 127.0.0.1 (SQLite in a temporary folder, or a fresh PostgreSQL
//! database made from `AMENDS_TEST_POSTGRES` and dropped afterwards), and a signing client.
#![allow(dead_code)]

use std::time::Duration;

use amends_relay::{AnyStore, Clock, Config, Counts, Store, Sweeper};
use amends_relay_proto::{
    KeyHash, NONCE_LEN, SignedHeaders, sign_request, sign_request_with_nonce,
};
use ed25519_dalek::SigningKey;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The admin URL of the test PostgreSQL. Missing is a failure, never a silent skip.
pub fn postgres_admin_url() -> String {
    std::env::var("AMENDS_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!(
            "AMENDS_TEST_POSTGRES is not set, so the PostgreSQL tests cannot run. Run ./scripts/test.sh \
             (it starts a test PostgreSQL), or run ./scripts/postgres.sh and set \
             AMENDS_TEST_POSTGRES to the URL it prints."
        )
    })
}

/// A PostgreSQL database of its own, dropped when this is dropped.
pub struct PgDatabase {
    admin: String,
    pub name: String,
    pub url: String,
}

fn random_hex(n: usize) -> String {
    let mut raw = vec![0u8; n];
    getrandom::fill(&mut raw).unwrap();
    hex::encode(raw)
}

async fn admin_client(admin: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(admin, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "the test PostgreSQL at AMENDS_TEST_POSTGRES does not answer ({e}); run ./scripts/postgres.sh"
            )
        });
    tokio::spawn(connection);
    client
}

impl PgDatabase {
    pub async fn create() -> PgDatabase {
        let admin = postgres_admin_url();
        let name = format!("amends_relay_test_{}", random_hex(6));
        let client = admin_client(&admin).await;
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("the test database is created");
        let url = match admin.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => panic!("AMENDS_TEST_POSTGRES should end with /DATABASE"),
        };
        PgDatabase { admin, name, url }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin = self.admin.clone();
        let name = self.name.clone();
        // Its own thread and runtime: this may run inside (or after) the test's runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let client = admin_client(&admin).await;
                let _ = client
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
            });
        })
        .join();
    }
}

/// Where a test relay keeps its data.
pub enum Database {
    Sqlite(tempfile::TempDir),
    Postgres(PgDatabase),
}

impl Database {
    pub async fn new(backend: Backend) -> Database {
        match backend {
            Backend::Sqlite => Database::Sqlite(tempfile::tempdir().unwrap()),
            Backend::Postgres => Database::Postgres(PgDatabase::create().await),
        }
    }

    pub fn url(&self) -> String {
        match self {
            Database::Sqlite(dir) => {
                format!("sqlite://{}", dir.path().join("relay.sqlite").display())
            }
            Database::Postgres(db) => db.url.clone(),
        }
    }
}

/// A running relay.
pub struct TestRelay {
    pub base: String,
    pub store: AnyStore,
    pub clock: Clock,
    pub sweeper: Sweeper,
    stop: std::sync::Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    handle: Option<tokio::task::JoinHandle<()>>,
    pub database: Database,
}

/// The start of every test clock: a fixed moment, so nothing depends on today.
pub const EPOCH_MS: i64 = 1_800_000_000_000;

impl TestRelay {
    pub async fn start(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestRelay {
        let database = Database::new(backend).await;
        TestRelay::start_on(database, tweak).await
    }

    pub async fn start_on(database: Database, tweak: impl FnOnce(&mut Config)) -> TestRelay {
        let mut config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            database: database.url(),
            pool_size: 4,
            sweep_interval: Duration::from_secs(3600),
            ..Config::default()
        };
        tweak(&mut config);
        let clock = Clock::manual(EPOCH_MS);
        let relay = amends_relay::start(config, clock.clone())
            .await
            .expect("the relay starts");
        let base = format!("http://{}", relay.local_addr());
        let store = relay.store();
        let sweeper = relay.sweeper();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            relay
                .run(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        TestRelay {
            base,
            store,
            clock,
            sweeper,
            stop: std::sync::Mutex::new(Some(stop)),
            handle: Some(handle),
            database,
        }
    }

    pub fn client(&self, seed: u8) -> Client {
        Client {
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
            base: self.base.clone(),
            key: SigningKey::from_bytes(&[seed; 32]),
            clock: self.clock.clone(),
        }
    }

    pub async fn counts(&self) -> Counts {
        self.store.counts().await.expect("the counts are read")
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let r = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// Signals the relay to stop without waiting for it.
    pub fn begin_stop(&self) {
        if let Some(stop) = self.stop.lock().unwrap().take() {
            let _ = stop.send(());
        }
    }

    /// Stops the relay as a signal would and waits until it has stopped.
    pub async fn stop(mut self) -> Database {
        self.begin_stop();
        if let Some(handle) = self.handle.take() {
            handle.await.unwrap();
        }
        let TestRelay { database, .. } = self;
        database
    }
}

/// A client with its own identity key, signing with the relay's (test) clock.
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub key: SigningKey,
    pub clock: Clock,
}

/// An answer: status, headers, and the body as JSON (Null when empty or not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub json: Value,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.json["error"].as_str().unwrap_or("")
    }
}

impl Client {
    pub fn hash(&self) -> KeyHash {
        KeyHash::of(&self.key.verifying_key())
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms().div_euclid(1000)
    }

    pub fn sign(&self, method: &str, path: &str, body: &[u8]) -> SignedHeaders {
        sign_request(&self.key, method, path, self.now(), body).unwrap()
    }

    pub fn sign_with_nonce(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        nonce: &[u8; NONCE_LEN],
    ) -> SignedHeaders {
        sign_request_with_nonce(&self.key, method, path, self.now(), nonce, body)
    }

    /// Sends a request with exactly these headers.
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let r = req.body(body).send().await.unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let bytes = r.bytes().await.unwrap();
        Answer {
            status,
            headers,
            json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    /// Sends a request signed by this client.
    pub async fn signed(&self, method: &str, path: &str, body: Vec<u8>) -> Answer {
        let h = self.sign(method, path, &body);
        self.raw(method, path, &h.pairs(), body).await
    }

    pub async fn post(&self, to: &KeyHash, bundle: &[u8]) -> Answer {
        self.signed("POST", &format!("/v1/mailboxes/{to}"), bundle.to_vec())
            .await
    }

    pub async fn fetch(&self) -> Answer {
        self.signed("GET", "/v1/mailbox", Vec::new()).await
    }

    pub async fn fetch_limit(&self, limit: u32) -> Answer {
        self.signed("GET", &format!("/v1/mailbox?limit={limit}"), Vec::new())
            .await
    }

    pub async fn ack(&self, ids: &[&str]) -> Answer {
        let body = serde_json::to_vec(&serde_json::json!({ "ids": ids })).unwrap();
        self.signed("POST", "/v1/mailbox/ack", body).await
    }

    pub async fn block(&self, sender: &KeyHash) -> Answer {
        self.signed("PUT", &format!("/v1/mailbox/blocks/{sender}"), Vec::new())
            .await
    }

    pub async fn unblock(&self, sender: &KeyHash) -> Answer {
        self.signed(
            "DELETE",
            &format!("/v1/mailbox/blocks/{sender}"),
            Vec::new(),
        )
        .await
    }

    pub async fn blocks(&self) -> Answer {
        self.signed("GET", "/v1/mailbox/blocks", Vec::new()).await
    }
}

/// The ids of a fetch answer, in order.
pub fn ids(fetch: &Answer) -> Vec<String> {
    fetch.json["bundles"]
        .as_array()
        .expect("a fetch answer has bundles")
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_string())
        .collect()
}

/// The bundles' bytes of a fetch answer, in order.
pub fn bundles(fetch: &Answer) -> Vec<Vec<u8>> {
    use base64::Engine;
    fetch.json["bundles"]
        .as_array()
        .expect("a fetch answer has bundles")
        .iter()
        .map(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b["bundle"].as_str().unwrap())
                .unwrap()
        })
        .collect()
}
