//! The relay's settings: defaults, then a TOML file, then environment variables, then flags.
//!
//! Every setting has one name, used as the file's key, as the environment variable
//! `AMENDS_RELAY_<NAME>` (upper case) and as the flag `--<name>` (with dashes). Each value is
//! checked here, so a bad one is refused with the setting's name, why, and what to write instead.

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use amends_relay_proto::defaults;

/// Where a value came from, to say so when it is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The settings taken together (a check of one against another).
    Together,
    File(String),
    Environment,
    Flag,
    /// A command-line flag or its `AMENDS_RELAY_*` variable (clap reads both as one value).
    FlagOrEnvironment(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Together => f.write_str("the settings taken together"),
            Source::File(path) => write!(f, "the configuration file {path}"),
            Source::Environment => f.write_str("the environment"),
            Source::Flag => f.write_str("the command line"),
            Source::FlagOrEnvironment(name) => write!(
                f,
                "--{} or AMENDS_RELAY_{}",
                name.replace('_', "-"),
                name.to_ascii_uppercase()
            ),
        }
    }
}

/// A setting that was not accepted. The message names the setting, why, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the setting {setting} (from {from}) {why}; {fix}")]
    Invalid {
        setting: String,
        from: Source,
        why: String,
        fix: String,
    },
    #[error(
        "the configuration file {path} has a setting the relay does not know: {key}; the settings are {known} (see docs/relay.md)"
    )]
    Unknown {
        path: String,
        key: String,
        known: String,
    },
    #[error("the configuration file {path} could not be read: {why}")]
    Unreadable { path: String, why: String },
    #[error("the configuration file {path} is not valid TOML: {why}")]
    NotToml { path: String, why: String },
}

/// The names of every setting, in the order docs/relay.md lists them.
pub const SETTINGS: [&str; 13] = [
    "listen",
    "database",
    "max_bundle_bytes",
    "max_mailbox_bytes",
    "requests_per_minute",
    "expiry_days",
    "fetch_budget_bytes",
    "sweep_interval_secs",
    "pool_size",
    "database_timeout_secs",
    "drain_secs",
    "shutdown_timeout_secs",
    "sqlite_busy_timeout_ms",
];

/// The relay's settings, checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// The address to listen on; port 0 takes a free one.
    pub listen: SocketAddr,
    /// `sqlite://PATH` or `postgres://...`.
    pub database: String,
    /// The largest bundle accepted (413 `too_large` above it).
    pub max_bundle_bytes: u64,
    /// The most one mailbox may hold, all pending bundles together (507 `mailbox_full` above it).
    pub max_mailbox_bytes: u64,
    /// Requests one key may make in a minute (429 `rate_limited` above it), per relay instance.
    pub requests_per_minute: u32,
    /// How long an undelivered bundle waits before it is deleted. The file, the environment and
    /// the flags set it in days; tests may set any duration.
    pub expiry: Duration,
    /// The most bytes of bundles one fetch returns (at least one bundle is always returned).
    pub fetch_budget_bytes: u64,
    /// How often expired bundles and old nonces are deleted.
    pub sweep_interval: Duration,
    /// PostgreSQL connections this instance keeps open (ignored for SQLite, which uses one).
    pub pool_size: usize,
    /// How long a request waits for the database before answering 503.
    pub database_timeout: Duration,
    /// How long a stopping relay goes on serving with readiness at 503, so a load balancer
    /// sends new requests elsewhere before this instance stops accepting them.
    pub drain: Duration,
    /// How long a stopping relay waits for requests in flight before it closes anyway.
    pub shutdown_timeout: Duration,
    /// How long SQLite waits for a lock held by another process before giving up.
    pub sqlite_busy_timeout: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8440)),
            database: "sqlite://amends-relay.sqlite".to_string(),
            max_bundle_bytes: defaults::MAX_BUNDLE_BYTES,
            max_mailbox_bytes: defaults::MAX_MAILBOX_BYTES,
            requests_per_minute: defaults::REQUESTS_PER_MINUTE,
            expiry: Duration::from_secs(u64::from(defaults::EXPIRY_DAYS) * 86_400),
            fetch_budget_bytes: defaults::FETCH_BUDGET_BYTES,
            sweep_interval: Duration::from_secs(60),
            pool_size: 16,
            database_timeout: Duration::from_secs(5),
            drain: Duration::ZERO,
            shutdown_timeout: Duration::from_secs(30),
            sqlite_busy_timeout: Duration::from_millis(5_000),
        }
    }
}

