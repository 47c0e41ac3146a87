//! Signed notes (C2SP `signed-note`): a text, a blank line, and signature lines
//! `— <key name> base64(key ID || signature)`. Two signature types are used: Ed25519 over the
//! text (type `0x01`, the editors' checkpoints) and timestamped Ed25519 cosignatures (type
//! `0x04`, C2SP `tlog-cosignature`, the witnesses'), with their verifier keys
//! (`<name>+<key ID hex>+base64(type || key)`).
//!
//! Written here (about the size of a crate's glue): the bytes must match the specifications
//! exactly, which the tests check against the specifications' and Go's published vectors, and
//! every check is `verify_strict`, as for every other signature undersigned judges.

use base64ct::{Base64, Encoding};
use sha2::{Digest, Sha256};

/// The em dash and space that open a signature line.
const DASH: &str = "\u{2014} ";

/// Signature type of plain Ed25519 note signatures.
pub const TYPE_ED25519: u8 = 0x01;
/// Signature type of timestamped Ed25519 cosignatures (`cosignature/v1`).
pub const TYPE_COSIGNATURE: u8 = 0x04;

/// At most this many signature lines are read (the specification asks for at least 16).
pub const MAX_SIGNATURES: usize = 64;

/// Why a note or a key is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NoteError(pub String);

fn err<T>(why: impl Into<String>) -> Result<T, NoteError> {
    Err(NoteError(why.into()))
}

/// `SHA-256(name || 0x0A || type || key)[:4]`: the key ID of a note key.
pub fn key_id(name: &str, sig_type: u8, key: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', sig_type]);
    h.update(key);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// True for a key name the specification allows: non-empty, no space and no `+`.
pub fn valid_key_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
}

/// One signature line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The key name.
    pub name: String,
    /// The key ID (first four bytes of the base64 blob).
    pub key_id: [u8; 4],
    /// What follows the key ID.
    pub bytes: Vec<u8>,
}

impl Signature {
    /// The line, with its newline.
    pub fn line(&self) -> String {
        let mut blob = self.key_id.to_vec();
        blob.extend_from_slice(&self.bytes);
        format!("{DASH}{} {}\n", self.name, Base64::encode_string(&blob))
    }

    /// Parses one line (with or without its newline).
    pub fn parse_line(line: &str) -> Result<Signature, NoteError> {
        let line = line.strip_suffix('\n').unwrap_or(line);
        let Some(rest) = line.strip_prefix(DASH) else {
            return err("a signature line starts with an em dash (U+2014) and a space");
        };
        let Some((name, b64)) = rest.split_once(' ') else {
            return err("a signature line is `— <key name> <base64>`");
        };
        if !valid_key_name(name) {
            return err(format!(
                "{name:?} is not a key name (non-empty, no spaces, no '+')"
            ));
        }
        let blob = Base64::decode_vec(b64)
            .map_err(|_| NoteError(format!("the signature of {name} is not base64")))?;
        if blob.len() < 5 || Base64::encode_string(&blob) != b64 {
            return err(format!(
                "the signature of {name} is not canonical base64 of a key ID and a signature"
            ));
        }
        Ok(Signature {
            name: name.to_string(),
            key_id: [blob[0], blob[1], blob[2], blob[3]],
            bytes: blob[4..].to_vec(),
        })
    }
}

/// A signed note: its text (ending in a newline) and its signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The signed text, final newline included.
    pub text: String,
    /// The signature lines, in order.
    pub signatures: Vec<Signature>,
}

impl Note {
    /// Parses a note: UTF-8 without control characters but newlines, a text ending in a
    /// newline, a blank line, one or more signature lines.
    pub fn parse(bytes: &[u8]) -> Result<Note, NoteError> {
        let Ok(s) = std::str::from_utf8(bytes) else {
            return err("a signed note is UTF-8 text");
        };
        if s.chars().any(|c| c.is_control() && c != '\n') {
            return err("a signed note holds no control character but newlines");
        }
        if !s.ends_with('\n') {
            return err("a signed note ends with a newline");
        }
        let Some(split) = s.rfind("\n\n") else {
            return err("a signed note has a blank line between its text and its signatures");
        };
        let text = &s[..split + 1];
        let sigs = &s[split + 2..];
        let mut signatures = Vec::new();
        for line in sigs.split_terminator('\n') {
            if signatures.len() == MAX_SIGNATURES {
                return err(format!("a note with more than {MAX_SIGNATURES} signatures"));
            }
            signatures.push(Signature::parse_line(line)?);
        }
        if signatures.is_empty() {
            return err("a signed note has at least one signature");
        }
        Ok(Note {
            text: text.to_string(),
            signatures,
        })
    }

    /// The note's bytes: text, blank line, signature lines.
    pub fn to_text(&self) -> String {
        let mut out = self.text.clone();
        out.push('\n');
        for s in &self.signatures {
            out.push_str(&s.line());
        }
        out
    }
}

