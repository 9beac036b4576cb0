//! The plumbing of the browser tests: a chromedriver of our own on a free port, a headless
//! Chromium with a fresh profile, the app served in-process on 127.0.0.1, and helpers that find
//! things the way a person does: by the words of a label, a button or a link.
//!
//! Everything started here is stopped when the `Ui` is dropped, also when a test fails: the
//! browser session is ended through chromedriver, then chromedriver itself is killed.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use amends_core::Now;
use amends_vault::Vault;
use amends_web::{App, Config};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::{Element, ElementRef};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder};
use secrecy::SecretString;
use serde_json::{Value as Json, json};
use tempfile::TempDir;
use tokio::sync::oneshot;

/// The passphrase of every vault made by these tests.
pub const PASSPHRASE: &str = "copper lantern drifts over the quiet harbour";

/// How long to wait for something to appear before the test fails.
const PATIENCE: Duration = Duration::from_secs(15);

/// Phone and desktop widths of the screenshots.
pub const PHONE: (u32, u32) = (390, 844);
pub const DESKTOP: (u32, u32) = (1280, 900);

/// The flags Chromium needs here: no sandbox (containers, root), and nothing that reaches out to
/// the network on its own (the machine is offline; Chromium otherwise waits on those connections).
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--lang=en-GB",
];

fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// Chromium and chromedriver, or a failure that says how to get them. Never a silent pass.
fn browser_programs() -> (PathBuf, PathBuf) {
    let chromium = std::env::var_os("AMENDS_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| on_path(&["chromium", "chromium-browser", "google-chrome"]));
    let driver = std::env::var_os("AMENDS_CHROMEDRIVER")
        .map(PathBuf::from)
        .or_else(|| on_path(&["chromedriver"]));
    match (chromium, driver) {
        (Some(c), Some(d)) => (c, d),
        (c, d) => panic!(
            "The browser tests drive a real headless Chromium, but {} on the PATH. \
             Run ./scripts/test.sh, which installs them (Debian packages chromium and \
             chromium-driver), or set AMENDS_CHROMIUM and AMENDS_CHROMEDRIVER to their paths.",
            match (c.is_none(), d.is_none()) {
                (true, true) => "neither chromium nor chromedriver is",
                (true, false) => "chromium is not",
                _ => "chromedriver is not",
            }
        ),
    }
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// One plain HTTP/1.1 request to chromedriver, answered as JSON. Blocking on purpose: it is also
/// used from `Drop`, where no async runtime can be relied on.
fn driver_http(port: u16, method: &str, path: &str, body: Option<&Json>) -> std::io::Result<Json> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    // chromedriver says "Connection: close" but keeps the connection open: read the headers,
    // then as many bytes as they announce.
    let mut raw = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    let head_end = loop {
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Err(std::io::Error::other("chromedriver closed the connection"));
        }
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).to_ascii_lowercase();
    let header = |name: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
    };
    let complete = |body: &[u8]| match header("content-length:") {
        Some(len) => body.len() >= len.parse::<usize>().unwrap_or(0),
        None => body.ends_with(b"0\r\n\r\n"),
    };
    while !complete(&raw[head_end..]) {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
    }
    let body = String::from_utf8_lossy(&raw[head_end..]).into_owned();
    let payload = if header("transfer-encoding:").is_some_and(|v| v.contains("chunked")) {
        dechunk(&body)
    } else {
        body
    };
    serde_json::from_str(&payload).map_err(|e| std::io::Error::other(e.to_string()))
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}

/// A chromedriver child process on its own port; killed when dropped.
struct Chromedriver {
    child: Child,
    port: u16,
}

