//! Object ids as hex strings in the verification cache ([`crate::cache`]); `git2::Oid` has no
//! serde support of its own.

use git2::Oid;
use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

fn parse<E: serde::de::Error>(s: &str) -> Result<Oid, E> {
    Oid::from_str(s).map_err(|e| E::custom(format!("object id {s:?}: {e}")))
}

/// `Oid` as hex.
pub fn serialize<S: Serializer>(id: &Oid, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(id)
}

/// `Oid` from hex.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Oid, D::Error> {
    parse(&String::deserialize(d)?)
}

/// `Option<Oid>`.
pub mod opt {
    use super::*;

    /// As hex or null.
    pub fn serialize<S: Serializer>(id: &Option<Oid>, s: S) -> Result<S::Ok, S::Error> {
        match id {
            Some(id) => s.collect_str(id),
            None => s.serialize_none(),
        }
    }

    /// From hex or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Oid>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| parse(&s))
            .transpose()
    }
}

/// `Option<(Oid, T)>`.
pub mod opt_pair {
    use super::*;
    use serde::Serialize;

    /// As `[hex, value]` or null.
    pub fn serialize<S: Serializer, T: Serialize>(
        v: &Option<(Oid, T)>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        v.as_ref().map(|(id, t)| (id.to_string(), t)).serialize(s)
    }

    /// From `[hex, value]` or null.
    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<(Oid, T)>, D::Error> {
        Option::<(String, T)>::deserialize(d)?
            .map(|(id, t)| Ok((parse(&id)?, t)))
            .transpose()
    }
}

/// 32 raw bytes (an ed25519 key) as 64 hex digits.
pub mod hex32 {
    use super::*;

    /// As lowercase hex.
    pub fn serialize<S: Serializer>(v: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::record::hex(v))
    }

    /// From 64 hex digits.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        let bytes = text.as_bytes();
        if bytes.len() != 64 {
            return Err(D::Error::custom("expected 64 hex digits"));
        }
        let digit = |c: u8| {
            (c as char)
                .to_digit(16)
                .ok_or_else(|| D::Error::custom("not hex"))
        };
        let mut out = [0u8; 32];
        for (i, pair) in bytes.chunks(2).enumerate() {
            out[i] = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
        }
        Ok(out)
    }
}
