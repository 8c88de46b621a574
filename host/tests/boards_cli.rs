//! The board commands end to end through the built binary: `boards`, `program --dry-run`,
//! the refusals that cost nothing, and one small real bitstream per family (1 lane at a
//! clock every family meets: the CI check that each flow still works from a clean machine).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn atomik(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_atomik"))
        .args(args)
        .output()
        .expect("run the atomik binary")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn scratch(test: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("boards-cli-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

#[test]
fn boards_lists_every_board_as_text_and_json() {
    let out = atomik(&["boards"]);
    assert!(out.status.success());
    let t = text(&out.stdout);
    for name in [
        "tang-nano-9k",
        "alchitry-cu",
        "ulx3s",
        "GW1NR-LV9QN88PC6/I5",
        "tangnano9k",
    ] {
        assert!(t.contains(name), "{name} missing from\n{t}");
    }
    let out = atomik(&["boards", "--json"]);
    let j: Value = serde_json::from_str(text(&out.stdout).trim()).expect("JSON array");
    let names: Vec<&str> = j
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alchitry-cu", "ulx3s", "tang-nano-9k", "xem7010"]);
    assert_eq!(j[2]["clock_mhz"], 27.0);
}

#[test]
fn program_dry_run_prints_the_exact_command_and_checks_the_file() {
    let dir = scratch("program");
    let fs = dir.join("design.fs");
    std::fs::write(&fs, b"not really a bitstream").unwrap();
    let p = fs.to_str().unwrap();
    let out = atomik(&["program", "--board", "tang-nano-9k", p, "--dry-run"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim(),
        format!("openFPGALoader -b tangnano9k {p}")
    );
    let out = atomik(&[
        "program",
        "--board",
        "tang-nano-9k",
        p,
        "--flash",
        "--dry-run",
    ]);
    assert_eq!(
        text(&out.stdout).trim(),
        format!("openFPGALoader -b tangnano9k -f {p}")
    );
    // The wrong kind of file for the board, a missing file, an unknown board.
    let bit = dir.join("design.bit");
    std::fs::write(&bit, b"x").unwrap();
    let out = atomik(&[
        "program",
        "--board",
        "tang-nano-9k",
        bit.to_str().unwrap(),
        "--dry-run",
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("take a .fs file"),
        "{}",
        text(&out.stderr)
    );
    let out = atomik(&[
        "program",
        "--board",
        "ulx3s",
        "/nonexistent/x.bit",
        "--dry-run",
    ]);
    assert!(
        text(&out.stderr).contains("does not exist"),
        "{}",
        text(&out.stderr)
    );
    let out = atomik(&["program", "--board", "arty", p, "--dry-run"]);
    let e = text(&out.stderr);
    assert!(
        e.contains("unknown board `arty`") && e.contains("ulx3s"),
        "{e}"
    );
}

#[test]
fn build_refuses_bad_requests_before_running_any_tool() {
    let dir = scratch("refusals");
    let d = dir.to_str().unwrap();
    let cases: [(&[&str], &str); 4] = [
        (&["--board", "nope"], "unknown board `nope`"),
        (
            &["--board", "alchitry-cu", "--mhz", "5"],
            "no ice40 PLL setting",
        ),
        (
            &["--board", "alchitry-cu", "--lanes", "1025"],
            "unsupported lane count 1025",
        ),
        (&["--board", "ulx3s", "--baud", "3000000"], "4.17 %"),
    ];
    for (args, want) in cases {
        let mut all = vec!["build", "--out-dir", d];
        all.extend_from_slice(args);
        let out = atomik(&all);
        let e = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {e}");
        assert!(e.contains(want), "{args:?}: {e}");
    }
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "nothing was written"
    );
}

#[test]
fn xem7010_build_writes_the_vivado_project_and_claims_no_bitstream_without_vivado() {
    let dir = scratch("xem7010");
    let out = atomik(&[
        "build",
        "--board",
        "xem7010",
        "--lanes",
        "16",
        "--mhz",
        "200",
        "--json",
        "--out-dir",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let j: Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
    assert_eq!(j["device"], "xc7a50tfgg484-1");
    assert_eq!(j["target_mhz"], 200.0);
    let project = Path::new(j["project_dir"].as_str().unwrap());
    for f in ["atomik_xem7010.v", "atomik_xem7010.xdc", "build.tcl"] {
        assert!(project.join(f).is_file(), "{f} missing");
    }
    if atomik_boards::default_locator("vivado").is_none() {
        assert!(j["bitstream"].is_null() && j["fmax_mhz"].is_null());
        assert!(j["note"].as_str().unwrap().contains("nothing was built"));
    }
}

/// Builds 1 lane for `board` at `mhz` and checks the report and the bitstream.
/// `link_timed_at`: the frequency nextpnr must time the link clock at where it is not the
/// core's target (`None`): the board's oscillator where the flow passes an SDC file, or where
/// the oscillator is the faster clock (nextpnr then times every clock at it).
fn small_build(board: &str, mhz: &str, ext: &str, link_timed_at: Option<f64>) {
    let dir = scratch(board);
    let out = atomik(&[
        "build",
        "--board",
        board,
        "--lanes",
        "1",
        "--mhz",
        mhz,
        "--json",
        "--out-dir",
        dir.to_str().unwrap(),
    ]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    let j: Value = serde_json::from_str(stdout.trim()).expect("one JSON report");
    assert_eq!(j["board"], board);
    assert_eq!(j["lanes"], 1);
    assert_eq!(j["timing_met"], true);
    let (fmax, target) = (
        j["fmax_mhz"].as_f64().unwrap(),
        j["target_mhz"].as_f64().unwrap(),
    );
    assert!(
        target <= mhz.parse::<f64>().unwrap() && fmax >= target,
        "{fmax} {target}"
    );
    assert!((j["gops"].as_f64().unwrap() - target / 1000.0).abs() < 1e-9);
    assert!(j["luts"].as_u64().unwrap() > 100 && j["ffs"].as_u64().unwrap() > 100);
    assert!(!j["tools"].as_array().unwrap().is_empty());
    let bitstream = Path::new(j["bitstream"].as_str().unwrap());
    assert_eq!(bitstream.extension().unwrap(), ext);
    assert!(std::fs::metadata(bitstream).unwrap().len() > 1000);
    let saved: Value = serde_json::from_str(
        &std::fs::read_to_string(bitstream.parent().unwrap().join("report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(saved["fmax_mhz"], j["fmax_mhz"]);
    // Gowin says how many LUT positions the top really takes: the frame buffer's registered
    // write alone is 64 data flip-flops loaded from flip-flops, each taking a position.
    let fill = &j["flow"]["logic_fill"];
    if board == "tang-nano-9k" {
        assert_eq!(fill["luts"], j["luts"], "{fill}");
        assert_eq!(fill["available"], 8640, "{fill}");
        assert!(fill["lone_ffs"].as_u64().unwrap() >= 64, "{fill}");
    } else {
        assert!(fill.is_null(), "{fill}");
    }
    // The link clock is timed at its oscillator (the build's SDC), not at the core's target.
    let link_timed_at = link_timed_at.unwrap_or(target);
    let link: Vec<&Value> = j["flow"]["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| atomik_boards::build::is_link_clock_net(c["net"].as_str().unwrap()))
        .collect();
    assert!(!link.is_empty(), "{}", j["flow"]["clocks"]);
    for c in link {
        let constraint = c["constraint_mhz"].as_f64().unwrap();
        assert!((constraint - link_timed_at).abs() < 0.01, "{c}");
    }
    // ... and the core clock at its own target (derived through the PLL from the constrained
    // oscillator where there is an SDC; at the one `--freq` on Gowin, the faster of the two),
    // not at the link's.
    for c in j["flow"]["clocks"].as_array().unwrap() {
        if !atomik_boards::build::is_link_clock_net(c["net"].as_str().unwrap()) {
            let constraint = c["constraint_mhz"].as_f64().unwrap();
            assert!((constraint - target).abs() < 0.1, "{c}");
        }
    }
}

#[test]
fn builds_a_bitstream_for_ice40() {
    small_build("alchitry-cu", "48", "bin", Some(100.0));
}

#[test]
fn builds_a_bitstream_for_gowin() {
    small_build("tang-nano-9k", "48", "fs", None);
}

#[test]
fn builds_a_bitstream_for_ecp5() {
    small_build("ulx3s", "50", "bit", Some(25.0));
}

#[test]
fn sweep_builds_each_lane_count_and_writes_table_json_and_chart() {
    let dir = scratch("sweep");
    let plot = dir.join("sweep.svg");
    let out = atomik(&[
        "sweep",
        "--board",
        "alchitry-cu",
        "--lanes",
        "1,2",
        "--mhz",
        "50",
        "--json",
        "--plot",
        plot.to_str().unwrap(),
        "--out-dir",
        dir.to_str().unwrap(),
    ]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    let j: Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    let rows = j["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for (row, lanes) in rows.iter().zip([1, 2]) {
        assert_eq!(row["lanes"], lanes);
        assert_eq!(row["timing_met"], true, "{row}");
        assert!(row["fmax_mhz"].as_f64().unwrap() >= 50.0);
    }
    assert_eq!(j["per_lane_growth"].as_array().unwrap().len(), 1);
    assert_eq!(j["best_met"]["lanes"], 2);
    assert!(j["lanes_note"]
        .as_str()
        .unwrap()
        .contains("run-time enable"));
    let svg = std::fs::read_to_string(&plot).expect("chart written");
    assert!(svg.starts_with("<svg") && svg.contains("Alchitry Cu"));
}
