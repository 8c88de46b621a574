// Formal harness of the cross-clock command port (handshake_port.rs, exported as module
// `atomik_handshake`), proved by k-induction with `atomik prove --only handshake`.
//
// multiclock
//
// Both clocks are free inputs under SymbiYosys `multiclock on`: in every step of the solver's
// global clock each of them may rise, fall or hold, independently, so the proof covers every
// ratio and phase of the two clocks, fixed or drifting, including edges in the same step and
// either clock stopping for any time. (The synchronisers are modelled as registers: a value
// is either the old or the new one, never metastable; the two-flip-flop chains are there for
// metastability, which no formal tool models.) Every other input is free in every step: host
// commands at any time (also while busy), any core back-pressure, responses offered at any
// time with any value.
//
// The spec, per domain (each harness register is written by one clock only):
// - host domain: the commands the port accepts (`issue` while not busy) are counted (n_acc)
//   and the last one is kept (f_op, f_addr, f_data);
// - core domain: the commands delivered (cmd_valid & cmd_ready) are counted (n_del), and the
//   response the port owes the host: the one it takes from the core (rsp_valid & rsp_ready)
//   for READ/SWAP/SWAP_LOAD/STATUS, zero for the other ops (f_rsp), counted (n_ack).
// Properties (P*) and the invariants that make the induction close (I*) follow.
//
// tap t_req_toggle dut.req_toggle.q
// tap t_req_sync1  dut.req_sync1.q
// tap t_req_sync2  dut.req_sync2.q
// tap t_req_seen   dut.req_seen.q
// tap t_pending    dut.pending.q
// tap t_waiting    dut.waiting.q
// tap t_ack_toggle dut.ack_toggle.q
// tap t_ack_sync1  dut.ack_sync1.q
// tap t_ack_sync2  dut.ack_sync2.q
// tap t_ack_seen   dut.ack_seen.q
// tap t_rsp_hold   dut.rsp_hold.q

