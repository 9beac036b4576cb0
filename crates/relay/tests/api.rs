//! The relay's HTTP API, every test body run against SQLite and against PostgreSQL
//! (`AMENDS_TEST_POSTGRES`; without it the PostgreSQL tests fail and say how to set it).

use std::time::Duration;

use crate::common::{Backend, TestRelay, bundles, ids};
use amends_relay::Counts;
use amends_relay_proto::{HEADER_KEY, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIME};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Postgres).await
                }
            )*
        }
    };
}

on_both_backends!(
    a_bundle_is_posted_fetched_oldest_first_and_deleted_when_acknowledged,
    an_unacknowledged_bundle_is_delivered_again,
    an_ack_deletes_only_from_the_requesters_own_mailbox,
    a_fetch_stays_within_its_budget_and_limit_but_always_returns_one,
    undelivered_bundles_expire_and_the_sweep_deletes_them_and_old_nonces,
    unsigned_and_malformed_requests_are_refused_and_store_nothing,
    wrong_signatures_altered_bodies_and_old_times_are_refused,
    a_replayed_request_is_refused_and_stores_nothing,
    an_oversize_bundle_is_refused_with_413,
    a_full_mailbox_refuses_with_507,
    too_many_requests_from_one_key_are_refused_with_429,
    a_recipient_blocks_and_unblocks_a_sender,
    bad_paths_and_bad_ack_bodies_are_malformed,
    metrics_count_requests_and_name_no_identity,
    readiness_follows_the_database_and_shutdown,
);

fn bundle(n: usize, fill: u8) -> Vec<u8> {
    vec![fill; n]
}

async fn a_bundle_is_posted_fetched_oldest_first_and_deleted_when_acknowledged(backend: Backend) {
    let relay = TestRelay::start(backend, |_| {}).await;
    let alice = relay.client(1);
    let bob = relay.client(2);

    let mut posted = Vec::new();
    for i in 0..3u8 {
        let a = alice.post(&bob.hash(), &bundle(4096, i)).await;
        assert_eq!(a.status, 201, "{:?}", a.json);
        let id = a.json["id"].as_str().unwrap().to_string();
        assert!(a.json["expires"].as_str().unwrap().ends_with('Z'));
        posted.push(id);
        relay.clock.advance(Duration::from_secs(1));
    }
    let fetched = bob.fetch().await;
    assert_eq!(fetched.status, 200, "{:?}", fetched.json);
    assert_eq!(ids(&fetched), posted, "oldest first");
    assert_eq!(fetched.json["more"], false);
    assert_eq!(
        bundles(&fetched),
        vec![bundle(4096, 0), bundle(4096, 1), bundle(4096, 2)]
    );
    let first = &fetched.json["bundles"][0];
    assert_eq!(first["sender"], alice.hash().to_string());
    assert_eq!(first["size"], 4096);
    assert!(first["received"].as_str().unwrap().ends_with('Z'));

    // Alice's own mailbox is empty: bundles go to the recipient only.
    assert!(ids(&alice.fetch().await).is_empty());

    let acked = bob.ack(&[&posted[0], &posted[1]]).await;
    assert_eq!(acked.status, 200, "{:?}", acked.json);
    assert_eq!(acked.json["deleted"], 2);
    assert_eq!(ids(&bob.fetch().await), vec![posted[2].clone()]);

    // Acknowledging again is harmless; unknown ids are ignored.
    let again = bob.ack(&[&posted[0], &posted[1], "no-such-id"]).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json["deleted"], 0);
    assert_eq!(bob.ack(&[&posted[2]]).await.json["deleted"], 1);
    assert!(ids(&bob.fetch().await).is_empty());
    let c = relay.counts().await;
    assert_eq!((c.bundles, c.pending_bytes), (0, 0));
    relay.stop().await;
}

