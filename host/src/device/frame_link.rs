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
//!
//! **Frames in flight** ([`FrameLink::exchange_batches`]): on a link whose board holds bytes
//! back while busy ([`Transport::max_frames_in_flight`] above 1), batch frames go out up to W
//! ahead of their answers, numbered consecutively (go-back-N). Why any resend is safe: the
//! board applies only `last + 1`, so a resent frame whose seq it already applied is either
//! `last` (answered from the stored response, not applied) or older (answered status 3, not
//! applied); and a seq is reused only 256 frames later, far beyond the window plus the
//! 16-frame reach of stale copies. So every answer is a true statement: status 0 for seq s
//! means the frame numbered s, and every frame before it, was applied; status 3 expecting E
//! means everything before E was applied and nothing from E on. The host advances its first
//! unacknowledged frame accordingly and, on status 3 or a timeout, sends again from there with
//! the same seqs. Window frames go out with [`Transport::send_ahead`], so a block-based link
//! may hold a frame's tail to pack it with the next frame; the host flushes before waiting
//! for an answer whose frame is still partly held. Frames whose answer carries data (READ,
//! SWAP, SWAP_LOAD, STATUS) stay stop and wait, sent only with no frame in flight.

use super::transport::Transport;
use atomik_hdl::link::frame::{
    batch_len, decode_response, encode_batch, encode_command, BatchError, FrameStatus, Response,
    IDLE_TIMEOUT_BITS, LINK_SEQ_REG, RESPONSE_LEN, RESPONSE_SYNC, STATUS_OP,
};
use atomik_hdl::Op;
use std::io;
use std::time::Duration;

/// Attempts per command before giving up (for a window of frames: passes from the first
/// unacknowledged frame without progress).
pub const ATTEMPTS: u32 = 6;

/// The most frames [`FrameLink::exchange_batches`] keeps in flight, whatever the transport
/// says: far below the 256 seqs, so no seq in flight is ever confused with an older one.
pub const MAX_FRAMES_IN_FLIGHT: usize = 32;

/// What [`FrameLink::exchange_batches`] did.
#[derive(Debug)]
pub struct BatchRun {
    /// Frames answered status 0, in order from the first.
    pub acked: usize,
    /// `None` when every frame was; else the answer (status 1 or 2) or error that stopped it.
    pub stop: Option<Result<Response, ExchangeError>>,
}

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
    /// Seqs of frames given up on, `(first, count)`, while the board may still expect one:
    /// any of them may yet arrive and be applied, so none is reused before it is burned.
    abandoned: Option<(u8, u8)>,
    /// The board has applied a frame since its reset (`have_last`), as far as the host knows.
    /// Until it has, it applies the first frame that checks whatever its seq, so a later frame
    /// of a window could be applied in place of a lost first one: the first frame goes alone.
    in_sequence: bool,
    /// STATUS frames sent (wraps): numbers each one apart from the last.
    status_count: u8,
    /// Received bytes not yet part of a response.
    pending: Vec<u8>,
    /// The transport's own latency (USB buffering), added to every wait.
    latency: Duration,
    pub stats: LinkStats,
}

impl<T: Transport> FrameLink<T> {
    /// Whether `seq` is the seq of a frame given up on.
    fn is_abandoned(&self, seq: u8) -> bool {
        self.abandoned
            .is_some_and(|(first, count)| seq.wrapping_sub(first) < count)
    }

