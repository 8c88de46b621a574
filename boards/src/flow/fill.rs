//! The LUT positions a Gowin netlist really takes.
//!
//! A Gowin flip-flop takes its D input from the LUT (or ALU) in its own slot
//! (nextpnr-himbaechel-gowin `slice_valid`: a flip-flop beside a LUT must be fed by it). A
//! flip-flop that no LUT of its own feeds, such as a register copied from another register or
//! the second of two flip-flops loaded from one LUT, therefore takes a whole slot, and nextpnr
//! fills the slot's LUT with a pass-through only after placement. Its `LUT4` utilisation line
//! counts neither. The 105-lane Tang Nano 9K board top of session 11 showed 75 % there, yet
//! found no legal placement: counted this way it needed 93 % of the LUT positions (measured
//! on GW1NR-9 builds: 87 to 90 % placed, 91 % and above did not). iCE40 has the same rule, but
//! nextpnr-ice40's `ICESTORM_LC` line already counts the pass-through cells; ECP5 slices feed
//! a flip-flop from the fabric directly.

use super::{CellNames, FlowError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// LUT positions a netlist takes: its LUTs and ALUs, plus one per flip-flop that no LUT of its
/// own feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogicFill {
    /// LUT4-equivalents (LUT1..LUT4 and ALU cells).
    pub luts: u64,
    /// Flip-flops whose D input no unshared LUT or ALU drives.
    pub lone_ffs: u64,
    /// LUT positions on the device (nextpnr's `LUT4` available count).
    pub available: u64,
}

impl LogicFill {
    /// Positions taken: `luts + lone_ffs`.
    pub fn positions(&self) -> u64 {
        self.luts + self.lone_ffs
    }

    /// `positions` as a percentage of `available`, rounded down (0 when nothing is available).
    pub fn percent(&self) -> u64 {
        (self.positions() * 100)
            .checked_div(self.available)
            .unwrap_or(0)
    }

    /// One sentence for reports and errors.
    pub fn describe(&self) -> String {
        format!(
            "{} of {} LUT positions ({} %): {} LUTs and ALUs plus {} flip-flops without a LUT \
             of their own, each of which takes a position (nextpnr's LUT4 line counts only \
             the first)",
            self.positions(),
            self.available,
            self.percent(),
            self.luts,
            self.lone_ffs
        )
    }
}

