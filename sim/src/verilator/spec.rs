//! What to build: the Verilog, its top module, the clock and the ports the driver sees.

use std::collections::HashSet;
use std::fmt::Write as _;

use super::VerilatorError;

/// Direction of a [`Port`] as seen from the design.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortDir {
    /// Driven by the test bench ([`super::VerilatedModel::set`]).
    In,
    /// Read by the test bench ([`super::VerilatedModel::get`]).
    Out,
}

/// One port of the top module (the clock is given separately in [`ModelSpec::clock`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Port {
    /// The port name exactly as in the Verilog (rust-hdl names may contain `$`).
    pub name: String,
    /// Width in bits, 1..=64 (one `u64` word per port crosses the FFI boundary).
    pub width: u32,
    /// Direction.
    pub dir: PortDir,
}

impl Port {
    /// An input port.
    pub fn input(name: impl Into<String>, width: u32) -> Port {
        Port {
            name: name.into(),
            width,
            dir: PortDir::In,
        }
    }

    /// An output port.
    pub fn output(name: impl Into<String>, width: u32) -> Port {
        Port {
            name: name.into(),
            width,
            dir: PortDir::Out,
        }
    }

    /// The mask of the port's value bits.
    pub fn mask(&self) -> u64 {
        width_mask(self.width)
    }
}

pub(crate) fn width_mask(width: u32) -> u64 {
    if width >= 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    }
}

/// A Verilator model to build: one configuration of a (generated) design.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSpec {
    /// Human-readable configuration name, e.g. `core_w64_c256`; used in the cache directory
    /// name and in messages.
    pub name: String,
    /// The complete Verilog source; must contain module [`Self::top_module`].
    pub verilog: String,
    /// The module to simulate (rust-hdl calls its top `top`).
    pub top_module: String,
    /// The clock input of [`Self::top_module`]; driven by [`super::VerilatedModel::tick`].
    pub clock: String,
    /// All other ports the test bench uses, in any order. Design ports not listed are left
    /// unconnected in the wrapper (don't rely on the value of an unconnected input).
    pub ports: Vec<Port>,
    /// Build with `--trace` so [`super::VerilatedModel::open_vcd`] can write waveforms (slower
    /// to build and a little slower to run even with no VCD open).
    pub trace: bool,
}

impl ModelSpec {
    /// A spec with no ports and tracing off; add ports with [`Self::input`] / [`Self::output`].
    pub fn new(
        name: impl Into<String>,
        verilog: impl Into<String>,
        top_module: impl Into<String>,
        clock: impl Into<String>,
    ) -> ModelSpec {
        ModelSpec {
            name: name.into(),
            verilog: verilog.into(),
            top_module: top_module.into(),
            clock: clock.into(),
            ports: Vec::new(),
            trace: false,
        }
    }

    /// Adds an input port.
    pub fn input(mut self, name: impl Into<String>, width: u32) -> ModelSpec {
        self.ports.push(Port::input(name, width));
        self
    }

    /// Adds an output port.
    pub fn output(mut self, name: impl Into<String>, width: u32) -> ModelSpec {
        self.ports.push(Port::output(name, width));
        self
    }

    /// Sets [`Self::trace`].
    pub fn with_trace(mut self, trace: bool) -> ModelSpec {
        self.trace = trace;
        self
    }
}

/// A port as wired through the generated wrapper.
#[derive(Debug, Clone)]
pub(crate) struct Slot {
    /// Name in the design (and in the API).
    pub name: String,
    /// Plain identifier in the wrapper module `atomik_dut`, and hence the C++ member name.
    pub wire: String,
    pub width: u32,
}

/// The validated port layout: inputs and outputs in spec order; the index of a slot is the
/// index into the FFI `in[]` / `out[]` arrays.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub inputs: Vec<Slot>,
    pub outputs: Vec<Slot>,
}

/// Wrapper name of the clock input (cannot clash: data ports are prefixed `i_` / `o_`).
pub(crate) const CLOCK_WIRE: &str = "clk";

