//! The link's frames (protocol v1), defined once here for the RTL decoder and the host.
//!
//! ```text
//! command  (host → board, 14 bytes): A5 | seq | op | addr lo | addr hi | data 0..7 (LE) | crc
//! batch    (host → board, 10 + 8n):  A5 | seq | F0 | addr lo | addr hi | n - 1 |
//!                                    n deltas of 8 bytes (LE) | crc32 (4 bytes, MSB first)
//! response (board → host, 12 bytes): 5A | seq | status | data 0..7 (LE) | crc
//! ```
//! - `crc` is CRC-8 (polynomial 0x07, initial 0, no reflection, no final XOR) over every byte
//!   after the sync byte; the CRC of a frame including its CRC byte is therefore 0, which is
//!   how the decoder checks it.
//! - A batch frame ([`BATCH_ACCUM_OP`]) XORs n deltas (1 to [`MAX_BATCH_DELTAS`]) into one
//!   context, in order, all or none. Its check is CRC-32/MPEG-2 ([`crc32`]) over every byte
//!   after the sync byte, sent most significant byte first, so again the CRC over the whole
//!   frame is 0. A count above [`MAX_BATCH_DELTAS`] is answered [`FrameStatus::BadCount`].
//! - Every command frame is answered by one response frame with the same `seq`. A frame with
//!   the `seq` of the last frame the board applied is not applied again: the board re-sends the
//!   stored response. So a host that retransmits after losing a response never doubles a delta.
//! - A frame with a bad CRC is dropped without an answer; so is a frame that stalls: after
//!   [`IDLE_TIMEOUT_BITS`] bit times without a byte the decoder returns to hunting for `A5`.
//!   A host waiting longer than that before retransmitting always finds the decoder hunting.
//! - The board handles one frame at a time (stop and wait); bytes arriving while it answers
//!   are dropped, and their frame is retransmitted by the host.

/// First byte of a command frame.
pub const COMMAND_SYNC: u8 = 0xA5;
/// First byte of a response frame.
pub const RESPONSE_SYNC: u8 = 0x5A;
/// Bytes in a command frame.
pub const COMMAND_LEN: usize = 14;
/// Bytes in a response frame.
pub const RESPONSE_LEN: usize = 12;
/// Bit times of silence after which a partly received frame is abandoned.
pub const IDLE_TIMEOUT_BITS: u32 = 40;
/// The `op` byte of a batch frame. Far (four or more bit flips) from every core opcode
/// (0 to 8), so a corrupted batch header is unlikely to pass as a short CRC-8 frame.
pub const BATCH_ACCUM_OP: u8 = 0xF0;
/// Most deltas in one batch frame: the board's frame buffer holds 8 x this many bytes
/// (512: one block RAM on iCE40, ECP5 and Gowin). At 64 deltas a frame costs 522 bytes on the
/// wire for 512 bytes of deltas, plus a 12-byte answer: 95.9 % of the raw rate before the
/// board's turnaround.
pub const MAX_BATCH_DELTAS: usize = 64;
/// Bytes of a batch frame's header after the sync byte: seq, op, addr (2), n - 1.
pub const BATCH_HEADER_LEN: usize = 5;
/// Bytes of a batch frame's CRC-32.
pub const BATCH_CRC_LEN: usize = 4;

/// Bytes of a batch frame carrying `n` deltas.
pub const fn batch_len(n: usize) -> usize {
    1 + BATCH_HEADER_LEN + 8 * n + BATCH_CRC_LEN
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
}

impl FrameStatus {
    pub fn from_byte(b: u8) -> Option<FrameStatus> {
        match b {
            0 => Some(FrameStatus::Ok),
            1 => Some(FrameStatus::IllegalOp),
            2 => Some(FrameStatus::BadCount),
            _ => None,
        }
    }

    /// What the status means, for error messages.
    pub fn meaning(self) -> &'static str {
        match self {
            FrameStatus::Ok => "applied",
            FrameStatus::IllegalOp => "illegal opcode",
            FrameStatus::BadCount => "batch count out of range",
        }
    }
}

