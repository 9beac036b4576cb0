//! A small, blocking client for an Amends relay (`amends relay serve`), which carries sealed
//! bundles between vaults without being able to read them. The protocol is the crate
//! `amends-relay-proto`: every request that touches a mailbox is signed with this vault's
//! ed25519 key, and a mailbox is named by a hash of the owner's key ([`KeyHash`]).
//!
//! Each call signs with the system clock at the moment it is sent (the relay accepts a request
//! within two minutes of its own clock). Calls block; a web handler runs them in
//! `spawn_blocking`. Errors say what happened in plain words and never carry a bundle, a key
//! hash or anything the relay sent except its one-sentence explanation of a refusal.

use std::fmt;
use std::time::Duration;

use amends_relay_proto::{
    AckRequest, AckResponse, BlocksResponse, ErrorBody, FetchResponse, PostResponse, codes, paths,
    sign_request,
};
use ureq::http::{Response, Uri};

pub use amends_relay_proto::KeyHash;
pub use amends_relay_proto::{FetchResponse as Fetched, PendingBundle};

use crate::identity::{Identity, PublicKeys};

/// How long to wait for a connection, and for a whole exchange (a large bundle on a slow line).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const CALL_TIMEOUT: Duration = Duration::from_secs(120);
/// The most a relay's answer may hold: a fetch returns up to 16 MiB of bundles, as base64.
const MAX_ANSWER: u64 = 48 * 1024 * 1024;
/// The longest explanation from a relay shown to a person.
const MESSAGE_MAX: usize = 400;

/// Why the relay could not be reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unreachable {
    /// Nothing accepted the connection: the relay is not running there, or a firewall refused.
    Refused,
    /// The relay's name was not found (no network, or a mistyped address).
    NameNotFound,
    /// It took too long to answer.
    TimedOut,
    /// A secure (https) connection could not be set up.
    Secure,
    /// The connection broke off, or the relay had a problem of its own.
    Broken,
}

impl Unreachable {
    /// The short code kept in the outbox.
    pub fn code(self) -> &'static str {
        match self {
            Unreachable::Refused => "unreachable",
            Unreachable::NameNotFound => "name_not_found",
            Unreachable::TimedOut => "timeout",
            Unreachable::Secure => "tls",
            Unreachable::Broken => "connection_lost",
        }
    }
}

impl fmt::Display for Unreachable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unreachable::Refused => "nothing answered at that address",
            Unreachable::NameNotFound => {
                "its name was not found; check the address and that this computer is online"
            }
            Unreachable::TimedOut => "it took too long to answer",
            Unreachable::Secure => "a secure connection to it could not be made",
            Unreachable::Broken => "the connection broke off, or the relay had a problem",
        })
    }
}

/// A refusal from the relay, with its stable code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The HTTP status.
    pub status: u16,
    /// One of `amends_relay_proto::codes`, or `refused` for a code this version does not know.
    pub code: &'static str,
    /// The relay's explanation, one line, shortened; empty if it gave none.
    pub message: String,
    /// For `rate_limited`: the seconds the relay asks to wait.
    pub retry_after: Option<u64>,
}

impl Refusal {
    fn words(&self) -> String {
        let own = match self.code {
            codes::TOO_LARGE => "the bundle is larger than this relay accepts",
            codes::MAILBOX_FULL => {
                "the receiver's mailbox on the relay is full until they collect what waits there"
            }
            codes::RATE_LIMITED => "too many requests in a short time",
            codes::BLOCKED => "the receiver does not accept bundles from you on this relay",
            codes::EXPIRED => {
                "this computer's clock is too far from the relay's; check the date, time and time zone"
            }
            codes::UNAVAILABLE => "it is not available just now",
            codes::NOT_FOUND => "it does not know that request; check the relay address",
            codes::UNSIGNED | codes::BAD_SIGNATURE | codes::REPLAYED => {
                "it did not accept this app's signature on the request"
            }
            codes::MALFORMED => "it did not understand the request",
            _ => "it refused the request",
        };
        // Our own words for every code we know (short, and the same on every relay); the
        // relay's sentence only for a code this version does not know.
        let mut out = match (self.code, self.message.is_empty()) {
            ("refused", false) => self.message.trim_end_matches('.').to_string(),
            _ => own.to_string(),
        };
        if let (codes::RATE_LIMITED, Some(s)) = (self.code, self.retry_after) {
            out.push_str(&format!(" (it asks to wait {s} seconds)"));
        }
        out
    }
}

