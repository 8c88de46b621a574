//! The core's response queue: 4 entries of `W` bits in flip-flops, first-word-fall-through,
//! built as a shift register whose head is always entry 0.
//!
//! ```text
//!   push/push_data ──► the first free entry (after this clock's pop)
//!   mem[3] ─► ... ─► mem[1] ─► mem[0] ──► data      occupied[0] ──► valid
//!            pop & valid shifts every entry one place toward the head
//! ```
//! Why four entries: the queue only has to cover the responses a core owes while its consumer
//! is slow, and every host link issues one answering command at a time (the handshake port
//! waits for each response), so in a board top it never holds more than one. Its size only
//! sets how fast back-to-back READs stream in simulation: at four, one per clock for the
//! context core (its round trip fits), four per L + 3 clocks for the multi-lane cores. Each
//! entry is 64 flip-flops and 64 LUT4, which on the GW1NR-9, where LUT positions bound the
//! lanes, were worth two lanes apiece (eight entries until session 13).
//!
//! Why a shift register rather than a pointer and a read mux: `data` comes straight from
//! flip-flops, so nothing downstream of the queue starts with LUT levels of read mux driven by a
//! read pointer with a 192-load fan-out. That path was the GW1NR-9 critical path of the 64-lane
//! core at eight entries (9.5 ns: rd_ptr, 8:1 mux, the consumer's flip-flop). Here every entry
//! takes one of three values (its own, its neighbour's, `push_data`). The update is written with
//! the hold outermost (an entry loads when the head pops or a push lands in it, and then takes the
//! pushed word or its neighbour's), so synthesis makes the hold the flip-flops' clock enable and
//! each bit one 2:1 mux in one LUT. Written the other way round (shift on a pop, then overwrite
//! where a push lands), yosys's `opt_dff` found no enable for entries 0 to 6 (of eight) and built a
//! 3:1 mux per bit in two LUTs: 904 LUT4 for 8 x 64 bits against 463 this way (yosys `synth_gowin
//! -nowidelut` and `synth_ice40` on the queue alone). Occupancy is a thermometer code, so `valid`
//! is one flip-flop and which entry a push lands in is a LUT of two of its bits, not a 4-bit
//! compare.
//!
//! Where a push lands is decided a clock ahead: two one-hot registers per entry hold "a push
//! lands here if nothing pops" and "... if the head pops", computed from the next occupancy,
//! so each entry's load enable is one LUT4 of its own two flags, `push` and `pop`. Computing it
//! from the occupancy bits directly made it a LUT of three occupancy bits, `push`, `pop` and
//! `valid`: two LUT levels fed by registers shared with every other entry, and the GW1NR-9
//! 64-lane board top's critical path at eight entries (8.04 ns: occupancy bit 6 -> 3.5 ns of
//! routing -> entry 7's load enable -> its 64 flip-flops).
//!
//! The outside behaviour is the pointer queue's: a response is visible the cycle after its
//! push. The core never pushes into a full queue (it admits reading ops against a credit
//! count), so the queue has no full flag.

use rust_hdl::prelude::*;

/// Entries in the queue: [`crate::config::RESPONSE_QUEUE_DEPTH`], the one place the depth is
/// set (the cores' credit counts and the cycle models read it there).
pub const DEPTH: usize = crate::config::RESPONSE_QUEUE_DEPTH as usize;
// The update writes DEPTH - 1 and DEPTH as literals (see there).
const _: () = assert!(DEPTH == 4);

/// A 4-deep FWFT queue of `W`-bit responses with a synchronous reset.
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
    /// Entry 0 is the head. No reset: an entry is only read once `occupied` says it holds one.
    mem: [DFF<Bits<W>>; DEPTH],
    /// Thermometer occupancy: bit i set when entry i holds a value (all zero, the power-on
    /// value, is empty), so `valid` is one flip-flop and where a push lands is a LUT of two
    /// neighbouring bits.
    occupied: DFF<Bits<4>>,
    /// Bit i: a push lands in entry i if the head does not pop (the first free entry), kept
    /// with bit 0 inverted so the power-on value (all zero) is the empty queue's (entry 0).
    lands_if_held: DFF<Bits<4>>,
    /// Bit i: a push lands in entry i if the head pops (the last held entry, which the pop
    /// frees; when the queue is empty nothing pops, so this equals `lands_if_held`). Bit 0
    /// kept inverted, as above.
    lands_if_popped: DFF<Bits<4>>,
    occupied_next: Signal<Local, Bits<4>>,
    land_here: Signal<Local, Bits<4>>,
    /// Bit i: a push lands in entry i this clock.
    push_here: Signal<Local, Bits<4>>,
    /// Bit i: entry i takes a new word this clock (its flip-flops' clock enable).
    entry_load: Signal<Local, Bits<4>>,
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
            occupied: Default::default(),
            lands_if_held: Default::default(),
            lands_if_popped: Default::default(),
            occupied_next: Default::default(),
            land_here: Default::default(),
            push_here: Default::default(),
            entry_load: Default::default(),
            pop_fire: Default::default(),
        }
    }
}

