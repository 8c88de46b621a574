//! A register-window device in Verilator ([`atomik_hdl::mmio_top`]: the window, its frame
//! decoder and a multi-lane core), driven through its bus ports one cycle at a time
//! ([`MmioBoard`]), and a [`WindowMirror`] that presents it as a plain memory-mapped file: the
//! same bytes a host sees at a BAR's `resource0`.
//!
//! The mirror works because every word of the window has one writer (see the map in
//! `atomik_hdl::link::mmio_window`): each [`WindowMirror::service`] turns the host-owned words
//! that changed in the file into bus writes (ring words before the indices that publish them),
//! clocks the device, and bus-reads the device-owned words back into the file (ring words
//! before RX_HEAD). A host polling the file sees exactly the sequence of values it would see
//! polling the BAR.

use crate::verilator::{ModelSpec, VerilatedModel, VerilatorError};
use atomik_hdl::export::ExportError;
use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::link::mmio_window::{reg, WindowConfig, WINDOW_WORDS};
use atomik_hdl::mmio_top::{mmio_board_verilog, MMIO_BOARD_MODULE, MMIO_BOARD_PORTS};
use memmap2::{MmapOptions, MmapRaw};
use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// Bytes of the mapped window file: the window's words rounded up to a 4 KiB page, the
/// smallest BAR a PCIe function has.
pub const WINDOW_FILE_BYTES: u64 = (WINDOW_WORDS as u64 * 4).next_multiple_of(4096);

/// Why the simulated window could not be made or serviced.
#[derive(Debug, thiserror::Error)]
pub enum MmioBoardError {
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(transparent)]
    Verilator(#[from] VerilatorError),
    #[error("window file {}: {source}", .path.display())]
    File { path: PathBuf, source: io::Error },
    #[error(
        "window file {} is {len} bytes, less than the window's {WINDOW_FILE_BYTES}: the device \
         is gone",
        .path.display()
    )]
    Shrunk { path: PathBuf, len: u64 },
}

/// The window top as a Verilator model spec.
pub fn mmio_model_spec(
    lanes: LanesConfig,
    window: &WindowConfig,
) -> Result<ModelSpec, ExportError> {
    let mut spec = ModelSpec::new(
        format!(
            "mmio_{}_r{}_s{}",
            lanes.name(),
            window.ring_words,
            window.stall_clocks_per_bit
        ),
        mmio_board_verilog(lanes, window)?,
        MMIO_BOARD_MODULE,
        "clk",
    );
    for (name, width, input) in MMIO_BOARD_PORTS {
        spec = if input {
            spec.input(name, width)
        } else {
            spec.output(name, width)
        };
    }
    Ok(spec)
}

/// The window top in Verilator with its bus as method calls.
pub struct MmioBoard {
    lanes: LanesConfig,
    window: WindowConfig,
    model: VerilatedModel,
    addr: usize,
    wdata: usize,
    we: usize,
    re: usize,
    rdata: usize,
    rvalid: usize,
}

impl MmioBoard {
    /// Builds (or loads from the cache) the model and runs it through its power-on reset and,
    /// in table mode, the table sweep.
    pub fn new(lanes: LanesConfig, window: WindowConfig) -> Result<MmioBoard, MmioBoardError> {
        let model = VerilatedModel::build(&mmio_model_spec(lanes, &window)?)?;
        let mut b = MmioBoard {
            lanes,
            window,
            addr: model.input("bus_addr")?,
            wdata: model.input("bus_wdata")?,
            we: model.input("bus_we")?,
            re: model.input("bus_re")?,
            rdata: model.output("bus_rdata")?,
            rvalid: model.output("bus_rvalid")?,
            model,
        };
        b.idle(64 + 4 * lanes.contexts as u64);
        Ok(b)
    }

    pub fn lanes(&self) -> LanesConfig {
        self.lanes
    }

    pub fn window(&self) -> WindowConfig {
        self.window
    }

    /// One bus write (one clock).
    pub fn write(&mut self, word: u32, value: u32) {
        self.model.set(self.addr, word as u64);
        self.model.set(self.wdata, value as u64);
        self.model.set(self.we, 1);
        self.model.tick();
        self.model.set(self.we, 0);
    }

    /// One bus read (one clock: the data is registered).
    pub fn read(&mut self, word: u32) -> u32 {
        self.model.set(self.addr, word as u64);
        self.model.set(self.re, 1);
        self.model.tick();
        self.model.set(self.re, 0);
        debug_assert_eq!(self.model.get(self.rvalid), 1, "bus_rvalid after a read");
        self.model.get(self.rdata) as u32
    }

