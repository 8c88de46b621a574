//! The frame decoder and response encoder between a byte stream (the UART) and the core's
//! command/response streams. Frames are defined in [`super::frame`].
//!
//! ```text
//!            ┌── A5 ──┐  to the frame's      CRC == 0            op responds?
//!   HUNT ────┘        └─► RECV ──────► CHECK ─────────► ISSUE ───────────────► WAIT ─┐
//!    ▲  ▲              last byte │ bad CRC /   │                   │ no answer       │
//!    │  │                        │ idle timeout│                   ▼                 │
//!    │  └────────────────────────┘             │   seq == last / out of order /      ▼
//!    └────────────────────────────────────────────────── SEND (15 bytes) ◄───────────┘
//!                                        bad count / link register
//! ```
//! Protocol v2: every frame, command or batch, is checked by one CRC-32 (the CRC-8 of v1 and
//! its 8 flip-flops and step logic are gone). A frame is checked completely before anything
//! is applied, so a corrupt frame never reaches the core. The sequence rule: with a frame
//! remembered, only `last + 1` is applied, `last` is answered again, and any other seq is
//! answered "out of order" (status 3, data = the seq expected) without being applied.
//! STATUS frames are executed whatever their seq and answered with status 4, from outside the
//! stored response (a `transient` answer written straight into the output shifter), so they
//! never disturb the sequence state; register [`LINK_SEQ_REG`] ({have_last, last seq}) is
//! answered by the bridge itself. A batch frame's deltas are assembled as they arrive and
//! written, a 64-bit word per delta, into one half of the frame buffer
//! ([`super::frame_buffer`], outside the bridge, read in the core's clock domain). Once the
//! frame's CRC-32 has passed, one command hands the half over ([`BATCH_START_OP`] with
//! `{half, n - 1}`; [`super::batch_apply::BatchApply`] applies the deltas, one per core
//! clock) and the bridge writes the next batch into the other half. The response of the last applied frame is kept with its `seq`: a retransmitted frame
//! (same `seq`) is answered from it and not applied again (exactly-once).

use super::batch_apply::BATCH_START_OP;
use super::crc32::Crc32Step;
use super::frame::{
    FrameStatus, BATCH_ACCUM_OP, BATCH_HEADER_LEN, COMMAND_LEN, COMMAND_SYNC, CRC32_INIT, CRC_LEN,
    IDLE_TIMEOUT_BITS, LINK_SEQ_REG, MAX_BATCH_DELTAS, RESPONSE_LEN, RESPONSE_SYNC, STATUS_OP,
};
use super::frame_buffer::FRAME_BUFFER_ADDR_BITS;
use rust_hdl::prelude::*;

const HUNT: u64 = 0;
const RECV: u64 = 1;
const ISSUE: u64 = 2;
const WAIT: u64 = 3;
const SEND: u64 = 4;
const CHECK: u64 = 5;

/// The frame buffer holds two halves of `MAX_BATCH_DELTAS` deltas (the update writes the
/// half's bit position, 6, as a literal).
const _: () =
    assert!(1 << FRAME_BUFFER_ADDR_BITS == 2 * MAX_BATCH_DELTAS && MAX_BATCH_DELTAS == 64);
/// Index (after the sync byte) of a batch frame's count byte; its first delta byte follows.
const COUNT_INDEX: u64 = BATCH_HEADER_LEN as u64 - 1;

