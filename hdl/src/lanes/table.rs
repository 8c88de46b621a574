//! The table-mode multi-lane core: every lane keeps a partial accumulator per context in its
//! own block RAM, a reference table holds the references, and a pipelined XOR tree merges the
//! lanes' partials for READ and SWAP.
//!
//! ```text
//!                       ┌─ lane 0: RMW on partial table ─ partial ─┐
//!  cmd ─► S0 ─► S1 cmd ─┼─ lane 1: ...                              ├─ XOR tree (L) ─┐
//!          gen ─────────┴─ lane N-1                                ─┘                 ▼
//!               S1 cmd ─► delay line (L + 2) ─────────────────► reference stage (RMW, forwarding)
//!                                                                  ─► rsp reg ─► rsp queue
//! ```
//!
//! Commands map onto lanes as follows (this is also how `atomik conform --lanes N` spreads the
//! conformance vectors over lanes):
//! - ACCUM goes to one lane, round-robin over the lanes, at its address;
//! - LOAD clears every lane's partial of the address, then writes the reference;
//! - READ reads every lane's partial of the address; the tree XORs them; the reference stage
//!   answers reference ^ partials;
//! - SWAP / SWAP_LOAD read-and-clear every lane's partial, answer the state, and write the new
//!   reference (the state, or the data);
//! - the generator, while running, feeds lane i's delta to context (base + i) mod contexts,
//!   `base` being GEN_RUN's `cmd_addr`; any command takes the lanes for its clock, and the
//!   generator pauses for that clock (it neither feeds nor counts).
//!
//! Ordering: every command applies after everything taken before it and before everything
//! after, lanes included. Latency of a response: L + 5 clocks after its handshake (L = tree
//! latency). Block RAM bounds this mode: one RAM port pair per lane, so lanes <= RAMs.
//!
//! Clock: S0 only accepts and decodes; the command takes the lanes in S1 from registers
//! (`st_*`), so the wide fan-out to every lane's address and delta mux and the generator's
//! pause start at a flip-flop, not at `cmd_valid & cmd_ready`. GEN_RUN launches in S2 (decoded
//! by [`GenControl`] in S0 and S1), from the base address it had in S1. The STATUS index is
//! decoded in two steps (S0: low nibble and an "any one" flag per 8-bit group of the rest; S1:
//! the 4-bit select that rides the delay line); the reference stage computes the response,
//! STATUS included, into a register that the queue takes the clock after.
//!
//! Reset (synchronous): like the single-lane core, a sweep zeroes every lane's partial table and
//! the reference table, one context per clock, with `cmd_ready` low.

use super::generator::{source_count, source_salt, GenControl};
use super::lane::{LaneTap, GROUP_LANES, LANES_PER_BLOCK};
use super::lane_table::LaneTable;
use super::source::DeltaSource;
use super::split_counter::SplitCounter;
use super::tree::latency;
use super::xor_node::{tree_nodes, XorNode};
use super::LanesConfig;
use crate::context_ram::ContextRam;
use crate::response_credits::ResponseCredits;
use rust_hdl::prelude::*;

// The update writes these as literals (see there).
const _: () = assert!(LANES_PER_BLOCK == 189 && GROUP_LANES == 3);

pub use super::single::{StatusReg, DESIGN_ID};

