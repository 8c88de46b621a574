//! `atomik bench`: what a device does, verified.
//!
//! 1. On chip: GEN_SEED, LOAD, GEN_RUN for K clocks on every lane, poll until the run ends,
//!    read the counters and the state back, and compare the state with the host's prediction
//!    (GF(2) doubling, [`atomik_sim::generator`]). `onchip_gops` = deltas per clock x the clock
//!    it is quoted at; for a simulated board that clock comes from `--mhz` (e.g. a build
//!    report's Fmax) and is labelled as such.
//! 2. Link: N deltas streamed through the link in batch frames of B deltas, the state read
//!    back and checked against the XOR of what was sent; the rate is measured on the link's
//!    clock (simulated time for `sim://`) against the raw rate of 8-byte deltas on that link.
//!    With `--plot`, the same for every power-of-two batch size up to the maximum, drawn as a
//!    chart with the ceiling.
//! 3. Latency: the mean round trip of a READ.

use super::plot::{rate_svg, RatePoint};
use super::progress::Progress;
use crate::Device;
use anyhow::{bail, Context, Result};
use atomik_hdl::lanes::single::StatusReg;
use atomik_hdl::link::frame::MAX_BATCH_DELTAS;
use atomik_sim::generator::GeneratorRun;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub device: String,
    /// Generator clocks for the on-chip run.
    pub clocks: u64,
    /// Deltas streamed through the link.
    pub link_deltas: u64,
    /// The clock to quote the on-chip rate at, MHz, and where it comes from.
    pub mhz: Option<f64>,
    pub seed: u64,
    /// Deltas per batch frame for the link figure (1 to `MAX_BATCH_DELTAS`).
    pub batch: usize,
    /// Where to write the chart of link rate against batch size (SVG).
    pub plot: Option<PathBuf>,
    /// `--lanes N`: a simulated device is built with N lanes; a hardware device must report N
    /// in its STATUS lanes register.
    pub lanes: Option<u32>,
}

/// One link measurement: `deltas` in frames of `batch`, timed on the link's clock.
struct LinkRun {
    batch: usize,
    deltas_per_sec: f64,
    verified: bool,
}

/// Streams `deltas` pseudo-random deltas into context 0 in batches of `batch`, then reads the
/// context back and compares it with the XOR of what was sent.
fn link_run(d: &mut Device, deltas: u64, batch: usize, seed: u64) -> Result<LinkRun> {
    d.load(0, 0)?;
    let mut x = seed | 1;
    let stream: Vec<u64> = (0..deltas)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        })
        .collect();
    let expect = stream.iter().fold(0, |a, b| a ^ b);
    let start = d.transport().link_time();
    d.batch_accum_in(0, &stream, batch)?;
    let secs = (d.transport().link_time() - start).as_secs_f64();
    Ok(LinkRun {
        batch,
        deltas_per_sec: deltas as f64 / secs,
        verified: d.read(0)? == expect,
    })
}

/// `--lanes N` against a device's STATUS lanes register (what a real board was built with).
pub fn check_lanes(d: &Device, lanes: u32) -> Result<()> {
    let have = d.info().lanes;
    if have != lanes as u64 {
        bail!(
            "--lanes {lanes}: {} reports {have} lanes in its STATUS lanes register (its \
             bitstream was built with {have}); rebuild it with --lanes {lanes} or leave --lanes \
             out",
            d.name()
        );
    }
    Ok(())
}

