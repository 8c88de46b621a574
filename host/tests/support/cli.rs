//! Running the built `atomik` binary and reading what it printed.

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs `atomik ARGS` with `env` added to the environment.
pub fn atomik_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_atomik"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("the atomik binary runs")
}

/// Runs `atomik ARGS`.
pub fn atomik(args: &[&str]) -> Output {
    atomik_with_env(args, &[])
}

/// Everything the command printed, stdout then stderr.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A fresh, empty directory for one test.
pub fn scratch(test: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("host-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

/// Asserts the command exited with `code` and printed `needle`, showing what it printed if not.
#[track_caller]
pub fn assert_refused(o: &Output, code: i32, needle: &str) {
    let t = text(o);
    assert_eq!(o.status.code(), Some(code), "{t}");
    assert!(t.contains(needle), "expected {needle:?} in:\n{t}");
}
