//! The relay's wire protocol, shared by the relay server (`amends-relay`) and its client
//! (`amends-share`), so the two can never disagree about what is signed or how a mailbox is named.
//!
//! Every request that touches a mailbox is signed with the requester's ed25519 key. The signature
//! covers the method, the path from `/v1` on (with its query), a Unix time, a random nonce and the
//! SHA-256 of the body. The relay accepts a time within [`TIME_WINDOW_SECS`] of its own clock and
//! refuses a nonce it has already seen from the same key, so a captured request cannot be replayed.
//!
//! A mailbox is named by [`KeyHash`], a hash of its owner's ed25519 public key. The relay stores
//! key hashes only; the full key travels in each request so the signature can be checked.

use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Every API path starts with this; the signature covers the path from here on, so a relay behind
/// a reverse proxy that strips its own prefix still sees what the client signed.
pub const API_ROOT: &str = "/v1";

/// The requester's ed25519 public key, base64url without padding.
pub const HEADER_KEY: &str = "amends-key";
/// Seconds since the Unix epoch when the request was signed.
pub const HEADER_TIME: &str = "amends-time";
/// [`NONCE_LEN`] random bytes, base64url without padding, never used twice by one key.
pub const HEADER_NONCE: &str = "amends-nonce";
/// The ed25519 signature over [`signing_message`], base64url without padding.
pub const HEADER_SIGNATURE: &str = "amends-signature";

/// How far a request's time may be from the relay's clock, either way.
pub const TIME_WINDOW_SECS: i64 = 120;
/// The length of a request nonce in bytes.
pub const NONCE_LEN: usize = 16;

/// The most bundles one fetch may ask for with `?limit=`.
pub const MAX_FETCH_LIMIT: u32 = 1_000;
/// How many bundles a fetch returns when it does not say.
pub const DEFAULT_FETCH_LIMIT: u32 = 100;
/// The most identifiers one acknowledgement may carry.
pub const MAX_ACK_IDS: usize = 1_000;
/// The longest bundle identifier an acknowledgement may carry, in bytes.
pub const MAX_ID_LEN: usize = 64;

/// The number of bundles a fetch's query string asks for: [`DEFAULT_FETCH_LIMIT`] when it has
/// no `limit`, `None` when a `limit` is not a whole number from 1 to [`MAX_FETCH_LIMIT`].
pub fn fetch_limit(query: Option<&str>) -> Option<u32> {
    let mut limit = DEFAULT_FETCH_LIMIT;
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if name == "limit" {
            limit = value
                .parse()
                .ok()
                .filter(|n| (1..=MAX_FETCH_LIMIT).contains(n))?;
        }
    }
    Some(limit)
}

/// The defaults a relay starts with unless configured otherwise.
pub mod defaults {
    /// The largest bundle a relay accepts: 8 MiB.
    pub const MAX_BUNDLE_BYTES: u64 = 8 * 1024 * 1024;
    /// The most one mailbox may hold, all pending bundles together: 64 MiB.
    pub const MAX_MAILBOX_BYTES: u64 = 64 * 1024 * 1024;
    /// Requests one key may make in a minute.
    pub const REQUESTS_PER_MINUTE: u32 = 120;
    /// Days an undelivered bundle waits before it is deleted.
    pub const EXPIRY_DAYS: u32 = 30;
    /// The most bytes of bundles one fetch returns (at least one bundle is always returned).
    pub const FETCH_BUDGET_BYTES: u64 = 16 * 1024 * 1024;
}

/// The paths of the API, from [`API_ROOT`] on.
pub mod paths {
    /// `POST` a bundle (the body, as bytes) into the mailbox of the key whose hash follows.
    pub fn post_bundle(recipient: &super::KeyHash) -> String {
        format!("{}/mailboxes/{recipient}", super::API_ROOT)
    }
    /// `GET` the requester's own pending bundles: a [`super::FetchResponse`].
    pub const FETCH: &str = "/v1/mailbox";
    /// `POST` an [`super::AckRequest`]: these bundles were opened and stored; delete them.
    pub const ACK: &str = "/v1/mailbox/ack";
    /// `GET` the sender keys the requester has blocked: a [`super::BlocksResponse`].
    pub const BLOCKS: &str = "/v1/mailbox/blocks";
    /// `PUT` to block a sender key hash, `DELETE` to unblock it.
    pub fn block(sender: &super::KeyHash) -> String {
        format!("{}/mailbox/blocks/{sender}", super::API_ROOT)
    }
    /// Liveness: the process answers.
    pub const HEALTH: &str = "/healthz";
    /// Readiness: the database answers and the relay is not shutting down.
    pub const READY: &str = "/readyz";
    /// Prometheus metrics.
    pub const METRICS: &str = "/metrics";
}

