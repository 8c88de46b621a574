//! The fast XOR fold equals the plain fold (docs/semantics.md, "Hardware view": lanes keep
//! independent partial accumulators merged by an XOR tree).

use atomik_sim::model::{xor_fold, xor_fold_portable, xor_fold_scalar};
use proptest::prelude::*;

/// Deterministic pseudo-random words (splitmix64).
fn words(seed: u64, n: usize) -> Vec<u64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        })
        .collect()
}

#[test]
fn xor_fold_equals_scalar_for_every_length_0_to_200() {
    let data = words(1, 200);
    for len in 0..=200 {
        for offset in [0, 1, 3] {
            let end = (offset + len).min(data.len());
            let s = &data[offset.min(end)..end];
            let want = xor_fold_scalar(s);
            assert_eq!(xor_fold(s), want, "len {} offset {offset}", s.len());
            assert_eq!(
                xor_fold_portable(s),
                want,
                "portable, len {} offset {offset}",
                s.len()
            );
        }
    }
}

#[test]
fn xor_fold_sees_every_position_of_a_long_slice() {
    // One set bit at each position in turn: a dropped or doubled lane would show.
    let n = 4 * 64 + 7;
    for pos in 0..n {
        let mut v = vec![0u64; n];
        v[pos] = 1 << (pos % 64);
        assert_eq!(xor_fold(&v), 1 << (pos % 64), "position {pos}");
        assert_eq!(
            xor_fold_portable(&v),
            1 << (pos % 64),
            "portable, position {pos}"
        );
    }
}

#[test]
fn xor_fold_of_pairs_cancels_to_zero() {
    let mut v = words(7, 5000);
    v.extend_from_within(..);
    assert_eq!(xor_fold(&v), 0);
    assert_eq!(xor_fold(&[]), 0);
}

proptest! {
    #[test]
    fn xor_fold_equals_scalar_on_random_data(data in prop::collection::vec(any::<u64>(), 0..5000)) {
        prop_assert_eq!(xor_fold(&data), xor_fold_scalar(&data));
        prop_assert_eq!(xor_fold_portable(&data), xor_fold_scalar(&data));
    }
}
