//! The link's frames (protocol v2), defined once here for the RTL decoder and the host.
//!
//! ```text
//! command  (host → board, 17 bytes): A5 | seq | op | addr lo | addr hi | data 0..7 (LE) | crc32
//! batch    (host → board, 10 + 8n):  A5 | seq | F0 | addr lo | addr hi | n - 1 |
//!                                    n deltas of 8 bytes (LE) | crc32
//! response (board → host, 15 bytes): 5A | seq | status | data 0..7 (LE) | crc32
//! ```
//! - `crc32` is CRC-32/MPEG-2 ([`crc32`]: polynomial 0x04C11DB7, initial 0xFFFFFFFF, no
//!   reflection, no final XOR) over every byte after the sync byte, sent most significant byte
//!   first, so the CRC over a whole frame including its CRC is 0: that is how both ends check.
//!   v1's CRC-8 on single frames let about 1 in 256 byte-shifted frames through; v2 has none.
//! - A batch frame ([`BATCH_ACCUM_OP`]) XORs n deltas (1 to [`MAX_BATCH_DELTAS`]) into one
//!   context, in order, all or none. A count above [`MAX_BATCH_DELTAS`] is answered
//!   [`FrameStatus::BadCount`].
//! - The sequence rule (go-back-N on the board): the board keeps the last applied frame's
//!   `seq` and response. `seq == last` is answered from the stored response, not applied;
//!   `seq == last + 1` (mod 256) is applied; any other seq is answered
//!   [`FrameStatus::OutOfOrder`] with data = the seq expected, nothing applied. After reset
//!   any seq is applied. So a stale copy of an older frame is never applied twice.
//! - STATUS frames ([`STATUS_OP`]) are read-only: executed whatever their seq, never stored,
//!   never change the sequence state, and answered with [`FrameStatus::Register`], a status no
//!   other frame gets, so a late STATUS answer is never taken for a real frame's (nor the
//!   reverse). Register [`LINK_SEQ_REG`] holds {have_last, last seq}: a host reads it at open.
//! - A frame with a bad CRC is dropped without an answer; so is a frame that stalls: after
//!   [`IDLE_TIMEOUT_BITS`] bit times without a byte the decoder returns to hunting for `A5`.
//!   A host waiting longer than that before retransmitting always finds the decoder hunting.
//! - The board handles one frame at a time; on a UART bytes arriving while it answers are
//!   dropped, and their frame is retransmitted by the host.

/// Protocol version, the low 16 bits of the design ID (status register 0,
/// `lanes::single::DESIGN_ID`): a host refuses a board speaking another.
pub const PROTOCOL_VERSION: u16 = 3;
const _: () = assert!(crate::lanes::single::DESIGN_ID as u16 == PROTOCOL_VERSION);
/// The STATUS opcode (read-only; outside the sequence rule).
pub const STATUS_OP: u8 = 8;
/// STATUS register answered by the frame bridge itself: bit 8 = a frame has been applied
/// since reset, bits 7..0 = its seq (the next one applied is that plus 1).
pub const LINK_SEQ_REG: u64 = 9;

/// First byte of a command frame.
pub const COMMAND_SYNC: u8 = 0xA5;
/// First byte of a response frame.
pub const RESPONSE_SYNC: u8 = 0x5A;
/// Bytes of every frame's CRC-32.
pub const CRC_LEN: usize = 4;
/// Bytes in a command frame.
pub const COMMAND_LEN: usize = 13 + CRC_LEN;
/// Bytes in a response frame.
pub const RESPONSE_LEN: usize = 11 + CRC_LEN;
/// Bit times of silence after which a partly received frame is abandoned.
pub const IDLE_TIMEOUT_BITS: u32 = 40;
/// The `op` byte of a batch frame. Far (four or more bit flips) from every core opcode
/// (0 to 8), so a damaged op byte is not read as the other kind of frame.
pub const BATCH_ACCUM_OP: u8 = 0xF0;
/// Most deltas in one batch frame: the board's frame buffer holds 8 x this many bytes
/// (512: one block RAM on iCE40, ECP5 and Gowin). At 64 deltas a frame costs 522 bytes on the
/// wire for 512 bytes of deltas, plus a 15-byte answer: 95.3 % of the raw rate before the
/// board's turnaround.
pub const MAX_BATCH_DELTAS: usize = 64;
/// Bytes of a batch frame's header after the sync byte: seq, op, addr (2), n - 1.
pub const BATCH_HEADER_LEN: usize = 5;

