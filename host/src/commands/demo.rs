//! The main job, run by `atomik` with no arguments: generate the default core's Verilog,
//! build it with Verilator, co-simulate it against the model, run the conformance vectors on
//! it, then benchmark a simulated board (`sim://`) through the host library. Everything it needs is embedded or generated; it writes into `build/`.

use super::{conform, sim};
use anyhow::{Context, Result};
use atomik_hdl::export::core_verilog;
use atomik_hdl::CoreConfig;
use atomik_sim::backend::Backend;
use atomik_sim::conform::parse_cases;
use std::path::Path;

/// The shared conformance vectors, embedded so the main job runs from any directory.
const VECTORS: &str = include_str!("../../../tests/data/vectors.jsonl");
/// Random co-simulation length of the main job: long enough to hit every hazard many times,
/// short enough to finish in a second or two.
const DEMO_CYCLES: u64 = 2_000_000;

/// Runs the main job; returns whether everything agreed.
pub fn run(out_dir: &Path) -> Result<bool> {
    let config = CoreConfig::default();
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let verilog_path = out_dir.join(format!("atomik_{}.v", config.name()));

    println!(
        "[1/5] RTL: ATOMiK core, {} bits x {} contexts",
        config.width, config.contexts
    );
    let design = core_verilog(config)?;
    std::fs::write(&verilog_path, &design.verilog)
        .with_context(|| format!("cannot write {}", verilog_path.display()))?;
    println!("      Verilog written to {}", verilog_path.display());

    println!("[2/5] Verilator model (built on first use, then cached)");
    let options = sim::SimOptions {
        backend: Backend::Verilator,
        design: sim::Design::Core(config),
        cycles: DEMO_CYCLES,
        seed: 1,
        vcd: None,
    };
    println!("[3/5] co-simulation against the reference model, {DEMO_CYCLES} random cycles");
    let report = sim::simulate(&options)?;
    sim::print(&options, &report, false);

    println!("[4/5] conformance vectors (atomik-core 0.4.0) on the Verilator core");
    let cases = parse_cases(VECTORS, Path::new("tests/data/vectors.jsonl"))?;
    let conformance = conform::run(&cases, Backend::Verilator, config.contexts, None)?;

    println!(
        "[5/5] a simulated board on sim://: board top (UART link, 16-lane core, generator) in \
         Verilator, driven through its UART pins by the host library"
    );
    let bench = super::bench::run(&super::bench::BenchOptions {
        device: "sim://".into(),
        clocks: 100_000,
        link_deltas: 1_000,
        mhz: None,
        seed: 1,
        batch: atomik_hdl::link::frame::MAX_BATCH_DELTAS,
        plot: None,
        lanes: None,
    })?;
    super::bench::print(&bench);

    let ok = report.mismatches == 0 && conformance.failed == 0 && bench["verified"] == true;
    println!(
        "{}",
        if ok {
            "ATOMiK: RTL agrees with the model cycle for cycle, passes the vectors, and the simulated board's figures are verified."
        } else {
            "ATOMiK core: FAILED (see above)."
        }
    );
    Ok(ok)
}
