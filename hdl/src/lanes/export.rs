//! Verilog export of a multi-lane configuration (the table mode's context count is a const
//! generic, so every supported count is listed once here).

use super::shared::SharedLaneCore;
use super::single::SingleLaneCore;
use super::table::TableLaneCore;
use super::{LaneMode, LanesConfig};
use crate::export::{ExportError, TopPort};
use rust_hdl::prelude::*;

/// The generated multi-lane design: Verilog with module `top` and its ports (clock excluded).
#[derive(Debug, Clone)]
pub struct LanesVerilog {
    pub config: LanesConfig,
    pub verilog: String,
    pub clock: &'static str,
    pub ports: Vec<TopPort>,
}

/// The top-level ports of a multi-lane core, besides `clock` (table and shared mode add
/// `cmd_addr`).
pub fn lanes_ports(config: &LanesConfig) -> Vec<TopPort> {
    let port = |name, width, input| TopPort { name, width, input };
    let mut ports = vec![
        port("reset", 1, true),
        port("cmd_valid", 1, true),
        port("cmd_op", 4, true),
    ];
    if config.mode != LaneMode::Single {
        ports.push(port("cmd_addr", config.contexts.trailing_zeros(), true));
    }
    ports.extend([
        port("cmd_data", 64, true),
        port("rsp_ready", 1, true),
        port("cmd_ready", 1, false),
        port("rsp_valid", 1, false),
        port("rsp_data", 64, false),
        port("illegal_op", 1, false),
    ]);
    ports
}

macro_rules! by_addr_bits {
    ($core:ident, $config:ident, $($a:literal)*) => {
        match $config.contexts.trailing_zeros() {
            $($a => checked($core::<64, $a>::new(&$config), &$config)?,)*
            other => unreachable!("LanesConfig admitted {other} address bits"),
        }
    };
}

fn checked<B: Block>(mut block: B, config: &LanesConfig) -> Result<String, ExportError> {
    block.connect_all();
    check_all(&block).map_err(|e| ExportError {
        config: config.name(),
        detail: format!("{e:?}"),
    })?;
    Ok(generate_verilog_unchecked(&block))
}

/// Generates the Verilog of a multi-lane core (module `top`).
pub fn lanes_verilog(config: LanesConfig) -> Result<LanesVerilog, ExportError> {
    let verilog = match (config.mode, config.width) {
        (LaneMode::Table, _) => by_addr_bits!(TableLaneCore, config, 1 2 3 4 5 6 7 8 9 10 11 12),
        (LaneMode::Shared, _) => {
            by_addr_bits!(SharedLaneCore, config, 1 2 3 4 5 6 7 8 9 10 11 12)
        }
        (LaneMode::Single, 8) => checked(SingleLaneCore::<8>::new(&config), &config)?,
        (LaneMode::Single, 16) => checked(SingleLaneCore::<16>::new(&config), &config)?,
        (LaneMode::Single, 32) => checked(SingleLaneCore::<32>::new(&config), &config)?,
        (LaneMode::Single, _) => checked(SingleLaneCore::<64>::new(&config), &config)?,
    };
    Ok(LanesVerilog {
        config,
        verilog,
        clock: "clock",
        ports: lanes_ports(&config),
    })
}