/// What went wrong talking to a relay.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RelayError {
    #[error(
        "That relay address cannot be used: {0}. Give a web address such as https://relay.example.org."
    )]
    Address(&'static str),
    #[error("The relay did not answer ({0}).")]
    Unreachable(Unreachable),
    #[error("The relay refused it: {}.", .0.words())]
    Refused(Refusal),
    #[error(
        "The relay answered in a way this version of Amends does not understand ({0}). Check the relay address, or update Amends."
    )]
    Protocol(&'static str),
    #[error("The system could not provide secure random numbers; nothing was sent. Try again.")]
    Randomness,
}

impl RelayError {
    /// Whether trying again later may well succeed: the relay was down or busy, the mailbox
    /// full, the clock off. A bundle too large, or a sender the receiver blocked, will not go
    /// however often it is tried.
    pub fn is_passing(&self) -> bool {
        passing_code(self.code())
    }

    /// Whether the relay could not be reached at all (so nothing else will get through now).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, RelayError::Unreachable(_))
    }

    /// A short code for the outbox (`unreachable`, `mailbox_full`, ...): never text from the
    /// network.
    pub fn code(&self) -> &'static str {
        match self {
            RelayError::Address(_) => "address",
            RelayError::Unreachable(u) => u.code(),
            RelayError::Refused(r) => r.code,
            RelayError::Protocol(_) => "protocol",
            RelayError::Randomness => "randomness",
        }
    }

    /// One sentence that names the relay and says what went wrong, in the right words for the
    /// kind of trouble (it did not answer; it refused; something else answered), without advice
    /// about what happens next.
    pub fn sentence(&self, address: &str) -> String {
        let reason = self.reason();
        match self {
            RelayError::Unreachable(_) => {
                format!("The relay at {address} did not answer ({reason}).")
            }
            RelayError::Refused(_) => {
                format!("The relay at {address} refused the request ({reason}).")
            }
            RelayError::Protocol(_) => format!(
                "Something answered at {address}, but not as an Amends relay does ({reason}). Check the relay address."
            ),
            RelayError::Address(_) | RelayError::Randomness => {
                format!("The relay at {address} could not be used ({reason}).")
            }
        }
    }

    /// Why, in a few words, without the advice around it: for "did not answer (why)".
    pub fn reason(&self) -> String {
        match self {
            RelayError::Unreachable(u) => u.to_string(),
            RelayError::Refused(r) => r.words(),
            RelayError::Protocol(what) => format!("its answer was not understood: {what}"),
            RelayError::Address(what) => (*what).to_string(),
            RelayError::Randomness => "no secure random numbers were available".to_string(),
        }
    }
}

/// Whether the short code kept in the outbox (`RelayError::code`) names a problem that may well
/// pass by itself (the relay down or busy, a full mailbox, the clock off), as
/// [`RelayError::is_passing`] says of the error itself. A bundle too large for the relay, or a
/// sender the receiver blocked, will not go however often it is tried: the person can save it
/// as a file or discard it instead.
pub fn passing_code(code: &str) -> bool {
    matches!(
        code,
        "unreachable"
            | "name_not_found"
            | "timeout"
            | "tls"
            | "connection_lost"
            | "protocol"
            | "randomness"
            | codes::MAILBOX_FULL
            | codes::RATE_LIMITED
            | codes::UNAVAILABLE
            | codes::EXPIRED
            | codes::REPLAYED
    )
}

