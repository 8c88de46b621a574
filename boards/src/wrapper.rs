//! A pin-light benchmark wrapper: any design placed and routed on any package with three pins.
//!
//! A core like ATOMiK has ~80 input and ~70 output bits; a Tang Nano 9K's QN88 package has
//! far fewer usable pins, so placing the bare design fails, and tying its inputs to constants
//! would let synthesis delete most of it. The wrapper instead gives the design exactly the
//! environment a benchmark wants:
//!
//! ```text
//!            +------------------- N-bit shift register -------------------+
//!   sin ---> | sr[0] -> sr[1] -> ... -> sr[N-1]   (one FF per input bit)  |
//!            +------------------------------------------------------------+
//!                 | every design input bit is one sr bit (registered)
//!            +----v-----+
//!   clk ---->|  design  |  (its single clock)
//!            +----+-----+
//!                 | every output bit
//!            o_q  (one FF per output bit)
//!                 | XOR 4:1, registered  (ceil(M/4) FFs)
//!                 | XOR 4:1, registered  ...
//!                 v
//!               sout (a register)
//! ```
//!
//! - Inputs come from flip-flops fed by an external pin, so none is constant and nothing in
//!   the design can be optimised away; every input bit is a register output that changes
//!   whenever the serial stream does, like the registered inputs of a real system.
//! - Every output bit is registered once and then XOR-reduced four bits per registered stage
//!   (one LUT4 level per stage), so every output bit is observable at `sout` (nothing is
//!   dead) and the wrapper adds no logic level to any path of the design: its paths end in a
//!   wrapper flip-flop exactly as they would end at a pin or a downstream register.
//! - Cost: one FF per input bit, one FF per output bit, and about M/3 FFs and LUT4s for the
//!   reduction tree ([`WrapperCost`]); report figures include it.

use crate::flow::is_identifier;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// The wrapper's module name.
pub const WRAPPER_TOP: &str = "bench_top";
/// The wrapper's ports: the clock, the serial input feeding the shift register, the
/// reduction output.
pub const WRAPPER_CLOCK: &str = "clk";
pub const WRAPPER_SIN: &str = "sin";
pub const WRAPPER_SOUT: &str = "sout";

/// A port's direction; exactly one port of a design is its [`PortDir::Clock`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PortDir {
    Input,
    Output,
    /// The design's single clock input (width 1).
    Clock,
}

/// A top-level port of the design to wrap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Port {
    pub name: String,
    /// Bits, at least 1.
    pub width: u32,
    pub dir: PortDir,
}

impl Port {
    pub fn input(name: &str, width: u32) -> Port {
        Port {
            name: name.into(),
            width,
            dir: PortDir::Input,
        }
    }
    pub fn output(name: &str, width: u32) -> Port {
        Port {
            name: name.into(),
            width,
            dir: PortDir::Output,
        }
    }
    pub fn clock(name: &str) -> Port {
        Port {
            name: name.into(),
            width: 1,
            dir: PortDir::Clock,
        }
    }
}

/// The port list cannot be wrapped; the message quotes the offending port.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WrapperError {
    #[error("module name `{0}` is not a plain Verilog identifier, or is `bench_top` itself")]
    BadModule(String),
    #[error("port `{0}` is not a plain Verilog identifier")]
    BadPortName(String),
    #[error("port `{name}` has width {width}; widths start at 1 (a clock has width 1)")]
    BadWidth { name: String, width: u32 },
    #[error("port `{0}` is listed twice")]
    Duplicate(String),
    #[error("the design needs exactly one clock port, found {0}")]
    Clocks(usize),
    #[error("the design has no output ports: nothing could be observed and all of it would be optimised away")]
    NoOutputs,
}

/// What the wrapper adds to the design (exact for FFs; the LUTs of the reduction tree may
/// merge with the design's last logic level after flattening).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrapperCost {
    /// Shift-register bits = the design's input bits.
    pub input_ffs: u64,
    /// Output registers plus reduction-tree registers.
    pub output_ffs: u64,
    /// XOR-reduction LUT4s.
    pub luts: u64,
}

impl WrapperCost {
    pub fn ffs(&self) -> u64 {
        self.input_ffs + self.output_ffs
    }
}

