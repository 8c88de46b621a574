//! The link-robustness subcommands' arguments (`fuzz`, `faults`) and their dispatch, flattened
//! into the `atomik` command line.

use crate::device::fault_transport::FaultRates;
use crate::device::sim_transport::{DEFAULT_CLOCKS_PER_BIT, DEFAULT_CLOCK_HZ};
use crate::fault_run::FaultRunOptions;
use anyhow::Result;
use atomik_hdl::lanes::{LaneMode, LanesConfig};
use atomik_sim::fuzz::FuzzOptions;
use clap::{Args, Subcommand};
use std::time::Duration;

/// The simulated board's core.
#[derive(Args, Clone, Debug)]
pub struct SimCoreArgs {
    /// Lanes (1..=1024; a power of two in table mode); fewer simulate faster.
    #[arg(long, default_value_t = 2)]
    pub lanes: u32,
    /// single (one context), table or shared (addressed contexts).
    #[arg(long, default_value = "table")]
    pub mode: String,
    /// Contexts in table and shared mode (power of two, 2..=4096).
    #[arg(long, default_value_t = 16)]
    pub contexts: u32,
}

impl SimCoreArgs {
    pub fn config(&self) -> Result<LanesConfig> {
        let mode = match self.mode.as_str() {
            "single" => LaneMode::Single,
            "table" => LaneMode::Table,
            "shared" => LaneMode::Shared,
            other => anyhow::bail!("--mode {other}: choose single, table or shared"),
        };
        let c = LanesConfig::new(self.lanes, 64, 2, mode)?;
        Ok(match mode {
            LaneMode::Table | LaneMode::Shared => c.with_contexts(self.contexts)?,
            LaneMode::Single => c,
        })
    }
}

#[derive(Subcommand)]
pub enum LinkCommand {
    /// Feeds random and mutated frames (bit flips, truncation, duplicates, wrong CRC, garbage,
    /// false sync bytes, wrong lengths, splices) through the simulated board's UART pins and
    /// checks every answer against the protocol's model. Exit 1 on any hang, corrupt frame
    /// applied or mismatch.
    Fuzz {
        /// Bytes to feed.
        #[arg(long)]
        bytes: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[command(flatten)]
        core: SimCoreArgs,
        /// One JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Drives LOAD/ACCUM/READ/SWAP through the host library (retries on) to the simulated
    /// board over a link injecting drop, duplicate, corrupt, delay and reorder faults on
    /// frames and bytes, until N faults were injected; checks every answer, every context's
    /// final state and that every delta was applied exactly once. Exit 1 otherwise.
    Faults {
        /// Faults to inject.
        #[arg(long, default_value_t = 10_000)]
        faults: u64,
        /// Probability per frame (or received chunk), in each direction, of each fault.
        #[arg(long, default_value_t = 0.01)]
        chunk_rate: f64,
        /// Probability per byte, in each direction, of a drop, a corruption and a delay.
        #[arg(long, default_value_t = 0.001)]
        byte_rate: f64,
        /// Probability per byte, in each direction, of a duplication and of a swap with the
        /// next byte (protocol v2's CRC-32 catches them; v1's CRC-8 let 1 in 256 through).
        #[arg(long, default_value_t = 0.001)]
        byte_shift_rate: f64,
        /// Probability per frame sent that a stale copy of one of the 16 frames before it
        /// arrives just before it (true reordering; the board's sequence rule refuses it).
        #[arg(long, default_value_t = 0.01)]
        stale_rate: f64,
        /// Longest injected delay, microseconds of link time (the host waits about 200 us
        /// at 3 Mbaud before retransmitting).
        #[arg(long, default_value_t = 400)]
        max_delay_us: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Inject on the FT245 FIFO board (`sim://?link=fifo`) instead of the UART one, with
        /// batches of up to four frames in flight among the single operations.
        #[arg(long)]
        fifo: bool,
        #[command(flatten)]
        core: SimCoreArgs,
        /// One JSON object.
        #[arg(long)]
        json: bool,
    },
}

pub fn dispatch(cmd: LinkCommand) -> Result<bool> {
    match cmd {
        LinkCommand::Fuzz {
            bytes,
            seed,
            core,
            json,
        } => {
            let lanes = core.config()?;
            let r = super::fuzz::run(lanes, FuzzOptions { bytes, seed })?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                super::fuzz::print(lanes, &r);
            }
            Ok(r.clean())
        }
        LinkCommand::Faults {
            faults,
            chunk_rate,
            byte_rate,
            byte_shift_rate,
            stale_rate,
            max_delay_us,
            seed,
            fifo,
            core,
            json,
        } => {
            let options = FaultRunOptions {
                link: if fifo {
                    crate::fault_run::FaultLink::Fifo
                } else {
                    crate::fault_run::FaultLink::Uart
                },
                lanes: core.config()?,
                faults,
                rates: FaultRates::new(
                    chunk_rate,
                    byte_rate,
                    byte_shift_rate,
                    Duration::from_micros(max_delay_us),
                )
                .and_then(|r| r.with_stale(stale_rate))
                .map_err(anyhow::Error::msg)?,
                seed,
                clock_hz: DEFAULT_CLOCK_HZ,
                clocks_per_bit: DEFAULT_CLOCKS_PER_BIT,
            };
            let r = super::faults::run(&options)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                super::faults::print(&options, &r);
            }
            Ok(r.verified)
        }
    }
}
