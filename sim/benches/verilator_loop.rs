//! How close the Rust-driven Verilator co-simulation of the multi-lane core comes to Verilator's
//! own speed for the same design, and where the difference goes.
//!
//! `cargo bench -p atomik-sim --bench verilator_loop` builds (or loads from the cache) the
//! multi-lane core for 1, 16 and 64 lanes (64-bit) and measures, in cycles per second of wall
//! time:
//!
//! - **native**: [`VerilatedModel::run_native_loop`], a pure C++ loop (xorshift inputs, reset
//!   held low, outputs folded into a checksum): the model with no Rust in the loop. The
//!   baseline of the goal.
//! - **c++ replay**: [`VerilatedModel::run_native_trace`], the same C++ loop replaying the
//!   inputs that `run_lockstep` gives the core with [`LanesStimulus`] (made a chunk at a time,
//!   untimed, by stepping the reference model with the stimulus as `run_lockstep` does):
//!   Verilator's own cost for exactly the co-simulation's stimulus, which is higher than for
//!   the xorshift stimulus (there most random commands are illegal or wait on a full response
//!   queue; here commands fire nearly every cycle and the generator runs).
//! - **rust replay**: the same inputs applied from a Rust loop with
//!   [`VerilatedModel::set`] + [`VerilatedModel::tick`], one FFI call per cycle: adds the cost
//!   of crossing into the model every cycle.
//! - **rust-driven**: the model as a [`VerilatorCore`] stepped by `run_lockstep` with
//!   [`LanesStimulus`] and no reference model (the core is the only `Dut`, so nothing is
//!   compared): adds the stimulus and the co-simulation loop.
//! - **lockstep+check**: the full co-simulation, `run_lockstep` with [`LanesModel`] as the
//!   reference and the core compared with it every cycle (what
//!   `atomik sim --backend verilator --lanes N` runs): adds the model and the comparison. It
//!   must report no mismatches.
//!
//! - **pipelined**: the same full check with the model and the stimulus on a second thread
//!   ([`run_pipelined`]), which is what `atomik sim` runs: the wall-clock rate is the slower
//!   side's, not the sum, at the price of a second busy core.
//!
//! The measurements alternate in rounds (native, replays, rust-driven, lockstep, native, ...)
//! and each figure is the median over the rounds, so a load change on the shared machine hits
//! all of them alike. The goal (per lane count): lockstep+check >= 4 M cycles/s and
//! native / lockstep <= 1.3. The second table turns the rates into nanoseconds per cycle and
//! splits the lockstep's cycle into the layers above.
//!
//! `ATOMIK_BENCH_SECONDS` sets the target seconds per measurement (default 0.4).
//! `ATOMIK_BENCH_PROFILE=native|replay|rust|lockstep` runs one path alone (for `perf record`),
//! at 16 lanes or `ATOMIK_BENCH_LANES`.

use std::hint::black_box;
use std::time::Instant;

use atomik_hdl::lanes::LanesConfig;
use atomik_sim::cosim::{run_lockstep, CosimReport, LanesStimulus, StimulusDriver};
use atomik_sim::dut::{CoreOutputs, Dut};
use atomik_sim::lanes_model::LanesModel;
use atomik_sim::pipelined::run_pipelined;
use atomik_sim::verilator::{ModelSpec, VerilatedModel};
use atomik_sim::verilator_core::{lanes_model_spec, VerilatorCore};

const LANES: [u32; 3] = [1, 16, 64];
const WIDTH: u32 = 64;
const ROUNDS: usize = 7;
const GOAL_RATE: f64 = 4e6;
const GOAL_RATIO: f64 = 1.3;
const SEED: u64 = 0x5eed_1a2e;
/// Cycles made and replayed at a time (40 bytes each: the trace stays in the caches).
const CHUNK: u64 = 1 << 15;

/// Median of a non-empty list.
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The native C++ loop for `cycles` cycles; cycles/s.
fn native(model: &mut VerilatedModel, reset: usize, cycles: u64, seed: u64) -> f64 {
    let t = Instant::now();
    black_box(model.run_native_loop(cycles, seed, &[reset]));
    cycles as f64 / t.elapsed().as_secs_f64()
}

/// The Verilator core alone, stepped by the co-simulation loop; cycles/s.
fn rust_driven(config: LanesConfig, cycles: u64, seed: u64) -> f64 {
    let mut core = VerilatorCore::lanes(config, false).expect("Verilator lanes core");
    let mut stimulus = LanesStimulus::new(config.lanes, seed);
    let r = run_lockstep(&mut core, &mut [], &mut stimulus, cycles, false);
    assert_eq!(r.cycles, cycles);
    r.cycles_per_sec()
}

