//! Shared co-simulation harness for the integration tests: proptest strategies that generate
//! hazard-heavy stimulus [`Script`]s, and [`check_cosim`], which runs each script through a
//! reference model and a DUT in lockstep, shrinks a failing script to a minimal one and
//! replays that with a waveform. The `lanes_*` strategies and factories do the same for the
//! single-context multi-lane core (4-bit ops with generator commands, no address port).
//!
//! Every test crate includes this module but uses only part of it.
#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Once, OnceLock};

use atomik_hdl::lanes::{LaneMode, LanesConfig};
use atomik_hdl::{CoreConfig, Op};
use atomik_sim::cosim::{run_lockstep, Command, CosimReport, Event, Mismatch, Script};
use atomik_sim::cosim::{ScriptStimulus, SplitMix64};
use atomik_sim::cycle_model::CycleModel;
use atomik_sim::dut::{CoreInputs, CoreOutputs, Dut, WaveError};
use atomik_sim::lanes_model::{gen_run_word, LanesModel, OP_GEN_RUN, OP_GEN_SEED, OP_STATUS};
use atomik_sim::rusthdl::{rust_hdl_core, rust_hdl_lanes};
use atomik_sim::shared_lanes_model::SharedLanesModel;
use atomik_sim::table_lanes_model::TableLanesModel;
use atomik_sim::verilator::{ModelSpec, VerilatedModel};
use atomik_sim::verilator_core::{lanes_model_spec, VerilatorCore};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

/// Upper bound on the cycles of one script run (a script is at most a few thousand cycles;
/// reaching this means the run hung).
pub const MAX_SCRIPT_CYCLES: u64 = 1_000_000;

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

/// Opcodes weighted towards the hazards: ACCUM (read-modify-write) and READ dominate, the
/// epoch ops are common, NOP and the illegal codes 6/7 are rare. ACCUM is first so that
/// shrinking (which moves towards earlier alternatives) tries it first.
pub fn op_strategy() -> impl Strategy<Value = u8> {
    prop_oneof![
        45 => Just(Op::Accum.code()),
        25 => Just(Op::Read.code()),
        10 => Just(Op::Load.code()),
        8 => Just(Op::Swap.code()),
        8 => Just(Op::SwapLoad.code()),
        2 => Just(Op::Nop.code()),
        2 => 6u8..=7,
    ]
}

/// 70% one of three hot addresses (`0`, `1 % contexts`, `contexts - 1`) so consecutive
/// commands collide in the pipeline, else uniform over the table.
pub fn addr_strategy(contexts: u32) -> impl Strategy<Value = u32> {
    prop_oneof![
        7 => select(vec![0, 1 % contexts, contexts - 1]),
        3 => 0..contexts,
    ]
}

/// Any 64-bit value, mixed with the corner values (the DUT masks to its width).
pub fn data_strategy() -> impl Strategy<Value = u64> {
    prop_oneof![
        5 => any::<u64>(),
        1 => Just(0u64),
        1 => Just(u64::MAX),
        2 => 0u64..16,
    ]
}

/// Idle cycles before an event: mostly none (back to back), sometimes 1..4.
pub fn gap_strategy() -> impl Strategy<Value = u32> {
    prop_oneof![8 => Just(0u32), 2 => 1u32..4]
}

/// A command, or (~2%) a one-cycle reset.
pub fn event_strategy(config: CoreConfig) -> impl Strategy<Value = Event> {
    let command = (
        op_strategy(),
        addr_strategy(config.contexts),
        data_strategy(),
    )
        .prop_map(|(op, addr, data)| Event::Command(Command { op, addr, data }));
    prop_oneof![98 => command, 2 => Just(Event::Reset)]
}

