//! Stop-and-wait over a [`Transport`]: each command or batch frame gets the next sequence
//! number, is retransmitted on a missing or corrupt answer, and a response is accepted only
//! with the frame's own sequence number. The board applies a retransmitted frame once (it keeps
//! the last sequence number; see `atomik_hdl::link::frame`), so a retry never doubles a delta.
//! Waiting for each answer is also the back-pressure: the next frame leaves only once the
//! board has applied the last one.

use super::transport::Transport;
use atomik_hdl::link::frame::{
    decode_response, encode_batch, encode_command, BatchError, Response, IDLE_TIMEOUT_BITS,
    RESPONSE_LEN,
};
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
    pub bad_responses: u64,
}

pub struct FrameLink<T: Transport> {
    pub transport: T,
    seq: u8,
    /// The transport's own latency (USB buffering), added to every wait.
    latency: Duration,
    pub stats: LinkStats,
}

impl<T: Transport> FrameLink<T> {
    pub fn new(transport: T, latency: Duration) -> FrameLink<T> {
        FrameLink {
            transport,
            seq: 0,
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

    /// Sends one command and returns its response, retrying as needed.
    pub fn exchange(&mut self, op: u8, addr: u16, data: u64) -> Result<Response, ExchangeError> {
        self.seq = self.seq.wrapping_add(1);
        let frame = encode_command(self.seq, op, addr, data);
        self.exchange_frame(&frame)
    }

    /// Sends one batch frame (1 to `MAX_BATCH_DELTAS` deltas into context `addr`) and returns
    /// its response, retrying as needed; a bad count is refused before anything is sent.
    pub fn exchange_batch(
        &mut self,
        addr: u16,
        deltas: &[u64],
    ) -> Result<Result<Response, ExchangeError>, BatchError> {
        let frame = encode_batch(self.seq.wrapping_add(1), addr, deltas)?;
        self.seq = self.seq.wrapping_add(1);
        Ok(self.exchange_frame(&frame))
    }

    /// Sends `frame` (whose seq is `self.seq`) until a valid response with that seq comes.
    fn exchange_frame(&mut self, frame: &[u8]) -> Result<Response, ExchangeError> {
        let timeout = self.timeout(frame.len());
        let mut last_problem = String::from("no bytes came back");
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                self.stats.retransmissions += 1;
            }
            self.stats.frames += 1;
            self.transport.send(frame).map_err(ExchangeError::Io)?;
            let got = self
                .transport
                .receive(RESPONSE_LEN, timeout)
                .map_err(ExchangeError::Io)?;
            if got.is_empty() {
                last_problem = "no bytes came back".into();
                continue;
            }
            match decode_response(&got) {
                Ok(r) if r.seq == self.seq => return Ok(r),
                Ok(r) => {
                    self.stats.bad_responses += 1;
                    last_problem =
                        format!("response for seq {} while waiting for {}", r.seq, self.seq);
                }
                Err(e) => {
                    self.stats.bad_responses += 1;
                    last_problem = e.to_string();
                }
            }
            // Let anything still arriving drain, and the decoder time out, before retrying.
            let _ = self.transport.receive(4096, timeout / 2);
        }
        Err(ExchangeError::NoResponse {
            attempts: ATTEMPTS,
            last_problem,
        })
    }
}
