//! How the on-chip generator's lanes map onto its sources, and one lane of the table mode.
//!
//! Lane `i` feeds a fixed rotation of one source word (see [`lane_source`], [`lane_rotation`]).
//! The rotation is wiring (free); what keeps every lane physically present is a run-time
//! enable: the XOR of fixed rotations of shared words is a fixed linear map that a synthesiser
//! could collapse into a few lanes' worth of logic, but a sum whose terms a run switches on
//! and off (`M`, from GEN_RUN) cannot be.
//!
//! Lanes come in groups of [`GROUP_LANES`] (three lanes on three different sources), and
//! groups in banks of [`BANK_GROUPS`], one enable flip-flop per bank: the single and shared
//! cores compute a bank's word as `en & (p0 ^ p1 ^ p2)`, each `p` the XOR of four of its twelve
//! lanes, four LUT4s per bit for twelve lanes (see [`super::bank`]). The table mode keeps a
//! tap per lane ([`LaneTap`]) but enables it by the same bank rule, so every mode has one
//! activity rule, [`active_lanes`].
//!
//! Why the lanes still cannot fold: at every output bit, every lane's data bit is a distinct
//! flip-flop bit (distinct source, or the same source at a distinct rotation), and no two
//! groups XOR the same three bits at any output bit (the members' rotation differences differ
//! from group to group, see [`ROTATION_STEP`]), nor do any two of the banks' four-lane XORs
//! (checked in [`super::bank`]). Were two lanes to share a bit `x`,
//! `en_g & x ^ en_h & x = (en_g ^ en_h) & x` would compute it once; were two places to XOR
//! the same source bits, that XOR would be computed once and shared. Both are checked by the
//! tests for every lane count up to [`super::MAX_LANES`].

use rust_hdl::prelude::*;

/// Lanes per group: three lanes, each on a different source of its block, whose rotations
/// differ from group to group (see [`ROTATION_STEP`]). Groups fix how lanes map onto sources
/// and word copies; the run-time enable is per bank ([`BANK_GROUPS`]).
pub const GROUP_LANES: usize = 3;

/// Groups per run-time enable (a bank). A bank's word bit is a function of its twelve lanes'
/// data bits and its enable, 13 inputs: four LUT4s in two levels (three 4-input XORs, then
/// the enable and their XOR), the least a LUT4 can do. A group of three behind an enable of
/// its own took one LUT4 per bit and the merge tree one more per four groups: five LUT4s
/// per twelve lanes. Cost: a run enables lanes twelve at a time ([`active_lanes`]).
pub const BANK_GROUPS: usize = 4;

/// Lanes per run-time enable: [`BANK_GROUPS`] groups of [`GROUP_LANES`].
pub const BANK_LANES: usize = BANK_GROUPS * GROUP_LANES;

/// Lanes sharing one source word. 63, not 64: the XOR of all 64 rotations of a word is its
/// parity on every bit, so a source feeding 64 lanes would feed a run whose sum says almost
/// nothing; the XOR of any odd number of distinct rotations is an invertible map over GF(2),
/// so a full source's 63 lanes never collapse.
pub const LANES_PER_SOURCE: usize = 63;

/// Lanes of one block: [`GROUP_LANES`] sources, each feeding one lane of each of the block's
/// [`LANES_PER_SOURCE`] groups (member m of every group takes source `3 * block + m`).
pub const LANES_PER_BLOCK: usize = GROUP_LANES * LANES_PER_SOURCE;

/// Member m of group k (within its block) rotates its source word by
/// `k * ROTATION_STEP[m] mod 63`. Each step is coprime to 63, so each source's lanes take 63
/// distinct rotations (never all 64, see [`LANES_PER_SOURCE`]); and the difference between
/// member 1's and member 0's rotation (`k` for k < 32, `k + 1` for k >= 32, mod 64) is
/// distinct for every group of a block, so no two groups XOR the same three source bits at
/// any output bit. With one rotation for all three members a group's word would be
/// `rotl(w_a ^ w_b ^ w_c, k)`: one shared XOR, and each group a two-input gate.
pub const ROTATION_STEP: [usize; GROUP_LANES] = [1, 2, 4];

/// Groups for `lanes` lanes (the last one short when `lanes` is not a multiple of 3).
pub fn group_count(lanes: usize) -> usize {
    lanes.div_ceil(GROUP_LANES)
}

/// The bank (run-time enable) of lane `index`.
pub fn lane_bank(index: usize) -> usize {
    index / BANK_LANES
}