async fn an_unacknowledged_bundle_is_delivered_again(backend: Backend) {
    let relay = TestRelay::start(backend, |_| {}).await;
    let alice = relay.client(1);
    let bob = relay.client(2);
    assert_eq!(alice.post(&bob.hash(), b"sealed").await.status, 201);
    let first = bob.fetch().await;
    assert_eq!(ids(&first).len(), 1);
    // The client never acknowledged (it crashed before storing): the next fetch has it again,
    // and so does a relay started afresh on the same database.
    let second = bob.fetch().await;
    assert_eq!(ids(&second), ids(&first));
    assert_eq!(bundles(&second), vec![b"sealed".to_vec()]);
    let database = relay.stop().await;
    let relay = TestRelay::start_on(database, |_| {}).await;
    let bob = relay.client(2);
    assert_eq!(ids(&bob.fetch().await), ids(&first));
    relay.stop().await;
}

async fn an_ack_deletes_only_from_the_requesters_own_mailbox(backend: Backend) {
    let relay = TestRelay::start(backend, |_| {}).await;
    let alice = relay.client(1);
    let bob = relay.client(2);
    let mallory = relay.client(3);
    let id = alice.post(&bob.hash(), b"for bob").await.json["id"]
        .as_str()
        .unwrap()
        .to_string();
    let stolen = mallory.ack(&[&id]).await;
    assert_eq!(stolen.status, 200);
    assert_eq!(stolen.json["deleted"], 0);
    // The sender cannot take it back either.
    assert_eq!(alice.ack(&[&id]).await.json["deleted"], 0);
    assert_eq!(ids(&bob.fetch().await), vec![id]);
    assert_eq!(relay.counts().await.bundles, 1);
    relay.stop().await;
}

async fn a_fetch_stays_within_its_budget_and_limit_but_always_returns_one(backend: Backend) {
    let relay = TestRelay::start(backend, |c| c.fetch_budget_bytes = 10_000).await;
    let alice = relay.client(1);
    let bob = relay.client(2);
    for i in 0..3u8 {
        assert_eq!(alice.post(&bob.hash(), &bundle(4_000, i)).await.status, 201);
        relay.clock.advance(Duration::from_secs(1));
    }
    let page = bob.fetch().await;
    assert_eq!(bundles(&page), vec![bundle(4_000, 0), bundle(4_000, 1)]);
    assert_eq!(page.json["more"], true);
    let one = bob.fetch_limit(1).await;
    assert_eq!(bundles(&one), vec![bundle(4_000, 0)]);
    assert_eq!(one.json["more"], true);
    let first_two = ids(&page);
    assert_eq!(
        bob.ack(&[&first_two[0], &first_two[1]]).await.json["deleted"],
        2
    );
    let rest = bob.fetch().await;
    assert_eq!(bundles(&rest), vec![bundle(4_000, 2)]);
    assert_eq!(rest.json["more"], false);

    // A bundle larger than the whole budget still comes, alone.
    let carol = relay.client(4);
    assert_eq!(
        alice.post(&carol.hash(), &bundle(20_000, 9)).await.status,
        201
    );
    relay.clock.advance(Duration::from_secs(1));
    assert_eq!(alice.post(&carol.hash(), &bundle(10, 8)).await.status, 201);
    let big = carol.fetch().await;
    assert_eq!(bundles(&big), vec![bundle(20_000, 9)]);
    assert_eq!(big.json["more"], true);

    for bad in [
        "/v1/mailbox?limit=0",
        "/v1/mailbox?limit=1001",
        "/v1/mailbox?limit=x",
    ] {
        let a = bob.signed("GET", bad, Vec::new()).await;
        assert_eq!((a.status, a.code()), (400, "malformed"), "{bad}");
    }
    relay.stop().await;
}

