// Formal harness of the single-lane core (core.rs, rust-hdl module `top`), proved by
// k-induction with `atomik prove --only core`.
//
// Every input is free in every cycle: commands of any op (illegal ones too) to any address, at
// any time, resets at any time, and any response back-pressure. The harness keeps the spec:
// the state (reference ^ accumulator) of every context after every command the core accepted,
// and the queue of responses the spec owes, in order. The properties (P*) are what the core
// promises; the invariants (I*) tie the pipeline, the block RAM and the response queue to the
// spec so that induction closes (they are asserted too, so they are proved, not assumed).
//
// The invariants read internal registers through taps: each `tap` line below names a harness
// wire and the flattened path it is connected to after `flatten` (prove.rs turns them into
// yosys `connect -set`). Taps only read; they add no logic to the design.
//
// tap t_s1_valid    dut.s1_valid.q
// tap t_s1_op       dut.s1_op.q
// tap t_s1_addr     dut.s1_addr.q
// tap t_s1_data     dut.s1_data.q
// tap t_s1_forward  dut.s1_forward.q
// tap t_last_ref    dut.last_ref.q
// tap t_last_acc    dut.last_acc.q
// tap t_in_flight   dut.responses.in_flight.q
// tap t_ready       dut.ready.q
// tap t_clearing    dut.clearing.q
// tap t_clear_addr  dut.clear_addr.q
// tap t_ref_read    dut.reference.read_data
// tap t_acc_read    dut.accumulator.read_data
// tap t_ref_words   dut.reference.formal_words
// tap t_acc_words   dut.accumulator.formal_words
// tap t_q_occ       dut.responses.queue.occupied.q
// tap t_q0          dut.responses.queue.mem$0.q
// tap t_q1          dut.responses.queue.mem$1.q
// tap t_q2          dut.responses.queue.mem$2.q
// tap t_q3          dut.responses.queue.mem$3.q

