//! A real Amends web server for tests: `amends_web::bind` on 127.0.0.1 port 0 and
//! `amends_web::serve` in this process, a browser-like client (cookie store, redirects not
//! followed so that every 303 can be looked at), and helpers for vaults, the CSRF token, raw
//! HTTP (for headers a browser would not let us forge), HTML tags and the web crate's source.
//!
//! Typical use:
//! ```ignore
//! let s = Server::ready(|v, now| { v.add_party("Sam", PartyKind::Person, "", "", now)?; Ok(()) }).await;
//! let home = s.get("/").await;            // admitted and unlocked already
//! let r = s.post("/lock", &[]).await;      // `_csrf` is added
//! ```

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use amends_core::Now;
use amends_core::model::Settings;
use amends_vault::{KdfParams, Vault, VaultError};
use reqwest::Method;
use reqwest::header::HeaderMap;
use secrecy::SecretString;
use tokio::sync::oneshot;

/// The passphrase of the vaults made by [`Server::with_vault`] (strong enough for `/setup` too).
pub const PASSPHRASE: &str = "copper kettle orchard lantern";

/// Key-derivation costs low enough that creating and unlocking a vault takes milliseconds.
pub const FAST_KDF: KdfParams = KdfParams {
    memory_kib: 1024,
    iterations: 1,
    parallelism: 1,
};

/// One response, read in full.
#[derive(Clone, Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Resp {
    /// A header's value (the first, if there are several), or "".
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Every value of a header.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect()
    }

    pub fn location(&self) -> &str {
        self.header("location")
    }

    pub fn is_html(&self) -> bool {
        self.header("content-type").starts_with("text/html")
    }

    /// Panics with the body when the status is not the one expected.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Resp {
        assert_eq!(
            self.status, status,
            "expected {status}, got {} with body:\n{}",
            self.status, self.body
        );
        self
    }

    /// The CSRF token of the page (`data-csrf` on `<body>`).
    pub fn csrf(&self) -> Option<String> {
        csrf_in(&self.body)
    }
}

async fn read(r: reqwest::Response) -> Resp {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body = r.text().await.expect("a response body");
    Resp {
        status,
        headers,
        body,
    }
}

/// Sends a request and reads the whole response.
pub async fn send(rb: reqwest::RequestBuilder) -> Resp {
    read(rb.send().await.expect("the server answers")).await
}

/// A client like a browser that keeps cookies; redirects are not followed.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("a client")
}

/// A client that never sends a cookie.
pub fn stranger() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("a client")
}

/// The CSRF token in a page: `data-csrf="..."`.
pub fn csrf_in(html: &str) -> Option<String> {
    let start = html.find("data-csrf=\"")? + "data-csrf=\"".len();
    let len = html[start..].find('"')?;
    Some(html[start..start + len].to_string())
}

// ---------------------------------------------------------------------------------------------
// Log capture

static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sends every tracing event of this test process, at every level, into a buffer (done once, by
/// the first server started). The test's own HTTP client is left out: it logs the cookies it
/// keeps, which is the client's business, not the server's. The relay client's HTTP library is
/// kept at debug: at trace it prints the raw bytes it sends and reads (signatures, nonces and
/// sealed bundles, random text that now and then spells a short test word such as "ibex").
pub fn capture_logs() {
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink = buf.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "trace,cookie_store=off,reqwest=off,hyper_util::client=off,ureq=debug,ureq_proto=debug",
            ))
            .with_ansi(false)
            .with_writer(move || LogWriter(sink.clone()))
            .try_init();
        buf
    });
}