/// A verifier key: a name, a signature type and an Ed25519 public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    /// The key name.
    pub name: String,
    /// The signature type ([`TYPE_ED25519`] or [`TYPE_COSIGNATURE`]).
    pub sig_type: u8,
    /// The Ed25519 key.
    pub key: [u8; 32],
}

impl VerifierKey {
    /// The key's ID.
    pub fn id(&self) -> [u8; 4] {
        key_id(&self.name, self.sig_type, &self.key)
    }

    /// `<name>+<key ID hex>+base64(type || key)`.
    pub fn encode(&self) -> String {
        let mut blob = vec![self.sig_type];
        blob.extend_from_slice(&self.key);
        format!(
            "{}+{}+{}",
            self.name,
            crate::record::hex(&self.id()),
            Base64::encode_string(&blob)
        )
    }

    /// Parses a vkey, checking that its key ID is the one its name, type and key give.
    pub fn parse(s: &str) -> Result<VerifierKey, NoteError> {
        let s = s.trim();
        let mut parts = s.splitn(3, '+');
        let (Some(name), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return err("a verifier key is <name>+<key ID>+<base64 key>");
        };
        if !valid_key_name(name) {
            return err(format!("{name:?} is not a key name"));
        }
        let blob =
            Base64::decode_vec(b64).map_err(|_| NoteError("the key is not base64".into()))?;
        let (Some(&sig_type), Ok(key)) = (
            blob.first(),
            <[u8; 32]>::try_from(&blob[1.min(blob.len())..]),
        ) else {
            return err("the key is not one type byte and a 32-byte Ed25519 key");
        };
        if sig_type != TYPE_ED25519 && sig_type != TYPE_COSIGNATURE {
            return err(format!("signature type {sig_type:#04x} is not Ed25519 (0x01) or an Ed25519 cosignature (0x04)"));
        }
        let k = VerifierKey {
            name: name.to_string(),
            sig_type,
            key,
        };
        if crate::record::hex(&k.id()) != id {
            return err(format!(
                "the key ID {id} is not the one of this name and key ({})",
                crate::record::hex(&k.id())
            ));
        }
        Ok(k)
    }

    /// Checks `sig` (a line of this key's name and ID) over `text`: an Ed25519 signature of
    /// the text, or a cosignature of the checkpoint `text`, whose time it returns.
    pub fn verify(&self, text: &str, sig: &Signature) -> Result<Option<u64>, NoteError> {
        if sig.name != self.name || sig.key_id != self.id() {
            return err(format!("the signature of {} is not by this key", sig.name));
        }
        let vk = ed25519_dalek::VerifyingKey::from_bytes(&self.key)
            .map_err(|_| NoteError("not an Ed25519 public key".into()))?;
        let (message, raw, time) = match self.sig_type {
            TYPE_COSIGNATURE => {
                let Ok(raw) = <[u8; 72]>::try_from(sig.bytes.as_slice()) else {
                    return err("a cosignature is a time and a 64-byte signature");
                };
                let time = u64::from_be_bytes(raw[..8].try_into().expect("eight bytes"));
                if time > i64::MAX as u64 {
                    return err("a cosignature's time exceeds 2^63 - 1");
                }
                let sig: [u8; 64] = raw[8..].try_into().expect("64 bytes");
                (cosigned_message(time, text).into_bytes(), sig, Some(time))
            }
            _ => {
                let Ok(raw) = <[u8; 64]>::try_from(sig.bytes.as_slice()) else {
                    return err("an Ed25519 note signature is 64 bytes");
                };
                (text.as_bytes().to_vec(), raw, None)
            }
        };
        vk.verify_strict(&message, &ed25519_dalek::Signature::from_bytes(&raw))
            .map_err(|_| NoteError(format!("the signature of {} does not verify", self.name)))?;
        Ok(time)
    }
}

/// The message a `cosignature/v1` signs: a header line, the time line, the checkpoint's text.
pub fn cosigned_message(time: u64, checkpoint_text: &str) -> String {
    format!("cosignature/v1\ntime {time}\n{checkpoint_text}")
}

/// Signs `text` as note key `name` with an Ed25519 `sign` function (the key's raw signature
/// of a message); `key` is its public half.
pub fn sign_text(
    name: &str,
    key: &[u8; 32],
    text: &str,
    sign: impl FnOnce(&[u8]) -> [u8; 64],
) -> Signature {
    Signature {
        name: name.to_string(),
        key_id: key_id(name, TYPE_ED25519, key),
        bytes: sign(text.as_bytes()).to_vec(),
    }
}