/// A short code kept in the outbox (`RelayError::code`), in words people read: why a bundle is
/// still waiting. One table, so the CLI and the web app say the same thing.
pub fn problem_words(code: &str) -> &'static str {
    match code {
        "unreachable" => "the relay did not answer",
        "name_not_found" => "the relay's name was not found",
        "timeout" => "the relay took too long to answer",
        "tls" => "a secure connection to the relay could not be made",
        "connection_lost" => "the connection to the relay broke off",
        "mailbox_full" => "their mailbox on the relay was full",
        "rate_limited" => "the relay asked to wait a moment",
        "unavailable" => "the relay was not available",
        "expired" => "this computer's clock was too far from the relay's",
        "too_large" => "it is larger than the relay accepts",
        "blocked" => "they do not accept bundles from you on that relay",
        "protocol" => "the relay's answer was not understood",
        _ => "the relay did not take it",
    }
}

/// A relay at one address, ready to be called. Cheap to clone.
#[derive(Clone)]
pub struct Relay {
    /// `scheme://authority[/prefix]`, without a trailing slash.
    base: String,
    agent: ureq::Agent,
}

impl fmt::Debug for Relay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Relay").field("base", &self.base).finish()
    }
}

/// Checks a relay address and returns it in the form it is kept: `http://` or `https://`, a
/// host, an optional port and path prefix, no query, no trailing slash.
pub fn check_address(text: &str) -> Result<String, RelayError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(RelayError::Address("it is empty"));
    }
    if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(RelayError::Address("it has spaces in it"));
    }
    let uri: Uri = t
        .parse()
        .map_err(|_| RelayError::Address("it is not a web address"))?;
    match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
        Some("http") | Some("https") => {}
        Some(_) => {
            return Err(RelayError::Address(
                "it must start with https:// or http://",
            ));
        }
        None => {
            return Err(RelayError::Address(
                "it must start with https:// or http://",
            ));
        }
    }
    let Some(authority) = uri.authority() else {
        return Err(RelayError::Address("it has no host name"));
    };
    if authority.host().is_empty() {
        return Err(RelayError::Address("it has no host name"));
    }
    if authority.as_str().contains('@') {
        return Err(RelayError::Address(
            "it carries a user name or password, which a relay never needs",
        ));
    }
    if uri.query().is_some() || t.contains('#') {
        return Err(RelayError::Address("it must not have ? or # in it"));
    }
    let scheme = uri.scheme_str().unwrap_or_default().to_ascii_lowercase();
    let path = uri.path().trim_end_matches('/');
    Ok(format!("{scheme}://{}{path}", authority.as_str()))
}

