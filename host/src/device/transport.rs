//! What a link must do for the frame layer: move bytes, and say how long things took on its
//! own clock (wall time for hardware, simulated time for a simulated board).

use std::io;
use std::time::Duration;

/// A byte link to a board.
pub trait Transport {
    /// A short description for messages (`serial:///dev/ttyUSB1 at 3000000 baud`).
    fn describe(&self) -> String;
    /// Sends every byte (or fails).
    fn send(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// Sends `bytes` after any queued ones, but may keep some of them queued to go out with
    /// what is sent next: a block-based link (the Opal Kelly pipes) packs frames back to back
    /// into whole blocks instead of padding each frame's last block. Whoever then waits for
    /// an answer to bytes still queued must [`Self::flush`] first. Default: sends at once.
    fn send_ahead(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.send(bytes)
    }
    /// Sends every queued byte. [`Self::send`] flushes too (queued bytes first).
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// How many bytes [`Self::send_ahead`] has queued and not sent.
    fn queued(&self) -> usize {
        0
    }
    /// Receives up to `want` bytes, waiting at most `timeout` on the link's clock; returns
    /// what arrived (possibly nothing).
    fn receive(&mut self, want: usize, timeout: Duration) -> io::Result<Vec<u8>>;
    /// Time elapsed on the link's clock since it was opened.
    fn link_time(&self) -> Duration;
    /// The raw line rate in bytes per second (8N1 UART: baud / 10).
    fn raw_bytes_per_sec(&self) -> f64;
    /// Whether [`Self::link_time`] is simulated time.
    fn simulated(&self) -> bool;
    /// The board's clock in Hz when the transport knows it (a simulated board runs at a
    /// nominal clock); `None` for hardware, whose clock comes from its build.
    fn board_clock_hz(&self) -> Option<f64> {
        None
    }
    /// How many command frames the host may send before their answers come back. 1 (stop
    /// and wait) unless the board side holds bytes back while it is busy instead of dropping
    /// them (the FT245 FIFO, the register window); a UART cannot, so it stays at 1.
    fn max_frames_in_flight(&self) -> usize {
        1
    }
}