/// Scripts of 1..=`max_events` events with gaps, and an `rsp_ready` pattern of 0..12 cycles
/// (mostly ready; empty means always ready). Both are `Vec` strategies, so shrinking removes
/// events and pattern entries one by one.
///
/// A pattern that is never ready would starve the core of response credits (legitimately:
/// `cmd_ready` stays low once 4 responses wait), so the script could never finish; such a
/// pattern gets one ready cycle appended.
pub fn script_strategy(config: CoreConfig, max_events: usize) -> impl Strategy<Value = Script> {
    let events = vec(
        (gap_strategy(), event_strategy(config)),
        1..=max_events.max(1),
    );
    let rsp_ready = vec(prop_oneof![6 => Just(true), 1 => Just(false)], 0..12);
    (events, rsp_ready).prop_map(|(events, mut rsp_ready)| {
        if !rsp_ready.is_empty() && !rsp_ready.contains(&true) {
            rsp_ready.push(true);
        }
        Script { events, rsp_ready }
    })
}

// ---------------------------------------------------------------------------------------------
// Strategies for the single-context multi-lane core (4-bit ops, no address port)
// ---------------------------------------------------------------------------------------------

/// A value command (`op` with [`data_strategy`] data) at an [`addr_strategy`] address of
/// `contexts` (always 0 for a single-context core).
fn lanes_value_command(op: u8, contexts: u32) -> impl Strategy<Value = Command> {
    (addr_strategy(contexts), data_strategy()).prop_map(move |(addr, data)| Command {
        op,
        addr,
        data,
    })
}

/// Clocks of a generator run: mostly short (0..64, so runs end while the script still
/// plays), sometimes long (64..400, overlapping many commands), sometimes exactly 0 (a
/// zero-length run, which must start nothing).
pub fn gen_clocks_strategy() -> impl Strategy<Value = u64> {
    prop_oneof![7 => 0u64..64, 2 => 64u64..400, 1 => Just(0u64)]
}

/// A GEN_RUN command: [`gen_clocks_strategy`] clocks, 0..=`lanes + 2` active lanes (beyond
/// `lanes` the core clamps).
pub fn gen_run_strategy(lanes: u32, contexts: u32) -> impl Strategy<Value = Command> {
    (
        gen_clocks_strategy(),
        0..=lanes + 2,
        addr_strategy(contexts),
    )
        .prop_map(|(clocks, active, base)| Command {
            op: OP_GEN_RUN,
            addr: base,
            data: gen_run_word(clocks, active),
        })
}

/// A command of the multi-lane core: ACCUM first (shrinking moves towards it), the value ops
/// with corner data, READ/SWAP, STATUS of registers 0..10 (9 reads as the design id),
/// GEN_SEED, GEN_RUN ([`gen_run_strategy`]), rare NOP and rare illegal codes 9..15.
/// Addresses range over `contexts` (1 for the single-context core, which has no address
/// port: every address is then 0; table mode hits three hot contexts most of the time).
pub fn lanes_command_strategy(lanes: u32, contexts: u32) -> impl Strategy<Value = Command> {
    let plain =
        move |op: u8| addr_strategy(contexts).prop_map(move |addr| Command { op, addr, data: 0 });
    prop_oneof![
        26 => lanes_value_command(Op::Accum.code(), contexts),
        8 => lanes_value_command(Op::Load.code(), contexts),
        6 => lanes_value_command(Op::SwapLoad.code(), contexts),
        16 => plain(Op::Read.code()),
        6 => plain(Op::Swap.code()),
        12 => (0u64..10).prop_map(|data| Command { op: OP_STATUS, addr: 0, data }),
        6 => any::<u64>().prop_map(|data| Command { op: OP_GEN_SEED, addr: 0, data }),
        14 => gen_run_strategy(lanes, contexts),
        3 => lanes_value_command(Op::Nop.code(), contexts),
        2 => (9u8..=15, data_strategy()).prop_map(|(op, data)| Command { op, addr: 0, data }),
    ]
}

/// A multi-lane command, or (~2%) a one-cycle reset.
pub fn lanes_event_strategy(lanes: u32, contexts: u32) -> impl Strategy<Value = Event> {
    prop_oneof![
        98 => lanes_command_strategy(lanes, contexts).prop_map(Event::Command),
        2 => Just(Event::Reset),
    ]
}

