//! `relay-load`: drives a running relay over loopback and reports what it sustained.
//!
//! One run has two phases on the same relay. First its health endpoint, as a measure of what the
//! HTTP stack alone can do on this machine. Then complete deliveries: each worker owns a sender and
//! a recipient key; it posts a bundle of `--size` random bytes to the recipient's mailbox, fetches
//! the mailbox as the recipient, checks the bytes came back unchanged, and acknowledges them. A
//! delivery counts only when all three requests succeeded; its latency is the time from the start
//! of the post to the end of the acknowledgement.
//!
//! Every request is signed, exactly as a client signs it, so the relay does its full work: signature
//! checks, replay refusal, limits, storage. The relay must allow each key more requests per minute
//! than its default, or the load generator measures the rate limit instead.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use amends_relay_proto::{
    AckRequest, AckResponse, FetchResponse, KeyHash, PostResponse, paths, sign_request,
};
use anyhow::{Context, Result, bail};
use clap::Parser;
use ed25519_dalek::SigningKey;
use hdrhistogram::Histogram;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

#[derive(Parser, Debug)]
#[command(
    about = "Measure a running Amends relay: health requests and complete deliveries per second"
)]
struct Args {
    /// The relay's address, for example http://127.0.0.1:8080
    #[arg(long)]
    url: String,
    /// Workers running at once (each its own sender and recipient)
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Seconds of measured deliveries
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Seconds of deliveries before measuring starts
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Seconds of health requests, measured before the deliveries
    #[arg(long, default_value_t = 5)]
    health_seconds: u64,
    /// Bundle size in bytes
    #[arg(long, default_value_t = 4096)]
    size: usize,
    /// A name for this run in the printed table row (for example the backend)
    #[arg(long, default_value = "relay")]
    label: String,
}

/// What one phase measured.
struct Phase {
    done: u64,
    errors: u64,
    elapsed: Duration,
    latency: Histogram<u64>,
    first_error: Option<String>,
}

impl Phase {
    fn rate(&self) -> f64 {
        self.done as f64 / self.elapsed.as_secs_f64()
    }

    fn millis(&self, quantile: f64) -> f64 {
        self.latency.value_at_quantile(quantile) as f64 / 1000.0
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn random_key() -> Result<SigningKey> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("random numbers: {e}"))?;
    Ok(SigningKey::from_bytes(&seed))
}

fn signed(key: &SigningKey, method: &str, path: &str, body: &[u8]) -> Result<HeaderMap> {
    let headers = sign_request(key, method, path, unix_now(), body)?;
    let mut map = HeaderMap::new();
    for (name, value) in headers.pairs() {
        map.insert(
            HeaderName::from_static(name),
            HeaderValue::from_str(value).context("header value")?,
        );
    }
    Ok(map)
}

/// One worker's keys and the bundle it sends.
struct Courier {
    client: reqwest::Client,
    base: String,
    sender: SigningKey,
    recipient: SigningKey,
    recipient_hash: KeyHash,
    bundle: Vec<u8>,
}

impl Courier {
    fn new(client: reqwest::Client, base: &str, size: usize) -> Result<Courier> {
        let recipient = random_key()?;
        let mut bundle = vec![0u8; size];
        getrandom::fill(&mut bundle).map_err(|e| anyhow::anyhow!("random numbers: {e}"))?;
        Ok(Courier {
            client,
            base: base.to_owned(),
            sender: random_key()?,
            recipient_hash: KeyHash::of(&recipient.verifying_key()),
            recipient,
            bundle,
        })
    }

    /// Post, fetch, check, acknowledge. Any step that does not answer as the protocol says is an error.
    async fn deliver(&self) -> Result<()> {
        let path = paths::post_bundle(&self.recipient_hash);
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .headers(signed(&self.sender, "POST", &path, &self.bundle)?)
            .body(self.bundle.clone())
            .send()
            .await?;
        if response.status().as_u16() != 201 {
            bail!("post answered {}", response.status());
        }
        let posted: PostResponse = serde_json::from_slice(&response.bytes().await?)?;

        let response = self
            .client
            .get(format!("{}{}", self.base, paths::FETCH))
            .headers(signed(&self.recipient, "GET", paths::FETCH, b"")?)
            .send()
            .await?;
        if response.status().as_u16() != 200 {
            bail!("fetch answered {}", response.status());
        }
        let fetched: FetchResponse = serde_json::from_slice(&response.bytes().await?)?;
        let Some(found) = fetched.bundles.iter().find(|b| b.id == posted.id) else {
            bail!("the posted bundle was not in the mailbox");
        };
        if found.bundle != self.bundle {
            bail!("the fetched bundle differs from the posted one");
        }

        let ack = serde_json::to_vec(&AckRequest {
            ids: vec![posted.id],
        })?;
        let response = self
            .client
            .post(format!("{}{}", self.base, paths::ACK))
            .headers(signed(&self.recipient, "POST", paths::ACK, &ack)?)
            .header("content-type", "application/json")
            .body(ack)
            .send()
            .await?;
        if response.status().as_u16() != 200 {
            bail!("acknowledgement answered {}", response.status());
        }
        let acked: AckResponse = serde_json::from_slice(&response.bytes().await?)?;
        if acked.deleted != 1 {
            bail!("the acknowledgement deleted {} bundles", acked.deleted);
        }
        Ok(())
    }
}

