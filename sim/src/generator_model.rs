//! The on-chip generator and status registers as both multi-lane cycle models see them
//! (`lanes_model`, `context_table_model`): run control, sources, counters, GEN_SEED / GEN_RUN
//! decoding and the STATUS map, written once.
//!
//! A source word is non-zero only while a run is active (a run's last clock, a zero-length run
//! and reset all clear it), so stepping the words only in clocks that feed is exact.
//!
//! Timing (as `GenControl`): GEN_SEED writes the seed at the end of the clock it is taken in;
//! GEN_RUN is decoded over two clocks and launches at the end of the second clock after it
//! ([`Self::launch`]) with the seed as it stood when it was taken; a reset in between cancels
//! it.

use crate::lanes_model::rotation_masks;
use crate::lanes_model::{OP_GEN_RUN, OP_GEN_SEED};
use atomik_hdl::lanes::generator::{source_count, source_salt};
use atomik_hdl::lanes::lane::active_lanes;
use atomik_hdl::lanes::single::{StatusReg, DESIGN_ID};
use atomik_hdl::lanes::source::lfsr64;
use atomik_hdl::lanes::LanesConfig;

/// Generator state of a multi-lane core.
pub struct GeneratorModel {
    lanes: u64,
    seed: u64,
    words: Vec<u64>,
    enabled_lanes: usize,
    /// Per source, the rotations of its enabled lanes (see [`rotation_masks`]).
    masks: Vec<u64>,
    remaining: u64,
    active: bool,
    clocks: u64,
    deltas: u64,
    /// GEN_RUNs being decoded, as (`cmd_data`, seed, tag): `[0]` launches in this clock, `[1]`
    /// in the next.
    pending: [Option<(u64, u64, u64)>; 2],
    /// (clocks, deltas, busy) as STATUS reads them: as of the previous clock.
    snapshot: (u64, u64, bool),
}

/// The generator's status values at the start of a clock (see [`GeneratorModel::sample`]).
#[derive(Debug, Clone, Copy)]
pub struct Sample(u64, u64, bool);

impl GeneratorModel {
    pub fn new(lanes: u32) -> Self {
        GeneratorModel {
            lanes: lanes as u64,
            seed: 0,
            words: vec![0; source_count(lanes as usize)],
            enabled_lanes: 0,
            masks: vec![0; source_count(lanes as usize)],
            remaining: 0,
            active: false,
            clocks: 0,
            deltas: 0,
            pending: [None, None],
            snapshot: (0, 0, false),
        }
    }

    /// The source words feeding the lanes in this clock (see `lane::lane_source`).
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    /// Lanes enabled by the last GEN_RUN (whole groups, see `lane::active_lanes`).
    pub fn enabled_lanes(&self) -> usize {
        self.enabled_lanes
    }

    /// Per source, the rotations its enabled lanes apply (for `lanes_model::lane_xor`).
    pub fn rotation_masks(&self) -> &[u64] {
        &self.masks
    }

    /// A run is feeding (the generator steps in clocks it is not paused).
    pub fn active(&self) -> bool {
        self.active
    }

    /// A run feeding or being decoded.
    fn busy(&self) -> bool {
        self.active || self.pending.iter().any(Option::is_some)
    }

    /// The status values at the start of this clock; pass them to [`Self::end_clock`].
    pub fn sample(&self) -> Sample {
        Sample(self.clocks, self.deltas, self.busy())
    }

    /// Ends the clock: STATUS will read what [`Self::sample`] gave at its start, with the
    /// counters zero when a run launched in it (the RTL clears its split counters, snapshot
    /// included, at the launch).
    pub fn end_clock(&mut self, start: Sample, launched: bool) {
        let Sample(clocks, deltas, busy) = start;
        self.snapshot = if launched {
            (0, 0, busy)
        } else {
            (clocks, deltas, busy)
        };
    }

    /// One feeding clock: count it and advance (or, on the run's last clock, clear) the words.
    pub fn step(&mut self) {
        if !self.active {
            return;
        }
        let stopping = self.remaining == 1;
        self.remaining -= 1;
        self.clocks += 1;
        self.deltas += self.enabled_lanes as u64;
        self.active = !stopping;
        for w in self.words.iter_mut() {
            *w = if stopping { 0 } else { lfsr64(*w) };
        }
    }

    /// GEN_SEED / GEN_RUN taken in this clock (other ops are ignored): the seed is written, a
    /// run starts its decode. `tag` comes back from [`Self::launch`] (the table mode's base
    /// address). Call after [`Self::launch`] of this clock.
    pub fn command(&mut self, op: u8, data: u64, tag: u64) {
        if op == OP_GEN_SEED {
            self.seed = data;
        }
        if op == OP_GEN_RUN {
            self.pending[1] = Some((data, self.seed, tag));
        }
    }

    /// Launches the GEN_RUN taken two clocks ago, if any, and advances the decode (call once
    /// per clock that is not a reset clock, after the clock's [`Self::step`]). Returns the
    /// launched run's tag.
    pub fn launch(&mut self) -> Option<u64> {
        let launching = self.pending[0].take();
        self.pending[0] = self.pending[1].take();
        let (data, seed, tag) = launching?;
        let clocks = data & ((1 << 40) - 1);
        let lanes = active_lanes(self.lanes as u32, ((data >> 40) & 0x7ff) as u32);
        self.remaining = clocks;
        self.active = clocks != 0;
        self.enabled_lanes = lanes as usize;
        self.masks = rotation_masks(self.words.len(), self.enabled_lanes);
        self.clocks = 0;
        self.deltas = 0;
        for (s, w) in self.words.iter_mut().enumerate() {
            *w = if clocks != 0 {
                seed ^ source_salt(s)
            } else {
                0
            };
        }
        Some(tag)
    }

    /// Synchronous reset: the run stops and a decoded GEN_RUN is cancelled; the seed and the
    /// last run's counters are kept.
    pub fn reset(&mut self) {
        self.pending = [None, None];
        self.active = false;
        self.remaining = 0;
        self.words.iter_mut().for_each(|w| *w = 0);
    }

    /// STATUS register `index` of a core built with `config`, `cycles` clocks after power-up
    /// (registers 4 to 7 as of the previous clock).
    pub fn status(&self, index: u64, config: &LanesConfig, cycles: u64) -> u64 {
        match index {
            i if i == StatusReg::Lanes as u64 => config.lanes as u64,
            i if i == StatusReg::Width as u64 => config.width as u64,
            i if i == StatusReg::Contexts as u64 => config.contexts as u64,
            i if i == StatusReg::Clock as u64 => cycles.saturating_sub(1) & ((1 << 48) - 1),
            i if i == StatusReg::GenClocks as u64 => self.snapshot.0,
            i if i == StatusReg::GenDeltas as u64 => self.snapshot.1,
            i if i == StatusReg::GenBusy as u64 => self.snapshot.2 as u64,
            i if i == StatusReg::TreeLatency as u64 => config.tree_latency() as u64,
            _ => DESIGN_ID,
        }
    }
}
