//! The locks on the door of the local web app, tested against the real listener: loopback only,
//! the launch token exchanged for a strict cookie, nothing without it, loopback Host names only,
//! a CSRF token on every change, a strict CSP with no inline code, escaped text, no personal
//! words in addresses, titles or logs, every asset embedded, no caching, quick exit.

use crate::common;
use crate::relay_support;

use std::collections::{BTreeSet, VecDeque};
use std::net::{IpAddr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

use amends_core::model::{Cadence, CommitmentKind, HarmKind, PartyKind, Settings, Willingness};
use amends_core::{Money, Now};
use amends_vault::{CommitmentInput, HarmInput, PartyRef, Vault, VaultError};
use common::{Resp, Server, addresses, send, stranger, tags, title};
use relay_support::TestRelay;
use reqwest::Method;

/// The policy every response must carry, word for word.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

// Words a person typed. None may ever show up in an address, a title or a log line, and the
// ones made of markup must only ever be shown escaped.
const NAME: &str = "Zebra-Canary";
const XSS_SCRIPT: &str = "<script>alert(1)</script>";
const XSS_IMG: &str = "\"><img src=x onerror=alert(1)>";
const HARM: &str = "Harm-Okapi";
const RELATION: &str = "Rel-Narwhal";
const NOTES: &str = "Notes-Tapir";
const BEHAVIOUR: &str = "Behaviour-Ibex";
/// Typed into the app's own forms during the tour.
const TYPED: &str = "Typed-Pangolin";
/// The name given to a contact (the sponsor whose share the seeded vault holds).
const CONTACT: &str = "Contact-Quokka";
/// A wrong passphrase typed into the unlock form.
const WRONG_PASS: &str = "Secret-Axolotl wrong words";

const PERSONAL: &[&str] = &[
    NAME, XSS_SCRIPT, XSS_IMG, HARM, RELATION, NOTES, BEHAVIOUR, TYPED, WRONG_PASS, CONTACT,
];

/// Text as the browser shows it: the character references the templates write, undone.
fn unescaped(html: &str) -> String {
    let mut out = html.to_string();
    for (from, to) in [
        ("&#60;", "<"),
        ("&lt;", "<"),
        ("&#62;", ">"),
        ("&gt;", ">"),
        ("&#34;", "\""),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&#x27;", "'"),
        ("&#38;", "&"),
        ("&amp;", "&"),
    ] {
        out = out.replace(from, to);
    }
    out
}

/// A list with a person, their harm, a restitution (id 1, an instalment due today) and a living
/// amends (id 2, a check-in due today); parties 2 and 3 are named with markup. Harms 1, 2 and 3
/// belong to parties 1, 2 and 3. Contact 1 is a verified contact who shared a list with this
/// vault (their party 1 has a plan), so every sharing page has something to show.
fn seed(v: &mut Vault, now: &Now) -> Result<(), VaultError> {
    seed_list(v, now)?;
    seed_sharing(v, now).map_err(|e| VaultError::Storage(e.to_string()))
}

fn seed_sharing(v: &mut Vault, now: &Now) -> Result<(), amends_share::ShareError> {
    use amends_share::document::{
        Body, Document, KeysOut, Part, ShareBody, SharedHarm, SharedParty, SharedPlan,
    };
    let friend = amends_share::Identity::generate()?;
    let keys = |k: &amends_share::PublicKeys| KeysOut {
        age: k.age_recipient(),
        sign: k.sign_key_hex(),
    };
    let (id, _) =
        amends_share::add_contact(v, &friend.public().contact_code(), CONTACT, "sponsor", now)?;
    v.verify_contact(id, now)?;
    let me = amends_share::identity(v, now)?.public();
    let doc = Document {
        from: keys(&friend.public()),
        to: keys(&me),
        sequence: 1,
        created: now.at,
        app: "test".into(),
        body: Body::Share(ShareBody {
            whole_list: true,
            parts: vec![Part::Harms, Part::Plans, Part::Scripts],
            fellowship: "aa".into(),
            parties: vec![SharedParty {
                id: 1,
                name: format!("{NAME} {XSS_IMG}"),
                kind: "person".into(),
                relationship: XSS_SCRIPT.into(),
                stage: "planned".into(),
                stage_reason: XSS_SCRIPT.into(),
                willingness: Some("now".into()),
                harms: Some(vec![SharedHarm {
                    did: format!("{HARM} {XSS_SCRIPT}"),
                    ..SharedHarm::default()
                }]),
                plan: Some(SharedPlan {
                    version: now.at.to_string(),
                    method: "letter".into(),
                    script: Some(XSS_IMG.into()),
                    ..SharedPlan::default()
                }),
                ..SharedParty::default()
            }],
        }),
    };
    let bytes = amends_share::seal(&doc, &friend, &me)?;
    amends_share::receive(v, &bytes, now)?;
    Ok(())
}

fn seed_list(v: &mut Vault, now: &Now) -> Result<(), VaultError> {
    let usd = Settings::default().currency;
    let p = v.add_party(NAME, PartyKind::Person, RELATION, NOTES, now)?;
    v.add_harm(
        &PartyRef::Id(p.id),
        &HarmInput {
            did: format!("{HARM} {XSS_SCRIPT}"),
            should: format!("{HARM} should {XSS_IMG}"),
            effect: format!("{HARM} effect"),
            kinds: vec![HarmKind::Financial],
            ..HarmInput::default()
        },
        now,
    )?;
    v.set_willingness(&PartyRef::Id(p.id), Willingness::Now, NOTES, now)?;
    // A restitution paid to them waits for the safety questions.
    v.answer_safety(
        &PartyRef::Id(p.id),
        amends_core::model::SafetyAnswers::default(),
        now,
    )?;
    v.add_commitment(
        &PartyRef::Id(p.id),
        &CommitmentInput::Restitution {
            amount: Money::new(10_000, usd),
            instalment: Some(Money::new(1_000, usd)),
            every: Some(Cadence::Monthly),
            starting: now.today,
        },
        now,
    )?;
    let q = v.add_party(XSS_SCRIPT, PartyKind::Person, XSS_IMG, XSS_SCRIPT, now)?;
    v.add_harm(
        &PartyRef::Id(q.id),
        &HarmInput {
            did: XSS_IMG.to_string(),
            ..HarmInput::default()
        },
        now,
    )?;
    v.set_willingness(&PartyRef::Id(q.id), Willingness::Now, "", now)?;
    v.add_commitment(
        &PartyRef::Id(q.id),
        &CommitmentInput::Living {
            behaviour: format!("{BEHAVIOUR} {XSS_IMG}"),
            every: Cadence::Daily,
            starting: now.today,
        },
        now,
    )?;
    let r = v.add_party(XSS_IMG, PartyKind::Person, "", "", now)?;
    v.set_willingness(&PartyRef::Id(r.id), Willingness::Later, XSS_SCRIPT, now)?;
    v.add_harm(
        &PartyRef::Id(r.id),
        &HarmInput {
            did: format!("{HARM} again"),
            ..HarmInput::default()
        },
        now,
    )?;
    Ok(())
}

/// A server over the seeded list, admitted and unlocked.
async fn seeded() -> Server {
    Server::ready(seed).await
}

/// A server over the seeded list that uses a real relay (running until the relay is dropped).
async fn seeded_with_relay() -> (Server, TestRelay) {
    let relay = TestRelay::start();
    let url = relay.url.clone();
    let s = Server::ready(move |v, now| {
        seed(v, now)?;
        v.set_relay_address(Some(&url))
    })
    .await;
    (s, relay)
}

/// Seals a share of the seeded list for its contact into the outbox (number 1 there), without
/// sending it; returns this vault's public keys.
fn wait_in_outbox(s: &Server) -> amends_share::PublicKeys {
    s.app
        .write(|v, now| {
            let prepared = amends_share::prepare_share(
                v,
                &amends_vault::ContactRef::Id(1),
                &amends_share::Selection {
                    parties: None,
                    parts: vec![amends_share::document::Part::Harms],
                },
                now,
            )
            .unwrap();
            let sealed = amends_share::seal_share_for_relay(v, &prepared, now).unwrap();
            assert_eq!(sealed.outbox, Some(1));
            Ok(amends_share::identity(v, now).unwrap().public())
        })
        .unwrap()
        .unwrap()
}

/// A sender the seeded vault does not know: the key hash of its mailbox name. Blocked and
/// unblocked on the relay by the CSRF table.
const STRANGER_KEY: &str = "5f0e1d2c3b4a59687766554433221100ffeeddccbbaa99887766554433221100";

/// A real bundle for `to`, from someone who is not in their contacts.
fn stranger_bundle(to: &amends_share::PublicKeys) -> (amends_share::Identity, Vec<u8>) {
    use amends_share::document::{Body, Document, KeysOut, StopBody};
    let stranger = amends_share::Identity::generate().unwrap();
    let keys = |k: &amends_share::PublicKeys| KeysOut {
        age: k.age_recipient(),
        sign: k.sign_key_hex(),
    };
    let doc = Document {
        from: keys(&stranger.public()),
        to: keys(to),
        sequence: 1,
        created: jiff::Timestamp::now(),
        app: "test".into(),
        body: Body::Stop(StopBody {}),
    };
    let bytes = amends_share::seal(&doc, &stranger, to).unwrap();
    (stranger, bytes)
}

/// Concrete paths for a route pattern: `{name}` of the assets is each embedded file, any other
/// `{param}` is 1 (the first party or commitment of the seeded list).
fn concrete(pattern: &str) -> Vec<String> {
    if pattern.starts_with("/assets/") {
        return ASSETS
            .iter()
            .map(|(name, _)| format!("/assets/{name}"))
            .collect();
    }
    vec![common::first_of_each(pattern)]
}

/// The embedded files and their content types.
const ASSETS: &[(&str, &str)] = &[
    ("app.css", "text/css"),
    ("app.js", "text/javascript"),
    ("htmx.min.js", "text/javascript"),
    ("icon.svg", "image/svg+xml"),
];

/// An asset's name as the pages link to it (`app.<16 hex digits>.css`) without its version.
fn unversioned(name: &str) -> String {
    name.split('.')
        .filter(|part| !(part.len() == 16 && part.chars().all(|c| c.is_ascii_hexdigit())))
        .collect::<Vec<_>>()
        .join(".")
}

/// Every GET path of the router, from the router's own table, made concrete.
fn get_paths() -> Vec<String> {
    amends_web::route_table()
        .into_iter()
        .filter(|r| r.methods.contains(&"GET"))
        .flat_map(|r| concrete(r.path))
        .collect()
}

// =============================================================================================
// 1. Loopback only

/// The addresses other machines would use to reach this one, if it has any (a UDP "connect"
/// sends nothing; it only picks the outgoing interface, for IPv4 and for IPv6).
fn outward_addresses() -> Vec<IpAddr> {
    let pick = |bind: &str, to: &str| -> Option<IpAddr> {
        let s = UdpSocket::bind(bind).ok()?;
        s.connect(to).ok()?;
        let ip = s.local_addr().ok()?.ip();
        (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
    };
    [
        pick("0.0.0.0:0", "192.0.2.1:9"),
        pick("[::]:0", "[2001:db8::1]:9"),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn reachable(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok()
}

#[tokio::test]
async fn it_listens_on_loopback_only() {
    let s = Server::empty().await;
    assert_eq!(s.addr.ip(), IpAddr::from([127, 0, 0, 1]));
    assert_ne!(s.addr.port(), 0);
    assert!(
        s.url
            .starts_with(&format!("http://127.0.0.1:{}/?t=", s.addr.port())),
        "{}",
        s.url
    );
    let port = s.addr.port();
    let (on_loopback, elsewhere) = tokio::task::spawn_blocking(move || {
        let here = reachable(SocketAddr::from(([127, 0, 0, 1], port)));
        let mut others = vec![
            // Another loopback address and IPv6 loopback: a wildcard bind would answer both.
            SocketAddr::from(([127, 0, 0, 2], port)),
            SocketAddr::from((Ipv6Addr::LOCALHOST, port)),
        ];
        let outward = outward_addresses();
        if outward.is_empty() {
            eprintln!("no non-loopback address here; checked other loopback addresses only");
        }
        others.extend(outward.into_iter().map(|ip| SocketAddr::new(ip, port)));
        eprintln!("checking that {others:?} do not answer");
        let open: Vec<SocketAddr> = others.into_iter().filter(|a| reachable(*a)).collect();
        (here, open)
    })
    .await
    .unwrap();
    assert!(on_loopback, "the server answers on 127.0.0.1");
    assert!(elsewhere.is_empty(), "also reachable at {elsewhere:?}");
}

// =============================================================================================
// 2. The launch token becomes a strict cookie

#[tokio::test]
async fn the_launch_token_is_exchanged_for_a_strict_session_cookie() {
    let mut a = Server::empty().await;
    let b = Server::empty().await;
    assert_eq!(a.token.len(), 64, "256 random bits");
    assert!(a.token.chars().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(a.token, b.token, "each server has its own token");
    assert!(a.url.ends_with(&format!("?t={}", a.token)));

    // A wrong token, of the same length or not, is refused and sets nothing.
    let mut wrong = a.token.clone().into_bytes();
    wrong[10] = if wrong[10] == b'0' { b'1' } else { b'0' };
    let wrong = String::from_utf8(wrong).unwrap();
    for t in [wrong.as_str(), "", "abc", b.token.as_str()] {
        let r = send(stranger().get(a.at(&format!("/?t={t}")))).await;
        assert_eq!(r.status, 401, "token {t:?}");
        assert!(r.all("set-cookie").is_empty());
    }

    // The right one: a 303 to the same page without the token, and the cookie.
    let r = a.admit().await;
    assert_eq!(r.location(), "/");
    assert!(!r.location().contains(&a.token));
    let cookies = r.all("set-cookie");
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    let c = &cookies[0];
    let parts: Vec<String> = c
        .split(';')
        .map(|p| p.trim().to_ascii_lowercase())
        .collect();
    for must in ["httponly", "samesite=strict", "path=/"] {
        assert!(parts.iter().any(|p| p == must), "{must} missing in {c}");
    }
    // It outlives the browser being closed (so the person comes back without a new address),
    // for as long as this run of the app: its value is drawn afresh at every start (A's cookie
    // means nothing to B, below). Not readable by any script, and for this host only.
    let max_age = format!("max-age={}", amends_web::security::COOKIE_MAX_AGE_SECS);
    assert!(parts.contains(&max_age), "{c}");
    assert!(
        !parts
            .iter()
            .any(|p| p.starts_with("expires") || p.starts_with("domain")),
        "{c}"
    );
    let cookie = a.cookie.clone().unwrap();
    assert_eq!(cookie.len(), 64);
    assert_ne!(cookie, a.token, "the cookie is not the token");
    assert!(!r.body.contains(&a.token));

    // The cookie admits: a page, not a 401.
    let home = a.get("/").await;
    assert_eq!(home.status, 303);
    assert_eq!(home.location(), "/setup");
    a.get("/setup").await.expect(200);

    // The token works once: a stranger holding a copy of the address is refused.
    let r = send(stranger().get(a.at(&format!("/?t={}", a.token)))).await;
    assert_eq!(r.status, 401);
    assert!(r.all("set-cookie").is_empty());
    assert!(r.body.contains("already been used"), "{}", r.body);
    // The admitted browser opening it again is simply let through, to the path without the query.
    let r = a.get(&format!("/unlock?t={}&x=1", a.token)).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/unlock");

    // The redirect never leaves the app, whatever the path looks like.
    // (First use, on a fresh server, then the admitted browser coming back.)
    let fresh = Server::empty().await;
    let r = fresh
        .raw(
            "GET",
            &format!("//evil.example/?t={}", fresh.token),
            &[&format!("Host: 127.0.0.1:{}", fresh.addr.port())],
            "",
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.head);
    assert_eq!(r.header("location"), "/");
    for path in ["//evil.example/", "//evil.example/x", "/\\evil.example/"] {
        let r = a
            .raw(
                "GET",
                &format!("{path}?t={}", a.token),
                &[
                    &format!("Host: 127.0.0.1:{}", a.addr.port()),
                    &format!("Cookie: amends_session={cookie}"),
                ],
                "",
            )
            .await;
        let to = r.header("location");
        // A backslash may not even be taken as a path; the others must be exchanged.
        assert!(r.status == 303 || path.contains('\\'), "{path}: {}", r.head);
        if r.status == 303 {
            assert!(
                to.starts_with('/') && !to.starts_with("//") && !to.contains('\\'),
                "{path} redirects to {to}"
            );
        }
    }

    // A's cookie means nothing to B.
    let r = b
        .raw(
            "GET",
            "/",
            &[
                &format!("Host: 127.0.0.1:{}", b.addr.port()),
                &format!("Cookie: amends_session={cookie}"),
            ],
            "",
        )
        .await;
    assert_eq!(r.status, 401);
}

// =============================================================================================
// 3. Nothing without the cookie

#[tokio::test]
async fn without_the_cookie_every_route_is_refused_and_shows_nothing() {
    let mut s = seeded().await;
    let home = s.get("/").await;
    home.expect(200);
    assert!(home.body.contains(NAME), "the name is on the home page");
    let csrf = s.token().await;

    let mut paths: BTreeSet<String> = get_paths().into_iter().collect();
    paths.extend(["/parties/1".to_string(), "/list".to_string()]);
    // The calendar subscription is read by calendar apps, without the cookie: its token is its
    // lock (tests/exports.rs).
    paths.retain(|p| !amends_web::security::is_calendar_feed(&Method::GET, p));
    // The app's own files are served to anyone on this machine: the same for everyone, nothing
    // personal in them, and the refusal pages need the stylesheet. Still behind the Host check.
    let assets: Vec<String> = paths
        .iter()
        .filter(|p| amends_web::security::is_public_asset(&Method::GET, p))
        .cloned()
        .collect();
    assert!(assets.len() >= 3, "{assets:?}");
    for path in &assets {
        let r = send(stranger().get(s.at(path))).await;
        assert_eq!(r.status, 200, "{path} without the cookie");
        for word in PERSONAL {
            assert!(!r.body.contains(word), "{path} shows {word}");
        }
        assert!(r.all("set-cookie").is_empty(), "{path} sets a cookie");
    }
    paths.retain(|p| !amends_web::security::is_public_asset(&Method::GET, p));
    let posts: Vec<String> = amends_web::route_table()
        .into_iter()
        .filter(|r| r.methods.contains(&"POST"))
        .flat_map(|r| concrete(r.path))
        .collect();
    assert!(paths.contains("/") && assets.iter().any(|p| p.ends_with(".js")));
    // Every method of the table is sent: GET and HEAD to the pages, POST to the changes.
    for r in amends_web::route_table() {
        for m in &r.methods {
            assert!(
                ["GET", "HEAD", "POST"].contains(m),
                "{m} {}: send it below too",
                r.path
            );
        }
        if r.session {
            assert!(
                !amends_web::security::is_calendar_feed(&Method::GET, &concrete(r.path)[0]),
                "{} is in the session but the cookie check lets it through",
                r.path
            );
        } else {
            assert!(
                r.path == "/calendar/{file}" || r.path == "/assets/{name}",
                "only the calendar feed and the app's own files are outside: {}",
                r.path
            );
        }
    }
    assert!(posts.contains(&"/lock".to_string()));

    let zeros = "0".repeat(64);
    let other_cookies = [
        None,
        Some(zeros.as_str()),
        Some(s.token.as_str()),
        Some(csrf.as_str()),
        Some(""),
    ];
    let check = |r: &Resp, what: &str| {
        assert_eq!(r.status, 401, "{what}: {}", r.body);
        for word in PERSONAL {
            assert!(!r.body.contains(word), "{what} shows {word}");
        }
        assert!(!r.body.contains(&csrf), "{what} shows the CSRF token");
        assert!(!r.body.contains(&s.token), "{what} shows the launch token");
        // A page a person can read on a phone, with the way back in; a HEAD has no body.
        if !r.body.is_empty() {
            assert!(r.is_html(), "{what}");
            assert!(
                r.body.contains("This browser is not let in"),
                "{what}: {}",
                r.body
            );
            assert!(r.body.contains("width=device-width"), "{what}");
            assert!(r.body.contains("/assets/app"), "{what} has no stylesheet");
        }
        assert!(r.all("set-cookie").is_empty(), "{what} sets a cookie");
        assert_eq!(r.header("cache-control"), "no-store", "{what}");
        assert_eq!(r.header("content-security-policy"), CSP, "{what}");
    };
    for cookie in other_cookies {
        for path in &paths {
            // GET and HEAD: every route that answers GET answers HEAD too (the table says so).
            for method in [Method::GET, Method::HEAD] {
                let mut rq = stranger().request(method.clone(), s.at(path));
                if let Some(c) = cookie {
                    rq = rq.header("cookie", format!("amends_session={c}"));
                }
                check(
                    &send(rq).await,
                    &format!("{method} {path} with cookie {cookie:?}"),
                );
            }
        }
        for path in &posts {
            let mut rq = stranger().post(s.at(path)).form(&[
                ("_csrf", csrf.as_str()),
                ("amount", "5"),
                ("kept", "yes"),
            ]);
            if let Some(c) = cookie {
                rq = rq.header("cookie", format!("amends_session={c}"));
            }
            check(
                &send(rq).await,
                &format!("POST {path} with cookie {cookie:?}"),
            );
        }
    }
    // The right value under another name does not count either.
    let c = s.cookie.clone().unwrap();
    let r = send(
        stranger()
            .get(s.at("/"))
            .header("cookie", format!("session={c}")),
    )
    .await;
    check(&r, "the cookie value under another name");
    // Nothing above changed anything.
    let after = s.get("/").await;
    after.expect(200);
    assert_eq!(
        s.app.read(|v| v.records()).unwrap().unwrap().len(),
        3,
        "the list is as it was"
    );
}

// =============================================================================================
// 4. Loopback Host names only

#[tokio::test]
async fn only_loopback_host_names_are_answered() {
    let mut s = seeded().await;
    let port = s.addr.port();
    let cookie = s.cookie_line();
    let csrf = s.token().await;

    let bad = [
        "evil.example".to_string(),
        format!("evil.example:{port}"),
        format!("127.0.0.1.evil.example:{port}"),
        format!("localhost.evil.example:{port}"),
        format!("localhost.:{port}"),
        format!("127.0.0.2:{port}"),
        format!("0.0.0.0:{port}"),
        format!("[::1]evil:{port}"),
        format!("192.168.1.10:{port}"),
        String::new(),
    ];
    for host in &bad {
        let h = format!("Host: {host}");
        let r = s.raw("GET", "/", &[&h, &cookie], "").await;
        assert_eq!(r.status, 421, "Host {host:?}: {}", r.head);
        for word in PERSONAL {
            assert!(!r.body.contains(word), "Host {host:?} shows {word}");
        }
        assert_eq!(r.header("content-security-policy"), CSP);
        // No cookie for a foreign name, even with the right token.
        let r = s.raw("GET", &format!("/?t={}", s.token), &[&h], "").await;
        assert_eq!(r.status, 421, "token exchange with Host {host:?}");
        assert!(r.header("set-cookie").is_empty());
        // And no change.
        let body = format!("_csrf={csrf}");
        let r = s
            .raw(
                "POST",
                "/lock",
                &[
                    &h,
                    &cookie,
                    "Content-Type: application/x-www-form-urlencoded",
                ],
                &body,
            )
            .await;
        assert_eq!(r.status, 421, "POST with Host {host:?}");
    }
    // No Host at all, or two of them.
    let r = s.raw("GET", "/", &[&cookie], "").await;
    assert!((400..500).contains(&r.status), "no Host: {}", r.head);
    assert!(!r.body.contains(NAME));
    let r = s
        .raw(
            "GET",
            "/",
            &[
                &format!("Host: 127.0.0.1:{port}"),
                "Host: evil.example",
                &cookie,
            ],
            "",
        )
        .await;
    assert!((400..500).contains(&r.status), "two Hosts: {}", r.head);
    assert!(!r.body.contains(NAME));

    // Still unlocked: none of the refused requests locked the vault.
    s.get("/").await.expect(200);

    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
        format!("[::1]:{port}"),
        "localhost".to_string(),
        "127.0.0.1".to_string(),
    ] {
        let r = s
            .raw("GET", "/", &[&format!("Host: {host}"), &cookie], "")
            .await;
        assert_eq!(r.status, 200, "Host {host:?}: {}", r.head);
        assert!(r.body.contains(NAME), "Host {host:?} shows the page");
    }
}

// =============================================================================================
// 5. A CSRF token on every change

/// One route that can change something, and a form for it that would be accepted with the token.
struct Change {
    /// The route as registered (`.route("...", post(...))`).
    route: &'static str,
    /// A concrete path for it in the seeded list.
    path: &'static str,
    fields: &'static [(&'static str, &'static str)],
    /// The status the handler answers with when the token is there: 303 for a change saved (or
    /// a step done), 200 for a page, 422 for a form its handler read and showed again.
    answer: u16,
}

/// Every route of the router that answers anything but GET. A new route goes here, with a form
/// its handler accepts; keep the ones that lock the vault last (the accepted requests are sent
/// in this order, after all the refused ones, so a row may build on the rows above it).
/// `$KEY` in a value is the vault's recovery key, `$TODAY` today's date and `$SOON` a date a
/// month from now.
const CHANGES: &[Change] = &[
    Change {
        route: "/setup",
        path: "/setup",
        fields: &[
            ("passphrase", "another vault of strong words"),
            ("again", "another vault of strong words"),
        ],
        answer: 303,
    },
    Change {
        // A vault exists: restoring is only for the first run, so it leads home.
        route: "/setup/restore",
        path: "/setup/restore",
        fields: &[],
        answer: 303,
    },
    Change {
        route: "/setup/strength",
        path: "/setup/strength",
        fields: &[("passphrase", "short")],
        answer: 200,
    },
    Change {
        route: "/setup/recovery",
        path: "/setup/recovery",
        fields: &[("written", "on"), ("last", "00000000")],
        answer: 303,
    },
    Change {
        route: "/setup/choices",
        path: "/setup/choices",
        fields: &[
            ("fellowship", "na"),
            ("language", "en"),
            ("currency", "EUR"),
        ],
        answer: 303,
    },
    Change {
        route: "/unlock",
        path: "/unlock",
        fields: &[("passphrase", common::PASSPHRASE)],
        answer: 303,
    },
    Change {
        route: "/recover",
        path: "/recover",
        fields: &[
            ("key", "$KEY"),
            ("passphrase", "a fresh passphrase of good words"),
            ("again", "a fresh passphrase of good words"),
        ],
        answer: 303,
    },
    Change {
        route: "/commitments/{id}/pay",
        path: "/commitments/1/pay",
        fields: &[("amount", "5"), ("back", "/")],
        answer: 303,
    },
    Change {
        route: "/commitments/{id}/checkin",
        path: "/commitments/2/checkin",
        fields: &[("kept", "yes"), ("back", "/")],
        answer: 303,
    },
    Change {
        route: "/payments/{id}/correct",
        path: "/payments/1/correct",
        fields: &[
            ("amount", "4"),
            ("on", "today"),
            ("reason", "paid 4, not 5"),
        ],
        answer: 303,
    },
    Change {
        route: "/checkins/{id}/correct",
        path: "/checkins/1/correct",
        fields: &[
            ("kept", "no"),
            ("on", "today"),
            ("reason", "missed it after all"),
        ],
        answer: 303,
    },
    Change {
        route: "/payments/{id}/remove",
        path: "/payments/1/remove",
        fields: &[("confirm", "yes"), ("reason", "recorded twice")],
        answer: 303,
    },
    Change {
        route: "/checkins/{id}/remove",
        path: "/checkins/1/remove",
        fields: &[("confirm", "yes"), ("reason", "recorded twice")],
        answer: 303,
    },
    Change {
        route: "/capture",
        path: "/capture",
        fields: &[("name", "the bus driver"), ("did", "shouted at him")],
        answer: 303,
    },
    Change {
        route: "/list/move",
        path: "/list/move",
        fields: &[("party", "3"), ("willingness", "maybe")],
        answer: 303,
    },
    Change {
        route: "/list/table",
        path: "/list/table",
        fields: &[("q", "bus"), ("stage", ""), ("kind", ""), ("harm", "")],
        answer: 200,
    },
    Change {
        route: "/parties",
        path: "/parties",
        fields: &[
            ("name", "a neighbour"),
            ("kind", "person"),
            ("relationship", "next door"),
            ("did", "blocked the drive"),
            ("kinds", "time"),
        ],
        answer: 303,
    },
    Change {
        route: "/parties/{id}/edit",
        path: "/parties/1/edit",
        fields: &[
            ("name", NAME),
            ("kind", "person"),
            ("relationship", RELATION),
            ("notes", "notes changed"),
        ],
        answer: 303,
    },
    Change {
        route: "/parties/{id}/harms",
        path: "/parties/3/harms",
        fields: &[("did", "kept the ladder"), ("kinds", "property")],
        answer: 303,
    },
    Change {
        route: "/parties/{id}/harms/{harm}/edit",
        path: "/parties/2/harms/2/edit",
        fields: &[("did", "the harm in other words")],
        answer: 303,
    },
    Change {
        route: "/parties/{id}/harms/{harm}/aside",
        path: "/parties/3/harms/3/aside",
        fields: &[("reason", "no-real-harm"), ("note", "")],
        answer: 303,
    },
    Change {
        route: "/parties/{id}/harms/{harm}/restore",
        path: "/parties/3/harms/3/restore",
        fields: &[],
        answer: 303,
    },
    Change {
        route: "/parties/{id}/willingness",
        path: "/parties/3/willingness",
        fields: &[("level", "now"), ("note", "")],
        answer: 303,
    },
    Change {
        route: "/parties/{id}/defer",
        path: "/parties/3/defer",
        fields: &[("reason", "not the right time"), ("review_on", "$SOON")],
        answer: 303,
    },
    Change {
        route: "/parties/{id}/resume",
        path: "/parties/3/resume",
        fields: &[],
        answer: 303,
    },
    Change {
        route: "/parties/{id}/aside",
        path: "/parties/3/aside",
        fields: &[("reason", "other"), ("note", "moved away from the list")],
        answer: 303,
    },
    Change {
        route: "/parties/{id}/restore",
        path: "/parties/3/restore",
        fields: &[],
        answer: 303,
    },
    Change {
        route: "/parties/{id}/safety",
        path: "/parties/1/safety",
        fields: &[
            ("court-order", "no"),
            ("asked-no-contact", "no"),
            ("abused-them", "no"),
            ("harmed-me", "no"),
            ("legal-risk", "no"),
            ("affair", "no"),
            ("third-parties", "yes"),
            ("my-safety", "no"),
            ("deceased", "no"),
            ("unreachable", "no"),
            ("child", "no"),
            ("family", "no"),
            ("legal_decision", ""),
        ],
        answer: 303,
    },
    Change {
        route: "/parties/{id}/consent",
        path: "/parties/1/consent",
        fields: &[
            ("who", "their brother"),
            ("given", "yes"),
            ("on", "$TODAY"),
            ("note", ""),
        ],
        answer: 303,
    },
    Change {
        route: "/parties/{id}/plan",
        path: "/parties/1/plan",
        fields: &[
            ("method", "letter"),
            ("script", "I was wrong, and I am sorry."),
            ("on", ""),
            ("place", ""),
        ],
        answer: 303,
    },
    Change {
        route: "/parties/{id}/coach",
        path: "/parties/1/coach",
        fields: &[("script", "I'm sorry if you were hurt.")],
        answer: 200,
    },
    Change {
        route: "/parties/{id}/consult",
        path: "/parties/1/consult",
        fields: &[
            ("with", "sponsor"),
            ("name", ""),
            ("on", "$TODAY"),
            ("advice", "send it"),
            ("approved", "yes"),
        ],
        answer: 303,
    },
    Change {
        route: "/parties/{id}/attempt",
        path: "/parties/1/attempt",
        fields: &[("on", "$TODAY"), ("method", "letter"), ("outcome", "warm")],
        answer: 303,
    },
    Change {
        route: "/parties/{id}/commitments",
        path: "/parties/1/commitments",
        fields: &[
            ("kind", "promise"),
            ("text", "call on her birthday"),
            ("due", "$SOON"),
        ],
        answer: 303,
    },
    Change {
        route: "/parties/{id}/commitments/{commitment}/close",
        path: "/parties/1/commitments/1/close",
        fields: &[("how", "released"), ("on", "$TODAY")],
        answer: 303,
    },
    Change {
        route: "/settings",
        path: "/settings",
        fields: &[
            ("fellowship", "na"),
            ("language", "en"),
            ("currency", "EUR"),
            ("auto_lock", "20"),
            ("crisis_line", "988"),
        ],
        answer: 303,
    },
    Change {
        route: "/settings/passphrase",
        path: "/settings/passphrase",
        fields: &[
            // The passphrase `/recover` set, above.
            ("current", "a fresh passphrase of good words"),
            ("passphrase", "yet another passphrase of good words"),
            ("again", "yet another passphrase of good words"),
        ],
        answer: 303,
    },
    Change {
        // A backup made now: the download.
        route: "/settings/backup",
        path: "/settings/backup",
        fields: &[
            ("backup_passphrase", "sturdy words for a backup"),
            ("backup_again", "sturdy words for a backup"),
        ],
        answer: 200,
    },
    Change {
        // A folder that is not a full path: the form again, nothing turned on.
        route: "/settings/backup/auto",
        path: "/settings/backup/auto",
        fields: &[("folder", "relative/folder"), ("keep", "7")],
        answer: 422,
    },
    Change {
        route: "/settings/backup/auto/off",
        path: "/settings/backup/auto/off",
        fields: &[],
        answer: 303,
    },
    Change {
        route: "/settings/import",
        path: "/settings/import",
        fields: &[("file", "{}")],
        answer: 422,
    },
    Change {
        // A spreadsheet, held for its preview (the upload's id is not sent below, so the
        // preview, confirm and cancel rows find nothing held and say so).
        route: "/import",
        path: "/import",
        fields: &[("file", "Name,What I did\nthe bus driver,shouted at him\n")],
        answer: 200,
    },
    Change {
        route: "/import/preview",
        path: "/import/preview",
        fields: &[("upload", "0"), ("col-1", "name")],
        answer: 303,
    },
    Change {
        route: "/import/confirm",
        path: "/import/confirm",
        fields: &[("upload", "0")],
        answer: 303,
    },
    Change {
        route: "/import/cancel",
        path: "/import/cancel",
        fields: &[],
        answer: 303,
    },
    Change {
        route: "/sharing/contacts",
        path: "/sharing/contacts",
        fields: &[("code", "not a code"), ("name", "Sam"), ("role", "sponsor")],
        answer: 422,
    },
    Change {
        route: "/sharing/contacts/{id}/verify",
        path: "/sharing/contacts/1/verify",
        fields: &[("matched", "on")],
        answer: 303,
    },
    Change {
        route: "/sharing/contacts/{id}/preview",
        path: "/sharing/contacts/1/preview",
        fields: &[("scope", "all"), ("part", "harms")],
        answer: 200,
    },
    Change {
        // A digest that is not the preview's: the preview again, nothing sealed.
        route: "/sharing/contacts/{id}/seal",
        path: "/sharing/contacts/1/seal",
        fields: &[("scope", "all"), ("part", "harms"), ("digest", "0")],
        answer: 200,
    },
    Change {
        route: "/sharing/open",
        path: "/sharing/open",
        fields: &[("file", "{}")],
        answer: 422,
    },
    Change {
        // The share that waits in the outbox (`wait_in_outbox`), as a file: the download.
        route: "/sharing/outbox/{id}/save",
        path: "/sharing/outbox/1/save",
        fields: &[],
        answer: 200,
    },
    Change {
        route: "/sharing/outbox/{id}/discard",
        path: "/sharing/outbox/1/discard",
        fields: &[("confirm", "yes")],
        answer: 303,
    },
    Change {
        // The relay is already set by the seed; set again, it is checked and kept.
        route: "/settings/relay",
        path: "/settings/relay",
        fields: &[("relay", "$RELAY")],
        answer: 303,
    },
    Change {
        // Asks the relay: nothing waits to be sent and nothing is there, so it says so.
        route: "/sharing/inbox",
        path: "/sharing/inbox",
        fields: &[],
        answer: 200,
    },
    Change {
        route: "/sharing/outbox/send",
        path: "/sharing/outbox/send",
        fields: &[],
        answer: 303,
    },
    Change {
        route: "/sharing/block",
        path: "/sharing/block",
        fields: &[("sender", STRANGER_KEY), ("confirm", "yes")],
        answer: 303,
    },
    Change {
        route: "/settings/relay/unblock",
        path: "/settings/relay/unblock",
        fields: &[("sender", STRANGER_KEY)],
        answer: 303,
    },
    Change {
        route: "/settings/relay/clear",
        path: "/settings/relay/clear",
        fields: &[],
        answer: 303,
    },
    Change {
        route: "/supported/{id}/notes",
        path: "/supported/1/notes",
        fields: &[("party", "1"), ("verdict", "approved"), ("text", "")],
        answer: 303,
    },
    Change {
        // The note just written (id 1), sealed into a review: the download.
        route: "/supported/{id}/review",
        path: "/supported/1/review",
        fields: &[("notes", "1")],
        answer: 200,
    },
    Change {
        // Sent now, so it stays as the record of what was sent: a note, and back.
        route: "/supported/{id}/notes/{note}/delete",
        path: "/supported/1/notes/1/delete",
        fields: &[],
        answer: 303,
    },
    Change {
        // Something was sent to them: the stop bundle downloads.
        route: "/sharing/contacts/{id}/remove",
        path: "/sharing/contacts/1/remove",
        fields: &[],
        answer: 200,
    },
    Change {
        // A download: the PDF worksheet.
        route: "/exports/worksheet",
        path: "/exports/worksheet",
        fields: &[
            ("scope", "all"),
            ("format", "pdf"),
            ("paper", "a4"),
            ("discreet", "on"),
        ],
        answer: 200,
    },
    Change {
        route: "/exports/csv",
        path: "/exports/csv",
        fields: &[("what", "harms"), ("discreet", "on")],
        answer: 200,
    },
    Change {
        route: "/exports/calendar",
        path: "/exports/calendar",
        fields: &[],
        answer: 200,
    },
    Change {
        route: "/exports/subscription",
        path: "/exports/subscription",
        fields: &[("action", "on")],
        answer: 303,
    },
    Change {
        route: "/lock",
        path: "/lock",
        fields: &[],
        answer: 303,
    },
    Change {
        route: "/exit",
        path: "/exit",
        fields: &[],
        answer: 303,
    },
];

#[test]
fn every_route_that_can_change_something_is_in_the_csrf_table() {
    let routes = amends_web::route_table();
    // The table is the router's: it holds routes we know are there.
    assert!(
        routes
            .iter()
            .any(|r| r.path == "/" && r.methods.contains(&"GET"))
    );
    assert!(
        routes.iter().any(|r| r.path == "/unlock"
            && r.methods.contains(&"GET")
            && r.methods.contains(&"POST"))
    );
    let in_source: BTreeSet<&str> = routes
        .iter()
        .filter(|r| r.methods.iter().any(|m| *m != "GET" && *m != "HEAD"))
        .map(|r| r.path)
        .collect();
    let in_table: BTreeSet<&str> = CHANGES.iter().map(|c| c.route).collect();
    let missing: Vec<_> = in_source.difference(&in_table).collect();
    let stale: Vec<_> = in_table.difference(&in_source).collect();
    assert!(
        missing.is_empty(),
        "routes that change something but are not in CHANGES (tests/security.rs): {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "CHANGES lists routes the router no longer has: {stale:?}"
    );
    for c in CHANGES {
        assert_eq!(concrete(c.route).len(), 1);
        let pattern_parts: Vec<&str> = c.route.split('/').collect();
        let path_parts: Vec<&str> = c.path.split('/').collect();
        assert_eq!(pattern_parts.len(), path_parts.len(), "{}", c.path);
        for (p, q) in pattern_parts.iter().zip(&path_parts) {
            assert!(
                p.starts_with('{') || p == q,
                "{} is not {}",
                c.path,
                c.route
            );
        }
    }
}

/// The four locks, for every route and every method of the router's own table: without the
/// cookie a 401 (the calendar feed excepted, see above), a foreign Host name a 421, a change
/// without the CSRF token a 403 that changes nothing, and the security headers on every one of
/// those answers, on the answers with the cookie, and on a 404.
#[tokio::test]
async fn every_route_and_method_of_the_router_table_is_locked() {
    let s = seeded().await;
    let port = s.addr.port();
    let cookie = s.cookie_line();
    let host = format!("Host: 127.0.0.1:{port}");
    let before = state_of(&s);
    let headers_ok = |r: &common::RawResp, what: &str| {
        assert_eq!(r.header("content-security-policy"), CSP, "{what}");
        assert!(CSP.contains("frame-ancestors 'none'"));
        assert_eq!(r.header("x-content-type-options"), "nosniff", "{what}");
        assert_eq!(r.header("x-frame-options"), "DENY", "{what}");
        assert_eq!(r.header("referrer-policy"), "no-referrer", "{what}");
    };
    let form = "Content-Type: application/x-www-form-urlencoded";
    let mut sent = 0;
    let table = amends_web::route_table();
    for route in &table {
        for &method in &route.methods {
            for path in concrete(route.path) {
                let what = format!("{method} {path}");
                let body = if method == "POST" {
                    "kept=yes&amount=5"
                } else {
                    ""
                };
                // No cookie.
                let r = s.raw(method, &path, &[&host, form], body).await;
                headers_ok(&r, &format!("{what} without the cookie"));
                if route.session {
                    assert_eq!(r.status, 401, "{what} without the cookie: {}", r.head);
                    assert!(!r.body.contains(NAME), "{what} without the cookie");
                } else if route.path.starts_with("/assets/") {
                    // The app's own files: nothing personal, served to any local browser.
                    assert_eq!(r.status, 200, "{what} without the cookie: {}", r.head);
                } else {
                    // The feed with a made-up token: nothing there.
                    assert_eq!(r.status, 404, "{what} without the cookie: {}", r.head);
                }
                // A foreign Host name, with the cookie.
                let r = s
                    .raw(method, &path, &["Host: evil.example", &cookie, form], body)
                    .await;
                assert_eq!(r.status, 421, "{what} with a foreign Host: {}", r.head);
                assert!(!r.body.contains(NAME), "{what} with a foreign Host");
                headers_ok(&r, &format!("{what} with a foreign Host"));
                // With the cookie: a change without the token is refused; a read is answered.
                let r = s.raw(method, &path, &[&host, &cookie, form], body).await;
                headers_ok(&r, &format!("{what} with the cookie"));
                if method == "POST" {
                    assert_eq!(r.status, 403, "{what} without the CSRF token: {}", r.head);
                } else {
                    assert!(r.status < 500, "{what}: {}", r.head);
                }
                sent += 3;
            }
        }
    }
    assert_eq!(state_of(&s), before, "a refused request changed something");
    // A path no route has.
    let r = s.raw("GET", "/no/such/page", &[&host, &cookie], "").await;
    assert_eq!(r.status, 404);
    assert!(
        r.body.contains("There is no page at this address"),
        "{}",
        r.body
    );
    headers_ok(&r, "a 404");
    let pairs: usize = table.iter().map(|r| r.methods.len()).sum();
    eprintln!(
        "{} routes, {pairs} route-method pairs, {sent} requests",
        table.len()
    );
    assert!(table.len() >= 60 && pairs >= 100, "{} routes", table.len());
}

/// The table can only be the router's if nothing adds a route past the builder: no file of the
/// web crate but `routes.rs` calls axum's `.route(` (or its other ways in).
#[test]
fn every_route_goes_through_the_recording_builder() {
    let mut checked = 0;
    for (file, text) in common::web_sources() {
        let code = common::strip_rust(&text, false);
        if file.ends_with("src/routes.rs") {
            assert!(
                code.contains(".route("),
                "the builder is where routes go in"
            );
            continue;
        }
        for way_in in [
            ".route(",
            ".route_service(",
            ".nest(",
            ".nest_service(",
            ".fallback(",
            ".fallback_service(",
        ] {
            assert!(
                !code.contains(way_in),
                "{} uses `{way_in}`: add routes through `Routes` (src/routes.rs) so the \
                 security tests see them",
                file.display()
            );
        }
        checked += 1;
    }
    assert!(checked > 10, "only {checked} files read");
}

/// A request that must be refused: what it is, its content type, body and extra headers.
type Attempt = (&'static str, String, String, Vec<(String, String)>);

fn form_body(fields: &[(&str, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter().map(|(k, v)| (*k, v.as_str())))
        .finish()
}

fn multipart(fields: &[(&str, String)]) -> (String, String) {
    let boundary = "----amendsboundary7MA4YWxk";
    let mut body = String::new();
    for (k, v) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// What the app holds: settings, every record, and the key file (a passphrase change rewrites it).
fn state_of(s: &Server) -> String {
    let (settings, records, relay, outbox, contacts) = s
        .app
        .read(|v| {
            Ok((
                v.settings()?,
                v.records()?,
                v.relay_address()?,
                v.outbox()?,
                v.contacts()?,
            ))
        })
        .expect("unlocked")
        .expect("readable");
    let keys = std::fs::read(amends_vault::keyfile_path(&s.vault_path)).unwrap();
    format!("{settings:?}\n{records:?}\n{relay:?}\n{outbox:?}\n{contacts:?}\n{keys:?}")
}

#[tokio::test]
async fn every_change_needs_the_csrf_token_from_this_app() {
    let (mut s, relay) = seeded_with_relay().await;
    wait_in_outbox(&s);
    let port = s.addr.port();
    let csrf = s.token().await;
    let key = s.recovery_key.clone().unwrap();
    let mut wrong = csrf.clone().into_bytes();
    wrong[0] = if wrong[0] == b'a' { b'b' } else { b'a' };
    let wrong = String::from_utf8(wrong).unwrap();
    let before = state_of(&s);

    let today = common::amends_web_now().today;
    let soon = today
        .checked_add(jiff::Span::new().days(30))
        .expect("a date a month from now");
    let fields_of = |c: &Change| -> Vec<(&'static str, String)> {
        c.fields
            .iter()
            .map(|(k, v)| {
                let v = v
                    .replace("$RELAY", &relay.url)
                    .replace("$KEY", &key)
                    .replace("$TODAY", &today.to_string())
                    .replace("$SOON", &soon.to_string());
                (*k, v)
            })
            .collect()
    };
    let with = |token: &str, c: &Change| -> Vec<(&'static str, String)> {
        let mut f = vec![("_csrf", token.to_string())];
        f.extend(fields_of(c));
        f
    };
    let form = "application/x-www-form-urlencoded";

    for c in CHANGES {
        let p = c.path;
        // (what, content type, body, extra headers)
        let (mp_type, mp_plain) = multipart(&fields_of(c));
        let (_, mp_wrong) = multipart(&with(&wrong, c));
        let attempts: Vec<Attempt> = vec![
            ("no token", form.into(), form_body(&fields_of(c)), vec![]),
            (
                "a wrong token",
                form.into(),
                form_body(&with(&wrong, c)),
                vec![],
            ),
            (
                "an empty token",
                form.into(),
                form_body(&with("", c)),
                vec![],
            ),
            (
                "a wrong header over a right field",
                form.into(),
                form_body(&with(&csrf, c)),
                vec![("x-csrf-token".into(), wrong.clone())],
            ),
            (
                "only a wrong header",
                String::new(),
                String::new(),
                vec![("x-csrf-token".into(), wrong.clone())],
            ),
            (
                "a foreign Origin",
                form.into(),
                form_body(&with(&csrf, c)),
                vec![("origin".into(), "http://evil.example".into())],
            ),
            (
                "an https Origin",
                form.into(),
                form_body(&with(&csrf, c)),
                vec![("origin".into(), format!("https://127.0.0.1:{port}"))],
            ),
            (
                "another local site's Origin",
                form.into(),
                form_body(&with(&csrf, c)),
                vec![("origin".into(), format!("http://127.0.0.1:{}", port ^ 1))],
            ),
            (
                "the other loopback name as Origin",
                form.into(),
                form_body(&with(&csrf, c)),
                vec![("origin".into(), format!("http://localhost:{port}"))],
            ),
            (
                "a cross-site fetch",
                form.into(),
                form_body(&with(&csrf, c)),
                vec![("sec-fetch-site".into(), "cross-site".into())],
            ),
            (
                "a same-site fetch from another port",
                form.into(),
                form_body(&with(&csrf, c)),
                vec![("sec-fetch-site".into(), "same-site".into())],
            ),
            (
                "multipart without a token",
                mp_type.clone(),
                mp_plain,
                vec![],
            ),
            (
                "multipart with a wrong token",
                mp_type.clone(),
                mp_wrong,
                vec![],
            ),
            (
                "the token as text/plain",
                "text/plain".into(),
                form_body(&with(&csrf, c)),
                vec![],
            ),
            (
                "the token as JSON",
                "application/json".into(),
                format!("{{\"_csrf\":\"{csrf}\"}}"),
                vec![],
            ),
            ("no body at all", String::new(), String::new(), vec![]),
        ];
        for (what, ctype, body, extra) in attempts {
            let mut rq = s.request(Method::POST, p).body(body);
            if !ctype.is_empty() {
                rq = rq.header("content-type", ctype);
            }
            for (k, v) in extra {
                rq = rq.header(k, v);
            }
            let r = send(rq).await;
            assert_eq!(r.status, 403, "POST {p} with {what}: {}", r.body);
            assert!(r.body.contains("nothing was changed"), "{}", r.body);
        }
        for m in [Method::PUT, Method::DELETE, Method::PATCH] {
            let r = send(s.request(m.clone(), p).form(&fields_of(c))).await;
            assert_eq!(r.status, 403, "{m} {p} without a token");
        }
    }

    // Nothing changed: the same records, settings and key file, and the vault still open.
    assert_eq!(state_of(&s), before, "a refused request changed the vault");
    let home = s.get("/").await;
    home.expect(200);
    assert!(home.body.contains(NAME));

    // The same requests with the token are accepted (so the refusals above were not 404s or
    // 405s), from a form post (Chromium sends `Origin: null` under our no-referrer policy) and
    // from script (the page's own origin).
    for (i, c) in CHANGES.iter().enumerate() {
        // The import takes a file, so its form is multipart, with the token first.
        let (ctype, body) = if c.route == "/settings/import"
            || c.route == "/sharing/open"
            || c.route == "/import"
        {
            multipart(&with(&csrf, c))
        } else {
            (form.to_string(), form_body(&with(&csrf, c)))
        };
        let mut rq = s
            .request(Method::POST, c.path)
            .header("content-type", ctype)
            .header("sec-fetch-site", "same-origin")
            .body(body);
        rq = if i % 2 == 0 {
            rq.header("origin", "null")
        } else {
            rq.header("origin", format!("http://127.0.0.1:{port}"))
        };
        let r = send(rq).await;
        assert_eq!(
            r.status, c.answer,
            "POST {} with the token: {} {}",
            c.path, r.status, r.body
        );
        if c.route == "/recover" {
            let keys = std::fs::read(amends_vault::keyfile_path(&s.vault_path)).unwrap();
            assert!(
                !before.ends_with(&format!("{keys:?}")),
                "the passphrase was reset"
            );
        }
        if c.route == "/parties/{id}/commitments/{commitment}/close" {
            // The party changes went through, each one in the vault.
            let records = s.app.read(|v| v.records()).unwrap().unwrap();
            let by_id = |id: i64| records.iter().find(|r| r.party.id == id).unwrap();
            let first = by_id(1);
            assert_eq!(first.party.notes, "notes changed");
            assert!(first.safety.is_some() && first.plan.is_some());
            assert_eq!((first.consents.len(), first.consultations.len()), (1, 1));
            assert_eq!(first.attempts.len(), 1);
            assert_eq!(first.commitments.len(), 2);
            assert!(first.commitments[0].closed.is_some());
            let third = by_id(3);
            assert!(third.current_aside().is_none(), "set aside, then back");
            assert_eq!(
                third.live_harms().count(),
                2,
                "one added, one set aside and back"
            );
            assert_eq!(third.deferrals.len(), 1);
            assert_eq!(
                third.willingness_now().map(|w| w.level),
                Some(Willingness::Now)
            );
            assert_eq!(records.len(), 5, "two added, by capture and by the form");
        }
        if c.route == "/settings/import" {
            // The import read the token, then the file (not an export), and said why not.
            assert!(r.body.contains("cannot be imported"), "{}", r.body);
            assert!(r.body.contains("id=\"file-error\""), "{}", r.body);
        }
        if c.route == "/sharing/inbox" {
            assert!(r.body.contains("Nothing new on the relay."), "{}", r.body);
        }
        if c.route == "/import" {
            // Read the token, then the file: the preview, nothing added yet.
            assert!(r.body.contains("How your spreadsheet reads"), "{}", r.body);
        }
        if c.route == "/sharing/block" {
            let blocked = s.get("/settings/relay/blocked").await;
            assert!(blocked.body.contains(STRANGER_KEY), "{}", blocked.body);
        }
        if c.route == "/settings/relay/unblock" {
            let blocked = s.get("/settings/relay/blocked").await;
            assert!(
                blocked.body.contains("You have not blocked anyone"),
                "{}",
                blocked.body
            );
        }
        if c.route == "/settings/relay/clear" {
            assert_eq!(s.app.read(|v| v.relay_address()).unwrap().unwrap(), None);
        }
        if c.route == "/sharing/open" {
            assert!(r.body.contains("not an Amends bundle"), "{}", r.body);
        }
        if c.route == "/sharing/outbox/{id}/save" {
            assert_eq!(r.header("content-type"), "application/octet-stream");
            assert!(r.body.starts_with("age-encryption.org/v1"), "the bundle");
            assert_eq!(s.app.read(|v| v.outbox()).unwrap().unwrap().len(), 1);
        }
        if c.route == "/sharing/outbox/{id}/discard" {
            assert!(s.app.read(|v| v.outbox()).unwrap().unwrap().is_empty());
        }
        if c.route == "/sharing/contacts/{id}/seal" {
            assert!(r.body.contains("Something changed since you last looked."));
        }
        if c.route == "/sharing/contacts/{id}/remove" {
            assert_eq!(r.header("content-type"), "application/octet-stream");
            let sent = s.app.read(|v| v.sent_log()).unwrap().unwrap();
            assert_eq!(
                sent.len(),
                3,
                "the share discarded, the review and the stop, nothing else"
            );
        }
        if c.route == "/setup/choices" {
            // The representative changes are visible, so the check above could see them.
            let settings = s.app.read(|v| v.settings()).unwrap().unwrap();
            assert_eq!(settings.fellowship.code(), "na");
            assert_eq!(settings.currency.code(), "EUR");
        }
        if c.route == "/commitments/{id}/checkin" {
            let records = s.app.read(|v| v.records()).unwrap().unwrap();
            let paid: usize = records
                .iter()
                .flat_map(|r| &r.commitments)
                .map(|c| match &c.kind {
                    CommitmentKind::Restitution { payments, .. } => payments.len(),
                    CommitmentKind::Living { checkins, .. } => checkins.len(),
                    CommitmentKind::Promise { .. } => 0,
                })
                .sum();
            assert_eq!(paid, 2, "one payment and one check-in");
        }
        if c.route == "/checkins/{id}/remove" {
            // Corrected, then removed: none left, and the history keeps all four changes.
            let records = s.app.read(|v| v.records()).unwrap().unwrap();
            let left: usize = records
                .iter()
                .flat_map(|r| &r.commitments)
                .map(|c| match &c.kind {
                    CommitmentKind::Restitution { payments, .. } => payments.len(),
                    CommitmentKind::Living { checkins, .. } => checkins.len(),
                    CommitmentKind::Promise { .. } => 0,
                })
                .sum();
            assert_eq!(left, 0, "the payment and the check-in removed");
            let kept: usize = records
                .iter()
                .flat_map(|r| &r.commitments)
                .map(|c| {
                    s.app
                        .read(|v| v.follow_changes(c.id))
                        .unwrap()
                        .unwrap()
                        .len()
                })
                .sum();
            assert_eq!(kept, 4, "two corrections and two removals kept");
        }
    }
    // /lock and /exit locked the vault.
    let r = s.get("/").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/unlock");

    // A multipart form carrying the token (an import) is let through to its handler.
    let (ctype, body) = multipart(&[("_csrf", csrf.clone()), ("passphrase", "anything".into())]);
    let r = send(
        s.request(Method::POST, "/setup/strength")
            .header("content-type", ctype)
            .body(body),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // And the htmx way: the token in the header, no form field.
    let r = send(
        s.request(Method::POST, "/setup/strength")
            .header("x-csrf-token", &csrf)
            .form(&[("passphrase", "anything")]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

// =============================================================================================
// A tour of every page, for the checks that apply to all of them (6 to 10)

/// One response seen on the tour.
struct Seen {
    what: String,
    resp: Resp,
}

struct Tour {
    seen: Vec<Seen>,
    /// Secrets of the session that must not leak into logs.
    secrets: Vec<String>,
    /// The address of the relay the seeded vault uses: on this machine, and shown as text
    /// (the address the person set), never as something a page loads.
    relay: String,
}

impl Tour {
    fn pages(&self) -> impl Iterator<Item = &Seen> {
        self.seen.iter().filter(|s| s.resp.is_html())
    }
    fn page(&self, what: &str) -> &Resp {
        &self
            .seen
            .iter()
            .find(|s| s.what == what)
            .unwrap_or_else(|| panic!("the tour has no {what}"))
            .resp
    }
}

async fn note(
    s: &mut Server,
    seen: &mut Vec<Seen>,
    method: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> Resp {
    let r = if method == "GET" {
        s.get(path).await
    } else {
        s.post(path, fields).await
    };
    seen.push(Seen {
        what: format!("{method} {path}"),
        resp: r.clone(),
    });
    r
}

/// Goes through the first run in the app (create, recovery key, choices), every page of a
/// seeded list (every GET route and every link found), the quick actions with typed notes,
/// wrong passphrases and keys, lock and quick exit.
async fn tour() -> Tour {
    let mut seen = Vec::new();
    let mut secrets = Vec::new();

    // The first run, through the app.
    let mut a = Server::empty().await;
    let r = a.admit().await;
    seen.push(Seen {
        what: "admission".into(),
        resp: r,
    });
    note(&mut a, &mut seen, "GET", "/", &[]).await.expect(303);
    note(&mut a, &mut seen, "GET", "/setup", &[])
        .await
        .expect(200);
    note(&mut a, &mut seen, "GET", "/setup/restore", &[])
        .await
        .expect(200);
    note(
        &mut a,
        &mut seen,
        "POST",
        "/setup/strength",
        &[("passphrase", TYPED), ("again", NAME)],
    )
    .await
    .expect(200);
    note(
        &mut a,
        &mut seen,
        "POST",
        "/setup",
        &[("passphrase", TYPED), ("again", NAME)],
    )
    .await
    .expect(422);
    note(
        &mut a,
        &mut seen,
        "POST",
        "/setup",
        &[
            ("passphrase", common::PASSPHRASE),
            ("again", common::PASSPHRASE),
        ],
    )
    .await
    .expect(303);
    let key_page = note(&mut a, &mut seen, "GET", "/setup/recovery", &[]).await;
    key_page.expect(200);
    let groups: Vec<String> = key_page
        .body
        .split("<span class=\"key-group\">")
        .skip(1)
        .filter_map(|g| g.split_once('<').map(|(k, _)| k.to_string()))
        .collect();
    assert_eq!(groups.len(), 8, "the recovery key is shown in eight groups");
    secrets.push(groups.join("-"));
    note(
        &mut a,
        &mut seen,
        "POST",
        "/setup/recovery",
        &[("last", TYPED)],
    )
    .await
    .expect(422);
    let last = groups.last().unwrap().clone();
    note(
        &mut a,
        &mut seen,
        "POST",
        "/setup/recovery",
        &[("written", "on"), ("last", &last)],
    )
    .await
    .expect(303);
    note(&mut a, &mut seen, "GET", "/setup/choices", &[])
        .await
        .expect(200);
    let typed_currency = format!("{TYPED}{XSS_SCRIPT}");
    note(
        &mut a,
        &mut seen,
        "POST",
        "/setup/choices",
        &[
            ("fellowship", XSS_IMG),
            ("language", "en"),
            ("currency", &typed_currency),
        ],
    )
    .await
    .expect(422);
    note(
        &mut a,
        &mut seen,
        "POST",
        "/setup/choices",
        &[
            ("fellowship", "aa"),
            ("language", "en"),
            ("currency", "USD"),
        ],
    )
    .await
    .expect(303);
    note(&mut a, &mut seen, "GET", "/", &[]).await.expect(200);
    note(&mut a, &mut seen, "POST", "/lock", &[])
        .await
        .expect(303);
    note(&mut a, &mut seen, "GET", "/unlock", &[])
        .await
        .expect(200);
    note(
        &mut a,
        &mut seen,
        "POST",
        "/unlock",
        &[("passphrase", WRONG_PASS)],
    )
    .await
    .expect(422);
    note(&mut a, &mut seen, "GET", "/recover", &[])
        .await
        .expect(200);
    note(
        &mut a,
        &mut seen,
        "POST",
        "/recover",
        &[
            ("key", TYPED),
            ("passphrase", WRONG_PASS),
            ("again", WRONG_PASS),
        ],
    )
    .await
    .expect(422);
    note(
        &mut a,
        &mut seen,
        "POST",
        "/unlock",
        &[("passphrase", common::PASSPHRASE)],
    )
    .await
    .expect(303);
    note(&mut a, &mut seen, "POST", "/exit", &[])
        .await
        .expect(303);
    note(&mut a, &mut seen, "GET", "/away", &[])
        .await
        .expect(200);
    secrets.push(a.cookie.clone().unwrap());
    secrets.push(a.csrf.clone().unwrap());
    secrets.push(a.token.clone());
    drop(a);

    // A list with people on it, using a relay: every page there is. A share to the contact
    // waits in the outbox, and the relay holds a bundle from a stranger and one that is not a
    // bundle at all.
    let (mut b, relay) = seeded_with_relay().await;
    let me = wait_in_outbox(&b);
    let (stranger, bundle) = stranger_bundle(&me);
    let stranger_key = stranger.public().mailbox().to_string();
    let url = relay.url.clone();
    tokio::task::spawn_blocking(move || {
        let r = amends_share::relay::Relay::new(&url).unwrap();
        r.post(&stranger, &me.mailbox(), &bundle).unwrap();
        r.post(&stranger, &me.mailbox(), b"not a bundle at all")
            .unwrap();
    })
    .await
    .unwrap();
    let mut queue: VecDeque<String> = VecDeque::from(vec!["/".to_string()]);
    queue.extend(get_paths());
    queue.push_back("/parties/1".into());
    let mut visited = BTreeSet::new();
    while let Some(path) = queue.pop_front() {
        if !visited.insert(path.clone()) || visited.len() > 300 {
            continue;
        }
        let r = note(&mut b, &mut seen, "GET", &path, &[]).await;
        if r.is_html() {
            for to in addresses(&r.body) {
                let to = to.split('#').next().unwrap_or("").to_string();
                if to.starts_with('/') && !to.starts_with("//") && !visited.contains(&to) {
                    queue.push_back(to);
                }
            }
        }
        if (300..400).contains(&r.status) {
            queue.push_back(r.location().to_string());
        }
    }
    assert!(
        visited
            .iter()
            .any(|p| p.starts_with("/assets/") && unversioned(&p["/assets/".len()..]) == "app.css")
    );
    // The quick actions, with words typed into them; a made-up place to go back to.
    let pay_on = format!("{TYPED}-date");
    for (path, fields) in [
        (
            "/commitments/1/pay",
            vec![("amount", "5"), ("note", TYPED), ("back", "/")],
        ),
        (
            "/commitments/1/pay",
            vec![("amount", "5"), ("on", pay_on.as_str()), ("back", "/")],
        ),
        (
            "/commitments/1/pay",
            vec![("amount", TYPED), ("back", "/parties/1")],
        ),
        (
            "/commitments/2/checkin",
            vec![
                ("kept", "yes"),
                ("note", TYPED),
                ("back", "/parties/Zebra-Canary"),
            ],
        ),
        (
            "/commitments/2/checkin",
            vec![("kept", TYPED), ("back", NAME)],
        ),
        (
            "/capture",
            vec![("name", NAME), ("did", HARM), ("kind", "person")],
        ),
    ] {
        let r = note(&mut b, &mut seen, "POST", path, &fields).await;
        if (300..400).contains(&r.status) {
            let to = r.location().to_string();
            note(&mut b, &mut seen, "GET", &to, &[]).await;
        }
    }
    // A spreadsheet with typed markup in its names, headings and cells: the upload, its
    // preview, the preview again with a column chosen by hand, and the confirm.
    let q = |cell: String| format!("\"{}\"", cell.replace('"', "\"\""));
    let sheet = format!(
        "Name,{},What I did\n{},{TYPED},{}\n",
        q(format!("{TYPED}{XSS_IMG}")),
        q(format!("{NAME}{XSS_SCRIPT}")),
        q(format!("{HARM}{XSS_IMG}")),
    );
    let token = b.token().await;
    let (ctype, body) = multipart(&[
        ("_csrf", token),
        ("encoding", String::new()),
        ("file", sheet),
    ]);
    let r = send(
        b.request(Method::POST, "/import")
            .header("content-type", ctype)
            .body(body),
    )
    .await;
    r.expect(200);
    let upload = r
        .body
        .split("name=\"upload\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the upload's id")
        .to_string();
    seen.push(Seen {
        what: "POST /import".into(),
        resp: r,
    });
    note(
        &mut b,
        &mut seen,
        "POST",
        "/import/preview",
        &[
            ("upload", &upload),
            ("col-1", "name"),
            ("col-2", "notes"),
            ("col-3", TYPED),
        ],
    )
    .await
    .expect(200);
    let r = note(
        &mut b,
        &mut seen,
        "POST",
        "/import/confirm",
        &[("upload", &upload), ("match-2", "apart")],
    )
    .await;
    r.expect(303);
    let to = r.location().to_string();
    note(&mut b, &mut seen, "GET", &to, &[]).await.expect(200);
    // The relay: an address that cannot be used, typed with markup; checking for new (the
    // outbox sent, the stranger's bundle waiting, the other one dropped); blocking the
    // stranger and unblocking them.
    let typed_relay = format!("https://{TYPED}.example/ {XSS_SCRIPT}");
    let r = note(
        &mut b,
        &mut seen,
        "POST",
        "/settings/relay",
        &[("relay", &typed_relay)],
    )
    .await;
    r.expect(422);
    // Discarding the share that waits: without confirm, the page that asks (it stays).
    let r = note(&mut b, &mut seen, "POST", "/sharing/outbox/1/discard", &[]).await;
    r.expect(200);
    assert!(r.body.contains("What discarding means"), "{}", r.body);
    assert!(
        seen.iter()
            .any(|s| s.what == "GET /sharing/outbox/1/discard" && s.resp.status == 200)
    );
    let r = note(&mut b, &mut seen, "POST", "/sharing/inbox", &[]).await;
    r.expect(200);
    assert!(r.body.contains(CONTACT), "the share sent: {}", r.body);
    assert!(r.body.contains(&stranger_key), "the stranger waits");
    assert!(r.body.contains("Dropped"), "the other one is dropped");
    note(
        &mut b,
        &mut seen,
        "POST",
        "/sharing/block",
        &[("sender", &stranger_key)],
    )
    .await
    .expect(200);
    let r = note(
        &mut b,
        &mut seen,
        "POST",
        "/sharing/block",
        &[("sender", &stranger_key), ("confirm", "yes")],
    )
    .await;
    r.expect(303);
    let to = r.location().to_string();
    note(&mut b, &mut seen, "GET", &to, &[]).await.expect(200);
    let r = note(&mut b, &mut seen, "GET", "/settings/relay/blocked", &[]).await;
    assert!(r.body.contains(&stranger_key), "{}", r.body);
    let r = note(
        &mut b,
        &mut seen,
        "POST",
        "/settings/relay/unblock",
        &[("sender", &stranger_key)],
    )
    .await;
    r.expect(303);
    let to = r.location().to_string();
    note(&mut b, &mut seen, "GET", &to, &[]).await.expect(200);
    let r = note(&mut b, &mut seen, "POST", "/sharing/outbox/send", &[]).await;
    r.expect(303);
    note(&mut b, &mut seen, "POST", "/exit", &[])
        .await
        .expect(303);
    note(&mut b, &mut seen, "GET", "/away", &[])
        .await
        .expect(200);
    secrets.push(b.cookie.clone().unwrap());
    secrets.push(b.csrf.clone().unwrap());
    secrets.push(b.token.clone());
    secrets.push(b.recovery_key.clone().unwrap());
    secrets.push(common::PASSPHRASE.into());
    Tour {
        seen,
        secrets,
        relay: relay.url.clone(),
    }
}

// =============================================================================================
// 6. A strict CSP and no inline code

#[tokio::test]
async fn every_page_has_the_strict_csp_and_no_inline_code() {
    assert!(!CSP.contains("unsafe-inline") && !CSP.contains("unsafe-eval"));
    assert!(CSP.contains("script-src 'self'") && CSP.contains("default-src 'none'"));
    let t = tour().await;
    for s in &t.seen {
        assert_eq!(s.resp.header("content-security-policy"), CSP, "{}", s.what);
        assert_eq!(s.resp.all("content-security-policy").len(), 1, "{}", s.what);
        assert_eq!(s.resp.header("x-content-type-options"), "nosniff");
        assert_eq!(s.resp.header("x-frame-options"), "DENY");
        assert_eq!(s.resp.header("referrer-policy"), "no-referrer");
    }
    let mut pages = 0;
    for s in t.pages() {
        pages += 1;
        let what = &s.what;
        for tag in tags(&s.resp.body) {
            if tag.name == "script" {
                assert!(
                    tag.attr("src").is_some_and(|v| !v.is_empty()),
                    "{what}: inline <script>"
                );
            }
            assert_ne!(tag.name, "style", "{what}: a <style> element");
            for (k, v) in &tag.attrs {
                assert_ne!(k, "style", "{what}: style= on <{}>", tag.name);
                assert!(
                    !(k.starts_with("on")
                        && k.len() > 2
                        && k[2..].chars().all(|c| c.is_ascii_lowercase())),
                    "{what}: event handler {k}= on <{}>",
                    tag.name
                );
                assert!(!k.starts_with("hx-on"), "{what}: {k}");
                let v = v.as_deref().unwrap_or("").trim().to_ascii_lowercase();
                assert!(
                    !v.starts_with("javascript:"),
                    "{what}: a javascript: address"
                );
                if k == "hx-headers" || k == "hx-vals" {
                    assert!(
                        !v.starts_with("js:") && !v.starts_with("javascript:"),
                        "{what}: {k}"
                    );
                }
            }
        }
        let lower = s.resp.body.to_ascii_lowercase();
        assert!(!lower.contains(" style=\""), "{what}: style=");
    }
    // The pages of every state were seen.
    for what in [
        "GET /setup",
        "GET /setup/recovery",
        "GET /setup/choices",
        "GET /unlock",
        "GET /recover",
        "GET /away",
        "POST /unlock",
        "POST /setup/strength",
    ] {
        assert!(t.page(what).is_html(), "{what}");
    }
    assert!(
        t.seen
            .iter()
            .any(|s| s.what == "GET /" && s.resp.status == 200 && s.resp.body.contains(NAME))
    );
    assert!(pages >= 20, "only {pages} pages seen");
}

// =============================================================================================
// 7. Everything typed is escaped

#[tokio::test]
async fn typed_markup_is_shown_escaped_and_stays_inert() {
    let t = tour().await;
    let mut downloads = 0;
    for s in &t.seen {
        if s.resp
            .header("content-disposition")
            .starts_with("attachment")
        {
            // The export is the workbook word for word, as a file to keep: never shown as a
            // page (JSON, a download, and no sniffing of the type).
            downloads += 1;
            assert!(
                s.resp
                    .header("content-type")
                    .starts_with("application/json"),
                "{}",
                s.what
            );
            assert_eq!(s.resp.header("x-content-type-options"), "nosniff");
            continue;
        }
        for raw in [XSS_SCRIPT, XSS_IMG, "<img src=x", "onerror=alert(1)>"] {
            if raw.starts_with("onerror") {
                // Escaped text may hold the words, never as an attribute of a tag.
                for tag in tags(&s.resp.body) {
                    assert!(!tag.has("onerror"), "{}: onerror on <{}>", s.what, tag.name);
                    assert!(
                        !(tag.name == "img" && tag.attr("src") == Some("x")),
                        "{}: the injected <img>",
                        s.what
                    );
                }
                continue;
            }
            assert!(
                !s.resp.body.contains(raw),
                "{} shows {raw:?} unescaped",
                s.what
            );
        }
        // The only scripts are the app's own files.
        for tag in tags(&s.resp.body) {
            if tag.name == "script" {
                let src = tag.attr("src").unwrap_or("");
                assert!(src.starts_with("/assets/"), "{}: script {src}", s.what);
            }
        }
    }
    assert_eq!(downloads, 1, "the export was seen on the tour");
    // The names and words are on the pages, escaped: shown as text, never as markup.
    let home = t
        .seen
        .iter()
        .find(|s| s.what == "GET /" && s.resp.body.contains(NAME))
        .expect("the seeded home page");
    let shown = unescaped(&home.resp.body);
    assert!(shown.contains(XSS_SCRIPT), "{}", home.resp.body);
    assert!(shown.contains(XSS_IMG), "{}", home.resp.body);
    // What was typed into a form comes back escaped inside its field.
    let choices = &t
        .seen
        .iter()
        .find(|s| s.what == "POST /setup/choices" && s.resp.status == 422)
        .expect("the choices form shown again")
        .resp;
    let field = tags(&choices.body)
        .into_iter()
        .find(|t| t.attr("name") == Some("currency"))
        .expect("the currency field");
    let value = field.attr("value").unwrap_or("");
    assert!(!value.contains('<') && !value.contains('>'), "{value}");
    assert_eq!(unescaped(value), format!("{TYPED}{XSS_SCRIPT}"));
}

// =============================================================================================
// 8. No personal words in addresses, titles or logs

fn assert_no_personal(text: &str, what: &str, also: &[String]) {
    let decoded = common::percent_decoded(text);
    for word in PERSONAL
        .iter()
        .copied()
        .chain(also.iter().map(String::as_str))
    {
        for candidate in [text, decoded.as_str()] {
            assert!(
                !candidate.to_lowercase().contains(&word.to_lowercase()),
                "{what} holds {word:?}: {candidate}"
            );
        }
    }
    // Parts of the words, as an address would carry a name (`Zebra`, `Canary`).
    for part in [
        "zebra", "canary", "okapi", "pangolin", "axolotl", "narwhal", "tapir", "ibex", "alert(",
    ] {
        assert!(
            !decoded.to_lowercase().contains(part),
            "{what} holds {part:?}: {decoded}"
        );
    }
}

#[tokio::test]
async fn no_personal_words_in_addresses_titles_or_logs() {
    let t = tour().await;
    let mut titles = BTreeSet::new();
    let mut addressed = 0;
    for s in &t.seen {
        let loc = s.resp.location();
        assert_no_personal(loc, &format!("the Location of {}", s.what), &[]);
        for set in s.resp.all("set-cookie") {
            assert_no_personal(&set, &format!("a cookie set by {}", s.what), &[]);
        }
        if s.resp.is_html() {
            for a in addresses(&s.resp.body) {
                addressed += 1;
                assert_no_personal(&a, &format!("an address in {}", s.what), &[]);
            }
            let title = title(&s.resp.body);
            assert_no_personal(&title, &format!("the title of {}", s.what), &[]);
            if s.resp.body.contains("<html") {
                titles.insert(title);
            }
        }
    }
    assert!(addressed > 50, "only {addressed} addresses seen");
    // Titles are fixed words: a handful of them, however many people are on the list.
    for t in &titles {
        assert!(t.ends_with(" · Amends") || t == "New Tab", "title {t:?}");
    }
    // The capture of logs works, and no line holds a word, a name or a secret of the tour.
    tracing::info!(check = "log capture", "security test marker line");
    let logs = common::logs();
    assert!(
        logs.contains("security test marker line"),
        "logs are captured"
    );
    for line in logs.lines() {
        assert_no_personal(line, "a log line", &t.secrets);
    }
}

// =============================================================================================
// 9. Every asset embedded; nothing points elsewhere

/// Addresses in text that point off this machine (XML namespaces name things; they are not fetched).
fn foreign_urls(text: &str) -> Vec<String> {
    const NAMESPACES: &[&str] = &[
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
        "http://www.w3.org/1999/xhtml",
        "http://www.w3.org/1998/Math/MathML",
        "http://www.w3.org/XML/1998/namespace",
    ];
    let mut out = Vec::new();
    for scheme in ["http://", "https://"] {
        let mut at = 0;
        while let Some(p) = text[at..].find(scheme) {
            let start = at + p;
            let end = text[start..]
                .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ')' | '<' | '>'))
                .map_or(text.len(), |e| start + e);
            let url = &text[start..end];
            if !NAMESPACES.contains(&url) {
                out.push(url.to_string());
            }
            at = end.max(start + scheme.len());
        }
    }
    out
}

#[tokio::test]
async fn every_asset_is_embedded_and_nothing_points_off_this_machine() {
    let t = tour().await;
    let mut used_assets = BTreeSet::new();
    for s in &t.seen {
        // The relay's address is shown as the text the person set (on this machine here), and
        // a typed address that was refused is shown back in its field; nothing loads them. A
        // scheme named alone ("it starts with https://") is no address at all.
        let foreign: Vec<String> = foreign_urls(&s.resp.body)
            .into_iter()
            .filter(|u| !u.starts_with(&t.relay) && !u.contains(TYPED))
            .filter(|u| {
                let rest = u
                    .strip_prefix("https://")
                    .or_else(|| u.strip_prefix("http://"))
                    .unwrap_or(u);
                rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '[')
            })
            .collect();
        assert!(
            foreign.is_empty(),
            "{} points elsewhere: {:?}",
            s.what,
            foreign
        );
        if !s.resp.is_html() {
            continue;
        }
        for a in addresses(&s.resp.body) {
            let ok = (a.starts_with('/') && !a.starts_with("//") && !a.contains('\\'))
                || a.starts_with('#')
                || a.starts_with("tel:")
                || a.starts_with("sms:");
            assert!(ok, "{}: the address {a:?} is not on this machine", s.what);
            if let Some(name) = a.strip_prefix("/assets/") {
                used_assets.insert(unversioned(name.split('?').next().unwrap_or("")));
            }
        }
        let lower = s.resp.body.to_ascii_lowercase();
        for bad in [
            "@import", "<iframe", "<object", "<embed", "<base", "srcdoc", "url(//", "url(http",
        ] {
            assert!(!lower.contains(bad), "{}: {bad}", s.what);
        }
    }
    for used in &used_assets {
        assert!(
            ASSETS.iter().any(|(n, _)| n == used),
            "a page uses /assets/{used}, which is not checked here"
        );
    }

    // The files themselves come from the binary: with the working directory an empty folder,
    // each is served in full, as it is in the source.
    let empty = tempfile::tempdir().unwrap();
    let before = std::env::current_dir().unwrap();
    std::env::set_current_dir(empty.path()).unwrap();
    let mut s = Server::with_vault(|_, _| Ok(())).await;
    s.admit().await;
    let static_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("static");
    for (name, ctype) in ASSETS {
        let r = s.get(&format!("/assets/{name}")).await;
        r.expect(200);
        assert!(r.header("content-type").starts_with(ctype), "{name}");
        assert_eq!(r.header("content-security-policy"), CSP);
        assert!(
            foreign_urls(&r.body).is_empty(),
            "{name}: {:?}",
            foreign_urls(&r.body)
        );
        let lower = r.body.to_ascii_lowercase();
        for bad in ["@import", "url(//", "url(http", "//cdn", "fonts.googleapis"] {
            assert!(!lower.contains(bad), "{name}: {bad}");
        }
        match *name {
            "app.js" => assert_eq!(
                r.body,
                std::fs::read_to_string(static_dir.join("app.js")).unwrap()
            ),
            "icon.svg" => assert_eq!(
                r.body,
                std::fs::read_to_string(static_dir.join("icon.svg")).unwrap()
            ),
            "htmx.min.js" => assert!(r.body.len() > 20_000 && r.body.contains("htmx")),
            _ => {
                let base = std::fs::read_to_string(static_dir.join("css/base.css")).unwrap();
                assert!(r.body.starts_with(&base), "app.css begins with base.css");
            }
        }
    }
    let r = s.get("/assets/../Cargo.toml").await;
    assert_ne!(r.status, 200);
    let r = s.get("/assets/app.css.map").await;
    assert_eq!(r.status, 404);
    std::env::set_current_dir(before).unwrap();
}

// =============================================================================================
// 10. No caching, quick exit, lock, and the idle lock's setting

#[tokio::test]
async fn personal_pages_are_never_cached() {
    let t = tour().await;
    for s in &t.seen {
        let what = &s.what;
        if what.starts_with("GET /assets/") && s.resp.status == 200 {
            // The app's own files hold nothing personal.
            assert!(
                s.resp.header("cache-control").starts_with("public"),
                "{what}"
            );
            continue;
        }
        assert_eq!(s.resp.header("cache-control"), "no-store", "{what}");
    }
}

#[tokio::test]
async fn quick_exit_locks_and_leaves_for_a_blank_page() {
    let mut s = seeded().await;
    s.get("/").await.expect(200);
    let r = s.post("/exit", &[]).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/away");
    let away = s.follow(&r).await;
    away.expect(200);
    assert_eq!(title(&away.body), "New Tab");
    for word in PERSONAL
        .iter()
        .chain(&["Amends", "amends", "Unlock", "Lock"])
    {
        assert!(!away.body.contains(word), "the away page shows {word}");
    }
    assert!(
        tags(&away.body)
            .iter()
            .all(|t| t.name != "script" && t.name != "form" && t.name != "a"),
        "the away page has no scripts, forms or links"
    );
    // Locked: the home page sends to the unlock page, and shows nothing.
    let r = s.get("/").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/unlock");
    assert!(!r.body.contains(NAME));
    let unlock = s.get("/unlock").await;
    unlock.expect(200);
    assert!(!unlock.body.contains(NAME));
    assert!(s.app.read(|_| Ok(())).is_none(), "the vault is closed");

    // As app.js sends it (fetch with the token in a header, no body) it works as well.
    s.unlock().await;
    s.get("/").await.expect(200);
    let r = send(
        s.request(Method::POST, "/exit")
            .header("x-csrf-token", s.csrf.clone().unwrap())
            .header("origin", s.base.clone()),
    )
    .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/away");
    assert_eq!(s.get("/").await.location(), "/unlock");

    // Lock does the same, to the unlock page.
    s.unlock().await;
    let r = s.post("/lock", &[]).await;
    assert_eq!(r.location(), "/unlock");
    assert_eq!(s.get("/").await.location(), "/unlock");
}

#[tokio::test]
async fn a_locked_vault_never_shows_the_recovery_key() {
    let mut s = Server::empty().await;
    s.admit().await;
    s.get("/setup").await.expect(200);
    s.post(
        "/setup",
        &[
            ("passphrase", common::PASSPHRASE),
            ("again", common::PASSPHRASE),
        ],
    )
    .await
    .expect(303);
    let page = s.get("/setup/recovery").await;
    page.expect(200);
    let first = page
        .body
        .split("<span class=\"key-group\">")
        .nth(1)
        .and_then(|g| g.split_once('<'))
        .map(|(k, _)| k.to_string())
        .expect("the key is shown");
    // Quick exit before writing it down; whoever comes next must not see it.
    s.post("/exit", &[]).await.expect(303);
    for path in ["/setup/recovery", "/", "/setup/choices", "/unlock"] {
        let r = s.get(path).await;
        assert!(
            !r.body.contains(&first),
            "{path} shows the recovery key while locked"
        );
        assert!(r.status == 303 || r.status == 200, "{path}: {}", r.status);
    }
    let r = s.get("/setup/recovery").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/unlock");
    let r = s
        .post("/setup/recovery", &[("written", "on"), ("last", &first)])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.location(),
        "/unlock",
        "confirming needs the vault open too"
    );
    // Unlocked again by its owner, the key is there to be written down.
    s.unlock().await;
    let r = s.get("/").await;
    assert_eq!(r.location(), "/setup/recovery");
    let again = s.get("/setup/recovery").await;
    again.expect(200);
    assert!(again.body.contains(&first));
}

#[tokio::test]
async fn the_idle_lock_follows_the_setting() {
    // Locking after idle minutes needs at least a minute to pass (the setting's smallest value),
    // too slow for this file; here: the setting reaches the server and the page, and activity
    // does not lock.
    let mut s = Server::ready(|v, _| {
        let settings = Settings {
            auto_lock_minutes: 1,
            ..Settings::default()
        };
        v.set_settings(&settings)
    })
    .await;
    assert_eq!(s.app.auto_lock_minutes(), 1);
    let home = s.get("/").await;
    home.expect(200);
    let body = tags(&home.body)
        .into_iter()
        .find(|t| t.name == "body")
        .unwrap();
    assert_eq!(body.attr("data-autolock"), Some("1"));
    assert!(!s.app.lock_if_idle(), "just used: not idle");
    s.app.touch();
    s.get("/").await.expect(200);
    // Locked pages do not run the idle timer in the page.
    s.post("/lock", &[]).await.expect(303);
    let unlock = s.get("/unlock").await;
    let body = tags(&unlock.body)
        .into_iter()
        .find(|t| t.name == "body")
        .unwrap();
    assert_eq!(body.attr("data-autolock"), Some("0"));
}

// =============================================================================================
// Coming back: the owner-only channel between Amends processes (`channel.rs`)

/// A second `amends` while the app runs gets a fresh one-time address through the channel; the
/// one before stops working, the fresh one works once, and the socket is this user's alone.
#[tokio::test]
async fn a_second_amends_gets_a_fresh_address_that_works_once() {
    use amends_web::channel::{Role, ask, socket_path};
    use std::os::unix::fs::PermissionsExt;
    let mut s = Server::empty().await;
    s.admit().await;
    let answering = amends_web::answer_others(&s.vault_path, s.addr, &s.app).unwrap();
    let socket = socket_path(&s.vault_path, Role::App).unwrap();
    let mode = std::fs::metadata(&socket).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "the socket is the owner's alone: {mode:o}");
    let folder = std::fs::metadata(socket.parent().unwrap())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(folder & 0o777, 0o700);

    let vault = s.vault_path.clone();
    let ask_launch = move || ask(&vault, Role::App, "launch");
    let fresh = tokio::task::spawn_blocking(ask_launch.clone())
        .await
        .unwrap()
        .unwrap()
        .expect("the running app answers");
    assert!(
        fresh.starts_with(&format!("http://{}/?t=", s.addr)),
        "{fresh}"
    );
    let token = fresh.rsplit("t=").next().unwrap().to_string();
    assert_eq!(token.len(), 64);
    assert_ne!(token, s.token, "a new token");

    // The address printed at the start no longer lets anyone in.
    let r = send(stranger().get(s.at(&format!("/?t={}", s.token)))).await;
    assert_eq!(r.status, 401);
    assert!(r.all("set-cookie").is_empty());
    // A browser that was closed (no cookie now) comes back in with the fresh address, once.
    let r = send(stranger().get(&fresh)).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), "/");
    assert!(
        r.all("set-cookie")
            .iter()
            .any(|c| c.starts_with(&format!("amends_session={}", s.cookie.clone().unwrap()))),
        "the same session for this run of the app"
    );
    let r = send(stranger().get(&fresh)).await;
    assert_eq!(r.status, 401);
    assert!(r.body.contains("already been used"), "{}", r.body);
    assert!(r.all("set-cookie").is_empty());

    // When the app stops, its socket goes, and a second `amends` finds nothing running.
    drop(answering);
    assert!(!socket.exists());
    assert_eq!(
        tokio::task::spawn_blocking(ask_launch)
            .await
            .unwrap()
            .unwrap(),
        None
    );
}

/// An app killed with SIGKILL leaves its socket behind: nobody answers there, and the next app
/// takes the place.
#[tokio::test]
async fn a_socket_left_by_a_killed_app_is_cleaned_up() {
    use amends_web::channel::{Role, ask, socket_path};
    let s = Server::empty().await;
    let socket = socket_path(&s.vault_path, Role::App).unwrap();
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    assert!(socket.exists(), "left behind");
    let vault = s.vault_path.clone();
    let asked = tokio::task::spawn_blocking(move || ask(&vault, Role::App, "launch"))
        .await
        .unwrap();
    assert!(matches!(asked, Ok(None)), "{asked:?}");
    let _answering = amends_web::answer_others(&s.vault_path, s.addr, &s.app).unwrap();
    let vault = s.vault_path.clone();
    let fresh = tokio::task::spawn_blocking(move || ask(&vault, Role::App, "launch"))
        .await
        .unwrap()
        .unwrap();
    assert!(fresh.is_some_and(|u| u.contains("?t=")));
    // While it runs, a second app for the same vault does not take its place.
    assert!(matches!(
        amends_web::answer_others(&s.vault_path, s.addr, &s.app),
        Err(amends_web::channel::ChannelError::Running)
    ));
}

/// A peer of another OS user is dropped unanswered (the kernel's word on its user id), and a
/// folder that others can open is used by neither end.
#[test]
fn the_channel_refuses_another_user_and_a_folder_others_can_open() {
    use amends_web::channel::{ChannelError, Listener, ask_at, my_uid};
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let path = dir.path().join("v.key");
    // A listener that belongs to another user: this test process is the stranger.
    let listener = Listener::bind_at(path.clone(), my_uid().wrapping_add(1)).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        listener.serve(|verb| {
            tx.send(verb.to_string()).unwrap();
            Ok("a key".into())
        })
    });
    let r = ask_at(&path, "key");
    assert!(matches!(r, Err(ChannelError::Refused(_))), "{r:?}");
    assert!(rx.try_recv().is_err(), "the request was never read");

    for mode in [0o755, 0o750, 0o701] {
        let open = dir.path().join(format!("open{mode:o}"));
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(mode)).unwrap();
        let path = open.join("v.app");
        assert!(
            matches!(
                Listener::bind_at(path.clone(), my_uid()),
                Err(ChannelError::Unsafe(_))
            ),
            "{mode:o}"
        );
        assert!(
            matches!(ask_at(&path, "launch"), Err(ChannelError::Unsafe(_))),
            "{mode:o}"
        );
    }
}

/// Lock and Quick exit in the web app make `amends unlock` forget the key it holds for the CLI;
/// `amends lock` locks the web app.
#[tokio::test]
async fn lock_and_quick_exit_reach_the_key_held_for_the_cli_and_amends_lock_reaches_the_app() {
    use amends_web::channel::{Listener, Role, ask};
    let mut s = Server::ready(|_, _| Ok(())).await;
    for (button, to) in [("/lock", "/unlock"), ("/exit", "/away")] {
        // A stand-in for the background process of `amends unlock` on this vault.
        let holder = Listener::bind(&s.vault_path, Role::Key).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            holder.serve_until(|verb| {
                tx.send(verb.to_string()).unwrap();
                (Ok("forgotten".into()), verb == "lock")
            })
        });
        s.get("/").await.expect(200);
        let r = s.post(button, &[]).await;
        assert_eq!(r.status, 303, "{button}");
        assert_eq!(r.location(), to);
        let told = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(told, "lock", "{button}");
        s.unlock().await;
    }
    let _answering = amends_web::answer_others(&s.vault_path, s.addr, &s.app).unwrap();
    s.get("/").await.expect(200);
    let vault = s.vault_path.clone();
    let said = tokio::task::spawn_blocking(move || ask(&vault, Role::App, "lock"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(said.as_deref(), Some("locked"));
    let r = s.get("/").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/unlock");
}
