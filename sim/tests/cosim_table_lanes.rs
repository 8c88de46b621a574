//! The table-mode multi-lane core (`atomik_hdl::lanes::table::TableLaneCore`: a block-RAM
//! partial table per lane) in lockstep with its cycle-exact model
//! (`atomik_sim::table_lanes_model::TableLanesModel`) on proptest scripts: addressed value ops
//! on three hot contexts most of the time (so same-address commands collide in the RAM
//! read-modify-write pipeline), STATUS, generator runs from random base contexts, illegal ops,
//! resets (each starting a table sweep) and back-pressure; failures shrink to a minimal script
//! and are replayed with a waveform (see `common`).
//!
//! Lane counts 1, 2, 16 and 64 in Verilator, 4 in rust-hdl. 256 lanes in table mode fits none
//! of the target devices (a 256-context x 64-bit partial table per lane is one block RAM per
//! lane; the largest device, ECP5-85F, has 208), so it is not claimed.

mod common;

use atomik_hdl::lanes::LanesConfig;
use atomik_sim::verilator_core::VerilatorCore;
use common::{assert_lanes_cosim, rust_hdl_lanes_core, verilator_lanes, CosimStats};

const MAX_EVENTS: usize = 200;

fn assert_exercised(stats: &CosimStats) {
    assert!(
        stats.commands > 0 && stats.responses > 0 && stats.resets > 0,
        "{stats:?}"
    );
}

fn verilator_case(test_name: &str, lanes: u32, contexts: u32, cases: u32) {
    let config = LanesConfig::table(lanes, contexts).expect("valid table config");
    VerilatorCore::lanes(config, false)
        .unwrap_or_else(|e| panic!("cannot build the Verilator model of {}: {e}", config.name()));
    let stats = assert_lanes_cosim(
        test_name,
        config,
        cases,
        MAX_EVENTS,
        verilator_lanes(config),
    );
    assert_exercised(&stats);
}

#[test]
fn one_lane_table_core_in_verilator_matches_model_every_cycle() {
    verilator_case(
        "one_lane_table_core_in_verilator_matches_model_every_cycle",
        1,
        16,
        96,
    );
}

#[test]
fn two_lane_table_core_in_verilator_matches_model_every_cycle() {
    verilator_case(
        "two_lane_table_core_in_verilator_matches_model_every_cycle",
        2,
        4,
        96,
    );
}

#[test]
fn sixteen_lane_table_core_in_verilator_matches_model_every_cycle() {
    verilator_case(
        "sixteen_lane_table_core_in_verilator_matches_model_every_cycle",
        16,
        16,
        64,
    );
}

#[test]
fn sixty_four_lane_table_core_in_verilator_matches_model_every_cycle() {
    verilator_case(
        "sixty_four_lane_table_core_in_verilator_matches_model_every_cycle",
        64,
        256,
        24,
    );
}

#[test]
fn four_lane_table_core_in_rust_hdl_matches_model_every_cycle() {
    let config = LanesConfig::table(4, 8).unwrap();
    let stats = assert_lanes_cosim(
        "four_lane_table_core_in_rust_hdl_matches_model_every_cycle",
        config,
        12,
        MAX_EVENTS,
        rust_hdl_lanes_core(config),
    );
    assert_exercised(&stats);
}
