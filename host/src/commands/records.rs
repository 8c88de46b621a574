//! `atomik apply` and `atomik export`: files of atomik-core's 16-byte DeltaMessage records
//! (back to back, big-endian addr u32 | delta u64 | seq u32) applied to and read from a device.
//!
//! A file is decoded and every record checked against the device before the first is sent, so
//! a corrupt, truncated or mismatched file changes nothing. Output files are written whole or
//! not at all (a temporary file renamed into place).

use crate::device::messages::{decode_records, encode_records};
use crate::Device;
use anyhow::{Context, Result};
use atomik_sim::model::DeltaMessage;
use clap::Subcommand;
use serde_json::json;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum RecordCommand {
    /// Applies a file of 16-byte DeltaMessage records (atomik-core's wire format) to a device,
    /// after checking every record, then prints the state of each context it touched.
    Apply {
        /// The device (sim://..., serial:///dev/ttyUSB1?baud=B).
        #[arg(long, default_value = "sim://")]
        device: String,
        /// The records file.
        file: PathBuf,
        /// Also write the touched contexts' states as records to this file.
        #[arg(long)]
        out: Option<PathBuf>,
        /// One JSON object: device, records, contexts [{addr, state}].
        #[arg(long)]
        json: bool,
    },
    /// Writes contexts' states as 16-byte DeltaMessage records, numbered from 1: applied to
    /// cleared contexts they reproduce the device's state.
    Export {
        /// The device (sim://..., serial:///dev/ttyUSB1?baud=B).
        #[arg(long, default_value = "sim://")]
        device: String,
        /// Contexts to export, comma-separated (default: every context of the design).
        #[arg(long, value_delimiter = ',')]
        contexts: Vec<u32>,
        /// Output file.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
}

/// Runs `apply` or `export`.
pub fn dispatch(cmd: RecordCommand) -> Result<bool> {
    match cmd {
        RecordCommand::Apply {
            device,
            file,
            out,
            json,
        } => apply(&device, &file, out.as_deref(), json),
        RecordCommand::Export {
            device,
            contexts,
            output,
        } => {
            let mut d = Device::open(&device)?;
            let addrs = if contexts.is_empty() {
                (0..d.info().contexts as u32).collect()
            } else {
                contexts
            };
            let records = d.export(&addrs)?;
            write_whole(&output, &encode_records(&records))?;
            eprintln!(
                "{} records ({} contexts of {device}) written to {}",
                records.len(),
                addrs.len(),
                output.display()
            );
            Ok(true)
        }
    }
}

/// Reads and decodes a records file; the error names the file and the bad record.
pub fn read_records(path: &Path) -> Result<Vec<DeltaMessage>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    decode_records(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}; nothing was applied", path.display()))
}

fn apply(device: &str, file: &Path, out: Option<&Path>, json: bool) -> Result<bool> {
    let records = read_records(file)?;
    let mut d = Device::open(device)?;
    d.apply_messages(&records)
        .with_context(|| format!("applying {} to {device}", file.display()))?;
    let mut touched: Vec<u32> = records.iter().map(|r| r.addr).collect();
    touched.sort_unstable();
    touched.dedup();
    let states = d.export(&touched)?;
    if let Some(path) = out {
        write_whole(path, &encode_records(&states))?;
    }
    if json {
        let contexts: Vec<_> = states
            .iter()
            .map(|s| json!({"addr": s.addr, "state": format!("{:#018x}", s.delta)}))
            .collect();
        let v = json!({"device": device, "records": records.len(), "contexts": contexts});
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!(
            "applied {} records from {} to {device}",
            records.len(),
            file.display()
        );
        for s in &states {
            println!("context {:<5} {:#018x}", s.addr, s.delta);
        }
    }
    Ok(true)
}

/// Writes `bytes` to `path` through a temporary file beside it: the path holds either its old
/// content or all of the new, never a part.
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    let result = std::fs::write(&tmp, bytes).and_then(|_| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("cannot write {}", path.display()))
}
