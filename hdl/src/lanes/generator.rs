//! Run control of the on-chip delta generator, shared by both multi-lane tops. The sources
//! ([`super::source::DeltaSource`], one per 63 lanes) and the lane taps ([`super::lane::LaneTap`])
//! are children of the top, not of this block: rust-hdl's Verilog cannot reach a grandchild's
//! signals, and the merge tree needs every tap's delta. The top wires them from this block's
//! outputs (`start`, `seed`, `stop`, `run_lanes`) and its `pause`.
//!
//! Commands (decoded by the top): GEN_SEED stores a seed; GEN_RUN starts a run of K clocks
//! (`data[39:0]`) with M active lanes (`data[50:40]`, clamped to the lane count). A run feeds
//! deltas in every clock where `pause` is low; `pause` holds everything (the table mode pauses
//! while a command uses the lanes). `clocks` and `deltas` count what was fed.

use super::lane::LANES_PER_SOURCE;
use rust_hdl::prelude::*;

/// The constant XORed into the run seed for source `s`, so sources start from distinct states.
pub fn source_salt(s: usize) -> u64 {
    // SplitMix64 of the index: distinct, well mixed, and cheap to recompute on the host.
    let mut z = (s as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Sources needed for `lanes` lanes (see [`LANES_PER_SOURCE`]).
pub fn source_count(lanes: usize) -> usize {
    lanes.div_ceil(LANES_PER_SOURCE)
}

/// Generator run control and counters for `lanes` lanes.
#[derive(LogicBlock)]
pub struct GenControl {
    pub clock: Signal<In, Clock>,
    /// Stops a run (synchronous reset); the seed is kept.
    pub reset: Signal<In, Bit>,
    /// Stores `data` as the seed.
    pub seed_write: Signal<In, Bit>,
    /// Starts a run described by `data`.
    pub run: Signal<In, Bit>,
    pub data: Signal<In, Bits<64>>,
    /// Holds the run for this clock: no deltas, no counting.
    pub pause: Signal<In, Bit>,
    /// To every source: load `seed ^ salt` (a run of at least one clock starts).
    pub start: Signal<Out, Bit>,
    pub seed: Signal<Out, Bits<64>>,
    /// To every source: clear (the run's last clock, a zero-length run, or reset).
    pub stop: Signal<Out, Bit>,
    /// To every tap: load the enable from `run_lanes` (any run, even a zero-length one).
    pub load: Signal<Out, Bit>,
    pub run_lanes: Signal<Out, Bits<11>>,
    /// A run is in progress.
    pub busy: Signal<Out, Bit>,
    /// Clocks fed in the current or last run.
    pub clocks: Signal<Out, Bits<48>>,
    /// Deltas fed in the current or last run (active lanes x clocks).
    pub deltas: Signal<Out, Bits<60>>,
    stored_seed: DFF<Bits<64>>,
    remaining: DFF<Bits<48>>,
    active: DFF<Bit>,
    active_lanes: DFF<Bits<11>>,
    clock_count: DFF<Bits<48>>,
    delta_count: DFF<Bits<60>>,
    run_clocks: Signal<Local, Bits<40>>,
    run_any: Signal<Local, Bit>,
    stepping: Signal<Local, Bit>,
    lanes_const: Constant<Bits<11>>,
}

impl GenControl {
    pub fn new(lanes: usize) -> Self {
        GenControl {
            clock: Default::default(),
            reset: Default::default(),
            seed_write: Default::default(),
            run: Default::default(),
            data: Default::default(),
            pause: Default::default(),
            start: Default::default(),
            seed: Default::default(),
            stop: Default::default(),
            load: Default::default(),
            run_lanes: Default::default(),
            busy: Default::default(),
            clocks: Default::default(),
            deltas: Default::default(),
            stored_seed: Default::default(),
            remaining: Default::default(),
            active: Default::default(),
            active_lanes: Default::default(),
            clock_count: Default::default(),
            delta_count: Default::default(),
            run_clocks: Default::default(),
            run_any: Default::default(),
            stepping: Default::default(),
            lanes_const: Constant::new((lanes as u64).to_bits()),
        }
    }
}

impl Logic for GenControl {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            stored_seed,
            remaining,
            active,
            active_lanes,
            clock_count,
            delta_count
        );
        self.busy.next = self.active.q.val();
        self.clocks.next = self.clock_count.q.val();
        self.deltas.next = self.delta_count.q.val();
        if self.seed_write.val() {
            self.stored_seed.d.next = self.data.val();
        }
        self.run_clocks.next = self.data.val().get_bits::<40>(0);
        self.run_any.next = self.run_clocks.val().any();
        self.run_lanes.next = self.data.val().get_bits::<11>(40);
        if self.run_lanes.val() > self.lanes_const.val() {
            self.run_lanes.next = self.lanes_const.val();
        }
        self.stepping.next = self.active.q.val() & !self.pause.val();
        if self.stepping.val() {
            self.remaining.d.next = self.remaining.q.val() - 1;
            self.clock_count.d.next = self.clock_count.q.val() + 1;
            self.delta_count.d.next =
                self.delta_count.q.val() + bit_cast::<60, 11>(self.active_lanes.q.val());
            if self.remaining.q.val() == 1 {
                self.active.d.next = false;
            }
        }
        if self.run.val() {
            self.remaining.d.next = bit_cast::<48, 40>(self.run_clocks.val());
            self.active.d.next = self.run_any.val();
            self.active_lanes.d.next = self.run_lanes.val();
            self.clock_count.d.next = 0.into();
            self.delta_count.d.next = 0.into();
        }
        if self.reset.val() {
            self.active.d.next = false;
            self.remaining.d.next = 0.into();
        }
        // A zero-length run stops the sources rather than starting them (start wins over stop
        // in a source, so the two must not both be high for such a run).
        self.start.next = self.run.val() & self.run_any.val();
        self.load.next = self.run.val();
        self.seed.next = self.stored_seed.q.val();
        self.stop.next = (self.stepping.val() & (self.remaining.q.val() == 1))
            | self.reset.val()
            | (self.run.val() & !self.run_any.val());
    }
}
