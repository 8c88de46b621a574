//! The board top in Verilator, driven only through its UART pins: frames in, responses out,
//! checked against the algebra and the generator's prediction; corrupt, stalled and repeated
//! frames never change the state, and a batch frame is applied whole and once or not at all;
//! the sequence rule (protocol v2): only the next seq is applied, the last is re-answered,
//! anything else is answered "out of order", and STATUS frames stand outside it.

use atomik_hdl::lanes::single::DESIGN_ID;
use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::link::frame::{
    batch_len, decode_response, encode_batch, encode_batch_unchecked, encode_command, FrameStatus,
    Response, COMMAND_LEN, IDLE_TIMEOUT_BITS, LINK_SEQ_REG, MAX_BATCH_DELTAS, RESPONSE_LEN,
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

/// A STATUS register read: any seq (here 0xEE) is executed and answered with status 4.
fn status(b: &mut SimBoard, reg: u64) -> u64 {
    let r = exchange(b, 0xEE, OP_STATUS, 0, reg);
    assert_eq!(
        r.status,
        FrameStatus::Register as u8,
        "STATUS {reg} answered {r:?}"
    );
    r.data
}

#[test]
fn single_mode_board_applies_each_frame_once() {
    let mut b = board(LanesConfig::single(4, 64).unwrap());
    let (x, d, e) = (0x0123_4567_89AB_CDEF, 0xFFFF_0000_FFFF_0000, 0x1111);
    assert_eq!(status(&mut b, 0), DESIGN_ID);
    assert_eq!(status(&mut b, 1), 4, "lanes");
    assert_eq!(status(&mut b, LINK_SEQ_REG), 0, "nothing applied yet");
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
    // Two swapped bytes (a 16-bit burst v1's CRC-8 let through 1 time in 256) and a
    // duplicated byte are caught by the CRC-32.
    let mut swapped = encode_command(8, Op::Accum as u8, 0, 0x0102_0304);
    swapped.swap(5, 6);
    assert_eq!(exchange_raw(&mut b, &swapped), None);
    let good = encode_command(8, Op::Accum as u8, 0, 0x0102_0304);
    let mut shifted = good[..8].to_vec();
    shifted.extend_from_slice(&good[7..COMMAND_LEN - 1]);
    assert_eq!(exchange_raw(&mut b, &shifted), None);
    b.idle(2 * IDLE_TIMEOUT_BITS as u64 * b.clocks_per_bit());
    assert_eq!(exchange(&mut b, 8, Op::Read as u8, 0, 0).data, x ^ d ^ e);

    // Garbage (with sync bytes in it) then silence: the decoder times out and hunts again.
    b.send(&[0xA5, 0x00, 0xA5, 0x13, 0x37, 0xA5, 0xA5]);
    let stray = b.idle((7 * 10 + 2 * IDLE_TIMEOUT_BITS as u64) * b.clocks_per_bit());
    assert!(stray.is_empty(), "garbage was answered: {stray:02x?}");
    assert_eq!(exchange(&mut b, 9, Op::Read as u8, 0, 0).data, x ^ d ^ e);

    // A truncated frame followed (after the timeout) by a good one.
    b.send(&encode_command(10, Op::Accum as u8, 0, 0xDEAD)[..6]);
    b.idle((6 * 10 + 2 * IDLE_TIMEOUT_BITS as u64) * b.clocks_per_bit());
    assert_eq!(exchange(&mut b, 10, Op::Swap as u8, 0, 0).data, x ^ d ^ e);
    // SWAP starts a new epoch whose reference is the state it returned.
    assert_eq!(exchange(&mut b, 11, Op::Read as u8, 0, 0).data, x ^ d ^ e);

    // An opcode the core does not have is refused by the link, not passed on.
    let r = exchange(&mut b, 12, 12, 0, 0);
    assert_eq!(r.status, 1);
    assert_eq!(b.leds() & 0b100, 0, "the core never saw an illegal op");
    assert_eq!(b.framing_errors(), 0);
    assert_ne!(b.leds() & 0b010, 0, "the dropped-frame LED is lit");
}

#[test]
fn only_the_next_seq_is_applied_and_status_frames_stand_outside_the_sequence() {
    let mut b = board(LanesConfig::table(4, 16).unwrap());
    let accum = |seq: u8, delta: u64| encode_command(seq, Op::Accum as u8, 1, delta);
    // After reset any seq is taken: 200 is the first.
    assert_eq!(exchange(&mut b, 200, Op::Load as u8, 1, 0x10).status, 0);
    assert_eq!(status(&mut b, LINK_SEQ_REG), 0x100 | 200);
    let a1 = exchange_raw(&mut b, &accum(201, 0x1)).unwrap();
    assert_eq!((a1.seq, a1.status), (201, 0));
    let a2 = exchange_raw(&mut b, &accum(202, 0x2)).unwrap();
    // A stale copy of the older frame 201, arriving after 202: not applied, answered "out of
    // order" with the seq expected next (203).
    let stale = exchange_raw(&mut b, &accum(201, 0x1)).unwrap();
    assert_eq!(
        (stale.seq, stale.status, stale.data),
        (201, FrameStatus::OutOfOrder as u8, 203)
    );
    // A frame from the future (a lost one in between) is refused the same way.
    let early = exchange_raw(&mut b, &accum(205, 0x40)).unwrap();
    assert_eq!(
        (early.status, early.data),
        (FrameStatus::OutOfOrder as u8, 203)
    );
    // The last frame is still answered from its stored response, even after those.
    assert_eq!(exchange_raw(&mut b, &accum(202, 0x2)), Some(a2));
    // STATUS with the last frame's seq is executed, not re-answered, and leaves the stored
    // response and the sequence as they were.
    let r = exchange(&mut b, 202, OP_STATUS, 0, 3);
    assert_eq!((r.status, r.data), (FrameStatus::Register as u8, 16));
    assert_eq!(exchange_raw(&mut b, &accum(202, 0x2)), Some(a2));
    assert_eq!(status(&mut b, LINK_SEQ_REG), 0x100 | 202);
    assert_eq!(
        exchange(&mut b, 203, Op::Read as u8, 1, 0).data,
        0x10 ^ 0x1 ^ 0x2
    );
    // The sequence wraps: 255 then 0.
    let mut seq = 203u8;
    while seq != 255 {
        seq += 1;
        exchange(&mut b, seq, Op::Accum as u8, 1, 0);
    }
    assert_eq!(exchange(&mut b, 0, Op::Accum as u8, 1, 0x100).status, 0);
    assert_eq!(exchange(&mut b, 1, Op::Read as u8, 1, 0).data, 0x113);
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
        while status(&mut b, 7) != 0 {
            polls += 1;
            assert!(polls < 100, "generator still busy after {polls} polls");
        }
        assert_eq!(status(&mut b, 5), clocks);
        assert_eq!(status(&mut b, 6), clocks * lanes.lanes as u64);
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
    // frame is dropped unanswered: nothing of it is applied. (Its seq, 6, is the next one,
    // so the board would apply it if the CRC let it through; the READ after each is a
    // retransmission of the same seq 6 READ after the first.)
    let small = deltas(8, 2);
    let good = encode_batch(6, ctx, &small).unwrap();
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
            read(&mut b, 6, ctx),
            state,
            "corrupt byte {at} changed the state"
        );
    }

    // Truncated: the decoder times out and takes the next frame.
    b.send(&good[..good.len() / 2]);
    b.idle((good.len() as u64 * 10 + 2 * IDLE_TIMEOUT_BITS as u64) * b.clocks_per_bit());
    assert_eq!(read(&mut b, 7, ctx), state);

    // Over-long (nine deltas behind a count of eight) and short (seven): the CRC is not
    // where the count says, or never comes; nothing is applied either way.
    let nine = deltas(9, 3);
    let over = encode_batch_unchecked(8, ctx, 7, &nine);
    assert_eq!(exchange_raw(&mut b, &over), None);
    b.idle(2 * IDLE_TIMEOUT_BITS as u64 * b.clocks_per_bit());
    let short = encode_batch_unchecked(8, ctx, 7, &nine[..7]);
    assert_eq!(exchange_raw(&mut b, &short), None);
    assert_eq!(read(&mut b, 8, ctx), state);

    // A count above the buffer, correctly checked, is refused by status: nothing applied.
    let too_many = deltas(MAX_BATCH_DELTAS + 1, 4);
    let refused = encode_batch_unchecked(9, ctx, MAX_BATCH_DELTAS as u8, &too_many);
    let r = exchange_raw(&mut b, &refused).expect("an over-count batch is answered");
    assert_eq!((r.seq, r.status), (9, FrameStatus::BadCount as u8));
    assert_eq!(read(&mut b, 10, ctx), state);

    // Garbage (with sync bytes) straight after a batch: the batch is applied once, the
    // garbage answered by nothing, and the decoder hunts again.
    let one = deltas(1, 5);
    let mut with_garbage = encode_batch(11, ctx, &one).unwrap();
    with_garbage.extend_from_slice(&[0xA5, 0xA5, 0x00, 0xF0, 0x13, 0xA5]);
    let r = exchange_raw(&mut b, &with_garbage).expect("the batch is answered");
    assert_eq!((r.seq, r.status), (11, 0));
    let stray = b.idle((6 * 10 + 2 * IDLE_TIMEOUT_BITS as u64) * b.clocks_per_bit());
    assert!(stray.is_empty(), "garbage was answered: {stray:02x?}");
    state ^= one[0];
    assert_eq!(read(&mut b, 12, ctx), state);

    // Single-op frames still work in between, and a batch after a single ACCUM.
    exchange(&mut b, 13, Op::Accum as u8, ctx, 0x55);
    let r = exchange_raw(&mut b, &encode_batch(14, ctx, &small).unwrap()).unwrap();
    assert_eq!(r.status, 0);
    state ^= 0x55 ^ xor_all(&small);
    assert_eq!(read(&mut b, 15, ctx), state);
    assert_eq!(b.leds() & 0b100, 0, "the core never saw an illegal op");
    assert_eq!(b.framing_errors(), 0);
}
