//! A real server on a real loopback port, and a browser-like client with cookies, for the
//! tests of the list, Step 10, settings and help.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use amends_core::model::Settings;
use amends_vault::Vault;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use secrecy::SecretString;
use tempfile::TempDir;
use tokio::sync::oneshot;

/// One part of a multipart body: name, file name (for a file), content.
pub type Part<'a> = (&'a str, Option<&'a str>, &'a [u8]);

pub const PASS: &str = "copper kettle under the winter orchard";

/// One test at a time in this binary. With several tests' vaults opening and closing on other
/// threads at the same moment, SQLCipher now and then fails a new vault's `PRAGMA key` ("An
/// error occurred with PRAGMA key or rekey", about one run in ten); reported to the vault's owner.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Held for the length of a test.
pub async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    SERIAL.lock().await
}

pub struct Server {
    pub base: String,
    pub client: reqwest::Client,
    pub csrf: String,
    pub vault: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _dir: Option<TempDir>,
}

pub fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

/// Creates a vault with the default settings at a fresh temporary path.
pub fn new_vault() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("amends.vault");
    Vault::create(&path, &secret(PASS), &Settings::default()).expect("a new vault");
    (dir, path)
}

/// A fresh vault, a server on it, admitted and unlocked.
pub async fn start() -> Server {
    let (dir, path) = new_vault();
    let mut s = start_at(&path).await;
    s._dir = Some(dir);
    s
}

/// A server on an existing vault, admitted with the launch token and unlocked.
pub async fn start_at(path: &Path) -> Server {
    let bound = amends_web::bind(
        amends_web::Config {
            vault: path.to_path_buf(),
            demo: false,
        },
        0,
    )
    .await
    .expect("a loopback port");
    let url = bound.url.clone();
    let base = url.split("/?").next().expect("an address").to_string();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(amends_web::serve(bound, async {
        let _ = rx.await;
    }));
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    // The launch token is exchanged for the session cookie.
    let r = client.get(&url).send().await.expect("the launch address");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mut s = Server {
        base,
        client,
        csrf: String::new(),
        vault: path.to_path_buf(),
        stop: Some(tx),
        task: Some(task),
        _dir: None,
    };
    let (status, page) = s.get("/unlock").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    s.csrf = csrf_of(&page);
    s.unlock(PASS).await;
    s
}

/// The CSRF token a page carries in `data-csrf`.
pub fn csrf_of(page: &str) -> String {
    let start = page.find("data-csrf=\"").expect("a page with a CSRF token") + 11;
    let end = page[start..].find('"').expect("the end of the token") + start;
    page[start..end].to_string()
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let r = self
            .client
            .get(self.url(path))
            .send()
            .await
            .expect("a response");
        let status = r.status();
        (status, r.text().await.expect("a body"))
    }

    /// POSTs a form with the CSRF token added first; returns the status, the Location (for a
    /// redirect) and the body.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String, String) {
        let mut all = vec![("_csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// POSTs exactly these fields (no token added).
    pub async fn post_raw(
        &self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String, String) {
        let r = self
            .client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("a response");
        let status = r.status();
        let location = r
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        (status, location, r.text().await.expect("a body"))
    }

    /// POSTs a multipart body made of these parts, in this order: (name, file name, content).
    pub async fn post_multipart(
        &self,
        path: &str,
        parts: &[Part<'_>],
    ) -> (StatusCode, String, String) {
        let boundary = "amends-test-boundary-5c1b9e";
        let mut body = Vec::new();
        for (name, file, content) in parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            match file {
                Some(f) => body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/json\r\n\r\n"
                    )
                    .as_bytes(),
                ),
                None => body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                ),
            }
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let r = self
            .client
            .post(self.url(path))
            .header(
                CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .expect("a response");
        let status = r.status();
        let location = r
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        (status, location, r.text().await.expect("a body"))
    }

    pub async fn unlock(&self, pass: &str) {
        let (status, location, body) = self.post("/unlock", &[("passphrase", pass)]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        assert_eq!(location, "/");
    }

    /// The whole workbook, through the export download.
    pub async fn export(&self) -> serde_json::Value {
        let r = self
            .client
            .get(self.url("/settings/export"))
            .send()
            .await
            .expect("a response");
        assert_eq!(r.status(), StatusCode::OK);
        serde_json::from_slice(&r.bytes().await.expect("a body")).expect("JSON")
    }

    /// Notes a harm through Step 10 and returns the party's id.
    pub async fn capture(&self, name: &str, kind: &str, did: &str, kinds: &[&str]) -> i64 {
        let mut fields = vec![("name", name), ("kind", kind), ("did", did)];
        for k in kinds {
            fields.push(("kinds", k));
        }
        let (status, location, body) = self.post("/capture", &fields).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        location
            .strip_prefix("/parties/")
            .and_then(|id| id.parse().ok())
            .expect("a redirect to the party's page")
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// The text between `from` and the next `until` (or the end), to look inside one part of a page.
pub fn part<'a>(page: &'a str, from: &str, until: &str) -> &'a str {
    let start = page
        .find(from)
        .unwrap_or_else(|| panic!("the page has {from}"));
    let rest = &page[start + from.len()..];
    match rest.find(until) {
        Some(end) => &rest[..end],
        None => rest,
    }
}