/// A mailbox address: SHA-256 over a fixed label and an ed25519 public key. Shown as 64 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyHash([u8; 32]);

impl KeyHash {
    pub fn of(key: &VerifyingKey) -> KeyHash {
        let mut hasher = Sha256::new();
        hasher.update(b"amends-relay-key-v1\0");
        hasher.update(key.as_bytes());
        KeyHash(hasher.finalize().into())
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn from_bytes(bytes: [u8; 32]) -> KeyHash {
        KeyHash(bytes)
    }
}

impl fmt::Display for KeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// Deliberately short, so a key hash printed by accident in a debug line is not a whole address.
impl fmt::Debug for KeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyHash({}…)", &hex::encode(&self.0[..4]))
    }
}

impl FromStr for KeyHash {
    type Err = ProtoError;

    fn from_str(s: &str) -> Result<KeyHash, ProtoError> {
        if s.len() != 64 {
            return Err(ProtoError::KeyHash);
        }
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(s, &mut bytes).map_err(|_| ProtoError::KeyHash)?;
        Ok(KeyHash(bytes))
    }
}

/// Why a request's signature headers were not accepted. The relay answers 400 for `Malformed`
/// and 401 for the rest; none of these ever says anything about a mailbox.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("the request is not signed: the {0} header is missing")]
    Unsigned(&'static str),
    #[error("the {0} header is not in the expected form")]
    Malformed(&'static str),
    #[error(
        "the request's time is too far from the relay's clock; check this computer's clock and try again"
    )]
    Expired,
    #[error("the signature does not match the request")]
    BadSignature,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProtoError {
    #[error("a key hash is 64 hexadecimal digits")]
    KeyHash,
    #[error("the system's random number generator did not answer")]
    Randomness,
}

/// The exact bytes a request's signature covers.
pub fn signing_message(
    method: &str,
    path_and_query: &str,
    time: i64,
    nonce: &[u8; NONCE_LEN],
    body: &[u8],
) -> Vec<u8> {
    let mut message = Vec::with_capacity(64 + path_and_query.len() + 32);
    message.extend_from_slice(b"amends-relay-request-v1\0");
    message.extend_from_slice(method.to_ascii_uppercase().as_bytes());
    message.push(0);
    message.extend_from_slice(path_and_query.as_bytes());
    message.push(0);
    message.extend_from_slice(time.to_string().as_bytes());
    message.push(0);
    message.extend_from_slice(nonce);
    message.push(0);
    message.extend_from_slice(&Sha256::digest(body));
    message
}

/// The four headers a client adds to a request.
#[derive(Debug, Clone)]
pub struct SignedHeaders {
    pub key: String,
    pub time: String,
    pub nonce: String,
    pub signature: String,
}

impl SignedHeaders {
    /// The headers as (name, value) pairs, ready to add to any HTTP client's request.
    pub fn pairs(&self) -> [(&'static str, &str); 4] {
        [
            (HEADER_KEY, &self.key),
            (HEADER_TIME, &self.time),
            (HEADER_NONCE, &self.nonce),
            (HEADER_SIGNATURE, &self.signature),
        ]
    }
}

/// Signs a request with a fresh random nonce. `path_and_query` starts with [`API_ROOT`].
pub fn sign_request(
    key: &SigningKey,
    method: &str,
    path_and_query: &str,
    time: i64,
    body: &[u8],
) -> Result<SignedHeaders, ProtoError> {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|_| ProtoError::Randomness)?;
    Ok(sign_request_with_nonce(
        key,
        method,
        path_and_query,
        time,
        &nonce,
        body,
    ))
}

