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
#[path = "support/context_table_cosim.rs"]
mod context_table_cosim;

use atomik_hdl::lanes::LanesConfig;
use context_table_cosim::{rust_hdl_case, verilator_case};

/// A validated table-mode configuration.
fn table(lanes: u32, contexts: u32) -> LanesConfig {
    LanesConfig::table(lanes, contexts).expect("valid table config")
}

#[test]
fn one_lane_table_core_in_verilator_matches_model_every_cycle() {
    verilator_case(
        "one_lane_table_core_in_verilator_matches_model_every_cycle",
        table(1, 16),
        96,
    );
}

#[test]
fn two_lane_table_core_in_verilator_matches_model_every_cycle() {
    verilator_case(
        "two_lane_table_core_in_verilator_matches_model_every_cycle",
        table(2, 4),
        96,
    );
}

#[test]
fn sixteen_lane_table_core_in_verilator_matches_model_every_cycle() {
    verilator_case(
        "sixteen_lane_table_core_in_verilator_matches_model_every_cycle",
        table(16, 16),
        64,
    );
}

#[test]
fn sixty_four_lane_table_core_in_verilator_matches_model_every_cycle() {
    verilator_case(
        "sixty_four_lane_table_core_in_verilator_matches_model_every_cycle",
        table(64, 256),
        24,
    );
}

#[test]
fn four_lane_table_core_in_rust_hdl_matches_model_every_cycle() {
    rust_hdl_case(
        "four_lane_table_core_in_rust_hdl_matches_model_every_cycle",
        table(4, 8),
        12,
    );
}
