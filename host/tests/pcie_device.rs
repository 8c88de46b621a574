//! The host API over `pcie://`: the transport maps a window file with memmap2 and does
//! volatile 32-bit accesses exactly as it does on a BAR's `resource0`; behind the file is the
//! register window and core in Verilator (`pcie://sim`). Results are checked against the
//! algebra and the generator's prediction; a device that goes away mid-run (its file
//! truncated, or the simulator stopping) gives an error with the acknowledged count.

use atomik_hdl::lanes::single::StatusReg;
use atomik_hdl::lanes::{LaneMode, LanesConfig};
use atomik_hdl::link::mmio_window::WindowConfig;
use atomik_host::device::pcie_sim::{open_simulated, DEFAULT_CLOCK_HZ, DEFAULT_READ_NS};
use atomik_host::device::{DeviceError, PCIE_LATENCY};
use atomik_host::Device;
use atomik_sim::generator::GeneratorRun;

fn simulated(lanes: u32) -> (Device, atomik_host::device::pcie_sim::SimWindowHandle) {
    let lanes = LanesConfig::new(lanes, 64, 2, LaneMode::Single).unwrap();
    let (t, handle) = open_simulated(
        lanes,
        WindowConfig::default(),
        DEFAULT_CLOCK_HZ,
        DEFAULT_READ_NS,
        None,
    )
    .expect("the simulated window opens");
    let d = Device::with_transport("pcie://sim", Box::new(t), PCIE_LATENCY).unwrap();
    (d, handle)
}

#[test]
fn load_accum_read_swap_and_a_generator_run_over_the_window() {
    let (mut d, _h) = simulated(4);
    assert_eq!((d.info().lanes, d.info().width), (4, 64));
    d.load(0, 0xAAAA).unwrap();
    d.batch_accum(0, &[1, 2, 4, 8]).unwrap();
    assert_eq!(d.read(0).unwrap(), 0xAAAA ^ 15);
    assert_eq!(d.swap(0).unwrap(), 0xAAAA ^ 15);
    d.accum(0, 0xF0).unwrap();
    assert_eq!(d.read(0).unwrap(), 0xAAAA ^ 15 ^ 0xF0);
    // An on-chip run, read back and checked against the prediction.
    d.load(0, 5).unwrap();
    d.gen_seed(77).unwrap();
    d.gen_run(1000, 4, 0).unwrap();
    while d.status(StatusReg::GenBusy).unwrap() != 0 {}
    let run = GeneratorRun {
        lanes: 4,
        width: 64,
        seed: 77,
        clocks: 1000,
        active_lanes: 4,
    };
    assert_eq!(d.status(StatusReg::GenDeltas).unwrap(), run.deltas());
    assert_eq!(d.read(0).unwrap(), 5 ^ run.predicted_per_context(1, 0)[0]);
    assert!(d.transport().simulated());
    assert_eq!(d.stats().retransmissions, 0);
    // A READ takes a few modelled bus reads: poll RX_HEAD, then the response's ring words.
    let t0 = d.transport().link_time();
    d.read(0).unwrap();
    let us = (d.transport().link_time() - t0).as_secs_f64() * 1e6;
    assert!((2.0..=12.0).contains(&us), "READ round trip {us} us");
}

#[test]
fn a_truncated_window_file_fails_cleanly_with_the_acknowledged_count() {
    let (mut d, h) = simulated(1);
    d.load(0, 1).unwrap();
    d.accum(0, 2).unwrap();
    let before = d.acknowledged();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&h.path)
        .unwrap()
        .set_len(16)
        .unwrap();
    match d.accum(0, 4) {
        Err(e @ DeviceError::Link { acknowledged, .. }) => {
            assert_eq!(acknowledged, before);
            let msg = e.to_string();
            assert!(
                msg.contains("went away") && msg.contains("16 bytes"),
                "{msg}"
            );
        }
        other => panic!("expected a link error, got {other:?}"),
    }
}

#[test]
fn a_stopped_simulator_fails_cleanly_with_the_acknowledged_count() {
    let (mut d, h) = simulated(1);
    d.load(0, 1).unwrap();
    let before = d.acknowledged();
    h.stop();
    match d.read(0) {
        Err(e @ DeviceError::Link { acknowledged, .. }) => {
            assert_eq!(acknowledged, before);
            let msg = e.to_string();
            assert!(msg.contains("no valid response after 6 attempts"), "{msg}");
        }
        other => panic!("expected a link error, got {other:?}"),
    }
}

#[test]
fn opening_names_what_is_wrong() {
    let e = Device::open("pcie://0000:7f:1f.7")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("no PCI device 0000:7f:1f.7"), "{e}");
    let dir = std::env::temp_dir().join(format!("atomik-pcie-open-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let small = dir.join("small.bar");
    std::fs::write(&small, [0u8; 64]).unwrap();
    let e = Device::open(&format!("pcie://{}", small.display()))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("BAR too small: 64 bytes"), "{e}");
    let zeros = dir.join("zeros.bar");
    std::fs::write(&zeros, vec![0u8; 4096]).unwrap();
    let e = Device::open(&format!("pcie://{}", zeros.display()))
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("not an ATOMiK register window: ID reads 0x00000000"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
