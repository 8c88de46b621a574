//! Applies a checked batch frame at one delta per core clock: in the core's clock domain, on
//! the command stream between the frame bridge (or its command port) and the core.
//!
//! ```text
//!   up_* (bridge / port) ─► BatchApply ─► cmd_* (core)
//!                              │  ▲ read_data (one 64-bit delta per clock)
//!                              ▼  │
//!   bridge's buffer writes ─► FrameBuffer (write: link clock, read: core clock)
//! ```
//! Every command passes straight through except [`BATCH_START_OP`], which the bridge issues
//! once per checked batch frame with `data = {half, n - 1}` (bit [`BATCH_HALF_BIT`], bits
//! 5..0) and the frame's context in `addr`. It is taken at once and the batch's n deltas are
//! then offered to the core as ACCUMs to `addr`, one per clock while the core is ready, read
//! from that half of the frame buffer; the next command from upstream waits until the last
//! delta is taken, so the core sees every frame's commands in frame order. Taking the start
//! at once lets the command port finish its handshake and the bridge answer the frame and
//! receive the next one into the other half while this one drains.
//!
//! The commands reach the core through a [`CommandSlice`], so the buffer's read port (a block
//! RAM, slow clock-to-out) and the core's decode are a register apart; see there.
//!
//! Op 15 is no core opcode (0 to 8) and the bridge answers every command frame with an op
//! above 8 "illegal" without issuing it, so only the bridge's batch start carries it.

use super::command_slice::CommandSlice;
use super::frame_buffer::{FrameBuffer, FRAME_BUFFER_ADDR_BITS};
use crate::op::Op;
use rust_hdl::prelude::*;

/// The command-stream op of a batch start (not a core opcode).
pub const BATCH_START_OP: u64 = 15;
/// The bit of a batch start's `data` naming the frame-buffer half.
pub const BATCH_HALF_BIT: usize = 8;
// The update below writes these as literals (hdl_gen takes no named constants there).
const _: () = assert!(FRAME_BUFFER_ADDR_BITS == 7 && BATCH_HALF_BIT == 8);

/// Batch sequencer and the frame buffer it reads.
#[derive(LogicBlock)]
pub struct BatchApply {
    /// The core's clock: the sequencer, `up_*`, `cmd_*` and the buffer's read port.
    pub clock: Signal<In, Clock>,
    /// The link's clock: the buffer's write port.
    pub link_clock: Signal<In, Clock>,
    /// Buffer write port (link domain), driven by the bridge.
    pub buf_write: Signal<In, Bit>,
    pub buf_address: Signal<In, Bits<FRAME_BUFFER_ADDR_BITS>>,
    pub buf_data: Signal<In, Bits<64>>,
    pub up_valid: Signal<In, Bit>,
    pub up_ready: Signal<Out, Bit>,
    pub up_op: Signal<In, Bits<4>>,
    pub up_addr: Signal<In, Bits<16>>,
    pub up_data: Signal<In, Bits<64>>,
    pub cmd_valid: Signal<Out, Bit>,
    pub cmd_ready: Signal<In, Bit>,
    pub cmd_op: Signal<Out, Bits<4>>,
    pub cmd_addr: Signal<Out, Bits<16>>,
    pub cmd_data: Signal<Out, Bits<64>>,
    buffer: FrameBuffer,
    /// Registers the command stream between this sequencer and the core.
    slice: CommandSlice,
    /// A batch is being offered to the core.
    active: DFF<Bit>,
    /// The first word of the batch's half (`half << 6`).
    base: DFF<Bits<7>>,
    /// The batch frame's context (its `addr`).
    target: DFF<Bits<16>>,
    /// Deltas still to offer after the one on `read_data`.
    left: DFF<Bits<6>>,
    /// The delta on the buffer's `read_data` and the one after (kept as a register so that
    /// the core's ready only selects between two addresses).
    index: DFF<Bits<6>>,
    index_after: DFF<Bits<6>>,
    is_start: Signal<Local, Bit>,
    start_base: Signal<Local, Bits<7>>,
    fire: Signal<Local, Bit>,
    start_op: Constant<Bits<4>>,
    accum_op: Constant<Bits<4>>,
}

