//! Stop-and-wait over a [`Transport`] with protocol v2's sequence rule (see
//! `atomik_hdl::link::frame`): each command or batch frame gets the seq after the last one the
//! board applied, is retransmitted on a missing or corrupt answer, and a response is accepted
//! only with the frame's own seq and kind. The board applies a retransmitted frame once (it
//! keeps the last seq), and refuses any seq but the next with status 3, so a stale copy of an
//! older frame is never applied twice. Waiting for each answer is also the back-pressure: the
//! next frame leaves only once the board has applied the last one.
//!
//! - **STATUS frames** are answered with status 4 and never stored by the board; the host
//!   accepts a STATUS answer only for a STATUS frame and any other status only for a command
//!   or batch frame, so a late STATUS answer can never be taken for a real frame's answer
//!   (nor the reverse), whatever its seq.
//! - **Where the board is:** [`FrameLink::sync`] reads the link register (STATUS
//!   [`LINK_SEQ_REG`]) and numbers the next frame from the board's last seq plus 1.
//! - **Status 3** (out of order) proves the frame was not applied; its data byte is the seq the
//!   board expects. The host renumbers the frame to it and sends it again.
//! - **A frame given up on** (no valid answer after [`ATTEMPTS`]) may still be on its way. Its
//!   seq is kept as abandoned: if the board later says it still expects that seq, the host
//!   first sends a NOP with it, so that neither a delayed copy of the abandoned frame nor the
//!   abandoned frame's stored answer can ever be confused with a new frame's.
//! - Responses are found in the byte stream by their sync byte and CRC-32, sliding one byte at
//!   a time past anything that does not check (a shifted, duplicated or stale answer).

use super::transport::Transport;
use atomik_hdl::link::frame::{
    decode_response, encode_batch, encode_command, BatchError, FrameStatus, Response,
    IDLE_TIMEOUT_BITS, LINK_SEQ_REG, RESPONSE_LEN, RESPONSE_SYNC, STATUS_OP,
};
use atomik_hdl::Op;
use std::io;
use std::time::Duration;

/// Attempts per command before giving up.
pub const ATTEMPTS: u32 = 6;

/// Why an exchange failed.
#[derive(Debug)]
pub enum ExchangeError {
    /// The transport itself failed (device unplugged, port closed).
    Io(io::Error),
    /// No valid response after every attempt.
    NoResponse { attempts: u32, last_problem: String },
}

/// Counters a benchmark and an error report use.
#[derive(Debug, Default, Clone, Copy)]
pub struct LinkStats {
    pub frames: u64,
    pub retransmissions: u64,
    /// Responses that did not check (CRC, sync) or answered another frame.
    pub bad_responses: u64,
    /// Status 3 answers: the frame was renumbered to the seq the board expects and resent.
    pub out_of_order: u64,
    /// NOPs sent to use up the seq of a frame given up on.
    pub seqs_burned: u64,
    /// Status 3 answers to another seq than the one awaited: the board refusing a stale or
    /// duplicated copy of an older frame.
    pub stale_refused: u64,
}

/// What a frame is, for building it again under another seq.
#[derive(Clone, Copy)]
enum Body<'a> {
    Command { op: u8, addr: u16, data: u64 },
    Batch { addr: u16, deltas: &'a [u64] },
}

impl Body<'_> {
    fn encode(&self, seq: u8) -> Vec<u8> {
        match *self {
            Body::Command { op, addr, data } => encode_command(seq, op, addr, data).to_vec(),
            Body::Batch { addr, deltas } => {
                encode_batch(seq, addr, deltas).expect("the count was checked before sending")
            }
        }
    }

    fn is_status(&self) -> bool {
        matches!(self, Body::Command { op, .. } if *op == STATUS_OP)
    }
}

pub struct FrameLink<T: Transport> {
    pub transport: T,
    /// The seq of the last frame the board applied (or, before any, the one before the next).
    seq: u8,
    /// The seq of the last frame given up on, while the board may still expect it.
    abandoned: Option<u8>,
    /// Received bytes not yet part of a response.
    pending: Vec<u8>,
    /// The transport's own latency (USB buffering), added to every wait.
    latency: Duration,
    pub stats: LinkStats,
}

impl<T: Transport> FrameLink<T> {
    pub fn new(transport: T, latency: Duration) -> FrameLink<T> {
        FrameLink {
            transport,
            seq: 0,
            abandoned: None,
            pending: Vec::new(),
            latency,
            stats: LinkStats::default(),
        }
    }

    /// Time to wait for the answer to a `frame_len`-byte frame: twice both frames' wire time
    /// (which also covers the board applying a batch: a few tens of link clocks per delta,
    /// far under the delta's own 80 bit times on the wire), twice the idle timeout after which the
    /// board's decoder is sure to be hunting again, and the transport's latency.
    pub fn timeout(&self, frame_len: usize) -> Duration {
        let byte_s = 1.0 / self.transport.raw_bytes_per_sec();
        let wire = (frame_len + RESPONSE_LEN) as f64 * byte_s;
        let idle = IDLE_TIMEOUT_BITS as f64 * byte_s / 10.0;
        Duration::from_secs_f64(2.0 * wire + 2.0 * idle) + self.latency
    }

    /// Learns where the board's sequence is (the link register) and numbers the next frame
    /// from there. Returns the answer (data: {have_last, last seq}).
    pub fn sync(&mut self) -> Result<Response, ExchangeError> {
        let r = self.exchange(STATUS_OP, 0, LINK_SEQ_REG)?;
        if r.data & 0x100 != 0 {
            self.seq = r.data as u8;
        }
        self.abandoned = None;
        Ok(r)
    }

