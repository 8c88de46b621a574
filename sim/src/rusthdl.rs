//! The core in rust-hdl's own simulator, stepped directly (no testbench threads): the same
//! Rust description that generates the Verilog, evaluated in-process. Slow (tens of k
//! cycles/s at 64 bits: rust-hdl stores wide `Bits` as bool arrays), but needs no tools and
//! is the quickest way to see a block's behaviour while writing it.

use crate::dut::{CoreInputs, CoreOutputs, Dut, WaveError};
use atomik_hdl::dispatch::{dispatch, CoreVisitor};
use atomik_hdl::lanes::shared::SharedLaneCore;
use atomik_hdl::lanes::single::SingleLaneCore;
use atomik_hdl::lanes::table::TableLaneCore;
use atomik_hdl::lanes::{LaneMode, LanesConfig};
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

/// What the simulator needs of a block: driving its inputs and sampling its outputs. Both the
/// core and the multi-lane core have the same stream ports (`cmd_op` is 3 or 4 bits; only the
/// core has `cmd_addr`).
pub trait CorePorts: Block {
    fn drive(&mut self, inputs: &CoreInputs, shape: &CoreConfig);
    fn sample(&self) -> CoreOutputs;
    fn set_clock(&mut self, high: bool);
}

/// `sample` and `set_clock` of [`CorePorts`]: every core has the same output and clock ports.
macro_rules! stream_outputs {
    () => {
        fn sample(&self) -> CoreOutputs {
            CoreOutputs {
                cmd_ready: self.cmd_ready.val(),
                rsp_valid: self.rsp_valid.val(),
                rsp_data: self.rsp_data.val().to_u64(),
                illegal_op: self.illegal_op.val(),
            }
        }

        fn set_clock(&mut self, high: bool) {
            self.clock.next = Clock::from(high);
        }
    };
}

impl<const W: usize, const A: usize> CorePorts for AtomikCore<W, A> {
    fn drive(&mut self, i: &CoreInputs, shape: &CoreConfig) {
        self.reset.next = i.reset;
        self.cmd_valid.next = i.cmd_valid;
        self.cmd_op.next = (i.cmd_op as u64 & 7).to_bits();
        self.cmd_addr.next = ((i.cmd_addr & (shape.contexts - 1)) as u64).to_bits();
        // The port is `W` bits wide; rust-hdl refuses wider values, the RTL would drop the bits.
        self.cmd_data.next = (i.cmd_data & shape.mask()).to_bits();
        self.rsp_ready.next = i.rsp_ready;
    }

    stream_outputs!();
}

impl<const W: usize> CorePorts for SingleLaneCore<W> {
    fn drive(&mut self, i: &CoreInputs, _shape: &CoreConfig) {
        self.reset.next = i.reset;
        self.cmd_valid.next = i.cmd_valid;
        self.cmd_op.next = (i.cmd_op as u64 & 0xf).to_bits();
        self.cmd_data.next = i.cmd_data.to_bits();
        self.rsp_ready.next = i.rsp_ready;
    }

    stream_outputs!();
}

impl<const W: usize, const A: usize> CorePorts for TableLaneCore<W, A> {
    fn drive(&mut self, i: &CoreInputs, shape: &CoreConfig) {
        self.reset.next = i.reset;
        self.cmd_valid.next = i.cmd_valid;
        self.cmd_op.next = (i.cmd_op as u64 & 0xf).to_bits();
        self.cmd_addr.next = ((i.cmd_addr & (shape.contexts - 1)) as u64).to_bits();
        self.cmd_data.next = i.cmd_data.to_bits();
        self.rsp_ready.next = i.rsp_ready;
    }

    stream_outputs!();
}

impl<const W: usize, const A: usize> CorePorts for SharedLaneCore<W, A> {
    fn drive(&mut self, i: &CoreInputs, shape: &CoreConfig) {
        self.reset.next = i.reset;
        self.cmd_valid.next = i.cmd_valid;
        self.cmd_op.next = (i.cmd_op as u64 & 0xf).to_bits();
        self.cmd_addr.next = ((i.cmd_addr & (shape.contexts - 1)) as u64).to_bits();
        self.cmd_data.next = i.cmd_data.to_bits();
        self.rsp_ready.next = i.rsp_ready;
    }