/// [`script_strategy`] for the multi-lane core of `lanes` lanes: 1..=`max_events` events
/// ([`lanes_event_strategy`]) with [`gap_strategy`] gaps, and the same `rsp_ready` pattern
/// (0..12 cycles, mostly ready, never all-stalled).
pub fn lanes_script_strategy(
    lanes: u32,
    contexts: u32,
    max_events: usize,
) -> impl Strategy<Value = Script> {
    let events = vec(
        (gap_strategy(), lanes_event_strategy(lanes, contexts)),
        1..=max_events.max(1),
    );
    let rsp_ready = vec(prop_oneof![6 => Just(true), 1 => Just(false)], 0..12);
    (events, rsp_ready).prop_map(|(events, mut rsp_ready)| {
        if !rsp_ready.is_empty() && !rsp_ready.contains(&true) {
            rsp_ready.push(true);
        }
        Script { events, rsp_ready }
    })
}

// ---------------------------------------------------------------------------------------------
// DUT factories
// ---------------------------------------------------------------------------------------------

/// The cycle-exact reference model.
pub fn model(config: CoreConfig) -> impl Fn() -> Box<dyn Dut> {
    move || Box::new(CycleModel::new(config)) as Box<dyn Dut>
}

/// The core under Verilator (built once, then loaded from the cache; `trace` is the
/// waveform-capable variant, a separate cache entry).
pub fn verilator(config: CoreConfig) -> impl Fn(bool) -> Box<dyn Dut> {
    move |trace| {
        let core = VerilatorCore::new(config, trace).unwrap_or_else(|e| {
            panic!(
                "cannot build the Verilator model of {} (trace {trace}): {e}",
                config.name()
            )
        });
        Box::new(core) as Box<dyn Dut>
    }
}

/// The core under rust-hdl's simulator (always able to write waveforms).
pub fn rust_hdl(config: CoreConfig) -> impl Fn(bool) -> Box<dyn Dut> {
    move |_trace| rust_hdl_core(config)
}

/// The datapath shape a multi-lane core reports as its [`Dut::config`]: one context of
/// `width` bits.
pub fn lanes_shape(config: LanesConfig) -> CoreConfig {
    CoreConfig {
        width: config.width,
        contexts: config.contexts,
    }
}

/// The cycle-exact model of the multi-lane core (either mode).
pub fn lanes_model(config: LanesConfig) -> impl Fn() -> Box<dyn Dut> {
    move || match config.mode {
        LaneMode::Single => Box::new(LanesModel::new(config)) as Box<dyn Dut>,
        LaneMode::Table => Box::new(TableLanesModel::new(config)) as Box<dyn Dut>,
        LaneMode::Shared => Box::new(SharedLanesModel::new(config)) as Box<dyn Dut>,
    }
}

/// The multi-lane core under Verilator for proptest cases: a [`VerilatedLanes`] (the model
/// [`VerilatorCore::lanes`] makes, without re-exporting the Verilog for every instance).
pub fn verilator_lanes(config: LanesConfig) -> impl Fn(bool) -> Box<dyn Dut> {
    move |trace| Box::new(VerilatedLanes::new(config, trace)) as Box<dyn Dut>
}

/// Generated model specs by configuration and trace flag.
type SpecCache = Mutex<HashMap<(LanesConfig, bool), Arc<ModelSpec>>>;

/// [`lanes_model_spec`] of `config`, generated once per process and configuration.
fn cached_lanes_spec(config: LanesConfig, trace: bool) -> Arc<ModelSpec> {
    static SPECS: OnceLock<SpecCache> = OnceLock::new();
    let specs = SPECS.get_or_init(Default::default);
    let known = specs
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&(config, trace))
        .cloned();
    known.unwrap_or_else(|| {
        // Generated outside the lock: another thread may want a different configuration.
        let spec = Arc::new(
            lanes_model_spec(config, trace)
                .unwrap_or_else(|e| panic!("cannot export the Verilog of {}: {e}", config.name())),
        );
        specs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((config, trace), spec.clone());
        spec
    })
}

