//! The batch frame buffer: two halves of [`MAX_BATCH_DELTAS`] 64-bit deltas in block RAM,
//! written in the link's clock domain and read in the core's.
//!
//! ```text
//!   write_clock (link):  write_address / write_data / write_enable ──►┌──────────┐
//!                                                                     │ 128 x 64 │
//!   read_clock (core):   read_address ──────────────────────────────►└──────────┴─► read_data
//! ```
//! The two ports have their own clocks, so the RAM itself is the clock crossing for a
//! batch's deltas: the frame bridge writes a frame's deltas into one half, hands the half
//! over through the command port (one toggle handshake per frame, not per delta), and the
//! [`super::batch_apply::BatchApply`] reads it out at one delta per core clock while the
//! bridge fills the other half. A half is never written while it is read (the bridge writes
//! only the half it has not handed over; see `bridge.formal.sv`), so the words cross as
//! quasi-static data, like the command port's held command.
//!
//! The write port is registered: a write reaches the RAM one `write_clock` after it is offered.
//! Why: the bridge's write enable is four LUT levels of its receive state (byte valid, payload
//! flag, byte index), and with the RAM's own write setup after them that was the iCE40
//! link-clock critical path, 10.4 ns against the Alchitry Cu's 100 MHz oscillator even at one
//! lane. The core reads a half only after the bridge has checked the frame's CRC (four more
//! bytes) and handed the half over through the command port's clock crossing, so the word
//! has long landed by then.
//!
//! Area: 64 bits wide so a delta is one read. On iCE40 that is four SB_RAM40_4K (256 x 16
//! each, half their depth used) where the byte-wide buffer of the one-delta-per-8-clocks
//! design was one; on Gowin and ECP5 two BSRAM / DP16KD (x36 at most). Why: one delta per
//! clock needs 64 bits per read, and a ping-pong pair fits in the depth those blocks have
//! anyway.

use super::frame::MAX_BATCH_DELTAS;
use rust_hdl::prelude::*;

/// Address bits of the buffer: two halves of [`MAX_BATCH_DELTAS`] words; the top bit is the
/// half.
pub const FRAME_BUFFER_ADDR_BITS: usize = 7;
const _: () = assert!(1 << FRAME_BUFFER_ADDR_BITS == 2 * MAX_BATCH_DELTAS);

/// 128 x 64-bit RAM, one write port and one registered read port on separate clocks.
#[derive(LogicBlock)]
pub struct FrameBuffer {
    /// The write port's clock (the link's).
    pub write_clock: Signal<In, Clock>,
    pub write_address: Signal<In, Bits<FRAME_BUFFER_ADDR_BITS>>,
    pub write_data: Signal<In, Bits<64>>,
    pub write_enable: Signal<In, Bit>,
    /// The read port's clock (the core's).
    pub read_clock: Signal<In, Clock>,
    /// Word to read; its data appears on `read_data` after the next rising `read_clock`.
    pub read_address: Signal<In, Bits<FRAME_BUFFER_ADDR_BITS>>,
    pub read_data: Signal<Out, Bits<64>>,
    _mem: Vec<Bits<64>>,
    /// The registered write: (address, word) offered at the last `write_clock` edge with
    /// `write_enable` high, written into `_mem` at the next edge.
    _pending: Option<(usize, Bits<64>)>,
}

impl Default for FrameBuffer {
    fn default() -> Self {
        FrameBuffer {
            write_clock: Default::default(),
            write_address: Default::default(),
            write_data: Default::default(),
            write_enable: Default::default(),
            read_clock: Default::default(),
            read_address: Default::default(),
            read_data: Default::default(),
            _mem: vec![Bits::<64>::default(); 1 << FRAME_BUFFER_ADDR_BITS],
            _pending: None,
        }
    }
}

impl Logic for FrameBuffer {
    fn update(&mut self) {
        if self.read_clock.pos_edge() {
            self.read_data.next = self._mem[self.read_address.val().index()];
        }
        if self.write_clock.pos_edge() {
            if let Some((at, word)) = self._pending.take() {
                self._mem[at] = word;
            }
            if self.write_enable.val() {
                self._pending = Some((self.write_address.val().index(), self.write_data.val()));
            }
        }
    }

    fn connect(&mut self) {
        self.read_data.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "\
reg [63:0] mem [0:{last}];
reg write_q;
reg [{abits}:0] address_q;
reg [63:0] data_q;
integer i;
initial begin
   for (i = 0; i <= {last}; i = i + 1) mem[i] = 64'd0;
   read_data = 64'd0;
   write_q = 1'b0;
end

always @(posedge write_clock) begin
   write_q <= write_enable;
   address_q <= write_address;
   data_q <= write_data;
   if (write_q) mem[address_q] <= data_q;
end

always @(posedge read_clock)
   read_data <= mem[read_address];
",
            last = (1usize << FRAME_BUFFER_ADDR_BITS) - 1,
            abits = FRAME_BUFFER_ADDR_BITS - 1,
        ))
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![
            TimingInfo {
                name: "frame_buffer_write".into(),
                clock: "write_clock".into(),
                inputs: vec![
                    "write_address".into(),
                    "write_data".into(),
                    "write_enable".into(),
                ],
                outputs: vec![],
            },
            TimingInfo {
                name: "frame_buffer_read".into(),
                clock: "read_clock".into(),
                inputs: vec!["read_address".into()],
                outputs: vec!["read_data".into()],
            },
        ]
    }
}