impl Chromedriver {
    fn start(program: &Path) -> Chromedriver {
        let port = free_port();
        let child = Command::new(program)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start chromedriver: {e}"));
        let mut driver = Chromedriver { child, port };
        let started = Instant::now();
        loop {
            if let Ok(status) = driver_http(port, "GET", "/status", None)
                && status["value"]["ready"] == json!(true)
            {
                return driver;
            }
            if let Ok(Some(code)) = driver.child.try_wait() {
                panic!("chromedriver stopped at once ({code})");
            }
            assert!(
                started.elapsed() < PATIENCE,
                "chromedriver did not answer on port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where the app runs, and how to stop it.
struct Server {
    app: App,
    /// `http://127.0.0.1:PORT` without a path.
    origin: String,
    /// The printed address, with the launch token.
    launch_url: String,
    stop: Option<oneshot::Sender<()>>,
    _dir: TempDir,
}

impl Server {
    async fn start(demo: bool, prepare: impl FnOnce(&Path) -> Option<Vault>) -> Server {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("workbook.amends");
        let vault = prepare(&path);
        let bound = amends_web::bind(Config { vault: path, demo }, 0)
            .await
            .expect("the app binds to 127.0.0.1");
        if let Some(v) = vault {
            bound.app.unlocked(v);
        }
        let app = bound.app.clone();
        let launch_url = bound.url.clone();
        let origin = launch_url
            .split_once("/?")
            .map(|(o, _)| o.to_string())
            .expect("the printed address has a path and a token");
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(amends_web::serve(bound, async move {
            let _ = stopped.await;
        }));
        Server {
            app,
            origin,
            launch_url,
            stop: Some(stop),
            _dir: dir,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A new vault with the tests' passphrase and default settings.
fn new_vault(path: &Path) -> Vault {
    Vault::create(
        path,
        &SecretString::from(PASSPHRASE),
        &amends_core::model::Settings::default(),
    )
    .expect("a new vault")
    .vault
}

/// The moment the tests work in.
pub fn now() -> Now {
    Now::new(jiff::Timestamp::now(), jiff::tz::TimeZone::system())
}

/// A person at a browser, looking at the app.
pub struct Ui {
    pub client: Client,
    session: String,
    // Field order is drop order: the session ends before chromedriver stops, and the profile is
    // removed after Chromium is gone.
    driver: Chromedriver,
    _profile: TempDir,
    /// Where Chromium saves downloads.
    downloads: TempDir,
    server: Server,
    /// A second app on its own vault, reached as `localhost` (the first is `127.0.0.1`), so the
    /// browser keeps a separate session cookie for each.
    other: Option<Server>,
}

impl Ui {
    /// The very first start: no vault yet.
    pub async fn first_run() -> Ui {
        Ui::start(false, |_| None, DESKTOP).await
    }

    /// A vault that exists and is open, filled by `fill` first (through the vault, as the CLI
    /// would have done); the browser arrives on the home page. Gives back what `fill` returned
    /// (ids, usually).
    pub async fn with_vault<T>(fill: impl FnOnce(&mut Vault, &Now) -> T) -> (Ui, T) {
        let mut out = None;
        let ui = Ui::start(
            false,
            |path| {
                let mut vault = new_vault(path);
                out = Some(fill(&mut vault, &now()));
                Some(vault)
            },
            DESKTOP,
        )
        .await;
        (ui, out.expect("the vault was filled"))
    }

    /// An open vault with nothing in it yet.
    pub async fn empty_vault() -> Ui {
        Ui::with_vault(|_, _| ()).await.0
    }

    /// The demo vault (`amends serve --demo`), open.
    pub async fn demo(size: (u32, u32)) -> Ui {
        Ui::start(
            true,
            |path| Some(amends_web::demo::create(path).expect("the demo vault")),
            size,
        )
        .await
    }

    /// Two apps on two vaults, both open, filled by `fill` and `fill_other` (each is told which
    /// vault it fills). The browser arrives on the first app's home page and is admitted to the
    /// second too; `open` goes to the first, `open_other` to the second.
    pub async fn with_two_vaults<T, U>(
        fill: impl FnOnce(&mut Vault, &Now) -> T,
        fill_other: impl FnOnce(&mut Vault, &Now) -> U,
    ) -> (Ui, T, U) {
        let mut out_other = None;
        let other = Server::start(false, |path| {
            let mut vault = new_vault(path);
            out_other = Some(fill_other(&mut vault, &now()));
            Some(vault)
        })
        .await;
        let (mut ui, out) = Ui::with_vault(fill).await;
        let launch = other.launch_url.replacen("127.0.0.1", "localhost", 1);
        ui.other = Some(other);
        ui.client
            .goto(&launch)
            .await
            .expect("the second app's address opens");
        ui.on_page("/").await;
        ui.open("/").await;
        (ui, out, out_other.expect("the second vault was filled"))
    }

    /// Opens a path of the second app (see [`Ui::with_two_vaults`]).
    pub async fn open_other(&self, path: &str) {
        let other = self.other.as_ref().expect("a second app");
        let origin = other.origin.replacen("127.0.0.1", "localhost", 1);
        self.client
            .goto(&format!("{origin}{path}"))
            .await
            .unwrap_or_else(|e| panic!("could not open {path} in the second app: {e}"));
    }

    /// The second app (to check what was stored).
    pub fn other_app(&self) -> &App {
        &self.other.as_ref().expect("a second app").app
    }

    /// Waits for a finished download whose name starts with `prefix`; returns its path.
    pub async fn downloaded(&self, prefix: &str) -> PathBuf {
        self.eventually(&format!("a download named {prefix}…"), || async {
            std::fs::read_dir(self.downloads.path())
                .ok()?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .find(|p| {
                    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    name.starts_with(prefix)
                        && !name.ends_with(".crdownload")
                        && p.metadata().is_ok_and(|m| m.len() > 0)
                })
        })
        .await
    }

    async fn start(
        demo: bool,
        prepare: impl FnOnce(&Path) -> Option<Vault>,
        size: (u32, u32),
    ) -> Ui {
        let (chromium, driver_program) = browser_programs();
        let server = Server::start(demo, prepare).await;
        let driver = Chromedriver::start(&driver_program);
        let profile = tempfile::tempdir().expect("a temporary browser profile");
        let downloads = tempfile::tempdir().expect("a temporary download folder");
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.push(format!("--window-size={},{}", size.0, size.1));
        let caps = json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:chromeOptions": {
                "binary": chromium.display().to_string(),
                "args": args,
                "prefs": {
                    "download.default_directory": downloads.path().display().to_string(),
                    "download.prompt_for_download": false,
                    "download.directory_upgrade": true,
                    "safebrowsing.enabled": false,
                },
            },
            "goog:loggingPrefs": { "browser": "ALL" },
        });
        let serde_json::Value::Object(caps) = caps else {
            unreachable!("a JSON object")
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .unwrap_or_else(|e| panic!("Chromium did not start through chromedriver: {e}"));
        let session = client
            .session_id()
            .await
            .ok()
            .flatten()
            .expect("a WebDriver session id");
        let ui = Ui {
            client,
            session,
            driver,
            _profile: profile,
            downloads,
            server,
            other: None,
        };
        ui.viewport(size).await;
        // Headless Chromium saves downloads only when told where, for this browser.
        let folder = ui.downloads.path().display().to_string();
        ui.cdp(
            "Browser.setDownloadBehavior",
            json!({ "behavior": "allow", "downloadPath": folder }),
        )
        .await;
        ui.client
            .goto(&ui.server.launch_url)
            .await
            .expect("the printed address opens");
        ui
    }

    /// The app behind the browser (to check what was stored).
    pub fn app(&self) -> &App {
        &self.server.app
    }

    /// A Chrome DevTools command, through chromedriver.
    pub async fn cdp(&self, cmd: &str, params: Json) -> Json {
        let (port, path) = (
            self.driver.port,
            format!("/session/{}/goog/cdp/execute", self.session),
        );
        let body = json!({ "cmd": cmd, "params": params });
        tokio::task::spawn_blocking(move || driver_http(port, "POST", &path, Some(&body)))
            .await
            .expect("the request ran")
            .unwrap_or_else(|e| panic!("chromedriver did not answer {e}"))
    }

    /// Makes the page area exactly `width` x `height` CSS pixels, as on a phone or a desktop.
    pub async fn viewport(&self, (width, height): (u32, u32)) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({
                "width": width,
                "height": height,
                "deviceScaleFactor": 1,
                "mobile": width < 600,
            }),
        )
        .await;
    }

    /// Opens a path of the app, as if typed into the address bar.
    pub async fn open(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.server.origin))
            .await
            .unwrap_or_else(|e| panic!("could not open {path}: {e}"));
    }

    /// The path of the page shown now.
    pub async fn path(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.path().to_string())
            .expect("a current address")
    }