    /// Clocks with the bus idle.
    pub fn idle(&mut self, cycles: u64) {
        for _ in 0..cycles {
            self.model.tick();
        }
    }

    /// Clock cycles so far.
    pub fn cycles(&self) -> u64 {
        self.model.cycles()
    }
}

/// A file standing for the device's BAR, kept in step with an [`MmioBoard`].
pub struct WindowMirror {
    path: PathBuf,
    file: File,
    map: MmapRaw,
    /// Last value of each host-owned word passed to the device (TX ring words, then
    /// [`reg::HOST_OWNED`]).
    host_shadow: Vec<u32>,
    /// RX_HEAD as last copied into the file.
    rx_head: u32,
}

/// The device-owned registers copied to the file each service (ring words aside).
const DEVICE_REGS: [u32; 8] = [
    reg::ID,
    reg::GEOMETRY,
    reg::TX_TAIL,
    reg::TX_LEVEL,
    reg::RX_LEVEL,
    reg::RESET_ACK,
    reg::DROPPED,
    reg::RX_HEAD,
];

impl WindowMirror {
    /// Creates (or truncates) `path` as a zeroed window file and fills in the device's words.
    pub fn create(path: &Path, board: &mut MmioBoard) -> Result<WindowMirror, MmioBoardError> {
        let err = |source| MmioBoardError::File {
            path: path.to_path_buf(),
            source,
        };
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(err)?;
        file.set_len(WINDOW_FILE_BYTES).map_err(err)?;
        let map = MmapOptions::new()
            .len(WINDOW_FILE_BYTES as usize)
            .map_raw(&file)
            .map_err(err)?;
        let ring = board.window().ring_words as usize;
        let mut m = WindowMirror {
            path: path.to_path_buf(),
            file,
            map,
            host_shadow: vec![0; ring + reg::HOST_OWNED.len()],
            rx_head: 0,
        };
        m.service(board, 0)?;
        Ok(m)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn word(&self, w: u32) -> *mut u32 {
        debug_assert!((w as u64 + 1) * 4 <= WINDOW_FILE_BYTES);
        // In bounds: every word index used is below WINDOW_WORDS.
        unsafe { self.map.as_mut_ptr().add(w as usize * 4) as *mut u32 }
    }

    fn load(&self, w: u32) -> u32 {
        // SAFETY: in bounds of the live mapping, aligned (page-aligned base, word offsets),
        // and the file is checked to be at least this long before each service.
        unsafe { self.word(w).read_volatile() }
    }

    fn store(&self, w: u32, v: u32) {
        // SAFETY: as in `load`.
        unsafe { self.word(w).write_volatile(v) }
    }

    /// Host writes → bus writes, the device runs, device words → file: `clocks` clocks in
    /// all, bus cycles included (more when the copying takes longer). Fails (and touches
    /// nothing) when the file has shrunk below the window: the device is gone.
    pub fn service(&mut self, board: &mut MmioBoard, clocks: u64) -> Result<(), MmioBoardError> {
        let len = self
            .file
            .metadata()
            .map_err(|source| MmioBoardError::File {
                path: self.path.clone(),
                source,
            })?
            .len();
        if len < WINDOW_FILE_BYTES {
            return Err(MmioBoardError::Shrunk {
                path: self.path.clone(),
                len,
            });
        }
        std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
        let ring = board.window().ring_words;
        let start = board.cycles();
        // Ring words first: the indices after them publish them.
        let words = (0..ring)
            .map(|i| reg::TX_RING + i)
            .chain(reg::HOST_OWNED.iter().copied());
        for (k, w) in words.enumerate() {
            let v = self.load(w);
            if v != self.host_shadow[k] {
                board.write(w, v);
                self.host_shadow[k] = v;
            }
        }
        // Leave the copying below (the registers and typically one or two ring words) its
        // share of the clocks.
        let copying = DEVICE_REGS.len() as u64 + 2;
        board.idle(clocks.saturating_sub(board.cycles() - start + copying));
        // RX ring words holding bytes that arrived since the last service, then the registers
        // (RX_HEAD last, so the host never sees a head before its bytes).
        let head = board.read(reg::RX_HEAD);
        let words_new = (head.wrapping_sub(self.rx_head).div_ceil(4) + 1).min(ring);
        let first = self.rx_head / 4;
        for k in 0..words_new {
            let i = first.wrapping_add(k) % ring;
            let v = board.read(reg::RX_RING + i);
            self.store(reg::RX_RING + i, v);
        }
        for r in DEVICE_REGS {
            let v = if r == reg::RX_HEAD {
                head
            } else {
                board.read(r)
            };
            std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
            self.store(r, v);
        }
        self.rx_head = head;
        Ok(())
    }
}
