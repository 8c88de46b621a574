//! The table-mode multi-lane core (a block-RAM partial table per lane) against its model, cycle
//! by cycle, in Verilator and rust-hdl, and on the shared conformance vectors with ACCUMs
//! spread round-robin over the lanes.

use atomik_hdl::lanes::LanesConfig;
use atomik_sim::backend::{make_lanes_dut, Backend, RtlTargets};
use atomik_sim::conform::{load_cases, run_cases, Case};
use atomik_sim::cosim::{run_lockstep, LanesStimulus};

fn lockstep(backend: Backend, lanes: u32, contexts: u32, cycles: u64, seed: u64) {
    let config = LanesConfig::table(lanes, contexts).expect("valid table config");
    let mut model = make_lanes_dut(Backend::Model, config, false).expect("model");
    let mut dut = make_lanes_dut(backend, config, false).expect("backend builds");
    let mut stimulus = LanesStimulus::new(lanes, seed).with_contexts(contexts);
    let r = run_lockstep(
        model.as_mut(),
        &mut [dut.as_mut()],
        &mut stimulus,
        cycles,
        false,
    );
    assert_eq!(
        r.mismatches, 0,
        "{backend} table core, {lanes} lanes x {contexts} contexts: {:?}",
        r.first_mismatches
    );
    assert!(r.commands > cycles / 2 && r.responses > cycles / 5, "{r:?}");
    println!(
        "{backend} table {lanes}x{contexts}: {} cycles, {} commands, {} responses, {} resets",
        r.cycles, r.commands, r.responses, r.resets
    );
}

#[test]
fn table_mode_cores_in_verilator_match_the_model_every_cycle() {
    lockstep(Backend::Verilator, 1, 16, 60_000, 11);
    lockstep(Backend::Verilator, 4, 2, 60_000, 12);
    lockstep(Backend::Verilator, 16, 16, 60_000, 13);
    lockstep(Backend::Verilator, 64, 256, 30_000, 14);
}

#[test]
fn table_mode_core_in_rust_hdl_matches_the_model_every_cycle() {
    lockstep(Backend::RustHdl, 4, 4, 10_000, 21);
}

#[test]
fn conformance_vectors_pass_on_table_mode_cores_with_accums_spread_over_lanes() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/vectors.jsonl");
    let cases = load_cases(std::path::Path::new(path)).expect("vectors load");
    let expected = cases
        .iter()
        .filter(|c| match c {
            Case::Table(t) => t.width == 64 && t.contexts <= 256,
            _ => true,
        })
        .count();
    for lanes in [1, 16, 64] {
        let mut targets = RtlTargets::new(Backend::Verilator, 256, &[64]).on_lanes(lanes);
        let report = run_cases(&cases, &mut |w, c| targets.target(w, c));
        assert!(targets.failure.is_none(), "{:?}", targets.failure);
        assert_eq!(report.failed, 0, "{lanes} lanes: {:?}", report.failures);
        assert_eq!(
            report.passed,
            expected,
            "{lanes} lanes: {}",
            report.summary_line()
        );
        println!("{lanes} lanes: {}", report.summary_line());
    }
}
