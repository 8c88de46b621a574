//! Run control of the on-chip delta generator, shared by both multi-lane tops. The sources
//! ([`super::source::DeltaSource`], three per 189 lanes) and the lane banks ([`super::bank::BankTap`])
//! are children of the top, not of this block: rust-hdl's Verilog cannot reach a grandchild's
//! signals, and the merge tree needs every tap's delta. The top wires them from this block's
//! outputs (`start`, `seed`, `stop`, `run_lanes`) and its `pause`.
//!
//! Commands (decoded by the top): GEN_SEED stores a seed; GEN_RUN starts a run of K clocks
//! (`data[39:0]`) with M active lanes (`data[50:40]`): whole banks, so
//! [`super::lane::active_lanes`]`(lanes, M)` lanes feed, M rounded up to a multiple of 12 and
//! clamped to the lane count. A run feeds
//! deltas in every clock where `pause` is low; `pause` holds everything (the table mode pauses
//! while a command uses the lanes). `clocks` and `deltas` count what was fed.
//!
//! Timing: GEN_SEED writes the seed at the end of the clock after the one it is taken in (from
//! the stage-1 registers, see `d1_seed`), in time for a GEN_RUN taken right after it. GEN_RUN
//! is decoded in two register stages and launches the run two clocks after it is taken
//! (`load`/`start`/`stop` high then): stage 1 holds the run length with an "any bit set" flag
//! per 8-bit group, stage 2 the "any clocks" and "exactly one clock" flags, the clamped lane
//! count (from a stage-1 flag, see `d1_over`) and the seed as it stood after the GEN_RUN's
//! clock. No decode wider than a LUT or two sits between two registers, and none on the path
//! to the sources' and taps' load logic. A reset in either stage or in the launch clock
//! cancels the run; a GEN_SEED taken after the GEN_RUN does not
//! change its seed. `busy` is high from the clock after the handshake; the counters restart at
//! the launch. `busy`, `clocks` and `deltas` are a consistent snapshot as of the previous clock.

use super::bank_pad::BankPad;
use super::lane::{BANK_LANES, GROUP_LANES, LANES_PER_BLOCK};
use super::split_counter::SplitCounter;
use rust_hdl::prelude::*;

