//! Properties of the context table: docs/semantics.md, "Table", and deviation 1.

use atomik_sim::model::{AtomikError, Context, Table, DENSE_LIMIT};
use proptest::prelude::*;

fn table(width: u32, n: u64) -> Table {
    Table::new(width, n).expect("valid table")
}

/// A table op, for random sequences.
#[derive(Debug, Clone)]
enum Op {
    Load(u64, u64),
    Accum(u64, u64),
    Swap(u64, Option<u64>),
}

fn op(n: u64) -> impl Strategy<Value = Op> {
    // Addresses up to n + 2 so some ops are out of range.
    let addr = 0..n + 2;
    prop_oneof![
        (addr.clone(), any::<u64>()).prop_map(|(a, v)| Op::Load(a, v)),
        (addr.clone(), any::<u64>()).prop_map(|(a, d)| Op::Accum(a, d)),
        (addr, any::<Option<u64>>()).prop_map(|(a, v)| Op::Swap(a, v)),
    ]
}

fn apply(t: &mut Table, op: &Op) -> Result<(), AtomikError> {
    match *op {
        Op::Load(a, v) => t.load(a, v),
        Op::Accum(a, d) => t.accum(a, d),
        Op::Swap(a, v) => t.swap(a, v).map(drop),
    }
}

/// Every address's context (state, reference, accumulator, delta count).
fn contents(t: &Table) -> Vec<(u64, u64, u64, u64)> {
    (0..t.num_contexts())
        .map(|a| {
            let c: Context = t.context(a).expect("in range");
            (c.read(), c.reference(), c.accumulator(), c.delta_count())
        })
        .collect()
}

#[test]
fn invalid_shapes_are_rejected_with_the_value_named() {
    assert_eq!(
        Table::new(0, 4).map(drop),
        Err(AtomikError::InvalidWidth { width: 0 })
    );
    assert_eq!(
        Table::new(65, 4).map(drop),
        Err(AtomikError::InvalidWidth { width: 65 })
    );
    let err = Table::new(8, 0).map(drop).expect_err("0 contexts accepted");
    assert_eq!(err, AtomikError::InvalidContextCount { count: 0 });
    assert!(err.to_string().contains('0'), "{err}");
}

#[test]
fn out_of_range_error_names_the_address_and_the_valid_range() {
    let mut t = table(64, 16);
    let err = t.accum(16, 1).expect_err("address 16 of 16 accepted");
    assert_eq!(
        err,
        AtomikError::AddressOutOfRange {
            addr: 16,
            num_contexts: 16
        }
    );
    let msg = err.to_string();
    assert!(msg.contains("16") && msg.contains("0..16"), "{msg}");
    for e in [
        t.load(99, 1),
        t.rollback(99, 1),
        t.read(99).map(drop),
        t.swap(99, None).map(drop),
        t.batch_accum(&[(99, 1)]),
        t.context(99).map(drop),
    ] {
        assert!(
            matches!(
                e,
                Err(AtomikError::AddressOutOfRange {
                    addr: 99,
                    num_contexts: 16
                })
            ),
            "{e:?}"
        );
    }
    assert_eq!(t.snapshot(), vec![], "failed ops left the table fresh");
}

#[test]
fn batch_error_names_the_first_bad_address_and_applies_nothing() {
    let mut t = table(8, 4);
    t.load(0, 0x11).expect("in range");
    let err = t
        .batch_accum(&[(0, 0xff), (1, 0x01), (7, 1), (9, 1)])
        .expect_err("bad batch accepted");
    assert_eq!(
        err,
        AtomikError::AddressOutOfRange {
            addr: 7,
            num_contexts: 4
        }
    );
    assert_eq!(
        t.snapshot(),
        vec![(0, 0x11)],
        "the valid prefix was not applied"
    );
    assert_eq!(t.context(0).map(|c| c.delta_count()), Ok(0));
}

#[test]
fn snapshot_lists_non_zero_states_ascending_and_skips_cancelled_ones() {
    let mut t = table(8, 256);
    t.accum(200, 0x5).expect("in range");
    t.load(3, 0x1ff).expect("in range"); // masked to 0xff
    t.accum(77, 0x9).expect("in range");
    t.accum(77, 0x9).expect("in range"); // cancels: state 0 again
    t.load(10, 0x100).expect("in range"); // masked to 0
    assert_eq!(t.snapshot(), vec![(3, 0xff), (200, 0x5)]);
}

#[test]
fn a_huge_sparse_table_behaves_like_a_small_one_at_its_ends() {
    let n = u64::MAX;
    let mut t = table(64, n);
    assert!(n > DENSE_LIMIT);
    t.load(n - 1, 7).expect("last address");
    t.accum(0, 3).expect("first address");
    t.accum(12345, 1).expect("middle");
    t.accum(12345, 1).expect("middle");
    assert_eq!(t.read(n - 1), Ok(7));
    assert_eq!(t.read(1 << 40), Ok(0));
    assert_eq!(t.snapshot(), vec![(0, 3), (n - 1, 7)]);
    assert_eq!(t.context(12345).map(|c| c.delta_count()), Ok(2));
    assert_eq!(t.swap(n - 1, None), Ok(7));
    assert_eq!(
        t.load(n, 1),
        Err(AtomikError::AddressOutOfRange {
            addr: n,
            num_contexts: n
        })
    );
}