/// Banks for `lanes` lanes (the last one short when `lanes` is not a multiple of 12).
pub fn bank_count(lanes: usize) -> usize {
    lanes.div_ceil(BANK_LANES)
}

/// The source lane `index` takes its word from.
pub fn lane_source(index: usize) -> usize {
    GROUP_LANES * (index / LANES_PER_BLOCK) + (index % LANES_PER_BLOCK) % GROUP_LANES
}

/// The rotation lane `index` applies to its source word.
pub fn lane_rotation(index: usize) -> u32 {
    let j = index % LANES_PER_BLOCK;
    ((j / GROUP_LANES) * ROTATION_STEP[j % GROUP_LANES] % LANES_PER_SOURCE) as u32
}

/// Lane `index`'s delta for source word `word`, as the hardware computes it.
pub fn lane_delta(index: usize, word: u64, width: u32) -> u64 {
    let rotated = word.rotate_left(lane_rotation(index));
    if width >= 64 {
        rotated
    } else {
        rotated & ((1u64 << width) - 1)
    }
}

/// The source bits lanes `lanes` read at output bit `bit`, sorted: what an XOR of those lanes
/// computes there (the tests compare these sets to show no two places XOR the same bits).
#[cfg(test)]
pub(crate) fn sorted_source_bits(lanes: std::ops::Range<usize>, bit: u32) -> Vec<(usize, u32)> {
    let mut bits: Vec<(usize, u32)> = lanes
        .map(|i| (lane_source(i), (bit + 64 - lane_rotation(i)) % 64))
        .collect();
    bits.sort_unstable();
    bits
}

/// Lanes a run enables on a core of `lanes` lanes when GEN_RUN asks for `requested`: bank b
/// (lanes 12b..12b+11) is on when `12b < requested`, so the count is `requested` rounded up
/// to a multiple of [`BANK_LANES`], at most `lanes`. Every mode, the generator's delta
/// counter, the models and the host's predictions use this one rule.
pub fn active_lanes(lanes: u32, requested: u32) -> u32 {
    (requested.div_ceil(BANK_LANES as u32) * BANK_LANES as u32).min(lanes)
}

/// Table mode's lane `index`: `en ? low_W(rotl64(word, rotation)) : 0`, `en` loaded on `load`
/// as "bank of `index` enabled" (see [`active_lanes`]).
#[derive(LogicBlock)]
pub struct LaneTap<const W: usize> {
    pub clock: Signal<In, Clock>,
    /// The source word (see [`super::source::DeltaSource`]).
    pub word: Signal<In, Bits<64>>,
    /// Loads the enable from `active_lanes` (at the launch of a generator run).
    pub load: Signal<In, Bit>,
    pub active_lanes: Signal<In, Bits<11>>,
    /// This lane's delta in this cycle.
    pub delta: Signal<Out, Bits<W>>,
    enabled: Signal<Local, Bit>,
    _index: usize,
    _rotation: u32,
}

impl<const W: usize> LaneTap<W> {
    pub fn new(index: usize) -> Self {
        LaneTap {
            clock: Default::default(),
            word: Default::default(),
            load: Default::default(),
            active_lanes: Default::default(),
            delta: Default::default(),
            enabled: Default::default(),
            _index: index,
            _rotation: lane_rotation(index),
        }
    }
}

/// `rotl64(word, r)` as a Verilog expression over the 64-bit signal `word` (wiring only).
pub(crate) fn rotl64_verilog(word: &str, r: u32) -> String {
    if r == 0 {
        word.to_string()
    } else {
        format!("{{{word}[{}:0], {word}[63:{}]}}", 63 - r, 64 - r)
    }
}

/// `signal > index` for an 11-bit `signal`, as AND/OR logic rather than a comparison: a
/// comparison becomes a carry chain per lane on every fabric (one ALU cell per bit on Gowin),
/// the logic maps to a couple of LUT levels. From the least significant bit up, `signal`
/// exceeds `index` on bits 0..=k when bit k is 1 and `index`'s is 0, or the bits are equal and
/// the lower bits exceed.
pub(super) fn above_constant(signal: &str, index: usize) -> String {
    let mut gt = "1'b0".to_string();
    for k in 0..11 {
        gt = if (index >> k) & 1 == 1 {
            format!("({signal}[{k}] & {gt})")
        } else {
            format!("({signal}[{k}] | {gt})")
        };
    }
    gt
}