/// The full lockstep co-simulation with the model check; cycles/s.
fn lockstep(config: LanesConfig, cycles: u64, seed: u64) -> f64 {
    let mut core = VerilatorCore::lanes(config, false).expect("Verilator lanes core");
    let mut model = LanesModel::new(config);
    let mut stimulus = LanesStimulus::new(config.lanes, seed);
    let r = run_lockstep(&mut model, &mut [&mut core], &mut stimulus, cycles, false);
    assert_eq!(r.cycles, cycles);
    assert_eq!(
        r.mismatches, 0,
        "lanes {}: the Verilator core disagreed with the model: {:?}",
        config.lanes, r.first_mismatches
    );
    r.cycles_per_sec()
}

/// The full check as `atomik sim` runs it: the same as [`lockstep`], with the model and the
/// stimulus on a second thread ([`run_pipelined`]); cycles/s of wall time.
fn pipelined(config: LanesConfig, cycles: u64, seed: u64) -> f64 {
    let mut core = VerilatorCore::lanes(config, false).expect("Verilator lanes core");
    let r = run_pipelined(
        Box::new(LanesModel::new(config)),
        Box::new(LanesStimulus::new(config.lanes, seed)),
        &mut core,
        cycles,
        false,
        &mut |_| {},
    );
    assert_eq!(r.cycles, cycles);
    assert_eq!(
        r.mismatches, 0,
        "lanes {}: {:?}",
        config.lanes, r.first_mismatches
    );
    r.cycles_per_sec()
}

/// The inputs `run_lockstep` gives the core, made without running the core: the stimulus
/// follows only the reference model (a command is taken when the *model* is ready), so stepping
/// [`LanesModel`] with [`LanesStimulus`] exactly as `run_lockstep` does gives the same input
/// sequence as a co-simulation that agrees with the model.
struct LockstepInputs {
    model: LanesModel,
    /// The input decisions of `run_lockstep` itself.
    driver: StimulusDriver<LanesStimulus>,
    /// What the driver counts (unused here).
    counts: CosimReport,
    cycle: u64,
    /// Verilator input index of reset, cmd_valid, cmd_op, cmd_data, rsp_ready.
    slots: [usize; 5],
    /// Verilator inputs per cycle.
    width: usize,
}

impl LockstepInputs {
    fn new(config: LanesConfig, seed: u64, m: &VerilatedModel) -> Self {
        LockstepInputs {
            model: LanesModel::new(config),
            driver: StimulusDriver::new(LanesStimulus::new(config.lanes, seed)),
            counts: CosimReport::default(),
            cycle: 0,
            slots: ["reset", "cmd_valid", "cmd_op", "cmd_data", "rsp_ready"]
                .map(|n| m.input(n).expect("lanes core input")),
            width: m.input_names().len(),
        }
    }

    /// Replaces `trace` with the inputs of the next `cycles` cycles, one row of `width` words
    /// per cycle (the layout of [`VerilatedModel::run_native_trace`]).
    fn next_chunk(&mut self, cycles: u64, trace: &mut Vec<u64>) {
        trace.clear();
        for _ in 0..cycles {
            let expected = self.model.outputs();
            let inputs = self
                .driver
                .inputs(self.cycle, &expected, &mut self.counts)
                .expect("LanesStimulus is endless");
            self.model.step(&inputs);
            self.driver.advance();
            let at = trace.len();
            trace.resize(at + self.width, 0);
            let words = [
                inputs.reset as u64,
                inputs.cmd_valid as u64,
                inputs.cmd_op as u64,
                inputs.cmd_data,
                inputs.rsp_ready as u64,
            ];
            for (&slot, word) in self.slots.iter().zip(words) {
                trace[at + slot] = word;
            }
            self.cycle += 1;
        }
    }

    /// Panics unless `m`'s outputs agree with the model's (as `run_lockstep` compares them).
    fn check(&self, m: &VerilatedModel, what: &str) {
        let get = |n| m.get(m.output(n).expect("lanes core output"));
        let actual = CoreOutputs {
            cmd_ready: get("cmd_ready") != 0,
            rsp_valid: get("rsp_valid") != 0,
            rsp_data: get("rsp_data"),
            illegal_op: get("illegal_op") != 0,
        };
        let diffs = actual.differences(&self.model.outputs());
        assert!(
            diffs.is_empty(),
            "the {what} replay disagrees with the model after {} cycles: {diffs:?}",
            self.cycle
        );
    }
}

