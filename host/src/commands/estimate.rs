//! `atomik estimate`: LUT, FF, block RAM and Fmax of the multi-lane core on a board's device,
//! per lane count, from the open-toolchain flow (yosys, nextpnr).
//!
//! Each row generates the multi-lane core (single-context mode by default, or table mode with
//! `contexts` contexts; tree shape `register_every`), wraps it in the pin-light bench wrapper ([`atomik_boards::wrapper`]) and runs
//! [`atomik_boards::estimate_with`] on the device. That is an *estimate of the core on the
//! device*, not a board bitstream: the wrapper replaces the host link, and its registers are in
//! the figures (each row says how many). nextpnr reports the achieved Fmax whatever the target,
//! so the default target is high (300 MHz) and only decides `timing_met`; throughput is
//! `lanes x min(Fmax, target) / 1000` G deltas/s, so a row never claims more than the clock
//! it was asked to meet.
//!
//! The upstream figures for the same device come from [`BASELINES`] (the project's baseline
//! notes, `baseline.md`).

use anyhow::{bail, Context, Result};
use atomik_boards::board::{self, Board, BOARDS};
use atomik_boards::{default_locator, estimate_with, Family, FlowError, FlowReport, Port, Stage};
use atomik_hdl::lanes::export::lanes_verilog;
use atomik_hdl::lanes::{LaneMode, LanesConfig};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What the rows measure, in the JSON's `design` field and the text header.
pub const DESIGN: &str = "multi-lane core in the pin-light bench wrapper";

/// Said with every result: these are not board builds.
pub const ESTIMATE_NOTE: &str = "an ESTIMATE of the core on this device, not a board \
     bitstream: the pin-light wrapper stands in for the host link and its registers are \
     included in the LUT/FF figures";

/// How `gops` is computed.
pub const GOPS_RULE: &str = "gops = lanes x min(fmax_mhz, target_mhz) / 1000 (G deltas/s; \
     nextpnr reports the achieved Fmax whatever the target, the target caps the claim)";

/// The default clock target, MHz: above what these fabrics reach, so it never caps Fmax.
pub const DEFAULT_MHZ: f64 = 300.0;

/// Where the upstream figures come from.
pub const BASELINE_SOURCE: &str = "baseline.md (project notes, \"The figures to beat\"): \
     upstream ATOMiK Verilog placed and routed with the same open flows, banks fed on chip, \
     nextpnr post-route Fmax, Gops = banks x Fmax";

/// One upstream configuration on a device: `banks` banks at `fmax_mhz`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UpstreamRow {
    pub banks: u32,
    pub luts: u32,
    pub ffs: u32,
    pub fmax_mhz: f64,
    pub gops: f64,
}

/// The upstream figures for one device (from [`BASELINE_SOURCE`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Baseline {
    /// The board device this applies to ([`Board::device`]).
    pub device: &'static str,
    /// The name the notes use.
    pub label: &'static str,
    pub rows: &'static [UpstreamRow],
    /// The notes' reduce-then-accumulate prototype: (lanes, MHz, Gops).
    pub prototype: (u32, f64, f64),
    /// The published vendor-tool figure, where the notes give one for this device.
    pub published: Option<&'static str>,
}

impl Baseline {
    /// The upstream row with the highest Gops.
    pub fn peak(&self) -> &UpstreamRow {
        self.rows
            .iter()
            .max_by(|a, b| a.gops.total_cmp(&b.gops))
            .expect("every baseline has rows")
    }

    /// The upstream row with this many banks.
    pub fn at(&self, banks: u32) -> Option<&UpstreamRow> {
        self.rows.iter().find(|r| r.banks == banks)
    }

