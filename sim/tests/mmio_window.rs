//! The register window in Verilator, driven through its bus: frames written into the TX ring
//! come back as responses in the RX ring, exactly once, across ring wrap-around, a full RX
//! ring and a stream reset; and the file mirror presents the same words a BAR would.

use atomik_hdl::lanes::single::DESIGN_ID;
use atomik_hdl::lanes::{LaneMode, LanesConfig};
use atomik_hdl::link::frame::{decode_response, encode_command, COMMAND_LEN, RESPONSE_LEN};
use atomik_hdl::link::mmio_window::{reg, WindowConfig, WINDOW_ID};
use atomik_sim::mmio_board::{MmioBoard, WindowMirror, WINDOW_FILE_BYTES};

const OP_LOAD: u8 = 1;
const OP_ACCUM: u8 = 2;
const OP_READ: u8 = 3;
const OP_STATUS: u8 = 8;

/// A host on the bus, keeping its own copies of the host-owned indices.
struct BusHost {
    board: MmioBoard,
    tx_head: u32,
    rx_tail: u32,
    ring_bytes: u32,
}

impl BusHost {
    fn new(ring_words: u32) -> BusHost {
        let lanes = LanesConfig::new(4, 64, 2, LaneMode::Single).unwrap();
        let window = WindowConfig::new(ring_words, 4).unwrap();
        BusHost {
            board: MmioBoard::new(lanes, window).expect("build the window model"),
            tx_head: 0,
            rx_tail: 0,
            ring_bytes: 4 * ring_words,
        }
    }

    /// Writes `bytes` into the TX ring word by word (read-modify-write of its own partial
    /// word is unnecessary: the device reads only bytes below TX_HEAD), then TX_HEAD.
    fn send(&mut self, bytes: &[u8]) {
        let words = self.ring_bytes / 4;
        let mut word = 0u32;
        for &b in bytes {
            let k = self.tx_head % 4;
            word |= (b as u32) << (8 * k);
            if k == 3 {
                self.board
                    .write(reg::TX_RING + (self.tx_head / 4) % words, word);
                word = 0;
            }
            self.tx_head = self.tx_head.wrapping_add(1);
        }
        if !self.tx_head.is_multiple_of(4) {
            // The bytes of the partial word that came before this send are stale, and below
            // TX_TAIL: the device never reads them.
            self.board
                .write(reg::TX_RING + (self.tx_head / 4) % words, word);
        }
        self.board.write(reg::TX_HEAD, self.tx_head);
    }

    /// Waits up to `clocks` for `want` bytes, then returns what is there.
    fn receive(&mut self, want: usize, clocks: u64) -> Vec<u8> {
        let words = self.ring_bytes / 4;
        let mut got = Vec::new();
        for _ in 0..clocks {
            let head = self.board.read(reg::RX_HEAD);
            while self.rx_tail != head && got.len() < want {
                let w = self.board.read(reg::RX_RING + (self.rx_tail / 4) % words);
                got.push((w >> (8 * (self.rx_tail % 4))) as u8);
                self.rx_tail = self.rx_tail.wrapping_add(1);
            }
            self.board.write(reg::RX_TAIL, self.rx_tail);
            if got.len() == want {
                break;
            }
        }
        got
    }

    fn exchange(&mut self, seq: u8, op: u8, data: u64) -> u64 {
        self.send(&encode_command(seq, op, 0, data));
        let got = self.receive(RESPONSE_LEN, 400);
        let r = decode_response(&got).expect("a response frame");
        // STATUS frames are answered with status 4 (a register, outside the sequence).
        let status = if op == OP_STATUS { 4 } else { 0 };
        assert_eq!((r.seq, r.status), (seq, status));
        r.data
    }
}

#[test]
fn registers_identify_the_window_and_frames_round_trip() {
    let mut h = BusHost::new(8);
    assert_eq!(h.board.read(reg::ID), WINDOW_ID);
    assert_eq!(h.board.read(reg::GEOMETRY), 1 | 8 << 8);
    assert_eq!(h.exchange(1, OP_STATUS, 0), DESIGN_ID);
    h.exchange(2, OP_LOAD, 0x1234);
    // 40 frames of 17 bytes through a 32-byte ring: every index wraps many times.
    let mut expect = 0x1234u64;
    for i in 0..40u64 {
        let d = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h.exchange(3 + i as u8, OP_ACCUM, d);
        expect ^= d;
    }
    assert_eq!(h.exchange(43, OP_READ, 0), expect);
    assert_eq!(h.board.read(reg::TX_LEVEL), 0);
    assert_eq!(h.board.read(reg::RX_LEVEL), 0);
    assert_eq!(h.board.read(reg::DROPPED), 0);
}

