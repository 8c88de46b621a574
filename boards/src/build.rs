//! A board bitstream: the board top ([`atomik_hdl::board_top`]: PLL, reset, UART link,
//! multi-lane core with its generator) through the family's flow, timed at the clock the PLL
//! really gives, and a [`BuildReport`] saying what was built, what it reached and who said so.

use crate::board::Board;
use crate::flow::{check_placer, check_tools, run, FlowError, FlowReport, Stage, ToolLocator};
use crate::pll::{pll_for, PllError, PllSetting};
use atomik_hdl::board_top::{board_top_verilog, BoardTopConfig, ClockSource, BOARD_MODULE};
use atomik_hdl::lanes::{LaneMode, LanesConfig};
use atomik_hdl::link::{LinkConfig, LinkError};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// LEDs the board top drives (heartbeat, frame dropped, illegal op, link busy).
pub const TOP_LEDS: usize = 4;

/// What to build.
#[derive(Debug, Clone)]
pub struct BuildRequest {
    pub board: &'static Board,
    pub lanes: LanesConfig,
    /// The core clock wanted, MHz; the PLL gives the closest frequency not above it.
    pub mhz: f64,
    /// The UART's baud rate.
    pub baud: u32,
    pub out_dir: PathBuf,
    /// nextpnr's placer seed.
    pub seed: u64,
    /// nextpnr's placer.
    pub placer: crate::flow::Placer,
    /// nextpnr's router.
    pub router: crate::flow::Router,
}

/// What a board build produced. `gops` counts only what the bitstream does at its clock.
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    pub board: String,
    pub device: String,
    pub lanes: u32,
    pub mode: String,
    pub width: u32,
    pub contexts: u32,
    /// Single mode: groups of three lanes per source word copy (`LanesConfig::copy_fanout`).
    pub copy_fanout: u32,
    pub luts: u64,
    pub ffs: u64,
    pub brams: u64,
    /// Post-route (or, on Gowin, the lower of post-place and post-route) Fmax of the core
    /// clock, MHz.
    pub fmax_mhz: f64,
    /// The clock the PLL gives and nextpnr timed against.
    pub target_mhz: f64,
    pub timing_met: bool,
    /// lanes x min(fmax, target) / 1000: G deltas/s absorbed by the on-chip generator run.
    pub gops: f64,
    pub baud: u32,
    pub pll: PllSetting,
    pub bitstream: PathBuf,
    /// `(tool, version)` of every tool that ran.
    pub tools: Vec<(String, String)>,
    /// `(figure, tool and field it came from)`.
    pub sources: Vec<(String, String)>,
    pub wall_seconds: f64,
    /// Why the generator's lanes are all physically present in these figures.
    pub lanes_note: String,
    pub notes: Vec<String>,
    /// The full flow report (utilisation, every clock, logs).
    pub flow: FlowReport,
}

impl BuildReport {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a BuildReport always serialises")
    }
}

