//! ATOMiK boards as data, their constraints, and the open-toolchain flows that build for them.
//!
//! - [`board`]: one file per board (device, package, clock, LEDs, UART) and the constraint
//!   files generated from it.
//! - [`flow`]: Verilog → bitstream per family (iCE40, ECP5, Gowin), every tool's exit code
//!   checked, a [`flow::FlowReport`] with utilisation, Fmax and tool versions; [`flow::plan`]
//!   lists the commands without running anything.
//! - [`pll`]: PLL settings and primitives per family.
//! - [`build`]: a board bitstream (board top through the flow) and its report.
//! - [`wrapper`]: the pin-light benchmark wrapper (3 pins for any design).
//! - [`xem7010`]: the Opal Kelly XEM7010 as a generated Vivado project.
//! - [`estimate`]: wrapper + board constraints + flow in one call, for generated designs.

pub mod board;
pub mod build;
pub mod flow;
pub mod pll;
pub mod wrapper;
pub mod xem7010;

pub use flow::{
    default_locator, plan, run, Family, FlowError, FlowReport, FlowRequest, Placer, Router, Stage,
    ToolLocator,
};
pub use wrapper::{bench_wrapper, Port, PortDir};

use std::path::{Path, PathBuf};

/// Places and routes `verilog` (module `top` with these `ports`, one of them the clock)
/// inside the pin-light wrapper on a board's device, targeting `target_mhz`.
///
/// `device` names a board of `family` by CLI name or device (`tang-nano-9k`,
/// `GW1NR-LV9QN88PC6/I5`, `alchitry-cu`, `hx8k`, `ulx3s`, `LFE5U-85F`); its package and
/// wrapper constraints are used. Writes `design.v`, `bench_top.v`, the constraints and every
/// flow output into `out_dir`. Tools are found with [`default_locator`]. The report's figures
/// include the wrapper; [`FlowReport::wrapper`] says how much of them it is.
pub fn estimate(
    verilog: &str,
    top: &str,
    ports: &[Port],
    family: Family,
    device: &str,
    target_mhz: f64,
    out_dir: &Path,
) -> Result<FlowReport, FlowError> {
    estimate_with(
        verilog,
        top,
        ports,
        family,
        device,
        target_mhz,
        out_dir,
        &default_locator,
        &mut |_| {},
    )
}

/// [`estimate`] with an explicit tool locator and progress callback.
#[allow(clippy::too_many_arguments)]
pub fn estimate_with(
    verilog: &str,
    top: &str,
    ports: &[Port],
    family: Family,
    device: &str,
    target_mhz: f64,
    out_dir: &Path,
    locate: ToolLocator<'_>,
    progress: &mut dyn FnMut(Stage),
) -> Result<FlowReport, FlowError> {
    let board = board::for_device(family, device).ok_or_else(|| {
        FlowError::InvalidRequest(format!(
            "no {family} board with name or device `{device}` (known: {})",
            board::BOARDS
                .iter()
                .filter(|b| b.family == family)
                .map(|b| format!("{} = {}", b.name, b.device))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let wrapped = bench_wrapper(top, ports)?;
    std::fs::create_dir_all(out_dir).map_err(|source| FlowError::Io {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let write = |name: &str, text: &str| -> Result<PathBuf, FlowError> {
        let path = out_dir.join(name);
        std::fs::write(&path, text).map_err(|source| FlowError::Io {
            path: path.clone(),
            source,
        })?;
        Ok(path)
    };
    let design = write("design.v", verilog)?;
    let wrapper = write("bench_top.v", &wrapped.verilog)?;
    let constraints = write(
        &board.bench_constraints_file_name(),
        &board.bench_constraints(),
    )?;
    let req = board.request(
        wrapper::WRAPPER_TOP,
        vec![design, wrapper],
        Some(constraints),
        wrapper::WRAPPER_CLOCK,
        target_mhz,
        out_dir.to_path_buf(),
    );
    let mut report = run(&req, locate, progress)?;
    report.notes.push(format!(
        "figures include the pin-light wrapper: {} FFs ({} shift-register, {} output and \
         reduction) and about {} LUT4s",
        wrapped.cost.ffs(),
        wrapped.cost.input_ffs,
        wrapped.cost.output_ffs,
        wrapped.cost.luts
    ));
    report.wrapper = Some(wrapped.cost);
    Ok(report)
}
