//! The board's host link: UART receiver and transmitter around the frame bridge, in the
//! link's own (slow) clock domain, and a [`super::handshake_port::HandshakePort`] carrying
//! each command into the core's clock domain and its response back.
//!
//! ```text
//!   link clock (the board oscillator)                    │ core clock (the PLL)
//!   rx ─► UartRx ─► CommandBridge ─► adapter ─► HandshakePort ─► cmd_* ─► (core)
//!   tx ◄─ UartTx ◄─       │        ◄─ adapter ◄─      │        ◄─ rsp_* ◄─
//! ```
//! Why two domains: a 3 Mbaud UART needs a few tens of MHz, while the core is pushed to the
//! fabric's limit. In one domain the bridge's wide state logic (96-bit frame register, answer
//! registers, CRC) sat on the critical path of every board build (97 MHz on the GW1NR-9 with a
//! 32-lane core that reaches more on its own); in its own domain it only has to meet the
//! oscillator's period, and the core's paths end at the port's registers.
//!
//! The frame bridge, the adapter and the port are [`BridgePort`], shared with the FIFO link.

use super::bridge_port::BridgePort;
use super::uart_rx::UartRx;
use super::uart_tx::UartTx;
use rust_hdl::prelude::*;

/// UART host link for one core; see [`super::LinkConfig`] for the bit period.
#[derive(LogicBlock)]
pub struct HostLink {
    /// The link's clock (UART, bridge): the board oscillator.
    pub clock: Signal<In, Clock>,
    /// Synchronous to `clock`: resets the bridge.
    pub reset: Signal<In, Bit>,
    /// The core's clock; `cmd_*` and `rsp_*` are in this domain.
    pub core_clock: Signal<In, Clock>,
    /// Serial line from the host's bridge (idle high).
    pub rx: Signal<In, Bit>,
    /// Serial line to the host's bridge (idle high).
    pub tx: Signal<Out, Bit>,
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
    /// One-clock strobe per byte with a bad stop bit.
    pub framing_error: Signal<Out, Bit>,
    receiver: UartRx,
    transmitter: UartTx,
    bridge: BridgePort,
}

impl HostLink {
    pub fn new(config: &super::LinkConfig) -> Self {
        HostLink {
            clock: Default::default(),
            reset: Default::default(),
            rx: Default::default(),
            tx: Default::default(),
            cmd_valid: Default::default(),
            cmd_ready: Default::default(),
            cmd_op: Default::default(),
            cmd_addr: Default::default(),
            cmd_data: Default::default(),
            rsp_valid: Default::default(),
            rsp_ready: Default::default(),
            rsp_data: Default::default(),
            dropped: Default::default(),
            framing_error: Default::default(),
            receiver: UartRx::new(config.clocks_per_bit),
            transmitter: UartTx::new(config.clocks_per_bit),
            bridge: BridgePort::new(config.clocks_per_bit),
            core_clock: Default::default(),
        }
    }
}

impl Logic for HostLink {
    #[hdl_gen]
    fn update(&mut self) {
        self.receiver.clock.next = self.clock.val();
        self.transmitter.clock.next = self.clock.val();
        self.bridge.clock.next = self.clock.val();
        self.bridge.reset.next = self.reset.val();
        self.bridge.core_clock.next = self.core_clock.val();
        self.receiver.rx.next = self.rx.val();
        self.framing_error.next = self.receiver.framing_error.val();
        self.bridge.rx_valid.next = self.receiver.valid.val();
        self.bridge.rx_data.next = self.receiver.data.val();
        self.transmitter.valid.next = self.bridge.tx_valid.val();
        self.transmitter.data.next = self.bridge.tx_data.val();
        self.bridge.tx_ready.next = self.transmitter.ready.val();
        self.tx.next = self.transmitter.tx.val();
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
