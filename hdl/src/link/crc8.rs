//! One byte of CRC-8 in one clock: the XOR equations come from [`super::frame::crc8_update`],
//! so the hardware and the host cannot disagree on the polynomial.

use super::frame::{crc8_equations, crc8_update};
use rust_hdl::prelude::*;
use std::fmt::Write as _;

/// `out = crc8_update(crc, byte)`, combinational.
#[derive(LogicBlock, Default)]
pub struct Crc8Step {
    pub crc: Signal<In, Bits<8>>,
    pub data_in: Signal<In, Bits<8>>,
    pub out: Signal<Out, Bits<8>>,
}

impl Logic for Crc8Step {
    fn update(&mut self) {
        let c = self.crc.val().to_u64() as u8;
        let b = self.data_in.val().to_u64() as u8;
        self.out.next = (crc8_update(c, b) as u64).to_bits();
    }

    fn connect(&mut self) {
        self.out.connect();
    }

    fn hdl(&self) -> Verilog {
        let mut v = String::new();
        for (bit, (crc_mask, byte_mask)) in crc8_equations().iter().enumerate() {
            let terms: Vec<String> = (0..8)
                .filter(|i| crc_mask >> i & 1 == 1)
                .map(|i| format!("crc[{i}]"))
                .chain(
                    (0..8)
                        .filter(|i| byte_mask >> i & 1 == 1)
                        .map(|i| format!("data_in[{i}]")),
                )
                .collect();
            let rhs = if terms.is_empty() {
                "1'b0".to_string()
            } else {
                terms.join(" ^ ")
            };
            // Writing to a String cannot fail.
            let _ = writeln!(v, "always @(*) out[{bit}] = {rhs};");
        }
        Verilog::Custom(v)
    }
}
