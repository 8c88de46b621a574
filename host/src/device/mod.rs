//! The host API: one [`Device`] handle whatever the link, with the model's operations
//! (load, accum, read, swap, batch_accum) on addressed contexts, the identity registers and
//! the on-chip generator. Moving code from the model to a board is changing the URI.
//!
//! - [`uri`]: `sim://` (the default: the board top in Verilator, in this process),
//!   `sim://?link=fifo` (the FT245 FIFO board top behind a simulated FT2232H), `serial://` (a
//!   USB-UART bridge), `ftdi://` (an FT2232H / FT232H in synchronous FIFO mode) and `pcie://`
//!   (a register window behind a PCIe bridge, or `pcie://sim`, the window in Verilator behind a
//!   mapped file), `xdma://` (the same window on an XDMA driver's user BAR) and `ok://` (Opal
//!   Kelly FrontPanel pipes, or `ok://sim`).
//! - [`transport`]: the byte-link trait; [`sim_transport`], [`serial_transport`],
//!   [`ftdi_transport`], [`pcie_transport`] (with [`pcie_sim`] and [`xdma`]), [`ok_transport`]
//!   (over the [`frontpanel`] trait: the SDK, or [`frontpanel_sim`]).
//! - [`frame_link`]: sequence numbers, retransmission and response checking.
//!
//! Errors name the device, the operation, and how many operations the device acknowledged
//! before it failed: everything counted there was applied exactly once, nothing after it is
//! known to have been.

pub mod fault_transport;
pub mod frame_link;
pub mod frontpanel;
pub mod frontpanel_sim;
pub mod ftdi_transport;
pub mod messages;
pub mod ok_transport;
pub mod pcie_sim;
pub mod pcie_transport;
pub mod serial_transport;
pub mod sim_transport;
pub mod transport;
pub mod uri;
pub mod xdma;

use atomik_hdl::lanes::shared::FEED_PER_CLOCK;
use atomik_hdl::lanes::single::{StatusReg, DESIGN_ID};
use atomik_hdl::link::frame::{
    BatchError, FrameStatus, Response, MAX_BATCH_DELTAS, PROTOCOL_VERSION,
};
use atomik_hdl::Op;
use atomik_sim::lanes_model::{gen_run_word, OP_GEN_RUN, OP_GEN_SEED, OP_STATUS};
use frame_link::{ExchangeError, FrameLink, LinkStats};
use std::time::Duration;
use transport::Transport;
use uri::DeviceUri;

/// Why a device operation failed.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("bad device URI: {0}")]
    Uri(String),
    #[error("cannot open {device}: {cause}")]
    Open { device: String, cause: String },
    #[error(
        "{device}: {op} failed: {cause} ({acknowledged} operations were acknowledged before it; \
         the last was {last_acknowledged})"
    )]
    Link {
        device: String,
        op: String,
        cause: String,
        acknowledged: u64,
        last_acknowledged: String,
    },
    #[error("{device}: {op} was refused with status {status} ({meaning})")]
    Refused {
        device: String,
        op: String,
        status: u8,
        meaning: &'static str,
    },
    #[error("{device}: context {addr} is out of range: the design has {contexts} contexts")]
    Address {
        device: String,
        addr: u32,
        contexts: u32,
    },
    #[error(
        "{device}: the delta {delta:#x} for context {addr} has bits above the design's \
         {width}-bit width (made for wider contexts?)"
    )]
    Width {
        device: String,
        addr: u32,
        delta: u64,
        width: u64,
    },
    #[error("{device}: a batch frame carries 1 to {max} deltas, not {size}", max = MAX_BATCH_DELTAS)]
    BatchSize { device: String, size: usize },
    #[error("{device} is not an ATOMiK design: its ID register reads {id:#018x}")]
    NotAtomik { device: String, id: u64 },
    #[error(
        "{device} is an ATOMiK design of version {board}, but this host speaks version {host} \
         (link protocol v2 is version 3): rebuild the bitstream or use a matching host"
    )]
    Version {
        device: String,
        board: u16,
        host: u16,
    },
}

/// What the design reports about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceInfo {
    pub id: u64,
    /// Design version (the ID's low 16 bits).
    pub version: u16,
    pub lanes: u64,
    pub width: u64,
    pub contexts: u64,
    /// The generator feeds one context per clock, every lane into it (the shared-table core's
    /// `StatusReg::Feed`), rather than lane i into context base + i.
    pub feed_per_clock: bool,
    /// The device's free-running clock counter when read.
    pub clock: u64,
}

