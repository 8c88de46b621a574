//! The board side of an FTDI FT2232H / FT232H in FT245 synchronous FIFO mode: bytes from the
//! host come out as one-clock strobes (the interface of [`super::uart_rx::UartRx`]) and bytes
//! to the host go in through valid/ready (that of [`super::uart_tx::UartTx`]), so the frame
//! bridge sees the same byte streams whatever the link.
//!
//! ```text
//!   FTDI chip                         this block (clocked by the chip's 60 MHz CLKOUT)
//!   RXF# (low: a byte to read) ─────► ┐
//!   TXE# (low: room to write)  ─────► ├─ IDLE ─► RD_OE ─► READ ─► IDLE ─► WRITE ─► IDLE ...
//!   D[7:0] ◄──────────────────────►   │  (one of reading or writing owns the bus at a time)
//!   OE#, RD#, WR# ◄── registers ──────┘
//! ```
//! The bus rules it keeps (FT2232H datasheet, FT245 synchronous FIFO interface):
//! - A byte moves at a rising CLKOUT edge where RD# and RXF# are both low (the chip's byte on
//!   D is taken and the chip presents the next one), or where WR# and TXE# are both low (the
//!   byte this block drives on D is written). RXF# / TXE# high at that edge means nothing
//!   moved: the data on D is not valid, or the write is ignored and is retried.
//! - OE# goes low one whole clock before RD#: the chip turns the bus around and drives the
//!   first byte while OE# is low.
//! - This block drives D only while OE# is high, and only from the clock after OE# was high:
//!   one idle clock separates the chip driving the bus from this block driving it, both ways.
//! - RD# is asserted only after an edge where RXF# was low, WR# only after an edge where TXE#
//!   was low and a byte is held.
//!
//! Why every pin is a register: at 60 MHz the chip gives the FPGA about 7 ns between its
//! clock-to-out and its setup time, no room for logic between a pin and a pin. The price is
//! that RD# stays low for the clock in which RXF# rises after the last byte (nothing moves
//! at that edge, as above) and that a write burst alternates with reads only between bytes.
//! Writes go first when both sides have work: the chip's receive buffer holds what the host
//! sends meanwhile.
//!
//! Back-pressure: bytes read go into a four-byte skid queue that the frame bridge empties
//! when it `rx_ready`s (hunting or receiving). A byte is read only while the queue has room
//! for it and the two reads already on their way (RD# and the input register are one clock
//! each), so nothing is read that cannot be kept; while the bridge checks, applies or answers
//! a frame the host's next frames wait in the chip's buffer instead of being dropped. Four
//! bytes is the least that keeps reading one byte per clock while the bridge takes one per
//! clock (a byte queued, two in flight, the one being decided).

use rust_hdl::prelude::*;

const IDLE: u64 = 0;
const RD_OE: u64 = 1;
const READ: u64 = 2;
const WRITE: u64 = 3;