    pub fn new(transport: T, latency: Duration) -> FrameLink<T> {
        FrameLink {
            transport,
            seq: 0,
            abandoned: None,
            in_sequence: false,
            status_count: 0,
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
        self.in_sequence = r.data & 0x100 != 0;
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

    /// Sends batch frames of `chunks` (each 1 to `MAX_BATCH_DELTAS` deltas into context
    /// `addr`), in order, with up to [`Transport::max_frames_in_flight`] of them awaiting
    /// their answers (go-back-N, see the module's notes). Returns how many frames (a prefix of
    /// `chunks`) were answered status 0, and what stopped the run: `None` when all were,
    /// else the first frame's other answer (status 1 or 2) or the error that ended it (the
    /// frames from the first unacknowledged one on may then have been applied or not).
    pub fn exchange_batches(
        &mut self,
        addr: u16,
        chunks: &[&[u64]],
    ) -> Result<BatchRun, BatchError> {
        for chunk in chunks {
            encode_batch(0, addr, chunk)?;
        }
        let window = self
            .transport
            .max_frames_in_flight()
            .clamp(1, MAX_FRAMES_IN_FLIGHT);
        let mut acked = 0;
        // Stop and wait for one window, for a first frame after one was given up on (it
        // settles the abandoned seqs before any frame goes out ahead), and for the first
        // frame the board applies after its reset (it takes any seq then).
        while acked < chunks.len() && (window == 1 || self.abandoned.is_some() || !self.in_sequence)
        {
            match self.exchange_body(Body::Batch {
                addr,
                deltas: chunks[acked],
            }) {
                Ok(r) if r.status == FrameStatus::Ok as u8 => acked += 1,
                stop => {
                    return Ok(BatchRun {
                        acked,
                        stop: Some(stop),
                    })
                }
            }
        }
        let (more, stop) = self.pipeline(addr, &chunks[acked..], window);
        Ok(BatchRun {
            acked: acked + more,
            stop,
        })
    }

    /// The go-back-N loop of [`Self::exchange_batches`].
    fn pipeline(
        &mut self,
        addr: u16,
        chunks: &[&[u64]],
        window: usize,
    ) -> (usize, Option<Result<Response, ExchangeError>>) {
        let n = chunks.len();
        // Frame `acked` (the first unacknowledged) carries seq `base`; frame i, base + i - acked.
        let mut acked = 0;
        let mut base = self.seq.wrapping_add(1);
        // Frames sent from `acked` on (in the current pass), and the most ever sent.
        let mut sent = 0;
        let mut most_sent = 0;
        let longest = chunks.iter().map(|c| c.len()).max().unwrap_or(1);
        let frame_len = encode_batch(0, addr, &vec![0; longest]).map_or(0, |f| f.len());
        // The oldest frame's answer comes after the frames queued ahead of it are applied.
        let wire =
            (window * (frame_len + RESPONSE_LEN)) as f64 / self.transport.raw_bytes_per_sec();
        let timeout = self.timeout(frame_len) + Duration::from_secs_f64(wire);
        let mut deadline = Duration::ZERO;
        // Passes from `acked` without progress; after a go-back, status 3 answers naming the
        // same frame are the earlier pass's and do not send the window again.
        let mut passes = 0;
        let mut went_back_to: Option<usize> = None;
        let mut last_problem = String::from("no bytes came back");
        loop {
            if acked == n {
                self.seq = base.wrapping_sub(1);
                return (acked, None);
            }
            while acked + sent < n && sent < window {
                let i = acked + sent;
                let seq = base.wrapping_add(sent as u8);
                let frame = Body::Batch {
                    addr,
                    deltas: chunks[i],
                }
                .encode(seq);
                if sent == 0 {
                    deadline = self.transport.link_time() + timeout;
                }
                if sent < most_sent {
                    self.stats.retransmissions += 1;
                }
                self.stats.frames += 1;
                if let Err(e) = self.transport.send_ahead(&frame) {
                    return self.give_up(
                        acked,
                        base,
                        most_sent.max(sent + 1),
                        Some(ExchangeError::Io(e)),
                        &last_problem,
                    );
                }
                sent += 1;
                most_sent = most_sent.max(sent);
            }
            // The frames behind the first unacknowledged one may wait in the transport's
            // queue (packed with the next frame); a byte of the first may not, or its answer
            // never comes.
            let behind: usize = (acked + 1..acked + sent)
                .map(|i| batch_len(chunks[i].len()))
                .sum();
            if self.transport.queued() > behind {
                if let Err(e) = self.transport.flush() {
                    return self.give_up(
                        acked,
                        base,
                        most_sent,
                        Some(ExchangeError::Io(e)),
                        &last_problem,
                    );
                }
            }
            let response = match self.next_response(deadline) {
                Ok(r) => r,
                Err(e) => return self.give_up(acked, base, most_sent, Some(e), &last_problem),
            };
            let Some(r) = response else {
                // Timeout: everything in flight is lost or late; send again from the first.
                passes += 1;
                if passes >= ATTEMPTS {
                    return self.give_up(acked, base, most_sent, None, &last_problem);
                }
                sent = 0;
                went_back_to = Some(acked);
                continue;
            };
            let offset = r.seq.wrapping_sub(base) as usize;
            if r.status == FrameStatus::Register as u8 || offset >= most_sent {
                // Not an answer to a frame of this window (a stale or late answer).
                if r.status == FrameStatus::OutOfOrder as u8 {
                    self.stats.stale_refused += 1;
                } else {
                    self.stats.bad_responses += 1;
                }
                last_problem = format!(
                    "response for seq {} status {} while waiting for seq {base}",
                    r.seq, r.status
                );
                continue;
            }
            let progress = if r.status == FrameStatus::OutOfOrder as u8 {
                self.stats.out_of_order += 1;
                let expected = r.data as u8;
                let ahead = expected.wrapping_sub(base) as usize;
                if ahead <= most_sent {
                    ahead
                } else if ahead < 128 {
                    // The board expects a seq past every frame sent (another host numbered
                    // on): renumber the frames from it and send them again.
                    base = expected;
                    sent = 0;
                    most_sent = 0;
                    went_back_to = Some(acked);
                    passes += 1;
                    if passes >= ATTEMPTS {
                        return self.give_up(acked, base, 0, None, &last_problem);
                    }
                    continue;
                } else {
                    // Behind the window: an old answer; the board never goes back.
                    self.stats.stale_refused += 1;
                    continue;
                }
            } else {
                offset + 1
            };
            if progress > 0 {
                acked += progress;
                base = base.wrapping_add(progress as u8);
                sent = sent.saturating_sub(progress);
                most_sent -= progress.min(most_sent);
                passes = 0;
                went_back_to = None;
                deadline = self.transport.link_time() + timeout;
                if r.status != FrameStatus::Ok as u8 && r.status != FrameStatus::OutOfOrder as u8 {
                    // Status 1 or 2 for frame `acked - 1` (not from a board that works: the
                    // counts were checked): nothing of it applied. Frames sent after it may be
                    // applied or not, so their seqs are abandoned like a lost window's.
                    self.seq = base.wrapping_sub(1);
                    if most_sent > 0 {
                        self.abandoned = Some((base, most_sent as u8));
                        self.seq = base.wrapping_add(most_sent as u8).wrapping_sub(1);
                    }
                    return (acked - 1, Some(Ok(r)));
                }
            }
            if r.status == FrameStatus::OutOfOrder as u8 && went_back_to != Some(acked) {
                // Frame `acked` was not applied: send again from it (same seqs).
                passes += 1;
                if passes >= ATTEMPTS {
                    return self.give_up(acked, base, most_sent, None, &last_problem);
                }
                last_problem = String::from("the board answered \"out of order\" to every pass");
                sent = 0;
                went_back_to = Some(acked);
            }
        }
    }

    /// Ends a window run that lost its link or its answers: frames `acked` to
    /// `acked + in_flight - 1` (seqs from `base`) may each have been applied or not, so their
    /// seqs are kept as abandoned until burned.
    fn give_up(
        &mut self,
        acked: usize,
        base: u8,
        in_flight: usize,
        io: Option<ExchangeError>,
        last_problem: &str,
    ) -> (usize, Option<Result<Response, ExchangeError>>) {
        // Frames still queued in the transport go out now, so that every frame counted in
        // flight has left the host (and a later frame is never sent behind their bytes).
        let io = match (io, self.transport.flush()) {
            (None, Err(e)) => Some(ExchangeError::Io(e)),
            (io, _) => io,
        };
        if in_flight > 0 {
            self.abandoned = Some((base, in_flight as u8));
            self.seq = base.wrapping_add(in_flight as u8).wrapping_sub(1);
        }
        let e = io.unwrap_or(ExchangeError::NoResponse {
            attempts: ATTEMPTS,
            last_problem: last_problem.to_string(),
        });
        (acked, Some(Err(e)))
    }

    fn exchange_body(&mut self, body: Body) -> Result<Response, ExchangeError> {
        if body.is_status() {
            // Outside the sequence: any seq. Each STATUS read gets its own (128 past the
            // sequence, plus a count), so that a stale copy of an earlier STATUS frame (which
            // the board executes too) cannot answer for this one: two STATUS seqs within any
            // 16 frames differ, as the count and the sequence only move forward.
            self.status_count = self.status_count.wrapping_add(1);
            let seq = self.seq.wrapping_add(128).wrapping_add(self.status_count);
            return self.attempts(body, seq, None);
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
                    if self.is_abandoned(expected) {
                        // Burn every abandoned seq from the one expected on, so that no
                        // delayed copy of an abandoned frame can take a new frame's place.
                        let mut burn = expected;
                        seq = loop {
                            let nop = Body::Command {
                                op: Op::Nop as u8,
                                addr: 0,
                                data: 0,
                            };
                            self.stats.seqs_burned += 1;
                            let n = self.attempts(nop, burn, Some(&mut resyncs))?;
                            if n.status == FrameStatus::OutOfOrder as u8 {
                                // The board is elsewhere: the loop above decides again.
                                break n.data as u8;
                            }
                            self.seq = burn;
                            burn = burn.wrapping_add(1);
                            if !self.is_abandoned(burn) {
                                // The board is past every abandoned seq now.
                                self.abandoned = None;
                                break burn;
                            }
                        };
                    } else {
                        seq = expected;
                    }
                }
                Ok(r) => {
                    self.seq = seq;
                    self.abandoned = None;
                    self.in_sequence = true;
                    return Ok(r);
                }
                Err(e) => {
                    // It may yet arrive: its seq is not used for another frame until burned.
                    self.seq = seq;
                    self.abandoned = Some((seq, 1));
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