/// The multi-lane core's generated Verilog under Verilator, driven directly: the same spec
/// ([`lanes_model_spec`]), cache entry and port handling as [`VerilatorCore::lanes`], but the
/// spec comes from [`cached_lanes_spec`]. Exporting the Verilog costs ~0.25 s at 64 lanes and
/// ~1 s at 256, loading the cached model ~0.5 ms, so with [`VerilatorCore::lanes`] per case
/// the export would dominate the whole co-simulation.
pub struct VerilatedLanes {
    shape: CoreConfig,
    model: VerilatedModel,
    /// reset, cmd_valid, cmd_op, cmd_data, rsp_ready.
    inputs: [usize; 5],
    /// cmd_ready, rsp_valid, rsp_data, illegal_op.
    outputs: [usize; 4],
    /// Table mode's address port.
    cmd_addr: Option<usize>,
}

impl VerilatedLanes {
    pub fn new(config: LanesConfig, trace: bool) -> Self {
        let spec = cached_lanes_spec(config, trace);
        let model = VerilatedModel::build(&spec).unwrap_or_else(|e| {
            panic!(
                "cannot build the Verilator model of {} (trace {trace}): {e}",
                config.name()
            )
        });
        let input = |name| {
            model
                .input(name)
                .unwrap_or_else(|e| panic!("{}: {e}", config.name()))
        };
        let output = |name| {
            model
                .output(name)
                .unwrap_or_else(|e| panic!("{}: {e}", config.name()))
        };
        let inputs = ["reset", "cmd_valid", "cmd_op", "cmd_data", "rsp_ready"].map(input);
        let outputs = ["cmd_ready", "rsp_valid", "rsp_data", "illegal_op"].map(output);
        VerilatedLanes {
            shape: lanes_shape(config),
            cmd_addr: model.input("cmd_addr").ok(),
            model,
            inputs,
            outputs,
        }
    }
}

impl Dut for VerilatedLanes {
    fn config(&self) -> CoreConfig {
        self.shape
    }

    fn backend(&self) -> &'static str {
        "verilator"
    }

    fn outputs(&self) -> CoreOutputs {
        let [cmd_ready, rsp_valid, rsp_data, illegal_op] = self.outputs.map(|o| self.model.get(o));
        CoreOutputs {
            cmd_ready: cmd_ready != 0,
            rsp_valid: rsp_valid != 0,
            rsp_data,
            illegal_op: illegal_op != 0,
        }
    }

    fn step(&mut self, i: &CoreInputs) {
        let values = [
            i.reset as u64,
            i.cmd_valid as u64,
            i.cmd_op as u64,
            i.cmd_data,
            i.rsp_ready as u64,
        ];
        for (port, value) in self.inputs.into_iter().zip(values) {
            self.model.set(port, value);
        }
        if let Some(addr) = self.cmd_addr {
            self.model.set(addr, i.cmd_addr as u64);
        }
        self.model.tick();
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

/// The multi-lane core under rust-hdl's simulator.
pub fn rust_hdl_lanes_core(config: LanesConfig) -> impl Fn(bool) -> Box<dyn Dut> {
    move |_trace| rust_hdl_lanes(config)
}

// ---------------------------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------------------------

/// The name of an opcode, for reports.
pub fn op_name(code: u8) -> &'static str {
    match Op::from_code(code) {
        Some(Op::Nop) => "NOP",
        Some(Op::Load) => "LOAD",
        Some(Op::Accum) => "ACCUM",
        Some(Op::Read) => "READ",
        Some(Op::Swap) => "SWAP",
        Some(Op::SwapLoad) => "SWAP_LOAD",
        None => "ILLEGAL",
    }
}

