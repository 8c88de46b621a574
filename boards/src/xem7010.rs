//! Opal Kelly XEM7010 (Artix-7 XC7A50T-1FGG484): a Vivado project generated as text.
//!
//! There is no open flow for this board here, so `atomik build --board xem7010` writes the
//! top level, the XDC and a batch TCL script, and runs Vivado only where it is installed. The
//! text is tested without Vivado (pins, clocks, the timing check, the parts it instantiates).
//!
//! The host link is FrontPanel (USB 2.0) block-throttled pipes carrying the same frames as every
//! other link (`ok://SERIAL` on the host): `okHost` with a BTPipeIn at 0x80 (frame bytes, 64-word
//! blocks), a BTPipeOut at 0xA0 (answer bytes, 8-word blocks), a WireIn at 0x00 (bit 0 resets
//! the link) and WireOuts at 0x20 (the pipe geometry) and 0x21 (dropped frames, pipe error), in
//! the 48 MHz FrontPanel clock domain; [`atomik_hdl::link::ok_pipe`] is the pipe PHY and the
//! link's handshake port carries each command into the core's clock domain (an MMCM from the
//! 200 MHz system clock) and the response back.
//! The FrontPanel HDL (`okHost` and the endpoints) ships with Opal Kelly's proprietary SDK: the
//! script reads it from `$FRONTPANEL_HDL_DIR` and stops with that name if it is missing.
//!
//! Pins from rust-hdl's XEM7010 board support (rust-hdl-ok-core `OpalKellyHostInterface::
//! xem_7010`, rust-hdl-bsp-ok-xem7010 `pins`): host interface LVCMOS33, system clock K4/J4
//! LVDS_25 at 200 MHz, LEDs N13..R17 (lit by driving low).

use atomik_hdl::board_top::CORE_MODULE;
use atomik_hdl::export::{rename_top, ExportError};
use atomik_hdl::lanes::export::lanes_verilog;
use atomik_hdl::lanes::{LaneMode, LanesConfig};
use atomik_hdl::link::ok_pipe::{
    ok_link_verilog, OkPipeConfig, OK_LINK_MODULE, PIPE_IN_ADDR, PIPE_OUT_ADDR, WIRE_GEOMETRY_ADDR,
    WIRE_HEALTH_ADDR, WIRE_RESET_ADDR,
};
use serde::Serialize;
use std::fmt::Write as _;

/// The CLI name.
pub const NAME: &str = "xem7010";
pub const TITLE: &str = "Opal Kelly XEM7010-A50";
/// Vivado's part name.
pub const PART: &str = "xc7a50tfgg484-1";
/// The system oscillator, MHz.
pub const SYS_CLOCK_MHZ: f64 = 200.0;
/// FrontPanel's host clock period (USB 2.0 host interface), ns.
pub const OK_CLOCK_NS: f64 = 20.83;
pub const TOP_MODULE: &str = "atomik_xem7010";

const HI_IN: [&str; 8] = ["Y18", "V17", "AA19", "V20", "W17", "AB20", "V19", "AA18"];
const HI_OUT: [&str; 2] = ["Y21", "U20"];
const HI_INOUT: [&str; 16] = [
    "AB22", "AB21", "Y22", "AA21", "AA20", "W22", "W21", "T20", "R19", "P19", "U21", "T21", "R21",
    "P21", "R22", "P22",
];
const HI_AA: &str = "V22";
const HI_MUXSEL: &str = "P20";
const SYS_CLK_P: &str = "K4";
const SYS_CLK_N: &str = "J4";
const LEDS: [&str; 8] = ["N13", "N14", "P15", "P16", "N17", "P17", "R16", "R17"];

/// An MMCME2_BASE setting: out = 200 MHz x M / (D x O).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MmcmSetting {
    pub mult: u32,
    pub divide: u32,
    pub out_divide: u32,
    pub vco_mhz: f64,
    pub output_mhz: f64,
}

