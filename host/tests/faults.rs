//! Fault injection between the host library and the simulated board (the board top in
//! Verilator through its UART pins): with retries on, every answer and every context's final
//! state match the model, every delta is applied exactly once, and what the host could not
//! recover comes back as an error.

use atomik_hdl::lanes::LanesConfig;
use atomik_host::device::fault_transport::{FaultRates, FAULTS};
use atomik_host::device::sim_transport::{DEFAULT_CLOCKS_PER_BIT, DEFAULT_CLOCK_HZ};
use atomik_host::fault_run::{run, FaultLink, FaultRunOptions, FaultRunReport};
use std::time::Duration;

fn options(faults: u64, rates: FaultRates, seed: u64) -> FaultRunOptions {
    FaultRunOptions {
        link: FaultLink::Uart,
        lanes: LanesConfig::table(2, 16).unwrap(),
        faults,
        rates,
        seed,
        clock_hz: DEFAULT_CLOCK_HZ,
        clocks_per_bit: DEFAULT_CLOCKS_PER_BIT,
    }
}

fn run_ok(o: &FaultRunOptions) -> FaultRunReport {
    let r = run(o, &mut |_| {}).expect("the run completes");
    eprintln!("{}", serde_json::to_string_pretty(&r).unwrap());
    r
}

#[test]
fn five_thousand_faults_of_every_kind_leave_every_context_right() {
    // The defaults of `atomik faults`: byte shifts and stale copies on.
    let rates = FaultRates::new(0.01, 0.001, 0.001, Duration::from_micros(400))
        .unwrap()
        .with_stale(0.01)
        .unwrap();
    let r = run_ok(&options(5_000, rates, 1));
    assert!(r.faults_injected >= 5_000);
    // Every kind, in both directions, chunks and bytes, and stale copies of older frames.
    for dir in ["sent", "received"] {
        for f in FAULTS {
            assert!(
                r.faults[&format!("{dir}.chunk.{}", f.name())] > 50,
                "{dir} chunk {f:?}"
            );
        }
        for f in ["drop", "corrupt", "delay"] {
            assert!(r.faults[&format!("{dir}.byte.{f}")] > 50, "{dir} byte {f}");
        }
        for f in ["duplicate", "reorder"] {
            assert!(r.faults[&format!("{dir}.byte.{f}")] > 20, "{dir} byte {f}");
        }
    }
    assert!(r.faults["sent.frame.stale_copy"] > 50, "{:?}", r.faults);
    assert!(r.stale_refused > 50, "stale copies refused: {r:?}");
    assert!(r.retransmissions > 1_000 && r.bad_responses > 500);
    assert!(r.verified, "{:#?}", r.problems);
    assert_eq!(r.deltas_not_exactly_once, 0);
    assert_eq!(r.errors.len() as u64, r.unrecovered.min(20));
}

#[test]
fn operations_the_host_gives_up_on_are_errors_and_applied_at_most_once() {
    // Lose a fifth of all chunks both ways: about 1 operation in 500 fails all attempts.
    let mut rates = FaultRates::new(0.0, 0.0, 0.0, Duration::ZERO).unwrap();
    rates.chunk[0] = 0.2;
    let r = run_ok(&options(3_000, rates, 2));
    assert!(
        r.unrecovered > 0,
        "no operation failed: raise the drop rate"
    );
    for e in &r.errors {
        // Only drops here: every failure is a lost answer, none a damaged one.
        assert!(
            e.contains("failed: no valid response after 6 attempts")
                && e.contains("operations were acknowledged before it"),
            "{e}"
        );
    }
    assert!(r.verified, "{:#?}", r.problems);
    assert_eq!(r.deltas_not_exactly_once, 0);
}

#[test]
fn byte_shifts_and_stale_copies_cause_no_wrong_result() {
    // Byte shifts ten times the default rate, and a stale copy after one frame in ten: with
    // v1's CRC-8 such a run took wrong answers; v2's CRC-32 and sequence rule leave none.
    let rates = FaultRates::new(0.0, 0.0, 0.01, Duration::ZERO)
        .unwrap()
        .with_stale(0.1)
        .unwrap();
    let r = run_ok(&options(5_000, rates, 3));
    assert_eq!(r.crc_escapes, 0);
    assert!(r.stale_refused > 200, "stale copies refused: {r:?}");
    assert_eq!(
        (
            r.wrong_answers,
            r.answers_corrupted_in_transit,
            r.wrong_contexts
        ),
        (0, 0, 0),
        "{:#?}",
        r.problems
    );
    assert!(r.verified, "{:#?}", r.problems);
    assert_eq!(r.deltas_not_exactly_once, 0);
}

#[test]
fn frames_in_flight_on_the_fifo_link_apply_every_delta_exactly_once_under_faults() {
    // The FIFO board holds bytes back, so batches of up to four frames go out ahead of their
    // answers (go-back-N); drops, corruption, byte shifts and stale copies both ways. Two
    // runs: light byte faults (most batches recover), and `atomik faults`' defaults, whose
    // byte rates damage most 522-byte frames (windows given up on, seqs burned while frames
    // are still on their way: seed 1 once applied a window's third frame but not its second).
    let light = FaultRates::new(0.01, 0.0002, 0.0002, Duration::from_micros(400))
        .unwrap()
        .with_stale(0.01)
        .unwrap();
    let defaults = FaultRates::new(0.01, 0.001, 0.001, Duration::from_micros(400))
        .unwrap()
        .with_stale(0.01)
        .unwrap();
    for (rates, faults, seed) in [(light, 1_500, 4), (defaults, 3_000, 1)] {
        check_fifo_run(&run_ok(&FaultRunOptions {
            link: FaultLink::Fifo,
            ..options(faults, rates, seed)
        }));
    }
}

fn check_fifo_run(r: &FaultRunReport) {
    assert!(r.retransmissions > 100, "{r:?}");
    assert_eq!(r.crc_escapes, 0);
    assert_eq!(
        (
            r.wrong_answers,
            r.answers_corrupted_in_transit,
            r.wrong_contexts,
            r.deltas_not_exactly_once
        ),
        (0, 0, 0, 0),
        "{:#?}",
        r.problems
    );
    assert!(r.verified, "{:#?}", r.problems);
}
