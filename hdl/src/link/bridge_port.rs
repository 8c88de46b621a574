//! Everything of a host link above its bytes: the frame bridge, in the link's clock domain,
//! and a [`HandshakePort`] carrying each command into the core's clock domain and its response
//! back. A link is a byte PHY (UART, FT245 FIFO) in front of this block.
//!
//! ```text
//!   link clock                                          │ core clock (the PLL)
//!   rx_valid/rx_data ─► CommandBridge ─► adapter ─► HandshakePort ─► BatchApply ─► cmd_* ─► (core)
//!   tx_valid/tx_data ◄─    │    │      ◄─ adapter ◄─      │        ◄────────────── rsp_* ◄─
//!                          │    └─ batch deltas ─► FrameBuffer ──────────┘ (one per clock)
//! ```
//! The adapter turns the bridge's valid/ready streams into the port's one-command-at-a-time
//! protocol: a command is taken when the port is idle and no answer is awaited; an answering
//! op's response is handed on when the port's completion count moves. A batch frame crosses
//! as one command (its start) through the port while its deltas cross in the frame buffer's
//! RAM, so the per-delta cost is one core clock, not a handshake (~10 link clocks). In
//! simulation both clocks may be the same clock.

use super::batch_apply::BatchApply;
use super::bridge::CommandBridge;
use super::handshake_port::HandshakePort;
use rust_hdl::prelude::*;

/// Frame bridge and clock crossing for one core; `clocks_per_bit` scales the bridge's idle
/// timeout (see [`CommandBridge::new`]).
#[derive(LogicBlock)]
pub struct BridgePort {
    /// The link's clock (bridge, byte PHY).
    pub clock: Signal<In, Clock>,
    /// Synchronous to `clock`: resets the bridge.
    pub reset: Signal<In, Bit>,
    /// The core's clock; `cmd_*` and `rsp_*` are in this domain.
    pub core_clock: Signal<In, Clock>,
    /// One-clock strobe: `rx_data` is a byte from the host.
    pub rx_valid: Signal<In, Bit>,
    pub rx_data: Signal<In, Bits<8>>,
    /// The bridge takes the byte offered this clock (see [`CommandBridge::rx_ready`]).
    pub rx_ready: Signal<Out, Bit>,
    /// A byte for the host, taken when `tx_ready`.
    pub tx_valid: Signal<Out, Bit>,
    pub tx_data: Signal<Out, Bits<8>>,
    pub tx_ready: Signal<In, Bit>,
    pub cmd_valid: Signal<Out, Bit>,
    pub cmd_ready: Signal<In, Bit>,
    pub cmd_op: Signal<Out, Bits<4>>,
    pub cmd_addr: Signal<Out, Bits<16>>,
    pub cmd_data: Signal<Out, Bits<64>>,
    pub rsp_valid: Signal<In, Bit>,
    pub rsp_ready: Signal<Out, Bit>,
    pub rsp_data: Signal<In, Bits<64>>,
    /// Frames dropped (bad CRC or stalled) since reset.
    pub dropped: Signal<Out, Bits<16>>,
    bridge: CommandBridge,
    port: HandshakePort,
    apply: BatchApply,
    /// An answering command is in the port; its answer comes when `done` reaches `done_at`.
    expect_rsp: DFF<Bit>,
    done_at: DFF<Bits<8>>,
    /// The answer is in the port (`expect_rsp`, the port idle and `done` at `done_at`),
    /// registered: once true it stays true until the bridge takes the answer (nothing else
    /// is issued meanwhile), so registering costs one link clock per answer. Why: as logic it
    /// ran from `expect_rsp` (placed by its large fan-out through `take`) through the
    /// bridge's handshake and back to `expect_rsp`'s enable, two long hops and four LUTs:
    /// the Alchitry Cu link clock's critical path (10.9 ns against the 100 MHz oscillator).
    answer_ready: DFF<Bit>,
    take: Signal<Local, Bit>,
    answer_taken: Signal<Local, Bit>,
}