proptest! {
    #[test]
    fn accum_is_self_inverse_at_every_address(
        width in 1u32..=64, n in 1u64..64, a in any::<u64>(), v in any::<u64>(), d in any::<u64>()
    ) {
        let mut t = table(width, n);
        let a = a % n;
        t.load(a, v).expect("in range");
        let before = t.read(a).expect("in range");
        t.accum(a, d).expect("in range");
        t.rollback(a, d).expect("in range");
        prop_assert_eq!(t.read(a), Ok(before));
    }

    #[test]
    fn batch_accum_equals_sequential_accum(
        width in 1u32..=64,
        n in 1u64..32,
        pairs in prop::collection::vec((any::<u64>(), any::<u64>()), 0..40),
    ) {
        let pairs: Vec<(u64, u64)> = pairs.into_iter().map(|(a, d)| (a % n, d)).collect();
        let mut batched = table(width, n);
        batched.batch_accum(&pairs).expect("all in range");
        let mut sequential = table(width, n);
        for &(a, d) in &pairs {
            sequential.accum(a, d).expect("in range");
        }
        prop_assert_eq!(contents(&batched), contents(&sequential));
    }

    #[test]
    fn atomic_batch_leaves_state_unchanged_on_error(
        width in 1u32..=64,
        n in 1u64..32,
        setup in prop::collection::vec((any::<u64>(), any::<u64>()), 0..16),
        mut pairs in prop::collection::vec((any::<u64>(), any::<u64>()), 0..20),
        bad_at in any::<prop::sample::Index>(),
        bad_addr in any::<u64>(),
    ) {
        let mut t = table(width, n);
        for &(a, v) in &setup {
            t.load(a % n, v).expect("in range");
        }
        for p in pairs.iter_mut() {
            p.0 %= n;
        }
        let bad = n + bad_addr % (u64::MAX - n);
        pairs.insert(bad_at.index(pairs.len() + 1), (bad, 1));
        let before = contents(&t);
        let err = t.batch_accum(&pairs);
        prop_assert_eq!(err, Err(AtomikError::AddressOutOfRange { addr: bad, num_contexts: n }));
        prop_assert_eq!(contents(&t), before);
    }

    #[test]
    fn every_failed_op_changes_nothing_and_table_matches_per_address_contexts(
        width in prop::sample::select(vec![1u32, 3, 63, 64]),
        n in 1u64..8,
        ops in prop::collection::vec(op(8), 0..60),
    ) {
        let mut t = table(width, n);
        let mut model: Vec<Context> = (0..n).map(|_| Context::new(width).expect("valid")).collect();
        for op in &ops {
            let before = contents(&t);
            let addr = match *op { Op::Load(a, _) | Op::Accum(a, _) | Op::Swap(a, _) => a };
            let result = apply(&mut t, op);
            if addr < n {
                prop_assert_eq!(result, Ok(()));
                let c = &mut model[addr as usize];
                match *op {
                    Op::Load(_, v) => c.load(v),
                    Op::Accum(_, d) => c.accum(d),
                    Op::Swap(_, v) => { c.swap(v); }
                }
            } else {
                prop_assert_eq!(result, Err(AtomikError::AddressOutOfRange { addr, num_contexts: n }));
                prop_assert_eq!(contents(&t), before);
            }
        }
        for (a, c) in (0..n).zip(&model) {
            prop_assert_eq!(t.read(a), Ok(c.read()));
            prop_assert_eq!(t.read(a).map(|s| s & !c.mask()), Ok(0));
        }
        let expect: Vec<(u64, u64)> =
            (0..n).zip(&model).filter(|(_, c)| c.read() != 0).map(|(a, c)| (a, c.read())).collect();
        prop_assert_eq!(t.snapshot(), expect);
    }

    #[test]
    fn dense_and_sparse_storage_agree(
        pairs in prop::collection::vec((0u64..64, any::<u64>(), any::<bool>()), 0..60),
    ) {
        // Same first 64 addresses, one table dense and one sparse.
        let mut dense = table(16, 64);
        let mut sparse = table(16, DENSE_LIMIT + 1);
        for &(a, v, is_load) in &pairs {
            if is_load {
                dense.load(a, v).expect("in range");
                sparse.load(a, v).expect("in range");
            } else {
                dense.accum(a, v).expect("in range");
                sparse.accum(a, v).expect("in range");
            }
        }
        prop_assert_eq!(dense.snapshot(), sparse.snapshot());
        for a in 0..64 {
            prop_assert_eq!(dense.context(a).map(|c| c.delta_count()), sparse.context(a).map(|c| c.delta_count()));
        }
    }

    #[test]
    fn accum_slice_equals_accum_of_each_delta_at_an_address(
        width in 1u32..=64, ds in prop::collection::vec(any::<u64>(), 0..200)
    ) {
        let mut a = table(width, 4);
        let mut b = table(width, 4);
        a.accum_slice(2, &ds).expect("in range");
        for &d in &ds {
            b.accum(2, d).expect("in range");
        }
        prop_assert_eq!(contents(&a), contents(&b));
    }
}