/// FT245 synchronous FIFO interface; no parameters (the bus timing is fixed by the chip).
#[derive(LogicBlock)]
pub struct Ft245Fifo {
    /// The chip's CLKOUT (60 MHz).
    pub clock: Signal<In, Clock>,
    /// Synchronous: bus released, the held byte dropped.
    pub reset: Signal<In, Bit>,
    /// Low: the chip has a byte from the host.
    pub rxf_n: Signal<In, Bit>,
    /// Low: the chip has room for a byte to the host.
    pub txe_n: Signal<In, Bit>,
    /// Low: take a byte at the next edge (with RXF# low).
    pub rd_n: Signal<Out, Bit>,
    /// Low: the byte on `data_out` is written at the next edge (with TXE# low).
    pub wr_n: Signal<Out, Bit>,
    /// Low: the chip drives D.
    pub oe_n: Signal<Out, Bit>,
    /// D as driven by the chip.
    pub data_in: Signal<In, Bits<8>>,
    /// D as driven by this block, while `data_oe`.
    pub data_out: Signal<Out, Bits<8>>,
    /// This block drives D (the pad's output enable).
    pub data_oe: Signal<Out, Bit>,
    /// One-clock strobe: `rx_data` is a byte from the host.
    pub rx_valid: Signal<Out, Bit>,
    pub rx_data: Signal<Out, Bits<8>>,
    /// The bridge takes the byte offered on `rx_valid` this clock.
    pub rx_ready: Signal<In, Bit>,
    /// A byte for the host, taken when `tx_ready`.
    pub tx_valid: Signal<In, Bit>,
    pub tx_data: Signal<In, Bits<8>>,
    pub tx_ready: Signal<Out, Bit>,
    state: DFF<Bits<2>>,
    /// Active-high copies of the strobes, so the power-on value (0) leaves the bus released.
    oe: DFF<Bit>,
    rd: DFF<Bit>,
    wr: DFF<Bit>,
    drive: DFF<Bit>,
    /// The byte for the host, on D while writing.
    hold: DFF<Bits<8>>,
    full: DFF<Bit>,
    got: DFF<Bit>,
    got_data: DFF<Bits<8>>,
    /// The skid queue, oldest byte in `skid0`, and how many bytes it holds (0 to 4).
    skid0: DFF<Bits<8>>,
    skid1: DFF<Bits<8>>,
    skid2: DFF<Bits<8>>,
    skid3: DFF<Bits<8>>,
    fill: DFF<Bits<3>>,
    /// The bridge takes the oldest byte this clock.
    pop: Signal<Local, Bit>,
    /// Bytes in the queue after the pop, where a byte arriving now goes.
    kept: Signal<Local, Bits<3>>,
    /// Bytes queued or on their way (read at this edge, or read last edge and landing now).
    in_flight: Signal<Local, Bits<3>>,
    /// A read decided now can be kept: queue plus reads in flight below four.
    room: Signal<Local, Bit>,
    /// A byte is written at this edge.
    written: Signal<Local, Bit>,
    take: Signal<Local, Bit>,
    /// A byte is held after this edge.
    full_next: Signal<Local, Bit>,
    st_idle: Constant<Bits<2>>,
    st_rd_oe: Constant<Bits<2>>,
    st_read: Constant<Bits<2>>,
    st_write: Constant<Bits<2>>,
}

impl Default for Ft245Fifo {
    fn default() -> Self {
        let c = |v: u64| Constant::new(v.to_bits());
        Ft245Fifo {
            clock: Default::default(),
            reset: Default::default(),
            rxf_n: Default::default(),
            txe_n: Default::default(),
            rd_n: Default::default(),
            wr_n: Default::default(),
            oe_n: Default::default(),
            data_in: Default::default(),
            data_out: Default::default(),
            data_oe: Default::default(),
            rx_valid: Default::default(),
            rx_data: Default::default(),
            rx_ready: Default::default(),
            tx_valid: Default::default(),
            tx_data: Default::default(),
            tx_ready: Default::default(),
            state: Default::default(),
            oe: Default::default(),
            rd: Default::default(),
            wr: Default::default(),
            drive: Default::default(),
            hold: Default::default(),
            full: Default::default(),
            got: Default::default(),
            got_data: Default::default(),
            skid0: Default::default(),
            skid1: Default::default(),
            skid2: Default::default(),
            skid3: Default::default(),
            fill: Default::default(),
            pop: Default::default(),
            kept: Default::default(),
            in_flight: Default::default(),
            room: Default::default(),
            written: Default::default(),
            take: Default::default(),
            full_next: Default::default(),
            st_idle: c(IDLE),
            st_rd_oe: c(RD_OE),
            st_read: c(READ),
            st_write: c(WRITE),
        }
    }
}