/// The closest core clock at or below `requested_mhz` (Artix-7 -1: VCO 600–1200 MHz, PFD at
/// least 10 MHz, integer M 2..=64 and O 1..=128).
pub fn mmcm_for(requested_mhz: f64) -> Option<MmcmSetting> {
    let mut best: Option<MmcmSetting> = None;
    for divide in 1..=20u32 {
        let pfd = SYS_CLOCK_MHZ / divide as f64;
        if pfd < 10.0 {
            continue;
        }
        for mult in 2..=64u32 {
            let vco = pfd * mult as f64;
            if !(600.0..=1200.0).contains(&vco) {
                continue;
            }
            for out_divide in 1..=128u32 {
                let out = vco / out_divide as f64;
                let closer = best.as_ref().is_none_or(|b| out > b.output_mhz + 1e-9);
                if out <= requested_mhz + 1e-9 && closer {
                    best = Some(MmcmSetting {
                        mult,
                        divide,
                        out_divide,
                        vco_mhz: vco,
                        output_mhz: out,
                    });
                }
            }
        }
    }
    best
}

/// Why the project could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum Xem7010Error {
    #[error(
        "no MMCM setting gives a core clock at or below {0} MHz from the 200 MHz oscillator \
         (the lowest is 4.6875 MHz)"
    )]
    Clock(f64),
    #[error(transparent)]
    Export(#[from] ExportError),
}

/// The generated project: three files.
#[derive(Debug, Clone)]
pub struct VivadoProject {
    pub mmcm: MmcmSetting,
    /// `atomik_xem7010.v`: the top, the pipe link and the core.
    pub verilog: String,
    /// `atomik_xem7010.xdc`.
    pub xdc: String,
    /// `build.tcl`: `vivado -mode batch -source build.tcl`.
    pub tcl: String,
}

