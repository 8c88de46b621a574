//! The chip's side of an FT2232H / FT232H in FT245 synchronous FIFO mode, clock by clock: its
//! receive buffer (host → FPGA) and transmit buffer (FPGA → host), RXF# / TXE# from their fill
//! levels, D driven from the receive buffer while OE# is low, and the USB side moving bytes at
//! a set rate. It also checks every bus rule the FPGA must keep and records each violation.
//!
//! One call of [`Ft2232hFifo::drive`] gives the chip's pins for a clock from the FPGA's pins in
//! that clock (the FPGA's registered outputs after the previous edge); [`Ft2232hFifo::edge`]
//! applies the rising edge: a byte moves where RD# and RXF# are both low (the byte on D goes to
//! the FPGA) or WR# and TXE# are both low (the FPGA's byte goes into the transmit buffer).
//!
//! What is modelled and what is not: the buffer sizes and the resulting back-pressure are the
//! chip's (4 KiB each way per channel on the FT2232H, 1 KiB on the FT232H); USB is a constant
//! byte rate per direction (the ~40 MB/s the chip sustains over USB 2.0 high speed). Not
//! modelled: USB packetisation (RXF# rising between 512-byte packets), the latency timer and
//! the 125 us microframe, which on hardware dominate a stop-and-wait exchange of a few bytes.

use std::collections::VecDeque;

/// The FPGA's FIFO pins during one clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FpgaPins {
    pub rd_n: bool,
    pub wr_n: bool,
    pub oe_n: bool,
    pub data_out: u8,
    pub data_oe: bool,
}

impl FpgaPins {
    /// All strobes high, bus released (the FPGA before configuration).
    pub const RELEASED: FpgaPins = FpgaPins {
        rd_n: true,
        wr_n: true,
        oe_n: true,
        data_out: 0,
        data_oe: false,
    };
}

/// The chip's FIFO pins during one clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChipPins {
    pub rxf_n: bool,
    pub txe_n: bool,
    /// D as driven by the chip (meaningful while OE# is low).
    pub data: u8,
}

/// Why a chip configuration is unusable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChipConfigError {
    #[error("FIFO chip: {which} buffer of {bytes} bytes; it needs at least 1")]
    Buffer { which: &'static str, bytes: usize },
    #[error(
        "FIFO chip: USB rate {rate} bytes per clock; it must be above 0 and at most 1 \
         (the FIFO moves one byte per clock)"
    )]
    Rate { rate: f64 },
}

/// The chip's buffers and USB rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ft2232hConfig {
    /// Receive buffer (host → FPGA), bytes.
    pub rx_capacity: usize,
    /// Transmit buffer (FPGA → host), bytes.
    pub tx_capacity: usize,
    /// Bytes per FIFO clock the USB side moves in each direction (0 < rate <= 1).
    pub usb_bytes_per_clock: f64,
}

/// What an FT2232H sustains over USB 2.0 high speed in FIFO mode, bytes per second.
pub const USB_BYTES_PER_SEC: f64 = 40e6;
/// The chip's CLKOUT, Hz.
pub const CLKOUT_HZ: f64 = 60e6;

impl Ft2232hConfig {
    /// An FT2232H channel: 4 KiB buffers each way, USB at [`USB_BYTES_PER_SEC`].
    pub fn ft2232h() -> Ft2232hConfig {
        Ft2232hConfig {
            rx_capacity: 4096,
            tx_capacity: 4096,
            usb_bytes_per_clock: USB_BYTES_PER_SEC / CLKOUT_HZ,
        }
    }

    /// Checks the values, naming the bad one.
    pub fn validate(&self) -> Result<(), ChipConfigError> {
        for (which, bytes) in [
            ("receive", self.rx_capacity),
            ("transmit", self.tx_capacity),
        ] {
            if bytes == 0 {
                return Err(ChipConfigError::Buffer { which, bytes });
            }
        }
        let rate = self.usb_bytes_per_clock;
        if !(rate > 0.0 && rate <= 1.0) {
            return Err(ChipConfigError::Rate { rate });
        }
        Ok(())
    }
}