    /// The one-line note printed under the table.
    pub fn note(&self) -> String {
        let p = self.peak();
        let (pl, pm, pg) = self.prototype;
        let published = self
            .published
            .map(|s| format!("; published (vendor tools): {s}"))
            .unwrap_or_default();
        format!(
            "upstream on {}: peak {:.2} Gops ({} banks at {:.0} MHz, {} LUT, {} FF){published}; \
             the notes' reduce-then-accumulate prototype: {:.1} Gops ({pl} lanes at {pm:.0} MHz). \
             Source: {BASELINE_SOURCE}",
            self.label, p.gops, p.banks, p.fmax_mhz, p.luts, p.ffs, pg
        )
    }

    fn to_json(self) -> Value {
        let p = self.peak();
        json!({
            "source": BASELINE_SOURCE,
            "device": self.label,
            "upstream_peak_gops": p.gops,
            "upstream_peak_banks": p.banks,
            "upstream_peak_fmax_mhz": p.fmax_mhz,
            "published": self.published,
            "prototype": {
                "lanes": self.prototype.0,
                "fmax_mhz": self.prototype.1,
                "gops": self.prototype.2,
            },
            "upstream_rows": self.rows.iter().map(|r| json!({
                "banks": r.banks, "luts": r.luts, "ffs": r.ffs,
                "fmax_mhz": r.fmax_mhz, "gops": r.gops,
            })).collect::<Vec<_>>(),
        })
    }
}

const fn up(banks: u32, luts: u32, ffs: u32, fmax_mhz: f64, gops: f64) -> UpstreamRow {
    UpstreamRow {
        banks,
        luts,
        ffs,
        fmax_mhz,
        gops,
    }
}

/// The upstream figures per device, copied from [`BASELINE_SOURCE`].
pub const BASELINES: [Baseline; 3] = [
    Baseline {
        device: "GW1NR-LV9QN88PC6/I5",
        label: "GW1NR-9",
        rows: &[
            up(1, 181, 282, 309.0, 0.31),
            up(4, 439, 477, 295.0, 1.18),
            up(16, 1549, 1257, 203.0, 3.24),
            up(64, 5894, 4377, 60.0, 3.87),
        ],
        prototype: (64, 181.0, 11.6),
        published: Some("1.056 Gops (16 banks at 66 MHz, Tang Nano 9K)"),
    },
    Baseline {
        device: "hx8k",
        label: "iCE40 HX8K",
        rows: &[
            up(1, 175, 282, 203.0, 0.20),
            up(4, 437, 477, 161.0, 0.64),
            up(16, 1485, 1257, 118.0, 1.89),
            up(64, 5678, 4377, 83.0, 5.33),
        ],
        prototype: (64, 162.0, 10.4),
        published: None,
    },
    Baseline {
        device: "LFE5U-85F",
        label: "ECP5-85F",
        rows: &[
            up(1, 175, 282, 226.0, 0.23),
            up(4, 437, 477, 178.0, 0.71),
            up(16, 1487, 1257, 141.0, 2.26),
            up(64, 5718, 4377, 102.0, 6.56),
        ],
        prototype: (64, 178.0, 11.4),
        published: None,
    },
];

/// The upstream figures for a board's device, if the notes have them.
pub fn baseline_for(board: &Board) -> Option<&'static Baseline> {
    BASELINES.iter().find(|b| b.device == board.device)
}

fn board_list() -> String {
    BOARDS
        .iter()
        .map(|b| format!("{} ({} {})", b.name, b.family, b.device))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The board to estimate on: `--board NAME`, or `--family F --device D` for a bare device
/// (a board of that family with that device or name).
pub fn resolve_board(
    board: Option<&str>,
    family: Option<&str>,
    device: Option<&str>,
) -> Result<&'static Board> {
    match (board, family, device) {
        (Some(name), None, None) => board::by_name(name)
            .with_context(|| format!("unknown board `{name}`; the boards are: {}", board_list())),
        (None, Some(f), Some(d)) => {
            let family: Family = f.parse().map_err(anyhow::Error::msg)?;
            board::for_device(family, d).with_context(|| {
                format!(
                    "no {family} device `{d}`; the devices are: {}",
                    board_list()
                )
            })
        }
        (Some(_), _, _) => bail!("give either --board or --family with --device, not both"),
        _ => bail!(
            "give --board NAME or --family F --device D; the boards are: {}",
            board_list()
        ),
    }
}

