//! A core's response path: the [`ResponseQueue`] and the credit count that keeps it from
//! overflowing, shared by the single-lane core and the three multi-lane cores.
//!
//! ```text
//!   responds (this clock's handshake answers) ──► in_flight +1 ─┐
//!   pop & valid ──────────────────────────────► in_flight -1 ─┴─► in_flight_next < DEPTH ─► room
//!   push/push_data ──► queue ──► valid/data           (pop) ◄── the consumer's ready
//! ```
//!
//! Why credits: a core's pipeline never stalls (no stall mux on its RAM or tree paths), so a
//! command that answers must find room in the queue whenever its response arrives, however
//! many clocks after the handshake that is. `in_flight` counts every accepted command that
//! answers, from its handshake until its response is popped: those still in the pipeline and
//! those waiting in the queue. A core admits commands only while that count is below the
//! queue's [`DEPTH`], so the queue holds every response whatever the latency, and needs no
//! full flag. Four entries cover the single-lane core's 2-clock latency plus its ready
//! register, so back-to-back READs run at one per clock while the consumer keeps popping.
//!
//! Why `room` reads the count after this clock (`in_flight_next`), not the register: each
//! core's `cmd_ready` is a flip-flop (it leaves the core with no logic in front of it), so
//! the decision for the next clock has to include this clock's handshake and pop. The count
//! peaks at `DEPTH` (a handshake in the clock `room` was last true), so 4 bits hold it.
//!
//! Reset (synchronous): empties the queue and zeroes the count. `room` does not look at the
//! reset (in a reset clock it still reflects the count): every core clears its `cmd_ready` on
//! reset itself, and keeping the reset out of the compare saves a LUT (yosys `synth_ice40
//! -noabc` of each of the four cores: one cell fewer).

use crate::response_queue::{ResponseQueue, DEPTH};
use rust_hdl::prelude::*;

// The count is 4 bits wide: it must hold DEPTH itself.
const _: () = assert!(DEPTH < 16);

/// The response queue of `W`-bit words with its credit count.
#[derive(LogicBlock)]
pub struct ResponseCredits<const W: usize> {
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: empties the queue and zeroes the count.
    pub reset: Signal<In, Bit>,
    /// A command that will answer handshakes this clock (the core's `fire` and its op).
    pub responds: Signal<In, Bit>,
    /// Appends `push_data` at the rising edge; room is guaranteed by the credits.
    pub push: Signal<In, Bit>,
    pub push_data: Signal<In, Bits<W>>,
    /// The consumer takes the head this clock (its `rsp_ready`); ignored while empty.
    pub pop: Signal<In, Bit>,
    /// The queue is non-empty; `data` is its head (the core's `rsp_valid`/`rsp_data`).
    pub valid: Signal<Out, Bit>,
    pub data: Signal<Out, Bits<W>>,
    /// Another answering command may be accepted next clock: fewer than `DEPTH` are owed
    /// after this clock's handshake and pop. The core registers it into its `cmd_ready`,
    /// masked with its reset (`room` ignores the reset).
    pub room: Signal<Out, Bit>,
    queue: ResponseQueue<W>,
    /// Answering commands accepted and not yet popped (in the pipeline or in the queue).
    in_flight: DFF<Bits<4>>,
    in_flight_next: Signal<Local, Bits<4>>,
    popped: Signal<Local, Bit>,
    depth: Constant<Bits<4>>,
}

impl<const W: usize> Default for ResponseCredits<W> {
    fn default() -> Self {
        ResponseCredits {
            clock: Default::default(),
            reset: Default::default(),
            responds: Default::default(),
            push: Default::default(),
            push_data: Default::default(),
            pop: Default::default(),
            valid: Default::default(),
            data: Default::default(),
            room: Default::default(),
            queue: Default::default(),
            in_flight: Default::default(),
            in_flight_next: Default::default(),
            popped: Default::default(),
            depth: Constant::new((DEPTH as u64).to_bits()),
        }
    }
}

