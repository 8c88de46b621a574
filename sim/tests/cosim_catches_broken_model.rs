//! The co-simulation harness is only worth something if it fails when the two sides differ.
//! Here the RTL (rust-hdl, correct) is checked against a deliberately broken reference model
//! that loses bit 0 of every ACCUM delta: the harness must fail, shrink the failure to the
//! minimal story (an odd ACCUM, then a READ/SWAP of that address), and leave a waveform.

mod common;

use atomik_hdl::{CoreConfig, Op};
use atomik_sim::cosim::Event;
use atomik_sim::cycle_model::CycleModel;
use atomik_sim::dut::{CoreInputs, CoreOutputs, Dut};
use common::{check_cosim, rust_hdl};

/// [`CycleModel`] with a plausible bug: ACCUM deltas lose bit 0 on the way in.
struct DropsDeltaBit0(CycleModel);

impl Dut for DropsDeltaBit0 {
    fn config(&self) -> CoreConfig {
        self.0.config()
    }
    fn backend(&self) -> &'static str {
        "broken-model"
    }
    fn outputs(&self) -> CoreOutputs {
        self.0.outputs()
    }
    fn step(&mut self, inputs: &CoreInputs) {
        let mut inputs = *inputs;
        if inputs.cmd_op & 7 == Op::Accum.code() {
            inputs.cmd_data &= !1;
        }
        self.0.step(&inputs)
    }
    fn cycles(&self) -> u64 {
        self.0.cycles()
    }
}

#[test]
fn a_model_that_drops_delta_bit_0_is_caught_and_shrunk_to_a_minimal_case() {
    const NAME: &str = "a_model_that_drops_delta_bit_0_is_caught_and_shrunk_to_a_minimal_case";
    let config = CoreConfig::new(64, 4).unwrap();
    let failure = check_cosim(NAME, config, 64, 200, rust_hdl(config), || {
        Box::new(DropsDeltaBit0(CycleModel::new(config)))
    })
    .expect_err("the harness passed a model that drops bit 0 of every ACCUM delta");
    let message = failure.to_string();
    println!("{message}");

    // Shrunk to the essence: at most 3 commands, among them an ACCUM with an odd delta
    // followed by a READ, SWAP or SWAP_LOAD of the same address (the only way the lost bit
    // becomes visible).
    let commands: Vec<_> = failure
        .script
        .events
        .iter()
        .filter_map(|(_, e)| match e {
            Event::Command(c) => Some(*c),
            Event::Reset => None,
        })
        .collect();
    assert!(commands.len() <= 3, "not shrunk: {message}");
    let exposes = commands.iter().enumerate().any(|(i, accum)| {
        accum.op == Op::Accum.code()
            && accum.data & 1 == 1
            && commands[i + 1..].iter().any(|later| {
                later.addr == accum.addr
                    && [Op::Read, Op::Swap, Op::SwapLoad]
                        .iter()
                        .any(|op| later.op == op.code())
            })
    });
    assert!(
        exposes,
        "the minimal script does not show an odd ACCUM then a READ/SWAP of it: {message}"
    );

    // The replay mismatched on rsp_data, in the broken model's name.
    assert!(
        failure
            .mismatches
            .iter()
            .any(|m| m.backend == "rust-hdl" && m.detail.contains("rsp_data")),
        "{message}"
    );

    // A real VCD was written and the report points to it and names the test.
    assert!(failure.waveform_error.is_none(), "{message}");
    let vcd = std::fs::read_to_string(&failure.waveform)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", failure.waveform.display()));
    assert!(
        !vcd.is_empty()
            && (vcd.starts_with("$date")
                || vcd.starts_with("$timescale")
                || vcd.contains("$enddefinitions")),
        "{} is not a VCD: {:?}",
        failure.waveform.display(),
        &vcd[..vcd.len().min(200)]
    );
    assert!(message.contains(NAME), "{message}");
    assert!(
        message.contains(&format!("waveform: {}", failure.waveform.display())),
        "{message}"
    );
}
