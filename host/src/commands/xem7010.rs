//! `atomik build --board xem7010`: writes the Vivado project (top, XDC, batch TCL) and runs
//! Vivado when it is on PATH. Without Vivado the project is the result, and the command says
//! so: no figures are reported that no tool produced.

use anyhow::{bail, Context, Result};
use atomik_boards::xem7010::{project, PART, TITLE};
use atomik_hdl::lanes::LanesConfig;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

/// Writes the project into `dir`; runs Vivado if found. Returns the JSON report and whether
/// the build succeeded (a generated project without Vivado counts as success).
pub fn run(lanes: LanesConfig, mhz: f64, dir: &Path) -> Result<(Value, bool)> {
    let p = project(lanes, mhz)?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for (name, text) in [
        ("atomik_xem7010.v", &p.verilog),
        ("atomik_xem7010.xdc", &p.xdc),
        ("build.tcl", &p.tcl),
    ] {
        std::fs::write(dir.join(name), text)
            .with_context(|| format!("writing {}", dir.join(name).display()))?;
    }
    let mut report = json!({
        "board": "xem7010",
        "title": TITLE,
        "device": PART,
        "lanes": lanes.lanes,
        "width": lanes.width,
        "target_mhz": p.mmcm.output_mhz,
        "project_dir": dir,
        "files": ["atomik_xem7010.v", "atomik_xem7010.xdc", "build.tcl"],
        "vivado": Value::Null,
        "bitstream": Value::Null,
        "fmax_mhz": Value::Null,
    });
    let Some(vivado) = atomik_boards::default_locator("vivado") else {
        report["note"] = json!(format!(
            "Vivado is not on PATH: the project was generated, nothing was built. With Vivado \
             and FRONTPANEL_HDL_DIR set, run `vivado -mode batch -source build.tcl` in {}",
            dir.display()
        ));
        return Ok((report, true));
    };
    if std::env::var_os("FRONTPANEL_HDL_DIR").is_none() {
        bail!(
            "Vivado is installed but FRONTPANEL_HDL_DIR is not set: point it at Opal Kelly's \
             FrontPanel HDL for the XEM7010-A50 (okLibrary.v and the endpoint modules)"
        );
    }
    let out = Command::new(&vivado)
        .current_dir(dir)
        .args([
            "-mode",
            "batch",
            "-source",
            "build.tcl",
            "-log",
            "vivado.log",
        ])
        .output()
        .with_context(|| format!("could not start {}", vivado.display()))?;
    let log = String::from_utf8_lossy(&out.stdout);
    report["vivado"] = json!(vivado);
    let wns = log
        .lines()
        .find_map(|l| l.strip_prefix("ATOMIK_WNS_NS "))
        .and_then(|w| w.trim().parse::<f64>().ok());
    if let Some(wns) = wns {
        let period = 1000.0 / p.mmcm.output_mhz;
        report["wns_ns"] = json!(wns);
        report["fmax_mhz"] = json!(1000.0 / (period - wns));
    }
    if !out.status.success() {
        bail!(
            "Vivado failed ({}); see {}",
            out.status,
            dir.join("vivado.log").display()
        );
    }
    report["bitstream"] = json!(dir.join("atomik_xem7010.bit"));
    Ok((report, true))
}
