//! The on-chip generator verified end to end on the RTL: after `reset, GEN_SEED(s), LOAD(v),
//! GEN_RUN(K, M)` and waiting for STATUS GenBusy to read 0, READ must equal
//! `v ^ GeneratorRun { .. }.predicted_xor()` (the host's GF(2)-doubling prediction, computed
//! without stepping the run), and the core's own counters must say K clocks and
//! K x active_lanes(lanes, M) deltas. Runs of 1, 1000 and (Verilator only) 100 000 clocks
//! with all, half and more-than-all lanes active, on Verilator (1 to 96 lanes) and rust-hdl
//! (4 and 13 lanes).
//!
//! The identity registers must describe the build, and the lanes must stay independent: one
//! bank fewer must change the result (a lane that duplicated or cancelled another, or a
//! source group collapsing to parity, would not).
//!
//! The core is driven one command at a time by `atomik_sim::driver::CommandDriver` (wait for
//! `cmd_ready`, hand the command over, take responses in order). Every mismatch message names
//! the configuration, seed, K and M, which replay with `atomik sim --generator`.

use std::collections::HashMap;

use atomik_hdl::lanes::lane::BANK_LANES;
use atomik_hdl::lanes::single::{StatusReg, DESIGN_ID};
use atomik_hdl::lanes::{LaneMode, LanesConfig};
use atomik_hdl::Op;
use atomik_sim::cosim::SplitMix64;
use atomik_sim::driver::CommandDriver;
use atomik_sim::dut::Dut;
use atomik_sim::generator::GeneratorRun;
use atomik_sim::lanes_model::{gen_run_word, OP_GEN_RUN, OP_GEN_SEED, OP_STATUS};
use atomik_sim::rusthdl::rust_hdl_lanes;
use atomik_sim::verilator_core::VerilatorCore;

fn config(lanes: u32, width: u32) -> LanesConfig {
    LanesConfig::new(lanes, width, 2, LaneMode::Single)
        .unwrap_or_else(|e| panic!("lanes {lanes} width {width}: {e}"))
}

fn verilator(config: LanesConfig) -> Box<dyn Dut> {
    Box::new(
        VerilatorCore::lanes(config, false).unwrap_or_else(|e| {
            panic!("cannot build the Verilator model of {}: {e}", config.name())
        }),
    )
}

fn rust_hdl(config: LanesConfig) -> Box<dyn Dut> {
    rust_hdl_lanes(config)
}

/// Clocks between two GenBusy polls of a long run.
const POLL_INTERVAL: u64 = 4096;

/// What one generator run left in the core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RunResult {
    /// STATUS GenBusy read right after the GEN_RUN was taken.
    busy_at_start: u64,
    /// READ after GenBusy read 0.
    state: u64,
    gen_clocks: u64,
    gen_deltas: u64,
}

/// A multi-lane core behind the one-command-at-a-time driver.
struct Rig {
    driver: CommandDriver,
    config: LanesConfig,
}

impl Rig {
    fn new(dut: Box<dyn Dut>, config: LanesConfig) -> Rig {
        Rig {
            driver: CommandDriver::new(dut),
            config,
        }
    }

    fn backend(&self) -> &'static str {
        self.driver.dut().backend()
    }

    fn status(&mut self, reg: StatusReg) -> u64 {
        self.driver.query(OP_STATUS, 0, reg as u64)
    }

    /// reset, GEN_SEED(seed), LOAD(initial), GEN_RUN(clocks, active); waits until GenBusy
    /// reads 0; READ and the run counters.
    fn run(&mut self, seed: u64, initial: u64, clocks: u64, active: u32) -> RunResult {
        let d = &mut self.driver;
        d.reset();
        d.issue(OP_GEN_SEED, 0, seed);
        d.issue(Op::Load.code(), 0, initial);
        d.issue(OP_GEN_RUN, 0, gen_run_word(clocks, active));
        let busy_at_start = self.status(StatusReg::GenBusy);
        let started = self.driver.dut().cycles();
        while self.status(StatusReg::GenBusy) != 0 {
            assert!(
                self.driver.dut().cycles() - started <= clocks + 1000,
                "{} {}: GenBusy still 1 {} clocks after GEN_RUN of {clocks} clocks",
                self.backend(),
                self.config.name(),
                self.driver.dut().cycles() - started
            );
            self.driver.idle(POLL_INTERVAL.min(clocks));
        }
        RunResult {
            busy_at_start,
            state: self.driver.query(Op::Read.code(), 0, 0),
            gen_clocks: self.status(StatusReg::GenClocks),
            gen_deltas: self.status(StatusReg::GenDeltas),
        }
    }
}

fn width_mask(width: u32) -> u64 {
    if width >= 64 {
        u64::MAX
    } else {
        (1 << width) - 1
    }
}

