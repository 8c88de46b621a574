//! The multi-lane accumulator: many lanes absorb one delta each per clock, a pipelined XOR tree
//! merges them. Two modes: [`single`] (one context in registers, reduce-then-accumulate: the most
//! lanes per LUT) and [`table`] (a block-RAM partial table per lane: many contexts, lanes bounded
//! by block RAM) and [`shared`] (the single mode's lanes and tree feeding one context per clock
//! of a block-RAM context table: many contexts, lanes bounded by logic).
//!
//! Blocks, one per file: [`source`] (LFSR delta source), [`lane`] (the lane-to-source map
//! and the table mode's lane), [`group`] (which source word copy a group's lanes read),
//! [`bank`] (twelve lanes behind one run-time enable),
//! [`xor_node`] and [`tree`] (the merge tree and its shape), [`single`] (the top).

pub mod bank;
pub mod bank_pad;
pub mod export;
pub mod generator;
pub mod group;
pub mod lane;
pub mod lane_table;
pub mod shared;
pub mod single;
pub mod source;
pub mod split_counter;
pub mod table;
pub mod tree;
pub mod xor_node;

use thiserror::Error;

/// The merge tree's default shape: a register every third binary level. A bank word (twelve
/// lanes behind one enable, see [`bank`]) is two LUT4 levels and takes the place of the
/// height-3 nodes, so the banks are the first registered stage; above them an 8:1 XOR of
/// registers is two LUT levels too. A register every second level also has two LUT levels
/// per stage (the second one a 2-input XOR), but three LUT4s per bit for four leaves:
/// measured on GW1NR-9 at 64 lanes with per-lane enables, 3 instead of 2 took the core from
/// 5116 to 4526 LUT4 and 2895 to 2118 FF (docs/performance.md).
pub const DEFAULT_REGISTER_EVERY: u32 = 3;

/// Largest lane count: 1024 lanes x 64 bits is already beyond every device we target.
pub const MAX_LANES: u32 = 1024;

/// Groups per source word copy unless a configuration says otherwise
/// ([`LanesConfig::copy_fanout`]): a source's 63 groups in four copies. Measured on GW1NR-9
/// (docs/performance.md, "Source word fan-out"); 96 lanes there do not place with 8.
pub const DEFAULT_COPY_FANOUT: u32 = 16;

/// How lanes store their partial state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LaneMode {
    /// One context in registers: reduce-then-accumulate, the most lanes per LUT.
    Single,
    /// A block-RAM partial table per lane, merged at READ time (width 64 only).
    Table,
    /// Every lane of one clock feeds one context: the single mode's tree reduces them and one
    /// read-modify-write per clock lands the result in a block-RAM context table (width 64
    /// only; see [`shared`]).
    Shared,
}

/// A rejected multi-lane parameter, naming the bad value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LanesError {
    #[error("unsupported lane count {lanes}: must be from 1 to {MAX_LANES}")]
    Lanes { lanes: u32 },
    #[error(
        "unsupported lane count {lanes} for table mode: must be a power of two (a partial \
         table per lane, one tree leaf each); single and shared mode take any count"
    )]
    TableLanes { lanes: u32 },
    #[error("unsupported width {width}: the multi-lane RTL is built for widths 8, 16, 32, 64")]
    Width { width: u32 },
    #[error("register_every {every} out of range: must be 1, 2 or 3 tree levels per register")]
    RegisterEvery { every: u32 },
    #[error(
        "unsupported context count {contexts} for table mode: must be a power of two from 2 to 4096"
    )]
    Contexts { contexts: u32 },
    #[error("table mode is built for width 64 only, not {width}")]
    TableWidth { width: u32 },
    #[error(
        "unsupported context count {contexts} for shared mode: must be a power of two from 2 to 4096"
    )]
    SharedContexts { contexts: u32 },
    #[error("shared mode is built for width 64 only, not {width}")]
    SharedWidth { width: u32 },
    #[error(
        "copy fan-out {fanout} out of range: a source word copy feeds 1 to 63 groups \
         (a source's 63 lanes)"
    )]
    CopyFanout { fanout: u32 },
    #[error(
        "copy fan-out {fanout} applies to single mode only (the table and shared cores read \
         the source words directly); leave it at {DEFAULT_COPY_FANOUT}"
    )]
    CopyFanoutMode { fanout: u32 },
}

/// Parameters of one multi-lane core.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LanesConfig {
    /// Lanes, each absorbing one delta per clock: 1..=1024, a power of two in table mode. Any
    /// count in single and shared mode, so a build can fill its device (e.g. 96 lanes on the
    /// GW1NR-9, where 128 do not place); the merge tree is sized for the next power of two
    /// ([`Self::tree_leaves`]) and its missing leaves are constant zero, which synthesis removes.
    pub lanes: u32,
    /// Bits per delta and state (8, 16, 32, 64).
    pub width: u32,
    /// Merge-tree levels per pipeline register (1..=3; [`DEFAULT_REGISTER_EVERY`] by default).
    pub register_every: u32,
    pub mode: LaneMode,
    /// Contexts: 1 in single mode; a power of two, 2..=4096, in table and shared mode.
    pub contexts: u32,
    /// Single mode: groups fed by one copy of a source word (1..=63,
    /// [`DEFAULT_COPY_FANOUT`] by default; see [`source::WordCopy`]). Fewer groups per copy
    /// shorten the copy-to-group wires, which set Fmax and routing time on large ECP5
    /// builds, at 64 flip-flops per extra copy. On Gowin and iCE40, where a flip-flop needs a
    /// LUT of its own, each extra copy also takes 64 LUT positions: 63 (one copy per source)
    /// fits the most lanes there (docs/performance.md, "Session 12 board tops"), and its
    /// sources then drop their lookahead register (see [`source::DeltaSource::new`]).
    pub copy_fanout: u32,
}