/// CRC-8/SMBUS step: `crc` after one more `byte`.
pub fn crc8_update(crc: u8, byte: u8) -> u8 {
    let mut c = crc ^ byte;
    for _ in 0..8 {
        c = if c & 0x80 != 0 {
            (c << 1) ^ 0x07
        } else {
            c << 1
        };
    }
    c
}

/// CRC-8 of `bytes`, starting from 0.
pub fn crc8(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |c, &b| crc8_update(c, b))
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
    let crc = crc32(&f[1..]);
    f.extend_from_slice(&crc.to_be_bytes());
    f
}

/// A command frame.
pub fn encode_command(seq: u8, op: u8, addr: u16, data: u64) -> [u8; COMMAND_LEN] {
    let mut f = [0u8; COMMAND_LEN];
    f[0] = COMMAND_SYNC;
    f[1] = seq;
    f[2] = op;
    f[3..5].copy_from_slice(&addr.to_le_bytes());
    f[5..13].copy_from_slice(&data.to_le_bytes());
    f[13] = crc8(&f[1..13]);
    f
}

/// A response frame (what the board sends).
pub fn encode_response(seq: u8, status: u8, data: u64) -> [u8; RESPONSE_LEN] {
    let mut f = [0u8; RESPONSE_LEN];
    f[0] = RESPONSE_SYNC;
    f[1] = seq;
    f[2] = status;
    f[3..11].copy_from_slice(&data.to_le_bytes());
    f[11] = crc8(&f[1..11]);
    f
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
    #[error("response frame CRC {got:#04x} does not match its bytes (expected {expected:#04x})")]
    Crc { got: u8, expected: u8 },
}

/// Decodes and checks a response frame.
pub fn decode_response(bytes: &[u8]) -> Result<Response, FrameError> {
    if bytes.len() != RESPONSE_LEN {
        return Err(FrameError::Length(bytes.len()));
    }
    if bytes[0] != RESPONSE_SYNC {
        return Err(FrameError::Sync(bytes[0]));
    }
    let expected = crc8(&bytes[1..11]);
    if bytes[11] != expected {
        return Err(FrameError::Crc {
            got: bytes[11],
            expected,
        });
    }
    let mut data = [0u8; 8];
    data.copy_from_slice(&bytes[3..11]);
    Ok(Response {
        seq: bytes[1],
        status: bytes[2],
        data: u64::from_le_bytes(data),
    })
}

/// The CRC step as XOR equations for hardware: for each output bit, the input bits it XORs,
/// as `(crc_mask, byte_mask)`. The step is linear over GF(2) (no initial value or final XOR
/// inside it), so feeding unit vectors through [`crc8_update`] recovers its matrix exactly.
pub fn crc8_equations() -> [(u8, u8); 8] {
    let mut eq = [(0u8, 0u8); 8];
    for i in 0..8 {
        let from_crc = crc8_update(1 << i, 0);
        let from_byte = crc8_update(0, 1 << i);
        for (out, e) in eq.iter_mut().enumerate() {
            if from_crc >> out & 1 == 1 {
                e.0 |= 1 << i;
            }
            if from_byte >> out & 1 == 1 {
                e.1 |= 1 << i;
            }
        }
    }
    eq
}

/// The CRC-32 step as XOR equations, like [`crc8_equations`]: `(crc_mask, byte_mask)` per
/// output bit.
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
    fn crc8_matches_the_published_check_value() {
        // CRC-8/SMBUS check value for "123456789".
        assert_eq!(crc8(b"123456789"), 0xF4);
    }

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
        assert_eq!(crc8(&f[1..]), 0);
        let r = encode_response(7, 0, 42);
        assert_eq!(crc8(&r[1..]), 0);
    }

    #[test]
    fn equations_reproduce_the_step() {
        let eq = crc8_equations();
        for crc in 0..=255u8 {
            for byte in [0u8, 1, 0x5A, 0xA5, 0xFF, crc.rotate_left(3)] {
                let mut out = 0u8;
                for (bit, (cm, bm)) in eq.iter().enumerate() {
                    let parity = ((crc & cm).count_ones() + (byte & bm).count_ones()) & 1;
                    out |= (parity as u8) << bit;
                }
                assert_eq!(out, crc8_update(crc, byte));
            }
        }
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
