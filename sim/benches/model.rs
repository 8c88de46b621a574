//! Reference-model speed: single `Context::accum` calls, `Table::accum`, and `xor_fold` against
//! the plain fold on a 64 MiB slice (memory-bound), a 512 KiB slice (L2) and a 16 KiB slice (L1).
//!
//! `cargo bench -p atomik-sim --bench model` prints criterion's figures and then a summary table.
//! Every figure is deltas absorbed per second of wall time, on one core. The summary table's
//! rates come from criterion's own timings (`iter_custom`: total deltas over total timed time).
//! Criterion times the simd and scalar folds one after the other, so on a shared machine a load
//! change between them skews their ratio; the bench therefore also prints an interleaved A/B
//! (the two alternating in rounds, median per-round ratio), which is the figure to quote for
//! the ratio.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use atomik_sim::model::{xor_fold, xor_fold_path, xor_fold_scalar, Context, Table};
use criterion::{Criterion, Throughput};

/// Deltas and seconds timed so far, per benchmark label.
static TIMED: Mutex<BTreeMap<&'static str, (f64, f64)>> = Mutex::new(BTreeMap::new());

/// Adds one timed call to `label`'s totals.
fn record(label: &'static str, deltas: u64, elapsed: Duration) {
    if let Ok(mut t) = TIMED.lock() {
        let e = t.entry(label).or_insert((0.0, 0.0));
        e.0 += deltas as f64;
        e.1 += elapsed.as_secs_f64();
    }
}

/// `label`'s rate in G deltas/s, if it ran.
fn rate(label: &str) -> Option<f64> {
    let t = TIMED.lock().ok()?;
    t.get(label)
        .filter(|(_, s)| *s > 0.0)
        .map(|(d, s)| d / s / 1e9)
}

/// Deterministic pseudo-random words (splitmix64).
fn words(seed: u64, n: usize) -> Vec<u64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        })
        .collect()
}

/// One `Context::accum` call per delta over a pre-made 8 KiB array (`black_box` on each delta
/// so the loop cannot be folded into an XOR reduction).
fn bench_accum(c: &mut Criterion) {
    let deltas = words(1, 1024);
    let mut g = c.benchmark_group("accum");
    g.throughput(Throughput::Elements(deltas.len() as u64));
    g.bench_function("Context::accum", |b| {
        b.iter_custom(|iters| {
            let mut ctx = Context::new(64).expect("width 64 is valid");
            let start = Instant::now();
            for _ in 0..iters {
                for &d in &deltas {
                    ctx.accum(black_box(d));
                }
            }
            let elapsed = start.elapsed();
            black_box((ctx.read(), ctx.delta_count()));
            record("accum", iters * deltas.len() as u64, elapsed);
            elapsed
        })
    });
    // Table::accum: address check + dense slot update, addresses spread over 256 contexts.
    let pairs: Vec<(u64, u64)> = words(2, 1024).iter().map(|&w| (w & 255, w)).collect();
    g.bench_function("Table::accum (256 contexts)", |b| {
        b.iter_custom(|iters| {
            let mut t = Table::new(64, 256).expect("valid table");
            let start = Instant::now();
            for _ in 0..iters {
                for &(a, d) in &pairs {
                    // Addresses are in range; an error would only skip the delta.
                    let _ = t.accum(black_box(a), black_box(d));
                }
            }
            let elapsed = start.elapsed();
            black_box(t.read(0).ok());
            record("table accum", iters * pairs.len() as u64, elapsed);
            elapsed
        })
    });
    g.finish();
}

/// `xor_fold` and `xor_fold_scalar` over `data`, recorded as `simd_label` / `scalar_label`.
fn bench_fold_pair(
    c: &mut Criterion,
    group: &str,
    data: &[u64],
    simd_label: &'static str,
    scalar_label: &'static str,
    measure: Duration,
) {
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(data.len() as u64));
    g.measurement_time(measure);
    let n = data.len() as u64;
    g.bench_function("xor_fold", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(xor_fold(black_box(data)));
            }
            let elapsed = start.elapsed();
            record(simd_label, iters * n, elapsed);
            elapsed
        })
    });
    g.bench_function("xor_fold_scalar", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(xor_fold_scalar(black_box(data)));
            }
            let elapsed = start.elapsed();
            record(scalar_label, iters * n, elapsed);
            elapsed
        })
    });
    g.finish();
}

