//! Driving Verilator models: exact outputs, 64-bit values, `initial` blocks, VCD, port errors,
//! agreement with rust-hdl's simulator, and a throughput print-out.
//!
//! Models are cached under `CARGO_TARGET_TMPDIR`, so only the first run builds them.

use std::path::PathBuf;
use std::time::Instant;

use atomik_sim::verilator::{ModelSpec, VerilatedModel, VerilatorError};

/// A counter with enable and synchronous clear, a registered 64-bit adder with carry out, a
/// 3-bit register, and a constant set only by an `initial` block. Port names with `$` like
/// rust-hdl's; the 65-bit sum relies on the design-only WIDTH lint suppression.
const DESIGN: &str = r#"
module top(clock, en, clear, in$a, in$b, tiny, count, sum, carry, tiny_q, magic);
    input wire clock;
    input wire en;
    input wire clear;
    input wire [63:0] in$a;
    input wire [63:0] in$b;
    input wire [2:0] tiny;
    output reg [31:0] count;
    output reg [63:0] sum;
    output reg carry;
    output reg [2:0] tiny_q;
    output wire [15:0] magic;
    reg [15:0] magic_r;
    initial begin
        count = 32'd7;
        magic_r = 16'hbeef;
        sum = 0;
        carry = 0;
        tiny_q = 0;
    end
    always @(posedge clock) begin
        if (clear) count <= 0;
        else if (en) count <= count + 1;
        {carry, sum} <= in$a + in$b;
        tiny_q <= tiny;
    end
    assign magic = magic_r;
endmodule
"#;

fn cache_root() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("verilator-cache")
}

fn spec(trace: bool) -> ModelSpec {
    ModelSpec::new(
        if trace {
            "test_counter_trace"
        } else {
            "test_counter"
        },
        DESIGN,
        "top",
        "clock",
    )
    .input("en", 1)
    .input("clear", 1)
    .input("in$a", 64)
    .input("in$b", 64)
    .input("tiny", 3)
    .output("count", 32)
    .output("sum", 64)
    .output("carry", 1)
    .output("tiny_q", 3)
    .output("magic", 16)
    .with_trace(trace)
}

