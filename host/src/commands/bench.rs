//! `atomik bench`: what a device does, verified.
//!
//! 1. On chip: GEN_SEED, LOAD, GEN_RUN for K clocks on every lane, poll until the run ends,
//!    read the counters and the state back, and compare the state with the host's prediction
//!    (GF(2) doubling, [`atomik_sim::generator`]). `onchip_gops` = deltas per clock x the clock
//!    it is quoted at; for a simulated board that clock comes from `--mhz` (e.g. a build
//!    report's Fmax) and is labelled as such.
//! 2. Link: N ACCUM frames streamed through the link, the state read back and checked against
//!    the XOR of what was sent; the rate is measured on the link's clock (simulated time for
//!    `sim://`) against the raw rate of 8-byte deltas on that link.
//! 3. Latency: the mean round trip of a READ.

use super::progress::Progress;
use crate::Device;
use anyhow::{bail, Result};
use atomik_hdl::lanes::single::StatusReg;
use atomik_sim::generator::GeneratorRun;
use serde_json::{json, Value};
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
}

/// Runs the three parts; the JSON object has every figure and `verified`.
pub fn run(opts: &BenchOptions) -> Result<Value> {
    if opts.clocks == 0 || opts.clocks >= 1 << 40 {
        bail!("--clocks {} out of range: 1 to 2^40 - 1", opts.clocks);
    }
    if let Some(m) = opts.mhz.filter(|m| !(m.is_finite() && *m > 0.0)) {
        bail!("--mhz {m} is not a clock: give the core clock in MHz, e.g. --mhz 100");
    }
    let mut progress = Progress::new();
    progress.update(&format!("opening {}", opts.device));
    let mut d = Device::open(&opts.device)?;
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
    let predicted = run.predicted_per_context(contexts, 0);
    let mut states_ok = true;
    for c in 0..contexts {
        let got = d.read(c)?;
        states_ok &= got == initial[c as usize] ^ predicted[c as usize];
    }
    let onchip_verified = states_ok && gen_clocks == opts.clocks && gen_deltas == run.deltas();
    let (onchip_mhz, mhz_source) = match (opts.mhz, d.transport().simulated()) {
        (Some(m), true) => (
            m,
            "given with --mhz (e.g. a build report's Fmax); the run itself was simulated",
        ),
        (Some(m), false) => (m, "given with --mhz (the board's core clock)"),
        (None, true) => (
            1e-6 * simulated_clock_hz(&opts.device),
            "the simulated board's nominal clock (pass --mhz to quote a build's clock)",
        ),
        (None, false) => bail!("--mhz is needed for a hardware device: the board's core clock"),
    };
    let onchip_gops = gen_deltas as f64 / gen_clocks.max(1) as f64 * onchip_mhz / 1000.0;

    // ---- 2. Link ---------------------------------------------------------------------------
    let raw_bytes = d.transport().raw_bytes_per_sec();
    d.load(0, 0)?;
    let start = d.transport().link_time();
    let mut expect = 0u64;
    let mut x = opts.seed | 1;
    for i in 0..opts.link_deltas {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        d.accum(0, x)?;
        expect ^= x;
        if i % 256 == 0 {
            progress.update(&format!("link: {i}/{} deltas", opts.link_deltas));
        }
    }
    let link_secs = (d.transport().link_time() - start).as_secs_f64();
    let link_verified = d.read(0)? == expect;
    let link_rate = opts.link_deltas as f64 / link_secs;
    let ceiling = raw_bytes / 8.0;

    // ---- 3. Latency ------------------------------------------------------------------------
    let reads = 20;
    let start = d.transport().link_time();
    for _ in 0..reads {
        d.read(0)?;
    }
    let latency: Duration = (d.transport().link_time() - start) / reads;
    progress.finish();

    Ok(json!({
        "device": opts.device,
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
        "link_note": "one 14-byte frame and one 12-byte acknowledgement per delta (stop and wait); batch frames are not in the link yet",
        "op_latency_us": latency.as_secs_f64() * 1e6,
        "retransmissions": d.stats().retransmissions,
    }))
}

fn simulated_clock_hz(uri: &str) -> f64 {
    match crate::device::uri::DeviceUri::parse(uri) {
        Ok(crate::device::uri::DeviceUri::Sim { clock_hz, .. }) => clock_hz,
        Ok(crate::device::uri::DeviceUri::SimFifo { .. }) => atomik_sim::ft2232h::CLKOUT_HZ,
        Ok(crate::device::uri::DeviceUri::PcieSim { clock_hz, .. }) => clock_hz,
        _ => 0.0,
    }
}

/// The readable summary.
pub fn print(v: &Value) {
    println!(
        "device      {}\n\
         on chip     {} deltas in {} clocks ({} lanes): {:.3} Gops at {} MHz [{}] - {}\n\
         link        {:.0} deltas/s of a {:.0} ceiling ({:.1} %), {} - {}\n\
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
        v["link_time_basis"].as_str().unwrap_or(""),
        if v["link_verified"] == true {
            "state verified"
        } else {
            "MISMATCH"
        },
        v["op_latency_us"].as_f64().unwrap_or(0.0),
        v["verified"]
    );
}
