//! `atomik verilog`: writes the core's Verilog for a configuration.

use anyhow::{Context, Result};
use atomik_hdl::export::core_verilog;
use atomik_hdl::CoreConfig;
use std::path::Path;

/// Generates the Verilog of `config` into `out`.
pub fn run(config: CoreConfig, out: &Path) -> Result<()> {
    let design = core_verilog(config)?;
    std::fs::write(out, &design.verilog)
        .with_context(|| format!("cannot write Verilog to {}", out.display()))?;
    let ports: Vec<String> = design
        .ports
        .iter()
        .map(|p| format!("{}[{}]", p.name, p.width))
        .collect();
    println!(
        "wrote {} ({} lines): module top, {} bits x {} contexts; ports clock, {}",
        out.display(),
        design.verilog.lines().count(),
        config.width,
        config.contexts,
        ports.join(", ")
    );
    Ok(())
}
