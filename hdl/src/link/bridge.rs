//! The frame decoder and response encoder between a byte stream (the UART) and the core's
//! command/response streams. Frames are defined in [`super::frame`].
//!
//! ```text
//!            ┌── A5 ──┐   13 bytes          CRC == 0            op responds?
//!   HUNT ────┘        └─► RECV ──────► CHECK ─────────► ISSUE ───────────────► WAIT ─┐
//!    ▲  ▲                  │ bad CRC / idle timeout   │ seq == last: resend   │    │
//!    │  └──────────────────┘                          ▼                       ▼    │
//!    └──────────────────────────────────────────── SEND (12 bytes) ◄─────────────┘
//! ```
//! A frame is checked completely before anything is applied, so a corrupt frame never reaches
//! the core. The response of the last applied frame is kept with its `seq`: a retransmitted
//! frame (same `seq`) is answered from it and not applied again (exactly-once).

use super::crc8::Crc8Step;
use super::frame::{COMMAND_SYNC, IDLE_TIMEOUT_BITS, RESPONSE_SYNC};
use rust_hdl::prelude::*;

const HUNT: u64 = 0;
const RECV: u64 = 1;
const ISSUE: u64 = 2;
const WAIT: u64 = 3;
const SEND: u64 = 4;
const CHECK: u64 = 5;

/// Frame decoder / response encoder; `clocks_per_bit` sets the idle timeout.
#[derive(LogicBlock)]
pub struct CommandBridge {
    pub clock: Signal<In, Clock>,
    /// Synchronous: back to hunting, no frame remembered.
    pub reset: Signal<In, Bit>,
    pub rx_valid: Signal<In, Bit>,
    pub rx_data: Signal<In, Bits<8>>,
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
    state: DFF<Bits<3>>,
    /// {data, addr, op, seq} as received, filled from the top byte down.
    fields: DFF<Bits<96>>,
    count: DFF<Bits<4>>,
    crc: DFF<Bits<8>>,
    idle: DFF<Bits<24>>,
    last_seq: DFF<Bits<8>>,
    have_last: DFF<Bit>,
    rsp_status: DFF<Bits<8>>,
    rsp_word: DFF<Bits<64>>,
    rsp_zero: DFF<Bit>,
    crc_ok: DFF<Bit>,
    responds_q: DFF<Bit>,
    accepted: DFF<Bit>,
    /// {data, status, seq} being sent, lowest byte next.
    out_shift: DFF<Bits<80>>,
    out_index: DFF<Bits<4>>,
    out_crc: DFF<Bits<8>>,
    dropped_count: DFF<Bits<16>>,
    rx_crc: Crc8Step,
    tx_crc: Crc8Step,
    frame_seq: Signal<Local, Bits<8>>,
    frame_op: Signal<Local, Bits<8>>,
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
}