impl LanesConfig {
    /// A validated single-context configuration with the default tree shape.
    pub fn single(lanes: u32, width: u32) -> Result<Self, LanesError> {
        Self::new(lanes, width, DEFAULT_REGISTER_EVERY, LaneMode::Single)
    }

    /// A validated table-mode configuration (width 64) with the default tree shape.
    pub fn table(lanes: u32, contexts: u32) -> Result<Self, LanesError> {
        Self::new(lanes, 64, DEFAULT_REGISTER_EVERY, LaneMode::Table)?.with_contexts(contexts)
    }

    /// A validated shared-table configuration (width 64) with the default tree shape.
    pub fn shared(lanes: u32, contexts: u32) -> Result<Self, LanesError> {
        Self::new(lanes, 64, DEFAULT_REGISTER_EVERY, LaneMode::Shared)?.with_contexts(contexts)
    }

    /// Validates every parameter; table and shared mode start with 256 contexts (see
    /// [`Self::with_contexts`]).
    pub fn new(
        lanes: u32,
        width: u32,
        register_every: u32,
        mode: LaneMode,
    ) -> Result<Self, LanesError> {
        Self::validated(lanes, width, register_every, mode, 256)
    }

    /// The same configuration with `contexts` contexts (table and shared mode; single mode has
    /// one).
    pub fn with_contexts(self, contexts: u32) -> Result<Self, LanesError> {
        Ok(LanesConfig {
            copy_fanout: self.copy_fanout,
            ..Self::validated(
                self.lanes,
                self.width,
                self.register_every,
                self.mode,
                contexts,
            )?
        })
    }

    /// The same configuration with `fanout` groups per source word copy (single mode
    /// only; see [`Self::copy_fanout`]).
    pub fn with_copy_fanout(self, fanout: u32) -> Result<Self, LanesError> {
        if !(1..=crate::lanes::lane::LANES_PER_SOURCE as u32).contains(&fanout) {
            return Err(LanesError::CopyFanout { fanout });
        }
        if self.mode != LaneMode::Single && fanout != DEFAULT_COPY_FANOUT {
            return Err(LanesError::CopyFanoutMode { fanout });
        }
        Ok(LanesConfig {
            copy_fanout: fanout,
            ..self
        })
    }

    fn validated(
        lanes: u32,
        width: u32,
        register_every: u32,
        mode: LaneMode,
        contexts: u32,
    ) -> Result<Self, LanesError> {
        if lanes == 0 || lanes > MAX_LANES {
            return Err(LanesError::Lanes { lanes });
        }
        if mode == LaneMode::Table && !lanes.is_power_of_two() {
            return Err(LanesError::TableLanes { lanes });
        }
        if !crate::config::SUPPORTED_WIDTHS.contains(&width) {
            return Err(LanesError::Width { width });
        }
        if !(1..=3).contains(&register_every) {
            return Err(LanesError::RegisterEvery {
                every: register_every,
            });
        }
        let contexts = match mode {
            LaneMode::Single => 1,
            LaneMode::Table => {
                if width != 64 {
                    return Err(LanesError::TableWidth { width });
                }
                if !(2..=4096).contains(&contexts) || !contexts.is_power_of_two() {
                    return Err(LanesError::Contexts { contexts });
                }
                contexts
            }
            LaneMode::Shared => {
                if width != 64 {
                    return Err(LanesError::SharedWidth { width });
                }
                if !(2..=4096).contains(&contexts) || !contexts.is_power_of_two() {
                    return Err(LanesError::SharedContexts { contexts });
                }
                contexts
            }
        };
        Ok(LanesConfig {
            lanes,
            width,
            register_every,
            mode,
            contexts,
            copy_fanout: DEFAULT_COPY_FANOUT,
        })
    }

    /// Leaves of the merge tree's heap: the lane count rounded up to a power of two.
    pub fn tree_leaves(&self) -> usize {
        (self.lanes as usize).next_power_of_two()
    }

    /// Merge-tree latency in clocks: the table core's tree has a leaf per lane, the single
    /// and shared cores' trees take a word per bank of twelve lanes ([`tree::bank_latency`]).
    pub fn tree_latency(&self) -> u32 {
        match self.mode {
            LaneMode::Table => tree::latency(self.tree_leaves(), self.register_every),
            LaneMode::Single | LaneMode::Shared => {
                tree::bank_latency(self.tree_leaves(), self.register_every)
            }
        }
    }

    /// Response latency: clocks from a command's handshake to its response being visible.
    pub fn response_latency(&self) -> u32 {
        match self.mode {
            LaneMode::Single => self.tree_latency() + 2,
            LaneMode::Table => self.tree_latency() + 5,
            LaneMode::Shared => self.tree_latency() + 4,
        }
    }

    /// Short name for caches and reports, e.g. `single_l16_w64_r2`, `table_l4_w64_c256_r2`.
    pub fn name(&self) -> String {
        match self.mode {
            LaneMode::Single if self.copy_fanout != DEFAULT_COPY_FANOUT => format!(
                "single_l{}_w{}_r{}_f{}",
                self.lanes, self.width, self.register_every, self.copy_fanout
            ),
            LaneMode::Single => format!(
                "single_l{}_w{}_r{}",
                self.lanes, self.width, self.register_every
            ),
            LaneMode::Table => format!(
                "table_l{}_w{}_c{}_r{}",
                self.lanes, self.width, self.contexts, self.register_every
            ),
            LaneMode::Shared => format!(
                "shared_l{}_w{}_c{}_r{}",
                self.lanes, self.width, self.contexts, self.register_every
            ),
        }
    }
}
