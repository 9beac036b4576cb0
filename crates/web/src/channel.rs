//! The owner-only channel between Amends processes of one person on one computer: a Unix socket
//! per vault and per role in a private folder, so that a second `amends` finds the running web
//! app (and gets a fresh one-time address from it), and so that CLI commands find the key held
//! by `amends unlock`.
//!
//! Three locks keep it to this OS user. The folder is `$XDG_RUNTIME_DIR/amends` (or, without
//! one, `amends-<uid>` in the temporary folder), created `0700`, and refused unless it is a real
//! folder (not a link) owned by this user with no access for anyone else; the socket inside is
//! made with a `0077` umask; and every connection's peer is asked for its user id by the kernel
//! (`SO_PEERCRED` on Linux, `getpeereid` elsewhere) and dropped unanswered unless it is this
//! user's. A socket left behind by a process that was killed answers nothing; the next one to
//! listen removes it.
//!
//! The protocol is one line each way: `amends 1 <verb>`, answered `ok <words>` or `no <why>`.
//! The answers carry an address with a one-time token, or a data key: never anything the person
//! wrote.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

/// What a socket is for: each vault has at most one of each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The running web app: gives a fresh one-time address, locks on request.
    App,
    /// The key held by `amends unlock`: gives it to CLI commands, forgets it on request.
    Key,
}

impl Role {
    fn suffix(self) -> &'static str {
        match self {
            Role::App => "app",
            Role::Key => "key",
        }
    }
}

const HELLO: &str = "amends 1";
/// No request or answer is longer than this.
const MAX_LINE: u64 = 512;
/// How long either side waits for the other's line.
const PATIENCE: Duration = Duration::from_secs(5);

/// Why the channel could not be used. The messages name folders, never what is in the vault.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error(
        "the private folder {} is not safe to use (it must be a folder owned by you that only you can open); remove it, or set XDG_RUNTIME_DIR to a folder that only you can open",
        .0.display()
    )]
    Unsafe(PathBuf),
    #[error("the private folder for Amends could not be made or read: {0}")]
    Io(#[from] std::io::Error),
    #[error("another Amends is already answering for this vault")]
    Running,
    #[error("the other Amends said no: {0}")]
    Refused(String),
    #[error("the other Amends gave an answer this version cannot read")]
    Garbled,
}

/// This process's user id.
pub fn my_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// The private folder the sockets live in, made if missing and checked every time.
pub fn runtime_dir() -> Result<PathBuf, ChannelError> {
    let base = match std::env::var_os("XDG_RUNTIME_DIR") {
        Some(d) if !d.is_empty() && Path::new(&d).is_absolute() => PathBuf::from(d).join("amends"),
        _ => std::env::temp_dir().join(format!("amends-{}", my_uid())),
    };
    match std::fs::DirBuilder::new().mode(0o700).create(&base) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e.into()),
    }
    check_private(&base)?;
    Ok(base)
}

/// A folder is private when it is a real folder (not a link to one) owned by this user, that
/// no group and no other user can read, write or enter.
pub fn check_private(dir: &Path) -> Result<(), ChannelError> {
    let meta = std::fs::symlink_metadata(dir)?;
    let private = meta.file_type().is_dir()
        && meta.uid() == my_uid()
        && meta.permissions().mode() & 0o077 == 0;
    if private {
        Ok(())
    } else {
        Err(ChannelError::Unsafe(dir.to_path_buf()))
    }
}

/// The socket of `role` for the vault at `vault`: named by a hash of the vault's full path, so
/// two vaults never share one and the name says nothing about where the vault is.
pub fn socket_path(vault: &Path, role: Role) -> Result<PathBuf, ChannelError> {
    let dir = runtime_dir()?;
    let full = std::path::absolute(vault)?;
    let full = full.canonicalize().unwrap_or(full);
    let digest = Sha256::digest(full.as_os_str().as_encoded_bytes());
    let name = format!("{}.{}", hex::encode(&digest[..12]), role.suffix());
    Ok(dir.join(name))
}

