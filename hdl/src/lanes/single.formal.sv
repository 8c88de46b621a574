// Formal harness of the single-context multi-lane core (single.rs, rust-hdl module `top`), built
// with 16 lanes in the default tree shape (two banks in registered slots, tree latency 2), proved by
// k-induction with `atomik prove --only lanes`.
//
// Every input is free in every cycle: commands of any op (generator, STATUS and illegal ones
// too), resets at any time, any response back-pressure. The generator's lane outputs are cut
// loose (`free` lines below): every bank (two here: lanes 0-11 and lanes 12-15) carries an
// arbitrary word in every cycle, so the property holds over whatever deltas the lanes carry,
// not only the LFSR sequence.
//
// The spec: the state (reference ^ accumulator) after every lane delta and every command the
// core accepted, in order. In one clock the lanes' deltas come before the command taken in that
// clock (a LOAD overrides them, a READ sees them); the deltas of a reset clock and of the clock
// after it are dropped (the core stops its sources a clock after a reset, from a register).
// The harness applies that sequence L clocks late (L = the tree latency, set by the parameter),
// the same delay for deltas and commands, so the order and the values are the spec's; the
// delay only lines the spec up with the core's state stage so that the invariants are simple.
// Every READ/SWAP/SWAP_LOAD response must be that state as of its command; STATUS responses
// keep their place in the stream (their value is a counter or a constant, not checked here).
//
// free dut.banks$0.delta
// free dut.banks$1.delta
//
// tap t_d0          dut.banks$0.delta
// tap t_d1          dut.banks$1.delta
// tap t_n2          dut.nodes$2.q
// tap t_n3          dut.nodes$3.q
// tap t_tree_out    dut.tree_out.q
// tap t_flags0      dut.dly_flags$0.q
// tap t_flags1      dut.dly_flags$1.q
// tap t_data0       dut.dly_data$0.q
// tap t_data1       dut.dly_data$1.q
// tap t_state       dut.state.q
// tap t_reset_q     dut.reset_q.q
// tap t_keep        dut.keep.q
// tap t_drain       dut.drain.q
// tap t_push        dut.rsp_push.q
// tap t_value       dut.rsp_value.q
// tap t_is_status   dut.rsp_is_status.q
// tap t_in_flight   dut.responses.in_flight.q
// tap t_ready       dut.ready.q
// tap t_q_occ       dut.responses.queue.occupied.q
// tap t_q0          dut.responses.queue.mem$0.q
// tap t_q1          dut.responses.queue.mem$1.q
// tap t_q2          dut.responses.queue.mem$2.q
// tap t_q3          dut.responses.queue.mem$3.q