impl<const W: usize> Logic for ResponseQueue<W> {
    #[hdl_gen]
    fn update(&mut self) {
        // Literal 3 below is DEPTH - 1 (and 0xf DEPTH ones): rust-hdl's Verilog generator takes
        // loop variables and literals in indices, not named constants.
        dff_setup!(self, clock, occupied, lands_if_held, lands_if_popped);
        for i in 0..DEPTH {
            self.mem[i].clock.next = self.clock.val();
            self.mem[i].d.next = self.mem[i].q.val();
        }
        self.valid.next = self.occupied.q.val().get_bit(0);
        self.data.next = self.mem[0].q.val();
        self.pop_fire.next = self.pop.val() & self.occupied.q.val().get_bit(0);
        // The entry a push lands in this clock, from the flags decided a clock ago (bit 0 of
        // each is stored inverted). `pop` rather than `pop_fire` selects: with the queue
        // empty the two flags agree.
        self.land_here.next = self.lands_if_held.q.val() ^ 1;
        if self.pop.val() {
            self.land_here.next = self.lands_if_popped.q.val() ^ 1;
        }
        self.push_here.next = 0.into();
        if self.push.val() {
            self.push_here.next = self.land_here.val();
        }
        // Each entry loads when the head pops (its neighbour's word) or a push lands in it
        // (the pushed word, which wins). The hold is the outer branch on purpose: it is then
        // the flip-flops' clock enable, and each bit is a 2:1 mux in one LUT.
        self.entry_load.next = self.push_here.val();
        if self.pop_fire.val() {
            self.entry_load.next = 0xf.into();
        }
        for i in 0..3 {
            if self.entry_load.val().get_bit(i) {
                self.mem[i].d.next = self.mem[i + 1].q.val();
                if self.push_here.val().get_bit(i) {
                    self.mem[i].d.next = self.push_data.val();
                }
            }
        }
        if self.push_here.val().get_bit(3) {
            self.mem[3].d.next = self.push_data.val();
        }
        self.occupied_next.next = self.occupied.q.val();
        if self.push.val() & !self.pop_fire.val() {
            self.occupied_next.next = (self.occupied.q.val() << 1) | 1;
        }
        if !self.push.val() & self.pop_fire.val() {
            self.occupied_next.next = self.occupied.q.val() >> 1;
        }
        if self.reset.val() {
            self.occupied_next.next = 0.into();
        }
        self.occupied.d.next = self.occupied_next.val();
        // Held: the first free entry (entry 0 counts entry -1 as held). Popped: the last held
        // entry, which the pop frees as everything shifts toward the head.
        self.lands_if_held.d.next =
            (!self.occupied_next.val() & ((self.occupied_next.val() << 1) | 1)) ^ 1;
        self.lands_if_popped.d.next = self.lands_if_held.d.val();
        if self.occupied_next.val().get_bit(0) {
            self.lands_if_popped.d.next =
                (self.occupied_next.val() & !(self.occupied_next.val() >> 1)) ^ 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// Random pushes and pops against a `VecDeque`, through rust-hdl's simulator: same
    /// `valid` and head every cycle.
    #[test]
    fn matches_a_software_queue() {
        let mut uut = ResponseQueue::<16>::default();
        uut.connect_all();
        let mut expected: VecDeque<u64> = VecDeque::new();
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next_value = 1u64;
        for cycle in 0..2000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let reset = rng.is_multiple_of(97);
            let push = !reset && expected.len() < DEPTH && rng & 2 != 0;
            let pop = rng & 4 != 0;
            uut.clock.next = false.into();
            uut.reset.next = reset;
            uut.push.next = push;
            uut.push_data.next = (next_value & 0xffff).to_bits();
            uut.pop.next = pop;
            simulate_settle(&mut uut);
            assert_eq!(
                uut.valid.val(),
                !expected.is_empty(),
                "valid, cycle {cycle}"
            );
            if let Some(&head) = expected.front() {
                assert_eq!(uut.data.val().to_u64(), head, "head, cycle {cycle}");
            }
            uut.clock.next = true.into();
            simulate_settle(&mut uut);
            if reset {
                expected.clear();
                continue;
            }
            if pop {
                expected.pop_front();
            }
            if push {
                expected.push_back(next_value & 0xffff);
                next_value += 1;
            }
        }
    }

    fn simulate_settle(uut: &mut ResponseQueue<16>) {
        assert!(simulate(uut, 100), "the queue did not settle");
    }
}
