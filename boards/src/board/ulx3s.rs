//! Radiona ULX3S (85F variant): Lattice LFE5U-85F in CABGA381 (84k LUT4, 208 x 18 Kbit
//! DP16KD), 25 MHz oscillator, FT231X USB-UART.
//!
//! Pins as in the board's reference constraints (`ulx3s_v20.lpf`): `clk_25mhz` G2; LEDs
//! B2 C2 C1 D2 D1 E2 E1 H3 (active high); UART `ftdi_rxd` L4 (FTDI's RX, so the FPGA transmits
//! there) and `ftdi_txd` M1 (the FPGA receives). All LVCMOS33.

use super::{Board, ClockPin, Uart};
use crate::flow::Family;

pub static ULX3S: Board = Board {
    name: "ulx3s",
    title: "Radiona ULX3S",
    family: Family::Ecp5,
    device: "LFE5U-85F",
    package: "CABGA381",
    clock: ClockPin {
        pin: "G2",
        mhz: 25.0,
    },
    leds: &["B2", "C2", "C1", "D2", "D1", "E2", "E1", "H3"],
    uart: Uart { tx: "L4", rx: "M1" },
    io_standard: Some("LVCMOS33"),
    leds_active_low: false,
    // The link runs on the 25 MHz oscillator: 1 Mbaud is an exact divider (25 clocks per
    // bit); 3 Mbaud (the FT231X's top rate) would be 8.3 clocks per bit, 4 % off.
    baud: 1_000_000,
    loader_board: "ulx3s",
    usb_ids: &[(0x0403, 0x6015)],
};
