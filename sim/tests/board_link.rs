//! The board top in Verilator, driven only through its UART pins: frames in, responses out,
//! checked against the algebra and the generator's prediction; corrupt, stalled and repeated
//! frames never change the state, and a batch frame is applied whole and once or not at all.

use atomik_hdl::lanes::single::DESIGN_ID;
use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::link::frame::{
    batch_len, decode_response, encode_batch, encode_batch_unchecked, encode_command, FrameStatus,
    Response, COMMAND_LEN, IDLE_TIMEOUT_BITS, MAX_BATCH_DELTAS, RESPONSE_LEN,
};
use atomik_hdl::link::LinkConfig;
use atomik_hdl::Op;
use atomik_sim::generator::GeneratorRun;
use atomik_sim::lanes_model::{gen_run_word, OP_GEN_RUN, OP_GEN_SEED, OP_STATUS};
use atomik_sim::sim_board::SimBoard;

const CPB: u16 = 4;

fn board(lanes: LanesConfig) -> SimBoard {
    let mut b = SimBoard::new(lanes, LinkConfig::with_clocks_per_bit(CPB).unwrap())
        .expect("board model builds");
    b.settle();
    b
}

/// Clocks for a whole exchange with margin: both frames on the wire plus the core's latency.
fn exchange_budget(b: &SimBoard) -> u64 {
    ((COMMAND_LEN + RESPONSE_LEN) as u64 * 10 + 40) * b.clocks_per_bit() + 2000
}

fn exchange_raw(b: &mut SimBoard, frame: &[u8]) -> Option<Response> {
    b.send(frame);
    // The frame's own wire time on top (a batch frame is up to 522 bytes), and a generous
    // 40 clocks per batch delta for reading it from the buffer and crossing the command port.
    let budget = exchange_budget(b)
        + (frame.len() as u64 * 10) * b.clocks_per_bit()
        + 40 * frame.len() as u64 / 8;
    let got = b.receive(RESPONSE_LEN, budget);
    if got.is_empty() {
        return None;
    }
    assert_eq!(got.len(), RESPONSE_LEN, "partial response {got:02x?}");
    Some(decode_response(&got).expect("the board's responses are well formed"))
}

fn exchange(b: &mut SimBoard, seq: u8, op: u8, addr: u16, data: u64) -> Response {
    let r = exchange_raw(b, &encode_command(seq, op, addr, data))
        .unwrap_or_else(|| panic!("no response to seq {seq} op {op}"));
    assert_eq!(r.seq, seq);
    r
}

#[test]
fn single_mode_board_applies_each_frame_once() {
    let mut b = board(LanesConfig::single(4, 64).unwrap());
    let (x, d, e) = (0x0123_4567_89AB_CDEF, 0xFFFF_0000_FFFF_0000, 0x1111);
    assert_eq!(exchange(&mut b, 1, OP_STATUS, 0, 0).data, DESIGN_ID);
    assert_eq!(exchange(&mut b, 2, OP_STATUS, 0, 1).data, 4, "lanes");
    assert_eq!(exchange(&mut b, 3, Op::Load as u8, 0, x).status, 0);
    assert_eq!(exchange(&mut b, 4, Op::Accum as u8, 0, d).data, 0);
    assert_eq!(exchange(&mut b, 5, Op::Read as u8, 0, 0).data, x ^ d);

    // A retransmitted ACCUM (same seq) is answered again but applied once.
    let accum = encode_command(6, Op::Accum as u8, 0, e);
    let first = exchange_raw(&mut b, &accum).unwrap();
    let again = exchange_raw(&mut b, &accum).unwrap();
    assert_eq!(first, again);
    assert_eq!(exchange(&mut b, 7, Op::Read as u8, 0, 0).data, x ^ d ^ e);

    // A corrupt frame gets no answer and changes nothing; the next frame works.
    let mut bad = encode_command(8, Op::Accum as u8, 0, 0xBAD);
    bad[9] ^= 0x04;
    assert_eq!(exchange_raw(&mut b, &bad), None);
    assert_eq!(exchange(&mut b, 9, Op::Read as u8, 0, 0).data, x ^ d ^ e);

    // Garbage (with sync bytes in it) then silence: the decoder times out and hunts again.
    b.send(&[0xA5, 0x00, 0xA5, 0x13, 0x37, 0xA5, 0xA5]);
    let stray = b.idle((7 * 10 + 2 * IDLE_TIMEOUT_BITS as u64) * b.clocks_per_bit());
    assert!(stray.is_empty(), "garbage was answered: {stray:02x?}");
    assert_eq!(exchange(&mut b, 10, Op::Read as u8, 0, 0).data, x ^ d ^ e);

    // A truncated frame followed (after the timeout) by a good one.
    b.send(&encode_command(11, Op::Accum as u8, 0, 0xDEAD)[..6]);
    b.idle((6 * 10 + 2 * IDLE_TIMEOUT_BITS as u64) * b.clocks_per_bit());
    assert_eq!(exchange(&mut b, 12, Op::Swap as u8, 0, 0).data, x ^ d ^ e);
    // SWAP starts a new epoch whose reference is the state it returned.
    assert_eq!(exchange(&mut b, 13, Op::Read as u8, 0, 0).data, x ^ d ^ e);

    // An opcode the core does not have is refused by the link, not passed on.
    let r = exchange(&mut b, 14, 12, 0, 0);
    assert_eq!(r.status, 1);
    assert_eq!(b.leds() & 0b100, 0, "the core never saw an illegal op");
    assert_eq!(b.framing_errors(), 0);
    assert_ne!(b.leds() & 0b010, 0, "the dropped-frame LED is lit");
}