fn bench_fold(c: &mut Criterion) {
    let big = words(3, 64 << 17); // 64 MiB of u64 (8 Mi deltas), touched before timing
    bench_fold_pair(
        c,
        "fold 64MiB",
        &big,
        "fold 64MiB simd",
        "fold 64MiB scalar",
        Duration::from_secs(4),
    );
    drop(big);
    let l2 = words(4, 512 << 7); // 512 KiB
    bench_fold_pair(
        c,
        "fold 512KiB",
        &l2,
        "fold 512KiB simd",
        "fold 512KiB scalar",
        Duration::from_secs(2),
    );
    let l1 = words(5, 16 << 7); // 16 KiB
    bench_fold_pair(
        c,
        "fold 16KiB",
        &l1,
        "fold 16KiB simd",
        "fold 16KiB scalar",
        Duration::from_secs(2),
    );
}

/// Interleaved A/B of `xor_fold` against `xor_fold_scalar` on `data`: `rounds` rounds, each
/// timing `calls` calls of one then the other (alternating which goes first), so both see the
/// same machine load. Returns the medians of the per-round rates and of the per-round ratio.
fn ab_fold(data: &[u64], rounds: usize, calls: usize) -> (f64, f64, f64) {
    let time = |f: fn(&[u64]) -> u64| {
        let start = Instant::now();
        for _ in 0..calls {
            black_box(f(black_box(data)));
        }
        (calls * data.len()) as f64 / start.elapsed().as_secs_f64() / 1e9
    };
    let (mut simd, mut scalar, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let (a, b) = if round % 2 == 0 {
            let a = time(xor_fold);
            (a, time(xor_fold_scalar))
        } else {
            let b = time(xor_fold_scalar);
            (time(xor_fold), b)
        };
        simd.push(a);
        scalar.push(b);
        ratio.push(a / b);
    }
    (median(&mut simd), median(&mut scalar), median(&mut ratio))
}

/// The median of `v` (0 when empty).
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Prints the summary table of every figure that ran (a filtered run prints `n/a`).
fn print_summary() {
    let show = |r: Option<f64>| r.map_or_else(|| "n/a".to_string(), |r| format!("{r:.2}"));
    println!();
    println!("== atomik-sim model bench (one core; G = 1e9 deltas/s) ==");
    let accum = rate("accum");
    println!(
        "accum: {} G ops/s (Context::accum, one call per delta; goal >= 1)",
        show(accum)
    );
    println!(
        "table accum: {} G ops/s (Table::accum, 256 contexts)",
        show(rate("table accum"))
    );
    for size in ["64MiB", "512KiB", "16KiB"] {
        let simd = rate(&format!("fold {size} simd"));
        let scalar = rate(&format!("fold {size} scalar"));
        let ratio = simd.zip(scalar).map(|(a, b)| a / b);
        println!(
            "fold {size}: simd {} G/s, scalar {} G/s, ratio {} (goal >= 0.9)",
            show(simd),
            show(scalar),
            show(ratio)
        );
    }
    println!("xor_fold path on this CPU: {}", xor_fold_path());
}

/// Runs and prints the interleaved A/B fold comparison (robust to load changing between
/// criterion's separate simd and scalar runs on a shared machine).
fn print_ab() {
    println!("interleaved A/B, median of per-round figures:");
    for (label, n, rounds, calls) in [
        ("64MiB", 64 << 17, 81, 1),
        ("512KiB", 512 << 7, 41, 200),
        ("16KiB", 16 << 7, 41, 5000),
    ] {
        let data = words(6, n);
        let (simd, scalar, ratio) = ab_fold(&data, rounds, calls);
        println!("  fold {label}: simd {simd:.2} G/s, scalar {scalar:.2} G/s, ratio {ratio:.2}");
    }
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(700))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
        .nresamples(10_000)
        .configure_from_args();
    bench_accum(&mut c);
    bench_fold(&mut c);
    c.final_summary();
    print_summary();
    print_ab();
}