    /// Waits until the page shown is `path` (after a redirect or a script's navigation).
    pub async fn on_page(&self, path: &str) {
        self.eventually(&format!("the page {path}"), || async {
            (self.path().await == path).then_some(())
        })
        .await;
    }

    /// Waits until the window title is `title` (the app adds " · Amends" to its own pages).
    pub async fn titled(&self, title: &str) {
        self.eventually(&format!("the title {title:?}"), || async {
            let t = self.client.title().await.ok()?;
            (t == title || t == format!("{title} · Amends")).then_some(())
        })
        .await;
    }

    /// All the text a person can read on the page now.
    pub async fn text(&self) -> String {
        match self.client.find(fantoccini::Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until `words` can be read on the page.
    pub async fn see(&self, words: &str) {
        self.eventually(&format!("the words {words:?}"), || async {
            self.text().await.contains(words).then_some(())
        })
        .await;
    }

    /// Checks that `words` are not on the page now (call after `see` of something that is).
    pub async fn do_not_see(&self, words: &str) {
        let text = self.text().await;
        assert!(
            !text.contains(words),
            "the page should not show {words:?}, but it reads:\n{text}"
        );
    }

    /// Retries `probe` until it gives an answer, or fails with the page as it is.
    pub async fn eventually<T, F, Fut>(&self, what: &str, mut probe: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let started = Instant::now();
        loop {
            if let Some(v) = probe().await {
                return v;
            }
            if started.elapsed() > PATIENCE {
                let url = self
                    .client
                    .current_url()
                    .await
                    .map(|u| u.path().to_string())
                    .unwrap_or_default();
                let title = self.client.title().await.unwrap_or_default();
                panic!(
                    "waited {PATIENCE:?} for {what}; the browser shows {url} ({title:?}):\n{}",
                    self.text().await
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn locate(&self, scope: &str, kind: &str, words: &str, option: &str) -> Option<Element> {
        let found = self
            .client
            .execute(
                LOCATE_JS,
                vec![json!(scope), json!(kind), json!(words), json!(option)],
            )
            .await
            .ok()?;
        let id = found
            .as_object()?
            .get("element-6066-11e4-a52e-4f735466cecf")?
            .as_str()?
            .to_string();
        Some(Element::from_element_id(
            self.client.clone(),
            ElementRef::from(id),
        ))
    }

    async fn find_in(&self, scope: &str, kind: &str, words: &str, option: &str) -> Element {
        let what = if scope.is_empty() {
            format!("a {kind} {words:?} {option}")
        } else {
            format!("a {kind} {words:?} {option} under the heading {scope:?}")
        };
        self.eventually(&what, || self.locate(scope, kind, words, option))
            .await
    }

    /// The part of the page under the heading (or legend, or summary) that reads `heading`:
    /// for pages with several forms that have fields of the same name.
    pub fn within<'a>(&'a self, heading: &'a str) -> Part<'a> {
        Part { ui: self, heading }
    }

    /// The control whose label reads `label` (exactly, or else the label starting with or
    /// containing those words; the first on the page wins).
    pub async fn field(&self, label: &str) -> Element {
        self.within("").field(label).await
    }

    /// Types `text` into the field labelled `label`, replacing what was there.
    pub async fn fill(&self, label: &str, text: &str) {
        self.within("").fill(label, text).await
    }

    /// Ticks the check box (or picks the radio button) labelled `label`.
    pub async fn tick(&self, label: &str) {
        self.within("").tick(label).await
    }

    /// Picks `option` in the drop-down labelled `label`, or the radio button `option` in the
    /// group (fieldset) whose legend reads `label`.
    pub async fn choose(&self, label: &str, option: &str) {
        self.within("").choose(label, option).await
    }

    /// Presses the button that reads `words`.
    pub async fn press(&self, words: &str) {
        self.within("").press(words).await
    }

    /// Follows the link that reads `words`.
    pub async fn follow(&self, words: &str) {
        self.within("").follow(words).await
    }

    /// Opens the folded part (`<details>`) whose summary reads `words`, as a click on it does.
    pub async fn unfold(&self, words: &str) {
        self.within("").unfold(words).await
    }

    async fn click(&self, el: &Element) {
        // Into view first: a sticky header or a phone-width layout must not be in the way.
        let _ = self
            .client
            .execute(
                "arguments[0].scrollIntoView({block: 'center'});",
                vec![serde_json::to_value(el).expect("an element reference")],
            )
            .await;
        el.click().await.expect("the element can be clicked");
    }

    /// The text of the first element matching a CSS selector.
    pub async fn read(&self, css: &str) -> String {
        let el = self
            .eventually(&format!("an element {css}"), || async {
                self.client.find(fantoccini::Locator::Css(css)).await.ok()
            })
            .await;
        el.text().await.unwrap_or_default()
    }

    /// Presses keys on the keyboard, wherever the focus is.
    pub async fn keys(&self, keys: &[Key]) {
        let mut seq = KeyActions::new("keyboard".into());
        for k in keys {
            seq = seq
                .then(KeyAction::Down { value: (*k).into() })
                .then(KeyAction::Up { value: (*k).into() });
        }
        self.client
            .perform_actions(seq)
            .await
            .expect("the keys are pressed");
    }

    /// What the browser wrote to its console: only the lines about the Content Security Policy.
    /// Chromium reports every refused inline script or style there.
    pub async fn csp_complaints(&self) -> Vec<String> {
        let (port, path) = (
            self.driver.port,
            format!("/session/{}/se/log", self.session),
        );
        let body = json!({ "type": "browser" });
        let log =
            tokio::task::spawn_blocking(move || driver_http(port, "POST", &path, Some(&body)))
                .await
                .expect("the request ran")
                .expect("chromedriver gives the browser's console log");
        log["value"]
            .as_array()
            .expect("a list of console entries")
            .iter()
            .filter_map(|e| e["message"].as_str())
            .filter(|m| {
                m.contains("Content Security Policy") || m.contains("Content-Security-Policy")
            })
            .map(str::to_string)
            .collect()
    }

    /// Fails if the browser refused anything under the page's Content Security Policy.
    pub async fn assert_no_csp_complaints(&self) {
        let complaints = self.csp_complaints().await;
        assert!(
            complaints.is_empty(),
            "the browser refused parts of the page under its Content Security Policy:\n{}",
            complaints.join("\n")
        );
    }

    /// Whether htmx was loaded (from our own files: inline scripts would be refused).
    pub async fn htmx_loaded(&self) -> bool {
        self.client
            .execute("return typeof window.htmx === 'object';", vec![])
            .await
            .map(|v| v == json!(true))
            .unwrap_or(false)
    }

    /// Saves a PNG of the whole page (not only the part in the window) at the given size.
    pub async fn screenshot(&self, file: &Path, size: (u32, u32)) {
        self.viewport(size).await;
        let height = self
            .client
            .execute(
                "return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight);",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_u64())
            .unwrap_or(u64::from(size.1));
        let full = u32::try_from(height)
            .unwrap_or(size.1)
            .clamp(size.1, 16_000);
        self.viewport((size.0, full)).await;
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::write(file, png).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        self.viewport(size).await;
    }
}

/// A part of the page, under one heading.
pub struct Part<'a> {
    ui: &'a Ui,
    heading: &'a str,
}

impl Part<'_> {
    async fn find(&self, kind: &str, words: &str, option: &str) -> Element {
        self.ui.find_in(self.heading, kind, words, option).await
    }

    /// See [`Ui::field`].
    pub async fn field(&self, label: &str) -> Element {
        self.find("field", label, "").await
    }

    /// See [`Ui::fill`].
    pub async fn fill(&self, label: &str, text: &str) {
        let f = self.field(label).await;
        f.clear().await.expect("the field can be cleared");
        f.send_keys(text).await.expect("the field takes typing");
    }

    /// See [`Ui::tick`].
    pub async fn tick(&self, label: &str) {
        let f = self.field(label).await;
        if !f.is_selected().await.unwrap_or(false) {
            self.ui.click(&f).await;
        }
    }

    /// See [`Ui::choose`].
    pub async fn choose(&self, label: &str, option: &str) {
        let f = self.find("choice", label, option).await;
        if f.tag_name().await.unwrap_or_default() == "option" {
            self.ui
                .client
                .execute(
                    "arguments[0].selected = true; \
                     arguments[0].closest('select').dispatchEvent(new Event('change', {bubbles: true}));",
                    vec![serde_json::to_value(&f).expect("an element reference")],
                )
                .await
                .expect("the option can be chosen");
        } else {
            self.ui.click(&f).await;
        }
    }

    /// See [`Ui::press`].
    pub async fn press(&self, words: &str) {
        let b = self.find("button", words, "").await;
        self.ui.click(&b).await;
    }

    /// See [`Ui::follow`].
    pub async fn follow(&self, words: &str) {
        let a = self.find("link", words, "").await;
        self.ui.click(&a).await;
    }

    /// See [`Ui::unfold`].
    pub async fn unfold(&self, words: &str) {
        let summary = self.find("summary", words, "").await;
        let open = |s: &Element| {
            let s = s.clone();
            async move {
                let details = s
                    .find(fantoccini::Locator::XPath(".."))
                    .await
                    .expect("a summary sits in its details");
                details.attr("open").await.ok().flatten().is_some()
            }
        };
        if !open(&summary).await {
            self.ui.click(&summary).await;
        }
        self.ui
            .eventually(&format!("{words:?} unfolded"), || async {
                open(&summary).await.then_some(())
            })
            .await;
    }
}

impl Drop for Ui {
    fn drop(&mut self) {
        // Ends the session, which quits Chromium; then `driver` is dropped and killed.
        let _ = driver_http(
            self.driver.port,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
        );
    }
}

/// Finds an element the way a person would, by the words next to it. Arguments: scope (a
/// heading's words, or empty for the whole page), kind (field, choice, button, link, summary),
/// words, option. Matches an exact text first, then one that starts with the words, then one
/// that contains them (all ignoring case and spacing). Returns the element or null.
const LOCATE_JS: &str = r#"
const [scope, kind, wanted, option] = arguments;
const norm = (s) => (s || "").replace(/\s+/g, " ").trim().toLowerCase();
const shown = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
function best(elements, text, words) {
  const w = norm(words);
  const tiers = [(t) => t === w, (t) => t.startsWith(w), (t) => t.includes(w)];
  for (const tier of tiers) {
    const hit = elements.find((el) => tier(norm(text(el))));
    if (hit) return hit;
  }
  return null;
}
const labelText = (l) => l.textContent;
let root = document;
if (scope) {
  const headings = [...document.querySelectorAll("h1, h2, h3, h4, legend, summary")].filter(shown);
  const heading = best(headings, (h) => h.textContent, scope);
  if (!heading) return null;
  root = heading.closest("form, fieldset, details, section, article") || heading.parentElement;
  // A heading right before its form: take the form that follows it too.
  if (root.tagName !== "FORM" && root === heading.parentElement && !root.querySelector("form, input, select, textarea, button")) {
    root = heading.nextElementSibling || root;
  }
}
const all = (css) => [...root.querySelectorAll(css)];
// Labels a person can see (a closed <details> hides its fields; visually hidden labels of
// visible controls still count, as a screen reader reads them).
const labels = () => all("label").filter((l) => l.control && (shown(l) || shown(l.control)));
if (kind === "field") {
  const label = best(labels(), labelText, wanted);
  return label ? label.control : null;
}
if (kind === "choice") {
  const label = best(labels().filter((l) => l.control.tagName === "SELECT"), labelText, wanted);
  if (label) return best([...label.control.options], (o) => o.textContent, option);
  const fieldset = best(all("fieldset").filter(shown), (f) => (f.querySelector("legend") || {}).textContent, wanted);
  if (!fieldset) return null;
  const choice = best([...fieldset.querySelectorAll("label")].filter((l) => l.control && shown(l)), labelText, option);
  return choice ? choice.control : null;
}
if (kind === "button") {
  const buttons = all("button, input[type=submit], input[type=button]").filter(shown);
  return best(buttons, (b) => b.tagName === "INPUT" ? b.value : b.textContent, wanted);
}
if (kind === "link") {
  return best(all("a[href]").filter(shown), (a) => a.textContent, wanted);
}
if (kind === "summary") {
  return best(all("summary").filter(shown), (s) => s.textContent, wanted);
}
return null;
"#;

/// Someone on the list (`relationship`) with one harm (`did`), willing now, and no safety
/// question applying: a party a plan or an amends can be made for.
pub fn willing_with_harm(
    v: &mut Vault,
    now: &Now,
    name: &str,
    relationship: &str,
    did: &str,
) -> i64 {
    use amends_core::model::{HarmKind, PartyKind, SafetyAnswers, Willingness};
    use amends_vault::{HarmInput, PartyRef};
    let id = v
        .add_party(name, PartyKind::Person, relationship, "", now)
        .expect("a party")
        .id;
    v.add_harm(
        &PartyRef::Id(id),
        &HarmInput {
            did: did.into(),
            kinds: vec![HarmKind::Trust],
            ..HarmInput::default()
        },
        now,
    )
    .expect("a harm");
    v.set_willingness(&PartyRef::Id(id), Willingness::Now, "", now)
        .expect("willing");
    v.answer_safety(&PartyRef::Id(id), SafetyAnswers::default(), now)
        .expect("no safety question applies");
    id
}

/// A browser test: on a runtime with a second thread, so the app serves while the test drives
/// the browser. Every browser test file uses it (`#[macro_use]` in `tests/main.rs`).
macro_rules! browser_test {
    ($(#[$meta:meta])* fn $name:ident() $body:block) => {
        $(#[$meta])*
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() $body
    };
}
