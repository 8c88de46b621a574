//! Sipeed Tang Nano 9K: Gowin GW1NR-LV9QN88PC6/I5 (GW1NR-9, QN88 package, 8640 LUT4,
//! 6480 FF, 26 BSRAM), 27 MHz crystal, BL702 USB-UART.
//!
//! Pin facts checked against apycula's GW1N-9C database (package QN88P): 52 = IOR17A with
//! GCLKT_3 (a global clock pin), 17/18 = IOB2A/IOB2B, LEDs 10/11/13/14/15/16 exist as IOs.
//! The LED and UART assignments are Sipeed's (their example CSTs); the LEDs are active low.
//! Unverified here: the bank voltages. Sipeed's examples drive the UART and clock pins as
//! LVCMOS33; check the schematic before driving the LED bank at 3.3 V.

use super::{Board, ClockPin, Uart};
use crate::flow::Family;

pub static TANG_NANO_9K: Board = Board {
    name: "tang-nano-9k",
    title: "Sipeed Tang Nano 9K",
    family: Family::Gowin,
    device: "GW1NR-LV9QN88PC6/I5",
    package: "QN88P",
    clock: ClockPin {
        pin: "52",
        mhz: 27.0,
    },
    leds: &["10", "11", "13", "14", "15", "16"],
    uart: Uart { tx: "17", rx: "18" },
    io_standard: Some("LVCMOS33"),
    leds_active_low: true,
    baud: 3_000_000,
    loader_board: "tangnano9k",
    // The BL702 bridge enumerates as an FT2232 clone.
    usb_ids: &[(0x0403, 0x6010)],
};
