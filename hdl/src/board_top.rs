//! A board's top level: clock (a PLL or the oscillator itself), power-on reset, the UART host
//! link and a multi-lane core with its on-chip generator, as one Verilog module
//! [`BOARD_MODULE`].
//!
//! ```text
//!  clk_in ─► clock source ─► clk ──────────────┬───────────────┐
//!    │       (PLL snippet)   locked ─► POR ─► reset            │
//!    └─► link POR ─┐                                           │
//!  uart_rx ─► atomik_link (clk_in domain) ─► cmd ─► atomik_core (clk domain: lanes, generator)
//!  uart_tx ◄─             (port crosses)  ◄─ rsp ◄─
//!  led ◄─ heartbeat, frame dropped, illegal op, link busy
//! ```
//! The link runs on the board oscillator and the core on the PLL clock: the UART needs tens of
//! MHz, the core as much as the fabric gives, and a link on the core clock put the bridge's
//! state logic on the critical path (see `link::host_link`).
//! Composed as Verilog text rather than one rust-hdl block: the core's type depends on its
//! run-time configuration (width, mode, contexts) and the clock source is a vendor primitive,
//! while the link and the core are each generated and checked by rust-hdl.
//!
//! [`fifo_board_top_verilog`] is the same top with the FTDI FT245 FIFO link
//! ([`FIFO_BOARD_MODULE`]): the link on the chip's 60 MHz CLKOUT (`ftdi_clk`), the core on
//! `clk_in`'s clock as before.

use crate::export::{rename_top, ExportError};
use crate::lanes::export::lanes_verilog;
use crate::lanes::{LaneMode, LanesConfig};
use crate::link::ok_pipe::{ok_link_verilog, OkPipeConfig, OK_LINK_MODULE};
use crate::link::{
    fifo_link_verilog, link_verilog, FifoLinkConfig, LinkConfig, FIFO_LINK_MODULE, LINK_MODULE,
};
use std::fmt::Write as _;

/// The board top's module name.
pub const BOARD_MODULE: &str = "atomik_board";
/// The core's module name inside the board top.
pub const CORE_MODULE: &str = "atomik_core";

/// Where the core clock comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ClockSource {
    /// `clk = clk_in` (simulation, or a board whose oscillator is the wanted clock).
    Direct,
    /// A Verilog snippet that drives `wire clk` and `wire pll_locked` from `clk_in` (a PLL
    /// instance; see the boards crate).
    Snippet(String),
}

/// What goes into a board top.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardTopConfig {
    pub lanes: LanesConfig,
    /// The UART's divider, in periods of `clk_in` (the link runs on the oscillator).
    pub link: LinkConfig,
    pub clock: ClockSource,
    /// LED outputs driven (0 to 4; extra board LEDs are left alone).
    pub leds: u32,
    /// The board's LEDs light on a low level.
    pub leds_active_low: bool,
}

/// The ports of [`BOARD_MODULE`] (besides `clk_in`): `(name, width, is_input)`.
pub fn board_ports(config: &BoardTopConfig) -> Vec<(&'static str, u32, bool)> {
    let mut p = vec![("uart_rx", 1, true), ("uart_tx", 1, false)];
    if config.leds > 0 {
        p.push(("led", config.leds, false));
    }
    p
}

/// The complete Verilog of a board top: [`BOARD_MODULE`], the link and the core.
pub fn board_top_verilog(config: &BoardTopConfig) -> Result<String, ExportError> {
    let link = LinkPart {
        summary: format!("UART {} clocks/bit", config.link.clocks_per_bit),
        ports: "    input wire uart_rx,\n    output wire uart_tx".into(),
        clock: "clk_in",
        clock_comment: "the oscillator",
        instance: format!(
            "{LINK_MODULE} link(\n    .clock(clk_in), .reset(link_reset), .core_clock(clk), \
             .rx(uart_rx), .tx(uart_tx),\n    \
             .cmd_valid(cmd_valid), .cmd_ready(cmd_ready), .cmd_op(cmd_op), .cmd_addr(cmd_addr),\n    \
             .cmd_data(cmd_data), .rsp_valid(rsp_valid), .rsp_ready(rsp_ready), \
             .rsp_data(rsp_data),\n    .dropped(dropped), .framing_error(framing_error)\n);"
        ),
        verilog: link_verilog(&config.link)?,
    };
    compose(
        BOARD_MODULE,
        config.lanes,
        &config.clock,
        config.leds,
        config.leds_active_low,
        &link,
    )
}

