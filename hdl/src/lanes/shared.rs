//! The shared-table multi-lane core: every lane of one clock feeds one context. The lanes and
//! their XOR tree are the single mode's; the tree's reduction lands in one table of contexts in
//! block RAM by one read-modify-write per clock, with two-deep forwarding for the writes its
//! registered read cannot see yet.
//!
//! ```text
//!  sources ─► lane banks (N/12) ─► XOR tree (L) ─► tree_out ─┐
//!                                                          ▼
//!  cmd ─► S0 ─► S1 slot ─► delay line (L + 2) ─► pre stage: table read, xin reg ─► mid: RAM out
//!                 (command, or the run's feed and its context)   reg ─► stage (RMW, forwarding) ─► rsp reg ─► rsp queue
//! ```
//!
//! Contract:
//! - the generator's deltas of its k-th feeding clock (k = 0, 1, ..., counting only clocks it
//!   feeds), every lane's, go to context `(base + k) mod contexts`, `base` being GEN_RUN's
//!   `cmd_addr`: a run of K clocks spreads over `min(K, contexts)` contexts, one per clock;
//! - a host command holds the table's one write slot for its clock: the command taken at
//!   clock t occupies the slot at t + 1 (S1) and the generator pauses for that clock (it
//!   neither feeds nor counts, and its sources hold their words), like the table mode;
//! - LOAD sets a context's state, ACCUM XORs `cmd_data` into it, READ answers it, SWAP answers
//!   it and keeps it (the new reference is the state and the accumulator is cleared, so the
//!   state a context holds is unchanged), SWAP_LOAD answers it and sets it; a batch of ACCUMs
//!   is ACCUMs one per clock;
//! - ordering: every command applies after everything taken before it and before everything
//!   after, lane deltas included (a READ answers every delta fed before it was taken);
//! - latency of a response: L + 5 clocks after its handshake (L = tree latency); STATUS reads
//!   the counters as they are when it reaches the table stage. STATUS register
//!   [`StatusReg::Feed`] answers [`FEED_PER_CLOCK`] here (the other cores answer their id
//!   there, so a host tells the modes apart).
//!
//! Only the observable state, reference ^ accumulator, is stored: LOAD, ACCUM, READ, SWAP and
//! SWAP_LOAD are all defined on it (docs/semantics.md), so one word per context suffices and
//! the table is one RAM of `contexts` x `W` (two BSRAMs on GW1NR-9 at 256 x 64).
//!
//! Clock: the slot's context comes from a register (`gen_addr`, +1 per feeding clock, or the
//! command's address from S1), the RAM is read two clocks before the stage and its output is
//! registered in between (mid), and the value XORed in (`xin`: the tree's reduction, the
//! ACCUM's data, the LOAD's data, or zero) and whether the old state is kept are registered in
//! the pre stage: the stage is flip-flops -> forwarding mux -> AND/XOR -> BRAM in, two LUT
//! levels; the command's decode and the tree stay off it. Why the mid register: a block RAM's
//! clock-to-out is most of a clock at these rates (5.8 ns on an ECP5 DP16KD, 3.5 ns on a
//! GW1NR-9 BSRAM), and with it in the read-modify-write the ULX3S 256-lane top could not reach
//! the single mode's clock. It costs a clock of latency and a second forwarding register: the
//! read issued in the pre stage misses the writes of the two slots ahead of it (the one in the
//! stage writes at that same edge and the RAM reads first; the one in mid writes a clock
//! later), so the stage takes the newest of those two on an address match.
//!
//! Reset (synchronous): the generator stops, the delay line drops what it carries (deltas fed
//! before the reset included), then a sweep zeroes every context, one per clock, with
//! `cmd_ready` low (as the single-lane core).

