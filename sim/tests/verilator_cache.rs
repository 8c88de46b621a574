//! The model cache: hits, damaged entries, concurrent builders (threads and processes), and
//! the errors users see for broken designs and specs.
//!
//! Each test that must observe a build uses its own fresh cache root.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Barrier};

use atomik_sim::tool::ToolError;
use atomik_sim::verilator::{ModelSpec, VerilatedModel, VerilatorError};

const COUNTER: &str = r#"
module counter(input wire clk, input wire en, output reg [15:0] count);
    initial count = 16'd100;
    always @(posedge clk) if (en) count <= count + 16'd1;
endmodule
"#;

fn counter_spec(name: &str) -> ModelSpec {
    ModelSpec::new(name, COUNTER, "counter", "clk")
        .input("en", 1)
        .output("count", 16)
}

/// A fresh, empty cache root under the target dir.
fn fresh_root(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "verilator-cache-{tag}-{}-{nanos}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&root);
    root
}

fn run_counter(m: &mut VerilatedModel, n: u64) {
    let en = m.input("en").unwrap();
    let count = m.output("count").unwrap();
    assert_eq!(m.get(count), 100);
    m.set(en, 1);
    for _ in 0..n {
        m.tick();
    }
    assert_eq!(m.get(count), 100 + n);
}

fn entries(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn second_build_is_a_cache_hit_and_damaged_entries_are_rebuilt() {
    let root = fresh_root("hit");
    let spec = counter_spec("cache_hit");
    let mut first = VerilatedModel::build_in(&spec, &root).unwrap();
    let took = first.build_time().expect("first build builds");
    eprintln!("one model build: {:.1} s", took.as_secs_f64());
    run_counter(&mut first, 10);
    let dir = first.cache_dir().to_path_buf();
    let lib = dir.join("libmodel.so");
    let mtime = std::fs::metadata(&lib).unwrap().modified().unwrap();

    let mut second = VerilatedModel::build_in(&spec, &root).unwrap();
    assert_eq!(second.build_time(), None, "cache hit");
    assert_eq!(second.cache_dir(), dir);
    assert_eq!(std::fs::metadata(&lib).unwrap().modified().unwrap(), mtime);
    run_counter(&mut second, 3);

    // The entry is self-describing.
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("cache_hit-") && name.len() == "cache_hit-".len() + 16);
    let spec_txt = std::fs::read_to_string(dir.join("spec.txt")).unwrap();
    assert!(
        spec_txt.contains("Verilator 5") && spec_txt.contains("out 16 count"),
        "{spec_txt}"
    );
    assert_eq!(entries(&root), vec![name.clone(), format!("{name}.lock")]);

    // A directory without the completion marker (as if a build had been killed) and a stale
    // temporary directory are cleared and the model is rebuilt.
    drop((first, second));
    std::fs::remove_file(dir.join("COMPLETE")).unwrap();
    let stale = root.join(format!("{name}.tmp-999999-0"));
    std::fs::create_dir_all(stale.join("obj")).unwrap();
    let mut third = VerilatedModel::build_in(&spec, &root).unwrap();
    assert!(third.build_time().is_some(), "damaged entry rebuilt");
    assert!(dir.join("COMPLETE").is_file());
    run_counter(&mut third, 5);
    assert_eq!(entries(&root), vec![name.clone(), format!("{name}.lock")]);
    drop(third);
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn concurrent_threads_build_once() {
    let root = Arc::new(fresh_root("threads"));
    let spec = Arc::new(counter_spec("concurrent_threads"));
    let barrier = Arc::new(Barrier::new(4));
    let handles: Vec<_> = (0..4u64)
        .map(|i| {
            let (root, spec, barrier) = (root.clone(), spec.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                // Built and run on this thread: models are not Send.
                let mut m = VerilatedModel::build_in(&spec, &root).unwrap();
                run_counter(&mut m, 1000 + i);
                m.build_time().is_some()
            })
        })
        .collect();
    let builds = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|&built| built)
        .count();
    assert_eq!(builds, 1, "exactly one thread builds");
    let names = entries(&root);
    assert_eq!(
        names.len(),
        2,
        "one entry and its lock, no leftovers: {names:?}"
    );
    let _ = std::fs::remove_dir_all(&*root);
}

/// Child half of [`concurrent_processes_build_once`]: builds the spec in the root given by the
/// environment and reports whether it built.
#[test]
#[ignore = "run as a child process by concurrent_processes_build_once"]
fn child_process_build() {
    let Some(root) = std::env::var_os("ATOMIK_TEST_CHILD_ROOT") else {
        return;
    };
    let mut m = VerilatedModel::build_in(&counter_spec("concurrent_procs"), Path::new(&root))
        .unwrap_or_else(|e| panic!("{e}"));
    run_counter(&mut m, 77);
    println!("CHILD-BUILT={}", m.build_time().is_some());
}

