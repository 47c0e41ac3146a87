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

/// The raw-key index: JSON maps need string keys, so it is a list of pairs.
pub mod key_map {
    use super::*;
    use crate::ids::Principal;
    use serde::Serialize;
    use std::collections::HashMap;

    type Map = HashMap<[u8; 32], (Principal, u32)>;

    /// As `[[key bytes, [principal, seq]], …]`.
    pub fn serialize<S: Serializer>(m: &Map, s: S) -> Result<S::Ok, S::Error> {
        let mut pairs: Vec<_> = m.iter().collect();
        pairs.sort_by(|a, b| a.0.cmp(b.0));
        pairs.serialize(s)
    }

    /// From the list of pairs.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Map, D::Error> {
        let pairs = Vec::<([u8; 32], (Principal, u32))>::deserialize(d)?;
        let n = pairs.len();
        let map: Map = pairs.into_iter().collect();
        if map.len() != n {
            return Err(D::Error::custom("a key appears twice"));
        }
        Ok(map)
    }
}
