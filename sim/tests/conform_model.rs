//! The reference model passes every shared conformance vector (tests/data/vectors.jsonl).

use std::path::Path;

use atomik_sim::conform::{load_cases, model_target, run_cases_with_progress, Case};

#[test]
fn model_passes_every_conformance_vector() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/vectors.jsonl");
    let cases = load_cases(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cases.len(), 183, "vectors.jsonl should hold 183 cases");
    let tables = cases.iter().filter(|c| matches!(c, Case::Table(_))).count();
    assert!(tables > 0, "no table cases were parsed");

    let mut seen = 0;
    let report = run_cases_with_progress(&cases, &mut model_target, &mut |i, _, _| {
        assert_eq!(i, seen, "progress is reported once per case, in order");
        seen += 1;
    });
    for failure in &report.failures {
        eprintln!("{failure}");
    }
    println!("{}", report.summary_line());
    assert_eq!(report.failed, 0, "{}", report.summary_line());
    assert_eq!(report.skipped, 0, "the model supports every case");
    assert_eq!(report.passed, cases.len());
    assert_eq!(seen, cases.len());
    assert_eq!(report.summary_line(), "183 passed, 0 failed");
}