impl Relay {
    /// A client for the relay at `address` (checked with [`check_address`]).
    pub fn new(address: &str) -> Result<Relay, RelayError> {
        let base = check_address(address)?;
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // A signed request names its exact path: it is never sent on somewhere else.
            .max_redirects(0)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(CALL_TIMEOUT))
            .user_agent(concat!("amends/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Relay {
            base,
            agent: config.into(),
        })
    }

    /// The address, as checked.
    pub fn address(&self) -> &str {
        &self.base
    }

    /// Posts a bundle into the mailbox of `to`.
    pub fn post(
        &self,
        me: &Identity,
        to: &KeyHash,
        bundle: &[u8],
    ) -> Result<PostResponse, RelayError> {
        let path = paths::post_bundle(to);
        let answer = self.call(me, "POST", &path, bundle, Some("application/octet-stream"))?;
        expect(answer, 201)
    }

    /// The bundles waiting in this vault's own mailbox, oldest first.
    pub fn fetch(&self, me: &Identity, limit: Option<u32>) -> Result<FetchResponse, RelayError> {
        let path = match limit {
            Some(n) => format!("{}?limit={n}", paths::FETCH),
            None => paths::FETCH.to_string(),
        };
        let answer = self.call(me, "GET", &path, b"", None)?;
        expect(answer, 200)
    }

    /// Tells the relay these bundles were opened and stored (or can never be opened): it
    /// deletes them. Unknown ids are ignored, so acknowledging twice is harmless. Returns how
    /// many were deleted by this call.
    pub fn ack(&self, me: &Identity, ids: &[String]) -> Result<u64, RelayError> {
        let body = serde_json::to_vec(&AckRequest { ids: ids.to_vec() })
            .map_err(|_| RelayError::Protocol("the acknowledgement could not be written"))?;
        let answer = self.call(me, "POST", paths::ACK, &body, Some("application/json"))?;
        Ok(expect::<AckResponse>(answer, 200)?.deleted)
    }

    /// Refuses bundles from this sender into this vault's mailbox from now on.
    pub fn block(&self, me: &Identity, sender: &KeyHash) -> Result<(), RelayError> {
        let answer = self.call(me, "PUT", &paths::block(sender), b"", None)?;
        expect_empty(answer)
    }

    /// Accepts bundles from this sender again.
    pub fn unblock(&self, me: &Identity, sender: &KeyHash) -> Result<(), RelayError> {
        let answer = self.call(me, "DELETE", &paths::block(sender), b"", None)?;
        expect_empty(answer)
    }

    /// The senders this vault has blocked on this relay.
    pub fn blocked(&self, me: &Identity) -> Result<Vec<KeyHash>, RelayError> {
        let answer = self.call(me, "GET", paths::BLOCKS, b"", None)?;
        let list: BlocksResponse = expect(answer, 200)?;
        list.blocked
            .iter()
            .map(|h| {
                h.parse()
                    .map_err(|_| RelayError::Protocol("a blocked sender is not a key hash"))
            })
            .collect()
    }

    /// Signs and sends one request; returns the status, the Retry-After header and the body.
    fn call(
        &self,
        me: &Identity,
        method: &str,
        path: &str,
        body: &[u8],
        content_type: Option<&str>,
    ) -> Result<Answer, RelayError> {
        let time = jiff::Timestamp::now().as_second();
        let signed = sign_request(me.signing_key(), method, path, time, body)
            .map_err(|_| RelayError::Randomness)?;
        let url = format!("{}{path}", self.base);
        let mut builder = ureq::http::Request::builder().method(method).uri(&url);
        for (name, value) in signed.pairs() {
            builder = builder.header(name, value);
        }
        if let Some(ct) = content_type {
            builder = builder.header("content-type", ct);
        }
        let unusable = |_| RelayError::Address("it cannot be used in a request");
        let sent = if body.is_empty() && matches!(method, "GET" | "DELETE") {
            self.agent.run(builder.body(()).map_err(unusable)?)
        } else {
            self.agent.run(builder.body(body).map_err(unusable)?)
        };
        read(&mut sent.map_err(transport)?)
    }
}

/// A relay's answer, read in full.
struct Answer {
    status: u16,
    retry_after: Option<u64>,
    body: Vec<u8>,
}

fn read(response: &mut Response<ureq::Body>) -> Result<Answer, RelayError> {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER)
        .read_to_vec()
        .map_err(transport)?;
    Ok(Answer {
        status,
        retry_after,
        body,
    })
}

/// The known code matching a relay's, as a static string (so nothing from the network is kept).
fn known_code(code: &str) -> &'static str {
    [
        codes::UNSIGNED,
        codes::MALFORMED,
        codes::BAD_SIGNATURE,
        codes::EXPIRED,
        codes::REPLAYED,
        codes::BLOCKED,
        codes::TOO_LARGE,
        codes::MAILBOX_FULL,
        codes::RATE_LIMITED,
        codes::NOT_FOUND,
        codes::UNAVAILABLE,
    ]
    .into_iter()
    .find(|c| *c == code)
    .unwrap_or("refused")
}

/// One line of the relay's own words, without control characters, not too long.
fn plain_line(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let trimmed = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if trimmed.chars().count() <= MESSAGE_MAX {
        trimmed
    } else {
        let cut: String = trimmed.chars().take(MESSAGE_MAX).collect();
        format!("{cut}…")
    }
}

