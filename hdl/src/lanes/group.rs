//! Which source word copy each group's lanes read in the single core. A group is
//! [`GROUP_LANES`] lanes, each a fixed rotation of a different source's word (see
//! [`super::lane`]); four groups make a bank, the unit of the run-time enable
//! ([`super::bank`]). A source word bit feeds one lane of each of its block's 63 groups, so
//! the core keeps copies of each word, each feeding a chunk of `fanout` groups
//! ([`super::LanesConfig::copy_fanout`]).

use super::lane::{group_count, GROUP_LANES, LANES_PER_SOURCE};

/// Copies of one source's word: its 63 lanes, one in each of its block's 63 groups, in
/// chunks of `fanout` groups.
pub fn copies_per_source(fanout: usize) -> usize {
    LANES_PER_SOURCE.div_ceil(fanout)
}

/// The [`super::source::WordCopy`] member `member` of group `group` reads in the single core,
/// with `fanout` groups per copy ([`super::LanesConfig::copy_fanout`]): copies are numbered
/// by (block, chunk of `fanout` groups of the block, member), so a copy feeds at most
/// `fanout` groups and the copies a core uses are numbered without gaps (the `(* keep *)`
/// copies must all have loads).
pub fn word_copy(group: usize, member: usize, fanout: usize) -> usize {
    let block = group / LANES_PER_SOURCE;
    let chunk = (group % LANES_PER_SOURCE) / fanout;
    (block * copies_per_source(fanout) + chunk) * GROUP_LANES + member
}

/// The source word copy `copy` holds (see [`word_copy`]).
pub fn word_copy_source(copy: usize, fanout: usize) -> usize {
    GROUP_LANES * (copy / (copies_per_source(fanout) * GROUP_LANES)) + copy % GROUP_LANES
}

/// Word copies a single core of `lanes` lanes uses: the highest copy any lane reads, plus
/// one (not always the last lane's: a short last group lacks the last member).
pub fn word_copies(lanes: usize, fanout: usize) -> usize {
    (0..lanes)
        .map(|i| word_copy(i / GROUP_LANES, i % GROUP_LANES, fanout) + 1)
        .max()
        .unwrap_or(0)
}

/// Chunks of `fanout` groups within a block, for `lanes` lanes: the last group's chunk, plus
/// one (chunk of group g: `(g / 63) * copies_per_source(fanout) + (g % 63) / fanout`).
pub fn group_chunks(lanes: usize, fanout: usize) -> usize {
    word_copy(group_count(lanes) - 1, 0, fanout) / GROUP_LANES + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lanes::generator::source_count;
    use crate::lanes::lane::lane_source;
    use std::collections::HashSet;

    #[test]
    fn word_copies_serve_the_right_source_without_gaps() {
        for fanout in [1usize, 8, 16, 63] {
            for lanes in [1usize, 2, 4, 8, 16, 64, 128, 256, 1024] {
                let mut used = HashSet::new();
                for i in 0..lanes {
                    let copy = word_copy(i / GROUP_LANES, i % GROUP_LANES, fanout);
                    assert_eq!(word_copy_source(copy, fanout), lane_source(i), "lane {i}");
                    assert!(word_copy_source(copy, fanout) < source_count(lanes));
                    used.insert(copy);
                }
                assert_eq!(used.len(), word_copies(lanes, fanout), "{lanes} lanes");
                assert!(used.iter().all(|&c| c < word_copies(lanes, fanout)));
            }
        }
    }

    #[test]
    fn a_copy_feeds_at_most_fanout_lanes() {
        for fanout in [1usize, 8, 16, 63] {
            let mut per_copy = vec![0usize; word_copies(1024, fanout)];
            for i in 0..1024 {
                per_copy[word_copy(i / GROUP_LANES, i % GROUP_LANES, fanout)] += 1;
            }
            assert!(per_copy.iter().all(|&n| n <= fanout), "fan-out {fanout}");
        }
    }
}
