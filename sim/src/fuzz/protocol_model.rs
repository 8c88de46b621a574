//! The link protocol in software, as the fuzzer's reference: which bytes make a frame the
//! board must take (the decoder's rule: hunt for `A5`, take 13 more bytes, accept when the CRC
//! over them is 0), and what the board must answer to it (exactly once per sequence number,
//! from the algebra). Written from `docs/protocol.md` and `atomik_hdl::link::frame`, not from
//! the RTL, so the fuzzer compares two independent readings of the protocol.

use crate::generator_model::GeneratorModel;
use crate::model::Table;
use atomik_hdl::lanes::single::StatusReg;
use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::link::frame::{crc8, FrameStatus, COMMAND_LEN, COMMAND_SYNC};
use atomik_hdl::Op;

/// Highest opcode the link passes to the core (8 STATUS); higher ones are refused.
const LAST_CORE_OP: u8 = 8;

/// What a hunting decoder makes of bytes arriving back to back (no idle gap among them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scan {
    /// A frame passed the CRC; it ends at byte `end` (exclusive). The decoder answers it and
    /// drops bytes arriving meanwhile, so a caller cuts its bytes there.
    Accepted {
        end: usize,
        frame: [u8; COMMAND_LEN],
    },
    /// The bytes end inside a frame: the decoder waits, and abandons it after the idle
    /// timeout.
    Partial,
    /// The decoder is hunting when the bytes end (no frame, or only frames with bad CRCs).
    Hunting,
}

/// Runs the decoder's rule over `bytes`, starting from the hunting state.
pub fn scan(bytes: &[u8]) -> Scan {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != COMMAND_SYNC {
            i += 1;
            continue;
        }
        if i + COMMAND_LEN > bytes.len() {
            return Scan::Partial;
        }
        let window = &bytes[i..i + COMMAND_LEN];
        if crc8(&window[1..]) == 0 {
            let mut frame = [0u8; COMMAND_LEN];
            frame.copy_from_slice(window);
            return Scan::Accepted {
                end: i + COMMAND_LEN,
                frame,
            };
        }
        // A bad CRC sends the decoder back to hunting from the byte after the window.
        i += COMMAND_LEN;
    }
    Scan::Hunting
}

/// A command frame's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Command {
    pub seq: u8,
    pub op: u8,
    pub addr: u16,
    pub data: u64,
}

impl Command {
    pub fn from_frame(frame: &[u8; COMMAND_LEN]) -> Command {
        let mut data = [0u8; 8];
        data.copy_from_slice(&frame[5..13]);
        Command {
            seq: frame[1],
            op: frame[2],
            addr: u16::from_le_bytes([frame[3], frame[4]]),
            data: u64::from_le_bytes(data),
        }
    }
}

/// The answer the board owes a frame it took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected {
    pub seq: u8,
    pub status: u8,
    /// `None` where the value depends on timing the protocol does not fix (the clock
    /// counter, STATUS register 4).
    pub data: Option<u64>,
    /// The context the answer reports the state of (READ, SWAP, SWAP_LOAD), for attributing
    /// a wrong state.
    pub state_of: Option<u64>,
    /// Whether this frame was a retransmission answered from the stored response.
    pub repeated: bool,
}

/// The board as the protocol describes it: its contexts, and the last frame's sequence number
/// and response.
pub struct BoardModel {
    config: LanesConfig,
    table: Table,
    /// Nothing here runs the generator (the fuzzer keeps GEN_RUN out), so its registers stay
    /// at their reset values.
    generator: GeneratorModel,
    last: Option<Expected>,
}

impl BoardModel {
    pub fn new(config: LanesConfig) -> BoardModel {
        BoardModel {
            config,
            table: Table::new(config.width, config.contexts as u64)
                .expect("a validated LanesConfig is a valid model table"),
            generator: GeneratorModel::new(config.lanes),
            last: None,
        }
    }

    /// The context an address reaches: the core takes log2(contexts) address bits (single
    /// mode has one context and ignores the address).
    pub fn context_of(&self, addr: u16) -> u64 {
        addr as u64 & (self.config.contexts as u64 - 1)
    }

