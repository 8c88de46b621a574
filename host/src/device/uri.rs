//! Device URIs: `sim://` (the default), `sim://?link=fifo`, `serial:///dev/ttyUSB1?baud=3000000`,
//! `ftdi://`, `pcie://0000:01:00.0` and `pcie://sim`, and the scheme of a transport this build
//! does not have (`ok://`), which is named in the error rather than misread.
//!
//! - `sim://?link=fifo[&lanes=N&mode=single|table&contexts=C&usb=MBPS]`: the FIFO board top in
//!   Verilator behind a simulated FT2232H (60 MHz CLKOUT; `usb` is the chip's USB rate in MB/s,
//!   40 by default, at most 60, the FIFO bus's own rate).
//! - `ftdi://[?chip=ft2232h|ft232h&serial=S&description=D&index=N]`: a real FT2232H (channel
//!   A) or FT232H in synchronous FIFO mode, the first match unless a selector is given; needs
//!   a build with the cargo feature `ftdi`.
//! - `xdma:///dev/xdma0[?mhz=F]`: the register window on the user BAR of Xilinx's XDMA
//!   driver (`/dev/xdma0_user`), through the `pcie://` transport.
//! - `ok://sim[?lanes=N&mode=..&contexts=C&width=W&usb=2|3]`: the Opal Kelly pipe board top in
//!   Verilator behind a simulated okHost (`usb=2`, the default: 48 MHz FrontPanel clock, pipes
//!   at 40 MB/s, the XEM7010 this project builds for; `usb=3`: 100.8 MHz, 340 MB/s, a USB 3
//!   module such as the XEM7310, for which the pipe link is not built here).
//! - `ok://SERIAL[?usb=2|3]`: a FrontPanel module by serial number (the ceiling quoted is its
//!   USB generation's pipe rate; USB 2 by default, the XEM7010); needs a build with the cargo
//!   feature `opalkelly`.

use super::ftdi_transport::FtdiSelector;
use atomik_hdl::lanes::{LaneMode, LanesConfig};
use atomik_hdl::link::mmio_window::WindowConfig;
use std::collections::BTreeMap;

/// A parsed device URI.
#[derive(Debug, Clone, PartialEq)]
pub enum DeviceUri {
    /// `sim://?lanes=16&mode=single&contexts=256&width=64&mhz=12&cpb=4`.
    Sim {
        lanes: LanesConfig,
        clock_hz: f64,
        clocks_per_bit: u16,
    },
    /// `serial:///dev/ttyUSB1?baud=3000000`.
    Serial { path: String, baud: u32 },
    /// `sim://?link=fifo&usb=40`: the FIFO board behind a simulated FT2232H.
    SimFifo {
        lanes: LanesConfig,
        /// The chip's USB rate each way, bytes per second.
        usb_bytes_per_sec: f64,
    },
    /// `ftdi://?serial=...`: a real FTDI chip in synchronous FIFO mode.
    Ftdi(FtdiSelector),
    /// `pcie://0000:01:00.0?mhz=125`: BAR 0 of a PCI function through sysfs, or
    /// `pcie:///path/to/file?mhz=125`: any file laid out like the register window.
    PcieBar {
        /// The PCI address (`bdf`) or the file (`path`), whichever was given.
        bdf: Option<String>,
        path: Option<String>,
        clock_hz: f64,
    },
    /// `pcie://sim?lanes=16&mode=single&contexts=256&mhz=125&ring=256&read_ns=1000`: the window
    /// and core in Verilator behind a window file (see `pcie_sim`).
    PcieSim {
        lanes: LanesConfig,
        window: WindowConfig,
        clock_hz: f64,
        read_ns: u64,
    },
    /// `xdma:///dev/xdma0?mhz=125`: the register window behind Xilinx's XDMA driver, through
    /// its user-BAR node `/dev/xdma0_user`.
    Xdma { prefix: String, clock_hz: f64 },
    /// `ok://sim?usb=2`: the pipe board behind a simulated okHost.
    OkSim {
        lanes: LanesConfig,
        host: atomik_sim::ok_host::OkHostConfig,
    },
    /// `ok://SERIAL?usb=2`: a FrontPanel module.
    Ok {
        serial: String,
        usb_bytes_per_sec: f64,
    },
}

