//! `atomik bench --lanes N`: on a simulated device it sets the simulated build's lanes (the
//! on-chip figure counts N lanes' deltas), a URI that already says other lanes is refused, and
//! a bad count is named. (The check against a real board's STATUS lanes register is in
//! `xdma_device.rs`.)

use serde_json::Value;
use std::process::Command;

fn bench(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_atomik"))
        .arg("bench")
        .args(args)
        .output()
        .expect("run atomik")
}

#[test]
fn lanes_set_the_simulated_build() {
    let out = bench(&[
        "--device",
        "ok://sim",
        "--lanes",
        "2",
        "--clocks",
        "5000",
        "--link-deltas",
        "128",
        "--json",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    assert_eq!(v["verified"], true, "{v}");
    assert_eq!(v["device"], "ok://sim?lanes=2");
    assert_eq!(v["onchip_deltas"], 2 * 5_000);
}

#[test]
fn conflicting_or_bad_lanes_are_named() {
    let out = bench(&["--device", "sim://?lanes=4", "--lanes", "8"]);
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("--lanes 8 conflicts with `lanes=4`"), "{e}");
    let out = bench(&["--lanes", "1025"]);
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("unsupported lane count 1025"), "{e}");
}
