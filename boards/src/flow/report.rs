//! Reading the figures: yosys `stat -json`, nextpnr `--report` JSON, and (Gowin) nextpnr's log.

use super::{Family, Files, FlowError, FlowReport, FlowRequest, Stage};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One bel type's use, from nextpnr's `utilization`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Used {
    pub used: u64,
    pub available: u64,
}

/// One clock as nextpnr timed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClockFmax {
    /// nextpnr's clock net name (e.g. `clk$SB_IO_IN_$glb_clk`, `$glbnet$clk$TRELLIS_IO_IN`,
    /// `clk_IBUF_I_O`).
    pub net: String,
    pub achieved_mhz: f64,
    /// The frequency nextpnr timed against (normally `--freq`).
    pub constraint_mhz: f64,
    /// [`FmaxKind::PostRoute`] or [`FmaxKind::PostPlaceEstimate`].
    pub analysis: FmaxKind,
}

/// What kind of analysis an Fmax figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FmaxKind {
    /// nextpnr's final analysis of the routed design (`--report` JSON `fmax`).
    PostRoute,
    /// The last figure nextpnr printed before routing (the placer's timing analysis with
    /// estimated wire delays), read from the log.
    PostPlaceEstimate,
    /// Gowin: the lower of the post-placement estimate and the post-route figure.
    /// nextpnr-himbaechel-gowin 0.11's post-route analysis times only some paths (it can report
    /// no clock at all, or 398 MHz for a design whose placer estimate is 92 MHz because the
    /// deep path into a BSRAM address was not timed), so neither figure alone is trustworthy.
    LowerOfPlaceAndRoute,
}

fn read_json(path: &Path) -> Result<Value, FlowError> {
    let text = std::fs::read_to_string(path).map_err(|source| FlowError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| FlowError::Report {
        path: path.to_path_buf(),
        detail: format!("not valid JSON: {e}"),
    })
}

/// Cell counts by type from yosys `stat -json` (its `design` section, which covers the whole
/// hierarchy; the top module's entry when there is no `design`).
pub(crate) fn synth_cells(stat: &Value, path: &Path) -> Result<BTreeMap<String, u64>, FlowError> {
    let design = stat
        .get("design")
        .or_else(|| {
            stat.get("modules")
                .and_then(|m| m.as_object()?.values().next())
        })
        .and_then(|d| d.get("num_cells_by_type"))
        .and_then(Value::as_object)
        .ok_or_else(|| FlowError::Report {
            path: path.to_path_buf(),
            detail: "no design.num_cells_by_type in yosys stat output".into(),
        })?;
    Ok(design
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.as_u64()?)))
        .collect())
}

