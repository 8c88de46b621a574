//! The host link: how a board talks to the host. UART 8N1 ([`uart_rx`], [`uart_tx`]) carrying
//! CRC-checked, sequence-numbered frames ([`frame`], decoded by [`bridge`]), assembled in
//! [`host_link`] and exported as Verilog module [`LINK_MODULE`] by [`link_verilog`].

pub mod bridge;
pub mod crc32;
pub mod crc8;
pub mod frame;
pub mod handshake_port;
pub mod host_link;
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
    fn link_verilog_has_only_renamed_modules() {
        let v = link_verilog(&LinkConfig::with_clocks_per_bit(8).unwrap()).unwrap();
        assert!(v.contains("module atomik_link("), "{}", &v[..200]);
        for line in v.lines().filter(|l| l.starts_with("module ")) {
            assert!(line.starts_with("module atomik_link"), "{line}");
        }
    }
}