/// `usb=2` (the default: the XEM7010's USB 2.0) or `usb=3`: the simulated okHost of that USB
/// generation.
fn ok_usb(q: &mut BTreeMap<String, String>) -> Result<atomik_sim::ok_host::OkHostConfig, String> {
    use atomik_sim::ok_host::OkHostConfig;
    match take(q, "usb", 2u32)? {
        3 => Ok(OkHostConfig::usb3()),
        2 => Ok(OkHostConfig::usb2()),
        other => Err(format!(
            "`usb={other}`: choose 2 (USB 2.0, 40 MB/s, the XEM7010; the default) or 3 (USB 3.0 \
             FrontPanel, 340 MB/s pipes)"
        )),
    }
}

fn query(rest: &str) -> Result<(String, BTreeMap<String, String>), String> {
    let (path, q) = rest.split_once('?').unwrap_or((rest, ""));
    let mut map = BTreeMap::new();
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair
            .split_once('=')
            .ok_or_else(|| format!("query item `{pair}` is not key=value"))?;
        map.insert(k.to_string(), v.to_string());
    }
    Ok((path.to_string(), map))
}

fn take<T: std::str::FromStr>(
    map: &mut BTreeMap<String, String>,
    key: &str,
    default: T,
) -> Result<T, String> {
    match map.remove(key) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| format!("`{key}={v}` is not a valid {key}")),
    }
}

