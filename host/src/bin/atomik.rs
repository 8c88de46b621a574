//! `atomik`: the ATOMiK command line. Parses arguments and calls `atomik_host::commands`.

use anyhow::Result;
use atomik_hdl::lanes::{LaneMode, LanesConfig};
use atomik_hdl::CoreConfig;
use atomik_host::commands;
use atomik_sim::backend::Backend;
use atomik_sim::conform::load_cases;
use atomik_sim::onchip::OnChipRequest;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "atomik",
    version,
    about = "ATOMiK delta-state hardware: RTL, simulation, conformance and tools",
    long_about = "ATOMiK delta-state hardware: RTL, simulation, conformance and tools.\n\n\
                  With no subcommand, runs the main job: generate the default core, build it \
                  with Verilator, co-simulate it against the reference model and run the \
                  conformance vectors."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(clap::Args, Clone, Copy)]
struct CoreArgs {
    /// Datapath width in bits (8, 16, 32 or 64).
    #[arg(long, default_value_t = 64)]
    width: u32,
    /// Contexts in the table (a power of two, 2..=4096).
    #[arg(long, default_value_t = 256)]
    contexts: u32,
}

impl CoreArgs {
    fn config(self) -> Result<CoreConfig> {
        Ok(CoreConfig::new(self.width, self.contexts)?)
    }
}

