//! The Opal Kelly link's [`Transport`]: frames packed into pipe-in blocks (a header word with
//! the byte count, then the bytes) and answers unpacked from pipe-out words (a count and up to
//! three bytes each), as `atomik_hdl::link::ok_pipe` defines them, over any [`FrontPanel`] —
//! the simulated one (`ok://sim`) or the SDK's (`ok://SERIAL`), so tests run the hardware's
//! code path. Opening resets the link and checks the board's geometry WireOut: the block sizes
//! come from the board, not from a guess.
//!
//! Frames go back to back: a block's header carries its byte count, so a frame may start in
//! the block where the previous one ends and straddle blocks. [`Transport::send_ahead`] sends
//! only whole blocks and keeps the rest (less than a block) for the next frame; only a flush
//! (before the host waits for an answer to queued bytes) pads a block. Why: USB 2's 40 MB/s
//! is the bound there, and padding each 64-delta frame's last block cost 3.4 % of it (144
//! instead of 139.2 pipe-in words a frame in 16-word blocks).

use super::frontpanel::{FrontPanel, FrontPanelError};
use super::transport::Transport;
use atomik_hdl::link::ok_pipe::{
    pack_in_blocks, unpack_out_words, OkPipeConfig, GEOMETRY_TAG, PIPE_IN_ADDR, PIPE_OUT_ADDR,
    WIRE_GEOMETRY_ADDR,
};
use std::collections::VecDeque;
use std::io;
use std::time::Duration;

pub struct OkTransport<F: FrontPanel> {
    fp: F,
    in_block_words: usize,
    out_block_words: usize,
    /// Answer bytes read beyond what the frame layer asked for.
    pending: VecDeque<u8>,
    /// Frame bytes queued by `send_ahead`, fewer than a block carries.
    queue: Vec<u8>,
}

fn io_error(e: FrontPanelError) -> io::Error {
    let kind = match e {
        FrontPanelError::Gone { .. } => io::ErrorKind::NotConnected,
        FrontPanelError::Timeout { .. } => io::ErrorKind::TimedOut,
        _ => io::ErrorKind::Other,
    };
    io::Error::new(kind, e.to_string())
}

impl<F: FrontPanel> OkTransport<F> {
    /// Resets the link and reads the board's block sizes from its geometry WireOut.
    pub fn open(mut fp: F) -> Result<OkTransport<F>, FrontPanelError> {
        fp.reset()?;
        fp.update_wire_outs()?;
        let word = fp.get_wire_out(WIRE_GEOMETRY_ADDR);
        let (in_words, out_words) = OkPipeConfig::decode_geometry(word).ok_or_else(|| {
            FrontPanelError::Usage(format!(
                "{}: WireOut {WIRE_GEOMETRY_ADDR:#04x} reads {word:#010x}, not the ATOMiK pipe \
                 link's geometry (tag {GEOMETRY_TAG:#06x} in bits 31:16): is the ATOMiK \
                 bitstream loaded?",
                fp.describe()
            ))
        })?;
        if in_words < 2 || out_words == 0 {
            return Err(FrontPanelError::Usage(format!(
                "{}: geometry {word:#010x} gives {in_words}-word in / {out_words}-word out \
                 blocks, which carry nothing",
                fp.describe()
            )));
        }
        Ok(OkTransport {
            fp,
            in_block_words: in_words as usize,
            out_block_words: out_words as usize,
            pending: VecDeque::new(),
            queue: Vec::new(),
        })
    }

    /// Sends the first `n` queued bytes in one pipe-in call (the last block padded). The
    /// bytes leave the queue whether or not the call succeeds: after a failed call the board
    /// may hold any part of them, and the frame layer treats their frames as maybe applied.
    fn write_blocks(&mut self, n: usize) -> io::Result<()> {
        if n == 0 {
            return Ok(());
        }
        let blocks = pack_in_blocks(&self.queue[..n], self.in_block_words);
        self.queue.drain(..n);
        self.fp
            .write_block_pipe_in(PIPE_IN_ADDR, 4 * self.in_block_words, &blocks)
            .map_err(io_error)
    }

    pub fn frontpanel(&self) -> &F {
        &self.fp
    }

