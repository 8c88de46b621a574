//! What the fuzzer feeds the board, one unit at a time: a valid frame, or one mutated the ways
//! a link goes wrong. Every kind is one function in [`KINDS`]; adding a kind (a batch frame, a
//! wrong length field) is one function and one row.

use crate::cosim::SplitMix64;
use crate::fuzz::protocol_model::{Batch, Command};
use crate::lanes_model::{OP_GEN_SEED, OP_STATUS};
use atomik_hdl::link::frame::{
    batch_len, encode_batch_unchecked, encode_command, BATCH_ACCUM_OP, BATCH_HEADER_LEN,
    COMMAND_LEN, COMMAND_SYNC, LINK_SEQ_REG, MAX_BATCH_DELTAS,
};
use atomik_hdl::Op;

/// A kind of unit: its name in reports, how often it is drawn, and how it is made.
pub struct Kind {
    pub name: &'static str,
    /// Relative weight in the mix.
    pub weight: u32,
    /// Whether the unit is meant to be taken (a valid frame or a retransmission); any other
    /// unit the board takes passed the CRC by chance and is counted as a collision.
    pub meant_valid: bool,
    pub make: fn(&mut FrameGen) -> Vec<u8>,
}

/// The mix. Valid frames dominate so that state builds up and every mutated unit lands
/// between checked answers.
pub const KINDS: &[Kind] = &[
    Kind {
        name: "valid",
        weight: 40,
        meant_valid: true,
        make: valid,
    },
    Kind {
        name: "duplicate",
        weight: 8,
        meant_valid: true,
        make: duplicate,
    },
    Kind {
        name: "bit_flip",
        weight: 10,
        meant_valid: false,
        make: bit_flip,
    },
    Kind {
        name: "truncated",
        weight: 8,
        meant_valid: false,
        make: truncated,
    },
    Kind {
        name: "wrong_crc",
        weight: 8,
        meant_valid: false,
        make: wrong_crc,
    },
    Kind {
        name: "garbage",
        weight: 8,
        meant_valid: false,
        make: garbage,
    },
    Kind {
        name: "false_sync",
        weight: 6,
        meant_valid: false,
        make: false_sync,
    },
    Kind {
        name: "wrong_length",
        weight: 6,
        meant_valid: false,
        make: wrong_length,
    },
    Kind {
        name: "spliced",
        weight: 6,
        meant_valid: false,
        make: spliced,
    },
    // Protocol v1 batch frames. Mostly short (a long batch costs as many bytes as dozens of
    // command units), so every kind still gets thousands of draws in 10^6 bytes.
    Kind {
        name: "batch",
        weight: 6,
        meant_valid: true,
        make: batch,
    },
    Kind {
        name: "batch_duplicate",
        weight: 4,
        meant_valid: true,
        make: batch_duplicate,
    },
    Kind {
        name: "batch_over_64",
        weight: 2,
        meant_valid: true,
        make: batch_over_64,
    },
    Kind {
        name: "batch_bit_flip",
        weight: 4,
        meant_valid: false,
        make: batch_bit_flip,
    },
    Kind {
        name: "batch_truncated",
        weight: 3,
        meant_valid: false,
        make: batch_truncated,
    },
    Kind {
        name: "batch_wrong_crc",
        weight: 3,
        meant_valid: false,
        make: batch_wrong_crc,
    },
    Kind {
        name: "batch_wrong_count",
        weight: 3,
        meant_valid: false,
        make: batch_wrong_count,
    },
    Kind {
        name: "batch_over_long",
        weight: 3,
        meant_valid: false,
        make: batch_over_long,
    },
    // Protocol v2's sequence rule.
    Kind {
        name: "stale_seq",
        weight: 7,
        meant_valid: true,
        make: stale_seq,
    },
    Kind {
        name: "reorder",
        weight: 7,
        meant_valid: true,
        make: reorder,
    },
];

/// Valid frames remembered for [`reorder`] (a delayed copy arrives up to this many frames
/// late).
const HISTORY: usize = 8;

