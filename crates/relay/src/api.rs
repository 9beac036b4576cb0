//! The HTTP API: routes, the signature check, limits, and the JSON answers of the protocol.
//!
//! Every mailbox request goes the same way: the body is read up to its limit (413 past it), the
//! signature headers are checked against the method, the path from `/v1` on and the body (400 or
//! 401), the key's rate is checked (429), and then one store transaction records the nonce and
//! does the work (401 `replayed`, 403, 507 or the answer). Handlers never log a key hash or an id.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use amends_relay_proto::{
    AckRequest, AckResponse, AuthError, BlocksResponse, ErrorBody, FetchResponse, KeyHash,
    MAX_ACK_IDS, MAX_FETCH_LIMIT, PendingBundle, PostResponse, ReceivedHeaders, TIME_WINDOW_SECS,
    codes, verify_request,
};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use governor::clock::{Clock as _, DefaultClock};

use crate::AppState;
use crate::store::{Auth, NewBundle, Store, StoreError};

/// The largest body of a request that is not a bundle (an acknowledgement, a fetch).
const SMALL_BODY: u64 = 256 * 1024;

/// A refusal: status, stable code, and a sentence saying why and what to do.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<u64>,
}

/// Marks a response as a refusal with this code, for the metrics.
#[derive(Clone, Copy)]
struct Refusal(&'static str);

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    fn malformed(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, codes::MALFORMED, message)
    }

    fn too_large(limit: u64) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::TOO_LARGE,
            format!(
                "The bundle is larger than this relay accepts ({limit} bytes). Share fewer parts at once, or use a relay with a larger limit."
            ),
        )
    }

    fn unavailable() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::UNAVAILABLE,
            "The relay cannot reach its database just now, so nothing was stored or changed. Try again in a few minutes.",
        )
    }

    fn not_found() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            codes::NOT_FOUND,
            "There is nothing at this address. Check the relay address, and that Amends is up to date.",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.code.to_string(),
            message: self.message,
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response.extensions_mut().insert(Refusal(self.code));
        response
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> ApiError {
        match e {
            AuthError::Unsigned(header) => ApiError::new(
                StatusCode::UNAUTHORIZED,
                codes::UNSIGNED,
                format!(
                    "This request is not signed: the {header} header is missing. Mailbox requests must be signed with the identity's key; Amends does this for you."
                ),
            ),
            AuthError::Malformed(header) => ApiError::malformed(format!(
                "The {header} header is not in the expected form. Check that Amends is up to date."
            )),
            AuthError::Expired => ApiError::new(
                StatusCode::UNAUTHORIZED,
                codes::EXPIRED,
                format!(
                    "The request's time is more than {TIME_WINDOW_SECS} seconds from the relay's clock. Check this computer's date and time, then try again."
                ),
            ),
            AuthError::BadSignature => ApiError::new(
                StatusCode::UNAUTHORIZED,
                codes::BAD_SIGNATURE,
                "The signature does not match the request. Something changed the request after it was signed; send it again from Amends.",
            ),
        }
    }
}

fn from_store(e: StoreError) -> ApiError {
    match e {
        StoreError::Replayed => ApiError::new(
            StatusCode::UNAUTHORIZED,
            codes::REPLAYED,
            "This exact request was already received once, so it was not carried out again. Send a newly signed request instead.",
        ),
        // Never sent: `post_bundle` answers a blocked sender as if the bundle were stored.
        StoreError::Blocked => ApiError::new(StatusCode::CREATED, codes::BLOCKED, ""),
        StoreError::MailboxFull => ApiError::new(
            StatusCode::INSUFFICIENT_STORAGE,
            codes::MAILBOX_FULL,
            "The recipient's mailbox on this relay is full. Try again after they have checked for new bundles.",
        ),
        e @ (StoreError::Unavailable(_) | StoreError::TooNew { .. }) => {
            tracing::warn!(error = %e, "a request could not reach the database");
            ApiError::unavailable()
        }
    }
}

/// Runs a store operation within the database timeout.
async fn within<T>(
    app: &AppState,
    op: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, ApiError> {
    match tokio::time::timeout(app.config.database_timeout, op).await {
        Ok(result) => result.map_err(from_store),
        Err(_) => {
            tracing::warn!("a request waited too long for the database");
            Err(ApiError::unavailable())
        }
    }
}

/// Reads a body of at most `limit` bytes.
async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: u64,
    bundle: bool,
) -> Result<Bytes, ApiError> {
    let over = |_| {
        if bundle {
            ApiError::too_large(limit)
        } else {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                codes::TOO_LARGE,
                format!("The request body is larger than {limit} bytes. Send fewer ids at once."),
            )
        }
    };
    if let Some(length) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && length > limit
    {
        return Err(over(()));
    }
    let limit_usize = usize::try_from(limit).unwrap_or(usize::MAX);
    match axum::body::to_bytes(body, limit_usize).await {
        Ok(bytes) => Ok(bytes),
        Err(e) => {
            let limited = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if limited {
                Err(over(()))
            } else {
                Err(ApiError::malformed(
                    "The request's body could not be read to its end. Send it again.",
                ))
            }
        }
    }
}

