//! The link's frames (protocol v0), defined once here for the RTL decoder and the host.
//!
//! ```text
//! command  (host → board, 14 bytes): A5 | seq | op | addr lo | addr hi | data 0..7 (LE) | crc
//! response (board → host, 12 bytes): 5A | seq | status | data 0..7 (LE) | crc
//! ```
//! - `crc` is CRC-8 (polynomial 0x07, initial 0, no reflection, no final XOR) over every byte
//!   after the sync byte; the CRC of a frame including its CRC byte is therefore 0, which is
//!   how the decoder checks it.
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

/// Status byte of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum FrameStatus {
    /// Applied; `data` is the core's response (0 for ops without one).
    Ok = 0,
    /// The opcode is not one the core implements; nothing was applied.
    IllegalOp = 1,
}

impl FrameStatus {
    pub fn from_byte(b: u8) -> Option<FrameStatus> {
        match b {
            0 => Some(FrameStatus::Ok),
            1 => Some(FrameStatus::IllegalOp),
            _ => None,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc8_matches_the_published_check_value() {
        // CRC-8/SMBUS check value for "123456789".
        assert_eq!(crc8(b"123456789"), 0xF4);
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