/// Counters of what crossed the bus.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FifoCounters {
    /// Bytes the FPGA read.
    pub to_fpga: u64,
    /// Bytes the FPGA wrote.
    pub from_fpga: u64,
    /// Clocks in which RD# was low while RXF# was high (nothing moved).
    pub rxf_stalls: u64,
    /// Clocks in which WR# was low while TXE# was high (nothing moved).
    pub txe_stalls: u64,
    /// Clocks with RXF# high / TXE# high.
    pub rxf_high: u64,
    pub txe_high: u64,
}

/// At most this many violations are kept (the count goes on).
const KEPT_VIOLATIONS: usize = 16;

/// The simulated chip; see the module docs.
#[derive(Debug, Clone)]
pub struct Ft2232hFifo {
    config: Ft2232hConfig,
    /// Written by the host, not yet over USB.
    from_host: VecDeque<u8>,
    rx: VecDeque<u8>,
    tx: VecDeque<u8>,
    credit_in: f64,
    credit_out: f64,
    /// The host takes bytes from the transmit buffer (false: it stops reading, and the buffer
    /// fills until TXE# holds the FPGA back).
    pub host_reading: bool,
    prev: FpgaPins,
    cycle: u64,
    pub counters: FifoCounters,
    violations: Vec<String>,
    violation_count: u64,
}

impl Ft2232hFifo {
    pub fn new(config: Ft2232hConfig) -> Result<Ft2232hFifo, ChipConfigError> {
        config.validate()?;
        Ok(Ft2232hFifo {
            config,
            from_host: VecDeque::new(),
            rx: VecDeque::new(),
            tx: VecDeque::new(),
            credit_in: 0.0,
            credit_out: 0.0,
            host_reading: true,
            prev: FpgaPins::RELEASED,
            cycle: 0,
            counters: FifoCounters::default(),
            violations: Vec::new(),
            violation_count: 0,
        })
    }

    pub fn config(&self) -> Ft2232hConfig {
        self.config
    }

    /// The host writes bytes (they cross USB at the configured rate).
    pub fn host_write(&mut self, bytes: &[u8]) {
        self.from_host.extend(bytes);
    }

    /// Bytes the host wrote that the FPGA has not read yet.
    pub fn backlog(&self) -> usize {
        self.from_host.len() + self.rx.len()
    }

    /// The chip's pins for the clock in which the FPGA shows `fpga`.
    pub fn drive(&self, fpga: &FpgaPins) -> ChipPins {
        ChipPins {
            rxf_n: self.rx.is_empty(),
            txe_n: self.tx.len() >= self.config.tx_capacity,
            data: if fpga.oe_n {
                0
            } else {
                self.rx.front().copied().unwrap_or(0)
            },
        }
    }

    /// The rising edge ending the clock in which the pins were `fpga` and `chip` (from
    /// [`Self::drive`]); returns a byte that reached the host over USB.
    pub fn edge(&mut self, fpga: &FpgaPins, chip: &ChipPins) -> Option<u8> {
        self.check(fpga);
        if !fpga.rd_n {
            if chip.rxf_n {
                self.counters.rxf_stalls += 1;
            } else if let Some(b) = self.rx.pop_front() {
                debug_assert_eq!(b, chip.data);
                self.counters.to_fpga += 1;
            }
        }
        if !fpga.wr_n {
            if chip.txe_n {
                self.counters.txe_stalls += 1;
            } else {
                self.tx.push_back(fpga.data_out);
                self.counters.from_fpga += 1;
            }
        }
        self.counters.rxf_high += chip.rxf_n as u64;
        self.counters.txe_high += chip.txe_n as u64;
        self.prev = *fpga;
        self.cycle += 1;
        // ---- USB side ----------------------------------------------------------------------
        // The credit is capped after a byte moves, not before: capped before, a rate of 2/3
        // (40 MB/s at 60 MHz) lost the carry at every byte and moved 1 byte per 2 clocks.
        // The cap keeps an idle USB side from saving up a burst.
        let rate = self.config.usb_bytes_per_clock;
        self.credit_in += rate;
        if self.credit_in >= 1.0 && self.rx.len() < self.config.rx_capacity {
            if let Some(b) = self.from_host.pop_front() {
                self.rx.push_back(b);
                self.credit_in -= 1.0;
            }
        }
        self.credit_in = self.credit_in.min(1.0);
        if !self.host_reading {
            return None;
        }
        self.credit_out += rate;
        let mut out = None;
        if self.credit_out >= 1.0 {
            if let Some(b) = self.tx.pop_front() {
                self.credit_out -= 1.0;
                out = Some(b);
            }
        }
        self.credit_out = self.credit_out.min(1.0);
        out
    }

