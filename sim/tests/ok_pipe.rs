//! The Opal Kelly pipe PHY alone in Verilator, its endpoints driven by the simulated okHost:
//! - pipe in, with USB faster than the PHY drains (a word per clock against a byte per clock):
//!   the host must wait on `ep_ready`, every block it starts fits (no word dropped: the sticky
//!   error stays low), and the bytes come out to the bridge side in order, each exactly once;
//! - a host that breaks the rules (words outside a block) is caught by the sticky error;
//! - pipe out, with the bridge side handing bytes over with gaps: every byte reaches the host
//!   once, in order, in well-formed words, and padding fills the blocks.

use atomik_hdl::link::ok_pipe::{ok_pipe_verilog, pack_in_blocks, unpack_out_words, OkPipeConfig};
use atomik_sim::ok_host::{BoardPins, OkHost, OkHostConfig};
use atomik_sim::verilator::{ModelSpec, VerilatedModel};

struct Phy {
    m: VerilatedModel,
    host: OkHost,
    inputs: [usize; 8],
    pi_ready: usize,
    po_ready: usize,
    po_data: usize,
    rx_valid: usize,
    rx_data: usize,
    tx_ready: usize,
    in_error: usize,
}

/// A word per clock each way: faster than the PHY's byte-per-clock unpacker.
fn fast_host() -> OkHostConfig {
    OkHostConfig {
        clock_hz: 100e6,
        usb_bytes_per_sec: 400e6,
    }
}

fn phy(config: OkPipeConfig) -> Phy {
    let ports: [(&str, u32, bool); 17] = [
        ("reset", 1, true),
        ("pi_write", 1, true),
        ("pi_blockstrobe", 1, true),
        ("pi_data", 32, true),
        ("po_read", 1, true),
        ("po_blockstrobe", 1, true),
        ("tx_valid", 1, true),
        ("tx_data", 8, true),
        ("rx_ready", 1, true),
        ("pi_ready", 1, false),
        ("po_ready", 1, false),
        ("po_data", 32, false),
        ("rx_valid", 1, false),
        ("rx_data", 8, false),
        ("tx_ready", 1, false),
        ("in_error", 1, false),
        ("geometry", 32, false),
    ];
    let verilog = ok_pipe_verilog(&config, "ok_pipe_phy").unwrap();
    let mut spec = ModelSpec::new(
        format!(
            "ok_pipe_i{}_o{}",
            config.in_block_words, config.out_block_words
        ),
        verilog,
        "ok_pipe_phy",
        "clock",
    );
    for (name, width, input) in ports {
        spec = if input {
            spec.input(name, width)
        } else {
            spec.output(name, width)
        };
    }
    let m = VerilatedModel::build(&spec).expect("PHY model builds");
    let i = |n: &str| m.input(n).unwrap();
    let o = |n: &str| m.output(n).unwrap();
    let geometry = o("geometry");
    let mut p = Phy {
        inputs: [
            i("reset"),
            i("pi_write"),
            i("pi_blockstrobe"),
            i("pi_data"),
            i("po_read"),
            i("po_blockstrobe"),
            i("tx_valid"),
            i("tx_data"),
        ],
        pi_ready: o("pi_ready"),
        po_ready: o("po_ready"),
        po_data: o("po_data"),
        rx_valid: o("rx_valid"),
        rx_data: o("rx_data"),
        tx_ready: o("tx_ready"),
        in_error: o("in_error"),
        host: OkHost::new(fast_host(), config.in_block_words, config.out_block_words).unwrap(),
        m,
    };
    // A bridge that takes every byte offered (the PHY alone: its rx_ready hold-back is
    // exercised with the bridge behind it in host/tests/ok_device.rs).
    let rx_ready = p.m.input("rx_ready").unwrap();
    p.m.set(rx_ready, 1);
    p.host.pulse_reset(4);
    for _ in 0..8 {
        p.clock(None);
    }
    assert_eq!(p.m.get(geometry) as u32, config.geometry());
    p
}

impl Phy {
    /// One clock; `offer` is a byte the bridge side offers. Returns (a byte the bridge side
    /// received, whether the offered byte was taken).
    fn clock(&mut self, offer: Option<u8>) -> (Option<u8>, bool) {
        let board = BoardPins {
            pi_ready: self.m.get(self.pi_ready) != 0,
            po_ready: self.m.get(self.po_ready) != 0,
        };
        let taken = offer.is_some() && self.m.get(self.tx_ready) != 0;
        let p = self.host.drive(&board);
        let [reset, pi_write, pi_strobe, pi_data, po_read, po_strobe, tx_valid, tx_data] =
            self.inputs;
        self.m.set(reset, p.reset as u64);
        self.m.set(pi_write, p.pi_write as u64);
        self.m.set(pi_strobe, p.pi_blockstrobe as u64);
        self.m.set(pi_data, p.pi_data as u64);
        self.m.set(po_read, p.po_read as u64);
        self.m.set(po_strobe, p.po_blockstrobe as u64);
        self.m.set(tx_valid, offer.is_some() as u64);
        self.m.set(tx_data, offer.unwrap_or(0) as u64);
        self.m.tick();
        self.host.edge(self.m.get(self.po_data) as u32);
        let rx = (self.m.get(self.rx_valid) != 0).then(|| self.m.get(self.rx_data) as u8);
        (rx, taken)
    }
}

