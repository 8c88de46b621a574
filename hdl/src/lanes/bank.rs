//! One bank of the on-chip generator: [`BANK_LANES`] lanes (four groups of three) behind one
//! run-time enable.
//!
//! Bank b's word is `en & (p0 ^ p1 ^ p2)`, where `p_k` is the XOR of lanes `12b + 4k` to
//! `12b + 4k + 3`'s deltas ([`super::lane::lane_delta`]). Each `p_k` bit is one LUT4 and the
//! enable and the three partial XORs are a fourth: four LUT4s per bit for twelve lanes, in
//! the two LUT levels the merge tree allows per register stage. The enable is an AND in the
//! logic, not a multiplexer in front of the register: yosys would turn `en ? x : 0` at a
//! flip-flop's input into that flip-flop's synchronous reset, a control set per bank, which
//! the enable groups of four (session 15, docs/performance.md) showed to swamp the placers,
//! and then ABC maps the XOR of twelve with five LUTs per bit. Why the lanes stay
//! unfoldable is in [`super::lane`]; the four-lane XORs are checked distinct below.

use super::lane::{
    above_constant, bank_count, lane_delta, lane_rotation, rotl64_verilog, BANK_LANES,
};
use rust_hdl::prelude::*;

/// Lanes per partial XOR: a LUT4's inputs.
pub const PART_LANES: usize = 4;

/// Bank `index` of a core with `lanes` lanes: `en ? low_W(XOR over its lanes i of
/// rotl64(word_(i - 12 index), r_i)) : 0`, `en` loaded on `load` as `12 * index <
/// active_lanes`. `word_j` is the source word of the bank's lane j (lane `12 index + j`: group
/// `4 index + j / 3`, member `j % 3`); a lane the bank lacks ignores its word (the last bank
/// of a core whose lane count is not a multiple of 12 is short).
#[derive(LogicBlock)]
pub struct BankTap<const W: usize> {
    pub clock: Signal<In, Clock>,
    pub word_0: Signal<In, Bits<64>>,
    pub word_1: Signal<In, Bits<64>>,
    pub word_2: Signal<In, Bits<64>>,
    pub word_3: Signal<In, Bits<64>>,
    pub word_4: Signal<In, Bits<64>>,
    pub word_5: Signal<In, Bits<64>>,
    pub word_6: Signal<In, Bits<64>>,
    pub word_7: Signal<In, Bits<64>>,
    pub word_8: Signal<In, Bits<64>>,
    pub word_9: Signal<In, Bits<64>>,
    pub word_10: Signal<In, Bits<64>>,
    pub word_11: Signal<In, Bits<64>>,
    /// Loads the enable from `active_lanes` (at the launch of a generator run).
    pub load: Signal<In, Bit>,
    pub active_lanes: Signal<In, Bits<11>>,
    /// The bank's word in this cycle.
    pub delta: Signal<Out, Bits<W>>,
    enabled: Signal<Local, Bit>,
    _index: usize,
    /// Lanes in this bank: 12, or fewer for the last bank.
    _members: usize,
}

/// Lanes of bank `index` in a core of `lanes` lanes: 12, or fewer for the last bank.
pub fn bank_members(index: usize, lanes: usize) -> usize {
    (lanes - BANK_LANES * index).min(BANK_LANES)
}

/// Per lane offset j (0..12) within a bank, how many banks of a core with `lanes` lanes have
/// lane j: a prefix of the banks, as only the last one is short. The cores wire word j of
/// those banks and tie it to zero in the rest.
pub fn banks_with_lane(lanes: usize) -> Vec<usize> {
    (0..BANK_LANES)
        .map(|j| (lanes + BANK_LANES - 1 - j) / BANK_LANES)
        .collect()
}

impl<const W: usize> BankTap<W> {
    /// Bank `index` of a core with `lanes` lanes.
    pub fn new(index: usize, lanes: usize) -> Self {
        assert!(
            index < bank_count(lanes),
            "bank {index} out of range: {lanes} lanes make {} banks",
            bank_count(lanes)
        );
        BankTap {
            clock: Default::default(),
            word_0: Default::default(),
            word_1: Default::default(),
            word_2: Default::default(),
            word_3: Default::default(),
            word_4: Default::default(),
            word_5: Default::default(),
            word_6: Default::default(),
            word_7: Default::default(),
            word_8: Default::default(),
            word_9: Default::default(),
            word_10: Default::default(),
            word_11: Default::default(),
            load: Default::default(),
            active_lanes: Default::default(),
            delta: Default::default(),
            enabled: Default::default(),
            _index: index,
            _members: bank_members(index, lanes),
        }
    }