/// Signs a request with a given nonce: for tests that need to replay one on purpose.
pub fn sign_request_with_nonce(
    key: &SigningKey,
    method: &str,
    path_and_query: &str,
    time: i64,
    nonce: &[u8; NONCE_LEN],
    body: &[u8],
) -> SignedHeaders {
    let signature = key.sign(&signing_message(method, path_and_query, time, nonce, body));
    SignedHeaders {
        key: URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes()),
        time: time.to_string(),
        nonce: URL_SAFE_NO_PAD.encode(nonce),
        signature: URL_SAFE_NO_PAD.encode(signature.to_bytes()),
    }
}

/// A request whose signature checked out. The relay still has to refuse a nonce it has seen.
#[derive(Debug, Clone)]
pub struct Verified {
    pub key: VerifyingKey,
    pub key_hash: KeyHash,
    pub time: i64,
    pub nonce: [u8; NONCE_LEN],
}

/// The four signature headers of a request, as received (`None` where one is missing).
#[derive(Debug, Clone, Copy, Default)]
pub struct ReceivedHeaders<'a> {
    pub key: Option<&'a str>,
    pub time: Option<&'a str>,
    pub nonce: Option<&'a str>,
    pub signature: Option<&'a str>,
}

impl<'a> ReceivedHeaders<'a> {
    /// Picks the four headers out of any header lookup by lower-case name.
    pub fn from_lookup(header: impl Fn(&'static str) -> Option<&'a str>) -> ReceivedHeaders<'a> {
        ReceivedHeaders {
            key: header(HEADER_KEY),
            time: header(HEADER_TIME),
            nonce: header(HEADER_NONCE),
            signature: header(HEADER_SIGNATURE),
        }
    }
}

impl<'a> From<&'a SignedHeaders> for ReceivedHeaders<'a> {
    fn from(h: &'a SignedHeaders) -> ReceivedHeaders<'a> {
        ReceivedHeaders {
            key: Some(&h.key),
            time: Some(&h.time),
            nonce: Some(&h.nonce),
            signature: Some(&h.signature),
        }
    }
}

/// Checks a request's signature headers against the request as the relay received it.
pub fn verify_request(
    headers: ReceivedHeaders<'_>,
    method: &str,
    path_and_query: &str,
    body: &[u8],
    now: i64,
) -> Result<Verified, AuthError> {
    let key_text = headers.key.ok_or(AuthError::Unsigned(HEADER_KEY))?;
    let time_text = headers.time.ok_or(AuthError::Unsigned(HEADER_TIME))?;
    let nonce_text = headers.nonce.ok_or(AuthError::Unsigned(HEADER_NONCE))?;
    let signature_text = headers
        .signature
        .ok_or(AuthError::Unsigned(HEADER_SIGNATURE))?;

    let key_bytes: [u8; 32] = decode_fixed(key_text).ok_or(AuthError::Malformed(HEADER_KEY))?;
    let key = VerifyingKey::from_bytes(&key_bytes).map_err(|_| AuthError::Malformed(HEADER_KEY))?;
    let time: i64 = time_text
        .parse()
        .map_err(|_| AuthError::Malformed(HEADER_TIME))?;
    let nonce: [u8; NONCE_LEN] =
        decode_fixed(nonce_text).ok_or(AuthError::Malformed(HEADER_NONCE))?;
    let signature_bytes: [u8; 64] =
        decode_fixed(signature_text).ok_or(AuthError::Malformed(HEADER_SIGNATURE))?;
    let signature = Signature::from_bytes(&signature_bytes);

    if (now - time).abs() > TIME_WINDOW_SECS {
        return Err(AuthError::Expired);
    }
    let message = signing_message(method, path_and_query, time, &nonce, body);
    key.verify_strict(&message, &signature)
        .map_err(|_| AuthError::BadSignature)?;
    Ok(Verified {
        key_hash: KeyHash::of(&key),
        key,
        time,
        nonce,
    })
}

fn decode_fixed<const N: usize>(text: &str) -> Option<[u8; N]> {
    // base64url of N bytes is at most 4 * ceil(N / 3) characters; refuse anything longer before decoding.
    if text.len() > N.div_ceil(3) * 4 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
    bytes.try_into().ok()
}

/// The answer to `POST /v1/mailboxes/{hash}`: 201 Created.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PostResponse {
    /// An opaque identifier for the stored bundle.
    pub id: String,
    /// When the relay will delete it if it is never fetched and acknowledged (RFC 3339, UTC).
    pub expires: String,
}

