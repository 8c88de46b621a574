//! Verilator models of generated Verilog, built at run time, cached on disk, loaded with dlopen
//! and driven one clock cycle per FFI call.
//!
//! # Why at run time
//! ATOMiK's RTL is parameterised (data width, contexts, lanes, …) and the configuration is
//! chosen on the command line (`atomik sim --lanes 16`), so the Verilog of a configuration only
//! exists at run time. A `build.rs` could only bake in a fixed set of configurations. Instead
//! [`VerilatedModel::build`] verilates and compiles a configuration the first time it is used
//! (a few seconds), caches the resulting shared library on disk, and later runs — and other
//! processes — just `dlopen` it.
//!
//! # Caching and locking
//! The cache key is a sha256 over the design, the generated wrapper and shim, the Verilator
//! flags and the `verilator --version` / `g++ --version` output, so any change in the inputs
//! or the tools gives a new entry; entries are never rebuilt or modified. Check-then-build runs
//! under an exclusive `flock` on `<entry>.lock`, so concurrent test threads and processes that
//! want the same configuration build it once and the others wait and load it. A build runs in a
//! temporary directory that is renamed into place once complete; leftovers of a killed build
//! are detected and cleared; a failed build keeps its temporary directory (with `build.log`,
//! which the error names) until the next attempt. See [`cache`] for the layout and
//! [`default_cache_root`] for where it lives. A loaded library stays loaded for the life of the
//! process (a C++ runtime is not safely `dlclose`d); instances share it through an `Arc`.
//!
//! # One FFI call per cycle
//! The per-spec C++ shim exports `atomik_step(handle, in, out)`: it copies the staged input
//! words into the model, runs the falling and rising clock phases and copies every output back,
//! so the Rust side pays one indirect call per cycle and reads outputs from its own buffer.
//! Ports are one `u64` each (1..=64 bits). Measured (test profile, 2 cores): a counter runs at
//! ~25 M cycles/s, a 16 x 64-bit register design with 16 inputs and 16 outputs at ~12 M.
//! [`VerilatedModel::run_native_loop`] (random inputs) and [`VerilatedModel::run_native_trace`]
//! (recorded inputs) run many cycles in one call, a pure C++ loop: the baselines for the cost
//! of driving the model from Rust (`cargo bench -p atomik-sim --bench verilator_loop`).
//!
//! # Waveforms
//! With [`ModelSpec::trace`], [`VerilatedModel::open_vcd`] writes a VCD (`$timescale 1ns`, one
//! cycle = 10 ns, rising edge at 5 ns into the cycle). The hierarchy is `TOP` (wrapper ports
//! `clk`, `i_<name>`, `o_<name>`) > `atomik_dut` > `dut` (the design, with its own names).
//!
//! # Clock semantics
//! These match stepping rust-hdl's simulator:
//! - After construction: all inputs 0, clock 0, one `eval()` (so `initial` blocks have run and
//!   outputs are valid); [`VerilatedModel::get`] returns those outputs; [`VerilatedModel::cycles`]
//!   is 0.
//! - [`VerilatedModel::tick`] (cycle `k`, starting at 0): apply the staged inputs; clock = 0,
//!   `eval()`, VCD sample at `10k` ns; clock = 1, `eval()` (the rising edge), VCD sample at
//!   `10k + 5` ns; copy the outputs back. `$time` follows the same timeline.
//! - [`VerilatedModel::set`] stages a value (masked to the port width) that stays applied on
//!   every later tick until set again.
//!
//! # Threads
//! A Verilator model must stay on the thread that created it: [`VerilatedModel`] is neither
//! `Send` nor `Sync`. Build one per thread; instances never share state (each has its own
//! `VerilatedContext`).
//!
//! ```compile_fail
//! fn needs_send<T: Send>() {}
//! needs_send::<atomik_sim::verilator::VerilatedModel>();
//! ```
//!
//! # Example
//! ```no_run
//! use atomik_sim::verilator::{ModelSpec, VerilatedModel};
//! # fn main() -> Result<(), atomik_sim::verilator::VerilatorError> {
//! let verilog = "module counter(input wire clk, input wire en, output reg [7:0] n);
//!     initial n = 0;
//!     always @(posedge clk) if (en) n <= n + 1;
//! endmodule";
//! let spec = ModelSpec::new("counter", verilog, "counter", "clk")
//!     .input("en", 1)
//!     .output("n", 8);
//! let mut m = VerilatedModel::build(&spec)?; // builds once, then loads from the cache
//! let (en, n) = (m.input("en")?, m.output("n")?);
//! m.set(en, 1);
//! m.tick();
//! assert_eq!(m.get(n), 1);
//! # Ok(())
//! # }
//! ```