    fn first_lane(&self) -> usize {
        BANK_LANES * self._index
    }

    fn words(&self) -> [u64; BANK_LANES] {
        [
            &self.word_0,
            &self.word_1,
            &self.word_2,
            &self.word_3,
            &self.word_4,
            &self.word_5,
            &self.word_6,
            &self.word_7,
            &self.word_8,
            &self.word_9,
            &self.word_10,
            &self.word_11,
        ]
        .map(|w| w.val().to_u64())
    }
}

impl<const W: usize> Logic for BankTap<W> {
    fn update(&mut self) {
        if self.clock.pos_edge() && self.load.val() {
            self.enabled.next = self.active_lanes.val().index() > self.first_lane();
        }
        let words = self.words();
        let mixed = (0..self._members).fold(0u64, |acc, j| {
            acc ^ lane_delta(self.first_lane() + j, words[j], W as u32)
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
        let parts: Vec<String> = (0..self._members)
            .collect::<Vec<_>>()
            .chunks(PART_LANES)
            .map(|lanes| {
                lanes
                    .iter()
                    .map(|&j| {
                        rotl64_verilog(&format!("word_{j}"), lane_rotation(self.first_lane() + j))
                    })
                    .collect::<Vec<_>>()
                    .join(" ^ ")
            })
            .collect();
        let wires: String = parts
            .iter()
            .enumerate()
            .map(|(k, xor)| format!("wire [63:0] part_{k} = {xor};\n"))
            .collect();
        let mixed = (0..parts.len())
            .map(|k| format!("part_{k}"))
            .collect::<Vec<_>>()
            .join(" ^ ");
        Verilog::Custom(format!(
            "\
{wires}wire [63:0] mixed = {mixed};
initial enabled = 1'b0;
always @(posedge clock) if (load) enabled <= {above};
always @(*) delta = {{{W}{{enabled}}}} & mixed[{msb}:0];
",
            above = above_constant("active_lanes", self.first_lane()),
            msb = W - 1,
        ))
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![TimingInfo {
            name: "bank_tap".into(),
            clock: "clock".into(),
            inputs: vec!["load".into(), "active_lanes".into()],
            outputs: vec!["delta".into()],
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lanes::lane::sorted_source_bits;
    use crate::lanes::MAX_LANES;
    use std::collections::HashSet;

    /// The source bits a partial XOR (bank lanes `first..first + n`) reads at output bit
    /// `bit`, sorted.
    fn part_bits(first: usize, n: usize, bit: u32) -> Vec<(usize, u32)> {
        sorted_source_bits(first..first + n, bit)
    }

    /// No two partial XORs read the same source bits, at any two output bits (not even one
    /// partial at two bits): otherwise synthesis could compute that XOR once and share it.
    #[test]
    fn no_two_partial_xors_read_the_same_source_bits() {
        let lanes = MAX_LANES as usize;
        let mut seen = HashSet::new();
        for b in 0..bank_count(lanes) {
            let members = bank_members(b, lanes);
            for first in (0..members).step_by(PART_LANES) {
                let n = PART_LANES.min(members - first);
                if n < 2 {
                    continue; // a lone lane is a distinct source bit (see `lane`)
                }
                for bit in 0..64 {
                    let bits = part_bits(BANK_LANES * b + first, n, bit);
                    assert!(
                        seen.insert(bits.clone()),
                        "bank {b} lanes {first}.. at output bit {bit} XOR {bits:?}, as another \
                         partial XOR does"
                    );
                }
            }
        }
    }

    #[test]
    fn banks_cover_every_lane_once() {
        for lanes in [1usize, 2, 11, 12, 13, 135, 1024] {
            let total: usize = (0..bank_count(lanes)).map(|b| bank_members(b, lanes)).sum();
            assert_eq!(total, lanes);
            // The banks that have lane j are those with more than j members.
            for (j, &count) in banks_with_lane(lanes).iter().enumerate() {
                let having = (0..bank_count(lanes))
                    .filter(|&b| bank_members(b, lanes) > j)
                    .count();
                assert_eq!(count, having, "{lanes} lanes, offset {j}");
            }
        }
    }
}