/// Frame decoder / response encoder; `clocks_per_bit` sets the idle timeout.
#[derive(LogicBlock)]
pub struct CommandBridge {
    pub clock: Signal<In, Clock>,
    /// Synchronous: back to hunting, no frame remembered.
    pub reset: Signal<In, Bit>,
    pub rx_valid: Signal<In, Bit>,
    pub rx_data: Signal<In, Bits<8>>,
    /// The bridge takes a byte offered on `rx_valid` this clock (hunting or receiving a
    /// frame). A PHY that can hold its stream back (the FT245 FIFO, the register window)
    /// offers a byte until this is high; a UART cannot, and its bytes arriving while the
    /// bridge checks, applies or answers a frame are dropped.
    pub rx_ready: Signal<Out, Bit>,
    pub tx_valid: Signal<Out, Bit>,
    pub tx_data: Signal<Out, Bits<8>>,
    pub tx_ready: Signal<In, Bit>,
    pub cmd_valid: Signal<Out, Bit>,
    pub cmd_ready: Signal<In, Bit>,
    pub cmd_op: Signal<Out, Bits<4>>,
    pub cmd_addr: Signal<Out, Bits<16>>,
    pub cmd_data: Signal<Out, Bits<64>>,
    pub rsp_valid: Signal<In, Bit>,
    pub rsp_ready: Signal<Out, Bit>,
    pub rsp_data: Signal<In, Bits<64>>,
    /// Frames dropped for a bad CRC or an idle timeout since reset (wraps).
    pub dropped: Signal<Out, Bits<16>>,
    /// Frame-buffer write port: a batch delta, `{half, index}`, as its last byte arrives.
    pub buf_write: Signal<Out, Bit>,
    pub buf_address: Signal<Out, Bits<FRAME_BUFFER_ADDR_BITS>>,
    pub buf_data: Signal<Out, Bits<64>>,
    state: DFF<Bits<3>>,
    /// {data, addr, op, seq} as received (the first 12 bytes), filled from the top byte down.
    fields: DFF<Bits<96>>,
    /// Bytes received after the sync byte (a batch frame of 64 deltas has 521).
    count: DFF<Bits<12>>,
    /// `count` of the frame's last byte: 15 for a command, 8 n + 8 for a batch of n deltas.
    last_index: DFF<Bits<12>>,
    crc32: DFF<Bits<32>>,
    /// The frame is a batch (its op byte is BATCH_ACCUM_OP).
    is_batch: DFF<Bit>,
    /// A batch frame's count byte (deltas - 1).
    batch_n1: DFF<Bits<8>>,
    /// The frame-buffer half batches are written into; it flips when a batch is handed over,
    /// so the half being applied is never written. Not reset: a reset while a batch drains
    /// must not point the bridge back at that half.
    half: DFF<Bits<1>>,
    /// The batch delta being assembled, lowest byte first (its earlier bytes).
    delta: DFF<Bits<64>>,
    /// The next byte received belongs to a batch delta that fits the buffer (set after the
    /// count byte, cleared after the 64th delta). With `pay_byte` and `pay_word` it replaces
    /// `count - header` and two compares on the buffer's write enable. Why: that subtraction
    /// and its carry chains were the Alchitry Cu link clock's critical path (11 ns, 89.9 MHz
    /// against the 100 MHz oscillator).
    in_payload: DFF<Bit>,
    /// Byte of the current delta (0..=7) and the delta's word in the buffer half.
    pay_byte: DFF<Bits<3>>,
    pay_word: DFF<Bits<6>>,
    /// The frame's data field is the link register's index, compared every clock: the data
    /// bytes are complete four bytes (the CRC) before the frame's last byte, so the flag is
    /// settled when the decision registers take it. Why: the 64-bit compare on the last byte
    /// was the next link-clock critical path on the Alchitry Cu (99.5 MHz).
    data_is_link_reg: DFF<Bit>,
    idle: DFF<Bits<24>>,
    last_seq: DFF<Bits<8>>,
    have_last: DFF<Bit>,
    rsp_status: DFF<Bits<8>>,
    rsp_word: DFF<Bits<64>>,
    rsp_zero: DFF<Bit>,
    crc_ok: DFF<Bit>,
    /// The decision's inputs, registered with `crc_ok` on a frame's last byte (the fields hold
    /// still from then: the last bytes are CRC bytes, never captured). Why: compared live, the
    /// `last_seq + 1` carry chain, the 64-bit register-index compare and the opcode checks sat
    /// in front of the whole decision and the answer loader, and held the link clock to
    /// 84 MHz on iCE40 (the Alchitry Cu's link runs at its 100 MHz oscillator).
    seq_is_last: DFF<Bit>,
    seq_is_next: DFF<Bit>,
    status_q: DFF<Bit>,
    link_reg_q: DFF<Bit>,
    /// CHECK's two transient answer loads, decided with the flags above on the last byte.
    /// Why: decided in CHECK from those flags, the selects took a LUT level in front of the
    /// 80-bit shifter (the Alchitry Cu's link clock's critical path, 96.8 MHz with the 64-bit
    /// frame-buffer port; 97.5 MHz with this, still short of its 100 MHz oscillator).
    load_register: DFF<Bit>,
    load_out_of_order: DFF<Bit>,
    illegal_q: DFF<Bit>,
    responds_q: DFF<Bit>,
    accepted: DFF<Bit>,
    /// The answer being sent is not the stored one (a STATUS answer or "out of order"): it
    /// was written into `out_shift` directly and the stored response stays as it was.
    transient: DFF<Bit>,
    /// {data, status, seq} being sent, lowest byte next.
    out_shift: DFF<Bits<80>>,
    out_index: DFF<Bits<4>>,
    /// The response's CRC-32, then shifted out most significant byte first.
    out_crc: DFF<Bits<32>>,
    dropped_count: DFF<Bits<16>>,
    rx_crc32: Crc32Step,
    tx_crc: Crc32Step,
    frame_seq: Signal<Local, Bits<8>>,
    frame_op: Signal<Local, Bits<8>>,
    /// The seq the board applies next (`last_seq + 1`).
    expected_seq: Signal<Local, Bits<8>>,
    /// The frame is a STATUS command (not a batch).
    is_status: Signal<Local, Bit>,
    /// `have_last` as a byte, for the link register's answer.
    have_last_byte: Signal<Local, Bits<8>>,
    responds: Signal<Local, Bit>,
    out_byte: Signal<Local, Bits<8>>,
    rsp_payload: Signal<Local, Bits<64>>,
    tx_fire: Signal<Local, Bit>,
    command_sync: Constant<Bits<8>>,
    response_sync: Constant<Bits<8>>,
    idle_limit: Constant<Bits<24>>,
    st_hunt: Constant<Bits<3>>,
    st_recv: Constant<Bits<3>>,
    st_issue: Constant<Bits<3>>,
    st_wait: Constant<Bits<3>>,
    st_send: Constant<Bits<3>>,
    st_check: Constant<Bits<3>>,
    batch_op: Constant<Bits<8>>,
    start_op: Constant<Bits<4>>,
    crc32_init: Constant<Bits<32>>,
    command_last: Constant<Bits<12>>,
    /// `count - last_index` of a batch frame: header (less the count byte) and CRC bytes.
    batch_extra: Constant<Bits<12>>,
    max_n1: Constant<Bits<8>>,
    status_op: Constant<Bits<8>>,
    link_seq_reg: Constant<Bits<64>>,
    st_out_of_order: Constant<Bits<8>>,
    st_register: Constant<Bits<8>>,
    /// `out_index` of the first CRC byte and of the last byte of a response.
    out_crc_index: Constant<Bits<4>>,
    out_last_index: Constant<Bits<4>>,
    count_index: Constant<Bits<12>>,
}