#[test]
fn a_retransmitted_frame_is_answered_again_and_not_applied_twice() {
    let mut h = BusHost::new(64);
    h.exchange(1, OP_LOAD, 0);
    let accum = encode_command(2, OP_ACCUM, 0, 0xFF);
    h.send(&accum);
    let first = h.receive(RESPONSE_LEN, 400);
    h.send(&accum);
    let again = h.receive(RESPONSE_LEN, 400);
    assert_eq!(first, again, "the stored response, byte for byte");
    assert_eq!(h.exchange(3, OP_READ, 0), 0xFF, "applied once");
}

#[test]
fn a_full_rx_ring_holds_the_answer_back_until_the_host_reads() {
    // 8 words = 32 bytes: a third 15-byte response does not fit until the first is read.
    let mut h = BusHost::new(8);
    for seq in 1..=3 {
        h.send(&encode_command(seq, OP_STATUS, 0, 0));
        h.board.idle(200);
    }
    h.board.idle(400);
    assert_eq!(h.board.read(reg::RX_LEVEL), 32, "ring full, the rest held");
    let all = h.receive(3 * RESPONSE_LEN, 400);
    for (i, r) in all.chunks(RESPONSE_LEN).enumerate() {
        assert_eq!(decode_response(r).unwrap().seq, i as u8 + 1);
    }
}

#[test]
fn the_reset_doorbell_discards_unsent_and_unread_bytes_and_a_half_frame() {
    let mut h = BusHost::new(64);
    h.exchange(1, OP_LOAD, 7);
    // Half a frame (the decoder is in the middle of it) and an unread answer.
    h.send(&encode_command(2, OP_STATUS, 0, 0));
    h.board.idle(200);
    h.send(&encode_command(3, OP_ACCUM, 0, 1)[..6]);
    h.board.idle(4);
    assert!(h.board.read(reg::RX_LEVEL) > 0);
    h.board.write(reg::RESET_REQ, 1);
    h.board.idle(4);
    assert_eq!(h.board.read(reg::RESET_ACK), 1);
    assert_eq!(h.board.read(reg::RX_LEVEL), 0);
    assert_eq!(h.board.read(reg::TX_LEVEL), 0);
    h.rx_tail = h.board.read(reg::RX_HEAD);
    // The half frame was not applied; the next frame is taken whole.
    assert_eq!(h.exchange(2, OP_READ, 0), 7);
}

#[test]
fn the_mirror_file_shows_the_device_words_and_passes_host_words_on() {
    let mut h = BusHost::new(64);
    let dir = std::env::temp_dir().join(format!("atomik-mmio-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("window.bin");
    let mut m = WindowMirror::create(&path, &mut h.board).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len() as u64, WINDOW_FILE_BYTES);
    let word = |b: &[u8], w: u32| u32::from_le_bytes(b[w as usize * 4..][..4].try_into().unwrap());
    assert_eq!(word(&bytes, reg::ID), WINDOW_ID);
    // A STATUS frame written into the file as a host would, then serviced.
    let frame = encode_command(9, OP_STATUS, 0, 0);
    let mut f = bytes.clone();
    for (i, &b) in frame.iter().enumerate() {
        f[reg::TX_RING as usize * 4 + i] = b;
    }
    f[reg::TX_HEAD as usize * 4..][..4].copy_from_slice(&(COMMAND_LEN as u32).to_le_bytes());
    std::fs::write(&path, &f).unwrap();
    m.service(&mut h.board, 200).unwrap();
    let after = std::fs::read(&path).unwrap();
    assert_eq!(word(&after, reg::TX_TAIL), COMMAND_LEN as u32);
    assert_eq!(word(&after, reg::RX_HEAD), RESPONSE_LEN as u32);
    let rsp: Vec<u8> = after[reg::RX_RING as usize * 4..][..RESPONSE_LEN].to_vec();
    assert_eq!(decode_response(&rsp).unwrap().data, DESIGN_ID);
    // A truncated file is a device that is gone: the mirror says so and touches nothing.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(0)
        .unwrap();
    let e = m.service(&mut h.board, 1).unwrap_err().to_string();
    assert!(e.contains("0 bytes") && e.contains("gone"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
