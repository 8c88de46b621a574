//! UART receiver, 8N1, one byte strobe per frame.
//!
//! ```text
//!  rx ─► 2-FF synchroniser ─► start detect ─► sample mid-bit ×8 ─► stop bit high? ─► valid/data
//! ```
//! The line is sampled once per bit, at the middle of the bit (half a bit after the falling
//! edge of the start bit, then every `clocks_per_bit`). A start bit that is high again at its
//! middle is a glitch and is ignored; a byte whose stop bit is low is dropped and counted in
//! `framing_error` (a strobe): the frame decoder above resynchronises on its own.

use rust_hdl::prelude::*;

/// An 8N1 receiver; the bit period is a run-time constant fixed when the block is built.
#[derive(LogicBlock)]
pub struct UartRx {
    pub clock: Signal<In, Clock>,
    /// The serial line (idle high), asynchronous to `clock`.
    pub rx: Signal<In, Bit>,
    /// One-clock strobe: `data` holds a received byte.
    pub valid: Signal<Out, Bit>,
    pub data: Signal<Out, Bits<8>>,
    /// One-clock strobe: a byte arrived with a low stop bit and was dropped.
    pub framing_error: Signal<Out, Bit>,
    sync1: DFF<Bit>,
    sync2: DFF<Bit>,
    busy: DFF<Bit>,
    countdown: DFF<Bits<16>>,
    /// 0 = start bit, 1..=8 = data bits, 9 = stop bit.
    bit_index: DFF<Bits<4>>,
    shift: DFF<Bits<8>>,
    out_valid: DFF<Bit>,
    out_error: DFF<Bit>,
    period_minus_one: Constant<Bits<16>>,
    half_period_minus_one: Constant<Bits<16>>,
    top_bit: Constant<Bits<8>>,
}

impl UartRx {
    /// A receiver taking `clocks_per_bit` clocks per bit (validated by
    /// [`super::LinkConfig::new`]: at least 4 so the mid-bit sample has margin).
    pub fn new(clocks_per_bit: u16) -> Self {
        assert!(clocks_per_bit >= 4, "clocks_per_bit {clocks_per_bit} < 4");
        UartRx {
            clock: Default::default(),
            rx: Default::default(),
            valid: Default::default(),
            data: Default::default(),
            framing_error: Default::default(),
            sync1: Default::default(),
            sync2: Default::default(),
            busy: Default::default(),
            countdown: Default::default(),
            bit_index: Default::default(),
            shift: Default::default(),
            out_valid: Default::default(),
            out_error: Default::default(),
            period_minus_one: Constant::new(((clocks_per_bit - 1) as u64).to_bits()),
            half_period_minus_one: Constant::new(((clocks_per_bit / 2 - 1) as u64).to_bits()),
            top_bit: Constant::new(0x80u64.to_bits()),
        }
    }
}

impl Logic for UartRx {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, sync1, sync2, busy, countdown, bit_index, shift, out_valid, out_error
        );
        // Two flip-flops bring the asynchronous line into this clock domain.
        self.sync1.d.next = self.rx.val();
        self.sync2.d.next = self.sync1.q.val();
        self.valid.next = self.out_valid.q.val();
        self.data.next = self.shift.q.val();
        self.framing_error.next = self.out_error.q.val();
        self.out_valid.d.next = false;
        self.out_error.d.next = false;
        if !self.busy.q.val() {
            if !self.sync2.q.val() {
                self.busy.d.next = true;
                self.countdown.d.next = self.half_period_minus_one.val();
                self.bit_index.d.next = 0.into();
            }
        } else if self.countdown.q.val().any() {
            self.countdown.d.next = self.countdown.q.val() - 1;
        } else {
            self.countdown.d.next = self.period_minus_one.val();
            self.bit_index.d.next = self.bit_index.q.val() + 1;
            if self.bit_index.q.val() == 0 {
                // Mid start bit: high again means it was a glitch.
                if self.sync2.q.val() {
                    self.busy.d.next = false;
                }
            } else if self.bit_index.q.val() == 9 {
                self.busy.d.next = false;
                self.out_valid.d.next = self.sync2.q.val();
                self.out_error.d.next = !self.sync2.q.val();
            } else {
                // LSB first: shift in from the top.
                self.shift.d.next = self.shift.q.val() >> 1;
                if self.sync2.q.val() {
                    self.shift.d.next = (self.shift.q.val() >> 1) | self.top_bit.val();
                }
            }
        }
    }
}
