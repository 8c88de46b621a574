//! `atomik faults`: LOAD/ACCUM/READ/SWAP through the host library to the simulated board over
//! a link that drops, duplicates, corrupts, delays and reorders bytes and frames
//! ([`crate::fault_run`]); every answer and every context's final state checked against the
//! model. Exit status 1 when a state is wrong or a delta was not applied exactly once.

use super::progress::Progress;
use crate::fault_run::{run as fault_run, FaultRunOptions, FaultRunReport};
use anyhow::Result;

pub fn run(options: &FaultRunOptions) -> Result<FaultRunReport> {
    let mut progress = Progress::new();
    progress.update(&format!("opening the board ({})", options.lanes.name()));
    let r = fault_run(options, &mut |r: &FaultRunReport| {
        let pct = 100.0 * r.faults_injected as f64 / options.faults as f64;
        progress.update(&format!(
            "faults {pct:5.1} %  {} injected  {} operations  {} retransmissions  {} unrecovered",
            r.faults_injected, r.operations, r.retransmissions, r.unrecovered
        ));
    })?;
    progress.finish();
    Ok(r)
}

pub fn print(options: &FaultRunOptions, r: &FaultRunReport) {
    println!(
        "faults: {} board ({}), seed {}, rates per chunk {:?} and per byte {:?} \
         (drop, duplicate, corrupt, delay, reorder), stale copies {} per frame, delays up to {:?}",
        match options.link {
            crate::fault_run::FaultLink::Uart => "sim://",
            crate::fault_run::FaultLink::Fifo => "sim://?link=fifo",
        },
        options.lanes.name(),
        options.seed,
        options.rates.chunk,
        options.rates.byte,
        options.rates.stale,
        options.rates.max_delay
    );
    println!(
        "injected      {} faults: {}",
        r.faults_injected,
        r.faults
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "crc escapes   {} damaged frames passed the CRC-32 (counted by the injector; the \
         protocol cannot catch them)",
        r.crc_escapes
    );
    println!(
        "operations    {} ({} acknowledged), {} frames sent, {} retransmissions, {} bad responses, \
         {} answered out of order (renumbered), {} abandoned seqs burned, {} stale copies \
         refused by the board",
        r.operations,
        r.acknowledged,
        r.frames_sent,
        r.retransmissions,
        r.bad_responses,
        r.out_of_order,
        r.seqs_burned,
        r.stale_refused
    );
    println!(
        "unrecovered   {} (each returned as an error; {} of the LOAD/ACCUMs among them had been \
         applied once, found by reading the context)",
        r.unrecovered, r.unrecovered_applied
    );
    for e in &r.errors {
        println!("  error: {e}");
    }
    println!(
        "checked       {} wrong states seen, {} answers damaged in transit and taken, {} of {} \
         contexts wrong at the end, {} deltas not applied exactly once",
        r.wrong_answers,
        r.answers_corrupted_in_transit,
        r.wrong_contexts,
        r.contexts,
        r.deltas_not_exactly_once
    );
    for p in &r.problems {
        println!("  problem: {p}");
    }
    println!(
        "time          {:.3} s simulated, {:.1} s wall clock",
        r.simulated_seconds, r.seconds
    );
    println!("verified      {}", r.verified);
}
