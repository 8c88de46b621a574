//! `ok://sim`: a simulated FrontPanel module. The pipe board top (pipe PHY, frame bridge,
//! multi-lane core) runs in Verilator on the FrontPanel clock with a clock-by-clock okHost on
//! its endpoints ([`atomik_sim::ok_host`]); each [`FrontPanel`] call runs the board until the
//! transfer is done, so time is simulated and a figure measured here is what the same design
//! does at that clock and USB rate (without USB's per-call latency, which the model leaves out).

use super::frontpanel::{FrontPanel, FrontPanelError};
use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::link::ok_pipe::{
    OkPipeConfig, PIPE_IN_ADDR, PIPE_OUT_ADDR, WIRE_GEOMETRY_ADDR, WIRE_HEALTH_ADDR,
};
use atomik_sim::ok_host::OkHostConfig;
use atomik_sim::sim_board::{OkEnd, SimBoard, SimBoardError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How long a pipe-in call waits for the board to take its blocks (FrontPanel's default USB
/// timeout is of this order).
pub const WRITE_TIMEOUT: Duration = Duration::from_millis(100);

pub struct SimFrontPanel {
    board: SimBoard<OkEnd>,
    host: OkHostConfig,
    start_cycles: u64,
    /// Cleared to make the module vanish (tests of a device that goes away).
    plugged: Arc<AtomicBool>,
    wires: (u32, u32),
}

impl SimFrontPanel {
    /// Builds (or loads from the cache) the board model and runs it through its reset.
    pub fn new(
        lanes: LanesConfig,
        link: OkPipeConfig,
        host: OkHostConfig,
    ) -> Result<SimFrontPanel, SimBoardError> {
        let mut board = SimBoard::new_ok(lanes, link, host)?;
        board.settle();
        let start_cycles = board.cycles();
        Ok(SimFrontPanel {
            board,
            host,
            start_cycles,
            plugged: Arc::new(AtomicBool::new(true)),
            wires: (0, 0),
        })
    }

    /// The pipe link the simulated board was built with, for the FrontPanel clock.
    pub fn link_for(host: &OkHostConfig) -> OkPipeConfig {
        let xem = OkPipeConfig::xem7010();
        OkPipeConfig::new(
            xem.in_block_words,
            xem.out_block_words,
            host.clock_hz / 1e6,
            xem.idle_timeout_us,
        )
        .expect("the XEM7010's blocks and timeout suit both FrontPanel clocks")
    }

    /// A switch that unplugs the module: once it is false every call fails as `Gone`.
    pub fn plug(&self) -> Arc<AtomicBool> {
        self.plugged.clone()
    }

    pub fn board(&self) -> &SimBoard<OkEnd> {
        &self.board
    }

    fn cycles_for(&self, d: Duration) -> u64 {
        (d.as_secs_f64() * self.host.clock_hz).ceil() as u64
    }

    fn present(&self, call: &'static str) -> Result<(), FrontPanelError> {
        if self.plugged.load(Ordering::SeqCst) {
            Ok(())
        } else {
            Err(FrontPanelError::Gone { call })
        }
    }

    fn check_blocks(
        &self,
        call: &str,
        ep: u8,
        want_ep: u8,
        block_size: usize,
        want_block: usize,
        len: usize,
    ) -> Result<(), FrontPanelError> {
        if ep != want_ep {
            return Err(FrontPanelError::Usage(format!(
                "{call}: no such pipe {ep:#04x} on this board (its pipe is {want_ep:#04x})"
            )));
        }
        if block_size != want_block || !len.is_multiple_of(block_size) || len == 0 {
            return Err(FrontPanelError::Usage(format!(
                "{call}: {len} bytes in blocks of {block_size}; the board's pipe moves whole \
                 blocks of {want_block} bytes"
            )));
        }
        Ok(())
    }
}

impl FrontPanel for SimFrontPanel {
    fn describe(&self) -> String {
        format!(
            "ok://sim ({}, simulated FrontPanel at {} MHz, pipes at {} MB/s)",
            self.board.lanes().name(),
            self.host.clock_hz / 1e6,
            self.host.usb_bytes_per_sec / 1e6
        )
    }

    fn write_block_pipe_in(
        &mut self,
        ep: u8,
        block_size: usize,
        data: &[u8],
    ) -> Result<(), FrontPanelError> {
        self.present("WriteToBlockPipeIn")?;
        let link = self.board.link();
        self.check_blocks(
            "WriteToBlockPipeIn",
            ep,
            PIPE_IN_ADDR,
            block_size,
            link.in_block_bytes(),
            data.len(),
        )?;
        self.board.send(data);
        let limit = self.cycles_for(WRITE_TIMEOUT);
        let mut waited = 0;
        while self.board.send_backlog() > 0 || self.board.ok_host().busy() {
            if waited == limit {
                // Blocks not started are dropped; one in progress finishes.
                self.board.ok_host_mut().abort_write();
                while self.board.send_backlog() > 0 || self.board.ok_host().busy() {
                    self.board.tick();
                }
                return Err(FrontPanelError::Timeout {
                    call: "WriteToBlockPipeIn",
                    waited: WRITE_TIMEOUT,
                });
            }
            self.board.tick();
            waited += 1;
        }
        Ok(())
    }

    fn read_block_pipe_out(
        &mut self,
        ep: u8,
        block_size: usize,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, FrontPanelError> {
        self.present("ReadFromBlockPipeOut")?;
        let link = self.board.link();
        self.check_blocks(
            "ReadFromBlockPipeOut",
            ep,
            PIPE_OUT_ADDR,
            block_size,
            link.out_block_bytes(),
            buf.len(),
        )?;
        self.board
            .ok_host_mut()
            .read_blocks((buf.len() / block_size) as u32);
        let limit = self.cycles_for(timeout);
        let mut waited = 0;
        while self.board.ok_host().read_pending() && waited < limit {
            self.board.tick();
            waited += 1;
        }
        self.board.ok_host_mut().abort_read();
        while self.board.ok_host().busy() {
            self.board.tick();
        }
        let words = self.board.ok_host_mut().take_out_words();
        if words.is_empty() {
            return Err(FrontPanelError::Timeout {
                call: "ReadFromBlockPipeOut",
                waited: timeout,
            });
        }
        for (i, w) in words.iter().enumerate() {
            buf[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
        }
        Ok(4 * words.len())
    }

    fn update_wire_outs(&mut self) -> Result<(), FrontPanelError> {
        self.present("UpdateWireOuts")?;
        self.wires = self.board.wire_outs();
        Ok(())
    }

    fn get_wire_out(&self, ep: u8) -> u32 {
        match ep {
            WIRE_GEOMETRY_ADDR => self.wires.0,
            WIRE_HEALTH_ADDR => self.wires.1,
            _ => 0,
        }
    }

    fn reset(&mut self) -> Result<(), FrontPanelError> {
        self.present("UpdateWireIns")?;
        self.board.ok_host_mut().pulse_reset(4);
        self.board.idle(8);
        self.board.ok_host_mut().take_out_words();
        Ok(())
    }

    fn elapsed(&self) -> Duration {
        Duration::from_secs_f64(
            (self.board.cycles() - self.start_cycles) as f64 / self.host.clock_hz,
        )
    }

    fn usb_bytes_per_sec(&self) -> f64 {
        self.host.usb_bytes_per_sec
    }

    fn simulated(&self) -> bool {
        true
    }

    fn board_clock_hz(&self) -> Option<f64> {
        Some(self.host.clock_hz)
    }
}