/// What to estimate.
#[derive(Debug, Clone)]
pub struct EstimateOptions {
    pub board: &'static Board,
    pub lanes: Vec<u32>,
    pub width: u32,
    /// Single-context or table mode (table mode is width 64).
    pub mode: LaneMode,
    /// Contexts in table mode (ignored in single mode).
    pub contexts: u32,
    /// Merge-tree levels per pipeline register (1..=3).
    pub register_every: u32,
    /// Single mode: groups of three lanes per source word copy (1..=63; see
    /// `LanesConfig::copy_fanout`). Table and shared mode refuse any value but the default.
    pub copy_fanout: u32,
    pub target_mhz: f64,
    /// Each row's flow outputs go to `<out_dir>/<board>/<config name>`.
    pub out_dir: PathBuf,
}

/// One lane count's outcome.
#[derive(Debug)]
pub enum RowOutcome {
    Done(Box<FlowReport>),
    /// The flow ran but failed for this configuration (e.g. it does not fit the device);
    /// the message carries the tool, the command and the log tail.
    Failed(String),
}

/// One row of the table.
#[derive(Debug)]
pub struct Row {
    pub config: LanesConfig,
    pub out_dir: PathBuf,
    pub outcome: RowOutcome,
}

/// Why a flow failed, in one line: nextpnr's `ERROR` line and any over-full resource of its
/// utilisation summary (e.g. `ICESTORM_LC: 10627/ 7680 138%`) from the error's log tail; the
/// error's first line when neither is there.
pub fn failure_reason(error: &str) -> String {
    let why: Vec<String> = error
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line
                .split_whitespace()
                .filter(|w| *w != "|" && *w != "Info:")
                .collect();
            let over_full = words
                .last()
                .and_then(|w| w.strip_suffix('%')?.parse::<f64>().ok())
                .is_some_and(|pct| pct > 100.0);
            (over_full || words.first().is_some_and(|w| w.starts_with("ERROR")))
                .then(|| words.join(" "))
        })
        .collect();
    if why.is_empty() {
        error.lines().next().unwrap_or("").to_string()
    } else {
        why.join("; ")
    }
}

/// `lanes x min(fmax, target) / 1000`: G deltas/s at the clock the row may claim.
pub fn gops(lanes: u32, fmax_mhz: f64, target_mhz: f64) -> f64 {
    f64::from(lanes) * fmax_mhz.min(target_mhz) / 1000.0
}

impl Row {
    pub fn report(&self) -> Option<&FlowReport> {
        match &self.outcome {
            RowOutcome::Done(r) => Some(r),
            RowOutcome::Failed(_) => None,
        }
    }

    pub fn gops(&self) -> Option<f64> {
        self.report()
            .map(|r| gops(self.config.lanes, r.fmax_mhz, r.target_mhz))
    }

    fn to_json(&self, baseline: Option<&Baseline>) -> Value {
        let lanes = self.config.lanes;
        let upstream = baseline
            .and_then(|b| b.at(lanes))
            .map(|u| json!({"banks": u.banks, "fmax_mhz": u.fmax_mhz, "gops": u.gops}));
        let mut row = json!({
            "lanes": lanes,
            "width": self.config.width,
            "mode": mode_name(self.config.mode),
            "contexts": self.config.contexts,
            "register_every": self.config.register_every,
            "tree_latency": self.config.tree_latency(),
            "out_dir": self.out_dir,
            "upstream_same_banks": upstream,
        });
        let fields = match &self.outcome {
            RowOutcome::Failed(e) => json!({
                "ok": false,
                "reason": failure_reason(e),
                "error": e,
            }),
            RowOutcome::Done(r) => json!({
                "ok": true,
                "luts": r.luts,
                "ffs": r.ffs,
                "brams": r.brams,
                "ios": r.ios,
                "fmax_mhz": r.fmax_mhz,
                "fmax_kind": r.fmax_kind,
                "target_mhz": r.target_mhz,
                "timing_met": r.timing_met,
                "gops": gops(lanes, r.fmax_mhz, r.target_mhz),
                "wall_seconds": r.wall_seconds,
                "stage_seconds": r.stage_seconds.iter()
                    .map(|(s, t)| (s.name().to_string(), json!(t)))
                    .collect::<serde_json::Map<_, _>>(),
                "wrapper": r.wrapper,
                "utilisation": r.utilisation,
                "pnr_log": r.logs.iter().find(|(s, _)| *s == Stage::PlaceRoute).map(|(_, p)| p),
                "sources": r.sources.iter()
                    .map(|(k, v)| (k.clone(), json!(v)))
                    .collect::<serde_json::Map<_, _>>(),
                "notes": r.notes,
            }),
        };
        if let (Value::Object(row), Value::Object(f)) = (&mut row, fields) {
            row.extend(f);
        }
        row
    }
}