/// The co-simulation's inputs replayed (a) by the C++ loop and (b) from a Rust loop, one FFI
/// call per cycle: the inputs are made one chunk at a time (untimed, [`LockstepInputs`]), then
/// two fresh instances of the model replay the chunk (timed, alternating which goes first).
/// Checks that both end agreeing with the reference model. Returns (c++, rust) in cycles/s.
fn replays(config: LanesConfig, spec: &ModelSpec, cycles: u64, seed: u64) -> (f64, f64) {
    let mut cpp = VerilatedModel::build(spec).expect("Verilator lanes model");
    let mut rust = VerilatedModel::build(spec).expect("Verilator lanes model");
    let mut inputs = LockstepInputs::new(config, seed, &cpp);
    let mut trace = Vec::with_capacity(CHUNK as usize * inputs.width);
    let (mut cpp_s, mut rust_s) = (0.0, 0.0);
    let mut done = 0;
    while done < cycles {
        let n = CHUNK.min(cycles - done);
        inputs.next_chunk(n, &mut trace);
        let cpp_first = (done / CHUNK) & 1 == 0;
        for cpp_now in [cpp_first, !cpp_first] {
            let t = Instant::now();
            if cpp_now {
                black_box(cpp.run_native_trace(&trace));
                cpp_s += t.elapsed().as_secs_f64();
            } else {
                for words in trace.chunks_exact(inputs.width) {
                    for (i, &w) in words.iter().enumerate() {
                        rust.set(i, w);
                    }
                    rust.tick();
                }
                rust_s += t.elapsed().as_secs_f64();
            }
        }
        done += n;
    }
    inputs.check(&cpp, "C++");
    inputs.check(&rust, "Rust");
    (cycles as f64 / cpp_s, cycles as f64 / rust_s)
}

