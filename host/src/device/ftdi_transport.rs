//! The FTDI FT245 synchronous FIFO link (FT2232H / FT232H): frames over a [`FifoPipe`], the
//! chip's two USB bulk directions. Two pipes sit behind the one [`FtdiTransport`]:
//! - [`SimFifoPipe`] (`sim://?link=fifo`): the FIFO board top in Verilator with a simulated
//!   FT2232H on its FIFO pins ([`atomik_sim::ft2232h`]); time is simulated at the chip's
//!   60 MHz CLKOUT.
//! - `hardware::FtdiPipe` (`ftdi://`, cargo feature `ftdi`): a real chip through libftdi
//!   (the `ftdi` crate, built vendored), switched to synchronous FIFO mode.
//!
//! The ceiling quoted for the link is the chip's USB rate, 40 MB/s, not the FIFO bus's
//! 60 MB/s (one byte per CLKOUT): USB 2.0 high speed is what limits the FT2232H in FIFO mode,
//! and the simulated chip feeds and drains its buffers at that rate.

use super::transport::Transport;
use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::link::FifoLinkConfig;
use atomik_sim::ft2232h::{Ft2232hConfig, CLKOUT_HZ};
use atomik_sim::sim_board::{FifoEnd, SimBoard, SimBoardError};
use std::io;
use std::time::Duration;

/// A byte pipe to an FT245 FIFO.
pub trait FifoPipe {
    /// For messages: which chip, and how it is reached.
    fn describe(&self) -> String;
    /// Queues every byte for the FPGA.
    fn write(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// Reads up to `want` bytes from the FPGA, waiting at most `timeout` on the pipe's clock.
    fn read(&mut self, want: usize, timeout: Duration) -> io::Result<Vec<u8>>;
    /// Time on the pipe's clock since it was opened.
    fn elapsed(&self) -> Duration;
    /// The pipe's byte rate in each direction, bytes per second.
    fn bytes_per_sec(&self) -> f64;
    /// Whether [`Self::elapsed`] is simulated time.
    fn simulated(&self) -> bool;
}

/// Frames the host keeps in flight on a FIFO link (see [`Transport::max_frames_in_flight`]).
pub const FIFO_FRAMES_IN_FLIGHT: usize = 4;

/// The frame layer's [`Transport`] over any [`FifoPipe`]: the one code path of the FIFO link.
pub struct FtdiTransport<P: FifoPipe> {
    pipe: P,
}

impl<P: FifoPipe> FtdiTransport<P> {
    pub fn new(pipe: P) -> FtdiTransport<P> {
        FtdiTransport { pipe }
    }

    pub fn pipe(&self) -> &P {
        &self.pipe
    }

    pub fn pipe_mut(&mut self) -> &mut P {
        &mut self.pipe
    }
}

impl<P: FifoPipe> Transport for FtdiTransport<P> {
    fn describe(&self) -> String {
        self.pipe.describe()
    }

    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.pipe.write(bytes)
    }

    fn receive(&mut self, want: usize, timeout: Duration) -> io::Result<Vec<u8>> {
        self.pipe.read(want, timeout)
    }

    fn link_time(&self) -> Duration {
        self.pipe.elapsed()
    }

    fn raw_bytes_per_sec(&self) -> f64 {
        self.pipe.bytes_per_sec()
    }

    fn simulated(&self) -> bool {
        self.pipe.simulated()
    }

    /// The FT245 board side reads a byte only when its frame bridge can take it, so frames
    /// sent ahead wait in the chip's 4 KiB receive buffer: four full batch frames (2088
    /// bytes) fit, enough to keep the bus busy while the board applies one (see
    /// docs/protocol.md, "Frames in flight").
    fn max_frames_in_flight(&self) -> usize {
        FIFO_FRAMES_IN_FLIGHT
    }

    /// The simulated FIFO board runs its core on the chip's CLKOUT; hardware's clock comes
    /// from its build.
    fn board_clock_hz(&self) -> Option<f64> {
        self.pipe.simulated().then_some(CLKOUT_HZ)
    }
}

/// How long the host waits for an answer beyond the bytes' own time: the board's frame timeout
/// (so a retransmission always finds the decoder hunting) and, on hardware, USB's latency.
pub fn answer_latency(link: &FifoLinkConfig, hardware: bool) -> Duration {
    let timeout = Duration::from_secs_f64(link.idle_timeout_us * 1e-6);
    if hardware {
        // The latency timer is set to 1 ms; USB schedules a transfer per 125 us microframe.
        timeout + Duration::from_millis(20)
    } else {
        timeout
    }
}

/// The FIFO board top in Verilator with a simulated FT2232H on its pins; one clock is one
/// CLKOUT period (60 MHz).
pub struct SimFifoPipe {
    board: SimBoard<FifoEnd>,
    start_cycles: u64,
}

impl SimFifoPipe {
    /// Builds (or loads from the cache) the board model and runs it through its reset.
    pub fn new(lanes: LanesConfig, chip: Ft2232hConfig) -> Result<SimFifoPipe, SimBoardError> {
        let mut board = SimBoard::new_fifo(lanes, FifoLinkConfig::ftdi(), chip)?;
        board.settle();
        let start_cycles = board.cycles();
        Ok(SimFifoPipe {
            board,
            start_cycles,
        })
    }

    pub fn board(&self) -> &SimBoard<FifoEnd> {
        &self.board
    }

    /// Runs the board with nothing sent for `d` of simulated time.
    pub fn idle(&mut self, d: Duration) -> Vec<u8> {
        self.board.idle((d.as_secs_f64() * CLKOUT_HZ).ceil() as u64)
    }
}

