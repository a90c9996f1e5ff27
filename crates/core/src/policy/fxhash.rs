//! A fast hash for the evaluator's own tables (automaton states, sets of positions),
//! whose keys are small integers no one outside chooses: the multiply-rotate hash of
//! Firefox and rustc (FxHash), in place of the standard library's SipHash, which guards
//! against keys an attacker picks and costs several times more per word.

use std::hash::{BuildHasherDefault, Hasher};

/// FxHash's multiplier (rustc-hash, 64-bit).
const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

#[derive(Default, Clone, Copy)]
pub struct Fx(u64);

impl Fx {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(c);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub type FxMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<Fx>>;
pub type FxSet<K> = std::collections::HashSet<K, BuildHasherDefault<Fx>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_keys_hash_alike_and_near_keys_apart() {
        let mut set: FxSet<Vec<u16>> = FxSet::default();
        for a in 0..64u16 {
            for b in 0..64u16 {
                assert!(set.insert(vec![a, b]));
            }
        }
        assert!(!set.insert(vec![3, 4]));
        assert_eq!(set.len(), 64 * 64);
        let hash = |v: &[u8]| {
            let mut h = Fx::default();
            h.write(v);
            h.finish()
        };
        assert_eq!(hash(b"arn:aws:iam"), hash(b"arn:aws:iam"));
        assert_ne!(hash(b"arn:aws:iam"), hash(b"arn:aws:iaM"));
        assert_ne!(hash(b"123456789"), hash(b"12345678"));
    }
}
