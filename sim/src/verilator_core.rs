//! The cores' generated Verilog under Verilator, through the cached model builder in
//! [`crate::verilator`]: the fast backend (millions of cycles/s) for long co-simulations. One
//! [`VerilatorCore`] drives either design: both have the same stream ports, and only the
//! single-lane core has `cmd_addr`.

use crate::dut::{CoreInputs, CoreOutputs, Dut, WaveError};
use crate::verilator::{ModelSpec, VerilatedModel, VerilatorError};
use atomik_hdl::export::{core_verilog, ExportError, TopPort};
use atomik_hdl::lanes::export::lanes_verilog;
use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::CoreConfig;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

/// Why the Verilator core could not be made.
#[derive(Debug, thiserror::Error)]
pub enum VerilatorCoreError {
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(transparent)]
    Verilator(#[from] VerilatorError),
}

struct Pins {
    reset: usize,
    cmd_valid: usize,
    cmd_op: usize,
    cmd_addr: Option<usize>,
    cmd_data: usize,
    rsp_ready: usize,
    cmd_ready: usize,
    rsp_valid: usize,
    rsp_data: usize,
    illegal_op: usize,
}

/// A core (single-lane or multi-lane) for one configuration, as a Verilator model.
pub struct VerilatorCore {
    config: CoreConfig,
    model: VerilatedModel,
    pins: Pins,
}

fn model_spec(
    name: String,
    verilog: String,
    clock: &str,
    ports: &[TopPort],
    trace: bool,
) -> ModelSpec {
    let mut spec = ModelSpec::new(name, verilog, "top", clock);
    for p in ports {
        spec = if p.input {
            spec.input(p.name, p.width)
        } else {
            spec.output(p.name, p.width)
        };
    }
    spec.with_trace(trace)
}

/// The Verilator model spec of a core configuration (Verilog generated from the rust-hdl
/// description, every top-level port wired).
pub fn core_model_spec(config: CoreConfig, trace: bool) -> Result<ModelSpec, ExportError> {
    let d = core_verilog(config)?;
    Ok(model_spec(
        config.name(),
        d.verilog,
        d.clock,
        &d.ports,
        trace,
    ))
}

/// The Verilator model spec of a multi-lane configuration. Generating the Verilog takes about
/// a second at 256 lanes while loading a cached model takes a millisecond, so specs are kept
/// for the life of the process (tests make a fresh core per case).
pub fn lanes_model_spec(config: LanesConfig, trace: bool) -> Result<ModelSpec, ExportError> {
    type Specs = Mutex<HashMap<(LanesConfig, bool), ModelSpec>>;
    static SPECS: OnceLock<Specs> = OnceLock::new();
    let specs = SPECS.get_or_init(Default::default);
    if let Some(spec) = specs
        .lock()
        .ok()
        .and_then(|m| m.get(&(config, trace)).cloned())
    {
        return Ok(spec);
    }
    let d = lanes_verilog(config)?;
    let spec = model_spec(config.name(), d.verilog, d.clock, &d.ports, trace);
    if let Ok(mut m) = specs.lock() {
        m.insert((config, trace), spec.clone());
    }
    Ok(spec)
}

impl VerilatorCore {
    /// Builds (or loads from the cache) the model of `config`. `trace` builds the variant
    /// that can write waveforms; it is a separate cache entry.
    pub fn new(config: CoreConfig, trace: bool) -> Result<Self, VerilatorCoreError> {
        Self::from_spec(&core_model_spec(config, trace)?, config)
    }

    /// Builds (or loads) the multi-lane core of `config`.
    pub fn lanes(config: LanesConfig, trace: bool) -> Result<Self, VerilatorCoreError> {
        let shape = CoreConfig {
            width: config.width,
            contexts: config.contexts,
        };
        Self::from_spec(&lanes_model_spec(config, trace)?, shape)
    }

    /// Builds (or loads) a design with the cores' stream ports; `shape` is its datapath width
    /// and context count.
    fn from_spec(spec: &ModelSpec, config: CoreConfig) -> Result<Self, VerilatorCoreError> {
        let model = VerilatedModel::build(spec)?;
        let pins = Pins {
            reset: model.input("reset")?,
            cmd_valid: model.input("cmd_valid")?,
            cmd_op: model.input("cmd_op")?,
            cmd_addr: model.input("cmd_addr").ok(),
            cmd_data: model.input("cmd_data")?,
            rsp_ready: model.input("rsp_ready")?,
            cmd_ready: model.output("cmd_ready")?,
            rsp_valid: model.output("rsp_valid")?,
            rsp_data: model.output("rsp_data")?,
            illegal_op: model.output("illegal_op")?,
        };
        Ok(VerilatorCore {
            config,
            model,
            pins,
        })
    }

    /// The directory the model was built and cached in.
    pub fn cache_dir(&self) -> &Path {
        self.model.cache_dir()
    }
}

impl Dut for VerilatorCore {
    fn config(&self) -> CoreConfig {
        self.config
    }

    fn backend(&self) -> &'static str {
        "verilator"
    }

    fn outputs(&self) -> CoreOutputs {
        let (m, p) = (&self.model, &self.pins);
        CoreOutputs {
            cmd_ready: m.get(p.cmd_ready) != 0,
            rsp_valid: m.get(p.rsp_valid) != 0,
            rsp_data: m.get(p.rsp_data),
            illegal_op: m.get(p.illegal_op) != 0,
        }
    }

    fn step(&mut self, i: &CoreInputs) {
        let (m, p) = (&mut self.model, &self.pins);
        m.set(p.reset, i.reset as u64);
        m.set(p.cmd_valid, i.cmd_valid as u64);
        m.set(p.cmd_op, i.cmd_op as u64);
        if let Some(addr) = p.cmd_addr {
            m.set(addr, i.cmd_addr as u64);
        }
        m.set(p.cmd_data, i.cmd_data);
        m.set(p.rsp_ready, i.rsp_ready as u64);
        m.tick();
    }

    fn cycles(&self) -> u64 {
        self.model.cycles()
    }

    fn start_waveform(&mut self, path: &Path) -> Result<(), WaveError> {
        self.model.open_vcd(path).map_err(|e| WaveError::Io {
            path: path.display().to_string(),
            cause: e.to_string(),
        })
    }

    fn finish_waveform(&mut self) {
        self.model.close_vcd();
    }
}
