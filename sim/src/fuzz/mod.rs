//! Link fuzzing: a seeded stream of valid and mutated frames ([`kinds`]: protocol v2 commands,
//! batch frames, stale and reordered sequence numbers) fed through the UART
//! pins of the simulated board (the board top in Verilator: the same receiver, frame decoder
//! and core as the bitstreams), every answer checked against the protocol's model
//! ([`protocol_model`]).
//!
//! The stream is cut into units, each followed by what the host would wait for: a unit that
//! ends in a frame the decoder must take is answered (within the protocol's bound) before the
//! next unit; one that leaves a frame half received is followed by the idle timeout. Within a
//! unit bytes are back to back. A unit is cut after the first frame that passes the CRC
//! (mutated bytes would do so by chance about 1 window in 2^32: these are counted as
//! `crc_collisions` and answered like any frame, since the board cannot tell them apart).
//!
//! Counted against the board:
//! - `hangs`: a frame the decoder must take not answered within the idle timeout plus the
//!   response's wire time after its last byte;
//! - `corrupt_applied`: bytes from the board where no frame was taken, or a state that only a
//!   rejected frame explains;
//! - `mismatches`: any other answer that differs from the model.

pub mod kinds;
pub mod protocol_model;

use crate::sim_board::SimBoard;
use atomik_hdl::link::frame::{
    batch_len, decode_response, IDLE_TIMEOUT_BITS, MAX_BATCH_DELTAS, RESPONSE_LEN,
};
use atomik_hdl::Op;
use kinds::{FrameGen, KINDS};
use protocol_model::{scan, BoardModel, Command, Expected, Scan, Taken};
use std::collections::{BTreeMap, VecDeque};
use std::time::Instant;

/// The board end the fuzzer drives: bytes onto its receive pin, one clock at a time.
/// [`SimBoard`] is the real one; tests also use a deliberately broken software board to show
/// that each counter catches what it names.
pub trait FuzzTarget {
    fn send(&mut self, bytes: &[u8]);
    /// Bytes not yet completely on the line.
    fn send_backlog(&self) -> usize;
    /// One clock; a byte that completed on the transmit pin.
    fn tick(&mut self) -> Option<u8>;
    fn clocks_per_bit(&self) -> u64;
    fn cycles(&self) -> u64;
}

impl FuzzTarget for SimBoard {
    fn send(&mut self, bytes: &[u8]) {
        SimBoard::send(self, bytes)
    }
    fn send_backlog(&self) -> usize {
        SimBoard::send_backlog(self)
    }
    fn tick(&mut self) -> Option<u8> {
        SimBoard::tick(self)
    }
    fn clocks_per_bit(&self) -> u64 {
        SimBoard::clocks_per_bit(self)
    }
    fn cycles(&self) -> u64 {
        SimBoard::cycles(self)
    }
}

/// Problems described in full in a report (the counters count all of them).
const PROBLEMS_KEPT: usize = 10;
/// Rejected frames remembered for attributing a wrong state to one of them.
const RECENT_REJECTED: usize = 64;

