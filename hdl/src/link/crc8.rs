//! One byte of CRC-8 in one clock: the XOR equations come from [`super::frame::crc8_update`],
//! so the hardware and the host cannot disagree on the polynomial.

use super::crc_step::step_verilog;
use super::frame::{crc8_equations, crc8_update};
use rust_hdl::prelude::*;

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
        Verilog::Custom(step_verilog(
            8,
            crc8_equations().iter().map(|&(c, b)| (c as u64, b)),
        ))
    }
}