#[test]
fn generator_run_over_the_link_matches_the_prediction() {
    for lanes in [
        LanesConfig::single(16, 64).unwrap(),
        LanesConfig::table(4, 16).unwrap(),
    ] {
        let mut b = board(lanes);
        let (seed, clocks, base) = (0x5EED_0001, 5_000u64, 3u16);
        let init: Vec<u64> = (0..lanes.contexts as u64)
            .map(|c| c * 0x0001_2345_6789)
            .collect();
        let mut seq = 0u8;
        let mut next = || {
            seq = seq.wrapping_add(1);
            seq
        };
        for (c, &v) in init.iter().enumerate() {
            exchange(&mut b, next(), Op::Load as u8, c as u16, v);
        }
        exchange(&mut b, next(), OP_GEN_SEED, 0, seed);
        exchange(
            &mut b,
            next(),
            OP_GEN_RUN,
            base,
            gen_run_word(clocks, lanes.lanes),
        );
        // The run takes `clocks` clocks; poll the busy flag as a host would.
        let mut polls = 0;
        while exchange(&mut b, next(), OP_STATUS, 0, 7).data != 0 {
            polls += 1;
            assert!(polls < 100, "generator still busy after {polls} polls");
        }
        assert_eq!(exchange(&mut b, next(), OP_STATUS, 0, 5).data, clocks);
        assert_eq!(
            exchange(&mut b, next(), OP_STATUS, 0, 6).data,
            clocks * lanes.lanes as u64
        );
        let run = GeneratorRun {
            lanes: lanes.lanes,
            width: lanes.width,
            seed,
            clocks,
            active_lanes: lanes.lanes,
        };
        let predicted = run.predicted_per_context(lanes.contexts, base as u64);
        for c in 0..lanes.contexts as usize {
            let got = exchange(&mut b, next(), Op::Read as u8, c as u16, 0).data;
            assert_eq!(got, init[c] ^ predicted[c], "{} context {c}", lanes.name());
        }
    }
}

/// Deterministic deltas for the batch tests (xorshift).
fn deltas(n: usize, seed: u64) -> Vec<u64> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        })
        .collect()
}

fn xor_all(d: &[u64]) -> u64 {
    d.iter().fold(0, |a, b| a ^ b)
}

