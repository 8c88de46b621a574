//! A board in Verilator: the whole board top ([`atomik_hdl::board_top`]: reset, link, frame
//! bridge, multi-lane core) with the oscillator as its clock, driven through its link pins by
//! a [`LinkEnd`]: [`UartEnd`] drives the two UART pins at bit level (the simulated device the
//! host talks to by default), [`FifoEnd`] is an FT2232H on the FT245 FIFO pins
//! ([`crate::ft2232h`]), with the FIFO's clock as the board's one clock.

use crate::ft2232h::{ChipConfigError, FpgaPins, Ft2232hConfig, Ft2232hFifo};
use crate::ok_host::{BoardPins, OkHost, OkHostConfig, OkHostConfigError};
use crate::uart_line::{UartReceiver, UartSender};
use crate::verilator::{ModelSpec, VerilatedModel, VerilatorError};
use atomik_hdl::board_top::{
    board_ports, board_top_verilog, fifo_board_ports, fifo_board_top_verilog, ok_board_ports,
    ok_board_top_verilog, BoardTopConfig, ClockSource, FifoBoardTopConfig, OkBoardTopConfig,
    BOARD_MODULE, FIFO_BOARD_MODULE, OK_BOARD_MODULE,
};
use atomik_hdl::export::ExportError;
use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::link::ok_pipe::OkPipeConfig;
use atomik_hdl::link::{FifoLinkConfig, LinkConfig};
use std::path::Path;