impl DeviceUri {
    pub fn parse(uri: &str) -> Result<DeviceUri, String> {
        let (scheme, rest) = uri.split_once("://").ok_or_else(|| {
            format!("`{uri}` is not a device URI (expected e.g. sim:// or serial:///dev/ttyUSB1)")
        })?;
        let (path, mut q) = query(rest)?;
        let parsed = match scheme {
            "sim" => {
                if !path.is_empty() {
                    return Err(format!("sim:// takes no path, got `{path}`"));
                }
                let link = take(&mut q, "link", String::from("uart"))?;
                if !matches!(link.as_str(), "uart" | "fifo") {
                    return Err(format!("`link={link}`: choose uart or fifo"));
                }
                let config = lanes_query(&mut q)?;
                if link == "fifo" {
                    for k in ["mhz", "cpb"] {
                        if q.contains_key(k) {
                            return Err(format!(
                                "`{k}` does not apply to link=fifo: the FIFO runs on the \
                                 FTDI chip's 60 MHz CLKOUT"
                            ));
                        }
                    }
                    let usb: f64 = take(&mut q, "usb", 40.0)?;
                    if !(usb > 0.0 && usb <= 60.0) {
                        return Err(format!(
                            "`usb={usb}`: the chip's USB rate in MB/s, above 0 and at most 60 \
                             (the FIFO bus moves one byte per 60 MHz clock)"
                        ));
                    }
                    if let Some(k) = q.keys().next() {
                        return Err(format!("unknown option `{k}` in `{uri}`"));
                    }
                    return Ok(DeviceUri::SimFifo {
                        lanes: config,
                        usb_bytes_per_sec: usb * 1e6,
                    });
                }
                let mhz: f64 = take(&mut q, "mhz", super::sim_transport::DEFAULT_CLOCK_HZ / 1e6)?;
                let cpb: u16 = take(&mut q, "cpb", super::sim_transport::DEFAULT_CLOCKS_PER_BIT)?;
                if cpb < 4 {
                    return Err(format!(
                        "`cpb={cpb}`: the UART needs at least 4 clocks per bit"
                    ));
                }
                check_mhz(mhz)?;
                DeviceUri::Sim {
                    lanes: config,
                    clock_hz: mhz * 1e6,
                    clocks_per_bit: cpb,
                }
            }
            "serial" => {
                if path.is_empty() {
                    return Err("serial:// needs a device path, e.g. serial:///dev/ttyUSB1".into());
                }
                DeviceUri::Serial {
                    path,
                    baud: take(&mut q, "baud", 3_000_000)?,
                }
            }
            "ftdi" => {
                if !path.is_empty() {
                    return Err(format!(
                        "ftdi:// selects a chip with ?serial=, ?description= or ?index=, \
                         not a path (got `{path}`)"
                    ));
                }
                let pid = match take(&mut q, "chip", String::from("ft2232h"))?.as_str() {
                    "ft2232h" => 0x6010,
                    "ft232h" => 0x6014,
                    other => return Err(format!("`chip={other}`: choose ft2232h or ft232h")),
                };
                DeviceUri::Ftdi(FtdiSelector {
                    serial: q.remove("serial"),
                    description: q.remove("description"),
                    index: take(&mut q, "index", 0)?,
                    pid,
                })
            }
            "pcie" => {
                let mhz: f64 = take(&mut q, "mhz", super::pcie_sim::DEFAULT_CLOCK_HZ / 1e6)?;
                check_mhz(mhz)?;
                if path == "sim" {
                    let lanes = lanes_query(&mut q)?;
                    let ring: u32 = take(&mut q, "ring", WindowConfig::default().ring_words)?;
                    let window =
                        WindowConfig::new(ring, WindowConfig::default().stall_clocks_per_bit)
                            .map_err(|e| format!("`ring={ring}`: {e}"))?;
                    let read_ns: u64 = take(&mut q, "read_ns", super::pcie_sim::DEFAULT_READ_NS)?;
                    DeviceUri::PcieSim {
                        lanes,
                        window,
                        clock_hz: mhz * 1e6,
                        read_ns,
                    }
                } else if path.starts_with('/') {
                    DeviceUri::PcieBar {
                        bdf: None,
                        path: Some(path),
                        clock_hz: mhz * 1e6,
                    }
                } else if super::pcie_transport::valid_bdf(&path) {
                    DeviceUri::PcieBar {
                        bdf: Some(path),
                        path: None,
                        clock_hz: mhz * 1e6,
                    }
                } else {
                    return Err(format!(
                        "pcie://{path}: expected a PCI address DDDD:BB:DD.F (pcie://0000:01:00.0), \
                         `sim` (pcie://sim) or a file path (pcie:///path/to/resource0)"
                    ));
                }
            }
            "xdma" => {
                let mhz: f64 = take(&mut q, "mhz", super::pcie_sim::DEFAULT_CLOCK_HZ / 1e6)?;
                check_mhz(mhz)?;
                if !path.starts_with('/') || path.ends_with("_user") {
                    return Err(format!(
                        "xdma://{path}: give the XDMA device's node prefix, e.g. \
                         xdma:///dev/xdma0 (its user BAR is /dev/xdma0_user)"
                    ));
                }
                DeviceUri::Xdma {
                    prefix: path,
                    clock_hz: mhz * 1e6,
                }
            }
            "ok" => {
                if path.is_empty() {
                    return Err(
                        "ok:// needs a module's serial number (ok://1234ABCD) or `sim` \
                         (ok://sim)"
                            .into(),
                    );
                }
                let host = ok_usb(&mut q)?;
                if path == "sim" {
                    DeviceUri::OkSim {
                        lanes: lanes_query(&mut q)?,
                        host,
                    }
                } else if path.chars().all(|c| c.is_ascii_alphanumeric()) {
                    DeviceUri::Ok {
                        serial: path,
                        usb_bytes_per_sec: host.usb_bytes_per_sec,
                    }
                } else {
                    return Err(format!(
                        "ok://{path}: a FrontPanel serial number is letters and digits \
                         (ok://1234ABCD), or `sim`"
                    ));
                }
            }
            other => {
                return Err(format!(
                    "unknown device scheme `{other}://` (known: sim://, serial://, ftdi://, \
                     pcie://, xdma://, ok://)"
                ))
            }
        };
        if let Some(k) = q.keys().next() {
            return Err(format!("unknown option `{k}` in `{uri}`"));
        }
        Ok(parsed)
    }
}