/// The constant XORed into the run seed for source `s`, so sources start from distinct states.
pub fn source_salt(s: usize) -> u64 {
    // SplitMix64 of the index: distinct, well mixed, and cheap to recompute on the host.
    let mut z = (s as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Sources needed for `lanes` lanes: [`GROUP_LANES`] per full block of [`LANES_PER_BLOCK`]
/// lanes, and in the last block one per member of its first group (see
/// [`super::lane::lane_source`]).
pub fn source_count(lanes: usize) -> usize {
    if lanes == 0 {
        return 0;
    }
    let last = lanes - 1;
    GROUP_LANES * (last / LANES_PER_BLOCK) + (last % LANES_PER_BLOCK + 1).min(GROUP_LANES)
}

/// The smallest GEN_RUN M whose run turns on every lane: `active_lanes(lanes, M) == lanes` from
/// this M on, i.e. M reaches the last bank's first lane plus one (`12 * ceil(N / 12) - 11`).
/// A run with M at or above it is clamped to `lanes` (see `GenControl::clamp_from`).
pub fn clamp_from(lanes: usize) -> u64 {
    (BANK_LANES * lanes.div_ceil(BANK_LANES) - (BANK_LANES - 1)) as u64
}

/// Generator run control and counters for `lanes` lanes.
#[derive(LogicBlock)]
pub struct GenControl {
    pub clock: Signal<In, Clock>,
    /// Stops a run (synchronous reset); the seed is kept.
    pub reset: Signal<In, Bit>,
    /// Stores `data` as the seed.
    pub seed_write: Signal<In, Bit>,
    /// Decodes `data` as a GEN_RUN; the run launches two clocks later.
    pub run: Signal<In, Bit>,
    pub data: Signal<In, Bits<64>>,
    /// Holds the run for this clock: no deltas, no counting.
    pub pause: Signal<In, Bit>,
    /// To every source: load `seed ^ salt` (a run of at least one clock launches).
    pub start: Signal<Out, Bit>,
    pub seed: Signal<Out, Bits<64>>,
    /// To every source: clear (the run's last clock, a zero-length run, or reset).
    pub stop: Signal<Out, Bit>,
    /// `stop` without the reset, for a top that stops its sources from its own (registered)
    /// copy of the reset rather than from the reset net itself. Its zero-length-run term is
    /// not masked by the reset either (the launch stage's registers only), so a reset in the
    /// launch clock of a zero-length run stops the sources a clock before that copy would,
    /// which such a top cannot see: it drops what they feed after a reset. With the reset
    /// in it, the reset net reached every source bit's input mux through this output: the
    /// ULX3S 256-lane board top's critical path after the command slice (8.4 ns, 7.0 of it
    /// routing).
    pub stop_run: Signal<Out, Bit>,
    /// To every tap: load the enable from `run_lanes` (any run launching, even a zero-length
    /// one).
    pub load: Signal<Out, Bit>,
    /// `load` not masked by the reset (a register, the launch stage's `go`), for a top whose
    /// taps need no reset: a run cancelled by a reset in its launch clock then loads the
    /// enables too, which no output can see, since its sources never start. With the reset
    /// in it, `load` is a LUT of the reset net driving every tap's enable.
    pub tap_load: Signal<Out, Bit>,
    /// `start` not masked by the reset (an AND of two launch-stage registers), for the same
    /// top: a run cancelled by a reset in its launch clock then starts its sources for one
    /// clock, whose deltas that top drops (it stops the sources from its registered reset
    /// and drops the tree output for L + 1 clocks). With the reset in it, `start` put the
    /// reset net on every source bit's input mux: the ULX3S 256-lane board top's critical
    /// path (9.9 ns, 8.4 of it routing).
    pub source_start: Signal<Out, Bit>,
    /// `source_start` one clock ahead, and `stop_run` one clock ahead *for a top whose
    /// `pause` is always low* (the next clock's pause is not known yet), for a top that
    /// registers its own copy of both next to each source. Why: `source_start` and `stop_run`
    /// are LUTs of the launch and run registers that reach every source bit's input mux, and
    /// yosys places that mux at each word copy's D input, so each of the two nets had about
    /// 128 loads per source spread over the whole core: the ULX3S 512-lane board top's
    /// critical path (`last` -> the `stop_run` LUT -> a copy's D, 8.35 ns, 7.35 of it
    /// routing).
    pub source_start_next: Signal<Out, Bit>,
    /// `stop_run` one clock ahead; exact only while `pause` and `reset` stay low (see above):
    /// a top ORs its reset in, as it must for the sources to stop on a reset anyway.
    pub stop_run_next: Signal<Out, Bit>,
    /// `tap_load` one clock ahead, for a top that keeps a copy of it near each chunk of taps
    /// (one register driving every tap's enable spans the core).
    pub tap_load_next: Signal<Out, Bit>,
    /// The run's M as given (a register): bank b is enabled when `12b < M`, which for every
    /// existing bank is the same with M clamped, so the banks need no clamp.
    pub run_lanes: Signal<Out, Bits<11>>,
    /// The value `run_lanes` takes at the next clock edge, for copies of it a top keeps near
    /// its taps (see `SingleLaneCore::lane_counts`).
    pub run_lanes_next: Signal<Out, Bits<11>>,
    /// A run is feeding (not counting pauses): the table mode feeds its lanes then.
    pub feeding: Signal<Out, Bit>,
    /// Status snapshot, all three as of the previous clock (the counters are split, see
    /// [`SplitCounter`]): a run is in progress or being decoded (so a STATUS taken after a
    /// GEN_RUN sees it busy whatever the core's latency); clocks fed in the current or last
    /// run; deltas fed (active lanes x clocks).
    pub busy: Signal<Out, Bit>,
    pub clocks: Signal<Out, Bits<48>>,
    pub deltas: Signal<Out, Bits<60>>,
    stored_seed: DFF<Bits<64>>,
    // Decode stage 1: the GEN_RUN taken in the previous clock; `nz[g]`: bits 8g..8g+7 of its
    // run length hold a one (bit 0 excluded: it is tested on its own).
    d1_go: DFF<Bit>,
    /// A GEN_SEED was taken in the previous clock: stores `d1_data` as the seed. Why a stage:
    /// the write enable of the 64 seed flip-flops was the command handshake and opcode
    /// decode (three LUTs) followed by a net to all 64 clock enables, the 96-lane Alchitry Cu
    /// board top's critical path (8.7 ns, 6.9 of it routing); from a register it is one net.
    d1_seed: DFF<Bit>,
    /// The command data taken in the previous clock: the seed of a GEN_SEED, the run length
    /// (bits 39..0) and lane count (bits 50..40) of a GEN_RUN.
    d1_data: DFF<Bits<64>>,
    /// The run enables the last bank, so the launch counts `lanes` active lanes (rounding M
    /// up would overshoot a short last bank): `M >= clamp_from(lanes)`. Decoded here, from
    /// `data`, against a constant: `M > lanes` in stage 2 was an 11-bit carry chain starting
    /// on the stage-1 lane count (now in `d1_data`), which yosys merges with the core's
    /// identical command-data register (placed for the datapath, far from here): the 64-lane
    /// GW1NR-9 board top's critical path, 7.9 ns.
    d1_over: DFF<Bit>,
    d1_nz0: DFF<Bit>,
    d1_nz1: DFF<Bit>,
    d1_nz2: DFF<Bit>,
    d1_nz3: DFF<Bit>,
    d1_nz4: DFF<Bit>,
    // Decode stage 2: the GEN_RUN, launching in this clock.
    go: DFF<Bit>,
    go_seed: DFF<Bits<64>>,
    go_clocks: DFF<Bits<40>>,
    go_any: DFF<Bit>,
    go_one: DFF<Bit>,
    go_lanes: DFF<Bits<11>>,
    go_count: DFF<Bits<11>>,
    /// What rounds `go_count` up to whole banks (0 when the run enables every bank).
    go_pad: DFF<Bits<4>>,
    round: BankPad,
    go_hi_zero: DFF<Bit>,
    // Clocks left, split like `SplitCounter` to keep carry chains at 20 bits: `rem_lo` counts
    // down, its wrap reaches `rem_hi` through `rem_borrow` a clock later and `rem_hi_zero` the
    // clock after that; both lags fall where `rem_lo` is near 2^20, far from the 2 that `last`
    // looks for, so `last` stays exact.
    rem_lo: DFF<Bits<20>>,
    rem_hi: DFF<Bits<20>>,
    rem_borrow: DFF<Bit>,
    rem_hi_zero: DFF<Bit>,
    /// Clocks left == 1, kept in a register so `stop` is one gate from flip-flops.
    last: DFF<Bit>,
    active: DFF<Bit>,
    active_lanes: DFF<Bits<11>>,
    busy_prev: DFF<Bit>,
    clock_count: SplitCounter<48, 24>,
    delta_count: SplitCounter<60, 30>,
    run_clocks: Signal<Local, Bits<40>>,
    /// `d1_data`'s run length and lane count (rust-hdl's Verilog cannot slice a slice).
    d1_clocks: Signal<Local, Bits<40>>,
    d1_lanes: Signal<Local, Bits<11>>,
    high_ones: Signal<Local, Bit>,
    launch: Signal<Local, Bit>,
    stepping: Signal<Local, Bit>,
    lanes_const: Constant<Bits<11>>,
    /// [`clamp_from`]`(lanes)`: M at or above it runs every lane. One 11-bit compare with a
    /// constant in the first decode stage (a register on each side), any lane count.
    clamp_from: Constant<Bits<11>>,
}

impl GenControl {
    /// `lanes`: the lane count, 1 to 1024.
    pub fn new(lanes: usize) -> Self {
        assert!(
            (1..=1024).contains(&lanes),
            "GenControl lanes {lanes}: must be from 1 to 1024"
        );
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
            stop_run: Default::default(),
            load: Default::default(),
            tap_load: Default::default(),
            source_start: Default::default(),
            source_start_next: Default::default(),
            stop_run_next: Default::default(),
            tap_load_next: Default::default(),
            run_lanes: Default::default(),
            run_lanes_next: Default::default(),
            feeding: Default::default(),
            busy: Default::default(),
            clocks: Default::default(),
            deltas: Default::default(),
            stored_seed: Default::default(),
            d1_go: Default::default(),
            d1_seed: Default::default(),
            d1_data: Default::default(),
            d1_over: Default::default(),
            d1_nz0: Default::default(),
            d1_nz1: Default::default(),
            d1_nz2: Default::default(),
            d1_nz3: Default::default(),
            d1_nz4: Default::default(),
            go: Default::default(),
            go_seed: Default::default(),
            go_clocks: Default::default(),
            go_any: Default::default(),
            go_one: Default::default(),
            go_lanes: Default::default(),
            go_count: Default::default(),
            go_hi_zero: Default::default(),
            go_pad: Default::default(),
            round: Default::default(),
            rem_lo: Default::default(),
            rem_hi: Default::default(),
            rem_borrow: Default::default(),
            rem_hi_zero: Default::default(),
            last: Default::default(),
            active: Default::default(),
            active_lanes: Default::default(),
            busy_prev: Default::default(),
            clock_count: Default::default(),
            delta_count: Default::default(),
            run_clocks: Default::default(),
            d1_clocks: Default::default(),
            d1_lanes: Default::default(),
            high_ones: Default::default(),
            launch: Default::default(),
            stepping: Default::default(),
            lanes_const: Constant::new((lanes as u64).to_bits()),
            clamp_from: Constant::new(clamp_from(lanes).to_bits()),
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
            d1_go,
            d1_seed,
            d1_data,
            d1_over,
            d1_nz0,
            d1_nz1,
            d1_nz2,
            d1_nz3,
            d1_nz4,
            go,
            go_seed,
            go_clocks,
            go_any,
            go_one,
            go_lanes,
            go_count,
            go_hi_zero,
            go_pad,
            rem_lo,
            rem_hi,
            rem_borrow,
            rem_hi_zero,
            last,
            active,
            active_lanes,
            busy_prev
        );
        self.feeding.next = self.active.q.val();
        self.busy_prev.d.next = self.active.q.val() | self.d1_go.q.val() | self.go.q.val();
        self.busy.next = self.busy_prev.q.val();
        self.clock_count.clock.next = self.clock.val();
        self.delta_count.clock.next = self.clock.val();
        self.clocks.next = self.clock_count.value.val();
        self.deltas.next = self.delta_count.value.val();
        self.d1_seed.d.next = self.seed_write.val();
        self.d1_data.d.next = self.data.val();
        self.d1_clocks.next = self.d1_data.q.val().get_bits::<40>(0);
        self.d1_lanes.next = self.d1_data.q.val().get_bits::<11>(40);
        if self.d1_seed.q.val() {
            self.stored_seed.d.next = self.d1_data.q.val();
        }
        // ---- Decode stage 1 (the clock GEN_RUN is taken) ---------------------------------
        self.run_clocks.next = self.data.val().get_bits::<40>(0);
        self.d1_go.d.next = self.run.val() & !self.reset.val();
        self.d1_over.d.next = self.data.val().get_bits::<11>(40) >= self.clamp_from.val();
        self.round.clock.next = self.clock.val();
        self.round.count.next = self.data.val().get_bits::<11>(40);
        self.d1_nz0.d.next = self.run_clocks.val().get_bits::<7>(1).any();
        self.d1_nz1.d.next = self.run_clocks.val().get_bits::<8>(8).any();
        self.d1_nz2.d.next = self.run_clocks.val().get_bits::<8>(16).any();
        self.d1_nz3.d.next = self.run_clocks.val().get_bits::<8>(24).any();
        self.d1_nz4.d.next = self.run_clocks.val().get_bits::<8>(32).any();
        // ---- Decode stage 2 --------------------------------------------------------------
        self.high_ones.next = self.d1_nz0.q.val()
            | self.d1_nz1.q.val()
            | self.d1_nz2.q.val()
            | self.d1_nz3.q.val()
            | self.d1_nz4.q.val();
        self.go.d.next = self.d1_go.q.val() & !self.reset.val();
        self.go_seed.d.next = self.stored_seed.q.val();
        self.go_clocks.d.next = self.d1_clocks.val();
        self.go_any.d.next = self.d1_clocks.val().get_bit(0) | self.high_ones.val();
        self.go_one.d.next = self.d1_clocks.val().get_bit(0) & !self.high_ones.val();
        self.go_lanes.d.next = self.d1_lanes.val();
        // Run-length bits 39..20 (rust-hdl's Verilog cannot slice `d1_clocks`).
        self.go_hi_zero.d.next = !self.d1_data.q.val().get_bits::<20>(20).any();
        self.go_count.d.next = self.d1_lanes.val();
        self.go_pad.d.next = self.round.pad.val();
        if self.d1_over.q.val() {
            self.go_count.d.next = self.lanes_const.val();
            self.go_pad.d.next = 0.into();
        }
        // ---- Launch and run --------------------------------------------------------------
        self.launch.next = self.go.q.val() & !self.reset.val();
        self.stepping.next = self.active.q.val() & !self.pause.val();
        self.clock_count.step.next = self.stepping.val();
        self.clock_count.amount.next = 1.into();
        self.clock_count.clear.next = self.launch.val();
        self.delta_count.step.next = self.stepping.val();
        self.delta_count.amount.next = self.active_lanes.q.val();
        self.delta_count.clear.next = self.launch.val();
        self.rem_borrow.d.next = false;
        if self.rem_borrow.q.val() {
            self.rem_hi.d.next = self.rem_hi.q.val() - 1;
        }
        self.rem_hi_zero.d.next = !self.rem_hi.q.val().any();
        if self.stepping.val() {
            self.rem_lo.d.next = self.rem_lo.q.val() - 1;
            self.rem_borrow.d.next = !self.rem_lo.q.val().any();
            self.last.d.next = self.rem_hi_zero.q.val() & (self.rem_lo.q.val() == 2);
            if self.last.q.val() {
                self.active.d.next = false;
            }
        }
        if self.launch.val() {
            self.rem_lo.d.next = self.go_clocks.q.val().get_bits::<20>(0);
            self.rem_hi.d.next = self.go_clocks.q.val().get_bits::<20>(20);
            self.rem_borrow.d.next = false;
            self.rem_hi_zero.d.next = self.go_hi_zero.q.val();
            self.last.d.next = self.go_one.q.val();
            self.active.d.next = self.go_any.q.val();
            self.active_lanes.d.next =
                self.go_count.q.val() + bit_cast::<11, 4>(self.go_pad.q.val());
        }
        // Only `active` is reset: the run counters and `last` are read only while a run is
        // active and a launch loads them all, so resetting them (40-odd more loads on the reset
        // net, the ULX3S 64-lane board top's critical path) would change nothing.
        if self.reset.val() {
            self.active.d.next = false;
        }
        // A zero-length run stops the sources rather than starting them (start wins over stop
        // in a source, so the two must not both be high for such a run).
        self.start.next = self.launch.val() & self.go_any.q.val();
        self.load.next = self.launch.val();
        self.tap_load.next = self.go.q.val();
        self.source_start.next = self.go.q.val() & self.go_any.q.val();
        self.run_lanes.next = self.go_lanes.q.val();
        self.run_lanes_next.next = self.d1_lanes.val();
        self.seed.next = self.go_seed.q.val();
        self.stop_run.next =
            (self.stepping.val() & self.last.q.val()) | (self.go.q.val() & !self.go_any.q.val());
        self.stop.next = self.stop_run.val() | self.reset.val();
        // The same outputs from the registers' next values (`go`, `go_any`, `active`, `last`
        // take their `d` at the edge; `stepping` next clock is `active` there, as `pause`
        // stays low for the tops that use these).
        self.source_start_next.next = self.go.d.val() & self.go_any.d.val();
        self.tap_load_next.next = self.go.d.val();
        // `stop_run_next` is `(active.d & last.d) | (go.d & !go_any.d)` with the reset low:
        // the one top that uses it ORs its reset in, so the reset's terms are redundant there,
        // and through `go`, `active` and `last` they put the reset net five LUTs deep in front
        // of every source's stop copy (the ULX3S 704-lane board top's critical path at
        // 112.8 MHz: 8.86 ns, 7.14 of it routing). With the reset low, the launch (`go`)
        // loads `last` from `go_one` (which implies `go_any`), and a running clock sets it
        // from the counters (in the last clock itself `rem_lo` is 1, so `active.d` need not
        // be looked at).
        if self.go.q.val() {
            self.stop_run_next.next = self.go_one.q.val();
        } else {
            self.stop_run_next.next =
                self.active.q.val() & self.rem_hi_zero.q.val() & (self.rem_lo.q.val() == 2);
        }
        if self.d1_go.q.val() & !self.go_any.d.val() {
            self.stop_run_next.next = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lanes::lane::active_lanes;

    /// The RTL's rule (clamp to N from `clamp_from`, else round M up to whole banks) is
    /// `active_lanes` for every lane count, powers of two or not, and every 11-bit M.
    #[test]
    fn the_clamp_and_rounding_give_active_lanes_for_every_lane_count() {
        for lanes in 1..=1024usize {
            let from = clamp_from(lanes);
            for m in 0..2048u64 {
                let rtl = if m >= from {
                    lanes as u64
                } else {
                    m.div_ceil(12) * 12
                };
                assert_eq!(
                    rtl,
                    active_lanes(lanes as u32, m as u32) as u64,
                    "lanes {lanes} M {m}"
                );
            }
        }
    }
}
