//! Building a model: toolchain discovery, the cache key, and the Verilator invocation.
//!
//! One `verilator --cc --exe --build` call does everything: it verilates the wrapper and the
//! design, and its generated Makefile compiles the model, the shim and the Verilator runtime
//! (`verilated.cpp`, `verilated_threads.cpp`, `verilated_vcd_c.cpp`; Verilator 5.006 builds no
//! `libverilated.a` for `--cc` without `--exe`) in parallel and links them with
//! `-shared` into `libmodel.so`. Notes on the flags:
//!
//! - `-MAKEFLAGS OPT_FAST=-O2`: 5.006's `verilated.mk` defaults `OPT_FAST`/`OPT_GLOBAL` to `-Os`,
//!   appended *after* `-CFLAGS`, so `-CFLAGS -O2` alone would be silently overridden.
//! - `-CFLAGS -fPIC` reaches every object (the model, the shim and the runtime) through
//!   `CPPFLAGS`; `-fvisibility=hidden` keeps each library's copy of the Verilator runtime
//!   private (only the shim's `atomik_*` functions are exported) and `-Wl,-Bsymbolic` binds the
//!   rest locally, so libraries of different configurations loaded into one process never
//!   interpose each other's symbols. `-Wl,--no-undefined` turns a missing symbol into a link
//!   error instead of a dlopen error.
//! - `--x-initial fast` only affects variables *without* an initialiser: `initial` blocks (how
//!   rust-hdl's DFFs get their power-on value) still run, in the first `eval()`.
//! - `--timescale-override 1ns/1ns` makes VCD files say `$timescale 1ns`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::cache::{self, io_err, EntryLock, LIBRARY, MARKER};
use super::shim::{self, WRAPPER};
use super::spec::{Layout, ModelSpec};
use super::VerilatorError;
use crate::tool::{run_tool, tool_stdout, ToolError};

fn tool_err(spec: &ModelSpec, source: ToolError) -> VerilatorError {
    let note = match &source {
        ToolError::Failed { tail, .. } if tail.contains("wrapper.v:") => format!(
            "\n  note: wrapper.v is generated from ModelSpec::ports (`i_<name>`/`o_<name>`, connected \
             to the ports of `{}`): an error there means the spec's port names or widths \
             disagree with the design",
            spec.top_module
        ),
        _ => String::new(),
    };
    VerilatorError::Tool {
        model: spec.name.clone(),
        source: Box::new(source),
        note,
    }
}

/// Bump when the build recipe changes in a way the hashed inputs don't capture.
const RECIPE: &str = "atomik-verilator-recipe-1";

/// The installed tools, queried once per process.
#[derive(Debug)]
pub(crate) struct Toolchain {
    pub verilator_version: String,
    pub cxx_version: String,
}

static TOOLCHAIN: Mutex<Option<Arc<Toolchain>>> = Mutex::new(None);

pub(crate) fn toolchain() -> Result<Arc<Toolchain>, ToolError> {
    let mut guard = TOOLCHAIN.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(tc) = guard.as_ref() {
        return Ok(tc.clone());
    }
    let verilator_version = tool_stdout("verilator", Command::new("verilator").arg("--version"))?
        .trim()
        .to_string();
    // verilated.mk hard-codes CXX = g++.
    let cxx_version = tool_stdout("g++", Command::new("g++").arg("--version"))?
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    let tc = Arc::new(Toolchain {
        verilator_version,
        cxx_version,
    });
    *guard = Some(tc.clone());
    Ok(tc)
}

/// Everything that determines the built library.
pub(crate) struct Plan {
    pub layout: Layout,
    pub design: String,
    pub wrapper: String,
    pub shim: String,
    /// Verilator arguments other than paths and `-j`.
    pub flags: Vec<String>,
    pub toolchain: Arc<Toolchain>,
    /// Full hex sha256 over all of the above.
    pub key: String,
}

pub(crate) fn plan(spec: &ModelSpec) -> Result<Plan, VerilatorError> {
    let layout = spec.layout()?;
    let design = shim::design_source(spec);
    let wrapper = shim::wrapper_source(spec, &layout);
    let shim = shim::shim_source(spec, &layout);
    let flags = verilator_flags(spec.trace);
    let toolchain = toolchain().map_err(|e| tool_err(spec, e))?;
    let mut h = Sha256::new();
    let mut field = |s: &str| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    field(RECIPE);
    field(&design);
    field(&wrapper);
    field(&shim);
    field(&flags.join("\u{1f}"));
    field(&toolchain.verilator_version);
    field(&toolchain.cxx_version);
    let key = h
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    Ok(Plan {
        layout,
        design,
        wrapper,
        shim,
        flags,
        toolchain,
        key,
    })
}