/// The largest size any byte setting accepts: 1 TiB, far past any sensible relay.
const MAX_BYTES: u64 = 1 << 40;

impl Config {
    /// Sets one setting from text (a flag, an environment variable, or a file value).
    pub fn set(&mut self, name: &str, value: &str, source: Source) -> Result<(), ConfigError> {
        let value = value.trim();
        let bad = |why: &str, fix: &str| ConfigError::Invalid {
            setting: name.to_string(),
            from: source.clone(),
            why: why.to_string(),
            fix: fix.to_string(),
        };
        match name {
            "listen" => {
                self.listen = value.parse().map_err(|_| {
                    bad(
                        "is not an address and port",
                        "write it as IP:PORT, for example 0.0.0.0:8440 or [::]:8440",
                    )
                })?;
            }
            "database" => {
                if !(value.starts_with("sqlite:")
                    || value.starts_with("postgres://")
                    || value.starts_with("postgresql://"))
                {
                    return Err(bad(
                        "is not a database address the relay knows",
                        "write sqlite://PATH for a file on this machine, or postgres://USER@HOST:PORT/DATABASE",
                    ));
                }
                if crate::store::sqlite_path(value).is_some_and(|p| p.as_os_str().is_empty()) {
                    return Err(bad(
                        "names no file",
                        "write sqlite:// followed by a path, for example sqlite:///var/lib/amends-relay/relay.sqlite",
                    ));
                }
                self.database = value.to_string();
            }
            "max_bundle_bytes" => {
                self.max_bundle_bytes = bytes(value).map_err(|w| bad(w, BYTES_FIX))?
            }
            "max_mailbox_bytes" => {
                self.max_mailbox_bytes = bytes(value).map_err(|w| bad(w, BYTES_FIX))?
            }
            "fetch_budget_bytes" => {
                self.fetch_budget_bytes = bytes(value).map_err(|w| bad(w, BYTES_FIX))?
            }
            "requests_per_minute" => {
                self.requests_per_minute = whole(value, 1, 1_000_000)
                    .map_err(|w| bad(w, "write a whole number from 1 to 1000000"))?
                    as u32
            }
            "expiry_days" => {
                let days = whole(value, 1, 3_650)
                    .map_err(|w| bad(w, "write a whole number of days from 1 to 3650"))?;
                self.expiry = Duration::from_secs(days * 86_400);
            }
            "sweep_interval_secs" => {
                self.sweep_interval = Duration::from_secs(
                    whole(value, 1, 86_400)
                        .map_err(|w| bad(w, "write a whole number of seconds from 1 to 86400"))?,
                )
            }
            "pool_size" => {
                self.pool_size = whole(value, 1, 1_000)
                    .map_err(|w| bad(w, "write a whole number from 1 to 1000"))?
                    as usize
            }
            "database_timeout_secs" => {
                self.database_timeout = Duration::from_secs(
                    whole(value, 1, 600)
                        .map_err(|w| bad(w, "write a whole number of seconds from 1 to 600"))?,
                )
            }
            "drain_secs" => {
                self.drain = Duration::from_secs(
                    whole(value, 0, 600)
                        .map_err(|w| bad(w, "write a whole number of seconds from 0 to 600"))?,
                )
            }
            "shutdown_timeout_secs" => {
                self.shutdown_timeout = Duration::from_secs(
                    whole(value, 1, 3_600)
                        .map_err(|w| bad(w, "write a whole number of seconds from 1 to 3600"))?,
                )
            }
            "sqlite_busy_timeout_ms" => {
                self.sqlite_busy_timeout =
                    Duration::from_millis(whole(value, 0, 600_000).map_err(|w| {
                        bad(w, "write a whole number of milliseconds from 0 to 600000")
                    })?)
            }
            _ => {
                return Err(bad(
                    "is not a setting of the relay",
                    &format!("the settings are {}", SETTINGS.join(", ")),
                ));
            }
        }
        Ok(())
    }

