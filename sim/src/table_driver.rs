//! Drives any [`Dut`] as a context table ([`TableOps`]), one command at a time, so the
//! conformance vectors written for the model run unchanged on simulated RTL.
//!
//! ACCUM and LOAD return as soon as the core accepts them, so a run of them goes in at one
//! per clock and the next op lands on the pipeline while they are in flight: the vectors'
//! back-to-back same-address sequences become the pipeline-hazard cases they are meant to be.
//! Addresses are checked here against the table size the caller asked for, which may be
//! smaller than the core's (the RTL has at least two contexts).

use crate::conform::TableOps;
use crate::driver::CommandDriver;
use crate::dut::Dut;
use crate::model::AtomikError;
use atomik_hdl::Op;

/// A [`Dut`] seen as a table of `num_contexts` contexts.
pub struct DutTable {
    driver: CommandDriver,
    num_contexts: u64,
    mask: u64,
}

impl DutTable {
    /// Resets the core (a full reset sweep), then serves a table of `num_contexts` contexts.
    /// Panics if the table does not fit the core: that is a caller's bug, not bad input.
    pub fn new(dut: Box<dyn Dut>, num_contexts: u64) -> Self {
        let config = dut.config();
        assert!(
            num_contexts >= 1 && num_contexts <= config.contexts as u64,
            "table of {num_contexts} contexts does not fit a core of {}",
            config.contexts
        );
        let mut driver = CommandDriver::new(dut);
        driver.reset();
        DutTable {
            driver,
            num_contexts,
            mask: config.mask(),
        }
    }

    /// The core underneath, e.g. to read its cycle count.
    pub fn dut(&self) -> &dyn Dut {
        self.driver.dut()
    }

    fn check(&self, addr: u64) -> Result<(), AtomikError> {
        if addr < self.num_contexts {
            Ok(())
        } else {
            Err(AtomikError::AddressOutOfRange {
                addr,
                num_contexts: self.num_contexts,
            })
        }
    }

    fn issue(&mut self, op: Op, addr: u64, data: u64) {
        self.driver.issue(op.code(), addr as u32, data & self.mask);
    }

    fn response(&mut self) -> u64 {
        self.driver.response()
    }
}

impl TableOps for DutTable {
    fn width(&self) -> u32 {
        self.dut().config().width
    }
    fn num_contexts(&self) -> u64 {
        self.num_contexts
    }

    fn load(&mut self, addr: u64, value: u64) -> Result<(), AtomikError> {
        self.check(addr)?;
        self.issue(Op::Load, addr, value);
        Ok(())
    }

    fn accum(&mut self, addr: u64, delta: u64) -> Result<(), AtomikError> {
        self.check(addr)?;
        self.issue(Op::Accum, addr, delta);
        Ok(())
    }

    fn read(&mut self, addr: u64) -> Result<u64, AtomikError> {
        self.check(addr)?;
        self.issue(Op::Read, addr, 0);
        Ok(self.response())
    }

    fn swap(&mut self, addr: u64, value: Option<u64>) -> Result<u64, AtomikError> {
        self.check(addr)?;
        match value {
            Some(v) => self.issue(Op::SwapLoad, addr, v),
            None => self.issue(Op::Swap, addr, 0),
        }
        Ok(self.response())
    }

    fn batch_accum(&mut self, deltas: &[(u64, u64)]) -> Result<(), AtomikError> {
        // Atomic: every address is checked before the first delta goes in.
        for &(addr, _) in deltas {
            self.check(addr)?;
        }
        for &(addr, delta) in deltas {
            self.issue(Op::Accum, addr, delta);
        }
        Ok(())
    }

    fn snapshot(&mut self) -> Result<Vec<(u64, u64)>, AtomikError> {
        let mut states = Vec::new();
        for addr in 0..self.num_contexts {
            let state = self.read(addr)?;
            if state != 0 {
                states.push((addr, state));
            }
        }
        Ok(states)
    }
}
