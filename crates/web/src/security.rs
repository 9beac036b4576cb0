//! The locks on the door: loopback Host names only, the launch token exchanged for a cookie,
//! a CSRF token on every change, and response headers that keep the page to itself.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::state::App;

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

fn plain(status: StatusCode, text: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
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

/// Every response: no caching of personal pages, no framing, no sniffing, no referrer.
pub async fn headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
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
    let ok = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(host_is_loopback);
    if !ok {
        return plain(
            StatusCode::MISDIRECTED_REQUEST,
            "Refused: Amends only answers at 127.0.0.1 or localhost. Open the address that `amends serve` printed.",
        );
    }
    next.run(req).await
}

/// Admits the browser that opened the printed address, and no one else.
pub async fn admit(State(app): State<App>, req: Request, next: Next) -> Response {
    if let Some(token) = launch_token(req.uri().query()) {
        if !same(token, app.launch_token()) {
            return plain(
                StatusCode::UNAUTHORIZED,
                "This link is not valid (any more). Open the address that `amends serve` printed in the terminal.",
            );
        }
        // Exchange the token for a cookie and drop it from the address bar.
        let cookie = format!(
            "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict",
            app.0.cookie
        );
        return Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header(header::LOCATION, req.uri().path())
            .header(header::SET_COOKIE, cookie)
            .body(Body::empty())
            .expect("a valid redirect");
    }
    let admitted = cookie_value(req.headers()).is_some_and(|c| same(c, &app.0.cookie));
    if !admitted {
        return plain(
            StatusCode::UNAUTHORIZED,
            "Not signed in. Open the address that `amends serve` printed in the terminal; it includes a one-time key for this browser.",
        );
    }
    next.run(req).await
}

/// Every request that can change something must carry the CSRF token, in the header (htmx,
/// scripts) or as the first form field. Multipart bodies (import) are checked by their handler.
pub async fn csrf(State(app): State<App>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    // A browser says where a request came from; a page elsewhere is refused outright. Plain
    // form posts from our own pages say "null" (our Referrer-Policy is no-referrer, and then
    // browsers hide the origin of navigations): that says nothing, so the token decides.
    if let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .filter(|o| o.as_bytes() != b"null")
    {
        let host = origin
            .to_str()
            .ok()
            .and_then(|o| o.strip_prefix("http://"))
            .unwrap_or("");
        if !host_is_loopback(host) {
            return forbidden();
        }
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
    if content_type.starts_with("multipart/form-data") {
        return next.run(req).await;
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return forbidden();
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, crate::BODY_LIMIT).await else {
        return plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            "That is more text than one form can take. Nothing was saved; shorten it and try again.",
        );
    };
    let ok = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == CSRF_FIELD)
        .is_some_and(|(_, v)| same(&v, app.csrf()));
    if !ok {
        return forbidden();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Checks the CSRF token a handler read itself (multipart forms).
pub fn csrf_ok(app: &App, token: &str) -> bool {
    same(token, app.csrf())
}

pub fn forbidden() -> Response {
    plain(
        StatusCode::FORBIDDEN,
        "Refused: this request did not come from an Amends page in this browser, so nothing was changed. Go back, reload the page and try again.",
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
    fn the_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; amends_session=abc; b=2"),
        );
        assert_eq!(cookie_value(&h), Some("abc"));
    }
}
