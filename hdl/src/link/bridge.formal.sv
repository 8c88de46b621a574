// Formal harness of the frame decoder (bridge.rs CommandBridge, rust-hdl module `top`), proved
// by k-induction with `atomik prove --only bridge`.
//
// Every input is free in every cycle: any bytes (garbage, truncated frames, frames with bad
// CRCs, sync bytes inside frames) at any spacing, resets at any time, and any behaviour of the
// core and the transmitter. The harness computes the CRC-8 (polynomial 0x07) of the frame
// being received on its own, independently of the RTL's XOR equations.
//
// tap t_state   dut.state.q
// tap t_count   dut.count.q
// tap t_idle    dut.idle.q
// tap t_crc     dut.crc.q
// tap t_crc_ok  dut.crc_ok.q

module bridge_formal #(
    parameter L = 160 // the idle timeout in clocks (IDLE_TIMEOUT_BITS x clocks per bit)
) (
    input wire clock,
    input wire reset,
    input wire rx_valid,
    input wire [7:0] rx_data,
    input wire tx_ready,
    input wire cmd_ready,
    input wire rsp_valid,
    input wire [63:0] rsp_data
);
    localparam [2:0] HUNT = 0, RECV = 1, ISSUE = 2, WAIT = 3, SEND = 4, CHECK = 5;
    localparam FRAME_BYTES = 13; // after the sync byte: 12 bytes of fields and the CRC
    localparam BOUND = FRAME_BYTES * (L + 1);

    wire tx_valid, cmd_valid, rsp_ready;
    wire [7:0] tx_data;
    wire [3:0] cmd_op;
    wire [15:0] cmd_addr, dropped;
    wire [63:0] cmd_data;
    top dut (
        .clock(clock), .reset(reset),
        .rx_valid(rx_valid), .rx_data(rx_data),
        .tx_valid(tx_valid), .tx_data(tx_data), .tx_ready(tx_ready),
        .cmd_valid(cmd_valid), .cmd_ready(cmd_ready), .cmd_op(cmd_op),
        .cmd_addr(cmd_addr), .cmd_data(cmd_data),
        .rsp_valid(rsp_valid), .rsp_ready(rsp_ready), .rsp_data(rsp_data),
        .dropped(dropped)
    );

    wire [2:0] t_state;
    wire [3:0] t_count;
    wire [23:0] t_idle;
    wire [7:0] t_crc;
    wire t_crc_ok;

    function [7:0] crc8(input [7:0] crc, input [7:0] data);
        integer i;
        reg [7:0] c;
        begin
            c = crc ^ data;
            for (i = 0; i < 8; i = i + 1) c = c[7] ? ((c << 1) ^ 8'h07) : (c << 1);
            crc8 = c;
        end
    endfunction

    reg [31:0] f_decoding = 0; // consecutive clocks spent receiving or checking a frame
    reg [7:0] f_crc = 0;       // CRC-8 of the current frame's bytes after the sync byte
    always @(posedge clock) begin
        f_decoding <= (t_state == RECV || t_state == CHECK) ? f_decoding + 1 : 0;
        if (t_state == HUNT && rx_valid && rx_data == 8'hA5) f_crc <= 0;
        if (t_state == RECV && rx_valid) f_crc <= crc8(f_crc, rx_data);
    end

    // ---- Properties ----------------------------------------------------------------------
    // P1: after a sync byte, whatever follows (garbage, silence, a truncated frame), the
    // decoder is back to hunting, or has moved on with a complete CRC-good frame, within
    // 13 x (L + 1) + 1 clocks (f_decoding counts the clocks before this one).
    always @* assert (f_decoding <= BOUND + 1);
    // P2: only a frame whose CRC checks reaches the core or is answered: a corrupt frame
    // never leaves the decoder.
    always @* assert (!(t_state == ISSUE || t_state == WAIT || t_state == SEND) || f_crc == 0);
    // P3: the command stream is offered exactly in ISSUE, responses taken exactly in WAIT.
    always @* assert (cmd_valid == (t_state == ISSUE));
    always @* assert (rsp_ready == (t_state == WAIT));

    // ---- Invariants ----------------------------------------------------------------------
    always @* assert (t_state <= CHECK);
    // I1: receiving: at most 12 bytes so far, the idle counter within its limit, the time
    // spent bounded by the bytes and the idle time, and the running CRC the harness's.
    always @* assert (t_state != RECV || (t_count <= FRAME_BYTES - 1 && t_idle <= L));
    always @* assert (t_state != RECV || f_decoding <= t_count * (L + 1) + t_idle);
    always @* assert (t_state != RECV || t_crc == f_crc);
    // I2: checking: the flag is the harness's verdict on the whole frame.
    always @* assert (t_state != CHECK || (t_crc_ok == (f_crc == 0) && f_decoding <= BOUND));
endmodule
