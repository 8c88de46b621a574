//! Verilog export of a multi-lane configuration.

use super::single::SingleLaneCore;
use super::LanesConfig;
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

/// The top-level ports of a single-context multi-lane core, besides `clock`.
pub fn lanes_ports() -> Vec<TopPort> {
    let port = |name, width, input| TopPort { name, width, input };
    vec![
        port("reset", 1, true),
        port("cmd_valid", 1, true),
        port("cmd_op", 4, true),
        port("cmd_data", 64, true),
        port("rsp_ready", 1, true),
        port("cmd_ready", 1, false),
        port("rsp_valid", 1, false),
        port("rsp_data", 64, false),
        port("illegal_op", 1, false),
    ]
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
    let verilog = match config.width {
        8 => checked(SingleLaneCore::<8>::new(&config), &config)?,
        16 => checked(SingleLaneCore::<16>::new(&config), &config)?,
        32 => checked(SingleLaneCore::<32>::new(&config), &config)?,
        _ => checked(SingleLaneCore::<64>::new(&config), &config)?,
    };
    Ok(LanesVerilog {
        config,
        verilog,
        clock: "clock",
        ports: lanes_ports(),
    })
}
