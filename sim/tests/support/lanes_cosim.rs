//! The lockstep cases of the multi-lane cores (single, table and shared mode), shared by
//! `cosim_lanes.rs`, `cosim_table_lanes.rs` and `cosim_shared_lanes.rs`: proptest scripts
//! through the RTL and the model (see `common`), each run required to have exercised commands,
//! responses and resets.

use crate::common::{assert_lanes_cosim, rust_hdl_lanes_core, verilator_lanes, CosimStats};
use atomik_hdl::lanes::LanesConfig;
use atomik_sim::verilator_core::VerilatorCore;
use std::time::Instant;

/// A test file's script shape.
pub struct Scripts {
    /// Events per script.
    pub max_events: usize,
}

/// The scripts must have exercised commands, responses and resets.
fn assert_exercised(stats: &CosimStats) {
    assert!(
        stats.commands > 0 && stats.responses > 0 && stats.resets > 0,
        "{stats:?}"
    );
}

impl Scripts {
    /// `cases` scripts on the Verilator model of `config`, built (or loaded from the cache)
    /// first, timed, so a build failure names the configuration and the first build shows in
    /// the output.
    pub fn verilator(&self, test_name: &str, config: LanesConfig, cases: u32) {
        let started = Instant::now();
        let core = VerilatorCore::lanes(config, false).unwrap_or_else(|e| {
            panic!("cannot build the Verilator model of {}: {e}", config.name())
        });
        println!(
            "{}: Verilator model ready in {:.2} s ({})",
            config.name(),
            started.elapsed().as_secs_f64(),
            core.cache_dir().display()
        );
        let stats = assert_lanes_cosim(
            test_name,
            config,
            cases,
            self.max_events,
            verilator_lanes(config),
        );
        assert_exercised(&stats);
    }

    /// `cases` scripts on the rust-hdl simulation of `config` (slower per cycle: fewer cases).
    pub fn rust_hdl(&self, test_name: &str, config: LanesConfig, cases: u32) {
        let stats = assert_lanes_cosim(
            test_name,
            config,
            cases,
            self.max_events,
            rust_hdl_lanes_core(config),
        );
        assert_exercised(&stats);
    }
}