impl CommandBridge {
    pub fn new(clocks_per_bit: u16) -> Self {
        let idle = IDLE_TIMEOUT_BITS as u64 * clocks_per_bit as u64;
        let c3 = |v: u64| Constant::new(v.to_bits());
        CommandBridge {
            clock: Default::default(),
            reset: Default::default(),
            rx_valid: Default::default(),
            rx_data: Default::default(),
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
            state: Default::default(),
            fields: Default::default(),
            count: Default::default(),
            crc: Default::default(),
            idle: Default::default(),
            last_seq: Default::default(),
            have_last: Default::default(),
            rsp_status: Default::default(),
            rsp_word: Default::default(),
            rsp_zero: Default::default(),
            crc_ok: Default::default(),
            responds_q: Default::default(),
            accepted: Default::default(),
            out_shift: Default::default(),
            out_index: Default::default(),
            out_crc: Default::default(),
            dropped_count: Default::default(),
            rx_crc: Default::default(),
            tx_crc: Default::default(),
            frame_seq: Default::default(),
            frame_op: Default::default(),
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
            crc,
            idle,
            last_seq,
            have_last,
            rsp_status,
            rsp_word,
            rsp_zero,
            crc_ok,
            responds_q,
            accepted,
            out_shift,
            out_index,
            out_crc,
            dropped_count
        );
        self.frame_seq.next = self.fields.q.val().get_bits::<8>(0);
        self.frame_op.next = self.fields.q.val().get_bits::<8>(8);
        self.cmd_op.next = self.fields.q.val().get_bits::<4>(8);
        self.cmd_addr.next = self.fields.q.val().get_bits::<16>(16);
        self.cmd_data.next = self.fields.q.val().get_bits::<64>(32);
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
        self.rx_crc.crc.next = self.crc.q.val();
        self.rx_crc.data_in.next = self.rx_data.val();
        self.tx_crc.crc.next = self.out_crc.q.val();
        self.cmd_valid.next = self.state.q.val() == self.st_issue.val();
        self.rsp_ready.next = self.state.q.val() == self.st_wait.val();

        // ---- Byte out: 5A, then {seq, status, data} lowest byte first, then the CRC --------
        self.out_byte.next = self.out_shift.q.val().get_bits::<8>(0);
        if self.out_index.q.val() == 0 {
            self.out_byte.next = self.response_sync.val();
        }
        if self.out_index.q.val() == 11 {
            self.out_byte.next = self.out_crc.q.val();
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
            self.crc.d.next = 0.into();
            self.idle.d.next = 0.into();
        }
        if self.state.q.val() == self.st_recv.val() {
            self.idle.d.next = self.idle.q.val() + 1;
            if self.idle.q.val() == self.idle_limit.val() {
                self.state.d.next = self.st_hunt.val();
                self.dropped_count.d.next = self.dropped_count.q.val() + 1;
            }
            if self.rx_valid.val() {
                self.idle.d.next = 0.into();
                self.crc.d.next = self.rx_crc.out.val();
                self.count.d.next = self.count.q.val() + 1;
                if self.count.q.val() < 12 {
                    self.fields.d.next =
                        (self.fields.q.val() >> 8) | (bit_cast::<96, 8>(self.rx_data.val()) << 88);
                    self.state.d.next = self.st_recv.val();
                } else {
                    // The 13th byte is the CRC (the CRC over everything must be 0). The
                    // decision runs next clock from this registered flag, keeping the CRC
                    // logic off the decision path.
                    self.state.d.next = self.st_check.val();
                    self.crc_ok.d.next = !self.rx_crc.out.val().any();
                }
            }
        }
        if self.state.q.val() == self.st_check.val() {
            if !self.crc_ok.q.val() {
                self.state.d.next = self.st_hunt.val();
                self.dropped_count.d.next = self.dropped_count.q.val() + 1;
            } else if self.have_last.q.val() & (self.frame_seq.val() == self.last_seq.q.val()) {
                // A retransmission of the frame already applied: answer it again.
                self.state.d.next = self.st_send.val();
                self.out_index.d.next = 0.into();
            } else if self.frame_op.val() > 8 {
                self.state.d.next = self.st_send.val();
                self.out_index.d.next = 0.into();
                self.rsp_status.d.next = 1.into();
                self.rsp_zero.d.next = true;
                self.last_seq.d.next = self.frame_seq.val();
                self.have_last.d.next = true;
            } else {
                // Everything the answer needs is set here, from registers, so that taking
                // the core's cmd_ready in ISSUE only moves the state.
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
        }
        if (self.state.q.val() == self.st_wait.val()) & self.rsp_valid.val() {
            self.rsp_word.d.next = self.rsp_data.val();
            self.rsp_zero.d.next = false;
            self.state.d.next = self.st_send.val();
        }
        if self.tx_fire.val() {
            self.out_index.d.next = self.out_index.q.val() + 1;
            self.out_crc.d.next = self.tx_crc.out.val();
            self.out_shift.d.next = self.out_shift.q.val() >> 8;
            if self.out_index.q.val() == 0 {
                self.out_crc.d.next = 0.into();
                self.out_shift.d.next = (bit_cast::<80, 64>(self.rsp_payload.val()) << 16)
                    | (bit_cast::<80, 8>(self.rsp_status.q.val()) << 8)
                    | bit_cast::<80, 8>(self.last_seq.q.val());
            }
            if self.out_index.q.val() == 11 {
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
