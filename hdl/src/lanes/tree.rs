//! Shape of the pipelined XOR merge tree, shared by the RTL, the model and the reports.
//!
//! The tree is a binary heap sized by N, the lane count rounded up to a power of two
//! ([`super::LanesConfig::tree_leaves`]; the functions here take that N): node 1 is the root,
//! node k's children are 2k and 2k+1, and heights count from the N virtual lane leaves
//! N..2N-1 (height 0); leaves past the last lane (or group) are zero. Internal nodes at height h are registered when
//! `h % register_every == 0`, below the root; one output register follows the root.
//!
//! The single and shared cores feed the tree one word per enable group of three lanes
//! ([`super::group`]), not one per lane: group g enters at node `N/2 + g`, height 1 (see
//! [`group_slots`]; the N/2 slots hold the ceil(N/3) groups, the rest are zero and synthesis
//! drops them). A group word is one LUT4 level (enable and three data bits), as two gated lanes
//! were, so heights and latencies are the same as with a leaf per lane: with `register_every`
//! 3 (the default, [`super::DEFAULT_REGISTER_EVERY`]) the first registered stage is a group
//! LUT4 then a 4:1 XOR, twelve lanes in two LUT4 levels; above it an 8:1 XOR of registers is
//! also two levels, so the tree never sets the clock however many lanes it merges. 1
//! registers every 2:1 XOR (most flip-flops, one level). The table core still has a leaf per
//! lane (a partial table each).

/// The first node that takes a group word in a tree for `lanes` lanes: group g feeds node
/// `group_slots(lanes) + g`; the tree has `2 * group_slots(lanes)` nodes. N/2 (height 1) for
/// N >= 2; for one lane the root itself.
pub fn group_slots(lanes: usize) -> usize {
    (lanes / 2).max(1)
}

/// Height of node `k` in a heap with `lanes` leaves (`lanes` a power of two).
pub fn height(k: usize, lanes: usize) -> u32 {
    lanes.trailing_zeros() - k.ilog2()
}

/// Whether internal node `k` (1 <= k < lanes) is a register.
pub fn is_registered(k: usize, lanes: usize, register_every: u32) -> bool {
    k > 1 && height(k, lanes).is_multiple_of(register_every)
}

/// Clocks from a lane delta to the tree output: the registered levels on the way plus the
/// output register.
pub fn latency(lanes: usize, register_every: u32) -> u32 {
    let levels = lanes.trailing_zeros();
    // Registered heights below the root are multiples of `register_every` in 1..levels.
    let inner = levels.saturating_sub(1) / register_every;
    inner + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_group_slots_hold_every_group() {
        for lanes in [1usize, 2, 4, 8, 64, 128, 1024] {
            assert!(super::super::lane::group_count(lanes) <= group_slots(lanes));
        }
    }

    #[test]
    fn latency_counts_registered_levels_plus_output() {
        assert_eq!(latency(1, 2), 1);
        assert_eq!(latency(2, 2), 1);
        assert_eq!(latency(4, 2), 1);
        assert_eq!(latency(8, 2), 2);
        assert_eq!(latency(16, 2), 2);
        assert_eq!(latency(1024, 2), 5);
        assert_eq!(latency(1024, 1), 10);
    }

    #[test]
    fn latency_matches_the_registered_nodes_on_a_path() {
        for lanes in [1usize, 2, 4, 8, 16, 32, 64, 256, 1024] {
            for every in 1..=3 {
                // Walk from leaf `lanes` (the first leaf) to the root.
                let mut k = lanes;
                let mut regs = 0;
                while k > 1 {
                    k /= 2;
                    if is_registered(k, lanes, every) {
                        regs += 1;
                    }
                }
                assert_eq!(
                    latency(lanes, every),
                    regs + 1,
                    "lanes {lanes} every {every}"
                );
            }
        }
    }
}