/// Bytes of a batch frame carrying `n` deltas.
pub const fn batch_len(n: usize) -> usize {
    1 + BATCH_HEADER_LEN + 8 * n + CRC_LEN
}

/// Status byte of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum FrameStatus {
    /// Applied; `data` is the core's response (0 for ops without one).
    Ok = 0,
    /// The opcode is not one the core implements; nothing was applied.
    IllegalOp = 1,
    /// A batch frame's count is above [`MAX_BATCH_DELTAS`]; nothing was applied.
    BadCount = 2,
    /// The seq is neither the last applied nor the next: nothing was applied; `data[7:0]` is
    /// the seq the board applies next.
    OutOfOrder = 3,
    /// A STATUS frame's answer (`data` is the register): outside the sequence, never stored.
    Register = 4,
}

impl FrameStatus {
    pub fn from_byte(b: u8) -> Option<FrameStatus> {
        match b {
            0 => Some(FrameStatus::Ok),
            1 => Some(FrameStatus::IllegalOp),
            2 => Some(FrameStatus::BadCount),
            3 => Some(FrameStatus::OutOfOrder),
            4 => Some(FrameStatus::Register),
            _ => None,
        }
    }

    /// What the status means, for error messages.
    pub fn meaning(self) -> &'static str {
        match self {
            FrameStatus::Ok => "applied",
            FrameStatus::IllegalOp => "illegal opcode",
            FrameStatus::BadCount => "batch count out of range",
            FrameStatus::OutOfOrder => "out of order: the board expects another sequence number",
            FrameStatus::Register => "status register answer",
        }
    }
}

/// CRC-32/MPEG-2 step (polynomial 0x04C11DB7, no reflection): `crc` after one more `byte`.
pub fn crc32_update(crc: u32, byte: u8) -> u32 {
    let mut c = crc ^ (byte as u32) << 24;
    for _ in 0..8 {
        c = if c & 0x8000_0000 != 0 {
            (c << 1) ^ 0x04C1_1DB7
        } else {
            c << 1
        };
    }
    c
}

/// The CRC-32 register's value at the start of a frame (CRC-32/MPEG-2's initial value: a
/// frame of zeros does not have CRC 0, so lost leading zeros are caught).
pub const CRC32_INIT: u32 = 0xFFFF_FFFF;

/// CRC-32/MPEG-2 of `bytes` (initial value [`CRC32_INIT`], no final XOR).
pub fn crc32(bytes: &[u8]) -> u32 {
    bytes.iter().fold(CRC32_INIT, |c, &b| crc32_update(c, b))
}

/// Why a batch cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error("a batch frame carries 1 to {MAX_BATCH_DELTAS} deltas, not {0}")]
    Count(usize),
}

/// A batch frame: `deltas` XORed into context `addr` in order.
pub fn encode_batch(seq: u8, addr: u16, deltas: &[u64]) -> Result<Vec<u8>, BatchError> {
    if deltas.is_empty() || deltas.len() > MAX_BATCH_DELTAS {
        return Err(BatchError::Count(deltas.len()));
    }
    Ok(encode_batch_unchecked(
        seq,
        addr,
        (deltas.len() - 1) as u8,
        deltas,
    ))
}