/// What goes into a board top with the FTDI FT245 FIFO link, [`FIFO_BOARD_MODULE`].
#[derive(Debug, Clone, PartialEq)]
pub struct FifoBoardTopConfig {
    pub lanes: LanesConfig,
    pub link: FifoLinkConfig,
    /// The core's clock source (from `clk_in`, the board oscillator).
    pub clock: ClockSource,
    /// The link runs on its own `ftdi_clk` input (the chip's CLKOUT; a real board). When
    /// false it runs on `clk_in` and there is no `ftdi_clk` port: simulation, where one clock
    /// drives the whole model.
    pub ftdi_clock_pin: bool,
    /// LED outputs driven (0 to 4).
    pub leds: u32,
    pub leds_active_low: bool,
}

/// The FIFO board top's module name.
pub const FIFO_BOARD_MODULE: &str = "atomik_board_fifo";

/// The ports of [`FIFO_BOARD_MODULE`] (besides `clk_in`): `(name, width, is_input)`. D[7:0] is
/// split into `ftdi_d_in`, `ftdi_d_out` and `ftdi_d_oe`: a board's pin wrapper joins them in
/// a bidirectional pad (SB_IO, BB, IOBUF), which keeps the top simulatable in Verilator.
pub fn fifo_board_ports(config: &FifoBoardTopConfig) -> Vec<(&'static str, u32, bool)> {
    let mut p = Vec::new();
    if config.ftdi_clock_pin {
        p.push(("ftdi_clk", 1, true));
    }
    p.extend([
        ("ftdi_rxf_n", 1, true),
        ("ftdi_txe_n", 1, true),
        ("ftdi_rd_n", 1, false),
        ("ftdi_wr_n", 1, false),
        ("ftdi_oe_n", 1, false),
        ("ftdi_d_in", 8, true),
        ("ftdi_d_out", 8, false),
        ("ftdi_d_oe", 1, false),
    ]);
    if config.leds > 0 {
        p.push(("led", config.leds, false));
    }
    p
}

/// The complete Verilog of a FIFO board top: [`FIFO_BOARD_MODULE`], the FIFO link and the core.
pub fn fifo_board_top_verilog(config: &FifoBoardTopConfig) -> Result<String, ExportError> {
    let ports: Vec<String> = fifo_board_ports(config)
        .into_iter()
        .filter(|(name, _, _)| *name != "led")
        .map(|(name, width, input)| {
            let dir = if input { "input" } else { "output" };
            let range = if width > 1 {
                format!("[{}:0] ", width - 1)
            } else {
                String::new()
            };
            format!("    {dir} wire {range}{name}")
        })
        .collect();
    let (clock, clock_comment) = if config.ftdi_clock_pin {
        ("ftdi_clk", "the FTDI CLKOUT")
    } else {
        ("clk_in", "clk_in (the FTDI CLKOUT in simulation)")
    };
    let link = LinkPart {
        summary: format!(
            "FT245 FIFO at {} MHz, {} us frame timeout",
            config.link.clock_mhz, config.link.idle_timeout_us
        ),
        ports: ports.join(",\n"),
        clock,
        clock_comment,
        instance: format!(
            "assign framing_error = 1'b0;  // no framing on a FIFO\n\
             {FIFO_LINK_MODULE} link(\n    .clock({clock}), .reset(link_reset), .core_clock(clk),\n    \
             .rxf_n(ftdi_rxf_n), .txe_n(ftdi_txe_n), .rd_n(ftdi_rd_n), .wr_n(ftdi_wr_n), \
             .oe_n(ftdi_oe_n),\n    .data_in(ftdi_d_in), .data_out(ftdi_d_out), \
             .data_oe(ftdi_d_oe),\n    \
             .cmd_valid(cmd_valid), .cmd_ready(cmd_ready), .cmd_op(cmd_op), .cmd_addr(cmd_addr),\n    \
             .cmd_data(cmd_data), .rsp_valid(rsp_valid), .rsp_ready(rsp_ready), \
             .rsp_data(rsp_data),\n    .dropped(dropped)\n);"
        ),
        verilog: fifo_link_verilog(&config.link)?,
    };
    compose(
        FIFO_BOARD_MODULE,
        config.lanes,
        &config.clock,
        config.leds,
        config.leds_active_low,
        &link,
    )
}