/// Checks the signature and the key's rate; returns who is asking.
fn authenticate(
    app: &AppState,
    method: &Method,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Auth, ApiError> {
    let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let now_ms = app.clock.now_ms();
    let received = ReceivedHeaders::from_lookup(|name| {
        headers.get(name).map(|v| v.to_str().unwrap_or("\u{0}"))
    });
    let verified = verify_request(
        received,
        method.as_str(),
        path_and_query,
        body,
        now_ms.div_euclid(1000),
    )?;
    if let Err(not_until) = app.limiter.check_key(&verified.key_hash) {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            codes::RATE_LIMITED,
            format!(
                "Too many requests from this key in the last minute (this relay allows {}). Wait {} seconds, then try again.",
                app.config.requests_per_minute,
                secs.max(1)
            ),
        );
        e.retry_after = Some(secs.max(1));
        return Err(e);
    }
    Ok(Auth {
        key: verified.key_hash,
        nonce: verified.nonce,
        nonce_until_ms: (verified.time + TIME_WINDOW_SECS + 1) * 1000,
        now_ms,
    })
}

fn key_hash_in_path(text: &str, what: &str) -> Result<KeyHash, ApiError> {
    text.parse().map_err(|_| {
        ApiError::malformed(format!(
            "The {what} in the address is not a key hash (64 hexadecimal digits). Check the contact's code, and that Amends is up to date."
        ))
    })
}

fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_second(ms.div_euclid(1000))
        .map(|t| t.to_string())
        .unwrap_or_default()
}

fn new_id() -> Result<String, ApiError> {
    let mut raw = [0u8; 16];
    getrandom::fill(&mut raw).map_err(|_| {
        tracing::error!("the system's random number generator did not answer");
        ApiError::unavailable()
    })?;
    Ok(URL_SAFE_NO_PAD.encode(raw))
}

async fn post_bundle(
    State(app): State<Arc<AppState>>,
    Path(recipient): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let recipient = key_hash_in_path(&recipient, "recipient")?;
    tracing::debug!("a bundle is arriving");
    let (parts, body) = request.into_parts();
    let bytes = read_body(&parts.headers, body, app.config.max_bundle_bytes, true).await?;
    let auth = authenticate(&app, &parts.method, &parts.uri, &parts.headers, &bytes)?;
    if bytes.is_empty() {
        return Err(ApiError::malformed(
            "The bundle is empty. Send the sealed bundle's bytes as the body.",
        ));
    }
    let expiry_ms = i64::try_from(app.config.expiry.as_millis()).unwrap_or(i64::MAX / 2);
    let bundle = NewBundle {
        id: new_id()?,
        recipient,
        bytes,
        expires_ms: auth.now_ms.saturating_add(expiry_ms),
    };
    let id = bundle.id.clone();
    let expires = rfc3339(bundle.expires_ms);
    match within(
        &app,
        app.store.post(auth, bundle, app.config.max_mailbox_bytes),
    )
    .await
    {
        Ok(()) => app.metrics.stored(),
        // A block is never told to the sender: they get the answer of a stored bundle, and the
        // bundle is discarded. Someone a person chose to block may be someone they need to be
        // safe from; learning of the block, or being invited to try another way, must not come
        // from here.
        Err(e) if e.code == codes::BLOCKED => app.metrics.dropped(),
        Err(e) => return Err(e),
    }
    Ok((
        StatusCode::CREATED,
        axum::Json(PostResponse { id, expires }),
    )
        .into_response())
}

fn fetch_limit(query: Option<&str>) -> Result<u32, ApiError> {
    amends_relay_proto::fetch_limit(query).ok_or_else(|| {
        ApiError::malformed(format!(
            "limit must be a whole number from 1 to {MAX_FETCH_LIMIT}. Ask for fewer bundles at once."
        ))
    })
}