/// Random frames with fresh sequence numbers, and the last valid frame for duplicates.
pub struct FrameGen {
    pub rng: SplitMix64,
    contexts: u32,
    seq: u8,
    /// The board's last sequence number: a new command must not reuse it.
    pub board_last_seq: Option<u8>,
    last_valid: Option<Vec<u8>>,
    /// The last valid batch frame, for batch retransmissions.
    last_batch: Option<Vec<u8>>,
    /// The last [`HISTORY`] valid frames, oldest first, for stale copies.
    history: std::collections::VecDeque<Vec<u8>>,
    /// Draw `batch_duplicate` next: its batch is retransmitted after the board answers it.
    retransmit_batch_next: bool,
    /// The command a mutated unit was made from, a batch as the ACCUM of its deltas' XOR (for
    /// attributing a wrong state to it).
    pub intended: Option<Command>,
    total_weight: u32,
}

impl FrameGen {
    pub fn new(seed: u64, contexts: u32) -> FrameGen {
        FrameGen {
            rng: SplitMix64::new(seed),
            contexts,
            seq: 0,
            board_last_seq: None,
            last_valid: None,
            last_batch: None,
            history: std::collections::VecDeque::new(),
            retransmit_batch_next: false,
            intended: None,
            total_weight: KINDS.iter().map(|k| k.weight).sum(),
        }
    }

    /// Draws a kind by weight.
    pub fn pick(&mut self) -> &'static Kind {
        if std::mem::take(&mut self.retransmit_batch_next) {
            return KINDS
                .iter()
                .find(|k| k.name == "batch_duplicate")
                .expect("batch_duplicate is a kind");
        }
        let mut r = self.rng.below(self.total_weight as u64) as u32;
        for k in KINDS {
            if r < k.weight {
                return k;
            }
            r -= k.weight;
        }
        unreachable!("weights sum to total_weight")
    }

    fn below(&mut self, n: u64) -> u64 {
        self.rng.below(n)
    }

    /// The seq a host sends next: the one after the board's last (the only one it applies),
    /// or any after a reset.
    fn next_seq(&mut self) -> u8 {
        self.seq = match self.board_last_seq {
            Some(last) => last.wrapping_add(1),
            None => self.seq.wrapping_add(1),
        };
        self.seq
    }

    fn remember(&mut self, frame: &[u8]) {
        if self.history.len() == HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(frame.to_vec());
    }

    /// An address: mostly one of a few hot contexts (so reads see accumulated deltas),
    /// sometimes any context, sometimes beyond the table (the core ignores the high bits).
    fn addr(&mut self) -> u16 {
        match self.below(10) {
            0..=6 => self.below(self.contexts.min(4) as u64) as u16,
            7 | 8 => self.below(self.contexts as u64) as u16,
            _ => self.rng.next_u64() as u16,
        }
    }

    /// A command as the host would send it: LOAD, ACCUM, READ, SWAP, SWAP_LOAD, NOP, STATUS,
    /// GEN_SEED or an opcode the core does not have. GEN_RUN is left out: its run would need
    /// the generator's prediction and holds the core for up to 2^40 clocks.
    pub fn command(&mut self) -> [u8; COMMAND_LEN] {
        let op = match self.below(100) {
            0..=34 => Op::Accum as u8,
            35..=54 => Op::Read as u8,
            55..=64 => Op::Load as u8,
            65..=72 => Op::Swap as u8,
            73..=77 => Op::SwapLoad as u8,
            78..=80 => Op::Nop as u8,
            81..=88 => OP_STATUS,
            89..=90 => OP_GEN_SEED,
            // An opcode the core lacks, never the batch op: a host cannot send a 17-byte
            // frame with op F0 (the board reads it as a batch header).
            _ => match 9 + self.below(246) as u8 {
                op if op >= BATCH_ACCUM_OP => op + 1,
                op => op,
            },
        };
        let data = if op == OP_STATUS {
            self.below(LINK_SEQ_REG + 1)
        } else {
            self.rng.next_u64()
        };
        let (seq, addr) = (self.next_seq(), self.addr());
        encode_command(seq, op, addr, data)
    }

    /// A command to mutate, remembered as the unit's intent.
    fn intended_command(&mut self) -> [u8; COMMAND_LEN] {
        let f = self.command();
        self.intended = Some(Command::from_frame(&f));
        f
    }

    /// A delta count: mostly a few, sometimes up to the maximum.
    fn batch_count(&mut self) -> usize {
        match self.below(10) {
            0..=5 => 1 + self.below(4) as usize,
            6..=8 => 5 + self.below(12) as usize,
            _ => 17 + self.below(MAX_BATCH_DELTAS as u64 - 16) as usize,
        }
    }

    /// A valid batch frame of `n` deltas (fresh sequence number; any address, as for
    /// commands) carrying `count_minus_1` in its count byte.
    fn batch_frame(&mut self, count_minus_1: u8, n: usize) -> Vec<u8> {
        let (seq, addr) = (self.next_seq(), self.addr());
        let deltas: Vec<u64> = (0..n).map(|_| self.rng.next_u64()).collect();
        encode_batch_unchecked(seq, addr, count_minus_1, &deltas)
    }

    /// A valid batch to mutate, remembered as the unit's intent.
    fn intended_batch(&mut self) -> Vec<u8> {
        let n = self.batch_count();
        let f = self.batch_frame(n as u8 - 1, n);
        self.intended = Some(Batch::from_frame(&f).as_accum());
        f
    }

    /// `n` different bit positions below `bits` (flipping one bit twice would undo it and
    /// leave a valid frame that is no mutation at all).
    fn distinct_bits(&mut self, n: usize, bits: usize) -> Vec<usize> {
        let mut chosen: Vec<usize> = Vec::with_capacity(n);
        while chosen.len() < n.min(bits) {
            let bit = self.below(bits as u64) as usize;
            if !chosen.contains(&bit) {
                chosen.push(bit);
            }
        }
        chosen
    }

    fn random_bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.rng.next_u64() as u8).collect()
    }
}