/// Everything logged so far in this test process.
pub fn logs() -> String {
    capture_logs();
    let buf = LOGS.get().expect("log capture set up");
    String::from_utf8_lossy(&buf.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}

// ---------------------------------------------------------------------------------------------
// The server

/// A running server with a browser attached to it.
pub struct Server {
    /// Where it listens (127.0.0.1 and a free port).
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The address `amends serve` would print, with the launch token.
    pub url: String,
    pub token: String,
    pub app: amends_web::App,
    pub vault_path: PathBuf,
    /// The recovery key of a vault made by [`Server::with_vault`].
    pub recovery_key: Option<String>,
    /// The browser: keeps the session cookie once admitted.
    pub client: reqwest::Client,
    /// The session cookie's value, once admitted.
    pub cookie: Option<String>,
    /// The CSRF token, as read from the last page that carried one.
    pub csrf: Option<String>,
    dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Makes a vault with cheap key derivation and default settings, then lets `seed` fill it.
/// Returns the recovery key.
pub fn make_vault(
    path: &Path,
    seed: impl FnOnce(&mut Vault, &Now) -> Result<(), VaultError>,
) -> String {
    use secrecy::ExposeSecret;
    let created = Vault::create_with(
        path,
        &SecretString::from(PASSPHRASE),
        &Settings::default(),
        FAST_KDF,
    )
    .expect("a new vault");
    let mut vault = created.vault;
    seed(&mut vault, &amends_web_now()).expect("the seed data is accepted");
    created.recovery_key.expose_secret().to_string()
}

/// The current moment, as the app sees it.
pub fn amends_web_now() -> Now {
    Now::new(jiff::Timestamp::now(), jiff::tz::TimeZone::system())
}

impl Server {
    /// A server with no vault yet (the first-run flow), not yet admitted.
    pub async fn empty() -> Server {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("test.amends");
        Server::start(dir, path, None).await
    }

    /// A server over a new vault that `seed` filled, locked and not yet admitted.
    pub async fn with_vault(
        seed: impl FnOnce(&mut Vault, &Now) -> Result<(), VaultError>,
    ) -> Server {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("test.amends");
        let key = make_vault(&path, seed);
        Server::start(dir, path, Some(key)).await
    }

    /// A server over a new vault that `seed` filled, with the browser admitted and the vault unlocked.
    pub async fn ready(seed: impl FnOnce(&mut Vault, &Now) -> Result<(), VaultError>) -> Server {
        let mut s = Server::with_vault(seed).await;
        s.admit().await;
        s.unlock().await;
        s
    }

    async fn start(dir: tempfile::TempDir, path: PathBuf, recovery_key: Option<String>) -> Server {
        capture_logs();
        let config = amends_web::Config {
            vault: path.clone(),
            demo: false,
        };
        let bound = amends_web::bind(config, 0).await.expect("a free port");
        let addr = bound.listener.local_addr().expect("an address");
        let url = bound.url.clone();
        let app = bound.app.clone();
        let token = app.launch_token().to_string();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(amends_web::serve(bound, async move {
            let _ = stopped.await;
        }));
        Server {
            addr,
            base: format!("http://{addr}"),
            url,
            token,
            app,
            vault_path: path,
            recovery_key,
            client: browser(),
            cookie: None,
            csrf: None,
            dir,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// The temporary folder the vault is in.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Opens the printed address as a browser would: the token is exchanged for the cookie.
    pub async fn admit(&mut self) -> Resp {
        let r = send(self.client.get(&self.url)).await;
        r.expect(303);
        let cookie = r
            .all("set-cookie")
            .iter()
            .find_map(|c| {
                c.split(';')
                    .next()
                    .and_then(|kv| kv.trim().strip_prefix("amends_session="))
                    .map(str::to_string)
            })
            .expect("the session cookie is set");
        self.cookie = Some(cookie);
        r
    }

    /// Unlocks with [`PASSPHRASE`] through the unlock form.
    pub async fn unlock(&mut self) {
        self.get("/unlock").await.expect(200);
        let r = self.post("/unlock", &[("passphrase", PASSPHRASE)]).await;
        assert_eq!(r.status, 303, "unlock failed: {}", r.body);
        assert_eq!(r.location(), "/");
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A request from the browser (with the cookie once admitted).
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.at(path))
    }

    /// GET from the browser; remembers the page's CSRF token.
    pub async fn get(&mut self, path: &str) -> Resp {
        let r = send(self.request(Method::GET, path)).await;
        if let Some(t) = r.csrf() {
            self.csrf = Some(t);
        }
        r
    }

    /// GET without following the redirect, then GET where it points (one hop).
    pub async fn follow(&mut self, r: &Resp) -> Resp {
        assert!(
            (300..400).contains(&r.status),
            "not a redirect: {}",
            r.status
        );
        let to = r.location().to_string();
        self.get(&to).await
    }

    /// The CSRF token, reading it from a page first if none was seen yet.
    pub async fn token(&mut self) -> String {
        if self.csrf.is_none() {
            let r = self.get("/unlock").await;
            if r.csrf().is_none() {
                self.get("/").await;
            }
        }
        self.csrf.clone().expect("a page with data-csrf")
    }

    /// POST a form as a page of the app would: `_csrf` first, then `fields`.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let token = self.token().await;
        let mut all: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        let r = send(self.request(Method::POST, path).form(&all)).await;
        if let Some(t) = r.csrf() {
            self.csrf = Some(t);
        }
        r
    }

    /// A raw HTTP/1.1 request over a new TCP connection, for headers no client lets us forge.
    /// `headers` are whole lines such as `"Host: localhost"` (no Host is added for you).
    pub async fn raw(&self, method: &str, target: &str, headers: &[&str], body: &str) -> RawResp {
        let mut text = format!("{method} {target} HTTP/1.1\r\n");
        for h in headers {
            text.push_str(h);
            text.push_str("\r\n");
        }
        text.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ));
        raw_exchange(self.addr, text).await
    }

    /// `Cookie: amends_session=...` as a raw header line.
    pub fn cookie_line(&self) -> String {
        format!(
            "Cookie: amends_session={}",
            self.cookie.as_deref().expect("admitted first")
        )
    }
}