/// What a fuzz run found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct FuzzReport {
    pub seed: u64,
    /// Bytes fed to the board.
    pub bytes: u64,
    /// Units fed (valid frames, duplicates and mutated frames or garbage).
    pub frames: u64,
    /// Frames the board had to take (valid, duplicate, CRC collisions, the final reads).
    pub answered_frames: u64,
    /// Retransmissions answered from the stored response and not applied again.
    pub repeats_answered: u64,
    /// Mutated units that passed the CRC by chance (CRC-32 lets about 1 in 2^32 random
    /// windows through; v1's CRC-8 let 1 in 256 command windows through; the board must
    /// treat them as frames).
    pub crc_collisions: u64,
    /// Frames refused for their seq (status 3, nothing applied): stale and reordered copies.
    pub out_of_order_answered: u64,
    pub hangs: u64,
    pub corrupt_applied: u64,
    pub mismatches: u64,
    /// STATUS reads of the clock counter, whose value no model fixes (status checked only).
    pub unchecked_values: u64,
    /// Longest wait from a frame's last byte to its answer's last byte, clocks (the bound is
    /// `response_bound_clocks`).
    pub max_response_clocks: u64,
    pub response_bound_clocks: u64,
    /// The same for batch frames taken, whose bound adds the frame's own wire time (the time
    /// the protocol gives the board to apply it); `batch_response_bound_clocks` is that bound
    /// for the longest (64-delta) batch.
    pub max_batch_response_clocks: u64,
    pub batch_response_bound_clocks: u64,
    /// Batch frames taken and answered status 0 (applied), and deltas they carried.
    pub batches_applied: u64,
    pub batch_deltas_applied: u64,
    /// Batch frames taken and answered status 2 (count above 64, nothing applied).
    pub batches_refused: u64,
    /// Board clocks simulated.
    pub clocks: u64,
    pub seconds: f64,
    pub bytes_per_sec: f64,
    /// Units fed per kind.
    pub kinds: BTreeMap<String, u64>,
    /// The first problems, described.
    pub problems: Vec<String>,
}

impl FuzzReport {
    pub fn clean(&self) -> bool {
        self.hangs == 0 && self.corrupt_applied == 0 && self.mismatches == 0
    }

    fn problem(&mut self, text: String) {
        if self.problems.len() < PROBLEMS_KEPT {
            self.problems.push(text);
        }
    }
}

/// How a fuzz run goes.
#[derive(Debug, Clone, Copy)]
pub struct FuzzOptions {
    /// Bytes to feed (the run ends with the unit that reaches it, then reads every context).
    pub bytes: u64,
    pub seed: u64,
}

/// Clocks from a frame's last byte to its answer's last byte the protocol allows: the idle
/// timeout (which covers the core's latency) plus the response's wire time.
pub fn response_bound_clocks(clocks_per_bit: u64) -> u64 {
    (IDLE_TIMEOUT_BITS as u64 + RESPONSE_LEN as u64 * 10) * clocks_per_bit
}

/// The bound for a batch frame of `n` deltas: the command bound plus the frame's wire time,
/// which the protocol gives the board for applying it (a host waits that long before
/// retransmitting).
pub fn batch_response_bound_clocks(clocks_per_bit: u64, n: usize) -> u64 {
    response_bound_clocks(clocks_per_bit) + batch_len(n) as u64 * 10 * clocks_per_bit
}

/// Fuzzes `target` (fresh out of reset, settled) whose core is `model`'s configuration;
/// `progress` is called now and then with the report so far.
pub fn run(
    target: &mut dyn FuzzTarget,
    mut model: BoardModel,
    options: FuzzOptions,
    progress: &mut dyn FnMut(&FuzzReport),
) -> FuzzReport {
    let start = Instant::now();
    let start_cycles = target.cycles();
    let cpb = target.clocks_per_bit();
    let mut fuzz = Fuzzer {
        target,
        gen: FrameGen::new(options.seed, model.contexts()),
        recent_rejected: VecDeque::new(),
        bound: response_bound_clocks(cpb),
        cpb,
        report: FuzzReport {
            seed: options.seed,
            response_bound_clocks: response_bound_clocks(cpb),
            batch_response_bound_clocks: batch_response_bound_clocks(cpb, MAX_BATCH_DELTAS),
            kinds: KINDS.iter().map(|k| (k.name.to_string(), 0)).collect(),
            ..Default::default()
        },
    };
    let mut next_progress = 0;
    while fuzz.report.bytes < options.bytes {
        fuzz.gen.board_last_seq = model.last_seq();
        let kind = fuzz.gen.pick();
        fuzz.gen.intended = None;
        let unit = (kind.make)(&mut fuzz.gen);
        *fuzz
            .report
            .kinds
            .get_mut(kind.name)
            .expect("every kind counted") += 1;
        fuzz.feed(&mut model, unit, kind.meant_valid);
        if fuzz.report.bytes >= next_progress {
            next_progress += 1 << 16;
            fuzz.finish_figures(start, start_cycles);
            progress(&fuzz.report);
        }
    }
    // Every context's final state, through the same path.
    for ctx in 0..model.contexts() {
        fuzz.gen.board_last_seq = model.last_seq();
        let read = fuzz.gen_read(ctx as u16);
        fuzz.feed(&mut model, read.to_vec(), true);
    }
    fuzz.finish_figures(start, start_cycles);
    fuzz.report
}

