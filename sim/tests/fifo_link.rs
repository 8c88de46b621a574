//! The FT245 FIFO board top in Verilator, driven through its FIFO pins by a simulated FT2232H:
//! frames in and answers out, with the chip's buffers and USB rate squeezed so RXF# and TXE#
//! hold the link back mid-frame; every byte the host wrote is read exactly once, every answer
//! arrives whole, and the chip sees no bus rule broken.

use atomik_hdl::lanes::single::DESIGN_ID;
use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::link::frame::{
    decode_response, encode_command, Response, COMMAND_LEN, RESPONSE_LEN,
};
use atomik_hdl::link::FifoLinkConfig;
use atomik_hdl::Op;
use atomik_sim::ft2232h::Ft2232hConfig;
use atomik_sim::lanes_model::OP_STATUS;
use atomik_sim::sim_board::{FifoEnd, SimBoard};

fn board(chip: Ft2232hConfig) -> SimBoard<FifoEnd> {
    let mut b = SimBoard::new_fifo(
        LanesConfig::single(4, 64).unwrap(),
        FifoLinkConfig::ftdi(),
        chip,
    )
    .expect("FIFO board model builds");
    b.settle();
    b
}

/// Sends one frame and collects the answer, with the host pausing its reads for `pause`
/// clocks once the board has started answering (TXE# back-pressure when the buffer is small).
fn exchange_paused(
    b: &mut SimBoard<FifoEnd>,
    seq: u8,
    op: u8,
    addr: u16,
    data: u64,
    pause: u64,
) -> Response {
    b.send(&encode_command(seq, op, addr, data));
    let mut got = Vec::new();
    if pause > 0 {
        b.chip_mut().host_reading = false;
        let mut waited = 0;
        while b.chip().fill().1 == 0 {
            assert!(b.tick().is_none());
            waited += 1;
            assert!(waited < 100_000, "no answer byte reached the chip");
        }
        for _ in 0..pause {
            assert!(b.tick().is_none(), "the host is not reading");
        }
        // The transmit buffer is full (TXE# high) with the answer not yet all written.
        let cap = b.chip().config().tx_capacity;
        if cap < RESPONSE_LEN && pause >= 40 {
            assert_eq!(b.chip().fill().1, cap, "TXE# holds the board back");
        }
        b.chip_mut().host_reading = true;
    }
    for _ in 0..100_000 {
        if let Some(byte) = b.tick() {
            got.push(byte);
            if got.len() == RESPONSE_LEN {
                break;
            }
        }
    }
    assert_eq!(got.len(), RESPONSE_LEN, "answer to seq {seq}: {got:02x?}");
    // Nothing more comes: no byte duplicated.
    let extra = b.idle(200);
    assert!(extra.is_empty(), "bytes after the answer: {extra:02x?}");
    let r = decode_response(&got).expect("the board's answers are well formed");
    assert_eq!(r.seq, seq);
    r
}

fn exchange(b: &mut SimBoard<FifoEnd>, seq: u8, op: u8, addr: u16, data: u64) -> Response {
    exchange_paused(b, seq, op, addr, data, 0)
}

fn assert_clean(b: &SimBoard<FifoEnd>, frames: u64) {
    let (kept, count) = b.chip().violations();
    assert_eq!(count, 0, "bus rules broken: {kept:#?}");
    let c = b.chip().counters;
    assert_eq!(
        c.to_fpga,
        frames * COMMAND_LEN as u64,
        "every byte the host wrote read once"
    );
    assert_eq!(c.from_fpga, frames * RESPONSE_LEN as u64, "{c:?}");
    assert_eq!(b.send_backlog(), 0);
}

#[test]
fn fifo_board_applies_frames_at_full_rate() {
    let mut b = board(Ft2232hConfig::ft2232h());
    let (x, d) = (0x0123_4567_89AB_CDEF, 0xFFFF_0000_FFFF_0000);
    assert_eq!(exchange(&mut b, 1, OP_STATUS, 0, 0).data, DESIGN_ID);
    assert_eq!(exchange(&mut b, 2, Op::Load as u8, 1, x).status, 0);
    assert_eq!(exchange(&mut b, 3, Op::Accum as u8, 1, d).status, 0);
    assert_eq!(exchange(&mut b, 4, Op::Read as u8, 1, 0).data, x ^ d);
    assert_eq!(exchange(&mut b, 5, Op::Swap as u8, 1, 0).data, x ^ d);
    assert_eq!(exchange(&mut b, 6, Op::Read as u8, 1, 0).data, x ^ d);
    // A repeated frame is answered again, applied once.
    let first = exchange(&mut b, 7, Op::Accum as u8, 1, 0x11);
    assert_eq!(exchange(&mut b, 7, Op::Accum as u8, 1, 0x11), first);
    assert_eq!(exchange(&mut b, 8, Op::Read as u8, 1, 0).data, x ^ d ^ 0x11);
    assert_clean(&b, 9);
    // The bus was free-flowing: RXF# / TXE# never held a strobe back.
    let c = b.chip().counters;
    assert_eq!((c.txe_stalls, c.txe_high), (0, 0), "{c:?}");
}

#[test]
fn rxf_and_txe_back_pressure_lose_and_double_nothing() {
    // A 3-byte receive buffer filled at one byte per 7 clocks: RXF# rises between the bytes of
    // every frame. A 2-byte transmit buffer and a host that stops reading: TXE# rises in the
    // middle of every answer.
    let chip = Ft2232hConfig {
        rx_capacity: 3,
        tx_capacity: 2,
        usb_bytes_per_clock: 1.0 / 7.0,
    };
    let mut b = board(chip);
    let mut expect = 0u64;
    let mut frames = 0u64;
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    exchange(&mut b, 1, Op::Load as u8, 2, 0);
    frames += 1;
    for seq in 2..40u8 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let pause = (x % 5) * 40;
        exchange_paused(&mut b, seq, Op::Accum as u8, 2, x, pause);
        expect ^= x;
        frames += 1;
    }
    assert_eq!(
        exchange_paused(&mut b, 40, Op::Read as u8, 2, 0, 100).data,
        expect
    );
    frames += 1;
    assert_clean(&b, frames);
    // RXF# rose while the board was reading (RD# low at an edge with RXF# high moves nothing).
    let c = b.chip().counters;
    assert!(c.rxf_stalls > 0, "{c:?}");
}
