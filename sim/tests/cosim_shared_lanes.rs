//! The shared-table multi-lane core (`atomik_hdl::lanes::shared::SharedLaneCore`: every lane
//! of one clock feeds one context of a block-RAM context table) in lockstep with its
//! cycle-exact model (`atomik_sim::shared_lanes_model::SharedLanesModel`) on proptest scripts:
//! addressed value ops on three hot contexts most of the time (so same-address slots collide in
//! the table's read-modify-write and exercise the forwarding), STATUS, generator runs from
//! random base contexts, illegal ops, resets (each starting a table sweep) and back-pressure;
//! failures shrink to a minimal script and are replayed with a waveform (see `common`).
//!
//! Then whole generator runs, longer than the table so every context takes several clocks,
//! read back context by context against the host's doubling prediction
//! (`GeneratorRun::predicted_per_context_shared`, itself checked against a stepped run in
//! `atomik_sim::generator`).

mod common;
#[path = "support/lanes_cosim.rs"]
mod lanes_cosim;

use atomik_hdl::lanes::lane::active_lanes;
use atomik_hdl::lanes::shared::FEED_PER_CLOCK;
use atomik_hdl::lanes::single::StatusReg;
use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::Op;
use atomik_sim::backend::{make_lanes_dut, Backend};
use atomik_sim::driver::CommandDriver;
use atomik_sim::generator::GeneratorRun;
use atomik_sim::lanes_model::{gen_run_word, OP_GEN_RUN, OP_GEN_SEED, OP_STATUS};
use atomik_sim::onchip::{run_generator, OnChipRequest};
use lanes_cosim::Scripts;

/// 200 events per script.
const SCRIPTS: Scripts = Scripts { max_events: 200 };

/// A validated shared-mode configuration.
fn shared(lanes: u32, contexts: u32) -> LanesConfig {
    LanesConfig::shared(lanes, contexts).expect("valid shared config")
}

#[test]
fn one_lane_shared_core_in_verilator_matches_model_every_cycle() {
    SCRIPTS.verilator(
        "one_lane_shared_core_in_verilator_matches_model_every_cycle",
        shared(1, 16),
        96,
    );
}

#[test]
fn two_lane_shared_core_in_verilator_matches_model_every_cycle() {
    SCRIPTS.verilator(
        "two_lane_shared_core_in_verilator_matches_model_every_cycle",
        shared(2, 2),
        96,
    );
}

/// Twelve lanes, not a power of two: four full groups, a tree over sixteen leaves.
#[test]
fn twelve_lane_shared_core_in_verilator_matches_model_every_cycle() {
    SCRIPTS.verilator(
        "twelve_lane_shared_core_in_verilator_matches_model_every_cycle",
        shared(12, 8),
        96,
    );
}

#[test]
fn sixty_four_lane_shared_core_in_verilator_matches_model_every_cycle() {
    SCRIPTS.verilator(
        "sixty_four_lane_shared_core_in_verilator_matches_model_every_cycle",
        shared(64, 256),
        32,
    );
}

#[test]
fn four_lane_shared_core_in_rust_hdl_matches_model_every_cycle() {
    SCRIPTS.rust_hdl(
        "four_lane_shared_core_in_rust_hdl_matches_model_every_cycle",
        shared(4, 8),
        12,
    );
}

/// A generator run through `run_generator` (identity, every context, both counters).
fn check_onchip_run(backend: Backend, lanes: u32, contexts: u32, clocks: u64, active: u32) {
    let config = LanesConfig::shared(lanes, contexts).unwrap();
    let dut = make_lanes_dut(backend, config, false).expect("the core builds");
    let report = run_generator(
        dut,
        OnChipRequest {
            config,
            seed: 0xC0FF_EE00 + lanes as u64,
            clocks,
            active_lanes: active,
            initial_state: 0x0123_4567_89AB_CDEF,
        },
        &mut |_, _| {},
    );
    assert!(report.verified, "{}: {report:?}", config.name());
    assert_eq!(
        report.gen_deltas,
        clocks * active_lanes(lanes, active) as u64
    );
}

