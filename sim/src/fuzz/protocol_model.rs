//! The link protocol (v2) in software, as the fuzzer's reference: which bytes make a frame the
//! board must take (the decoder's rule: hunt for `A5`; a frame whose op byte is `F0` is a
//! batch of `8 (n1 + 1) + 18` bytes, `n1` its sixth byte; any other is a 17-byte command;
//! either is accepted when the CRC-32 over all but the sync byte is 0), and what the board
//! must answer to it: STATUS frames status 4 and the register, outside the sequence; else the
//! sequence rule (the last seq re-answered from the stored response, the next one applied from
//! the algebra, any other answered status 3 with the seq expected); a batch count above 64 is
//! answered status 2 and applies nothing.
//! Written from `docs/protocol.md` and `atomik_hdl::link::frame`, not from the RTL, so the
//! fuzzer compares two independent readings of the protocol.

use crate::generator_model::GeneratorModel;
use crate::model::Table;
use atomik_hdl::lanes::single::StatusReg;
use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::link::frame::{
    batch_len, crc32, FrameStatus, BATCH_ACCUM_OP, BATCH_HEADER_LEN, COMMAND_LEN, COMMAND_SYNC,
    LINK_SEQ_REG, MAX_BATCH_DELTAS, STATUS_OP,
};
use atomik_hdl::Op;

/// Highest opcode the link passes to the core (8 STATUS); higher ones are refused.
const LAST_CORE_OP: u8 = 8;

/// What a hunting decoder makes of bytes arriving back to back (no idle gap among them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scan {
    /// A frame passed the CRC; it ends at byte `end` (exclusive). The decoder answers it and
    /// drops bytes arriving meanwhile, so a caller cuts its bytes there.
    Accepted {
        start: usize,
        end: usize,
        frame: Taken,
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
        // The op byte decides the frame's shape: a batch's length comes from its count byte.
        let is_batch = bytes.get(i + 2) == Some(&BATCH_ACCUM_OP);
        let len = if is_batch {
            match bytes.get(i + BATCH_HEADER_LEN) {
                Some(&n1) => batch_len(n1 as usize + 1),
                None => return Scan::Partial,
            }
        } else {
            COMMAND_LEN
        };
        if i + len > bytes.len() {
            return Scan::Partial;
        }
        let window = &bytes[i..i + len];
        if crc32(&window[1..]) != 0 {
            // A bad CRC sends the decoder back to hunting from the byte after the window.
            i += len;
            continue;
        }
        if is_batch {
            return Scan::Accepted {
                start: i,
                end: i + len,
                frame: Taken::Batch(Batch::from_frame(window)),
            };
        } else {
            let mut frame = [0u8; COMMAND_LEN];
            frame.copy_from_slice(window);
            return Scan::Accepted {
                start: i,
                end: i + len,
                frame: Taken::Command(Command::from_frame(&frame)),
            };
        }
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

/// A batch frame's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub seq: u8,
    pub addr: u16,
    /// The count byte (deltas - 1); above 63 the board refuses the frame.
    pub n1: u8,
    pub deltas: Vec<u64>,
}

impl Batch {
    /// Reads a batch frame whose length matches its count byte.
    pub fn from_frame(frame: &[u8]) -> Batch {
        let payload = &frame[1 + BATCH_HEADER_LEN..frame.len() - 4];
        Batch {
            seq: frame[1],
            addr: u16::from_le_bytes([frame[3], frame[4]]),
            n1: frame[5],
            deltas: payload
                .chunks_exact(8)
                .map(|c| u64::from_le_bytes(c.try_into().expect("8-byte chunk")))
                .collect(),
        }
    }

    /// What the batch would do to its context if applied whole: one ACCUM of the XOR of its
    /// deltas (for attributing a wrong state to a rejected batch).
    pub fn as_accum(&self) -> Command {
        Command {
            seq: self.seq,
            op: Op::Accum as u8,
            addr: self.addr,
            data: self.deltas.iter().fold(0, |a, d| a ^ d),
        }
    }
}

/// A frame the decoder took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    Command(Command),
    Batch(Batch),
}

