//! The cycle-exact model of the single-context multi-lane core
//! (`atomik_hdl::lanes::single::SingleLaneCore`): the algebra's [`Context`] for the state, the
//! generator stepped clock by clock, and the core's registers that are visible at its ports.
//!
//! Timing mirrors the RTL's documented behaviour: lane deltas of clock t reach the state stage
//! with the command taken in clock t, L = tree latency clocks later; the command applies after
//! them; its response (STATUS read at the state stage) sits in a register for one clock, enters
//! the queue the clock after and is visible L + 2 clocks after the handshake. GEN_RUN launches
//! two clocks after it is taken (see [`GeneratorModel`]).

use crate::dut::{CoreInputs, CoreOutputs, Dut};
use crate::generator_model::GeneratorModel;
use crate::model::Context;
use atomik_hdl::config::RESPONSE_QUEUE_DEPTH;
use atomik_hdl::lanes::lane::{lane_rotation, lane_source};
use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::{CoreConfig, Op};
use std::collections::VecDeque;

/// Opcode of the multi-lane core's commands beyond [`Op`] (4-bit `cmd_op`).
pub const OP_GEN_SEED: u8 = 6;
pub const OP_GEN_RUN: u8 = 7;
pub const OP_STATUS: u8 = 8;

/// GEN_RUN's `cmd_data`: run `clocks` (< 2^40) clocks with `active_lanes` lanes.
pub fn gen_run_word(clocks: u64, active_lanes: u32) -> u64 {
    (clocks & ((1 << 40) - 1)) | ((active_lanes as u64 & 0x7ff) << 40)
}

/// Per source, the rotations its first `enabled` lanes apply, as a mask: bit r set when an
/// enabled lane of the source rotates its word by r (a source's lanes have distinct
/// rotations, see `atomik_hdl::lanes::lane`). `sources` masks, computed once per run.
pub fn rotation_masks(sources: usize, enabled: usize) -> Vec<u64> {
    let mut masks = vec![0u64; sources];
    for i in 0..enabled {
        masks[lane_source(i)] |= 1 << lane_rotation(i);
    }
    masks
}

/// XOR of `word.rotate_left(r)` for every set bit r of `mask`: a cyclic carry-less product,
/// symmetric in its two operands, so it loops over the sparser one's set bits.
fn rotations_xor(word: u64, mask: u64) -> u64 {
    let (mut bits, other) = if word.count_ones() < mask.count_ones() {
        (word, mask)
    } else {
        (mask, word)
    };
    let mut xor = 0;
    while bits != 0 {
        xor ^= other.rotate_left(bits.trailing_zeros());
        bits &= bits - 1;
    }
    xor
}

/// XOR of the deltas of the enabled lanes fed from source `words`, masked to `width`, with
/// `masks` from [`rotation_masks`] for the enabled-lane count.
///
/// Performance (this runs every simulated clock, and was the model's largest cost): a
/// source's enabled lanes XOR rotations of one word, so their XOR is one cyclic product
/// ([`rotations_xor`]), at most 32 rotations per source instead of one per lane, and masking
/// to the width commutes with XOR. The same value as folding `lane_delta` over the enabled
/// lanes (checked by `lane_xor_equals_the_per_lane_fold`).
pub fn lane_xor(words: &[u64], masks: &[u64], width: u32) -> u64 {
    let mut xor = 0;
    for (&word, &mask) in words.iter().zip(masks) {
        if word != 0 && mask != 0 {
            xor ^= rotations_xor(word, mask);
        }
    }
    match width {
        64.. => xor,
        w => xor & ((1 << w) - 1),
    }
}

/// The model of `SingleLaneCore`.
pub struct LanesModel {
    config: LanesConfig,
    state: Context,
    /// Lane-delta XORs in flight in the tree, oldest first (always tree-latency entries).
    tree: VecDeque<u64>,
    /// Commands in the delay line, oldest first (always tree-latency entries).
    delay: VecDeque<Option<(u8, u64)>>,
    /// The response register between the state stage and the queue.
    rsp_reg: Option<u64>,
    responses: VecDeque<u64>,
    ready: bool,
    in_flight: u32,
    illegal: bool,
    generator: GeneratorModel,
    cycles: u64,
}

impl LanesModel {
    pub fn new(config: LanesConfig) -> Self {
        let latency = config.tree_latency() as usize;
        LanesModel {
            config,
            state: Self::fresh_state(config),
            tree: VecDeque::from(vec![0; latency]),
            delay: VecDeque::from(vec![None; latency]),
            rsp_reg: None,
            responses: VecDeque::new(),
            ready: false,
            in_flight: 0,
            illegal: false,
            generator: GeneratorModel::new(config.lanes),
            cycles: 0,
        }
    }

    fn fresh_state(config: LanesConfig) -> Context {
        Context::new(config.width).expect("a validated LanesConfig width is a valid model width")
    }

    /// XOR of every lane's delta in the current clock (see [`lane_xor`]).
    fn lane_xor(&self) -> u64 {
        lane_xor(
            self.generator.words(),
            self.generator.rotation_masks(),
            self.config.width,
        )
    }