/// The fill of module `top` in the yosys netlist at `synth_json`, against `available` LUT
/// positions.
fn measure(
    synth_json: &Path,
    top: &str,
    cells: &CellNames,
    available: u64,
) -> Result<LogicFill, FlowError> {
    let bad = |detail: String| FlowError::Report {
        path: synth_json.to_path_buf(),
        detail,
    };
    let text = std::fs::read_to_string(synth_json).map_err(|source| FlowError::Io {
        path: synth_json.to_path_buf(),
        source,
    })?;
    let netlist: Value =
        serde_json::from_str(&text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
    let (luts, lone_ffs) = count(&netlist, top, cells).map_err(bad)?;
    Ok(LogicFill {
        luts,
        lone_ffs,
        available,
    })
}

/// The fill when the family of `cells` hides part of it: `available_of` gives the LUT
/// positions on nextpnr's line for that family's bel (`hidden_fill_bel`). `None` on families
/// that hide nothing, or when that line is missing.
pub(crate) fn measure_hidden(
    synth_json: &Path,
    top: &str,
    cells: &CellNames,
    available_of: impl FnOnce(&str) -> Option<u64>,
) -> Result<Option<LogicFill>, FlowError> {
    match cells.hidden_fill_bel.and_then(available_of) {
        Some(available) => measure(synth_json, top, cells, available).map(Some),
        None => Ok(None),
    }
}

/// Counts the LUTs and lone flip-flops of module `top` in a yosys JSON netlist (the flattened
/// `synth.json`). Each LUT or ALU can host one flip-flop its output feeds; every other
/// flip-flop is lone. Returns `(luts, lone_ffs)`, or what is missing from the netlist.
pub(crate) fn count(netlist: &Value, top: &str, cells: &CellNames) -> Result<(u64, u64), String> {
    let module = netlist
        .get("modules")
        .and_then(|m| m.get(top))
        .ok_or_else(|| format!("no module `{top}` in the netlist"))?;
    let Some(all) = module.get("cells").and_then(Value::as_object) else {
        return Ok((0, 0));
    };
    let is_lut = |t: &str| (cells.lut_weight)(t) > 0;
    // Net bit -> the LUT driving it.
    let mut lut_of_bit: HashMap<u64, &str> = HashMap::new();
    let mut luts = 0;
    for (name, cell) in all {
        let kind = cell.get("type").and_then(Value::as_str).unwrap_or("");
        if !is_lut(kind) {
            continue;
        }
        luts += (cells.lut_weight)(kind);
        let (Some(dirs), Some(conns)) = (
            cell.get("port_directions").and_then(Value::as_object),
            cell.get("connections").and_then(Value::as_object),
        ) else {
            return Err(format!(
                "LUT cell `{name}` has no port directions or connections"
            ));
        };
        for (port, dir) in dirs {
            if dir.as_str() == Some("output") {
                for bit in conns
                    .get(port)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(b) = bit.as_u64() {
                        lut_of_bit.insert(b, name.as_str());
                    }
                }
            }
        }
    }
    let mut hosting: HashSet<&str> = HashSet::new();
    let mut lone = 0;
    for (name, cell) in all {
        let kind = cell.get("type").and_then(Value::as_str).unwrap_or("");
        if !(cells.is_ff)(kind) {
            continue;
        }
        let d = cell
            .get("connections")
            .and_then(|c| c.get("D"))
            .and_then(Value::as_array)
            .and_then(|bits| bits.first())
            .ok_or_else(|| format!("flip-flop `{name}` has no D connection"))?;
        // A constant or a non-LUT driver: lone. A LUT already hosting a flip-flop: lone.
        match d.as_u64().and_then(|b| lut_of_bit.get(&b)) {
            Some(lut) if hosting.insert(lut) => {}
            _ => lone += 1,
        }
    }
    Ok((luts, lone))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::gowin;
    use serde_json::json;

    fn lut(out: u64, ins: &[u64]) -> Value {
        json!({"type": "LUT4", "port_directions": {"F": "output", "I0": "input"},
               "connections": {"F": [out], "I0": ins}})
    }

    fn ff(d: Value, q: u64) -> Value {
        json!({"type": "DFFE", "port_directions": {"D": "input", "Q": "output"},
               "connections": {"D": [d], "Q": [q]}})
    }

    #[test]
    fn a_flip_flop_needs_an_unshared_lut_of_its_own() {
        let netlist = json!({"modules": {"top": {"cells": {
            // LUT 10 feeds two flip-flops: one shares its slot, the other is lone.
            "l10": lut(10, &[2]),
            "f_a": ff(json!(10), 20),
            "f_b": ff(json!(10), 21),
            // A register copied from a register: lone.
            "f_copy": ff(json!(20), 22),
            // A constant D: lone.
            "f_const": ff(json!("0"), 23),
            // An ALU's sum feeds its slot's flip-flop.
            "a": {"type": "ALU", "port_directions": {"SUM": "output", "COUT": "output"},
                  "connections": {"SUM": [30], "COUT": [31]}},
            "f_sum": ff(json!(30), 24),
            // A LUT feeding no flip-flop still takes its position.
            "l40": lut(40, &[20]),
        }}}});
        let (luts, lone) = count(&netlist, "top", &gowin::CELLS).unwrap();
        assert_eq!((luts, lone), (3, 3));
        let fill = LogicFill {
            luts,
            lone_ffs: lone,
            available: 8,
        };
        assert_eq!((fill.positions(), fill.percent()), (6, 75));
        assert!(fill.describe().starts_with("6 of 8 LUT positions (75 %)"));
    }

    #[test]
    fn a_missing_top_module_is_named() {
        let e = count(&json!({"modules": {}}), "atomik_board", &gowin::CELLS).unwrap_err();
        assert!(e.contains("`atomik_board`"), "{e}");
    }
}