fn valid(g: &mut FrameGen) -> Vec<u8> {
    let f = g.command().to_vec();
    g.last_valid = Some(f.clone());
    g.remember(&f);
    f
}

/// The last valid frame again, same sequence number: a host's retransmission. Only while it
/// is the board's last frame (a host retransmits only the command it waits for); otherwise a
/// new valid frame.
fn duplicate(g: &mut FrameGen) -> Vec<u8> {
    match &g.last_valid {
        Some(f) if Some(f[1]) == g.board_last_seq => f.clone(),
        _ => valid(g),
    }
}

/// One to three bits flipped anywhere, the sync byte included (CRC-32 detects every error of
/// up to three bits in a frame this short).
fn bit_flip(g: &mut FrameGen) -> Vec<u8> {
    let mut f = g.intended_command();
    let n = 1 + g.below(3) as usize;
    for bit in g.distinct_bits(n, COMMAND_LEN * 8) {
        f[bit / 8] ^= 1 << (bit % 8);
    }
    f.to_vec()
}

/// A frame cut short; the decoder must time out.
fn truncated(g: &mut FrameGen) -> Vec<u8> {
    let f = g.intended_command();
    let keep = 1 + g.below(COMMAND_LEN as u64 - 1) as usize;
    f[..keep].to_vec()
}

/// A frame with one of its CRC bytes changed.
fn wrong_crc(g: &mut FrameGen) -> Vec<u8> {
    let mut f = g.intended_command();
    f[COMMAND_LEN - 1 - g.below(4) as usize] ^= 1 + g.below(255) as u8;
    f.to_vec()
}

/// 1 to 48 random bytes, with the sync byte far more common than chance.
fn garbage(g: &mut FrameGen) -> Vec<u8> {
    g.intended = None;
    let n = 1 + g.below(48) as usize;
    let mut b = g.random_bytes(n);
    for x in b.iter_mut() {
        if g.below(6) == 0 {
            *x = COMMAND_SYNC;
        }
    }
    b
}

