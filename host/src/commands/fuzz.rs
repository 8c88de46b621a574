//! `atomik fuzz`: random and mutated frames through the simulated board's UART pins (the board
//! top in Verilator), every answer checked against the protocol's model
//! ([`atomik_sim::fuzz`]). Exit status 1 when anything hangs, a corrupt frame is applied, or
//! an answer differs from the model.

use super::progress::Progress;
use anyhow::{bail, Result};
use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::link::LinkConfig;
use atomik_sim::fuzz::protocol_model::BoardModel;
use atomik_sim::fuzz::{run as fuzz_run, FuzzOptions, FuzzReport};
use atomik_sim::sim_board::SimBoard;

/// Clocks per UART bit of the fuzzed board: the smallest the receiver takes, so the most
/// bytes per simulated clock (each byte is 10 bits on the line).
pub const FUZZ_CLOCKS_PER_BIT: u16 = 4;

/// Fuzzes a simulated board of `lanes` with `options.bytes` bytes.
pub fn run(lanes: LanesConfig, options: FuzzOptions) -> Result<FuzzReport> {
    if options.bytes == 0 {
        bail!("--bytes 0: give the number of bytes to feed (e.g. 1000000)");
    }
    let mut progress = Progress::new();
    progress.update(&format!("building the board model ({})", lanes.name()));
    let link = LinkConfig::with_clocks_per_bit(FUZZ_CLOCKS_PER_BIT)?;
    let mut board = SimBoard::new(lanes, link)?;
    board.settle();
    let report = fuzz_run(
        &mut board,
        BoardModel::new(lanes),
        options,
        &mut |r: &FuzzReport| {
            let pct = 100.0 * r.bytes as f64 / options.bytes as f64;
            progress.update(&format!(
                "fuzz {pct:5.1} %  {} bytes  {} frames  {:.0} bytes/s  hangs {}  corrupt {}  mismatches {}",
                r.bytes, r.frames, r.bytes_per_sec, r.hangs, r.corrupt_applied, r.mismatches
            ));
        },
    );
    progress.finish();
    if board.framing_errors() != 0 {
        bail!(
            "the board sent {} bytes with a bad stop bit: its UART transmitter is broken",
            board.framing_errors()
        );
    }
    Ok(report)
}

/// The human summary.
pub fn print(lanes: LanesConfig, r: &FuzzReport) {
    println!(
        "fuzz: sim:// board ({}, {FUZZ_CLOCKS_PER_BIT} clocks per UART bit), seed {}",
        lanes.name(),
        r.seed
    );
    println!(
        "fed           {} bytes in {} units; {} frames answered ({} retransmissions answered once, \
         {} stale or reordered frames answered \"out of order\" and not applied, {} mutated \
         frames passed their CRC-32 by chance and were answered as frames)",
        r.bytes,
        r.frames,
        r.answered_frames,
        r.repeats_answered,
        r.out_of_order_answered,
        r.crc_collisions
    );
    let kinds: Vec<String> = r.kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!("units         {}", kinds.join(", "));
    println!(
        "hangs         {} (answer within {} clocks of a frame's last byte; longest {})",
        r.hangs, r.response_bound_clocks, r.max_response_clocks
    );
    println!(
        "batches       {} applied ({} deltas), {} refused for a count above 64 (answer within \
         the bound plus the frame's wire time, {} clocks at 64 deltas; longest {})",
        r.batches_applied,
        r.batch_deltas_applied,
        r.batches_refused,
        r.batch_response_bound_clocks,
        r.max_batch_response_clocks
    );
    println!("corrupt_applied {}", r.corrupt_applied);
    println!(
        "mismatches    {} ({} clock-counter reads checked for status only)",
        r.mismatches, r.unchecked_values
    );
    println!(
        "speed         {:.0} bytes/s ({} simulated clocks in {:.1} s wall clock)",
        r.bytes_per_sec, r.clocks, r.seconds
    );
    for p in &r.problems {
        println!("problem: {p}");
    }
}
