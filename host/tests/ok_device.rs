//! The host API over the Opal Kelly pipe link: `ok://sim` is the pipe board top in Verilator
//! behind a simulated okHost, reached through the same `OkTransport` (block packing, geometry
//! check, answer unpacking) as `ok://SERIAL` hardware. Results are checked against the algebra
//! and the generator's prediction; a module that vanishes mid-run gives an error with the
//! acknowledged count; `atomik bench` over it reports verified figures in simulated time.

mod support;
use atomik_hdl::lanes::{LaneMode, LanesConfig};
use atomik_hdl::link::frame::{batch_len, MAX_BATCH_DELTAS};
use atomik_hdl::Op;
use atomik_host::device::frame_link::FrameLink;
use atomik_host::device::frontpanel_sim::SimFrontPanel;
use atomik_host::device::ok_transport::OkTransport;
use atomik_host::device::transport::Transport;
use atomik_host::device::{ok_latency, DeviceError};
use atomik_host::Device;
use atomik_sim::ok_host::{OkCounters, OkHostConfig};
use serde_json::Value;
use std::process::Command;
use std::sync::atomic::Ordering;
use support::generator::assert_generator_run_matches_prediction;

#[test]
fn load_accum_read_swap_batch_and_a_generator_run_over_pipes() {
    let mut d = Device::open("ok://sim?lanes=4").expect("ok://sim opens");
    let info = d.info();
    assert_eq!((info.lanes, info.width, info.contexts), (4, 64, 1));
    assert!(d.transport().describe().contains("simulated FrontPanel"));
    d.load(0, 0xAAAA).unwrap();
    d.accum(0, 0x0F).unwrap();
    assert_eq!(d.read(0).unwrap(), 0xAAAA ^ 0x0F);
    // A 64-delta batch spans three pipe-in blocks; 100 deltas make two frames.
    let deltas: Vec<u64> = (0..100u64)
        .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .collect();
    d.batch_accum(0, &deltas).unwrap();
    let folded = deltas.iter().fold(0xAAAA ^ 0x0F, |a, b| a ^ b);
    assert_eq!(d.swap(0).unwrap(), folded);
    d.accum(0, 0xF0).unwrap();
    assert_eq!(d.read(0).unwrap(), folded ^ 0xF0);

    assert_generator_run_matches_prediction(&mut d, 0x1234, 0x0CAF_E0C0, 3_000);
    assert_eq!(d.stats().retransmissions, 0);
    assert!(d.transport().simulated());
}

#[test]
fn a_module_that_vanishes_reports_the_acknowledged_count() {
    let lanes = LanesConfig::new(1, 64, 2, LaneMode::Single).unwrap();
    let host = OkHostConfig::usb2();
    let link = SimFrontPanel::link_for(&host);
    let fp = SimFrontPanel::new(lanes, link, host).expect("simulated module");
    let plug = fp.plug();
    let t = OkTransport::open(fp).expect("geometry read back");
    assert_eq!(t.block_words(), (64, 8));
    let mut d = Device::with_transport("ok://sim", Box::new(t), ok_latency(&link, false)).unwrap();
    let opened = d.acknowledged();
    d.load(0, 1).unwrap();
    d.batch_accum(0, &[2, 4, 8]).unwrap();
    let before = d.acknowledged();
    // LOAD and three batched deltas, after the identity reads of opening.
    assert_eq!(before - opened, 4);
    plug.store(false, Ordering::SeqCst);
    match d.accum(0, 16) {
        Err(e @ DeviceError::Link { acknowledged, .. }) => {
            assert_eq!(acknowledged, before);
            let msg = e.to_string();
            assert!(
                msg.contains("the device is gone")
                    && msg.contains(&format!("{before} operations were acknowledged")),
                "{msg}"
            );
        }
        other => panic!("expected a link error, got {other:?}"),
    }
}

#[test]
fn a_frontpanel_module_needs_the_feature_or_the_library() {
    let e = match Device::open("ok://NOSUCHMODULE1") {
        Ok(_) => panic!("no FrontPanel module NOSUCHMODULE1 exists"),
        Err(e) => e.to_string(),
    };
    if cfg!(feature = "opalkelly") {
        // Without the SDK: the library is named with what to install; with it: the serial.
        assert!(
            e.contains("libokFrontPanel.so") || e.contains("NOSUCHMODULE1"),
            "{e}"
        );
    } else {
        assert!(
            e.contains("--features opalkelly") && e.contains("libokFrontPanel.so"),
            "{e}"
        );
    }
}

