//! The FPGA-facing side of Opal Kelly's `okHost` with one block-throttled pipe each way
//! (okBTPipeIn, okBTPipeOut), clock by clock on the FrontPanel clock: what a host's
//! `WriteToBlockPipeIn` / `ReadFromBlockPipeOut` calls look like on the endpoint ports.
//!
//! The timing modelled (FrontPanel endpoint behaviour as documented for block-throttled pipes):
//! - A block starts only when the endpoint's `ep_ready` was high in the clock the host looks
//!   at it, between blocks. `ep_blockstrobe` is high for that one clock; the block's words
//!   follow (`ep_write` / `ep_read`, one word per clock at most), possibly with gaps, and the
//!   whole block always moves once started. At least one idle clock separates blocks.
//! - Pipe out: the host latches `ep_datain` in the clock after the one where `ep_read` was
//!   high.
//! - USB moves words at a set rate ([`OkHostConfig::usb_bytes_per_sec`]); a word moves only
//!   with a word's worth of credit, which accrues every clock.
//! - The host makes one call at a time (FrontPanel's API is blocking): a read starts only when
//!   every queued pipe-in word has gone.
//!
//! Not modelled: the per-call USB latency (tens of microseconds on USB 3, a 125 us microframe
//! or more on USB 2.0), which on hardware adds to every stop-and-wait exchange, and the
//! FrontPanel transfer-size granularity beyond whole blocks.
//!
//! It checks what the board hands back: every pipe-out word must carry a count of 0 to 3 in
//! bits 31:24 and nothing in the byte lanes past the count (see `atomik_hdl::link::ok_pipe`).

use std::collections::VecDeque;

/// The FrontPanel clock and USB rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OkHostConfig {
    /// The FrontPanel clock (`okClk` / `ti_clk`), Hz.
    pub clock_hz: f64,
    /// What a pipe sustains over USB in one direction, bytes per second.
    pub usb_bytes_per_sec: f64,
}

/// Why a host configuration is unusable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "okHost: USB rate {rate} bytes/s at a {clock_hz} Hz FrontPanel clock; it must be above 0 \
     and at most 4 bytes per clock (a 32-bit word per clock)"
)]
pub struct OkHostConfigError {
    pub rate: f64,
    pub clock_hz: f64,
}

impl OkHostConfig {
    /// A USB 3.0 FrontPanel module (XEM7310 and the like): 100.8 MHz `okClk`, pipes at about
    /// 340 MB/s, Opal Kelly's quoted USB 3 pipe rate.
    pub fn usb3() -> OkHostConfig {
        OkHostConfig {
            clock_hz: 100.8e6,
            usb_bytes_per_sec: 340e6,
        }
    }

    /// A USB 2.0 FrontPanel module (the XEM7010): 48 MHz `ti_clk`; pipes at 40 MB/s, what USB
    /// 2.0 high speed sustains in bulk transfers (the same figure as the FT2232H model).
    pub fn usb2() -> OkHostConfig {
        OkHostConfig {
            clock_hz: 48e6,
            usb_bytes_per_sec: 40e6,
        }
    }

    pub fn validate(&self) -> Result<(), OkHostConfigError> {
        let per_clock = self.usb_bytes_per_sec / self.clock_hz;
        if !(per_clock > 0.0 && per_clock <= 4.0 && self.clock_hz > 0.0) {
            return Err(OkHostConfigError {
                rate: self.usb_bytes_per_sec,
                clock_hz: self.clock_hz,
            });
        }
        Ok(())
    }

    /// Words of USB credit per clock.
    fn words_per_clock(&self) -> f64 {
        self.usb_bytes_per_sec / self.clock_hz / 4.0
    }
}

/// The endpoint outputs the host sees in a clock (the board's registered outputs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BoardPins {
    pub pi_ready: bool,
    pub po_ready: bool,
}

/// The endpoint inputs the host drives in a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HostPins {
    pub reset: bool,
    pub pi_write: bool,
    pub pi_blockstrobe: bool,
    pub pi_data: u32,
    pub po_read: bool,
    pub po_blockstrobe: bool,
}

/// Counters of what crossed the endpoints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OkCounters {
    pub blocks_in: u64,
    pub blocks_out: u64,
    pub words_in: u64,
    pub words_out: u64,
    /// Clocks a pipe-in block waited for `ep_ready`.
    pub in_ready_waits: u64,
    /// Clocks a pipe-out block waited for `ep_ready`.
    pub out_ready_waits: u64,
}