async fn undelivered_bundles_expire_and_the_sweep_deletes_them_and_old_nonces(backend: Backend) {
    let relay = TestRelay::start(backend, |c| c.expiry = Duration::from_secs(600)).await;
    let alice = relay.client(1);
    let bob = relay.client(2);
    let old = alice.post(&bob.hash(), b"old").await;
    assert_eq!(old.status, 201);
    relay.clock.advance(Duration::from_secs(300));
    let newer = alice.post(&bob.hash(), b"newer").await.json["id"]
        .as_str()
        .unwrap()
        .to_string();
    relay.clock.advance(Duration::from_secs(301));
    // Past its expiry, a bundle is no longer fetched, even before the sweep deletes it.
    assert_eq!(ids(&bob.fetch().await), vec![newer.clone()]);
    let before = relay.counts().await;
    assert_eq!(before.bundles, 2);
    assert_eq!(before.nonces, 3);
    let swept = relay.sweeper.sweep().await.unwrap();
    assert_eq!(swept.expired_bundles, 1);
    // The two posts' nonces are older than the time window; the fetch's is not.
    assert_eq!(swept.old_nonces, 2);
    let after = relay.counts().await;
    assert_eq!((after.bundles, after.nonces), (1, 1));
    assert_eq!(after.pending_bytes, b"newer".len() as u64);
    let (_, metrics) = relay.get("/metrics").await;
    assert!(
        metrics.contains("amends_relay_pending_bytes 5"),
        "{metrics}"
    );
    relay.clock.advance(Duration::from_secs(600));
    assert_eq!(relay.sweeper.sweep().await.unwrap().expired_bundles, 1);
    assert_eq!(relay.counts().await.bundles, 0);
    let (_, metrics) = relay.get("/metrics").await;
    assert!(
        metrics.contains("amends_relay_bundles_expired_total 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("amends_relay_pending_bytes 0"),
        "{metrics}"
    );
    relay.stop().await;
}

/// Sends a request and checks it was refused with this status and code, and stored nothing.
async fn refused(
    relay: &TestRelay,
    before: Counts,
    answer: crate::common::Answer,
    status: u16,
    code: &str,
    what: &str,
) {
    assert_eq!(
        (answer.status, answer.code()),
        (status, code),
        "{what}: {:?}",
        answer.json
    );
    let message = answer.json["message"].as_str().unwrap_or("");
    assert!(
        message.len() > 20 && message.ends_with('.'),
        "{what}: the refusal says why and what to do: {message:?}"
    );
    assert_eq!(relay.counts().await, before, "{what}: nothing was stored");
}

async fn unsigned_and_malformed_requests_are_refused_and_store_nothing(backend: Backend) {
    let relay = TestRelay::start(backend, |_| {}).await;
    let alice = relay.client(1);
    let bob = relay.client(2);
    let path = format!("/v1/mailboxes/{}", bob.hash());
    let body = b"sealed bundle".to_vec();
    let before = relay.counts().await;
    let good = alice.sign("POST", &path, &body);
    let all = good.pairs();

    let a = alice.raw("POST", &path, &[], body.clone()).await;
    refused(&relay, before, a, 401, "unsigned", "no headers").await;
    for missing in [HEADER_KEY, HEADER_TIME, HEADER_NONCE, HEADER_SIGNATURE] {
        let headers: Vec<(&str, &str)> =
            all.iter().copied().filter(|(n, _)| *n != missing).collect();
        let a = alice.raw("POST", &path, &headers, body.clone()).await;
        refused(&relay, before, a, 401, "unsigned", missing).await;
    }
    let long_key = "A".repeat(5000);
    let malformed: [(&str, &str); 6] = [
        (HEADER_KEY, "not base64!"),
        (HEADER_KEY, &long_key),
        (HEADER_TIME, "yesterday"),
        (HEADER_NONCE, "AAAA"),
        (HEADER_SIGNATURE, "AAAA"),
        (HEADER_SIGNATURE, "é"),
    ];
    for (name, value) in malformed {
        let headers: Vec<(&str, &str)> = all
            .iter()
            .map(|(n, v)| if *n == name { (*n, value) } else { (*n, *v) })
            .collect();
        let a = alice.raw("POST", &path, &headers, body.clone()).await;
        refused(&relay, before, a, 400, "malformed", name).await;
    }
    // The untouched request is accepted, so the refusals above were for the change alone.
    assert_eq!(alice.raw("POST", &path, &all, body).await.status, 201);
    relay.stop().await;
}

async fn wrong_signatures_altered_bodies_and_old_times_are_refused(backend: Backend) {
    let relay = TestRelay::start(backend, |_| {}).await;
    let alice = relay.client(1);
    let bob = relay.client(2);
    let path = format!("/v1/mailboxes/{}", bob.hash());
    let body = b"sealed bundle".to_vec();
    let before = relay.counts().await;

    // Signed by Bob's key but claiming Alice's.
    let mut forged = bob.sign("POST", &path, &body);
    forged.key = alice.sign("POST", &path, &body).key;
    let a = alice
        .raw("POST", &path, &forged.pairs(), body.clone())
        .await;
    refused(
        &relay,
        before,
        a,
        401,
        "bad_signature",
        "another key's signature",
    )
    .await;

    // The body changed after signing.
    let signed = alice.sign("POST", &path, &body);
    let a = alice
        .raw("POST", &path, &signed.pairs(), b"sealed bundlE".to_vec())
        .await;
    refused(&relay, before, a, 401, "bad_signature", "altered body").await;

    // Signed for another mailbox.
    let carol = relay.client(3);
    let elsewhere = alice.sign("POST", &format!("/v1/mailboxes/{}", carol.hash()), &body);
    let a = alice
        .raw("POST", &path, &elsewhere.pairs(), body.clone())
        .await;
    refused(&relay, before, a, 401, "bad_signature", "another path").await;

    // Signed too long ago, and too far ahead.
    for shift in [-200i64, 200] {
        let when = alice.now() + shift;
        let h = amends_relay_proto::sign_request(&alice.key, "POST", &path, when, &body).unwrap();
        let a = alice.raw("POST", &path, &h.pairs(), body.clone()).await;
        refused(&relay, before, a, 401, "expired", "time outside the window").await;
    }
    relay.stop().await;
}

async fn a_replayed_request_is_refused_and_stores_nothing(backend: Backend) {
    let relay = TestRelay::start(backend, |_| {}).await;
    let alice = relay.client(1);
    let bob = relay.client(2);
    let path = format!("/v1/mailboxes/{}", bob.hash());
    let body = b"once".to_vec();
    let h = alice.sign("POST", &path, &body);
    assert_eq!(
        alice
            .raw("POST", &path, &h.pairs(), body.clone())
            .await
            .status,
        201
    );
    let after_first = relay.counts().await;
    assert_eq!((after_first.bundles, after_first.nonces), (1, 1));
    let again = alice.raw("POST", &path, &h.pairs(), body.clone()).await;
    refused(
        &relay,
        after_first,
        again,
        401,
        "replayed",
        "the same post twice",
    )
    .await;

    // The same nonce in a new request of the same key is a replay too, whatever the route.
    let nonce = [7u8; 16];
    let fetch = alice.sign_with_nonce("GET", "/v1/mailbox", b"", &nonce);
    assert_eq!(
        alice
            .raw("GET", "/v1/mailbox", &fetch.pairs(), Vec::new())
            .await
            .status,
        200
    );
    let before = relay.counts().await;
    let blocks = alice.sign_with_nonce("GET", "/v1/mailbox/blocks", b"", &nonce);
    let a = alice
        .raw("GET", "/v1/mailbox/blocks", &blocks.pairs(), Vec::new())
        .await;
    refused(&relay, before, a, 401, "replayed", "a nonce used again").await;
    // Another key may use the same nonce.
    let bob_fetch = bob.sign_with_nonce("GET", "/v1/mailbox", b"", &nonce);
    assert_eq!(
        bob.raw("GET", "/v1/mailbox", &bob_fetch.pairs(), Vec::new())
            .await
            .status,
        200
    );
    // A replayed acknowledgement deletes nothing more.
    let id = ids(&bob.fetch().await)[0].clone();
    let ack_body = serde_json::to_vec(&serde_json::json!({ "ids": [id] })).unwrap();
    let ack = bob.sign("POST", "/v1/mailbox/ack", &ack_body);
    let first = bob
        .raw("POST", "/v1/mailbox/ack", &ack.pairs(), ack_body.clone())
        .await;
    assert_eq!(first.json["deleted"], 1);
    let before = relay.counts().await;
    let a = bob
        .raw("POST", "/v1/mailbox/ack", &ack.pairs(), ack_body)
        .await;
    refused(&relay, before, a, 401, "replayed", "the same ack twice").await;
    relay.stop().await;
}

async fn an_oversize_bundle_is_refused_with_413(backend: Backend) {
    let relay = TestRelay::start(backend, |c| c.max_bundle_bytes = 10_000).await;
    let alice = relay.client(1);
    let bob = relay.client(2);
    let before = relay.counts().await;
    let a = alice.post(&bob.hash(), &bundle(10_001, 1)).await;
    // Refused before the body is read, so the connection will not be used again: the answer
    // says so, and the client's next request goes on a fresh one.
    assert_eq!(
        a.headers.get("connection").map(|v| v.as_bytes()),
        Some(&b"close"[..])
    );
    refused(&relay, before, a, 413, "too_large", "one byte over").await;
    // Far over, and without a length announced up front (chunked): still 413, still JSON.
    let path = format!("/v1/mailboxes/{}", bob.hash());
    let big = bundle(300_000, 2);
    let h = alice.sign("POST", &path, &big);
    let answer = chunked_post(&relay.base, &path, &h.pairs(), &big).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"error\":\"too_large\""), "{answer}");
    assert_eq!(relay.counts().await, before);
    assert_eq!(
        alice.post(&bob.hash(), &bundle(10_000, 1)).await.status,
        201
    );
    relay.stop().await;
}

