//! The single-context multi-lane core: `lanes` generator lanes absorb one `W`-bit delta each per
//! clock, a pipelined XOR tree reduces them, and one state register accumulates the result.
//!
//! ```text
//!  sources ─► lane banks (N/12) ─► XOR tree (registered every k levels) ─► tree_out ─┐
//!                                                                                 ▼
//!  cmd ─► S0 accept, decode ─► delay line (L stages) ────────────────────► state stage ─► rsp reg ─► rsp queue
//! ```
//!
//! Reduce-then-accumulate: XOR is associative and commutative, so reducing the lanes' deltas
//! before accumulating gives the same state as N partial accumulators merged at READ time,
//! without N x W accumulator flip-flops (the GW1NR-9 has 6480 flip-flops in all).
//!
//! Ordering: a command taken in cycle t comes after the lane deltas of cycle t and before
//! those of cycle t+1. It rides a delay line of L = tree latency stages, so it meets the tree
//! output carrying cycle t's reduction at the state stage, and nothing has to pause: the
//! generator keeps running while commands are served. Latency of a response: L + 2 clocks
//! after the handshake (the state stage computes it into a register, the queue takes it the
//! clock after). STATUS reads the counters as they are at the state stage.
//!
//! Clock: every control path is a few LUT levels between flip-flops. S0 decodes the op into
//! flags that ride the delay line; the STATUS index is decoded in two steps (S0: its low nibble
//! and an "any one" flag per 8-bit group of the rest; delay stage 1: the 4-bit select, which
//! rides on), so the state stage never compares 64-bit data (with L = 1 the second step sits at
//! the state stage); the response register keeps the status mux off the queue's write path; the
//! generator decodes GEN_RUN in two stages and launches it two clocks after (see
//! [`GenControl`]). Credits ([`ResponseCredits`]) keep the response queue from overflowing
//! whatever the latency.
//!
//! Reset (synchronous): state 0, generator stopped, queue emptied, `illegal_op` cleared, and the
//! deltas still in the tree (fed before the reset) are dropped as they arrive; the seed is
//! kept. The state and the sources take the reset a clock late, from registers (`reset_q`,
//! `source_stops`), which no port can observe (see there) and keeps the reset net small. There
//! is no table to sweep, so `cmd_ready` rises the cycle after.

use super::bank::{banks_with_lane, BankTap};
use super::generator::GenControl;
use super::group::{copies_per_source, group_chunks, word_copies};
use super::lane::{bank_count, BANK_GROUPS, GROUP_LANES, LANES_PER_SOURCE};
use super::source::{DeltaSource, WordCopy};
use super::split_counter::SplitCounter;
use super::tree::bank_slots;
use super::xor_node::{tree_nodes, XorNode};
use super::LanesConfig;
use crate::response_credits::ResponseCredits;
use rust_hdl::prelude::*;

/// Value of status register 0: "ATOM" and the design version (major 0, minor 3 = link protocol
/// v2, `link::frame::PROTOCOL_VERSION`).
pub const DESIGN_ID: u64 = 0x4154_4F4D_0000_0003;

/// Status registers readable with [`Op::Status`] (index in `cmd_data`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum StatusReg {
    /// [`DESIGN_ID`].
    Id = 0,
    Lanes = 1,
    Width = 2,
    Contexts = 3,
    /// Free-running clock counter (48 bits). Registers 4 to 7 read their value as of the clock
    /// before the STATUS reaches the state stage (the wide counters are split with a registered
    /// carry; a consistent snapshot one clock old).
    Clock = 4,
    /// Clocks the generator fed its lanes in the current or last run.
    GenClocks = 5,
    /// Deltas the generator fed in the current or last run (active lanes x clocks).
    GenDeltas = 6,
    /// 1 while a generator run is in progress (from the clock after its GEN_RUN).
    GenBusy = 7,
    /// Merge-tree latency in clocks.
    TreeLatency = 8,
    /// The link's sequence state, {have_last, last seq}: answered by the frame bridge
    /// (`link::frame::LINK_SEQ_REG`), never by the core.
    LinkSeq = 9,
    /// How the generator maps lanes to contexts: the shared-table core answers
    /// `lanes::shared::FEED_PER_CLOCK`; the single and table cores answer their id here.
    Feed = 10,
}

