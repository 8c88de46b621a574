//! `atomik prove` end to end: every proof closes by k-induction at its test size, and
//! deliberately broken designs (a core without forwarding, a multi-lane tree that drops a lane,
//! a cross-clock port that delivers a command twice) are rejected with a counterexample trace.

use atomik_hdl::formal::{broken, Proof};
use atomik_host::commands::prove::{run_proof, ProveTools, Verdict};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn out_dir(test: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("prove-cli-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn every_proof_closes_by_k_induction() {
    let dir = out_dir("all");
    let out = Command::new(env!("CARGO_BIN_EXE_atomik"))
        .args(["prove", "--json", "--out-dir", dir.to_str().expect("utf-8")])
        .output()
        .expect("run the atomik binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "atomik prove failed:\n{stdout}\n{stderr}"
    );
    let report: Value = serde_json::from_str(&stdout).expect("JSON report");
    let proofs = report["proofs"].as_array().expect("a proofs array");
    let names: Vec<&str> = proofs.iter().filter_map(|p| p["name"].as_str()).collect();
    for expected in ["core", "bridge", "lanes", "handshake", "table", "queue"] {
        assert!(
            names.contains(&expected),
            "no {expected} proof in {names:?}"
        );
    }
    for p in proofs {
        assert_eq!(p["result"], "proved", "{p:#}");
        assert_eq!(p["mode"], "prove (k-induction)", "{p:#}");
        assert!(p["depth"].as_u64().unwrap() >= 1, "{p:#}");
        assert!(
            p["solver"].as_str().unwrap().starts_with("boolector"),
            "{p:#}"
        );
        assert!(p["seconds"].as_f64().unwrap() > 0.0, "{p:#}");
    }
}

/// Runs a broken variant and checks it fails in its base case (a counterexample from
/// power-up, not only an induction step that does not close), on assertions of `harness`,
/// with a VCD trace written.
fn assert_rejected_with_a_trace(proof: &Proof, harness: &str) {
    let tools = ProveTools::locate().expect("formal tools installed by scripts/setup.sh");
    let outcome = run_proof(proof, &tools, &out_dir(proof.name)).expect("ran");
    assert_eq!(outcome.verdict, Verdict::Failed, "{outcome:#?}");
    assert!(!outcome.failed_assertions.is_empty(), "{outcome:#?}");
    assert!(
        outcome
            .failed_assertions
            .iter()
            .all(|a| a.contains(&format!("{harness}:"))),
        "{outcome:#?}"
    );
    assert!(
        outcome
            .traces
            .iter()
            .any(|t| t.extension().is_some_and(|e| e == "vcd") && t.is_file()),
        "no counterexample trace file: {outcome:#?}"
    );
}

#[test]
fn a_core_without_forwarding_is_rejected_with_a_trace() {
    assert_rejected_with_a_trace(&broken::core_without_forwarding(), "core.formal.sv");
}

#[test]
fn a_lane_tree_that_drops_a_lane_is_rejected_with_a_trace() {
    assert_rejected_with_a_trace(&broken::lanes_tree_dropping_a_lane(), "single.formal.sv");
}

#[test]
fn a_handshake_that_fires_twice_is_rejected_with_a_trace() {
    assert_rejected_with_a_trace(
        &broken::handshake_firing_twice(),
        "handshake_port.formal.sv",
    );
}

#[test]
fn an_unknown_proof_name_is_refused_with_the_list() {
    let out = Command::new(env!("CARGO_BIN_EXE_atomik"))
        .args(["prove", "--only", "nonesuch", "--out-dir"])
        .arg(out_dir("unknown"))
        .output()
        .expect("run the atomik binary");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no proof named \"nonesuch\"") && stderr.contains("core"),
        "{stderr}"
    );
}
