//! The core in rust-hdl's own simulator, in lockstep with the cycle-exact model (proptest
//! scripts biased to hazards; shrunk and replayed with a waveform on failure), and rust-hdl
//! and Verilator side by side on one random stimulus, both checked against the model every
//! cycle.
//!
//! rust-hdl's simulator is slower than Verilator (~2x10^5 cycles/s at 64 bits), but the
//! scripts are short: 256 cases take well under a second. The 8-bit core covers a width the
//! Verilator tests do not.

mod common;

use atomik_hdl::CoreConfig;
use atomik_sim::cosim::{run_lockstep, RandomStimulus};
use atomik_sim::cycle_model::CycleModel;
use atomik_sim::dut::Dut;
use atomik_sim::rusthdl::rust_hdl_core;
use atomik_sim::verilator_core::VerilatorCore;
use common::{assert_cosim, model, rust_hdl};

#[test]
fn rtl_in_rust_hdl_matches_model_every_cycle() {
    let config = CoreConfig::new(64, 4).unwrap();
    let stats = assert_cosim(
        "rtl_in_rust_hdl_matches_model_every_cycle",
        config,
        256,
        200,
        rust_hdl(config),
        model(config),
    );
    assert!(
        stats.commands > 0 && stats.responses > 0 && stats.resets > 0,
        "{stats:?}"
    );
}

#[test]
fn eight_bit_core_in_rust_hdl_matches_model_every_cycle() {
    let config = CoreConfig::new(8, 16).unwrap();
    let stats = assert_cosim(
        "eight_bit_core_in_rust_hdl_matches_model_every_cycle",
        config,
        256,
        200,
        rust_hdl(config),
        model(config),
    );
    assert!(
        stats.commands > 0 && stats.responses > 0 && stats.resets > 0,
        "{stats:?}"
    );
}

/// Both simulators of the same design, and the model, on one stimulus. The default
/// configuration (w64 c256) reuses the Verilator build the other tests cache.
#[test]
fn rust_hdl_and_verilator_agree_with_each_other_and_the_model_for_20k_cycles() {
    const CYCLES: u64 = 20_000;
    let config = CoreConfig::default();
    let mut verilator = VerilatorCore::new(config, false).unwrap_or_else(|e| panic!("{e}"));
    let mut rust_hdl = rust_hdl_core(config);
    let mut model = CycleModel::new(config);
    let mut stimulus = RandomStimulus::new(config, 0x5EED_2025);
    let report = run_lockstep(
        &mut model,
        &mut [&mut verilator as &mut dyn Dut, rust_hdl.as_mut()],
        &mut stimulus,
        CYCLES,
        false,
    );
    println!(
        "rust-hdl + verilator vs model: {} cycles, {} commands, {} responses, {} mismatching \
         cycles, {:.2} s, {:.0} cycles/s",
        report.cycles,
        report.commands,
        report.responses,
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
    assert_eq!((verilator.cycles(), rust_hdl.cycles()), (CYCLES, CYCLES));
    assert!(report.commands > CYCLES / 2, "{report:?}");
    assert!(report.responses > CYCLES / 10, "{report:?}");
}