/// A board (real or simulated) behind a transport.
pub struct Device {
    name: String,
    link: FrameLink<Box<dyn Transport>>,
    info: DeviceInfo,
    acknowledged: u64,
    last_acknowledged: String,
}

/// A `Box<dyn Transport>` is a transport.
impl Transport for Box<dyn Transport> {
    fn describe(&self) -> String {
        (**self).describe()
    }
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        (**self).send(bytes)
    }
    fn receive(&mut self, want: usize, timeout: Duration) -> std::io::Result<Vec<u8>> {
        (**self).receive(want, timeout)
    }
    fn send_ahead(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        (**self).send_ahead(bytes)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        (**self).flush()
    }
    fn queued(&self) -> usize {
        (**self).queued()
    }
    fn link_time(&self) -> Duration {
        (**self).link_time()
    }
    fn raw_bytes_per_sec(&self) -> f64 {
        (**self).raw_bytes_per_sec()
    }
    fn simulated(&self) -> bool {
        (**self).simulated()
    }
    fn board_clock_hz(&self) -> Option<f64> {
        (**self).board_clock_hz()
    }
    fn max_frames_in_flight(&self) -> usize {
        (**self).max_frames_in_flight()
    }
}

/// USB bridges buffer bytes for up to a few milliseconds (FTDI's latency timer is 16 ms by
/// default): real links wait that much longer for a response.
const USB_LATENCY: Duration = Duration::from_millis(40);

/// A register window answers in microseconds; the margin is for the host being descheduled
/// while it polls.
pub const PCIE_LATENCY: Duration = Duration::from_millis(2);

/// How long the host waits for an answer beyond the bytes' own time on the pipe link: the
/// board's frame timeout (so a retransmission finds the decoder hunting) and, on hardware,
/// USB's per-call latency.
pub fn ok_latency(link: &atomik_hdl::link::ok_pipe::OkPipeConfig, hardware: bool) -> Duration {
    let timeout = Duration::from_secs_f64(link.idle_timeout_us * 1e-6);
    if hardware {
        timeout + Duration::from_millis(20)
    } else {
        timeout
    }
}