/// Stray sync bytes right before a good frame: the decoder takes the first as a frame start
/// and swallows the real frame's start into a window whose CRC fails.
fn false_sync(g: &mut FrameGen) -> Vec<u8> {
    let f = g.intended_command();
    let mut b = vec![COMMAND_SYNC; 1 + g.below(3) as usize];
    b.extend_from_slice(&f);
    b
}

/// A byte inserted into or removed from a frame (a frame of 18 or 16 bytes).
fn wrong_length(g: &mut FrameGen) -> Vec<u8> {
    let mut b = g.intended_command().to_vec();
    let at = 1 + g.below(COMMAND_LEN as u64 - 1) as usize;
    if g.below(2) == 0 {
        // Not the byte it pushes along: inserted before the last byte, that would leave the
        // frame whole with one byte after it (no mutation at all).
        let v = b[at].wrapping_add(1 + g.below(255) as u8);
        b.insert(at, v);
    } else {
        b.remove(at);
    }
    b
}

/// A frame cut short, followed at once (no idle gap) by a complete frame: both are lost
/// unless the window across them passes the CRC by chance.
fn spliced(g: &mut FrameGen) -> Vec<u8> {
    let first = g.intended_command();
    let mut keep = 1 + g.below(COMMAND_LEN as u64 - 1) as usize;
    if keep == COMMAND_LEN - 1 && first[keep] == COMMAND_SYNC {
        // The second frame's sync byte would complete the first: no splice at all.
        keep -= 1;
    }
    let mut b = first[..keep].to_vec();
    b.extend_from_slice(&g.command());
    b
}

/// A valid batch of 1 to 64 deltas for one context.
fn batch(g: &mut FrameGen) -> Vec<u8> {
    let n = g.batch_count();
    let f = g.batch_frame(n as u8 - 1, n);
    g.last_valid = Some(f.clone());
    g.last_batch = Some(f.clone());
    g.remember(&f);
    f
}

/// The last valid batch again while it is the board's last frame (answered from the stored
/// response, its deltas not applied twice); otherwise a new batch, and this kind is drawn
/// again next so that the new batch is retransmitted.
fn batch_duplicate(g: &mut FrameGen) -> Vec<u8> {
    match &g.last_batch {
        Some(f) if Some(f[1]) == g.board_last_seq => f.clone(),
        _ => {
            g.retransmit_batch_next = true;
            batch(g)
        }
    }
}

/// A batch whose count byte says 65 to 256 deltas, with that many deltas and a good CRC-32:
/// the board must answer status 2 and apply nothing. Mostly just over the limit (a count
/// of 256 is a 2 066-byte frame).
fn batch_over_64(g: &mut FrameGen) -> Vec<u8> {
    let n = if g.below(8) == 0 {
        MAX_BATCH_DELTAS + 1 + g.below(192) as usize
    } else {
        MAX_BATCH_DELTAS + 1 + g.below(4) as usize
    };
    let f = g.batch_frame((n - 1) as u8, n);
    g.last_valid = Some(f.clone());
    f
}

/// One to three bits flipped in a batch frame: half the time in its header (sync, seq, op,
/// address, count), else anywhere (payload and CRC-32 included). CRC-32 catches every such
/// error at this length; a flipped op or count byte changes the frame's shape instead.
fn batch_bit_flip(g: &mut FrameGen) -> Vec<u8> {
    let mut f = g.intended_batch();
    let span = if g.below(2) == 0 {
        1 + BATCH_HEADER_LEN
    } else {
        f.len()
    };
    let n = 1 + g.below(3) as usize;
    for bit in g.distinct_bits(n, span * 8) {
        f[bit / 8] ^= 1 << (bit % 8);
    }
    f
}

/// A batch frame cut short anywhere (before the count byte too); the decoder must time out.
fn batch_truncated(g: &mut FrameGen) -> Vec<u8> {
    let mut f = g.intended_batch();
    let keep = 1 + g.below(f.len() as u64 - 1) as usize;
    f.truncate(keep);
    f
}

