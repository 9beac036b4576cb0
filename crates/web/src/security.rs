//! The locks on the door: loopback Host names only, the launch token exchanged for a cookie,
//! a CSRF token on every change, and response headers that keep the page to itself.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::state::{App, Claim};

/// The session cookie's name.
pub const COOKIE: &str = "amends_session";
/// The header htmx sends the CSRF token in (set once on `<body>` with `hx-headers`).
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The form field plain forms send it in.
pub const CSRF_FIELD: &str = "_csrf";

/// Only the page's own files; no inline script or style, no frames, no other origins.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The host names that mean this machine. Anything else may be a DNS-rebinding attack.
pub fn host_is_loopback(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        // [::1]:port
        match rest.split_once(']') {
            Some((inside, after)) if after.is_empty() || after.starts_with(':') => inside,
            _ => return false,
        }
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
            Some(_) => return false,
            None => host,
        }
    };
    let name = name.to_ascii_lowercase();
    name == "localhost" || name == "127.0.0.1" || name == "::1"
}

/// How long the browser keeps the session cookie: it outlives the browser being closed, so the
/// person comes back to the unlock page (or home, while the vault is still unlocked) without a
/// new address. It is worth nothing once this run of the app ends, because its value is drawn
/// afresh at every start.
pub const COOKIE_MAX_AGE_SECS: u64 = 30 * 24 * 60 * 60;

/// A refusal as a page: the app's stylesheet (served without the cookie, see
/// [`is_public_asset`]), readable on a phone even where the stylesheet cannot load (a foreign
/// Host), and nothing personal: no name, no token, no CSRF token, only fixed words.
#[derive(askama::Template)]
#[template(path = "refusal.html")]
struct Refusal {
    title: &'static str,
    heading: &'static str,
    says: &'static [&'static str],
    /// A command to type, shown on its own line ("" for none).
    command: &'static str,
    /// Whether to offer the way to the start page.
    home: bool,
}

fn refusal(status: StatusCode, r: Refusal) -> Response {
    use askama::Template;
    match r.render() {
        Ok(html) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        )
            .into_response(),
        Err(_) => (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            r.heading,
        )
            .into_response(),
    }
}

/// The way back in, said on every page that turns a browser away.
const RUN_AGAIN: &str = "To get in, run amends again in a terminal on this computer. If Amends is running, it opens a new address in your browser without stopping anything; if it is not, it starts.";

/// 401: this browser was never let in, or the app was started again since.
pub fn not_admitted() -> Response {
    refusal(
        StatusCode::UNAUTHORIZED,
        Refusal {
            title: "Not let in",
            heading: "This browser is not let in to Amends",
            says: &[
                "Amends opens only in a browser it has let in through a one-time address, and only until Amends stops.",
                RUN_AGAIN,
            ],
            command: "amends",
            home: false,
        },
    )
}

fn token_not_valid() -> Response {
    refusal(
        StatusCode::UNAUTHORIZED,
        Refusal {
            title: "Address not valid",
            heading: "This address is not valid",
            says: &[
                "It is not the address Amends gave last, or it was given by an Amends that has stopped since.",
                RUN_AGAIN,
            ],
            command: "amends",
            home: false,
        },
    )
}

fn token_used() -> Response {
    refusal(
        StatusCode::UNAUTHORIZED,
        Refusal {
            title: "Address used",
            heading: "This address has already been used",
            says: &[
                "Each address opens Amends in one browser, once, so a copy of it is no use to anyone else.",
                RUN_AGAIN,
            ],
            command: "amends",
            home: false,
        },
    )
}

fn foreign_host() -> Response {
    refusal(
        StatusCode::MISDIRECTED_REQUEST,
        Refusal {
            title: "Wrong address",
            heading: "Amends only answers at 127.0.0.1 or localhost",
            says: &[
                "Refused: this address names another computer, so nothing was shown or changed.",
                "Open the address Amends printed in the terminal; it begins with http://127.0.0.1.",
            ],
            command: "",
            home: false,
        },
    )
}

