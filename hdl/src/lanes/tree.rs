//! Shape of the pipelined XOR merge tree, shared by the RTL, the model and the reports.
//!
//! The tree is a binary heap: node 1 is the root, node k's children are 2k and 2k+1, and the
//! N lanes are the leaves N..2N-1 (N a power of two). Internal nodes at height h (leaves are
//! height 0) are registered when `h % register_every == 0`, below the root; one output register
//! follows the root. Every registered stage is at most two LUT4 levels deep with
//! `register_every` 2 or 3, so the tree never sets the clock however many lanes it merges; 3
//! (the default, [`super::DEFAULT_REGISTER_EVERY`]) packs the gated leaves best: two gated lanes
//! per LUT4, then a 4:1 XOR, eight lanes per stage. Above the first stage an 8:1 XOR of
//! registers is also two LUT4 levels. 1 registers every 2:1 XOR (most flip-flops, one level).

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
