//! One generator run on a 4-lane, single-context device, checked against the host's
//! prediction: the shared end of the per-link device tests.

use atomik_hdl::lanes::single::StatusReg;
use atomik_host::Device;
use atomik_sim::generator::GeneratorRun;

/// Loads `reference` into context 0, runs the generator for `clocks` clocks on all 4 lanes
/// from `seed`, waits for it (bounded polls) and checks its delta count and the context
/// against the prediction.
pub fn assert_generator_run_matches_prediction(
    d: &mut Device,
    reference: u64,
    seed: u64,
    clocks: u64,
) {
    d.load(0, reference).unwrap();
    d.gen_seed(seed).unwrap();
    d.gen_run(clocks, 4, 0).unwrap();
    let mut polls = 0;
    while d.status(StatusReg::GenBusy).unwrap() != 0 {
        polls += 1;
        assert!(polls < 1000, "generator still busy after {polls} polls");
    }
    let run = GeneratorRun {
        lanes: 4,
        width: 64,
        seed,
        clocks,
        active_lanes: 4,
    };
    assert_eq!(d.status(StatusReg::GenDeltas).unwrap(), run.deltas());
    assert_eq!(
        d.read(0).unwrap(),
        reference ^ run.predicted_per_context(1, 0)[0]
    );
}
