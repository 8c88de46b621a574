//! A fault-injection run: many LOAD/ACCUM/READ/SWAP operations through a [`Device`] whose
//! link is a [`FaultTransport`] around the simulated board (retries on, as always), each
//! answer and, at the end, every context checked against the algebra's model.
//!
//! An operation the host gives up on is an unrecovered failure: it comes back as a typed
//! [`DeviceError`] and is listed; the run then reads the context to learn whether it was
//! applied (the board applies a frame at most once, so the state is the model's with or
//! without it) and goes on. Every delta is accounted for: applied exactly once, or named as
//! the failed operation that was not applied.

use crate::device::fault_transport::{FaultCounts, FaultRates, FaultTransport};
use crate::device::ftdi_transport::{answer_latency, FtdiTransport, SimFifoPipe};
use crate::device::sim_transport::SimTransport;
use crate::device::transport::Transport;
use crate::device::DeviceError;
use crate::Device;
use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::link::frame::MAX_BATCH_DELTAS;
use atomik_sim::cosim::SplitMix64;
use atomik_sim::model::Table;
use std::time::{Duration, Instant};

/// Unrecovered failures described in full (all are counted).
const FAILURES_KEPT: usize = 20;
/// Reads tried to learn a context's state after a failed operation.
const RESYNC_READS: u32 = 20;

/// The simulated link the faults are injected on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultLink {
    /// The UART board top (`sim://`): stop and wait, single operations.
    Uart,
    /// The FT245 FIFO board top (`sim://?link=fifo`): batches of up to four frames go out
    /// with frames in flight (go-back-N), mixed with single operations.
    Fifo,
}

/// Deltas in a planned batch on a window link: up to this many frames of 64.
const BATCH_FRAMES: u64 = 4;

#[derive(Debug, Clone, Copy)]
pub struct FaultRunOptions {
    pub link: FaultLink,
    pub lanes: LanesConfig,
    /// Stop once this many faults were injected.
    pub faults: u64,
    pub rates: FaultRates,
    pub seed: u64,
    /// The simulated UART board's clock (its link runs at clock / (10 x clocks per bit)
    /// bytes/s); the FIFO board runs on the chip's 60 MHz CLKOUT.
    pub clock_hz: f64,
    pub clocks_per_bit: u16,
}

/// What a fault-injection run found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct FaultRunReport {
    pub operations: u64,
    pub acknowledged: u64,
    pub faults_injected: u64,
    pub faults: std::collections::BTreeMap<String, u64>,
    /// Injected damage that still passed the CRC-32 (see [`FaultCounts::crc_escapes`]).
    pub crc_escapes: u64,
    pub frames_sent: u64,
    pub retransmissions: u64,
    pub bad_responses: u64,
    /// Status 3 answers (frame not applied, renumbered and resent by the host).
    pub out_of_order: u64,
    /// NOPs the host sent to use up the seq of a frame it had given up on.
    pub seqs_burned: u64,
    /// Status 3 answers to stale copies of older frames: the board refused to apply them.
    pub stale_refused: u64,
    /// Operations the host gave up on, each returned as an error.
    pub unrecovered: u64,
    /// Of those, ACCUM/LOAD operations the board had nevertheless applied (once).
    pub unrecovered_applied: u64,
    /// The first unrecovered errors, as the host reported them.
    pub errors: Vec<String>,
    /// Answers (READ, SWAP) that differ from the model while the board's state was wrong.
    pub wrong_answers: u64,
    /// Answers that differ from the model while the board's state was right (read again at
    /// once): a response corrupted in transit that passed the CRC-32, which the host took.
    pub answers_corrupted_in_transit: u64,
    /// Contexts whose final state differs from the model.
    pub wrong_contexts: u64,
    /// Deltas whose effect is missing or doubled in a wrong state (explained by one delta).
    pub deltas_not_exactly_once: u64,
    pub contexts: u32,
    pub verified: bool,
    pub simulated_seconds: f64,
    pub seconds: f64,
    pub problems: Vec<String>,
}

enum Planned {
    Load(u64),
    Accum(u64),
    /// Deltas into one context, in frames of 64 (several in flight on a window link).
    Batch(Vec<u64>),
    Read,
    Swap,
}