mod builder;
pub mod cache;
mod ffi;
mod shim;
mod spec;

use std::collections::HashMap;
use std::ffi::{c_void, CString};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::sync::Arc;
use std::time::Duration;

pub use cache::default_cache_root;
pub use spec::{ModelSpec, Port, PortDir};

use crate::tool::ToolError;

/// Everything that can go wrong building, loading or driving a Verilator model.
#[derive(Debug, thiserror::Error)]
pub enum VerilatorError {
    /// Verilator, make or g++ failed or is missing (the message names the model, the tool, the
    /// command and the log file, and quotes the end of the log).
    #[error("building Verilator model `{model}` failed: {source}{note}")]
    Tool {
        /// [`ModelSpec::name`].
        model: String,
        /// What the tool did (boxed: it carries the command line and the log tail).
        source: Box<ToolError>,
        /// Extra explanation (empty, or a line starting with `\n  note: `), e.g. that errors
        /// in the generated `wrapper.v` mean the spec's ports disagree with the design.
        note: String,
    },
    /// The [`ModelSpec`] is unusable.
    #[error("invalid Verilator model spec `{model}`: {msg}")]
    Spec {
        /// [`ModelSpec::name`].
        model: String,
        /// What is wrong.
        msg: String,
    },
    /// The built library could not be loaded (`source` carries the `dlerror` text).
    #[error("could not load the Verilator model library {}: {source}", .path.display())]
    Load {
        /// The library.
        path: PathBuf,
        /// The loader's error.
        source: libloading::Error,
    },
    /// The library was built by an incompatible version of this crate.
    #[error(
        "Verilator model library {} has shim ABI v{found}, expected v{expected}; delete it to rebuild",
        .path.display()
    )]
    Abi {
        /// The library.
        path: PathBuf,
        /// ABI version in the library.
        found: u32,
        /// ABI version this crate speaks.
        expected: u32,
    },
    /// The library's port counts don't match the spec (the cache entry is not what it claims).
    #[error("Verilator model library {} does not match its spec: {msg}", .path.display())]
    Mismatch {
        /// The library.
        path: PathBuf,
        /// What differs.
        msg: String,
    },
    /// No port of that name and direction.
    #[error("Verilator model `{model}` has no {dir} port `{port}`; its {dir}s are: {known}")]
    UnknownPort {
        /// [`ModelSpec::name`].
        model: String,
        /// `input` or `output`.
        dir: &'static str,
        /// The name asked for.
        port: String,
        /// The names that exist, comma-separated.
        known: String,
    },
    /// [`VerilatedModel::open_vcd`] on a model built without tracing.
    #[error(
        "Verilator model `{model}` was built without tracing; set `ModelSpec::trace = true` to write VCD files"
    )]
    TraceNotBuilt {
        /// [`ModelSpec::name`].
        model: String,
    },
    /// The VCD file could not be opened.
    #[error("could not open the VCD file {} for model `{model}`", .path.display())]
    VcdOpen {
        /// [`ModelSpec::name`].
        model: String,
        /// The file.
        path: PathBuf,
    },
    /// The C++ model constructor failed (threw).
    #[error("constructing Verilator model `{model}` failed (out of memory or a Verilator error)")]
    Construct {
        /// [`ModelSpec::name`].
        model: String,
    },
    /// A cache file or directory could not be read or written.
    #[error("Verilator model cache I/O error at {}: {source}", .path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// Port names and widths of a model, shared by its instances.
#[derive(Debug)]
struct Ports {
    inputs: HashMap<String, usize>,
    outputs: HashMap<String, usize>,
    input_names: Vec<String>,
    output_names: Vec<String>,
    input_masks: Vec<u64>,
}

/// One instance of a Verilator model (see the [module docs](self) for the clock semantics).
///
/// Not `Send`/`Sync`: it must stay on the thread that created it.
pub struct VerilatedModel {
    shim: Arc<ffi::Shim>,
    handle: NonNull<c_void>,
    inputs: Vec<u64>,
    outputs: Vec<u64>,
    ports: Ports,
    name: String,
    dir: PathBuf,
    trace: bool,
    cycles: u64,
    built: Option<Duration>,
    _not_send: PhantomData<*mut ()>,
}

