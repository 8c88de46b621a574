//! The pipelined checker (model on a second thread) is the lockstep check: same cycles, same
//! counts, same verdicts, and it catches and locates a wrong backend the same way.

use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::CoreConfig;
use atomik_sim::cosim::{run_lockstep, LanesStimulus};
use atomik_sim::dut::{CoreInputs, CoreOutputs, Dut};
use atomik_sim::lanes_model::LanesModel;
use atomik_sim::pipelined::run_pipelined;
use atomik_sim::verilator_core::VerilatorCore;

#[test]
fn pipelined_and_lockstep_agree_on_a_verilator_core() {
    let config = LanesConfig::single(16, 64).unwrap();
    let cycles = 300_000;
    let mut core = VerilatorCore::lanes(config, false).unwrap();
    let piped = run_pipelined(
        Box::new(LanesModel::new(config)),
        Box::new(LanesStimulus::new(16, 7)),
        &mut core,
        cycles,
        false,
        &mut |_| {},
    );
    let mut core = VerilatorCore::lanes(config, false).unwrap();
    let mut model = LanesModel::new(config);
    let mut stimulus = LanesStimulus::new(16, 7);
    let locked = run_lockstep(&mut model, &mut [&mut core], &mut stimulus, cycles, false);
    assert_eq!(piped.mismatches, 0, "{:?}", piped.first_mismatches);
    assert_eq!(locked.mismatches, 0);
    assert_eq!(
        (piped.cycles, piped.commands, piped.responses, piped.resets),
        (
            locked.cycles,
            locked.commands,
            locked.responses,
            locked.resets
        )
    );
    assert!(piped.commands > cycles / 2 && piped.resets > 0);
}

/// The model with every response's bit 5 flipped from response number `from` on.
struct Corrupted {
    inner: LanesModel,
    responses: u64,
    from: u64,
}

impl Dut for Corrupted {
    fn config(&self) -> CoreConfig {
        self.inner.config()
    }
    fn backend(&self) -> &'static str {
        "corrupted model"
    }
    fn outputs(&self) -> CoreOutputs {
        let mut o = self.inner.outputs();
        if o.rsp_valid && self.responses >= self.from {
            o.rsp_data ^= 1 << 5;
        }
        o
    }
    fn step(&mut self, i: &CoreInputs) {
        if self.inner.outputs().rsp_valid && i.rsp_ready {
            self.responses += 1;
        }
        self.inner.step(i);
    }
    fn cycles(&self) -> u64 {
        self.inner.cycles()
    }
}

#[test]
fn pipelined_checker_stops_at_the_same_first_mismatch_as_lockstep() {
    let config = LanesConfig::single(4, 64).unwrap();
    let bad = || Corrupted {
        inner: LanesModel::new(config),
        responses: 0,
        from: 1000,
    };
    let mut dut = bad();
    let piped = run_pipelined(
        Box::new(LanesModel::new(config)),
        Box::new(LanesStimulus::new(4, 3)),
        &mut dut,
        1_000_000,
        true,
        &mut |_| {},
    );
    let mut dut = bad();
    let mut model = LanesModel::new(config);
    let mut stimulus = LanesStimulus::new(4, 3);
    let locked = run_lockstep(&mut model, &mut [&mut dut], &mut stimulus, 1_000_000, true);
    assert_eq!(piped.mismatches, 1);
    assert_eq!(piped.first_mismatches, locked.first_mismatches);
    assert!(piped.first_mismatches[0].detail.contains("rsp_data"));
    assert!(piped.cycles < 1_000_000);
}
