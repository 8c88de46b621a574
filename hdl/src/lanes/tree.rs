//! Shape of the pipelined XOR merge tree, shared by the RTL, the model and the reports.
//!
//! The tree is a binary heap sized by N, the lane count rounded up to a power of two
//! ([`super::LanesConfig::tree_leaves`]; the functions here take that N): node 1 is the root,
//! node k's children are 2k and 2k+1, and heights count from the N virtual lane leaves
//! N..2N-1 (height 0); leaves past the last lane (or group) are zero. Internal nodes at height h are registered when
//! `h % register_every == 0`, below the root; one output register follows the root.
//!
//! The single and shared cores feed the tree one registered word per enable group of four
//! lanes ([`super::group`]), not one per lane: group g's register enters at node `N/4 + g`,
//! height 2 (see [`group_slots`]; the N/4 slots hold the ceil(N/4) groups, the rest are zero
//! and synthesis drops them). The group registers are the tree's first registered level;
//! above them internal nodes are registered at heights `2 + k * register_every`
//! ([`is_registered_above_groups`]). With `register_every` 3 (the default,
//! [`super::DEFAULT_REGISTER_EVERY`]) each registered stage above the groups is an 8:1 XOR of
//! registers, two LUT4 levels, so the tree never sets the clock however many lanes it merges.
//! The table core has a leaf per lane (a partial table each) and the rule [`is_registered`].

/// The first node that takes a group word in a tree for `lanes` lanes: group g feeds node
/// `group_slots(lanes) + g`; the tree has `2 * group_slots(lanes)` nodes. N/4 (height 2) for
/// N >= 4; for up to four lanes the root itself.
pub fn group_slots(lanes: usize) -> usize {
    (lanes / super::lane::GROUP_LANES).max(1)
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

/// Whether internal node `k` (1 <= k < group_slots) of a tree fed by group registers is a
/// register: heights `2 + k * register_every` above the groups, below the root.
pub fn is_registered_above_groups(k: usize, lanes: usize, register_every: u32) -> bool {
    let h = height(k, lanes);
    k > 1 && h > 2 && (h - 2).is_multiple_of(register_every)
}

/// Clocks from a lane's source word to the output of a tree fed by group registers: the
/// group register, the registered levels above it and the output register.
pub fn group_latency(lanes: usize, register_every: u32) -> u32 {
    let levels = lanes.trailing_zeros();
    // Registered heights are 2 + k * register_every in 3..levels (the root, at `levels`, is not).
    let inner = levels.saturating_sub(3) / register_every;
    inner + 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_group_slots_hold_every_group() {
        for lanes in [1usize, 2, 4, 8, 16, 64, 128, 1024] {
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

    #[test]
    fn group_latency_matches_the_registered_nodes_on_a_path() {
        for lanes in [1usize, 2, 4, 8, 16, 32, 64, 256, 1024] {
            for every in 1..=3 {
                // Walk from group 0's slot to the root; the group register counts one.
                let mut k = group_slots(lanes);
                let mut regs = 0;
                while k > 1 {
                    k /= 2;
                    if is_registered_above_groups(k, lanes, every) {
                        regs += 1;
                    }
                }
                assert_eq!(
                    group_latency(lanes, every),
                    regs + 2,
                    "lanes {lanes} every {every}"
                );
            }
        }
        // 141 lanes (256 leaves), every third level: groups, height 5, output.
        assert_eq!(group_latency(256, 3), 3);
        assert_eq!(group_latency(8, 3), 2);
    }
}