/// What goes into a board top with the Opal Kelly pipe link, [`OK_BOARD_MODULE`]: the
/// simulated FrontPanel board, everything on `clk_in` (the FrontPanel clock). A real module's
/// top instantiates `okHost` and its endpoints around the same link (see the boards crate's
/// XEM7010 generator).
#[derive(Debug, Clone, PartialEq)]
pub struct OkBoardTopConfig {
    pub lanes: LanesConfig,
    pub link: OkPipeConfig,
    /// LED outputs driven (0 to 4).
    pub leds: u32,
}

/// The pipe board top's module name.
pub const OK_BOARD_MODULE: &str = "atomik_board_ok";

/// The ports of [`OK_BOARD_MODULE`] (besides `clk_in`): `(name, width, is_input)`; `pi_*` and
/// `po_*` are the BTPipeIn / BTPipeOut endpoint ports, `ok_reset` the reset WireIn's bit 0,
/// `ok_geometry` / `ok_health` the two WireOuts.
pub fn ok_board_ports(config: &OkBoardTopConfig) -> Vec<(&'static str, u32, bool)> {
    let mut p = vec![
        ("ok_reset", 1, true),
        ("pi_write", 1, true),
        ("pi_blockstrobe", 1, true),
        ("pi_data", 32, true),
        ("pi_ready", 1, false),
        ("po_read", 1, true),
        ("po_blockstrobe", 1, true),
        ("po_data", 32, false),
        ("po_ready", 1, false),
        ("ok_geometry", 32, false),
        ("ok_health", 32, false),
    ];
    if config.leds > 0 {
        p.push(("led", config.leds, false));
    }
    p
}

/// The complete Verilog of a pipe board top: [`OK_BOARD_MODULE`], the pipe link and the core.
pub fn ok_board_top_verilog(config: &OkBoardTopConfig) -> Result<String, ExportError> {
    let ports: Vec<String> = ok_board_ports(config)
        .into_iter()
        .filter(|(name, _, _)| *name != "led")
        .map(|(name, width, input)| {
            let dir = if input { "input" } else { "output" };
            let range = if width > 1 {
                format!("[{}:0] ", width - 1)
            } else {
                String::new()
            };
            format!("    {dir} wire {range}{name}")
        })
        .collect();
    let link = LinkPart {
        summary: format!(
            "Opal Kelly pipes, {}-word in / {}-word out blocks, {} us frame timeout",
            config.link.in_block_words, config.link.out_block_words, config.link.idle_timeout_us
        ),
        ports: ports.join(",\n"),
        clock: "clk_in",
        clock_comment: "clk_in (the FrontPanel clock in simulation)",
        instance: format!(
            "assign framing_error = 1'b0;  // no framing on a pipe\n\
             wire ok_in_error;\n\
             assign ok_health = {{15'd0, ok_in_error, dropped}};\n\
             {OK_LINK_MODULE} link(\n    .clock(clk_in), .reset(link_reset | ok_reset), \
             .core_clock(clk),\n    \
             .pi_write(pi_write), .pi_blockstrobe(pi_blockstrobe), .pi_data(pi_data), \
             .pi_ready(pi_ready),\n    \
             .po_read(po_read), .po_blockstrobe(po_blockstrobe), .po_data(po_data), \
             .po_ready(po_ready),\n    \
             .geometry(ok_geometry), .in_error(ok_in_error),\n    \
             .cmd_valid(cmd_valid), .cmd_ready(cmd_ready), .cmd_op(cmd_op), .cmd_addr(cmd_addr),\n    \
             .cmd_data(cmd_data), .rsp_valid(rsp_valid), .rsp_ready(rsp_ready), \
             .rsp_data(rsp_data),\n    .dropped(dropped)\n);"
        ),
        verilog: ok_link_verilog(&config.link)?,
    };
    compose(
        OK_BOARD_MODULE,
        config.lanes,
        &ClockSource::Direct,
        config.leds,
        false,
        &link,
    )
}

/// The link's share of a board top.
struct LinkPart {
    /// For the header comment.
    summary: String,
    /// The module's link ports, as Verilog port declarations.
    ports: String,
    /// The wire clocking the link (its power-on reset runs on it too).
    clock: &'static str,
    /// What that clock is, for a comment.
    clock_comment: &'static str,
    /// The link's instance, wired to the top's `cmd_*`/`rsp_*`, `link_reset`, `dropped` and
    /// `framing_error` wires.
    instance: String,
    verilog: String,
}