/// The wrapper ports for the multi-lane core's ports.
fn wrapper_ports(clock: &str, ports: &[atomik_hdl::export::TopPort]) -> Vec<Port> {
    std::iter::once(Port::clock(clock))
        .chain(ports.iter().map(|p| {
            if p.input {
                Port::input(p.name, p.width)
            } else {
                Port::output(p.name, p.width)
            }
        }))
        .collect()
}

/// Errors that concern every row (a missing tool, a bad request, an unwritable directory):
/// running the next lane count would only repeat them.
fn is_fatal(e: &FlowError) -> bool {
    matches!(
        e,
        FlowError::MissingTool { .. }
            | FlowError::InvalidRequest(_)
            | FlowError::Io { .. }
            | FlowError::Wrapper(_)
    )
}

/// Runs the flow for every lane count, one at a time, with a progress line per stage on
/// stderr. A configuration the flow fails on becomes a failed row; a missing tool stops
/// everything with the flow's error (which names the tool and the fix).
pub fn run(opts: &EstimateOptions) -> Result<Vec<Row>> {
    if !(opts.target_mhz.is_finite() && opts.target_mhz > 0.0) {
        bail!(
            "--mhz must be a positive number of MHz, got {}",
            opts.target_mhz
        );
    }
    if opts.lanes.is_empty() {
        bail!("--lanes needs at least one lane count");
    }
    let configs: Vec<LanesConfig> = opts
        .lanes
        .iter()
        .map(|&n| {
            let c = LanesConfig::new(n, opts.width, opts.register_every, opts.mode)?;
            match opts.mode {
                LaneMode::Single => Ok(c),
                LaneMode::Table | LaneMode::Shared => c.with_contexts(opts.contexts),
            }?
            .with_copy_fanout(opts.copy_fanout)
        })
        .collect::<Result<_, atomik_hdl::lanes::LanesError>>()?;
    let b = opts.board;
    let mut rows = Vec::new();
    for config in configs {
        let dir = opts.out_dir.join(b.name).join(config.name());
        let start = Instant::now();
        let say = |what: &str| {
            eprintln!(
                "estimate {} {}: {what} (+{:.1} s)",
                b.name,
                config.name(),
                start.elapsed().as_secs_f64()
            )
        };
        say("generating Verilog");
        let design = lanes_verilog(config)?;
        let ports = wrapper_ports(design.clock, &design.ports);
        let result = estimate_with(
            &design.verilog,
            "top",
            &ports,
            b.family,
            b.device,
            opts.target_mhz,
            &dir,
            &default_locator,
            &mut |stage| {
                say(match stage {
                    Stage::Synth => "synth",
                    Stage::PlaceRoute => "place-route",
                    Stage::Pack => "pack",
                })
            },
        );
        let outcome = match result {
            Ok(r) => {
                say(&format!(
                    "done: {} LUT, {} FF, Fmax {:.1} MHz",
                    r.luts, r.ffs, r.fmax_mhz
                ));
                RowOutcome::Done(Box::new(r))
            }
            Err(e) if is_fatal(&e) => return Err(e.into()),
            Err(e) => {
                say("FAILED");
                RowOutcome::Failed(format!("{e:#}"))
            }
        };
        rows.push(Row {
            config,
            out_dir: dir,
            outcome,
        });
    }
    Ok(rows)
}