impl Device {
    /// Opens a device by URI and reads its identity.
    pub fn open(uri: &str) -> Result<Device, DeviceError> {
        let parsed = DeviceUri::parse(uri).map_err(DeviceError::Uri)?;
        let (transport, latency): (Box<dyn Transport>, Duration) = match parsed {
            DeviceUri::Sim {
                lanes,
                clock_hz,
                clocks_per_bit,
            } => {
                let t = sim_transport::SimTransport::new(lanes, clock_hz, clocks_per_bit).map_err(
                    |e| DeviceError::Open {
                        device: uri.into(),
                        cause: e.to_string(),
                    },
                )?;
                (Box::new(t), Duration::ZERO)
            }
            DeviceUri::Serial { path, baud } => {
                let t = serial_transport::SerialTransport::open(&path, baud).map_err(|e| {
                    DeviceError::Open {
                        device: uri.into(),
                        cause: e.to_string(),
                    }
                })?;
                (Box::new(t), USB_LATENCY)
            }
            DeviceUri::SimFifo {
                lanes,
                usb_bytes_per_sec,
            } => {
                let chip = atomik_sim::ft2232h::Ft2232hConfig {
                    usb_bytes_per_clock: usb_bytes_per_sec / atomik_sim::ft2232h::CLKOUT_HZ,
                    ..atomik_sim::ft2232h::Ft2232hConfig::ft2232h()
                };
                let pipe = ftdi_transport::SimFifoPipe::new(lanes, chip).map_err(|e| {
                    DeviceError::Open {
                        device: uri.into(),
                        cause: e.to_string(),
                    }
                })?;
                let latency = ftdi_transport::answer_latency(
                    &atomik_hdl::link::FifoLinkConfig::ftdi(),
                    false,
                );
                (Box::new(ftdi_transport::FtdiTransport::new(pipe)), latency)
            }
            DeviceUri::Ftdi(selector) => {
                let t =
                    ftdi_transport::open_hardware(&selector).map_err(|e| DeviceError::Open {
                        device: uri.into(),
                        cause: e.to_string(),
                    })?;
                let latency =
                    ftdi_transport::answer_latency(&atomik_hdl::link::FifoLinkConfig::ftdi(), true);
                (t, latency)
            }
            DeviceUri::PcieBar {
                bdf,
                path,
                clock_hz,
            } => {
                let t = match (bdf, path) {
                    (Some(bdf), _) => pcie_transport::PcieTransport::open_bar(&bdf, clock_hz),
                    (None, Some(path)) => pcie_transport::PcieTransport::map_path(
                        std::path::Path::new(&path),
                        format!("pcie://{path}"),
                        clock_hz,
                        Box::<pcie_transport::WallClock>::default(),
                    ),
                    (None, None) => unreachable!("the URI parser gives a device or a path"),
                }
                .map_err(|e| DeviceError::Open {
                    device: uri.into(),
                    cause: e.to_string(),
                })?;
                (Box::new(t), PCIE_LATENCY)
            }
            DeviceUri::PcieSim {
                lanes,
                window,
                clock_hz,
                read_ns,
            } => {
                let (t, _) = pcie_sim::open_simulated(lanes, window, clock_hz, read_ns, None)
                    .map_err(|cause| DeviceError::Open {
                        device: uri.into(),
                        cause,
                    })?;
                (Box::new(t), PCIE_LATENCY)
            }
            DeviceUri::Xdma { prefix, clock_hz } => {
                let t = xdma::open(&prefix, clock_hz).map_err(|e| DeviceError::Open {
                    device: uri.into(),
                    cause: e.to_string(),
                })?;
                (Box::new(t), PCIE_LATENCY)
            }
            DeviceUri::OkSim { lanes, host } => {
                let link = frontpanel_sim::SimFrontPanel::link_for(&host);
                let open_error = |cause: String| DeviceError::Open {
                    device: uri.into(),
                    cause,
                };
                let fp = frontpanel_sim::SimFrontPanel::new(lanes, link, host)
                    .map_err(|e| open_error(e.to_string()))?;
                let t =
                    ok_transport::OkTransport::open(fp).map_err(|e| open_error(e.to_string()))?;
                (Box::new(t), ok_latency(&link, false))
            }
            DeviceUri::Ok {
                serial,
                usb_bytes_per_sec,
            } => {
                let open_error = |e: frontpanel::FrontPanelError| DeviceError::Open {
                    device: uri.into(),
                    cause: e.to_string(),
                };
                let fp =
                    frontpanel::open_hardware(&serial, usb_bytes_per_sec).map_err(open_error)?;
                let t = ok_transport::OkTransport::open(fp).map_err(open_error)?;
                let link = atomik_hdl::link::ok_pipe::OkPipeConfig::xem7010();
                (Box::new(t), ok_latency(&link, true))
            }
        };
        Self::with_transport(uri, transport, latency)
    }