fn too_large() -> Response {
    refusal(
        StatusCode::PAYLOAD_TOO_LARGE,
        Refusal {
            title: "Too much at once",
            heading: "That is more than one form can take",
            says: &["Nothing was saved. Go back, shorten it and try again."],
            command: "",
            home: true,
        },
    )
}

/// 404 for an address no page has (the cookie was checked first).
fn not_found() -> Response {
    refusal(
        StatusCode::NOT_FOUND,
        Refusal {
            title: "No such page",
            heading: "There is no page at this address",
            says: &["Nothing was changed. The link may be old, or mistyped."],
            command: "",
            home: true,
        },
    )
}

fn cookie_value(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v)
}

fn launch_token(query: Option<&str>) -> Option<&str> {
    query?
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == "t")
        .map(|(_, v)| v)
}

/// The path to send the browser back to after the token exchange: this page, unless the path
/// could be read as another site (`//host/...`, or `/\host` which browsers treat alike).
fn local_path(path: &str) -> &str {
    let second = path.as_bytes().get(1).copied();
    if path.starts_with('/') && second != Some(b'/') && second != Some(b'\\') {
        path
    } else {
        "/"
    }
}

/// Whether a request's `Origin` (when it names one) is this very server: the scheme and the
/// Host the request was sent to. `null` names no origin (Chromium sends it on form posts from a
/// page with our no-referrer policy); such requests rest on the token alone.
fn origin_ok(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    if origin == "null" {
        return true;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    origin
        .strip_prefix("http://")
        .is_some_and(|o| !host.is_empty() && o.eq_ignore_ascii_case(host))
}

/// Browsers say whether a request comes from the page's own origin; anything from another site
/// (including another port of this machine, which counts as the same site) is refused.
fn fetch_site_ok(headers: &HeaderMap) -> bool {
    match headers.get("sec-fetch-site").map(|v| v.to_str()) {
        None => true,
        Some(Ok(v)) => v == "same-origin" || v == "none",
        Some(Err(_)) => false,
    }
}

/// The `_csrf` field of a multipart form, read from the buffered body.
async fn multipart_token(
    parts: &axum::http::request::Parts,
    bytes: &axum::body::Bytes,
) -> Option<String> {
    use axum::extract::{FromRequest, Multipart};
    let mut probe = Request::new(Body::from(bytes.clone()));
    *probe.headers_mut() = parts.headers.clone();
    *probe.extensions_mut() = parts.extensions.clone();
    let mut form = Multipart::from_request(probe, &()).await.ok()?;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some(CSRF_FIELD) {
            return field.text().await.ok();
        }
    }
    None
}

/// Every response: no caching of personal pages, no framing, no sniffing, no referrer. An
/// address no route has (the router's bare 404, after the cookie check) gets a page saying so.
pub async fn headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    if res.status() == StatusCode::NOT_FOUND && !res.headers().contains_key(header::CONTENT_TYPE) {
        res = not_found();
    }
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Refuses any Host that is not a loopback name, before anything else is looked at.
pub async fn loopback_host(req: Request, next: Next) -> Response {
    // Exactly one Host header: with two, a proxy and this server could read different ones.
    let mut hosts = req.headers().get_all(header::HOST).iter();
    let ok = match (hosts.next(), hosts.next()) {
        (Some(h), None) => h.to_str().is_ok_and(host_is_loopback),
        _ => false,
    };
    if !ok {
        return foreign_host();
    }
    next.run(req).await
}

/// Whether a request is for the calendar subscription (`GET /calendar/TOKEN.ics`), the one
/// route served without the session cookie: calendar apps cannot log in. Its handler answers
/// only to the secret token in the address (compared in constant time), 404 to any other, and
/// 503 while the vault is locked. The Host check still applies.
pub fn is_calendar_feed(method: &Method, path: &str) -> bool {
    matches!(*method, Method::GET | Method::HEAD)
        && path
            .strip_prefix("/calendar/")
            .is_some_and(|file| !file.is_empty() && !file.contains('/'))
}

