//! `amends serve` and `amends` with no command start the web app on 127.0.0.1, print the
//! address with its token, and stop cleanly on Ctrl+C; `--demo` leaves nothing behind.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use assert_cmd::cargo::cargo_bin;

struct Server {
    child: Child,
    url: String,
    out: BufReader<std::process::ChildStdout>,
}

impl Server {
    fn start(args: &[&str], envs: &[(&str, &std::path::Path)]) -> Server {
        let mut cmd = Command::new(cargo_bin("amends"));
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("AMENDS_VAULT");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("amends starts");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut url = String::new();
        for _ in 0..20 {
            let mut line = String::new();
            if out.read_line(&mut line).unwrap() == 0 {
                break;
            }
            if let Some(u) = line.split_whitespace().find(|w| w.starts_with("http://")) {
                url = u.to_string();
                break;
            }
        }
        assert!(
            url.starts_with("http://127.0.0.1:"),
            "printed address: {url:?}"
        );
        Server { child, url, out }
    }

    fn addr(&self) -> String {
        self.url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
            .to_string()
    }

    /// Stops it as Ctrl+C does and returns what it printed after the address.
    fn interrupt(mut self) -> (bool, String) {
        Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        let mut rest = String::new();
        self.out.read_to_string(&mut rest).unwrap();
        (status.success(), rest)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// A plain HTTP/1.1 request; returns the status line, headers and body as one string.
fn http(addr: &str, path: &str, cookie: Option<&str>) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let cookie = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{cookie}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    resp
}

fn admit(server: &Server) -> String {
    let path = &server.url[server.url.find("/?t=").unwrap()..];
    let resp = http(&server.addr(), path, None);
    assert!(resp.starts_with("HTTP/1.1 303"), "{resp}");
    let set = resp
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .expect("the token is exchanged for a cookie");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    set.split_once(':')
        .unwrap()
        .1
        .trim()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn serve_prints_a_loopback_address_that_admits_only_its_browser() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("mine.amends");
    let server = Server::start(
        &["--vault", vault.to_str().unwrap(), "serve", "--no-open"],
        &[],
    );
    // Without the cookie: nothing.
    let resp = http(&server.addr(), "/", None);
    assert!(resp.starts_with("HTTP/1.1 401"), "{resp}");
    // With it: no vault yet, so the first run begins.
    let cookie = admit(&server);
    let resp = http(&server.addr(), "/", Some(&cookie));
    assert!(resp.starts_with("HTTP/1.1 303"), "{resp}");
    assert!(
        resp.to_ascii_lowercase().contains("location: /setup"),
        "{resp}"
    );
    let page = http(&server.addr(), "/setup", Some(&cookie));
    assert!(page.contains("Create your vault"), "{page}");
    let (ok, rest) = server.interrupt();
    assert!(ok, "Ctrl+C ends it cleanly");
    assert!(rest.contains("Stopped. The vault is locked."), "{rest}");
    assert!(!vault.exists(), "serving alone creates no vault");
}

#[test]
fn amends_with_no_command_starts_the_web_app() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("v.amends");
    let server = Server::start(&[], &[("AMENDS_VAULT", &vault)]);
    let cookie = admit(&server);
    let page = http(&server.addr(), "/setup", Some(&cookie));
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    let (ok, _) = server.interrupt();
    assert!(ok);
}

#[test]
fn the_demo_opens_unlocked_and_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(&["serve", "--demo", "--no-open"], &[("TMPDIR", tmp.path())]);
    let cookie = admit(&server);
    let page = http(&server.addr(), "/", Some(&cookie));
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("made-up person"), "the demo says what it is");
    assert!(
        page.contains("Where I am"),
        "the demo opens on the home page"
    );
    let made: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(
        made.len(),
        1,
        "the demo vault lives in one temporary folder"
    );
    let (ok, _) = server.interrupt();
    assert!(ok);
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(
        left.is_empty(),
        "the demo vault is removed when the app stops"
    );
}

#[test]
fn when_the_usual_port_is_taken_it_takes_another_and_says_so() {
    // Hold the usual port (or find it held already: taken either way).
    let _holder = std::net::TcpListener::bind(("127.0.0.1", 4880));
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("v.amends");
    let server = Server::start(
        &["--vault", vault.to_str().unwrap(), "serve", "--no-open"],
        &[],
    );
    assert!(!server.addr().ends_with(":4880"), "{}", server.url);
    let cookie = admit(&server);
    let page = http(&server.addr(), "/setup", Some(&cookie));
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    let (ok, rest) = server.interrupt();
    assert!(ok);
    assert!(
        rest.contains("Port 4880 was taken")
            && rest.contains("works again once Amends runs on port 4880"),
        "{rest}"
    );
}