module core_formal #(
    parameter W = 8, // data width (the core's W)
    parameter A = 2  // address bits: 2^A contexts (the core's A)
) (
    input wire clock,
    input wire reset,
    input wire cmd_valid,
    input wire [2:0] cmd_op,
    input wire [A-1:0] cmd_addr,
    input wire [W-1:0] cmd_data,
    input wire rsp_ready
);
    localparam N = 1 << A;
    localparam DEPTH = 4; // the core's response queue (response_queue.rs DEPTH)
    localparam PTR = $clog2(DEPTH); // queue slot pointers wrap at DEPTH
    localparam [2:0] LOAD = 1, ACCUM = 2, READ = 3, SWAP = 4, SWAP_LOAD = 5;

    wire cmd_ready, rsp_valid, illegal_op;
    wire [W-1:0] rsp_data;
    top dut (
        .clock(clock), .reset(reset),
        .cmd_valid(cmd_valid), .cmd_ready(cmd_ready), .cmd_op(cmd_op),
        .cmd_addr(cmd_addr), .cmd_data(cmd_data),
        .rsp_valid(rsp_valid), .rsp_ready(rsp_ready), .rsp_data(rsp_data),
        .illegal_op(illegal_op)
    );

    wire t_s1_valid, t_s1_forward, t_ready, t_clearing;
    wire [2:0] t_s1_op;
    wire [DEPTH-1:0] t_q_occ; // the queue's occupancy, a thermometer code
    wire [A-1:0] t_s1_addr, t_clear_addr;
    wire [W-1:0] t_s1_data, t_last_ref, t_last_acc, t_ref_read, t_acc_read;
    wire [3:0] t_in_flight;
    wire [N*W-1:0] t_ref_words, t_acc_words;
    wire [W-1:0] t_q0, t_q1, t_q2, t_q3;
    wire [DEPTH*W-1:0] t_q = {t_q3, t_q2, t_q1, t_q0};

    // ---- The spec ------------------------------------------------------------------------
    function [W-1:0] apply(input [2:0] op, input [W-1:0] state, input [W-1:0] data);
        case (op)
            LOAD, SWAP_LOAD: apply = data;      // new reference, accumulator cleared
            ACCUM: apply = state ^ data;        // delta XORed in
            default: apply = state;             // READ; SWAP keeps reference ^ accumulator
        endcase
    endfunction

    wire fire = cmd_valid & cmd_ready & !reset; // a command handshaken in a reset cycle is dropped
    wire legal = (cmd_op >= LOAD) && (cmd_op <= SWAP_LOAD);
    wire responds = (cmd_op == READ) || (cmd_op == SWAP) || (cmd_op == SWAP_LOAD);
    wire pop = rsp_valid & rsp_ready;

    reg [N*W-1:0] f_ctx = 0;          // every context's state after every accepted command
    reg [W-1:0] f_pre = 0;            // the last accepted op's context before it
    reg [DEPTH*W-1:0] f_rsp = 0;      // responses owed, in order: slot f_rd is the next one
    reg [PTR-1:0] f_rd = 0, f_wr = 0;
    reg [3:0] f_owed = 0;             // responses owed (accepted, not yet taken)
    reg f_illegal = 0;

    always @(posedge clock) begin
        if (reset) begin
            // Reset drops what is in flight and clears every context (after the sweep).
            f_ctx <= 0;
            f_rd <= 0;
            f_wr <= 0;
            f_owed <= 0;
            f_illegal <= 0;
        end else begin
            if (pop) f_rd <= f_rd + 1;
            if (fire && responds) begin
                f_rsp[f_wr*W +: W] <= f_ctx[cmd_addr*W +: W];
                f_wr <= f_wr + 1;
            end
            f_owed <= f_owed + (fire && responds) - pop;
            if (fire && legal) begin
                f_pre <= f_ctx[cmd_addr*W +: W];
                f_ctx[cmd_addr*W +: W] <= apply(cmd_op, f_ctx[cmd_addr*W +: W], cmd_data);
            end
            if (fire && !legal && cmd_op != 0) f_illegal <= 1;
        end
    end

    // ---- Properties ----------------------------------------------------------------------
    // (Each assertion is one implication: yosys mishandles several immediate asserts under one
    // `if` in an always block, so no assertion here is guarded by an `if`.)
    wire s1_responds = t_s1_valid && (t_s1_op == READ || t_s1_op == SWAP || t_s1_op == SWAP_LOAD);
    wire [3:0] queued = f_owed - s1_responds; // owed responses that have left the pipeline
    // P1: every response is the spec's: the pre-op state of its READ/SWAP/SWAP_LOAD, that is
    // reference ^ every ACCUM accepted for that context since its last LOAD/SWAP.
    always @* assert (!rsp_valid || rsp_data == f_rsp[f_rd*W +: W]);
    // P2: a response is offered exactly when one is owed and out of the pipeline: none is
    // invented or repeated, none is lost or held back.
    always @* assert (rsp_valid == (queued != 0));
    // P3: the core never owes more responses than its queue holds.
    always @* assert (f_owed <= DEPTH);
    // P4: illegal_op is the sticky flag of an accepted illegal opcode.
    always @* assert (illegal_op == f_illegal);

    // ---- Invariants: the pipeline and the tables against the spec -------------------------
    wire [W-1:0] s1_current = t_s1_forward ? (t_last_ref ^ t_last_acc) : (t_ref_read ^ t_acc_read);
    wire [W-1:0] s1_effect = apply(t_s1_op, f_pre, t_s1_data); // its context after the S1 op
    wire [PTR-1:0] newest = f_wr - 1'b1; // the slot of the last response owed
    // I1: the owed responses are the slots from f_rd to f_wr; the core's response counter and
    // its queue mirror them.
    always @* assert (f_wr == f_rd + f_owed[PTR-1:0]);
    always @* assert (!s1_responds || f_owed != 0);
    always @* assert (t_in_flight == f_owed);
    // The queue is a shift register whose entry 0 is the head: its occupancy is `queued`
    // ones from bit 0 up.
    wire [DEPTH:0] q_therm = ({{DEPTH{1'b0}}, 1'b1} << queued) - 1'b1;
    always @* assert (t_q_occ == q_therm[DEPTH-1:0]);
    // I2: the op in S1 sees its context as the spec had it when the op was accepted (through
    // the RAM read or the forwarded last write), the spec already holds its effect, and its
    // response slot holds that state.
    always @* assert (!t_s1_valid || s1_current == f_pre);
    always @* assert (!t_s1_valid || f_ctx[t_s1_addr*W +: W] == s1_effect);
    always @* assert (!s1_responds || f_rsp[newest*W +: W] == f_pre);
    // I3: the core admits a command only while a response slot is free; the reset sweep
    // accepts nothing and owes nothing.
    always @* assert (!t_ready || f_owed < DEPTH);
    always @* assert (!t_clearing || (!t_ready && !t_s1_valid && f_owed == 0 && f_ctx == 0));

    genvar g;
    generate
        for (g = 0; g < DEPTH; g = g + 1) begin : queue_slot
            // I4: every occupied queue entry holds the response the spec owes there: entry g
            // (g = 0 is the head) is the g-th oldest owed response.
            wire [PTR-1:0] slot = f_rd + g;
            always @* assert (!(g < queued) || t_q[g*W +: W] == f_rsp[slot*W +: W]);
        end
        for (g = 0; g < N; g = g + 1) begin : context_word
            // I5: the block RAM holds every context as the spec has it, except the one the op
            // in S1 writes at the end of this cycle (it still holds that op's pre-state); during
            // the sweep, the words already swept are zero.
            wire [W-1:0] stored = t_ref_words[g*W +: W] ^ t_acc_words[g*W +: W];
            wire in_s1 = t_s1_valid && t_s1_addr == g;
            always @* assert (!(t_clearing && g < t_clear_addr) || stored == 0);
            always @* assert (t_clearing || !in_s1 || stored == f_pre);
            always @* assert (t_clearing || in_s1 || stored == f_ctx[g*W +: W]);
        end
    endgenerate
endmodule