impl Logic for Ft245Fifo {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, state, oe, rd, wr, drive, hold, full, got, got_data, skid0, skid1, skid2,
            skid3, fill
        );
        self.oe_n.next = !self.oe.q.val();
        self.rd_n.next = !self.rd.q.val();
        self.wr_n.next = !self.wr.q.val();
        self.data_oe.next = self.drive.q.val();
        self.data_out.next = self.hold.q.val();
        self.rx_valid.next = self.fill.q.val().any();
        self.rx_data.next = self.skid0.q.val();

        // ---- Skid queue: bytes read in at the back, taken by the bridge at the front ------
        self.pop.next = self.fill.q.val().any() & self.rx_ready.val();
        self.kept.next = self.fill.q.val();
        if self.pop.val() {
            self.kept.next = self.fill.q.val() - 1;
            self.skid0.d.next = self.skid1.q.val();
            self.skid1.d.next = self.skid2.q.val();
            self.skid2.d.next = self.skid3.q.val();
        }
        self.fill.d.next = self.kept.val();
        if self.got.q.val() {
            self.fill.d.next = self.kept.val() + 1;
            if self.kept.val() == 0 {
                self.skid0.d.next = self.got_data.q.val();
            }
            if self.kept.val() == 1 {
                self.skid1.d.next = self.got_data.q.val();
            }
            if self.kept.val() == 2 {
                self.skid2.d.next = self.got_data.q.val();
            }
            if self.kept.val() == 3 {
                self.skid3.d.next = self.got_data.q.val();
            }
        }
        self.in_flight.next = self.fill.q.val();
        if self.got.q.val() {
            self.in_flight.next = self.in_flight.val() + 1;
        }
        if self.rd.q.val() {
            self.in_flight.next = self.in_flight.val() + 1;
        }
        self.room.next = self.in_flight.val() < 4;

        // ---- Bytes moving at this edge -------------------------------------------------
        self.got.d.next = self.rd.q.val() & !self.rxf_n.val();
        self.got_data.d.next = self.data_in.val();
        self.written.next = self.wr.q.val() & !self.txe_n.val();
        self.tx_ready.next = !self.full.q.val();
        self.take.next = self.tx_valid.val() & !self.full.q.val();
        self.full_next.next = (self.full.q.val() & !self.written.val()) | self.take.val();
        self.full.d.next = self.full_next.val();
        if self.take.val() {
            self.hold.d.next = self.tx_data.val();
        }

        // ---- Who owns the bus next clock ---------------------------------------------
        self.oe.d.next = false;
        self.rd.d.next = false;
        self.wr.d.next = false;
        self.drive.d.next = false;
        self.state.d.next = self.st_idle.val();
        if self.state.q.val() == self.st_idle.val() {
            // OE# and D are released here; either side may take the bus next clock.
            if self.full_next.val() & !self.txe_n.val() {
                self.state.d.next = self.st_write.val();
                self.drive.d.next = true;
                self.wr.d.next = true;
            } else if !self.rxf_n.val() & self.room.val() {
                self.state.d.next = self.st_rd_oe.val();
                self.oe.d.next = true;
            }
        }
        // RD_OE also parks the bus turned towards the chip (OE# low, RD# high) while the
        // chip's buffer is empty or the queue is full and nothing is to be written: bytes
        // trickle in at the USB rate (2 per 3 clocks at 40 MB/s), and a read restarted from
        // IDLE paid two turnaround clocks per trickle, halving the read rate.
        if self.state.q.val() == self.st_rd_oe.val() {
            // The chip drives D now; RD# follows a clock after OE#.
            if !self.rxf_n.val() & self.room.val() {
                self.state.d.next = self.st_read.val();
                self.oe.d.next = true;
                self.rd.d.next = true;
            } else if !(self.full_next.val() & !self.txe_n.val()) {
                self.state.d.next = self.st_rd_oe.val();
                self.oe.d.next = true;
            }
        }
        if self.state.q.val() == self.st_read.val() {
            // Keep reading while the chip has bytes, unless an answer byte can go out.
            if !(self.full_next.val() & !self.txe_n.val()) {
                self.state.d.next = self.st_rd_oe.val();
                self.oe.d.next = true;
                if !self.rxf_n.val() & self.room.val() {
                    self.state.d.next = self.st_read.val();
                    self.rd.d.next = true;
                }
            }
        }
        if self.state.q.val() == self.st_write.val() {
            // Keep the bus while there is (or soon will be) a byte to write, unless the host
            // has sent something and there is nothing writable now.
            if !(!self.rxf_n.val() & (!self.full_next.val() | self.txe_n.val())) {
                self.state.d.next = self.st_write.val();
                self.drive.d.next = true;
                self.wr.d.next = self.full_next.val() & !self.txe_n.val();
            }
        }
        if self.reset.val() {
            self.state.d.next = self.st_idle.val();
            self.oe.d.next = false;
            self.rd.d.next = false;
            self.wr.d.next = false;
            self.drive.d.next = false;
            self.full.d.next = false;
            self.fill.d.next = 0.into();
            self.got.d.next = false;
        }
    }
}