/// `--lanes N` on a device URI: for a simulated device (`sim://`, `pcie://sim`, `ok://sim`)
/// the URI with `lanes=N` (it sets the simulated build's lanes), refused when the URI already
/// asks for other lanes; for hardware `None`: its lanes are fixed by its bitstream, and the
/// caller checks them against the board's STATUS lanes register.
pub fn with_lanes(uri: &str, lanes: u32) -> Result<Option<String>, String> {
    let parsed = DeviceUri::parse(uri)?;
    let simulated = matches!(
        parsed,
        DeviceUri::Sim { .. }
            | DeviceUri::SimFifo { .. }
            | DeviceUri::PcieSim { .. }
            | DeviceUri::OkSim { .. }
    );
    if !simulated {
        return Ok(None);
    }
    let (_, q) = query(uri.split_once("://").map_or("", |(_, r)| r))?;
    if let Some(given) = q.get("lanes") {
        if given.parse::<u32>().ok() != Some(lanes) {
            return Err(format!(
                "--lanes {lanes} conflicts with `lanes={given}` in `{uri}`: give the lanes once"
            ));
        }
        return Ok(Some(uri.to_string()));
    }
    let sep = if uri.contains('?') { '&' } else { '?' };
    let with = format!("{uri}{sep}lanes={lanes}");
    // Validates the lane count the way the URI's own option would be.
    DeviceUri::parse(&with)?;
    Ok(Some(with))
}

/// `lanes`, `mode` and `contexts` of a simulated device (64-bit lanes).
fn lanes_query(q: &mut BTreeMap<String, String>) -> Result<LanesConfig, String> {
    let lanes: u32 = take(q, "lanes", 16)?;
    let mode = match take(q, "mode", String::from("single"))?.as_str() {
        "single" => LaneMode::Single,
        "table" => LaneMode::Table,
        "shared" => LaneMode::Shared,
        other => return Err(format!("`mode={other}`: choose single, table or shared")),
    };
    let contexts: u32 = take(q, "contexts", 256)?;
    // Lanes' datapath width (8, 16, 32 or 64; table mode is 64).
    let width: u32 = take(q, "width", 64)?;
    let mut config = LanesConfig::new(lanes, width, 2, mode).map_err(|e| e.to_string())?;
    if mode != LaneMode::Single {
        config = config.with_contexts(contexts).map_err(|e| e.to_string())?;
    }
    Ok(config)
}