impl CommandBridge {
    /// `clocks_per_bit`: link clocks per bit time (UART divider; 1 on byte-wide links); the
    /// idle timeout is [`IDLE_TIMEOUT_BITS`] of them. Must be at least 1.
    pub fn new(clocks_per_bit: u16) -> Self {
        assert!(
            clocks_per_bit >= 1,
            "CommandBridge: clocks_per_bit must be at least 1, not {clocks_per_bit}"
        );
        let idle = IDLE_TIMEOUT_BITS as u64 * clocks_per_bit as u64;
        let c3 = |v: u64| Constant::new(v.to_bits());
        CommandBridge {
            clock: Default::default(),
            reset: Default::default(),
            rx_valid: Default::default(),
            rx_data: Default::default(),
            rx_ready: Default::default(),
            tx_valid: Default::default(),
            tx_data: Default::default(),
            tx_ready: Default::default(),
            cmd_valid: Default::default(),
            cmd_ready: Default::default(),
            cmd_op: Default::default(),
            cmd_addr: Default::default(),
            cmd_data: Default::default(),
            rsp_valid: Default::default(),
            rsp_ready: Default::default(),
            rsp_data: Default::default(),
            dropped: Default::default(),
            buf_write: Default::default(),
            buf_address: Default::default(),
            buf_data: Default::default(),
            state: Default::default(),
            fields: Default::default(),
            count: Default::default(),
            last_index: Default::default(),
            crc32: Default::default(),
            is_batch: Default::default(),
            batch_n1: Default::default(),
            half: Default::default(),
            delta: Default::default(),
            in_payload: Default::default(),
            pay_byte: Default::default(),
            pay_word: Default::default(),
            data_is_link_reg: Default::default(),
            idle: Default::default(),
            last_seq: Default::default(),
            have_last: Default::default(),
            rsp_status: Default::default(),
            rsp_word: Default::default(),
            rsp_zero: Default::default(),
            crc_ok: Default::default(),
            seq_is_last: Default::default(),
            seq_is_next: Default::default(),
            status_q: Default::default(),
            link_reg_q: Default::default(),
            load_register: Default::default(),
            load_out_of_order: Default::default(),
            illegal_q: Default::default(),
            responds_q: Default::default(),
            accepted: Default::default(),
            transient: Default::default(),
            out_shift: Default::default(),
            out_index: Default::default(),
            out_crc: Default::default(),
            dropped_count: Default::default(),
            rx_crc32: Default::default(),
            tx_crc: Default::default(),
            frame_seq: Default::default(),
            frame_op: Default::default(),
            expected_seq: Default::default(),
            is_status: Default::default(),
            have_last_byte: Default::default(),
            responds: Default::default(),
            out_byte: Default::default(),
            rsp_payload: Default::default(),
            tx_fire: Default::default(),
            command_sync: Constant::new((COMMAND_SYNC as u64).to_bits()),
            response_sync: Constant::new((RESPONSE_SYNC as u64).to_bits()),
            idle_limit: Constant::new(idle.to_bits()),
            st_hunt: c3(HUNT),
            st_recv: c3(RECV),
            st_issue: c3(ISSUE),
            st_wait: c3(WAIT),
            st_send: c3(SEND),
            st_check: c3(CHECK),
            batch_op: Constant::new((BATCH_ACCUM_OP as u64).to_bits()),
            start_op: Constant::new(BATCH_START_OP.to_bits()),
            crc32_init: Constant::new((CRC32_INIT as u64).to_bits()),
            command_last: Constant::new((COMMAND_LEN as u64 - 2).to_bits()),
            batch_extra: Constant::new((BATCH_HEADER_LEN as u64 - 1 + CRC_LEN as u64).to_bits()),
            max_n1: Constant::new((MAX_BATCH_DELTAS as u64 - 1).to_bits()),
            status_op: Constant::new((STATUS_OP as u64).to_bits()),
            link_seq_reg: Constant::new(LINK_SEQ_REG.to_bits()),
            st_out_of_order: Constant::new((FrameStatus::OutOfOrder as u64).to_bits()),
            st_register: Constant::new((FrameStatus::Register as u64).to_bits()),
            out_crc_index: Constant::new(((RESPONSE_LEN - CRC_LEN) as u64).to_bits()),
            out_last_index: Constant::new((RESPONSE_LEN as u64 - 1).to_bits()),
            count_index: Constant::new(COUNT_INDEX.to_bits()),
        }
    }
}

