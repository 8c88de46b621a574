//! Co-simulation with the reference side on its own thread: the stimulus and the reference
//! model run ahead on a worker thread and hand over chunks of (inputs, expected outputs); the
//! backend under test (which must stay on the thread that created it, as a Verilator model
//! does) applies the inputs and is compared with the expected outputs every cycle.
//!
//! This is the same check as [`crate::cosim::run_lockstep`], cycle for cycle: the stimulus
//! follows only the model (a command is taken when the model is ready), so the inputs do not
//! depend on the backend under test, and the model's outputs before each clock are what the
//! backend must show. Running the two sides in parallel makes the wall-clock rate the slower
//! side's rather than their sum: on two cores the check costs little more than the backend.

use crate::cosim::{record_differences, CosimReport, Stimulus, StimulusDriver, PROGRESS_INTERVAL};
use crate::dut::{CoreInputs, CoreOutputs, Dut};
use std::sync::mpsc::sync_channel;
use std::time::Instant;

/// Cycles per hand-over: big enough that channel traffic is negligible, small enough to stay
/// in the caches (32 bytes a cycle).
pub const CHUNK: usize = 4096;
/// Chunks the worker may run ahead.
const AHEAD: usize = 4;

/// Runs `stimulus` through `model` (on a worker thread) and `dut` (on this thread) for at most
/// `max_cycles`, comparing every output every cycle, like
/// [`crate::cosim::run_lockstep_with_progress`] with one backend.
pub fn run_pipelined(
    mut model: Box<dyn Dut + Send>,
    mut stimulus: Box<dyn Stimulus + Send>,
    dut: &mut dyn Dut,
    max_cycles: u64,
    stop_at_first: bool,
    progress: &mut dyn FnMut(&CosimReport),
) -> CosimReport {
    let started = Instant::now();
    let (tx, rx) = sync_channel::<Vec<(CoreInputs, CoreOutputs)>>(AHEAD);
    let worker = std::thread::spawn(move || {
        let mut counts = CosimReport::default();
        let mut driver = StimulusDriver::new(stimulus.as_mut());
        let mut cycle = 0u64;
        'run: while cycle < max_cycles {
            let mut chunk = Vec::with_capacity(CHUNK);
            while chunk.len() < CHUNK && cycle < max_cycles {
                let expected = model.outputs();
                let Some(inputs) = driver.inputs(cycle, &expected, &mut counts) else {
                    let _ = tx.send(chunk);
                    break 'run;
                };
                model.step(&inputs);
                driver.advance();
                chunk.push((inputs, expected));
                cycle += 1;
            }
            if tx.send(chunk).is_err() {
                // The checker stopped (first mismatch): nothing more is wanted.
                break;
            }
        }
        counts
    });
    let mut report = CosimReport::default();
    'check: for chunk in rx.iter() {
        for (inputs, expected) in chunk {
            let cycle = report.cycles;
            if record_differences(&mut report, cycle, dut.backend(), &dut.outputs(), &expected) {
                report.mismatches += 1;
                if stop_at_first {
                    break 'check;
                }
            }
            dut.step(&inputs);
            report.cycles += 1;
            if report.cycles % PROGRESS_INTERVAL == 0 {
                report.seconds = started.elapsed().as_secs_f64();
                progress(&report);
            }
        }
    }
    drop(rx);
    let counts = worker.join().expect("the reference thread does not panic");
    // The worker may have run ahead of a checker that stopped early: its counters then cover
    // more cycles than were checked, which only matters for a failing run.
    report.commands = counts.commands;
    report.responses = counts.responses;
    report.resets = counts.resets;
    report.seconds = started.elapsed().as_secs_f64();
    report
}
