//! The core in rust-hdl's own simulator, stepped directly (no testbench threads): the same
//! Rust description that generates the Verilog, evaluated in-process. Slow (tens of k
//! cycles/s at 64 bits: rust-hdl stores wide `Bits` as bool arrays), but needs no tools and
//! is the quickest way to see a block's behaviour while writing it.

use crate::dut::{CoreInputs, CoreOutputs, Dut, WaveError};
use atomik_hdl::dispatch::{dispatch, CoreVisitor};
use atomik_hdl::{AtomikCore, CoreConfig};
use rust_hdl::core::vcd_probe::{write_vcd_change, write_vcd_header, VCDProbe};
use rust_hdl::prelude::*;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

/// Settling iterations allowed per half clock; the core is loop-free, a handful suffice.
const MAX_SETTLE_ITERATIONS: usize = 64;
/// Simulated picoseconds per half clock in waveforms (10 ns clock period).
const HALF_PERIOD_PS: u64 = 5_000;

/// `AtomikCore<W, A>` under rust-hdl's simulator.
pub struct RustHdlCore<const W: usize, const A: usize> {
    config: CoreConfig,
    core: Box<AtomikCore<W, A>>,
    cycles: u64,
    wave: Option<VCDProbe<BufWriter<File>>>,
}

impl<const W: usize, const A: usize> RustHdlCore<W, A> {
    fn new(config: CoreConfig) -> Self {
        let mut core = Box::new(AtomikCore::<W, A>::default());
        core.connect_all();
        let mut this = RustHdlCore {
            config,
            core,
            cycles: 0,
            wave: None,
        };
        this.settle();
        this
    }

    fn settle(&mut self) {
        // The core has no combinational loops (rust-hdl's check_all passes on it), so this
        // converges; failing to would be a bug in the design, not in the input.
        assert!(
            simulate(self.core.as_mut(), MAX_SETTLE_ITERATIONS),
            "rust-hdl simulation of {} did not settle",
            self.config.name()
        );
    }

    fn dump(&mut self, time: u64) {
        if let Some(mut wave) = self.wave.take() {
            if wave.timestamp(time).is_ok() {
                self.wave = Some(write_vcd_change(wave, self.core.as_ref()));
            }
        }
    }
}

impl<const W: usize, const A: usize> Dut for RustHdlCore<W, A> {
    fn config(&self) -> CoreConfig {
        self.config
    }

    fn backend(&self) -> &'static str {
        "rust-hdl"
    }

    fn outputs(&self) -> CoreOutputs {
        let c = &self.core;
        CoreOutputs {
            cmd_ready: c.cmd_ready.val(),
            rsp_valid: c.rsp_valid.val(),
            rsp_data: c.rsp_data.val().to_u64(),
            illegal_op: c.illegal_op.val(),
        }
    }

    fn step(&mut self, i: &CoreInputs) {
        let c = &mut self.core;
        c.reset.next = i.reset;
        c.cmd_valid.next = i.cmd_valid;
        c.cmd_op.next = (i.cmd_op as u64 & 7).to_bits();
        c.cmd_addr.next = ((i.cmd_addr & (self.config.contexts - 1)) as u64).to_bits();
        // The port is `W` bits wide; rust-hdl refuses wider values, the RTL would drop the bits.
        c.cmd_data.next = (i.cmd_data & self.config.mask()).to_bits();
        c.rsp_ready.next = i.rsp_ready;
        c.clock.next = Clock::from(false);
        self.settle();
        self.dump(2 * self.cycles * HALF_PERIOD_PS);
        self.core.clock.next = Clock::from(true);
        self.settle();
        self.dump((2 * self.cycles + 1) * HALF_PERIOD_PS);
        self.cycles += 1;
    }

    fn cycles(&self) -> u64 {
        self.cycles
    }

    fn start_waveform(&mut self, path: &Path) -> Result<(), WaveError> {
        let file = File::create(path).map_err(|e| WaveError::Io {
            path: path.display().to_string(),
            cause: e.to_string(),
        })?;
        self.wave = Some(write_vcd_header(BufWriter::new(file), self.core.as_ref()));
        Ok(())
    }

    fn finish_waveform(&mut self) {
        // Dropping the probe flushes the BufWriter.
        self.wave = None;
    }
}

struct Build;

impl CoreVisitor for Build {
    type Output = Box<dyn Dut>;
    fn visit<const W: usize, const A: usize>(self, config: CoreConfig) -> Box<dyn Dut> {
        Box::new(RustHdlCore::<W, A>::new(config))
    }
}

/// The core for `config` in rust-hdl's simulator, in its power-up state.
pub fn rust_hdl_core(config: CoreConfig) -> Box<dyn Dut> {
    dispatch(config, Build)
}