pub use super::generator::{source_count, source_salt};

// The update writes these as literals (see there).
const _: () = assert!(LANES_PER_SOURCE == 63 && GROUP_LANES == 3 && BANK_GROUPS == 4);

/// The single-context multi-lane core, `W` bits wide; lanes and tree shape from [`LanesConfig`].
#[derive(LogicBlock)]
pub struct SingleLaneCore<const W: usize> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub cmd_valid: Signal<In, Bit>,
    pub cmd_ready: Signal<Out, Bit>,
    /// [`Op`] encoding, 4 bits (GEN_SEED, GEN_RUN and STATUS exist only here).
    pub cmd_op: Signal<In, Bits<4>>,
    /// 64 bits whatever `W`: generator commands carry seeds and run lengths.
    pub cmd_data: Signal<In, Bits<64>>,
    pub rsp_valid: Signal<Out, Bit>,
    pub rsp_ready: Signal<In, Bit>,
    pub rsp_data: Signal<Out, Bits<64>>,
    pub illegal_op: Signal<Out, Bit>,
    generator: GenControl,
    sources: Vec<DeltaSource>,
    /// Per source, its start and stop registered next to it from the generator's values one
    /// clock ahead (`GenControl::source_start_next`, `stop_run_next`; this core never pauses),
    /// the stop with the reset folded in, so it clears a clock after the reset as `reset_q`
    /// did. Each flag drives about 128 LUTs (the source's input muxes, which yosys places at
    /// its word copies' D inputs); from one LUT for all sources they were the 512-lane ULX3S
    /// critical path. Cost: two flip-flops per source.
    source_starts: Vec<WordCopy<Bit>>,
    source_stops: Vec<WordCopy<Bit>>,
    /// Copies of the source words (see [`super::group::word_copy`]): member m of group g reads
    /// copy `((g / 63) * k + (g % 63) / f) * 3 + m`, which holds source `(c / 3k) * 3 + c % 3`
    /// (`f` the copy fan-out, `k` the copies per source).
    words: Vec<WordCopy<Bits<64>>>,
    /// Copies of the run's lane count (the generator's `run_lanes`), one per chunk of `f`
    /// groups of a block (chunk `(g / 63) * k + (g % 63) / f`, as the word copies), so each
    /// group's enable compare reads a register placed near it. Why: with one register for all
    /// groups ABC shares the compares' common prefixes between groups all over the fabric,
    /// and the 128-lane GW1NR-9 core's critical path was such a chain: the count register ->
    /// group 9's LUT -> 2.8 ns of routing -> group 24's -> 2.1 ns -> group 26's enable, 9.05 ns
    /// (110.5 MHz). Cost: 11 flip-flops per chunk.
    lane_counts: Vec<WordCopy<Bits<11>>>,
    /// The banks' enable load (`GenControl::tap_load_next`), one copy per chunk of groups as
    /// `lane_counts`, for the same reason: one flip-flop driving every bank's enable spans
    /// the core. Cost: one flip-flop per chunk. A bank reads its first group's chunk.
    chunk_loads: Vec<WordCopy<Bit>>,
    banks: Vec<BankTap<W>>,
    salts: Vec<Constant<Bits<64>>>,
    nodes: Vec<XorNode<W>>,
    tree_out: DFF<Bits<W>>,
    /// Per delay stage: the command's flags (bit 0 load, 1 accumulate, 2 responds, 3 status),
    /// zero for no command; its STATUS select; its data, low `W` bits.
    dly_flags: Vec<DFF<Bits<4>>>,
    /// Stage 0 of the STATUS index: its low nibble, and per 8-bit group of bits 4..63 whether
    /// it holds a one.
    sel_nibble: DFF<Bits<4>>,
    sel_high: Vec<DFF<Bit>>,
    /// The decoded STATUS select from stage 1 on (entry 0 unused).
    dly_sel: Vec<DFF<Bits<4>>>,
    dly_data: Vec<DFF<Bits<W>>>,
    state: DFF<Bits<W>>,
    /// The tree output is absorbed (low while it still carries deltas fed before a reset).
    keep: DFF<Bit>,
    /// The reset one clock late, for the wide loads that may act a clock late without any
    /// port seeing it: the state register (the sources' stops take the reset the same clock
    /// late through `source_stops`). The reset net itself then drives only the few dozen
    /// control flip-flops that must act at once; as one net it drove all of them, the ULX3S
    /// and iCE40 critical paths.
    reset_q: DFF<Bit>,
    // The response register: the value and, apart, a STATUS answer and which one to push, so
    // the status mux and the value's XOR end in flip-flops and the queue sees one 2:1 mux.
    rsp_push: DFF<Bit>,
    rsp_value: DFF<Bits<64>>,
    rsp_is_status: DFF<Bit>,
    rsp_status: DFF<Bits<64>>,
    responses: ResponseCredits<64>,
    ready: DFF<Bit>,
    illegal: DFF<Bit>,
    /// Free-running clock counter (STATUS reads it as of the previous clock).
    clock_count: SplitCounter<48, 24>,
    drain: DFF<Bits<4>>,
    fire: Signal<Local, Bit>,
    flags: Signal<Local, Bits<4>>,
    high_ones: Signal<Local, Bit>,
    sel: Signal<Local, Bits<4>>,
    absorbed: Signal<Local, Bits<W>>,
    stage_flags: Signal<Local, Bits<4>>,
    stage_sel: Signal<Local, Bits<4>>,
    stage_data: Signal<Local, Bits<W>>,
    status: Signal<Local, Bits<64>>,
    width_const: Constant<Bits<64>>,
    lanes_word: Constant<Bits<64>>,
    latency_word: Constant<Bits<64>>,
    /// Clocks the tree output is dropped for after a reset: L + 1 (see the state stage).
    drain_clocks: Constant<Bits<4>>,
    id_word: Constant<Bits<64>>,
    _sources: usize,
    _words: usize,
    _chunks: usize,
    /// The copy fan-out `f` ([`LanesConfig::copy_fanout`]).
    _fanout: usize,
    /// Banks, and per lane offset j (0..12) the banks that have lane j (a prefix of them).
    _banks: usize,
    _bank_lanes: Vec<usize>,
    /// The tree node bank 0 feeds (see [`bank_slots`]).
    _slot_base: usize,
    _latency: usize,
    /// Stages that take the decoded select: `1..min(L, 2)`; read from `max(1, L - 1)..L`.
    _sel_end: usize,
    _sel_from: usize,
}