    /// Sends one command and returns its response, retrying as needed.
    pub fn exchange(&mut self, op: u8, addr: u16, data: u64) -> Result<Response, ExchangeError> {
        self.exchange_body(Body::Command { op, addr, data })
    }

    /// Sends one batch frame (1 to `MAX_BATCH_DELTAS` deltas into context `addr`) and returns
    /// its response, retrying as needed; a bad count is refused before anything is sent.
    pub fn exchange_batch(
        &mut self,
        addr: u16,
        deltas: &[u64],
    ) -> Result<Result<Response, ExchangeError>, BatchError> {
        // Checks the count.
        encode_batch(0, addr, deltas)?;
        Ok(self.exchange_body(Body::Batch { addr, deltas }))
    }

    fn exchange_body(&mut self, body: Body) -> Result<Response, ExchangeError> {
        if body.is_status() {
            // Outside the sequence: any seq; the last one keeps it far from the next frame's.
            return self.attempts(body, self.seq, None);
        }
        let mut seq = self.seq.wrapping_add(1);
        let mut resyncs = 0;
        loop {
            match self.attempts(body, seq, Some(&mut resyncs)) {
                Ok(r) if r.status == FrameStatus::OutOfOrder as u8 => {
                    // Not applied. Renumber to what the board expects, burning the seq of
                    // an abandoned frame first if that is what it expects.
                    let expected = r.data as u8;
                    self.stats.out_of_order += 1;
                    if Some(expected) == self.abandoned {
                        let nop = Body::Command {
                            op: Op::Nop as u8,
                            addr: 0,
                            data: 0,
                        };
                        self.stats.seqs_burned += 1;
                        let n = self.attempts(nop, expected, Some(&mut resyncs))?;
                        // Either way the board is past the abandoned seq now.
                        self.abandoned = None;
                        if n.status == FrameStatus::OutOfOrder as u8 {
                            seq = n.data as u8;
                        } else {
                            self.seq = expected;
                            seq = expected.wrapping_add(1);
                        }
                    } else {
                        seq = expected;
                    }
                }
                Ok(r) => {
                    self.seq = seq;
                    self.abandoned = None;
                    return Ok(r);
                }
                Err(e) => {
                    // It may yet arrive: its seq is not used for another frame until burned.
                    self.seq = seq;
                    self.abandoned = Some(seq);
                    return Err(e);
                }
            }
        }
    }

    /// Sends `body` as seq `seq` until an answer for it comes (status 3 included: the caller
    /// renumbers). `resyncs` bounds renumbering across calls of one exchange: each status 3
    /// counts as an attempt.
    fn attempts(
        &mut self,
        body: Body,
        seq: u8,
        mut resyncs: Option<&mut u32>,
    ) -> Result<Response, ExchangeError> {
        let frame = body.encode(seq);
        let timeout = self.timeout(frame.len());
        let want_register = body.is_status();
        let used = resyncs.as_ref().map_or(0, |r| **r);
        let mut last_problem = if used < ATTEMPTS {
            String::from("no bytes came back")
        } else {
            String::from("the board answered \"out of order\" to every renumbering")
        };
        for attempt in used..ATTEMPTS {
            if attempt > used {
                self.stats.retransmissions += 1;
            }
            self.stats.frames += 1;
            self.transport.send(&frame).map_err(ExchangeError::Io)?;
            let deadline = self.transport.link_time() + timeout;
            while let Some(r) = self.next_response(deadline)? {
                let is_register = r.status == FrameStatus::Register as u8;
                if r.seq == seq && is_register == want_register {
                    if r.status == FrameStatus::OutOfOrder as u8 {
                        if let Some(n) = resyncs.as_deref_mut() {
                            *n = attempt + 1;
                        }
                    }
                    return Ok(r);
                }
                if r.status == FrameStatus::OutOfOrder as u8 {
                    self.stats.stale_refused += 1;
                } else {
                    self.stats.bad_responses += 1;
                }
                last_problem = format!(
                    "response for seq {} status {} while waiting for seq {seq}",
                    r.seq, r.status
                );
            }
            if last_problem.starts_with("no bytes") && !self.pending.is_empty() {
                last_problem = format!(
                    "{} bytes that are not a response frame came back",
                    self.pending.len()
                );
            }
        }
        Err(ExchangeError::NoResponse {
            attempts: ATTEMPTS,
            last_problem,
        })
    }

    /// The next response frame in the byte stream, waiting until `deadline` on the link's
    /// clock; bytes that do not start a frame that checks are skipped one at a time.
    fn next_response(&mut self, deadline: Duration) -> Result<Option<Response>, ExchangeError> {
        loop {
            let start = self
                .pending
                .iter()
                .position(|&b| b == RESPONSE_SYNC)
                .unwrap_or(self.pending.len());
            if start > 0 {
                self.stats.bad_responses += 1;
                self.pending.drain(..start);
            }
            if self.pending.len() >= RESPONSE_LEN {
                match decode_response(&self.pending[..RESPONSE_LEN]) {
                    Ok(r) => {
                        self.pending.drain(..RESPONSE_LEN);
                        return Ok(Some(r));
                    }
                    Err(_) => {
                        self.pending.remove(0);
                        continue;
                    }
                }
            }
            let now = self.transport.link_time();
            if now >= deadline {
                return Ok(None);
            }
            let got = self
                .transport
                .receive(RESPONSE_LEN - self.pending.len(), deadline - now)
                .map_err(ExchangeError::Io)?;
            if got.is_empty() {
                return Ok(None);
            }
            self.pending.extend_from_slice(&got);
        }
    }
}