    /// A device over an already open transport (tests, custom links).
    pub fn with_transport(
        name: &str,
        transport: Box<dyn Transport>,
        latency: Duration,
    ) -> Result<Device, DeviceError> {
        let mut d = Device {
            name: name.into(),
            link: FrameLink::new(transport, latency),
            info: DeviceInfo {
                id: 0,
                version: 0,
                lanes: 0,
                width: 0,
                contexts: 0,
                feed_per_clock: false,
                clock: 0,
            },
            acknowledged: 0,
            last_acknowledged: "none".into(),
        };
        let id = d.status(StatusReg::Id).map_err(|e| match e {
            // A board of protocol v1 drops every v2 frame (its CRC-8 check fails): say so.
            DeviceError::Link { cause, .. } => DeviceError::Open {
                device: d.name.clone(),
                cause: format!(
                    "no answer to the ID read ({cause}); a board built for link protocol v1 \
                     (design version 2) does not answer this host's v2 frames"
                ),
            },
            other => other,
        })?;
        if id >> 32 != DESIGN_ID >> 32 {
            return Err(DeviceError::NotAtomik {
                device: d.name.clone(),
                id,
            });
        }
        if id as u16 != PROTOCOL_VERSION {
            return Err(DeviceError::Version {
                device: d.name.clone(),
                board: id as u16,
                host: PROTOCOL_VERSION,
            });
        }
        // Number the frames from where the board's sequence is.
        let sync = d.link.sync();
        d.answer("STATUS LinkSeq".into(), 1, sync)?;
        d.info = DeviceInfo {
            id,
            version: id as u16,
            lanes: d.status(StatusReg::Lanes)?,
            width: d.status(StatusReg::Width)?,
            contexts: d.status(StatusReg::Contexts)?,
            feed_per_clock: d.status(StatusReg::Feed)? == FEED_PER_CLOCK,
            clock: d.status(StatusReg::Clock)?,
        };
        Ok(d)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn info(&self) -> DeviceInfo {
        self.info
    }

    /// The board's clock in Hz when the link knows it (a simulated board's nominal clock).
    pub fn board_clock_hz(&self) -> Option<f64> {
        self.link.transport.board_clock_hz()
    }

    pub fn transport(&self) -> &dyn Transport {
        &*self.link.transport
    }

    pub fn transport_mut(&mut self) -> &mut Box<dyn Transport> {
        &mut self.link.transport
    }

    pub fn stats(&self) -> LinkStats {
        self.link.stats
    }

    /// Operations acknowledged since the device was opened.
    pub fn acknowledged(&self) -> u64 {
        self.acknowledged
    }

    fn check_addr(&self, addr: u32) -> Result<u16, DeviceError> {
        if self.info.contexts != 0 && addr as u64 >= self.info.contexts {
            return Err(DeviceError::Address {
                device: self.name.clone(),
                addr,
                contexts: self.info.contexts as u32,
            });
        }
        Ok(addr as u16)
    }

    fn command(&mut self, what: String, op: u8, addr: u16, data: u64) -> Result<u64, DeviceError> {
        let answer = self.link.exchange(op, addr, data);
        self.answer(what, 1, answer)
    }

    /// A response checked for its status; `operations` is what the frame carried (a batch
    /// frame's deltas count one each).
    fn answer(
        &mut self,
        what: String,
        operations: u64,
        answer: Result<Response, ExchangeError>,
    ) -> Result<u64, DeviceError> {
        match answer {
            Ok(r) => match FrameStatus::from_byte(r.status) {
                // Register: a STATUS answer (the frame layer takes it only for a STATUS frame).
                Some(FrameStatus::Ok | FrameStatus::Register) => {
                    self.acknowledged += operations;
                    self.last_acknowledged = what;
                    Ok(r.data)
                }
                other => Err(DeviceError::Refused {
                    device: self.name.clone(),
                    op: what,
                    status: r.status,
                    meaning: other.map_or("unknown status", FrameStatus::meaning),
                }),
            },
            Err(e) => Err(DeviceError::Link {
                device: self.name.clone(),
                op: what,
                cause: match e {
                    ExchangeError::Io(e) => format!("link error: {e}"),
                    ExchangeError::NoResponse {
                        attempts,
                        last_problem,
                    } => format!("no valid response after {attempts} attempts ({last_problem})"),
                },
                acknowledged: self.acknowledged,
                last_acknowledged: self.last_acknowledged.clone(),
            }),
        }
    }

    /// Sets context `addr`'s reference to `value` and clears its accumulator.
    pub fn load(&mut self, addr: u32, value: u64) -> Result<(), DeviceError> {
        let a = self.check_addr(addr)?;
        self.command(format!("LOAD context {addr}"), Op::Load as u8, a, value)
            .map(|_| ())
    }

    /// XORs `delta` into context `addr`.
    pub fn accum(&mut self, addr: u32, delta: u64) -> Result<(), DeviceError> {
        let a = self.check_addr(addr)?;
        self.command(format!("ACCUM context {addr}"), Op::Accum as u8, a, delta)
            .map(|_| ())
    }

    /// Every delta into context `addr`, in order, in batch frames of up to
    /// [`MAX_BATCH_DELTAS`] deltas (each frame applied whole and once, or not at all).
    pub fn batch_accum(&mut self, addr: u32, deltas: &[u64]) -> Result<(), DeviceError> {
        self.batch_accum_in(addr, deltas, MAX_BATCH_DELTAS)
    }

    /// [`Self::batch_accum`] with at most `per_frame` deltas per frame (1 to
    /// [`MAX_BATCH_DELTAS`]; what `atomik bench` varies).
    pub fn batch_accum_in(
        &mut self,
        addr: u32,
        deltas: &[u64],
        per_frame: usize,
    ) -> Result<(), DeviceError> {
        let a = self.check_addr(addr)?;
        if !(1..=MAX_BATCH_DELTAS).contains(&per_frame) {
            return Err(DeviceError::BatchSize {
                device: self.name.clone(),
                size: per_frame,
            });
        }
        let chunks: Vec<&[u64]> = deltas.chunks(per_frame).collect();
        let run = self
            .link
            .exchange_batches(a, &chunks)
            .map_err(|e| match e {
                BatchError::Count(size) => DeviceError::BatchSize {
                    device: self.name.clone(),
                    size,
                },
            })?;
        for chunk in &chunks[..run.acked] {
            self.acknowledged += chunk.len() as u64;
            self.last_acknowledged = format!("batch of {} ACCUMs into context {addr}", chunk.len());
        }
        if let Some(stop) = run.stop {
            let chunk = chunks[run.acked];
            let what = format!("batch of {} ACCUMs into context {addr}", chunk.len());
            self.answer(what, chunk.len() as u64, stop)?;
        }
        Ok(())
    }

    /// The model's `Table::batch_accum`: `(addr, delta)` pairs applied in order. Every address
    /// is checked before anything is sent, so an out-of-range pair changes nothing (as in the
    /// model); consecutive pairs for one context travel together in batch frames.
    pub fn batch_accum_pairs(&mut self, pairs: &[(u32, u64)]) -> Result<(), DeviceError> {
        for &(addr, _) in pairs {
            self.check_addr(addr)?;
        }
        let mut rest = pairs;
        while let Some(&(addr, _)) = rest.first() {
            let run = rest.iter().take_while(|&&(a, _)| a == addr).count();
            let deltas: Vec<u64> = rest[..run].iter().map(|&(_, d)| d).collect();
            self.batch_accum(addr, &deltas)?;
            rest = &rest[run..];
        }
        Ok(())
    }

    /// The model's `Table::snapshot`: `(addr, state)` for every context whose state is not
    /// zero, ascending by address (one READ per context).
    pub fn snapshot(&mut self) -> Result<Vec<(u32, u64)>, DeviceError> {
        let contexts = self.info.contexts.max(1) as u32;
        let mut states = Vec::new();
        for addr in 0..contexts {
            let state = self.read(addr)?;
            if state != 0 {
                states.push((addr, state));
            }
        }
        Ok(states)
    }

    /// Streams deltas into context `addr` as they come from `deltas`, in batch frames of up
    /// to [`MAX_BATCH_DELTAS`]: a window's worth of frames (one on a stop-and-wait link) is
    /// taken from the iterator only once the board has acknowledged the last (back-pressure),
    /// so an endless source is fine. Returns how many deltas were applied.
    pub fn accum_stream(
        &mut self,
        addr: u32,
        deltas: impl IntoIterator<Item = u64>,
    ) -> Result<u64, DeviceError> {
        let mut deltas = deltas.into_iter();
        // As many frames as may be in flight are taken at a time, so a window link keeps its
        // frames queued; the next group is taken once the board acknowledged this one.
        let group = MAX_BATCH_DELTAS * self.link.transport.max_frames_in_flight().max(1);
        let mut frames = Vec::with_capacity(group);
        let mut applied = 0u64;
        loop {
            frames.clear();
            frames.extend(deltas.by_ref().take(group));
            if frames.is_empty() {
                return Ok(applied);
            }
            self.batch_accum(addr, &frames)?;
            applied += frames.len() as u64;
        }
    }

    /// Reference XOR accumulator of context `addr`.
    pub fn read(&mut self, addr: u32) -> Result<u64, DeviceError> {
        let a = self.check_addr(addr)?;
        self.command(format!("READ context {addr}"), Op::Read as u8, a, 0)
    }

    /// Returns the current state and starts a new epoch with it as reference.
    pub fn swap(&mut self, addr: u32) -> Result<u64, DeviceError> {
        let a = self.check_addr(addr)?;
        self.command(format!("SWAP context {addr}"), Op::Swap as u8, a, 0)
    }

    /// Reads a status register.
    pub fn status(&mut self, reg: StatusReg) -> Result<u64, DeviceError> {
        self.command(format!("STATUS {reg:?}"), OP_STATUS, 0, reg as u64)
    }

    /// Stores the generator's seed.
    pub fn gen_seed(&mut self, seed: u64) -> Result<(), DeviceError> {
        self.command("GEN_SEED".into(), OP_GEN_SEED, 0, seed)
            .map(|_| ())
    }

    /// Starts a generator run of `clocks` clocks on `active_lanes` lanes, rounded up to whole
    /// banks of twelve (`atomik_hdl::lanes::lane::active_lanes`; table mode: lane i
    /// feeds context (base + i) mod contexts; shared mode: every lane of the k-th feeding clock
    /// feeds context (base + k) mod contexts).
    pub fn gen_run(
        &mut self,
        clocks: u64,
        active_lanes: u32,
        base: u32,
    ) -> Result<(), DeviceError> {
        let a = self.check_addr(base)?;
        self.command(
            format!("GEN_RUN {clocks} clocks"),
            OP_GEN_RUN,
            a,
            gen_run_word(clocks, active_lanes),
        )
        .map(|_| ())
    }
}