/// Whether a request is for one of the app's own files (`GET /assets/NAME`): the stylesheet,
/// the scripts and the icon, compiled into the binary and the same for everyone, so they hold
/// nothing personal. They are served without the cookie so that the pages that turn a browser
/// away are styled too; the Host check still applies.
pub fn is_public_asset(method: &Method, path: &str) -> bool {
    matches!(*method, Method::GET | Method::HEAD)
        && path
            .strip_prefix("/assets/")
            .is_some_and(|file| !file.is_empty() && !file.contains('/'))
}

/// Admits the browser that opened a one-time address, and no one else (and calendar apps to
/// the calendar subscription, see [`is_calendar_feed`]; anyone to the app's own files, see
/// [`is_public_asset`]).
pub async fn admit(State(app): State<App>, req: Request, next: Next) -> Response {
    if is_calendar_feed(req.method(), req.uri().path())
        || is_public_asset(req.method(), req.uri().path())
    {
        return next.run(req).await;
    }
    let has_cookie = cookie_value(req.headers()).is_some_and(|c| same(c, &app.0.cookie));
    if let Some(token) = launch_token(req.uri().query()) {
        if has_cookie {
            // This browser is already admitted (the address was opened again): just drop the token.
            return Response::builder()
                .status(StatusCode::SEE_OTHER)
                .header(header::LOCATION, local_path(req.uri().path()))
                .body(Body::empty())
                .expect("a valid redirect");
        }
        // Each address works once: a copy of it (in a browser's command line, say) is no use
        // to anyone after the person's own browser has been let in. A second `amends` gets a
        // fresh one through the owner-only channel (`channel.rs`), which ends the one before.
        match app.claim_launch_token(token) {
            Claim::Admitted => {}
            Claim::Used => return token_used(),
            Claim::Wrong => return token_not_valid(),
        }
        // Exchange the token for a cookie and drop it from the address bar. The cookie lasts
        // past the browser being closed, for as long as this run of the app.
        let cookie = format!(
            "{COOKIE}={}; Path=/; Max-Age={COOKIE_MAX_AGE_SECS}; HttpOnly; SameSite=Strict",
            app.0.cookie
        );
        return Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header(header::LOCATION, local_path(req.uri().path()))
            .header(header::SET_COOKIE, cookie)
            .body(Body::empty())
            .expect("a valid redirect");
    }
    if !has_cookie {
        return not_admitted();
    }
    next.run(req).await
}