impl ModelSpec {
    pub(crate) fn layout(&self) -> Result<Layout, VerilatorError> {
        let bad = |msg: String| VerilatorError::Spec {
            model: self.name.clone(),
            msg,
        };
        if self.name.trim().is_empty() {
            return Err(bad("the model name is empty".into()));
        }
        if self.verilog.trim().is_empty() {
            return Err(bad("the Verilog source is empty".into()));
        }
        if !is_simple_ident(&self.top_module) {
            return Err(bad(format!(
                "top module `{}` is not a plain Verilog identifier",
                self.top_module
            )));
        }
        if self.top_module == super::shim::WRAPPER {
            return Err(bad(format!(
                "top module may not be called `{}` (the name of the generated wrapper)",
                super::shim::WRAPPER
            )));
        }
        check_port_name(&self.clock).map_err(|m| bad(format!("clock: {m}")))?;
        let mut seen = HashSet::new();
        seen.insert(self.clock.as_str());
        let mut wires = HashSet::new();
        wires.insert(CLOCK_WIRE.to_string());
        let mut layout = Layout {
            inputs: Vec::new(),
            outputs: Vec::new(),
        };
        for p in &self.ports {
            check_port_name(&p.name).map_err(|m| bad(format!("port `{}`: {m}", p.name)))?;
            if !seen.insert(p.name.as_str()) {
                return Err(bad(if p.name == self.clock {
                    format!("port `{}` is the clock; list it only in `clock`", p.name)
                } else {
                    format!("port `{}` is listed twice", p.name)
                }));
            }
            if !(1..=64).contains(&p.width) {
                return Err(bad(format!(
                    "port `{}` is {} bits wide; widths 1..=64 are supported \
                     (split wider buses into 64-bit ports in the design)",
                    p.name, p.width
                )));
            }
            let prefix = match p.dir {
                PortDir::In => "i_",
                PortDir::Out => "o_",
            };
            let wire = unique_wire(prefix, &p.name, &mut wires);
            let slot = Slot {
                name: p.name.clone(),
                wire,
                width: p.width,
            };
            match p.dir {
                PortDir::In => layout.inputs.push(slot),
                PortDir::Out => layout.outputs.push(slot),
            }
        }
        Ok(layout)
    }

    /// The spec as human-readable text (written to `spec.txt` in the cache directory).
    pub(crate) fn describe(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "name: {}", self.name);
        let _ = writeln!(s, "top module: {}", self.top_module);
        let _ = writeln!(s, "clock: {}", self.clock);
        let _ = writeln!(s, "trace: {}", self.trace);
        let _ = writeln!(s, "ports ({}):", self.ports.len());
        for p in &self.ports {
            let dir = match p.dir {
                PortDir::In => "in ",
                PortDir::Out => "out",
            };
            let _ = writeln!(s, "  {dir} {:>2} {}", p.width, p.name);
        }
        s
    }
}

/// `[A-Za-z_][A-Za-z0-9_$]*`: usable in Verilog without escaping.
pub(crate) fn is_simple_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

fn check_port_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("empty name".into());
    }
    // Anything else printable can be written as a Verilog escaped identifier (`\name `).
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "name `{name}` contains whitespace or control characters"
        ));
    }
    Ok(())
}

/// A plain C++/Verilog identifier for the wrapper port: prefix + the name with every run of
/// non-alphanumerics turned into one `_` (Verilator mangles `$` and `__`), made unique.
fn unique_wire(prefix: &str, name: &str, taken: &mut HashSet<String>) -> String {
    let mut base = String::from(prefix);
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            base.push(c);
        } else if !base.ends_with('_') {
            base.push('_');
        }
        if base.len() >= 60 {
            break;
        }
    }
    while base.ends_with('_') && base.len() > prefix.len() {
        base.pop();
    }
    let base = base.trim_end_matches('_').to_string();
    let mut wire = base.clone();
    let mut n = 1;
    while taken.contains(&wire) {
        wire = format!("{base}_{n}");
        n += 1;
    }
    taken.insert(wire.clone());
    wire
}
