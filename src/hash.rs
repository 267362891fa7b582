//! A fast, non-cryptographic hasher for interning keys.
//!
//! Interning hashes every record's customer key once; SipHash (std's default)
//! costs several times more per key than this multiply–rotate scheme (the
//! one rustc uses for its own tables), finished by MurmurHash3's mixer so
//! that keys differing only in high bits, such as floats, spread too. It
//! offers no protection against keys chosen to collide, which is
//! acceptable for a caller's own purchase log.

use std::hash::{BuildHasherDefault, Hasher};

/// Odd multiplier with well-spread bits (from the golden ratio).
const SEED: u64 = 0x9e37_79b9_7f4a_7c15;

/// Multiply–rotate hasher over 64-bit words.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FastHasher {
    state: u64,
}

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.state = (self.state.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0_u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0_u8; 8];
            word.iter_mut().zip(rest).for_each(|(w, b)| *w = *b);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 56));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // A multiply carries bits only upwards: words that differ only in
        // their high bits (floats such as 2.0 and 3.0, or days / 7, keys
        // shifted left) would share the low bits the table indexes by, and
        // pile into a few slots. MurmurHash3's 64-bit finaliser brings every
        // bit of the state down to every bit of the hash.
        let mut h = self.state;
        h = (h ^ (h >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
        h = (h ^ (h >> 33)).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// `HashMap` with [`FastHasher`].
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FastHasher>>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, Hash};

    fn hash<T: Hash>(value: T) -> u64 {
        BuildHasherDefault::<FastHasher>::default().hash_one(value)
    }

    #[test]
    fn distinct_small_keys_hash_apart() {
        let hashes: std::collections::HashSet<u64> = (0..100_000_u64).map(hash).collect();
        assert_eq!(hashes.len(), 100_000);
        assert_ne!(hash("ab"), hash("ab\0"));
        assert_ne!(hash(""), hash("\0"));
    }

    #[test]
    fn keys_differing_only_in_high_bits_spread_over_the_low_bits() {
        // 1024 keys into 1024 slots by the low bits, as a table indexes: a
        // random hash fills about 1 − 1/e of them (647). The multiply alone,
        // folded by a shift, put each of these sets into 1 to 7 slots.
        let slots = |keys: &mut dyn Iterator<Item = u64>| {
            keys.map(|k| hash(k) & 1023)
                .collect::<std::collections::HashSet<_>>()
                .len()
        };
        let shifted = slots(&mut (0..1024).map(|k| k << 54));
        let whole = slots(&mut (1..=1024).map(|w| f64::from(w).to_bits()));
        let weeks = slots(&mut (0..1024).map(|d| (f64::from(d) / 7.0).to_bits()));
        let pairs = (0..1024)
            .map(|w| hash((7_u32, f64::from(w).to_bits())) & 1023)
            .collect::<std::collections::HashSet<_>>()
            .len();
        for (set, filled) in [
            ("k << 54", shifted),
            ("w", whole),
            ("d / 7", weeks),
            ("(7, w)", pairs),
        ] {
            assert!(filled > 600, "{set}: {filled} slots");
        }
    }
}