#[test]
fn concurrent_processes_build_once() {
    let root = fresh_root("procs");
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..3)
        .map(|_| {
            Command::new(&exe)
                .args(["child_process_build", "--exact", "--ignored", "--nocapture"])
                .env("ATOMIK_TEST_CHILD_ROOT", &root)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut built = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stdout}\n{stderr}");
        assert!(stdout.contains("CHILD-BUILT="), "{stdout}");
        if stdout.contains("CHILD-BUILT=true") {
            built += 1;
            assert!(
                stderr.contains("building Verilator model concurrent_procs"),
                "{stderr}"
            );
        } else {
            assert!(!stderr.contains("building Verilator model"), "{stderr}");
        }
    }
    assert_eq!(built, 1, "exactly one process builds");
    let _ = std::fs::remove_dir_all(root);
}

fn build_err(spec: &ModelSpec, tag: &str) -> (VerilatorError, PathBuf) {
    let root = fresh_root(tag);
    let err = VerilatedModel::build_in(spec, &root).expect_err("build must fail");
    (err, root)
}

#[test]
fn syntax_error_names_verilator_and_its_log() {
    let broken = COUNTER.replace("count + 16'd1;", "count + ;");
    let spec = ModelSpec::new("broken", broken, "counter", "clk")
        .input("en", 1)
        .output("count", 16);
    let (err, root) = build_err(&spec, "syntax");
    let msg = err.to_string();
    let VerilatorError::Tool { model, source, .. } = &err else {
        panic!("expected a tool failure, got {err:?}");
    };
    let ToolError::Failed { tool, log, .. } = &**source else {
        panic!("expected a tool failure, got {err:?}");
    };
    assert_eq!((model.as_str(), tool.as_str()), ("broken", "verilator"));
    let log = log.as_ref().expect("log path");
    assert!(
        msg.starts_with("building Verilator model `broken` failed: verilator failed"),
        "{msg}"
    );
    assert!(msg.contains("--top-module atomik_dut"), "{msg}");
    assert!(msg.contains(&log.display().to_string()), "{msg}");
    assert!(msg.contains("syntax error"), "the tail is quoted: {msg}");
    let text = std::fs::read_to_string(log).unwrap();
    assert!(
        text.starts_with("$ cd ") && text.contains("syntax error"),
        "{text}"
    );
    // No finished entry was created.
    assert!(!entries(&root)
        .iter()
        .any(|e| !e.contains(".tmp-") && !e.ends_with(".lock")));
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn spec_port_errors_are_reported() {
    // A port the design does not have: Verilator's PINNOTFOUND, at the wrapper.
    let spec = counter_spec("no_such_pin").input("bogus", 4);
    let (err, root) = build_err(&spec, "pin");
    let msg = err.to_string();
    assert!(
        msg.contains("verilator failed") && msg.contains("PINNOTFOUND") && msg.contains("bogus"),
        "{msg}"
    );
    assert!(msg.contains("note: wrapper.v is generated"), "{msg}");
    let _ = std::fs::remove_dir_all(root);

    // A width that disagrees with the design: WIDTH is an error in the wrapper even though it
    // is silenced inside the design.
    let spec = ModelSpec::new("wrong_width", COUNTER, "counter", "clk")
        .input("en", 1)
        .output("count", 32);
    let (err, root) = build_err(&spec, "width");
    let msg = err.to_string();
    eprintln!("width mismatch error as users see it:\n{msg}");
    assert!(
        msg.contains("Warning-WIDTH: wrapper.v") && msg.contains("o_count"),
        "{msg}"
    );
    assert!(
        msg.contains("note: wrapper.v is generated from ModelSpec::ports"),
        "{msg}"
    );
    let _ = std::fs::remove_dir_all(root);

    // Rejected before any tool runs.
    let root = fresh_root("invalid");
    for (spec, needle) in [
        (counter_spec("wide").output("wide", 65), "65 bits wide"),
        (counter_spec("dup").input("en", 1), "listed twice"),
        (counter_spec("clk_port").input("clk", 1), "is the clock"),
        (counter_spec("zero").input("z", 0), "0 bits wide"),
    ] {
        let err = VerilatedModel::build_in(&spec, &root).unwrap_err();
        assert!(matches!(err, VerilatorError::Spec { .. }), "{err:?}");
        assert!(err.to_string().contains(needle), "{err}");
    }
    assert!(!root.exists(), "nothing written for an invalid spec");
}
