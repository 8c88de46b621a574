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
        (16, 64, 1, atomik_hdl::link::frame::PROTOCOL_VERSION)
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
fn pairs_and_snapshot_mirror_the_models_table() {
    use atomik_sim::model::Table;
    let mut d = Device::open("sim://?lanes=4&mode=table&contexts=16").unwrap();
    let mut model = Table::new(64, 16).unwrap();
    let mut x = 0x0DDB_1A5E_5BAD_5EEDu64;
    let mut pairs = Vec::new();
    for i in 0..200u32 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        // Runs of one context (batched together) mixed with single pairs.
        let addr = if i % 7 < 4 { 3 } else { (x % 16) as u32 };
        pairs.push((addr, x));
    }
    d.batch_accum_pairs(&pairs).unwrap();
    let model_pairs: Vec<(u64, u64)> = pairs.iter().map(|&(a, x)| (a as u64, x)).collect();
    model.batch_accum(&model_pairs).unwrap();
    let expected: Vec<(u32, u64)> = model
        .snapshot()
        .into_iter()
        .map(|(a, s)| (a as u32, s))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(d.snapshot().unwrap(), expected);
    // One bad address anywhere: refused before anything is sent, as the model refuses it.
    let before = d.acknowledged();
    let e = d
        .batch_accum_pairs(&[(1, 5), (2, 6), (16, 7)])
        .unwrap_err()
        .to_string();
    assert!(e.contains("context 16 is out of range"), "{e}");
    assert!(model.batch_accum(&[(1, 5), (2, 6), (16, 7)]).is_err());
    assert_eq!(d.acknowledged(), before);
    assert_eq!(d.snapshot().unwrap(), expected);
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
    assert!(e.contains("libokFrontPanel.so"), "{e}");
}

/// A transport that damages traffic on purpose: every `corrupt_every`-th frame sent has one
/// payload bit flipped (the board must drop it), and every `lose_every`-th answer comes back
/// with a bit flipped (the host must retransmit a frame the board already applied).
struct Lossy {
    inner: Box<dyn atomik_host::device::transport::Transport>,
    sent: u64,
    received: u64,
    corrupt_every: u64,
    lose_every: u64,
}

impl atomik_host::device::transport::Transport for Lossy {
    fn describe(&self) -> String {
        format!("lossy {}", self.inner.describe())
    }
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.sent += 1;
        let mut b = bytes.to_vec();
        if self.sent.is_multiple_of(self.corrupt_every) {
            let at = b.len() / 2;
            b[at] ^= 0x08;
        }
        self.inner.send(&b)
    }
    fn receive(&mut self, want: usize, timeout: std::time::Duration) -> std::io::Result<Vec<u8>> {
        let mut got = self.inner.receive(want, timeout)?;
        if !got.is_empty() {
            self.received += 1;
            if self.received.is_multiple_of(self.lose_every) {
                got[3] ^= 0x40;
            }
        }
        Ok(got)
    }
    fn link_time(&self) -> std::time::Duration {
        self.inner.link_time()
    }
    fn raw_bytes_per_sec(&self) -> f64 {
        self.inner.raw_bytes_per_sec()
    }
    fn simulated(&self) -> bool {
        self.inner.simulated()
    }
}

#[test]
fn batches_and_streams_apply_every_delta_once_through_retransmissions() {
    use atomik_host::device::sim_transport::SimTransport;
    let sim = SimTransport::new(LanesConfig::table(4, 16).unwrap(), 12e6, 4).unwrap();
    let lossy = Lossy {
        inner: Box::new(sim),
        sent: 0,
        received: 0,
        corrupt_every: 5,
        lose_every: 4,
    };
    let mut d = Device::with_transport("lossy sim", Box::new(lossy), std::time::Duration::ZERO)
        .expect("opens through retransmissions");
    let mut x = 0x00DD_BA11_u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let deltas: Vec<u64> = (0..200).map(|_| next()).collect();
    let xor = |d: &[u64]| d.iter().fold(0, |a, b| a ^ b);
    d.load(3, 0x77).unwrap();
    // 200 deltas: three full frames and one of 8, some sent twice or damaged on the way.
    d.batch_accum(3, &deltas).unwrap();
    assert_eq!(d.read(3).unwrap(), 0x77 ^ xor(&deltas));
    // Smaller frames, and a stream pulled from an iterator frame by frame.
    d.batch_accum_in(3, &deltas[..50], 7).unwrap();
    let streamed = d.accum_stream(3, deltas.iter().copied().take(130)).unwrap();
    assert_eq!(streamed, 130);
    assert_eq!(
        d.read(3).unwrap(),
        0x77 ^ xor(&deltas) ^ xor(&deltas[..50]) ^ xor(&deltas[..130])
    );
    assert_eq!(d.read(2).unwrap(), 0, "other contexts untouched");
    let stats = d.stats();
    assert!(stats.retransmissions >= 4, "{stats:?}");
    assert!(stats.bad_responses >= 2, "{stats:?}");
    // A batch size the frame cannot carry is refused before anything is sent.
    let e = d.batch_accum_in(3, &deltas, 65).unwrap_err().to_string();
    assert!(e.contains("1 to 64 deltas, not 65"), "{e}");
    // Each delta is counted once however often its frame went: 6 identity reads (id, lanes,
    // width, contexts, feed, clock) and the link register at open, 1 LOAD, 200 + 50 + 130
    // deltas, 3 READs; the refused batch counts nothing.
    assert_eq!(d.acknowledged(), 7 + 1 + 200 + 50 + 130 + 3);
}

