//! The host link: how a board talks to the host. UART 8N1 ([`uart_rx`], [`uart_tx`]) carrying
//! CRC-checked, sequence-numbered frames ([`frame`], decoded by [`bridge`]), assembled in
//! [`host_link`] and exported as Verilog module [`LINK_MODULE`] by [`link_verilog`].
//! The FTDI FT245 synchronous FIFO ([`ft245`]) carries the same frames: [`fifo_host_link`],
//! exported as [`FIFO_LINK_MODULE`] by [`fifo_link_verilog`]. Both share [`bridge_port`].

pub mod batch_apply;
pub mod bridge;
pub mod bridge_port;
pub mod command_slice;
pub mod crc32;
mod crc_step;
pub mod fifo_host_link;
pub mod frame;
pub mod frame_buffer;
pub mod ft245;
pub mod handshake_port;
pub mod host_link;
pub mod mmio_window;
pub mod ok_host_link;
pub mod ok_pipe;
pub mod uart_rx;
pub mod uart_tx;

use crate::export::{rename_top, ExportError};
use host_link::HostLink;
use rust_hdl::prelude::*;
use thiserror::Error;

/// The Verilog module name of the exported link.
pub const LINK_MODULE: &str = "atomik_link";

/// Largest tolerated difference between the wanted baud rate and the one the divider gives.
/// A receiver samples the stop bit 9.5 bit times after the start edge, so it stays inside
/// the bit while the two rates differ by less than 1/19 (5.3 %); 3 % leaves the rest for the
/// host bridge's own error and edge jitter.
pub const MAX_BAUD_ERROR: f64 = 0.03;

/// A rejected link parameter, naming the bad value.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum LinkError {
    #[error(
        "baud rate {baud} at a {clock_mhz} MHz clock gives {clocks_per_bit} clocks per bit; \
         the UART needs 4 to 65535 (choose a lower baud rate or a faster clock)"
    )]
    Divider {
        baud: u32,
        clock_mhz: f64,
        clocks_per_bit: u64,
    },
    #[error(
        "baud rate {baud} at a {clock_mhz} MHz clock is off by {percent:.2} % \
         (the nearest divider gives {actual:.0} baud; at most 3 % works)"
    )]
    BaudError {
        baud: u32,
        clock_mhz: f64,
        actual: f64,
        percent: f64,
    },
    #[error(
        "FIFO link: clock {clock_mhz} MHz with an idle timeout of {timeout_us} us gives \
         {clocks} clocks; the frame bridge counts {min} to {max} (the FTDI CLKOUT is 60 MHz)"
    )]
    FifoTimeout {
        clock_mhz: f64,
        timeout_us: f64,
        clocks: f64,
        min: u64,
        max: u64,
    },
}

/// Parameters of a host link.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkConfig {
    /// Clock periods per UART bit (4..=65535): the clock frequency over the baud rate.
    pub clocks_per_bit: u16,
}

impl LinkConfig {
    /// The divider for `baud` at a `clock_mhz` clock, validated for range and accuracy.
    pub fn new(clock_mhz: f64, baud: u32) -> Result<LinkConfig, LinkError> {
        let exact = clock_mhz * 1e6 / baud as f64;
        let clocks_per_bit = exact.round().max(0.0) as u64;
        if !(4..=65535).contains(&clocks_per_bit) {
            return Err(LinkError::Divider {
                baud,
                clock_mhz,
                clocks_per_bit,
            });
        }
        let actual = clock_mhz * 1e6 / clocks_per_bit as f64;
        let error = (actual - baud as f64).abs() / baud as f64;
        if error > MAX_BAUD_ERROR {
            return Err(LinkError::BaudError {
                baud,
                clock_mhz,
                actual,
                percent: error * 100.0,
            });
        }
        Ok(LinkConfig {
            clocks_per_bit: clocks_per_bit as u16,
        })
    }

