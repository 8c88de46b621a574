//! `atomik boards`: every board the tools know, from the board data.

use atomik_boards::board::BOARDS;
use atomik_boards::xem7010;
use serde_json::json;

/// The table (or JSON array) of boards.
pub fn render(as_json: bool) -> String {
    if as_json {
        let rows: Vec<_> = BOARDS
            .iter()
            .map(|b| {
                json!({
                    "name": b.name, "title": b.title, "family": b.family.name(),
                    "device": b.device, "package": b.package,
                    "clock_pin": b.clock.pin, "clock_mhz": b.clock.mhz,
                    "uart_tx": b.uart.tx, "uart_rx": b.uart.rx, "baud": b.baud,
                    "leds": b.leds, "programmer": format!("openFPGALoader -b {}", b.loader_board),
                })
            })
            .chain(std::iter::once(json!({
                "name": xem7010::NAME, "title": xem7010::TITLE, "family": "artix7",
                "device": xem7010::PART, "clock_mhz": xem7010::SYS_CLOCK_MHZ,
                "host_link": "Opal Kelly FrontPanel (USB 2.0)",
                "flow": "Vivado project generated; built where Vivado is installed",
            })))
            .collect();
        return serde_json::to_string_pretty(&rows).expect("JSON values serialise");
    }
    let mut out = format!(
        "{:<14} {:<20} {:<7} {:<22} {:<9} {:>9} {:>9}  {}\n",
        "board", "title", "family", "device", "package", "clock", "baud", "programmer"
    );
    for b in BOARDS {
        out.push_str(&format!(
            "{:<14} {:<20} {:<7} {:<22} {:<9} {:>5} MHz {:>9}  openFPGALoader -b {}\n",
            b.name,
            b.title,
            b.family.name(),
            b.device,
            b.package,
            b.clock.mhz,
            b.baud,
            b.loader_board
        ));
    }
    out.push_str(&format!(
        "{:<14} {:<20} {:<7} {:<22} {:<9} {:>5} MHz {:>9}  Vivado project (FrontPanel link)\n",
        xem7010::NAME,
        "Opal Kelly XEM7010",
        "artix7",
        xem7010::PART,
        "FGG484",
        xem7010::SYS_CLOCK_MHZ,
        "-"
    ));
    out
}
