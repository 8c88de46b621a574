//! The reference model ([`crate::model::Table`]) wrapped in the core's cycle timing, so it can
//! stand beside the RTL in lockstep and every output can be compared every cycle.
//!
//! It mirrors the registers the RTL exposes, not its internals: `cmd_ready` (a register fed by
//! the response credit count and the reset sweep), one op in execution (S1), and the response
//! queue. The algebra itself is the model's; nothing here recomputes it. Latencies are those
//! documented in `atomik_hdl::core`.

use crate::conform::TableOps;
use crate::dut::{CoreInputs, CoreOutputs, Dut};
use crate::model::Table;
use atomik_hdl::config::RESPONSE_QUEUE_DEPTH;
use atomik_hdl::{CoreConfig, Op};
use std::collections::VecDeque;

#[derive(Debug, Clone, Copy)]
struct Executing {
    op: Op,
    addr: u64,
    data: u64,
}

/// The cycle-exact model of `atomik_hdl::AtomikCore`.
pub struct CycleModel {
    config: CoreConfig,
    table: Table,
    ready: bool,
    in_flight: u32,
    clear_cycles_left: u64,
    executing: Option<Executing>,
    responses: VecDeque<u64>,
    illegal: bool,
    cycles: u64,
}

impl CycleModel {
    /// A model in the power-up state: every context zero, `cmd_ready` low until the first
    /// clock.
    pub fn new(config: CoreConfig) -> Self {
        CycleModel {
            config,
            table: Self::fresh_table(config),
            ready: false,
            in_flight: 0,
            clear_cycles_left: 0,
            executing: None,
            responses: VecDeque::new(),
            illegal: false,
            cycles: 0,
        }
    }

    fn fresh_table(config: CoreConfig) -> Table {
        Table::new(config.width, config.contexts as u64)
            .expect("a validated CoreConfig is a valid model table")
    }

    /// Executes the op in S1 on the algebra; returns the response it pushes, if any.
    fn execute(&mut self, e: Executing) -> Option<u64> {
        // Addresses come from a `log2(contexts)`-bit port and data from a `width`-bit port,
        // so neither can be out of range here.
        let t = &mut self.table;
        match e.op {
            Op::Nop => None,
            Op::Load => t.load(e.addr, e.data).ok().map(|_| None)?,
            Op::Accum => t.accum(e.addr, e.data).ok().map(|_| None)?,
            Op::Read => t.read(e.addr).ok(),
            Op::Swap => t.swap(e.addr, None).ok(),
            Op::SwapLoad => t.swap(e.addr, Some(e.data)).ok(),
        }
    }
}

impl Dut for CycleModel {
    fn config(&self) -> CoreConfig {
        self.config
    }

    fn backend(&self) -> &'static str {
        "model"
    }

    fn outputs(&self) -> CoreOutputs {
        CoreOutputs::from_queue(self.ready, &self.responses, self.illegal)
    }

    fn step(&mut self, i: &CoreInputs) {
        self.cycles += 1;
        let fire = i.cmd_valid && self.ready;
        let pop = i.rsp_ready && !self.responses.is_empty();
        let decoded = Op::from_code(i.cmd_op & 7);

        // S1 executes and pushes its response; the head pops at the same edge.
        if pop {
            self.responses.pop_front();
        }
        if let Some(e) = self.executing.take() {
            if let Some(state) = self.execute(e) {
                self.responses.push_back(state);
            }
        }
        self.executing = match decoded {
            Some(op) if fire && op != Op::Nop => Some(Executing {
                op,
                addr: (i.cmd_addr & (self.config.contexts - 1)) as u64,
                data: i.cmd_data & self.config.mask(),
            }),
            _ => None,
        };
        self.illegal |= fire && decoded.is_none();
        let responds = fire && decoded.is_some_and(Op::responds);
        self.in_flight = self.in_flight + responds as u32 - pop as u32;
        if self.clear_cycles_left > 0 {
            self.clear_cycles_left -= 1;
        }
        if i.reset {
            // The sweep zeroes every context before any command is admitted again, so the
            // model may clear its table at once.
            self.executing = None;
            self.responses.clear();
            self.in_flight = 0;
            self.illegal = false;
            self.clear_cycles_left = self.config.contexts as u64;
            self.table = Self::fresh_table(self.config);
        }
        self.ready =
            !i.reset && self.clear_cycles_left == 0 && self.in_flight < RESPONSE_QUEUE_DEPTH;
    }

    fn cycles(&self) -> u64 {
        self.cycles
    }
}