/// A response read from a raw connection.
#[derive(Debug)]
pub struct RawResp {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl RawResp {
    /// A header's value (case-insensitive name), or "".
    pub fn header(&self, name: &str) -> String {
        self.head
            .lines()
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    }
}

/// Writes `text` to a new connection and reads until the server closes it.
pub async fn raw_exchange(addr: SocketAddr, text: String) -> RawResp {
    tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10))).ok();
        s.write_all(text.as_bytes()).expect("send");
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        let out = String::from_utf8_lossy(&out).into_owned();
        let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        RawResp {
            status,
            head: head.to_string(),
            body: body.to_string(),
        }
    })
    .await
    .expect("the raw exchange ran")
}

// ---------------------------------------------------------------------------------------------
// HTML

/// One start tag: its lower-case name and attributes (lower-case names, raw values).
#[derive(Clone, Debug)]
pub struct Tag {
    pub name: String,
    pub attrs: Vec<(String, Option<String>)>,
}

impl Tag {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.as_deref())
    }
    pub fn has(&self, name: &str) -> bool {
        self.attrs.iter().any(|(k, _)| k == name)
    }
}

/// A route pattern with every `{param}` filled with 1: the first party, harm, contact or
/// commitment of a seeded list.
pub fn first_of_each(pattern: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
        out.push('1');
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

/// The start tags of a page, read as a browser's tokenizer would (quoted values may hold `>`;
/// comments, doctype and the text inside `<script>`/`<style>` are skipped).
pub fn tags(html: &str) -> Vec<Tag> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        if html[i..].starts_with("<!--") {
            i = html[i..].find("-->").map_or(b.len(), |e| i + e + 3);
            continue;
        }
        if i + 1 >= b.len() || !b[i + 1].is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' && b[j] != b'/' {
            j += 1;
        }
        let name = html[i + 1..j].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while j < b.len() && (b[j].is_ascii_whitespace() || b[j] == b'/') {
                j += 1;
            }
            if j >= b.len() || b[j] == b'>' {
                j += 1;
                break;
            }
            let start = j;
            while j < b.len() && !b[j].is_ascii_whitespace() && !matches!(b[j], b'>' | b'=' | b'/')
            {
                j += 1;
            }
            let key = html[start..j].to_ascii_lowercase();
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            let mut value = None;
            if j < b.len() && b[j] == b'=' {
                j += 1;
                while j < b.len() && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
                    let q = b[j];
                    let vs = j + 1;
                    let ve = b[vs..]
                        .iter()
                        .position(|&c| c == q)
                        .map_or(b.len(), |p| vs + p);
                    value = Some(html[vs..ve].to_string());
                    j = (ve + 1).min(b.len());
                } else {
                    let vs = j;
                    while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                        j += 1;
                    }
                    value = Some(html[vs..j].to_string());
                }
            }
            attrs.push((key, value));
        }
        // The text of raw-text elements is not markup.
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            j = html[j.min(b.len())..]
                .to_ascii_lowercase()
                .find(&close)
                .map_or(b.len(), |e| j + e);
        }
        out.push(Tag { name, attrs });
        i = j;
    }
    out
}

