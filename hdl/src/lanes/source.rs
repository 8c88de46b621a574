//! A delta source for the on-chip generator: a 64-bit linear feedback shift register.
//!
//! The step is a Galois LFSR shifting right with the feedback mask [`LFSR64_TAPS`], the
//! primitive polynomial x^64 + x^63 + x^61 + x^60 + 1: period 2^64 - 1 (every nonzero word
//! once; `sim`'s generator tests check the order against the factors of 2^64 - 1). It is
//! linear over GF(2), so the host can sum any number of its steps by matrix doubling to
//! predict a run of 2^40 clocks in microseconds. Zero is a fixed point, which doubles as the
//! "stopped" state: a stopped source feeds zero deltas to its lanes.
//!
//! Why an LFSR and not xorshift64 (sessions 3 to 13): each next-state bit is one source bit,
//! or for three bits one XOR of two, where an xorshift64 bit is the XOR of up to six. With
//! the start / stop / hold mux that was about four LUT4 per bit (251 per source on the
//! GW1NR-9) and is one or two now; on the GW1NR-9 the LUT positions bound the lane count.
//! The lanes' deltas do not need more mixing: a lane reads a rotation of its source's word,
//! and what keeps synthesis from folding lanes is that each reads other flip-flops (see
//! `lane.rs`), not how the words are related in time.

use rust_hdl::prelude::*;

/// The Galois feedback mask of [`lfsr64`]: bits 63, 62, 60 and 59, for the taps 64, 63, 61
/// and 60 of the primitive polynomial x^64 + x^63 + x^61 + x^60 + 1.
pub const LFSR64_TAPS: u64 = 0xD800_0000_0000_0000;

/// One step of the sources' LFSR: shift right, and XOR the taps in when the bit shifted out
/// was one.
pub fn lfsr64(x: u64) -> u64 {
    (x >> 1) ^ (0u64.wrapping_sub(x & 1) & LFSR64_TAPS)
}

/// Verilog wire computing [`lfsr64`] of the 64-bit signal `x` into a wire named `out`.
fn lfsr64_verilog(x: &str, out: &str) -> String {
    format!(
        "wire [63:0] {out} = {{1'b0, {x}[63:1]}} ^ ({{64{{{x}[0]}}}} & 64'h{LFSR64_TAPS:016X});\n"
    )
}

/// A 64-bit LFSR register: `start` loads `seed`, `stop` clears it, `hold` keeps it,
/// otherwise it steps.
///
/// Two forms, the same at the ports (`lookahead`, see [`DeltaSource::new`]):
/// - *With lookahead*: `word` feeds the lanes (or their word copies, several per source) and
///   `ahead` holds the word's next value, `lfsr64(word)`, always. The feedback loop (the step
///   and the start/stop mux) runs from `ahead` to `ahead`, which drives
///   only that logic and `word`, so it places compactly, and the wide net starts one LUT (the
///   `word_next` mux) from a flip-flop. With one register the loop started on the 63-load net:
///   the GW1NR-9 64-lane critical path (8.3 ns, 5.2 of them routing) once the response queue's
///   read mux was gone (with the xorshift64 step of the time). Cost: 64 flip-flops and the
///   step of `seed` (for `ahead` at a start).
/// - *Without*: one register; `word_next` is the mux of `seed`, zero and `lfsr64(word)`.
///   For a source whose `word_next` drives a single word copy (one copy per source,
///   `--copy-fanout 63`), where no wide net is left to keep off the loop. On the GW1NR-9,
///   where the LUT positions bound the lane count, the lookahead's logic and flip-flops are
///   lanes given away.
#[derive(LogicBlock)]
pub struct DeltaSource {
    pub clock: Signal<In, Clock>,
    pub start: Signal<In, Bit>,
    pub seed: Signal<In, Bits<64>>,
    pub stop: Signal<In, Bit>,
    pub hold: Signal<In, Bit>,
    /// The word the source's lanes take their deltas from in this cycle.
    pub word: Signal<Out, Bits<64>>,
    /// The value `word` takes at the next clock edge, for the copies of `word` a top keeps
    /// near its taps (see [`WordCopy`]).
    pub word_next: Signal<Out, Bits<64>>,
    /// `lfsr64(word)`: the value `word` takes at the next step (a register with lookahead,
    /// logic without).
    ahead: Signal<Local, Bits<64>>,
    _lookahead: bool,
}

impl Default for DeltaSource {
    fn default() -> Self {
        Self::new(true)
    }
}

impl DeltaSource {
    /// `lookahead`: keep `lfsr64(word)` in a register of its own (see the type's doc):
    /// for a source whose `word_next` or `word` drives a wide net.
    pub fn new(lookahead: bool) -> Self {
        DeltaSource {
            clock: Default::default(),
            start: Default::default(),
            seed: Default::default(),
            stop: Default::default(),
            hold: Default::default(),
            word: Default::default(),
            word_next: Default::default(),
            ahead: Default::default(),
            _lookahead: lookahead,
        }
    }
}

