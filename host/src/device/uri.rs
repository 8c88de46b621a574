//! Device URIs: `sim://` (the default), `serial:///dev/ttyUSB1?baud=3000000`, and the schemes
//! of transports this build does not have (`ftdi://`, `ok://`, `pcie://`), which are named in
//! the error rather than misread.

use atomik_hdl::lanes::{LaneMode, LanesConfig};
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
                let lanes: u32 = take(&mut q, "lanes", 16)?;
                let mode = match take(&mut q, "mode", String::from("single"))?.as_str() {
                    "single" => LaneMode::Single,
                    "table" => LaneMode::Table,
                    other => return Err(format!("`mode={other}`: choose single or table")),
                };
                let contexts: u32 = take(&mut q, "contexts", 256)?;
                // Lanes' datapath width (8, 16, 32 or 64; table mode is 64).
                let width: u32 = take(&mut q, "width", 64)?;
                let mhz: f64 = take(&mut q, "mhz", super::sim_transport::DEFAULT_CLOCK_HZ / 1e6)?;
                let cpb: u16 = take(&mut q, "cpb", super::sim_transport::DEFAULT_CLOCKS_PER_BIT)?;
                if cpb < 4 {
                    return Err(format!(
                        "`cpb={cpb}`: the UART needs at least 4 clocks per bit"
                    ));
                }
                if !(mhz.is_finite() && mhz > 0.0) {
                    return Err(format!("`mhz={mhz}` must be a positive clock"));
                }
                let mut config =
                    LanesConfig::new(lanes, width, 2, mode).map_err(|e| e.to_string())?;
                if mode == LaneMode::Table {
                    config = config.with_contexts(contexts).map_err(|e| e.to_string())?;
                }
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
            "ftdi" | "ok" | "pcie" => {
                return Err(format!(
                    "`{scheme}://` is not available in this build: the FTDI FIFO, Opal Kelly \
                     FrontPanel and PCIe transports are not implemented yet (sim:// and \
                     serial:// are)"
                ))
            }
            other => {
                return Err(format!(
                    "unknown device scheme `{other}://` (known: sim://, serial://)"
                ))
            }
        };
        if let Some(k) = q.keys().next() {
            return Err(format!("unknown option `{k}` in `{uri}`"));
        }
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            DeviceUri::parse("serial:///dev/ttyUSB1?baud=115200").unwrap(),
            DeviceUri::Serial {
                path: "/dev/ttyUSB1".into(),
                baud: 115_200
            }
        );
        for (bad, want) in [
            ("sim://?lanes=3", "unsupported lane count 3"),
            ("sim://?speed=9", "unknown option `speed`"),
            ("sim://?cpb=2", "at least 4 clocks per bit"),
            ("sim://?width=12", "unsupported width 12"),
            ("serial://", "needs a device path"),
            (
                "serial:///dev/x?baud=fast",
                "`baud=fast` is not a valid baud",
            ),
            ("pcie://0000:01:00.0", "not available in this build"),
            ("usb://x", "unknown device scheme `usb://`"),
            ("/dev/ttyUSB0", "is not a device URI"),
        ] {
            let e = DeviceUri::parse(bad).unwrap_err();
            assert!(e.contains(want), "{bad}: {e}");
        }
    }
}