/// Why the simulated board could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SimBoardError {
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(transparent)]
    Verilator(#[from] VerilatorError),
    #[error(transparent)]
    Chip(#[from] ChipConfigError),
    #[error(transparent)]
    OkHost(#[from] OkHostConfigError),
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

/// The FIFO board top of `lanes` (link on `clk_in`: one clock in simulation), as a Verilator
/// model spec.
pub fn fifo_board_model_spec(
    lanes: LanesConfig,
    link: FifoLinkConfig,
    trace: bool,
) -> Result<ModelSpec, ExportError> {
    let config = FifoBoardTopConfig {
        lanes,
        link,
        clock: ClockSource::Direct,
        ftdi_clock_pin: false,
        leds: 4,
        leds_active_low: false,
    };
    let verilog = fifo_board_top_verilog(&config)?;
    let mut spec = ModelSpec::new(
        format!(
            "board_fifo_{}_t{}",
            lanes.name(),
            link.timeout_clocks_per_bit
        ),
        verilog,
        FIFO_BOARD_MODULE,
        "clk_in",
    );
    for (name, width, input) in fifo_board_ports(&config) {
        spec = if input {
            spec.input(name, width)
        } else {
            spec.output(name, width)
        };
    }
    Ok(spec.with_trace(trace))
}

/// The Opal Kelly pipe board top of `lanes` (everything on `clk_in`, the FrontPanel clock), as
/// a Verilator model spec.
pub fn ok_board_model_spec(
    lanes: LanesConfig,
    link: OkPipeConfig,
    trace: bool,
) -> Result<ModelSpec, ExportError> {
    let config = OkBoardTopConfig {
        lanes,
        link,
        leds: 4,
    };
    let verilog = ok_board_top_verilog(&config)?;
    let mut spec = ModelSpec::new(
        format!(
            "board_ok_{}_i{}_o{}_t{}",
            lanes.name(),
            link.in_block_words,
            link.out_block_words,
            link.timeout_clocks_per_bit
        ),
        verilog,
        OK_BOARD_MODULE,
        "clk_in",
    );
    for (name, width, input) in ok_board_ports(&config) {
        spec = if input {
            spec.input(name, width)
        } else {
            spec.output(name, width)
        };
    }
    Ok(spec.with_trace(trace))
}

/// What sits on a simulated board's link pins: the host's end of the link.
pub trait LinkEnd {
    /// Bytes from the host, to go out on the link.
    fn queue(&mut self, bytes: &[u8]);
    /// Bytes queued but not yet delivered to the board.
    fn backlog(&self) -> usize;
    /// One board clock: drive the board's link inputs, tick the model, sample its outputs;
    /// returns a byte that reached the host.
    fn clock(&mut self, model: &mut VerilatedModel) -> Option<u8>;
}

/// The host's UART bridge at bit level.
pub struct UartEnd {
    link: LinkConfig,
    rx_pin: usize,
    tx_pin: usize,
    sender: UartSender,
    receiver: UartReceiver,
}

impl LinkEnd for UartEnd {
    fn queue(&mut self, bytes: &[u8]) {
        self.sender.queue(bytes);
    }

    fn backlog(&self) -> usize {
        self.sender.backlog()
    }

    fn clock(&mut self, model: &mut VerilatedModel) -> Option<u8> {
        let level = self.sender.level();
        model.set(self.rx_pin, level as u64);
        model.tick();
        self.receiver.sample(model.get(self.tx_pin) != 0)
    }
}

/// An FT2232H on the board's FT245 FIFO pins.
pub struct FifoEnd {
    link: FifoLinkConfig,
    chip: Ft2232hFifo,
    rxf_n: usize,
    txe_n: usize,
    d_in: usize,
    rd_n: usize,
    wr_n: usize,
    oe_n: usize,
    d_out: usize,
    d_oe: usize,
}

impl LinkEnd for FifoEnd {
    fn queue(&mut self, bytes: &[u8]) {
        self.chip.host_write(bytes);
    }

    fn backlog(&self) -> usize {
        self.chip.backlog()
    }

    fn clock(&mut self, model: &mut VerilatedModel) -> Option<u8> {
        // The board's outputs now are its registers after the last edge: its pins this clock.
        let fpga = FpgaPins {
            rd_n: model.get(self.rd_n) != 0,
            wr_n: model.get(self.wr_n) != 0,
            oe_n: model.get(self.oe_n) != 0,
            data_out: model.get(self.d_out) as u8,
            data_oe: model.get(self.d_oe) != 0,
        };
        let chip = self.chip.drive(&fpga);
        model.set(self.rxf_n, chip.rxf_n as u64);
        model.set(self.txe_n, chip.txe_n as u64);
        model.set(self.d_in, chip.data as u64);
        model.tick();
        self.chip.edge(&fpga, &chip)
    }
}

/// An okHost on the board's pipe endpoints. The bytes [`LinkEnd::queue`] takes are whole
/// pipe-in blocks (already packed by the host); pipe-out words collect in the [`OkHost`]
/// ([`OkHost::take_out_words`]), so [`LinkEnd::clock`] returns no bytes.
pub struct OkEnd {
    link: OkPipeConfig,
    host: OkHost,
    pins: [usize; 6],
    pi_ready: usize,
    po_ready: usize,
    po_data: usize,
    geometry: usize,
    health: usize,
}

impl LinkEnd for OkEnd {
    fn queue(&mut self, bytes: &[u8]) {
        let words: Vec<u32> = bytes
            .chunks(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("whole words")))
            .collect();
        self.host.write_blocks(&words);
    }

    fn backlog(&self) -> usize {
        4 * self.host.in_backlog()
    }

    fn clock(&mut self, model: &mut VerilatedModel) -> Option<u8> {
        let board = BoardPins {
            pi_ready: model.get(self.pi_ready) != 0,
            po_ready: model.get(self.po_ready) != 0,
        };
        let p = self.host.drive(&board);
        let [reset, pi_write, pi_strobe, pi_data, po_read, po_strobe] = self.pins;
        model.set(reset, p.reset as u64);
        model.set(pi_write, p.pi_write as u64);
        model.set(pi_strobe, p.pi_blockstrobe as u64);
        model.set(pi_data, p.pi_data as u64);
        model.set(po_read, p.po_read as u64);
        model.set(po_strobe, p.po_blockstrobe as u64);
        model.tick();
        self.host.edge(model.get(self.po_data) as u32);
        None
    }
}

impl SimBoard<OkEnd> {
    /// Builds (or loads from the cache) the board model with the Opal Kelly pipe link, and an
    /// okHost configured as `host` on its endpoints.
    pub fn new_ok(
        lanes: LanesConfig,
        link: OkPipeConfig,
        host: OkHostConfig,
    ) -> Result<SimBoard<OkEnd>, SimBoardError> {
        let host = OkHost::new(host, link.in_block_words, link.out_block_words)?;
        let model = VerilatedModel::build(&ok_board_model_spec(lanes, link, false)?)?;
        Ok(SimBoard {
            lanes,
            led_pin: model.output("led")?,
            end: OkEnd {
                link,
                host,
                pins: [
                    model.input("ok_reset")?,
                    model.input("pi_write")?,
                    model.input("pi_blockstrobe")?,
                    model.input("pi_data")?,
                    model.input("po_read")?,
                    model.input("po_blockstrobe")?,
                ],
                pi_ready: model.output("pi_ready")?,
                po_ready: model.output("po_ready")?,
                po_data: model.output("po_data")?,
                geometry: model.output("ok_geometry")?,
                health: model.output("ok_health")?,
            },
            model,
        })
    }

    pub fn link(&self) -> OkPipeConfig {
        self.end.link
    }

    /// The simulated okHost (queues, counters, rule violations).
    pub fn ok_host(&self) -> &OkHost {
        &self.end.host
    }

    pub fn ok_host_mut(&mut self) -> &mut OkHost {
        &mut self.end.host
    }

    /// The two WireOuts as the board drives them now: `(geometry, health)`.
    pub fn wire_outs(&self) -> (u32, u32) {
        (
            self.model.get(self.end.geometry) as u32,
            self.model.get(self.end.health) as u32,
        )
    }
}

/// A simulated board with the host's end of its link attached to its pins.
pub struct SimBoard<E: LinkEnd = UartEnd> {
    lanes: LanesConfig,
    model: VerilatedModel,
    led_pin: usize,
    end: E,
}

impl SimBoard<UartEnd> {
    /// Builds (or loads from the cache) the board model with the UART link.
    pub fn new(lanes: LanesConfig, link: LinkConfig) -> Result<SimBoard, SimBoardError> {
        let model = VerilatedModel::build(&board_model_spec(lanes, link, false)?)?;
        let cpb = link.clocks_per_bit as u32;
        Ok(SimBoard {
            lanes,
            led_pin: model.output("led")?,
            end: UartEnd {
                link,
                rx_pin: model.input("uart_rx")?,
                tx_pin: model.output("uart_tx")?,
                sender: UartSender::new(cpb),
                receiver: UartReceiver::new(cpb),
            },
            model,
        })
    }

    pub fn link(&self) -> LinkConfig {
        self.end.link
    }

    /// Clocks one UART bit takes.
    pub fn clocks_per_bit(&self) -> u64 {
        self.end.link.clocks_per_bit as u64
    }

    /// Bytes from the board dropped for a bad stop bit (must stay 0).
    pub fn framing_errors(&self) -> u64 {
        self.end.receiver.framing_errors
    }
}

impl SimBoard<FifoEnd> {
    /// Builds (or loads from the cache) the board model with the FT245 FIFO link, and an
    /// FT2232H configured as `chip` on its FIFO pins.
    pub fn new_fifo(
        lanes: LanesConfig,
        link: FifoLinkConfig,
        chip: Ft2232hConfig,
    ) -> Result<SimBoard<FifoEnd>, SimBoardError> {
        let chip = Ft2232hFifo::new(chip)?;
        let model = VerilatedModel::build(&fifo_board_model_spec(lanes, link, false)?)?;
        Ok(SimBoard {
            lanes,
            led_pin: model.output("led")?,
            end: FifoEnd {
                link,
                chip,
                rxf_n: model.input("ftdi_rxf_n")?,
                txe_n: model.input("ftdi_txe_n")?,
                d_in: model.input("ftdi_d_in")?,
                rd_n: model.output("ftdi_rd_n")?,
                wr_n: model.output("ftdi_wr_n")?,
                oe_n: model.output("ftdi_oe_n")?,
                d_out: model.output("ftdi_d_out")?,
                d_oe: model.output("ftdi_d_oe")?,
            },
            model,
        })
    }

    pub fn link(&self) -> FifoLinkConfig {
        self.end.link
    }

    /// The simulated FTDI chip (buffers, counters, bus-rule violations).
    pub fn chip(&self) -> &Ft2232hFifo {
        &self.end.chip
    }

    pub fn chip_mut(&mut self) -> &mut Ft2232hFifo {
        &mut self.end.chip
    }
}

impl<E: LinkEnd> SimBoard<E> {
    pub fn lanes(&self) -> LanesConfig {
        self.lanes
    }

    /// Queues bytes from the host for the board's link.
    pub fn send(&mut self, bytes: &[u8]) {
        self.end.queue(bytes);
    }

    /// Bytes queued but not yet delivered to the board.
    pub fn send_backlog(&self) -> usize {
        self.end.backlog()
    }

    /// One clock: drives the link's inputs, samples its outputs; a byte that reached the host
    /// is returned.
    pub fn tick(&mut self) -> Option<u8> {
        self.end.clock(&mut self.model)
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

    pub fn open_vcd(&mut self, path: &Path) -> Result<(), VerilatorError> {
        self.model.open_vcd(path)
    }
}
