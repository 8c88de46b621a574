//! `atomik sweep`: board builds across lane counts, one at a time, as a table (or JSON) and an
//! optional SVG chart of Gops and Fmax against lanes. Rows that miss the clock they were
//! built for keep their measured Fmax (the sweep measures; `atomik build --mhz` at or below
//! that Fmax makes the bitstream to use), and their Gops is capped by the target as always.

use super::build::BuildOptions;
use super::plot::{sweep_svg, PlotPoint};
use anyhow::Result;
use atomik_boards::build::{BuildReport, LANES_NOTE};
use atomik_hdl::lanes::LanesConfig;
use serde_json::{json, Value};

/// One lane count's outcome: a report, or the error that stopped that build.
pub struct SweepRow {
    pub config: LanesConfig,
    pub result: Result<BuildReport, String>,
}

/// Builds every configuration in turn. A missing tool stops the sweep (every row would fail
/// the same way); any other failure (e.g. the design does not fit) becomes that row's result.
pub fn run(base: &BuildOptions, configs: &[LanesConfig]) -> Result<Vec<SweepRow>> {
    let mut rows = Vec::new();
    for (i, &config) in configs.iter().enumerate() {
        eprintln!(
            "sweep {}: {}/{} {}",
            base.board.name,
            i + 1,
            configs.len(),
            config.name()
        );
        let opts = BuildOptions {
            lanes: config,
            ..base.clone()
        };
        match super::build::run(&opts) {
            Ok(r) => rows.push(SweepRow {
                config,
                result: Ok(r),
            }),
            Err(e) => {
                let text = format!("{e:#}");
                if text.contains("was not found") {
                    return Err(e);
                }
                rows.push(SweepRow {
                    config,
                    result: Err(super::estimate::failure_reason(&text)),
                });
            }
        }
    }
    Ok(rows)
}

/// The row with the most Gops among builds that met timing.
pub fn best(rows: &[SweepRow]) -> Option<&BuildReport> {
    rows.iter()
        .filter_map(|r| r.result.as_ref().ok())
        .filter(|r| r.timing_met)
        .max_by(|a, b| a.gops.total_cmp(&b.gops))
}

/// LUTs and FFs added per lane between consecutive successful rows: roughly constant when
/// every lane is physically present.
pub fn per_lane_growth(rows: &[SweepRow]) -> Vec<(u32, u32, f64, f64)> {
    let ok: Vec<&BuildReport> = rows.iter().filter_map(|r| r.result.as_ref().ok()).collect();
    ok.windows(2)
        .map(|w| {
            let dl = (w[1].lanes - w[0].lanes) as f64;
            (
                w[0].lanes,
                w[1].lanes,
                (w[1].luts as f64 - w[0].luts as f64) / dl,
                (w[1].ffs as f64 - w[0].ffs as f64) / dl,
            )
        })
        .collect()
}

pub fn plot(base: &BuildOptions, rows: &[SweepRow]) -> String {
    let first = rows.first().map(|r| r.config);
    let title = format!(
        "ATOMiK on {} ({}): {} mode, {} bits, asked {} MHz",
        base.board.title,
        base.board.device,
        first
            .map(|c| format!("{:?}", c.mode).to_lowercase())
            .unwrap_or_default(),
        first.map(|c| c.width).unwrap_or(64),
        base.mhz
    );
    let points: Vec<PlotPoint> = rows
        .iter()
        .map(|r| PlotPoint {
            lanes: r.config.lanes,
            gops: r.result.as_ref().ok().map(|b| b.gops),
            fmax_mhz: r.result.as_ref().ok().map(|b| b.fmax_mhz),
        })
        .collect();
    sweep_svg(&title, &points)
}

pub fn to_json(base: &BuildOptions, rows: &[SweepRow]) -> Value {
    let row = |r: &SweepRow| match &r.result {
        Ok(b) => json!({
            "lanes": b.lanes, "mode": b.mode, "width": b.width, "contexts": b.contexts,
            "luts": b.luts, "ffs": b.ffs, "brams": b.brams, "fmax_mhz": b.fmax_mhz,
            "target_mhz": b.target_mhz, "timing_met": b.timing_met, "gops": b.gops,
            "wall_seconds": b.wall_seconds, "bitstream": b.bitstream,
            "tools": b.tools, "sources": b.sources,
        }),
        Err(e) => json!({ "lanes": r.config.lanes, "error": e }),
    };
    json!({
        "board": base.board.name,
        "device": base.board.device,
        "asked_mhz": base.mhz,
        "gops_rule": "lanes x min(fmax_mhz, target_mhz) / 1000, target = the PLL clock",
        "lanes_note": LANES_NOTE,
        "rows": rows.iter().map(row).collect::<Vec<_>>(),
        "per_lane_growth": per_lane_growth(rows).iter().map(|(a, b, l, f)| json!({
            "from_lanes": a, "to_lanes": b, "luts_per_lane": l, "ffs_per_lane": f,
        })).collect::<Vec<_>>(),
        "best_met": best(rows).map(|b| json!({"lanes": b.lanes, "gops": b.gops, "fmax_mhz": b.fmax_mhz, "target_mhz": b.target_mhz})),
    })
}

pub fn table(base: &BuildOptions, rows: &[SweepRow]) -> String {
    let mut out = format!(
        "{} ({}), asked {} MHz; Gops = lanes x min(Fmax, PLL clock)\n\
         {:>6} {:>7} {:>7} {:>5} {:>9} {:>9} {:>6} {:>8} {:>8}\n",
        base.board.title,
        base.board.device,
        base.mhz,
        "lanes",
        "LUT4",
        "FF",
        "BRAM",
        "Fmax MHz",
        "PLL MHz",
        "timing",
        "Gops",
        "wall s"
    );
    for r in rows {
        match &r.result {
            Ok(b) => out.push_str(&format!(
                "{:>6} {:>7} {:>7} {:>5} {:>9.2} {:>9.3} {:>6} {:>8.2} {:>8.1}\n",
                b.lanes,
                b.luts,
                b.ffs,
                b.brams,
                b.fmax_mhz,
                b.target_mhz,
                if b.timing_met { "met" } else { "missed" },
                b.gops,
                b.wall_seconds
            )),
            Err(e) => out.push_str(&format!("{:>6}  failed: {e}\n", r.config.lanes)),
        }
    }
    for (a, b, l, f) in per_lane_growth(rows) {
        out.push_str(&format!(
            "lanes {a} -> {b}: {l:.1} LUT4 and {f:.1} FF per added lane\n"
        ));
    }
    match best(rows) {
        Some(b) => out.push_str(&format!(
            "best that met timing: {} lanes, {:.2} Gops at {:.3} MHz\n",
            b.lanes, b.gops, b.target_mhz
        )),
        None => out.push_str("no row met timing at the asked clock\n"),
    }
    out.push_str(&format!("why the lanes are real: {LANES_NOTE}\n"));
    out
}
