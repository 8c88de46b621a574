//! The lockstep cases of the two context-table cores (table mode, shared mode), shared by
//! `cosim_table_lanes.rs` and `cosim_shared_lanes.rs`: proptest scripts of `MAX_EVENTS`
//! events through the RTL and the model (see `common`), each run required to have exercised
//! commands, responses and resets.

use crate::common::{assert_lanes_cosim, rust_hdl_lanes_core, verilator_lanes, CosimStats};
use atomik_hdl::lanes::LanesConfig;
use atomik_sim::verilator_core::VerilatorCore;

/// Events per script.
const MAX_EVENTS: usize = 200;

/// The scripts must have exercised commands, responses and resets.
fn assert_exercised(stats: &CosimStats) {
    assert!(
        stats.commands > 0 && stats.responses > 0 && stats.resets > 0,
        "{stats:?}"
    );
}

/// `cases` scripts on the Verilator model of `config`, built (or loaded from the cache) first
/// so a build failure names the configuration.
pub fn verilator_case(test_name: &str, config: LanesConfig, cases: u32) {
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

/// `cases` scripts on the rust-hdl simulation of `config` (slower per cycle: fewer cases).
pub fn rust_hdl_case(test_name: &str, config: LanesConfig, cases: u32) {
    let stats = assert_lanes_cosim(
        test_name,
        config,
        cases,
        MAX_EVENTS,
        rust_hdl_lanes_core(config),
    );
    assert_exercised(&stats);
}
