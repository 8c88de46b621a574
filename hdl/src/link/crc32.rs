//! One byte of CRC-32 in one clock: the XOR equations come from
//! [`super::frame::crc32_update`], so the hardware and the host cannot disagree on the
//! polynomial. Checks every frame (protocol v2; see [`super::frame`]).

use super::crc_step::step_verilog;
use super::frame::{crc32_equations, crc32_update};
use rust_hdl::prelude::*;

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
        Verilog::Custom(step_verilog(
            32,
            crc32_equations().iter().map(|&(c, b)| (c as u64, b)),
        ))
    }
}
