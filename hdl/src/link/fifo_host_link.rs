//! The board's host link over an FTDI FT245 synchronous FIFO: [`Ft245Fifo`] on the chip's
//! CLKOUT in front of the same frame bridge and clock crossing as the UART link
//! ([`BridgePort`]), so frames, exactly-once and the core port are unchanged.
//!
//! ```text
//!   FTDI CLKOUT domain (60 MHz)                                   │ core clock
//!   RXF#/TXE#/RD#/WR#/OE#/D ─► Ft245Fifo ─► bytes ─► BridgePort ──┼─► cmd_* / rsp_*
//! ```
//! Why the link runs on CLKOUT: the FIFO bus is synchronous to it, and the bridge's logic
//! already meets the tens of MHz a UART link needs; 60 MHz is the FIFO's own rate, and the
//! core keeps its own clock behind the port.

use super::bridge_port::BridgePort;
use super::ft245::Ft245Fifo;
use super::FifoLinkConfig;
use rust_hdl::prelude::*;

/// FT245 FIFO host link for one core; see [`FifoLinkConfig`] for its parameters.
#[derive(LogicBlock)]
pub struct FifoHostLink {
    /// The FTDI chip's CLKOUT: the FIFO bus and the bridge.
    pub clock: Signal<In, Clock>,
    /// Synchronous to `clock`: releases the bus, resets the bridge.
    pub reset: Signal<In, Bit>,
    /// The core's clock; `cmd_*` and `rsp_*` are in this domain.
    pub core_clock: Signal<In, Clock>,
    pub rxf_n: Signal<In, Bit>,
    pub txe_n: Signal<In, Bit>,
    pub rd_n: Signal<Out, Bit>,
    pub wr_n: Signal<Out, Bit>,
    pub oe_n: Signal<Out, Bit>,
    /// D[7:0] as split by the pads: what the chip drives, what the FPGA drives, and when.
    pub data_in: Signal<In, Bits<8>>,
    pub data_out: Signal<Out, Bits<8>>,
    pub data_oe: Signal<Out, Bit>,
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
    fifo: Ft245Fifo,
    bridge: BridgePort,
}

impl FifoHostLink {
    pub fn new(config: &FifoLinkConfig) -> Self {
        FifoHostLink {
            clock: Default::default(),
            reset: Default::default(),
            core_clock: Default::default(),
            rxf_n: Default::default(),
            txe_n: Default::default(),
            rd_n: Default::default(),
            wr_n: Default::default(),
            oe_n: Default::default(),
            data_in: Default::default(),
            data_out: Default::default(),
            data_oe: Default::default(),
            cmd_valid: Default::default(),
            cmd_ready: Default::default(),
            cmd_op: Default::default(),
            cmd_addr: Default::default(),
            cmd_data: Default::default(),
            rsp_valid: Default::default(),
            rsp_ready: Default::default(),
            rsp_data: Default::default(),
            dropped: Default::default(),
            fifo: Default::default(),
            bridge: BridgePort::new(config.timeout_clocks_per_bit),
        }
    }
}

impl Logic for FifoHostLink {
    #[hdl_gen]
    fn update(&mut self) {
        self.fifo.clock.next = self.clock.val();
        self.fifo.reset.next = self.reset.val();
        self.bridge.clock.next = self.clock.val();
        self.bridge.reset.next = self.reset.val();
        self.bridge.core_clock.next = self.core_clock.val();
        self.fifo.rxf_n.next = self.rxf_n.val();
        self.fifo.txe_n.next = self.txe_n.val();
        self.rd_n.next = self.fifo.rd_n.val();
        self.wr_n.next = self.fifo.wr_n.val();
        self.oe_n.next = self.fifo.oe_n.val();
        self.fifo.data_in.next = self.data_in.val();
        self.data_out.next = self.fifo.data_out.val();
        self.data_oe.next = self.fifo.data_oe.val();
        self.bridge.rx_valid.next = self.fifo.rx_valid.val();
        self.bridge.rx_data.next = self.fifo.rx_data.val();
        self.fifo.rx_ready.next = self.bridge.rx_ready.val();
        self.fifo.tx_valid.next = self.bridge.tx_valid.val();
        self.fifo.tx_data.next = self.bridge.tx_data.val();
        self.bridge.tx_ready.next = self.fifo.tx_ready.val();
        self.cmd_valid.next = self.bridge.cmd_valid.val();
        self.bridge.cmd_ready.next = self.cmd_ready.val();
        self.cmd_op.next = self.bridge.cmd_op.val();
        self.cmd_addr.next = self.bridge.cmd_addr.val();
        self.cmd_data.next = self.bridge.cmd_data.val();
        self.bridge.rsp_valid.next = self.rsp_valid.val();
        self.rsp_ready.next = self.bridge.rsp_ready.val();
        self.bridge.rsp_data.next = self.rsp_data.val();
        self.dropped.next = self.bridge.dropped.val();
    }
}