/// At most this many violations are kept (the count goes on).
const KEPT_VIOLATIONS: usize = 16;

/// The simulated okHost; see the module docs.
#[derive(Debug, Clone)]
pub struct OkHost {
    config: OkHostConfig,
    in_block_words: u32,
    out_block_words: u32,
    in_queue: VecDeque<u32>,
    /// Words the pipe-in block in progress still moves (0: between blocks).
    in_left: u32,
    /// Pipe-out blocks asked for and not started.
    out_wanted: u32,
    out_left: u32,
    /// `ep_read` was high this clock: latch `ep_datain` after the edge.
    capture: bool,
    out_words: VecDeque<u32>,
    credit: f64,
    /// Idle clocks still owed before the next block.
    gap: u32,
    reset_clocks: u32,
    cycle: u64,
    pub counters: OkCounters,
    violations: Vec<String>,
    violation_count: u64,
}

impl OkHost {
    pub fn new(
        config: OkHostConfig,
        in_block_words: u32,
        out_block_words: u32,
    ) -> Result<OkHost, OkHostConfigError> {
        config.validate()?;
        Ok(OkHost {
            config,
            in_block_words,
            out_block_words,
            in_queue: VecDeque::new(),
            in_left: 0,
            out_wanted: 0,
            out_left: 0,
            capture: false,
            out_words: VecDeque::new(),
            credit: 0.0,
            gap: 0,
            reset_clocks: 0,
            cycle: 0,
            counters: OkCounters::default(),
            violations: Vec::new(),
            violation_count: 0,
        })
    }

    pub fn config(&self) -> OkHostConfig {
        self.config
    }

    /// Queues whole pipe-in blocks (`words.len()` a multiple of the block size).
    pub fn write_blocks(&mut self, words: &[u32]) {
        assert_eq!(
            words.len() % self.in_block_words as usize,
            0,
            "pipe-in transfers are whole blocks"
        );
        self.in_queue.extend(words);
    }

    /// Pipe-in words not yet written to the board (queued or in the current block).
    pub fn in_backlog(&self) -> usize {
        self.in_queue.len()
    }

    /// Drops queued pipe-in blocks that have not started (a timed-out call).
    pub fn abort_write(&mut self) {
        let keep = self.in_left as usize;
        self.in_queue.truncate(keep);
    }

    /// Asks for `blocks` pipe-out blocks.
    pub fn read_blocks(&mut self, blocks: u32) {
        self.out_wanted += blocks;
    }

    /// Drops pipe-out blocks asked for and not started (a timed-out call).
    pub fn abort_read(&mut self) {
        self.out_wanted = 0;
    }

    /// Pipe-out blocks asked for and not finished.
    pub fn read_pending(&self) -> bool {
        self.out_wanted > 0 || self.out_left > 0 || self.capture
    }

    /// Takes the pipe-out words read so far.
    pub fn take_out_words(&mut self) -> Vec<u32> {
        self.out_words.drain(..).collect()
    }

    /// Holds the link's reset WireIn high for `clocks`.
    pub fn pulse_reset(&mut self, clocks: u32) {
        self.reset_clocks = clocks;
    }

    /// A block is moving (either way).
    pub fn busy(&self) -> bool {
        self.in_left > 0 || self.out_left > 0 || self.capture
    }

    /// The host's pins for the clock in which the board shows `board`.
    pub fn drive(&mut self, board: &BoardPins) -> HostPins {
        self.credit += self.config.words_per_clock();
        let pins = self.drive_endpoints(board);
        // Capped after a word moves, not before: capped before, the fraction of a word left
        // over when one moves was lost, and USB 2's 0.208 words per clock became one word per
        // 5 clocks (38.4 of 40 MB/s). Capped, idle clocks bank at most one word.
        self.credit = self.credit.min(1.0);
        pins
    }

