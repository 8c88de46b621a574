//! A second clock for a Verilated model whose `tick()` steps its fast clock: the slow clock's
//! input pin toggles every `half` fast clocks. Shared by the clock-crossing tests
//! (`handshake_port.rs`, `batch_apply.rs`).

use atomik_sim::verilator::VerilatedModel;

/// The slow clock's pin, its half period in fast clocks and where it stands.
pub struct SlowClock {
    pin: usize,
    /// Fast clocks per half period of the slow clock.
    half: u32,
    level: bool,
    phase: u32,
}

impl SlowClock {
    /// The slow clock on input `pin`, starting low.
    pub fn new(pin: usize, half: u32) -> SlowClock {
        SlowClock {
            pin,
            half,
            level: false,
            phase: 0,
        }
    }

    /// Fast clocks until the slow clock's next rising edge has happened.
    pub fn cycle(&mut self, m: &mut VerilatedModel) {
        loop {
            self.phase += 1;
            if self.phase == self.half {
                self.phase = 0;
                self.level = !self.level;
                m.set(self.pin, self.level as u64);
            }
            m.tick();
            if self.phase == 0 && self.level {
                return;
            }
        }
    }
}