/// One path alone for `seconds` (16 lanes, or `ATOMIK_BENCH_LANES`), for `perf record`.
fn profile(mode: &str, seconds: f64) {
    let lanes = std::env::var("ATOMIK_BENCH_LANES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(16);
    let config = LanesConfig::single(lanes, WIDTH).expect("valid lanes config");
    let spec = lanes_model_spec(config, false).expect("lanes Verilog");
    let cycles = (seconds * 5e6) as u64;
    let rate = match mode {
        "native" => {
            let mut model = VerilatedModel::build(&spec).expect("Verilator lanes model");
            let reset = model.input("reset").expect("reset port");
            native(&mut model, reset, cycles, SEED)
        }
        "replay" => {
            let (cpp, rust) = replays(config, &spec, cycles, SEED);
            println!("rust replay: {:.2} M cycles/s", rust / 1e6);
            cpp
        }
        "rust" => rust_driven(config, cycles, SEED),
        "lockstep" => lockstep(config, cycles, SEED),
        "pipelined" => pipelined(config, cycles, SEED),
        _ => panic!("ATOMIK_BENCH_PROFILE: unknown mode `{mode}` (native, replay, rust, lockstep)"),
    };
    let what = if mode == "replay" { "c++ replay" } else { mode };
    println!("{what}: {:.2} M cycles/s ({lanes} lanes)", rate / 1e6);
}

/// Medians of one lane count, cycles/s.
struct Row {
    lanes: u32,
    cycles: u64,
    native: f64,
    cpp_replay: f64,
    rust_replay: f64,
    rust_driven: f64,
    lockstep: f64,
    pipelined: f64,
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    let seconds: f64 = std::env::var("ATOMIK_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|s: &f64| *s > 0.0)
        .unwrap_or(0.4);
    if let Ok(mode) = std::env::var("ATOMIK_BENCH_PROFILE") {
        profile(&mode, seconds);
        return;
    }
    let started = Instant::now();
    let mut rows = Vec::new();
    for lanes in LANES {
        let config = LanesConfig::single(lanes, WIDTH).expect("valid lanes config");
        let spec = lanes_model_spec(config, false).expect("lanes Verilog");
        let built = Instant::now();
        let mut model = VerilatedModel::build(&spec).expect("Verilator lanes model");
        let reset = model.input("reset").expect("reset port");
        eprintln!(
            "lanes {lanes}: model {} in {:.1} s",
            if model.build_time().is_some() {
                "built"
            } else {
                "loaded"
            },
            built.elapsed().as_secs_f64()
        );
        // Same seed, same checksum: the C++ loop is deterministic.
        let mut again = VerilatedModel::build(&spec).expect("Verilator lanes model");
        assert_eq!(
            model.run_native_loop(10_000, SEED, &[reset]),
            again.run_native_loop(10_000, SEED, &[reset])
        );
        // Warm up every path and calibrate on the slowest (the lockstep): each measurement
        // takes about `seconds`.
        native(&mut model, reset, 100_000, SEED);
        replays(config, &spec, 100_000, SEED);
        rust_driven(config, 100_000, SEED);
        let probe = lockstep(config, 200_000, SEED);
        let cycles = ((probe * seconds) as u64).clamp(100_000, 50_000_000);
        pipelined(config, 100_000, SEED);
        let mut m: [Vec<f64>; 6] = Default::default();
        for round in 0..ROUNDS {
            let seed = SEED + round as u64;
            m[0].push(native(&mut model, reset, cycles, seed));
            let (cpp, rust) = replays(config, &spec, cycles, seed);
            m[1].push(cpp);
            m[2].push(rust);
            m[3].push(rust_driven(config, cycles, seed));
            m[4].push(lockstep(config, cycles, seed));
            m[5].push(pipelined(config, cycles, seed));
        }
        let [native, cpp_replay, rust_replay, rust_driven, lockstep, pipelined] = m.map(median);
        let row = Row {
            lanes,
            cycles,
            native,
            cpp_replay,
            rust_replay,
            rust_driven,
            lockstep,
            pipelined,
        };
        eprintln!(
            "lanes {lanes}: native {:.2}, c++ replay {:.2}, rust replay {:.2}, rust-driven {:.2}, \
             lockstep {:.2}, pipelined {:.2} M cycles/s",
            row.native / 1e6,
            row.cpp_replay / 1e6,
            row.rust_replay / 1e6,
            row.rust_driven / 1e6,
            row.lockstep / 1e6,
            row.pipelined / 1e6
        );
        rows.push(row);
    }

    println!();
    println!(
        "Verilator multi-lane core (w{WIDTH}): M cycles/s, median of {ROUNDS} interleaved rounds"
    );
    println!(
        "{:>5} {:>9} {:>7} {:>10} {:>11} {:>11} {:>14} {:>15} {:>7}",
        "lanes",
        "cycles",
        "native",
        "c++replay",
        "rust-replay",
        "rust-driven",
        "lockstep+check",
        "native/lockstep",
        ">= 4 M"
    );
    for r in &rows {
        let ratio = r.native / r.lockstep;
        println!(
            "{:>5} {:>9} {:>7.2} {:>10.2} {:>11.2} {:>11.2} {:>14.2} {:>11.2} {:>3} {:>7}",
            r.lanes,
            r.cycles,
            r.native / 1e6,
            r.cpp_replay / 1e6,
            r.rust_replay / 1e6,
            r.rust_driven / 1e6,
            r.lockstep / 1e6,
            ratio,
            if ratio <= GOAL_RATIO { "ok" } else { "NO" },
            if r.lockstep >= GOAL_RATE { "yes" } else { "no" },
        );
    }
    println!(
        "goal: lockstep+check >= {:.0} M cycles/s and native/lockstep <= {GOAL_RATIO}",
        GOAL_RATE / 1e6
    );
    println!();
    println!(
        "the same check pipelined (model and stimulus on a second thread, as `atomik sim` runs \
         it; two cores busy)"
    );
    println!(
        "{:>5} {:>7} {:>10} {:>16} {:>9} {:>7}",
        "lanes", "native", "pipelined", "native/pipelined", "goal", ">= 4 M"
    );
    for r in &rows {
        let ratio = r.native / r.pipelined;
        println!(
            "{:>5} {:>7.2} {:>10.2} {:>16.2} {:>9} {:>7}",
            r.lanes,
            r.native / 1e6,
            r.pipelined / 1e6,
            ratio,
            if ratio <= GOAL_RATIO { "ok" } else { "NO" },
            if r.pipelined >= GOAL_RATE {
                "yes"
            } else {
                "no"
            },
        );
    }
    println!();
    println!("ns per lockstep cycle, by layer (differences of the medians above)");
    println!(
        "{:>5} {:>9} {:>9} {:>11} {:>17} {:>14} {:>8} {:>16}",
        "lanes",
        "native",
        "verilator",
        "ffi/cycle",
        "stimulus+loop",
        "model+check",
        "total",
        "c++replay/lockstep"
    );
    for r in &rows {
        let ns = |rate: f64| 1e9 / rate;
        println!(
            "{:>5} {:>9.1} {:>9.1} {:>11.1} {:>17.1} {:>14.1} {:>8.1} {:>16.2}",
            r.lanes,
            ns(r.native),
            ns(r.cpp_replay),
            ns(r.rust_replay) - ns(r.cpp_replay),
            ns(r.rust_driven) - ns(r.rust_replay),
            ns(r.lockstep) - ns(r.rust_driven),
            ns(r.lockstep),
            r.cpp_replay / r.lockstep
        );
    }
    println!(
        "(verilator = the C++ replay of the co-simulation's own inputs; ffi/cycle = Rust replay \
         - C++ replay; stimulus+loop = rust-driven - Rust replay; model+check = lockstep - \
         rust-driven)"
    );
    println!("total {:.1} s", started.elapsed().as_secs_f64());
}
