//! Lockstep co-simulation: one stimulus drives the cycle-exact model and any number of RTL
//! backends; every output of every backend is compared with the model's every cycle.
//!
//! Stimulus is a stream of events (commands, resets) with idle gaps, plus a per-cycle
//! `rsp_ready` pattern for back-pressure. [`RandomStimulus`] makes an endless seeded stream
//! (for `atomik sim`); [`Script`] is a finite one that proptest generates and shrinks.

use crate::dut::{CoreInputs, CoreOutputs, Dut};
use atomik_hdl::{CoreConfig, Op};
use std::time::Instant;

/// One command as it appears on the core's command port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Command {
    /// 3-bit opcode; 6 and 7 are illegal on purpose (the core must drop and flag them).
    pub op: u8,
    pub addr: u32,
    pub data: u64,
}

/// What the stimulus does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Command(Command),
    /// One cycle of synchronous reset.
    Reset,
}

/// A source of stimulus.
pub trait Stimulus {
    /// The next event and how many idle cycles precede it; `None` when finished.
    fn next_event(&mut self) -> Option<(u32, Event)>;
    /// Whether the consumer takes a response in this cycle.
    fn rsp_ready(&mut self, cycle: u64) -> bool;
}

/// A borrowed stimulus is a stimulus (so a [`StimulusDriver`] can own or borrow one).
impl<S: Stimulus + ?Sized> Stimulus for &mut S {
    fn next_event(&mut self) -> Option<(u32, Event)> {
        (**self).next_event()
    }
    fn rsp_ready(&mut self, cycle: u64) -> bool {
        (**self).rsp_ready(cycle)
    }
}

/// A finite stimulus, as proptest generates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// Events with the idle cycles before each.
    pub events: Vec<(u32, Event)>,
    /// `rsp_ready` per cycle, repeated; empty means always ready.
    pub rsp_ready: Vec<bool>,
}

/// Plays a [`Script`].
pub struct ScriptStimulus<'a> {
    script: &'a Script,
    next: usize,
}

impl<'a> ScriptStimulus<'a> {
    pub fn new(script: &'a Script) -> Self {
        ScriptStimulus { script, next: 0 }
    }
}

impl Stimulus for ScriptStimulus<'_> {
    fn next_event(&mut self) -> Option<(u32, Event)> {
        let e = self.script.events.get(self.next).copied();
        self.next += 1;
        e
    }

    fn rsp_ready(&mut self, cycle: u64) -> bool {
        let pattern = &self.script.rsp_ready;
        pattern.is_empty() || pattern[(cycle % pattern.len() as u64) as usize]
    }
}

/// SplitMix64: a tiny, fast, well-mixed generator; stimulus needs speed and reproducibility
/// from a seed, not cryptographic quality.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), by multiply-shift.
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }
}

/// Command addresses over `contexts` contexts, 70 % on three hot ones (the first, the last and
/// one drawn at construction), the rest anywhere: where back-to-back commands to one context
/// meet the pipeline's forwarding.
struct HotAddresses {
    contexts: u32,
    hot: [u32; 3],
}

impl HotAddresses {
    fn new(contexts: u32, rng: &mut SplitMix64) -> Self {
        let hot = [0, contexts - 1, rng.below(contexts as u64) as u32];
        HotAddresses { contexts, hot }
    }

    fn pick(&self, rng: &mut SplitMix64) -> u32 {
        if rng.below(10) < 7 {
            self.hot[rng.below(3) as usize]
        } else {
            rng.below(self.contexts as u64) as u32
        }
    }
}

/// An endless random stimulus biased towards pipeline hazards: most commands hit one of
/// three hot addresses, ACCUM and READ dominate, idle gaps are short and rare, and the
/// consumer withholds `rsp_ready` in bursts so the credit logic and the queue fill up.
pub struct RandomStimulus {
    rng: SplitMix64,
    addresses: HotAddresses,
    stalled_until: u64,
}

impl RandomStimulus {
    pub fn new(config: CoreConfig, seed: u64) -> Self {
        let mut rng = SplitMix64::new(seed);
        let addresses = HotAddresses::new(config.contexts, &mut rng);
        RandomStimulus {
            rng,
            addresses,
            stalled_until: 0,
        }
    }
}

impl Stimulus for RandomStimulus {
    fn next_event(&mut self) -> Option<(u32, Event)> {
        let r = &mut self.rng;
        let gap = if r.below(8) == 0 {
            r.below(4) as u32
        } else {
            0
        };
        if r.below(50_000) == 0 {
            return Some((gap, Event::Reset));
        }
        let op = match r.below(100) {
            0..=44 => Op::Accum.code(),
            45..=69 => Op::Read.code(),
            70..=79 => Op::Load.code(),
            80..=87 => Op::Swap.code(),
            88..=95 => Op::SwapLoad.code(),
            96..=97 => Op::Nop.code(),
            _ => 6 + r.below(2) as u8,
        };
        let addr = self.addresses.pick(r);
        let data = r.next_u64();
        Some((gap, Event::Command(Command { op, addr, data })))
    }