impl FifoPipe for SimFifoPipe {
    fn describe(&self) -> String {
        format!(
            "sim://?link=fifo ({}, simulated FT2232H FIFO at {} MHz, USB {} MB/s)",
            self.board.lanes().name(),
            CLKOUT_HZ / 1e6,
            self.bytes_per_sec() / 1e6
        )
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.board.send(bytes);
        Ok(())
    }

    fn read(&mut self, want: usize, timeout: Duration) -> io::Result<Vec<u8>> {
        let max = (timeout.as_secs_f64() * CLKOUT_HZ).ceil() as u64;
        Ok(self.board.receive(want, max))
    }

    fn elapsed(&self) -> Duration {
        Duration::from_secs_f64((self.board.cycles() - self.start_cycles) as f64 / CLKOUT_HZ)
    }

    fn bytes_per_sec(&self) -> f64 {
        self.board.chip().config().usb_bytes_per_clock * CLKOUT_HZ
    }

    fn simulated(&self) -> bool {
        true
    }
}

/// Which FTDI chip `ftdi://` opens: `ftdi://[?serial=S][&description=D][&index=N]` picks
/// among chips with FTDI's vendor ID and the FT2232H (0x6010) or FT232H (0x6014) product ID.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FtdiSelector {
    pub serial: Option<String>,
    pub description: Option<String>,
    /// The n-th matching chip (0 = the first).
    pub index: u32,
    /// The product ID: 0x6010 (FT2232H, channel A in FIFO mode) or 0x6014 (FT232H).
    pub pid: u16,
}

/// Opens a real chip; without the `ftdi` feature, an error naming the feature.
pub fn open_hardware(selector: &FtdiSelector) -> io::Result<Box<dyn Transport>> {
    #[cfg(feature = "ftdi")]
    {
        let pipe = hardware::FtdiPipe::open(selector)?;
        Ok(Box::new(FtdiTransport::new(pipe)))
    }
    #[cfg(not(feature = "ftdi"))]
    {
        let _ = selector;
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "this build has no FTDI hardware support: rebuild with \
             `cargo build --release -p atomik-host --features ftdi` (libftdi and libusb are \
             compiled in, vendored); `sim://?link=fifo` simulates the same link",
        ))
    }
}

#[cfg(feature = "ftdi")]
mod hardware {
    //! libftdi through the `ftdi` crate: channel A (the FT245 FIFO needs it on the FT2232H),
    //! bit mode reset then synchronous FIFO (0x40), latency timer 1 ms, buffers purged.
    use super::{FifoPipe, FtdiSelector};
    use std::io::{self, Read, Write};
    use std::time::{Duration, Instant};

    const FTDI_VID: u16 = 0x0403;

    pub struct FtdiPipe {
        device: ftdi::Device,
        what: String,
        opened: Instant,
    }

    fn io_err(what: &str, e: ftdi::Error) -> io::Error {
        io::Error::other(format!("{what}: {e}"))
    }

    impl FtdiPipe {
        pub fn open(sel: &FtdiSelector) -> io::Result<FtdiPipe> {
            let mut opener = ftdi::find_by_vid_pid(FTDI_VID, sel.pid)
                .interface(ftdi::Interface::A)
                .nth(sel.index);
            if let Some(s) = &sel.serial {
                opener = opener.serial(s);
            }
            if let Some(d) = &sel.description {
                opener = opener.description(d);
            }
            let what = format!(
                "FTDI {:04x}:{:04x} #{}{}{}",
                FTDI_VID,
                sel.pid,
                sel.index,
                sel.serial
                    .as_ref()
                    .map(|s| format!(" serial {s}"))
                    .unwrap_or_default(),
                sel.description
                    .as_ref()
                    .map(|d| format!(" \"{d}\""))
                    .unwrap_or_default()
            );
            let mut device = opener.open().map_err(|e| io_err(&what, e))?;
            device.usb_reset().map_err(|e| io_err(&what, e))?;
            device
                .set_bitmode(0xff, ftdi::BitMode::Reset)
                .map_err(|e| io_err(&what, e))?;
            device
                .set_bitmode(0xff, ftdi::BitMode::Syncff)
                .map_err(|e| io_err(&what, e))?;
            // A short answer leaves the chip after 1 ms instead of the default 16.
            device.set_latency_timer(1).map_err(|e| io_err(&what, e))?;
            device.set_read_chunksize(0x10000);
            device.set_write_chunksize(0x10000);
            device.usb_purge_buffers().map_err(|e| io_err(&what, e))?;
            Ok(FtdiPipe {
                device,
                what,
                opened: Instant::now(),
            })
        }
    }

    impl FifoPipe for FtdiPipe {
        fn describe(&self) -> String {
            format!("ftdi:// ({}, synchronous FIFO)", self.what)
        }

        fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
            self.device.write_all(bytes)
        }

        fn read(&mut self, want: usize, timeout: Duration) -> io::Result<Vec<u8>> {
            let deadline = Instant::now() + timeout;
            let mut got = Vec::with_capacity(want);
            let mut buf = vec![0u8; want];
            while got.len() < want && Instant::now() < deadline {
                let n = self.device.read(&mut buf[..want - got.len()])?;
                got.extend_from_slice(&buf[..n]);
            }
            Ok(got)
        }

        fn elapsed(&self) -> Duration {
            self.opened.elapsed()
        }

        fn bytes_per_sec(&self) -> f64 {
            atomik_sim::ft2232h::USB_BYTES_PER_SEC
        }

        fn simulated(&self) -> bool {
            false
        }
    }
}