async fn fetch(State(app): State<Arc<AppState>>, request: Request) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let limit = fetch_limit(parts.uri.query())?;
    let bytes = read_body(&parts.headers, body, SMALL_BODY, false).await?;
    let auth = authenticate(&app, &parts.method, &parts.uri, &parts.headers, &bytes)?;
    let fetched = within(
        &app,
        app.store.fetch(auth, limit, app.config.fetch_budget_bytes),
    )
    .await?;
    let response = FetchResponse {
        bundles: fetched
            .bundles
            .into_iter()
            .map(|b| PendingBundle {
                id: b.id,
                sender: b.sender.to_string(),
                size: b.size,
                received: rfc3339(b.received_ms),
                bundle: b.bytes,
            })
            .collect(),
        more: fetched.more,
    };
    Ok(axum::Json(response).into_response())
}

async fn ack(State(app): State<Arc<AppState>>, request: Request) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let bytes = read_body(&parts.headers, body, SMALL_BODY, false).await?;
    let auth = authenticate(&app, &parts.method, &parts.uri, &parts.headers, &bytes)?;
    let bad = || {
        ApiError::malformed(format!(
            "The body must be JSON of the form {{\"ids\": [\"...\"]}} with at most {MAX_ACK_IDS} ids. Check that Amends is up to date."
        ))
    };
    let request = AckRequest::parse(&bytes).ok_or_else(bad)?;
    let deleted = within(&app, app.store.ack(auth, request.ids)).await?;
    app.metrics.delivered(deleted);
    Ok(axum::Json(AckResponse { deleted }).into_response())
}

async fn blocks(State(app): State<Arc<AppState>>, request: Request) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let bytes = read_body(&parts.headers, body, SMALL_BODY, false).await?;
    let auth = authenticate(&app, &parts.method, &parts.uri, &parts.headers, &bytes)?;
    let blocked = within(&app, app.store.blocks(auth)).await?;
    Ok(axum::Json(BlocksResponse {
        blocked: blocked.iter().map(KeyHash::to_string).collect(),
    })
    .into_response())
}

async fn set_block(
    State(app): State<Arc<AppState>>,
    Path(sender): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let sender = key_hash_in_path(&sender, "sender")?;
    let (parts, body) = request.into_parts();
    let bytes = read_body(&parts.headers, body, SMALL_BODY, false).await?;
    let auth = authenticate(&app, &parts.method, &parts.uri, &parts.headers, &bytes)?;
    let blocked = parts.method == Method::PUT;
    within(&app, app.store.set_block(auth, sender, blocked)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn healthz() -> Response {
    "ok\n".into_response()
}

async fn readyz(State(app): State<Arc<AppState>>) -> Response {
    if app.shutting_down.load(Ordering::SeqCst) {
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::UNAVAILABLE,
            "This relay is shutting down. Send requests to another instance.",
        )
        .into_response();
    }
    let ping = tokio::time::timeout(app.config.database_timeout, app.store.ping()).await;
    match ping {
        Ok(Ok(())) => "ready\n".into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: the database did not answer");
            ApiError::unavailable().into_response()
        }
        Err(_) => {
            tracing::warn!("readiness: the database did not answer in time");
            ApiError::unavailable().into_response()
        }
    }
}

async fn metrics(State(app): State<Arc<AppState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app.metrics.render(),
    )
        .into_response()
}

async fn not_found() -> ApiError {
    ApiError::not_found()
}

async fn wrong_method(method: Method) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        codes::NOT_FOUND,
        format!("This address does not answer {method} requests. Check that Amends is up to date."),
    )
}

/// Counts every answer by route pattern and status class, and every refusal by code.
async fn observe(State(app): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let matched = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let method = request.method().clone();
    let carries_body = request.headers().contains_key(header::TRANSFER_ENCODING)
        || request
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    let mut response = next.run(request).await;
    // A refusal may come before the body was read (413 on the announced length, an address that
    // is no mailbox), and the server then drops the connection rather than read the rest. Saying
    // so up front keeps a client from sending its next request on a connection about to close.
    if carries_body && (response.status().is_client_error() || response.status().is_server_error())
    {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    app.metrics.request(
        matched.as_deref(),
        &method,
        response.status().as_u16(),
        started.elapsed(),
    );
    if let Some(Refusal(code)) = response.extensions().get::<Refusal>() {
        app.metrics.refused(code);
    }
    response
}

pub(crate) fn router(app: Arc<AppState>) -> Router {
    Router::new()
        .route("/v1/mailboxes/{recipient}", post(post_bundle))
        .route("/v1/mailbox", get(fetch))
        .route("/v1/mailbox/ack", post(ack))
        .route("/v1/mailbox/blocks", get(blocks))
        .route(
            "/v1/mailbox/blocks/{sender}",
            put(set_block).delete(set_block),
        )
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(wrong_method)
        .layer(middleware::from_fn_with_state(app.clone(), observe))
        .with_state(app)
}