    /// [`Self::drive`] with this clock's credit added.
    fn drive_endpoints(&mut self, board: &BoardPins) -> HostPins {
        let mut pins = HostPins::default();
        if self.reset_clocks > 0 {
            self.reset_clocks -= 1;
            pins.reset = true;
            return pins;
        }
        if self.in_left > 0 {
            if self.credit >= 1.0 {
                self.credit -= 1.0;
                pins.pi_write = true;
                pins.pi_data = self
                    .in_queue
                    .pop_front()
                    .expect("a started block is queued");
                self.in_left -= 1;
                self.counters.words_in += 1;
                if self.in_left == 0 {
                    self.gap = 1;
                }
            }
            return pins;
        }
        if self.out_left > 0 {
            if self.credit >= 1.0 {
                self.credit -= 1.0;
                pins.po_read = true;
                self.capture = true;
                self.out_left -= 1;
                if self.out_left == 0 {
                    self.gap = 1;
                }
            }
            return pins;
        }
        if self.gap > 0 {
            self.gap -= 1;
            return pins;
        }
        if !self.in_queue.is_empty() {
            if board.pi_ready {
                pins.pi_blockstrobe = true;
                self.in_left = self.in_block_words;
                self.counters.blocks_in += 1;
            } else {
                self.counters.in_ready_waits += 1;
            }
        } else if self.out_wanted > 0 {
            if board.po_ready {
                pins.po_blockstrobe = true;
                self.out_left = self.out_block_words;
                self.out_wanted -= 1;
                self.counters.blocks_out += 1;
            } else {
                self.counters.out_ready_waits += 1;
            }
        }
        pins
    }

    /// After the edge that ended the clock of the last [`Self::drive`]: `po_data` is the
    /// board's `ep_datain` now.
    pub fn edge(&mut self, po_data: u32) {
        if self.capture {
            self.capture = false;
            self.check_out_word(po_data);
            self.out_words.push_back(po_data);
            self.counters.words_out += 1;
        }
        self.cycle += 1;
    }

    fn check_out_word(&mut self, w: u32) {
        let count = w >> 24;
        let unused = if count >= 3 {
            0
        } else {
            w & 0x00FF_FFFF & !((1u32 << (8 * count)) - 1)
        };
        let problem = if count > 3 {
            Some(format!(
                "pipe-out word {w:#010x} claims {count} bytes (at most 3)"
            ))
        } else if unused != 0 {
            Some(format!(
                "pipe-out word {w:#010x} has bits set past its {count} bytes"
            ))
        } else {
            None
        };
        if let Some(p) = problem {
            self.violation_count += 1;
            if self.violations.len() < KEPT_VIOLATIONS {
                self.violations.push(format!("clock {}: {p}", self.cycle));
            }
        }
    }

    /// Rules broken so far (the first few, with the clock) and how many in all.
    pub fn violations(&self) -> (&[String], u64) {
        (&self.violations, self.violation_count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_rates_are_named_and_the_host_waits_for_ready() {
        let bad = OkHostConfig {
            clock_hz: 48e6,
            usb_bytes_per_sec: 400e6,
        };
        assert!(OkHost::new(bad, 4, 4)
            .unwrap_err()
            .to_string()
            .contains("400000000"));
        let mut host = OkHost::new(OkHostConfig::usb3(), 4, 4).unwrap();
        host.write_blocks(&[1, 2, 3, 4]);
        let not_ready = BoardPins::default();
        for _ in 0..5 {
            let p = host.drive(&not_ready);
            assert!(!p.pi_blockstrobe && !p.pi_write);
            host.edge(0);
        }
        assert_eq!(host.counters.in_ready_waits, 5);
        let ready = BoardPins {
            pi_ready: true,
            po_ready: false,
        };
        assert!(host.drive(&ready).pi_blockstrobe);
        let mut words = Vec::new();
        for _ in 0..10 {
            let p = host.drive(&not_ready);
            if p.pi_write {
                words.push(p.pi_data);
            }
        }
        // Once started, the whole block moves whatever ep_ready does.
        assert_eq!(words, vec![1, 2, 3, 4]);
    }

    #[test]
    fn usb_moves_words_at_the_configured_rate() {
        let config = OkHostConfig::usb2();
        let mut host = OkHost::new(config, 16, 8).unwrap();
        let blocks = 20;
        host.write_blocks(&vec![0; 16 * blocks]);
        let ready = BoardPins {
            pi_ready: true,
            po_ready: false,
        };
        let mut clocks = 0u64;
        while host.in_backlog() > 0 || host.busy() {
            host.drive(&ready);
            host.edge(0);
            clocks += 1;
        }
        // 40 MB/s at 48 MHz is 0.208 words per clock; the gap and strobe clocks between
        // blocks bank credit like any other, so the words set the time (to a clock or two).
        let words = (16 * blocks) as f64;
        let expected = words / (config.usb_bytes_per_sec / config.clock_hz / 4.0);
        assert!(
            (clocks as f64 - expected).abs() <= 2.0,
            "{clocks} clocks for {words} words, expected {expected}"
        );
    }
}