fn histogram() -> Histogram<u64> {
    // Microseconds, from 1 µs to 60 s, three significant digits.
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

/// Runs `task` in `concurrency` workers until the deadline; only work started after `measure_from` counts.
async fn run_phase<F, Fut>(
    concurrency: usize,
    warmup: Duration,
    measured: Duration,
    task: F,
) -> Phase
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<()>> + Send,
{
    let task = Arc::new(task);
    let start = Instant::now();
    let measure_from = start + warmup;
    let deadline = measure_from + measured;
    let mut workers = Vec::with_capacity(concurrency);
    for worker in 0..concurrency {
        let task = Arc::clone(&task);
        workers.push(tokio::spawn(async move {
            let mut latency = histogram();
            let (mut done, mut errors, mut first_error) = (0u64, 0u64, None);
            loop {
                let began = Instant::now();
                if began >= deadline {
                    break;
                }
                let outcome = task(worker).await;
                let ended = Instant::now();
                if began < measure_from || ended > deadline {
                    continue;
                }
                match outcome {
                    Ok(()) => {
                        done += 1;
                        let micros = ended.duration_since(began).as_micros() as u64;
                        latency.saturating_record(micros.max(1));
                    }
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| e.to_string());
                    }
                }
            }
            (done, errors, latency, first_error)
        }));
    }
    let mut phase = Phase {
        done: 0,
        errors: 0,
        elapsed: measured,
        latency: histogram(),
        first_error: None,
    };
    for worker in workers {
        let (done, errors, latency, first_error) = worker.await.expect("a worker panicked");
        phase.done += done;
        phase.errors += errors;
        phase.latency.add(latency).expect("same histogram bounds");
        if phase.first_error.is_none() {
            phase.first_error = first_error;
        }
    }
    phase
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let base = args.url.trim_end_matches('/').to_owned();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .timeout(Duration::from_secs(30))
        .build()?;

    let health_url = format!("{base}{}", paths::HEALTH);
    let health_client = client.clone();
    let health = run_phase(
        args.concurrency,
        Duration::from_secs(1),
        Duration::from_secs(args.health_seconds),
        move |_| {
            let client = health_client.clone();
            let url = health_url.clone();
            async move {
                let response = client.get(&url).send().await?;
                if !response.status().is_success() {
                    bail!("health answered {}", response.status());
                }
                response.bytes().await?;
                Ok(())
            }
        },
    )
    .await;

    let couriers: Arc<Vec<Courier>> = Arc::new(
        (0..args.concurrency)
            .map(|_| Courier::new(client.clone(), &base, args.size))
            .collect::<Result<_>>()?,
    );
    let deliveries = run_phase(
        args.concurrency,
        Duration::from_secs(args.warmup),
        Duration::from_secs(args.seconds),
        move |worker| {
            let couriers = Arc::clone(&couriers);
            async move { couriers[worker].deliver().await }
        },
    )
    .await;

    println!(
        "health      {:>9.0} requests/s   p50 {:>6.2} ms   p99 {:>6.2} ms   errors {}",
        health.rate(),
        health.millis(0.50),
        health.millis(0.99),
        health.errors
    );
    println!(
        "deliveries  {:>9.0} per second   p50 {:>6.2} ms   p99 {:>6.2} ms   errors {}",
        deliveries.rate(),
        deliveries.millis(0.50),
        deliveries.millis(0.99),
        deliveries.errors
    );
    println!(
        "| {} | {} B | {} | {:.0} | {:.2} ms | {:.2} ms | {} | {:.0} | {:.2} ms |",
        args.label,
        args.size,
        args.concurrency,
        deliveries.rate(),
        deliveries.millis(0.50),
        deliveries.millis(0.99),
        deliveries.errors,
        health.rate(),
        health.millis(0.99),
    );
    for (name, phase) in [("health", &health), ("deliveries", &deliveries)] {
        if let Some(e) = &phase.first_error {
            eprintln!("{name}: first error: {e}");
        }
    }
    if health.errors + deliveries.errors > 0 {
        bail!("some requests failed; the figures above do not describe a clean run");
    }
    Ok(())
}