/// A status other than the one the protocol gives for success.
fn refusal(answer: Answer) -> RelayError {
    match serde_json::from_slice::<ErrorBody>(&answer.body) {
        Ok(e) => RelayError::Refused(Refusal {
            status: answer.status,
            code: known_code(&e.error),
            message: plain_line(&e.message),
            retry_after: answer.retry_after,
        }),
        // Not the relay's own refusal: a proxy or a server that is not a relay.
        Err(_) if answer.status >= 500 => RelayError::Unreachable(Unreachable::Broken),
        Err(_) if answer.status == 404 => RelayError::Protocol("no relay answers at that address"),
        Err(_) => RelayError::Protocol("an unexpected status without an explanation"),
    }
}

fn expect<T: serde::de::DeserializeOwned>(answer: Answer, status: u16) -> Result<T, RelayError> {
    if answer.status != status {
        return Err(refusal(answer));
    }
    serde_json::from_slice(&answer.body).map_err(|_| RelayError::Protocol("a malformed answer"))
}

fn expect_empty(answer: Answer) -> Result<(), RelayError> {
    match answer.status {
        204 | 200 => Ok(()),
        _ => Err(refusal(answer)),
    }
}

fn transport(e: ureq::Error) -> RelayError {
    use std::io::ErrorKind;
    match e {
        ureq::Error::HostNotFound => RelayError::Unreachable(Unreachable::NameNotFound),
        ureq::Error::Timeout(_) => RelayError::Unreachable(Unreachable::TimedOut),
        ureq::Error::ConnectionFailed => RelayError::Unreachable(Unreachable::Refused),
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_) => {
            RelayError::Unreachable(Unreachable::Secure)
        }
        ureq::Error::Io(io) => RelayError::Unreachable(match io.kind() {
            ErrorKind::ConnectionRefused
            | ErrorKind::AddrNotAvailable
            | ErrorKind::HostUnreachable
            | ErrorKind::NetworkUnreachable
            | ErrorKind::NetworkDown => Unreachable::Refused,
            ErrorKind::TimedOut | ErrorKind::WouldBlock => Unreachable::TimedOut,
            _ => Unreachable::Broken,
        }),
        ureq::Error::BodyExceedsLimit(_) => RelayError::Protocol("an answer far too large"),
        ureq::Error::BadUri(_) | ureq::Error::Http(_) => {
            RelayError::Address("it cannot be used in a request")
        }
        ureq::Error::TooManyRedirects | ureq::Error::RedirectFailed => {
            RelayError::Protocol("it sent the request somewhere else")
        }
        ureq::Error::Protocol(_) | ureq::Error::LargeResponseHeader(_, _) => {
            RelayError::Protocol("not an HTTP answer this app can read")
        }
        _ => RelayError::Unreachable(Unreachable::Broken),
    }
}

impl PublicKeys {
    /// The relay mailbox of the person with these keys: a hash of their signing key.
    pub fn mailbox(&self) -> KeyHash {
        KeyHash::of(self.verifying_key())
    }
}

impl Identity {
    /// This vault's own relay mailbox.
    pub fn mailbox(&self) -> KeyHash {
        self.public().mailbox()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_passes_by_itself_is_told_apart_by_the_kept_code_alone() {
        let refused = |code: &'static str| {
            RelayError::Refused(Refusal {
                status: 400,
                code,
                message: String::new(),
                retry_after: None,
            })
        };
        let passing = [
            RelayError::Unreachable(Unreachable::Refused),
            RelayError::Unreachable(Unreachable::NameNotFound),
            RelayError::Unreachable(Unreachable::TimedOut),
            RelayError::Unreachable(Unreachable::Secure),
            RelayError::Unreachable(Unreachable::Broken),
            RelayError::Protocol("x"),
            RelayError::Randomness,
            refused(codes::MAILBOX_FULL),
            refused(codes::RATE_LIMITED),
            refused(codes::UNAVAILABLE),
            refused(codes::EXPIRED),
            refused(codes::REPLAYED),
        ];
        let lasting = [
            RelayError::Address("x"),
            refused(codes::TOO_LARGE),
            refused(codes::BLOCKED),
            refused(codes::NOT_FOUND),
            refused(codes::MALFORMED),
            refused(codes::BAD_SIGNATURE),
            refused("refused"),
        ];
        for e in &passing {
            assert!(e.is_passing() && passing_code(e.code()), "{e:?}");
        }
        for e in &lasting {
            assert!(!e.is_passing() && !passing_code(e.code()), "{e:?}");
        }
    }

