//! The host API: one [`Device`] handle whatever the link, with the model's operations
//! (load, accum, read, swap, batch_accum) on addressed contexts, the identity registers and
//! the on-chip generator. Moving code from the model to a board is changing the URI.
//!
//! - [`uri`]: `sim://` (the default: the board top in Verilator, in this process) and
//!   `serial://` (a USB-UART bridge).
//! - [`transport`]: the byte-link trait; [`sim_transport`], [`serial_transport`].
//! - [`frame_link`]: sequence numbers, retransmission and response checking.
//!
//! Errors name the device, the operation, and how many operations the device acknowledged
//! before it failed: everything counted there was applied exactly once, nothing after it is
//! known to have been.

pub mod fault_transport;
pub mod frame_link;
pub mod serial_transport;
pub mod sim_transport;
pub mod transport;
pub mod uri;

use atomik_hdl::lanes::single::{StatusReg, DESIGN_ID};
use atomik_hdl::link::frame::FrameStatus;
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
    #[error("{device} is not an ATOMiK design: its ID register reads {id:#018x}")]
    NotAtomik { device: String, id: u64 },
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
    fn link_time(&self) -> Duration {
        (**self).link_time()
    }
    fn raw_bytes_per_sec(&self) -> f64 {
        (**self).raw_bytes_per_sec()
    }
    fn simulated(&self) -> bool {
        (**self).simulated()
    }
}

/// USB bridges buffer bytes for up to a few milliseconds (FTDI's latency timer is 16 ms by
/// default): real links wait that much longer for a response.
const USB_LATENCY: Duration = Duration::from_millis(40);

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
                clock: 0,
            },
            acknowledged: 0,
            last_acknowledged: "none".into(),
        };
        let id = d.status(StatusReg::Id)?;
        if id >> 32 != DESIGN_ID >> 32 {
            return Err(DeviceError::NotAtomik {
                device: d.name.clone(),
                id,
            });
        }
        d.info = DeviceInfo {
            id,
            version: id as u16,
            lanes: d.status(StatusReg::Lanes)?,
            width: d.status(StatusReg::Width)?,
            contexts: d.status(StatusReg::Contexts)?,
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
        match self.link.exchange(op, addr, data) {
            Ok(r) => match FrameStatus::from_byte(r.status) {
                Some(FrameStatus::Ok) => {
                    self.acknowledged += 1;
                    self.last_acknowledged = what;
                    Ok(r.data)
                }
                other => Err(DeviceError::Refused {
                    device: self.name.clone(),
                    op: what,
                    status: r.status,
                    meaning: match other {
                        Some(FrameStatus::IllegalOp) => "illegal opcode",
                        _ => "unknown status",
                    },
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

    /// Every delta into context `addr`, in order (one acknowledged frame each).
    pub fn batch_accum(&mut self, addr: u32, deltas: &[u64]) -> Result<(), DeviceError> {
        for &d in deltas {
            self.accum(addr, d)?;
        }
        Ok(())
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

    /// Starts a generator run of `clocks` clocks on `active_lanes` lanes (table mode: lane i
    /// feeds context (base + i) mod contexts).
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