/// One pending bundle in a [`FetchResponse`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PendingBundle {
    pub id: String,
    /// The hash of the key that posted it (64 hex digits).
    pub sender: String,
    pub size: u64,
    /// When the relay received it (RFC 3339, UTC).
    pub received: String,
    /// The bundle's bytes, standard base64.
    #[serde(with = "base64_standard")]
    pub bundle: Vec<u8>,
}

/// The answer to `GET /v1/mailbox`: pending bundles, oldest first. `more` says the fetch budget
/// was reached and another fetch will return the rest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FetchResponse {
    pub bundles: Vec<PendingBundle>,
    pub more: bool,
}

/// The body of `POST /v1/mailbox/ack`. Identifiers already deleted, or not in the requester's
/// mailbox, are ignored, so acknowledging twice is harmless.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AckRequest {
    pub ids: Vec<String>,
}

impl AckRequest {
    /// Reads the body of an acknowledgement: `None` unless it is JSON of the form
    /// `{"ids": [...]}` with at most [`MAX_ACK_IDS`] identifiers, none empty or longer than
    /// [`MAX_ID_LEN`] bytes.
    pub fn parse(body: &[u8]) -> Option<AckRequest> {
        let request: AckRequest = serde_json::from_slice(body).ok()?;
        let fits = request.ids.len() <= MAX_ACK_IDS
            && request
                .ids
                .iter()
                .all(|id| !id.is_empty() && id.len() <= MAX_ID_LEN);
        fits.then_some(request)
    }
}

/// The answer to `POST /v1/mailbox/ack`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AckResponse {
    /// How many bundles were deleted by this request.
    pub deleted: u64,
}

/// The answer to `GET /v1/mailbox/blocks`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BlocksResponse {
    /// Blocked sender key hashes (64 hex digits each).
    pub blocked: Vec<String>,
}

/// The body of every refusal: a stable code for programs and a sentence for people.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ErrorBody {
    pub error: String,
    pub message: String,
}

/// The stable error codes of [`ErrorBody::error`].
pub mod codes {
    pub const UNSIGNED: &str = "unsigned";
    pub const MALFORMED: &str = "malformed";
    pub const BAD_SIGNATURE: &str = "bad_signature";
    pub const EXPIRED: &str = "expired";
    pub const REPLAYED: &str = "replayed";
    /// Never sent: a relay answers a blocked sender's post as if it stored the bundle, and
    /// discards it, so that a block is never revealed to the person blocked.
    pub const BLOCKED: &str = "blocked";
    pub const TOO_LARGE: &str = "too_large";
    pub const MAILBOX_FULL: &str = "mailbox_full";
    pub const RATE_LIMITED: &str = "rate_limited";
    pub const NOT_FOUND: &str = "not_found";
    pub const UNAVAILABLE: &str = "unavailable";
}

