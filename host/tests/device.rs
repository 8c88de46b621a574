//! The host API against simulated boards: `sim://` in process, and `serial://` through a
//! pseudo-terminal whose other end is a simulated board's UART pins (the same code path that
//! talks to a USB-UART bridge). Results are checked against the algebra; a board that vanishes
//! mid-run gives an error that says how many operations were acknowledged.

mod support;

use atomik_hdl::lanes::LanesConfig;
use atomik_host::device::DeviceError;
use atomik_host::Device;
use support::pty_board::PtyBoard;

#[test]
fn sim_device_identity_and_algebra() {
    let mut d = Device::open("sim://?lanes=16").expect("sim:// opens");
    let info = d.info();
    assert_eq!(
        (info.lanes, info.width, info.contexts, info.version),
        (16, 64, 1, 2)
    );
    d.load(0, 0xAAAA).unwrap();
    d.batch_accum(0, &[1, 2, 4, 8]).unwrap();
    assert_eq!(d.read(0).unwrap(), 0xAAAA ^ 15);
    assert_eq!(d.swap(0).unwrap(), 0xAAAA ^ 15);
    d.accum(0, 0xF0).unwrap();
    assert_eq!(d.read(0).unwrap(), 0xAAAA ^ 15 ^ 0xF0);
    match d.read(1) {
        Err(DeviceError::Address {
            addr: 1,
            contexts: 1,
            ..
        }) => {}
        other => panic!("expected an address error, got {other:?}"),
    }
    assert!(d.transport().simulated());
    assert_eq!(d.stats().retransmissions, 0);
}

#[test]
fn sim_table_device_matches_a_per_context_model() {
    let mut d = Device::open("sim://?lanes=4&mode=table&contexts=16").unwrap();
    assert_eq!(d.info().contexts, 16);
    let mut model = [0u64; 16];
    let mut x = 0x1234_5678_9ABC_DEF0u64;
    for i in 0..120u32 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let c = (x % 16) as u32;
        match i % 5 {
            0 => {
                d.load(c, x).unwrap();
                model[c as usize] = x;
            }
            4 => assert_eq!(d.read(c).unwrap(), model[c as usize], "context {c}"),
            _ => {
                d.accum(c, x).unwrap();
                model[c as usize] ^= x;
            }
        }
    }
    let e = d.load(16, 0).unwrap_err().to_string();
    assert!(
        e.contains("context 16 is out of range") && e.contains("16 contexts"),
        "{e}"
    );
}

#[test]
fn serial_device_through_a_pty_to_a_simulated_board_and_unplugged_mid_run() {
    let mut board = PtyBoard::start(LanesConfig::single(4, 64).unwrap());
    let uri = format!("serial://{}?baud=3000000", board.slave_path);
    let mut d = Device::open(&uri).expect("serial device opens");
    assert_eq!(d.info().lanes, 4);
    d.load(0, 7).unwrap();
    for i in 0..20u64 {
        d.accum(0, 1 << i).unwrap();
    }
    assert_eq!(d.read(0).unwrap(), 7 ^ 0xF_FFFF);
    let before = d.acknowledged();
    board.unplug();
    let e = d.accum(0, 1).unwrap_err();
    let text = e.to_string();
    match e {
        DeviceError::Link { acknowledged, .. } => assert_eq!(acknowledged, before),
        other => panic!("expected a link error, got {other:?}"),
    }
    assert!(
        text.contains(&format!("{before} operations were acknowledged"))
            && text.contains("READ context 0"),
        "{text}"
    );
}

#[test]
fn bad_uris_and_missing_ports_are_named() {
    let e = Device::open("serial:///dev/atomik-no-such-port")
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("cannot open serial:///dev/atomik-no-such-port"),
        "{e}"
    );
    let e = Device::open("ok://1234").err().unwrap().to_string();
    assert!(e.contains("not available in this build"), "{e}");
}