/// Clock, resets, link, core and LEDs as one module `module`.
fn compose(
    module: &str,
    lanes: LanesConfig,
    clock: &ClockSource,
    leds: u32,
    leds_active_low: bool,
    link: &LinkPart,
) -> Result<String, ExportError> {
    assert!(leds <= 4, "at most 4 LEDs are driven");
    let core = rename_top(&lanes_verilog(lanes)?.verilog, CORE_MODULE);
    let mut v = String::new();
    let w = |v: &mut String, s: &str| {
        // Writing to a String cannot fail.
        let _ = writeln!(v, "{s}");
    };
    w(
        &mut v,
        &format!(
            "// ATOMiK board top: {} lanes x {} bits, {} mode, {} contexts; {}.\n\
             // Generated by atomik-hdl (board_top.rs); edit the generator, not this file.",
            lanes.lanes,
            lanes.width,
            match lanes.mode {
                LaneMode::Single => "single",
                LaneMode::Table => "table",
                LaneMode::Shared => "shared",
            },
            lanes.contexts,
            link.summary
        ),
    );
    let led_port = if leds > 0 {
        format!(",\n    output wire [{}:0] led", leds - 1)
    } else {
        String::new()
    };
    w(
        &mut v,
        &format!(
            "module {module}(\n    input wire clk_in,\n{}{led_port}\n);",
            link.ports
        ),
    );
    w(&mut v, "wire clk;\nwire pll_locked;");
    match clock {
        ClockSource::Direct => w(&mut v, "assign clk = clk_in;\nassign pll_locked = 1'b1;"),
        ClockSource::Snippet(s) => w(&mut v, s),
    }
    w(
        &mut v,
        &format!(
            "\
// Power-on reset: 16 clocks after the clock is stable (the core sweeps its tables itself).
// `reset` is a register of its own, not `~por[4]`: the counter's bit 4 also feeds the
// counter, so the inverter sat by the counter and the reset's whole fan-out started a LUT and
// a long hop away from the core (the iCE40 64-lane critical path, 9.4 ns). A register can be
// placed (and duplicated) where its loads are; the reset ends one clock later.
reg [4:0] por = 5'd0;
reg reset = 1'b1;
always @(posedge clk) begin
    if (!pll_locked) por <= 5'd0;
    else if (!por[4]) por <= por + 5'd1;
    reset <= ~por[4];
end

// The link's own reset, on {} (which runs from configuration).
reg [4:0] link_por = 5'd0;
wire link_reset = ~link_por[4];
always @(posedge {})
    if (!link_por[4]) link_por <= link_por + 5'd1;

wire cmd_valid, cmd_ready, rsp_valid, rsp_ready, illegal_op, framing_error;
wire [3:0] cmd_op;
wire [15:0] cmd_addr;
wire [63:0] cmd_data, rsp_data;
wire [15:0] dropped;",
            link.clock_comment, link.clock
        ),
    );
    w(&mut v, &link.instance);
    let addr = if lanes.mode != LaneMode::Single {
        format!(
            " .cmd_addr(cmd_addr[{}:0]),",
            lanes.contexts.trailing_zeros() - 1
        )
    } else {
        String::new()
    };
    w(
        &mut v,
        &format!(
            "{CORE_MODULE} core(\n    .clock(clk), .reset(reset), .cmd_valid(cmd_valid), \
             .cmd_ready(cmd_ready), .cmd_op(cmd_op),{addr}\n    .cmd_data(cmd_data), \
             .rsp_valid(rsp_valid), .rsp_ready(rsp_ready), .rsp_data(rsp_data),\n    \
             .illegal_op(illegal_op)\n);"
        ),
    );
    if leds > 0 {
        let inv = if leds_active_low { "~" } else { "" };
        w(
            &mut v,
            &format!(
                "\
// LEDs: 0 heartbeat (clock running), 1 a frame was dropped, 2 an illegal op reached the core,
// 3 the link is busy with a command (registered: LEDs are slow).
reg [25:0] beat = 26'd0;
reg [3:0] led_q = 4'd0;
always @(posedge clk) begin
    beat <= beat + 26'd1;
    led_q <= {{cmd_valid | rsp_ready, illegal_op, |dropped, beat[25]}};
end
assign led = {inv}led_q[{}:0];",
                leds - 1
            ),
        );
    }
    w(&mut v, "endmodule\n");
    v.push_str(&link.verilog);
    v.push('\n');
    v.push_str(&core);
    Ok(v)
}
