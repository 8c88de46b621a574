//! `xdma:///dev/xdmaN` maps the XDMA driver's user-BAR node `<prefix>_user` through the same
//! `PcieTransport` as `pcie://`. Here the node is a window file serviced by the register
//! window simulator (the window and core in Verilator), under an XDMA-style name; `atomik
//! bench --lanes` checks a hardware-style device's STATUS lanes register; missing and
//! unreadable nodes are named with what to do.

use atomik_hdl::lanes::{LaneMode, LanesConfig};
use atomik_hdl::link::mmio_window::WindowConfig;
use atomik_host::commands::bench::check_lanes;
use atomik_host::device::pcie_sim::{simulated_clock, SimWindowHandle, DEFAULT_CLOCK_HZ};
use atomik_host::device::xdma::{node_error, open_with_clock};
use atomik_host::device::PCIE_LATENCY;
use atomik_host::Device;
use std::io;
use std::path::PathBuf;

/// `xdma://<dir>/xdma0` whose user node `<dir>/xdma0_user` is a window file serviced by the
/// simulated window and core.
fn open(lanes: u32, tag: &str) -> (Device, SimWindowHandle, PathBuf) {
    let dir = std::env::temp_dir().join(format!("atomik-xdma-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let prefix = dir.join("xdma0").display().to_string();
    let lanes = LanesConfig::new(lanes, 64, 2, LaneMode::Single).unwrap();
    let node = PathBuf::from(format!("{prefix}_user"));
    let (clock, handle) = simulated_clock(
        lanes,
        WindowConfig::default(),
        DEFAULT_CLOCK_HZ,
        1000,
        &node,
    )
    .expect("the simulated window serves the node");
    let t = open_with_clock(&prefix, DEFAULT_CLOCK_HZ, Box::new(clock)).expect("xdma node maps");
    let d = Device::with_transport(&format!("xdma://{prefix}"), Box::new(t), PCIE_LATENCY)
        .expect("the window answers");
    (d, handle, dir)
}

#[test]
fn xdma_user_node_carries_the_algebra() {
    let (mut d, _handle, dir) = open(4, "algebra");
    assert_eq!(d.info().lanes, 4);
    let what = d.transport().describe();
    assert!(what.contains("xdma://") && what.contains("xdma0"), "{what}");
    d.load(0, 0x55).unwrap();
    d.batch_accum(0, &[1, 2, 4]).unwrap();
    d.accum(0, 0x100).unwrap();
    assert_eq!(d.read(0).unwrap(), 0x55 ^ 7 ^ 0x100);
    assert_eq!(d.swap(0).unwrap(), 0x55 ^ 7 ^ 0x100);
    assert_eq!(d.read(0).unwrap(), 0x55 ^ 7 ^ 0x100);
    drop(d);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bench_lanes_is_checked_against_the_boards_status_register() {
    let (d, _handle, dir) = open(4, "lanes");
    check_lanes(&d, 4).expect("4 lanes match");
    let e = check_lanes(&d, 8).unwrap_err().to_string();
    assert!(
        e.contains("--lanes 8") && e.contains("reports 4 lanes in its STATUS lanes register"),
        "{e}"
    );
    drop(d);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn missing_and_denied_nodes_are_named() {
    let e = Device::open("xdma:///dev/xdma9")
        .err()
        .expect("no XDMA device 9 here")
        .to_string();
    assert!(
        e.contains("no XDMA device: /dev/xdma9_user does not exist") && e.contains("lsmod"),
        "{e}"
    );
    // Root opens anything, so the denied case is checked on the message the open error
    // becomes.
    let e = node_error(
        "/dev/xdma0",
        io::Error::from(io::ErrorKind::PermissionDenied),
    );
    assert_eq!(e.kind(), io::ErrorKind::PermissionDenied);
    let msg = e.to_string();
    assert!(
        msg.contains("/dev/xdma0_user: permission denied") && msg.contains("udev rule"),
        "{msg}"
    );
}