/// The table-mode multi-lane core: `W`-bit contexts, `2^A` of them, lanes from [`LanesConfig`].
#[derive(LogicBlock)]
pub struct TableLaneCore<const W: usize, const A: usize> {
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
    taps: Vec<LaneTap<W>>,
    salts: Vec<Constant<Bits<64>>>,
    lanes: Vec<LaneTable<W, A>>,
    // S1: the command taken in the previous clock, decoded.
    st_valid: DFF<Bit>,
    st_control: DFF<Bit>,
    st_accum: DFF<Bit>,
    st_lane_op: DFF<Bits<2>>,
    st_op: DFF<Bits<4>>,
    st_nibble: DFF<Bits<4>>,
    st_high: Vec<DFF<Bit>>,
    st_addr: DFF<Bits<A>>,
    st_data: DFF<Bits<64>>,
    gen_addr: Vec<DFF<Bits<A>>>,
    /// S2: the address S1 held, the base of a GEN_RUN launching now.
    run_base: DFF<Bits<A>>,
    lane_offset: Vec<Constant<Bits<A>>>,
    lane_index: Vec<Constant<Bits<11>>>,
    nodes: Vec<XorNode<W>>,
    tree_out: DFF<Bits<W>>,
    dly_valid: Vec<DFF<Bit>>,
    dly_op: Vec<DFF<Bits<4>>>,
    dly_addr: Vec<DFF<Bits<A>>>,
    dly_data: Vec<DFF<Bits<64>>>,
    dly_sel: Vec<DFF<Bits<4>>>,
    reference: ContextRam<W, A>,
    // The response register: the value and, apart, a STATUS answer and which one to push, so
    // the status mux and the state's XOR end in flip-flops and the queue sees one 2:1 mux.
    rsp_push: DFF<Bit>,
    rsp_value: DFF<Bits<64>>,
    rsp_is_status: DFF<Bit>,
    rsp_status: DFF<Bits<64>>,
    ref_forward: DFF<Bit>,
    last_ref: DFF<Bits<W>>,
    responses: ResponseCredits<64>,
    ready: DFF<Bit>,
    illegal: DFF<Bit>,
    clearing: DFF<Bit>,
    clear_addr: DFF<Bits<A>>,
    round_robin: DFF<Bits<11>>,
    /// Free-running clock counter (STATUS reads it as of the previous clock).
    clock_count: SplitCounter<48, 24>,
    fire: Signal<Local, Bit>,
    control: Signal<Local, Bit>,
    cmd_accum: Signal<Local, Bit>,
    lane_op: Signal<Local, Bits<2>>,
    sel: Signal<Local, Bits<4>>,
    high_ones: Signal<Local, Bit>,
    gen_feed: Signal<Local, Bit>,
    clearing_next: Signal<Local, Bit>,
    stage_valid: Signal<Local, Bit>,
    stage_op: Signal<Local, Bits<4>>,
    stage_addr: Signal<Local, Bits<A>>,
    stage_raw: Signal<Local, Bits<64>>,
    stage_sel: Signal<Local, Bits<4>>,
    stage_data: Signal<Local, Bits<W>>,
    pre_addr: Signal<Local, Bits<A>>,
    ref_cur: Signal<Local, Bits<W>>,
    state: Signal<Local, Bits<W>>,
    new_ref: Signal<Local, Bits<W>>,
    status: Signal<Local, Bits<64>>,
    zero: Constant<Bits<W>>,
    last_addr: Constant<Bits<A>>,
    last_lane: Constant<Bits<11>>,
    width_word: Constant<Bits<64>>,
    lanes_word: Constant<Bits<64>>,
    contexts_word: Constant<Bits<64>>,
    latency_word: Constant<Bits<64>>,
    id_word: Constant<Bits<64>>,
    _lanes: usize,
    _sources: usize,
    _delay: usize,
}

