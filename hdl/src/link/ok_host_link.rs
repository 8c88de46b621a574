//! The board's host link over Opal Kelly FrontPanel pipes: [`OkPipePhy`] on the FrontPanel
//! clock in front of the same frame bridge and clock crossing as the UART and FIFO links
//! ([`BridgePort`]), so frames, exactly-once and the core port are unchanged.
//!
//! ```text
//!   FrontPanel clock (okClk)                                          │ core clock
//!   okBTPipeIn / okBTPipeOut ─► OkPipePhy ─► bytes ─► BridgePort ─────┼─► cmd_* / rsp_*
//! ```
//! The `okHost` and its endpoints are Opal Kelly's netlists: the board top instantiates them
//! and wires their endpoint ports to this block's `pi_*` / `po_*` ports.

use super::bridge_port::BridgePort;
use super::ok_pipe::{OkPipeConfig, OkPipePhy};
use rust_hdl::prelude::*;

/// Pipe host link for one core; see [`OkPipeConfig`] for its parameters.
#[derive(LogicBlock)]
pub struct OkHostLink {
    /// The FrontPanel clock: the pipes and the bridge.
    pub clock: Signal<In, Clock>,
    /// Synchronous to `clock`: empties the pipe buffers, resets the bridge.
    pub reset: Signal<In, Bit>,
    /// The core's clock; `cmd_*` and `rsp_*` are in this domain.
    pub core_clock: Signal<In, Clock>,
    pub pi_write: Signal<In, Bit>,
    pub pi_blockstrobe: Signal<In, Bit>,
    pub pi_data: Signal<In, Bits<32>>,
    pub pi_ready: Signal<Out, Bit>,
    pub po_read: Signal<In, Bit>,
    pub po_blockstrobe: Signal<In, Bit>,
    pub po_data: Signal<Out, Bits<32>>,
    pub po_ready: Signal<Out, Bit>,
    /// [`OkPipeConfig::geometry`] for the geometry WireOut.
    pub geometry: Signal<Out, Bits<32>>,
    /// Sticky: a pipe-in word was dropped (see [`OkPipePhy`]).
    pub in_error: Signal<Out, Bit>,
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
    phy: OkPipePhy,
    bridge: BridgePort,
}

impl OkHostLink {
    pub fn new(config: &OkPipeConfig) -> Self {
        OkHostLink {
            clock: Default::default(),
            reset: Default::default(),
            core_clock: Default::default(),
            pi_write: Default::default(),
            pi_blockstrobe: Default::default(),
            pi_data: Default::default(),
            pi_ready: Default::default(),
            po_read: Default::default(),
            po_blockstrobe: Default::default(),
            po_data: Default::default(),
            po_ready: Default::default(),
            geometry: Default::default(),
            in_error: Default::default(),
            cmd_valid: Default::default(),
            cmd_ready: Default::default(),
            cmd_op: Default::default(),
            cmd_addr: Default::default(),
            cmd_data: Default::default(),
            rsp_valid: Default::default(),
            rsp_ready: Default::default(),
            rsp_data: Default::default(),
            dropped: Default::default(),
            phy: OkPipePhy::new(config),
            bridge: BridgePort::new(config.timeout_clocks_per_bit),
        }
    }
}

impl Logic for OkHostLink {
    #[hdl_gen]
    fn update(&mut self) {
        self.phy.clock.next = self.clock.val();
        self.phy.reset.next = self.reset.val();
        self.bridge.clock.next = self.clock.val();
        self.bridge.reset.next = self.reset.val();
        self.bridge.core_clock.next = self.core_clock.val();
        self.phy.pi_write.next = self.pi_write.val();
        self.phy.pi_blockstrobe.next = self.pi_blockstrobe.val();
        self.phy.pi_data.next = self.pi_data.val();
        self.pi_ready.next = self.phy.pi_ready.val();
        self.phy.po_read.next = self.po_read.val();
        self.phy.po_blockstrobe.next = self.po_blockstrobe.val();
        self.po_data.next = self.phy.po_data.val();
        self.po_ready.next = self.phy.po_ready.val();
        self.geometry.next = self.phy.geometry.val();
        self.in_error.next = self.phy.in_error.val();
        self.bridge.rx_valid.next = self.phy.rx_valid.val();
        self.bridge.rx_data.next = self.phy.rx_data.val();
        self.phy.rx_ready.next = self.bridge.rx_ready.val();
        self.phy.tx_valid.next = self.bridge.tx_valid.val();
        self.phy.tx_data.next = self.bridge.tx_data.val();
        self.bridge.tx_ready.next = self.phy.tx_ready.val();
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
