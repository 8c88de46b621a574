//! The generated Verilog under Verilator, in lockstep with the cycle-exact model: every output
//! compared every cycle, on proptest scripts biased to pipeline hazards (shrunk and replayed
//! with a waveform on failure) and on a long random run.
//!
//! The Verilator models are built on first use and cached (~/.cache/atomik/verilator).

mod common;

use atomik_hdl::CoreConfig;
use atomik_sim::cosim::{run_lockstep, RandomStimulus};
use atomik_sim::cycle_model::CycleModel;
use atomik_sim::dut::Dut;
use atomik_sim::verilator_core::VerilatorCore;
use common::{assert_cosim, model, verilator};

#[test]
fn rtl_in_verilator_matches_model_every_cycle() {
    let config = CoreConfig::default();
    let stats = assert_cosim(
        "rtl_in_verilator_matches_model_every_cycle",
        config,
        256,
        200,
        verilator(config),
        model(config),
    );
    assert!(
        stats.commands > 0 && stats.responses > 0 && stats.resets > 0,
        "{stats:?}"
    );
}

/// A 2-entry table: every other command at least hits the address of the op in S1, so the
/// forwarding path is exercised on nearly every op.
#[test]
fn two_context_core_in_verilator_matches_model_every_cycle() {
    let config = CoreConfig::new(64, 2).unwrap();
    let stats = assert_cosim(
        "two_context_core_in_verilator_matches_model_every_cycle",
        config,
        128,
        200,
        verilator(config),
        model(config),
    );
    assert!(
        stats.commands > 0 && stats.responses > 0 && stats.resets > 0,
        "{stats:?}"
    );
}

#[test]
fn a_300k_cycle_random_run_in_verilator_matches_model_every_cycle() {
    const CYCLES: u64 = 300_000;
    let config = CoreConfig::default();
    let mut dut = VerilatorCore::new(config, false).unwrap_or_else(|e| panic!("{e}"));
    let mut model = CycleModel::new(config);
    // Seed chosen so the run includes resets (they are rare: 1 in 50 000 events).
    let mut stimulus = RandomStimulus::new(config, 0xA70_41C);
    let report = run_lockstep(
        &mut model,
        &mut [&mut dut as &mut dyn Dut],
        &mut stimulus,
        CYCLES,
        false,
    );
    println!(
        "verilator vs model: {} cycles, {} commands, {} responses, {} resets, {} mismatching \
         cycles, {:.2} s, {:.0} cycles/s",
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
    assert!(report.commands > 0, "{report:?}");
    assert!(report.responses > 0, "{report:?}");
    assert!(
        report.resets > 0,
        "no reset in the run: pick another seed; {report:?}"
    );
}
