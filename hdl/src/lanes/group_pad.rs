//! The generator's rounding of a run's lane count up to whole enable groups
//! ([`super::lane::active_lanes`]): what to add to M to make it a multiple of three, for the
//! delta counter (the taps round by themselves: group g is on when `3g < M`).
//!
//! Timing: it works beside the GEN_RUN decode (see [`super::generator`]): a register stage
//! takes M's residue mod 3 in three parts (each a function of four bits of M, one LUT level,
//! as 16 = 1 mod 3), and `pad` combines them in two LUT levels, so it is ready in the decode's
//! second stage, next to M's register there. A division by three would be a deep chain; the
//! rounding costs about a dozen LUT4s and six flip-flops once per core.

use rust_hdl::prelude::*;

/// `pad = (-M) mod 3` for the `count` M given the clock before.
#[derive(LogicBlock, Default)]
pub struct GroupPad {
    pub clock: Signal<In, Clock>,
    /// M, as GEN_RUN carries it.
    pub count: Signal<In, Bits<11>>,
    /// What rounds last clock's M up to a multiple of 3: 0, 1 or 2.
    pub pad: Signal<Out, Bits<2>>,
    /// M's bits 0..3, 4..7 and 8..10, each mod 3.
    part_a: Signal<Local, Bits<2>>,
    part_b: Signal<Local, Bits<2>>,
    part_c: Signal<Local, Bits<2>>,
}

impl Logic for GroupPad {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let m = self.count.val().to_u64();
            self.part_a.next = ((m & 0xf) % 3).to_bits();
            self.part_b.next = (((m >> 4) & 0xf) % 3).to_bits();
            self.part_c.next = ((m >> 8) % 3).to_bits();
        }
        let sum =
            self.part_a.val().to_u64() + self.part_b.val().to_u64() + self.part_c.val().to_u64();
        self.pad.next = ((3 - sum % 3) % 3).to_bits();
    }

    fn connect(&mut self) {
        self.pad.connect();
        self.part_a.connect();
        self.part_b.connect();
        self.part_c.connect();
    }

    fn hdl(&self) -> Verilog {
        // mod3({a, b}) of two residues is (a + b) mod 3, as 4a + b = a + b mod 3; and the
        // negation of a residue swaps its two bits (1 <-> 2).
        Verilog::Custom(
            "\
function [1:0] mod3(input [3:0] v);
   case (v)
      4'd0, 4'd3, 4'd6, 4'd9, 4'd12, 4'd15: mod3 = 2'd0;
      4'd1, 4'd4, 4'd7, 4'd10, 4'd13: mod3 = 2'd1;
      default: mod3 = 2'd2;
   endcase
endfunction
wire [1:0] total = mod3({mod3({part_a, part_b}), part_c});
initial part_a = 2'd0;
initial part_b = 2'd0;
initial part_c = 2'd0;
always @(posedge clock) begin
   part_a <= mod3(count[3:0]);
   part_b <= mod3(count[7:4]);
   part_c <= mod3({1'b0, count[10:8]});
end
always @(*) pad = {total[0], total[1]};
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