module lanes_single_formal #(
    parameter W = 8 // data width (the core's W); 16 lanes, tree latency 2 (register_every 3)
) (
    input wire clock,
    input wire reset,
    input wire cmd_valid,
    input wire [3:0] cmd_op,
    input wire [63:0] cmd_data,
    input wire rsp_ready
);
    localparam L = 2;     // tree latency: the registered level and the output register
    localparam DEPTH = 4; // the response queue (response_queue.rs DEPTH)
    localparam PTR = $clog2(DEPTH); // queue slot pointers wrap at DEPTH
    localparam [3:0] LOAD = 1, ACCUM = 2, READ = 3, SWAP = 4, SWAP_LOAD = 5, STATUS = 8;

    wire cmd_ready, rsp_valid, illegal_op;
    wire [63:0] rsp_data;
    top dut (
        .clock(clock), .reset(reset),
        .cmd_valid(cmd_valid), .cmd_ready(cmd_ready), .cmd_op(cmd_op), .cmd_data(cmd_data),
        .rsp_valid(rsp_valid), .rsp_ready(rsp_ready), .rsp_data(rsp_data),
        .illegal_op(illegal_op)
    );

    wire [W-1:0] t_d0, t_d1, t_n2, t_n3, t_tree_out, t_data0, t_data1, t_state;
    wire [3:0] t_flags0, t_flags1, t_drain, t_in_flight;
    wire t_keep, t_push, t_is_status, t_ready, t_reset_q;
    wire [63:0] t_value;
    wire [DEPTH-1:0] t_q_occ; // the queue's occupancy, a thermometer code
    wire [63:0] t_q0, t_q1, t_q2, t_q3;
    wire [DEPTH*64-1:0] t_q = {t_q3, t_q2, t_q1, t_q0};

    // ---- The spec ------------------------------------------------------------------------
    function [W-1:0] apply(input [3:0] op, input [W-1:0] state, input [W-1:0] data);
        case (op)
            LOAD, SWAP_LOAD: apply = data;      // new reference, accumulator cleared
            ACCUM: apply = state ^ data;        // delta XORed in
            default: apply = state;             // READ, SWAP (the state is kept), others
        endcase
    endfunction
    function responds(input [3:0] op);
        responds = op == READ || op == SWAP || op == SWAP_LOAD || op == STATUS;
    endfunction

    wire fire = cmd_valid & cmd_ready & !reset; // a command handshaken in a reset cycle is dropped
    wire [W-1:0] lanes = t_d0 ^ t_d1; // every lane's delta of this clock (both banks' words)
    wire pop = rsp_valid & rsp_ready;

    // What the core accepted in each of the last L clocks: entry k holds clock now - 1 - k.
    // A reset drops the commands and deltas accepted before it (the deltas' XOR is kept: it is
    // still in the tree, which the core ignores rather than clears).
    reg h_fire [0:L-1];
    reg [3:0] h_op [0:L-1];
    reg [W-1:0] h_data [0:L-1];
    reg [W-1:0] h_lanes [0:L-1];
    reg h_counted [0:L-1];          // the deltas count (not a reset clock or the one after, none since)
    reg f_reset_prev = 0;           // the previous clock was a reset clock
    reg [W-1:0] f_state = 0;        // the spec's state after every event applied so far
    reg p_push = 0;                 // a response leaves the spec pipeline for the queue
    reg [DEPTH-1:0] f_status = 0;   // the response in slot i is a STATUS answer
    reg [DEPTH*W-1:0] f_rsp = 0;    // responses, in order: slot f_rd is the next one owed
    reg [PTR-1:0] f_rd = 0, f_wr = 0;
    reg [3:0] f_owed = 0;           // responses owed (accepted, not yet taken)
    reg f_illegal = 0;
    integer k;
    initial for (k = 0; k < L; k = k + 1) begin
        // Power-up: the tree holds zeros, which the core absorbs from its second clock on.
        h_fire[k] = 0; h_op[k] = 0; h_data[k] = 0; h_lanes[k] = 0; h_counted[k] = k < L - 1;
    end

    // The event applied now: the clock L clocks ago.
    wire a_fire = h_fire[L-1];
    wire [3:0] a_op = h_op[L-1];
    wire [W-1:0] a_seen = h_counted[L-1] ? f_state ^ h_lanes[L-1] : f_state; // after its deltas
    wire a_responds = a_fire && responds(a_op);

    always @(posedge clock) begin
        h_fire[0] <= fire;
        h_op[0] <= cmd_op;
        h_data[0] <= cmd_data[W-1:0];
        h_lanes[0] <= lanes;
        h_counted[0] <= !reset && !f_reset_prev;
        f_reset_prev <= reset;
        for (k = 1; k < L; k = k + 1) begin
            h_fire[k] <= h_fire[k-1] && !reset;
            h_op[k] <= h_op[k-1];
            h_data[k] <= h_data[k-1];
            h_lanes[k] <= h_lanes[k-1];
            h_counted[k] <= h_counted[k-1] && !reset;
        end
        if (reset) begin
            f_state <= 0;
            p_push <= 0;
            f_rd <= 0;
            f_wr <= 0;
            f_owed <= 0;
            f_illegal <= 0;
        end else begin
            f_state <= a_fire ? apply(a_op, a_seen, h_data[L-1]) : a_seen;
            p_push <= a_responds;
            if (a_responds) begin
                f_rsp[f_wr*W +: W] <= a_seen;
                f_status[f_wr] <= a_op == STATUS;
                f_wr <= f_wr + 1;
            end
            if (pop) f_rd <= f_rd + 1;
            f_owed <= f_owed + (fire && responds(cmd_op)) - pop;
            if (fire && cmd_op > STATUS) f_illegal <= 1;
        end
    end

    // ---- Properties ----------------------------------------------------------------------
    // Responses owed that are in neither the spec pipeline nor the response register.
    reg [3:0] in_pipe;
    always @* begin
        in_pipe = p_push;
        for (k = 0; k < L; k = k + 1) in_pipe = in_pipe + (h_fire[k] && responds(h_op[k]));
    end
    wire [3:0] queued = f_owed - in_pipe;
    // P1: every READ/SWAP/SWAP_LOAD response is the state as of its command: reference ^ every
    // delta accepted on any lane and every ACCUM since the context's last LOAD/SWAP_LOAD.
    always @* assert (!rsp_valid || f_status[f_rd] || rsp_data == {{64-W{1'b0}}, f_rsp[f_rd*W +: W]});
    // P2: a response is offered exactly when one is owed and out of the pipeline: none is
    // invented or repeated, none is lost or held back.
    always @* assert (rsp_valid == (queued != 0));
    // P3: the core never owes more responses than its queue holds.
    always @* assert (f_owed <= DEPTH);
    // P4: illegal_op is the sticky flag of an accepted illegal opcode.
    always @* assert (illegal_op == f_illegal);

    // ---- Invariants: the tree, the delay line, the state and the queue against the spec ----
    // I1: the tree holds the lanes' XOR of the clocks the spec has not applied yet: the
    // registered level the last clock's, the output register the one before.
    always @* assert ((t_n2 ^ t_n3) == h_lanes[0]);
    always @* assert (t_tree_out == h_lanes[L-1]);
    // I2: the core absorbs the tree's output exactly when the spec counts those deltas, and
    // its post-reset countdown is within the tree latency plus the clock after the reset.
    always @* assert (t_keep == h_counted[L-1]);
    always @* assert (t_drain <= L + 1);
    always @* assert (h_counted[0] == (t_drain < L));
    // I3: the delay line carries the commands of the spec's pipeline (its flags: load 1,
    // accumulate 2, responds 4, status 8) and their data.
    function [3:0] flags(input f, input [3:0] op);
        flags = !f ? 4'd0 : op == LOAD ? 4'd1 : op == ACCUM ? 4'd2 :
                (op == READ || op == SWAP) ? 4'd4 : op == SWAP_LOAD ? 4'd5 :
                op == STATUS ? 4'd12 : 4'd0;
    endfunction
    always @* assert (t_flags0 == flags(h_fire[0], h_op[0]));
    always @* assert (t_flags1 == flags(h_fire[1], h_op[1]));
    always @* assert (!h_fire[0] || t_data0 == h_data[0]);
    always @* assert (!h_fire[1] || t_data1 == h_data[1]);
    // I4: the state register is the spec's state, except in the clock after a reset: the
    // core clears it then (from `reset_q`), when nothing reads it and the spec's state is 0
    // with no command or delta to apply.
    always @* assert (t_reset_q == f_reset_prev);
    always @* assert (t_reset_q || t_state == f_state);
    always @* assert (!f_reset_prev || (f_state == 0 && !h_fire[L-1] && !h_counted[L-1]));
    // I5: the response register holds the newest response slot; the credit counter is the
    // owed count; the core admits a command only while a slot is free.
    wire [PTR-1:0] newest = f_wr - 1'b1;
    always @* assert (t_push == p_push);
    always @* assert (!p_push || t_is_status == f_status[newest]);
    always @* assert (!p_push || t_is_status || t_value == {{64-W{1'b0}}, f_rsp[newest*W +: W]});
    always @* assert (f_wr == f_rd + queued[PTR-1:0] + p_push);
    always @* assert (queued <= f_owed);
    always @* assert (t_in_flight == f_owed);
    always @* assert (!t_ready || f_owed < DEPTH);
    wire [DEPTH:0] q_therm = ({{DEPTH{1'b0}}, 1'b1} << queued) - 1'b1;
    always @* assert (t_q_occ == q_therm[DEPTH-1:0]);

    genvar g;
    generate
        for (g = 0; g < DEPTH; g = g + 1) begin : queue_slot
            // I6: every occupied queue entry holds the response the spec owes there.
            wire [PTR-1:0] slot = f_rd + g;
            always @* assert (!(g < queued) || f_status[slot] ||
                              t_q[g*64 +: 64] == {{64-W{1'b0}}, f_rsp[slot*W +: W]});
        end
    endgenerate
endmodule
