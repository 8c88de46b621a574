//! `pcie://sim`: the register window and core in Verilator ([`atomik_sim::mmio_board`]),
//! presented as a window file that [`PcieTransport`] maps exactly as it maps a BAR.
//!
//! The simulator is driven from the transport's reads, clearly separated from it by the
//! [`WindowClock`] trait: each register read lets the device run for one modelled bus read
//! (`read_ns`, 1 us by default: a PCIe memory read round trip through a root complex is
//! typically 0.5 to 2 us), after the mirror has passed on what the host wrote. Writes cost no
//! simulated time (they are posted). So simulated time counts the device's clocks, and a
//! figure measured here is what the design does at its clock when each read costs `read_ns`.
//! Deterministic, and single-threaded (a Verilator model must stay on its thread).

use super::pcie_transport::{PcieTransport, WindowClock};
use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::link::mmio_window::WindowConfig;
use atomik_sim::mmio_board::{MmioBoard, WindowMirror};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The simulated window's nominal clock when the URI does not give one: XDMA's user clock
/// for a Gen2 x1/x2 link.
pub const DEFAULT_CLOCK_HZ: f64 = 125_000_000.0;
/// The modelled duration of one register read, ns.
pub const DEFAULT_READ_NS: u64 = 1000;

/// The simulated device behind a window file.
pub struct SimWindowClock {
    board: MmioBoard,
    mirror: WindowMirror,
    clock_hz: f64,
    read_clocks: u64,
    start_cycles: u64,
    /// Clocks that passed while the device was stopped (time goes on without it).
    stopped_clocks: u64,
    stop: Arc<AtomicBool>,
    /// Why servicing ended, if it did.
    pub ended: Option<String>,
}

/// Lets a test stop the simulated device (the power goes, the simulator stops).
#[derive(Clone)]
pub struct SimWindowHandle {
    pub path: PathBuf,
    stop: Arc<AtomicBool>,
}

impl SimWindowHandle {
    /// From the next read on, the device does nothing (its file keeps its last words).
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl WindowClock for SimWindowClock {
    fn now(&self) -> Duration {
        let clocks = self.board.cycles() - self.start_cycles + self.stopped_clocks;
        Duration::from_secs_f64(clocks as f64 / self.clock_hz)
    }

    fn after_read(&mut self) {
        if self.ended.is_none() && self.stop.load(Ordering::SeqCst) {
            self.ended = Some("stopped".into());
        }
        if self.ended.is_some() {
            self.stopped_clocks += self.read_clocks;
            return;
        }
        // The mirror's bus cycles count towards the read's duration.
        if let Err(e) = self.mirror.service(&mut self.board, self.read_clocks) {
            self.ended = Some(e.to_string());
        }
    }

    fn simulated(&self) -> bool {
        true
    }
}

impl Drop for SimWindowClock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(self.mirror.path());
    }
}

/// A fresh window file path in the temporary directory.
fn window_file_path() -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    std::env::temp_dir().join(format!(
        "atomik-pcie-sim-{}-{}.bar",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ))
}

/// Builds the simulated device and creates its window file at `path`; the returned clock
/// services the file after every read of a transport that maps it.
pub fn simulated_clock(
    lanes: LanesConfig,
    window: WindowConfig,
    clock_hz: f64,
    read_ns: u64,
    path: &Path,
) -> Result<(SimWindowClock, SimWindowHandle), String> {
    let mut board = MmioBoard::new(lanes, window).map_err(|e| e.to_string())?;
    let mirror = WindowMirror::create(path, &mut board).map_err(|e| e.to_string())?;
    let stop = Arc::new(AtomicBool::new(false));
    let start_cycles = board.cycles();
    let clock = SimWindowClock {
        board,
        mirror,
        clock_hz,
        read_clocks: ((read_ns as f64 * clock_hz / 1e9).round() as u64).max(1),
        start_cycles,
        stopped_clocks: 0,
        stop: stop.clone(),
        ended: None,
    };
    Ok((
        clock,
        SimWindowHandle {
            path: path.to_path_buf(),
            stop,
        },
    ))
}

/// Builds the simulated device, creates its window file and maps it through
/// [`PcieTransport::map_path`].
pub fn open_simulated(
    lanes: LanesConfig,
    window: WindowConfig,
    clock_hz: f64,
    read_ns: u64,
    file: Option<&Path>,
) -> Result<(PcieTransport, SimWindowHandle), String> {
    let path = file.map(Path::to_path_buf).unwrap_or_else(window_file_path);
    let (clock, handle) = simulated_clock(lanes, window, clock_hz, read_ns, &path)?;
    let t = PcieTransport::map_path(
        &path,
        format!("pcie://sim ({})", lanes.name()),
        clock_hz,
        Box::new(clock),
    )
    .map_err(|e| e.to_string())?;
    Ok((t, handle))
}
