//! The cycle-exact model of the shared-table multi-lane core
//! (`atomik_hdl::lanes::shared::SharedLaneCore`): the algebra's [`Table`] for the state, the
//! generator stepped clock by clock, and the registers visible at the core's ports.
//!
//! The RTL applies every command after everything taken before it, lane deltas included, so
//! the model applies a command to the table in the clock after it is taken (when it holds the
//! table's slot, S1) and only delays its response: it reaches the table stage L + 1 clocks
//! after that, sits in the response register one clock and enters the queue the next (visible
//! L + 4 clocks after the handshake). STATUS reads the counters as they are when it reaches
//! the table stage. The generator pauses in any clock a command holds the slot; otherwise the
//! XOR of every enabled lane's delta goes to context (base + k) mod contexts in its k-th
//! feeding clock. GEN_RUN launches two clocks after its handshake, with the base address it
//! was given.

use crate::dut::{CoreInputs, CoreOutputs, Dut};
use crate::generator_model::GeneratorModel;
use crate::lanes_model::{lane_xor, OP_STATUS};
use crate::model::Table;
use atomik_hdl::config::RESPONSE_QUEUE_DEPTH;
use atomik_hdl::lanes::shared::FEED_PER_CLOCK;
use atomik_hdl::lanes::single::StatusReg;
use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::{CoreConfig, Op};
use std::collections::VecDeque;

/// A response on its way to the queue.
#[derive(Debug, Clone, Copy)]
enum Pending {
    Value(u64),
    /// A STATUS read, evaluated when it reaches the table stage.
    Status(u64),
}

/// The model of `SharedLaneCore`.
pub struct SharedLanesModel {
    config: LanesConfig,
    table: Table,
    /// The command taken in the previous clock (op, address, data): it holds the slot now.
    staged: Option<(u8, u64, u64)>,
    /// Responses in the delay line, oldest first (always L + 1 entries).
    delay: VecDeque<Option<Pending>>,
    /// The response register between the table stage and the queue.
    rsp_reg: Option<u64>,
    responses: VecDeque<u64>,
    ready: bool,
    in_flight: u32,
    illegal: bool,
    clear_cycles_left: u64,
    generator: GeneratorModel,
    /// The context the run's next feeding clock goes to.
    feed_addr: u64,
    cycles: u64,
}

impl SharedLanesModel {
    pub fn new(config: LanesConfig) -> Self {
        let stages = config.tree_latency() as usize + 1;
        SharedLanesModel {
            config,
            table: Self::fresh_table(config),
            staged: None,
            delay: VecDeque::from(vec![None; stages]),
            rsp_reg: None,
            responses: VecDeque::new(),
            ready: false,
            in_flight: 0,
            illegal: false,
            clear_cycles_left: 0,
            generator: GeneratorModel::new(config.lanes),
            feed_addr: 0,
            cycles: 0,
        }
    }

    fn fresh_table(config: LanesConfig) -> Table {
        Table::new(64, config.contexts as u64).expect("a validated LanesConfig is a valid table")
    }

    fn status(&self, index: u64) -> u64 {
        if index == StatusReg::Feed as u64 {
            return FEED_PER_CLOCK;
        }
        self.generator.status(index, &self.config, self.cycles)
    }

    /// Applies a command to the table; returns the response it will give.
    fn execute(&mut self, op: u8, addr: u64, data: u64) -> Option<Pending> {
        // The address comes from a log2(contexts)-bit port: always in range.
        let t = &mut self.table;
        match Op::from_code(op) {
            Some(Op::Load) => t.load(addr, data).ok().map(|_| None)?,
            Some(Op::Accum) => t.accum(addr, data).ok().map(|_| None)?,
            Some(Op::Read) => t.read(addr).ok().map(Pending::Value),
            Some(Op::Swap) => t.swap(addr, None).ok().map(Pending::Value),
            Some(Op::SwapLoad) => t.swap(addr, Some(data)).ok().map(Pending::Value),
            _ if op == OP_STATUS => Some(Pending::Status(data)),
            _ => None,
        }
    }

    /// This clock's reduction of every enabled lane, into the run's current context.
    fn feed(&mut self) {
        let reduced = lane_xor(
            self.generator.words(),
            self.generator.rotation_masks(),
            self.config.width,
        );
        // In range by construction.
        let _ = self.table.accum(self.feed_addr, reduced);
        self.feed_addr = (self.feed_addr + 1) % self.config.contexts as u64;
    }
}

impl Dut for SharedLanesModel {
    fn config(&self) -> CoreConfig {
        CoreConfig {
            width: 64,
            contexts: self.config.contexts,
        }
    }

    fn backend(&self) -> &'static str {
        "model"
    }

    fn outputs(&self) -> CoreOutputs {
        CoreOutputs {
            cmd_ready: self.ready,
            rsp_valid: !self.responses.is_empty(),
            rsp_data: self.responses.front().copied().unwrap_or(0),
            illegal_op: self.illegal,
        }
    }

    fn step(&mut self, i: &CoreInputs) {
        let fire = i.cmd_valid && self.ready;
        let op = i.cmd_op & 0xf;
        let addr = (i.cmd_addr & (self.config.contexts - 1)) as u64;
        let pop = i.rsp_ready && !self.responses.is_empty();

        if pop {
            self.responses.pop_front();
        }
        if let Some(r) = self.rsp_reg.take() {
            self.responses.push_back(r);
        }
        self.rsp_reg = self.delay.pop_front().flatten().map(|p| match p {
            Pending::Value(v) => v,
            Pending::Status(index) => self.status(index),
        });
        let staged = self.staged.take();
        let pending = staged.and_then(|(op, addr, data)| self.execute(op, addr, data));
        self.delay.push_back(pending);

        // Generator: paused in a clock a command holds the slot.
        let sample = self.generator.sample();
        if self.generator.active() && staged.is_none() {
            self.feed();
            self.generator.step();
        }
        let mut launched = false;
        if !i.reset {
            if let Some(base) = self.generator.launch() {
                self.feed_addr = base;
                launched = true;
            }
        }
        if fire && !i.reset {
            self.generator.command(op, i.cmd_data, addr);
            self.staged = Some((op, addr, i.cmd_data));
        }

        self.illegal |= fire && op > OP_STATUS;
        let responds = fire && (op == OP_STATUS || Op::from_code(op).is_some_and(Op::responds));
        self.in_flight = self.in_flight + responds as u32 - pop as u32;
        if self.clear_cycles_left > 0 {
            self.clear_cycles_left -= 1;
        }
        if i.reset {
            self.table = Self::fresh_table(self.config);
            self.responses.clear();
            self.rsp_reg = None;
            self.delay.iter_mut().for_each(|d| *d = None);
            self.in_flight = 0;
            self.illegal = false;
            self.generator.reset();
            self.clear_cycles_left = self.config.contexts as u64;
        }
        self.generator.end_clock(sample, launched);
        self.ready =
            !i.reset && self.clear_cycles_left == 0 && self.in_flight < RESPONSE_QUEUE_DEPTH;
        self.cycles += 1;
    }

    fn cycles(&self) -> u64 {
        self.cycles
    }
}
