//! The Merkle tree of RFC 6962 / RFC 9162 (section 2.1) over SHA-256: leaf and node hashes,
//! an append-only frontier that gives the root at each size in O(log n) memory and time per
//! leaf (what `verify` keeps in the ledger's state), inclusion and consistency proofs made
//! from the leaf hashes, and their verification exactly as RFC 9162 sections 2.1.3.2 and
//! 2.1.4.2 describe it.
//!
//! Written here rather than taken from a crate: the maintained one (`ct-merkle`) keeps every
//! leaf in memory and has no frontier, which a one-pass verifier of a large ledger needs; the
//! algorithms are short, and the RFC's test vectors are in the tests below.

use sha2::{Digest, Sha256};

/// A SHA-256 hash: a leaf, a node or a root.
pub type Hash = [u8; 32];

/// `SHA-256(0x00 || data)`: the hash of a leaf.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// `SHA-256(0x01 || left || right)`: the hash of an interior node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: `SHA-256()` of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The roots of the perfect subtrees an append-only tree of `size` leaves is made of, largest
/// first (one per set bit of `size`): enough to append a leaf and to compute the root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    roots: Vec<Hash>,
}

impl Frontier {
    /// The frontier of a tree of `size` leaves from its subtree roots; `None` when their
    /// number is not the number of set bits of `size`.
    pub fn from_parts(size: u64, roots: Vec<Hash>) -> Option<Frontier> {
        (roots.len() == size.count_ones() as usize).then_some(Frontier { size, roots })
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The subtree roots, largest first.
    pub fn roots(&self) -> &[Hash] {
        &self.roots
    }

    /// Appends a leaf, given its hash.
    pub fn push(&mut self, leaf: Hash) {
        append(self.size, &mut self.roots, leaf);
        self.size += 1;
    }

    /// The tree head: the root of every leaf appended so far.
    pub fn root(&self) -> Hash {
        let mut it = self.roots.iter().rev();
        let Some(last) = it.next() else {
            return empty_root();
        };
        it.fold(*last, |acc, left| node_hash(left, &acc))
    }
}

/// Appends a leaf to the subtree roots of a tree of `size` leaves (one root per set bit of
/// `size`, largest first): O(log n) hashes, no allocation beyond the roots' own.
pub fn append(size: u64, roots: &mut Vec<Hash>, leaf: Hash) {
    let mut h = leaf;
    // Each trailing one bit of the old size is a subtree of the new leaf's height: merge.
    let mut carry = size;
    while carry & 1 == 1 {
        let left = roots.pop().expect("one root per set bit of the size");
        h = node_hash(&left, &h);
        carry >>= 1;
    }
    roots.push(h);
}

/// The largest power of two smaller than `n` (n ≥ 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// MTH(D[n]) from the leaf hashes.
pub fn root_of(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root_of(&leaves[..k]), &root_of(&leaves[k..]))
        }
    }
}

/// PATH(m, D[n]): the inclusion proof of leaf `index` in the tree of these leaves (RFC 6962
/// section 2.1.1), from the leaf's sibling up; `None` when `index` is not a leaf.
pub fn inclusion_proof(leaves: &[Hash], index: u64) -> Option<Vec<Hash>> {
    let index = usize::try_from(index).ok().filter(|i| *i < leaves.len())?;
    let mut out = Vec::new();
    path(index, leaves, &mut out);
    Some(out)
}

fn path(m: usize, leaves: &[Hash], out: &mut Vec<Hash>) {
    let n = leaves.len();
    if n <= 1 {
        return;
    }
    let k = split(n);
    if m < k {
        path(m, &leaves[..k], out);
        out.push(root_of(&leaves[k..]));
    } else {
        path(m - k, &leaves[k..], out);
        out.push(root_of(&leaves[..k]));
    }
}

/// PROOF(m, D[n]): the consistency proof from the tree of the first `old` leaves to the tree
/// of all of them (RFC 6962 section 2.1.2); `None` unless 0 < old ≤ n.
pub fn consistency_proof(leaves: &[Hash], old: u64) -> Option<Vec<Hash>> {
    let m = usize::try_from(old)
        .ok()
        .filter(|m| *m >= 1 && *m <= leaves.len())?;
    let mut out = Vec::new();
    subproof(m, leaves, true, &mut out);
    Some(out)
}

fn subproof(m: usize, leaves: &[Hash], complete: bool, out: &mut Vec<Hash>) {
    let n = leaves.len();
    if m == n {
        if !complete {
            out.push(root_of(leaves));
        }
        return;
    }
    let k = split(n);
    if m <= k {
        subproof(m, &leaves[..k], complete, out);
        out.push(root_of(&leaves[k..]));
    } else {
        subproof(m - k, &leaves[k..], false, out);
        out.push(root_of(&leaves[..k]));
    }
}

/// Why a proof does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The index or sizes cannot be those of such a proof.
    #[error("{0}")]
    Shape(String),
    /// The proof does not lead to the root it should.
    #[error("the proof does not lead to the expected root hash")]
    Mismatch,
}

/// Verifies an inclusion proof (RFC 9162 section 2.1.3.2).
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::Shape(format!(
            "leaf index {index} is not below the tree size {size}"
        )));
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return Err(ProofError::Shape("the inclusion proof is too long".into()));
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(ProofError::Shape("the inclusion proof is too short".into()));
    }
    if r != *root {
        return Err(ProofError::Mismatch);
    }
    Ok(())
}

