// Formal harness of the frame decoder (bridge.rs CommandBridge, rust-hdl module `top`, protocol
// v2: 17-byte command frames and batch frames of 10 + 8 n bytes, all checked by CRC-32; the
// in-order sequence rule), proved by k-induction with `atomik prove --only bridge`.
//
// Every input is free in every cycle: any bytes (garbage, truncated frames, frames with bad
// CRCs, sync bytes inside frames, batch headers with any count byte) at any spacing, resets at
// any time, and any behaviour of the core and the transmitter. The harness decodes the frame
// being received on its own: its length (from the op and count bytes), its seq, and its
// CRC-32/MPEG-2 (polynomial 0x04C11DB7, initial FFFFFFFF), bit by bit, independently of the
// RTL's XOR equations.
//
// tap t_state   dut.state.q
// tap t_count   dut.count.q
// tap t_last    dut.last_index.q
// tap t_idle    dut.idle.q
// tap t_crc32   dut.crc32.q
// tap t_crc_ok  dut.crc_ok.q
// tap t_batch   dut.is_batch.q
// tap t_n1      dut.batch_n1.q
// tap t_half    dut.half.q
// tap t_have    dut.have_last.q
// tap t_lseq    dut.last_seq.q
// tap t_trans   dut.transient.q
// tap t_fields  dut.fields.q
// tap t_inpay   dut.in_payload.q
// tap t_pbyte   dut.pay_byte.q
// tap t_pword   dut.pay_word.q

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
    localparam [3:0] BATCH_START = 4'd15; // batch_apply.rs BATCH_START_OP
    localparam [7:0] BATCH_OP = 8'hF0;
    localparam [7:0] STATUS_OP = 8'd8;
    localparam COMMAND_BYTES = 16;  // after the sync byte: 12 bytes of fields and the CRC-32
    // A batch header may claim up to 256 deltas (count byte 255): 5 header bytes, 8 x 256
    // delta bytes, 4 CRC bytes after the sync byte. Frames above 64 deltas are received whole
    // (and answered BadCount), so this, not the 64-delta frame, sets the bound.
    localparam LONGEST_BYTES = 5 + 8 * 256 + 4; // 2057
    localparam BOUND = LONGEST_BYTES * (L + 1);

    wire tx_valid, cmd_valid, rsp_ready, buf_write;
    wire [6:0] buf_address;
    wire [63:0] buf_data;
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
        .dropped(dropped),
        .buf_write(buf_write), .buf_address(buf_address), .buf_data(buf_data)
    );

    wire [2:0] t_state;
    wire [11:0] t_count, t_last;
    wire [23:0] t_idle;
    wire [7:0] t_n1, t_lseq;
    wire [31:0] t_crc32;
    wire t_crc_ok, t_batch, t_have, t_trans, t_half;
    wire [95:0] t_fields;
    wire t_inpay;
    wire [2:0] t_pbyte;
    wire [5:0] t_pword;

    function [31:0] crc32(input [31:0] crc, input [7:0] data);
        integer i;
        reg [31:0] c;
        begin
            c = crc ^ {data, 24'h0};
            for (i = 0; i < 8; i = i + 1) c = c[31] ? ((c << 1) ^ 32'h04C11DB7) : (c << 1);
            crc32 = c;
        end
    endfunction

    // The harness's own decode of the current frame (everything after its sync byte).
    reg [31:0] f_decoding = 0; // consecutive clocks spent receiving or checking a frame
    reg [11:0] f_bytes = 0;    // bytes received
    reg [7:0] f_seq = 0;       // byte 0: the seq
    reg [7:0] f_op = 0;        // byte 1: the op
    reg [7:0] f_n1 = 0;        // byte 4: a batch's count byte (deltas - 1)
    reg [31:0] f_crc32 = 0;    // CRC-32 of the bytes
    reg [95:0] f_fields = 0;   // the first 12 bytes, shifted in from the top as they come
    always @(posedge clock) begin
        f_decoding <= (t_state == RECV || t_state == CHECK) ? f_decoding + 1 : 0;
        if (t_state == HUNT && rx_valid && rx_data == 8'hA5) begin
            f_bytes <= 0;
            f_crc32 <= 32'hFFFFFFFF;
        end
        if (t_state == RECV && rx_valid) begin
            f_bytes <= f_bytes + 1;
            f_crc32 <= crc32(f_crc32, rx_data);
            if (f_bytes < 12) f_fields <= {rx_data, f_fields[95:8]};
            if (f_bytes == 0) f_seq <= rx_data;
            if (f_bytes == 1) f_op <= rx_data;
            if (f_bytes == 4) f_n1 <= rx_data;
        end
    end
    // What the harness makes of the frame so far.
    wire f_is_batch = f_bytes >= 2 && f_op == BATCH_OP;
    wire [11:0] f_batch_bytes = {1'b0, f_n1, 3'b000} + 12'd17; // 5 + 8 (n1 + 1) + 4
    wire [11:0] f_length = (f_is_batch && f_bytes >= 5) ? f_batch_bytes : COMMAND_BYTES;
    // The frame is whole and its CRC-32 passes.
    wire f_checked = f_bytes == f_length && f_crc32 == 0;
    wire f_is_status = !f_is_batch && f_op == STATUS_OP;
    wire post_check = t_state == ISSUE || t_state == WAIT || t_state == SEND;
    // The sequence state the RTL had while it checked the last frame.
    reg f_after_check = 0, f_had_last = 0;
    reg [7:0] f_was_last = 0;
    always @(posedge clock) begin
        f_after_check <= t_state == CHECK && !reset;
        f_had_last <= t_have;
        f_was_last <= t_lseq;
    end

    // ---- Properties ----------------------------------------------------------------------
    // P1: after a sync byte, whatever follows (garbage, silence, a truncated frame, a batch
    // header claiming any count), the decoder is back to hunting, or has moved on with a
    // complete frame that checks, within 2057 x (L + 1) + 1 clocks (f_decoding counts the
    // clocks before this one).
    always @* assert (f_decoding <= BOUND + 1);
    // P2: only a whole frame whose CRC-32 passes reaches the core or is answered: a corrupt or
    // truncated frame never leaves the decoder.
    always @* assert (!post_check || f_checked);
    // P3: a batch is handed to the core (the batch start, naming the buffer half and the
    // count) only after the whole batch frame was received and its CRC-32 passed, only for a
    // count the buffer holds (at most 64 deltas), with the frame's own count and the half
    // its deltas were written into.
    always @* assert (!(t_state == ISSUE && t_batch)
                      || (f_is_batch && f_checked && f_n1 <= 63 && cmd_op == BATCH_START
                          && cmd_data[7:0] == f_n1 && cmd_data[8] == t_half));
    // P7, the frame buffer: written only with a byte of a batch frame being received, only
    // in the current half, only within 64 deltas; and the current half is never the half
    // last handed to the core (which may still be draining), whatever resets come between.
    always @* assert (!buf_write || (t_state == RECV && rx_valid && f_is_batch && f_bytes >= 5
                      && f_bytes < 5 + 8 * 64 && buf_address[6] == t_half));
    reg f_handed = 0, f_handed_half = 0;
    always @(posedge clock)
        if (cmd_valid && cmd_ready && t_batch) begin
            f_handed <= 1;
            f_handed_half <= cmd_data[8];
        end
    always @* assert (!f_handed || t_half != f_handed_half);
    // P4: the command stream is offered exactly in ISSUE, responses taken exactly in WAIT.
    always @* assert (cmd_valid == (t_state == ISSUE));
    always @* assert (rsp_ready == (t_state == WAIT));
    // P5, the sequence rule: a frame the check sends on to the core (not a STATUS read) has
    // the seq after the last applied one, or is the first since reset; and it becomes the
    // last applied one.
    always @* assert (!(f_after_check && t_state == ISSUE && !f_is_status)
                      || !f_had_last || f_seq == f_was_last + 8'd1);
    // P6: a STATUS read is answered outside the stored response (transient) and only a
    // STATUS read reaches the core that way; any other frame past the check is the last one
    // applied.
    always @* assert (!(t_state == ISSUE || t_state == WAIT)
                      || (t_trans == f_is_status));
    always @* assert (!(t_state == ISSUE || t_state == WAIT) || f_is_status
                      || (t_have && t_lseq == f_seq));

    // ---- Invariants ----------------------------------------------------------------------
    always @* assert (t_state <= CHECK);
    // I0: the RTL's field register holds the frame's first bytes as the harness saw them, its
    // seq and op where the shift has put them.
    always @* assert (t_fields == f_fields);
    wire [6:0] f_seq_at = f_bytes >= 12 ? 7'd0 : 7'd96 - {f_bytes[3:0], 3'b000};
    wire [6:0] f_op_at = f_bytes >= 12 ? 7'd8 : 7'd104 - {f_bytes[3:0], 3'b000};
    always @* assert (t_state == HUNT || f_bytes < 1 || (f_fields >> f_seq_at) % 256 == f_seq);
    always @* assert (t_state == HUNT || f_bytes < 2 || (f_fields >> f_op_at) % 256 == f_op);
    // I1: receiving: the RTL's count, batch flag, count byte, last index and both CRCs are
    // the harness's; the idle counter within its limit; the time spent bounded by the bytes
    // and the idle time.
    always @* assert (t_state != RECV || (t_count == f_bytes && f_bytes < f_length && t_idle <= L));
    always @* assert (t_state != RECV || t_batch == f_is_batch);
    always @* assert (t_state != RECV || t_last == f_length - 1);
    always @* assert (t_state != RECV || !(f_is_batch && f_bytes >= 5) || t_n1 == f_n1);
    always @* assert (t_state != RECV || f_decoding <= t_count * (L + 1) + t_idle);
    always @* assert (t_state != RECV || t_crc32 == f_crc32);
    // I4: receiving a batch, the buffer's write position is the harness's byte count past
    // the 5-byte header, and it is in the payload exactly for the first 64 deltas' bytes.
    wire [11:0] f_pay = f_bytes - 12'd5;
    always @* assert (t_state != RECV
                      || t_inpay == (f_is_batch && f_bytes >= 5 && f_bytes < 5 + 8 * 64));
    always @* assert (t_state != RECV || !t_inpay || {t_pword, t_pbyte} == f_pay[8:0]);
    always @* assert (t_state != RECV || f_bytes >= 5 || {t_pword, t_pbyte} == 9'd0);
    // I2: checking: the whole frame is in, and the flag is the harness's verdict on it.
    always @* assert (t_state != CHECK || (f_bytes == f_length && t_batch == f_is_batch
                      && (!f_is_batch || t_n1 == f_n1) && t_crc_ok == f_checked
                      && f_decoding <= BOUND));
    // I3: after the check the frame's kind and count stay the harness's.
    always @* assert (!post_check || (t_batch == f_is_batch && (!f_is_batch || t_n1 == f_n1)));
endmodule
