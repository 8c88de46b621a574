//! One enable group of the on-chip generator: [`GROUP_LANES`] lanes, each a fixed rotation of
//! a different source's word, behind one run-time enable.
//!
//! Group g's word is `en_g & (x_0 ^ x_1 ^ x_2)`, `x_m` lane `3g + m`'s delta
//! ([`super::lane::lane_delta`]): four inputs per output bit, one LUT4 per bit for three
//! lanes. The merge tree then reduces a third as many words as with a tap per lane, and the
//! enable flip-flops are a third as many. Why the lanes stay unfoldable is in
//! [`super::lane`].

use super::lane::{
    above_constant, group_count, lane_delta, lane_rotation, rotl64_verilog, GROUP_LANES,
    LANES_PER_SOURCE,
};
use rust_hdl::prelude::*;

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

/// Group `index`'s word: `en ? low_W(XOR over members m of rotl64(word_m, r_m)) : 0`, `en`
/// loaded on `load` as `3 * index < active_lanes`.
#[derive(LogicBlock)]
pub struct GroupTap<const W: usize> {
    pub clock: Signal<In, Clock>,
    /// Member 0's, 1's and 2's source words (a member the group lacks ignores its word: the
    /// last group of a core whose lane count is not a multiple of 3 is short).
    pub word_a: Signal<In, Bits<64>>,
    pub word_b: Signal<In, Bits<64>>,
    pub word_c: Signal<In, Bits<64>>,
    /// Loads the enable from `active_lanes` (at the launch of a generator run).
    pub load: Signal<In, Bit>,
    pub active_lanes: Signal<In, Bits<11>>,
    /// The group's word in this cycle.
    pub delta: Signal<Out, Bits<W>>,
    enabled: Signal<Local, Bit>,
    _index: usize,
    /// Lanes in this group: 3, or fewer for the last group.
    _members: usize,
}

impl<const W: usize> GroupTap<W> {
    /// Group `index` of a core with `lanes` lanes.
    pub fn new(index: usize, lanes: usize) -> Self {
        assert!(
            index < group_count(lanes),
            "group {index} out of range: {lanes} lanes make {} groups",
            group_count(lanes)
        );
        GroupTap {
            clock: Default::default(),
            word_a: Default::default(),
            word_b: Default::default(),
            word_c: Default::default(),
            load: Default::default(),
            active_lanes: Default::default(),
            delta: Default::default(),
            enabled: Default::default(),
            _index: index,
            _members: (lanes - GROUP_LANES * index).min(GROUP_LANES),
        }
    }

    fn first_lane(&self) -> usize {
        GROUP_LANES * self._index
    }
}

impl<const W: usize> Logic for GroupTap<W> {
    fn update(&mut self) {
        if self.clock.pos_edge() && self.load.val() {
            self.enabled.next = self.active_lanes.val().index() > self.first_lane();
        }
        let words = [
            self.word_a.val().to_u64(),
            self.word_b.val().to_u64(),
            self.word_c.val().to_u64(),
        ];
        let mixed = (0..self._members).fold(0u64, |acc, m| {
            acc ^ lane_delta(self.first_lane() + m, words[m], W as u32)
        });
        self.delta.next = if self.enabled.val() {
            mixed.to_bits()
        } else {
            Bits::<W>::default()
        };
    }

    fn connect(&mut self) {
        self.delta.connect();
        self.enabled.connect();
    }

    fn hdl(&self) -> Verilog {
        let terms: Vec<String> = ["word_a", "word_b", "word_c"]
            .iter()
            .take(self._members)
            .enumerate()
            .map(|(m, word)| rotl64_verilog(word, lane_rotation(self.first_lane() + m)))
            .collect();
        Verilog::Custom(format!(
            "\
wire [63:0] mixed = {mixed};
initial enabled = 1'b0;
always @(posedge clock) if (load) enabled <= {above};
always @(*) delta = enabled ? mixed[{msb}:0] : {W}'d0;
",
            mixed = terms.join(" ^ "),
            above = above_constant("active_lanes", self.first_lane()),
            msb = W - 1,
        ))
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![TimingInfo {
            name: "group_tap".into(),
            clock: "clock".into(),
            inputs: vec!["load".into(), "active_lanes".into()],
            outputs: vec!["delta".into()],
        }]
    }
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