    pub fn contexts(&self) -> u32 {
        self.config.contexts
    }

    /// The sequence number of the last frame taken (a new command must not reuse it).
    pub fn last_seq(&self) -> Option<u8> {
        self.last.map(|e| e.seq)
    }

    /// Takes a frame that passed the CRC and returns the answer it is owed.
    pub fn take(&mut self, c: Command) -> Expected {
        if let Some(last) = self.last {
            if last.seq == c.seq {
                return Expected {
                    repeated: true,
                    ..last
                };
            }
        }
        let ctx = self.context_of(c.addr);
        let t = &mut self.table;
        let in_range = "context_of keeps the address in range";
        let (status, data, state_of) = if c.op > LAST_CORE_OP {
            (FrameStatus::IllegalOp as u8, Some(0), None)
        } else {
            let ok = FrameStatus::Ok as u8;
            match Op::from_code(c.op) {
                Some(Op::Load) => {
                    t.load(ctx, c.data).expect(in_range);
                    (ok, Some(0), None)
                }
                Some(Op::Accum) => {
                    t.accum(ctx, c.data).expect(in_range);
                    (ok, Some(0), None)
                }
                Some(Op::Read) => (ok, Some(t.read(ctx).expect(in_range)), Some(ctx)),
                Some(Op::Swap) => (ok, Some(t.swap(ctx, None).expect(in_range)), Some(ctx)),
                Some(Op::SwapLoad) => (
                    ok,
                    Some(t.swap(ctx, Some(c.data)).expect(in_range)),
                    Some(ctx),
                ),
                _ if c.op == crate::lanes_model::OP_STATUS => {
                    if c.data == StatusReg::Clock as u64 {
                        (ok, None, None)
                    } else {
                        (
                            ok,
                            Some(self.generator.status(c.data, &self.config, 0)),
                            None,
                        )
                    }
                }
                // NOP and GEN_SEED change no state a response shows.
                _ => (ok, Some(0), None),
            }
        };
        let e = Expected {
            seq: c.seq,
            status,
            data,
            state_of,
            repeated: false,
        };
        self.last = Some(e);
        e
    }

    /// The state of context `ctx` (reference XOR accumulator).
    pub fn state(&self, ctx: u64) -> u64 {
        self.table.read(ctx).expect("context in range")
    }

    /// Adopts a state the board showed after a mismatch was counted, so that one fault is
    /// counted once rather than in every later answer. Only `reference ^ accumulator` is
    /// visible through the protocol, so a LOAD of it reproduces every later answer.
    pub fn adopt(&mut self, ctx: u64, state: u64) {
        self.table.load(ctx, state).expect("context in range");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use atomik_hdl::link::frame::encode_command;

    #[test]
    fn scan_follows_the_decoder_rule() {
        let good = encode_command(3, 2, 0, 7);
        assert_eq!(
            scan(&good),
            Scan::Accepted {
                end: COMMAND_LEN,
                frame: good
            }
        );
        assert_eq!(scan(&good[..9]), Scan::Partial);
        assert_eq!(scan(&[1, 2, 3]), Scan::Hunting);
        let mut bad = good;
        bad[13] ^= 1;
        assert_eq!(scan(&bad), Scan::Hunting);
        // A false sync swallows the start of the good frame that follows it.
        let mut spliced = vec![COMMAND_SYNC];
        spliced.extend_from_slice(&good);
        assert!(!matches!(scan(&spliced), Scan::Accepted { .. }));
    }

    #[test]
    fn a_repeated_sequence_number_is_answered_once() {
        let mut m = BoardModel::new(LanesConfig::table(1, 4).unwrap());
        let accum = Command {
            seq: 9,
            op: Op::Accum as u8,
            addr: 1,
            data: 5,
        };
        assert!(!m.take(accum).repeated);
        assert!(m.take(accum).repeated);
        assert_eq!(m.state(1), 5);
        // Address bits above log2(contexts) are ignored: 5 reaches context 1.
        let read = Command {
            seq: 10,
            op: Op::Read as u8,
            addr: 5,
            data: 0,
        };
        assert_eq!(m.take(read).data, Some(5));
    }
}
