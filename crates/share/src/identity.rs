//! A vault's identity (an age X25519 key to receive, an ed25519 key to sign), the public half
//! that others keep as a contact, the contact code that carries it, and the fingerprint people
//! read out loud to each other before trusting it.

use std::fmt;
use std::str::FromStr;

use age::secrecy::ExposeSecret;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use secrecy::SecretString;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::ShareError;

/// The first words of every contact code, and its version.
const CODE_PREFIX: &str = "amends:1:";

/// This vault's keys. Neither secret is ever printed: `Debug` shows only the public half.
pub struct Identity {
    age: age::x25519::Identity,
    sign: SigningKey,
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("public", &self.public())
            .finish_non_exhaustive()
    }
}

impl Identity {
    /// New keys from the system's secure random numbers.
    pub fn generate() -> Result<Identity, ShareError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(|_| ShareError::Randomness)?;
        Ok(Identity {
            age: age::x25519::Identity::generate(),
            sign: SigningKey::from_bytes(&seed),
        })
    }

    /// The keys as the vault stores them.
    pub fn from_parts(
        age_secret: &SecretString,
        sign_seed: &[u8; 32],
    ) -> Result<Identity, ShareError> {
        let age = age::x25519::Identity::from_str(age_secret.expose_secret())
            .map_err(|_| ShareError::IdentityDamaged)?;
        Ok(Identity {
            age,
            sign: SigningKey::from_bytes(sign_seed),
        })
    }

    /// The age secret key, for the vault to store.
    pub fn age_secret(&self) -> SecretString {
        SecretString::from(self.age.to_string().expose_secret().to_owned())
    }

    /// The ed25519 seed, for the vault to store.
    pub fn sign_seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.sign.to_bytes())
    }

    pub fn public(&self) -> PublicKeys {
        PublicKeys {
            age: self.age.to_public(),
            sign: self.sign.verifying_key(),
        }
    }

    pub(crate) fn age(&self) -> &age::x25519::Identity {
        &self.age
    }

    pub(crate) fn sign(&self, message: &[u8]) -> Signature {
        self.sign.sign(message)
    }

    /// The ed25519 key that signs relay requests. Never leaves this crate.
    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.sign
    }
}

/// The public half of an identity: what a contact code carries.
#[derive(Clone)]
pub struct PublicKeys {
    age: age::x25519::Recipient,
    sign: VerifyingKey,
}

impl PartialEq for PublicKeys {
    fn eq(&self, other: &Self) -> bool {
        self.age.to_string() == other.age.to_string() && self.sign == other.sign
    }
}

impl Eq for PublicKeys {}

impl fmt::Debug for PublicKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKeys({})", self.fingerprint())
    }
}

impl PublicKeys {
    /// From the two strings a contact is stored as: the age recipient and the signing key in hex.
    pub fn from_parts(age_recipient: &str, sign_key_hex: &str) -> Result<PublicKeys, ShareError> {
        let age = age::x25519::Recipient::from_str(age_recipient)
            .map_err(|_| ShareError::CodeMalformed("the receiving key is not an age key"))?;
        let sign = verifying_key_hex(sign_key_hex).ok_or(ShareError::CodeMalformed(
            "the signing key is not an ed25519 key",
        ))?;
        Ok(PublicKeys { age, sign })
    }

    /// The age recipient, `age1…`.
    pub fn age_recipient(&self) -> String {
        self.age.to_string()
    }

    /// The signing key as 64 lowercase hexadecimal digits.
    pub fn sign_key_hex(&self) -> String {
        hex::encode(self.sign.as_bytes())
    }

    pub(crate) fn recipient(&self) -> &age::x25519::Recipient {
        &self.age
    }

    pub(crate) fn verifying_key(&self) -> &VerifyingKey {
        &self.sign
    }

    /// The contact code: `amends:1:` then the age recipient, the signing key (base64url) and a
    /// short checksum that catches a mistyped or cut-off code.
    pub fn contact_code(&self) -> String {
        let body = format!(
            "{CODE_PREFIX}{}:{}",
            self.age,
            URL_SAFE_NO_PAD.encode(self.sign.as_bytes())
        );
        let check = checksum(&body);
        format!("{body}:{check}")
    }

