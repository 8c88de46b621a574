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
#[path = "support/lanes_cosim.rs"]
mod lanes_cosim;

use atomik_hdl::lanes::LanesConfig;
use lanes_cosim::Scripts;

/// 200 events per script.
const SCRIPTS: Scripts = Scripts { max_events: 200 };

/// A validated table-mode configuration.
fn table(lanes: u32, contexts: u32) -> LanesConfig {
    LanesConfig::table(lanes, contexts).expect("valid table config")
}

#[test]
fn one_lane_table_core_in_verilator_matches_model_every_cycle() {
    SCRIPTS.verilator(
        "one_lane_table_core_in_verilator_matches_model_every_cycle",
        table(1, 16),
        96,
    );
}

#[test]
fn two_lane_table_core_in_verilator_matches_model_every_cycle() {
    SCRIPTS.verilator(
        "two_lane_table_core_in_verilator_matches_model_every_cycle",
        table(2, 4),
        96,
    );
}

#[test]
fn sixteen_lane_table_core_in_verilator_matches_model_every_cycle() {
    SCRIPTS.verilator(
        "sixteen_lane_table_core_in_verilator_matches_model_every_cycle",
        table(16, 16),
        64,
    );
}

#[test]
fn sixty_four_lane_table_core_in_verilator_matches_model_every_cycle() {
    SCRIPTS.verilator(
        "sixty_four_lane_table_core_in_verilator_matches_model_every_cycle",
        table(64, 256),
        24,
    );
}

#[test]
fn four_lane_table_core_in_rust_hdl_matches_model_every_cycle() {
    SCRIPTS.rust_hdl(
        "four_lane_table_core_in_rust_hdl_matches_model_every_cycle",
        table(4, 8),
        12,
    );
}
