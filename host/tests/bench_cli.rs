//! `atomik bench` on simulated boards: every figure present, verified, and consistent with
//! the link's arithmetic.

use serde_json::Value;
use std::process::Command;

fn bench(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_atomik"))
        .arg("bench")
        .args(args)
        .arg("--json")
        .output()
        .expect("run atomik");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).expect("one JSON object")
}

#[test]
fn single_mode_sim_bench_is_verified_and_its_figures_add_up() {
    let v = bench(&[
        "--device",
        "sim://?lanes=16",
        "--clocks",
        "50000",
        "--link-deltas",
        "640",
        "--mhz",
        "150",
    ]);
    for key in [
        "device",
        "verified",
        "onchip_gops",
        "onchip_mhz",
        "link_deltas_per_sec",
        "link_ceiling_deltas_per_sec",
        "link_percent_of_ceiling",
        "op_latency_us",
    ] {
        assert!(!v[key].is_null(), "{key} missing: {v}");
    }
    assert_eq!(v["verified"], true);
    assert_eq!(v["onchip_deltas"], 16 * 50_000);
    assert!((v["onchip_gops"].as_f64().unwrap() - 16.0 * 150.0 / 1000.0).abs() < 1e-9);
    // 3 Mbaud 8N1 moves 300 kB/s: 37 500 eight-byte deltas per second at best.
    assert_eq!(v["link_ceiling_deltas_per_sec"], 37_500.0);
    // Batch frames of 64 deltas: 512 payload bytes per 534 on the wire, minus the board's
    // turnaround. The share is recomputed from the measured rate and the link's raw rate.
    assert_eq!(v["link_batch"], 64);
    let rate = v["link_deltas_per_sec"].as_f64().unwrap();
    let ceiling = v["link_ceiling_deltas_per_sec"].as_f64().unwrap();
    let pct = 100.0 * rate / ceiling;
    assert!((pct - v["link_percent_of_ceiling"].as_f64().unwrap()).abs() < 1e-9);
    assert!((90.0..512.0 / 534.0 * 100.0).contains(&pct), "{pct}");
    assert_eq!(v["link_verified"], true);
    assert!(v["onchip_mhz_source"]
        .as_str()
        .unwrap()
        .contains("simulated"));
}

#[test]
fn table_mode_sim_bench_verifies_every_context() {
    let v = bench(&[
        "--device",
        "sim://?lanes=4&mode=table&contexts=8",
        "--clocks",
        "3000",
        "--link-deltas",
        "50",
    ]);
    assert_eq!(v["verified"], true);
    assert_eq!(v["contexts"], 8);
    assert_eq!(v["onchip_deltas"], 4 * 3000);
}

#[test]
fn shared_mode_sim_bench_verifies_every_context() {
    // 3000 clocks over 8 contexts: every context takes 375 clocks of all 4 lanes, checked
    // against the per-clock prediction the device's STATUS Feed register selects.
    let v = bench(&[
        "--device",
        "sim://?lanes=4&mode=shared&contexts=8",
        "--clocks",
        "3000",
        "--link-deltas",
        "50",
    ]);
    assert_eq!(v["verified"], true);
    assert_eq!(v["contexts"], 8);
    assert_eq!(v["onchip_deltas"], 4 * 3000);
}

#[test]
fn pcie_sim_bench_is_verified_and_each_delta_costs_its_modelled_reads() {
    let v = bench(&[
        "--device",
        "pcie://sim?lanes=4&read_ns=1000",
        "--clocks",
        "2000",
        "--link-deltas",
        "300",
        "--batch",
        "1",
    ]);
    assert_eq!(v["verified"], true);
    assert_eq!(v["onchip_deltas"], 4 * 2000);
    assert_eq!(v["onchip_mhz"], 125.0);
    // The window's pump moves a byte every 2 clocks: 62.5 MB/s, 7.8 M eight-byte deltas/s.
    assert_eq!(v["link_ceiling_deltas_per_sec"], 125e6 / 2.0 / 8.0);
    // Stop and wait over 1 us reads costs 7 reads per frame (poll RX_HEAD (empty), check ID,
    // RX_HEAD again, four response words of a 15-byte v2 answer): about 143 000 frames/s and
    // a 7 us READ. Batch frames go up to 4 in flight on the window (`max_frames_in_flight`),
    // so one poll finds several answers: one-delta batches beat stop and wait, but by less
    // than the window's 4x, since each answer's ring words are still read one by one.
    let rate = v["link_deltas_per_sec"].as_f64().unwrap();
    assert!(rate > 160_000.0 && rate < 4.0 * 143_000.0, "{rate}");
    let us = v["op_latency_us"].as_f64().unwrap();
    assert!(us > 6.0 && us < 8.5, "{us}");
    assert_eq!(v["retransmissions"], 0);
    // A full batch frame (523 bytes) fits the default 1 KiB ring whole: the same six reads
    // now carry 64 deltas, so the rate rises about tenfold and nothing is retransmitted.
    let batched = bench(&[
        "--device",
        "pcie://sim?lanes=4&read_ns=1000",
        "--clocks",
        "2000",
        "--link-deltas",
        "640",
    ]);
    assert_eq!(batched["verified"], true);
    assert_eq!(batched["retransmissions"], 0);
    let batched_rate = batched["link_deltas_per_sec"].as_f64().unwrap();
    assert!(batched_rate > 10.0 * rate, "{batched_rate} vs {rate}");
}

#[test]
fn plot_draws_the_link_rate_for_every_batch_size_against_the_ceiling() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("bench-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let svg = dir.join("link.svg");
    let v = bench(&[
        "--clocks",
        "1000",
        "--link-deltas",
        "128",
        "--plot",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(v["verified"], true);
    let rows = v["link_batch_sweep"].as_array().unwrap();
    let sizes: Vec<u64> = rows.iter().map(|r| r["batch"].as_u64().unwrap()).collect();
    assert_eq!(sizes, [1, 2, 4, 8, 16, 32, 64]);
    // Bigger frames amortise the header and the answer: the rate rises with the batch size,
    // from below the single-op figure (a batch of one has 4 more bytes) to above 90 %.
    let pct: Vec<f64> = rows
        .iter()
        .map(|r| r["percent_of_ceiling"].as_f64().unwrap())
        .collect();
    assert!(pct.windows(2).all(|w| w[0] < w[1]), "{pct:?}");
    assert!(pct[0] < 100.0 * 8.0 / 30.0 && pct[6] >= 90.0, "{pct:?}");
    let text = std::fs::read_to_string(&svg).unwrap();
    assert_eq!(text.matches("opacity=\"0.75\"").count(), 7);
    assert!(text.contains("ceiling 37500"), "{text}");
    let out = Command::new(env!("CARGO_BIN_EXE_atomik"))
        .args(["bench", "--batch", "65"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--batch 65 out of range"));
    let out = Command::new(env!("CARGO_BIN_EXE_atomik"))
        .args(["bench", "--plot", "chart.png"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ending in .svg"));
}