module handshake_formal (
    input wire host_clock,
    input wire issue,
    input wire [3:0] host_op,
    input wire [15:0] host_addr,
    input wire [63:0] host_data,
    input wire clock,
    input wire cmd_ready,
    input wire rsp_valid,
    input wire [63:0] rsp_data
);
    wire busy, cmd_valid, rsp_ready;
    wire [63:0] host_rsp, cmd_data;
    wire [7:0] done;
    wire [3:0] cmd_op;
    wire [15:0] cmd_addr;
    atomik_handshake dut (
        .host_clock(host_clock), .issue(issue), .host_op(host_op), .host_addr(host_addr),
        .host_data(host_data), .busy(busy), .host_rsp(host_rsp), .done(done),
        .clock(clock), .cmd_valid(cmd_valid), .cmd_ready(cmd_ready), .cmd_op(cmd_op),
        .cmd_addr(cmd_addr), .cmd_data(cmd_data), .rsp_valid(rsp_valid),
        .rsp_ready(rsp_ready), .rsp_data(rsp_data)
    );

    wire t_req_toggle, t_req_sync1, t_req_sync2, t_req_seen, t_pending, t_waiting;
    wire t_ack_toggle, t_ack_sync1, t_ack_sync2, t_ack_seen;
    wire [63:0] t_rsp_hold;

    // ---- The spec ------------------------------------------------------------------------
    // Host domain: commands accepted.
    reg [7:0] n_acc = 0;
    reg [3:0] f_op = 0;
    reg [15:0] f_addr = 0;
    reg [63:0] f_data = 0;
    wire accept = issue && !busy;
    always @(posedge host_clock) begin
        if (accept) begin
            n_acc <= n_acc + 1;
            f_op <= host_op;
            f_addr <= host_addr;
            f_data <= host_data;
        end
    end

    // Core domain: commands delivered, responses owed to the host.
    reg [7:0] n_del = 0, n_ack = 0;
    reg [63:0] f_rsp = 0;
    reg f_owe = 0; // a delivered command's response is still to be taken from the core
    wire deliver = cmd_valid && cmd_ready;
    wire take = rsp_valid && rsp_ready;
    wire op_responds = cmd_op == 3 || cmd_op == 4 || cmd_op == 5 || cmd_op == 8;
    always @(posedge clock) begin
        if (deliver) begin
            n_del <= n_del + 1;
            if (op_responds) begin
                f_owe <= 1;
            end else begin
                f_rsp <= 0;
                n_ack <= n_ack + 1;
            end
        end
        if (take) begin
            f_owe <= 0;
            f_rsp <= rsp_data;
            n_ack <= n_ack + 1;
        end
    end

    // ---- Properties ----------------------------------------------------------------------
    // (Immediate assertions, checked in every step of the global clock, whatever the clocks.)
    // P1: the core sees a command only while exactly one accepted command is undelivered, and
    // it is that command: none invented, none duplicated, none reordered or altered.
    always @* assert (!cmd_valid || n_del + 8'd1 == n_acc);
    always @* assert (!cmd_valid || (cmd_op == f_op && cmd_addr == f_addr && cmd_data == f_data));
    // P2: the host may issue again (busy low) only when every accepted command was delivered
    // and answered: none dropped or overwritten. `done` counts completed commands.
    always @* assert (busy || (n_del == n_acc && n_ack == n_acc));
    always @* assert (done == n_acc - busy);
    // P3: the port takes a response from the core exactly when it owes one (never two for one
    // command, never one for an op that has none), and the host then sees it: `host_rsp` is
    // the last command's response (zero for an op without one) whenever busy is low.
    always @* assert (rsp_ready == f_owe);
    always @* assert (busy || host_rsp == f_rsp);

    // P4: the port itself never stalls a transfer: an accepted command is offered to the core
    // by the third core clock that sees it (two synchroniser stages, then `pending`), and an
    // answered one completes on the host side by the third host clock after the answer. The
    // counters count those clocks in the counting domain; each is tagged with the other
    // domain's count it was counting for, so a count left from an earlier transfer reads 0.
    reg [1:0] wait_core = 0, wait_host = 0;
    reg [7:0] core_tag = 0, host_tag = 0;
    wire to_offer = n_acc != n_del && !cmd_valid;
    wire to_complete = busy && n_ack == n_acc;
    wire [1:0] waited_core = core_tag == n_acc ? wait_core : 2'd0;
    wire [1:0] waited_host = host_tag == n_ack ? wait_host : 2'd0;
    always @(posedge clock) begin
        core_tag <= n_acc;
        wait_core <= to_offer ? waited_core + 2'd1 : 2'd0;
    end
    always @(posedge host_clock) begin
        host_tag <= n_ack;
        wait_host <= to_complete ? waited_host + 2'd1 : 2'd0;
    end
    always @* assert (!to_offer || waited_core < 3);
    always @* assert (!to_complete || waited_host < 3);

    // ---- Invariants: the two toggle chains against the counts ------------------------------
    // I1: each toggle is the parity of its count.
    always @* assert (t_req_toggle == n_acc[0]);
    always @* assert (t_ack_toggle == n_ack[0]);
    // I2: each chain (toggle, sync1, sync2, seen) carries at most one change, from its
    // source end: a stage holds the new value only if every stage before it does.
    always @* assert (t_req_sync2 != t_req_toggle || t_req_sync1 == t_req_toggle);
    always @* assert (t_req_seen != t_req_toggle || t_req_sync2 == t_req_toggle);
    always @* assert (t_ack_sync2 != t_ack_toggle || t_ack_sync1 == t_ack_toggle);
    always @* assert (t_ack_seen != t_ack_toggle || t_ack_sync2 == t_ack_toggle);
    // I3: the phases of one command: accepted, seen by the core (pending), delivered and
    // waiting for its response, acknowledged, completed (busy low).
    wire req_settled = t_req_seen == t_req_toggle;
    wire ack_settled = t_ack_seen == t_ack_toggle;
    always @* assert (!(t_pending && t_waiting));
    always @* assert (busy || (req_settled && ack_settled && !t_pending && !t_waiting));
    always @* assert (!(busy && !req_settled) ||
                      (n_del + 8'd1 == n_acc && n_ack == n_del && !t_pending && !t_waiting && ack_settled));
    always @* assert (!(busy && t_pending) || (n_del + 8'd1 == n_acc && n_ack == n_del && ack_settled));
    always @* assert (!t_waiting || (n_del == n_acc && n_ack + 8'd1 == n_del && ack_settled && busy));
    always @* assert (!(busy && req_settled && !t_pending && !t_waiting) ||
                      (n_del == n_acc && n_ack == n_del && !ack_settled));
    // I5: the waits count the synchroniser stages the news has passed; a tag is the other
    // domain's count or one behind it (a new transfer needs a clock of the counting domain).
    always @* assert (core_tag == n_acc || (core_tag + 8'd1 == n_acc && n_del != n_acc));
    always @* assert (host_tag == n_ack || (host_tag + 8'd1 == n_ack && busy && n_ack == n_acc));
    always @* assert (!to_offer || waited_core == (t_req_sync1 == t_req_toggle) + (t_req_sync2 == t_req_toggle));
    always @* assert (!to_complete || waited_host == (t_ack_sync1 == t_ack_toggle) + (t_ack_sync2 == t_ack_toggle));
    // I4: the held response is the one the spec owes the host, the held command (on cmd_*
    // at all times) the last one accepted.
    always @* assert (t_rsp_hold == f_rsp);
    always @* assert (cmd_op == f_op && cmd_addr == f_addr && cmd_data == f_data);
endmodule
