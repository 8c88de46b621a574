//! Properties of one context: the algebra of docs/semantics.md, "Context".

use atomik_sim::model::{AtomikError, Context};
use proptest::prelude::*;

/// Widths that exercise the masking edges: 1, odd, one below 64, and 64.
const EDGE_WIDTHS: [u32; 4] = [1, 3, 63, 64];

fn any_width() -> impl Strategy<Value = u32> {
    prop_oneof![prop::sample::select(EDGE_WIDTHS.to_vec()), 1u32..=64]
}

fn ctx(width: u32) -> Context {
    Context::new(width).expect("valid width")
}

#[test]
fn widths_outside_1_to_64_are_rejected_with_the_width_named() {
    for width in [0, 65, 128, u32::MAX] {
        let err = Context::new(width).expect_err("invalid width accepted");
        assert_eq!(err, AtomikError::InvalidWidth { width });
        assert!(err.to_string().contains(&width.to_string()), "{err}");
    }
    for width in 1..=64 {
        assert_eq!(Context::new(width).map(|c| c.width()), Ok(width));
    }
}

#[test]
fn mask_is_all_ones_of_the_width_at_1_3_63_64() {
    assert_eq!(ctx(1).mask(), 0b1);
    assert_eq!(ctx(3).mask(), 0b111);
    assert_eq!(ctx(63).mask(), u64::MAX >> 1);
    assert_eq!(ctx(64).mask(), u64::MAX);
}

#[test]
fn every_stored_value_is_masked_at_widths_1_3_63_64() {
    for width in EDGE_WIDTHS {
        let mut c = ctx(width);
        let mask = c.mask();
        c.load(u64::MAX);
        assert_eq!(c.reference(), mask, "load, width {width}");
        assert_eq!(c.read(), mask);
        c.accum(u64::MAX);
        assert_eq!(c.accumulator(), mask, "accum, width {width}");
        assert_eq!(c.read(), 0);
        assert_eq!(c.swap(Some(u64::MAX)), 0, "swap returns the pre-swap state");
        assert_eq!(c.reference(), mask, "swap(Some), width {width}");
        c.rollback(1 << (width - 1));
        assert_eq!(c.read(), mask ^ (1 << (width - 1)));
        // A delta entirely above the width changes nothing but is still counted.
        let mut d = ctx(width);
        d.accum(if width == 64 { 0 } else { 1 << width });
        assert!(d.is_clean());
        assert_eq!(d.delta_count(), 1);
    }
}

#[test]
fn swap_none_keeps_the_state_as_the_new_reference_and_clears_the_epoch() {
    let mut c = ctx(16);
    c.load(0x1234);
    c.accum(0x00ff);
    assert_eq!(c.swap(None), 0x12cb);
    assert_eq!(c.reference(), 0x12cb);
    assert_eq!(c.accumulator(), 0);
    assert_eq!(c.delta_count(), 0);
    assert_eq!(c.read(), 0x12cb);
}

#[test]
fn merge_of_different_widths_fails_and_changes_nothing() {
    let mut a = ctx(8);
    a.accum(0x5);
    let mut b = ctx(16);
    b.accum(0x3);
    assert_eq!(
        a.merge(&b),
        Err(AtomikError::WidthMismatch {
            ours: 8,
            theirs: 16
        })
    );
    assert_eq!((a.accumulator(), a.delta_count()), (0x5, 1));
}

#[test]
fn equality_is_same_width_and_same_state_whatever_the_split() {
    let mut a = ctx(8);
    a.load(0xf0);
    let mut b = ctx(8);
    b.accum(0xf0);
    assert_eq!(a, b, "same state 0xf0 via reference or accumulator");
    let mut c = ctx(9);
    c.load(0xf0);
    assert_ne!(a, c, "different widths are never equal");
}

proptest! {
    #[test]
    fn accum_is_self_inverse(width in any_width(), start in any::<u64>(), d in any::<u64>()) {
        let mut c = ctx(width);
        c.load(start);
        let before = c.read();
        c.accum(d);
        c.accum(d);
        prop_assert_eq!(c.read(), before);
        prop_assert!(c.is_clean());
        prop_assert_eq!(c.delta_count(), 2);
    }

    #[test]
    fn rollback_undoes_accum(width in any_width(), start in any::<u64>(), d in any::<u64>()) {
        let mut c = ctx(width);
        c.load(start);
        let before = c.read();
        c.accum(d);
        c.rollback(d);
        prop_assert_eq!(c.read(), before);
    }

    #[test]
    fn accum_order_does_not_matter(width in any_width(), ds in prop::collection::vec(any::<u64>(), 0..32)) {
        let mut fwd = ctx(width);
        let mut rev = ctx(width);
        ds.iter().for_each(|&d| fwd.accum(d));
        ds.iter().rev().for_each(|&d| rev.accum(d));
        prop_assert_eq!(fwd.accumulator(), rev.accumulator());
        prop_assert_eq!(fwd.delta_count(), ds.len() as u64);
    }

    #[test]
    fn read_is_reference_xor_accumulator_and_fits_the_width(
        width in any_width(), v in any::<u64>(), ds in prop::collection::vec(any::<u64>(), 0..16)
    ) {
        let mut c = ctx(width);
        c.load(v);
        ds.iter().for_each(|&d| c.accum(d));
        let expect = ds.iter().fold(v, |a, d| a ^ d) & c.mask();
        prop_assert_eq!(c.read(), expect);
        prop_assert_eq!(c.read(), c.reference() ^ c.accumulator());
        prop_assert_eq!(c.read() & !c.mask(), 0);
    }

    #[test]
    fn swap_some_returns_old_state_and_starts_from_the_masked_value(
        width in any_width(), v in any::<u64>(), d in any::<u64>(), x in any::<u64>()
    ) {
        let mut c = ctx(width);
        c.load(v);
        c.accum(d);
        let old = c.read();
        prop_assert_eq!(c.swap(Some(x)), old);
        prop_assert_eq!(c.read(), x & c.mask());
        prop_assert!(c.is_clean());
    }

    #[test]
    fn merge_equals_accumulating_the_other_contexts_deltas(
        width in any_width(),
        mine in prop::collection::vec(any::<u64>(), 0..16),
        theirs in prop::collection::vec(any::<u64>(), 0..16),
    ) {
        let mut a = ctx(width);
        mine.iter().for_each(|&d| a.accum(d));
        let mut b = ctx(width);
        theirs.iter().for_each(|&d| b.accum(d));
        a.merge(&b).expect("same width");
        let mut all = ctx(width);
        mine.iter().chain(&theirs).for_each(|&d| all.accum(d));
        prop_assert_eq!(a.accumulator(), all.accumulator());
        prop_assert_eq!(a.delta_count(), all.delta_count());
    }

    #[test]
    fn accum_slice_equals_accum_of_each_delta(
        width in any_width(), v in any::<u64>(), ds in prop::collection::vec(any::<u64>(), 0..300)
    ) {
        let mut one_by_one = ctx(width);
        one_by_one.load(v);
        ds.iter().for_each(|&d| one_by_one.accum(d));
        let mut sliced = ctx(width);
        sliced.load(v);
        sliced.accum_slice(&ds);
        prop_assert_eq!(sliced.accumulator(), one_by_one.accumulator());
        prop_assert_eq!(sliced.delta_count(), one_by_one.delta_count());
    }
}
