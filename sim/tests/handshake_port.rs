//! The cross-domain command port (used by the XEM7010's FrontPanel link) in Verilator with
//! the core behind it: commands issued from a second, slower clock domain arrive once each
//! and their responses come back, for several clock ratios.

#[path = "support/slow_clock.rs"]
mod slow_clock;
use atomik_hdl::board_top::CORE_MODULE;
use atomik_hdl::export::rename_top;
use atomik_hdl::lanes::export::lanes_verilog;
use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::link::{handshake_port_verilog, HANDSHAKE_MODULE};
use atomik_hdl::Op;
use atomik_sim::lanes_model::OP_STATUS;
use atomik_sim::verilator::{ModelSpec, VerilatedModel};
use slow_clock::SlowClock;

fn top_verilog() -> String {
    let core = rename_top(
        &lanes_verilog(LanesConfig::single(4, 64).unwrap())
            .unwrap()
            .verilog,
        CORE_MODULE,
    );
    format!(
        "module hs_top(input clock, input host_clock, input issue, input [3:0] host_op,
    input [15:0] host_addr, input [63:0] host_data, output busy, output [63:0] host_rsp,
    output [7:0] done);
reg [4:0] por = 5'd0;
wire reset = ~por[4];
always @(posedge clock) if (!por[4]) por <= por + 5'd1;
wire cmd_valid, cmd_ready, rsp_valid, rsp_ready, illegal_op;
wire [3:0] cmd_op; wire [15:0] cmd_addr; wire [63:0] cmd_data, rsp_data;
{HANDSHAKE_MODULE} port(.host_clock(host_clock), .issue(issue), .host_op(host_op),
    .host_addr(host_addr), .host_data(host_data), .busy(busy), .host_rsp(host_rsp),
    .done(done), .clock(clock), .cmd_valid(cmd_valid), .cmd_ready(cmd_ready),
    .cmd_op(cmd_op), .cmd_addr(cmd_addr), .cmd_data(cmd_data), .rsp_valid(rsp_valid),
    .rsp_ready(rsp_ready), .rsp_data(rsp_data));
{CORE_MODULE} core(.clock(clock), .reset(reset), .cmd_valid(cmd_valid),
    .cmd_ready(cmd_ready), .cmd_op(cmd_op), .cmd_data(cmd_data), .rsp_valid(rsp_valid),
    .rsp_ready(rsp_ready), .rsp_data(rsp_data), .illegal_op(illegal_op));
endmodule
{}
{core}",
        handshake_port_verilog().unwrap()
    )
}

struct Bench {
    m: VerilatedModel,
    /// The host clock (pin 0), slower than the core's.
    host_clock: SlowClock,
    pins: [usize; 8],
}

impl Bench {
    fn new(m: VerilatedModel, half: u32) -> Bench {
        let pins = [
            m.input("host_clock").unwrap(),
            m.input("issue").unwrap(),
            m.input("host_op").unwrap(),
            m.input("host_addr").unwrap(),
            m.input("host_data").unwrap(),
            m.output("busy").unwrap(),
            m.output("host_rsp").unwrap(),
            m.output("done").unwrap(),
        ];
        Bench {
            m,
            host_clock: SlowClock::new(pins[0], half),
            pins,
        }
    }

    /// Core clocks until the host clock's next rising edge has happened.
    fn host_cycle(&mut self) {
        self.host_clock.cycle(&mut self.m);
    }

    fn command(&mut self, op: u8, data: u64) -> u64 {
        let done = self.m.get(self.pins[7]);
        self.m.set(self.pins[1], 1);
        self.m.set(self.pins[2], op as u64);
        self.m.set(self.pins[4], data);
        self.host_cycle();
        self.m.set(self.pins[1], 0);
        for _ in 0..200 {
            self.host_cycle();
            if self.m.get(self.pins[7]) == (done + 1) & 0xff {
                assert_eq!(self.m.get(self.pins[5]), 0, "busy after done");
                return self.m.get(self.pins[6]);
            }
        }
        panic!("command op {op} never completed");
    }
}

#[test]
fn commands_cross_from_a_slower_host_clock_exactly_once() {
    let spec = ModelSpec::new("handshake_single_l4_w64", top_verilog(), "hs_top", "clock")
        .input("host_clock", 1)
        .input("issue", 1)
        .input("host_op", 4)
        .input("host_addr", 16)
        .input("host_data", 64)
        .output("busy", 1)
        .output("host_rsp", 64)
        .output("done", 8);
    for half in [1, 2, 3, 7] {
        let mut b = Bench::new(VerilatedModel::build(&spec).expect("model builds"), half);
        for _ in 0..40 {
            b.m.tick();
        }
        let x = 0x0123_4567_89AB_CDEF_u64.rotate_left(half);
        b.command(Op::Load as u8, x);
        let mut want = x;
        for i in 1..=50u64 {
            let d = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            b.command(Op::Accum as u8, d);
            want ^= d;
            if i % 10 == 0 {
                assert_eq!(
                    b.command(Op::Read as u8, 0),
                    want,
                    "ratio {half}, after {i}"
                );
            }
        }
        assert_eq!(
            b.command(OP_STATUS, 1),
            4,
            "STATUS through the port, ratio {half}"
        );
        assert_eq!(b.command(Op::Swap as u8, 0), want);
    }
}
