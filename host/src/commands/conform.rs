//! `atomik conform`: runs a conformance-vector file on the model or on simulated RTL.

use super::progress::Progress;
use anyhow::{bail, Result};
use atomik_hdl::config::SUPPORTED_WIDTHS;
use atomik_sim::backend::{Backend, RtlTargets};
use atomik_sim::conform::{model_target, run_cases_with_progress, Case, ConformReport};

/// Runs `cases` on `target`; RTL targets run every table case whose width the RTL is built
/// for, on a freshly reset core of `contexts` entries. Prints each failure and the summary.
pub fn run(
    cases: &[Case],
    target: Backend,
    contexts: u32,
    lanes: Option<u32>,
) -> Result<ConformReport> {
    let mut progress = Progress::new();
    let total = cases.len();
    let mut show = |i: usize, case: &Case, _: &_| {
        progress.update(&format!("conform: case {}/{total} {}", i + 1, case.name()));
    };
    let report = match target {
        Backend::Model => run_cases_with_progress(cases, &mut model_target, &mut show),
        rtl => {
            let mut targets = RtlTargets::new(rtl, contexts, SUPPORTED_WIDTHS);
            if let Some(n) = lanes {
                targets = targets.on_lanes(n);
            }
            let report =
                run_cases_with_progress(cases, &mut |w, c| targets.target(w, c), &mut show);
            if let Some(e) = targets.failure {
                bail!("cannot build the {rtl} core: {e}");
            }
            report
        }
    };
    progress.finish();
    for failure in &report.failures {
        println!("{failure}");
    }
    if report.skipped > 0 && target != Backend::Model {
        match lanes {
            Some(n) => println!(
                "note: {} table cases skipped: the {n}-lane table-mode core is built for width 64 and {contexts} contexts",
                report.skipped
            ),
            None => println!(
                "note: {} table cases skipped: the RTL is built for widths {:?} and {} contexts",
                report.skipped, SUPPORTED_WIDTHS, contexts
            ),
        }
    }
    println!("{}", report.summary_line());
    Ok(report)
}
