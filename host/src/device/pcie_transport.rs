//! `pcie://`: the register window (`atomik_hdl::link::mmio_window`) through a memory mapping
//! with volatile 32-bit accesses: a device's BAR through sysfs
//! (`/sys/bus/pci/devices/DDDD:BB:DD.F/resource0`), or any file laid out like one. The
//! simulated window ([`super::pcie_sim`]) is such a file, mapped by this same code.
//!
//! Sending writes bytes into the TX ring and then TX_HEAD (posted writes); receiving polls
//! RX_HEAD, reads the ring words below it and returns the space with RX_TAIL. Every word has
//! one writer, so nothing here relies on read side effects. A [`WindowClock`] says what time
//! it is and is told of every read: on hardware time passes by itself; the simulated device
//! runs for the duration of a bus read instead (see [`super::pcie_sim`]).
//!
//! A device that goes away is noticed before the next access: the mapped file shrinking below
//! the window (the simulator's file truncated), or the ID register reading something else
//! (all ones after a surprise removal). Caveat: another process truncating the file between
//! that check and an access would raise SIGBUS; the simulator runs in this process.

use super::transport::Transport;
use atomik_hdl::link::mmio_window::{reg, WINDOW_ID, WINDOW_VERSION, WINDOW_WORDS};
use memmap2::{MmapOptions, MmapRaw};
use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Bytes a BAR (or file) must have: the window's decoded words.
pub const WINDOW_BYTES: u64 = WINDOW_WORDS as u64 * 4;

/// Time on the transport's side, and what happens while it waits.
pub trait WindowClock {
    /// Time since the transport was opened.
    fn now(&self) -> Duration;
    /// Called after each register read (the unit of waiting: a poll is a read).
    fn after_read(&mut self);
    /// Whether [`Self::now`] is simulated time.
    fn simulated(&self) -> bool;
}

/// Frames the host keeps in flight through the register window (see
/// [`Transport::max_frames_in_flight`]).
pub const PCIE_FRAMES_IN_FLIGHT: usize = 4;

/// Hardware: wall-clock time; a read takes as long as the bus takes.
pub struct WallClock {
    start: Instant,
}

impl Default for WallClock {
    fn default() -> Self {
        WallClock {
            start: Instant::now(),
        }
    }
}

impl WindowClock for WallClock {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }
    fn after_read(&mut self) {
        std::hint::spin_loop();
    }
    fn simulated(&self) -> bool {
        false
    }
}

/// A mapped register window carrying the link's byte stream.
pub struct PcieTransport {
    what: String,
    path: PathBuf,
    file: File,
    map: MmapRaw,
    ring_words: u32,
    clock_hz: f64,
    /// Host-owned indices (the device keeps a copy of each; we never need to read them).
    tx_head: u32,
    rx_tail: u32,
    /// The device's TX_TAIL as last read (space is re-read only when the ring looks full).
    tx_tail_seen: u32,
    /// The ring word `tx_head` is in, as written so far: with frames in flight the bytes
    /// before `tx_head` in it may not have been taken yet, so a send rewrites them as they were.
    tx_word: u32,
    clock: Box<dyn WindowClock>,
}

/// `DDDD:BB:DD.F` in hex, as sysfs names PCI functions.
pub fn valid_bdf(bdf: &str) -> bool {
    let b = bdf.as_bytes();
    let hex = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_hexdigit);
    b.len() == 12
        && hex(0..4)
        && b[4] == b':'
        && hex(5..7)
        && b[7] == b':'
        && hex(8..10)
        && b[10] == b'.'
        && (b'0'..=b'7').contains(&b[11])
}