    fn status(&self, index: u64) -> u64 {
        self.generator.status(index, &self.config, self.cycles)
    }

    /// The state stage: absorb the tree output, then apply the command that arrives with it.
    fn state_stage(&mut self, tree_out: u64, command: Option<(u8, u64)>) -> Option<u64> {
        let s = &mut self.state;
        s.accum(tree_out);
        let (op, data) = command?;
        match Op::from_code(op) {
            Some(Op::Load) => s.load(data),
            Some(Op::Accum) => s.accum(data),
            Some(Op::Read) => return Some(s.read()),
            Some(Op::Swap) => return Some(s.swap(None)),
            Some(Op::SwapLoad) => return Some(s.swap(Some(data))),
            _ if op == OP_STATUS => return Some(self.status(data)),
            _ => {}
        }
        None
    }
}

impl Dut for LanesModel {
    fn config(&self) -> CoreConfig {
        // The datapath shape: one context of `width` bits.
        CoreConfig {
            width: self.config.width,
            contexts: 1,
        }
    }

    fn backend(&self) -> &'static str {
        "model"
    }

    fn outputs(&self) -> CoreOutputs {
        CoreOutputs::from_queue(self.ready, &self.responses, self.illegal)
    }

    fn step(&mut self, i: &CoreInputs) {
        let fire = i.cmd_valid && self.ready;
        let op = i.cmd_op & 0xf;
        let pop = i.rsp_ready && !self.responses.is_empty();
        let lanes_now = self.lane_xor();

        // State stage: the command and lane deltas of L clocks ago.
        let tree_out = self.tree.pop_front().unwrap_or(0);
        let command = self.delay.pop_front().flatten();
        if pop {
            self.responses.pop_front();
        }
        if let Some(r) = self.rsp_reg.take() {
            self.responses.push_back(r);
        }
        self.rsp_reg = self.state_stage(tree_out, command);
        self.tree.push_back(lanes_now);
        self.delay.push_back(fire.then_some((op, i.cmd_data)));

        // Generator: never paused in single mode.
        let sample = self.generator.sample();
        self.generator.step();
        let launched = !i.reset && self.generator.launch().is_some();
        if fire && !i.reset {
            self.generator.command(op, i.cmd_data, 0);
        }

        self.illegal |= fire && op > OP_STATUS;
        let responds = fire && (op == OP_STATUS || Op::from_code(op).is_some_and(Op::responds));
        self.in_flight = self.in_flight + responds as u32 - pop as u32;
        if i.reset {
            self.state = Self::fresh_state(self.config);
            self.rsp_reg = None;
            self.responses.clear();
            self.in_flight = 0;
            self.illegal = false;
            self.generator.reset();
            // The RTL drops what is in the tree and the delay line.
            self.tree.iter_mut().for_each(|t| *t = 0);
            self.delay.iter_mut().for_each(|d| *d = None);
        }
        self.generator.end_clock(sample, launched);
        self.ready = !i.reset && self.in_flight < RESPONSE_QUEUE_DEPTH;
        self.cycles += 1;
    }

    fn cycles(&self) -> u64 {
        self.cycles
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cosim::SplitMix64;
    use atomik_hdl::lanes::generator::source_count;
    use atomik_hdl::lanes::lane::lane_delta;

    /// The cyclic products in [`lane_xor`] against the plain per-lane definition, for
    /// every enabled-lane count, partial and full source groups, narrow and full widths.
    #[test]
    fn lane_xor_equals_the_per_lane_fold() {
        // Well-mixed words, not the generator's own steps: successive LFSR words are shifts
        // of each other, which could hide a wrong source or rotation.
        let mut rng = SplitMix64::new(0x0123_4567_89ab_cdef);
        let mut x = 0;
        for (lanes, width) in [
            (1, 64),
            (16, 8),
            (64, 64),
            (128, 32),
            (1024, 64),
            (1024, 16),
        ] {
            let mut words = vec![0u64; source_count(lanes as usize)];
            for w in words.iter_mut() {
                x = rng.next_u64();
                *w = x;
            }
            if let Some(w) = words.get_mut(1) {
                *w = 0; // a stopped source is skipped
            }
            for n in 0..=lanes as usize {
                let fold = (0..n).fold(0, |acc, i| {
                    acc ^ lane_delta(i, words[lane_source(i)], width)
                });
                assert_eq!(
                    lane_xor(&words, &rotation_masks(words.len(), n), width),
                    fold,
                    "lanes {lanes} width {width} enabled {n}"
                );
            }
        }
        for mask in [
            0u64,
            1,
            0x8000_0000_0000_0001,
            u64::MAX,
            0x00ff_0f0f_1234_5678,
        ] {
            let fold = (0..64)
                .filter(|r| mask >> r & 1 == 1)
                .fold(0, |acc, r| acc ^ x.rotate_left(r));
            assert_eq!(rotations_xor(x, mask), fold, "mask {mask:#x}");
        }
    }
}