#[test]
fn batch_frames_are_applied_whole_and_once_or_not_at_all() {
    let mut b = board(LanesConfig::table(4, 16).unwrap());
    let (ctx, x) = (5u16, 0x0F0F_1234_5678_9ABC);
    let read = |b: &mut SimBoard, seq: u8, c: u16| exchange(b, seq, Op::Read as u8, c, 0).data;
    exchange(&mut b, 1, Op::Load as u8, ctx, x);
    exchange(&mut b, 2, Op::Load as u8, ctx + 1, 0);
    let mut state = x;

    // A full batch goes into its context only, and is answered with the frame's seq.
    let full = deltas(MAX_BATCH_DELTAS, 1);
    let frame = encode_batch(3, ctx, &full).unwrap();
    assert_eq!(frame.len(), batch_len(MAX_BATCH_DELTAS));
    let r = exchange_raw(&mut b, &frame).expect("a batch is answered");
    assert_eq!((r.seq, r.status), (3, FrameStatus::Ok as u8));
    // Retransmitted (same seq, as a host does when the answer is lost): answered again from
    // the stored response, not applied again.
    assert_eq!(exchange_raw(&mut b, &frame), Some(r));
    assert_eq!(exchange_raw(&mut b, &frame), Some(r));
    state ^= xor_all(&full);
    assert_eq!(read(&mut b, 4, ctx), state);
    assert_eq!(
        read(&mut b, 5, ctx + 1),
        0,
        "the neighbouring context is untouched"
    );

    // One flipped bit anywhere (address, count, first/middle/last delta byte, CRC) and the
    // frame is dropped unanswered: nothing of it is applied.
    let small = deltas(8, 2);
    let good = encode_batch(7, ctx, &small).unwrap();
    for at in [3, 5, 6, 40, good.len() - 5, good.len() - 1] {
        let mut bad = good.clone();
        bad[at] ^= 0x20;
        assert_eq!(
            exchange_raw(&mut b, &bad),
            None,
            "corrupt byte {at} was answered"
        );
        // Let a count corrupted upwards time out before the next frame.
        b.idle(2 * IDLE_TIMEOUT_BITS as u64 * b.clocks_per_bit());
        assert_eq!(
            read(&mut b, 8, ctx),
            state,
            "corrupt byte {at} changed the state"
        );
    }

    // Truncated: the decoder times out and takes the next frame.
    b.send(&good[..good.len() / 2]);
    b.idle((good.len() as u64 * 10 + 2 * IDLE_TIMEOUT_BITS as u64) * b.clocks_per_bit());
    assert_eq!(read(&mut b, 9, ctx), state);

    // Over-long (nine deltas behind a count of eight) and short (seven): the CRC is not
    // where the count says, or never comes; nothing is applied either way.
    let nine = deltas(9, 3);
    let over = encode_batch_unchecked(10, ctx, 7, &nine);
    assert_eq!(exchange_raw(&mut b, &over), None);
    b.idle(2 * IDLE_TIMEOUT_BITS as u64 * b.clocks_per_bit());
    let short = encode_batch_unchecked(11, ctx, 7, &nine[..7]);
    assert_eq!(exchange_raw(&mut b, &short), None);
    assert_eq!(read(&mut b, 12, ctx), state);

    // A count above the buffer, correctly checked, is refused by status: nothing applied.
    let too_many = deltas(MAX_BATCH_DELTAS + 1, 4);
    let refused = encode_batch_unchecked(13, ctx, MAX_BATCH_DELTAS as u8, &too_many);
    let r = exchange_raw(&mut b, &refused).expect("an over-count batch is answered");
    assert_eq!((r.seq, r.status), (13, FrameStatus::BadCount as u8));
    assert_eq!(read(&mut b, 14, ctx), state);

    // Garbage (with sync bytes) straight after a batch: the batch is applied once, the
    // garbage answered by nothing, and the decoder hunts again.
    let one = deltas(1, 5);
    let mut with_garbage = encode_batch(15, ctx, &one).unwrap();
    with_garbage.extend_from_slice(&[0xA5, 0xA5, 0x00, 0xF0, 0x13, 0xA5]);
    let r = exchange_raw(&mut b, &with_garbage).expect("the batch is answered");
    assert_eq!((r.seq, r.status), (15, 0));
    let stray = b.idle((6 * 10 + 2 * IDLE_TIMEOUT_BITS as u64) * b.clocks_per_bit());
    assert!(stray.is_empty(), "garbage was answered: {stray:02x?}");
    state ^= one[0];
    assert_eq!(read(&mut b, 16, ctx), state);

    // Single-op frames still work in between, and a batch of one after a single ACCUM.
    exchange(&mut b, 17, Op::Accum as u8, ctx, 0x55);
    let r = exchange_raw(&mut b, &encode_batch(18, ctx, &small).unwrap()).unwrap();
    assert_eq!(r.status, 0);
    state ^= 0x55 ^ xor_all(&small);
    assert_eq!(read(&mut b, 19, ctx), state);
    assert_eq!(b.leds() & 0b100, 0, "the core never saw an illegal op");
    assert_eq!(b.framing_errors(), 0);
}