impl<const W: usize> Logic for ResponseCredits<W> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, in_flight);
        self.queue.clock.next = self.clock.val();
        self.queue.reset.next = self.reset.val();
        self.queue.push.next = self.push.val();
        self.queue.push_data.next = self.push_data.val();
        self.queue.pop.next = self.pop.val();
        self.valid.next = self.queue.valid.val();
        self.data.next = self.queue.data.val();
        self.popped.next = self.pop.val() & self.queue.valid.val();
        self.in_flight_next.next = self.in_flight.q.val();
        if self.responds.val() & !self.popped.val() {
            self.in_flight_next.next = self.in_flight.q.val() + 1;
        }
        if !self.responds.val() & self.popped.val() {
            self.in_flight_next.next = self.in_flight.q.val() - 1;
        }
        self.in_flight.d.next = self.in_flight_next.val();
        if self.reset.val() {
            self.in_flight.d.next = 0.into();
        }
        self.room.next = self.in_flight_next.val() < self.depth.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// A core's use of the block, through rust-hdl's simulator: commands that answer are
    /// accepted only on a registered `room`, each answers a random number of clocks later, the
    /// consumer pops at random. The head is always the oldest word pushed and not popped (so
    /// none is lost or overwritten), and `room` is low exactly when `DEPTH` are owed after the
    /// clock.
    #[test]
    fn credits_keep_the_queue_from_overflowing() {
        let mut uut = ResponseCredits::<16>::default();
        uut.connect_all();
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let mut ready = false;
        let mut owed = 0usize;
        // (clocks until its push, word) of accepted commands not yet pushed, in order.
        let mut pipeline: VecDeque<(u32, u64)> = VecDeque::new();
        let mut queued: VecDeque<u64> = VecDeque::new();
        let mut next_word = 1u64;
        let mut popped_words = 0;
        let mut full_clocks = 0;
        for cycle in 0..4000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let reset = rng.is_multiple_of(211);
            let accept = ready && !reset && rng & 1 != 0;
            let pop = rng & 6 == 6;
            // A response due this clock is pushed (they leave the pipeline in order).
            let push = !reset && pipeline.front().is_some_and(|&(due, _)| due == 0);
            uut.clock.next = false.into();
            uut.reset.next = reset;
            uut.responds.next = accept;
            uut.push.next = push;
            uut.push_data.next = pipeline.front().map_or(0, |&(_, w)| w).to_bits();
            uut.pop.next = pop;
            assert!(simulate(&mut uut, 100), "did not settle, cycle {cycle}");
            assert_eq!(uut.valid.val(), !queued.is_empty(), "valid, cycle {cycle}");
            if let Some(&head) = queued.front() {
                assert_eq!(uut.data.val().to_u64(), head, "head, cycle {cycle}");
            }
            let popped = pop && !queued.is_empty();
            let owed_after = owed + accept as usize - popped as usize;
            assert_eq!(uut.room.val(), owed_after < DEPTH, "room, cycle {cycle}");
            let owed_next = if reset { 0 } else { owed_after };
            // The core's registered ready.
            let ready_next = uut.room.val() && !reset;
            uut.clock.next = true.into();
            assert!(simulate(&mut uut, 100), "did not settle, cycle {cycle}");
            full_clocks += (owed_next == DEPTH) as usize;
            owed = owed_next;
            ready = ready_next;
            if reset {
                pipeline.clear();
                queued.clear();
                continue;
            }
            if popped {
                queued.pop_front();
                popped_words += 1;
            }
            if push {
                let (_, word) = pipeline.pop_front().expect("a push had a word");
                queued.push_back(word);
            }
            assert!(queued.len() <= DEPTH, "queue overflowed, cycle {cycle}");
            for (due, _) in pipeline.iter_mut() {
                *due = due.saturating_sub(1);
            }
            if accept {
                // At least as late as the command before it, as in a pipeline.
                let after = pipeline.back().map_or(0, |&(d, _)| d);
                let latency = after.max(1 + (rng >> 8) as u32 % 6);
                pipeline.push_back((latency, next_word & 0xffff));
                next_word += 1;
            }
        }
        assert!(popped_words > 500, "only {popped_words} words popped");
        assert!(
            full_clocks > 50,
            "the credits ran out in only {full_clocks} clocks"
        );
    }
}
