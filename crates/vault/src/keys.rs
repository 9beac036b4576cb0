//! Keys. The vault is encrypted by SQLCipher with a random 256-bit data key. That key *is* the
//! recovery key (shown once, as hex), so any standard SQLCipher 4 tool opens the vault with it.
//! For everyday use the data key is also kept in a small key file beside the vault, sealed with
//! XChaCha20-Poly1305 under a key derived from the passphrase by Argon2id. Changing the passphrase
//! rewrites only the key file; the vault and the recovery key stay as they are.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::VaultError;

/// The 256-bit key SQLCipher uses. Never printed, never serialised.
pub struct DataKey(SecretBox<[u8; 32]>);

impl DataKey {
    pub(crate) fn generate() -> Result<DataKey, VaultError> {
        let mut bytes = Box::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(|_| VaultError::Randomness)?;
        Ok(DataKey(SecretBox::new(bytes)))
    }

    pub(crate) fn from_bytes(bytes: [u8; 32]) -> DataKey {
        DataKey(SecretBox::new(Box::new(bytes)))
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        self.0.expose_secret()
    }

    /// The statement that keys a SQLCipher connection with this raw key.
    pub(crate) fn pragma(&self) -> Zeroizing<String> {
        Zeroizing::new(format!(
            "PRAGMA key = \"x'{}'\";",
            Zeroizing::new(hex::encode(self.bytes())).as_str()
        ))
    }

    /// The raw key as SQLCipher reads it in `ATTACH ... KEY`: `x'<64 hex digits>'`.
    pub(crate) fn raw_literal(&self) -> Zeroizing<String> {
        Zeroizing::new(format!(
            "x'{}'",
            Zeroizing::new(hex::encode(self.bytes())).as_str()
        ))
    }

    /// The recovery key as a person writes it down: 64 hex digits in eight groups.
    pub fn recovery_text(&self) -> SecretString {
        let hex = Zeroizing::new(hex::encode_upper(self.bytes()));
        let groups: Vec<&str> = (0..8).map(|i| &hex[i * 8..i * 8 + 8]).collect();
        SecretString::from(groups.join("-"))
    }

    /// Reads a recovery key, forgiving spaces, dashes, case and a surrounding `x'...'`.
    pub fn from_recovery_text(text: &str) -> Result<DataKey, VaultError> {
        let mut cleaned = Zeroizing::new(String::with_capacity(64));
        let trimmed = text.trim();
        let inner = trimmed
            .strip_prefix("x'")
            .and_then(|t| t.strip_suffix('\''))
            .unwrap_or(trimmed);
        for c in inner.chars() {
            if c.is_ascii_hexdigit() {
                cleaned.push(c);
            } else if !(c == '-' || c.is_whitespace()) {
                return Err(VaultError::RecoveryKeyMalformed);
            }
        }
        if cleaned.len() != 64 {
            return Err(VaultError::RecoveryKeyMalformed);
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(cleaned.as_bytes(), bytes.as_mut())
            .map_err(|_| VaultError::RecoveryKeyMalformed)?;
        Ok(DataKey::from_bytes(*bytes))
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey([redacted])")
    }
}

/// Argon2id cost settings, stored in the key file so they can be raised later.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl KdfParams {
    /// The cost used for new key files: 64 MiB, 3 passes, 1 lane.
    pub const DEFAULT: KdfParams = KdfParams {
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 1,
    };
}

const KEYFILE_FORMAT: &str = "amends-keys";
const KEYFILE_VERSION: u32 = 1;
const AAD: &[u8] = b"amends-keys-v1";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    format: String,
    version: u32,
    kdf: String,
    params: KdfParams,
    salt: String,
    cipher: String,
    nonce: String,
    sealed: String,
}

/// Where the key file of a vault lives: beside it, with `.keys` appended.
pub fn keyfile_path(vault: &Path) -> PathBuf {
    let mut name = vault.as_os_str().to_owned();
    name.push(".keys");
    PathBuf::from(name)
}

fn derive_kek(
    passphrase: &SecretString,
    salt: &[u8],
    params: KdfParams,
) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    let p = Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        Some(32),
    )
    .map_err(|_| VaultError::KeyFileDamaged)?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, p);
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase.expose_secret().as_bytes(), salt, out.as_mut())
        .map_err(|_| VaultError::KeyFileDamaged)?;
    Ok(out)
}

/// Derives the passphrase key only, to measure the deliberate cost of unlocking.
pub fn derive_for_benchmark(passphrase: &SecretString, params: KdfParams) -> [u8; 32] {
    let out = derive_kek(passphrase, &[7u8; 16], params).expect("valid parameters");
    *out
}