use super::bank::{banks_with_lane, BankTap};
use super::generator::{source_count, source_salt, GenControl};
use super::lane::{bank_count, BANK_GROUPS, GROUP_LANES, LANES_PER_SOURCE};
use super::source::DeltaSource;
use super::split_counter::SplitCounter;
use super::tree::bank_slots;
use super::xor_node::{tree_nodes, XorNode};
use super::LanesConfig;
use crate::context_ram::ContextRam;
use crate::response_credits::ResponseCredits;
use rust_hdl::prelude::*;

// The update writes these as literals (see there).
const _: () = assert!(LANES_PER_SOURCE == 63 && GROUP_LANES == 3 && BANK_GROUPS == 4);

pub use super::single::{StatusReg, DESIGN_ID};

/// What [`StatusReg::Feed`] answers on this core: the generator feeds one context per clock.
pub const FEED_PER_CLOCK: u64 = 1;

/// The shared-table multi-lane core: `W`-bit contexts, `2^A` of them, lanes from
/// [`LanesConfig`].
#[derive(LogicBlock)]
pub struct SharedLaneCore<const W: usize, const A: usize> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub cmd_valid: Signal<In, Bit>,
    pub cmd_ready: Signal<Out, Bit>,
    pub cmd_op: Signal<In, Bits<4>>,
    pub cmd_addr: Signal<In, Bits<A>>,
    pub cmd_data: Signal<In, Bits<64>>,
    pub rsp_valid: Signal<Out, Bit>,
    pub rsp_ready: Signal<In, Bit>,
    pub rsp_data: Signal<Out, Bits<64>>,
    pub illegal_op: Signal<Out, Bit>,
    generator: GenControl,
    sources: Vec<DeltaSource>,
    /// Lane j of bank b is member `j % 3` of group `g = 4b + j / 3`, which reads source
    /// `(g / 63) * 3 + j % 3` (see [`super::lane::lane_source`]).
    banks: Vec<BankTap<W>>,
    salts: Vec<Constant<Bits<64>>>,
    nodes: Vec<XorNode<W>>,
    tree_out: DFF<Bits<W>>,
    // S1: the command taken in the previous clock.
    st_valid: DFF<Bit>,
    st_op: DFF<Bits<4>>,
    st_nibble: DFF<Bits<4>>,
    st_high: Vec<DFF<Bit>>,
    st_addr: DFF<Bits<A>>,
    st_data: DFF<Bits<64>>,
    /// The context the run's next feeding clock goes to.
    gen_addr: DFF<Bits<A>>,
    /// S2: the address S1 held, the base of a GEN_RUN launching now.
    run_base: DFF<Bits<A>>,
    // The delay line, one entry per clock from S1: a command (valid, op, data, STATUS select),
    // or the run's feed; the slot's context.
    dly_valid: Vec<DFF<Bit>>,
    dly_feed: Vec<DFF<Bit>>,
    dly_op: Vec<DFF<Bits<4>>>,
    dly_addr: Vec<DFF<Bits<A>>>,
    dly_data: Vec<DFF<Bits<64>>>,
    dly_sel: Vec<DFF<Bits<4>>>,
    state_ram: ContextRam<W, A>,
    // Pre stage -> mid -> stage: what the slot XORs in and whether it keeps the old state.
    xin: DFF<Bits<W>>,
    keep: DFF<Bit>,
    xin_stage: DFF<Bits<W>>,
    keep_stage: DFF<Bit>,
    /// The table's read data, registered in mid (see the module's "Clock").
    ram_out: DFF<Bits<W>>,
    /// The slot in the stage (1) or the one before it (2) wrote the context the stage reads.
    forward_1: DFF<Bit>,
    forward_2: DFF<Bit>,
    /// What the last two slots wrote, and where (the older one's), for forwarding.
    last_state: DFF<Bits<W>>,
    older_state: DFF<Bits<W>>,
    last_live: DFF<Bit>,
    last_addr: DFF<Bits<A>>,
    rsp_push: DFF<Bit>,
    rsp_value: DFF<Bits<64>>,
    rsp_is_status: DFF<Bit>,
    rsp_status: DFF<Bits<64>>,
    responses: ResponseCredits<64>,
    ready: DFF<Bit>,
    illegal: DFF<Bit>,
    clearing: DFF<Bit>,
    /// The reset one clock late, for the sources' stop (128 flip-flops per source), so the
    /// reset net stays off their input muxes (as in the single core). Stopping them a clock
    /// late, and starting them for a run a reset cancels in its launch clock, is invisible:
    /// the slot only takes the tree's output in clocks the generator feeds, and a reset
    /// stops the feeding at once.
    reset_q: DFF<Bit>,
    clear_addr: DFF<Bits<A>>,
    /// Free-running clock counter (STATUS reads it as of the previous clock).
    clock_count: SplitCounter<48, 24>,
    fire: Signal<Local, Bit>,
    sel: Signal<Local, Bits<4>>,
    high_ones: Signal<Local, Bit>,
    gen_feed: Signal<Local, Bit>,
    clearing_next: Signal<Local, Bit>,
    pre_valid: Signal<Local, Bit>,
    pre_feed: Signal<Local, Bit>,
    pre_op: Signal<Local, Bits<4>>,
    pre_addr: Signal<Local, Bits<A>>,
    pre_data: Signal<Local, Bits<64>>,
    pre_bits: Signal<Local, Bits<W>>,
    mid_addr: Signal<Local, Bits<A>>,
    stage_valid: Signal<Local, Bit>,
    stage_live: Signal<Local, Bit>,
    stage_op: Signal<Local, Bits<4>>,
    stage_addr: Signal<Local, Bits<A>>,
    stage_sel: Signal<Local, Bits<4>>,
    cur: Signal<Local, Bits<W>>,
    new_state: Signal<Local, Bits<W>>,
    status: Signal<Local, Bits<64>>,
    zero: Constant<Bits<W>>,
    top_addr: Constant<Bits<A>>,
    width_word: Constant<Bits<64>>,
    lanes_word: Constant<Bits<64>>,
    contexts_word: Constant<Bits<64>>,
    latency_word: Constant<Bits<64>>,
    feed_word: Constant<Bits<64>>,
    id_word: Constant<Bits<64>>,
    _sources: usize,
    /// Banks, and per lane offset j (0..12) the banks that have lane j (a prefix of them).
    _banks: usize,
    _bank_lanes: Vec<usize>,
    /// The tree node bank 0 feeds (see [`bank_slots`]).
    _slot_base: usize,
    _delay: usize,
}