    /// `(in, out)` block sizes in words, as the board reported them.
    pub fn block_words(&self) -> (usize, usize) {
        (self.in_block_words, self.out_block_words)
    }
}

impl<F: FrontPanel> Transport for OkTransport<F> {
    fn describe(&self) -> String {
        self.fp.describe()
    }

    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.send_ahead(bytes)?;
        self.flush()
    }

    fn send_ahead(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.queue.extend_from_slice(bytes);
        // Stream bytes a block carries after its header word.
        let capacity = 4 * (self.in_block_words - 1);
        let whole = self.queue.len() / capacity * capacity;
        self.write_blocks(whole)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.write_blocks(self.queue.len())
    }

    fn queued(&self) -> usize {
        self.queue.len()
    }

    fn receive(&mut self, want: usize, timeout: Duration) -> io::Result<Vec<u8>> {
        let deadline = self.fp.elapsed() + timeout;
        let block = 4 * self.out_block_words;
        let mut buf = vec![0u8; block];
        while self.pending.len() < want {
            let now = self.fp.elapsed();
            if now >= deadline {
                break;
            }
            match self
                .fp
                .read_block_pipe_out(PIPE_OUT_ADDR, block, &mut buf, deadline - now)
            {
                Ok(n) => {
                    let words: Vec<u32> = buf[..n]
                        .chunks(4)
                        .map(|c| u32::from_le_bytes(c.try_into().expect("whole words")))
                        .collect();
                    let bytes = unpack_out_words(&words).map_err(|e| {
                        io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!("{}: {e}", self.fp.describe()),
                        )
                    })?;
                    self.pending.extend(bytes);
                }
                Err(FrontPanelError::Timeout { .. }) => break,
                Err(e) => return Err(io_error(e)),
            }
        }
        let n = want.min(self.pending.len());
        Ok(self.pending.drain(..n).collect())
    }

    fn link_time(&self) -> Duration {
        self.fp.elapsed()
    }

    fn raw_bytes_per_sec(&self) -> f64 {
        self.fp.usb_bytes_per_sec()
    }

    fn simulated(&self) -> bool {
        self.fp.simulated()
    }

    fn board_clock_hz(&self) -> Option<f64> {
        self.fp.board_clock_hz()
    }

    /// The pipe PHY hands the bridge a byte only when the bridge takes it, so frames sent
    /// ahead wait in its pipe-in buffer (and `ep_ready` throttles the host's blocks); the
    /// answers of four frames (20 words) fit the 64-word pipe-out buffer while the host is
    /// still writing.
    fn max_frames_in_flight(&self) -> usize {
        OK_FRAMES_IN_FLIGHT
    }
}

/// Frames the host sends ahead of their answers on the pipe link.
pub const OK_FRAMES_IN_FLIGHT: usize = 4;

/// A boxed FrontPanel is a FrontPanel (the hardware one is chosen at run time).
impl FrontPanel for Box<dyn FrontPanel> {
    fn describe(&self) -> String {
        (**self).describe()
    }
    fn write_block_pipe_in(
        &mut self,
        ep: u8,
        block_size: usize,
        data: &[u8],
    ) -> Result<(), FrontPanelError> {
        (**self).write_block_pipe_in(ep, block_size, data)
    }
    fn read_block_pipe_out(
        &mut self,
        ep: u8,
        block_size: usize,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, FrontPanelError> {
        (**self).read_block_pipe_out(ep, block_size, buf, timeout)
    }
    fn update_wire_outs(&mut self) -> Result<(), FrontPanelError> {
        (**self).update_wire_outs()
    }
    fn get_wire_out(&self, ep: u8) -> u32 {
        (**self).get_wire_out(ep)
    }
    fn reset(&mut self) -> Result<(), FrontPanelError> {
        (**self).reset()
    }
    fn elapsed(&self) -> Duration {
        (**self).elapsed()
    }
    fn usb_bytes_per_sec(&self) -> f64 {
        (**self).usb_bytes_per_sec()
    }
    fn simulated(&self) -> bool {
        (**self).simulated()
    }
    fn board_clock_hz(&self) -> Option<f64> {
        (**self).board_clock_hz()
    }
}