/// Every request that can change something must carry the CSRF token, in the header (htmx,
/// scripts) or as a form field (`_csrf`, in an urlencoded or a multipart form), and must not
/// come from another origin.
pub async fn csrf(State(app): State<App>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    // A browser says where a request came from; a page elsewhere is refused outright.
    if !origin_ok(req.headers()) || !fetch_site_ok(req.headers()) {
        return forbidden();
    }
    if let Some(t) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        if same(t, app.csrf()) {
            return next.run(req).await;
        }
        return forbidden();
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let multipart = content_type.starts_with("multipart/form-data");
    if !multipart && !content_type.starts_with("application/x-www-form-urlencoded") {
        return forbidden();
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, crate::BODY_LIMIT).await else {
        return too_large();
    };
    let ok = if multipart {
        multipart_token(&parts, &bytes)
            .await
            .is_some_and(|t| same(&t, app.csrf()))
    } else {
        form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == CSRF_FIELD)
            .is_some_and(|(_, v)| same(&v, app.csrf()))
    };
    if !ok {
        return forbidden();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Checks a CSRF token a handler read itself (the middleware has already checked every
/// request; a handler may check again).
pub fn csrf_ok(app: &App, token: &str) -> bool {
    same(token, app.csrf())
}

/// Reads the first field of an upload, which must be the page's CSRF token, before any of the
/// file is read. An upload whose first field is anything else is refused.
pub async fn multipart_csrf_ok(app: &App, multipart: &mut axum::extract::Multipart) -> bool {
    match multipart.next_field().await {
        Ok(Some(field)) if field.name() == Some(CSRF_FIELD) => match field.text().await {
            Ok(t) => csrf_ok(app, &t),
            Err(_) => false,
        },
        _ => false,
    }
}

pub fn forbidden() -> Response {
    refusal(
        StatusCode::FORBIDDEN,
        Refusal {
            title: "Refused",
            heading: "This request was refused",
            says: &[
                "Refused: this request did not come from an Amends page in this browser, so nothing was changed.",
                "Go back, reload the page and try again.",
            ],
            command: "",
            home: true,
        },
    )
}

/// Counts activity for auto-lock (and locks first if the person was away too long).
pub async fn activity(State(app): State<App>, req: Request, next: Next) -> Response {
    app.touch();
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_names_pass() {
        for ok in [
            "127.0.0.1:8080",
            "localhost:1",
            "LOCALHOST",
            "[::1]:9",
            "[::1]",
            "127.0.0.1",
        ] {
            assert!(host_is_loopback(ok), "{ok}");
        }
        for bad in [
            "evil.example:8080",
            "127.0.0.1.evil.example",
            "localhost.evil.example:80",
            "[::1]evil",
            "127.0.0.2:80",
            "0.0.0.0:80",
            "",
            "localhost:80x",
        ] {
            assert!(!host_is_loopback(bad), "{bad}");
        }
    }

    #[test]
    fn the_way_back_after_the_token_stays_here() {
        assert_eq!(local_path("/"), "/");
        assert_eq!(local_path("/parties/3"), "/parties/3");
        assert_eq!(local_path("//evil.example/x"), "/");
        assert_eq!(local_path("/\\evil.example"), "/");
        assert_eq!(local_path(""), "/");
    }

    #[test]
    fn only_this_server_is_a_good_origin() {
        let with = |origin: Option<&'static str>, site: Option<&'static str>| {
            let mut h = HeaderMap::new();
            h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
            if let Some(o) = origin {
                h.insert(header::ORIGIN, HeaderValue::from_static(o));
            }
            if let Some(s) = site {
                h.insert("sec-fetch-site", HeaderValue::from_static(s));
            }
            origin_ok(&h) && fetch_site_ok(&h)
        };
        assert!(with(None, None));
        assert!(with(Some("http://127.0.0.1:8080"), Some("same-origin")));
        assert!(with(Some("null"), Some("same-origin")));
        assert!(with(None, Some("none")));
        assert!(!with(Some("http://127.0.0.1:8081"), None));
        assert!(!with(Some("http://localhost:8080"), None));
        assert!(!with(Some("https://127.0.0.1:8080"), None));
        assert!(!with(Some("http://evil.example"), None));
        assert!(!with(None, Some("same-site")));
        assert!(!with(None, Some("cross-site")));
    }

    #[test]
    fn only_a_get_of_one_calendar_file_goes_without_the_cookie() {
        assert!(is_calendar_feed(&Method::GET, "/calendar/abc.ics"));
        assert!(is_calendar_feed(&Method::HEAD, "/calendar/abc.ics"));
        assert!(!is_calendar_feed(&Method::POST, "/calendar/abc.ics"));
        assert!(!is_calendar_feed(&Method::GET, "/calendar/"));
        assert!(!is_calendar_feed(&Method::GET, "/calendar/a/b.ics"));
        assert!(!is_calendar_feed(&Method::GET, "/calendar"));
        assert!(!is_calendar_feed(&Method::GET, "/exports/calendar"));
        assert!(!is_calendar_feed(&Method::GET, "/calendarx/a.ics"));
    }

    #[test]
    fn only_a_get_of_one_asset_goes_without_the_cookie() {
        assert!(is_public_asset(&Method::GET, "/assets/app.css"));
        assert!(is_public_asset(&Method::HEAD, "/assets/app.js"));
        assert!(!is_public_asset(&Method::POST, "/assets/app.css"));
        assert!(!is_public_asset(&Method::GET, "/assets/"));
        assert!(!is_public_asset(&Method::GET, "/assets/a/b"));
        assert!(!is_public_asset(&Method::GET, "/assetsx/app.css"));
        assert!(!is_public_asset(&Method::GET, "/"));
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; amends_session=abc; b=2"),
        );
        assert_eq!(cookie_value(&h), Some("abc"));
    }
}
