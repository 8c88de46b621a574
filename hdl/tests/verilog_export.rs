//! The exported Verilog is clean for the tools it is meant for: Verilator lints it (WIDTH
//! warnings aside, rust-hdl's generated arithmetic is not width-exact) and yosys elaborates
//! it with both context tables inferred as memories (so they map to block RAM), for the
//! default, the smallest and the largest configuration. Needs verilator and yosys
//! (scripts/setup.sh installs them).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use atomik_hdl::export::core_verilog;
use atomik_hdl::CoreConfig;

const CONFIGS: [(u32, u32); 3] = [(64, 256), (8, 2), (32, 4096)];

/// Writes the Verilog of `(width, contexts)` to a file of its own (`tag` keeps tests that run
/// in parallel off each other's files).
fn export(tag: &str, width: u32, contexts: u32) -> PathBuf {
    let config = CoreConfig::new(width, contexts).unwrap();
    let design = core_verilog(config).unwrap_or_else(|e| panic!("{e}"));
    assert!(design.verilog.contains("module top"), "no module top");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("verilog-export");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let path = dir.join(format!("{tag}_{}.v", config.name()));
    std::fs::write(&path, &design.verilog).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    path
}

/// Runs a tool, failing with a pointer to the setup script if it is not installed.
fn run(tool: &str, args: &[&str]) -> Output {
    Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{tool}` ({e}): install it with scripts/setup.sh"))
}

#[test]
fn exported_verilog_passes_verilator_lint() {
    for (width, contexts) in CONFIGS {
        let file = export("lint", width, contexts);
        let file = file.to_str().unwrap();
        let out = run(
            "verilator",
            &["--lint-only", "-Wno-WIDTH", "--top-module", "top", file],
        );
        assert!(
            out.status.success(),
            "verilator --lint-only failed on w{width} c{contexts} ({file}):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `$mem_v2` cells in one module's section of a yosys `stat` report (`=== name ===`).
///
/// yosys 0.23 after `memory -nomap` holds each inferred memory as one `$mem_v2` cell, and
/// its "Number of memories" line counts only the unconverted `$memrd`/`$memwr` form, so it
/// reads 0 here: the cell count is what shows the inference.
fn mem_cells(stat: &str, module: &str) -> Option<u64> {
    let header = format!("=== {module} ===");
    let section = stat.split(&header).nth(1)?;
    let section = section.split("\n=== ").next().unwrap_or(section);
    Some(
        section
            .lines()
            .filter_map(|l| l.trim().strip_prefix("$mem_v2"))
            .filter_map(|n| n.trim().parse::<u64>().ok())
            .sum(),
    )
}

#[test]
fn exported_verilog_synthesises_in_yosys_with_both_context_tables_as_memories() {
    for (width, contexts) in CONFIGS {
        let file = export("yosys", width, contexts);
        let stat_file = file.with_extension("stat.txt");
        let _ = std::fs::remove_file(&stat_file);
        let script = format!(
            "read_verilog {}; hierarchy -check -top top; proc; opt; memory -nomap; \
             tee -q -o {} stat",
            file.display(),
            stat_file.display()
        );
        let out = run("yosys", &["-q", "-p", &script]);
        assert!(
            out.status.success(),
            "yosys failed on w{width} c{contexts}:\n{}{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        let stat = std::fs::read_to_string(&stat_file)
            .unwrap_or_else(|e| panic!("yosys wrote no stat to {}: {e}", stat_file.display()));
        // One memory per context table, and nothing else became a memory.
        for table in ["top$reference", "top$accumulator"] {
            assert_eq!(
                mem_cells(&stat, table),
                Some(1),
                "w{width} c{contexts}: {table} was not inferred as one memory:\n{stat}"
            );
        }
        assert_eq!(
            mem_cells(&stat, "design hierarchy"),
            Some(2),
            "w{width} c{contexts}: expected exactly two memories in the design:\n{stat}"
        );
    }
}

#[test]
fn an_unsupported_width_is_rejected_naming_the_value() {
    let e = CoreConfig::new(12, 256).unwrap_err();
    let message = e.to_string();
    assert!(message.contains("width 12"), "{message}");
    assert!(message.contains("[8, 16, 32, 64]"), "{message}");
    assert!(core_verilog(CoreConfig::default()).is_ok());
}