impl<const W: usize> Logic for LaneTap<W> {
    fn update(&mut self) {
        if self.clock.pos_edge() && self.load.val() {
            self.enabled.next =
                self.active_lanes.val().index() > BANK_LANES * lane_bank(self._index);
        }
        self.delta.next = if self.enabled.val() {
            lane_delta(self._index, self.word.val().to_u64(), W as u32).to_bits()
        } else {
            Bits::<W>::default()
        };
    }

    fn connect(&mut self) {
        self.delta.connect();
        self.enabled.connect();
    }

    fn hdl(&self) -> Verilog {
        let rotated = rotl64_verilog("word", self._rotation);
        Verilog::Custom(format!(
            "\
wire [63:0] rotated = {rotated};
initial enabled = 1'b0;
always @(posedge clock) if (load) enabled <= {above};
always @(*) delta = enabled ? rotated[{msb}:0] : {W}'d0;
",
            above = above_constant("active_lanes", BANK_LANES * lane_bank(self._index)),
            msb = W - 1,
        ))
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![TimingInfo {
            name: "lane_tap".into(),
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
    use crate::lanes::MAX_LANES;
    use std::collections::HashSet;

    /// The source bit lane `index` reads at output bit `bit`.
    fn data_bit(index: usize, bit: u32) -> (usize, u32) {
        (lane_source(index), (bit + 64 - lane_rotation(index)) % 64)
    }

    #[test]
    fn every_lane_reads_a_distinct_source_bit_at_every_output_bit() {
        let lanes = MAX_LANES as usize;
        for bit in 0..64 {
            let mut seen = HashSet::new();
            for i in 0..lanes {
                assert!(
                    seen.insert(data_bit(i, bit)),
                    "lane {i} reads {:?} at output bit {bit}, as another lane does",
                    data_bit(i, bit)
                );
            }
        }
    }

    #[test]
    fn no_two_groups_xor_the_same_source_bits() {
        let lanes = MAX_LANES as usize;
        let mut seen = HashSet::new();
        for g in 0..group_count(lanes) {
            for bit in 0..64 {
                let members =
                    sorted_source_bits(GROUP_LANES * g..lanes.min(GROUP_LANES * (g + 1)), bit);
                assert!(
                    seen.insert(members.clone()),
                    "group {g} at output bit {bit} XORs {members:?}, as another group does"
                );
            }
        }
    }

    #[test]
    fn each_source_feeds_at_most_63_distinct_rotations_and_the_sources_exist() {
        let lanes = MAX_LANES as usize;
        for n in [1usize, 2, 3, 4, 8, 64, 128, 189, 190, 256, 1024] {
            let used = (0..n).map(lane_source).max().unwrap() + 1;
            assert_eq!(source_count(n), used, "{n} lanes");
        }
        let mut rotations = vec![HashSet::new(); source_count(lanes)];
        for i in 0..lanes {
            assert!(
                rotations[lane_source(i)].insert(lane_rotation(i)),
                "lane {i}"
            );
        }
        assert!(rotations.iter().all(|r| r.len() <= LANES_PER_SOURCE));
        // The three members of a group take three different sources.
        for g in 0..group_count(lanes) {
            let sources: HashSet<usize> = (GROUP_LANES * g..GROUP_LANES * (g + 1))
                .map(lane_source)
                .collect();
            assert_eq!(sources.len(), GROUP_LANES, "group {g}");
        }
    }

    #[test]
    fn active_lanes_rounds_up_to_whole_banks_within_the_core() {
        assert_eq!(active_lanes(128, 0), 0);
        assert_eq!(active_lanes(128, 1), 12);
        assert_eq!(active_lanes(128, 12), 12);
        assert_eq!(active_lanes(128, 13), 24);
        assert_eq!(active_lanes(128, 120), 120);
        assert_eq!(active_lanes(128, 121), 128);
        assert_eq!(active_lanes(128, 2047), 128);
        assert_eq!(active_lanes(1, 1), 1);
        assert_eq!(active_lanes(5, 1), 5);
        // The rule is "bank b is on when 12b < requested", counted lane by lane.
        for lanes in [1u32, 2, 4, 8, 13, 64, 128, 1024] {
            for requested in 0..1100 {
                let counted = (0..lanes)
                    .filter(|&i| BANK_LANES as u32 * (i / BANK_LANES as u32) < requested)
                    .count() as u32;
                assert_eq!(
                    active_lanes(lanes, requested),
                    counted,
                    "{lanes} {requested}"
                );
            }
        }
    }
}