    /// Reads a contact code as typed or pasted (surrounding spaces and line breaks are ignored).
    pub fn parse_code(text: &str) -> Result<PublicKeys, ShareError> {
        let code: String = text.split_whitespace().collect();
        if code.is_empty() {
            return Err(ShareError::CodeMalformed("it is empty"));
        }
        let Some(rest) = code.strip_prefix(CODE_PREFIX) else {
            return Err(if code.starts_with("amends:") {
                ShareError::CodeTooNew
            } else {
                ShareError::CodeMalformed("it does not start with amends:1:")
            });
        };
        let mut parts = rest.split(':');
        let (Some(age), Some(sign), Some(check), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(ShareError::CodeMalformed(
                "it should have three parts after amends:1:, separated by colons",
            ));
        };
        let body = format!("{CODE_PREFIX}{age}:{sign}");
        if checksum(&body) != check.to_ascii_lowercase() {
            return Err(ShareError::CodeMalformed(
                "its checksum does not match, so part of it was changed or cut off",
            ));
        }
        let age = age::x25519::Recipient::from_str(age)
            .map_err(|_| ShareError::CodeMalformed("the receiving key is not an age key"))?;
        let sign = URL_SAFE_NO_PAD
            .decode(sign)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .and_then(|b| VerifyingKey::from_bytes(&b).ok())
            .ok_or(ShareError::CodeMalformed(
                "the signing key is not an ed25519 key",
            ))?;
        Ok(PublicKeys { age, sign })
    }

    /// Twenty digits in five groups, the same on both sides, to compare out loud.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"amends-fingerprint-v1\0");
        h.update(self.age.to_string().as_bytes());
        h.update(b"\0");
        h.update(self.sign.as_bytes());
        let d = h.finalize();
        d.chunks(2)
            .take(5)
            .map(|pair| format!("{:04}", u16::from_be_bytes([pair[0], pair[1]]) % 10_000))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn checksum(body: &str) -> String {
    hex::encode(&Sha256::digest(body.as_bytes())[..4])
}

pub(crate) fn verifying_key_hex(text: &str) -> Option<VerifyingKey> {
    let bytes = hex::decode(text).ok()?;
    let bytes = <[u8; 32]>::try_from(bytes).ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contact_code_reads_back_to_the_same_keys_and_fingerprint() {
        let id = Identity::generate().unwrap();
        let code = id.public().contact_code();
        assert!(code.starts_with("amends:1:age1"));
        let back = PublicKeys::parse_code(&format!("  {}\n{} ", &code[..40], &code[40..])).unwrap();
        assert_eq!(back, id.public());
        assert_eq!(back.fingerprint(), id.public().fingerprint());
        assert_eq!(back.fingerprint().len(), 24);
    }

    #[test]
    fn a_changed_or_cut_code_is_refused() {
        let code = Identity::generate().unwrap().public().contact_code();
        let cut = &code[..code.len() - 3];
        assert!(matches!(
            PublicKeys::parse_code(cut),
            Err(ShareError::CodeMalformed(_))
        ));
        let mut changed = code.clone().into_bytes();
        changed[20] = if changed[20] == b'q' { b'p' } else { b'q' };
        let changed = String::from_utf8(changed).unwrap();
        assert!(PublicKeys::parse_code(&changed).is_err());
        assert!(matches!(
            PublicKeys::parse_code("amends:2:xyz"),
            Err(ShareError::CodeTooNew)
        ));
        assert!(PublicKeys::parse_code("hello").is_err());
    }

    #[test]
    fn stored_parts_rebuild_the_same_identity() {
        let id = Identity::generate().unwrap();
        let again = Identity::from_parts(&id.age_secret(), &id.sign_seed()).unwrap();
        assert_eq!(again.public(), id.public());
        assert!(!format!("{id:?}").contains("SECRET"));
    }
}
