//! The cycle-exact model of a multi-lane core with a context table (table mode's
//! `TableLaneCore`, shared mode's `SharedLaneCore`), written once: the algebra's [`Table`] for
//! the state, the generator stepped clock by clock, and the registers visible at the core's
//! ports. What differs between the modes (how a feeding clock reaches the table, its pipeline
//! depth, a STATUS register of its own) is a [`FeedMode`]: `table_lanes_model` and
//! `shared_lanes_model`.
//!
//! The RTL applies every command after everything taken before it, lane deltas included, so
//! the model applies a command to the table in the clock after it is taken (when it holds the
//! lanes, S1) and only delays its response: it reaches the stage that answers it
//! L + [`FeedMode::STAGES_AFTER_TREE`] clocks after that (L the merge tree's latency), sits in
//! the response register one clock and enters the queue the next. STATUS reads the counters as
//! they are when it reaches that stage. The generator pauses in any clock a command holds the
//! lanes; otherwise it feeds the table ([`FeedMode::feed`]). GEN_RUN launches two clocks after
//! its handshake, with the base address it was given ([`FeedMode::launch`]).

use crate::dut::{CoreInputs, CoreOutputs, Dut};
use crate::generator_model::GeneratorModel;
use crate::lanes_model::OP_STATUS;
use crate::model::Table;
use atomik_hdl::config::RESPONSE_QUEUE_DEPTH;
use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::{CoreConfig, Op};
use std::collections::VecDeque;

/// What one lane mode does differently in a core with a context table.
pub trait FeedMode: Default {
    /// Clocks from a command holding the lanes to its response reaching the stage that answers
    /// it, beyond the merge tree's latency.
    const STAGES_AFTER_TREE: usize;

    /// The value of STATUS register `index` when this mode answers it itself; `None` leaves it
    /// to the generator's map.
    fn status(_index: u64) -> Option<u64> {
        None
    }

    /// A GEN_RUN launches with base context `base`.
    fn launch(&mut self, base: u64);

    /// One feeding clock of the generator's current words into `table`.
    fn feed(&mut self, generator: &GeneratorModel, config: &LanesConfig, table: &mut Table);
}

/// A response on its way to the queue.
#[derive(Debug, Clone, Copy)]
enum Pending {
    Value(u64),
    /// A STATUS read, evaluated when it reaches the stage that answers it.
    Status(u64),
}

/// The model of a multi-lane core with a context table fed as `F` says.
pub struct ContextTableModel<F: FeedMode> {
    config: LanesConfig,
    table: Table,
    /// The command taken in the previous clock (op, address, data): it holds the lanes now.
    staged: Option<(u8, u64, u64)>,
    /// Responses in the delay line, oldest first (always L + `F::STAGES_AFTER_TREE` entries).
    delay: VecDeque<Option<Pending>>,
    /// The response register between the answering stage and the queue.
    rsp_reg: Option<u64>,
    responses: VecDeque<u64>,
    ready: bool,
    in_flight: u32,
    illegal: bool,
    clear_cycles_left: u64,
    generator: GeneratorModel,
    feed: F,
    cycles: u64,
}

impl<F: FeedMode> ContextTableModel<F> {
    pub fn new(config: LanesConfig) -> Self {
        let stages = config.tree_latency() as usize + F::STAGES_AFTER_TREE;
        ContextTableModel {
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
            feed: F::default(),
            cycles: 0,
        }
    }

    fn fresh_table(config: LanesConfig) -> Table {
        Table::new(64, config.contexts as u64).expect("a validated LanesConfig is a valid table")
    }

    fn status(&self, index: u64) -> u64 {
        F::status(index).unwrap_or_else(|| self.generator.status(index, &self.config, self.cycles))
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
}

impl<F: FeedMode> Dut for ContextTableModel<F> {
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
        CoreOutputs::from_queue(self.ready, &self.responses, self.illegal)
    }

    fn step(&mut self, i: &CoreInputs) {
        let fire = i.cmd_valid && self.ready;
        let op = i.cmd_op & 0xf;
        let addr = (i.cmd_addr & (self.config.contexts - 1)) as u64;
        let pop = i.rsp_ready && !self.responses.is_empty();

        // The queue takes the response register; the answering stage fills it with what held
        // the lanes L + F::STAGES_AFTER_TREE clocks ago.
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

        // Generator: paused in a clock a command holds the lanes.
        let sample = self.generator.sample();
        if self.generator.active() && staged.is_none() {
            self.feed
                .feed(&self.generator, &self.config, &mut self.table);
            self.generator.step();
        }
        let mut launched = false;
        if !i.reset {
            if let Some(base) = self.generator.launch() {
                self.feed.launch(base);
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