fn build(trace: bool) -> VerilatedModel {
    VerilatedModel::build_in(&spec(trace), &cache_root()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn initial_blocks_and_counter_are_exact() {
    let mut m = build(false);
    let (en, clear) = (m.input("en").unwrap(), m.input("clear").unwrap());
    let (count, magic) = (m.output("count").unwrap(), m.output("magic").unwrap());
    // After construction: `initial` blocks ran, no clock edge yet.
    assert_eq!(m.cycles(), 0);
    assert_eq!(m.get(count), 7);
    assert_eq!(m.get(magic), 0xbeef);
    // Inputs start at 0: a tick with en=0 holds the count.
    m.tick();
    assert_eq!(m.get(count), 7);
    m.set(en, 1);
    assert_eq!(m.get(count), 7, "set() is staged until the next tick");
    for n in 1..=100u64 {
        m.tick();
        assert_eq!(m.get(count), 7 + n);
    }
    m.set(clear, 1);
    m.tick();
    assert_eq!(m.get(count), 0);
    m.set(clear, 0);
    for _ in 0..5 {
        m.tick();
    }
    assert_eq!(m.get(count), 5);
    assert_eq!(m.cycles(), 1 + 100 + 1 + 5);
    assert_eq!(m.get(magic), 0xbeef);
}

#[test]
fn sixty_four_bit_values_pass_through() {
    let mut m = build(false);
    let (a, b, tiny) = (
        m.input("in$a").unwrap(),
        m.input("in$b").unwrap(),
        m.input("tiny").unwrap(),
    );
    let (sum, carry, tiny_q) = (
        m.output("sum").unwrap(),
        m.output("carry").unwrap(),
        m.output("tiny_q").unwrap(),
    );
    let edge = [
        (u64::MAX, 1),
        (u64::MAX, u64::MAX),
        (0x8000_0000_0000_0001, 0x7fff_ffff_ffff_ffff),
        (0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210),
        (1 << 63, 0),
        (0, 0),
    ];
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut lcg = move || {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        x
    };
    let random: Vec<(u64, u64)> = (0..1000).map(|_| (lcg(), lcg())).collect();
    for &(va, vb) in edge.iter().chain(&random) {
        m.set(a, va);
        m.set(b, vb);
        m.tick();
        let (s, c) = va.overflowing_add(vb);
        assert_eq!(m.get(sum), s, "{va:#x} + {vb:#x}");
        assert_eq!(m.get(carry), c as u64, "{va:#x} + {vb:#x}");
    }
    // Inputs are masked to their width.
    m.set(tiny, 0xff);
    m.tick();
    assert_eq!(m.get(tiny_q), 7);
}

#[test]
fn vcd_written_when_traced() {
    let mut m = build(true);
    let en = m.input("en").unwrap();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let first = dir.join(format!("verilator_test_{}_a.vcd", std::process::id()));
    let second = dir.join(format!("verilator_test_{}_b.vcd", std::process::id()));
    m.set(en, 1);
    m.tick(); // cycle 0, not recorded
    m.open_vcd(&first).unwrap();
    for _ in 0..4 {
        m.tick(); // cycles 1..=4: samples at 10, 15, …, 40, 45 ns
    }
    m.close_vcd();
    m.open_vcd(&second).unwrap();
    m.tick();
    drop(m); // closes the second file
    let a = std::fs::read_to_string(&first).unwrap();
    assert!(a.contains("$timescale 1ns $end"), "{a}");
    assert!(
        a.contains(" count [31:0] $end") && a.contains(" magic [15:0] $end"),
        "{a}"
    );
    assert!(
        a.contains("\n#10\n") && a.contains("\n#45\n") && !a.contains("\n#50\n"),
        "{a}"
    );
    // count reaches 7 + 5 = 12 (0b1100) at the last rising edge.
    assert!(a.contains("b00000000000000000000000000001100 "), "{a}");
    let b = std::fs::read_to_string(&second).unwrap();
    assert!(b.contains("\n#50\n") && b.contains("\n#55\n"), "{b}");
    let _ = std::fs::remove_file(first);
    let _ = std::fs::remove_file(second);
}

#[test]
fn vcd_needs_trace() {
    let mut m = build(false);
    let err = m.open_vcd(&PathBuf::from("never.vcd")).unwrap_err();
    assert!(matches!(err, VerilatorError::TraceNotBuilt { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("test_counter") && msg.contains("trace = true"),
        "{msg}"
    );
    assert!(!PathBuf::from("never.vcd").exists());
}

#[test]
fn unknown_port_names_are_clear_errors() {
    let m = build(false);
    let msg = m.input("enable").unwrap_err().to_string();
    assert!(
        msg.contains("no input port `enable`") && msg.contains("en, clear, in$a, in$b, tiny"),
        "{msg}"
    );
    let msg = m.output("en").unwrap_err().to_string();
    assert!(
        msg.contains("no output port `en`") && msg.contains("count"),
        "{msg}"
    );
}

#[test]
fn instances_are_independent() {
    let mut a = build(false);
    let mut b = build(false);
    assert_eq!(
        b.build_time(),
        None,
        "second build of the same spec is a cache hit"
    );
    let en = a.input("en").unwrap();
    let count = a.output("count").unwrap();
    a.set(en, 1);
    for _ in 0..10 {
        a.tick();
        b.tick();
    }
    assert_eq!(a.get(count), 17);
    assert_eq!(b.get(count), 7);
}

/// Two different libraries (each with its own copy of the Verilator runtime) driven
/// alternately from one thread.
#[test]
fn two_libraries_in_one_thread() {
    let mut plain = build(false);
    let mut traced = build(true);
    assert_ne!(plain.cache_dir(), traced.cache_dir());
    let (en_p, en_t) = (plain.input("en").unwrap(), traced.input("en").unwrap());
    let (c_p, c_t) = (
        plain.output("count").unwrap(),
        traced.output("count").unwrap(),
    );
    plain.set(en_p, 1);
    for i in 0..20 {
        plain.tick();
        traced.set(en_t, i % 2);
        traced.tick();
    }
    assert_eq!(plain.get(c_p), 27);
    assert_eq!(traced.get(c_t), 17);
}

/// rust-hdl's own Verilog (DFF `initial` blocks, `$` in internal names, 32-bit literals)
/// simulates identically under Verilator and under rust-hdl's simulator.
mod rust_hdl_agreement {
    use super::*;
    use rust_hdl::prelude::*;

    #[derive(LogicBlock, Default)]
    struct Acc {
        pub clock: Signal<In, Clock>,
        pub enable: Signal<In, Bit>,
        pub delta: Signal<In, Bits<64>>,
        pub total: Signal<Out, Bits<64>>,
        pub steps: Signal<Out, Bits<8>>,
        acc: DFF<Bits<64>>,
        n: DFF<Bits<8>>,
    }

    impl Logic for Acc {
        #[hdl_gen]
        fn update(&mut self) {
            dff_setup!(self, clock, acc, n);
            if self.enable.val() {
                self.acc.d.next = self.acc.q.val() + self.delta.val();
                self.n.d.next = self.n.q.val() + 1;
            }
            self.total.next = self.acc.q.val();
            self.steps.next = self.n.q.val();
        }
    }

    fn settle(uut: &mut Acc) {
        assert!(simulate(uut, 64));
    }

    #[test]
    fn verilator_matches_rust_hdl() {
        let mut uut = Acc::default();
        uut.connect_all();
        let verilog = generate_verilog(&uut);
        let spec = ModelSpec::new("test_rusthdl_acc", verilog, "top", "clock")
            .input("enable", 1)
            .input("delta", 64)
            .output("total", 64)
            .output("steps", 8);
        let mut v =
            VerilatedModel::build_in(&spec, &cache_root()).unwrap_or_else(|e| panic!("{e}"));
        let (en, delta) = (v.input("enable").unwrap(), v.input("delta").unwrap());
        let (total, steps) = (v.output("total").unwrap(), v.output("steps").unwrap());
        settle(&mut uut);
        let mut x = 12345u64;
        for cycle in 0..300u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let e = cycle % 3 != 0;
            uut.enable.next = e;
            uut.delta.next = x.to_bits();
            uut.clock.next = Clock::from(false);
            settle(&mut uut);
            uut.clock.next = Clock::from(true);
            settle(&mut uut);
            v.set(en, e as u64);
            v.set(delta, x);
            v.tick();
            assert_eq!(v.get(total), uut.total.val().to_u64(), "cycle {cycle}");
            assert_eq!(v.get(steps), uut.steps.val().to_u64(), "cycle {cycle}");
        }
        assert_ne!(v.get(total), 0);
    }
}

#[test]
fn throughput() {
    let mut m = build(false);
    let en = m.input("en").unwrap();
    let count = m.output("count").unwrap();
    m.set(en, 1);
    let n = 5_000_000u64;
    let t = Instant::now();
    for _ in 0..n {
        m.tick();
    }
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(m.get(count), (7 + n) & 0xffff_ffff);
    eprintln!(
        "verilator counter: {n} cycles in {secs:.3} s = {:.1} M cycles/s",
        n as f64 / secs / 1e6
    );
}

/// 16 lanes x 64 bits, registered, with 16 inputs and 16 outputs crossing the FFI every cycle.
#[test]
fn throughput_16x64() {
    let lanes = 16;
    let mut v = String::from("module lanes16(input wire clk");
    for i in 0..lanes {
        v += &format!(", input wire [63:0] d{i}, output reg [63:0] q{i}");
    }
    v += ");\n";
    for i in 0..lanes {
        v += &format!(
            "always @(posedge clk) q{i} <= (q{i} ^ d{i}) + {{q{i}[62:0], q{i}[63]}} + 64'd{i};\n"
        );
    }
    v += "endmodule\n";
    let mut spec = ModelSpec::new("test_lanes16x64", v, "lanes16", "clk");
    for i in 0..lanes {
        spec = spec.input(format!("d{i}"), 64).output(format!("q{i}"), 64);
    }
    let mut m = VerilatedModel::build_in(&spec, &cache_root()).unwrap_or_else(|e| panic!("{e}"));
    let ins: Vec<usize> = (0..lanes)
        .map(|i| m.input(&format!("d{i}")).unwrap())
        .collect();
    let outs: Vec<usize> = (0..lanes)
        .map(|i| m.output(&format!("q{i}")).unwrap())
        .collect();
    // Exactness check against a Rust model for a few cycles.
    let mut q = vec![0u64; lanes];
    for c in 0..50u64 {
        for (i, &p) in ins.iter().enumerate() {
            let d = c.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ ((i as u64) << 40);
            m.set(p, d);
            q[i] = (q[i] ^ d)
                .wrapping_add(q[i].rotate_left(1))
                .wrapping_add(i as u64);
        }
        m.tick();
        for (i, &p) in outs.iter().enumerate() {
            assert_eq!(m.get(p), q[i], "cycle {c} lane {i}");
        }
    }
    let n = 2_000_000u64;
    let t = Instant::now();
    let mut acc = 0u64;
    for c in 0..n {
        m.set(ins[(c % 16) as usize], c);
        m.tick();
        acc ^= m.get(outs[(c % 16) as usize]);
    }
    let secs = t.elapsed().as_secs_f64();
    eprintln!(
        "verilator 16x64 lanes: {n} cycles in {secs:.3} s = {:.1} M cycles/s (acc {acc:x})",
        n as f64 / secs / 1e6
    );
}