struct Fuzzer<'a> {
    target: &'a mut dyn FuzzTarget,
    gen: FrameGen,
    recent_rejected: VecDeque<Command>,
    bound: u64,
    cpb: u64,
    report: FuzzReport,
}

impl Fuzzer<'_> {
    fn finish_figures(&mut self, start: Instant, start_cycles: u64) {
        let r = &mut self.report;
        r.clocks = self.target.cycles() - start_cycles;
        r.seconds = start.elapsed().as_secs_f64();
        r.bytes_per_sec = r.bytes as f64 / r.seconds.max(1e-9);
    }

    fn gen_read(&mut self, addr: u16) -> [u8; atomik_hdl::link::frame::COMMAND_LEN] {
        let f = self.gen.command();
        atomik_hdl::link::frame::encode_command(f[1], Op::Read as u8, addr, 0)
    }

    /// Feeds one unit and checks what comes back.
    fn feed(&mut self, model: &mut BoardModel, mut unit: Vec<u8>, meant_valid: bool) {
        // Cut after the first frame the decoder takes. A GEN_RUN that passed the CRC by
        // chance gets its CRC byte broken instead (its run is outside the model).
        let taken = loop {
            match scan(&unit) {
                Scan::Accepted { end, frame, .. } => {
                    unit.truncate(end);
                    if matches!(&frame, Taken::Command(c) if c.op == crate::lanes_model::OP_GEN_RUN)
                    {
                        unit[end - 1] ^= 1;
                        continue;
                    }
                    break Some(frame);
                }
                Scan::Partial => break None,
                Scan::Hunting => break None,
            }
        };
        let partial = matches!(scan(&unit), Scan::Partial);
        self.report.frames += 1;
        self.report.bytes += unit.len() as u64;
        if let (Some(intent), None) = (self.gen.intended, &taken) {
            self.remember_rejected(intent);
        }

        self.target.send(&unit);
        let mut stray = Vec::new();
        while self.target.send_backlog() > 0 {
            stray.extend(self.target.tick());
        }
        match taken {
            Some(c) => {
                if !meant_valid {
                    self.report.crc_collisions += 1;
                }
                let expected = model.take_frame(&c);
                if !stray.is_empty() {
                    self.stray(&stray, "before the frame it answers had ended");
                }
                self.answer(model, &c, expected);
            }
            None => {
                // Half a frame waits for the idle timeout; a rejected frame needs nothing,
                // but a wrong answer to it would start at once: a couple of bit times catch
                // its start bit, and the next unit's send phase catches the rest.
                let wait = if partial {
                    (IDLE_TIMEOUT_BITS as u64 + 2) * self.cpb
                } else {
                    2 * self.cpb
                };
                for _ in 0..wait {
                    stray.extend(self.target.tick());
                }
                if !stray.is_empty() {
                    self.stray(&stray, "after a unit with no valid frame");
                }
            }
        }
    }

    fn remember_rejected(&mut self, c: Command) {
        if self.recent_rejected.len() == RECENT_REJECTED {
            self.recent_rejected.pop_front();
        }
        self.recent_rejected.push_back(c);
    }

    /// Bytes where no answer was owed: the board answered something it should have dropped.
    fn stray(&mut self, bytes: &[u8], when: &str) {
        self.report.corrupt_applied += 1;
        self.report.problem(format!(
            "{} bytes from the board {when}: {bytes:02x?}",
            bytes.len()
        ));
        // Let a stray answer finish so it is not mistaken for the next one.
        let quiet = (RESPONSE_LEN as u64 + 2) * 10 * self.cpb;
        for _ in 0..quiet {
            self.target.tick();
        }
    }

    fn answer(&mut self, model: &mut BoardModel, c: &Taken, e: Expected) {
        self.report.answered_frames += 1;
        self.report.repeats_answered += e.repeated as u64;
        self.report.out_of_order_answered += e.out_of_order as u64;
        let bound = match c {
            Taken::Command(_) => self.bound,
            Taken::Batch(b) => {
                if !e.repeated && !e.out_of_order {
                    if e.status == 0 {
                        self.report.batches_applied += 1;
                        self.report.batch_deltas_applied += b.deltas.len() as u64;
                    } else {
                        self.report.batches_refused += 1;
                    }
                }
                batch_response_bound_clocks(self.cpb, b.deltas.len())
            }
        };
        let mut got = Vec::with_capacity(RESPONSE_LEN);
        let mut waited = 0;
        while got.len() < RESPONSE_LEN && waited < bound {
            got.extend(self.target.tick());
            waited += 1;
        }
        if got.len() < RESPONSE_LEN {
            self.report.hangs += 1;
            self.report.problem(format!(
                "{c:?}: {} of {RESPONSE_LEN} answer bytes within {} clocks",
                got.len(),
                bound
            ));
            // Give a late answer time to finish, and count nothing more about this frame.
            for _ in 0..bound {
                self.target.tick();
            }
            return;
        }
        let max = match c {
            Taken::Command(_) => &mut self.report.max_response_clocks,
            Taken::Batch(_) => &mut self.report.max_batch_response_clocks,
        };
        *max = (*max).max(waited);
        let r = match decode_response(&got) {
            Ok(r) => r,
            Err(err) => {
                self.report.mismatches += 1;
                self.report
                    .problem(format!("{c:?}: answer {got:02x?} is not a frame: {err}"));
                return;
            }
        };
        if e.data.is_none() {
            self.report.unchecked_values += 1;
        }
        let data_ok = e.data.is_none_or(|d| d == r.data);
        if r.seq == e.seq && r.status == e.status && data_ok {
            return;
        }
        // A wrong state that a rejected frame explains is a corrupt frame applied.
        let explained = match (e.state_of, e.data) {
            (Some(ctx), Some(want)) if r.seq == e.seq => {
                self.explained_by_rejected(model, ctx, want, r.data)
            }
            _ => false,
        };
        if explained {
            self.report.corrupt_applied += 1;
        } else {
            self.report.mismatches += 1;
        }
        self.report.problem(format!(
            "{c:?}: answered seq {} status {} data {:#x}, expected {e:?}{}",
            r.seq,
            r.status,
            r.data,
            if explained {
                " (a rejected frame explains it)"
            } else {
                ""
            }
        ));
        if let Some(ctx) = e.state_of {
            // After SWAP_LOAD the state is its data whatever the answer was.
            let swap_load = matches!(c, Taken::Command(c) if c.op == Op::SwapLoad as u8);
            if !e.repeated && !swap_load {
                model.adopt(ctx, r.data);
            }
        }
    }

    fn explained_by_rejected(&self, model: &BoardModel, ctx: u64, want: u64, got: u64) -> bool {
        self.recent_rejected.iter().any(|r| {
            model.context_of(r.addr) == ctx
                && match Op::from_code(r.op) {
                    Some(Op::Accum) => got == want ^ r.data,
                    Some(Op::Load) | Some(Op::SwapLoad) => got == r.data,
                    _ => false,
                }
        })
    }
}
