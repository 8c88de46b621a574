//! `atomik sim --generator`: an on-chip throughput run in simulation, verified against the
//! host's prediction. It reports what a board would do at a given clock; the clock itself comes
//! from place and route (`atomik build`), not from the simulator.

use super::progress::Progress;
use anyhow::Result;
use atomik_sim::backend::{make_lanes_dut, Backend};
use atomik_sim::onchip::{run_generator, OnChipReport, OnChipRequest};
use serde_json::json;

/// Runs the generator on `backend` and returns the verified report.
pub fn run(backend: Backend, request: OnChipRequest) -> Result<OnChipReport> {
    let dut = make_lanes_dut(backend, request.config, false)?;
    let mut progress = Progress::new();
    let report = run_generator(dut, request, &mut |done, total| {
        progress.update(&format!(
            "generator: {done}/{total} clocks ({:.0}%)",
            100.0 * done as f64 / total.max(1) as f64
        ))
    });
    progress.finish();
    Ok(report)
}

/// Prints a report, as text or one JSON object.
pub fn print(backend: Backend, r: &OnChipReport, mhz: f64, json: bool) {
    let q = &r.request;
    if json {
        println!(
            "{}",
            json!({
                "backend": backend.name(),
                "lanes": q.config.lanes,
                "width": q.config.width,
                "active_lanes": atomik_hdl::lanes::lane::active_lanes(q.config.lanes, q.active_lanes),
                "verified": r.verified,
                "deltas": r.gen_deltas,
                "clocks": r.gen_clocks,
                "mhz": mhz,
                "gops_at_mhz": r.gops_at_mhz(mhz),
                "state": format!("{:#x}", r.state),
                "predicted": format!("{:#x}", r.predicted),
                "identity_ok": r.identity_ok,
                "sim_cycles": r.sim_cycles,
                "sim_cycles_per_sec": r.sim_cycles_per_sec(),
                "wall_seconds": r.wall_seconds,
                "seed": q.seed,
            })
        );
        return;
    }
    println!(
        "generator on {backend}: {} lanes x {} bits, {} clocks, seed {:#x}",
        q.config.lanes, q.config.width, q.clocks, q.seed
    );
    println!(
        "  core counters: {} clocks, {} deltas ({:.1} per clock)",
        r.gen_clocks,
        r.gen_deltas,
        r.deltas_per_clock()
    );
    println!(
        "  state {:#x}, predicted {:#x}: {}",
        r.state,
        r.predicted,
        if r.verified { "verified" } else { "MISMATCH" }
    );
    println!(
        "  at {mhz} MHz this design absorbs {:.2} G deltas/s (a projection: the clock must come from place and route)",
        r.gops_at_mhz(mhz)
    );
    println!(
        "  simulated {} clocks in {:.2} s ({:.2} M cycles/s)",
        r.sim_cycles,
        r.wall_seconds,
        r.sim_cycles_per_sec() / 1e6
    );
}
