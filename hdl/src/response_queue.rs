//! The core's response queue: 8 entries of `W` bits in flip-flops, first-word-fall-through.
//!
//! ```text
//!   push/push_data ──► mem[wr_ptr]      mem[rd_ptr] ──► data     (count != 0) ──► valid
//!                                       pop & valid advances rd_ptr
//! ```
//! Flip-flops rather than block RAM: the queue is tiny, and a registered count plus a mux keeps
//! `valid`/`data` free of RAM read latency so a response is visible the cycle after its push.
//! The core never pushes into a full queue (it admits reading ops against a credit count), so
//! the queue has no full flag.

use rust_hdl::prelude::*;

/// Entries in the queue; must equal [`crate::config::RESPONSE_QUEUE_DEPTH`].
pub const DEPTH: usize = 8;

/// An 8-deep FWFT queue of `W`-bit responses with a synchronous reset.
#[derive(LogicBlock)]
pub struct ResponseQueue<const W: usize> {
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: empties the queue.
    pub reset: Signal<In, Bit>,
    /// Appends `push_data` at the rising edge (caller guarantees room).
    pub push: Signal<In, Bit>,
    pub push_data: Signal<In, Bits<W>>,
    /// Drops the head at the rising edge when `valid`.
    pub pop: Signal<In, Bit>,
    /// The queue is non-empty; `data` is its head.
    pub valid: Signal<Out, Bit>,
    pub data: Signal<Out, Bits<W>>,
    mem: [DFF<Bits<W>>; DEPTH],
    rd_ptr: DFF<Bits<3>>,
    wr_ptr: DFF<Bits<3>>,
    count: DFF<Bits<4>>,
    pop_fire: Signal<Local, Bit>,
}

impl<const W: usize> Default for ResponseQueue<W> {
    fn default() -> Self {
        ResponseQueue {
            clock: Default::default(),
            reset: Default::default(),
            push: Default::default(),
            push_data: Default::default(),
            pop: Default::default(),
            valid: Default::default(),
            data: Default::default(),
            mem: array_init::array_init(|_| Default::default()),
            rd_ptr: Default::default(),
            wr_ptr: Default::default(),
            count: Default::default(),
            pop_fire: Default::default(),
        }
    }
}

impl<const W: usize> Logic for ResponseQueue<W> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, rd_ptr, wr_ptr, count);
        for i in 0..DEPTH {
            self.mem[i].clock.next = self.clock.val();
            self.mem[i].d.next = self.mem[i].q.val();
        }
        self.valid.next = self.count.q.val().any();
        self.data.next = self.mem[0].q.val();
        for i in 0..DEPTH {
            if self.rd_ptr.q.val().index() == i {
                self.data.next = self.mem[i].q.val();
            }
        }
        self.pop_fire.next = self.pop.val() & self.count.q.val().any();
        if self.push.val() {
            for i in 0..DEPTH {
                if self.wr_ptr.q.val().index() == i {
                    self.mem[i].d.next = self.push_data.val();
                }
            }
            self.wr_ptr.d.next = self.wr_ptr.q.val() + 1;
        }
        if self.pop_fire.val() {
            self.rd_ptr.d.next = self.rd_ptr.q.val() + 1;
        }
        if self.push.val() & !self.pop_fire.val() {
            self.count.d.next = self.count.q.val() + 1;
        }
        if !self.push.val() & self.pop_fire.val() {
            self.count.d.next = self.count.q.val() - 1;
        }
        if self.reset.val() {
            self.rd_ptr.d.next = 0.into();
            self.wr_ptr.d.next = 0.into();
            self.count.d.next = 0.into();
        }
    }
}