fn verilator_flags(trace: bool) -> Vec<String> {
    let mut f: Vec<String> = [
        "--cc",
        "--exe",
        "--build",
        "-O3",
        "--x-assign",
        "fast",
        "--x-initial",
        "fast",
        "--timescale-override",
        "1ns/1ns",
        "--top-module",
        WRAPPER,
        "-CFLAGS",
        "-fPIC -fvisibility=hidden -fvisibility-inlines-hidden",
        "-LDFLAGS",
        "-shared -Wl,--no-undefined -Wl,-Bsymbolic",
        "-MAKEFLAGS",
        "OPT_FAST=-O2",
        "-MAKEFLAGS",
        "OPT_GLOBAL=-O2",
        "-o",
        LIBRARY,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if trace {
        f.push("--trace".into());
    }
    f
}

/// The outcome of [`ensure_built`].
pub(crate) struct Built {
    pub dir: PathBuf,
    /// `Some(build time)` if this call built the model, `None` on a cache hit.
    pub built: Option<Duration>,
}

/// Returns the finished cache directory for `spec` under `root`, building it first if needed.
pub(crate) fn ensure_built(
    spec: &ModelSpec,
    plan: &Plan,
    root: &Path,
) -> Result<Built, VerilatorError> {
    fs::create_dir_all(root).map_err(|e| io_err(root, e))?;
    let dir = root.join(format!(
        "{}-{}",
        cache::dir_stem(&spec.name),
        &plan.key[..16]
    ));
    let _lock = EntryLock::acquire(&dir)?;
    if cache::is_complete(&dir) {
        return Ok(Built { dir, built: None });
    }
    cache::clear_leftovers(&dir)?;
    let tmp = cache::sibling(&dir, &format!(".tmp-{}-{}", std::process::id(), unique()));
    if tmp.to_string_lossy().chars().any(char::is_whitespace) {
        return Err(VerilatorError::Spec {
            model: spec.name.clone(),
            msg: format!(
                "the cache path {} contains whitespace, which Verilator's generated Makefile \
                 cannot handle; set ATOMIK_CACHE_DIR (or pass another root) to a path without spaces",
                tmp.display()
            ),
        });
    }
    eprintln!(
        "building Verilator model {} (first use, ~10 s; cached in {})",
        spec.name,
        dir.display()
    );
    let started = Instant::now();
    build_into(spec, plan, &tmp)?;
    let took = started.elapsed();
    let marker = tmp.join(MARKER);
    fs::write(
        &marker,
        format!(
            "built in {:.1} s by atomik-sim (pid {})\n",
            took.as_secs_f64(),
            std::process::id()
        ),
    )
    .map_err(|e| io_err(&marker, e))?;
    fs::rename(&tmp, &dir).map_err(|e| io_err(&dir, e))?;
    Ok(Built {
        dir,
        built: Some(took),
    })
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

fn write(path: PathBuf, text: &str) -> Result<(), VerilatorError> {
    fs::write(&path, text).map_err(|e| io_err(&path, e))
}

fn build_into(spec: &ModelSpec, plan: &Plan, tmp: &Path) -> Result<(), VerilatorError> {
    fs::create_dir_all(tmp).map_err(|e| io_err(tmp, e))?;
    write(tmp.join("wrapper.v"), &plan.wrapper)?;
    write(tmp.join("design.v"), &plan.design)?;
    write(tmp.join("shim.cpp"), &plan.shim)?;
    write(tmp.join("spec.txt"), &spec_txt(spec, plan))?;
    let obj = tmp.join("obj");
    let jobs = std::thread::available_parallelism()
        .map(|n| n.get().min(8))
        .unwrap_or(2);
    let mut cmd = Command::new("verilator");
    cmd.current_dir(tmp)
        .args(&plan.flags)
        .arg("-j")
        .arg(jobs.to_string())
        // Relative to `tmp` (the working directory) so messages say `design.v:12:5`; the
        // generated Makefile finds `shim.cpp` through its `VPATH += ..`.
        .args(["-Mdir", "obj", "wrapper.v", "design.v", "shim.cpp"]);
    run_tool("verilator", &mut cmd, &tmp.join("build.log")).map_err(|e| tool_err(spec, e))?;
    let built = obj.join(LIBRARY);
    let lib = tmp.join(LIBRARY);
    fs::rename(&built, &lib).map_err(|e| io_err(&built, e))?;
    // The objects and generated C++ are only needed to link; keep the cache small.
    fs::remove_dir_all(&obj).map_err(|e| io_err(&obj, e))?;
    Ok(())
}

fn spec_txt(spec: &ModelSpec, plan: &Plan) -> String {
    format!(
        "Verilator model cache entry, written by atomik-sim (sim/src/verilator).\n\
         libmodel.so is `{top}` wrapped in `{WRAPPER}` (wrapper.v) and the C ABI shim\n\
         (shim.cpp), built by `verilator` with the flags below; build.log has the full output.\n\
         It is loaded with dlopen by atomik_sim::verilator::VerilatedModel and never modified;\n\
         delete the directory to force a rebuild. The directory name is the configuration\n\
         name plus the first 16 hex digits of the key.\n\n\
         {desc}\n\
         key (sha256 of sources, flags and tool versions): {key}\n\
         verilator: {vv}\n\
         g++: {gv}\n\
         flags: {flags}\n",
        top = spec.top_module,
        desc = spec.describe(),
        key = plan.key,
        vv = plan.toolchain.verilator_version,
        gv = plan.toolchain.cxx_version,
        flags = plan
            .flags
            .iter()
            .map(|f| crate::tool::shell_quote(f))
            .collect::<Vec<_>>()
            .join(" "),
    )
}