#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Board(commands::board_cli::BoardCommand),
    #[command(flatten)]
    Records(commands::records::RecordCommand),
    #[command(flatten)]
    Link(commands::link_cli::LinkCommand),
    /// The main job (the default): RTL -> Verilator -> co-simulation -> conformance.
    Demo {
        /// Where the generated Verilog goes.
        #[arg(long, default_value = "build")]
        out_dir: PathBuf,
    },
    /// Lists every tool the project uses, its version, and exactly what is missing.
    Doctor {
        /// One JSON object instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// Writes the core's Verilog (module `top`).
    Verilog {
        #[command(flatten)]
        core: CoreArgs,
        /// Output file.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
    /// Runs a conformance-vector file (JSON lines, see docs/semantics.md).
    Conform {
        /// The vectors file, e.g. tests/data/vectors.jsonl.
        file: PathBuf,
        /// What to run the table cases on: model, rust-hdl or verilator.
        #[arg(long, default_value = "model")]
        target: Backend,
        /// Contexts of the RTL core the table cases run on (cases needing more are skipped).
        #[arg(long, default_value_t = 256)]
        contexts: u32,
        /// Run on the table-mode multi-lane core with N lanes (width-64 cases; ACCUMs go
        /// round-robin over the lanes, READ/SWAP merge every lane).
        #[arg(long)]
        lanes: Option<u32>,
    },
    /// Random co-simulation of the RTL against the model, cycle by cycle.
    Sim {
        /// rust-hdl or verilator (model runs the model against itself).
        #[arg(long, default_value = "verilator")]
        backend: Backend,
        #[command(flatten)]
        core: CoreArgs,
        /// Clock cycles to simulate.
        #[arg(long, default_value_t = 1_000_000)]
        cycles: u64,
        /// Stimulus seed (same seed, same run).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write a VCD waveform of the RTL (GTKWave, Surfer).
        #[arg(long)]
        vcd: Option<PathBuf>,
        /// One JSON object: backend, cycles, mismatches, cycles_per_sec, ...
        #[arg(long)]
        json: bool,
        /// Simulate the multi-lane core with this many lanes (1..=1024; a power of two in table mode)
        /// instead of the single-lane core.
        #[arg(long)]
        lanes: Option<u32>,
        /// Merge-tree levels per pipeline register (multi-lane core).
        #[arg(long, default_value_t = atomik_hdl::lanes::DEFAULT_REGISTER_EVERY)]
        register_every: u32,
        /// Multi-lane mode: single (one context in registers), table (a block-RAM partial
        /// table per lane, --contexts contexts, width 64) or shared (every lane of a clock
        /// into one context of a block-RAM context table, --contexts contexts, width 64).
        #[arg(long, default_value = "single")]
        mode: String,
        /// Run the on-chip generator and verify the state against the prediction
        /// (needs --lanes) instead of a random co-simulation.
        #[arg(long)]
        generator: bool,
        /// Generator clocks (with --generator).
        #[arg(long, default_value_t = 1_000_000)]
        clocks: u64,
        /// Active lanes (with --generator; default: all). The hardware enables lanes in banks
        /// of twelve, so a count that is not a multiple of 12 runs the next multiple of 12 (at
        /// most the lane count).
        #[arg(long)]
        active_lanes: Option<u32>,
        /// Clock to project the on-chip rate at, in MHz (with --generator).
        #[arg(long, default_value_t = 100.0)]
        mhz: f64,
    },
    /// Estimates the multi-lane core on a board's device with the open flow (yosys, nextpnr):
    /// LUT, FF, BRAM, Fmax and Gops per lane count. The core sits in the pin-light bench
    /// wrapper: an estimate of the core on that device, not a board bitstream.
    Estimate {
        /// The board: tang-nano-9k, alchitry-cu or ulx3s.
        #[arg(long)]
        board: Option<String>,
        /// A bare device instead of --board: its family (ice40, ecp5, gowin), with --device.
        #[arg(long, requires = "device", conflicts_with = "board")]
        family: Option<String>,
        /// A bare device instead of --board (e.g. hx8k, LFE5U-85F, GW1NR-LV9QN88PC6/I5).
        #[arg(long, requires = "family", conflicts_with = "board")]
        device: Option<String>,
        /// Lane counts, comma-separated (powers of two); one place-and-route run each.
        #[arg(long, value_delimiter = ',', default_values_t = [1u32, 16, 64])]
        lanes: Vec<u32>,
        /// Datapath width in bits (8, 16, 32 or 64).
        #[arg(long, default_value_t = 64)]
        width: u32,
        /// Multi-lane mode: single (one context in registers), table (a block-RAM partial
        /// table per lane, --contexts contexts, width 64) or shared (every lane of a clock
        /// into one context of a block-RAM context table, --contexts contexts, width 64).
        #[arg(long, default_value = "single")]
        mode: String,
        /// Contexts in table and shared mode (a power of two, 2..=4096).
        #[arg(long, default_value_t = 256)]
        contexts: u32,
        /// Merge-tree levels per pipeline register (1..=3).
        #[arg(long, default_value_t = atomik_hdl::lanes::DEFAULT_REGISTER_EVERY)]
        register_every: u32,
        /// Single mode: groups of three lanes fed by one copy of a source word (1..=63); as for
        /// `atomik build`.
        #[arg(long, default_value_t = atomik_hdl::lanes::DEFAULT_COPY_FANOUT)]
        copy_fanout: u32,
        /// Clock target in MHz (nextpnr reports the achieved Fmax regardless; Gops uses
        /// min(Fmax, target)).
        #[arg(long, default_value_t = commands::estimate::DEFAULT_MHZ)]
        mhz: f64,
        /// One JSON object with a `rows` array instead of the table.
        #[arg(long)]
        json: bool,
        /// Where each row's flow outputs go (`<dir>/<board>/<config>`).
        #[arg(long, default_value = "build/estimate")]
        out_dir: PathBuf,
    },
    /// Proves the RTL's properties by k-induction with SymbiYosys (solver boolector); exits 1
    /// if any proof fails or does not close, 2 if a tool is missing.
    Prove {
        /// Run only this proof (core, bridge, lanes, handshake, table, queue).
        #[arg(long)]
        only: Option<String>,
        /// One JSON object with a `proofs` array instead of the table.
        #[arg(long)]
        json: bool,
        /// Where each proof's Verilog, harness, job and logs go (`<dir>/<proof>/`).
        #[arg(long, default_value = commands::prove::DEFAULT_OUT_DIR)]
        out_dir: PathBuf,
    },
}

fn run(cli: Cli) -> Result<bool> {
    match cli.command.unwrap_or(Command::Demo {
        out_dir: PathBuf::from("build"),
    }) {
        Command::Demo { out_dir } => commands::demo::run(&out_dir),
        Command::Board(cmd) => commands::board_cli::dispatch(cmd),
        Command::Records(cmd) => commands::records::dispatch(cmd),
        Command::Link(cmd) => commands::link_cli::dispatch(cmd),
        Command::Doctor { json } => Ok(commands::doctor::run(json)),
        Command::Prove {
            only,
            json,
            out_dir,
        } => {
            let outcomes = commands::prove::run(only.as_deref(), &out_dir)?;
            commands::prove::print(&outcomes, json);
            Ok(outcomes
                .iter()
                .all(|o| o.verdict == commands::prove::Verdict::Proved))
        }
        Command::Verilog { core, output } => {
            commands::verilog::run(core.config()?, &output)?;
            Ok(true)
        }
        Command::Conform {
            file,
            target,
            contexts,
            lanes,
        } => {
            if let Some(n) = lanes {
                LanesConfig::table(n, contexts)?;
            }
            let cases = load_cases(&file)?;
            Ok(commands::conform::run(&cases, target, contexts, lanes)?.failed == 0)
        }
        Command::Sim {
            backend,
            core,
            cycles,
            seed,
            vcd,
            json,
            lanes,
            register_every,
            mode,
            generator,
            clocks,
            active_lanes,
            mhz,
        } => {
            let lane_mode = match mode.as_str() {
                "single" => LaneMode::Single,
                "table" => LaneMode::Table,
                "shared" => LaneMode::Shared,
                other => anyhow::bail!("unknown --mode {other:?}: choose single, table or shared"),
            };
            let lanes_config = lanes
                .map(|n| {
                    LanesConfig::new(n, core.width, register_every, lane_mode)
                        .and_then(|c| c.with_contexts(core.contexts))
                })
                .transpose()?;
            if generator {
                let Some(config) = lanes_config else {
                    anyhow::bail!(
                        "--generator needs --lanes N: the generator lives in the multi-lane core"
                    );
                };
                if clocks >= 1 << 40 {
                    anyhow::bail!(
                        "--clocks {clocks} is too long: a generator run is at most 2^40 - 1 clocks"
                    );
                }
                let request = OnChipRequest {
                    config,
                    seed,
                    clocks,
                    active_lanes: active_lanes.unwrap_or(config.lanes),
                    initial_state: 0x0123_4567_89ab_cdef,
                };
                let report = commands::generator::run(backend, request)?;
                commands::generator::print(backend, &report, mhz, json);
                return Ok(report.verified);
            }
            let design = match lanes_config {
                Some(l) => commands::sim::Design::Lanes(l),
                None => commands::sim::Design::Core(core.config()?),
            };
            let options = commands::sim::SimOptions {
                backend,
                design,
                cycles,
                seed,
                vcd: vcd.as_deref(),
            };
            let report = commands::sim::simulate(&options)?;
            commands::sim::print(&options, &report, json);
            Ok(report.mismatches == 0)
        }
        Command::Estimate {
            board,
            family,
            device,
            lanes,
            width,
            mode,
            contexts,
            register_every,
            copy_fanout,
            mhz,
            json,
            out_dir,
        } => {
            let mode = match mode.as_str() {
                "single" => LaneMode::Single,
                "table" => LaneMode::Table,
                "shared" => LaneMode::Shared,
                other => anyhow::bail!("unknown --mode {other:?}: choose single, table or shared"),
            };
            let opts = commands::estimate::EstimateOptions {
                board: commands::estimate::resolve_board(
                    board.as_deref(),
                    family.as_deref(),
                    device.as_deref(),
                )?,
                lanes,
                width,
                mode,
                contexts,
                register_every,
                copy_fanout,
                target_mhz: mhz,
                out_dir,
            };
            let rows = commands::estimate::run(&opts)?;
            commands::estimate::print(&opts, &rows, json);
            Ok(rows.iter().all(|r| r.report().is_some()))
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("atomik: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
