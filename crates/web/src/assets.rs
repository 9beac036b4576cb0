//! The app's own files, compiled into the binary: nothing is fetched from anywhere else.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    // One stylesheet, kept in a file per part of the app.
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: concat!(
            include_str!("../static/css/base.css"),
            include_str!("../static/css/home.css"),
            include_str!("../static/css/list.css"),
            include_str!("../static/css/party.css"),
            include_str!("../static/css/settings.css"),
            include_str!("../static/css/sharing.css"),
            include_str!("../static/css/import.css"),
            include_str!("../static/css/print.css"),
        )
        .as_bytes(),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../static/app.js"),
    },
    // htmx 2.0.11 from the npm package htmx.org (licence 0BSD, see static/htmx-LICENSE).
    Asset {
        name: "htmx.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../static/htmx-2.0.11.min.js"),
    },
    Asset {
        name: "icon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../static/icon.svg"),
    },
];

/// A short fingerprint of a file's bytes (64-bit FNV-1a, in hex): it changes whenever the file
/// does, so a new build never meets an old copy kept by the browser.
fn fingerprint(body: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in body {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Each file's name with its fingerprint before the extension (`app.1a2b3c4d5e6f7a8b.css`).
static VERSIONED: std::sync::LazyLock<Vec<(&'static str, String)>> =
    std::sync::LazyLock::new(|| {
        ASSETS
            .iter()
            .map(|a| {
                let print = fingerprint(a.body);
                let versioned = match a.name.rsplit_once('.') {
                    Some((stem, ext)) => format!("{stem}.{print}.{ext}"),
                    None => format!("{}.{print}", a.name),
                };
                (a.name, versioned)
            })
            .collect()
    });

/// The address of an embedded file as the pages link to it: versioned by its content, so it can
/// be cached for good. An unknown name is a mistake in a template, caught by the tests.
pub fn url(name: &str) -> String {
    match VERSIONED.iter().find(|(plain, _)| *plain == name) {
        Some((_, versioned)) => format!("/assets/{versioned}"),
        None => format!("/assets/{name}"),
    }
}

/// `GET /assets/{name}`. A versioned name (what the pages link to) is kept by the browser for
/// good; the plain name still answers, for anything that asks for it, but must be checked again
/// each time, so an upgrade is never hidden behind an old copy.
pub async fn asset(Path(name): Path<String>) -> Response {
    let versioned = VERSIONED.iter().position(|(_, v)| *v == name);
    let plain = ASSETS.iter().position(|a| a.name == name);
    let (at, cache) = match (versioned, plain) {
        (Some(i), _) => (i, "public, max-age=31536000, immutable"),
        (None, Some(i)) => (i, "public, no-cache"),
        (None, None) => return (StatusCode::NOT_FOUND, "No such file.").into_response(),
    };
    let a = &ASSETS[at];
    (
        [
            (header::CONTENT_TYPE, a.content_type),
            (header::CACHE_CONTROL, cache),
        ],
        a.body,
    )
        .into_response()
}