/// A batch frame whose CRC-32 bytes are changed.
fn batch_wrong_crc(g: &mut FrameGen) -> Vec<u8> {
    let mut f = g.intended_batch();
    let len = f.len();
    let at = len - 1 - g.below(4) as usize;
    f[at] ^= 1 + g.below(255) as u8;
    f
}

/// A count byte the payload does not match, the CRC-32 computed over the bytes sent: a count
/// too high leaves the decoder waiting (timeout), one too low puts the CRC inside the payload.
fn batch_wrong_count(g: &mut FrameGen) -> Vec<u8> {
    let n = g.batch_count();
    let n1 = loop {
        let c = g.below(MAX_BATCH_DELTAS as u64) as usize;
        if c != n - 1 {
            break c as u8;
        }
    };
    let f = g.batch_frame(n1, n);
    g.intended = Some(Batch::from_frame(&f).as_accum());
    f
}

/// Extra bytes inside a batch frame (payload or CRC), or deltas dropped, the count byte
/// unchanged: the decoder checks the CRC-32 at the wrong byte.
fn batch_over_long(g: &mut FrameGen) -> Vec<u8> {
    let mut f = g.intended_batch();
    let n = (f.len() - batch_len(0)) / 8;
    if g.below(4) == 0 && n > 1 {
        let drop = 1 + g.below(n as u64 - 1) as usize;
        let at = 1 + BATCH_HEADER_LEN;
        f.drain(at..at + 8 * drop);
    } else {
        // Inside the payload or the CRC (after the last byte would leave the frame whole).
        let at = 1 + BATCH_HEADER_LEN + g.below((f.len() - 1 - BATCH_HEADER_LEN) as u64) as usize;
        let k = 1 + g.below(16) as usize;
        let mut extra = g.random_bytes(k);
        // The first inserted byte differs from the one it pushes along, so the frame is
        // changed where the count says it ends.
        if extra[0] == f[at] {
            extra[0] ^= 0x5A;
        }
        f.splice(at..at, extra);
    }
    f
}

/// A valid command whose seq is neither the board's last nor the next (a host that lost
/// count, a frame from long ago): answered status 3 with the seq expected, nothing applied.
/// Before anything was applied every seq is taken, so it is then a plain valid frame.
fn stale_seq(g: &mut FrameGen) -> Vec<u8> {
    let Some(last) = g.board_last_seq else {
        return valid(g);
    };
    let mut f = loop {
        let f = g.command();
        if f[2] != OP_STATUS {
            break f;
        }
    };
    f[1] = last.wrapping_add(2 + g.below(254) as u8);
    // Re-encode with the new seq (same op, address and data).
    let c = Command::from_frame(&f);
    encode_command(f[1], c.op, c.addr, c.data).to_vec()
}

/// A delayed copy of one of the last few valid frames, arriving after newer ones (true
/// reordering): the last one is answered from the stored response, an older one (not STATUS)
/// is answered status 3; neither is applied again.
fn reorder(g: &mut FrameGen) -> Vec<u8> {
    if g.history.is_empty() {
        return valid(g);
    }
    let i = g.below(g.history.len() as u64) as usize;
    g.history[i].clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz::protocol_model::{scan, Scan};

    #[test]
    fn only_meant_valid_kinds_make_frames_that_pass_the_crc() {
        let mut g = FrameGen::new(7, 16);
        for k in KINDS {
            for _ in 0..200 {
                let unit = (k.make)(&mut g);
                let taken = matches!(scan(&unit), Scan::Accepted { .. });
                if k.meant_valid {
                    assert!(taken, "{}: {unit:02x?}", k.name);
                }
                // With CRC-32 on every frame a mutated unit passes only with probability
                // about 2^-32: none of these draws may.
                if !k.meant_valid {
                    assert!(!taken, "{} was taken: {unit:02x?}", k.name);
                }
            }
        }
    }
}