/// The active-lane counts under test: all, half (at least one; rounded up to whole banks of
/// twelve by the core), one less than the design has (enables the short last bank, or stops
/// just before it), and five more than the design has (the core clamps), without repeats.
fn active_lane_counts(lanes: u32) -> Vec<u32> {
    let mut counts = vec![lanes, (lanes / 2).max(1), lanes - 1, lanes + 5];
    counts.dedup();
    counts.sort_unstable();
    counts.dedup();
    counts
}

/// Every run of `clock_counts` x [`active_lane_counts`] on `dut`, checked against the
/// prediction and the counters; then the identity registers.
fn check_runs_match_prediction(dut: Box<dyn Dut>, config: LanesConfig, clock_counts: &[u64]) {
    let mut rig = Rig::new(dut, config);
    let backend = rig.backend();
    let mut rng = SplitMix64::new(0x6E4E_5EED ^ config.lanes as u64);
    let mut failures = Vec::new();
    let mut runs = 0;
    for &clocks in clock_counts {
        for active in active_lane_counts(config.lanes) {
            let (seed, initial) = (rng.next_u64(), rng.next_u64());
            let run = GeneratorRun {
                lanes: config.lanes,
                width: config.width,
                seed,
                clocks,
                active_lanes: active,
            };
            let predicted = (initial & width_mask(config.width)) ^ run.predicted_xor();
            let got = rig.run(seed, initial, clocks, active);
            runs += 1;
            let case = format!(
                "{backend} {}: seed {seed:#x}, LOAD {initial:#x}, K {clocks}, M {active}",
                config.name()
            );
            if got.state != predicted {
                failures.push(format!(
                    "{case}: READ {:#x}, predicted {predicted:#x} (differ in {:#x})",
                    got.state,
                    got.state ^ predicted
                ));
            }
            if got.gen_clocks != clocks {
                failures.push(format!(
                    "{case}: GenClocks {}, expected {clocks}",
                    got.gen_clocks
                ));
            }
            if got.gen_deltas != run.deltas() {
                failures.push(format!(
                    "{case}: GenDeltas {}, expected {} x {} = {}",
                    got.gen_deltas,
                    clocks,
                    run.effective_lanes(),
                    run.deltas()
                ));
            }
            // A run longer than the STATUS latency is still going when the first poll lands.
            if clocks >= 100 && got.busy_at_start != 1 {
                failures.push(format!(
                    "{case}: GenBusy read {} right after GEN_RUN (expected 1)",
                    got.busy_at_start
                ));
            }
        }
    }

    let identity = [
        (StatusReg::Id, DESIGN_ID),
        (StatusReg::Lanes, config.lanes as u64),
        (StatusReg::Width, config.width as u64),
        (StatusReg::Contexts, 1),
        (StatusReg::TreeLatency, config.tree_latency() as u64),
    ];
    for (reg, expected) in identity {
        let got = rig.status(reg);
        if got != expected {
            failures.push(format!(
                "{backend} {}: STATUS {reg:?} = {got:#x}, expected {expected:#x}",
                config.name()
            ));
        }
    }
    println!(
        "{backend} {}: {runs} generator runs (K in {clock_counts:?}, M in {:?}) in {} clocks",
        config.name(),
        active_lane_counts(config.lanes),
        rig.driver.dut().cycles()
    );
    assert!(
        failures.is_empty(),
        "{} of the checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---- Runs against the prediction -----------------------------------------------------------

#[test]
fn one_lane_generator_runs_in_verilator_equal_the_prediction() {
    let config = config(1, 64);
    check_runs_match_prediction(verilator(config), config, &[1, 1000, 100_000]);
}

#[test]
fn sixteen_lane_generator_runs_in_verilator_equal_the_prediction() {
    let config = config(16, 64);
    check_runs_match_prediction(verilator(config), config, &[1, 1000, 100_000]);
}

/// 8 lanes: one short bank, so every M from 1 enables it (the launch counts all 8 lanes, not
/// M rounded up to 12: `clamp_from` is 1).
#[test]
fn eight_lane_generator_runs_in_verilator_equal_the_prediction() {
    let config = config(8, 64);
    check_runs_match_prediction(verilator(config), config, &[1, 1000]);
}

/// 64 lanes: 22 groups on three sources (one lane of each group per source; the last group
/// is lane 63 alone) in six banks, the last of four lanes: M = 32 rounds up to 36.
#[test]
fn sixty_four_lane_generator_runs_in_verilator_equal_the_prediction() {
    let config = config(64, 64);
    check_runs_match_prediction(verilator(config), config, &[1, 1000, 100_000]);
}

/// 96 lanes, not a power of two: the last bank is full, so M = 95 rounds up to the lane
/// count and is clamped there (`clamp_from`); M from 1 to 96 is checked one by one below.
#[test]
fn ninety_six_lane_generator_runs_in_verilator_equal_the_prediction() {
    let config = config(96, 64);
    check_runs_match_prediction(verilator(config), config, &[1, 1000, 100_000]);
}

/// 8-bit datapath: the prediction keeps the low 8 bits of every lane's rotation.
#[test]
fn sixteen_lane_eight_bit_generator_runs_in_verilator_equal_the_prediction() {
    let config = config(16, 8);
    check_runs_match_prediction(verilator(config), config, &[1, 1000, 100_000]);
}

#[test]
fn four_lane_generator_runs_in_rust_hdl_equal_the_prediction() {
    let config = config(4, 64);
    check_runs_match_prediction(rust_hdl(config), config, &[1, 1000]);
}

/// Thirteen lanes: a full bank and a bank of one lane, a tree over sixteen leaves.
#[test]
fn thirteen_lane_generator_runs_in_rust_hdl_equal_the_prediction() {
    let config = config(13, 64);
    check_runs_match_prediction(rust_hdl(config), config, &[1, 1000]);
}

// ---- Lane independence ---------------------------------------------------------------------

/// Runs all lanes and all but the last bank (lanes are enabled twelve at a time) from one
/// seed: the states differ and each is as predicted.
fn check_one_bank_fewer_changes_the_state(dut: Box<dyn Dut>, config: LanesConfig) {
    const SEED: u64 = 0x0123_4567_89AB_CDEF;
    const CLOCKS: u64 = 1000;
    let mut rig = Rig::new(dut, config);
    let backend = rig.backend();
    let mut states = Vec::new();
    let last_bank_start = BANK_LANES as u32 * ((config.lanes - 1) / BANK_LANES as u32);
    for active in [config.lanes, last_bank_start] {
        let run = GeneratorRun {
            lanes: config.lanes,
            width: config.width,
            seed: SEED,
            clocks: CLOCKS,
            active_lanes: active,
        };
        let got = rig.run(SEED, 0, CLOCKS, active);
        assert_eq!(
            got.state,
            run.predicted_xor(),
            "{backend} {}: seed {SEED:#x}, K {CLOCKS}, M {active}: READ != prediction",
            config.name()
        );
        states.push(got.state);
    }
    assert_ne!(
        states[0],
        states[1],
        "{backend} {}: M = {} and M = {} give the same state {:#x}: the last bank contributes \
         nothing",
        config.name(),
        config.lanes,
        last_bank_start,
        states[0]
    );
}

#[test]
fn one_bank_fewer_changes_the_state_of_sixteen_lanes_in_verilator() {
    let config = config(16, 64);
    check_one_bank_fewer_changes_the_state(verilator(config), config);
}

#[test]
fn one_bank_fewer_changes_the_state_of_sixty_four_lanes_in_verilator() {
    let config = config(64, 64);
    check_one_bank_fewer_changes_the_state(verilator(config), config);
}

#[test]
fn one_bank_fewer_changes_the_state_of_thirteen_lanes_in_rust_hdl() {
    let config = config(13, 64);
    check_one_bank_fewer_changes_the_state(rust_hdl(config), config);
}

/// Stronger: every active-lane count 1..=lanes gives the predicted state, the counts of one
/// bank give one state, and every bank count its own (no bank duplicates or cancels others).
#[test]
fn every_active_lane_count_gives_a_distinct_predicted_state_in_verilator() {
    const SEED: u64 = 0xFEED_FACE_CAFE_BEEF;
    const CLOCKS: u64 = 100;
    for lanes in [16, 64, 96] {
        let config = config(lanes, 64);
        let mut rig = Rig::new(verilator(config), config);
        let mut seen: HashMap<u64, u32> = HashMap::new();
        let mut effective_counts = Vec::new();
        for active in 1..=lanes {
            let run = GeneratorRun {
                lanes,
                width: 64,
                seed: SEED,
                clocks: CLOCKS,
                active_lanes: active,
            };
            let state = rig.run(SEED, 0, CLOCKS, active).state;
            assert_eq!(
                state,
                run.predicted_xor(),
                "verilator {}: seed {SEED:#x}, K {CLOCKS}, M {active}: READ != prediction",
                config.name()
            );
            let effective = run.effective_lanes();
            effective_counts.push(effective);
            if let Some(other) = seen.insert(state, effective) {
                assert_eq!(
                    other,
                    effective,
                    "verilator {}: {other} and {effective} active lanes give the same state \
                     {state:#x}",
                    config.name()
                );
            }
        }
        // Every count of whole banks, and the short last bank, came up.
        effective_counts.dedup();
        let expected: Vec<u32> = (1..=lanes.div_ceil(BANK_LANES as u32))
            .map(|b| (BANK_LANES as u32 * b).min(lanes))
            .collect();
        assert_eq!(effective_counts, expected);
    }
}