    /// A divider given directly (simulation uses small ones to keep runs short).
    pub fn with_clocks_per_bit(clocks_per_bit: u16) -> Result<LinkConfig, LinkError> {
        if clocks_per_bit < 4 {
            return Err(LinkError::Divider {
                baud: 0,
                clock_mhz: 0.0,
                clocks_per_bit: clocks_per_bit as u64,
            });
        }
        Ok(LinkConfig { clocks_per_bit })
    }
}

/// The FT2232H / FT232H CLKOUT in synchronous FIFO mode, MHz.
pub const FTDI_CLKOUT_MHZ: f64 = 60.0;

/// How long a partly received frame may stall on the FIFO link before the bridge drops it, us.
/// Longer than a USB 2.0 microframe (125 us), so a frame split across USB packets is not cut;
/// short enough that a host retransmitting after a lost answer waits little.
pub const FIFO_IDLE_TIMEOUT_US: f64 = 1000.0;

/// Parameters of the FT245 FIFO link.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FifoLinkConfig {
    /// The FIFO clock (the chip's CLKOUT), MHz.
    pub clock_mhz: f64,
    /// The bridge's idle timeout, us (see [`FIFO_IDLE_TIMEOUT_US`]).
    pub idle_timeout_us: f64,
    /// The bridge measures its idle timeout as [`frame::IDLE_TIMEOUT_BITS`] "bits" of this many
    /// clocks (the UART link's bit period; here only a unit of the timeout).
    pub timeout_clocks_per_bit: u16,
}

impl FifoLinkConfig {
    /// A FIFO link at `clock_mhz` dropping a stalled frame after `idle_timeout_us`, validated
    /// against the bridge's timeout counter.
    pub fn new(clock_mhz: f64, idle_timeout_us: f64) -> Result<FifoLinkConfig, LinkError> {
        let clocks = clock_mhz * idle_timeout_us;
        let bits = frame::IDLE_TIMEOUT_BITS as f64;
        let unit = (clocks / bits).ceil();
        // At least a byte's worth of clocks (8): a frame never stalls for less between bytes.
        let (min, max) = (8 * frame::IDLE_TIMEOUT_BITS as u64, 65535 * bits as u64);
        if !(clocks.is_finite() && clock_mhz > 0.0) || clocks < min as f64 || unit > 65535.0 {
            return Err(LinkError::FifoTimeout {
                clock_mhz,
                timeout_us: idle_timeout_us,
                clocks,
                min,
                max,
            });
        }
        Ok(FifoLinkConfig {
            clock_mhz,
            idle_timeout_us,
            timeout_clocks_per_bit: unit as u16,
        })
    }

    /// The link of a real FT2232H / FT232H: 60 MHz, [`FIFO_IDLE_TIMEOUT_US`].
    pub fn ftdi() -> FifoLinkConfig {
        FifoLinkConfig::new(FTDI_CLKOUT_MHZ, FIFO_IDLE_TIMEOUT_US)
            .expect("the FTDI defaults are in range")
    }

    /// Clocks of silence after which a partial frame is dropped.
    pub fn idle_timeout_clocks(&self) -> u64 {
        self.timeout_clocks_per_bit as u64 * frame::IDLE_TIMEOUT_BITS as u64
    }
}

/// The Verilog module name of the exported FIFO link.
pub const FIFO_LINK_MODULE: &str = "atomik_fifo_link";

/// The FIFO link's Verilog: module [`FIFO_LINK_MODULE`] (children prefixed the same way).
pub fn fifo_link_verilog(config: &FifoLinkConfig) -> Result<String, ExportError> {
    let mut link = fifo_host_link::FifoHostLink::new(config);
    link.connect_all();
    check_all(&link).map_err(|e| ExportError {
        config: format!("fifo_link_t{}", config.timeout_clocks_per_bit),
        detail: format!("{e:?}"),
    })?;
    Ok(rename_top(
        &generate_verilog_unchecked(&link),
        FIFO_LINK_MODULE,
    ))
}