impl VerilatedModel {
    /// Builds (on first use) or loads from the cache under [`default_cache_root`] the model for
    /// `spec`, and constructs an instance. Prints one line to stderr when it actually builds.
    pub fn build(spec: &ModelSpec) -> Result<VerilatedModel, VerilatorError> {
        Self::build_in(spec, &default_cache_root())
    }

    /// As [`Self::build`] with an explicit cache root (tests use private roots; environment
    /// variables are process-global).
    pub fn build_in(spec: &ModelSpec, cache_root: &Path) -> Result<VerilatedModel, VerilatorError> {
        let plan = builder::plan(spec)?;
        let built = builder::ensure_built(spec, &plan, cache_root)?;
        let lib_path = built.dir.join(cache::LIBRARY);
        let shim = ffi::load(&lib_path)?;
        let layout = &plan.layout;
        if shim.n_inputs != layout.inputs.len()
            || shim.n_outputs != layout.outputs.len()
            || shim.traced != spec.trace
        {
            return Err(VerilatorError::Mismatch {
                path: lib_path,
                msg: format!(
                    "library has {} inputs, {} outputs, trace {}; spec has {}, {}, {}",
                    shim.n_inputs,
                    shim.n_outputs,
                    shim.traced,
                    layout.inputs.len(),
                    layout.outputs.len(),
                    spec.trace
                ),
            });
        }
        let index = |slots: &[spec::Slot]| -> HashMap<String, usize> {
            slots
                .iter()
                .enumerate()
                .map(|(i, s)| (s.name.clone(), i))
                .collect()
        };
        let ports = Ports {
            inputs: index(&layout.inputs),
            outputs: index(&layout.outputs),
            input_names: layout.inputs.iter().map(|s| s.name.clone()).collect(),
            output_names: layout.outputs.iter().map(|s| s.name.clone()).collect(),
            input_masks: layout
                .inputs
                .iter()
                .map(|s| spec::width_mask(s.width))
                .collect(),
        };
        let mut outputs = vec![0u64; layout.outputs.len()];
        // SAFETY: `outputs` has exactly `n_outputs` words (checked above), which is all the
        // shim writes.
        let raw = unsafe { (shim.new)(outputs.as_mut_ptr()) };
        let handle = NonNull::new(raw).ok_or_else(|| VerilatorError::Construct {
            model: spec.name.clone(),
        })?;
        Ok(VerilatedModel {
            inputs: vec![0u64; layout.inputs.len()],
            outputs,
            ports,
            name: spec.name.clone(),
            dir: built.dir,
            trace: spec.trace,
            cycles: 0,
            built: built.built,
            shim,
            handle,
            _not_send: PhantomData,
        })
    }

    /// The index of input port `name`, for [`Self::set`].
    pub fn input(&self, name: &str) -> Result<usize, VerilatorError> {
        self.ports
            .inputs
            .get(name)
            .copied()
            .ok_or_else(|| self.unknown("input", name, &self.ports.input_names))
    }

    /// The index of output port `name`, for [`Self::get`].
    pub fn output(&self, name: &str) -> Result<usize, VerilatorError> {
        self.ports
            .outputs
            .get(name)
            .copied()
            .ok_or_else(|| self.unknown("output", name, &self.ports.output_names))
    }

    fn unknown(&self, dir: &'static str, port: &str, names: &[String]) -> VerilatorError {
        VerilatorError::UnknownPort {
            model: self.name.clone(),
            dir,
            port: port.to_string(),
            known: if names.is_empty() {
                "(none)".to_string()
            } else {
                names.join(", ")
            },
        }
    }

    /// Stages `value` (masked to the port's width) for input `input`; it is applied at the next
    /// [`Self::tick`] and stays applied until set again.
    ///
    /// # Panics
    /// If `input` is not an index returned by [`Self::input`].
    #[inline]
    pub fn set(&mut self, input: usize, value: u64) {
        self.inputs[input] = value & self.ports.input_masks[input];
    }

    /// The value of output `output` after the last [`Self::tick`] (or after construction).
    ///
    /// # Panics
    /// If `output` is not an index returned by [`Self::output`].
    #[inline]
    pub fn get(&self, output: usize) -> u64 {
        self.outputs[output]
    }