#[test]
fn pipe_in_throttles_whole_blocks_and_delivers_every_byte_in_order() {
    let config = OkPipeConfig::new(16, 8, 100.0, 1000.0).unwrap();
    let mut p = phy(config);
    // 5000 bytes in 60-byte blocks (84 blocks, 5.4 KiB of pipe words): more than the
    // 1 KiB buffer, arriving four times faster than it drains.
    let stream: Vec<u8> = (0..5000u32).map(|i| (i * 7 + i / 256) as u8).collect();
    let packed = pack_in_blocks(&stream, 16);
    let words: Vec<u32> = packed
        .chunks(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    p.host.write_blocks(&words);
    let mut got = Vec::new();
    for _ in 0..20_000 {
        if let (Some(b), _) = p.clock(None) {
            got.push(b);
        }
        if got.len() == stream.len() && p.host.in_backlog() == 0 {
            break;
        }
    }
    assert_eq!(got.len(), stream.len(), "every byte came out once");
    assert!(got == stream, "bytes in order");
    assert_eq!(p.m.get(p.in_error), 0, "no block started without room");
    assert_eq!(p.host.counters.blocks_in, words.len() as u64 / 16);
    assert!(
        p.host.counters.in_ready_waits > 1000,
        "ep_ready held the host back: {} clocks",
        p.host.counters.in_ready_waits
    );
    // The drain is the bridge's byte per clock: 5000 bytes plus header/padding words take
    // at least 5000 clocks and, with a word of slack per block, not much more.
    let cycles = p.m.cycles();
    assert!(
        (5000..5000 + 2 * 84 + 200).contains(&cycles),
        "{cycles} clocks"
    );
}

#[test]
fn pipe_out_carries_every_answer_byte_in_order_with_padding() {
    let config = OkPipeConfig::new(16, 8, 100.0, 1000.0).unwrap();
    let mut p = phy(config);
    // Answers of 12 bytes offered a byte every other clock (the bridge's pace), 30 clocks
    // apart; the host reads a block whenever ep_ready says one is there.
    let answers: Vec<Vec<u8>> = (0..40u8)
        .map(|a| {
            (0..12)
                .map(|i| a.wrapping_mul(31).wrapping_add(i))
                .collect()
        })
        .collect();
    let want: Vec<u8> = answers.concat();
    let mut offered = 0usize;
    let mut wait = 0u32;
    let mut got = Vec::new();
    for clock in 0..40_000u32 {
        if !p.host.read_pending() {
            p.host.read_blocks(1);
        }
        let offer = (offered < want.len() && wait == 0 && clock % 2 == 0).then(|| want[offered]);
        let (_, taken) = p.clock(offer);
        if taken {
            offered += 1;
            if offered.is_multiple_of(12) {
                wait = 30;
            }
        } else {
            wait = wait.saturating_sub(1);
        }
        got.extend(unpack_out_words(&p.host.take_out_words()).unwrap());
        if got.len() == want.len() {
            break;
        }
    }
    assert!(
        got == want,
        "{} of {} bytes, in order",
        got.len(),
        want.len()
    );
    let (kept, count) = p.host.violations();
    assert_eq!(count, 0, "{kept:?}");
    // Every answer is its own block at most twice over: ready waits for a finished answer.
    let blocks = p.host.counters.blocks_out;
    assert!((40..=80).contains(&blocks), "{blocks} blocks");
}

#[test]
fn words_outside_a_block_are_dropped_and_flagged() {
    let config = OkPipeConfig::new(4, 4, 100.0, 1000.0).unwrap();
    let mut p = phy(config);
    assert_eq!(p.m.get(p.in_error), 0);
    // ep_write without ep_blockstrobe: no block owes this word.
    let [_, pi_write, _, pi_data, ..] = p.inputs;
    p.m.set(pi_write, 1);
    p.m.set(pi_data, 0xDEAD_BEEF);
    p.m.tick();
    p.m.set(pi_write, 0);
    let mut got = Vec::new();
    for _ in 0..20 {
        if let (Some(b), _) = p.clock(None) {
            got.push(b);
        }
    }
    assert_eq!(p.m.get(p.in_error), 1, "the stray word is flagged");
    assert!(got.is_empty(), "and never reaches the bridge: {got:?}");
}