    fn check(&mut self, fpga: &FpgaPins) {
        let prev = self.prev;
        let rules = [
            (
                fpga.data_oe && !fpga.oe_n,
                "bus contention: the FPGA drives D while OE# is low",
            ),
            (
                fpga.data_oe && !prev.oe_n,
                "no turnaround: the FPGA drives D the clock after OE# was low",
            ),
            (
                !fpga.oe_n && prev.data_oe,
                "no turnaround: OE# low the clock after the FPGA drove D",
            ),
            (!fpga.rd_n && fpga.oe_n, "RD# low while OE# is high"),
            (
                !fpga.rd_n && prev.oe_n,
                "RD# low without OE# low the clock before",
            ),
            (!fpga.rd_n && !fpga.wr_n, "RD# and WR# low together"),
            (
                !fpga.wr_n && !fpga.data_oe,
                "WR# low while the FPGA does not drive D",
            ),
        ];
        for (broken, what) in rules {
            if broken {
                self.violation_count += 1;
                if self.violations.len() < KEPT_VIOLATIONS {
                    self.violations
                        .push(format!("clock {}: {what} ({fpga:?})", self.cycle));
                }
            }
        }
    }

    /// Bus rules broken so far (the first few, with the clock) and how many in all.
    pub fn violations(&self) -> (&[String], u64) {
        (&self.violations, self.violation_count)
    }

    /// Bytes in the receive / transmit buffers.
    pub fn fill(&self) -> (usize, usize) {
        (self.rx.len(), self.tx.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_configurations_are_named() {
        let mut c = Ft2232hConfig::ft2232h();
        c.tx_capacity = 0;
        assert!(Ft2232hFifo::new(c)
            .unwrap_err()
            .to_string()
            .contains("transmit buffer of 0 bytes"));
        let mut c = Ft2232hConfig::ft2232h();
        c.usb_bytes_per_clock = 1.5;
        assert!(Ft2232hFifo::new(c).unwrap_err().to_string().contains("1.5"));
    }

    #[test]
    fn a_reader_that_ignores_the_turnaround_is_caught() {
        let mut chip = Ft2232hFifo::new(Ft2232hConfig::ft2232h()).unwrap();
        chip.host_write(&[7]);
        for _ in 0..4 {
            let p = chip.drive(&FpgaPins::RELEASED);
            chip.edge(&FpgaPins::RELEASED, &p);
        }
        // OE# and RD# together, with no clock of OE# first.
        let bad = FpgaPins {
            rd_n: false,
            oe_n: false,
            ..FpgaPins::RELEASED
        };
        let p = chip.drive(&bad);
        assert!(!p.rxf_n && p.data == 7);
        chip.edge(&bad, &p);
        let (kept, count) = chip.violations();
        assert_eq!(count, 1, "{kept:?}");
        assert!(kept[0].contains("without OE# low the clock before"));
        assert_eq!(chip.counters.to_fpga, 1);
    }

    #[test]
    fn usb_moves_bytes_at_the_configured_rate() {
        // 40 MB/s at 60 MHz is 2 bytes per 3 clocks, into the receive buffer with nobody
        // reading it, and out of the transmit buffer to a reading host.
        let mut chip = Ft2232hFifo::new(Ft2232hConfig::ft2232h()).unwrap();
        chip.host_write(&[0x55; 3000]);
        for _ in 0..3000 {
            let p = chip.drive(&FpgaPins::RELEASED);
            chip.edge(&FpgaPins::RELEASED, &p);
        }
        let (rx, _) = chip.fill();
        assert!(
            (1999..=2000).contains(&rx),
            "{rx} bytes crossed USB in 3000 clocks"
        );
    }
}