/// The name of a multi-lane core opcode (4 bits), for reports.
pub fn lanes_op_name(code: u8) -> &'static str {
    match code {
        OP_GEN_SEED => "GEN_SEED",
        OP_GEN_RUN => "GEN_RUN",
        OP_STATUS => "STATUS",
        _ => op_name(code),
    }
}

/// A script, one event per line (as its Debug, with the op named and data in hex).
pub fn describe_script(script: &Script) -> String {
    describe_script_with(script, op_name)
}

/// [`describe_script`] naming opcodes with `op_name` (e.g. [`lanes_op_name`]).
pub fn describe_script_with(script: &Script, op_name: fn(u8) -> &'static str) -> String {
    let mut s = String::new();
    for (i, (gap, event)) in script.events.iter().enumerate() {
        let event = match event {
            Event::Command(c) => format!(
                "Command {{ op: {} ({}), addr: {}, data: {:#x} }}",
                c.op,
                op_name(c.op),
                c.addr,
                c.data
            ),
            Event::Reset => "Reset".to_string(),
        };
        s.push_str(&format!("  {i:>3}: gap {gap}, {event}\n"));
    }
    s.push_str(&format!(
        "  rsp_ready pattern: {:?}{}\n",
        script.rsp_ready,
        if script.rsp_ready.is_empty() {
            " (always ready)"
        } else {
            ""
        }
    ));
    s
}

/// What a passing [`check_cosim`] exercised, summed over every script.
#[derive(Debug, Clone, Copy, Default)]
pub struct CosimStats {
    pub scripts: u64,
    pub cycles: u64,
    pub commands: u64,
    pub responses: u64,
    pub resets: u64,
    pub seconds: f64,
}

impl CosimStats {
    fn add(&mut self, r: &CosimReport) {
        self.scripts += 1;
        self.cycles += r.cycles;
        self.commands += r.commands;
        self.responses += r.responses;
        self.resets += r.resets;
        self.seconds += r.seconds;
    }
}

/// A script on which the DUT and the model differ, shrunk by proptest to a minimal one.
#[derive(Debug, Clone)]
pub struct CosimFailure {
    pub test_name: String,
    /// The minimal failing script.
    pub script: Script,
    /// Why proptest's last run of the minimal script failed.
    pub reason: String,
    /// The first mismatches of the replay of the minimal script (with waveform).
    pub mismatches: Vec<Mismatch>,
    /// Where the replay's waveform was written.
    pub waveform: PathBuf,
    /// Set if the waveform could not be written.
    pub waveform_error: Option<String>,
    /// Names opcodes in the report ([`op_name`], or [`lanes_op_name`] for the multi-lane core).
    pub op_name: fn(u8) -> &'static str,
}

impl fmt::Display for CosimFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: the DUT failed against the model; minimal script ({} events, shrunk by proptest \
             then by chunk/pair removal):",
            self.test_name,
            self.script.events.len()
        )?;
        write!(f, "{}", describe_script_with(&self.script, self.op_name))?;
        writeln!(f, "reason: {}", self.reason)?;
        if self.mismatches.is_empty() {
            writeln!(
                f,
                "the replay with waveform did NOT mismatch (non-deterministic DUT?)"
            )?;
        } else {
            writeln!(f, "first mismatches (cycle, backend, detail):")?;
            for m in &self.mismatches {
                writeln!(f, "  cycle {}: {}: {}", m.cycle, m.backend, m.detail)?;
            }
        }
        match &self.waveform_error {
            None => write!(f, "waveform: {}", self.waveform.display()),
            Some(e) => write!(
                f,
                "waveform: {} (not written: {e})",
                self.waveform.display()
            ),
        }
    }
}

/// Runs `script` through fresh `model` and `dut` in lockstep.
pub fn run_script(
    script: &Script,
    model: &mut dyn Dut,
    dut: &mut dyn Dut,
    stop_at_first: bool,
) -> CosimReport {
    run_lockstep(
        model,
        &mut [dut],
        &mut ScriptStimulus::new(script),
        MAX_SCRIPT_CYCLES,
        stop_at_first,
    )
}