/// Runs the three parts; the JSON object has every figure and `verified`.
pub fn run(opts: &BenchOptions) -> Result<Value> {
    if opts.clocks == 0 || opts.clocks >= 1 << 40 {
        bail!("--clocks {} out of range: 1 to 2^40 - 1", opts.clocks);
    }
    if let Some(m) = opts.mhz.filter(|m| !(m.is_finite() && *m > 0.0)) {
        bail!("--mhz {m} is not a clock: give the core clock in MHz, e.g. --mhz 100");
    }
    if !(1..=MAX_BATCH_DELTAS).contains(&opts.batch) {
        bail!(
            "--batch {} out of range: a batch frame carries 1 to {MAX_BATCH_DELTAS} deltas",
            opts.batch
        );
    }
    if opts.link_deltas == 0 {
        bail!("--link-deltas must be at least 1");
    }
    if let Some(p) = &opts.plot {
        if p.extension().and_then(|e| e.to_str()) != Some("svg") {
            bail!(
                "--plot {}: the chart is written as SVG; give a file name ending in .svg",
                p.display()
            );
        }
    }
    let device = match opts.lanes {
        None => opts.device.clone(),
        Some(n) => crate::device::uri::with_lanes(&opts.device, n)
            .map_err(|e| anyhow::anyhow!("bad device URI: {e}"))?
            .unwrap_or_else(|| opts.device.clone()),
    };
    let mut progress = Progress::new();
    progress.update(&format!("opening {device}"));
    let mut d = Device::open(&device)?;
    if let Some(n) = opts.lanes {
        check_lanes(&d, n)?;
    }
    // Refused before the run rather than after it.
    if opts.mhz.is_none() && !d.transport().simulated() {
        bail!("--mhz is needed for a hardware device: the board's core clock");
    }
    let info = d.info();
    let lanes = info.lanes as u32;

    // ---- 1. On chip ------------------------------------------------------------------------
    progress.update(&format!(
        "on-chip run: {} clocks x {lanes} lanes",
        opts.clocks
    ));
    let contexts = info.contexts.max(1) as u32;
    let initial: Vec<u64> = (0..contexts as u64)
        .map(|c| (c + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .collect();
    for (c, &v) in initial.iter().enumerate() {
        d.load(c as u32, v)?;
    }
    d.gen_seed(opts.seed)?;
    let link_start = d.transport().link_time();
    d.gen_run(opts.clocks, lanes, 0)?;
    let mut polls = 0u64;
    while d.status(StatusReg::GenBusy)? != 0 {
        polls += 1;
        if polls > 1_000_000 {
            bail!("the generator was still busy after {polls} polls");
        }
    }
    let run_link_time = d.transport().link_time() - link_start;
    let gen_clocks = d.status(StatusReg::GenClocks)?;
    let gen_deltas = d.status(StatusReg::GenDeltas)?;
    let run = GeneratorRun {
        lanes,
        width: info.width as u32,
        seed: opts.seed,
        clocks: opts.clocks,
        active_lanes: lanes,
    };
    let predicted = if info.feed_per_clock {
        run.predicted_per_context_shared(contexts, 0)
    } else {
        run.predicted_per_context(contexts, 0)
    };
    let mut states_ok = true;
    for c in 0..contexts {
        let got = d.read(c)?;
        states_ok &= got == initial[c as usize] ^ predicted[c as usize];
    }
    let onchip_verified = states_ok && gen_clocks == opts.clocks && gen_deltas == run.deltas();
    let (onchip_mhz, mhz_source) = match (opts.mhz, d.board_clock_hz()) {
        (Some(m), Some(_)) => (
            m,
            "given with --mhz (e.g. a build report's Fmax); the run itself was simulated",
        ),
        (Some(m), None) => (m, "given with --mhz (the board's core clock)"),
        (None, Some(hz)) => (
            1e-6 * hz,
            "the simulated board's nominal clock (pass --mhz to quote a build's clock)",
        ),
        (None, None) => bail!("--mhz is needed for a hardware device: the board's core clock"),
    };
    let onchip_gops = gen_deltas as f64 / gen_clocks.max(1) as f64 * onchip_mhz / 1000.0;

    // ---- 2. Link ---------------------------------------------------------------------------
    let raw_bytes = d.transport().raw_bytes_per_sec();
    let ceiling = raw_bytes / 8.0;
    progress.update(&format!(
        "link: {} deltas in batches of {}",
        opts.link_deltas, opts.batch
    ));
    let link = link_run(&mut d, opts.link_deltas, opts.batch, opts.seed)?;
    let mut sweep = Vec::new();
    if let Some(path) = &opts.plot {
        let sizes = (0..)
            .map(|k| 1usize << k)
            .take_while(|&b| b <= MAX_BATCH_DELTAS);
        for b in sizes {
            progress.update(&format!("link sweep: batches of {b}"));
            sweep.push(link_run(&mut d, opts.link_deltas, b, opts.seed ^ b as u64)?);
        }
        let points: Vec<RatePoint> = sweep
            .iter()
            .map(|r| RatePoint {
                x: r.batch as u32,
                rate: r.deltas_per_sec,
            })
            .collect();
        let title = format!(
            "link rate by batch size: {} ({})",
            d.transport().describe(),
            if d.transport().simulated() {
                "simulated time"
            } else {
                "wall clock"
            }
        );
        let svg = rate_svg(
            &title,
            "deltas per batch frame",
            "deltas/s",
            &points,
            ceiling,
        );
        std::fs::write(path, svg)
            .with_context(|| format!("cannot write the chart to {}", path.display()))?;
    }
    let link_verified = link.verified && sweep.iter().all(|r| r.verified);
    let link_rate = link.deltas_per_sec;

    // ---- 3. Latency ------------------------------------------------------------------------
    let reads = 20;
    let start = d.transport().link_time();
    for _ in 0..reads {
        d.read(0)?;
    }
    let latency: Duration = (d.transport().link_time() - start) / reads;
    progress.finish();

    Ok(json!({
        "device": device,
        "transport": d.transport().describe(),
        "simulated": d.transport().simulated(),
        "verified": onchip_verified && link_verified,
        "lanes": lanes,
        "width": info.width,
        "contexts": info.contexts,
        "onchip_verified": onchip_verified,
        "onchip_clocks": gen_clocks,
        "onchip_deltas": gen_deltas,
        "onchip_gops": onchip_gops,
        "onchip_mhz": onchip_mhz,
        "onchip_mhz_source": mhz_source,
        "onchip_run_link_seconds": run_link_time.as_secs_f64(),
        "link_verified": link_verified,
        "link_deltas": opts.link_deltas,
        "link_deltas_per_sec": link_rate,
        "link_ceiling_deltas_per_sec": ceiling,
        "link_percent_of_ceiling": 100.0 * link_rate / ceiling,
        "link_time_basis": if d.transport().simulated() { "simulated time at the link's nominal rate" } else { "wall clock" },
        "link_batch": opts.batch,
        "link_frame_bytes": atomik_hdl::link::frame::batch_len(opts.batch),
        "link_note": "batch frames of link_batch deltas (link_frame_bytes bytes), each answered by a 15-byte acknowledgement, with up to link_frames_in_flight frames sent ahead of their answers (1: stop and wait)",
        "link_frames_in_flight": d.transport().max_frames_in_flight(),
        "link_batch_sweep": sweep.iter().map(|r| json!({
            "batch": r.batch,
            "deltas_per_sec": r.deltas_per_sec,
            "percent_of_ceiling": 100.0 * r.deltas_per_sec / ceiling,
            "verified": r.verified,
        })).collect::<Vec<_>>(),
        "plot": opts.plot.as_ref().map(|p| p.display().to_string()),
        "op_latency_us": latency.as_secs_f64() * 1e6,
        "retransmissions": d.stats().retransmissions,
    }))
}

/// The readable summary.
pub fn print(v: &Value) {
    println!(
        "device      {}\n\
         on chip     {} deltas in {} clocks ({} lanes): {:.3} Gops at {} MHz [{}] - {}\n\
         link        {:.0} deltas/s of a {:.0} ceiling ({:.1} %) in batches of {}, {} - {}\n\
         latency     {:.1} us per READ round trip\n\
         verified    {}",
        v["transport"].as_str().unwrap_or(""),
        v["onchip_deltas"],
        v["onchip_clocks"],
        v["lanes"],
        v["onchip_gops"].as_f64().unwrap_or(0.0),
        v["onchip_mhz"],
        v["onchip_mhz_source"].as_str().unwrap_or(""),
        if v["onchip_verified"] == true {
            "state verified against the prediction"
        } else {
            "MISMATCH"
        },
        v["link_deltas_per_sec"].as_f64().unwrap_or(0.0),
        v["link_ceiling_deltas_per_sec"].as_f64().unwrap_or(0.0),
        v["link_percent_of_ceiling"].as_f64().unwrap_or(0.0),
        v["link_batch"],
        v["link_time_basis"].as_str().unwrap_or(""),
        if v["link_verified"] == true {
            "state verified"
        } else {
            "MISMATCH"
        },
        v["op_latency_us"].as_f64().unwrap_or(0.0),
        v["verified"]
    );
    if let Some(rows) = v["link_batch_sweep"].as_array().filter(|r| !r.is_empty()) {
        for r in rows {
            println!(
                "  batch {:>3}  {:.0} deltas/s ({:.1} %)",
                r["batch"].as_u64().unwrap_or(0),
                r["deltas_per_sec"].as_f64().unwrap_or(0.0),
                r["percent_of_ceiling"].as_f64().unwrap_or(0.0)
            );
        }
    }
    if let Some(p) = v["plot"].as_str() {
        println!("chart       {p} (link rate by batch size, with the ceiling)");
    }
}
