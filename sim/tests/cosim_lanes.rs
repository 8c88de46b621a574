//! The single-context multi-lane core (`atomik_hdl::lanes::single::SingleLaneCore`) in lockstep
//! with its cycle-exact model (`atomik_sim::lanes_model::LanesModel`): every output compared
//! every cycle, on proptest scripts that mix value ops, STATUS reads, generator seeds and runs
//! (short, long, zero-length, more lanes than the design has), illegal ops, resets and
//! back-pressure; shrunk and replayed with a waveform on failure (see `common`). Then a long
//! `LanesStimulus` random run.
//!
//! Verilator models are built on first use (10-25 s each) and cached
//! (~/.cache/atomik/verilator). Each Verilator test first makes its model with
//! `VerilatorCore::lanes` (timed: a build or a cache load), then every proptest case gets a
//! fresh `common::VerilatedLanes` instance of that same model (same spec and cache entry,
//! without re-exporting the Verilog per case, which costs ~1 s at 256 lanes). The long random
//! run uses `VerilatorCore::lanes` itself. rust-hdl needs no build but is slower per cycle, so
//! it runs fewer cases.

mod common;
#[path = "support/lanes_cosim.rs"]
mod lanes_cosim;

use atomik_hdl::lanes::{LaneMode, LanesConfig};
use atomik_sim::cosim::{run_lockstep, LanesStimulus};
use atomik_sim::dut::Dut;
use atomik_sim::lanes_model::LanesModel;
use atomik_sim::verilator_core::VerilatorCore;
use lanes_cosim::Scripts;

/// Events per script: enough for generator runs to overlap many commands and for the response
/// queue to fill under back-pressure.
const SCRIPTS: Scripts = Scripts { max_events: 300 };

fn config(lanes: u32, width: u32, register_every: u32) -> LanesConfig {
    LanesConfig::new(lanes, width, register_every, LaneMode::Single)
        .unwrap_or_else(|e| panic!("lanes {lanes} width {width} every {register_every}: {e}"))
}

// ---- Verilator: lane counts at width 64, two tree levels per register ----------------------

#[test]
fn one_lane_core_in_verilator_matches_model_every_cycle() {
    SCRIPTS.verilator(
        "one_lane_core_in_verilator_matches_model_every_cycle",
        config(1, 64, 2),
        128,
    );
}

#[test]
fn two_lane_core_in_verilator_matches_model_every_cycle() {
    SCRIPTS.verilator(
        "two_lane_core_in_verilator_matches_model_every_cycle",
        config(2, 64, 2),
        128,
    );
}

#[test]
fn sixteen_lane_core_in_verilator_matches_model_every_cycle() {
    SCRIPTS.verilator(
        "sixteen_lane_core_in_verilator_matches_model_every_cycle",
        config(16, 64, 2),
        128,
    );
}

/// 64 lanes: three sources (22 groups, one lane of each per source; the last group is lane 63
/// alone), tree latency 3.
#[test]
fn sixty_four_lane_core_in_verilator_matches_model_every_cycle() {
    SCRIPTS.verilator(
        "sixty_four_lane_core_in_verilator_matches_model_every_cycle",
        config(64, 64, 2),
        128,
    );
}

/// 193 lanes, not a power of two: 64 full groups and one of a single lane, on six sources
/// (the second block starts at group 63), a tree over 128 leaves whose last 63 group slots
/// are zero; one word copy per source (the GW1NR-9 board tops' setting), so the sources have
/// no lookahead register (see `DeltaSource::new`), and copy indices cross a block boundary.
#[test]
fn one_hundred_ninety_three_lane_core_in_verilator_matches_model_every_cycle() {
    SCRIPTS.verilator(
        "one_hundred_ninety_three_lane_core_in_verilator_matches_model_every_cycle",
        config(193, 64, 3).with_copy_fanout(63).unwrap(),
        128,
    );
}

/// 256 lanes: five sources with distinct salts, tree latency 4.
#[test]
fn two_hundred_fifty_six_lane_core_in_verilator_matches_model_every_cycle() {
    SCRIPTS.verilator(
        "two_hundred_fifty_six_lane_core_in_verilator_matches_model_every_cycle",
        config(256, 64, 2),
        128,
    );
}

