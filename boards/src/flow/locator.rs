//! Finding the flow's executables, and asking them their version.
//!
//! A flow never spawns a bare name: it asks a [`ToolLocator`] (any `Fn(&str) -> Option<PathBuf>`)
//! for each tool, so a caller can inject its own policy (the host CLI passes its `doctor`
//! lookup; tests pass closures that hide tools). [`default_locator`] looks in the project venv
//! first — `$ATOMIK_VENV/bin`, else `<workspace>/.venv/bin`, where the YoWASP tools and
//! `gowin_pack` live after `scripts/setup.sh` — and then on `PATH`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Finds an executable by name; `None` when it is not installed.
pub type ToolLocator<'a> = &'a dyn Fn(&str) -> Option<PathBuf>;

/// Environment variable naming the project venv directory (its `bin` holds the YoWASP tools).
pub const VENV_ENV: &str = "ATOMIK_VENV";

/// The workspace root: the first directory at or above the current directory whose
/// `Cargo.toml` has a `[workspace]` table; failing that, the workspace this crate was built in.
pub fn workspace_root() -> Option<PathBuf> {
    let is_root = |d: &Path| {
        std::fs::read_to_string(d.join("Cargo.toml"))
            .map(|t| t.lines().any(|l| l.trim() == "[workspace]"))
            .unwrap_or(false)
    };
    let cwd = std::env::current_dir().ok();
    let built_in = Path::new(env!("CARGO_MANIFEST_DIR")).parent();
    cwd.iter()
        .flat_map(|c| c.ancestors())
        .chain(built_in)
        .find(|d| is_root(d))
        .map(Path::to_path_buf)
}

/// The project venv: `$ATOMIK_VENV` when set and non-empty, else `<workspace>/.venv`.
pub fn venv_dir() -> Option<PathBuf> {
    match std::env::var_os(VENV_ENV) {
        Some(v) if !v.is_empty() => Some(PathBuf::from(v)),
        _ => workspace_root().map(|r| r.join(".venv")),
    }
}

/// The default [`ToolLocator`]: `<venv>/bin/<name>`, then each `PATH` directory; the first
/// executable regular file wins.
pub fn default_locator(name: &str) -> Option<PathBuf> {
    let venv_bin = venv_dir().map(|v| v.join("bin"));
    let path = std::env::var_os("PATH").unwrap_or_default();
    venv_bin
        .into_iter()
        .chain(std::env::split_paths(&path))
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    let Ok(meta) = p.metadata() else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// The version of a flow tool, for the report. Never fails: a tool that cannot say gives
/// `"unknown"`. (`icepack` has no version flag; apycula's `gowin_pack` neither, so its
/// version comes from the venv's `apycula-*.dist-info` directory.)
pub(crate) fn version_of(name: &str, path: &Path) -> String {
    let base = name.trim_start_matches("yowasp-");
    let probe = |flag: &str| {
        Command::new(path)
            .arg(flag)
            .stdin(Stdio::null())
            .output()
            .map(|o| {
                let mut s = String::from_utf8_lossy(&o.stdout).into_owned();
                s.push_str(&String::from_utf8_lossy(&o.stderr));
                s
            })
            .unwrap_or_default()
    };
    let found = if base == "yosys" {
        // "Yosys 0.70 (git sha1 28ba3cb92, ...)"
        probe("-V")
            .lines()
            .find_map(|l| l.trim().strip_prefix("Yosys "))
            .map(|v| v.split(" (").next().unwrap_or(v).trim().to_string())
    } else if base.starts_with("nextpnr") {
        // "nextpnr-ice40 -- Next Generation Place and Route (Version 0.4-1+b1)"
        let out = probe("--version");
        out.split_once("(Version ")
            .and_then(|(_, r)| r.split_once(')'))
            .map(|(v, _)| v.trim_start_matches("nextpnr-").to_string())
    } else if base == "ecppack" {
        // "Project Trellis - ...\nVersion 1.4-82-g3afe7b5"
        probe("--help")
            .lines()
            .find_map(|l| l.trim().strip_prefix("Version "))
            .map(|v| format!("trellis {}", v.trim()))
    } else if name == "gowin_pack" {
        apycula_version(path)
    } else {
        None
    };
    let mut v = found
        .or_else(|| debian_package_version(path))
        .unwrap_or_else(|| "unknown".to_string());
    if name.starts_with("yowasp-") {
        v.push_str(" (YoWASP)");
    }
    v
}

/// For a tool without a version flag installed from a Debian package (`icepack`): the owning
/// package and its version, e.g. `Debian fpga-icestorm 0~20230218gitd20a5e9-1`.
fn debian_package_version(path: &Path) -> Option<String> {
    let real = std::fs::canonicalize(path).ok()?;
    let run = |args: &[&std::ffi::OsStr]| {
        let out = Command::new("dpkg-query")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let owner = run(&["-S".as_ref(), real.as_os_str()])?;
    let package = owner.split_once(':')?.0.trim().to_string();
    let version = run(&["-W".as_ref(), "-f=${Version}".as_ref(), package.as_ref()])?;
    Some(format!("Debian {package} {version}"))
}

/// `apycula <version>` from `<venv>/lib/python3*/site-packages/apycula-<version>.dist-info`,
/// where `<venv>` is the parent of the directory holding `gowin_pack`.
fn apycula_version(gowin_pack: &Path) -> Option<String> {
    let venv = std::fs::canonicalize(gowin_pack).ok()?;
    let lib = venv.parent()?.parent()?.join("lib");
    for py in std::fs::read_dir(lib).ok()?.flatten() {
        let site = py.path().join("site-packages");
        for entry in std::fs::read_dir(site).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(v) = name
                .strip_prefix("apycula-")
                .and_then(|r| r.strip_suffix(".dist-info"))
            {
                return Some(format!("apycula {v}"));
            }
        }
    }
    None
}