    fn rsp_ready(&mut self, cycle: u64) -> bool {
        if cycle < self.stalled_until {
            return false;
        }
        if self.rng.below(64) == 0 {
            self.stalled_until = cycle + 1 + self.rng.below(24);
            return false;
        }
        true
    }
}

/// An output that differed from the model's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub cycle: u64,
    pub backend: &'static str,
    pub detail: String,
}

/// What a co-simulation run did.
#[derive(Debug, Clone, Default)]
pub struct CosimReport {
    pub cycles: u64,
    pub commands: u64,
    pub responses: u64,
    pub resets: u64,
    /// Cycles in which some backend differed from the model.
    pub mismatches: u64,
    /// The first few mismatches, for the report.
    pub first_mismatches: Vec<Mismatch>,
    pub seconds: f64,
}

impl CosimReport {
    pub fn cycles_per_sec(&self) -> f64 {
        if self.seconds > 0.0 {
            self.cycles as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// How many mismatches a report keeps in detail.
pub const KEPT_MISMATCHES: usize = 16;
/// Cycles to run after a finite stimulus ends, with `rsp_ready` high, so every queued
/// response comes out and is compared.
pub const DRAIN_CYCLES: u64 = 24;

/// Runs `stimulus` through `model` and every backend in `duts` in lockstep, for at most
/// `max_cycles` cycles (or until a finite stimulus is played and drained), comparing every
/// output every cycle. With `stop_at_first`, returns at the first mismatching cycle.
pub fn run_lockstep(
    model: &mut dyn Dut,
    duts: &mut [&mut dyn Dut],
    stimulus: &mut dyn Stimulus,
    max_cycles: u64,
    stop_at_first: bool,
) -> CosimReport {
    run_lockstep_with_progress(
        model,
        duts,
        stimulus,
        max_cycles,
        stop_at_first,
        &mut |_| {},
    )
}

/// Cycles between two calls of the progress callback.
pub const PROGRESS_INTERVAL: u64 = 1 << 16;

/// Turns a [`Stimulus`] into per-cycle inputs, the way every co-simulation runner applies it:
/// a command is offered until the *model* is ready for it (the stimulus follows the reference
/// model only, so the inputs do not depend on the backends being checked), a reset lasts one
/// cycle, and a finite stimulus ends with [`DRAIN_CYCLES`] of `rsp_ready` so every queued
/// response comes out. Counts commands, responses and resets into a [`CosimReport`].
pub struct StimulusDriver<S: Stimulus> {
    stimulus: S,
    pending: Option<(u32, Event)>,
    drain_left: u64,
    consumed: bool,
}

impl<S: Stimulus> StimulusDriver<S> {
    /// Takes the stimulus by value; pass `&mut stimulus` to keep it.
    pub fn new(mut stimulus: S) -> Self {
        let pending = stimulus.next_event();
        StimulusDriver {
            stimulus,
            pending,
            drain_left: DRAIN_CYCLES,
            consumed: false,
        }
    }

    /// The inputs of cycle `cycle` given the model's outputs `expected` (before the clock);
    /// `None` when a finite stimulus has been played and drained. Call [`Self::advance`] after
    /// the clock.
    pub fn inputs(
        &mut self,
        cycle: u64,
        expected: &CoreOutputs,
        report: &mut CosimReport,
    ) -> Option<CoreInputs> {
        let mut inputs = CoreInputs {
            rsp_ready: self.stimulus.rsp_ready(cycle),
            ..Default::default()
        };
        self.consumed = false;
        match &mut self.pending {
            Some((gap, _)) if *gap > 0 => *gap -= 1,
            Some((_, Event::Reset)) => {
                inputs.reset = true;
                report.resets += 1;
                self.consumed = true;
            }
            Some((_, Event::Command(c))) => {
                inputs.cmd_valid = true;
                inputs.cmd_op = c.op;
                inputs.cmd_addr = c.addr;
                inputs.cmd_data = c.data;
                if expected.cmd_ready {
                    report.commands += 1;
                    self.consumed = true;
                }
            }
            None => {
                inputs.rsp_ready = true;
                if self.drain_left == 0 {
                    return None;
                }
                self.drain_left -= 1;
            }
        }
        if expected.rsp_valid && inputs.rsp_ready {
            report.responses += 1;
        }
        Some(inputs)
    }

    /// After the clock: moves to the next event if this cycle took the pending one.
    pub fn advance(&mut self) {
        if self.consumed {
            self.pending = self.stimulus.next_event();
        }
    }
}

/// Records a cycle's output differences in `report`; returns whether there were any.
pub fn record_differences(
    report: &mut CosimReport,
    cycle: u64,
    backend: &'static str,
    got: &CoreOutputs,
    expected: &CoreOutputs,
) -> bool {
    if got.agrees_with(expected) {
        return false;
    }
    if report.first_mismatches.len() < KEPT_MISMATCHES {
        report.first_mismatches.push(Mismatch {
            cycle,
            backend,
            detail: got.differences(expected).join(", "),
        });
    }
    true
}

/// [`run_lockstep`], calling `progress(report_so_far)` every [`PROGRESS_INTERVAL`] cycles.
pub fn run_lockstep_with_progress(
    model: &mut dyn Dut,
    duts: &mut [&mut dyn Dut],
    stimulus: &mut dyn Stimulus,
    max_cycles: u64,
    stop_at_first: bool,
    progress: &mut dyn FnMut(&CosimReport),
) -> CosimReport {
    let mut report = CosimReport::default();
    let started = Instant::now();
    let mut driver = StimulusDriver::new(stimulus);
    while report.cycles < max_cycles {
        let cycle = report.cycles;
        let expected = model.outputs();
        let mut differed = false;
        for dut in duts.iter() {
            differed |=
                record_differences(&mut report, cycle, dut.backend(), &dut.outputs(), &expected);
        }
        if differed {
            report.mismatches += 1;
            if stop_at_first {
                break;
            }
        }
        let Some(inputs) = driver.inputs(cycle, &expected, &mut report) else {
            break;
        };
        model.step(&inputs);
        for dut in duts.iter_mut() {
            dut.step(&inputs);
        }
        driver.advance();
        report.cycles += 1;
        if report.cycles % PROGRESS_INTERVAL == 0 {
            report.seconds = started.elapsed().as_secs_f64();
            progress(&report);
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    report
}

/// An endless random stimulus for the multi-lane core: value ops, STATUS reads, and short
/// generator runs (random seed, length and active-lane count, sometimes more lanes than the
/// design has, sometimes zero clocks) so the state absorbs lane traffic while commands land.
pub struct LanesStimulus {
    rng: SplitMix64,
    lanes: u32,
    /// Table and shared mode's addresses; none for a single-context core (every address 0).
    addresses: Option<HotAddresses>,
    stalled_until: u64,
}

impl LanesStimulus {
    /// Stimulus for a single-context core (every address 0).
    pub fn new(lanes: u32, seed: u64) -> Self {
        LanesStimulus {
            rng: SplitMix64::new(seed),
            lanes,
            addresses: None,
            stalled_until: 0,
        }
    }

    /// Addresses over `contexts` contexts (table and shared mode): 70 % on three hot ones (the
    /// first, the last and a random one), the rest anywhere; GEN_RUN's address is its base
    /// context.
    pub fn with_contexts(mut self, contexts: u32) -> Self {
        let addresses = HotAddresses::new(contexts.max(1), &mut self.rng);
        // One context: every address is 0, and the stream draws nothing for it.
        self.addresses = (addresses.contexts > 1).then_some(addresses);
        self
    }
}

impl Stimulus for LanesStimulus {
    fn next_event(&mut self) -> Option<(u32, Event)> {
        let r = &mut self.rng;
        let gap = if r.below(8) == 0 {
            r.below(4) as u32
        } else {
            0
        };
        if r.below(20_000) == 0 {
            return Some((gap, Event::Reset));
        }
        let (op, data) = match r.below(100) {
            0..=29 => (Op::Accum.code(), r.next_u64()),
            30..=49 => (Op::Read.code(), 0),
            50..=57 => (Op::Load.code(), r.next_u64()),
            58..=63 => (Op::Swap.code(), 0),
            64..=69 => (Op::SwapLoad.code(), r.next_u64()),
            70..=79 => (crate::lanes_model::OP_STATUS, r.below(10)),
            80..=84 => (crate::lanes_model::OP_GEN_SEED, r.next_u64()),
            85..=94 => {
                let clocks = if r.below(10) == 0 { 0 } else { r.below(300) };
                let active = r.below(self.lanes as u64 + 3) as u32;
                (
                    crate::lanes_model::OP_GEN_RUN,
                    crate::lanes_model::gen_run_word(clocks, active),
                )
            }
            95..=97 => (Op::Nop.code(), r.next_u64()),
            _ => (9 + r.below(7) as u8, r.next_u64()),
        };
        // A single-context core's stream draws nothing for the address.
        let addr = self.addresses.as_ref().map_or(0, |a| a.pick(&mut self.rng));
        Some((gap, Event::Command(Command { op, addr, data })))
    }

    fn rsp_ready(&mut self, cycle: u64) -> bool {
        if cycle < self.stalled_until {
            return false;
        }
        if self.rng.below(64) == 0 {
            self.stalled_until = cycle + 1 + self.rng.below(24);
            return false;
        }
        true
    }
}