#[test]
fn bench_over_simulated_pipes_is_verified_and_adds_up() {
    let out = Command::new(env!("CARGO_BIN_EXE_atomik"))
        .args([
            "bench",
            "--device",
            "ok://sim?lanes=4&usb=3",
            "--clocks",
            "20000",
            "--link-deltas",
            "2000",
            "--json",
        ])
        .output()
        .expect("run atomik");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    assert_eq!(v["verified"], true, "{v}");
    assert_eq!(v["onchip_deltas"], 4 * 20_000);
    // A USB 3 module: the board runs on the 100.8 MHz FrontPanel clock.
    assert_eq!(v["onchip_mhz"], 100.8);
    // Pipes at 340 MB/s over 8-byte deltas.
    assert_eq!(v["link_ceiling_deltas_per_sec"], 340e6 / 8.0);
    let rate = v["link_deltas_per_sec"].as_f64().unwrap();
    let pct = v["link_percent_of_ceiling"].as_f64().unwrap();
    assert!((pct - 100.0 * rate / 42.5e6).abs() < 1e-9);
    // The bridge takes a byte per 100.8 MHz clock: 512 payload bytes of a 64-delta frame
    // need at least 523 clocks, so the rate is below 100.8e6 x 64 / 523 = 12.3 M deltas/s
    // (29 % of the USB ceiling). With 4 frames in flight and the deltas applied while the
    // next frame comes in, the bridge's byte rate is what is left: within 12 % of it.
    let bridge_bound = 100.8e6 * 64.0 / 523.0;
    assert!(rate > 0.88 * bridge_bound && rate < bridge_bound, "{rate}");
    let latency = v["op_latency_us"].as_f64().unwrap();
    assert!(latency > 0.1 && latency < 20.0, "{latency}");
    assert_eq!(v["retransmissions"], 0);
}

/// Streams `frames` 64-delta batch frames into context 0 over `ok://sim` at `host`'s USB rate
/// and checks the state; returns the deltas per second (simulated time), the okHost's
/// counters over the run, the frame bytes sent and the in-block capacity.
fn stream_batches(host: OkHostConfig, frames: usize) -> (f64, OkCounters, usize, usize) {
    let lanes = LanesConfig::new(1, 64, 2, LaneMode::Single).unwrap();
    let link = SimFrontPanel::link_for(&host);
    let fp = SimFrontPanel::new(lanes, link, host).expect("simulated module");
    let t = OkTransport::open(fp).expect("geometry read back");
    let mut fl = FrameLink::new(t, ok_latency(&link, false));
    fl.sync().unwrap();
    // A LOAD first: the board then has a last seq, so every batch frame goes in the window.
    assert_eq!(fl.exchange(Op::Load as u8, 0, 0x5A5A).unwrap().status, 0);
    let deltas: Vec<u64> = (1..=64 * frames as u64)
        .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .collect();
    let chunks: Vec<&[u64]> = deltas.chunks(MAX_BATCH_DELTAS).collect();
    let before = fl.transport.frontpanel().board().ok_host().counters;
    let start = fl.transport.link_time();
    let run = fl.exchange_batches(0, &chunks).unwrap();
    let seconds = (fl.transport.link_time() - start).as_secs_f64();
    let after = fl.transport.frontpanel().board().ok_host().counters;
    assert!(run.stop.is_none(), "{:?}", run.stop);
    assert_eq!(run.acked, frames);
    assert_eq!(fl.stats.retransmissions, 0);
    let state = fl.exchange(Op::Read as u8, 0, 0).unwrap().data;
    assert_eq!(state, deltas.iter().fold(0x5A5A, |a, d| a ^ d));
    let diff = OkCounters {
        blocks_in: after.blocks_in - before.blocks_in,
        blocks_out: after.blocks_out - before.blocks_out,
        words_in: after.words_in - before.words_in,
        words_out: after.words_out - before.words_out,
        in_ready_waits: after.in_ready_waits - before.in_ready_waits,
        out_ready_waits: after.out_ready_waits - before.out_ready_waits,
    };
    let capacity = link.in_block_capacity();
    (
        deltas.len() as f64 / seconds,
        diff,
        frames * batch_len(64),
        capacity,
    )
}