/// The link's Verilog: module [`LINK_MODULE`] (and its children, prefixed the same way).
pub fn link_verilog(config: &LinkConfig) -> Result<String, ExportError> {
    let mut link = HostLink::new(config);
    link.connect_all();
    check_all(&link).map_err(|e| ExportError {
        config: format!("link_cpb{}", config.clocks_per_bit),
        detail: format!("{e:?}"),
    })?;
    Ok(rename_top(&generate_verilog_unchecked(&link), LINK_MODULE))
}

/// The Verilog module name of the exported [`handshake_port::HandshakePort`].
pub const HANDSHAKE_MODULE: &str = "atomik_handshake";

/// The cross-domain command port's Verilog: module [`HANDSHAKE_MODULE`].
pub fn handshake_port_verilog() -> Result<String, ExportError> {
    let mut port = handshake_port::HandshakePort::default();
    port.connect_all();
    check_all(&port).map_err(|e| ExportError {
        config: "handshake_port".into(),
        detail: format!("{e:?}"),
    })?;
    Ok(rename_top(
        &generate_verilog_unchecked(&port),
        HANDSHAKE_MODULE,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dividers_are_validated_with_the_bad_value_named() {
        assert_eq!(LinkConfig::new(27.0, 3_000_000).unwrap().clocks_per_bit, 9);
        assert_eq!(LinkConfig::new(100.0, 115_200).unwrap().clocks_per_bit, 868);
        let e = LinkConfig::new(10.0, 3_000_000).unwrap_err().to_string();
        assert!(
            e.contains("3000000") && e.contains("3 clocks per bit"),
            "{e}"
        );
        let e = LinkConfig::new(1000.0, 300).unwrap_err().to_string();
        assert!(e.contains("3333333 clocks per bit"), "{e}");
        // 46.875 MHz / 3 Mbaud = 15.6 → 16 → 2.93 Mbaud, 2.3 % off: accepted; 19.5 MHz /
        // 3 Mbaud = 6.5 → 7 → 2.79 Mbaud, 7.1 % off: refused.
        assert!(LinkConfig::new(46.875, 3_000_000).is_ok());
        let e = LinkConfig::new(19.5, 3_000_000).unwrap_err().to_string();
        assert!(e.contains("7.14 %"), "{e}");
        assert!(LinkConfig::with_clocks_per_bit(3).is_err());
    }

    #[test]
    fn fifo_parameters_are_validated_with_the_bad_value_named() {
        let c = FifoLinkConfig::ftdi();
        assert_eq!(c.idle_timeout_clocks(), 60_000);
        let e = FifoLinkConfig::new(60.0, 1.0).unwrap_err().to_string();
        assert!(e.contains("1 us") && e.contains("60 clocks"), "{e}");
        let e = FifoLinkConfig::new(60.0, 1e6).unwrap_err().to_string();
        assert!(e.contains("60000000 clocks"), "{e}");
        assert!(FifoLinkConfig::new(0.0, 1000.0).is_err());
        assert!(FifoLinkConfig::new(f64::NAN, 1000.0).is_err());
    }

    #[test]
    fn fifo_link_verilog_has_only_renamed_modules() {
        let v = fifo_link_verilog(&FifoLinkConfig::ftdi()).unwrap();
        assert!(v.contains("module atomik_fifo_link("), "{}", &v[..200]);
        for line in v.lines().filter(|l| l.starts_with("module ")) {
            assert!(line.starts_with("module atomik_fifo_link"), "{line}");
        }
    }

    #[test]
    fn link_verilog_has_only_renamed_modules() {
        let v = link_verilog(&LinkConfig::with_clocks_per_bit(8).unwrap()).unwrap();
        assert!(v.contains("module atomik_link("), "{}", &v[..200]);
        for line in v.lines().filter(|l| l.starts_with("module ")) {
            assert!(line.starts_with("module atomik_link"), "{line}");
        }
    }
}
