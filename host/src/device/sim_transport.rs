//! `sim://`: the board top in Verilator inside this process, reached through its UART pins at
//! bit level ([`atomik_sim::sim_board::SimBoard`]). Time is simulated: the board runs at a
//! nominal clock, and timeouts and rates are in that clock's seconds, so a figure measured here
//! is what the same design would do at that clock and baud rate.

use super::transport::Transport;
use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::link::LinkConfig;
use atomik_sim::sim_board::{SimBoard, SimBoardError};
use std::io;
use std::time::Duration;

/// The simulated board's nominal clock when the URI does not give one, Hz. With 4 clocks per
/// UART bit this is a 3 Mbaud link, the rate of the real boards' USB-UART bridges.
pub const DEFAULT_CLOCK_HZ: f64 = 12_000_000.0;
/// Clocks per UART bit: the smallest the receiver supports, for the fastest simulation.
pub const DEFAULT_CLOCKS_PER_BIT: u16 = 4;

pub struct SimTransport {
    board: SimBoard,
    clock_hz: f64,
    start_cycles: u64,
}

impl SimTransport {
    pub fn new(
        lanes: LanesConfig,
        clock_hz: f64,
        clocks_per_bit: u16,
    ) -> Result<Self, SimBoardError> {
        let link = LinkConfig::with_clocks_per_bit(clocks_per_bit)
            .expect("clocks_per_bit validated by the URI parser");
        let mut board = SimBoard::new(lanes, link)?;
        board.settle();
        let start_cycles = board.cycles();
        Ok(SimTransport {
            board,
            clock_hz,
            start_cycles,
        })
    }

    pub fn clock_hz(&self) -> f64 {
        self.clock_hz
    }

    pub fn lanes(&self) -> LanesConfig {
        self.board.lanes()
    }

    /// Runs the board with an idle line for `d` of simulated time (lets a generator run).
    pub fn idle(&mut self, d: Duration) -> Vec<u8> {
        self.board
            .idle((d.as_secs_f64() * self.clock_hz).ceil() as u64)
    }
}

impl Transport for SimTransport {
    fn describe(&self) -> String {
        format!(
            "sim:// ({}, simulated {} MHz clock, {} baud)",
            self.board.lanes().name(),
            self.clock_hz / 1e6,
            (self.clock_hz / self.board.clocks_per_bit() as f64).round()
        )
    }

    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.board.send(bytes);
        Ok(())
    }

    fn receive(&mut self, want: usize, timeout: Duration) -> io::Result<Vec<u8>> {
        let max = (timeout.as_secs_f64() * self.clock_hz).ceil() as u64;
        Ok(self.board.receive(want, max))
    }

    fn link_time(&self) -> Duration {
        Duration::from_secs_f64((self.board.cycles() - self.start_cycles) as f64 / self.clock_hz)
    }

    fn raw_bytes_per_sec(&self) -> f64 {
        self.clock_hz / self.board.clocks_per_bit() as f64 / 10.0
    }

    fn simulated(&self) -> bool {
        true
    }

    fn board_clock_hz(&self) -> Option<f64> {
        Some(self.clock_hz)
    }
}