    /// One clock period (one FFI call): staged inputs, clock low + eval, clock high + eval,
    /// outputs copied back.
    #[inline]
    pub fn tick(&mut self) {
        // SAFETY: `handle` is a live instance of this library (freed only in Drop); the buffers
        // have exactly the shim's port counts (checked in build_in).
        unsafe {
            (self.shim.step)(
                self.handle.as_ptr(),
                self.inputs.as_ptr(),
                self.outputs.as_mut_ptr(),
            )
        };
        self.cycles += 1;
    }

    /// Runs `cycles` clock periods in one FFI call, in a pure C++ loop: the speed of the
    /// Verilated design with no Rust in the loop, the baseline to measure a Rust-driven
    /// simulation against. Each cycle sets every input to the next word of a xorshift64
    /// stream seeded from `seed` (masked to the port width), except the inputs in `hold_low`
    /// (indices from [`Self::input`], e.g. a reset), which are held at 0; then it clocks like
    /// [`Self::tick`] (a VCD file, if open, gets no samples). Returns a checksum of every
    /// output of every cycle (so no work can be optimised away; equal for equal runs).
    ///
    /// Afterwards [`Self::cycles`] counts the loop's cycles, [`Self::get`] returns the last
    /// outputs, and the staged inputs of [`Self::set`] are unchanged (and re-applied at the
    /// next [`Self::tick`]).
    ///
    /// # Panics
    /// If an index in `hold_low` is not an input index.
    pub fn run_native_loop(&mut self, cycles: u64, seed: u64, hold_low: &[usize]) -> u64 {
        let mut masks = self.ports.input_masks.clone();
        for &i in hold_low {
            assert!(
                i < masks.len(),
                "run_native_loop: {i} is not an input index of model `{}` ({} inputs)",
                self.name,
                masks.len()
            );
            masks[i] = 0;
        }
        // SAFETY: live handle; `masks` has exactly `n_inputs` words and `outputs` exactly
        // `n_outputs` (checked in build_in), which is all the shim reads and writes.
        let sum = unsafe {
            (self.shim.run_loop)(
                self.handle.as_ptr(),
                cycles,
                seed,
                masks.as_ptr(),
                self.outputs.as_mut_ptr(),
            )
        };
        self.cycles += cycles;
        sum
    }

    /// [`Self::run_native_loop`] with recorded inputs: runs `trace.len() / n` cycles (`n` =
    /// the number of inputs, in [`Self::input`] index order, values masked to the port widths),
    /// cycle `k` applying `trace[k * n + i]` to input `i`. Returns the same kind of checksum.
    /// The staged inputs of [`Self::set`] are unchanged. With no inputs, nothing runs.
    ///
    /// # Panics
    /// If `trace.len()` is not a multiple of the number of inputs.
    pub fn run_native_trace(&mut self, trace: &[u64]) -> u64 {
        let n = self.inputs.len();
        if n == 0 {
            return 0;
        }
        let cycles = trace.len() / n;
        assert!(
            cycles * n == trace.len(),
            "run_native_trace: {} words is not a whole number of cycles of the {n} inputs of \
             model `{}`",
            trace.len(),
            self.name
        );
        let cycles = cycles as u64;
        // SAFETY: live handle; the shim reads `cycles * n_inputs` words of `trace` (checked
        // above) and writes `n_outputs` words of `outputs` (checked in build_in).
        let sum = unsafe {
            (self.shim.run_trace)(
                self.handle.as_ptr(),
                cycles,
                trace.as_ptr(),
                self.outputs.as_mut_ptr(),
            )
        };
        self.cycles += cycles;
        sum
    }

    /// Starts writing a VCD file (replacing one already open). Samples are taken during each
    /// following [`Self::tick`], 10 ns per cycle, `$timescale 1ns`. Requires
    /// [`ModelSpec::trace`].
    pub fn open_vcd(&mut self, path: &Path) -> Result<(), VerilatorError> {
        if !self.trace {
            return Err(VerilatorError::TraceNotBuilt {
                model: self.name.clone(),
            });
        }
        let vcd_err = || VerilatorError::VcdOpen {
            model: self.name.clone(),
            path: path.to_path_buf(),
        };
        let c_path = CString::new(path.as_os_str().as_encoded_bytes()).map_err(|_| vcd_err())?;
        // SAFETY: live handle; `c_path` is NUL-terminated and outlives the call.
        match unsafe { (self.shim.vcd_open)(self.handle.as_ptr(), c_path.as_ptr()) } {
            0 => Ok(()),
            1 => Err(VerilatorError::TraceNotBuilt {
                model: self.name.clone(),
            }),
            _ => Err(vcd_err()),
        }
    }

