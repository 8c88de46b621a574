//! An on-chip throughput run on a simulated multi-lane core: the generator feeds every active
//! lane one delta per clock for K clocks, then the state and the core's own counters are read
//! back and checked against the host's prediction (see [`crate::generator`]). A run counts
//! only when `verified`: identity registers, every context's state, clock counter and delta
//! counter all as predicted. In table mode lane i feeds context i mod contexts; in shared mode
//! every lane of the k-th feeding clock feeds context k mod contexts.

use crate::driver::CommandDriver;
use crate::dut::Dut;
use crate::generator::GeneratorRun;
use crate::lanes_model::{gen_run_word, OP_GEN_RUN, OP_GEN_SEED, OP_STATUS};
use atomik_hdl::lanes::single::{StatusReg, DESIGN_ID};
use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::Op;
use std::time::Instant;

/// What to run.
#[derive(Debug, Clone, Copy)]
pub struct OnChipRequest {
    pub config: LanesConfig,
    pub seed: u64,
    /// Generator clocks (K), < 2^40.
    pub clocks: u64,
    /// GEN_RUN's active-lane count M (the hardware enables whole banks of twelve:
    /// `atomik_hdl::lanes::lane::active_lanes`).
    pub active_lanes: u32,
    /// State loaded before the run, so the check covers reference ^ accumulated deltas.
    pub initial_state: u64,
}

/// What a run did and whether it checked out.
#[derive(Debug, Clone)]
pub struct OnChipReport {
    pub request: OnChipRequest,
    /// State of context 0 read back after the run (every other context is checked too).
    pub state: u64,
    /// `initial_state ^` the predicted XOR of everything fed to context 0.
    pub predicted: u64,
    /// The core's own counters.
    pub gen_clocks: u64,
    pub gen_deltas: u64,
    /// Identity registers matched the configuration.
    pub identity_ok: bool,
    pub verified: bool,
    /// Clocks simulated in all, and the wall time they took.
    pub sim_cycles: u64,
    pub wall_seconds: f64,
}

impl OnChipReport {
    /// Deltas per clock the design absorbed in this run.
    pub fn deltas_per_clock(&self) -> f64 {
        if self.gen_clocks == 0 {
            0.0
        } else {
            self.gen_deltas as f64 / self.gen_clocks as f64
        }
    }

    /// The on-chip rate this run implies at `mhz` (G deltas/s): deltas per clock x clock.
    pub fn gops_at_mhz(&self, mhz: f64) -> f64 {
        self.deltas_per_clock() * mhz / 1000.0
    }

    pub fn sim_cycles_per_sec(&self) -> f64 {
        if self.wall_seconds > 0.0 {
            self.sim_cycles as f64 / self.wall_seconds
        } else {
            0.0
        }
    }
}

/// Chunk of idle clocks between progress reports.
const PROGRESS_CHUNK: u64 = 1 << 18;

/// Runs the generator on `dut` (a multi-lane core) and verifies the result.
/// `progress(clocks_done, clocks_total)` is called as the run advances.
pub fn run_generator(
    dut: Box<dyn Dut>,
    request: OnChipRequest,
    progress: &mut dyn FnMut(u64, u64),
) -> OnChipReport {
    let started = Instant::now();
    let config = request.config;
    let mut d = CommandDriver::new(dut);
    d.reset();
    let status = |d: &mut CommandDriver, reg: StatusReg| d.query(OP_STATUS, 0, reg as u64);
    let identity_ok = status(&mut d, StatusReg::Id) == DESIGN_ID
        && status(&mut d, StatusReg::Lanes) == config.lanes as u64
        && status(&mut d, StatusReg::Contexts) == config.contexts as u64
        && status(&mut d, StatusReg::Width) == config.width as u64
        && status(&mut d, StatusReg::TreeLatency) == config.tree_latency() as u64;

    d.issue(OP_GEN_SEED, 0, request.seed);
    d.issue(Op::Load.code(), 0, request.initial_state);
    d.issue(
        OP_GEN_RUN,
        0,
        gen_run_word(request.clocks, request.active_lanes),
    );
    let mut done = 0;
    while done < request.clocks {
        let chunk = PROGRESS_CHUNK.min(request.clocks - done);
        d.idle(chunk);
        done += chunk;
        progress(done, request.clocks);
    }
    while status(&mut d, StatusReg::GenBusy) != 0 {
        d.idle(64);
    }
    let gen_clocks = status(&mut d, StatusReg::GenClocks);
    let gen_deltas = status(&mut d, StatusReg::GenDeltas);

    let run = GeneratorRun {
        lanes: config.lanes,
        width: config.width,
        seed: request.seed,
        clocks: request.clocks,
        active_lanes: request.active_lanes,
    };
    let mask = if config.width >= 64 {
        u64::MAX
    } else {
        (1u64 << config.width) - 1
    };
    // Context 0 was loaded with the initial state; the run (base 0) spread over the contexts
    // as the mode does, and every context is read back and checked.
    let fed = run.predicted_for_mode(config.mode, config.contexts, 0);
    let mut contexts_ok = true;
    for (addr, fed) in fed.iter().enumerate().skip(1) {
        contexts_ok &= d.query(Op::Read.code(), addr as u32, 0) == *fed;
    }
    let state = d.query(Op::Read.code(), 0, 0);
    let predicted = (request.initial_state & mask) ^ fed[0];
    let verified = identity_ok
        && contexts_ok
        && state == predicted
        && gen_clocks == request.clocks
        && gen_deltas == run.deltas();
    OnChipReport {
        request,
        state,
        predicted,
        gen_clocks,
        gen_deltas,
        identity_ok,
        verified,
        sim_cycles: d.dut().cycles(),
        wall_seconds: started.elapsed().as_secs_f64(),
    }
}