/// `Err` if the run mismatched or did not play the whole script.
fn judge(script: &Script, r: &CosimReport) -> Result<(), String> {
    if r.mismatches > 0 {
        let first: Vec<String> = r
            .first_mismatches
            .iter()
            .map(|m| format!("cycle {}: {}: {}", m.cycle, m.backend, m.detail))
            .collect();
        return Err(format!("mismatch: {}", first.join("; ")));
    }
    let played = r.commands + r.resets;
    if played != script.events.len() as u64 {
        return Err(format!(
            "only {played} of {} events were played in {} cycles (hung?)",
            script.events.len(),
            r.cycles
        ));
    }
    Ok(())
}

/// Where a failing test's waveform goes.
pub fn waveform_path(test_name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cosim-failures")
        .join(format!("{test_name}.vcd"))
}

/// A fixed RNG per test (CI runs are reproducible), seeded from the test name so different
/// tests explore different scripts.
fn test_rng(test_name: &str) -> TestRng {
    // FNV-1a of the name, stretched to ChaCha's 32-byte seed.
    let hash = test_name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    });
    let mut stretch = SplitMix64::new(hash);
    let seed: Vec<u8> = (0..4)
        .flat_map(|_| stretch.next_u64().to_le_bytes())
        .collect();
    TestRng::from_seed(RngAlgorithm::ChaCha, &seed)
}

/// The number of cases: `PROPTEST_CASES` if set, else `cases`.
fn case_count(cases: u32) -> u32 {
    match std::env::var("PROPTEST_CASES") {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("PROPTEST_CASES={v:?} is not a number")),
        Err(_) => cases,
    }
}

/// Generates `cases` scripts of at most `max_events` events (fixed seed per test name: CI is
/// reproducible)
/// and runs each on a fresh model and a fresh `make_dut(false)` in lockstep, comparing every
/// output every cycle (a script that does not play to the end also fails: a hang). On a
/// failure, proptest shrinks the script and [`minimise`] shrinks it further; the minimal
/// script is then replayed once on `make_dut(true)` writing a waveform to [`waveform_path`].
/// `PROPTEST_CASES` overrides `cases`.
pub fn check_cosim(
    test_name: &str,
    config: CoreConfig,
    cases: u32,
    max_events: usize,
    make_dut: impl Fn(bool) -> Box<dyn Dut>,
    make_model: impl Fn() -> Box<dyn Dut>,
) -> Result<CosimStats, Box<CosimFailure>> {
    check_cosim_with(
        test_name,
        config,
        cases,
        script_strategy(config, max_events),
        op_name,
        make_dut,
        make_model,
    )
}