/// Cosigns the checkpoint `text` at `time` as witness `name`.
pub fn cosign_text(
    name: &str,
    key: &[u8; 32],
    time: u64,
    text: &str,
    sign: impl FnOnce(&[u8]) -> [u8; 64],
) -> Signature {
    let mut bytes = time.to_be_bytes().to_vec();
    bytes.extend_from_slice(&sign(cosigned_message(time, text).as_bytes()));
    Signature {
        name: name.to_string(),
        key_id: key_id(name, TYPE_COSIGNATURE, key),
        bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// golang.org/x/mod/sumdb/note's test key and note, and the example of C2SP signed-note.
    const PETER_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const PETER_TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    const PETER_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    const FOO_VKEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
    const FOO_NOTE: &str = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

    fn peter_signing_key() -> ed25519_dalek::SigningKey {
        let b64 = PETER_SKEY.splitn(5, '+').nth(4).unwrap();
        let blob = Base64::decode_vec(b64).unwrap();
        assert_eq!(blob[0], TYPE_ED25519);
        ed25519_dalek::SigningKey::from_bytes(&blob[1..].try_into().unwrap())
    }

    #[test]
    fn signing_reproduces_the_go_vector_byte_for_byte() {
        use ed25519_dalek::Signer;
        let sk = peter_signing_key();
        let public = sk.verifying_key().to_bytes();
        let vkey = VerifierKey::parse(PETER_VKEY).unwrap();
        assert_eq!(vkey.key, public);
        assert_eq!(vkey.encode(), PETER_VKEY);
        let sig = sign_text("PeterNeumann", &public, PETER_TEXT, |m| {
            sk.sign(m).to_bytes()
        });
        let note = Note {
            text: PETER_TEXT.into(),
            signatures: vec![sig],
        };
        assert_eq!(note.to_text(), format!("{PETER_TEXT}\n{PETER_SIG}"));
        let back = Note::parse(note.to_text().as_bytes()).unwrap();
        assert_eq!(vkey.verify(&back.text, &back.signatures[0]).unwrap(), None);
        let altered = PETER_TEXT.replace("cryptography", "cryptographY");
        assert!(vkey.verify(&altered, &back.signatures[0]).is_err());
    }

    #[test]
    fn the_specification_example_verifies() {
        let vkey = VerifierKey::parse(FOO_VKEY).unwrap();
        let note = Note::parse(FOO_NOTE.as_bytes()).unwrap();
        assert_eq!(note.text, "This is an example message.\n");
        vkey.verify(&note.text, &note.signatures[0]).unwrap();
        assert_eq!(note.to_text(), FOO_NOTE);
    }

    #[test]
    fn the_cosigned_message_is_the_specification_example() {
        let checkpoint =
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        assert_eq!(
            cosigned_message(1679315147, checkpoint),
            "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        );
        // The specification's witness line: key ID, then the time 1679315147 big-endian.
        let line = "\u{2014} witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==";
        let sig = Signature::parse_line(line).unwrap();
        assert_eq!(sig.bytes.len(), 72);
        assert_eq!(
            u64::from_be_bytes(sig.bytes[..8].try_into().unwrap()),
            1679315147
        );
        assert_eq!(sig.line().trim_end(), line);
    }

    #[test]
    fn cosignatures_verify_and_bind_time_and_checkpoint() {
        use ed25519_dalek::Signer;
        let sk = peter_signing_key();
        let public = sk.verifying_key().to_bytes();
        let text = "undersigned/x\n3\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        let sig = cosign_text("org/hrw", &public, 1700000000, text, |m| {
            sk.sign(m).to_bytes()
        });
        let vkey = VerifierKey {
            name: "org/hrw".into(),
            sig_type: TYPE_COSIGNATURE,
            key: public,
        };
        assert_eq!(VerifierKey::parse(&vkey.encode()).unwrap(), vkey);
        assert_eq!(vkey.verify(text, &sig).unwrap(), Some(1700000000));
        let mut later = sig.clone();
        later.bytes[7] ^= 1;
        assert!(vkey.verify(text, &later).is_err(), "the time is signed");
        assert!(vkey.verify(&text.replace('3', "4"), &sig).is_err());
        let plain = VerifierKey {
            sig_type: TYPE_ED25519,
            ..vkey.clone()
        };
        assert!(
            plain.verify(text, &sig).is_err(),
            "another type has another key ID"
        );
    }

    #[test]
    fn malformed_notes_are_refused() {
        for bad in [
            "no blank line\n\u{2014} a AAAAAAA=\n",
            "text\n\n",
            "text\n\n\u{2014} a AAAAAAA=",
            "text\n\n- a AAAAAAAA\n",
            "te\u{7}xt\n\n\u{2014} a AAAAAAAA\n",
            "text\n\n\u{2014} a+b AAAAAAAA\n",
            "text\n\n\u{2014} a AAAA\n",
        ] {
            assert!(Note::parse(bad.as_bytes()).is_err(), "{bad:?}");
        }
        assert!(VerifierKey::parse(
            "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        )
        .is_err());
    }
}