    stream_outputs!();
}

/// A block under rust-hdl's simulator, stepped one clock at a time.
pub struct RustHdlDut<B: CorePorts> {
    shape: CoreConfig,
    block: Box<B>,
    cycles: u64,
    wave: Option<VCDProbe<BufWriter<File>>>,
}

impl<B: CorePorts> RustHdlDut<B> {
    /// Wraps `block` (not yet connected); `shape` is its datapath width and context count.
    pub fn new(block: B, shape: CoreConfig) -> Self {
        let mut block = Box::new(block);
        block.connect_all();
        let mut this = RustHdlDut {
            shape,
            block,
            cycles: 0,
            wave: None,
        };
        this.settle();
        this
    }

    fn settle(&mut self) {
        // The designs have no combinational loops (rust-hdl's check_all passes on them), so
        // this converges; failing to would be a bug in the design, not in the input.
        assert!(
            simulate(self.block.as_mut(), MAX_SETTLE_ITERATIONS),
            "rust-hdl simulation of {} did not settle",
            self.shape.name()
        );
    }

    fn dump(&mut self, time: u64) {
        if let Some(mut wave) = self.wave.take() {
            if wave.timestamp(time).is_ok() {
                self.wave = Some(write_vcd_change(wave, self.block.as_ref()));
            }
        }
    }
}

impl<B: CorePorts> Dut for RustHdlDut<B> {
    fn config(&self) -> CoreConfig {
        self.shape
    }

    fn backend(&self) -> &'static str {
        "rust-hdl"
    }

    fn outputs(&self) -> CoreOutputs {
        self.block.sample()
    }

    fn step(&mut self, i: &CoreInputs) {
        self.block.drive(i, &self.shape);
        self.block.set_clock(false);
        self.settle();
        self.dump(2 * self.cycles * HALF_PERIOD_PS);
        self.block.set_clock(true);
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
        self.wave = Some(write_vcd_header(BufWriter::new(file), self.block.as_ref()));
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
        Box::new(RustHdlDut::new(AtomikCore::<W, A>::default(), config))
    }
}

/// The core for `config` in rust-hdl's simulator, in its power-up state.
pub fn rust_hdl_core(config: CoreConfig) -> Box<dyn Dut> {
    dispatch(config, Build)
}

macro_rules! by_addr_bits {
    ($core:ident, $config:ident, $shape:ident, $($a:literal)*) => {
        match $config.contexts.trailing_zeros() {
            $($a => Box::new(RustHdlDut::new($core::<64, $a>::new(&$config), $shape)),)*
            other => unreachable!("LanesConfig admitted {other} address bits"),
        }
    };
}

/// The multi-lane core for `config` in rust-hdl's simulator, in its power-up state.
pub fn rust_hdl_lanes(config: LanesConfig) -> Box<dyn Dut> {
    let shape = CoreConfig {
        width: config.width,
        contexts: config.contexts,
    };
    if config.mode == LaneMode::Table {
        return by_addr_bits!(TableLaneCore, config, shape, 1 2 3 4 5 6 7 8 9 10 11 12);
    }
    if config.mode == LaneMode::Shared {
        return by_addr_bits!(SharedLaneCore, config, shape, 1 2 3 4 5 6 7 8 9 10 11 12);
    }
    match config.width {
        8 => Box::new(RustHdlDut::new(SingleLaneCore::<8>::new(&config), shape)),
        16 => Box::new(RustHdlDut::new(SingleLaneCore::<16>::new(&config), shape)),
        32 => Box::new(RustHdlDut::new(SingleLaneCore::<32>::new(&config), shape)),
        _ => Box::new(RustHdlDut::new(SingleLaneCore::<64>::new(&config), shape)),
    }
}
