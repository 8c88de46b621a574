//! `atomik build`: a board bitstream (PLL, reset, UART link, multi-lane core with generator)
//! through the open flow, with a JSON report next to it. Fails when a tool is missing or
//! fails, or when the placed-and-routed design misses the clock the PLL gives.

use super::stage_bar::StageBar;
use anyhow::{bail, Result};
use atomik_boards::board::Board;
use atomik_boards::build::{build, BuildReport, BuildRequest};
use atomik_boards::{default_locator, Placer, Router};
use atomik_hdl::lanes::LanesConfig;
use std::path::PathBuf;

/// What `atomik build` was asked for.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub board: &'static Board,
    pub lanes: LanesConfig,
    pub mhz: f64,
    pub baud: u32,
    pub seed: u64,
    /// nextpnr's placer.
    pub placer: Placer,
    /// nextpnr's router.
    pub router: Router,
    /// The flow outputs go to `<out_dir>/<board>/<config>`.
    pub out_dir: PathBuf,
}

impl BuildOptions {
    pub fn request(&self) -> BuildRequest {
        BuildRequest {
            board: self.board,
            lanes: self.lanes,
            mhz: self.mhz,
            baud: self.baud,
            out_dir: self.out_dir.join(self.board.name).join(format!(
                "{}_{}mhz",
                self.lanes.name(),
                self.mhz
            )),
            seed: self.seed,
            placer: self.placer,
            router: self.router,
        }
    }
}

/// Runs one build with a stage progress bar.
pub fn run(opts: &BuildOptions) -> Result<BuildReport> {
    if !(opts.mhz.is_finite() && opts.mhz > 0.0) {
        bail!("--mhz must be a positive number of MHz, got {}", opts.mhz);
    }
    let req = opts.request();
    let mut bar = StageBar::new(&format!("build {} {}", opts.board.name, opts.lanes.name()));
    let report = build(&req, &default_locator, &mut |s| bar.stage(s));
    bar.finish();
    Ok(report?)
}

/// The human-readable summary.
pub fn summary(r: &BuildReport) -> String {
    let tools: Vec<String> = r.tools.iter().map(|(t, v)| format!("{t} {v}")).collect();
    format!(
        "board      {} ({})\n\
         design     {} lanes x {} bits, {} mode, {} context(s), {} groups per word copy\n\
         clock      PLL {:.3} MHz from {} MHz (asked {} MHz), UART {} baud\n\
         resources  {} LUT4, {} FF, {} BRAM{}\n\
         timing     Fmax {:.2} MHz vs target {:.3} MHz: {}\n\
         pnr        nextpnr seed {}, placer {}, router {}\n\
         throughput {:.2} Gops on chip (lanes x min(Fmax, target), generator-fed)\n\
         bitstream  {}\n\
         report     {}\n\
         tools      {}\n\
         wall       {:.1} s",
        r.board,
        r.device,
        r.lanes,
        r.width,
        r.mode,
        r.contexts,
        r.copy_fanout,
        r.target_mhz,
        r.pll.input_mhz,
        r.pll.requested_mhz,
        r.baud,
        r.luts,
        r.ffs,
        r.brams,
        // Gowin: what really fills the device (flip-flops without a LUT take a position).
        r.flow.logic_fill.map_or(String::new(), |f| format!(
            "; {} of {} LUT positions ({} %) with the {} flip-flops that take one alone",
            f.positions(),
            f.available,
            f.percent(),
            f.lone_ffs
        )),
        r.fmax_mhz,
        r.target_mhz,
        if r.timing_met { "met" } else { "MISSED" },
        r.flow.seed,
        r.flow.placer,
        r.flow.router,
        r.gops,
        r.bitstream.display(),
        r.bitstream
            .parent()
            .map(|d| d.join("report.json").display().to_string())
            .unwrap_or_default(),
        tools.join(", "),
        r.wall_seconds
    )
}
