//! Chooses an implementation of the core by name: the one place the CLI, the conformance
//! runner and the tests turn "model", "rust-hdl" or "verilator" into a [`Dut`].

use crate::conform::TableOps;
use crate::cycle_model::CycleModel;
use crate::dut::Dut;
use crate::lanes_model::LanesModel;
use crate::rusthdl::{rust_hdl_core, rust_hdl_lanes};
use crate::shared_lanes_model::SharedLanesModel;
use crate::table_driver::DutTable;
use crate::table_lanes_model::TableLanesModel;
use crate::verilator_core::{VerilatorCore, VerilatorCoreError};
use atomik_hdl::config::SUPPORTED_WIDTHS;
use atomik_hdl::lanes::{LaneMode, LanesConfig};
use atomik_hdl::CoreConfig;
use std::fmt;
use std::str::FromStr;

/// An implementation of the core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The reference model in the core's cycle timing.
    Model,
    /// rust-hdl's simulator running the RTL description directly.
    RustHdl,
    /// The generated Verilog compiled by Verilator.
    Verilator,
}

impl Backend {
    pub const ALL: [Backend; 3] = [Backend::Model, Backend::RustHdl, Backend::Verilator];

    pub fn name(self) -> &'static str {
        match self {
            Backend::Model => "model",
            Backend::RustHdl => "rust-hdl",
            Backend::Verilator => "verilator",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Backend::ALL
            .into_iter()
            .find(|b| b.name() == s)
            .ok_or_else(|| format!("unknown backend {s:?}: choose model, rust-hdl or verilator"))
    }
}

/// The core for `config` on `backend`, in its power-up state. `trace` asks for a backend
/// that can write waveforms (only Verilator builds differ).
pub fn make_dut(
    backend: Backend,
    config: CoreConfig,
    trace: bool,
) -> Result<Box<dyn Dut>, VerilatorCoreError> {
    Ok(match backend {
        Backend::Model => Box::new(CycleModel::new(config)),
        Backend::RustHdl => rust_hdl_core(config),
        Backend::Verilator => Box::new(VerilatorCore::new(config, trace)?),
    })
}

/// The multi-lane core for `config` on `backend`, in its power-up state.
pub fn make_lanes_dut(
    backend: Backend,
    config: LanesConfig,
    trace: bool,
) -> Result<Box<dyn Dut>, VerilatorCoreError> {
    Ok(match backend {
        Backend::Model => match config.mode {
            LaneMode::Single => Box::new(LanesModel::new(config)),
            LaneMode::Table => Box::new(TableLanesModel::new(config)),
            LaneMode::Shared => Box::new(SharedLanesModel::new(config)),
        },
        Backend::RustHdl => rust_hdl_lanes(config),
        Backend::Verilator => Box::new(VerilatorCore::lanes(config, trace)?),
    })
}

/// A conformance-case factory for an RTL backend: a table case runs on a freshly reset core
/// of the case's width and `contexts` entries when the RTL is built for that width and the
/// case fits; other cases are skipped. A backend that cannot be built (missing Verilator)
/// stops the run with its error in `failure`.
pub struct RtlTargets {
    backend: Backend,
    contexts: u32,
    widths: Vec<u32>,
    /// Run on the table-mode multi-lane core with this many lanes instead of the core.
    lanes: Option<u32>,
    /// The first error met while building a core.
    pub failure: Option<VerilatorCoreError>,
}

impl RtlTargets {
    /// Cases of `widths` (those the RTL supports) on cores of `contexts` entries.
    pub fn new(backend: Backend, contexts: u32, widths: &[u32]) -> Self {
        RtlTargets {
            backend,
            contexts,
            widths: widths
                .iter()
                .copied()
                .filter(|w| SUPPORTED_WIDTHS.contains(w))
                .collect(),
            lanes: None,
            failure: None,
        }
    }

    /// Runs the cases on the table-mode multi-lane core of `lanes` lanes (width 64 only): ACCUMs
    /// go round-robin over the lanes, READ and SWAP merge every lane's partial.
    pub fn on_lanes(mut self, lanes: u32) -> Self {
        self.lanes = Some(lanes);
        self.widths.retain(|&w| w == 64);
        self
    }

    /// A fresh target for a case, or `None` to skip it.
    pub fn target(&mut self, width: u32, contexts: u64) -> Option<Box<dyn TableOps>> {
        if self.failure.is_some() || !self.widths.contains(&width) {
            return None;
        }
        if contexts > self.contexts as u64 {
            return None;
        }
        let dut = match self.lanes {
            Some(lanes) => LanesConfig::table(lanes, self.contexts)
                .ok()
                .map(|c| make_lanes_dut(self.backend, c, false)),
            None => CoreConfig::new(width, self.contexts)
                .ok()
                .map(|c| make_dut(self.backend, c, false)),
        }?;
        match dut {
            Ok(dut) => Some(Box::new(DutTable::new(dut, contexts))),
            Err(e) => {
                self.failure = Some(e);
                None
            }
        }
    }
}