impl BridgePort {
    pub fn new(clocks_per_bit: u16) -> Self {
        BridgePort {
            clock: Default::default(),
            reset: Default::default(),
            core_clock: Default::default(),
            rx_valid: Default::default(),
            rx_data: Default::default(),
            rx_ready: Default::default(),
            tx_valid: Default::default(),
            tx_data: Default::default(),
            tx_ready: Default::default(),
            cmd_valid: Default::default(),
            cmd_ready: Default::default(),
            cmd_op: Default::default(),
            cmd_addr: Default::default(),
            cmd_data: Default::default(),
            rsp_valid: Default::default(),
            rsp_ready: Default::default(),
            rsp_data: Default::default(),
            dropped: Default::default(),
            bridge: CommandBridge::new(clocks_per_bit),
            port: Default::default(),
            apply: BatchApply::new(),
            expect_rsp: Default::default(),
            done_at: Default::default(),
            answer_ready: Default::default(),
            take: Default::default(),
            answer_taken: Default::default(),
        }
    }
}

impl Logic for BridgePort {
    #[hdl_gen]
    fn update(&mut self) {
        self.bridge.clock.next = self.clock.val();
        self.bridge.reset.next = self.reset.val();
        self.bridge.rx_valid.next = self.rx_valid.val();
        self.bridge.rx_data.next = self.rx_data.val();
        self.rx_ready.next = self.bridge.rx_ready.val();
        self.tx_valid.next = self.bridge.tx_valid.val();
        self.tx_data.next = self.bridge.tx_data.val();
        self.bridge.tx_ready.next = self.tx_ready.val();
        // ---- Adapter (link domain) ------------------------------------------------------
        dff_setup!(self, clock, expect_rsp, done_at, answer_ready);
        self.port.host_clock.next = self.clock.val();
        self.port.clock.next = self.core_clock.val();
        self.take.next =
            self.bridge.cmd_valid.val() & !self.port.busy.val() & !self.expect_rsp.q.val();
        self.bridge.cmd_ready.next = self.take.val();
        self.port.issue.next = self.take.val();
        self.port.host_op.next = self.bridge.cmd_op.val();
        self.port.host_addr.next = self.bridge.cmd_addr.val();
        self.port.host_data.next = self.bridge.cmd_data.val();
        if self.take.val() {
            // READ, SWAP, SWAP_LOAD and STATUS answer; the port counts every completion.
            self.expect_rsp.d.next = (self.bridge.cmd_op.val() == 3)
                | (self.bridge.cmd_op.val() == 4)
                | (self.bridge.cmd_op.val() == 5)
                | (self.bridge.cmd_op.val() == 8);
            self.done_at.d.next = self.port.done.val() + 1;
        }
        self.answer_taken.next = self.answer_ready.q.val() & self.bridge.rsp_ready.val();
        self.answer_ready.d.next = self.expect_rsp.q.val()
            & !self.port.busy.val()
            & (self.port.done.val() == self.done_at.q.val())
            & !self.answer_taken.val();
        self.bridge.rsp_valid.next = self.answer_ready.q.val();
        self.bridge.rsp_data.next = self.port.host_rsp.val();
        if self.answer_taken.val() {
            self.expect_rsp.d.next = false;
        }
        if self.reset.val() {
            self.expect_rsp.d.next = false;
            self.answer_ready.d.next = false;
        }
        // ---- Frame buffer writes (link domain) ------------------------------------------
        self.apply.link_clock.next = self.clock.val();
        self.apply.buf_write.next = self.bridge.buf_write.val();
        self.apply.buf_address.next = self.bridge.buf_address.val();
        self.apply.buf_data.next = self.bridge.buf_data.val();
        // ---- Core domain ---------------------------------------------------------------
        self.apply.clock.next = self.core_clock.val();
        self.apply.up_valid.next = self.port.cmd_valid.val();
        self.port.cmd_ready.next = self.apply.up_ready.val();
        self.apply.up_op.next = self.port.cmd_op.val();
        self.apply.up_addr.next = self.port.cmd_addr.val();
        self.apply.up_data.next = self.port.cmd_data.val();
        self.cmd_valid.next = self.apply.cmd_valid.val();
        self.apply.cmd_ready.next = self.cmd_ready.val();
        self.cmd_op.next = self.apply.cmd_op.val();
        self.cmd_addr.next = self.apply.cmd_addr.val();
        self.cmd_data.next = self.apply.cmd_data.val();
        self.port.rsp_valid.next = self.rsp_valid.val();
        self.rsp_ready.next = self.port.rsp_ready.val();
        self.port.rsp_data.next = self.rsp_data.val();
        self.dropped.next = self.bridge.dropped.val();
    }
}
