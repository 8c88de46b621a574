//! Bit-level 8N1 UART line ends in software, clocked with a simulated design: a
//! [`UartSender`] drives a design's receive pin, a [`UartReceiver`] decodes its transmit pin.
//! Both take one call per design clock and sample like the RTL does (mid-bit), so a simulated
//! board is exercised through exactly the pins a real bridge chip would drive.

use std::collections::VecDeque;

/// Drives a receive pin: bytes queued with [`Self::queue`] go out LSB first, 8N1, one line
/// level per [`Self::level`] call.
#[derive(Debug, Clone)]
pub struct UartSender {
    clocks_per_bit: u32,
    pending: VecDeque<u8>,
    /// {stop, data, start} of the byte on the line, and how far into it we are.
    frame: u16,
    bit: u32,
    tick: u32,
    busy: bool,
}

impl UartSender {
    pub fn new(clocks_per_bit: u32) -> UartSender {
        UartSender {
            clocks_per_bit,
            pending: VecDeque::new(),
            frame: 0,
            bit: 0,
            tick: 0,
            busy: false,
        }
    }

    pub fn queue(&mut self, bytes: &[u8]) {
        self.pending.extend(bytes);
    }

    /// Bytes not yet completely on the line.
    pub fn backlog(&self) -> usize {
        self.pending.len() + self.busy as usize
    }

    /// The line level for the next clock.
    pub fn level(&mut self) -> bool {
        if !self.busy {
            match self.pending.pop_front() {
                Some(b) => {
                    self.frame = ((b as u16) << 1) | 0x200;
                    self.bit = 0;
                    self.tick = 0;
                    self.busy = true;
                }
                None => return true,
            }
        }
        let level = self.frame >> self.bit & 1 == 1;
        self.tick += 1;
        if self.tick == self.clocks_per_bit {
            self.tick = 0;
            self.bit += 1;
            if self.bit == 10 {
                self.busy = false;
            }
        }
        level
    }
}

/// Decodes a transmit pin sampled once per clock; bytes with a bad stop bit are counted, not
/// returned.
#[derive(Debug, Clone)]
pub struct UartReceiver {
    clocks_per_bit: u32,
    busy: bool,
    countdown: u32,
    bit: u32,
    shift: u8,
    /// Bytes dropped for a low stop bit.
    pub framing_errors: u64,
}

impl UartReceiver {
    pub fn new(clocks_per_bit: u32) -> UartReceiver {
        UartReceiver {
            clocks_per_bit,
            busy: false,
            countdown: 0,
            bit: 0,
            shift: 0,
            framing_errors: 0,
        }
    }

    /// Feeds this clock's line level; returns a byte when its stop bit has been sampled.
    pub fn sample(&mut self, level: bool) -> Option<u8> {
        if !self.busy {
            if !level {
                self.busy = true;
                self.countdown = self.clocks_per_bit / 2 - 1;
                self.bit = 0;
            }
            return None;
        }
        if self.countdown > 0 {
            self.countdown -= 1;
            return None;
        }
        self.countdown = self.clocks_per_bit - 1;
        self.bit += 1;
        match self.bit - 1 {
            0 => {
                if level {
                    self.busy = false;
                }
                None
            }
            9 => {
                self.busy = false;
                if level {
                    Some(self.shift)
                } else {
                    self.framing_errors += 1;
                    None
                }
            }
            _ => {
                self.shift = (self.shift >> 1) | ((level as u8) << 7);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_and_receiver_agree_at_several_rates() {
        for cpb in [4, 5, 9, 16] {
            let mut tx = UartSender::new(cpb);
            let mut rx = UartReceiver::new(cpb);
            let bytes: Vec<u8> = (0..=255).collect();
            tx.queue(&bytes);
            let mut got = Vec::new();
            for _ in 0..(bytes.len() as u32 + 2) * 10 * cpb {
                if let Some(b) = rx.sample(tx.level()) {
                    got.push(b);
                }
            }
            assert_eq!(got, bytes, "clocks per bit {cpb}");
            assert_eq!(rx.framing_errors, 0);
        }
    }
}