impl<const W: usize, const A: usize> SharedLaneCore<W, A> {
    /// Builds the core for `config` (validated by [`LanesConfig`]; width `W`, `2^A` contexts).
    pub fn new(config: &LanesConfig) -> Self {
        assert_eq!(config.width as usize, W, "LanesConfig width must match W");
        assert_eq!(
            config.contexts as usize,
            1usize << A,
            "LanesConfig contexts must be 2^A"
        );
        let n = config.lanes as usize;
        let every = config.register_every;
        // The tree is a heap over the next power of two: leaves past the last group are zero.
        let leaves = config.tree_leaves();
        let l = config.tree_latency() as usize;
        // L stages bring a slot level with its tree output (the pre stage); two more to the
        // stage: the RAM read, then its output register (mid).
        let d = l + 2;
        let s = source_count(n);
        let slots = bank_slots(leaves);
        let nodes = tree_nodes(2 * slots, leaves, every);
        let c64 = |v: u64| Constant::new(v.to_bits());
        let regs =
            |count: usize| -> Vec<DFF<Bit>> { (0..count).map(|_| Default::default()).collect() };
        SharedLaneCore {
            clock: Default::default(),
            reset: Default::default(),
            cmd_valid: Default::default(),
            cmd_ready: Default::default(),
            cmd_op: Default::default(),
            cmd_addr: Default::default(),
            cmd_data: Default::default(),
            rsp_valid: Default::default(),
            rsp_ready: Default::default(),
            rsp_data: Default::default(),
            illegal_op: Default::default(),
            generator: GenControl::new(n),
            sources: (0..s).map(|_| DeltaSource::default()).collect(),
            banks: (0..bank_count(n)).map(|b| BankTap::new(b, n)).collect(),
            salts: (0..s).map(|i| c64(source_salt(i))).collect(),
            nodes,
            tree_out: Default::default(),
            st_valid: Default::default(),
            st_op: Default::default(),
            st_nibble: Default::default(),
            st_high: regs(8),
            st_addr: Default::default(),
            st_data: Default::default(),
            gen_addr: Default::default(),
            run_base: Default::default(),
            dly_valid: regs(d),
            dly_feed: regs(d),
            dly_op: (0..d).map(|_| Default::default()).collect(),
            dly_addr: (0..d).map(|_| Default::default()).collect(),
            dly_data: (0..d).map(|_| Default::default()).collect(),
            dly_sel: (0..d).map(|_| Default::default()).collect(),
            state_ram: Default::default(),
            xin: Default::default(),
            keep: Default::default(),
            xin_stage: Default::default(),
            keep_stage: Default::default(),
            ram_out: Default::default(),
            forward_1: Default::default(),
            forward_2: Default::default(),
            last_state: Default::default(),
            older_state: Default::default(),
            last_live: Default::default(),
            last_addr: Default::default(),
            rsp_push: Default::default(),
            rsp_value: Default::default(),
            rsp_is_status: Default::default(),
            rsp_status: Default::default(),
            responses: Default::default(),
            ready: Default::default(),
            illegal: Default::default(),
            clearing: Default::default(),
            reset_q: Default::default(),
            clear_addr: Default::default(),
            clock_count: Default::default(),
            fire: Default::default(),
            sel: Default::default(),
            high_ones: Default::default(),
            gen_feed: Default::default(),
            clearing_next: Default::default(),
            pre_valid: Default::default(),
            pre_feed: Default::default(),
            pre_op: Default::default(),
            pre_addr: Default::default(),
            pre_data: Default::default(),
            pre_bits: Default::default(),
            mid_addr: Default::default(),
            stage_valid: Default::default(),
            stage_live: Default::default(),
            stage_op: Default::default(),
            stage_addr: Default::default(),
            stage_sel: Default::default(),
            cur: Default::default(),
            new_state: Default::default(),
            status: Default::default(),
            zero: Constant::new(0u64.to_bits()),
            top_addr: Constant::new(((1u64 << A) - 1).to_bits()),
            width_word: c64(W as u64),
            lanes_word: c64(n as u64),
            contexts_word: c64(1u64 << A),
            latency_word: c64(l as u64),
            feed_word: c64(FEED_PER_CLOCK),
            id_word: c64(DESIGN_ID),
            _sources: s,
            _banks: bank_count(n),
            _bank_lanes: banks_with_lane(n),
            _slot_base: slots,
            _delay: d,
        }
    }
}

