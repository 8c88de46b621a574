//! XOR fingerprints: docs/semantics.md, "Fingerprint", and deviation 3.

use atomik_sim::model::{AtomikError, Fingerprint};
use proptest::prelude::*;

/// R(data) written the obvious way: w/8-byte little-endian words, short last word zero-padded.
fn naive_reduce(width: u32, data: &[u8]) -> u64 {
    let k = (width / 8) as usize;
    data.chunks(k).fold(0, |acc, word| {
        let mut padded = [0u8; 8];
        padded[..word.len()].copy_from_slice(word);
        acc ^ u64::from_le_bytes(padded)
    })
}

fn fp(width: u32) -> Fingerprint {
    Fingerprint::new(width).expect("valid width")
}

#[test]
fn widths_not_a_multiple_of_8_in_8_to_64_are_rejected() {
    for width in [0, 1, 4, 7, 9, 12, 63, 65, 72, 128, u32::MAX] {
        let err = Fingerprint::new(width).expect_err("bad width accepted");
        assert_eq!(err, AtomikError::FingerprintWidth { width });
        assert!(err.to_string().contains(&width.to_string()), "{err}");
    }
    for width in (8..=64).step_by(8) {
        assert_eq!(Fingerprint::new(width).map(|f| f.width()), Ok(width));
    }
}

#[test]
fn reduction_of_known_buffers() {
    assert_eq!(fp(8).reduce(&[]), 0, "R(empty) = 0");
    assert_eq!(fp(16).reduce(&[0x01, 0x02, 0x04]), 0x0201 ^ 0x0004);
    assert_eq!(
        fp(32).reduce(&[0xaa]),
        0xaa,
        "short word padded at its high end"
    );
    assert_eq!(fp(24).reduce(&[1, 2, 3, 4]), 0x030201 ^ 0x04);
    assert_eq!(fp(64).reduce(&[1, 0, 0, 0, 0, 0, 0, 0, 2]), 0x1 ^ 0x2);
}

#[test]
fn update_sets_rather_than_xors_the_accumulator() {
    let mut f = fp(32);
    let r = f.load(b"abcdefgh");
    assert_eq!(f.reference(), r);
    f.update(b"abcdefgX");
    assert!(f.changed());
    // A second update with the original data returns to clean: it is a set, not an XOR.
    assert_eq!(f.update(b"abcdefgh"), r);
    assert!(!f.changed());
    assert_eq!(f.value(), r);
}

#[test]
fn accumulate_delta_tracks_a_single_word_change() {
    let mut data = *b"0123456789abcdef";
    let mut f = fp(32);
    f.load(&data);
    let old = u64::from(u32::from_le_bytes([data[4], data[5], data[6], data[7]]));
    data[5] ^= 0x40;
    let new = u64::from(u32::from_le_bytes([data[4], data[5], data[6], data[7]]));
    f.accumulate_delta(old, new);
    assert!(f.changed());
    assert_eq!(f.value(), fp(32).reduce(&data));
    f.reset();
    assert!(!f.changed());
}

proptest! {
    #[test]
    fn reduction_matches_the_definition_at_every_width(
        width in prop::sample::select(vec![8u32, 16, 24, 32, 40, 48, 56, 64]),
        data in prop::collection::vec(any::<u8>(), 0..100),
    ) {
        let f = fp(width);
        let r = f.reduce(&data);
        prop_assert_eq!(r, naive_reduce(width, &data));
        prop_assert_eq!(r & !f.context().mask(), 0);
    }

    #[test]
    fn any_single_bit_flip_is_detected(
        width in prop::sample::select(vec![8u32, 16, 24, 32, 40, 48, 56, 64]),
        data in prop::collection::vec(any::<u8>(), 1..100),
        at in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let mut f = fp(width);
        let r = f.load(&data);
        prop_assert_eq!(f.update(&data), r);
        prop_assert!(!f.changed());
        let mut new = data.clone();
        new[at.index(data.len())] ^= 1 << bit;
        let r2 = f.update(&new);
        prop_assert!(f.changed());
        prop_assert_eq!(f.value(), r2);
        prop_assert_eq!(f.delta(), r ^ r2);
    }
}
