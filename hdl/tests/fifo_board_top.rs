//! The FT245 FIFO board top for a real board (the link on its own `ftdi_clk`, the core on
//! `clk_in`): Verilator lints it and yosys synthesises it for the iCE40, with the link's FIFO
//! pins as top-level ports. Needs verilator and yosys (scripts/setup.sh installs them).

use atomik_hdl::board_top::{
    fifo_board_ports, fifo_board_top_verilog, ClockSource, FifoBoardTopConfig, FIFO_BOARD_MODULE,
};
use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::link::FifoLinkConfig;
use std::path::Path;
use std::process::Command;

#[test]
fn fifo_board_top_lints_and_synthesises_with_its_fifo_ports() {
    let config = FifoBoardTopConfig {
        lanes: LanesConfig::single(1, 64).unwrap(),
        link: FifoLinkConfig::ftdi(),
        clock: ClockSource::Direct,
        ftdi_clock_pin: true,
        leds: 2,
        leds_active_low: true,
    };
    let verilog = fifo_board_top_verilog(&config).unwrap_or_else(|e| panic!("{e}"));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fifo-board-top");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("atomik_board_fifo.v");
    std::fs::write(&file, &verilog).unwrap();
    let file = file.to_str().unwrap();

    let lint = Command::new("verilator")
        .args([
            "--lint-only",
            "-Wno-WIDTH",
            "--top-module",
            FIFO_BOARD_MODULE,
            file,
        ])
        .output()
        .expect("verilator runs (install it with scripts/setup.sh)");
    assert!(
        lint.status.success(),
        "verilator --lint-only failed on {file}:\n{}",
        String::from_utf8_lossy(&lint.stderr)
    );

    let json = dir.join("ports.json");
    let script = format!(
        "read_verilog {file}; synth_ice40 -top {FIFO_BOARD_MODULE}; write_json {}",
        json.display()
    );
    let synth = Command::new("yosys")
        .args(["-q", "-p", &script])
        .output()
        .expect("yosys runs (install it with scripts/setup.sh)");
    assert!(
        synth.status.success(),
        "yosys synth_ice40 failed on {file}:\n{}",
        String::from_utf8_lossy(&synth.stderr)
    );
    let netlist = std::fs::read_to_string(&json).unwrap();
    for (name, _, _) in fifo_board_ports(&config) {
        assert!(
            netlist.contains(&format!("\"{name}\": {{")),
            "port {name} missing from the synthesised top"
        );
    }
    assert!(netlist.contains("\"clk_in\": {"));
}