impl<const W: usize, const A: usize> TableLaneCore<W, A> {
    /// Builds the core for `config` (width `W`, `2^A` contexts; validated by the caller).
    pub fn new(config: &LanesConfig) -> Self {
        assert_eq!(config.width as usize, W, "LanesConfig width must match W");
        let n = config.lanes as usize;
        let every = config.register_every;
        let l = latency(n, every) as usize;
        let d = l + 2;
        let s = source_count(n);
        let contexts = 1usize << A;
        let nodes = tree_nodes(2 * n, n, every);
        let c64 = |v: u64| Constant::new(v.to_bits());
        TableLaneCore {
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
            taps: (0..n).map(LaneTap::new).collect(),
            salts: (0..s).map(|i| c64(source_salt(i))).collect(),
            lanes: (0..n).map(|_| LaneTable::default()).collect(),
            st_valid: Default::default(),
            st_control: Default::default(),
            st_accum: Default::default(),
            st_lane_op: Default::default(),
            st_op: Default::default(),
            st_nibble: Default::default(),
            st_high: (0..8).map(|_| Default::default()).collect(),
            st_addr: Default::default(),
            st_data: Default::default(),
            gen_addr: (0..n).map(|_| Default::default()).collect(),
            run_base: Default::default(),
            lane_offset: (0..n)
                .map(|i| Constant::new(((i % contexts) as u64).to_bits()))
                .collect(),
            lane_index: (0..n)
                .map(|i| Constant::new((i as u64).to_bits()))
                .collect(),
            nodes,
            tree_out: Default::default(),
            dly_valid: (0..d).map(|_| Default::default()).collect(),
            dly_op: (0..d).map(|_| Default::default()).collect(),
            dly_addr: (0..d).map(|_| Default::default()).collect(),
            dly_data: (0..d).map(|_| Default::default()).collect(),
            dly_sel: (0..d).map(|_| Default::default()).collect(),
            reference: Default::default(),
            rsp_push: Default::default(),
            rsp_value: Default::default(),
            rsp_is_status: Default::default(),
            rsp_status: Default::default(),
            ref_forward: Default::default(),
            last_ref: Default::default(),
            responses: Default::default(),
            ready: Default::default(),
            illegal: Default::default(),
            clearing: Default::default(),
            clear_addr: Default::default(),
            round_robin: Default::default(),
            clock_count: Default::default(),
            fire: Default::default(),
            control: Default::default(),
            cmd_accum: Default::default(),
            lane_op: Default::default(),
            sel: Default::default(),
            high_ones: Default::default(),
            gen_feed: Default::default(),
            clearing_next: Default::default(),
            stage_valid: Default::default(),
            stage_op: Default::default(),
            stage_addr: Default::default(),
            stage_raw: Default::default(),
            stage_sel: Default::default(),
            stage_data: Default::default(),
            pre_addr: Default::default(),
            ref_cur: Default::default(),
            state: Default::default(),
            new_ref: Default::default(),
            status: Default::default(),
            zero: Constant::new(0u64.to_bits()),
            last_addr: Constant::new(((contexts - 1) as u64).to_bits()),
            last_lane: Constant::new(((n - 1) as u64).to_bits()),
            width_word: c64(W as u64),
            lanes_word: c64(n as u64),
            contexts_word: c64(contexts as u64),
            latency_word: c64(l as u64),
            id_word: c64(DESIGN_ID),
            _lanes: n,
            _sources: s,
            _delay: d,
        }
    }
}