mod base64_standard {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        STANDARD
            .decode(text.as_bytes())
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn lookup(headers: &SignedHeaders) -> ReceivedHeaders<'_> {
        ReceivedHeaders::from(headers)
    }

    fn replaced<'a>(
        headers: &'a SignedHeaders,
        name: &str,
        value: Option<&'a str>,
    ) -> ReceivedHeaders<'a> {
        ReceivedHeaders::from_lookup(|n| {
            if n == name {
                value
            } else {
                headers
                    .pairs()
                    .into_iter()
                    .find(|(h, _)| *h == n)
                    .map(|(_, v)| v)
            }
        })
    }

    #[test]
    fn a_signed_request_verifies_and_names_its_key() {
        let k = key(1);
        let h = sign_request(&k, "post", "/v1/mailboxes/ab", 1_000, b"bundle").unwrap();
        let v = verify_request(lookup(&h), "POST", "/v1/mailboxes/ab", b"bundle", 1_050).unwrap();
        assert_eq!(v.key_hash, KeyHash::of(&k.verifying_key()));
        assert_eq!(v.time, 1_000);
    }

    #[test]
    fn any_change_to_the_request_breaks_the_signature() {
        let k = key(2);
        let h = sign_request(&k, "POST", "/v1/mailbox/ack", 500, b"{\"ids\":[]}").unwrap();
        let check = |method: &str, path: &str, body: &[u8]| {
            verify_request(lookup(&h), method, path, body, 500)
        };
        assert_eq!(
            check("GET", "/v1/mailbox/ack", b"{\"ids\":[]}").unwrap_err(),
            AuthError::BadSignature
        );
        assert_eq!(
            check("POST", "/v1/mailbox", b"{\"ids\":[]}").unwrap_err(),
            AuthError::BadSignature
        );
        assert_eq!(
            check("POST", "/v1/mailbox/ack", b"{\"ids\":[\"x\"]}").unwrap_err(),
            AuthError::BadSignature
        );
        let mut other_time = h.clone();
        other_time.time = "501".into();
        assert_eq!(
            verify_request(
                lookup(&other_time),
                "POST",
                "/v1/mailbox/ack",
                b"{\"ids\":[]}",
                500
            )
            .unwrap_err(),
            AuthError::BadSignature
        );
        let mut other_key = h.clone();
        other_key.key = URL_SAFE_NO_PAD.encode(key(3).verifying_key().as_bytes());
        assert_eq!(
            verify_request(
                lookup(&other_key),
                "POST",
                "/v1/mailbox/ack",
                b"{\"ids\":[]}",
                500
            )
            .unwrap_err(),
            AuthError::BadSignature
        );
    }

    #[test]
    fn a_time_outside_the_window_is_expired() {
        let k = key(4);
        let h = sign_request(&k, "GET", "/v1/mailbox", 10_000, b"").unwrap();
        let at = |now| verify_request(lookup(&h), "GET", "/v1/mailbox", b"", now);
        assert!(at(10_000 + TIME_WINDOW_SECS).is_ok());
        assert!(at(10_000 - TIME_WINDOW_SECS).is_ok());
        assert_eq!(
            at(10_000 + TIME_WINDOW_SECS + 1).unwrap_err(),
            AuthError::Expired
        );
        assert_eq!(
            at(10_000 - TIME_WINDOW_SECS - 1).unwrap_err(),
            AuthError::Expired
        );
    }

    #[test]
    fn missing_and_malformed_headers_are_named() {
        let k = key(5);
        let h = sign_request(&k, "GET", "/v1/mailbox", 0, b"").unwrap();
        for missing in [HEADER_KEY, HEADER_TIME, HEADER_NONCE, HEADER_SIGNATURE] {
            assert_eq!(
                verify_request(replaced(&h, missing, None), "GET", "/v1/mailbox", b"", 0)
                    .unwrap_err(),
                AuthError::Unsigned(missing)
            );
        }
        let cases: [(&str, &str); 5] = [
            (HEADER_KEY, "not base64!"),
            (HEADER_KEY, &"A".repeat(5000)),
            (HEADER_TIME, "yesterday"),
            (HEADER_NONCE, "AAAA"),
            (HEADER_SIGNATURE, "AAAA"),
        ];
        for (name, value) in cases {
            assert_eq!(
                verify_request(
                    replaced(&h, name, Some(value)),
                    "GET",
                    "/v1/mailbox",
                    b"",
                    0
                )
                .unwrap_err(),
                AuthError::Malformed(name)
            );
        }
    }

    #[test]
    fn key_hashes_print_and_parse_as_64_hex_digits() {
        let hash = KeyHash::of(&key(6).verifying_key());
        let text = hash.to_string();
        assert_eq!(text.len(), 64);
        assert_eq!(text.parse::<KeyHash>().unwrap(), hash);
        assert_eq!("abc".parse::<KeyHash>().unwrap_err(), ProtoError::KeyHash);
        assert_eq!(
            "z".repeat(64).parse::<KeyHash>().unwrap_err(),
            ProtoError::KeyHash
        );
        assert!(!format!("{hash:?}").contains(&text));
        assert_ne!(hash, KeyHash::of(&key(7).verifying_key()));
    }

    #[test]
    fn fetched_bundles_travel_as_base64_in_json() {
        let response = FetchResponse {
            bundles: vec![PendingBundle {
                id: "x1".into(),
                sender: "00".repeat(32),
                size: 3,
                received: "2026-11-21T10:00:00Z".into(),
                bundle: vec![0, 1, 255],
            }],
            more: false,
        };
        let json = serde_json::to_string(&response).unwrap();
        assert!(json.contains("\"bundle\":\"AAH/\""));
        let back: FetchResponse = serde_json::from_str(&json).unwrap();
        assert_eq!(back, response);
    }
}
