//! Checkpoints (C2SP `tlog-checkpoint`): the note text `<origin>\n<size>\n<base64 root>\n`,
//! signed by an editor. The origin names the ledger: `undersigned/<ledger id>`, and the
//! editor's note key takes the origin as its name (as the specification recommends), so the
//! key ID says which editor's key signed.

use super::merkle::Hash;
use base64ct::{Base64, Encoding};

/// The origin line of a ledger's checkpoints.
pub fn origin(ledger_id: &str) -> String {
    format!("undersigned/{ledger_id}")
}

/// The ledger id an origin names, if it is one of undersigned's.
pub fn ledger_of_origin(origin: &str) -> Option<&str> {
    origin.strip_prefix("undersigned/").filter(|id| {
        id.len() == 40
            && id
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    })
}

/// A tree head: origin, size, root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin.
    pub origin: String,
    /// Number of leaves.
    pub size: u64,
    /// The root hash.
    pub root: Hash,
}

impl Checkpoint {
    /// The note text.
    pub fn text(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            Base64::encode_string(&self.root)
        )
    }

    /// Parses a checkpoint's note text. undersigned's checkpoints carry no extension lines,
    /// and one with any is refused (they are "not auditable by log monitors").
    pub fn parse(text: &str) -> Result<Checkpoint, String> {
        let Some(body) = text.strip_suffix('\n') else {
            return Err("a checkpoint's text ends with a newline".into());
        };
        let lines: Vec<&str> = body.split('\n').collect();
        let [origin, size, root] = lines.as_slice() else {
            return Err(format!(
                "a checkpoint is three lines (origin, size, root hash), not {}",
                lines.len()
            ));
        };
        if origin.is_empty() {
            return Err("the origin line is empty".into());
        }
        let n: u64 = size
            .parse()
            .ok()
            .filter(|n: &u64| n.to_string() == *size)
            .ok_or_else(|| {
                format!("the tree size {size:?} is not a decimal number without leading zeroes")
            })?;
        let raw = Base64::decode_vec(root)
            .ok()
            .filter(|r| r.len() == 32 && Base64::encode_string(r) == *root)
            .ok_or_else(|| format!("the root hash {root:?} is not the base64 of 32 bytes"))?;
        Ok(Checkpoint {
            origin: origin.to_string(),
            size: n,
            root: raw.try_into().expect("32 bytes"),
        })
    }

    /// The root, as base64.
    pub fn root_b64(&self) -> String {
        Base64::encode_string(&self.root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specification_example_round_trips() {
        let text =
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        let c = Checkpoint::parse(text).unwrap();
        assert_eq!(c.origin, "example.com/behind-the-sofa");
        assert_eq!(c.size, 20852163);
        assert_eq!(c.text(), text);
        for bad in [
            "o\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
            "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\nextension\n",
            "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",
            "o\n1\nCsUYapGGPo4dkMgIAUqom\n",
            "\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        ] {
            assert!(Checkpoint::parse(bad).is_err(), "{bad:?}");
        }
        let id = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(ledger_of_origin(&origin(id)), Some(id));
        assert_eq!(ledger_of_origin("undersigned/XYZ"), None);
    }
}
