// Formal harness of the table-mode multi-lane core (table.rs, rust-hdl module `top`), built
// with 4 lanes, 8-bit contexts (a proof-only width: the product builds table mode at 64), 4
// contexts and a merge tree registered at every level (tree latency 2), proved by k-induction
// with `atomik prove --only table`.
//
// Every input is free in every cycle: commands of any op (generator, STATUS and illegal ones
// too) to any context, resets at any time, any response back-pressure. The generator is cut
// loose where it feeds the lanes (`free` lines below): whether it feeds in a clock, each
// lane's delta and each lane's context are free, so the property holds over whatever deltas
// the lanes carry to whatever contexts, not only the xorshift runs.
//
// The spec: every context's reference and accumulator after every event the lanes accepted,
// in order. An event is the clock a command takes the lanes (S1, the clock after its
// handshake), or a clock the lanes take generator deltas (a lane's `valid` while no command
// holds them: lane i XORs its delta into its context). READ/SWAP/SWAP_LOAD/STATUS answer in
// order; a READ/SWAP/SWAP_LOAD answers reference ^ accumulator of its context at its event,
// that is the reference ^ every delta (on any lane) and ACCUM since its last LOAD/SWAP;
// STATUS keeps its place in the stream (its value is a counter or a constant, not checked).
// A reset clears every context (after the core's sweep) and drops what is in flight.
//
// The invariants (I*) tie the core to the spec: each lane's partial table against a shadow
// of that lane (the lane's own read-modify-write spec, fed from its inputs), the XOR of the
// lanes' shadows against the spec's accumulators, the read partials through the tree, the
// reference table plus the writes pending in the delay line against the spec's references,
// and the response register and queue against the responses owed.
//
// free dut.generator.feeding
// free dut.gen_addr$0.q
// free dut.gen_addr$1.q
// free dut.gen_addr$2.q
// free dut.gen_addr$3.q
// free dut.taps$0.delta
// free dut.taps$1.delta
// free dut.taps$2.delta
// free dut.taps$3.delta
//
// tap t_lv0          dut.lanes$0.valid
// tap t_lop0         dut.lanes$0.op
// tap t_laddr0       dut.lanes$0.addr
// tap t_ldelta0      dut.lanes$0.delta
// tap t_s1v0         dut.lanes$0.s1_valid.q
// tap t_s1op0        dut.lanes$0.s1_op.q
// tap t_s1addr0      dut.lanes$0.s1_addr.q
// tap t_s1delta0     dut.lanes$0.s1_delta.q
// tap t_cur0         dut.lanes$0.cur
// tap t_pq0          dut.lanes$0.partial_q.q
// tap t_lw0          dut.lanes$0.ram.formal_words
// tap t_lv1          dut.lanes$1.valid
// tap t_lop1         dut.lanes$1.op
// tap t_laddr1       dut.lanes$1.addr
// tap t_ldelta1      dut.lanes$1.delta
// tap t_s1v1         dut.lanes$1.s1_valid.q
// tap t_s1op1        dut.lanes$1.s1_op.q
// tap t_s1addr1      dut.lanes$1.s1_addr.q
// tap t_s1delta1     dut.lanes$1.s1_delta.q
// tap t_cur1         dut.lanes$1.cur
// tap t_pq1          dut.lanes$1.partial_q.q
// tap t_lw1          dut.lanes$1.ram.formal_words
// tap t_lv2          dut.lanes$2.valid
// tap t_lop2         dut.lanes$2.op
// tap t_laddr2       dut.lanes$2.addr
// tap t_ldelta2      dut.lanes$2.delta
// tap t_s1v2         dut.lanes$2.s1_valid.q
// tap t_s1op2        dut.lanes$2.s1_op.q
// tap t_s1addr2      dut.lanes$2.s1_addr.q
// tap t_s1delta2     dut.lanes$2.s1_delta.q
// tap t_cur2         dut.lanes$2.cur
// tap t_pq2          dut.lanes$2.partial_q.q
// tap t_lw2          dut.lanes$2.ram.formal_words
// tap t_lv3          dut.lanes$3.valid
// tap t_lop3         dut.lanes$3.op
// tap t_laddr3       dut.lanes$3.addr
// tap t_ldelta3      dut.lanes$3.delta
// tap t_s1v3         dut.lanes$3.s1_valid.q
// tap t_s1op3        dut.lanes$3.s1_op.q
// tap t_s1addr3      dut.lanes$3.s1_addr.q
// tap t_s1delta3     dut.lanes$3.s1_delta.q
// tap t_cur3         dut.lanes$3.cur
// tap t_pq3          dut.lanes$3.partial_q.q
// tap t_lw3          dut.lanes$3.ram.formal_words
// tap t_st_valid     dut.st_valid.q
// tap t_st_control   dut.st_control.q
// tap t_st_accum     dut.st_accum.q
// tap t_st_lane_op   dut.st_lane_op.q
// tap t_st_op        dut.st_op.q
// tap t_st_addr      dut.st_addr.q
// tap t_st_data      dut.st_data.q
// tap t_round_robin  dut.round_robin.q
// tap t_tree_out     dut.tree_out.q
// tap t_rsp_push     dut.rsp_push.q
// tap t_rsp_value    dut.rsp_value.q
// tap t_rsp_is_status dut.rsp_is_status.q
// tap t_in_flight    dut.responses.in_flight.q
// tap t_ready        dut.ready.q
// tap t_clearing     dut.clearing.q
// tap t_clear_addr   dut.clear_addr.q
// tap t_n2           dut.nodes$2.q
// tap t_n3           dut.nodes$3.q
// tap t_dvalid0      dut.dly_valid$0.q
// tap t_dop0         dut.dly_op$0.q
// tap t_daddr0       dut.dly_addr$0.q
// tap t_ddata0       dut.dly_data$0.q
// tap t_dvalid1      dut.dly_valid$1.q
// tap t_dop1         dut.dly_op$1.q
// tap t_daddr1       dut.dly_addr$1.q
// tap t_ddata1       dut.dly_data$1.q
// tap t_dvalid2      dut.dly_valid$2.q
// tap t_dop2         dut.dly_op$2.q
// tap t_daddr2       dut.dly_addr$2.q
// tap t_ddata2       dut.dly_data$2.q
// tap t_dvalid3      dut.dly_valid$3.q
// tap t_dop3         dut.dly_op$3.q
// tap t_daddr3       dut.dly_addr$3.q
// tap t_ddata3       dut.dly_data$3.q
// tap t_ref_cur      dut.ref_cur
// tap t_ref_words    dut.reference.formal_words
// tap t_q_occ        dut.responses.queue.occupied.q
// tap t_q0           dut.responses.queue.mem$0.q
// tap t_q1           dut.responses.queue.mem$1.q
// tap t_q2           dut.responses.queue.mem$2.q
// tap t_q3           dut.responses.queue.mem$3.q