/// Tool name and version, from the first completed row (every row uses the same tools).
fn tools(rows: &[Row]) -> Vec<(String, String)> {
    rows.iter()
        .find_map(Row::report)
        .map(|r| r.tools.clone())
        .unwrap_or_default()
}

/// The whole result as one JSON object with a `rows` array.
pub fn to_json(opts: &EstimateOptions, rows: &[Row]) -> Value {
    let b = opts.board;
    let baseline = baseline_for(b);
    let best = rows
        .iter()
        .filter_map(|r| Some((r.config.lanes, r.gops()?)))
        .max_by(|x, y| x.1.total_cmp(&y.1));
    json!({
        "command": "estimate",
        "design": DESIGN,
        "note": ESTIMATE_NOTE,
        "board": b.name,
        "family": b.family,
        "device": b.device,
        "package": b.package,
        "width": opts.width,
        "mode": mode_name(opts.mode),
        "target_mhz": opts.target_mhz,
        "gops_rule": GOPS_RULE,
        "tools": tools(rows).into_iter().map(|(k, v)| (k, json!(v))).collect::<serde_json::Map<_, _>>(),
        "rows": rows.iter().map(|r| r.to_json(baseline)).collect::<Vec<_>>(),
        "best": best.map(|(lanes, g)| json!({"lanes": lanes, "gops": g})),
        "baseline": baseline.map(|b| b.to_json()),
        "ok": rows.iter().all(|r| r.report().is_some()),
    })
}

/// The mode as the CLI spells it.
fn mode_name(mode: LaneMode) -> &'static str {
    match mode {
        LaneMode::Single => "single",
        LaneMode::Table => "table",
        LaneMode::Shared => "shared",
    }
}

fn rel(p: &Path) -> String {
    p.display().to_string()
}

/// The table, the notes and the tool versions, as text.
pub fn render(opts: &EstimateOptions, rows: &[Row]) -> String {
    let b = opts.board;
    let baseline = baseline_for(b);
    let mut out = format!(
        "atomik estimate: {DESIGN}, {} mode{}, {} bits, on {} ({} {} {})\n\
         This is {ESTIMATE_NOTE}.\n\n",
        mode_name(opts.mode),
        match opts.mode {
            LaneMode::Single => String::new(),
            LaneMode::Table | LaneMode::Shared => format!(" ({} contexts)", opts.contexts),
        },
        opts.width,
        b.name,
        b.family,
        b.device,
        b.package
    );
    out.push_str(&format!(
        "{:>5} {:>6} {:>6} {:>4} {:>8} {:<24} {:>6} {:>4} {:>7} {:>8} {:>7}\n",
        "lanes",
        "LUT",
        "FF",
        "BRAM",
        "Fmax",
        "fmax_kind",
        "target",
        "met",
        "Gops",
        "upstream",
        "wall s"
    ));
    for r in rows {
        let upstream = baseline
            .and_then(|bl| bl.at(r.config.lanes))
            .map(|u| format!("{:.2}", u.gops))
            .unwrap_or_else(|| "-".into());
        match &r.outcome {
            RowOutcome::Done(rep) => {
                let kind = serde_json::to_value(rep.fmax_kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "{:>5} {:>6} {:>6} {:>4} {:>8.1} {:<24} {:>6.0} {:>4} {:>7.2} {:>8} {:>7.1}\n",
                    r.config.lanes,
                    rep.luts,
                    rep.ffs,
                    rep.brams,
                    rep.fmax_mhz,
                    kind,
                    rep.target_mhz,
                    if rep.timing_met { "yes" } else { "no" },
                    gops(r.config.lanes, rep.fmax_mhz, rep.target_mhz),
                    upstream,
                    rep.wall_seconds
                ));
            }
            RowOutcome::Failed(e) => {
                out.push_str(&format!(
                    "{:>5} FAILED: {} (log in {})\n",
                    r.config.lanes,
                    failure_reason(e),
                    rel(&r.out_dir)
                ));
            }
        }
    }
    out.push('\n');
    out.push_str(&format!(
        "Fmax is nextpnr's achieved clock (MHz) whatever the target; {GOPS_RULE}.\n\
         upstream = the upstream design's Gops at the same bank count on this device.\n"
    ));
    if let Some(w) = rows.iter().find_map(|r| r.report()?.wrapper) {
        out.push_str(&format!(
            "Each row includes the wrapper: {} FFs ({} shift-register, {} output and reduction) \
             and about {} LUT4s.\n",
            w.ffs(),
            w.input_ffs,
            w.output_ffs,
            w.luts
        ));
    }
    if let Some(bl) = baseline {
        out.push_str(&bl.note());
        out.push('\n');
    }
    let t = tools(rows);
    if !t.is_empty() {
        let list: Vec<String> = t.iter().map(|(n, v)| format!("{n} {v}")).collect();
        out.push_str(&format!("tools: {}\n", list.join(", ")));
    }
    out.push_str(&format!(
        "flow outputs (logs, reports, critical path in pnr.log): {}\n",
        rel(&opts.out_dir.join(b.name))
    ));
    out
}

