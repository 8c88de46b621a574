//! The one harness shape every implementation of the core is driven through: the cycle-exact
//! model ([`crate::cycle_model`]), rust-hdl's simulator ([`crate::rusthdl`]) and Verilator
//! ([`crate::verilator_core`]). Tests, the co-simulation and the conformance runner are
//! written once against [`Dut`].
//!
//! A cycle: the harness reads [`Dut::outputs`] (all outputs are registered, so they depend
//! only on state), decides the inputs, and [`Dut::step`] applies them across one rising edge.

use atomik_hdl::CoreConfig;
use std::collections::VecDeque;
use std::path::Path;

/// The core's inputs for one cycle (see `atomik_hdl::AtomikCore` for their meaning).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoreInputs {
    pub reset: bool,
    pub cmd_valid: bool,
    /// `atomik_hdl::Op` encoding (3 bits).
    pub cmd_op: u8,
    pub cmd_addr: u32,
    pub cmd_data: u64,
    pub rsp_ready: bool,
}

/// The core's outputs during one cycle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoreOutputs {
    pub cmd_ready: bool,
    pub rsp_valid: bool,
    /// Meaningful only while `rsp_valid` (the RTL shows a stale queue entry otherwise).
    pub rsp_data: u64,
    pub illegal_op: bool,
}

impl CoreOutputs {
    /// The outputs of a model whose responses wait in `responses` (head first): valid while
    /// the queue holds one, its data the head's.
    pub fn from_queue(cmd_ready: bool, responses: &VecDeque<u64>, illegal_op: bool) -> Self {
        CoreOutputs {
            cmd_ready,
            rsp_valid: !responses.is_empty(),
            rsp_data: responses.front().copied().unwrap_or(0),
            illegal_op,
        }
    }

    /// No field differs from `expected` (`rsp_data` ignored while no response is valid): the
    /// allocation-free check of every co-simulated cycle.
    #[inline]
    pub fn agrees_with(&self, expected: &CoreOutputs) -> bool {
        self.cmd_ready == expected.cmd_ready
            && self.rsp_valid == expected.rsp_valid
            && self.illegal_op == expected.illegal_op
            && (!self.rsp_valid || self.rsp_data == expected.rsp_data)
    }

    /// The fields that differ from `expected`, ignoring `rsp_data` while no response is valid.
    pub fn differences(&self, expected: &CoreOutputs) -> Vec<String> {
        let mut diffs = Vec::new();
        if self.cmd_ready != expected.cmd_ready {
            diffs.push(format!(
                "cmd_ready {} (expected {})",
                self.cmd_ready, expected.cmd_ready
            ));
        }
        if self.rsp_valid != expected.rsp_valid {
            diffs.push(format!(
                "rsp_valid {} (expected {})",
                self.rsp_valid, expected.rsp_valid
            ));
        }
        if self.rsp_valid && expected.rsp_valid && self.rsp_data != expected.rsp_data {
            diffs.push(format!(
                "rsp_data {:#x} (expected {:#x})",
                self.rsp_data, expected.rsp_data
            ));
        }
        if self.illegal_op != expected.illegal_op {
            diffs.push(format!(
                "illegal_op {} (expected {})",
                self.illegal_op, expected.illegal_op
            ));
        }
        diffs
    }
}

/// Why a waveform could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WaveError {
    #[error("the {backend} backend cannot write waveforms")]
    Unsupported { backend: &'static str },
    #[error("cannot write waveform {path}: {cause}")]
    Io { path: String, cause: String },
}

/// A cycle-level implementation of the core.
pub trait Dut {
    /// The parameters it was built with.
    fn config(&self) -> CoreConfig;
    /// A short backend name for reports: `model`, `rust-hdl`, `verilator`.
    fn backend(&self) -> &'static str;
    /// Outputs during the current cycle.
    fn outputs(&self) -> CoreOutputs;
    /// Applies `inputs` and advances one clock.
    fn step(&mut self, inputs: &CoreInputs);
    /// Clocks stepped since construction.
    fn cycles(&self) -> u64;
    /// Starts writing a VCD waveform of every following cycle to `path`.
    fn start_waveform(&mut self, _path: &Path) -> Result<(), WaveError> {
        Err(WaveError::Unsupported {
            backend: self.backend(),
        })
    }
    /// Flushes and closes the waveform, if one is open.
    fn finish_waveform(&mut self) {}
}
