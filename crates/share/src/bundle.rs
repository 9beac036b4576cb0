//! Sealing and opening bundles. Outside, a bundle is a standard age file encrypted to the
//! receiver's X25519 key, so the `age` tool with that key opens it. Inside is a small JSON
//! envelope: the signer's ed25519 key, the document exactly as signed, and the signature.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::Signature;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::ShareError;
use crate::document::{Document, FORMAT_VERSION, KeysOut};
use crate::identity::{Identity, PublicKeys, verifying_key_hex};

const FORMAT: &str = "amends-bundle";

/// What the signature covers: these bytes, then the document's JSON exactly as it appears in
/// the envelope. The prefix keeps a signature from being reused for any other purpose.
const SIGNED_PREFIX: &[u8] = b"amends-bundle-v1\0";

#[derive(Serialize)]
struct EnvelopeOut<'a> {
    format: &'static str,
    version: u32,
    signer: String,
    signature: String,
    document: &'a RawValue,
}

#[derive(Deserialize)]
struct Head {
    format: String,
    version: u32,
}

#[derive(Deserialize)]
struct EnvelopeIn {
    signer: String,
    signature: String,
    document: Box<RawValue>,
}

fn signed_bytes(document: &str) -> Vec<u8> {
    let mut m = Vec::with_capacity(SIGNED_PREFIX.len() + document.len());
    m.extend_from_slice(SIGNED_PREFIX);
    m.extend_from_slice(document.as_bytes());
    m
}

pub(crate) fn keys_out(keys: &PublicKeys) -> KeysOut {
    KeysOut {
        age: keys.age_recipient(),
        sign: keys.sign_key_hex(),
    }
}

/// Signs `document` with `from` and encrypts it to `to`.
pub fn seal(document: &Document, from: &Identity, to: &PublicKeys) -> Result<Vec<u8>, ShareError> {
    let json = serde_json::to_string(document).map_err(|_| ShareError::Unreadable)?;
    let signature = from.sign(&signed_bytes(&json));
    let raw = RawValue::from_string(json).map_err(|_| ShareError::Unreadable)?;
    let envelope = serde_json::to_vec(&EnvelopeOut {
        format: FORMAT,
        version: FORMAT_VERSION,
        signer: from.public().sign_key_hex(),
        signature: STANDARD.encode(signature.to_bytes()),
        document: &raw,
    })
    .map_err(|_| ShareError::Unreadable)?;
    age::encrypt(to.recipient(), &envelope).map_err(|_| ShareError::Randomness)
}

/// A bundle that decrypted, whose signature holds, and that is addressed to this identity.
/// Whether the signer is a trusted contact is for the caller to decide.
#[derive(Debug)]
pub struct Opened {
    pub signer: PublicKeys,
    pub document: Document,
}

/// Decrypts with `me`, checks the envelope's version and signature, and that the signed
/// document names `me` as its receiver and the signer as its sender.
pub fn open(bytes: &[u8], me: &Identity) -> Result<Opened, ShareError> {
    let plain = age::decrypt(me.age(), bytes).map_err(|e| match e {
        age::DecryptError::NoMatchingKeys => ShareError::NotForYou,
        age::DecryptError::InvalidHeader | age::DecryptError::UnknownFormat => {
            ShareError::NotABundle
        }
        _ => ShareError::Damaged,
    })?;
    open_envelope(&plain, me)
}

