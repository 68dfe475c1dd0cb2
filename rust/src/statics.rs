//! Hashing of statics (pure Rust): `fast_hash`, a stable non-cryptographic hash
//! (xxh3, 64 bits) that deduplicates a static across classes and sessions, and
//! `digest`, a short content digest (sha256, 16 hex digits) that names the static's
//! URL: the same content gets the same URL in every process, so a browser's cache
//! outlives a restart.

use sha2::{Digest, Sha256};
use xxhash_rust::xxh3::xxh3_64;

/// Hex digits of `digest`: 64 bits, enough for the statics of one deployment.
pub const DIGEST_LEN: usize = 16;

/// xxh3 of `data` (seed 0: stable across processes, machines and versions).
pub fn fast_hash(data: &[u8]) -> u64 {
    xxh3_64(data)
}

/// The first `DIGEST_LEN` hex digits of sha256(`data`).
pub fn digest(data: &[u8]) -> String {
    let sum = Sha256::digest(data);
    let mut out = String::with_capacity(DIGEST_LEN);
    for byte in sum.iter().take(DIGEST_LEN / 2) {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_hash_is_stable_xxh3() {
        // reference values of XXH3_64bits (seed 0): a change of algorithm or seed
        // would change every static's identity
        assert_eq!(fast_hash(b""), 0x2d06_8005_38d3_94c2);
        assert_eq!(fast_hash(b"a"), fast_hash(b"a"));
        assert_ne!(fast_hash(b"a"), fast_hash(b"b"));
    }

    #[test]
    fn digest_is_truncated_sha256() {
        // sha256("abc") = ba7816bf8f01cfea414140de5dae2223...
        assert_eq!(digest(b"abc"), "ba7816bf8f01cfea");
        assert_eq!(digest(b"").len(), DIGEST_LEN);
        assert_ne!(digest(b"body{}"), digest(b"body{ }"));
    }
}
