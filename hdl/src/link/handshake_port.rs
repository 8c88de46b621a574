//! A command port across clock domains, for hosts that present commands as registers in
//! their own clock domain (Opal Kelly FrontPanel wire-ins and triggers at 48 MHz): the host
//! side holds one command, the core side issues it, and the response comes back the same way.
//!
//! ```text
//!   host domain                         │  core domain
//!   issue ─► hold op/addr/data,          │
//!            req_toggle ^= 1  ──────────►│ 2-FF sync ─► edge ─► cmd_valid ─► (core)
//!                                        │                       responds? wait rsp
//!   busy=0, done+1 ◄─────────── 2-FF sync │◄──────── ack_toggle ^= 1, rsp_hold ─► host_rsp
//! ```
//! A four-phase-free toggle handshake: only the two toggles cross domains through
//! synchronisers; the held command and the held response are stable for at least two
//! destination clocks before the toggle that announces them is seen, so they cross as
//! quasi-static data (the constraints declare the domains asynchronous). One command is in
//! flight at a time: `issue` while `busy` is ignored, and `done` counts completed commands so
//! a host polling over a slow link can tell a new response from an old one.
//!
//! `host_rsp` is the core side's `rsp_hold` itself, not a host-domain copy: it is written only
//! while a command is in flight (`busy` high), so it is stable whenever `busy` is low. A copy
//! cost 64 flip-flops loaded from flip-flops, which on Gowin and iCE40 take a LUT position
//! each.

use rust_hdl::prelude::*;

/// One command at a time from a host clock domain to the core's.
#[derive(LogicBlock, Default)]
pub struct HandshakePort {
    /// The host side's clock.
    pub host_clock: Signal<In, Clock>,
    /// One host clock: take `host_op/addr/data` (ignored while `busy`).
    pub issue: Signal<In, Bit>,
    pub host_op: Signal<In, Bits<4>>,
    pub host_addr: Signal<In, Bits<16>>,
    pub host_data: Signal<In, Bits<64>>,
    /// A command is in flight.
    pub busy: Signal<Out, Bit>,
    /// The last completed command's response (0 for ops without one), while `busy` is low
    /// (it changes while a command is in flight).
    pub host_rsp: Signal<Out, Bits<64>>,
    /// Completed commands, modulo 256.
    pub done: Signal<Out, Bits<8>>,
    /// The core's clock.
    pub clock: Signal<In, Clock>,
    pub cmd_valid: Signal<Out, Bit>,
    pub cmd_ready: Signal<In, Bit>,
    pub cmd_op: Signal<Out, Bits<4>>,
    pub cmd_addr: Signal<Out, Bits<16>>,
    pub cmd_data: Signal<Out, Bits<64>>,
    pub rsp_valid: Signal<In, Bit>,
    pub rsp_ready: Signal<Out, Bit>,
    pub rsp_data: Signal<In, Bits<64>>,
    // Host domain.
    hold_op: DFF<Bits<4>>,
    hold_addr: DFF<Bits<16>>,
    hold_data: DFF<Bits<64>>,
    req_toggle: DFF<Bit>,
    ack_sync1: DFF<Bit>,
    ack_sync2: DFF<Bit>,
    ack_seen: DFF<Bit>,
    in_flight: DFF<Bit>,
    done_count: DFF<Bits<8>>,
    // Core domain.
    req_sync1: DFF<Bit>,
    req_sync2: DFF<Bit>,
    req_seen: DFF<Bit>,
    pending: DFF<Bit>,
    waiting: DFF<Bit>,
    ack_toggle: DFF<Bit>,
    rsp_hold: DFF<Bits<64>>,
    responds: Signal<Local, Bit>,
}

impl Logic for HandshakePort {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, host_clock, hold_op, hold_addr, hold_data, req_toggle, ack_sync1, ack_sync2,
            ack_seen, in_flight, done_count
        );
        dff_setup!(
            self, clock, req_sync1, req_sync2, req_seen, pending, waiting, ack_toggle, rsp_hold
        );
        // ---- Host domain --------------------------------------------------------------
        self.busy.next = self.in_flight.q.val();
        self.host_rsp.next = self.rsp_hold.q.val();
        self.done.next = self.done_count.q.val();
        if self.issue.val() & !self.in_flight.q.val() {
            self.hold_op.d.next = self.host_op.val();
            self.hold_addr.d.next = self.host_addr.val();
            self.hold_data.d.next = self.host_data.val();
            self.req_toggle.d.next = !self.req_toggle.q.val();
            self.in_flight.d.next = true;
        }
        self.ack_sync1.d.next = self.ack_toggle.q.val();
        self.ack_sync2.d.next = self.ack_sync1.q.val();
        if self.ack_sync2.q.val() != self.ack_seen.q.val() {
            self.ack_seen.d.next = self.ack_sync2.q.val();
            self.in_flight.d.next = false;
            self.done_count.d.next = self.done_count.q.val() + 1;
        }
        // ---- Core domain --------------------------------------------------------------
        self.req_sync1.d.next = self.req_toggle.q.val();
        self.req_sync2.d.next = self.req_sync1.q.val();
        self.cmd_valid.next = self.pending.q.val();
        self.cmd_op.next = self.hold_op.q.val();
        self.cmd_addr.next = self.hold_addr.q.val();
        self.cmd_data.next = self.hold_data.q.val();
        self.rsp_ready.next = self.waiting.q.val();
        // READ, SWAP, SWAP_LOAD and STATUS answer through the response stream.
        self.responds.next = (self.hold_op.q.val() == 3)
            | (self.hold_op.q.val() == 4)
            | (self.hold_op.q.val() == 5)
            | (self.hold_op.q.val() == 8);
        if self.req_sync2.q.val() != self.req_seen.q.val() {
            self.req_seen.d.next = self.req_sync2.q.val();
            self.pending.d.next = true;
        }
        if self.pending.q.val() & self.cmd_ready.val() {
            self.pending.d.next = false;
            if self.responds.val() {
                self.waiting.d.next = true;
            } else {
                self.rsp_hold.d.next = 0.into();
                self.ack_toggle.d.next = !self.ack_toggle.q.val();
            }
        }
        if self.waiting.q.val() & self.rsp_valid.val() {
            self.waiting.d.next = false;
            self.rsp_hold.d.next = self.rsp_data.val();
            self.ack_toggle.d.next = !self.ack_toggle.q.val();
        }
    }
}