#[test]
fn usb2_batch_frames_share_pipe_blocks_and_reach_90_percent_of_usb() {
    let host = OkHostConfig::usb2();
    let frames = 40;
    let (rate, c, bytes, capacity) = stream_batches(host, frames);
    let ceiling = host.usb_bytes_per_sec / 8.0;
    eprintln!(
        "usb2: {rate:.0} deltas/s = {:.1} % of {ceiling:.0}; per frame: {:.1} words in, \
         {:.1} out, {:.1} clocks waiting for ep_ready in, {:.1} out, {:.1} clocks",
        100.0 * rate / ceiling,
        c.words_in as f64 / frames as f64,
        c.words_out as f64 / frames as f64,
        c.in_ready_waits as f64 / frames as f64,
        c.out_ready_waits as f64 / frames as f64,
        64.0 / rate * host.clock_hz,
    );
    // Frames back to back: only the last block is padded.
    assert_eq!(c.blocks_in as usize, bytes.div_ceil(capacity), "{c:?}");
    assert!(
        rate >= 0.90 * ceiling,
        "{rate} deltas/s of {ceiling}: {c:?}"
    );
}

/// Passes frames to the pipe transport, but corrupts one byte of the `corrupt`-th frame sent
/// ahead and loses the `lose`-th entirely (counting from 0), so the window goes back.
struct Mangler<T: Transport> {
    inner: T,
    ahead: usize,
    corrupt: usize,
    lose: usize,
}

impl<T: Transport> Transport for Mangler<T> {
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.inner.send(bytes)
    }
    fn send_ahead(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let n = self.ahead;
        self.ahead += 1;
        if n == self.lose {
            return Ok(());
        }
        let mut frame = bytes.to_vec();
        if n == self.corrupt {
            frame[100] ^= 0x10;
        }
        self.inner.send_ahead(&frame)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
    fn queued(&self) -> usize {
        self.inner.queued()
    }
    fn receive(&mut self, want: usize, timeout: std::time::Duration) -> std::io::Result<Vec<u8>> {
        self.inner.receive(want, timeout)
    }
    fn link_time(&self) -> std::time::Duration {
        self.inner.link_time()
    }
    fn raw_bytes_per_sec(&self) -> f64 {
        self.inner.raw_bytes_per_sec()
    }
    fn simulated(&self) -> bool {
        true
    }
    fn max_frames_in_flight(&self) -> usize {
        self.inner.max_frames_in_flight()
    }
}

#[test]
fn frames_packed_in_shared_blocks_are_resent_after_a_loss_and_applied_once() {
    let lanes = LanesConfig::new(1, 64, 2, LaneMode::Single).unwrap();
    let host = OkHostConfig::usb2();
    let link = SimFrontPanel::link_for(&host);
    let fp = SimFrontPanel::new(lanes, link, host).expect("simulated module");
    let t = Mangler {
        inner: OkTransport::open(fp).expect("geometry read back"),
        ahead: 0,
        corrupt: 5,
        lose: 12,
    };
    let mut fl = FrameLink::new(t, ok_latency(&link, false));
    fl.sync().unwrap();
    assert_eq!(fl.exchange(Op::Load as u8, 0, 7).unwrap().status, 0);
    // Batches of 61 deltas (494 bytes): frames start at every offset within a block.
    let deltas: Vec<u64> = (1..=61 * 20u64)
        .map(|i| i.wrapping_mul(0xD6E8_FEB8_6659_FD93))
        .collect();
    let chunks: Vec<&[u64]> = deltas.chunks(61).collect();
    let run = fl.exchange_batches(0, &chunks).unwrap();
    assert!(run.stop.is_none(), "{:?}", run.stop);
    assert_eq!(run.acked, chunks.len());
    // Both faults made the window go back (the frames behind each were refused, not applied).
    assert!(fl.stats.retransmissions >= 2, "{:?}", fl.stats);
    assert!(fl.stats.out_of_order >= 1, "{:?}", fl.stats);
    // Every delta applied exactly once: one missing or repeated changes the XOR.
    let state = fl.exchange(Op::Read as u8, 0, 0).unwrap().data;
    assert_eq!(state, deltas.iter().fold(7, |a, d| a ^ d));
    assert_eq!(fl.transport.inner.queued(), 0);
}
