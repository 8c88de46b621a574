//! `serial://`: a board's USB-UART bridge through the OS serial driver (8N1, no flow control).
//! Tests run it against a pseudo-terminal whose other end is a simulated board.

use super::transport::Transport;
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

pub struct SerialTransport {
    path: String,
    baud: u32,
    port: Box<dyn serialport::SerialPort>,
    opened: Instant,
}

impl SerialTransport {
    pub fn open(path: &str, baud: u32) -> io::Result<SerialTransport> {
        let port = serialport::new(path, baud)
            .timeout(Duration::from_millis(10))
            .open()
            .map_err(|e| io::Error::other(format!("{path}: {e}")))?;
        Ok(SerialTransport {
            path: path.into(),
            baud,
            port,
            opened: Instant::now(),
        })
    }
}

impl Transport for SerialTransport {
    fn describe(&self) -> String {
        format!("serial://{} at {} baud", self.path, self.baud)
    }

    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.port.write_all(bytes)?;
        self.port.flush()
    }

    fn receive(&mut self, want: usize, timeout: Duration) -> io::Result<Vec<u8>> {
        let deadline = Instant::now() + timeout;
        let mut got = Vec::with_capacity(want);
        let mut buf = vec![0u8; want];
        while got.len() < want && Instant::now() < deadline {
            match self.port.read(&mut buf[..want - got.len()]) {
                Ok(0) => {}
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::TimedOut => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(got)
    }

    fn link_time(&self) -> Duration {
        self.opened.elapsed()
    }

    fn raw_bytes_per_sec(&self) -> f64 {
        self.baud as f64 / 10.0
    }

    fn simulated(&self) -> bool {
        false
    }
}
