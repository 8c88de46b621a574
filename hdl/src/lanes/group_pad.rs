//! The generator's rounding of a run's lane count up to whole enable groups
//! ([`super::lane::active_lanes`]): what to add to M to make it a multiple of four, for the
//! delta counter (the taps round by themselves: group g is on when `4g < M`).
//!
//! Timing: it works beside the GEN_RUN decode (see [`super::generator`]): a register stage
//! takes M's two low bits, and `pad` is their negation mod 4, one LUT level, so it is ready in
//! the decode's second stage, next to M's register there. With groups of four the rounding is
//! two bits; with groups of three (sessions 6 to 14) it was a residue mod 3 in two LUT levels.

use super::lane::GROUP_LANES;
use rust_hdl::prelude::*;

const _: () = assert!(GROUP_LANES == 4, "the pad is (-M) mod 4");

/// `pad = (-M) mod 4` for the `count` M given the clock before.
#[derive(LogicBlock, Default)]
pub struct GroupPad {
    pub clock: Signal<In, Clock>,
    /// M, as GEN_RUN carries it.
    pub count: Signal<In, Bits<11>>,
    /// What rounds last clock's M up to a multiple of 4: 0 to 3.
    pub pad: Signal<Out, Bits<2>>,
    /// M's two low bits, registered.
    low: Signal<Local, Bits<2>>,
}

impl Logic for GroupPad {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            self.low.next = self.count.val().get_bits::<2>(0);
        }
        self.pad.next = ((4 - self.low.val().to_u64()) % 4).to_bits();
    }

    fn connect(&mut self) {
        self.pad.connect();
        self.low.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(
            "\
initial low = 2'd0;
always @(posedge clock) low <= count[1:0];
always @(*) pad = 2'd0 - low;
"
            .into(),
        )
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![TimingInfo {
            name: "group_pad".into(),
            clock: "clock".into(),
            inputs: vec!["count".into()],
            outputs: vec!["pad".into()],
        }]
    }
}
