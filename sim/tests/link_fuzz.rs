//! The link fuzzer against the board top in Verilator (through its UART pins): 10^6 bytes of
//! valid and mutated frames (protocol v2 commands and batches, stale and reordered copies),
//! every answer checked against the protocol's model.

use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::link::LinkConfig;
use atomik_sim::fuzz::protocol_model::BoardModel;
use atomik_sim::fuzz::{run, FuzzOptions};
use atomik_sim::sim_board::SimBoard;

fn fuzz_board(lanes: LanesConfig, bytes: u64, seed: u64) -> atomik_sim::fuzz::FuzzReport {
    let mut board = SimBoard::new(lanes, LinkConfig::with_clocks_per_bit(4).unwrap())
        .expect("board model builds");
    board.settle();
    let report = run(
        &mut board,
        BoardModel::new(lanes),
        FuzzOptions { bytes, seed },
        &mut |_| {},
    );
    assert_eq!(
        board.framing_errors(),
        0,
        "the board's UART output is well formed"
    );
    report
}

#[test]
fn a_million_fuzzed_bytes_leave_the_table_board_consistent() {
    let r = fuzz_board(LanesConfig::table(2, 16).unwrap(), 1_000_000, 1);
    eprintln!("{}", serde_json::to_string_pretty(&r).unwrap());
    assert!(r.clean(), "{:#?}", r.problems);
    assert!(r.bytes >= 1_000_000);
    // Batch kinds cost tens to hundreds of bytes a unit, so they are drawn fewer times.
    for (kind, n) in &r.kinds {
        let least = if kind.starts_with("batch") { 300 } else { 1000 };
        assert!(*n > least, "kind {kind} fed only {n} times");
    }
    assert!(r.batches_applied > 1000, "valid batches applied");
    assert!(r.batches_refused > 100, "counts above 64 answered status 2");
    assert!(r.max_batch_response_clocks <= r.batch_response_bound_clocks);
    assert!(
        r.repeats_answered > 1000,
        "duplicates answered from the stored response"
    );
    assert!(r.max_response_clocks <= r.response_bound_clocks);
    assert_eq!(r.crc_collisions, 0, "no mutated unit passes the CRC-32");
    assert!(
        r.out_of_order_answered > 1000,
        "stale and reordered frames answered status 3"
    );
}
