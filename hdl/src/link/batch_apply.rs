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
//! Timing: a block RAM's clock-to-out is slow (DP16KD without its output register 5.83 ns in
//! nextpnr-ecp5's model, Gowin BSRAM 3.46 ns), so the word read lands in a flip-flop with no
//! logic before it: the sequencer reads up to [`PREFETCH`] deltas ahead into a small FIFO whose
//! entries load `read_data` directly (the entry is chosen by clock enables), and the core's
//! commands come from the FIFO through a [`CommandSlice`] (registered command and ready). When
//! the RAM fed the core's decode directly it was the ULX3S 256-lane board top's critical path
//! (98.2 MHz); through the slice's input mux, still 8.74 ns (114.4 MHz).
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
const _: () = assert!(FRAME_BUFFER_ADDR_BITS == 7 && BATCH_HALF_BIT == 8 && PREFETCH == 4);

/// Deltas read ahead of the core: one read in flight and the FIFO's entries. Four keep one
/// delta per clock going with a read in flight and the slice's ready a clock late.
pub const PREFETCH: usize = 4;

/// Batch sequencer, the frame buffer it reads and its prefetch FIFO.
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
    /// The batch's half of the buffer (address bit 6).
    half: DFF<Bit>,
    /// The batch frame's context (its `addr`).
    target: DFF<Bits<16>>,
    /// The next word to read, within the half.
    read_index: DFF<Bits<6>>,
    /// Deltas not read yet.
    to_read: DFF<Bits<7>>,
    /// Deltas not handed to the slice yet, minus one.
    to_give: DFF<Bits<6>>,
    /// A word was read last clock: it is on `read_data` now and lands in the FIFO.
    in_flight: DFF<Bit>,
    /// The prefetch FIFO: four entries, written at `wr_ptr`, read at `rd_ptr`.
    entry0: DFF<Bits<64>>,
    entry1: DFF<Bits<64>>,
    entry2: DFF<Bits<64>>,
    entry3: DFF<Bits<64>>,
    wr_ptr: DFF<Bits<2>>,
    rd_ptr: DFF<Bits<2>>,
    /// Entries holding a delta.
    count: DFF<Bits<3>>,
    head: Signal<Local, Bits<64>>,
    read_now: Signal<Local, Bit>,
    give: Signal<Local, Bit>,
    is_start: Signal<Local, Bit>,
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
            half: Default::default(),
            target: Default::default(),
            read_index: Default::default(),
            to_read: Default::default(),
            to_give: Default::default(),
            in_flight: Default::default(),
            entry0: Default::default(),
            entry1: Default::default(),
            entry2: Default::default(),
            entry3: Default::default(),
            wr_ptr: Default::default(),
            rd_ptr: Default::default(),
            count: Default::default(),
            head: Default::default(),
            read_now: Default::default(),
            give: Default::default(),
            is_start: Default::default(),
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
        dff_setup!(
            self, clock, active, half, target, read_index, to_read, to_give, in_flight, entry0,
            entry1, entry2, entry3, wr_ptr, rd_ptr, count
        );
        self.buffer.write_clock.next = self.link_clock.val();
        self.buffer.write_enable.next = self.buf_write.val();
        self.buffer.write_address.next = self.buf_address.val();
        self.buffer.write_data.next = self.buf_data.val();
        self.buffer.read_clock.next = self.clock.val();
        // Registers only on the address: the half and the index.
        self.buffer.read_address.next = (bit_cast::<7, 1>(self.half.q.val().into()) << 6)
            | bit_cast::<7, 6>(self.read_index.q.val());
        self.slice.clock.next = self.clock.val();
        self.cmd_valid.next = self.slice.out_valid.val();
        self.cmd_op.next = self.slice.out_op.val();
        self.cmd_addr.next = self.slice.out_addr.val();
        self.cmd_data.next = self.slice.out_data.val();
        self.slice.out_ready.next = self.cmd_ready.val();
        self.is_start.next = self.up_op.val() == self.start_op.val();

        // ---- Reads: one per clock while the FIFO has room for it and the one in flight ----
        self.read_now.next = self.active.q.val()
            & self.to_read.q.val().any()
            & ((self.count.q.val() + bit_cast::<3, 1>(self.in_flight.q.val().into())) < 4);
        self.in_flight.d.next = self.read_now.val();
        if self.read_now.val() {
            self.read_index.d.next = self.read_index.q.val() + 1;
            self.to_read.d.next = self.to_read.q.val() - 1;
        }
        // The word read last clock goes straight from the RAM into the entry at `wr_ptr`.
        if self.in_flight.q.val() {
            if self.wr_ptr.q.val() == 0 {
                self.entry0.d.next = self.buffer.read_data.val();
            }
            if self.wr_ptr.q.val() == 1 {
                self.entry1.d.next = self.buffer.read_data.val();
            }
            if self.wr_ptr.q.val() == 2 {
                self.entry2.d.next = self.buffer.read_data.val();
            }
            if self.wr_ptr.q.val() == 3 {
                self.entry3.d.next = self.buffer.read_data.val();
            }
            self.wr_ptr.d.next = self.wr_ptr.q.val() + 1;
        }
        self.head.next = self.entry0.q.val();
        if self.rd_ptr.q.val() == 1 {
            self.head.next = self.entry1.q.val();
        }
        if self.rd_ptr.q.val() == 2 {
            self.head.next = self.entry2.q.val();
        }
        if self.rd_ptr.q.val() == 3 {
            self.head.next = self.entry3.q.val();
        }

        // ---- Commands into the slice ----------------------------------------------------
        // Idle: everything passes through; a batch start is taken at once.
        self.give.next = false;
        self.slice.in_valid.next = self.up_valid.val() & !self.is_start.val();
        self.slice.in_op.next = self.up_op.val();
        self.slice.in_addr.next = self.up_addr.val();
        self.slice.in_data.next = self.up_data.val();
        self.up_ready.next = self.is_start.val() | self.slice.in_ready.val();
        if !self.active.q.val() & self.up_valid.val() & self.is_start.val() {
            self.active.d.next = true;
            // The half is bit 8 of the start's data (BATCH_HALF_BIT), n - 1 its bits 5..0.
            self.half.d.next = self.up_data.val().get_bit(8);
            self.target.d.next = self.up_addr.val();
            self.read_index.d.next = 0.into();
            self.to_read.d.next = bit_cast::<7, 6>(self.up_data.val().get_bits::<6>(0)) + 1;
            self.to_give.d.next = self.up_data.val().get_bits::<6>(0);
        }
        if self.active.q.val() {
            self.up_ready.next = false;
            self.slice.in_valid.next = self.count.q.val().any();
            self.slice.in_op.next = self.accum_op.val();
            self.slice.in_addr.next = self.target.q.val();
            self.slice.in_data.next = self.head.val();
            self.give.next = self.count.q.val().any() & self.slice.in_ready.val();
            if self.give.val() {
                self.rd_ptr.d.next = self.rd_ptr.q.val() + 1;
                self.to_give.d.next = self.to_give.q.val() - 1;
                if !self.to_give.q.val().any() {
                    self.active.d.next = false;
                }
            }
        }
        self.count.d.next = self.count.q.val() + bit_cast::<3, 1>(self.in_flight.q.val().into())
            - bit_cast::<3, 1>(self.give.val().into());
    }
}
