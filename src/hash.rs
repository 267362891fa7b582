//! The hash map for interning keys and numbering patterns.
//!
//! Interning hashes every record's customer key once, and the models number
//! their distinct patterns by hash, so the hasher sits in hot loops:
//! foldhash is about twice as fast as SipHash (std's default) on string
//! ids, and is seeded per process, so keys cannot be chosen to collide. Its
//! `quality` variant, whose last step mixes every bit into every other, is
//! used: with the `fast` one, keys that differ only in their high bits
//! (floats, shifted integers) sometimes shared the low bits the table
//! indexes by.

/// `HashMap` with foldhash's `quality` hasher.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::quality::RandomState>;

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::hash::BuildHasher;

    #[test]
    fn distinct_small_keys_hash_apart() {
        let state = foldhash::quality::RandomState::default();
        let hashes: HashSet<u64> = (0..100_000_u64).map(|k| state.hash_one(k)).collect();
        assert_eq!(hashes.len(), 100_000);
        assert_ne!(state.hash_one("ab"), state.hash_one("ab\0"));
        assert_ne!(state.hash_one(""), state.hash_one("\0"));
    }

    #[test]
    fn keys_differing_only_in_a_few_places_spread_over_the_low_bits() {
        // 1024 keys into 1024 slots by the low bits, as a table indexes: a
        // random hash fills about 1 − 1/e of them (647). A multiply–rotate
        // hasher put each of the first four sets into 1 to 7 slots, and
        // foldhash's `fast` variant the first into 54 to 316.
        let state = foldhash::quality::RandomState::default();
        let slots =
            |hashes: &mut dyn Iterator<Item = u64>| hashes.map(|h| h & 1023).collect::<HashSet<_>>().len();
        let sets = [
            (
                "k << 54",
                slots(&mut (0..1024_u64).map(|k| state.hash_one(k << 54))),
            ),
            (
                "w",
                slots(&mut (1..=1024).map(|w| state.hash_one(f64::from(w).to_bits()))),
            ),
            (
                "d / 7",
                slots(&mut (0..1024).map(|d| state.hash_one((f64::from(d) / 7.0).to_bits()))),
            ),
            (
                "(7, w)",
                slots(&mut (0..1024).map(|w| state.hash_one((7_u32, f64::from(w).to_bits())))),
            ),
            (
                "C-{:09}",
                slots(&mut (0..1024).map(|i| state.hash_one(format!("C-{i:09}")))),
            ),
        ];
        for (set, filled) in sets {
            assert!(filled > 600, "{set}: {filled} slots");
        }
    }

    #[test]
    fn a_million_string_ids_hash_apart() {
        // The multiply–rotate hasher gave 975,600 distinct hashes for these.
        let state = foldhash::quality::RandomState::default();
        let hashes: HashSet<u64> = (0..1_000_000)
            .map(|i| state.hash_one(format!("C-{i:09}")))
            .collect();
        assert!(hashes.len() >= 999_990, "{} distinct", hashes.len());
    }
}
