//! A load generator for a running relay: complete deliveries (post a bundle, fetch it, acknowledge
//! it) from several workers at once, each worker a sender and a recipient of its own.
//!
//! cargo run --release -p amends-relay --example loadgen -- http://127.0.0.1:8440 [WORKERS] [SECONDS] [BYTES]
//!
//! Start the relay with a high `--requests-per-minute`, or the per-key limit is what you measure.
//! Only loopback addresses are accepted. The run stops by itself after SECONDS.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use amends_relay_proto::{AckRequest, FetchResponse, KeyHash, PostResponse, paths, sign_request};
use ed25519_dalek::SigningKey;

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

struct Worker {
    http: reqwest::Client,
    base: String,
    sender: SigningKey,
    recipient: SigningKey,
}

impl Worker {
    async fn send(
        &self,
        key: &SigningKey,
        method: reqwest::Method,
        path: &str,
        body: Vec<u8>,
    ) -> Result<Vec<u8>, String> {
        let h =
            sign_request(key, method.as_str(), path, now(), &body).map_err(|e| e.to_string())?;
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        for (k, v) in h.pairs() {
            req = req.header(k, v);
        }
        let r = req.body(body).send().await.map_err(|e| e.to_string())?;
        let status = r.status();
        let bytes = r.bytes().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("{status}: {}", String::from_utf8_lossy(&bytes)));
        }
        Ok(bytes.to_vec())
    }

    async fn deliver(&self, bundle: &[u8]) -> Result<(), String> {
        let to = KeyHash::of(&self.recipient.verifying_key());
        let posted = self
            .send(
                &self.sender,
                reqwest::Method::POST,
                &paths::post_bundle(&to),
                bundle.to_vec(),
            )
            .await?;
        let posted: PostResponse = serde_json::from_slice(&posted).map_err(|e| e.to_string())?;
        let fetched = self
            .send(
                &self.recipient,
                reqwest::Method::GET,
                paths::FETCH,
                Vec::new(),
            )
            .await?;
        let fetched: FetchResponse = serde_json::from_slice(&fetched).map_err(|e| e.to_string())?;
        let ids: Vec<String> = fetched.bundles.into_iter().map(|b| b.id).collect();
        if !ids.contains(&posted.id) {
            return Err("the posted bundle was not fetched".to_string());
        }
        let body = serde_json::to_vec(&AckRequest { ids }).map_err(|e| e.to_string())?;
        self.send(&self.recipient, reqwest::Method::POST, paths::ACK, body)
            .await?;
        Ok(())
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "http://127.0.0.1:8440".to_string());
    let host = base
        .trim_start_matches("http://")
        .split([':', '/'])
        .next()
        .unwrap_or("");
    assert!(
        matches!(host, "127.0.0.1" | "localhost" | "[::1]"),
        "only a relay on this machine (127.0.0.1) is a target"
    );
    let workers: u8 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(16);
    let seconds: u64 = args
        .get(3)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10)
        .min(600);
    let size: usize = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(4096);
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).unwrap();
    let tasks: Vec<_> = (0..workers)
        .map(|w| {
            let mut s = seed;
            s[0] = w;
            s[1] = 0;
            let sender = SigningKey::from_bytes(&s);
            s[1] = 1;
            let recipient = SigningKey::from_bytes(&s);
            let worker = Worker {
                http: http.clone(),
                base: base.clone(),
                sender,
                recipient,
            };
            let (done, failed) = (done.clone(), failed.clone());
            tokio::spawn(async move {
                let bundle = vec![w; size];
                while Instant::now() < deadline {
                    match worker.deliver(&bundle).await {
                        Ok(()) => done.fetch_add(1, Ordering::Relaxed),
                        Err(e) => {
                            if failed.fetch_add(1, Ordering::Relaxed) < 5 {
                                eprintln!("a delivery failed: {e}");
                            }
                            0
                        }
                    };
                }
            })
        })
        .collect();
    let started = Instant::now();
    for t in tasks {
        let _ = t.await;
    }
    let took = started.elapsed().as_secs_f64();
    let n = done.load(Ordering::Relaxed);
    println!(
        "{n} deliveries of {size} bytes in {took:.1} s with {workers} workers: {:.0} per second ({} failed)",
        n as f64 / took,
        failed.load(Ordering::Relaxed)
    );
}
