//! A register slice on the command stream into the core: every output (`out_valid`, the
//! command, `in_ready`) comes straight from a flip-flop, at one command per clock.
//!
//! Why: the core decodes its command in the clock it arrives, and what feeds it is a mux of
//! the upstream port and the batch sequencer's prefetch FIFO
//! ([`super::batch_apply::BatchApply`]). When the frame buffer's block RAM fed the core's
//! decode directly (DP16KD clock-to-out 5.83 ns in nextpnr-ecp5's model) that was the ULX3S
//! 256-lane board top's critical path (10.18 ns, 98.2 MHz). With the slice the core's decode
//! starts from a flip-flop and the core's ready stops here. Cost: one clock of command
//! latency, 2 x 85 flip-flops and a 2:1 mux per bit.
//!
//! The usual skid-buffer shape: the output register, and a skid register that takes the one
//! command accepted in the clock the output stalls (`in_ready` is registered, so upstream
//! learns of the stall a clock late). Commands leave in the order they came, none is dropped
//! or repeated; `sim/tests/command_slice.rs` checks that against random stalls.

use rust_hdl::prelude::*;

/// Register slice for the core's command stream (`op`, `addr`, `data`).
#[derive(LogicBlock, Default)]
pub struct CommandSlice {
    pub clock: Signal<In, Clock>,
    pub in_valid: Signal<In, Bit>,
    /// Registered: high when the skid register is free.
    pub in_ready: Signal<Out, Bit>,
    pub in_op: Signal<In, Bits<4>>,
    pub in_addr: Signal<In, Bits<16>>,
    pub in_data: Signal<In, Bits<64>>,
    pub out_valid: Signal<Out, Bit>,
    pub out_ready: Signal<In, Bit>,
    pub out_op: Signal<Out, Bits<4>>,
    pub out_addr: Signal<Out, Bits<16>>,
    pub out_data: Signal<Out, Bits<64>>,
    /// The command offered downstream.
    held: DFF<Bit>,
    held_op: DFF<Bits<4>>,
    held_addr: DFF<Bits<16>>,
    held_data: DFF<Bits<64>>,
    /// The command taken while the output stalled.
    skid: DFF<Bit>,
    skid_op: DFF<Bits<4>>,
    skid_addr: DFF<Bits<16>>,
    skid_data: DFF<Bits<64>>,
    /// The output register takes a command this clock (it is empty or being taken).
    advance: Signal<Local, Bit>,
}

impl Logic for CommandSlice {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, held, held_op, held_addr, held_data, skid, skid_op, skid_addr, skid_data
        );
        self.in_ready.next = !self.skid.q.val();
        self.out_valid.next = self.held.q.val();
        self.out_op.next = self.held_op.q.val();
        self.out_addr.next = self.held_addr.q.val();
        self.out_data.next = self.held_data.q.val();
        self.advance.next = self.out_ready.val() | !self.held.q.val();
        if self.advance.val() {
            // The skid's command goes first; while it is full, nothing is accepted.
            if self.skid.q.val() {
                self.held.d.next = true;
                self.held_op.d.next = self.skid_op.q.val();
                self.held_addr.d.next = self.skid_addr.q.val();
                self.held_data.d.next = self.skid_data.q.val();
                self.skid.d.next = false;
            } else {
                self.held.d.next = self.in_valid.val();
                self.held_op.d.next = self.in_op.val();
                self.held_addr.d.next = self.in_addr.val();
                self.held_data.d.next = self.in_data.val();
            }
        } else if self.in_valid.val() & !self.skid.q.val() {
            self.skid.d.next = true;
            self.skid_op.d.next = self.in_op.val();
            self.skid_addr.d.next = self.in_addr.val();
            self.skid_data.d.next = self.in_data.val();
        }
    }
}