impl Logic for DeltaSource {
    fn update(&mut self) {
        self.word_next.next = if self.start.val() {
            self.seed.val()
        } else if self.stop.val() {
            Bits::<64>::default()
        } else if self.hold.val() {
            self.word.val()
        } else {
            self.ahead.val()
        };
        if self.clock.pos_edge() {
            let (word, ahead) = if self.start.val() {
                let seed = self.seed.val().to_u64();
                (seed, lfsr64(seed))
            } else if self.stop.val() {
                (0, 0)
            } else if self.hold.val() {
                (self.word.val().to_u64(), self.ahead.val().to_u64())
            } else {
                let ahead = self.ahead.val().to_u64();
                (ahead, lfsr64(ahead))
            };
            self.word.next = word.to_bits();
            self.ahead.next = ahead.to_bits();
        }
    }

    fn connect(&mut self) {
        self.word.connect();
        self.word_next.connect();
        self.ahead.connect();
    }

    fn hdl(&self) -> Verilog {
        // Both forms step `word` through `word_next`; they differ in where the step
        // starts (see the type's doc). Without lookahead `ahead` is a wire here.
        let step = if self._lookahead {
            format!(
                "\
{}{}initial ahead = 64'd0;
always @(posedge clock) begin
   if (start) ahead <= t;
   else if (stop) ahead <= 64'd0;
   else if (!hold) ahead <= s;
end
",
                lfsr64_verilog("ahead", "s"),
                lfsr64_verilog("seed", "t")
            )
        } else {
            format!("{}always @(*) ahead = s;\n", lfsr64_verilog("word", "s"))
        };
        Verilog::Custom(format!(
            "\
{step}initial word = 64'd0;
always @(*) begin
   if (start) word_next = seed;
   else if (stop) word_next = 64'd0;
   else if (!hold) word_next = ahead;
   else word_next = word;
end
always @(posedge clock) word <= word_next;
"
        ))
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![TimingInfo {
            name: "delta_source".into(),
            clock: "clock".into(),
            inputs: vec!["start".into(), "seed".into(), "stop".into(), "hold".into()],
            outputs: vec!["word".into(), "word_next".into()],
        }]
    }
}

/// A register holding a copy of a source's `word` (its `d` is the source's `word_next`), for
/// one lane in each of [`super::LanesConfig::copy_fanout`] groups (16 by default).
/// `T` is `Bits<64>` for words; the single core also copies control this way, from its value
/// one clock ahead, so a net that would span the core starts at a flip-flop near its loads:
/// the run's 11-bit lane count and the taps' load per chunk of groups, each source's start
/// and stop (`Bit`; see `SingleLaneCore::lane_counts`, `source_stops`).
///
/// Why: each bit of a source's word feeds one group LUT per lane, 63 of them across the
/// merge tree's first stage, and that net's routing sat on the path into the tree's first
/// register. A copy per chunk of groups places next to them. Why the chunk size matters:
/// group k of a block rotates member m's word by `k * ROTATION_STEP[m]`, so a copy bit
/// reaches output bits spread over up to `fanout * 4` positions of the 64, and the leaves of
/// different output bits sit in different places of the merge tree. Cost: 64 flip-flops per
/// copy.
/// The copies hold the same value by construction, so yosys would merge them into one
/// register; the `(* keep *)` on their process stops that (checked on synth_ice40,
/// synth_ecp5 and synth_gowin: the copies stay separate flip-flops). The source's own `word`
/// register has the same D and no `keep`, so with one copy per source (`--copy-fanout 63`)
/// yosys merges the two and the copy costs nothing (the 141-lane GW1NR-9 top has 3582
/// flip-flops with the copy and with its groups wired to `word` instead, session 15).
#[derive(LogicBlock, Default)]
pub struct WordCopy<T: Synth> {
    pub clock: Signal<In, Clock>,
    pub d: Signal<In, T>,
    pub q: Signal<Out, T>,
}

impl<T: Synth> Logic for WordCopy<T> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            self.q.next = self.d.val();
        }
    }

    fn connect(&mut self) {
        self.q.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "\
initial q = {}'d0;
(* keep *) always @(posedge clock) q <= d;
",
            T::BITS
        ))
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![TimingInfo {
            name: "word_copy".into(),
            clock: "clock".into(),
            inputs: vec!["d".into()],
            outputs: vec!["q".into()],
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lfsr_is_linear_and_keeps_zero() {
        let (a, b) = (0x1234_5678_9abc_def0u64, 0x0f0f_1111_2222_3333u64);
        assert_eq!(lfsr64(a ^ b), lfsr64(a) ^ lfsr64(b));
        assert_eq!(lfsr64(0), 0);
        assert_eq!(lfsr64(2), 1);
        assert_eq!(lfsr64(1), LFSR64_TAPS);
    }
}