impl Logic for CommandBridge {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            state,
            fields,
            count,
            last_index,
            crc32,
            is_batch,
            batch_n1,
            half,
            delta,
            in_payload,
            pay_byte,
            pay_word,
            data_is_link_reg,
            idle,
            last_seq,
            have_last,
            rsp_status,
            rsp_word,
            rsp_zero,
            crc_ok,
            seq_is_last,
            seq_is_next,
            status_q,
            link_reg_q,
            load_register,
            load_out_of_order,
            illegal_q,
            responds_q,
            accepted,
            transient,
            out_shift,
            out_index,
            out_crc,
            dropped_count
        );
        self.frame_seq.next = self.fields.q.val().get_bits::<8>(0);
        self.frame_op.next = self.fields.q.val().get_bits::<8>(8);
        self.expected_seq.next = self.last_seq.q.val() + 1;
        self.have_last_byte.next = 0.into();
        if self.have_last.q.val() {
            self.have_last_byte.next = 1.into();
        }
        self.is_status.next =
            !self.is_batch.q.val() & (self.frame_op.val() == self.status_op.val());
        self.cmd_op.next = self.fields.q.val().get_bits::<4>(8);
        self.cmd_addr.next = self.fields.q.val().get_bits::<16>(16);
        self.cmd_data.next = self.fields.q.val().get_bits::<64>(32);
        if self.is_batch.q.val() {
            // The batch start: {half (bit 8), n - 1} for BatchApply.
            self.cmd_op.next = self.start_op.val();
            self.cmd_data.next = (bit_cast::<64, 1>(self.half.q.val()) << 8)
                | bit_cast::<64, 8>(self.batch_n1.q.val());
        }
        self.data_is_link_reg.d.next =
            self.fields.q.val().get_bits::<64>(32) == self.link_seq_reg.val();
        self.dropped.next = self.dropped_count.q.val();
        // The response word is written only from the core (one enable for its 64 flip-flops);
        // ops without a response answer 0 through this flag.
        self.rsp_payload.next = self.rsp_word.q.val();
        if self.rsp_zero.q.val() {
            self.rsp_payload.next = 0.into();
        }
        // Ops 3 READ, 4 SWAP, 5 SWAP_LOAD and 8 STATUS answer through the response stream.
        self.responds.next = (self.frame_op.val() == 3)
            | (self.frame_op.val() == 4)
            | (self.frame_op.val() == 5)
            | (self.frame_op.val() == 8);
        self.rx_crc32.crc.next = self.crc32.q.val();
        self.rx_crc32.data_in.next = self.rx_data.val();
        // ---- Frame buffer: a delta per word, written as its last byte arrives -------------
        self.buf_address.next = (bit_cast::<FRAME_BUFFER_ADDR_BITS, 1>(self.half.q.val()) << 6)
            | bit_cast::<FRAME_BUFFER_ADDR_BITS, 6>(self.pay_word.q.val());
        self.buf_data.next =
            (self.delta.q.val() >> 8) | (bit_cast::<64, 8>(self.rx_data.val()) << 56);
        // Bytes past 64 deltas (a count above the maximum) are not stored; such a frame is
        // answered BadCount and never applied. The CRC bytes are never stored either.
        self.buf_write.next = (self.state.q.val() == self.st_recv.val())
            & self.rx_valid.val()
            & self.in_payload.q.val()
            & (self.pay_byte.q.val() == 7);
        self.tx_crc.crc.next = self.out_crc.q.val();
        self.cmd_valid.next = self.state.q.val() == self.st_issue.val();
        // From the state register alone, so a PHY's valid never depends on this in a loop.
        self.rx_ready.next =
            (self.state.q.val() == self.st_hunt.val()) | (self.state.q.val() == self.st_recv.val());
        self.rsp_ready.next = self.state.q.val() == self.st_wait.val();

        // ---- Byte out: 5A, then {seq, status, data} lowest byte first, then the CRC-32 ------
        self.out_byte.next = self.out_shift.q.val().get_bits::<8>(0);
        if self.out_index.q.val() == 0 {
            self.out_byte.next = self.response_sync.val();
        }
        if self.out_index.q.val() >= self.out_crc_index.val() {
            self.out_byte.next = self.out_crc.q.val().get_bits::<8>(24);
        }
        self.tx_crc.data_in.next = self.out_byte.val();
        self.tx_data.next = self.out_byte.val();
        // The byte index advances the clock after the transmitter takes a byte (from the
        // registered `accepted`), keeping the transmitter's ready off the bridge's wide
        // enables; the transmitter is busy for ten bit times after taking a byte, so offering
        // the old byte for that one clock cannot send it twice.
        self.tx_valid.next = (self.state.q.val() == self.st_send.val()) & !self.accepted.q.val();
        self.accepted.d.next = self.tx_valid.val() & self.tx_ready.val();
        self.tx_fire.next = self.accepted.q.val();

        if (self.state.q.val() == self.st_hunt.val())
            & self.rx_valid.val()
            & (self.rx_data.val() == self.command_sync.val())
        {
            self.state.d.next = self.st_recv.val();
            self.count.d.next = 0.into();
            self.last_index.d.next = self.command_last.val();
            self.crc32.d.next = self.crc32_init.val();
            self.is_batch.d.next = false;
            self.idle.d.next = 0.into();
            self.in_payload.d.next = false;
            self.pay_byte.d.next = 0.into();
            self.pay_word.d.next = 0.into();
        }
        if self.state.q.val() == self.st_recv.val() {
            self.idle.d.next = self.idle.q.val() + 1;
            if self.idle.q.val() == self.idle_limit.val() {
                self.state.d.next = self.st_hunt.val();
                self.dropped_count.d.next = self.dropped_count.q.val() + 1;
            }
            if self.rx_valid.val() {
                self.idle.d.next = 0.into();
                self.crc32.d.next = self.rx_crc32.out.val();
                self.count.d.next = self.count.q.val() + 1;
                self.delta.d.next = self.buf_data.val();
                if self.count.q.val() < 12 {
                    self.fields.d.next =
                        (self.fields.q.val() >> 8) | (bit_cast::<96, 8>(self.rx_data.val()) << 88);
                }
                if (self.count.q.val() == 1) & (self.rx_data.val() == self.batch_op.val()) {
                    self.is_batch.d.next = true;
                }
                if self.in_payload.q.val() {
                    self.pay_byte.d.next = self.pay_byte.q.val() + 1;
                    if self.pay_byte.q.val() == 7 {
                        self.pay_word.d.next = self.pay_word.q.val() + 1;
                        if self.pay_word.q.val().all() {
                            self.in_payload.d.next = false;
                        }
                    }
                }
                if self.is_batch.q.val() & (self.count.q.val() == self.count_index.val()) {
                    self.in_payload.d.next = true;
                    // n deltas end at byte 8 n + 8: (n - 1) x 8 + 8 + header and CRC.
                    self.batch_n1.d.next = self.rx_data.val();
                    self.last_index.d.next =
                        (bit_cast::<12, 8>(self.rx_data.val()) << 3) + 8 + self.batch_extra.val();
                }
                if self.count.q.val() == self.last_index.q.val() {
                    // The last byte is the end of the CRC-32: the CRC over everything must be
                    // 0. The decision runs next clock from this registered flag, keeping the
                    // CRC logic off the decision path.
                    self.state.d.next = self.st_check.val();
                    self.crc_ok.d.next = !self.rx_crc32.out.val().any();
                    self.seq_is_last.d.next = self.frame_seq.val() == self.last_seq.q.val();
                    self.seq_is_next.d.next = self.frame_seq.val() == self.expected_seq.val();
                    self.status_q.d.next = self.is_status.val();
                    self.link_reg_q.d.next = self.data_is_link_reg.q.val();
                    self.load_register.d.next =
                        self.is_status.val() & self.data_is_link_reg.q.val();
                    self.load_out_of_order.d.next = !self.is_status.val()
                        & self.have_last.q.val()
                        & (self.frame_seq.val() != self.last_seq.q.val())
                        & (self.frame_seq.val() != self.expected_seq.val());
                    self.illegal_q.d.next = self.frame_op.val() > 8;
                }
            }
        }
        if self.state.q.val() == self.st_check.val() {
            // The transient answers go into the shifter whatever the CRC said: a frame that
            // failed goes hunting, and the shifter is loaded again before anything is sent.
            // Why: gated by `crc_ok` as well, the answer loader was the link clock's critical
            // path (crc_ok -> decision -> 80-bit shifter mux, 10.7 ns on iCE40).
            if self.load_register.q.val() {
                self.out_shift.d.next = (bit_cast::<80, 8>(self.last_seq.q.val()) << 16)
                    | (bit_cast::<80, 8>(self.have_last_byte.val()) << 24)
                    | (bit_cast::<80, 8>(self.st_register.val()) << 8)
                    | bit_cast::<80, 8>(self.frame_seq.val());
            } else if self.load_out_of_order.q.val() {
                self.out_shift.d.next = (bit_cast::<80, 8>(self.expected_seq.val()) << 16)
                    | (bit_cast::<80, 8>(self.st_out_of_order.val()) << 8)
                    | bit_cast::<80, 8>(self.frame_seq.val());
            }
            if !self.crc_ok.q.val() {
                self.state.d.next = self.st_hunt.val();
                self.dropped_count.d.next = self.dropped_count.q.val() + 1;
            } else if self.status_q.q.val() {
                // Read-only, outside the sequence: executed whatever its seq, answered with
                // status 4 and its own seq, nothing stored.
                self.out_index.d.next = 0.into();
                self.transient.d.next = true;
                if self.link_reg_q.q.val() {
                    self.state.d.next = self.st_send.val();
                } else {
                    self.state.d.next = self.st_issue.val();
                    self.responds_q.d.next = true;
                }
            } else if self.have_last.q.val() & self.seq_is_last.q.val() {
                // A retransmission of the frame already applied: answer it again.
                self.state.d.next = self.st_send.val();
                self.out_index.d.next = 0.into();
                self.transient.d.next = false;
            } else if self.have_last.q.val() & !self.seq_is_next.q.val() {
                // Neither the last frame nor the next: a stale or early frame. Nothing is
                // applied; the answer names the seq expected so the host can resynchronise.
                self.state.d.next = self.st_send.val();
                self.out_index.d.next = 0.into();
                self.transient.d.next = true;
            } else if self.is_batch.q.val() {
                self.transient.d.next = false;
                // Checked, new: answer BadCount for too many deltas, else apply them all.
                self.out_index.d.next = 0.into();
                self.rsp_zero.d.next = true;
                self.last_seq.d.next = self.frame_seq.val();
                self.have_last.d.next = true;
                self.responds_q.d.next = false;
                if self.batch_n1.q.val() > self.max_n1.val() {
                    self.state.d.next = self.st_send.val();
                    self.rsp_status.d.next = 2.into();
                } else {
                    self.state.d.next = self.st_issue.val();
                    self.rsp_status.d.next = 0.into();
                }
            } else if self.illegal_q.q.val() {
                self.transient.d.next = false;
                self.state.d.next = self.st_send.val();
                self.out_index.d.next = 0.into();
                self.rsp_status.d.next = 1.into();
                self.rsp_zero.d.next = true;
                self.last_seq.d.next = self.frame_seq.val();
                self.have_last.d.next = true;
            } else {
                // Everything the answer needs is set here, from registers, so that taking
                // the core's cmd_ready in ISSUE only moves the state.
                self.transient.d.next = false;
                self.state.d.next = self.st_issue.val();
                self.rsp_status.d.next = 0.into();
                self.rsp_zero.d.next = true;
                self.last_seq.d.next = self.frame_seq.val();
                self.have_last.d.next = true;
                self.out_index.d.next = 0.into();
                self.responds_q.d.next = self.responds.val();
            }
        }
        if (self.state.q.val() == self.st_issue.val()) & self.cmd_ready.val() {
            self.state.d.next = self.st_send.val();
            if self.responds_q.q.val() {
                self.state.d.next = self.st_wait.val();
            }
            if self.is_batch.q.val() {
                // Handed over: the next batch goes into the other half.
                self.half.d.next = !self.half.q.val();
            }
        }
        if self.state.q.val() == self.st_wait.val() {
            // The answer registers follow the core's data on every WAIT clock, so the clock
            // the response arrives loads it; only the state and one flag wait for rsp_valid.
            // Why: enabled by rsp_valid, the 64-bit loads hung off the port's handshake
            // logic and made the link clock's critical path on iCE40. Nothing reads them
            // during WAIT: the frame is already the last applied one, and nothing is sent.
            if self.transient.q.val() {
                // A STATUS answer goes straight to the shifter, past the stored response.
                self.out_shift.d.next = (bit_cast::<80, 64>(self.rsp_data.val()) << 16)
                    | (bit_cast::<80, 8>(self.st_register.val()) << 8)
                    | bit_cast::<80, 8>(self.frame_seq.val());
            } else {
                self.rsp_word.d.next = self.rsp_data.val();
            }
            if self.rsp_valid.val() {
                self.state.d.next = self.st_send.val();
                if !self.transient.q.val() {
                    self.rsp_zero.d.next = false;
                }
            }
        }
        if self.tx_fire.val() {
            self.out_index.d.next = self.out_index.q.val() + 1;
            self.out_crc.d.next = self.tx_crc.out.val();
            self.out_shift.d.next = self.out_shift.q.val() >> 8;
            if self.out_index.q.val() == 0 {
                self.out_crc.d.next = self.crc32_init.val();
                self.out_shift.d.next = self.out_shift.q.val();
                if !self.transient.q.val() {
                    self.out_shift.d.next = (bit_cast::<80, 64>(self.rsp_payload.val()) << 16)
                        | (bit_cast::<80, 8>(self.rsp_status.q.val()) << 8)
                        | bit_cast::<80, 8>(self.last_seq.q.val());
                }
            }
            if self.out_index.q.val() >= self.out_crc_index.val() {
                // The CRC bytes: shift the register out instead of stepping it.
                self.out_crc.d.next = self.out_crc.q.val() << 8;
            }
            if self.out_index.q.val() == self.out_last_index.val() {
                self.state.d.next = self.st_hunt.val();
            }
        }
        if self.reset.val() {
            self.state.d.next = self.st_hunt.val();
            self.have_last.d.next = false;
            self.dropped_count.d.next = 0.into();
        }
    }
}