impl<const W: usize, const A: usize> Logic for TableLaneCore<W, A> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            st_valid,
            st_control,
            st_accum,
            st_lane_op,
            st_op,
            st_nibble,
            st_addr,
            run_base,
            st_data,
            tree_out,
            rsp_push,
            rsp_value,
            rsp_is_status,
            rsp_status,
            ref_forward,
            last_ref,
            ready,
            illegal,
            clearing,
            clear_addr,
            round_robin
        );
        self.reference.clock.next = self.clock.val();
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
        self.control.next = self.fire.val()
            & ((self.cmd_op.val() == 1)
                | (self.cmd_op.val() == 3)
                | (self.cmd_op.val() == 4)
                | (self.cmd_op.val() == 5));
        self.cmd_accum.next = self.fire.val() & (self.cmd_op.val() == 2);
        // LOAD -> clear, READ -> read, SWAP / SWAP_LOAD -> read and clear.
        self.lane_op.next = 3.into();
        if self.cmd_op.val() == 1 {
            self.lane_op.next = 2.into();
        }
        if self.cmd_op.val() == 3 {
            self.lane_op.next = 1.into();
        }
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
        self.st_control.d.next = self.control.val() & !self.reset.val();
        self.st_accum.d.next = self.cmd_accum.val() & !self.reset.val();
        self.st_lane_op.d.next = self.lane_op.val();
        self.st_op.d.next = self.cmd_op.val();
        self.st_addr.d.next = self.cmd_addr.val();
        self.st_data.d.next = self.cmd_data.val();

        // ---- S1: the command takes the lanes ---------------------------------------------
        if self.st_accum.q.val() {
            if self.round_robin.q.val() == self.last_lane.val() {
                self.round_robin.d.next = 0.into();
            } else {
                self.round_robin.d.next = self.round_robin.q.val() + 1;
            }
        }

        // ---- Generator: a command in S1 takes the lanes for that clock --------------------
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
            self.sources[s].start.next = self.generator.start.val();
            self.sources[s].seed.next = self.generator.seed.val() ^ self.salts[s].val();
            self.sources[s].stop.next = self.generator.stop.val();
            self.sources[s].hold.next = self.st_valid.q.val();
        }
        for i in 0..(self._lanes) {
            self.taps[i].clock.next = self.clock.val();
            // Lane i's source (`lane::lane_source`; literals: rust-hdl evaluates index
            // expressions of loop variables and literals only): 189 lanes per block of 3.
            self.taps[i].word.next = self.sources[(i / 189) * 3 + (i % 189) % 3].word.val();
            self.taps[i].load.next = self.generator.load.val();
            self.taps[i].active_lanes.next = self.generator.run_lanes.val();
            self.gen_addr[i].clock.next = self.clock.val();
            self.gen_addr[i].d.next = self.gen_addr[i].q.val();
            if self.generator.load.val() {
                self.gen_addr[i].d.next = self.run_base.q.val() + self.lane_offset[i].val();
            }
        }

        // ---- Lanes -----------------------------------------------------------------------
        for i in 0..(self._lanes) {
            self.lanes[i].clock.next = self.clock.val();
            self.lanes[i].clear_sweep.next = self.clearing.q.val();
            self.lanes[i].valid.next = self.st_control.q.val()
                | (self.st_accum.q.val() & (self.round_robin.q.val() == self.lane_index[i].val()))
                | self.gen_feed.val();
            self.lanes[i].op.next = 0.into();
            self.lanes[i].addr.next = self.gen_addr[i].q.val();
            self.lanes[i].delta.next = self.taps[i].delta.val();
            if self.st_valid.q.val() {
                self.lanes[i].addr.next = self.st_addr.q.val();
                self.lanes[i].delta.next = bit_cast::<W, 64>(self.st_data.q.val());
            }
            if self.st_control.q.val() {
                self.lanes[i].op.next = self.st_lane_op.q.val();
            }
            if self.clearing.q.val() {
                self.lanes[i].valid.next = false;
                self.lanes[i].addr.next = self.clear_addr.q.val();
            }
        }

        // ---- Merge tree over the lanes' partials -----------------------------------------
        for k in 0..(2 * self._lanes) {
            self.nodes[k].clock.next = self.clock.val();
            self.nodes[k].a.next = 0.into();
            self.nodes[k].b.next = 0.into();
        }
        for k in 1..(self._lanes) {
            self.nodes[k].a.next = self.nodes[2 * k].q.val();
            self.nodes[k].b.next = self.nodes[2 * k + 1].q.val();
        }
        for base in (self._lanes)..(self._lanes + 1) {
            for i in 0..(self._lanes) {
                self.nodes[base + i].a.next = self.lanes[i].partial.val();
            }
        }
        self.tree_out.d.next = self.nodes[1].q.val();

        // ---- Command delay line (L + 2), aligned with the partials -------------------------
        for k in 0..(self._delay) {
            self.dly_valid[k].clock.next = self.clock.val();
            self.dly_op[k].clock.next = self.clock.val();
            self.dly_addr[k].clock.next = self.clock.val();
            self.dly_data[k].clock.next = self.clock.val();
            self.dly_sel[k].clock.next = self.clock.val();
        }
        self.dly_valid[0].d.next = self.st_valid.q.val() & !self.reset.val();
        self.dly_op[0].d.next = self.st_op.q.val();
        self.dly_addr[0].d.next = self.st_addr.q.val();
        self.dly_data[0].d.next = self.st_data.q.val();
        // STATUS index, step 2: 0..=8 as given; any other index reads register 0 (the id).
        self.high_ones.next = false;
        for g in 0..8 {
            if self.st_high[g].q.val() {
                self.high_ones.next = true;
            }
        }
        self.sel.next = 0.into();
        if !self.high_ones.val()
            & (!self.st_nibble.q.val().get_bit(3) | (self.st_nibble.q.val() == 8))
        {
            self.sel.next = self.st_nibble.q.val();
        }
        self.dly_sel[0].d.next = self.sel.val();
        for k in 1..(self._delay) {
            self.dly_valid[k].d.next = self.dly_valid[k - 1].q.val() & !self.reset.val();
            self.dly_op[k].d.next = self.dly_op[k - 1].q.val();
            self.dly_addr[k].d.next = self.dly_addr[k - 1].q.val();
            self.dly_data[k].d.next = self.dly_data[k - 1].q.val();
            self.dly_sel[k].d.next = self.dly_sel[k - 1].q.val();
        }
        // The stage before the reference stage reads the reference table; rust-hdl evaluates
        // bit_cast outside loops, so the stages are copied to locals first.
        for pre in (self._delay - 2)..(self._delay - 1) {
            self.pre_addr.next = self.dly_addr[pre].q.val();
        }
        for last in (self._delay - 1)..(self._delay) {
            self.stage_valid.next = self.dly_valid[last].q.val();
            self.stage_op.next = self.dly_op[last].q.val();
            self.stage_addr.next = self.dly_addr[last].q.val();
            self.stage_raw.next = self.dly_data[last].q.val();
            self.stage_sel.next = self.dly_sel[last].q.val();
        }
        self.reference.read_address.next = self.pre_addr.val();
        // The reference stage writes after this clock's read of the next op: forward.
        self.ref_forward.d.next =
            self.stage_valid.val() & (self.stage_addr.val() == self.pre_addr.val());

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

        // ---- Reference stage -------------------------------------------------------------
        self.stage_data.next = bit_cast::<W, 64>(self.stage_raw.val());
        self.ref_cur.next = self.reference.read_data.val();
        if self.ref_forward.q.val() {
            self.ref_cur.next = self.last_ref.q.val();
        }
        self.state.next = self.ref_cur.val() ^ self.tree_out.q.val();
        self.new_ref.next = self.ref_cur.val();
        self.rsp_push.d.next = false;
        self.rsp_is_status.d.next = self.stage_op.val() == 8;
        self.rsp_status.d.next = self.status.val();
        self.rsp_value.d.next = bit_cast::<64, W>(self.state.val());
        if self.stage_valid.val() {
            if self.stage_op.val() == 1 {
                self.new_ref.next = self.stage_data.val();
            }
            if self.stage_op.val() == 3 {
                self.rsp_push.d.next = true;
            }
            if self.stage_op.val() == 4 {
                self.rsp_push.d.next = true;
                self.new_ref.next = self.state.val();
            }
            if self.stage_op.val() == 5 {
                self.rsp_push.d.next = true;
                self.new_ref.next = self.stage_data.val();
            }
            if self.stage_op.val() == 8 {
                self.rsp_push.d.next = true;
            }
        }
        self.last_ref.d.next = self.new_ref.val();
        self.reference.write_address.next = self.stage_addr.val();
        self.reference.write_data.next = self.new_ref.val();
        self.reference.write_enable.next = self.stage_valid.val()
            & ((self.stage_op.val() == 1)
                | (self.stage_op.val() == 4)
                | (self.stage_op.val() == 5));
        if self.clearing.q.val() {
            self.reference.write_address.next = self.clear_addr.q.val();
            self.reference.write_data.next = self.zero.val();
            self.reference.write_enable.next = true;
        }

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
            if self.clear_addr.q.val() == self.last_addr.val() {
                self.clearing_next.next = false;
            }
        }
        if self.reset.val() {
            self.rsp_push.d.next = false;
            self.illegal.d.next = false;
            self.round_robin.d.next = 0.into();
            self.clear_addr.d.next = 0.into();
            self.clearing_next.next = true;
        }
        self.clearing.d.next = self.clearing_next.val();
        self.ready.d.next =
            !self.reset.val() & !self.clearing_next.val() & self.responses.room.val();
    }
}