    /// Flushes and closes the VCD file, if one is open.
    pub fn close_vcd(&mut self) {
        // SAFETY: live handle; closing when nothing is open is a no-op in the shim.
        unsafe { (self.shim.vcd_close)(self.handle.as_ptr()) }
    }

    /// Clock periods run so far.
    pub fn cycles(&self) -> u64 {
        self.cycles
    }

    /// [`ModelSpec::name`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The cache directory the model was loaded from.
    pub fn cache_dir(&self) -> &Path {
        &self.dir
    }

    /// `Some(build time)` if this [`Self::build`] call built the model, `None` if it came from
    /// the cache.
    pub fn build_time(&self) -> Option<Duration> {
        self.built
    }

    /// Input port names in index order.
    pub fn input_names(&self) -> &[String] {
        &self.ports.input_names
    }

    /// Output port names in index order.
    pub fn output_names(&self) -> &[String] {
        &self.ports.output_names
    }
}

impl Drop for VerilatedModel {
    fn drop(&mut self) {
        // SAFETY: the handle came from this library's `atomik_new` and is freed exactly once;
        // `shim` (and so the library) outlives this call.
        unsafe { (self.shim.free)(self.handle.as_ptr()) }
    }
}

impl std::fmt::Debug for VerilatedModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerilatedModel")
            .field("name", &self.name)
            .field("dir", &self.dir)
            .field("inputs", &self.ports.input_names)
            .field("outputs", &self.ports.output_names)
            .field("trace", &self.trace)
            .field("cycles", &self.cycles)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DESIGN: &str = "module top(input wire clock, input wire en, input wire [3:0] add,
        output reg [31:0] count, output reg [3:0] last);
    initial begin count = 0; last = 0; end
    always @(posedge clock) begin
        if (en) count <= count + add;
        last <= add;
    end
endmodule";

    fn model() -> VerilatedModel {
        let spec = ModelSpec::new("unit_native_loop", DESIGN, "top", "clock")
            .input("en", 1)
            .input("add", 4)
            .output("count", 32)
            .output("last", 4);
        VerilatedModel::build(&spec).expect("build the test model")
    }

    #[test]
    fn native_loop_holds_inputs_low_and_is_deterministic() {
        let (mut a, mut b) = (model(), model());
        let (en, count, last) = (
            a.input("en").unwrap(),
            a.output("count").unwrap(),
            a.output("last").unwrap(),
        );
        a.run_native_loop(100, 1, &[en]);
        assert_eq!((a.get(count), a.cycles()), (0, 100), "en held low");
        let (mut c, mut d) = (model(), model());
        let sum = c.run_native_loop(1000, 7, &[]);
        assert_eq!(
            sum,
            d.run_native_loop(1000, 7, &[]),
            "same seed, same checksum"
        );
        assert_eq!(c.get(count), d.get(count));
        assert!(c.get(count) > 0 && c.get(last) <= 15);
        assert_ne!(sum, b.run_native_loop(1000, 8, &[]), "another seed");
    }

    #[test]
    fn native_trace_matches_ticks() {
        let (mut a, mut b) = (model(), model());
        let (en, add) = (a.input("en").unwrap(), a.input("add").unwrap());
        let (count, last) = (a.output("count").unwrap(), a.output("last").unwrap());
        // (en, add) per cycle; 0x13 is masked to the port's 4 bits.
        let cycles = [(1, 3), (0, 5), (1, 0x13), (1, 2)];
        let mut trace = vec![0; cycles.len() * 2];
        for (k, &(e, v)) in cycles.iter().enumerate() {
            trace[2 * k + en] = e;
            trace[2 * k + add] = v;
        }
        a.set(en, 1);
        a.set(add, 1);
        a.run_native_trace(&trace);
        for &(e, v) in &cycles {
            b.set(en, e);
            b.set(add, v);
            b.tick();
        }
        assert_eq!((a.get(count), a.get(last), a.cycles()), (8, 2, 4));
        assert_eq!((b.get(count), b.get(last), b.cycles()), (8, 2, 4));
        // The staged inputs (en 1, add 1) still apply at the next tick.
        a.tick();
        assert_eq!(a.get(count), 9);
    }
}