/// The generated wrapper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wrapper {
    /// Verilog text of module [`WRAPPER_TOP`] (the wrapped design must be read alongside).
    pub verilog: String,
    pub cost: WrapperCost,
}

fn check(module: &str, ports: &[Port]) -> Result<(), WrapperError> {
    if !is_identifier(module) || module == WRAPPER_TOP {
        return Err(WrapperError::BadModule(module.into()));
    }
    let mut seen = std::collections::BTreeSet::new();
    for p in ports {
        if !is_identifier(&p.name) || p.name.contains('$') {
            return Err(WrapperError::BadPortName(p.name.clone()));
        }
        if p.width == 0 || (p.dir == PortDir::Clock && p.width != 1) {
            return Err(WrapperError::BadWidth {
                name: p.name.clone(),
                width: p.width,
            });
        }
        if !seen.insert(p.name.as_str()) {
            return Err(WrapperError::Duplicate(p.name.clone()));
        }
    }
    let clocks = ports.iter().filter(|p| p.dir == PortDir::Clock).count();
    if clocks != 1 {
        return Err(WrapperError::Clocks(clocks));
    }
    if !ports.iter().any(|p| p.dir == PortDir::Output) {
        return Err(WrapperError::NoOutputs);
    }
    Ok(())
}

/// Generates `module bench_top(input clk, input sin, output sout)` around an instance of
/// `module` with these ports (see the module docs for the structure and why).
pub fn bench_wrapper(module: &str, ports: &[Port]) -> Result<Wrapper, WrapperError> {
    check(module, ports)?;
    let n_in: u64 = ports
        .iter()
        .filter(|p| p.dir == PortDir::Input)
        .map(|p| u64::from(p.width))
        .sum();
    let n_out: u64 = ports
        .iter()
        .filter(|p| p.dir == PortDir::Output)
        .map(|p| u64::from(p.width))
        .sum();

    let mut v = String::new();
    let w = &mut v;
    // Writing to a String cannot fail: the results below are ignored on purpose.
    let _ = writeln!(
        w,
        "// Pin-light benchmark wrapper around `{module}` (generated by atomik-boards).\n\
         // {n_in} input bits come from a shift register fed by `sin`; {n_out} output bits are\n\
         // registered and XOR-reduced 4:1 per registered stage into `sout`.\n\
         module {WRAPPER_TOP}(input {WRAPPER_CLOCK}, input {WRAPPER_SIN}, output {WRAPPER_SOUT});"
    );
    if n_in > 0 {
        let _ = writeln!(w, "  reg [{}:0] sr = 0;", n_in - 1);
        if n_in == 1 {
            let _ = writeln!(
                w,
                "  always @(posedge {WRAPPER_CLOCK}) sr <= {WRAPPER_SIN};"
            );
        } else {
            let _ = writeln!(
                w,
                "  always @(posedge {WRAPPER_CLOCK}) sr <= {{sr[{}:0], {WRAPPER_SIN}}};",
                n_in - 2
            );
        }
    }
    let _ = writeln!(w, "  wire [{}:0] o;", n_out - 1);
    let _ = writeln!(w, "  {module} dut (");
    let (mut in_at, mut out_at) = (0u64, 0u64);
    let conns: Vec<String> = ports
        .iter()
        .map(|p| {
            let wd = u64::from(p.width);
            let slice = |base: &str, at: &mut u64| {
                let s = format!("{base}[{}:{}]", *at + wd - 1, *at);
                *at += wd;
                s
            };
            let sig = match p.dir {
                PortDir::Clock => WRAPPER_CLOCK.to_string(),
                PortDir::Input => slice("sr", &mut in_at),
                PortDir::Output => slice("o", &mut out_at),
            };
            format!("    .{}({sig})", p.name)
        })
        .collect();
    let _ = writeln!(w, "{}\n  );", conns.join(",\n"));

    // Stage 0: every output bit registered. Stage k+1: 4:1 XOR of stage k, registered.
    let _ = writeln!(w, "  reg [{}:0] x0 = 0;", n_out - 1);
    let _ = writeln!(w, "  always @(posedge {WRAPPER_CLOCK}) x0 <= o;");
    let mut width = n_out;
    let mut stage = 0;
    let (mut tree_ffs, mut tree_luts) = (0u64, 0u64);
    while width > 1 {
        let next = width.div_ceil(4);
        let padded = next * 4;
        let s = stage + 1;
        let _ = writeln!(w, "  reg [{}:0] x{s} = 0;", next - 1);
        if padded == width {
            let _ = writeln!(w, "  wire [{}:0] p{stage} = x{stage};", padded - 1);
        } else {
            let _ = writeln!(
                w,
                "  wire [{}:0] p{stage} = {{{{{}{{1'b0}}}}, x{stage}}};",
                padded - 1,
                padded - width
            );
        }
        let _ = writeln!(w, "  genvar g{s};");
        let _ = writeln!(
            w,
            "  generate for (g{s} = 0; g{s} < {next}; g{s} = g{s} + 1) begin : xor{s}\n    \
             always @(posedge {WRAPPER_CLOCK}) x{s}[g{s}] <= ^p{stage}[4*g{s} +: 4];\n  \
             end endgenerate"
        );
        tree_ffs += next;
        tree_luts += next;
        width = next;
        stage = s;
    }
    let _ = writeln!(w, "  assign {WRAPPER_SOUT} = x{stage}[0];\nendmodule");
    Ok(Wrapper {
        verilog: v,
        cost: WrapperCost {
            input_ffs: n_in,
            output_ffs: n_out + tree_ffs,
            luts: tree_luts,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ports() -> Vec<Port> {
        vec![
            Port::clock("clock"),
            Port::input("a", 3),
            Port::input("b", 1),
            Port::output("y", 9),
            Port::output("z", 1),
        ]
    }

    #[test]
    fn every_port_is_connected_to_the_shift_register_or_the_reduction() {
        let w = bench_wrapper("dsgn", &ports()).unwrap();
        let v = &w.verilog;
        assert!(
            v.contains("module bench_top(input clk, input sin, output sout);"),
            "{v}"
        );
        assert!(v.contains("reg [3:0] sr = 0;"), "{v}");
        assert!(v.contains("sr <= {sr[2:0], sin};"), "{v}");
        assert!(v.contains(".clock(clk)"), "{v}");
        assert!(
            v.contains(".a(sr[2:0])") && v.contains(".b(sr[3:3])"),
            "{v}"
        );
        assert!(v.contains(".y(o[8:0])") && v.contains(".z(o[9:9])"), "{v}");
        // 10 outputs -> 3 -> 1: two reduction stages, the last drives sout.
        assert!(v.contains("wire [11:0] p0 = {{2{1'b0}}, x0};"), "{v}");
        assert!(v.contains("wire [3:0] p1 = {{1{1'b0}}, x1};"), "{v}");
        assert!(v.contains("assign sout = x2[0];"), "{v}");
        assert_eq!(
            w.cost,
            WrapperCost {
                input_ffs: 4,
                output_ffs: 10 + 3 + 1,
                luts: 4
            }
        );
    }

    #[test]
    fn single_output_bit_and_no_inputs_still_wrap() {
        let w = bench_wrapper("d", &[Port::clock("c"), Port::output("q", 1)]).unwrap();
        assert!(!w.verilog.contains("sr"), "{}", w.verilog);
        assert!(w.verilog.contains("assign sout = x0[0];"), "{}", w.verilog);
    }

    #[test]
    fn bad_port_lists_are_refused_with_the_offending_name() {
        let e = |ports: &[Port]| bench_wrapper("d", ports).unwrap_err().to_string();
        assert!(e(&[Port::output("q", 1)]).contains("exactly one clock port, found 0"));
        assert!(e(&[Port::clock("c")]).contains("no output ports"));
        assert!(e(&[Port::clock("c"), Port::output("q w", 1)]).contains("`q w`"));
        assert!(e(&[Port::clock("c"), Port::output("q", 0)]).contains("`q` has width 0"));
        assert!(e(&[Port::clock("c"), Port::output("c", 1)]).contains("`c` is listed twice"));
        let m = bench_wrapper("bench_top", &ports())
            .unwrap_err()
            .to_string();
        assert!(m.contains("bench_top"), "{m}");
    }
}