impl BatchApply {
    pub fn new() -> Self {
        BatchApply {
            clock: Default::default(),
            link_clock: Default::default(),
            buf_write: Default::default(),
            buf_address: Default::default(),
            buf_data: Default::default(),
            up_valid: Default::default(),
            up_ready: Default::default(),
            up_op: Default::default(),
            up_addr: Default::default(),
            up_data: Default::default(),
            cmd_valid: Default::default(),
            cmd_ready: Default::default(),
            cmd_op: Default::default(),
            cmd_addr: Default::default(),
            cmd_data: Default::default(),
            buffer: Default::default(),
            slice: Default::default(),
            active: Default::default(),
            base: Default::default(),
            target: Default::default(),
            left: Default::default(),
            index: Default::default(),
            index_after: Default::default(),
            is_start: Default::default(),
            start_base: Default::default(),
            fire: Default::default(),
            start_op: Constant::new(BATCH_START_OP.to_bits()),
            accum_op: Constant::new((Op::Accum as u64).to_bits()),
        }
    }
}

impl Default for BatchApply {
    fn default() -> Self {
        Self::new()
    }
}

impl Logic for BatchApply {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, active, base, target, left, index, index_after);
        self.buffer.write_clock.next = self.link_clock.val();
        self.buffer.write_enable.next = self.buf_write.val();
        self.buffer.write_address.next = self.buf_address.val();
        self.buffer.write_data.next = self.buf_data.val();
        self.buffer.read_clock.next = self.clock.val();
        self.slice.clock.next = self.clock.val();
        self.cmd_valid.next = self.slice.out_valid.val();
        self.cmd_op.next = self.slice.out_op.val();
        self.cmd_addr.next = self.slice.out_addr.val();
        self.cmd_data.next = self.slice.out_data.val();
        self.slice.out_ready.next = self.cmd_ready.val();
        self.is_start.next = self.up_op.val() == self.start_op.val();
        self.fire.next = false;
        // Idle: everything passes through; a batch start is taken here and primes the read
        // of its first delta, so the delta is on read_data the clock the batch becomes active.
        self.slice.in_valid.next = self.up_valid.val() & !self.is_start.val();
        self.slice.in_op.next = self.up_op.val();
        self.slice.in_addr.next = self.up_addr.val();
        self.slice.in_data.next = self.up_data.val();
        self.up_ready.next = self.is_start.val() | self.slice.in_ready.val();
        // The half is bit 8 of the start's data (BATCH_HALF_BIT).
        self.start_base.next = bit_cast::<7, 1>(self.up_data.val().get_bits::<1>(8)) << 6;
        self.buffer.read_address.next = self.start_base.val();
        if !self.active.q.val() & self.up_valid.val() & self.is_start.val() {
            self.active.d.next = true;
            self.base.d.next = self.start_base.val();
            self.target.d.next = self.up_addr.val();
            self.left.d.next = self.up_data.val().get_bits::<6>(0);
            self.index.d.next = 0.into();
            self.index_after.d.next = 1.into();
        }
        if self.active.q.val() {
            self.up_ready.next = false;
            self.slice.in_valid.next = true;
            self.slice.in_op.next = self.accum_op.val();
            self.slice.in_addr.next = self.target.q.val();
            self.slice.in_data.next = self.buffer.read_data.val();
            self.fire.next = self.slice.in_ready.val();
            self.buffer.read_address.next =
                self.base.q.val() | bit_cast::<7, 6>(self.index.q.val());
            if self.fire.val() {
                self.buffer.read_address.next =
                    self.base.q.val() | bit_cast::<7, 6>(self.index_after.q.val());
                self.index.d.next = self.index_after.q.val();
                self.index_after.d.next = self.index_after.q.val() + 1;
                self.left.d.next = self.left.q.val() - 1;
                if !self.left.q.val().any() {
                    self.active.d.next = false;
                }
            }
        }
    }
}