    #[test]
    fn relay_addresses_are_checked_and_tidied() {
        assert_eq!(
            check_address(" https://relay.example.org/ ").unwrap(),
            "https://relay.example.org"
        );
        assert_eq!(
            check_address("HTTP://127.0.0.1:8080/amends/").unwrap(),
            "http://127.0.0.1:8080/amends"
        );
        for bad in [
            "",
            "relay.example.org",
            "ftp://relay.example.org",
            "file:///etc/passwd",
            "https://",
            "https://user:pw@relay.example.org",
            "https://relay.example.org/?x=1",
            "https://relay.example.org/#top",
            "https://relay example.org",
        ] {
            assert!(
                matches!(check_address(bad), Err(RelayError::Address(_))),
                "{bad:?} was accepted"
            );
        }
        let e = check_address("ftp://x").unwrap_err().to_string();
        assert!(e.contains("https://"), "{e}");
    }

    #[test]
    fn a_relay_refusal_keeps_only_known_codes_and_one_tidy_line() {
        let body = serde_json::to_vec(&ErrorBody {
            error: "mailbox_full".into(),
            message: "The mailbox is full.\n\u{1b}[31mCollect what waits.".into(),
        })
        .unwrap();
        let e = refusal(Answer {
            status: 507,
            retry_after: None,
            body,
        });
        let RelayError::Refused(r) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(r.code, codes::MAILBOX_FULL);
        assert!(!r.message.contains('\n') && !r.message.contains('\u{1b}'));
        assert!(e.is_passing());
        assert_eq!(e.code(), "mailbox_full");

        let odd = serde_json::to_vec(&ErrorBody {
            error: "something; DROP TABLE".into(),
            message: "x".repeat(2000),
        })
        .unwrap();
        let e = refusal(Answer {
            status: 400,
            retry_after: None,
            body: odd,
        });
        assert_eq!(e.code(), "refused");
        assert!(e.to_string().chars().count() < 600);
        assert!(!e.is_passing());

        let limited = serde_json::to_vec(&ErrorBody {
            error: codes::RATE_LIMITED.into(),
            message: String::new(),
        })
        .unwrap();
        let e = refusal(Answer {
            status: 429,
            retry_after: Some(30),
            body: limited,
        });
        assert!(e.to_string().contains("30 seconds"), "{e}");
        assert!(e.is_passing());

        let e = refusal(Answer {
            status: 502,
            retry_after: None,
            body: b"<html>Bad gateway</html>".to_vec(),
        });
        assert!(e.is_unreachable());
        let e = refusal(Answer {
            status: 404,
            retry_after: None,
            body: b"Not Found".to_vec(),
        });
        assert!(matches!(e, RelayError::Protocol(_)));
    }

    #[test]
    fn a_relay_that_is_not_there_did_not_answer() {
        // A port nothing listens on: bind one, note it, close it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let relay = Relay::new(&format!("http://127.0.0.1:{port}")).unwrap();
        let me = Identity::generate().unwrap();
        let e = relay.post(&me, &me.mailbox(), b"bundle").unwrap_err();
        assert_eq!(e, RelayError::Unreachable(Unreachable::Refused));
        assert!(e.is_passing());
        assert_eq!(e.code(), "unreachable");
        assert!(e.to_string().starts_with("The relay did not answer"), "{e}");
    }
}