/// Seals the data key under the passphrase and writes the key file atomically.
pub(crate) fn write_keyfile(
    vault: &Path,
    key: &DataKey,
    passphrase: &SecretString,
    params: KdfParams,
) -> Result<(), VaultError> {
    let mut salt = [0u8; 16];
    let mut nonce = [0u8; 24];
    getrandom::fill(&mut salt).map_err(|_| VaultError::Randomness)?;
    getrandom::fill(&mut nonce).map_err(|_| VaultError::Randomness)?;
    let kek = derive_kek(passphrase, &salt, params)?;
    let cipher = XChaCha20Poly1305::new((&*kek).into());
    let sealed = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: key.bytes(),
                aad: AAD,
            },
        )
        .map_err(|_| VaultError::Randomness)?;
    let file = KeyFile {
        format: KEYFILE_FORMAT.into(),
        version: KEYFILE_VERSION,
        kdf: "argon2id".into(),
        params,
        salt: hex::encode(salt),
        cipher: "xchacha20poly1305".into(),
        nonce: hex::encode(nonce),
        sealed: hex::encode(sealed),
    };
    let json = serde_json::to_vec_pretty(&file).map_err(|_| VaultError::KeyFileDamaged)?;
    let target = keyfile_path(vault);
    let tmp = {
        let mut name = target.as_os_str().to_owned();
        name.push(".tmp");
        PathBuf::from(name)
    };
    // A temporary file left by an interrupted write holds only sealed key material.
    let _ = fs::remove_file(&tmp);
    {
        let mut f = open_private(&tmp)?;
        f.write_all(&json)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, &target)?;
    if let Some(dir) = target.parent()
        && let Ok(d) = fs::File::open(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        })
    {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Creates a new file readable only by its owner; refuses if the file already exists, so two
/// processes can never truncate each other's file.
pub(crate) fn open_private(path: &Path) -> Result<fs::File, VaultError> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    Ok(opts.open(path)?)
}

/// Reads the key file and unseals the data key with the passphrase.
pub(crate) fn read_keyfile(vault: &Path, passphrase: &SecretString) -> Result<DataKey, VaultError> {
    let path = keyfile_path(vault);
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(VaultError::KeyFileMissing { path });
        }
        Err(e) => return Err(e.into()),
    };
    let file: KeyFile = serde_json::from_slice(&bytes).map_err(|_| VaultError::KeyFileDamaged)?;
    if file.format != KEYFILE_FORMAT || file.kdf != "argon2id" || file.cipher != "xchacha20poly1305"
    {
        return Err(VaultError::KeyFileDamaged);
    }
    if file.version > KEYFILE_VERSION {
        return Err(VaultError::TooNew {
            found: file.version as i64,
            known: KEYFILE_VERSION as i64,
        });
    }
    // Costs beyond these are not ours: a damaged file must not make us allocate gigabytes.
    let p = file.params;
    if p.memory_kib > 4 * 1024 * 1024
        || p.iterations > 64
        || p.parallelism == 0
        || p.parallelism > 16
    {
        return Err(VaultError::KeyFileDamaged);
    }
    let salt = hex::decode(&file.salt).map_err(|_| VaultError::KeyFileDamaged)?;
    let nonce = hex::decode(&file.nonce).map_err(|_| VaultError::KeyFileDamaged)?;
    let sealed = hex::decode(&file.sealed).map_err(|_| VaultError::KeyFileDamaged)?;
    if nonce.len() != 24 {
        return Err(VaultError::KeyFileDamaged);
    }
    let kek = derive_kek(passphrase, &salt, file.params)?;
    let cipher = XChaCha20Poly1305::new((&*kek).into());
    let opened = Zeroizing::new(
        cipher
            .decrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &sealed,
                    aad: AAD,
                },
            )
            .map_err(|_| VaultError::WrongPassphrase)?,
    );
    let bytes: [u8; 32] = opened
        .as_slice()
        .try_into()
        .map_err(|_| VaultError::KeyFileDamaged)?;
    Ok(DataKey::from_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_text_round_trips_and_forgives_formatting() {
        let k = DataKey::generate().unwrap();
        let text = k.recovery_text();
        let shown = text.expose_secret();
        assert_eq!(shown.len(), 64 + 7);
        let back = DataKey::from_recovery_text(shown).unwrap();
        assert_eq!(back.bytes(), k.bytes());
        let loose = shown.replace('-', " ").to_lowercase();
        assert_eq!(
            DataKey::from_recovery_text(&loose).unwrap().bytes(),
            k.bytes()
        );
        let sql = format!("x'{}'", shown.replace('-', ""));
        assert_eq!(
            DataKey::from_recovery_text(&sql).unwrap().bytes(),
            k.bytes()
        );
        assert!(DataKey::from_recovery_text("not a key").is_err());
        assert!(DataKey::from_recovery_text(&shown[..60]).is_err());
    }

    #[test]
    fn debug_never_shows_the_key() {
        let k = DataKey::from_bytes([0xAB; 32]);
        assert!(!format!("{k:?}").contains("ab"));
    }
}
