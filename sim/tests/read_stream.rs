//! How fast back-to-back READs stream out of a core whose consumer never stalls: the rate the
//! response queue's depth (`RESPONSE_QUEUE_DEPTH`) allows, checked on the RTL in Verilator.
//! The context core keeps one READ per clock (its 2-clock round trip fits the queue); a
//! multi-lane core, whose responses take `response_latency()` clocks, admits `DEPTH` reads per
//! `response_latency() + 1` clocks. Every response is also checked against the value loaded.

use atomik_hdl::config::RESPONSE_QUEUE_DEPTH;
use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::CoreConfig;
use atomik_sim::dut::{CoreInputs, Dut};
use atomik_sim::verilator_core::VerilatorCore;

const LOAD: u8 = 1;
const READ: u8 = 3;
const VALUE: u64 = 0x0123_4567_89ab_cdef;

/// Loads `VALUE` into context 0, then offers a READ of it every clock for `warmup + window`
/// clocks with `rsp_ready` high; returns the READs taken during the last `window` clocks.
fn reads_taken(dut: &mut dyn Dut, warmup: u64, window: u64) -> u64 {
    let mut inputs = CoreInputs {
        rsp_ready: true,
        ..Default::default()
    };
    // The LOAD, once the core is ready.
    loop {
        let ready = dut.outputs().cmd_ready;
        inputs.cmd_valid = true;
        inputs.cmd_op = LOAD;
        inputs.cmd_data = VALUE;
        dut.step(&inputs);
        if ready {
            break;
        }
    }
    inputs.cmd_op = READ;
    inputs.cmd_data = 0;
    let mut taken = 0;
    for cycle in 0..warmup + window {
        let out = dut.outputs();
        if out.rsp_valid {
            assert_eq!(
                out.rsp_data,
                VALUE,
                "{} READ answer, cycle {cycle}",
                dut.backend()
            );
        }
        if out.cmd_ready && cycle >= warmup {
            taken += 1;
        }
        dut.step(&inputs);
    }
    taken
}

#[test]
fn context_core_streams_one_read_per_clock() {
    let config = CoreConfig::new(64, 16).unwrap();
    let mut dut = VerilatorCore::new(config, false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reads_taken(&mut dut, 16, 1000), 1000);
}

#[test]
fn lanes_core_streams_a_queue_of_reads_per_round_trip() {
    let config = LanesConfig::single(16, 64).unwrap();
    let round_trip = u64::from(config.response_latency()) + 1;
    let rounds = 100;
    let mut dut = VerilatorCore::lanes(config, false).unwrap_or_else(|e| panic!("{e}"));
    // The warm-up (a multiple of the round trip) lets the credit count settle into its cycle.
    let taken = reads_taken(&mut dut, 4 * round_trip, rounds * round_trip);
    assert_eq!(taken, rounds * u64::from(RESPONSE_QUEUE_DEPTH));
}
