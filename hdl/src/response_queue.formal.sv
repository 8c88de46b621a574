// Formal harness of the response queue on its own (response_queue.rs, rust-hdl module `top`,
// built at W=8), proved by k-induction with `atomik prove --only queue`.
//
// The core, lanes and table proofs cover the queue inside each core, under that core's credit
// count. This one proves it against its own contract, for every caller: push, pop, data and
// reset are free in every cycle; the one assumption is the documented one, that nobody pushes
// into a full queue (room after this clock's pop). The spec is a plain FIFO of DEPTH words.
//
// tap t_occ dut.occupied.q
// tap t_lh  dut.lands_if_held.q
// tap t_lp  dut.lands_if_popped.q
// tap t_m0  dut.mem$0.q
// tap t_m1  dut.mem$1.q
// tap t_m2  dut.mem$2.q
// tap t_m3  dut.mem$3.q

module response_queue_formal #(
    parameter W = 8 // word width (the queue's W)
) (
    input wire clock,
    input wire reset,
    input wire push,
    input wire [W-1:0] push_data,
    input wire pop
);
    localparam DEPTH = 4; // response_queue.rs DEPTH
    localparam PTR = $clog2(DEPTH); // queue slot pointers wrap at DEPTH

    wire valid;
    wire [W-1:0] data;
    top dut (
        .clock(clock), .reset(reset), .push(push), .push_data(push_data), .pop(pop),
        .valid(valid), .data(data)
    );

    wire [DEPTH-1:0] t_occ, t_lh, t_lp;
    wire [W-1:0] t_m0, t_m1, t_m2, t_m3;
    wire [DEPTH*W-1:0] t_mem = {t_m3, t_m2, t_m1, t_m0};

    // ---- The spec: a FIFO of DEPTH words ----------------------------------------------------
    reg [DEPTH*W-1:0] f_mem = 0;
    reg [PTR-1:0] f_rd = 0, f_wr = 0;
    reg [3:0] f_count = 0;
    wire taken = pop && f_count != 0;
    // The caller's contract: a push finds room, counting this clock's pop.
    always @* assume (!push || f_count - taken < DEPTH);
    always @(posedge clock) begin
        if (reset) begin
            f_rd <= 0;
            f_wr <= 0;
            f_count <= 0;
        end else begin
            if (push) begin
                f_mem[f_wr*W +: W] <= push_data;
                f_wr <= f_wr + 1;
            end
            if (taken) f_rd <= f_rd + 1;
            f_count <= f_count + push - taken;
        end
    end

    // ---- Properties ------------------------------------------------------------------------
    // P1: the queue offers a word exactly when the FIFO holds one (none lost, none invented,
    // none repeated: a pop removes exactly the head), and the word is the FIFO's head (order
    // and value kept).
    always @* assert (valid == (f_count != 0));
    always @* assert (!valid || data == f_mem[f_rd*W +: W]);

    // ---- Invariants --------------------------------------------------------------------------
    // I1: occupancy is the thermometer code of the count; entry g is the g-th oldest word.
    wire [DEPTH:0] therm = ({{DEPTH{1'b0}}, 1'b1} << f_count) - 1'b1;
    always @* assert (f_count <= DEPTH);
    always @* assert (t_occ == therm[DEPTH-1:0]);
    always @* assert (f_wr == f_rd + f_count[PTR-1:0]);
    // I2: the landing flags are the ones the occupancy implies (bit 0 stored inverted): the
    // first free entry if nothing pops; the last held entry if the head pops.
    wire [DEPTH-1:0] first_free = ~t_occ & {t_occ[DEPTH-2:0], 1'b1};
    wire [DEPTH-1:0] last_held = t_occ & ~{1'b0, t_occ[DEPTH-1:1]};
    always @* assert (t_lh == (first_free ^ 1));
    always @* assert (t_lp == ((t_occ[0] ? last_held : first_free) ^ 1));
    genvar g;
    generate
        for (g = 0; g < DEPTH; g = g + 1) begin : entry
            wire [PTR-1:0] slot = f_rd + g;
            always @* assert (!(g < f_count) || t_mem[g*W +: W] == f_mem[slot*W +: W]);
        end
    endgenerate
endmodule
