//! UART transmitter, 8N1.
//!
//! `ready` is high when idle; `valid & ready` takes `data` and sends start bit, eight data bits
//! (LSB first) and a stop bit, each `clocks_per_bit` clocks. `tx` is a register output, so the
//! pin sees no glitches.

use rust_hdl::prelude::*;

/// An 8N1 transmitter; the bit period is a run-time constant fixed when the block is built.
#[derive(LogicBlock)]
pub struct UartTx {
    pub clock: Signal<In, Clock>,
    pub valid: Signal<In, Bit>,
    pub data: Signal<In, Bits<8>>,
    /// Idle: the next `valid` is taken.
    pub ready: Signal<Out, Bit>,
    /// The serial line (idle high).
    pub tx: Signal<Out, Bit>,
    busy: DFF<Bit>,
    countdown: DFF<Bits<16>>,
    /// `countdown` is zero (the bit's last clock), registered: the 16-bit test of the
    /// countdown then sits before a register rather than on the way into `busy` and the
    /// link's accept logic. That path (countdown -> four LUTs -> the frame's load, 10.1 ns
    /// with two long routes) kept the Alchitry Cu's 100 MHz link clock at 99.2 MHz.
    bit_end: DFF<Bit>,
    /// Bits still to send, including the one on the line.
    bits_left: DFF<Bits<4>>,
    /// {stop, data[7:0], start}, shifted out from bit 0.
    frame: DFF<Bits<10>>,
    line: DFF<Bit>,
    period_minus_one: Constant<Bits<16>>,
    stop_bit: Constant<Bits<10>>,
}

impl UartTx {
    /// A transmitter taking `clocks_per_bit` clocks per bit (at least 4, see
    /// [`super::LinkConfig::new`]).
    pub fn new(clocks_per_bit: u16) -> Self {
        assert!(clocks_per_bit >= 4, "clocks_per_bit {clocks_per_bit} < 4");
        UartTx {
            clock: Default::default(),
            valid: Default::default(),
            data: Default::default(),
            ready: Default::default(),
            tx: Default::default(),
            busy: Default::default(),
            countdown: Default::default(),
            bit_end: Default::default(),
            bits_left: Default::default(),
            frame: Default::default(),
            line: DFF::default(),
            period_minus_one: Constant::new(((clocks_per_bit - 1) as u64).to_bits()),
            stop_bit: Constant::new(0x200u64.to_bits()),
        }
    }
}

impl Logic for UartTx {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, busy, countdown, bit_end, bits_left, frame, line);
        self.ready.next = !self.busy.q.val();
        // The line register idles high; it starts low only as a DFF's initial value, so the
        // first clock after configuration drives it high.
        self.tx.next = !self.line.q.val();
        self.line.d.next = false;
        if self.busy.q.val() {
            self.line.d.next = !self.frame.q.val().get_bit(0);
            if !self.bit_end.q.val() {
                self.countdown.d.next = self.countdown.q.val() - 1;
                self.bit_end.d.next = self.countdown.q.val() == 1;
            } else {
                self.countdown.d.next = self.period_minus_one.val();
                self.bit_end.d.next = false; // the period is at least 4 clocks
                self.frame.d.next = self.frame.q.val() >> 1;
                self.bits_left.d.next = self.bits_left.q.val() - 1;
                if self.bits_left.q.val() == 1 {
                    self.busy.d.next = false;
                    self.line.d.next = false;
                } else {
                    self.line.d.next = !self.frame.q.val().get_bit(1);
                }
            }
        } else if self.valid.val() {
            self.busy.d.next = true;
            self.countdown.d.next = self.period_minus_one.val();
            self.bit_end.d.next = false;
            self.bits_left.d.next = 10.into();
            // {stop = 1, data, start = 0}
            self.frame.d.next = (bit_cast::<10, 8>(self.data.val()) << 1) | self.stop_bit.val();
            self.line.d.next = true;
        }
    }
}