impl<const W: usize, const A: usize> Logic for SharedLaneCore<W, A> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            tree_out,
            st_valid,
            st_op,
            st_nibble,
            st_addr,
            st_data,
            gen_addr,
            run_base,
            xin,
            keep,
            xin_stage,
            keep_stage,
            ram_out,
            forward_1,
            forward_2,
            last_state,
            older_state,
            last_live,
            last_addr,
            rsp_push,
            rsp_value,
            rsp_is_status,
            rsp_status,
            ready,
            illegal,
            clearing,
            clear_addr,
            reset_q
        );
        self.state_ram.clock.next = self.clock.val();
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
        // STATUS index, step 1: the low nibble and which 8-bit groups above it hold a one.
        self.st_nibble.d.next = self.cmd_data.val().get_bits::<4>(0);
        for g in 0..8 {
            self.st_high[g].clock.next = self.clock.val();
        }
        for g in 0..7 {
            self.st_high[g].d.next = self.cmd_data.val().get_bits::<8>(4 + 8 * g).any();
        }
        self.st_high[7].d.next = self.cmd_data.val().get_bits::<4>(60).any();
        self.st_valid.d.next = self.fire.val() & !self.reset.val();
        self.st_op.d.next = self.cmd_op.val();
        self.st_addr.d.next = self.cmd_addr.val();
        self.st_data.d.next = self.cmd_data.val();

        // ---- Generator: a command in S1 takes the slot for that clock --------------------
        self.generator.clock.next = self.clock.val();
        self.generator.reset.next = self.reset.val();
        self.generator.seed_write.next =
            self.fire.val() & (self.cmd_op.val() == 6) & !self.reset.val();
        self.generator.run.next = self.fire.val() & (self.cmd_op.val() == 7) & !self.reset.val();
        self.generator.data.next = self.cmd_data.val();
        self.generator.pause.next = self.st_valid.q.val();
        self.run_base.d.next = self.st_addr.q.val();
        self.gen_feed.next = self.generator.feeding.val() & !self.st_valid.q.val();
        for s in 0..(self._sources) {
            self.sources[s].clock.next = self.clock.val();
            self.sources[s].start.next = self.generator.source_start.val();
            self.sources[s].seed.next = self.generator.seed.val() ^ self.salts[s].val();
            self.sources[s].stop.next = self.generator.stop_run.val() | self.reset_q.q.val();
            self.sources[s].hold.next = self.st_valid.q.val();
        }
        // Literals: 63 is LANES_PER_SOURCE, 3 GROUP_LANES, 4 BANK_GROUPS (rust-hdl evaluates
        // index expressions of loop variables and literals only).
        for b in 0..(self._banks) {
            self.banks[b].clock.next = self.clock.val();
            self.banks[b].load.next = self.generator.tap_load.val();
            self.banks[b].active_lanes.next = self.generator.run_lanes.val();
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
            self.banks[b].word_0.next = self.sources[((4 * b) / 63) * 3].word.val();
        }
        for b in 0..(self._bank_lanes[1]) {
            self.banks[b].word_1.next = self.sources[((4 * b) / 63) * 3 + 1].word.val();
        }
        for b in 0..(self._bank_lanes[2]) {
            self.banks[b].word_2.next = self.sources[((4 * b) / 63) * 3 + 2].word.val();
        }
        for b in 0..(self._bank_lanes[3]) {
            self.banks[b].word_3.next = self.sources[((4 * b + 1) / 63) * 3].word.val();
        }
        for b in 0..(self._bank_lanes[4]) {
            self.banks[b].word_4.next = self.sources[((4 * b + 1) / 63) * 3 + 1].word.val();
        }
        for b in 0..(self._bank_lanes[5]) {
            self.banks[b].word_5.next = self.sources[((4 * b + 1) / 63) * 3 + 2].word.val();
        }
        for b in 0..(self._bank_lanes[6]) {
            self.banks[b].word_6.next = self.sources[((4 * b + 2) / 63) * 3].word.val();
        }
        for b in 0..(self._bank_lanes[7]) {
            self.banks[b].word_7.next = self.sources[((4 * b + 2) / 63) * 3 + 1].word.val();
        }
        for b in 0..(self._bank_lanes[8]) {
            self.banks[b].word_8.next = self.sources[((4 * b + 2) / 63) * 3 + 2].word.val();
        }
        for b in 0..(self._bank_lanes[9]) {
            self.banks[b].word_9.next = self.sources[((4 * b + 3) / 63) * 3].word.val();
        }
        for b in 0..(self._bank_lanes[10]) {
            self.banks[b].word_10.next = self.sources[((4 * b + 3) / 63) * 3 + 1].word.val();
        }
        for b in 0..(self._bank_lanes[11]) {
            self.banks[b].word_11.next = self.sources[((4 * b + 3) / 63) * 3 + 2].word.val();
        }
        // One context per feeding clock, from the run's base.
        if self.gen_feed.val() {
            self.gen_addr.d.next = self.gen_addr.q.val() + 1;
        }
        if self.generator.load.val() {
            self.gen_addr.d.next = self.run_base.q.val();
        }

        // ---- Merge tree (heap: root 1, node k's children 2k and 2k+1, bank slots from
        // `_slot_base`, see `tree::bank_slots`)
        for k in 0..(2 * self._slot_base) {
            self.nodes[k].clock.next = self.clock.val();
            self.nodes[k].a.next = 0.into();
            self.nodes[k].b.next = 0.into();
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

        // ---- Delay line: the S1 slot, L + 2 stages -----------------------------------------
        for k in 0..(self._delay) {
            self.dly_valid[k].clock.next = self.clock.val();
            self.dly_feed[k].clock.next = self.clock.val();
            self.dly_op[k].clock.next = self.clock.val();
            self.dly_addr[k].clock.next = self.clock.val();
            self.dly_data[k].clock.next = self.clock.val();
            self.dly_sel[k].clock.next = self.clock.val();
        }
        self.dly_valid[0].d.next = self.st_valid.q.val() & !self.reset.val();
        self.dly_feed[0].d.next = self.gen_feed.val() & !self.reset.val();
        self.dly_op[0].d.next = self.st_op.q.val();
        self.dly_addr[0].d.next = self.gen_addr.q.val();
        if self.st_valid.q.val() {
            self.dly_addr[0].d.next = self.st_addr.q.val();
        }
        self.dly_data[0].d.next = self.st_data.q.val();
        // STATUS index, step 2: 0..=8 and 10 as given; any other index reads register 0.
        self.high_ones.next = false;
        for g in 0..8 {
            if self.st_high[g].q.val() {
                self.high_ones.next = true;
            }
        }
        self.sel.next = 0.into();
        if !self.high_ones.val()
            & (!self.st_nibble.q.val().get_bit(3)
                | (self.st_nibble.q.val() == 8)
                | (self.st_nibble.q.val() == 10))
        {
            self.sel.next = self.st_nibble.q.val();
        }
        self.dly_sel[0].d.next = self.sel.val();
        for k in 1..(self._delay) {
            self.dly_valid[k].d.next = self.dly_valid[k - 1].q.val() & !self.reset.val();
            self.dly_feed[k].d.next = self.dly_feed[k - 1].q.val() & !self.reset.val();
            self.dly_op[k].d.next = self.dly_op[k - 1].q.val();
            self.dly_addr[k].d.next = self.dly_addr[k - 1].q.val();
            self.dly_data[k].d.next = self.dly_data[k - 1].q.val();
            self.dly_sel[k].d.next = self.dly_sel[k - 1].q.val();
        }

        // ---- Pre stage: level with the tree output; read the table, choose what to XOR ----
        // (rust-hdl evaluates bit_cast outside loops, so the stages go to locals first.)
        for pre in (self._delay - 3)..(self._delay - 2) {
            self.pre_valid.next = self.dly_valid[pre].q.val();
            self.pre_feed.next = self.dly_feed[pre].q.val();
            self.pre_op.next = self.dly_op[pre].q.val();
            self.pre_addr.next = self.dly_addr[pre].q.val();
            self.pre_data.next = self.dly_data[pre].q.val();
        }
        self.pre_bits.next = bit_cast::<W, 64>(self.pre_data.val());
        self.state_ram.read_address.next = self.pre_addr.val();
        self.xin.d.next = self.zero.val();
        self.keep.d.next = true;
        if self.pre_feed.val() {
            self.xin.d.next = self.tree_out.q.val();
        }
        if self.pre_valid.val() {
            if (self.pre_op.val() == 1) | (self.pre_op.val() == 5) {
                self.xin.d.next = self.pre_bits.val();
                self.keep.d.next = false;
            }
            if self.pre_op.val() == 2 {
                self.xin.d.next = self.pre_bits.val();
            }
        }

        // ---- Mid: register the RAM's output and what the stage XORs in --------------------
        for mid in (self._delay - 2)..(self._delay - 1) {
            self.mid_addr.next = self.dly_addr[mid].q.val();
        }
        self.ram_out.d.next = self.state_ram.read_data.val();
        self.xin_stage.d.next = self.xin.q.val();
        self.keep_stage.d.next = self.keep.q.val();

        // ---- Stage: read-modify-write of the slot's context --------------------------------
        for last in (self._delay - 1)..(self._delay) {
            self.stage_valid.next = self.dly_valid[last].q.val();
            self.stage_live.next = self.dly_valid[last].q.val() | self.dly_feed[last].q.val();
            self.stage_op.next = self.dly_op[last].q.val();
            self.stage_addr.next = self.dly_addr[last].q.val();
            self.stage_sel.next = self.dly_sel[last].q.val();
        }
        // The slot in mid read the RAM before the stage's write and the one before it landed:
        // forward the newer of the two on a match.
        self.forward_1.d.next =
            self.stage_live.val() & (self.stage_addr.val() == self.mid_addr.val());
        self.forward_2.d.next =
            self.last_live.q.val() & (self.last_addr.q.val() == self.mid_addr.val());
        self.last_live.d.next = self.stage_live.val();
        self.last_addr.d.next = self.stage_addr.val();
        self.cur.next = self.ram_out.q.val();
        if self.forward_2.q.val() {
            self.cur.next = self.older_state.q.val();
        }
        if self.forward_1.q.val() {
            self.cur.next = self.last_state.q.val();
        }
        self.new_state.next = self.xin_stage.q.val();
        if self.keep_stage.q.val() {
            self.new_state.next = self.cur.val() ^ self.xin_stage.q.val();
        }
        self.last_state.d.next = self.new_state.val();
        self.older_state.d.next = self.last_state.q.val();
        self.state_ram.write_address.next = self.stage_addr.val();
        self.state_ram.write_data.next = self.new_state.val();
        self.state_ram.write_enable.next = self.stage_live.val();
        if self.clearing.q.val() {
            self.state_ram.write_address.next = self.clear_addr.q.val();
            self.state_ram.write_data.next = self.zero.val();
            self.state_ram.write_enable.next = true;
        }

        // ---- Status ----------------------------------------------------------------------
        self.status.next = self.id_word.val();
        if self.stage_sel.val() == 1 {
            self.status.next = self.lanes_word.val();
        }
        if self.stage_sel.val() == 2 {
            self.status.next = self.width_word.val();
        }
        if self.stage_sel.val() == 3 {
            self.status.next = self.contexts_word.val();
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
        if self.stage_sel.val() == 10 {
            self.status.next = self.feed_word.val();
        }

        // ---- Response register -----------------------------------------------------------
        self.rsp_push.d.next = self.stage_valid.val()
            & ((self.stage_op.val() == 3)
                | (self.stage_op.val() == 4)
                | (self.stage_op.val() == 5)
                | (self.stage_op.val() == 8));
        self.rsp_value.d.next = bit_cast::<64, W>(self.cur.val());
        self.rsp_is_status.d.next = self.stage_op.val() == 8;
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

        // ---- Reset sweep -----------------------------------------------------------------
        self.clearing_next.next = self.clearing.q.val();
        if self.clearing.q.val() {
            self.clear_addr.d.next = self.clear_addr.q.val() + 1;
            if self.clear_addr.q.val() == self.top_addr.val() {
                self.clearing_next.next = false;
            }
        }
        if self.reset.val() {
            self.rsp_push.d.next = false;
            self.illegal.d.next = false;
            self.clear_addr.d.next = 0.into();
            self.clearing_next.next = true;
        }
        self.clearing.d.next = self.clearing_next.val();
        self.reset_q.d.next = self.reset.val();
        self.ready.d.next =
            !self.reset.val() & !self.clearing_next.val() & self.responses.room.val();
    }
}
