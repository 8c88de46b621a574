//! Shape of the pipelined XOR merge tree, shared by the RTL, the model and the reports.
//!
//! The tree is a binary heap sized by N, the lane count rounded up to a power of two
//! ([`super::LanesConfig::tree_leaves`]; the functions here take that N): node 1 is the root,
//! node k's children are 2k and 2k+1, and heights count from the N virtual lane leaves
//! N..2N-1 (height 0); leaves past the last lane (or bank) are zero. Internal nodes at height h are
//! registered when `h % register_every == 0`, below the root; one output register follows the root.
//!
//! The single and shared cores feed the tree one word per bank of twelve lanes
//! ([`super::bank`]), not one per lane: bank b enters at node `N/8 + b`, height 3 (see
//! [`bank_slots`]; the N/8 slots hold the ceil(N/12) banks, the rest are zero and synthesis
//! drops them), or at the root when N < 8. A bank word is two LUT4 levels (three 4-input
//! XORs, then the enable and their XOR), the subtree of heights 1 to 3 it replaces: with
//! `register_every` 3 (the default, [`super::DEFAULT_REGISTER_EVERY`]) the bank slots are the
//! first registered stage, and above them an 8:1 XOR of registers is also two LUT levels, so
//! the tree never sets the clock however many lanes it merges. With 1 or 2 the levels above
//! the banks are registered more often ([`bank_latency`] counts what is built). The table
//! core still has a leaf per lane (a partial table each) and the plain heap ([`latency`]).

/// Height of the nodes the banks feed: a bank covers eight lane leaves' worth of the heap
/// (it holds twelve lanes, fewer than the sixteen of the next height).
pub const BANK_HEIGHT: u32 = 3;

/// The first node that takes a bank word in a tree for `lanes` lanes (`lanes` a power of
/// two): bank b feeds node `bank_slots(lanes) + b`; the tree has `2 * bank_slots(lanes)`
/// nodes. N/8 (height 3) for N >= 8; below that the root itself (one bank holds every lane).
pub fn bank_slots(lanes: usize) -> usize {
    (lanes >> BANK_HEIGHT).max(1)
}

/// Clocks from a lane delta to the output of a tree fed by banks: the registered nodes on the
/// way from a bank slot to the root, plus the output register.
pub fn bank_latency(lanes: usize, register_every: u32) -> u32 {
    let mut k = bank_slots(lanes);
    let mut registered = 0;
    while k > 1 {
        registered += u32::from(is_registered(k, lanes, register_every));
        k /= 2;
    }
    registered + 1
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
    fn the_bank_slots_hold_every_bank() {
        for lanes in 1usize..=1024 {
            let leaves = lanes.next_power_of_two();
            assert!(
                super::super::lane::bank_count(lanes) <= bank_slots(leaves),
                "{lanes}"
            );
        }
    }

    /// With the default shape the banks take the place of the registered height-3 nodes, so
    /// the latency is the plain heap's.
    #[test]
    fn bank_latency_is_the_heaps_with_the_default_shape() {
        for lanes in [1usize, 2, 4, 8, 16, 32, 64, 256, 1024] {
            assert_eq!(bank_latency(lanes, 3), latency(lanes, 3), "{lanes}");
        }
        assert_eq!(bank_latency(16, 1), 4 - 2);
        assert_eq!(bank_latency(1024, 1), 10 - 2);
        assert_eq!(bank_latency(4, 1), 1);
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
