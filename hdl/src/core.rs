//! The ATOMiK core: a table of contexts (reference + accumulator) in block RAM, driven by a
//! valid/ready command stream, answering READ and SWAP on a valid/ready response stream.
//!
//! ```text
//!            S0 (accept)              S1 (execute)                       queue
//! cmd ──► fire = valid & ready ──► s1 regs ─┐
//!   addr ─────► RAM read ports ──► ref/acc ─┼─► forward mux ─► state = ref ^ acc ─► rsp
//!                                           │        ▲        new ref/acc ─► RAM write
//!                                           └── last write (ref, acc) ──┘
//! ```
//!
//! Timing, counted from the cycle in which a command handshakes (`cmd_valid & cmd_ready`):
//! - the op executes one cycle later (S1) and its table write lands at the end of that cycle;
//! - a READ/SWAP/SWAP_LOAD response is visible on `rsp_valid`/`rsp_data` two cycles later
//!   (latency 2), in command order;
//! - one command per clock sustained, whatever the address sequence: the RAM read issued
//!   in S0 cannot see the write S1 makes in the same cycle (read-first), so S1 takes the
//!   previous op's written values instead whenever the addresses match (one-stage forwarding;
//!   the compare is registered in S0 to keep it off the RAM-to-write critical path).
//!
//! Back-pressure: responses wait in a 4-entry queue; `cmd_ready` is a register that is high
//! only while fewer than 4 responses are in flight or queued, so the queue cannot overflow and
//! the pipeline itself never stalls (no stall mux on the RAM path); see [`ResponseCredits`].
//!
//! Reset (synchronous, `reset` high for one or more cycles): drops the op in S1, empties the
//! response queue, clears the `illegal_op` flag, then writes zero to every context, one per
//! clock (`contexts` cycles) with `cmd_ready` low. At power-up the table is already zero (RAM
//! initialisation) and `cmd_ready` rises after the first clock.

use crate::context_ram::ContextRam;
use crate::response_credits::ResponseCredits;
use rust_hdl::prelude::*;

/// The core, `W` bits wide with `2^A` contexts. Build it with [`AtomikCore::default`], or
/// from a run-time [`crate::CoreConfig`] through [`crate::dispatch`].
#[derive(LogicBlock)]
pub struct AtomikCore<const W: usize, const A: usize> {
    pub clock: Signal<In, Clock>,
    /// Synchronous reset (see the module doc).
    pub reset: Signal<In, Bit>,
    /// Command stream: `cmd_op` ([`crate::Op`] encoding), `cmd_addr`, `cmd_data`.
    pub cmd_valid: Signal<In, Bit>,
    pub cmd_ready: Signal<Out, Bit>,
    pub cmd_op: Signal<In, Bits<3>>,
    pub cmd_addr: Signal<In, Bits<A>>,
    pub cmd_data: Signal<In, Bits<W>>,
    /// Response stream: the pre-op state returned by READ, SWAP and SWAP_LOAD, in order.
    pub rsp_valid: Signal<Out, Bit>,
    pub rsp_ready: Signal<In, Bit>,
    pub rsp_data: Signal<Out, Bits<W>>,
    /// Sticky: an illegal opcode (6 or 7) was accepted and dropped since the last reset.
    pub illegal_op: Signal<Out, Bit>,
    reference: ContextRam<W, A>,
    accumulator: ContextRam<W, A>,
    responses: ResponseCredits<W>,
    s1_valid: DFF<Bit>,
    s1_op: DFF<Bits<3>>,
    s1_addr: DFF<Bits<A>>,
    s1_data: DFF<Bits<W>>,
    s1_forward: DFF<Bit>,
    last_ref: DFF<Bits<W>>,
    last_acc: DFF<Bits<W>>,
    ready: DFF<Bit>,
    clearing: DFF<Bit>,
    clear_addr: DFF<Bits<A>>,
    illegal: DFF<Bit>,
    fire: Signal<Local, Bit>,
    clearing_next: Signal<Local, Bit>,
    cur_ref: Signal<Local, Bits<W>>,
    cur_acc: Signal<Local, Bits<W>>,
    state: Signal<Local, Bits<W>>,
    new_ref: Signal<Local, Bits<W>>,
    new_acc: Signal<Local, Bits<W>>,
    op_load: Constant<Bits<3>>,
    op_accum: Constant<Bits<3>>,
    op_read: Constant<Bits<3>>,
    op_swap: Constant<Bits<3>>,
    op_swap_load: Constant<Bits<3>>,
    zero: Constant<Bits<W>>,
    last_addr: Constant<Bits<A>>,
}

impl<const W: usize, const A: usize> Default for AtomikCore<W, A> {
    fn default() -> Self {
        use crate::Op;
        assert!(
            W >= 1 && W <= 64,
            "AtomikCore width W = {W} must be in 1..=64"
        );
        assert!(
            A >= 1 && A <= 16,
            "AtomikCore address bits A = {A} must be in 1..=16"
        );
        let op = |o: Op| Constant::new((o.code() as u64).to_bits());
        AtomikCore {
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
            reference: Default::default(),
            accumulator: Default::default(),
            responses: Default::default(),
            s1_valid: Default::default(),
            s1_op: Default::default(),
            s1_addr: Default::default(),
            s1_data: Default::default(),
            s1_forward: Default::default(),
            last_ref: Default::default(),
            last_acc: Default::default(),
            ready: Default::default(),
            clearing: Default::default(),
            clear_addr: Default::default(),
            illegal: Default::default(),
            fire: Default::default(),
            clearing_next: Default::default(),
            cur_ref: Default::default(),
            cur_acc: Default::default(),
            state: Default::default(),
            new_ref: Default::default(),
            new_acc: Default::default(),
            op_load: op(Op::Load),
            op_accum: op(Op::Accum),
            op_read: op(Op::Read),
            op_swap: op(Op::Swap),
            op_swap_load: op(Op::SwapLoad),
            zero: Constant::new(0u64.to_bits()),
            last_addr: Constant::new(((1u64 << A) - 1).to_bits()),
        }
    }
}

