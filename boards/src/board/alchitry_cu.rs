//! Alchitry Cu: Lattice iCE40HX8K-CB132IC (7680 LC, 32 x 4 Kbit RAM), 100 MHz oscillator,
//! FTDI USB-UART.
//!
//! Package: CB132, not CT256. The board's part is ICE40HX8K-CB132IC (rust-hdl's Alchitry Cu
//! BSP places with `-d 8k -P cb132`; LiteX's platform file names the same part), and its pin
//! names (P7, J11, P14, ...) are CB132 balls.
//!
//! Pins as in the published Alchitry Cu constraint files (rust-hdl-bsp-alchitry-cu, LiteX):
//! clock P7, reset button P8 (active low), LEDs J11 K11 K12 K14 L12 L14 M12 N14. UART, from
//! the FPGA's side: it receives on P14 (FTDI's TX) and transmits on M9 (FTDI's RX).

use super::{Board, ClockPin, Uart};
use crate::flow::Family;

pub static ALCHITRY_CU: Board = Board {
    name: "alchitry-cu",
    title: "Alchitry Cu",
    family: Family::Ice40,
    device: "hx8k",
    package: "cb132",
    clock: ClockPin {
        pin: "P7",
        mhz: 100.0,
    },
    leds: &["J11", "K11", "K12", "K14", "L12", "L14", "M12", "N14"],
    uart: Uart {
        tx: "M9",
        rx: "P14",
    },
    io_standard: None, // a PCF carries pins only; SB_IO defaults to LVCMOS
    leds_active_low: false,
    baud: 3_000_000,
    // FT2232H with the iCE40's SPI flash on channel A.
    loader_board: "ice40_generic",
    usb_ids: &[(0x0403, 0x6010)],
};
