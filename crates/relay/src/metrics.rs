//! Prometheus metrics: counts and latencies by route (the route's pattern, never its hash),
//! refusals by code, bundles stored, delivered and expired. No identity appears in any label.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: &'static str,
    method: &'static str,
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabels {
    code: &'static str,
}

type Latencies = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// The relay's metrics and their registry.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Latencies,
    refusals: Family<CodeLabels, Counter>,
    stored: Counter,
    dropped: Counter,
    delivered: Counter,
    expired: Counter,
    pending_bytes: Gauge,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms to about 4 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

/// The routes as the router names them; anything else is "other".
pub(crate) const ROUTES: [&str; 9] = [
    "/v1/mailboxes/{recipient}",
    "/v1/mailbox",
    "/v1/mailbox/ack",
    "/v1/mailbox/blocks",
    "/v1/mailbox/blocks/{sender}",
    "/healthz",
    "/readyz",
    "/metrics",
    "other",
];

fn route_name(matched: Option<&str>) -> &'static str {
    matched
        .and_then(|m| ROUTES.iter().find(|r| **r == m))
        .copied()
        .unwrap_or("other")
}

fn method_name(method: &axum::http::Method) -> &'static str {
    match *method {
        axum::http::Method::GET => "GET",
        axum::http::Method::POST => "POST",
        axum::http::Method::PUT => "PUT",
        axum::http::Method::DELETE => "DELETE",
        axum::http::Method::HEAD => "HEAD",
        _ => "other",
    }
}

fn status_class(status: u16) -> &'static str {
    match status / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("amends_relay");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "requests",
            "Requests answered, by route pattern, method and status class",
            requests.clone(),
        );
        let latency: Latencies = Family::new_with_constructor(latency_histogram);
        registry.register_with_unit(
            "request_duration",
            "Time to answer a request, by route pattern",
            Unit::Seconds,
            latency.clone(),
        );
        let refusals = Family::<CodeLabels, Counter>::default();
        registry.register(
            "refusals",
            "Requests refused, by error code",
            refusals.clone(),
        );
        let stored = Counter::default();
        registry.register(
            "bundles_stored",
            "Bundles accepted and stored",
            stored.clone(),
        );
        let dropped = Counter::default();
        registry.register(
            "bundles_dropped_blocked",
            "Bundles from a sender the recipient blocked: answered as if stored, then discarded",
            dropped.clone(),
        );
        let delivered = Counter::default();
        registry.register(
            "bundles_delivered",
            "Bundles acknowledged by their recipient and deleted",
            delivered.clone(),
        );
        let expired = Counter::default();
        registry.register(
            "bundles_expired",
            "Bundles deleted unacknowledged after their expiry (by this instance's sweeps)",
            expired.clone(),
        );
        let pending_bytes = Gauge::default();
        registry.register_with_unit(
            "pending",
            "Bundle bytes waiting in all mailboxes of the database, as of this instance's last sweep",
            Unit::Bytes,
            pending_bytes.clone(),
        );
        Metrics {
            registry,
            pending_bytes,
            requests,
            latency,
            refusals,
            stored,
            dropped,
            delivered,
            expired,
        }
    }

    pub(crate) fn request(
        &self,
        matched: Option<&str>,
        method: &axum::http::Method,
        status: u16,
        took: Duration,
    ) {
        let route = route_name(matched);
        self.requests
            .get_or_create(&RequestLabels {
                route,
                method: method_name(method),
                status: status_class(status),
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels { route })
            .observe(took.as_secs_f64());
    }

    pub(crate) fn refused(&self, code: &'static str) {
        self.refusals.get_or_create(&CodeLabels { code }).inc();
    }

    pub(crate) fn stored(&self) {
        self.stored.inc();
    }

    pub(crate) fn dropped(&self) {
        self.dropped.inc();
    }

    pub(crate) fn delivered(&self, n: u64) {
        self.delivered.inc_by(n);
    }

    pub(crate) fn expired(&self, n: u64) {
        self.expired.inc_by(n);
    }

    pub(crate) fn pending_bytes(&self, bytes: u64) {
        self.pending_bytes
            .set(i64::try_from(bytes).unwrap_or(i64::MAX));
    }

    /// The OpenMetrics text of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