/// A batch frame whose count byte says `count_minus_1` whatever `deltas` holds: for tests
/// of the board's checks (a count the payload does not match, a count above the maximum).
pub fn encode_batch_unchecked(seq: u8, addr: u16, count_minus_1: u8, deltas: &[u64]) -> Vec<u8> {
    let mut f = Vec::with_capacity(batch_len(deltas.len()));
    f.extend_from_slice(&[COMMAND_SYNC, seq, BATCH_ACCUM_OP]);
    f.extend_from_slice(&addr.to_le_bytes());
    f.push(count_minus_1);
    for d in deltas {
        f.extend_from_slice(&d.to_le_bytes());
    }
    append_crc32(&mut f);
    f
}

/// Appends the CRC-32 of `frame[1..]` (everything after the sync byte), most significant byte
/// first.
fn append_crc32(frame: &mut Vec<u8>) {
    let crc = crc32(&frame[1..]);
    frame.extend_from_slice(&crc.to_be_bytes());
}

/// A command frame.
pub fn encode_command(seq: u8, op: u8, addr: u16, data: u64) -> [u8; COMMAND_LEN] {
    let mut f = Vec::with_capacity(COMMAND_LEN);
    f.extend_from_slice(&[COMMAND_SYNC, seq, op]);
    f.extend_from_slice(&addr.to_le_bytes());
    f.extend_from_slice(&data.to_le_bytes());
    append_crc32(&mut f);
    f.try_into().expect("a command frame is COMMAND_LEN bytes")
}

/// A response frame (what the board sends).
pub fn encode_response(seq: u8, status: u8, data: u64) -> [u8; RESPONSE_LEN] {
    let mut f = Vec::with_capacity(RESPONSE_LEN);
    f.extend_from_slice(&[RESPONSE_SYNC, seq, status]);
    f.extend_from_slice(&data.to_le_bytes());
    append_crc32(&mut f);
    f.try_into()
        .expect("a response frame is RESPONSE_LEN bytes")
}

/// A decoded response frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response {
    pub seq: u8,
    pub status: u8,
    pub data: u64,
}

/// Why bytes are not a response frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("response frame is {0} bytes, expected {RESPONSE_LEN}")]
    Length(usize),
    #[error("response frame starts with {0:#04x}, expected {RESPONSE_SYNC:#04x}")]
    Sync(u8),
    #[error(
        "response frame CRC-32 {got:#010x} does not match its bytes (expected {expected:#010x})"
    )]
    Crc { got: u32, expected: u32 },
}

/// Decodes and checks a response frame.
pub fn decode_response(bytes: &[u8]) -> Result<Response, FrameError> {
    if bytes.len() != RESPONSE_LEN {
        return Err(FrameError::Length(bytes.len()));
    }
    if bytes[0] != RESPONSE_SYNC {
        return Err(FrameError::Sync(bytes[0]));
    }
    let body = RESPONSE_LEN - CRC_LEN;
    let expected = crc32(&bytes[1..body]);
    let got = u32::from_be_bytes(bytes[body..].try_into().expect("4 CRC bytes"));
    if got != expected {
        return Err(FrameError::Crc { got, expected });
    }
    let mut data = [0u8; 8];
    data.copy_from_slice(&bytes[3..11]);
    Ok(Response {
        seq: bytes[1],
        status: bytes[2],
        data: u64::from_le_bytes(data),
    })
}