impl<const W: usize, const A: usize> Logic for AtomikCore<W, A> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, s1_valid, s1_op, s1_addr, s1_data, s1_forward, last_ref, last_acc, ready,
            clearing, clear_addr, illegal
        );
        self.reference.clock.next = self.clock.val();
        self.accumulator.clock.next = self.clock.val();
        self.responses.clock.next = self.clock.val();

        // ---- S0: accept a command and start its table reads --------------------------------
        self.cmd_ready.next = self.ready.q.val();
        self.fire.next = self.cmd_valid.val() & self.ready.q.val();
        self.reference.read_address.next = self.cmd_addr.val();
        self.accumulator.read_address.next = self.cmd_addr.val();
        self.s1_valid.d.next = self.fire.val()
            & self.cmd_op.val().any()
            & (self.cmd_op.val() <= self.op_swap_load.val());
        self.s1_op.d.next = self.cmd_op.val();
        self.s1_addr.d.next = self.cmd_addr.val();
        self.s1_data.d.next = self.cmd_data.val();
        // The op now in S1 writes at the end of this cycle, after this cycle's RAM read.
        self.s1_forward.d.next =
            self.s1_valid.q.val() & (self.s1_addr.q.val() == self.cmd_addr.val());
        self.illegal.d.next = self.illegal.q.val()
            | (self.fire.val() & (self.cmd_op.val() > self.op_swap_load.val()));
        self.illegal_op.next = self.illegal.q.val();

        // ---- S1: execute -------------------------------------------------------------------
        self.cur_ref.next = self.reference.read_data.val();
        self.cur_acc.next = self.accumulator.read_data.val();
        if self.s1_forward.q.val() {
            self.cur_ref.next = self.last_ref.q.val();
            self.cur_acc.next = self.last_acc.q.val();
        }
        self.state.next = self.cur_ref.val() ^ self.cur_acc.val();
        self.new_ref.next = self.cur_ref.val();
        self.new_acc.next = self.cur_acc.val();
        if self.s1_op.q.val() == self.op_load.val() {
            self.new_ref.next = self.s1_data.q.val();
            self.new_acc.next = self.zero.val();
        }
        if self.s1_op.q.val() == self.op_accum.val() {
            self.new_acc.next = self.cur_acc.val() ^ self.s1_data.q.val();
        }
        if self.s1_op.q.val() == self.op_swap.val() {
            self.new_ref.next = self.state.val();
            self.new_acc.next = self.zero.val();
        }
        if self.s1_op.q.val() == self.op_swap_load.val() {
            self.new_ref.next = self.s1_data.q.val();
            self.new_acc.next = self.zero.val();
        }
        self.last_ref.d.next = self.new_ref.val();
        self.last_acc.d.next = self.new_acc.val();

        // Table write port: the op in S1, or the reset sweep (never both: no op is accepted
        // while clearing).
        self.reference.write_address.next = self.s1_addr.q.val();
        self.accumulator.write_address.next = self.s1_addr.q.val();
        self.reference.write_data.next = self.new_ref.val();
        self.accumulator.write_data.next = self.new_acc.val();
        self.reference.write_enable.next =
            self.s1_valid.q.val() & (self.s1_op.q.val() != self.op_read.val());
        self.accumulator.write_enable.next =
            self.s1_valid.q.val() & (self.s1_op.q.val() != self.op_read.val());
        if self.clearing.q.val() {
            self.reference.write_address.next = self.clear_addr.q.val();
            self.accumulator.write_address.next = self.clear_addr.q.val();
            self.reference.write_data.next = self.zero.val();
            self.accumulator.write_data.next = self.zero.val();
            self.reference.write_enable.next = true;
            self.accumulator.write_enable.next = true;
        }

        // ---- Responses and credits ---------------------------------------------------------
        self.responses.reset.next = self.reset.val();
        self.responses.push.next = self.s1_valid.q.val()
            & ((self.s1_op.q.val() == self.op_read.val())
                | (self.s1_op.q.val() == self.op_swap.val())
                | (self.s1_op.q.val() == self.op_swap_load.val()));
        self.responses.push_data.next = self.state.val();
        self.responses.pop.next = self.rsp_ready.val();
        self.rsp_valid.next = self.responses.valid.val();
        self.rsp_data.next = self.responses.data.val();
        self.responses.responds.next = self.fire.val()
            & ((self.cmd_op.val() == self.op_read.val())
                | (self.cmd_op.val() == self.op_swap.val())
                | (self.cmd_op.val() == self.op_swap_load.val()));

        // ---- Reset sweep -------------------------------------------------------------------
        self.clearing_next.next = self.clearing.q.val();
        if self.clearing.q.val() {
            self.clear_addr.d.next = self.clear_addr.q.val() + 1;
            if self.clear_addr.q.val() == self.last_addr.val() {
                self.clearing_next.next = false;
            }
        }
        if self.reset.val() {
            self.s1_valid.d.next = false;
            self.s1_forward.d.next = false;
            self.illegal.d.next = false;
            self.clear_addr.d.next = 0.into();
            self.clearing_next.next = true;
        }
        self.clearing.d.next = self.clearing_next.val();
        self.ready.d.next =
            !self.reset.val() & !self.clearing_next.val() & self.responses.room.val();
    }
}