/// [`check_cosim`] with any script strategy (e.g. [`lanes_script_strategy`]); `config` is the
/// shape both sides must report, `op_name` names opcodes in the failure report.
pub fn check_cosim_with(
    test_name: &str,
    config: CoreConfig,
    cases: u32,
    strategy: impl Strategy<Value = Script>,
    op_name: fn(u8) -> &'static str,
    make_dut: impl Fn(bool) -> Box<dyn Dut>,
    make_model: impl Fn() -> Box<dyn Dut>,
) -> Result<CosimStats, Box<CosimFailure>> {
    // A waveform left by an earlier failing run would mislead.
    let _ = std::fs::remove_file(waveform_path(test_name));
    // Build once up front: a broken build fails here with its own message, not as a
    // "failing script" that proptest would try to shrink.
    let probe = make_dut(false);
    assert_eq!(
        probe.config(),
        config,
        "{test_name}: DUT built for another config"
    );
    assert_eq!(
        make_model().config(),
        config,
        "{test_name}: model built for another config"
    );
    drop(probe);

    let proptest_config = Config {
        cases: case_count(cases),
        failure_persistence: None,
        // Shrinking is cheap (small scripts); the default budget (4 x cases) stops early.
        max_shrink_iters: 4096,
        max_shrink_time: 120_000,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(proptest_config, test_rng(test_name));
    let stats = RefCell::new(CosimStats::default());
    // Panics are failures with their message in the report; don't print each one proptest
    // and `minimise` provoke while shrinking.
    let _quiet = QuietPanics::on_this_thread();
    let result = runner.run(&strategy, |script| {
        let mut model = make_model();
        let mut dut = make_dut(false);
        let report = run_script(&script, model.as_mut(), dut.as_mut(), true);
        judge(&script, &report).map_err(TestCaseError::fail)?;
        stats.borrow_mut().add(&report);
        Ok(())
    });
    let (reason, script) = match result {
        Ok(()) => return Ok(stats.into_inner()),
        Err(TestError::Fail(reason, script)) => (reason.to_string(), script),
        Err(TestError::Abort(reason)) => panic!("{test_name}: proptest aborted: {reason}"),
    };
    let fails = |s: &Script| -> Option<String> {
        let run = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let mut model = make_model();
            let mut dut = make_dut(false);
            judge(s, &run_script(s, model.as_mut(), dut.as_mut(), true))
        }));
        match run {
            Ok(Ok(())) => None,
            Ok(Err(why)) => Some(why),
            Err(panic) => Some(format!("panicked: {}", panic_message(panic.as_ref()))),
        }
    };
    let (script, reason) = minimise(script, reason, &fails);

    // Replay the minimal script with a waveform, to the end (not stopping at the first
    // mismatch), so the trace shows the whole story.
    let waveform = waveform_path(test_name);
    let dir = waveform.parent().expect("waveform path has a parent");
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let mut model = make_model();
    let mut dut = make_dut(true);
    let waveform_error = dut.start_waveform(&waveform).err().map(|e| e.to_string());
    // A backend that panics (rather than mismatching) must still produce the report.
    let replay = std::panic::catch_unwind(AssertUnwindSafe(|| {
        run_script(&script, model.as_mut(), dut.as_mut(), false)
    }));
    dut.finish_waveform();
    let mismatches = match replay {
        Ok(report) => report.first_mismatches,
        Err(panic) => vec![Mismatch {
            cycle: dut.cycles(),
            backend: dut.backend(),
            detail: format!("panicked: {}", panic_message(panic.as_ref())),
        }],
    };
    Err(Box::new(CosimFailure {
        test_name: test_name.to_string(),
        script,
        reason,
        mismatches,
        waveform,
        waveform_error,
        op_name,
    }))
}

/// Shrinks further what proptest's shrinking leaves. proptest removes one event at a time,
/// which gets stuck on XOR algebra: two ACCUMs whose deltas cancel must go together. This
/// removes chunks and pairs of events, zeroes gaps, drops the `rsp_ready` pattern and
/// simplifies data, keeping every change after which `fails` still fails, to a fixpoint.
pub fn minimise(
    mut script: Script,
    mut reason: String,
    fails: &dyn Fn(&Script) -> Option<String>,
) -> (Script, String) {
    /// Pair removal is quadratic; beyond this many events only chunks and singles are tried.
    const MAX_PAIR_EVENTS: usize = 40;
    let attempt = |candidate: Script, script: &mut Script, reason: &mut String| -> bool {
        if candidate == *script {
            return false;
        }
        match fails(&candidate) {
            Some(why) => {
                *script = candidate;
                *reason = why;
                true
            }
            None => false,
        }
    };
    loop {
        let mut changed = false;
        // Contiguous chunks, halving in size down to single events.
        let mut size = script.events.len() / 2;
        while size >= 1 {
            let mut start = 0;
            while start + size <= script.events.len() && script.events.len() > 1 {
                let mut candidate = script.clone();
                candidate.events.drain(start..start + size);
                if !candidate.events.is_empty() && attempt(candidate, &mut script, &mut reason) {
                    changed = true;
                } else {
                    start += 1;
                }
            }
            size /= 2;
        }
        // Pairs of events anywhere in the script.
        if script.events.len() <= MAX_PAIR_EVENTS {
            'pairs: for i in 0..script.events.len() {
                for j in i + 1..script.events.len() {
                    if script.events.len() <= 2 {
                        break 'pairs;
                    }
                    let mut candidate = script.clone();
                    candidate.events.remove(j);
                    candidate.events.remove(i);
                    if attempt(candidate, &mut script, &mut reason) {
                        changed = true;
                        continue 'pairs;
                    }
                }
            }
        }
        // No back-pressure, no idle gaps, simpler data.
        let mut candidate = script.clone();
        candidate.rsp_ready.clear();
        changed |= attempt(candidate, &mut script, &mut reason);
        for i in 0..script.events.len() {
            let mut candidate = script.clone();
            candidate.events[i].0 = 0;
            changed |= attempt(candidate, &mut script, &mut reason);
            if let Event::Command(c) = script.events[i].1 {
                let lowest_bit = c.data & c.data.wrapping_neg();
                for data in [0, 1, lowest_bit, c.data & 0xff] {
                    if data < c.data {
                        let mut candidate = script.clone();
                        candidate.events[i].1 = Event::Command(Command { data, ..c });
                        if attempt(candidate, &mut script, &mut reason) {
                            changed = true;
                            break;
                        }
                    }
                }
            }
        }
        if !changed {
            return (script, reason);
        }
    }
}

