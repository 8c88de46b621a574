//! One lane of the table mode: a partial accumulator per context in block RAM, updated by
//! read-modify-write at one op per clock.
//!
//! ```text
//!  S0: op, addr ─► RAM read ─► S1: p = forward ? last : RAM data ─► write back / partial out
//! ```
//! Same scheme as the single-lane core: the RAM reads before it writes, so the op in S1 takes
//! the previous op's written value when the addresses match (compare registered in S0).
//! `partial` is registered: it is the lane's contribution to a READ, zero for every other op,
//! and feeds a merge-tree leaf.

use crate::context_ram::ContextRam;
use rust_hdl::prelude::*;

/// Lane op codes on `op` (2 bits + valid).
pub const LANE_ACCUM: u64 = 0;
pub const LANE_READ: u64 = 1;
pub const LANE_CLEAR: u64 = 2;
pub const LANE_READ_CLEAR: u64 = 3;

/// A lane's partial table of `2^A` contexts of `W` bits.
#[derive(LogicBlock)]
pub struct LaneTable<const W: usize, const A: usize> {
    pub clock: Signal<In, Clock>,
    pub valid: Signal<In, Bit>,
    /// LANE_ACCUM, LANE_READ, LANE_CLEAR or LANE_READ_CLEAR.
    pub op: Signal<In, Bits<2>>,
    pub addr: Signal<In, Bits<A>>,
    pub delta: Signal<In, Bits<W>>,
    /// Sweep-writes zero to `addr` (reset): overrides the op in S1.
    pub clear_sweep: Signal<In, Bit>,
    /// The partial read by a READ / READ_CLEAR two clocks earlier, else zero.
    pub partial: Signal<Out, Bits<W>>,
    ram: ContextRam<W, A>,
    s1_valid: DFF<Bit>,
    s1_op: DFF<Bits<2>>,
    s1_addr: DFF<Bits<A>>,
    s1_delta: DFF<Bits<W>>,
    s1_forward: DFF<Bit>,
    last: DFF<Bits<W>>,
    partial_q: DFF<Bits<W>>,
    cur: Signal<Local, Bits<W>>,
    next_partial: Signal<Local, Bits<W>>,
    zero: Constant<Bits<W>>,
}

impl<const W: usize, const A: usize> Default for LaneTable<W, A> {
    fn default() -> Self {
        LaneTable {
            clock: Default::default(),
            valid: Default::default(),
            op: Default::default(),
            addr: Default::default(),
            delta: Default::default(),
            clear_sweep: Default::default(),
            partial: Default::default(),
            ram: Default::default(),
            s1_valid: Default::default(),
            s1_op: Default::default(),
            s1_addr: Default::default(),
            s1_delta: Default::default(),
            s1_forward: Default::default(),
            last: Default::default(),
            partial_q: Default::default(),
            cur: Default::default(),
            next_partial: Default::default(),
            zero: Constant::new(0u64.to_bits()),
        }
    }
}

impl<const W: usize, const A: usize> Logic for LaneTable<W, A> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, s1_valid, s1_op, s1_addr, s1_delta, s1_forward, last, partial_q);
        self.ram.clock.next = self.clock.val();
        // S0
        self.ram.read_address.next = self.addr.val();
        self.s1_valid.d.next = self.valid.val();
        self.s1_op.d.next = self.op.val();
        self.s1_addr.d.next = self.addr.val();
        self.s1_delta.d.next = self.delta.val();
        self.s1_forward.d.next = self.s1_valid.q.val() & (self.s1_addr.q.val() == self.addr.val());
        // S1
        self.cur.next = self.ram.read_data.val();
        if self.s1_forward.q.val() {
            self.cur.next = self.last.q.val();
        }
        self.next_partial.next = self.cur.val();
        if self.s1_op.q.val() == 0 {
            self.next_partial.next = self.cur.val() ^ self.s1_delta.q.val();
        }
        if self.s1_op.q.val().get_bit(1) {
            self.next_partial.next = self.zero.val();
        }
        self.last.d.next = self.next_partial.val();
        self.partial_q.d.next = self.zero.val();
        if self.s1_valid.q.val() & self.s1_op.q.val().get_bit(0) {
            self.partial_q.d.next = self.cur.val();
        }
        self.partial.next = self.partial_q.q.val();
        self.ram.write_address.next = self.s1_addr.q.val();
        self.ram.write_data.next = self.next_partial.val();
        self.ram.write_enable.next = self.s1_valid.q.val() & (self.s1_op.q.val() != 1);
        if self.clear_sweep.val() {
            self.ram.write_address.next = self.addr.val();
            self.ram.write_data.next = self.zero.val();
            self.ram.write_enable.next = true;
        }
    }
}