/// 320 lanes with a source word copy per 8 groups (the large ECP5 builds' setting): copy
/// indices cross a block boundary with a chunk count (8) that does not divide a block's 63
/// groups.
#[test]
fn copy_fanout_8_core_in_verilator_matches_model_every_cycle() {
    SCRIPTS.verilator(
        "copy_fanout_8_core_in_verilator_matches_model_every_cycle",
        config(320, 64, 3).with_copy_fanout(8).unwrap(),
        128,
    );
}

/// A copy per group (fan-out 1), 100 lanes: the most copies, two blocks.
#[test]
fn copy_fanout_1_core_in_verilator_matches_model_every_cycle() {
    SCRIPTS.verilator(
        "copy_fanout_1_core_in_verilator_matches_model_every_cycle",
        config(100, 64, 3).with_copy_fanout(1).unwrap(),
        128,
    );
}

// ---- Verilator: other tree shapes and a narrow datapath -------------------------------------

/// Every tree level registered: latency 4 at 16 lanes, the longest delay line for the size.
#[test]
fn sixteen_lanes_registered_every_level_in_verilator_match_model_every_cycle() {
    SCRIPTS.verilator(
        "sixteen_lanes_registered_every_level_in_verilator_match_model_every_cycle",
        config(16, 64, 1),
        128,
    );
}

/// A register every third level: latency 2 at 16 lanes, with an unregistered 8:1 stage.
#[test]
fn sixteen_lanes_registered_every_third_level_in_verilator_match_model_every_cycle() {
    SCRIPTS.verilator(
        "sixteen_lanes_registered_every_third_level_in_verilator_match_model_every_cycle",
        config(16, 64, 3),
        128,
    );
}

/// 8-bit datapath: lane deltas are the low 8 bits of rotated words, values are masked, but
/// STATUS and GEN_RUN still use the full 64-bit command word.
#[test]
fn sixteen_lane_eight_bit_core_in_verilator_matches_model_every_cycle() {
    SCRIPTS.verilator(
        "sixteen_lane_eight_bit_core_in_verilator_matches_model_every_cycle",
        config(16, 8, 2),
        128,
    );
}

// ---- rust-hdl ------------------------------------------------------------------------------

#[test]
fn one_lane_core_in_rust_hdl_matches_model_every_cycle() {
    SCRIPTS.rust_hdl(
        "one_lane_core_in_rust_hdl_matches_model_every_cycle",
        config(1, 64, 2),
        64,
    );
}

#[test]
fn four_lane_core_in_rust_hdl_matches_model_every_cycle() {
    SCRIPTS.rust_hdl(
        "four_lane_core_in_rust_hdl_matches_model_every_cycle",
        config(4, 64, 2),
        64,
    );
}

#[test]
fn sixteen_lane_core_in_rust_hdl_matches_model_every_cycle() {
    SCRIPTS.rust_hdl(
        "sixteen_lane_core_in_rust_hdl_matches_model_every_cycle",
        config(16, 64, 2),
        64,
    );
}

// ---- Long random run -----------------------------------------------------------------------

#[test]
fn a_200k_cycle_random_lanes_run_in_verilator_matches_model_every_cycle() {
    const CYCLES: u64 = 200_000;
    let config = config(16, 64, 2);
    let mut dut = VerilatorCore::lanes(config, false).unwrap_or_else(|e| panic!("{e}"));
    let mut model = LanesModel::new(config);
    let mut stimulus = LanesStimulus::new(config.lanes, 0x1A7E_5EED);
    let report = run_lockstep(
        &mut model,
        &mut [&mut dut as &mut dyn Dut],
        &mut stimulus,
        CYCLES,
        false,
    );
    println!(
        "{} verilator vs model: {} cycles, {} commands, {} responses, {} resets, {} \
         mismatching cycles, {:.2} s, {:.0} cycles/s",
        config.name(),
        report.cycles,
        report.commands,
        report.responses,
        report.resets,
        report.mismatches,
        report.seconds,
        report.cycles_per_sec()
    );
    assert_eq!(
        report.mismatches, 0,
        "first mismatches: {:#?}",
        report.first_mismatches
    );
    assert_eq!(report.cycles, CYCLES);
    assert!(report.commands > CYCLES / 2, "{report:?}");
    assert!(report.responses > CYCLES / 10, "{report:?}");
    assert!(
        report.resets > 0,
        "no reset in the run: pick another seed; {report:?}"
    );
}