impl<const W: usize> SingleLaneCore<W> {
    /// Builds the core for `config` (validated by [`LanesConfig::new`]; its width must be `W`).
    pub fn new(config: &LanesConfig) -> Self {
        assert_eq!(config.width as usize, W, "LanesConfig width must match W");
        let n = config.lanes as usize;
        let fanout = config.copy_fanout as usize;
        let every = config.register_every;
        // The tree is a heap over the next power of two: leaves past the last group are zero.
        let leaves = config.tree_leaves();
        let l = config.tree_latency() as usize;
        let slots = bank_slots(leaves);
        let nodes = tree_nodes(2 * slots, leaves, every);
        SingleLaneCore {
            clock: Default::default(),
            reset: Default::default(),
            cmd_valid: Default::default(),
            cmd_ready: Default::default(),
            cmd_op: Default::default(),
            cmd_data: Default::default(),
            rsp_valid: Default::default(),
            rsp_ready: Default::default(),
            rsp_data: Default::default(),
            illegal_op: Default::default(),
            generator: GenControl::new(n),
            // A source feeding one word copy has no wide net to keep off its loop.
            sources: (0..source_count(n))
                .map(|_| DeltaSource::new(copies_per_source(fanout) > 1))
                .collect(),
            source_starts: (0..source_count(n)).map(|_| WordCopy::default()).collect(),
            source_stops: (0..source_count(n)).map(|_| WordCopy::default()).collect(),
            words: (0..word_copies(n, fanout))
                .map(|_| WordCopy::default())
                .collect(),
            lane_counts: (0..group_chunks(n, fanout))
                .map(|_| WordCopy::default())
                .collect(),
            chunk_loads: (0..group_chunks(n, fanout))
                .map(|_| WordCopy::default())
                .collect(),
            banks: (0..bank_count(n)).map(|b| BankTap::new(b, n)).collect(),
            salts: (0..source_count(n))
                .map(|i| Constant::new(source_salt(i).to_bits()))
                .collect(),
            nodes,
            tree_out: Default::default(),
            dly_flags: (0..l).map(|_| Default::default()).collect(),
            sel_nibble: Default::default(),
            sel_high: (0..8).map(|_| Default::default()).collect(),
            dly_sel: (0..l).map(|_| Default::default()).collect(),
            dly_data: (0..l).map(|_| Default::default()).collect(),
            state: Default::default(),
            keep: Default::default(),
            reset_q: Default::default(),
            rsp_push: Default::default(),
            rsp_value: Default::default(),
            rsp_is_status: Default::default(),
            rsp_status: Default::default(),
            responses: Default::default(),
            ready: Default::default(),
            illegal: Default::default(),
            clock_count: Default::default(),
            drain: Default::default(),
            fire: Default::default(),
            flags: Default::default(),
            high_ones: Default::default(),
            sel: Default::default(),
            absorbed: Default::default(),
            stage_flags: Default::default(),
            stage_sel: Default::default(),
            stage_data: Default::default(),
            status: Default::default(),
            width_const: Constant::new((W as u64).to_bits()),
            lanes_word: Constant::new((n as u64).to_bits()),
            latency_word: Constant::new((l as u64).to_bits()),
            drain_clocks: Constant::new((l as u64 + 1).to_bits()),
            id_word: Constant::new(DESIGN_ID.to_bits()),
            _sources: source_count(n),
            _words: word_copies(n, fanout),
            _chunks: group_chunks(n, fanout),
            _fanout: fanout,
            _banks: bank_count(n),
            _bank_lanes: banks_with_lane(n),
            _slot_base: slots,
            _latency: l,
            _sel_end: l.min(2),
            _sel_from: (l - 1).max(1),
        }
    }
}