    /// Reads a TOML file of settings (keys as in [`SETTINGS`]) over what is set already.
    pub fn load_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Unreadable {
            path: shown.clone(),
            why: io_why(&e),
        })?;
        let table: toml::Table =
            text.parse()
                .map_err(|e: toml::de::Error| ConfigError::NotToml {
                    path: shown.clone(),
                    why: e.message().to_string(),
                })?;
        for (key, value) in &table {
            if !SETTINGS.contains(&key.as_str()) {
                return Err(ConfigError::Unknown {
                    path: shown.clone(),
                    key: key.clone(),
                    known: SETTINGS.join(", "),
                });
            }
            let text = match value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                _ => {
                    return Err(ConfigError::Invalid {
                        setting: key.clone(),
                        from: Source::File(shown.clone()),
                        why: "is neither text nor a whole number".to_string(),
                        fix: "write a number, or text in double quotes".to_string(),
                    });
                }
            };
            self.set(key, &text, Source::File(shown.clone()))?;
        }
        Ok(())
    }

    /// Checks the settings against each other.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |setting: &str, why: String, fix: &str| ConfigError::Invalid {
            setting: setting.to_string(),
            from: Source::Together,
            why,
            fix: fix.to_string(),
        };
        if self.max_bundle_bytes == 0 {
            return Err(bad(
                "max_bundle_bytes",
                "is zero".into(),
                "allow at least a few kilobytes, for example 8MiB",
            ));
        }
        if self.max_mailbox_bytes < self.max_bundle_bytes {
            return Err(bad(
                "max_mailbox_bytes",
                format!(
                    "({}) is smaller than max_bundle_bytes ({}), so a bundle of the largest size could never be delivered",
                    self.max_mailbox_bytes, self.max_bundle_bytes
                ),
                "make max_mailbox_bytes at least as large as max_bundle_bytes",
            ));
        }
        if self.fetch_budget_bytes == 0 {
            return Err(bad(
                "fetch_budget_bytes",
                "is zero".into(),
                "allow at least one bundle's worth, for example 16MiB",
            ));
        }
        if self.expiry.is_zero() {
            return Err(bad(
                "expiry_days",
                "is zero".into(),
                "keep bundles at least a day",
            ));
        }
        if self.database.starts_with("postgres://") || self.database.starts_with("postgresql://") {
            // Checked here too, so that `--check` finds it; the address itself is never printed.
            match <tokio_postgres::Config as std::str::FromStr>::from_str(&self.database) {
                Err(_) => {
                    return Err(bad(
                        "database",
                        "is not a PostgreSQL address the relay can read".into(),
                        "write it as postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE",
                    ));
                }
                Ok(pg) if pg.get_ssl_mode() == tokio_postgres::config::SslMode::Require => {
                    return Err(bad(
                        "database",
                        "asks for TLS to PostgreSQL (sslmode=require), which the relay does not support".into(),
                        "reach PostgreSQL over a private network, a Unix socket or a local TLS tunnel, and leave sslmode out",
                    ));
                }
                Ok(_) => {}
            }
        }
        Ok(())
    }
}

impl Config {
    /// Every setting as `name = value` lines of TOML, with any database password hidden.
    pub fn describe(&self) -> String {
        format!(
            "listen = \"{}\"\ndatabase = \"{}\"\nmax_bundle_bytes = {}\nmax_mailbox_bytes = {}\nrequests_per_minute = {}\nexpiry_days = {}\nfetch_budget_bytes = {}\nsweep_interval_secs = {}\npool_size = {}\ndatabase_timeout_secs = {}\ndrain_secs = {}\nshutdown_timeout_secs = {}\nsqlite_busy_timeout_ms = {}\n",
            self.listen,
            redact_password(&self.database),
            self.max_bundle_bytes,
            self.max_mailbox_bytes,
            self.requests_per_minute,
            self.expiry.as_secs() / 86_400,
            self.fetch_budget_bytes,
            self.sweep_interval.as_secs(),
            self.pool_size,
            self.database_timeout.as_secs(),
            self.drain.as_secs(),
            self.shutdown_timeout.as_secs(),
            self.sqlite_busy_timeout.as_millis(),
        )
    }
}

