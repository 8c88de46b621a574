//! The command register slice (`hdl/src/link/command_slice.rs`) in Verilator: against random
//! upstream offers and random downstream stalls, every command comes out once, in order, with
//! its op, address and data intact; with neither side stalling it passes one per clock.

use atomik_hdl::link::command_slice::CommandSlice;
use atomik_sim::verilator::{ModelSpec, VerilatedModel};
use rust_hdl::prelude::*;

fn model() -> VerilatedModel {
    let mut slice = CommandSlice::default();
    slice.connect_all();
    let spec = ModelSpec::new("command_slice", generate_verilog(&slice), "top", "clock")
        .input("in_valid", 1)
        .input("in_op", 4)
        .input("in_addr", 16)
        .input("in_data", 64)
        .input("out_ready", 1)
        .output("in_ready", 1)
        .output("out_valid", 1)
        .output("out_op", 4)
        .output("out_addr", 16)
        .output("out_data", 64);
    VerilatedModel::build(&spec).expect("model builds")
}

/// Command `i`'s fields, all derived from `i` so a swap or a torn command shows.
fn command(i: u64) -> (u64, u64, u64) {
    (
        i % 9,
        (i * 7) & 0xFFFF,
        (i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
    )
}

/// Runs `clocks` clocks; `offer(t)` and `ready(t)` say whether upstream offers (it holds a
/// command until taken) and downstream takes in clock t. Returns (sent, received) counts after
/// checking every received command against the sequence.
fn run(clocks: u64, offer: impl Fn(u64) -> bool, ready: impl Fn(u64) -> bool) -> (u64, u64) {
    let mut m = model();
    let [in_valid, in_op, in_addr, in_data, out_ready] =
        ["in_valid", "in_op", "in_addr", "in_data", "out_ready"].map(|n| m.input(n).unwrap());
    let [in_ready, out_valid, out_op, out_addr, out_data] =
        ["in_ready", "out_valid", "out_op", "out_addr", "out_data"].map(|n| m.output(n).unwrap());
    let (mut sent, mut received) = (0u64, 0u64);
    let mut offering = false;
    for t in 0..clocks {
        offering |= offer(t);
        let (op, addr, data) = command(sent);
        m.set(in_valid, offering as u64);
        m.set(in_op, op);
        m.set(in_addr, addr);
        m.set(in_data, data);
        let take = ready(t);
        m.set(out_ready, take as u64);
        if m.get(out_valid) == 1 && take {
            let got = (m.get(out_op), m.get(out_addr), m.get(out_data));
            assert_eq!(got, command(received), "command {received} at clock {t}");
            received += 1;
        }
        if offering && m.get(in_ready) == 1 {
            sent += 1;
            offering = false;
        }
        m.tick();
    }
    (sent, received)
}

#[test]
fn commands_come_out_once_in_order_under_random_stalls() {
    // Two independent pseudo-random patterns (splitmix-style hashes of the clock).
    let bit = |t: u64, salt: u64| {
        let mut x = t.wrapping_add(salt).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x ^= x >> 31;
        x.wrapping_mul(0x94D0_49BB_1331_11EB) >> 61 != 0
    };
    let (sent, received) = run(20_000, |t| bit(t, 1), |t| bit(t, 2));
    assert!(sent > 10_000, "only {sent} commands offered and taken");
    // At most two commands are inside the slice when the run stops.
    assert!(
        sent - received <= 2,
        "{sent} taken in, {received} out: lost"
    );
}

#[test]
fn without_stalls_one_command_passes_per_clock() {
    let (sent, received) = run(1000, |_| true, |_| true);
    assert_eq!(sent, 1000, "taken in");
    // The output register adds one clock: the first command leaves in clock 1.
    assert_eq!(received, 999, "out");
}