#[test]
fn shared_generator_runs_in_verilator_equal_the_prediction_in_every_context() {
    // The configurations the co-simulations above built (Verilator models are cached): runs
    // shorter than the table, a whole number of passes, and passes with a remainder.
    check_onchip_run(Backend::Verilator, 64, 256, 100, 64);
    check_onchip_run(Backend::Verilator, 64, 256, 1000, 37);
    check_onchip_run(Backend::Verilator, 1, 16, 64, 1);
    check_onchip_run(Backend::Verilator, 2, 2, 101, 2);
}

#[test]
fn shared_generator_run_in_rust_hdl_equals_the_prediction_in_every_context() {
    check_onchip_run(Backend::RustHdl, 4, 8, 203, 4);
}

/// A run from a non-zero base with commands interleaved: each command pauses the generator
/// for its clock, so the run still feeds K clocks to contexts base, base + 1, ... in order,
/// and the ACCUMs the host sends during the run land on top.
#[test]
fn commands_during_a_run_pause_it_without_moving_its_contexts() {
    let config = LanesConfig::shared(1, 16).unwrap();
    let dut = make_lanes_dut(Backend::Verilator, config, false).expect("the core builds");
    let mut d = CommandDriver::new(dut);
    d.reset();
    assert_eq!(
        d.query(OP_STATUS, 0, StatusReg::Feed as u64),
        FEED_PER_CLOCK
    );
    let (seed, clocks, base) = (0xABCD_u64, 300u64, 11u32);
    d.issue(OP_GEN_SEED, 0, seed);
    d.issue(OP_GEN_RUN, base, gen_run_word(clocks, 1));
    let mut host = [0u64; 16];
    for k in 0..40u64 {
        let addr = (k * 7 % 16) as usize;
        let delta = k.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        d.issue(Op::Accum.code(), addr as u32, delta);
        host[addr] ^= delta;
        d.idle(3);
    }
    while d.query(OP_STATUS, 0, StatusReg::GenBusy as u64) != 0 {
        d.idle(32);
    }
    assert_eq!(d.query(OP_STATUS, 0, StatusReg::GenClocks as u64), clocks);
    let run = GeneratorRun {
        lanes: 1,
        width: 64,
        seed,
        clocks,
        active_lanes: 1,
    };
    let fed = run.predicted_per_context_shared(16, base as u64);
    for c in 0..16u32 {
        assert_eq!(
            d.query(Op::Read.code(), c, 0),
            fed[c as usize] ^ host[c as usize],
            "context {c}"
        );
    }
}

#[test]
fn shared_mode_parameters_are_refused_naming_the_bad_value() {
    use atomik_hdl::lanes::{LaneMode, LanesError};
    assert_eq!(
        LanesConfig::shared(16, 300).unwrap_err().to_string(),
        "unsupported context count 300 for shared mode: must be a power of two from 2 to 4096"
    );
    assert_eq!(
        LanesConfig::shared(16, 1).unwrap_err(),
        LanesError::SharedContexts { contexts: 1 }
    );
    assert_eq!(
        LanesConfig::new(16, 32, 3, LaneMode::Shared)
            .unwrap_err()
            .to_string(),
        "shared mode is built for width 64 only, not 32"
    );
    assert_eq!(
        LanesConfig::shared(1025, 256).unwrap_err(),
        LanesError::Lanes { lanes: 1025 }
    );
    // Any lane count in shared mode (the tree is sized for the next power of two); table
    // mode keeps a power of two.
    assert_eq!(LanesConfig::shared(24, 256).unwrap().tree_leaves(), 32);
    assert_eq!(
        LanesConfig::table(24, 256).unwrap_err().to_string(),
        "unsupported lane count 24 for table mode: must be a power of two (a partial table per \
         lane, one tree leaf each); single and shared mode take any count"
    );
    let ok = LanesConfig::shared(64, 256).unwrap();
    assert_eq!(ok.name(), "shared_l64_w64_c256_r3");
}