/// The CRC-32 step as XOR equations for hardware: for each output bit, the input bits it
/// XORs, as `(crc_mask, byte_mask)`. The step is linear over GF(2) (no initial value or final
/// XOR inside it), so feeding unit vectors through [`crc32_update`] recovers its matrix.
pub fn crc32_equations() -> [(u32, u8); 32] {
    let mut eq = [(0u32, 0u8); 32];
    for i in 0..32 {
        let from_crc = crc32_update(1 << i, 0);
        for (out, e) in eq.iter_mut().enumerate() {
            if from_crc >> out & 1 == 1 {
                e.0 |= 1 << i;
            }
        }
    }
    for i in 0..8 {
        let from_byte = crc32_update(0, 1 << i);
        for (out, e) in eq.iter_mut().enumerate() {
            if from_byte >> out & 1 == 1 {
                e.1 |= 1 << i;
            }
        }
    }
    eq
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_published_check_value() {
        // CRC-32/MPEG-2 check value for "123456789".
        assert_eq!(crc32(b"123456789"), 0x0376_E6E7);
    }

    #[test]
    fn batch_frames_have_crc32_zero_and_their_length() {
        for n in [1, 2, MAX_BATCH_DELTAS] {
            let deltas: Vec<u64> = (0..n as u64).map(|i| i * 0x0101_0101_0101_0101).collect();
            let f = encode_batch(9, 0x0203, &deltas).unwrap();
            assert_eq!(f.len(), batch_len(n));
            assert_eq!(
                &f[..6],
                &[COMMAND_SYNC, 9, BATCH_ACCUM_OP, 3, 2, n as u8 - 1]
            );
            assert_eq!(crc32(&f[1..]), 0);
        }
        assert_eq!(encode_batch(1, 0, &[]), Err(BatchError::Count(0)));
        let too_many = vec![0u64; MAX_BATCH_DELTAS + 1];
        let e = encode_batch(1, 0, &too_many).unwrap_err().to_string();
        assert!(e.contains("65") && e.contains("64"), "{e}");
    }

    #[test]
    fn crc32_equations_reproduce_the_step() {
        let eq = crc32_equations();
        let mut crc = 0x1234_5678u32;
        for byte in 0..=255u8 {
            let mut out = 0u32;
            for (bit, (cm, bm)) in eq.iter().enumerate() {
                let parity = ((crc & cm).count_ones() + (byte & bm).count_ones()) & 1;
                out |= parity << bit;
            }
            assert_eq!(out, crc32_update(crc, byte));
            crc = crc.rotate_left(7) ^ out;
        }
    }

    #[test]
    fn batch_opcode_is_four_bit_flips_from_every_core_opcode() {
        for op in 0..=8u8 {
            assert!((op ^ BATCH_ACCUM_OP).count_ones() >= 4, "{op}");
        }
    }

    #[test]
    fn a_frame_including_its_crc_has_crc_zero() {
        let f = encode_command(7, 2, 0x1234, 0xDEAD_BEEF_0123_4567);
        assert_eq!(&f[..5], &[COMMAND_SYNC, 7, 2, 0x34, 0x12]);
        assert_eq!(crc32(&f[1..]), 0);
        let r = encode_response(7, 0, 42);
        assert_eq!(&r[..4], &[RESPONSE_SYNC, 7, 0, 42]);
        assert_eq!(crc32(&r[1..]), 0);
    }

    #[test]
    fn statuses_round_trip_through_their_byte() {
        for b in 0..=255u8 {
            if let Some(s) = FrameStatus::from_byte(b) {
                assert_eq!(s as u8, b);
            }
        }
        assert_eq!(FrameStatus::from_byte(3), Some(FrameStatus::OutOfOrder));
        assert_eq!(FrameStatus::from_byte(4), Some(FrameStatus::Register));
        assert_eq!(FrameStatus::from_byte(5), None);
    }

    #[test]
    fn responses_round_trip_and_bad_ones_are_named() {
        let r = encode_response(200, 1, u64::MAX - 5);
        assert_eq!(
            decode_response(&r),
            Ok(Response {
                seq: 200,
                status: 1,
                data: u64::MAX - 5
            })
        );
        let mut bad = r;
        bad[5] ^= 0x10;
        assert!(matches!(decode_response(&bad), Err(FrameError::Crc { .. })));
        assert_eq!(decode_response(&r[..5]), Err(FrameError::Length(5)));
        let mut s = r;
        s[0] = 0;
        assert_eq!(decode_response(&s), Err(FrameError::Sync(0)));
    }
}