/// Why a build could not run.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Pll(#[from] PllError),
    #[error("UART for {board}: {cause}")]
    Link { board: String, cause: LinkError },
    #[error("generating the board top: {0}")]
    Export(#[from] atomik_hdl::export::ExportError),
    #[error(transparent)]
    Flow(#[from] FlowError),
}

/// Said in every report: why synthesis cannot fold the lanes together.
pub const LANES_NOTE: &str = "lanes run in banks of twelve behind one run-time enable each \
     (bank b is on when 12b < the active-lane count of GEN_RUN), and at every output bit each \
     lane reads a different source flip-flop bit and no two of the banks' four-lane XORs (nor \
     two groups of three) XOR the same source bits, so the XOR over lanes depends on run-time \
     values and cannot be reduced to a fixed linear map of the source words; LUT and FF \
     counts grow linearly with lanes (see `atomik sweep`)";

/// The board top's pin constraints: clock, UART, the first [`TOP_LEDS`] LEDs.
pub fn board_constraints(board: &Board) -> String {
    let leds: Vec<(String, &str)> = board
        .leds
        .iter()
        .take(TOP_LEDS)
        .enumerate()
        .map(|(i, pin)| (format!("led[{i}]"), *pin))
        .collect();
    let mut pins: Vec<(&str, &str)> = vec![
        ("clk_in", board.clock.pin),
        ("uart_rx", board.uart.rx),
        ("uart_tx", board.uart.tx),
    ];
    pins.extend(leds.iter().map(|(n, p)| (n.as_str(), *p)));
    board.constraints(&pins)
}

/// Whether nextpnr's clock net `net` is the board top's link clock: named after the
/// oscillator pin (`$glbnet$clk_in$TRELLIS_IO_IN`, `clk_in$SB_IO_IN_$glb_clk`), or on Gowin
/// after the link's hierarchy (`link.bridge$clock`).
pub fn is_link_clock_net(net: &str) -> bool {
    net.split(['$', '.']).any(|p| p == "clk_in" || p == "link")
}

/// Everything before the tools: PLL, link divider and Verilog. Cheap; used by dry runs.
pub fn prepare(req: &BuildRequest) -> Result<(PllSetting, LinkConfig, String), BuildError> {
    let pll = pll_for(req.board.family, req.board.clock.mhz, req.mhz)?;
    // The link runs on the board oscillator (see atomik_hdl::link::host_link).
    let link =
        LinkConfig::new(req.board.clock.mhz, req.baud).map_err(|cause| BuildError::Link {
            board: req.board.name.into(),
            cause,
        })?;
    let verilog = board_top_verilog(&BoardTopConfig {
        lanes: req.lanes,
        link,
        clock: ClockSource::Snippet(pll.verilog.clone()),
        leds: TOP_LEDS.min(req.board.leds.len()) as u32,
        leds_active_low: req.board.leds_active_low,
    })?;
    Ok((pll, link, verilog))
}

fn write(dir: &Path, name: &str, text: &str) -> Result<PathBuf, FlowError> {
    std::fs::create_dir_all(dir).map_err(|source| FlowError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|source| FlowError::Io {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// Where a bitstream that missed timing is kept: `<stem>.timing-missed.<ext>` beside it.
pub fn missed_name(bitstream: &Path) -> PathBuf {
    let stem = bitstream.file_stem().unwrap_or_default().to_string_lossy();
    let name = match bitstream.extension() {
        Some(ext) => format!("{stem}.timing-missed.{}", ext.to_string_lossy()),
        None => format!("{stem}.timing-missed"),
    };
    bitstream.with_file_name(name)
}

/// Removes `path` if it exists.
fn remove_stale(path: &Path) -> Result<(), FlowError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(FlowError::Io {
            path: path.to_path_buf(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// Builds the bitstream and writes `report.json` next to it. A missed timing target is in the
/// report (`timing_met: false`, the bitstream renamed by [`missed_name`]), not an error:
/// callers decide (the CLI fails the build).
pub fn build(
    req: &BuildRequest,
    locate: ToolLocator<'_>,
    progress: &mut dyn FnMut(Stage),
) -> Result<BuildReport, BuildError> {
    let (pll, link, verilog) = prepare(req)?;
    let board = req.board;
    // A missing tool is found before anything is written, and a report left by an earlier
    // build in this directory goes before this one can fail: no report.json then describes
    // sources it was not built from.
    check_placer(board.family, req.placer)?;
    check_tools(board.family, req.placer, locate)?;
    remove_stale(&req.out_dir.join("report.json"))?;
    let design = write(&req.out_dir, "atomik_board.v", &verilog)?;
    let constraints = write(
        &req.out_dir,
        &format!("atomik_board.{}", board.family.constraint_ext()),
        &board_constraints(board),
    )?;
    let flow_req = board.request(
        BOARD_MODULE,
        vec![design],
        Some(constraints),
        "clk",
        pll.output_mhz,
        req.out_dir.clone(),
    );
    // The oscillator clocks only the link: timed at its own frequency, not the core's,
    // where the family's nextpnr takes an SDC file.
    let clock_constraints = if board.family.takes_clock_constraints() {
        Some(write(
            &req.out_dir,
            "atomik_board.sdc",
            &board.oscillator_sdc("clk_in"),
        )?)
    } else {
        None
    };
    // Without an SDC nextpnr times every clock at one frequency: ask for the oscillator's
    // when it is the faster, or the link is timed against the slower core target (see
    // `timing_floor_mhz`).
    let timing_floor_mhz = clock_constraints.is_none().then_some(board.clock.mhz);
    let flow_req = crate::flow::FlowRequest {
        clock_constraints,
        timing_floor_mhz,
        seed: req.seed,
        placer: req.placer,
        router: req.router,
        ..flow_req
    };
    let mut flow = run(&flow_req, locate, progress)?;
    let lanes = req.lanes;
    let gops = lanes.lanes as f64 * flow.fmax_mhz.min(pll.output_mhz) / 1000.0;
    let mut notes = flow.notes.clone();
    notes.push(format!(
        "UART {} baud at {} clocks per bit of the {} MHz oscillator ({:.0} baud exactly)",
        req.baud,
        link.clocks_per_bit,
        board.clock.mhz,
        board.clock.mhz * 1e6 / link.clocks_per_bit as f64
    ));
    // What the link domain must meet is the oscillator; its figure counts the way the core
    // clock's does.
    let link_fmax = flow.fmax_of(is_link_clock_net);
    let link_met = match link_fmax {
        Some(f) => {
            notes.push(format!(
                "link clock (clk_in, the {} MHz oscillator): Fmax {f:.2} MHz",
                board.clock.mhz
            ));
            f >= board.clock.mhz
        }
        None => {
            notes.push(
                "nextpnr reported no figure for the link clock clk_in; its paths were not checked"
                    .into(),
            );
            true
        }
    };
    let timing_met = flow.timing_met && link_met;
    // A bitstream that missed timing keeps no name a programmer or script would take for a
    // good build (`atomik_board.timing-missed.bin`); a met build removes such a leftover.
    let missed = missed_name(&flow.bitstream);
    if timing_met {
        remove_stale(&missed)?;
    } else {
        std::fs::rename(&flow.bitstream, &missed).map_err(|source| FlowError::Io {
            path: missed.clone(),
            source,
        })?;
        notes.push(format!(
            "timing missed: the bitstream is kept as {} for inspection only",
            missed.display()
        ));
        flow.bitstream = missed;
    }
    let report = BuildReport {
        board: board.name.into(),
        device: board.device.into(),
        lanes: lanes.lanes,
        mode: match lanes.mode {
            LaneMode::Single => "single".into(),
            LaneMode::Table => "table".into(),
            LaneMode::Shared => "shared".into(),
        },
        width: lanes.width,
        contexts: lanes.contexts,
        copy_fanout: lanes.copy_fanout,
        luts: flow.luts,
        ffs: flow.ffs,
        brams: flow.brams,
        fmax_mhz: flow.fmax_mhz,
        target_mhz: pll.output_mhz,
        timing_met,
        gops,
        baud: req.baud,
        bitstream: flow.bitstream.clone(),
        tools: flow.tools.clone(),
        sources: flow.sources.clone(),
        wall_seconds: flow.wall_seconds,
        lanes_note: LANES_NOTE.into(),
        notes,
        pll,
        flow,
    };
    write(&req.out_dir, "report.json", &report.to_json())?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::board::{ALCHITRY_CU, TANG_NANO_9K, ULX3S};

    #[test]
    fn constraints_place_clock_uart_and_four_leds() {
        let pcf = board_constraints(&ALCHITRY_CU);
        assert!(pcf.contains("set_io clk_in P7"), "{pcf}");
        assert!(pcf.contains("set_io uart_rx P14") && pcf.contains("set_io uart_tx M9"));
        assert!(
            pcf.contains("set_io led[3] K14") && !pcf.contains("led[4]"),
            "{pcf}"
        );
        let cst = board_constraints(&TANG_NANO_9K);
        assert!(cst.contains("IO_LOC \"led[0]\" 10;"), "{cst}");
        let lpf = board_constraints(&ULX3S);
        assert!(
            lpf.contains("LOCATE COMP \"uart_tx\" SITE \"L4\";"),
            "{lpf}"
        );
    }

    #[test]
    fn prepare_checks_pll_and_baud_before_any_tool() {
        let req = |mhz, baud| BuildRequest {
            board: &TANG_NANO_9K,
            lanes: LanesConfig::single(4, 64).unwrap(),
            mhz,
            baud,
            out_dir: PathBuf::from("unused"),
            seed: 1,
            placer: crate::flow::Placer::Default,
            router: crate::flow::Router::Default,
        };
        let (pll, link, v) = prepare(&req(100.0, 3_000_000)).unwrap();
        assert!(pll.output_mhz <= 100.0 && pll.output_mhz > 90.0);
        // The link divides the 27 MHz oscillator, whatever the core clock.
        assert_eq!(link.clocks_per_bit, 9);
        assert!(v.contains("rPLL") && v.contains("module atomik_board("));
        let e = prepare(&req(1.0, 3_000_000)).unwrap_err().to_string();
        assert!(e.contains("1 MHz"), "{e}");
        let e = prepare(&req(100.0, 5_000_000)).unwrap_err().to_string();
        assert!(e.contains("tang-nano-9k") && e.contains("5000000"), "{e}");
    }
}
