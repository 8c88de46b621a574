//! The generator's rounding of a run's lane count up to whole banks
//! ([`super::lane::active_lanes`]): what to add to M to make it a multiple of twelve, for the
//! delta counter (the banks round by themselves: bank b is on when `12b < M`).
//!
//! How: with `M = m + 4q` (`m` = M's two low bits), `-M mod 12 = (-m mod 4) + 4 * (-(q + [m !=
//! 0]) mod 3)`, and `q mod 3` is the sum of its 4-bit digits mod 3 (16 = 1 mod 3). Timing: it
//! works beside the GEN_RUN decode (see [`super::generator`]): a register stage takes the low
//! part and three residues, each a function of at most four bits of M (one LUT level), and
//! `pad` combines them in two LUT levels, so it is ready in the decode's second stage, next
//! to M's register there. A division by twelve would be a deep chain; the rounding costs
//! about a dozen LUT4s and eight flip-flops once per core.

use rust_hdl::prelude::*;

/// `pad = (-M) mod 12` for the `count` M given the clock before.
#[derive(LogicBlock, Default)]
pub struct BankPad {
    pub clock: Signal<In, Clock>,
    /// M, as GEN_RUN carries it.
    pub count: Signal<In, Bits<11>>,
    /// What rounds last clock's M up to a multiple of 12: 0 to 11.
    pub pad: Signal<Out, Bits<4>>,
    /// M's bits 2..5 and 6..9 mod 3, and bit 10 plus "bits 0..1 not zero" (0 to 2).
    part_a: Signal<Local, Bits<2>>,
    part_b: Signal<Local, Bits<2>>,
    part_c: Signal<Local, Bits<2>>,
    /// `-M mod 4`.
    pad_lo: Signal<Local, Bits<2>>,
}

impl Logic for BankPad {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let m = self.count.val().to_u64();
            self.part_a.next = (((m >> 2) & 0xf) % 3).to_bits();
            self.part_b.next = (((m >> 6) & 0xf) % 3).to_bits();
            self.part_c.next = ((m >> 10) + u64::from(m & 3 != 0)).to_bits();
            self.pad_lo.next = ((4 - (m & 3)) % 4).to_bits();
        }
        let sum =
            self.part_a.val().to_u64() + self.part_b.val().to_u64() + self.part_c.val().to_u64();
        let high = (3 - sum % 3) % 3;
        self.pad.next = (4 * high + self.pad_lo.val().to_u64()).to_bits();
    }

    fn connect(&mut self) {
        self.pad.connect();
        self.part_a.connect();
        self.part_b.connect();
        self.part_c.connect();
        self.pad_lo.connect();
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
initial pad_lo = 2'd0;
always @(posedge clock) begin
   part_a <= mod3(count[5:2]);
   part_b <= mod3(count[9:6]);
   part_c <= {1'b0, count[10]} + {1'b0, |count[1:0]};
   pad_lo <= 2'd0 - count[1:0];
end
always @(*) pad = {total[0], total[1], pad_lo};
"
            .into(),
        )
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![TimingInfo {
            name: "bank_pad".into(),
            clock: "clock".into(),
            inputs: vec!["count".into()],
            outputs: vec!["pad".into()],
        }]
    }
}

#[cfg(test)]
mod tests {
    /// The digit decomposition the block computes is `-M mod 12` for every 11-bit M.
    #[test]
    fn the_parts_give_the_pad_for_every_m() {
        for m in 0u64..2048 {
            let part_a = ((m >> 2) & 0xf) % 3;
            let part_b = ((m >> 6) & 0xf) % 3;
            let part_c = (m >> 10) + u64::from(m & 3 != 0);
            let pad_lo = (4 - (m & 3)) % 4;
            let pad = 4 * ((3 - (part_a + part_b + part_c) % 3) % 3) + pad_lo;
            assert_eq!(pad, (12 - m % 12) % 12, "M {m}");
        }
    }
}
