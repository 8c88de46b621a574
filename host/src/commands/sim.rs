//! `atomik sim`: a random co-simulation of the RTL against the model, reporting mismatches
//! and simulated cycles per second (wall clock, with the model check on).

use super::progress::Progress;
use anyhow::{Context, Result};
use atomik_hdl::lanes::{LaneMode, LanesConfig};
use atomik_hdl::CoreConfig;
use atomik_sim::backend::{make_dut, make_lanes_dut, Backend};
use atomik_sim::cosim::{CosimReport, LanesStimulus, RandomStimulus, Stimulus};
use atomik_sim::cycle_model::CycleModel;
use atomik_sim::dut::Dut;
use atomik_sim::lanes_model::LanesModel;
use atomik_sim::pipelined::run_pipelined;
use atomik_sim::shared_lanes_model::SharedLanesModel;
use atomik_sim::table_lanes_model::TableLanesModel;
use serde_json::json;
use std::path::Path;

/// Which design a run simulates.
#[derive(Debug, Clone, Copy)]
pub enum Design {
    /// The single-lane core with its context table.
    Core(CoreConfig),
    /// The multi-lane core (single-context mode).
    Lanes(LanesConfig),
}

impl Design {
    fn describe(&self) -> String {
        match self {
            Design::Core(c) => format!("core w{} c{}", c.width, c.contexts),
            Design::Lanes(l) => format!(
                "{} lanes x {} bits, {} mode, {} contexts (tree register every {} levels, latency {})",
                l.lanes,
                l.width,
                match l.mode {
                    LaneMode::Single => "single-context",
                    LaneMode::Table => "table",
                    LaneMode::Shared => "shared-table",
                },
                l.contexts,
                l.register_every,
                l.tree_latency()
            ),
        }
    }
}

/// Options of one run.
pub struct SimOptions<'a> {
    pub backend: Backend,
    pub design: Design,
    pub cycles: u64,
    pub seed: u64,
    pub vcd: Option<&'a Path>,
}

/// Runs the co-simulation; the report's `mismatches` says whether the RTL agreed.
pub fn simulate(o: &SimOptions) -> Result<CosimReport> {
    let trace = o.vcd.is_some();
    // The reference side (model and stimulus) runs on its own thread: see
    // atomik_sim::pipelined. The backend under test stays on this one.
    let (mut dut, model, stimulus): (Box<dyn Dut>, Box<dyn Dut + Send>, Box<dyn Stimulus + Send>) =
        match o.design {
            Design::Core(c) => (
                make_dut(o.backend, c, trace)?,
                Box::new(CycleModel::new(c)),
                Box::new(RandomStimulus::new(c, o.seed)),
            ),
            Design::Lanes(l) => (
                make_lanes_dut(o.backend, l, trace)?,
                match l.mode {
                    LaneMode::Single => Box::new(LanesModel::new(l)),
                    LaneMode::Table => Box::new(TableLanesModel::new(l)),
                    LaneMode::Shared => Box::new(SharedLanesModel::new(l)),
                },
                Box::new(LanesStimulus::new(l.lanes, o.seed).with_contexts(l.contexts)),
            ),
        };
    if let Some(path) = o.vcd {
        dut.start_waveform(path)
            .with_context(|| format!("cannot start the waveform {}", path.display()))?;
    }
    let mut progress = Progress::new();
    let total = o.cycles;
    let report = run_pipelined(model, stimulus, dut.as_mut(), o.cycles, false, &mut |r| {
        progress.update(&format!(
            "sim {}: {}/{} cycles ({:.0}%), {} mismatches, {:.2} M cycles/s",
            o.backend,
            r.cycles,
            total,
            100.0 * r.cycles as f64 / total as f64,
            r.mismatches,
            r.cycles_per_sec() / 1e6
        ))
    });
    progress.finish();
    dut.finish_waveform();
    Ok(report)
}

/// Prints a report, as text or as one JSON object.
pub fn print(o: &SimOptions, r: &CosimReport, json: bool) {
    if json {
        let value = json!({
            "backend": o.backend.name(),
            "cycles": r.cycles,
            "mismatches": r.mismatches,
            "cycles_per_sec": r.cycles_per_sec(),
            "design": o.design.describe(),
            "lanes": match o.design { Design::Lanes(l) => l.lanes, Design::Core(_) => 1 },
            "seed": o.seed,
            "commands": r.commands,
            "responses": r.responses,
            "resets": r.resets,
            "wall_seconds": r.seconds,
            "checker": "every output every cycle against the model; model and stimulus on a second thread",
            "vcd": o.vcd.map(|p| p.display().to_string()),
            "first_mismatches": r.first_mismatches.iter().map(|m| json!({
                "cycle": m.cycle, "backend": m.backend, "detail": m.detail
            })).collect::<Vec<_>>(),
        });
        println!("{value}");
        return;
    }
    println!(
        "sim: {} {}, seed {}: {} cycles, {} commands, {} responses, {} resets",
        o.backend,
        o.design.describe(),
        o.seed,
        r.cycles,
        r.commands,
        r.responses,
        r.resets
    );
    for m in &r.first_mismatches {
        println!("  MISMATCH cycle {} ({}): {}", m.cycle, m.backend, m.detail);
    }
    println!("mismatches: {}", r.mismatches);
    println!(
        "speed: {:.2} M cycles/s (wall clock, every output checked against the model, which \
         runs on a second thread)",
        r.cycles_per_sec() / 1e6
    );
    if let Some(path) = o.vcd {
        println!("waveform: {}", path.display());
    }
}
