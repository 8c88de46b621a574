//! A wide counter split in two halves with a registered carry between them, for the status
//! counters (clock, generator clocks and deltas: 48 and 60 bits).
//!
//! ```text
//!  amount ─► lo (S bits) + ─► lo ──► lo_prev ─┐
//!                 └ carry ─► c ─► hi + c ─► hi ┴─► value = {hi, lo_prev}
//! ```
//! A 60-bit adder is a 60-bit carry chain (8 ns on iCE40, the whole clock); split, the longest
//! chain is one half. `hi` takes the carry one clock after `lo` produced it, so `{hi, lo}` is
//! inconsistent while a carry is in flight, but `{hi, lo as it was one clock earlier}` is always
//! the exact count as of one clock earlier: `value` lags the count by one clock. `clear` zeroes
//! everything, `value` included (it reads 0 the clock after a clear).

use rust_hdl::prelude::*;

/// An `N`-bit counter (N <= 64) split at bit `S`, adding `amount` in clocks where `step` is high.
#[derive(LogicBlock)]
pub struct SplitCounter<const N: usize, const S: usize> {
    pub clock: Signal<In, Clock>,
    /// Zeroes the count (wins over `step`).
    pub clear: Signal<In, Bit>,
    pub step: Signal<In, Bit>,
    /// Added per step (at most 2^S - 1).
    pub amount: Signal<In, Bits<11>>,
    /// The count as of the previous clock.
    pub value: Signal<Out, Bits<N>>,
    lo: Signal<Local, Bits<S>>,
    lo_prev: Signal<Local, Bits<S>>,
    hi: Signal<Local, Bits<N>>,
    carry: Signal<Local, Bit>,
}

impl<const N: usize, const S: usize> Default for SplitCounter<N, S> {
    fn default() -> Self {
        assert!(S < N && N <= 64 && S >= 11, "split {S} of {N} bits");
        SplitCounter {
            clock: Default::default(),
            clear: Default::default(),
            step: Default::default(),
            amount: Default::default(),
            value: Default::default(),
            lo: Default::default(),
            lo_prev: Default::default(),
            hi: Default::default(),
            carry: Default::default(),
        }
    }
}

impl<const N: usize, const S: usize> Logic for SplitCounter<N, S> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let mask = |bits: usize| {
                if bits >= 64 {
                    u64::MAX
                } else {
                    (1u64 << bits) - 1
                }
            };
            let lo = self.lo.val().to_u64();
            let hi = self.hi.val().to_u64();
            let sum = lo + self.amount.val().to_u64();
            let stepping = self.step.val();
            let (lo_n, c_n) = if stepping {
                (sum & mask(S), sum >> S != 0)
            } else {
                (lo, false)
            };
            let hi_n = (hi + self.carry.val() as u64) & mask(N - S);
            if self.clear.val() {
                self.lo.next = 0u64.to_bits();
                self.lo_prev.next = 0u64.to_bits();
                self.hi.next = 0u64.to_bits();
                self.carry.next = false;
            } else {
                self.lo.next = lo_n.to_bits();
                self.lo_prev.next = lo.to_bits();
                self.hi.next = hi_n.to_bits();
                self.carry.next = c_n;
            }
        }
        let v = (self.hi.val().to_u64() << S) | self.lo_prev.val().to_u64();
        self.value.next = (v & if N >= 64 { u64::MAX } else { (1u64 << N) - 1 }).to_bits();
    }

    fn connect(&mut self) {
        self.value.connect();
        self.lo.connect();
        self.lo_prev.connect();
        self.hi.connect();
        self.carry.connect();
    }

    fn hdl(&self) -> Verilog {
        let h = N - S;
        Verilog::Custom(format!(
            "\
wire [{S}:0] sum = {{1'b0, lo}} + {{{pad}'d0, amount}};
initial begin lo = {S}'d0; lo_prev = {S}'d0; hi = {N}'d0; carry = 1'b0; end
always @(posedge clock) begin
   if (clear) begin
      lo <= {S}'d0; lo_prev <= {S}'d0; hi <= {N}'d0; carry <= 1'b0;
   end else begin
      lo <= step ? sum[{s1}:0] : lo;
      carry <= step & sum[{S}];
      lo_prev <= lo;
      hi <= {{{S}'d0, hi[{h1}:0] + {{{h1}'d0, carry}}}};
   end
end
always @(*) value = {{hi[{h1}:0], lo_prev}};
",
            pad = S + 1 - 11,
            s1 = S - 1,
            h1 = h - 1,
        ))
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![TimingInfo {
            name: "split_counter".into(),
            clock: "clock".into(),
            inputs: vec!["clear".into(), "step".into(), "amount".into()],
            outputs: vec!["value".into()],
        }]
    }
}