/// The inside of [`open`], once decrypted: checks the envelope's version and signature, and
/// that the signed document names `me` as its receiver and the signer as its sender.
pub fn open_envelope(plain: &[u8], me: &Identity) -> Result<Opened, ShareError> {
    let head: Head = serde_json::from_slice(plain).map_err(|_| ShareError::Damaged)?;
    if head.format != FORMAT {
        return Err(ShareError::NotABundle);
    }
    if head.version > FORMAT_VERSION {
        return Err(ShareError::TooNew {
            found: head.version,
            known: FORMAT_VERSION,
        });
    }
    let envelope: EnvelopeIn = serde_json::from_slice(plain).map_err(|_| ShareError::Damaged)?;
    let key = verifying_key_hex(&envelope.signer).ok_or(ShareError::Altered)?;
    let signature = STANDARD
        .decode(&envelope.signature)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .map(|b| Signature::from_bytes(&b))
        .ok_or(ShareError::Altered)?;
    let raw = envelope.document.get();
    key.verify_strict(&signed_bytes(raw), &signature)
        .map_err(|_| ShareError::Altered)?;
    let document: Document = serde_json::from_str(raw).map_err(|_| ShareError::Unreadable)?;
    if document.from.sign != envelope.signer {
        return Err(ShareError::Altered);
    }
    if document.to != keys_out(&me.public()) {
        return Err(ShareError::NotForYou);
    }
    let signer = PublicKeys::from_parts(&document.from.age, &document.from.sign)
        .map_err(|_| ShareError::Altered)?;
    Ok(Opened { signer, document })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Body, ShareBody, SharedParty, StopBody};

    fn doc(from: &Identity, to: &Identity, sequence: u64) -> Document {
        Document {
            from: keys_out(&from.public()),
            to: keys_out(&to.public()),
            sequence,
            created: jiff::Timestamp::UNIX_EPOCH,
            app: "test".into(),
            body: Body::Share(ShareBody {
                whole_list: true,
                parts: vec![],
                fellowship: "aa".into(),
                parties: vec![SharedParty {
                    id: 7,
                    name: "Dana".into(),
                    kind: "person".into(),
                    stage: "listed".into(),
                    ..SharedParty::default()
                }],
            }),
        }
    }

    /// Decrypts with the receiver's key as anyone holding it could, so a test can change the
    /// inside and seal it again the way an attacker would.
    fn inside(bytes: &[u8], me: &Identity) -> serde_json::Value {
        serde_json::from_slice(&age::decrypt(me.age(), bytes).unwrap()).unwrap()
    }

    fn reseal(v: &serde_json::Value, to: &Identity) -> Vec<u8> {
        age::encrypt(to.public().recipient(), &serde_json::to_vec(v).unwrap()).unwrap()
    }

    #[test]
    fn a_sealed_bundle_opens_for_its_receiver_only() {
        let (a, b, c) = (
            Identity::generate().unwrap(),
            Identity::generate().unwrap(),
            Identity::generate().unwrap(),
        );
        let d = doc(&a, &b, 1);
        let bytes = seal(&d, &a, &b.public()).unwrap();
        assert!(bytes.starts_with(b"age-encryption.org/v1\n"));
        let opened = open(&bytes, &b).unwrap();
        assert_eq!(opened.document, d);
        assert_eq!(opened.signer, a.public());
        assert!(matches!(open(&bytes, &c), Err(ShareError::NotForYou)));
    }

    #[test]
    fn a_changed_document_or_foreign_signature_is_refused() {
        let (a, b) = (Identity::generate().unwrap(), Identity::generate().unwrap());
        let bytes = seal(&doc(&a, &b, 1), &a, &b.public()).unwrap();
        let mut v = inside(&bytes, &b);
        v["document"]["body"]["parties"][0]["stage"] = "complete".into();
        assert!(matches!(
            open(&reseal(&v, &b), &b),
            Err(ShareError::Altered)
        ));

        // Signed by someone else, claiming to be from `a`.
        let mallory = Identity::generate().unwrap();
        let forged = seal(&doc(&a, &b, 2), &mallory, &b.public()).unwrap();
        assert!(matches!(open(&forged, &b), Err(ShareError::Altered)));
    }

    #[test]
    fn a_bundle_passed_on_to_someone_else_is_refused() {
        let (a, b, c) = (
            Identity::generate().unwrap(),
            Identity::generate().unwrap(),
            Identity::generate().unwrap(),
        );
        // b decrypts what a sent them and re-encrypts it, signature intact, to c.
        let bytes = seal(&doc(&a, &b, 1), &a, &b.public()).unwrap();
        let plain = age::decrypt(b.age(), &bytes).unwrap();
        let passed_on = age::encrypt(c.public().recipient(), &plain).unwrap();
        assert!(matches!(open(&passed_on, &c), Err(ShareError::NotForYou)));
    }

    #[test]
    fn damage_newer_formats_and_other_files_are_told_apart() {
        let (a, b) = (Identity::generate().unwrap(), Identity::generate().unwrap());
        let mut bytes = seal(&doc(&a, &b, 1), &a, &b.public()).unwrap();
        let n = bytes.len();
        bytes[n - 20] ^= 0x55;
        assert!(matches!(open(&bytes, &b), Err(ShareError::Damaged)));
        assert!(matches!(open(b"hello", &b), Err(ShareError::NotABundle)));

        let good = seal(&doc(&a, &b, 1), &a, &b.public()).unwrap();
        let mut v = inside(&good, &b);
        v["version"] = 2.into();
        assert!(matches!(
            open(&reseal(&v, &b), &b),
            Err(ShareError::TooNew { found: 2, known: 1 })
        ));

        let mut d = doc(&a, &b, 1);
        d.body = Body::Stop(StopBody {});
        let stop = seal(&d, &a, &b.public()).unwrap();
        let mut v = inside(&stop, &b);
        let text = v["document"]
            .to_string()
            .replace("\"stop\"", "\"something-new\"");
        // Re-signed by the real sender, so only the unknown kind is wrong.
        let sig = a.sign(&signed_bytes(&text));
        v["document"] = serde_json::from_str(&text).unwrap();
        v["signature"] = STANDARD.encode(sig.to_bytes()).into();
        let mut env = serde_json::to_string(&v).unwrap();
        // Keep the document's bytes exactly as signed.
        env = env.replace(&v["document"].to_string(), &text);
        let bytes = age::encrypt(b.public().recipient(), env.as_bytes()).unwrap();
        assert!(matches!(open(&bytes, &b), Err(ShareError::Unreadable)));
    }

    #[test]
    fn fields_a_later_version_adds_are_ignored() {
        let (a, b) = (Identity::generate().unwrap(), Identity::generate().unwrap());
        let d = doc(&a, &b, 1);
        let json = serde_json::to_string(&d).unwrap();
        let text = format!("{{\"mood\":\"hopeful\",{}", &json[1..]);
        let sig = a.sign(&signed_bytes(&text));
        let env = format!(
            "{{\"format\":\"amends-bundle\",\"version\":1,\"compression\":\"none\",\"signer\":\"{}\",\"signature\":\"{}\",\"document\":{text}}}",
            a.public().sign_key_hex(),
            STANDARD.encode(sig.to_bytes())
        );
        let bytes = age::encrypt(b.public().recipient(), env.as_bytes()).unwrap();
        assert_eq!(open(&bytes, &b).unwrap().document, d);
    }
}