/// Posts a body in chunks (no Content-Length) over a plain connection; returns the raw answer.
async fn chunked_post(base: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(16_384) {
        let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
        framed.extend_from_slice(chunk);
        framed.extend_from_slice(b"\r\n");
        // The relay may answer and close before the whole body is sent.
        if stream.write_all(&framed).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

async fn a_full_mailbox_refuses_with_507(backend: Backend) {
    let relay = TestRelay::start(backend, |c| {
        c.max_bundle_bytes = 4_000;
        c.max_mailbox_bytes = 10_000;
    })
    .await;
    let alice = relay.client(1);
    let bob = relay.client(2);
    assert_eq!(alice.post(&bob.hash(), &bundle(4_000, 1)).await.status, 201);
    assert_eq!(alice.post(&bob.hash(), &bundle(4_000, 2)).await.status, 201);
    let before = relay.counts().await;
    let a = alice.post(&bob.hash(), &bundle(4_000, 3)).await;
    refused(
        &relay,
        before,
        a,
        507,
        "mailbox_full",
        "over the mailbox limit",
    )
    .await;
    // What still fits goes in; another mailbox is not affected.
    assert_eq!(alice.post(&bob.hash(), &bundle(2_000, 4)).await.status, 201);
    let carol = relay.client(3);
    assert_eq!(
        alice.post(&carol.hash(), &bundle(4_000, 5)).await.status,
        201
    );
    // Once Bob acknowledges, there is room again.
    let first = ids(&bob.fetch().await)[0].clone();
    assert_eq!(bob.ack(&[&first]).await.json["deleted"], 1);
    assert_eq!(alice.post(&bob.hash(), &bundle(4_000, 6)).await.status, 201);
    relay.stop().await;
}

async fn too_many_requests_from_one_key_are_refused_with_429(backend: Backend) {
    let relay = TestRelay::start(backend, |c| c.requests_per_minute = 3).await;
    let alice = relay.client(1);
    let bob = relay.client(2);
    for _ in 0..3 {
        assert_eq!(alice.post(&bob.hash(), b"x").await.status, 201);
    }
    let before = relay.counts().await;
    let a = alice.post(&bob.hash(), b"x").await;
    let retry: u64 = a.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "Retry-After: {retry}");
    refused(&relay, before, a, 429, "rate_limited", "the fourth request").await;
    // The limit is per key: Bob is not limited by Alice's requests.
    assert_eq!(bob.fetch().await.status, 200);
    relay.stop().await;
}

async fn a_recipient_blocks_and_unblocks_a_sender(backend: Backend) {
    let relay = TestRelay::start(backend, |_| {}).await;
    let alice = relay.client(1);
    let bob = relay.client(2);
    let carol = relay.client(3);
    let listed = bob.blocks().await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json["blocked"], serde_json::json!([]));
    assert_eq!(bob.block(&alice.hash()).await.status, 204);
    assert_eq!(
        bob.block(&alice.hash()).await.status,
        204,
        "blocking twice is harmless"
    );
    assert_eq!(
        bob.blocks().await.json["blocked"],
        serde_json::json!([alice.hash().to_string()])
    );
    // A blocked sender is not told: the answer is that of a stored bundle, but nothing is kept
    // and Bob never sees it.
    let before = relay.counts().await;
    let path = format!("/v1/mailboxes/{}", bob.hash());
    let signed = alice.sign("POST", &path, b"hello");
    let a = alice
        .raw("POST", &path, &signed.pairs(), b"hello".to_vec())
        .await;
    assert_eq!(a.status, 201, "{:?}", a.json);
    assert!(a.json["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert!(a.json["expires"].as_str().is_some());
    let after = relay.counts().await;
    assert_eq!(
        (after.bundles, after.pending_bytes),
        (before.bundles, before.pending_bytes),
        "nothing from a blocked sender is stored"
    );
    // Sent again, the same request is refused as a replay, as it would be had it been stored:
    // replaying tells the sender nothing.
    let again = alice
        .raw("POST", &path, &signed.pairs(), b"hello".to_vec())
        .await;
    assert_eq!((again.status, again.code()), (401, "replayed"));
    assert_eq!(bob.fetch().await.json["bundles"], serde_json::json!([]));
    let (_, metrics) = relay.get("/metrics").await;
    assert!(
        metrics.contains("amends_relay_bundles_dropped_blocked_total 1"),
        "{metrics}"
    );
    // Others still reach Bob, and Alice still reaches others.
    assert_eq!(carol.post(&bob.hash(), b"hi").await.status, 201);
    assert_eq!(alice.post(&carol.hash(), b"hi").await.status, 201);
    // Carol's blocks are her own.
    assert_eq!(carol.blocks().await.json["blocked"], serde_json::json!([]));
    assert_eq!(bob.unblock(&alice.hash()).await.status, 204);
    assert_eq!(bob.unblock(&alice.hash()).await.status, 204);
    assert_eq!(bob.blocks().await.json["blocked"], serde_json::json!([]));
    assert_eq!(alice.post(&bob.hash(), b"hello").await.status, 201);
    relay.stop().await;
}

async fn bad_paths_and_bad_ack_bodies_are_malformed(backend: Backend) {
    let relay = TestRelay::start(backend, |_| {}).await;
    let alice = relay.client(1);
    let before = relay.counts().await;
    for path in [
        "/v1/mailboxes/abc".to_string(),
        format!("/v1/mailboxes/{}", "z".repeat(64)),
        format!("/v1/mailboxes/{}", "a".repeat(65)),
    ] {
        let a = alice.signed("POST", &path, b"x".to_vec()).await;
        refused(&relay, before, a, 400, "malformed", &path).await;
    }
    let a = alice
        .signed("PUT", "/v1/mailbox/blocks/nothex", Vec::new())
        .await;
    refused(
        &relay,
        before,
        a,
        400,
        "malformed",
        "a block of no key hash",
    )
    .await;
    let too_many: Vec<String> = (0..1001).map(|i| i.to_string()).collect();
    let long_id = "x".repeat(65);
    let bodies: Vec<(Vec<u8>, &str)> = vec![
        (b"not json".to_vec(), "not JSON"),
        (b"{\"ids\": 5}".to_vec(), "ids not a list"),
        (b"{}".to_vec(), "no ids"),
        (b"[\"a\"]".to_vec(), "a bare list"),
        (
            serde_json::to_vec(&serde_json::json!({ "ids": too_many })).unwrap(),
            "too many ids",
        ),
        (
            serde_json::to_vec(&serde_json::json!({ "ids": [long_id] })).unwrap(),
            "an id too long",
        ),
    ];
    for (body, what) in bodies {
        let a = alice.signed("POST", "/v1/mailbox/ack", body).await;
        refused(&relay, before, a, 400, "malformed", what).await;
    }
    let a = alice.signed("GET", "/v1/nowhere", Vec::new()).await;
    assert_eq!((a.status, a.code()), (404, "not_found"));
    relay.stop().await;
}

async fn metrics_count_requests_and_name_no_identity(backend: Backend) {
    let relay = TestRelay::start(backend, |_| {}).await;
    let alice = relay.client(1);
    let bob = relay.client(2);
    let id = alice.post(&bob.hash(), b"sealed").await.json["id"]
        .as_str()
        .unwrap()
        .to_string();
    bob.fetch().await;
    bob.ack(&[&id]).await;
    alice.raw("GET", "/v1/mailbox", &[], Vec::new()).await;
    let (status, text) = relay.get("/metrics").await;
    assert_eq!(status, 200);
    for expected in [
        "amends_relay_bundles_stored_total 1",
        "amends_relay_bundles_delivered_total 1",
        "amends_relay_refusals_total{code=\"unsigned\"} 1",
        "amends_relay_requests_total{route=\"/v1/mailboxes/{recipient}\",method=\"POST\",status=\"2xx\"} 1",
        "amends_relay_requests_total{route=\"/v1/mailbox\",method=\"GET\",status=\"4xx\"} 1",
        "amends_relay_request_duration_seconds_count{route=\"/v1/mailbox/ack\"} 1",
    ] {
        assert!(text.contains(expected), "metrics lack {expected}:\n{text}");
    }
    for secret in [
        alice.hash().to_string(),
        bob.hash().to_string(),
        alice.hash().to_string()[..16].to_string(),
        id.clone(),
        URL_SAFE_NO_PAD.encode(alice.key.verifying_key().as_bytes()),
    ] {
        assert!(!text.contains(&secret), "metrics show an identity or id");
    }
    relay.stop().await;
}

async fn readiness_follows_the_database_and_shutdown(backend: Backend) {
    // While stopping, the relay drains: readiness says 503 and requests are still answered.
    let relay = TestRelay::start(backend, |c| c.drain = Duration::from_secs(30)).await;
    assert_eq!(relay.get("/readyz").await.0, 200);
    let alice = relay.client(1);
    let bob = relay.client(2);
    relay.begin_stop();
    let mut status = 200;
    for _ in 0..200 {
        status = relay.get("/readyz").await.0;
        if status == 503 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(status, 503, "readiness turns 503 once stopping");
    assert_eq!(alice.post(&bob.hash(), b"late").await.status, 201);
    assert_eq!(relay.get("/healthz").await.0, 200);
    drop(relay);

    let relay = TestRelay::start(backend, |_| {}).await;
    assert_eq!(relay.get("/readyz").await.0, 200);
    assert_eq!(relay.get("/healthz").await, (200, "ok\n".to_string()));
    // The database stops answering: not ready (but still alive), and requests get 503.
    relay.store.close();
    let (status, body) = relay.get("/readyz").await;
    assert_eq!(status, 503);
    assert!(body.contains("unavailable"), "{body}");
    assert_eq!(relay.get("/healthz").await.0, 200);
    let alice = relay.client(1);
    let a = alice.fetch().await;
    assert_eq!((a.status, a.code()), (503, "unavailable"));
    relay.stop().await;
}