fn check_mhz(mhz: f64) -> Result<(), String> {
    if !(mhz.is_finite() && mhz > 0.0) {
        return Err(format!("`mhz={mhz}` must be a positive clock"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_go_into_simulated_uris_and_leave_hardware_alone() {
        assert_eq!(with_lanes("sim://", 4).unwrap().unwrap(), "sim://?lanes=4");
        assert_eq!(
            with_lanes("ok://sim?usb=2", 8).unwrap().unwrap(),
            "ok://sim?usb=2&lanes=8"
        );
        assert_eq!(
            with_lanes("pcie://sim?lanes=4", 4).unwrap().unwrap(),
            "pcie://sim?lanes=4"
        );
        assert_eq!(with_lanes("serial:///dev/ttyUSB1", 4).unwrap(), None);
        assert_eq!(with_lanes("ok://1234ABCD", 4).unwrap(), None);
        let e = with_lanes("sim://?lanes=4", 8).unwrap_err();
        assert!(e.contains("--lanes 8 conflicts with `lanes=4`"), "{e}");
        let e = with_lanes("sim://", 1025).unwrap_err();
        assert!(e.contains("unsupported lane count 1025"), "{e}");
    }

    #[test]
    fn parses_defaults_options_and_names_what_is_wrong() {
        match DeviceUri::parse("sim://").unwrap() {
            DeviceUri::Sim {
                lanes,
                clock_hz,
                clocks_per_bit,
            } => {
                assert_eq!((lanes.lanes, clock_hz, clocks_per_bit), (16, 12e6, 4));
            }
            other => panic!("{other:?}"),
        }
        match DeviceUri::parse("sim://?lanes=4&mode=table&contexts=16").unwrap() {
            DeviceUri::Sim { lanes, .. } => {
                assert_eq!(
                    (lanes.lanes, lanes.mode, lanes.contexts),
                    (4, LaneMode::Table, 16)
                )
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            DeviceUri::parse("pcie://0000:01:00.0").unwrap(),
            DeviceUri::PcieBar { bdf: Some(b), clock_hz, .. } if b == "0000:01:00.0" && clock_hz == 125e6
        ));
        match DeviceUri::parse("pcie://sim?lanes=4&ring=16&read_ns=500").unwrap() {
            DeviceUri::PcieSim {
                lanes,
                window,
                read_ns,
                ..
            } => assert_eq!((lanes.lanes, window.ring_words, read_ns), (4, 16, 500)),
            other => panic!("{other:?}"),
        }
        match DeviceUri::parse("ok://sim?lanes=4").unwrap() {
            DeviceUri::OkSim { lanes, host } => {
                assert_eq!(
                    (lanes.lanes, host.clock_hz, host.usb_bytes_per_sec),
                    (4, 48e6, 40e6)
                )
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            DeviceUri::parse("xdma:///dev/xdma1").unwrap(),
            DeviceUri::Xdma {
                prefix: "/dev/xdma1".into(),
                clock_hz: 125e6
            }
        );
        assert_eq!(
            DeviceUri::parse("ok://1234ABCD").unwrap(),
            DeviceUri::Ok {
                serial: "1234ABCD".into(),
                usb_bytes_per_sec: 40e6
            }
        );
        assert_eq!(
            DeviceUri::parse("ok://1234ABCD?usb=3").unwrap(),
            DeviceUri::Ok {
                serial: "1234ABCD".into(),
                usb_bytes_per_sec: 340e6
            }
        );
        assert_eq!(
            DeviceUri::parse("serial:///dev/ttyUSB1?baud=115200").unwrap(),
            DeviceUri::Serial {
                path: "/dev/ttyUSB1".into(),
                baud: 115_200
            }
        );
        match DeviceUri::parse("sim://?link=fifo&lanes=4&usb=30").unwrap() {
            DeviceUri::SimFifo {
                lanes,
                usb_bytes_per_sec,
            } => assert_eq!((lanes.lanes, usb_bytes_per_sec), (4, 30e6)),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            DeviceUri::parse("ftdi://?chip=ft232h&serial=FT1234").unwrap(),
            DeviceUri::Ftdi(FtdiSelector {
                serial: Some("FT1234".into()),
                description: None,
                index: 0,
                pid: 0x6014
            })
        );
        for (bad, want) in [
            (
                "sim://?link=fifo&cpb=4",
                "`cpb` does not apply to link=fifo",
            ),
            ("sim://?link=fifo&usb=80", "`usb=80`"),
            ("sim://?link=spi", "`link=spi`: choose uart or fifo"),
            ("sim://?link=fifo&baud=3", "unknown option `baud`"),
            ("ftdi://?chip=ft4232h", "`chip=ft4232h`"),
            ("ftdi:///dev/x", "not a path"),
            ("sim://?lanes=1025", "unsupported lane count 1025"),
            ("sim://?speed=9", "unknown option `speed`"),
            ("sim://?cpb=2", "at least 4 clocks per bit"),
            ("sim://?width=12", "unsupported width 12"),
            ("serial://", "needs a device path"),
            (
                "serial:///dev/x?baud=fast",
                "`baud=fast` is not a valid baud",
            ),
            ("ok://", "needs a module's serial number"),
            ("xdma://xdma0", "node prefix, e.g. xdma:///dev/xdma0"),
            ("xdma:///dev/xdma0_user", "node prefix"),
            (
                "xdma:///dev/xdma0?mhz=-1",
                "`mhz=-1` must be a positive clock",
            ),
            ("ok://sim?usb=1", "`usb=1`: choose 2"),
            ("ok://12/34", "letters and digits"),
            ("ok://sim?lanes=1025", "unsupported lane count 1025"),
            ("ok://1234?lanes=4", "unknown option `lanes`"),
            ("pcie://01:00.0", "expected a PCI address DDDD:BB:DD.F"),
            ("pcie://sim?ring=48", "ring_words 48 is not a power of two"),
            ("pcie://sim?mhz=0", "`mhz=0` must be a positive clock"),
            ("usb://x", "unknown device scheme `usb://`"),
            ("/dev/ttyUSB0", "is not a device URI"),
        ] {
            let e = DeviceUri::parse(bad).unwrap_err();
            assert!(e.contains(want), "{bad}: {e}");
        }
    }
}