thread_local! {
    static QUIET_PANICS: Cell<bool> = const { Cell::new(false) };
}

/// While alive, panics on this thread are not printed (other threads, i.e. other tests, are
/// unaffected): the panic hook is wrapped once to consult a thread-local flag.
struct QuietPanics;

impl QuietPanics {
    fn on_this_thread() -> QuietPanics {
        static WRAP_HOOK: Once = Once::new();
        WRAP_HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                if !QUIET_PANICS.with(Cell::get) {
                    previous(info)
                }
            }));
        });
        QUIET_PANICS.with(|q| q.set(true));
        QuietPanics
    }
}

impl Drop for QuietPanics {
    fn drop(&mut self) {
        QUIET_PANICS.with(|q| q.set(false));
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic payload)".to_string()
    }
}

/// [`check_cosim`], panicking with the failure report; prints and returns what it exercised.
pub fn assert_cosim(
    test_name: &str,
    config: CoreConfig,
    cases: u32,
    max_events: usize,
    make_dut: impl Fn(bool) -> Box<dyn Dut>,
    make_model: impl Fn() -> Box<dyn Dut>,
) -> CosimStats {
    report_cosim(
        test_name,
        check_cosim(test_name, config, cases, max_events, make_dut, make_model),
    )
}

/// [`check_cosim`] of the multi-lane core of `config` ([`lanes_script_strategy`] scripts,
/// [`lanes_model`] as the reference), panicking with the failure report; prints and returns
/// what it exercised.
pub fn assert_lanes_cosim(
    test_name: &str,
    config: LanesConfig,
    cases: u32,
    max_events: usize,
    make_dut: impl Fn(bool) -> Box<dyn Dut>,
) -> CosimStats {
    report_cosim(
        test_name,
        check_cosim_with(
            test_name,
            lanes_shape(config),
            cases,
            lanes_script_strategy(config.lanes, config.contexts, max_events),
            lanes_op_name,
            make_dut,
            lanes_model(config),
        ),
    )
}

/// Prints a passing run's statistics and returns them, or panics with the failure report.
fn report_cosim(test_name: &str, result: Result<CosimStats, Box<CosimFailure>>) -> CosimStats {
    match result {
        Ok(stats) => {
            println!(
                "{test_name}: {} scripts, {} cycles, {} commands, {} responses, {} resets: \
                 no mismatch ({:.0} cycles/s)",
                stats.scripts,
                stats.cycles,
                stats.commands,
                stats.responses,
                stats.resets,
                stats.cycles as f64 / stats.seconds.max(1e-9)
            );
            stats
        }
        Err(failure) => panic!("{failure}"),
    }
}