impl<const W: usize> Logic for SingleLaneCore<W> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            tree_out,
            sel_nibble,
            state,
            keep,
            reset_q,
            rsp_push,
            rsp_value,
            rsp_is_status,
            rsp_status,
            ready,
            illegal,
            drain
        );
        self.responses.clock.next = self.clock.val();
        self.clock_count.clock.next = self.clock.val();
        self.clock_count.clear.next = false;
        self.clock_count.step.next = true;
        self.clock_count.amount.next = 1.into();

        // ---- S0: accept and decode -------------------------------------------------------
        self.cmd_ready.next = self.ready.q.val();
        self.fire.next = self.cmd_valid.val() & self.ready.q.val();
        self.illegal.d.next = self.illegal.q.val() | (self.fire.val() & (self.cmd_op.val() > 8));
        self.illegal_op.next = self.illegal.q.val();
        // Flags: load (LOAD, SWAP_LOAD), accumulate (ACCUM), responds, status.
        self.flags.next = 0.into();
        if self.fire.val() & !self.reset.val() {
            if (self.cmd_op.val() == 1) | (self.cmd_op.val() == 5) {
                self.flags.next = 1.into();
            }
            if self.cmd_op.val() == 2 {
                self.flags.next = 2.into();
            }
            if (self.cmd_op.val() == 3) | (self.cmd_op.val() == 4) {
                self.flags.next = 4.into();
            }
            if self.cmd_op.val() == 5 {
                self.flags.next = 5.into();
            }
            if self.cmd_op.val() == 8 {
                self.flags.next = 12.into();
            }
        }
        // STATUS index, step 1: the low nibble and which 8-bit groups above it hold a one.
        self.sel_nibble.d.next = self.cmd_data.val().get_bits::<4>(0);
        for g in 0..8 {
            self.sel_high[g].clock.next = self.clock.val();
        }
        for g in 0..7 {
            self.sel_high[g].d.next = self.cmd_data.val().get_bits::<8>(4 + 8 * g).any();
        }
        self.sel_high[7].d.next = self.cmd_data.val().get_bits::<4>(60).any();
        // ---- Generator (never paused here: commands and lane deltas share no resource) ---
        self.generator.clock.next = self.clock.val();
        self.generator.reset.next = self.reset.val();
        self.generator.seed_write.next =
            self.fire.val() & (self.cmd_op.val() == 6) & !self.reset.val();
        self.generator.run.next = self.fire.val() & (self.cmd_op.val() == 7) & !self.reset.val();
        self.generator.data.next = self.cmd_data.val();
        self.generator.pause.next = false;
        for s in 0..(self._sources) {
            self.sources[s].clock.next = self.clock.val();
            self.source_starts[s].clock.next = self.clock.val();
            self.source_starts[s].d.next = self.generator.source_start_next.val();
            self.source_stops[s].clock.next = self.clock.val();
            self.source_stops[s].d.next = self.generator.stop_run_next.val() | self.reset.val();
            self.sources[s].start.next = self.source_starts[s].q.val();
            self.sources[s].seed.next = self.generator.seed.val() ^ self.salts[s].val();
            self.sources[s].stop.next = self.source_stops[s].q.val();
            self.sources[s].hold.next = false;
        }
        // Literals: 63 is LANES_PER_SOURCE, 3 GROUP_LANES, 4 BANK_GROUPS. The copy fan-out `f` and the copies
        // per source `k` are configuration values, bound by one-iteration loops: rust-hdl's
        // Verilog generator evaluates an index from loop variables and literals only.
        for f in (self._fanout)..(self._fanout + 1) {
            for k in copies_per_source(self._fanout)..(copies_per_source(self._fanout) + 1) {
                for c in 0..(self._words) {
                    self.words[c].clock.next = self.clock.val();
                    self.words[c].d.next = self.sources[(c / (k * 3)) * 3 + c % 3].word_next.val();
                }
                for c in 0..(self._chunks) {
                    self.lane_counts[c].clock.next = self.clock.val();
                    self.lane_counts[c].d.next = self.generator.run_lanes_next.val();
                    self.chunk_loads[c].clock.next = self.clock.val();
                    self.chunk_loads[c].d.next = self.generator.tap_load_next.val();
                }
                // Bank b's lane j is group 4b + j / 3's member j % 3: its word copy is
                // `((g / 63) * k + (g % 63) / f) * 3 + j % 3`; its enable reads the chunk of its
                // first group, 4b.
                for b in 0..(self._banks) {
                    self.banks[b].clock.next = self.clock.val();
                    self.banks[b].load.next = self.chunk_loads
                        [((4 * b) / 63) * k + ((4 * b) % 63) / f]
                        .q
                        .val();
                    self.banks[b].active_lanes.next = self.lane_counts
                        [((4 * b) / 63) * k + ((4 * b) % 63) / f]
                        .q
                        .val();
                    self.banks[b].word_0.next = 0.into();
                    self.banks[b].word_1.next = 0.into();
                    self.banks[b].word_2.next = 0.into();
                    self.banks[b].word_3.next = 0.into();
                    self.banks[b].word_4.next = 0.into();
                    self.banks[b].word_5.next = 0.into();
                    self.banks[b].word_6.next = 0.into();
                    self.banks[b].word_7.next = 0.into();
                    self.banks[b].word_8.next = 0.into();
                    self.banks[b].word_9.next = 0.into();
                    self.banks[b].word_10.next = 0.into();
                    self.banks[b].word_11.next = 0.into();
                }
                for b in 0..(self._bank_lanes[0]) {
                    self.banks[b].word_0.next = self.words
                        [(((4 * b) / 63) * k + ((4 * b) % 63) / f) * 3]
                        .q
                        .val();
                }
                for b in 0..(self._bank_lanes[1]) {
                    self.banks[b].word_1.next = self.words
                        [(((4 * b) / 63) * k + ((4 * b) % 63) / f) * 3 + 1]
                        .q
                        .val();
                }
                for b in 0..(self._bank_lanes[2]) {
                    self.banks[b].word_2.next = self.words
                        [(((4 * b) / 63) * k + ((4 * b) % 63) / f) * 3 + 2]
                        .q
                        .val();
                }
                for b in 0..(self._bank_lanes[3]) {
                    self.banks[b].word_3.next = self.words
                        [(((4 * b + 1) / 63) * k + ((4 * b + 1) % 63) / f) * 3]
                        .q
                        .val();
                }
                for b in 0..(self._bank_lanes[4]) {
                    self.banks[b].word_4.next = self.words
                        [(((4 * b + 1) / 63) * k + ((4 * b + 1) % 63) / f) * 3 + 1]
                        .q
                        .val();
                }
                for b in 0..(self._bank_lanes[5]) {
                    self.banks[b].word_5.next = self.words
                        [(((4 * b + 1) / 63) * k + ((4 * b + 1) % 63) / f) * 3 + 2]
                        .q
                        .val();
                }
                for b in 0..(self._bank_lanes[6]) {
                    self.banks[b].word_6.next = self.words
                        [(((4 * b + 2) / 63) * k + ((4 * b + 2) % 63) / f) * 3]
                        .q
                        .val();
                }
                for b in 0..(self._bank_lanes[7]) {
                    self.banks[b].word_7.next = self.words
                        [(((4 * b + 2) / 63) * k + ((4 * b + 2) % 63) / f) * 3 + 1]
                        .q
                        .val();
                }
                for b in 0..(self._bank_lanes[8]) {
                    self.banks[b].word_8.next = self.words
                        [(((4 * b + 2) / 63) * k + ((4 * b + 2) % 63) / f) * 3 + 2]
                        .q
                        .val();
                }
                for b in 0..(self._bank_lanes[9]) {
                    self.banks[b].word_9.next = self.words
                        [(((4 * b + 3) / 63) * k + ((4 * b + 3) % 63) / f) * 3]
                        .q
                        .val();
                }
                for b in 0..(self._bank_lanes[10]) {
                    self.banks[b].word_10.next = self.words
                        [(((4 * b + 3) / 63) * k + ((4 * b + 3) % 63) / f) * 3 + 1]
                        .q
                        .val();
                }
                for b in 0..(self._bank_lanes[11]) {
                    self.banks[b].word_11.next = self.words
                        [(((4 * b + 3) / 63) * k + ((4 * b + 3) % 63) / f) * 3 + 2]
                        .q
                        .val();
                }
            }
        }

        // ---- Merge tree (heap: root 1, node k's children 2k and 2k+1, bank slots from
        // `_slot_base`, see `tree::bank_slots`)
        for k in 0..(2 * self._slot_base) {
            self.nodes[k].clock.next = self.clock.val();
            self.nodes[k].b.next = 0.into();
            self.nodes[k].a.next = 0.into();
        }
        for k in 1..(self._slot_base) {
            self.nodes[k].a.next = self.nodes[2 * k].q.val();
            self.nodes[k].b.next = self.nodes[2 * k + 1].q.val();
        }
        for base in (self._slot_base)..(self._slot_base + 1) {
            for b in 0..(self._banks) {
                self.nodes[base + b].a.next = self.banks[b].delta.val();
            }
        }
        self.tree_out.d.next = self.nodes[1].q.val();

        // ---- Command delay line, aligned with the tree ------------------------------------
        for k in 0..(self._latency) {
            self.dly_flags[k].clock.next = self.clock.val();
            self.dly_sel[k].clock.next = self.clock.val();
            self.dly_data[k].clock.next = self.clock.val();
        }
        self.dly_flags[0].d.next = self.flags.val();
        self.dly_data[0].d.next = bit_cast::<W, 64>(self.cmd_data.val());
        for k in 1..(self._latency) {
            self.dly_flags[k].d.next = self.dly_flags[k - 1].q.val();
            if self.reset.val() {
                self.dly_flags[k].d.next = 0.into();
            }
            self.dly_data[k].d.next = self.dly_data[k - 1].q.val();
        }
        // STATUS index, step 2: 0..=8 as given; any other index reads register 0 (the id).
        self.high_ones.next = false;
        for g in 0..8 {
            if self.sel_high[g].q.val() {
                self.high_ones.next = true;
            }
        }
        self.sel.next = 0.into();
        if !self.high_ones.val()
            & (!self.sel_nibble.q.val().get_bit(3) | (self.sel_nibble.q.val() == 8))
        {
            self.sel.next = self.sel_nibble.q.val();
        }
        self.dly_sel[0].d.next = 0.into();
        for k in 1..(self._sel_end) {
            self.dly_sel[k].d.next = self.sel.val();
        }
        for k in 2..(self._latency) {
            self.dly_sel[k].d.next = self.dly_sel[k - 1].q.val();
        }

        // ---- State stage -----------------------------------------------------------------
        self.stage_sel.next = self.sel.val();
        for last in (self._latency - 1)..(self._latency) {
            self.stage_flags.next = self.dly_flags[last].q.val();
            self.stage_data.next = self.dly_data[last].q.val();
        }
        for last in (self._sel_from)..(self._latency) {
            self.stage_sel.next = self.dly_sel[last].q.val();
        }
        self.status.next = self.id_word.val();
        if self.stage_sel.val() == 1 {
            self.status.next = self.lanes_word.val();
        }
        if self.stage_sel.val() == 2 {
            self.status.next = self.width_const.val();
        }
        if self.stage_sel.val() == 3 {
            self.status.next = 1.into();
        }
        if self.stage_sel.val() == 4 {
            self.status.next = bit_cast::<64, 48>(self.clock_count.value.val());
        }
        if self.stage_sel.val() == 5 {
            self.status.next = bit_cast::<64, 48>(self.generator.clocks.val());
        }
        if self.stage_sel.val() == 6 {
            self.status.next = bit_cast::<64, 60>(self.generator.deltas.val());
        }
        if (self.stage_sel.val() == 7) & self.generator.busy.val() {
            self.status.next = 1.into();
        }
        if (self.stage_sel.val() == 7) & !self.generator.busy.val() {
            self.status.next = 0.into();
        }
        if self.stage_sel.val() == 8 {
            self.status.next = self.latency_word.val();
        }
        // For L + 1 clocks after a reset the tree still carries deltas fed before it (the
        // sources stop a clock after it, so they feed one clock after the reset too): drop them.
        // The first deltas of a run taken after the reset are fed 3 clocks after it at the
        // earliest (accept, two decode stages), so none of them is dropped.
        self.absorbed.next = self.state.q.val();
        if self.keep.q.val() {
            self.absorbed.next = self.state.q.val() ^ self.tree_out.q.val();
        }
        if self.drain.q.val().any() {
            self.drain.d.next = self.drain.q.val() - 1;
        }
        self.keep.d.next = self.drain.q.val() < 2;
        self.state.d.next = self.absorbed.val();
        if self.stage_flags.val().get_bit(0) {
            self.state.d.next = self.stage_data.val();
        }
        if self.stage_flags.val().get_bit(1) {
            self.state.d.next = self.absorbed.val() ^ self.stage_data.val();
        }
        self.rsp_push.d.next = self.stage_flags.val().get_bit(2);
        self.rsp_value.d.next = bit_cast::<64, W>(self.absorbed.val());
        self.rsp_is_status.d.next = self.stage_flags.val().get_bit(3);
        self.rsp_status.d.next = self.status.val();

        // ---- Responses and credits -------------------------------------------------------
        self.responses.reset.next = self.reset.val();
        self.responses.push.next = self.rsp_push.q.val();
        self.responses.push_data.next = self.rsp_value.q.val();
        if self.rsp_is_status.q.val() {
            self.responses.push_data.next = self.rsp_status.q.val();
        }
        self.responses.pop.next = self.rsp_ready.val();
        self.rsp_valid.next = self.responses.valid.val();
        self.rsp_data.next = self.responses.data.val();
        self.responses.responds.next = self.fire.val()
            & ((self.cmd_op.val() == 3)
                | (self.cmd_op.val() == 4)
                | (self.cmd_op.val() == 5)
                | (self.cmd_op.val() == 8));

        // The state clears a clock after the reset (on `reset_q`): in that clock the state
        // stage holds no command (the reset emptied the delay line) and drops the tree output,
        // so it only keeps the state, and no response can read the stale value.
        self.reset_q.d.next = self.reset.val();
        if self.reset_q.q.val() {
            self.state.d.next = 0.into();
        }
        if self.reset.val() {
            self.rsp_push.d.next = false;
            self.illegal.d.next = false;
            self.drain.d.next = self.drain_clocks.val();
            self.keep.d.next = false;
        }
        self.ready.d.next = !self.reset.val() & self.responses.room.val();
    }
}