impl Taken {
    pub fn seq(&self) -> u8 {
        match self {
            Taken::Command(c) => c.seq,
            Taken::Batch(b) => b.seq,
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
    /// Whether the frame was refused for its seq (status 3: neither the last nor the next).
    pub out_of_order: bool,
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

    /// Takes a frame that passed its CRC and returns the answer it is owed.
    pub fn take_frame(&mut self, t: &Taken) -> Expected {
        match t {
            Taken::Command(c) => self.take(*c),
            Taken::Batch(b) => self.take_batch(b),
        }
    }

    /// The sequence rule: the stored answer when `seq` is the last frame's (a retransmission,
    /// of any kind), "out of order" when it is neither that nor the next; `None`: apply it.
    fn sequence_rule(&self, seq: u8) -> Option<Expected> {
        let last = self.last?;
        if last.seq == seq {
            return Some(Expected {
                repeated: true,
                ..last
            });
        }
        let expected = last.seq.wrapping_add(1);
        (seq != expected).then_some(Expected {
            seq,
            status: FrameStatus::OutOfOrder as u8,
            data: Some(expected as u64),
            state_of: None,
            repeated: false,
            out_of_order: true,
        })
    }

    /// The STATUS register `reg` ([`LINK_SEQ_REG`] is the link's own).
    fn status_register(&self, reg: u64) -> Option<u64> {
        if reg == LINK_SEQ_REG {
            Some(self.last.map_or(0, |l| 0x100 | l.seq as u64))
        } else if reg == StatusReg::Clock as u64 {
            None
        } else {
            Some(self.generator.status(reg, &self.config, 0))
        }
    }

    /// Takes a batch frame that passed the CRC-32: its deltas XORed into its context in
    /// order, or (a count above the maximum) status 2 and nothing applied.
    pub fn take_batch(&mut self, b: &Batch) -> Expected {
        if let Some(e) = self.sequence_rule(b.seq) {
            return e;
        }
        let status = if b.n1 as usize >= MAX_BATCH_DELTAS {
            FrameStatus::BadCount as u8
        } else {
            let ctx = self.context_of(b.addr);
            for &d in &b.deltas {
                self.table
                    .accum(ctx, d)
                    .expect("context_of keeps it in range");
            }
            FrameStatus::Ok as u8
        };
        let e = Expected {
            seq: b.seq,
            status,
            data: Some(0),
            state_of: None,
            repeated: false,
            out_of_order: false,
        };
        self.last = Some(e);
        e
    }

    /// Takes a command frame that passed the CRC-32 and returns the answer it is owed.
    pub fn take(&mut self, c: Command) -> Expected {
        if c.op == STATUS_OP {
            // Read-only, whatever its seq: not stored, the sequence state untouched.
            return Expected {
                seq: c.seq,
                status: FrameStatus::Register as u8,
                data: self.status_register(c.data),
                state_of: None,
                repeated: false,
                out_of_order: false,
            };
        }
        if let Some(e) = self.sequence_rule(c.seq) {
            return e;
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
            out_of_order: false,
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
    use atomik_hdl::link::frame::{encode_batch, encode_batch_unchecked, encode_command};

    #[test]
    fn scan_follows_the_decoder_rule() {
        let good = encode_command(3, 2, 0, 7);
        assert_eq!(
            scan(&good),
            Scan::Accepted {
                start: 0,
                end: COMMAND_LEN,
                frame: Taken::Command(Command::from_frame(&good))
            }
        );
        assert_eq!(scan(&good[..9]), Scan::Partial);
        assert_eq!(scan(&[1, 2, 3]), Scan::Hunting);
        let mut bad = good;
        bad[COMMAND_LEN - 1] ^= 1;
        assert_eq!(scan(&bad), Scan::Hunting);
        // A false sync swallows the start of the good frame that follows it.
        let mut spliced = vec![COMMAND_SYNC];
        spliced.extend_from_slice(&good);
        assert!(!matches!(scan(&spliced), Scan::Accepted { .. }));
    }

    #[test]
    fn scan_reads_batch_frames_by_their_count_byte() {
        let batch = encode_batch(4, 2, &[1, 2, 3]).unwrap();
        match scan(&batch) {
            Scan::Accepted {
                end,
                frame: Taken::Batch(b),
                ..
            } => {
                assert_eq!(end, batch.len());
                assert_eq!((b.seq, b.addr, b.n1, b.deltas), (4, 2, 2, vec![1, 2, 3]));
            }
            other => panic!("{other:?}"),
        }
        // Cut anywhere, including before the count byte, the decoder waits.
        for keep in 1..batch.len() {
            assert_eq!(scan(&batch[..keep]), Scan::Partial, "{keep}");
        }
        // A command whose op byte became F0 is read as a batch of data[0] + 1 deltas: the
        // decoder waits for that many bytes whatever the CRC says.
        let mut c = encode_command(3, 2, 0, 7);
        c[2] = BATCH_ACCUM_OP;
        let crc = crc32(&c[1..13]);
        c[13..].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(scan(&c), Scan::Partial);
        // A count one too high (CRC over the bytes sent) waits; one too low misplaces the CRC.
        let mut long = encode_batch_unchecked(5, 0, 3, &[1, 2, 3]);
        assert_eq!(scan(&long), Scan::Partial);
        long = encode_batch_unchecked(5, 0, 1, &[1, 2, 3]);
        assert_eq!(scan(&long), Scan::Hunting);
    }

    #[test]
    fn a_batch_is_applied_whole_or_refused_for_its_count() {
        let mut m = BoardModel::new(LanesConfig::table(1, 4).unwrap());
        let b = Batch {
            seq: 1,
            addr: 6,
            n1: 1,
            deltas: vec![3, 5],
        };
        assert_eq!(m.take_batch(&b).status, 0);
        assert_eq!(m.state(2), 6);
        assert!(m.take_batch(&b).repeated);
        assert_eq!(m.state(2), 6);
        let too_many = Batch {
            seq: 2,
            addr: 2,
            n1: 64,
            deltas: vec![1; 65],
        };
        assert_eq!(m.take_batch(&too_many).status, FrameStatus::BadCount as u8);
        assert_eq!(m.state(2), 6);
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
        // An older or later seq is refused, naming the one expected; STATUS stands outside.
        for seq in [8, 11, 200] {
            let e = m.take(Command { seq, ..accum });
            assert!(e.out_of_order && e.data == Some(10), "{e:?}");
        }
        let status = Command {
            seq: 9,
            op: STATUS_OP,
            addr: 0,
            data: LINK_SEQ_REG,
        };
        assert_eq!(m.take(status).data, Some(0x109));
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