/// The user id of the process at the other end of `stream`, as the kernel knows it.
fn peer_uid(stream: &UnixStream) -> std::io::Result<u32> {
    let fd = stream.as_raw_fd();
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let mut cred = libc::ucred {
            pid: 0,
            uid: 0,
            gid: 0,
        };
        let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
        // SAFETY: `cred` and `len` are valid for writes of the sizes given.
        let rc = unsafe {
            libc::getsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_PEERCRED,
                (&mut cred as *mut libc::ucred).cast(),
                &mut len,
            )
        };
        if rc != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(cred.uid)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let mut uid: libc::uid_t = 0;
        let mut gid: libc::gid_t = 0;
        // SAFETY: `uid` and `gid` are valid for writes.
        if unsafe { libc::getpeereid(fd, &mut uid, &mut gid) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(uid)
    }
}

/// Reads one line of at most `MAX_LINE` bytes.
fn read_line(stream: &UnixStream) -> std::io::Result<String> {
    let mut line = String::new();
    BufReader::new(stream.take(MAX_LINE)).read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// What a listener answers to one request: `Ok(words)` or `Err(why)`.
pub type Answer = Result<String, String>;

/// A socket this process answers on; removed when dropped.
pub struct Listener {
    listener: UnixListener,
    path: PathBuf,
    owner: u32,
}

impl Listener {
    /// Listens as `role` for the vault. If a process already answers there, `Running`; a socket
    /// left by a process that was killed is removed first.
    pub fn bind(vault: &Path, role: Role) -> Result<Listener, ChannelError> {
        Listener::bind_at(socket_path(vault, role)?, my_uid())
    }

    /// Listens at `path`, answering only peers whose user id is `owner`. (`bind` uses this
    /// user's id; tests give another to see a stranger refused.)
    #[doc(hidden)]
    pub fn bind_at(path: PathBuf, owner: u32) -> Result<Listener, ChannelError> {
        if let Some(dir) = path.parent() {
            check_private(dir)?;
        }
        if std::fs::symlink_metadata(&path).is_ok() {
            match UnixStream::connect(&path) {
                Ok(_) => return Err(ChannelError::Running),
                // Nobody listens: what is left of a process that was killed.
                Err(_) => std::fs::remove_file(&path)?,
            }
        }
        // Owner-only from the first moment, whatever the umask was.
        // SAFETY: umask only swaps the process's file-creation mask.
        let old = unsafe { libc::umask(0o077) };
        let bound = UnixListener::bind(&path);
        // SAFETY: as above, putting the mask back.
        unsafe { libc::umask(old) };
        let listener = bound?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        Ok(Listener {
            listener,
            path,
            owner,
        })
    }

    /// Where the socket is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Answers requests one at a time, for ever (run it on a thread of its own). A peer of
    /// another user, or one that does not speak the protocol, is dropped without an answer.
    pub fn serve(&self, mut handle: impl FnMut(&str) -> Answer) {
        self.serve_until(|verb| (handle(verb), false));
    }

    /// Like [`Listener::serve`], until an answer's second half says to stop (after it is sent).
    pub fn serve_until(&self, mut handle: impl FnMut(&str) -> (Answer, bool)) {
        for stream in self.listener.incoming() {
            let Ok(stream) = stream else { continue };
            let mut stop = false;
            self.answer(stream, &mut |verb: &str| {
                let (answer, last) = handle(verb);
                stop = last;
                answer
            });
            if stop {
                return;
            }
        }
    }

    fn answer(&self, mut stream: UnixStream, handle: &mut impl FnMut(&str) -> Answer) {
        match peer_uid(&stream) {
            Ok(uid) if uid == self.owner => {}
            _ => {
                tracing::warn!("a connection from another user was refused");
                return;
            }
        }
        let _ = stream.set_read_timeout(Some(PATIENCE));
        let _ = stream.set_write_timeout(Some(PATIENCE));
        let Ok(line) = read_line(&stream) else { return };
        let Some(verb) = line
            .strip_prefix(HELLO)
            .and_then(|rest| rest.strip_prefix(' '))
        else {
            return;
        };
        let reply = match handle(verb) {
            Ok(words) => format!("ok {words}\n"),
            Err(why) => format!("no {why}\n"),
        };
        let _ = stream.write_all(reply.as_bytes());
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Asks the process answering as `role` for the vault. `Ok(None)`: nobody answers there (no
/// socket, or one left by a killed process).
pub fn ask(vault: &Path, role: Role, verb: &str) -> Result<Option<String>, ChannelError> {
    ask_at(&socket_path(vault, role)?, verb)
}

/// [`ask`] at a given socket.
#[doc(hidden)]
pub fn ask_at(path: &Path, verb: &str) -> Result<Option<String>, ChannelError> {
    if let Some(dir) = path.parent() {
        check_private(dir)?;
    }
    let mut stream = match UnixStream::connect(path) {
        Ok(s) => s,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    // The other end must be this user's too: a socket put there by anyone else is not ours.
    if peer_uid(&stream)? != my_uid() {
        return Err(ChannelError::Unsafe(path.to_path_buf()));
    }
    stream.set_read_timeout(Some(PATIENCE))?;
    stream.set_write_timeout(Some(PATIENCE))?;
    let exchange = (|| {
        stream.write_all(format!("{HELLO} {verb}\n").as_bytes())?;
        read_line(&stream)
    })();
    let line = match exchange {
        Ok(line) => line,
        // Hung up on: the other end did not take us for its owner.
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
            ) =>
        {
            String::new()
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(words) = line.strip_prefix("ok ") {
        Ok(Some(words.to_string()))
    } else if let Some(why) = line.strip_prefix("no ") {
        Err(ChannelError::Refused(why.to_string()))
    } else if line.is_empty() {
        // Dropped without an answer: the other end did not take us for its owner.
        Err(ChannelError::Refused(
            "this request was not answered".into(),
        ))
    } else {
        Err(ChannelError::Garbled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn private_dir() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        d
    }

    #[test]
    fn a_request_is_answered_for_the_owner() {
        let d = private_dir();
        let path = d.path().join("x.app");
        let l = Listener::bind_at(path.clone(), my_uid()).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let t = std::thread::spawn(move || {
            let mut n = 0;
            for s in l.listener.incoming().take(2) {
                l.answer(s.unwrap(), &mut |v: &str| {
                    n += 1;
                    if v == "hello" {
                        Ok("there".into())
                    } else {
                        Err("unknown".into())
                    }
                });
            }
            n
        });
        assert_eq!(ask_at(&path, "hello").unwrap().as_deref(), Some("there"));
        assert!(matches!(
            ask_at(&path, "other"),
            Err(ChannelError::Refused(w)) if w == "unknown"
        ));
        assert_eq!(t.join().unwrap(), 2);
    }

    #[test]
    fn a_peer_of_another_user_is_dropped_unanswered() {
        let d = private_dir();
        let path = d.path().join("x.key");
        // The listener takes its owner to be someone else: we are the stranger.
        let l = Listener::bind_at(path.clone(), my_uid().wrapping_add(1)).unwrap();
        let t = std::thread::spawn(move || {
            let mut asked = false;
            let s = l.listener.incoming().next().unwrap().unwrap();
            l.answer(s, &mut |_: &str| {
                asked = true;
                Ok("the key".into())
            });
            asked
        });
        let r = ask_at(&path, "key");
        assert!(matches!(r, Err(ChannelError::Refused(_))), "{r:?}");
        assert!(!t.join().unwrap(), "the handler never ran for a stranger");
    }

    #[test]
    fn a_folder_others_can_open_is_refused() {
        let d = private_dir();
        let open = d.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = open.join("x.app");
        assert!(matches!(
            Listener::bind_at(path.clone(), my_uid()),
            Err(ChannelError::Unsafe(_))
        ));
        assert!(matches!(
            ask_at(&path, "launch"),
            Err(ChannelError::Unsafe(_))
        ));
        // A link to a private folder is not that folder.
        let link = d.path().join("link");
        std::os::unix::fs::symlink(d.path(), &link).unwrap();
        assert!(matches!(check_private(&link), Err(ChannelError::Unsafe(_))));
    }

    #[test]
    fn a_socket_left_by_a_killed_process_is_replaced() {
        let d = private_dir();
        let path = d.path().join("x.app");
        // A socket nobody listens on any more (its listener closed without removing it).
        drop(UnixListener::bind(&path).unwrap());
        assert!(path.exists());
        assert_eq!(ask_at(&path, "launch").unwrap(), None, "nobody answers");
        let live = Listener::bind_at(path.clone(), my_uid()).unwrap();
        // While it listens, a second one is told so.
        assert!(matches!(
            Listener::bind_at(path.clone(), my_uid()),
            Err(ChannelError::Running)
        ));
        drop(live);
        assert!(!path.exists(), "removed when the listener goes");
    }
}
