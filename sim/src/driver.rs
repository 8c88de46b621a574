//! Drives any [`Dut`] one command at a time: wait for `cmd_ready`, hand the command over,
//! collect responses in order. The table adapter and the generator runs are built on it.
//!
//! A core that never raises `cmd_ready` or never answers is a broken design, not bad input:
//! the driver panics after [`HANG_CYCLES`] with the backend's name, so a test fails loudly
//! instead of hanging.

use crate::dut::{CoreInputs, Dut};

/// Cycles to wait for `cmd_ready` or a response: longer than the largest reset sweep (4096
/// contexts) and any response latency by a wide margin.
pub const HANG_CYCLES: u64 = 100_000;

/// A [`Dut`] behind a one-command-at-a-time interface.
pub struct CommandDriver {
    dut: Box<dyn Dut>,
}

impl CommandDriver {
    pub fn new(dut: Box<dyn Dut>) -> Self {
        CommandDriver { dut }
    }

    /// The core underneath.
    pub fn dut(&self) -> &dyn Dut {
        self.dut.as_ref()
    }

    /// The core underneath, e.g. to open a waveform.
    pub fn dut_mut(&mut self) -> &mut dyn Dut {
        self.dut.as_mut()
    }

    fn idle_inputs() -> CoreInputs {
        CoreInputs {
            rsp_ready: true,
            ..Default::default()
        }
    }

    /// One reset cycle, then waits until the core accepts commands again.
    pub fn reset(&mut self) {
        self.dut.step(&CoreInputs {
            reset: true,
            ..Default::default()
        });
        self.wait_ready();
    }

    /// Clocks `cycles` idle cycles (taking any responses, which are dropped).
    pub fn idle(&mut self, cycles: u64) {
        for _ in 0..cycles {
            self.dut.step(&Self::idle_inputs());
        }
    }

    /// Clocks until `cmd_ready` is high.
    pub fn wait_ready(&mut self) {
        let start = self.dut.cycles();
        while !self.dut.outputs().cmd_ready {
            assert!(
                self.dut.cycles() - start < HANG_CYCLES,
                "{} core never raised cmd_ready",
                self.dut.backend()
            );
            self.dut.step(&Self::idle_inputs());
        }
    }

    /// Hands one command to the core (clocking until it is taken). Data goes in as given.
    pub fn issue(&mut self, op: u8, addr: u32, data: u64) {
        self.wait_ready();
        self.dut.step(&CoreInputs {
            cmd_valid: true,
            cmd_op: op,
            cmd_addr: addr,
            cmd_data: data,
            rsp_ready: false,
            reset: false,
        });
    }

    /// Clocks until the oldest outstanding response arrives, and takes it.
    pub fn response(&mut self) -> u64 {
        let start = self.dut.cycles();
        loop {
            let out = self.dut.outputs();
            if out.rsp_valid {
                self.dut.step(&Self::idle_inputs());
                return out.rsp_data;
            }
            assert!(
                self.dut.cycles() - start < HANG_CYCLES,
                "{} core never responded",
                self.dut.backend()
            );
            self.dut.step(&Self::idle_inputs());
        }
    }

    /// Issues a command that responds and returns its response.
    pub fn query(&mut self, op: u8, addr: u32, data: u64) -> u64 {
        self.issue(op, addr, data);
        self.response()
    }
}