/// Generates the project for `lanes` at a core clock of at most `mhz`.
pub fn project(lanes: LanesConfig, mhz: f64) -> Result<VivadoProject, Xem7010Error> {
    let mmcm = mmcm_for(mhz).ok_or(Xem7010Error::Clock(mhz))?;
    let core = rename_top(&lanes_verilog(lanes)?.verilog, CORE_MODULE);
    let link = OkPipeConfig::xem7010();
    let port = ok_link_verilog(&link)?;
    let mut v = String::new();
    let addr = if lanes.mode != LaneMode::Single {
        format!(
            " .cmd_addr(cmd_addr[{}:0]),",
            lanes.contexts.trailing_zeros() - 1
        )
    } else {
        String::new()
    };
    // Writing to a String cannot fail.
    let _ = write!(
        v,
        "\
// ATOMiK on the {TITLE}: FrontPanel host interface, {lanes} lanes x {width} bits ({mode}).
// Generated by atomik-boards (xem7010.rs); edit the generator, not this file.
module {TOP_MODULE}(
    input  wire [7:0]  hi_in,
    output wire [1:0]  hi_out,
    inout  wire [15:0] hi_inout,
    inout  wire        hi_aa,
    output wire        hi_muxsel,
    input  wire        sys_clk_p,
    input  wire        sys_clk_n,
    output wire [7:0]  led
);
assign hi_muxsel = 1'b0;

// Core clock: MMCM from the 200 MHz oscillator, {out:.3} MHz (VCO {vco:.1} MHz).
wire sys_clk, mmcm_fb, mmcm_out, clk, locked;
IBUFDS sys_ibuf(.I(sys_clk_p), .IB(sys_clk_n), .O(sys_clk));
MMCME2_BASE #(
    .CLKIN1_PERIOD(5.000), .DIVCLK_DIVIDE({d}), .CLKFBOUT_MULT_F({m}.000),
    .CLKOUT0_DIVIDE_F({o}.000)
) mmcm(
    .CLKIN1(sys_clk), .CLKFBIN(mmcm_fb), .CLKFBOUT(mmcm_fb), .CLKOUT0(mmcm_out),
    .LOCKED(locked), .PWRDWN(1'b0), .RST(1'b0)
);
BUFG core_bufg(.I(mmcm_out), .O(clk));
reg [4:0] por = 5'd0;
wire reset = ~por[4];
always @(posedge clk)
    if (!locked) por <= 5'd0;
    else if (!por[4]) por <= por + 5'd1;

// FrontPanel: BTPipeIn {pi:#04x} (frame bytes: each {inw}-word block a byte count, then the
// bytes), BTPipeOut {po:#04x} (answer bytes, up to 3 per word with the count in 31:24, {outw}-word
// blocks), WireIn {wr:#04x} bit 0 resets the link, WireOuts {wg:#04x} geometry and {wh:#04x}
// {{pipe error, dropped frames}}. See atomik_hdl::link::ok_pipe.
wire ok_clk;
wire [30:0] ok1;
wire [16:0] ok2;
wire [17*4-1:0] ok2x;
okHost ok_host(.hi_in(hi_in), .hi_out(hi_out), .hi_inout(hi_inout), .hi_aa(hi_aa),
    .ti_clk(ok_clk), .ok1(ok1), .ok2(ok2));
okWireOR #(.N(4)) ok_or(.ok2(ok2), .ok2s(ok2x));
wire [31:0] w_reset, pi_data, po_data, geometry;
wire pi_write, pi_blockstrobe, pi_ready, po_read, po_blockstrobe, po_ready, in_error;
wire [15:0] dropped;
okWireIn ep{wr:02x}(.ok1(ok1), .ep_addr(8'h{wr:02x}), .ep_dataout(w_reset));
okBTPipeIn ep{pi:02x}(.ok1(ok1), .ok2(ok2x[0*17 +: 17]), .ep_addr(8'h{pi:02x}), .ep_write(pi_write),
    .ep_blockstrobe(pi_blockstrobe), .ep_dataout(pi_data), .ep_ready(pi_ready));
okBTPipeOut ep{po:02x}(.ok1(ok1), .ok2(ok2x[1*17 +: 17]), .ep_addr(8'h{po:02x}), .ep_read(po_read),
    .ep_blockstrobe(po_blockstrobe), .ep_datain(po_data), .ep_ready(po_ready));
okWireOut ep{wg:02x}(.ok1(ok1), .ok2(ok2x[2*17 +: 17]), .ep_addr(8'h{wg:02x}), .ep_datain(geometry));
okWireOut ep{wh:02x}(.ok1(ok1), .ok2(ok2x[3*17 +: 17]), .ep_addr(8'h{wh:02x}),
    .ep_datain({{15'd0, in_error, dropped}}));
// The link's reset: 16 FrontPanel clocks after configuration, and while the WireIn holds it.
reg [4:0] link_por = 5'd0;
always @(posedge ok_clk)
    if (!link_por[4]) link_por <= link_por + 5'd1;
wire link_reset = ~link_por[4] | w_reset[0];

wire cmd_valid, cmd_ready, rsp_valid, rsp_ready, illegal_op;
wire [3:0] cmd_op;
wire [15:0] cmd_addr;
wire [63:0] cmd_data, rsp_data;
{OK_LINK_MODULE} link(
    .clock(ok_clk), .reset(link_reset), .core_clock(clk),
    .pi_write(pi_write), .pi_blockstrobe(pi_blockstrobe), .pi_data(pi_data), .pi_ready(pi_ready),
    .po_read(po_read), .po_blockstrobe(po_blockstrobe), .po_data(po_data), .po_ready(po_ready),
    .geometry(geometry), .in_error(in_error),
    .cmd_valid(cmd_valid), .cmd_ready(cmd_ready), .cmd_op(cmd_op), .cmd_addr(cmd_addr),
    .cmd_data(cmd_data), .rsp_valid(rsp_valid), .rsp_ready(rsp_ready), .rsp_data(rsp_data),
    .dropped(dropped)
);
{CORE_MODULE} core(
    .clock(clk), .reset(reset), .cmd_valid(cmd_valid), .cmd_ready(cmd_ready),
    .cmd_op(cmd_op),{addr} .cmd_data(cmd_data), .rsp_valid(rsp_valid),
    .rsp_ready(rsp_ready), .rsp_data(rsp_data), .illegal_op(illegal_op)
);

// LEDs light when driven low: 0 heartbeat, 1 command in flight, 2 illegal op.
wire busy = cmd_valid | rsp_ready;
reg [25:0] beat = 26'd0;
always @(posedge clk) beat <= beat + 26'd1;
assign led = ~{{5'd0, illegal_op, busy, beat[25]}};
endmodule
",
        lanes = lanes.lanes,
        width = lanes.width,
        mode = match lanes.mode {
            LaneMode::Single => "single",
            LaneMode::Table => "table",
            LaneMode::Shared => "shared",
        },
        out = mmcm.output_mhz,
        vco = mmcm.vco_mhz,
        d = mmcm.divide,
        m = mmcm.mult,
        o = mmcm.out_divide,
        pi = PIPE_IN_ADDR,
        po = PIPE_OUT_ADDR,
        wr = WIRE_RESET_ADDR,
        wg = WIRE_GEOMETRY_ADDR,
        wh = WIRE_HEALTH_ADDR,
        inw = link.in_block_words,
        outw = link.out_block_words,
    );
    v.push('\n');
    v.push_str(&port);
    v.push('\n');
    v.push_str(&core);
    Ok(VivadoProject {
        xdc: xdc(&mmcm),
        tcl: tcl(&mmcm),
        verilog: v,
        mmcm,
    })
}

fn xdc(mmcm: &MmcmSetting) -> String {
    let mut x = String::new();
    let mut pin = |port: String, loc: &str, std: &str| {
        let _ = writeln!(
            x,
            "set_property PACKAGE_PIN {loc} [get_ports {{{port}}}]\n\
             set_property IOSTANDARD {std} [get_ports {{{port}}}]"
        );
    };
    for (i, p) in HI_IN.iter().enumerate() {
        pin(format!("hi_in[{i}]"), p, "LVCMOS33");
    }
    for (i, p) in HI_OUT.iter().enumerate() {
        pin(format!("hi_out[{i}]"), p, "LVCMOS33");
    }
    for (i, p) in HI_INOUT.iter().enumerate() {
        pin(format!("hi_inout[{i}]"), p, "LVCMOS33");
    }
    pin("hi_aa".into(), HI_AA, "LVCMOS33");
    pin("hi_muxsel".into(), HI_MUXSEL, "LVCMOS33");
    pin("sys_clk_p".into(), SYS_CLK_P, "LVDS_25");
    pin("sys_clk_n".into(), SYS_CLK_N, "LVDS_25");
    for (i, p) in LEDS.iter().enumerate() {
        pin(format!("led[{i}]"), p, "LVCMOS33");
    }
    let _ = write!(
        x,
        "\
# Generated by atomik-boards (xem7010.rs). The MMCM output ({out:.3} MHz) is derived by
# Vivado from the 200 MHz input clock.
create_clock -name sys_clk -period 5.000 [get_ports sys_clk_p]
create_clock -name ok_clk -period {OK_CLOCK_NS:.2} [get_ports {{hi_in[0]}}]
# The two domains meet only in the pipe link's handshake port, whose toggles pass 2-FF
# synchronisers and whose data is held stable across them.
set_clock_groups -asynchronous -group [get_clocks -include_generated_clocks sys_clk] \\
    -group [get_clocks -include_generated_clocks ok_clk]
set_input_delay -clock ok_clk -max 6.7 [get_ports {{hi_in[*]}}]
set_input_delay -clock ok_clk -min 0.0 [get_ports {{hi_in[*]}}]
set_input_delay -clock ok_clk -max 11.0 [get_ports {{hi_inout[*]}}]
set_input_delay -clock ok_clk -min 0.0 [get_ports {{hi_inout[*]}}]
set_output_delay -clock ok_clk 8.9 [get_ports {{hi_out[*]}}]
set_output_delay -clock ok_clk 9.2 [get_ports {{hi_inout[*]}}]
set_property CFGBVS VCCO [current_design]
set_property CONFIG_VOLTAGE 3.3 [current_design]
",
        out = mmcm.output_mhz
    );
    x
}

fn tcl(mmcm: &MmcmSetting) -> String {
    format!(
        "\
# Generated by atomik-boards (xem7010.rs): vivado -mode batch -source build.tcl
# Needs Opal Kelly's FrontPanel HDL for the XEM7010-A50 (okLibrary.v and the endpoint
# modules) in $FRONTPANEL_HDL_DIR.
if {{![info exists ::env(FRONTPANEL_HDL_DIR)]}} {{
    puts \"ERROR: set FRONTPANEL_HDL_DIR to the FrontPanel HDL directory for the XEM7010-A50\"
    exit 2
}}
set fp $::env(FRONTPANEL_HDL_DIR)
create_project -in_memory -part {PART}
read_verilog atomik_xem7010.v
read_verilog [glob -directory $fp *.v]
read_xdc atomik_xem7010.xdc
synth_design -top {TOP_MODULE} -part {PART}
opt_design
place_design
route_design
report_utilization -file utilization.rpt
report_timing_summary -file timing.rpt
# The core clock is {out:.3} MHz; a negative worst slack means the design does not meet it.
set wns [get_property SLACK [get_timing_paths -max_paths 1 -nworst 1 -setup]]
puts \"ATOMIK_WNS_NS $wns\"
if {{$wns < 0}} {{
    puts \"ERROR: timing missed (worst negative slack $wns ns); see timing.rpt\"
    exit 1
}}
write_bitstream -force atomik_xem7010.bit
puts \"ATOMIK_BITSTREAM atomik_xem7010.bit\"
",
        out = mmcm.output_mhz
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mmcm_settings_are_in_range_and_never_above_the_request() {
        let m = mmcm_for(200.0).unwrap();
        assert_eq!(m.output_mhz, 200.0);
        let m = mmcm_for(333.0).unwrap();
        assert!(m.output_mhz <= 333.0 && m.output_mhz > 320.0, "{m:?}");
        assert!((600.0..=1200.0).contains(&m.vco_mhz));
        assert!(mmcm_for(1.0).is_none());
    }

    #[test]
    fn project_text_has_pins_clocks_timing_check_and_every_module() {
        let p = project(LanesConfig::single(16, 64).unwrap(), 200.0).unwrap();
        for want in [
            "set_property PACKAGE_PIN Y18 [get_ports {hi_in[0]}]",
            "set_property PACKAGE_PIN P22 [get_ports {hi_inout[15]}]",
            "set_property PACKAGE_PIN K4 [get_ports {sys_clk_p}]",
            "set_property IOSTANDARD LVDS_25 [get_ports {sys_clk_n}]",
            "set_property PACKAGE_PIN R17 [get_ports {led[7]}]",
            "create_clock -name sys_clk -period 5.000",
            "create_clock -name ok_clk -period 20.83",
            "set_clock_groups -asynchronous",
        ] {
            assert!(p.xdc.contains(want), "XDC lacks {want}:\n{}", p.xdc);
        }
        for want in [
            "-part xc7a50tfgg484-1",
            "FRONTPANEL_HDL_DIR",
            "synth_design -top atomik_xem7010",
            "if {$wns < 0}",
            "exit 1",
            "write_bitstream",
        ] {
            assert!(p.tcl.contains(want), "TCL lacks {want}:\n{}", p.tcl);
        }
        for want in [
            "module atomik_xem7010(",
            "okHost ok_host(",
            "MMCME2_BASE",
            ".CLKFBOUT_MULT_F(",
            "module atomik_ok_link(",
            "atomik_ok_link link(",
            "okBTPipeIn ep80(",
            "okBTPipeOut epa0(",
            "okWireIn ep00(",
            "okWireOut ep20(",
            "okWireOR #(.N(4))",
            "module atomik_core(",
            "atomik_core core(",
        ] {
            assert!(p.verilog.contains(want), "Verilog lacks {want}");
        }
        let table = project(LanesConfig::table(4, 256).unwrap(), 150.0).unwrap();
        assert!(table.verilog.contains(".cmd_addr(cmd_addr[7:0])"));
    }
}