/// nextpnr's `utilization` section.
pub(crate) fn utilisation(rep: &Value) -> BTreeMap<String, Used> {
    rep.get("utilization")
        .and_then(Value::as_object)
        .map(|u| {
            u.iter()
                .filter_map(|(k, v)| {
                    Some((
                        k.clone(),
                        Used {
                            used: v.get("used")?.as_u64()?,
                            available: v.get("available")?.as_u64()?,
                        },
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// nextpnr's `fmax` section (post-route): one entry per clock.
pub(crate) fn report_clocks(rep: &Value) -> Vec<ClockFmax> {
    rep.get("fmax")
        .and_then(Value::as_object)
        .map(|f| {
            f.iter()
                .filter_map(|(net, v)| {
                    Some(ClockFmax {
                        net: net.clone(),
                        achieved_mhz: v.get("achieved")?.as_f64()?,
                        constraint_mhz: v.get("constraint")?.as_f64()?,
                        analysis: FmaxKind::PostRoute,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The post-placement estimates in a nextpnr log: per clock, the last `Max frequency for clock
/// '<net>': <x> MHz (PASS|FAIL at <y> MHz)` line before routing starts (the first line
/// beginning `Info: Routing`).
pub(crate) fn log_place_clocks(log: &str) -> Vec<ClockFmax> {
    let mut clocks: Vec<ClockFmax> = Vec::new();
    for line in log.lines() {
        if line.starts_with("Info: Routing") {
            break;
        }
        // nextpnr pads the name to align several clocks: `clock               'clk': ...`.
        let Some(rest) = line
            .split_once("Max frequency for clock")
            .and_then(|(_, r)| r.trim_start().strip_prefix('\''))
        else {
            continue;
        };
        let parsed = (|| {
            let (net, rest) = rest.split_once("': ")?;
            let (achieved, rest) = rest.split_once(" MHz (")?;
            let (_, rest) = rest.split_once(" at ")?;
            let (constraint, _) = rest.split_once(" MHz")?;
            Some(ClockFmax {
                net: net.to_string(),
                achieved_mhz: achieved.trim().parse().ok()?,
                constraint_mhz: constraint.trim().parse().ok()?,
                analysis: FmaxKind::PostPlaceEstimate,
            })
        })();
        if let Some(c) = parsed {
            match clocks.iter_mut().find(|k| k.net == c.net) {
                Some(k) => *k = c,
                None => clocks.push(c),
            }
        }
    }
    clocks
}

/// The clock of `port` among nextpnr's clock nets: a net named `port`, else one with `port` as
/// a `$`-separated part of its name (`clk$SB_IO_IN_$glb_clk`, `$glbnet$clk$TRELLIS_IO_IN`), else
/// one starting `<port>_` (`clk_IBUF_I_O`), else the only clock.
pub(crate) fn pick_clock<'a>(clocks: &'a [ClockFmax], port: &str) -> Option<&'a ClockFmax> {
    clocks
        .iter()
        .find(|c| c.net == port)
        .or_else(|| clocks.iter().find(|c| c.net.split('$').any(|p| p == port)))
        .or_else(|| {
            clocks
                .iter()
                .find(|c| c.net.strip_prefix(port).is_some_and(|r| r.starts_with('_')))
        })
        .or_else(|| (clocks.len() == 1).then(|| &clocks[0]))
}

/// The figure that counts for one clock, from its post-route and post-placement figures: on
/// Gowin the lower of the two (himbaechel-gowin's post-route analysis times only part of the
/// design), elsewhere the post-route one; the placement estimate when there is nothing else.
pub(crate) fn counted_figure<'a>(
    family: Family,
    routed: Option<&'a ClockFmax>,
    placed: Option<&'a ClockFmax>,
) -> Option<(&'a ClockFmax, FmaxKind)> {
    match (family, routed, placed) {
        (Family::Gowin, Some(r), Some(p)) => Some((
            if r.achieved_mhz <= p.achieved_mhz {
                r
            } else {
                p
            },
            FmaxKind::LowerOfPlaceAndRoute,
        )),
        (_, Some(r), _) => Some((r, FmaxKind::PostRoute)),
        (_, None, Some(p)) => Some((p, FmaxKind::PostPlaceEstimate)),
        (_, None, None) => None,
    }
}

/// Assembles the report from the run's outputs (wall times are filled in by the caller).
pub(crate) fn read(
    req: &FlowRequest,
    files: &Files,
    logs: &[(Stage, PathBuf)],
    tools: &[(String, String)],
) -> Result<FlowReport, FlowError> {
    let cells = req.family.cells();
    let who = |i: usize| format!("{} {}", tools[i].0, tools[i].1);

    let stat = read_json(&files.stat_json)?;
    let synth_cells = synth_cells(&stat, &files.stat_json)?;
    let luts = synth_cells
        .iter()
        .map(|(t, n)| (cells.lut_weight)(t) * n)
        .sum();
    let ffs = synth_cells
        .iter()
        .filter(|(t, _)| (cells.is_ff)(t))
        .map(|(_, n)| n)
        .sum();

    let rep = read_json(&files.report_json)?;
    let utilisation = utilisation(&rep);
    let sum_bels = |bels: &[&str]| -> u64 {
        bels.iter()
            .filter_map(|b| utilisation.get(*b))
            .map(|u| u.used)
            .sum()
    };
    let brams = sum_bels(cells.bram_bels);
    let ios = sum_bels(cells.io_bels);

    let pnr_log = &logs
        .iter()
        .find(|(s, _)| *s == Stage::PlaceRoute)
        .expect("every flow has a place-and-route stage")
        .1;
    let log_text = std::fs::read_to_string(pnr_log).map_err(|source| FlowError::Io {
        path: pnr_log.clone(),
        source,
    })?;
    let routed = report_clocks(&rep);
    let placed = log_place_clocks(&log_text);
    let port = &req.clock_port;
    let route_fig = pick_clock(&routed, port);
    let place_fig = pick_clock(&placed, port);
    let report_where = format!("{} --report {}", who(1), files.report_json.display());
    let log_where = format!("{} log {}", who(1), pnr_log.display());
    let Some((clock, fmax_kind)) = counted_figure(req.family, route_fig, place_fig) else {
        let mut all: Vec<&str> = routed
            .iter()
            .chain(&placed)
            .map(|c| c.net.as_str())
            .collect();
        all.dedup();
        return Err(FlowError::Report {
            path: files.report_json.clone(),
            detail: format!(
                "no Fmax for clock port `{port}` in the report or in {} (clocks found: {}); \
             is the design clocked by `{port}`, and does it have register-to-register \
             paths?",
                pnr_log.display(),
                if all.is_empty() {
                    "none".into()
                } else {
                    all.join(", ")
                },
            ),
        });
    };
    let fmax_source = match fmax_kind {
        FmaxKind::LowerOfPlaceAndRoute => format!(
            "the lower of the post-route fmax ({:.2} MHz, {report_where}) and the \
             post-placement estimate ({:.2} MHz, last \"Max frequency\" line before routing \
             in {log_where}): himbaechel-gowin's post-route analysis times only some paths",
            route_fig.map_or(0.0, |r| r.achieved_mhz),
            place_fig.map_or(0.0, |p| p.achieved_mhz)
        ),
        FmaxKind::PostRoute => format!("{report_where} fmax (post-route)"),
        FmaxKind::PostPlaceEstimate => format!(
            "{log_where}: last \"Max frequency\" line before routing, a post-placement \
             estimate (the report had no post-route fmax for this clock)"
        ),
    };
    let fmax_mhz = clock.achieved_mhz;

    let mut notes = Vec::new();
    if (clock.constraint_mhz - req.pnr_freq_mhz()).abs() > 0.01 {
        notes.push(format!(
            "nextpnr timed clock `{}` against {:.2} MHz, not the requested {:.2} MHz: a \
             constraint file sets that clock's frequency, or nextpnr derived it from a \
             constrained PLL input (nextpnr rounds the PLL output); the verdict here \
             uses the requested clock",
            clock.net,
            clock.constraint_mhz,
            req.pnr_freq_mhz()
        ));
    } else if req.pnr_freq_mhz() > req.target_mhz {
        notes.push(format!(
            "nextpnr timed every clock at {:.2} MHz, the fastest clock the design must meet \
             (it takes one frequency for all clocks here); the verdict on `{}` uses its \
             {:.2} MHz target",
            req.pnr_freq_mhz(),
            clock.net,
            req.target_mhz
        ));
    }
    match fmax_kind {
        FmaxKind::PostRoute => {}
        FmaxKind::PostPlaceEstimate => notes.push(
            "Fmax is nextpnr's post-placement estimate (no post-route figure was reported): \
             routing delays are estimated"
                .into(),
        ),
        FmaxKind::LowerOfPlaceAndRoute => notes.push(
            "Gowin Fmax is an upper bound: nextpnr-himbaechel-gowin's post-route analysis \
             times only part of the design, so the lower of it and the post-placement estimate \
             is reported"
                .into(),
        ),
    }
    let clocks: Vec<ClockFmax> = routed.into_iter().chain(placed).collect();

    let logic_fill = super::fill::measure_hidden(&files.synth_json, &req.top, cells, |bel| {
        utilisation.get(bel).map(|u| u.available)
    })?;
    if let Some(fill) = &logic_fill {
        notes.push(format!("the netlist takes {}", fill.describe()));
    }

    let stat_where = format!("stat -json ({})", files.stat_json.display());
    let util_where = format!("--report utilization ({})", files.report_json.display());
    let sources = vec![
        (
            "luts".into(),
            format!("{} {stat_where}: {}", who(0), cells.lut_rule),
        ),
        (
            "ffs".into(),
            format!("{} {stat_where}: {}", who(0), cells.ff_rule),
        ),
        (
            "brams".into(),
            format!("{} {util_where}: {}", who(1), cells.bram_bels.join(" + ")),
        ),
        (
            "ios".into(),
            format!("{} {util_where}: {}", who(1), cells.io_bels.join(" + ")),
        ),
        ("fmax_mhz".into(), fmax_source),
        ("bitstream".into(), who(2)),
    ];

    Ok(FlowReport {
        family: req.family,
        device: req.device.clone(),
        package: req.package.clone(),
        top: req.top.clone(),
        seed: req.seed,
        placer: req.placer,
        router: req.router,
        luts,
        ffs,
        brams,
        ios,
        fmax_mhz,
        fmax_kind,
        target_mhz: req.target_mhz,
        timing_met: fmax_mhz >= req.target_mhz,
        clocks,
        bitstream: files.bitstream.clone(),
        tools: tools.to_vec(),
        sources,
        utilisation,
        synth_cells,
        logic_fill,
        logs: logs.to_vec(),
        notes,
        wrapper: None,
        wall_seconds: 0.0,
        stage_seconds: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_clock_names_are_read() {
        let log = "Info: Max frequency for clock 'link.bridge$clock': 100.26 MHz (FAIL at 199.80 MHz)\n\
                   Info: Max frequency for clock               'clk': 114.90 MHz (FAIL at 199.80 MHz)\n";
        let c = log_place_clocks(log);
        assert_eq!(c.len(), 2);
        assert_eq!(pick_clock(&c, "clk").unwrap().achieved_mhz, 114.90);
    }

    #[test]
    fn log_clocks_keep_the_last_line_per_clock_before_routing() {
        let log = "Info: Max frequency for clock 'clk_IBUF_I_O': 212.18 MHz (PASS at 50.00 MHz)\n\
                   Info: Max frequency for clock 'clk_IBUF_I_O': 190.5 MHz (FAIL at 200.00 MHz)\n\
                   ERROR: Max frequency for clock 'x$y': 1.5 MHz (FAIL at 2.00 MHz)\n\
                   Info: Routing globals...\n\
                   Info: Max frequency for clock 'clk_IBUF_I_O': 560.0 MHz (PASS at 200.00 MHz)\n\
                   Info: No Fmax available; no interior timing paths found in design.\n";
        let c = log_place_clocks(log);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].net, "clk_IBUF_I_O");
        assert_eq!((c[0].achieved_mhz, c[0].constraint_mhz), (190.5, 200.0));
        assert_eq!(c[1].net, "x$y");
    }

    #[test]
    fn clock_nets_of_every_family_match_their_port() {
        let c = |net: &str| ClockFmax {
            net: net.into(),
            achieved_mhz: 1.0,
            constraint_mhz: 1.0,
            analysis: FmaxKind::PostRoute,
        };
        let clocks = [
            c("clk$SB_IO_IN_$glb_clk"),
            c("$glbnet$clock$TRELLIS_IO_IN"),
            c("other_IBUF_I_O"),
        ];
        assert_eq!(pick_clock(&clocks, "clk").unwrap().net, clocks[0].net);
        assert_eq!(pick_clock(&clocks, "clock").unwrap().net, clocks[1].net);
        assert_eq!(pick_clock(&clocks, "other").unwrap().net, clocks[2].net);
        assert!(pick_clock(&clocks, "nope").is_none());
        assert_eq!(pick_clock(&clocks[..1], "nope").unwrap().net, clocks[0].net);
    }

    #[test]
    fn report_json_sections_parse() {
        let rep: Value = serde_json::from_str(
            r#"{"fmax": {"clk$SB_IO_IN_$glb_clk": {"achieved": 277.9, "constraint": 50}},
                "utilization": {"ICESTORM_RAM": {"available": 32, "used": 2},
                                "SB_IO": {"available": 256, "used": 3}}}"#,
        )
        .unwrap();
        let clocks = report_clocks(&rep);
        assert_eq!(clocks.len(), 1);
        assert_eq!(
            (clocks[0].achieved_mhz, clocks[0].constraint_mhz),
            (277.9, 50.0)
        );
        let u = utilisation(&rep);
        assert_eq!(
            u["ICESTORM_RAM"],
            Used {
                used: 2,
                available: 32
            }
        );
        let stat: Value = serde_json::from_str(
            r#"{"modules": {"\\top": {}}, "design": {"num_cells_by_type": {"SB_DFF": 65, "SB_LUT4": 44}}}"#,
        )
        .unwrap();
        let cells = synth_cells(&stat, Path::new("x")).unwrap();
        assert_eq!(cells["SB_LUT4"], 44);
    }
}
