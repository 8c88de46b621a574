//! One byte of CRC-32 in one clock: the XOR equations come from
//! [`super::frame::crc32_update`], so the hardware and the host cannot disagree on the
//! polynomial. Checks batch frames (see [`super::frame`] for why they need more than CRC-8).

use super::frame::{crc32_equations, crc32_update};
use rust_hdl::prelude::*;
use std::fmt::Write as _;

/// `out = crc32_update(crc, data_in)`, combinational.
#[derive(LogicBlock, Default)]
pub struct Crc32Step {
    pub crc: Signal<In, Bits<32>>,
    pub data_in: Signal<In, Bits<8>>,
    pub out: Signal<Out, Bits<32>>,
}

impl Logic for Crc32Step {
    fn update(&mut self) {
        let c = self.crc.val().to_u64() as u32;
        let b = self.data_in.val().to_u64() as u8;
        self.out.next = (crc32_update(c, b) as u64).to_bits();
    }

    fn connect(&mut self) {
        self.out.connect();
    }

    fn hdl(&self) -> Verilog {
        let mut v = String::new();
        for (bit, (crc_mask, byte_mask)) in crc32_equations().iter().enumerate() {
            let terms: Vec<String> = (0..32)
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