/// A database address with its password (in the user part or a `password=` parameter) hidden.
pub fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _)) => format!("{name}:***@{host}"),
            None => format!("{user}@{host}"),
        },
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => pair.to_string(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

const BYTES_FIX: &str =
    "write a number of bytes, optionally with KiB, MiB or GiB (for example 8MiB)";

/// A size in bytes: `65536`, `64KiB`, `8 MiB`, `1GiB` (also `K`, `M`, `G`, and `KB`, `MB`, `GB`
/// which mean the same powers of 1024).
fn bytes(text: &str) -> Result<u64, &'static str> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    if number.is_empty() {
        return Err("is not a size");
    }
    let n: u64 = number.parse().map_err(|_| "is too large")?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err("has a unit the relay does not know"),
    };
    let total = n.checked_mul(multiplier).ok_or("is too large")?;
    if total > MAX_BYTES {
        return Err("is larger than 1 TiB");
    }
    Ok(total)
}

fn whole(text: &str, min: u64, max: u64) -> Result<u64, &'static str> {
    let n: u64 = text.parse().map_err(|_| "is not a whole number")?;
    if n < min {
        return Err("is too small");
    }
    if n > max {
        return Err("is too large");
    }
    Ok(n)
}

fn io_why(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "there is no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission was denied".to_string(),
        _ => "it is not a readable text file".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_plain_numbers_and_binary_units() {
        assert_eq!(bytes("65536"), Ok(65_536));
        assert_eq!(bytes("64KiB"), Ok(65_536));
        assert_eq!(bytes("8 MiB"), Ok(8 << 20));
        assert_eq!(bytes("1g"), Ok(1 << 30));
        assert!(bytes("").is_err());
        assert!(bytes("MiB").is_err());
        assert!(bytes("8 parsecs").is_err());
        assert!(bytes("99999999999999999999").is_err());
        assert!(bytes("2048GiB").is_err());
    }

    #[test]
    fn a_bad_value_names_the_setting_its_source_and_a_fix() {
        let mut c = Config::default();
        let e = c
            .set("requests_per_minute", "lots", Source::Environment)
            .unwrap_err()
            .to_string();
        assert!(e.contains("requests_per_minute"), "{e}");
        assert!(e.contains("the environment"), "{e}");
        assert!(e.contains("whole number"), "{e}");
        let e = c
            .set("database", "mysql://x", Source::Flag)
            .unwrap_err()
            .to_string();
        assert!(e.contains("sqlite://"), "{e}");
        assert!(c.set("listen", "localhost", Source::Flag).is_err());
        assert!(c.set("colour", "blue", Source::Flag).is_err());
    }

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact_password("postgres://relay:s3cret@db.example:5432/relay"),
            "postgres://relay:***@db.example:5432/relay"
        );
        assert_eq!(
            redact_password("postgres://relay@db/relay?password=s3cret&sslmode=disable"),
            "postgres://relay@db/relay?password=***&sslmode=disable"
        );
        assert_eq!(
            redact_password("sqlite:///var/lib/r.sqlite"),
            "sqlite:///var/lib/r.sqlite"
        );
        let mut c = Config::default();
        c.set("database", "postgres://u:pw@h/d", Source::Flag)
            .unwrap();
        assert!(!c.describe().contains("pw"));
    }

    #[test]
    fn settings_are_checked_against_each_other() {
        let mut c = Config::default();
        c.set("max_bundle_bytes", "2MiB", Source::Flag).unwrap();
        c.set("max_mailbox_bytes", "1MiB", Source::Flag).unwrap();
        let e = c.validate().unwrap_err().to_string();
        assert!(e.contains("max_mailbox_bytes"), "{e}");
        c.set("max_mailbox_bytes", "2MiB", Source::Flag).unwrap();
        c.validate().unwrap();
    }

    #[test]
    fn a_file_is_read_and_unknown_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relay.toml");
        std::fs::write(
            &path,
            "listen = \"0.0.0.0:9000\"\nmax_bundle_bytes = \"1MiB\"\nrequests_per_minute = 30\n",
        )
        .unwrap();
        let mut c = Config::default();
        c.load_file(&path).unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.max_bundle_bytes, 1 << 20);
        assert_eq!(c.requests_per_minute, 30);
        std::fs::write(&path, "max_bundel_bytes = 5\n").unwrap();
        let e = c.load_file(&path).unwrap_err().to_string();
        assert!(e.contains("max_bundel_bytes"), "{e}");
        std::fs::write(&path, "listen = [1, 2]\n").unwrap();
        assert!(c.load_file(&path).is_err());
        std::fs::write(&path, "listen = \n").unwrap();
        assert!(matches!(
            c.load_file(&path),
            Err(ConfigError::NotToml { .. })
        ));
    }
}