/// Verifies a consistency proof from the tree `(old, old_root)` to `(new, new_root)` (RFC 9162
/// section 2.1.4.2; equal sizes take an empty proof and equal roots).
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old == 0 || old > new {
        return Err(ProofError::Shape(format!(
            "no consistency proof goes from size {old} to size {new}"
        )));
    }
    if old == new {
        if !proof.is_empty() {
            return Err(ProofError::Shape(
                "a proof between equal sizes is empty".into(),
            ));
        }
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::Mismatch)
        };
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let Some((first, rest)) = path.split_first() else {
        return Err(ProofError::Shape("the consistency proof is empty".into()));
    };
    let (mut fnode, mut snode) = (old - 1, new - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if snode == 0 {
            return Err(ProofError::Shape(
                "the consistency proof is too long".into(),
            ));
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(ProofError::Shape(
            "the consistency proof is too short".into(),
        ));
    }
    if fr != *old_root || sr != *new_root {
        return Err(ProofError::Mismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hx(s: &str) -> Hash {
        let v: Vec<u8> = (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect();
        v.try_into().unwrap()
    }

    /// The leaves of the reference test vectors of RFC 6962's authors (certificate-transparency,
    /// `merkle_tree_test`), used by every implementation of the RFC.
    fn vector_leaves() -> Vec<Hash> {
        let data: [&[u8]; 8] = [
            b"",
            b"\x00",
            b"\x10",
            b"\x20\x21",
            b"\x30\x31",
            b"\x40\x41\x42\x43",
            b"\x50\x51\x52\x53\x54\x55\x56\x57",
            b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
        ];
        data.iter().map(|d| leaf_hash(d)).collect()
    }

    const ROOTS: [&str; 9] = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    #[test]
    fn roots_match_the_reference_vectors() {
        let leaves = vector_leaves();
        let mut f = Frontier::default();
        assert_eq!(f.root(), hx(ROOTS[0]));
        for n in 1..=8 {
            f.push(leaves[n - 1]);
            assert_eq!(root_of(&leaves[..n]), hx(ROOTS[n]), "size {n}");
            assert_eq!(f.root(), hx(ROOTS[n]), "frontier at size {n}");
        }
    }

    #[test]
    fn inclusion_proofs_match_the_reference_vectors() {
        let leaves = vector_leaves();
        let cases: [(u64, u64, &[&str]); 4] = [
            (
                0,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                5,
                8,
                &[
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                2,
                3,
                &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
            ),
            (0, 1, &[]),
        ];
        for (index, size, want) in cases {
            let want: Vec<Hash> = want.iter().map(|s| hx(s)).collect();
            let got = inclusion_proof(&leaves[..size as usize], index).unwrap();
            assert_eq!(got, want, "PATH({index}, D[{size}])");
            let root = hx(ROOTS[size as usize]);
            verify_inclusion(index, size, &leaves[index as usize], &got, &root).unwrap();
        }
    }

    #[test]
    fn consistency_proofs_match_the_reference_vectors() {
        let leaves = vector_leaves();
        let cases: [(u64, u64, &[&str]); 4] = [
            (1, 1, &[]),
            (
                1,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                6,
                8,
                &[
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                2,
                5,
                &[
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
        ];
        for (m, n, want) in cases {
            let want: Vec<Hash> = want.iter().map(|s| hx(s)).collect();
            let got = consistency_proof(&leaves[..n as usize], m).unwrap();
            assert_eq!(got, want, "PROOF({m}, D[{n}])");
            let (r1, r2) = (hx(ROOTS[m as usize]), hx(ROOTS[n as usize]));
            verify_consistency(m, n, &r1, &r2, &got).unwrap();
            if m != n {
                // The proof binds both roots.
                assert!(verify_consistency(m, n, &hx(ROOTS[m as usize - 1]), &r2, &got).is_err());
                assert!(verify_consistency(m, n, &r1, &hx(ROOTS[n as usize - 1]), &got).is_err());
            }
        }
    }

    #[test]
    fn every_proof_of_small_trees_verifies_and_no_altered_one_does() {
        let leaves: Vec<Hash> = (0u32..40).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut f = Frontier::default();
        for n in 1..=leaves.len() {
            f.push(leaves[n - 1]);
            let root = root_of(&leaves[..n]);
            assert_eq!(f.root(), root);
            let back = Frontier::from_parts(f.size(), f.roots().to_vec()).unwrap();
            assert_eq!(back.root(), root);
            for i in 0..n as u64 {
                let p = inclusion_proof(&leaves[..n], i).unwrap();
                verify_inclusion(i, n as u64, &leaves[i as usize], &p, &root).unwrap();
                let other = leaves[(i as usize + 1) % n];
                if n > 1 {
                    assert!(verify_inclusion(i, n as u64, &other, &p, &root).is_err());
                }
                assert!(verify_inclusion(i, i, &leaves[i as usize], &p, &root).is_err());
                if !p.is_empty() {
                    assert!(
                        verify_inclusion(i, n as u64, &leaves[i as usize], &p[1..], &root).is_err()
                    );
                }
            }
            for m in 1..=n as u64 {
                let p = consistency_proof(&leaves[..n], m).unwrap();
                let old = root_of(&leaves[..m as usize]);
                verify_consistency(m, n as u64, &old, &root, &p).unwrap();
                for j in 0..p.len() {
                    let mut bad = p.clone();
                    bad[j][0] ^= 1;
                    assert!(verify_consistency(m, n as u64, &old, &root, &bad).is_err());
                }
            }
        }
        assert!(verify_inclusion(3, 3, &leaves[0], &[], &leaves[0]).is_err());
        assert!(verify_consistency(0, 3, &leaves[0], &leaves[0], &[]).is_err());
        assert!(Frontier::from_parts(3, vec![leaves[0]]).is_none());
    }
}
