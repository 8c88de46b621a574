//! The batch sequencer (`hdl/src/link/batch_apply.rs`) with its frame buffer in Verilator, in
//! front of a core that is ready only about three clocks in four: a batch's deltas reach the
//! core in order, each once, as ACCUMs to the batch's context; the next batch, written into
//! the other half while the first drains (the link clock slower than the core's), follows it;
//! and a plain command after both waits until the last delta was taken.

#[path = "support/slow_clock.rs"]
mod slow_clock;
use atomik_hdl::link::batch_apply::{BatchApply, BATCH_HALF_BIT, BATCH_START_OP};
use atomik_hdl::Op;
use atomik_sim::verilator::{ModelSpec, VerilatedModel};
use rust_hdl::prelude::*;
use slow_clock::SlowClock;

/// The sequencer (rust-hdl's `top`) behind a wrapper whose core takes a command when an LFSR
/// says so and folds every command it takes into `hash`.
fn top_verilog() -> String {
    let mut apply = BatchApply::new();
    apply.connect_all();
    format!(
        "module ba_top(input clock, input link_clock, input buf_write, input [6:0] buf_address,
    input [63:0] buf_data, input up_valid, input [3:0] up_op, input [15:0] up_addr,
    input [63:0] up_data, output reg [63:0] hash = 0, output reg [15:0] fired = 0,
    output reg [15:0] taken = 0);
reg [15:0] lfsr = 16'hACE1;
always @(posedge clock) lfsr <= {{lfsr[14:0], lfsr[15] ^ lfsr[13] ^ lfsr[12] ^ lfsr[10]}};
wire cmd_ready = lfsr[0] | lfsr[3];
wire cmd_valid, up_ready;
wire [3:0] cmd_op; wire [15:0] cmd_addr; wire [63:0] cmd_data;
top apply(.clock(clock), .link_clock(link_clock), .buf_write(buf_write),
    .buf_address(buf_address), .buf_data(buf_data), .up_valid(up_valid), .up_ready(up_ready),
    .up_op(up_op), .up_addr(up_addr), .up_data(up_data), .cmd_valid(cmd_valid),
    .cmd_ready(cmd_ready), .cmd_op(cmd_op), .cmd_addr(cmd_addr), .cmd_data(cmd_data));
always @(posedge clock) begin
    if (cmd_valid && cmd_ready) begin
        hash <= {{hash[62:0], hash[63]}} ^ cmd_data ^ {{cmd_op, cmd_addr, 44'd0}};
        fired <= fired + 16'd1;
    end
    if (up_valid && up_ready) taken <= taken + 16'd1;
end
endmodule
{}",
        generate_verilog(&apply)
    )
}

/// The wrapper's fold of one command.
fn fold(hash: u64, op: u64, addr: u64, data: u64) -> u64 {
    hash.rotate_left(1) ^ data ^ (op << 60) ^ (addr << 44)
}

struct Bench {
    m: VerilatedModel,
    /// The link clock (pin 0), slower than the core's.
    link_clock: SlowClock,
    pins: [usize; 11],
}

impl Bench {
    /// Core clocks until the link clock's next rising edge has happened.
    fn link_cycle(&mut self) {
        self.link_clock.cycle(&mut self.m);
    }

    /// Writes `words` into half `half` of the buffer from word `at` on, through the
    /// link-clock port.
    fn write_half(&mut self, half: u64, at: usize, words: &[u64]) {
        for (i, w) in words.iter().enumerate() {
            self.m.set(self.pins[1], 1);
            self.m.set(self.pins[2], (half << 6) | (at + i) as u64);
            self.m.set(self.pins[3], *w);
            self.link_cycle();
        }
        self.m.set(self.pins[1], 0);
        // The buffer's write port is registered: the last word lands at the next link clock
        // edge (in a board top the frame's CRC bytes and the hand-over take many more).
        self.link_cycle();
    }

    /// Offers a command upstream until the sequencer takes it.
    fn offer(&mut self, op: u64, addr: u64, data: u64) {
        let taken = self.m.get(self.pins[10]);
        self.m.set(self.pins[4], 1);
        self.m.set(self.pins[5], op);
        self.m.set(self.pins[6], addr);
        self.m.set(self.pins[7], data);
        for _ in 0..1000 {
            self.m.tick();
            if self.m.get(self.pins[10]) != taken {
                self.m.set(self.pins[4], 0);
                return;
            }
        }
        panic!("command op {op} never taken");
    }
}

#[test]
fn batches_reach_the_core_in_order_once_each_while_the_other_half_fills() {
    let spec = ModelSpec::new("batch_apply", top_verilog(), "ba_top", "clock")
        .input("link_clock", 1)
        .input("buf_write", 1)
        .input("buf_address", 7)
        .input("buf_data", 64)
        .input("up_valid", 1)
        .input("up_op", 4)
        .input("up_addr", 16)
        .input("up_data", 64)
        .output("hash", 64)
        .output("fired", 16)
        .output("taken", 16);
    let first: Vec<u64> = (0..64u64)
        .map(|i| (i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .collect();
    let second: Vec<u64> = (0..20u64)
        .map(|i| (i + 7).wrapping_mul(0xD1B5_4A32_D192_ED03))
        .collect();
    let accum = Op::Accum as u64;
    let read = Op::Read as u64;
    for half in [1, 3] {
        let m = VerilatedModel::build(&spec).expect("model builds");
        let pins = [
            m.input("link_clock").unwrap(),
            m.input("buf_write").unwrap(),
            m.input("buf_address").unwrap(),
            m.input("buf_data").unwrap(),
            m.input("up_valid").unwrap(),
            m.input("up_op").unwrap(),
            m.input("up_addr").unwrap(),
            m.input("up_data").unwrap(),
            m.output("hash").unwrap(),
            m.output("fired").unwrap(),
            m.output("taken").unwrap(),
        ];
        let mut b = Bench {
            m,
            link_clock: SlowClock::new(pins[0], half),
            pins,
        };
        b.write_half(0, 0, &first);
        b.offer(BATCH_START_OP, 5, 63);
        // The second batch goes into the other half while the first drains.
        b.write_half(1, 0, &second[..1]);
        assert!(
            b.m.get(b.pins[9]) < 64,
            "ratio {half}: the first batch drained before the second was written; the test \
             would not overlap them"
        );
        b.write_half(1, 1, &second[1..]);
        b.offer(BATCH_START_OP, 9, (1 << BATCH_HALF_BIT) | 19);
        b.offer(read, 7, 0x1234);
        for _ in 0..400 {
            b.m.tick();
        }
        let mut want = 0u64;
        for d in &first {
            want = fold(want, accum, 5, *d);
        }
        for d in &second {
            want = fold(want, accum, 9, *d);
        }
        want = fold(want, read, 7, 0x1234);
        assert_eq!(
            b.m.get(b.pins[9]),
            64 + 20 + 1,
            "ratio {half}: commands taken"
        );
        assert_eq!(b.m.get(b.pins[8]), want, "ratio {half}: order or content");
    }
}
