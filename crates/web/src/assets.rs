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

/// `GET /assets/{name}`.
pub async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                // Assets change only with the binary; the version in the query string busts caches.
                (header::CACHE_CONTROL, "public, max-age=86400, immutable"),
            ],
            a.body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "No such file.").into_response(),
    }
}