/// The text of `<title>` (the first), or "".
pub fn title(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let Some(s) = lower.find("<title>") else {
        return String::new();
    };
    let s = s + "<title>".len();
    let e = lower[s..].find("</title>").map_or(lower.len(), |e| s + e);
    html[s..e].to_string()
}

/// Every address a page points to: href, src, action, formaction, and the htmx request attributes.
pub fn addresses(html: &str) -> Vec<String> {
    const URL_ATTRS: &[&str] = &[
        "href",
        "src",
        "action",
        "formaction",
        "poster",
        "srcset",
        "data",
        "hx-get",
        "hx-post",
        "hx-put",
        "hx-patch",
        "hx-delete",
    ];
    tags(html)
        .into_iter()
        .flat_map(|t| {
            t.attrs
                .into_iter()
                .filter(|(k, _)| URL_ATTRS.contains(&k.as_str()))
                .filter_map(|(_, v)| v)
        })
        .collect()
}

/// Undoes `%XX` escapes and `+` (to find typed text hidden in an address).
pub fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (
                (b[i + 1] as char).to_digit(16),
                (b[i + 2] as char).to_digit(16),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------------------------------------
// The web crate's source (for the guard that every route goes through `routes.rs`)

/// The source of the web crate with comments blanked out and, if `strings` is false, the
/// contents of string literals blanked too (so that words in them are not taken for code).
pub fn strip_rust(src: &str, strings: bool) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < c.len() {
        // Comments.
        if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                out.push(' ');
                i += 1;
            }
            continue;
        }
        if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(if c[i] == '\n' { '\n' } else { ' ' });
                    i += 1;
                }
            }
            continue;
        }
        // Raw strings: r"..." r#"..."# (and br).
        if c[i] == 'r'
            && (i == 0 || !(c[i - 1].is_alphanumeric() || c[i - 1] == '_'))
            && matches!(c.get(i + 1), Some('"') | Some('#'))
        {
            let mut j = i + 1;
            let mut hashes = 0;
            while c.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if c.get(j) == Some(&'"') {
                out.push('r');
                for _ in 0..hashes {
                    out.push('#');
                }
                out.push('"');
                j += 1;
                loop {
                    if j >= c.len() {
                        break;
                    }
                    if c[j] == '"' && (0..hashes).all(|h| c.get(j + 1 + h) == Some(&'#')) {
                        out.push('"');
                        for _ in 0..hashes {
                            out.push('#');
                        }
                        j += 1 + hashes;
                        break;
                    }
                    out.push(if strings || c[j] == '\n' { c[j] } else { ' ' });
                    j += 1;
                }
                i = j;
                continue;
            }
        }
        // Character literals (so that '"' is not a string), but not lifetimes.
        if c[i] == '\'' {
            let lit = if c.get(i + 1) == Some(&'\\') {
                (i + 2..(i + 12).min(c.len()))
                    .find(|&k| c[k] == '\'')
                    .map(|k| k + 1)
            } else if c.get(i + 2) == Some(&'\'') {
                Some(i + 3)
            } else {
                None
            };
            if let Some(end) = lit {
                for _ in i..end {
                    out.push(' ');
                }
                i = end;
                continue;
            }
        }
        if c[i] == '"' {
            out.push('"');
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' && i + 1 < c.len() {
                    if strings {
                        out.push(c[i]);
                        out.push(c[i + 1]);
                    } else {
                        out.push_str("  ");
                    }
                    i += 2;
                    continue;
                }
                out.push(if strings || c[i] == '\n' { c[i] } else { ' ' });
                i += 1;
            }
            out.push('"');
            i += 1;
            continue;
        }
        out.push(c[i]);
        i += 1;
    }
    out
}

/// Every `.rs` file under the web crate's `src`, with its path.
pub fn web_sources() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("the source folder")
            .map(|e| e.expect("an entry").path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&p).expect("a source file");
                out.push((p, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    out
}
