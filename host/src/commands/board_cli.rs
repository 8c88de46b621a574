//! The board subcommands' arguments (`boards`, `build`, `sweep`, `program`) and their
//! dispatch, flattened into the `atomik` command line.

use super::build::BuildOptions;
use anyhow::{bail, Context, Result};
use atomik_boards::board::{self, Board, BOARDS};
use atomik_hdl::lanes::{LaneMode, LanesConfig};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// The core clock asked for when `--mhz` is not given: one every listed board's default
/// build (16 lanes, single mode) meets with margin.
pub const DEFAULT_BUILD_MHZ: f64 = 100.0;

#[derive(Args, Clone, Debug)]
pub struct DesignArgs {
    /// The board (see `atomik boards`).
    #[arg(long)]
    pub board: String,
    /// single (one context in registers, most lanes), table (block-RAM partial tables) or
    /// shared (every lane of a clock into one context of a block-RAM context table).
    #[arg(long, default_value = "single")]
    pub mode: String,
    /// Datapath width in bits (8, 16, 32, 64; table and shared mode are 64).
    #[arg(long, default_value_t = 64)]
    pub width: u32,
    /// Contexts in table and shared mode (power of two, 2..=4096).
    #[arg(long, default_value_t = 256)]
    pub contexts: u32,
    /// Single mode: groups of three lanes fed by one copy of a source word (1..=63). Fewer groups per
    /// copy shorten the wires from the copies into the banks (8 helps large ECP5 builds) at
    /// 64 flip-flops per extra copy. On Gowin and iCE40 a flip-flop needs a LUT of its own,
    /// so every extra copy also takes 64 LUT positions: 63 (one copy per source) fits the
    /// most lanes there (docs/performance.md, "Session 12 board tops").
    #[arg(long, default_value_t = atomik_hdl::lanes::DEFAULT_COPY_FANOUT)]
    pub copy_fanout: u32,
    /// Merge-tree levels per pipeline register (1..=3).
    #[arg(long, default_value_t = atomik_hdl::lanes::DEFAULT_REGISTER_EVERY)]
    pub register_every: u32,
    /// Core clock wanted, MHz: the PLL gives the closest clock not above it, and nextpnr
    /// times the design against that clock.
    #[arg(long, default_value_t = DEFAULT_BUILD_MHZ)]
    pub mhz: f64,
    /// UART baud rate (default: the board's).
    #[arg(long)]
    pub baud: Option<u32>,
    /// nextpnr placer seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// nextpnr placer: default (nextpnr's own, HeAP), heap, static or sa. static is for
    /// ECP5 and iCE40 (there it runs the YoWASP nextpnr: Debian's 0.4 lacks it), not Gowin;
    /// on the 945-lane ULX3S top its placement routed where HeAP's stalled router1
    /// (docs/performance.md, "Session 20 board tops").
    #[arg(long, default_value = "default")]
    pub placer: atomik_boards::Placer,
    /// nextpnr router: default (nextpnr's own, router1 on iCE40 and ECP5), router1 or
    /// router2 (on this design's ECP5 builds router2 stopped converging where router1
    /// finished: docs/performance.md).
    #[arg(long, default_value = "default")]
    pub router: atomik_boards::Router,
    /// Outputs go to `<out-dir>/<board>/<configuration>`.
    #[arg(long, default_value = "build/boards")]
    pub out_dir: PathBuf,
    /// One JSON object instead of the summary.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand)]
pub enum BoardCommand {
    /// Lists the boards: device, package, clock, UART, programmer.
    Boards {
        #[arg(long)]
        json: bool,
    },
    /// Builds a board bitstream (PLL, UART link, multi-lane core with on-chip generator) with
    /// yosys + nextpnr + the family's packer, and writes report.json next to it. Fails when a
    /// tool is missing or fails, or when timing is missed.
    Build {
        #[command(flatten)]
        design: DesignArgs,
        /// Lanes (1..=1024; a power of two in table mode).
        #[arg(long, default_value_t = 16)]
        lanes: u32,
    },
    /// Builds for several lane counts and tabulates LUT, FF, BRAM, Fmax and Gops; `--plot`
    /// writes an SVG chart.
    Sweep {
        #[command(flatten)]
        design: DesignArgs,
        /// Lane counts, comma-separated.
        #[arg(long, value_delimiter = ',', default_values_t = [1u32, 4, 16, 64])]
        lanes: Vec<u32>,
        /// Write an SVG chart of Gops and Fmax against lanes.
        #[arg(long)]
        plot: Option<PathBuf>,
    },
    /// Benchmarks a device: verified on-chip generator run, link streaming rate against the
    /// link's ceiling, and op latency.
    Bench {
        /// The device (sim://[?lanes=N&mode=single|table&contexts=C&mhz=F],
        /// serial:///dev/ttyUSB1?baud=B).
        #[arg(long, default_value = "sim://")]
        device: String,
        /// Generator clocks for the on-chip run.
        #[arg(long, default_value_t = 100_000)]
        clocks: u64,
        /// Deltas streamed through the link.
        #[arg(long, default_value_t = 2_000)]
        link_deltas: u64,
        /// The core clock to quote the on-chip rate at, MHz (a build report's Fmax for a
        /// simulated board; required for hardware).
        #[arg(long)]
        mhz: Option<f64>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Deltas per batch frame for the link figure (1 to 64).
        #[arg(long, default_value_t = atomik_hdl::link::frame::MAX_BATCH_DELTAS)]
        batch: usize,
        /// Also measure every power-of-two batch size and write a chart of link rate against
        /// batch size, with the ceiling, to this SVG file.
        #[arg(long)]
        plot: Option<PathBuf>,
        /// One JSON object.
        #[arg(long)]
        json: bool,
        /// Lanes: a simulated device is built with N; a real board must report N in its
        /// STATUS lanes register.
        #[arg(long)]
        lanes: Option<u32>,
    },
    /// Loads a bitstream with openFPGALoader: SRAM by default, flash with --flash.
    Program {
        /// The board (see `atomik boards`).
        #[arg(long)]
        board: String,
        /// The bitstream (.fs for Gowin, .bin for iCE40, .bit for ECP5).
        file: PathBuf,
        /// Write the configuration flash (persists across power cycles) instead of SRAM.
        #[arg(long)]
        flash: bool,
        /// Print the exact command and do nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// The board named on the command line, or an error listing the boards.
pub fn board_named(name: &str) -> Result<&'static Board> {
    board::by_name(name).with_context(|| {
        format!(
            "unknown board `{name}`; the boards are: {} (and {} for `build`, which writes a \
             Vivado project)",
            BOARDS.iter().map(|b| b.name).collect::<Vec<_>>().join(", "),
            atomik_boards::xem7010::NAME
        )
    })
}

fn lanes_config(d: &DesignArgs, lanes: u32) -> Result<LanesConfig> {
    let mode = match d.mode.as_str() {
        "single" => LaneMode::Single,
        "table" => LaneMode::Table,
        "shared" => LaneMode::Shared,
        other => bail!("unknown --mode {other:?}: choose single, table or shared"),
    };
    let c = LanesConfig::new(lanes, d.width, d.register_every, mode)?;
    let c = match mode {
        LaneMode::Single => c,
        LaneMode::Table | LaneMode::Shared => c.with_contexts(d.contexts)?,
    };
    Ok(c.with_copy_fanout(d.copy_fanout)?)
}

fn options(d: &DesignArgs, lanes: LanesConfig) -> Result<BuildOptions> {
    let board = board_named(&d.board)?;
    Ok(BuildOptions {
        board,
        lanes,
        mhz: d.mhz,
        baud: d.baud.unwrap_or(board.baud),
        seed: d.seed,
        placer: d.placer,
        router: d.router,
        out_dir: d.out_dir.clone(),
    })
}

/// Runs a board subcommand; `Ok(false)` means it ran and failed (exit code 1).
pub fn dispatch(cmd: BoardCommand) -> Result<bool> {
    match cmd {
        BoardCommand::Boards { json } => {
            print!("{}", super::boards::render(json));
            if json {
                println!();
            }
            Ok(true)
        }
        BoardCommand::Build { design, lanes } if design.board == atomik_boards::xem7010::NAME => {
            let config = lanes_config(&design, lanes)?;
            let dir = design
                .out_dir
                .join(atomik_boards::xem7010::NAME)
                .join(format!("{}_{}mhz", config.name(), design.mhz));
            let (report, ok) = super::xem7010::run(config, design.mhz, &dir)?;
            if design.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "XEM7010 Vivado project in {}
{}",
                    dir.display(),
                    report["note"].as_str().unwrap_or("")
                );
            }
            Ok(ok)
        }
        BoardCommand::Build { design, lanes } => {
            let opts = options(&design, lanes_config(&design, lanes)?)?;
            let report = super::build::run(&opts)?;
            if design.json {
                println!("{}", report.to_json());
            } else {
                println!("{}", super::build::summary(&report));
            }
            if !report.timing_met {
                let pnr_log = report
                    .flow
                    .logs
                    .iter()
                    .find(|(s, _)| *s == atomik_boards::Stage::PlaceRoute)
                    .map(|(_, p)| p.display().to_string())
                    .unwrap_or_default();
                if report.flow.timing_met {
                    // The core clock met its target: the domain that failed is the link's,
                    // clocked by the board's oscillator, which --mhz and lanes do not change.
                    let link = report
                        .notes
                        .iter()
                        .find(|n| n.starts_with("link clock"))
                        .map(String::as_str)
                        .unwrap_or("link clock: no figure");
                    eprintln!(
                        "atomik: error: timing missed in the link clock domain ({link}, below \
                         the board's oscillator); the core clock reached {:.2} MHz of the {:.3} \
                         MHz needed, and --mhz or fewer lanes do not change the link's paths \
                         (critical path in {pnr_log}); the bitstream is kept only for \
                         inspection as {}",
                        report.fmax_mhz,
                        report.target_mhz,
                        report.bitstream.display()
                    );
                } else {
                    // Placement differs by seed, and near a full device so does Fmax, by
                    // several MHz (96 lanes on the GW1NR-9 placed at an estimated 104.4 MHz
                    // with seed 1 and 114.8 with seed 2).
                    eprintln!(
                        "atomik: error: timing missed: {:.2} MHz reached, {:.3} MHz needed; \
                         build with --mhz {:.0} or fewer lanes, or try another placer seed with \
                         --seed {} (Fmax varies by seed); critical path in {pnr_log}; the \
                         bitstream is kept only for inspection as {}",
                        report.fmax_mhz,
                        report.target_mhz,
                        report.fmax_mhz.floor(),
                        report.flow.seed + 1,
                        report.bitstream.display()
                    );
                }
            }
            Ok(report.timing_met)
        }
        BoardCommand::Sweep {
            design,
            lanes,
            plot,
        } => {
            if lanes.is_empty() {
                bail!("--lanes needs at least one lane count");
            }
            // Refused before minutes of builds, not after them.
            if !(design.mhz.is_finite() && design.mhz > 0.0) {
                bail!("--mhz must be a positive number of MHz, got {}", design.mhz);
            }
            if let Some(path) = &plot {
                let dir = path.parent().unwrap_or(std::path::Path::new(""));
                if !dir.as_os_str().is_empty() && !dir.is_dir() {
                    bail!(
                        "--plot {}: the directory {} does not exist",
                        path.display(),
                        dir.display()
                    );
                }
            }
            let configs: Vec<LanesConfig> = lanes
                .iter()
                .map(|&n| lanes_config(&design, n))
                .collect::<Result<_>>()?;
            let base = options(&design, configs[0])?;
            let rows = super::sweep::run(&base, &configs)?;
            if let Some(path) = &plot {
                std::fs::write(path, super::sweep::plot(&base, &rows))
                    .with_context(|| format!("writing the plot to {}", path.display()))?;
                eprintln!("plot written to {}", path.display());
            }
            if design.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&super::sweep::to_json(&base, &rows))?
                );
            } else {
                print!("{}", super::sweep::table(&base, &rows));
            }
            Ok(rows.iter().all(|r| r.result.is_ok()))
        }
        BoardCommand::Bench {
            device,
            clocks,
            link_deltas,
            mhz,
            seed,
            batch,
            plot,
            json,
            lanes,
        } => {
            let v = super::bench::run(&super::bench::BenchOptions {
                device,
                clocks,
                link_deltas,
                mhz,
                seed,
                batch,
                plot,
                lanes,
            })?;
            if json {
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                super::bench::print(&v);
            }
            Ok(v["verified"] == true)
        }
        BoardCommand::Program {
            board,
            file,
            flash,
            dry_run,
        } => {
            let b = board_named(&board)?;
            let line = super::program::run(b, &file, flash, dry_run)?;
            if dry_run {
                println!("{line}");
            } else {
                eprintln!("programmed: {line}");
            }
            Ok(true)
        }
    }
}
