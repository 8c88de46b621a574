//! The `atomik` binary as a user meets it: exit codes, the summary lines scripts parse, JSON
//! keys, and errors that name the bad value.

use std::process::{Command, Output};

fn atomik(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_atomik"))
        .args(args)
        .output()
        .expect("the atomik binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/vectors.jsonl");

#[test]
fn conform_on_the_model_passes_every_vector_and_ends_with_the_summary_line() {
    let o = atomik(&["conform", VECTORS]);
    assert!(o.status.success(), "{}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(stdout.lines().last(), Some("183 passed, 0 failed"));
}

#[test]
fn conform_fails_with_exit_1_and_names_the_case_when_a_vector_is_wrong() {
    let dir = std::env::temp_dir().join(format!("atomik-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.jsonl");
    std::fs::write(
        &bad,
        r#"{"name":"wrong_read","kind":"table","width":8,"contexts":2,"ops":[{"op":"accum","addr":0,"delta":"0x1"},{"op":"read","addr":0,"expect":"0x2"}]}"#,
    )
    .unwrap();
    let o = atomik(&["conform", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("wrong_read"), "{out}");
    assert!(out.contains("0 passed, 1 failed"), "{out}");
}

#[test]
fn a_corrupt_vectors_file_is_an_error_naming_file_and_line() {
    let dir = std::env::temp_dir().join(format!("atomik-cli-corrupt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("corrupt.jsonl");
    std::fs::write(&bad, "{\"name\": \"x\"\nnot json\n").unwrap();
    let o = atomik(&["conform", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("corrupt.jsonl:1"), "{}", text(&o));
}

#[test]
fn bad_parameters_are_rejected_naming_the_value() {
    let o = atomik(&["verilog", "--width", "12", "-o", "/dev/null"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("width 12"), "{}", text(&o));
    let o = atomik(&["sim", "--lanes", "1025", "--cycles", "10"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("lane count 1025"), "{}", text(&o));
    let o = atomik(&["sim", "--backend", "spice"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(text(&o).contains("spice"), "{}", text(&o));
    let o = atomik(&["sim", "--generator", "--clocks", "10"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("--lanes"), "{}", text(&o));
}

#[test]
fn sim_json_reports_the_documented_keys_and_no_mismatches() {
    let o = atomik(&[
        "sim",
        "--backend",
        "rust-hdl",
        "--contexts",
        "4",
        "--cycles",
        "2000",
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
    for key in ["backend", "cycles", "mismatches", "cycles_per_sec"] {
        assert!(v.get(key).is_some(), "missing {key} in {v}");
    }
    assert_eq!(v["backend"], "rust-hdl");
    assert_eq!(v["cycles"], 2000);
    assert_eq!(v["mismatches"], 0);
}

#[test]
fn a_generator_run_in_rust_hdl_is_verified_and_reports_its_figures() {
    let o = atomik(&[
        "sim",
        "--backend",
        "rust-hdl",
        "--generator",
        "--lanes",
        "4",
        "--clocks",
        "500",
        "--mhz",
        "100",
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
    assert_eq!(v["verified"], true, "{v}");
    assert_eq!(v["clocks"], 500);
    assert_eq!(v["deltas"], 2000);
    assert_eq!(v["gops_at_mhz"], 0.4);
}

#[test]
fn verilog_writes_the_requested_configuration() {
    let out = std::env::temp_dir().join(format!("atomik-cli-{}.v", std::process::id()));
    let o = atomik(&[
        "verilog",
        "--width",
        "32",
        "--contexts",
        "16",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v = std::fs::read_to_string(&out).unwrap();
    assert!(v.contains("module top"), "no module top");
    assert!(
        v.contains("input wire [31:0] cmd_data") || v.contains("[31:0] cmd_data"),
        "width not 32"
    );
}
