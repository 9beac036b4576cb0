//! A real server on a real loopback port, a browser-like client with cookies, and helpers to
//! read what the pages say. Shared by the party page tests.

#![allow(dead_code)]

use std::path::PathBuf;

use amends_core::model::{PartyRecord, Settings};
use amends_vault::{KdfParams, Vault};
use reqwest::StatusCode;
use secrecy::SecretString;
use tempfile::TempDir;

/// Cheap key derivation: these tests are about pages, not about the passphrase.
const FAST: KdfParams = KdfParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

const PASSPHRASE: &str = "quiet river under the old bridge";

pub struct Server {
    pub base: String,
    pub client: reqwest::Client,
    pub csrf: String,
    pub vault: PathBuf,
    _dir: TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// A response as the tests look at it.
pub struct Page {
    pub status: StatusCode,
    pub location: String,
    pub body: String,
}

impl Page {
    /// The text of `<title>`.
    pub fn title(&self) -> &str {
        let start = self.body.find("<title>").map(|i| i + 7).unwrap_or(0);
        let end = self.body[start..]
            .find("</title>")
            .map(|i| start + i)
            .unwrap_or(start);
        &self.body[start..end]
    }
}

/// Starts the app on a free port with a fresh, unlocked vault (settings as given).
pub async fn start_with(settings: Settings) -> Server {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let vault = dir.path().join("test.amends");
    drop(
        Vault::create_with(
            &vault,
            &SecretString::from(PASSPHRASE.to_string()),
            &settings,
            FAST,
        )
        .expect("a new vault"),
    );
    let bound = amends_web::bind(
        amends_web::Config {
            vault: vault.clone(),
            demo: false,
        },
        0,
    )
    .await
    .expect("a loopback port");
    let url = bound.url.clone();
    let base = url.split("/?t=").next().expect("an address").to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(amends_web::serve(bound, async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    // The launch token becomes the session cookie.
    let r = client.get(&url).send().await.expect("the launch address");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mut server = Server {
        base,
        client,
        csrf: String::new(),
        vault,
        _dir: dir,
        _stop: stop,
    };
    let unlock = server.get("/unlock").await;
    assert_eq!(unlock.status, StatusCode::OK, "{}", unlock.body);
    server.csrf = csrf_of(&unlock.body);
    let r = server.post("/unlock", &[("passphrase", PASSPHRASE)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    server
}

pub async fn start() -> Server {
    start_with(Settings::default()).await
}

/// The CSRF token a page carries for its forms and scripts.
pub fn csrf_of(body: &str) -> String {
    let start = body.find("data-csrf=\"").expect("a CSRF token on the page") + 11;
    let end = body[start..].find('"').expect("the end of the token") + start;
    body[start..end].to_string()
}

impl Server {
    async fn page(r: reqwest::Response) -> Page {
        let status = r.status();
        let location = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = r.text().await.expect("a body");
        Page {
            status,
            location,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("a response");
        Self::page(r).await
    }

    /// A party's whole page: the summary and every part of it (each its own address), one
    /// after the other, with the summary's status.
    pub async fn whole(&self, id: i64) -> Page {
        let mut page = self.get(&format!("/parties/{id}")).await;
        for part in [
            "harms",
            "willingness",
            "safety",
            "consult",
            "plan",
            "attempt",
            "commitments",
            "timeline",
            "edit",
        ] {
            let p = self.get(&format!("/parties/{id}/{part}")).await;
            assert_eq!(p.status, page.status, "/parties/{id}/{part}");
            page.body.push_str(&p.body);
        }
        page
    }

    /// Posts a form as a browser does, with the CSRF field first.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut all: Vec<(&str, &str)> = vec![("_csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .form(&all)
            .send()
            .await
            .expect("a response");
        Self::page(r).await
    }

    /// Adds a party through the form and returns its id.
    pub async fn add_party(&self, fields: &[(&str, &str)]) -> i64 {
        let r = self.post("/parties", fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        r.location
            .strip_prefix("/parties/")
            .and_then(|id| id.parse().ok())
            .expect("the new party's address")
    }

    /// Adds a person with nothing else recorded.
    pub async fn add_person(&self, name: &str) -> i64 {
        self.add_party(&[("name", name), ("kind", "person")]).await
    }

    /// Adds a person with a harm named (an amends that reaches them is for something).
    pub async fn add_person_with_harm(&self, name: &str, did: &str) -> i64 {
        self.add_party(&[("name", name), ("kind", "person"), ("did", did)])
            .await
    }

    /// Answers every safety question "no" except those given as "yes", through the form.
    pub async fn answer_safety(&self, id: i64, yes: &[&str]) {
        let mut fields: Vec<(&str, &str)> = amends_core::rules::SAFETY_QUESTIONS
            .iter()
            .map(|q| (*q, if yes.contains(q) { "yes" } else { "no" }))
            .collect();
        fields.push(("legal_decision", ""));
        let r = self.post(&format!("/parties/{id}/safety"), &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }

    /// Reads a party straight from the vault file, as a second program would.
    pub fn record(&self, id: i64) -> PartyRecord {
        let v = Vault::open(&self.vault, &SecretString::from(PASSPHRASE.to_string()))
            .expect("the vault opens");
        v.record(id).expect("the party")
    }

    /// Every party in the vault file, as a second program would read them.
    pub fn records(&self) -> Vec<PartyRecord> {
        let v = Vault::open(&self.vault, &SecretString::from(PASSPHRASE.to_string()))
            .expect("the vault opens");
        v.records().expect("the parties")
    }
}

/// Today's date as date inputs send it.
pub fn today() -> String {
    jiff::Zoned::now().date().to_string()
}