impl PcieTransport {
    /// BAR 0 of PCI function `bdf` (`0000:01:00.0`) through sysfs.
    pub fn open_bar(bdf: &str, clock_hz: f64) -> io::Result<PcieTransport> {
        if !valid_bdf(bdf) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{bdf}` is not a PCI address: expected DDDD:BB:DD.F, e.g. 0000:01:00.0"),
            ));
        }
        let dev = Path::new("/sys/bus/pci/devices").join(bdf);
        if !dev.exists() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "no PCI device {bdf} ({} does not exist; `lspci -D` lists the devices, and a \
                     board programmed after boot needs a rescan: echo 1 > /sys/bus/pci/rescan)",
                    dev.display()
                ),
            ));
        }
        Self::map_path(
            &dev.join("resource0"),
            format!("pcie://{bdf}"),
            clock_hz,
            Box::new(WallClock::default()),
        )
    }

    /// Maps `path` (a `resourceN` file or a window file) and resets the stream.
    pub fn map_path(
        path: &Path,
        what: String,
        clock_hz: f64,
        clock: Box<dyn WindowClock>,
    ) -> io::Result<PcieTransport> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| match e.kind() {
                io::ErrorKind::PermissionDenied => io::Error::new(
                    e.kind(),
                    format!(
                        "{}: permission denied: mapping a BAR needs root, or a udev rule that \
                         gives your group the resource file, e.g. SUBSYSTEM==\"pci\", \
                         ATTR{{vendor}}==\"0x10ee\", RUN+=\"/bin/chmod 0660 \
                         /sys%p/resource0\", RUN+=\"/bin/chgrp plugdev /sys%p/resource0\"",
                        path.display()
                    ),
                ),
                _ => io::Error::new(e.kind(), format!("{}: {e}", path.display())),
            })?;
        Self::map_file(file, path, what, clock_hz, clock)
    }

    /// Maps `file`, already opened read-write from `path` (named in errors), and resets the
    /// stream.
    pub fn map_file(
        file: File,
        path: &Path,
        what: String,
        clock_hz: f64,
        clock: Box<dyn WindowClock>,
    ) -> io::Result<PcieTransport> {
        let meta = file.metadata()?;
        let len = meta.len();
        // A character device (XDMA's `_user` node) has no size; the mapping itself fails if
        // the BAR is smaller than the window.
        let char_device = std::os::unix::fs::FileTypeExt::is_char_device(&meta.file_type());
        if len < WINDOW_BYTES && !char_device {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{}: BAR too small: {len} bytes, the register window needs {WINDOW_BYTES} \
                     (is this the ATOMiK bitstream's BAR 0?)",
                    path.display()
                ),
            ));
        }
        let map = MmapOptions::new()
            .len(WINDOW_BYTES as usize)
            .map_raw(&file)
            .map_err(|e| io::Error::new(e.kind(), format!("mapping {}: {e}", path.display())))?;
        let mut t = PcieTransport {
            what,
            path: path.to_path_buf(),
            file,
            map,
            ring_words: 0,
            clock_hz,
            tx_head: 0,
            tx_word: 0,
            rx_tail: 0,
            tx_tail_seen: 0,
            clock,
        };
        let id = t.read(reg::ID);
        if id != WINDOW_ID {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{}: not an ATOMiK register window: ID reads {id:#010x}, expected \
                     {WINDOW_ID:#010x}",
                    path.display()
                ),
            ));
        }
        let geometry = t.read(reg::GEOMETRY);
        let ring_words = geometry >> 8 & 0xFFFF;
        if geometry & 0xFF != WINDOW_VERSION || !ring_words.is_power_of_two() || ring_words < 4 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{}: register map version {} with {ring_words} ring words; this host \
                     speaks version {WINDOW_VERSION}",
                    path.display(),
                    geometry & 0xFF
                ),
            ));
        }
        t.ring_words = ring_words;
        t.reset_stream()?;
        Ok(t)
    }

    /// Rings the reset doorbell and waits for it: the device drops what is unsent and unread
    /// and its frame decoder hunts again.
    fn reset_stream(&mut self) -> io::Result<()> {
        let ticket = self.read(reg::RESET_ACK).wrapping_add(1);
        self.tx_head = self.read(reg::TX_HEAD);
        self.rx_tail = self.read(reg::RX_TAIL);
        // The doorbell drops every unsent byte, so the current word's earlier bytes are moot.
        self.tx_word = 0;
        self.write(reg::RESET_REQ, ticket);
        let deadline = self.clock.now() + Duration::from_millis(100);
        while self.read(reg::RESET_ACK) != ticket {
            self.check_present()?;
            if self.clock.now() > deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "{}: the reset doorbell was not answered in 100 ms",
                        self.what
                    ),
                ));
            }
        }
        self.tx_tail_seen = self.read(reg::TX_TAIL);
        Ok(())
    }

    fn word(&self, w: u32) -> *mut u32 {
        assert!(w < WINDOW_WORDS, "word {w:#x} is outside the window");
        // In bounds (asserted) of a mapping of WINDOW_BYTES.
        unsafe { (self.map.as_mut_ptr() as *mut u32).add(w as usize) }
    }

    /// A volatile 32-bit read of word `w` (one bus read on hardware).
    fn read(&mut self, w: u32) -> u32 {
        // SAFETY: in bounds and aligned (page-aligned mapping, word offsets); the file was at
        // least WINDOW_BYTES long at the last `check_present`.
        let v = u32::from_le(unsafe { self.word(w).read_volatile() });
        self.clock.after_read();
        v
    }

    /// A volatile 32-bit write of word `w` (a posted write on hardware).
    fn write(&mut self, w: u32, v: u32) {
        // SAFETY: as in `read`.
        unsafe { self.word(w).write_volatile(v.to_le()) }
    }

    /// Fails when the device is gone: the file shrank, or ID no longer reads as the window.
    fn check_present(&mut self) -> io::Result<()> {
        self.check_len()?;
        let id = self.read(reg::ID);
        if id != WINDOW_ID {
            return Err(io::Error::new(
                io::ErrorKind::NotConnected,
                format!(
                    "{}: the device went away: ID reads {id:#010x}{}",
                    self.what,
                    if id == u32::MAX {
                        " (all ones: surprise removal or the link is down)"
                    } else {
                        ""
                    }
                ),
            ));
        }
        Ok(())
    }

    /// Fails when the mapped file has shrunk below the window (touching it would fault).
    fn check_len(&mut self) -> io::Result<()> {
        let len = self.file.metadata()?.len();
        if len < WINDOW_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::NotConnected,
                format!(
                    "{}: the device went away: {} is now {len} bytes, less than the \
                     window's {WINDOW_BYTES}",
                    self.what,
                    self.path.display()
                ),
            ));
        }
        Ok(())
    }

    fn ring_bytes(&self) -> u32 {
        4 * self.ring_words
    }
}

impl Transport for PcieTransport {
    fn describe(&self) -> String {
        format!(
            "{} (register window, {}-word rings, {} MHz{})",
            self.what,
            self.ring_words,
            self.clock_hz / 1e6,
            if self.clock.simulated() {
                ", simulated"
            } else {
                ""
            }
        )
    }

    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.check_len()?;
        // Refresh the device's TX_TAIL only when the frame would not fit in the space last
        // seen: then the whole frame is normally published at once, so the decoder gets its
        // bytes back to back and never times out in the middle of it.
        if self.tx_head.wrapping_sub(self.tx_tail_seen) as usize + bytes.len()
            > self.ring_bytes() as usize
        {
            self.tx_tail_seen = self.read(reg::TX_TAIL);
        }
        // With frames in flight the ring may hold earlier frames the decoder has not taken
        // yet: wait until this one fits whole (when it can), so it is still published at once.
        while bytes.len() <= self.ring_bytes() as usize
            && self.tx_head.wrapping_sub(self.tx_tail_seen) as usize + bytes.len()
                > self.ring_bytes() as usize
        {
            self.check_present()?;
            self.tx_tail_seen = self.read(reg::TX_TAIL);
        }
        let mut word = self.tx_word;
        for &b in bytes {
            while self.tx_head.wrapping_sub(self.tx_tail_seen) == self.ring_bytes() {
                // Full (a frame longer than the ring, or a device that is behind): publish
                // what is written, then wait for the device to take some.
                if !self.tx_head.is_multiple_of(4) {
                    self.write(reg::TX_RING + (self.tx_head / 4) % self.ring_words, word);
                }
                self.write(reg::TX_HEAD, self.tx_head);
                self.check_present()?;
                self.tx_tail_seen = self.read(reg::TX_TAIL);
            }
            let k = self.tx_head % 4;
            if k == 0 {
                word = 0;
            }
            word |= (b as u32) << (8 * k);
            if k == 3 {
                self.write(reg::TX_RING + (self.tx_head / 4) % self.ring_words, word);
            }
            self.tx_head = self.tx_head.wrapping_add(1);
        }
        if !self.tx_head.is_multiple_of(4) {
            self.write(reg::TX_RING + (self.tx_head / 4) % self.ring_words, word);
        }
        self.tx_word = word;
        std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
        self.write(reg::TX_HEAD, self.tx_head);
        Ok(())
    }

    fn receive(&mut self, want: usize, timeout: Duration) -> io::Result<Vec<u8>> {
        let deadline = self.clock.now() + timeout;
        let mut got = Vec::with_capacity(want);
        loop {
            self.check_len()?;
            let head = self.read(reg::RX_HEAD);
            if head == self.rx_tail {
                // Nothing new: is the device still there? (A read, but only while idle.)
                self.check_present()?;
            }
            if head.wrapping_sub(self.rx_tail) > self.ring_bytes() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "{}: RX_HEAD {head} is more than a ring ahead of RX_TAIL {}",
                        self.what, self.rx_tail
                    ),
                ));
            }
            let mut word_index = u32::MAX;
            let mut word = 0;
            while self.rx_tail != head && got.len() < want {
                let i = (self.rx_tail / 4) % self.ring_words;
                if i != word_index {
                    word = self.read(reg::RX_RING + i);
                    word_index = i;
                }
                got.push((word >> (8 * (self.rx_tail % 4))) as u8);
                self.rx_tail = self.rx_tail.wrapping_add(1);
            }
            self.write(reg::RX_TAIL, self.rx_tail);
            if got.len() == want || self.clock.now() >= deadline {
                return Ok(got);
            }
        }
    }

    fn link_time(&self) -> Duration {
        self.clock.now()
    }

    /// The window's own ceiling: its TX pump moves a byte every 2 clocks.
    fn raw_bytes_per_sec(&self) -> f64 {
        self.clock_hz / 2.0
    }

    fn simulated(&self) -> bool {
        self.clock.simulated()
    }

    /// The window's TX pump offers a byte to the frame bridge until it is taken, so frames
    /// sent ahead wait in the ring (and `send` waits for ring space): the host keeps
    /// several frames queued instead of one answer's round trip per frame.
    fn max_frames_in_flight(&self) -> usize {
        PCIE_FRAMES_IN_FLIGHT
    }

    /// A simulated window runs its core at the nominal clock the URI gave; hardware's clock
    /// comes from its build.
    fn board_clock_hz(&self) -> Option<f64> {
        self.clock.simulated().then_some(self.clock_hz)
    }
}