/// Prints the result: the table, or one JSON object.
pub fn print(opts: &EstimateOptions, rows: &[Row], json: bool) {
    if json {
        println!("{}", to_json(opts, rows));
    } else {
        print!("{}", render(opts, rows));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gops_is_capped_by_the_target() {
        assert!((gops(16, 200.0, 300.0) - 3.2).abs() < 1e-12);
        assert!((gops(16, 200.0, 100.0) - 1.6).abs() < 1e-12);
    }

    #[test]
    fn a_failure_reason_is_the_error_line_and_the_over_full_resource() {
        let e = "nextpnr-ice40 failed (exit status 255)\n  command: x\n  last lines:\n    \
                 | Info: \t         ICESTORM_LC: 10627/ 7680   138%\n    \
                 | Info: \t        ICESTORM_RAM:     0/   32     0%\n    \
                 | ERROR: Unable to place cell 'c', no BELs remaining\n";
        assert_eq!(
            failure_reason(e),
            "ICESTORM_LC: 10627/ 7680 138%; ERROR: Unable to place cell 'c', no BELs remaining"
        );
        assert_eq!(failure_reason("yosys failed\nmore"), "yosys failed");
    }

    #[test]
    fn every_board_has_a_baseline_and_the_peaks_match_the_notes() {
        for b in BOARDS {
            assert!(baseline_for(b).is_some(), "{}", b.name);
        }
        let gw = baseline_for(board::by_name("tang-nano-9k").unwrap()).unwrap();
        assert_eq!((gw.peak().banks, gw.peak().gops), (64, 3.87));
        assert!(gw.note().contains("peak 3.87 Gops"), "{}", gw.note());
        assert!(gw.note().contains("baseline.md"));
    }

    #[test]
    fn boards_resolve_by_name_or_family_and_device() {
        assert_eq!(
            resolve_board(Some("ulx3s"), None, None).unwrap().name,
            "ulx3s"
        );
        let b = resolve_board(None, Some("gowin"), Some("GW1NR-LV9QN88PC6/I5")).unwrap();
        assert_eq!(b.name, "tang-nano-9k");
        let e = resolve_board(Some("nope"), None, None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`nope`") && e.contains("tang-nano-9k") && e.contains("ulx3s"),
            "{e}"
        );
        let e = resolve_board(None, Some("ice40"), Some("up5k"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("`up5k`") && e.contains("alchitry-cu"), "{e}");
        assert!(resolve_board(None, Some("xilinx"), Some("x")).is_err());
        assert!(resolve_board(None, None, None).is_err());
    }
}
