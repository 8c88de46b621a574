//! A board in Verilator: the whole board top ([`atomik_hdl::board_top`]: reset, UART link,
//! frame bridge, multi-lane core) with the oscillator as its clock, driven through its two
//! UART pins at bit level. This is the simulated device the host talks to by default.

use crate::uart_line::{UartReceiver, UartSender};
use crate::verilator::{ModelSpec, VerilatedModel, VerilatorError};
use atomik_hdl::board_top::{
    board_ports, board_top_verilog, BoardTopConfig, ClockSource, BOARD_MODULE,
};
use atomik_hdl::export::ExportError;
use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::link::LinkConfig;
use std::path::Path;

/// Why the simulated board could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SimBoardError {
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(transparent)]
    Verilator(#[from] VerilatorError),
}

/// The board top of `lanes` with a UART of `clocks_per_bit`, as a Verilator model spec.
pub fn board_model_spec(
    lanes: LanesConfig,
    link: LinkConfig,
    trace: bool,
) -> Result<ModelSpec, ExportError> {
    let config = BoardTopConfig {
        lanes,
        link,
        clock: ClockSource::Direct,
        leds: 4,
        leds_active_low: false,
    };
    let verilog = board_top_verilog(&config)?;
    let mut spec = ModelSpec::new(
        format!("board_{}_cpb{}", lanes.name(), link.clocks_per_bit),
        verilog,
        BOARD_MODULE,
        "clk_in",
    );
    for (name, width, input) in board_ports(&config) {
        spec = if input {
            spec.input(name, width)
        } else {
            spec.output(name, width)
        };
    }
    Ok(spec.with_trace(trace))
}

/// A simulated board with bit-level UART ends attached to its pins.
pub struct SimBoard {
    lanes: LanesConfig,
    link: LinkConfig,
    model: VerilatedModel,
    rx_pin: usize,
    tx_pin: usize,
    led_pin: usize,
    sender: UartSender,
    receiver: UartReceiver,
}

impl SimBoard {
    /// Builds (or loads from the cache) the board model.
    pub fn new(lanes: LanesConfig, link: LinkConfig) -> Result<SimBoard, SimBoardError> {
        let model = VerilatedModel::build(&board_model_spec(lanes, link, false)?)?;
        let cpb = link.clocks_per_bit as u32;
        Ok(SimBoard {
            lanes,
            link,
            rx_pin: model.input("uart_rx")?,
            tx_pin: model.output("uart_tx")?,
            led_pin: model.output("led")?,
            model,
            sender: UartSender::new(cpb),
            receiver: UartReceiver::new(cpb),
        })
    }

    pub fn lanes(&self) -> LanesConfig {
        self.lanes
    }

    pub fn link(&self) -> LinkConfig {
        self.link
    }

    /// Queues bytes for the board's UART receive pin.
    pub fn send(&mut self, bytes: &[u8]) {
        self.sender.queue(bytes);
    }

    /// Bytes queued but not yet completely on the line.
    pub fn send_backlog(&self) -> usize {
        self.sender.backlog()
    }

    /// One clock: drives the receive pin, samples the transmit pin; a completed byte from
    /// the board is returned.
    pub fn tick(&mut self) -> Option<u8> {
        let level = self.sender.level();
        self.model.set(self.rx_pin, level as u64);
        self.model.tick();
        self.receiver.sample(self.model.get(self.tx_pin) != 0)
    }

    /// Clocks until `want` bytes came back or `max_cycles` passed; returns what came back.
    pub fn receive(&mut self, want: usize, max_cycles: u64) -> Vec<u8> {
        let mut got = Vec::with_capacity(want);
        for _ in 0..max_cycles {
            if let Some(b) = self.tick() {
                got.push(b);
                if got.len() == want {
                    break;
                }
            }
        }
        got
    }

    /// Runs the board with an idle line through its power-on reset and, in table mode, the
    /// table sweep: afterwards it takes frames.
    pub fn settle(&mut self) {
        self.idle(64 + 4 * self.lanes.contexts as u64);
    }

    /// Clocks `cycles` with the line idle after what is queued (lets timeouts expire).
    pub fn idle(&mut self, cycles: u64) -> Vec<u8> {
        (0..cycles).filter_map(|_| self.tick()).collect()
    }

    /// Clock cycles so far.
    pub fn cycles(&self) -> u64 {
        self.model.cycles()
    }

    /// The LED outputs (bit 0 heartbeat, 1 frame dropped, 2 illegal op, 3 link busy).
    pub fn leds(&self) -> u64 {
        self.model.get(self.led_pin)
    }

    /// Clocks one UART bit takes.
    pub fn clocks_per_bit(&self) -> u64 {
        self.link.clocks_per_bit as u64
    }

    /// Bytes from the board dropped for a bad stop bit (must stay 0).
    pub fn framing_errors(&self) -> u64 {
        self.receiver.framing_errors
    }

    pub fn open_vcd(&mut self, path: &Path) -> Result<(), VerilatorError> {
        self.model.open_vcd(path)
    }
}
