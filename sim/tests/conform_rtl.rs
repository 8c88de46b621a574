//! The shared conformance vectors (tests/data/vectors.jsonl) on the RTL: every 64-bit table
//! case the core can hold runs through the table driver on the core under Verilator and
//! under rust-hdl's simulator. Back-to-back same-address ops in the vectors go in at one per
//! clock, so they are pipeline-hazard cases here. Fingerprint and wire cases run on the model
//! code (the runner does that whatever the target), and are counted as passes.

use std::path::PathBuf;
use std::time::Instant;

use atomik_hdl::CoreConfig;
use atomik_sim::conform::{load_cases, run_cases, Case, ConformReport, TableOps};
use atomik_sim::dut::Dut;
use atomik_sim::rusthdl::rust_hdl_core;
use atomik_sim::table_driver::DutTable;
use atomik_sim::verilator_core::VerilatorCore;

/// Table cases larger than the default core are skipped.
const MAX_CONTEXTS: u64 = 256;

fn vectors() -> Vec<Case> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data/vectors.jsonl");
    load_cases(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn runs_on_rtl(width: u32, contexts: u64) -> bool {
    width == 64 && contexts <= MAX_CONTEXTS
}

/// The passes a full run must have: the 64-bit table cases that fit, plus every fingerprint
/// and wire case.
fn expected_passes(cases: &[Case]) -> usize {
    cases
        .iter()
        .filter(|c| match c {
            Case::Table(t) => runs_on_rtl(t.width, t.contexts),
            Case::Fingerprint(_) | Case::Wire(_) => true,
        })
        .count()
}

fn check(backend: &str, cases: &[Case], report: &ConformReport, seconds: f64) {
    let failures: Vec<String> = report.failures.iter().map(|f| f.to_string()).collect();
    println!(
        "conformance on {backend}: {} ({seconds:.1} s)",
        report.summary_line()
    );
    assert_eq!(report.failed, 0, "{backend}:\n{}", failures.join("\n"));
    let expected = expected_passes(cases);
    assert!(expected > 60, "too few RTL-runnable vectors: {expected}");
    assert_eq!(
        report.passed,
        expected,
        "{backend}: {}",
        report.summary_line()
    );
    assert_eq!(report.passed + report.skipped, cases.len());
}

#[test]
fn conformance_vectors_pass_on_the_core_in_verilator() {
    let cases = vectors();
    let started = Instant::now();
    let report = run_cases(&cases, &mut |width, contexts| {
        if !runs_on_rtl(width, contexts) {
            return None;
        }
        let core = VerilatorCore::new(CoreConfig::default(), false)
            .unwrap_or_else(|e| panic!("cannot build the Verilator core: {e}"));
        Some(Box::new(DutTable::new(Box::new(core), contexts)) as Box<dyn TableOps>)
    });
    check(
        "verilator",
        &cases,
        &report,
        started.elapsed().as_secs_f64(),
    );
}

#[test]
fn conformance_vectors_pass_on_the_core_in_rust_hdl() {
    let cases = vectors();
    let started = Instant::now();
    let report = run_cases(&cases, &mut |width, contexts| {
        if !runs_on_rtl(width, contexts) {
            return None;
        }
        let core: Box<dyn Dut> = rust_hdl_core(CoreConfig::new(64, 256).unwrap());
        Some(Box::new(DutTable::new(core, contexts)) as Box<dyn TableOps>)
    });
    check("rust-hdl", &cases, &report, started.elapsed().as_secs_f64());
}