/// A transport shared by two handles (two hosts on one board, taking turns).
struct Shared(std::rc::Rc<std::cell::RefCell<atomik_host::device::sim_transport::SimTransport>>);

impl atomik_host::device::transport::Transport for Shared {
    fn describe(&self) -> String {
        "shared sim".into()
    }
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.0.borrow_mut().send(bytes)
    }
    fn receive(&mut self, want: usize, timeout: std::time::Duration) -> std::io::Result<Vec<u8>> {
        self.0.borrow_mut().receive(want, timeout)
    }
    fn link_time(&self) -> std::time::Duration {
        self.0.borrow().link_time()
    }
    fn raw_bytes_per_sec(&self) -> f64 {
        self.0.borrow().raw_bytes_per_sec()
    }
    fn simulated(&self) -> bool {
        true
    }
}

#[test]
fn a_host_numbers_from_the_boards_sequence_and_resynchronises_on_out_of_order() {
    use atomik_host::device::sim_transport::SimTransport;
    use atomik_host::device::transport::Transport;
    let sim = std::rc::Rc::new(std::cell::RefCell::new(
        SimTransport::new(LanesConfig::table(4, 16).unwrap(), 12e6, 4).unwrap(),
    ));
    let open = |name: &str| {
        Device::with_transport(
            name,
            Box::new(Shared(sim.clone())),
            std::time::Duration::ZERO,
        )
        .expect("opens")
    };
    let mut a = open("a");
    a.load(1, 0x10).unwrap();
    a.accum(1, 0x1).unwrap();
    // B opens on the same board: it reads the link register and numbers after A's frames
    // (its first ACCUM is applied, not answered from A's stored response).
    let mut b = open("b");
    b.accum(1, 0x2).unwrap();
    b.accum(1, 0x8).unwrap();
    assert_eq!(b.stats().out_of_order, 0, "{:?}", b.stats());
    // A's numbering is now two behind the board's (one behind would be taken for a
    // retransmission: the protocol is for one host at a time): its next frame is answered
    // status 3 (not applied), A renumbers it and it is applied once.
    a.accum(1, 0x4).unwrap();
    assert_eq!(a.stats().out_of_order, 1, "{:?}", a.stats());
    let want = 0x10 ^ 0x1 ^ 0x2 ^ 0x8 ^ 0x4;
    assert_eq!(a.read(1).unwrap(), want);
    assert_eq!(b.read(1).unwrap(), want);
    assert!(sim.borrow().link_time() > std::time::Duration::ZERO);
}

/// A board that answers STATUS frames with a design ID of another version.
struct OtherVersion {
    answer: Vec<u8>,
}

impl atomik_host::device::transport::Transport for OtherVersion {
    fn describe(&self) -> String {
        "old board".into()
    }
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        use atomik_hdl::link::frame::{encode_response, FrameStatus};
        let id = atomik_hdl::lanes::single::DESIGN_ID & !0xFFFF | 7;
        self.answer = encode_response(bytes[1], FrameStatus::Register as u8, id).to_vec();
        Ok(())
    }
    fn receive(&mut self, want: usize, _timeout: std::time::Duration) -> std::io::Result<Vec<u8>> {
        let n = want.min(self.answer.len());
        Ok(self.answer.drain(..n).collect())
    }
    fn link_time(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }
    fn raw_bytes_per_sec(&self) -> f64 {
        300_000.0
    }
    fn simulated(&self) -> bool {
        true
    }
}

#[test]
fn a_board_of_another_version_is_refused_naming_both() {
    let t = OtherVersion { answer: Vec::new() };
    let e = Device::with_transport("old", Box::new(t), std::time::Duration::ZERO)
        .err()
        .expect("refused")
        .to_string();
    let host = atomik_hdl::link::frame::PROTOCOL_VERSION;
    assert!(
        e.contains("version 7") && e.contains(&format!("version {host}")),
        "{e}"
    );
}