module lanes_table_formal #(
    parameter W = 8 // data width (the core's W)
) (
    input wire clock,
    input wire reset,
    input wire cmd_valid,
    input wire [3:0] cmd_op,
    input wire [1:0] cmd_addr,
    input wire [63:0] cmd_data,
    input wire rsp_ready
);
    localparam A = 2, N = 4;        // address bits, contexts
    localparam LN = 4;              // lanes
    localparam D = 4;               // delay line: tree latency 2 + 2
    localparam DEPTH = 4;           // the response queue (response_queue.rs DEPTH)
    localparam PTR = $clog2(DEPTH); // queue slot pointers wrap at DEPTH
    localparam [3:0] LOAD = 1, ACCUM = 2, READ = 3, SWAP = 4, SWAP_LOAD = 5, STATUS = 8;

    wire cmd_ready, rsp_valid, illegal_op;
    wire [63:0] rsp_data;
    top dut (
        .clock(clock), .reset(reset),
        .cmd_valid(cmd_valid), .cmd_ready(cmd_ready), .cmd_op(cmd_op), .cmd_addr(cmd_addr),
        .cmd_data(cmd_data), .rsp_valid(rsp_valid), .rsp_ready(rsp_ready), .rsp_data(rsp_data),
        .illegal_op(illegal_op)
    );

    // ---- Taps ----------------------------------------------------------------------------
    wire t_lv0, t_lv1, t_lv2, t_lv3, t_s1v0, t_s1v1, t_s1v2, t_s1v3;
    wire [1:0] t_lop0, t_lop1, t_lop2, t_lop3, t_s1op0, t_s1op1, t_s1op2, t_s1op3;
    wire [A-1:0] t_laddr0, t_laddr1, t_laddr2, t_laddr3, t_s1addr0, t_s1addr1, t_s1addr2, t_s1addr3;
    wire [W-1:0] t_ldelta0, t_ldelta1, t_ldelta2, t_ldelta3;
    wire [W-1:0] t_s1delta0, t_s1delta1, t_s1delta2, t_s1delta3;
    wire [W-1:0] t_cur0, t_cur1, t_cur2, t_cur3, t_pq0, t_pq1, t_pq2, t_pq3;
    wire [N*W-1:0] t_lw0, t_lw1, t_lw2, t_lw3;
    wire [LN-1:0] l_valid = {t_lv3, t_lv2, t_lv1, t_lv0};
    wire [LN*2-1:0] l_op = {t_lop3, t_lop2, t_lop1, t_lop0};
    wire [LN*A-1:0] l_addr = {t_laddr3, t_laddr2, t_laddr1, t_laddr0};
    wire [LN*W-1:0] l_delta = {t_ldelta3, t_ldelta2, t_ldelta1, t_ldelta0};
    wire [LN-1:0] s1_valid = {t_s1v3, t_s1v2, t_s1v1, t_s1v0};
    wire [LN*2-1:0] s1_op = {t_s1op3, t_s1op2, t_s1op1, t_s1op0};
    wire [LN*A-1:0] s1_addr = {t_s1addr3, t_s1addr2, t_s1addr1, t_s1addr0};
    wire [LN*W-1:0] s1_delta = {t_s1delta3, t_s1delta2, t_s1delta1, t_s1delta0};
    wire [LN*W-1:0] cur = {t_cur3, t_cur2, t_cur1, t_cur0};
    wire [LN*N*W-1:0] lane_words = {t_lw3, t_lw2, t_lw1, t_lw0};
    wire [W-1:0] pq_xor = t_pq0 ^ t_pq1 ^ t_pq2 ^ t_pq3;

    wire t_st_valid, t_st_control, t_st_accum;
    wire [1:0] t_st_lane_op;
    wire [3:0] t_st_op;
    wire [A-1:0] t_st_addr;
    wire [63:0] t_st_data;
    wire [10:0] t_round_robin;
    wire [W-1:0] t_tree_out, t_n2, t_n3, t_ref_cur;
    wire t_dvalid0, t_dvalid1, t_dvalid2, t_dvalid3;
    wire [3:0] t_dop0, t_dop1, t_dop2, t_dop3;
    wire [A-1:0] t_daddr0, t_daddr1, t_daddr2, t_daddr3;
    wire [63:0] t_ddata0, t_ddata1, t_ddata2, t_ddata3;
    wire [D-1:0] d_valid = {t_dvalid3, t_dvalid2, t_dvalid1, t_dvalid0};
    wire [D*4-1:0] d_op = {t_dop3, t_dop2, t_dop1, t_dop0};
    wire [D*A-1:0] d_addr = {t_daddr3, t_daddr2, t_daddr1, t_daddr0};
    wire [D*W-1:0] d_data = {t_ddata3[W-1:0], t_ddata2[W-1:0], t_ddata1[W-1:0], t_ddata0[W-1:0]};
    wire [N*W-1:0] t_ref_words;
    wire t_rsp_push, t_rsp_is_status, t_ready, t_clearing;
    wire [63:0] t_rsp_value;
    wire [3:0] t_in_flight;
    wire [A-1:0] t_clear_addr;
    wire [DEPTH-1:0] t_q_occ; // the queue's occupancy, a thermometer code
    wire [63:0] t_q0, t_q1, t_q2, t_q3;
    wire [DEPTH*64-1:0] t_q = {t_q3, t_q2, t_q1, t_q0};

    // ---- The spec ------------------------------------------------------------------------
    function responds(input [3:0] op);
        responds = op == READ || op == SWAP || op == SWAP_LOAD || op == STATUS;
    endfunction
    function reads(input [3:0] op); // the lanes read their partials for it
        reads = op == READ || op == SWAP || op == SWAP_LOAD;
    endfunction
    function writes_ref(input [3:0] op);
        writes_ref = op == LOAD || op == SWAP || op == SWAP_LOAD;
    endfunction
    // A lane's op on its partial: 0 accumulate, 1 read, 2 clear, 3 read and clear.
    function [63:0] ext(input [W-1:0] v); // a W-bit value on the 64-bit response bus
        ext = v;
    endfunction
    function [W-1:0] lane_apply(input [1:0] op, input [W-1:0] p, input [W-1:0] delta);
        lane_apply = op == 0 ? p ^ delta : op == 1 ? p : {W{1'b0}};
    endfunction

    wire fire = cmd_valid & cmd_ready & !reset; // a command handshaken in a reset cycle is dropped
    wire pop = rsp_valid & rsp_ready;

    // The command in S1 (handshaken in the previous clock): its event is this clock.
    reg h1_v = 0;
    reg [3:0] h1_op = 0;
    reg [A-1:0] h1_addr = 0;
    reg [W-1:0] h1_data = 0;
    // Spec state.
    reg [N*W-1:0] f_ref = 0, f_acc = 0;
    reg [LN*N*W-1:0] f_part = 0;    // each lane's partials, as the lane's own spec has them
    reg [LN*W-1:0] f_pre = 0;       // each lane: its last op's context before that op
    // The delay line's commands, as the spec saw them at their event: entry k pairs with the
    // core's delay-line stage k (entry D-1 is the reference stage).
    reg [D-1:0] h_dv = 0;
    reg [D*4-1:0] h_dop = 0;
    reg [D*A-1:0] h_daddr = 0;
    reg [D*W-1:0] h_ddata = 0, h_dref = 0, h_dacc = 0, h_dpost = 0;
    // Responses.
    reg p_push = 0;                 // a response leaves the reference stage for the queue
    reg [DEPTH-1:0] f_status = 0;   // the response in slot i is a STATUS answer
    reg [DEPTH*W-1:0] f_rsp = 0;    // responses, in order: slot f_rd is the next one owed
    reg [PTR-1:0] f_rd = 0, f_wr = 0;
    reg [3:0] f_owed = 0;           // responses owed (accepted, not yet taken)
    reg f_illegal = 0;

    // This clock's event.
    wire [W-1:0] e_ref = f_ref[h1_addr*W +: W], e_acc = f_acc[h1_addr*W +: W];
    reg [N*W-1:0] n_ref, n_acc;
    reg [LN*N*W-1:0] n_part;
    reg [LN*W-1:0] n_pre;
    integer i, c;
    always @* begin
        n_ref = f_ref;
        n_acc = f_acc;
        n_part = f_part;
        n_pre = f_pre;
        if (h1_v) begin
            case (h1_op)
                LOAD, SWAP_LOAD: begin n_ref[h1_addr*W +: W] = h1_data; n_acc[h1_addr*W +: W] = 0; end
                ACCUM: n_acc[h1_addr*W +: W] = e_acc ^ h1_data;
                SWAP: begin n_ref[h1_addr*W +: W] = e_ref ^ e_acc; n_acc[h1_addr*W +: W] = 0; end
                default: ;
            endcase
        end
        for (i = 0; i < LN; i = i + 1) begin
            if (l_valid[i]) begin
                // Generator deltas (no command in S1): lane i's delta into its context.
                if (!h1_v)
                    n_acc[l_addr[i*A +: A]*W +: W] = n_acc[l_addr[i*A +: A]*W +: W] ^ l_delta[i*W +: W];
                // The lane's own spec: its partial of its context.
                n_pre[i*W +: W] = f_part[(i*N + l_addr[i*A +: A])*W +: W];
                n_part[(i*N + l_addr[i*A +: A])*W +: W] =
                    lane_apply(l_op[i*2 +: 2], f_part[(i*N + l_addr[i*A +: A])*W +: W], l_delta[i*W +: W]);
            end
        end
    end

    // The reference stage's command.
    wire a_v = h_dv[D-1];
    wire [3:0] a_op = h_dop[(D-1)*4 +: 4];
    wire a_responds = a_v && responds(a_op);

    always @(posedge clock) begin
        h1_v <= fire;
        h1_op <= cmd_op;
        h1_addr <= cmd_addr;
        h1_data <= cmd_data[W-1:0];
        h_dv <= {h_dv[D-2:0], h1_v} & {D{!reset}};
        h_dop <= {h_dop[(D-1)*4-1:0], h1_op};
        h_daddr <= {h_daddr[(D-1)*A-1:0], h1_addr};
        h_ddata <= {h_ddata[(D-1)*W-1:0], h1_data};
        h_dref <= {h_dref[(D-1)*W-1:0], e_ref};
        h_dacc <= {h_dacc[(D-1)*W-1:0], e_acc};
        h_dpost <= {h_dpost[(D-1)*W-1:0], h1_op == SWAP ? e_ref ^ e_acc : h1_data};
        f_pre <= n_pre;
        if (reset) begin
            f_ref <= 0;
            f_acc <= 0;
            f_part <= 0;
            p_push <= 0;
            f_rd <= 0;
            f_wr <= 0;
            f_owed <= 0;
            f_illegal <= 0;
        end else begin
            f_ref <= n_ref;
            f_acc <= n_acc;
            f_part <= n_part;
            p_push <= a_responds;
            if (a_responds) begin
                f_rsp[f_wr*W +: W] <= h_dref[(D-1)*W +: W] ^ h_dacc[(D-1)*W +: W];
                f_status[f_wr] <= a_op == STATUS;
                f_wr <= f_wr + 1;
            end
            if (pop) f_rd <= f_rd + 1;
            f_owed <= f_owed + (fire && responds(cmd_op)) - pop;
            if (fire && cmd_op > STATUS) f_illegal <= 1;
        end
    end

    // ---- Properties ----------------------------------------------------------------------
    reg [3:0] in_pipe; // responses owed that have not reached the queue
    integer k;
    always @* begin
        in_pipe = p_push + (h1_v && responds(h1_op));
        for (k = 0; k < D; k = k + 1) in_pipe = in_pipe + (h_dv[k] && responds(h_dop[k*4 +: 4]));
    end
    wire [3:0] queued = f_owed - in_pipe;
    // P1: every READ/SWAP/SWAP_LOAD response is reference ^ accumulator of its context at its
    // event: the reference ^ every lane delta and ACCUM since the last LOAD/SWAP/SWAP_LOAD.
    always @* assert (!rsp_valid || f_status[f_rd] || rsp_data == ext(f_rsp[f_rd*W +: W]));
    // P2: a response is offered exactly when one is owed and out of the pipeline: none is
    // invented or repeated, none is lost or held back.
    always @* assert (rsp_valid == (queued != 0));
    // P3: the core never owes more responses than its queue holds.
    always @* assert (f_owed <= DEPTH);
    // P4: illegal_op is the sticky flag of an accepted illegal opcode.
    always @* assert (illegal_op == f_illegal);

    // ---- Invariants ----------------------------------------------------------------------
    // I1: S1 holds the command the spec took in the previous clock.
    always @* assert (t_st_valid == h1_v);
    always @* assert (!h1_v || (t_st_op == h1_op && t_st_addr == h1_addr && t_st_data[W-1:0] == h1_data));
    always @* assert (t_st_control == (h1_v && (h1_op == LOAD || reads(h1_op))));
    always @* assert (t_st_accum == (h1_v && h1_op == ACCUM));
    always @* assert (!t_st_control || t_st_lane_op == (h1_op == LOAD ? 2'd2 : h1_op == READ ? 2'd1 : 2'd3));
    always @* assert (t_round_robin < LN);
    // I2: the reset sweep: nothing in flight, nothing owed, every context zero in the spec.
    always @* assert (!t_clearing || (!t_ready && !h1_v && h_dv == 0 && !p_push && f_owed == 0 &&
                                       f_ref == 0 && f_acc == 0 && f_part == 0));
    // I3: the delay line carries the spec's commands.
    always @* assert (d_valid == h_dv);
    // I4: the lanes' shadows add up to the spec's accumulators.
    reg [N*W-1:0] part_xor;
    always @* begin
        part_xor = 0;
        for (i = 0; i < LN; i = i + 1) part_xor = part_xor ^ f_part[i*N*W +: N*W];
    end
    always @* assert (part_xor == f_acc);
    // I5: a read in the delay line: at stage 0 every lane reads the context (their pre-op
    // partials add up to its accumulator), at stage 1 the lanes' partial registers, at stage 2
    // the registered tree level, at the reference stage the tree output hold that sum.
    wire [D*4-1:0] o = h_dop;
    always @* assert (!(h_dv[0] && reads(o[3:0])) ||
                      (s1_valid == {LN{1'b1}} && (f_pre[0 +: W] ^ f_pre[W +: W] ^ f_pre[2*W +: W] ^ f_pre[3*W +: W]) == h_dacc[0 +: W]));
    always @* assert (!(h_dv[1] && reads(o[7:4])) || pq_xor == h_dacc[W +: W]);
    always @* assert (!(h_dv[2] && reads(o[11:8])) || (t_n2 ^ t_n3) == h_dacc[2*W +: W]);
    always @* assert (!(h_dv[3] && reads(o[15:12])) || t_tree_out == h_dacc[3*W +: W]);
    // I6: the reference table with the delay line's pending writes applied, oldest first, is
    // the spec's references; each command in the line saw the references as they stood after
    // the older ones; the reference stage reads its context's (forwarded or stored) reference.
    reg [N*W-1:0] r [0:D];
    always @* begin
        r[D] = t_ref_words;
        for (k = D - 1; k >= 0; k = k - 1) begin
            r[k] = r[k+1];
            if (h_dv[k] && writes_ref(h_dop[k*4 +: 4])) r[k][h_daddr[k*A +: A]*W +: W] = h_dpost[k*W +: W];
        end
    end
    always @* assert (t_clearing || r[0] == f_ref);
    genvar g, gl;
    generate
        for (g = 0; g < D; g = g + 1) begin : pending
            wire [A-1:0] a = h_daddr[g*A +: A];
            always @* assert (!h_dv[g] || (d_op[g*4 +: 4] == h_dop[g*4 +: 4] && d_addr[g*A +: A] == a &&
                                           d_data[g*W +: W] == h_ddata[g*W +: W]));
            always @* assert (!h_dv[g] || h_dref[g*W +: W] == r[g+1][a*W +: W]);
            always @* assert (!(h_dv[g] && h_dop[g*4 +: 4] == SWAP) ||
                              h_dpost[g*W +: W] == (h_dref[g*W +: W] ^ h_dacc[g*W +: W]));
            always @* assert (!(h_dv[g] && (h_dop[g*4 +: 4] == LOAD || h_dop[g*4 +: 4] == SWAP_LOAD)) ||
                              h_dpost[g*W +: W] == h_ddata[g*W +: W]);
        end
    endgenerate
    always @* assert (!h_dv[D-1] || t_ref_cur == h_dref[(D-1)*W +: W]);
    // I7: each lane against its shadow: the op in its S1 sees its context's pre-op partial and
    // the shadow already holds its effect; the block RAM holds every partial of the shadow
    // except the one the S1 op writes at the end of this clock (still its pre-op value); the
    // sweep zeroes the words it passed and leaves S1 empty after its first clock.
    generate
        for (gl = 0; gl < LN; gl = gl + 1) begin : lane
            wire [A-1:0] sa = s1_addr[gl*A +: A];
            wire [W-1:0] pre = f_pre[gl*W +: W];
            always @* assert (t_clearing || !s1_valid[gl] || cur[gl*W +: W] == pre);
            always @* assert (t_clearing || !s1_valid[gl] ||
                              f_part[(gl*N + sa)*W +: W] == lane_apply(s1_op[gl*2 +: 2], pre, s1_delta[gl*W +: W]));
            always @* assert (!t_clearing || t_clear_addr == 0 || !s1_valid[gl]);
            for (g = 0; g < N; g = g + 1) begin : word
                wire [W-1:0] stored = lane_words[(gl*N + g)*W +: W];
                wire in_s1 = s1_valid[gl] && sa == g;
                always @* assert (!(t_clearing && g < t_clear_addr) || stored == 0);
                always @* assert (t_clearing || !in_s1 || stored == pre);
                always @* assert (t_clearing || in_s1 || stored == f_part[(gl*N + g)*W +: W]);
            end
        end
        for (g = 0; g < N; g = g + 1) begin : ref_word
            always @* assert (!(t_clearing && g < t_clear_addr) || t_ref_words[g*W +: W] == 0);
        end
    endgenerate
    // I8: the response register holds the newest response slot; the credit counter is the
    // owed count; the core admits a command only while a slot is free.
    wire [PTR-1:0] newest = f_wr - 1'b1;
    always @* assert (t_rsp_push == p_push);
    always @* assert (!p_push || t_rsp_is_status == f_status[newest]);
    always @* assert (!p_push || t_rsp_is_status || t_rsp_value == ext(f_rsp[newest*W +: W]));
    always @* assert (f_wr == f_rd + queued[PTR-1:0] + p_push);
    always @* assert (queued <= f_owed);
    always @* assert (t_in_flight == f_owed);
    always @* assert (!t_ready || f_owed < DEPTH);
    wire [DEPTH:0] q_therm = ({{DEPTH{1'b0}}, 1'b1} << queued) - 1'b1;
    always @* assert (t_q_occ == q_therm[DEPTH-1:0]);
    generate
        for (g = 0; g < DEPTH; g = g + 1) begin : queue_slot
            // Every occupied queue entry holds the response the spec owes there.
            wire [PTR-1:0] slot = f_rd + g;
            always @* assert (!(g < queued) || f_status[slot] ||
                              t_q[g*64 +: 64] == ext(f_rsp[slot*W +: W]));
        end
    endgenerate
endmodule