/// Runs until `faults` faults were injected, then reads every context back.
pub fn run(
    options: &FaultRunOptions,
    progress: &mut dyn FnMut(&FaultRunReport),
) -> Result<FaultRunReport, DeviceError> {
    options.rates.validate().map_err(DeviceError::Uri)?;
    let start = Instant::now();
    let open_error = |name: &str, e: String| DeviceError::Open {
        device: name.into(),
        cause: e,
    };
    let (name, inner, latency): (String, Box<dyn Transport>, Duration) = match options.link {
        FaultLink::Uart => {
            let name = format!("sim:// ({}) with injected faults", options.lanes.name());
            let sim = SimTransport::new(options.lanes, options.clock_hz, options.clocks_per_bit)
                .map_err(|e| open_error(&name, e.to_string()))?;
            (name, Box::new(sim), Duration::ZERO)
        }
        FaultLink::Fifo => {
            let name = format!(
                "sim://?link=fifo ({}) with injected faults",
                options.lanes.name()
            );
            let pipe =
                SimFifoPipe::new(options.lanes, atomik_sim::ft2232h::Ft2232hConfig::ft2232h())
                    .map_err(|e| open_error(&name, e.to_string()))?;
            let latency = answer_latency(&atomik_hdl::link::FifoLinkConfig::ftdi(), false);
            (name, Box::new(FtdiTransport::new(pipe)), latency)
        }
    };
    let faulty = FaultTransport::new(inner, options.rates, options.seed);
    let counts = faulty.counts();
    // The identity reads at open go through the faults too.
    let mut device = Device::with_transport(&name, Box::new(faulty), latency)?;
    let contexts = device.info().contexts.max(1) as u32;
    let mut model = Table::new(64, contexts as u64).expect("a valid table");
    let mut rng = SplitMix64::new(options.seed ^ 0x5EED_FA17);
    let mut r = FaultRunReport {
        contexts,
        ..Default::default()
    };
    let snapshot = |r: &mut FaultRunReport, device: &Device, counts: &FaultCounts| {
        r.faults_injected = counts.total();
        r.faults = counts.by_kind.clone();
        r.crc_escapes = counts.crc_escapes;
        let s = device.stats();
        r.frames_sent = s.frames;
        r.retransmissions = s.retransmissions;
        r.bad_responses = s.bad_responses;
        r.out_of_order = s.out_of_order;
        r.seqs_burned = s.seqs_burned;
        r.stale_refused = s.stale_refused;
        r.acknowledged = device.acknowledged();
        r.simulated_seconds = device.transport().link_time().as_secs_f64();
        r.seconds = start.elapsed().as_secs_f64();
    };
    while counts.borrow().total() < options.faults {
        let ctx = rng.below(contexts as u64) as u32;
        let planned = match rng.below(100) {
            0..=4 => Planned::Load(rng.next_u64()),
            5..=49 if options.link == FaultLink::Fifo => {
                let n = 1 + rng.below(BATCH_FRAMES * MAX_BATCH_DELTAS as u64);
                Planned::Batch((0..n).map(|_| rng.next_u64()).collect())
            }
            5..=69 => Planned::Accum(rng.next_u64()),
            70..=89 => Planned::Read,
            _ => Planned::Swap,
        };
        let acknowledged_before = device.acknowledged();
        r.operations += 1;
        let before = model.read(ctx as u64).expect("in range");
        let result = match planned {
            Planned::Load(v) => device.load(ctx, v).map(|_| {
                model.load(ctx as u64, v).expect("in range");
                None
            }),
            Planned::Accum(d) => device.accum(ctx, d).map(|_| {
                model.accum(ctx as u64, d).expect("in range");
                None
            }),
            Planned::Batch(ref deltas) => device.batch_accum(ctx, deltas).map(|_| {
                for &d in deltas {
                    model.accum(ctx as u64, d).expect("in range");
                }
                None
            }),
            Planned::Read => device.read(ctx).map(Some),
            Planned::Swap => device.swap(ctx).map(|v| {
                model.swap(ctx as u64, None).expect("in range");
                Some(v)
            }),
        };
        match result {
            Ok(Some(got)) if got != before => {
                // Was the board wrong, or the answer damaged on the way?
                let again = resync_read(&mut device, ctx, &mut r)?;
                if again == before {
                    r.answers_corrupted_in_transit += 1;
                    problem(
                        &mut r,
                        format!(
                            "context {ctx}: took the answer {got:#x}, but the board holds the \
                             model's {before:#x} (a response damaged in transit passed the CRC)"
                        ),
                    );
                } else {
                    r.wrong_answers += 1;
                    problem(
                        &mut r,
                        format!("context {ctx}: the board holds {again:#x}, model {before:#x}"),
                    );
                    // Count the fault once, not in every later answer.
                    model.load(ctx as u64, again).expect("in range");
                }
            }
            Ok(_) => {}
            // A refusal with a status the board never sends is a damaged answer that passed
            // the CRC: as unrecovered as a lost one.
            Err(e @ (DeviceError::Link { .. } | DeviceError::Refused { .. })) => {
                r.unrecovered += 1;
                if r.errors.len() < FAILURES_KEPT {
                    r.errors.push(e.to_string());
                }
                // Learn whether the board applied it (at most once, so one of two states).
                if let Planned::Batch(ref deltas) = planned {
                    // Frames answered are applied. Each other frame was applied once or not at
                    // all: a frame given up on may still arrive after the seq before it was
                    // burned with a NOP, so any subset of them, not only a prefix.
                    let acked = (device.acknowledged() - acknowledged_before) as usize;
                    let state = resync_read(&mut device, ctx, &mut r)?;
                    let frames: Vec<u64> = deltas[acked..]
                        .chunks(MAX_BATCH_DELTAS)
                        .map(|c| c.iter().fold(0, |a, &d| a ^ d))
                        .collect();
                    let acked_state = deltas[..acked].iter().fold(before, |a, &d| a ^ d);
                    let subset = (0u32..1 << frames.len()).find(|mask| {
                        let applied = frames
                            .iter()
                            .enumerate()
                            .filter(|&(i, _)| mask & (1 << i) != 0)
                            .fold(acked_state, |a, (_, &f)| a ^ f);
                        applied == state
                    });
                    match subset {
                        Some(0) => {}
                        Some(_) => r.unrecovered_applied += 1,
                        None => {
                            r.deltas_not_exactly_once += 1;
                            problem(
                                &mut r,
                                format!(
                                    "context {ctx} after a failed batch of {} deltas ({acked} \
                                     acknowledged): {state:#x} is not the acknowledged frames \
                                     plus others each applied once",
                                    deltas.len()
                                ),
                            );
                        }
                    }
                    model.load(ctx as u64, state).expect("in range");
                }
                let applied_state = match planned {
                    Planned::Load(v) => Some(v),
                    Planned::Accum(d) => Some(before ^ d),
                    Planned::Batch(_) | Planned::Read | Planned::Swap => None,
                };
                if let Some(applied_state) = applied_state {
                    let state = resync_read(&mut device, ctx, &mut r)?;
                    if state == applied_state {
                        r.unrecovered_applied += 1;
                        model.load(ctx as u64, state).expect("in range");
                    } else if state != before {
                        r.deltas_not_exactly_once += 1;
                        problem(
                            &mut r,
                            format!(
                                "context {ctx} after a failed operation: {state:#x}, neither \
                                 {before:#x} (not applied) nor {applied_state:#x} (applied once)"
                            ),
                        );
                        model.load(ctx as u64, state).expect("in range");
                    }
                }
            }
            Err(e) => return Err(e),
        }
        if r.operations.is_multiple_of(2048) {
            snapshot(&mut r, &device, &counts.borrow());
            progress(&r);
        }
    }
    // Every context's final state.
    for ctx in 0..contexts {
        let want = model.read(ctx as u64).expect("in range");
        let got = resync_read(&mut device, ctx, &mut r)?;
        if got != want {
            r.wrong_contexts += 1;
            problem(
                &mut r,
                format!("context {ctx} ends at {got:#x}, model {want:#x}"),
            );
        }
    }
    snapshot(&mut r, &device, &counts.borrow());
    r.verified = r.wrong_answers == 0
        && r.answers_corrupted_in_transit == 0
        && r.wrong_contexts == 0
        && r.deltas_not_exactly_once == 0;
    Ok(r)
}

fn problem(r: &mut FaultRunReport, text: String) {
    if r.problems.len() < FAILURES_KEPT {
        r.problems.push(text);
    }
}

/// Reads a context, retrying through unrecovered failures (each counted and listed).
fn resync_read(device: &mut Device, ctx: u32, r: &mut FaultRunReport) -> Result<u64, DeviceError> {
    let mut last = None;
    for _ in 0..RESYNC_READS {
        match device.read(ctx) {
            Ok(v) => return Ok(v),
            // A refusal with a status the board never sends is a damaged answer that passed
            // the CRC: as unrecovered as a lost one.
            Err(e @ (DeviceError::Link { .. } | DeviceError::Refused { .. })) => {
                r.unrecovered += 1;
                if r.errors.len() < FAILURES_KEPT {
                    r.errors.push(e.to_string());
                }
                last = Some(e);
            }
            Err(e) => return Err(e),
        }
    }
    Err(last.expect("RESYNC_READS > 0"))
}
